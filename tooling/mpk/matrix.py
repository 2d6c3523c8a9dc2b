"""mpk matrix: every pinned kernel, one table."""
import dataclasses
import json
import os
import shutil

from . import debian, results as record, runner, target as targets
from .errors import UserError


def keys(kernels, wanted=None):
    """The kernels to run: those asked for, or all of kernels.json, oldest first."""
    if wanted:
        return wanted.split(',')
    return sorted(kernels, key=lambda k: tuple(int(x) for x in k.split('.')))


def refuse_user_tree(args):
    if args.kernel_src or os.environ.get('KERNEL_SRC'):
        raise UserError('matrix builds the pinned kernels of kernels.json; unset KERNEL_SRC '
                        '(or use mpk run for your own tree)')


def run(args, kunit_args=(), log=print):
    """Run each kernel (apply, build, run, judge); (rows, results folder)."""
    refuse_user_tree(args)
    _, kernels = debian.load_kernels()
    results = targets.results_path(targets.cache_dir(), 'matrix', args.arch)
    os.makedirs(results, exist_ok=True)
    rows = []
    for key in keys(kernels, args.kernels):
        try:
            t = targets.prepare(args, kernel=key, log=log)
        except UserError as e:
            rows.append({'kernel': key, 'error': str(e)})
            log(f'mpk: {key}: {e}')
            continue
        s = runner.judge(runner.run(t.tree, t.build_dir, t.cache, arch=t.arch,
                                    extra=kunit_args, log=log, quiet=True), t.known_bugs)
        for name in ('mmap_prepare_kunit.json', 'kunit.log'):
            if os.path.exists(os.path.join(t.build_dir, name)):
                shutil.copy(os.path.join(t.build_dir, name), os.path.join(
                    results, f'linux-{t.version}.{name.rsplit(".", 1)[1]}'))
        rows.append(row_of(t, s))
        log(f'mpk: Linux {t.version} ({t.arch}): {s.passed} passed, {s.failed} failed, '
            f'{s.skipped} skipped, {len(s.known)} known kernel bugs, {s.seconds} s')
    with open(os.path.join(results, 'matrix.json'), 'w', encoding='utf-8') as f:
        json.dump(rows, f, indent=1)
    record.record(targets.cache_dir(), 'matrix', None, args.arch, {'rows': rows})
    return rows, results


def row_of(t, s):
    """A matrix row of a judged run."""
    return {'kernel': t.version, 'arch': t.arch,
            'bugs': sorted({i for c in s.known for i in t.known_bugs.get(c, [])}),
            **{k: v for k, v in dataclasses.asdict(s).items()
               if k in ('passed', 'failed', 'skipped', 'known', 'failing', 'fixed', 'seconds')}}


def finding_status(known, s):
    """Per known bug, on a judged run: (id, red cases, passing cases, verdict).
    NOW PASSES: none of its cases red and some ran green; still red: none green."""
    by_bug = {}
    for case, ids in known.items():
        for bug in ids:
            by_bug.setdefault(bug, []).append(case)
    out = []
    for bug, cases in sorted(by_bug.items()):
        red = sum(c in s.known for c in cases)
        green = sum(c in s.passing for c in cases)
        verdict = ('NOW PASSES' if green and not red else 'still red' if red and not green
                   else 'partly fixed' if red else 'not run (skipped or absent)')
        out.append((bug, red, green, verdict))
    return out


def newest(args, kunit_args=(), log=print, apt=None):
    """The newest linux-source-X.Y any Debian suite offers, fetched, applied, built
    and run, with no change to kernels.json.  A series nobody pinned yet (7.4 the
    day Debian ships it) inherits the known bugs of the newest pinned kernel, so
    each finding reads 'still red' or 'NOW PASSES'.  (row, statuses, results file)"""
    refuse_user_tree(args)
    cache = targets.cache_dir()
    _, kernels = debian.load_kernels()
    apt = apt or debian.Apt(os.path.join(cache, 'apt'), [
        *debian.NEWEST_SUITES, *(k['suite'] for k in kernels.values())], log=log)
    package, version = debian.newest_offered(apt)
    key = debian.series_of(version)
    pinned = kernels.get(key)
    log(f'mpk: the newest kernel offered is {package}={version}; '
        + (f'kernels.json pins {key} at {pinned["version"]}' if pinned
           else f'no {key} in kernels.json: a new series, judged against the known bugs '
                'of the newest pinned kernel'))
    entry = {'kind': 'linux-source', 'package': package, 'version': version,
             'suite': 'newest offered'}
    tree = debian.fetch(key, {**kernels, key: entry}, cache, log=log, apt=apt)
    t = targets.prepare(args, fetched=tree, log=log)
    newest_pinned = max((debian.upstream_version(k['version']) for k in kernels.values()),
                        key=debian.version_key)
    known = t.known_bugs or runner.load_known(newest_pinned)
    t = dataclasses.replace(t, known_bugs=known)
    s = runner.judge(runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, extra=kunit_args,
                                log=log, quiet=True), known)
    statuses = finding_status(known, s)
    row = row_of(t, s)
    path = record.record(cache, 'matrix', t.version, t.arch, {
        'newest': {'package': package, 'version': version, 'pinned': bool(pinned),
                   'findings': [dict(zip(('id', 'red', 'green', 'verdict'), st))
                                for st in statuses]},
        'rows': [row]})
    return row, statuses, path


def table(rows):
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
