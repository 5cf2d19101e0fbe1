// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a program that speaks the verdict channel as the labs'
 * scenarios do (verdict.h), so that its TSan build, or its native build
 * under Helgrind or DRD, runs the harness's control race at its end.
 * "clean" counts under a mutex, "racy" without one, "early" leaves before
 * the harness's last record. Built with -DSILENCE it turns the detector's
 * reports off as a submission might: TSan's through
 * __tsan_default_options, Valgrind's with VALGRIND_DISABLE_ERROR_REPORTING.
 * The runner must notice.
 */
#include "protocol.h"
#include "verdict.h"

#include <pthread.h>
#include <stdio.h>
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
	verdict_say(PROTO_STAT_FMT, 1UL, 0UL, 0UL, 1ULL);
	verdict_done();
	return 0;
}
