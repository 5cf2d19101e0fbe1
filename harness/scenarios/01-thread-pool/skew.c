// SPDX-License-Identifier: MIT
/*
 * Lab 01: the experiment the chapter only describes. "If each 6th task takes
 * a long time to perform, then there will be an unfair distribution of work"
 * under round robin. A dispatcher hands a pool of --workers tasks in a fixed
 * pattern (every --every-th is slow), keeping --clients tasks in flight as
 * the chapter's autocannon -c 5 keeps five requests open (0: all at once),
 * and measures the makespan (first submit to last end) and the p99 latency
 * of each strategy against the best possible schedule, keeping each
 * strategy's best of --runs passes. Tasks sleep rather than compute, so
 * that the figures do not depend on how many cores the machine has.
 *
 * With --check it asserts only robust facts: round robin puts every slow
 * task on one worker (a certainty with one dispatcher), and its makespan is
 * above leastbusy's by a clear margin.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scenario.h"
#include "tpool.h"

static unsigned long n_workers = 3;
static unsigned long n_tasks = 60;
static unsigned long every = 6;
static unsigned long fast_ms = 2;
static unsigned long slow_ms = 20;
static unsigned long clients = 5;
static unsigned long check;

enum { MAX_TASKS = 10000, MAX_WORKERS = 64 };

struct job {
	unsigned ms;                    /* how long the task sleeps */
	double submitted, ended;        /* ms since the start */
	struct dispatcher *d;
};

struct dispatcher {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned long ended;            /* protected by lock */
	struct timespec t0;
};

struct row {
	const char *name;
	enum tpool_strategy strategy;
	enum tpool_ties ties;
	double makespan, p99;
	unsigned tasks[MAX_WORKERS], slow[MAX_WORKERS];
};

