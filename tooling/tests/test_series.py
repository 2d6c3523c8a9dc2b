"""mpk series: the upstream form of the suites, one patch per suite, the fix patches,
a small git series and its check."""
import glob
import os
import re
import shutil
import subprocess
import tempfile
import unittest
from unittest import mock

import fakes
from fakes import REPO
from mpk import runner, series
from mpk.errors import UserError


def read(*parts):
    with open(os.path.join(*parts), encoding='utf-8') as f:
        return f.read()


SUITES = [*runner.SUITES, *runner.PROFILE_SUITES]


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

    def test_a_switch_left_outside_the_markers_is_refused(self):
        with self.assertRaisesRegex(UserError, 'x.h:2: overlay-only MP_HAVE_ACTIONS'):
            series.upstream_form('x.h', 'int a;\nif (!MP_HAVE_ACTIONS) skip();\n')
        # Upstream has one kernel: no backport's API header.
        with self.assertRaisesRegex(UserError, 'x.h:1: overlay-only mmap_prepare_kunit_api.h'):
            series.upstream_form('x.h', '#include "mmap_prepare_kunit_api.h"\n')
        # A macro that an overlay-only block defines is overlay-only too,
        # wherever it is used; a name that merely looks alike is not.
        h = '/* overlay-only: begin */\n#define MP_F7_ROWS 1\n/* overlay-only: end */\n'
        with self.assertRaisesRegex(UserError, 'y.c:2: overlay-only MP_F7_ROWS'):
            series.upstream_form('y.c', 'int a;\nint b = MP_F7_ROWS;\n', series.overlay_names(h))
        self.assertEqual(series.upstream_form('y.c', 'enum { MP_F7_ROWS_NOT };\n',
                                              series.overlay_names(h)),
                         'enum { MP_F7_ROWS_NOT };\n')
        self.assertEqual(series.overlay_names(h), {'MP_F7_ROWS'})

    def test_the_real_header_has_an_upstream_form(self):
        text = series.upstream_form('mm/tests/mmap_prepare_kunit.h',
                                    read(REPO, 'mm/tests/mmap_prepare_kunit.h'))
        # Written for one kernel: the API used directly, no accessor.
        self.assertIn('desc->vm_file = get_file(ctx->replacement);', text)
        self.assertNotRegex(text, r'\bmp_desc_\w+\(|MP_MAPPED_HOOK|mp_new_vm_file')
        self.assertNotIn('overlay-only', text)
        self.assertNotIn('\n\n\n', text)
        # The F7 rows are the overlay's alone.
        self.assertNotIn('"hook_replaces_vm_file_then_fails"', text)
        self.assertNotIn('"action_prepare_fails_after_vm_file_replaced"', text)


def texts(patch):
    return {**patch.files, **patch.appends}


