// SPDX-License-Identifier: MIT
//
// pool.js - the Node.js peer's worker pool, the chapter's RpcWorkerPool: a
// fixed set of worker_threads, each with its own map of commands in
// flight, and the dispatch strategies of lab 01 with the same meaning:
//
//   roundrobin  the next worker, wrapping around
//   random      any worker, uniformly
//   leastbusy   the fewest commands in flight; ties random, or the first
//               (ties = "first", the chapter's own loop)
//   affinity    the worker a key hashes to (HAProxy's source)
//
// Size as the chapter's: 0 means one per CPU, a negative n that many fewer
// (at least 1). Random choices come from a seeded splitmix64, as in the C
// programs, so that a run can be repeated.
"use strict";

const os = require("node:os");
const path = require("node:path");
const { Worker } = require("node:worker_threads");

const STRATEGIES = ["roundrobin", "random", "leastbusy", "affinity"];
const MASK = (1n << 64n) - 1n;

// splitmix64, as next_random() in the C servers: the same SEED gives the
// same sequence there and here.
class Random {
	constructor(seed) {
		this.state = BigInt.asUintN(64, BigInt(seed));
	}

	next() {
		this.state = (this.state + 0x9e3779b97f4a7c15n) & MASK;
		let z = this.state;
		z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK;
		z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK;
		return z ^ (z >> 31n);
	}

	below(n) {
		return Number(this.next() % BigInt(n));
	}
}

class WorkerPool {
	constructor({ size = 0, strategy = "roundrobin", ties = "random",
		      seed = Date.now() } = {}) {
		const cores = os.availableParallelism();
		if (!STRATEGIES.includes(strategy))
			throw new TypeError(`invalid strategy '${strategy}'`);
		this.size = size === 0 ? cores
			  : size < 0 ? Math.max(cores + size, 1) : size;
		this.strategy = strategy;
		this.ties = ties;
		this.random = new Random(seed);
		this.rr = 0;
		this.nextId = 0;
		this.workers = [];
		for (let i = 0; i < this.size; i++) {
			const worker = new Worker(path.join(__dirname, "worker.js"));
			const w = { worker, inFlight: new Map() };
			worker.on("message", (msg) => this.settle(w, msg));
			worker.on("error", (e) => this.fail(w, e));
			this.workers.push(w);
		}
	}

	// Run method(...args) on a worker; resolves to {value} or {error,
	// unknown}. key is affinity's. Returns [worker index, promise].
	exec(method, args, { delayMs = 0, key = 0 } = {}) {
		const id = ++this.nextId;
		const index = this.pick(key);
		const w = this.workers[index];
		const promise = new Promise((resolve) => {
			w.inFlight.set(id, resolve);
		});
		w.worker.postMessage({ id, method, args, delay_ms: delayMs });
		return [index, promise];
	}

	pick(key) {
		switch (this.strategy) {
		case "random":
			return this.random.below(this.size);
		case "affinity":
			return Number(BigInt.asUintN(64, BigInt(key)) %
				      BigInt(this.size));
		case "leastbusy":
			return this.leastBusy();
		default: {
			const id = this.rr;
			this.rr = (this.rr + 1) % this.size;
			return id;
		}
		}
	}

	// Reservoir sampling over the tied workers: each equally likely.
	leastBusy() {
		let best = 0;
		let min = Infinity;
		let tied = 0;
		for (let i = 0; i < this.size; i++) {
			const load = this.workers[i].inFlight.size;
			if (load < min) {
				min = load;
				best = i;
				tied = 1;
			} else if (load === min && this.ties === "random" &&
				   this.random.below(++tied) === 0) {
				best = i;
			}
		}
		return best;
	}

	// Commands in flight on worker i.
	load(i) {
		return this.workers[i].inFlight.size;
	}

	settle(w, msg) {
		const resolve = w.inFlight.get(msg.id);
		if (!resolve)
			return;
		w.inFlight.delete(msg.id);
		resolve(msg);
	}

	// A worker that threw outside a command: fail what it held.
	fail(w, e) {
		for (const resolve of w.inFlight.values())
			resolve({ error: `worker failed: ${e.message}` });
		w.inFlight.clear();
	}

	async close() {
		await Promise.all(this.workers.map((w) => w.worker.terminate()));
	}
}

module.exports = { WorkerPool, Random, STRATEGIES };
