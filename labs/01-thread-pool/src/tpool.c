// SPDX-License-Identifier: MIT
/*
 * Lab 01: the chapter's RpcWorkerPool (ch6-thread-pool/rpc-worker.js) in C:
 * a fixed set of worker threads, each with its own in-flight FIFO, one pool
 * mutex, and the dispatch strategies roundrobin, random, leastbusy and
 * affinity. tpool.h is the contract; docs/labs/01-thread-pool.md walks
 * through the steps.
 *
 * Every TODO(lab01) returns -ENOSYS (or does nothing) until you write it, so
 * the checks fail with a message instead of hanging. The structs, the
 * random numbers, the in-flight list and the task's reference count are
 * given: the lesson is in the locking around them.
 */
#include "tpool.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lab_annotate.h"

enum task_state {
	TASK_QUEUED,    /* in a worker's set, not started */
	TASK_RUNNING,   /* the first of its worker's set, command running */
	TASK_ENDED,     /* out of every set; status is final */
};

struct tpool_task {
	/* set by tpool_exec() before anybody else can see the task */
	const struct tpool_command *cmd;
	void *data;
	void (*done)(struct tpool_task *task, int status, void *ctx);
	void *ctx;
	uint64_t id;
	unsigned worker;

	/* protected by the pool's lock while the task is in a set */
	struct tpool_task *next;
	enum task_state state;

	/* protected by lock: how the task ended */
	pthread_mutex_t lock;
	pthread_cond_t ended;
	bool finished;
	int status;

	/* who still holds it: the pool until it ends, the caller until
	 * tpool_task_release(); only task_put() changes it */
	_Atomic int refs;
};

struct worker {
	/* set before the thread starts, read-only afterwards */
	struct tpool *pool;
	unsigned index;
	pthread_t thread;
	pthread_cond_t wake;    /* signalled when a task arrives */

	/* protected by pool->lock: the in-flight set, first is the oldest */
	struct tpool_task *first, *last;
	unsigned in_flight;
	bool sleeping;
};

struct tpool {
	/* set by tpool_create(), read-only afterwards */
	unsigned size;
	enum tpool_strategy strategy;
	enum tpool_ties ties;
	const struct tpool_command *commands;
	struct worker *workers;

	/* protected by lock */
	pthread_mutex_t lock;
	unsigned rr_next;       /* roundrobin: the worker to use next */
	uint64_t rng;           /* random and leastbusy's ties */
	uint64_t next_id;       /* the last id handed out */
	bool stopping;          /* tpool_shutdown() has begun */
	bool joined;            /* ... and every worker has exited */
};

/* ---- small helpers (given) ---------------------------------------------- */

/* splitmix64: one multiply-xorshift step, good enough to pick workers. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number below n from the pool's generator; caller holds pool->lock. */
static unsigned rand_below_locked(struct tpool *p, unsigned n)
{
	return (unsigned)(((splitmix64(&p->rng) >> 32) * n) >> 32);
}

/* Spread consecutive keys (0, 1, 2...) over the workers. */
static uint64_t hash_key(uint64_t key)
{
	return splitmix64(&key);
}

