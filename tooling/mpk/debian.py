"""Fetch Debian kernel sources through a private apt configuration.

The system's apt sources are never touched: a private sources.list, lists
and cache directory live under the project cache, APT_CONFIG points at them,
and apt is only asked to *download*.  The mirror URI is read from the
system's own apt configuration, so no registry host name is written down
anywhere in this project.
"""
import functools
import json
import os
import re
import shutil
import subprocess
import tarfile

from . import locks
from .errors import UserError

KERNELS_FILE = os.path.join(os.path.dirname(__file__), 'kernels.json')
KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg'


def load_kernels(path=KERNELS_FILE):
    with open(path, encoding='utf-8') as f:
        data = json.load(f)
    return data['default'], data['kernels']


def upstream_version(debian_version):
    """'7.3.4-1~bpo13+1' -> '7.3.4'."""
    return debian_version.split('-', 1)[0]


def pick_mirror(indextargets_output):
    """Choose the Debian main archive among `apt-get indextargets` lines.

    Each line is 'REPO_URI|RELEASE|TARGET_OF|LABEL'.  A repository labelled
    'Debian' wins; without release information (lists never fetched) the
    first binary repository that is not a security archive is taken.
    """
    candidates = []
    for line in indextargets_output.splitlines():
        parts = line.strip().split('|')
        if len(parts) != 4 or parts[2] != 'deb':
            continue
        uri, release, _, label = parts
        if label == 'Debian':
            return uri.rstrip('/')
        if not label and 'security' not in release + uri:
            candidates.append(uri.rstrip('/'))
    return candidates[0] if candidates else None


def system_mirror():
    """The Debian mirror configured on this system (no host name is hard-coded)."""
    fmt = '$(REPO_URI)|$(RELEASE)|$(TARGET_OF)|$(LABEL)'
    out = ''
    for extra in ([], ['--no-release-info']):
        try:
            out = subprocess.run(['apt-get', 'indextargets', *extra, '--format',
                                  fmt], capture_output=True, text=True,
                                 check=False).stdout
        except FileNotFoundError:
            break
        # Without release information the label is not expanded.
        out = out.replace('$(LABEL)', '')
        if out.strip():
            break
    mirror = pick_mirror(out)
    if not mirror:
        raise UserError('no Debian mirror found in the system apt configuration '
                        '(apt-get indextargets lists none)')
    return mirror


def write_apt_config(root, mirror, suites):
    """Write a private apt configuration under root; return its path."""
    for d in ('lists/partial', 'cache/archives/partial', 'etc'):
        os.makedirs(os.path.join(root, d), exist_ok=True)
    sources = os.path.join(root, 'etc', 'sources.list')
    lines = []
    for suite in sorted(set(suites)):
        for kind in ('deb', 'deb-src'):
            lines.append(f'{kind} [signed-by={KEYRING}] {mirror} {suite} main')
    _write_if_changed(sources, '\n'.join(lines) + '\n')
    conf = os.path.join(root, 'apt.conf')
    _write_if_changed(conf, ''.join(f'{k} "{v}";\n' for k, v in (
        ('Dir::Etc::sourcelist', sources),
        ('Dir::Etc::sourceparts', '-'),
        ('Dir::State::lists', os.path.join(root, 'lists')),
        ('Dir::Cache', os.path.join(root, 'cache')),
        ('APT::Sandbox::User', 'root'),
    )))
    return conf


def _write_if_changed(path, text):
    try:
        with open(path, encoding='utf-8') as f:
            if f.read() == text:
                return
    except FileNotFoundError:
        pass
    with open(path, 'w', encoding='utf-8') as f:
        f.write(text)


class Apt:
    """apt-get/apt-cache bound to a private configuration."""

    def __init__(self, root, suites, mirror=None, log=print):
        self.root = root
        self.conf = write_apt_config(root, mirror or system_mirror(), suites)
        self.env = dict(os.environ, APT_CONFIG=self.conf, LC_ALL='C')
        self.log = log
        self._updated = False

    def _run(self, args, cwd=None):
        return subprocess.run(args, cwd=cwd, env=self.env, text=True,
                              capture_output=True, check=False)

    def update(self):
        if self._updated:
            return
        self.log('mpk: apt-get update (private configuration)')
        r = self._run(['apt-get', 'update'])
        if r.returncode != 0:
            last = (r.stderr.strip().splitlines() or ['?'])[-1]
            raise UserError(f'apt-get update failed (no network?): {last}')
        self._updated = True

    def offered(self, pattern):
        """'package=version' for every binary package whose name matches."""
        names = self._run(['apt-cache', 'search', '--names-only', pattern]).stdout
        out = []
        for pkg in sorted({ln.split(' - ')[0] for ln in names.splitlines() if ln}):
            for ln in self._run(['apt-cache', 'madison', pkg]).stdout.splitlines():
                f = [x.strip() for x in ln.split('|')]
                if len(f) >= 3 and f[0] == pkg and 'Packages' in f[2]:
                    out.append(f'{pkg}={f[1]}')
        return out

    def versions(self, package, source=False):
        """The Debian versions of package (binary, or with source its source) offered."""
        kind = 'Sources' if source else 'Packages'
        out = []
        for ln in self._run(['apt-cache', 'madison', package]).stdout.splitlines():
            f = [x.strip() for x in ln.split('|')]
            if len(f) >= 3 and f[0] == package and f[2].endswith(kind):
                out.append(f[1])
        return out

    def download(self, package, version, dest):
        return self._run(['apt-get', 'download', f'{package}={version}'], cwd=dest)

    def source(self, package, version, dest):
        return self._run(['apt-get', 'source', '--download-only',
                          f'{package}={version}'], cwd=dest)


