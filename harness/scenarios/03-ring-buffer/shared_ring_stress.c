// SPDX-License-Identifier: MIT
/*
 * Lab 03: the chapter's producers and consumers (part 5) on the shared ring,
 * made to prove that nothing is lost. Producers write chunks of a stream
 * whose every byte can be recomputed; consumers read 20 bytes at a time.
 * When the producers are done, each consumer reads once more and stops, so
 * some bytes may stay behind; the program drains them and checks that
 * written = read + left in the ring, by count, sum and sum of squares. With
 * one producer and one consumer it also checks every byte's place.
 *
 * --messages 1 sends 16-byte messages with the all-or-nothing calls and
 * checks each one and the order of each producer's messages; --partial 1
 * sends them with the chapter's plain write, which can break them (the
 * check that expects that calls it a race). --processes 1 runs every role
 * in its own process on MAP_SHARED memory, as workers share a
 * SharedArrayBuffer.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "preempt.h"
#include "ring.h"
#include "scenario.h"
#include "traffic.h"

static unsigned long n_producers = 2;
static unsigned long n_consumers = 2;
static unsigned long capacity = 100; /* the chapter's SharedArrayBuffer(116) */
static unsigned long writes = 64;    /* non-empty writes per producer */
static unsigned long chunk = 32;     /* largest write, in bytes */
static unsigned long read_size = 20; /* the chapter's read(20) */
static unsigned long messages;
static unsigned long partial;
static unsigned long processes;
static unsigned long stall_s = 5;

enum { MAX_ROLES = 8, WHY = 200 };

/*
 * What the roles share besides the ring: plain memory for threads,
 * MAP_SHARED memory for processes. Each per-role field has one writer and
 * is read by main only after that writer was joined or reaped.
 */
struct board {
	_Atomic int go; /* processes start when it turns 1 */
	_Atomic int producers_left;
	_Atomic int error; /* first negative errno from a ring call */
	_Atomic int stalled;
	struct tally produced[MAX_ROLES];
	struct tally consumed[MAX_ROLES];
	unsigned long ops[2 * MAX_ROLES];   /* calls */
	unsigned long moved[2 * MAX_ROLES]; /* calls that moved bytes */
	/* messages: per consumer, per producer */
	uint64_t got[MAX_ROLES][MAX_ROLES];
	uint64_t seqsum[MAX_ROLES][MAX_ROLES];
	char why[MAX_ROLES][WHY]; /* a consumer's first complaint */
};

static struct board *board;
static void *region;
static pthread_barrier_t start;

static bool should_stop(void)
{
	return atomic_load(&board->error) || atomic_load(&board->stalled);
}

static void call_failed(long rc)
{
	int none = 0;

	atomic_compare_exchange_strong(&board->error, &none, (int)rc);
}

static void stall(void)
{
	atomic_store(&board->stalled, 1);
}

/* A producer of stream bytes, as the chapter's writes "as fast as they
 * can"; zero-byte writes (ring full) do not count towards writes. */
static void produce_bytes(struct ring_shared *sr, unsigned p)
{
	uint8_t buf[256];
	uint64_t k = 0;
	unsigned long done = 0;
	struct patience pat;

	patience_init(&pat, (double)stall_s);
	while (done < writes && !should_stop()) {
		size_t len = 1 + lab_noise_rand() % chunk;
		ssize_t rc;

		stream_fill(buf, len, p, k);
		rc = ring_shared_write(sr, buf, len);
		if (rc < 0 || (size_t)rc > len) {
			call_failed(rc < 0 ? rc : -EIO);
			break;
		}
		board->ops[p]++;
		tally_add(&board->produced[p], buf, (size_t)rc);
		k += (uint64_t)rc;
		if (rc > 0) {
			board->moved[p]++;
			done++;
			progressed(&pat);
		} else if (waiting_too_long(&pat)) {
			stall();
		}
		maybe_preempt(32);
	}
}

static void produce_messages(struct ring_shared *sr, unsigned p)
{
	unsigned long seq = 0;
	struct patience pat;

	patience_init(&pat, (double)stall_s);
	while (seq < writes && !should_stop()) {
		struct msg m = msg_make(p, (uint32_t)seq);
		ssize_t rc;

		if (partial) /* the chapter's write: maybe only a part */
			rc = ring_shared_write(sr, &m, sizeof(m));
		else
			rc = ring_shared_try_write_all(sr, &m, sizeof(m));
		if (rc == -EAGAIN || (partial && rc == 0)) {
			if (waiting_too_long(&pat))
				stall();
			continue;
		}
		if (rc < 0) {
			call_failed(rc);
			break;
		}
		board->ops[p]++;
		board->moved[p]++;
		tally_add(&board->produced[p], (uint8_t *)&m,
			  partial ? (size_t)rc : sizeof(m));
		seq++;
		progressed(&pat);
		maybe_preempt(32);
	}
}

