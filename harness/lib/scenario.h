/* SPDX-License-Identifier: MIT */
/*
 * scenario.h - the command line and the report shared by scenario programs.
 *
 * Every scenario program repeats one experiment --runs times in-process and
 * ends with one machine-readable line on stdout that the runner reads
 * (its format and the exit statuses are protocol.h's):
 *
 *   STAT runs=1000 failures=912 first=2 seed=41
 *
 * Common options: --runs N, --seed S (default: drawn from the clock and
 * printed), --noise (seeded schedule noise, see preempt.h), --quiet. Each
 * program adds its own unsigned options (--threads, --iters, ...) through a
 * table, so that every knob has a small default that a check can override.
 * Exit status: 0 when no run failed, 1 when some run failed, 2 on a usage or
 * set-up error (the message says which).
 */
#ifndef LAB_SCENARIO_H
#define LAB_SCENARIO_H

#include <stdbool.h>
#include <stdint.h>

#include "verdict.h"

struct scenario_opt {
	const char *name;    /* "threads" for --threads N */
	unsigned long *value;
	const char *help;
};

struct scenario {
	const char *name;
	const char *summary;
	unsigned long runs;
	uint64_t seed;
	bool noise;
	bool quiet;
	/* filled in as runs fail */
	unsigned long failures;      /* runs that failed, each once */
	unsigned long first_failure; /* 1-based; 0 when none failed */
	unsigned long last_failure;  /* 1-based; the run counted last */
	unsigned long messages;      /* printed so far */
};

/*
 * scenario_parse - read the common options and the program's own table.
 *
 * opts ends with a {NULL} entry. Exits with status 2 and a usage message on
 * bad input; prints the usage and exits 0 on --help.
 */
void scenario_parse(struct scenario *sc, const struct scenario_opt *opts,
		    int argc, char **argv);

/*
 * scenario_fail - record that run number run (0-based) failed, and say why
 * on stderr for the first few failures. A run that fails several ways
 * counts once. printf-style.
 */
void scenario_fail(struct scenario *sc, unsigned long run, const char *fmt,
		   ...) __attribute__((format(printf, 3, 4)));

/*
 * scenario_finish - send the STAT line (on the verdict channel and stdout,
 * verdict.h), confirm that the harness reached its end, and return the
 * exit status. scenario_parse() took the channel.
 */
int scenario_finish(const struct scenario *sc);

/*
 * scenario_die - a set-up step failed (a function returned a negative
 * errno): say which, and exit 2. Used for errors that are not the
 * experiment's outcome, such as a TODO that returns -ENOSYS.
 */
void scenario_die(const char *what, int err) __attribute__((noreturn));

#endif /* LAB_SCENARIO_H */
