// SPDX-License-Identifier: MIT
/*
 * Lab 03, extension: several producers and consumers on the bounded MPMC
 * queue. Each producer pushes its own numbered 16-byte messages; every
 * message must arrive whole and exactly once, and each consumer must see
 * each producer's messages in the order they were pushed. The positions
 * start just below UINT32_MAX, so every run crosses the top of their type.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "preempt.h"
#include "ring.h"
#include "scenario.h"
#include "traffic.h"

static unsigned long n_producers = 2;
static unsigned long n_consumers = 2;
static unsigned long capacity = 16;
static unsigned long iters = 20000; /* per producer */
static unsigned long start_pos = 0xffffffffUL - 1000;
static unsigned long stall_s = 5;

enum { MAX_ROLES = 8 };

static struct ring_mpmc queue;
static pthread_barrier_t start;
static _Atomic int error;
static _Atomic int stalled;
static _Atomic unsigned long popped; /* by all consumers together */

/* Per consumer, written by that consumer only. */
static struct {
	unsigned long got[MAX_ROLES];
	uint64_t seqsum[MAX_ROLES];
	char why[200];
} seen[MAX_ROLES];

static bool should_stop(void)
{
	return atomic_load(&error) || atomic_load(&stalled);
}

struct role {
	unsigned index;
	uint64_t noise;
};

