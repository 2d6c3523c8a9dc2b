"""mpk: fetch a kernel, apply the overlay, build and run the KUnit suites.

  mpk run     [--kernel 7.3 | KERNEL_SRC=/path]  set up, apply, build, run
              [--profile sanitize]               ... with KASAN, UBSAN, kmemleak, mm debug checks
              [--profile faults]                 ... with the fault-injection suite
  mpk test                                       the suites and the mutant catalogue on one
                                                 kernel, tooling tests, W=1 + sparse
  mpk setup                                      build dependencies only
  mpk fetch   [--kernel 7.3]                     print the cached tree path
  mpk apply   [--kernel-src PATH]                install the overlay only
  mpk mutate  [--quick] [--skip-slow] [--only ID,...] [--one-at-a-time]
                                                 mutation testing (mutant schemata)
  mpk matrix  [--kernels 6.17,6.19,7.3]          every pinned kernel, one table
  mpk matrix  --newest                           the newest linux-source any Debian suite offers
  mpk coverage [--kernel 7.3 | KERNEL_SRC=/path]  gcov/lcov of the compat functions
  mpk series  [--out DIR] [--check]              upstream patch series (fixes + suites)
  mpk expected [--kernel 7.3] [--arch x86_64]    known kernel bugs as a kunit-expected list
  mpk bench   [--runs 5] [--mutants]             edit->verdict against the kbuild floor
  mpk repeat  [--boots 100] [--isolated]         flakes: N boots; one boot per case function
  mpk module  [--arch=x86_64]                    the tristate suites =m (built; on x86_64
                                                 each loaded twice)
  mpk buildcheck [--checks warnings,clang,boot,modular,randconfig] [--seeds 20] [--seed N]
                                                 the series in the build bots' configurations
  mpk alltests [--arch=x86_64] [--scopes alltests,deps,nodebug] [--no-compare]
                                                 the series in KernelCI's kunit.py --alltests
  mpk report  [--check] [--take FILE...]         README's and docs' tables from results/

  run, test, mutate and matrix take --arch=um|x86_64|arm64; run takes
  --junit PATH and --json PATH.
  Exit status: 0 green (cases red for a known kernel bug allowed), 1 any other
  failure, crash, missing case or kernel splat, 2 bad input, 130 interrupted.

This module only parses arguments and prints; each command's logic lives in
its own module (imported by the command that needs it, so that `mpk run`
starts fast), and every kernel command opens with target.prepare().
"""
import argparse
import os
import shutil
import subprocess
import sys
import time

from . import debian, results, runner, target as targets
from .errors import UserError

REPO = targets.REPO
BUILD_DEPS = ['gcc', 'make', 'flex', 'bison', 'bc', 'libelf-dev', 'ccache',
              'xz-utils', 'dpkg']
COVERAGE_DEPS = ['lcov']
# What kunit.py --arch=<arch> needs beyond BUILD_DEPS: QEMU, and a cross compiler
# where the host is another architecture (runner.cross_compile()).
ARCH_DEPS = {'um': [], 'x86_64': ['qemu-system-x86', 'gcc-x86-64-linux-gnu'],
             'arm64': ['qemu-system-arm', 'gcc-aarch64-linux-gnu'],
             # 32-bit (mpk buildcheck): kunit.py's qemu_configs/i386.py and arm.py
             'i386': ['qemu-system-x86', 'gcc-i686-linux-gnu'],
             'arm': ['qemu-system-arm', 'gcc-arm-linux-gnueabihf']}
SERIES_DEPS = ['git', 'perl', 'python3-ply', 'liburcu-dev']  # ply: checkpatch's spdxcheck
SERIES_ARCHES = ('um', 'x86_64', 'arm64')


def log(msg):
    print(msg, flush=True)


def arch_deps(arch):
    if arch not in ARCH_DEPS:
        raise UserError(f'unsupported --arch={arch}; supported: {", ".join(ARCH_DEPS)}')
    return [p for p in ARCH_DEPS[arch]
            if not (p.startswith('gcc-') and runner.cross_compile(arch) is None)]


def missing_packages(pkgs):
    r = subprocess.run(['dpkg-query', '-W', '-f=${Package} ${db:Status-Abbrev}\n', *pkgs],
                       capture_output=True, text=True, check=False)
    ok = {ln.split()[0] for ln in r.stdout.splitlines() if ln.split()[1:2] == ['ii']}
    return [p for p in pkgs if p not in ok]


