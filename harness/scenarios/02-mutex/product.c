// SPDX-License-Identifier: MIT
/*
 * The thread-product driver (see product.h): threads, start barrier,
 * repetitions, and the two checks that decide whether a run failed.
 */
#include "product.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "preempt.h"
#include "scenario.h"

unsigned long product_spin = 1000000;

void busy_loop(unsigned long n)
{
	for (volatile unsigned long j = 0; j < n; j++)
		;
}

struct worker_arg {
	const struct product_ops *ops;
	pthread_barrier_t *start;
	unsigned long run;
	int i;
	int rc;
	char why[160];
};

static void *worker_main(void *p)
{
	struct worker_arg *w = p;

	lab_noise_thread(w->run * 8 + (unsigned long)w->i);
	pthread_barrier_wait(w->start);
	w->rc = w->ops->worker(w->i, w->why, sizeof(w->why));
	return NULL;
}

/* One run: returns 0, or 1 after recording a failure. */
static int run_once(const struct product_ops *ops, struct scenario *sc,
		    unsigned long run)
{
	struct worker_arg w[PRODUCT_THREADS];
	pthread_t tid[PRODUCT_THREADS];
	pthread_barrier_t start;
	int failed = 0, got;

	ops->reset();
	pthread_barrier_init(&start, NULL, PRODUCT_THREADS);
	for (int i = 0; i < PRODUCT_THREADS; i++) {
		w[i] = (struct worker_arg){ops, &start, run, i, 0, ""};
		int e = pthread_create(&tid[i], NULL, worker_main, &w[i]);

		if (e)
			scenario_die("pthread_create", -e);
	}
	for (int i = 0; i < PRODUCT_THREADS; i++)
		pthread_join(tid[i], NULL);
	pthread_barrier_destroy(&start);
	for (int i = 0; i < PRODUCT_THREADS; i++) {
		if (w[i].rc < 0)
			scenario_die(ops->name, w[i].rc);
		if (w[i].rc > 0 && !failed++)
			scenario_fail(sc, run,
				      "AssertionError in worker %d: %s", i,
				      w[i].why);
	}
	got = ops->result();
	if (got != PRODUCT_WANT && !failed++)
		scenario_fail(sc, run,
			      "lost update: shared[3] is %d at the end, want "
			      "2*3*5*7 = %d",
			      got, PRODUCT_WANT);
	return failed != 0;
}

int product_main(const struct product_ops *ops, int argc, char **argv)
{
	struct scenario sc = {.name = ops->name, .summary = ops->summary};
	const struct scenario_opt opts[] = {
		{"spin", &product_spin, "busy-loop iterations between loads"},
		{NULL, NULL, NULL},
	};
	unsigned long failed = 0;

	scenario_parse(&sc, opts, argc, argv);
	for (unsigned long run = 0; run < sc.runs; run++)
		failed += (unsigned long)run_once(ops, &sc, run);
	if (!sc.quiet)
		printf("%s: %lu of %lu runs went wrong (seed %llu%s)\n",
		       ops->name, failed, sc.runs,
		       (unsigned long long)sc.seed,
		       sc.noise ? ", with schedule noise" : "");
	return scenario_finish(&sc);
}
