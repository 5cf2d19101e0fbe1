/* SPDX-License-Identifier: MIT */
/*
 * preempt.h - seeded schedule noise for the harness's scenario programs.
 *
 * A race window between a load and a store is a few nanoseconds wide, so a
 * racy program run as it is fails a few times in a thousand. Scenario
 * programs call lab_preempt() at the points where a thread switch matters;
 * when noise is on, each call yields the CPU or spins for a random while,
 * drawn from a generator seeded with the run's printed seed, so a window
 * that matters is held open long enough for another thread to step in.
 * With noise off, lab_preempt() is a single predictable branch.
 *
 * Noise changes timing, never logic: a correct program stays correct under
 * any amount of it. The same seed gives the same sequence of choices in each
 * thread, which makes a failure as replayable as the OS scheduler allows.
 */
#ifndef LAB_PREEMPT_H
#define LAB_PREEMPT_H

#include <stdbool.h>
#include <stdint.h>

/*
 * lab_noise_init - turn noise on or off for the whole process.
 *
 * Call before starting threads. Cannot fail.
 */
void lab_noise_init(uint64_t seed, bool on);

/*
 * lab_noise_thread - seed the calling thread's generator.
 *
 * Each thread of a scenario calls it once with a distinct index (and the
 * run number, so that repeated runs differ). Cannot fail.
 */
void lab_noise_thread(uint64_t index);

/* lab_preempt - maybe yield or spin here, if noise is on. Cannot fail. */
void lab_preempt(void);

/* lab_noise_rand - the next number from the thread's generator. */
uint64_t lab_noise_rand(void);

/* lab_cpu_relax - tell the CPU this is a spin-wait loop (x86 pause). */
static inline void lab_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ __volatile__("pause" ::: "memory");
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

#endif /* LAB_PREEMPT_H */
