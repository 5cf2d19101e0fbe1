/* SPDX-License-Identifier: MIT */
/*
 * check_util.h - assertions for the labs' Check tests that print both
 * values: "got 0, want -EPERM". Error codes are printed by name. And how a
 * test program reports to the runner (lab_unit_run(), below): its result
 * goes on the verdict channel (verdict.h), not only Check's printed lines.
 */
#ifndef LAB_CHECK_UTIL_H
#define LAB_CHECK_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "protocol.h"
#include "verdict.h"

static inline const char *rc_name(long rc, char *buf, size_t cap)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{EPERM, "EPERM"},	{EAGAIN, "EAGAIN"},
		{EINVAL, "EINVAL"},	{ENOMEM, "ENOMEM"},
		{ENOSYS, "ENOSYS"},	{ETIMEDOUT, "ETIMEDOUT"},
		{ESHUTDOWN, "ESHUTDOWN"}, {EBUSY, "EBUSY"},
		{EIO, "EIO"},		{ECANCELED, "ECANCELED"},
		{ENOENT, "ENOENT"},	{EDEADLK, "EDEADLK"},
		{EMSGSIZE, "EMSGSIZE"},	{ENOTCONN, "ENOTCONN"},
	};

	for (size_t i = 0; rc < 0 && i < sizeof(names) / sizeof(names[0]); i++)
		if (-rc == names[i].err) {
			snprintf(buf, cap, "-%s", names[i].name);
			return buf;
		}
	snprintf(buf, cap, "%ld", rc);
	return buf;
}

/* CHECK_RC(call, -EPERM): a return code, printed by name on failure. */
#define CHECK_RC(got, want)                                                    \
	do {                                                                   \
		long got_ = (long)(got), want_ = (long)(want);                 \
		char g_[32], w_[32];                                           \
		ck_assert_msg(got_ == want_, "%s: got %s, want %s", #got,     \
			      rc_name(got_, g_, sizeof(g_)),                   \
			      rc_name(want_, w_, sizeof(w_)));                 \
	} while (0)

/* CHECK_EQ(got, want): two integers. */
#define CHECK_EQ(got, want)                                                    \
	do {                                                                   \
		long long got_ = (long long)(got), want_ = (long long)(want);  \
		ck_assert_msg(got_ == want_, "%s: got %lld, want %lld", #got, \
			      got_, want_);                                    \
	} while (0)

/*
 * A test's own end, proved. Check runs each test in a child and counts a
 * child that exits 0 as a pass, so an exit(0) from the lab's code in the
 * middle of a test would pass it. Here every test case gets a checked
 * teardown, which runs in the child only after the test function returned,
 * and which ends the child with an exit status drawn at random per run;
 * every test is added as an exit test that expects that status. An exit
 * from the lab's code ends the child with another status: Check calls it
 * an error ("Early exit with return value 0").
 */
static int lab_unit_status_;
static pid_t lab_unit_parent_;

static inline int lab_unit_exit_status(void)
{
	unsigned int r;

	if (!lab_unit_status_) {
		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (unsigned int)time(NULL) ^ (unsigned int)getpid();
		/* 3..63: not 0, 1 (Check's failure) or 2, nor the
		 * sanitizers' 66 and 67, nor a signal's 128+N */
		lab_unit_status_ = 3 + (int)(r % 61);
		lab_unit_parent_ = getpid();
	}
	return lab_unit_status_;
}

static inline void lab_unit_test_returned(void)
{
	if (getpid() != lab_unit_parent_) /* a forked test, not CK_FORK=no */
		exit(lab_unit_exit_status());
}

static inline TCase *lab_tcase_create(const char *name)
{
	TCase *tc = tcase_create(name);

	lab_unit_exit_status();
	tcase_add_checked_fixture(tc, NULL, lab_unit_test_returned);
	return tc;
}
#define tcase_create(name) lab_tcase_create(name)
#undef tcase_add_test
#define tcase_add_test(tc, tf)                                                 \
	tcase_add_exit_test(tc, tf, lab_unit_exit_status())

/*
 * lab_unit_run - run a test program's suites and report, then free sr.
 *
 * Takes the verdict channel before any test runs; forces Check's fork
 * mode when there is one, so that the lab's code runs only in children
 * (which fork() leaves without the channel) and this process, the judge,
 * runs none of it. Sends Check's counts as the UNIT record, then DONE.
 * Returns the program's exit status.
 */
static inline int lab_unit_run(SRunner *sr)
{
	TestResult **res;
	int run, failed, errors = 0;

	verdict_take();
	if (verdict_open())
		srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV);
	run = srunner_ntests_run(sr);
	failed = srunner_ntests_failed(sr);
	res = srunner_failures(sr);
	for (int i = 0; res && i < failed; i++)
		errors += tr_rtype(res[i]) == CK_ERROR;
	free(res);
	verdict_send(PROTO_UNIT_FMT, run, failed - errors, errors);
	verdict_done();
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif /* LAB_CHECK_UTIL_H */
