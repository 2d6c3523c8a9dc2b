"""mpk buildcheck without a kernel: what counts as our warning, the =m
configurations, random configurations and the comparison of verdicts."""
import itertools
import unittest

import fakes  # noqa: F401  (sys.path)
from mpk import buildcheck, runner, series
from mpk.errors import UserError

SUITE_C = 'mm/tests/mmap_prepare_kunit.c'
DIFF = '''diff --git a/mm/util.c b/mm/util.c
--- a/mm/util.c
+++ b/mm/util.c
@@ -10,3 +10,4 @@ int f(void)
 	a();
-	b();
+	c();
+	d();
 	e();
@@ -40,2 +41,3 @@ int g(void)
 	x();
+	y();
 	z();
'''


class OursTest(unittest.TestCase):
    def test_added_lines_of_a_diff(self):
        self.assertEqual(buildcheck.added_lines(DIFF), {'mm/util.c': {11, 12, 42}})

    def test_only_our_file_and_the_fixes_added_lines_count(self):
        where = {SUITE_C: None, 'mm/util.c': {11, 12, 42}}
        log = '\n'.join([
            '../src/linux/mm/util.c:12:5: warning: unused variable \u2018x\u2019',
            '/abs/linux/mm/util.c:13:1: warning: not ours, the kernel had it',
            'mm/tests/mmap_prepare_kunit.c:900:3: warning: symbol \'mp\' was not declared',
            'mm/vma.c:1:1: error: not in where',
            'mm/tests/mmap_prepare_kunit.c:5: error: sparse without a column',
            'CC      mm/util.o'])
        found = buildcheck.diagnostics(log, where)
        self.assertEqual(len(found), 3)
        self.assertTrue(all('not ours' not in f for f in found))

    def test_a_sparse_that_kbuild_refused_fails_the_check(self):
        """kbuild drops C= with only a warning when sparse is too old: that must
        not read as 'clean'."""
        where = {SUITE_C: None}
        out = ('Makefile:1311: C=2 specified, but /usr/bin/sparse is not available or '
               'not up to date\n  CC      mm/tests/mmap_prepare_kunit.o\n')
        row = buildcheck.judge_warnings('w', True, out, where, 1)
        self.assertFalse(row.ok)
        self.assertIn('sparse not run', row.detail)
        self.assertTrue(buildcheck.judge_warnings('w', True, out.split('\n', 1)[1],
                                                  where, 1).ok)
        self.assertFalse(buildcheck.judge_warnings('w', False, 'x.c:1:1: error: y', where,
                                                   1).ok)

    def test_the_repository_fixes_are_ours(self):
        where = buildcheck.ours(fakes.REPO)
        files = buildcheck.suite_files(fakes.REPO)
        # Each suite's test file and the headers they share, as they go upstream.
        self.assertLessEqual({s.source for s in series.suites(fakes.REPO)}, set(files))
        self.assertIn('mm/tests/mmap_prepare_kunit.h', files)
        self.assertNotIn(series.API_H, files)          # the backports' alone
        self.assertTrue(all(where[f] is None for f in files))
        self.assertTrue(all(lines for path, lines in where.items() if path not in files))
        self.assertGreater(len(where), len(files))

    def test_compiled_files_include_the_c_file_of_a_header(self):
        tree = fakes.make_tree(self._tmp())
        fakes.write(tree, 'mm/vma.c', '')
        fakes.write(tree, 'mm/tests/mmap_prepare_kunit.c', '')
        where = {SUITE_C: None, 'mm/tests/mmap_prepare_kunit.h': None, 'mm/vma.h': {1},
                 'mm/internal.h': {2}, 'mm/util.c': {3}}
        self.assertEqual(buildcheck.compiled_files(where, tree),
                         ['mm/tests/mmap_prepare_kunit.o', 'mm/util.o', 'mm/vma.o'])

    def test_only_the_suites_a_config_has_are_compiled(self):
        objs = ['mm/tests/mmap_prepare_kunit.o', 'mm/tests/mmap_prepare_compat_kunit.o',
                'mm/tests/mmap_prepare_integration_kunit.o',
                'mm/tests/mmap_prepare_fault_injection_kunit.o', 'mm/util.o']
        config = ('CONFIG_MMAP_PREPARE_KUNIT_TEST=y\nCONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=m\n'
                  '# CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST is not set\n')
        self.assertEqual(buildcheck.configured(objs, config),
                         ['mm/tests/mmap_prepare_kunit.o',
                          'mm/tests/mmap_prepare_compat_kunit.o', 'mm/util.o'])
        self.assertEqual(buildcheck.configured(objs, ''), ['mm/util.o'])

    def test_mpk_test_checks_every_file_of_the_overlays_suites(self):
        where = buildcheck.overlay_suite_files()
        self.assertIn(series.API_H, where)
        self.assertLessEqual({s.source for s in series.suites(runner.REPO)}, set(where))
        self.assertTrue(all(v is None for v in where.values()))

    def _tmp(self):
        import shutil
        import tempfile
        d = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, d)
        return d


