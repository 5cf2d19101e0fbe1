/* SPDX-License-Identifier: MIT */
/*
 * router.h - the set of actors that requests may go to (the chapter's
 * `actors` Set and its randomActor()), read on every request and changed
 * on every join or leave, under liburcu's RCU.
 *
 * The set is an array published through one pointer. A reader (the HTTP
 * thread, routing a request) enters an RCU read-side critical section,
 * loads the pointer, picks an actor at random and sends to it, then leaves:
 * no lock, no write to shared memory, and it never waits for an updater.
 * An updater (the thread that accepts and loses actor processes) never
 * changes an array that readers may be looking at: it copies the array,
 * changes the copy, publishes the copy with one pointer store, then waits
 * for a grace period (synchronize_rcu: every reader that might still hold
 * the old array has left its critical section) before it frees the old
 * array. After router_remove() returns, no reader holds the removed actor
 * and none ever will again, so the caller may drain and free it.
 *
 *   updater (router_remove)           reader (router_send)
 *   new = copy of set without a       rcu_read_lock
 *   publish: set = new                s = set      (old or new)
 *   synchronize_rcu: wait for every   a = s->actor[rnd % s->n]
 *     reader that may hold old        actor_send(a, msg)
 *   free(old); a is unreachable       rcu_read_unlock
 *
 * Every thread that calls router_send() or router_size() must call
 * router_register_thread() first, and router_unregister_thread() before it
 * exits (liburcu keeps a list of its readers). The RCU calls go through
 * sanitizers/urcu_annotate.h, which tells the race detectors what a grace
 * period is.
 *
 * Which calls may overlap on one router:
 *
 *   call                          may run at the same time as
 *   router_send, router_size      anything but router_destroy
 *   router_add, router_remove     readers, and each other (they take the
 *                                 router's update lock in turn)
 *   router_destroy                nothing
 *
 * Functions that can fail return 0 or a negative errno and never print.
 */
#ifndef LAB_ROUTER_H
#define LAB_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "actor.h"

struct router;

/*
 * router_create - an empty set. Undo with router_destroy().
 * Returns 0 and sets *out, or -EINVAL (NULL out) or -ENOMEM.
 */
int router_create(struct router **out);

/*
 * router_destroy - free the set (not the actors in it). No reader or
 * updater may be running. NULL is ignored. Cannot fail.
 */
void router_destroy(struct router *r);

/*
 * router_register_thread, router_unregister_thread - enter and leave
 * liburcu's list of reader threads. Call once per thread. Cannot fail.
 */
void router_register_thread(void);
void router_unregister_thread(void);

/*
 * router_add - add a to the set, so that readers may pick it from now on.
 *
 * Concurrency: an updater; may sleep for a grace period.
 * Returns 0, -EINVAL (NULL argument), -EEXIST (already in the set) or
 * -ENOMEM (the set is unchanged).
 */
int router_add(struct router *r, struct actor *a);

/*
 * router_remove - take a out of the set, and wait until no reader can
 * still be sending to it.
 *
 * Concurrency: an updater; sleeps for a grace period.
 * Ordering: every actor_send() to a made by router_send() happens before
 * this returns; none follows.
 * Returns 0, -EINVAL (NULL argument), -ENOENT (not in the set) or -ENOMEM
 * (the set is unchanged).
 */
int router_remove(struct router *r, struct actor *a);

/*
 * router_send - send msg to an actor of the set chosen by rnd (the
 * caller's random number: actor rnd % size), as the chapter's
 * randomActor() does.
 *
 * Concurrency: a reader: any registered thread, never blocks.
 * Returns what actor_send() returned (0: msg is taken), -EINVAL for a NULL
 * argument, or -ENOENT when the set is empty: the chapter's "ERROR: EMPTY
 * ACTOR POOL" (msg is then still the caller's).
 */
int router_send(struct router *r, struct actor_msg *msg, uint64_t rnd);

/*
 * router_size - how many actors the set holds: a snapshot, stale as soon
 * as it returns. Concurrency: a reader. Cannot fail.
 */
size_t router_size(struct router *r);

#endif /* LAB_ROUTER_H */
