"""mpk module: the initramfs it packs and the load reports it reads, without a kernel."""
import glob
import os
import unittest

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import module, target

# A fetched kernel's own kunit_parser, if the cache has one.
KUNIT_TREE = next((os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(p))))
                   for p in sorted(glob.glob(os.path.join(
                       target.cache_dir(), 'src', 'linux-*',
                       'tools/testing/kunit/kunit_parser.py')))),
                  None)


def unpack(archive):
    """[(name, mode, data)] of a newc cpio archive."""
    out, pos = [], 0
    while True:
        assert archive[pos:pos + 6] == b'070701'
        fields = [int(archive[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize, mode = fields[11], fields[6], fields[1]
        name = archive[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        data = archive[pos:pos + filesize]
        pos += filesize
        pos += -pos % 4
        if name == 'TRAILER!!!':
            return out
        out.append((name, mode, data))


class InitramfsTest(unittest.TestCase):

    def test_the_archive_holds_each_file_aligned_as_the_kernel_reads_it(self):
        files = [('init', 0o100755, b'\x7fELF' + b'x' * 5), ('m.ko', 0o100644, b'ko')]
        archive = module.cpio_newc(files)
        self.assertEqual(unpack(archive), files)
        self.assertEqual(len(archive) % 4, 0)


CONSOLE = """\
KTAP version 1
1..0
KTAP version 1
1..1
    KTAP version 1
    # Subtest: mmap_prepare
    ok 1 a
ok 1 mmap_prepare
[    2.0] KTAP version 1
[    2.0] 1..1
[    2.0] not ok 1 mmap_prepare
KTAP version 1
1..1
    KTAP version 1
    # Subtest: mmap_prepare_compat
        KTAP version 1
        # Subtest: shape_compat_vma_mmap
        not ok 1 hook_replaces_vm_file
    not ok 1 shape_compat_vma_mmap
not ok 1 mmap_prepare_compat
mpk-init: mmap_prepare_kunit load 1: 0, unload: 0
mpk-init: mmap_prepare_kunit load 2: 0, unload: -1
mpk-init: mmap_prepare_compat_kunit load 1: 0, unload: 0
mpk-init: mmap_prepare_compat_kunit load 2: 0, unload: 0
"""


class ReportsTest(unittest.TestCase):

    def test_each_load_is_a_top_level_report_with_a_plan(self):
        parts = module.reports(CONSOLE)
        self.assertEqual(len(parts), 3)
        self.assertEqual(parts[0][:2], ['KTAP version 1', '1..1'])
        self.assertEqual(parts[0][-1], 'ok 1 mmap_prepare')
        self.assertEqual(parts[1], ['[    2.0] KTAP version 1', '[    2.0] 1..1',
                                    '[    2.0] not ok 1 mmap_prepare'])
        self.assertEqual(parts[2][-1], 'not ok 1 mmap_prepare_compat')

    def test_no_report_without_a_plan(self):
        self.assertEqual(module.reports('KTAP version 1\n1..0\n'), [])

    def test_each_report_names_its_suite(self):
        self.assertEqual([module.suite_of(p) for p in module.reports(CONSOLE)],
                         ['mmap_prepare', None, 'mmap_prepare_compat'])

    def test_what_init_printed(self):
        self.assertEqual(module.init_results(CONSOLE), [
            ('mmap_prepare_kunit', 1, 0, 0), ('mmap_prepare_kunit', 2, 0, -1),
            ('mmap_prepare_compat_kunit', 1, 0, 0), ('mmap_prepare_compat_kunit', 2, 0, 0)])


class PinnedTest(unittest.TestCase):
    """Files of a module that the kernel leaked (known kernel bugs) keep it loaded."""

    # (module, load, passed, failed, skipped, unexpected failing)
    ROWS = [('mmap_prepare_kunit', 1, 31, 4, 0, []),
            ('mmap_prepare_compat_kunit', 1, 124, 0, 0, [])]
    RESULTS = [('mmap_prepare_kunit', 1, 0, -1), ('mmap_prepare_kunit', 2, -1, -1),
               ('mmap_prepare_compat_kunit', 1, 0, 0), ('mmap_prepare_compat_kunit', 2, 0, 0)]

    def test_a_module_pinned_by_known_bugs_is_no_problem(self):
        self.assertEqual(module.load_problems(self.RESULTS, self.ROWS, log=lambda _: None), [])

    def test_only_loads_that_happened_report(self):
        self.assertEqual(module.expected_reports(self.RESULTS), 3)

    def test_an_unload_refused_without_known_failures_is_a_problem(self):
        results = [('mmap_prepare_compat_kunit', 1, 0, -1),
                   ('mmap_prepare_compat_kunit', 2, -1, -1)]
        self.assertEqual(len(module.load_problems(results, self.ROWS, log=lambda _: None)), 2)

    def test_a_failed_first_load_is_a_problem(self):
        results = [('mmap_prepare_kunit', 1, -1, -1)]
        self.assertTrue(module.load_problems(results, [], log=lambda _: None))


class ModulesTest(unittest.TestCase):

    def test_the_tristate_suites_are_the_modules(self):
        from mpk import buildcheck, series
        tristate = [symbol for symbol, kind, _ in buildcheck.suite_kinds() if kind == 'tristate']
        modules = [s.module for s in series.suites(fakes.REPO) if s.symbol in tristate]
        self.assertEqual(list(module.MODULES), modules)
        self.assertEqual([e for e in module.KCONFIG if e.endswith('=m')],
                         [f'CONFIG_{symbol}=m' for symbol in tristate])
        # A bool suite of the default kunitconfig would run at boot: off.
        self.assertIn('CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=n', module.KCONFIG)

    def test_init_loads_each_module_in_turn(self):
        src = module.init_source(['a_kunit', 'b_kunit'], loads=2)
        self.assertIn('{ "a_kunit", "b_kunit" }', src)
        self.assertIn('"mpk-init: %s load %d: %ld, unload: %ld\\n"', src)

    @unittest.skipUnless(__import__('shutil').which('gcc'), 'needs gcc')
    def test_init_compiles(self):
        import os
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, 'init.c'), 'w') as f:
                f.write(module.init_source())
            r = subprocess.run(['gcc', '-Wall', '-Werror', '-fsyntax-only',
                                os.path.join(d, 'init.c')], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    @unittest.skipUnless(KUNIT_TREE, 'needs a kernel tree (kunit_parser) in the mpk cache')
    def test_parse_names_cases_as_runner_does(self):
        """'<suite>.<case>.<param>', as known_kernel_bugs.json has them."""
        passed, failed, skipped, failing = module.parse(KUNIT_TREE, module.reports(CONSOLE)[2])
        self.assertEqual(failing, ['mmap_prepare_compat.shape_compat_vma_mmap.'
                                   'hook_replaces_vm_file'])
        self.assertEqual((passed, failed), (0, 1))


if __name__ == '__main__':
    unittest.main()
