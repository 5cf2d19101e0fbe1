// SPDX-License-Identifier: MIT
/*
 * clean_asm_cmpxchg_annotated.c - a spin lock written in inline assembly
 * (lock cmpxchg to take it, a plain store to release it, x86-64), told to
 * Valgrind with happens-before annotations.
 *
 * On x86 a locked cmpxchg is a full barrier and the releasing store is not
 * reordered with earlier stores, so the lock orders the counter's
 * accesses. Helgrind and DRD learn that from ANNOTATE_HAPPENS_BEFORE/AFTER
 * and are told to ignore the lock word; TSan sees neither the assembly nor
 * the annotations, and reports the counter.
 *
 * Expect: clean
 */
#include <pthread.h>
#include <valgrind/helgrind.h>

static int lock_word;
static int counter; /* protected by lock_word */

static void spin_lock(void)
{
	int expected;

	do {
		expected = 0;
		__asm__ __volatile__("lock cmpxchgl %2, %1"
				     : "+a"(expected), "+m"(lock_word)
				     : "r"(1)
				     : "memory", "cc");
	} while (expected != 0);
	ANNOTATE_HAPPENS_AFTER(&lock_word);
}

static void spin_unlock(void)
{
	ANNOTATE_HAPPENS_BEFORE(&lock_word);
	__asm__ __volatile__("movl $0, %0" : "=m"(lock_word) : : "memory");
}

static void *worker(void *arg)
{
	for (int i = 0; i < 50; i++) {
		spin_lock();
		counter++;
		spin_unlock();
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	VALGRIND_HG_DISABLE_CHECKING(&lock_word, sizeof(lock_word));
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return counter != 100;
}
