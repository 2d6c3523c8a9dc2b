// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the mmap_prepare compatibility layer.
 *
 * A file may implement f_op->mmap_prepare() instead of f_op->mmap(). Stacking
 * .mmap() handlers (backing-file/overlayfs, coda, SysV shm, uio, hv, ...)
 * still call vfs_mmap() on the file underneath. When that file only has
 * .mmap_prepare(), compat_vma_mmap() builds a struct vm_area_desc from the
 * half-built VMA, runs the hook and writes the result back to the VMA.
 *
 * Each case maps a synthetic file whose .mmap_prepare() hook behaves as one
 * row of a table says, once natively and once through one compat route, and
 * checks:
 *  - the descriptor the hook was handed (the compat layer's inputs);
 *  - the VMA right after the compat call, inside the stacking .mmap()
 *    (the compat layer's write-back), against what the hook left;
 *  - the VMA mmap() finally produced, against the hook's output and
 *    against the native route;
 *  - file reference counts while mapped and after munmap();
 *  - data faulted in by a hook-installed vm_ops, or mapped by an mmap action
 *    the hook asked for, read back through the user mapping;
 *  - vm_ops->mapped(), errors, error_override and hide_from_rmap_until_complete.
 *
 * Further cases cover can_mmap_file() and SysV shm, whose shm_mmap() runs
 * shmem's .mmap_prepare() through the compat layer.
 */

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
#include <linux/ipc_namespace.h>
#include <linux/kthread.h>
#include <linux/memfd.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/mount.h>
#include <linux/nsproxy.h>
#include <linux/pgtable.h>
#include <linux/shm.h>
#include <linux/shmem_fs.h>
#include <linux/syscalls.h>
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

/* The kernel's WARN_ON_ONCE() sites that the suite reaches on purpose. */
enum mp_warn_site {
	MP_WARN_NONE,
	MP_WARN_BAD_OVERRIDE,	/* check_mmap_action() */
	MP_WARN_BAD_TYPE,	/* mmap_action_prepare() */
	MP_WARN_UNDELEGATED,	/* mmap_action_complete() */
	MP_WARN_BOTH_HOOKS,	/* can_mmap_file(), our own inlined copy */
	MP_WARN_BOTH_HOOKS_MMAP, /* can_mmap_file(), inlined in do_mmap() */
	MP_NR_WARN_SITES
};

/* VMA flags the kernel adds when it prepares a remap, or a kernel-page mapping. */
#define MP_REMAP_FLAGS		(VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP)
#define MP_MAP_PAGES_FLAGS	VM_MIXEDMAP

/* One row: what the hook does, and what must come of it. */
struct mp_behaviour {
	const char *name;
	unsigned int changes;		/* what the hook does to the descriptor */
	bool map_private;		/* MAP_PRIVATE instead of MAP_SHARED */
	bool writable;			/* PROT_WRITE too */
	/* The answer: */
	int error;			/* what mmap() returns, 0 for success */
	enum mp_warn_site warns;	/* the WARN_ON_ONCE() site it reaches, once */
	vm_flags_t adds_flags;		/* flags the kernel adds to the hook's */
	int mapped_calls;		/* calls of vm_ops->mapped() */
	bool mapped_private;		/* ->mapped()'s private data ends on the VMA */
	bool readable;			/* the test pages read back through the mapping */
	int faults;			/* ... faulting in through the hook's vm_ops */
};

static const struct mp_behaviour mp_behaviours[] = {
	{ .name = "hook_changes_nothing" },
	{ .name = "hook_sets_flags", .changes = MP_SETS_FLAGS },
	{ .name = "hook_clears_flags", .changes = MP_CLEARS_FLAGS },
	{ .name = "hook_changes_pgoff", .changes = MP_CHANGES_PGOFF },
	{ .name = "hook_replaces_vm_file", .changes = MP_REPLACES_VM_FILE },
	{ .name = "hook_installs_vm_ops_with_fault", .changes = MP_INSTALLS_VM_OPS,
	  .readable = true, .faults = 1 },
	{ .name = "hook_sets_private_data", .changes = MP_SETS_PRIVATE_DATA },
	{ .name = "hook_changes_page_prot", .changes = MP_CHANGES_PAGE_PROT },
	/* As /dev/zero does for MAP_PRIVATE: the VMA then counts as anonymous. */
	{ .name = "hook_makes_private_mapping_anonymous",
	  .changes = MP_CLEARS_VM_OPS, .map_private = true },
	{ .name = "hook_fails", .changes = MP_FAILS, .error = MP_HOOK_ERROR },
	{ .name = "hook_changes_everything",
	  .changes = MP_SETS_FLAGS | MP_CLEARS_FLAGS | MP_CHANGES_PGOFF | MP_REPLACES_VM_FILE |
		     MP_INSTALLS_VM_OPS | MP_SETS_PRIVATE_DATA | MP_CHANGES_PAGE_PROT,
	  .readable = true, .faults = 1 },
	{ .name = "hook_changes_everything_then_fails",
	  .changes = MP_SETS_FLAGS | MP_CLEARS_FLAGS | MP_CHANGES_PGOFF | MP_INSTALLS_VM_OPS |
		     MP_SETS_PRIVATE_DATA | MP_CHANGES_PAGE_PROT | MP_FAILS,
	  .error = MP_HOOK_ERROR },
	/* Error paths: no ->close() of a failed mapping, every reference back. */
	{ .name = "hook_installs_vm_ops_with_close",
	  .changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE, .readable = true, .faults = 1 },
	{ .name = "hook_installs_vm_ops_with_close_then_fails",
	  .changes = MP_INSTALLS_VM_OPS | MP_INSTALLS_CLOSE | MP_FAILS, .error = MP_HOOK_ERROR },
	{ .name = "hook_replaces_vm_file_then_fails",
	  .changes = MP_REPLACES_VM_FILE | MP_FAILS, .error = MP_HOOK_ERROR },
};

KUNIT_ARRAY_PARAM_DESC(mp_behaviour, mp_behaviours, name);

/* Hooks that ask the kernel for follow-up work, and vm_ops->mapped(). */
static const struct mp_behaviour mp_action_behaviours[] = {
	{ .name = "remap_pfn_of_test_pages", .changes = MP_REMAPS_PFNS,
	  .adds_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "io_remap_pfn_of_test_pages", .changes = MP_IO_REMAPS_PFNS,
	  .adds_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "simple_ioremap_of_test_pages", .changes = MP_SIMPLE_IO_REMAPS,
	  .adds_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "map_kernel_pages_array", .changes = MP_MAPS_KERNEL_PAGES,
	  .adds_flags = MP_MAP_PAGES_FLAGS, .readable = true },
	{ .name = "map_kernel_pages_and_changes_everything",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_SETS_FLAGS | MP_CLEARS_FLAGS |
		     MP_CHANGES_PGOFF | MP_SETS_PRIVATE_DATA,
	  .adds_flags = MP_MAP_PAGES_FLAGS, .readable = true },
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
	  .error = -EINVAL, .warns = MP_WARN_BAD_OVERRIDE },
	{ .name = "action_of_unknown_type_refused",
	  .changes = MP_ACTION_BAD_TYPE,
	  .error = -EINVAL, .warns = MP_WARN_BAD_TYPE },
	{ .name = "remap_hidden_from_rmap_until_complete",
	  .changes = MP_REMAPS_PFNS | MP_HIDES_FROM_RMAP,
	  .adds_flags = MP_REMAP_FLAGS, .readable = true },
	{ .name = "vm_ops_mapped_called_once", .changes = MP_INSTALLS_MAPPED,
	  .mapped_calls = 1 },
	{ .name = "vm_ops_mapped_sets_private_data",
	  .changes = MP_INSTALLS_MAPPED | MP_MAPPED_SETS_PRIVATE | MP_SETS_PRIVATE_DATA,
	  .mapped_calls = 1, .mapped_private = true },
	{ .name = "vm_ops_mapped_fails",
	  .changes = MP_INSTALLS_MAPPED | MP_MAPPED_FAILS,
	  .error = MP_MAPPED_ERROR, .mapped_calls = 1 },
	{ .name = "vm_ops_mapped_after_remap", .changes = MP_INSTALLS_MAPPED | MP_REMAPS_PFNS,
	  .adds_flags = MP_REMAP_FLAGS, .mapped_calls = 1, .readable = true },
	/* Error paths after the hook succeeded: the kernel's own failures. */
	{ .name = "action_prepare_fails_after_vm_file_replaced",
	  .changes = MP_MAPS_KERNEL_PAGES | MP_ACTION_OUT_OF_RANGE | MP_REPLACES_VM_FILE,
	  .error = -EFAULT },
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

KUNIT_ARRAY_PARAM_DESC(mp_action_behaviour, mp_action_behaviours, name);

/* How the synthetic file reaches its .mmap_prepare() hook. */
enum mp_route {
	MP_NATIVE,		/* mmap() of the file itself */
	MP_NESTED,		/* backing-file: switch vm_file, then vfs_mmap() */
	MP_SHM,			/* SysV shm: vfs_mmap() on the inner file only */
	MP_COMPAT_VMA_MMAP,	/* compat_vma_mmap() called directly */
	MP_COMPAT_SPLIT,	/* uio/hv: compat_set_desc_from_vma(), hook, __compat_vma_mmap() */
	MP_BACKING,		/* the real backing_file_mmap(), on a backing_file_open() file */
	MP_UIO,			/* the real uio_mmap(), of an opened uio device */
};

static const char * const mp_route_names[] = {
	[MP_NATIVE] = "native",
	[MP_NESTED] = "nested",
	[MP_SHM] = "shm-shaped",
	[MP_COMPAT_VMA_MMAP] = "compat_vma_mmap",
	[MP_COMPAT_SPLIT] = "__compat_vma_mmap",
	[MP_BACKING] = "backing_file_mmap",
	[MP_UIO] = "uio_mmap",
};

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
	enum mp_route route;
	const struct mp_behaviour *behaviour;
	struct file *file;		/* what mmap() was called on */
	struct file *inner;		/* the file underneath, whose hook runs */
	int hook_calls;
	struct vm_area_desc seen;	/* descriptor as handed to the hook */
	struct vm_area_desc left;	/* descriptor as the hook left it */
	bool wrote_back;
	int compat_ret;
	struct mp_vma writeback;	/* VMA right after the compat call */
	unsigned long addr;		/* vm_mmap() result */
	struct mp_vma final;		/* VMA after mmap() returned */
	int faults;
	pgoff_t fault_pgoff;
	int closes;			/* vm_ops->close() calls */
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
	int cookie;			/* private data set by hooks */
	int mapped_cookie;		/* private data set by ->mapped() */
	bool simple_io_remap;		/* which action mp_undelegated_mmap() completes */
	struct file *backing;		/* backing_file_open() of inner, for MP_BACKING */
	struct uio_device *uio;		/* the uio device of MP_UIO */
};

static struct mp_ctx *mp_ctx(void)
{
	struct kunit *test = kunit_get_current_test();

	return test ? test->priv : NULL;
}

static void mp_snapshot(struct vm_area_struct *vma, struct mp_vma *s)
{
	s->flags = vma->vm_flags & ~VM_SOFTDIRTY;
	s->pgoff = vma->vm_pgoff;
	s->vm_file = vma->vm_file;
	s->page_prot = vma->vm_page_prot;
	s->vm_ops = vma->vm_ops;
	s->private_data = vma->vm_private_data;
	s->anonymous = vma_is_anonymous(vma);
}

static vm_fault_t mp_fault(struct vm_fault *vmf)
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

/* The VMA is being removed: count it against the mapping in progress. */
static void mp_close(struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = mp_ctx();

	if (ctx && ctx->cur)
		ctx->cur->closes++;
}

static const struct vm_operations_struct mp_fault_vm_ops = {
	.fault = mp_fault,
};

static const struct vm_operations_struct mp_fault_close_vm_ops = {
	.fault = mp_fault,
	.close = mp_close,
};

static int __maybe_unused mp_mapped(unsigned long start, unsigned long end,
				    pgoff_t pgoff, const struct file *file,
				    void **vm_private_data)
{
	struct mp_ctx *ctx = mp_ctx();
	struct mp_map *map = ctx->cur;

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
static pgprot_t mp_other_prot(pgprot_t prot)
{
	pgprot_t nc = pgprot_noncached(prot);

	if (pgprot_val(nc) != pgprot_val(prot))
		return nc;
	return vm_get_page_prot(VM_NONE);
}

static int mp_mmap_prepare(struct vm_area_desc *desc)
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
	mp_request_action(desc, changes, ctx->pages, ctx->slab_pages);
	memcpy(&map->left, desc, sizeof(*desc));
	return (changes & MP_FAILS) ? MP_HOOK_ERROR : 0;
}

/* Record the compat layer's write-back before mmap() post-processes it. */
static int mp_outer_done(struct vm_area_struct *vma, int ret)
{
	struct mp_map *map = mp_ctx()->cur;

	if (!map) {
		kunit_fail_current_test("stacking .mmap() called with no mapping in progress");
		return ret;
	}
	map->wrote_back = true;
	map->compat_ret = ret;
	mp_snapshot(vma, &map->writeback);
	return ret;
}

static int mp_nested_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	vma_set_file(vma, ctx->inner);
	return mp_outer_done(vma, vfs_mmap(vma->vm_file, vma));
}

