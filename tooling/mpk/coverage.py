"""Line and branch coverage of the compat functions from a UML gcov build.

The build uses kunit.py's own coverage fragment
(tools/testing/kunit/configs/coverage_uml.config); lcov captures the .gcda
files the UML kernel writes when it halts, and genhtml renders the HTML.
This module only reads lcov's tracefile: for each function named in the
per-kernel list (coverage/<major.minor>.json) it counts the lines and
branches inside the function's body, and pairs every branch not taken with
the reason recorded in that list.  A line never executed, or a branch not
taken for no recorded reason, fails the check.
"""
import os
import re
import struct
import subprocess

from . import mutate, perkernel, runner, target as targets
from .errors import UserError

SPEC_DIR = os.path.join(os.path.dirname(__file__), 'coverage')
UML_FRAGMENT = 'tools/testing/kunit/configs/coverage_uml.config'


def load_spec(version):
    """The function list and branch reasons written for this kernel's major.minor."""
    return perkernel.load(SPEC_DIR, version, 'coverage list')


def catalogue_status(tree, version):
    """(line, stale): the coverage catalogue's functions and branch lines checked
    against this tree."""
    spec = load_spec(version)
    stale, lines = [], {}
    for path, names in [*spec['functions'].items(), *spec.get('also', {}).items()]:
        try:
            with open(os.path.join(tree, path), encoding='utf-8') as f:
                lines[path] = f.read().splitlines()
        except FileNotFoundError:
            lines[path] = []
        stale += [f'{path}: {n}()' for n in names if not function_start(lines[path], n)]
    everywhere = {ln.strip() for ls in lines.values() for ln in ls}
    stale += [f'{r["function"]}: {r["line"]}' for r in spec.get('untaken', [])
              if r['line'] not in everywhere]
    return perkernel.validity('coverage catalogue', spec, version, stale), stale


def parse_info(text):
    """{source path: {'fn': {name: line}, 'fnda': {name: calls}, 'da': {line: count},
    'br': {(line, block, branch): taken or None}}} from an lcov tracefile.

    Records of one source file from several objects (an inline function in
    a header) are summed; a branch is None ('-') only if it never ran anywhere.
    """
    files, cur = {}, None
    for raw in text.splitlines():
        key, _, val = raw.partition(':')
        if key == 'SF':
            cur = files.setdefault(val, {'fn': {}, 'fnda': {}, 'da': {}, 'br': {}})
        elif cur is None:
            continue
        elif key == 'FN':
            line, name = val.split(',', 1)
            cur['fn'].setdefault(name, int(line))
        elif key == 'FNDA':
            calls, name = val.split(',', 1)
            cur['fnda'][name] = cur['fnda'].get(name, 0) + int(calls)
        elif key == 'DA':
            line, count = val.split(',')[:2]
            cur['da'][int(line)] = cur['da'].get(int(line), 0) + int(count)
        elif key == 'BRDA':
            line, block, branch, taken = val.split(',')
            k = (int(line), int(block), int(branch))
            old = cur['br'].get(k)
            if taken != '-':
                cur['br'][k] = (old or 0) + int(taken)
            else:
                cur['br'].setdefault(k, None)
        elif key == 'end_of_record':
            cur = None
    return files


def function_start(lines, name):
    """Line number of name's definition, for a function gcc inlined before it
    instrumented the code (no FN record; its lines are still counted)."""
    pattern = re.compile(r'^\S.*\b' + re.escape(name) + r'\(')
    for n, line in enumerate(lines, 1):
        if pattern.match(line) and not line.rstrip().endswith(';'):
            return n
    return None


def function_end(lines, start):
    """Line number of the closing brace of the function whose name is on start
    (kernel style: the body ends at the first line that is just '}')."""
    for n in range(start, len(lines) + 1):
        if lines[n - 1].rstrip() == '}':
            return n
    raise UserError(f'no closing brace after line {start}')


def find_record(info, path):
    found = [sf for sf in info if sf == path or sf.endswith('/' + path)]
    return info[found[0]] if found else None


