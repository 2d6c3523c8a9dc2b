"""Kernel fetching: private apt configuration, mirror choice, caching, errors."""
import os
import re
import subprocess
import unittest

from fakes import REPO, TempDirs, read, write
from mpk import debian
from mpk.errors import UserError

MIRROR = 'http://mirror.invalid/debian'


class MirrorTest(unittest.TestCase):

    def test_debian_label_wins_over_security_and_third_party(self):
        out = ('http://mirror.invalid/debian-security/|bookworm-security|deb|Debian-Security\n'
               'http://vendor.invalid/apt/|stable|deb|Vendor\n'
               'http://mirror.invalid/debian/|bookworm|deb|Debian\n')
        self.assertEqual(debian.pick_mirror(out), MIRROR)

    def test_without_release_info_first_non_security_repo(self):
        out = ('http://mirror.invalid/debian-security/|bookworm-security|deb|\n'
               'http://mirror.invalid/debian/|bookworm|deb-src|\n'
               'http://mirror.invalid/debian/|bookworm|deb|\n')
        self.assertEqual(debian.pick_mirror(out), MIRROR)

    def test_nothing_configured(self):
        self.assertIsNone(debian.pick_mirror(''))


class AptConfigTest(TempDirs, unittest.TestCase):

    def test_private_configuration_leaves_system_sources_alone(self):
        root = self.tmp()
        conf = debian.write_apt_config(root, MIRROR, ['trixie-backports', 'sid'])
        text = read(root, 'apt.conf')
        self.assertEqual(conf, os.path.join(root, 'apt.conf'))
        self.assertIn('Dir::Etc::sourceparts "-";', text)
        for key in ('Dir::Etc::sourcelist', 'Dir::State::lists', 'Dir::Cache'):
            value = re.search(key + r' "([^"]+)";', text).group(1)
            self.assertTrue(value.startswith(root), (key, value))
        sources = read(root, 'etc/sources.list').splitlines()
        self.assertIn(f'deb-src [signed-by={debian.KEYRING}] {MIRROR} sid main', sources)
        self.assertEqual(len(sources), 4)

    def test_no_registry_host_is_written_in_the_repository(self):
        hosts = re.compile(r'[a-z0-9-]+\.debian\.org|deb\.nodesource|packages\.cloud')
        tracked = subprocess.run(['git', '-C', REPO, 'ls-files'], capture_output=True,
                                 text=True, check=True).stdout.split()
        for rel in tracked:
            path = os.path.join(REPO, rel)
            if os.path.isfile(path):
                with open(path, encoding='utf-8', errors='replace') as f:
                    self.assertIsNone(hosts.search(f.read()), rel)


class FakeApt:
    """Stands in for debian.Apt: 'downloads' by writing prepared files."""

    def __init__(self, provide=None, rc=0):
        self.provide, self.rc, self.calls = provide, rc, []

    def update(self):
        self.calls.append('update')

    def _get(self, dest):
        if self.provide:
            self.provide(dest)
        return subprocess.CompletedProcess([], self.rc, '', 'E: Unable to find a source package')

    def download(self, package, version, dest):
        self.calls.append(f'download {package}={version}')
        return self._get(dest)

    def source(self, package, version, dest):
        self.calls.append(f'source {package}={version}')
        return self._get(dest)

    def offered(self, pattern):
        return ['linux-source-7.3=7.3.9-1~bpo13+1']


def orig_tarball(dest, version='6.18.15'):
    """linux_<v>.orig.tar.xz holding linux-<v>/Makefile, as Debian ships it."""
    src = os.path.join(dest, 'src-' + version)
    write(src, f'linux-{version}/Makefile', 'VERSION = 6\nPATCHLEVEL = 18\nSUBLEVEL = 15\n')
    subprocess.run(['tar', '-cJf', os.path.join(dest, f'linux_{version}.orig.tar.xz'),
                    '-C', src, f'linux-{version}'], check=True)