static int mp_shm_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	return mp_outer_done(vma, vfs_mmap(ctx->inner, vma));
}

static int mp_compat_vma_mmap_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	vma_set_file(vma, ctx->inner);
	return mp_outer_done(vma, mp_compat_vma_mmap(ctx->inner, vma));
}

static int mp_compat_split_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	return mp_outer_done(vma, mp_compat_split(ctx->inner->f_op, file, vma));
}

/* overlayfs and FUSE passthrough: mmap() of the user file maps the backing file. */
static void mp_accessed(struct file *user_file)
{
	struct mp_map *map = mp_ctx()->cur;

	map->accessed++;
	map->accessed_file = user_file;
}

static int mp_backing_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;
	struct backing_file_ctx bctx = {
		.cred = current_cred(),
		.accessed = mp_accessed,
	};

	if (!IS_ENABLED(CONFIG_FS_STACK))
		return -ENODEV;
	return mp_outer_done(vma, backing_file_mmap(ctx->backing, vma, &bctx));
}

/* A uio driver whose hook is the table's. */
static int __maybe_unused mp_uio_mmap_prepare(struct uio_info *info, struct vm_area_desc *desc)
{
	return mp_mmap_prepare(desc);
}

/* A stacking driver that completes an I/O remap no prepare step delegated. */
static int mp_undelegated_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct mp_ctx *ctx = file->private_data;

	return mp_complete_undelegated(vma, ctx->simple_io_remap);
}

static const struct file_operations mp_undelegated_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_undelegated_mmap,
};

static const struct file_operations mp_inner_fops = {
	.owner = THIS_MODULE,
	.mmap_prepare = mp_mmap_prepare,
};

/* The outer (stacking) file of each route; the native route has none. */
static const struct file_operations mp_outer_fops[] = {
	[MP_NESTED] = { .owner = THIS_MODULE, .mmap = mp_nested_mmap },
	[MP_SHM] = { .owner = THIS_MODULE, .mmap = mp_shm_mmap },
	[MP_COMPAT_VMA_MMAP] = { .owner = THIS_MODULE, .mmap = mp_compat_vma_mmap_mmap },
	[MP_COMPAT_SPLIT] = { .owner = THIS_MODULE, .mmap = mp_compat_split_mmap },
	[MP_BACKING] = { .owner = THIS_MODULE, .mmap = mp_backing_mmap },
};

static const struct file_operations mp_both_hooks_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_shm_mmap,
	.mmap_prepare = mp_mmap_prepare,
};

static const struct file_operations mp_no_hook_fops = {
	.owner = THIS_MODULE,
};

KUNIT_DEFINE_ACTION_WRAPPER(mp_fput, fput, struct file *);
KUNIT_DEFINE_ACTION_WRAPPER(mp_put_page, put_page, struct page *);

static struct file *mp_file(struct kunit *test, const struct file_operations *fops)
{
	struct file *file;

	file = anon_inode_getfile("[mmap_prepare_kunit]", fops, test->priv, O_RDWR);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

/*
 * A file of its own inode, whose i_fop are @fops: vfs_open() of its path, as
 * backing_file_open() does it, then finds the hooks.
 */
static struct file *mp_private_file(struct kunit *test, const struct file_operations *fops)
{
	struct file *file;

	file = anon_inode_create_getfile("[mmap_prepare_kunit]", fops, test->priv, O_RDWR,
					 NULL);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	file_inode(file)->i_fop = fops;
	return file;
}

KUNIT_DEFINE_ACTION_WRAPPER(mp_kern_unmount, kern_unmount, struct vfsmount *);

/* A private mount of @fs_name, which no path outside the test reaches. */
static struct vfsmount *mp_mount(struct kunit *test, const char *fs_name)
{
	struct file_system_type *type;
	struct vfsmount *mnt;

	if (!IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST))
		kunit_skip(test, "needs the suite built in (=y): put_filesystem() is not exported");
	type = get_fs_type(fs_name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no file system %s", fs_name);
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_kern_unmount, mnt));
	return mnt;
}

/* @name under @mnt, opened as open(2) would open it. */
static struct file *mp_open_at(struct kunit *test, struct vfsmount *mnt, const char *name,
			       int flags)
{
	struct file *file = file_open_root_mnt(mnt, name, flags, 0600);

	KUNIT_ASSERT_NOT_ERR_OR_NULL_MSG(test, file, "open of %s", name);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

/*
 * Device nodes: KUnit runs before user space mounts /dev, so the suite mounts
 * devtmpfs itself. The nodes are there: device_add() waits for devtmpfs.
 */
static struct vfsmount *mp_devtmpfs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEVTMPFS))
		kunit_skip(test, "needs CONFIG_DEVTMPFS to open device nodes");
	return mp_mount(test, "devtmpfs");
}

/* backing_file_open() of ctx->inner under @user_file, as overlayfs opens one. */
static struct file *mp_backing_file(struct kunit *test, struct file *user_file, int flags)
{
	struct mp_ctx *ctx = test->priv;
	struct file *file;

	if (!IS_ENABLED(CONFIG_FS_STACK))
		kunit_skip(test, "needs CONFIG_FS_STACK (overlayfs or FUSE passthrough)");
	file = mp_backing_file_open(user_file, flags, &ctx->inner->f_path);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	ctx->backing = file;
	return file;
}

