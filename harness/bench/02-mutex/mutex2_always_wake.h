/* SPDX-License-Identifier: MIT */
/*
 * mutex2_always_wake.h - a benchmark baseline: the chapter's two-state
 * mutex (ch6-mutex/mutex.js), whose release always calls futex wake.
 *
 * The word is 0 (free) or 1 (held). acquire() tries a compare-and-swap from
 * 0 to 1 and, when it fails, sleeps in futex wait while the word reads 1.
 * release() stores 0 and then wakes one sleeper, whether anybody sleeps or
 * not, because two states cannot tell "held" from "held and waited for":
 * every release is a system call. The lab's third state exists to remove
 * exactly that call. No spinning, no private futex (as the lab's mutex, so
 * that both pay the same kernel path).
 *
 * Locking contract: as mutex.h. mutex2_release() of a free lock returns
 * -EPERM, as the chapter throws "was not acquired".
 */
#ifndef BENCH_MUTEX2_ALWAYS_WAKE_H
#define BENCH_MUTEX2_ALWAYS_WAKE_H

#include <stdatomic.h>
#include <stdint.h>

struct mutex2 {
	_Atomic uint32_t state; /* 0 free, 1 held */
};

/* mutex2_init - a free lock. Undo with nothing. Cannot fail. */
void mutex2_init(struct mutex2 *m);

/* mutex2_acquire - take the lock, sleeping while it is held. Returns 0. */
int mutex2_acquire(struct mutex2 *m);

/* mutex2_release - free the lock and wake one sleeper, always with a
 * futex system call. Returns 0, or -EPERM if m was free. */
int mutex2_release(struct mutex2 *m);

#endif /* BENCH_MUTEX2_ALWAYS_WAKE_H */
