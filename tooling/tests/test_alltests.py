"""mpk alltests without a kernel: configurations, our section of the log, the
comparison of other suites, and that all_tests.config enables every option the
suite skips without."""
import glob
import os
import re
import unittest

import fakes  # noqa: F401  (sys.path)
from mpk import alltests, runner

LOG = '''[    1.000000] KTAP version 1
[    1.000001] 1..4
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: other_suite
[    1.000004]     ok 1 warns_on_purpose
[    1.000005] WARNING: CPU: 0 PID: 1 at lib/other.c:1 other_case
[    1.000006] ok 1 other_suite
[    1.000007]     KTAP version 1
[    1.000008]     # Subtest: mmap_prepare_integration
[    1.000009]         # Subtest: real_uio_mmap
[    1.000010]         ok 1 hook_sets_flags # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000011]         ok 2 hook_clears_flags # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000012]     ok 1 real_uio_mmap # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000013]     ok 2 sysv_shm_attach_twice_shares_pages # SKIP needs CONFIG_SYSVIPC
[    1.000014]     ok 3 plain
[    1.000015] ok 2 mmap_prepare_integration
[    1.000016] WARNING: CPU: 0 PID: 1 at mm/after.c:1 later
[    1.000017]     KTAP version 1
[    1.000018]     # Subtest: mmap_prepare
[    1.000019]     ok 1 mmap_with_hook # SKIP needs something
[    1.000020] ok 3 mmap_prepare
[    1.000021]     KTAP version 1
[    1.000022]     # Subtest: mmap_prepare_compat
[    1.000023]     ok 1 can_mmap_file_rejects_no_hook
[    1.000024] ok 4 mmap_prepare_compat
'''


def result(suites):
    """A kunit.py JSON result: {suite: {case: status}}."""
    return {'name': 'KUnit Test Group', 'sub_groups': [
        {'name': name, 'sub_groups': [], 'test_cases': [
            {'name': c, 'status': st} for c, st in cases.items()]}
        for name, cases in suites.items()]}


class SectionTest(unittest.TestCase):
    def test_one_section_per_suite(self):
        section = alltests.suite_section(LOG, 'mmap_prepare_integration')
        self.assertIn('# Subtest: mmap_prepare_integration', section[0])
        self.assertTrue(section[-1].endswith('ok 2 mmap_prepare_integration'))
        # 'mmap_prepare' is a prefix of the other suites' names: its own only.
        section = alltests.suite_section(LOG, 'mmap_prepare')
        self.assertEqual(len(section), 3, section)
        self.assertTrue(section[-1].endswith('ok 3 mmap_prepare'))

    def test_our_sections_only(self):
        sections = alltests.our_sections(LOG)
        self.assertEqual(len(sections), 8 + 3 + 3)
        self.assertFalse(any('other_suite' in ln for ln in sections))
        # Other suites' warnings (many warn on purpose), and the log between
        # suites, are not ours.
        self.assertEqual(runner.splats('\n'.join(sections)), [])

    def test_a_splat_inside_our_section_is_seen(self):
        log = LOG.replace('ok 3 plain', 'ok 3 plain\n[ 1.1] WARNING: CPU: 0 at mm/vma.c:9 x')
        self.assertEqual(len(runner.splats('\n'.join(alltests.our_sections(log)))), 1)

    def test_skip_reasons_count_cases_not_groups(self):
        reasons = alltests.skip_reasons(alltests.our_sections(LOG))
        self.assertEqual(reasons['needs CONFIG_UIO (built in, if the suite is)'], 3)
        self.assertEqual(reasons['needs CONFIG_SYSVIPC'], 1)
        self.assertEqual(reasons['needs something'], 1)

    def test_missing_suite_gives_no_section(self):
        self.assertEqual(alltests.suite_section('KTAP version 1\n1..0\n', 'mmap_prepare'), [])
        self.assertEqual(alltests.our_sections('KTAP version 1\n1..0\n'), [])


class FilterTest(unittest.TestCase):
    def test_the_second_boot_filters_out_every_suite_of_ours_by_module(self):
        off = alltests.suite_off()
        self.assertTrue(off.startswith('--filter='))
        # kunit's executor: comma-separated attribute filters, each must hold.
        self.assertEqual(off[len('--filter='):].split(','), [
            'module!=mmap_prepare_kunit', 'module!=mmap_prepare_mm_kunit',
            'module!=mmap_prepare_compat_kunit',
            'module!=mmap_prepare_integration_kunit',
            'module!=mmap_prepare_fault_injection_kunit'])


