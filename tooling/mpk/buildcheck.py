"""mpk buildcheck: the configurations the build bots try, on the upstream series.

Every check runs in the series' git repository (the fixes and the suite
committed, as `mpk series` makes it), each architecture and compiler in a
build directory of its own under $MPK_CACHE/series/build, all through the
shared ccache.  One line per configuration: its name, ok or FAIL, seconds,
and what went wrong.  A warning counts when it is in a suite's file or in
lines that the fix patches add (warnings the kernel already had elsewhere are
not ours to fix).

  warnings-<arch>   gcc W=1 and sparse (C=2) on the suites' files (the
                    fault-injection suite's kunitconfig added, so that all
                    four are built) and the files the fixes touch: um,
                    x86_64, arm64
  clang-<arch>      LLVM=-19: the suite built and booted with Debian 12's
                    clang-19 (scripts/min-tool-version.sh asks for 17.0.1);
                    every case's verdict compared with gcc x86_64's
  boot-<arch>       the suite built and booted on i386 and arm (32-bit
                    unsigned long, two-level page tables, HIGHMEM on); every
                    case's verdict compared with gcc x86_64's
  modular-<n>       the two tristate suites (mmap_prepare, _compat) =m or =y
                    with the suites' optional dependencies y, m and n: a
                    covering array with every pair of values (and every way
                    of getting FS_STACK) configured, compiled and linked.
                    The two bool suites (_integration, _fault_injection)
                    cannot be modules: absent under =m, built in under =y
                    (the fault-injection one where FAULT_INJECTION_DEBUG_FS is)
  randconfig-<seed> make randconfig with KUNIT and the three default suites
                    forced on; the suites the random .config has and the
                    fixed files compiled (make prepare and the objects: a
                    whole random kernel is out of reach on 2 cores)
"""
import dataclasses
import fnmatch
import itertools
import os
import random
import re
import shutil
import subprocess
import time

from . import debian, mutate, overlay, results, runner, series
from .errors import UserError

FAMILIES = ('warnings', 'clang', 'boot', 'modular', 'randconfig')
WARNING_ARCHES = ('um', 'x86_64', 'arm64')
CLANG_ARCHES = ('x86_64', 'arm64')
BOOT_ARCHES = ('i386', 'arm')
# kunit.py's i386 and arm configurations leave high memory off; QEMU gets
# 1024 MiB, more than either maps permanently (896 MiB, about 760 MiB), so
# with these the page cache and anonymous pages reach HIGHMEM.
BOOT_KCONFIG = {'i386': ['CONFIG_HIGHMEM4G=y'], 'arm': ['CONFIG_HIGHMEM=y']}
# The gcc build whose verdicts every booted configuration is compared with:
# x86_64, KernelCI's.  (gcc gives every case the same verdict on um, x86_64
# and arm64: README, Architectures.)  Its build directory is the one
# `mpk series --check` uses.
BASELINE = 'x86_64'
# Debian 12's newest clang; 7.3's scripts/min-tool-version.sh asks for 17.0.1.
CLANG_VERSION = '19'
CLANG_DEPS = [f'clang-{CLANG_VERSION}', f'lld-{CLANG_VERSION}', f'llvm-{CLANG_VERSION}']
# Debian 12's sparse (0.6.4) is too old for 7.3: scripts/checker-valid.sh wants
# __typeof_unqual__, and kbuild then quietly drops C=.  sid's source package
# (0.6.5~rc1) has it; mpk builds its sparse binary once into the cache.
SPARSE_SOURCE = ('sparse', '0.6.5~rc1-2')
SPARSE_REFUSED = 'is not available or not up to date'
RANDCONFIG_ARCH = 'x86_64'
# A random configuration may sign modules: scripts/sign-file needs OpenSSL.
RANDCONFIG_DEPS = ['libssl-dev']
# Cases whose verdict differs between architectures for a documented reason
# ({arch: {case: why}}); none so far.
ARCH_DIFFERENCES = {}

DIAG = re.compile(r'^(?P<file>[^\s:]+):(?P<line>\d+):(?:\d+:)? (?P<kind>warning|error): '
                  r'(?P<msg>.*)$')


