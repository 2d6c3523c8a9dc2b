// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the mmap_prepare compatibility layer.
 *
 * A stacking .mmap() handler (backing-file/overlayfs, coda, SysV shm, uio,
 * hv, ...) calls vfs_mmap() on the file underneath. When that file only has
 * .mmap_prepare(), compat_vma_mmap() builds a struct vm_area_desc from the
 * half-built VMA, runs the hook and writes the result back to the VMA.
 *
 * Each case takes one row of the mmap_prepare suite's tables through one
 * stacking shape, and checks the stacked mapping:
 *  - the descriptor the hook was handed, which must be what the native path
 *    hands it;
 *  - the VMA right after the compat call, inside the stacking .mmap(): the
 *    write-back of what the hook left;
 *  - the VMA mmap() finally produced, which must equal the native one;
 *  - references, data, vm_ops->mapped() and vm_ops->close() calls, and errors,
 *    as natively.
 * The native mapping is made first, as the reference; the native cases
 * themselves are in mmap_prepare_kunit.c.
 *
 * When the compat layer goes, so does this file.
 */

#include "mmap_prepare_compat_kunit.h"

KUNIT_ARRAY_PARAM_DESC(mp_behaviour, mp_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_action_behaviour, mp_action_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_life_behaviour, mp_life_behaviours, name);

/*
 * overlayfs and coda: the stacking .mmap() switches vm_file to the file
 * underneath, then calls vfs_mmap() on it.
 */
static void shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_NESTED]);
}

/* SysV shm and i915: vfs_mmap() of the file underneath; vm_file stays the caller's. */
static void shape_shm_vfs_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_SHM]);
}

/* compat_vma_mmap() called directly, as exported for drivers. */
static void shape_compat_vma_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

/*
 * uio and hv: the caller builds the descriptor (compat_set_desc_from_vma()),
 * runs a hook of its choice, then has __compat_vma_mmap() write it back.
 */
static void shape_split_compat_vma_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_COMPAT_SPLIT]);
}

/* The mmap action rows through the same shapes. */
static void action_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_NESTED]);
}

static void action_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_SHM]);
}

static void action_shape_compat_vma_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

/*
 * A mapping made through a shape splits as a native one does (the uio/hv
 * shape runs no action rows, and is left out).
 */
static void split_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_split_case(test, &mp_routes[MP_NESTED]);
}

static void split_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_split_case(test, &mp_routes[MP_SHM]);
}

static void split_shape_compat_vma_mmap(struct kunit *test)
{
	mp_split_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

/* A stacking driver that completes an I/O remap no prepare step delegated. */
static int mp_undelegated_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;
	struct mmap_action action = {
		.type = ctx->simple_io_remap ? MMAP_SIMPLE_IO_REMAP : MMAP_IO_REMAP_PFN,
	};

	return mmap_action_complete(vma, &action, /*is_compat=*/true);
}

static const struct file_operations mp_undelegated_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_undelegated_mmap,
};

/*
 * mmap_action_prepare() turns both I/O remap actions into a PFN remap, so
 * mmap_action_complete() must refuse them, with a warning, if they ever
 * arrive as they are. It is a WARN_ON_ONCE(): where a suppressed warning
 * spends the once budget (UML), the second remap is not counted.
 */
static void action_complete_refuses_undelegated_io_remap(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_undelegated_fops);
	struct mp_ctx *ctx = test->priv;
	int map_count = current->mm->map_count;
	unsigned long addr[2] = { 0, 0 };
	int i;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "requires CONFIG_BUG");

	kunit_warning_suppress(test) {
		for (i = 0; i < ARRAY_SIZE(addr); i++) {
			ctx->simple_io_remap = i;
			addr[i] = mp_vm_mmap(file, false, false);
		}
		KUNIT_EXPECT_GE(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1);
		KUNIT_EXPECT_LE(test, KUNIT_SUPPRESSED_WARNING_COUNT(), ARRAY_SIZE(addr));
	}
	KUNIT_EXPECT_EQ_MSG(test, (long)addr[0], (long)-EINVAL, "I/O remap");
	KUNIT_EXPECT_EQ_MSG(test, (long)addr[1], (long)-EINVAL, "simple I/O remap");
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
}

/* can_mmap_file(): a file needs .mmap() or .mmap_prepare() ... */
static void can_mmap_file_accepts_exactly_one_hook(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;

	KUNIT_EXPECT_TRUE(test, can_mmap_file(ctx->inner));
	KUNIT_EXPECT_TRUE(test, can_mmap_file(mp_file(test, &mp_shm_fops)));
}

/* A hook that changes nothing. */
static const struct mp_behaviour mp_plain_shared = { .name = "plain_shared" };

static const struct file_operations mp_both_hooks_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_shm_mmap,
	.mmap_prepare = mp_mmap_prepare,
};

/*
 * ... but not both: the kernel refuses such a driver's file, and WARNs at
 * each inlined copy of can_mmap_file(), ours and do_mmap()'s.
 */
static void can_mmap_file_rejects_both_hooks(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_both_hooks_fops);
	struct mp_ctx *ctx = test->priv;
	unsigned long addr = 0;
	bool ok = true;

	if (!IS_ENABLED(CONFIG_BUG))
		kunit_skip(test, "requires CONFIG_BUG");

	/* Should the kernel map it after all, the hooks find a mapping to fill in. */
	ctx->cur = mp_new_map(test, &mp_routes[MP_SHM], &mp_plain_shared, file);
	kunit_warning_suppress(test) {
		ok = can_mmap_file(file);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	kunit_warning_suppress(test) {
		addr = mp_vm_mmap(file, false, false);
		KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
	}
	KUNIT_EXPECT_FALSE(test, ok);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-ENODEV);
}

static const struct file_operations mp_no_hook_fops = {
	.owner = THIS_MODULE,
};

/* ... nor neither. */
static void can_mmap_file_rejects_no_hook(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_no_hook_fops);

	KUNIT_EXPECT_FALSE(test, can_mmap_file(file));
	KUNIT_EXPECT_EQ(test, (long)mp_vm_mmap(file, false, false), (long)-ENODEV);
}

static struct kunit_case mmap_prepare_compat_cases[] = {
	KUNIT_CASE_PARAM(shape_backing_file_vfs_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(shape_shm_vfs_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(shape_compat_vma_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(shape_split_compat_vma_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_shape_backing_file_vfs_mmap, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_shape_shm_vfs_mmap, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_shape_compat_vma_mmap, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(split_shape_backing_file_vfs_mmap, mp_life_behaviour_gen_params),
	KUNIT_CASE_PARAM(split_shape_shm_vfs_mmap, mp_life_behaviour_gen_params),
	KUNIT_CASE_PARAM(split_shape_compat_vma_mmap, mp_life_behaviour_gen_params),
	KUNIT_CASE(action_complete_refuses_undelegated_io_remap),
	KUNIT_CASE(can_mmap_file_accepts_exactly_one_hook),
	KUNIT_CASE(can_mmap_file_rejects_both_hooks),
	KUNIT_CASE(can_mmap_file_rejects_no_hook),
	{}
};

static struct kunit_suite mmap_prepare_compat_suite = {
	.name = "mmap_prepare_compat",
	.init = mp_init,
	.test_cases = mmap_prepare_compat_cases,
};

kunit_test_suite(mmap_prepare_compat_suite);

MODULE_DESCRIPTION("KUnit tests for the mmap_prepare compatibility layer");
MODULE_LICENSE("GPL");
