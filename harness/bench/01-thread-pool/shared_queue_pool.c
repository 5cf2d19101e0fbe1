// SPDX-License-Identifier: MIT
/*
 * Benchmark baseline for lab 01: a pool whose workers share one FIFO.
 * shared_queue_pool.h says why it is the yardstick.
 */
#include "shared_queue_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct sq_item {
	void (*fn)(void *arg);
	void *arg;
};

struct sq_pool {
	/* set by sq_pool_create(), read-only afterwards */
	pthread_t *threads;
	unsigned workers;

	/* protected by lock */
	pthread_mutex_t lock;
	pthread_cond_t work;   /* signalled when a task arrives */
	struct sq_item *items; /* a ring of cap items */
	size_t cap, first, count;
	unsigned idle; /* workers asleep on work */
	bool stopping;
};

/* Double the ring, unwrapping it. Returns 0 or -ENOMEM. */
static int grow_locked(struct sq_pool *p)
{
	size_t cap = p->cap ? 2 * p->cap : 64;
	struct sq_item *items = malloc(cap * sizeof(*items));

	if (!items)
		return -ENOMEM;
	for (size_t k = 0; k < p->count; k++)
		items[k] = p->items[(p->first + k) % p->cap];
	free(p->items);
	p->items = items;
	p->cap = cap;
	p->first = 0;
	return 0;
}

/*
 * The one rule: a worker runs a task only with the lock released, so a task
 * may submit more tasks without deadlocking on the queue.
 */
static void *worker_main(void *arg)
{
	struct sq_pool *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (p->count == 0 && !p->stopping) {
			p->idle++;
			pthread_cond_wait(&p->work, &p->lock);
			p->idle--;
		}
		if (p->count == 0)
			break; /* stopping, and nothing left to run */
		struct sq_item it = p->items[p->first];
		p->first = (p->first + 1) % p->cap;
		p->count--;
		pthread_mutex_unlock(&p->lock);
		it.fn(it.arg);
		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int sq_pool_submit(struct sq_pool *p, void (*fn)(void *arg), void *arg)
{
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (p->count == p->cap)
		rc = grow_locked(p);
	if (rc == 0) {
		p->items[(p->first + p->count) % p->cap] =
		    (struct sq_item){fn, arg};
		p->count++;
		/* Nobody to wake when every worker is busy: it will look at
		 * the queue before it sleeps again. */
		if (p->idle > 0)
			pthread_cond_signal(&p->work);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int sq_pool_create(struct sq_pool **out, unsigned workers)
{
	struct sq_pool *p;
	unsigned started;
	int rc = 0;

	if (workers == 0)
		return -EINVAL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->threads = calloc(workers, sizeof(*p->threads));
	if (!p->threads)
		goto fail_threads;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->work, NULL);
	for (started = 0; started < workers; started++) {
		rc =
		    -pthread_create(&p->threads[started], NULL, worker_main, p);
		if (rc != 0)
			break;
	}
	p->workers = started;
	if (rc != 0) {
		sq_pool_destroy(p);
		return rc;
	}
	*out = p;
	return 0;

fail_threads:
	free(p);
	return -ENOMEM;
}

void sq_pool_destroy(struct sq_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->lock);
	for (unsigned k = 0; k < p->workers; k++)
		pthread_join(p->threads[k], NULL);
	pthread_cond_destroy(&p->work);
	pthread_mutex_destroy(&p->lock);
	free(p->items);
	free(p->threads);
	free(p);
}
