// SPDX-License-Identifier: MIT
/*
 * tsan_noise.c - seeded schedule noise at the atomic operations of a
 * program built with gcc's ThreadSanitizer; race-detect preloads it into
 * its tsan-gcc runs (LD_PRELOAD).
 *
 * A race between two plain accesses that sit between two atomics of the
 * program (a custom lock that lets two writers in, a flag published one
 * store too early) is reported only if the threads really interleave
 * there. Short programs rarely do: each thread may finish its loop before
 * the next one has started. gcc's TSan runtime is a shared library whose
 * __tsan_atomic* entry points are called for every atomic operation of the
 * instrumented code, so a library loaded first can stand in front of them:
 * each wrapper performs the real operation, then may give the CPU away:
 *
 *   - after an operation that can release (a store, or a read-modify-write
 *     with release, acq_rel or seq_cst order), one time in four, drawn
 *     from preempt.h's seeded generator, it sleeps for a few microseconds:
 *     the window just after a release is where a plain access that
 *     belonged inside the critical section sits, and the other threads,
 *     on other cores or on this one, now get to run in it. A sleep, not a
 *     sched_yield(): on an idle machine each thread has a core to itself,
 *     a yield returns at once, and the window stays as narrow as it was.
 *     Each thread sleeps at most NOISE_SLEEPS times and yields after that,
 *     so a program of a million atomic operations is not held up for
 *     tens of seconds;
 *   - after a failed compare-exchange, always: the thread lost a race for
 *     a word that another thread holds, and yielding lets the holder run.
 *     Without it, threads spinning on a lock that a preempted thread holds
 *     burn whole time slices, and a program of ten spinning threads on two
 *     cores runs many times slower than it should.
 *
 * Loads and successful compare-exchanges go by at full speed: the thread
 * may have just taken a lock, and yielding while holding one is what makes
 * spinners convoy.
 *
 * The noise changes timing, never what an operation does or which memory
 * order it has, so it cannot make TSan report a race that is not there:
 * TSan judges happens-before, not time. clang links TSan's runtime into
 * the executable, where no library can stand in front of it; race-detect's
 * tsan-clang runs are the unperturbed ones.
 *
 * The seed is the runner's SEED, and each thread's generator is seeded on
 * its first releasing atomic from that seed and the thread's own address,
 * so threads do not share a sequence.
 */
#define _GNU_SOURCE
#include "preempt.h"

#include <dlfcn.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

typedef int morder;	/* tsan_interface_atomic.h's __tsan_memory_order */

static _Thread_local bool seeded;

__attribute__((constructor)) static void noise_start(void)
{
	const char *s = getenv("SEED");

	lab_noise_init(s ? strtoull(s, NULL, 10) : 1, true);
}

/* __tsan_memory_order's release, acq_rel and seq_cst (the low bits; gcc
 * may add HLE hints above them) */
static bool releases(morder mo)
{
	return (mo & 0xffff) >= 3;
}

/* How many times one thread sleeps, and for how long at most: the kernel
 * rounds a sleep up to its timer slack (50 us by default), so each one
 * lasts some tens of microseconds, long enough for another thread to run
 * a loop body. */
#define NOISE_SLEEPS 2048
#define NOISE_SLEEP_NS 20000

static _Thread_local unsigned slept;

/* after an operation of order mo: one time in four, if it released, sleep
 * (or yield, once the thread's sleeps are spent) */
static void noise(morder mo)
{
	if (!releases(mo))
		return;
	if (!seeded) {
		seeded = true;
		lab_noise_thread((uintptr_t)&seeded);
	}
	uint64_t r = lab_noise_rand();

	if ((r & 3) != 0)
		return;
	if (slept < NOISE_SLEEPS) {
		struct timespec ts = { 0, 1000 + (long)((r >> 8) % NOISE_SLEEP_NS) };

		slept++;
		nanosleep(&ts, NULL);
	} else {
		sched_yield();
	}
}

