"""mpk apply: installs, is idempotent, and refuses bad trees untouched."""
import glob
import os
import re
import subprocess
import sys
import unittest

from fakes import (REPO, TempDirs, checksum, copy_repo_overlay, git, git_tree,
                   make_tree, read, write)
from mpk import overlay
from mpk.errors import UserError


class ApplyTest(TempDirs, unittest.TestCase):

    def test_installs_every_file_and_addition(self):
        tree = make_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        for src, dst in overlay.NEW_FILES.items():
            self.assertEqual(read(tree, dst), read(REPO, src))
        self.assertEqual(read(tree, '.kunit/.kunitconfig'), read(REPO, '.kunitconfig'))
        for src, dst in overlay.ADDITIONS.items():
            self.assertTrue(read(tree, dst).endswith(read(REPO, src)))
        self.assertIn('tests/mmap_prepare_kunit.o', read(tree, 'mm/Makefile'))
        self.assertIn('config MMAP_PREPARE_KUNIT_TEST', read(tree, 'mm/Kconfig.debug'))

    def test_applying_twice_changes_nothing(self):
        tree = make_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        before = checksum(tree)
        mtime = os.stat(os.path.join(tree, 'mm/tests/mmap_prepare_kunit.c')).st_mtime_ns
        written = overlay.apply(REPO, tree, log=lambda m: None).written
        self.assertEqual(written, [])
        self.assertEqual(checksum(tree), before)
        # An untouched file keeps its mtime, so nothing is rebuilt.
        self.assertEqual(os.stat(os.path.join(tree, 'mm/tests/mmap_prepare_kunit.c'))
                         .st_mtime_ns, mtime)

    def test_newer_overlay_replaces_what_we_installed(self):
        repo = copy_repo_overlay(self.tmp())
        tree = make_tree(self.tmp())
        overlay.apply(repo, tree, log=lambda m: None)
        write(repo, 'mm/tests/mmap_prepare_kunit.c', '// edited test\n')
        write(repo, 'additions/mm/Makefile', 'obj-y += tests/mmap_prepare_kunit.o\n')
        written = overlay.apply(repo, tree, log=lambda m: None).written
        self.assertEqual(written, ['mm/Makefile', 'mm/tests/mmap_prepare_kunit.c'])
        self.assertEqual(read(tree, 'mm/tests/mmap_prepare_kunit.c'), '// edited test\n')
        makefile = read(tree, 'mm/Makefile')
        self.assertEqual(makefile.count('mmap_prepare_kunit'), 1, makefile)

    def test_replaces_kunit_default_config_for_bare_runs(self):
        tree = make_tree(self.tmp())
        write(tree, '.kunit/.kunitconfig',
              read(tree, 'tools/testing/kunit/configs/default.config'))
        overlay.apply(REPO, tree, log=lambda m: None)
        self.assertEqual(read(tree, '.kunit/.kunitconfig'), read(REPO, '.kunitconfig'))

    def test_clean_git_tree_is_accepted_and_reapplied(self):
        tree = git_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        before = checksum(tree)
        self.assertEqual(overlay.apply(REPO, tree, log=lambda m: None).written, [])
        self.assertEqual(checksum(tree), before)

    def test_committed_overlay_counts_as_ours(self):
        tree = git_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        os.remove(os.path.join(tree, overlay.STAMP))
        git(tree, 'add', '-A')
        git(tree, 'commit', '-q', '-m', 'add the suite')
        self.assertEqual(overlay.apply(REPO, tree, log=lambda m: None).written, [])

    def test_older_kernels_get_the_backport(self):
        rel = overlay.API_H
        for version, expect in (((6, 17, 8), 'backports/6.17/'), ((6, 18, 15), 'backports/6.18/'),
                                ((6, 19, 11), 'backports/6.19/'), ((7, 1, 13), 'backports/7.1/'),
                                ((7, 2, 13), None), ((7, 3, 4), None)):
            tree = make_tree(self.tmp(), version=version)
            overlay.apply(REPO, tree, log=lambda m: None)
            suite_h = read(tree, 'mm/tests/mmap_prepare_kunit.h')
            if expect is None:
                # The suites as written: for this kernel, no API header.
                self.assertFalse(os.path.exists(os.path.join(tree, rel)), version)
                self.assertEqual(suite_h, read(REPO, 'mm/tests/mmap_prepare_kunit.h'))
                continue
            self.assertEqual(read(tree, rel), read(REPO, expect + rel), version)
            self.assertIn('#include "mmap_prepare_kunit_api.h"', suite_h)
            self.assertIn('mp_skip_missing_features(test, &mp_native, b);',
                          read(tree, 'mm/tests/mmap_prepare_kunit.c'))

    def test_a_tree_moved_to_a_newer_kernel_loses_the_backport_header(self):
        tree = make_tree(self.tmp(), version=(7, 1, 13))
        overlay.apply(REPO, tree, log=lambda m: None)
        write(tree, 'Makefile', read(tree, 'Makefile').replace('PATCHLEVEL = 1', 'PATCHLEVEL = 3'))
        written = overlay.apply(REPO, tree, log=lambda m: None).written
        self.assertIn(overlay.API_H, written)
        self.assertFalse(os.path.exists(os.path.join(tree, overlay.API_H)))

    def test_a_backport_patch_that_no_longer_applies_is_one_clear_line(self):
        texts = {'mm/tests/x.h': 'int a;\n'}
        patch = os.path.join(self.tmp(), 'p.patch')
        write(os.path.dirname(patch), 'p.patch', '--- a/mm/tests/x.h\n+++ b/mm/tests/x.h\n'
              '@@ -1 +1 @@\n-int b;\n+int c;\n')
        with self.assertRaises(UserError) as cm:
            overlay._patched(texts, patch)
        self.assertNotIn('\n', str(cm.exception))
        self.assertIn('no longer applies', str(cm.exception))

    def test_every_api_header_defines_what_the_backported_suites_use(self):
        # The backported suites' mp_*() calls and MP_* switches that none of
        # their files defines must come from each API header: a backport that
        # lacks one would fail to build only on its own kernel.
        tree = make_tree(self.tmp(), version=(7, 1, 13))
        overlay.apply(REPO, tree, log=lambda m: None)
        suite = ''.join(read(tree, rel) for rel in sorted(
            glob.glob('mm/tests/*.[ch]', root_dir=tree)) if rel != overlay.API_H)
        own = set(re.findall(r'^static\b[^;=(]*?\b(mp_\w+)\(', suite, re.M) +
                  re.findall(r'^#define\s+(\w+)', suite, re.M))
        used = set(re.findall(r'\b(mp_\w+)\(|\b(MP_(?:HAVE|DESC_HAS)_\w+)', suite))
        used = {a or b for a, b in used} - own
        self.assertIn('mp_desc_vm_file', used)
        for rel in sorted(glob.glob('backports/*/' + overlay.API_H, root_dir=REPO)):
            text = read(REPO, rel)
            missing = sorted(n for n in used if not re.search(
                rf'(?:#define\s+{n}\b|\b{n}\()', text))
            self.assertEqual(missing, [], rel)

    def test_kunitconfigs_agree(self):
        self.assertEqual(read(REPO, '.kunitconfig'), read(REPO, 'mm/tests/.kunitconfig'))


