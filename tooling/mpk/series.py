"""mpk series: the upstream patch series (the fixes, then the suite) and its proof.

upstream/series lists the fix patches in order (quilt style).  Each is a
commit message, a line '---' and a diff against the default kernel.  The
suite patch comes last: the overlay's test file in its upstream form (the
API header inlined, the overlay-only blocks dropped), its Kconfig entry,
Makefile line, its two kunitconfigs and a MAINTAINERS line.

The series is made in a git repository of the default kernel as Debian
ships it (one base commit, tag mpk-base), laid out under the cache as the
fetched tree and its build directories are, so that ccache hits.
"""
import os
import re
import shutil
import subprocess
import time

from . import debian, mutate, overlay, runner, target as targets
from .errors import UserError

UPSTREAM = 'upstream'
BASE_TAG = 'mpk-base'
BRANCH = 'mpk-series'
RED_BRANCH = 'mpk-suite-only'
# The base commit is ours, not upstream's: a fixed identity and date make it
# the same commit on every machine.
BASE_IDENTITY = {'GIT_AUTHOR_NAME': 'mpk', 'GIT_AUTHOR_EMAIL': 'mpk@invalid',
                 'GIT_COMMITTER_NAME': 'mpk', 'GIT_COMMITTER_EMAIL': 'mpk@invalid',
                 'GIT_AUTHOR_DATE': '2026-01-01T00:00:00Z',
                 'GIT_COMMITTER_DATE': '2026-01-01T00:00:00Z'}

SUITE_C = 'mm/tests/mmap_prepare_kunit.c'
SUITE_H = 'mm/tests/mmap_prepare_kunit_api.h'
API_INCLUDE = '#include "mmap_prepare_kunit_api.h"'
HEADER_GUARD = '#define _MM_TESTS_MMAP_PREPARE_KUNIT_API_H'
BEGIN, END = '/* overlay-only: begin */', '/* overlay-only: end */'
# What must not reach upstream: the feature switches of the backports.
OVERLAY_ONLY = re.compile(r'\bMP_HAVE_\w+|\bMP_DESC_HAS_\w+|\bMP_NO_\w+|overlay-only')
MAINTAINERS_SECTION = 'MEMORY MAPPING'


def strip_overlay(text):
    """text without the lines between the overlay-only markers (markers too)."""
    out, inside = [], False
    for n, line in enumerate(text.splitlines(keepends=True), 1):
        mark = line.strip()
        if mark in (BEGIN, END):
            if (mark == BEGIN) == inside:
                raise UserError(f'line {n}: unbalanced {mark}')
            inside = mark == BEGIN
        elif not inside:
            out.append(line)
    if inside:
        raise UserError(f'{BEGIN} without {END}')
    return ''.join(out)


def _squeeze_blank_lines(text):
    return re.sub(r'\n{3,}', '\n\n', text)


def upstream_suite(c_text, h_text):
    """The test file as it goes upstream: one file, no version switches."""
    lines = h_text.splitlines(keepends=True)
    try:
        start = next(i for i, ln in enumerate(lines) if ln.strip() == HEADER_GUARD) + 1
        end = max(i for i, ln in enumerate(lines) if ln.startswith('#endif'))
    except (StopIteration, ValueError):
        raise UserError(f'{SUITE_H}: no include guard') from None
    body = strip_overlay(''.join(lines[start:end])).strip('\n') + '\n'
    c_text = strip_overlay(c_text)
    if c_text.count(API_INCLUDE + '\n') != 1:
        raise UserError(f'{SUITE_C}: expected one {API_INCLUDE}')
    text = _squeeze_blank_lines(c_text.replace(API_INCLUDE + '\n', body))
    left = OVERLAY_ONLY.search(text)
    if left:
        line = text[:left.start()].count('\n') + 1
        raise UserError(f'upstream {SUITE_C}:{line}: overlay-only {left.group(0)} left')
    return text


