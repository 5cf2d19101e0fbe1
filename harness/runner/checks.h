/* SPDX-License-Identifier: MIT */
/*
 * checks.h - a lab's list of checks, and what one run of a check produced.
 *
 * A checks file is a list of blocks:
 *
 *   [stress-mutex]                 the check's id (for ONLY= and replay)
 *   kind    = stress               unit race stress tsan helgrind drd asan
 *                                  run explore
 *   title   = thread_product_mutex x5000
 *   run     = $NATIVE/thread_product_mutex --runs 5000 --noise --seed $SEED
 *   expect  = clean                detectors only: race, clean (no report
 *                                  and the program succeeds) or silent (no
 *                                  report, whatever the program concluded);
 *                                  explore: clean (default) or bug (the
 *                                  explorer must find a failing schedule)
 *   timeout = 20                   seconds per process (default 30)
 *   repeat  = 5                    whole-process runs, seeds SEED..SEED+4
 *   hint    = a lost wake-up?      said when the check fails
 *   points  = 2                    weight when grading (default 1)
 *   skeleton = pass                the untouched skeleton passes it (it
 *                                  exercises only harness code); default fail
 *   memory  = 2048                 address-space limit in MiB, or none
 *   after   = unit, explore-mutex  start only once these (earlier) checks
 *                                  finished; if one failed, this one is
 *                                  skipped with a line that names it
 *   extension = MPMC               an optional extension: reported apart,
 *                                  its failures do not fail the lab
 *   channel = none                 the program is not the harness's (any
 *                                  program, as race-detect runs): judged
 *                                  from its output and exit status. By
 *                                  default a check's verdict comes from
 *                                  the verdict channel (harness/lib/
 *                                  verdict.h), never from its output
 *
 * Lines starting with # are comments. run is handed to /bin/sh, so $NATIVE,
 * $TSAN, $SEED and the other variables the runner exports expand there.
 */
#ifndef RUNNER_CHECKS_H
#define RUNNER_CHECKS_H

#include <stdbool.h>
#include <stddef.h>

struct report_set; /* reports.h */

enum check_kind {
	KIND_UNIT,
	KIND_RACE,
	KIND_STRESS,
	KIND_TSAN,
	KIND_HELGRIND,
	KIND_DRD,
	KIND_ASAN,
	KIND_RUN,
	KIND_EXPLORE,
};

/*
 * MAX_EVIDENCE: the lines of evidence a failure usually shows. A unit
 * check names every failing test, and an explore check shows its whole
 * timeline, up to MAX_ROWS lines.
 */
enum { MAX_EVIDENCE = 8, MAX_ROWS = 160, MAX_AFTER = 8, TEXT_MAX = 512 };

struct check {
	char *id;
	enum check_kind kind;
	char *title;
	char *run;
	char *hint;
	bool expect_race;   /* detectors: a report is the expected outcome */
	bool expect_silent; /* no report; the program's verdict is not ours */
	bool expect_bug;    /* explore: a failing schedule is the outcome */
	bool skeleton_pass;
	int timeout_s;
	int repeat;
	int points;
	long memory_mib; /* 0: no limit */
	int line;        /* where the block starts in the file */
	char *extension; /* NULL: a required check */
	bool no_channel; /* channel = none: records read from the log */
	int after[MAX_AFTER]; /* indexes of earlier checks in the file */
	int n_after;
};

/* What the runner concluded from one or more processes of a check. */
struct outcome {
	bool pass;
	bool skipped; /* not run: a check it comes after failed */
	bool timed_out;
	int signal; /* the signal that killed the last process, or 0 */
	char figure[TEXT_MAX];
	char evidence[MAX_ROWS][TEXT_MAX];
	int n_evidence;
	unsigned long long replay_seed;
	double seconds;
	int processes;
	unsigned long runs; /* in-process runs the last process reported */
	char log[TEXT_MAX]; /* the log of the run that decided */
	char sched[TEXT_MAX]; /* explore: the failing schedule, or "" */
	struct report_set *report; /* a detector's parsed reports, or NULL */
};

const char *kind_name(enum check_kind k);

/*
 * checks_load - parse a checks file.
 *
 * Returns the number of checks (>= 0) and sets *out, or -1 after printing
 * a message with the file name and line to stderr.
 */
int checks_load(const char *path, struct check **out);

/*
 * judge - decide a check's outcome from one process's exit status, what
 * its harness code wrote on the verdict channel (chan, clen) and its log.
 *
 * The records (STAT, UNIT, EXPLORE..., protocol.h) are read from the
 * channel only, and every BEGIN there must have its DONE: a program that
 * ended before the harness confirmed its last test fails. The log gives
 * the evidence, the detectors' reports and the RESULT line a student reads.
 *
 * status is as from waitpid(), or JUDGE_TIMED_OUT when the runner killed
 * the process at its timeout, or JUDGE_LOST when the process is gone and
 * its status could not be collected (a runner fault, never the check's).
 * Fills in o's pass, figure and evidence; for stress checks the caller
 * keeps calling it for each repetition until one fails.
 */
#define JUDGE_TIMED_OUT (-1)
#define JUDGE_LOST (-2)

void judge(const struct check *c, int status, const char *log, size_t len,
	   const char *chan, size_t clen, unsigned long long seed,
	   struct outcome *o);

#endif /* RUNNER_CHECKS_H */
