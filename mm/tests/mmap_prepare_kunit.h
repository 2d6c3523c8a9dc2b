/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the mmap_prepare KUnit suites share: a synthetic file whose
 * .mmap_prepare() hook does what one row of a table says, the native route
 * to that hook (mmap() of the file itself), and the checks of the VMA that
 * comes back. The stacking routes are in mmap_prepare_compat_kunit.h.
 *
 * Each suite is a module of its own and includes this header. Its helpers
 * are static inline, so that each suite compiles only those it calls.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_KUNIT_H
#define _MM_TESTS_MMAP_PREPARE_KUNIT_H

#include <kunit/device.h>
#include <kunit/resource.h>
#include <kunit/test-bug.h>
#include <kunit/test.h>
#include <linux/anon_inodes.h>
#include <linux/backing-file.h>
#include <linux/cred.h>
#include <linux/delay.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/shmem_fs.h>
#include <linux/uaccess.h>
#include <linux/uio_driver.h>

#define MP_PAGES		4
#define MP_LEN			(MP_PAGES * PAGE_SIZE)
#define MP_PGOFF		2		/* mmap() offset, in pages */
#define MP_PGOFF_SHIFT		5		/* added by hooks that change pgoff */
#define MP_HOOK_ERROR		(-ENOKEY)	/* distinctive error of failing hooks */
#define MP_MAPPED_ERROR		(-ENOLINK)	/* ... and of failing ->mapped() */
#define MP_OVERRIDE_ERROR	(-EADDRNOTAVAIL) /* action error_override */
#define MP_SET_FLAGS		(VM_DONTEXPAND | VM_DONTDUMP)
#define MP_CLEAR_FLAGS		VM_MAYWRITE
#define MP_FAULT_PAGE		1		/* page of the mapping read back */
#define MP_PATTERN		0x50		/* page i of the test pages holds 0x50 + i */
#define MP_READBACK		64		/* bytes read back through a mapping */
#define MP_SLAB_BYTES		64		/* a slab object: no action may map its page */
#define MP_BAD_OVERRIDE		1		/* an error_override that is no errno */

/* What a hook does to the descriptor it is handed. */
enum mp_change {
	MP_SETS_FLAGS		= BIT(0),
	MP_CLEARS_FLAGS		= BIT(1),
	MP_CHANGES_PGOFF	= BIT(2),
	MP_REPLACES_VM_FILE	= BIT(3),
	MP_INSTALLS_VM_OPS	= BIT(4),
	MP_SETS_PRIVATE_DATA	= BIT(5),
	MP_CHANGES_PAGE_PROT	= BIT(6),
	MP_CLEARS_VM_OPS	= BIT(7),
	MP_FAILS		= BIT(8),
	/* mmap actions: the kernel completes the mapping after the hook. */
	MP_REMAPS_PFNS		= BIT(9),
	MP_IO_REMAPS_PFNS	= BIT(10),
	MP_SIMPLE_IO_REMAPS	= BIT(11),
	MP_MAPS_KERNEL_PAGES	= BIT(12),
	MP_ACTION_OUT_OF_RANGE	= BIT(13),	/* action prepare fails */
	MP_ACTION_SLAB_PAGE	= BIT(14),	/* action complete fails */
	MP_ACTION_OVERRIDES	= BIT(15),	/* with error_override set */
	MP_HIDES_FROM_RMAP	= BIT(16),
	/* vm_ops->mapped(), called once the VMA is in place. */
	MP_INSTALLS_MAPPED	= BIT(17),
	MP_MAPPED_SETS_PRIVATE	= BIT(18),
	MP_MAPPED_FAILS		= BIT(19),
	MP_ACTION_BAD_OVERRIDE	= BIT(20),	/* error_override not an errno */
	MP_ACTION_BAD_TYPE	= BIT(21),	/* action type the kernel lacks */
	/* The hook's vm_ops (fault or ->mapped()) also have ->close(). */
	MP_INSTALLS_CLOSE	= BIT(22),
	/* The hook locks the mapping, as MAP_LOCKED would, but without populating it. */
	MP_SETS_LOCKED		= BIT(23),
	/* A PFN remap of the test pages from the second page on: one page too long. */
	MP_REMAPS_PAST_END	= BIT(24),
};

/* overlay-only: begin */
/*
 * Everything that differs between kernel versions lives in this header, and
 * nowhere else: the overlay's backports replace it as a whole for older
 * kernels, and cases that need a feature such a kernel lacks skip with the
 * reason. Lines between these markers are the overlay's alone: `mpk series`
 * drops them and inlines the header for the upstream patch.
 */
/* overlay-only: end */
#include "mmap_prepare_kunit_api.h"
/* overlay-only: begin */

#define MP_NO_ACTIONS		"7.1's mmap action API (mmap_action_*(), vm_ops->mapped()) is not here"
#define MP_NO_ANON_HOOK		"a hook can make a VMA anonymous since 7.2"
#define MP_NO_OVERRIDE_CHECK	"error_override, checked by the kernel, arrived in 7.2"
#define MP_NO_SUPPRESS		"kunit_warning_suppress(), to keep the WARN out of the log, is 7.2+"
#define MP_NO_SPLIT_ROUTE	"a hook of the caller's choice (uio/hv's route) arrived in 6.18"
#define MP_NEEDS_ACTIONS	(MP_REMAPS_PFNS | MP_IO_REMAPS_PFNS | MP_SIMPLE_IO_REMAPS | \
				 MP_MAPS_KERNEL_PAGES | MP_INSTALLS_MAPPED)
/* overlay-only: end */

/* VMA flags the kernel adds when it prepares a remap, or a kernel-page mapping. */
#define MP_REMAP_FLAGS		(VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP)
#define MP_MAP_PAGES_FLAGS	VM_MIXEDMAP

/* The hook's vm_ops, defined with the hook below. */
static const struct vm_operations_struct mp_fault_vm_ops;
static const struct vm_operations_struct mp_fault_close_vm_ops;
static const struct vm_operations_struct mp_mapped_vm_ops;
static const struct vm_operations_struct mp_mapped_close_vm_ops;

