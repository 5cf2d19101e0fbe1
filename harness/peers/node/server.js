#!/usr/bin/env node
// SPDX-License-Identifier: MIT
//
// server.js - the project's Node.js actor server, following the chapter's
// design: an HTTP server whose every GET /N becomes a square_sum request
// {"id","method","args"} for an actor process chosen at random, and a TCP
// server that actor processes join and leave at run time. The speed
// baseline for the C actor_server and the other side of the interop
// checks; its HTTP answers are the C server's:
//
//   GET /N       200 and the actor's reply as it came, byte for byte
//   GET /count   the actor's count (a method the chapter's actor lacks)
//   no actor     503 ERROR: EMPTY ACTOR POOL
//   other paths  400; other methods 405; no reply in --timeout-ms 504
//
// Beyond the chapter, the C server's poison rule: an actor that leaves
// with one request in flight makes it the suspect, answered 502 and never
// re-sent (a poison message kills one actor); one that leaves with several
// has each re-sent to another actor at most --retries times, then answered
// 502; one that said it leaves (its last frame: an error with no id and
// the status 503) never read what is in flight to it, re-sent; malformed or
// unexpected frames are logged and answered with an error frame; SIGTERM
// or SIGINT stops accepting, answers what waits with 503, and exits 0.
//
//   node harness/peers/node/server.js 127.0.0.1:8000 127.0.0.1:9000
//        [--timeout-ms N] [--retries N] [--quiet]
"use strict";

const http = require("node:http");
const net = require("node:net");
const wire = require("./wire.js");

const opt = wire.parseOptions(process.argv.slice(2), "server", {
	"timeout-ms": [30000, 1, 3600000],
	retries: [1, 0, 100],
}, ["quiet"]);
const [webArg = "127.0.0.1:8000", actorArg = "127.0.0.1:9000"] =
	opt.positional;
const web = wire.parseHostPort(webArg, "server");
const link = wire.parseHostPort(actorArg, "server");
const log = opt.quiet ? () => {} : (...a) => console.log(...a);
const BAD_PATH = "the path must be a whole number below 100000000, " +
		 "as in GET /42";

let messageId = 0;
const actors = new Set();   // connected actor links
const waiting = new Map();  // message id -> request
let actorsSeen = 0;
let stopping = false;
const counts = { requests: 0, answered: 0, resent: 0 };

function answer(res, status, text, type = "text/plain") {
	if (res.writableEnded || res.destroyed)
		return;
	res.writeHead(status, { "Content-Type": type,
				"Content-Length": Buffer.byteLength(text) });
	res.end(text);
}

function fail(rq, status, text) {
	waiting.delete(rq.id);
	clearTimeout(rq.timer);
	answer(rq.res, status, `ERROR: ${text}`);
}

// Send rq to a random actor other than those in avoid; false if none.
function route(rq, avoid) {
	const pool = [...actors].filter((a) => !avoid.has(a) && !a.leaving);
	if (pool.length === 0)
		return false;
	const actor = pool[Math.floor(Math.random() * pool.length)];
	rq.actor = actor;
	actor.inFlight.add(rq.id);
	actor.socket.write(rq.frame);
	return true;
}

// ---- actor processes ---------------------------------------------------

function actorGone(actor) {
	if (!actors.delete(actor))
		return;
	console.log(`actor pool disconnected ${actors.size}`);
	const alone = !actor.leaving && actor.inFlight.size === 1;
	for (const id of actor.inFlight) {
		const rq = waiting.get(id);
		if (!rq)
			continue;
		rq.tried.add(actor);
		if (stopping)
			fail(rq, 503, "the server is shutting down");
		else if (alone)
			fail(rq, 502, "the actor died computing this request, " +
			     "the only one it held: not sent again (a message " +
			     "that kills actors?)");
		else if (rq.tried.size > opt.retries)
			fail(rq, 502, `${rq.tried.size} actors left with this ` +
			     "request in flight; giving up");
		else if (route(rq, rq.tried))
			counts.resent++;
		else
			fail(rq, 503, "EMPTY ACTOR POOL (the actor handling " +
			     "this request left)");
	}
	actor.inFlight.clear();
}

function complain(actor, what, fromError) {
	log(`actor #${actor.no}: ${what}: dropped`);
	if (!fromError)
		actor.socket.write(wire.encode({ id: null, error: what }));
}