def source_deb(dest, package='linux-source-7.3', version='7.3.4-1~bpo13+1'):
    """A linux-source-X.Y .deb: usr/src/linux-source-X.Y.tar.xz inside."""
    stage = os.path.join(dest, 'stage')
    inner = os.path.join(dest, 'inner')
    write(inner, 'linux-source-7.3/Makefile', 'VERSION = 7\nPATCHLEVEL = 3\nSUBLEVEL = 4\n')
    os.makedirs(os.path.join(stage, 'usr/src'))
    subprocess.run(['tar', '-cJf', os.path.join(stage, 'usr/src/linux-source-7.3.tar.xz'),
                    '-C', inner, 'linux-source-7.3'], check=True)
    write(stage, 'DEBIAN/control', f'Package: {package}\nVersion: {version}\n'
          'Architecture: all\nMaintainer: t <t@t>\nDescription: test\n')
    subprocess.run(['dpkg-deb', '-Zxz', '--build', stage,
                    os.path.join(dest, debian.deb_name(package, version))],
                   check=True, capture_output=True)


class FetchTest(TempDirs, unittest.TestCase):

    def setUp(self):
        _, self.kernels = debian.load_kernels()

    def test_pinned_versions_live_in_one_file(self):
        default, kernels = debian.load_kernels()
        self.assertIn(default, kernels)
        for k in kernels.values():
            self.assertIn(k['kind'], ('linux-source', 'orig'))
            self.assertTrue({'package', 'version', 'suite'} <= set(k))

    def test_linux_source_deb_is_downloaded_and_extracted(self):
        cache = self.tmp()
        apt = FakeApt(provide=source_deb)
        tree = debian.fetch('7.3', self.kernels, cache, log=lambda m: None, apt=apt)
        self.assertEqual(tree, os.path.join(cache, 'src', 'linux-7.3.4'))
        self.assertIn('PATCHLEVEL = 3', read(tree, 'Makefile'))
        self.assertEqual(apt.calls, ['update', 'download linux-source-7.3=7.3.4-1~bpo13+1'])

    def test_cached_tree_needs_no_apt(self):
        cache = self.tmp()
        write(cache, 'src/linux-7.3.4/Makefile', 'VERSION = 7\n')
        apt = FakeApt()
        debian.fetch('7.3', self.kernels, cache, log=lambda m: None, apt=apt)
        self.assertEqual(apt.calls, [])

    def test_orig_tarball_counts_even_when_apt_fails(self):
        # Old uploads: packaging files gone (apt exits non-zero), tarball served.
        cache = self.tmp()
        apt = FakeApt(provide=orig_tarball, rc=100)
        tree = debian.fetch('6.18', self.kernels, cache, log=lambda m: None, apt=apt)
        self.assertIn('PATCHLEVEL = 18', read(tree, 'Makefile'))

    def test_version_no_longer_offered_lists_what_is(self):
        cache = self.tmp()
        with self.assertRaises(UserError) as cm:
            debian.fetch('7.3', self.kernels, cache, log=lambda m: None, apt=FakeApt(rc=100))
        msg = str(cm.exception)
        self.assertIn('linux-source-7.3=7.3.4-1~bpo13+1 is not offered', msg)
        self.assertIn('offered: linux-source-7.3=7.3.9-1~bpo13+1', msg)
        self.assertNotIn('\n', msg)
        self.assertFalse(os.path.exists(os.path.join(cache, 'src', 'linux-7.3.4')))

    def test_interrupted_extraction_is_not_reused(self):
        cache = self.tmp()
        write(cache, 'src/linux-6.18.15.tmp/half', 'x')
        tree = debian.fetch('6.18', self.kernels, cache, log=lambda m: None,
                            apt=FakeApt(provide=orig_tarball))
        self.assertFalse(os.path.exists(os.path.join(tree, 'half')))
        self.assertFalse(os.path.exists(tree + '.tmp'))


if __name__ == '__main__':
    unittest.main()
