/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The fixture the mmap_prepare KUnit suites share: a synthetic file whose
 * .mmap_prepare() hook does what one row of a table says, the native route
 * to that hook (mmap() of the file itself) in the case's own mm. Mappings
 * at fixed addresses, and what they charge, are in
 * mmap_prepare_layout_kunit.h; the rows and the checks of what comes back in
 * mmap_prepare_spec_kunit.h; the stacking routes in
 * mmap_prepare_compat_kunit.h.
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
/* overlay-only: begin */
#include <linux/kthread.h>
/* overlay-only: end */

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
	/* A PFN remap of pages 1 to 3 only, onto test pages 1 to 3. */
	MP_REMAPS_PART_OF_PFNS	= BIT(23),
	/* vm_ops whose ->may_split() refuses any split. */
	MP_REFUSES_SPLIT	= BIT(24),
	MP_SETS_DONTCOPY	= BIT(25),
	/* The hook locks the mapping, as MAP_LOCKED would, but without populating it. */
	MP_SETS_LOCKED		= BIT(26),
	/* A PFN remap of the test pages from the second page on: one page too long. */
	MP_REMAPS_PAST_END	= BIT(27),
};

/* VMA flags the kernel adds when it prepares a remap, or a kernel-page mapping. */
#define MP_REMAP_FLAGS		(VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP)
#define MP_MAP_PAGES_FLAGS	VM_MIXEDMAP

/* The hook's vm_ops, defined with the hook below. */
static const struct vm_operations_struct mp_fault_vm_ops;
static const struct vm_operations_struct mp_fault_close_vm_ops;
static const struct vm_operations_struct mp_mapped_vm_ops;
static const struct vm_operations_struct mp_mapped_close_vm_ops;
static const struct vm_operations_struct mp_unsplittable_vm_ops;

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
	bool pgoff_is_pfn;		/* vm_pgoff is the first test page's PFN */
	bool replaced_vm_file;		/* the VMA maps ctx->replacement */
	const struct vm_operations_struct *vm_ops;	/* if not those it came with */
	bool anonymous;			/* no vm_ops at all: an anonymous VMA */
	enum mp_private_data private_data;
	bool other_prot;		/* page_prot is mp_other_prot() of the one asked for */
	int mapped_calls;		/* calls of vm_ops->mapped() */
	bool readable;			/* the test pages read back through the mapping */
	int faults;			/* ... faulting in through the hook's vm_ops */
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
	int opens;			/* vm_ops->open() calls, of any mapping */
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

/* A VMA was copied from this one: by a split, or by fork(). */
static inline void mp_open(struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = mp_ctx();

	if (ctx)
		ctx->opens++;
}

static inline int mp_refuse_split(struct vm_area_struct *vma, unsigned long addr)
{
	return -EINVAL;
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
	.open = mp_open,
	.close = mp_close,
};

static const struct vm_operations_struct mp_unsplittable_vm_ops = {
	.fault = mp_fault,
	.may_split = mp_refuse_split,
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
	.mapped = mp_mapped,
};

