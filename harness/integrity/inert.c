// SPDX-License-Identifier: MIT
/*
 * integrity/inert.c - what a graded lab's refused calls reach instead.
 *
 * harness/integrity/check --inert renames each refused reference of a
 * student's object (write, _exit, atexit, kill, setns...) to an alias of
 * one of these, compiles this file with the aliases and links it into that
 * object alone, its names made local. Nothing here does what was asked:
 * the call fails as the C library reports a refusal, so the code around it
 * goes on as its author wrote it for that case, and the checks measure it.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A call that returns an int or a long: -1 and errno, as a refused system
 * call does. */
long lab_inert_fail(void)
{
	errno = EPERM;
	return -1;
}

/* A call that returns a pointer (malloc, fopen, getenv...): NULL. */
void *lab_inert_null(void)
{
	errno = EPERM;
	return NULL;
}

/*
 * A call that never returns (_exit, exit, longjmp...): its caller has no
 * code after it to return to, so the program stops here, as a crash the
 * check reports, never as the end the code asked for.
 */
void lab_inert_noreturn(void)
{
	abort();
}

/*
 * syscall(2), in a lab that may call it for futex(2) alone: that one goes
 * through, any other number is refused. Every call passes six arguments,
 * as the C library's syscall() reads them.
 */
long lab_inert_syscall(long nr, ...)
{
	long a[6];
	va_list ap;
	int i;

	if (nr != SYS_futex) {
		errno = EPERM;
		return -1;
	}
	va_start(ap, nr);
	for (i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	return syscall(SYS_futex, a[0], a[1], a[2], a[3], a[4], a[5]);
}