# Where a newer linux-source-X.Y appears first: matrix --newest asks all of them
# (through the private configuration, download only).
NEWEST_SUITES = ('experimental', 'sid', 'forky', 'trixie-backports')


def newest_offered(apt):
    """(package, Debian version) of the newest linux-source-X.Y apt offers."""
    apt.update()
    offered = [o.split('=', 1) for o in apt.offered(r'^linux-source-[0-9.]+$')]
    if not offered:
        raise UserError('no linux-source-X.Y package is offered by any suite asked '
                        f'({", ".join(NEWEST_SUITES)})')
    package, version = max(offered, key=lambda o: version_key(o[1]))
    return package, version


def deb_name(package, version):
    return f'{package}_{version.replace(":", "%3a")}_all.deb'


def series_of(version):
    """'7.3.4-1~bpo13+1', '7.3.4' or '7.3~rc7-1~exp1' -> '7.3'."""
    m = re.match(r'\d+\.\d+', upstream_version(version))
    return m.group(0) if m else upstream_version(version)


def _order(c):
    """dpkg's weight of one character of a non-digit run: '~' before the end of the
    run, the end before letters, letters before everything else."""
    return -1 if c == '~' else 0 if not c else ord(c) if c.isalpha() else ord(c) + 256


def _sign(x, y):
    return (x > y) - (x < y)


def _compare_part(a, b):
    """dpkg's comparison of two upstream versions or two revisions: -1, 0 or 1."""
    while a or b:
        da, db = re.match(r'\D*', a).group(0), re.match(r'\D*', b).group(0)
        for i in range(max(len(da), len(db))):
            if c := _sign(_order(da[i:i + 1]), _order(db[i:i + 1])):
                return c
        a, b = a[len(da):], b[len(db):]
        na, nb = re.match(r'\d*', a).group(0), re.match(r'\d*', b).group(0)
        if c := _sign(int(na or 0), int(nb or 0)):
            return c
        a, b = a[len(na):], b[len(nb):]
    return 0


def _compare(a, b):
    """Debian versions compared as dpkg does: epoch, upstream version, revision."""
    def split(v):
        epoch, _, rest = v.partition(':') if ':' in v else ('0', '', v)
        up, _, rev = rest.rpartition('-') if '-' in rest else (rest, '', '')
        return int(epoch or 0), up, rev
    (ea, ua, ra), (eb, ub, rb) = split(a), split(b)
    return _sign(ea, eb) or _compare_part(ua, ub) or _compare_part(ra, rb)


# Sort key with dpkg's order: 7.3~rc7-1~exp1 < 7.3.4-1~bpo13+1 < 7.3.4-1 < 7.10.1-1.
version_key = functools.cmp_to_key(_compare)


def _tree(cache, version):
    return os.path.join(cache, 'src', f'linux-{upstream_version(version)}')


def _complete(tree):
    """Trees appear by rename only once fully extracted (extract())."""
    return os.path.isfile(os.path.join(tree, 'Makefile'))


def newer_cached_tree(cache, version):
    """The newest complete tree of version's series newer than version: one an
    earlier run took because version was no longer offered."""
    series, base = series_of(version), version_key(upstream_version(version))
    found = []
    for name in os.listdir(os.path.join(cache, 'src')) if os.path.isdir(
            os.path.join(cache, 'src')) else []:
        m = re.fullmatch(r'linux-(\d+\.\d+\.\d+)', name)
        if m and series_of(m.group(1)) == series and version_key(m.group(1)) > base \
                and _complete(os.path.join(cache, 'src', name)):
            found.append(m.group(1))
    return max(found, key=version_key) if found else None


def fetch(key, kernels, cache, log=print, apt=None):
    """Return the path of an extracted kernel tree for kernels[key].

    Downloads and extracts only what is not cached yet; one process at a
    time (others wait).  When the pinned version is no longer offered, the
    newest of its series that is offered is taken, and mpk says so.
    """
    k = kernels[key]
    tree = _tree(cache, k['version'])
    if _complete(tree):
        return tree
    os.makedirs(cache, exist_ok=True)
    lock = locks.cache_lock(cache, 'fetch')
    locks.acquire(lock, log=log, why='another mpk is downloading or extracting a kernel')
    try:
        if _complete(tree):
            return tree
        newer = newer_cached_tree(cache, k['version'])
        if newer:
            log(f'mpk: using the cached Linux {newer}: {k["package"]}={k["version"]} was no '
                f'longer offered when it was fetched')
            return _tree(cache, newer)
        archive, version = download(key, kernels, cache, log=log, apt=apt)
        tree = _tree(cache, version)
        if not _complete(tree):
            check_disk(cache, 4 << 30)
            log(f'mpk: extracting {os.path.basename(archive)}')
            extract(archive, tree, k['kind'])
        return tree
    finally:
        locks.release(lock)


