// SPDX-License-Identifier: MIT
/*
 * The explorer's parent: it owns the search. Each schedule runs in a fresh
 * child forked from this single-threaded process, so a crash, a hang or
 * corrupted state in the lab's code fails that schedule only. Strategies:
 * depth-first search of every schedule within a preemption bound (CHESS),
 * PCT (Burckhardt et al., ASPLOS 2010) and a random walk, each
 * deterministic from its parameters; a failure is shortened to the fewest
 * preemptions found, replayed once more to prove it replays, and printed.
 */

#include "explore.h"
#include "explore_int.h"
#include "protocol.h"
#include "verdict.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Schedules run in all, over every bound, when looking for a failure with
 * fewer preemptions: a count, not a time, so the failure printed is the
 * same on any machine. */
enum { MINIMISE_BUDGET = 500 };

struct opts {
	enum ex_strategy strategy;
	unsigned long bound, depth, runs, seed, max_schedules, max_steps;
	unsigned long timeout, spurious, plain, minimise;
};

struct search {
	const struct explore_test *test;
	struct opts o;
	unsigned long schedules; /* run so far, in all */
	struct timespec t0;
	/* the failure being reported */
	bool failed;
	uint32_t nfail;
	uint8_t fail[EX_MAX_DECISIONS];
	unsigned fail_preemptions;
	unsigned long fail_at; /* schedules run when it was found */
	/* its shortening: schedules run, bounds searched, all of them? */
	unsigned long min_extra;
	unsigned min_bounds;
	bool min_complete;
};

static const char *strategy_names[] = {"dfs", "pct", "random", "replay"};

static double seconds(const struct search *se)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - se->t0.tv_sec) +
	       (double)(t.tv_nsec - se->t0.tv_nsec) / 1e9;
}

/* -- one schedule ---------------------------------------------------------- */

/* Only one thread of a schedule runs at a time, and each hand-over wakes
 * the next: on one CPU that is a switch on the spot, where across CPUs it
 * waits for the other CPU's scheduler. */
static void pin_to_one_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	CPU_ZERO(&set);
	CPU_SET(cpu >= 0 ? cpu : 0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/*
 * Work every schedule's child would otherwise repeat after its fork, each
 * time paying for the pages it writes (a copy each, and a TLB flush): the
 * look-up of the functions the explorer takes over, one malloc arena for
 * all threads instead of one made per thread, and malloc's and stdio's
 * set-up, done here once. (The explore build also links with -z now, so
 * that no child resolves a symbol lazily.)
 */
static void prepare_children(void)
{
	ex_resolve_real();
	mallopt(M_ARENA_MAX, 1);
	free(malloc(1));
	fflush(NULL);
}

static void child(const struct explore_test *t)
{
	int null = open("/dev/null", O_WRONLY);
	sigset_t none;

	if (null >= 0) {
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
	}
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	pin_to_one_cpu();
	ex_child_run(t->body);
}

/* Why a child ended without saying so itself. */
static void died(struct ex_shared *s, int status, bool hung,
		 unsigned long timeout)
{
	const struct ex_step *last = s->nsteps ? &s->step[s->nsteps - 1] : NULL;
	char after[120] = "";

	if (last)
		snprintf(after, sizeof(after), " after step %u (T%u: %s)",
			 s->nsteps, last->tid, last->text);
	if (hung)
		snprintf(s->message, sizeof(s->message),
			 "hang: the schedule did not end within %lu s%s: a "
			 "thread loops without reaching a scheduling point "
			 "(a spin on a plain variable?)",
			 timeout, after);
	else if (WIFSIGNALED(status))
		snprintf(s->message, sizeof(s->message), "crashed: %s%s",
			 sigabbrev_np(WTERMSIG(status)) ? sigabbrev_np(WTERMSIG(status)) : "signal",
			 after);
	else
		snprintf(s->message, sizeof(s->message),
			 "the program exited (status %d) in the middle of "
			 "the test%s",
			 WEXITSTATUS(status), after);
	atomic_store(&s->outcome, EX_FAIL);
}

/* Run one schedule: the prefix of choices, then the strategy's rule. */
static enum ex_outcome run_one(struct search *se, const uint8_t *prefix,
			       uint32_t n, enum ex_strategy st, uint64_t seed)
{
	struct ex_shared *s = ex_shm;
	struct timespec limit = {(time_t)se->o.timeout, 0};
	sigset_t chld;
	int status = 0;
	pid_t pid;

	s->strategy = st;
	s->seed = seed;
	s->nprefix = n;
	memcpy(s->prefix, prefix, n);
	atomic_store(&s->outcome, EX_NONE);
	s->message[0] = '\0';
	s->npoints = s->nthreads = s->ndec = s->nsteps = 0;
	fflush(NULL);
	se->schedules++;
	pid = fork();
	if (pid < 0) {
		snprintf(s->message, sizeof(s->message), "fork: %s",
			 strerror(errno));
		atomic_store(&s->outcome, EX_SETUP);
		return EX_SETUP;
	}
	if (pid == 0)
		child(se->test);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	for (;;) {
		pid_t r = waitpid(pid, &status, WNOHANG);

		if (r == pid)
			break;
		if (sigtimedwait(&chld, NULL, &limit) < 0 && errno == EAGAIN) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			died(s, status, true, se->o.timeout);
			return EX_FAIL;
		}
	}
	if (atomic_load(&s->outcome) == EX_NONE)
		died(s, status, false, 0);
	return (enum ex_outcome)atomic_load(&s->outcome);
}

