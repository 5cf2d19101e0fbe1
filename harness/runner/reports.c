// SPDX-License-Identifier: MIT
/*
 * Race detectors' reports, parsed once (reports.h): ThreadSanitizer's
 * WARNING blocks, Helgrind's and DRD's "==pid==" error blocks, and
 * AddressSanitizer's first error. The explanation in plain words is
 * written from the parsed fields only.
 */
#define _GNU_SOURCE
#include "reports.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tool_names[] = {
    [REPORT_TSAN] = "tsan",
    [REPORT_HELGRIND] = "helgrind",
    [REPORT_DRD] = "drd",
    [REPORT_ASAN] = "asan",
};

int report_tool_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(tool_names) / sizeof(tool_names[0]); i++)
		if (strcmp(name, tool_names[i]) == 0)
			return (int)i;
	return -1;
}

const char *report_tool_name(enum report_tool t)
{
	return tool_names[t];
}

/* ---- small string helpers ------------------------------------------- */

static void scopy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

static const char *skip_spaces(const char *s)
{
	while (*s == ' ')
		s++;
	return s;
}

/* The word after needle in s into dst (up to a space, ':', ',' or ')'). */
static bool word_after(const char *s, const char *needle, char *dst, size_t cap)
{
	const char *p = strstr(s, needle);
	size_t n = 0;

	if (!p)
		return false;
	p += strlen(needle);
	while (p[n] && !strchr(" :,)'\"", p[n]))
		n++;
	scopy(dst, cap, p, n);
	return n > 0;
}

/* The text between the first two double (or single) quotes after needle. */
static bool quoted_after(const char *s, const char *needle, char q, char *dst,
			 size_t cap)
{
	const char *p = strstr(s, needle), *end;

	if (!p || !(p = strchr(p + strlen(needle), q)))
		return false;
	end = strchr(p + 1, q);
	if (!end)
		return false;
	scopy(dst, cap, p + 1, (size_t)(end - p - 1));
	return true;
}

static void lower_first(char *s)
{
	s[0] = (char)tolower((unsigned char)s[0]);
}

/* "path/to/f.c:18:7" -> file "path/to/f.c", line 18. */
static void split_location(struct report_frame *f, const char *loc, size_t n)
{
	char buf[REPORT_NAME], *colon, *end;
	long line;

	scopy(buf, sizeof(buf), loc, n);
	colon = strchr(buf, ':');
	while (colon) {
		line = strtol(colon + 1, &end, 10);
		if (end != colon + 1 && (*end == '\0' || *end == ':')) {
			*colon = '\0';
			f->line = (int)line;
			break;
		}
		colon = strchr(colon + 1, ':');
	}
	snprintf(f->file, sizeof(f->file), "%s", buf);
}

static void push_frame(struct report_stack *st, const struct report_frame *f)
{
	if (st->n < REPORT_FRAMES)
		st->f[st->n++] = *f;
}

/* ---- the set ----------------------------------------------------------- */

static struct report_item *new_item(struct report_set *s, const char *header,
				    int lineno)
{
	struct report_item *r;

	s->total++;
	if (s->n >= REPORT_ITEMS)
		return NULL;
	r = &s->items[s->n++];
	memset(r, 0, sizeof(*r));
	snprintf(r->header, sizeof(r->header), "%s", header);
	r->first_line = r->last_line = lineno;
	r->loc.size = r->loc.offset = -1;
	r->acc[0].n_locks = r->acc[1].n_locks = -1;
	return r;
}

void reports_free(struct report_set *s)
{
	free(s->items);
	memset(s, 0, sizeof(*s));
}

static bool is_control(const struct report_item *r, const char *var,
		       const char *func)
{
	if (strcmp(r->loc.name, var) == 0)
		return true;
	for (int k = 0; k < 2; k++)
		if (r->acc[k].stack.n > 0 &&
		    strncmp(r->acc[k].stack.f[0].func, func, strlen(func)) == 0)
			return true;
	return false;
}

int reports_drop_control(struct report_set *s, const char *var,
			 const char *func)
{
	int kept = 0, dropped = 0;

	for (int i = 0; i < s->n; i++) {
		struct report_item *r = &s->items[i];

		if (!is_control(r, var, func)) {
			if (kept != i)
				s->items[kept] = *r;
			kept++;
			continue;
		}
		dropped++;
		s->races -= r->race;
	}
	s->n = kept;
	s->total -= dropped;
	if (s->errors > 0)
		s->errors = s->errors > dropped ? s->errors - dropped : 0;
	return dropped;
}

const struct report_item *report_first(const struct report_set *s)
{
	for (int i = 0; i < s->n; i++)
		if (s->items[i].race)
			return &s->items[i];
	return s->n > 0 ? &s->items[0] : NULL;
}

/* A frame of the C library, the detector's runtime or Valgrind's preload,
 * as far as its name and file tell. */
static bool library_frame(const struct report_frame *f)
{
	static const char *const lib_dirs[] = {
	    "/usr/",	"../",	   "./",      "nptl/",	"misc/",
	    "sysdeps/", "string/", "stdlib/", "libio/", "elf/"};
	static const char *const lib_funcs[] = {"start_thread",
						"clone",
						"clone3",
						"__clone_internal",
						"create_thread",
						"vgDrd_thread_wrapper",
						"???"};

	if (!f->file[0] || f->line <= 0 || strstr(f->file, "sanitizer"))
		return true;
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
		if (starts(f->file, lib_dirs[i]))
			return true;
	for (size_t i = 0; i < sizeof(lib_funcs) / sizeof(lib_funcs[0]); i++)
		if (strcmp(f->func, lib_funcs[i]) == 0)
			return true;
	return starts(f->func, "pthread_") || starts(f->func, "__pthread") ||
	       starts(f->func, "__interceptor_") || starts(f->func, "_vg");
}

