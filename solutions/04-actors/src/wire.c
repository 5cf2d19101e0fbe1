// SPDX-License-Identifier: MIT
/*
 * Lab 04, reference solution: the chapter's wire protocol. A frame reader
 * that splits a TCP byte stream at NUL bytes, whatever way the reads broke
 * it up, with a cap on a frame's size; and the JSON side, by jansson.
 * wire.h gives the contract.
 */
#include "wire.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- frames ----------------------------------------------------------------- */

int frame_reader_init(struct frame_reader *r, size_t max)
{
	memset(r, 0, sizeof(*r));
	r->max = max ? max : WIRE_MAX_FRAME;
	r->cap = 4096;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -ENOMEM;
}

void frame_reader_destroy(struct frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Bytes at the end of what is held that no NUL follows: the frame being
 * collected so far. */
static size_t partial_held(const struct frame_reader *r)
{
	const char *from = r->buf + r->start + r->scanned;
	const char *nul = memrchr(from, '\0', r->len - r->start - r->scanned);

	return nul ? (size_t)(r->buf + r->len - nul - 1) : r->len - r->start;
}

/* Drop the frames already handed out, so that the buffer holds only what
 * is still to come. Frames handed out become invalid here. */
static void compact(struct frame_reader *r)
{
	if (r->start == 0)
		return;
	memmove(r->buf, r->buf + r->start, r->len - r->start);
	r->len -= r->start;
	r->start = 0;
}

static int reserve(struct frame_reader *r, size_t more)
{
	size_t cap = r->cap;
	char *buf;

	while (cap - r->len < more)
		cap *= 2;
	if (cap == r->cap)
		return 0;
	buf = realloc(r->buf, cap);
	if (!buf)
		return -ENOMEM;
	r->buf = buf;
	r->cap = cap;
	return 0;
}

int frame_reader_feed(struct frame_reader *r, const void *data, size_t len)
{
	const char *last_nul = memrchr(data, '\0', len);
	size_t partial;
	int rc;

	/* The frame under way after this feed: the new bytes after their
	 * last NUL, or, without one, everything since the last NUL held. */
	if (last_nul)
		partial = len - (size_t)(last_nul - (const char *)data) - 1;
	else
		partial = partial_held(r) + len;
	if (partial > r->max)
		return -EMSGSIZE;
	compact(r);
	rc = reserve(r, len);
	if (rc < 0)
		return rc;
	memcpy(r->buf + r->len, data, len);
	r->len += len;
	return 0;
}

int frame_reader_next(struct frame_reader *r, const char **frame,
		      size_t *len)
{
	char *from = r->buf + r->start;
	char *nul = memchr(from + r->scanned, '\0',
			   r->len - r->start - r->scanned);

	if (!nul) {
		/* Remember how far we looked, so that a frame arriving one
		 * byte per read is scanned once, not once per byte. */
		r->scanned = r->len - r->start;
		return -EAGAIN;
	}
	*frame = from;
	*len = (size_t)(nul - from);
	r->start += *len + 1;
	r->scanned = 0;
	return 0;
}

/* ---- JSON ------------------------------------------------------------------ */

char *wire_encode(const json_t *msg, size_t *len)
{
	char *text = json_dumps(msg, JSON_COMPACT | JSON_PRESERVE_ORDER);
	size_t n;

	if (!text)
		return NULL;
	/* json_dumps' own terminator is our separator: keep it. */
	n = strlen(text) + 1;
	if (len)
		*len = n;
	return text;
}

json_t *wire_decode(const char *frame, size_t len, char *err, size_t errlen)
{
	json_error_t e;
	json_t *msg;

	if (len == 0) {
		snprintf(err, errlen, "empty message");
		return NULL;
	}
	msg = json_loadb(frame, len, JSON_REJECT_DUPLICATES, &e);
	if (!msg) {
		snprintf(err, errlen, "line %d col %d: %s", e.line, e.column,
			 e.text);
		return NULL;
	}
	if (!json_is_object(msg)) {
		json_decref(msg);
		snprintf(err, errlen, "not a JSON object");
		return NULL;
	}
	return msg;
}

json_t *wire_request(uint64_t id, const char *method, json_t *args)
{
	if (!method) {
		json_decref(args);
		return NULL;
	}
	/* "o" takes args over, also when json_pack fails (jansson >= 2.11). */
	return json_pack("{s:I, s:s, s:o}", "id", (json_int_t)id, "method",
			 method, "args", args);
}

/* A positive integer id, as the server numbers its requests. */
static int get_id(const json_t *msg, uint64_t *id)
{
	json_t *v = json_object_get(msg, "id");

	if (!json_is_integer(v) || json_integer_value(v) <= 0)
		return -EPROTO;
	*id = (uint64_t)json_integer_value(v);
	return 0;
}

int wire_parse_request(const json_t *msg, uint64_t *id, const char **method,
		       json_t **args, char *err, size_t errlen)
{
	json_t *m = json_object_get(msg, "method");
	json_t *a = json_object_get(msg, "args");

	if (get_id(msg, id) < 0) {
		snprintf(err, errlen, "a request needs a positive integer id");
		return -EPROTO;
	}
	if (!json_is_string(m)) {
		snprintf(err, errlen, "a request needs a string method");
		return -EPROTO;
	}
	if (!json_is_array(a)) {
		snprintf(err, errlen, "a request needs an array args");
		return -EPROTO;
	}
	*method = json_string_value(m);
	*args = a;
	return 0;
}

int wire_reply_id(const json_t *msg, uint64_t *id)
{
	return get_id(msg, id);
}

json_t *wire_error(uint64_t id, const char *text)
{
	json_t *jid = id ? json_integer((json_int_t)id) : json_null();

	return json_pack("{s:o, s:s}", "id", jid, "error", text ? text : "");
}
