"""mpk series: the upstream form of the suite, the fix patches, a small git series."""
import os
import shutil
import subprocess
import tempfile
import unittest

from fakes import REPO
from mpk import runner, series
from mpk.errors import UserError


def read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as f:
        return f.read()


class UpstreamFormTest(unittest.TestCase):

    def test_overlay_blocks_are_dropped(self):
        text = 'a\n\t/* overlay-only: begin */\n\tif (!MP_HAVE_X)\n\t\tskip();\n' \
               '\t/* overlay-only: end */\nb\n'
        self.assertEqual(series.strip_overlay(text), 'a\nb\n')

    def test_unbalanced_markers_are_refused(self):
        for text in ('/* overlay-only: begin */\n', '/* overlay-only: end */\n',
                     '/* overlay-only: begin */\n/* overlay-only: begin */\n'):
            with self.assertRaises(UserError):
                series.strip_overlay(text)

    def test_header_is_inlined_without_its_guard(self):
        c = 'int a;\n#include "mmap_prepare_kunit_api.h"\nint b;\n'
        h = ('/* top comment */\n#ifndef _MM_TESTS_MMAP_PREPARE_KUNIT_API_H\n'
             '#define _MM_TESTS_MMAP_PREPARE_KUNIT_API_H\n\n'
             '/* overlay-only: begin */\n#define MP_HAVE_ACTIONS true\n'
             '/* overlay-only: end */\n\nstatic int api;\n\n'
             '#endif /* _MM_TESTS_MMAP_PREPARE_KUNIT_API_H */\n')
        self.assertEqual(series.upstream_suite(c, h), 'int a;\nstatic int api;\nint b;\n')

    def test_a_switch_left_outside_the_markers_is_refused(self):
        c = '#include "mmap_prepare_kunit_api.h"\nif (!MP_HAVE_ACTIONS) skip();\n'
        h = '#define _MM_TESTS_MMAP_PREPARE_KUNIT_API_H\n#endif\n'
        with self.assertRaisesRegex(UserError, ':2: overlay-only MP_HAVE_ACTIONS'):
            series.upstream_suite(c, h)

    def test_the_real_suite_has_an_upstream_form(self):
        text = series.upstream_suite(read(REPO, series.SUITE_C), read(REPO, series.SUITE_H))
        self.assertNotIn('#include "mmap_prepare_kunit_api.h"', text)
        self.assertIn('static int mp_compat_vma_mmap(', text)
        self.assertIn('kunit_test_suite(mmap_prepare_compat_suite);', text)
        self.assertNotIn('\n\n\n', text)


class MaintainersTest(unittest.TestCase):
    SECTION = ('MEMORY MAPPING\nM:\tA <a@b>\nF:\tdrivers/char/mem.c\nF:\tmm/mmap.c\n'
               'F:\tmm/vma.c\nF:\ttools/testing/vma/\n\nNEXT\nF:\tzz\n')

    def test_the_suite_is_listed_in_order_among_the_mm_files(self):
        text = series.add_maintainers_line(self.SECTION)
        self.assertIn('F:\tmm/mmap.c\nF:\tmm/tests/mmap_prepare_kunit.c\nF:\tmm/vma.c\n', text)
        self.assertEqual(series.add_maintainers_line(text), text)

    def test_missing_section_is_refused(self):
        with self.assertRaises(UserError):
            series.add_maintainers_line('OTHER\nF:\tx\n')