const struct report_frame *report_own_frame(const struct report_stack *st)
{
	for (int i = 0; i < st->n; i++)
		if (!library_frame(&st->f[i]))
			return &st->f[i];
	return NULL;
}

const char *report_where(const struct report_frame *f, char *buf, size_t cap)
{
	const char *base;

	if (!f || !f->file[0]) {
		snprintf(buf, cap, "?");
		return buf;
	}
	base = strrchr(f->file, '/');
	base = base ? base + 1 : f->file;
	if (f->line > 0)
		snprintf(buf, cap, "%s:%d", base, f->line);
	else
		snprintf(buf, cap, "%s", base);
	return buf;
}

/* ---- ThreadSanitizer -------------------------------------------------- */

/* What the frames that follow belong to. */
enum section { SEC_NONE, SEC_ACC0, SEC_ACC1, SEC_ALLOC, SEC_THREAD };

struct tsan_state {
	struct report_item *r;
	enum section sec;
	bool in_report;
};

/* "    #0 w2 /tmp/g.c:7 (gt+0x122d)" or "    #1 <null> <null> (...)" */
static bool tsan_frame(const char *line, struct report_frame *f)
{
	const char *p = skip_spaces(line), *fn, *loc, *obj;

	if (*p != '#' || !isdigit((unsigned char)p[1]))
		return false;
	memset(f, 0, sizeof(*f));
	fn = strchr(p, ' ');
	if (!fn)
		return true;
	fn++;
	/* ASan's, LSan's and UBSan's frames: "#0 0x4f2a1b in func file:line" */
	if (starts(fn, "0x") && (loc = strstr(fn, " in ")) != NULL)
		fn = loc + 4;
	loc = strchr(fn, ' ');
	scopy(f->func, sizeof(f->func), fn,
	      loc ? (size_t)(loc - fn) : strlen(fn));
	if (!loc)
		return true;
	loc++;
	obj = strstr(loc, " (");
	if (!starts(loc, "<null>") && *loc != '(')
		split_location(f, loc, obj ? (size_t)(obj - loc) : strlen(loc));
	if (obj && (obj = strchr(obj, '(')) != NULL) {
		const char *plus = strchr(obj, '+');

		if (plus)
			scopy(f->object, sizeof(f->object), obj + 1,
			      (size_t)(plus - obj - 1));
	}
	return true;
}

/* "  Write of size 4 at 0x7b04 by thread T2 (mutexes: write M1, read M2):"
 * or "  Previous atomic read of size 4 at 0x... by main thread:" */
static bool tsan_access(const char *line, struct report_item *r)
{
	const char *p = line + 2, *of = strstr(line, " of size ");
	struct report_access *a;
	const char *by, *mx;
	char op[32];

	if (!of || !strstr(line, " at 0x") || !(by = strstr(line, " by ")))
		return false;
	scopy(op, sizeof(op), p, (size_t)(of - p));
	lower_first(op);
	a = &r->acc[starts(op, "previous ") ? 1 : 0];
	if (starts(op, "previous "))
		memmove(op, op + 9, strlen(op + 9) + 1);
	a->known = true;
	snprintf(a->op, sizeof(a->op), "%s", op);
	a->size = atoi(of + 9);
	a->addr = strtoul(strstr(line, " at 0x") + 4, NULL, 16);
	by += 4;
	if (starts(by, "thread "))
		by += 7;
	scopy(a->thread, sizeof(a->thread), by, strcspn(by, " :"));
	if (starts(by, "main thread"))
		snprintf(a->thread, sizeof(a->thread), "main thread");
	a->n_locks = 0;
	mx = strstr(line, "(mutexes: ");
	while (mx && a->n_locks < REPORT_LOCKS) {
		/* "write M1, read M2)" */
		const char *m = strchr(mx + 1, 'M');

		while (m && !isdigit((unsigned char)m[1]))
			m = strchr(m + 1, 'M');
		if (!m)
			break;
		scopy(a->locks[a->n_locks], sizeof(a->locks[0]), m,
		      strspn(m + 1, "0123456789") + 1);
		a->n_locks++;
		mx = m + 1;
	}
	return true;
}

/* "  Location is global 'hits' of size 4 at 0x... (prog+0x40)",
 * "  Location is heap block of size 16 at 0x... allocated by main thread:",
 * "  Location is stack of thread T1.", "  Location is TLS of main thread." */
static void tsan_location(const char *line, struct report_item *r,
			  enum section *sec)
{
	const char *p = line + strlen("  Location is ");
	struct report_location *l = &r->loc;
	const char *sz;

