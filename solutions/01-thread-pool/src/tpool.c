// SPDX-License-Identifier: MIT
/*
 * Lab 01, reference solution: the chapter's RpcWorkerPool in C. A fixed set
 * of worker threads, each with its own in-flight FIFO, one pool mutex, and
 * the dispatch strategies roundrobin, random, leastbusy (with random or
 * first-lowest ties) and affinity. tpool.h gives the contract.
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

/* ---- small helpers ------------------------------------------------------ */

/* splitmix64: one multiply-xorshift step, good enough to pick workers. */
static uint64_t splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* A number below n from the pool's generator; caller holds pool->lock.
 * Multiply-shift instead of %: no division, and no bias worth the name. */
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

/* The chapter's constructor: if (size === 0) ... else if (size < 0) ... */
int tpool_size_for(int requested, int cores)
{
	int size;

	if (cores < 1)
		return -EINVAL;
	if (requested == 0)
		size = cores;
	else if (requested < 0)
		size = cores + requested < 1 ? 1 : cores + requested;
	else
		size = requested;
	return size > TPOOL_MAX_SIZE ? -EINVAL : size;
}

static const char *const strategy_names[] = {
	[TPOOL_ROUNDROBIN] = "roundrobin",
	[TPOOL_RANDOM] = "random",
	[TPOOL_LEASTBUSY] = "leastbusy",
	[TPOOL_AFFINITY] = "affinity",
};
#define N_STRATEGIES (sizeof(strategy_names) / sizeof(strategy_names[0]))

int tpool_strategy_parse(const char *name, enum tpool_strategy *out)
{
	if (!name) {
		*out = TPOOL_ROUNDROBIN;
		return 0;
	}
	for (unsigned i = 0; i < N_STRATEGIES; i++)
		if (strcmp(name, strategy_names[i]) == 0) {
			*out = (enum tpool_strategy)i;
			return 0;
		}
	return -EINVAL;
}

const char *tpool_strategy_name(enum tpool_strategy s)
{
	return (unsigned)s < N_STRATEGIES ? strategy_names[s] : "invalid";
}

/* ---- tasks -------------------------------------------------------------- */

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
 * Drop one reference; the last one frees. The usual reference count:
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
 * The task has left its worker's set: tell the callback, then the
 * waiters, then drop the pool's reference. The callback runs first so that
 * a waiter that wakes sees whatever it did (tpool.h promises that).
 */
static void task_end(struct tpool_task *t, int status)
{
	if (t->done)
		t->done(t, status, t->ctx);
	pthread_mutex_lock(&t->lock);
	t->status = status;
	t->finished = true;
	pthread_cond_broadcast(&t->ended);
	pthread_mutex_unlock(&t->lock);
	task_put(t);
}

int tpool_task_wait(struct tpool_task *t)
{
	int status;

	pthread_mutex_lock(&t->lock);
	while (!t->finished)
		pthread_cond_wait(&t->ended, &t->lock);
	status = t->status;
	pthread_mutex_unlock(&t->lock);
	return status;
}

bool tpool_task_done(struct tpool_task *t)
{
	bool done;

	pthread_mutex_lock(&t->lock);
	done = t->finished;
	pthread_mutex_unlock(&t->lock);
	return done;
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

/* ---- the in-flight sets (caller holds pool->lock) ----------------------- */

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
 * The task w runs next, marked running, or NULL. With may_sleep, sleep
 * until w has a task or the pool stops, and NULL means that the pool stops
 * and w has nothing left; without, NULL means nothing is queued now.
 */
static struct tpool_task *next_task_locked(struct worker *w, bool may_sleep)
{
	struct tpool *p = w->pool;

	while (may_sleep && !w->first && !p->stopping) {
		w->sleeping = true;
		pthread_cond_wait(&w->wake, &p->lock);
		w->sleeping = false;
	}
	if (!w->first)
		return NULL;
	w->first->state = TASK_RUNNING;
	return w->first;
}

/*
 * The worker loop. The one rule that prevents deadlock: never run a command
 * or a callback while holding pool->lock. A callback may call tpool_exec(),
 * which takes that lock; a command may take as long as it likes, and
 * tpool_exec() must not wait for it.
 *
 * A task leaves the set before task_end() tells anybody, so a caller that
 * has heard of the end and submits again sees this worker's true count.
 *
 * While tasks are queued, one critical section per task both takes the
 * ended task out and starts the next one, so a busy worker takes the pool's
 * lock once per task, not twice (the second trip is a measurable part of
 * an empty task's cost: docs/bench.md). The next task is therefore
 * started, and can no longer be cancelled, while the worker is still
 * ending the one before. Only a worker with nothing queued goes back to
 * the lock to sleep, after it has ended its task: a callback is never
 * delayed until more work arrives.
 */
static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tpool *p = w->pool;
	struct tpool_task *t = NULL, *next;
	int status;

	for (;;) {
		if (!t) {
			pthread_mutex_lock(&p->lock);
			t = next_task_locked(w, true);
			pthread_mutex_unlock(&p->lock);
			if (!t)
				return NULL;
		}
		status = t->cmd->run(t->data);
		pthread_mutex_lock(&p->lock);
		set_remove_first_locked(w);
		next = next_task_locked(w, false);
		pthread_mutex_unlock(&p->lock);
		task_end(t, status);
		t = next;
	}
}

