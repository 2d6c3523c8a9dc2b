/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Real .mmap_prepare() hooks of the kernel, for the integration suite: how
 * to open a file of each (tmpfs, memfd, ramfs, /dev/zero, a RAM disk, a
 * relay file, /dev/mem, an MTD device), and the checks of a mapping of one,
 * made natively or through a stacking route and compared with the native
 * one. Built in only, as that suite: it mounts file systems of its own.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_HOOKS_KUNIT_H
#define _MM_TESTS_MMAP_PREPARE_HOOKS_KUNIT_H

#include <linux/debugfs.h>
#include <linux/relay.h>
#include <linux/security.h>

#include "mmap_prepare_integration_kunit.h"

/* Rows that change nothing: for cases about a caller, or a real hook. */
static const struct mp_behaviour mp_plain_shared = { .name = "plain_shared" };
static const struct mp_behaviour mp_plain_private = {
	.name = "plain_private", .map_private = true,
};

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

static inline struct file *mp_open_fs_file(struct kunit *test, const char *fs_name)
{
	return mp_open_at(test, mp_mount(test, fs_name), "file", O_CREAT | O_RDWR);
}

static inline struct file *mp_open_tmpfs(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_TMPFS))
		kunit_skip(test, "needs CONFIG_TMPFS");
	return mp_open_fs_file(test, "tmpfs");
}

static inline struct file *mp_open_ramfs(struct kunit *test)
{
	return mp_open_fs_file(test, "ramfs");
}

static inline struct file *mp_open_memfd(struct kunit *test)
{
	struct file *file;

	if (!IS_ENABLED(CONFIG_MEMFD_CREATE))
		kunit_skip(test, "needs CONFIG_MEMFD_CREATE");
	file = memfd_alloc_file("mmap_prepare_kunit", 0);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, file);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_fput, file));
	return file;
}

static inline struct file *mp_open_dev_zero(struct kunit *test)
{
	return mp_open_at(test, mp_devtmpfs(test), "zero", O_RDWR);
}

/* A RAM disk: blkdev_mmap_prepare() maps the block device's page cache. */
static inline struct file *mp_open_ram_disk(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_BLK_DEV_RAM))
		kunit_skip(test, "needs CONFIG_BLK_DEV_RAM");
	return mp_open_at(test, mp_devtmpfs(test), "ram0", O_RDWR);
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
	/* Anonymous: the hook makes it so, and the VMA keeps /dev/zero as its file. */
	{ .name = "dev_zero_private", .open = mp_open_dev_zero, .map_private = true,
	  .zero_filled = true, .anonymous = true },
	{ .name = "block_device_shared", .open = mp_open_ram_disk },
	{ .name = "block_device_private", .open = mp_open_ram_disk, .map_private = true },
};

static const struct mp_behaviour mp_real_shared = {
	.name = "real_shared", .writable = true,
};

static const struct mp_behaviour mp_real_private = {
	.name = "real_private", .map_private = true, .writable = true,
};

/* The byte at offset 0 of page MP_FAULT_PAGE of the mapping at @addr. */
static inline u8 mp_peek(struct kunit *test, unsigned long addr)
{
	u8 byte = 0;

	KUNIT_EXPECT_EQ(test, copy_from_user(&byte, (void __user *)addr +
					     MP_FAULT_PAGE * PAGE_SIZE, 1), 0);
	return byte;
}

static inline void mp_poke(struct kunit *test, unsigned long addr, u8 byte)
{
	KUNIT_EXPECT_EQ(test, copy_to_user((void __user *)addr + MP_FAULT_PAGE * PAGE_SIZE,
					   &byte, 1), 0);
}

struct mp_real_map {
	struct mp_map *map;
	long before[MP_NR_FILES];
	struct file *own;	/* the file the hook installed, referenced */
};

/* Map @m's file through its route and check the VMA the real hook left. */
static inline void mp_real_map(struct kunit *test, const struct mp_real_file *r,
			       struct mp_real_map *m)
{
	struct mp_map *map = m->map;
	struct file *files[MP_NR_FILES];
	const struct file *vm_file;

