// SPDX-License-Identifier: MIT
/*
 * The compiler's messages from a lab's build logs (build.h). gcc writes
 *
 *   path/file.c:40:9: warning: unused variable 'x' [-Wunused-variable]
 *   sanitizers/lab_annotate.h:69:32: error: incompatible type ...
 *   sanitizers/lab_annotate.h:132:17: note: in expansion of macro 'A'
 *   path/src/mutex.c:4:25: note: in expansion of macro 'LAB_MUTEX_POST_LOCK'
 *
 * and the linker "path/file.c:40: undefined reference to `f'". A message
 * that arose in a harness header but in a macro that the student's code
 * expanded is moved to the student's line, the first of its notes that is
 * in the student's tree. The full text stays in the logs.
 */
#define _GNU_SOURCE
#include "build.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int build_add(struct build *b, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (!eq || eq == arg || !eq[1] || b->n_variants == MAX_VARIANTS)
		return -1;
	b->variant[b->n_variants] = strndup(arg, (size_t)(eq - arg));
	b->log[b->n_variants] = eq + 1;
	if (!b->variant[b->n_variants])
		return -1;
	b->n_variants++;
	return 0;
}

/* "path:40:9" (column optional) into m's file, line and column. */
static void parse_location(struct build_msg *m, const char *loc, size_t n,
			   const char *top)
{
	char buf[TEXT_MAX], *c1, *c2;
	size_t tl = strlen(top);

	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, loc, n);
	buf[n] = '\0';
	m->line = m->column = 0;
	c2 = strrchr(buf, ':');
	if (c2 && isdigit((unsigned char)c2[1])) {
		*c2 = '\0';
		c1 = strrchr(buf, ':');
		if (c1 && isdigit((unsigned char)c1[1])) {
			*c1 = '\0';
			m->line = atoi(c1 + 1);
			m->column = atoi(c2 + 1);
		} else {
			m->line = atoi(c2 + 1);
		}
	}
	/* shown relative to the current directory where it is below it */
	if (strncmp(buf, top, tl) == 0 && buf[tl] == '/')
		snprintf(m->file, sizeof(m->file), "%.*s", TEXT_MAX - 1,
			 buf + tl + 1);
	else
		snprintf(m->file, sizeof(m->file), "%.*s", TEXT_MAX - 1, buf);
}

static bool in_tree(const char *file, const char *tree, const char *top)
{
	char abs[2 * TEXT_MAX];
	size_t tl = strlen(tree);

	if (file[0] != '/') {
		snprintf(abs, sizeof(abs), "%s/%s", top, file);
		file = abs;
	}
	return tl > 0 && strncmp(file, tree, tl) == 0 && file[tl] == '/';
}

/*
 * One line of a log as a message: returns 1 for an error or a warning, 2
 * for a note, 0 for anything else (source excerpts, "In function").
 */
static int parse_line(const char *line, const char *top, struct build_msg *m)
{
	static const char *const sevs[] = {
	    ": fatal error: ", ": error: ", ": warning: ", ": note: "};
	static const char *const ld[] = {": undefined reference to ",
					 ": multiple definition of "};
	const char *at;

	if (isspace((unsigned char)line[0]))
		return 0;
	for (size_t i = 0; i < sizeof(sevs) / sizeof(sevs[0]); i++) {
		at = strstr(line, sevs[i]);
		if (!at)
			continue;
		memset(m, 0, sizeof(*m));
		parse_location(m, line, (size_t)(at - line), top);
		snprintf(m->severity, sizeof(m->severity), "%.*s",
			 (int)strlen(sevs[i]) - 4, sevs[i] + 2);
		snprintf(m->text, sizeof(m->text), "%.*s", TEXT_MAX - 1,
			 at + strlen(sevs[i]));
		return i == 3 ? 2 : 1;
	}
	for (size_t i = 0; i < sizeof(ld) / sizeof(ld[0]); i++) {
		at = strstr(line, ld[i]);
		if (!at)
			continue;
		memset(m, 0, sizeof(*m));
		if (strncmp(line, "/usr/bin/ld: ", 13) == 0)
			line += 13;
		parse_location(m, line, (size_t)(at - line), top);
		snprintf(m->severity, sizeof(m->severity), "error");
		snprintf(m->text, sizeof(m->text), "%.*s", TEXT_MAX - 1,
			 at + 2);
		return 1;
	}
	/* harness/integrity/check's lines: "integrity: FILE ...: why". */
	if (strncmp(line, "integrity: ", 11) == 0) {
		memset(m, 0, sizeof(*m));
		snprintf(m->severity, sizeof(m->severity), "error");
		snprintf(m->text, sizeof(m->text), "%.*s", TEXT_MAX - 1, line);
		return 1;
	}
	if (strncmp(line, "make: *** No rule to make target", 32) == 0) {
		memset(m, 0, sizeof(*m));
		snprintf(m->severity, sizeof(m->severity), "error");
		snprintf(m->text, sizeof(m->text), "%.*s", TEXT_MAX - 1,
			 line + 10);
		return 1;
	}
	return 0;
}

