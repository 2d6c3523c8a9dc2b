/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Mappings laid out in the case's own mm, for the mmap_prepare KUnit
 * suites that map next to and over other mappings: mappings at fixed
 * addresses, the VMAs found there, and what the mappings charge.
 */
#ifndef _MM_TESTS_MMAP_PREPARE_LAYOUT_KUNIT_H
#define _MM_TESTS_MMAP_PREPARE_LAYOUT_KUNIT_H

#include "mmap_prepare_kunit.h"

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
	map->addr = mp_mmap(map, addr, pages * PAGE_SIZE, flags, pgoff);
	return map->addr;
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
	KUNIT_ASSERT_TRUE_MSG(test, mp_area_at(current->mm, start, area),
			      "no VMA at %#lx", start);
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

#endif /* _MM_TESTS_MMAP_PREPARE_LAYOUT_KUNIT_H */