/* Whose private data the VMA carries. */
enum mp_private_data {
	MP_NO_DATA,
	MP_HOOK_DATA,		/* the hook's: &ctx->cookie */
	MP_MAPPED_DATA,		/* vm_ops->mapped()'s: &ctx->mapped_cookie */
};

/*
 * One row: what the hook does, and what must come of it. A successful
 * mapping's VMA is what the mapping asked for (offset MP_PGOFF, the file, the
 * flags and protection the hook was handed, no private data, the vm_ops the
 * descriptor came with) but for the fields the row names.
 */
struct mp_behaviour {
	const char *name;
	unsigned int changes;		/* what the hook does to the descriptor */
	bool map_private;		/* MAP_PRIVATE instead of MAP_SHARED */
	bool writable;			/* PROT_WRITE too */
	/* The answer: */
	int error;			/* what mmap() returns, 0 for success */
	bool warns;			/* the kernel WARNs about the hook, once */
	vm_flags_t sets_flags;		/* flags the VMA has on top of those asked for */
	vm_flags_t clears_flags;	/* flags asked for that the VMA lacks */
	pgoff_t pgoff;			/* vm_pgoff, if not MP_PGOFF */
	bool replaced_vm_file;		/* the VMA maps ctx->replacement */
	const struct vm_operations_struct *vm_ops;	/* if not those it came with */
	bool anonymous;			/* no vm_ops at all: an anonymous VMA */
	enum mp_private_data private_data;
	bool other_prot;		/* page_prot is mp_other_prot() of the one asked for */
	int mapped_calls;		/* calls of vm_ops->mapped() */
	bool readable;			/* the test pages read back through the mapping */
	int faults;			/* ... faulting in through the hook's vm_ops */
};

static const struct mp_behaviour mp_behaviours[] = {
	{ .name = "hook_changes_nothing" },
	{ .name = "hook_sets_flags", .changes = MP_SETS_FLAGS,
	  .sets_flags = VM_DONTEXPAND | VM_DONTDUMP },
	{ .name = "hook_clears_flags", .changes = MP_CLEARS_FLAGS,
	  .clears_flags = VM_MAYWRITE },
	{ .name = "hook_changes_pgoff", .changes = MP_CHANGES_PGOFF,
	  .pgoff = MP_PGOFF + MP_PGOFF_SHIFT },
	{ .name = "hook_replaces_vm_file", .changes = MP_REPLACES_VM_FILE,
	  .replaced_vm_file = true },
	{ .name = "hook_installs_vm_ops_with_fault", .changes = MP_INSTALLS_VM_OPS,
	  .vm_ops = &mp_fault_vm_ops, .readable = true, .faults = 1 },
	{ .name = "hook_sets_private_data", .changes = MP_SETS_PRIVATE_DATA,
	  .private_data = MP_HOOK_DATA },
	{ .name = "hook_changes_page_prot", .changes = MP_CHANGES_PAGE_PROT,
	  .other_prot = true },
	/* As /dev/zero does for MAP_PRIVATE: the VMA then counts as anonymous. */
	{ .name = "hook_makes_private_mapping_anonymous", .changes = MP_CLEARS_VM_OPS,
	  .map_private = true, .anonymous = true },
	{ .name = "hook_fails", .changes = MP_FAILS, .error = MP_HOOK_ERROR },
	/*
	 * All but page_prot: the test pages are read through this mapping, and
	 * mp_other_prot() may make it an uncached alias of cached RAM.
	 */
	{ .name = "hook_changes_everything",
	  .changes = MP_SETS_FLAGS | MP_CLEARS_FLAGS | MP_CHANGES_PGOFF | MP_REPLACES_VM_FILE |
		     MP_INSTALLS_VM_OPS | MP_SETS_PRIVATE_DATA,
	  .sets_flags = VM_DONTEXPAND | VM_DONTDUMP, .clears_flags = VM_MAYWRITE,
	  .pgoff = MP_PGOFF + MP_PGOFF_SHIFT, .replaced_vm_file = true,
	  .vm_ops = &mp_fault_vm_ops, .private_data = MP_HOOK_DATA,
	  .readable = true, .faults = 1 },
	{ .name = "hook_changes_everything_then_fails",
	  .changes = MP_SETS_FLAGS | MP_CLEARS_FLAGS | MP_CHANGES_PGOFF | MP_INSTALLS_VM_OPS |
		     MP_SETS_PRIVATE_DATA | MP_CHANGES_PAGE_PROT | MP_FAILS,
	  .error = MP_HOOK_ERROR },
	/* Error paths: no ->close() of a failed mapping, every reference back. */
	{ .name = "hook_installs_vm_ops_with_close",
	  .changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE,
	  .vm_ops = &mp_fault_close_vm_ops, .readable = true, .faults = 1 },
	{ .name = "hook_installs_vm_ops_with_close_then_fails",
	  .changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE | MP_FAILS, .error = MP_HOOK_ERROR },
	/* overlay-only: begin */
	/* F7: the installed vm_file leaks on failure; reported, not fixed yet. */
	{ .name = "hook_replaces_vm_file_then_fails",
	  .changes = MP_REPLACES_VM_FILE | MP_FAILS, .error = MP_HOOK_ERROR },
	/* overlay-only: end */
};

