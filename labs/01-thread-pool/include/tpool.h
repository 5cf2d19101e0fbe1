/* SPDX-License-Identifier: MIT */
/*
 * tpool.h - a fixed pool of worker threads that run named commands, with the
 * chapter's dispatch strategies.
 *
 * This is the chapter's RpcWorkerPool (ch6-thread-pool/rpc-worker.js) in C.
 * The pool has a fixed number of workers, chosen when it is made: 0 means
 * one per core, a negative size means that many fewer than the cores (at
 * least 1), a positive size is used as it is. Each worker owns a FIFO of the
 * tasks given to it, its in-flight set: the task it is running, if any, then
 * the ones waiting behind it. tpool_exec() picks a worker with the pool's
 * strategy (roundrobin, random, leastbusy or affinity), gives the task the
 * next id (the first is 1, as the chapter's ++next_command_id), appends it
 * to that worker's set, and wakes the worker only if it sleeps. A task
 * leaves the set when its command returns, before its caller hears of it,
 * so leastbusy counts exactly the tasks that are queued or running.
 *
 * What the chapter's promise does, a task handle does here: the caller may
 * wait for the task (tpool_task_wait), be called back when it finishes
 * (tpool_call.done, on the worker thread), or both. A command that fails
 * returns a negative errno, and that status reaches the waiter and the
 * callback (the chapter's rejected promise). A task is never lost: it ends
 * exactly once, with its command's status, or with -ECANCELED if the pool
 * was shut down before the task started.
 *
 * Locking contract. One mutex guards the pool: every worker's in-flight set,
 * the strategies' state and the shutdown flag; each worker sleeps on its own
 * condition variable. Each task has its own lock for its result, so that a
 * handle may outlive the pool. No command and no callback ever runs with a
 * lock held, so a callback may call tpool_exec(). Which calls may overlap on
 * one pool:
 *
 *   call                    may run at the same time as
 *   tpool_exec              itself, tpool_in_flight, tpool_shutdown, any
 *                           command or callback, any tpool_task_* call
 *   tpool_in_flight         anything but tpool_destroy
 *   tpool_shutdown          tpool_exec and the task calls; not itself, not
 *                           tpool_destroy, not from a command or callback
 *   tpool_destroy           nothing on the same pool
 *   tpool_task_*            anything, while the caller holds a reference
 *
 * Every function that can fail returns 0 or a negative errno, and none
 * prints. A program with an event loop (lab 01's pool_server, lab 04's
 * actors) hands results back to its loop from the callback itself: the pool
 * knows nothing of event loops.
 */
#ifndef LAB_TPOOL_H
#define LAB_TPOOL_H

#include <stdbool.h>
#include <stdint.h>

/* The largest pool: a positive size above it is -EINVAL. */
#define TPOOL_MAX_SIZE 256

struct tpool;
struct tpool_task;

/* How tpool_exec() picks a worker (the chapter's STRATEGY). */
enum tpool_strategy {
	/* The next worker in turn, wrapping at the end: 0, 1, 2, 0, ...
	 * Equal counts, blind to how long each task takes. HAProxy:
	 * roundrobin. The default, as in the chapter. */
	TPOOL_ROUNDROBIN = 0,
	/* Any worker, uniformly at random. Stateless. */
	TPOOL_RANDOM,
	/* The worker with the fewest tasks in flight. Ties: see
	 * enum tpool_ties. HAProxy: leastconn. */
	TPOOL_LEASTBUSY,
	/* The worker that tpool_call.key hashes to, so that the same key
	 * always goes to the same worker (for a per-worker cache). HAProxy:
	 * source, which hashes the client's address. */
	TPOOL_AFFINITY,
};

/* How leastbusy breaks a tie between equally busy workers. */
enum tpool_ties {
	/* At random among the tied workers: the chapter's "more robust
	 * implementation". The default. */
	TPOOL_TIES_RANDOM = 0,
	/* The first (lowest-numbered) tied worker, as the chapter's code
	 * does: an idle pool always picks worker 0. */
	TPOOL_TIES_FIRST,
};