class OthersTest(unittest.TestCase):
    def test_a_changed_or_vanished_verdict_is_reported(self):
        with_ours = alltests.other_verdicts(result({
            'mmap_prepare_compat': {'a': 'FAIL'}, 'mmap_prepare': {'a': 'PASS'},
            'mmap_prepare_integration': {'a': 'PASS'},
            'x': {'a': 'PASS', 'b': 'PASS'}, 'y': {'c': 'SKIP'}}))
        self.assertEqual(sorted(with_ours), ['x.a', 'x.b', 'y.c'])
        without = alltests.other_verdicts(result({'x': {'a': 'PASS', 'b': 'FAIL'}}))
        self.assertEqual(alltests.changed(with_ours, without),
                         [('x.b', 'PASS', 'FAIL'), ('y.c', 'SKIP', 'absent')])
        self.assertEqual(alltests.changed(with_ours, with_ours), [])

    def test_judge_and_ok(self):
        ours = {'mmap_prepare': {'a': 'PASS'}, 'mmap_prepare_mm': {'a': 'PASS'},
                'mmap_prepare_integration': {'a': 'PASS'}}
        r = result({**ours, 'mmap_prepare_compat': {'a': 'PASS', 'b': 'FAIL', 'c': 'FAIL'}})
        row = alltests.judge(r, LOG, open_cases={'mmap_prepare_compat.b'})
        self.assertEqual((row['passed'], row['failed'], row['open_findings'],
                          row['unexpected']),
                         (4, 2, ['mmap_prepare_compat.b'], ['mmap_prepare_compat.c']))
        self.assertFalse(alltests.ok(row))
        row = alltests.judge(result({**ours, 'mmap_prepare_compat': {'a': 'PASS', 'b': 'FAIL'}}),
                             LOG.replace(' # SKIP', ''), open_cases={'mmap_prepare_compat.b'})
        self.assertTrue(alltests.ok(row))
        self.assertFalse(alltests.ok(dict(row, changed=[('x.b', 'PASS', 'FAIL')])))
        self.assertFalse(alltests.ok(dict(row, skipped=1)))
        self.assertIn('4 passed, 1 failed (1 of open findings), 0 skipped',
                      alltests.line('deps', dict(row, kernel='7.3.4', arch='x86_64',
                                                 seconds=1, command='kunit.py run')))

    def test_a_missing_suite_of_ours_is_not_green(self):
        row = alltests.judge(result({'mmap_prepare': {'a': 'PASS'}}), '', open_cases=set())
        self.assertEqual(sorted(row['unexpected']), [
                                             'mmap_prepare_compat (suite missing from the results)',
                                             'mmap_prepare_integration (suite missing from the '
                                             'results)',
                                             'mmap_prepare_mm (suite missing from the results)'])
        self.assertFalse(alltests.ok(row))


class ConfigTest(unittest.TestCase):
    def test_scopes(self):
        deps = alltests.kunitconfig('deps').split()
        self.assertEqual(deps[:5], ['CONFIG_KUNIT=y', 'CONFIG_MMAP_PREPARE_KUNIT_TEST=y',
                                    'CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=y',
                                    'CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=y',
                                    'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y'])
        self.assertNotIn('CONFIG_MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST=y', deps)
        nodebug = alltests.kunitconfig('nodebug').split()
        self.assertNotIn('CONFIG_DEBUG_VM=y', nodebug)
        self.assertNotIn('CONFIG_PROVE_LOCKING=y', nodebug)
        self.assertIn('CONFIG_UIO=y', nodebug)
        self.assertIn('CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y', nodebug)
        self.assertEqual(alltests.scope_args('alltests', '/nonexistent')[0], '--alltests')

    def test_all_tests_config_enables_every_option_the_suites_skip_without(self):
        """Each 'needs CONFIG_X' of the suites is set by our all_tests.config lines
        (directly, or through what selects it), so --alltests runs every case."""
        needed = set()
        for path in sorted(glob.glob(os.path.join(runner.REPO, 'mm/tests/*.[ch]'))):
            with open(path, encoding='utf-8') as f:
                needed |= set(re.findall(r'kunit_skip\(test, "needs (?:CONFIG_)?(\w+)',
                                         f.read()))
        needed -= {'the'}       # "needs the suite built in": all_tests builds it =y
        with open(alltests.ADDITION, encoding='utf-8') as f:
            enabled = {ln.split('=')[0][len('CONFIG_'):] for ln in f if ln.startswith('CONFIG_')}
        # Options that are not set by hand: what selects or implies them.
        derived = {'FS_STACK': 'OVERLAY_FS', 'MEMFD_CREATE': 'TMPFS'}
        self.assertTrue(needed)
        for option in sorted(needed):
            self.assertIn(derived.get(option, option), enabled, option)
        # The suites' own kunitconfig asks for the same options.
        own = {e.split('=')[0][len('CONFIG_'):]
               for e in runner.kunitconfig_entries(alltests.SUITE_CONFIG)}
        self.assertLessEqual(enabled, own)


if __name__ == '__main__':
    unittest.main()
