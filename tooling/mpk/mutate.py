"""Mutation testing of the kernel's compat code against the suite.

A mutant is one exact text replacement in one kernel file, written in a
catalogue (mutants-<kernel>.json).  Each is applied alone, the kernel is
rebuilt incrementally and the suite run; the file is restored afterwards,
also on a build failure, an exception or an interrupt.  A journal in the
tree lets the next run restore a file if this process was killed outright.

Verdicts: killed (a case that passed on the unmutated kernel now fails or
crashes), survived, stillborn (did not build), stale (the catalogue's text
is not found exactly once: the catalogue needs updating for this kernel).
"""
import contextlib
import json
import os
import signal
import time

from . import locks, perkernel, results, runner, schemata
from .errors import UserError

CATALOGUE_DIR = os.path.join(os.path.dirname(__file__), 'mutants')
JOURNAL = '.mmap_prepare_kunit.mutant'
# kunit.py --timeout for a mutant's boot, in s.  The unmutated suite runs in
# 0.3 s on UML, 2.7 s on x86_64 and 26 s on arm64 (QEMU TCG, 2 cores); a
# mutant that deadlocks the kernel (an rmap lock never released) is cut off
# here, its cases missing: killed.
HANG_TIMEOUT = {'um': 20, 'x86_64': 60, 'arm64': 240}


def load_catalogue(version):
    """The catalogue written for this kernel's major.minor."""
    return perkernel.load(CATALOGUE_DIR, version, 'mutant catalogue')['mutants']


def catalogue_status(tree, version, data=None):
    """(line, stale ids): the catalogue's texts (data: the catalogue written
    for version's series) checked against this tree."""
    data = data or perkernel.load(CATALOGUE_DIR, version, 'mutant catalogue')
    texts, stale = {}, []
    for m in data['mutants']:
        if m['file'] not in texts:
            try:
                with open(os.path.join(tree, m['file']), encoding='utf-8') as f:
                    texts[m['file']] = f.read()
            except FileNotFoundError:
                texts[m['file']] = ''
        if texts[m['file']].count(m['old']) != 1:
            stale.append(m['id'])
    return perkernel.validity('mutant catalogue', data, version, stale), stale


def restore_journal(tree, log=print):
    """Put back the files a killed run left mutated."""
    path = os.path.join(tree, JOURNAL)
    if not os.path.exists(path):
        return
    with open(path, encoding='utf-8') as f:
        j = json.load(f)
    files = j.get('files') or {j['file']: j['original']}   # older journals: one file
    for rel, text in files.items():
        with open(os.path.join(tree, rel), 'w', encoding='utf-8') as f:
            f.write(text)
    os.remove(path)
    log(f'mpk: restored {", ".join(files)} left mutated by an interrupted run')


class Patched:
    """Context manager: files ({path: text}) are in the tree only inside the block.

    Blocks nest (a mutant on top of the schemata kernel): the journal always
    holds every touched file's pristine text, so restore_journal() after a
    SIGKILL at any depth gives the pristine tree back."""

    def __init__(self, tree, files):
        self.tree, self.files = tree, files

    def _journal(self, files):
        path = os.path.join(self.tree, JOURNAL)
        if files is None:
            if os.path.exists(path):
                os.remove(path)
            return
        with open(path, 'w', encoding='utf-8') as f:
            json.dump({'files': files}, f)

    def __enter__(self):
        self.originals = {}
        for rel in self.files:
            with open(os.path.join(self.tree, rel), encoding='utf-8') as f:
                self.originals[rel] = f.read()
        try:
            with open(os.path.join(self.tree, JOURNAL), encoding='utf-8') as f:
                self.outer = json.load(f)['files']
        except FileNotFoundError:
            self.outer = None
        self._journal({**self.originals, **(self.outer or {})})
        self._old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        for rel, text in self.files.items():
            with open(os.path.join(self.tree, rel), 'w', encoding='utf-8') as f:
                f.write(text)
        return self

    def __exit__(self, *exc):
        for rel, text in self.originals.items():
            with open(os.path.join(self.tree, rel), 'w', encoding='utf-8') as f:
                f.write(text)
        self._journal(self.outer)
        signal.signal(signal.SIGTERM, self._old_term)
        return False