static const struct tpool_command *find_command(const struct tpool *p,
						 const char *name)
{
	for (const struct tpool_command *c = p->commands; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

int tpool_cores(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

static const char *const strategy_names[] = {
	[TPOOL_ROUNDROBIN] = "roundrobin",
	[TPOOL_RANDOM] = "random",
	[TPOOL_LEASTBUSY] = "leastbusy",
	[TPOOL_AFFINITY] = "affinity",
};
#define N_STRATEGIES (sizeof(strategy_names) / sizeof(strategy_names[0]))

const char *tpool_strategy_name(enum tpool_strategy s)
{
	return (unsigned)s < N_STRATEGIES ? strategy_names[s] : "invalid";
}

/*
 * TODO(lab01) step 1: the chapter's constructor rules. 0 means cores, a
 * negative size means cores minus that many but at least 1, a positive size
 * is used as is; -EINVAL above TPOOL_MAX_SIZE or when cores < 1.
 */
int tpool_size_for(int requested, int cores)
{
	(void)requested;
	(void)cores;
	return -ENOSYS;
}

/*
 * TODO(lab01) step 1: look name up in strategy_names[]. NULL means the
 * default, roundrobin; anything else unknown is -EINVAL ("invalid
 * strategy"), leaving *out alone.
 */
int tpool_strategy_parse(const char *name, enum tpool_strategy *out)
{
	(void)name;
	(void)out;
	return -ENOSYS;
}

/* ---- tasks -------------------------------------------------------------- */

/* Given: a task with refs references, or NULL when out of memory. */
static struct tpool_task *task_new(const struct tpool_command *cmd,
				   const struct tpool_call *call, int refs)
{
	struct tpool_task *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	if (pthread_mutex_init(&t->lock, NULL) != 0) {
		free(t);
		return NULL;
	}
	if (pthread_cond_init(&t->ended, NULL) != 0) {
		pthread_mutex_destroy(&t->lock);
		free(t);
		return NULL;
	}
	t->cmd = cmd;
	t->data = call->data;
	t->done = call->done;
	t->ctx = call->ctx;
	/* Relaxed: nobody else can see t until tpool_exec() publishes it
	 * under the pool's lock. refs is touched only by atomics, which
	 * Helgrind and DRD would take for plain racing accesses. */
	atomic_init(&t->refs, refs);
	LAB_VG_SYNC_WORD(&t->refs, sizeof(t->refs));
	return t;
}

static void task_free(struct tpool_task *t)
{
	pthread_cond_destroy(&t->ended);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

/*
 * Given: Drop one reference; the last one frees. The usual reference count:
 *
 *   a holder that is not last          the last holder
 *   [W] its accesses to t (unlock)     [RMW] refs 1 -> 0 (acquire)
 *   [RMW] refs n -> n-1 (release)      free(t)
 *
 * The rejected simpler design counted under t->lock, but then the other
 * holder's pthread_mutex_unlock() may still be reading the lock when the
 * last holder frees it: correct in glibc, yet Helgrind reports it, because
 * it records the unlock before glibc's last read of the mutex.
 */
static void task_put(struct tpool_task *t)
{
	/* Helgrind and DRD do not model atomics: tell them that what this
	 * thread did to t happens before the free (lab_annotate.h). */
	LAB_HAPPENS_BEFORE(&t->refs);
	/* acq_rel: release orders our accesses to t before the decrement;
	 * acquire, on the holder that sees 1 and so drops the last
	 * reference, pairs with every other holder's release here, so the
	 * free comes after all of them. */
	if (atomic_fetch_sub_explicit(&t->refs, 1, memory_order_acq_rel) != 1)
		return;
	LAB_HAPPENS_AFTER(&t->refs);
	task_free(t);
}

/*
 * TODO(lab01) step 5: the task has left its worker's set with status (the
 * chapter's resolve or reject). Call the callback first, if any, so that a
 * waiter sees what it did; then, under t->lock, record status, set
 * finished and wake every waiter; then drop the pool's reference.
 */
static void task_end(struct tpool_task *t, int status)
{
	(void)t;
	(void)status;
}

/* TODO(lab01) step 5: sleep on t->ended until finished; return status. */
int tpool_task_wait(struct tpool_task *t)
{
	(void)t;
	return -ENOSYS;
}

/* TODO(lab01) step 5: finished, read under the lock. */
bool tpool_task_done(struct tpool_task *t)
{
	(void)t;
	return false;
}

uint64_t tpool_task_id(const struct tpool_task *t)
{
	return t->id;
}

unsigned tpool_task_worker(const struct tpool_task *t)
{
	return t->worker;
}

void *tpool_task_data(const struct tpool_task *t)
{
	return t->data;
}

void tpool_task_release(struct tpool_task *t)
{
	task_put(t);
}

/* ---- the in-flight sets (given; caller holds pool->lock) ---------------- */

static void set_append_locked(struct worker *w, struct tpool_task *t)
{
	t->next = NULL;
	if (w->last)
		w->last->next = t;
	else
		w->first = t;
	w->last = t;
	w->in_flight++;
}

/* Take out the first task, which is the one that just ran. */
static void set_remove_first_locked(struct worker *w)
{
	struct tpool_task *t = w->first;

	w->first = t->next;
	if (!w->first)
		w->last = NULL;
	t->next = NULL;
	t->state = TASK_ENDED;
	w->in_flight--;
}

/* Unlink every task of w that has not started; returns them as a list. */
static struct tpool_task *set_take_queued_locked(struct worker *w)
{
	struct tpool_task *head = w->first, *taken;

	if (head && head->state == TASK_RUNNING) {
		taken = head->next;
		head->next = NULL;
		w->last = head;
		w->in_flight = 1;
	} else {
		taken = head;
		w->first = w->last = NULL;
		w->in_flight = 0;
	}
	return taken;
}

/* ---- the workers -------------------------------------------------------- */

/*
 * TODO(lab01) step 3: the worker loop, as libuv's. With pool->lock held,
 * sleep on w->wake (say so in w->sleeping) until w->first is a task or the
 * pool stops with nothing left for w; mark the task TASK_RUNNING; unlock;
 * run its command; lock; set_remove_first_locked(); unlock; task_end();
 * repeat. The one rule that prevents deadlock: never run a command or a
 * callback while holding pool->lock. And take the task out of the set
 * before task_end() tells anybody, so leastbusy sees the true count.
 */
static void *worker_main(void *arg)
{
	(void)arg;
	(void)set_remove_first_locked;
	(void)task_end;
	return NULL;
}

/* ---- strategies (caller holds pool->lock) ------------------------------- */

/*
 * TODO(lab01) step 6: return the worker for the next task. roundrobin: the
 * chapter's rr_index, wrapping to 0 after the last worker. random:
 * rand_below_locked(). leastbusy: the fewest in_flight; on a tie, the first
 * (TPOOL_TIES_FIRST, the chapter's code) or one of the tied at random
 * (TPOOL_TIES_RANDOM). affinity: hash_key(key) modulo the size.
 */
static unsigned pick_worker_locked(struct tpool *p, uint64_t key)
{
	(void)p;
	(void)key;
	(void)rand_below_locked;
	(void)hash_key;
	return 0;
}

/* ---- the pool ----------------------------------------------------------- */

static struct tpool *pool_alloc(const struct tpool_config *cfg, int size)
{
	struct tpool *p = calloc(1, sizeof(*p));
	struct timespec ts;

	if (!p)
		return NULL;
	p->workers = calloc((size_t)size, sizeof(*p->workers));
	if (!p->workers) {
		free(p);
		return NULL;
	}
	p->size = (unsigned)size;
	p->strategy = cfg->strategy;
	p->ties = cfg->ties;
	p->commands = cfg->commands;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	p->rng = cfg->seed ? cfg->seed : (uint64_t)ts.tv_nsec ^ (uintptr_t)p;
	return p;
}

static void pool_free(struct tpool *p, unsigned conds)
{
	for (unsigned i = 0; i < conds; i++)
		pthread_cond_destroy(&p->workers[i].wake);
	free(p->workers);
	free(p);
}

/*
 * TODO(lab01) step 3: check cfg (-EINVAL: see tpool.h), find the size with
 * tpool_size_for(cfg->size, tpool_cores()), pool_alloc(), then initialise
 * the lock and each worker's condition variable and start each worker on
 * worker_main(). If anything fails, undo what was done, in reverse order,
 * through one goto ladder (stop and join the threads already started).
 */
int tpool_create(struct tpool **out, const struct tpool_config *cfg)
{
	(void)out;
	(void)cfg;
	(void)pool_alloc;
	(void)pool_free;
	(void)worker_main;
	return -ENOSYS;
}

unsigned tpool_size(const struct tpool *p)
{
	return p->size;
}

/*
 * TODO(lab01) step 4: the chapter's exec(). Check the call (-EINVAL),
 * find_command() (-ENOENT), task_new() with one reference for the pool and
 * one for *out if given (-ENOMEM). Then under pool->lock: -ESHUTDOWN if the
 * pool is stopping; else pick_worker_locked(), the next id (the first is
 * 1), set_append_locked(), and signal the worker only if it sleeps.
 */
int tpool_exec(struct tpool *p, const struct tpool_call *call,
	       struct tpool_task **out)
{
	(void)p;
	(void)call;
	(void)out;
	(void)find_command;
	(void)task_new;
	(void)set_append_locked;
	(void)pick_worker_locked;
	return -ENOSYS;
}

/* TODO(lab01) step 4: the worker's in_flight, read under the lock. */
int tpool_in_flight(struct tpool *p, unsigned worker)
{
	(void)p;
	(void)worker;
	return -ENOSYS;
}

/* Given: is the caller one of the pool's workers? */
static bool on_worker_thread(const struct tpool *p)
{
	for (unsigned i = 0; i < p->size; i++)
		if (pthread_equal(pthread_self(), p->workers[i].thread))
			return true;
	return false;
}

/*
 * TODO(lab01) step 7: -EINVAL for a bad how, -EDEADLK from a worker, 0 if
 * already joined. Under the lock set stopping and, for TPOOL_CANCEL, take
 * every worker's queued tasks out (set_take_queued_locked()). After
 * unlocking, end each taken task with -ECANCELED, wake every worker and
 * join them all. No task may be lost: each one ends exactly once.
 */
int tpool_shutdown(struct tpool *p, enum tpool_stop how)
{
	(void)p;
	(void)how;
	(void)set_take_queued_locked;
	(void)on_worker_thread;
	return -ENOSYS;
}

/* TODO(lab01) step 7: shut down (TPOOL_CANCEL) if needed, then free all. */
void tpool_destroy(struct tpool *p)
{
	if (!p)
		return;
	assert(!"TODO(lab01) step 7: tpool_destroy");
}