def _archive_name(k, version):
    if k['kind'] == 'linux-source':
        return deb_name(k['package'], version)
    return f'linux_{upstream_version(version)}.orig.tar.xz'


def _get(apt, k, version, downloads, log):
    """Download version into downloads/partial, then move the archive into place:
    a download cut off (even by SIGKILL) never leaves a file a later run takes
    for whole.  (path or None, apt's result)."""
    partial = os.path.join(downloads, 'partial')
    shutil.rmtree(partial, ignore_errors=True)
    os.makedirs(partial)
    log(f'mpk: downloading {k["package"]}={version} ({k["suite"]})')
    if k['kind'] == 'linux-source':
        r = apt.download(k['package'], version, partial)
    else:
        r = apt.source(k['package'], version, partial)
    name = _archive_name(k, version)
    # An older upload's packaging files may be gone while the tarball is
    # still served: judge by the file, not by apt's exit status.
    if not os.path.isfile(os.path.join(partial, name)):
        return None, r
    os.replace(os.path.join(partial, name), os.path.join(downloads, name))
    shutil.rmtree(partial, ignore_errors=True)
    return os.path.join(downloads, name), r


def download(key, kernels, cache, log=print, apt=None):
    """(archive, Debian version) of kernels[key], downloaded if not cached: the
    pinned version, or if the mirror no longer offers it the newest of its series."""
    k = kernels[key]
    downloads = os.path.join(cache, 'downloads')
    os.makedirs(downloads, exist_ok=True)
    archive = os.path.join(downloads, _archive_name(k, k['version']))
    if os.path.isfile(archive):
        return archive, k['version']
    apt = apt or Apt(os.path.join(cache, 'apt'),
                     [v['suite'] for v in kernels.values()], log=log)
    apt.update()
    got, r = _get(apt, k, k['version'], downloads, log)
    if got:
        return got, k['version']
    series = series_of(k['version'])
    same = [v for v in apt.versions(k['package'], source=k['kind'] == 'orig')
            if series_of(v) == series and version_key(v) > version_key(k['version'])]
    if same:
        newest = max(same, key=version_key)
        log(f'mpk: {k["package"]}={k["version"]} is no longer offered; taking the newest '
            f'{series}.x offered, {newest} (the pin is in {os.path.relpath(KERNELS_FILE)})')
        got, r = _get(apt, k, newest, downloads, log)
        if got:
            return got, newest
    offered = apt.offered(r'^linux-source-[0-9.]+$')
    default, _ = load_kernels()
    raise UserError(
        f'{k["package"]}={k["version"]} is not offered by the mirror, nor any other '
        f'{series}.x ({(r.stderr.strip().splitlines() or ["?"])[-1]}); '
        f'offered: {", ".join(offered) or "none"}; kernels are pinned, and the default '
        f'("{default}") set, in {os.path.relpath(KERNELS_FILE)}')


def check_disk(path, need):
    free = shutil.disk_usage(path).free
    if free < need:
        raise UserError(f'only {free >> 20} MiB free under {path}; '
                        f'a kernel tree and its build need {need >> 30} GiB')


def extract(archive, tree, kind):
    """Extract to tree.tmp, then rename: a cut-off extraction is never reused."""
    tmp = tree + '.tmp'
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    if kind == 'linux-source':
        # The .deb carries usr/src/linux-source-X.Y.tar.xz.
        deb = subprocess.Popen(['dpkg-deb', '--fsys-tarfile', archive],
                               stdout=subprocess.PIPE)
        with tarfile.open(fileobj=deb.stdout, mode='r|') as outer:
            for member in outer:
                if member.name.endswith('.tar.xz') and '/usr/src/' in '/' + member.name:
                    inner = outer.extractfile(member)
                    _untar_strip(['-xJ'], tmp, stdin=inner)
                    break
            else:
                raise UserError(f'{archive}: no kernel tarball inside')
        deb.stdout.close()
        deb.wait()
    else:
        with open(archive, 'rb') as f:
            _untar_strip(['-xJ'], tmp, stdin=f)
    os.rename(tmp, tree)


def _untar_strip(args, dest, stdin):
    p = subprocess.Popen(['tar', *args, '--strip-components=1', '-C', dest],
                         stdin=subprocess.PIPE)
    shutil.copyfileobj(stdin, p.stdin, 1 << 20)
    p.stdin.close()
    if p.wait() != 0:
        raise UserError(f'tar failed extracting into {dest}')
