"""mpk alltests: the suite where KernelCI runs it, with the upstream series applied.

KernelCI's KUnit job is `kunit.py run --alltests --arch=x86_64`: the kernel is
configured from tools/testing/kunit/configs/all_tests.config, which the
series' last patch extends with what the suites' real callers and hooks need.  Three
configurations, each built in the series' git repository (fixes and suite
committed) with its own build directory:

  alltests  KernelCI's exact command; the same kernel booted again with
            our suites filtered out, to see whether any other suite changes
            verdict because ours run beside it
  deps      KUNIT, the suites of the default kunitconfig, and only what
            all_tests.config sets for them (the additions file): the cheap
            stand-in for `alltests`
  nodebug   the suites' own kunitconfig less DEBUG_VM and lockdep: the
            verdicts without the debug options

Our suites are judged from kunit.py's JSON and from their own sections of
the kernel log (skip reasons, splats); the other suites only by their
verdicts, since many of them warn on purpose.
"""
import collections
import os
import re
import time

from . import mutate, overlay, results, runner, series
from .errors import UserError

SCOPES = ('alltests', 'deps', 'nodebug')
ADDITION = os.path.join(runner.REPO, 'additions', overlay.ALL_TESTS_CONFIG)
SUITE_CONFIG = 'mm/tests/.kunitconfig'
DEBUG_OPTIONS = ('CONFIG_DEBUG_VM', 'CONFIG_PROVE_LOCKING')
# A TCG boot of every KUnit suite takes far longer than kunit.py's default 300 s.
TIMEOUT = {'alltests': 3600, 'deps': 900, 'nodebug': 900}
SKIP = re.compile(r'\bok \d+ (\S+) # SKIP ?(.*)$')


# The second alltests boot: the same kernel, our suites filtered out by their
# KUnit module attribute (KBUILD_MODNAME, of a built-in object too); kunit's
# executor applies comma-separated filters one after the other (all must
# hold).  Our Kconfig entries cannot be turned off there: KUNIT_ALL_TESTS
# hides their prompts.
def suite_off(repo=runner.REPO):
    """kunit.py's --filter that leaves out every suite of ours."""
    return '--filter=' + ','.join(f'module!={s.module}' for s in series.suites(repo))


def kunitconfig(scope):
    """The kunitconfig text of scope 'deps' or 'nodebug'."""
    if scope == 'deps':
        with open(ADDITION, encoding='utf-8') as f:
            deps = [ln.strip() for ln in f if ln.startswith('CONFIG_')]
        ours = [e for e in runner.kunitconfig_entries(SUITE_CONFIG) if overlay.OUR_WORDS.search(e)]
        return '\n'.join(['CONFIG_KUNIT=y', *ours, *deps]) + '\n'
    if scope == 'nodebug':
        return '\n'.join(e for e in runner.kunitconfig_entries(SUITE_CONFIG)
                         if e.split('=')[0] not in DEBUG_OPTIONS) + '\n'
    raise UserError(f'scope {scope!r} has no kunitconfig of ours')


OURS = (*runner.SUITES, *runner.PROFILE_SUITES)


def suite_section(kernel_log, suite):
    """The lines of the kernel log from a suite's '# Subtest:' to its result line."""
    lines = kernel_log.splitlines()
    start = next((i for i, ln in enumerate(lines)
                  if re.search(rf'# Subtest: {re.escape(suite)}$', ln)), None)
    if start is None:
        return []
    end = re.compile(rf'(?:^|\] )(?:not )?ok \d+ {re.escape(suite)}\b')
    for i in range(start + 1, len(lines)):
        if end.search(lines[i]):
            return lines[start:i + 1]
    return lines[start:]


def our_sections(kernel_log, suites=OURS):
    """The kernel log's sections of our suites, one after the other."""
    return [ln for suite in suites for ln in suite_section(kernel_log, suite)]


def skip_reasons(section):
    """Counter {reason: cases} of the skipped cases (parameters, not their groups)."""
    return collections.Counter(m.group(2).strip() or '(no reason)'
                               for m in map(SKIP.search, section) if m)


def other_verdicts(result, suites=OURS):
    """{case: status} of every case of kunit.py's JSON outside our suites."""
    out = {}
    for group in (result or {}).get('sub_groups', []):
        if group.get('name') not in suites:
            out.update(runner.leaves(group, group['name'] + '.'))
    return out


def changed(with_suite, without_suite):
    """[(case, with, without)]: other suites' cases whose verdict differs; a case
    that ran in one boot only counts as changed too."""
    return [(c, with_suite.get(c, 'absent'), without_suite.get(c, 'absent'))
            for c in sorted(set(with_suite) | set(without_suite))
            if with_suite.get(c) != without_suite.get(c)]