@dataclasses.dataclass
class Row:
    name: str
    ok: bool
    seconds: int
    detail: str


def line(row):
    return f'mpk: buildcheck {row.name:<24} {"ok  " if row.ok else "FAIL"} {row.seconds:>5} s  ' \
        + row.detail


# --- what counts as ours -------------------------------------------------

def added_lines(diff):
    """{path: set of new-file line numbers} that a unified diff adds."""
    out, path, n = {}, None, 0
    for ln in diff.splitlines():
        if ln.startswith('+++ '):
            path = ln[4:].split('/', 1)[1] if ln[4:] != '/dev/null' else None
        elif ln.startswith('@@'):
            n = int(re.match(r'@@ -\S+ \+(\d+)', ln).group(1))
        elif path and ln.startswith('+'):
            out.setdefault(path, set()).add(n)
            n += 1
        elif path and not ln.startswith('-') and not ln.startswith('\\'):
            n += 1
    return out


def suite_files(repo):
    """The suites' files as they are upstream."""
    return [path for p in series.patches(repo) for path in p.files
            if path.endswith(('.c', '.h'))]


def ours(repo):
    """{path: lines or None (the whole file)}: where a warning is ours."""
    where = dict.fromkeys(suite_files(repo))
    for path in series.fix_patches(repo):
        for f, lines in added_lines(series.read_patch(path)[1]).items():
            where.setdefault(f, set()).update(lines)
    return where


def diagnostics(text, where):
    """The warning and error lines of a build log that fall in where."""
    out = []
    for ln in text.splitlines():
        m = DIAG.match(ln.strip())
        if not m:
            continue
        f = '/' + os.path.normpath(m.group('file'))    # absolute, or from the tree
        for path, lines in where.items():
            if f.endswith('/' + path) and (lines is None or int(m.group('line')) in lines):
                out.append(ln.strip())
                break
    return sorted(set(out))


def compiled_files(where, tree):
    """The .o targets that compile where: its C files, and for a header x.h the
    x.c beside it (mm/vma.h: mm/vma.c), which includes it."""
    sources = {p for p in where if p.endswith('.c')}
    sources |= {p[:-2] + '.c' for p in where if p.endswith('.h')
                and os.path.isfile(os.path.join(tree, p[:-2] + '.c'))}
    return [p[:-2] + '.o' for p in sorted(sources)]


def configured(objs, config_text):
    """objs less the suites' objects whose symbol config_text leaves unset:
    the fault-injection suite's needs fault injection, the integration
    suite's KUNIT=y; compiled without them, they would not build."""
    have = {ln.split('=')[0][len('CONFIG_'):] for ln in config_text.splitlines()
            if ln.startswith('CONFIG_') and ln.split('=', 1)[1:] in (['y'], ['m'])}
    symbols = {s.obj: s.symbol for s in series.suites(runner.REPO)}
    return [o for o in objs if o not in symbols or symbols[o] in have]


def read_config(build_dir):
    try:
        with open(os.path.join(build_dir, '.config'), encoding='utf-8') as f:
            return f.read()
    except FileNotFoundError:
        return ''


# --- the configurations of the =m check ----------------------------------

# Each optional dependency of the suite and the values it can take: its
# kunitconfig lines per value.  FS_STACK (backing_file_mmap()) comes from
# overlayfs or from FUSE passthrough, both tristate; the rest are bool.
OFF = '# {} is not set'
DEPS = {
    'UIO': ('y', 'm', 'n'),
    'OVERLAY_FS': ('y', 'm', 'n'),
    'FUSE_FS': ('y', 'm', 'n'),
    'SYSVIPC': ('y', 'n'),
    'TMPFS': ('y', 'n'),
    'DEVTMPFS': ('y', 'n'),
    'FAULT_INJECTION_DEBUG_FS': ('y', 'n'),
}
SUITE_VALUES = ('m', 'y')
EXPENSIVE = ('FAULT_INJECTION_DEBUG_FS', 'SYSVIPC', 'TMPFS', 'DEVTMPFS')
# Options an option needs on, for its value to hold.
NEEDS = {'FUSE_FS': ['CONFIG_FUSE_PASSTHROUGH=y'],
         'FAULT_INJECTION_DEBUG_FS': ['CONFIG_DEBUG_KERNEL=y', 'CONFIG_FAULT_INJECTION=y',
                                      'CONFIG_DEBUG_FS=y']}


