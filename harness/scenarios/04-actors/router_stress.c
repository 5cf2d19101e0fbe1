// SPDX-License-Identifier: MIT
/*
 * Lab 04: router_stress - readers route messages while an updater keeps
 * removing actors, freeing them and adding new ones: the server's join and
 * leave, at full speed. Each run starts --readers threads that call
 * router_send() in a loop, while the main thread does --cycles rounds of
 * router_remove(), actor_destroy() (which collects what is left in the
 * mailbox) and router_add() of a fresh actor, with schedule noise.
 *
 * The invariant: every message a reader sent is found in exactly one
 * mailbox. A router that frees an actor, or the old array, before the
 * grace period ends breaks it now and then (a message lands in freed
 * memory); under TSan it is reported on the first run, since the reader's
 * accesses and the free are then unordered. Prints STAT (scenario.h).
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "actor.h"
#include "lab_annotate.h"
#include "preempt.h"
#include "router.h"
#include "scenario.h"

enum { MAX_READERS = 8, MAX_ACTORS = 16 };

static unsigned long n_readers = 2, n_cycles = 300, n_actors = 3,
		     max_sends = 0, max_backlog = 256;

struct run {
	struct router *router;
	struct actor_system *sys;
	struct actor *actor[MAX_ACTORS];
	pthread_barrier_t start;
	atomic_bool stop;
	/* messages sitting in mailboxes: readers wait while it is high, so
	 * that they cannot outrun the updater (under TSan they would fill
	 * memory faster than it drains) */
	atomic_long backlog;
	unsigned long run;
	/* the updater's: what it found in the mailboxes it destroyed */
	unsigned long received;
};

struct reader {
	struct run *r;
	unsigned long no;
	unsigned long sent, empty;
	int error;
	pthread_t thread;
};

/* The actors are loop actors that nobody runs: messages stay in their
 * mailboxes until the updater destroys them. */
static void never_handle(struct actor *self, struct actor_msg *msg)
{
	(void)self;
	actor_msg_free(msg);
}

static void no_wake(struct actor *self, void *arg)
{
	(void)self;
	(void)arg;
}

static void count_leftover(struct actor_msg *msg, void *arg)
{
	struct run *r = arg;

	r->received++;
	/* Relaxed: a throttle; it must order nothing, or TSan would take
	 * its edge for the grace period that a broken router left out. */
	atomic_fetch_sub_explicit(&r->backlog, 1, memory_order_relaxed);
	actor_msg_free(msg);
}

static struct actor *spawn(struct run *r)
{
	struct actor_spec spec = {.name = "mailbox",
				  .handle = never_handle, .wake = no_wake};
	struct actor *a;
	int rc = actor_spawn(r->sys, &spec, &a);

	if (rc < 0)
		scenario_die("actor_spawn", rc);
	return a;
}

static void *reader_main(void *arg)
{
	struct reader *rd = arg;
	struct run *r = rd->r;
	uint64_t rnd = rd->no * 7919 + r->run;

	router_register_thread();
	lab_noise_thread(rd->no + 1 + r->run * 64);
	pthread_barrier_wait(&r->start);
	/* Acquire: pairs with the release store in stop_readers(); nothing
	 * rides on it but the loop's end. */
	while (!atomic_load_explicit(&r->stop, memory_order_acquire)) {
		struct actor_msg *m;
		int rc;

		/* Relaxed: see count_leftover(). */
		if ((max_sends && rd->sent + rd->empty >= max_sends) ||
		    atomic_load_explicit(&r->backlog, memory_order_relaxed) >
			    (long)max_backlog) {
			/* Enough for now: let the updater catch up. */
			sched_yield();
			continue;
		}
		m = actor_msg_new(NULL, NULL);
		if (!m)
			continue;
		rc = router_send(r->router, m, rnd++);
		if (rc == 0) {
			rd->sent++;
			atomic_fetch_add_explicit(&r->backlog, 1,
						  memory_order_relaxed);
		} else {
			actor_msg_free(m);
			if (rc == -ENOENT)
				rd->empty++;
			else if (!rd->error)
				rd->error = rc;
		}
		lab_preempt();
	}
	router_unregister_thread();
	return NULL;
}

/* One round of leave and join: take actor i out, destroy it (counting
 * what it held) and put a fresh one in. Every fourth round empties the
 * whole set first, so readers also meet an empty router. */
