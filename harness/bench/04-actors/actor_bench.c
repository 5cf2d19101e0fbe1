// SPDX-License-Identifier: MIT
/*
 * Lab 04 benchmarks: messages through one actor's mailbox, and the round
 * trip of a message to an actor and back.
 *
 *   mailbox/...     N sender threads (the benchmark's threads, 1 and 2)
 *                   send messages to one actor that counts them and frees
 *                   them: the lab's pool actor (its turns on a one-worker
 *                   lab-01 pool, mailbox on liburcu's wfcqueue), against a
 *                   thread that owns a pthread_mutex_t + pthread_cond_t
 *                   queue (the textbook "thread per actor" mailbox), and,
 *                   for information, liburcu's wfcqueue used directly by a
 *                   consumer thread that polls it (no turns, no pool: the
 *                   bare queue the lab's mailbox is made of).
 *   round_trip/...  the benchmark thread sends one message to an echo actor
 *                   and waits for the reply, one round trip per iteration:
 *                   the lab's pool actor replying to a loop actor of the
 *                   benchmark thread, against an echo thread with a
 *                   mutex + condvar queue replying into a second one.
 *
 * Every candidate moves the same struct actor_msg, made by actor_msg_new()
 * and freed by actor_msg_free() (the baselines link it through its own
 * node), so that all pay the same allocation. Senders keep at most WINDOW
 * messages in flight (an unbounded mailbox would otherwise only measure
 * how fast senders allocate); a sender that is ahead waits with
 * bench_backoff(), as the benchmark thread waits for a reply: the same
 * wait for every candidate. The consumer checks that each sender's
 * messages arrive in the order sent, and thread 0 that every message
 * arrived, so a broken mailbox shows as an error instead of a figure.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/wfcqueue.h>

#include "actor.h"
#include "bench.h"
#include "bench_util.h"

#define WINDOW 1024u	 /* messages in flight, all senders together */
#define MAX_SENDERS 8	 /* threads of a mailbox case */
#define SEQ_BITS 40	 /* tag = sender << SEQ_BITS | sequence number */

/* ---- what every mailbox consumer does with a message -------------------- */

static struct {
	alignas(64) _Atomic uint64_t handled; /* written by the consumer */
	alignas(64) uint64_t next_seq[MAX_SENDERS];
	atomic_bool bad_order;
	atomic_bool failed; /* a sender's call failed: stop waiting */
} mb;

static void mb_reset(void)
{
	atomic_store_explicit(&mb.handled, 0, memory_order_relaxed);
	memset(mb.next_seq, 0, sizeof(mb.next_seq));
	atomic_store_explicit(&mb.bad_order, false, memory_order_relaxed);
	atomic_store_explicit(&mb.failed, false, memory_order_relaxed);
}

/* The consumer's work: check the order, free, count. One consumer at a
 * time (the actor's turns follow one another). */
static void mb_consume(struct actor_msg *msg)
{
	uint64_t sender = msg->tag >> SEQ_BITS;
	uint64_t seq = msg->tag & ((UINT64_C(1) << SEQ_BITS) - 1);

	if (sender >= MAX_SENDERS || seq != mb.next_seq[sender]++)
		atomic_store_explicit(&mb.bad_order, true,
				      memory_order_relaxed);
	actor_msg_free(msg);
	/* Release: a sender that sees the count may reuse its window. */
	atomic_store_explicit(&mb.handled,
			      atomic_load_explicit(&mb.handled,
						   memory_order_relaxed) + 1,
			      memory_order_release);
}

/*
 * Before sending message number `sent` (0-based) of this sender: wait
 * while the senders together would have more than WINDOW messages in
 * flight, counting every sender as far as this one. Returns false when
 * another thread failed.
 */
