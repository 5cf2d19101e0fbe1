// SPDX-License-Identifier: MIT
/*
 * Lab 04: the chapter's wire protocol. A frame reader that splits a TCP
 * byte stream at NUL bytes, whatever way the reads broke it up, with a cap
 * on a frame's size; and the JSON side, by jansson. wire.h gives the
 * contract; docs/labs/04-actors.md walks through the steps.
 *
 * Every TODO(lab04) fails with -ENOSYS (or, for wire_decode(), a message)
 * until you write it.
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

/*
 * TODO(lab04) step 1: append the bytes. First the cap: how long will the
 * frame being collected be after this feed? If the new bytes hold a NUL,
 * the bytes after their last NUL (memrchr); if not, partial_held() plus
 * all of them. Over r->max: -EMSGSIZE, appending nothing. Then compact(),
 * reserve() room, and copy the bytes in.
 */
int frame_reader_feed(struct frame_reader *r, const void *data, size_t len)
{
	(void)r;
	(void)data;
	(void)len;
	(void)partial_held;
	(void)compact;
	(void)reserve;
	return -ENOSYS;
}

/*
 * TODO(lab04) step 1: the oldest whole frame starts at r->start and ends
 * at the FIRST NUL after it (memchr: not the last one; the chapter's
 * split("\0") does the same). Search only the bytes not scanned before
 * (r->scanned), and remember how far you looked when there is no NUL yet.
 * Hand out the frame, move r->start past its NUL, and reset r->scanned.
 */
int frame_reader_next(struct frame_reader *r, const char **frame,
		      size_t *len)
{
	(void)r;
	(void)frame;
	(void)len;
	return -ENOSYS;
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

/*
 * TODO(lab04) step 2: parse with json_loadb() (len bytes: the frame is not
 * the whole buffer). On failure, put jansson's line, column and text in
 * err; also refuse an empty frame and anything but an object (see wire.h
 * for the messages).
 */
json_t *wire_decode(const char *frame, size_t len, char *err, size_t errlen)
{
	(void)frame;
	(void)len;
	snprintf(err, errlen, "wire_decode: still a TODO(lab04) in src/wire.c");
	return NULL;
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
