"""Install the overlay (files at kernel paths) into a kernel tree.

Whole files are copied; the small additions to existing kernel files
(mm/Kconfig.debug, mm/Makefile, and kunit.py's all_tests.config, so that
`kunit.py run --alltests` enables what the suite's real callers need) are
appended.  A stamp file in the tree
(ignored by the kernel's .gitignore) remembers what was installed, so a
newer version of our own files replaces an older one while anything else
at those paths counts as a local edit.

Every check runs before the first write: a refused tree is left
byte-identical.
"""
import hashlib
import json
import os
import re
import subprocess
import tempfile
from typing import NamedTuple

from .errors import UserError

# Overlay file -> tree path.  The top-level .kunitconfig also seeds the
# default build directory's .kunitconfig, which a bare `kunit.py run` reads.
NEW_FILES = {
    'mm/tests/mmap_prepare_kunit.h': 'mm/tests/mmap_prepare_kunit.h',
    'mm/tests/mmap_prepare_layout_kunit.h': 'mm/tests/mmap_prepare_layout_kunit.h',
    'mm/tests/mmap_prepare_spec_kunit.h': 'mm/tests/mmap_prepare_spec_kunit.h',
    'mm/tests/mmap_prepare_kunit.c': 'mm/tests/mmap_prepare_kunit.c',
    'mm/tests/mmap_prepare_mm_kunit.c': 'mm/tests/mmap_prepare_mm_kunit.c',
    'mm/tests/mmap_prepare_compat_kunit.h': 'mm/tests/mmap_prepare_compat_kunit.h',
    'mm/tests/mmap_prepare_integration_kunit.h': 'mm/tests/mmap_prepare_integration_kunit.h',
    'mm/tests/mmap_prepare_hooks_kunit.h': 'mm/tests/mmap_prepare_hooks_kunit.h',
    'mm/tests/mmap_prepare_compat_kunit.c': 'mm/tests/mmap_prepare_compat_kunit.c',
    'mm/tests/mmap_prepare_integration_kunit.c': 'mm/tests/mmap_prepare_integration_kunit.c',
    'mm/tests/mmap_prepare_fault_injection_kunit.c':
        'mm/tests/mmap_prepare_fault_injection_kunit.c',
    'mm/tests/.kunitconfig': 'mm/tests/.kunitconfig',
    'mm/tests/fault_injection.kunitconfig': 'mm/tests/fault_injection.kunitconfig',
    '.kunitconfig': '.kunitconfig',
}
BARE_RUN_KUNITCONFIG = ('.kunitconfig', '.kunit/.kunitconfig')
# kunit.py --alltests builds this kunitconfig (KernelCI's KUnit job).
ALL_TESTS_CONFIG = 'tools/testing/kunit/configs/all_tests.config'
# Addition file (in the repo) -> tree file it is appended to.
ADDITIONS = {
    'additions/mm/Kconfig.debug': 'mm/Kconfig.debug',
    'additions/mm/Makefile': 'mm/Makefile',
    'additions/' + ALL_TESTS_CONFIG: ALL_TESTS_CONFIG,
}
# Words that only our additions put into those files.
OUR_WORDS = re.compile(r'MMAP_PREPARE_\w*KUNIT_TEST|mmap_prepare\w*_kunit')
KUNIT_DEFAULT_CONFIG = 'tools/testing/kunit/configs/default.config'
STAMP = '.mmap_prepare_kunit.stamp'
# The suites are written for the kernel of OWN_API_SINCE and later.  An older
# kernel gets them through a backport, as stable trees do: BACKPORT_PATCH
# turns the suites' direct use of the newer API into calls of the accessors
# that backports/<major.minor>/API_H defines for that kernel, and adds the
# skips for what it lacks.
BACKPORTS = 'backports'
BACKPORT_PATCH = 'backports/suites.patch'
API_H = 'mm/tests/mmap_prepare_kunit_api.h'
COMPAT_LAYER = re.compile(r'\bcompat_vma_mmap(_prepare)?\s*\(')