/* Remember the failure now in the shared record, if it is the first or
 * needs fewer preemptions than the one kept. */
static void keep_failure(struct search *se)
{
	unsigned p = ex_preemptions(ex_shm);

	if (se->failed && p >= se->fail_preemptions)
		return;
	se->failed = true;
	se->fail_preemptions = p;
	se->nfail = ex_shm->ndec;
	for (uint32_t i = 0; i < ex_shm->ndec; i++)
		se->fail[i] = ex_shm->dec[i].chosen;
	if (!se->fail_at)
		se->fail_at = se->schedules;
}

/* -- depth-first search within a preemption bound --------------------------- */

struct node {
	struct ex_decision d;
	uint32_t tried; /* threads already run from this decision */
};
static struct node nodes[EX_MAX_DECISIONS];

static enum ex_outcome nondet(const char *why, uint32_t at)
{
	snprintf(ex_shm->message, sizeof(ex_shm->message),
		 "the test is not deterministic: replaying a schedule %s at "
		 "decision %u (does it depend on time or on addresses?)",
		 why, at + 1);
	return EX_NONDET;
}

/* The next schedule: the deepest decision with an untried choice that
 * stays within the bound. Returns its depth, or 0 when all are done. */
static uint32_t backtrack(uint32_t n, unsigned bound, uint8_t *prefix)
{
	for (; n > 0; n--) {
		struct node *nd = &nodes[n - 1];
		uint32_t left = nd->d.cands & ~nd->tried;
		unsigned before = 0;

		if (!left)
			continue;
		for (uint32_t i = 0; i + 1 < n; i++)
			before += (unsigned)ex_cost(&nodes[i].d,
						    nodes[i].d.chosen);
		for (int k = 1; k <= EX_MAX_THREADS; k++) {
			int t = (nd->d.cur + k) % EX_MAX_THREADS;

			if (!(left & (1u << t)) ||
			    before + (unsigned)ex_cost(&nd->d, t) > bound)
				continue;
			nd->tried |= 1u << t;
			nd->d.chosen = (uint8_t)t;
			for (uint32_t i = 0; i < n; i++)
				prefix[i] = nodes[i].d.chosen;
			return n;
		}
	}
	return 0;
}

/*
 * Every schedule with at most bound preemptions, or budget of them.
 * Returns EX_PASS (no failure; *complete says whether all were run),
 * EX_FAIL (kept), or EX_SETUP / EX_NONDET (stop).
 */
static enum ex_outcome dfs(struct search *se, unsigned bound,
			   unsigned long budget, bool *complete)
{
	static uint8_t prefix[EX_MAX_DECISIONS];
	unsigned long start = se->schedules;
	uint32_t depth = 0;

	*complete = false;
	for (;;) {
		const struct ex_shared *s = ex_shm;
		enum ex_outcome r;

		if (se->schedules - start >= budget)
			return EX_PASS;
		r = run_one(se, prefix, depth, EX_DFS, 0);
		if (r == EX_SETUP || r == EX_NONDET)
			return r;
		if (s->ndec < depth)
			return nondet("ended early", s->ndec);
		for (uint32_t i = 0; i < depth; i++)
			if (s->dec[i].cands != nodes[i].d.cands)
				return nondet("met other threads", i);
		for (uint32_t i = depth; i < s->ndec; i++) {
			nodes[i].d = s->dec[i];
			nodes[i].tried = 1u << s->dec[i].chosen;
		}
		if (r == EX_FAIL) {
			keep_failure(se);
			return EX_FAIL;
		}
		depth = backtrack(s->ndec, bound, prefix);
		if (!depth) {
			*complete = true;
			return EX_PASS;
		}
	}
}

