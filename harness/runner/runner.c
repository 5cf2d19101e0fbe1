// SPDX-License-Identifier: MIT
/*
 * The check runner: runs a lab's checks (checks.h) as child processes, up to
 * one per core at a time, each in its own process group under a timeout and
 * resource limits, and prints one line per check in the file's order, then
 * "labNN: X passed, Y failed[, Z skipped]" (and the required checks and each
 * extension apart, where a lab has extensions). A check may wait for others
 * (after = ...) and is skipped when one of them failed. Everything printed
 * is also written as JSON (docs/architecture.md, "Results JSON"), the one
 * thing other tools read. Student code is untrusted: a hang becomes a
 * timeout verdict, a crash names its signal, and the runner itself never
 * waits on anything without a deadline.
 */
#define _GNU_SOURCE
#include "build.h"
#include "checks.h"
#include "protocol.h"
#include "results.h"
#include "reports.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MAX_LOG = 16 << 20 }; /* bytes of a log read for judging */
/* Bytes of a verdict channel kept: its records are a few lines. */
enum { MAX_CHAN = 256 << 10 };

struct job;
struct opts {
	const char *checks_path;
	const char *label;
	const char *only;
	const char *json_path;
	const char *log_dir;
	const char *replay;
	unsigned long long seed;
	int jobs;
	int max_timeout; /* seconds; caps every check's timeout, 0: none */
	bool verbose;
	bool strict;     /* extensions count as required */
	bool list;       /* --list: print the parsed checks as JSON */
	const char *tree;         /* the student's tree, for build messages */
	const char *build_failed; /* the variant whose build failed, or NULL */
	struct build *build;
	double t0;
	struct job *jobs_base; /* for naming cgroups */
};

/* One check in flight or done. */
struct job {
	struct check *c;
	struct outcome out;
	pid_t pid;          /* running process, or 0 */
	int rep;            /* repetitions started */
	unsigned long runs; /* in-process runs over all repetitions */
	bool done;
	bool killed;        /* past its timeout: SIGKILL sent, not reaped yet */
	int after[MAX_AFTER]; /* jobs to wait for: indexes into the jobs */
	int n_after;
	bool printed;
	double started;     /* of the whole check */
	double proc_started;
	char log_path[TEXT_MAX];
	char cgroup[TEXT_MAX]; /* pids cgroup of the running process, or "" */
	int chan_fd;        /* read end of the running process's verdict
			       channel, or -1 */
	char *chan;         /* what it wrote there (MAX_CHAN at most) */
	size_t chan_len;
};

static volatile sig_atomic_t interrupted;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig)
{
	interrupted = sig;
}

static void usage(FILE *to)
{
	fprintf(to,
		"usage: runner [--label L] [--seed N] [--only GLOB] [--jobs N]\n"
		"              [--json FILE] [--logs DIR] [--replay CMD]\n"
		"              [--max-timeout S] [--strict] [-v]\n"
		"              [--tree DIR] [--build VARIANT=LOG ...]\n"
		"              [--build-failed VARIANT] CHECKS\n"
		"       runner --list [--only GLOB] CHECKS\n"
		"       runner --parse-report tsan|helgrind|drd|asan LOG\n");
}

static int arg_error(const char *fmt, const char *what)
{
	fputs("runner: ", stderr);
	fprintf(stderr, fmt, what);
	fputc('\n', stderr);
	return -1;
}

/* A whole decimal number in [lo, hi], or -1. */
static int parse_num(const char *v, unsigned long long lo,
		     unsigned long long hi, unsigned long long *out)
{
	char *end;

	errno = 0;
	if (!isdigit((unsigned char)*v))
		return -1;
	*out = strtoull(v, &end, 10);
	return errno || *end || *out < lo || *out > hi ? -1 : 0;
}