def add_maintainers_line(text, path=SUITE_C, section=MAINTAINERS_SECTION):
    """MAINTAINERS with 'F: path' in section, in order among its mm/ files."""
    lines = text.splitlines(keepends=True)
    try:
        i = lines.index(section + '\n')
    except ValueError:
        raise UserError(f'MAINTAINERS: no section {section}') from None
    entry = f'F:\t{path}\n'
    j = i + 1
    while j < len(lines) and lines[j].strip():
        if lines[j] == entry:
            return text
        if lines[j].startswith('F:\t') and lines[j][3:].strip() > path and \
                lines[j][3:].startswith(path.split('/')[0] + '/'):
            break
        j += 1
    lines.insert(j, entry)
    return ''.join(lines)


def read_patch(path):
    """(message, diff) of an upstream/*.patch file."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    msg, sep, diff = text.partition('\n---\n')
    if not sep or not diff.startswith('diff --git'):
        raise UserError(f'{path}: expected a message, a line ---, then a diff')
    return msg.strip() + '\n', diff


def fix_patches(repo):
    """Paths of the fix patches, in upstream/series order."""
    with open(os.path.join(repo, UPSTREAM, 'series'), encoding='utf-8') as f:
        names = [ln.strip() for ln in f if ln.strip() and not ln.startswith('#')]
    return [os.path.join(repo, UPSTREAM, n) for n in names]


def git(tree, *args, env=None, stdin=None, check=True):
    r = subprocess.run(['git', '-C', tree, *args], input=stdin, text=True,
                       capture_output=True, check=False,
                       env=dict(os.environ, **(env or {})))
    if check and r.returncode != 0:
        raise UserError(f'git {" ".join(args[:2])} failed in {tree}: '
                        + (r.stderr.strip().splitlines() or ['?'])[-1])
    return r.stdout


def identity():
    """The author of the series: git's own configuration or GIT_AUTHOR_*."""
    name = os.environ.get('GIT_AUTHOR_NAME') or subprocess.run(
        ['git', 'config', 'user.name'], capture_output=True, text=True).stdout.strip()
    email = os.environ.get('GIT_AUTHOR_EMAIL') or subprocess.run(
        ['git', 'config', 'user.email'], capture_output=True, text=True).stdout.strip()
    if not name or not email:
        raise UserError('no git identity for Signed-off-by: set git config user.name '
                        'and user.email (or GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL)')
    return {'GIT_AUTHOR_NAME': name, 'GIT_AUTHOR_EMAIL': email,
            'GIT_COMMITTER_NAME': name, 'GIT_COMMITTER_EMAIL': email}


def base_repo(tree_dir, extract, log=print):
    """A git repository of the pristine kernel at tree_dir, tagged mpk-base.

    extract(path) lays the pristine tree at path.  Made once; an unfinished
    one (no tag) is made again.
    """
    if os.path.isdir(os.path.join(tree_dir, '.git')) and \
            git(tree_dir, 'tag', '-l', BASE_TAG, check=False).strip() == BASE_TAG:
        return tree_dir
    shutil.rmtree(tree_dir, ignore_errors=True)
    os.makedirs(os.path.dirname(tree_dir), exist_ok=True)
    log(f'mpk: making a git repository of the pristine kernel at {tree_dir}')
    extract(tree_dir)
    git(tree_dir, 'init', '-q')
    git(tree_dir, 'config', 'gc.auto', '0')
    # -f: Debian's .gitignore ignores everything at the top level.
    git(tree_dir, 'add', '-A', '-f')
    version = overlay.kernel_version(tree_dir)
    git(tree_dir, 'commit', '-q', '-m', f'Linux {version} as Debian ships it (mpk base)',
        env=BASE_IDENTITY)
    git(tree_dir, 'tag', BASE_TAG)
    return tree_dir