/* Hooks that ask the kernel for follow-up work, and vm_ops->mapped(). */
static const struct mp_behaviour mp_action_behaviours[] = {
	{ .name = "remap_pfn_of_test_pages", .changes = MP_REMAPS_PFNS,
	  .sets_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "io_remap_pfn_of_test_pages", .changes = MP_IO_REMAPS_PFNS,
	  .sets_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "simple_ioremap_of_test_pages", .changes = MP_SIMPLE_IO_REMAPS,
	  .sets_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "map_kernel_pages_array", .changes = MP_MAPS_KERNEL_PAGES,
	  .sets_flags = MP_MAP_PAGES_FLAGS, .readable = true },
	{ .name = "map_kernel_pages_and_changes_everything",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_SETS_FLAGS | MP_CLEARS_FLAGS |
		     MP_CHANGES_PGOFF | MP_SETS_PRIVATE_DATA,
	  .sets_flags = MP_MAP_PAGES_FLAGS | VM_DONTEXPAND | VM_DONTDUMP,
	  .clears_flags = VM_MAYWRITE, .pgoff = MP_PGOFF + MP_PGOFF_SHIFT,
	  .private_data = MP_HOOK_DATA, .readable = true },
	{ .name = "action_prepare_fails",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE,
	  .error = -EFAULT },
	{ .name = "action_prepare_fails_error_override_unused",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE | MP_ACTION_OVERRIDES,
	  .error = -EFAULT },
	{ .name = "action_complete_fails",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE,
	  .error = -EINVAL },
	{ .name = "action_complete_fails_with_error_override",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE | MP_ACTION_OVERRIDES,
	  .error = MP_OVERRIDE_ERROR },
	/* The kernel WARNs about such a hook (suppressed, so the log stays clean). */
	{ .name = "action_with_invalid_error_override_refused",
	  .changes = MP_REMAPS_PFNS | MP_ACTION_BAD_OVERRIDE,
	  .error = -EINVAL, .warns = true },
	{ .name = "action_of_unknown_type_refused",
	  .changes = MP_ACTION_BAD_TYPE,
	  .error = -EINVAL, .warns = true },
	{ .name = "remap_hidden_from_rmap_until_complete",
	  .changes = MP_REMAPS_PFNS | MP_HIDES_FROM_RMAP,
	  .sets_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "vm_ops_mapped_called_once", .changes = MP_INSTALLS_MAPPED,
	  .vm_ops = &mp_mapped_vm_ops, .mapped_calls = 1 },
	{ .name = "vm_ops_mapped_sets_private_data",
	  .changes = MP_INSTALLS_MAPPED | MP_MAPPED_SETS_PRIVATE | MP_SETS_PRIVATE_DATA,
	  .vm_ops = &mp_mapped_vm_ops, .private_data = MP_MAPPED_DATA, .mapped_calls = 1 },
	{ .name = "vm_ops_mapped_fails",
	  .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .error = MP_MAPPED_ERROR, .mapped_calls = 1 },
	{ .name = "vm_ops_mapped_after_remap", .changes = MP_INSTALLS_MAPPED | MP_REMAPS_PFNS,
	  .sets_flags = MP_REMAP_FLAGS, .vm_ops = &mp_mapped_vm_ops, .mapped_calls = 1,
	  .readable = true },
	/* Error paths after the hook succeeded: the kernel's own failures. */
	/* overlay-only: begin */
	/* F7, as above. */
	{ .name = "action_prepare_fails_after_vm_file_replaced",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE | MP_REPLACES_VM_FILE,
	  .error = -EFAULT },
	/* overlay-only: end */
	{ .name = "action_complete_fails_after_vm_file_replaced",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE | MP_REPLACES_VM_FILE,
	  .error = -EINVAL },
	{ .name = "action_complete_fails_with_close",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_SLAB_PAGE | MP_INSTALLS_VM_OPS |
		     MP_INSTALLS_CLOSE,
	  .error = -EINVAL },
	{ .name = "vm_ops_mapped_fails_with_close",
	  .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS | MP_INSTALLS_CLOSE,
	  .error = MP_MAPPED_ERROR, .mapped_calls = 1 },
};

/*
 * How a mapping reaches the synthetic file's .mmap_prepare() hook: natively,
 * or through a stacking .mmap() (mmap_prepare_compat_kunit.h). What the hook
 * and the VMA then see depends on these properties of the route alone.
 */
struct mp_route {
	const char *name;
	/* Sets up the file underneath, if not ctx->inner as the case began. */
	void (*setup)(struct kunit *test);
	/* The file mmap() is called on; NULL: the synthetic file itself. */
	struct file *(*open)(struct kunit *test, const struct mp_route *route);
	const struct file_operations *fops;	/* of that file, for open() */
	/* desc->file is the file mmap() was called on, not the one underneath. */
	bool outer_is_desc_file;
	/* The VMA keeps the file mmap() was called on as its vm_file. */
	bool outer_keeps_vm_file;
	/* The stacking .mmap() is the suite's: it records the compat write-back. */
	bool records_writeback;
	/* The hook runs under a backing_file_open() file (ctx->backing). */
	bool backing_file;
	/* The caller runs the hook itself (uio, hv): no mmap action rows. */
	bool runs_hook_itself;
	/* Flags from the caller's mount: VM_MAYEXEC where it is not noexec. */
	vm_flags_t mount_flags;
};

static const struct mp_route mp_native = { .name = "native" };

/* One VMA, field by field. */
struct mp_vma {
	vm_flags_t flags;
	pgoff_t pgoff;
	struct file *vm_file;
	pgprot_t page_prot;
	const struct vm_operations_struct *vm_ops;
	void *private_data;
	bool anonymous;
};

/* Everything observed while mapping once through one route. */
struct mp_map {
	const struct mp_route *route;
	const struct mp_behaviour *behaviour;
	bool reference;			/* only recorded, to compare another route with */
	struct file *file;		/* what mmap() was called on */
	struct file *inner;		/* the file underneath, whose hook runs */
	int hook_calls;
	struct vm_area_desc seen;	/* descriptor as handed to the hook */
	bool wrote_back;
	int compat_ret;
	struct mp_vma writeback;	/* VMA right after the compat call */
	unsigned long addr;		/* vm_mmap() result */
	struct mp_vma final;		/* VMA after mmap() returned */
	int faults;
	pgoff_t fault_pgoff;
	int closes_before;		/* ctx->closes when the mapping began */
	int mapped_calls;		/* vm_ops->mapped() arguments */
	unsigned long mapped_start, mapped_end;
	pgoff_t mapped_pgoff;
	const struct file *mapped_file;
	int accessed;			/* backing_file_ctx->accessed() calls */
	const struct file *accessed_file;
};