class Mutation(Patched):
    """One mutant in the tree, only inside the block; StaleMutant if its text
    is not in the file exactly once (then nothing is touched)."""

    def __init__(self, tree, mutant):
        super().__init__(tree, {})
        self.m = mutant

    def __enter__(self):
        with open(os.path.join(self.tree, self.m['file']), encoding='utf-8') as f:
            original = f.read()
        n = original.count(self.m['old'])
        if n != 1:
            raise StaleMutant(f'{self.m["id"]}: text found {n} times in {self.m["file"]}')
        self.files = {self.m['file']: original.replace(self.m['old'], self.m['new'])}
        return super().__enter__()


class StaleMutant(Exception):
    pass


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def verdict(summary, baseline_passing, baseline_signatures=()):
    """killed / survived / stillborn from one mutant run's summary."""
    if not summary.found:   # no result at all: the mutant did not build or boot
        return 'stillborn', summary.failing[-1:]
    newly = sorted(set(baseline_passing) - set(summary.passing))
    extra = summary.splats()
    changed = sorted(set(summary.signatures) - set(baseline_signatures))
    changed = [f'a red case fails anew: {sig}' for sig in changed]
    return ('killed' if newly or extra or changed else 'survived'), newly + extra + changed


@contextlib.contextmanager
def lock_tree(tree):
    """The tree, exclusively, for changing its sources: refused (UserError) while
    another mpk process builds from it or changes it.  Afterwards the process
    holds it shared again, as every command that builds from it does."""
    locks.acquire(tree, exclusive=True, wait=False,
                  why=f'another mpk command (run, mutate, coverage, ...) is using {tree}')
    try:
        yield
    finally:
        locks.acquire(tree, exclusive=False)


# run_all(base=SCHEMATA_BASE): the verdicts of the first schemata kernel with
# every switch off are the baseline, so one kernel build gives the suite's
# verdict and every mutant's (mpk test).  That kernel is the pristine one where
# no switch is on: test_schemata.py proves the transformation without a kernel,
# and mpk mutate (a pristine baseline) still checks it on every run.
SCHEMATA_BASE = 'schemata'


def run_all(tree, mutants, run_suite, log=print, base=None, arch='um', schemata_mode=False,
            with_base=False):
    """Baseline (unless given), then every mutant; returns the result rows,
    or with with_base (rows, the baseline summary).

    run_suite() builds and runs the suite; with schemata_mode,
    run_suite(switch=K, build=...) runs it with mpk_mutant=K on the kernel
    command line, and the mutants that schemata.plan() can switch run in one
    kernel (any it cannot switch run one at a time).

    A mutant with "arches" breaks what only those architectures can observe:
    elsewhere it is expected to survive, and does so as 'blind', which fails
    nothing (it still runs, so a kill there would show).
    """
    with lock_tree(tree):
        rows, base = _run_all(tree, mutants, run_suite, log, base, arch, schemata_mode)
    return (rows, base) if with_base else rows


def _judge(m, s, base, arch):
    v, cases = verdict(s, base.passing, base.signatures)
    if v == 'survived' and arch not in m.get('arches', [arch]):
        v, cases = 'blind', [m['blind']]
    return v, cases


def _log_row(log, row):
    cases = row['cases']
    log(f'mpk: mutant {row["id"]}: {row["verdict"]} ({row["seconds"]} s, {row["mode"]})'
        + (f' - {len(cases)} case(s), e.g. {cases[0]}' if cases else ''))


