// SPDX-License-Identifier: MIT
/*
 * The explorer's scheduler, inside one schedule's child process: real
 * pthreads, each parked on its own futex word, of which exactly one runs.
 * At every scheduling point the running thread picks who goes next (the
 * schedule's prefix, then the strategy's rule) and hands over its turn.
 * Everything it decides is written to the memory it shares with the parent
 * (explore_int.h), which owns the search.
 */
#include "explore.h"
#include "explore_int.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

enum th_state { TH_FREE, TH_RUNNABLE, TH_BLOCKED, TH_DONE };

struct ex_thread {
	_Atomic uint32_t turn; /* 1: this thread may run */
	enum th_state state;
	/* what it waits for, while TH_BLOCKED */
	enum ex_wait wait;
	const void *waddr;
	uint32_t wval;
	bool timed;
	uint64_t wseq;	  /* FIFO order of the waits */
	uint32_t wstep;	  /* the step at which it went to sleep */
	enum ex_wake wake; /* why it was woken */
	uintptr_t handle;  /* its pthread_t */
	/* spin detection: its last atomic access */
	const volatile void *last_addr;
	uint64_t last_version;
	bool last_quiet; /* that access changed nothing */
	int64_t prio;	  /* PCT */
};

struct ex_shared *ex_shm;
_Thread_local int ex_self = -1;

static struct ex_thread thr[EX_MAX_THREADS];
static int nthr;
static uint64_t version;      /* bumped by every write that changes a value */
static uint64_t wait_counter; /* orders the waits */
static int preempted = -1;    /* flag this thread's next step */
static uint64_t rng_state;

struct ex_label {
	const volatile void *addr;
	char name[24];
};
static struct ex_label labels[256];
static int nlabels;
static unsigned nauto[4];

