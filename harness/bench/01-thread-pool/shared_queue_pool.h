/* SPDX-License-Identifier: MIT */
/*
 * shared_queue_pool.h - a benchmark baseline for lab 01: the simplest
 * serious thread pool, one FIFO shared by every worker.
 *
 * One mutex guards the queue (a growing ring of function and argument), and
 * idle workers sleep on one condition variable; submitting signals only
 * when a worker is idle, as libuv's threadpool.c does. A free worker takes
 * the oldest task, whoever it is, so nothing is ever queued behind a slow
 * task while another worker idles: the yardstick for the lab's per-worker
 * queues and their dispatch strategies, which must decide at submit time.
 *
 * Locking contract: sq_pool_submit() may be called from any thread,
 * including from a task; create and destroy overlap nothing.
 */
#ifndef BENCH_SHARED_QUEUE_POOL_H
#define BENCH_SHARED_QUEUE_POOL_H

struct sq_pool;

/* sq_pool_create - start workers threads. Undo with sq_pool_destroy().
 * Returns 0, -EINVAL (no workers), -ENOMEM or a pthread_create() error. */
int sq_pool_create(struct sq_pool **out, unsigned workers);

/* sq_pool_submit - queue fn(arg) for the next free worker.
 * Returns 0 or -ENOMEM (the queue could not grow). */
int sq_pool_submit(struct sq_pool *p, void (*fn)(void *arg), void *arg);

/* sq_pool_destroy - run every queued task, join the workers, free p.
 * Cannot fail. */
void sq_pool_destroy(struct sq_pool *p);

#endif /* BENCH_SHARED_QUEUE_POOL_H */
