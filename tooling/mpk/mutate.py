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
import fcntl
import json
import os
import signal
import time

from . import perkernel, runner, target as targets
from .errors import UserError

CATALOGUE_DIR = os.path.join(os.path.dirname(__file__), 'mutants')
JOURNAL = '.mmap_prepare_kunit.mutant'


def load_catalogue(version):
    """The catalogue written for this kernel's major.minor."""
    return perkernel.load(CATALOGUE_DIR, version, 'mutant catalogue')['mutants']


def restore_journal(tree, log=print):
    """Put back a file a killed run left mutated."""
    path = os.path.join(tree, JOURNAL)
    if not os.path.exists(path):
        return
    with open(path, encoding='utf-8') as f:
        j = json.load(f)
    with open(os.path.join(tree, j['file']), 'w', encoding='utf-8') as f:
        f.write(j['original'])
    os.remove(path)
    log(f'mpk: restored {j["file"]} left mutated by an interrupted run')


class Mutation:
    """Context manager: the mutant is in the tree only inside the block."""

    def __init__(self, tree, mutant):
        self.tree, self.m = tree, mutant
        self.path = os.path.join(tree, mutant['file'])

    def __enter__(self):
        with open(self.path, encoding='utf-8') as f:
            self.original = f.read()
        n = self.original.count(self.m['old'])
        if n != 1:
            raise StaleMutant(f'{self.m["id"]}: text found {n} times in {self.m["file"]}')
        with open(os.path.join(self.tree, JOURNAL), 'w', encoding='utf-8') as f:
            json.dump({'file': self.m['file'], 'original': self.original}, f)
        self._old_term = signal.signal(signal.SIGTERM, _raise_interrupt)
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(self.original.replace(self.m['old'], self.m['new']))
        return self

    def __exit__(self, *exc):
        with open(self.path, 'w', encoding='utf-8') as f:
            f.write(self.original)
        if os.path.exists(os.path.join(self.tree, JOURNAL)):
            os.remove(os.path.join(self.tree, JOURNAL))
        signal.signal(signal.SIGTERM, self._old_term)
        return False


class StaleMutant(Exception):
    pass


def _raise_interrupt(signum, frame):
    raise KeyboardInterrupt


def verdict(summary, baseline_passing, baseline_signatures=()):
    """killed / survived / stillborn from one mutant run's summary."""
    if not summary.found:   # no result at all: the mutant did not build or boot
        return 'stillborn', []
    newly = sorted(set(baseline_passing) - set(summary.passing))
    extra = [c for c in summary.failing if c.startswith('kernel log:')]
    changed = sorted(set(summary.signatures) - set(baseline_signatures))
    changed = [f'a red case fails anew: {sig}' for sig in changed]
    return ('killed' if newly or extra or changed else 'survived'), newly + extra + changed


def lock_tree(tree):
    """Hold an exclusive lock on tree for this process's lifetime, or refuse."""
    fd = os.open(tree, os.O_RDONLY | os.O_DIRECTORY)   # flock the directory: no file
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise UserError(f'another mpk mutate or coverage run holds {tree}; wait for it') from None
    return fd


def run_all(tree, mutants, run_suite, log=print, base=None, arch='um'):
    """Baseline (unless given), then every mutant; returns the result rows.

    A mutant with "arches" breaks what only those architectures can observe:
    elsewhere it is expected to survive, and does so as 'blind', which fails
    nothing (it still runs, so a kill there would show).
    """
    lock = lock_tree(tree)
    try:
        return _run_all(tree, mutants, run_suite, log, base, arch)
    finally:
        os.close(lock)


def _run_all(tree, mutants, run_suite, log, base, arch):
    restore_journal(tree, log=log)
    base = base or run_suite()
    if not base.passing:
        raise UserError('the unmutated kernel passes no case: fix that first')
    rows = []
    for m in mutants:
        t0 = time.monotonic()
        if m.get('equivalent'):
            rows.append({'id': m['id'], 'verdict': 'equivalent', 'cases': [],
                         'seconds': 0.0, 'why': m['equivalent']})
            continue
        try:
            with Mutation(tree, m):
                s = run_suite()
            v, cases = verdict(s, base.passing, base.signatures)
            if v == 'survived' and arch not in m.get('arches', [arch]):
                v, cases = 'blind', [m['blind']]
        except StaleMutant as e:
            v, cases = 'stale', [str(e)]
        rows.append({'id': m['id'], 'verdict': v, 'cases': cases,
                     'seconds': round(time.monotonic() - t0, 1)})
        log(f'mpk: mutant {m["id"]}: {v} ({rows[-1]["seconds"]} s)'
            + (f' - {len(cases)} case(s), e.g. {cases[0]}' if cases else ''))
    return rows


def table(rows, mutants):
    """Markdown table of the results, with the score."""
    by_id = {m['id']: m for m in mutants}
    out = ['| mutant | file | what it breaks | verdict | s | first case that caught it |',
           '|---|---|---|---|---|---|']
    for r in rows:
        m = by_id[r['id']]
        first = r.get('why') or (r['cases'][0] if r['cases'] else '')
        out.append(f'| {r["id"]} | {m["file"]} | {m["why"]} | {r["verdict"]} | '
                   f'{r["seconds"]} | {first} |')
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


def run_catalogue(target, mutants, kunit_args=(), log=print, base=None):
    """Run mutants on target; write the results file; (rows, its path, seconds)."""

    def run_suite():
        return runner.run(target.tree, target.build_dir, target.cache, arch=target.arch,
                          extra=['--timeout=120', *kunit_args], log=lambda m: None,
                          quiet=True)

    t0 = time.monotonic()
    rows = run_all(target.tree, mutants, run_suite, log=log, base=base, arch=target.arch)
    path = targets.results_path(target.cache, 'mutate', target.version, '.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({'kernel': target.version, 'arch': target.arch, 'rows': rows}, f, indent=1)
    return rows, path, round(time.monotonic() - t0)


def failed(rows):
    """The rows that fail a mutation run: every verdict but killed, equivalent, blind."""
    return [r for r in rows if r['verdict'] in ('survived', 'stillborn', 'stale')]

