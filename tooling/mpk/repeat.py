"""mpk repeat: the same kernel booted many times, and each case function on its own.

A flake is a boot whose per-case verdicts differ from the first boot's, or
whose kernel log shows a splat.  --isolated does what `kunit.py run
--run_isolated=test` does (one boot per case function, the parameters of a
function sharing it), but keeps every boot's result: kunit.py rewrites its
--json and test.log on each boot, so only the last would survive.  Each
boot is kunit.py's own `exec` with its own parser.
"""
import json
import os
import subprocess
import time

from . import runner


def verdicts(build_dir):
    """{'suite.case.param': status} of our suites in the last kunit.py --json,
    or None."""
    try:
        with open(os.path.join(build_dir, 'mmap_prepare_kunit.json'), encoding='utf-8') as f:
            found = dict(runner.our_leaves(json.load(f)))
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return found or None


def boot(t, extra=(), log=print):
    """One boot of the kernel as built: (summary, {case: status})."""
    s = runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, extra=['--timeout=300', *extra],
                   log=log, quiet=True, build=False)
    return s, verdicts(t.build_dir) or {}


def boots(t, n, log=print):
    """Boot n times; (first verdicts, [(boot number, what differs)], seconds)."""
    t0 = time.monotonic()
    runner.run(t.tree, t.build_dir, t.cache, arch=t.arch, log=lambda m: None, quiet=True)
    first, flakes = None, []
    for i in range(1, n + 1):
        s, v = boot(t, log=lambda m: None)
        splat = s.splats()
        if first is None:
            first = v
        diff = sorted(c for c in set(first) | set(v) if first.get(c) != v.get(c))
        if diff or splat or not v:
            flakes.append((i, (diff or splat or ['no result'])[:3]))
            log(f'mpk: boot {i}: FLAKE {flakes[-1][1]}')
        elif i % 10 == 0:
            log(f'mpk: boot {i}/{n}: {sum(x == "PASS" for x in v.values())} passed, '
                f'same verdicts as boot 1')
    return first, flakes, round(time.monotonic() - t0, 1)


def case_functions(t):
    """'suite.function' of every case function of our suites, as kunit.py
    --list_tests gives them."""
    cmd = runner.kunit_command(t.tree, t.build_dir, None, arch=t.arch, sub='exec',
                               extra=['--list_tests'])
    out = subprocess.run(cmd, cwd=t.tree, env=runner.build_env(t.cache, t.tree, t.build_dir),
                         capture_output=True, text=True, check=False).stdout
    ours = (*runner.SUITES, *runner.PROFILE_SUITES)
    return [ln.strip() for ln in out.splitlines()
            if ln.strip().split('.')[0] in ours and ' ' not in ln.strip()]


def isolated(t, together, log=print):
    """One boot per case function; (functions, [(case, together, isolated)], seconds)."""
    t0 = time.monotonic()
    functions = case_functions(t)
    alone = {}
    for i, glob in enumerate(functions, 1):
        s, v = boot(t, extra=[glob], log=lambda m: None)
        splat = s.splats()
        if splat:
            alone[f'{glob} (kernel log)'] = splat[0]
        # A parameterised function's cases are 'suite.function.param'.
        alone.update(v)
        log(f'mpk: isolated boot {i}/{len(functions)} {glob}: {len(v)} case(s)')
    differ = [(c, together.get(c), alone.get(c)) for c in sorted(set(together) | set(alone))
              if together.get(c) != alone.get(c)]
    return functions, differ, round(time.monotonic() - t0, 1)