/* ---- strategies (caller holds pool->lock) ------------------------------- */

/* The chapter's rr_index++, wrapping back to 0 after the last worker. */
static unsigned pick_roundrobin_locked(struct tpool *p)
{
	unsigned id = p->rr_next;

	if (++p->rr_next >= p->size)
		p->rr_next = 0;
	return id;
}

/*
 * The worker with the fewest tasks in flight. With TPOOL_TIES_RANDOM each
 * tied worker is kept with probability 1/(ties so far), which leaves every
 * tied worker equally likely after one pass (reservoir sampling).
 */
static unsigned pick_leastbusy_locked(struct tpool *p)
{
	unsigned id = 0, min = UINT_MAX, ties = 0;

	for (unsigned i = 0; i < p->size; i++) {
		unsigned load = p->workers[i].in_flight;

		if (load < min) {
			min = load;
			id = i;
			ties = 1;
		} else if (load == min && p->ties == TPOOL_TIES_RANDOM &&
			   rand_below_locked(p, ++ties) == 0) {
			id = i;
		}
	}
	return id;
}

static unsigned pick_worker_locked(struct tpool *p, uint64_t key)
{
	switch (p->strategy) {
	case TPOOL_RANDOM:
		return rand_below_locked(p, p->size);
	case TPOOL_LEASTBUSY:
		return pick_leastbusy_locked(p);
	case TPOOL_AFFINITY:
		return (unsigned)(hash_key(key) % p->size);
	case TPOOL_ROUNDROBIN:
	default:
		return pick_roundrobin_locked(p);
	}
}

/* ---- the pool ----------------------------------------------------------- */

/* Tell every worker to stop and wait for each; the caller must not hold
 * the lock. Used by shutdown and by a tpool_create() that failed half way. */
static void stop_and_join(struct tpool *p, unsigned started)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	for (unsigned i = 0; i < started; i++)
		pthread_cond_signal(&p->workers[i].wake);
	pthread_mutex_unlock(&p->lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(p->workers[i].thread, NULL);
}

static int check_config(const struct tpool_config *cfg)
{
	if (!cfg || !cfg->commands || !cfg->commands[0].name)
		return -EINVAL;
	if ((unsigned)cfg->strategy >= N_STRATEGIES)
		return -EINVAL;
	if (cfg->ties != TPOOL_TIES_RANDOM && cfg->ties != TPOOL_TIES_FIRST)
		return -EINVAL;
	return 0;
}

/* A seed that differs between pools and runs when the caller gave none. */
static uint64_t pick_seed(const struct tpool_config *cfg, const void *p)
{
	struct timespec ts;

	if (cfg->seed)
		return cfg->seed;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^
	       (uint64_t)(uintptr_t)p;
}

static struct tpool *pool_alloc(const struct tpool_config *cfg, int size)
{
	struct tpool *p = calloc(1, sizeof(*p));

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
	p->rng = pick_seed(cfg, p);
	return p;
}

static void pool_free(struct tpool *p, unsigned conds)
{
	for (unsigned i = 0; i < conds; i++)
		pthread_cond_destroy(&p->workers[i].wake);
	free(p->workers);
	free(p);
}

