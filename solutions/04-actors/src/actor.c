// SPDX-License-Identifier: MIT
/*
 * Lab 04, reference solution: the actor core. Mailboxes are liburcu's
 * wait-free concurrent queues; a flag per actor makes sure that only one
 * turn runs at a time; pool actors take their turns on the lab-01 pool,
 * loop actors on their program's event loop. actor.h gives the contract.
 */
#include "actor.h"

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "urcu_annotate.h"

struct actor {
	/* set by actor_spawn(), read-only afterwards */
	struct actor_system *sys;
	struct actor_spec spec;
	char *name;
	/* the mailbox: any thread appends; only the turn takes */
	struct __cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	/* true while a turn is scheduled or running: see actor_send() */
	atomic_bool scheduled;
	/* the system's list of actors, under sys->lock */
	struct actor *prev, *next;
};

struct actor_system {
	/* set by actor_system_create(), read-only afterwards */
	struct tpool *pool; /* NULL: loop actors only */
	unsigned batch;
	/* under lock */
	pthread_mutex_t lock;
	struct actor *actors;
};

/* ---- messages ------------------------------------------------------------ */

struct actor_msg *actor_msg_new(json_t *body, struct actor *reply_to)
{
	struct actor_msg *msg = calloc(1, sizeof(*msg));

	if (!msg) {
		json_decref(body);
		return NULL;
	}
	msg->body = body;
	msg->reply_to = reply_to;
	return msg;
}

void actor_msg_free(struct actor_msg *msg)
{
	if (!msg)
		return;
	json_decref(msg->body);
	free(msg);
}

/* ---- the mailbox ---------------------------------------------------------- */

static void mailbox_push(struct actor *a, struct actor_msg *msg)
{
	lab_wfcq_enqueue(&a->head, &a->tail, &msg->node);
}

/* Only the thread running a's turn may call this: the queue allows one
 * consumer at a time, and the scheduled flag is what makes it one. */
static struct actor_msg *mailbox_pop(struct actor *a)
{
	struct cds_wfcq_node *node = lab_wfcq_dequeue(&a->head, &a->tail);

	return node ? caa_container_of(node, struct actor_msg, node) : NULL;
}

/* ---- turns ----------------------------------------------------------------- */

static int run_turn(struct actor *a);

/* The pool's command: one turn of the actor in data. */
static int turn_command(void *data)
{
	run_turn(data);
	return 0;
}

/* tpool_exec() wants a callback when nobody keeps the task's handle. */
static void turn_done(struct tpool_task *task, int status, void *ctx)
{
	(void)task;
	(void)status;
	(void)ctx;
}

static const struct tpool_command actor_commands[] = {
	{"actor_turn", turn_command},
	{NULL, NULL},
};

/*
 * Arrange a turn for a, whose scheduled flag the caller has just set: a
 * task on the pool, or the loop actor's wake callback. Returns 0, or
 * tpool_exec()'s error (the flag then stays set: the system is stopping).
 */
static int schedule(struct actor *a)
{
	struct tpool_call call = {
		.command = "actor_turn",
		.data = a,
		.done = turn_done,
	};

	if (a->spec.wake) {
		a->spec.wake(a, a->spec.wake_arg);
		return 0;
	}
	return tpool_exec(a->sys->pool, &call, NULL);
}

int actor_send(struct actor *to, struct actor_msg *msg)
{
	if (!to || !msg)
		return -EINVAL;
	mailbox_push(to, msg);
	/*
	 * Only the sender that turns the flag from false to true schedules
	 * a turn. The push above is liburcu's xchg on the queue's tail, a
	 * full barrier, so it is ordered before this exchange: store
	 * buffering against go_idle(); see the diagram there. seq_cst also
	 * makes this an acquire of the flag's last clearing, so the new turn
	 * sees everything the previous turn did to the actor's state.
	 */
	if (atomic_exchange_explicit(&to->scheduled, true,
				     memory_order_seq_cst))
		return 0;
	LAB_HAPPENS_AFTER(&to->scheduled);
	return schedule(to);
}

/*
 * The turn found the mailbox empty: clear the flag, then look again.
 *
 *   actor_send                     go_idle
 *   [W] push (xchg on the tail)    [W] scheduled = false
 *   [R] xchg(scheduled, true)      [R] is the mailbox empty?
 *
 * Both sides are full barriers, so at least one side sees the other's
 * write: either the sender finds the flag false and schedules a new turn,
 * or this turn finds the message. If both happen, the exchange below
 * decides which of the two turns goes on. Returns true when the actor is
 * idle (or another turn owns it now), false when this turn must go on.
 */
static bool go_idle(struct actor *a)
{
	/* Release: the next turn, wherever it runs, sees this turn's
	 * writes to the actor's state. Pairs with the exchange in
	 * actor_send(). seq_cst: the store-buffering pattern above. */
	LAB_HAPPENS_BEFORE(&a->scheduled);
	atomic_store_explicit(&a->scheduled, false, memory_order_seq_cst);
	/* The emptiness test is liburcu's plain load of the tail, not a C11
	 * atomic, so order it after our store with liburcu's own full
	 * barrier. */
	cmm_smp_mb();
	if (lab_wfcq_empty(&a->head, &a->tail))
		return true;
	return atomic_exchange_explicit(&a->scheduled, true,
					memory_order_seq_cst);
}