	mp_file_counts(map, files, m->before);
	mp_do_map(test, map);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(map->addr), "%s route: mmap() failed: %ld",
			       map->route->name, (long)map->addr);
	mp_expect_accessed(test, map, 1);
	KUNIT_EXPECT_EQ(test, map->wrote_back, map->route->records_writeback);
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
				    map->route->name);
	} else {
		KUNIT_EXPECT_PTR_EQ(test, vm_file, map->inner);
	}
	mp_expect_counts(test, map, "while mapped", m->before, vm_file);
	KUNIT_EXPECT_EQ(test, mp_peek(test, map->addr),
			r->zero_filled ? 0 : MP_PATTERN + MP_FAULT_PAGE);
}

static inline void mp_real_unmap(struct kunit *test, struct mp_real_map *m)
{
	KUNIT_ASSERT_EQ(test, vm_munmap(m->map->addr, MP_LEN), 0);
	mp_expect_counts(test, m->map, "after munmap()", m->before, NULL);
	if (!m->own)
		return;
	KUNIT_EXPECT_EQ_MSG(test, file_count(m->own), 1,
			    "after munmap(), %s route: references to the hook's file",
			    m->map->route->name);
}

/*
 * Map MP_PAGES pages of the real file ctx->inner, from file page @pgoff,
 * through @route, for a case about what its hook makes of the VMA; through a
 * stacking route, map it natively first, for reference. Checks what any such
 * mapping must be: at the address mmap() returned, of the file underneath,
 * holding one reference to it, and the VMA the native mapping has. The case
 * checks the rest, and unmaps with mp_real_unmap().
 */
static inline void mp_map_real_range(struct kunit *test, const struct mp_route *route,
				     const struct mp_behaviour *b, pgoff_t pgoff,
				     struct mp_real_map *m, struct mp_area *area)
{
	struct mp_ctx *ctx = test->priv;
	struct file *files[MP_NR_FILES];
	struct mp_area native = {};
	struct mp_map *map;

	if (route != &mp_native) {
		map = mp_new_map(test, &mp_native, b, ctx->inner);
		KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(mp_map_at(map, 0, MP_PAGES, pgoff, 0)),
				       "native mmap() of the reference failed: %ld",
				       (long)map->addr);
		KUNIT_ASSERT_TRUE(test, mp_area_at(current->mm, map->addr, &native));
		KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, MP_LEN), 0);
	}

	map = mp_new_map(test, route, b, route->open ? route->open(test, route) : ctx->inner);
	m->map = map;
	mp_file_counts(map, files, m->before);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(mp_map_at(map, 0, MP_PAGES, pgoff, 0)),
			       "%s route: mmap() failed: %ld", route->name, (long)map->addr);
	KUNIT_ASSERT_TRUE(test, mp_area_at(current->mm, map->addr, area));
	mp_expect_accessed(test, map, 1);
	KUNIT_EXPECT_EQ(test, area->start, map->addr);
	KUNIT_EXPECT_EQ(test, area->end, map->addr + MP_LEN);
	KUNIT_EXPECT_PTR_EQ(test, area->vma.vm_file, map->inner);
	mp_expect_counts(test, map, "while mapped", m->before, map->inner);
	if (route != &mp_native)
		mp_expect_same_vma(test, &area->vma, &native.vma, VM_MAYEXEC);
}

/*
 * Map the real file natively, and check it; or, for reference, natively and
 * then through @route, and check the stacked mapping against the native one.
 */
static inline void mp_real_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_real_file *r = test->param_value;
	const struct mp_behaviour *b = r->map_private ? &mp_real_private : &mp_real_shared;
	struct mp_real_map native = {}, via = {};
	struct mp_ctx *ctx = test->priv;
	int map_count = current->mm->map_count;
	u8 byte = MP_PATTERN + MP_FAULT_PAGE;
	loff_t pos = (MP_PGOFF + MP_FAULT_PAGE) * PAGE_SIZE;
	bool shares;

	ctx->inner = r->open(test);
	if (!r->zero_filled)
		KUNIT_ASSERT_EQ(test, kernel_write(ctx->inner, &byte, 1, &pos), 1);

	native.map = mp_new_map(test, &mp_native, b, ctx->inner);
	if (route == &mp_native) {
		mp_real_map(test, r, &native);
		mp_real_unmap(test, &native);
		KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
		return;
	}
	native.map->reference = true;
	mp_do_map(test, native.map);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR_VALUE(native.map->addr),
			       "native mmap() of the reference failed: %ld",
			       (long)native.map->addr);

	via.map = mp_new_map(test, route, b, route->open(test, route));
	mp_real_map(test, r, &via);
	mp_expect_same_vma(test, &via.map->final, &native.map->final, VM_MAYEXEC);
	/* A write through one mapping shows in the other if both map the file. */
	shares = !r->map_private && !r->own_vm_file;
	mp_poke(test, via.map->addr, (u8)~byte);
	if (!shares)
		byte = r->zero_filled ? 0 : byte;
	else
		byte = ~byte;
	KUNIT_EXPECT_EQ_MSG(test, mp_peek(test, native.map->addr), byte,
			    "native mapping after a write through the %s route's",
			    route->name);
	mp_real_unmap(test, &via);
	KUNIT_ASSERT_EQ(test, vm_munmap(native.map->addr, MP_LEN), 0);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
}

