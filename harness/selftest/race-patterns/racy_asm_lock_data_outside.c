// SPDX-License-Identifier: MIT
/*
 * racy_asm_lock_data_outside.c - an inline-assembly lock (xchg, x86-64),
 * annotated for Valgrind, that one thread forgets to take.
 *
 * The annotations are right; the code is not: the second thread's write
 * is outside the lock. Every detector reports it.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <valgrind/helgrind.h>

static int lock_word;
static int shared;

static void tas_lock(void)
{
	int v;

	do {
		v = 1;
		__asm__ __volatile__("xchgl %0, %1" : "+r"(v), "+m"(lock_word) : : "memory");
	} while (v != 0);
	ANNOTATE_RWLOCK_ACQUIRED(&lock_word, 1);
}

static void tas_unlock(void)
{
	ANNOTATE_RWLOCK_RELEASED(&lock_word, 1);
	__asm__ __volatile__("movl $0, %0" : "=m"(lock_word) : : "memory");
}

static void *careful(void *arg)
{
	tas_lock();
	shared += 1;
	tas_unlock();
	return arg;
}

static void *careless(void *arg)
{
	shared += 2; /* no lock */
	return arg;
}

int main(void)
{
	pthread_t t1, t2;

	VALGRIND_HG_DISABLE_CHECKING(&lock_word, sizeof(lock_word));
	ANNOTATE_RWLOCK_CREATE(&lock_word);
	pthread_create(&t1, NULL, careful, NULL);
	pthread_create(&t2, NULL, careless, NULL);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	return shared > 3;
}
