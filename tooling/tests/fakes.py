"""Small fake kernel trees for the tooling tests: no download, no build."""
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Every test module imports this one first, so `python3 -m unittest discover
# -s tooling/tests` finds the mpk package without PYTHONPATH.
if os.path.join(REPO, 'tooling') not in sys.path:
    sys.path.insert(0, os.path.join(REPO, 'tooling'))

FS_H_WITH_COMPAT = '''static inline int vfs_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (file->f_op->mmap_prepare)
		return compat_vma_mmap(file, vma);
	return file->f_op->mmap(file, vma);
}
'''
FS_H_WITHOUT_COMPAT = '''static inline int call_mmap(struct file *file, struct vm_area_struct *vma)
{
	return file->f_op->mmap(file, vma);
}
'''


def make_tree(root, compat=True, version=(7, 3, 4)):
    """A directory that looks enough like a kernel tree for mpk apply."""
    files = {
        'Makefile': 'VERSION = %d\nPATCHLEVEL = %d\nSUBLEVEL = %d\nEXTRAVERSION =\n' % version,
        'tools/testing/kunit/kunit.py': '#!/usr/bin/env python3\n',
        'tools/testing/kunit/configs/default.config': 'CONFIG_KUNIT=y\nCONFIG_KUNIT_EXAMPLE_TEST=y\n',
        'tools/testing/kunit/configs/all_tests.config': 'CONFIG_KUNIT=y\nCONFIG_KUNIT_ALL_TESTS=y\n',
        'include/linux/fs.h': FS_H_WITH_COMPAT if compat else FS_H_WITHOUT_COMPAT,
        'mm/Kconfig.debug': 'config DEBUG_PAGEALLOC\n\tbool "Debug page memory allocations"\n',
        'mm/Makefile': 'obj-y += util.o\nobj-$(CONFIG_LAZY_MMU_MODE_KUNIT_TEST) += tests/lazy_mmu_mode_kunit.o\n',
        'mm/tests/lazy_mmu_mode_kunit.c': '// SPDX-License-Identifier: GPL-2.0-only\n',
    }
    for rel, text in files.items():
        write(root, rel, text)
    return root


def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


def read(root, rel):
    with open(os.path.join(root, rel), encoding='utf-8') as f:
        return f.read()


def checksum(root):
    """sha256 over every path, mode and content below root (.git excluded)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != '.git')
        rel_dir = os.path.relpath(dirpath, root)
        h.update(f'D {rel_dir}\n'.encode())
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            st = os.lstat(path)
            h.update(f'F {rel_dir}/{name} {st.st_mode:o}\n'.encode())
            with open(path, 'rb') as f:
                h.update(f.read())
    return h.hexdigest()


def git(root, *args):
    subprocess.run(['git', '-C', root, *args], check=True, capture_output=True,
                   env=dict(os.environ, GIT_AUTHOR_NAME='t', GIT_AUTHOR_EMAIL='t@t',
                            GIT_COMMITTER_NAME='t', GIT_COMMITTER_EMAIL='t@t'))


def git_tree(root):
    """A fake kernel tree under git, everything committed."""
    make_tree(root)
    write(root, '.gitignore', '.*\n!.gitignore\n')
    git(root, 'init', '-q')
    git(root, 'add', '-A')
    git(root, 'commit', '-q', '-m', 'base')
    return root


def copy_repo_overlay(dest):
    """A copy of this repository's overlay files, to edit in a test."""
    from mpk import overlay
    for rel in list(overlay.NEW_FILES) + list(overlay.ADDITIONS):
        os.makedirs(os.path.dirname(os.path.join(dest, rel)) or dest, exist_ok=True)
        shutil.copy(os.path.join(REPO, rel), os.path.join(dest, rel))
    return dest


def hold_lock(path, exclusive=True, seconds=30):
    """Another process holding flock on path (a directory or a file); kill it to release."""
    code = ('import fcntl, os, sys, time\n'
            'p = sys.argv[1]\n'
            'fd = os.open(p, os.O_RDONLY | os.O_DIRECTORY) if os.path.isdir(p) else '
            'os.open(p, os.O_RDWR | os.O_CREAT)\n'
            f'fcntl.flock(fd, fcntl.{"LOCK_EX" if exclusive else "LOCK_SH"})\n'
            'print("locked", flush=True)\n'
            f'time.sleep({seconds})\n')
    os.makedirs(os.path.dirname(path), exist_ok=True)
    p = subprocess.Popen([sys.executable, '-c', code, path], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == 'locked'
    p.stdout.close()
    return p


class TempDirs:
    """Mixin: self.tmp() gives a fresh directory removed after the test."""

    def tmp(self):
        d = tempfile.mkdtemp(prefix='mpk-test-')
        self.addCleanup(shutil.rmtree, d, True)
        return d