/* relay names a buffer's file after the channel and the buffer's CPU. */
#define MP_RELAY_BASE_NAME	"mmap_prepare_kunit_relay"
#define MP_RELAY_FILE_NAME	MP_RELAY_BASE_NAME "0"

#if IS_ENABLED(CONFIG_RELAY) && IS_ENABLED(CONFIG_DEBUG_FS)
/*
 * One buffer for all CPUs, in a debugfs file of its own. Not
 * debugfs_create_file(): the proxy file_operations it gives its files have
 * no mmap hook, so no such file can be mapped. The unsafe variant opens
 * the file with relay's own file_operations; the relay buffer holds a
 * reference for each open file, so it outlives a file the case leaves open.
 */
static inline struct dentry *mp_relay_create_buf_file(const char *name,
						      struct dentry *parent, umode_t mode,
						      struct rchan_buf *buf, int *is_global)
{
	*is_global = 1;
	return debugfs_create_file_unsafe(name, mode, parent, buf, &relay_file_operations);
}

static inline int mp_relay_remove_buf_file(struct dentry *dentry)
{
	debugfs_remove(dentry);
	return 0;
}

static const struct rchan_callbacks mp_relay_callbacks = {
	.create_buf_file = mp_relay_create_buf_file,
	.remove_buf_file = mp_relay_remove_buf_file,
};

KUNIT_DEFINE_ACTION_WRAPPER(mp_relay_close, relay_close, struct rchan *);

/* A channel of one buffer: MP_PAGES sub-buffers of a page, MP_LEN bytes. */
static inline struct rchan *mp_relay_channel(struct kunit *test)
{
	struct rchan *chan;

	if (!debugfs_initialized())
		kunit_skip(test, "debugfs is off (debugfs=off on the command line)");
	chan = relay_open(MP_RELAY_BASE_NAME, NULL, PAGE_SIZE, MP_PAGES, &mp_relay_callbacks,
			  NULL);
	KUNIT_ASSERT_NOT_NULL(test, chan);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test, mp_relay_close, chan));
	KUNIT_ASSERT_EQ(test, chan->alloc_size, MP_LEN);
	return chan;
}

/* The buffer's file, opened through a debugfs mount, as a reader opens it. */
static inline struct file *mp_relay_file(struct kunit *test)
{
	return mp_open_at(test, mp_mount(test, "debugfs"), MP_RELAY_FILE_NAME, O_RDWR);
}

/* A relay channel's buffer file: relay_file_mmap_prepare(). */
static inline struct file *mp_open_relay(struct kunit *test)
{
	mp_relay_channel(test);
	return mp_relay_file(test);
}

/* The first sub-buffer full of MP_PATTERN, the second begun with MP_PATTERN + 1. */
static inline void mp_relay_fill(struct kunit *test, struct rchan *chan)
{
	u8 *data = kunit_kmalloc(test, PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, data);
	memset(data, MP_PATTERN, PAGE_SIZE);
	relay_write(chan, data, PAGE_SIZE);
	memset(data, MP_PATTERN + MP_FAULT_PAGE, MP_READBACK);
	relay_write(chan, data, MP_READBACK);
}

/*
 * Map the whole buffer of a relay channel natively, and check the VMA; or,
 * for reference, natively and then through @route, and check the stacked
 * VMA against the native one. relay_file_mmap_prepare() sets VM_DONTEXPAND,
 * and relay's vm_ops, whose fault handler finds the buffer's pages through
 * the private data: the buffer.
 */
