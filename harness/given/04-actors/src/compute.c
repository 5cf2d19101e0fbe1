// SPDX-License-Identifier: MIT
/*
 * Lab 04: the compute actor, the chapter's worker.js as an actor (see
 * compute.h). Given code.
 */
#include "compute.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "jnum.h"
#include "wire.h"

/* The value of a square_sum request, or an error text in err. */
static json_t *run_square_sum(json_t *args, char *err, size_t errlen)
{
	json_t *n = json_array_get(args, 0);
	struct square_sum_job job = {0};
	json_t *value;
	int rc;

	if (json_array_size(args) != 1 || !json_is_integer(n) ||
	    json_integer_value(n) < 0 ||
	    (uint64_t)json_integer_value(n) >= SQUARE_SUM_LIMIT) {
		snprintf(err, errlen,
			 "square_sum: args must be [N] with 0 <= N < %llu",
			 (unsigned long long)SQUARE_SUM_LIMIT);
		return NULL;
	}
	job.max = (uint64_t)json_integer_value(n);
	job.delay_ms = 0; /* waited out on the event loop before (delay.h) */
	/* Lab 01's command, called directly: this actor's turn is already
	 * running on a worker of the lab-01 pool. */
	rc = square_sum(&job);
	if (rc < 0) {
		snprintf(err, errlen, "square_sum: %s", strerror(-rc));
		return NULL;
	}
	value = jnum_new(job.sum);
	if (!value)
		snprintf(err, errlen, "square_sum: out of memory");
	return value;
}

/* The answer to one request: a reply or an error reply. */
static json_t *answer(struct compute_state *st, const json_t *req)
{
	char err[WIRE_ERR_MAX];
	const char *method;
	json_t *args, *value = NULL;
	uint64_t id;

	if (wire_parse_request(req, &id, &method, &args, err, sizeof(err)) < 0)
		return wire_error(wire_reply_id(req, &id) == 0 ? id : 0, err);
	if (strcmp(method, "square_sum") == 0)
		value = run_square_sum(args, err, sizeof(err));
	else if (strcmp(method, "count") == 0)
		value = json_integer((json_int_t)st->handled);
	else
		snprintf(err, sizeof(err), "unknown method '%.60s'", method);
	if (!value)
		return wire_error(id, err);
	/* A fresh pid value per answer: a json_t shared between threads
	 * would have its reference count changed by two at once. */
	return json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id, "value",
			 value, "pid",
			 st->pid ? json_integer(st->pid) : json_string("server"));
}

void compute_handle(struct actor *self, struct actor_msg *msg)
{
	struct compute_state *st = actor_state(self);
	json_t *reply = answer(st, msg->body);
	struct actor_msg *out;

	/* Counted after answering, so "count" reports the messages handled
	 * before it. Only this actor's handle() ever touches st->handled. */
	st->handled++;
	if (reply && msg->reply_to) {
		out = actor_msg_new(reply, self);
		if (out && actor_send(msg->reply_to, out) == -EINVAL)
			actor_msg_free(out);
	} else {
		json_decref(reply);
	}
	actor_msg_free(msg);
}
