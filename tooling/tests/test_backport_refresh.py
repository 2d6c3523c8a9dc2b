"""tooling/backport-refresh: the committed backport patch is what it writes.

The script applies backports/suites.patch to the suites with fuzz and writes it
back without: run on a copy of the repository, it must leave the patch as
committed, so the patch was refreshed after the last change to the suites.
"""
import os
import shutil
import subprocess
import unittest

from fakes import TempDirs

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@unittest.skipUnless(shutil.which('patch') and shutil.which('diff'), 'needs patch and diff')
class BackportRefreshTest(TempDirs, unittest.TestCase):

    def copy(self):
        d = self.tmp()
        for rel in ('mm/tests', 'backports', 'tooling'):
            shutil.copytree(os.path.join(REPO, rel), os.path.join(d, rel),
                            ignore=shutil.ignore_patterns('__pycache__'))
        return d

    def test_the_committed_patch_is_already_refreshed(self):
        d = self.copy()
        r = subprocess.run([os.path.join(d, 'tooling/backport-refresh')], capture_output=True,
                           text=True, check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(REPO, 'backports/suites.patch'), encoding='utf-8') as f:
            committed = f.read()
        with open(os.path.join(d, 'backports/suites.patch'), encoding='utf-8') as f:
            self.assertEqual(f.read(), committed)

    def test_a_hunk_that_no_longer_applies_is_left_to_fix(self):
        d = self.copy()
        with open(os.path.join(d, 'mm/tests/mmap_prepare_kunit.c'), 'w', encoding='utf-8') as f:
            f.write('/* rewritten */\n')
        r = subprocess.run([os.path.join(d, 'tooling/backport-refresh')], capture_output=True,
                           text=True, check=False)
        self.assertEqual(r.returncode, 1)
        self.assertIn('hunks failed; fix', r.stderr)
        work = r.stderr.split('hunks failed; fix ')[1].split('/b,')[0]
        self.addCleanup(shutil.rmtree, work, True)
        with open(os.path.join(d, 'backports/suites.patch'), encoding='utf-8') as f, \
                open(os.path.join(REPO, 'backports/suites.patch'), encoding='utf-8') as g:
            self.assertEqual(f.read(), g.read())       # the patch is left as it was