/* Keep m, or mark the variant on the same message seen before. */
static void keep(struct build *b, const struct build_msg *m, int variant)
{
	for (int i = 0; i < b->n_msg; i++) {
		struct build_msg *o = &b->msg[i];

		if (o->line == m->line && o->column == m->column &&
		    !strcmp(o->file, m->file) && !strcmp(o->text, m->text) &&
		    !strcmp(o->severity, m->severity)) {
			o->variants |= 1u << variant;
			return;
		}
	}
	if (b->n_msg == MAX_MESSAGES)
		return;
	b->msg[b->n_msg] = *m;
	b->msg[b->n_msg].variants = 1u << variant;
	b->msg[b->n_msg].order = b->n_msg;
	if (strcmp(m->severity, "warning") == 0)
		b->warnings++;
	else
		b->errors++;
	b->n_msg++;
}

static void read_log(struct build *b, int variant, const char *tree,
		     const char *top)
{
	FILE *f = fopen(b->log[variant], "r");
	struct build_msg cur, m;
	bool have = false;
	char line[4 * TEXT_MAX];

	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		int kind;

		line[strcspn(line, "\n")] = '\0';
		kind = parse_line(line, top, &m);
		if (kind == 1) {
			if (have)
				keep(b, &cur, variant);
			cur = m;
			cur.student = in_tree(cur.file, tree, top);
			have = true;
		} else if (kind == 2 && have && !cur.student &&
			   in_tree(m.file, tree, top) &&
			   strncmp(m.text, "in expansion of macro", 21) == 0) {
			snprintf(cur.via, sizeof(cur.via),
				 "%.120s, at %.300s:%d", m.text, cur.file,
				 cur.line);
			memcpy(cur.file, m.file, sizeof(cur.file));
			cur.line = m.line;
			cur.column = m.column;
			cur.student = true;
		}
	}
	if (have)
		keep(b, &cur, variant);
	fclose(f);
}

/* Errors first, then the student's messages before the harness's. */
static int rank(const struct build_msg *m)
{
	return (strcmp(m->severity, "warning") == 0) * 2 + !m->student;
}

static int by_rank(const void *a, const void *b)
{
	const struct build_msg *x = a, *y = b;

	/* ties keep the logs' order (qsort is not stable) */
	return rank(x) != rank(y) ? rank(x) - rank(y) : x->order - y->order;
}

void build_read(struct build *b, const char *tree)
{
	char top[TEXT_MAX];

	if (!getcwd(top, sizeof(top)))
		top[0] = '\0';
	for (int v = 0; v < b->n_variants; v++)
		read_log(b, v, tree, top);
	qsort(b->msg, (size_t)b->n_msg, sizeof(b->msg[0]), by_rank);
}

static void variants_text(char *dst, size_t cap, const struct build *b,
			  unsigned set)
{
	size_t n = 0;

	dst[0] = '\0';
	for (int v = 0; v < b->n_variants && n < cap; v++)
		if (set & (1u << v))
			n += (size_t)snprintf(dst + n, cap - n, "%s%s",
					      n ? ", " : "", b->variant[v]);
}

