"""mpk bench: edit->verdict and the mutation catalogue, measured the same way each time.

Each scenario runs N times; the table gives median, min and max, and the
floor measured in the same iteration: `make <kernel image>` in the build
directory plus `kunit.py exec` (boot and parse), nothing else.

  nothing changed   mpk run, the tree as the last run left it
  test file edited  mpk run after a real edit of the suite (a new static
                    variable, so neither kbuild nor ccache can skip the compile)

mpk runs from a copy of this repository, whose test file the bench edits;
this checkout is never touched.  Its floor edits the tree's test file the
same way and puts it back.  The bench also checks that the fast path's JSON
is byte-identical to kunit.py run's own.  With mutants, it times the
mutation catalogue in schemata mode (warm: its kernel built once before).
Nothing here asserts a time: the numbers go to a table.
"""
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from . import kbuild, locks, mutate, runner, target as targets
from .errors import UserError

TEST_FILE = 'mm/tests/mmap_prepare_kunit.c'


def stats(xs):
    return statistics.median(xs), min(xs), max(xs)


def _timed(fn):
    t0 = time.monotonic()
    fn()
    return time.monotonic() - t0


def _edit(path):
    """Append a new static variable: a real change of the object file."""
    with open(path, 'a', encoding='utf-8') as f:
        f.write(f'\nstatic int __maybe_unused mpk_bench_edit_{time.time_ns()};\n')


class Bench:
    def __init__(self, t, args, log):
        self.t, self.log = t, log
        self.env = runner.build_env(t.cache, t.tree, t.build_dir)
        self.copy = tempfile.mkdtemp(prefix='mpk-bench-')
        shutil.copytree(targets.REPO, self.copy, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns('.git', '__pycache__'))
        self.mpk_run = [sys.executable, os.path.join(self.copy, 'mpk'), 'run',
                        f'--arch={t.arch}', *([f'--kernel={args.kernel}'] if args.kernel else [])]
        p, why = kbuild.plan(t.tree, t.build_dir, t.arch, os.path.join(t.tree, 'mm/tests'),
                             os.cpu_count() or 1, runner.cross_compile(t.arch))
        if not p:
            raise UserError(f'no fast path for this build ({why}); run mpk run first')
        self.make = p.make
        self.exec = runner.kunit_command(t.tree, t.build_dir, '/dev/null', arch=t.arch,
                                         sub='exec')

    def close(self):
        shutil.rmtree(self.copy, ignore_errors=True)

    def _run(self, cmd, name):
        with open(os.path.join(self.t.build_dir, f'bench-{name}.log'), 'w',
                  encoding='utf-8') as out:
            r = subprocess.run(cmd, cwd=self.t.tree, env=self.env, stdout=out,
                               stderr=subprocess.STDOUT, check=False)
        return r.returncode

    def mpk(self):
        rc = self._run(self.mpk_run, 'mpk-run')
        if rc:
            raise UserError(f'mpk run exited {rc} during the bench: see '
                            f'{self.t.build_dir}/bench-mpk-run.log')

    def floor(self):
        """make of the image, then kunit.py exec: seconds."""
        seconds = _timed(lambda: self._run(self.make, 'make'))
        return seconds + _timed(lambda: self._run(self.exec, 'exec'))

    def iteration(self):
        """(nothing changed: mpk, floor), (edited: mpk, floor) of one round."""
        tree_file = os.path.join(self.t.tree, TEST_FILE)
        _edit(os.path.join(self.copy, TEST_FILE))
        edited = _timed(self.mpk)
        with open(tree_file, encoding='utf-8') as f:
            applied = f.read()
        try:
            _edit(tree_file)
            edited_floor = self.floor()
        finally:
            with open(tree_file, 'w', encoding='utf-8') as f:
                f.write(applied)
        self._run(self.make, 'make')     # settle: the tree as mpk applied it
        unchanged = _timed(self.mpk)
        return (unchanged, self.floor()), (edited, edited_floor)