/*
 * Look for the failure with fewer preemptions: every schedule with 0, 1,
 * ... up to one less than the failure found, lowest bound first, within
 * MINIMISE_BUDGET schedules in all. A failure found at bound b ends it:
 * none with fewer exists, bounds below b having been searched in full.
 */
static enum ex_outcome minimise(struct search *se)
{
	unsigned long before = se->schedules;
	enum ex_outcome r = EX_PASS;

	se->min_complete = true;
	for (unsigned b = 0; b < se->fail_preemptions && b <= 3; b++) {
		unsigned long used = se->schedules - before;
		bool complete = false;

		if (used < MINIMISE_BUDGET)
			r = dfs(se, b, MINIMISE_BUDGET - used, &complete);
		se->min_bounds = b + 1;
		if (r != EX_PASS)
			break;
		if (!complete) {
			se->min_complete = false;
			break;
		}
	}
	se->min_extra = se->schedules - before;
	return r == EX_PASS ? EX_FAIL : r;
}

/* -- PCT and random walks ----------------------------------------------------- */

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * PCT: random thread priorities, d-1 points where the running thread drops
 * to the lowest, the highest-priority runnable thread always runs. A run
 * finds a given bug of depth d with probability at least 1/(n k^(d-1)),
 * n threads and k steps; *prob gets that bound, from the largest n and k
 * seen. Random: each choice uniform among the threads that may go.
 */
static enum ex_outcome sample(struct search *se, enum ex_strategy st,
			      double *prob)
{
	enum ex_outcome r = run_one(se, NULL, 0, EX_DFS, 0);
	unsigned long k, n;

	if (r == EX_FAIL)
		keep_failure(se);
	if (r != EX_PASS)
		return r;
	k = ex_shm->npoints ? ex_shm->npoints : 1;
	n = ex_shm->nthreads ? ex_shm->nthreads : 1;
	for (unsigned long run = 0; run < se->o.runs; run++) {
		uint64_t x = se->o.seed * 1000003u + run;

		ex_shm->depth = (unsigned)se->o.depth;
		for (unsigned i = 0; i < 4; i++)
			ex_shm->change[i] = 1 + (uint32_t)(splitmix(&x) % k);
		r = run_one(se, NULL, 0, st, splitmix(&x));
		if (ex_shm->npoints > k)
			k = ex_shm->npoints;
		if (ex_shm->nthreads > n)
			n = ex_shm->nthreads;
		*prob = 1.0 / ((double)n * pow((double)k,
					       (double)se->o.depth - 1));
		if (r == EX_FAIL)
			keep_failure(se);
		if (r != EX_PASS)
			return r;
	}
	return EX_PASS;
}

/* -- output ------------------------------------------------------------------- */

static void verdict(const struct search *se, bool pass, unsigned long n,
		    bool complete, double prob)
{
	unsigned long b = se->o.strategy == EX_PCT      ? se->o.depth
			  : se->o.strategy == EX_RANDOM ? 0
							: se->o.bound;
	char p[32] = "";

	if (se->o.strategy == EX_PCT)
		snprintf(p, sizeof(p), " prob=%.3g", prob);
	verdict_say("%s verdict=%s strategy=%s schedules=%lu bound=%lu "
		    "complete=%s seconds=%.1f%s",
		    PROTO_EXPLORE, pass ? "pass" : "fail",
		    strategy_names[se->o.strategy], n, b,
		    complete ? "yes" : "no", seconds(se), p);
	verdict_done(); /* the last line, on the channel (verdict.h) */
}

static void print_failure(const struct search *se, char **argv)
{
	char sched[4 * EX_MAX_DECISIONS];

	ex_sched_string(ex_shm, sched, sizeof(sched));
	verdict_say("%s %s", PROTO_EXPLORE_FAIL, ex_shm->message);
	verdict_say("%s %s", PROTO_EXPLORE_SCHED, sched);
	ex_print_timeline(ex_shm);
	printf("explore: replay this schedule with %s=%s", PROTO_SCHED_ENV,
	       sched);
	for (char **a = argv; *a; a++)
		printf(" %s", *a);
	printf("\n");
	(void)se;
}

