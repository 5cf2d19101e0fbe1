/* SPDX-License-Identifier: MIT */
/*
 * actor.h - actors with mailboxes, whose turns run on a lab-01 thread pool
 * or on a program's own event loop.
 *
 * The chapter's "Pattern nuances" in C: an actor owns private state and a
 * mailbox; it handles one message at a time; it talks to others only by
 * sending messages; different actors run in parallel. A message is a JSON
 * document (a jansson json_t), the same whether it travels to an actor in
 * this process or, framed by wire.h, to one in another process.
 *
 * How it works. A mailbox is liburcu's wait-free concurrent queue
 * (urcu/wfcqueue.h): any number of threads append without a lock, and one
 * consumer at a time takes from the front. Each actor also has a flag,
 * scheduled, which is true from the moment a sender arranges a turn for
 * the actor until that turn finds the mailbox empty. actor_send() appends
 * the message and, only if it is the one that turns the flag from false to
 * true, schedules a turn:
 *
 *   - a pool actor (spec.wake == NULL) gets a task "actor_turn" on the
 *     system's lab-01 pool;
 *   - a loop actor (spec.wake set) has its wake callback called, which must
 *     make the actor's own thread (an event loop) call actor_run() soon.
 *
 * A turn handles up to `batch` messages, oldest first, then either gives
 * the worker back (scheduling itself again) or clears the flag. Because
 * only the thread that set the flag runs the turn, one actor's handle()
 * never runs on two threads at once, and the mailbox has one consumer.
 * Why the queue's own "was empty" answer cannot replace the flag: the turn
 * empties the queue before it handles the last message, so a sender could
 * see an empty queue and start a second turn beside the running one.
 *
 * Guarantees: messages from one sender to one actor are handled in the
 * order sent; everything a sender did before actor_send() happens before
 * the handle() of that message; and each handle() of an actor happens
 * before its next one, even on another worker, so an actor's state needs
 * no lock. Messages from different senders interleave in no promised order
 * (the chapter: "shouldn't expect that messages are guaranteed to be
 * ordered on a FIFO basis").
 *
 * Which calls may overlap:
 *
 *   call                  may run at the same time as
 *   actor_send            anything but actor_destroy of the same actor
 *                         and actor_system_destroy
 *   actor_run             everything but itself on the same actor and
 *                         actor_destroy of that actor (one loop thread)
 *   actor_spawn           anything but actor_system_destroy
 *   actor_destroy         nothing on that actor
 *   actor_system_destroy  nothing on the system
 *
 * Functions that can fail return 0 or a negative errno, and never print.
 */
#ifndef LAB_ACTOR_H
#define LAB_ACTOR_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <urcu/wfcqueue.h>

#include "tpool.h"

/* Messages one turn handles before it gives its worker to other actors. */
#define ACTOR_BATCH 16

struct actor_system;
struct actor;

/*
 * One message. Make it with actor_msg_new(); actor_send() hands it to the
 * receiver, whose handle() then owns it: it forwards it with actor_send()
 * or frees it with actor_msg_free().
 */
struct actor_msg {
	/* set by the sender, read by the receiver */
	json_t *body;            /* the message; owned by it; may be NULL */
	struct actor *reply_to;  /* where an answer goes, or NULL */
	uint64_t tag;            /* the application's own: the tests put the
				    sender and a sequence number here */
	/* the mailbox's own: touched only inside actor.c */
	struct cds_wfcq_node node;
};

/*
 * What an actor is. handle() runs on a pool worker (or, for a loop actor,
 * inside actor_run()), never on two threads at once for one actor, with no
 * lock held; it owns msg. It may call actor_send() to any actor, itself
 * included, but must not block for long: other actors wait for its worker.
 */
struct actor_spec {
	const char *name;        /* for logs; copied */
	void (*handle)(struct actor *self, struct actor_msg *msg);
	void *state;             /* private: handle() gets it from actor_state() */
	/*
	 * wake - NULL for a pool actor. For a loop actor: called, on the
	 * sender's thread, when a message arrives for an idle actor; it must
	 * not block or fail, and must make the actor's own thread call
	 * actor_run() (libevent: event_active()).
	 */
	void (*wake)(struct actor *self, void *arg);
	void *wake_arg;
};

