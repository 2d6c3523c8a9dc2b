"""mpk module: the tristate suites built as modules (=m), each loaded twice under QEMU.

kunit.py never loads modules, so this builds the suites with
CONFIG_MMAP_PREPARE_KUNIT_TEST=m and CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=m
in a build directory of its own, packs the two modules and a small static
/init (for each module: finit_module(), delete_module(), twice; then reboot,
which ends QEMU) into an initramfs, boots it with QEMU, and parses the KTAP
reports with the tree's own kunit_parser.  The second load of a module runs
its cases in a kernel whose WARN_ON_ONCE() sites have already fired once.
The integration and fault-injection suites are bool (built in only): no
module.  Loading is on x86_64 only (the /init is built with the host's gcc
-static); on the other architectures the =m build must compile and link.
"""
import os
import re
import subprocess
import sys
import tempfile

from . import runner, series
from .errors import UserError

# The tristate suites' modules (KBUILD_MODNAME), loaded in this order.
MODULES = ('mmap_prepare_kunit', 'mmap_prepare_mm_kunit', 'mmap_prepare_compat_kunit')
# The integration suite, bool, is left out: it would run at boot, built in, and
# its report is not a load's.
KCONFIG = ['CONFIG_MODULES=y', 'CONFIG_MODULE_UNLOAD=y', 'CONFIG_BLK_DEV_INITRD=y',
           'CONFIG_MMAP_PREPARE_KUNIT_TEST=m', 'CONFIG_MMAP_PREPARE_MM_KUNIT_TEST=m',
           'CONFIG_MMAP_PREPARE_COMPAT_KUNIT_TEST=m',
           'CONFIG_MMAP_PREPARE_INTEGRATION_KUNIT_TEST=n']
LOADS = 2
INIT_C = r'''
#include <fcntl.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const modules[] = { %(modules)s };
#define NR_MODULES (sizeof(modules) / sizeof(modules[0]))

int main(void)
{
	long load[NR_MODULES][%(loads)d], unload[NR_MODULES][%(loads)d];
	char path[256];

	for (unsigned int m = 0; m < NR_MODULES; m++) {
		snprintf(path, sizeof(path), "/%%s.ko", modules[m]);
		for (int i = 0; i < %(loads)d; i++) {
			int fd = open(path, O_RDONLY);

			load[m][i] = syscall(SYS_finit_module, fd, "", 0);
			close(fd);
			/* Files the cases closed are released by a worker, module refs with them. */
			for (int try = 0; try < 10; try++) {
				unload[m][i] = syscall(SYS_delete_module, modules[m], O_NONBLOCK);
				if (!unload[m][i])
					break;
				sleep(1);
			}
		}
	}
	/* Last, once the console has printed the reports: no line of theirs is cut. */
	sleep(2);
	for (unsigned int m = 0; m < NR_MODULES; m++)
		for (int i = 0; i < %(loads)d; i++)
			printf("mpk-init: %%s load %%d: %%ld, unload: %%ld\n", modules[m], i + 1,
			       load[m][i], unload[m][i]);
	fflush(stdout);
	/* kunit.py's x86_64 kernel has no ACPI power-off; QEMU runs with -no-reboot. */
	reboot(RB_AUTOBOOT);
	return 0;
}
'''


def cpio_newc(entries):
    """A newc cpio archive of [(name, mode, data)], as the kernel's initramfs reads it."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate([*entries, ('TRAILER!!!', 0, b'')], 1):
        raw = name.encode() + b'\0'
        fields = [ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0]
        out += b'070701' + b''.join(b'%08X' % f for f in fields) + raw
        out += b'\0' * (-len(out) % 4) + data
        out += b'\0' * (-len(out) % 4)
    return bytes(out)


def init_source(modules=MODULES, loads=LOADS):
    """The C source of /init."""
    return INIT_C % {'loads': loads, 'modules': ', '.join(f'"{m}"' for m in modules)}


def initramfs(kos, workdir):
    """The initramfs: /init (static) and the modules ({name: path of its .ko})."""
    src = os.path.join(workdir, 'init.c')
    init = os.path.join(workdir, 'init')
    with open(src, 'w', encoding='utf-8') as f:
        f.write(init_source(list(kos)))
    r = subprocess.run(['gcc', '-static', '-O2', '-o', init, src], capture_output=True, text=True,
                       check=False)
    if r.returncode:
        raise UserError('gcc -static of the initramfs /init failed: ' + r.stderr.strip()[:200])
    with open(init, 'rb') as f:
        entries = [('init', 0o100755, f.read())]
    for name, ko in kos.items():
        with open(ko, 'rb') as f:
            entries.append((f'{name}.ko', 0o100644, f.read()))
    path = os.path.join(workdir, 'initramfs.cpio')
    with open(path, 'wb') as f:
        f.write(cpio_newc(entries))
    return path


def qemu_command(build_dir, initrd):
    return ['qemu-system-x86_64', '-nodefaults', '-m', '1024', '-accel', 'tcg',
            '-kernel', os.path.join(build_dir, 'arch/x86/boot/bzImage'), '-initrd', initrd,
            '-append', 'console=ttyS0 rdinit=/init panic=-1', '-no-reboot', '-nographic',
            '-serial', 'stdio', '-bios', 'qboot.rom']


KTAP_START = re.compile(r'^(\[[\s\d.]+\]\s?)?KTAP version 1$')
INIT_LINE = re.compile(r'mpk-init: (\w+) load (\d+): (-?\d+), unload: (-?\d+)')


def reports(console):
    """The KTAP report of each load: from each top-level 'KTAP version 1' whose plan
    is not empty (the boot itself may print '1..0') to the next one."""
    lines = console.splitlines()
    starts = [i for i, ln in enumerate(lines) if KTAP_START.match(ln.rstrip())]
    parts = []
    for a, b in zip(starts, [*starts[1:], len(lines)]):
        part = [ln for ln in lines[a:b] if 'mpk-init:' not in ln]
        if not any(ln.rstrip().endswith('1..0') for ln in part[1:3]):
            parts.append(part)
    return parts


SUBTEST = re.compile(r'# Subtest: (\w+)')


def suite_of(report):
    """The suite a KTAP report of one load is about (its first subtest), or None."""
    return next((m.group(1) for m in map(SUBTEST.search, report) if m), None)


def init_results(console):
    """[(module, load, finit_module() result, delete_module() result)] as /init
    printed them."""
    return [(m.group(1), *(int(g) for g in m.groups()[1:])) for m in INIT_LINE.finditer(console)]


def parse(tree, lines):
    """kunit_parser's verdict of one load: (passed, failed, skipped, [failing cases])."""
    sys.path.insert(0, os.path.join(tree, 'tools/testing/kunit'))
    try:
        import kunit_parser
        import kunit_printer
        test = kunit_parser.parse_run_tests(lines, kunit_printer.null_printer)
    finally:
        sys.path.pop(0)
    failing = []

    def walk(t, prefix):
        for sub in t.subtests:
            name = prefix + sub.name        # '<suite>.<case>.<param>', as runner names them
            if sub.subtests:
                walk(sub, name + '.')
            elif sub.status.name not in ('SUCCESS', 'SKIPPED'):
                failing.append(name)
    walk(test, '')
    c = test.counts
    return c.passed, c.failed + c.crashed + c.errors, c.skipped, failing