	if (l->place != PLACE_UNKNOWN)
		return; /* TSan may add a second, emptier one */
	sz = strstr(p, " of size ");
	if (sz)
		l->size = atol(sz + 9);
	if (starts(p, "global ")) {
		l->place = PLACE_GLOBAL;
		quoted_after(p, "global", '\'', l->name, sizeof(l->name));
		if (strcmp(l->name, "<null>") == 0)
			l->name[0] = '\0';
	} else if (starts(p, "heap block")) {
		l->place = PLACE_HEAP;
		if (strstr(p, " at 0x") && r->acc[0].addr)
			l->offset =
			    (long)(r->acc[0].addr -
				   strtoul(strstr(p, " at 0x") + 4, NULL, 16));
		if (strstr(p, "allocated by main thread"))
			snprintf(l->thread, sizeof(l->thread), "main thread");
		else
			word_after(p, "allocated by thread ", l->thread,
				   sizeof(l->thread));
		*sec = SEC_ALLOC;
	} else if (starts(p, "stack of ") || starts(p, "TLS of ")) {
		l->place = starts(p, "stack") ? PLACE_STACK : PLACE_TLS;
		p = strstr(p, " of ") + 4;
		if (starts(p, "thread "))
			p += 7;
		scopy(l->thread, sizeof(l->thread), p, strcspn(p, "."));
	}
}

/* "  Thread T2 (tid=7817, running) created by main thread at:" */
static void tsan_thread(const char *line, struct report_item *r)
{
	struct report_thread *t;
	const char *st;

	if (r->n_threads >= 4)
		return;
	t = &r->threads[r->n_threads++];
	memset(t, 0, sizeof(*t));
	word_after(line, "Thread ", t->name, sizeof(t->name));
	st = strstr(line, ", ");
	if (st)
		scopy(t->state, sizeof(t->state), st + 2, strcspn(st + 2, ")"));
}

/* "WARNING: ThreadSanitizer: data race (pid=7814)" opens a report. */
static void tsan_start(struct report_set *s, struct tsan_state *ts,
		       const char *line, int lineno)
{
	const char *p = line + strlen("WARNING: ThreadSanitizer: ");
	char kind[REPORT_NAME];

	scopy(kind, sizeof(kind), p, strcspn(p, "("));
	while (kind[0] && kind[strlen(kind) - 1] == ' ')
		kind[strlen(kind) - 1] = '\0';
	ts->r = new_item(s, kind, lineno);
	ts->in_report = true;
	ts->sec = SEC_NONE;
	if (ts->r) {
		snprintf(ts->r->kind, sizeof(ts->r->kind), "%s", kind);
		ts->r->race = starts(kind, "data race");
		s->races += ts->r->race;
	}
}

/* A stack frame: to the section it is under. */
static void tsan_frame_line(struct tsan_state *ts, const struct report_frame *f)
{
	struct report_item *r = ts->r;
	struct report_thread *t;

	if (ts->sec == SEC_ACC0 || ts->sec == SEC_ACC1) {
		push_frame(&r->acc[ts->sec - SEC_ACC0].stack, f);
	} else if (ts->sec == SEC_ALLOC) {
		push_frame(&r->loc.alloc, f);
	} else if (ts->sec == SEC_THREAD && r->n_threads > 0) {
		t = &r->threads[r->n_threads - 1];
		if (!t->created_at[0] && !library_frame(f))
			report_where(f, t->created_at, REPORT_NAME);
	}
}

static void tsan_line(struct report_set *s, struct tsan_state *ts,
		      const char *line, int lineno)
{
	struct report_item *r = ts->r;
	struct report_frame f;

	if (starts(line, "WARNING: ThreadSanitizer: ")) {
		tsan_start(s, ts, line, lineno);
		return;
	}
	if (starts(line, "ERROR: ThreadSanitizer: ") && !s->crash[0]) {
		const char *p = line + strlen("ERROR: ThreadSanitizer: ");

		scopy(s->crash, sizeof(s->crash), p, strcspn(p, "("));
		return;
	}
	if (!ts->in_report || !r)
		return;
	r->last_line = lineno;
	if (starts(line, "SUMMARY: ThreadSanitizer")) {
		ts->in_report = false;
		return;
	}
	if (tsan_frame(line, &f)) {
		tsan_frame_line(ts, &f);
		return;
	}
	/* Section headings are indented by two spaces exactly. */
	if (!starts(line, "  ") || line[2] == ' ')
		return;
	ts->sec = SEC_NONE;
	if (starts(line, "  Location is ")) {
		tsan_location(line, r, &ts->sec);
	} else if (tsan_access(line, r)) {
		ts->sec = starts(line, "  Previous ") ? SEC_ACC1 : SEC_ACC0;
	} else if (starts(line, "  Thread T")) {
		tsan_thread(line, r);
		ts->sec = SEC_THREAD;
	} else if (starts(line, "  As if synchronized via sleep")) {
		r->sleep_sync = true;
	}
}

/* ---- Valgrind: Helgrind and DRD ----------------------------------------- */

/* A lock's address and, where Helgrind said, its name ("m2"). */
struct lock_name {
	char addr[24];
	char name[48];
};

struct vg_state {
	int pid;
	struct report_item *r;
	enum section sec;
	char pending[REPORT_LINE]; /* DRD: a headline waiting for its stack */
	int pending_line;
	bool lock_context; /* inside "Lock at 0x... was first observed" */
	char lock_addr[24];
	struct lock_name locks[32];
	int n_locks;
};

/* "   at 0x1091B1: w2 (g.c:7)", "   by 0x484C7D6: ??? (in /usr/...so)" */
static bool vg_frame(const char *line, struct report_frame *f)
{
	const char *p = skip_spaces(line), *colon, *open, *close;

	if (!(starts(p, "at 0x") || starts(p, "by 0x")))
		return false;
	memset(f, 0, sizeof(*f));
	colon = strstr(p, ": ");
	if (!colon)
		return true;
	colon += 2;
	open = strrchr(colon, '(');
	close = open ? strrchr(open, ')') : NULL;
	if (!open || !close || open == colon) {
		scopy(f->func, sizeof(f->func), colon, strlen(colon));
		return true;
	}
	scopy(f->func, sizeof(f->func), colon, (size_t)(open - 1 - colon));
	if (starts(open + 1, "in "))
		scopy(f->object, sizeof(f->object), open + 4,
		      (size_t)(close - open - 4));
	else
		split_location(f, open + 1, (size_t)(close - open - 1));
	return true;
}

