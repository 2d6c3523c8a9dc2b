"""Run the suite with the tree's own kunit.py and judge the result."""
import dataclasses
import json
import os
import platform
import re
import subprocess
import sys
import time

from . import kbuild

# The suites: mmap_prepare (the native specification), then the compat layer's
# and the integration suite, which the default kunitconfig builds; the
# fault-injection suite only with its own (mpk run --profile=faults).  Case
# names are '<suite>.<case>.<param>'.
SUITE = 'mmap_prepare'
SUITES = ('mmap_prepare', 'mmap_prepare_mm', 'mmap_prepare_compat', 'mmap_prepare_integration')
PROFILE_SUITES = ('mmap_prepare_fault_injection',)
CCACHE_WRAPPERS = '/usr/lib/ccache'
QEMU_TCG_SHIM = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                             'qemu-tcg')
KERNEL_LOG = 'kernel log: '      # how a splat is named among the failing entries
KNOWN_FILE = os.path.join(os.path.dirname(__file__), 'known_kernel_bugs.json')
# The repository (the overlay and the tool): one place for every module.
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Kernel log lines that mean the run is not clean, whatever the cases say.
SPLAT = re.compile(r'WARNING:|BUG:|-\[ cut here \]-|possible circular locking|'
                   r'possible recursive locking|KASAN:|UBSAN:|Kernel panic|'
                   r'general protection fault|refcount_t:')


def build_env(cache, tree, build_dir):
    """Environment for kunit.py: every compiler call goes through ccache."""
    env = dict(os.environ)
    if env.get('MPK_QEMU_ACCEL', 'tcg') == 'tcg':
        # QEMU runs in TCG: see tooling/qemu-tcg. MPK_QEMU_ACCEL=kvm keeps
        # kunit.py's own choice (KVM first) where KVM works.
        env['PATH'] = QEMU_TCG_SHIM + os.pathsep + env.get('PATH', '')
    # Absolute paths below the common root hash as relative ones, so a cache
    # directory that moved (or a second clone's) still hits.
    env.setdefault('CCACHE_BASEDIR', os.path.commonpath([tree, build_dir]))
    env['PATH'] = CCACHE_WRAPPERS + os.pathsep + env.get('PATH', '')
    env.setdefault('CCACHE_DIR', os.path.join(cache, 'ccache'))
    # Trees live at different paths (cache, user's own): hash relative paths.
    env.setdefault('CCACHE_NOHASHDIR', '1')
    return env


def kunitconfig_entries(path):
    """The CONFIG_ lines of a kunitconfig file of the overlay (path from the repo)."""
    with open(os.path.join(REPO, path), encoding='utf-8') as f:
        return [ln.strip() for ln in f if ln.startswith('CONFIG_')]


# mpk run --profile=NAME: kunit.py --kconfig_add entries on top of the suite's
# kunitconfig, for every architecture ('*') and per architecture; the build gets
# a directory of its own.
PROFILES = {
    # The fault-injection sweep: the suite's own second kunitconfig.
    'faults': {'*': kunitconfig_entries('mm/tests/fault_injection.kunitconfig')},
    'sanitize': {
        '*': ['CONFIG_KASAN=y', 'CONFIG_UBSAN=y', 'CONFIG_DEBUG_VM_MAPLE_TREE=y',
              'CONFIG_DEBUG_VM_RB=y', 'CONFIG_DEBUG_KMEMLEAK=y'],
        'x86_64': ['CONFIG_DEBUG_VM_PGTABLE=y'],
        'arm64': ['CONFIG_DEBUG_VM_PGTABLE=y'],
    },
}


def profile_args(name, arch):
    """kunit.py arguments of a profile on arch ([] for none)."""
    if not name:
        return []
    p = PROFILES[name]
    return [f'--kconfig_add={e}' for e in p.get('*', []) + p.get(arch, [])]


# kunit.py --arch values that QEMU runs, and the cross compiler each needs
# on a host of another architecture (Debian's gcc-<triplet> packages).
CROSS_COMPILE = {'x86_64': 'x86_64-linux-gnu-', 'arm64': 'aarch64-linux-gnu-',
                 'i386': 'i686-linux-gnu-', 'arm': 'arm-linux-gnueabihf-'}
HOST_ARCH = {'x86_64': 'x86_64', 'aarch64': 'arm64'}.get(platform.machine(), platform.machine())


