"""mpk coverage: lcov's tracefile read per function, no missed line unexplained."""
import os
import shutil
import subprocess
import sys
import unittest

from fakes import REPO, TempDirs, checksum, make_tree, write
from mpk import coverage
from mpk.errors import UserError

# A compat-shaped C file: f() has a branch the "suite" (main) never takes.
SOURCE = '''int g(int x)
{
	return x + 1;
}

int f(int x)
{
	if (x > 100)
		return -1;
	return g(x);
}

int unused(int x)
{
	return x * 2;
}

int main(void)
{
	return f(1) == 2 ? 0 : 1;
}
'''
SPEC = {'functions': {'mm/util.c': ['f', 'g']}, 'untaken': []}
INFO = '''TN:t
SF:/k/mm/util.c
FN:1,g
FN:6,f
FNDA:2,g
FNDA:2,f
DA:1,2
DA:3,2
DA:6,2
DA:8,2
DA:9,0
DA:10,2
BRDA:8,0,0,0
BRDA:8,0,1,2
end_of_record
SF:/k/mm/util.c
FN:6,f
FNDA:1,f
DA:9,1
BRDA:8,0,0,-
BRDA:8,0,1,-
end_of_record
'''


def lines():
    return SOURCE.splitlines()


class ReportTest(unittest.TestCase):

    def test_records_of_one_file_are_summed(self):
        rec = coverage.parse_info(INFO)['/k/mm/util.c']
        self.assertEqual(rec['fnda']['f'], 3)
        self.assertEqual(rec['da'][9], 1)
        self.assertEqual(rec['br'][(8, 0, 0)], 0)   # '-' adds nothing to a count

    def test_function_body_ends_at_its_closing_brace(self):
        self.assertEqual(coverage.function_end(lines(), 6), 11)

    def test_missed_line_fails(self):
        info = coverage.parse_info(INFO.split('end_of_record')[0])   # first object only
        rows, _ = coverage.report(info, lambda p: lines(), SPEC)
        f = rows[0]
        self.assertFalse(f['ok'])
        self.assertEqual(f['missed_lines'], [(9, 'return -1;')])

    def test_untaken_branch_without_a_reason_fails(self):
        rows, _ = coverage.report(coverage.parse_info(INFO), lambda p: lines(), SPEC)
        f, g = rows
        self.assertEqual((f['lines_hit'], f['lines'], f['branches_hit'], f['branches']),
                         (4, 4, 1, 2))
        self.assertEqual(f['untaken'][0]['text'], 'if (x > 100)')
        self.assertFalse(f['ok'])
        self.assertTrue(g['ok'])
        self.assertIn('NONE RECORDED', coverage.text_summary(rows, []))

    def test_recorded_reason_explains_the_branch(self):
        spec = dict(SPEC, untaken=[{'function': 'f', 'line': 'if (x > 100)',
                                    'reason': 'no caller passes more than 100'},
                                   {'function': 'g', 'line': 'gone', 'reason': 'old'}])
        rows, stale = coverage.report(coverage.parse_info(INFO), lambda p: lines(), spec)
        self.assertTrue(all(r['ok'] for r in rows))
        self.assertEqual(stale, ['g: gone'])
        self.assertIn('every line executed', coverage.text_summary(rows, stale).splitlines()[-1])

    def test_function_inlined_before_instrumentation_is_found_in_the_source(self):
        info = coverage.parse_info(INFO.replace('FN:1,g\n', '').replace('FNDA:2,g\n', ''))
        rows, _ = coverage.report(info, lambda p: lines(), SPEC)
        g = rows[1]
        self.assertEqual((g['start'], g['end'], g['calls'], g['lines_hit']), (1, 4, 2, 2))

    def test_also_reached_functions_are_reported_not_gated(self):
        info = coverage.parse_info(INFO.split('end_of_record')[0])   # f misses line 9
        spec = {'functions': {'mm/util.c': ['g']}, 'also': {'mm/util.c': ['f', 'nowhere']},
                'untaken': []}
        rows, _ = coverage.report(info, lambda p: lines(), spec)
        self.assertTrue(all(r['ok'] for r in rows))
        text = coverage.text_summary(rows, [])
        self.assertIn(coverage.ALSO + '\nmm/util.c:6-11 f:', text)
        self.assertIn('line 9 never executed', text)
        self.assertIn('coverage of 1 compat functions: lines 2/2', text.splitlines()[-1])

    def test_function_missing_from_the_data_fails(self):
        spec = {'functions': {'mm/util.c': ['f', 'nowhere']}, 'untaken': []}
        rows, _ = coverage.report(coverage.parse_info(INFO), lambda p: lines(), spec)
        self.assertFalse(rows[1]['ok'])
        self.assertIn('NOT OK: f, nowhere', coverage.text_summary(rows, []))

    def test_every_kernel_spec_names_existing_reasons_fields(self):
        for name in os.listdir(coverage.SPEC_DIR):
            spec = coverage.load_spec(name[:-5] + '.0')
            self.assertTrue(spec['functions'])
            for r in spec['untaken']:
                self.assertEqual(set(r), {'function', 'line', 'reason'})


