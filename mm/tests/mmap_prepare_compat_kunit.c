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

/* The old mapping that MAP_FIXED replaces, and what replaces it. */
static const struct mp_behaviour mp_fixed_old = {
	.name = "hook_installs_vm_ops_with_close",
	.changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE, .vm_ops = &mp_fault_close_vm_ops,
};

static const struct mp_behaviour mp_fixed_rows[] = {
	{ .name = "hook_changes_nothing" },
	{ .name = "hook_sets_private_data", .changes = MP_SETS_PRIVATE_DATA },
	{ .name = "hook_installs_vm_ops_with_fault", .changes = MP_INSTALLS_VM_OPS },
	{ .name = "hook_fails", .changes = MP_FAILS, .error = MP_HOOK_ERROR },
};

/* ... and the rows with an action or ->mapped(), which the uio/hv shape has not. */
static const struct mp_behaviour mp_fixed_action_rows[] = {
	{ .name = "map_kernel_pages_array", .changes = MP_MAPS_KERNEL_PAGES },
	{ .name = "action_prepare_fails", .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE,
	  .error = -EFAULT },
	{ .name = "action_complete_fails", .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE,
	  .error = -EINVAL },
	{ .name = "vm_ops_mapped_fails", .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .error = MP_MAPPED_ERROR },
};

KUNIT_ARRAY_PARAM_DESC(mp_fixed_row, mp_fixed_rows, name);
KUNIT_ARRAY_PARAM_DESC(mp_fixed_action_row, mp_fixed_action_rows, name);

/* What a MAP_FIXED over a mapping of ctx->inner left, and munmap() after it. */
struct mp_fixed_outcome {
	long ret;		/* what mmap() returned */
	int hook_calls;
	bool gap;		/* nothing left in the range */
	struct mp_area area;	/* else the VMA there */
	int closes;		/* vm_ops->close() calls, of the old mapping or the new */
	long inner_refs;	/* change of the references to ctx->inner */
	long file_refs;		/* ... and to the file mmap() was called on */
	long inner_refs_after;	/* ... after munmap() */
	long file_refs_after;
};

static void mp_map_fixed_over_old(struct kunit *test, const struct mp_route *route,
				  const struct mp_behaviour *b, struct mp_fixed_outcome *out)
{
	struct mp_ctx *ctx = test->priv;
	struct file *file = route->open ? route->open(test, route) : ctx->inner;
	struct mp_map *old = mp_new_map(test, &mp_native, &mp_fixed_old, ctx->inner);
	struct mp_map *map = mp_new_map(test, route, b, file);
	long inner_refs = file_count(ctx->inner);
	long file_refs = file_count(file);
	int closes = ctx->closes;

	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	out->ret = mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED);
	out->hook_calls = map->hook_calls;
	out->gap = mp_range_empty(MP_AT(0), MP_AT(4));
	if (!out->gap)
		mp_area_at(current->mm, MP_AT(0), &out->area);
	out->closes = ctx->closes - closes;
	out->inner_refs = file_count(ctx->inner) - inner_refs;
	out->file_refs = file_count(file) - file_refs;
	vm_munmap(MP_AT(0), 4 * PAGE_SIZE);
	out->inner_refs_after = file_count(ctx->inner) - inner_refs;
	out->file_refs_after = file_count(file) - file_refs;
}

/*
 * MAP_FIXED over a mapping, through a stacking .mmap(), whose hook succeeds
 * or whose hook, action or vm_ops->mapped() fails. What is left is what the
 * native mapping leaves: the old mapping closed once and its reference
 * dropped, and either the same VMA, holding one reference to the file the
 * route maps, or a gap. On failure the compat layer leaves the clean-up to
 * mmap(): it must not unmap the range itself, whose old VMAs mmap() has
 * already detached.
 */
static void mp_map_fixed_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_fixed_outcome native, via;
	/* Where the VMA maps the outer file, its reference moves from inner to it. */
	long moved = (!b->error && route->outer_keeps_vm_file) ? 1 : 0;

	mp_map_fixed_over_old(test, &mp_native, b, &native);
	mp_map_fixed_over_old(test, route, b, &via);

	KUNIT_EXPECT_EQ(test, via.hook_calls, 1);
	KUNIT_EXPECT_EQ_MSG(test, via.ret, native.ret, "mmap() result");
	KUNIT_EXPECT_EQ_MSG(test, via.gap, native.gap, "gap where the mapping failed");
	if (!via.gap && !native.gap) {
		KUNIT_EXPECT_EQ(test, via.area.start, native.area.start);
		KUNIT_EXPECT_EQ(test, via.area.end, native.area.end);
		mp_expect_same_vma(test, &via.area.vma, &native.area.vma, route->mount_flags);
	}
	KUNIT_EXPECT_EQ_MSG(test, via.closes, native.closes, "vm_ops->close() calls");
	KUNIT_EXPECT_EQ_MSG(test, via.inner_refs, native.inner_refs - moved,
			    "references to the file underneath");
	KUNIT_EXPECT_EQ_MSG(test, via.file_refs, moved, "references to the mmap()ed file");
	KUNIT_EXPECT_EQ_MSG(test, via.inner_refs_after, native.inner_refs_after,
			    "references to the file underneath after munmap()");
	KUNIT_EXPECT_EQ_MSG(test, via.file_refs_after, 0,
			    "references to the mmap()ed file after munmap()");
}