/* How to make an actor system. Zero-initialise it and set what you need. */
struct actor_system_config {
	int threads;                   /* pool workers; 0: no pool (only
					  loop actors) */
	enum tpool_strategy strategy;  /* the chapter uses TPOOL_LEASTBUSY */
	unsigned batch;                /* 0: ACTOR_BATCH */
	uint64_t seed;                 /* for the pool's random choices */
};

/*
 * actor_system_create - make a system and, if cfg->threads > 0, its
 * lab-01 pool (tpool_create() with one command, "actor_turn").
 *
 * Undo with actor_system_destroy(). Returns 0 and sets *out, or -EINVAL
 * (NULL argument, threads < 0), -ENOMEM, or tpool_create()'s error (-ENOSYS
 * while lab 01 is still a TODO); *out is then left alone.
 */
int actor_system_create(struct actor_system **out,
			const struct actor_system_config *cfg);

/*
 * actor_system_destroy - stop the pool, then destroy every actor still
 * alive. A turn that is running finishes its batch; turns not started yet
 * are cancelled; messages not handled by then are freed with their actors,
 * unhandled. Loop actors' threads must have stopped calling actor_run().
 * Made by actor_system_create(). NULL is ignored. Cannot fail.
 */
void actor_system_destroy(struct actor_system *sys);

/*
 * actor_spawn - make an actor with an empty mailbox.
 *
 * Concurrency: any thread. Returns 0 and sets *out, or -EINVAL (NULL
 * argument, no handle, a pool actor in a system without a pool) or -ENOMEM.
 */
int actor_spawn(struct actor_system *sys, const struct actor_spec *spec,
		struct actor **out);

/*
 * actor_send - put msg in to's mailbox, and schedule a turn if to is idle.
 *
 * Concurrency: any thread, any number at once; never blocks.
 * Ordering: what the caller did before happens before to's handle(msg);
 * two messages from one thread are handled in the order sent.
 * Takes msg in every case but -EINVAL. Returns 0, -EINVAL (NULL argument),
 * or the error of tpool_exec() when the pool refused the turn: -ESHUTDOWN
 * once the system is stopping, or -ENOMEM (msg then stays queued and is
 * freed, unhandled, with to).
 */
int actor_send(struct actor *to, struct actor_msg *msg);

/*
 * actor_run - a loop actor's turn, on the calling thread: handle up to
 * batch messages, then call wake again if more are waiting, or go idle.
 * Call it when wake asked for it; a call with nothing to do is harmless.
 *
 * Returns the number of messages handled (>= 0), or -EINVAL for a pool
 * actor.
 */
int actor_run(struct actor *self);

/*
 * actor_destroy - take a loop actor (or any actor of a system whose pool
 * has stopped) out of its system and free it. Each message left in its
 * mailbox goes to leftover(msg, arg), which owns it, or is freed when
 * leftover is NULL.
 *
 * Concurrency: nobody may send to it any more (see router_remove()), and
 * its actor_run() must not be running. Cannot fail; NULL is ignored.
 */
void actor_destroy(struct actor *self,
		   void (*leftover)(struct actor_msg *msg, void *arg),
		   void *arg);

/* actor_state - the spec's state pointer. Cannot fail. */
void *actor_state(const struct actor *self);

/* actor_name - the spec's name ("" if it had none). Cannot fail. */
const char *actor_name(const struct actor *self);

/*
 * actor_msg_new - a message carrying body (which it takes over, even on
 * failure) for reply_to. Returns the message, or NULL when out of memory.
 */
struct actor_msg *actor_msg_new(json_t *body, struct actor *reply_to);

/* actor_msg_free - free msg and its body. NULL is ignored. */
void actor_msg_free(struct actor_msg *msg);

#endif /* LAB_ACTOR_H */
