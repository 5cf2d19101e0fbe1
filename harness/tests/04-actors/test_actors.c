// SPDX-License-Identifier: MIT
/*
 * Lab 04: unit tests of the actor core (actor.h), the frame reader and the
 * protocol (wire.h) and the router (router.h), with Check. Single-thread
 * tests come first: framing, JSON, the router with loop actors (no pool
 * needed), loop actors' turns. Then the tests on the lab-01 pool: every
 * message handled, order per sender, one message at a time per actor,
 * actors in parallel, an actor's count delivered in a later message.
 * Check forks each test and kills it at its timeout, so a lost wake-up
 * fails one test instead of hanging the run.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "check_util.h"
#include "router.h"
#include "wire.h"

/* ---- framing ----------------------------------------------------------------- */

/* Feed text (len bytes, NULs included) and collect up to max frames as
 * C strings in out; returns how many, or the first error. */
static int frames_of(struct frame_reader *r, const char *text, size_t len,
		     char out[][64], int max)
{
	const char *f;
	size_t flen;
	int n = 0, rc = frame_reader_feed(r, text, len);

	if (rc < 0)
		return rc;
	while (n < max && (rc = frame_reader_next(r, &f, &flen)) == 0) {
		ck_assert_msg(f[flen] == '\0', "frame %d is not NUL-ended", n);
		snprintf(out[n++], 64, "%.*s", (int)flen, f);
	}
	return rc == -EAGAIN || rc == 0 ? n : rc;
}

START_TEST(test_frame_whole_message_in_one_read)
{
	struct frame_reader r;
	char out[4][64];
	static const char msg[] = "{\"id\":1}";

	CHECK_RC(frame_reader_init(&r, 0), 0);
	CHECK_RC(frames_of(&r, msg, sizeof(msg), out, 4), 1);
	ck_assert_str_eq(out[0], "{\"id\":1}");
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_two_messages_in_one_read_are_split)
{
	struct frame_reader r;
	char out[4][64];
	static const char two[] = "{\"id\":1}\0{\"id\":2}";

	/* The chapter: "when multiple messages are sent in quick
	 * succession, they will arrive in a single data event". */
	CHECK_RC(frame_reader_init(&r, 0), 0);
	CHECK_RC(frames_of(&r, two, sizeof(two), out, 4), 2);
	ck_assert_str_eq(out[0], "{\"id\":1}");
	ck_assert_str_eq(out[1], "{\"id\":2}");
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_one_message_in_many_reads_is_joined)
{
	struct frame_reader r;
	static const char msg[] = "{\"id\":3,\"value\":9}";
	char out[4][64];

	CHECK_RC(frame_reader_init(&r, 0), 0);
	for (size_t i = 0; i + 1 < sizeof(msg); i++)
		CHECK_RC(frames_of(&r, msg + i, 1, out, 4), 0);
	CHECK_RC(frames_of(&r, "", 1, out, 4), 1); /* the NUL */
	ck_assert_str_eq(out[0], msg);
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_end_of_one_and_start_of_next_in_one_read)
{
	struct frame_reader r;
	char out[4][64];

	CHECK_RC(frame_reader_init(&r, 0), 0);
	CHECK_RC(frames_of(&r, "{\"a\":", 5, out, 4), 0);
	CHECK_RC(frames_of(&r, "1}\0{\"b\":2}\0{\"c\"", 15, out, 4), 2);
	ck_assert_str_eq(out[0], "{\"a\":1}");
	ck_assert_str_eq(out[1], "{\"b\":2}");
	CHECK_RC(frames_of(&r, ":3}", 4, out, 4), 1);
	ck_assert_str_eq(out[0], "{\"c\":3}");
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_two_nuls_make_an_empty_frame)
{
	struct frame_reader r;
	char out[4][64];

	CHECK_RC(frame_reader_init(&r, 0), 0);
	CHECK_RC(frames_of(&r, "\0{}\0", 4, out, 4), 2);
	ck_assert_str_eq(out[0], "");
	ck_assert_str_eq(out[1], "{}");
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_over_the_cap_returns_emsgsize)
{
	struct frame_reader r;
	char big[100], out[4][64];

	memset(big, 'x', sizeof(big));
	CHECK_RC(frame_reader_init(&r, 64), 0);
	/* Exactly the cap is a frame... */
	CHECK_RC(frames_of(&r, big, 64, out, 4), 0);
	CHECK_RC(frames_of(&r, "", 1, out, 1), 1);
	/* ...one byte more, collected over two reads, is not. */
	CHECK_RC(frame_reader_feed(&r, big, 40), 0);
	CHECK_RC(frame_reader_feed(&r, big, 25), -EMSGSIZE);
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_many_small_frames_may_exceed_the_cap_together)
{
	struct frame_reader r;
	char text[10 * 10], out[16][64];

	/* ten frames of 9 bytes in one 100-byte read, cap 16 */
	for (int i = 0; i < 10; i++) {
		memcpy(text + i * 10, "{\"n\":123}", 9);
		text[i * 10 + 9] = '\0';
	}
	CHECK_RC(frame_reader_init(&r, 16), 0);
	CHECK_RC(frames_of(&r, text, sizeof(text), out, 16), 10);
	frame_reader_destroy(&r);
}
END_TEST