static int setup_error(const struct search *se)
{
	verdict_say("%s set-up: %s", PROTO_EXPLORE_FAIL, ex_shm->message);
	fprintf(stderr, "%s: %s\n", se->test->name, ex_shm->message);
	verdict(se, false, se->schedules, false, 0);
	return PROTO_EXIT_SETUP;
}

/* Replay the failure kept, prove that it fails again, and print it. */
static int report_failure(struct search *se, char **argv, double prob)
{
	enum ex_outcome r = run_one(se, se->fail, se->nfail, EX_REPLAY, 0);

	if (r == EX_SETUP || r == EX_NONDET)
		return setup_error(se);
	if (r != EX_FAIL) {
		nondet("passed", se->nfail);
		return setup_error(se);
	}
	print_failure(se, argv);
	printf("explore: found at schedule %lu, with %u preemption%s",
	       se->fail_at, se->fail_preemptions,
	       se->fail_preemptions == 1 ? "" : "s");
	if (se->fail_preemptions == 0)
		printf(" (none needed)\n");
	else if (!se->o.minimise)
		printf(" (not shortened: --minimise 0)\n");
	else if (se->min_complete)
		printf("; none with fewer found in %lu more schedule%s "
		       "(bounds 0 to %u)\n",
		       se->min_extra, se->min_extra == 1 ? "" : "s",
		       se->fail_preemptions > 4 ? 3 : se->fail_preemptions - 1);
	else
		printf("; none with fewer found in %lu more schedule%s "
		       "(bound %u not searched in full: at most %d)\n",
		       se->min_extra, se->min_extra == 1 ? "" : "s",
		       se->min_bounds - 1, MINIMISE_BUDGET);
	verdict(se, false, se->fail_at, false, prob);
	return PROTO_EXIT_FAILED;
}

static int replay(struct search *se, const char *str, char **argv)
{
	static uint8_t prefix[EX_MAX_DECISIONS];
	uint32_t n;
	enum ex_outcome r;

	if (ex_sched_parse(str, prefix, &n) < 0) {
		fprintf(stderr,
			"%s: %s='%s' is not a schedule (e.g. 0*3.1.2)\n",
			se->test->name, PROTO_SCHED_ENV, str);
		return PROTO_EXIT_SETUP;
	}
	r = run_one(se, prefix, n, EX_REPLAY, 0);
	if (r == EX_SETUP || r == EX_NONDET)
		return setup_error(se);
	if (r == EX_FAIL) {
		print_failure(se, argv);
		verdict(se, false, 1, false, 0);
		return PROTO_EXIT_FAILED;
	}
	snprintf(ex_shm->message, sizeof(ex_shm->message),
		 "this schedule ends without a failure");
	ex_print_timeline(ex_shm);
	verdict(se, true, 1, false, 0);
	return PROTO_EXIT_OK;
}

/* -- the command line ---------------------------------------------------------- */

static void usage(const struct explore_test *t,
		  const struct scenario_opt *opts, FILE *to)
{
	fprintf(to,
		"usage: %s [--strategy dfs|pct|random] [--bound B] "
		"[--depth D] [--runs N] [--seed S]\n"
		"       [--max-schedules N] [--max-steps N] [--timeout S] "
		"[--spurious 0|1] [--plain 0|1] [--minimise 0|1]",
		t->name);
	for (const struct scenario_opt *o = opts; o && o->name; o++)
		fprintf(to, " [--%s N]", o->name);
	fprintf(to, "\n%s\n", t->summary);
	for (const struct scenario_opt *o = opts; o && o->name; o++)
		fprintf(to, "  --%-14s %s (%lu)\n", o->name, o->help,
			*o->value);
	fprintf(to, "  %s=S replays the schedule S and prints its timeline\n",
		PROTO_SCHED_ENV);
}

static unsigned long *opt_slot(struct opts *o, const char *name,
			       const struct scenario_opt *opts)
{
	static const char *names[] = {"bound", "depth", "runs", "seed",
				      "max-schedules", "max-steps",
				      "timeout", "spurious", "plain",
				      "minimise"};
	unsigned long *slots[] = {&o->bound, &o->depth, &o->runs,
				  &o->seed, &o->max_schedules, &o->max_steps,
				  &o->timeout, &o->spurious, &o->plain,
				  &o->minimise};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(name, names[i]) == 0)
			return slots[i];
	for (const struct scenario_opt *s = opts; s && s->name; s++)
		if (strcmp(name, s->name) == 0)
			return s->value;
	return NULL;
}

