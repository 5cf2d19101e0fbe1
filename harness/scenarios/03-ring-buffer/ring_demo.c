// SPDX-License-Identifier: MIT
/*
 * Lab 03: the chapter's main program (ring-buffer.js, part 5), run by `make
 * run-lab 3`. Two producers write "Hello, World!\n" into a 100-byte shared
 * ring as fast as they can and two consumers read 20 bytes at a time and
 * log how many they got, for a while instead of for ever. Then the same
 * with all-or-nothing messages, which keep every message whole, and then
 * one producer and one consumer on the lock-free SPSC queue. Ends with a
 * RESULT line; exits 0 when every byte and message was accounted for.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ring.h"
#include "scenario.h"
#include "traffic.h"

static unsigned long run_ms = 300;
static unsigned long log_reads = 4; /* "Read N bytes" lines per consumer */

static const char hello[] = "Hello, World!\n";
#define HELLO_LEN (sizeof(hello) - 1)

enum { PRODUCERS = 2, CONSUMERS = 2 };

static _Alignas(4) uint8_t region[RING_SHARED_SIZE(100)];
static struct ring_shared ring;
static _Atomic int stop;
static _Atomic int error;

/* Per thread, written by that thread only; read by main after join. */
static struct {
	unsigned long calls, partial, messages, broken;
	unsigned long full, part, empty; /* reads of 20, 1..19, 0 bytes */
	struct tally tally;
} stats[PRODUCERS + CONSUMERS];

/*
 * A ring call failed (an unwritten TODO returns -ENOSYS). Say so on the
 * RESULT line, which the check that runs this program shows, and exit 1.
 */
static void demo_die(const char *what, int err)
{
	printf("\nRESULT: %s failed: %s%s\n", what, strerror(-err),
	       err == -ENOSYS ? " (still a TODO in the lab's source?)" : "");
	exit(1);
}

static bool running(void)
{
	return !atomic_load(&stop) && !atomic_load(&error);
}

static void failed(long rc)
{
	int none = 0;

	atomic_compare_exchange_strong(&error, &none, (int)rc);
}

/* The chapter's producer: write the message, whatever fits of it. */
static void *chapter_producer(void *arg)
{
	unsigned long i = (unsigned long)(uintptr_t)arg;

	while (running()) {
		ssize_t rc = ring_shared_write(&ring, hello, HELLO_LEN);

		if (rc < 0) {
			failed(rc);
			break;
		}
		stats[i].calls++;
		stats[i].partial += rc > 0 && (size_t)rc < HELLO_LEN;
		tally_add(&stats[i].tally, (const uint8_t *)hello, (size_t)rc);
		if (rc == 0)
			sched_yield();
	}
	return NULL;
}

/* The chapter's consumer: read 20 bytes, say how many came. */
static void *chapter_consumer(void *arg)
{
	unsigned long i = (unsigned long)(uintptr_t)arg;
	uint8_t buf[20];

	while (running()) {
		ssize_t rc = ring_shared_read(&ring, buf, sizeof(buf));

		if (rc < 0) {
			failed(rc);
			break;
		}
		if (stats[i].calls++ < log_reads)
			printf("consumer %lu: Read %zd bytes\n", i - PRODUCERS,
			       rc);
		tally_add(&stats[i].tally, buf, (size_t)rc);
		if (rc == (ssize_t)sizeof(buf))
			stats[i].full++;
		else if (rc > 0)
			stats[i].part++;
		else
			stats[i].empty++, sched_yield();
	}
	return NULL;
}

/* All or nothing: each call moves one whole message or nothing. */
static void *whole_producer(void *arg)
{
	unsigned long i = (unsigned long)(uintptr_t)arg;

	while (running()) {
		int rc = ring_shared_try_write_all(&ring, hello, HELLO_LEN);

		if (rc == -EAGAIN) {
			sched_yield();
			continue;
		}
		if (rc < 0) {
			failed(rc);
			break;
		}
		stats[i].messages++;
		tally_add(&stats[i].tally, (const uint8_t *)hello, HELLO_LEN);
	}
	return NULL;
}

