"""mpk mutate: one mutant at a time, the tree always restored, honest verdicts."""
import os
import unittest

from fakes import TempDirs, checksum, hold_lock, make_tree, read, write
from mpk import mutate, runner
from mpk.errors import UserError

MUTANT = {'id': 'm1', 'file': 'mm/util.c', 'why': 'drops a line',
          'old': '\tdesc->pgoff = vma_start_pgoff(vma);\n', 'new': ''}
UTIL_C = 'void f(void)\n{\n\tdesc->pgoff = vma_start_pgoff(vma);\n}\n'


def summary(passing=(), failing=(), found=True):
    return runner.Summary(passing=list(passing), failing=list(failing), found=found)


class MutationTest(TempDirs, unittest.TestCase):

    def setUp(self):
        self.tree = make_tree(self.tmp())
        write(self.tree, 'mm/util.c', UTIL_C)

    def test_mutant_is_present_only_inside_the_block(self):
        before = checksum(self.tree)
        with mutate.Mutation(self.tree, MUTANT):
            self.assertNotIn('desc->pgoff', read(self.tree, 'mm/util.c'))
        self.assertEqual(checksum(self.tree), before)

    def test_restored_after_a_failure_inside_the_block(self):
        before = checksum(self.tree)
        with self.assertRaises(KeyboardInterrupt):
            with mutate.Mutation(self.tree, MUTANT):
                raise KeyboardInterrupt
        self.assertEqual(checksum(self.tree), before)

    def test_stale_text_touches_nothing(self):
        before = checksum(self.tree)
        stale = dict(MUTANT, old='not in the file')
        with self.assertRaises(mutate.StaleMutant):
            with mutate.Mutation(self.tree, stale):
                pass
        self.assertEqual(checksum(self.tree), before)

    def test_journal_restores_after_a_kill(self):
        before = checksum(self.tree)
        m = mutate.Mutation(self.tree, MUTANT).__enter__()   # then "killed"
        del m
        self.assertNotEqual(checksum(self.tree), before)
        mutate.restore_journal(self.tree, log=lambda msg: None)
        self.assertEqual(checksum(self.tree), before)

    def test_run_all_restores_and_reports_every_verdict(self):
        results = iter([summary(['a', 'b']),            # baseline
                        summary(['a'], ['b']),          # m1: killed
                        summary(['a', 'b'])])           # m2: survived
        mutants = [MUTANT, dict(MUTANT, id='m2'), dict(MUTANT, id='m3', old='gone'),
                   dict(MUTANT, id='m4', equivalent='same code')]
        before = checksum(self.tree)
        rows = mutate.run_all(self.tree, mutants, lambda: next(results), log=lambda m: None)
        self.assertEqual([r['verdict'] for r in rows],
                         ['killed', 'survived', 'stale', 'equivalent'])
        self.assertEqual(rows[0]['cases'], ['b'])
        self.assertEqual(checksum(self.tree), before)
        table = mutate.table(rows, mutants)
        self.assertIn('Score: 1/2 non-equivalent mutants killed', table)

    def test_a_mutant_this_architecture_cannot_see_survives_as_blind(self):
        results = iter([summary(['a', 'b']), summary(['a', 'b']), summary(['a'], ['b']),
                        summary(['a', 'b']), summary(['a', 'b'])])
        only_x86 = dict(MUTANT, id='x', arches=['x86_64'], blind='um keeps no such bit')
        rows = mutate.run_all(self.tree, [only_x86, dict(only_x86, id='y'),
                                          dict(only_x86, id='z', arches=['um'])],
                              lambda: next(results), log=lambda m: None, arch='um')
        # Blind where expected; a kill is still a kill; survival where it can see is not.
        self.assertEqual([r['verdict'] for r in rows], ['blind', 'killed', 'survived'])
        self.assertEqual(rows[0]['cases'], ['um keeps no such bit'])
        self.assertIn('Score: 1/2 non-equivalent mutants killed; equivalent 0, blind 1',
                      mutate.table(rows, [only_x86, dict(only_x86, id='y'),
                                          dict(only_x86, id='z')]))

    def test_a_second_run_on_the_same_tree_is_refused(self):
        for exclusive in (True, False):     # another mutate; another run building from it
            other = hold_lock(self.tree, exclusive=exclusive)
            try:
                before = checksum(self.tree)
                with self.assertRaises(UserError) as cm:
                    mutate.run_all(self.tree, [MUTANT], lambda: summary(['a']),
                                   log=lambda m: None)
                self.assertIn('another mpk command', str(cm.exception))
                self.assertEqual(checksum(self.tree), before)
            finally:
                other.kill()
                other.wait()

    def schemata_run(self, zero):
        calls = []

        def run_suite(switch=None, build=True):
            calls.append((switch, build))
            if switch is None:                 # one at a time (the fallback)
                return summary(['a'], ['b'])
            if switch == 0:
                return zero
            return summary(['a'], ['b'])       # every mutant kills b
        before = checksum(self.tree)
        rows = mutate.run_all(self.tree, [MUTANT], run_suite, log=lambda m: None,
                              base=summary(['a', 'b']), schemata_mode=True)
        self.assertEqual(checksum(self.tree), before)
        return rows, calls

    def test_schemata_build_once_then_boot_each_switch(self):
        rows, calls = self.schemata_run(zero=summary(['a', 'b']))
        self.assertEqual([(r['verdict'], r['mode']) for r in rows], [('killed', 'schemata')])
        self.assertEqual(calls, [(0, True), (1, False)])

    def test_schemata_kernel_unlike_the_pristine_one_falls_back_to_one_at_a_time(self):
        rows, calls = self.schemata_run(zero=summary(['a']))
        self.assertEqual([(r['verdict'], r['mode']) for r in rows], [('killed', 'one-at-a-time')])
        self.assertEqual(calls, [(0, True), (None, True)])

    def test_schemata_baseline_one_build_gives_suite_and_mutant_verdicts(self):
        # mpk test: no pristine kernel; switch 0 of the schemata kernel is the baseline.
        calls = []

        def run_suite(switch=None, build=True):
            calls.append((switch, build))
            return summary(['a', 'b'], ['red']) if switch == 0 else summary(['a'], ['b', 'red'])
        before = checksum(self.tree)
        rows, base = mutate.run_all(self.tree, [MUTANT], run_suite, log=lambda m: None,
                                    base=mutate.SCHEMATA_BASE, schemata_mode=True,
                                    with_base=True)
        self.assertEqual(calls, [(0, True), (1, False)])      # one build, no pristine run
        self.assertEqual((base.passing, base.failing), (['a', 'b'], ['red']))
        self.assertEqual([(r['verdict'], r['cases']) for r in rows], [('killed', ['b'])])
        self.assertEqual(checksum(self.tree), before)

    def test_a_mutant_that_cannot_be_switched_runs_on_the_schemata_kernel(self):
        # Its file is not one the schemata kernel changes: it is applied on top of
        # that kernel (switch 0), so restoring the schemata files costs no rebuild.
        write(self.tree, 'fs/x.c', 'static int g(int a)\n{\n\tif (a > 1 &&\n'
                                   '\t    a < 5)\n\t\treturn 1;\n\treturn 0;\n}\n')
        single = {'id': 's', 'file': 'fs/x.c', 'why': 'w', 'old': 'a > 1 &&\n\t    a < 5)',
                  'new': 'a > 1)'}
        calls = []

        def run_suite(switch=None, build=True):
            calls.append((switch, build, 'MPK_MUTANT' in read(self.tree, 'mm/util.c'),
                          'a < 5' in read(self.tree, 'fs/x.c')))
            return summary(['a', 'b']) if len(calls) == 1 else summary(['a'], ['b'])
        before = checksum(self.tree)
        rows = mutate.run_all(self.tree, [MUTANT, single], run_suite, log=lambda m: None,
                              base=mutate.SCHEMATA_BASE, schemata_mode=True)
        self.assertEqual(calls, [(0, True, True, True), (1, False, True, True),
                                 (0, True, True, False)])
        self.assertEqual([(r['verdict'], r['mode']) for r in rows],
                         [('killed', 'schemata'),
                          ('killed', 'one-at-a-time on the schemata kernel')])
        self.assertEqual(checksum(self.tree), before)

    def test_a_mutant_that_cannot_be_switched_in_a_schemata_file_goes_on_top_too(self):
        # Its file holds a switched mutant as well; its own text is still there once.
        write(self.tree, 'mm/util.c', UTIL_C + 'static int g(int a)\n{\n\tif (a > 1 &&\n'
                                                '\t    a < 5)\n\t\treturn 1;\n\treturn 0;\n}\n')
        single = {'id': 's', 'file': 'mm/util.c', 'why': 'w',
                  'old': 'a > 1 &&\n\t    a < 5)', 'new': 'a > 1)'}
        calls = []

        def run_suite(switch=None, build=True):
            text = read(self.tree, 'mm/util.c')
            calls.append((switch, 'MPK_MUTANT' in text, 'a < 5' in text))
            return summary(['a', 'b']) if len(calls) == 1 else summary(['a'], ['b'])
        before = checksum(self.tree)
        rows = mutate.run_all(self.tree, [MUTANT, single], run_suite, log=lambda m: None,
                              base=mutate.SCHEMATA_BASE, schemata_mode=True)
        self.assertEqual(calls, [(0, True, True), (1, True, True), (0, True, False)])
        self.assertEqual(rows[1]['mode'], 'one-at-a-time on the schemata kernel')
        self.assertEqual(checksum(self.tree), before)

    def test_a_kill_inside_a_nested_mutation_still_restores_the_pristine_tree(self):
        write(self.tree, 'fs/x.c', 'int x = 1;\n')
        before = checksum(self.tree)
        outer = mutate.Patched(self.tree, {'mm/util.c': 'patched\n'}).__enter__()
        inner = mutate.Mutation(self.tree, {'id': 'i', 'file': 'fs/x.c', 'old': '1', 'new': '2'})
        inner.__enter__()                      # then SIGKILL: no __exit__ runs
        del inner, outer
        mutate.restore_journal(self.tree, log=lambda m: None)
        self.assertEqual(checksum(self.tree), before)

    def test_schemata_baseline_that_passes_nothing_is_refused(self):
        with self.assertRaises(UserError):
            mutate.run_all(self.tree, [MUTANT], lambda switch=None, build=True: summary(),
                           log=lambda m: None, base=mutate.SCHEMATA_BASE, schemata_mode=True)

    def test_schemata_baseline_without_a_switchable_mutant_runs_the_pristine_kernel(self):
        calls = []

        def run_suite(switch=None, build=True):
            calls.append(switch)
            return summary(['a', 'b'])
        rows, base = mutate.run_all(self.tree, [dict(MUTANT, equivalent='same code')],
                                    run_suite, log=lambda m: None, base=mutate.SCHEMATA_BASE,
                                    schemata_mode=True, with_base=True)
        self.assertEqual((calls, base.passing), ([None], ['a', 'b']))
        self.assertEqual([r['verdict'] for r in rows], ['equivalent'])

    def test_baseline_that_passes_nothing_is_refused(self):
        with self.assertRaises(UserError):
            mutate.run_all(self.tree, [MUTANT], lambda: summary(), log=lambda m: None)