/*
 * One turn: handle up to batch messages, oldest first. With more waiting,
 * give the worker to other actors: schedule the next turn, leaving the
 * flag set, since that turn is ours already. (If the pool refuses because
 * the system is stopping, the messages left are freed with the actor.)
 * Returns how many messages were handled.
 */
static int run_turn(struct actor *a)
{
	unsigned batch = a->sys->batch, n = 0;
	struct actor_msg *msg;

	for (;;) {
		while (n < batch && (msg = mailbox_pop(a)) != NULL) {
			a->spec.handle(a, msg);
			n++;
		}
		if (n == batch) {
			schedule(a);
			return (int)n;
		}
		if (go_idle(a))
			return (int)n;
	}
}

int actor_run(struct actor *self)
{
	if (!self || !self->spec.wake)
		return -EINVAL;
	/* Nothing scheduled: a spurious call. Taking the flag here would
	 * let two turns run if a sender schedules one meanwhile. Acquire:
	 * pairs with the exchange in actor_send() that set the flag before
	 * calling wake (the wake's own hand-off orders it too). */
	if (!atomic_load_explicit(&self->scheduled, memory_order_acquire))
		return 0;
	return run_turn(self);
}

/* ---- actors and the system --------------------------------------------------- */

int actor_spawn(struct actor_system *sys, const struct actor_spec *spec,
		struct actor **out)
{
	struct actor *a;

	if (!sys || !spec || !spec->handle || !out ||
	    (!spec->wake && !sys->pool))
		return -EINVAL;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->name = strdup(spec->name ? spec->name : "");
	if (!a->name) {
		free(a);
		return -ENOMEM;
	}
	a->sys = sys;
	a->spec = *spec;
	lab_wfcq_init(&a->head, &a->tail);
	atomic_init(&a->scheduled, false);
	/* Helgrind and DRD do not understand atomics: the flag is a
	 * synchronisation word, and its edges are the LAB_HAPPENS_* above. */
	LAB_VG_SYNC_WORD(&a->scheduled, sizeof(a->scheduled));
	pthread_mutex_lock(&sys->lock);
	a->next = sys->actors;
	if (a->next)
		a->next->prev = a;
	sys->actors = a;
	pthread_mutex_unlock(&sys->lock);
	*out = a;
	return 0;
}

void actor_destroy(struct actor *self,
		   void (*leftover)(struct actor_msg *msg, void *arg),
		   void *arg)
{
	struct actor_system *sys;
	struct actor_msg *msg;

	if (!self)
		return;
	sys = self->sys;
	pthread_mutex_lock(&sys->lock);
	if (self->prev)
		self->prev->next = self->next;
	else
		sys->actors = self->next;
	if (self->next)
		self->next->prev = self->prev;
	pthread_mutex_unlock(&sys->lock);
	while ((msg = mailbox_pop(self)) != NULL) {
		if (leftover)
			leftover(msg, arg);
		else
			actor_msg_free(msg);
	}
	free(self->name);
	free(self);
}

void *actor_state(const struct actor *self)
{
	return self->spec.state;
}

const char *actor_name(const struct actor *self)
{
	return self->name;
}

int actor_system_create(struct actor_system **out,
			const struct actor_system_config *cfg)
{
	struct tpool_config pc = {0};
	struct actor_system *sys;
	int rc;

	if (!out || !cfg || cfg->threads < 0)
		return -EINVAL;
	sys = calloc(1, sizeof(*sys));
	if (!sys)
		return -ENOMEM;
	sys->batch = cfg->batch ? cfg->batch : ACTOR_BATCH;
	rc = -pthread_mutex_init(&sys->lock, NULL);
	if (rc < 0)
		goto fail_lock;
	if (cfg->threads > 0) {
		pc.size = cfg->threads;
		pc.strategy = cfg->strategy;
		pc.commands = actor_commands;
		pc.seed = cfg->seed;
		rc = tpool_create(&sys->pool, &pc);
		if (rc < 0)
			goto fail_pool;
	}
	*out = sys;
	return 0;
fail_pool:
	pthread_mutex_destroy(&sys->lock);
fail_lock:
	free(sys);
	return rc;
}

void actor_system_destroy(struct actor_system *sys)
{
	if (!sys)
		return;
	/* Running turns finish their batch; queued ones are cancelled, and
	 * their actors keep the flag set, so nothing schedules them again. */
	if (sys->pool)
		tpool_shutdown(sys->pool, TPOOL_CANCEL);
	while (sys->actors)
		actor_destroy(sys->actors, NULL, NULL);
	tpool_destroy(sys->pool);
	pthread_mutex_destroy(&sys->lock);
	free(sys);
}
