/* SPDX-License-Identifier: MIT */
/*
 * bench.h - Google Benchmark from C.
 *
 * Google Benchmark is a C++ library; this header is the whole of it that a
 * benchmark written in C needs, and bench.cc is the thin shim behind it. A
 * benchmark is a function that loops while bench_keep_running() says so;
 * the library decides how many iterations to run, times them, repeats the
 * measurement, runs the function in several threads at once when asked,
 * and prints the console table and the JSON file itself. The shim also
 * provides main(), so a lab's benchmark program is nothing but C files that
 * register their cases with BENCH_CASES():
 *
 *	static void bm_lock(struct bench_state *s)
 *	{
 *		while (bench_keep_running(s)) {
 *			mutex_acquire(&m);
 *			mutex_release(&m);
 *		}
 *		bench_items_processed(s, bench_iterations(s));
 *	}
 *
 *	BENCH_CASES(mutex_cases)
 *	{
 *		bench_threads(bench_real_time(bench_register("lock", bm_lock)),
 *2);
 *	}
 *
 * Threads: a case registered with bench_threads(b, n) runs its function in
 * n threads at once; each runs the same number of iterations, and all of
 * them start and stop the clock together (the library holds them at a
 * barrier inside the first and the last bench_keep_running()). So set-up
 * done before the loop by thread 0 is visible to every thread in the loop,
 * and tear-down after the loop by thread 0 runs after every thread left it.
 * Counters, items and bytes are added up over the threads. Use
 * bench_real_time() for anything with threads: CPU time of one thread says
 * nothing about a hand-off between two.
 *
 * Environment, read by main():
 *   BENCH_SMOKE=1            every case runs exactly one iteration (make test)
 *   BENCH_COUNT_SYSCALL=name count the calls of one system call (e.g. futex)
 *                            each thread makes inside its loop, with a perf
 *                            tracepoint counter opened by that thread; each
 *                            case then gets a counter "name_per_Mop": calls
 *                            per million iterations, summed over threads.
 *   BENCH_SRC=tree           recorded in the JSON context ("bench_src").
 *
 * Registration functions must run before main() (BENCH_CASES does that);
 * the functions used inside a benchmark may be called from its threads.
 * Nothing here prints, except main(), which is Google Benchmark's.
 */
#ifndef LAB_BENCH_H
#define LAB_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bench;	    /* a registered case: benchmark::internal::Benchmark */
struct bench_state; /* one thread's view of one run: benchmark::State */

enum bench_unit { BENCH_NS, BENCH_US, BENCH_MS, BENCH_S };

/* Flags of bench_counter(), as Google Benchmark's Counter::Flags. */
enum bench_counter_flags {
	BENCH_COUNTER_PLAIN = 0,
	BENCH_COUNTER_RATE = 1 << 0, /* divided by the seconds measured */
	BENCH_COUNTER_AVG_THREADS = 1 << 1,   /* divided by the thread count */
	BENCH_COUNTER_PER_ITERATION = 1 << 2, /* divided by the iterations */
	BENCH_COUNTER_INVERT = 1 << 3,	      /* 1 / value, after the above */
	BENCH_COUNTER_BINARY = 1 << 4, /* printed with 1024-based prefixes */
};

/* ---- registering cases: before main() runs them -------------------------- */

/*
 * bench_register - register fn under name (the JSON's "name" starts with
 * it; the library appends "/arg", "/real_time", "/threads:N" as set below).
 * Each builder below returns b, so calls can be nested or chained.
 */
struct bench *bench_register(const char *name,
			     void (*fn)(struct bench_state *s));

/* bench_arg - one more run of the case, with bench_range(s, 0) == x. */
struct bench *bench_arg(struct bench *b, int64_t x);
/* bench_args - one more run with bench_range(s, i) == xs[i], i < n. */
struct bench *bench_args(struct bench *b, int n, const int64_t *xs);
/* bench_arg_range - runs for lo, then powers of mult up to hi, then hi. */
struct bench *bench_arg_range(struct bench *b, int64_t lo, int64_t hi,
			      int mult);