class PatchesTest(unittest.TestCase):
    """The suite patches of the real overlay: one per suite, in order, each on its own."""

    @classmethod
    def setUpClass(cls):
        cls.patches = series.patches(REPO)
        cls.suites = series.suites(REPO)

    def test_one_patch_per_suite_in_order_then_all_tests(self):
        self.assertEqual([s.name for s in self.suites], SUITES)
        self.assertEqual([p.msg for p in self.patches], [
            'fixture-mmap_prepare.msg', 'layout-mmap_prepare.msg', 'suite-mmap_prepare.msg',
            'suite-mmap_prepare_mm.msg',
            'shapes-mmap_prepare_compat.msg', 'suite-mmap_prepare_compat.msg',
            'callers-mmap_prepare_integration.msg', 'hooks-mmap_prepare_integration.msg',
            'suite-mmap_prepare_integration.msg',
            'suite-mmap_prepare_fault_injection.msg', 'all_tests.msg'])
        self.assertEqual([p.suite for p in self.patches if p.suite], self.suites)
        self.assertEqual(self.patches[-1].suite, None)
        self.assertEqual([(s.symbol, s.source, s.module) for s in self.suites[:3]], [
            ('MMAP_PREPARE_KUNIT_TEST', 'mm/tests/mmap_prepare_kunit.c', 'mmap_prepare_kunit'),
            ('MMAP_PREPARE_MM_KUNIT_TEST', 'mm/tests/mmap_prepare_mm_kunit.c',
             'mmap_prepare_mm_kunit'),
            ('MMAP_PREPARE_COMPAT_KUNIT_TEST', 'mm/tests/mmap_prepare_compat_kunit.c',
             'mmap_prepare_compat_kunit')])

    def test_every_patch_has_its_commit_message(self):
        for p in self.patches:
            self.assertTrue(os.path.exists(os.path.join(REPO, 'upstream', p.msg)), p.msg)

    def test_the_shared_header_comes_first_in_a_patch_of_its_own(self):
        fixture, layout, first = self.patches[:3]
        self.assertEqual(list(fixture.files), ['mm/tests/mmap_prepare_kunit.h'])
        self.assertEqual((fixture.appends, fixture.maintainers),
                         ({}, ['mm/tests/mmap_prepare_kunit.h']))
        header = fixture.files['mm/tests/mmap_prepare_kunit.h']
        self.assertNotIn('mmap_prepare_kunit_api.h', header)
        self.assertIn('static inline void mp_request_action(', header)
        # A header after the one it includes, each in a patch of its own.
        self.assertEqual(list(layout.files), ['mm/tests/mmap_prepare_layout_kunit.h'])
        self.assertEqual(sorted(first.files), ['mm/tests/.kunitconfig',
                                               'mm/tests/mmap_prepare_kunit.c',
                                               'mm/tests/mmap_prepare_spec_kunit.h'])
        self.assertEqual(first.maintainers, ['mm/tests/mmap_prepare_spec_kunit.h',
                                             'mm/tests/mmap_prepare_kunit.c'])
        self.assertNotIn(series.API_H, [f for p in self.patches for f in p.files])

    def test_each_suite_patch_holds_its_own_file_kconfig_entry_and_makefile_line(self):
        suite_patches = [p for p in self.patches if p.suite]
        for p, suite in zip(suite_patches, self.suites):
            self.assertIn(suite.source, p.files)
            self.assertIn(suite.source, p.maintainers)
            self.assertIn(f'kunit_test_suite', p.files[suite.source])
            self.assertRegex(p.appends['mm/Kconfig.debug'], rf'^\nconfig {suite.symbol}\n')
            self.assertEqual(p.appends['mm/Kconfig.debug'].count('\nconfig '), 1)
            self.assertEqual(p.appends['mm/Makefile'],
                             f'obj-$(CONFIG_{suite.symbol}) += tests/{suite.module}.o\n')
        # Split, not rewritten: the pieces in order are the additions files.
        for rel, tree_rel in (('additions/mm/Kconfig.debug', 'mm/Kconfig.debug'),
                              ('additions/mm/Makefile', 'mm/Makefile')):
            self.assertEqual(''.join(p.appends[tree_rel] for p in suite_patches),
                             read(REPO, rel))
        fault = suite_patches[4]
        self.assertIn('mm/tests/fault_injection.kunitconfig', fault.files)
        self.assertEqual(fault.files['mm/tests/fault_injection.kunitconfig'],
                         read(REPO, 'mm/tests/fault_injection.kunitconfig'))

    def test_the_all_tests_lines_come_last_and_alone(self):
        last = self.patches[-1]
        self.assertEqual((last.files, last.maintainers), ({}, []))
        self.assertEqual(last.appends, {
            'tools/testing/kunit/configs/all_tests.config':
                read(REPO, 'additions/tools/testing/kunit/configs/all_tests.config')})

    def test_nothing_overlay_only_goes_upstream(self):
        tests = glob.glob('mm/tests/*.[ch]', root_dir=REPO)
        names = series.overlay_names(*(read(REPO, p) for p in tests))
        pattern = re.compile(r'\b(?:' + '|'.join(names) + r')\b') if names else None
        for p in self.patches:
            for path, text in texts(p).items():
                self.assertIsNone(series.OVERLAY_ONLY.search(text), (p.msg, path))
                self.assertIsNone(pattern and pattern.search(text), (p.msg, path))
                self.assertNotIn('\n\n\n', text, (p.msg, path))

    def test_no_patch_depends_on_a_later_one(self):
        symbols = [s.symbol for s in self.suites]
        have = set()
        for n, p in enumerate(self.patches[:-1]):
            have |= set(p.files)
            later = symbols[n + 1:]
            for path, text in texts(p).items():
                for inc in series.INCLUDE.findall(text):
                    self.assertIn(f'mm/tests/{inc}', have, (p.msg, path))
                for symbol in later:
                    self.assertNotRegex(text, rf'\bCONFIG_{symbol}\b', (p.msg, path))
                    self.assertNotRegex(text, rf'^config {symbol}$', (p.msg, path))

    def test_a_kunitconfig_names_only_the_suites_there_so_far(self):
        kunitconfig = 'mm/tests/.kunitconfig'
        steps = [p.files.get(kunitconfig) for p in self.patches if p.suite]
        self.assertEqual(steps[0].count('_KUNIT_TEST=y'), 1)
        self.assertIn('CONFIG_MMAP_PREPARE_KUNIT_TEST=y\n', steps[0])
        self.assertIn('CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=y\n', steps[1])
        self.assertIn('CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=y\n', steps[2])
        self.assertEqual(steps[3], read(REPO, kunitconfig))
        self.assertEqual(steps[4:], [None])            # unchanged from then on
        self.assertNotIn('mm/tests/fault_injection.kunitconfig', self.patches[4].files)

    def test_the_overlay_only_rows_make_no_upstream_case(self):
        absent = series.overlay_only_words(REPO)
        self.assertIn('hook_replaces_vm_file_then_fails', absent)
        self.assertNotIn('hook_replaces_vm_file', absent)
        self.assertFalse(series.in_upstream(
            'mmap_prepare.mmap_with_hook.hook_replaces_vm_file_then_fails', absent))
        self.assertTrue(series.in_upstream(
            'mmap_prepare_compat.shape_compat_vma_mmap.hook_replaces_vm_file', absent))
        # F7's cases are all overlay-only: none of them can be red upstream.
        known = runner.load_known('7.3.4')
        f7 = series.cases_of(known, 'F7')
        self.assertTrue(f7)
        self.assertFalse(any(series.in_upstream(c, absent) for c in f7))

    def test_the_whole_series_is_expected_green(self):
        known, fixed, open_cases = series.findings(REPO, '7.3.4')
        self.assertEqual(fixed, ['F6', 'F1', 'F2'])     # the stable fix first
        self.assertEqual(open_cases, set())
        self.assertEqual(len(known), 31)           # F1 25, F2 4, F6 2; F7's not upstream
        self.assertFalse(any(c.startswith(tuple(runner.PROFILE_SUITES)) for c in known))