struct mp_ctx {
	struct file *inner;		/* has .mmap_prepare() */
	struct file *replacement;	/* what replacing hooks set as vm_file */
	struct page *pages[MP_PAGES];	/* physically contiguous test pages */
	struct page *slab_pages[MP_PAGES]; /* pages no action may map */
	struct mp_map *cur;		/* mapping in progress */
	int closes;			/* vm_ops->close() calls, of any mapping */
	int cookie;			/* private data set by hooks */
	int mapped_cookie;		/* private data set by ->mapped() */
	bool simple_io_remap;		/* which action mp_undelegated_mmap() completes */
	struct file *backing;		/* backing_file_open() of inner */
};

static inline struct mp_ctx *mp_ctx(void)
{
	struct kunit *test = kunit_get_current_test();

	return test ? test->priv : NULL;
}

static inline void mp_snapshot(struct vm_area_struct *vma, struct mp_vma *s)
{
	s->flags = vma->vm_flags & ~VM_SOFTDIRTY;
	s->pgoff = vma->vm_pgoff;
	s->vm_file = vma->vm_file;
	s->page_prot = vma->vm_page_prot;
	s->vm_ops = vma->vm_ops;
	s->private_data = vma->vm_private_data;
	s->anonymous = vma_is_anonymous(vma);
}

static inline vm_fault_t mp_fault(struct vm_fault *vmf)
{
	struct mp_ctx *ctx = mp_ctx();

	if (!ctx || !ctx->cur)
		return VM_FAULT_SIGBUS;
	ctx->cur->faults++;
	ctx->cur->fault_pgoff = vmf->pgoff;
	vmf->page = ctx->pages[(vmf->address - vmf->vma->vm_start) >> PAGE_SHIFT];
	get_page(vmf->page);
	return 0;
}

/*
 * The VMA is being removed. This may run at mm teardown, after the case's
 * mappings (struct mp_map) are freed: count in the case's context, which
 * outlives its mm (mp_release_mm()).
 */
static inline void mp_close(struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = mp_ctx();

	if (ctx)
		ctx->closes++;
}

/* vm_ops->close() calls since @map began. */
static inline int mp_closes(const struct mp_map *map)
{
	return mp_ctx()->closes - map->closes_before;
}

static const struct vm_operations_struct mp_fault_vm_ops = {
	.fault = mp_fault,
};

static const struct vm_operations_struct mp_fault_close_vm_ops = {
	.fault = mp_fault,
	.close = mp_close,
};

static inline int mp_mapped(unsigned long start, unsigned long end,
			    pgoff_t pgoff, const struct file *file,
			    void **vm_private_data)
{
	struct mp_ctx *ctx = mp_ctx();
	struct mp_map *map = ctx ? ctx->cur : NULL;

	if (!map)
		return -EINVAL;
	map->mapped_calls++;
	map->mapped_start = start;
	map->mapped_end = end;
	map->mapped_pgoff = pgoff;
	map->mapped_file = file;
	if (map->behaviour->changes & MP_MAPPED_SETS_PRIVATE)
		*vm_private_data = &ctx->mapped_cookie;
	return (map->behaviour->changes & MP_MAPPED_FAILS) ? MP_MAPPED_ERROR : 0;
}

static const struct vm_operations_struct mp_mapped_vm_ops = {
	MP_MAPPED_HOOK(mp_mapped)
};

static const struct vm_operations_struct mp_mapped_close_vm_ops = {
	MP_MAPPED_HOOK(mp_mapped)
	.close = mp_close,
};

/* A protection that differs from @prot in a way the architecture keeps. */
static inline pgprot_t mp_other_prot(pgprot_t prot)
{
	pgprot_t nc = pgprot_noncached(prot);

	if (pgprot_val(nc) != pgprot_val(prot))
		return nc;
	return vm_get_page_prot(VM_NONE);
}

static inline int mp_mmap_prepare(struct vm_area_desc *desc)
{
	struct mp_ctx *ctx = mp_ctx();
	struct mp_map *map = ctx ? ctx->cur : NULL;
	unsigned int changes;

	if (!map) {
		kunit_fail_current_test("mmap_prepare hook called with no mapping in progress");
		return -EINVAL;
	}
	changes = map->behaviour->changes;
	map->hook_calls++;
	memcpy(&map->seen, desc, sizeof(*desc));
	if (changes & MP_SETS_FLAGS)
		mp_desc_set_flags(desc, mp_desc_flags(desc) | MP_SET_FLAGS);
	if (changes & MP_CLEARS_FLAGS)
		mp_desc_set_flags(desc, mp_desc_flags(desc) & ~MP_CLEAR_FLAGS);
	if (changes & MP_CHANGES_PGOFF)
		desc->pgoff += MP_PGOFF_SHIFT;
	if (changes & MP_REPLACES_VM_FILE)
		mp_desc_set_vm_file(desc, mp_new_vm_file(ctx->replacement));
	if (changes & MP_INSTALLS_VM_OPS)
		desc->vm_ops = (changes & MP_INSTALLS_CLOSE) ? &mp_fault_close_vm_ops :
							       &mp_fault_vm_ops;
	if (changes & MP_SETS_PRIVATE_DATA)
		desc->private_data = &ctx->cookie;
	if (changes & MP_CHANGES_PAGE_PROT)
		desc->page_prot = mp_other_prot(desc->page_prot);
	if (changes & MP_CLEARS_VM_OPS)
		desc->vm_ops = NULL;
	if (changes & MP_INSTALLS_MAPPED)
		desc->vm_ops = (changes & MP_INSTALLS_CLOSE) ? &mp_mapped_close_vm_ops :
							       &mp_mapped_vm_ops;
	if (changes & MP_SETS_LOCKED)
		vma_desc_set_flags(desc, VMA_LOCKED_BIT);
	mp_request_action(desc, changes, ctx->pages, ctx->slab_pages);
	if (changes & MP_REMAPS_PAST_END) {
		/* By hand: mmap_action_remap() WARNs about such a range. */
		desc->action.type = MMAP_REMAP_PFN;
		desc->action.remap.start = desc->start + PAGE_SIZE;
		desc->action.remap.start_pfn = page_to_pfn(ctx->pages[0]);
		desc->action.remap.size = vma_desc_size(desc);
		desc->action.remap.pgprot = desc->page_prot;
	}
	return (changes & MP_FAILS) ? MP_HOOK_ERROR : 0;
}