class ModularTest(unittest.TestCase):
    def test_every_pair_and_every_fs_stack_source_is_covered(self):
        chosen = buildcheck.covering_array()
        factors = {'SUITE': buildcheck.SUITE_VALUES, **buildcheck.DEPS}
        for (a, va), (b, vb) in itertools.combinations(factors.items(), 2):
            for x, y in itertools.product(va, vb):
                self.assertTrue(any(c[a] == x and c[b] == y for c in chosen),
                                f'{a}={x} with {b}={y}')
        for suite, stack in itertools.product('my', 'yn'):
            self.assertTrue(any(c['SUITE'] == suite and buildcheck.fs_stack(c) == stack
                                for c in chosen))
        # Far fewer than every combination, and the same on every run.
        self.assertLess(len(chosen), 20)
        self.assertEqual(chosen, buildcheck.covering_array())

    def test_kunitconfig_of_a_combination(self):
        combo = {'SUITE': 'm', 'UIO': 'm', 'OVERLAY_FS': 'n', 'FUSE_FS': 'y',
                 'SYSVIPC': 'n', 'TMPFS': 'y', 'DEVTMPFS': 'y',
                 'FAULT_INJECTION_DEBUG_FS': 'y'}
        lines = buildcheck.modular_kunitconfig(combo).splitlines()
        for want in ('CONFIG_MODULES=y', 'CONFIG_MMAP_PREPARE_KUNIT_TEST=m',
                     'CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=m', 'CONFIG_UIO=m',
                     '# CONFIG_OVERLAY_FS is not set', 'CONFIG_FUSE_PASSTHROUGH=y',
                     '# CONFIG_SYSVIPC is not set', 'CONFIG_FAULT_INJECTION=y',
                     # bool: no module, so absent under =m
                     '# CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST is not set',
                     '# CONFIG_MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST is not set'):
            self.assertIn(want, lines)
        self.assertEqual(len(lines), len(set(lines)))     # DEBUG_KERNEL once

    def test_under_y_the_bool_suites_are_built_in_where_their_dependencies_are(self):
        combo = {'SUITE': 'y', 'UIO': 'm', 'OVERLAY_FS': 'n', 'FUSE_FS': 'y',
                 'SYSVIPC': 'n', 'TMPFS': 'y', 'DEVTMPFS': 'y',
                 'FAULT_INJECTION_DEBUG_FS': 'y'}
        lines = buildcheck.modular_kunitconfig(combo).splitlines()
        for want in ('CONFIG_MMAP_PREPARE_KUNIT_TEST=y', 'CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=y',
                     'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y',
                     'CONFIG_MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST=y'):
            self.assertIn(want, lines)
        lines = buildcheck.modular_kunitconfig(
            dict(combo, FAULT_INJECTION_DEBUG_FS='n')).splitlines()
        self.assertIn('# CONFIG_MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST is not set', lines)
        self.assertIn('CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y', lines)

    def test_the_suites_kinds_come_from_their_kconfig_entries(self):
        self.assertEqual(buildcheck.suite_kinds(), [
            ('MMAP_PREPARE_KUNIT_TEST', 'tristate', []),
            ('MMAP_PREPARE_MM_KUNIT_TEST', 'tristate', []),
            ('MMAP_PREPARE_COMPAT_KUNIT_TEST', 'tristate', []),
            ('MMAP_PREPARE_INTEGRATION_KUNIT_TEST', 'bool', []),
            ('MMAP_PREPARE_FAULT_INJECTION_KUNIT_TEST', 'bool', ['FAULT_INJECTION_DEBUG_FS'])])


