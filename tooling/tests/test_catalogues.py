"""Catalogues quote Linux 7.3.4 exactly: on 7.3.5 they are shown valid or stale, never assumed."""
import unittest

from fakes import TempDirs, make_tree, write
from mpk import coverage, mutate, perkernel


CATALOGUE = {'kernel': '7.3.4', 'mutants': [
    {'id': 'hook-not-called', 'file': 'mm/util.c',
     'old': '\terr = vfs_mmap_prepare(file, &desc);', 'new': '\terr = 0;'},
    {'id': 'hook-error-swallowed', 'file': 'mm/util.c',
     'old': '\tif (err)\n\t\treturn err;\n\taction', 'new': '\tif (err)\n\t\treturn 0;\n\taction'},
    {'id': 'wb-pgoff-dropped', 'file': 'mm/vma.h',
     'old': '\tvma_set_pgoff(vma, desc->pgoff);\n', 'new': ''}]}
UTIL_C = '\terr = vfs_mmap_prepare(file, &desc);\n\tif (err)\n\t\treturn err;\n\taction = 0;\n'
VMA_H = '\tvma_set_pgoff(vma, desc->pgoff);\n'


def tree_quoting_the_coverage_catalogue(root, version, leave_out=()):
    make_tree(root, version=version)
    spec = coverage.load_spec('7.3.4')
    text = {}
    for path, names in [*spec['functions'].items(), *spec.get('also', {}).items()]:
        text[path] = ''.join(f'int {n}(void)\n{{\n}}\n' for n in names if n not in leave_out)
    first = next(iter(text))
    text[first] += ''.join(f'\t{r["line"]}\n' for r in spec.get('untaken', []))
    for path, body in text.items():
        write(root, path, body)
    return root


class MutantCatalogueTest(TempDirs, unittest.TestCase):

    def tree(self, util_c=UTIL_C):
        root = make_tree(self.tmp(), version=(7, 3, 5))
        write(root, 'mm/util.c', util_c)
        write(root, 'mm/vma.h', VMA_H)
        return root

    def test_written_for_a_release_and_still_valid_on_the_next(self):
        line, stale = mutate.catalogue_status(self.tree(), '7.3.5', CATALOGUE)
        self.assertEqual(stale, [])
        self.assertEqual(line, 'mutant catalogue written for Linux 7.3.4: still valid on '
                               '7.3.5: every text it quotes found in the tree')

    def test_a_text_the_next_release_changed_makes_it_stale(self):
        tree = self.tree(UTIL_C.replace('vfs_mmap_prepare(file, &desc)', 'prepare(&desc)'))
        line, stale = mutate.catalogue_status(tree, '7.3.5', CATALOGUE)
        self.assertEqual(stale, ['hook-not-called'])
        self.assertIn('STALE on 7.3.5: 1 not found: hook-not-called', line)

    def test_a_text_found_twice_is_stale_too(self):
        line, stale = mutate.catalogue_status(self.tree(UTIL_C * 2), '7.3.5', CATALOGUE)
        self.assertEqual(stale, ['hook-not-called', 'hook-error-swallowed'])

    def test_a_stale_mutant_fails_the_run_it_is_in(self):
        rows = [{'id': 'hook-not-called', 'verdict': 'stale', 'cases': []}]
        self.assertEqual(mutate.failed(rows), rows)


class CoverageCatalogueTest(TempDirs, unittest.TestCase):

    def test_still_valid_on_the_next_release(self):
        tree = tree_quoting_the_coverage_catalogue(self.tmp(), (7, 3, 5))
        line, stale = coverage.catalogue_status(tree, '7.3.5')
        self.assertEqual(stale, [])
        self.assertIn('coverage catalogue written for Linux 7.3.4: still valid on 7.3.5', line)

    def test_a_function_gone_makes_it_stale(self):
        tree = tree_quoting_the_coverage_catalogue(self.tmp(), (7, 3, 5),
                                                   leave_out={'compat_vma_mmap'})
        line, stale = coverage.catalogue_status(tree, '7.3.5')
        self.assertEqual(stale, ['mm/util.c: compat_vma_mmap()'])
        self.assertIn('STALE on 7.3.5', line)


class ValidityLineTest(unittest.TestCase):

    def test_the_release_it_was_written_for(self):
        self.assertEqual(perkernel.validity('x', {'kernel': '7.3.4'}, '7.3.4', []),
                         'x written for Linux 7.3.4: checked against its text')


if __name__ == '__main__':
    unittest.main()
