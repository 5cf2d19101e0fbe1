// SPDX-License-Identifier: MIT
/*
 * Lab 03: one producer and one consumer thread on the lock-free SPSC queue.
 * The producer pushes numbered 16-byte messages as fast as it can; the
 * consumer must pop every one of them, whole, exactly once and in order,
 * and the queue must then be empty with both positions at start + iters.
 * The positions start just below UINT32_MAX by default, so every run
 * crosses the top of the counters' type.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "preempt.h"
#include "ring.h"
#include "scenario.h"
#include "traffic.h"

static unsigned long capacity = 64;
static unsigned long iters = 50000;
static unsigned long start_pos = 0xffffffffUL - 1000;
static unsigned long stall_s = 5;

static struct ring_spsc queue;
static pthread_barrier_t start;
static _Atomic int error;
static _Atomic int stalled;
static char why[200];	  /* written by the consumer only */
static unsigned long got; /* written by the consumer only */

static bool should_stop(void)
{
	return atomic_load(&error) || atomic_load(&stalled);
}

static void *producer(void *arg)
{
	struct patience pat;

	lab_noise_thread((uint64_t)(uintptr_t)arg);
	patience_init(&pat, (double)stall_s);
	pthread_barrier_wait(&start);
	for (unsigned long seq = 0; seq < iters && !should_stop();) {
		struct msg m = msg_make(0, (uint32_t)seq);
		int rc = ring_push_spsc(&queue, &m);

		if (rc == -EAGAIN) {
			if (waiting_too_long(&pat))
				atomic_store(&stalled, 1);
			continue;
		}
		if (rc < 0) {
			atomic_store(&error, rc);
			break;
		}
		seq++;
		progressed(&pat);
		maybe_preempt(64);
	}
	return NULL;
}

static void *consumer(void *arg)
{
	struct patience pat;
	struct msg m;

	lab_noise_thread((uint64_t)(uintptr_t)arg);
	patience_init(&pat, (double)stall_s);
	pthread_barrier_wait(&start);
	while (got < iters && !should_stop()) {
		int rc = ring_pop_spsc(&queue, &m);

		if (rc == -EAGAIN) {
			if (waiting_too_long(&pat))
				atomic_store(&stalled, 1);
			continue;
		}
		if (rc < 0) {
			atomic_store(&error, rc);
			break;
		}
		if (!msg_valid(&m) || m.producer != 0) {
			snprintf(why, sizeof(why),
				 "pop %lu returned a torn or stale element "
				 "(seq %u)",
				 got, m.seq);
			break;
		}
		if (m.seq != got) {
			snprintf(why, sizeof(why),
				 "pop %lu returned message %u: lost, "
				 "duplicated or out of order",
				 got, m.seq);
			break;
		}
		got++;
		progressed(&pat);
		maybe_preempt(64);
	}
	if (why[0])
		atomic_store(&stalled, 1); /* stop the producer too */
	return NULL;
}

/* After both threads: nothing extra, and positions where they must be. */
static void check_end(char *out, size_t cap)
{
	uint32_t end = (uint32_t)(start_pos + iters);
	uint32_t prod = atomic_load(&queue.prod_pos);
	uint32_t cons = atomic_load(&queue.cons_pos);
	struct msg m;
	int rc = ring_pop_spsc(&queue, &m);

	if (rc != -EAGAIN)
		snprintf(out, cap,
			 "after all %lu messages, pop returned %d, "
			 "want -EAGAIN (empty)",
			 iters, rc);
	else if (prod != end || cons != end)
		snprintf(out, cap,
			 "prod_pos %u, cons_pos %u, want both %u "
			 "(start %lu + %lu pushes)",
			 prod, cons, end, start_pos, iters);
}

static void one_run(struct scenario *sc, unsigned long run)
{
	pthread_t p, c;
	int rc = ring_spsc_init_at(&queue, (uint32_t)capacity,
				   sizeof(struct msg), (uint32_t)start_pos);

	if (rc < 0)
		scenario_die("spsc_stress: ring_spsc_init_at", rc);
	why[0] = '\0';
	got = 0;
	atomic_store(&stalled, 0);
	pthread_barrier_init(&start, NULL, 2);
	pthread_create(&p, NULL, producer, (void *)(uintptr_t)(run * 64));
	pthread_create(&c, NULL, consumer, (void *)(uintptr_t)(run * 64 + 1));
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	pthread_barrier_destroy(&start);
	if (atomic_load(&error))
		scenario_die("spsc_stress: ring_push_spsc or ring_pop_spsc",
			     atomic_load(&error));
	if (!why[0] && atomic_load(&stalled))
		snprintf(why, sizeof(why),
			 "no progress for %lu s after %lu "
			 "messages",
			 stall_s, got);
	if (!why[0])
		check_end(why, sizeof(why));
	if (why[0])
		scenario_fail(sc, run, "%s", why);
	ring_spsc_destroy(&queue);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
	    .name = "spsc_stress",
	    .summary = "One producer, one consumer on the lock-free SPSC "
		       "queue: every message, whole, in order.",
	};
	const struct scenario_opt opts[] = {
	    {"capacity", &capacity, "slots (a power of two)"},
	    {"iters", &iters, "messages per run"},
	    {"start", &start_pos, "where both positions start"},
	    {"stall", &stall_s,
	     "seconds without progress that count as "
	     "a hang"},
	    {NULL, NULL, NULL},
	};

	scenario_parse(&sc, opts, argc, argv);
	if (start_pos > UINT32_MAX || iters < 1) {
		fprintf(stderr, "spsc_stress: --start must fit in 32 bits, "
				"--iters be at least 1\n");
		return 2;
	}
	for (unsigned long run = 0; run < sc.runs; run++)
		one_run(&sc, run);
	if (!sc.quiet)
		printf("%s: %lu messages in %lu runs, positions from %lu\n",
		       sc.name, iters * sc.runs, sc.runs, start_pos);
	return scenario_finish(&sc);
}
