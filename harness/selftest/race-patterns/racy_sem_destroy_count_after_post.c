// SPDX-License-Identifier: MIT
/*
 * racy_sem_destroy_count_after_post.c - as clean_sem_post_then_destroy.c,
 * but the worker also counts its posts in a global after posting, and the
 * main thread reads that count as soon as its wait returns.
 *
 * The count is written after the post, so nothing orders it before the
 * main thread's read. Helgrind's report inside glibc's sem_post is set
 * aside; the one on the count is a race of the program.
 *
 * Expect: racy
 */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>

struct record {
	sem_t ready;
	int value;
};

static int posts;

static void *worker(void *arg)
{
	struct record *r = arg;

	r->value = 42;
	sem_post(&r->ready);
	posts++; /* after the post */
	return NULL;
}

int main(void)
{
	struct record *r = malloc(sizeof(*r));
	pthread_t t;

	sem_init(&r->ready, 0, 0);
	pthread_create(&t, NULL, worker, r);
	sem_wait(&r->ready);
	int seen = posts;
	sem_destroy(&r->ready);
	free(r);
	pthread_join(t, NULL);
	return seen > 1;
}
