// SPDX-License-Identifier: MIT
/*
 * racy_asm_lock_drd_annotated_outside.c - the same inline-assembly lock,
 * announced to DRD alone, but the main thread resets a slot of the
 * buffer without taking it while the workers run.
 *
 * The annotations tell DRD about the lock, not about an access made
 * outside it: DRD reports it, so Helgrind's and TSan's reports keep their
 * weight (a program annotated for one tool is excused only where that tool
 * is silent).
 *
 * Expect: racy
 */
#include <pthread.h>
#include <stdlib.h>
#include <valgrind/drd.h>

static int lock_word;
static int *buffer; /* its contents are protected by lock_word */

static void tas_lock(void)
{
	int v;

	do {
		v = 1;
		__asm__ __volatile__("xchgl %0, %1"
				     : "+r"(v), "+m"(lock_word)
				     :
				     : "memory");
	} while (v != 0);
	ANNOTATE_HAPPENS_AFTER(&lock_word);
}

static void tas_unlock(void)
{
	ANNOTATE_HAPPENS_BEFORE(&lock_word);
	__asm__ __volatile__("movl $0, %0" : "=m"(lock_word) : : "memory");
}

static void *worker(void *arg)
{
	for (int i = 0; i < 20; i++) {
		tas_lock();
		buffer[i % 4] += 1;
		tas_unlock();
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	buffer = calloc(4, sizeof(*buffer));
	DRD_IGNORE_VAR(lock_word);
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	buffer[3] = 0; /* without the lock */
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	free(buffer);
	return 0;
}
