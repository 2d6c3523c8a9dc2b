"""Edit->verdict at the kbuild floor: make the kernel image only, then kunit.py exec.

`kunit.py run` re-runs `make olddefconfig` on every build and builds `all
compile_commands.json scripts_gdb`, none of which a run of the suite needs
once the configuration is in place.  When the configuration is unchanged, in
kunit.py's own sense (its build_reconfig() would do nothing: the build
directory's last_used_kunitconfig equals the requested one and .config holds
every entry), mpk runs `make <kernel image>` itself, checks the .config as kunit.py's
validate_config() does, and runs the kernel with `kunit.py exec`: the boot,
the KTAP parser, the JSON and the verdicts are kunit.py's own.

`make` always runs: sources that change behind our back (KERNEL_SRC trees,
mutants) are rebuilt by kbuild, and kbuild's syncconfig takes a changed
Kconfig file into the .config as olddefconfig would.  Anything else (first
build, a changed kunitconfig, options that change the build, any surprise in
kunit.py's modules) takes kunit.py's full path.
"""
import contextlib
import dataclasses
import importlib
import os
import signal
import subprocess
import sys

# kunit.py options that only change how the built kernel is run and parsed:
# `kunit.py exec` takes them.  Any other option (--kconfig_add, --make_options,
# --alltests, --qemu_config, ...) changes the build: kunit.py's full path.
EXEC_OPTIONS = ('--timeout', '--kernel_args', '--filter', '--filter_action',
                '--run_isolated', '--raw_output', '--json', '--junit', '--summary',
                '--failed', '--qemu_args')
KUNIT_MODULES = ('kunit_kernel', 'kunit_config', 'qemu_config', 'kunit_parser',
                 'kunit_printer', 'kunit_json')


def exec_only(extra):
    """True if every extra kunit.py argument is one `kunit.py exec` takes as is."""
    for arg in extra:
        if not arg.startswith('-'):
            continue            # a filter glob
        if arg.split('=', 1)[0] not in EXEC_OPTIONS:
            return False
    return True


@contextlib.contextmanager
def kunit_modules(tree):
    """kunit_kernel and kunit_config of this tree's kunit.py, imported in-process.

    The modules are dropped again afterwards: the next tree (mpk matrix) may
    carry another version of them.  Inside, the working directory is the tree,
    as for kunit.py (it reads its arch configs by relative path).
    """
    saved_path, saved_int, saved_cwd = sys.path[:], signal.getsignal(signal.SIGINT), os.getcwd()

    def drop():
        for name in KUNIT_MODULES:
            sys.modules.pop(name, None)
    drop()
    sys.path.insert(0, os.path.join(tree, 'tools', 'testing', 'kunit'))
    os.chdir(tree)
    try:
        yield (importlib.import_module('kunit_kernel'), importlib.import_module('kunit_config'))
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        drop()
        signal.signal(signal.SIGINT, saved_int)    # LinuxSourceTree() sets its own


@dataclasses.dataclass
class Plan:
    """The make command of the fast path, and kunit.py's check of its result."""
    make: list
    validate: object        # () -> bool: kunit.py's validate_config() on the new .config


def plan(tree, build_dir, arch, kunitconfig, jobs, cross=None):
    """A Plan when the configuration is unchanged in kunit.py's sense; else (None, why)."""
    if not os.path.exists(os.path.join(build_dir, '.config')):
        return None, 'no .config yet'
    try:
        with kunit_modules(tree) as (kk, kc):
            linux = kk.LinuxSourceTree(build_dir, kunitconfig_paths=[kunitconfig], arch=arch,
                                       cross_compile=cross)
            # What build_reconfig() does before it decides that nothing is to be done.
            ops = linux._ops
            linux._kconfig = ops.make_arch_config(linux._kconfig)
            existing = kc.parse_file(kk.get_kconfig_path(build_dir))
            if linux._kunitconfig_changed(build_dir):
                return None, 'kunitconfig changed'
            if not linux._kconfig.is_subset_of(existing):
                return None, '.config lacks kunitconfig entries'
            # The image kunit.py boots: arch/*/boot/<image> for QEMU, ./linux for UML.
            image = os.path.basename(getattr(ops, '_kernel_path', 'linux'))
            cmd = ['make', image, 'ARCH=' + ops._linux_arch, 'O=' + build_dir,
                   f'--jobs={jobs}']
            if ops._cross_compile:
                cmd.append('CROSS_COMPILE=' + ops._cross_compile)
            kconfig = linux._kconfig

            def validate():
                return kconfig.is_subset_of(kc.parse_file(os.path.join(build_dir, '.config')))
            return Plan(make=cmd, validate=validate), None
    except Exception as e:   # noqa: BLE001  kunit.py of another version: take its full path
        return None, f'kunit.py internals not as expected ({type(e).__name__}: {e})'


def make(p, tree, env, out):
    """Run the plan's make in tree; True if it built and .config still has every entry."""
    r = subprocess.run(p.make, cwd=tree, env=env, stdout=subprocess.DEVNULL, stderr=out,
                       check=False)
    return r.returncode == 0 and p.validate()
