// SPDX-License-Identifier: MIT
/*
 * The command line and the STAT report shared by every scenario program
 * (see scenario.h).
 */
#include "scenario.h"
#include "preempt.h"
#include "protocol.h"
#include "verdict.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { MAX_REPORTED_FAILURES = 3 };

static void usage(const struct scenario *sc, const struct scenario_opt *opts,
		  FILE *to)
{
	fprintf(to, "usage: %s [--runs N] [--seed S] [--noise] [--quiet]",
		sc->name);
	for (const struct scenario_opt *o = opts; o->name; o++)
		fprintf(to, " [--%s N]", o->name);
	fprintf(to, "\n%s\n", sc->summary);
	fprintf(to, "  --runs N     repeat the experiment N times (%lu)\n",
		sc->runs);
	fprintf(to, "  --seed S     seed of the schedule noise\n");
	fprintf(to, "  --noise      yield or spin at random at switch points\n");
	fprintf(to, "  --quiet      print only the STAT line and failures\n");
	for (const struct scenario_opt *o = opts; o->name; o++)
		fprintf(to, "  --%-10s %s (%lu)\n", o->name, o->help, *o->value);
}

static bool parse_ulong(const char *s, unsigned long long *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && *end == '\0';
}

static const struct scenario_opt *find_opt(const struct scenario_opt *opts,
					   const char *name)
{
	for (const struct scenario_opt *o = opts; o->name; o++)
		if (strcmp(o->name, name) == 0)
			return o;
	return NULL;
}

static void bad(const struct scenario *sc, const struct scenario_opt *opts,
		const char *arg)
{
	fprintf(stderr, "%s: bad argument '%s'\n", sc->name, arg);
	usage(sc, opts, stderr);
	exit(PROTO_EXIT_SETUP);
}

void scenario_parse(struct scenario *sc, const struct scenario_opt *opts,
		    int argc, char **argv)
{
	unsigned long long v;
	bool seeded = false;

	/* Before anything of the lab's runs (verdict.h). */
	verdict_take();
	if (sc->runs == 0)
		sc->runs = 1;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(sc, opts, stdout);
			exit(PROTO_EXIT_OK);
		} else if (strcmp(a, "--noise") == 0) {
			sc->noise = true;
		} else if (strcmp(a, "--quiet") == 0) {
			sc->quiet = true;
		} else if (strcmp(a, "--runs") == 0) {
			if (!parse_ulong(argv[++i], &v) || v == 0)
				bad(sc, opts, a);
			sc->runs = (unsigned long)v;
		} else if (strcmp(a, "--seed") == 0) {
			if (!parse_ulong(argv[++i], &v))
				bad(sc, opts, a);
			sc->seed = v;
			seeded = true;
		} else if (strncmp(a, "--", 2) == 0 && find_opt(opts, a + 2)) {
			if (!parse_ulong(argv[++i], &v))
				bad(sc, opts, a);
			*find_opt(opts, a + 2)->value = (unsigned long)v;
		} else {
			bad(sc, opts, a);
		}
	}
	if (!seeded) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		sc->seed = ((uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec) % 100000;
	}
	lab_noise_init(sc->seed, sc->noise);
}

void scenario_fail(struct scenario *sc, unsigned long run, const char *fmt,
		   ...)
{
	va_list ap;

	if (sc->last_failure != run + 1) {
		sc->last_failure = run + 1;
		if (sc->failures++ == 0)
			sc->first_failure = run + 1;
	}
	if (++sc->messages > MAX_REPORTED_FAILURES)
		return;
	fprintf(stderr, "%s" PROTO_RUN_MARK "%lu (seed %llu): ", sc->name,
		run + 1, (unsigned long long)sc->seed);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int scenario_finish(const struct scenario *sc)
{
	verdict_say(PROTO_STAT_FMT, sc->runs, sc->failures, sc->first_failure,
		    (unsigned long long)sc->seed);
	verdict_done();
	return sc->failures ? PROTO_EXIT_FAILED : PROTO_EXIT_OK;
}

void scenario_die(const char *what, int err)
{
	fprintf(stderr, "%s: %s%s\n", what, strerror(err < 0 ? -err : err),
		err == -ENOSYS ? " (still a TODO in the lab's source?)" : "");
	fflush(stderr);
	exit(PROTO_EXIT_SETUP);
}