def make_series(repo, tree, who):
    """Commit the fixes and the suite on branch mpk-series of tree; their count."""
    git(tree, 'checkout', '-q', '-f', '-B', BRANCH, BASE_TAG)
    git(tree, 'clean', '-q', '-fdx')
    env = dict(who)
    patches = fix_patches(repo)
    for path in patches:
        msg, diff = read_patch(path)
        r = subprocess.run(['git', '-C', tree, 'apply', '--index', '-'], input=diff,
                           text=True, capture_output=True, check=False)
        if r.returncode:
            raise UserError(f'{os.path.basename(path)} does not apply to '
                            f'Linux {overlay.kernel_version(tree)}: {r.stderr.strip()}')
        git(tree, 'commit', '-q', '-s', '-F', '-', stdin=msg, env=env)
    write_suite(repo, tree)
    git(tree, 'add', '-A', '-f')
    with open(os.path.join(repo, UPSTREAM, 'suite.msg'), encoding='utf-8') as f:
        git(tree, 'commit', '-q', '-s', '-F', '-', stdin=f.read(), env=env)
    return len(patches) + 1


def write_suite(repo, tree):
    """The suite's files, in their upstream form, into tree."""
    def read(*parts):
        with open(os.path.join(*parts), encoding='utf-8') as f:
            return f.read()

    def write(rel, text):
        with open(os.path.join(tree, rel), 'w', encoding='utf-8') as f:
            f.write(text)

    os.makedirs(os.path.join(tree, 'mm/tests'), exist_ok=True)
    write(SUITE_C, upstream_suite(read(repo, SUITE_C), read(repo, SUITE_H)))
    for kunitconfig in ('mm/tests/.kunitconfig', 'mm/tests/fault_injection.kunitconfig'):
        write(kunitconfig, read(repo, kunitconfig))
    for src, dst in overlay.ADDITIONS.items():
        write(dst, read(tree, dst) + read(repo, src))
    write('MAINTAINERS', add_maintainers_line(read(tree, 'MAINTAINERS')))


def recipients(tree, patch_files):
    """(to, cc) from scripts/get_maintainer.pl: maintainers to, the rest cc."""
    r = subprocess.run(['perl', 'scripts/get_maintainer.pl', '--no-git',
                        '--no-git-fallback', '--no-tree', *patch_files], cwd=tree,
                       capture_output=True, text=True, check=False)
    if r.returncode:
        raise UserError('get_maintainer.pl failed: ' + r.stderr.strip()[:200])
    to, cc = [], []
    for line in r.stdout.splitlines():
        addr, _, role = line.partition(' (')
        (to if role.startswith('maintainer:') else cc).append(addr.strip())
    return to, cc


def format_series(repo, tree, out, who):
    """git format-patch of the series into out, with cover letter and recipients."""
    os.makedirs(out, exist_ok=True)
    for name in os.listdir(out):
        if re.match(r'\d{4}-.*\.patch$', name):
            os.remove(os.path.join(out, name))
    rng = f'{BASE_TAG}..{BRANCH}'
    files = git(tree, 'format-patch', '-o', out, rng, env=who).split()
    to, cc = recipients(tree, files)
    for name in files:
        os.remove(name)
    files = git(tree, 'format-patch', '--cover-letter', '--thread=shallow',
                '-o', out, *[f'--to={a}' for a in to], *[f'--cc={a}' for a in cc],
                rng, env=who).split()
    with open(os.path.join(repo, UPSTREAM, 'cover.txt'), encoding='utf-8') as f:
        subject, _, blurb = f.read().partition('\n')
    cover = files[0]
    with open(cover, encoding='utf-8') as f:
        text = f.read()
    text = text.replace('*** SUBJECT HERE ***', subject).replace(
        '*** BLURB HERE ***', blurb.strip())
    with open(cover, 'w', encoding='utf-8') as f:
        f.write(text)
    return files


CHECKPATCH_TOTAL = re.compile(r'total: (\d+) errors, (\d+) warnings, (?:(\d+) checks, )?')


# The series' repository has no upstream history, so checkpatch cannot look
# up the commits that Fixes: names; their ids were checked in public archives
# (README, "The upstream series").
CHECKPATCH_IGNORE = 'UNKNOWN_COMMIT_ID'


