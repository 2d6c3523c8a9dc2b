// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit fault-injection tests for mmap_prepare: each mapping of the
 * mmap_prepare suites, with the n-th allocation inside mmap() failing, for
 * n = 1, 2, ... until mmap() gets through with no failure injected, as
 * syzkaller's fail-nth does (current->fail_nth). After each attempt: the
 * error, no VMA, map_count and every file reference back, no ->close(); or,
 * where the kernel got round the failure, a whole mapping.
 *
 * Opt-in (CONFIG_MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST) and slow: it sets
 * failslab and fail_page_alloc through a debugfs mount of its own for the
 * duration of each case, and maps hundreds of times per case.
 */

#include <linux/kthread.h>

#include "mmap_prepare_integration_kunit.h"

/*
 * read(2) or write(2) of @len bytes of a debugfs file, at offset 0. Its files
 * take no kernel buffer (kernel_read() needs ->read_iter()), so the bytes go
 * through a user buffer in the test's mm, as they would from user space.
 */
static ssize_t mp_debugfs_rw(struct vfsmount *debugfs, const char *path,
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

static int mp_debugfs_write(struct vfsmount *debugfs, const char *path,
			    const char *value)
{
	ssize_t ret = mp_debugfs_rw(debugfs, path, (char *)value, strlen(value), true);

	return ret < 0 ? ret : 0;
}

#define MP_FAULT_MAX		200	/* allocations one mmap() may make */

/* failslab and fail_page_alloc settings for the sweep; restored after each case. */
static const char * const mp_fault_knobs[][2] = {
	/* Fail GFP_KERNEL allocations too: by default only atomic ones fail. */
	{ "failslab/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-wait", "N" },
	{ "fail_page_alloc/ignore-gfp-highmem", "N" },
	/* Page tables are order 0, which fail_page_alloc skips by default. */
	{ "fail_page_alloc/min-order", "0" },
	/* No stack trace per injected failure: there are hundreds. */
	{ "failslab/verbose", "0" },
	{ "fail_page_alloc/verbose", "0" },
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
static bool mp_fault_attempt(struct kunit *test, struct mp_map *map, int n)
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
		KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), 0,
				    "%s, %s route: ->close() of a failed mapping", when,
				    map->route->name);
		return true;
	}
	/* The kernel got round the failure: the mapping must be whole. */
	KUNIT_EXPECT_EQ_MSG(test, map->hook_calls, 1, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, current->mm->map_count, map_count + 1, "%s", when);
	KUNIT_EXPECT_EQ_MSG(test, vm_munmap(map->addr, MP_LEN), 0, "%s", when);
	mp_expect_counts(test, map, when, before, NULL);
	KUNIT_EXPECT_EQ_MSG(test, mp_closes(map), closes, "%s: ->close() at munmap()", when);
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

static void mp_sweep_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_sweep_row *row = test->param_value;
	const struct mp_behaviour *b = mp_behaviour_named(row->name);
	struct mp_ctx *ctx = test->priv;
	int n, injected = 0;
	struct file *file;

	KUNIT_ASSERT_NOT_NULL(test, b);
	if (row->action && route->runs_hook_itself)
		kunit_skip(test, "no action rows on the uio/hv routes, as in the route cases");
	if (route->setup)
		route->setup(test);
	file = route->open ? route->open(test, route) : ctx->inner;
	mp_fault_settings(test);
	for (n = 1; n <= MP_FAULT_MAX; n++) {
		if (!mp_fault_attempt(test, mp_new_map(test, route, b, file), n))
			break;
		injected++;
	}
	KUNIT_EXPECT_LE_MSG(test, n, MP_FAULT_MAX, "mmap() never got through");
	/* At least the VMA and the maple tree nodes are allocated. */
	KUNIT_EXPECT_GE(test, injected, 2);
	/* With nothing injected: every check of the route cases. */
	mp_map_and_check(test, mp_new_map(test, route, b, file));
}

static void native(struct kunit *test)
{
	mp_sweep_case(test, &mp_native);
}

static void shape_backing_file_vfs_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_routes[MP_NESTED]);
}

static void shape_shm_vfs_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_routes[MP_SHM]);
}

static void shape_compat_vma_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_routes[MP_COMPAT_VMA_MMAP]);
}

static void shape_split_compat_vma_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_routes[MP_COMPAT_SPLIT]);
}

static void real_backing_file_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_callers[MP_BACKING]);
}

static void real_uio_mmap(struct kunit *test)
{
	mp_sweep_case(test, &mp_callers[MP_UIO]);
}

static struct kunit_case mmap_prepare_fault_injection_cases[] = {
	KUNIT_CASE_PARAM_ATTR(native, mp_sweep_row_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(shape_backing_file_vfs_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(shape_shm_vfs_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(shape_compat_vma_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(shape_split_compat_vma_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(real_backing_file_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(real_uio_mmap, mp_sweep_row_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite mmap_prepare_fault_injection_suite = {
	.name = "mmap_prepare_fault_injection",
	.init = mp_init,
	.test_cases = mmap_prepare_fault_injection_cases,
};

kunit_test_suite(mmap_prepare_fault_injection_suite);