static inline void mp_relay_case(struct kunit *test, const struct mp_route *route)
{
	struct mp_ctx *ctx = test->priv;
	struct rchan *chan = mp_relay_channel(test);
	struct rchan_buf *buf = *per_cpu_ptr(chan->buf, 0);
	struct mp_real_map m = {};
	struct mp_area area;
	u8 byte = 0;

	ctx->inner = mp_relay_file(test);
	mp_relay_fill(test, chan);
	mp_map_real_range(test, route, &mp_plain_shared, 0, &m, &area);
	/* A relay buffer never grows: mremap() must not extend its mapping. */
	KUNIT_EXPECT_EQ(test, area.vma.flags & (VM_SHARED | VM_READ | VM_WRITE | VM_DONTEXPAND),
			VM_SHARED | VM_READ | VM_DONTEXPAND);
	KUNIT_EXPECT_EQ(test, area.vma.pgoff, 0);
	/* What the fault handler needs, before it runs. */
	KUNIT_ASSERT_NOT_NULL(test, area.vma.vm_ops);
	KUNIT_ASSERT_NOT_NULL(test, area.vma.vm_ops->fault);
	KUNIT_ASSERT_PTR_EQ(test, area.vma.private_data, (void *)buf);
	/* Page i of the mapping is sub-buffer i. */
	KUNIT_EXPECT_EQ(test, copy_from_user(&byte, (void __user *)m.map->addr, 1), 0);
	KUNIT_EXPECT_EQ(test, byte, MP_PATTERN);
	KUNIT_EXPECT_EQ(test, mp_peek(test, m.map->addr), MP_PATTERN + MP_FAULT_PAGE);

	mp_real_unmap(test, &m);
}
#else
static inline struct file *mp_open_relay(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_RELAY and CONFIG_DEBUG_FS");
	return NULL;
}

static inline void mp_relay_case(struct kunit *test, const struct mp_route *route)
{
	kunit_skip(test, "needs CONFIG_RELAY and CONFIG_DEBUG_FS");
}
#endif

/*
 * /dev/mem over the case's test pages: mmap_mem_prepare() installs its
 * vm_ops and asks for a remap of the PFNs the offset names, the mapping's
 * whole range (mmap_action_remap_full()).
 */
struct mp_dev_mem_map {
	const char *name;
	const struct mp_behaviour *how;
};

static const struct mp_dev_mem_map mp_dev_mem_maps[] = {
	/* Writes reach the test pages. */
	{ .name = "shared", .how = &mp_real_shared },
	/* Writes go to a copy: copy-on-write of a PFN remap. */
	{ .name = "private", .how = &mp_real_private },
};

static inline struct file *mp_open_dev_mem(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_DEVMEM))
		kunit_skip(test, "needs CONFIG_DEVMEM");
	/* devmem_is_allowed() refuses RAM: the test pages are RAM. */
	if (IS_ENABLED(CONFIG_STRICT_DEVMEM))
		kunit_skip(test, "/dev/mem refuses RAM under CONFIG_STRICT_DEVMEM");
	if (security_locked_down(LOCKDOWN_DEV_MEM))
		kunit_skip(test, "/dev/mem is locked down");
	return mp_open_at(test, mp_devtmpfs(test), "mem", O_RDWR);
}

/*
 * Map the test pages through /dev/mem natively, and check the VMA; or, for
 * reference, natively and then through @route, and check the stacked VMA
 * against the native one.
 */
static inline void mp_dev_mem_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_dev_mem_map *d = test->param_value;
	const struct mp_behaviour *b = d->how;
	struct mp_ctx *ctx = test->priv;
	unsigned long pfn = page_to_pfn(ctx->pages[0]);
	u8 *test_page = page_address(ctx->pages[MP_FAULT_PAGE]);
	vm_flags_t remapped = VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
	struct mp_real_map m = {};
	struct mp_area area;

	ctx->inner = mp_open_dev_mem(test);
	mp_map_real_range(test, route, b, pfn, &m, &area);
	/* remap_pfn_range(): the PFNs are mapped, not faulted in. */
	KUNIT_ASSERT_EQ(test, area.vma.flags & remapped, remapped);
	KUNIT_EXPECT_EQ(test, area.vma.pgoff, pfn);
	/* /dev/mem's own vm_ops, not those every file mapping starts with. */
	KUNIT_EXPECT_NOT_NULL(test, area.vma.vm_ops);
	KUNIT_EXPECT_PTR_NE(test, area.vma.vm_ops, &vma_dummy_vm_ops);
	KUNIT_EXPECT_FALSE(test, area.vma.anonymous);
	KUNIT_EXPECT_EQ(test, mp_peek(test, m.map->addr), MP_PATTERN + MP_FAULT_PAGE);

	/* A write reaches the test page, unless the mapping is private. */
	mp_poke(test, m.map->addr, (u8)~MP_PATTERN);
	KUNIT_EXPECT_EQ(test, mp_peek(test, m.map->addr), (u8)~MP_PATTERN);
	KUNIT_EXPECT_EQ(test, test_page[0], b->map_private ? MP_PATTERN + MP_FAULT_PAGE :
							 (u8)~MP_PATTERN);

	mp_real_unmap(test, &m);
}