def checkpatch(tree, patch):
    """(errors, warnings, checks, output) of checkpatch.pl --strict on patch."""
    r = subprocess.run(['perl', 'scripts/checkpatch.pl', '--strict',
                        f'--ignore={CHECKPATCH_IGNORE}', patch], cwd=tree,
                       capture_output=True, text=True, check=False,
                       # Debian's python3 has ply (python3-ply), for spdxcheck.py.
                       env=dict(os.environ, PATH='/usr/bin' + os.pathsep + os.environ['PATH']))
    m = CHECKPATCH_TOTAL.search(r.stdout)
    if not m:
        return 1, 0, 0, r.stdout + r.stderr
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0), r.stdout


def make_kernel(tree, build_dir, arch='um'):
    """olddefconfig and the kernel image in an existing build directory; ok?"""
    for target in ('olddefconfig', 'linux' if arch == 'um' else 'all'):
        r = subprocess.run(['make', f'ARCH={arch}', f'O={build_dir}',
                            f'-j{os.cpu_count() or 1}', target], cwd=tree,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                           check=False)
        if r.returncode:
            lines = r.stderr.strip().splitlines() or ['?']
            return False, next((ln for ln in lines if 'error:' in ln), lines[-1])
    return True, ''


def vma_tests(tree):
    """Build and run tools/testing/vma; (ok, its last line)."""
    d = os.path.join(tree, 'tools/testing/vma')
    r = subprocess.run(['make', '-C', d, f'-j{os.cpu_count() or 1}'], capture_output=True,
                       text=True, check=False)
    if r.returncode:
        return False, 'build failed: ' + (r.stderr.strip().splitlines() or ['?'])[-1]
    r = subprocess.run(['./vma'], cwd=d, capture_output=True, text=True, check=False)
    last = ((r.stdout + r.stderr).strip().splitlines() or ['(no output)'])[-1]
    return r.returncode == 0, last


def fix_ids(repo):
    """['F1', 'F2']: the finding each fix of upstream/series fixes, in order."""
    ids = []
    for path in fix_patches(repo):
        m = re.match(r'fix-(F\d+)-', os.path.basename(path))
        if not m:
            raise UserError(f'{path}: a fix is named fix-F<n>-<what>.patch')
        ids.append(m.group(1))
    return ids


def cases_of(known, bug_id):
    """The cases a finding (F1) turns red, from {case: [bug ids]}."""
    return {case for case, ids in known.items() if any(i.split('-')[0] == bug_id for i in ids)}


def check(tree, files, run_suite, build_dir, fix_cases, arches, log=print,
          open_cases=frozenset()):
    """Prove the series: [(step, ok, detail)], the fixes and suite committed.

    run_suite(arch) builds and runs the suite in tree, returning runner's
    summary judged against no known bug; build_dir(arch) is where.
    fix_cases[i] is the set of cases fix i must turn green; open_cases are
    the cases of known kernel bugs the series does not fix: red at every
    step, and exactly those red once the whole series is applied.
    """
    rows = []

    def row(step, ok, detail):
        rows.append((step, ok, detail))
        log(f'mpk: {"ok  " if ok else "FAIL"} {step}: {detail}')

    for path in files[1:]:
        e, w, c, out = checkpatch(tree, path)
        row(f'checkpatch --strict --ignore={CHECKPATCH_IGNORE} {os.path.basename(path)}',
            e + w + c == 0,
            f'{e} errors, {w} warnings, {c} checks')
    commits = git(tree, 'rev-list', '--reverse', f'{BASE_TAG}..{BRANCH}').split()
    # Red before, and each fix turning exactly its own cases green: the suite
    # on the unfixed kernel, then on each fix commit in turn.
    for n, base in enumerate([BASE_TAG, *commits[:-1]]):
        expected = set().union(open_cases, *fix_cases[n:])
        git(tree, 'checkout', '-q', '-f', '-B', RED_BRANCH, base)
        git(tree, 'cherry-pick', commits[-1], env=BASE_IDENTITY)
        s = run_suite('um')
        red = set(s.failing)
        where = 'the unfixed kernel' if not n else f'patch {n}/{len(commits)}'
        row(f'suite on {where} (um): red = the cases of the fixes still to come'
            + (' and of the open findings' if open_cases else ''),
            red == expected, f'{s.passed} passed, {len(red)} red'
            + (f'; unexpected: {sorted(red - expected)}' if red - expected else '')
            + (f'; missing: {sorted(expected - red)}' if expected - red else ''))
    # Bisectable: every fix commit builds as it is.
    for n, commit in enumerate(commits[:-1], 1):
        git(tree, 'checkout', '-q', '-f', commit)
        ok, err = make_kernel(tree, build_dir('um'))
        row(f'patch {n}/{len(commits)} builds (um)', ok, err or 'built')
    git(tree, 'checkout', '-q', '-f', BRANCH)
    for arch in arches:
        s = run_suite(arch)
        red = set(s.failing)
        row(f'whole series, suite on {arch}', red == set(open_cases)
            and s.failed == len(open_cases) and not s.skipped and s.passed > 0,
            f'{s.passed} passed, {s.failed} failed, {s.skipped} skipped'
            + (f' (all {len(red)} of the open findings)' if red and red == set(open_cases)
               else f' ({"; ".join(sorted(red))})' if red else '')
            + f', {s.seconds} s')
    ok, last = vma_tests(tree)
    row('tools/testing/vma builds and passes', ok, last)
    return rows


