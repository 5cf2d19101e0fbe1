// SPDX-License-Identifier: MIT
/*
 * The verdict channel of the harness's programs (see verdict.h): records
 * the runner judges from, written where the lab's code cannot print them,
 * and the controls that prove a detector ran as the harness asked.
 */
#include "verdict.h"
#include "protocol.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/valgrind.h>

/* A ThreadSanitizer build: gcc says so with __SANITIZE_THREAD__, clang
 * with __has_feature. */
#if defined(__SANITIZE_THREAD__)
#define VERDICT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define VERDICT_TSAN 1
#endif
#endif

/* An AddressSanitizer build, the same way. */
#if defined(__SANITIZE_ADDRESS__)
#define VERDICT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define VERDICT_ASAN 1
#endif
#endif

#ifdef VERDICT_ASAN
/* <sanitizer/lsan_interface.h>'s, declared here: clang's copy of the
 * header is not on every include path. */
void __lsan_do_leak_check(void);
#endif

enum { RECORD_MAX = 1024 }; /* below PIPE_BUF: one write() is atomic */

static int chan_fd = -1;
static bool taken;

bool verdict_open(void)
{
	return chan_fd >= 0;
}

void verdict_close(void)
{
	if (chan_fd >= 0)
		close(chan_fd);
	chan_fd = -1;
}

/* A child of fork() runs the lab's code, or one of the explorer's
 * schedules: it never speaks for the program. */
static void close_in_child(void)
{
	verdict_close();
}

/* One line on the channel, in one write(): newlines inside become spaces,
 * so a record is always one line. */
static void send_line(const char *fmt, va_list ap)
{
	char buf[RECORD_MAX];
	size_t n;
	ssize_t w;

	if (chan_fd < 0)
		return;
	vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	n = strlen(buf);
	buf[n++] = '\n';
	do
		w = write(chan_fd, buf, n);
	while (w < 0 && errno == EINTR);
}

static void send_text(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static void send_text(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_line(fmt, ap);
	va_end(ap);
}

int verdict_take(void)
{
	const char *v;
	char *end;
	long fd;

	if (taken)
		return chan_fd >= 0 ? 0 : -ENOENT;
	taken = true;
	pthread_atfork(NULL, NULL, close_in_child);
	v = getenv(PROTO_VERDICT_ENV);
	if (!v)
		return -ENOENT;
	errno = 0;
	fd = strtol(v, &end, 10);
	unsetenv(PROTO_VERDICT_ENV);
	if (errno || *end || fd < 3 || fd > 65535)
		return -EBADF;
	if (fcntl((int)fd, F_SETFD, FD_CLOEXEC) < 0)
		return -EBADF;
	chan_fd = (int)fd;
	send_text("%s", PROTO_BEGIN);
	return 0;
}

void verdict_say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_line(fmt, ap);
	va_end(ap);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

void verdict_send(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	send_line(fmt, ap);
	va_end(ap);
}

/*
 * The control race: two threads increment one plain int, once each, with
 * nothing to order them. ThreadSanitizer, Helgrind and DRD report it on
 * every run (they reason about happens-before, not timing), and then end
 * the process with the harness's exit status. The runner requires that
 * report and that status of every check whose program ended with
 * DONE control=...; then it drops the report from what the student sees.
 * Not static: its name in the report is how the runner tells it apart
 * (PROTO_CONTROL_VAR), or, where the detector does not name it (DRD), the
 * names of these functions (PROTO_CONTROL_FUNC).
 */
int verdict_control_word;

#ifndef VERDICT_ASAN
static __attribute__((noinline)) void *verdict_control_thread(void *arg)
{
	verdict_control_word++;
	return arg;
}

static __attribute__((noinline)) void verdict_control_race(void)
{
	pthread_t t;

	if (pthread_create(&t, NULL, verdict_control_thread, NULL) != 0)
		return; /* no report then: the runner says so */
	verdict_control_word++;
	pthread_join(t, NULL);
}
#endif

/*
 * ASan's control: a read one byte past a one-byte block, which ASan
 * reports and then ends the process with the harness's exit status. ASan
 * stops at its first error, and the leak check it would make at exit
 * would then never run: it is made here first, as at exit (a leak ends
 * the process there, with the same status, and decides the check).
 */
#ifdef VERDICT_ASAN
/* Not seen by UBSan, whose object-size check would report the read first,
 * with its own exit status. */
static __attribute__((noinline, no_sanitize("undefined"))) void
verdict_control_overflow(void)
{
	volatile char *p = calloc(1, 1);
	char c;

	if (!p)
		return; /* no report then: the runner says so */
	c = p[1];
	(void)c;
	free((void *)p);
}
#endif

/* The control of this build's detector. */
static void control_run(void)
{
#ifdef VERDICT_ASAN
	__lsan_do_leak_check();
	verdict_control_overflow();
#else
	verdict_control_race();
#endif
}

/* Which detector watches this process, for the DONE record: a TSan or an
 * ASan build, or Helgrind or DRD (a native build run under Valgrind);
 * else none. */
static const char *control_kind(void)
{
#if defined(VERDICT_TSAN)
	return " " PROTO_CONTROL_TSAN;
#elif defined(VERDICT_ASAN)
	return " " PROTO_CONTROL_ASAN;
#else
	return RUNNING_ON_VALGRIND ? " " PROTO_CONTROL_VALGRIND : "";
#endif
}

void verdict_control(void)
{
	/* The lab's code could unset the variable, or never let the program
	 * get here: the script then finds no control report and the check
	 * fails, so neither gains anything. */
	if (getenv(PROTO_CONTROL_ENV) && *control_kind())
		control_run();
}

void verdict_done(void)
{
	const char *control = control_kind();

	if (chan_fd < 0)
		return;
	fflush(NULL);
	/* DONE first: under halt_on_error=1 the control's report ends the
	 * process, with the harness's exit status, and DONE must be out. */
	send_text("%s%s", PROTO_DONE, control);
	verdict_close();
	if (*control)
		control_run();
}