class PatchesRefusalTest(unittest.TestCase):
    """A synthetic overlay: what patches() refuses."""

    def setUp(self):
        self.repo = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.repo)
        files = {
            'mm/tests/a.h': '/* overlay-only: begin */\nX\n/* overlay-only: end */\n'
                            'static int api;\n',
            'mm/tests/a_kunit.c': '#include "a.h"\nstatic struct kunit_suite s = {\n'
                                  '\t.name = "a",\n};\n',
            'mm/tests/b_kunit.c': '#include "a.h"\nstatic struct kunit_suite s = {\n'
                                  '\t.name = "b",\n};\n',
            'mm/tests/.kunitconfig': 'CONFIG_KUNIT=y\nCONFIG_A=y\nCONFIG_B=y\n',
            'mm/tests/fault_injection.kunitconfig': 'CONFIG_FAULT_INJECTION=y\n',
            'additions/mm/Kconfig.debug': '\nconfig A\n\ttristate "a"\n\n# b\nconfig B\n'
                                          '\tbool "b"\n',
            'additions/mm/Makefile': 'obj-$(CONFIG_A) += tests/a_kunit.o\n'
                                     '# b\nobj-$(CONFIG_B) += tests/b_kunit.o\n',
            'additions/tools/testing/kunit/configs/all_tests.config': 'CONFIG_UIO=y\n',
        }
        for rel, text in files.items():
            fakes.write(self.repo, rel, text)

    def test_a_small_overlay(self):
        a, b, last = series.patches(self.repo)
        self.assertEqual(sorted(a.files), ['mm/tests/.kunitconfig', 'mm/tests/a.h',
                                           'mm/tests/a_kunit.c'])
        self.assertEqual(a.files['mm/tests/a.h'], 'static int api;\n')
        self.assertEqual(a.files['mm/tests/.kunitconfig'], 'CONFIG_KUNIT=y\nCONFIG_A=y\n')
        self.assertEqual(a.appends['mm/Kconfig.debug'], '\nconfig A\n\ttristate "a"\n')
        self.assertEqual(b.appends['mm/Kconfig.debug'], '\n# b\nconfig B\n\tbool "b"\n')
        self.assertEqual(b.appends['mm/Makefile'], '# b\nobj-$(CONFIG_B) += tests/b_kunit.o\n')
        self.assertEqual(sorted(b.files), ['mm/tests/.kunitconfig', 'mm/tests/b_kunit.c'])
        self.assertEqual(b.maintainers, ['mm/tests/b_kunit.c'])
        self.assertEqual(last.appends, {'tools/testing/kunit/configs/all_tests.config':
                                        'CONFIG_UIO=y\n'})
        self.assertNotIn('mm/tests/fault_injection.kunitconfig', a.files | b.files)

    def test_a_kconfig_entry_without_its_makefile_line_is_refused(self):
        fakes.write(self.repo, 'additions/mm/Makefile', 'obj-$(CONFIG_A) += tests/a_kunit.o\n')
        with self.assertRaisesRegex(UserError, 'entries A, B; the Makefile names A'):
            series.patches(self.repo)

    def test_a_test_file_in_no_patch_is_refused(self):
        fakes.write(self.repo, 'mm/tests/c_kunit.c', '')
        with self.assertRaisesRegex(UserError, 'c_kunit.c in no suite'):
            series.patches(self.repo)

    def test_a_backport_header_included_upstream_is_refused(self):
        fakes.write(self.repo, 'mm/tests/b_kunit.c', '#include "mmap_prepare_kunit_api.h"\n'
                    'static struct kunit_suite s = {\n\t.name = "b",\n};\n')
        with self.assertRaisesRegex(UserError, 'b_kunit.c:1: overlay-only mmap_prepare_kunit_api.h'):
            series.patches(self.repo)

    def test_an_overlay_only_word_outside_the_markers_is_refused(self):
        fakes.write(self.repo, 'additions/mm/Makefile', 'obj-$(CONFIG_A) += tests/a_kunit.o\n'
                    'obj-$(CONFIG_B) += tests/b_kunit.o\n# overlay-only\n')
        with self.assertRaises(UserError):
            series.patches(self.repo)

    def test_a_suite_without_a_name_is_refused(self):
        fakes.write(self.repo, 'mm/tests/b_kunit.c', '#include "a.h"\n')
        with self.assertRaisesRegex(UserError, 'b_kunit.c: expected one struct kunit_suite'):
            series.patches(self.repo)


