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
        rows.append({'kernel': t.version, 'arch': t.arch,
                     'bugs': sorted({i for c in s.known for i in t.known_bugs[c]}),
                     **{k: v for k, v in dataclasses.asdict(s).items()
                        if k in ('passed', 'failed', 'skipped', 'known', 'failing', 'fixed',
                                 'seconds')}})
        log(f'mpk: Linux {t.version} ({t.arch}): {s.passed} passed, {s.failed} failed, '
            f'{s.skipped} skipped, {len(s.known)} known kernel bugs, {s.seconds} s')
    with open(os.path.join(results, 'matrix.json'), 'w', encoding='utf-8') as f:
        json.dump(rows, f, indent=1)
    record.record(targets.cache_dir(), 'matrix', None, args.arch, {'rows': rows})
    return rows, results


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