static int parse_args(int argc, char **argv, struct opts *o)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	struct build *build = o->build;
	unsigned long long num;

	*o = (struct opts){.build = build, .label = "lab",
			   .log_dir = "build/results/logs",
			   .replay = "make check-lab", .jobs = n > 0 ? (int)n : 1,
			   .seed = (unsigned long long)time(NULL) % 100000};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			o->verbose = true;
			continue;
		}
		if (strcmp(a, "--strict") == 0) {
			o->strict = true;
			continue;
		}
		if (strcmp(a, "--list") == 0) {
			o->list = true;
			continue;
		}
		if (a[0] != '-') {
			if (o->checks_path)
				return arg_error("one checks file, not two "
						 "(%s)",
						 a);
			o->checks_path = a;
			continue;
		}
		if (!v)
			return arg_error("%s needs a value", a);
		i++;
		if (strcmp(a, "--label") == 0) {
			o->label = v;
		} else if (strcmp(a, "--only") == 0) {
			o->only = *v ? v : NULL;
		} else if (strcmp(a, "--json") == 0) {
			o->json_path = v;
		} else if (strcmp(a, "--logs") == 0) {
			o->log_dir = v;
		} else if (strcmp(a, "--replay") == 0) {
			o->replay = v;
		} else if (strcmp(a, "--seed") == 0) {
			if (parse_num(v, 0, ULLONG_MAX / 2, &o->seed))
				return arg_error("--seed wants a number such "
						 "as 41, not '%s'",
						 v);
		} else if (strcmp(a, "--jobs") == 0) {
			if (parse_num(v, 1, 1024, &num))
				return arg_error("--jobs wants a number from "
						 "1 to 1024, not '%s'",
						 v);
			o->jobs = (int)num;
		} else if (strcmp(a, "--tree") == 0) {
			o->tree = v;
		} else if (strcmp(a, "--build") == 0) {
			if (build_add(o->build, v))
				return arg_error("--build wants VARIANT=LOG "
						 "(at most 8), not '%s'",
						 v);
		} else if (strcmp(a, "--build-failed") == 0) {
			o->build_failed = v;
		} else if (strcmp(a, "--max-timeout") == 0) {
			if (parse_num(v, 1, 3600, &num))
				return arg_error("--max-timeout wants seconds "
						 "from 1 to 3600, not '%s'",
						 v);
			o->max_timeout = (int)num;
		} else {
			return arg_error("unknown option %s", a);
		}
	}
	if (!o->checks_path)
		return arg_error("which checks file?%s", "");
	if (o->build_failed) {
		int k = 0;

		while (k < o->build->n_variants &&
		       strcmp(o->build->variant[k], o->build_failed) != 0)
			k++;
		if (k == o->build->n_variants)
			return arg_error("--build-failed %s: no --build "
					 "gives its log",
					 o->build_failed);
		o->build->failed = k;
	}
	return 0;
}

static void set_limit(int res, rlim_t v)
{
	struct rlimit rl = {v, v};

	setrlimit(res, &rl);
}

/*
 * Process-count containment. RLIMIT_NPROC counts every process of the user
 * and does not bind root at all, so where the pids cgroup controller is
 * writable (cgroup v1's pids hierarchy, or v2 with pids enabled) each check
 * runs in a cgroup of its own with pids.max set; its leftovers are killed
 * through cgroup.procs, even those that left the process group.
 */
static const char *cgroup_root(void)
{
	static const char *const roots[] = {"/sys/fs/cgroup/pids",
					     "/sys/fs/cgroup"};
	static const char *found;
	static bool probed;

	if (probed)
		return found;
	probed = true;
	for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
		char probe[TEXT_MAX];

		snprintf(probe, sizeof(probe), "%s/lab-runner-probe-%d",
			 roots[i], (int)getpid());
		if (mkdir(probe, 0755) == 0) {
			char f[TEXT_MAX + 16];

			snprintf(f, sizeof(f), "%s/pids.max", probe);
			bool ok = access(f, W_OK) == 0;

			rmdir(probe);
			if (ok) {
				found = roots[i];
				break;
			}
		}
	}
	return found;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[2 * TEXT_MAX];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok ? 0 : -1;
}

/* Make j's cgroup; leaves j->cgroup empty where there is none to be had. */
static void cgroup_make(struct job *j, int index)
{
	const char *root = cgroup_root();

	j->cgroup[0] = '\0';
	if (!root)
		return;
	snprintf(j->cgroup, sizeof(j->cgroup), "%s/lab-runner-%d-%d", root,
		 (int)getpid(), index);
	if (mkdir(j->cgroup, 0755) < 0 && errno != EEXIST) {
		j->cgroup[0] = '\0';
		return;
	}
	write_file(j->cgroup, "pids.max", "512");
}