KUNIT_DEFINE_ACTION_WRAPPER(mp_uio_unregister, uio_unregister_device, struct uio_info *);

/* A uio device with one map, of @size bytes at @index; its char device, opened. */
static struct file *mp_uio_file(struct kunit *test, unsigned int index, unsigned long size)
{
	struct mp_ctx *ctx = test->priv;
	struct vfsmount *mnt;
	struct uio_info *info;
	struct device *parent;

	if (!IS_REACHABLE(CONFIG_UIO))
		kunit_skip(test, "needs CONFIG_UIO (built in, if the suite is)");
	/* overlay-only: begin */
	if (!MP_HAVE_UIO_HOOK)
		kunit_skip(test, "uio's mmap_prepare arrived in 7.1");
	/* overlay-only: end */
	mnt = mp_devtmpfs(test);
	parent = kunit_device_register(test, "mmap_prepare_kunit_uio");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);
	info = kunit_kzalloc(test, sizeof(*info), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, info);
	info->name = "mmap_prepare_kunit";
	info->version = "0";
	/* uio_mmap() takes the page offset for the index of the map. */
	info->mem[index].name = "mmap_prepare_kunit";
	info->mem[index].size = size;
	mp_uio_set_mmap_prepare(info, mp_uio_mmap_prepare);
	KUNIT_ASSERT_EQ(test, 0, uio_register_device(parent, info));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_uio_unregister, info));
	ctx->uio = info->uio_dev;
	return mp_open_at(test, mnt, dev_name(&info->uio_dev->dev), O_RDWR);
}

/*
 * read(2) or write(2) of @len bytes of a debugfs file, at offset 0. Its files
 * take no kernel buffer (kernel_read() needs ->read_iter()), so the bytes go
 * through a user buffer in the test's mm, as they would from user space.
 */
static ssize_t __maybe_unused mp_debugfs_rw(struct vfsmount *debugfs, const char *path,
					    char *buf, size_t len, bool write)
{
	struct file *file;
	unsigned long ubuf;
	loff_t pos = 0;
	ssize_t ret;

	file = file_open_root_mnt(debugfs, path, write ? O_WRONLY : O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	ubuf = vm_mmap(NULL, 0, len, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, 0);
	if (IS_ERR_VALUE(ubuf)) {
		ret = ubuf;
	} else if (write) {
		ret = copy_to_user((char __user *)ubuf, buf, len) ? -EFAULT :
		      vfs_write(file, (char __user *)ubuf, len, &pos);
		vm_munmap(ubuf, len);
	} else {
		ret = vfs_read(file, (char __user *)ubuf, len, &pos);
		if (ret > 0 && copy_from_user(buf, (char __user *)ubuf, ret))
			ret = -EFAULT;
		vm_munmap(ubuf, len);
	}
	fput(file);
	return ret;
}

static int __maybe_unused mp_debugfs_write(struct vfsmount *debugfs, const char *path,
					   const char *value)
{
	ssize_t ret = mp_debugfs_rw(debugfs, path, (char *)value, strlen(value), true);

	return ret < 0 ? ret : 0;
}

/* The file mmap() is called on to take @route to ctx->inner's hook. */
static struct file *mp_route_file(struct kunit *test, enum mp_route route)
{
	struct file *file;

	if (route == MP_UIO)
		return mp_uio_file(test, MP_PGOFF, MP_LEN);
	file = mp_file(test, &mp_outer_fops[route]);
	if (route == MP_BACKING)
		mp_backing_file(test, file, O_RDWR);
	return file;
}

static unsigned long mp_vm_mmap(struct file *file, bool map_private, bool writable)
{
	return vm_mmap(file, 0, MP_LEN, PROT_READ | (writable ? PROT_WRITE : 0),
		       map_private ? MAP_PRIVATE : MAP_SHARED, MP_PGOFF << PAGE_SHIFT);
}

/*
 * How many warnings a suppressed WARN_ON_ONCE() reports depends on the
 * architecture:
 *  - with __WARN_FLAGS (x86, arm64 and most others), report_bug()
 *    checks KUnit's suppression before the once logic, so every suppressed
 *    hit is counted and the once budget is left alone;
 *  - without it (UML, among others), WARN_ON_ONCE() is DO_ONCE_LITE_IF():
 *    the first hit of a boot spends the budget, suppressed or not, and the
 *    site is silent from then on.
 * Only the second rule needs state, and it is per boot: which of the
 * suite's mappings reaches a site first. That state is this array.
 */
#ifdef __WARN_FLAGS
#define MP_SUPPRESSED_WARN_SPENDS_ONCE	false
#else
#define MP_SUPPRESSED_WARN_SPENDS_ONCE	true
#endif

static bool mp_warn_site_reached[MP_NR_WARN_SITES];

/* @hits times the code under test reached @site; it reported @warnings. */
static void mp_expect_warnings(struct kunit *test, enum mp_warn_site site, int hits,
			       int warnings)
{
	if (!IS_ENABLED(CONFIG_BUG))
		KUNIT_EXPECT_EQ_MSG(test, warnings, 0, "WARN_ON_ONCE() site %d", site);
	else if (!MP_SUPPRESSED_WARN_SPENDS_ONCE)
		KUNIT_EXPECT_EQ_MSG(test, warnings, hits, "WARN_ON_ONCE() site %d", site);
	else if (IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST))
		KUNIT_EXPECT_EQ_MSG(test, warnings, !mp_warn_site_reached[site],
				    "WARN_ON_ONCE() site %d", site);
	else	/* an earlier load of the module may have spent the budget */
		KUNIT_EXPECT_LE_MSG(test, warnings, 1, "WARN_ON_ONCE() site %d", site);
	mp_warn_site_reached[site] = true;
}