def fs_stack(combo):
    return 'y' if combo['OVERLAY_FS'] != 'n' or combo['FUSE_FS'] != 'n' else 'n'


def tuples(combo):
    """What one configuration covers: every pair of (factor, value), and the
    suite's value with FS_STACK's (the one option two dependencies make)."""
    items = sorted(combo.items())
    out = {frozenset(p) for p in itertools.combinations(items, 2)}
    out.add(frozenset({('SUITE', combo['SUITE']), ('FS_STACK', fs_stack(combo))}))
    return out


def covering_array(factors=None, seed=0):
    """A small list of configurations covering every tuple of tuples():
    greedy, deterministic.  factors: {name: values}, SUITE included."""
    factors = factors or {'SUITE': SUITE_VALUES, **DEPS}
    names = sorted(factors)
    every = [dict(zip(names, values)) for values in itertools.product(
        *(factors[n] for n in names))]
    need = set().union(*(tuples(c) for c in every))
    rng = random.Random(seed)
    chosen = []
    while need:
        best = max(every, key=lambda c: (len(tuples(c) & need), rng.random()))
        chosen.append(best)
        need -= tuples(best)
    # Neighbours that share the options which rebuild most of the kernel:
    # kbuild recompiles only what a changed option reaches.
    return sorted(chosen, key=lambda c: [c[n] for n in EXPENSIVE] + [combo_name(c)])


def suite_kinds(repo=runner.REPO):
    """[(symbol, 'tristate' or 'bool', the DEPS its 'depends on' names)] of the
    suites' Kconfig entries, in order."""
    out = []
    for symbol, block in series.kconfig_blocks(
            series._read(repo, series.KCONFIG_ADDITION)).items():
        kind = re.search(r'^\s+(tristate|bool)\b', block, re.M)
        depends = ' '.join(re.findall(r'^\s+depends on (.*)$', block, re.M))
        out.append((symbol, kind.group(1) if kind else 'bool',
                    [d for d in DEPS if re.search(rf'\b{d}\b', depends)]))
    return out


def suite_lines(combo, kinds=None):
    """The suites' kunitconfig lines of a combo: the tristate suites at its
    SUITE value; the bool ones, which cannot be modules, absent under =m and
    built in under =y where every dependency of DEPS they name is on."""
    lines = []
    for symbol, kind, deps in kinds if kinds is not None else suite_kinds():
        on = combo['SUITE'] if kind == 'tristate' else (
            'y' if combo['SUITE'] == 'y' and all(combo[d] != 'n' for d in deps) else 'n')
        lines.append(OFF.format('CONFIG_' + symbol) if on == 'n' else f'CONFIG_{symbol}={on}')
    return lines


def modular_kunitconfig(combo, kinds=None):
    lines = ['CONFIG_KUNIT=y', 'CONFIG_MODULES=y', 'CONFIG_MODULE_UNLOAD=y',
             *suite_lines(combo, kinds)]
    for name in sorted(DEPS):
        value = combo[name]
        lines.append(OFF.format('CONFIG_' + name) if value == 'n' else f'CONFIG_{name}={value}')
        if value != 'n':
            lines += NEEDS.get(name, [])
    return '\n'.join(dict.fromkeys(lines)) + '\n'


def combo_name(combo):
    return ' '.join(f'{k}={v}' for k, v in sorted(combo.items()))


# --- random configurations -----------------------------------------------

def forced():
    """What randconfig is given: KUNIT and the suites of the default kunitconfig on."""
    return ('CONFIG_KUNIT=y', *(e for e in runner.kunitconfig_entries('mm/tests/.kunitconfig')
                                if overlay.OUR_WORDS.search(e)))