START_TEST(test_frame_ten_thousand_frames_one_byte_at_a_time)
{
	struct frame_reader r;
	const char *f;
	size_t len;
	int got = 0;

	CHECK_RC(frame_reader_init(&r, 0), 0);
	for (int i = 0; i < 10000; i++) {
		char msg[32];
		int n = snprintf(msg, sizeof(msg), "{\"id\":%d}", i) + 1;

		for (int k = 0; k < n; k++) {
			CHECK_RC(frame_reader_feed(&r, msg + k, 1), 0);
			while (frame_reader_next(&r, &f, &len) == 0) {
				ck_assert_msg(atoi(f + 6) == got,
					      "frame '%s' arrived as number %d",
					      f, got);
				got++;
			}
		}
	}
	CHECK_EQ(got, 10000);
	frame_reader_destroy(&r);
}
END_TEST

/* ---- JSON ---------------------------------------------------------------------- */

START_TEST(test_decode_reads_an_object)
{
	char err[WIRE_ERR_MAX] = "";
	static const char text[] = "{\"id\":4,\"method\":\"square_sum\","
				   "\"args\":[99999]}";
	json_t *msg = wire_decode(text, strlen(text), err, sizeof(err));
	const char *method;
	json_t *args;
	uint64_t id;

	ck_assert_msg(msg != NULL, "wire_decode failed: %s", err);
	CHECK_RC(wire_parse_request(msg, &id, &method, &args, err,
				    sizeof(err)), 0);
	CHECK_EQ(id, 4);
	ck_assert_str_eq(method, "square_sum");
	CHECK_EQ(json_integer_value(json_array_get(args, 0)), 99999);
	json_decref(msg);
}
END_TEST

START_TEST(test_decode_malformed_says_where)
{
	char err[WIRE_ERR_MAX] = "";
	static const char text[] = "{\"id\":4,\"method\":tru}";

	ck_assert_msg(wire_decode(text, strlen(text), err, sizeof(err)) ==
			      NULL,
		      "malformed JSON was accepted");
	ck_assert_msg(strstr(err, "line 1") && strstr(err, "col"),
		      "the error '%s' does not say where", err);
}
END_TEST

START_TEST(test_decode_rejects_empty_and_non_objects)
{
	char err[WIRE_ERR_MAX] = "";

	ck_assert_ptr_null(wire_decode("", 0, err, sizeof(err)));
	ck_assert_msg(err[0], "no message for an empty frame");
	err[0] = '\0';
	ck_assert_ptr_null(wire_decode("[1,2]", 5, err, sizeof(err)));
	ck_assert_msg(err[0], "no message for an array");
	err[0] = '\0';
	ck_assert_ptr_null(wire_decode("{} {}", 5, err, sizeof(err)));
	ck_assert_msg(err[0], "no message for two documents in one frame");
}
END_TEST