static const struct file_operations mp_inner_fops = {
	.owner = THIS_MODULE,
	.mmap_prepare = mp_mmap_prepare,
};

KUNIT_DEFINE_ACTION_WRAPPER(mp_fput, fput, struct file *);

static inline struct file *mp_file(struct kunit *test, const struct file_operations *fops)
{
	struct file *file;

	file = anon_inode_getfile("[mmap_prepare_kunit]", fops, test->priv, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

static inline unsigned long mp_vm_mmap(struct file *file, bool map_private, bool writable)
{
	return vm_mmap(file, 0, MP_LEN, PROT_READ | (writable ? PROT_WRITE : 0),
		       map_private ? MAP_PRIVATE : MAP_SHARED, MP_PGOFF << PAGE_SHIFT);
}

/*
 * Map map->file once; record what the hook, the route and the VMA show.
 *
 * A row whose hook the kernel WARNs about maps with the warning suppressed,
 * and counts it inside the suppression block. The native mapping asserts the
 * one warning. Other routes reach the same WARN_ON_ONCE() again: where the
 * architecture lacks __WARN_FLAGS (UML), a suppressed warning spends the
 * site's once budget, so they only assert that there is no second warning.
 */
static inline void mp_do_map(struct kunit *test, struct mp_map *map)
{
	const struct mp_behaviour *b = map->behaviour;
	struct mp_ctx *ctx = test->priv;
	struct vm_area_struct *vma;
	bool found;

	ctx->cur = map;
	if (!b->warns) {
		map->addr = mp_vm_mmap(map->file, b->map_private, b->writable);
	} else if (map->route == &mp_native && !map->reference) {
		if (!IS_ENABLED(CONFIG_BUG))
			kunit_skip(test, "requires CONFIG_BUG");
		kunit_warning_suppress(test) {
			map->addr = mp_vm_mmap(map->file, b->map_private, b->writable);
			KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
		}
	} else {
		kunit_warning_suppress(test) {
			map->addr = mp_vm_mmap(map->file, b->map_private, b->writable);
			KUNIT_EXPECT_LE_MSG(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1,
					    "warnings of one mmap()");
		}
	}
	if (IS_ERR_VALUE(map->addr))
		return;
	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, map->addr);
	found = vma && vma->vm_start == map->addr;
	if (found)
		mp_snapshot(vma, &map->final);
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_TRUE_MSG(test, found, "no VMA at the address mmap() returned");
}

/*
 * The descriptor the hook was handed describes the mapping being made: this
 * mm, the requested range, offset, flags and protection, the file mmap() was
 * called on, and nothing the hook has yet to set.
 */
static inline void mp_expect_inputs(struct kunit *test, const struct mp_map *map)
{
	const struct vm_area_desc *d = &map->seen;
	vm_flags_t must = VM_READ | VM_MAYREAD | VM_MAYWRITE;
	vm_flags_t never = VM_WRITE | VM_EXEC;
	vm_flags_t flags = mp_desc_flags(d);
	struct file *vm_file = map->route->outer_keeps_vm_file ? map->file : map->inner;
	struct file *file = map->route->outer_is_desc_file ? map->file : map->inner;

	/* overlay-only: begin */
	/* Before 6.18 the descriptor has one file, the one the VMA will map. */
	if (!MP_DESC_HAS_FILE)
		file = vm_file;
	/* overlay-only: end */
	if (map->behaviour->map_private)
		never |= VM_SHARED | VM_MAYSHARE;
	else
		must |= VM_SHARED | VM_MAYSHARE;

	KUNIT_EXPECT_PTR_EQ(test, d->mm, current->mm);
	KUNIT_EXPECT_PTR_EQ(test, mp_desc_file(d), file);
	KUNIT_EXPECT_PTR_EQ(test, mp_desc_vm_file(d), vm_file);
	KUNIT_EXPECT_EQ(test, d->end - d->start, MP_LEN);
	KUNIT_EXPECT_EQ(test, d->start & ~PAGE_MASK, 0);
	if (!IS_ERR_VALUE(map->addr))
		KUNIT_EXPECT_EQ(test, d->start, map->addr);
	KUNIT_EXPECT_EQ(test, d->pgoff, MP_PGOFF);
	KUNIT_EXPECT_EQ_MSG(test, flags & must, must, "flags %#lx", (unsigned long)flags);
	KUNIT_EXPECT_EQ_MSG(test, flags & never, 0, "flags %#lx", (unsigned long)flags);
	KUNIT_EXPECT_EQ(test, pgprot_val(d->page_prot), pgprot_val(vm_get_page_prot(flags)));
	/*
	 * Even where the caller set some (uio_mmap() sets its device): the
	 * descriptor starts as the native path's would, and its write-back
	 * replaces the caller's.
	 */
	KUNIT_EXPECT_NULL(test, d->private_data);
	KUNIT_EXPECT_TRUE(test, mp_desc_action_is_nothing(d));
	/* overlay-only: begin */
	if (!MP_DESC_HAS_VM_OPS) {
		KUNIT_EXPECT_NULL(test, d->vm_ops);
		return;
	}
	/* overlay-only: end */
	/* Pre-filled from the VMA. */
	KUNIT_EXPECT_NOT_NULL(test, d->vm_ops);
}

/* The VMA the row's answer describes, for the mapping @map made. */
static inline void mp_expected_vma(const struct mp_map *map, struct mp_vma *e)
{
	const struct vm_area_desc *seen = &map->seen;
	const struct mp_behaviour *b = map->behaviour;
	struct mp_ctx *ctx = mp_ctx();

	e->flags = ((mp_desc_flags(seen) | b->sets_flags) & ~b->clears_flags) & ~VM_SOFTDIRTY;
	e->pgoff = b->pgoff ?: MP_PGOFF;
	e->vm_file = b->replaced_vm_file ? ctx->replacement : mp_desc_vm_file(seen);
	e->page_prot = b->other_prot ? mp_other_prot(seen->page_prot) : seen->page_prot;
	e->vm_ops = b->vm_ops ?: seen->vm_ops;
	e->anonymous = b->anonymous;
	if (b->anonymous)
		e->vm_ops = NULL;
	e->private_data = NULL;
	if (b->private_data == MP_HOOK_DATA)
		e->private_data = &ctx->cookie;
	if (b->private_data == MP_MAPPED_DATA)
		e->private_data = &ctx->mapped_cookie;
}

/* The VMA @v is the one the row's answer describes. */
static inline void mp_expect_vma(struct kunit *test, const char *which,
				 const struct mp_vma *v, const struct mp_map *map)
{
	struct mp_vma e;

	mp_expected_vma(map, &e);
	KUNIT_EXPECT_EQ_MSG(test, v->flags, e.flags, "%s: flags", which);
	KUNIT_EXPECT_EQ_MSG(test, v->pgoff, e.pgoff, "%s: pgoff", which);
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->vm_file, e.vm_file, "%s: vm_file", which);
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->private_data, e.private_data,
				"%s: private_data", which);
	/* overlay-only: begin */
	if (!e.vm_ops && !e.anonymous && !MP_DESC_HAS_VM_OPS) {
		/* No vm_ops from the hook: the VMA keeps its dummy ones. */
		KUNIT_EXPECT_NOT_NULL_MSG(test, v->vm_ops, "%s: vm_ops", which);
		KUNIT_EXPECT_FALSE_MSG(test, v->anonymous, "%s: anonymous", which);
		return;
	}
	/* overlay-only: end */
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->vm_ops, e.vm_ops, "%s: vm_ops", which);
	KUNIT_EXPECT_EQ_MSG(test, v->anonymous, e.anonymous, "%s: anonymous", which);
}

