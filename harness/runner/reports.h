/* SPDX-License-Identifier: MIT */
/*
 * reports.h - what a race detector said, parsed once for every tool.
 *
 * ThreadSanitizer, Helgrind, DRD and AddressSanitizer each print their
 * findings as text. reports_parse() reads a whole log into a report_set:
 * one report_item per report, with its kind, the two accesses (operation,
 * size, thread, locks held, stack), the memory they touched (a global's
 * name, a heap block and its allocation site, a thread's stack or TLS) and
 * the threads' states. The runner judges its checks from it and writes it
 * into the results JSON; `runner --parse-report TOOL LOG` prints the same
 * JSON for harness/race-detect, so no other tool parses a report's text.
 *
 * report_explain() turns a data race into a few plain sentences: the
 * variable, the two lines and their threads, what fails to order them (as
 * far as the report says; it never guesses), and the usual fix.
 */
#ifndef RUNNER_REPORTS_H
#define RUNNER_REPORTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum report_tool {
	REPORT_TSAN,
	REPORT_HELGRIND,
	REPORT_DRD,
	REPORT_ASAN,
};

enum {
	REPORT_FRAMES = 16, /* frames kept per stack */
	REPORT_ITEMS = 64,  /* reports kept per log */
	REPORT_LOCKS = 4,   /* locks named per access */
	REPORT_NAME = 160,
	REPORT_LINE = 512,
};

struct report_frame {
	char func[REPORT_NAME];
	char file[REPORT_NAME];	  /* as the tool printed it; "" if unknown */
	int line;		  /* 0 if unknown */
	char object[REPORT_NAME]; /* "libc.so.6" when only that is known */
};

struct report_stack {
	struct report_frame f[REPORT_FRAMES];
	int n;
};

/* One of the two accesses of a race. */
struct report_access {
	bool known;
	char op[32];	    /* "read", "write", "atomic write", "access" */
	int size;	    /* bytes, 0 if unknown */
	unsigned long addr; /* 0 if unknown */
	char thread[48];    /* "T2", "main thread", "#3", "3" as printed */
	int n_locks;	    /* locks held, -1 when the tool does not say */
	char locks[REPORT_LOCKS][48]; /* "M1", "0x10C080 (m2)" */
	struct report_stack stack;
};

enum report_place {
	PLACE_UNKNOWN,
	PLACE_GLOBAL,
	PLACE_HEAP,
	PLACE_STACK,
	PLACE_TLS,
};

struct report_location {
	enum report_place place;
	char name[REPORT_NAME]; /* a global's name, "" if not printed */
	long size;		/* of the global or heap block, -1 unknown */
	long offset;		/* into the block, -1 unknown */
	char thread[48];	/* whose stack/TLS, who allocated the block */
	char declared[REPORT_NAME]; /* "file.c:4" where DRD names it */
	struct report_stack alloc;  /* heap: where it was allocated */
};

struct report_thread {
	char name[48];		      /* "T2" */
	char state[16];		      /* "running", "finished" */
	char created_at[REPORT_NAME]; /* first frame with a line: "f.c:9" */
};

struct report_item {
	char kind[REPORT_NAME];	  /* "data race", "Possible data race", ... */
	char header[REPORT_LINE]; /* the report's first line, less prefixes */
	bool race;
	bool sleep_sync;	     /* TSan: "As if synchronized via sleep" */
	struct report_access acc[2]; /* this access, the earlier one */
	struct report_location loc;
	struct report_thread threads[4];
	int n_threads;
	int first_line, last_line; /* the report's lines in the log, 0-based */
	int pid;		   /* Valgrind: the process that reported */
};

struct report_set {
	enum report_tool tool;
	int n;			 /* items parsed (at most REPORT_ITEMS) */
	int total;		 /* reports seen, more than n if cut */
	int races;		 /* items that are data races */
	int errors;		 /* Valgrind's ERROR SUMMARY, summed; -1 none */
	bool finished;		 /* Valgrind: an ERROR SUMMARY was printed */
	char crash[REPORT_NAME]; /* TSan/ASan: "SEGV on unknown address" */
	struct report_item *items;
};

/* "tsan", "helgrind", "drd", "asan" <-> the enum; -1 if unknown. */
int report_tool_parse(const char *name);
const char *report_tool_name(enum report_tool t);

/*
 * reports_parse - read every report of tool in log[0..len).
 *
 * Fills *out (free it with reports_free()). Never fails on odd input: a
 * line it does not understand is skipped. Returns 0, or -ENOMEM.
 */
int reports_parse(enum report_tool tool, const char *log, size_t len,
		  struct report_set *out);
void reports_free(struct report_set *s);

/*
 * reports_drop_control - remove from s the reports of the harness's control
 * race: about the global named var, or with an access whose innermost
 * frame is a function whose name starts with func (protocol.h's
 * PROTO_CONTROL_VAR and PROTO_CONTROL_FUNC), so that they count in no
 * verdict and show in no evidence. Returns how many.
 */
int reports_drop_control(struct report_set *s, const char *var,
			 const char *func);

/* The first race of s, else its first report, or NULL. */
const struct report_item *report_first(const struct report_set *s);

/* The first frame of st with a source line that is not the C library's or
 * a detector's own, or NULL. */
const struct report_frame *report_own_frame(const struct report_stack *st);

/* "g.c:7" of a frame, as a short file name and line, into buf. */
const char *report_where(const struct report_frame *f, char *buf, size_t cap);

/*
 * report_explain - the plain-words account of one report.
 *
 * Writes up to max lines of at most REPORT_LINE bytes each into lines and
 * returns how many. Says only what the report shows.
 */
int report_explain(const struct report_set *s, const struct report_item *r,
		   char lines[][REPORT_LINE], int max);

/* The whole set as JSON: {"tool", "errors", "finished", "crash", "total",
 * "reports": [...]}; each report carries its "explanation". */
json_t *reports_to_json(const struct report_set *s);

#endif /* RUNNER_REPORTS_H */