/* The RAM-backed MTD device: mtdchar_mmap_prepare(). */
static inline struct file *mp_open_mtd_ram(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_MTD_MTDRAM))
		kunit_skip(test, "needs CONFIG_MTD_MTDRAM");
	return mp_open_at(test, mp_devtmpfs(test), "mtd0", O_RDWR);
}

/*
 * Real hooks that refuse a mapping. Each route must return the hook's error,
 * and leave no VMA, no file reference and no charge behind.
 */
struct mp_real_refusal {
	const char *name;
	struct file *(*open)(struct kunit *test);
	const struct mp_behaviour *how;	/* sharing and protection */
	unsigned long pages;		/* the mapping's length */
	pgoff_t pgoff;			/* its file offset, in pages */
	int error;
};

static const struct mp_real_refusal mp_real_refusals[] = {
	/* relay_file_mmap_prepare(): the buffer's whole length, or nothing. */
	{ .name = "relay_file_one_page_short", .open = mp_open_relay, .how = &mp_plain_shared,
	  .pages = MP_PAGES - 1, .error = -EINVAL },
	{ .name = "relay_file_one_page_long", .open = mp_open_relay, .how = &mp_plain_shared,
	  .pages = MP_PAGES + 1, .error = -EINVAL },
	/* overlay-only: begin */
	/* F13: relay maps past its buffer from a non-zero offset; reported, not fixed yet. */
	{ .name = "relay_file_from_page_one", .open = mp_open_relay, .how = &mp_plain_shared,
	  .pages = MP_PAGES, .pgoff = 1, .error = -EINVAL },
	/* overlay-only: end */
	/* mtdchar_mmap_prepare(): with an MMU, no MTD device can be mapped. */
	{ .name = "mtd_ram_shared", .open = mp_open_mtd_ram, .how = &mp_real_shared,
	  .pages = MP_PAGES, .pgoff = MP_PGOFF, .error = -ENODEV },
	/* Charged before the hook runs: the charge goes back. */
	{ .name = "mtd_ram_private", .open = mp_open_mtd_ram, .how = &mp_real_private,
	  .pages = MP_PAGES, .pgoff = MP_PGOFF, .error = -ENODEV },
};

static inline void mp_real_refusal_case(struct kunit *test, const struct mp_route *route)
{
	const struct mp_real_refusal *r = test->param_value;
	const struct mp_counters nothing = {};
	struct mp_ctx *ctx = test->priv;
	int map_count = current->mm->map_count;
	struct file *files[MP_NR_FILES];
	long before[MP_NR_FILES];
	struct mp_counters charged;
	struct mp_map *map;

	ctx->inner = r->open(test);
	map = mp_new_map(test, route, r->how, route->open ? route->open(test, route) : ctx->inner);
	mp_file_counts(map, files, before);
	mp_read_counters(&charged);
	mp_map_at(map, 0, r->pages, r->pgoff, 0);
	KUNIT_EXPECT_EQ_MSG(test, (long)map->addr, (long)r->error, "%s route: mmap() error",
			    route->name);
	/* Never touched: a mapping the hook should have refused may reach past the file. */
	if (!IS_ERR_VALUE(map->addr))
		KUNIT_ASSERT_EQ(test, vm_munmap(map->addr, r->pages * PAGE_SIZE), 0);
	mp_expect_accessed(test, map, 1);
	KUNIT_EXPECT_EQ(test, current->mm->map_count, map_count);
	mp_expect_counts(test, map, "after the refused mmap()", before, NULL);
	mp_expect_charged(test, "after the refused mmap()", &charged, &nothing);
}

#endif /* _MM_TESTS_MMAP_PREPARE_HOOKS_KUNIT_H */
