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
