"""mpk run --profile=faults: the fault-injection suite ran, route by route."""
import unittest

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import faults, runner


def group(name, cases=(), subs=()):
    return {'name': name, 'test_cases': [{'name': n, 'status': s} for n, s in cases],
            'sub_groups': list(subs)}


SUITE = runner.PROFILE_SUITES[0]
RESULT = group('KUnit Test Group', subs=[
    group('mmap_prepare', cases=[('x', 'PASS')]),
    group(SUITE, subs=[
        group('native', cases=[('hook_changes_nothing', 'PASS'),
                               ('hook_replaces_vm_file', 'PASS')]),
        group('real_uio_mmap', cases=[('hook_changes_nothing', 'PASS'),
                                      ('hook_replaces_vm_file', 'FAIL'),
                                      ('remap_pfn_of_test_pages', 'SKIP')]),
    ]),
])


class RoutesTest(unittest.TestCase):

    def test_the_suite_is_the_profiles_own(self):
        self.assertEqual(faults.SUITE, 'mmap_prepare_fault_injection')
        self.assertFalse(runner.in_default_config(SUITE + '.native.hook_changes_nothing'))

    def test_verdicts_per_route(self):
        by_route = faults.routes(RESULT)
        self.assertEqual(sorted(by_route), ['native', 'real_uio_mmap'])
        self.assertEqual(by_route['real_uio_mmap'], {'PASS': 1, 'FAIL': 1, 'SKIP': 1})
        self.assertEqual(faults.problems(by_route), [])
        table = faults.table(by_route)
        self.assertIn('| native | 2 | 0 | 0 |', table)
        self.assertIn('| real_uio_mmap | 1 | 1 | 1 |', table)

    def test_a_run_without_the_suite_or_its_cases_is_a_problem(self):
        absent = group('KUnit Test Group', subs=[group('mmap_prepare', cases=[('x', 'PASS')])])
        self.assertIsNone(faults.routes(absent))
        self.assertIsNone(faults.routes(None))
        self.assertIn('did not run', faults.problems(None)[0])
        empty = faults.routes(group('KUnit Test Group', subs=[group(SUITE)]))
        self.assertEqual(faults.problems(empty), [f'fault injection: {SUITE} ran no case'])


if __name__ == '__main__':
    unittest.main()
