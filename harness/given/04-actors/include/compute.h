/* SPDX-License-Identifier: MIT */
/*
 * compute.h - the compute actor: the chapter's worker.js as an actor.
 *
 * A compute actor answers requests (wire.h) sent to it with actor_send():
 *
 *   {"id":7,"method":"square_sum","args":[N]}  ->  {"id":7,"value":S,"pid":P}
 *   {"id":8,"method":"count","args":[]}         ->  {"id":8,"value":C,"pid":P}
 *   anything else                               ->  {"id":..,"error":"..."}
 *
 * S is lab 01's square_sum(N) (commands.h: the square roots of 0 .. N-1
 * added up), computed on the pool worker that runs the actor's turn, at
 * once: the chapter's 100 ms wait happens before, on the program's event
 * loop (delay.h), so no worker sleeps through it. S prints as the
 * chapter's JavaScript prints it (jnum.h): 1 for a whole number, else the
 * shortest text that reads back the same. C is the number of messages the
 * actor handled before this one: the chapter's example of an actor's state
 * ("keep track of the number of messages that it has processed, and then
 * deliver that data in messages that it later outputs"). It needs no lock:
 * only the actor's own handle() touches it, one message at a time. P is the
 * process id, or "server" for the server's own actors (the chapter's
 * bonus).
 *
 * The answer goes to the request's reply_to as a new message whose
 * reply_to is the compute actor itself. A request without reply_to is
 * handled and its answer dropped.
 *
 * Given code (harness/given/): actor processes and the server's in-server
 * actors are both made of these. Any method but these two gets an error
 * answer, never a crash: a message the actor does not know is not poison.
 */
#ifndef LAB_COMPUTE_H
#define LAB_COMPUTE_H

#include <stdint.h>

#include <jansson.h>

#include "actor.h"

/* One compute actor's private state: give it as actor_spec.state. */
struct compute_state {
	/* set before actor_spawn(), read-only afterwards */
	json_int_t pid;     /* answers say "pid":pid, or "pid":"server"
			       when it is 0 (the server's own actors) */
	/* the actor's own: touched only by compute_handle() */
	uint64_t handled;   /* messages handled so far */
};

/*
 * compute_handle - actor_spec.handle of a compute actor. Never fails: a bad
 * request gets an error answer.
 */
void compute_handle(struct actor *self, struct actor_msg *msg);

#endif /* LAB_COMPUTE_H */
