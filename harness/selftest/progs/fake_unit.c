// SPDX-License-Identifier: MIT
/*
 * Runner self-test: a Check test program built as the labs' are (check_util.h,
 * lab_unit_run()), with five tests of which two fail; "early" adds one whose
 * code leaves its test's child with exit(0) in the middle, as the lab's code
 * could, which must count as an error and not as a pass.
 */
#include "check_util.h"

#include <string.h>

START_TEST(test_passes_one)
{
	CHECK_EQ(1 + 1, 2);
}
END_TEST

START_TEST(test_passes_two)
{
	CHECK_RC(-EAGAIN, -EAGAIN);
}
END_TEST

START_TEST(test_passes_three)
{
	ck_assert(1);
}
END_TEST

START_TEST(test_fails_equal)
{
	CHECK_EQ(1, 2);
}
END_TEST

START_TEST(test_fails_rc)
{
	CHECK_RC(-ENOSYS, 0);
}
END_TEST

START_TEST(test_leaves_early)
{
	_exit(0);
}
END_TEST

int main(int argc, char **argv)
{
	Suite *s = suite_create("fake");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_passes_one);
	tcase_add_test(tc, test_passes_two);
	tcase_add_test(tc, test_passes_three);
	tcase_add_test(tc, test_fails_equal);
	tcase_add_test(tc, test_fails_rc);
	if (argc > 1 && strcmp(argv[1], "early") == 0)
		tcase_add_test(tc, test_leaves_early);
	suite_add_tcase(s, tc);
	return lab_unit_run(srunner_create(s));
}
