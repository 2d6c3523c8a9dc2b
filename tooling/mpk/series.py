"""mpk series: the upstream patch series (the fixes, then the suites) and its proof.

upstream/series lists the fix patches in order (quilt style).  Each is a
commit message, a line '---' and a diff against the default kernel.  Then
one patch per KUnit suite, in the order of additions/mm/Makefile's lines
(upstream/suite-<suite>.msg): the suite's test file and the headers it is
the first to include, in their upstream form (the overlay-only blocks
dropped: the rows of findings the series does not fix), its Kconfig entry and Makefile line, the
kunitconfig lines that name it (a kunitconfig file enters with the first
suite it names) and MAINTAINERS lines for its source files.  Last, the
all_tests.config lines (upstream/all_tests.msg).  Each patch depends only on
the ones before it.

The series is made in a git repository of the default kernel as Debian
ships it (one base commit, tag mpk-base), laid out under the cache as the
fetched tree and its build directories are, so that ccache hits.
"""
import dataclasses
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

TESTS_DIR = 'mm/tests'
# The backports' API header: upstream has one kernel, and no such header.
API_H = overlay.API_H
INCLUDE = re.compile(r'^#include "([\w.]+)"\s*$', re.M)
KCONFIG_ADDITION = 'additions/mm/Kconfig.debug'
MAKEFILE_ADDITION = 'additions/mm/Makefile'
ALL_TESTS_ADDITION = 'additions/' + overlay.ALL_TESTS_CONFIG
# The kunitconfigs that go upstream: the suites' own (kunit.py
# --kunitconfig=mm/tests), and the fault-injection suite's second one.
KUNITCONFIGS = ('mm/tests/.kunitconfig', 'mm/tests/fault_injection.kunitconfig')
ALL_TESTS_MSG = 'all_tests.msg'
BEGIN, END = '/* overlay-only: begin */', '/* overlay-only: end */'
# What must not reach upstream: the backports' feature switches and API
# header, the markers, and (overlay_names()) every macro an overlay-only
# block defines.
OVERLAY_ONLY = re.compile(r'\bMP_HAVE_\w+|\bMP_DESC_HAS_\w+|overlay-only|mmap_prepare_kunit_api\.h')
MAINTAINERS_SECTION = 'MEMORY MAPPING'
# Shared headers too big to review inside a suite's patch: each goes in a
# patch of its own (upstream/<msg>), just before the first suite that
# includes it.
HEADER_PATCHES = {'mm/tests/mmap_prepare_kunit.h': 'fixture-mmap_prepare.msg',
                  'mm/tests/mmap_prepare_layout_kunit.h': 'layout-mmap_prepare.msg',
                  'mm/tests/mmap_prepare_compat_kunit.h': 'shapes-mmap_prepare_compat.msg',
                  'mm/tests/mmap_prepare_integration_kunit.h':
                      'callers-mmap_prepare_integration.msg',
                  'mm/tests/mmap_prepare_hooks_kunit.h': 'hooks-mmap_prepare_integration.msg'}
# Patches longer than this (git format-patch lines) are hard to review; the
# summary says so.
PATCH_LINES = 800


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


def overlay_blocks(text):
    """The lines between the overlay-only markers (markers left out)."""
    out, inside = [], False
    for line in text.splitlines(keepends=True):
        mark = line.strip()
        if mark in (BEGIN, END):
            inside = mark == BEGIN
        elif inside:
            out.append(line)
    return ''.join(out)


def overlay_names(*texts):
    """The macros that overlay-only blocks of texts define: upstream has none."""
    return {name for text in texts
            for name in re.findall(r'^\s*#\s*define\s+(\w+)', overlay_blocks(text), re.M)}


def _squeeze_blank_lines(text):
    return re.sub(r'\n{3,}', '\n\n', text)


def refuse_overlay_only(path, text, names=()):
    """UserError if text (upstream path) still holds something overlay-only:
    OVERLAY_ONLY, or one of names (overlay_names())."""
    found = [m for m in (OVERLAY_ONLY.search(text),
                         re.search(r'\b(?:' + '|'.join(sorted(names)) + r')\b', text)
                         if names else None) if m]
    if found:
        left = min(found, key=lambda m: m.start())
        line = text[:left.start()].count('\n') + 1
        raise UserError(f'upstream {path}:{line}: overlay-only {left.group(0)} left')


