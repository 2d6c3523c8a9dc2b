// SPDX-License-Identifier: GPL-2.0-only
#include <kunit/test.h>

static void stub(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, true);
}

static struct kunit_case mmap_prepare_compat_cases[] = {
	KUNIT_CASE(stub),
	{}
};

static struct kunit_suite mmap_prepare_compat_suite = {
	.name = "mmap_prepare_compat",
	.test_cases = mmap_prepare_compat_cases,
};
kunit_test_suite(mmap_prepare_compat_suite);

MODULE_DESCRIPTION("KUnit tests for the mmap_prepare compatibility layer");
MODULE_LICENSE("GPL");
