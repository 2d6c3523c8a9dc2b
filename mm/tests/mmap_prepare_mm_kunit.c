// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for f_op->mmap_prepare(): the mapping a hook makes, among the
 * other mappings of a real mm.
 *
 * Each case maps the synthetic file of mmap_prepare_kunit.h at fixed
 * addresses of its own, empty mm, counted in pages from MP_BASE, and checks:
 *  - accounting: what a mapping adds to total_vm, data_vm, exec_vm and
 *    locked_vm and to the commit charge, and that munmap() and every failed
 *    mmap() give all of it back;
 *  - neighbours: what merges with an adjacent mapping of the same file and
 *    what must not, and that a neighbour keeps its own fields;
 *  - MAP_FIXED over a mapping of the same file, of another file, over an
 *    anonymous one and over part of one: what is left of the old range, its
 *    ->close() once, its references and charge released, and what a failure
 *    leaves; MAP_FIXED_NOREPLACE refuses;
 *  - the rmap lock: a mapping hidden from rmap until complete frees it, and
 *    rmap then reaches it and the file's other mappings.
 */

#include "mmap_prepare_layout_kunit.h"

/* Nothing charged: every counter back where it was. */
static const struct mp_counters mp_no_charge;

/*
 * Rows of the scenarios below, mapped at the addresses each names: a hook
 * that changes nothing, mapped shared or private, read-only or writable.
 */
static const struct mp_behaviour mp_shared_ro = { .name = "shared_read_only" };
static const struct mp_behaviour mp_shared_rw = { .name = "shared_writable", .writable = true };
static const struct mp_behaviour mp_private_ro = {
	.name = "private_read_only", .map_private = true,
};

static const struct mp_behaviour mp_private_rw = {
	.name = "private_writable", .map_private = true, .writable = true,
};

/* Hooks that install vm_ops with ->close(), so that each close is counted. */
static const struct mp_behaviour mp_with_close = {
	.name = "hook_installs_vm_ops_with_close",
	.changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE, .vm_ops = &mp_fault_close_vm_ops,
};

static const struct mp_behaviour mp_private_rw_with_close = {
	.name = "private_writable_hook_installs_vm_ops_with_close",
	.changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE, .vm_ops = &mp_fault_close_vm_ops,
	.map_private = true, .writable = true,
};

static const struct mp_behaviour mp_sets_locked = {
	.name = "hook_sets_locked", .changes = MP_SETS_LOCKED, .sets_flags = VM_LOCKED,
};

static const struct mp_behaviour mp_sets_flags = {
	.name = "hook_sets_flags", .changes = MP_SETS_FLAGS, .sets_flags = MP_SET_FLAGS,
};

static const struct mp_behaviour mp_sets_private_data = {
	.name = "hook_sets_private_data", .changes = MP_SETS_PRIVATE_DATA,
	.private_data = MP_HOOK_DATA,
};

/* overlay-only: begin */
static const struct mp_behaviour mp_replaces_vm_file = {
	.name = "hook_replaces_vm_file", .changes = MP_REPLACES_VM_FILE,
	.replaced_vm_file = true,
};

/* overlay-only: end */

static const struct mp_behaviour mp_with_fault = {
	.name = "hook_installs_vm_ops_with_fault", .changes = MP_INSTALLS_VM_OPS,
	.vm_ops = &mp_fault_vm_ops,
};

static const struct mp_behaviour mp_remaps_past_end = {
	.name = "remap_past_end", .changes = MP_REMAPS_PAST_END, .error = -EFAULT,
};

static const struct mp_behaviour mp_mapped_fails = {
	.name = "vm_ops_mapped_fails", .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	.map_private = true, .writable = true, .error = MP_MAPPED_ERROR,
};

static const struct mp_behaviour mp_remaps = {
	.name = "remap_pfn_of_test_pages", .changes = MP_REMAPS_PFNS,
	.sets_flags = MP_REMAP_FLAGS, .readable = true,
};

/*
 * Each way a private writable (accountable) mapping can fail: in the hook,
 * in the action's prepare or complete step, or in vm_ops->mapped(), the last
 * two after the VMA was in place. None installs ->close(): whether a failed
 * mapping is closed is mmap_with_action's to check.
 */