START_TEST(test_encode_ends_in_nul_and_decodes_back)
{
	char err[WIRE_ERR_MAX] = "";
	json_t *req = wire_request(7, "square_sum", json_pack("[i]", 42));
	size_t len;
	char *frame = wire_encode(req, &len);
	json_t *back;

	ck_assert_ptr_nonnull(frame);
	CHECK_EQ(frame[len - 1], '\0');
	ck_assert_str_eq(frame, "{\"id\":7,\"method\":\"square_sum\","
				"\"args\":[42]}");
	back = wire_decode(frame, len - 1, err, sizeof(err));
	ck_assert_msg(back && json_equal(back, req), "round trip: %s", err);
	json_decref(back);
	json_decref(req);
	free(frame);
}
END_TEST

START_TEST(test_parse_request_rejects_bad_shapes)
{
	static const char *const bad[] = {
		"{\"method\":\"square_sum\",\"args\":[1]}",
		"{\"id\":0,\"method\":\"square_sum\",\"args\":[1]}",
		"{\"id\":\"4\",\"method\":\"square_sum\",\"args\":[1]}",
		"{\"id\":4,\"method\":7,\"args\":[1]}",
		"{\"id\":4,\"method\":\"square_sum\",\"args\":1}",
	};
	char err[WIRE_ERR_MAX];
	const char *method;
	json_t *args, *msg;
	uint64_t id;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg = json_loads(bad[i], 0, NULL);
		err[0] = '\0';
		ck_assert_msg(wire_parse_request(msg, &id, &method, &args, err,
						 sizeof(err)) == -EPROTO,
			      "accepted %s", bad[i]);
		ck_assert_msg(err[0], "no message for %s", bad[i]);
		json_decref(msg);
	}
}
END_TEST

/* ---- loop actors and the router (no pool) ---------------------------------------- */

struct box {
	_Atomic int wakes;
	_Atomic int handled;
	uint64_t tags[256];
};

static void box_wake(struct actor *self, void *arg)
{
	struct box *b = arg;

	(void)self;
	atomic_fetch_add(&b->wakes, 1);
}

static void box_handle(struct actor *self, struct actor_msg *msg)
{
	struct box *b = actor_state(self);
	int n = atomic_fetch_add(&b->handled, 1);

	if (n < 256)
		b->tags[n] = msg->tag;
	actor_msg_free(msg);
}

static struct actor_system *no_pool(void)
{
	struct actor_system_config cfg = {.threads = 0, .batch = 4};
	struct actor_system *sys = NULL;

	CHECK_RC(actor_system_create(&sys, &cfg), 0);
	return sys;
}

static struct actor *loop_actor(struct actor_system *sys, struct box *b)
{
	struct actor_spec spec = {.name = "box", .handle = box_handle,
				  .state = b, .wake = box_wake, .wake_arg = b};
	struct actor *a = NULL;

	CHECK_RC(actor_spawn(sys, &spec, &a), 0);
	return a;
}

static struct actor_msg *tagged(uint64_t tag)
{
	struct actor_msg *m = actor_msg_new(NULL, NULL);

	ck_assert_ptr_nonnull(m);
	m->tag = tag;
	return m;
}

START_TEST(test_loop_actor_is_woken_once_and_handles_in_order)
{
	struct actor_system *sys = no_pool();
	struct box b = {0};
	struct actor *a = loop_actor(sys, &b);

	for (int i = 0; i < 3; i++)
		CHECK_RC(actor_send(a, tagged((uint64_t)i)), 0);
	CHECK_EQ(atomic_load(&b.wakes), 1);
	CHECK_EQ(atomic_load(&b.handled), 0);
	CHECK_RC(actor_run(a), 3);
	for (int i = 0; i < 3; i++)
		CHECK_EQ(b.tags[i], i);
	/* idle again: the next message wakes it again */
	CHECK_RC(actor_send(a, tagged(3)), 0);
	CHECK_EQ(atomic_load(&b.wakes), 2);
	CHECK_RC(actor_run(a), 1);
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_loop_actor_turn_stops_at_the_batch_and_wakes_again)
{
	struct actor_system *sys = no_pool(); /* batch 4 */
	struct box b = {0};
	struct actor *a = loop_actor(sys, &b);

	for (int i = 0; i < 10; i++)
		CHECK_RC(actor_send(a, tagged((uint64_t)i)), 0);
	CHECK_RC(actor_run(a), 4);
	CHECK_EQ(atomic_load(&b.wakes), 2);
	CHECK_RC(actor_run(a), 4);
	CHECK_RC(actor_run(a), 2);
	CHECK_EQ(atomic_load(&b.wakes), 3);
	CHECK_RC(actor_run(a), 0); /* a spurious call is harmless */
	for (int i = 0; i < 10; i++)
		CHECK_EQ(b.tags[i], i);
	actor_system_destroy(sys);
}
END_TEST