/*
 * Kill whatever is left in j's cgroup, then remove it. Only the processes
 * listed in the group are reaped, by pid: the runner's other children are
 * other checks, whose exit statuses poll_jobs() must see (a waitpid(-1)
 * here once took one, and the runner waited for that check for ever).
 * Orphaned grandchildren belong to init, which reaps them.
 */
static void cgroup_clear(struct job *j)
{
	char path[2 * TEXT_MAX];

	if (!j->cgroup[0])
		return;
	snprintf(path, sizeof(path), "%s/cgroup.procs", j->cgroup);
	for (int round = 0; round < 50 && rmdir(j->cgroup) < 0; round++) {
		FILE *f = fopen(path, "r");
		int pid;

		if (!f)
			break;
		while (fscanf(f, "%d", &pid) == 1) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, WNOHANG);
		}
		fclose(f);
		usleep(10000);
	}
	j->cgroup[0] = '\0';
}

/*
 * Grading: harness/grade names a sandbox (harness/sandbox) in LAB_SANDBOX,
 * and every check then runs inside it, as an unprivileged user that sees
 * nothing of the runner. Returns only when there is none.
 */
static void exec_sandboxed(const char *run)
{
	const char *box = getenv("LAB_SANDBOX");

	if (box && *box) {
		execl(box, box, "run", "--", "/bin/sh", "-c", run,
		      (char *)NULL);
		_exit(127);
	}
}

/* In the child: limits, its own process group, output to the log, the
 * verdict channel at a descriptor named in PROTO_VERDICT_ENV, exec. */
static void exec_check(const struct check *c, const char *log_path,
		       const char *cgroup, unsigned long long seed, int chan_w)
{
	char seed_s[32], chan_s[16];
	int fd;

	setpgid(0, 0);
	if (cgroup[0])
		write_file(cgroup, "cgroup.procs", "0");
	fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0644);
	if (fd < 0)
		_exit(127);
	dup2(fd, 1);
	dup2(fd, 2);
	close(fd);
	fd = open("/dev/null", O_RDONLY);
	if (fd >= 0) {
		dup2(fd, 0);
		close(fd);
	}
	/* CPU time: enough for every core to be busy for the whole timeout
	 * (valgrind and the sanitizers count too), so the wall-clock timeout
	 * decides, but a runaway child cannot spin for ever. */
	set_limit(RLIMIT_CPU, (rlim_t)c->timeout_s * 4 + 10);
	if (c->memory_mib > 0)
		set_limit(RLIMIT_AS, (rlim_t)c->memory_mib << 20);
	set_limit(RLIMIT_NPROC, 4096);
	set_limit(RLIMIT_FSIZE, (rlim_t)256 << 20);
	set_limit(RLIMIT_CORE, 0);
	snprintf(seed_s, sizeof(seed_s), "%llu", seed);
	setenv("SEED", seed_s, 1);
	unsetenv(PROTO_VERDICT_ENV);
	if (chan_w >= 0) {
		/* a copy without close-on-exec, which the program inherits */
		fd = fcntl(chan_w, F_DUPFD, 3);
		if (fd < 0)
			_exit(127);
		snprintf(chan_s, sizeof(chan_s), "%d", fd);
		setenv(PROTO_VERDICT_ENV, chan_s, 1);
	}
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	exec_sandboxed(c->run);
	execl("/bin/sh", "sh", "-c", c->run, (char *)NULL);
	_exit(127);
}

static unsigned long long rep_seed(const struct opts *o, const struct job *j)
{
	return o->seed + (unsigned long long)j->rep;
}

/* What the process wrote on its channel so far; never blocks. */
static void chan_drain(struct job *j)
{
	char buf[4096];
	ssize_t n;

	if (j->chan_fd < 0)
		return;
	while ((n = read(j->chan_fd, buf, sizeof(buf))) > 0) {
		size_t keep = (size_t)n;

		if (!j->chan) {
			j->chan = malloc(MAX_CHAN);
			if (!j->chan)
				return;
		}
		if (keep > MAX_CHAN - j->chan_len)
			keep = MAX_CHAN - j->chan_len; /* the rest is dropped */
		memcpy(j->chan + j->chan_len, buf, keep);
		j->chan_len += keep;
	}
}

static void chan_close(struct job *j)
{
	if (j->chan_fd >= 0)
		close(j->chan_fd);
	j->chan_fd = -1;
	free(j->chan);
	j->chan = NULL;
	j->chan_len = 0;
}