static void *whole_consumer(void *arg)
{
	unsigned long i = (unsigned long)(uintptr_t)arg;
	uint8_t buf[HELLO_LEN];

	while (running()) {
		int rc = ring_shared_try_read_all(&ring, buf, HELLO_LEN);

		if (rc == -EAGAIN) {
			sched_yield();
			continue;
		}
		if (rc < 0) {
			failed(rc);
			break;
		}
		stats[i].messages++;
		stats[i].broken += memcmp(buf, hello, HELLO_LEN) != 0;
		tally_add(&stats[i].tally, buf, HELLO_LEN);
	}
	return NULL;
}

/* Run the threads for run_ms, then stop and join them. */
static void run_for(void *(*producer)(void *), void *(*consumer)(void *))
{
	struct timespec t = {(time_t)(run_ms / 1000),
			     (long)(run_ms % 1000) * 1000000L};
	pthread_t tid[PRODUCERS + CONSUMERS];
	int rc;

	memset(stats, 0, sizeof(stats));
	atomic_store(&stop, 0);
	rc = ring_shared_init(&ring, region, sizeof(region));
	if (rc < 0)
		demo_die("ring_shared_init", rc);
	for (uintptr_t i = 0; i < PRODUCERS + CONSUMERS; i++)
		pthread_create(&tid[i], NULL,
			       i < PRODUCERS ? producer : consumer, (void *)i);
	nanosleep(&t, NULL);
	atomic_store(&stop, 1);
	for (int i = 0; i < PRODUCERS + CONSUMERS; i++)
		pthread_join(tid[i], NULL);
	if (atomic_load(&error))
		demo_die("a shared ring call", atomic_load(&error));
}

/* written == read + left in the ring? Prints the balance; 0 if it holds. */
static int balance(const char *unit)
{
	struct tally in = {0}, out = {0}, left = {0};
	uint8_t buf[128];
	ssize_t n;

	for (int i = 0; i < PRODUCERS; i++)
		tally_merge(&in, &stats[i].tally);
	for (int i = PRODUCERS; i < PRODUCERS + CONSUMERS; i++)
		tally_merge(&out, &stats[i].tally);
	while ((n = ring_read(&ring.ring, buf, sizeof(buf))) > 0 &&
	       left.bytes <= ring.ring.size)
		tally_add(&left, buf, (size_t)n);
	printf("written %llu %s = read %llu + %llu left in the ring: %s\n",
	       (unsigned long long)in.bytes, unit,
	       (unsigned long long)out.bytes, (unsigned long long)left.bytes,
	       in.bytes == out.bytes + left.bytes &&
		       in.sum == out.sum + left.sum
		   ? "balanced"
		   : "DOES NOT BALANCE");
	tally_merge(&out, &left);
	ring_shared_destroy(&ring);
	return tally_equal(&in, &out) ? 0 : 1;
}

static int chapter_demo(unsigned long *partial)
{
	unsigned long calls = 0;

	printf("The chapter's demo: %d producers write \"Hello, World!\\n\" "
	       "as fast as they can,\n%d consumers read 20 bytes at a time, "
	       "for %lu ms, on a ring of 100 bytes.\n",
	       PRODUCERS, CONSUMERS, run_ms);
	run_for(chapter_producer, chapter_consumer);
	for (int i = PRODUCERS; i < PRODUCERS + CONSUMERS; i++)
		printf("consumer %d: %lu reads: %lu of 20 bytes, %lu of 1..19, "
		       "%lu of 0\n",
		       i - PRODUCERS, stats[i].calls, stats[i].full,
		       stats[i].part, stats[i].empty);
	*partial = 0;
	for (int i = 0; i < PRODUCERS; i++) {
		calls += stats[i].calls;
		*partial += stats[i].partial;
	}
	printf("partial writes: %lu of %lu; each left a broken message in "
	       "the stream\n",
	       *partial, calls);
	return balance("bytes");
}

