// SPDX-License-Identifier: MIT
/*
 * The runner's two pure parts: reading a checks file, and judging what a
 * check's process printed. No process handling here, so that both can be
 * read, and tested, on their own.
 */
#define _GNU_SOURCE
#include "checks.h"
#include "protocol.h"
#include "reports.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *const kind_names[] = {
	[KIND_UNIT] = "unit",	      [KIND_RACE] = "race",
	[KIND_STRESS] = "stress",     [KIND_TSAN] = "tsan",
	[KIND_HELGRIND] = "helgrind", [KIND_DRD] = "drd",
	[KIND_ASAN] = "asan",	      [KIND_RUN] = "run",
	[KIND_EXPLORE] = "explore",
};

const char *kind_name(enum check_kind k)
{
	return kind_names[k];
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int parse_kind(const char *v, enum check_kind *k)
{
	for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(v, kind_names[i]) == 0) {
			*k = (enum check_kind)i;
			return 0;
		}
	return -1;
}

static int parse_int(const char *v, int lo, int hi, int *out)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < lo || n > hi)
		return -1;
	*out = (int)n;
	return 0;
}

static int set_key(struct check *c, const char *k, const char *v)
{
	int n;

	if (strcmp(k, "kind") == 0)
		return parse_kind(v, &c->kind);
	if (strcmp(k, "title") == 0)
		return free(c->title), c->title = strdup(v), 0;
	if (strcmp(k, "run") == 0)
		return free(c->run), c->run = strdup(v), 0;
	if (strcmp(k, "hint") == 0)
		return free(c->hint), c->hint = strdup(v), 0;
	if (strcmp(k, "expect") == 0) {
		if (strcmp(v, "race") && strcmp(v, "clean") &&
		    strcmp(v, "silent") && strcmp(v, "bug"))
			return -1;
		c->expect_race = strcmp(v, "race") == 0;
		c->expect_silent = strcmp(v, "silent") == 0;
		c->expect_bug = strcmp(v, "bug") == 0;
		return 0;
	}
	if (strcmp(k, "extension") == 0) {
		if (!*v)
			return -1;
		return free(c->extension), c->extension = strdup(v), 0;
	}
	if (strcmp(k, "channel") == 0) {
		if (strcmp(v, "none") && strcmp(v, "required"))
			return -1;
		c->no_channel = strcmp(v, "none") == 0;
		return 0;
	}
	if (strcmp(k, "skeleton") == 0) {
		if (strcmp(v, "pass") && strcmp(v, "fail"))
			return -1;
		c->skeleton_pass = strcmp(v, "pass") == 0;
		return 0;
	}
	if (strcmp(k, "timeout") == 0)
		return parse_int(v, 1, 3600, &c->timeout_s);
	if (strcmp(k, "repeat") == 0)
		return parse_int(v, 1, 100000, &c->repeat);
	if (strcmp(k, "points") == 0)
		return parse_int(v, 0, 1000, &c->points);
	if (strcmp(k, "memory") == 0) {
		if (strcmp(v, "none") == 0)
			return c->memory_mib = 0, 0;
		if (parse_int(v, 16, 1 << 20, &n))
			return -1;
		c->memory_mib = n;
		return 0;
	}
	return -2;
}

static void check_defaults(struct check *c, int line)
{
	memset(c, 0, sizeof(*c));
	c->kind = KIND_RUN;
	c->timeout_s = 30;
	c->repeat = 1;
	c->points = 1;
	c->memory_mib = -1; /* decided once the kind is known */
	c->line = line;
}

static int finish_check(const char *path, struct check *c)
{
	if (!c->run) {
		fprintf(stderr, "%s:%d: check [%s] has no 'run ='\n", path,
			c->line, c->id);
		return -1;
	}
	if ((c->expect_bug && c->kind != KIND_EXPLORE) ||
	    (c->kind == KIND_EXPLORE && (c->expect_race || c->expect_silent))) {
		fprintf(stderr,
			"%s:%d: check [%s]: 'expect = bug' is for explore "
			"checks, 'race' and 'silent' for detectors\n",
			path, c->line, c->id);
		return -1;
	}
	if (!c->title)
		c->title = strdup(c->id);
	/* The sanitizers reserve terabytes of address space for shadow
	 * memory, so an address-space limit would stop them starting. */
	if (c->memory_mib < 0)
		c->memory_mib =
			(c->kind == KIND_TSAN || c->kind == KIND_ASAN) ? 0
								       : 4096;
	return 0;
}