/*
 * The verdict channel: a pipe per process, whose read end only the runner
 * holds (close-on-exec, so no other check's process inherits it) and
 * whose write end the child hands to the program. Returns 0, or -errno.
 */
static int chan_open(struct job *j, int *w)
{
	int p[2];

	*w = -1;
	j->chan_fd = -1;
	if (j->c->no_channel)
		return 0;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	j->chan_fd = p[0];
	*w = p[1];
	return 0;
}

static int start(const struct opts *o, struct job *j)
{
	pid_t pid;
	int w;

	snprintf(j->log_path, sizeof(j->log_path), "%s/%s.%d.log", o->log_dir,
		 j->c->id, j->rep);
	if (chan_open(j, &w) < 0)
		return -errno;
	cgroup_make(j, (int)(j - o->jobs_base));
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		if (w >= 0)
			close(w);
		chan_close(j);
		return err;
	}
	if (pid == 0)
		exec_check(j->c, j->log_path, j->cgroup, rep_seed(o, j), w);
	if (w >= 0)
		close(w); /* the child's now: EOF once every writer is gone */
	setpgid(pid, pid); /* as in the child: whoever runs first wins */
	if (j->rep == 0)
		j->started = now();
	j->proc_started = now();
	j->pid = pid;
	j->rep++;
	return 0;
}

/* The log, or its head and tail when it is longer than MAX_LOG: the first
 * report and the closing lines (STAT, RESULT, ERROR SUMMARY) both count. */
static char *read_log(const char *path, size_t *len)
{
	FILE *f;
	char *buf = malloc(MAX_LOG + 128);
	struct stat st;

	*len = 0;
	if (!buf)
		return NULL;
	f = fopen(path, "r");
	if (f && fstat(fileno(f), &st) == 0) {
		if (st.st_size <= MAX_LOG) {
			*len = fread(buf, 1, MAX_LOG, f);
		} else {
			size_t half = MAX_LOG / 2;

			*len = fread(buf, 1, half, f);
			*len += (size_t)sprintf(buf + *len,
						"\n[... %lld bytes cut ...]\n",
						(long long)st.st_size -
							2 * (long long)half);
			fseek(f, -(long)half, SEEK_END);
			*len += fread(buf + *len, 1, half, f);
		}
	}
	if (f)
		fclose(f);
	buf[*len] = '\0';
	return buf;
}

/* A process of j ended: status is as judge() takes it (checks.h), a
 * waitpid() status or JUDGE_TIMED_OUT or JUDGE_LOST. */
static void finished(const struct opts *o, struct job *j, int status)
{
	size_t len;
	char *log = read_log(j->log_path, &len);

	/* Whatever the check left behind in its group goes too. */
	kill(-j->pid, SIGKILL);
	cgroup_clear(j);
	j->pid = 0;
	chan_drain(j);
	judge(j->c, status, log ? log : "", len, j->chan ? j->chan : "",
	      j->chan_len, rep_seed(o, j) - 1, &j->out);
	chan_close(j);
	free(log);
	snprintf(j->out.log, sizeof(j->out.log), "%s", j->log_path);
	j->out.processes = j->rep;
	j->runs += j->out.runs;
	if (!j->out.pass || j->rep >= j->c->repeat) {
		j->done = true;
		j->out.seconds = now() - j->started;
	}
	if (j->done && j->out.pass && j->c->repeat > 1)
		snprintf(j->out.figure, sizeof(j->out.figure),
			 "%lu runs in %d processes, 0 failures (seeds "
			 "%llu..%llu)",
			 j->runs, j->rep, o->seed,
			 o->seed + (unsigned long long)j->rep - 1);
}

/* V=1: the whole log of the deciding run, the detectors' full reports
 * included, up to VERBOSE_LINES lines. */
static void print_log(const char *path)
{
	enum { VERBOSE_LINES = 400 };
	FILE *f = fopen(path, "r");
	char line[1024];
	int n = 0;

	if (!f)
		return;
	while (fgets(line, sizeof(line), f) && n++ < VERBOSE_LINES)
		printf("         | %s%s", line,
		       strchr(line, '\n') ? "" : "\n");
	if (n > VERBOSE_LINES)
		printf("         | [... the rest is in %s]\n", path);
	fclose(f);
}