static const struct mp_behaviour mp_failures[] = {
	{ .name = "hook_fails", .changes = MP_FAILS,
	  .map_private = true, .writable = true, .error = MP_HOOK_ERROR },
	{ .name = "hook_sets_locked_then_fails", .changes = MP_SETS_LOCKED | MP_FAILS,
	  .map_private = true, .writable = true, .error = MP_HOOK_ERROR },
	{ .name = "action_prepare_fails",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE,
	  .map_private = true, .writable = true, .error = -EFAULT },
	{ .name = "action_complete_fails", .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE,
	  .map_private = true, .writable = true, .error = -EINVAL },
	{ .name = "vm_ops_mapped_fails", .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .map_private = true, .writable = true, .error = MP_MAPPED_ERROR },
	{ .name = "hook_sets_locked_then_vm_ops_mapped_fails",
	  .changes = MP_SETS_LOCKED | MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .map_private = true, .writable = true, .error = MP_MAPPED_ERROR },
};

KUNIT_ARRAY_PARAM_DESC(mp_failure, mp_failures, name);

/* Hidden from rmap until the action completes: success, each failure once linked. */
static const struct mp_behaviour mp_hidden[] = {
	{ .name = "remap_hidden_from_rmap", .changes = MP_REMAPS_PFNS | MP_HIDES_FROM_RMAP,
	  .sets_flags = MP_REMAP_FLAGS },
	{ .name = "hidden_action_complete_fails",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE | MP_HIDES_FROM_RMAP,
	  .error = -EINVAL },
	{ .name = "hidden_vm_ops_mapped_fails",
	  .changes = MP_REMAPS_PFNS | MP_HIDES_FROM_RMAP | MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .error = MP_MAPPED_ERROR },
};

KUNIT_ARRAY_PARAM_DESC(mp_hidden, mp_hidden, name);

/* A mapping of the synthetic file, through the native path, with the hook doing @b. */
static struct mp_map *mp_native_map(struct kunit *test, const struct mp_behaviour *b)
{
	struct mp_ctx *ctx = test->priv;

	return mp_new_map(test, &mp_native, b, ctx->inner);
}

/*
 * Accounting. A shared mapping counts in total_vm only: it is not data (its
 * pages are the file's, VM_SHARED), not executable, and charges no commit
 * memory. munmap() gives back exactly what mmap() took.
 */
static void shared_mapping_counts_in_total_vm_only(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_shared_rw);
	struct mp_counters before;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_expect_charged(test, "mapped", &before, &(struct mp_counters){ .total_vm = 4 });

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/*
 * A private writable mapping is accountable (accountable_mapping()): it
 * charges its length to the commit charge, carries VM_ACCOUNT, and counts
 * as data. munmap() uncharges it.
 */
static void private_writable_mapping_is_charged(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_private_rw);
	struct mp_counters before;
	struct mp_area area;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_expect_charged(test, "mapped", &before,
			  &(struct mp_counters){ .total_vm = 4, .data_vm = 4, .committed = 4 });
	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	KUNIT_EXPECT_TRUE(test, area.vma.flags & VM_ACCOUNT);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/*
 * MAP_NORESERVE (under the default overcommit policy) makes a private
 * writable mapping VM_NORESERVE: still data, but nothing charged.
 */
static void private_writable_noreserve_mapping_is_not_charged(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_private_rw);
	struct mp_counters before;
	struct mp_area area;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE | MAP_NORESERVE),
			MP_AT(0));
	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	if (!(area.vma.flags & VM_NORESERVE)) {
		vm_munmap(MP_AT(0), 4 * PAGE_SIZE);
		kunit_skip(test, "MAP_NORESERVE is ignored under vm.overcommit_memory=2");
	}
	mp_expect_charged(test, "mapped", &before,
			  &(struct mp_counters){ .total_vm = 4, .data_vm = 4 });
	KUNIT_EXPECT_EQ(test, area.vma.flags & (VM_NORESERVE | VM_ACCOUNT), VM_NORESERVE);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/* A private read-only mapping is neither accountable nor data. */
static void private_read_only_mapping_is_not_charged(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_private_ro);
	struct mp_counters before;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_expect_charged(test, "mapped", &before, &(struct mp_counters){ .total_vm = 4 });

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/*
 * A hook that sets VM_LOCKED locks the mapping: mmap() counts it in
 * locked_vm (__mmap_complete()), and munmap() takes it back.
 */
static void hook_sets_locked_counts_in_locked_vm(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_sets_locked);
	struct mp_counters before;
	struct mp_area area;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_expect_charged(test, "mapped", &before,
			  &(struct mp_counters){ .total_vm = 4, .locked_vm = 4 });
	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	KUNIT_EXPECT_TRUE(test, area.vma.flags & VM_LOCKED);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/*
 * A mapping that fails leaves every counter where it was: the commit charge
 * taken before the hook ran is released, and a VMA that was in place before
 * the failure is unmapped with its statistics and its lock.
 */
