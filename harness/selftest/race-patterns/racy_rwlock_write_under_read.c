// SPDX-License-Identifier: MIT
/*
 * racy_rwlock_write_under_read.c - threads update a statistic while
 * holding only the read lock of a pthread_rwlock_t.
 *
 * Read locks do not exclude each other: two "readers" writing race.
 *
 * Expect: racy
 */
#include <pthread.h>

static pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
static int lookups;

static void *reader(void *arg)
{
	for (int i = 0; i < 30; i++) {
		pthread_rwlock_rdlock(&rw);
		lookups++; /* a write under a read lock */
		pthread_rwlock_unlock(&rw);
	}
	return arg;
}

int main(void)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, reader, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return lookups > 60;
}
