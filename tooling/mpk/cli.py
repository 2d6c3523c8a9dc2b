"""mpk: fetch a kernel, apply the overlay, build and run the KUnit suite.

  mpk run     [--kernel 7.3 | KERNEL_SRC=/path]  set up, apply, build, run
  mpk test                                       tooling tests + the suite
  mpk setup                                      build dependencies only
  mpk fetch   [--kernel 7.3]                     print the cached tree path
  mpk apply   [--kernel-src PATH]                install the overlay only
  mpk mutate  [--quick] [--skip-slow] [--only ID,...]  mutation testing
  mpk matrix  [--kernels 6.18,7.1,7.2,7.3]       every pinned kernel, one table
  mpk coverage [--kernel 7.3 | KERNEL_SRC=/path]  gcov/lcov of the compat functions
  mpk series  [--out DIR] [--check]              upstream patch series (fixes + suite)
  mpk expected [--kernel 7.3] [--arch x86_64]    known kernel bugs as a kunit-expected list

  run and test take --arch=um|x86_64|arm64, --junit PATH and --json PATH.
  Exit status: 0 green (cases red for a known kernel bug allowed), 1 any other
  failure, crash, missing case or kernel splat, 2 bad input, 130 interrupted.
"""
import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from . import coverage, debian, mutate, overlay, runner, series
from .errors import UserError

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD_DEPS = ['gcc', 'make', 'flex', 'bison', 'bc', 'libelf-dev', 'ccache',
              'xz-utils', 'dpkg']
COVERAGE_DEPS = ['lcov']
# What kunit.py --arch=<arch> needs beyond BUILD_DEPS: QEMU, and a cross compiler
# where the host is another architecture (runner.cross_compile()).
ARCH_DEPS = {'um': [], 'x86_64': ['qemu-system-x86', 'gcc-x86-64-linux-gnu'],
             'arm64': ['qemu-system-arm', 'gcc-aarch64-linux-gnu']}
SERIES_DEPS = ['git', 'perl', 'python3-ply', 'liburcu-dev']  # ply: checkpatch's spdxcheck
SERIES_ARCHES = ('um', 'x86_64', 'arm64')


def arch_deps(arch):
    if arch not in ARCH_DEPS:
        raise UserError(f'unsupported --arch={arch}; supported: {", ".join(ARCH_DEPS)}')
    return [p for p in ARCH_DEPS[arch]
            if not (p.startswith('gcc-') and runner.cross_compile(arch) is None)]


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.environ.get('MPK_CACHE') or os.path.join(base, 'mmap-prepare-kunit')


def log(msg):
    print(msg, flush=True)


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


def resolve_tree(args):
    """(tree, label): the user's KERNEL_SRC, or the fetched Debian kernel."""
    src = args.kernel_src or os.environ.get('KERNEL_SRC')
    if src:
        tree = os.path.abspath(src)
        tag = hashlib.sha1(tree.encode()).hexdigest()[:8]
        return tree, f'{os.path.basename(tree)}-{tag}'
    default, kernels = debian.load_kernels()
    key = args.kernel or default
    if key not in kernels:
        raise UserError(f'unknown kernel {key!r}; known: {", ".join(kernels)}')
    cache = cache_dir()
    os.makedirs(cache, exist_ok=True)
    tree = debian.fetch(key, kernels, cache, log=log)
    return tree, os.path.basename(tree)


def build_dir_for(args, label):
    return args.build_dir or os.path.join(cache_dir(), 'build', f'{label}-{args.arch}')


def apply_run_judge(args, quiet=False):
    """Resolve the tree, apply the overlay, run the suite, judge it.

    The summary also carries the tree, its label and version, and the
    known kernel bugs ({case: ids}) it was judged against.
    """
    tree, label = resolve_tree(args)
    overlay.apply(REPO, tree, log=log)
    version = overlay.kernel_version(tree)
    known = runner.load_known(version)
    s = runner.judge(runner.run(tree, build_dir_for(args, label), cache_dir(),
                                arch=args.arch, extra=args.kunit_args, log=log,
                                quiet=quiet), known)
    s.update(tree=tree, label=label, version=version, known_ids=known)
    return s