/* Map map->file once; fill in what the hook, the route and the VMA show. */
static void mp_do_map(struct kunit *test, struct mp_map *map)
{
	const struct mp_behaviour *b = map->behaviour;
	struct mp_ctx *ctx = test->priv;
	struct vm_area_struct *vma;
	int warnings = 0;
	bool found;

	ctx->cur = map;
	if (b->warns) {
		kunit_warning_suppress(test) {
			map->addr = mp_vm_mmap(map->file, b->map_private, b->writable);
			warnings = KUNIT_SUPPRESSED_WARNING_COUNT();
		}
		mp_expect_warnings(test, b->warns, 1, warnings);
	} else {
		map->addr = mp_vm_mmap(map->file, b->map_private, b->writable);
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

static bool mp_outer_is_desc_file(enum mp_route route)
{
	return route == MP_COMPAT_SPLIT || route == MP_UIO;
}

static bool mp_outer_stays_vm_file(enum mp_route route)
{
	return route == MP_SHM || route == MP_COMPAT_SPLIT || route == MP_UIO;
}

/* The route's own .mmap(), which records the compat write-back, is the suite's. */
static bool mp_outer_is_ours(enum mp_route route)
{
	return route != MP_NATIVE && route != MP_UIO;
}

/*
 * VM_MAYEXEC comes from the mount of the file mmap() was called on (noexec),
 * not from the hook: the suite's own files are on the anon inode mount, which
 * is noexec, and a device node or a file system's file is not.
 */
static vm_flags_t mp_mount_flags(const struct mp_map *via)
{
	return via->route == MP_UIO ? VM_MAYEXEC : 0;
}

/* The compat layer's inputs: the descriptor reflects the VMA and the file. */
static void mp_expect_inputs(struct kunit *test, const struct mp_map *map)
{
	const struct vm_area_desc *d = &map->seen;
	vm_flags_t must = VM_READ | VM_MAYREAD | VM_MAYWRITE;
	vm_flags_t never = VM_WRITE | VM_EXEC;
	vm_flags_t flags = mp_desc_flags(d);
	struct file *vm_file = mp_outer_stays_vm_file(map->route) ? map->file : map->inner;
	struct file *file = mp_outer_is_desc_file(map->route) ? map->file : map->inner;

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

/* The VMA @v shows exactly what the hook (and its action) left. */
static void mp_expect_vma_is_desc(struct kunit *test, const char *which,
				  const struct mp_vma *v, const struct mp_map *map)
{
	const struct vm_area_desc *left = &map->left;
	const struct mp_behaviour *b = map->behaviour;
	vm_flags_t flags = mp_desc_flags(left) | b->adds_flags;
	void *private_data = b->mapped_private ? &mp_ctx()->mapped_cookie : left->private_data;

	KUNIT_EXPECT_EQ_MSG(test, v->flags, flags & ~VM_SOFTDIRTY, "%s: flags", which);
	KUNIT_EXPECT_EQ_MSG(test, v->pgoff, left->pgoff, "%s: pgoff", which);
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->vm_file, mp_desc_vm_file(left), "%s: vm_file", which);
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->private_data, private_data,
				"%s: private_data", which);
	/* overlay-only: begin */
	if (!left->vm_ops && !MP_DESC_HAS_VM_OPS) {
		/* No vm_ops from the hook: the VMA keeps its dummy ones. */
		KUNIT_EXPECT_NOT_NULL_MSG(test, v->vm_ops, "%s: vm_ops", which);
		KUNIT_EXPECT_FALSE_MSG(test, v->anonymous, "%s: anonymous", which);
		return;
	}
	/* overlay-only: end */
	KUNIT_EXPECT_PTR_EQ_MSG(test, v->vm_ops, left->vm_ops, "%s: vm_ops", which);
	KUNIT_EXPECT_EQ_MSG(test, v->anonymous, !left->vm_ops, "%s: anonymous", which);
}

/* Two VMAs agree in everything a route must not change. */
static void mp_expect_same_vma(struct kunit *test, const struct mp_vma *v,
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

/* The test pages read back through the user mapping. */
static void mp_expect_data(struct kunit *test, struct mp_map *map)
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
		KUNIT_EXPECT_EQ(test, map->fault_pgoff, map->left.pgoff + MP_FAULT_PAGE);
}

/* vm_ops->mapped() ran as often as the row says, on the VMA as the hook left it. */
static void mp_expect_mapped(struct kunit *test, const struct mp_map *map, unsigned long addr)
{
	KUNIT_ASSERT_EQ(test, map->mapped_calls, map->behaviour->mapped_calls);
	if (!map->mapped_calls)
		return;
	KUNIT_EXPECT_EQ(test, map->mapped_start, addr);
	KUNIT_EXPECT_EQ(test, map->mapped_end, addr + MP_LEN);
	KUNIT_EXPECT_EQ(test, map->mapped_pgoff, map->left.pgoff);
	KUNIT_EXPECT_PTR_EQ(test, map->mapped_file, mp_desc_vm_file(&map->left));
}

/* Files whose reference counts a mapping must leave balanced. */
enum { MP_INNER, MP_REPLACEMENT, MP_MAPPED, MP_NR_FILES };

static const char * const mp_file_names[MP_NR_FILES] = {
	"inner", "replacement", "mmap()ed",
};

static void mp_file_counts(const struct mp_map *map, struct file *files[MP_NR_FILES],
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

/*
 * Once a mapping is gone, drop the references the kernel leaked on @file
 * (after the check that reported them), so that the file is freed as the
 * case ends: the rest of the run, kmemleak's scan included, then sees only
 * leaks of its own.
 */
static void mp_drop_leaked(struct file *file, long expected)
{
	long n;

	for (n = file_count(file); n > expected && expected > 0; n--)
		fput(file);
}

/* Counts are back to @before, plus the one reference a VMA holds on @mapped. */
static void mp_expect_counts(struct kunit *test, const struct mp_map *map, const char *when,
			     const long before[MP_NR_FILES], const struct file *mapped)
{
	struct file *files[MP_NR_FILES];
	long now[MP_NR_FILES];
	int i;

	mp_file_counts(map, files, now);
	for (i = 0; i < MP_NR_FILES; i++) {
		if (i == MP_MAPPED && files[i] == files[MP_INNER])
			continue;
		KUNIT_EXPECT_EQ_MSG(test, now[i], before[i] + (files[i] == mapped),
				    "%s, %s route: references to the %s file", when,
				    mp_route_names[map->route], mp_file_names[i]);
		if (!mapped)
			mp_drop_leaked(files[i], before[i]);
	}
}

/* backing_file_mmap() tells its caller that the user file was accessed. */
static void mp_expect_accessed(struct kunit *test, const struct mp_map *map, int calls)
{
	if (map->route != MP_BACKING)
		calls = 0;
	KUNIT_EXPECT_EQ_MSG(test, map->accessed, calls, "calls of backing_file_ctx->accessed()");
	if (calls && map->accessed)
		KUNIT_EXPECT_PTR_EQ(test, map->accessed_file, map->file);
}

/* Map map->file through map->route and check everything observable. */
static void mp_map_and_check(struct kunit *test, struct mp_map *map)
{
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	int map_count = current->mm->map_count;

	mp_file_counts(map, files, before);
	mp_do_map(test, map);

	KUNIT_ASSERT_EQ(test, map->hook_calls, 1);
	mp_expect_inputs(test, map);
	KUNIT_EXPECT_EQ(test, map->wrote_back, mp_outer_is_ours(map->route));
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
		KUNIT_EXPECT_EQ_MSG(test, map->closes, 0,
				    "%s route: vm_ops->close() of a failed mapping",
				    mp_route_names[map->route]);
		return;
	}

	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(map->addr), "mmap() failed: %ld",
			       (long)map->addr);
	KUNIT_EXPECT_EQ_MSG(test, map->closes, 0, "vm_ops->close() while mapped");
	if (map->wrote_back) {
		KUNIT_EXPECT_EQ(test, map->compat_ret, 0);
		mp_expect_vma_is_desc(test, "compat write-back", &map->writeback, map);
		KUNIT_EXPECT_EQ(test, pgprot_val(map->writeback.page_prot),
				pgprot_val(map->left.page_prot));
	}
	mp_expect_vma_is_desc(test, "mapped VMA", &map->final, map);
	/* mmap() recomputes the protection from the flags, keeping cache bits. */
	KUNIT_EXPECT_EQ(test, pgprot_val(map->final.page_prot),
			pgprot_val(pgprot_modify(map->left.page_prot,
						 vm_get_page_prot(map->final.flags))));
	mp_expect_counts(test, map, "while mapped", before, map->final.vm_file);
	mp_expect_mapped(test, map, map->addr);
	if (map->behaviour->changes & MP_HIDES_FROM_RMAP) {
		struct address_space *mapping = mp_desc_vm_file(&map->left)->f_mapping;

		KUNIT_EXPECT_FALSE_MSG(test, rwsem_is_locked(&mapping->i_mmap_rwsem),
				       "rmap lock still held after mmap()");
	}
	if (map->behaviour->readable)
		mp_expect_data(test, map);

	KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
	mp_expect_counts(test, map, "after munmap()", before, NULL);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	KUNIT_EXPECT_EQ_MSG(test, map->closes, !!(map->behaviour->changes & MP_INSTALLS_CLOSE),
			    "vm_ops->close() calls after munmap()");
}

/* The route's caller refused the mapping before any hook ran. */
static void mp_expect_refused(struct kunit *test, struct mp_map *map, int error)
{
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	int map_count = current->mm->map_count;

	mp_file_counts(map, files, before);
	mp_do_map(test, map);
	KUNIT_EXPECT_EQ_MSG(test, (long)map->addr, (long)error, "%s route: mmap() error",
			    mp_route_names[map->route]);
	KUNIT_EXPECT_EQ(test, map->hook_calls, 0);
	mp_expect_accessed(test, map, 0);
	if (!IS_ERR_VALUE(map->addr))
		vm_munmap(map->addr, MP_LEN);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	mp_expect_counts(test, map, "after failed mmap()", before, NULL);
}

/* A mapping of @file through @route, with the hook behaving as @b says. */
static struct mp_map *mp_new_map(struct kunit *test, enum mp_route route,
				 const struct mp_behaviour *b, struct file *file)
{
	struct mp_ctx *ctx = test->priv;
	struct mp_map *map = kunit_kzalloc(test, sizeof(*map), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, map);
	map->route = route;
	map->behaviour = b;
	map->file = file;
	map->inner = route == MP_BACKING ? ctx->backing : ctx->inner;
	return map;
}

/* overlay-only: begin */
/* Skip a case whose route or hook needs what this kernel lacks. */
static void mp_skip_missing_features(struct kunit *test, enum mp_route route,
				     const struct mp_behaviour *b)
{
	if (!MP_HAVE_SPLIT_ROUTE && route == MP_COMPAT_SPLIT)
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
static void mp_route_case(struct kunit *test, enum mp_route route)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	struct mp_map *native, *via;

	/* overlay-only: begin */
	mp_skip_missing_features(test, route, b);
	/* overlay-only: end */
	/* backing_file_open() opens the inner file's path, so it needs an inode of its own. */
	if (route == MP_BACKING)
		ctx->inner = mp_private_file(test, &mp_inner_fops);
	native = mp_new_map(test, MP_NATIVE, b, ctx->inner);
	mp_map_and_check(test, native);
	if (route == MP_NATIVE)
		return;

	via = mp_new_map(test, route, b, mp_route_file(test, route));
	mp_map_and_check(test, via);

	/* Compat == native: the hook saw the same VMA state ... */
	KUNIT_EXPECT_EQ(test, mp_desc_flags(&via->seen) & ~mp_mount_flags(via),
			mp_desc_flags(&native->seen) & ~mp_mount_flags(via));
	KUNIT_EXPECT_EQ(test, pgprot_val(via->seen.page_prot),
			pgprot_val(native->seen.page_prot));
	KUNIT_EXPECT_PTR_EQ(test, via->seen.vm_ops, native->seen.vm_ops);
	/* ... and mmap() produced the same VMA. */
	if (!b->error)
		mp_expect_same_vma(test, &via->final, &native->final, mp_mount_flags(via));
}

static void native_mmap_prepare(struct kunit *test)
{
	mp_route_case(test, MP_NATIVE);
}

static void nested_vfs_mmap_backing_file(struct kunit *test)
{
	mp_route_case(test, MP_NESTED);
}

static void nested_vfs_mmap_shm_shaped(struct kunit *test)
{
	mp_route_case(test, MP_SHM);
}

static void direct_compat_vma_mmap(struct kunit *test)
{
	mp_route_case(test, MP_COMPAT_VMA_MMAP);
}

static void direct___compat_vma_mmap(struct kunit *test)
{
	mp_route_case(test, MP_COMPAT_SPLIT);
}