def build(t, log=print):
    """The =m build; {module: path of its .ko}."""
    extra = [f'--kconfig_add={e}' for e in KCONFIG]
    if not runner.build(t.tree, t.build_dir, t.cache, arch=t.arch, extra=extra, log=log):
        raise UserError(f'the =m build failed: see {t.build_dir}/kunit-build.log')
    kos = {m: os.path.join(t.build_dir, 'mm/tests', m + '.ko') for m in MODULES}
    for ko in kos.values():
        if not os.path.exists(ko):
            raise UserError(f'no {ko}: the suite was not built as a module')
    return kos


def command(t, log=print):
    """Build =m, boot, load each module twice: ([(module, load, passed, failed,
    skipped, unexpected failing)], [problems: kernel-log splats, a load or
    unload that /init saw fail])."""
    kos = build(t, log=log)
    with tempfile.TemporaryDirectory() as work:
        cmd = qemu_command(t.build_dir, initramfs(kos, work))
        log('mpk: ' + ' '.join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True, errors='replace', timeout=600,
                           env=runner.build_env(t.cache, t.tree, t.build_dir), check=False)
    console = r.stdout + r.stderr
    with open(os.path.join(t.build_dir, 'module-console.log'), 'w', encoding='utf-8') as f:
        f.write(console)
    problems = runner.splats(console)
    # Each load's report names its suite; a module's loads come in /init's order.
    suite_module = {s.name: s.module for s in series.suites(runner.REPO)}
    loads, rows = {}, []
    for lines in reports(console):
        name = suite_module.get(suite_of(lines))
        if name not in MODULES:
            problems.append(f'a KTAP report of no module of ours: {suite_of(lines)}')
            continue
        loads[name] = loads.get(name, 0) + 1
        passed, failed, skipped, failing = parse(t.tree, lines)
        rows.append((name, loads[name], passed, failed, skipped,
                     [c for c in failing if c not in t.known_bugs]))
    results = init_results(console)
    for name, n, load, unload in results:
        log(f'mpk: /init: {name} load {n}: {load}, unload {n}: {unload}')
    problems += load_problems(results, rows, log=log)
    want = expected_reports(results)
    if len(results) != len(MODULES) * LOADS:
        problems.append(f'/init reported {len(results)} load(s), expected '
                        f'{len(MODULES) * LOADS}')
    if len(rows) != want:
        problems.append(f'{len(rows)} load report(s) in the console, expected {want}')
    return rows, problems


def pinned_by_known_bugs(rows, name, n):
    """True if load n of module name ran cases that failed for known kernel bugs:
    the leaks among them (F1, F7) leave files of the module open, whose
    f_op->owner keeps it loaded."""
    return any(r[0] == name and r[1] == n and r[3] > len(r[5]) for r in rows)


def load_problems(results, rows, log=print):
    """What /init saw fail, less what the known kernel bugs explain: a module
    that its leaked files pin cannot be unloaded, and so not loaded again."""
    problems, pinned = [], set()
    for name, n, load, unload in results:
        if name in pinned and load:
            continue        # still loaded: finit_module() refuses a second copy
        if not load and unload and pinned_by_known_bugs(rows, name, n):
            log(f'mpk: {name} stays loaded after load {n}: files of it that the kernel '
                'leaked (known kernel bugs) keep it, so it is not loaded again')
            pinned.add(name)
            continue
        if load or unload:
            problems.append(f'/init: {name} load {n} returned {load}, unload {unload}')
    return problems


def expected_reports(results):
    """How many load reports there must be: one per load that /init made."""
    return sum(1 for _, _, load, _ in results if not load)