def boot(tree, build_dir, cache, arch, args, log, sub='run'):
    """kunit.py run (or exec) with args; (result JSON or None, kernel log, seconds, rc)."""
    os.makedirs(build_dir, exist_ok=True)
    json_path = os.path.join(build_dir, 'kunit.json')
    if os.path.exists(json_path):
        os.remove(json_path)
    cmd = runner.kunit_command(tree, build_dir, json_path, arch=arch, kunitconfig=None,
                               extra=args, sub=sub)
    t0 = time.monotonic()
    rc = runner.kunit(cmd, tree, build_dir, cache, 'kunit.log', log=log)
    seconds = round(time.monotonic() - t0)
    return runner.load_json(json_path), runner.read_kernel_log(build_dir), seconds, rc


def judge(result, kernel_log, open_cases):
    """Our suites' row: counts, skip reasons, splats in their sections, and
    failures other than the open findings the series leaves red."""
    s = runner.summarise(result)
    section = our_sections(kernel_log)
    return {'passed': s.passed, 'failed': s.failed, 'skipped': s.skipped,
            'open_findings': sorted(set(s.failing) & set(open_cases)),
            'unexpected': sorted(set(s.failing) - set(open_cases)),
            'skips': dict(skip_reasons(section)),
            'splats': runner.splats('\n'.join(section))}


def scope_args(scope, build_dir):
    """kunit.py arguments of a scope: KernelCI's for alltests, a kunitconfig file else."""
    if scope == 'alltests':
        return ['--alltests', f'--timeout={TIMEOUT[scope]}']
    path = os.path.join(build_dir, f'{scope}.kunitconfig')
    os.makedirs(build_dir, exist_ok=True)
    with open(path, 'w', encoding='utf-8') as f:
        f.write(kunitconfig(scope))
    return [f'--kunitconfig={path}', f'--timeout={TIMEOUT[scope]}']


def command(repo, kernel, arch, scopes, compare=True, log=print):
    """Run each scope on the series; [(scope, row)] and the results file."""
    who = series.identity()
    tree, version, root, cache = series.series_tree(kernel, log=log)
    _, _, open_cases = series.findings(repo, version)
    with mutate.lock_tree(tree):
        series.make_series(repo, tree, who)
        rows = [(scope, run_scope(tree, version, root, cache, arch, scope, open_cases,
                                  compare, log)) for scope in scopes]
    path = results.record(cache, 'alltests', version, arch,
                          {'series': True, 'scopes': dict(rows)})
    return rows, path


def run_scope(tree, version, root, cache, arch, scope, open_cases, compare, log):
    """Build and boot one scope; its row."""
    build_dir = os.path.join(root, 'build', f'linux-{version}-{arch}-{scope}')
    args = scope_args(scope, build_dir)
    log(f'mpk: {scope}: building and booting (log: {build_dir}/kunit.log)')
    result, kernel_log, seconds, rc = boot(tree, build_dir, cache, arch, args, log)
    row = {'kernel': version, 'arch': arch, 'seconds': seconds, 'rc': rc,
           'command': 'kunit.py run ' + ' '.join(a for a in args if 'timeout' not in a),
           **judge(result, kernel_log, open_cases)}
    if scope == 'alltests' and compare and result:
        others = other_verdicts(result)
        off = suite_off()
        log(f'mpk: alltests: the same kernel again, kunit.py exec {off}')
        result2, _, seconds2, _ = boot(tree, build_dir, cache, arch, [*args, off],
                                       log, sub='exec')
        row.update(others=len(others), seconds_without=seconds2,
                   changed=changed(others, other_verdicts(result2)) if result2
                   else [('(second boot gave no result)', '', '')])
    log(line(scope, row))
    return row


def ok(row):
    """Green: nothing of ours skips, fails beyond the open findings, or splats;
    no other suite changed verdict; kunit.py parsed a result."""
    return (row['passed'] > 0 and not row['skipped'] and not row['unexpected']
            and not row['splats'] and not row.get('changed'))


def line(scope, row):
    """One line of the report."""
    skips = '; '.join(f'{n} {why}' for why, n in sorted(row['skips'].items(),
                                                          key=lambda kv: -kv[1]))
    text = (f'mpk: {scope} {row["arch"]} Linux {row["kernel"]} + series '
            f'({row["command"]}): our suites {row["passed"]} passed, '
            f'{row["failed"]} failed ({len(row["open_findings"])} of open findings), '
            f'{row["skipped"]} skipped{" (" + skips + ")" if skips else ""}; '
            f'{len(row["splats"])} splat line(s); {row["seconds"]} s')
    if 'others' in row:
        text += (f'; other suites: {row["others"]} cases, {len(row["changed"])} changed '
                 f'verdict with our suites filtered out ({row["seconds_without"]} s)')
    return text + ('' if ok(row) else '  FAIL')
