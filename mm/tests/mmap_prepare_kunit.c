// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for f_op->mmap_prepare(): what mmap() of a file makes of the
 * struct vm_area_desc its hook leaves.
 *
 * Each case maps a synthetic file whose .mmap_prepare() hook does what one
 * row of a table says, with vm_mmap() in the test's own mm, and checks:
 *  - the descriptor the hook was handed;
 *  - the VMA mmap() produced: flags, pgoff, vm_file, vm_ops, private data
 *    and protection, as the hook (and the mmap action it asked for) left them;
 *  - the references to every file involved, while mapped and after munmap();
 *  - the data read back through the user mapping, faulted in by the hook's
 *    vm_ops or mapped by the action;
 *  - vm_ops->mapped() and vm_ops->close() calls, and the error of a mapping
 *    that fails, after which no VMA and no reference is left.
 *
 * These cases are the reference that the compat layer's cases
 * (mmap_prepare_compat_kunit.c) compare stacked mappings with.
 */

#include "mmap_prepare_spec_kunit.h"

KUNIT_ARRAY_PARAM_DESC(mp_behaviour, mp_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_action_behaviour, mp_action_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_life_behaviour, mp_life_behaviours, name);

static void mp_native_case(struct kunit *test)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;

	mp_map_and_check(test, mp_new_map(test, &mp_native, b, ctx->inner));
}

/*
 * mmap() of a file whose hook changes one field of the descriptor, or fails:
 * the VMA is what the hook left, or there is none and nothing leaks.
 */
static void mmap_with_hook(struct kunit *test)
{
	mp_native_case(test);
}

/*
 * mmap() of a file whose hook asks for an mmap action or installs
 * vm_ops->mapped(): the kernel completes the mapping as asked, or unmaps it
 * without calling any hook of the failed mapping.
 */
static void mmap_with_action(struct kunit *test)
{
	mp_native_case(test);
}

/*
 * munmap() of a page in the middle of a mapping: each VMA left is the one
 * the hook made, at its own offset, with its own reference to the file, and
 * ->open() and ->close() balance; ->may_split() can refuse.
 */
static void munmap_splits_the_mapping(struct kunit *test)
{
	mp_split_case(test, &mp_native);
}

static struct kunit_case mmap_prepare_cases[] = {
	KUNIT_CASE_PARAM(mmap_with_hook, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(mmap_with_action, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(munmap_splits_the_mapping, mp_life_behaviour_gen_params),
	{}
};

static struct kunit_suite mmap_prepare_suite = {
	.name = "mmap_prepare",
	.init = mp_init,
	.test_cases = mmap_prepare_cases,
};

kunit_test_suite(mmap_prepare_suite);

MODULE_DESCRIPTION("KUnit tests for f_op->mmap_prepare()");
MODULE_LICENSE("GPL");
