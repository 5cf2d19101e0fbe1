// SPDX-License-Identifier: MIT
/*
 * Lab 03 under the explorer: producers push numbered messages through a
 * small ring and consumers take them out, in every schedule within the
 * bound. --queue 0 is the shared ring (the lab-02 mutex, two-byte messages
 * with ring_shared_try_write_all/try_read_all), 1 the SPSC queue, 2 the
 * MPMC queue, 3 the shared ring as a byte stream (one-byte messages with
 * ring_shared_write/read; with --plain 1 the ring's plain accesses are
 * scheduling points too, so a write outside the lock shows). Every message must arrive exactly once, unchanged, and each
 * producer's messages in the order it sent them; no thread may be left
 * blocked. --start puts the queues' positions just below UINT32_MAX, so
 * that they wrap within the first pushes; the capacity is small, so the
 * slots wrap too. A full or empty queue yields and tries again.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "explore.h"
#include "ring.h"

enum { MAX_THREADS = 4, MAX_MSGS = 8 };

static unsigned long queue, producers = 2, consumers = 1, msgs = 2,
		     capacity = 2, start = 0xfffffffeul;
static struct ring_shared shared;
static struct ring_spsc spsc;
static struct ring_mpmc mpmc;
static _Atomic int received;
static int seen[MAX_THREADS][MAX_MSGS]; /* producer, seq: times received */

static int lab_rc(const char *what, int rc)
{
	if (rc == -ENOSYS)
		explore_setup_error("%s returned -ENOSYS: labs/03-ring-buffer "
				    "is not written yet (TODO(lab03))",
				    what);
	if (rc < 0 && rc != -EAGAIN)
		explore_fail("%s returned %d (%s)", what, rc, strerror(-rc));
	return rc;
}

/* One-byte messages of the byte stream: producer, then sequence. */
static int stream_rc(const char *what, ssize_t n)
{
	return n == 0 ? -EAGAIN : lab_rc(what, n < 0 ? (int)n : 0);
}

static int push(const uint8_t msg[2])
{
	uint32_t v = (uint32_t)msg[0] << 8 | msg[1];
	uint8_t byte = (uint8_t)(msg[0] << 4 | msg[1]);

	switch (queue) {
	case 3:
		return stream_rc("ring_shared_write",
				 ring_shared_write(&shared, &byte, 1));
	case 0:
		return lab_rc("ring_shared_try_write_all",
			      ring_shared_try_write_all(&shared, msg, 2));
	case 1:
		return lab_rc("ring_push_spsc", ring_push_spsc(&spsc, &v));
	default:
		return lab_rc("ring_push_mpmc", ring_push_mpmc(&mpmc, &v));
	}
}

static int pop(uint8_t msg[2])
{
	uint32_t v = 0;
	uint8_t byte;
	int rc;

	switch (queue) {
	case 3:
		rc = stream_rc("ring_shared_read",
			       ring_shared_read(&shared, &byte, 1));
		msg[0] = byte >> 4, msg[1] = byte & 15;
		return rc;
	case 0:
		return lab_rc("ring_shared_try_read_all",
			      ring_shared_try_read_all(&shared, msg, 2));
	case 1:
		rc = lab_rc("ring_pop_spsc", ring_pop_spsc(&spsc, &v));
		break;
	default:
		rc = lab_rc("ring_pop_mpmc", ring_pop_mpmc(&mpmc, &v));
	}
	msg[0] = (uint8_t)(v >> 8), msg[1] = (uint8_t)v;
	if (rc == 0 && v >> 16)
		explore_fail("popped 0x%x, which nobody pushed", v);
	return rc;
}

static void *producer(void *arg)
{
	uint8_t p = (uint8_t)(uintptr_t)arg;

	for (uint8_t seq = 0; seq < msgs; seq++) {
		const uint8_t msg[2] = {p, seq};

		while (push(msg) == -EAGAIN)
			sched_yield();
		explore_say("pushed %u.%u", p, seq);
	}
	return NULL;
}

