// SPDX-License-Identifier: MIT
/*
 * clean_rwlock_readers.c - readers under the read lock, a writer under the
 * write lock, of one pthread_rwlock_t.
 *
 * Readers may overlap each other (they only read); the writer excludes
 * them all.
 *
 * Expect: clean
 */
#include <pthread.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int table[8]; /* protected by rw */

static void *reader(void *arg __attribute__((unused)))
{
	long sum = 0;

	for (int r = 0; r < 20; r++) {
		pthread_rwlock_rdlock(&rw);
		for (int i = 0; i < 8; i++)
			sum += table[i];
		pthread_rwlock_unlock(&rw);
	}
	return (void *)sum;
}

static void *writer(void *arg __attribute__((unused)))
{
	for (int r = 0; r < 20; r++) {
		pthread_rwlock_wrlock(&rw);
		table[r % 8]++;
		pthread_rwlock_unlock(&rw);
	}
	return arg;
}

int main(void)
{
	pthread_t t[3];

	pthread_create(&t[0], NULL, writer, NULL);
	pthread_create(&t[1], NULL, reader, NULL);
	pthread_create(&t[2], NULL, reader, NULL);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	return table[0] != 3;
}