def _run_all(tree, mutants, run_suite, log, base, arch, schemata_mode):
    restore_journal(tree, log=log)
    if base == SCHEMATA_BASE and not schemata_mode:
        base = None
    base = base or run_suite()
    if base != SCHEMATA_BASE:
        _checked(base)
    rows = {}
    for m in mutants:
        if m.get('equivalent'):
            rows[m['id']] = {'id': m['id'], 'verdict': 'equivalent', 'cases': [],
                             'seconds': 0.0, 'why': m['equivalent'], 'mode': '-'}
    if schemata_mode:
        got, base = _run_schemata(tree, [m for m in mutants if m['id'] not in rows],
                                  run_suite, log, base, arch)
        rows.update(got)
    if base == SCHEMATA_BASE:           # no mutant could be switched
        base = _checked(run_suite())
    for m in mutants:
        if m['id'] not in rows:
            rows[m['id']] = _one_at_a_time(tree, m, run_suite, base, arch, log)
    return [rows[m['id']] for m in mutants], base


def _one_at_a_time(tree, m, run_suite, base, arch, log, **switch):
    """Apply one mutant, build, run, judge; its row."""
    t0 = time.monotonic()
    try:
        with Mutation(tree, m):
            s = run_suite(**switch)
        v, cases = _judge(m, s, base, arch)
    except StaleMutant as e:
        v, cases = 'stale', [str(e)]
    row = {'id': m['id'], 'verdict': v, 'cases': cases,
           'seconds': round(time.monotonic() - t0, 1),
           'mode': 'one-at-a-time' + (' on the schemata kernel' if switch else '')}
    _log_row(log, row)
    return row


def _checked(base):
    if not base.passing:
        raise UserError('the unmutated kernel passes no case: fix that first')
    return base


def _same_verdicts(a, b):
    """The unmutated schemata kernel against the pristine one: (same, what differs)."""
    diff = {'passing': sorted(set(a.passing) ^ set(b.passing)),
            'failure signatures': sorted(set(a.signatures) ^ set(b.signatures)),
            'kernel log': sorted(set(a.splats()) ^ set(b.splats()))}
    diff = {k: v for k, v in diff.items() if v}
    return not diff and a.found, diff


def _run_schemata(tree, mutants, run_suite, log, base, arch):
    """(rows of the mutants the schemata kernels ran, the baseline); the others
    are left out.  base may be SCHEMATA_BASE: the first kernel's switch 0."""
    by_id = {m['id']: m for m in mutants}

    def read(rel):
        with open(os.path.join(tree, rel), encoding='utf-8') as f:
            return f.read()
    try:
        groups, single = schemata.plan(read, mutants)
    except FileNotFoundError as e:
        log(f'mpk: schemata not possible ({e}); every mutant one at a time')
        return {}, base
    for mid, why in single.items():
        log(f'mpk: mutant {mid}: one at a time ({why})')
    rows = {}
    for n, g in enumerate(groups, 1):
        t0 = time.monotonic()
        with Patched(tree, g.files):
            zero = run_suite(switch=0)
            if base == SCHEMATA_BASE:
                base, same = _checked(zero), True
                verdicts = 'its verdicts are the baseline'
            else:
                same, diff = _same_verdicts(zero, base)
                verdicts = ('same verdicts as the unmutated kernel' if same
                            else f'DIFFERS: {diff}')
            log(f'mpk: schemata kernel {n}/{len(groups)}: {len(g.switches)} mutants in '
                f'{", ".join(g.files)}; built and run with every switch off in '
                f'{time.monotonic() - t0:.1f} s: {verdicts}')
            if not same:
                log('mpk: its mutants go one at a time')
                continue
            for mid, k in sorted(g.switches.items(), key=lambda i: i[1]):
                t1 = time.monotonic()
                v, cases = _judge(by_id[mid], run_suite(switch=k, build=False), base, arch)
                rows[mid] = {'id': mid, 'verdict': v, 'cases': cases, 'mode': 'schemata',
                             'seconds': round(time.monotonic() - t1, 1)}
                _log_row(log, rows[mid])
            # The mutants that cannot be switched but whose text this kernel left
            # as it was: on top of it, switch off (the unmutated kernel, as just
            # checked), so that restoring its files costs no second kernel build.
            for mid in [i for i in single if i not in rows and _fits(by_id[i], g.files)]:
                rows[mid] = _one_at_a_time(tree, by_id[mid], run_suite, base, arch, log,
                                           switch=0)
    return rows, base