static void cycle(struct run *r, unsigned long c)
{
	unsigned long i = c % n_actors;
	int rc;

	if (c % 4 == 3) {
		for (unsigned long k = 0; k < n_actors; k++)
			if ((rc = router_remove(r->router, r->actor[k])) < 0)
				scenario_die("router_remove", rc);
		for (unsigned long k = 0; k < n_actors; k++)
			if ((rc = router_add(r->router, r->actor[k])) < 0)
				scenario_die("router_add", rc);
	}
	rc = router_remove(r->router, r->actor[i]);
	if (rc < 0)
		scenario_die("router_remove", rc);
	lab_preempt();
	actor_destroy(r->actor[i], count_leftover, r);
	r->actor[i] = spawn(r);
	rc = router_add(r->router, r->actor[i]);
	if (rc < 0)
		scenario_die("router_add", rc);
	lab_preempt();
}

static void one_run(struct scenario *sc, unsigned long run)
{
	struct actor_system_config cfg = {.threads = 0};
	struct reader rd[MAX_READERS];
	unsigned long sent = 0;
	struct run r = {.run = run};
	int rc;

	if ((rc = router_create(&r.router)) < 0)
		scenario_die("router_create", rc);
	if ((rc = actor_system_create(&r.sys, &cfg)) < 0)
		scenario_die("actor_system_create", rc);
	for (unsigned long k = 0; k < n_actors; k++) {
		r.actor[k] = spawn(&r);
		if ((rc = router_add(r.router, r.actor[k])) < 0)
			scenario_die("router_add", rc);
	}
	/* Helgrind and DRD do not understand atomics: the flag carries no
	 * data, so it is only a synchronisation word to them. */
	LAB_VG_SYNC_WORD(&r.stop, sizeof(r.stop));
	pthread_barrier_init(&r.start, NULL, (unsigned)n_readers + 1);
	for (unsigned long i = 0; i < n_readers; i++) {
		rd[i] = (struct reader){.r = &r, .no = i};
		pthread_create(&rd[i].thread, NULL, reader_main, &rd[i]);
	}
	pthread_barrier_wait(&r.start);
	for (unsigned long c = 0; c < n_cycles; c++)
		cycle(&r, c);
	/* Release: see reader_main(). */
	atomic_store_explicit(&r.stop, true, memory_order_release);
	for (unsigned long i = 0; i < n_readers; i++) {
		pthread_join(rd[i].thread, NULL);
		sent += rd[i].sent;
		if (rd[i].error)
			scenario_die("router_send", rd[i].error);
	}
	for (unsigned long k = 0; k < n_actors; k++) {
		router_remove(r.router, r.actor[k]);
		actor_destroy(r.actor[k], count_leftover, &r);
	}
	if (r.received != sent)
		scenario_fail(sc, run, "readers sent %lu messages, the mailboxes "
			      "held %lu: an actor was freed while a reader was "
			      "still sending to it (no grace period?)",
			      sent, r.received);
	pthread_barrier_destroy(&r.start);
	actor_system_destroy(r.sys);
	router_destroy(r.router);
}

int main(int argc, char **argv)
{
	static const struct scenario_opt opts[] = {
		{"readers", &n_readers, "threads calling router_send()"},
		{"cycles", &n_cycles, "leave-and-join rounds per run"},
		{"actors", &n_actors, "actors in the set"},
		{"sends", &max_sends, "messages per reader at most (0: no "
				      "limit)"},
		{"backlog", &max_backlog, "messages in mailboxes at most"},
		{NULL, NULL, NULL},
	};
	struct scenario sc = {
		.name = "router_stress",
		.summary = "actors leave and join while readers route to them",
		.runs = 10,
	};

	scenario_parse(&sc, opts, argc, argv);
	if (!n_readers || n_readers > MAX_READERS || !n_actors ||
	    n_actors > MAX_ACTORS) {
		fprintf(stderr, "router_stress: --readers 1..%d, --actors "
			"1..%d\n", MAX_READERS, MAX_ACTORS);
		return 2;
	}
	json_object_seed(0);
	router_register_thread();
	for (unsigned long run = 0; run < sc.runs; run++)
		one_run(&sc, run);
	router_unregister_thread();
	return scenario_finish(&sc);
}
