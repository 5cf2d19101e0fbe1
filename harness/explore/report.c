// SPDX-License-Identifier: MIT
/*
 * The explorer's output, in the parent: schedule strings (write and
 * parse), the count of preemptions, and the timeline, whose return
 * addresses become file:line through one addr2line run per object file
 * (the PIE load base comes from dladdr), only when a timeline is printed.
 */

#include "explore_int.h"
#include "protocol.h"

#include <dlfcn.h>
#include <elf.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/*
 * The schedule string lists the thread chosen at each decision (a point
 * where more than one could go), up to the last one that differs from the
 * default rule (ex_default); "2*3" stands for "2.2.2". A replay takes the
 * list, then the default rule, so the same string gives the same run.
 */
void ex_sched_string(const struct ex_shared *s, char *out, size_t cap)
{
	uint32_t last = 0;
	size_t len = 0;

	for (uint32_t i = 0; i < s->ndec; i++)
		if (s->dec[i].chosen != ex_default(&s->dec[i]))
			last = i + 1;
	out[0] = '\0';
	for (uint32_t i = 0; i < last && len + 16 < cap;) {
		uint32_t j = i;

		while (j < last && s->dec[j].chosen == s->dec[i].chosen)
			j++;
		len += (size_t)snprintf(out + len, cap - len, "%s%u",
					len ? "." : "", s->dec[i].chosen);
		if (j - i > 1)
			len += (size_t)snprintf(out + len, cap - len, "*%u",
						j - i);
		i = j;
	}
	if (!last)
		snprintf(out, cap, "-");
}

/* Returns 0, or -1 if str is not a schedule string. "-": no choices. */
int ex_sched_parse(const char *str, uint8_t *out, uint32_t *n)
{
	const char *p = str;

	*n = 0;
	if (strcmp(str, "-") == 0)
		return 0;
	while (*p) {
		char *end;
		unsigned long t = strtoul(p, &end, 10), k = 1;

		if (end == p || t >= EX_MAX_THREADS)
			return -1;
		p = end;
		if (*p == '*') {
			k = strtoul(p + 1, &end, 10);
			if (end == p + 1 || k == 0 || k > EX_MAX_DECISIONS)
				return -1;
			p = end;
		}
		if (*n + k > EX_MAX_DECISIONS)
			return -1;
		while (k--)
			out[(*n)++] = (uint8_t)t;
		if (*p == '.')
			p++;
		else if (*p)
			return -1;
	}
	return 0;
}

unsigned ex_preemptions(const struct ex_shared *s)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < s->ndec; i++)
		n += (unsigned)ex_cost(&s->dec[i], s->dec[i].chosen);
	return n;
}

/* -- file:line ------------------------------------------------------------ */

struct where {
	uintptr_t pc;
	char loc[48];
};

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static bool in_header(const char *loc)
{
	const char *colon = strrchr(loc, ':');

	return colon && colon - loc > 2 && strncmp(colon - 2, ".h", 2) == 0;
}

/*
 * Resolve every pc of one object file (fname, loaded at base). A pc in a
 * function inlined from a header (sanitizers/urcu_annotate.h's wrappers)
 * is shown at the line of the .c file that called it: addr2line -i lists
 * the inlined frames, innermost first, each address's after its "0x" line.
 */
static void resolve_object(struct where *w, int n, const char *fname,
			   uintptr_t base)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)base;
	uintptr_t bias = eh->e_type == ET_EXEC ? 0 : base;
	char *cmd = malloc(64 + strlen(fname) + (size_t)n * 20);
	char line[512];
	size_t len;
	FILE *p;
	int k = -1;

	if (!cmd)
		return;
	len = (size_t)sprintf(cmd, "addr2line -i -a -e '%s'", fname);
	for (int i = 0; i < n; i++)
		len += (size_t)sprintf(cmd + len, " 0x%lx",
				       (unsigned long)(w[i].pc - 1 - bias));
	p = popen(cmd, "r");
	free(cmd);
	if (!p)
		return;
	while (fgets(line, sizeof(line), p)) {
		char *d = strstr(line, " (discriminator");

		if (d)
			*d = '\0';
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0x", 2) == 0) {
			if (++k >= n)
				break;
			continue;
		}
		if (k < 0 || line[0] == '?' ||
		    (w[k].loc[0] && !in_header(w[k].loc)))
			continue;
		snprintf(w[k].loc, sizeof(w[k].loc), "%.47s", base_name(line));
	}
	pclose(p);
}

/* Where this program itself is loaded: its file name from dladdr may be
 * argv[0], which need not be a path. */
static const void *self_base(void)
{
	Dl_info me;

	return dladdr((void *)ex_sched_parse, &me) ? me.dli_fbase : NULL;
}