def _read(path):
    try:
        with open(path, encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return None


def _sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def kernel_version(tree):
    """'7.3.4' from the tree's Makefile, or None if it is not a kernel tree."""
    mk = _read(os.path.join(tree, 'Makefile')) or ''
    parts = []
    for var in ('VERSION', 'PATCHLEVEL', 'SUBLEVEL'):
        m = re.search(rf'^{var}\s*=\s*(\d+)\s*$', mk, re.M)
        if not m:
            return None
        parts.append(m.group(1))
    return '.'.join(parts)


def check_tree(tree):
    """Raise UserError unless tree is a kernel tree with the compat layer."""
    if not os.path.isdir(tree):
        raise UserError(f'{tree}: no such directory')
    version = kernel_version(tree)
    if not version or not os.path.isfile(
            os.path.join(tree, 'tools/testing/kunit/kunit.py')):
        raise UserError(f'{tree}: not a kernel source tree '
                        '(no top-level Makefile with VERSION/PATCHLEVEL, or no kunit.py)')
    fs_h = _read(os.path.join(tree, 'include/linux/fs.h')) or ''
    if not COMPAT_LAYER.search(fs_h):
        raise UserError(f'{tree}: Linux {version} has no mmap_prepare compat layer '
                        '(no compat_vma_mmap*() in include/linux/fs.h; needs 6.16-rc2 or later)')
    return version


def _git_head_text(tree, rel):
    """The file as committed in the tree's git HEAD, None if not tracked/no git."""
    if not os.path.isdir(os.path.join(tree, '.git')):
        return None
    r = subprocess.run(['git', '-C', tree, 'show', f'HEAD:{rel}'],
                       capture_output=True, text=True, check=False)
    return r.stdout if r.returncode == 0 else None


OWN_API_SINCE = (7, 2)


def _major_minor(version):
    return tuple(int(x) for x in version.split('.')[:2])


def backport(repo, version):
    """backports/<major.minor> for a kernel older than OWN_API_SINCE, or None.

    An older kernel with no backport of its own (7.0, 6.16) is refused: the
    suites would not compile there, and guessing is worse.
    """
    if _major_minor(version) >= OWN_API_SINCE:
        return None
    major_minor = '.'.join(version.split('.')[:2])
    here = os.path.join(repo, BACKPORTS, major_minor)
    if os.path.isfile(os.path.join(here, API_H)):
        return here
    have = sorted((v for v in os.listdir(os.path.join(repo, BACKPORTS))
                   if os.path.isfile(os.path.join(repo, BACKPORTS, v, API_H))),
                  key=_major_minor)
    raise UserError(f'no backport of the suite for Linux {major_minor}: it runs on '
                    f'{", ".join(have)} and {".".join(map(str, OWN_API_SINCE))}+')


def _patched(texts, patch):
    """texts (tree path -> text) with the unified diff patch applied."""
    with tempfile.TemporaryDirectory() as work:
        for rel, text in texts.items():
            os.makedirs(os.path.dirname(os.path.join(work, rel)), exist_ok=True)
            with open(os.path.join(work, rel), 'w', encoding='utf-8') as f:
                f.write(text)
        r = subprocess.run(['patch', '-p1', '-s', '-N', '-F0', '-r', '-', '--no-backup-if-mismatch',
                            '-d', work, '-i', patch], capture_output=True, text=True, check=False)
        if r.returncode != 0:
            why = (r.stdout + r.stderr).strip().splitlines() or ['patch failed']
            raise UserError(f'{BACKPORT_PATCH} no longer applies to the suites ({why[0]}); '
                            'refresh it as docs/tool.md says')
        return {rel: _read(os.path.join(work, rel)) for rel in texts}


def texts(repo, version):
    """Tree path -> text of every whole file the overlay installs on this kernel."""
    out = {dst: _read(os.path.join(repo, src)) for src, dst in NEW_FILES.items()}
    here = backport(repo, version)
    if here:
        out = _patched(out, os.path.join(repo, BACKPORT_PATCH))
        out[API_H] = _read(os.path.join(here, API_H))
    out[BARE_RUN_KUNITCONFIG[1]] = out[BARE_RUN_KUNITCONFIG[0]]
    return out


def plan(repo, tree, version):
    """Work out every write needed; raise UserError on any conflict.

    Returns (writes, stamp): writes maps tree-relative paths to new contents.
    """
    stamp = json.loads(_read(os.path.join(tree, STAMP)) or '{}')
    writes, new_stamp = {}, {}
    default_cfg = _read(os.path.join(tree, KUNIT_DEFAULT_CONFIG))
    for dst, ours in texts(repo, version).items():
        have = _read(os.path.join(tree, dst))
        replaceable = (have is None or have == ours or
                       _sha(have) == stamp.get(dst) or
                       (dst == BARE_RUN_KUNITCONFIG[1] and have == default_cfg))
        if not replaceable:
            raise UserError(f'{os.path.join(tree, dst)} has local content that is not '
                            'ours; move it away or commit our version first')
        if have != ours:
            writes[dst] = ours
        new_stamp[dst] = _sha(ours)
    # A file an earlier overlay installed and this one does not (a backport's
    # header, on a tree now at a newer kernel) goes, unless edited since.
    for dst in sorted(set(stamp) - set(new_stamp) - set(ADDITIONS.values())):
        have = _read(os.path.join(tree, dst))
        if have is not None and _sha(have) == stamp[dst]:
            writes[dst] = None
    for src, dst in ADDITIONS.items():
        ours = _read(os.path.join(repo, src))
        have = _read(os.path.join(tree, dst))
        if have is None:
            raise UserError(f'{os.path.join(tree, dst)}: missing; not a complete kernel tree')
        base = have
        for previous in (ours, stamp.get(dst)):
            if previous and have.endswith(previous):
                base = have[:len(have) - len(previous)]
                break
        if OUR_WORDS.search(base):
            raise UserError(f'{os.path.join(tree, dst)} already mentions '
                            'MMAP_PREPARE_KUNIT_TEST outside our addition; '
                            'remove that local edit first')
        committed = _git_head_text(tree, dst)
        if committed is not None and committed not in (base, have):
            raise UserError(f'{os.path.join(tree, dst)} has uncommitted changes; '
                            'commit or stash them first')
        if base + ours != have:
            writes[dst] = base + ours
        new_stamp[dst] = ours
    return writes, new_stamp


class Applied(NamedTuple):
    version: str        # the tree's kernel version, as check_tree() read it
    written: list       # tree-relative paths written this time


def apply(repo, tree, log=print):
    """Install the overlay into tree; the version and the paths written."""
    version = check_tree(tree)
    writes, stamp = plan(repo, tree, version)
    for rel, text in sorted(writes.items()):
        path = os.path.join(tree, rel)
        if text is None:
            os.remove(path)
            continue
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, 'w', encoding='utf-8') as f:
            f.write(text)
    stamp_text = json.dumps(stamp, indent=1, sort_keys=True) + '\n'
    if _read(os.path.join(tree, STAMP)) != stamp_text:
        with open(os.path.join(tree, STAMP), 'w', encoding='utf-8') as f:
            f.write(stamp_text)
    log(f'mpk: overlay on Linux {version} at {tree}: '
        + (f'{len(writes)} file(s) updated' if writes else 'already up to date'))
    return Applied(version, sorted(writes))