/* after = a, b: each id must name an earlier check, so there is no cycle. */
static int parse_after(const char *path, int lineno, struct check *v, int n,
		       char *list)
{
	struct check *c = &v[n - 1];
	char *save = NULL;

	c->n_after = 0;
	for (char *id = strtok_r(list, ", ", &save); id;
	     id = strtok_r(NULL, ", ", &save)) {
		int k = 0;

		while (k < n - 1 && strcmp(v[k].id, id) != 0)
			k++;
		if (k == n - 1) {
			fprintf(stderr,
				"%s:%d: 'after' names '%s', which is not a "
				"check above [%s]\n",
				path, lineno, id, c->id);
			return -1;
		}
		if (c->n_after == MAX_AFTER) {
			fprintf(stderr, "%s:%d: 'after' names more than %d "
					"checks\n",
				path, lineno, MAX_AFTER);
			return -1;
		}
		c->after[c->n_after++] = k;
	}
	return 0;
}

static void checks_free(struct check *v, int n)
{
	for (int i = 0; i < n; i++) {
		free(v[i].id);
		free(v[i].title);
		free(v[i].run);
		free(v[i].hint);
		free(v[i].extension);
	}
	free(v);
}

int checks_load(const char *path, struct check **out)
{
	FILE *f = fopen(path, "r");
	struct check *v = NULL, *c = NULL;
	char buf[4096];
	int n = 0, lineno = 0;

	if (!f) {
		fprintf(stderr, "runner: cannot open %s: %s\n", path,
			strerror(errno));
		return -1;
	}
	while (fgets(buf, sizeof(buf), f)) {
		char *s = trim(buf), *eq;
		int rc;

		lineno++;
		if (*s == '\0' || *s == '#')
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end == s + 1)
				goto syntax;
			struct check *grown;

			if (!end || end == s + 1)
				goto syntax;
			if (c && finish_check(path, c))
				goto fail;
			*end = '\0';
			for (int k = 0; k < n; k++)
				if (strcmp(v[k].id, s + 1) == 0) {
					fprintf(stderr,
						"%s:%d: a second check [%s]\n",
						path, lineno, s + 1);
					goto fail;
				}
			grown = realloc(v, sizeof(*v) * (size_t)(n + 1));
			if (!grown) {
				fprintf(stderr, "runner: out of memory\n");
				goto fail;
			}
			v = grown;
			c = &v[n++];
			check_defaults(c, lineno);
			c->id = strdup(s + 1);
			continue;
		}
		eq = strchr(s, '=');
		if (!c || !eq)
			goto syntax;
		*eq = '\0';
		if (strcmp(trim(s), "after") == 0) {
			if (parse_after(path, lineno, v, n, eq + 1))
				goto fail;
			continue;
		}
		rc = set_key(c, trim(s), trim(eq + 1));
		if (rc == -2) {
			fprintf(stderr, "%s:%d: unknown key '%s'\n", path,
				lineno, trim(s));
			goto fail;
		}
		if (rc < 0) {
			fprintf(stderr, "%s:%d: bad value for '%s'\n", path,
				lineno, trim(s));
			goto fail;
		}
	}
	if (c && finish_check(path, c))
		goto fail;
	fclose(f);
	*out = v;
	return n;
syntax:
	fprintf(stderr, "%s:%d: expected '[id]' or 'key = value'\n", path,
		lineno);
fail:
	fclose(f);
	checks_free(v, n);
	return -1;
}

/* ---- judging ---------------------------------------------------------- */