static void backing_file_mmap_of_backing_file(struct kunit *test)
{
	mp_route_case(test, MP_BACKING);
}

static void uio_mmap_of_uio_device(struct kunit *test)
{
	mp_route_case(test, MP_UIO);
}

static void action_native_mmap_prepare(struct kunit *test)
{
	mp_route_case(test, MP_NATIVE);
}

static void action_nested_vfs_mmap_backing_file(struct kunit *test)
{
	mp_route_case(test, MP_NESTED);
}

static void action_nested_vfs_mmap_shm_shaped(struct kunit *test)
{
	mp_route_case(test, MP_SHM);
}

static void action_direct_compat_vma_mmap(struct kunit *test)
{
	mp_route_case(test, MP_COMPAT_VMA_MMAP);
}

static void action_backing_file_mmap_of_backing_file(struct kunit *test)
{
	mp_route_case(test, MP_BACKING);
}

/*
 * mmap_action_prepare() turns both I/O remap actions into a PFN remap, so
 * mmap_action_complete() must refuse them if they ever arrive as they are.
 */
static void action_complete_refuses_undelegated_io_remap(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_undelegated_fops);
	struct mp_ctx *ctx = test->priv;
	int map_count = current->mm->map_count;
	unsigned long addr[2] = { 0, 0 };
	int i, warnings = 0;

	/* overlay-only: begin */
	if (!MP_HAVE_ACTIONS)
		kunit_skip(test, MP_NO_ACTIONS);
	if (!MP_HAVE_WARN_SUPPRESS)
		kunit_skip(test, MP_NO_SUPPRESS);
	/* overlay-only: end */

	kunit_warning_suppress(test) {
		for (i = 0; i < ARRAY_SIZE(addr); i++) {
			ctx->simple_io_remap = i;
			addr[i] = mp_vm_mmap(file, false, false);
		}
		warnings = KUNIT_SUPPRESSED_WARNING_COUNT();
	}
	mp_expect_warnings(test, MP_WARN_UNDELEGATED, ARRAY_SIZE(addr), warnings);
	for (i = 0; i < ARRAY_SIZE(addr); i++)
		KUNIT_EXPECT_EQ_MSG(test, (long)addr[i], (long)-EINVAL,
				    i ? "simple I/O remap" : "I/O remap");
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
}

static void can_mmap_file_accepts_exactly_one_hook(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;

	KUNIT_EXPECT_TRUE(test, can_mmap_file(ctx->inner));
	KUNIT_EXPECT_TRUE(test, can_mmap_file(mp_file(test, &mp_outer_fops[MP_SHM])));
}

static void can_mmap_file_rejects_both_hooks(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_both_hooks_fops);
	struct mp_ctx *ctx = test->priv;
	unsigned long addr = 0;
	int warnings = 0;
	bool ok = true;

	/* overlay-only: begin */
	if (!MP_HAVE_WARN_SUPPRESS)
		kunit_skip(test, MP_NO_SUPPRESS);
	/* overlay-only: end */

	/* Should the kernel map it after all, the hooks find a mapping to fill in. */
	ctx->cur = mp_new_map(test, MP_SHM, &mp_behaviours[0], file);
	/*
	 * The kernel WARNs about such a driver, at each inlined copy of
	 * can_mmap_file(): ours, then do_mmap()'s. Keep the log clean.
	 */
	kunit_warning_suppress(test) {
		ok = can_mmap_file(file);
		warnings = KUNIT_SUPPRESSED_WARNING_COUNT();
	}
	mp_expect_warnings(test, MP_WARN_BOTH_HOOKS, 1, warnings);
	kunit_warning_suppress(test) {
		addr = mp_vm_mmap(file, false, false);
		warnings = KUNIT_SUPPRESSED_WARNING_COUNT();
	}
	mp_expect_warnings(test, MP_WARN_BOTH_HOOKS_MMAP, 1, warnings);
	KUNIT_EXPECT_FALSE(test, ok);
	KUNIT_EXPECT_EQ(test, (long)addr, (long)-ENODEV);
}

static void can_mmap_file_rejects_no_hook(struct kunit *test)
{
	struct file *file = mp_file(test, &mp_no_hook_fops);

	KUNIT_EXPECT_FALSE(test, can_mmap_file(file));
	KUNIT_EXPECT_EQ(test, (long)mp_vm_mmap(file, false, false), (long)-ENODEV);
}

/*
 * SysV shm, the compat layer's busiest user: shm_mmap() calls vfs_mmap() on
 * the shmem file, whose .mmap_prepare() then runs through compat_vma_mmap().
 * The kernel's own shm code is not exported, so this needs the suite built in.
 */
#if IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST) && IS_ENABLED(CONFIG_SYSVIPC)
struct mp_rmid_forced {
	struct ipc_namespace *ns;
	int old;
};

static void mp_restore_rmid_forced(void *data)
{
	struct mp_rmid_forced *r = data;

	r->ns->shm_rmid_forced = r->old;
}

/* The last detach then destroys the segment: no IPC_RMID needed. */
static void mp_force_shm_rmid(struct kunit *test)
{
	struct mp_rmid_forced *r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, r);
	r->ns = current->nsproxy->ipc_ns;
	r->old = r->ns->shm_rmid_forced;
	r->ns->shm_rmid_forced = 1;
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_restore_rmid_forced, r));
}

static struct file *mp_shm_vma_file(struct kunit *test, unsigned long addr)
{
	struct vm_area_struct *vma;
	struct file *file = NULL;
	vm_flags_t must = VM_READ | VM_WRITE | VM_SHARED | VM_MAYSHARE;

	mmap_read_lock(current->mm);
	vma = find_vma(current->mm, addr);
	if (vma && vma->vm_start == addr && vma->vm_file) {
		file = get_file(vma->vm_file);
		KUNIT_EXPECT_EQ(test, vma->vm_end - vma->vm_start, MP_LEN);
		KUNIT_EXPECT_EQ(test, vma->vm_flags & must, must);
		KUNIT_EXPECT_EQ(test, vma->vm_pgoff, 0);
		/* shm's vm_ops, which count attaches and wrap shmem's fault. */
		KUNIT_EXPECT_NOT_NULL(test, vma->vm_ops);
		KUNIT_EXPECT_NOT_NULL(test, vma->vm_ops->open);
		KUNIT_EXPECT_NOT_NULL(test, vma->vm_ops->close);
		KUNIT_EXPECT_NOT_NULL(test, vma->vm_ops->fault);
		KUNIT_EXPECT_FALSE(test, vma_is_anonymous(vma));
		/* The shm file maps shmem's pages. */
		KUNIT_EXPECT_TRUE(test, shmem_mapping(vma->vm_file->f_mapping));
	}
	mmap_read_unlock(current->mm);
	KUNIT_ASSERT_NOT_NULL_MSG(test, file, "no shm VMA at %#lx", addr);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

static void sysv_shm_attach_twice_shares_pages(struct kunit *test)
{
	unsigned long addr[2], junk;
	struct file *file[2];
	u8 buf[MP_READBACK], got[MP_READBACK];
	long count[2];
	int id, i;

	mp_force_shm_rmid(test);
	id = ksys_shmget(IPC_PRIVATE, MP_LEN, IPC_CREAT | 0600);
	KUNIT_ASSERT_GE(test, id, 0);
	for (i = 0; i < 2; i++) {
		KUNIT_ASSERT_EQ(test, do_shmat(id, NULL, 0, &addr[i], SHMLBA), 0);
		file[i] = mp_shm_vma_file(test, addr[i]);
		count[i] = file_count(file[i]);
	}
	KUNIT_EXPECT_NE(test, addr[0], addr[1]);
	KUNIT_EXPECT_PTR_EQ(test, file[0]->f_mapping, file[1]->f_mapping);

	memset(buf, MP_PATTERN, sizeof(buf));
	KUNIT_ASSERT_EQ(test, copy_to_user((void __user *)addr[0] + PAGE_SIZE, buf,
					   sizeof(buf)), 0);
	KUNIT_ASSERT_EQ(test, copy_from_user(got, (void __user *)addr[1] + PAGE_SIZE,
					     sizeof(got)), 0);
	KUNIT_EXPECT_MEMEQ(test, got, buf, sizeof(buf));

	for (i = 0; i < 2; i++) {
		KUNIT_EXPECT_EQ(test, ksys_shmdt((char __user *)addr[i]), 0);
		/* Only the reference this test took is left. */
		KUNIT_EXPECT_EQ(test, file_count(file[i]), count[i] - 1);
		KUNIT_EXPECT_EQ(test, file_count(file[i]), 1);
	}
	/* The last detach destroyed the segment. */
	KUNIT_EXPECT_EQ(test, do_shmat(id, NULL, 0, &junk, SHMLBA), -EINVAL);
}
#else
static void sysv_shm_attach_twice_shares_pages(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_SYSVIPC and the suite built in (=y): shm is not exported");
}
#endif

/* backing_file_mmap()'s own checks of the backing file, before any hook runs. */
struct mp_backing_refusal {
	const char *name;
	const struct file_operations *fops;	/* of the backing file's inode */
	bool append_only;
	bool map_private;
	int error;
};

static const struct mp_behaviour mp_plain_shared = { .name = "plain_shared" };
static const struct mp_behaviour mp_plain_private = {
	.name = "plain_private", .map_private = true,
};

static const struct mp_backing_refusal mp_backing_refusals[] = {
	{ .name = "backing_file_without_mmap_hook", .fops = &mp_no_hook_fops,
	  .error = -ENODEV },
	{ .name = "append_only_backing_inode_mapped_shared", .fops = &mp_inner_fops,
	  .append_only = true, .error = -EACCES },
	{ .name = "append_only_backing_inode_mapped_private", .fops = &mp_inner_fops,
	  .append_only = true, .map_private = true },
};

KUNIT_ARRAY_PARAM_DESC(mp_backing_refusal, mp_backing_refusals, name);

static void backing_file_mmap_checks_backing_file(struct kunit *test)
{
	const struct mp_backing_refusal *r = test->param_value;
	const struct mp_behaviour *b = r->map_private ? &mp_plain_private : &mp_plain_shared;
	struct mp_ctx *ctx = test->priv;
	struct file *user_file, *file;
	struct mp_map *map;

	ctx->inner = mp_private_file(test, r->fops);
	user_file = mp_file(test, &mp_outer_fops[MP_BACKING]);
	if (r->append_only) {
		file_inode(ctx->inner)->i_flags |= S_APPEND;
		/* backing_file_open() itself refuses a writer that does not append. */
		if (IS_ENABLED(CONFIG_FS_STACK)) {
			file = mp_backing_file_open(user_file, O_RDWR, &ctx->inner->f_path);
			if (!IS_ERR(file))
				fput(file);
			KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(file), -EPERM);
		}
	}
	mp_backing_file(test, user_file, O_RDWR | (r->append_only ? O_APPEND : 0));
	map = mp_new_map(test, MP_BACKING, b, user_file);
	if (r->error)
		mp_expect_refused(test, map, r->error);
	else
		mp_map_and_check(test, map);
}

