/* SPDX-License-Identifier: MIT */
/*
 * wire.h - the chapter's protocol between actor_server and its actor
 * processes: JSON documents on a TCP link, each followed by a NUL byte.
 *
 *   server -> actor  {"id":4,"method":"square_sum","args":[99999]}\0
 *   actor -> server  {"id":4,"value":21081376.519967034,"pid":160004}\0
 *   either way       {"id":4,"error":"unknown method 'cube_sum'"}\0
 *
 * TCP delivers a stream of bytes, not messages: one read may hold half a
 * message, or the end of one and three more. The NUL marks where each ends.
 * It can never occur inside a JSON text (a NUL in a string is written
 * \u0000), so splitting at NUL bytes is always right, wherever the reads
 * happened to break the stream. struct frame_reader does the splitting:
 * feed it what each read returned, then take every whole frame out.
 *
 * A frame has a cap (WIRE_MAX_FRAME by default): a peer that sends more than
 * that without a NUL is either broken or hostile, and buffering it would let
 * it take all our memory. frame_reader_feed() refuses it with -EMSGSIZE;
 * the only safe answer is to close the link, since where the next frame
 * starts cannot be known.
 *
 * Concurrency: a frame_reader belongs to one thread (its link's event
 * loop) and takes no lock. The other functions touch only their arguments.
 * Functions that can fail return 0 or a negative errno and never print.
 */
#ifndef LAB_WIRE_H
#define LAB_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* The largest frame, in bytes, without its NUL. */
#define WIRE_MAX_FRAME (64 * 1024)
/* Room for an error message from wire_decode() and the parsers below. */
#define WIRE_ERR_MAX 160

struct frame_reader {
	/* private to wire.c; one thread only */
	char *buf;      /* bytes received and not yet handed out */
	size_t start;   /* where the next frame begins in buf */
	size_t scanned; /* bytes from start known to hold no NUL */
	size_t len;     /* bytes held in buf, from 0 */
	size_t cap;     /* bytes allocated */
	size_t max;     /* the cap on one frame */
};

/*
 * frame_reader_init - an empty reader whose frames may be up to max bytes
 * (0: WIRE_MAX_FRAME). Undo with frame_reader_destroy().
 * Returns 0, or -ENOMEM.
 */
int frame_reader_init(struct frame_reader *r, size_t max);

/* frame_reader_destroy - free what frame_reader_init() made. Cannot fail. */
void frame_reader_destroy(struct frame_reader *r);

/*
 * frame_reader_feed - append len bytes that a read returned.
 *
 * Invalidates frames handed out before. Returns 0, -ENOMEM, or -EMSGSIZE
 * when the frame being collected would grow past the cap without its NUL
 * (nothing is appended then; close the link).
 */
int frame_reader_feed(struct frame_reader *r, const void *data, size_t len);

/*
 * frame_reader_next - take the oldest whole frame.
 *
 * Sets *frame to its text, which ends in a NUL (the separator itself), so
 * it is also a C string, and *len to its length without the NUL (0 for an
 * empty frame, from two NULs in a row). The text stays valid until the next
 * frame_reader_feed(). Returns 0, or -EAGAIN when no whole frame is held
 * (the bytes of a partial one are kept for the next feed).
 */
int frame_reader_next(struct frame_reader *r, const char **frame,
		      size_t *len);

/*
 * wire_encode - the frame for msg: its compact JSON text, keys in the
 * order they were set, then a NUL. *len gets the frame's size including
 * the NUL. Returns a buffer to free(), or NULL when out of memory.
 */
char *wire_encode(const json_t *msg, size_t *len);

/*
 * wire_decode - parse one frame's text (len bytes, as from
 * frame_reader_next()) into a JSON object, with jansson.
 *
 * Returns a new reference, or NULL with a message in err (up to errlen
 * bytes): "empty message", "line 1 col 9: unexpected token near 'x'"
 * (jansson's own words), or "not a JSON object".
 */
json_t *wire_decode(const char *frame, size_t len, char *err, size_t errlen);

/*
 * wire_request - {"id":id,"method":method,"args":args}. Takes args (a JSON
 * array) even on failure. Returns a new reference or NULL (no memory).
 */
json_t *wire_request(uint64_t id, const char *method, json_t *args);

/*
 * wire_parse_request - check that msg has the request's shape: a positive
 * integer id, a string method and an array args. Sets the three (borrowed
 * from msg). Returns 0, or -EPROTO with a message in err.
 */
int wire_parse_request(const json_t *msg, uint64_t *id, const char **method,
		       json_t **args, char *err, size_t errlen);

/*
 * wire_reply_id - the id of a reply or an error reply: a positive integer.
 * Returns 0 and sets *id, or -EPROTO when msg has none.
 */
int wire_reply_id(const json_t *msg, uint64_t *id);

/*
 * wire_error - {"id":id,"error":text}; id 0 writes "id":null (an error
 * about a message whose id is unknown). Returns a new reference or NULL.
 */
json_t *wire_error(uint64_t id, const char *text);

#endif /* LAB_WIRE_H */