static const char *lock_name_of(const struct vg_state *v, const char *addr)
{
	for (int i = 0; i < v->n_locks; i++)
		if (strcasecmp(v->locks[i].addr, addr) == 0)
			return v->locks[i].name;
	return NULL;
}

/* "Locks held: none", "Locks held: 2, at addresses 0x10C080 0x10C0C0" */
static void vg_locks_held(const struct vg_state *v, const char *line,
			  struct report_access *a)
{
	const char *p = strstr(line, "0x");

	a->n_locks = starts(line, "Locks held: none") ? 0 : atoi(line + 12);
	for (int i = 0; p && i < REPORT_LOCKS && i < a->n_locks; i++) {
		char addr[24];
		const char *name;

		scopy(addr, sizeof(addr), p, strcspn(p, " "));
		name = lock_name_of(v, addr);
		if (name)
			snprintf(a->locks[i], sizeof(a->locks[i]),
				 "%.20s (%.20s)", addr, name);
		else
			snprintf(a->locks[i], sizeof(a->locks[i]), "%s", addr);
		p = strstr(p + 2, "0x");
	}
}

/* "Possible data race during write of size 4 at 0x10C0E8 by thread #3"
 * "This conflicts with a previous read of size 4 by thread #2"
 * "Conflicting store by thread 3 at 0x0010c0e8 size 4" */
static void vg_access(const char *line, struct report_access *a)
{
	const char *p;

	a->known = true;
	if ((p = strstr(line, " during ")) != NULL) {
		p += 8;
		scopy(a->op, sizeof(a->op), p, strcspn(p, " "));
	} else if ((p = strstr(line, " a previous ")) != NULL) {
		p += 12;
		scopy(a->op, sizeof(a->op), p, strcspn(p, " "));
	} else if (starts(line, "Conflicting ")) {
		p = line + 12;
		scopy(a->op, sizeof(a->op), p, strcspn(p, " "));
		if (strcmp(a->op, "load") == 0)
			snprintf(a->op, sizeof(a->op), "read");
		else if (strcmp(a->op, "store") == 0)
			snprintf(a->op, sizeof(a->op), "write");
	}
	if ((p = strstr(line, "size ")) != NULL)
		a->size = atoi(p + 5);
	if ((p = strstr(line, "by thread ")) != NULL) {
		p += 10;
		scopy(a->thread, sizeof(a->thread), p, strcspn(p, " "));
	}
}

/* Helgrind's " Address 0x... is 0 bytes inside data symbol "counter"",
 * "... inside a block of size 16 alloc'd", "... is on thread #1's stack";
 * DRD's "Location 0x... is 0 bytes inside global var "counter"",
 * "Allocation context: BSS section of ...", "Address ... is at offset 4
 * from 0x.... Allocation context:", "declared at g.c:4". */
static bool vg_location(const char *line, struct report_item *r,
			enum section *sec)
{
	struct report_location *l = &r->loc;
	const char *p;

	if (starts(line, " Block was alloc'd by thread ")) {
		snprintf(l->thread, sizeof(l->thread), "%s", line + 29);
		return true;
	}
	if (starts(line, "declared at ") || starts(line, " declared at ")) {
		p = strstr(line, "declared at ") + 12;
		scopy(l->declared, sizeof(l->declared), p, strcspn(p, ","));
		return true;
	}
	if (starts(line, " in frame #") && l->place == PLACE_STACK) {
		p = strstr(line, "created by ");
		if (p)
			snprintf(l->declared, sizeof(l->declared), "%s",
				 p + 11);
		return true;
	}
	if (!starts(line, " Address 0x") && !starts(line, "Address 0x") &&
	    !starts(line, "Location 0x") && !starts(line, " Location 0x") &&
	    !starts(line, "Allocation context:"))
		return false;
	if ((p = strstr(line, " bytes inside")) != NULL) {
		const char *n = p;

		while (n > line && isdigit((unsigned char)n[-1]))
			n--;
		l->offset = atol(n);
	}
	if ((p = strstr(line, "at offset ")) != NULL)
		l->offset = atol(p + 10);
	if (strstr(line, "data symbol") || strstr(line, "global var")) {
		l->place = PLACE_GLOBAL;
		if (!quoted_after(line, "data symbol", '"', l->name,
				  sizeof(l->name)))
			quoted_after(line, "global var", '"', l->name,
				     sizeof(l->name));
	} else if (strstr(line, "inside local var")) {
		l->place = PLACE_STACK;
		quoted_after(line, "local var", '"', l->name, sizeof(l->name));
	} else if (strstr(line, "a block of size") ||
		   (strstr(line, "Allocation context:") &&
		    strstr(line, "offset"))) {
		l->place = PLACE_HEAP;
		if ((p = strstr(line, "block of size ")) != NULL)
			l->size = atol(p + 14);
		*sec = SEC_ALLOC;
	} else if ((p = strstr(line, "is on thread ")) != NULL) {
		l->place = PLACE_STACK;
		p += 13;
		scopy(l->thread, sizeof(l->thread), p, strcspn(p, "'"));
	} else if (strstr(line, "BSS section") ||
		   strstr(line, "data section")) {
		l->place = PLACE_GLOBAL;
	}
	return true;
}

