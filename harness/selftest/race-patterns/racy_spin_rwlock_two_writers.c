// SPDX-License-Identifier: MIT
/*
 * racy_spin_rwlock_two_writers.c - a reader-writer lock built from a C11
 * spin lock and two counts, whose write lock waits for the readers to
 * leave but not for another writer.
 *
 * Two writers can hold it at once, so their increments of 'shared' race.
 * The window is short: a writer must be between taking the write lock and
 * its increment when another writer takes it too. Eight threads on a
 * small machine rarely interleave there in a plain run, so this is the
 * program race-detect's run under schedule noise (harness/lib/tsan_noise.c)
 * is for: it sleeps just after the spin lock is released, and the other
 * writer walks in.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

struct rwspin {
	atomic_int guard;	/* the spin lock over the two counts */
	int readers, writers;
};

static struct rwspin rw;
static long shared;
static long seen;

static void guard_take(struct rwspin *l)
{
	int free_ = 0;

	/* Acquire pairs with guard_drop()'s release: the counts the last
	 * holder wrote are visible here. */
	while (!atomic_compare_exchange_weak_explicit(&l->guard, &free_, 1,
						      memory_order_acquire,
						      memory_order_relaxed))
		free_ = 0;
}

static void guard_drop(struct rwspin *l)
{
	atomic_store_explicit(&l->guard, 0, memory_order_release);
}

static void read_lock(struct rwspin *l)
{
	for (;;) {
		guard_take(l);
		if (l->writers == 0)
			break;
		guard_drop(l);
	}
	l->readers++;
	guard_drop(l);
}

static void write_lock(struct rwspin *l)
{
	for (;;) {
		guard_take(l);
		if (l->readers == 0)	/* the bug: l->writers is not checked */
			break;
		guard_drop(l);
	}
	l->writers++;
	guard_drop(l);
}

static void unlock(struct rwspin *l)
{
	guard_take(l);
	if (l->readers > 0)
		l->readers--;
	else
		l->writers--;
	guard_drop(l);
}

static void *worker(void *arg)
{
	(void)arg;
	for (int i = 0; i < 300; i++) {
		read_lock(&rw);
		seen += 0 * shared;	/* a read under the read lock */
		unlock(&rw);
		write_lock(&rw);
		shared++;
		unlock(&rw);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[8];

	for (int i = 0; i < 8; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 8; i++)
		pthread_join(t[i], NULL);
	printf("shared = %ld\n", shared);
	return 0;
}