def table(rows):
    out = ['| step | result | detail |', '|---|---|---|']
    out += [f'| {step} | {"ok" if ok else "FAIL"} | {detail} |' for step, ok, detail in rows]
    return '\n'.join(out)


def series_tree(kernel, log=print):
    """(tree, version, root, cache): the git repository of the pinned kernel
    that the series is made in (made once), and the cache folders around it."""
    key, kernels = targets.kernel_key(kernel)
    cache = targets.cache_dir()
    archive, version = debian.download(key, kernels, cache, log=log)
    version = debian.upstream_version(version)
    root = os.path.join(cache, 'series')
    tree = base_repo(os.path.join(root, 'src', f'linux-{version}'),
                     lambda path: debian.extract(archive, path, kernels[key]['kind']), log=log)
    return tree, version, root, cache


def findings(repo, version):
    """(known, fixed, open_cases) on version with the series applied: the known
    kernel bugs' cases of the suite's own kunitconfig, the findings the series
    fixes, and the cases of those it does not fix (red with the series too)."""
    known = {case: ids for case, ids in runner.load_known(version).items()
             if runner.in_default_config(case)}
    fixed = fix_ids(repo)
    open_cases = {case for case, ids in known.items()
                  if not any(i.split('-')[0] in fixed for i in ids)}
    return known, fixed, open_cases


def command(repo, kernel, out, check_it, kunit_args=(), arches=('um', 'x86_64', 'arm64'),
            log=print):
    """mpk series: write the series into out; with check_it, prove it.

    Returns (patch files, check rows or None, seconds the check took).
    """
    who = identity()
    tree, version, root, cache = series_tree(kernel, log=log)
    with mutate.lock_tree(tree):
        count = make_series(repo, tree, who)
        out = os.path.abspath(out or os.path.join(cache, 'results', f'series-{version}'))
        files = format_series(repo, tree, out, who)
        log(f'mpk: {count} patches and a cover letter for Linux {version} in {out}:')
        for path in files:
            log('mpk:   ' + os.path.basename(path))
        if not check_it:
            return files, None, 0
        t0 = time.monotonic()
        known, fixed, open_cases = findings(repo, version)
        fix_cases = [cases_of(known, bug) for bug in fixed]
        if open_cases:
            log(f'mpk: {len(open_cases)} case(s) of findings the series does not fix stay red: '
                + ', '.join(sorted({i.split('-')[0] for c in open_cases for i in known[c]})))

        def build_dir(arch):
            return os.path.join(root, 'build', f'linux-{version}-{arch}')

        def run_suite(arch):
            return runner.judge(runner.run(tree, build_dir(arch), cache, arch=arch,
                                           extra=kunit_args, log=log, quiet=True), {})

        rows = check(tree, files, run_suite, build_dir, fix_cases, arches, log=log,
                     open_cases=open_cases)
        return files, rows, round(time.monotonic() - t0)
