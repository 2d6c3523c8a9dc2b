"""Data written for one kernel series: tooling/mpk/<kind>/<major.minor>.json."""
import json
import os

from .errors import UserError


def load(directory, version, what):
    """The file in directory for version's major.minor, parsed; refuse if none."""
    mm = '.'.join(version.split('.')[:2])
    path = os.path.join(directory, f'{mm}.json')
    if not os.path.isfile(path):
        have = sorted(f[:-5] for f in os.listdir(directory) if f.endswith('.json'))
        raise UserError(f'no {what} for Linux {mm} (have: {", ".join(have)})')
    with open(path, encoding='utf-8') as f:
        return json.load(f)


def validity(what, data, version, stale):
    """One line: is a catalogue written for one release still valid on version?

    Catalogues quote kernel text exactly (data['kernel'] is the release they
    were written for).  stale names what the tree no longer has; a catalogue
    is never taken as valid on another release without that check.
    """
    written = data.get('kernel', '?')
    where = f'{what} written for Linux {written}'
    if stale:
        return (f'{where}: STALE on {version}: {len(stale)} not found: '
                + ', '.join(stale[:5]) + (' ...' if len(stale) > 5 else ''))
    if written == version:
        return f'{where}: checked against its text'
    return f'{where}: still valid on {version}: every text it quotes found in the tree'
