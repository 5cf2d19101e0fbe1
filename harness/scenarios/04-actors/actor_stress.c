// SPDX-License-Identifier: MIT
/*
 * Lab 04: actor_stress - many senders, a few actors, one pool. Each run
 * starts --senders threads at a barrier; each sends --msgs numbered
 * messages to every one of --actors actors on a lab-01 pool of --threads
 * leastbusy workers, with schedule noise between sends and inside the
 * handlers. Then the main thread asks every actor for its count (the
 * chapter's example of state), through a loop actor of its own.
 *
 * A run fails when an actor ran two handle()s at once, handled one
 * sender's messages out of order, reports a count other than what was
 * sent, or never answers (a lost wake-up: a message left in a mailbox
 * with no turn scheduled). Prints STAT (scenario.h).
 *
 * With --pingpong N a run is instead N rounds of ping-pong between a
 * sending thread and a loop actor whose turns the main thread runs, both
 * busy: message k+1 is sent the moment k is handled, so sends often land
 * just as the turn finds the mailbox empty and goes idle, where a turn
 * that does not look again loses them.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <stdbool.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actor.h"
#include "preempt.h"
#include "scenario.h"

enum { MAX_ACTORS = 16, MAX_SENDERS = 16 };
#define REPORT UINT64_MAX /* the tag that asks for the count */

static unsigned long n_actors = 4, n_senders = 3, n_msgs = 500,
		     n_threads = 4, batch = 0, pingpong = 0;

/* One actor's private state: only its handle() touches the plain fields. */
struct tally {
	uint64_t handled;
	uint64_t next_seq[MAX_SENDERS];
	unsigned long out_of_order;
	uint64_t first_bad_sender, first_bad_seq, first_bad_want;
	_Atomic int inside;   /* handle()s running now */
	_Atomic int overlaps; /* times two ran at once */
};

/* The main thread's loop actor collects the reports. */
struct collector {
	sem_t woken;
	struct actor *from[MAX_ACTORS];
	json_int_t count[MAX_ACTORS];
	unsigned got;
};

struct run {
	struct actor_system *sys;
	struct actor *actor[MAX_ACTORS];
	struct tally tally[MAX_ACTORS];
	struct actor *inbox;
	struct collector col;
	pthread_barrier_t start;
	unsigned long run;
	_Atomic unsigned long send_errors;
};

static void report(struct actor *self, struct actor_msg *msg,
		   struct tally *t)
{
	struct actor_msg *answer =
		actor_msg_new(json_integer((json_int_t)t->handled), self);

	if (answer && actor_send(msg->reply_to, answer) == -EINVAL)
		actor_msg_free(answer);
}

static void tally_handle(struct actor *self, struct actor_msg *msg)
{
	struct tally *t = actor_state(self);
	uint64_t sender = msg->tag >> 32, seq = msg->tag & 0xffffffffu;

	/* Relaxed: these only count; an overlap shows whatever the order. */
	if (atomic_fetch_add_explicit(&t->inside, 1, memory_order_relaxed))
		atomic_fetch_add_explicit(&t->overlaps, 1,
					  memory_order_relaxed);
	lab_preempt();
	if (msg->tag == REPORT) {
		report(self, msg, t);
	} else {
		if (sender < MAX_SENDERS && seq != t->next_seq[sender] &&
		    t->out_of_order++ == 0) {
			t->first_bad_sender = sender;
			t->first_bad_seq = seq;
			t->first_bad_want = t->next_seq[sender];
		}
		if (sender < MAX_SENDERS)
			t->next_seq[sender] = seq + 1;
		t->handled++;
	}
	lab_preempt();
	atomic_fetch_sub_explicit(&t->inside, 1, memory_order_relaxed);
	actor_msg_free(msg);
}

static void collector_handle(struct actor *self, struct actor_msg *msg)
{
	struct collector *c = actor_state(self);

	if (c->got < MAX_ACTORS) {
		c->from[c->got] = msg->reply_to;
		c->count[c->got] = json_integer_value(msg->body);
		c->got++;
	}
	actor_msg_free(msg);
}

static void collector_wake(struct actor *self, void *arg)
{
	(void)self;
	sem_post(arg);
}

struct sender {
	struct run *r;
	unsigned long no;
	pthread_t thread;
};

static void *sender_main(void *arg)
{
	struct sender *s = arg;
	struct run *r = s->r;

	lab_noise_thread(s->no + 1 + r->run * 64);
	pthread_barrier_wait(&r->start);
	for (uint64_t seq = 0; seq < n_msgs; seq++) {
		for (unsigned long a = 0; a < n_actors; a++) {
			struct actor_msg *m = actor_msg_new(NULL, NULL);

			/* Relaxed, here and below: a count, read after
			 * the senders are joined. */
			if (!m) {
				atomic_fetch_add_explicit(&r->send_errors, 1,
							  memory_order_relaxed);
				continue;
			}
			m->tag = (uint64_t)s->no << 32 | seq;
			if (actor_send(r->actor[a], m) != 0)
				atomic_fetch_add_explicit(&r->send_errors, 1,
							  memory_order_relaxed);
			lab_preempt();
		}
	}
	return NULL;
}

