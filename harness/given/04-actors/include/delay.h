/* SPDX-License-Identifier: MIT */
/*
 * delay.h - the chapter's 100 ms wait as a timer on an event loop: a
 * message waits in a delay line, and when its time is up the line's fire()
 * sends it on (to a compute actor, whose turn then computes at once). No
 * thread sleeps through the wait, as no JavaScript worker does: the
 * chapter's worker awaits a setTimeout and takes the next message
 * meanwhile. Given code, used by the actor program and actor_server's
 * in-server actors.
 *
 * One line belongs to one event loop's thread: delay_add(), fire() and
 * delay_line_drain() all run there. The timer is libevent's common
 * timeout, so that messages with the same wait leave in the order they
 * came, and adding one is O(1).
 */
#ifndef LAB_DELAY_H
#define LAB_DELAY_H

#include <stddef.h>

#include <event2/event.h>

#include "actor.h"

struct delayed;

struct delay_line {
	/* private to delay.c */
	struct event_base *base;
	const struct timeval *wait;     /* NULL: no wait */
	void (*fire)(struct actor_msg *msg, void *arg);
	void *arg;
	struct delayed *head;           /* waiting messages */
	size_t n;
};

/*
 * delay_line_init - a line on base whose messages wait ms milliseconds,
 * then go to fire(msg, arg), which owns them. Returns 0 or -ENOMEM.
 */
int delay_line_init(struct delay_line *d, struct event_base *base,
		    unsigned ms, void (*fire)(struct actor_msg *msg, void *arg),
		    void *arg);

/*
 * delay_add - let msg wait, then fire it (at once when the wait is 0).
 * Returns 0 (msg taken), or -ENOMEM (msg left to the caller).
 */
int delay_add(struct delay_line *d, struct actor_msg *msg);

/* delay_waiting - how many messages wait. */
size_t delay_waiting(const struct delay_line *d);

/*
 * delay_line_drain - end every wait now: each waiting message goes to
 * each(msg, arg), or is freed when each is NULL. The line stays usable.
 * Call it before the base is freed.
 */
void delay_line_drain(struct delay_line *d,
		      void (*each)(struct actor_msg *msg, void *arg),
		      void *arg);

#endif /* LAB_DELAY_H */