/* uio_mmap()'s own checks: the page offset names a map, which must be large enough. */
struct mp_uio_map {
	const char *name;
	unsigned int index;		/* of the device's one map */
	unsigned long size;
	int error;
};

static const struct mp_uio_map mp_uio_maps[] = {
	{ .name = "page_offset_names_no_map", .index = MP_PGOFF + 1, .size = MP_LEN,
	  .error = -EINVAL },
	{ .name = "map_smaller_than_mapping", .index = MP_PGOFF, .size = MP_LEN - PAGE_SIZE,
	  .error = -EINVAL },
	{ .name = "map_larger_than_mapping", .index = MP_PGOFF, .size = MP_LEN + PAGE_SIZE },
};

KUNIT_ARRAY_PARAM_DESC(mp_uio_map, mp_uio_maps, name);

static void uio_mmap_checks_map(struct kunit *test)
{
	const struct mp_uio_map *m = test->param_value;
	struct mp_map *map;

	map = mp_new_map(test, MP_UIO, &mp_plain_shared, mp_uio_file(test, m->index, m->size));
	if (m->error)
		mp_expect_refused(test, map, m->error);
	else
		mp_map_and_check(test, map);
}

/*
 * Real .mmap_prepare() hooks of the kernel, each mapped natively and through
 * the routes that hand a stacking caller's VMA to vfs_mmap() of the file: the
 * VMAs must agree, and the pages must be the file's.
 */
struct mp_real_file {
	const char *name;
	struct file *(*open)(struct kunit *test);
	bool map_private;
	bool zero_filled;	/* reads as zeros; written data is not the file's */
	bool own_vm_file;	/* the hook installs a file of its own (/dev/zero) */
	bool anonymous;		/* the VMA is anonymous (private /dev/zero) */
};

static struct file *mp_open_fs_file(struct kunit *test, const char *fs_name)
{
	return mp_open_at(test, mp_mount(test, fs_name), "file", O_CREAT | O_RDWR);
}

static struct file *mp_open_tmpfs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_TMPFS))
		kunit_skip(test, "needs CONFIG_TMPFS");
	return mp_open_fs_file(test, "tmpfs");
}

static struct file *mp_open_ramfs(struct kunit *test)
{
	return mp_open_fs_file(test, "ramfs");
}

static struct file *mp_open_memfd(struct kunit *test)
{
	struct file *file;

	if (!IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST) || !IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE and the suite built in (=y)");
	/* overlay-only: begin */
	if (!MP_HAVE_MEMFD_ALLOC)
		kunit_skip(test, "memfd_alloc_file() arrived in 6.19");
	/* overlay-only: end */
	file = mp_memfd_file("mmap_prepare_kunit");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

static struct file *mp_open_dev_zero(struct kunit *test)
{
	return mp_open_at(test, mp_devtmpfs(test), "zero", O_RDWR);
}

static const struct mp_real_file mp_real_files[] = {
	{ .name = "tmpfs_shared", .open = mp_open_tmpfs },
	{ .name = "tmpfs_private", .open = mp_open_tmpfs, .map_private = true },
	{ .name = "memfd_shared", .open = mp_open_memfd },
	{ .name = "ramfs_shared", .open = mp_open_ramfs },
	{ .name = "ramfs_private", .open = mp_open_ramfs, .map_private = true },
	/* shmem_zero_setup_desc(): a new shmem file becomes vm_file. */
	{ .name = "dev_zero_shared", .open = mp_open_dev_zero,
	  .zero_filled = true, .own_vm_file = true },
	{ .name = "dev_zero_private", .open = mp_open_dev_zero, .map_private = true,
	  .zero_filled = true, .anonymous = true },
};

KUNIT_ARRAY_PARAM_DESC(mp_real_file, mp_real_files, name);

static const struct mp_behaviour mp_real_shared = {
	.name = "real_shared", .writable = true,
};

static const struct mp_behaviour mp_real_private = {
	.name = "real_private", .map_private = true, .writable = true,
};

/* The byte at offset 0 of page MP_FAULT_PAGE of the mapping at @addr. */
static u8 mp_peek(struct kunit *test, unsigned long addr)
{
	u8 byte = 0;

	KUNIT_EXPECT_EQ(test, copy_from_user(&byte, (void __user *)addr +
					     MP_FAULT_PAGE * PAGE_SIZE, 1), 0);
	return byte;
}

static void mp_poke(struct kunit *test, unsigned long addr, u8 byte)
{
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr + MP_FAULT_PAGE * PAGE_SIZE,
					   &byte, 1), 0);
}

struct mp_real_map {
	struct mp_map *map;
	long before[MP_NR_FILES];
	struct file *own;	/* the file the hook installed, referenced */
};

static const struct vm_operations_struct mp_probe_vm_ops = {};

/*
 * Who makes a MAP_PRIVATE mapping of /dev/zero anonymous decides what its VMA
 * maps. Up to 7.3 the hook does (vma_desc_set_anonymous(), on 6.19 a success
 * hook), and the anonymous VMA keeps /dev/zero as its file, for /proc/PID/maps.
 * Since "mm/vma: make MAP_PRIVATE-mapped /dev/zero mappings truly anonymous"
 * (the mm tree, October 2026) the hook leaves MAP_PRIVATE to core mm, and the
 * VMA maps no file at all. The kernel's rule is the hook's: does it touch a
 * private descriptor?
 */
static bool mp_hook_leaves_private_to_core(struct kunit *test, struct file *file)
{
	struct vm_area_desc desc = {
		.mm = current->mm, .end = MP_LEN, .vm_ops = &mp_probe_vm_ops,
	};
	u8 before[sizeof(desc)];

	mp_desc_set_flags(&desc, VM_READ | VM_WRITE | VM_MAYREAD | VM_MAYWRITE);
	mp_desc_set_vm_file(&desc, file);
	memcpy(before, &desc, sizeof(desc));
	KUNIT_ASSERT_EQ(test, file->f_op->mmap_prepare(&desc), 0);
	return !memcmp(&desc, before, sizeof(desc));
}

/*
 * Map @m's file through its route and check the VMA the real hook left;
 * @keeps_file: an anonymous VMA keeps the file it was mapped from.
 */
static void mp_real_map(struct kunit *test, const struct mp_real_file *r,
			struct mp_real_map *m, bool keeps_file)
{
	struct mp_map *map = m->map;
	struct file *files[MP_NR_FILES];
	const struct file *vm_file;

	mp_file_counts(map, files, m->before);
	mp_do_map(test, map);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(map->addr), "%s route: mmap() failed: %ld",
			       mp_route_names[map->route], (long)map->addr);
	mp_expect_accessed(test, map, 1);
	KUNIT_EXPECT_EQ(test, map->wrote_back, mp_outer_is_ours(map->route));
	vm_file = map->final.vm_file;
	if (map->wrote_back) {
		KUNIT_EXPECT_EQ(test, map->compat_ret, 0);
		KUNIT_EXPECT_PTR_EQ(test, map->writeback.vm_file, vm_file);
		KUNIT_EXPECT_PTR_EQ(test, map->writeback.vm_ops, map->final.vm_ops);
		KUNIT_EXPECT_EQ(test, map->writeback.pgoff, map->final.pgoff);
	}
	KUNIT_EXPECT_EQ(test, map->final.anonymous, r->anonymous);
	if (r->own_vm_file) {
		KUNIT_ASSERT_NOT_NULL(test, vm_file);
		KUNIT_EXPECT_PTR_NE(test, vm_file, map->file);
		KUNIT_EXPECT_PTR_NE(test, vm_file, map->inner);
		KUNIT_EXPECT_TRUE(test, shmem_mapping(vm_file->f_mapping));
		/* The VMA holds the only reference; the test takes a second. */
		m->own = get_file(map->final.vm_file);
		KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, m->own));
		KUNIT_EXPECT_EQ_MSG(test, file_count(m->own), 2,
				    "while mapped, %s route: references to the hook's file",
				    mp_route_names[map->route]);
	} else if (keeps_file) {
		KUNIT_EXPECT_PTR_EQ(test, vm_file, map->inner);
	} else {
		KUNIT_EXPECT_PTR_EQ_MSG(test, vm_file, NULL,
					"%s route: a truly anonymous mapping has no file",
					mp_route_names[map->route]);
	}
	mp_expect_counts(test, map, "while mapped", m->before, vm_file);
	KUNIT_EXPECT_EQ(test, mp_peek(test, map->addr),
			r->zero_filled ? 0 : MP_PATTERN + MP_FAULT_PAGE);
}