static void complain(unsigned c, const char *what, unsigned long k, unsigned a,
		     unsigned b)
{
	if (!board->why[c][0])
		snprintf(board->why[c], WHY, what, k, a, b);
}

/* Read 20 bytes at a time; once the producers are done, read once more
 * and stop, leaving whatever is still there. */
static void consume_bytes(struct ring_shared *sr, unsigned c)
{
	uint8_t buf[256];
	uint64_t k = 0; /* stream offset, when there is one stream */
	bool one_stream = n_producers == 1 && n_consumers == 1;
	struct patience pat;

	patience_init(&pat, (double)stall_s);
	while (!should_stop()) {
		bool last = atomic_load(&board->producers_left) == 0;
		ssize_t rc = ring_shared_read(sr, buf, read_size);

		if (rc < 0 || (size_t)rc > read_size) {
			call_failed(rc < 0 ? rc : -EIO);
			break;
		}
		board->ops[MAX_ROLES + c]++;
		board->moved[MAX_ROLES + c] += rc > 0;
		tally_add(&board->consumed[c], buf, (size_t)rc);
		for (ssize_t i = 0; one_stream && i < rc; i++, k++)
			if (buf[i] != stream_byte(0, k))
				complain(c,
					 "byte %lu of the stream is %u, "
					 "want %u",
					 (unsigned long)k, buf[i],
					 stream_byte(0, k));
		if (last)
			break;
		if (rc > 0)
			progressed(&pat);
		else if (waiting_too_long(&pat))
			stall();
		maybe_preempt(32);
	}
}

static void consume_messages(struct ring_shared *sr, unsigned c)
{
	uint64_t next[MAX_ROLES] = {0}; /* lowest seq still allowed */
	struct patience pat;
	struct msg m;

	patience_init(&pat, (double)stall_s);
	while (!should_stop()) {
		bool last = atomic_load(&board->producers_left) == 0;
		int rc = ring_shared_try_read_all(sr, &m, sizeof(m));

		if (rc == -EAGAIN) {
			if (last)
				break;
			if (waiting_too_long(&pat))
				stall();
			continue;
		}
		if (rc < 0) {
			call_failed(rc);
			break;
		}
		progressed(&pat);
		board->ops[MAX_ROLES + c]++;
		board->moved[MAX_ROLES + c]++;
		tally_add(&board->consumed[c], (uint8_t *)&m, sizeof(m));
		if (!msg_valid(&m) || m.producer >= n_producers) {
			complain(c,
				 "message %lu read is not a message "
				 "(producer %u, seq %u): torn or overwritten",
				 (unsigned long)board->ops[MAX_ROLES + c],
				 m.producer, m.seq);
			continue;
		}
		if (m.seq < next[m.producer])
			complain(c,
				 "out of order: after message %lu of "
				 "producer %u came %u",
				 (unsigned long)next[m.producer] - 1,
				 m.producer, m.seq);
		next[m.producer] = (uint64_t)m.seq + 1;
		board->got[c][m.producer]++;
		board->seqsum[c][m.producer] += m.seq;
		maybe_preempt(32);
	}
}

static void run_role(struct ring_shared *sr, unsigned long index)
{
	bool producer = index < n_producers;
	unsigned i = (unsigned)(producer ? index : index - n_producers);

	if (producer) {
		if (messages)
			produce_messages(sr, i);
		else
			produce_bytes(sr, i);
		atomic_fetch_sub(&board->producers_left, 1);
	} else if (messages) {
		consume_messages(sr, i);
	} else {
		consume_bytes(sr, i);
	}
}

struct thread_arg {
	struct ring_shared *sr;
	unsigned long index;
	unsigned long noise;
};

static void *thread_main(void *p)
{
	struct thread_arg *a = p;

	lab_noise_thread(a->noise);
	pthread_barrier_wait(&start);
	run_role(a->sr, a->index);
	return NULL;
}