static void take(int last[MAX_THREADS], const uint8_t msg[2])
{
	unsigned p = msg[0], seq = msg[1];

	if (p >= producers || seq >= msgs)
		explore_fail("popped %u.%u, which nobody pushed (a lost or "
			     "torn message)",
			     p, seq);
	explore_say("popped %u.%u", p, seq);
	if (seen[p][seq]++)
		explore_fail("message %u.%u arrived twice", p, seq);
	if ((int)seq <= last[p])
		explore_fail("message %u.%u arrived after %u.%d: out of order",
			     p, seq, p, last[p]);
	last[p] = (int)seq;
	atomic_fetch_add(&received, 1);
}

static void *consumer(void *arg)
{
	int last[MAX_THREADS] = {-1, -1, -1, -1};
	int total = (int)(producers * msgs);

	(void)arg;
	while (atomic_load(&received) < total) {
		uint8_t msg[2];

		if (pop(msg) == -EAGAIN) {
			sched_yield();
			continue;
		}
		take(last, msg);
	}
	return NULL;
}

static void setup(void)
{
	static uint32_t region[(RING_SHARED_HEADER + 64) / 4];

	if (producers < 1 || consumers < 1 ||
	    producers + consumers > MAX_THREADS || msgs < 1 ||
	    msgs > MAX_MSGS || capacity < 1 || capacity > 32 || queue > 3)
		explore_setup_error("--producers + --consumers at most %d, "
				    "--msgs 1 to %d, --capacity 1 to 32, "
				    "--queue 0 to 3",
				    MAX_THREADS, MAX_MSGS);
	if (queue == 1 && (producers != 1 || consumers != 1))
		explore_setup_error("the SPSC queue takes one producer and "
				    "one consumer");
	switch (queue) {
	case 0:
	case 3:
		explore_name(region, "lock");
		lab_rc("ring_shared_init",
		       ring_shared_init(&shared, region,
					RING_SHARED_SIZE(2 * capacity)));
		break;
	case 1:
		explore_name(&spsc.prod_pos, "prod_pos");
		explore_name(&spsc.cons_pos, "cons_pos");
		lab_rc("ring_spsc_init_at",
		       ring_spsc_init_at(&spsc, (uint32_t)capacity, 4,
					 (uint32_t)start));
		break;
	default:
		explore_name(&mpmc.prod_pos, "prod_pos");
		explore_name(&mpmc.cons_pos, "cons_pos");
		lab_rc("ring_mpmc_init_at",
		       ring_mpmc_init_at(&mpmc, (uint32_t)capacity, 4,
					 (uint32_t)start));
	}
}

static void body(void)
{
	pthread_t tid[MAX_THREADS];
	unsigned long n = producers + consumers;

	setup();
	for (unsigned long k = 0; k < n; k++)
		pthread_create(&tid[k], NULL, k < producers ? producer : consumer,
			       (void *)(uintptr_t)k);
	for (unsigned long k = n; k-- > 0;)
		pthread_join(tid[k], NULL);
	for (unsigned p = 0; p < producers; p++)
		for (unsigned seq = 0; seq < msgs; seq++)
			if (seen[p][seq] != 1)
				explore_fail("message %u.%u arrived %d times",
					     p, seq, seen[p][seq]);
	if (queue == 1)
		ring_spsc_destroy(&spsc);
	else if (queue == 2)
		ring_mpmc_destroy(&mpmc);
	else
		ring_shared_destroy(&shared);
}

int main(int argc, char **argv)
{
	static const struct explore_test test = {
		"explore_ring",
		"Lab 03's queues: producers and consumers, every schedule "
		"within the bound.",
		body, "dfs", 2, false};
	const struct scenario_opt opts[] = {
		{"queue", &queue, "0 shared ring, 1 SPSC, 2 MPMC, 3 byte stream"},
		{"producers", &producers, "producer threads"},
		{"consumers", &consumers, "consumer threads"},
		{"msgs", &msgs, "messages per producer"},
		{"capacity", &capacity, "messages the queue holds"},
		{"start", &start, "first position (SPSC, MPMC)"},
		{NULL, NULL, NULL},
	};

	return explore_main(&test, opts, argc, argv);
}