# Not forced to hold, only asked for: another file's warning under -Werror
# would fail the build for a reason that is not ours (ours are read from
# the log whatever -Werror says).
ASKED = ('# CONFIG_WERROR is not set',)


def seeds(count, first=None):
    """count KCONFIG_SEED values: from first on, or random (each printed); a
    list as first gives exactly those (to rerun the seeds a run printed)."""
    if isinstance(first, list):
        return first
    if first is not None:
        return [first + i for i in range(count)]
    rng = random.SystemRandom()
    return [rng.randrange(1, 2 ** 32) for _ in range(count)]


def forced_held(config_text, wanted=None):
    """The forced options the random .config lost (randconfig can refuse one).
    A suite =m holds too: where randconfig picks KUNIT_ALL_TESTS=m, a tristate
    suite's prompt is hidden and it follows that default, a configuration
    distributions build; its file is compiled as a module object then."""
    have = set(config_text.splitlines())
    return [e for e in (wanted or forced()) if e not in have and not (
        overlay.OUR_WORDS.search(e) and e.endswith('=y') and e[:-1] + 'm' in have)]


# --- running -------------------------------------------------------------

class Checker:
    """The series tree, its build directories and the runs of one buildcheck."""

    def __init__(self, repo, tree, version, root, cache, log=print, jobs=None):
        self.repo, self.tree, self.version = repo, tree, version
        self.root, self.cache, self.log = root, cache, log
        self.jobs = jobs or os.cpu_count() or 1
        self.where = ours(repo)
        self._baseline = None     # gcc BASELINE's verdicts, once booted

    def build_dir(self, name):
        d = os.path.join(self.root, 'build', f'linux-{self.version}-{name}')
        os.makedirs(d, exist_ok=True)
        return d

    def make(self, build_dir, arch, *targets, extra=()):
        return make(self.tree, build_dir, self.cache, arch, *targets, extra=extra,
                    jobs=self.jobs)

    def kunit(self, sub, build_dir, arch, args=(), kunitconfig='mm/tests'):
        """kunit.py config/build/run in build_dir; (exit status, result JSON or None)."""
        json_path = os.path.join(build_dir, 'mmap_prepare_kunit.json') if sub == 'run' else None
        if json_path and os.path.exists(json_path):
            os.remove(json_path)
        cmd = runner.kunit_command(self.tree, build_dir, json_path, arch=arch, sub=sub,
                                   extra=list(args), kunitconfig=kunitconfig)
        rc = runner.kunit(cmd, self.tree, build_dir, self.cache, f'kunit-{sub}.log',
                          log=self.log)
        return rc, runner.load_json(json_path) if json_path else None

    def failure(self, build_dir, sub):
        """The first error line of a kunit.py log, for the report."""
        with open(os.path.join(build_dir, f'kunit-{sub}.log'), encoding='utf-8',
                  errors='replace') as f:
            lines = f.read().splitlines()
        return next((ln.strip() for ln in lines if 'error' in ln.lower()),
                    lines[-1] if lines else '?')[:200]

    # Each check returns a Row.

    def warnings(self, arch):
        d = self.build_dir(f'{arch}-buildcheck-w1')
        # The suites' kunitconfig and the fault-injection suite's: all four built.
        rc, _ = self.kunit('config', d, arch, [f'--kunitconfig={k}'
                                               for k in series.KUNITCONFIGS[1:]])
        if rc:
            return Row(f'warnings-{arch}', False, 0, 'kunit.py config failed: '
                       + self.failure(d, 'config'))
        # W=1 and C=2 change the command line: kbuild recompiles the objects.
        every = compiled_files(self.where, self.tree)
        objs = configured(every, read_config(d))
        if objs != every:
            return Row(f'warnings-{arch}', False, 0, 'not configured: '
                       + ', '.join(sorted(set(every) - set(objs))))
        built, out = self.make(d, arch, *objs, extra=warning_flags(self.cache, self.log))
        return judge_warnings(f'warnings-{arch}', built, out, self.where, len(objs))

    def boot(self, arch, name, args=()):
        """Build and boot the suites in their own directory; (verdicts or None,
        what went wrong or None)."""
        d = self.build_dir(name)
        rc, result = self.kunit('run', d, arch, args)
        if not result:
            return None, 'no result: ' + self.failure(d, 'run')
        verdicts = dict(runner.our_leaves(result))
        bad = runner.splats(runner.read_kernel_log(d))
        if bad:
            return verdicts, f'splat: {bad[0][:120]}'
        return verdicts, None

    def baseline(self):
        """gcc's verdicts on BASELINE (the build directory `mpk series --check` uses)."""
        if self._baseline is None:
            verdicts, err = self.boot(BASELINE, BASELINE)
            if err:
                raise UserError(f'gcc {BASELINE} baseline: {err}')
            self._baseline = verdicts
        return self._baseline

    def compare(self, name, arch, args=()):
        verdicts, err = self.boot(arch, name, args)
        if err:
            return False, err
        differ = verdict_differences(self.baseline(), verdicts,
                                     ARCH_DIFFERENCES.get(arch, {}))
        counts = summary(verdicts)
        if differ:
            return False, f'{counts}; {len(differ)} differ from gcc {BASELINE}: ' \
                + '; '.join(f'{c} {a}->{b}' for c, a, b in differ[:3])
        return True, f'{counts}; every case as gcc {BASELINE}'

    def clang(self, arch):
        ok, detail = self.compare(f'{arch}-clang', arch,
                                  [f'--make_options=LLVM=-{CLANG_VERSION}'])
        return Row(f'clang-{arch}', ok, 0, f'clang-{CLANG_VERSION}: {detail}')

    def boot32(self, arch):
        ok, detail = self.compare(arch, arch, [f'--kconfig_add={e}'
                                               for e in BOOT_KCONFIG.get(arch, [])])
        return Row(f'boot-{arch}', ok, 0, detail)

    def modular(self, n, combo, arch='um'):
        d = self.build_dir(f'{arch}-buildcheck-modular')
        path = os.path.join(d, 'modular.kunitconfig')
        with open(path, 'w', encoding='utf-8') as f:
            f.write(modular_kunitconfig(combo))
        # kunit.py build: configure (every option must hold), vmlinux, the
        # modules and modpost, whose link check finds unexported symbols.
        rc, _ = self.kunit('build', d, arch, kunitconfig=path)
        with open(os.path.join(d, 'kunit-build.log'), encoding='utf-8', errors='replace') as f:
            found = diagnostics(f.read(), self.where)
        ok = rc == 0 and not found
        detail = combo_name(combo) + ('' if ok else ': ' + (found[0] if found else
                                                             self.failure(d, 'build')))
        return Row(f'modular-{n}', ok, 0, detail)

    def randconfig(self, seed, arch=RANDCONFIG_ARCH):
        d = self.build_dir(f'{arch}-buildcheck-randconfig')
        forced_path = os.path.join(d, 'forced.config')
        with open(forced_path, 'w', encoding='utf-8') as f:
            f.write('\n'.join(forced() + ASKED) + '\n')
        name = f'randconfig-{seed:#010x}'
        ok, out = self.make(d, arch, 'randconfig', extra=[f'KCONFIG_SEED={seed:#x}',
                                                          f'KCONFIG_ALLCONFIG={forced_path}'])
        if not ok:
            return Row(name, False, 0, 'randconfig failed: ' + first_error(out))
        with open(os.path.join(d, '.config'), encoding='utf-8') as f:
            lost = forced_held(f.read())
        if lost:
            return Row(name, False, 0, 'the random .config lost ' + ', '.join(lost))
        with open(os.path.join(d, '.config'), encoding='utf-8') as f:
            objs = configured(compiled_files(self.where, self.tree), f.read())
        ok, out = self.make(d, arch, *objs)
        found = diagnostics(out, self.where)
        return Row(name, ok and not found, 0,
                   f'{arch}: {len(objs)} files compiled'
                   + (f'; {found[0]}' if found else '') + ('' if ok else
                                                        '; ' + first_error(out)))


