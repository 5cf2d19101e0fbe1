// SPDX-License-Identifier: MIT
/*
 * fuzz_wire.c - libFuzzer target: lab 04's frame reader and JSON decoding
 * (wire.h), as an actor or the server meets them on a link.
 *
 * The input's first byte picks the frame cap (16 bytes to 64 KiB) and the
 * second how the rest is cut into reads (one byte at a time up to 255);
 * the rest is the byte stream. Checked against a model, not only for
 * crashes: the frames handed out are exactly the stream's NUL-separated
 * pieces, in order, until the reader refuses a frame over the cap, which
 * it must do exactly when the model's frame under way passes the cap.
 * Every frame goes through wire_decode(); a decoded object must survive
 * wire_encode() and wire_decode() again unchanged (json_equal), and the
 * request and reply parsers must not misread it.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "wire.h"

static void check_json(const char *frame, size_t len)
{
	char err[WIRE_ERR_MAX], err2[WIRE_ERR_MAX];
	const char *method;
	json_t *msg = wire_decode(frame, len, err, sizeof(err));
	json_t *args, *again;
	uint64_t id;
	size_t n;
	char *text;

	if (!msg) {
		if (!memchr(err, '\0', sizeof(err)) || !err[0])
			abort(); /* every refusal says why */
		return;
	}
	if (wire_parse_request(msg, &id, &method, &args, err, sizeof(err)) == 0
	    && (id == 0 || !method || !json_is_array(args)))
		abort();
	if (wire_reply_id(msg, &id) == 0 && id == 0)
		abort();
	text = wire_encode(msg, &n);
	if (!text)
		abort();
	if (n == 0 || text[n - 1] != '\0' || memchr(text, '\0', n - 1))
		abort(); /* one frame, its NUL last and only */
	again = wire_decode(text, n - 1, err2, sizeof(err2));
	if (!again || !json_equal(msg, again))
		abort();
	json_decref(again);
	free(text);
	json_decref(msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t caps[] = {16, 64, 256, 4096, WIRE_MAX_FRAME};
	struct frame_reader r;
	const char *frame;
	size_t len, step, pos = 0, model_start = 0, cap;
	int rc = 0;

	if (size < 2)
		return 0;
	cap = caps[data[0] % 5];
	step = data[1] ? data[1] : 1;
	data += 2;
	size -= 2;
	if (frame_reader_init(&r, cap) < 0)
		abort();
	while (pos < size && rc == 0) {
		size_t n = size - pos < step ? size - pos : step;
		const uint8_t *nul = memchr(data + pos, 0, n);
		const uint8_t *last = nul ? memrchr(data + pos, 0, n) : NULL;
		/* The model: the frame under way after this read. */
		size_t partial = last ? (size_t)(data + pos + n - last - 1)
				      : pos + n - model_start;

		rc = frame_reader_feed(&r, data + pos, n);
		if ((rc == -EMSGSIZE) != (partial > cap))
			abort();
		if (rc < 0)
			break;
		pos += n;
		while (frame_reader_next(&r, &frame, &len) == 0) {
			const uint8_t *end = memchr(data + model_start, 0,
						    pos - model_start);
			if (!end || (size_t)(end - data) - model_start != len ||
			    memcmp(frame, data + model_start, len) != 0 ||
			    frame[len] != '\0')
				abort();
			model_start += len + 1;
			check_json(frame, len);
		}
		if (memchr(data + model_start, 0, pos - model_start))
			abort(); /* a whole frame was held back */
	}
	frame_reader_destroy(&r);
	return 0;
}