static void print_result(const struct opts *o, struct job *j)
{
	const struct outcome *r = &j->out;
	char cmd[2 * TEXT_MAX];

	if (r->skipped) {
		printf("%-6s %-9s %-40s SKIP  %s\n", o->label,
		       kind_name(j->c->kind), j->c->title, r->figure);
		fflush(stdout);
		j->printed = true;
		return;
	}
	printf("%-6s %-9s %-40s %s  %s (%.1fs)\n", o->label,
	       kind_name(j->c->kind), j->c->title, r->pass ? "PASS" : "FAIL",
	       r->figure, r->seconds);
	if (o->verbose)
		print_log(r->log);
	/* A race is explained in plain words even when it was expected. */
	if ((!r->pass && !o->verbose) || (r->report && r->report->races > 0))
		for (int i = o->verbose && r->report; i < r->n_evidence; i++)
			printf("         | %s\n", r->evidence[i]);
	if (!r->pass) {
		if (j->c->hint)
			printf("         hint: %s\n", j->c->hint);
		replay_command(cmd, sizeof(cmd), o->replay, j->c, r);
		printf("         replay: %s   log: %s\n", cmd, r->log);
	}
	fflush(stdout);
	j->printed = true;
}

static void write_json(const struct opts *o, const struct check *checks,
		       struct job *jobs, int n, const struct tally *t)
{
	json_t *root = results_json(o->label, o->seed, o->strict, t,
				    now() - o->t0, interrupted != 0);
	json_t *arr = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(arr, check_json(checks, jobs[i].c,
						      &jobs[i].out, o->replay));
	json_object_set_new(root, "checks", arr);
	json_object_set_new(root, "build", build_json(o->build));
	results_write(o->json_path, root);
	json_decref(root);
}

/* Kill every running check; used on SIGINT and SIGTERM. */
static void kill_all(struct job *jobs, int n)
{
	for (int i = 0; i < n; i++)
		if (jobs[i].pid > 0) {
			kill(-jobs[i].pid, SIGKILL);
			cgroup_clear(&jobs[i]);
			chan_close(&jobs[i]);
		}
}

static struct job *job_of(struct job *jobs, int n, pid_t pid)
{
	for (int i = 0; i < n; i++)
		if (jobs[i].pid == pid)
			return &jobs[i];
	return NULL;
}

/* Reap what ended, kill what ran out of time. Returns processes running. */
static int poll_jobs(const struct opts *o, struct job *jobs, int n)
{
	int status, running = 0;
	pid_t pid;

	/* A full pipe would block the writer: read what is there. */
	for (int i = 0; i < n; i++)
		chan_drain(&jobs[i]);
	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct job *j = job_of(jobs, n, pid);

		if (j) {
			bool killed = j->killed;

			j->killed = false;
			finished(o, j, killed ? JUDGE_TIMED_OUT : status);
		}
	}
	/* No child left, yet a check counts as started: its exit was
	 * collected elsewhere. End it with an error, never wait for ever. */
	if (pid < 0 && errno == ECHILD)
		for (int i = 0; i < n; i++)
			if (jobs[i].pid > 0)
				finished(o, &jobs[i], JUDGE_LOST);
	/* Past its timeout a process gets SIGKILL and is reaped above when it
	 * is gone: never a blocking wait, which a process stuck in a
	 * thrashing memory cgroup could stretch to minutes. A dying process
	 * no longer counts as running. */
	for (int i = 0; i < n; i++) {
		struct job *j = &jobs[i];

		if (j->pid <= 0 || j->killed)
			continue;
		if (now() - j->proc_started > j->c->timeout_s) {
			kill(-j->pid, SIGKILL);
			kill(j->pid, SIGKILL);
			j->killed = true;
		} else {
			running++;
		}
	}
	return running;
}

/*
 * Whether j may start: 1 when every check it comes after passed, 0 while
 * one is still running, -1 when one failed or was skipped (then j is
 * skipped, naming the check that failed first).
 */
static int ready(struct job *jobs, struct job *j)
{
	for (int k = 0; k < j->n_after; k++)
		if (!jobs[j->after[k]].done)
			return 0;
	for (int k = 0; k < j->n_after; k++) {
		const struct job *d = &jobs[j->after[k]];

		if (d->out.skipped) {
			/* the same root cause, named once */
			memcpy(j->out.figure, d->out.figure, TEXT_MAX);
			return -1;
		}
		if (!d->out.pass) {
			snprintf(j->out.figure, TEXT_MAX, "%s found %.400s: fix "
				 "it first", d->c->id, d->out.figure);
			return -1;
		}
	}
	return 1;
}