static void mp_real_unmap(struct kunit *test, struct mp_real_map *m)
{
	KUNIT_ASSERT_EQ(test, vm_munmap(m->map->addr, MP_LEN), 0);
	mp_expect_counts(test, m->map, "after munmap()", m->before, NULL);
	if (!m->own)
		return;
	KUNIT_EXPECT_EQ_MSG(test, file_count(m->own), 1,
			    "after munmap(), %s route: references to the hook's file",
			    mp_route_names[m->map->route]);
	mp_drop_leaked(m->own, 1);
}

static void mp_real_case(struct kunit *test, enum mp_route route)
{
	const struct mp_real_file *r = test->param_value;
	const struct mp_behaviour *b = r->map_private ? &mp_real_private : &mp_real_shared;
	struct mp_real_map native = {}, via = {};
	struct mp_ctx *ctx = test->priv;
	bool keeps_file = true;
	int map_count = current->mm->map_count;
	u8 byte = MP_PATTERN + MP_FAULT_PAGE;
	loff_t pos = (MP_PGOFF + MP_FAULT_PAGE) * PAGE_SIZE;
	bool shares;

	ctx->inner = r->open(test);
	/* compat_vma_mmap() is for files that have the hook: 6.18's shmem has .mmap(). */
	if (!ctx->inner->f_op->mmap_prepare)
		kunit_skip(test, "%s has .mmap(), not .mmap_prepare(), on this kernel", r->name);
	if (!r->zero_filled)
		KUNIT_ASSERT_EQ(test, kernel_write(ctx->inner, &byte, 1, &pos), 1);
	if (r->anonymous)
		keeps_file = !mp_hook_leaves_private_to_core(test, ctx->inner);

	native.map = mp_new_map(test, MP_NATIVE, b, ctx->inner);
	mp_real_map(test, r, &native, keeps_file);
	if (route != MP_NATIVE) {
		via.map = mp_new_map(test, route, b, mp_route_file(test, route));
		mp_real_map(test, r, &via, keeps_file);
		mp_expect_same_vma(test, &via.map->final, &native.map->final, VM_MAYEXEC);
		/* A write through one mapping shows in the other if both map the file. */
		shares = !r->map_private && !r->own_vm_file;
		mp_poke(test, via.map->addr, ~byte);
		KUNIT_EXPECT_EQ_MSG(test, mp_peek(test, native.map->addr),
				    (u8)(shares ? ~byte : r->zero_filled ? 0 : byte),
				    "native mapping after a write through the %s route's",
				    mp_route_names[route]);
		mp_real_unmap(test, &via);
	}
	mp_real_unmap(test, &native);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
}

static void real_hook_native_mmap_prepare(struct kunit *test)
{
	mp_real_case(test, MP_NATIVE);
}

static void real_hook_nested_vfs_mmap(struct kunit *test)
{
	mp_real_case(test, MP_NESTED);
}

static void real_hook_direct_compat_vma_mmap(struct kunit *test)
{
	mp_real_case(test, MP_COMPAT_VMA_MMAP);
}

static void real_hook_backing_file_mmap(struct kunit *test)
{
	mp_real_case(test, MP_BACKING);
}

#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS) && IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST)
/*
 * Fault injection: map with the n-th allocation inside mmap() failing, for
 * n = 1, 2, ... until mmap() gets through with no failure injected, as
 * syzkaller's fail-nth does through /proc/thread-self/fail-nth, which sets
 * current->fail_nth. After each attempt: the error, no VMA, map_count and every
 * file reference back, no ->close(); or, where the kernel recovered, a whole
 * mapping. The kernel log names each failure's call site (mpk reports them).
 */
#define MP_FAULT_MAX		200	/* allocations one mmap() may make */

/* failslab and fail_page_alloc settings for the sweep, and their defaults. */
static const char * const mp_fault_knobs[][2] = {
	/* Fail GFP_KERNEL allocations too: by default only atomic ones fail. */
	{ "failslab/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	/* Page tables are order 0, which fail_page_alloc skips by default. */
	{ "fail_page_alloc/min-order", "0" },
	/* A stack for every injected failure, unlimited: the call sites. */
	{ "failslab/verbose", "2" },
	{ "fail_page_alloc/verbose", "2" },
	{ "failslab/verbose_ratelimit_interval_ms", "0" },
	{ "fail_page_alloc/verbose_ratelimit_interval_ms", "0" },
};

struct mp_fault_settings {
	struct vfsmount *debugfs;
	struct mm_struct *mm;	/* the test's, held for the user buffer */
	char old[ARRAY_SIZE(mp_fault_knobs)][16];
};

/* Runs in KUnit's cleanup thread, which has no mm: it borrows the test's. */
static void mp_fault_settings_restore(void *data)
{
	struct mp_fault_settings *f = data;
	bool borrow = !current->mm;
	int i;

	if (borrow)
		kthread_use_mm(f->mm);
	for (i = 0; i < ARRAY_SIZE(mp_fault_knobs); i++)
		mp_debugfs_write(f->debugfs, mp_fault_knobs[i][0], f->old[i]);
	if (borrow)
		kthread_unuse_mm(f->mm);
	mmput(f->mm);
}

/* Set the knobs through a debugfs mount of the test's own, until the case ends. */
static void mp_fault_settings(struct kunit *test)
{
	struct mp_fault_settings *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	int i;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->debugfs = mp_mount(test, "debugfs");
	for (i = 0; i < ARRAY_SIZE(mp_fault_knobs); i++)
		KUNIT_ASSERT_GT_MSG(test, mp_debugfs_rw(f->debugfs, mp_fault_knobs[i][0], f->old[i],
							sizeof(f->old[i]) - 1, false), 0,
				    "%s", mp_fault_knobs[i][0]);
	/* The test's thread, and its mm with it, is gone when the cleanup runs. */
	f->mm = current->mm;
	mmget(f->mm);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fault_settings_restore, f));
	for (i = 0; i < ARRAY_SIZE(mp_fault_knobs); i++)
		KUNIT_ASSERT_EQ_MSG(test, 0, mp_debugfs_write(f->debugfs, mp_fault_knobs[i][0],
							      mp_fault_knobs[i][1]),
				    "%s", mp_fault_knobs[i][0]);
}

/*
 * Map once with the n-th fault point failing. False if mmap() passed fewer
 * than n fault points, so that nothing failed (the mapping is undone).
 */
static bool mp_fault_attempt(struct kunit *test, const char *sweep, struct mp_map *map, int n)
{
	bool closes = map->behaviour->changes & MP_INSTALLS_CLOSE;
	int map_count = current->mm->map_count;
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	struct vm_area_struct *vma;
	unsigned int left;
	char when[32];

	mp_file_counts(map, files, before);
	mp_ctx()->cur = map;
	WRITE_ONCE(current->fail_nth, n);
	map->addr = mp_vm_mmap(map->file, map->behaviour->map_private, false);
	left = READ_ONCE(current->fail_nth);
	WRITE_ONCE(current->fail_nth, 0);
	if (left) {
		/* mp_map_and_check() maps again, with all its checks. */
		if (!IS_ERR_VALUE(map->addr))
			KUNIT_EXPECT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
		mp_expect_counts(test, map, "after munmap()", before, NULL);
		return false;
	}
	/* After the kernel's stack of the failure: mpk pairs them. */
	kunit_info(test, "sweep %s fail_nth %d: mmap() %ld, hook ran %d time(s)\n", sweep, n,
		   IS_ERR_VALUE(map->addr) ? (long)map->addr : 0L, map->hook_calls);
	snprintf(when, sizeof(when), "fail_nth %d", n);
	if (IS_ERR_VALUE(map->addr)) {
		KUNIT_EXPECT_LT_MSG(test, (long)map->addr, 0L, "%s", when);
		if (map->hook_calls) {
			mmap_read_lock(current->mm);
			vma = find_vma_intersection(current->mm, map->seen.start, map->seen.end);
			mmap_read_unlock(current->mm);
			KUNIT_EXPECT_NULL_MSG(test, vma, "%s: failed mmap() left a VMA", when);
		}
		KUNIT_EXPECT_EQ_MSG(test, current->mm->map_count, map_count, "%s", when);
		mp_expect_counts(test, map, when, before, NULL);
		KUNIT_EXPECT_EQ_MSG(test, map->closes, 0,
				    "%s, %s route: ->close() of a failed mapping", when,
				    mp_route_names[map->route]);
		return true;
	}
	/* The kernel got round the failure: the mapping must be whole. */
	KUNIT_EXPECT_EQ_MSG(test, map->hook_calls, 1, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, current->mm->map_count, map_count + 1, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, vm_munmap(map->addr, MP_LEN), 0, "%s", when);
	mp_expect_counts(test, map, when, before, NULL);
	KUNIT_EXPECT_EQ_MSG(test, map->closes, closes, "%s: ->close() at munmap()", when);
	return true;
}

