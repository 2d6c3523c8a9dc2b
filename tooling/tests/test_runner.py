"""The verdict read from kunit.py --json: red on anything not clearly green."""
import json
import os
import sys
import unittest
from unittest import mock

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import runner


def group(name, cases=(), subs=(), errors=0):
    return {'name': name, 'test_cases': [{'name': n, 'status': s} for n, s in cases],
            'sub_groups': list(subs), 'misc': {'errors': errors}}


def result(*suites):
    return group('KUnit Test Group', subs=suites)


def green(name, case='a'):
    """A suite of ours with one passing case."""
    return group(name, cases=[(case, 'PASS')])


def ours(**replace):
    """Our default suites, each green, but for those given by name."""
    return [replace.get(name, green(name)) for name in runner.SUITES]


class SummariseTest(unittest.TestCase):

    def test_parameterised_cases_are_counted_per_parameter(self):
        compat = group('mmap_prepare_compat',
                       cases=[('can_mmap_file_rejects_no_hook', 'PASS')], subs=[
                           group('shape_backing_file_vfs_mmap',
                                 cases=[('hook_changes_nothing', 'PASS'), ('hook_fails', 'FAIL')]),
                       ])
        native = group('mmap_prepare', subs=[
            group('mmap_with_hook', cases=[('hook_sets_flags', 'SKIP')])])
        s = runner.summarise(result(group('other', cases=[('x', 'FAIL')]),
                                    *ours(mmap_prepare=native, mmap_prepare_compat=compat)))
        self.assertEqual((s.passed, s.failed, s.skipped), (len(runner.SUITES), 1, 1))
        self.assertEqual(s.failing, ['mmap_prepare_compat.shape_backing_file_vfs_mmap.hook_fails'])
        self.assertIn('mmap_prepare_compat.can_mmap_file_rejects_no_hook', s.passing)
        self.assertIn('mmap_prepare_integration.a', s.passing)
        self.assertTrue(s.found)

    def test_every_suite_is_counted(self):
        s = runner.summarise(result(*ours()))
        self.assertEqual((s.passed, s.failed, s.skipped, s.failing),
                         (len(runner.SUITES), 0, 0, []))
        self.assertEqual(s.passing, [f'{name}.a' for name in runner.SUITES])

    def test_crash_counts_as_failure(self):
        s = runner.summarise(result(*ours(mmap_prepare=group('mmap_prepare',
                                                             cases=[('a', 'ERROR')]))))
        self.assertEqual((s.failed, s.failing), (1, ['mmap_prepare.a']))

    def test_a_missing_default_suite_is_a_failure(self):
        for name in runner.SUITES:
            suites = [g for g in ours() if g['name'] != name]
            s = runner.summarise(result(group('lazy_mmu_mode', cases=[('a', 'PASS')]), *suites))
            self.assertEqual((s.passed, s.failed), (len(runner.SUITES) - 1, 1), name)
            self.assertEqual(s.failing, [f'{name} (suite missing from the results)'])
            self.assertTrue(s.found)        # the kernel ran: the others are there

    def test_missing_suites_are_each_a_failure(self):
        s = runner.summarise(result(group('lazy_mmu_mode', cases=[('a', 'PASS')])))
        self.assertEqual((s.passed, s.failed), (0, len(runner.SUITES)))
        self.assertTrue(all('suite missing' in f for f in s.failing))
        self.assertFalse(s.found)

    def test_no_result_file_is_a_failure(self):
        s = runner.summarise(None)
        self.assertEqual(s.failed, len(runner.SUITES))
        self.assertFalse(s.found)

    def test_the_profile_suite_counts_only_where_it_ran(self):
        faults = runner.PROFILE_SUITES[0]
        s = runner.summarise(result(*ours()))
        self.assertFalse(any(c.startswith(faults) for c in s.passing + s.failing))
        s = runner.summarise(result(*ours(), group(faults, subs=[
            group('native', cases=[('hook_changes_nothing', 'PASS'),
                                   ('hook_replaces_vm_file', 'FAIL')])])))
        self.assertEqual((s.passed, s.failed), (len(runner.SUITES) + 1, 1))
        self.assertEqual(s.failing, [f'{faults}.native.hook_replaces_vm_file'])
        # Present but empty: as much a failure as a default suite that ran nothing.
        s = runner.summarise(result(*ours(), group(faults)))
        self.assertEqual(s.failing, [f'{faults} (no case ran)'])

    def test_a_suite_that_ran_nothing_is_a_failure(self):
        s = runner.summarise(result(*ours(mmap_prepare_integration=group(
            'mmap_prepare_integration'))))
        self.assertEqual((s.passed, s.failed), (len(runner.SUITES) - 1, 1))
        self.assertEqual(s.failing, ['mmap_prepare_integration (no case ran)'])

    def test_missing_cases_reported_by_the_parser_fail(self):
        s = runner.summarise(result(*ours(mmap_prepare_compat=group(
            'mmap_prepare_compat', cases=[('a', 'PASS')], errors=2))))
        self.assertEqual(s.failed, 2)
        self.assertEqual(s.failing, ['mmap_prepare_compat (2 missing or unparsed case(s))'])

    def test_our_leaves_name_every_case_by_its_suite(self):
        r = result(group('other', cases=[('x', 'PASS')]), *ours(), group(
            runner.PROFILE_SUITES[0], cases=[('b', 'SKIP')]))
        self.assertEqual(dict(runner.our_leaves(r)), {
            **{f'{name}.a': 'PASS' for name in runner.SUITES},
            f'{runner.PROFILE_SUITES[0]}.b': 'SKIP'})
        self.assertEqual(list(runner.our_leaves(None)), [])