def cmd_run(args):
    setup(BUILD_DEPS + arch_deps(args.arch))
    if getattr(args, 'junit', None):
        args.kunit_args = [*args.kunit_args, f'--junit={os.path.abspath(args.junit)}']
    s = apply_run_judge(args)
    if getattr(args, 'json', None):
        shutil.copy(os.path.join(build_dir_for(args, s['label']), 'mmap_prepare_kunit.json'),
                    args.json)
    version, known = s['version'], s['known_ids']
    log(f'mpk: {runner.SUITE} on Linux {version} ({args.arch}): '
        f'{s["passed"]} passed, {s["failed"]} failed, {s["skipped"]} skipped, '
        f'{len(s["known"])} red for known kernel bugs, in {s["seconds"]} s')
    for name in s['known']:
        log(f'mpk:   KERNEL BUG {name}: {known[name]} (README, Kernel findings)')
    for name in s['fixed']:
        log(f'mpk:   NOW PASSES {name}: known kernel bug fixed? update known_kernel_bugs.json')
    for name in s['failing']:
        log(f'mpk:   FAILED {name}')
    return s


def tooling_tests():
    """Run the tooling's own tests (no kernel build); return (passed, failed, skipped)."""
    tests = os.path.join(REPO, 'tooling', 'tests')
    suite = unittest.defaultTestLoader.discover(tests, top_level_dir=tests)
    result = unittest.TextTestRunner(verbosity=1, stream=sys.stdout).run(suite)
    failed = len(result.failures) + len(result.errors) + len(result.unexpectedSuccesses)
    skipped = len(result.skipped)
    return result.testsRun - failed - skipped, failed, skipped


def cmd_test(args):
    setup(BUILD_DEPS + COVERAGE_DEPS)   # the tooling tests drive gcov and lcov too
    passed, failed, skipped = tooling_tests()
    log(f'mpk: tooling tests: {passed} passed, {failed} failed, {skipped} skipped')
    s = cmd_run(args)
    passed += s['passed']
    failed += s['failed']
    skipped += s['skipped']
    if s['known']:
        print(f'mpk: {len(s["known"])} case(s) red for known kernel bugs, listed above',
              flush=True)
    # The quick mutants: each must be killed by the suite (baseline: the run above).
    tree, label, version = s['tree'], s['label'], s['version']
    args.quick, args.skip_slow, args.only = True, False, None
    try:
        mutants = mutants_for(version, args)
    except UserError as e:
        log(f'mpk: quick mutants not run: {e}')
        mutants = []
    rows = run_mutants(args, tree, label, mutants, base=s) if mutants else []
    killed = sum(r['verdict'] == 'killed' for r in rows)
    passed += killed
    failed += len(rows) - killed
    print(f'{passed} passed, {failed} failed, {skipped} skipped', flush=True)
    return {'failed': failed}


def cmd_expected(args):
    """Known-bug cases as a bot's expected-results list (NIPA's kunit-expected)."""
    if args.arch not in ARCH_DEPS:
        raise UserError(f'unsupported --arch={args.arch}; supported: {", ".join(ARCH_DEPS)}')
    default, kernels = debian.load_kernels()
    key = args.kernel or default
    if key not in kernels:
        raise UserError(f'unknown kernel {key!r}; known: {", ".join(kernels)}')
    version = debian.upstream_version(kernels[key]['version'])
    print(runner.expected_list(runner.load_known(version)), end='')
    return {'failed': 0}


def cmd_setup(args):
    setup()
    return {'failed': 0}


def cmd_fetch(args):
    tree, _ = resolve_tree(args)
    print(tree)
    return {'failed': 0}


def cmd_apply(args):
    tree, _ = resolve_tree(args)
    overlay.apply(REPO, tree, log=log)
    return {'failed': 0}