def setup(pkgs=BUILD_DEPS):
    """Install missing build dependencies from the system's Debian sources."""
    missing = missing_packages(pkgs)
    if not missing:
        return
    if os.geteuid() != 0:
        raise UserError('missing build dependencies; run as root: apt-get install '
                        + ' '.join(missing))
    log('mpk: installing ' + ' '.join(missing))
    env = dict(os.environ, DEBIAN_FRONTEND='noninteractive')
    cmd = ['apt-get', 'install', '-y', '--no-install-recommends', *missing]
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=False).returncode:
        subprocess.run(['apt-get', 'update'], env=env, stdout=subprocess.DEVNULL,
                       check=False)
        if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL,
                          check=False).returncode:
            raise UserError('apt-get install failed for: ' + ' '.join(missing))


def print_run(t, s):
    log(f'mpk: {runner.SUITE} on Linux {t.version} ({t.arch}): '
        f'{s.passed} passed, {s.failed} failed, {s.skipped} skipped, '
        f'{len(s.known)} red for known kernel bugs, in {s.seconds} s')
    for name in s.known:
        log(f'mpk:   KERNEL BUG {name}: {", ".join(t.known_bugs[name])} '
            '(docs/findings/)')
    for name in s.fixed:
        log(f'mpk:   NOW PASSES {name}: known kernel bug fixed? update known_kernel_bugs.json')
    for name in s.failing:
        log(f'mpk:   FAILED {name}')


def report_faults(t, s):
    """The fault-injection suite's verdicts per route; a run in which it did not
    run (or ran no case) fails.  It names no call site: see faults.py."""
    from . import faults
    by_route = faults.routes(runner.load_json(os.path.join(t.build_dir,
                                                          'mmap_prepare_kunit.json')))
    log(faults.table(by_route))
    for why in faults.problems(by_route):
        s.fail(why)


def run_suite(args):
    """prepare, run, judge, print: (target, summary, whether the build dir was cold)."""
    setup(BUILD_DEPS + arch_deps(args.arch))
    profile = getattr(args, 'profile', None)   # mpk run only
    extra = [*args.kunit_args, *([f'--junit={os.path.abspath(args.junit)}']
                                 if args.junit else []),
             *runner.profile_args(profile, args.arch)]
    t = targets.prepare(args, build_suffix=f'-{profile}' if profile else '', log=log)
    was_cold = cold(t.build_dir)
    s = runner.judge(runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, extra=extra,
                                log=log), t.known_bugs)
    if profile == 'faults':
        report_faults(t, s)
    if args.json:
        shutil.copy(os.path.join(t.build_dir, 'mmap_prepare_kunit.json'), args.json)
    print_run(t, s)
    return t, s, was_cold


def cold(build_dir):
    """A build directory with no kernel configured yet."""
    return not os.path.exists(os.path.join(build_dir, '.config'))


def suite_counts(s):
    return {'passed': s.passed, 'failed': s.failed, 'skipped': s.skipped,
            'known': len(s.known), 'known_cases': s.known, 'failing': s.failing,
            'suite_seconds': s.seconds}


def cmd_run(args):
    t, s, was_cold = run_suite(args)
    results.record(t.cache, 'run', t.version, t.arch,
                   {**suite_counts(s), 'profile': getattr(args, 'profile', None),
                    'cold': was_cold})
    return s.failed