static void map_fixed_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_NESTED]);
}

static void map_fixed_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_SHM]);
}

static void map_fixed_shape_compat_vma_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void map_fixed_shape_split_compat_vma_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_COMPAT_SPLIT]);
}

/* The rows with an action or ->mapped(), through the shapes that take them. */
static void action_map_fixed_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_NESTED]);
}

static void action_map_fixed_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_SHM]);
}

static void action_map_fixed_shape_compat_vma_mmap(struct kunit *test)
{
	mp_map_fixed_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

/* Rows whose charge, or neighbour, a route must leave as natively. */
static const struct mp_behaviour mp_route_rows[] = {
	{ .name = "private_writable", .map_private = true, .writable = true },
	{ .name = "hook_sets_locked", .changes = MP_SETS_LOCKED },
	{ .name = "hook_sets_private_data", .changes = MP_SETS_PRIVATE_DATA },
	{ .name = "hook_sets_flags", .changes = MP_SETS_FLAGS },
	{ .name = "hook_fails", .changes = MP_FAILS,
	  .map_private = true, .writable = true, .error = MP_HOOK_ERROR },
};

static const struct mp_behaviour mp_route_action_rows[] = {
	{ .name = "action_complete_fails", .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE,
	  .map_private = true, .writable = true, .error = -EINVAL },
	{ .name = "vm_ops_mapped_fails", .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .map_private = true, .writable = true, .error = MP_MAPPED_ERROR },
};

KUNIT_ARRAY_PARAM_DESC(mp_route_row, mp_route_rows, name);
KUNIT_ARRAY_PARAM_DESC(mp_route_action_row, mp_route_action_rows, name);

/* What one mapping charged while mapped (or failed), and after munmap(). */
struct mp_charge {
	long ret;
	struct mp_counters mapped, unmapped;
};

static void mp_charge_of(struct kunit *test, const struct mp_route *route,
			 const struct mp_behaviour *b, struct mp_charge *c)
{
	struct mp_ctx *ctx = test->priv;
	struct file *file = route->open ? route->open(test, route) : ctx->inner;
	struct mp_map *map = mp_new_map(test, route, b, file);
	struct mp_counters before;

	mp_read_counters(&before);
	c->ret = mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE);
	mp_counters_since(&before, &c->mapped);
	if (!IS_ERR_VALUE(c->ret))
		vm_munmap(MP_AT(0), 4 * PAGE_SIZE);
	mp_counters_since(&before, &c->unmapped);
}

static void mp_expect_same_charge(struct kunit *test, const char *when,
				  const struct mp_counters *via, const struct mp_counters *native)
{
	KUNIT_EXPECT_EQ_MSG(test, via->total_vm, native->total_vm, "%s: total_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, via->data_vm, native->data_vm, "%s: data_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, via->exec_vm, native->exec_vm, "%s: exec_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, via->locked_vm, native->locked_vm, "%s: locked_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, via->committed, native->committed,
			    "%s: vm_memory_committed()", when);
}

/*
 * A stacked mapping charges what the native one charges: the mm's counters
 * and the commit charge, while mapped, after munmap(), and after each way it
 * fails.
 */
static void mp_charge_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_charge native, via;

	mp_charge_of(test, &mp_native, b, &native);
	mp_charge_of(test, route, b, &via);

	KUNIT_EXPECT_EQ_MSG(test, IS_ERR_VALUE(via.ret) ? (long)via.ret : 0,
			    IS_ERR_VALUE(native.ret) ? (long)native.ret : 0, "mmap() error");
	mp_expect_same_charge(test, "mapped", &via.mapped, &native.mapped);
	mp_expect_same_charge(test, "after munmap()", &via.unmapped, &native.unmapped);
}

static void charge_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_NESTED]);
}

static void charge_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_SHM]);
}

static void charge_shape_compat_vma_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void charge_shape_split_compat_vma_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_COMPAT_SPLIT]);
}

/* The rows with an action or ->mapped(), through the shapes that take them. */
static void action_charge_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_NESTED]);
}

static void action_charge_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_SHM]);
}

