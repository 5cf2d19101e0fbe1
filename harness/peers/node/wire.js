// SPDX-License-Identifier: MIT
//
// wire.js - the chapter's protocol between a server and its actor
// processes, for the project's Node.js peer: JSON documents on a TCP link,
// each followed by a NUL byte.
//
//   server -> actor  {"id":4,"method":"square_sum","args":[99999]}\0
//   actor -> server  {"id":4,"value":21081376.519967034,"pid":160004}\0
//   either way       {"id":4,"error":"unknown method 'cube_sum'"}\0
//
// The chapter splits each 'data' event at NUL bytes and throws away what
// follows the last one, which loses a frame that TCP happened to cut in
// two. FrameReader keeps that tail for the next event, and refuses a frame
// that grows past a cap without its NUL (the C side's WIRE_MAX_FRAME), so
// that a broken peer cannot take all our memory.
"use strict";

const MAX_FRAME = 64 * 1024;

class FrameReader {
	constructor(max = MAX_FRAME) {
		this.max = max;
		this.parts = []; // Buffers of the frame under way
		this.held = 0;   // their total length
	}

	// Feed one 'data' chunk; returns the whole frames it completed, as
	// strings. Throws a RangeError when a frame exceeds the cap (the
	// link must then close: where the next frame starts is unknown).
	feed(chunk) {
		const frames = [];
		let from = 0;
		let nul;

		while ((nul = chunk.indexOf(0, from)) !== -1) {
			const piece = chunk.subarray(from, nul);
			if (this.held + piece.length > this.max)
				throw new RangeError(`a frame over ${this.max} bytes`);
			this.parts.push(piece);
			frames.push(Buffer.concat(this.parts).toString("utf8"));
			this.parts = [];
			this.held = 0;
			from = nul + 1;
		}
		if (from < chunk.length) {
			const rest = chunk.subarray(from);
			if (this.held + rest.length > this.max)
				throw new RangeError(`a frame over ${this.max} bytes ` +
						     "without its NUL");
			// A copy: the socket may reuse the chunk's memory.
			this.parts.push(Buffer.from(rest));
			this.held += rest.length;
		}
		return frames;
	}
}

// The frame for a message: its JSON text, then the NUL. JSON.stringify
// prints each number as the shortest text that reads back the same.
function encode(msg) {
	return JSON.stringify(msg) + "\0";
}

// A frame's text as an object, or throws an Error saying why not.
function decode(text) {
	if (text.length === 0)
		throw new Error("empty message");
	const msg = JSON.parse(text);
	if (msg === null || typeof msg !== "object" || Array.isArray(msg))
		throw new Error("not a JSON object");
	return msg;
}

// A request's id, as the servers number them: a positive safe integer.
function validId(id) {
	return Number.isSafeInteger(id) && id > 0;
}

// "HOST:PORT" on the loopback interface, as the C programs accept it.
function parseHostPort(text, who) {
	const m = /^(localhost|127(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text || "");
	if (!m || Number(m[2]) > 65535) {
		console.error(`${who}: '${text}' is not HOST:PORT on the ` +
			      "loopback interface (127.0.0.1:PORT)");
		process.exit(2);
	}
	return { host: m[1] === "localhost" ? "127.0.0.1" : m[1],
		 port: Number(m[2]) };
}

// Options "--name N" (whole numbers in [lo, hi]) and "--flag" after the
// positional arguments; exits 2 with a message on anything else.
function parseOptions(argv, who, nums, flags = [], words = {}) {
	const out = { positional: [] };
	for (const [name, def] of Object.entries(nums))
		out[name] = def[0];
	for (const name of flags)
		out[name] = false;
	for (const [name, def] of Object.entries(words))
		out[name] = def[0];
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		const key = a.replace(/^--/, "");
		if (!a.startsWith("-")) {
			out.positional.push(a);
		} else if (flags.includes(key)) {
			out[key] = true;
		} else if (key in nums && /^\d+$/.test(argv[i + 1] || "") &&
			   Number(argv[i + 1]) >= nums[key][1] &&
			   Number(argv[i + 1]) <= nums[key][2]) {
			out[key] = Number(argv[++i]);
		} else if (key in words && words[key].includes(argv[i + 1])) {
			out[key] = argv[++i];
		} else {
			console.error(`${who}: bad argument '${a}'`);
			process.exit(2);
		}
	}
	return out;
}

module.exports = { MAX_FRAME, FrameReader, encode, decode, validId,
		   parseHostPort, parseOptions };