def report(info, read_source, spec):
    """One row per function of spec: lines, branches, and what was missed.

    read_source(path) returns the file's lines.  Rows carry 'ok'; rows of
    spec's 'also' list (reached by the compat path, not held to the bar)
    are always ok and carry 'gated': False.
    """
    reasons = {(r['function'], r['line']): r['reason'] for r in spec.get('untaken', [])}
    used, rows = set(), []
    groups = [(True, spec['functions']), (False, spec.get('also', {}))]
    for gated, path, names in [(g, p, n) for g, files in groups for p, n in files.items()]:
        rec, lines = find_record(info, path), read_source(path)
        for name in names:
            row = {'file': path, 'function': name, 'missed_lines': [], 'untaken': [],
                   'gated': gated}
            rows.append(row)
            start = rec and (rec['fn'].get(name) or function_start(lines, name))
            if not start:
                row.update(ok=not gated, error='not in the coverage data (not compiled in?)')
                continue
            end = function_end(lines, start)
            da = {n: c for n, c in rec['da'].items() if start <= n <= end}
            br = {k: t for k, t in rec['br'].items() if start <= k[0] <= end}
            row.update(start=start, end=end, calls=rec['fnda'].get(name, rec['da'].get(start, 0)),
                       lines_hit=sum(1 for c in da.values() if c), lines=len(da),
                       branches_hit=sum(1 for t in br.values() if t), branches=len(br))
            row['missed_lines'] = [(n, lines[n - 1].strip()) for n in sorted(da) if not da[n]]
            per_line = {}   # line: [branches not taken, branches]
            for (n, _, _), taken in br.items():
                counts = per_line.setdefault(n, [0, 0])
                counts[0] += not taken
                counts[1] += 1
            for n, (count, of) in sorted(per_line.items()):
                if not count:
                    continue
                text = lines[n - 1].strip()
                reason = reasons.get((name, text))
                if reason:
                    used.add((name, text))
                row['untaken'].append({'line': n, 'text': text, 'count': count, 'of': of,
                                       'reason': reason})
            row['ok'] = not gated or (not row['missed_lines'] and
                                      all(u['reason'] for u in row['untaken']))
    stale = [f'{f}: {t}' for f, t in reasons if (f, t) not in used]
    return rows, stale


ALSO = 'also reached by the compat path (reported, not held to the bar):'


def text_summary(rows, stale):
    out = []
    for r in rows:
        if not r['gated'] and ALSO not in out:
            out.append(ALSO)
        if 'error' in r:
            out.append(f'{r["file"]} {r["function"]}: {r["error"]}')
            continue
        out.append(f'{r["file"]}:{r["start"]}-{r["end"]} {r["function"]}: '
                   f'{r["calls"]} calls, lines {r["lines_hit"]}/{r["lines"]}, '
                   f'branches {r["branches_hit"]}/{r["branches"]}'
                   + ('' if r['ok'] else '  <-- NOT COVERED'))
        for n, text in r['missed_lines']:
            out.append(f'    line {n} never executed: {text}')
        for u in r['untaken']:
            out.append(f'    line {u["line"]}: {u["count"]} of {u["of"]} branch(es) not taken: '
                       f'{u["text"]}')
            if r['gated'] or u['reason']:
                out.append(f'        reason: {u["reason"] or "NONE RECORDED"}')
    for s in stale:
        out.append(f'note: a recorded reason matches no untaken branch now: {s}')
    rows = [r for r in rows if r['gated']]
    lh = sum(r.get('lines_hit', 0) for r in rows)
    lt = sum(r.get('lines', 0) for r in rows)
    bh = sum(r.get('branches_hit', 0) for r in rows)
    bt = sum(r.get('branches', 0) for r in rows)
    bad = [r['function'] for r in rows if not r['ok']]
    out.append(f'coverage of {len(rows)} compat functions: lines {lh}/{lt}, branches {bh}/{bt}; '
               + (f'NOT OK: {", ".join(bad)}' if bad else
                  'every line executed, every untaken branch explained'))
    return '\n'.join(out)


DT_FINI_ARRAY, DT_FINI_ARRAYSZ = 26, 28


def elf_sections(f):
    """{name: (type, addr, offset, size)} of a 64-bit little-endian ELF file."""
    f.seek(0)
    ehdr = f.read(64)
    if ehdr[:6] != b'\x7fELF\x02\x01':
        raise UserError(f'{f.name}: not a 64-bit little-endian ELF file')
    shoff, = struct.unpack_from('<Q', ehdr, 0x28)
    shentsize, shnum, shstrndx = struct.unpack_from('<HHH', ehdr, 0x3a)
    f.seek(shoff)
    raw = f.read(shentsize * shnum)
    hdrs = [struct.unpack_from('<IIQQQQ', raw, i * shentsize) for i in range(shnum)]
    f.seek(hdrs[shstrndx][4])
    names = f.read(hdrs[shstrndx][5])
    return {names[h[0]:names.index(b'\0', h[0])].decode(): (h[1], h[3], h[4], h[5])
            for h in hdrs}


