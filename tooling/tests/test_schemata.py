"""Mutant schemata: each switch position behaves exactly as its one-at-a-time mutant.

The proof needs no kernel: a small C file with the shapes the catalogue has
(expressions, deleted and replaced statements, nested and identical spans, a
member of a call's arguments) is compiled once per mutant with the mutant
applied as text, and once as schemata; each switch position must print what
its mutant prints, and switch 0 what the original prints.
"""
import os
import shutil
import subprocess
import unittest

from fakes import TempDirs, write
from mpk import schemata

PROGRAM = '''#include <stdio.h>
#include <stdlib.h>
struct vma { long start, end; int flags; };
static int helper(int x) { return x * 2; }
static int f(struct vma *vma, int err)
{
	int r = 0;

	r += helper(vma->start);
	vma->flags = 1;
	if (err)
		return err;
	r += vma->end - vma->start;
	r = 2 * r + 3;
	return r + helper(3);
}

static int g(int err)
{
	int r = 1;

	if (err)
		goto out_a;
	if (err > 100)
		goto out_b;
	if (err < 0)
		goto out_a;
	r = 5;
out_a:
	r += 10;
out_b:
	return r;
}

int main(void)
{
	struct vma v = { 1, 5, 0 };
	int a = f(&v, 0), b = f(&v, 7);

	printf("%d %d %d %d %d\\n", a, b, v.flags, g(0), g(7));
	return 0;
}
'''
MUTANTS = [
    {'id': 'expr', 'file': 'm.c', 'old': 'r += helper(vma->start);', 'new': 'r += helper(0);'},
    {'id': 'member', 'file': 'm.c', 'old': 'r += vma->end - vma->start;',
     'new': 'r += vma->start - vma->start;'},
    {'id': 'delete', 'file': 'm.c', 'old': '\tvma->flags = 1;\n', 'new': ''},
    {'id': 'swallow', 'file': 'm.c', 'old': '\tif (err)\n\t\treturn err;\n',
     'new': '\tif (err)\n\t\treturn 0;\n'},
    {'id': 'drop-check', 'file': 'm.c', 'old': '\tif (err)\n\t\treturn err;\n\tr +=',
     'new': '\tr +='},
    {'id': 'callee', 'file': 'm.c', 'old': 'return r + helper(3);', 'new': 'return r + 3;'},
    {'id': 'stmts', 'file': 'm.c',
     'old': '\tr += vma->end - vma->start;\n\tr = 2 * r + 3;\n\treturn r + helper(3);\n',
     'new': '\treturn 42;\n'},
    {'id': 'operator', 'file': 'm.c', 'old': 'r = 2 * r + 3;', 'new': 'r = 2 * r - 3;'},
    {'id': 'tighter-neighbour', 'file': 'm.c', 'old': 'r = 2 * r + 3;', 'new': 'r = 2 * 3;'},
    {'id': 'binary-operand', 'file': 'm.c', 'old': 'return r + helper(3);', 'new': 'return 7;'},
    {'id': 'same-span', 'file': 'm.c', 'old': '\tvma->flags = 1;', 'new': '\tvma->flags = 2;'},
    # A goto's label is no expression: the whole statement is switched.
    {'id': 'goto-label', 'file': 'm.c', 'old': '\tif (err)\n\t\tgoto out_a;\n',
     'new': '\tif (err)\n\t\tgoto out_b;\n'},
]


def compile_and_run(d, text):
    write(d, 'm.c', text)
    subprocess.run(['gcc', '-Wall', '-Werror', '-o', os.path.join(d, 'm'), os.path.join(d, 'm.c')],
                   check=True, capture_output=True)
    return lambda *args: subprocess.run([os.path.join(d, 'm'), *args], check=True,
                                        capture_output=True, text=True).stdout


@unittest.skipUnless(shutil.which('gcc'), 'needs gcc')
class SchemataBehaveAsTheirMutantsTest(TempDirs, unittest.TestCase):

    def test_every_switch_matches_its_one_at_a_time_mutant(self):
        d = self.tmp()
        groups, single = schemata.plan(lambda rel: PROGRAM, MUTANTS)
        self.assertEqual(single, {})
        placed = {mid: k for g in groups for mid, k in g.switches.items()}
        self.assertEqual(sorted(placed), sorted(m['id'] for m in MUTANTS))
        for g in groups:
            # The switch is a variable here; in the kernel, a core_param.
            text = g.files['m.c'].replace('int main(void)\n{\n',
                                          'int mpk_mutant;\nint main(int argc, char **argv)\n{\n'
                                          '\tmpk_mutant = atoi(argv[1]);\n')
            run = compile_and_run(d, text)
            expected = compile_and_run(self.tmp(), PROGRAM)()
            self.assertEqual(run('0'), expected, 'switch 0 is the original program')
            for mid, k in g.switches.items():
                m = next(m for m in MUTANTS if m['id'] == mid)
                one = compile_and_run(self.tmp(), PROGRAM.replace(m['old'], m['new']))()
                self.assertNotEqual(one, expected, f'{mid} changes nothing: a bad test')
                self.assertEqual(run(str(k)), one, mid)

    def test_nested_and_identical_spans_share_one_group(self):
        groups, _ = schemata.plan(lambda rel: PROGRAM, MUTANTS)
        self.assertEqual(len(groups), 1)

    def test_partial_overlap_goes_to_a_second_group(self):
        text = 'void g(int *a)\n{\n\ta[0] = 1;\n\ta[1] = 2;\n\ta[2] = 3;\n}\n'
        ms = [{'id': 'x', 'file': 'm.c', 'old': '\ta[0] = 1;\n\ta[1] = 2;\n', 'new': ''},
              {'id': 'y', 'file': 'm.c', 'old': '\ta[1] = 2;\n\ta[2] = 3;\n', 'new': ''}]
        groups, single = schemata.plan(lambda rel: text, ms)
        self.assertEqual([sorted(g.switches) for g in groups], [['x'], ['y']])

    def test_a_static_initializer_is_left_to_one_at_a_time(self):
        text = 'static const int limit = 4;\nint g(void)\n{\n\treturn limit;\n}\n'
        ms = [{'id': 'decl', 'file': 'm.c', 'old': 'limit = 4;', 'new': 'limit = 5;'}]
        groups, single = schemata.plan(lambda rel: text, ms)
        self.assertIn('outside any function', single['decl'])

    def test_stale_text_is_left_to_one_at_a_time(self):
        groups, single = schemata.plan(lambda rel: PROGRAM, [dict(MUTANTS[0], old='gone')])
        self.assertIn('found 0 times', single['expr'])

    def test_the_switch_home_defines_and_announces_the_switch(self):
        groups, _ = schemata.plan(lambda rel: PROGRAM, [dict(MUTANTS[0], file='mm/util.c')])
        home = groups[0].files[schemata.SWITCH_HOME]
        self.assertIn('core_param(mpk_mutant, mpk_mutant, int, 0444);', home)
        self.assertIn('mpk: mutant %d', home)


if __name__ == '__main__':
    unittest.main()