def make(tree, build_dir, cache, arch, *targets, extra=(), jobs=None):
    """make in tree with ccache; (ok, combined output), also appended to
    buildcheck.log in the build directory."""
    cross = runner.cross_compile(arch)
    cmd = ['make', f'ARCH={arch}', f'O={build_dir}',
           f'-j{jobs or os.cpu_count() or 1}',
           *([f'CROSS_COMPILE={cross}'] if cross else []), *extra, *targets]
    r = subprocess.run(cmd, cwd=tree, env=runner.build_env(cache, tree, build_dir),
                       capture_output=True, text=True, check=False)
    with open(os.path.join(build_dir, 'buildcheck.log'), 'a', encoding='utf-8') as f:
        f.write('$ ' + ' '.join(cmd) + '\n' + r.stdout + r.stderr)
    return r.returncode == 0, r.stdout + r.stderr


def sparse_tool(cache, log=print):
    """Path of a sparse that the kernel accepts, built from Debian's source
    package into $MPK_CACHE/tools once (downloaded through the private apt
    configuration, like the kernels)."""
    package, version = SPARSE_SOURCE
    home = os.path.join(cache, 'tools', f'{package}-{debian.upstream_version(version)}')
    binary = os.path.join(home, 'sparse')
    if os.access(binary, os.X_OK):
        return binary
    _, kernels = debian.load_kernels()
    apt = debian.Apt(os.path.join(cache, 'apt'), [k['suite'] for k in kernels.values()],
                     log=log)
    apt.update()
    work = home + '.tmp'
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    log(f'mpk: building sparse from Debian\'s source package {package}={version}')
    r = apt.source(package, version, work)
    orig = [n for n in os.listdir(work) if re.match(rf'{package}_.*\.orig\.tar\.', n)]
    if not orig:
        raise UserError(f'{package}={version}: source not offered by the mirror '
                        f'({(r.stderr.strip().splitlines() or ["?"])[-1]})')
    src = os.path.join(work, 'src')
    os.makedirs(src)
    subprocess.run(['tar', '-xf', os.path.join(work, orig[0]), '-C', src,
                    '--strip-components=1'], check=True)
    r = subprocess.run(['make', f'-j{os.cpu_count() or 1}', 'sparse'], cwd=src,
                       capture_output=True, text=True, check=False)
    if r.returncode:
        raise UserError('building sparse failed: ' + first_error(r.stdout + r.stderr))
    shutil.rmtree(home, ignore_errors=True)
    os.rename(src, home)
    shutil.rmtree(work, ignore_errors=True)
    return binary