static int parse_strategy(const char *v, enum ex_strategy *st)
{
	for (int i = EX_DFS; i <= EX_RANDOM; i++)
		if (strcmp(v, strategy_names[i]) == 0) {
			*st = (enum ex_strategy)i;
			return 0;
		}
	return -1;
}

static int parse(struct search *se, const struct scenario_opt *opts,
		 int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long *slot;
		char *end;

		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			usage(se->test, opts, stdout);
			exit(PROTO_EXIT_OK);
		}
		if (strncmp(a, "--", 2) != 0 || !v)
			goto bad;
		i++;
		if (strcmp(a + 2, "strategy") == 0) {
			if (parse_strategy(v, &se->o.strategy) < 0)
				goto bad;
			continue;
		}
		slot = opt_slot(&se->o, a + 2, opts);
		if (!slot || *v == '-')
			goto bad;
		errno = 0;
		*slot = strtoul(v, &end, 0);
		if (errno || *end || end == v)
			goto bad;
		continue;
bad:
		fprintf(stderr, "%s: bad argument '%s'\n", se->test->name, a);
		usage(se->test, opts, stderr);
		return -1;
	}
	if (se->o.max_steps == 0 || se->o.timeout == 0 || se->o.depth == 0 ||
	    se->o.depth > 5) {
		fprintf(stderr, "%s: --max-steps and --timeout must be > 0, "
				"--depth 1 to 5\n",
			se->test->name);
		return -1;
	}
	return 0;
}

int explore_main(const struct explore_test *t, const struct scenario_opt *opts,
		 int argc, char **argv)
{
	struct search se = {.test = t,
			    .o = {.strategy = EX_DFS, .bound = t->bound,
				  .depth = 3, .runs = 200, .seed = 1,
				  .max_schedules = 200000, .max_steps = 5000,
				  .timeout = 10, .spurious = t->spurious,
				  .minimise = 1}};
	const char *sched = getenv(PROTO_SCHED_ENV);
	enum ex_outcome r = EX_PASS;
	double prob = 0;
	bool complete = false;
	sigset_t chld;

	verdict_take(); /* before any of the lab's code (verdict.h) */
	if (t->strategy)
		parse_strategy(t->strategy, &se.o.strategy);
	if (se.o.strategy == EX_PCT)
		se.o.depth = t->bound ? t->bound : 3;
	if (parse(&se, opts, argc, argv) < 0)
		return PROTO_EXIT_SETUP;
	ex_shm = mmap(NULL, sizeof(*ex_shm), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ex_shm == MAP_FAILED) {
		perror("mmap");
		return PROTO_EXIT_SETUP;
	}
	ex_shm->max_steps = (unsigned)se.o.max_steps;
	ex_shm->spurious = se.o.spurious != 0;
	ex_shm->plain = se.o.plain != 0;
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	prepare_children();
	clock_gettime(CLOCK_MONOTONIC, &se.t0);
	if (sched && *sched)
		return replay(&se, sched, argv);
	if (se.o.strategy == EX_DFS)
		r = dfs(&se, (unsigned)se.o.bound, se.o.max_schedules,
			&complete);
	else
		r = sample(&se, se.o.strategy, &prob);
	if (r == EX_SETUP || r == EX_NONDET)
		return setup_error(&se);
	if (r == EX_FAIL && se.o.minimise) {
		r = minimise(&se);
		if (r == EX_SETUP || r == EX_NONDET)
			return setup_error(&se);
		return report_failure(&se, argv, prob);
	}
	if (r == EX_FAIL)
		return report_failure(&se, argv, prob);
	if (se.o.strategy == EX_DFS)
		printf("explore: %s %lu schedules with <= %lu preemptions: no "
		       "failure\n",
		       complete ? "explored all" : "explored (budget reached)",
		       se.schedules, se.o.bound);
	else
		printf("explore: %lu %s schedules: no failure; a bug of depth "
		       "%lu would show in each with probability >= %.3g\n",
		       se.schedules, strategy_names[se.o.strategy],
		       se.o.depth, prob);
	verdict(&se, true, se.schedules, complete, prob);
	return PROTO_EXIT_OK;
}