def upstream_form(path, text, names=None):
    """A test file or header as it goes upstream: the overlay-only blocks
    dropped.  names: the macros overlay-only blocks define (default: text's)."""
    names = overlay_names(text) if names is None else names
    text = _squeeze_blank_lines(strip_overlay(text))
    refuse_overlay_only(path, text, names)
    return text


def add_maintainers_line(text, path, section=MAINTAINERS_SECTION):
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


# --- the suite patches -------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Suite:
    """One KUnit suite of the overlay: its patch of the series."""
    name: str       # the KUnit suite (upstream/suite-<name>.msg)
    symbol: str     # its Kconfig symbol, without CONFIG_
    source: str     # its test file, mm/tests/<module>.c
    module: str     # KBUILD_MODNAME: the object's (and module's) name

    @property
    def obj(self):
        return self.source[:-2] + '.o'


@dataclasses.dataclass
class Patch:
    """What one patch of the series writes into the kernel tree."""
    msg: str                # upstream/<name>.msg
    files: dict             # tree path -> whole text
    appends: dict           # tree path -> text appended to the kernel's file
    maintainers: list       # paths for MAINTAINERS F: lines
    suite: Suite = None


def _read(repo, rel):
    try:
        with open(os.path.join(repo, rel), encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        raise UserError(f'{rel} missing') from None


OBJ_LINE = re.compile(r'obj-\$\(CONFIG_(\w+)\)\s*\+=\s*(tests/[\w]+)\.o\s*$')
SUITE_NAME = re.compile(r'struct kunit_suite \w+\s*=\s*\{[^}]*?\.name\s*=\s*"(\w+)"', re.S)


def suites(repo):
    """[Suite] in the order of additions/mm/Makefile's lines."""
    out = []
    for line in _read(repo, MAKEFILE_ADDITION).splitlines():
        m = OBJ_LINE.match(line.strip())
        if not m:
            if line.strip() and not line.lstrip().startswith('#'):
                raise UserError(f'{MAKEFILE_ADDITION}: not an obj-$(CONFIG_...) line: {line}')
            continue
        source = 'mm/' + m.group(2) + '.c'
        names = SUITE_NAME.findall(strip_overlay(_read(repo, source)))
        if len(names) != 1:
            raise UserError(f'{source}: expected one struct kunit_suite with a .name')
        out.append(Suite(names[0], m.group(1), source, os.path.basename(m.group(2))))
    if not out:
        raise UserError(f'{MAKEFILE_ADDITION}: no suite')
    return out


def kconfig_blocks(text):
    """{symbol: text} of a Kconfig fragment, in order: each 'config' entry with
    the blank and comment lines before it, so that the blocks joined are text."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, ln in enumerate(lines) if re.match(r'config \w+\s*$', ln)]
    if not starts:
        raise UserError(f'{KCONFIG_ADDITION}: no config entry')
    bounds = [0]
    for nxt in starts[1:]:
        j = nxt
        while j > bounds[-1] and (not lines[j - 1].strip() or lines[j - 1].startswith('#')):
            j -= 1
        bounds.append(j)
    bounds.append(len(lines))
    out = {}
    for k, i in enumerate(starts):
        out[lines[i].split()[1]] = ''.join(lines[bounds[k]:bounds[k + 1]])
    return out


def makefile_lines(text):
    """{symbol: text} of the Makefile addition: each obj- line with the lines before it."""
    out, pending = {}, ''
    for line in text.splitlines(keepends=True):
        m = OBJ_LINE.match(line.strip())
        if m:
            out[m.group(1)] = pending + line
            pending = ''
        else:
            pending += line
    if pending.strip():
        raise UserError(f'{MAKEFILE_ADDITION}: lines after the last obj- line')
    return out


def kunitconfig_upto(text, present, ours):
    """A kunitconfig as it stands once the suites present are in: lines that
    name a suite symbol (of ours) not yet present left out."""
    out = []
    for line in text.splitlines(keepends=True):
        m = re.match(r'(?:# )?CONFIG_(\w+)[= ]', line)
        if m and m.group(1) in ours and m.group(1) not in present:
            continue
        out.append(line)
    return ''.join(out)


def includes(repo, path):
    """The mm/tests files path includes ("..."), transitively, in order."""
    out, todo = [], [path]
    while todo:
        for name in INCLUDE.findall(_read(repo, todo.pop(0))):
            inc = os.path.join(TESTS_DIR, name)
            if inc not in out and os.path.exists(os.path.join(repo, inc)):
                out.append(inc)
                todo.append(inc)
    return out


def patches(repo):
    """[Patch] of the suites (a header of HEADER_PATCHES in a patch of its own
    before the first), then of the all_tests.config lines: what each writes,
    in upstream form.  Every Kconfig entry and Makefile line of the
    additions, and every test file of mm/tests, belongs to exactly one."""
    all_suites = suites(repo)
    symbols = [s.symbol for s in all_suites]
    kconfig = kconfig_blocks(_read(repo, KCONFIG_ADDITION))
    makefile = makefile_lines(_read(repo, MAKEFILE_ADDITION))
    if list(kconfig) != symbols:
        raise UserError(f'{KCONFIG_ADDITION}: entries {", ".join(kconfig)}; the Makefile '
                        f'names {", ".join(symbols)} (the same, in the same order)')
    kunitconfigs = {k: _read(repo, k) for k in KUNITCONFIGS}
    tests = [os.path.join(TESTS_DIR, n) for n in sorted(os.listdir(os.path.join(repo, TESTS_DIR)))
             if n.endswith(('.c', '.h'))]
    names = overlay_names(*(_read(repo, p) for p in tests))
    added, out = set(), []
    for n, suite in enumerate(all_suites):
        present = set(symbols[:n + 1])
        news = [p for p in [*includes(repo, suite.source), suite.source] if p not in added]
        # A header after the headers it includes (found after it).
        for path in [p for p in reversed(news) if p in HEADER_PATCHES]:
            out.append(Patch(HEADER_PATCHES[path], {path: upstream_form(path, _read(repo, path),
                                                                      names)}, {}, [path]))
            news.remove(path)
            added.add(path)
        files = {}
        for path in news:
            files[path] = upstream_form(path, _read(repo, path), names)
        added.update(news)
        for path, text in kunitconfigs.items():
            now = kunitconfig_upto(text, present, symbols)
            before = kunitconfig_upto(text, present - {suite.symbol}, symbols)
            if now != before:
                refuse_overlay_only(path, now, names)
                files[path] = now
                added.add(path)
        appends = {'mm/Kconfig.debug': kconfig[suite.symbol],
                   'mm/Makefile': makefile[suite.symbol]}
        for path, text in appends.items():
            refuse_overlay_only(path, text, names)
        out.append(Patch(f'suite-{suite.name}.msg', files, appends,
                         [p for p in news if p.endswith(('.c', '.h'))], suite))
    left = [os.path.basename(p) for p in tests if p not in added]
    if left:
        raise UserError(f'{TESTS_DIR}: {", ".join(left)} in no suite\'s patch (not '
                        'included, nor named in additions/mm/Makefile)')
    all_tests = _read(repo, ALL_TESTS_ADDITION)
    refuse_overlay_only(overlay.ALL_TESTS_CONFIG, all_tests, names)
    out.append(Patch(ALL_TESTS_MSG, {}, {overlay.ALL_TESTS_CONFIG: all_tests}, []))
    return out


WORD = re.compile(r'\w+')


def overlay_only_words(repo):
    """Words (identifiers, the names in string literals) of the test files that
    only their overlay-only blocks hold: the cases they make do not exist in
    the upstream form."""
    d = os.path.join(repo, TESTS_DIR)
    overlay_words = {w for n in os.listdir(d) if n.endswith(('.c', '.h'))
                     for w in WORD.findall(_read(repo, os.path.join(TESTS_DIR, n)))}
    upstream_words = {w for p in patches(repo) for path, text in p.files.items()
                      if path.endswith(('.c', '.h')) for w in WORD.findall(text)}
    return overlay_words - upstream_words


def in_upstream(case, absent):
    """False for a case ('suite.case.param') that only the overlay makes: a
    part of its name is a word of absent (overlay_only_words())."""
    return not any(part in absent for part in case.split('.')[1:])


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
    """Commit the fixes, the suites and the all_tests.config lines on branch
    mpk-series of tree; their count."""
    todo = patches(repo)         # refuses a bad overlay before the tree is touched
    msgs = {}
    for p in todo:
        path = os.path.join(repo, UPSTREAM, p.msg)
        if not os.path.exists(path):
            raise UserError(f'{UPSTREAM}/{p.msg} missing: the commit message of that patch')
        msgs[p.msg] = _read(repo, os.path.join(UPSTREAM, p.msg))
    git(tree, 'checkout', '-q', '-f', '-B', BRANCH, BASE_TAG)
    git(tree, 'clean', '-q', '-fdx')
    env = dict(who)
    fixes = fix_patches(repo)
    for path in fixes:
        msg, diff = read_patch(path)
        r = subprocess.run(['git', '-C', tree, 'apply', '--index', '-'], input=diff,
                           text=True, capture_output=True, check=False)
        if r.returncode:
            raise UserError(f'{os.path.basename(path)} does not apply to '
                            f'Linux {overlay.kernel_version(tree)}: {r.stderr.strip()}')
        git(tree, 'commit', '-q', '-s', '-F', '-', stdin=msg, env=env)
    for p in todo:
        write_patch(tree, p)
        git(tree, 'add', '-A', '-f')
        git(tree, 'commit', '-q', '-s', '-F', '-', stdin=msgs[p.msg], env=env)
    return len(fixes) + len(todo)


def write_patch(tree, p):
    """One Patch's files, in their upstream form, into tree."""
    def read(rel):
        with open(os.path.join(tree, rel), encoding='utf-8') as f:
            return f.read()

    def write(rel, text):
        os.makedirs(os.path.dirname(os.path.join(tree, rel)), exist_ok=True)
        with open(os.path.join(tree, rel), 'w', encoding='utf-8') as f:
            f.write(text)

    for rel, text in p.files.items():
        write(rel, text)
    for rel, text in p.appends.items():
        write(rel, read(rel) + text)
    if p.maintainers:
        text = read('MAINTAINERS')
        for path in p.maintainers:
            text = add_maintainers_line(text, path)
        write('MAINTAINERS', text)


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


def changed_files(tree, commit):
    """The paths a commit adds or changes."""
    return git(tree, 'diff-tree', '--no-commit-id', '--name-only', '-r', commit).split()


def suite_kunitconfigs(tree):
    """--kunitconfig values that build every suite in tree as it is checked
    out: mm/tests (its .kunitconfig) and each other kunitconfig there."""
    d = os.path.join(tree, TESTS_DIR)
    extra = sorted(os.path.join(TESTS_DIR, n) for n in os.listdir(d)
                   if n.endswith('.kunitconfig') and n != '.kunitconfig') \
        if os.path.isdir(d) else []
    return [TESTS_DIR, *extra]


def check(tree, files, run_suite, build_dir, fix_cases, arches, build_suite, log=print,
          open_cases=frozenset()):
    """Prove the series: [(step, ok, detail)], the fixes and suites committed.

    run_suite(arch) builds and runs the suites in tree, returning runner's
    summary judged against no known bug; build_dir(arch) is where.
    build_suite(kunitconfigs, objects) builds the tree as checked out with
    those kunitconfigs: (ok, detail), ok only if every object was built.
    fix_cases[i] is the set of cases fix i must turn green (the first
    len(fix_cases) commits are the fixes, the rest the suites and the
    all_tests.config lines); open_cases are the cases of known kernel bugs
    the series does not fix: red at every step, and exactly those red once
    the whole series is applied.
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
    fixes, tests = commits[:len(fix_cases)], commits[len(fix_cases):]
    total = len(commits)
    first, last = len(fixes) + 1, total
    # Red before, and each fix turning exactly its own cases green: the suite
    # patches on the unfixed kernel, then on each fix commit in turn.
    for n, base in enumerate([BASE_TAG, *fixes]):
        expected = set().union(open_cases, *fix_cases[n:])
        git(tree, 'checkout', '-q', '-f', '-B', RED_BRANCH, base)
        git(tree, 'cherry-pick', *tests, env=BASE_IDENTITY)
        s = run_suite('um')
        red = set(s.failing)
        where = 'the unfixed kernel' if not n else f'patch {n}/{total}'
        row(f'suites (patches {first}-{last}) on {where} (um): red = the cases of the fixes '
            'still to come' + (' and of the open findings' if open_cases else ''),
            red == expected, f'{s.passed} passed, {len(red)} red'
            + (f'; unexpected: {sorted(red - expected)}' if red - expected else '')
            + (f'; missing: {sorted(expected - red)}' if expected - red else ''))
    # Bisectable: every fix commit builds as it is...
    for n, commit in enumerate(fixes, 1):
        git(tree, 'checkout', '-q', '-f', commit)
        ok, err = make_kernel(tree, build_dir('um'))
        row(f'patch {n}/{total} builds (um)', ok, err or 'built')
    # ... and every suite patch with only the patches before it: its suite built
    # with the kunitconfigs that the tree has at that point.
    for n, commit in enumerate(tests, len(fixes) + 1):
        objects = [p[:-2] + '.o' for p in changed_files(tree, commit)
                   if p.startswith(TESTS_DIR + '/') and p.endswith('.c')]
        if not objects:
            continue
        git(tree, 'checkout', '-q', '-f', commit)
        kunitconfigs = suite_kunitconfigs(tree)
        ok, detail = build_suite(kunitconfigs, objects)
        row(f'patch {n}/{total} builds on its own (um, kunit.py build '
            + ' '.join(f'--kunitconfig={k}' for k in kunitconfigs) + ')', ok, detail)
    git(tree, 'checkout', '-q', '-f', BRANCH)
    for arch in arches:
        s = run_suite(arch)
        red = set(s.failing)
        row(f'whole series, suites on {arch}', red == set(open_cases)
            and s.failed == len(open_cases) and not s.skipped and s.passed > 0,
            f'{s.passed} passed, {s.failed} failed, {s.skipped} skipped'
            + (f' (all {len(red)} of the open findings)' if red and red == set(open_cases)
               else f' ({"; ".join(sorted(red))})' if red else '')
            + f', {s.seconds} s')
    ok, last_line = vma_tests(tree)
    row('tools/testing/vma builds and passes', ok, last_line)
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
    kernel bugs' cases that the series' own kunitconfig builds and its
    upstream form has (cases of overlay-only rows are not there), the
    findings the series fixes, and the cases of those it does not fix (red
    with the series too)."""
    absent = overlay_only_words(repo)
    known = {case: ids for case, ids in runner.load_known(version).items()
             if runner.in_default_config(case) and in_upstream(case, absent)}
    fixed = fix_ids(repo)
    open_cases = {case for case, ids in known.items()
                  if not any(i.split('-')[0] in fixed for i in ids)}
    return known, fixed, open_cases


def patch_lines(path):
    with open(path, encoding='utf-8', errors='replace') as f:
        return sum(1 for _ in f)


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
            n = patch_lines(path)
            log(f'mpk:   {os.path.basename(path)} ({n} lines'
                + (f', over {PATCH_LINES})' if n > PATCH_LINES else ')'))
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

        def build_suite(kunitconfigs, objects):
            # A second kunitconfig (the fault-injection suite's) changes much of
            # the configuration: its own directory, so that um's stays as it is.
            names = [os.path.basename(k).split('.')[0] for k in kunitconfigs[1:]]
            d = build_dir('-'.join(['um', *names]))
            extra = [f'--kunitconfig={k}' for k in kunitconfigs[1:]]
            if not runner.build(tree, d, cache, arch='um', extra=extra, log=log):
                return False, f'kunit.py build failed: see {d}/kunit-build.log'
            missing = [o for o in objects if not os.path.exists(os.path.join(d, o))]
            if missing:
                return False, 'not built (not configured?): ' + ', '.join(missing)
            return True, 'built: ' + ', '.join(os.path.basename(o) for o in objects)

        rows = check(tree, files, run_suite, build_dir, fix_cases, arches, build_suite,
                     log=log, open_cases=open_cases)
        return files, rows, round(time.monotonic() - t0)