static void setup(struct run *r)
{
	struct actor_system_config cfg = {.threads = (int)n_threads,
					  .strategy = TPOOL_LEASTBUSY,
					  .batch = (unsigned)batch,
					  .seed = r->run + 1};
	struct actor_spec spec = {.name = "tally", .handle = tally_handle};
	struct actor_spec inbox = {.name = "inbox",
				   .handle = collector_handle,
				   .state = &r->col, .wake = collector_wake,
				   .wake_arg = &r->col.woken};
	int rc = actor_system_create(&r->sys, &cfg);

	if (rc < 0)
		scenario_die("actor_system_create", rc);
	for (unsigned long a = 0; a < n_actors; a++) {
		spec.state = &r->tally[a];
		rc = actor_spawn(r->sys, &spec, &r->actor[a]);
		if (rc < 0)
			scenario_die("actor_spawn", rc);
	}
	sem_init(&r->col.woken, 0, 0);
	rc = actor_spawn(r->sys, &inbox, &r->inbox);
	if (rc < 0)
		scenario_die("actor_spawn (loop actor)", rc);
}

/* Ask every actor for its count; run the inbox on this thread until all
 * answered or 10 s passed. Returns how many answered. */
static unsigned collect(struct run *r)
{
	struct timespec until;
	int rc;

	for (unsigned long a = 0; a < n_actors; a++) {
		struct actor_msg *ask = actor_msg_new(NULL, r->inbox);

		ask->tag = REPORT;
		rc = actor_send(r->actor[a], ask);
		if (rc < 0)
			scenario_die("actor_send", rc);
	}
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += 10;
	while (r->col.got < n_actors) {
		if (sem_timedwait(&r->col.woken, &until) != 0)
			break;
		rc = actor_run(r->inbox);
		if (rc < 0)
			scenario_die("actor_run", rc);
	}
	return r->col.got;
}

static void check(struct scenario *sc, struct run *r, unsigned got)
{
	uint64_t want = (uint64_t)n_senders * n_msgs;
	unsigned long errors;

	if (got < n_actors)
		return scenario_fail(sc, r->run, "only %u of %lu actors answered "
				     "within 10 s: a message sits in a mailbox "
				     "with no turn scheduled (lost wake-up)",
				     got, n_actors);
	/* Relaxed loads: the threads that counted have been joined, or
	 * (overlaps) have handed back the report that ended the run. */
	errors = atomic_load_explicit(&r->send_errors, memory_order_relaxed);

	if (errors)
		return scenario_fail(sc, r->run, "actor_send failed %lu times",
				     errors);
	for (unsigned i = 0; i < got; i++) {
		unsigned long a = 0;
		struct tally *t;
		int overlaps;

		while (a < n_actors && r->actor[a] != r->col.from[i])
			a++;
		if (a == n_actors)
			return scenario_fail(sc, r->run, "a report came from "
					     "no actor of ours");
		t = &r->tally[a];
		if ((overlaps = atomic_load_explicit(&t->overlaps,
						     memory_order_relaxed)))
			return scenario_fail(sc, r->run, "actor %lu ran two "
					     "handle()s at once (%d times)", a,
					     overlaps);
		if (t->out_of_order)
			return scenario_fail(sc, r->run, "actor %lu got sender "
				"%llu's message %llu when %llu was next", a,
				(unsigned long long)t->first_bad_sender,
				(unsigned long long)t->first_bad_seq,
				(unsigned long long)t->first_bad_want);
		if ((uint64_t)r->col.count[i] != want)
			return scenario_fail(sc, r->run, "actor %lu reports %lld "
					     "messages, %llu were sent", a,
					     (long long)r->col.count[i],
					     (unsigned long long)want);
	}
}

static void one_run(struct scenario *sc, unsigned long run)
{
	struct run *r = calloc(1, sizeof(*r));
	struct sender s[MAX_SENDERS];

	r->run = run;
	setup(r);
	pthread_barrier_init(&r->start, NULL, (unsigned)n_senders);
	for (unsigned long i = 0; i < n_senders; i++) {
		s[i] = (struct sender){.r = r, .no = i};
		pthread_create(&s[i].thread, NULL, sender_main, &s[i]);
	}
	for (unsigned long i = 0; i < n_senders; i++)
		pthread_join(s[i].thread, NULL);
	check(sc, r, collect(r));
	actor_system_destroy(r->sys);
	pthread_barrier_destroy(&r->start);
	sem_destroy(&r->col.woken);
	free(r);
}

/* ---- --pingpong ------------------------------------------------------------ */

struct pong {
	struct actor *actor;
	_Atomic uint64_t handled; /* the last message handled, plus one */
	_Atomic int wakes;        /* wake calls not served yet */
	atomic_bool stop;
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
	/* Relaxed: a count of calls; the message itself is ordered by the
	 * mailbox. */
	atomic_fetch_add_explicit(&p->wakes, 1, memory_order_relaxed);
}