/* Start what may start: repetitions first, then new checks in order. */
static int start_more(const struct opts *o, struct job *jobs, int n,
		      int running)
{
	for (int i = 0; i < n && running < o->jobs; i++) {
		struct job *j = &jobs[i];

		if (j->rep > 0 && !j->done && j->pid == 0 &&
		    start(o, j) == 0)
			running++;
	}
	for (int i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		int r;

		if (j->rep > 0 || j->done)
			continue;
		r = ready(jobs, j);
		if (r < 0) {
			j->out.skipped = true;
			j->done = true;
		} else if (r > 0 && running < o->jobs) {
			if (start(o, j) < 0)
				break; /* fork failed: again at the next tick */
			running++;
		}
	}
	return running;
}

static int run_all(const struct opts *o, const struct check *checks,
		   struct job *jobs, int n)
{
	struct timespec tick = {0, 5 * 1000 * 1000};
	struct tally t = {0};
	char line[2 * TEXT_MAX];
	int printed = 0;

	while (printed < n && !interrupted) {
		start_more(o, jobs, n, poll_jobs(o, jobs, n));
		while (printed < n && jobs[printed].done) {
			print_result(o, &jobs[printed]);
			tally_add(&t, jobs[printed].c, &jobs[printed].out);
			printed++;
		}
		if (printed < n)
			nanosleep(&tick, NULL);
	}
	if (interrupted) {
		kill_all(jobs, n);
		while (waitpid(-1, NULL, 0) > 0)
			;
		for (int i = printed; i < n; i++) {
			snprintf(jobs[i].out.figure, TEXT_MAX,
				 "not finished: interrupted");
			jobs[i].out.pass = false;
			jobs[i].out.skipped = false;
			tally_add(&t, jobs[i].c, &jobs[i].out);
		}
	}
	tally_line(line, sizeof(line), o->label, &t, now() - o->t0);
	printf("%s\n", line);
	fflush(stdout);
	if (o->json_path)
		write_json(o, checks, jobs, n, &t);
	return interrupted ? 1 : tally_status(&t, o->strict);
}

static void mkdirs(const char *path)
{
	char buf[TEXT_MAX];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	mkdir(buf, 0755);
}

/* ONLY: a comma-separated list of check ids or globs ("stress*"). */
static bool selected(const char *only, const char *id)
{
	char buf[TEXT_MAX], *save = NULL;

	if (!only)
		return true;
	snprintf(buf, sizeof(buf), "%s", only);
	for (char *p = strtok_r(buf, ", ", &save); p;
	     p = strtok_r(NULL, ", ", &save))
		if (fnmatch(p, id, 0) == 0)
			return true;
	return false;
}

/* The build failed: no check runs; each is reported skipped, and the
 * build counts as the one failure. */
static int build_failed(const struct opts *o, const struct check *checks,
			struct job *jobs, int n)
{
	struct tally t = {0};
	char line[2 * TEXT_MAX];

	for (int i = 0; i < n; i++) {
		jobs[i].out.skipped = true;
		snprintf(jobs[i].out.figure, TEXT_MAX,
			 "not run: the %s build failed", o->build_failed);
		tally_add(&t, jobs[i].c, &jobs[i].out);
	}
	t.failed++;
	tally_line(line, sizeof(line), o->label, &t, now() - o->t0);
	printf("%s\n", line);
	fflush(stdout);
	if (o->json_path)
		write_json(o, checks, jobs, n, &t);
	return 1;
}

/* "harness/checks/02-mutex.checks" gives "02-mutex". */
static const char *lab_name(const char *checks_path, char *buf, size_t cap)
{
	const char *base = strrchr(checks_path, '/');

	snprintf(buf, cap, "%s", base ? base + 1 : checks_path);
	buf[strcspn(buf, ".")] = '\0';
	return buf;
}

/* --list: the parsed checks that --only selects (all without it), as the
 * results JSON describes them: what ONLY selects is decided here alone. */
static int list_checks(const char *only, const struct check *checks, int n)
{
	json_t *arr = json_array();

	for (int i = 0; i < n; i++)
		if (selected(only, checks[i].id))
			json_array_append_new(
				arr, check_json(checks, &checks[i], NULL, ""));
	if (json_dumpf(arr, stdout, JSON_INDENT(2)) != 0)
		return 2;
	putchar('\n');
	json_decref(arr);
	return 0;
}