static void failed_mmap_charges_nothing(struct kunit *test)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_map *map = mp_native_map(test, b);
	struct mp_counters before;

	mp_read_counters(&before);
	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE),
			(long)b->error);
	KUNIT_EXPECT_EQ(test, map->hook_calls, 1);
	KUNIT_EXPECT_TRUE(test, mp_range_empty(MP_AT(0), MP_AT(4)));
	mp_expect_charged(test, "after the failed mmap()", &before, &mp_no_charge);
}

/*
 * Neighbours. A new range that merges with the VMA before it takes nothing
 * the hook set on the descriptor: the VMA it joins keeps its own vm_ops and
 * private data. The merge never asked the neighbour's owner; its vm_ops and
 * private data may be another driver's.
 */
static void merge_keeps_neighbours_private_data(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *prev = mp_native_map(test, &mp_shared_ro);
	struct mp_map *map = mp_native_map(test, &mp_sets_private_data);
	long refs = file_count(ctx->inner);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(2));

	KUNIT_EXPECT_EQ(test, map->hook_calls, 1);
	mp_expect_area(test, &area, MP_AT(0), MP_AT(6), 0);
	KUNIT_EXPECT_NULL(test, area.vma.private_data);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, prev->seen.vm_ops);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs + 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
}

/*
 * A new range that fills the gap between two compatible mappings of the same
 * file, at contiguous offsets, merges both into one VMA, which holds one
 * reference to the file.
 */
static void mapping_in_gap_merges_both_neighbours(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *prev = mp_native_map(test, &mp_shared_ro);
	struct mp_map *next = mp_native_map(test, &mp_shared_ro);
	struct mp_map *map = mp_native_map(test, &mp_shared_ro);
	int map_count = current->mm->map_count;
	long refs = file_count(ctx->inner);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(next, MP_AT(6), 2, 6, MAP_FIXED_NOREPLACE), MP_AT(6));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(2));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(8), 0);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count + 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs + 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 8 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
}

/*
 * Flags the hook sets keep the new range apart from a neighbour that lacks
 * them: two VMAs, and the neighbour's flags unchanged.
 */
static void hook_flags_keep_new_range_apart(struct kunit *test)
{
	struct mp_map *prev = mp_native_map(test, &mp_shared_ro);
	struct mp_map *map = mp_native_map(test, &mp_sets_flags);
	struct mp_area before, area;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_expect_area(test, &before, MP_AT(0), MP_AT(2), 0);
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(2));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(2), 0);
	KUNIT_EXPECT_EQ(test, area.vma.flags, before.vma.flags);
	mp_expect_area(test, &area, MP_AT(2), MP_AT(6), 2);
	KUNIT_EXPECT_EQ(test, area.vma.flags & MP_SET_FLAGS, MP_SET_FLAGS);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
}

/*
 * A mapping whose hook asks for an action never merges (VMA_SPECIAL_FLAGS):
 * the action completes on a VMA of its own, so two adjacent remaps of the
 * test pages are two VMAs, and both read back.
 */
static void action_mapping_never_merges(struct kunit *test)
{
	struct mp_map *prev = mp_native_map(test, &mp_remaps);
	struct mp_map *map = mp_native_map(test, &mp_remaps);
	struct mp_area area;
	u8 byte[2];

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(4), 4, 6, MAP_FIXED_NOREPLACE), MP_AT(4));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	mp_expect_area(test, &area, MP_AT(4), MP_AT(8), 6);
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte[0], (void __user *)MP_AT(1), 1), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte[1], (void __user *)MP_AT(5), 1), 0);
	KUNIT_EXPECT_EQ(test, byte[0], MP_PATTERN + 1);
	KUNIT_EXPECT_EQ(test, byte[1], MP_PATTERN + 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 8 * PAGE_SIZE), 0);
}

/*
 * An action maps only inside the range being mapped: a PFN remap that runs
 * one page past its end, into the neighbour after it, fails with -EFAULT
 * (remap_pfn_range_prepare()), before any page is mapped, and the neighbour
 * keeps faulting in its own pages.
 */