def mutants_for(version, args):
    mutants = mutate.load_catalogue(version)
    if args.quick:
        mutants = [m for m in mutants if m.get('quick')]
    if args.skip_slow:
        mutants = [m for m in mutants if not m.get('slow')]
    if args.only:
        wanted = args.only.split(',')
        mutants = [m for m in mutants if m['id'] in wanted]
    return mutants


def run_mutants(args, tree, label, mutants, base=None):
    """Run mutants on tree; print the table; return the result rows."""
    build = build_dir_for(args, label)

    def run_suite():
        return runner.run(tree, build, cache_dir(), arch=args.arch,
                          extra=['--timeout=120', *args.kunit_args], log=lambda m: None,
                          quiet=True)

    version = overlay.kernel_version(tree)
    t0 = time.monotonic()
    rows = mutate.run_all(tree, mutants, run_suite, log=log, base=base, arch=args.arch)
    results = os.path.join(cache_dir(), 'results')
    os.makedirs(results, exist_ok=True)
    path = os.path.join(results, f'mutate-{version}-{time.strftime("%Y%m%dT%H%M%S")}.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({'kernel': version, 'rows': rows}, f, indent=1)
    print(mutate.table(rows, mutants))
    print(f'mpk: {len(rows)} mutant(s) on Linux {version} in '
          f'{round(time.monotonic() - t0)} s; results in {path}')
    return rows


def cmd_mutate(args):
    setup(BUILD_DEPS + arch_deps(args.arch))
    tree, label = resolve_tree(args)
    overlay.apply(REPO, tree, log=log)
    rows = run_mutants(args, tree, label, mutants_for(overlay.kernel_version(tree), args))
    survived = [r for r in rows if r['verdict'] in ('survived', 'stillborn', 'stale')]
    return {'failed': len(survived), 'rows': rows}


def cmd_matrix(args):
    if args.kernel_src or os.environ.get('KERNEL_SRC'):
        raise UserError('matrix builds the pinned kernels of kernels.json; unset KERNEL_SRC '
                        '(or use mpk run for your own tree)')
    setup(BUILD_DEPS + arch_deps(args.arch))
    default, kernels = debian.load_kernels()
    keys = args.kernels.split(',') if args.kernels else sorted(
        kernels, key=lambda k: tuple(int(x) for x in k.split('.')))
    stamp = time.strftime('%Y%m%dT%H%M%S')
    results = os.path.join(cache_dir(), 'results', f'matrix-{stamp}')
    os.makedirs(results, exist_ok=True)
    rows = []
    for key in keys:
        args.kernel = key
        try:
            s = apply_run_judge(args, quiet=True)
        except UserError as e:
            rows.append({'kernel': key, 'error': str(e)})
            log(f'mpk: {key}: {e}')
            continue
        version, build = s['version'], build_dir_for(args, s['label'])
        for name in ('mmap_prepare_kunit.json', 'kunit.log'):
            if os.path.exists(os.path.join(build, name)):
                shutil.copy(os.path.join(build, name), os.path.join(
                    results, f'linux-{version}.{name.rsplit(".", 1)[1]}'))
        rows.append({'kernel': version, 'bugs': sorted(
            {i for c in s['known'] for i in s['known_ids'][c].split('+')}),
            **{k: s[k] for k in ('passed', 'failed', 'skipped', 'known', 'failing',
                                 'fixed', 'seconds')}})
        log(f'mpk: Linux {version}: {s["passed"]} passed, {s["failed"]} failed, '
            f'{s["skipped"]} skipped, {len(s["known"])} known kernel bugs, {s["seconds"]} s')
    with open(os.path.join(results, 'matrix.json'), 'w', encoding='utf-8') as f:
        json.dump(rows, f, indent=1)
    print(matrix_table(rows))
    print(f'mpk: results in {results}')
    return {'failed': sum(r.get('failed', 1) for r in rows)}


def cmd_coverage(args):
    """Run the suite on a gcov UML build; report the compat functions' coverage."""
    if args.arch != 'um':
        raise UserError('coverage needs --arch=um (kunit.py\'s coverage_uml.config)')
    setup(BUILD_DEPS + COVERAGE_DEPS)
    tree, label = resolve_tree(args)
    overlay.apply(REPO, tree, log=log)
    version = overlay.kernel_version(tree)
    spec = coverage.load_spec(version)
    if not os.path.isfile(os.path.join(tree, coverage.UML_FRAGMENT)):
        raise UserError(f'{coverage.UML_FRAGMENT} missing from {tree}')
    # Its own directory: a gcov .config must never reach the plain build.
    build = build_dir_for(args, label) + '-gcov'
    lock = mutate.lock_tree(tree)   # a mutant in the tree would be measured too
    try:
        mutate.restore_journal(tree, log=log)
        coverage.remove_counts(build)
        extra = [f'--kunitconfig={coverage.UML_FRAGMENT}', *args.kunit_args]
        # Build first, so the exit handlers can be fixed before the kernel runs;
        # kunit.py run then finds nothing to rebuild.
        if not runner.build(tree, build, cache_dir(), arch=args.arch, extra=extra, log=log):
            raise UserError(f'gcov build failed; see {build}/kunit-build.log')
        if coverage.run_gcov_exit_handlers(os.path.join(build, 'vmlinux')):
            log('mpk: vmlinux: DT_FINI_ARRAY pointed at gcov\'s exit handlers '
                '(.fini_array.00100; see coverage.py)')
        s = runner.judge(runner.run(tree, build, cache_dir(), arch=args.arch, extra=extra,
                                    log=log, quiet=True), runner.load_known(version))
    finally:
        os.close(lock)
    log(f'mpk: gcov build: {s["passed"]} passed, {s["failed"]} failed, {s["skipped"]} '
        f'skipped, {len(s["known"])} red for known kernel bugs, in {s["seconds"]} s')
    for name in s['failing']:
        log(f'mpk:   FAILED {name}')
    out = os.path.join(cache_dir(), 'results',
                       f'coverage-{version}-{time.strftime("%Y%m%dT%H%M%S")}')
    os.makedirs(out, exist_ok=True)
    kept = coverage.lcov(build, tree, out, [*spec['functions'], *spec.get('also', {})],
                         log=log)
    with open(kept, encoding='utf-8') as f:
        info = coverage.parse_info(f.read())

    def read_source(path):
        with open(os.path.join(tree, path), encoding='utf-8') as f:
            return f.read().splitlines()

    rows, stale = coverage.report(info, read_source, spec)
    text = coverage.text_summary(rows, stale)
    with open(os.path.join(out, 'summary.txt'), 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    print(text)
    print(f'mpk: HTML report {os.path.join(out, "html", "index.html")}; '
          f'summary {os.path.join(out, "summary.txt")}')
    return {'failed': s['failed'] + sum(not r['ok'] for r in rows)}


def cmd_series(args):
    """Write the upstream series; with --check, prove it (several kernel builds)."""
    deps = BUILD_DEPS + SERIES_DEPS
    if args.check:
        deps += [p for a in SERIES_ARCHES for p in arch_deps(a)]
    setup(deps)
    default, kernels = debian.load_kernels()
    key = args.kernel or default
    if key not in kernels:
        raise UserError(f'unknown kernel {key!r}; known: {", ".join(kernels)}')
    cache = cache_dir()
    who = series.identity()
    archive = debian.download(key, kernels, cache, log=log)
    version = debian.upstream_version(kernels[key]['version'])
    root = os.path.join(cache, 'series')
    tree = series.base_repo(
        os.path.join(root, 'src', f'linux-{version}'),
        lambda path: debian.extract(archive, path, kernels[key]['kind']), log=log)
    lock = mutate.lock_tree(tree)
    try:
        count = series.make_series(REPO, tree, who)
        out = os.path.abspath(args.out or os.path.join(
            cache, 'results', f'series-{version}'))
        files = series.format_series(REPO, tree, out, who)
        log(f'mpk: {count} patches and a cover letter for Linux {version} in {out}:')
        for path in files:
            log('mpk:   ' + os.path.basename(path))
        if not args.check:
            return {'failed': 0}
        t0 = time.monotonic()
        fixed = series.fixed_bug_ids(REPO)
        expected_red = {case for case, ids in runner.load_known(version).items()
                        if any(i.split('-')[0] in fixed for i in ids.split('+'))}

        def build_dir(arch):
            return os.path.join(root, 'build', f'linux-{version}-{arch}')

        def run_suite(arch):
            return runner.judge(runner.run(tree, build_dir(arch), cache, arch=arch,
                                           extra=args.kunit_args, log=log, quiet=True), {})

        rows = series.check(REPO, tree, files, run_suite, build_dir, expected_red,
                            SERIES_ARCHES, log=log)
    finally:
        os.close(lock)
    failed = sum(not ok for _, ok, _ in rows)
    print(series.table(rows))
    print(f'mpk: series check on Linux {version}: {len(rows) - failed}/{len(rows)} steps '
          f'passed in {round(time.monotonic() - t0)} s')
    return {'failed': failed}


def matrix_table(rows):
    out = ['| kernel | passed | failed | skipped | red for known kernel bugs | '
           'failing cases | wall s |', '|---|---|---|---|---|---|---|']
    for r in rows:
        if 'error' in r:
            out.append(f'| {r["kernel"]} | - | - | - | - | {r["error"]} | - |')
            continue
        out.append(f'| {r["kernel"]} | {r["passed"]} | {r["failed"]} | {r["skipped"]} | '
                   f'{len(r["known"])} ({", ".join(r["bugs"]) or "-"}) | '
                   f'{"<br>".join(r["failing"]) or "-"} | {r["seconds"]} |')
    return '\n'.join(out)


def parser():
    p = argparse.ArgumentParser(prog='mpk', description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest='cmd', required=True)
    for name, fn in (('run', cmd_run), ('test', cmd_test), ('setup', cmd_setup),
                     ('fetch', cmd_fetch), ('apply', cmd_apply), ('mutate', cmd_mutate),
                     ('matrix', cmd_matrix), ('coverage', cmd_coverage),
                     ('series', cmd_series), ('expected', cmd_expected)):
        sp = sub.add_parser(name)
        sp.set_defaults(fn=fn)
        sp.add_argument('--kernel', help='pinned kernel key from kernels.json (default: the default)')
        sp.add_argument('--kernel-src', help='your own kernel tree (or KERNEL_SRC=...)')
        sp.add_argument('--build-dir', help='kunit build directory (default: in the cache)')
        sp.add_argument('--arch', default='um', help="kunit.py --arch (default: um)")
        sp.add_argument('kunit_args', nargs='*', help='passed to kunit.py after --')
        if name == 'mutate':
            sp.add_argument('--quick', action='store_true', help='only the CI subset')
            sp.add_argument('--skip-slow', action='store_true',
                            help='leave out mutants of headers that rebuild most of the kernel')
            sp.add_argument('--only', help='comma-separated mutant ids')
        if name in ('run', 'test'):
            sp.add_argument('--junit', help="also write kunit.py's JUnit XML here")
            sp.add_argument('--json', help="also copy kunit.py's JSON result here")
        if name == 'series':
            sp.add_argument('--out', help='directory for the patches (default: in the cache)')
            sp.add_argument('--check', action='store_true',
                            help='prove the series: checkpatch, red before, green after on '
                                 'um/x86_64/arm64, tools/testing/vma')
        if name == 'matrix':
            sp.add_argument('--kernels', help='comma-separated keys of kernels.json')
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    try:
        result = args.fn(args)
    except UserError as e:
        print(f'mpk: {e}', file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print('mpk: interrupted', file=sys.stderr)
        return 130
    return 1 if result['failed'] else 0