/* The real entry point, looked up once; a missing one ends the run loudly
 * rather than letting an atomic operation silently not happen. */
static void *real(void **slot, const char *name)
{
	/* Relaxed, load and store: every thread that races here stores the
	 * same pointer, which dlsym returned for the same name, and the
	 * function it points at was ready before dlsym returned; a thread
	 * that sees NULL only looks it up again. */
	void *f = __atomic_load_n(slot, __ATOMIC_RELAXED);

	if (!f) {
		f = dlsym(RTLD_NEXT, name);
		if (!f) {
			fprintf(stderr, "tsan_noise: %s not found: is this a gcc TSan build?\n", name);
			abort();
		}
		__atomic_store_n(slot, f, __ATOMIC_RELAXED);
	}
	return f;
}

#define REAL(ret, name, ...) \
	static void *slot; \
	ret (*f)(__VA_ARGS__) = (ret (*)(__VA_ARGS__))real(&slot, #name)

/* The operand types, by size; vN is what the entry points point at. */
typedef unsigned char a8;
typedef unsigned short a16;
typedef unsigned int a32;
typedef unsigned long long a64;
typedef volatile a8 v8;
typedef volatile a16 v16;
typedef volatile a32 v32;
typedef volatile a64 v64;
#ifdef __SIZEOF_INT128__
typedef unsigned __int128 a128;
typedef volatile a128 v128;
#endif

#define LOAD(N) \
	a##N __tsan_atomic##N##_load(const v##N *a, morder mo) \
	{ \
		REAL(a##N, __tsan_atomic##N##_load, const v##N *, morder); \
		return f(a, mo); \
	}

#define STORE(N) \
	void __tsan_atomic##N##_store(v##N *a, a##N v, morder mo) \
	{ \
		REAL(void, __tsan_atomic##N##_store, v##N *, a##N, morder); \
		f(a, v, mo); \
		noise(mo); \
	}

#define RMW(N, OP) \
	a##N __tsan_atomic##N##_##OP(v##N *a, a##N v, morder mo) \
	{ \
		REAL(a##N, __tsan_atomic##N##_##OP, v##N *, a##N, morder); \
		a##N r = f(a, v, mo); \
		noise(mo); \
		return r; \
	}

#define CAS(N, KIND) \
	int __tsan_atomic##N##_compare_exchange_##KIND(v##N *a, a##N *c, a##N v, \
						      morder mo, morder fmo) \
	{ \
		REAL(int, __tsan_atomic##N##_compare_exchange_##KIND, v##N *, \
		     a##N *, a##N, morder, morder); \
		int r = f(a, c, v, mo, fmo); \
		if (!r) \
			sched_yield(); \
		return r; \
	}

#define CAS_VAL(N) \
	a##N __tsan_atomic##N##_compare_exchange_val(v##N *a, a##N c, a##N v, \
						     morder mo, morder fmo) \
	{ \
		REAL(a##N, __tsan_atomic##N##_compare_exchange_val, v##N *, a##N, \
		     a##N, morder, morder); \
		a##N r = f(a, c, v, mo, fmo); \
		if (r != c) \
			sched_yield(); \
		return r; \
	}

#define ALL(N) \
	LOAD(N) STORE(N) \
	RMW(N, exchange) RMW(N, fetch_add) RMW(N, fetch_sub) \
	RMW(N, fetch_and) RMW(N, fetch_or) RMW(N, fetch_xor) \
	RMW(N, fetch_nand) \
	CAS(N, strong) CAS(N, weak) CAS_VAL(N)

ALL(8)
ALL(16)
ALL(32)
ALL(64)
#ifdef __SIZEOF_INT128__
ALL(128)
#endif

void __tsan_atomic_thread_fence(morder mo)
{
	REAL(void, __tsan_atomic_thread_fence, morder);
	f(mo);
	noise(mo);
}