KTAP = """        ok 4 hook_changes_pgoff
    # nested: EXPECTATION FAILED at mm/tests/mmap_prepare_kunit.c:580
    Expected now[i] == before[i] + (files[i] == mapped), but
        now[i] == 3 (0x3)
while mapped: references to the replacement file
        not ok 5 hook_replaces_vm_file
    # nested: EXPECTATION FAILED at mm/tests/mmap_prepare_kunit.c:580
    Expected now[i] == before[i] + (files[i] == mapped), but
        now[i] == 2 (0x2)
while mapped: references to the replacement file
        not ok 11 hook_changes_everything
"""


class KernelLogTest(unittest.TestCase):

    def test_same_failure_with_other_numbers_is_one_signature(self):
        sigs = runner.failure_signatures(KTAP)
        self.assertEqual(len(sigs), 1)
        self.assertIn('mmap_prepare_kunit.c:# | Expected', next(iter(sigs)))

    def test_a_new_message_is_a_new_signature(self):
        more = KTAP.replace('while mapped: references', 'after munmap(): references', 1)
        self.assertEqual(len(runner.failure_signatures(more)), 2)

    def test_splats_are_found(self):
        log = 'ok 1 a\n------------[ cut here ]------------\nWARNING: CPU: 0 at mm/util.c:1\n'
        self.assertEqual(len(runner.splats(log)), 2)
        self.assertEqual(runner.splats(KTAP), [])


class CommandTest(unittest.TestCase):

    def test_uses_the_trees_own_kunit_py_and_our_kunitconfig(self):
        cmd = runner.kunit_command('/k', '/b', '/b/r.json', arch='x86_64', jobs=2)
        self.assertEqual(cmd[1:3], ['/k/tools/testing/kunit/kunit.py', 'run'])
        for arg in ('--kunitconfig=mm/tests', '--build_dir=/b', '--arch=x86_64',
                    '--jobs=2', '--json=/b/r.json'):
            self.assertIn(arg, cmd)

    @mock.patch.dict(os.environ)
    def test_compilers_go_through_ccache(self):
        os.environ.pop('CCACHE_DIR', None)
        os.environ.pop('CCACHE_BASEDIR', None)
        env = runner.build_env('/cache', '/cache/src/linux', '/cache/build/linux-um')
        self.assertTrue(env['PATH'].startswith(runner.CCACHE_WRAPPERS + os.pathsep))
        self.assertEqual(env['CCACHE_DIR'], '/cache/ccache')
        self.assertEqual(env['CCACHE_BASEDIR'], '/cache')

    @mock.patch.dict(os.environ)
    def test_a_users_own_ccache_dir_is_kept(self):
        os.environ['CCACHE_DIR'] = '/mine'
        self.assertEqual(runner.build_env('/cache', '/t', '/b')['CCACHE_DIR'], '/mine')


