/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the suites that stack a mapping share: the stacking .mmap() handlers
 * that take a mapping to the synthetic file's .mmap_prepare() hook through
 * the compat layer, and the cases that compare a stacked mapping with the
 * native one.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_COMPAT_KUNIT_H
#define _MM_TESTS_MMAP_PREPARE_COMPAT_KUNIT_H

#include "mmap_prepare_spec_kunit.h"

/* Record the compat layer's write-back before mmap() post-processes it. */
static inline int mp_outer_done(struct vm_area_struct *vma, int ret)
{
	struct mp_ctx *ctx = mp_ctx();
	struct mp_map *map = ctx ? ctx->cur : NULL;

	if (!map) {
		kunit_fail_current_test("stacking .mmap() called with no mapping in progress");
		return ret;
	}
	map->wrote_back = true;
	map->compat_ret = ret;
	mp_snapshot(vma, &map->writeback);
	return ret;
}

static inline int mp_nested_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	vma_set_file(vma, ctx->inner);
	return mp_outer_done(vma, vfs_mmap(vma->vm_file, vma));
}

static inline int mp_shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	return mp_outer_done(vma, vfs_mmap(ctx->inner, vma));
}

static inline int mp_compat_vma_mmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	vma_set_file(vma, ctx->inner);
	return mp_outer_done(vma, compat_vma_mmap(ctx->inner, vma));
}

/* uio/hv: descriptor from the VMA, a hook of the driver's choice, write-back. */
static inline int mp_compat_split_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;
	struct vm_area_desc desc;
	int ret;

	compat_set_desc_from_vma(&desc, file, vma);
	ret = ctx->inner->f_op->mmap_prepare(&desc);
	if (!ret)
		ret = __compat_vma_mmap(&desc, vma);
	return mp_outer_done(vma, ret);
}

static const struct file_operations mp_nested_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_nested_mmap,
};

static const struct file_operations mp_shm_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_shm_mmap,
};

static const struct file_operations mp_compat_vma_mmap_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_compat_vma_mmap_mmap,
};

static const struct file_operations mp_compat_split_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_compat_split_mmap,
};

/* A file of the route's own whose .mmap() stacks on ctx->inner. */
static inline struct file *mp_open_outer(struct kunit *test, const struct mp_route *route)
{
	return mp_file(test, route->fops);
}

enum mp_shape {
	MP_NESTED,		/* overlayfs, coda: switch vm_file, then vfs_mmap() */
	MP_SHM,			/* SysV shm, i915: vfs_mmap() of the file underneath */
	MP_COMPAT_VMA_MMAP,	/* compat_vma_mmap() called directly */
	MP_COMPAT_SPLIT,	/* uio, hv: compat_set_desc_from_vma(), hook, __compat_vma_mmap() */
};

/* The stacking shapes, and what each means for the hook and the VMA. */
static const struct mp_route mp_routes[] = {
	[MP_NESTED] = {
		.name = "backing-file-shaped", .open = mp_open_outer, .fops = &mp_nested_fops,
		.records_writeback = true,
	},
	[MP_SHM] = {
		.name = "shm-shaped", .open = mp_open_outer, .fops = &mp_shm_fops,
		.outer_keeps_vm_file = true, .records_writeback = true,
	},
	[MP_COMPAT_VMA_MMAP] = {
		.name = "compat_vma_mmap", .open = mp_open_outer,
		.fops = &mp_compat_vma_mmap_fops, .records_writeback = true,
	},
	[MP_COMPAT_SPLIT] = {
		.name = "split compat_vma_mmap", .open = mp_open_outer,
		.fops = &mp_compat_split_fops, .outer_is_desc_file = true,
		.outer_keeps_vm_file = true, .records_writeback = true, .runs_hook_itself = true,
	},
};

/* Two VMAs agree in everything a route must not change. */
static inline void mp_expect_same_vma(struct kunit *test, const struct mp_vma *v,
				      const struct mp_vma *native, vm_flags_t mount_flags)
{
	KUNIT_EXPECT_EQ_MSG(test, v->flags & ~mount_flags, native->flags & ~mount_flags,
			    "flags differ from native");
	KUNIT_EXPECT_EQ_MSG(test, v->pgoff, native->pgoff, "pgoff differs from native");
	KUNIT_EXPECT_EQ_MSG(test, pgprot_val(v->page_prot), pgprot_val(native->page_prot),
			    "page_prot differs from native");
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->vm_ops, native->vm_ops, "vm_ops differ from native");
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->private_data, native->private_data,
				"private_data differs from native");
	KUNIT_EXPECT_EQ_MSG(test, v->anonymous, native->anonymous,
			    "anonymous differs from native");
}

/*
 * Map map->file natively, only to record the reference VMA that another
 * route's mapping is compared with: the native cases assert it.
 */
static inline void mp_map_reference(struct kunit *test, struct mp_map *map)
{
	map->reference = true;
	mp_do_map(test, map);
	if (!IS_ERR_VALUE(map->addr))
		KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
}

/*
 * Map the row's file natively, for reference, then through @route, and check
 * the stacked mapping: as the hook left it, and as the native one.
 */
static inline void mp_stacked_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	struct mp_map *native, *via;

	if (route->setup)
		route->setup(test);
	native = mp_new_map(test, &mp_native, b, ctx->inner);
	mp_map_reference(test, native);

	via = mp_new_map(test, route, b, route->open(test, route));
	mp_map_and_check(test, via);

	/* The hook saw the same VMA state as natively ... */
	KUNIT_EXPECT_EQ_MSG(test, vma_flags_to_legacy(via->seen.vma_flags) & ~route->mount_flags,
			    vma_flags_to_legacy(native->seen.vma_flags) & ~route->mount_flags,
			    "flags handed to the hook differ from native");
	KUNIT_EXPECT_EQ_MSG(test, pgprot_val(via->seen.page_prot),
			    pgprot_val(native->seen.page_prot),
			    "page_prot handed to the hook differs from native");
	KUNIT_EXPECT_PTR_EQ_MSG(test, via->seen.vm_ops, native->seen.vm_ops,
				"vm_ops handed to the hook differ from native");
	/* ... and mmap() produced the same VMA. */
	if (!b->error && !IS_ERR_VALUE(native->addr))
		mp_expect_same_vma(test, &via->final, &native->final, route->mount_flags);
}

#endif /* _MM_TESTS_MMAP_PREPARE_COMPAT_KUNIT_H */