def cross_compile(arch, host=HOST_ARCH):
    """kunit.py's --cross_compile for arch, or None when the host builds it natively."""
    if arch == 'um' or arch == host or (arch, host) == ('i386', 'x86_64'):
        return None     # an x86_64 gcc builds i386 kernels itself (-m32)
    return CROSS_COMPILE.get(arch)


def kunit_command(tree, build_dir, json_path, arch='um', jobs=None,
                  extra=(), sub='run', kunitconfig='mm/tests'):
    """kunit.py run (or, with json_path None, build) of the suite's kunitconfig
    (kunitconfig None: none of ours, for --alltests in extra)."""
    cross = cross_compile(arch)
    return [sys.executable, os.path.join(tree, 'tools/testing/kunit/kunit.py'),
            sub, *([f'--kunitconfig={kunitconfig}'] if kunitconfig else []),
            f'--build_dir={build_dir}',
            f'--arch={arch}', *([f'--cross_compile={cross}'] if cross else []),
            *([f'--jobs={jobs or os.cpu_count() or 1}'] if sub in ('run', 'build') else []),
            *([f'--json={json_path}'] if json_path else []), *extra]


def leaves(group, prefix=''):
    """Yield (name, status) of every leaf case under a kunit.py JSON group."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaves(sub, prefix + sub['name'] + '.')


def find_group(group, name):
    if group.get('name') == name:
        return group
    for sub in group.get('sub_groups', []):
        found = find_group(sub, name)
        if found:
            return found
    return None


@dataclasses.dataclass
class Summary:
    """One run of the suite, as the gate sees it (cf. kunit_parser's TestCounts).

    failing names every reason the run is not green: cases, and entries such
    as 'kernel log: ...' or '<suite> (suite missing ...)'.  After judge(),
    known holds the failing cases that a known kernel bug explains (they no
    longer count in failed), and fixed the known-bug cases that now pass.
    """
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failing: list = dataclasses.field(default_factory=list)
    passing: list = dataclasses.field(default_factory=list)
    found: bool = False             # the suite is in the results at all
    signatures: list = dataclasses.field(default_factory=list)
    seconds: float = 0.0
    known: list = dataclasses.field(default_factory=list)
    fixed: list = dataclasses.field(default_factory=list)

    def fail(self, why, count=1):
        self.failed += count
        self.failing.append(why)

    def splats(self):
        """The failing entries that report the kernel log, not a case."""
        return [c for c in self.failing if c.startswith(KERNEL_LOG)]


def our_leaves(result):
    """(name, status) of every case of every suite of ours in a kunit.py --json
    result, named '<suite>.<case>.<param>'."""
    for suite in (*SUITES, *PROFILE_SUITES):
        group = find_group(result, suite) if result else None
        if group:
            yield from leaves(group, suite + '.')


def summarise(result, suites=SUITES):
    """Counts and failing case names of our suites in a kunit.py --json result:
    suites, which must be there, and a profile's suite where it ran.

    A suite that is absent or ran no case is itself a failure: a test that
    silently did not run must never read as green.
    """
    s = Summary()
    for suite in (*suites, *PROFILE_SUITES):
        group = find_group(result, suite) if result else None
        if not group:
            if suite in suites:
                s.fail(f'{suite} (suite missing from the results)')
            continue
        s.found = True      # the kernel ran: a suite missing after a crash is a failure
        ran = s.passed + s.failed + s.skipped
        for name, status in leaves(group, suite + '.'):
            if status == 'PASS':
                s.passed += 1
                s.passing.append(name)
            elif status == 'SKIP':
                s.skipped += 1
            else:
                s.fail(name)
        errors = group.get('misc', {}).get('errors', 0)
        if errors:
            s.fail(f'{suite} ({errors} missing or unparsed case(s))', errors)
        if s.passed + s.failed + s.skipped == ran:
            s.fail(f'{suite} (no case ran)')
    return s


FAILED_AT = re.compile(r'# [^:]*: (EXPECTATION|ASSERTION) FAILED at (\S+)')
BLOCK_END = re.compile(r'^\s*(ok |not ok |# |KTAP|1\.\.)')


ADDRESS = re.compile(r'\b0x[0-9a-fA-F]+\b|\b[0-9a-fA-F]{8,}\b|\(____ptrval____\)')


def mask_addresses(text):
    """Addresses and hex values as '@': they move whenever the kernel is rebuilt
    (mutants do that), and are not what a mutant changed."""
    return ADDRESS.sub('@', text)


def mask(text):
    """text with addresses and numbers masked: what stays is where and what failed."""
    return re.sub(r'\d+', '#', mask_addresses(text))


def failure_signatures(kernel_log):
    """One line per failed expectation: where, and what it said, numbers masked.

    A case that was already red can fail in a new way; comparing these sets
    shows it (a mutant that only changes how a known kernel bug fails).
    """
    sigs, block = set(), None
    for line in kernel_log.splitlines() + ['ok end']:
        m = FAILED_AT.search(line)
        if m or (block is not None and BLOCK_END.match(line)):
            if block is not None:
                sigs.add(mask(' | '.join(block)))
            block = [m.group(2)] if m else None
        elif block is not None:
            block.append(line.strip())
    return sigs


def splats(kernel_log):
    """Lines of the raw kernel log that report a warning, bug or lockdep splat."""
    return [ln.strip() for ln in kernel_log.splitlines() if SPLAT.search(ln)]


def covers(listed, version):
    """A bug listed for 7.3.4 is known on 7.3.4 and on every later 7.3.x until a
    run shows it fixed (NOW PASSES): a stable update inherits the list."""
    a, b = listed.split('.'), version.split('.')
    if len(a) != 3 or len(b) != 3 or a[:2] != b[:2]:
        return listed == version
    try:
        return int(b[2]) >= int(a[2])
    except ValueError:
        return listed == version


# Cases that only a profile's configuration builds (mm/tests/fault_injection.kunitconfig):
# the default kunitconfig has none of them.
PROFILE_ONLY = tuple(suite + '.' for suite in PROFILE_SUITES)


def in_default_config(case):
    """True if the suites' own kunitconfig builds case ('suite.case.param')."""
    return not case.startswith(PROFILE_ONLY)


def load_known(version, path=KNOWN_FILE):
    """{case: ['F1-...', 'F3-...']}: the kernel bugs known to turn cases red on version."""
    with open(path, encoding='utf-8') as f:
        known = json.load(f)
    ids = {}
    for bug in known.get('bugs', []):
        if any(covers(listed, version) for listed in bug['kernels']):
            for case in bug['cases']:
                ids.setdefault(case, []).append(bug['id'])
    return ids


def expected_list(known):
    """known ({'suite.case.param': ids}) as NIPA's kunit-expected: 'group case
    fail' lines.

    The group is the KUnit group that holds the case: the parameterised case
    function for 'suite.function.parameter', the suite for 'suite.case'.
    The list has no comment lines: NIPA's reader takes every line as an entry.
    The verdicts are the same on every architecture, so one list serves each --arch.
    """
    lines = []
    for case in sorted(known):
        parts = case.split('.')
        group = parts[-2] if len(parts) > 1 else SUITE
        lines.append(f'{group} {parts[-1]} fail')
    return '\n'.join(lines) + '\n'


def judge(s, known):
    """Split failures into known kernel bugs and unexpected ones.

    A known kernel bug keeps its case red in kunit.py's output; the gate
    names it but does not fail on it.  Every other failure fails the gate.
    A known bug whose case now passes is reported (the kernel was fixed).
    """
    known_red = [c for c in s.failing if c in known]
    return dataclasses.replace(
        s, known=known_red, failing=[c for c in s.failing if c not in known],
        failed=s.failed - len(known_red), fixed=sorted(c for c in known if c in s.passing))


# A quiet kunit.py that runs this long says how far it is, once a period.
HEARTBEAT = 120
PROGRESS = 'mpk:   ... '


def progress(build_dir, log_path, seconds):
    """One line on a long quiet kunit.py: time so far, objects built, its last line."""
    objects = sum(name.endswith('.o') for _, _, names in os.walk(build_dir) for name in names)
    try:
        with open(log_path, encoding='utf-8', errors='replace') as f:
            last = ([ln.strip() for ln in f if ln.strip()] or [''])[-1]
    except FileNotFoundError:
        last = ''
    return (f'{PROGRESS}{seconds // 60} min {seconds % 60:02d} s, {objects} objects built'
            + (f'; kunit.py: {last[:100]}' if last else ''))


def kunit(cmd, tree, build_dir, cache, log_name, log=print, quiet=True):
    """Run a kunit.py command in tree with ccache; its exit status.  The output
    goes to log_name in the build directory (with a progress line every
    HEARTBEAT seconds), or with quiet=False streams."""
    log('mpk: ' + ' '.join(cmd))
    path = os.path.join(build_dir, log_name)
    with open(path, 'w', encoding='utf-8') as out:
        p = subprocess.Popen(cmd, cwd=tree, env=build_env(cache, tree, build_dir),
                             stdout=out if quiet else None,
                             stderr=subprocess.STDOUT if quiet else None)
        t0 = time.monotonic()
        while True:
            try:
                return p.wait(timeout=HEARTBEAT if quiet else None)
            except subprocess.TimeoutExpired:
                log(progress(build_dir, path, round(time.monotonic() - t0)))
            except BaseException:
                p.kill()
                p.wait()
                raise


def build(tree, build_dir, cache, arch='um', extra=(), log=print):
    """kunit.py build only (configure and compile); True if it succeeded.
    Its output goes to kunit-build.log in the build directory."""
    os.makedirs(build_dir, exist_ok=True)
    cmd = kunit_command(tree, build_dir, None, arch=arch, extra=extra, sub='build')
    return kunit(cmd, tree, build_dir, cache, 'kunit-build.log', log=log) == 0


def run_kunit(tree, build_dir, cache, json_path, arch='um', extra=(), log=print,
              quiet=False, fast=True, build=True):
    """kunit.py run, or with an unchanged configuration the fast path (kbuild.py):
    make of the kernel image, then kunit.py exec.  kunit.py's exit status.
    build=False only runs the kernel already built (kunit.py exec)."""
    if not build:
        cmd = kunit_command(tree, build_dir, json_path, arch=arch, extra=extra, sub='exec')
        return kunit(cmd, tree, build_dir, cache, 'kunit.log', log=log, quiet=quiet)
    env = build_env(cache, tree, build_dir)
    jobs = os.cpu_count() or 1
    p, why = (kbuild.plan(tree, build_dir, arch, os.path.join(tree, 'mm/tests'), jobs,
                          cross_compile(arch))
              if fast and kbuild.exec_only(extra) else
              (None, 'options that change the build' if fast else 'full run asked for'))
    if p:
        log('mpk: configuration unchanged: ' + ' '.join(p.make) + ', then kunit.py exec')
        with open(os.path.join(build_dir, 'make.log'), 'w', encoding='utf-8') as out:
            built = kbuild.make(p, tree, env, out if quiet else None)
        if built:
            cmd = kunit_command(tree, build_dir, json_path, arch=arch, extra=extra, sub='exec')
            return kunit(cmd, tree, build_dir, cache, 'kunit.log', log=log, quiet=quiet)
        why = 'make of the image failed or .config lost an entry'
    log(f'mpk: kunit.py run ({why})')
    cmd = kunit_command(tree, build_dir, json_path, arch=arch, extra=extra)
    return kunit(cmd, tree, build_dir, cache, 'kunit.log', log=log, quiet=quiet)


def load_json(path):
    """kunit.py's JSON result, or None where it wrote none (or half of one)."""
    try:
        with open(path, encoding='utf-8') as f:
            return json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def read_kernel_log(build_dir):
    """The kernel log kunit.py kept of its last boot (test.log), '' if none."""
    try:
        with open(os.path.join(build_dir, 'test.log'), encoding='utf-8',
                  errors='replace') as f:
            return f.read()
    except FileNotFoundError:
        return ''


def run(tree, build_dir, cache, arch='um', extra=(), log=print, quiet=False, fast=True,
        build=True):
    """Build and run; return the summary.  kunit.py's output streams, or with
    quiet goes to kunit.log in the build directory.  fast=False always takes
    kunit.py run's full path; build=False runs the kernel as built."""
    os.makedirs(build_dir, exist_ok=True)
    json_path = os.path.join(build_dir, 'mmap_prepare_kunit.json')
    if os.path.exists(json_path):
        os.remove(json_path)
    t0 = time.monotonic()
    rc = run_kunit(tree, build_dir, cache, json_path, arch=arch, extra=extra, log=log,
                   quiet=quiet, fast=fast, build=build)
    seconds = time.monotonic() - t0
    s = summarise(load_json(json_path))
    if rc != 0 and not s.failed:
        s.fail(f'kunit.py exited {rc} (configuration, build or boot failure)')
    kernel_log = read_kernel_log(build_dir)
    bad = splats(kernel_log)
    s.signatures = sorted(failure_signatures(kernel_log))
    if bad:
        s.fail(f'{KERNEL_LOG}{mask_addresses(bad[0])} ({len(bad)} line(s) in test.log)')
    s.seconds = round(seconds, 1)
    return s
