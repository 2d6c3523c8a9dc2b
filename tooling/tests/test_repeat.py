"""mpk repeat: a boot that differs from the first is a flake; isolation keeps every boot."""
import unittest
from unittest import mock

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import repeat, runner, target


T = target.Target(tree='/t', label='l', version='7.3.4', arch='um', build_dir='/b',
                  known_bugs={}, cache='/c')


def boot_results(*verdict_sets, splat_at=()):
    out = []
    for i, v in enumerate(verdict_sets, 1):
        s = runner.Summary()
        if i in splat_at:
            s.fail('kernel log: WARNING: at mm/util.c')
        out.append((s, v))
    return out


class BootsTest(unittest.TestCase):

    def run_boots(self, results):
        with mock.patch.object(runner, 'run'), \
                mock.patch.object(repeat, 'boot', side_effect=results):
            return repeat.boots(T, len(results), log=lambda m: None)

    def test_identical_boots_are_no_flake(self):
        v = {'a': 'PASS', 'f.p1': 'FAIL'}
        first, flakes, _ = self.run_boots(boot_results(v, dict(v), dict(v)))
        self.assertEqual((first, flakes), (v, []))

    def test_a_case_that_changes_its_verdict_is_a_flake(self):
        v = {'a': 'PASS', 'b': 'PASS'}
        _, flakes, _ = self.run_boots(boot_results(v, v, {'a': 'PASS', 'b': 'FAIL'}))
        self.assertEqual(flakes, [(3, ['b'])])

    def test_a_splat_or_a_boot_without_result_is_a_flake(self):
        v = {'a': 'PASS'}
        _, flakes, _ = self.run_boots(boot_results(v, v, {}, splat_at=(2,)))
        self.assertEqual([n for n, _ in flakes], [2, 3])


class IsolatedTest(unittest.TestCase):

    def test_every_boot_counts_not_only_the_last(self):
        together = {'plain': 'PASS', 'f.p1': 'PASS', 'f.p2': 'FAIL'}
        results = boot_results({'plain': 'PASS'}, {'f.p1': 'PASS', 'f.p2': 'FAIL'})
        with mock.patch.object(repeat, 'case_functions', return_value=['s.plain', 's.f']), \
                mock.patch.object(repeat, 'boot', side_effect=results) as boot:
            functions, differ, _ = repeat.isolated(T, together, log=lambda m: None)
        self.assertEqual(differ, [])
        self.assertEqual([c.kwargs['extra'] for c in boot.call_args_list], [['s.plain'], ['s.f']])

    def test_a_case_that_only_passes_in_company_differs(self):
        together = {'a': 'PASS', 'b': 'PASS'}
        results = boot_results({'a': 'PASS'}, {'b': 'FAIL'})
        with mock.patch.object(repeat, 'case_functions', return_value=['s.a', 's.b']), \
                mock.patch.object(repeat, 'boot', side_effect=results):
            _, differ, _ = repeat.isolated(T, together, log=lambda m: None)
        self.assertEqual(differ, [('b', 'PASS', 'FAIL')])


if __name__ == '__main__':
    unittest.main()
