// SPDX-License-Identifier: MIT
/*
 * Lab 02 benchmarks: the lab's futex mutex against pthread_mutex_t, the
 * chapter's two-state always-wake mutex and a spinlock, uncontended (one
 * thread, acquire+release) and contended (1, 2 and 4 threads hammering one
 * lock around a one-increment critical section).
 *
 * Every lock gets the same code through one macro, with direct calls, so
 * that no lock pays for an indirect call the others do not.
 */
#include <errno.h>
#include <pthread.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdio.h>

#include "bench.h"
#include "mutex.h"
/* The student copy (make dist-student) leaves the always-wake mutex out:
 * it is the chapter's mutex in C, half of lab 02's answer. */
#if __has_include("mutex2_always_wake.h")
#include "mutex2_always_wake.h"
#define HAVE_ALWAYS_WAKE 1
#endif
#include "spinlock_ttas.h"

/* Uncontended pairs per bench_keep_running_batch() call: enough that the
 * call into the C++ library is not what we measure. */
#define BATCH 64

/* The contended cases run twice: threads that do nothing but take the lock
 * (outside:0), and threads that also work a little between critical
 * sections (outside:OUTSIDE_WORK multiplications), as real threads do. */
#define OUTSIDE_WORK 200

/* The spinlock's functions are inline; these keep them out of line like
 * the other locks' functions, so that each pair costs two calls. */
__attribute__((noinline)) static void spin_lock(struct spinlock_ttas *l)
{
	spinlock_ttas_acquire(l);
}

__attribute__((noinline)) static void spin_unlock(struct spinlock_ttas *l)
{
	spinlock_ttas_release(l);
}

/* Work a thread does outside the lock between two critical sections: a
 * chain of dependent multiplications the compiler cannot drop, about a
 * nanosecond each. */
static inline void local_work(int64_t n)
{
	uint64_t x = (uint64_t)n;

	for (int64_t k = 0; k < n; k++) {
		x = x * 6364136223846793005u + 1442695040888963407u;
		BENCH_DO_NOT_OPTIMIZE(x);
	}
}

/* The lab's calls return an errno; a failure ends the case with it. */
#define LAB_OK(s, call)                                                        \
	do {                                                                   \
		int rc_ = (call);                                              \
		if (rc_ != 0) {                                                \
			char msg_[96];                                         \
			snprintf(msg_, sizeof(msg_), "%s returned %d", #call,  \
				 rc_);                                         \
			bench_skip_with_error(s, msg_);                        \
			return;                                                \
		}                                                              \
	} while (0)

/*
 * LOCK_CASES(tag, type, init, lock, unlock) defines bm_uncontended_tag and
 * bm_contended_tag for one kind of lock. lock and unlock are expressions of
 * the lock's address (L) that evaluate to 0 on success.
 *
 * Contended: every thread runs the same number of iterations (the library
 * does that), so after the stop barrier the shared counter must equal
 * iterations x threads; anything else means two threads were inside at
 * once, and the case reports that as an error instead of a figure.
 */
#define LOCK_CASES(tag, type, init, lock, unlock)                              \
	static struct {                                                        \
		alignas(64) type l;                                            \
		long counter;                                                  \
	} shared_##tag;                                                        \
                                                                               \
	static void bm_uncontended_##tag(struct bench_state *s)                \
	{                                                                      \
		type *L = &shared_##tag.l;                                     \
		init;                                                          \
		while (bench_keep_running_batch(s, BATCH))                     \
			for (int k = 0; k < BATCH; k++) {                      \
				LAB_OK(s, lock);                               \
				LAB_OK(s, unlock);                             \
			}                                                      \
		bench_items_processed(s, bench_iterations(s));                 \
	}                                                                      \
                                                                               \
	static void bm_contended_##tag(struct bench_state *s)                  \
	{                                                                      \
		type *L = &shared_##tag.l;                                     \
		if (bench_thread_index(s) == 0) {                              \
			init;                                                  \
			shared_##tag.counter = 0;                              \
		}                                                              \
		int64_t work = bench_range(s, 0);                              \
		while (bench_keep_running(s)) {                                \
			LAB_OK(s, lock);                                       \
			shared_##tag.counter++;                                \
			bench_clobber_memory();                                \
			LAB_OK(s, unlock);                                     \
			local_work(work);                                      \
		}                                                              \
		bench_items_processed(s, bench_iterations(s));                 \
		if (bench_thread_index(s) == 0 &&                              \
		    shared_##tag.counter !=                                    \
			bench_iterations(s) * bench_thread_count(s))           \
			bench_skip_with_error(s, "lost updates: two threads "  \
						 "were inside at once");       \
	}

LOCK_CASES(lab, struct mutex, mutex_init(L), mutex_acquire(L), mutex_release(L))
LOCK_CASES(pthread, pthread_mutex_t, pthread_mutex_init(L, NULL),
	   pthread_mutex_lock(L), pthread_mutex_unlock(L))
#ifdef HAVE_ALWAYS_WAKE
LOCK_CASES(always_wake, struct mutex2, mutex2_init(L), mutex2_acquire(L),
	   mutex2_release(L))
#endif
LOCK_CASES(spinlock, struct spinlock_ttas, spinlock_ttas_init(L),
	   (spin_lock(L), 0), (spin_unlock(L), 0))

static void add(const char *name, void (*uncontended)(struct bench_state *),
		void (*contended)(struct bench_state *))
{
	char buf[96];
	struct bench *b;

	snprintf(buf, sizeof(buf), "mutex/uncontended/%s", name);
	bench_register(buf, uncontended);
	snprintf(buf, sizeof(buf), "mutex/contended/%s", name);
	b = bench_real_time(bench_register(buf, contended));
	bench_arg_name(bench_arg(bench_arg(b, 0), OUTSIDE_WORK), "outside");
	for (int n = 1; n <= 4; n *= 2)
		bench_threads(b, n);
}

BENCH_CASES(mutex_cases)
{
	add("lab", bm_uncontended_lab, bm_contended_lab);
	add("pthread", bm_uncontended_pthread, bm_contended_pthread);
#ifdef HAVE_ALWAYS_WAKE
	add("always_wake", bm_uncontended_always_wake,
	    bm_contended_always_wake);
#endif
	add("spinlock", bm_uncontended_spinlock, bm_contended_spinlock);
}