def tooling_tests():
    """Run the tooling's own tests (no kernel build); return (passed, failed, skipped)."""
    import unittest
    tests = os.path.join(REPO, 'tooling', 'tests')
    suite = unittest.defaultTestLoader.discover(tests, top_level_dir=tests)
    result = unittest.TextTestRunner(verbosity=1, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    return result.testsRun - failed - skipped, failed, skipped


def cmd_test(args):
    """One kernel build: the schemata kernel with every switch off gives the
    suites' verdict, then one boot per mutant; then the tooling tests (after
    the build, so that those that need a built kernel run on a fresh machine)."""
    from . import buildcheck, mutate
    setup(BUILD_DEPS + COVERAGE_DEPS + arch_deps(args.arch))   # tooling tests: gcov, lcov
    t = targets.prepare(args, log=log)
    was_cold = cold(t.build_dir)
    try:
        mutants = mutate.load_catalogue(t.version)
        log('mpk: ' + mutate.catalogue_status(t.tree, t.version)[0])
    except UserError as e:
        log(f'mpk: mutants not run: {e}')
        mutants = []
    if mutants:
        log(f'mpk: one kernel for the suites and the {len(mutants)} mutants: the schemata '
            'kernel, built once; every switch off gives the suites\' verdict')
        rows, s = print_mutants(t, mutants, args.kunit_args, base=mutate.SCHEMATA_BASE)
        s = runner.judge(s, t.known_bugs)
    else:
        rows = []
        s = runner.judge(runner.run(t.tree, t.build_dir, t.cache, arch=t.arch,
                                    extra=args.kunit_args, log=log), t.known_bugs)
    print_run(t, s)
    passed, failed, skipped = tooling_tests()
    log(f'mpk: tooling tests: {passed} passed, {failed} failed, {skipped} skipped')
    passed, failed, skipped = passed + s.passed, failed + s.failed, skipped + s.skipped
    # The cheap part of mpk buildcheck: W=1 and sparse on the suites' files.
    row = buildcheck.suite_warnings(t)
    log(buildcheck.line(row))
    passed, failed = passed + row.ok, failed + (not row.ok)
    bad = len(mutate.failed(rows))
    killed = sum(r['verdict'] == 'killed' for r in rows)
    passed, failed = passed + killed, failed + bad
    skipped += len(rows) - killed - bad      # equivalent, and blind on this architecture
    results.record(t.cache, 'test', t.version, t.arch, {
        'suite': suite_counts(s), 'mutants': len(rows), 'killed': killed,
        'cold': was_cold, 'kernel_seconds': s.seconds,
        'line': f'{passed} passed, {failed} failed, {skipped} skipped'})
    print(f'{passed} passed, {failed} failed, {skipped} skipped', flush=True)
    return failed


def print_mutants(t, mutants, kunit_args, base=None, schemata_mode=True):
    """Run and print the catalogue: (rows, the baseline summary)."""
    from . import mutate
    rows, path, seconds, base = mutate.run_catalogue(t, mutants, kunit_args, log=log, base=base,
                                               schemata_mode=schemata_mode)
    print(mutate.table(rows, mutants))
    print(f'mpk: {len(rows)} mutant(s) on Linux {t.version} ({t.arch}) in {seconds} s; '
          f'results in {path}')
    return rows, base


def cmd_mutate(args):
    from . import mutate
    setup(BUILD_DEPS + arch_deps(args.arch))
    t = targets.prepare(args, log=log)
    log('mpk: ' + mutate.catalogue_status(t.tree, t.version)[0])
    mutants = mutate.select(mutate.load_catalogue(t.version), quick=args.quick,
                            skip_slow=args.skip_slow, only=args.only)
    rows, _ = print_mutants(t, mutants, args.kunit_args, schemata_mode=not args.one_at_a_time)
    return len(mutate.failed(rows))


def cmd_matrix(args):
    from . import matrix
    matrix.refuse_user_tree(args)     # before anything is installed
    setup(BUILD_DEPS + arch_deps(args.arch))
    if args.newest:
        row, statuses, results = matrix.newest(args, args.kunit_args, log=log)
        print(matrix.table([row]))
        for bug, red, green, verdict in statuses:
            print(f'mpk: {bug}: {verdict} ({red} red, {green} passing) on Linux {row["kernel"]}')
        print(f'mpk: results in {results}')
        return row['failed']
    rows, results = matrix.run(args, args.kunit_args, log=log)
    print(matrix.table(rows))
    print(f'mpk: results in {results}')
    return sum(r.get('failed', 1) for r in rows)


def cmd_coverage(args):
    """Run the suites on a gcov UML build; report the compat functions' coverage."""
    from . import coverage
    if args.arch != 'um':
        raise UserError('coverage needs --arch=um (kunit.py\'s coverage_uml.config)')
    setup(BUILD_DEPS + COVERAGE_DEPS)
    # Its own build directory: a gcov .config must never reach the plain build.
    t = targets.prepare(args, build_suffix='-gcov', log=log)
    status, stale = coverage.catalogue_status(t.tree, t.version)
    log('mpk: ' + status)
    s, rows, text, out = coverage.measure(t, args.kunit_args, log=log)
    log(f'mpk: gcov build: {s.passed} passed, {s.failed} failed, {s.skipped} '
        f'skipped, {len(s.known)} red for known kernel bugs, in {s.seconds} s')
    for name in s.failing:
        log(f'mpk:   FAILED {name}')
    print(text)
    print(f'mpk: HTML report {os.path.join(out, "html", "index.html")}; '
          f'summary {os.path.join(out, "summary.txt")}')
    return s.failed + sum(not r['ok'] for r in rows) + len(stale)


def cmd_series(args):
    """Write the upstream series; with --check, prove it (several kernel builds)."""
    from . import series
    deps = BUILD_DEPS + SERIES_DEPS
    if args.check:
        deps += [p for a in SERIES_ARCHES for p in arch_deps(a)]
    setup(deps)
    _, rows, seconds = series.command(REPO, args.kernel, args.out, args.check,
                                      args.kunit_args, SERIES_ARCHES, log=log)
    if rows is None:
        return 0
    failed = sum(not ok for _, ok, _ in rows)
    print(series.table(rows))
    print(f'mpk: series check: {len(rows) - failed}/{len(rows)} steps passed in {seconds} s')
    return failed


def cmd_expected(args):
    """Known-bug cases as a bot's expected-results list (NIPA's kunit-expected)."""
    arch_deps(args.arch)     # refuses an arch mpk does not run
    key, kernels = targets.kernel_key(args.kernel)
    version = debian.upstream_version(kernels[key]['version'])
    known = runner.load_known(version)
    print(runner.expected_list({c: ids for c, ids in known.items()
                                if runner.in_default_config(c)}), end='')
    return 0


def cmd_bench(args):
    """Edit->verdict against the kbuild floor, and the catalogue in schemata mode."""
    from . import bench
    setup(BUILD_DEPS + arch_deps(args.arch))
    t = targets.prepare(args, log=log)
    rounds, full, json_check = bench.edit_to_verdict(t, args, log=log)
    times, rows = bench.mutants(t, args, log=log) if args.mutants else (None, None)
    text = bench.table(t, args, rounds, full, json_check, times, rows)
    path = targets.results_path(t.cache, 'bench', t.version, '.md')
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    print(text)
    print(f'mpk: table in {path}')
    return 0 if all(json_check) else 1


def cmd_repeat(args):
    """The built kernel booted N times (0 flakes wanted); with --isolated, also one
    boot per case function, compared case by case with the boots above."""
    from . import repeat
    setup(BUILD_DEPS + arch_deps(args.arch))
    t = targets.prepare(args, log=log)
    first, flakes, seconds = repeat.boots(t, args.boots, log=log)
    log(f'mpk: {args.boots} boots of Linux {t.version} ({t.arch}) in {seconds} s: '
        f'{len(flakes)} flaky; boot 1: {sum(v == "PASS" for v in first.values())} of '
        f'{len(first)} cases passed' + ('' if flakes else ', and every boot the same'))
    failed = len(flakes)
    if args.isolated:
        functions, differ, seconds = repeat.isolated(t, first, log=log)
        log(f'mpk: isolated: {len(functions)} boots (one per case function) in {seconds} s: '
            + ('every case has the verdict it has in one boot' if not differ else
               f'{len(differ)} case(s) differ'))
        for case, together, alone in differ:
            log(f'mpk:   DIFFERS {case}: {together} in one boot, {alone} alone')
        failed += len(differ)
    return failed


def cmd_module(args):
    """The tristate suites built =m, each module loaded twice from an initramfs
    under QEMU."""
    from . import module
    setup(BUILD_DEPS + arch_deps(args.arch))
    t = targets.prepare(args, build_suffix='-module', log=log)
    if t.arch != 'x86_64':
        kos = module.build(t, log=log)
        log(f'mpk: {", ".join(kos.values())}: built and linked on Linux {t.version} '
            f'({t.arch}); loaded only on x86_64 (its /init is built with the host gcc -static)')
        return 0
    rows, splats = module.command(t, log=log)
    for name, n, passed, failed, skipped, unexpected in rows:
        log(f'mpk: load {n} of {name}.ko on Linux {t.version} ({t.arch}): {passed} '
            f'passed, {failed} failed ({failed - len(unexpected)} for known kernel bugs), '
            f'{skipped} skipped')
        for case in unexpected:
            log(f'mpk:   FAILED {case}')
    for line in splats[:5]:
        log(f'mpk:   {line}')
    # A module that the known kernel bugs' leaks pin is not loaded again
    # (module.load_problems()): what /init saw fail otherwise is in splats.
    bad = not rows or any(r[5] or not r[2] for r in rows) or splats
    return 1 if bad else 0


def cmd_alltests(args):
    """The series in KernelCI's configuration (kunit.py run --alltests) and two
    smaller ones: one line per configuration, and a results file."""
    from . import alltests
    scopes = args.scopes.split(',') if args.scopes else list(alltests.SCOPES)
    unknown = [s for s in scopes if s not in alltests.SCOPES]
    if unknown:
        raise UserError(f'unknown scope {", ".join(unknown)}; known: '
                        + ', '.join(alltests.SCOPES))
    if args.kernel_src or os.environ.get('KERNEL_SRC'):
        raise UserError('alltests builds the series on the pinned kernel; unset KERNEL_SRC')
    setup(BUILD_DEPS + SERIES_DEPS + arch_deps(args.arch))
    rows, path = alltests.command(REPO, args.kernel, args.arch, scopes,
                                  compare=not args.no_compare, log=log)
    log(f'mpk: results in {path}')
    return sum(not alltests.ok(row) for _, row in rows)


def cmd_buildcheck(args):
    """The series in the build bots' configurations: one line per configuration."""
    from . import buildcheck
    if args.kernel_src or os.environ.get('KERNEL_SRC'):
        raise UserError('buildcheck builds the series on the pinned kernel; unset KERNEL_SRC')
    families = args.checks.split(',') if args.checks else list(buildcheck.FAMILIES)
    only = args.only.split(',') if args.only else None
    steps = buildcheck.plan(families, args.seeds, args.seed, only)   # refuses bad names
    arches, deps = buildcheck.needs(families)
    setup(BUILD_DEPS + SERIES_DEPS + deps + [p for a in arches for p in arch_deps(a)])
    log(f'mpk: buildcheck: {len(steps)} configuration(s)')
    rows, path = buildcheck.run(REPO, args.kernel, families, args.seeds, args.seed, log=log,
                                only=only)
    failed = sum(not r.ok for r in rows)
    log(f'mpk: buildcheck: {len(rows) - failed} of {len(rows)} configurations clean, '
        f'{sum(r.seconds for r in rows)} s; results in {path}')
    return failed


def seed_list(text):
    """--seed N: the first of --seeds; --seed N,M,...: exactly those."""
    values = [int(v, 0) for v in text.split(',')]
    return values if ',' in text else values[0]


def cmd_setup(args):
    setup()
    return 0


def cmd_fetch(args):
    tree, _ = targets.resolve_tree(args.kernel_src or os.environ.get('KERNEL_SRC'),
                                   args.kernel, targets.cache_dir(), log=log)
    print(tree)
    return 0


def cmd_apply(args):
    targets.prepare(args, log=log)
    return 0


def cmd_report(args):
    """Write the README's and docs' tables from results/ (or check them)."""
    from . import report
    if args.take:
        for name in report.take(REPO, args.take):
            log(f'mpk: results/{name}')
    stale = report.run(REPO, check=args.check)
    for path in stale:
        log(f'mpk: {path}: ' + ('tables differ from what results/ gives; run ./mpk report'
                                if args.check else 'tables rewritten'))
    if not stale:
        log('mpk: every table is what results/ gives')
    return len(stale) if args.check else 0


COMMANDS = {'run': cmd_run, 'test': cmd_test, 'setup': cmd_setup, 'fetch': cmd_fetch,
            'apply': cmd_apply, 'mutate': cmd_mutate, 'matrix': cmd_matrix,
            'coverage': cmd_coverage, 'series': cmd_series, 'expected': cmd_expected,
            'bench': cmd_bench, 'repeat': cmd_repeat, 'module': cmd_module,
            'alltests': cmd_alltests, 'buildcheck': cmd_buildcheck, 'report': cmd_report}


def parser():
    p = argparse.ArgumentParser(prog='mpk', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    for name, fn in COMMANDS.items():
        sp = sub.add_parser(name)
        sp.set_defaults(fn=fn)
        sp.add_argument('--kernel', help='pinned kernel key from kernels.json (default: the default)')
        sp.add_argument('--kernel-src', help='your own kernel tree (or KERNEL_SRC=...)')
        sp.add_argument('--build-dir', help='kunit build directory (default: in the cache)')
        sp.add_argument('--arch', default='um', help="kunit.py --arch (default: um)")
        sp.add_argument('kunit_args', nargs='*', help='passed to kunit.py after --')
        if name == 'run':
            sp.add_argument('--profile', choices=sorted(runner.PROFILES),
                            help='extra kernel options (own build directory): '
                                 'sanitize = KASAN, UBSAN, maple tree and VMA checks')
            sp.add_argument('--junit', help="also write kunit.py's JUnit XML here")
            sp.add_argument('--json', help="also copy kunit.py's JSON result here")
        if name == 'mutate':
            sp.add_argument('--quick', action='store_true', help='only the CI subset')
            sp.add_argument('--skip-slow', action='store_true',
                            help='leave out mutants of headers that rebuild most of the kernel')
            sp.add_argument('--only', help='comma-separated mutant ids')
            sp.add_argument('--one-at-a-time', action='store_true',
                            help='one build per mutant (default: mutant schemata, one '
                                 'build per catalogue, one boot per mutant)')
        if name == 'repeat':
            sp.add_argument('--boots', type=int, default=100)
            sp.add_argument('--isolated', action='store_true',
                            help='also one boot per case function (kunit.py --run_isolated=test)')
        if name == 'bench':
            sp.add_argument('--runs', type=int, default=5, help='rounds of each scenario')
            sp.add_argument('--mutants', action='store_true',
                            help='also time the catalogue in schemata mode (warm)')
            sp.add_argument('--mutant-runs', type=int, default=1)
        if name == 'alltests':
            sp.set_defaults(arch='x86_64')   # KernelCI's KUnit job
            sp.add_argument('--scopes',
                            help='comma-separated (default: all): alltests (kunit.py run '
                                 '--alltests), '
                                 'deps (only what all_tests.config sets for the suites), '
                                 'nodebug (the suites\' kunitconfig less DEBUG_VM, lockdep)')
            sp.add_argument('--no-compare', action='store_true',
                            help='skip the second alltests boot (our suites filtered out)')
        if name == 'report':
            sp.add_argument('--check', action='store_true',
                            help='change nothing; exit 1 if a table is not what results/ gives')
            sp.add_argument('--take', nargs='+', metavar='FILE',
                            help='results files (from $MPK_CACHE/results) to copy into results/')
        if name == 'buildcheck':
            sp.add_argument('--checks',
                            help='comma-separated (default: all): warnings (gcc W=1, sparse), '
                                 'clang (LLVM=-19, booted), boot (i386, arm), modular (the '
                                 'tristate suites =m), randconfig')
            sp.add_argument('--only', help="comma-separated names or patterns of "
                                           "configurations (modular-8,'randconfig-*')")
            sp.add_argument('--seeds', type=int, default=20, help='randconfig seeds')
            sp.add_argument('--seed', type=seed_list,
                            help='first KCONFIG_SEED, or a comma-separated list of them '
                                 '(default: random, each printed)')
        if name == 'matrix':
            sp.add_argument('--newest', action='store_true',
                            help='the newest linux-source-X.Y any Debian suite offers, '
                                 'pinned or not; says which findings now pass')
            sp.add_argument('--kernels', help='comma-separated keys of kernels.json')
        if name == 'series':
            sp.add_argument('--out', help='directory for the patches (default: in the cache)')
            sp.add_argument('--check', action='store_true',
                            help='prove the series: checkpatch, red before, green after on '
                                 'um/x86_64/arm64, every patch builds, tools/testing/vma')
    return p


def main(argv=None):
    results.STARTED = time.monotonic()
    args = parser().parse_args(argv)
    try:
        failed = args.fn(args)
    except UserError as e:
        print(f'mpk: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('mpk: interrupted', file=sys.stderr)
        return 130
    return 1 if failed else 0
