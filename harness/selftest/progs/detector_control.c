// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a program that speaks the verdict channel as the labs'
 * scenarios do (verdict.h), so that its TSan build, or its native build
 * under Helgrind or DRD, runs the harness's control race at its end.
 * "clean" counts under a mutex, "racy" without one, "early" leaves before
 * the harness's last record, "leak" and "overflow" (for its ASan build)
 * lose memory or write past it. Built with -DSILENCE it turns the detector's
 * reports off as a submission might: TSan's through
 * __tsan_default_options, Valgrind's with VALGRIND_DISABLE_ERROR_REPORTING.
 * The runner must notice.
 */
#include "protocol.h"
#include "verdict.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

#ifdef SILENCE
const char *__tsan_default_options(void);
const char *__tsan_default_options(void)
{
	return "report_bugs=0";
}
#endif

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int counter;
static int locked = 1;

static void *worker(void *arg)
{
	for (int i = 0; i < 1000; i++) {
		if (locked)
			pthread_mutex_lock(&lock);
		counter++;
		if (locked)
			pthread_mutex_unlock(&lock);
	}
	return arg;
}

/* Blocks nothing points at any more: a leak, found at the end. */
static __attribute__((noinline)) void lose(void)
{
	for (int i = 0; i < 16; i++) {
		volatile char *p = malloc(64);

		if (p)
			p[0] = 1;
	}
}

/* A write one byte past a heap block, for ASan (UBSan's object-size
 * check would see it first). */
static __attribute__((noinline, no_sanitize("undefined"))) void overflow(void)
{
	volatile char *p = malloc(8);

	if (p) {
		p[8] = 1;
		free((void *)p);
	}
}

int main(int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "clean";
	pthread_t t[2];

	verdict_take();
#ifdef SILENCE
	VALGRIND_DISABLE_ERROR_REPORTING;
#endif
	locked = strcmp(what, "racy") != 0;
	for (int i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	if (strcmp(what, "early") == 0)
		_exit(0);
	if (strcmp(what, "leak") == 0)
		lose();
	if (strcmp(what, "overflow") == 0)
		overflow();
	verdict_say(PROTO_STAT_FMT, 1UL, 0UL, 0UL, 1ULL);
	verdict_done();
	return 0;
}
