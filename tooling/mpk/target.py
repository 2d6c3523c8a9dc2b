"""The one opening every kernel command shares: arguments -> a prepared Target.

Like kunit.py's tree_from_args(): the tree is resolved (your KERNEL_SRC, or the
pinned Debian kernel, fetched into the cache), the overlay applied, and what
follows from it fixed once: version, architecture, build directory, known bugs.
"""
import dataclasses
import hashlib
import os
import time

from . import debian, locks, overlay, runner
from .errors import UserError

REPO = runner.REPO


@dataclasses.dataclass(frozen=True)
class Target:
    tree: str           # kernel source tree, overlay applied
    label: str          # its name in the cache: linux-7.3.4, or <dir>-<hash> for KERNEL_SRC
    version: str        # 7.3.4, from the tree's Makefile
    arch: str           # kunit.py --arch
    build_dir: str      # kunit.py --build_dir
    known_bugs: dict    # {case: [bug ids]} on this version (known_kernel_bugs.json)
    cache: str          # $MPK_CACHE


def cache_dir():
    base = os.environ.get('XDG_CACHE_HOME') or os.path.expanduser('~/.cache')
    return os.environ.get('MPK_CACHE') or os.path.join(base, 'mmap-prepare-kunit')


def kernel_key(kernel):
    """(key, kernels): the pinned kernel asked for, or the default."""
    default, kernels = debian.load_kernels()
    key = kernel or default
    if key not in kernels:
        raise UserError(f'unknown kernel {key!r}; known: {", ".join(kernels)}')
    return key, kernels


def resolve_tree(kernel_src, kernel, cache, log=print):
    """(tree, label): the user's tree, or the fetched Debian kernel."""
    if kernel_src:
        tree = os.path.abspath(kernel_src)
        tag = hashlib.sha1(tree.encode()).hexdigest()[:8]
        return tree, f'{os.path.basename(tree)}-{tag}'
    key, kernels = kernel_key(kernel)
    os.makedirs(cache, exist_ok=True)
    tree = debian.fetch(key, kernels, cache, log=log)
    return tree, os.path.basename(tree)


def prepare(args, kernel=None, build_suffix='', log=print, fetched=None):
    """Resolve, apply the overlay, and fix everything a run needs: a Target.

    kernel overrides args.kernel (the matrix walks the pinned kernels);
    build_suffix gives a build of another configuration its own directory;
    fetched is a tree debian.fetch() already gave (matrix --newest).
    """
    cache = cache_dir()
    tree, label = (fetched, os.path.basename(fetched)) if fetched else resolve_tree(
        args.kernel_src or os.environ.get('KERNEL_SRC'), kernel or args.kernel, cache, log=log)
    # Held until exit: no other mpk changes the tree's sources while this one
    # builds from it, and one run at a time uses a build directory.
    locks.acquire(tree, exclusive=False, log=log,
                  why=f'another mpk command (mutate, coverage) is changing {tree}')
    build = (args.build_dir or os.path.join(cache, 'build', f'{label}-{args.arch}')) + build_suffix
    locks.acquire(build_lock(cache, build), log=log, why=f'another mpk run is using {build}')
    version = overlay.apply(REPO, tree, log=log).version
    return Target(tree=tree, label=label, version=version, arch=args.arch,
                  build_dir=build, known_bugs=runner.load_known(version), cache=cache)


def build_lock(cache, build_dir):
    return locks.cache_lock(cache, os.path.abspath(build_dir))


def results_path(cache, kind, version, ext=''):
    """$MPK_CACHE/results/<kind>-<version>-<time><ext>, its folder made."""
    results = os.path.join(cache, 'results')
    os.makedirs(results, exist_ok=True)
    return os.path.join(results, f'{kind}-{version}-{time.strftime("%Y%m%dT%H%M%S")}{ext}')