static double ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 +
	       (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static int work(void *data)
{
	struct job *j = data;
	struct timespec d = {j->ms / 1000, (long)(j->ms % 1000) * 1000000L};

	while (nanosleep(&d, &d) != 0 && errno == EINTR)
		;
	return 0;
}

static void on_end(struct tpool_task *task, int status, void *ctx)
{
	struct job *j = ctx;
	struct dispatcher *d = j->d;

	(void)task;
	(void)status;
	pthread_mutex_lock(&d->lock);
	j->ended = ms_since(&d->t0);
	d->ended++;
	pthread_cond_signal(&d->cond);
	pthread_mutex_unlock(&d->lock);
}

static const struct tpool_command commands[] = {
	{"work", work},
	{NULL, NULL},
};

static bool is_slow(unsigned long i)
{
	return i % every == every - 1;
}

/* Wait until fewer than limit tasks are in flight. A pool that loses
 * tasks would keep us waiting for ever: give up after a generous while
 * (every task run one after another, plus 10 s) and say so. */
static void wait_below(struct dispatcher *d, unsigned long submitted,
		       unsigned long limit)
{
	struct timespec deadline;
	int rc = 0;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10 + (time_t)((n_tasks * slow_ms) / 1000);
	pthread_mutex_lock(&d->lock);
	while (submitted - d->ended >= limit && rc == 0)
		rc = pthread_cond_timedwait(&d->cond, &d->lock, &deadline);
	pthread_mutex_unlock(&d->lock);
	if (rc != 0) {
		fprintf(stderr, "skew: %lu of %lu tasks never ended: lost by "
				"the pool?\n", submitted - d->ended, submitted);
		exit(1);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* One strategy, one pass over the pattern. */
static void measure(struct row *r, uint64_t seed)
{
	struct tpool_config cfg = {.size = (int)n_workers,
				   .strategy = r->strategy, .ties = r->ties,
				   .commands = commands, .seed = seed};
	struct dispatcher d = {PTHREAD_MUTEX_INITIALIZER,
			       PTHREAD_COND_INITIALIZER, 0, {0, 0}};
	static struct job jobs[MAX_TASKS];
	static double lat[MAX_TASKS];
	unsigned long limit = clients ? clients : n_tasks;
	struct tpool *pool;
	int rc = tpool_create(&pool, &cfg);

	if (rc < 0)
		scenario_die("skew: tpool_create", rc);
	memset(r->tasks, 0, sizeof(r->tasks));
	memset(r->slow, 0, sizeof(r->slow));
	clock_gettime(CLOCK_MONOTONIC, &d.t0);
	for (unsigned long i = 0; i < n_tasks; i++) {
		struct job *j = &jobs[i];
		/* affinity: each client's requests carry its own key */
		struct tpool_call call = {.command = "work", .data = j,
					  .key = i % limit, .done = on_end,
					  .ctx = j};
		struct tpool_task *t;

		wait_below(&d, i, limit);
		*j = (struct job){.ms = (unsigned)(is_slow(i) ? slow_ms
							       : fast_ms),
				  .submitted = ms_since(&d.t0), .d = &d};
		rc = tpool_exec(pool, &call, &t);
		if (rc < 0)
			scenario_die("skew: tpool_exec", rc);
		r->tasks[tpool_task_worker(t)]++;
		r->slow[tpool_task_worker(t)] += is_slow(i);
		tpool_task_release(t);
	}
	wait_below(&d, n_tasks, 1);
	rc = tpool_shutdown(pool, TPOOL_DRAIN);
	if (rc < 0)
		scenario_die("skew: tpool_shutdown", rc);
	tpool_destroy(pool);
	r->makespan = 0;
	for (unsigned long i = 0; i < n_tasks; i++) {
		lat[i] = jobs[i].ended - jobs[i].submitted;
		if (jobs[i].ended > r->makespan)
			r->makespan = jobs[i].ended;
	}
	qsort(lat, n_tasks, sizeof(lat[0]), cmp_double);
	r->p99 = lat[(n_tasks * 99 + 99) / 100 - 1];
}

/*
 * The best possible schedule, offline, knowing every task's length: no
 * schedule beats max(total / workers, longest task); longest-first onto
 * the least loaded worker (LPT) gives one that is achievable.
 */
static void best_schedule(double *lower, double *lpt)
{
	double load[MAX_WORKERS] = {0}, total = 0;
	unsigned long n_slow = 0;

	for (unsigned long i = 0; i < n_tasks; i++) {
		n_slow += is_slow(i);
		total += (double)(is_slow(i) ? slow_ms : fast_ms);
	}
	*lower = total / (double)n_workers;
	if (*lower < (double)slow_ms && n_slow)
		*lower = (double)slow_ms;
	for (unsigned long i = 0; i < n_tasks; i++) {
		/* all slow tasks first, then the fast ones */
		double len = (double)(i < n_slow ? slow_ms : fast_ms);
		unsigned long min = 0;

		for (unsigned long w = 1; w < n_workers; w++)
			if (load[w] < load[min])
				min = w;
		load[min] += len;
	}
	*lpt = 0;
	for (unsigned long w = 0; w < n_workers; w++)
		if (load[w] > *lpt)
			*lpt = load[w];
}

static void spread(char *buf, size_t cap, const unsigned *v)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned long w = 0; w < n_workers && n < cap; w++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%u", w ? "/" : "",
				      v[w]);
}

static void print_table(struct row *rows, int n, double lower, double lpt,
			unsigned long runs)
{
	char t[128], s[128];

	printf("%lu tasks on %lu workers, every %lu%s slow (%lu ms, others "
	       "%lu ms), %lu in flight; best of %lu run%s\n", n_tasks,
	       n_workers, every, every == 2 ? "nd" : every == 3 ? "rd" : "th",
	       slow_ms, fast_ms, clients ? clients : n_tasks, runs,
	       runs == 1 ? "" : "s");
	printf("best possible makespan: %.0f ms (lower bound; LPT "
	       "schedule: %.0f ms)\n\n", lower, lpt);
	printf("| strategy | makespan ms | x best | p99 latency ms | tasks "
	       "per worker | slow tasks per worker |\n");
	printf("| --- | ---: | ---: | ---: | --- | --- |\n");
	for (int i = 0; i < n; i++) {
		spread(t, sizeof(t), rows[i].tasks);
		spread(s, sizeof(s), rows[i].slow);
		printf("| %s | %.0f | %.2f | %.0f | %s | %s |\n", rows[i].name,
		       rows[i].makespan, rows[i].makespan / lower,
		       rows[i].p99, t, s);
	}
}

/* --check: the facts that hold however loaded the machine is. */
static void check_facts(struct scenario *sc, const struct row *rr,
			const struct row *lb)
{
	unsigned long n_slow = 0, most = 0;

	for (unsigned long i = 0; i < n_tasks; i++)
		n_slow += is_slow(i);
	for (unsigned long w = 0; w < n_workers; w++)
		if (rr->slow[w] > most)
			most = rr->slow[w];
	if (every % n_workers == 0 && most != n_slow)
		scenario_fail(sc, 0, "roundrobin spread the slow tasks (%lu of "
				     "%lu on one worker); it should put them "
				     "all on one", most, n_slow);
	if (rr->makespan < 1.3 * lb->makespan)
		scenario_fail(sc, 0, "roundrobin's makespan %.0f ms is not "
				     "clearly above leastbusy's %.0f ms",
			      rr->makespan, lb->makespan);
}

int main(int argc, char **argv)
{
	struct scenario sc = {
		.name = "skew",
		.summary = "Makespan of each strategy when every Nth task is "
			   "slow, against the best possible schedule.",
	};
	const struct scenario_opt opts[] = {
		{"workers", &n_workers, "workers in the pool"},
		{"tasks", &n_tasks, "tasks in the pattern"},
		{"every", &every, "every Nth task is slow"},
		{"fast-ms", &fast_ms, "length of a fast task"},
		{"slow-ms", &slow_ms, "length of a slow task"},
		{"clients", &clients, "tasks kept in flight (0: all at once)"},
		{"check", &check, "1: assert that roundrobin suffers"},
		{NULL, NULL, NULL},
	};
	struct row rows[] = {
		{"roundrobin", TPOOL_ROUNDROBIN, TPOOL_TIES_RANDOM, 0, 0, {0}, {0}},
		{"random", TPOOL_RANDOM, TPOOL_TIES_RANDOM, 0, 0, {0}, {0}},
		{"leastbusy (ties: first)", TPOOL_LEASTBUSY, TPOOL_TIES_FIRST,
		 0, 0, {0}, {0}},
		{"leastbusy (ties: random)", TPOOL_LEASTBUSY, TPOOL_TIES_RANDOM,
		 0, 0, {0}, {0}},
		{"affinity (key: client)", TPOOL_AFFINITY, TPOOL_TIES_RANDOM,
		 0, 0, {0}, {0}},
	};
	int n = (int)(sizeof(rows) / sizeof(rows[0]));
	double lower, lpt;

	scenario_parse(&sc, opts, argc, argv);
	if (n_workers < 1 || n_workers > MAX_WORKERS || n_tasks < 1 ||
	    n_tasks > MAX_TASKS || every < 1 || slow_ms > 10000 ||
	    fast_ms > 10000) {
		fprintf(stderr, "skew: --workers 1..%d, --tasks 1..%d, "
				"--every >= 1, task lengths up to 10000 ms\n",
			MAX_WORKERS, MAX_TASKS);
		return 2;
	}
	/* Each strategy's best of --runs passes, interleaved: a stall of the
	 * machine only ever adds time, so the minimum is the figure that
	 * says most about the strategy itself. */
	for (unsigned long run = 0; run < sc.runs; run++)
		for (int i = 0; i < n; i++) {
			struct row r = rows[i];

			measure(&r, sc.seed + run + 1);
			if (run == 0 || r.makespan < rows[i].makespan)
				rows[i] = r;
		}
	best_schedule(&lower, &lpt);
	print_table(rows, n, lower, lpt, sc.runs);
	if (check)
		check_facts(&sc, &rows[0], &rows[3]);
	printf("RESULT: makespan roundrobin %.0f ms, random %.0f, leastbusy "
	       "%.0f, affinity %.0f; best %.0f\n", rows[0].makespan,
	       rows[1].makespan, rows[3].makespan, rows[4].makespan, lower);
	return scenario_finish(&sc);
}