/*
 * The jobs: the selected checks, in the file's order. A check's "after"
 * names checks by their index in the file; a job waits for the jobs of
 * those that are selected (ONLY=id runs id alone, whatever it follows).
 */
static struct job *make_jobs(const struct opts *o, struct check *checks,
			     int n, int *m)
{
	struct job *jobs = calloc((size_t)n + 1, sizeof(*jobs));
	int *job_of_check = calloc((size_t)n + 1, sizeof(int));

	*m = 0;
	if (!jobs || !job_of_check) {
		free(jobs);
		free(job_of_check);
		return NULL;
	}
	for (int i = 0; i < n; i++) {
		struct check *c = &checks[i];

		/* Batch grading may cap the timeouts so that a class of
		 * hanging submissions does not take hours. */
		if (o->max_timeout > 0 && c->timeout_s > o->max_timeout)
			c->timeout_s = o->max_timeout;
		job_of_check[i] = -1;
		if (!selected(o->only, c->id))
			continue;
		job_of_check[i] = *m;
		jobs[*m].c = c;
		jobs[*m].chan_fd = -1;
		for (int k = 0; k < c->n_after; k++)
			if (job_of_check[c->after[k]] >= 0)
				jobs[*m].after[jobs[*m].n_after++] =
					job_of_check[c->after[k]];
		(*m)++;
	}
	free(job_of_check);
	return jobs;
}

/* --parse-report TOOL LOG: the parsed reports of a log, as JSON on stdout,
 * for tools that need a detector's findings (harness/race-detect). */
static int parse_report_main(const char *tool_name, const char *path)
{
	int tool = report_tool_parse(tool_name);
	struct report_set set;
	size_t len;
	char *log;
	json_t *j;

	if (tool < 0 || access(path, R_OK) < 0) {
		fprintf(stderr, "runner: --parse-report %s %s: %s\n", tool_name,
			path, tool < 0 ? "unknown tool" : strerror(errno));
		return 2;
	}
	log = read_log(path, &len);
	if (!log || reports_parse((enum report_tool)tool, log, len, &set) < 0) {
		free(log);
		fprintf(stderr, "runner: out of memory\n");
		return 2;
	}
	j = reports_to_json(&set);
	json_dumpf(j, stdout, JSON_INDENT(1));
	putchar('\n');
	json_decref(j);
	reports_free(&set);
	free(log);
	return 0;
}

int main(int argc, char **argv)
{
	static struct build build = {.failed = -1};
	struct opts o = {.build = &build};
	struct check *checks;
	struct job *jobs;
	char lab[TEXT_MAX];
	int n, m, rc;

	if (argc == 4 && strcmp(argv[1], "--parse-report") == 0)
		return parse_report_main(argv[2], argv[3]);
	if (parse_args(argc, argv, &o) < 0) {
		usage(stderr);
		return PROTO_EXIT_SETUP;
	}
	o.t0 = now();
	n = checks_load(o.checks_path, &checks);
	if (n < 0)
		return PROTO_EXIT_SETUP;
	if (o.list)
		return list_checks(o.only, checks, n);
	jobs = make_jobs(&o, checks, n, &m);
	if (!jobs) {
		fprintf(stderr, "runner: out of memory\n");
		return PROTO_EXIT_SETUP;
	}
	o.jobs_base = jobs;
	if (m == 0) {
		fprintf(stderr, "runner: no check matches ONLY=%s; ids:",
			o.only ? o.only : "");
		for (int i = 0; i < n; i++)
			fprintf(stderr, " %s", checks[i].id);
		fputc('\n', stderr);
		free(jobs);
		return PROTO_EXIT_SETUP;
	}
	build_read(o.build, o.tree ? o.tree : "");
	build_print(o.build, o.label,
		    lab_name(o.checks_path, lab, sizeof(lab)));
	if (o.build_failed) {
		rc = build_failed(&o, checks, jobs, m);
	} else {
		mkdirs(o.log_dir);
		signal(SIGINT, on_signal);
		signal(SIGTERM, on_signal);
		signal(SIGPIPE, SIG_IGN);
		setvbuf(stdout, NULL, _IOLBF, 0);
		rc = run_all(&o, checks, jobs, m);
	}
	free(jobs);
	return rc;
}
