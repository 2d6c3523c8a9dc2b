/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel API of the mmap_prepare compat layer, as mmap_prepare_kunit.c
 * uses it: the Linux 6.17 backport. mpk apply installs it instead of the
 * suite's own header when the tree is 6.17 (compat_vma_mmap_prepare(),
 * vm_flags_t descriptors, no mmap actions; the descriptor has one file,
 * desc->file, the one the VMA will map, and no route for a hook of the
 * caller's choice).
 *
 * Included once, by mmap_prepare_kunit.c, after its own definitions.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_KUNIT_API_H
#define _MM_TESTS_MMAP_PREPARE_KUNIT_API_H

/* What this kernel offers; a case whose feature is missing is skipped. */
#define MP_HAVE_ACTIONS		false	/* mmap actions and vm_ops->mapped() */
#define MP_DESC_HAS_VM_OPS	false	/* desc->vm_ops pre-filled, may be cleared */
#define MP_HAVE_OVERRIDE_CHECK	false	/* error_override, checked by the kernel */
#define MP_HAVE_WARN_SUPPRESS	false	/* kunit_warning_suppress() */
#define MP_HAVE_UIO_HOOK	false	/* uio_info->mmap_prepare() */
#define MP_HAVE_MEMFD_ALLOC	false	/* memfd_alloc_file() */
#define MP_DESC_HAS_FILE	false	/* desc->file apart from desc->vm_file */
#define MP_HAVE_SPLIT_ROUTE	false	/* a hook of the caller's choice (uio/hv) */

/* Never entered: the cases that would need it are skipped first. */
#ifndef kunit_warning_suppress	/* never shadow KUnit's own */
#define kunit_warning_suppress(test)		for ((void)(test); false; )
#define KUNIT_SUPPRESSED_WARNING_COUNT()	0
#define KUNIT_EXPECT_SUPPRESSED_WARNING_COUNT(test, n)	do { } while (0)
#endif

static inline vm_flags_t mp_desc_flags(const struct vm_area_desc *desc)
{
	return desc->vm_flags;
}

static inline void mp_desc_set_flags(struct vm_area_desc *desc, vm_flags_t flags)
{
	desc->vm_flags = flags;
}

static inline struct file *mp_desc_file(const struct vm_area_desc *desc)
{
	return desc->file;
}

static inline struct file *mp_desc_vm_file(const struct vm_area_desc *desc)
{
	return desc->file;
}

static inline void mp_desc_set_vm_file(struct vm_area_desc *desc, struct file *file)
{
	desc->file = file;
}

/* The mapping takes its own reference on a hook's new vm_file. */
static inline struct file *mp_new_vm_file(struct file *file)
{
	return file;
}

static inline int mp_compat_vma_mmap(struct file *file, struct vm_area_struct *vma)
{
	return compat_vma_mmap_prepare(file, vma);
}

/* No such route before 6.18: the cases that would take it skip first. */
static inline int mp_compat_split(const struct file_operations *f_op, struct file *file,
				  struct vm_area_struct *vma)
{
	return -EOPNOTSUPP;
}

static inline bool mp_desc_action_is_nothing(const struct vm_area_desc *desc)
{
	return true;
}

static inline void mp_request_action(struct vm_area_desc *desc, unsigned int changes,
				     struct page **pages, struct page **slab_pages)
{
}

/* No mmap actions: the case that would call it is skipped first. */
static inline int mp_complete_undelegated(struct vm_area_struct *vma, bool simple)
{
	return -EOPNOTSUPP;
}

/* No vm_operations_struct member for it. */
#define MP_MAPPED_HOOK(fn)

/* backing_file_open() takes the user file's path in 6.17. */
static inline struct file *mp_backing_file_open(struct file *user_file, int flags,
						const struct path *real_path)
{
	return backing_file_open(&user_file->f_path, flags, real_path, current_cred());
}

/* uio's mmap_prepare() arrived in 7.1: never called, the cases skip first. */
static inline void mp_uio_set_mmap_prepare(struct uio_info *info,
					   int (*fn)(struct uio_info *, struct vm_area_desc *))
{
}

static inline struct file *mp_memfd_file(const char *name)
{
	return ERR_PTR(-EOPNOTSUPP);
}

/* No mmap actions: the rows that would call it are skipped first. */
static inline void mp_request_remap_past_end(struct vm_area_desc *desc, struct page *page)
{
}

#endif /* _MM_TESTS_MMAP_PREPARE_KUNIT_API_H */
