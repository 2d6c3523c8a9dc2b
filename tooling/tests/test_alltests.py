"""mpk alltests without a kernel: configurations, our section of the log, the
comparison of other suites, and that all_tests.config enables every option the
suite skips without."""
import os
import re
import unittest

import fakes  # noqa: F401  (sys.path)
from mpk import alltests, runner

LOG = '''[    1.000000] KTAP version 1
[    1.000001] 1..2
[    1.000002]     KTAP version 1
[    1.000003]     # Subtest: other_suite
[    1.000004]     ok 1 warns_on_purpose
[    1.000005] WARNING: CPU: 0 PID: 1 at lib/other.c:1 other_case
[    1.000006] ok 1 other_suite
[    1.000007]     KTAP version 1
[    1.000008]     # Subtest: mmap_prepare_compat
[    1.000009]         # Subtest: uio_mmap_of_uio_device
[    1.000010]         ok 1 hook_sets_flags # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000011]         ok 2 hook_clears_flags # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000012]     ok 1 uio_mmap_of_uio_device # SKIP needs CONFIG_UIO (built in, if the suite is)
[    1.000013]     ok 2 shm_of_shmem # SKIP needs CONFIG_SYSVIPC and the suite built in (=y)
[    1.000014]     ok 3 plain
[    1.000015] ok 2 mmap_prepare_compat
[    1.000016] WARNING: CPU: 0 PID: 1 at mm/after.c:1 later
'''


def result(suites):
    """A kunit.py JSON result: {suite: {case: status}}."""
    return {'name': 'KUnit Test Group', 'sub_groups': [
        {'name': name, 'sub_groups': [], 'test_cases': [
            {'name': c, 'status': st} for c, st in cases.items()]}
        for name, cases in suites.items()]}


class SectionTest(unittest.TestCase):
    def test_our_section_only(self):
        section = alltests.suite_section(LOG)
        self.assertIn('# Subtest: mmap_prepare_compat', section[0])
        self.assertTrue(section[-1].endswith('ok 2 mmap_prepare_compat'))
        # Other suites' warnings (many warn on purpose) are not ours.
        self.assertEqual(runner.splats('\n'.join(section)), [])

    def test_a_splat_inside_our_section_is_seen(self):
        log = LOG.replace('ok 3 plain', 'ok 3 plain\n[ 1.1] WARNING: CPU: 0 at mm/vma.c:9 x')
        self.assertEqual(len(runner.splats('\n'.join(alltests.suite_section(log)))), 1)

    def test_skip_reasons_count_cases_not_groups(self):
        reasons = alltests.skip_reasons(alltests.suite_section(LOG))
        self.assertEqual(reasons['needs CONFIG_UIO (built in, if the suite is)'], 3)
        self.assertEqual(reasons['needs CONFIG_SYSVIPC and the suite built in (=y)'], 1)

    def test_missing_suite_gives_no_section(self):
        self.assertEqual(alltests.suite_section('KTAP version 1\n1..0\n'), [])


class OthersTest(unittest.TestCase):
    def test_a_changed_or_vanished_verdict_is_reported(self):
        with_ours = alltests.other_verdicts(result({
            'mmap_prepare_compat': {'a': 'FAIL'}, 'x': {'a': 'PASS', 'b': 'PASS'},
            'y': {'c': 'SKIP'}}))
        self.assertNotIn('mmap_prepare_compat.a', with_ours)
        without = alltests.other_verdicts(result({'x': {'a': 'PASS', 'b': 'FAIL'}}))
        self.assertEqual(alltests.changed(with_ours, without),
                         [('x.b', 'PASS', 'FAIL'), ('y.c', 'SKIP', 'absent')])
        self.assertEqual(alltests.changed(with_ours, with_ours), [])

    def test_judge_and_ok(self):
        r = result({'mmap_prepare_compat': {'a': 'PASS', 'b': 'FAIL', 'c': 'FAIL'}})
        row = alltests.judge(r, LOG, open_cases={'b'})
        self.assertEqual((row['passed'], row['failed'], row['open_findings'],
                          row['unexpected']), (1, 2, ['b'], ['c']))
        self.assertFalse(alltests.ok(row))
        row = alltests.judge(result({'mmap_prepare_compat': {'a': 'PASS', 'b': 'FAIL'}}),
                             LOG.replace(' # SKIP', ''), open_cases={'b'})
        self.assertTrue(alltests.ok(row))
        self.assertFalse(alltests.ok(dict(row, changed=[('x.b', 'PASS', 'FAIL')])))
        self.assertFalse(alltests.ok(dict(row, skipped=1)))
        self.assertIn('1 passed, 1 failed (1 of open findings), 0 skipped',
                      alltests.line('deps', dict(row, kernel='7.3.4', arch='x86_64',
                                                 seconds=1, command='kunit.py run')))


class ConfigTest(unittest.TestCase):
    def test_scopes(self):
        deps = alltests.kunitconfig('deps').split()
        self.assertEqual(deps[:2], ['CONFIG_KUNIT=y', 'CONFIG_MMAP_PREPARE_KUNIT_TEST=y'])
        nodebug = alltests.kunitconfig('nodebug').split()
        self.assertNotIn('CONFIG_DEBUG_VM=y', nodebug)
        self.assertNotIn('CONFIG_PROVE_LOCKING=y', nodebug)
        self.assertIn('CONFIG_UIO=y', nodebug)
        self.assertEqual(alltests.scope_args('alltests', '/nonexistent')[0], '--alltests')

    def test_all_tests_config_enables_every_option_the_suite_skips_without(self):
        """Each 'needs CONFIG_X' of the suite is set by our all_tests.config lines
        (directly, or through what selects it), so --alltests runs every case."""
        with open(os.path.join(runner.REPO, 'mm/tests/mmap_prepare_kunit.c'),
                  encoding='utf-8') as f:
            needed = set(re.findall(r'kunit_skip\(test, "needs (?:CONFIG_)?(\w+)', f.read()))
        needed -= {'the'}       # "needs the suite built in": all_tests builds it =y
        with open(alltests.ADDITION, encoding='utf-8') as f:
            enabled = {ln.split('=')[0][len('CONFIG_'):] for ln in f if ln.startswith('CONFIG_')}
        # Options that are not set by hand: what selects or implies them.
        derived = {'FS_STACK': 'OVERLAY_FS', 'MEMFD_CREATE': 'TMPFS'}
        self.assertTrue(needed)
        for option in sorted(needed):
            self.assertIn(derived.get(option, option), enabled, option)
        # The suite's own kunitconfig asks for the same options.
        own = {e.split('=')[0][len('CONFIG_'):]
               for e in runner.kunitconfig_entries(alltests.SUITE_CONFIG)}
        self.assertLessEqual(enabled, own)


if __name__ == '__main__':
    unittest.main()
