// SPDX-License-Identifier: MIT
/*
 * Lab 04: the actor core. Mailboxes are liburcu's wait-free concurrent
 * queues; a flag per actor makes sure that only one turn runs at a time;
 * pool actors take their turns on your lab-01 pool, loop actors on their
 * program's event loop. actor.h gives the contract; docs/labs/04-actors.md
 * walks through the steps.
 *
 * Every TODO(lab04) returns -ENOSYS until you write it, so the checks fail
 * with a message instead of hanging. The mailbox helpers are given: keep
 * using them, and keep the LAB_HAPPENS_* lines, which tell Helgrind and DRD
 * about the edges that liburcu and the flag make (sanitizers/urcu_annotate.h
 * says why).
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

/*
 * TODO(lab04) step 3: send. Put msg in the mailbox with mailbox_push(), then
 * schedule a turn with schedule(), but only if you are the sender that
 * turns to->scheduled from false to true (one atomic exchange: a sender
 * that finds it true already has nothing more to do, since a turn is
 * scheduled or running and will find the message). Choose the memory order
 * and write next to it what it pairs with in go_idle(). Right after an
 * exchange that found false, keep LAB_HAPPENS_AFTER(&to->scheduled).
 * Returns 0, -EINVAL for a NULL argument, or what schedule() returned.
 */
int actor_send(struct actor *to, struct actor_msg *msg)
{
	if (!to || !msg)
		return -EINVAL;
	(void)mailbox_push;
	(void)schedule;
	return -ENOSYS;
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
	/* TODO(lab04) step 4: LAB_HAPPENS_BEFORE(&a->scheduled), then clear
	 * the flag (which memory order?), then cmm_smp_mb() (liburcu's full
	 * barrier: its emptiness test is not a C11 atomic), then look at the
	 * mailbox with lab_wfcq_empty(). Empty: idle. Not empty: try to take
	 * the flag back with an exchange; return true if another turn has it
	 * already, false if this turn must go on. */
	(void)a;
	return true;
}

/*
 * One turn: handle up to batch messages, oldest first. With more waiting,
 * give the worker to other actors: schedule the next turn, leaving the
 * flag set, since that turn is ours already. (If the pool refuses because
 * the system is stopping, the messages left are freed with the actor.)
 * Returns how many messages were handled, or -ENOSYS while a TODO.
 */
static int run_turn(struct actor *a)
{
	/* TODO(lab04) step 4: take messages with mailbox_pop() and give each
	 * to a->spec.handle(a, msg), at most a->sys->batch of them. Batch
	 * used up: schedule() the next turn and return (the flag stays set:
	 * that turn is ours already). Mailbox empty: go_idle(), and go on if
	 * it says so. */
	(void)a;
	(void)mailbox_pop;
	(void)go_idle;
	return -ENOSYS;
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