int tpool_create(struct tpool **out, const struct tpool_config *cfg)
{
	struct tpool *p;
	unsigned conds = 0, started = 0;
	int size, rc = check_config(cfg);

	if (rc < 0 || !out)
		return -EINVAL;
	size = tpool_size_for(cfg->size, tpool_cores());
	if (size < 0)
		return size;
	p = pool_alloc(cfg, size);
	if (!p)
		return -ENOMEM;
	rc = -pthread_mutex_init(&p->lock, NULL);
	if (rc < 0)
		goto fail_lock;
	for (; conds < p->size; conds++) {
		rc = -pthread_cond_init(&p->workers[conds].wake, NULL);
		if (rc < 0)
			goto fail_conds;
	}
	for (; started < p->size; started++) {
		struct worker *w = &p->workers[started];

		w->pool = p;
		w->index = started;
		rc = -pthread_create(&w->thread, NULL, worker_main, w);
		if (rc < 0)
			goto fail_threads;
	}
	*out = p;
	return 0;
fail_threads:
	stop_and_join(p, started);
fail_conds:
	pthread_mutex_destroy(&p->lock);
fail_lock:
	pool_free(p, conds);
	return rc;
}

unsigned tpool_size(const struct tpool *p)
{
	return p->size;
}

int tpool_exec(struct tpool *p, const struct tpool_call *call,
	       struct tpool_task **out)
{
	const struct tpool_command *cmd;
	struct tpool_task *t;
	struct worker *w;

	if (!p || !call || !call->command || (!out && !call->done))
		return -EINVAL;
	cmd = find_command(p, call->command);
	if (!cmd)
		return -ENOENT;
	/* One reference for the pool until the task ends, one for *out. */
	t = task_new(cmd, call, out ? 2 : 1);
	if (!t)
		return -ENOMEM;
	pthread_mutex_lock(&p->lock);
	if (p->stopping) {
		pthread_mutex_unlock(&p->lock);
		task_free(t); /* nobody else ever saw it */
		return -ESHUTDOWN;
	}
	w = &p->workers[pick_worker_locked(p, call->key)];
	t->id = ++p->next_id;
	t->worker = w->index;
	t->state = TASK_QUEUED;
	set_append_locked(w, t);
	/* As in libuv: a worker that is awake will look at its set again
	 * before it sleeps, so only a sleeping one needs the signal. */
	if (w->sleeping)
		pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&p->lock);
	if (out)
		*out = t;
	return 0;
}

int tpool_in_flight(struct tpool *p, unsigned worker)
{
	int n;

	if (worker >= p->size)
		return -EINVAL;
	pthread_mutex_lock(&p->lock);
	n = (int)p->workers[worker].in_flight;
	pthread_mutex_unlock(&p->lock);
	return n;
}

static bool on_worker_thread(const struct tpool *p)
{
	for (unsigned i = 0; i < p->size; i++)
		if (pthread_equal(pthread_self(), p->workers[i].thread))
			return true;
	return false;
}

/* Cancel: take every queued task out of its set, under the lock, so that
 * no worker can start it; the caller ends them after unlocking. */
static struct tpool_task *take_all_queued_locked(struct tpool *p)
{
	struct tpool_task *all = NULL, **tail = &all;

	for (unsigned i = 0; i < p->size; i++) {
		*tail = set_take_queued_locked(&p->workers[i]);
		while (*tail)
			tail = &(*tail)->next;
	}
	return all;
}

int tpool_shutdown(struct tpool *p, enum tpool_stop how)
{
	struct tpool_task *cancelled = NULL, *next;

	if (how != TPOOL_DRAIN && how != TPOOL_CANCEL)
		return -EINVAL;
	if (on_worker_thread(p))
		return -EDEADLK;
	pthread_mutex_lock(&p->lock);
	if (p->joined) {
		pthread_mutex_unlock(&p->lock);
		return 0;
	}
	p->stopping = true;
	if (how == TPOOL_CANCEL)
		cancelled = take_all_queued_locked(p);
	pthread_mutex_unlock(&p->lock);
	for (struct tpool_task *t = cancelled; t; t = next) {
		next = t->next;
		t->next = NULL;
		t->state = TASK_ENDED;
		task_end(t, -ECANCELED);
	}
	stop_and_join(p, p->size);
	pthread_mutex_lock(&p->lock);
	p->joined = true;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

void tpool_destroy(struct tpool *p)
{
	if (!p)
		return;
	assert(!on_worker_thread(p) && "tpool_destroy from a worker");
	tpool_shutdown(p, TPOOL_CANCEL);
	pthread_mutex_destroy(&p->lock);
	pool_free(p, p->size);
}