class RandconfigTest(unittest.TestCase):
    def test_seeds(self):
        self.assertEqual(buildcheck.seeds(3, 0x10), [0x10, 0x11, 0x12])
        self.assertEqual(len(set(buildcheck.seeds(20))), 20)
        self.assertEqual(buildcheck.seeds(20, [0x26ee1702, 7]), [0x26ee1702, 7])

    def test_randconfig_forces_kunit_and_the_default_suites(self):
        self.assertEqual(buildcheck.forced(), (
            'CONFIG_KUNIT=y', 'CONFIG_MMAP_PREPARE_KUNIT_TEST=y',
            'CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=y', 'CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=y',
            'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y'))

    def test_a_lost_forced_option_is_named(self):
        self.assertEqual(buildcheck.forced_held('CONFIG_KUNIT=y\n'), list(buildcheck.forced()[1:]))
        self.assertEqual(buildcheck.forced_held('\n'.join(buildcheck.forced())), [])
        # KCONFIG_SEED=0x26ee1702 on 7.3.4: KUNIT_ALL_TESTS=m hides the prompts, suites =m.
        self.assertEqual(buildcheck.forced_held(
            'CONFIG_KUNIT=y\nCONFIG_KUNIT_ALL_TESTS=m\nCONFIG_MMAP_PREPARE_KUNIT_TEST=m\n'
            'CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=m\nCONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=m\n'
            'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y\n'), [])
        self.assertEqual(buildcheck.forced_held(
            'CONFIG_KUNIT=y\n# CONFIG_MMAP_PREPARE_KUNIT_TEST is not set\n'
            'CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=y\nCONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=y\n'
            'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=y\n'),
            ['CONFIG_MMAP_PREPARE_KUNIT_TEST=y'])


class PlanTest(unittest.TestCase):
    def test_names_and_counts(self):
        names = [n for n, _ in buildcheck.plan(list(buildcheck.FAMILIES), 20, 1)]
        for want in ('warnings-um', 'warnings-x86_64', 'warnings-arm64', 'clang-x86_64',
                     'clang-arm64', 'boot-i386', 'boot-arm', 'modular-1',
                     'randconfig-0x00000001', 'randconfig-0x00000014'):
            self.assertIn(want, names)
        self.assertEqual(sum(n.startswith('randconfig-') for n in names), 20)
        with self.assertRaises(UserError):
            buildcheck.plan(['nonsense'], 1, None)

    def test_only_keeps_the_configurations_named(self):
        names = [n for n, _ in buildcheck.plan(['modular', 'randconfig'], 3, 1,
                                               ['modular-1?', 'randconfig-*'])]
        self.assertEqual(names, ['modular-10', 'modular-11', 'modular-12', 'modular-13',
                                 'modular-14', 'randconfig-0x00000001', 'randconfig-0x00000002',
                                 'randconfig-0x00000003'])
        with self.assertRaises(UserError):
            buildcheck.plan(['modular'], 1, None, ['clang-*'])

    def test_what_each_family_needs(self):
        self.assertEqual(buildcheck.needs(['modular']), ([], []))
        arches, deps = buildcheck.needs(['boot', 'clang'])
        self.assertEqual(arches, ['arm', 'arm64', 'i386', 'x86_64'])
        self.assertIn('clang-19', deps)

    def test_verdict_differences(self):
        base = {'a': 'PASS', 'b': 'FAIL', 'c': 'SKIP'}
        other = {'a': 'PASS', 'b': 'PASS', 'd': 'PASS'}
        self.assertEqual(buildcheck.verdict_differences(base, other),
                         [('b', 'FAIL', 'PASS'), ('c', 'SKIP', 'absent'),
                          ('d', 'absent', 'PASS')])
        self.assertEqual(buildcheck.verdict_differences(base, other, {'b': 'why', 'c': 'x',
                                                                      'd': 'y'}), [])
        self.assertEqual(buildcheck.summary(other), '3 passed, 0 failed, 0 skipped')

    def test_report_line(self):
        row = buildcheck.Row('boot-arm', True, 61, '244 passed')
        self.assertRegex(buildcheck.line(row), r'^mpk: buildcheck boot-arm +ok +61 s  244 passed$')


if __name__ == '__main__':
    unittest.main()
