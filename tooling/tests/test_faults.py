"""mpk run --profile=faults: each injected failure is named by its call site."""
import unittest

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import faults

X86 = """\
[    1.0] FAULT_INJECTION: forcing a failure.
[    1.0] name failslab, interval 1, probability 0, space 0, times 1
[    1.0] CPU: 0 UID: 0 PID: 40 Comm: kunit_try_catch Not tainted 7.3.4 #1
[    1.0] Call Trace:
[    1.0]  <TASK>
[    1.0]  dump_stack_lvl+0x5d/0x80
[    1.0]  should_fail_ex+0x1ce/0x210
[    1.0]  should_failslab+0xa8/0x100
[    1.0]  kmem_cache_alloc_noprof+0x6f/0x3c0
[    1.0]  vm_area_alloc+0x1f/0x60
[    1.0]  __mmap_region+0x2a1/0xbd0
[    1.0]  </TASK>
[    1.0]     # fault_injection_sweep_native: sweep native-hook_changes_nothing fail_nth 1: mmap() -12, hook ran 1 time(s)
[    1.1] FAULT_INJECTION: forcing a failure.
[    1.1] name failslab, interval 1, probability 0, space 0, times 1
[    1.1] Call Trace:
[    1.1]  should_failslab+0xa8/0x100
[    1.1]  kmem_cache_alloc_bulk_noprof+0x1f/0x60
[    1.1]  mas_alloc_nodes+0x1f/0x60
[    1.1]  mas_preallocate+0x1f/0x60
[    1.1]  __mmap_region+0x2a1/0xbd0
[    1.1]     # fault_injection_sweep_native: sweep native-hook_changes_nothing fail_nth 2: mmap() -12, hook ran 1 time(s)
"""

UML = """\
FAULT_INJECTION: forcing a failure.
name fail_page_alloc, interval 1, probability 0, space 0, times 1
Call Trace:
 [<60035fc8>] ? show_stack+0x1f/0x60
 [<6004a5f6>] dump_stack_lvl+0x5d/0x80
 [<6004a5f6>] __alloc_frozen_pages_noprof+0x5d/0x80
 [<6004a5f6>] __pte_alloc+0x5d/0x80
 [<6004a5f6>] remap_pfn_range_internal+0x5d/0x80
    # fault_injection_sweep_nested: sweep nested-remap_pfn_of_test_pages fail_nth 3: mmap() -12, hook ran 1 time(s)
"""


class ParseTest(unittest.TestCase):

    def test_each_failure_is_named_by_its_first_frame_past_the_allocator(self):
        sweeps = faults.parse(X86 + UML)
        self.assertEqual(sweeps['native-hook_changes_nothing'], [
            (1, 'failslab', 'vm_area_alloc', 'kmem_cache_alloc_noprof', 'mmap() -12, hook ran 1 time(s)'),
            (2, 'failslab', 'mas_preallocate', 'mas_alloc_nodes', 'mmap() -12, hook ran 1 time(s)')])
        self.assertEqual(sweeps['nested-remap_pfn_of_test_pages'][0][1:4],
                         ('fail_page_alloc', '__pte_alloc', '__alloc_frozen_pages_noprof'))

    def test_a_sweep_without_the_vma_or_the_maple_tree_is_reported(self):
        sweeps = faults.parse(UML)
        self.assertEqual(faults.missing(sweeps),
                         [('nested-remap_pfn_of_test_pages', 'VMA allocation'),
                          ('nested-remap_pfn_of_test_pages', 'maple tree preallocation')])
        self.assertEqual(faults.missing(faults.parse(X86)), [])

    def test_a_line_without_a_stack_before_it_has_no_site(self):
        sweeps = faults.parse('    # x: sweep native-a fail_nth 1: mmap() 0\n')
        self.assertEqual(sweeps['native-a'][0][2], '(none injected)')

    def test_the_table_lists_sites_in_order(self):
        t = faults.table(faults.parse(X86))
        self.assertIn('| native-hook_changes_nothing | 2 | 1: vm_area_alloc (kmem_cache_alloc_noprof), '
                      '2: mas_preallocate (mas_alloc_nodes) |', t)


if __name__ == '__main__':
    unittest.main()