/* The test pages read back through the user mapping, @expected as the row says. */
static inline void mp_expect_data(struct kunit *test, struct mp_map *map,
				  const struct mp_vma *expected)
{
	const struct mp_behaviour *b = map->behaviour;
	u8 buf[MP_READBACK];
	int i;

	KUNIT_ASSERT_EQ(test, copy_from_user(buf, (void __user *)(map->addr +
						MP_FAULT_PAGE * PAGE_SIZE), sizeof(buf)), 0);
	for (i = 0; i < sizeof(buf); i++)
		KUNIT_ASSERT_EQ_MSG(test, buf[i], MP_PATTERN + MP_FAULT_PAGE, "byte %d", i);
	/* Actions populate the page tables: only a hook's vm_ops fault. */
	KUNIT_EXPECT_EQ(test, map->faults, b->faults);
	if (b->faults)
		KUNIT_EXPECT_EQ(test, map->fault_pgoff, expected->pgoff + MP_FAULT_PAGE);
}

/* vm_ops->mapped() ran as often as the row says, on the VMA the row describes. */
static inline void mp_expect_mapped(struct kunit *test, const struct mp_map *map,
				    unsigned long addr)
{
	struct mp_vma e;

	KUNIT_EXPECT_EQ_MSG(test, map->mapped_calls, map->behaviour->mapped_calls,
			    "vm_ops->mapped() calls");
	if (map->mapped_calls != 1)
		return;
	mp_expected_vma(map, &e);
	KUNIT_EXPECT_EQ(test, map->mapped_start, addr);
	KUNIT_EXPECT_EQ(test, map->mapped_end, addr + MP_LEN);
	KUNIT_EXPECT_EQ(test, map->mapped_pgoff, e.pgoff);
	KUNIT_EXPECT_PTR_EQ(test, map->mapped_file, e.vm_file);
}

/* The files whose references a mapping takes or drops, which must balance. */
enum { MP_INNER, MP_REPLACEMENT, MP_MAPPED, MP_NR_FILES };

static const char * const mp_file_names[MP_NR_FILES] = {
	"inner", "replacement", "mmap()ed",
};

static inline void mp_file_counts(const struct mp_map *map, struct file *files[MP_NR_FILES],
				  long counts[MP_NR_FILES])
{
	struct mp_ctx *ctx = mp_ctx();
	int i;

	files[MP_INNER] = map->inner;
	files[MP_REPLACEMENT] = ctx->replacement;
	files[MP_MAPPED] = map->file;
	for (i = 0; i < MP_NR_FILES; i++)
		counts[i] = file_count(files[i]);
}

/* Counts are back to @before, plus the one reference a VMA holds on @mapped. */
static inline void mp_expect_counts(struct kunit *test, const struct mp_map *map,
				    const char *when, const long before[MP_NR_FILES],
				    const struct file *mapped)
{
	struct file *files[MP_NR_FILES];
	long refs[MP_NR_FILES], expected_refs;
	int i;

	mp_file_counts(map, files, refs);
	for (i = 0; i < MP_NR_FILES; i++) {
		if (i == MP_MAPPED && files[i] == files[MP_INNER])
			continue;
		/* The VMA holds one reference to the file it maps, and no other. */
		expected_refs = before[i] + (files[i] == mapped ? 1 : 0);
		KUNIT_EXPECT_EQ_MSG(test, refs[i], expected_refs,
				    "%s, %s route: references to the %s file", when,
				    map->route->name, mp_file_names[i]);
	}
}