def same_json(t, log):
    """Fast path and kunit.py run's full path: (byte-identical JSON, same verdicts)."""
    out = {}
    for fast in (True, False):
        s = runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, log=lambda m: None,
                       quiet=True, fast=fast)
        with open(os.path.join(t.build_dir, 'mmap_prepare_kunit.json'), 'rb') as f:
            out[fast] = (f.read(), sorted(s.passing), sorted(s.failing))
    return out[True][0] == out[False][0], out[True][1:] == out[False][1:]


def edit_to_verdict(t, args, log=print):
    runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, log=log, quiet=True)  # warm
    locks.release(targets.build_lock(t.cache, t.build_dir))   # the timed mpk runs take it
    b = Bench(t, args, log)
    rounds = []
    try:
        for i in range(args.runs):
            rounds.append(b.iteration())
            (u, uf), (e, ef) = rounds[-1]
            log(f'mpk: bench round {i + 1}/{args.runs}: nothing changed {u:.1f} s '
                f'(floor {uf:.1f}), test file edited {e:.1f} s (floor {ef:.1f})')
    finally:
        b.close()
        targets.prepare(args, log=lambda m: None)     # this checkout's files back in the tree
    full = [_timed(lambda: runner.run(t.tree, t.build_dir, t.cache, arch=t.arch,
                                      log=lambda m: None, quiet=True, fast=False))
            for _ in range(args.runs)]
    return rounds, full, same_json(t, log)


def mutants(t, args, log=print):
    """Seconds of each warm schemata run of the whole catalogue, and the last rows."""
    ms = mutate.load_catalogue(t.version)
    mutate.run_catalogue(t, ms, args.kunit_args, log=lambda m: None)   # warm: builds once
    times, rows = [], []
    for i in range(args.mutant_runs):
        rows, _, seconds, _ = mutate.run_catalogue(t, ms, args.kunit_args, log=lambda m: None)
        times.append(seconds)
        log(f'mpk: bench mutants round {i + 1}/{args.mutant_runs}: {seconds} s')
    return times, rows


def _fmt(xs):
    med, lo, hi = stats(xs)
    return f'{med:.1f} ({lo:.1f}-{hi:.1f})'


def table(t, args, rounds, full, json_check, mutant_times=None, rows=None):
    cores = os.cpu_count()
    out = [f'mpk bench, {time.strftime("%Y-%m-%d %H:%M")} UTC, Linux {t.version} ({t.arch}), '
           f'{cores} cores, {platform.machine()}, {args.runs} runs each: median (min-max), s',
           '',
           '| scenario | mpk run | floor: make image + kunit.py exec | x floor |',
           '|---|---|---|---|']
    for name, idx in (('nothing changed', 0), ('test file edited', 1)):
        mine = [r[idx][0] for r in rounds]
        floor = [r[idx][1] for r in rounds]
        out.append(f'| {name} | {_fmt(mine)} | {_fmt(floor)} | '
                   f'{stats(mine)[0] / stats(floor)[0]:.2f} |')
    out.append(f'| kunit.py run (its full path), nothing changed | {_fmt(full)} | | |')
    same, verdicts = json_check
    out += ['', f'JSON of the fast path and of kunit.py run: '
            f'{"byte-identical" if same else "DIFFERENT"}; verdicts '
            f'{"identical" if verdicts else "DIFFERENT"}']
    if mutant_times:
        killed = sum(r['verdict'] == 'killed' for r in rows)
        live = sum(r['verdict'] in ('killed', 'survived') for r in rows)
        out += ['', f'Whole mutation catalogue ({len(rows)} mutants), schemata mode, warm, '
                f'{len(mutant_times)} run(s): {_fmt(mutant_times)} s; '
                f'{killed}/{live} killed, {len(mutate.failed(rows))} failing']
    return '\n'.join(out)
