"""Results files: every command that measures something writes one.

$MPK_CACHE/results/<kind>-<kernel>-<arch>-<time>.json holds what was run
(the mpk command line), where (kernel, architecture, CPUs) and when (UTC),
then the command's own data.  `mpk report --take FILE` copies one into the
repository's results/ in compact form; the README's and docs' tables are
generated from those (report.py).
"""
import json
import os
import sys
import time

from . import target as targets

# Set by cli.main(): the whole command's wall time is measured from there.
STARTED = time.monotonic()


def meta(kind, kernel, arch):
    return {'kind': kind, 'kernel': kernel, 'arch': arch,
            'date': time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime()),
            'command': ' '.join(['./mpk', *sys.argv[1:]]),
            'cpus': os.cpu_count(),
            'wall_seconds': round(time.monotonic() - STARTED)}


def record(cache, kind, kernel, arch, data, path=None):
    """Write one results file (arch None: several); its path.  With path,
    rewrite that file (a long command records each step as it ends)."""
    path = path or targets.results_path(
        cache, kind, '-'.join(str(p) for p in (kernel, arch) if p), '.json')
    with open(path, 'w', encoding='utf-8') as f:
        json.dump({**meta(kind, kernel, arch), **data}, f, indent=1)
    return path
