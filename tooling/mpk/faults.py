"""mpk run --profile=faults: what the fault-injection suite's run shows.

The suite (mmap_prepare_fault_injection, mm/tests/fault_injection.kunitconfig)
maps once per fault point with that point failing (current->fail_nth), on
each route, and checks every failed mapping itself.  It sets failslab's and
fail_page_alloc's verbose to 0 and logs no line per injected failure: the
kernel log names no call site.  What the suite asserts about the points
(at least two injected per sweep: the VMA and the maple tree nodes) is a
count, checked in the suite; mpk only checks that the suite ran, and lists
its verdicts per route (case function).
"""
import collections

from . import runner

SUITE = runner.PROFILE_SUITES[0]


def routes(result, suite=SUITE):
    """{case function: Counter of verdicts} of the suite in a kunit.py --json
    result; None when the suite is not in it."""
    group = runner.find_group(result, suite) if result else None
    if not group:
        return None
    out = {}
    for name, status in runner.leaves(group):
        out.setdefault(name.split('.')[0], collections.Counter())[status] += 1
    return out


def problems(by_route, suite=SUITE):
    """Why the run does not show the suite at work: [] when it ran cases."""
    if by_route is None:
        return [f'fault injection: {suite} did not run (not configured?)']
    if not any(sum(c.values()) for c in by_route.values()):
        return [f'fault injection: {suite} ran no case']
    return []


def table(by_route):
    """Markdown: one row per route, its rows' verdicts."""
    rows = ['| route (case function) | passed | failed | skipped |', '|---|---|---|---|']
    for name, counts in sorted((by_route or {}).items()):
        failed = sum(n for status, n in counts.items() if status not in ('PASS', 'SKIP'))
        rows.append(f'| {name} | {counts["PASS"]} | {failed} | {counts["SKIP"]} |')
    return '\n'.join(rows)
