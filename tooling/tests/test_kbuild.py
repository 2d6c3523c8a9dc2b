"""The fast path: taken only when kunit.py itself would not reconfigure, never skips make."""
import glob
import os
import shutil
import unittest
from unittest import mock

from fakes import TempDirs
from mpk import kbuild, runner, target as targets


class ExecOnlyTest(unittest.TestCase):

    def test_options_that_only_change_the_run_keep_the_fast_path(self):
        self.assertTrue(kbuild.exec_only(['--timeout=120', '--kernel_args=mpk_mutant=3',
                                          '--json=/tmp/x', '--raw_output=all', 'suite.*']))

    def test_options_that_change_the_build_take_kunit_py_run(self):
        for arg in ('--kconfig_add=CONFIG_KASAN=y', '--make_options=W=1', '--alltests',
                    '--qemu_config=x.py', '--kunitconfig=lib/kunit', '--jobs=8'):
            self.assertFalse(kbuild.exec_only([arg]), arg)


def _fake_plan(make):
    return kbuild.Plan(make=make, validate=lambda: True), None


class RunKunitTest(TempDirs, unittest.TestCase):
    """Which kunit.py command runs: exec after a good make, run otherwise."""

    def run_kunit(self, plan, **kw):
        calls = []
        with mock.patch.object(kbuild, 'plan', return_value=plan), \
                mock.patch.object(runner, 'kunit', side_effect=lambda cmd, *a, **k:
                                  calls.append(cmd) or 0):
            runner.run_kunit(self.tmp(), self.tmp(), self.tmp(), '/tmp/x.json',
                             log=lambda m: None, quiet=True, **kw)
        return calls

    def test_unchanged_configuration_makes_the_image_then_execs(self):
        calls = self.run_kunit(_fake_plan(['true']))
        self.assertEqual(calls[0][2], 'exec')
        self.assertFalse([a for a in calls[0] if a.startswith('--jobs')],
                         'kunit.py exec takes no --jobs')

    def test_a_failed_make_falls_back_to_kunit_py_run(self):
        calls = self.run_kunit(_fake_plan(['false']))
        self.assertEqual([c[2] for c in calls], ['run'])

    def test_a_changed_configuration_takes_kunit_py_run(self):
        calls = self.run_kunit((None, 'kunitconfig changed'))
        self.assertEqual([c[2] for c in calls], ['run'])

    def test_fast_false_and_build_options_take_kunit_py_run(self):
        self.assertEqual(self.run_kunit(_fake_plan(['true']), fast=False)[0][2], 'run')
        calls = self.run_kunit(_fake_plan(['true']), extra=['--kconfig_add=CONFIG_X=y'])
        self.assertEqual(calls[0][2], 'run')

    def test_build_false_only_execs(self):
        calls = self.run_kunit((None, 'unused'), build=False)
        self.assertEqual([c[2] for c in calls], ['exec'])


def _built(arch):
    """A tree and its build directory from the cache, if a kunit.py build exists."""
    cache = targets.cache_dir()
    for build in sorted(glob.glob(os.path.join(cache, 'build', f'linux-*-{arch}'))):
        tree = os.path.join(cache, 'src', os.path.basename(build)[:-len(arch) - 1])
        if os.path.exists(os.path.join(build, 'last_used_kunitconfig')) and \
                os.path.exists(os.path.join(tree, 'mm/tests/.kunitconfig')):
            return tree, build
    return None, None


TREE, BUILD = _built('um')


@unittest.skipUnless(TREE, 'needs a kunit.py build of a kernel in the mpk cache')
class PlanWithTheTreesOwnKunitPyTest(TempDirs, unittest.TestCase):
    """kbuild.plan() against the cached tree's real kunit.py modules."""

    def build_copy(self):
        d = self.tmp()
        for name in ('.config', 'last_used_kunitconfig'):
            shutil.copy(os.path.join(BUILD, name), d)
        return d

    def plan(self, build):
        return kbuild.plan(TREE, build, 'um', os.path.join(TREE, 'mm/tests'), 2)

    def test_unchanged_configuration_makes_the_kernel_image_only(self):
        build = self.build_copy()
        p, why = self.plan(build)
        self.assertIsNotNone(p, why)
        self.assertEqual(p.make[:3], ['make', 'linux', 'ARCH=um'])
        self.assertIn(f'O={build}', p.make)
        self.assertTrue(p.validate())

    def test_a_changed_kunitconfig_takes_the_full_path(self):
        build = self.build_copy()
        with open(os.path.join(build, 'last_used_kunitconfig'), 'a', encoding='utf-8') as f:
            f.write('CONFIG_KASAN=y\n')
        self.assertEqual(self.plan(build), (None, 'kunitconfig changed'))

    def test_a_config_that_lost_an_entry_takes_the_full_path(self):
        build = self.build_copy()
        path = os.path.join(build, '.config')
        with open(path, encoding='utf-8') as f:
            text = f.read()
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text.replace('CONFIG_MMAP_PREPARE_KUNIT_TEST=y', ''))
        self.assertEqual(self.plan(build), (None, '.config lacks kunitconfig entries'))

    def test_no_config_yet_takes_the_full_path(self):
        self.assertEqual(self.plan(self.tmp()), (None, 'no .config yet'))

    def test_the_modules_do_not_outlive_the_plan(self):
        self.plan(self.build_copy())
        import sys
        self.assertNotIn('kunit_kernel', sys.modules)
        self.assertFalse([p for p in sys.path if p.endswith('tools/testing/kunit')])


if __name__ == '__main__':
    unittest.main()