class QemuShimTest(unittest.TestCase):
    """The shim drops every -accel but tcg and runs the real QEMU of its name."""

    @mock.patch.dict(os.environ)
    def test_only_tcg_reaches_qemu(self):
        import subprocess
        import tempfile
        with tempfile.TemporaryDirectory() as d:
            fake = os.path.join(d, 'qemu-system-x86_64')
            with open(fake, 'w') as f:
                f.write('#!/bin/sh\nfor a do echo "$a"; done\n')
            os.chmod(fake, 0o755)
            os.environ.pop('MPK_QEMU_ACCEL', None)
            env = runner.build_env('/c', '/t', '/b')
            env['PATH'] = env['PATH'].replace(runner.CCACHE_WRAPPERS + os.pathsep, '')
            env['PATH'] = env['PATH'].replace(runner.QEMU_TCG_SHIM,
                                              runner.QEMU_TCG_SHIM + os.pathsep + d, 1)
            out = subprocess.run(
                'qemu-system-x86_64 -m 1024 -accel kvm -accel hvf -accel tcg -serial stdio',
                shell=True, env=env, capture_output=True, text=True, check=True).stdout
        self.assertEqual(out.split(), ['-m', '1024', '-accel', 'tcg', '-serial', 'stdio'])

    @mock.patch.dict(os.environ, {'MPK_QEMU_ACCEL': 'kvm'})
    def test_kvm_on_request(self):
        self.assertNotIn(runner.QEMU_TCG_SHIM, runner.build_env('/c', '/t', '/b')['PATH'])


class ExpectedListTest(unittest.TestCase):
    """NIPA's kunit-expected: 'group case result', the group holding the case."""

    def test_parameterised_and_plain_cases(self):
        text = runner.expected_list({
            'mmap_prepare_compat.shape_compat_vma_mmap.hook_replaces_vm_file': 'F1',
            'mmap_prepare_compat.action_complete_refuses_undelegated_io_remap': 'F9'})
        self.assertEqual(text.splitlines(), [
            'mmap_prepare_compat action_complete_refuses_undelegated_io_remap fail',
            'shape_compat_vma_mmap hook_replaces_vm_file fail'])
        for line in text.splitlines():
            self.assertEqual(len(line.split()), 3)


class ProfileTest(unittest.TestCase):

    def test_sanitize_adds_kernel_options_per_architecture(self):
        um = runner.profile_args('sanitize', 'um')
        self.assertIn('--kconfig_add=CONFIG_KASAN=y', um)
        self.assertNotIn('--kconfig_add=CONFIG_DEBUG_VM_PGTABLE=y', um)   # not on UML
        self.assertIn('--kconfig_add=CONFIG_DEBUG_VM_PGTABLE=y',
                      runner.profile_args('sanitize', 'x86_64'))

    def test_a_profile_changes_the_build_so_kunit_py_run_takes_it(self):
        from mpk import kbuild
        self.assertFalse(kbuild.exec_only(runner.profile_args('sanitize', 'um')))
        self.assertEqual(runner.profile_args(None, 'um'), [])