static bool mb_window(uint64_t sent, int senders)
{
	unsigned spins = 0;

	while (sent * (uint64_t)senders >=
	       atomic_load_explicit(&mb.handled, memory_order_acquire) +
		       WINDOW) {
		if (atomic_load_explicit(&mb.failed, memory_order_relaxed))
			return false;
		bench_backoff(&spins);
	}
	return true;
}

/* Thread 0, after the stop barrier: wait until all `total` arrived. */
static void mb_drain(uint64_t total)
{
	unsigned spins = 0;

	while (atomic_load_explicit(&mb.handled, memory_order_acquire) <
		       total &&
	       !atomic_load_explicit(&mb.failed, memory_order_relaxed))
		bench_backoff(&spins);
}

static void fail(struct bench_state *s, const char *what, int rc)
{
	atomic_store_explicit(&mb.failed, true, memory_order_relaxed);
	bench_fail_errno(s, what, rc);
}

/* Thread 0 after the drain: report a lost or reordered message. */
static void mb_check(struct bench_state *s, uint64_t total)
{
	if (atomic_load_explicit(&mb.failed, memory_order_relaxed))
		return;
	if (atomic_load_explicit(&mb.handled, memory_order_acquire) != total)
		bench_skip_with_error(s, "messages lost");
	else if (atomic_load_explicit(&mb.bad_order, memory_order_relaxed))
		bench_skip_with_error(s, "one sender's messages arrived out "
					 "of order");
}

/*
 * The sender's loop, the same for every candidate: send(msg) returns 0 or
 * a negative errno and takes msg.
 */
