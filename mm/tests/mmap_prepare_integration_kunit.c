// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit integration tests for mmap_prepare: the kernel's real stacking
 * callers, and real .mmap_prepare() hooks.
 *
 *  - backing_file_mmap() of a backing_file_open() file, as overlayfs and FUSE
 *    passthrough map, and uio_mmap() of a real uio device, each with the
 *    synthetic hook's rows underneath, and their own checks of the file or
 *    map before any hook runs;
 *  - SysV shm, whose shm_mmap() runs shmem's hook through the compat layer;
 *  - the hooks of tmpfs, memfd, ramfs, /dev/zero, a block device (a RAM
 *    disk), a relay file and /dev/mem, mapped natively, and through stacking
 *    shapes and backing_file_mmap() compared with that;
 *  - real hooks that refuse a mapping (relay's, mtdchar's) on those routes;
 *  - fork() of a mapping, made natively and through the stacking shapes.
 *
 * Built in only: it mounts file systems (put_filesystem()), attaches SysV
 * shm, and forks with dup_mmap(), none of which is exported.
 */

#include <linux/ipc_namespace.h>
#include <linux/nsproxy.h>
#include <linux/shm.h>
#include <linux/syscalls.h>

#include "../internal.h"
#include "mmap_prepare_hooks_kunit.h"

KUNIT_ARRAY_PARAM_DESC(mp_behaviour, mp_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_action_behaviour, mp_action_behaviours, name);
KUNIT_ARRAY_PARAM_DESC(mp_life_behaviour, mp_life_behaviours, name);

/* overlayfs and FUSE passthrough: the rows through backing_file_mmap(). */
static void real_backing_file_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_callers[MP_BACKING]);
}

static void action_real_backing_file_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_callers[MP_BACKING]);
}

/* A uio driver with the synthetic hook: the rows through uio_mmap(). */
static void real_uio_mmap(struct kunit *test)
{
	mp_stacked_case(test, &mp_callers[MP_UIO]);
}

/*
 * SysV shm, the compat layer's busiest user: shm_mmap() calls vfs_mmap() on
 * the shmem file, whose .mmap_prepare() then runs through compat_vma_mmap().
 */
#if IS_ENABLED(CONFIG_SYSVIPC)
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
	kunit_skip(test, "needs CONFIG_SYSVIPC");
}
#endif

static const struct file_operations mp_no_hook_fops = {
	.owner = THIS_MODULE,
};

/* backing_file_mmap()'s own checks of the backing file, before any hook runs. */
struct mp_backing_refusal {
	const char *name;
	const struct file_operations *fops;	/* of the backing file's inode */
	bool append_only;
	bool map_private;
	int error;
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
	user_file = mp_file(test, &mp_backing_fops);
	if (r->append_only) {
		file_inode(ctx->inner)->i_flags |= S_APPEND;
		/* backing_file_open() itself refuses a writer that does not append. */
		if (IS_ENABLED(CONFIG_FS_STACK)) {
			file = backing_file_open(user_file, O_RDWR, &ctx->inner->f_path,
						 current_cred());
			if (!IS_ERR(file))
				fput(file);
			KUNIT_EXPECT_EQ(test, PTR_ERR_OR_ZERO(file), -EPERM);
		}
	}
	mp_backing_file(test, user_file, O_RDWR | (r->append_only ? O_APPEND : 0));
	map = mp_new_map(test, &mp_callers[MP_BACKING], b, user_file);
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
	struct file *file = mp_uio_file(test, m->index, m->size);
	struct mp_map *map;

	map = mp_new_map(test, &mp_callers[MP_UIO], &mp_plain_shared, file);
	if (m->error)
		mp_expect_refused(test, map, m->error);
	else
		mp_map_and_check(test, map);
}

/*
 * Real hooks (mmap_prepare_hooks_kunit.h), each mapped natively and through
 * the routes that hand a stacking caller's VMA to vfs_mmap() of the file.
 */