class MaintainersTest(unittest.TestCase):
    SECTION = ('MEMORY MAPPING\nM:\tA <a@b>\nF:\tdrivers/char/mem.c\nF:\tmm/mmap.c\n'
               'F:\tmm/vma.c\nF:\ttools/testing/vma/\n\nNEXT\nF:\tzz\n')

    def test_each_file_is_listed_in_order_among_the_mm_files(self):
        text = series.add_maintainers_line(self.SECTION, 'mm/tests/mmap_prepare_kunit.c')
        self.assertIn('F:\tmm/mmap.c\nF:\tmm/tests/mmap_prepare_kunit.c\nF:\tmm/vma.c\n', text)
        self.assertEqual(series.add_maintainers_line(text, 'mm/tests/mmap_prepare_kunit.c'),
                         text)
        text = series.add_maintainers_line(text, 'mm/tests/mmap_prepare_compat_kunit.c')
        self.assertIn('F:\tmm/tests/mmap_prepare_compat_kunit.c\n'
                      'F:\tmm/tests/mmap_prepare_kunit.c\n', text)

    def test_missing_section_is_refused(self):
        with self.assertRaises(UserError):
            series.add_maintainers_line('OTHER\nF:\tx\n', 'mm/x.c')


class FixPatchesTest(unittest.TestCase):

    def test_each_fix_is_a_message_and_a_diff_with_fixes_tag(self):
        paths = series.fix_patches(REPO)
        self.assertEqual([os.path.basename(p)[:6] for p in paths], ['fix-F6', 'fix-F1', 'fix-F2'])
        for path in paths:
            msg, diff = series.read_patch(path)
            self.assertRegex(msg, r'\nFixes: [0-9a-f]{12} \("[^"]+"\)\n')
            self.assertRegex(diff, r'^diff --git a/(mm|Documentation/filesystems)/')
            self.assertLessEqual(max(len(ln) for ln in msg.splitlines()[1:]
                                     if not ln.startswith('Fixes:')), 75)

    def test_the_fixed_findings_are_known_kernel_bugs(self):
        ids = series.fix_ids(REPO)
        self.assertEqual(ids, ['F6', 'F1', 'F2'])
        known = runner.load_known('7.3.4')
        fixed = {c for c, bugs in known.items() if any(b.split('-')[0] in ids for b in bugs)}
        self.assertEqual(len(fixed), 37)   # 6 of them only in the faults profile

    def test_each_fix_has_its_own_cases(self):
        known = runner.load_known('7.3.4')
        f6, f1, f2 = (series.cases_of(known, i) for i in series.fix_ids(REPO))
        self.assertEqual((len(f1), len(f2), len(f6)), (31, 4, 2))
        self.assertFalse(f1 & f2 or f1 & f6 or f2 & f6)

    def test_a_patch_without_a_diff_is_refused(self):
        with tempfile.NamedTemporaryFile('w', suffix='.patch') as f:
            f.write('subject\n\nbody\n')
            f.flush()
            with self.assertRaises(UserError):
                series.read_patch(f.name)