def _fits(m, files):
    """A mutant that cannot be switched can still go on top of a schemata kernel
    whose files leave its text exactly as it is (once, untouched)."""
    return m['file'] not in files or files[m['file']].count(m['old']) == 1


def table(rows, mutants):
    """Markdown table of the results, with the score."""
    by_id = {m['id']: m for m in mutants}
    out = ['| mutant | file | what it breaks | verdict | mode | s | first case that caught it |',
           '|---|---|---|---|---|---|---|']
    for r in rows:
        m = by_id[r['id']]
        first = r.get('why') or (r['cases'][0] if r['cases'] else '')
        out.append(f'| {r["id"]} | {m["file"]} | {m["why"]} | {r["verdict"]} | '
                   f'{r.get("mode", "-")} | {r["seconds"]} | {first} |')
    live = [r for r in rows if r['verdict'] in ('killed', 'survived')]
    killed = sum(r['verdict'] == 'killed' for r in rows)
    out.append('')
    out.append(f'Score: {killed}/{len(live)} non-equivalent mutants killed; '
               + ', '.join(f'{v} {sum(r["verdict"] == v for r in rows)}'
                           for v in ('equivalent', 'blind', 'stillborn', 'stale')))
    return '\n'.join(out)


def select(mutants, quick=False, skip_slow=False, only=None):
    """The mutants a run asks for: the CI subset, without the slow ones, or by id."""
    if quick:
        mutants = [m for m in mutants if m.get('quick')]
    if skip_slow:
        mutants = [m for m in mutants if not m.get('slow')]
    if only:
        wanted = only.split(',')
        mutants = [m for m in mutants if m['id'] in wanted]
    return mutants


def run_catalogue(target, mutants, kunit_args=(), log=print, base=None, schemata_mode=True):
    """Run mutants on target; write the results file; (rows, its path, seconds,
    the baseline summary).  Of kunit.py's output only the progress lines of
    long builds are logged."""

    def progress(msg):
        if msg.startswith(runner.PROGRESS):
            log(msg)

    def run_suite(switch=None, build=True):
        extra = [f'--timeout={HANG_TIMEOUT.get(target.arch, 300)}', *kunit_args]
        if switch is not None:
            extra.append(f'--kernel_args={schemata.SWITCH}={switch}')
        s = runner.run(target.tree, target.build_dir, target.cache, arch=target.arch,
                       extra=extra, log=progress, quiet=True, build=build)
        if switch is not None and not _announced(target.build_dir, switch):
            # The switch did not reach the kernel: no verdict can be trusted.
            s.found = False
            s.failing.append(f'{schemata.ANNOUNCE.format(switch)!r} not in the kernel log')
        return s

    t0 = time.monotonic()
    rows, base = run_all(target.tree, mutants, run_suite, log=log, base=base,
                         arch=target.arch, schemata_mode=schemata_mode, with_base=True)
    seconds = round(time.monotonic() - t0)
    path = results.record(target.cache, 'mutate', target.version, target.arch,
                          {'seconds': seconds, 'baseline_seconds': base.seconds,
                           'mode': 'schemata' if schemata_mode else 'one-at-a-time',
                           'rows': rows})
    return rows, path, seconds, base


def _announced(build_dir, switch):
    try:
        with open(os.path.join(build_dir, 'test.log'), encoding='utf-8', errors='replace') as f:
            return schemata.ANNOUNCE.format(switch) in f.read()
    except FileNotFoundError:
        return False


def failed(rows):
    """The rows that fail a mutation run: every verdict but killed, equivalent, blind."""
    return [r for r in rows if r['verdict'] in ('survived', 'stillborn', 'stale')]