static const struct vm_operations_struct mp_mapped_close_vm_ops = {
	.mapped = mp_mapped,
	.open = mp_open,
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

/* Far past the last enum mmap_action_type, so no future kernel knows it. */
#define MP_UNKNOWN_ACTION_TYPE	0x7f

/* Ask for the follow-up work the behaviour names, over the test pages. */
static inline void mp_request_action(struct vm_area_desc *desc, unsigned int changes,
				     struct page **pages, struct page **slab_pages)
{
	unsigned long pfn = page_to_pfn(pages[0]);
	unsigned long start = desc->start;

	if (changes & MP_ACTION_OUT_OF_RANGE)
		start += PAGE_SIZE;	/* the last page would lie past the end */
	if (changes & MP_REMAPS_PFNS)
		mmap_action_remap_full(desc, pfn);
	if (changes & MP_REMAPS_PART_OF_PFNS)
		mmap_action_remap(desc, desc->start + PAGE_SIZE, pfn + 1, MP_LEN - PAGE_SIZE);
	if (changes & MP_IO_REMAPS_PFNS)
		mmap_action_ioremap_full(desc, pfn);
	/* The action maps from desc->pgoff pages into the physical range. */
	if (changes & MP_SIMPLE_IO_REMAPS)
		mmap_action_simple_ioremap(desc, PFN_PHYS(pfn - desc->pgoff),
					   (desc->pgoff + MP_PAGES) * PAGE_SIZE);
	if (changes & MP_MAPS_KERNEL_PAGES)
		mmap_action_map_kernel_pages(desc, start, (changes & MP_ACTION_SLAB_PAGE) ?
					     slab_pages : pages, MP_PAGES);
	if (changes & MP_ACTION_OVERRIDES)
		desc->action.error_override = MP_OVERRIDE_ERROR;
	if (changes & MP_ACTION_BAD_OVERRIDE)
		desc->action.error_override = MP_BAD_OVERRIDE;
	if (changes & MP_ACTION_BAD_TYPE)
		desc->action.type = MP_UNKNOWN_ACTION_TYPE;
	if (changes & MP_HIDES_FROM_RMAP)
		desc->action.hide_from_rmap_until_complete = true;
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
		vma_desc_set_flags(desc, VMA_DONTEXPAND_BIT, VMA_DONTDUMP_BIT);
	if (changes & MP_CLEARS_FLAGS)
		vma_desc_clear_flags(desc, VMA_MAYWRITE_BIT);
	if (changes & MP_CHANGES_PGOFF)
		desc->pgoff += MP_PGOFF_SHIFT;
	if (changes & MP_REPLACES_VM_FILE)
		desc->vm_file = get_file(ctx->replacement);
	if (changes & MP_INSTALLS_VM_OPS)
		desc->vm_ops = (changes & MP_INSTALLS_CLOSE) ? &mp_fault_close_vm_ops :
							       &mp_fault_vm_ops;
	if (changes & MP_REFUSES_SPLIT)
		desc->vm_ops = &mp_unsplittable_vm_ops;
	if (changes & MP_SETS_DONTCOPY)
		vma_desc_set_flags(desc, VMA_DONTCOPY_BIT);
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

/* A file of its own inode: its address_space, and rmap lock, are the case's alone. */
static inline struct file *mp_file(struct kunit *test, const struct file_operations *fops)
{
	struct file *file;

	file = anon_inode_create_getfile("[mmap_prepare_kunit]", fops, test->priv, O_RDWR,
					 NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

static inline unsigned long mp_vm_mmap(struct file *file, bool map_private, bool writable)
{
	return vm_mmap(file, 0, MP_LEN, PROT_READ | (writable ? PROT_WRITE : 0),
		       map_private ? MAP_PRIVATE : MAP_SHARED, MP_PGOFF << PAGE_SHIFT);
}

/* overlay-only: begin */
#define MP_MAP_TIMEOUT_S	10	/* for one mmap() of a few pages */

/* One vm_mmap() call, made by a thread of its own. */
struct mp_mapper {
	struct kunit *test;
	struct mm_struct *mm;
	struct file *file;
	unsigned long addr, len, prot, flags, off;
	unsigned long ret;
	struct completion done;
};

static inline int mp_mapper_fn(void *data)
{
	struct mp_mapper *m = data;

	/* The hook and vm_ops find the case's context here (mp_ctx()). */
	current->kunit_test = m->test;
	kthread_use_mm(m->mm);
	m->ret = vm_mmap(m->file, m->addr, m->len, m->prot, m->flags, m->off);
	kthread_unuse_mm(m->mm);
	mmput(m->mm);
	complete(&m->done);
	return 0;
}

/*
 * vm_mmap() into the case's mm, from a thread of its own, for a mapping
 * hidden from rmap until its action completes. Such a mapping holds its
 * file's rmap lock from the moment its VMA is linked, and a kernel that
 * still held it when it unmaps the mapping on failure, which takes it again,
 * deadlocks the thread that maps (lockdep names the lock). Here the case
 * fails, named, and the run goes on, so that mpk's runs and mutants finish:
 * the stuck thread keeps its mm, with its lock, and its arguments. What else
 * it holds (the case's context, its test) is freed with the case: a mapping
 * that is only slow, and returns after MP_MAP_TIMEOUT_S, may touch it.
 */
static inline unsigned long mp_vm_mmap_bounded(struct kunit *test, struct file *file,
					       unsigned long addr, unsigned long len,
					       unsigned long prot, unsigned long flags,
					       unsigned long off)
{
	struct mp_mapper *m = kmalloc(sizeof(*m), GFP_KERNEL);
	struct task_struct *thread;
	unsigned long ret;

	KUNIT_ASSERT_NOT_NULL(test, m);
	*m = (struct mp_mapper){ .test = test, .mm = current->mm, .file = file, .addr = addr,
				 .len = len, .prot = prot, .flags = flags, .off = off };
	init_completion(&m->done);
	mmget(m->mm);
	thread = kthread_run(mp_mapper_fn, m, "mmap_prepare_kunit");
	if (IS_ERR(thread)) {
		mmput(m->mm);
		kfree(m);
		KUNIT_FAIL_AND_ABORT(test, "no thread to map in: %pe", thread);
	}
	if (!wait_for_completion_timeout(&m->done, MP_MAP_TIMEOUT_S * HZ))
		KUNIT_FAIL_AND_ABORT(test, "mmap() has not returned after %d s: deadlocked",
				     MP_MAP_TIMEOUT_S);
	ret = m->ret;
	kfree(m);
	return ret;
}

/*
 * Fail the case and leave its mm behind, for a mapping that cannot be
 * unmapped: its file's rmap lock is held for good, and unmapping it, even at
 * the mm's teardown, would deadlock. The reference taken here keeps the mm,
 * its VMAs and their files from being torn down.
 */
static inline void mp_abandon_mm(struct kunit *test, const char *why)
{
	mmget(current->mm);
	KUNIT_FAIL_AND_ABORT(test, "%s: the mapping is left mapped", why);
}

/* overlay-only: end */

/* @mapping's rmap lock is free: else nothing can unmap a mapping of it. */
static inline void mp_assert_rmap_free(struct kunit *test, struct address_space *mapping,
				       const char *when)
{
	/* overlay-only: begin */
	if (rwsem_is_locked(&mapping->i_mmap_rwsem))
		mp_abandon_mm(test, when);
	/* overlay-only: end */
	KUNIT_ASSERT_FALSE_MSG(test, rwsem_is_locked(&mapping->i_mmap_rwsem), "%s", when);
}

/* mmap() @map's file as its row says, with @flags on top of the sharing. */
static inline unsigned long mp_mmap(struct mp_map *map, unsigned long addr, unsigned long len,
				    unsigned long flags, pgoff_t pgoff)
{
	const struct mp_behaviour *b = map->behaviour;
	unsigned long prot = PROT_READ | (b->writable ? PROT_WRITE : 0);

	flags |= b->map_private ? MAP_PRIVATE : MAP_SHARED;
	mp_ctx()->cur = map;
	/* overlay-only: begin */
	if (b->changes & MP_HIDES_FROM_RMAP)
		return mp_vm_mmap_bounded(kunit_get_current_test(), map->file, addr, len, prot,
					  flags, pgoff << PAGE_SHIFT);
	/* overlay-only: end */
	return vm_mmap(map->file, addr, len, prot, flags, pgoff << PAGE_SHIFT);
}

/* One VMA and where it lies. */
struct mp_area {
	unsigned long start, end;
	struct mp_vma vma;
};

/* The VMA of @mm that contains @addr, if there is one. */
static inline bool mp_area_at(struct mm_struct *mm, unsigned long addr, struct mp_area *area)
{
	struct vm_area_struct *vma;

	mmap_read_lock(mm);
	vma = vma_lookup(mm, addr);
	if (vma) {
		area->start = vma->vm_start;
		area->end = vma->vm_end;
		mp_snapshot(vma, &area->vma);
	}
	mmap_read_unlock(mm);
	return vma;
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
	struct mp_area area;
	bool found;

	if (!b->warns) {
		map->addr = mp_mmap(map, 0, MP_LEN, 0, MP_PGOFF);
	} else if (map->route == &mp_native && !map->reference) {
		if (!IS_ENABLED(CONFIG_BUG))
			kunit_skip(test, "requires CONFIG_BUG");
		kunit_warning_suppress(test) {
			map->addr = mp_mmap(map, 0, MP_LEN, 0, MP_PGOFF);
			KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, 1);
		}
	} else {
		kunit_warning_suppress(test) {
			map->addr = mp_mmap(map, 0, MP_LEN, 0, MP_PGOFF);
			KUNIT_EXPECT_LE_MSG(test, KUNIT_SUPPRESSED_WARNING_COUNT(), 1,
					    "warnings of one mmap()");
		}
	}
	if (IS_ERR_VALUE(map->addr))
		return;
	found = mp_area_at(current->mm, map->addr, &area) && area.start == map->addr;
	if (found)
		map->final = area.vma;
	KUNIT_ASSERT_TRUE_MSG(test, found, "no VMA at the address mmap() returned");
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

KUNIT_DEFINE_ACTION_WRAPPER(mp_put_page, put_page, struct page *);

#define MP_MM_WAIT_MS		1000	/* for the case's thread to put its mm */

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
	unsigned long timeout = jiffies + msecs_to_jiffies(MP_MM_WAIT_MS);

	while (atomic_read(&mm->mm_users) > 1 && time_before(jiffies, timeout))
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

#endif /* _MM_TESTS_MMAP_PREPARE_KUNIT_H */