WHO = {'GIT_AUTHOR_NAME': 'T', 'GIT_AUTHOR_EMAIL': 't@invalid',
       'GIT_COMMITTER_NAME': 'T', 'GIT_COMMITTER_EMAIL': 't@invalid'}


def git_out(tree, *args):
    return subprocess.run(['git', '-C', tree, *args], capture_output=True, text=True,
                          check=True).stdout


@unittest.skipUnless(shutil.which('git'), 'needs git')
class MakeSeriesTest(unittest.TestCase):
    """The series on a fake kernel: fixes first, one patch per suite, all_tests last."""

    FIXES = {'F8': ('mm/util.c', 'int x;\n', 'int y;\n'),
             'F9': ('mm/vma.c', 'int v;\n', 'int w;\n')}

    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, self.tmp)
        self.repo = os.path.join(self.tmp, 'repo')
        shutil.copytree(os.path.join(REPO, 'mm'), os.path.join(self.repo, 'mm'))
        shutil.copytree(os.path.join(REPO, 'additions'), os.path.join(self.repo, 'additions'))
        os.makedirs(os.path.join(self.repo, 'upstream'))
        shutil.copy(os.path.join(REPO, 'upstream', 'cover.txt'),
                    os.path.join(self.repo, 'upstream', 'cover.txt'))
        # Placeholder messages: the test does not depend on upstream/'s wording.
        self.subjects = []
        for p in series.patches(self.repo):
            subject = f'placeholder: {p.msg[:-4]}'
            self.subjects.append(subject)
            fakes.write(self.repo, os.path.join('upstream', p.msg), f'{subject}\n\nBody.\n')
        names = []
        for fid, (path, old, new) in self.FIXES.items():
            name = f'fix-{fid}-thing.patch'
            names.append(name)
            fakes.write(self.repo, os.path.join('upstream', name),
                        f'mm: fix {fid}\n\nBody.\n\nFixes: 0123456789ab ("x")\n---\n'
                        f'diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n'
                        f'@@ -1 +1 @@\n-{old}+{new}')
        fakes.write(self.repo, 'upstream/series', '# fake\n' + '\n'.join(names) + '\n')

    def extract(self, path):
        files = {'Makefile': 'VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\n',
                 'mm/util.c': 'int x;\n', 'mm/vma.c': 'int v;\n',
                 'mm/Kconfig.debug': 'config A\n', 'mm/Makefile': 'obj-y += a.o\n',
                 'tools/testing/kunit/configs/all_tests.config': 'CONFIG_KUNIT=y\n',
                 'MAINTAINERS': 'MEMORY MAPPING\nF:\tmm/mmap.c\nF:\tmm/vma.c\n'}
        for rel, text in files.items():
            fakes.write(path, rel, text)

    def tree(self):
        return series.base_repo(os.path.join(self.tmp, 'src', 'linux-7.3.4'), self.extract,
                                log=lambda m: None)

    def test_fixes_then_one_patch_per_suite_then_all_tests(self):
        tree = self.tree()
        count = series.make_series(self.repo, tree, WHO)
        # fixes, five headers, suites, all_tests
        self.assertEqual(count, 2 + len(series.HEADER_PATCHES) + len(SUITES) + 1)
        subjects = git_out(tree, 'log', '--reverse', '--format=%s', 'mpk-base..').splitlines()
        self.assertEqual(subjects, ['mm: fix F8', 'mm: fix F9', *self.subjects])
        self.assertEqual(self.subjects[-1], 'placeholder: all_tests')
        log = git_out(tree, 'log', '--format=%b', 'mpk-base..')
        self.assertEqual(log.count('Signed-off-by: T <t@invalid>'), count)
        commits = git_out(tree, 'rev-list', '--reverse', 'mpk-base..').split()
        changed = [set(series.changed_files(tree, c)) for c in commits]
        self.assertEqual(changed[0], {'mm/util.c'})
        self.assertEqual(changed[2], {'MAINTAINERS', 'mm/tests/mmap_prepare_kunit.h'})
        self.assertEqual(changed[3], {'MAINTAINERS', 'mm/tests/mmap_prepare_layout_kunit.h'})
        self.assertEqual(changed[4], {'MAINTAINERS', 'mm/Kconfig.debug', 'mm/Makefile',
                                      'mm/tests/.kunitconfig', 'mm/tests/mmap_prepare_kunit.c',
                                      'mm/tests/mmap_prepare_spec_kunit.h'})
        self.assertIn('mm/tests/mmap_prepare_mm_kunit.c', changed[5])
        self.assertEqual(changed[6], {'MAINTAINERS', 'mm/tests/mmap_prepare_compat_kunit.h'})
        self.assertIn('mm/tests/mmap_prepare_compat_kunit.c', changed[7])
        self.assertEqual(changed[11] - {'MAINTAINERS'}, {
            'mm/Kconfig.debug', 'mm/Makefile', 'mm/tests/fault_injection.kunitconfig',
            'mm/tests/mmap_prepare_fault_injection_kunit.c'})
        self.assertEqual(changed[-1], {'tools/testing/kunit/configs/all_tests.config'})
        # The first suite patch on its own: only its suite.
        git_out(tree, 'checkout', '-q', commits[4])
        self.assertEqual(read(tree, 'mm/Makefile'), 'obj-y += a.o\n'
                         'obj-$(CONFIG_MMAP_PREPARE_KUNIT_TEST) += tests/mmap_prepare_kunit.o\n')
        self.assertEqual(read(tree, 'mm/Kconfig.debug').count('\nconfig '), 1)
        self.assertFalse(os.path.exists(os.path.join(tree, 'mm/tests/mmap_prepare_compat_kunit.c')))
        self.assertEqual(series.suite_kunitconfigs(tree), ['mm/tests'])
        git_out(tree, 'checkout', '-q', 'mpk-series')
        self.assertEqual(series.suite_kunitconfigs(tree),
                         ['mm/tests', 'mm/tests/fault_injection.kunitconfig'])
        self.assertEqual(read(tree, 'mm/util.c'), 'int y;\n')
        self.assertEqual(read(tree, 'mm/Kconfig.debug'), 'config A\n'
                         + read(REPO, 'additions/mm/Kconfig.debug'))
        # kunit.py --alltests (KernelCI) enables what the real callers need.
        self.assertIn('\nCONFIG_UIO=y\n',
                      read(tree, 'tools/testing/kunit/configs/all_tests.config'))
        maintainers = read(tree, 'MAINTAINERS')
        for path in ('mm/tests/mmap_prepare_kunit.h', 'mm/tests/mmap_prepare_kunit.c',
                     *(s.source for s in series.suites(REPO))):
            self.assertIn(f'F:\t{path}\n', maintainers)
        for path in [*(s.source for s in series.suites(REPO)), 'mm/tests/mmap_prepare_kunit.h']:
            self.assertIsNone(series.OVERLAY_ONLY.search(read(tree, path)), path)
        self.assertFalse(os.path.exists(os.path.join(tree, series.API_H)))
        self.assertFalse(os.path.exists(os.path.join(tree, '.kunitconfig')))
        # Made again from the same base: the same result, the base kept.
        base = git_out(tree, 'rev-parse', 'mpk-base')
        series.base_repo(tree, self.fail, log=lambda m: None)
        self.assertEqual(series.make_series(self.repo, tree, WHO), count)
        self.assertEqual(git_out(tree, 'rev-parse', 'mpk-base'), base)

    def test_a_missing_commit_message_is_refused_before_anything_is_made(self):
        tree = self.tree()
        os.remove(os.path.join(self.repo, 'upstream', 'suite-mmap_prepare_compat.msg'))
        with self.assertRaisesRegex(UserError, 'upstream/suite-mmap_prepare_compat.msg missing'):
            series.make_series(self.repo, tree, WHO)
        self.assertEqual(git_out(tree, 'branch', '--list', 'mpk-series'), '')

    def test_a_fix_that_does_not_apply_is_refused(self):
        tree = self.tree()
        with open(os.path.join(tree, 'mm/util.c'), 'w') as f:
            f.write('int z;\n')
        subprocess.run(['git', '-C', tree, 'commit', '-qam', 'x', '--author', 'a <a@b>'],
                       env=dict(os.environ, **series.BASE_IDENTITY), check=True)
        subprocess.run(['git', '-C', tree, 'tag', '-f', 'mpk-base'], check=True,
                       capture_output=True)
        with self.assertRaisesRegex(UserError, 'fix-F8-thing.patch does not apply'):
            series.make_series(self.repo, tree, WHO)

    def test_check_with_several_suite_patches(self):
        """--check's steps on the fake series: each fix turns its own cases green,
        each suite patch builds with the kunitconfigs there at that point."""
        tree = self.tree()
        count = series.make_series(self.repo, tree, WHO)
        fix_cases = [{'mmap_prepare_compat.a.x'}, {'mmap_prepare.b.y'}]
        open_cases = {'mmap_prepare_integration.c.z'}

        def run_suite(arch):
            red = set(open_cases)
            if read(tree, 'mm/util.c') != 'int y;\n':
                red |= fix_cases[0]
            if read(tree, 'mm/vma.c') != 'int w;\n':
                red |= fix_cases[1]
            # The suite patches are there at every step.
            self.assertTrue(os.path.exists(os.path.join(
                tree, 'mm/tests/mmap_prepare_fault_injection_kunit.c')))
            return runner.Summary(passed=5, failed=len(red), failing=sorted(red), seconds=1.0)

        builds = []

        def build_suite(kunitconfigs, objects):
            builds.append((kunitconfigs, objects))
            return True, 'built'

        files = ['cover'] + [f'{n:04d}.patch' for n in range(1, count + 1)]
        with mock.patch.object(series, 'checkpatch', return_value=(0, 0, 0, '')), \
                mock.patch.object(series, 'make_kernel', return_value=(True, '')), \
                mock.patch.object(series, 'vma_tests', return_value=(True, 'ok')):
            rows = series.check(tree, files, run_suite, lambda a: '/b/' + a, fix_cases,
                                ('um', 'x86_64'), build_suite, log=lambda m: None,
                                open_cases=open_cases)
        self.assertTrue(all(ok for _, ok, _ in rows), rows)
        steps = [step for step, _, _ in rows]
        self.assertEqual(sum(s.startswith('checkpatch') for s in steps), count)
        self.assertEqual(sum(s.startswith('suites (patches 3-13)') for s in steps), 3)
        self.assertIn('patch 1/13 builds (um)', steps)
        self.assertEqual(builds, [
            (['mm/tests'], ['mm/tests/mmap_prepare_kunit.o']),
            (['mm/tests'], ['mm/tests/mmap_prepare_mm_kunit.o']),
            (['mm/tests'], ['mm/tests/mmap_prepare_compat_kunit.o']),
            (['mm/tests'], ['mm/tests/mmap_prepare_integration_kunit.o']),
            (['mm/tests', 'mm/tests/fault_injection.kunitconfig'],
             ['mm/tests/mmap_prepare_fault_injection_kunit.o'])])
        self.assertTrue(any(s.startswith('patch 12/13 builds on its own (um, kunit.py build '
                                         '--kunitconfig=mm/tests --kunitconfig=mm/tests/'
                                         'fault_injection.kunitconfig)') for s in steps), steps)
        self.assertEqual(steps[-3:], ['whole series, suites on um',
                                      'whole series, suites on x86_64',
                                      'tools/testing/vma builds and passes'])
        # A fix whose cases are not the ones it turns green is caught at its step.
        with mock.patch.object(series, 'checkpatch', return_value=(0, 0, 0, '')), \
                mock.patch.object(series, 'make_kernel', return_value=(True, '')), \
                mock.patch.object(series, 'vma_tests', return_value=(True, 'ok')):
            rows = series.check(tree, ['cover'], run_suite, lambda a: '/b/' + a,
                                [fix_cases[0], {'mmap_prepare.other.case'}], (), build_suite,
                                log=lambda m: None, open_cases=open_cases)
        step, ok, detail = rows[0]
        self.assertFalse(ok)
        self.assertIn("unexpected: ['mmap_prepare.b.y']; missing: ['mmap_prepare.other.case']",
                      detail)
        self.assertEqual(git_out(tree, 'rev-parse', '--abbrev-ref', 'HEAD').strip(), 'mpk-series')


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
        self.assertEqual(len(r.stdout.splitlines()), 48)     # `./mpk run`: 48 red