def warning_flags(cache, log=print):
    """make's arguments for gcc W=1 and sparse on the named objects."""
    return ['W=1', 'C=2', f'CHECK={sparse_tool(cache, log)}']


def judge_warnings(name, built, out, where, count, seconds=0):
    """The Row of a W=1 + sparse build: sparse refused by kbuild fails it too."""
    found = diagnostics(out, where)
    if not built:
        return Row(name, False, seconds, 'build failed: ' + first_error(out))
    if SPARSE_REFUSED in out:
        return Row(name, False, seconds, 'sparse not run: kbuild says it ' + SPARSE_REFUSED)
    return Row(name, not found, seconds, f'gcc W=1 + sparse on {count} file(s): '
               + (f'{len(found)} diagnostic(s) of ours: {found[0]}' if found else 'clean'))


def overlay_suite_files(repo=runner.REPO):
    """{tree path: None}: the suites' files as the overlay installs them (a
    backport's API header too): a warning anywhere in them is ours."""
    d = os.path.join(repo, series.TESTS_DIR)
    return {os.path.join(series.TESTS_DIR, n): None
            for n in sorted([*os.listdir(d), os.path.basename(series.API_H)])
            if n.endswith(('.c', '.h'))}


def suite_warnings(t):
    """gcc W=1 and sparse on the suites' files in a built kunit build directory
    (mpk test's cheap part of buildcheck), those its .config builds: a Row."""
    t0 = time.monotonic()
    objs = configured([s.obj for s in series.suites(runner.REPO)], read_config(t.build_dir))
    built, out = make(t.tree, t.build_dir, t.cache, t.arch, *objs,
                      extra=warning_flags(t.cache))
    return judge_warnings(f'warnings-{t.arch}-suite', built, out, overlay_suite_files(),
                          len(objs), round(time.monotonic() - t0))