static uint64_t rng_next(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

void explore_name(const volatile void *addr, const char *name)
{
	for (int i = 0; i < nlabels; i++)
		if (labels[i].addr == addr) {
			snprintf(labels[i].name, sizeof(labels[i].name), "%s",
				 name);
			return;
		}
	if (nlabels < (int)(sizeof(labels) / sizeof(labels[0]))) {
		labels[nlabels].addr = addr;
		snprintf(labels[nlabels].name, sizeof(labels[0].name), "%s",
			 name);
		nlabels++;
	}
}

/* A location's name: the one the test gave it, or w1, m1, c1, q1... (a
 * word, a pthread mutex, a condition, a queue) in the order the schedule
 * first touches them, which a replay repeats. */
const char *ex_name(const volatile void *addr, char kind)
{
	const char *kinds = "wmcq";
	int k = (int)(strchr(kinds, kind) - kinds);
	char buf[24];

	for (int i = 0; i < nlabels; i++)
		if (labels[i].addr == addr)
			return labels[i].name;
	snprintf(buf, sizeof(buf), "%c%u", kind, ++nauto[k]);
	explore_name(addr, buf);
	for (int i = 0; i < nlabels; i++)
		if (labels[i].addr == addr)
			return labels[i].name;
	return "?";
}

void ex_record(uintptr_t pc, const char *fmt, ...)
{
	struct ex_shared *s = ex_shm;
	struct ex_step *st;
	va_list ap;

	if (s->nsteps >= EX_MAX_STEPS)
		return;
	st = &s->step[s->nsteps++];
	st->pc = pc;
	st->tid = (uint8_t)ex_self;
	st->flags = preempted == ex_self ? EX_STEP_PREEMPTED : 0;
	if (preempted == ex_self)
		preempted = -1;
	va_start(ap, fmt);
	vsnprintf(st->text, sizeof(st->text), fmt, ap);
	va_end(ap);
}

void explore_say(const char *fmt, ...)
{
	char text[EX_TEXT];
	va_list ap;

	if (!ex_active())
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	ex_record((uintptr_t)__builtin_return_address(0), "%s", text);
}

void ex_end(enum ex_outcome o, const char *fmt, ...)
{
	struct ex_shared *s = ex_shm;
	int none = EX_NONE;
	va_list ap;

	if (atomic_compare_exchange_strong(&s->outcome, &none, (int)o)) {
		va_start(ap, fmt);
		vsnprintf(s->message, sizeof(s->message), fmt, ap);
		va_end(ap);
		s->nthreads = (uint32_t)nthr;
	}
	_exit(o == EX_PASS ? 0 : 1);
}

void explore_fail(const char *fmt, ...)
{
	char msg[EX_MESSAGE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ex_end(EX_FAIL, "%s", msg);
}

void explore_setup_error(const char *fmt, ...)
{
	char msg[EX_MESSAGE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ex_end(EX_SETUP, "%s", msg);
}

bool ex_spin_check(const volatile void *addr)
{
	struct ex_thread *me = &thr[ex_self];

	return me->last_addr == addr && me->last_quiet &&
	       me->last_version == version;
}

void ex_note_access(const volatile void *addr, bool changed)
{
	struct ex_thread *me = &thr[ex_self];

	if (changed)
		version++;
	me->last_addr = addr;
	me->last_version = version;
	me->last_quiet = !changed;
}

/* -- who sleeps on what, for the "every thread is blocked" verdict ------- */

static int describe(int t, char *out, size_t cap)
{
	const struct ex_thread *x = &thr[t];

	switch (x->wait) {
	case EX_W_FUTEX:
		return snprintf(out, cap,
				"T%d sleeps in futex_wait(%s==%u) since step "
				"%u, and %s is %u now",
				t, ex_name(x->waddr, 'w'), x->wval, x->wstep,
				ex_name(x->waddr, 'w'),
				*(const volatile uint32_t *)x->waddr);
	case EX_W_MUTEX:
		return snprintf(out, cap,
				"T%d waits for pthread mutex %s since step %u",
				t, ex_name(x->waddr, 'm'), x->wstep);
	case EX_W_COND:
		return snprintf(out, cap,
				"T%d waits on condition %s since step %u", t,
				ex_name(x->waddr, 'c'), x->wstep);
	case EX_W_JOIN:
		return snprintf(out, cap, "T%d joins T%d", t,
				(int)(uintptr_t)x->waddr);
	case EX_W_IDLE:
		return snprintf(out, cap, "T%d waits for the others to idle",
				t);
	default:
		return snprintf(out, cap, "T%d is blocked", t);
	}
}

static void deadlock(void)
{
	char msg[EX_MESSAGE] = "every thread is blocked (a lost wake-up or "
			       "a deadlock): ";
	size_t len = strlen(msg);
	bool first = true;

	for (int t = 0; t < nthr && len < sizeof(msg) - 2; t++) {
		if (thr[t].state != TH_BLOCKED)
			continue;
		if (!first)
			len += (size_t)snprintf(msg + len, sizeof(msg) - len,
						"; ");
		first = false;
		if (len < sizeof(msg))
			len += (size_t)describe(t, msg + len,
						sizeof(msg) - len);
	}
	ex_end(EX_FAIL, "%s", msg);
}

/* -- choosing the next thread -------------------------------------------- */

static int strategy_choose(const struct ex_decision *d)
{
	uint32_t set = d->cands, en = d->en;
	int best = -1;

	switch (ex_shm->strategy) {
	case EX_RANDOM:
		if (d->mode == EX_MODE_YIELD && (en & ~(1u << d->cur)))
			set &= ~(1u << d->cur);
		for (unsigned k = (unsigned)(rng_next() %
					     (unsigned)__builtin_popcount(set));
		     k; k--)
			set &= set - 1;
		return __builtin_ctz(set);
	case EX_PCT:
		for (int t = 0; t < nthr; t++)
			if ((en & (1u << t)) &&
			    (best < 0 || thr[t].prio > thr[best].prio))
				best = t;
		return best >= 0 ? best : ex_default(d);
	default:
		return ex_default(d);
	}
}

/* No thread can run: a thread in explore_wait_idle() may go on (the
 * first of them; a test has one). Returns its bit, or 0. */
static uint32_t wake_idle_waiter(void)
{
	for (int t = 0; t < nthr; t++)
		if (thr[t].state == TH_BLOCKED && thr[t].wait == EX_W_IDLE) {
			thr[t].state = TH_RUNNABLE;
			thr[t].wait = EX_W_NONE;
			thr[t].wake = EX_WOKEN;
			return 1u << t;
		}
	return 0;
}

static int pick(enum ex_mode mode)
{
	struct ex_shared *s = ex_shm;
	struct ex_decision d = {0, 0, (uint8_t)ex_self, (uint8_t)mode, 0, 0};
	uint32_t timed = 0;

	for (int t = 0; t < nthr; t++) {
		const struct ex_thread *x = &thr[t];

		if (x->state == TH_RUNNABLE)
			d.en |= 1u << t;
		else if (x->state == TH_BLOCKED && x->timed)
			timed |= 1u << t;
		else if (x->state == TH_BLOCKED && s->spurious &&
			 x->wait == EX_W_COND)
			d.cands |= 1u << t;
	}
	if (d.en == 0)
		d.en = wake_idle_waiter();
	d.cands |= d.en | timed;
	if (d.en == 0 && timed == 0)
		deadlock();
	if (__builtin_popcount(d.cands) == 1)
		return __builtin_ctz(d.cands);
	if (s->ndec >= EX_MAX_DECISIONS)
		ex_end(EX_FAIL, "livelock: %u decisions without the test "
				"ending", s->ndec);
	d.chosen = (uint8_t)(s->ndec < s->nprefix ? s->prefix[s->ndec]
						  : strategy_choose(&d));
	if (d.chosen >= EX_MAX_THREADS || !(d.cands & (1u << d.chosen)))
		ex_end(EX_NONDET,
		       "the schedule does not fit this program at decision "
		       "%u: T%u cannot run there (runnable: 0x%x)",
		       s->ndec + 1, d.chosen, d.cands);
	s->dec[s->ndec++] = d;
	if (ex_cost(&d, d.chosen))
		preempted = d.chosen;
	return d.chosen;
}

static void wait_turn(int me)
{
	while (atomic_load(&thr[me].turn) == 0)
		ex_real_futex(&thr[me].turn, FUTEX_WAIT_PRIVATE, 0);
}

static void give_turn(int t)
{
	atomic_store(&thr[t].turn, 1);
	ex_real_futex(&thr[t].turn, FUTEX_WAKE_PRIVATE, 1);
}

/* Run t next: wake it if it was chosen to time out or wake spuriously. */
static void go(int t)
{
	struct ex_thread *x = &thr[t];
	int me = ex_self;

	if (x->state == TH_BLOCKED) {
		x->state = TH_RUNNABLE;
		x->wake = x->timed ? EX_TIMEDOUT : EX_SPURIOUS;
		x->wait = EX_W_NONE;
	}
	if (t == me)
		return;
	atomic_store(&thr[me].turn, 0);
	give_turn(t);
	wait_turn(me);
}

static void pct_step(void)
{
	struct ex_shared *s = ex_shm;

	for (unsigned i = 0; i + 1 < s->depth && i < 4; i++)
		if (s->npoints == s->change[i])
			thr[ex_self].prio = (int64_t)i + 1 - INT32_MAX;
}

/* A thread that yields waits for another: below every other, or PCT
 * would run it again and again. */
static void pct_yield(void)
{
	int64_t low = thr[ex_self].prio;

	for (int t = 0; t < nthr; t++)
		if (thr[t].prio < low)
			low = thr[t].prio;
	thr[ex_self].prio = low - 1;
}

void ex_point(bool yield)
{
	struct ex_shared *s = ex_shm;

	if (++s->npoints > s->max_steps)
		ex_end(EX_FAIL,
		       "livelock: %u scheduling points without the test "
		       "ending (a thread that waits for ever?)",
		       s->max_steps);
	if (s->strategy == EX_PCT) {
		pct_step();
		if (yield)
			pct_yield();
	}
	go(pick(yield ? EX_MODE_YIELD : EX_MODE_RUN));
}

int ex_block(enum ex_wait w, const void *addr, uint32_t val, bool timed,
	     const void *aux)
{
	struct ex_thread *me = &thr[ex_self];

	(void)aux;
	me->state = TH_BLOCKED;
	me->wait = w;
	me->waddr = addr;
	me->wval = val;
	me->timed = timed;
	me->wseq = ++wait_counter;
	me->wstep = ex_shm->nsteps;
	me->last_addr = NULL;
	go(pick(EX_MODE_GONE));
	return (int)me->wake;
}

/* Wake up to n threads that wait for w on addr, the longest waiting first.
 * Says whom in who ("T1 T2", or "nobody"). Returns how many. */
int ex_wake(enum ex_wait w, const void *addr, int n, char *who, size_t cap)
{
	int woken = 0;
	size_t len = 0;

	who[0] = '\0';
	while (woken < n) {
		int first = -1;

		for (int t = 0; t < nthr; t++)
			if (thr[t].state == TH_BLOCKED && thr[t].wait == w &&
			    thr[t].waddr == addr &&
			    (first < 0 || thr[t].wseq < thr[first].wseq))
				first = t;
		if (first < 0)
			break;
		thr[first].state = TH_RUNNABLE;
		thr[first].wait = EX_W_NONE;
		thr[first].wake = EX_WOKEN;
		woken++;
		if (len < cap)
			len += (size_t)snprintf(who + len, cap - len, "%sT%d",
						len ? " " : "", first);
	}
	if (!woken)
		snprintf(who, cap, "nobody");
	return woken;
}

void explore_wait_idle(void)
{
	uintptr_t pc = (uintptr_t)__builtin_return_address(0);

	if (!ex_active())
		return;
	ex_record(pc, "waits for all to idle");
	ex_block(EX_W_IDLE, NULL, 0, false, NULL);
	ex_record(pc, "all others idle");
}

/* -- threads ---------------------------------------------------------------- */

static void thread_init(int t)
{
	memset(&thr[t], 0, sizeof(thr[t]));
	thr[t].state = TH_RUNNABLE;
	thr[t].prio = (int64_t)(rng_next() % 1000000);
}

int ex_thread_new(void)
{
	if (nthr >= EX_MAX_THREADS)
		ex_end(EX_SETUP, "more than %d threads: the explorer's limit",
		       EX_MAX_THREADS);
	thread_init(nthr);
	ex_shm->nthreads = (uint32_t)(nthr + 1);
	return nthr++;
}

void ex_thread_set_handle(int tid, uintptr_t handle)
{
	thr[tid].handle = handle;
}

int ex_thread_of(uintptr_t handle)
{
	for (int t = 1; t < nthr; t++)
		if (thr[t].handle == handle)
			return t;
	return -1;
}

bool ex_thread_done(int tid)
{
	return thr[tid].state == TH_DONE;
}

void ex_thread_start(int tid)
{
	ex_self = tid;
	wait_turn(tid);
	ex_record(0, "starts");
}

/* The calling thread ends: wake its joiners, hand the turn on for good. */
void ex_thread_finish(void)
{
	char who[64];
	int me = ex_self, next;

	thr[me].state = TH_DONE;
	ex_wake(EX_W_JOIN, (const void *)(uintptr_t)me, INT_MAX, who,
		sizeof(who));
	ex_record(0, "exits");
	next = pick(EX_MODE_GONE);
	if (thr[next].state == TH_BLOCKED) {
		thr[next].state = TH_RUNNABLE;
		thr[next].wake = thr[next].timed ? EX_TIMEDOUT : EX_SPURIOUS;
		thr[next].wait = EX_W_NONE;
	}
	ex_self = -1;
	give_turn(next);
}

/* Run the body as thread 0 of a schedule, then judge how it ended. */
void ex_child_run(void (*body)(void))
{
	rng_state = ex_shm->seed;
	nthr = 1;
	thread_init(0);
	ex_shm->nthreads = 1;
	ex_self = 0;
	body();
	for (int t = 1; t < nthr; t++) {
		char what[200];

		if (thr[t].state == TH_DONE)
			continue;
		if (thr[t].state == TH_BLOCKED)
			describe(t, what, sizeof(what));
		else
			snprintf(what, sizeof(what), "T%d still runs", t);
		ex_end(EX_FAIL, "the test ended, but %s (never joined)",
		       what);
	}
	ex_end(EX_PASS, "%s", "");
}
