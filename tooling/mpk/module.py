"""mpk module: the suite built as a module (=m), and loaded twice under QEMU.

kunit.py never loads modules, so this builds the suite with
CONFIG_MMAP_PREPARE_KUNIT_TEST=m in a build directory of its own, packs the
module and a small static /init (finit_module(), delete_module(), twice;
then reboot, which ends QEMU) into an initramfs, boots it with QEMU, and parses the two
KTAP reports with the tree's own kunit_parser.  The second load exercises
the module rule of the suite's WARN_ON_ONCE() bookkeeping.  Loading is on
x86_64 only (the /init is built with the host's gcc -static); on the other
architectures the =m build must compile and link.
"""
import os
import re
import subprocess
import sys
import tempfile

from . import runner
from .errors import UserError

MODULE = 'mmap_prepare_kunit'
KCONFIG = ['CONFIG_MODULES=y', 'CONFIG_MODULE_UNLOAD=y', 'CONFIG_BLK_DEV_INITRD=y',
           'CONFIG_MMAP_PREPARE_KUNIT_TEST=m']
LOADS = 2
INIT_C = r'''
#include <fcntl.h>
#include <stdio.h>
#include <sys/reboot.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void)
{
	long load[%(loads)d], unload[%(loads)d];

	for (int i = 0; i < %(loads)d; i++) {
		int fd = open("/%(module)s.ko", O_RDONLY);

		load[i] = syscall(SYS_finit_module, fd, "", 0);
		close(fd);
		/* Files the cases closed are released by a worker, module refs with them. */
		for (int try = 0; try < 10; try++) {
			unload[i] = syscall(SYS_delete_module, "%(module)s", O_NONBLOCK);
			if (!unload[i])
				break;
			sleep(1);
		}
	}
	/* Last, once the console has printed the reports: no line of theirs is cut. */
	sleep(2);
	for (int i = 0; i < %(loads)d; i++)
		printf("mpk-init: load %%d: %%ld, unload: %%ld\n", i + 1, load[i], unload[i]);
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


def initramfs(ko, workdir):
    """The initramfs: /init (static) and the module."""
    src = os.path.join(workdir, 'init.c')
    init = os.path.join(workdir, 'init')
    with open(src, 'w', encoding='utf-8') as f:
        f.write(INIT_C % {'loads': LOADS, 'module': MODULE})
    r = subprocess.run(['gcc', '-static', '-O2', '-o', init, src], capture_output=True, text=True,
                       check=False)
    if r.returncode:
        raise UserError('gcc -static of the initramfs /init failed: ' + r.stderr.strip()[:200])
    with open(init, 'rb') as f:
        init_data = f.read()
    with open(ko, 'rb') as f:
        ko_data = f.read()
    path = os.path.join(workdir, 'initramfs.cpio')
    with open(path, 'wb') as f:
        f.write(cpio_newc([('init', 0o100755, init_data), (f'{MODULE}.ko', 0o100644, ko_data)]))
    return path


def qemu_command(build_dir, initrd):
    return ['qemu-system-x86_64', '-nodefaults', '-m', '1024', '-accel', 'tcg',
            '-kernel', os.path.join(build_dir, 'arch/x86/boot/bzImage'), '-initrd', initrd,
            '-append', 'console=ttyS0 rdinit=/init panic=-1', '-no-reboot', '-nographic',
            '-serial', 'stdio', '-bios', 'qboot.rom']


KTAP_START = re.compile(r'^(\[[\s\d.]+\]\s?)?KTAP version 1$')
INIT_LINE = re.compile(r'mpk-init: load (\d+): (-?\d+), unload: (-?\d+)')


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


def init_results(console):
    """[(load, finit_module() result, delete_module() result)] as /init printed them."""
    return [tuple(int(g) for g in m.groups()) for m in INIT_LINE.finditer(console)]


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
            name = f'{prefix}{sub.name}' if prefix else sub.name
            if sub.subtests:
                walk(sub, '' if sub.name == runner.SUITE else name + '.')
            elif sub.status.name not in ('SUCCESS', 'SKIPPED'):
                failing.append(name)
    walk(test, '')
    c = test.counts
    return c.passed, c.failed + c.crashed + c.errors, c.skipped, failing


def build(t, log=print):
    """The =m build; the path of the module."""
    extra = [f'--kconfig_add={e}' for e in KCONFIG]
    if not runner.build(t.tree, t.build_dir, t.cache, arch=t.arch, extra=extra, log=log):
        raise UserError(f'the =m build failed: see {t.build_dir}/kunit-build.log')
    ko = os.path.join(t.build_dir, 'mm/tests', MODULE + '.ko')
    if not os.path.exists(ko):
        raise UserError(f'no {ko}: the suite was not built as a module')
    return ko


def command(t, log=print):
    """Build =m, boot, load twice: ([(load, passed, failed, skipped, unexpected failing)],
    [problems: kernel-log splats, a load or unload that /init saw fail])."""
    ko = build(t, log=log)
    with tempfile.TemporaryDirectory() as work:
        cmd = qemu_command(t.build_dir, initramfs(ko, work))
        log('mpk: ' + ' '.join(cmd))
        r = subprocess.run(cmd, capture_output=True, text=True, errors='replace', timeout=600,
                           env=runner.build_env(t.cache, t.tree, t.build_dir), check=False)
    console = r.stdout + r.stderr
    with open(os.path.join(t.build_dir, 'module-console.log'), 'w', encoding='utf-8') as f:
        f.write(console)
    problems = runner.splats(console)
    for n, load, unload in init_results(console):
        log(f'mpk: /init: load {n}: {load}, unload {n}: {unload}')
        if load or unload:
            problems.append(f'/init: load {n} returned {load}, unload {unload}')
    rows = []
    for n, lines in enumerate(reports(console), 1):
        passed, failed, skipped, failing = parse(t.tree, lines)
        rows.append((n, passed, failed, skipped,
                     [c for c in failing if c not in t.known_bugs]))
    return rows, problems