static void count_leftover(struct actor_msg *msg, void *arg)
{
	(*(int *)arg)++;
	actor_msg_free(msg);
}

START_TEST(test_destroy_hands_over_the_messages_left)
{
	struct actor_system *sys = no_pool();
	struct box b = {0};
	struct actor *a = loop_actor(sys, &b);
	int left = 0;

	for (int i = 0; i < 5; i++)
		CHECK_RC(actor_send(a, tagged((uint64_t)i)), 0);
	actor_destroy(a, count_leftover, &left);
	CHECK_EQ(left, 5);
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_bad_arguments_return_einval)
{
	struct actor_system *sys = no_pool();
	struct actor_spec pool_actor = {.name = "p", .handle = box_handle};
	struct actor *a = NULL;

	CHECK_RC(actor_spawn(sys, &pool_actor, &a), -EINVAL);
	CHECK_RC(actor_send(NULL, NULL), -EINVAL);
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_empty_router_returns_enoent)
{
	struct router *r = NULL;
	struct actor_msg *m = tagged(1);

	router_register_thread();
	CHECK_RC(router_create(&r), 0);
	CHECK_EQ(router_size(r), 0);
	/* The chapter's "ERROR: EMPTY ACTOR POOL"; the message is still
	 * ours. */
	CHECK_RC(router_send(r, m, 42), -ENOENT);
	actor_msg_free(m);
	router_destroy(r);
	router_unregister_thread();
}
END_TEST

START_TEST(test_router_sends_to_the_actor_rnd_picks)
{
	struct actor_system *sys = no_pool();
	struct box b[3] = {{0}};
	struct actor *a[3];
	struct router *r = NULL;

	router_register_thread();
	CHECK_RC(router_create(&r), 0);
	for (int i = 0; i < 3; i++) {
		a[i] = loop_actor(sys, &b[i]);
		CHECK_RC(router_add(r, a[i]), 0);
	}
	CHECK_EQ(router_size(r), 3);
	CHECK_RC(router_add(r, a[1]), -EEXIST);
	/* rnd 0, 1, 2, 3, ...: each actor gets some */
	for (uint64_t rnd = 0; rnd < 30; rnd++)
		CHECK_RC(router_send(r, tagged(rnd), rnd), 0);
	for (int i = 0; i < 3; i++) {
		CHECK_EQ(atomic_load(&b[i].wakes), 1);
		CHECK_RC(actor_run(a[i]) + actor_run(a[i]) + actor_run(a[i]),
			 10);
	}
	router_destroy(r);
	router_unregister_thread();
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_router_remove_takes_the_actor_out)
{
	struct actor_system *sys = no_pool();
	struct box b[2] = {{0}};
	struct actor *a[2];
	struct router *r = NULL;

	router_register_thread();
	CHECK_RC(router_create(&r), 0);
	for (int i = 0; i < 2; i++) {
		a[i] = loop_actor(sys, &b[i]);
		CHECK_RC(router_add(r, a[i]), 0);
	}
	CHECK_RC(router_remove(r, a[0]), 0);
	CHECK_RC(router_remove(r, a[0]), -ENOENT);
	CHECK_EQ(router_size(r), 1);
	for (uint64_t rnd = 0; rnd < 8; rnd++)
		CHECK_RC(router_send(r, tagged(rnd), rnd), 0);
	CHECK_EQ(atomic_load(&b[0].wakes), 0);
	CHECK_EQ(atomic_load(&b[1].wakes), 1);
	CHECK_RC(router_remove(r, a[1]), 0);
	CHECK_EQ(router_size(r), 0);
	struct actor_msg *m = tagged(9);
	CHECK_RC(router_send(r, m, 0), -ENOENT);
	actor_msg_free(m);
	router_destroy(r);
	router_unregister_thread();
	actor_system_destroy(sys);
}
END_TEST