/* Lines that open a block but are not an error. */
static bool vg_context(const char *line)
{
	static const char *const ctx[] = {"---",
					  "Thread #",
					  "Helgrind, a thread",
					  "drd, a thread",
					  "Copyright",
					  "Using Valgrind",
					  "Command:",
					  "Parent PID",
					  "Use --history-level",
					  "the cost of reduced",
					  "For lists of",
					  "For counts of",
					  "ERROR SUMMARY",
					  "HEAP SUMMARY",
					  "Other segment",
					  "(thread finished",
					  "Observed (incorrect)",
					  "Required order",
					  "followed by a later",
					  "Lock at",
					  "Warning: ",
					  "WARNING:",
					  "More than",
					  "Memcheck"};

	line = skip_spaces(line);
	for (size_t i = 0; i < sizeof(ctx) / sizeof(ctx[0]); i++)
		if (starts(line, ctx[i]))
			return true;
	return false;
}

static bool vg_thread_announcement(const char *line)
{
	return starts(line, "Thread #") &&
	       (strstr(line, " was created") ||
		strstr(line, "is the program's root thread"));
}

static void vg_start(struct report_set *s, struct vg_state *v,
		     const char *header, bool race, int lineno)
{
	v->r = new_item(s, header, lineno);
	v->sec = SEC_ACC0;
	if (!v->r)
		return;
	v->r->race = race;
	v->r->pid = v->pid;
	s->races += race;
	if (race)
		snprintf(v->r->kind, sizeof(v->r->kind), "data race");
	else
		scopy(v->r->kind, sizeof(v->r->kind), header,
		      strcspn(header, ":"));
}

static void vg_frame_line(struct vg_state *v, const struct report_frame *f)
{
	struct report_item *r = v->r;

	if (v->lock_context) {
		return; /* where a lock was first seen: not the report */
	}
	if (!r)
		return;
	if (v->sec == SEC_ACC0 || v->sec == SEC_ACC1)
		push_frame(&r->acc[v->sec - SEC_ACC0].stack, f);
	else if (v->sec == SEC_ALLOC)
		push_frame(&r->loc.alloc, f);
}

/* A line inside a race report: the other access, locks held, the
 * variable. Returns true when it was one. */
static bool vg_race_line(struct vg_state *v, const char *line)
{
	struct report_access *other = &v->r->acc[1];

	if (starts(line, "This conflicts with a previous ")) {
		vg_access(line, other);
		v->sec = SEC_ACC1;
		return true;
	}
	if (starts(line, "Other segment start (thread ")) {
		other->known = true;
		snprintf(other->op, sizeof(other->op), "access");
		scopy(other->thread, sizeof(other->thread), line + 28,
		      strcspn(line + 28, ")"));
		v->sec = SEC_ACC1;
		return true;
	}
	if (starts(line, "Other segment end")) {
		v->sec = SEC_NONE;
		return true;
	}
	if (starts(line, "Locks held: ")) {
		vg_locks_held(v, line, &v->r->acc[v->sec == SEC_ACC1 ? 1 : 0]);
		return true;
	}
	return v->r->race && vg_location(line, v->r, &v->sec);
}

/* One line of one process's Valgrind output, its "==pid== " cut off. */
static void vg_line(struct report_set *s, struct vg_state *v, const char *line,
		    int lineno)
{
	struct report_frame f;

	if (starts(line, "ERROR SUMMARY: ")) {
		s->errors = (s->errors < 0 ? 0 : s->errors) + atoi(line + 15);
		s->finished = true;
		v->r = NULL;
		return;
	}
	if (vg_frame(line, &f)) {
		if (v->pending[0] && !v->r) {
			vg_start(s, v, v->pending, false, v->pending_line);
			v->pending[0] = '\0';
		}
		vg_frame_line(v, &f);
		if (v->r)
			v->r->last_line = lineno;
		return;
	}
	if (v->lock_context) {
		/* " Address 0x10c080 is 0 bytes inside data symbol "m2"" */
		if (strstr(line, "Address ") && v->n_locks < 32 &&
		    quoted_after(line, "data symbol", '"',
				 v->locks[v->n_locks].name, 48))
			snprintf(v->locks[v->n_locks++].addr, 24, "%s",
				 v->lock_addr);
		if (!line[0])
			v->lock_context = false;
		return;
	}
	if (!line[0]) {
		v->pending[0] = '\0';
		if (v->r && v->sec == SEC_ALLOC)
			v->sec = SEC_NONE;
		return;
	}
	if (starts(line, " Lock at 0x")) {
		word_after(line, "Lock at ", v->lock_addr,
			   sizeof(v->lock_addr));
		v->lock_context = true;
		return;
	}
	if (starts(line, "Possible data race during ") ||
	    starts(line, "Conflicting load") ||
	    starts(line, "Conflicting store")) {
		vg_start(s, v, line, true, lineno);
		if (v->r)
			vg_access(line, &v->r->acc[0]);
		return;
	}
	if (v->r && vg_race_line(v, line))
		return;
	if (line[0] == ' ' || vg_thread_announcement(line) ||
	    (vg_context(line) && !starts(line, "Thread #")) ||
	    (starts(line, "Thread ") && line[strlen(line) - 1] == ':'))
		return;
	/* Any other headline is an error other than a race: Helgrind's
	 * start "Thread #N ...", DRD's ("Mutex not locked ...") are known by
	 * the stack that follows them. */
	v->r = NULL;
	if (starts(line, "Thread #")) {
		vg_start(s, v, line, false, lineno);
	} else {
		snprintf(v->pending, sizeof(v->pending), "%s", line);
		v->pending_line = lineno;
	}
}