function onActorFrame(actor, text) {
	let msg;
	try {
		msg = wire.decode(text);
	} catch (e) {
		return complain(actor, `malformed message: ${e.message}`, false);
	}
	const isError = msg.error !== undefined;
	if (msg.id === null && isError && msg.status === 503) {
		// it leaves: no new request, and what is in flight to it when
		// its link closes was never read
		actor.leaving = true;
		return log(`actor #${actor.no}: leaving`);
	}
	if (!wire.validId(msg.id))
		return complain(actor, "a message without a positive integer id",
				isError);
	if (!actor.inFlight.delete(msg.id))
		return complain(actor, `a reply for request ${msg.id}, which is ` +
				"not in flight on this link", isError);
	const rq = waiting.get(msg.id);
	if (!rq)
		return;
	waiting.delete(msg.id);
	clearTimeout(rq.timer);
	counts.answered++;
	if (isError) {
		const status = Number.isInteger(msg.status) && msg.status >= 400 &&
			       msg.status < 600 ? msg.status : 502;
		answer(rq.res, status, `ERROR: ${String(msg.error)}`);
	} else {
		// The reply as the actor wrote it: every digit reaches the
		// client unchanged.
		answer(rq.res, 200, text, "application/json");
	}
}

const linkServer = net.createServer((socket) => {
	const actor = { socket, no: ++actorsSeen, inFlight: new Set(),
			reader: new wire.FrameReader() };
	actors.add(actor);
	console.log(`actor pool connected ${actors.size}`);
	socket.setNoDelay(true);
	socket.on("data", (chunk) => {
		let frames;
		try {
			frames = actor.reader.feed(chunk);
		} catch (e) {
			log(`actor #${actor.no}: ${e.message}: closing the link`);
			socket.destroy();
			return actorGone(actor);
		}
		for (const text of frames)
			onActorFrame(actor, text);
	});
	socket.on("end", () => {
		socket.end();
		actorGone(actor);
	});
	socket.on("close", () => actorGone(actor));
	socket.on("error", () => actorGone(actor));
});

// ---- HTTP ------------------------------------------------------------------

function requestFor(url, id) {
	const path = url.split("?")[0];
	if (path === "/count")
		return { id, method: "count", args: [] };
	if (!/^\/[0-9]+$/.test(path) || Number(path.slice(1)) >= 1e8)
		return null;
	return { id, method: "square_sum", args: [Number(path.slice(1))] };
}

const webServer = http.createServer((req, res) => {
	if (req.method !== "GET")
		return answer(res, 405, "ERROR: only GET /N");
	const id = ++messageId;
	const body = requestFor(req.url, id);
	if (!body)
		return answer(res, 400, `ERROR: ${BAD_PATH}`);
	if (stopping)
		return answer(res, 503, "ERROR: the server is shutting down");
	counts.requests++;
	const rq = { id, res, frame: wire.encode(body), tried: new Set(),
		     actor: null, timer: null };
	waiting.set(id, rq);
	if (!route(rq, rq.tried))
		return fail(rq, 503, "EMPTY ACTOR POOL");
	rq.timer = setTimeout(() => {
		rq.actor.inFlight.delete(id);
		fail(rq, 504, `no reply from an actor within ${opt["timeout-ms"]} ms`);
	}, opt["timeout-ms"]);
	// A client that hung up: drop its request here (the actor's answer
	// is then dropped too).
	res.on("close", () => {
		if (!res.writableEnded && waiting.has(id)) {
			waiting.delete(id);
			clearTimeout(rq.timer);
		}
	});
});
webServer.keepAliveTimeout = 60000;

webServer.listen(web.port, web.host, () => {
	console.log(`web: http://${web.host}:${webServer.address().port}`);
	linkServer.listen(link.port, link.host, () => {
		console.log(`actor: tcp://${link.host}:${linkServer.address().port}`);
	});
});
for (const s of [webServer, linkServer])
	s.on("error", (e) => {
		console.error(`server: cannot listen: ${e.message}`);
		process.exit(2);
	});

function stop(sig) {
	if (stopping)
		return;
	stopping = true;
	log(`server: ${sig}, stopping`);
	webServer.close();
	linkServer.close();
	for (const rq of [...waiting.values()])
		fail(rq, 503, "the server is shutting down");
	for (const actor of actors)
		actor.socket.end();
	webServer.closeIdleConnections();
	setTimeout(() => {
		log(`server: stopped (${counts.requests} requests, ` +
		    `${counts.answered} answered by actors, ${counts.resent} ` +
		    "re-sent)");
		process.exit(0);
	}, 100);
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
