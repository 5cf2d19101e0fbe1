/* SPDX-License-Identifier: MIT */
/*
 * explore_int.h - what the explorer's files share: the record that a
 * schedule's child process writes into memory shared with the parent, the
 * scheduler's thread table, and the rules for choosing a thread, which the
 * child (to run a schedule) and the parent (to search and to shorten the
 * schedule string) must apply identically.
 */
#ifndef LAB_EXPLORE_INT_H
#define LAB_EXPLORE_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EX_MAX_THREADS 16
#define EX_MAX_DECISIONS 8192
#define EX_MAX_STEPS 8192
#define EX_TEXT 56
#define EX_MESSAGE 1024

enum ex_strategy { EX_DFS, EX_PCT, EX_RANDOM, EX_REPLAY };

/* How the running thread reached a decision. */
enum ex_mode {
	EX_MODE_RUN,   /* at a scheduling point, still runnable */
	EX_MODE_YIELD, /* at a yield: sched_yield, or a spin on a value */
	EX_MODE_GONE,  /* blocked or finished: someone else must run */
};

enum ex_outcome {
	EX_PASS,
	EX_FAIL,
	EX_SETUP,  /* the body called explore_setup_error() */
	EX_NONDET, /* a replayed prefix did not fit: not deterministic */
	EX_NONE,   /* the child ended without saying (crash, exit, hang) */
};

/* One decision: a scheduling point where more than one thread could go. */
struct ex_decision {
	uint32_t cands; /* threads that could go (bit i: thread i) */
	uint32_t en;    /* of those, the runnable ones (not a wake-up) */
	uint8_t cur;    /* the thread that was running */
	uint8_t mode;   /* enum ex_mode */
	uint8_t chosen;
	uint8_t pad;
};

enum { EX_STEP_PREEMPTED = 1 }; /* the first step after a preemption */

/* One row of the timeline. */
struct ex_step {
	uintptr_t pc; /* return address into the caller; 0: none */
	uint8_t tid;
	uint8_t flags;
	char text[EX_TEXT];
};

/* Written by the parent before each fork (in), by the child (out). */
struct ex_shared {
	/* in */
	enum ex_strategy strategy;
	uint64_t seed;
	unsigned depth;		 /* PCT */
	uint32_t change[4];	 /* PCT's priority change points (steps) */
	unsigned max_steps;	 /* scheduling points before "livelock" */
	bool spurious;
	bool plain; /* plain accesses of 1 to 8 bytes are points too */
	uint32_t nprefix;
	uint8_t prefix[EX_MAX_DECISIONS];
	/* out */
	_Atomic int outcome;
	char message[EX_MESSAGE];
	uint32_t npoints;
	uint32_t nthreads;
	uint32_t ndec;
	uint32_t nsteps;
	struct ex_decision dec[EX_MAX_DECISIONS];
	struct ex_step step[EX_MAX_STEPS];
};

/* The default choice: keep the running thread, unless it cannot or it
 * yields; then the next runnable one after it, in thread order. */
static inline int ex_rr_next(uint32_t set, int cur)
{
	for (int k = 1; k <= EX_MAX_THREADS; k++) {
		int t = (cur + k) % EX_MAX_THREADS;

		if (set & (1u << t))
			return t;
	}
	return -1;
}

static inline int ex_default(const struct ex_decision *d)
{
	uint32_t others = d->en & ~(1u << d->cur);

	if (d->mode == EX_MODE_RUN)
		return d->cur;
	if (others)
		return ex_rr_next(others, d->cur);
	if (d->mode == EX_MODE_YIELD)
		return d->cur;
	return ex_rr_next(d->cands, d->cur); /* nobody runnable: a timeout */
}

/*
 * Does choosing t cost a preemption? CHESS: switching away from a thread
 * that could go on does. At a yield only the next thread in turn is free:
 * any other choice (staying, or skipping a thread) costs one, so that the
 * bound also bounds starvation, and spin loops that yield to each other
 * cannot keep a third thread from ever running for free.
 */
static inline int ex_cost(const struct ex_decision *d, int t)
{
	/* A time-out or a spurious wake-up costs one too, unless nobody
	 * else could run. */
	if (!(d->en & (1u << t)))
		return d->en != 0;
	if (d->mode == EX_MODE_RUN)
		return t != d->cur;
	if (d->mode == EX_MODE_YIELD)
		return t != ex_default(d);
	return 0;
}

/* The child's side (sched.c), for the hooks and the interceptors. */
extern struct ex_shared *ex_shm;
extern _Thread_local int ex_self; /* -1: not a thread of a schedule */

static inline bool ex_active(void)
{
	return ex_self >= 0;
}

enum ex_wait {
	EX_W_NONE,
	EX_W_FUTEX,
	EX_W_MUTEX,
	EX_W_COND,
	EX_W_JOIN,
	EX_W_IDLE, /* explore_wait_idle(): until no other thread can run */
};
enum ex_wake { EX_WOKEN, EX_TIMEDOUT, EX_SPURIOUS };

void ex_child_run(void (*body)(void)) __attribute__((noreturn));
void ex_point(bool yield);
int ex_block(enum ex_wait w, const void *addr, uint32_t val, bool timed,
	     const void *aux);
int ex_wake(enum ex_wait w, const void *addr, int n, char *who, size_t cap);
void ex_record(uintptr_t pc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ex_end(enum ex_outcome o, const char *fmt, ...) __attribute__((noreturn))
__attribute__((format(printf, 2, 3)));
const char *ex_name(const volatile void *addr, char kind);
bool ex_spin_check(const volatile void *addr);
void ex_note_access(const volatile void *addr, bool changed);
int ex_thread_new(void);
void ex_thread_start(int tid);
void ex_thread_finish(void);
int ex_thread_of(uintptr_t handle);
void ex_thread_set_handle(int tid, uintptr_t handle);
bool ex_thread_done(int tid);
long ex_real_futex(_Atomic uint32_t *addr, int op, uint32_t val);
void ex_resolve_real(void);

/* The parent's side (report.c). */
void ex_sched_string(const struct ex_shared *s, char *out, size_t cap);
int ex_sched_parse(const char *str, uint8_t *out, uint32_t *n);
unsigned ex_preemptions(const struct ex_shared *s);
void ex_print_timeline(const struct ex_shared *s);

#endif /* LAB_EXPLORE_INT_H */