def first_error(text):
    lines = text.strip().splitlines() or ['?']
    return next((ln for ln in lines if 'error' in ln.lower()), lines[-1])[:200]


def summary(verdicts):
    counts = {s: sum(v == s for v in verdicts.values()) for s in ('PASS', 'FAIL', 'SKIP')}
    other = len(verdicts) - sum(counts.values())
    return (f'{counts["PASS"]} passed, {counts["FAIL"] + other} failed, '
            f'{counts["SKIP"]} skipped')


def verdict_differences(base, other, allowed=None):
    """[(case, base verdict, other verdict)] that differ, less the documented ones."""
    allowed = allowed or {}
    return [(c, base.get(c, 'absent'), other.get(c, 'absent'))
            for c in sorted(set(base) | set(other))
            if base.get(c) != other.get(c) and c not in allowed]


def needs(families):
    """(kunit.py arches, Debian packages beyond mpk's build dependencies) of the
    families asked for; cli.arch_deps() adds each arch's QEMU and cross gcc."""
    arches, deps = set(), []
    if 'warnings' in families:
        arches |= set(WARNING_ARCHES)
    if 'clang' in families:
        arches |= set(CLANG_ARCHES) | {BASELINE}
        deps += CLANG_DEPS
    if 'boot' in families:
        arches |= set(BOOT_ARCHES) | {BASELINE}
    if 'randconfig' in families:
        arches.add(RANDCONFIG_ARCH)
        deps += RANDCONFIG_DEPS
    return sorted(arches), deps


def plan(families, count, first_seed, only=None):
    """[(name, callable(checker) -> Row)] of the checks asked for, in order;
    only: shell patterns of the names to keep (modular-8, 'randconfig-*')."""
    steps = []
    for fam in families:
        if fam == 'warnings':
            steps += [(f'warnings-{a}', lambda c, a=a: c.warnings(a)) for a in WARNING_ARCHES]
        elif fam == 'clang':
            steps += [(f'clang-{a}', lambda c, a=a: c.clang(a)) for a in CLANG_ARCHES]
        elif fam == 'boot':
            steps += [(f'boot-{a}', lambda c, a=a: c.boot32(a)) for a in BOOT_ARCHES]
        elif fam == 'modular':
            steps += [(f'modular-{n}', lambda c, n=n, combo=combo: c.modular(n, combo))
                      for n, combo in enumerate(covering_array(), 1)]
        elif fam == 'randconfig':
            steps += [(f'randconfig-{s:#010x}', lambda c, s=s: c.randconfig(s))
                      for s in seeds(count, first_seed)]
        else:
            raise UserError(f'unknown check {fam}; known: {", ".join(FAMILIES)}')
    if only:
        steps = [s for s in steps if any(fnmatch.fnmatchcase(s[0], p) for p in only)]
        if not steps:
            raise UserError(f'--only {",".join(only)} names no configuration of '
                            f'{",".join(families)}')
    return steps


def run(repo, kernel, families, count=20, first_seed=None, log=print, only=None):
    """Make the series, run each check; ([Row], the results file)."""
    steps = plan(families, count, first_seed, only)
    who = series.identity()
    tree, version, root, cache = series.series_tree(kernel, log=log)
    rows, path = [], None
    with mutate.lock_tree(tree):
        series.make_series(repo, tree, who)
        checker = Checker(repo, tree, version, root, cache, log=log)
        for name, step in steps:
            log(f'mpk: buildcheck {name} ...')
            t0 = time.monotonic()
            try:
                row = step(checker)
            except UserError as e:
                row = Row(name, False, 0, str(e))
            row.seconds = round(time.monotonic() - t0)
            rows.append(row)
            log(line(row))
            # Rewritten after every configuration: a run cut short keeps its rows.
            path = results.record(cache, 'buildcheck', version, None,
                                  {'series': True, 'families': list(families),
                                   'planned': len(steps),
                                   'rows': [dataclasses.asdict(r) for r in rows]}, path=path)
    return rows, path
