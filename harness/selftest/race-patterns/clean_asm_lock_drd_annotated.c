// SPDX-License-Identifier: MIT
/*
 * clean_asm_lock_drd_annotated.c - a test-and-set lock on an xchg in
 * inline assembly (x86-64), protecting a heap buffer, announced to DRD
 * alone: happens-before annotations from <valgrind/drd.h> and
 * DRD_IGNORE_VAR on the lock word, all of them DRD's own client requests.
 *
 * xchg with a memory operand is implicitly locked and a full barrier, so
 * the lock orders the buffer's accesses. DRD sees that through the
 * annotations; Helgrind does not know DRD's requests, and TSan sees
 * neither the assembly nor the annotations: both report the buffer.
 *
 * Expect: clean
 * Expect-note: DRD's own client requests
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
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	int ok = buffer[0] + buffer[1] + buffer[2] + buffer[3] == 40;
	free(buffer);
	return !ok;
}