static void figure(struct outcome *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void figure(struct outcome *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(o->figure, sizeof(o->figure), fmt, ap);
	va_end(ap);
}

/* One line of evidence, unless the outcome already holds cap of them. */
static void add_line(struct outcome *o, const char *line, size_t len, int cap)
{
	if (o->n_evidence >= cap)
		return;
	if (len >= TEXT_MAX)
		len = TEXT_MAX - 1;
	memcpy(o->evidence[o->n_evidence], line, len);
	o->evidence[o->n_evidence][len] = '\0';
	o->n_evidence++;
}

static void add_evidence(struct outcome *o, const char *line, size_t len)
{
	add_line(o, line, len, MAX_EVIDENCE);
}

/* Evidence that may run longer than MAX_EVIDENCE: a timeline, the list of
 * failing tests. */
static void add_row(struct outcome *o, const char *line, size_t len)
{
	add_line(o, line, len, MAX_ROWS);
}

/* Iterate over lines: *pos advances; returns the line's length or -1. */
static long next_line(const char *log, size_t len, size_t *pos,
		      const char **line)
{
	const char *nl;

	if (*pos >= len)
		return -1;
	*line = log + *pos;
	nl = memchr(*line, '\n', len - *pos);
	if (!nl)
		nl = log + len;
	*pos = (size_t)(nl - log) + 1;
	return nl - *line;
}

/* The first line containing needle, or NULL; *n gets its length. */
static const char *find_line(const char *log, size_t len, const char *needle,
			     long *n)
{
	const char *line;
	size_t pos = 0;
	long l;

	while ((l = next_line(log, len, &pos, &line)) >= 0)
		if (memmem(line, (size_t)l, needle, strlen(needle))) {
			*n = l;
			return line;
		}
	return NULL;
}

/* The last line starting with prefix. */
static const char *find_last(const char *log, size_t len, const char *prefix,
			     long *n)
{
	const char *line, *found = NULL;
	size_t pos = 0, plen = strlen(prefix);
	long l;

	while ((l = next_line(log, len, &pos, &line)) >= 0)
		if ((size_t)l >= plen && memcmp(line, prefix, plen) == 0) {
			found = line;
			*n = l;
		}
	return found;
}

static void copy_line(char *dst, size_t cap, const char *line, long n)
{
	if (n < 0)
		n = 0;
	if ((size_t)n >= cap)
		n = (long)cap - 1;
	memcpy(dst, line, (size_t)n);
	dst[n] = '\0';
}

/* Valgrind's own lines ("==123== ...", "--123-- ...") are not the program's
 * output. */
static bool tool_line(const char *line, long n)
{
	return n >= 2 && ((line[0] == '=' && line[1] == '=') ||
			  (line[0] == '-' && line[1] == '-'));
}

/* Evidence: the first lines of the log that are not blank, up to max. */
static void head_evidence(struct outcome *o, const char *log, size_t len,
			  int max)
{
	const char *line;
	size_t pos = 0;
	long l;

	while (o->n_evidence < max &&
	       (l = next_line(log, len, &pos, &line)) >= 0)
		if (l > 0 && strncmp(line, PROTO_STAT " ",
				     strlen(PROTO_STAT) + 1) != 0 &&
		    !tool_line(line, l))
			add_evidence(o, line, (size_t)l);
}

struct stat_line {
	bool found;
	unsigned long runs, failures, first;
	unsigned long long seed;
};

/* Every STAT record of text, summed: a check may run several programs
 * one after the other (a; b), each with its own record. */
static struct stat_line parse_stat(const char *text, size_t len)
{
	struct stat_line s = {0};
	size_t pos = 0, plen = strlen(PROTO_STAT " ");
	char buf[TEXT_MAX];
	const char *line;
	long n;

	while ((n = next_line(text, len, &pos, &line)) >= 0) {
		struct stat_line one = {0};

		if ((size_t)n < plen || memcmp(line, PROTO_STAT " ", plen))
			continue;
		copy_line(buf, sizeof(buf), line, n);
		if (sscanf(buf, PROTO_STAT_FMT, &one.runs, &one.failures,
			   &one.first, &one.seed) != 4)
			continue;
		if (!s.first && one.first)
			s.first = s.runs + one.first;
		s.runs += one.runs;
		s.failures += one.failures;
		s.seed = one.seed;
		s.found = true;
	}
	return s;
}

/*
 * What the harness's code said on the verdict channel (protocol.h): the
 * records, and whether every BEGIN has its DONE. For channel = none the
 * records are the log's, as any program prints them.
 */
struct channel {
	const char *text;
	size_t len;
	bool required;
	int begins, dones;
	int controls; /* DONE control=...: a control race the detector must
			 report (harness/lib/verdict.c) */
};

static bool is_record(const char *line, long n, const char *name)
{
	size_t k = strlen(name);

	return (size_t)n >= k && memcmp(line, name, k) == 0 &&
	       ((size_t)n == k || line[k] == ' ');
}

static void channel_read(const struct check *c, const char *chan,
			 size_t clen, const char *log, size_t len,
			 struct channel *ch)
{
	const char *line;
	size_t pos = 0;
	long n;

	*ch = (struct channel){.text = chan, .len = clen,
			       .required = !c->no_channel};
	if (!ch->required) {
		ch->text = log;
		ch->len = len;
		return;
	}
	while ((n = next_line(chan, clen, &pos, &line)) >= 0) {
		if (is_record(line, n, PROTO_BEGIN)) {
			ch->begins++;
		} else if (is_record(line, n, PROTO_DONE)) {
			ch->dones++;
			/* control=tsan or control=valgrind: the build
			 * decides which, the check's kind which it sees */
			ch->controls += memmem(line, (size_t)n, " control=",
					       9) != NULL;
		}
	}
}

/*
 * Whether the harness's code confirmed that it reached its end: every
 * program that took the channel wrote DONE after its last test. When not,
 * fills in o as a failure: whatever the log says, and whatever the exit
 * status, the lab's code may have ended the program before a test failed.
 */
static bool confirmed(const struct channel *ch, const char *log, size_t len,
		      int status, struct outcome *o)
{
	if (!ch->required || (ch->begins > 0 && ch->dones == ch->begins))
		return true;
	o->pass = false;
	if (ch->begins == 0)
		figure(o, "no verdict on the harness's channel (exit status "
			  "%d): the program ended before the harness took "
			  "it, or it is not the harness's",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	else
		figure(o, "the program ended before the harness confirmed its "
			  "last test (exit status %d): an exit from the lab's "
			  "code?",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	head_evidence(o, log, len, 6);
	return false;
}

/* The first message that a scenario printed about a failed run. */
static void first_failure_text(char *dst, size_t cap, const char *log,
			       size_t len)
{
	const char *line;
	long n;

	line = find_line(log, len, PROTO_RUN_MARK, &n);
	if (!line)
		line = find_line(log, len, "Assertion", &n);
	if (!line)
		line = find_line(log, len, PROTO_E2E_FAIL, &n);
	if (!line) {
		dst[0] = '\0';
		return;
	}
	copy_line(dst, cap, line, n);
}

/* A process that did not end normally: timed out or killed by a signal.
 * Returns true after filling in o. */
static bool abnormal(const struct check *c, int status, const char *log,
		     size_t len, struct outcome *o)
{
	if (status == JUDGE_TIMED_OUT) {
		o->timed_out = true;
		figure(o, "timeout after %d s", c->timeout_s);
	} else if (status == JUDGE_LOST) {
		figure(o, "runner error: the check's exit status was lost; "
			  "rerun it");
	} else if (WIFSIGNALED(status)) {
		int sig = WTERMSIG(status);

		o->signal = sig;
		figure(o, "crashed: SIG%s (%s)", sigabbrev_np(sig),
		       strsignal(sig));
	} else {
		return false;
	}
	o->pass = false;
	head_evidence(o, log, len, 6);
	return true;
}

/* PROTO_EXIT_SETUP from a scenario: a set-up error such as -ENOSYS. */
static bool setup_error(int status, const char *log, size_t len,
			struct outcome *o)
{
	const char *line = NULL;
	size_t pos = 0;
	long n, last_len = 0;

	if (!WIFEXITED(status) || WEXITSTATUS(status) != PROTO_EXIT_SETUP)
		return false;
	const char *cur;

	/* The last message: scenario_die() says why just before it exits,
	 * after whatever ordinary output the program printed. */
	while ((n = next_line(log, len, &pos, &cur)) >= 0)
		if (!tool_line(cur, n) && memmem(cur, (size_t)n, ": ", 2) &&
		    strncmp(cur, PROTO_STAT " ", strlen(PROTO_STAT) + 1) != 0) {
			line = cur;
			last_len = n;
		}
	n = last_len;
	if (line) {
		char msg[TEXT_MAX];
		size_t fl = strlen(PROTO_EXPLORE_FAIL " ");

		copy_line(msg, sizeof(msg), line, n);
		/* The explorer says it as its EXPLORE-FAIL line. */
		figure(o, "%s",
		       strncmp(msg, PROTO_EXPLORE_FAIL " ", fl) ? msg
								  : msg + fl);
	} else {
		figure(o, "exited with status %d", PROTO_EXIT_SETUP);
	}
	o->pass = false;
	head_evidence(o, log, len, 4);
	return true;
}

/*
 * A unit-test program's counts: the UNIT record its parent wrote on the
 * channel (check_util.h's lab_unit_run()), or, for channel = none, Check's
 * printed summary ("66%: Checks: 15, Failures: 9, Errors: 3"). Returns
 * false when there is neither.
 */
static bool unit_counts(const struct channel *ch, int *checks, int *failures,
			int *errors)
{
	char buf[TEXT_MAX];
	const char *line;
	long n;
	int pct;

	*checks = *failures = *errors = 0;
	if (ch->required) {
		line = find_last(ch->text, ch->len, PROTO_UNIT " ", &n);
		if (!line)
			return false;
		copy_line(buf, sizeof(buf), line, n);
		return sscanf(buf, PROTO_UNIT_FMT, checks, failures, errors) ==
		       3;
	}
	line = find_line(ch->text, ch->len, "Checks: ", &n);
	if (!line)
		return false;
	copy_line(buf, sizeof(buf), line, n);
	return sscanf(buf, "%d%%: Checks: %d, Failures: %d, Errors: %d", &pct,
		      checks, failures, errors) == 4;
}

/*
 * The counts decide (unit_counts()); Check's failure lines in the log
 * ("file.c:57:F:tcase:test_name:0: message") name the failing tests, every
 * one of them, as evidence.
 */
static void judge_unit(const struct channel *ch, const char *log, size_t len,
		       int status, struct outcome *o)
{
	char buf[TEXT_MAX];
	const char *line;
	size_t pos = 0;
	long n;
	int checks, failures, errors;

	unit_counts(ch, &checks, &failures, &errors);
	while ((n = next_line(log, len, &pos, &line)) >= 0) {
		char *f[7], *s = buf, ev[TEXT_MAX];
		int k;

		copy_line(buf, sizeof(buf), line, n);
		for (k = 0; k < 6; k++) {
			f[k] = s;
			s = strchr(s, ':');
			if (!s)
				break;
			*s++ = '\0';
		}
		if (k < 6 || (strcmp(f[2], "F") && strcmp(f[2], "E")))
			continue;
		f[6] = trim(s);
		snprintf(ev, sizeof(ev), "%s:%s %s: %s", f[0], f[1], f[4],
			 f[6]);
		add_row(o, ev, strlen(ev));
	}
	o->pass = WIFEXITED(status) &&
		  WEXITSTATUS(status) == 0 && checks > 0 && failures == 0 &&
		  errors == 0;
	if (checks == 0) {
		o->pass = false;
		figure(o, "the test program ran no test (exit status %d)",
		       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		head_evidence(o, log, len, 6);
		return;
	}
	figure(o, "%d/%d tests pass", checks - failures - errors, checks);
	if (!o->pass && failures + errors == 0)
		head_evidence(o, log, len, 6); /* all passed, yet exit != 0 */
}

static void judge_stress(const struct channel *ch, const char *log,
			 size_t len, int status, struct outcome *o);

/* What a program under a detector concluded by itself, when the detector
 * had nothing to say: a unit-test program's counts, else its STAT; a
 * program that is not the harness's and prints neither, its exit status. */
static void judge_program(const struct channel *ch, const char *log,
			  size_t len, int status, struct outcome *o)
{
	int checks, failures, errors;

	if (unit_counts(ch, &checks, &failures, &errors)) {
		judge_unit(ch, log, len, status, o);
	} else if (ch->required || parse_stat(ch->text, ch->len).found) {
		judge_stress(ch, log, len, status, o);
	} else {
		/* any program (channel = none): its exit status says */
		o->pass = WIFEXITED(status) && WEXITSTATUS(status) == 0;
		if (!o->pass) {
			figure(o, "exited with status %d",
			       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
			head_evidence(o, log, len, 6);
		}
	}
}

static void judge_race(const struct channel *ch, const char *log, size_t len,
		       struct outcome *o)
{
	struct stat_line s = parse_stat(ch->text, ch->len);
	char msg[TEXT_MAX];

	if (!s.found) {
		o->pass = false;
		figure(o, "no STAT line: the scenario did not finish");
		head_evidence(o, log, len, 6);
		return;
	}
	o->replay_seed = s.seed;
	o->pass = s.failures > 0;
	if (o->pass) {
		figure(o, "reproduced in %lu/%lu runs; first at run %lu (seed "
			  "%llu)",
		       s.failures, s.runs, s.first, s.seed);
		first_failure_text(msg, sizeof(msg), log, len);
		if (msg[0])
			add_evidence(o, msg, strlen(msg));
	} else {
		figure(o, "not reproduced in %lu runs (seed %llu)", s.runs,
		       s.seed);
	}
}

static void judge_stress(const struct channel *ch, const char *log,
			 size_t len, int status, struct outcome *o)
{
	struct stat_line s = parse_stat(ch->text, ch->len);
	char msg[TEXT_MAX];

	o->replay_seed = s.seed;
	if (s.found && s.failures == 0 && WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0) {
		o->pass = true;
		o->runs = s.runs;
		figure(o, "%lu runs, 0 failures (seed %llu)", s.runs, s.seed);
		return;
	}
	o->pass = false;
	if (!s.found) {
		figure(o, "exited with status %d before its report",
		       WEXITSTATUS(status));
		head_evidence(o, log, len, 6);
		return;
	}
	first_failure_text(msg, sizeof(msg), log, len);
	figure(o, "%lu of %lu runs failed, first at run %lu (seed %llu)",
	       s.failures, s.runs, s.first, s.seed);
	if (msg[0])
		add_evidence(o, msg, strlen(msg));
	else
		head_evidence(o, log, len, 6);
}

/*
 * A detector's reports (reports.c), kept in o for the results JSON, and as
 * evidence the report's first line and the account of it in plain words.
 * The harness's control race (verdict.c) is taken out first: *controls
 * gets how many of its reports there were. Returns 0 when the log holds
 * another report, -1 when it holds none.
 */
static int detector_report(enum report_tool tool, const char *log,
			   size_t len, struct outcome *o, int *controls)
{
	char lines[MAX_EVIDENCE][REPORT_LINE];
	const struct report_item *r;
	const char *line;
	size_t pos = 0;
	long n;
	int k = 0;

	*controls = 0;
	o->report = calloc(1, sizeof(*o->report));
	if (!o->report || reports_parse(tool, log, len, o->report) < 0) {
		free(o->report);
		o->report = NULL;
		return -1;
	}
	*controls = reports_drop_control(o->report, PROTO_CONTROL_VAR,
					 PROTO_CONTROL_FUNC);
	r = report_first(o->report);
	if (!r)
		return -1;
	while ((n = next_line(log, len, &pos, &line)) >= 0 &&
	       k++ < r->first_line)
		;
	if (n >= 0)
		add_evidence(o, line, (size_t)n);
	n = report_explain(o->report, r, lines, MAX_EVIDENCE - 1);
	for (int i = 0; i < n; i++)
		add_evidence(o, lines[i], strlen(lines[i]));
	return 0;
}

/*
 * Each program that ended with DONE control=... then ran the harness's
 * control (verdict.c): the detector must have reported it, and the
 * process must have ended with the harness's exit status for that
 * detector (want), which it sets after a report. Either missing: the
 * detector's options were not the harness's. When both hold, *status
 * becomes 0, the program's own verdict being on the channel. A report of
 * the program's own (o->report) that ended it before its control (ASan
 * stops at its first error, a leak found just before the control
 * included) decides instead. Returns false after filling in o.
 */
static bool control_reported(const struct channel *ch, int seen, int want,
			     const char *tool, int *status, struct outcome *o)
{
	/* ASan's control is an overflow, the others' a race */
	const char *what = want == PROTO_EXIT_ASAN ? "error" : "race";

	if (ch->controls == 0)
		return true;
	if (seen < ch->controls && o->report && report_first(o->report))
		return true;
	o->pass = false;
	if (seen < ch->controls) {
		figure(o, "the detector did not report the harness's control "
			  "%s: its options were changed or it was silenced",
		       what);
		return false;
	}
	if (!WIFEXITED(*status) || WEXITSTATUS(*status) != want) {
		figure(o, "%s reported the harness's control %s yet the "
			  "program exited with status %d, not the harness's "
			  "%d: its options were changed",
		       tool, what, WIFEXITED(*status) ? WEXITSTATUS(*status) : -1,
		       want);
		return false;
	}
	*status = 0;
	return true;
}

static void judge_tsan(const struct check *c, const struct channel *ch,
		       const char *log, size_t len, int status,
		       struct outcome *o)
{
	struct stat_line s = parse_stat(ch->text, ch->len);
	const struct report_item *r;
	int controls;
	bool reported;

	reported = detector_report(REPORT_TSAN, log, len, o, &controls) == 0 &&
		   (r = report_first(o->report)) != NULL;
	if (!control_reported(ch, controls, PROTO_EXIT_TSAN, "ThreadSanitizer",
			      &status, o))
		return;
	if (reported) {
		char at[REPORT_NAME];

		figure(o, "%s reported at %s", r->kind,
		       report_where(report_own_frame(&r->acc[0].stack), at,
				    sizeof(at)));
		o->pass = c->expect_race;
		return;
	}
	if (c->expect_race) {
		o->pass = false;
		figure(o, "ThreadSanitizer reported nothing, a race was "
			  "expected");
		head_evidence(o, log, len, 4);
		return;
	}
	if (!confirmed(ch, log, len, status, o))
		return;
	if (c->expect_silent) {
		o->pass = WIFEXITED(status) &&
			  WEXITSTATUS(status) != PROTO_EXIT_TSAN;
	} else {
		judge_program(ch, log, len, status, o);
		o->n_evidence = o->pass ? 0 : o->n_evidence;
	}
	if (!o->pass) {
		if (c->expect_silent)
			figure(o, "exited with status %d", PROTO_EXIT_TSAN);
		return;
	}
	o->runs = s.runs;
	if (s.found)
		figure(o, "no report in %lu run%s", s.runs,
		       s.runs == 1 ? "" : "s");
	else
		figure(o, "no report");
}

static void judge_valgrind(const struct check *c, const struct channel *ch,
			   const char *log, size_t len, int status,
			   struct outcome *o)
{
	const char *tool = c->kind == KIND_DRD ? "DRD" : "Helgrind";
	const struct report_item *r;
	int errors, controls;

	detector_report(c->kind == KIND_DRD ? REPORT_DRD : REPORT_HELGRIND, log,
			len, o, &controls);
	if (!control_reported(ch, controls, PROTO_EXIT_VALGRIND, tool, &status,
			      o))
		return;
	errors = o->report && o->report->finished ? o->report->errors : -1;
	if (errors < 0) {
		o->pass = false;
		figure(o, "%s did not finish (no ERROR SUMMARY)", tool);
		head_evidence(o, log, len, 6);
		return;
	}
	if (errors > 0) {
		char what[REPORT_LINE], at[REPORT_NAME], *cut;

		r = report_first(o->report);
		snprintf(what, sizeof(what), "%s", r ? r->header : "an error");
		if ((cut = strstr(what, " at 0x")) != NULL)
			*cut = '\0';
		if ((cut = strstr(what, " by thread")) != NULL)
			*cut = '\0';
		figure(o, "%d error%s; first: %s at %s", errors,
		       errors == 1 ? "" : "s", trim(what),
		       report_where(r ? report_own_frame(&r->acc[0].stack)
				      : NULL,
				    at, sizeof(at)));
		o->pass = c->expect_race;
		return;
	}
	if (c->expect_race) {
		o->pass = false;
		figure(o, "%s reported nothing, a race was expected", tool);
		return;
	}
	if (!confirmed(ch, log, len, status, o))
		return;
	if (c->expect_silent)
		o->pass = WIFEXITED(status);
	else
		judge_program(ch, log, len, status, o);
	if (o->pass) {
		o->n_evidence = 0;
		figure(o, "0 errors");
	}
}

static void judge_asan(const struct channel *ch, const char *log, size_t len,
		       int status, struct outcome *o)
{
	const struct report_item *r;
	int controls;
	bool reported;

	reported = detector_report(REPORT_ASAN, log, len, o, &controls) == 0 &&
		   (r = report_first(o->report)) != NULL;
	if (!control_reported(ch, controls, PROTO_EXIT_ASAN, "AddressSanitizer",
			      &status, o))
		return;
	if (reported) {
		char msg[REPORT_LINE];

		snprintf(msg, sizeof(msg), "%s", r->header);
		o->pass = false;
		figure(o, "%s", trim(msg));
		return;
	}
	if (confirmed(ch, log, len, status, o))
		judge_program(ch, log, len, status, o);
}

static void judge_run(const char *log, size_t len, int status,
		      struct outcome *o)
{
	const char *res;
	long n;

	res = find_last(log, len, "RESULT: ", &n);
	o->pass = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	if (res)
		copy_line(o->figure, sizeof(o->figure), res + 8, n - 8);
	else if (!o->pass)
		figure(o, "exited with status %d", WEXITSTATUS(status));
	if (!o->pass)
		head_evidence(o, log, len, 6);
}

/* ---- explore ---------------------------------------------------------- */

/* The explorer's closing line (protocol.h): EXPLORE verdict=... */
struct explore_line {
	bool found, failed, complete, has_prob;
	char strategy[16];
	unsigned long long schedules;
	int bound;
	double seconds, prob;
};

static struct explore_line parse_explore(const char *log, size_t len)
{
	struct explore_line e = {0};
	char buf[TEXT_MAX], *save = NULL;
	bool verdict = false, schedules = false;
	const char *line;
	long n;

	line = find_last(log, len, PROTO_EXPLORE " ", &n);
	if (!line)
		return e;
	copy_line(buf, sizeof(buf), line, n);
	for (char *t = strtok_r(buf + strlen(PROTO_EXPLORE), " ", &save); t;
	     t = strtok_r(NULL, " ", &save)) {
		char *v = strchr(t, '=');

		if (!v)
			continue;
		*v++ = '\0';
		if (strcmp(t, "verdict") == 0) {
			verdict = !strcmp(v, "pass") || !strcmp(v, "fail");
			e.failed = strcmp(v, "fail") == 0;
		} else if (strcmp(t, "strategy") == 0) {
			snprintf(e.strategy, sizeof(e.strategy), "%s", v);
		} else if (strcmp(t, "schedules") == 0) {
			schedules = sscanf(v, "%llu", &e.schedules) == 1;
		} else if (strcmp(t, "bound") == 0) {
			sscanf(v, "%d", &e.bound);
		} else if (strcmp(t, "complete") == 0) {
			e.complete = strcmp(v, "yes") == 0;
		} else if (strcmp(t, "seconds") == 0) {
			sscanf(v, "%lf", &e.seconds);
		} else if (strcmp(t, "prob") == 0) {
			e.has_prob = sscanf(v, "%lf", &e.prob) == 1;
		}
	}
	e.found = verdict && schedules;
	return e;
}

/* 1842 as "1,842". */
static void group_digits(char *dst, size_t cap, unsigned long long v)
{
	char raw[32];
	size_t n, k = 0;

	n = (size_t)snprintf(raw, sizeof(raw), "%llu", v);
	for (size_t i = 0; i < n && k + 2 < cap; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			dst[k++] = ',';
		dst[k++] = raw[i];
	}
	dst[k] = '\0';
}

/* "explored all 1,842 schedules with <= 2 preemptions", or what an
 * incomplete search covered. */
static void explored(char *dst, size_t cap, const struct explore_line *e)
{
	char num[40];
	const char *s = e->schedules == 1 ? "" : "s";

	group_digits(num, sizeof(num), e->schedules);
	if (e->complete)
		snprintf(dst, cap, "explored all %s schedule%s with <= %d "
				   "preemption%s",
			 num, s, e->bound, e->bound == 1 ? "" : "s");
	else if (strcmp(e->strategy, "pct") == 0 && e->has_prob)
		snprintf(dst, cap, "explored %s schedule%s (incomplete: PCT "
				   "depth %d, each finds a depth-%d bug with "
				   "p >= %.3g)",
			 num, s, e->bound, e->bound, e->prob);
	else if (strcmp(e->strategy, "dfs") == 0)
		snprintf(dst, cap, "explored %s schedule%s (incomplete, <= %d "
				   "preemption%s)",
			 num, s, e->bound, e->bound == 1 ? "" : "s");
	else
		snprintf(dst, cap, "explored %s schedule%s (incomplete, %s)",
			 num, s, e->strategy[0] ? e->strategy : "?");
}

/* The text after "PREFIX " on the first line that starts with it. */
static void tagged_line(char *dst, size_t cap, const char *log, size_t len,
			const char *prefix)
{
	const char *line;
	size_t pos = 0, plen = strlen(prefix);
	long n;

	dst[0] = '\0';
	while ((n = next_line(log, len, &pos, &line)) >= 0)
		if ((size_t)n > plen && memcmp(line, prefix, plen) == 0 &&
		    line[plen] == ' ') {
			copy_line(dst, cap, line + plen + 1, n - (long)plen - 1);
			return;
		}
}

/*
 * kind = explore: the explorer's verdict, which its exit status must
 * confirm (0 pass, 1 a failing schedule). The failure's diagnosis is the
 * figure, its timeline the evidence, its schedule the replay.
 */
static void judge_explore(const struct check *c, const struct channel *ch,
			  const char *log, size_t len, int status,
			  struct outcome *o)
{
	struct explore_line e = parse_explore(ch->text, ch->len);
	int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	char what[TEXT_MAX], diag[TEXT_MAX], num[40];
	size_t pos = 0, rlen = strlen(PROTO_TIMELINE_ROW);
	const char *line;
	long n;

	o->pass = false;
	if (!e.found) {
		figure(o, "the explorer ended without its %s line (exit "
			  "status %d)",
		       PROTO_EXPLORE, code);
		head_evidence(o, log, len, 6);
		return;
	}
	if (code != (e.failed ? PROTO_EXIT_FAILED : PROTO_EXIT_OK)) {
		figure(o, "the explorer said verdict=%s but exited with "
			  "status %d",
		       e.failed ? "fail" : "pass", code);
		head_evidence(o, log, len, 6);
		return;
	}
	explored(what, sizeof(what), &e);
	if (!e.failed) {
		o->pass = !c->expect_bug;
		figure(o, "%s: no failure%s (%.1f s)", what,
		       c->expect_bug ? ", yet this check expects one" : "",
		       e.seconds);
		return;
	}
	tagged_line(diag, sizeof(diag), ch->text, ch->len, PROTO_EXPLORE_FAIL);
	tagged_line(o->sched, sizeof(o->sched), ch->text, ch->len,
		    PROTO_EXPLORE_SCHED);
	while ((n = next_line(log, len, &pos, &line)) >= 0)
		if ((size_t)n >= rlen && memcmp(line, PROTO_TIMELINE_ROW,
						rlen) == 0)
			add_row(o, line + rlen, (size_t)n - rlen);
	o->pass = c->expect_bug;
	group_digits(num, sizeof(num), e.schedules);
	if (o->pass)
		figure(o, "found in %s schedule%s: %s (%.1f s)", num,
		       e.schedules == 1 ? "" : "s",
		       diag[0] ? diag : "a failing schedule", e.seconds);
	else
		figure(o, "%s", diag[0] ? diag : "a failing schedule");
}

void judge(const struct check *c, int status, const char *log, size_t len,
	   const char *chan, size_t clen, unsigned long long seed,
	   struct outcome *o)
{
	struct channel ch;

	/* sh -c reports a command killed by signal N as exit status 128+N. */
	if (status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) > 128 &&
	    WEXITSTATUS(status) < 128 + 65)
		status = WEXITSTATUS(status) - 128; /* as waitpid() would */
	if (o->report) {
		reports_free(o->report);
		free(o->report);
		o->report = NULL;
	}
	o->n_evidence = 0;
	o->runs = 0;
	o->figure[0] = '\0';
	o->sched[0] = '\0';
	o->replay_seed = seed;
	o->pass = false;
	channel_read(c, chan, clen, log, len, &ch);
	if (abnormal(c, status, log, len, o))
		return;
	if (c->kind != KIND_UNIT &&
	    setup_error(status, log, len, o))
		return;
	/* A detector's report is a verdict of its own; the other kinds need
	 * the harness's word that it reached its end. */
	if (c->kind != KIND_TSAN && c->kind != KIND_HELGRIND &&
	    c->kind != KIND_DRD && c->kind != KIND_ASAN &&
	    !confirmed(&ch, log, len, status, o))
		return;
	switch (c->kind) {
	case KIND_UNIT:
		judge_unit(&ch, log, len, status, o);
		break;
	case KIND_RACE:
		judge_race(&ch, log, len, o);
		break;
	case KIND_STRESS:
		judge_stress(&ch, log, len, status, o);
		break;
	case KIND_TSAN:
		judge_tsan(c, &ch, log, len, status, o);
		break;
	case KIND_HELGRIND:
	case KIND_DRD:
		judge_valgrind(c, &ch, log, len, status, o);
		break;
	case KIND_ASAN:
		judge_asan(&ch, log, len, status, o);
		break;
	case KIND_RUN:
		judge_run(log, len, status, o);
		break;
	case KIND_EXPLORE:
		judge_explore(c, &ch, log, len, status, o);
		break;
	}
	if (o->replay_seed == 0)
		o->replay_seed = seed;
}