KUNIT_ARRAY_PARAM_DESC(mp_real_file, mp_real_files, name);

static void real_hook_native(struct kunit *test)
{
	mp_real_case(test, &mp_native);
}

static void real_hook_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_real_case(test, &mp_routes[MP_NESTED]);
}

static void real_hook_shape_compat_vma_mmap(struct kunit *test)
{
	mp_real_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void real_hook_backing_file_mmap(struct kunit *test)
{
	mp_real_case(test, &mp_callers[MP_BACKING]);
}

static void relay_file_native(struct kunit *test)
{
	mp_relay_case(test, &mp_native);
}

static void relay_file_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_relay_case(test, &mp_routes[MP_NESTED]);
}

static void relay_file_shape_compat_vma_mmap(struct kunit *test)
{
	mp_relay_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void relay_file_backing_file_mmap(struct kunit *test)
{
	mp_relay_case(test, &mp_callers[MP_BACKING]);
}

KUNIT_ARRAY_PARAM_DESC(mp_dev_mem_map, mp_dev_mem_maps, name);

static void dev_mem_native(struct kunit *test)
{
	mp_dev_mem_case(test, &mp_native);
}

static void dev_mem_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_dev_mem_case(test, &mp_routes[MP_NESTED]);
}

static void dev_mem_shape_compat_vma_mmap(struct kunit *test)
{
	mp_dev_mem_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void dev_mem_backing_file_mmap(struct kunit *test)
{
	mp_dev_mem_case(test, &mp_callers[MP_BACKING]);
}

KUNIT_ARRAY_PARAM_DESC(mp_real_refusal, mp_real_refusals, name);

static void real_hook_refuses_native(struct kunit *test)
{
	mp_real_refusal_case(test, &mp_native);
}

static void real_hook_refuses_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_real_refusal_case(test, &mp_routes[MP_NESTED]);
}

static void real_hook_refuses_shape_compat_vma_mmap(struct kunit *test)
{
	mp_real_refusal_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void real_hook_refuses_backing_file_mmap(struct kunit *test)
{
	mp_real_refusal_case(test, &mp_callers[MP_BACKING]);
}

KUNIT_DEFINE_ACTION_WRAPPER(mp_mmput, mmput, struct mm_struct *);

/*
 * fork() of a mapping a row's hook made through @route: dup_mmap(), the
 * copy of the VMAs that fork() makes (through dup_mm()), into a new mm. The
 * child gets the parent's VMA, with its own reference to the file and
 * ->open() called, unless the hook set VM_DONTCOPY; the child's exit closes
 * what it got.
 */
static void mp_fork_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_behaviour *b = test->param_value;
	struct mp_ctx *ctx = test->priv;
	bool copied = !(b->changes & MP_SETS_DONTCOPY);
	int open_close = copied && (b->changes & MP_INSTALLS_CLOSE);
	long before[MP_NR_FILES];
	struct mp_area child_area;
	struct mm_struct *child;
	struct mp_map *map;
	struct mp_vma e;
	bool found;
	int opens;

	map = mp_map_row(test, route, before, &e);
	opens = ctx->opens;

	child = mm_alloc();
	KUNIT_ASSERT_NOT_NULL(test, child);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_mmput, child));
	KUNIT_ASSERT_EQ(test, dup_mmap(child, current->mm), 0);

	found = mp_area_at(child, map->addr, &child_area);
	if (copied) {
		KUNIT_ASSERT_TRUE_MSG(test, found && child_area.start == map->addr &&
				      child_area.end == map->addr + MP_LEN,
				      "the child has no copy");
		mp_expect_vma(test, "child's VMA", &child_area.vma, map);
	} else {
		KUNIT_EXPECT_FALSE_MSG(test, found, "the child has a copy of a VM_DONTCOPY VMA");
	}
	mp_expect_file_refs(test, map, "forked", before, e.vm_file, copied ? 2 : 1);
	KUNIT_EXPECT_EQ_MSG(test, ctx->opens - opens, open_close, "vm_ops->open() in the child");

	kunit_release_action(test, mp_mmput, child);
	KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), open_close,
			    "vm_ops->close() at the child's exit");
	mp_expect_file_refs(test, map, "after the child's exit", before, e.vm_file, 1);
	KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
	mp_expect_counts(test, map, "after munmap()", before, NULL);
}