static void action_charge_shape_compat_vma_mmap(struct kunit *test)
{
	mp_charge_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

/*
 * A mapping next to one of the same file through the same route, at the
 * contiguous offset, whose hook changed nothing. mmap() tries to merge before it calls the stacking
 * .mmap(), with the file mmap() was called on. Where the VMA keeps that file
 * (SysV shm, uio, hv), the new range merges there and then: the hook never
 * runs, and what it would have set or refused does not happen. Where .mmap()
 * switches vm_file (overlayfs, compat_vma_mmap()), the files differ and the
 * new range never merges. This is route behaviour, unlike the native path,
 * which merges after the hook. On every route the neighbour keeps its own
 * fields, and every reference comes back after munmap().
 */
static void mp_neighbour_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_behaviour *b = test->param_value;
	const struct mp_behaviour plain = {
		.name = "hook_changes_nothing", .map_private = b->map_private,
		.writable = b->writable,
	};
	struct mp_ctx *ctx = test->priv;
	struct file *file = route->open(test, route);
	struct mp_map *prev = mp_new_map(test, route, &plain, file);
	struct mp_map *map = mp_new_map(test, route, b, file);
	long inner_refs = file_count(ctx->inner);
	long file_refs = file_count(file);
	struct mp_area before, area;
	unsigned long ret;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_TRUE(test, mp_area_at(current->mm, MP_AT(0), &before));
	ret = mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE);

	KUNIT_ASSERT_TRUE(test, mp_area_at(current->mm, MP_AT(0), &area));
	if (route->outer_keeps_vm_file) {
		KUNIT_EXPECT_EQ(test, map->hook_calls, 0);
		KUNIT_EXPECT_EQ(test, ret, MP_AT(2));
		KUNIT_EXPECT_EQ(test, area.end, MP_AT(6));
	} else {
		KUNIT_EXPECT_EQ(test, map->hook_calls, 1);
		KUNIT_EXPECT_EQ(test, (long)ret, b->error ?: (long)MP_AT(2));
		KUNIT_EXPECT_EQ(test, area.end, MP_AT(2));
	}
	KUNIT_EXPECT_EQ(test, area.start, MP_AT(0));
	KUNIT_EXPECT_EQ(test, area.vma.flags, before.vma.flags);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_file, before.vma.vm_file);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, before.vma.vm_ops);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.private_data, before.vma.private_data);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), inner_refs);
	KUNIT_EXPECT_EQ(test, file_count(file), file_refs);
}

static void neighbour_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_NESTED]);
}

static void neighbour_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_SHM]);
}

static void neighbour_shape_compat_vma_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void neighbour_shape_split_compat_vma_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_COMPAT_SPLIT]);
}

/* The rows with an action or ->mapped(), through the shapes that take them. */
static void action_neighbour_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_NESTED]);
}

static void action_neighbour_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_SHM]);
}

static void action_neighbour_shape_compat_vma_mmap(struct kunit *test)
{
	mp_neighbour_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
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
	KUNIT_CASE_PARAM(map_fixed_shape_backing_file_vfs_mmap,
			 mp_fixed_row_gen_params),
	KUNIT_CASE_PARAM(map_fixed_shape_shm_vfs_mmap, mp_fixed_row_gen_params),
	KUNIT_CASE_PARAM(map_fixed_shape_compat_vma_mmap, mp_fixed_row_gen_params),
	KUNIT_CASE_PARAM(map_fixed_shape_split_compat_vma_mmap,
			 mp_fixed_row_gen_params),
	KUNIT_CASE_PARAM(action_map_fixed_shape_backing_file_vfs_mmap,
			 mp_fixed_action_row_gen_params),
	KUNIT_CASE_PARAM(action_map_fixed_shape_shm_vfs_mmap, mp_fixed_action_row_gen_params),
	KUNIT_CASE_PARAM(action_map_fixed_shape_compat_vma_mmap, mp_fixed_action_row_gen_params),
	KUNIT_CASE_PARAM(charge_shape_backing_file_vfs_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(charge_shape_shm_vfs_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(charge_shape_compat_vma_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(charge_shape_split_compat_vma_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(action_charge_shape_backing_file_vfs_mmap,
			 mp_route_action_row_gen_params),
	KUNIT_CASE_PARAM(action_charge_shape_shm_vfs_mmap, mp_route_action_row_gen_params),
	KUNIT_CASE_PARAM(action_charge_shape_compat_vma_mmap, mp_route_action_row_gen_params),
	KUNIT_CASE_PARAM(neighbour_shape_backing_file_vfs_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(neighbour_shape_shm_vfs_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(neighbour_shape_compat_vma_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(neighbour_shape_split_compat_vma_mmap, mp_route_row_gen_params),
	KUNIT_CASE_PARAM(action_neighbour_shape_backing_file_vfs_mmap,
			 mp_route_action_row_gen_params),
	KUNIT_CASE_PARAM(action_neighbour_shape_shm_vfs_mmap, mp_route_action_row_gen_params),
	KUNIT_CASE_PARAM(action_neighbour_shape_compat_vma_mmap, mp_route_action_row_gen_params),
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