class FixPatchesTest(unittest.TestCase):

    def test_each_fix_is_a_message_and_a_diff_with_fixes_tag(self):
        paths = series.fix_patches(REPO)
        self.assertEqual([os.path.basename(p)[:6] for p in paths], ['fix-F1', 'fix-F2', 'fix-F6'])
        for path in paths:
            msg, diff = series.read_patch(path)
            self.assertRegex(msg, r'\nFixes: [0-9a-f]{12} \("[^"]+"\)\n')
            self.assertTrue(diff.startswith('diff --git a/mm/'))
            self.assertLessEqual(max(len(ln) for ln in msg.splitlines()[1:]
                                     if not ln.startswith('Fixes:')), 75)

    def test_the_fixed_findings_are_known_kernel_bugs(self):
        ids = series.fix_ids(REPO)
        self.assertEqual(ids, ['F1', 'F2', 'F6'])
        known = runner.load_known('7.3.4')
        fixed = {c for c, bugs in known.items() if any(b.split('-')[0] in ids for b in bugs)}
        self.assertEqual(len(fixed), 39)   # 6 of them only in the faults profile

    def test_each_fix_has_its_own_cases(self):
        known = runner.load_known('7.3.4')
        f1, f2, f6 = (series.cases_of(known, i) for i in series.fix_ids(REPO))
        self.assertEqual((len(f1), len(f2), len(f6)), (25, 4, 10))
        self.assertFalse(f1 & f2 or f1 & f6 or f2 & f6)

    def test_a_patch_without_a_diff_is_refused(self):
        with tempfile.NamedTemporaryFile('w', suffix='.patch') as f:
            f.write('subject\n\nbody\n')
            f.flush()
            with self.assertRaises(UserError):
                series.read_patch(f.name)