def run_gcov_exit_handlers(binary):
    """Make a UML binary write its .gcda files when it exits.

    gcc (12.2, as Debian 12 ships it) registers gcov's exit handler in
    .fini_array.00100, a destructor of priority 100.
    UML's linker scripts (arch/um/include/asm/common.lds.S, dyn.lds.S) collect
    .fini_array but not .fini_array.*, so that section is linked as an orphan
    the dynamic loader never runs, and no .gcda file is ever written (the
    "missing .gcda files" of Documentation/dev-tools/kunit/running_tips.rst).
    Point DT_FINI_ARRAY at the orphan instead; the only handler dropped is
    crtstuff's __do_global_dtors_aux, which has nothing to do at exit.
    Patches the file in place (vmlinux and linux are one inode).
    Returns False if it was already patched.
    """
    with open(binary, 'r+b') as f:
        sections = elf_sections(f)
        orphans = [n for n in sections if n.startswith('.fini_array.')]
        if len(orphans) != 1 or '.dynamic' not in sections:
            raise UserError(f'{binary}: expected one .fini_array.* section and a dynamic '
                            f'section, found {orphans or "no .fini_array.*"}')
        _, addr, _, size = sections[orphans[0]]
        _, _, dyn_off, dyn_size = sections['.dynamic']
        f.seek(dyn_off)
        dyn = f.read(dyn_size)
        entries = {tag: i for i, (tag, _) in enumerate(struct.iter_unpack('<qQ', dyn))
                   if tag in (DT_FINI_ARRAY, DT_FINI_ARRAYSZ)}
        if len(entries) != 2:
            raise UserError(f'{binary}: no DT_FINI_ARRAY in its dynamic section')
        want = {DT_FINI_ARRAY: addr, DT_FINI_ARRAYSZ: size}
        if all(struct.unpack_from('<qQ', dyn, i * 16)[1] == want[t]
               for t, i in entries.items()):
            return False
        for tag, i in entries.items():
            f.seek(dyn_off + i * 16)
            f.write(struct.pack('<qQ', tag, want[tag]))
    return True


def remove_counts(build_dir):
    """Delete .gcda files so the run's counts are not added to an older run's."""
    for root, _, names in os.walk(build_dir):
        for n in names:
            if n.endswith('.gcda'):
                os.remove(os.path.join(root, n))


def lcov(build_dir, tree, out_dir, files, log=print):
    """Capture the build's counts, keep files' records, render HTML.

    Returns the path of the kept tracefile.
    """
    rc = ['--rc', 'lcov_branch_coverage=1']
    everything = os.path.join(out_dir, 'all.info')
    kept = os.path.join(out_dir, 'compat.info')
    steps = [
        ['lcov', *rc, '--quiet', '--test-name', 'mmap_prepare', '--capture',
         '--directory', build_dir, '--base-directory', tree, '--output-file', everything],
        ['lcov', *rc, '--quiet', '--extract', everything,
         *[f'*/{f}' for f in files], '--output-file', kept],
        ['genhtml', *rc, '--quiet', '--branch-coverage', '--legend',
         '--title', 'mmap_prepare compat path', '--prefix', tree,
         '--output-directory', os.path.join(out_dir, 'html'), kept],
    ]
    for cmd in steps:
        log('mpk: ' + ' '.join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if r.returncode:
            raise UserError(f'{cmd[0]} failed: {(r.stderr or r.stdout).strip().splitlines()[-1:]}')
    return kept


def measure(target, kunit_args=(), log=print):
    """Build the gcov kernel of target, run the suite, report the compat functions.

    Returns (summary of the run, report rows, summary text, output directory).
    The tree is locked as a mutation run locks it: a mutant in the tree would
    be measured too.
    """
    spec = load_spec(target.version)
    if not os.path.isfile(os.path.join(target.tree, UML_FRAGMENT)):
        raise UserError(f'{UML_FRAGMENT} missing from {target.tree}')
    build = target.build_dir
    with mutate.lock_tree(target.tree):
        mutate.restore_journal(target.tree, log=log)
        remove_counts(build)
        extra = [f'--kunitconfig={UML_FRAGMENT}', *kunit_args]
        # Build first, so the exit handlers can be fixed before the kernel runs;
        # kunit.py run then finds nothing to rebuild.
        if not runner.build(target.tree, build, target.cache, arch=target.arch, extra=extra,
                            log=log):
            raise UserError(f'gcov build failed; see {build}/kunit-build.log')
        if run_gcov_exit_handlers(os.path.join(build, 'vmlinux')):
            log('mpk: vmlinux: DT_FINI_ARRAY pointed at gcov\'s exit handlers '
                '(.fini_array.00100; see coverage.py)')
        s = runner.judge(runner.run(target.tree, build, target.cache, arch=target.arch,
                                    extra=extra, log=log, quiet=True), target.known_bugs)
    out = targets.results_path(target.cache, 'coverage', target.version)
    os.makedirs(out, exist_ok=True)
    kept = lcov(build, target.tree, out, [*spec['functions'], *spec.get('also', {})], log=log)
    with open(kept, encoding='utf-8') as f:
        info = parse_info(f.read())

    def read_source(path):
        with open(os.path.join(target.tree, path), encoding='utf-8') as f:
            return f.read().splitlines()

    rows, stale = report(info, read_source, spec)
    text = text_summary(rows, stale)
    with open(os.path.join(out, 'summary.txt'), 'w', encoding='utf-8') as f:
        f.write(text + '\n')
    return s, rows, text, out