static int whole_demo(unsigned long *messages)
{
	unsigned long broken = 0;

	printf("\nAll or nothing: ring_shared_try_write_all and "
	       "ring_shared_try_read_all, %zu bytes each.\n",
	       HELLO_LEN);
	run_for(whole_producer, whole_consumer);
	*messages = 0;
	for (int i = PRODUCERS; i < PRODUCERS + CONSUMERS; i++) {
		printf("consumer %d: %lu messages, %lu of them broken\n",
		       i - PRODUCERS, stats[i].messages, stats[i].broken);
		*messages += stats[i].messages;
		broken += stats[i].broken;
	}
	return balance("bytes") || broken;
}

static struct ring_spsc queue;

static void *spsc_producer(void *arg)
{
	unsigned long *sent = arg;
	struct patience pat;

	patience_init(&pat, 1e9); /* only its spin-then-yield */
	while (running()) {
		struct msg m = msg_make(0, (uint32_t)*sent);
		int rc = ring_push_spsc(&queue, &m);

		if (rc == 0)
			++*sent, progressed(&pat);
		else if (rc == -EAGAIN)
			waiting_too_long(&pat);
		else
			failed(rc);
	}
	return NULL;
}

static void *spsc_consumer(void *arg)
{
	unsigned long *got = arg;
	struct patience pat;
	struct msg m;

	patience_init(&pat, 1e9); /* only its spin-then-yield */
	while (running()) {
		int rc = ring_pop_spsc(&queue, &m);

		if (rc == 0 && (!msg_valid(&m) || m.seq != (uint32_t)*got))
			failed(-EIO);
		else if (rc == 0)
			++*got, progressed(&pat);
		else if (rc == -EAGAIN)
			waiting_too_long(&pat);
		else
			failed(rc);
	}
	return NULL;
}

/* One producer, one consumer, no lock: count what gets through. */
static int spsc_demo(unsigned long *got)
{
	struct timespec t = {(time_t)(run_ms / 1000),
			     (long)(run_ms % 1000) * 1000000L};
	unsigned long sent = 0, left = 0;
	pthread_t p, c;
	struct msg m;
	int rc = ring_spsc_init(&queue, 256, sizeof(struct msg));

	printf("\nLock-free SPSC: one producer, one consumer, 16-byte "
	       "messages, %lu ms.\n",
	       run_ms);
	if (rc < 0)
		demo_die("ring_spsc_init", rc);
	*got = 0;
	atomic_store(&stop, 0);
	pthread_create(&p, NULL, spsc_producer, &sent);
	pthread_create(&c, NULL, spsc_consumer, got);
	nanosleep(&t, NULL);
	atomic_store(&stop, 1);
	pthread_join(p, NULL);
	pthread_join(c, NULL);
	if (atomic_load(&error) == -EIO) {
		printf("a message arrived broken or out of order\n");
		return 1;
	}
	if (atomic_load(&error))
		demo_die("ring_push_spsc or ring_pop_spsc",
			 atomic_load(&error));
	while (ring_pop_spsc(&queue, &m) == 0)
		left++;
	ring_spsc_destroy(&queue);
	printf("pushed %lu = popped %lu + %lu left, every one whole and in "
	       "order (%.1f million a second)\n",
	       sent, *got, left, (double)*got / (double)run_ms / 1000.0);
	return sent == *got + left ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct scenario sc = {
	    .name = "ring_demo",
	    .summary = "The chapter's producers and consumers, then "
		       "all-or-nothing messages, then the SPSC queue.",
	};
	const struct scenario_opt opts[] = {
	    {"ms", &run_ms, "milliseconds each part runs"},
	    {"log", &log_reads, "\"Read N bytes\" lines per consumer"},
	    {NULL, NULL, NULL},
	};
	unsigned long partial, messages, spsc;
	int bad;

	scenario_parse(&sc, opts, argc, argv);
	setvbuf(stdout, NULL, _IOLBF, 0);
	bad = chapter_demo(&partial);
	bad |= whole_demo(&messages);
	bad |= spsc_demo(&spsc);
	printf("\nRESULT: %s: %lu partial writes in the chapter's demo; %lu "
	       "whole messages all or nothing; %lu through the SPSC queue\n",
	       bad ? "something was lost or broken"
		   : "every byte accounted for",
	       partial, messages, spsc);
	return bad ? 1 : 0;
}