static void fork_copies_the_mapping(struct kunit *test)
{
	mp_fork_case(test, &mp_native);
}

/* A mapping made through a shape forks as a native one does. */
static void fork_shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_fork_case(test, &mp_routes[MP_NESTED]);
}

static void fork_shape_shm_vfs_mmap(struct kunit *test)
{
	mp_fork_case(test, &mp_routes[MP_SHM]);
}

static void fork_shape_compat_vma_mmap(struct kunit *test)
{
	mp_fork_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static struct kunit_case mmap_prepare_integration_cases[] = {
	KUNIT_CASE_PARAM(real_backing_file_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(action_real_backing_file_mmap, mp_action_behaviour_gen_params),
	KUNIT_CASE_PARAM(backing_file_mmap_checks_backing_file, mp_backing_refusal_gen_params),
	KUNIT_CASE_PARAM(real_uio_mmap, mp_behaviour_gen_params),
	KUNIT_CASE_PARAM(uio_mmap_checks_map, mp_uio_map_gen_params),
	KUNIT_CASE(sysv_shm_attach_twice_shares_pages),
	KUNIT_CASE_PARAM(real_hook_native, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_shape_backing_file_vfs_mmap, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_shape_compat_vma_mmap, mp_real_file_gen_params),
	KUNIT_CASE_PARAM(real_hook_backing_file_mmap, mp_real_file_gen_params),
	KUNIT_CASE(relay_file_native),
	KUNIT_CASE(relay_file_shape_backing_file_vfs_mmap),
	KUNIT_CASE(relay_file_shape_compat_vma_mmap),
	KUNIT_CASE(relay_file_backing_file_mmap),
	KUNIT_CASE_PARAM(dev_mem_native, mp_dev_mem_map_gen_params),
	KUNIT_CASE_PARAM(dev_mem_shape_backing_file_vfs_mmap, mp_dev_mem_map_gen_params),
	KUNIT_CASE_PARAM(dev_mem_shape_compat_vma_mmap, mp_dev_mem_map_gen_params),
	KUNIT_CASE_PARAM(dev_mem_backing_file_mmap, mp_dev_mem_map_gen_params),
	KUNIT_CASE_PARAM(real_hook_refuses_native, mp_real_refusal_gen_params),
	KUNIT_CASE_PARAM(real_hook_refuses_shape_backing_file_vfs_mmap, mp_real_refusal_gen_params),
	KUNIT_CASE_PARAM(real_hook_refuses_shape_compat_vma_mmap, mp_real_refusal_gen_params),
	KUNIT_CASE_PARAM(real_hook_refuses_backing_file_mmap, mp_real_refusal_gen_params),
	KUNIT_CASE_PARAM(fork_copies_the_mapping, mp_life_behaviour_gen_params),
	KUNIT_CASE_PARAM(fork_shape_backing_file_vfs_mmap, mp_life_behaviour_gen_params),
	KUNIT_CASE_PARAM(fork_shape_shm_vfs_mmap, mp_life_behaviour_gen_params),
	KUNIT_CASE_PARAM(fork_shape_compat_vma_mmap, mp_life_behaviour_gen_params),
	{}
};

static struct kunit_suite mmap_prepare_integration_suite = {
	.name = "mmap_prepare_integration",
	.init = mp_init,
	.test_cases = mmap_prepare_integration_cases,
};

kunit_test_suite(mmap_prepare_integration_suite);