/* backing_file_mmap() tells its caller that the user file was accessed. */
static inline void mp_expect_accessed(struct kunit *test, const struct mp_map *map, int calls)
{
	if (!map->route->backing_file)
		calls = 0;
	KUNIT_EXPECT_EQ_MSG(test, map->accessed, calls, "calls of backing_file_ctx->accessed()");
	if (calls && map->accessed)
		KUNIT_EXPECT_PTR_EQ(test, map->accessed_file, map->file);
}

/* Map map->file through map->route and check everything observable. */
static inline void mp_map_and_check(struct kunit *test, struct mp_map *map)
{
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	struct mp_vma expected;
	int map_count = current->mm->map_count;

	mp_file_counts(map, files, before);
	mp_do_map(test, map);

	KUNIT_ASSERT_EQ(test, map->hook_calls, 1);
	mp_expect_inputs(test, map);
	KUNIT_EXPECT_EQ(test, map->wrote_back, map->route->records_writeback);
	mp_expect_accessed(test, map, 1);

	if (map->behaviour->error) {
		int error = map->behaviour->error;
		struct vm_area_struct *vma;

		KUNIT_EXPECT_EQ_MSG(test, (long)map->addr, (long)error, "mmap() error");
		if (map->wrote_back)
			KUNIT_EXPECT_EQ_MSG(test, map->compat_ret, error, "compat call's error");
		mp_expect_mapped(test, map, map->seen.start);
		mmap_read_lock(current->mm);
		vma = find_vma_intersection(current->mm, map->seen.start, map->seen.end);
		mmap_read_unlock(current->mm);
		KUNIT_EXPECT_NULL_MSG(test, vma, "failed mmap() left a VMA");
		/* Mapped after all: undo it, so that no reference of its counts as leaked. */
		if (!IS_ERR_VALUE(map->addr))
			vm_munmap(map->addr, MP_LEN);
		KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
		mp_expect_counts(test, map, "after failed mmap()", before, NULL);
		KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), 0,
				    "%s route: vm_ops->close() of a failed mapping",
				    map->route->name);
		return;
	}

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(map->addr), "mmap() failed: %ld",
			       (long)map->addr);
	KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), 0, "vm_ops->close() while mapped");
	mp_expected_vma(map, &expected);
	if (map->wrote_back) {
		KUNIT_EXPECT_EQ(test, map->compat_ret, 0);
		mp_expect_vma(test, "compat write-back", &map->writeback, map);
		KUNIT_EXPECT_EQ(test, pgprot_val(map->writeback.page_prot),
				pgprot_val(expected.page_prot));
	}
	mp_expect_vma(test, "mapped VMA", &map->final, map);
	/* mmap() recomputes the protection from the flags, keeping cache bits. */
	KUNIT_EXPECT_EQ(test, pgprot_val(map->final.page_prot),
			pgprot_val(pgprot_modify(expected.page_prot,
						 vm_get_page_prot(map->final.flags))));
	mp_expect_counts(test, map, "while mapped", before, map->final.vm_file);
	mp_expect_mapped(test, map, map->addr);
	if (map->behaviour->changes & MP_HIDES_FROM_RMAP) {
		struct address_space *mapping = expected.vm_file->f_mapping;

		KUNIT_EXPECT_FALSE_MSG(test, rwsem_is_locked(&mapping->i_mmap_rwsem),
				       "rmap lock still held after mmap()");
	}
	if (map->behaviour->readable)
		mp_expect_data(test, map, &expected);

	KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
	mp_expect_counts(test, map, "after munmap()", before, NULL);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), !!(map->behaviour->changes & MP_INSTALLS_CLOSE),
			    "vm_ops->close() calls after munmap()");
}

/* A mapping of @file through @route, with the hook behaving as @b says. */
static inline struct mp_map *mp_new_map(struct kunit *test, const struct mp_route *route,
					const struct mp_behaviour *b, struct file *file)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *map = kunit_kzalloc(test, sizeof(*map), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	map->route = route;
	map->behaviour = b;
	map->file = file;
	map->inner = route->backing_file ? ctx->backing : ctx->inner;
	map->closes_before = ctx->closes;
	return map;
}

/* overlay-only: begin */
/* Skip a case whose route or hook needs what this kernel lacks. */
static inline void mp_skip_missing_features(struct kunit *test, const struct mp_route *route,
					    const struct mp_behaviour *b)
{
	if (!MP_HAVE_SPLIT_ROUTE && route->runs_hook_itself)
		kunit_skip(test, MP_NO_SPLIT_ROUTE);
	if (!MP_HAVE_ACTIONS && (b->changes & MP_NEEDS_ACTIONS))
		kunit_skip(test, MP_NO_ACTIONS);
	if (!MP_DESC_HAS_VM_OPS && (b->changes & MP_CLEARS_VM_OPS))
		kunit_skip(test, MP_NO_ANON_HOOK);
	if (!MP_HAVE_OVERRIDE_CHECK && (b->changes & MP_ACTION_BAD_OVERRIDE))
		kunit_skip(test, MP_NO_OVERRIDE_CHECK);
	if (!MP_HAVE_WARN_SUPPRESS && b->warns)
		kunit_skip(test, MP_NO_SUPPRESS);
}

/* overlay-only: end */

KUNIT_DEFINE_ACTION_WRAPPER(mp_put_page, put_page, struct page *);

#define MP_MM_WAIT_US		(1000 * 1000)	/* for the case's thread to put its mm */

/*
 * KUnit cleans up after a case as soon as the case's thread has released
 * its mm (mm_release()), which is before that thread drops its reference
 * to it (mmput()). The case holds a reference of its own, and drops it
 * last, here: so that the unmapping of whatever an aborted case left
 * mapped, and the vm_ops->close() it calls, happens while the case's
 * context (test->priv) is still there, in this cleanup.
 */
static inline void mp_release_mm(void *data)
{
	struct mm_struct *mm = data;
	int us;

	for (us = 0; atomic_read(&mm->mm_users) > 1 && us < MP_MM_WAIT_US; us += 100)
		usleep_range(100, 200);
	mmput(mm);
}