static int vg_parse(struct report_set *s, const char *log, size_t len)
{
	/* Each process (a fork prints its own "==pid==" lines) keeps its own
	 * parser state; lines of several processes may interleave. */
	struct vg_state *st = calloc(8, sizeof(*st));
	size_t pos = 0;
	int lineno = 0, n_st = 0;

	if (!st)
		return -ENOMEM;
	while (pos < len) {
		const char *line = log + pos,
			   *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char buf[REPORT_LINE * 2];
		int pid, off = 0, i;

		pos += n + 1;
		scopy(buf, sizeof(buf), line, n);
		if (sscanf(buf, "==%d==%n", &pid, &off) == 1 && off > 0) {
			for (i = 0; i < n_st && st[i].pid != pid; i++)
				;
			if (i == n_st && n_st < 8)
				st[n_st++].pid = pid;
			if (i < n_st) {
				const char *p = buf + off;

				if (*p == ' ')
					p++;
				vg_line(s, &st[i], p, lineno);
			}
		}
		lineno++;
	}
	free(st);
	return 0;
}

/* ---- AddressSanitizer and UBSan: each process's first error --------------
 * A process stops at its first error; a check that runs several (an e2e
 * script's server and actors) may hold one report of each. */

static void asan_parse(struct report_set *s, const char *log, size_t len)
{
	static const char *const heads[] = {
	    "ERROR: AddressSanitizer: ", "runtime error: ",
	    "ERROR: LeakSanitizer: "};
	struct report_item *r = NULL;
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *line = log + pos,
			   *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char buf[REPORT_LINE];
		struct report_frame f;

		pos += n + 1;
		scopy(buf, sizeof(buf), line, n);
		for (size_t i = 0; i < 3; i++) {
			const char *h = strstr(buf, heads[i]);

			if (!h)
				continue;
			r = new_item(s, buf, lineno);
			if (r)
				scopy(r->kind, sizeof(r->kind),
				      h + strlen(heads[i]),
				      strcspn(h + strlen(heads[i]), " "));
			break;
		}
		if (r && tsan_frame(buf, &f) &&
		    r->acc[0].stack.n < REPORT_FRAMES &&
		    lineno - r->last_line <= 1) {
			push_frame(&r->acc[0].stack, &f);
			r->last_line = lineno;
		} else if (r && r->acc[0].stack.n == 0) {
			r->last_line = lineno;
		}
		lineno++;
	}
}

