"""mpk report: the README's and docs' tables are what results/ gives, and a
table edited by hand is caught."""
import json
import os
import re
import unittest

from fakes import REPO, TempDirs
from mpk import report, results
from mpk.errors import UserError


def record(**data):
    return {'kind': 'run', 'kernel': '7.3.4', 'arch': 'um', 'date': '2026-12-02 18:00 UTC',
            'command': './mpk run', 'cpus': 2, 'wall_seconds': 400, 'file': 'results/x.json',
            **data}


class CommittedTablesTest(unittest.TestCase):

    def test_every_table_in_readme_and_docs_is_what_results_give(self):
        self.assertEqual(report.run(REPO, check=True), [],
                         'a table differs from results/: run ./mpk report (and never edit '
                         'between the markers by hand)')

    def test_every_block_is_used(self):
        text = ''
        for path in report.documents(REPO):
            with open(path, encoding='utf-8') as f:
                text += f.read()
        for name in report.BLOCKS:
            self.assertIn(report.BEGIN.format(name), text)

    def test_a_hand_edit_inside_a_table_is_caught(self):
        with open(os.path.join(REPO, 'README.md'), encoding='utf-8') as f:
            text = f.read()
        data = report.load(REPO)
        block = report.BLOCK.search(text)
        self.assertIsNotNone(block, 'README.md has no generated table')
        inner = block.group(2)
        edited = text.replace(inner, inner.replace('|', '| 1', 1), 1)
        self.assertNotEqual(edited, text)
        self.assertNotEqual(report.regenerate(REPO, edited, data), edited)
        self.assertEqual(report.regenerate(REPO, text, data), text)

    def test_every_relative_link_and_anchor_resolves(self):
        def slug(heading):
            return re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-')
        texts = {}
        for path in report.documents(REPO):
            with open(path, encoding='utf-8') as f:
                texts[os.path.normpath(path)] = f.read()
        for path, text in texts.items():
            for target in re.findall(r'\]\(([^)#]*)(?:#([^)]*))?\)', text):
                dest = os.path.normpath(os.path.join(os.path.dirname(path), target[0]))
                if target[0].startswith('http'):
                    continue
                with self.subTest(link=target, page=path):
                    self.assertTrue(os.path.exists(dest))
                    if target[1] and dest in texts:
                        self.assertIn(target[1], {slug(h) for h in
                                                  re.findall(r'^#+ (.*)$', texts[dest], re.M)})

    def test_an_unknown_block_is_refused(self):
        with self.assertRaises(UserError):
            report.regenerate(REPO, '<!-- mpk report nosuch begin -->\nx\n'
                              '<!-- mpk report nosuch end -->\n', {})


class RenderTest(unittest.TestCase):

    def test_timings_say_cold_build_and_wall_of_each_command(self):
        data = {'test': [record(kind='test', command='./mpk test', cold=True,
                                kernel_seconds=310, wall_seconds=455,
                                line='420 passed, 0 failed, 4 skipped',
                                suite={})]}
        out = report.timings(REPO, data)
        self.assertIn('| `./mpk test` | 2026-12-02 18:00 UTC | 7.3.4 (um) | 2 | cold | '
                      '5 min 10 s | 7 min 35 s | 420 passed, 0 failed, 4 skipped |', out)

    def test_kernels_keep_the_newest_verdict_per_kernel_and_arch(self):
        old = record(passed=1, failed=0, skipped=0, known=45, date='2026-12-01 10:00 UTC')
        new = record(passed=199, failed=0, skipped=0, known=45)
        out = report.kernels(REPO, {'run': [old, new]})
        self.assertIn('| 7.3.4 | um | 199 | 0 | 0 | 45 | 2026-12-02 |', out)
        self.assertNotIn('| 7.3.4 | um | 1 |', out)


class TakeTest(TempDirs, unittest.TestCase):

    def test_take_writes_a_compact_record_named_by_kind_kernel_arch(self):
        repo = self.tmp()
        os.makedirs(os.path.join(repo, 'results'))
        cache = self.tmp()
        path = results.record(cache, 'mutate', '7.3.4', 'um', {
            'seconds': 100, 'mode': 'schemata',
            'rows': [{'id': 'm', 'verdict': 'killed', 'mode': 'schemata', 'seconds': 0.5,
                      'cases': ['a.b', 'c.d']}]})
        self.assertEqual(report.take(repo, [path]), ['mutate-7.3.4-um.json'])
        with open(os.path.join(repo, 'results', 'mutate-7.3.4-um.json'), encoding='utf-8') as f:
            rec = json.load(f)
        self.assertEqual(rec['rows'][0]['cases'], 2)
        self.assertEqual(rec['rows'][0]['first'], 'a.b')
        for key in ('kind', 'date', 'command', 'cpus', 'wall_seconds'):
            self.assertIn(key, rec)

    def test_take_refuses_a_file_that_is_no_results_file(self):
        path = os.path.join(self.tmp(), 'x.json')
        with open(path, 'w', encoding='utf-8') as f:
            json.dump([1, 2], f)
        with self.assertRaises(UserError):
            report.take(self.tmp(), [path])


if __name__ == '__main__':
    unittest.main()