/* Threads share the caller's handle, as the chapter's workers could. */
static void run_threads(struct ring_shared *sr, unsigned long run)
{
	unsigned long n = n_producers + n_consumers;
	struct thread_arg args[2 * MAX_ROLES];
	pthread_t tid[2 * MAX_ROLES];

	pthread_barrier_init(&start, NULL, (unsigned)n);
	for (unsigned long i = 0; i < n; i++) {
		args[i] = (struct thread_arg){sr, i, run * 64 + i};
		pthread_create(&tid[i], NULL, thread_main, &args[i]);
	}
	for (unsigned long i = 0; i < n; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
}

/* Each process makes its own handle on the region, as each of the
 * chapter's workers calls new SharedRingBuffer(shared). Returns 0, or 1
 * after saying in why which process died and how. */
static int run_processes(unsigned long run, char *why, size_t cap)
{
	unsigned long n = n_producers + n_consumers;
	pid_t pid[2 * MAX_ROLES];
	int status, bad = 0;

	atomic_store(&board->go, 0);
	for (unsigned long i = 0; i < n; i++) {
		pid[i] = fork();
		if (pid[i] < 0)
			scenario_die("shared_ring_stress: fork", -errno);
		if (pid[i] == 0) {
			struct ring_shared mine;
			int rc = ring_shared_attach(&mine, region,
						    RING_SHARED_SIZE(capacity));

			lab_noise_thread(run * 64 + i);
			while (!atomic_load(&board->go))
				sched_yield();
			if (rc < 0)
				call_failed(rc);
			else
				run_role(&mine, i);
			_exit(0);
		}
	}
	atomic_store(&board->go, 1);
	for (unsigned long i = 0; i < n; i++) {
		waitpid(pid[i], &status, 0);
		if (!bad && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			snprintf(why, cap, "process %lu %s %d", i,
				 WIFEXITED(status) ? "exited with status"
						   : "was killed by signal",
				 WIFEXITED(status) ? WEXITSTATUS(status)
						   : WTERMSIG(status));
			bad = 1;
		}
	}
	return bad;
}

/* Say why a run failed into why; returns 1, for "return failed(...)". */
static int failed(char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int failed(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
	return 1;
}

/* head, tail and length must agree: tail + length == head (mod size). */
static int check_meta(const struct ring *r, char *why, size_t cap)
{
	const struct ring_meta *m = r->meta;

	if (m->length > r->size || m->head >= r->size || m->tail >= r->size ||
	    ((uint64_t)m->tail + m->length) % r->size != m->head)
		return failed(why, cap,
			      "meta is inconsistent: head %u, tail %u, length "
			      "%u, size %u (want tail + length == head, mod "
			      "size)",
			      m->head, m->tail, m->length, r->size);
	return 0;
}

/* Read what the consumers left (single-threaded now) into left. */
static int drain(struct ring *r, struct tally *left, char *why, size_t cap)
{
	uint8_t buf[256];
	ssize_t n;

	while ((n = ring_read(r, buf, sizeof(buf))) > 0) {
		tally_add(left, buf, (size_t)n);
		if (left->bytes > r->size)
			return failed(why, cap,
				      "drained more than the "
				      "capacity from the ring");
	}
	if (n < 0)
		scenario_die("shared_ring_stress: ring_read", (int)n);
	return 0;
}

/* The accounting of one run; returns 0 when it balances. */
static int balance(struct ring_shared *sr, char *why, size_t cap)
{
	struct tally in = {0}, out = {0}, left = {0};

	for (unsigned c = 0; c < n_consumers; c++)
		if (board->why[c][0])
			return failed(why, cap, "consumer %u: %s", c,
				      board->why[c]);
	if (check_meta(&sr->ring, why, cap) ||
	    drain(&sr->ring, &left, why, cap))
		return 1;
	for (unsigned p = 0; p < n_producers; p++)
		tally_merge(&in, &board->produced[p]);
	for (unsigned c = 0; c < n_consumers; c++)
		tally_merge(&out, &board->consumed[c]);
	tally_merge(&out, &left);
	if (!tally_equal(&in, &out))
		return failed(why, cap,
			      "written %llu bytes (sum %llu), but read %llu + "
			      "%llu left in the ring (sum %llu)",
			      (unsigned long long)in.bytes,
			      (unsigned long long)in.sum,
			      (unsigned long long)(out.bytes - left.bytes),
			      (unsigned long long)left.bytes,
			      (unsigned long long)out.sum);
	return 0;
}

/* Messages: every producer's messages arrived exactly once. */
static int all_delivered(char *why, size_t cap)
{
	uint64_t want_sum = (uint64_t)writes * (writes - 1) / 2;

	for (unsigned p = 0; p < n_producers; p++) {
		uint64_t got = 0, sum = 0;

		for (unsigned c = 0; c < n_consumers; c++) {
			got += board->got[c][p];
			sum += board->seqsum[c][p];
		}
		if (got != writes || sum != want_sum)
			return failed(why, cap,
				      "producer %u sent %lu messages, %llu "
				      "arrived (seq sum %llu, want %llu)",
				      p, writes, (unsigned long long)got,
				      (unsigned long long)sum,
				      (unsigned long long)want_sum);
	}
	return 0;
}

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       processes ? MAP_SHARED | MAP_ANONYMOUS
				 : MAP_PRIVATE | MAP_ANONYMOUS,
		       -1, 0);

	if (p == MAP_FAILED)
		scenario_die("shared_ring_stress: mmap", -errno);
	return p;
}

