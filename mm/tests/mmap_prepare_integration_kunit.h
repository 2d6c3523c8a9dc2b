/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * What the suites that map through the kernel's real stacking callers share:
 * backing_file_mmap() of a backing_file_open() file, and uio_mmap() of a real
 * uio device, each with the synthetic hook underneath. Built in only: they
 * mount file systems of their own, and put_filesystem() is not exported.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_INTEGRATION_KUNIT_H
#define _MM_TESTS_MMAP_PREPARE_INTEGRATION_KUNIT_H

#include "mmap_prepare_compat_kunit.h"

/* overlayfs and FUSE passthrough: mmap() of the user file maps the backing file. */
static inline void mp_accessed(struct file *user_file)
{
	struct mp_ctx *ctx = mp_ctx();
	struct mp_map *map = ctx ? ctx->cur : NULL;

	if (!map)
		return;
	map->accessed++;
	map->accessed_file = user_file;
}

static inline int mp_backing_mmap(struct file *file, struct vm_area_struct *vma)
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
static inline int mp_uio_mmap_prepare(struct uio_info *info, struct vm_area_desc *desc)
{
	return mp_mmap_prepare(desc);
}

static const struct file_operations mp_backing_fops = {
	.owner = THIS_MODULE,
	.mmap = mp_backing_mmap,
};

/*
 * A file whose inode's i_fop are @fops: vfs_open() of its path, as
 * backing_file_open() does it, then finds the hooks.
 */
static inline struct file *mp_private_file(struct kunit *test, const struct file_operations *fops)
{
	struct file *file = mp_file(test, fops);

	file_inode(file)->i_fop = fops;
	return file;
}

KUNIT_DEFINE_ACTION_WRAPPER(mp_kern_unmount, kern_unmount, struct vfsmount *);

/*
 * A private mount of @fs_name, which no path outside the test reaches. For the
 * suites that are built in: put_filesystem() is not exported.
 */
static inline struct vfsmount *mp_mount(struct kunit *test, const char *fs_name)
{
	struct file_system_type *type;
	struct vfsmount *mnt;

	type = get_fs_type(fs_name);
	KUNIT_ASSERT_NOT_NULL_MSG(test, type, "no file system %s", fs_name);
	mnt = kern_mount(type);
	put_filesystem(type);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, mnt);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_kern_unmount, mnt));
	return mnt;
}

/* @name under @mnt, opened as open(2) would open it. */
static inline struct file *mp_open_at(struct kunit *test, struct vfsmount *mnt, const char *name,
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
static inline struct vfsmount *mp_devtmpfs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEVTMPFS))
		kunit_skip(test, "needs CONFIG_DEVTMPFS to open device nodes");
	return mp_mount(test, "devtmpfs");
}

/* backing_file_open() of ctx->inner under @user_file, as overlayfs opens one. */
static inline struct file *mp_backing_file(struct kunit *test, struct file *user_file, int flags)
{
	struct mp_ctx *ctx = test->priv;
	struct file *file;

	if (!IS_ENABLED(CONFIG_FS_STACK))
		kunit_skip(test, "needs CONFIG_FS_STACK (overlayfs or FUSE passthrough)");
	file = backing_file_open(user_file, flags, &ctx->inner->f_path, current_cred());
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	ctx->backing = file;
	return file;
}

KUNIT_DEFINE_ACTION_WRAPPER(mp_uio_unregister, uio_unregister_device, struct uio_info *);

/* A uio device with one map, of @size bytes at @index; its char device, opened. */
static inline struct file *mp_uio_file(struct kunit *test, unsigned int index, unsigned long size)
{
	struct vfsmount *mnt;
	struct uio_info *info;
	struct device *parent;

	if (!IS_REACHABLE(CONFIG_UIO))
		kunit_skip(test, "needs CONFIG_UIO (built in, if the suite is)");
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
	info->mmap_prepare = mp_uio_mmap_prepare;
	KUNIT_ASSERT_EQ(test, 0, uio_register_device(parent, info));
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_uio_unregister, info));
	return mp_open_at(test, mnt, dev_name(&info->uio_dev->dev), O_RDWR);
}

/* backing_file_open() opens the inner file's path: give it an inode of its own. */
static inline void mp_setup_backing(struct kunit *test)
{
	struct mp_ctx *ctx = test->priv;

	ctx->inner = mp_private_file(test, &mp_inner_fops);
}

/* A user file whose .mmap() maps a backing_file_open() file of ctx->inner. */
static inline struct file *mp_open_backing(struct kunit *test, const struct mp_route *route)
{
	struct file *file = mp_file(test, route->fops);

	mp_backing_file(test, file, O_RDWR);
	return file;
}

/* The char device of a uio device whose map MP_PGOFF is MP_LEN bytes. */
static inline struct file *mp_open_uio(struct kunit *test, const struct mp_route *route)
{
	return mp_uio_file(test, MP_PGOFF, MP_LEN);
}

enum mp_caller {
	MP_BACKING,		/* the real backing_file_mmap(), on a backing_file_open() file */
	MP_UIO,			/* the real uio_mmap(), of an opened uio device */
};

/* The real callers, and what each means for the hook and the VMA. */
static const struct mp_route mp_callers[] = {
	[MP_BACKING] = {
		.name = "backing_file_mmap", .setup = mp_setup_backing, .open = mp_open_backing,
		.fops = &mp_backing_fops, .records_writeback = true, .backing_file = true,
	},
	[MP_UIO] = {
		.name = "uio_mmap", .open = mp_open_uio, .outer_is_desc_file = true,
		.outer_keeps_vm_file = true, .runs_hook_itself = true,
		/* A device node is not on a noexec mount, unlike the anon inodes. */
		.mount_flags = VM_MAYEXEC,
	},
};

/* The route's caller refused the mapping before any hook ran. */
static inline void mp_expect_refused(struct kunit *test, struct mp_map *map, int error)
{
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	int map_count = current->mm->map_count;

	mp_file_counts(map, files, before);
	mp_do_map(test, map);
	KUNIT_EXPECT_EQ_MSG(test, (long)map->addr, (long)error, "%s route: mmap() error",
			    map->route->name);
	KUNIT_EXPECT_EQ(test, map->hook_calls, 0);
	mp_expect_accessed(test, map, 0);
	if (!IS_ERR_VALUE(map->addr))
		vm_munmap(map->addr, MP_LEN);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	mp_expect_counts(test, map, "after failed mmap()", before, NULL);
}

#endif /* _MM_TESTS_MMAP_PREPARE_INTEGRATION_KUNIT_H */