static void print_msg(const struct build *b, const struct build_msg *m)
{
	char vs[TEXT_MAX];
	unsigned all = (1u << b->n_variants) - 1;

	printf("         | ");
	if (strncmp(m->text, "integrity: ", 11) == 0) {
		/* The integrity check's own line says it all. */
		printf("%s\n", m->text);
		return;
	}
	if (m->file[0] && m->line)
		printf("%s:%d:%s", m->file, m->line, m->column ? "" : " ");
	if (m->column)
		printf("%d: ", m->column);
	else if (m->file[0] && !m->line)
		printf("%s: ", m->file);
	printf("%s: %s", m->severity, m->text);
	if (m->via[0])
		printf(" (%s)", m->via);
	/* Once per message; the builds it came from only when not all. */
	variants_text(vs, sizeof(vs), b, m->variants);
	if ((m->variants & all) != all && b->n_variants > 1)
		printf(" [%s build]", vs);
	putchar('\n');
}

bool build_print(const struct build *b, const char *label, const char *lab)
{
	enum { SHOWN = 20 };
	char title[TEXT_MAX];
	const char *log = NULL;

	if (b->failed < 0 && b->n_msg == 0)
		return false;
	snprintf(title, sizeof(title), "compile %s", lab);
	if (b->failed >= 0) {
		if (strcmp(b->variant[b->failed], "integrity") == 0)
			printf("%-6s %-9s %-40s FAIL  the integrity check "
			       "failed: %d problem%s\n",
			       label, "build", title, b->errors,
			       b->errors == 1 ? "" : "s");
		else
			printf("%-6s %-9s %-40s FAIL  the %s build failed: "
			       "%d error%s\n",
			       label, "build", title, b->variant[b->failed],
			       b->errors, b->errors == 1 ? "" : "s");
		log = b->log[b->failed];
	} else {
		printf("%-6s %-9s %-40s WARN  %d warning%s, each shown once\n",
		       label, "build", title, b->warnings,
		       b->warnings == 1 ? "" : "s");
		for (int v = 0; v < b->n_variants && !log; v++)
			if (b->msg[0].variants & (1u << v))
				log = b->log[v];
	}
	for (int i = 0; i < b->n_msg && i < SHOWN; i++)
		print_msg(b, &b->msg[i]);
	if (b->n_msg > SHOWN)
		printf("         | [%d more in the log]\n", b->n_msg - SHOWN);
	if (b->failed >= 0 && b->n_msg == 0)
		printf("         | (no compiler message: see the log)\n");
	printf("         log: %s\n", log ? log : "?");
	fflush(stdout);
	return true;
}

json_t *build_json(const struct build *b)
{
	json_t *vars = json_array(), *msgs = json_array();

	for (int v = 0; v < b->n_variants; v++)
		json_array_append_new(
		    vars, json_pack("{s:s, s:s, s:b}", "name", b->variant[v],
				    "log", b->log[v], "ok", v != b->failed));
	for (int i = 0; i < b->n_msg; i++) {
		const struct build_msg *m = &b->msg[i];
		json_t *in = json_array();

		for (int v = 0; v < b->n_variants; v++)
			if (m->variants & (1u << v))
				json_array_append_new(
				    in, json_string(b->variant[v]));
		json_array_append_new(
		    msgs, json_pack("{s:s, s:i, s:i, s:s, s:s, s:s, s:b, s:o}",
				    "file", m->file, "line", m->line, "column",
				    m->column, "severity", m->severity, "text",
				    m->text, "via", m->via, "student",
				    m->student, "variants", in));
	}
	return json_pack("{s:b, s:o, s:o, s:o, s:i, s:i}", "ok", b->failed < 0,
			 "failed_variant",
			 b->failed >= 0 ? json_string(b->variant[b->failed])
					: json_null(),
			 "variants", vars, "messages", msgs, "errors",
			 b->errors, "warnings", b->warnings);
}
