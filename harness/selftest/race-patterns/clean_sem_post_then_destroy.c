// SPDX-License-Identifier: MIT
/*
 * clean_sem_post_then_destroy.c - a worker fills a heap record and posts
 * the semaphore inside it; the main thread waits on it, reads the record,
 * then destroys the semaphore and frees the record.
 *
 * POSIX allows destroying a semaphore on which no thread is blocked, and
 * glibc's sem_post reads the semaphore only before the increment that
 * lets the waiter through. Helgrind announces the post before glibc's
 * sem_post runs, so it reports glibc's read against the free().
 *
 * Expect: clean
 * Expect-note: inside glibc's sem_post
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

struct record {
	sem_t ready;
	int value;
};

static void *worker(void *arg)
{
	struct record *r = arg;

	r->value = 42;
	sem_post(&r->ready);
	return NULL;
}

int main(void)
{
	struct record *r = malloc(sizeof(*r));
	pthread_t t;

	sem_init(&r->ready, 0, 0);
	pthread_create(&t, NULL, worker, r);
	sem_wait(&r->ready);
	int ok = r->value == 42;
	sem_destroy(&r->ready);
	free(r);
	pthread_join(t, NULL);
	return !ok;
}
