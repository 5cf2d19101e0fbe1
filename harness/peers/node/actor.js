#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// actor.js - the project's Node.js actor process, following the chapter's
// design: it connects to a server's actor port and answers every request
// {"id","method","args"} with {"id","value","pid"}, computed on a pool of 4
// worker threads (the chapter's "four actors", leastbusy). A speed baseline
// for the C actor and the other side of the interop checks.
//
//   node harness/peers/node/actor.js 127.0.0.1:9000 [--threads N]
//        [--delay-ms N] [--on-unknown die|answer] [--quiet]
//
// A method the workers do not know: with --on-unknown die (the default)
// the process exits with status 70, as the chapter's actor dies on it (a
// poison message, for the servers' containment checks); with answer it
// replies {"id","error"}. A malformed frame gets an error reply; a frame
// over 64 KiB without its NUL closes the link. SIGTERM or SIGINT: stop
// reading new messages, answer the ones held (for at most --drain-ms),
// then leave; the server re-sends what it wrote and we never read.
"use strict";

const net = require("node:net");
const wire = require("./wire.js");
const { WorkerPool } = require("./pool.js");

const opt = wire.parseOptions(process.argv.slice(2), "actor", {
	threads: [4, 1, 256],
	"delay-ms": [100, 0, 60000],
	"drain-ms": [10000, 0, 3600000],
}, ["quiet"], { "on-unknown": ["die", "answer"] });
if (opt.positional.length !== 1) {
	console.error("usage: actor.js HOST:PORT [--threads N] [--delay-ms N] " +
		      "[--drain-ms N] [--on-unknown die|answer] [--quiet]");
	process.exit(2);
}
const server = wire.parseHostPort(opt.positional[0], "actor");
const log = opt.quiet ? () => {} : (...a) => console.log(...a);
const pool = new WorkerPool({ size: opt.threads, strategy: "leastbusy",
			      ties: "first" });
const reader = new wire.FrameReader();
let held = 0;         // requests taken and not answered yet
let leaving = false;

const link = net.connect(server.port, server.host, () => {
	log("connected to server");
});

function send(msg) {
	if (!link.destroyed)
		link.write(wire.encode(msg));
}

async function handle(req) {
	const [, done] = pool.exec(req.method, req.args,
				   { delayMs: opt["delay-ms"] });
	held++;
	const out = await done;
	held--;
	if (out.unknown && opt["on-unknown"] === "die") {
		console.error(`actor: ${out.error}: exiting, as the chapter's ` +
			      "actor dies on it");
		process.exit(70);
	}
	if (out.error !== undefined)
		send({ id: req.id, error: out.error });
	else
		send({ id: req.id, value: out.value, pid: process.pid });
	if (leaving && held === 0)
		leave();
}

function onFrame(text) {
	let msg;
	try {
		msg = wire.decode(text);
	} catch (e) {
		log(`actor: malformed message: ${e.message}`);
		return send({ id: null, error: `malformed message: ${e.message}` });
	}
	if (msg.error !== undefined) {
		// Never answer an error report: two sides answering each
		// other's errors would never stop.
		return log(`actor: the server says: ${msg.error}`);
	}
	if (!wire.validId(msg.id) || typeof msg.method !== "string" ||
	    !Array.isArray(msg.args)) {
		return send({ id: wire.validId(msg.id) ? msg.id : null,
			      error: "a request needs a positive integer id, " +
				     "a string method and an array args" });
	}
	handle(msg);
}

link.on("data", (chunk) => {
	let frames;
	try {
		frames = reader.feed(chunk);
	} catch (e) {
		console.error(`actor: ${e.message} from the server: closing ` +
			      "the link");
		link.destroy();
		return stop(1);
	}
	for (const text of frames)
		onFrame(text);
});
link.on("end", () => {
	log("disconnect from server");
	stop(0);
});
link.on("error", (e) => {
	console.error(`actor: the link to ${opt.positional[0]} failed: ` +
		      e.message);
	stop(e.code === "ECONNRESET" ? 0 : 1);
});

// The last frame, as the C actor's (actor.c): it leaves, and a request it
// did not read, it did not take.
function leave() {
	send({ id: null, error: "this actor is leaving: a request it did not " +
	       "read, it did not take", status: 503 });
	link.end(() => stop(0));
}

let stopping = false;
function stop(status) {
	if (stopping)
		return;
	stopping = true;
	link.destroy();
	pool.close().finally(() => process.exit(status));
}

function onSignal(sig) {
	if (leaving)
		return;
	log(`actor: ${sig}, leaving`);
	leaving = true;
	link.pause(); // take no new message; the server re-sends them
	if (held === 0)
		return leave();
	setTimeout(() => stop(0), opt["drain-ms"]).unref();
}
process.on("SIGTERM", onSignal);
process.on("SIGINT", onSignal);