/* ---- actors on the lab-01 pool ----------------------------------------------------- */

enum { SENDERS = 3, PER_SENDER = 2000, ACTORS = 4 };

/* What a test actor knows: only handle() touches it, one message at a
 * time, so plain fields are enough (TSan runs these tests too). */
struct tally {
	uint64_t handled;
	uint64_t next_seq[SENDERS];
	unsigned out_of_order;
	_Atomic int inside;      /* handle()s running right now */
	_Atomic int overlaps;    /* times two ran at once */
	_Atomic uint64_t done;   /* handled, for the test thread to watch */
};

static void tally_handle(struct actor *self, struct actor_msg *msg)
{
	struct tally *t = actor_state(self);
	unsigned sender = (unsigned)(msg->tag >> 32);
	uint64_t seq = msg->tag & 0xffffffffu;

	/* Relaxed: these count, they order nothing; a real overlap shows
	 * whatever the order. */
	if (atomic_fetch_add_explicit(&t->inside, 1, memory_order_relaxed))
		atomic_fetch_add_explicit(&t->overlaps, 1,
					  memory_order_relaxed);
	if (sender < SENDERS) {
		if (seq != t->next_seq[sender])
			t->out_of_order++;
		t->next_seq[sender] = seq + 1;
	}
	t->handled++;
	for (volatile int spin = 0; spin < 200; spin++)
		;
	atomic_fetch_sub_explicit(&t->inside, 1, memory_order_relaxed);
	actor_msg_free(msg);
	/* Release: the test thread that sees done reach its total sees the
	 * fields above. Pairs with the acquire in wait_done(). */
	atomic_fetch_add_explicit(&t->done, 1, memory_order_release);
}

static struct actor_system *with_pool(int threads)
{
	struct actor_system_config cfg = {.threads = threads,
					  .strategy = TPOOL_LEASTBUSY};
	struct actor_system *sys = NULL;

	CHECK_RC(actor_system_create(&sys, &cfg), 0);
	return sys;
}

static struct actor *pool_actor(struct actor_system *sys,
				void (*handle)(struct actor *,
					       struct actor_msg *),
				void *state)
{
	struct actor_spec spec = {.name = "t", .handle = handle,
				  .state = state};
	struct actor *a = NULL;

	CHECK_RC(actor_spawn(sys, &spec, &a), 0);
	return a;
}

/* Wait up to 10 s for done to reach want; returns what it reached. */
static uint64_t wait_done(_Atomic uint64_t *done, uint64_t want)
{
	struct timespec ms = {0, 1000000};
	uint64_t got = 0;

	for (int i = 0; i < 10000; i++) {
		got = atomic_load_explicit(done, memory_order_acquire);
		if (got >= want)
			break;
		nanosleep(&ms, NULL);
	}
	return got;
}

struct sender_arg {
	unsigned no;
	struct actor **to;
	int n_to;
	pthread_barrier_t *start;
	int failures;
};

static void *sender_main(void *arg)
{
	struct sender_arg *s = arg;

	pthread_barrier_wait(s->start);
	for (uint64_t seq = 0; seq < PER_SENDER; seq++)
		for (int k = 0; k < s->n_to; k++)
			if (actor_send(s->to[k], tagged((uint64_t)s->no << 32 |
							seq)) != 0)
				s->failures++;
	return NULL;
}

/* SENDERS threads each send PER_SENDER numbered messages to every actor
 * in to[], all starting at a barrier. */
static void send_from_threads(struct actor **to, int n_to)
{
	pthread_barrier_t start;
	pthread_t t[SENDERS];
	struct sender_arg s[SENDERS];

	pthread_barrier_init(&start, NULL, SENDERS);
	for (unsigned i = 0; i < SENDERS; i++) {
		s[i] = (struct sender_arg){i, to, n_to, &start, 0};
		pthread_create(&t[i], NULL, sender_main, &s[i]);
	}
	for (unsigned i = 0; i < SENDERS; i++) {
		pthread_join(t[i], NULL);
		CHECK_EQ(s[i].failures, 0);
	}
	pthread_barrier_destroy(&start);
}