/* What tpool_shutdown() does with tasks that have not started. */
enum tpool_stop {
	/* Run every queued task, then stop. */
	TPOOL_DRAIN = 0,
	/* End every queued task with -ECANCELED; let running ones finish. */
	TPOOL_CANCEL,
};

/*
 * A command the workers know: one entry of the chapter's worker.js
 * `commands` object. run() executes on a worker thread with the data
 * pointer given to tpool_exec(), reads its input there and writes its
 * output there, and returns 0 or a negative errno (the error the caller
 * sees). It must not block for ever, and must not wait for another task of
 * the same pool: that task may be queued behind it. A table of commands
 * ends with an entry whose name is NULL.
 */
struct tpool_command {
	const char *name;
	int (*run)(void *data);
};

/* How to make a pool. Zero-initialise it and set what you need. */
struct tpool_config {
	int size;                       /* 0: cores; < 0: cores + size, >= 1 */
	enum tpool_strategy strategy;   /* TPOOL_ROUNDROBIN by default */
	enum tpool_ties ties;           /* leastbusy only */
	const struct tpool_command *commands;   /* table ending in {NULL} */
	uint64_t seed;                  /* random choices; 0: from the clock */
};

/*
 * One call of tpool_exec(): the chapter's exec(method, ...args). The pool
 * copies it; only data and ctx must stay valid until the task ends.
 */
struct tpool_call {
	const char *command;    /* a name in the pool's table: "square_sum" */
	void *data;             /* the command's input and output */
	uint64_t key;           /* affinity: same key, same worker */
	/*
	 * done - called exactly once when the task ends, with its status:
	 * the command's return value, or -ECANCELED if shutdown cancelled it.
	 * Runs on the worker thread (on the thread in tpool_shutdown() for a
	 * cancelled task), with no lock held; it may call tpool_exec() and
	 * the task calls, but not tpool_shutdown() or tpool_destroy(). The
	 * task pointer is valid only until done returns. Optional.
	 */
	void (*done)(struct tpool_task *task, int status, void *ctx);
	void *ctx;
};

/*
 * tpool_cores - the number of CPUs this process may run on (the chapter's
 * os.cpus().length, but respecting the CPU affinity mask).
 *
 * Returns at least 1. Cannot fail.
 */
int tpool_cores(void);

/*
 * tpool_size_for - the pool size that a requested size means on a machine
 * with cores CPUs: 0 gives cores, a negative n gives cores + n but at least
 * 1, a positive n gives n. (On 8 cores, -2 gives 6.)
 *
 * Pure: no state, no locking. Returns the size, or -EINVAL if it would be
 * above TPOOL_MAX_SIZE or cores is below 1.
 */
int tpool_size_for(int requested, int cores);

/*
 * tpool_strategy_parse - the strategy named "roundrobin", "random",
 * "leastbusy" or "affinity" (the chapter's STRATEGY variable). NULL means
 * the default, roundrobin, as an unset variable does in the chapter.
 *
 * Returns 0 and sets *out, or -EINVAL for any other name (the chapter
 * throws "invalid strategy"), leaving *out alone.
 */
int tpool_strategy_parse(const char *name, enum tpool_strategy *out);

/*
 * tpool_strategy_name - the name of s, or "invalid" for a value outside the
 * enum. Cannot fail.
 */
const char *tpool_strategy_name(enum tpool_strategy s);

/*
 * tpool_create - make a pool and start its workers.
 *
 * Concurrency: none yet; publish *out to other threads as usual.
 * Undo with tpool_destroy() (after tpool_shutdown(), or it shuts down for
 * you). Returns 0 and sets *out, or -EINVAL (a NULL argument, an empty
 * commands table, a size over TPOOL_MAX_SIZE, a strategy or ties value
 * outside its enum), -ENOMEM, or the negated error of pthread_create()
 * (usually -EAGAIN); *out is then left alone and nothing leaks.
 */
