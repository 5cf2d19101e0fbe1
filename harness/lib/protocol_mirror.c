// SPDX-License-Identifier: MIT
/*
 * protocol_mirror - print protocol.h's facts for the shell or Python, so
 * that those tools read them instead of typing them again:
 *
 *   protocol_mirror sh  > build/tools/protocol.sh    (the Makefile does it)
 *   protocol_mirror py  > build/tools/protocol.py
 */
#include "protocol.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct fact {
	const char *name;
	int number; /* when text is NULL */
	const char *text;
};

#define NUM(x)                                                                 \
	{                                                                      \
#x, x, NULL                                                    \
	}
#define TEXT(x)                                                                \
	{                                                                      \
#x, 0, x                                                       \
	}

static const struct fact facts[] = {
    NUM(PROTO_EXIT_OK),	      NUM(PROTO_EXIT_FAILED),
    NUM(PROTO_EXIT_SETUP),    NUM(PROTO_EXIT_TSAN),
    NUM(PROTO_EXIT_VALGRIND), NUM(PROTO_EXIT_ASAN),
    TEXT(PROTO_STAT),	      TEXT(PROTO_STAT_FMT),
    TEXT(PROTO_RUN_MARK),     TEXT(PROTO_EXPLORE),
    TEXT(PROTO_EXPLORE_FAIL), TEXT(PROTO_EXPLORE_SCHED),
    TEXT(PROTO_TIMELINE_ROW), TEXT(PROTO_SCHED_ENV),
    TEXT(PROTO_VERDICT_ENV),  TEXT(PROTO_BEGIN),
    TEXT(PROTO_DONE),	      TEXT(PROTO_UNIT),
    TEXT(PROTO_UNIT_FMT),     TEXT(PROTO_CONTROL_TSAN),
    TEXT(PROTO_CONTROL_VALGRIND), TEXT(PROTO_CONTROL_ASAN),
    TEXT(PROTO_CONTROL_VAR),  TEXT(PROTO_CONTROL_FUNC),
    TEXT(PROTO_CONTROL_ENV),  TEXT(PROTO_E2E_FAIL),
};

/*
 * A text in quotes, which it holds none of (checked in main). A C format
 * becomes one that bash's printf and Python's % both take: "%llu" is
 * "%d" (Python has no length modifiers).
 */
static void print_text(const char *t)
{
	putchar('\'');
	for (; *t; t++) {
		putchar(*t);
		if (*t != '%')
			continue;
		while (t[1] == 'l')
			t++;
		if (t[1] == 'u') {
			putchar('d');
			t++;
		}
	}
	putchar('\'');
}

int main(int argc, char **argv)
{
	const char *lang = argc > 1 ? argv[1] : "";
	bool sh = strcmp(lang, "sh") == 0;

	if (!sh && strcmp(lang, "py") != 0) {
		fprintf(stderr, "usage: protocol_mirror sh|py\n");
		return PROTO_EXIT_SETUP;
	}
	printf("%s Generated from harness/lib/protocol.h by protocol_mirror: "
	       "do not edit.\n",
	       "#");
	for (size_t i = 0; i < sizeof(facts) / sizeof(facts[0]); i++) {
		const struct fact *f = &facts[i];

		if (!f->text) {
			printf(sh ? "%s=%d\n" : "%s = %d\n", f->name,
			       f->number);
			continue;
		}
		if (strpbrk(f->text, "'\\")) {
			fprintf(stderr, "protocol_mirror: %s holds a quote\n",
				f->name);
			return PROTO_EXIT_SETUP;
		}
		printf(sh ? "%s=" : "%s = ", f->name);
		print_text(f->text);
		putchar('\n');
	}
	return PROTO_EXIT_OK;
}