static void resolve(struct where *w, int n)
{
	char exe[4096];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int done = 0;

	exe[len > 0 ? len : 0] = '\0';
	while (done < n) {
		Dl_info a, b;
		int end = done;

		if (!dladdr((void *)w[done].pc, &a)) {
			done++;
			continue;
		}
		/* the pcs are sorted: take those of the same object */
		while (end < n && dladdr((void *)w[end].pc, &b) &&
		       b.dli_fbase == a.dli_fbase)
			end++;
		resolve_object(w + done, end - done,
			       a.dli_fbase == self_base() ? exe : a.dli_fname,
			       (uintptr_t)a.dli_fbase);
		done = end;
	}
}

static int by_pc(const void *a, const void *b)
{
	uintptr_t x = ((const struct where *)a)->pc;
	uintptr_t y = ((const struct where *)b)->pc;

	return x < y ? -1 : x > y;
}

static const char *loc_of(const struct where *w, int n, uintptr_t pc)
{
	struct where key = {pc, ""};
	const struct where *hit;

	if (!pc)
		return "";
	hit = bsearch(&key, w, (size_t)n, sizeof(*w), by_pc);
	return hit && hit->loc[0] ? hit->loc : "?";
}

enum { CELL_MAX = 46, TIMELINE_HEAD = 60, TIMELINE_TAIL = 60 };

static void cell(char *out, size_t cap, const char *loc, const char *text)
{
	snprintf(out, cap, "%s%s%s", loc, loc[0] ? " " : "", text);
	if (strlen(out) > CELL_MAX)
		out[CELL_MAX] = '\0';
}

static void print_row(const char *step, char cells[][CELL_MAX + 8],
		      const int *width, int nthreads)
{
	char row[EX_MAX_THREADS * (CELL_MAX + 8) + 32];
	size_t len = (size_t)snprintf(row, sizeof(row), "%s%s",
				      PROTO_TIMELINE_ROW, step);

	for (int t = 0; t < nthreads; t++)
		len += (size_t)snprintf(row + len, sizeof(row) - len,
					"  %-*s", width[t], cells[t]);
	while (len > 0 && row[len - 1] == ' ')
		row[--len] = '\0';
	puts(row);
}

/*
 * The timeline: one column per thread, one row per step, each step with
 * its file:line and what it did; a '*' after the step number marks a
 * preemption (the scheduler switched away from a thread that could have
 * gone on). The last row is the property that broke.
 */
void ex_print_timeline(const struct ex_shared *s)
{
	int nthreads = s->nthreads ? (int)s->nthreads : 1, n = 0, m = 0;
	struct where *w = calloc(s->nsteps + 1, sizeof(*w));
	char cells[EX_MAX_THREADS][CELL_MAX + 8];
	int width[EX_MAX_THREADS];

	if (!w)
		return;
	for (uint32_t i = 0; i < s->nsteps; i++)
		if (s->step[i].pc)
			w[n++].pc = s->step[i].pc;
	qsort(w, (size_t)n, sizeof(*w), by_pc);
	for (int i = 0; i < n; i++)
		if (!m || w[i].pc != w[m - 1].pc)
			w[m++] = w[i];
	resolve(w, m);
	for (int t = 0; t < nthreads; t++)
		width[t] = t ? 2 : 9;
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const struct ex_step *st = &s->step[i];
		int len;

		cell(cells[0], sizeof(cells[0]), loc_of(w, m, st->pc),
		     st->text);
		len = (int)strlen(cells[0]);
		if (st->tid < nthreads && len > width[st->tid])
			width[st->tid] = len;
	}
	for (int t = 0; t < nthreads; t++)
		snprintf(cells[t], sizeof(cells[t]), t ? "T%d" : "T0 (main)",
			 t);
	print_row("step ", cells, width, nthreads);
	for (uint32_t i = 0; i < s->nsteps; i++) {
		const struct ex_step *st = &s->step[i];
		char num[16];

		/* A long run (a livelock) shows its start and its end. */
		if (s->nsteps > TIMELINE_HEAD + TIMELINE_TAIL &&
		    i == TIMELINE_HEAD) {
			printf("%s ...  (steps %u to %u left out)\n",
			       PROTO_TIMELINE_ROW, i + 1,
			       s->nsteps - TIMELINE_TAIL);
			i = s->nsteps - TIMELINE_TAIL - 1;
			continue;
		}

		for (int t = 0; t < nthreads; t++)
			cells[t][0] = '\0';
		if (st->tid < nthreads)
			cell(cells[st->tid], sizeof(cells[0]),
			     loc_of(w, m, st->pc), st->text);
		snprintf(num, sizeof(num), "%4u%c", i + 1,
			 st->flags & EX_STEP_PREEMPTED ? '*' : ' ');
		print_row(num, cells, width, nthreads);
	}
	printf("%s=> %s\n", PROTO_TIMELINE_ROW, s->message);
	free(w);
}