/* The rows swept on each route, from either behaviour table. */
struct mp_sweep_row {
	const char *name;
	bool action;
};

static const struct mp_sweep_row mp_sweep_rows[] = {
	{ .name = "hook_changes_nothing" },
	{ .name = "hook_replaces_vm_file" },
	{ .name = "hook_installs_vm_ops_with_close" },
	{ .name = "remap_pfn_of_test_pages", .action = true },
	{ .name = "map_kernel_pages_array", .action = true },
	{ .name = "vm_ops_mapped_called_once", .action = true },
};

KUNIT_ARRAY_PARAM_DESC(mp_sweep_row, mp_sweep_rows, name);

static const struct mp_behaviour *mp_behaviour_named(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(mp_behaviours); i++)
		if (!strcmp(mp_behaviours[i].name, name))
			return &mp_behaviours[i];
	for (i = 0; i < ARRAY_SIZE(mp_action_behaviours); i++)
		if (!strcmp(mp_action_behaviours[i].name, name))
			return &mp_action_behaviours[i];
	return NULL;
}

static void mp_sweep_case(struct kunit *test, enum mp_route route)
{
	const struct mp_sweep_row *row = test->param_value;
	const struct mp_behaviour *b = mp_behaviour_named(row->name);
	char sweep[KUNIT_PARAM_DESC_SIZE];
	struct mp_ctx *ctx = test->priv;
	int n, injected = 0;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL(test, b);
	if (row->action && (route == MP_COMPAT_SPLIT || route == MP_UIO))
		kunit_skip(test, "no action rows on the uio/hv routes, as in the route cases");
	/* overlay-only: begin */
	mp_skip_missing_features(test, route, b);
	/* overlay-only: end */
	snprintf(sweep, sizeof(sweep), "%s-%s", mp_route_names[route], row->name);
	if (route == MP_BACKING)
		ctx->inner = mp_private_file(test, &mp_inner_fops);
	file = route == MP_NATIVE ? ctx->inner : mp_route_file(test, route);
	mp_fault_settings(test);
	for (n = 1; n <= MP_FAULT_MAX; n++) {
		if (!mp_fault_attempt(test, sweep, mp_new_map(test, route, b, file), n))
			break;
		injected++;
	}
	kunit_info(test, "sweep %s: %d fault point(s)\n", sweep, injected);
	KUNIT_EXPECT_LE_MSG(test, n, MP_FAULT_MAX, "mmap() never got through");
	/* At least the VMA and the maple tree nodes are allocated. */
	KUNIT_EXPECT_GE(test, injected, 2);
	/* With nothing injected: every check of the route cases. */
	mp_map_and_check(test, mp_new_map(test, route, b, file));
}

static void fault_injection_sweep_native(struct kunit *test)
{
	mp_sweep_case(test, MP_NATIVE);
}

static void fault_injection_sweep_nested(struct kunit *test)
{
	mp_sweep_case(test, MP_NESTED);
}

static void fault_injection_sweep_shm_shaped(struct kunit *test)
{
	mp_sweep_case(test, MP_SHM);
}

static void fault_injection_sweep_compat_vma_mmap(struct kunit *test)
{
	mp_sweep_case(test, MP_COMPAT_VMA_MMAP);
}

static void fault_injection_sweep___compat_vma_mmap(struct kunit *test)
{
	mp_sweep_case(test, MP_COMPAT_SPLIT);
}

static void fault_injection_sweep_backing_file_mmap(struct kunit *test)
{
	mp_sweep_case(test, MP_BACKING);
}

static void fault_injection_sweep_uio_mmap(struct kunit *test)
{
	mp_sweep_case(test, MP_UIO);
}
#endif

#if IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST)
/*
 * kmemleak only reports objects older than 5 s, and scans on a 10-minute
 * timer, long after the suite's boot has ended: so the last case waits, has
 * kmemleak scan, and reads its report through a debugfs mount of its own. The
 * rest of the boot is not the suite's to judge: a leak counts if a case's
 * thread (kunit_try_catch) allocated it.
 */
#define MP_KMEMLEAK_AGE_MS	6000	/* kmemleak's minimum age, and some */
#define MP_KMEMLEAK_REPORT	(64 * 1024)

static void kmemleak_finds_no_leak_of_the_suite(struct kunit *test)
{
	struct vfsmount *debugfs = mp_mount(test, "debugfs");
	char *report = kunit_kzalloc(test, MP_KMEMLEAK_REPORT, GFP_KERNEL);
	char *block, *next;
	int leaks = 0;

	KUNIT_ASSERT_NOT_NULL(test, report);
	msleep(MP_KMEMLEAK_AGE_MS);
	/* The first scan only records each new object's checksum: scan twice. */
	KUNIT_ASSERT_EQ(test, mp_debugfs_write(debugfs, "kmemleak", "scan"), 0);
	KUNIT_ASSERT_EQ(test, mp_debugfs_write(debugfs, "kmemleak", "scan"), 0);
	KUNIT_ASSERT_GE(test, mp_debugfs_rw(debugfs, "kmemleak", report, MP_KMEMLEAK_REPORT - 1,
					    false), 0);
	for (block = strstr(report, "unreferenced object"); block; block = next) {
		next = strstr(block + 1, "unreferenced object");
		if (next)
			next[-1] = '\0';
		if (!strstr(block, "comm \"kunit_try_catch\""))
			continue;
		if (!leaks++)
			kunit_info(test, "first leak:\n%s\n", block);
	}
	KUNIT_EXPECT_EQ_MSG(test, leaks, 0, "kmemleak: objects allocated by a case, never freed");
}
#endif

static int mmap_prepare_compat_init(struct kunit *test)
{
	struct mp_ctx *ctx;
	struct page *page;
	void *slab;
	int i;

	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	test->priv = ctx;
	KUNIT_ASSERT_EQ(test, kunit_attach_mm(), 0);

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

static struct kunit_case mmap_prepare_compat_cases[] = {
	KUNIT_CASE_PARAM(native_mmap_prepare, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(nested_vfs_mmap_backing_file, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(nested_vfs_mmap_shm_shaped, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(direct_compat_vma_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(direct___compat_vma_mmap,
			 mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_native_mmap_prepare, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_nested_vfs_mmap_backing_file, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_nested_vfs_mmap_shm_shaped, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_direct_compat_vma_mmap, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(backing_file_mmap_of_backing_file, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_backing_file_mmap_of_backing_file,
			 mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(uio_mmap_of_uio_device, mp_behaviour_gen_params),
	/*
	 * No action cases for the uio/hv route: __compat_vma_mmap() keeps
	 * hide_from_rmap_until_complete, which compat_vma_mmap() clears, so
	 * the remap_hidden_from_rmap_until_complete row would release an rmap
	 * lock never taken and corrupt the anon inode's rwsem: a hang, not a
	 * failure. The other rows would need a table of their own.
	 */
	KUNIT_CASE(action_complete_refuses_undelegated_io_remap),
	KUNIT_CASE(can_mmap_file_accepts_exactly_one_hook),
	KUNIT_CASE(can_mmap_file_rejects_both_hooks),
	KUNIT_CASE(can_mmap_file_rejects_no_hook),
	KUNIT_CASE(sysv_shm_attach_twice_shares_pages),
	KUNIT_CASE_PARAM(backing_file_mmap_checks_backing_file, mp_backing_refusal_gen_params),
	KUNIT_CASE_PARAM(uio_mmap_checks_map, mp_uio_map_gen_params),
	KUNIT_CASE_PARAM(real_hook_native_mmap_prepare, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_nested_vfs_mmap, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_direct_compat_vma_mmap, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_backing_file_mmap, mp_real_file_gen_params),
#if IS_ENABLED(CONFIG_FAULT_INJECTION_DEBUG_FS) && IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST)
	KUNIT_CASE_PARAM(fault_injection_sweep_native, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep_nested, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep_shm_shaped, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep_compat_vma_mmap, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep___compat_vma_mmap, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep_backing_file_mmap, mp_sweep_row_gen_params),
	KUNIT_CASE_PARAM(fault_injection_sweep_uio_mmap, mp_sweep_row_gen_params),
#endif
#if IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) && IS_BUILTIN(CONFIG_MMAP_PREPARE_KUNIT_TEST)
	/* Last: the leaks of every case before it. */
	KUNIT_CASE_SLOW(kmemleak_finds_no_leak_of_the_suite),
#endif
	{}
};

static struct kunit_suite mmap_prepare_compat_suite = {
	.name = "mmap_prepare_compat",
	.init = mmap_prepare_compat_init,
	.test_cases = mmap_prepare_compat_cases,
};

kunit_test_suite(mmap_prepare_compat_suite);

MODULE_DESCRIPTION("KUnit tests for the mmap_prepare compatibility layer");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("EXPORTED_FOR_KUNIT_TESTING");