/* bench_arg_name - call argument 0 "name" in the case's name: "/name:x". */
struct bench *bench_arg_name(struct bench *b, const char *name);
/* bench_threads - one more run with n threads at once (may be repeated). */
struct bench *bench_threads(struct bench *b, int n);
/* bench_real_time - time by the wall clock, not the CPU time of thread 0. */
struct bench *bench_real_time(struct bench *b);
/* bench_unit - the time unit of the console table and the JSON. */
struct bench *bench_unit(struct bench *b, enum bench_unit u);
/* bench_min_time - measure each repetition for at least this long
 * (ignored in a smoke run, which runs one iteration). */
struct bench *bench_min_time(struct bench *b, double seconds);

/* ---- inside a benchmark function ------------------------------------------
 */

/*
 * bench_keep_running - true while the library wants one more iteration.
 * The first call starts the clock (after every thread has arrived), the
 * call that returns false stops it. Call it until it returns false: leaving
 * the loop early is allowed only after bench_skip_with_error().
 */
bool bench_keep_running(struct bench_state *s);

/*
 * bench_keep_running_batch - as bench_keep_running(), but grants n
 * iterations at once: run the body n times per true. It costs one call per
 * n iterations, for bodies so short that a call per iteration would be
 * measured too. The last batch may go past the count the library asked
 * for; bench_iterations() counts what really ran.
 */
bool bench_keep_running_batch(struct bench_state *s, int64_t n);

/* bench_range - argument i of this run (bench_arg, bench_args). */
int64_t bench_range(const struct bench_state *s, int i);
/* bench_iterations - iterations this thread ran (after the loop: all). */
int64_t bench_iterations(const struct bench_state *s);
/* bench_thread_index - 0 .. bench_thread_count(s) - 1. */
int bench_thread_index(const struct bench_state *s);
int bench_thread_count(const struct bench_state *s);

/* bench_pause, bench_resume - stop and restart this thread's clock, for
 * set-up inside the loop. Each costs a clock read or two: not per tiny
 * iteration. */
void bench_pause(struct bench_state *s);
void bench_resume(struct bench_state *s);

/* bench_items_processed, bench_bytes_processed - what this thread moved;
 * the library adds them up over the threads and prints items_per_second
 * and bytes_per_second. */
void bench_items_processed(struct bench_state *s, int64_t items);
void bench_bytes_processed(struct bench_state *s, int64_t bytes);

/*
 * bench_counter - add value to the user counter name (summed over
 * threads, then adjusted by flags). A name that is also one of the
 * library's own JSON keys ("threads", "iterations", "real_time", ...)
 * would make a duplicate key in the JSON: the case is then skipped with an
 * error that says so.
 */
void bench_counter(struct bench_state *s, const char *name, double value,
		   unsigned flags);

/* bench_label - a note printed after the figures and stored in the JSON. */
void bench_label(struct bench_state *s, const char *label);

/*
 * bench_skip_with_error - report this run as failed with msg instead of
 * figures. The loop's next bench_keep_running() returns false; a thread may
 * also leave the loop at once.
 */
void bench_skip_with_error(struct bench_state *s, const char *msg);

/* bench_smoke - true in a smoke run (BENCH_SMOKE=1): one iteration per
 * case, so a case may also shrink any set-up that does not scale. */
bool bench_smoke(void);

/* ---- keeping the compiler honest ------------------------------------------
 */

/* BENCH_DO_NOT_OPTIMIZE(x) - the compiler must assume x (an lvalue) is read
 * and changed here, so the computation of x cannot be dropped or hoisted. */
#define BENCH_DO_NOT_OPTIMIZE(x) __asm__ __volatile__("" : "+m"(x) : : "memory")

/* bench_clobber_memory - the compiler must assume every memory location is
 * read and written here: stores before it are not removed as dead. */
static inline void bench_clobber_memory(void)
{
	__asm__ __volatile__("" : : : "memory");
}

/* bench_escape - the compiler must assume p escapes: whatever it points to
 * may be read by someone else. */
static inline void bench_escape(const void *p)
{
	__asm__ __volatile__("" : : "g"(p) : "memory");
}

/*
 * BENCH_CASES(name) { ... } - a function, run before main(), that registers
 * a file's cases. Any number of files may each have one.
 */
#define BENCH_CASES(name)                                                      \
	static void name(void) __attribute__((constructor));                   \
	static void name(void)

#ifdef __cplusplus
}
#endif

#endif /* LAB_BENCH_H */