@unittest.skipUnless(shutil.which('git'), 'needs git')
class MakeSeriesTest(unittest.TestCase):
    """The series on a fake kernel: fixes first, the suite last, one commit each."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.repo = os.path.join(self.tmp, 'repo')
        shutil.copytree(os.path.join(REPO, 'mm'), os.path.join(self.repo, 'mm'))
        shutil.copytree(os.path.join(REPO, 'additions'), os.path.join(self.repo, 'additions'))
        os.makedirs(os.path.join(self.repo, 'upstream'))
        for name in ('suite.msg', 'cover.txt'):
            shutil.copy(os.path.join(REPO, 'upstream', name),
                        os.path.join(self.repo, 'upstream', name))
        with open(os.path.join(self.repo, 'upstream', 'series'), 'w') as f:
            f.write('# fake\nfix-F9-thing.patch\n')
        with open(os.path.join(self.repo, 'upstream', 'fix-F9-thing.patch'), 'w') as f:
            f.write('mm: fix the thing\n\nBody.\n\nFixes: 0123456789ab ("x")\n---\n'
                    'diff --git a/mm/util.c b/mm/util.c\n--- a/mm/util.c\n+++ b/mm/util.c\n'
                    '@@ -1 +1 @@\n-int x;\n+int y;\n')

    def extract(self, path):
        files = {'Makefile': 'VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\n',
                 'mm/util.c': 'int x;\n', 'mm/Kconfig.debug': 'config A\n',
                 'mm/Makefile': 'obj-y += a.o\n',
                 'tools/testing/kunit/configs/all_tests.config': 'CONFIG_KUNIT=y\n',
                 'MAINTAINERS': 'MEMORY MAPPING\nF:\tmm/mmap.c\nF:\tmm/vma.c\n'}
        for rel, text in files.items():
            os.makedirs(os.path.dirname(os.path.join(path, rel)), exist_ok=True)
            with open(os.path.join(path, rel), 'w') as f:
                f.write(text)

    def test_fixes_then_suite_on_a_tagged_base(self):
        tree = series.base_repo(os.path.join(self.tmp, 'src', 'linux-7.3.4'), self.extract,
                                log=lambda m: None)
        who = {'GIT_AUTHOR_NAME': 'T', 'GIT_AUTHOR_EMAIL': 't@invalid',
               'GIT_COMMITTER_NAME': 'T', 'GIT_COMMITTER_EMAIL': 't@invalid'}
        self.assertEqual(series.make_series(self.repo, tree, who), 2)
        log = subprocess.run(['git', '-C', tree, 'log', '--format=%s%n%b', 'mpk-base..'],
                             capture_output=True, text=True, check=True).stdout
        subjects = subprocess.run(['git', '-C', tree, 'log', '--reverse', '--format=%s',
                                   'mpk-base..'], capture_output=True, text=True,
                                  check=True).stdout.split('\n')
        self.assertEqual(subjects[:2], ['mm: fix the thing',
                                        read(REPO, 'upstream', 'suite.msg').split('\n')[0]])
        self.assertEqual(log.count('Signed-off-by: T <t@invalid>'), 2)
        self.assertEqual(read(tree, 'mm/util.c'), 'int y;\n')
        self.assertIn('MMAP_PREPARE_KUNIT_TEST', read(tree, 'mm/Kconfig.debug'))
        # kunit.py --alltests (KernelCI) enables what the real callers need.
        self.assertIn('\nCONFIG_UIO=y\n',
                      read(tree, 'tools/testing/kunit/configs/all_tests.config'))
        self.assertIn('F:\tmm/tests/mmap_prepare_kunit.c\n', read(tree, 'MAINTAINERS'))
        self.assertNotIn('MP_HAVE_', read(tree, 'mm/tests/mmap_prepare_kunit.c'))
        self.assertFalse(os.path.exists(os.path.join(tree, series.SUITE_H)))
        # Made again from the same base: the same result, the base kept.
        base = subprocess.run(['git', '-C', tree, 'rev-parse', 'mpk-base'],
                              capture_output=True, text=True, check=True).stdout
        series.base_repo(tree, self.fail, log=lambda m: None)
        self.assertEqual(series.make_series(self.repo, tree, who), 2)
        self.assertEqual(subprocess.run(['git', '-C', tree, 'rev-parse', 'mpk-base'],
                                        capture_output=True, text=True).stdout, base)

    def test_a_fix_that_does_not_apply_is_refused(self):
        tree = series.base_repo(os.path.join(self.tmp, 'src', 'linux-7.3.4'), self.extract,
                                log=lambda m: None)
        with open(os.path.join(tree, 'mm/util.c'), 'w') as f:
            f.write('int z;\n')
        subprocess.run(['git', '-C', tree, 'commit', '-qam', 'x', '--author', 'a <a@b>'],
                       env=dict(os.environ, **series.BASE_IDENTITY), check=True)
        subprocess.run(['git', '-C', tree, 'tag', '-f', 'mpk-base'], check=True,
                       capture_output=True)
        with self.assertRaisesRegex(UserError, 'fix-F9-thing.patch does not apply'):
            series.make_series(self.repo, tree, {'GIT_AUTHOR_NAME': 'T',
                                                 'GIT_AUTHOR_EMAIL': 't@invalid',
                                                 'GIT_COMMITTER_NAME': 'T',
                                                 'GIT_COMMITTER_EMAIL': 't@invalid'})


class CrossCompileTest(unittest.TestCase):

    def test_qemu_arches_cross_compile_only_from_another_host(self):
        self.assertIsNone(runner.cross_compile('um', host='x86_64'))
        self.assertIsNone(runner.cross_compile('x86_64', host='x86_64'))
        self.assertEqual(runner.cross_compile('arm64', host='x86_64'), 'aarch64-linux-gnu-')
        self.assertEqual(runner.cross_compile('x86_64', host='arm64'), 'x86_64-linux-gnu-')
        cmd = runner.kunit_command('/t', '/b', None, arch='arm64')
        if runner.HOST_ARCH != 'arm64':
            self.assertIn('--cross_compile=aarch64-linux-gnu-', cmd)


if __name__ == '__main__':
    unittest.main()


class CliRefusalTest(unittest.TestCase):
    """One line on stderr, exit 2, nothing done."""

    def mpk(self, *args, env=None):
        import sys
        return subprocess.run([sys.executable, os.path.join(REPO, 'mpk'), *args],
                              capture_output=True, text=True, check=False,
                              env=dict(os.environ, **(env or {})))

    def assert_refused(self, r, text):
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn(text, r.stderr)

    def test_matrix_refuses_a_users_tree(self):
        self.assert_refused(self.mpk('matrix', env={'KERNEL_SRC': '/nonexistent'}),
                            'unset KERNEL_SRC')

    def test_unknown_arch_is_refused(self):
        self.assert_refused(self.mpk('expected', '--arch', 'sparc'), 'unsupported --arch')

    def test_expected_list_of_the_default_kernel(self):
        r = self.mpk('expected', '--arch', 'x86_64')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(len(r.stdout.splitlines()), 45)
