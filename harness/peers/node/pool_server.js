#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// pool_server.js - the project's Node.js pool server, following the
// chapter's main.js: an HTTP server whose every request becomes a
// square_sum command for a pool of worker threads (pool.js). The speed
// baseline for lab 01's C pool_server, with the same options and answers:
//
//   GET /N or GET /?value=N   {"sum":S,"value":N} (a random N below
//                   MAX_VALUE without one); 400 for a value that is not a
//                   whole number or is not below 100000000; 503 beyond
//                   MAX_PENDING requests in flight, or MAX_PER_CLIENT from
//                   one address
//
// Options come from the environment (THREADS, STRATEGY, TIES, DELAY_MS,
// HOST, PORT, MAX_VALUE, MAX_PENDING, MAX_PER_CLIENT, SEED, QUIET=1), as
// in the chapter's THREADS=3 STRATEGY=leastbusy node main.js, with the C
// server's defaults.
// It logs "Selected Worker: N" per request unless QUIET.
"use strict";

const http = require("node:http");
const { WorkerPool, Random, STRATEGIES } = require("./pool.js");

const SQUARE_SUM_LIMIT = 100000000;

function env(name, def, lo, hi) {
	const v = process.env[name];
	if (v === undefined || v === "")
		return def;
	if (!/^-?\d+$/.test(v) || Number(v) < lo || Number(v) > hi) {
		console.error(`pool_server: bad ${name} '${v}'`);
		process.exit(2);
	}
	return Number(v);
}

const strategy = process.env.STRATEGY || "roundrobin";
if (!STRATEGIES.includes(strategy)) {
	console.error(`pool_server: invalid strategy '${strategy}' (valid: ` +
		      `${STRATEGIES.join(", ")})`);
	process.exit(2);
}
const ties = process.env.TIES || "random";
const host = process.env.HOST || "127.0.0.1";
const port = env("PORT", 1337, 0, 65535);
const delayMs = env("DELAY_MS", 100, 0, 60000);
const maxValue = env("MAX_VALUE", SQUARE_SUM_LIMIT, 1, SQUARE_SUM_LIMIT);
const maxPending = env("MAX_PENDING", 1000, 1, 1000000);
const maxPerClient = env("MAX_PER_CLIENT", 256, 1, 1000000);
const seed = env("SEED", Math.floor(Date.now() / 1000), 0,
		 Number.MAX_SAFE_INTEGER);
const quiet = (process.env.QUIET || "0") !== "0";
const pool = new WorkerPool({ size: env("THREADS", 0, -4096, 4096),
			      strategy, ties, seed: seed + 1 });
const random = new Random(seed);
let pending = 0;
const perClient = new Map(); // affinity key -> requests in flight

function send(res, status, obj) {
	const text = JSON.stringify(obj);
	res.writeHead(status, { "Content-Type": "application/json",
				"Content-Length": Buffer.byteLength(text) });
	res.end(text);
}

// FNV-1a of the client's address text (not its port), as the C server's
// affinity key.
function peerKey(req) {
	let h = 0xcbf29ce484222325n;
	for (const c of Buffer.from(req.socket.remoteAddress || ""))
		h = BigInt.asUintN(64, (h ^ BigInt(c)) * 0x100000001b3n);
	return h;
}

// GET /N or ?value=N (the query wins), or a random value; null when either
// is not a whole number (the C server's rules: digits only).
function requestValue(url) {
	let value = random.below(maxValue);
	const q = url.indexOf("?");
	const path = q < 0 ? url : url.slice(0, q);
	if (path.length > 1) {
		if (!/^\/[0-9]+$/.test(path))
			return null;
		value = Number(path.slice(1));
	}
	if (q < 0)
		return value;
	const v = new URLSearchParams(url.slice(q + 1)).get("value");
	if (v === null)
		return value;
	return /^[0-9]+$/.test(v) ? Number(v) : null;
}

const server = http.createServer(async (req, res) => {
	if (pending >= maxPending)
		return send(res, 503, { error: "too many requests in flight" });
	const value = requestValue(req.url);
	if (value === null)
		return send(res, 400, { error: "value must be a whole number" });
	if (value >= SQUARE_SUM_LIMIT)
		return send(res, 400, { error: "Numerical result out of range",
					value });
	const key = peerKey(req);
	const mine = perClient.get(key) || 0;
	if (mine >= maxPerClient)
		return send(res, 503, { error: "too many requests in flight " +
					"from this client" });
	perClient.set(key, mine + 1);
	pending++;
	const [worker, done] = pool.exec("square_sum", [value],
					 { delayMs, key });
	if (!quiet)
		console.log(`Selected Worker: ${worker}`);
	const out = await done;
	pending--;
	if (perClient.get(key) === 1)
		perClient.delete(key);
	else
		perClient.set(key, perClient.get(key) - 1);
	if (out.error !== undefined)
		send(res, 500, { error: out.error });
	else
		send(res, 200, { sum: out.value, value });
});
server.keepAliveTimeout = 60000;

console.log(`pool_server: ${pool.size} workers, ${strategy}` +
	    (strategy === "leastbusy" ? ` (ties: ${ties})` : "") +
	    `, square_sum waits ${delayMs} ms`);
server.listen(port, host, () => {
	console.log(`http://${host}:${server.address().port}/`);
});
server.on("error", (e) => {
	console.error(`pool_server: cannot listen on ${host}:${port}: ` +
		      e.message);
	process.exit(2);
});

function stop(sig) {
	console.log(`pool_server: ${sig}, stopping`);
	server.close();
	server.closeIdleConnections();
	setTimeout(() => pool.close().finally(() => {
		console.log("pool_server: stopped");
		process.exit(0);
	}), 200);
}
process.once("SIGTERM", () => stop("SIGTERM"));
process.once("SIGINT", () => stop("SIGINT"));