#define SENDER_LOOP(s, send)                                                   \
	do {                                                                   \
		int senders_ = bench_thread_count(s);                          \
		uint64_t me_ = (uint64_t)bench_thread_index(s), sent_ = 0;     \
		while (bench_keep_running(s)) {                                \
			struct actor_msg *msg_;                                \
			int rc_;                                               \
			if (!mb_window(sent_, senders_)) {                     \
				bench_skip_with_error(s, "another thread "     \
							 "failed");            \
				break;                                         \
			}                                                      \
			msg_ = actor_msg_new(NULL, NULL);                      \
			if (!msg_) {                                           \
				fail(s, "actor_msg_new", -ENOMEM);             \
				break;                                         \
			}                                                      \
			msg_->tag = me_ << SEQ_BITS | sent_++;                 \
			rc_ = send(msg_);                                      \
			if (rc_ != 0) {                                        \
				fail(s, #send, rc_);                           \
				break;                                         \
			}                                                      \
		}                                                              \
		bench_items_processed(s, (int64_t)sent_);                      \
	} while (0)

/* ---- the lab: one pool actor on a one-worker lab-01 pool ---------------- */

static struct actor_system *lab_sys;
static struct actor *lab_counter;

static void counter_handle(struct actor *self, struct actor_msg *msg)
{
	(void)self;
	mb_consume(msg);
}

static int lab_start_system(int threads, struct bench_state *s)
{
	struct actor_system_config cfg = {
		.threads = threads,
		.strategy = TPOOL_LEASTBUSY,
		.seed = 1,
	};
	int rc = actor_system_create(&lab_sys, &cfg);

	if (rc != 0)
		fail(s, "actor_system_create", rc);
	return rc;
}

static int lab_send(struct actor_msg *msg)
{
	return actor_send(lab_counter, msg);
}

static void bm_mailbox_lab(struct bench_state *s)
{
	if (bench_thread_index(s) == 0) {
		struct actor_spec spec = {.name = "counter",
					  .handle = counter_handle};
		int rc;

		mb_reset();
		lab_sys = NULL;
		lab_counter = NULL;
		if (lab_start_system(1, s) == 0) {
			rc = actor_spawn(lab_sys, &spec, &lab_counter);
			if (rc != 0)
				fail(s, "actor_spawn", rc);
		}
	}
	SENDER_LOOP(s, lab_send);
	if (bench_thread_index(s) == 0) {
		uint64_t total = (uint64_t)bench_iterations(s) *
				 (uint64_t)bench_thread_count(s);
		mb_drain(total);
		mb_check(s, total);
		actor_system_destroy(lab_sys);
	}
}

/* ---- baseline: a thread with a pthread_mutex_t + pthread_cond_t queue --- */

/* A FIFO of messages linked through their node; the consumer sleeps on
 * the condition variable while it is empty. */
struct mcq {
	pthread_mutex_t lock;
	pthread_cond_t nonempty;
	struct cds_wfcq_node *head, **tail;
	int sleepers;
	bool stop;
};

static void mcq_init(struct mcq *q)
{
	pthread_mutex_init(&q->lock, NULL);
	pthread_cond_init(&q->nonempty, NULL);
	q->head = NULL;
	q->tail = &q->head;
	q->sleepers = 0;
	q->stop = false;
}

static void mcq_destroy(struct mcq *q)
{
	pthread_cond_destroy(&q->nonempty);
	pthread_mutex_destroy(&q->lock);
}

static void mcq_push(struct mcq *q, struct actor_msg *msg)
{
	msg->node.next = NULL;
	pthread_mutex_lock(&q->lock);
	*q->tail = &msg->node;
	q->tail = &msg->node.next;
	if (q->sleepers)
		pthread_cond_signal(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

static struct actor_msg *mcq_take_locked(struct mcq *q)
{
	struct cds_wfcq_node *n = q->head;

	if (!n)
		return NULL;
	q->head = n->next;
	if (!q->head)
		q->tail = &q->head;
	return caa_container_of(n, struct actor_msg, node);
}

/* Sleep until a message arrives; NULL once stopped and empty. */
static struct actor_msg *mcq_pop_wait(struct mcq *q)
{
	struct actor_msg *msg;

	pthread_mutex_lock(&q->lock);
	while (!(msg = mcq_take_locked(q)) && !q->stop) {
		q->sleepers++;
		pthread_cond_wait(&q->nonempty, &q->lock);
		q->sleepers--;
	}
	pthread_mutex_unlock(&q->lock);
	return msg;
}

/* Take a message if there is one, without waiting. */
static struct actor_msg *mcq_trypop(struct mcq *q)
{
	struct actor_msg *msg;

	pthread_mutex_lock(&q->lock);
	msg = mcq_take_locked(q);
	pthread_mutex_unlock(&q->lock);
	return msg;
}

static void mcq_stop(struct mcq *q)
{
	pthread_mutex_lock(&q->lock);
	q->stop = true;
	pthread_cond_broadcast(&q->nonempty);
	pthread_mutex_unlock(&q->lock);
}

static struct mcq mc_box;
static pthread_t mc_thread;

static void *mc_consumer(void *arg)
{
	struct actor_msg *msg;

	(void)arg;
	while ((msg = mcq_pop_wait(&mc_box)) != NULL)
		mb_consume(msg);
	return NULL;
}

static int mc_send(struct actor_msg *msg)
{
	mcq_push(&mc_box, msg);
	return 0;
}

static void bm_mailbox_mutex_condvar(struct bench_state *s)
{
	bool started = false;

	if (bench_thread_index(s) == 0) {
		int rc;

		mb_reset();
		mcq_init(&mc_box);
		rc = -pthread_create(&mc_thread, NULL, mc_consumer, NULL);
		if (rc != 0)
			fail(s, "pthread_create", rc);
		started = rc == 0;
	}
	SENDER_LOOP(s, mc_send);
	if (bench_thread_index(s) == 0) {
		uint64_t total = (uint64_t)bench_iterations(s) *
				 (uint64_t)bench_thread_count(s);
		if (started) {
			mb_drain(total);
			mcq_stop(&mc_box);
			pthread_join(mc_thread, NULL);
		}
		mb_check(s, total);
		mcq_destroy(&mc_box);
	}
}

/* ---- for information: liburcu's wfcqueue, polled by one thread ---------- */

static struct {
	struct __cds_wfcq_head head;
	struct cds_wfcq_tail tail;
	atomic_bool stop;
} wq;
static pthread_t wq_thread;

static void *wq_consumer(void *arg)
{
	unsigned spins = 0;

	(void)arg;
	for (;;) {
		/* One consumer: the lock-free dequeue, as the lab's turn. */
		struct cds_wfcq_node *n =
			__cds_wfcq_dequeue_blocking(&wq.head, &wq.tail);

		if (n) {
			spins = 0;
			mb_consume(caa_container_of(n, struct actor_msg, node));
		} else if (atomic_load_explicit(&wq.stop,
						memory_order_acquire)) {
			if (cds_wfcq_empty(&wq.head, &wq.tail))
				return NULL;
		} else {
			bench_backoff(&spins);
		}
	}
}

static int wq_send(struct actor_msg *msg)
{
	cds_wfcq_node_init(&msg->node);
	cds_wfcq_enqueue(&wq.head, &wq.tail, &msg->node);
	return 0;
}

static void bm_mailbox_wfcqueue(struct bench_state *s)
{
	bool started = false;

	if (bench_thread_index(s) == 0) {
		int rc;

		mb_reset();
		__cds_wfcq_init(&wq.head, &wq.tail);
		atomic_store_explicit(&wq.stop, false, memory_order_relaxed);
		rc = -pthread_create(&wq_thread, NULL, wq_consumer, NULL);
		if (rc != 0)
			fail(s, "pthread_create", rc);
		started = rc == 0;
	}
	SENDER_LOOP(s, wq_send);
	if (bench_thread_index(s) == 0) {
		uint64_t total = (uint64_t)bench_iterations(s) *
				 (uint64_t)bench_thread_count(s);
		if (started) {
			mb_drain(total);
			atomic_store_explicit(&wq.stop, true,
					      memory_order_release);
			pthread_join(wq_thread, NULL);
		}
		mb_check(s, total);
	}
}

/* ---- round trip: the lab -------------------------------------------------- */

/*
 * The echo actor (a pool actor) sends each message back to its reply_to,
 * the benchmark thread's loop actor. That one's wake, called on the echo
 * actor's worker, raises rt_wake; the benchmark thread waits for it with
 * bench_backoff(), then runs the loop actor's turn, whose handle() hands
 * the message back in rt_reply. The message is reused: no allocation per
 * round trip.
 */
static struct actor *rt_echo, *rt_home;
static atomic_bool rt_wake;
static struct actor_msg *rt_reply; /* the benchmark thread's own */

static void echo_handle(struct actor *self, struct actor_msg *msg)
{
	struct actor *to = msg->reply_to;

	msg->reply_to = self;
	msg->tag++;
	if (actor_send(to, msg) != 0)
		actor_msg_free(msg);
}

static void home_wake(struct actor *self, void *arg)
{
	(void)self;
	(void)arg;
	atomic_store_explicit(&rt_wake, true, memory_order_release);
}

static void home_handle(struct actor *self, struct actor_msg *msg)
{
	(void)self;
	rt_reply = msg;
}

static void bm_round_trip_lab(struct bench_state *s)
{
	struct actor_spec echo = {.name = "echo", .handle = echo_handle};
	struct actor_spec home = {
		.name = "home", .handle = home_handle, .wake = home_wake};
	struct actor_msg *msg = NULL;
	uint64_t trips = 0;
	int rc;

	lab_sys = NULL;
	rt_reply = NULL;
	atomic_store_explicit(&rt_wake, false, memory_order_relaxed);
	if (lab_start_system(1, s) != 0)
		return;
	if ((rc = actor_spawn(lab_sys, &echo, &rt_echo)) != 0 ||
	    (rc = actor_spawn(lab_sys, &home, &rt_home)) != 0) {
		fail(s, "actor_spawn", rc);
		goto out;
	}
	msg = actor_msg_new(NULL, rt_home);
	if (!msg) {
		fail(s, "actor_msg_new", -ENOMEM);
		goto out;
	}
	while (bench_keep_running(s)) {
		unsigned spins = 0;

		msg->reply_to = rt_home;
		msg->tag = 2 * trips;
		rc = actor_send(rt_echo, msg);
		if (rc != 0) {
			msg = NULL;
			fail(s, "actor_send", rc);
			break;
		}
		while (!rt_reply) {
			if (!atomic_load_explicit(&rt_wake,
						  memory_order_acquire)) {
				bench_backoff(&spins);
				continue;
			}
			/* Clear before the turn: a wake after it is kept. */
			atomic_store_explicit(&rt_wake, false,
					      memory_order_relaxed);
			actor_run(rt_home);
		}
		msg = rt_reply;
		rt_reply = NULL;
		if (msg->tag != 2 * trips + 1 || msg->reply_to != rt_echo) {
			bench_skip_with_error(s, "the reply is not the "
						 "message sent");
			break;
		}
		trips++;
	}
	bench_items_processed(s, (int64_t)trips);
out:
	actor_msg_free(msg);
	actor_system_destroy(lab_sys);
}

/* ---- round trip: an echo thread with mutex + condvar queues ------------- */

static struct mcq rt_in, rt_out;
static pthread_t rt_thread;

static void *rt_echo_thread(void *arg)
{
	struct actor_msg *msg;

	(void)arg;
	while ((msg = mcq_pop_wait(&rt_in)) != NULL) {
		msg->tag++;
		mcq_push(&rt_out, msg);
	}
	return NULL;
}

static void bm_round_trip_mutex_condvar(struct bench_state *s)
{
	struct actor_msg *msg = actor_msg_new(NULL, NULL);
	uint64_t trips = 0;
	int rc;

	if (!msg) {
		fail(s, "actor_msg_new", -ENOMEM);
		return;
	}
	mcq_init(&rt_in);
	mcq_init(&rt_out);
	rc = -pthread_create(&rt_thread, NULL, rt_echo_thread, NULL);
	if (rc != 0) {
		fail(s, "pthread_create", rc);
		actor_msg_free(msg);
		goto out;
	}
	while (bench_keep_running(s)) {
		unsigned spins = 0;
		struct actor_msg *back;

		msg->tag = 2 * trips;
		mcq_push(&rt_in, msg);
		/* The benchmark thread waits as in the lab's case. */
		while (!(back = mcq_trypop(&rt_out)))
			bench_backoff(&spins);
		msg = back;
		if (msg->tag != 2 * trips + 1) {
			bench_skip_with_error(s, "the reply is not the "
						 "message sent");
			break;
		}
		trips++;
	}
	bench_items_processed(s, (int64_t)trips);
	mcq_stop(&rt_in);
	pthread_join(rt_thread, NULL);
	actor_msg_free(msg);
out:
	mcq_destroy(&rt_in);
	mcq_destroy(&rt_out);
}

BENCH_CASES(actor_cases)
{
	static const struct {
		const char *name;
		void (*fn)(struct bench_state *);
	} mailbox[] = {
		{"actor/mailbox/lab", bm_mailbox_lab},
		{"actor/mailbox/mutex_condvar", bm_mailbox_mutex_condvar},
		{"actor/mailbox/wfcqueue", bm_mailbox_wfcqueue},
	};

	for (size_t i = 0; i < sizeof(mailbox) / sizeof(mailbox[0]); i++) {
		struct bench *b =
			bench_real_time(bench_register(mailbox[i].name,
						       mailbox[i].fn));
		bench_threads(bench_threads(b, 1), 2);
	}
	bench_real_time(bench_register("actor/round_trip/lab",
				       bm_round_trip_lab));
	bench_real_time(bench_register("actor/round_trip/mutex_condvar",
				       bm_round_trip_mutex_condvar));
}
