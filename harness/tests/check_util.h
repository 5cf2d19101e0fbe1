/* SPDX-License-Identifier: MIT */
/*
 * check_util.h - assertions for the labs' Check tests that print both
 * values: "got 0, want -EPERM". Error codes are printed by name.
 */
#ifndef LAB_CHECK_UTIL_H
#define LAB_CHECK_UTIL_H

#include <check.h>
#include <errno.h>
#include <stdio.h>

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

#endif /* LAB_CHECK_UTIL_H */
