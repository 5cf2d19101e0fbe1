// SPDX-License-Identifier: MIT
//
// worker.js - one worker thread of the Node.js peer's pools, the chapter's
// worker.js: a table of commands, each run on a message from the parent.
// square_sum(max) first awaits a timer (the chapter's 100 ms setTimeout),
// so a worker holds many requests during their delays, then adds up the
// square roots of 0 .. max-1, as lab 01's square_sum() does in C: the
// same additions in the same order, so the same double.
//
// A message {id, method, args, delay_ms} gets {id, value} or, for a method
// the table does not have or arguments it refuses, {id, error, unknown}.
"use strict";

const { parentPort } = require("node:worker_threads");
const { setTimeout: sleep } = require("node:timers/promises");

const SQUARE_SUM_LIMIT = 100000000;

const commands = {
	async square_sum(delayMs, max) {
		if (!Number.isSafeInteger(max) || max < 0 ||
		    max >= SQUARE_SUM_LIMIT)
			throw new RangeError("square_sum: args must be [N] with " +
					     `0 <= N < ${SQUARE_SUM_LIMIT}`);
		if (delayMs > 0)
			await sleep(delayMs);
		let sum = 0;
		for (let i = 0; i < max; i++)
			sum += Math.sqrt(i);
		return sum;
	},
};

parentPort.on("message", async ({ id, method, args, delay_ms }) => {
	if (!Object.hasOwn(commands, method)) {
		parentPort.postMessage({ id, unknown: true,
					 error: `unknown method '${String(method).slice(0, 60)}'` });
		return;
	}
	try {
		const value = await commands[method](delay_ms, ...args);
		parentPort.postMessage({ id, value });
	} catch (e) {
		parentPort.postMessage({ id, error: e.message });
	}
});