static void remap_past_end_spares_neighbour(struct kunit *test)
{
	struct mp_map *next = mp_native_map(test, &mp_with_fault);
	struct mp_map *map = mp_native_map(test, &mp_remaps_past_end);
	struct mp_area area;
	u8 byte;

	KUNIT_ASSERT_EQ(test, mp_map_at(next, MP_AT(4), 4, 6, MAP_FIXED_NOREPLACE), MP_AT(4));
	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE),
			(long)-EFAULT);

	KUNIT_EXPECT_TRUE(test, mp_range_empty(MP_AT(0), MP_AT(4)));
	mp_expect_area(test, &area, MP_AT(4), MP_AT(8), 6);
	mp_ctx()->cur = next;
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)MP_AT(4), 1), 0);
	KUNIT_EXPECT_EQ_MSG(test, byte, MP_PATTERN, "the neighbour's first page");

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(4), 4 * PAGE_SIZE), 0);
}

/*
 * A mapping that fails next to a neighbour leaves the neighbour
 * as it was: its range, its charge, its reference, not closed.
 */
static void failed_mmap_leaves_neighbour(struct kunit *test)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	struct mp_map *prev = mp_native_map(test, &mp_private_rw_with_close);
	struct mp_map *map = mp_native_map(test, b);
	struct mp_counters before;
	struct mp_area area;
	long refs;

	/* Not contiguous in the file, so that no row merges with it. */
	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 8, MAP_FIXED_NOREPLACE), MP_AT(0));
	mp_read_counters(&before);
	refs = file_count(ctx->inner);

	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE),
			(long)b->error);
	mp_expect_area(test, &area, MP_AT(0), MP_AT(2), 8);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, &mp_fault_close_vm_ops);
	KUNIT_EXPECT_TRUE(test, mp_range_empty(MP_AT(2), MP_AT(6)));
	KUNIT_EXPECT_EQ(test, ctx->closes, 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
	mp_expect_charged(test, "after the failed mmap()", &before, &mp_no_charge);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 2 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
}

/*
 * vm_ops->mapped() is for a new VMA only (mmap_prepare.rst): a range that
 * merges with its neighbour is not passed to it, so its failure cannot fail
 * the mmap(), and the VMA keeps the neighbour's vm_ops.
 */
static void merged_range_skips_vm_ops_mapped(struct kunit *test)
{
	struct mp_map *prev = mp_native_map(test, &mp_private_rw);
	struct mp_map *map = mp_native_map(test, &mp_mapped_fails);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(2));

	KUNIT_EXPECT_EQ(test, map->hook_calls, 1);
	KUNIT_EXPECT_EQ(test, map->mapped_calls, 0);
	mp_expect_area(test, &area, MP_AT(0), MP_AT(6), 0);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, prev->seen.vm_ops);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
}

/* overlay-only: begin */
/* F9: red on 7.3.4, reported, not fixed yet. */
/*
 * A hook that replaces vm_file hands the mapping a reference to its file. If
 * the new range then merges with a neighbour that maps the same file, the
 * VMA it joins already holds one: mmap() must drop the hook's, so that the
 * one VMA holds one reference, and none is left after munmap().
 */
static void merge_after_vm_file_replaced_keeps_one_reference(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *prev = mp_native_map(test, &mp_replaces_vm_file);
	struct mp_map *map = mp_native_map(test, &mp_replaces_vm_file);
	long refs = file_count(ctx->replacement);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(prev, MP_AT(0), 2, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(2));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(6), 0);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_file, ctx->replacement);
	KUNIT_EXPECT_EQ_MSG(test, file_count(ctx->replacement), refs + 1,
			    "references to the replacement file while mapped");

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ_MSG(test, file_count(ctx->replacement), refs,
			    "references to the replacement file after munmap()");
}

/* overlay-only: end */

/*
 * The rmap lock. A mapping hidden from rmap until its action completes, of a
 * file another mapping maps: once mmap() returns, the lock is free, and rmap
 * (unmap_mapping_range(), as truncation walks it) reaches both mappings, or
 * the other one alone if the new one failed: their pages are zapped.
 */