class RefusalTest(TempDirs, unittest.TestCase):
    """Each refusal: one clear line, and the tree byte-identical afterwards."""

    def assertRefused(self, tree, words):
        before = checksum(tree) if os.path.isdir(tree) else None
        with self.assertRaises(UserError) as cm:
            overlay.apply(REPO, tree, log=lambda m: None)
        msg = str(cm.exception)
        self.assertNotIn('\n', msg)
        self.assertIn(words, msg)
        if before is not None:
            self.assertEqual(checksum(tree), before, 'refused apply changed the tree')
        return msg

    def test_missing_directory(self):
        self.assertRefused(os.path.join(self.tmp(), 'nope'), 'no such directory')

    def test_not_a_kernel_tree(self):
        tree = self.tmp()
        write(tree, 'Makefile', 'all:\n\ttrue\n')
        self.assertRefused(tree, 'not a kernel source tree')

    def test_kernel_without_compat_layer(self):
        tree = make_tree(self.tmp(), compat=False, version=(6, 15, 0))
        msg = self.assertRefused(tree, 'has no mmap_prepare compat layer')
        self.assertIn('6.15.0', msg)

    def test_kernel_between_backports_is_refused(self):
        for version in ((6, 16, 3), (7, 0, 1)):
            tree = make_tree(self.tmp(), version=version)
            msg = self.assertRefused(tree, 'no backport of the suite for Linux')
            self.assertIn('6.17, 6.18, 6.19, 7.1 and 7.2+', msg)

    def test_foreign_test_file(self):
        tree = make_tree(self.tmp())
        write(tree, 'mm/tests/mmap_prepare_kunit.c', '// somebody else\'s work\n')
        self.assertRefused(tree, 'mm/tests/mmap_prepare_kunit.c has local content')

    def test_locally_edited_installed_file(self):
        tree = make_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        with open(os.path.join(tree, 'mm/tests/mmap_prepare_kunit.c'), 'a') as f:
            f.write('/* local edit */\n')
        self.assertRefused(tree, 'has local content')

    def test_foreign_top_level_kunitconfig(self):
        tree = make_tree(self.tmp())
        write(tree, '.kunitconfig', 'CONFIG_KUNIT=y\nCONFIG_EXT4_KUNIT_TESTS=y\n')
        self.assertRefused(tree, '.kunitconfig has local content')

    def test_foreign_bare_run_kunitconfig(self):
        tree = make_tree(self.tmp())
        write(tree, '.kunit/.kunitconfig', 'CONFIG_KUNIT=y\nCONFIG_EXT4_KUNIT_TESTS=y\n')
        self.assertRefused(tree, '.kunit/.kunitconfig has local content')

    def test_kconfig_already_has_a_different_entry(self):
        tree = make_tree(self.tmp())
        with open(os.path.join(tree, 'mm/Kconfig.debug'), 'a') as f:
            f.write('\nconfig MMAP_PREPARE_KUNIT_TEST\n\tbool "mine"\n')
        self.assertRefused(tree, 'already mentions MMAP_PREPARE_KUNIT_TEST')

    def test_makefile_edited_after_apply(self):
        tree = make_tree(self.tmp())
        overlay.apply(REPO, tree, log=lambda m: None)
        with open(os.path.join(tree, 'mm/Makefile'), 'a') as f:
            f.write('obj-y += tests/mmap_prepare_kunit_extra.o\n')
        self.assertRefused(tree, 'already mentions')

    def test_dirty_git_target_file(self):
        tree = git_tree(self.tmp())
        with open(os.path.join(tree, 'mm/Makefile'), 'a') as f:
            f.write('obj-y += my_wip.o\n')
        self.assertRefused(tree, 'mm/Makefile has uncommitted changes')

    def test_refusal_is_one_line_from_the_command(self):
        tree = make_tree(self.tmp(), compat=False, version=(6, 15, 0))
        before = checksum(tree)
        r = subprocess.run([sys.executable, os.path.join(REPO, 'mpk'), 'apply',
                            '--kernel-src', tree], capture_output=True, text=True,
                           check=False)
        self.assertEqual(r.returncode, 2)
        self.assertEqual(r.stdout, '')
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertTrue(r.stderr.startswith('mpk: '))
        self.assertEqual(checksum(tree), before)


if __name__ == '__main__':
    unittest.main()