/* Each case: its own mm, the synthetic files and the test pages. */
static inline int mp_init(struct kunit *test)
{
	struct mp_ctx *ctx;
	struct page *page;
	void *slab;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);
	mmget(current->mm);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_release_mm, current->mm));

	ctx->inner = mp_file(test, &mp_inner_fops);
	ctx->replacement = mp_file(test, &mp_inner_fops);
	/* Contiguous, for PFN remaps; split, so each can be mapped on its own. */
	page = alloc_pages(GFP_KERNEL, ilog2(MP_PAGES));
	KUNIT_ASSERT_NOT_NULL(test, page);
	split_page(page, ilog2(MP_PAGES));
	for (i = 0; i < MP_PAGES; i++) {
		ctx->pages[i] = page + i;
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_put_page, page + i));
		memset(page_address(page + i), MP_PATTERN + i, PAGE_SIZE);
	}
	slab = kunit_kzalloc(test, MP_SLAB_BYTES, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, slab);
	for (i = 0; i < MP_PAGES; i++)
		ctx->slab_pages[i] = virt_to_page(slab);
	return 0;
}

/*
 * Mappings next to and over other mappings. Each case places its mappings at
 * fixed addresses of its own, empty mm, counted in pages from MP_BASE: MP_AT(2)
 * is the third page.
 */
#define MP_BASE			0x10000000UL
#define MP_AT(page)		(MP_BASE + (page) * PAGE_SIZE)

/*
 * mmap() @pages pages of map->file at @addr, file offset @pgoff pages, with
 * the row's sharing and protection and @flags on top (MAP_FIXED_NOREPLACE,
 * MAP_FIXED, MAP_NORESERVE). Returns, and records, what vm_mmap() returned.
 */
static inline unsigned long mp_map_at(struct mp_map *map, unsigned long addr,
				      unsigned long pages, pgoff_t pgoff, unsigned long flags)
{
	const struct mp_behaviour *b = map->behaviour;

	mp_ctx()->cur = map;
	map->addr = vm_mmap(map->file, addr, pages * PAGE_SIZE,
			    PROT_READ | (b->writable ? PROT_WRITE : 0),
			    (b->map_private ? MAP_PRIVATE : MAP_SHARED) | flags,
			    pgoff << PAGE_SHIFT);
	return map->addr;
}

/* One VMA and where it lies. */
struct mp_area {
	unsigned long start, end;
	struct mp_vma vma;
};

/* The VMA that contains @addr, if there is one. */
static inline bool mp_area_at(unsigned long addr, struct mp_area *area)
{
	struct vm_area_struct *vma;

	mmap_read_lock(current->mm);
	vma = vma_lookup(current->mm, addr);
	if (vma) {
		area->start = vma->vm_start;
		area->end = vma->vm_end;
		mp_snapshot(vma, &area->vma);
	}
	mmap_read_unlock(current->mm);
	return vma;
}

/* Nothing is mapped anywhere in [@start, @end). */
static inline bool mp_range_empty(unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;

	mmap_read_lock(current->mm);
	vma = find_vma_intersection(current->mm, start, end);
	mmap_read_unlock(current->mm);
	return !vma;
}

/*
 * A VMA spans [@start, @end) exactly, at file offset @pgoff. It is recorded
 * in @area for the case's other checks.
 */
static inline void mp_expect_area(struct kunit *test, struct mp_area *area,
				  unsigned long start, unsigned long end, pgoff_t pgoff)
{
	KUNIT_ASSERT_TRUE_MSG(test, mp_area_at(start, area), "no VMA at %#lx", start);
	KUNIT_EXPECT_EQ_MSG(test, area->start, start, "VMA start");
	KUNIT_EXPECT_EQ_MSG(test, area->end, end, "VMA end");
	KUNIT_EXPECT_EQ_MSG(test, area->vma.pgoff, pgoff, "VMA pgoff");
}

/*
 * What a mapping charges: the mm's counters (vm_stat_account(), locked_vm)
 * and the system-wide commit charge (vm_committed_as), all in pages.
 */
struct mp_counters {
	long total_vm, data_vm, exec_vm, locked_vm;
	long committed;
};

static inline void mp_read_counters(struct mp_counters *c)
{
	struct mm_struct *mm = current->mm;

	/*
	 * A file an earlier case dropped may still be on its way out, and
	 * return a commit charge when it goes (shmem): let it go first.
	 */
	flush_delayed_fput();
	c->total_vm = READ_ONCE(mm->total_vm);
	c->data_vm = mm->data_vm;
	c->exec_vm = mm->exec_vm;
	c->locked_vm = mm->locked_vm;
	c->committed = vm_memory_committed();
}

/* What each counter moved by since @before, in pages. */
static inline void mp_counters_since(const struct mp_counters *before, struct mp_counters *delta)
{
	mp_read_counters(delta);
	delta->total_vm -= before->total_vm;
	delta->data_vm -= before->data_vm;
	delta->exec_vm -= before->exec_vm;
	delta->locked_vm -= before->locked_vm;
	delta->committed -= before->committed;
}

/* Each counter is @before plus what @delta says, in pages, and no more. */
static inline void mp_expect_charged(struct kunit *test, const char *when,
				     const struct mp_counters *before,
				     const struct mp_counters *delta)
{
	struct mp_counters now;

	mp_read_counters(&now);
	KUNIT_EXPECT_EQ_MSG(test, now.total_vm - before->total_vm, delta->total_vm,
			    "%s: total_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, now.data_vm - before->data_vm, delta->data_vm,
			    "%s: data_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, now.exec_vm - before->exec_vm, delta->exec_vm,
			    "%s: exec_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, now.locked_vm - before->locked_vm, delta->locked_vm,
			    "%s: locked_vm", when);
	KUNIT_EXPECT_EQ_MSG(test, now.committed - before->committed, delta->committed,
			    "%s: vm_memory_committed()", when);
}

#endif /* _MM_TESTS_MMAP_PREPARE_KUNIT_H */