class VerdictTest(unittest.TestCase):

    def test_build_failure_is_stillborn(self):
        self.assertEqual(mutate.verdict(summary(found=False), ['a'])[0], 'stillborn')

    def test_kernel_log_splat_kills(self):
        v, cases = mutate.verdict(summary(['a'], ['kernel log: WARNING: x']), ['a'])
        self.assertEqual(v, 'killed')

    def test_failures_already_red_on_baseline_do_not_kill(self):
        self.assertEqual(mutate.verdict(summary(['a'], ['known']), ['a'])[0], 'survived')

    def test_a_red_case_failing_in_a_new_way_kills(self):
        s = summary(['a'], ['known'])
        s.signatures = ['x.c:# | old', 'x.c:# | new']
        v, cases = mutate.verdict(s, ['a'], ['x.c:# | old'])
        self.assertEqual(v, 'killed')
        self.assertEqual(cases, ['a red case fails anew: x.c:# | new'])


class CatalogueTest(unittest.TestCase):

    def test_default_kernel_catalogue_is_well_formed(self):
        mutants = mutate.load_catalogue('7.3.4')
        ids = [m['id'] for m in mutants]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertGreaterEqual(len(mutants), 25)
        self.assertEqual(sum(bool(m.get('quick')) for m in mutants), 3)
        for m in mutants:
            self.assertTrue(m['why'] and m['old'] and m['old'] != m['new'], m['id'])
            self.assertTrue(os.path.normpath(m['file']) == m['file'] and
                            not m['file'].startswith('/'), m['id'])

    def test_unknown_kernel_has_no_catalogue(self):
        with self.assertRaises(UserError):
            mutate.load_catalogue('5.10.1')


if __name__ == '__main__':
    unittest.main()