START_TEST(test_pool_actor_handles_every_message)
{
	struct actor_system *sys = with_pool(2);
	struct tally t = {0};
	struct actor *a = pool_actor(sys, tally_handle, &t);

	for (uint64_t i = 0; i < 1000; i++)
		CHECK_RC(actor_send(a, tagged(i)), 0);
	CHECK_EQ(wait_done(&t.done, 1000), 1000);
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_mailbox_keeps_each_senders_order)
{
	struct actor_system *sys = with_pool(4);
	struct tally t = {0};
	struct actor *a = pool_actor(sys, tally_handle, &t);

	send_from_threads(&a, 1);
	CHECK_EQ(wait_done(&t.done, SENDERS * PER_SENDER),
		 SENDERS * PER_SENDER);
	CHECK_EQ(t.out_of_order, 0);
	for (int s = 0; s < SENDERS; s++)
		CHECK_EQ(t.next_seq[s], PER_SENDER);
	actor_system_destroy(sys);
}
END_TEST

START_TEST(test_an_actor_handles_one_message_at_a_time)
{
	struct actor_system *sys = with_pool(4);
	struct tally t[ACTORS] = {{0}};
	struct actor *a[ACTORS];

	for (int i = 0; i < ACTORS; i++)
		a[i] = pool_actor(sys, tally_handle, &t[i]);
	send_from_threads(a, ACTORS);
	for (int i = 0; i < ACTORS; i++) {
		CHECK_EQ(wait_done(&t[i].done, SENDERS * PER_SENDER),
			 SENDERS * PER_SENDER);
		ck_assert_msg(atomic_load(&t[i].overlaps) == 0,
			      "actor %d ran handle() on two threads at once "
			      "%d times",
			      i, atomic_load(&t[i].overlaps));
		CHECK_EQ(t[i].handled, SENDERS * PER_SENDER);
	}
	actor_system_destroy(sys);
}
END_TEST

/* Two actors, one message each; each handle() waits (up to 5 s) until the
 * other has started too. Passes only if they ran at the same time. */
struct meeting {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int arrived;
	int met;
};

static void meet_handle(struct actor *self, struct actor_msg *msg)
{
	struct meeting *m = actor_state(self);
	struct timespec until;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 5;
	pthread_mutex_lock(&m->lock);
	m->arrived++;
	pthread_cond_broadcast(&m->cond);
	while (m->arrived < 2 &&
	       pthread_cond_timedwait(&m->cond, &m->lock, &until) == 0)
		;
	if (m->arrived == 2)
		m->met++;
	pthread_mutex_unlock(&m->lock);
	actor_msg_free(msg);
}

START_TEST(test_different_actors_run_in_parallel)
{
	struct actor_system *sys = with_pool(4);
	struct meeting m = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
			    0, 0};
	struct actor *a = pool_actor(sys, meet_handle, &m);
	struct actor *b = pool_actor(sys, meet_handle, &m);

	struct timespec ms = {0, 1000000};
	int met = 0;

	CHECK_RC(actor_send(a, tagged(1)), 0);
	CHECK_RC(actor_send(b, tagged(2)), 0);
	for (int i = 0; i < 10000 && met < 2; i++) {
		nanosleep(&ms, NULL);
		pthread_mutex_lock(&m.lock);
		met = m.met;
		pthread_mutex_unlock(&m.lock);
	}
	CHECK_EQ(met, 2);
	actor_system_destroy(sys);
}
END_TEST

/* Ping-pong with a loop actor, both threads busy: this thread runs the
 * actor's turns as soon as it is woken; a second thread sends message k+1
 * the moment it sees message k handled, so the send often lands just as
 * the turn finds the mailbox empty and goes idle. A turn that clears its
 * flag without looking at the mailbox again loses that message: nobody
 * wakes the actor, and the rounds stop. */
enum { PONG_ROUNDS = 300000 };