static void *producer(void *arg)
{
	struct role *r = arg;
	struct patience pat;

	lab_noise_thread(r->noise);
	patience_init(&pat, (double)stall_s);
	pthread_barrier_wait(&start);
	for (unsigned long seq = 0; seq < iters && !should_stop();) {
		struct msg m = msg_make(r->index, (uint32_t)seq);
		int rc = ring_push_mpmc(&queue, &m);

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

/* Check one popped message; returns false after complaining. */
static bool accept(unsigned c, const struct msg *m, uint64_t *next)
{
	char *why = seen[c].why;

	if (!msg_valid(m) || m->producer >= n_producers) {
		snprintf(why, sizeof(seen[c].why),
			 "popped a torn or stale element (producer %u, seq %u)",
			 m->producer, m->seq);
		return false;
	}
	if (m->seq < next[m->producer]) {
		snprintf(why, sizeof(seen[c].why),
			 "producer %u's message %u came after its message "
			 "%llu: duplicated or out of order",
			 m->producer, m->seq,
			 (unsigned long long)next[m->producer] - 1);
		return false;
	}
	next[m->producer] = (uint64_t)m->seq + 1;
	seen[c].got[m->producer]++;
	seen[c].seqsum[m->producer] += m->seq;
	return true;
}

static void *consumer(void *arg)
{
	struct role *r = arg;
	uint64_t next[MAX_ROLES] = {0};
	unsigned long total = n_producers * iters;
	struct patience pat;
	struct msg m;

	lab_noise_thread(r->noise);
	patience_init(&pat, (double)stall_s);
	pthread_barrier_wait(&start);
	while (atomic_load(&popped) < total && !should_stop()) {
		int rc = ring_pop_mpmc(&queue, &m);

		if (rc == -EAGAIN) {
			if (waiting_too_long(&pat))
				atomic_store(&stalled, 1);
			continue;
		}
		if (rc < 0) {
			atomic_store(&error, rc);
			break;
		}
		atomic_fetch_add(&popped, 1);
		if (!accept(r->index, &m, next)) {
			atomic_store(&stalled, 1); /* stop everybody */
			break;
		}
		progressed(&pat);
		maybe_preempt(64);
	}
	return NULL;
}

/* Every producer's messages arrived exactly once. */
static void check_totals(char *why, size_t cap)
{
	uint64_t want_sum = (uint64_t)iters * (iters - 1) / 2;
	struct msg m;
	int rc;

	for (unsigned p = 0; p < n_producers; p++) {
		unsigned long got = 0;
		uint64_t sum = 0;

		for (unsigned c = 0; c < n_consumers; c++) {
			got += seen[c].got[p];
			sum += seen[c].seqsum[p];
		}
		if (got != iters || sum != want_sum) {
			snprintf(why, cap,
				 "producer %u pushed %lu messages, "
				 "%lu arrived (seq sum %llu, want "
				 "%llu)",
				 p, iters, got, (unsigned long long)sum,
				 (unsigned long long)want_sum);
			return;
		}
	}
	rc = ring_pop_mpmc(&queue, &m);
	if (rc != -EAGAIN)
		snprintf(why, cap,
			 "after every message, pop returned %d, "
			 "want -EAGAIN (empty)",
			 rc);
}

static void start_threads(pthread_t *tid, struct role *roles, unsigned long run)
{
	unsigned long n = n_producers + n_consumers;

	for (unsigned long i = 0; i < n; i++) {
		bool prod = i < n_producers;

		roles[i].index = (unsigned)(prod ? i : i - n_producers);
		roles[i].noise = run * 64 + i;
		pthread_create(&tid[i], NULL, prod ? producer : consumer,
			       &roles[i]);
	}
}

static void one_run(struct scenario *sc, unsigned long run)
{
	unsigned long n = n_producers + n_consumers;
	pthread_t tid[2 * MAX_ROLES];
	struct role roles[2 * MAX_ROLES];
	char why[240] = "";
	int rc = ring_mpmc_init_at(&queue, (uint32_t)capacity,
				   sizeof(struct msg), (uint32_t)start_pos);

	if (rc < 0)
		scenario_die("mpmc_stress: ring_mpmc_init_at", rc);
	memset(seen, 0, sizeof(seen));
	atomic_store(&popped, 0);
	atomic_store(&stalled, 0);
	pthread_barrier_init(&start, NULL, (unsigned)n);
	start_threads(tid, roles, run);
	for (unsigned long i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	if (atomic_load(&error))
		scenario_die("mpmc_stress: ring_push_mpmc or ring_pop_mpmc",
			     atomic_load(&error));
	for (unsigned c = 0; c < n_consumers && !why[0]; c++)
		if (seen[c].why[0])
			snprintf(why, sizeof(why), "consumer %u %s", c,
				 seen[c].why);
	if (!why[0] && atomic_load(&stalled))
		snprintf(why, sizeof(why),
			 "no progress for %lu s after %lu "
			 "messages",
			 stall_s, atomic_load(&popped));
	if (!why[0])
		check_totals(why, sizeof(why));
	if (why[0])
		scenario_fail(sc, run, "%s", why);
	ring_mpmc_destroy(&queue);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
	    .name = "mpmc_stress",
	    .summary = "Producers and consumers on the bounded MPMC "
		       "queue: every message once, each producer's in "
		       "order.",
	};
	const struct scenario_opt opts[] = {
	    {"producers", &n_producers, "producer threads"},
	    {"consumers", &n_consumers, "consumer threads"},
	    {"capacity", &capacity, "slots (a power of two)"},
	    {"iters", &iters, "messages per producer per run"},
	    {"start", &start_pos, "where the positions start"},
	    {"stall", &stall_s,
	     "seconds without progress that count as "
	     "a hang"},
	    {NULL, NULL, NULL},
	};

	scenario_parse(&sc, opts, argc, argv);
	if (n_producers < 1 || n_producers > MAX_ROLES || n_consumers < 1 ||
	    n_consumers > MAX_ROLES || iters < 1 || start_pos > UINT32_MAX) {
		fprintf(stderr,
			"mpmc_stress: --producers and --consumers "
			"must be 1..%d, --iters at least 1, --start "
			"fit in 32 bits\n",
			MAX_ROLES);
		return 2;
	}
	for (unsigned long run = 0; run < sc.runs; run++)
		one_run(&sc, run);
	if (!sc.quiet)
		printf("%s: %lu messages in %lu runs\n", sc.name,
		       n_producers * iters * sc.runs, sc.runs);
	return scenario_finish(&sc);
}