int reports_parse(enum report_tool tool, const char *log, size_t len,
		  struct report_set *out)
{
	memset(out, 0, sizeof(*out));
	out->tool = tool;
	out->errors = -1;
	out->items = calloc(REPORT_ITEMS, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	if (tool == REPORT_HELGRIND || tool == REPORT_DRD)
		return vg_parse(out, log, len);
	if (tool == REPORT_ASAN) {
		asan_parse(out, log, len);
		return 0;
	}
	struct tsan_state ts = {0};
	size_t pos = 0;
	int lineno = 0;

	while (pos < len) {
		const char *line = log + pos,
			   *nl = memchr(line, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - line) : len - pos;
		char buf[REPORT_LINE * 2];

		pos += n + 1;
		scopy(buf, sizeof(buf), line, n);
		tsan_line(out, &ts, buf, lineno++);
	}
	out->errors = out->total;
	return 0;
}

/* ---- the explanation ------------------------------------------------------
 */

struct lines {
	char (*v)[REPORT_LINE];
	int n, max;
};

static void say(struct lines *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void say(struct lines *l, const char *fmt, ...)
{
	va_list ap;

	if (l->n >= l->max)
		return;
	va_start(ap, fmt);
	vsnprintf(l->v[l->n++], REPORT_LINE, fmt, ap);
	va_end(ap);
}

/* "thread T2", "the main thread", "thread #3" */
static const char *thread_words(const char *t, char *buf, size_t cap)
{
	if (!t[0])
		snprintf(buf, cap, "another thread");
	else if (strcmp(t, "main thread") == 0 || strcmp(t, "#1") == 0 ||
		 strcmp(t, "1") == 0)
		snprintf(buf, cap, "the main thread");
	else
		snprintf(buf, cap, "thread %s", t);
	return buf;
}

static bool freed(const struct report_access *a)
{
	return a->stack.n > 0 && (strstr(a->stack.f[0].func, "free") ||
				  strstr(a->stack.f[0].func, "delete"));
}

static void what_memory(const struct report_item *r, struct lines *l)
{
	const struct report_location *m = &r->loc;
	char at[REPORT_NAME], who[64];

	for (int i = 0; i < 2 && m->place == PLACE_UNKNOWN; i++)
		if (freed(&r->acc[i])) {
			say(l,
			    "The variable: a heap block that %s freed at %s.",
			    thread_words(r->acc[i].thread, who, sizeof(who)),
			    report_where(report_own_frame(&r->acc[i].stack), at,
					 sizeof(at)));
			return;
		}
	switch (m->place) {
	case PLACE_GLOBAL:
		if (m->name[0])
			say(l, "The variable: the global '%s'%s%s.", m->name,
			    m->declared[0] ? ", declared at " : "",
			    m->declared);
		else
			say(l, "The variable: a global or static variable "
			       "(the report does not name it).");
		break;
	case PLACE_HEAP: {
		report_where(report_own_frame(&m->alloc), at, sizeof(at));
		char off[48] = "", size[48] = "";

		if (m->offset >= 0)
			snprintf(off, sizeof(off), "byte %ld of ", m->offset);
		if (m->size >= 0)
			snprintf(size, sizeof(size), " of %ld bytes", m->size);
		say(l, "The variable: %sa heap block%s allocated at %s%s%s.",
		    off, size, at, m->thread[0] ? " by " : "",
		    m->thread[0] ? thread_words(m->thread, who, sizeof(who))
				 : "");
		break;
	}
	case PLACE_STACK:
		say(l,
		    "The variable: a local variable%s%s on the stack of %s%s%s "
		    "whose address was shared with another thread.",
		    m->name[0] ? " " : "", m->name,
		    thread_words(m->thread, who, sizeof(who)),
		    m->declared[0] ? ", in " : "", m->declared);
		break;
	case PLACE_TLS:
		say(l,
		    "The variable: thread-local storage (_Thread_local) of "
		    "%s, whose address escaped to another thread.",
		    thread_words(m->thread, who, sizeof(who)));
		break;
	default:
		say(l, "The variable: at an address the report does not "
		       "place (not a named global, heap block or stack).");
	}
}

static void one_access(const struct report_item *r, int i, struct lines *l)
{
	const struct report_access *a = &r->acc[i];
	const struct report_frame *f = report_own_frame(&a->stack);
	char at[REPORT_NAME], who[64];

	if (!a->known) {
		say(l, "Access %d: not shown by the report.", i + 1);
		return;
	}
	thread_words(a->thread, who, sizeof(who));
	if (strcmp(a->op, "access") == 0) {
		/* DRD names the other thread's segment, not its access. */
		f = report_own_frame(&a->stack);
		say(l,
		    "Access 2: an earlier access by %s%s%s, not ordered "
		    "before access 1 (DRD shows only where that thread's "
		    "unsynchronised stretch of code began).",
		    who, f ? " in the stretch starting at " : "",
		    f ? report_where(f, at, sizeof(at)) : "");
		return;
	}
	if (!f && a->stack.n > 0)
		f = &a->stack.f[0];
	say(l, "Access %d: %s %s of %d byte%s by %s at %s%s%s%s.", i + 1,
	    i == 0 ? (strchr("aeiou", a->op[0]) ? "an" : "a") : "an earlier",
	    a->op, a->size, a->size == 1 ? "" : "s", who,
	    report_where(f, at, sizeof(at)), f && f->func[0] ? " (in " : "",
	    f ? f->func : "", f && f->func[0] ? ")" : "");
}

static bool any_common_lock(const struct report_access *a,
			    const struct report_access *b)
{
	for (int i = 0; i < a->n_locks && i < REPORT_LOCKS; i++)
		for (int k = 0; k < b->n_locks && k < REPORT_LOCKS; k++)
			if (strcmp(a->locks[i], b->locks[k]) == 0)
				return true;
	return false;
}

static void lock_list(const struct report_access *a, char *buf, size_t cap)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < a->n_locks && i < REPORT_LOCKS; i++)
		used += (size_t)snprintf(buf + used, cap - used, "%s%s",
					 i ? ", " : "", a->locks[i]);
}

/* What orders the two accesses, or fails to, as far as the report says;
 * then the usual fix for that case. */
static void what_orders(const struct report_item *r, struct lines *l)
{
	const struct report_access *a = &r->acc[0], *b = &r->acc[1];
	char la[96], lb[96], wa[64], wb[64];
	bool atom_a = starts(a->op, "atomic"), atom_b = starts(b->op, "atomic");

	thread_words(a->thread, wa, sizeof(wa));
	thread_words(b->thread, wb, sizeof(wb));
	lock_list(a, la, sizeof(la));
	lock_list(b, lb, sizeof(lb));
	if (freed(a) || freed(b)) {
		say(l, "Why it races: one access is free(): the block was "
		       "freed while the other thread could still use it.");
		say(l, "Usual fix: free it only after the other thread is "
		       "done with it (after pthread_join, or under the lock "
		       "that protects it).");
	} else if (atom_a != atom_b && b->known) {
		say(l,
		    "Why it races: one access is atomic (%s), the other is "
		    "a plain %s: an atomic access orders nothing against "
		    "a plain one to the same memory.",
		    atom_a ? a->op : b->op, atom_a ? b->op : a->op);
		say(l, "Usual fix: make every access to it atomic "
		       "(<stdatomic.h>), or protect every access with one "
		       "mutex.");
	} else if (a->n_locks > 0 && b->n_locks > 0 && !any_common_lock(a, b)) {
		say(l,
		    "Why it races: both held a lock, but different ones "
		    "(%s held %s; %s held %s), so they do not exclude "
		    "each other.",
		    wa, la, wb, lb);
		say(l, "Usual fix: protect this variable with one mutex, "
		       "the same at both lines.");
	} else if ((a->n_locks > 0) != (b->n_locks > 0) && b->n_locks >= 0 &&
		   a->n_locks >= 0) {
		say(l,
		    "Why it races: only %s held a lock (%s); %s held none. "
		    "A lock protects only when every access takes it.",
		    a->n_locks > 0 ? wa : wb, a->n_locks > 0 ? la : lb,
		    a->n_locks > 0 ? wb : wa);
		say(l, "Usual fix: take that same lock around the access at "
		       "the other line too.");
	} else {
		say(l,
		    "Why it races: nothing orders the two accesses: %s, and "
		    "no pthread_join, condition variable, semaphore or "
		    "release/acquire atomic between them%s.",
		    a->n_locks == 0 && b->n_locks == 0
			? "neither thread held a lock"
			: "no lock is shown held in common",
		    r->sleep_sync ? " (only a sleep separated them, and a "
				    "sleep orders nothing)"
				  : "");
		say(l, "Usual fix: protect both accesses with one mutex, or "
		       "hand the data over with a join, a condition variable "
		       "or an atomic store-release read by a load-acquire.");
	}
}

