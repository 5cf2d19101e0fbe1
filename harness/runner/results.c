// SPDX-License-Identifier: MIT
/*
 * The runner's results: the verdicts counted for the closing line and the
 * exit status, the replay command, and the results JSON. Kept apart from
 * the process handling so that the JSON's shape is in one file.
 */
#define _GNU_SOURCE
#include "results.h"
#include "protocol.h"
#include "reports.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *verdict_name(const struct outcome *o)
{
	return o->skipped ? "skip" : o->pass ? "pass" : "fail";
}

void tally_add(struct tally *t, const struct check *c, const struct outcome *o)
{
	int k = 0;

	t->passed += o->pass && !o->skipped;
	t->skipped += o->skipped;
	t->failed += !o->pass && !o->skipped;
	if (!c->extension) {
		t->req_total++;
		t->req_passed += o->pass && !o->skipped;
		return;
	}
	while (k < t->n_ext && strcmp(t->ext[k].name, c->extension) != 0)
		k++;
	if (k == MAX_EXTENSIONS)
		k--; /* the checks file has too many: count with the last */
	if (k == t->n_ext) {
		t->ext[k].name = c->extension;
		t->n_ext++;
	}
	t->ext[k].total++;
	t->ext[k].passed += o->pass && !o->skipped;
}

int tally_status(const struct tally *t, bool strict)
{
	if (strict)
		return t->failed + t->skipped == 0 ? 0 : 1;
	return t->req_passed == t->req_total ? 0 : 1;
}

void tally_line(char *dst, size_t cap, const char *label, const struct tally *t,
		double seconds)
{
	size_t n;

	n = (size_t)snprintf(dst, cap, "%s: %d passed, %d failed", label,
			     t->passed, t->failed);
	if (t->skipped && n < cap)
		n += (size_t)snprintf(dst + n, cap - n, ", %d skipped",
				      t->skipped);
	if (t->n_ext && n < cap)
		n += (size_t)snprintf(dst + n, cap - n, ": %d/%d required",
				      t->req_passed, t->req_total);
	for (int k = 0; k < t->n_ext && n < cap; k++)
		n += (size_t)snprintf(dst + n, cap - n, ", extension %s %d/%d",
				      t->ext[k].name, t->ext[k].passed,
				      t->ext[k].total);
	if (n < cap)
		snprintf(dst + n, cap - n, " (%.0f s)", seconds);
}

/* A schedule goes into a shell command line as it is when it is made of
 * safe characters, else in single quotes. */
static bool shell_safe(const char *s)
{
	return s[strspn(s,
			"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			"0123456789.,:_-+=/")] == '\0';
}

void replay_command(char *dst, size_t cap, const char *replay,
		    const struct check *c, const struct outcome *o)
{
	if (o->pass || o->skipped) {
		dst[0] = '\0';
		return;
	}
	if (o->sched[0] && !strchr(o->sched, '\''))
		snprintf(dst, cap, "%s ONLY=%s %s=%s%s%s", replay, c->id,
			 PROTO_SCHED_ENV, shell_safe(o->sched) ? "" : "'",
			 o->sched, shell_safe(o->sched) ? "" : "'");
	else
		snprintf(dst, cap, "%s SEED=%llu ONLY=%s", replay,
			 o->replay_seed, c->id);
}

static json_t *string_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static const char *expect_name(const struct check *c)
{
	if (c->expect_race)
		return "race";
	if (c->expect_silent)
		return "silent";
	if (c->expect_bug)
		return "bug";
	return "clean";
}

json_t *check_json(const struct check *checks, const struct check *c,
		   const struct outcome *o, const char *replay)
{
	json_t *j, *after = json_array();
	char cmd[2 * TEXT_MAX];

	for (int k = 0; k < c->n_after; k++)
		json_array_append_new(after,
				      json_string(checks[c->after[k]].id));
	j = json_pack("{s:s, s:s, s:s, s:s, s:o, s:i, s:o, s:s, s:b, s:i, "
		      "s:i, s:I, s:o}",
		      "id", c->id, "kind", kind_name(c->kind), "title",
		      c->title, "run", c->run, "hint", string_or_null(c->hint),
		      "points", c->points, "extension",
		      string_or_null(c->extension), "expect", expect_name(c),
		      "skeleton_pass", c->skeleton_pass, "timeout",
		      c->timeout_s, "repeat", c->repeat, "memory_mib",
		      (json_int_t)c->memory_mib, "after", after);
	if (j)
		json_object_set_new(j, "channel",
				    json_string(c->no_channel ? "none"
							      : "required"));
	if (!j || !o)
		return j;

	json_t *ev = json_array();

	for (int k = 0; k < o->n_evidence; k++)
		json_array_append_new(ev, json_string(o->evidence[k]));
	replay_command(cmd, sizeof(cmd), replay, c, o);
	json_object_update_new(
	    j, json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:f, s:i, s:I, "
			 "s:b, s:i}",
			 "verdict", verdict_name(o), "figure", o->figure,
			 "evidence", ev, "replay",
			 cmd[0] ? json_string(cmd) : json_null(), "sched",
			 o->sched[0] ? json_string(o->sched) : json_null(),
			 "log", o->log, "seconds", o->seconds, "processes",
			 o->processes, "seed", (json_int_t)o->replay_seed,
			 "timed_out", o->timed_out, "signal", o->signal));
	json_object_set_new(
	    j, "report", o->report ? reports_to_json(o->report) : json_null());
	return j;
}

json_t *results_json(const char *label, unsigned long long seed, bool strict,
		     const struct tally *t, double seconds, bool interrupted)
{
	json_t *ext = json_array();

	for (int k = 0; k < t->n_ext; k++)
		json_array_append_new(ext, json_pack("{s:s, s:i, s:i}", "name",
						     t->ext[k].name, "passed",
						     t->ext[k].passed, "total",
						     t->ext[k].total));
	return json_pack("{s:i, s:s, s:I, s:b, s:i, s:i, s:i, s:i, s:{s:i, "
			 "s:i}, s:o, s:f, s:b}",
			 "schema", RESULTS_SCHEMA, "label", label, "seed",
			 (json_int_t)seed, "strict", strict, "exit_status",
			 interrupted ? 1 : tally_status(t, strict), "passed",
			 t->passed, "failed", t->failed, "skipped", t->skipped,
			 "required", "passed", t->req_passed, "total",
			 t->req_total, "extensions", ext, "seconds", seconds,
			 "interrupted", interrupted);
}

int results_write(const char *path, json_t *root)
{
	char tmp[4096];

	if (!root)
		return -1;
	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (json_dump_file(root, tmp, JSON_INDENT(2)) != 0 ||
	    rename(tmp, path) != 0) {
		fprintf(stderr, "runner: cannot write %s\n", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}