static void check_options(void)
{
	if (n_producers < 1 || n_producers > MAX_ROLES || n_consumers < 1 ||
	    n_consumers > MAX_ROLES || capacity < 1 || capacity > UINT32_MAX ||
	    chunk < 1 || chunk > 256 || read_size < 1 || read_size > 256 ||
	    writes < 1) {
		fprintf(stderr,
			"shared_ring_stress: --producers and "
			"--consumers must be 1..%d, --chunk and --read "
			"1..256, --capacity and --writes at least 1\n",
			MAX_ROLES);
		exit(2);
	}
	if (partial)
		messages = 1;
}

static void one_run(struct scenario *sc, struct ring_shared *sr,
		    unsigned long run, unsigned long *ops, unsigned long *moved)
{
	char why[2 * WHY] = "";
	int rc;

	memset(board, 0, sizeof(*board));
	atomic_store(&board->producers_left, (int)n_producers);
	rc = ring_shared_init(sr, region, RING_SHARED_SIZE(capacity));
	if (rc < 0)
		scenario_die("shared_ring_stress: ring_shared_init", rc);
	if (processes ? run_processes(run, why, sizeof(why))
		      : (run_threads(sr, run), 0))
		scenario_fail(sc, run, "%s", why);
	else if (atomic_load(&board->error))
		scenario_die("shared_ring_stress: a ring call",
			     atomic_load(&board->error));
	else if (atomic_load(&board->stalled))
		scenario_fail(sc, run,
			      "no progress for %lu s: is a lock left "
			      "held, or a count wrong?",
			      stall_s);
	else if (balance(sr, why, sizeof(why)) ||
		 (messages && !partial && all_delivered(why, sizeof(why))))
		scenario_fail(sc, run, "%s", why);
	ring_shared_destroy(sr);
	for (unsigned long i = 0; i < 2 * MAX_ROLES; i++) {
		*ops += board->ops[i];
		*moved += board->moved[i];
	}
}

int main(int argc, char **argv)
{
	struct scenario sc = {
	    .name = "shared_ring_stress",
	    .summary = "The chapter's producers and consumers on the "
		       "shared ring; every byte is accounted for.",
	};
	const struct scenario_opt opts[] = {
	    {"producers", &n_producers, "producer threads or processes"},
	    {"consumers", &n_consumers, "consumer threads or processes"},
	    {"capacity", &capacity, "bytes of data in the region"},
	    {"writes", &writes,
	     "non-empty writes (or messages) per "
	     "producer per run"},
	    {"chunk", &chunk, "largest write, bytes"},
	    {"read", &read_size, "bytes asked for by each read"},
	    {"messages", &messages, "1: 16-byte messages, all or nothing"},
	    {"partial", &partial,
	     "1: messages with the chapter's partial "
	     "writes (breaks them)"},
	    {"processes", &processes, "1: fork, MAP_SHARED region"},
	    {"stall", &stall_s,
	     "seconds without progress that count as "
	     "a hang"},
	    {NULL, NULL, NULL},
	};
	struct ring_shared sr;
	unsigned long ops = 0, moved = 0;

	scenario_parse(&sc, opts, argc, argv);
	check_options();
	board = map_shared(sizeof(*board));
	region = map_shared(RING_SHARED_SIZE(capacity));
	for (unsigned long run = 0; run < sc.runs; run++)
		one_run(&sc, &sr, run, &ops, &moved);
	if (!sc.quiet)
		printf("%s: %lu operations (reads and writes) in %lu runs, "
		       "%lu of them moved data\n",
		       sc.name, ops, sc.runs, moved);
	munmap(region, RING_SHARED_SIZE(capacity));
	munmap(board, sizeof(*board));
	return scenario_finish(&sc);
}