# A destructor where gcc puts gcov's exit handler, linked with the default linker
# script less its .fini_array.* line: the layout of a UML vmlinux.
DTOR_100 = '''#include <stdio.h>
static void __attribute__((destructor(100))) late(void) { fputs("dtor100", stdout); }
int main(void) { return 0; }
'''


class GcovExitHandlersTest(TempDirs, unittest.TestCase):

    def test_orphaned_fini_array_section_is_made_to_run(self):
        d = self.tmp()
        write(d, 'p.c', DTOR_100)
        script = subprocess.run(['gcc', '-Wno-prio-ctor-dtor', '-Wl,--verbose', '-o',
                                 os.path.join(d, 'p0'), os.path.join(d, 'p.c')],
                                capture_output=True, text=True, check=True).stdout
        script = script.split('=' * 50)[1]
        self.assertIn('SORT_BY_INIT_PRIORITY(.fini_array.*)', script)
        write(d, 'uml.ld', '\n'.join(ln for ln in script.splitlines()
                                      if 'SORT_BY_INIT_PRIORITY(.fini_array.*)' not in ln))
        binary = os.path.join(d, 'p')
        subprocess.run(['gcc', '-Wno-prio-ctor-dtor', '-o', binary, os.path.join(d, 'p.c'),
                        '-Wl,-T,' + os.path.join(d, 'uml.ld')], check=True)

        def run():
            return subprocess.run([binary], capture_output=True, text=True, check=True).stdout
        self.assertEqual(run(), '')                     # the bug: never runs
        self.assertTrue(coverage.run_gcov_exit_handlers(binary))
        self.assertEqual(run(), 'dtor100')
        self.assertFalse(coverage.run_gcov_exit_handlers(binary))   # idempotent

    def test_not_an_elf_file_is_refused(self):
        path = os.path.join(self.tmp(), 'vmlinux')
        write(os.path.dirname(path), 'vmlinux', 'text')
        with self.assertRaises(UserError):
            coverage.run_gcov_exit_handlers(path)


@unittest.skipUnless(shutil.which('lcov') and shutil.which('genhtml'), 'lcov not installed')
class RealLcovTest(TempDirs, unittest.TestCase):
    """gcc --coverage on a small file, then the same lcov steps as a kernel run."""

    def test_gcov_build_to_report(self):
        tree = self.tmp()
        write(tree, 'mm/util.c', SOURCE)
        build = os.path.join(tree, 'build')
        os.makedirs(build)
        subprocess.run(['gcc', '--coverage', '-O0', '-o', os.path.join(build, 'util'),
                        os.path.join(tree, 'mm/util.c')], cwd=build, check=True)
        subprocess.run([os.path.join(build, 'util')], cwd=build, check=True)
        out = os.path.join(tree, 'out')
        os.makedirs(out)
        kept = coverage.lcov(build, tree, out, ['mm/util.c'], log=lambda m: None)
        with open(kept, encoding='utf-8') as f:
            info = coverage.parse_info(f.read())
        spec = {'functions': {'mm/util.c': ['f', 'g', 'unused']}, 'untaken': [
            {'function': 'f', 'line': 'if (x > 100)', 'reason': 'main passes 1'}]}
        rows, _ = coverage.report(info, lambda p: lines(), spec)
        f, g, unused = rows
        self.assertEqual(f['missed_lines'], [(9, 'return -1;')])
        self.assertEqual(f['untaken'][0]['reason'], 'main passes 1')
        self.assertTrue(g['ok'])
        self.assertEqual((unused['calls'], unused['lines_hit']), (0, 0))
        self.assertTrue(os.path.isfile(os.path.join(out, 'html', 'index.html')))
        coverage.remove_counts(build)
        self.assertFalse([n for n in os.listdir(build) if n.endswith('.gcda')])


class CommandTest(TempDirs, unittest.TestCase):

    def test_other_arch_is_refused_in_one_line(self):
        tree = make_tree(self.tmp())
        before = checksum(tree)
        r = subprocess.run([sys.executable, os.path.join(REPO, 'mpk'), 'coverage', '--arch',
                            'x86_64', '--kernel-src', tree], capture_output=True, text=True,
                           check=False)
        self.assertEqual((r.returncode, r.stdout), (2, ''))
        self.assertEqual(r.stderr, "mpk: coverage needs --arch=um (kunit.py's "
                                   "coverage_uml.config)\n")
        self.assertEqual(checksum(tree), before)


if __name__ == '__main__':
    unittest.main()
