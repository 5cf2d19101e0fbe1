/* SPDX-License-Identifier: MIT */
/*
 * build.h - the compiler's messages from a lab's builds, read once for all
 * variants: each message about the student's code shown once (not once
 * per variant), at the student's line even when it arose in a macro of the
 * harness's headers that the student's code expanded.
 */
#ifndef RUNNER_BUILD_H
#define RUNNER_BUILD_H

#include "checks.h"

#include <jansson.h>

enum { MAX_VARIANTS = 8, MAX_MESSAGES = 200 };

struct build_msg {
	char file[TEXT_MAX]; /* as shown: relative to the current directory */
	int line, column;    /* 0 when the message has none */
	char severity[16];   /* error, warning, fatal error */
	char text[TEXT_MAX];
	char via[TEXT_MAX]; /* "in macro X at file:line", or "" */
	bool student;	    /* about a file of the student's tree */
	unsigned variants;  /* bit i: seen in the build of variant i */
	int order;	    /* first seen: the n-th message */
};

struct build {
	int n_variants;
	const char *variant[MAX_VARIANTS];
	const char *log[MAX_VARIANTS];
	int failed; /* index of the variant whose build failed, or -1 */
	struct build_msg msg[MAX_MESSAGES];
	int n_msg;
	int errors, warnings;
};

/* Add a variant's build log ("tsan=path/build-tsan.log"); -1 on a bad
 * argument or too many variants. */
int build_add(struct build *b, const char *variant_eq_log);

/* Read every log's messages; tree is the student's tree (absolute). */
void build_read(struct build *b, const char *tree);

/* Print the build's line and its messages before the checks' lines (only
 * when it failed or warned). Returns true when it printed something. */
bool build_print(const struct build *b, const char *label, const char *lab);

json_t *build_json(const struct build *b);

#endif /* RUNNER_BUILD_H */