static void hidden_mapping_beside_other_mapping_of_file(struct kunit *test)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	struct address_space *mapping = ctx->inner->f_mapping;
	struct mp_map *other = mp_native_map(test, &mp_with_fault);
	struct mp_map *map = mp_native_map(test, b);
	u8 byte;

	KUNIT_ASSERT_EQ(test, mp_map_at(other, MP_AT(0), 4, 0, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, copy_from_user(&byte, (void __user *)MP_AT(0), 1), 0);
	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(8), 4, 0, MAP_FIXED_NOREPLACE),
			b->error ? (long)b->error : (long)MP_AT(8));
	mp_assert_rmap_free(test, mapping, "rmap lock held after mmap()");

	unmap_mapping_range(mapping, 0, 0, 1);
	ctx->cur = other;	/* whose faults mp_fault() counts */
	KUNIT_EXPECT_EQ(test, copy_from_user(&byte, (void __user *)MP_AT(0), 1), 0);
	KUNIT_EXPECT_EQ_MSG(test, other->faults, 2, "faults of the other mapping");
	if (!b->error) {
		KUNIT_EXPECT_NE_MSG(test, copy_from_user(&byte, (void __user *)MP_AT(8), 1), 0,
				    "the new mapping's PFNs outlived unmap_mapping_range()");
		KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(8), 4 * PAGE_SIZE), 0);
	}
	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
}

/*
 * MAP_FIXED over a mapping of the same file replaces it: the old VMA is
 * closed exactly once (by vms_clean_up_area(), before the hook runs; not
 * again by remove_vma()) and drops its reference. The VMA is the new
 * mapping's alone.
 */
static void map_fixed_replaces_mapping_of_same_file(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *old = mp_native_map(test, &mp_with_close);
	struct mp_map *map = mp_native_map(test, &mp_shared_ro);
	int map_count = current->mm->map_count;
	long refs = file_count(ctx->inner);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 8, MAP_FIXED), MP_AT(0));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 8);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, map->seen.vm_ops);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs + 1);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count + 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
}

/*
 * MAP_FIXED over a mapping of another file: the old file's reference goes
 * with its VMA, closed once, and the new VMA maps the new file.
 */
static void map_fixed_replaces_mapping_of_other_file(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *old = mp_new_map(test, &mp_native, &mp_with_close, ctx->replacement);
	struct mp_map *map = mp_native_map(test, &mp_shared_ro);
	long old_refs = file_count(ctx->replacement);
	long refs = file_count(ctx->inner);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED), MP_AT(0));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_file, ctx->inner);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->replacement), old_refs);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs + 1);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
}

/*
 * MAP_FIXED of an accountable mapping over an accountable anonymous one:
 * the new mapping takes over the old one's charge (__mmap_setup() charges
 * only what is not charged already), so the range is charged once while
 * mapped, and not at all after munmap().
 */
static void map_fixed_over_anonymous_mapping_charges_once(struct kunit *test)
{
	struct mp_map *map = mp_native_map(test, &mp_private_rw);
	struct mp_counters before;
	struct mp_area area;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, vm_mmap(NULL, MP_AT(0), 4 * PAGE_SIZE, PROT_READ | PROT_WRITE,
				      MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, 0),
			MP_AT(0));
	mp_expect_charged(test, "anonymous", &before,
			  &(struct mp_counters){ .total_vm = 4, .data_vm = 4, .committed = 4 });
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED), MP_AT(0));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	KUNIT_EXPECT_FALSE(test, area.vma.anonymous);
	mp_expect_charged(test, "file over anonymous", &before,
			  &(struct mp_counters){ .total_vm = 4, .data_vm = 4, .committed = 4 });

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
	mp_expect_charged(test, "after munmap()", &before, &mp_no_charge);
}

/*
 * MAP_FIXED over the second half of a mapping splits it: the first half
 * stays, with its offset and vm_ops, and the removed half is closed once.
 */
static void map_fixed_over_part_of_mapping_splits_it(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *old = mp_native_map(test, &mp_with_close);
	struct mp_map *map = mp_native_map(test, &mp_shared_ro);
	long refs = file_count(ctx->inner);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_ASSERT_EQ(test, mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED), MP_AT(2));

	mp_expect_area(test, &area, MP_AT(0), MP_AT(2), 2);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, &mp_fault_close_vm_ops);
	mp_expect_area(test, &area, MP_AT(2), MP_AT(6), 2);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, map->seen.vm_ops);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs + 2);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 6 * PAGE_SIZE), 0);
	KUNIT_EXPECT_EQ(test, ctx->closes, 2);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
}

/*
 * A MAP_FIXED mapping that fails, in the hook or after it, leaves a gap
 * where it was to go (vms_abort_munmap_vmas(): the old VMAs were closed
 * before the hook ran, so they cannot come back). The old mapping is closed
 * exactly once, the failed one never, and neither keeps a reference or a
 * commit charge.
 */