static void *pong_sender(void *arg)
{
	struct pong *p = arg;

	for (uint64_t k = 0; k < pingpong; k++) {
		struct actor_msg *m = actor_msg_new(NULL, NULL);
		unsigned spins = 0;
		int rc;

		if (!m)
			return NULL;
		m->tag = k;
		/* Acquire: pairs with the release in pong_handle(). */
		while (atomic_load_explicit(&p->handled,
					    memory_order_acquire) != k) {
			if (atomic_load_explicit(&p->stop,
						 memory_order_relaxed)) {
				actor_msg_free(m);
				return NULL;
			}
			if (++spins % 1024 == 0)
				sched_yield(); /* a busy machine */
		}
		rc = actor_send(p->actor, m);
		if (rc < 0) {
			/* Not taken only on -EINVAL (or while a TODO). */
			if (rc == -EINVAL || rc == -ENOSYS)
				actor_msg_free(m);
			/* Relaxed: a flag; only its value matters. */
			atomic_store_explicit(&p->error, rc,
					      memory_order_relaxed);
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

/*
 * Run the actor's turns on this thread until every round is done. Stops
 * early after PONG_CAP_S seconds while rounds still finish (a busy
 * machine), or when none has finished for PONG_STALL_S seconds: a lost
 * wake-up, which *stalled reports. Returns the rounds done.
 */
#define PONG_CAP_S 4.0
#define PONG_STALL_S 3.0
static uint64_t pong_loop(struct pong *p, bool *stalled)
{
	double start = now_s(), last = start, t;
	uint64_t got, seen = 0;
	unsigned idle = 0;
	int rc;

	*stalled = false;
	while ((got = atomic_load_explicit(&p->handled,
					   memory_order_relaxed)) < pingpong) {
		if (atomic_load_explicit(&p->wakes, memory_order_relaxed)) {
			atomic_fetch_sub_explicit(&p->wakes, 1,
						  memory_order_relaxed);
			if ((rc = actor_run(p->actor)) < 0)
				scenario_die("actor_run", rc);
		} else if (++idle % 1024 == 0) {
			sched_yield();
		}
		if ((rc = atomic_load_explicit(&p->error,
					       memory_order_relaxed)) < 0)
			scenario_die("actor_send", rc);
		if (got != seen) {
			seen = got;
			last = now_s();
			if (last - start > PONG_CAP_S)
				break;
		} else if (idle % 64 == 0 && (t = now_s()) - last >
						     PONG_STALL_S) {
			*stalled = true;
			break;
		}
	}
	return got;
}

static void pingpong_run(struct scenario *sc, unsigned long run)
{
	struct actor_system_config cfg = {.threads = 0,
					  .batch = (unsigned)batch};
	struct pong p = {0};
	struct actor_spec spec = {.name = "pong", .handle = pong_handle,
				  .state = &p, .wake = pong_wake,
				  .wake_arg = &p};
	struct actor_system *sys;
	bool stalled;
	pthread_t t;
	uint64_t got;
	int rc;

	if ((rc = actor_system_create(&sys, &cfg)) < 0)
		scenario_die("actor_system_create", rc);
	if ((rc = actor_spawn(sys, &spec, &p.actor)) < 0)
		scenario_die("actor_spawn", rc);
	pthread_create(&t, NULL, pong_sender, &p);
	got = pong_loop(&p, &stalled);
	atomic_store_explicit(&p.stop, true, memory_order_relaxed);
	pthread_join(t, NULL);
	if (stalled)
		scenario_fail(sc, run, "message %llu of %lu was never handled: "
			      "it arrived as the turn went idle, and nobody "
			      "woke the actor (a lost wake-up)",
			      (unsigned long long)got, pingpong);
	else if (!sc->quiet && got < pingpong)
		printf("actor_stress: run %lu: %llu rounds in %.0f s (a busy "
		       "machine)\n", run + 1, (unsigned long long)got,
		       PONG_CAP_S);
	actor_system_destroy(sys);
}

int main(int argc, char **argv)
{
	static const struct scenario_opt opts[] = {
		{"actors", &n_actors, "actors on the pool"},
		{"senders", &n_senders, "sending threads"},
		{"msgs", &n_msgs, "messages from each sender to each actor"},
		{"threads", &n_threads, "pool workers"},
		{"batch", &batch, "messages per turn (0: ACTOR_BATCH)"},
		{"pingpong", &pingpong, "rounds of ping-pong instead (0: off)"},
		{NULL, NULL, NULL},
	};
	struct scenario sc = {
		.name = "actor_stress",
		.summary = "senders flood actors; order, exclusion and counts "
			   "must hold",
		.runs = 20,
	};

	scenario_parse(&sc, opts, argc, argv);
	if (!n_actors || n_actors > MAX_ACTORS || !n_senders ||
	    n_senders > MAX_SENDERS || !n_threads || n_msgs > 0xffffffffu) {
		fprintf(stderr, "actor_stress: --actors 1..%d, --senders "
			"1..%d, --threads >= 1\n", MAX_ACTORS, MAX_SENDERS);
		return 2;
	}
	json_object_seed(0);
	for (unsigned long run = 0; run < sc.runs; run++)
		if (pingpong)
			pingpong_run(&sc, run);
		else
			one_run(&sc, run);
	return scenario_finish(&sc);
}