/* TSan: a thread of the race still running, or finished but not joined. */
static void thread_states(const struct report_item *r, struct lines *l)
{
	for (int i = 0; i < r->n_threads; i++) {
		const struct report_thread *t = &r->threads[i];

		if (strcmp(t->state, "finished") == 0 &&
		    (strcmp(r->acc[0].thread, "main thread") == 0 ||
		     strcmp(r->acc[1].thread, "main thread") == 0) &&
		    (strcmp(r->acc[0].thread, t->name) == 0 ||
		     strcmp(r->acc[1].thread, t->name) == 0))
			say(l,
			    "Thread %s (created at %s) had finished but was "
			    "not joined before the main thread's access: "
			    "a pthread_join() there would have ordered "
			    "them.",
			    t->name, t->created_at[0] ? t->created_at : "?");
	}
}

int report_explain(const struct report_set *s, const struct report_item *r,
		   char lines[][REPORT_LINE], int max)
{
	struct lines l = {lines, 0, max};

	if (!r->race) {
		const struct report_frame *f =
		    report_own_frame(&r->acc[0].stack);
		char at[REPORT_NAME];

		say(&l, "%s reported %s%s%s (not a data race).",
		    report_tool_name(s->tool), r->kind, f ? " at " : "",
		    f ? report_where(f, at, sizeof(at)) : "");
		return l.n;
	}
	say(&l, "In plain words: two threads used the same memory, at least "
		"one of them writing, with nothing ordering one before the "
		"other.");
	what_memory(r, &l);
	one_access(r, 0, &l);
	one_access(r, 1, &l);
	what_orders(r, &l);
	if (s->tool == REPORT_TSAN)
		thread_states(r, &l);
	return l.n;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *frame_json(const struct report_frame *f)
{
	return json_pack("{s:s, s:s, s:i, s:s}", "function", f->func, "file",
			 f->file, "line", f->line, "object", f->object);
}

static json_t *stack_json(const struct report_stack *st)
{
	json_t *a = json_array();

	for (int i = 0; i < st->n; i++)
		json_array_append_new(a, frame_json(&st->f[i]));
	return a;
}

static json_t *own_json(const struct report_stack *st)
{
	const struct report_frame *f = report_own_frame(st);
	char at[REPORT_NAME];

	return f ? json_string(report_where(f, at, sizeof(at))) : json_null();
}

static json_t *access_json(const struct report_access *a)
{
	json_t *locks = json_array();

	if (!a->known)
		return json_null();
	for (int i = 0; i < a->n_locks && i < REPORT_LOCKS; i++)
		json_array_append_new(locks, json_string(a->locks[i]));
	return json_pack("{s:s, s:i, s:s, s:i, s:o, s:o, s:o}", "op", a->op,
			 "size", a->size, "thread", a->thread, "locks_held",
			 a->n_locks, "locks", locks, "at", own_json(&a->stack),
			 "frames", stack_json(&a->stack));
}

static json_t *location_json(const struct report_location *m)
{
	static const char *const places[] = {"unknown", "global", "heap",
					     "stack", "tls"};

	return json_pack("{s:s, s:s, s:I, s:I, s:s, s:s, s:o, s:o}", "place",
			 places[m->place], "name", m->name, "size",
			 (json_int_t)m->size, "offset", (json_int_t)m->offset,
			 "thread", m->thread, "declared", m->declared,
			 "allocated_at", own_json(&m->alloc), "alloc_frames",
			 stack_json(&m->alloc));
}

static json_t *item_json(const struct report_set *s,
			 const struct report_item *r)
{
	char lines[8][REPORT_LINE];
	int n = report_explain(s, r, lines, 8);
	json_t *ex = json_array(), *th = json_array();

	for (int i = 0; i < n; i++)
		json_array_append_new(ex, json_string(lines[i]));
	for (int i = 0; i < r->n_threads; i++)
		json_array_append_new(
		    th, json_pack("{s:s, s:s, s:s}", "name", r->threads[i].name,
				  "state", r->threads[i].state, "created_at",
				  r->threads[i].created_at));
	return json_pack("{s:s, s:b, s:s, s:i, s:o, s:o, s:o, s:o, s:b, "
			 "s:[i,i], s:o}",
			 "kind", r->kind, "race", r->race, "header", r->header,
			 "pid", r->pid, "access", access_json(&r->acc[0]),
			 "previous", access_json(&r->acc[1]), "location",
			 location_json(&r->loc), "threads", th, "sleep",
			 r->sleep_sync, "lines", r->first_line, r->last_line,
			 "explanation", ex);
}

json_t *reports_to_json(const struct report_set *s)
{
	json_t *items = json_array();

	for (int i = 0; i < s->n; i++)
		json_array_append_new(items, item_json(s, &s->items[i]));
	return json_pack("{s:s, s:i, s:b, s:s, s:i, s:i, s:o}", "tool",
			 report_tool_name(s->tool), "errors", s->errors,
			 "finished", s->finished, "crash", s->crash, "total",
			 s->total, "races", s->races, "reports", items);
}