int tpool_create(struct tpool **out, const struct tpool_config *cfg);

/* tpool_size - the number of workers. Cannot fail. */
unsigned tpool_size(const struct tpool *pool);

/*
 * tpool_exec - run a command on a worker chosen by the pool's strategy.
 *
 * Concurrency: any thread, including a callback; see the table above.
 * Ordering: everything the caller did before tpool_exec() happens before
 * the command runs.
 * With out non-NULL, *out receives a handle that the caller must give back
 * with tpool_task_release(); with out NULL, call->done must be set, so that
 * somebody hears how the task ended.
 * Returns 0, -EINVAL (NULL pool or call, or neither out nor done), -ENOENT
 * (no command of that name), -ESHUTDOWN (tpool_shutdown() has begun) or
 * -ENOMEM. On an error nothing was queued and done will not be called.
 */
int tpool_exec(struct tpool *pool, const struct tpool_call *call,
	       struct tpool_task **out);

/*
 * tpool_in_flight - how many tasks worker is running or holding in its
 * queue right now (the chapter's in_flight_commands.size). A snapshot: it
 * may change as soon as the call returns.
 *
 * Returns the count, or -EINVAL if worker >= tpool_size(pool).
 */
int tpool_in_flight(struct tpool *pool, unsigned worker);

/*
 * tpool_shutdown - stop accepting tasks, finish or cancel the queued ones,
 * and join every worker.
 *
 * Concurrency: may overlap tpool_exec(), which returns -ESHUTDOWN from the
 * moment shutdown begins; must not overlap itself or tpool_destroy().
 * With TPOOL_DRAIN every queued task runs; with TPOOL_CANCEL every task
 * that has not started ends with -ECANCELED (its callback runs on this
 * thread). Either way, running tasks finish, every task ends exactly once,
 * and every callback has returned before this does.
 * Returns 0 (also when the pool is already shut down), -EINVAL for a bad
 * how, or -EDEADLK when called from a worker (a command or a callback),
 * which could never join itself.
 */
int tpool_shutdown(struct tpool *pool, enum tpool_stop how);

/*
 * tpool_destroy - free a pool made by tpool_create(). If it was not shut
 * down yet, shuts it down first as with TPOOL_CANCEL. Task handles that
 * callers still hold stay valid. NULL is ignored.
 *
 * Concurrency: no other call on the pool may be running or follow; never
 * from a command or callback (asserted). Cannot fail.
 */
void tpool_destroy(struct tpool *pool);

/*
 * tpool_task_wait - sleep until the task has ended, and return its status.
 *
 * Ordering: everything the command and the done callback did happens
 * before this returns (the callback has returned).
 * Returns the command's status (0 or a negative errno), or -ECANCELED.
 */
int tpool_task_wait(struct tpool_task *task);

/*
 * tpool_task_done - has the task ended? Never blocks.
 *
 * Ordering: once it returns true, as tpool_task_wait().
 */
bool tpool_task_done(struct tpool_task *task);

/* tpool_task_id - the task's id: 1 for a pool's first task. */
uint64_t tpool_task_id(const struct tpool_task *task);

/* tpool_task_worker - the worker the strategy chose (0-based). */
unsigned tpool_task_worker(const struct tpool_task *task);

/* tpool_task_data - the data pointer given to tpool_exec(). */
void *tpool_task_data(const struct tpool_task *task);

/*
 * tpool_task_release - give back the handle that tpool_exec() returned.
 * The task keeps running if it has not ended; it is freed once it has
 * ended and nobody holds it. Cannot fail.
 */
void tpool_task_release(struct tpool_task *task);

#endif /* LAB_TPOOL_H */