struct pong {
	struct actor *actor;
	_Atomic uint64_t handled; /* the last message handled, plus one */
	_Atomic int wakes;        /* wake calls not yet served */
	_Atomic int stop;
	_Atomic int error;        /* what actor_send() returned, if not 0 */
};

static void pong_handle(struct actor *self, struct actor_msg *msg)
{
	struct pong *p = actor_state(self);
	uint64_t tag = msg->tag;

	actor_msg_free(msg);
	/* Release: pairs with the acquire in pong_sender(). */
	atomic_store_explicit(&p->handled, tag + 1, memory_order_release);
}

static void pong_wake(struct actor *self, void *arg)
{
	struct pong *p = arg;

	(void)self;
	atomic_fetch_add(&p->wakes, 1);
}

static void *pong_sender(void *arg)
{
	struct pong *p = arg;

	for (uint64_t k = 0; k < PONG_ROUNDS; k++) {
		struct actor_msg *m = tagged(k);
		unsigned spins = 0;
		int rc;

		while (atomic_load_explicit(&p->handled,
					    memory_order_acquire) != k) {
			if (atomic_load(&p->stop)) {
				actor_msg_free(m);
				return NULL;
			}
			if (++spins % 1024 == 0)
				sched_yield(); /* a busy machine */
		}
		rc = actor_send(p->actor, m);
		if (rc != 0) {
			/* Not taken only on -EINVAL (or while a TODO). */
			if (rc == -EINVAL || rc == -ENOSYS)
				actor_msg_free(m);
			atomic_store(&p->error, rc);
			return NULL;
		}
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

START_TEST(test_ping_pong_never_loses_a_wakeup)
{
	struct actor_system *sys = no_pool();
	struct pong p = {0};
	struct actor_spec spec = {.name = "pong", .handle = pong_handle,
				  .state = &p, .wake = pong_wake,
				  .wake_arg = &p};
	double start = now_s(), last = start;
	uint64_t seen = 0, got;
	unsigned idle = 0;
	bool stalled = false;
	pthread_t t;

	CHECK_RC(actor_spawn(sys, &spec, &p.actor), 0);
	pthread_create(&t, NULL, pong_sender, &p);
	/* Until every round is done; on a busy machine, until 4 s have
	 * passed; with a lost wake-up, until no round ended for 3 s. */
	while ((got = atomic_load(&p.handled)) < PONG_ROUNDS &&
	       !atomic_load(&p.error)) {
		if (atomic_load(&p.wakes) > 0) {
			atomic_fetch_sub(&p.wakes, 1);
			CHECK_RC(actor_run(p.actor) >= 0, 1);
		} else if (++idle % 1024 == 0) {
			sched_yield();
		}
		if (got != seen) {
			seen = got;
			last = now_s();
			if (last - start > 4)
				break;
		} else if (idle % 64 == 0 && now_s() - last > 3) {
			stalled = true;
			break;
		}
	}
	atomic_store(&p.stop, 1);
	pthread_join(t, NULL);
	CHECK_RC(atomic_load(&p.error), 0); /* what actor_send() returned */
	ck_assert_msg(!stalled,
		      "message %llu of %d was never handled: it arrived as the "
		      "turn went idle, and nobody woke the actor (a lost "
		      "wake-up)",
		      (unsigned long long)got, PONG_ROUNDS);
	actor_system_destroy(sys);
}
END_TEST

/* The chapter's example of state: an actor counts what it has handled,
 * and tells the count in a later message, to whoever asked. */
struct counter {
	uint64_t handled; /* the actor's own */
};

static void counter_handle(struct actor *self, struct actor_msg *msg)
{
	struct counter *c = actor_state(self);

	if (msg->tag == UINT64_MAX && msg->reply_to) {
		struct actor_msg *answer = actor_msg_new(
			json_integer((json_int_t)c->handled), self);

		if (answer)
			actor_send(msg->reply_to, answer);
	} else {
		c->handled++;
	}
	actor_msg_free(msg);
}

struct inbox {
	_Atomic uint64_t done;
	json_int_t value;
	struct actor *from;
};

static void inbox_handle(struct actor *self, struct actor_msg *msg)
{
	struct inbox *in = actor_state(self);

	in->value = json_integer_value(msg->body);
	in->from = msg->reply_to;
	actor_msg_free(msg);
	/* Pairs with the acquire in wait_done(). */
	atomic_fetch_add_explicit(&in->done, 1, memory_order_release);
}

START_TEST(test_an_actor_counts_messages_and_reports_later)
{
	struct actor_system *sys = with_pool(3);
	struct counter c = {0};
	struct inbox in = {0};
	struct actor *counter = pool_actor(sys, counter_handle, &c);
	struct actor *asker = pool_actor(sys, inbox_handle, &in);
	struct actor_msg *ask;

	for (uint64_t i = 0; i < 500; i++)
		CHECK_RC(actor_send(counter, tagged(i)), 0);
	ask = tagged(UINT64_MAX);
	ask->reply_to = asker;
	CHECK_RC(actor_send(counter, ask), 0);
	CHECK_EQ(wait_done(&in.done, 1), 1);
	/* One sender: the question comes after the 500, in order. */
	CHECK_EQ(in.value, 500);
	ck_assert_msg(in.from == counter, "the answer did not say who sent it");
	actor_system_destroy(sys);
}
END_TEST

static Suite *actors_suite(void)
{
	Suite *s = suite_create("actors");
	TCase *wire = tcase_create("wire");
	TCase *loop = tcase_create("loop");
	TCase *pool = tcase_create("pool");
	TCase *race = tcase_create("race");

	tcase_add_test(wire, test_frame_whole_message_in_one_read);
	tcase_add_test(wire, test_frame_two_messages_in_one_read_are_split);
	tcase_add_test(wire, test_frame_one_message_in_many_reads_is_joined);
	tcase_add_test(wire, test_frame_end_of_one_and_start_of_next_in_one_read);
	tcase_add_test(wire, test_frame_two_nuls_make_an_empty_frame);
	tcase_add_test(wire, test_frame_over_the_cap_returns_emsgsize);
	tcase_add_test(wire, test_frame_many_small_frames_may_exceed_the_cap_together);
	tcase_add_test(wire, test_frame_ten_thousand_frames_one_byte_at_a_time);
	tcase_add_test(wire, test_decode_reads_an_object);
	tcase_add_test(wire, test_decode_malformed_says_where);
	tcase_add_test(wire, test_decode_rejects_empty_and_non_objects);
	tcase_add_test(wire, test_encode_ends_in_nul_and_decodes_back);
	tcase_add_test(wire, test_parse_request_rejects_bad_shapes);
	tcase_set_timeout(wire, 10);
	suite_add_tcase(s, wire);

	tcase_add_test(loop, test_loop_actor_is_woken_once_and_handles_in_order);
	tcase_add_test(loop, test_loop_actor_turn_stops_at_the_batch_and_wakes_again);
	tcase_add_test(loop, test_destroy_hands_over_the_messages_left);
	tcase_add_test(loop, test_bad_arguments_return_einval);
	tcase_add_test(loop, test_empty_router_returns_enoent);
	tcase_add_test(loop, test_router_sends_to_the_actor_rnd_picks);
	tcase_add_test(loop, test_router_remove_takes_the_actor_out);
	tcase_set_timeout(loop, 10);
	suite_add_tcase(s, loop);

	tcase_add_test(race, test_ping_pong_never_loses_a_wakeup);
	tcase_set_timeout(race, 30);
	suite_add_tcase(s, race);

	tcase_add_test(pool, test_pool_actor_handles_every_message);
	tcase_add_test(pool, test_mailbox_keeps_each_senders_order);
	tcase_add_test(pool, test_an_actor_handles_one_message_at_a_time);
	tcase_add_test(pool, test_different_actors_run_in_parallel);
	tcase_add_test(pool, test_an_actor_counts_messages_and_reports_later);
	tcase_set_timeout(pool, 20);
	suite_add_tcase(s, pool);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(actors_suite());

	/* Before any thread: jansson's hash seed (see EVIDENCE: Helgrind). */
	json_object_seed(0);
	return lab_unit_run(sr);
}