class KnownBugsTest(unittest.TestCase):
    """Known kernel bugs: inherited by later stable releases, and a fixed one is news."""

    def test_a_later_stable_release_inherits_the_list(self):
        self.assertTrue(runner.load_known('7.3.4'))
        self.assertEqual(runner.load_known('7.3.5'), runner.load_known('7.3.4'))
        self.assertEqual(runner.load_known('7.3.17'), runner.load_known('7.3.4'))

    def test_an_earlier_release_or_another_series_inherits_nothing(self):
        self.assertFalse(runner.covers('7.3.4', '7.3.3'))
        self.assertFalse(runner.covers('7.3.4', '7.4.4'))
        self.assertFalse(runner.covers('7.3.4', '7.3.4-rc1'))

    def test_a_known_bug_case_that_passes_is_reported_and_does_not_fail_the_gate(self):
        direct = 'mmap_prepare_compat.shape_compat_vma_mmap.hook_replaces_vm_file'
        shm = 'mmap_prepare_compat.shape_shm_vfs_mmap.hook_replaces_vm_file'
        known = {direct: ['F1'], shm: ['F1']}
        s = runner.Summary(passed=2, failed=1, passing=['a', direct], failing=[shm])
        j = runner.judge(s, known)
        self.assertEqual(j.failed, 0)
        self.assertEqual(j.known, [shm])
        self.assertEqual(j.fixed, [direct])
        from mpk import cli, target
        t = target.Target(tree='/t', label='linux-7.3.5', version='7.3.5', arch='um',
                          build_dir='/b', known_bugs=known, cache='/c')
        with mock.patch('builtins.print') as out:
            cli.print_run(t, j)
        printed = [c.args[0] for c in out.call_args_list]
        self.assertIn(f'mpk:   NOW PASSES {direct}: known '
                      'kernel bug fixed? update known_kernel_bugs.json', printed)


class ProfileOnlyCasesTest(unittest.TestCase):

    def test_the_fault_injection_suite_is_not_in_the_default_configuration(self):
        self.assertFalse(runner.in_default_config(
            'mmap_prepare_fault_injection.shape_backing_file_vfs_mmap.hook_replaces_vm_file'))
        self.assertTrue(runner.in_default_config(
            'mmap_prepare_compat.shape_backing_file_vfs_mmap.hook_replaces_vm_file'))
        self.assertTrue(runner.in_default_config('mmap_prepare.mmap_with_hook.hook_sets_flags'))

    def test_known_bugs_of_the_default_configuration(self):
        known = runner.load_known('7.3.4')
        default = [c for c in known if runner.in_default_config(c)]
        # `./mpk run` on 7.3.4: 48 red for known kernel bugs.
        self.assertEqual((len(known), len(default)), (54, 48))

    def test_every_known_case_is_named_suite_case_param_of_a_suite_of_ours(self):
        with open(runner.KNOWN_FILE, encoding='utf-8') as f:
            bugs = json.load(f)['bugs']
        for bug in bugs:
            for case in bug['cases']:
                self.assertIn(case.split('.')[0], (*runner.SUITES, *runner.PROFILE_SUITES), case)
                self.assertIn(len(case.split('.')), (2, 3), case)


if __name__ == '__main__':
    unittest.main()


class ProgressTest(fakes.TempDirs, unittest.TestCase):
    def test_a_long_quiet_run_says_how_far_it_is(self):
        d = self.tmp()
        fakes.write(d, 'mm/a.o', '')
        fakes.write(d, 'mm/b.o', '')
        fakes.write(d, 'mm/b.c', '')
        fakes.write(d, 'kunit.log', 'Configuring KUnit Kernel ...\nBuilding KUnit Kernel ...\n\n')
        self.assertEqual(runner.progress(d, os.path.join(d, 'kunit.log'), 185),
                         'mpk:   ... 3 min 05 s, 2 objects built; kunit.py: Building KUnit Kernel ...')

    def test_the_heartbeat_does_not_change_the_exit_status(self):
        d = self.tmp()
        logs = []
        with mock.patch.object(runner, 'HEARTBEAT', 0.2):
            rc = runner.kunit([sys.executable, '-c', 'import time; time.sleep(0.5); exit(3)'],
                              d, d, d, 'x.log', log=logs.append)
        self.assertEqual(rc, 3)
        self.assertTrue(any(ln.startswith('mpk:   ... 0 min') for ln in logs), logs)

