/* SPDX-License-Identifier: MIT */
/*
 * results.h - what a run of a lab's checks concluded, as the closing line
 * and as the results JSON that every other tool reads (the schema is in
 * docs/architecture.md, "Results JSON").
 */
#ifndef RUNNER_RESULTS_H
#define RUNNER_RESULTS_H

#include "checks.h"

#include <jansson.h>

enum { RESULTS_SCHEMA = 1, MAX_EXTENSIONS = 8 };

/* The verdicts counted: overall, required checks, each extension. */
struct tally {
	int passed, failed, skipped;
	int req_passed, req_total;
	int n_ext;
	struct {
		const char *name;
		int passed, total;
	} ext[MAX_EXTENSIONS];
};

const char *verdict_name(const struct outcome *o);

void tally_add(struct tally *t, const struct check *c, const struct outcome *o);

/* 0 when the lab passed: every required check (every check if strict). */
int tally_status(const struct tally *t, bool strict);

/*
 * "lab03: 16 passed, 7 failed: 16/16 required, extension MPMC 0/7 (12 s)";
 * the plain "lab02: 3 passed, 1 failed, 13 skipped (9 s)" without
 * extensions.
 */
void tally_line(char *dst, size_t cap, const char *label, const struct tally *t,
		double seconds);

/* The command that replays a failed check, or "" for one that did not
 * fail. replay is the command's start ("make check-lab 2 SRC=solutions"). */
void replay_command(char *dst, size_t cap, const char *replay,
		    const struct check *c, const struct outcome *o);

/* One check as JSON; o NULL for --list (the parsed check only). */
json_t *check_json(const struct check *checks, const struct check *c,
		   const struct outcome *o, const char *replay);

/* The top-level object: label, seed, counts, exit status. */
json_t *results_json(const char *label, unsigned long long seed, bool strict,
		     const struct tally *t, double seconds, bool interrupted);

/* Write root to path (atomically: a reader never sees half a file). */
int results_write(const char *path, json_t *root);

#endif /* RUNNER_RESULTS_H */
