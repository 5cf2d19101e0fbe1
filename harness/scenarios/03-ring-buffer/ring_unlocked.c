// SPDX-License-Identifier: MIT
/*
 * Lab 03: why the chapter wraps its ring in a lock. A producer and a
 * consumer thread use one plain struct ring with nothing ordering their
 * calls: they take turns through a relaxed atomic flag, so they never
 * overlap in time and every byte arrives, yet nothing makes the producer's
 * stores happen before the consumer's loads. That is a data race (and
 * undefined behaviour in C11) however lucky the timing; ThreadSanitizer
 * reports it on the first run, because it reasons about ordering, not
 * about timing. The check that runs this expects the report.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>

#include "ring.h"
#include "scenario.h"
#include "traffic.h"

static unsigned long rounds = 100;

static struct ring_meta meta;
static uint8_t buffer[100];
static struct ring ring;
static _Atomic int turn; /* 0: the producer's, 1: the consumer's */
static _Atomic int error;
static uint64_t mismatches; /* written by the consumer only */

/* Relaxed: the point of the program is that this flag orders nothing. */
static bool wait_turn(int mine)
{
	while (atomic_load_explicit(&turn, memory_order_relaxed) != mine) {
		if (atomic_load_explicit(&error, memory_order_relaxed))
			return false;
		sched_yield();
	}
	return true;
}

static void pass_turn(int to)
{
	atomic_store_explicit(&turn, to, memory_order_relaxed);
}

static void *producer(void *unused)
{
	uint8_t chunk[14];

	(void)unused;
	for (unsigned long i = 0; i < rounds && wait_turn(0); i++) {
		ssize_t rc;

		stream_fill(chunk, sizeof(chunk), 0, i * sizeof(chunk));
		rc = ring_write(&ring, chunk, sizeof(chunk));
		if (rc != (ssize_t)sizeof(chunk))
			atomic_store(&error, rc < 0 ? (int)rc : -EIO);
		pass_turn(1);
	}
	return NULL;
}

static void *consumer(void *unused)
{
	uint8_t chunk[14];

	(void)unused;
	for (unsigned long i = 0; i < rounds && wait_turn(1); i++) {
		ssize_t rc = ring_read(&ring, chunk, sizeof(chunk));

		if (rc != (ssize_t)sizeof(chunk))
			atomic_store(&error, rc < 0 ? (int)rc : -EIO);
		for (size_t k = 0; rc > 0 && k < sizeof(chunk); k++)
			mismatches +=
			    chunk[k] != stream_byte(0, i * sizeof(chunk) + k);
		pass_turn(0);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct scenario sc = {
	    .name = "ring_unlocked",
	    .summary = "Two threads share a plain ring with nothing "
		       "ordering them: a data race, even when it works.",
	};
	const struct scenario_opt opts[] = {
	    {"rounds", &rounds, "14-byte writes, each read back"},
	    {NULL, NULL, NULL},
	};
	pthread_t p, c;

	scenario_parse(&sc, opts, argc, argv);
	for (unsigned long run = 0; run < sc.runs; run++) {
		ring_init(&ring, &meta, buffer, sizeof(buffer));
		atomic_store(&turn, 0);
		mismatches = 0;
		pthread_create(&p, NULL, producer, NULL);
		pthread_create(&c, NULL, consumer, NULL);
		pthread_join(p, NULL);
		pthread_join(c, NULL);
		if (atomic_load(&error))
			scenario_die("ring_unlocked: ring_write or ring_read",
				     atomic_load(&error));
		if (mismatches)
			scenario_fail(&sc, run, "%llu bytes read back wrong",
				      (unsigned long long)mismatches);
	}
	return scenario_finish(&sc);
}
