/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel API of the mmap_prepare compat layer, as mmap_prepare_kunit.c
 * uses it: the Linux 7.1 backport. mpk apply installs it instead of the
 * suite's own header when the tree is 7.1.
 *
 * Included once, by mmap_prepare_kunit.c, after its own definitions.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_KUNIT_API_H
#define _MM_TESTS_MMAP_PREPARE_KUNIT_API_H

/* What this kernel offers; a case whose feature is missing is skipped. */
#define MP_HAVE_ACTIONS		true	/* mmap actions and vm_ops->mapped() */
#define MP_DESC_HAS_VM_OPS	false	/* desc->vm_ops pre-filled, may be cleared */
#define MP_HAVE_OVERRIDE_CHECK	false	/* error_override, checked by the kernel */
#define MP_HAVE_WARN_SUPPRESS	false	/* kunit_warning_suppress() */
#define MP_HAVE_UIO_HOOK	true	/* uio_info->mmap_prepare() */
#define MP_HAVE_MEMFD_ALLOC	true	/* memfd_alloc_file() */
#define MP_DESC_HAS_FILE	true	/* desc->file apart from desc->vm_file */
#define MP_HAVE_SPLIT_ROUTE	true	/* a hook of the caller's choice (uio/hv) */

/* Never entered: the cases that would need it are skipped first. */
#ifndef kunit_warning_suppress	/* never shadow KUnit's own */
#define kunit_warning_suppress(test)		for ((void)(test); false; )
#define KUNIT_SUPPRESSED_WARNING_COUNT()	0
#define KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, n)	do { } while (0)
#endif

static inline vm_flags_t mp_desc_flags(const struct vm_area_desc *desc)
{
	return vma_flags_to_legacy(desc->vma_flags);
}

static inline void mp_desc_set_flags(struct vm_area_desc *desc, vm_flags_t flags)
{
	desc->vma_flags = legacy_to_vma_flags(flags);
}

static inline struct file *mp_desc_file(const struct vm_area_desc *desc)
{
	return desc->file;
}

static inline struct file *mp_desc_vm_file(const struct vm_area_desc *desc)
{
	return desc->vm_file;
}

static inline void mp_desc_set_vm_file(struct vm_area_desc *desc, struct file *file)
{
	desc->vm_file = file;
}

/* A hook's new vm_file comes with a reference the mapping takes over. */
static inline struct file *mp_new_vm_file(struct file *file)
{
	return get_file(file);
}

static inline int mp_compat_vma_mmap(struct file *file, struct vm_area_struct *vma)
{
	return compat_vma_mmap(file, vma);
}

/* uio/hv: descriptor from the VMA, a hook of the driver's choice, write-back. */
static inline int mp_compat_split(const struct file_operations *f_op, struct file *file,
				  struct vm_area_struct *vma)
{
	struct vm_area_desc desc;
	int ret;

	compat_set_desc_from_vma(&desc, file, vma);
	ret = f_op->mmap_prepare(&desc);
	if (!ret)
		ret = __compat_vma_mmap(&desc, vma);
	return ret;
}

/* Far past the last enum mmap_action_type, so no future kernel knows it. */
#define MP_UNKNOWN_ACTION_TYPE	0x7f

static inline bool mp_desc_action_is_nothing(const struct vm_area_desc *desc)
{
	return desc->action.type == MMAP_NOTHING;
}

/* 7.1 filters an action's error through a hook, not error_override. */
static inline int mp_error_hook(int error)
{
	return MP_OVERRIDE_ERROR;
}

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
		desc->action.error_hook = mp_error_hook;
	if (changes & MP_ACTION_BAD_TYPE)
		desc->action.type = MP_UNKNOWN_ACTION_TYPE;
	if (changes & MP_HIDES_FROM_RMAP)
		desc->action.hide_from_rmap_until_complete = true;
}

/* mmap_action_complete() handed an I/O remap as the hook asked for it. */
static inline int mp_complete_undelegated(struct vm_area_struct *vma, bool simple)
{
	struct mmap_action action = {
		.type = simple ? MMAP_SIMPLE_IO_REMAP : MMAP_IO_REMAP_PFN,
	};

	return mmap_action_complete(vma, &action, /*is_compat=*/true);
}

/* The vm_operations_struct member, if the kernel has it. */
#define MP_MAPPED_HOOK(fn)	.mapped = (fn),

/* The user file whose mmap() maps the backing file: overlayfs's, FUSE's. */
static inline struct file *mp_backing_file_open(struct file *user_file, int flags,
						const struct path *real_path)
{
	return backing_file_open(user_file, flags, real_path, current_cred());
}

static inline void mp_uio_set_mmap_prepare(struct uio_info *info,
					   int (*fn)(struct uio_info *, struct vm_area_desc *))
{
	info->mmap_prepare = fn;
}

/* An unlinked shmem file, as memfd_create() makes it. */
static inline struct file *mp_memfd_file(const char *name)
{
	return memfd_alloc_file(name, 0);
}

/* A PFN remap one page too long, by hand: mmap_action_remap() WARNs about it. */
static inline void mp_request_remap_past_end(struct vm_area_desc *desc, struct page *page)
{
	desc->action.type = MMAP_REMAP_PFN;
	desc->action.remap.start = desc->start + PAGE_SIZE;
	desc->action.remap.start_pfn = page_to_pfn(page);
	desc->action.remap.size = vma_desc_size(desc);
	desc->action.remap.pgprot = desc->page_prot;
}

#endif /* _MM_TESTS_MMAP_PREPARE_KUNIT_API_H */