static void map_fixed_failure_leaves_gap(struct kunit *test)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	struct mp_map *old = mp_native_map(test, &mp_private_rw_with_close);
	struct mp_map *map = mp_native_map(test, b);
	int map_count = current->mm->map_count;
	long refs = file_count(ctx->inner);
	struct mp_counters before;

	mp_read_counters(&before);
	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(0), 4, 2, MAP_FIXED), (long)b->error);

	KUNIT_EXPECT_EQ(test, map->hook_calls, 1);
	KUNIT_EXPECT_TRUE(test, mp_range_empty(MP_AT(0), MP_AT(4)));
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	KUNIT_EXPECT_EQ(test, ctx->closes, 1);
	KUNIT_EXPECT_EQ(test, file_count(ctx->inner), refs);
	mp_expect_charged(test, "after the failed MAP_FIXED", &before, &mp_no_charge);
}

/*
 * MAP_FIXED_NOREPLACE over any part of a mapping refuses with -EEXIST,
 * before any hook runs, and leaves the mapping as it was.
 */
static void map_fixed_noreplace_refuses_existing_mapping(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *old = mp_native_map(test, &mp_with_close);
	struct mp_map *map = mp_native_map(test, &mp_shared_ro);
	struct mp_area area;

	KUNIT_ASSERT_EQ(test, mp_map_at(old, MP_AT(0), 4, 2, MAP_FIXED_NOREPLACE), MP_AT(0));
	KUNIT_EXPECT_EQ(test, (long)mp_map_at(map, MP_AT(2), 4, 2, MAP_FIXED_NOREPLACE),
			(long)-EEXIST);

	KUNIT_EXPECT_EQ(test, map->hook_calls, 0);
	mp_expect_area(test, &area, MP_AT(0), MP_AT(4), 2);
	KUNIT_EXPECT_PTR_EQ(test, area.vma.vm_ops, &mp_fault_close_vm_ops);
	KUNIT_EXPECT_TRUE(test, mp_range_empty(MP_AT(4), MP_AT(6)));
	KUNIT_EXPECT_EQ(test, ctx->closes, 0);

	KUNIT_ASSERT_EQ(test, vm_munmap(MP_AT(0), 4 * PAGE_SIZE), 0);
}

static struct kunit_case mmap_prepare_mm_cases[] = {
	KUNIT_CASE(shared_mapping_counts_in_total_vm_only),
	KUNIT_CASE(private_writable_mapping_is_charged),
	KUNIT_CASE(private_writable_noreserve_mapping_is_not_charged),
	KUNIT_CASE(private_read_only_mapping_is_not_charged),
	KUNIT_CASE(hook_sets_locked_counts_in_locked_vm),
	KUNIT_CASE_PARAM(failed_mmap_charges_nothing, mp_failure_gen_params),
	KUNIT_CASE(merge_keeps_neighbours_private_data),
	KUNIT_CASE(mapping_in_gap_merges_both_neighbours),
	KUNIT_CASE(hook_flags_keep_new_range_apart),
	KUNIT_CASE(action_mapping_never_merges),
	KUNIT_CASE(remap_past_end_spares_neighbour),
	KUNIT_CASE_PARAM(failed_mmap_leaves_neighbour, mp_failure_gen_params),
	KUNIT_CASE(merged_range_skips_vm_ops_mapped),
	/* overlay-only: begin */
	KUNIT_CASE(merge_after_vm_file_replaced_keeps_one_reference),
	/* overlay-only: end */
	KUNIT_CASE_PARAM(hidden_mapping_beside_other_mapping_of_file, mp_hidden_gen_params),
	KUNIT_CASE(map_fixed_replaces_mapping_of_same_file),
	KUNIT_CASE(map_fixed_replaces_mapping_of_other_file),
	KUNIT_CASE(map_fixed_over_anonymous_mapping_charges_once),
	KUNIT_CASE(map_fixed_over_part_of_mapping_splits_it),
	KUNIT_CASE_PARAM(map_fixed_failure_leaves_gap, mp_failure_gen_params),
	KUNIT_CASE(map_fixed_noreplace_refuses_existing_mapping),
	{}
};

static struct kunit_suite mmap_prepare_mm_suite = {
	.name = "mmap_prepare_mm",
	.init = mp_init,
	.test_cases = mmap_prepare_mm_cases,
};

kunit_test_suite(mmap_prepare_mm_suite);

MODULE_DESCRIPTION("KUnit tests for mmap_prepare mappings among other mappings");
MODULE_LICENSE("GPL");
