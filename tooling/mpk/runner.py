"""Run the suite with the tree's own kunit.py and judge the result."""
import json
import os
import subprocess
import sys
import time

SUITE = 'mmap_prepare_compat'
CCACHE_WRAPPERS = '/usr/lib/ccache'


def build_env(cache):
    """Environment for kunit.py: every compiler call goes through ccache."""
    env = dict(os.environ)
    env['PATH'] = CCACHE_WRAPPERS + os.pathsep + env.get('PATH', '')
    env.setdefault('CCACHE_DIR', os.path.join(cache, 'ccache'))
    # Trees live at different paths (cache, user's own): hash relative paths.
    env.setdefault('CCACHE_NOHASHDIR', '1')
    return env


def kunit_command(tree, build_dir, json_path, arch='um', jobs=None,
                  extra=()):
    return [sys.executable, os.path.join(tree, 'tools/testing/kunit/kunit.py'),
            'run', '--kunitconfig=mm/tests', f'--build_dir={build_dir}',
            f'--arch={arch}', f'--jobs={jobs or os.cpu_count() or 1}',
            f'--json={json_path}', *extra]


def leaves(group, prefix=''):
    """Yield (name, status) of every leaf case under a kunit.py JSON group."""
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from leaves(sub, prefix + sub['name'] + '.')


def find_group(group, name):
    if group.get('name') == name:
        return group
    for sub in group.get('sub_groups', []):
        found = find_group(sub, name)
        if found:
            return found
    return None


def summarise(result, suite=SUITE):
    """Counts and failing case names of suite in a kunit.py --json result.

    A suite that is absent or ran no case is itself a failure: a test that
    silently did not run must never read as green.
    """
    group = find_group(result, suite) if result else None
    s = {'passed': 0, 'failed': 0, 'skipped': 0, 'failing': [], 'found': bool(group)}
    if not group:
        s['failed'] = 1
        s['failing'].append(f'{suite} (suite missing from the results)')
        return s
    for name, status in leaves(group):
        if status == 'PASS':
            s['passed'] += 1
        elif status == 'SKIP':
            s['skipped'] += 1
        else:
            s['failed'] += 1
            s['failing'].append(name)
    errors = group.get('misc', {}).get('errors', 0)
    if errors:
        s['failed'] += errors
        s['failing'].append(f'{suite} ({errors} missing or unparsed case(s))')
    if not s['passed'] + s['failed'] + s['skipped']:
        s['failed'] = 1
        s['failing'].append(f'{suite} (no case ran)')
    return s


def run(tree, build_dir, cache, arch='um', extra=(), log=print):
    """Build and run; return (summary, seconds).  kunit.py's output streams."""
    os.makedirs(build_dir, exist_ok=True)
    json_path = os.path.join(build_dir, 'mmap_prepare_kunit.json')
    if os.path.exists(json_path):
        os.remove(json_path)
    cmd = kunit_command(tree, build_dir, json_path, arch=arch, extra=extra)
    log('mpk: ' + ' '.join(cmd))
    t0 = time.monotonic()
    rc = subprocess.run(cmd, cwd=tree, env=build_env(cache), check=False).returncode
    seconds = time.monotonic() - t0
    try:
        with open(json_path, encoding='utf-8') as f:
            result = json.load(f)
    except (FileNotFoundError, json.JSONDecodeError):
        result = None
    s = summarise(result)
    if rc != 0 and not s['failed']:
        s['failed'] = 1
        s['failing'].append(f'kunit.py exited {rc} (configuration, build or boot failure)')
    s['seconds'] = round(seconds, 1)
    return s
