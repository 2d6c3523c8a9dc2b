"""Locks between mpk processes that share a cache or a tree (flock, held until exit).

  the kernel tree   shared by every command that builds from it; exclusive
                    for the commands that change its sources (mutate,
                    coverage), which refuse rather than wait
  a build directory exclusive to one run at a time; a second run waits
  the fetch         downloads and extractions, one at a time; others wait

One open file per path and process, so a process that holds the tree shared
can take it exclusive (mpk test: the suite, then the mutants) and back.
"""
import fcntl
import hashlib
import os

from .errors import UserError

_fds = {}


def _fd(path):
    if path not in _fds:
        if os.path.isdir(path):
            _fds[path] = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            _fds[path] = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    return _fds[path]


def acquire(path, exclusive=True, wait=True, why='', log=print):
    """Lock path.  Without wait, refuse (UserError) if another process holds it;
    with wait, say why once and wait."""
    fd = _fd(path)
    op = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
    try:
        fcntl.flock(fd, op | fcntl.LOCK_NB)
        return
    except BlockingIOError:
        if not wait:
            raise UserError(f'{why}; wait for it') from None
    log(f'mpk: waiting: {why}')
    fcntl.flock(fd, op)


def release(path):
    if path in _fds:
        os.close(_fds.pop(path))


def cache_lock(cache, name):
    """The lock file of name (a build directory, 'fetch') under the cache."""
    tag = hashlib.sha1(name.encode()).hexdigest()[:12]
    return os.path.join(cache, 'locks', f'{os.path.basename(name) or "lock"}-{tag}.lock')
