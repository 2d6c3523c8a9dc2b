"""Kernel fetching: private apt configuration, mirror choice, caching, errors."""
import argparse
import json
import os
import re
import subprocess
import threading
import unittest
from unittest import mock

from fakes import REPO, TempDirs, hold_lock, read, write
from mpk import debian, locks, matrix, runner, target as targets
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
    """Stands in for debian.Apt: 'downloads' by writing prepared files.

    offer: the Debian versions the mirror offers; provide(dest, version)
    writes the archive of a version it offers (None: it writes nothing).
    """

    def __init__(self, provide=None, rc=0, offer=('7.3.4-1~bpo13+1',),
                 others=('linux-source-7.3=7.3.9-1~bpo13+1',)):
        self.provide, self.rc, self.calls = provide, rc, []
        self.offer, self.others = list(offer), list(others)

    def update(self):
        self.calls.append('update')

    def _get(self, dest, version):
        if self.provide and version in self.offer:
            self.provide(dest, version)
        return subprocess.CompletedProcess([], self.rc, '', 'E: Unable to find a source package')

    def download(self, package, version, dest):
        self.calls.append(f'download {package}={version}')
        return self._get(dest, version)

    def source(self, package, version, dest):
        self.calls.append(f'source {package}={version}')
        return self._get(dest, version)

    def versions(self, package, source=False):
        self.calls.append(f'versions {package}')
        return list(self.offer)

    def offered(self, pattern):
        return list(self.others)


def orig_tarball(dest, version='6.18.15'):
    """linux_<v>.orig.tar.xz holding linux-<v>/Makefile, as Debian ships it."""
    version = debian.upstream_version(version)
    src = os.path.join(dest, 'src-' + version)
    write(src, f'linux-{version}/Makefile', 'VERSION = 6\nPATCHLEVEL = 18\nSUBLEVEL = 15\n')
    subprocess.run(['tar', '-cJf', os.path.join(dest, f'linux_{version}.orig.tar.xz'),
                    '-C', src, f'linux-{version}'], check=True)


def source_deb(dest, version='7.3.4-1~bpo13+1', package='linux-source-7.3'):
    """A linux-source-X.Y .deb: usr/src/linux-source-X.Y.tar.xz inside."""
    stage = os.path.join(dest, 'stage')
    inner = os.path.join(dest, 'inner')
    major, minor, sub = debian.upstream_version(version).split('.')[:3]
    name = f'linux-source-{major}.{minor}'
    write(inner, f'{name}/Makefile',
          f'VERSION = {major}\nPATCHLEVEL = {minor}\nSUBLEVEL = {sub}\n')
    os.makedirs(os.path.join(stage, 'usr/src'))
    subprocess.run(['tar', '-cJf', os.path.join(stage, f'usr/src/{name}.tar.xz'),
                    '-C', inner, name], check=True)
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
        apt = FakeApt(provide=orig_tarball, rc=100, offer=['6.18.15-1~bpo13+1'])
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
                            apt=FakeApt(provide=orig_tarball, offer=['6.18.15-1~bpo13+1']))
        self.assertFalse(os.path.exists(os.path.join(tree, 'half')))
        self.assertFalse(os.path.exists(tree + '.tmp'))


class SurvivesUpdatesTest(TempDirs, unittest.TestCase):
    """Debian moves on: 7.3.4 gone, 7.3.5 offered; the series gone; no network."""

    def setUp(self):
        _, self.kernels = debian.load_kernels()
        self.said = []

    def fetch(self, cache, apt, key='7.3'):
        return debian.fetch(key, self.kernels, cache, log=self.said.append, apt=apt)

    def test_pinned_patch_release_gone_takes_the_newest_of_its_series_and_says_so(self):
        cache = self.tmp()
        apt = FakeApt(provide=source_deb, offer=['7.3.3-1', '7.3.5-1~bpo13+1', '7.3.5-1'])
        tree = self.fetch(cache, apt)
        self.assertEqual(tree, os.path.join(cache, 'src', 'linux-7.3.5'))
        self.assertIn('SUBLEVEL = 5', read(tree, 'Makefile'))
        # dpkg's order: the backport (~bpo) sorts before the upload it was made from.
        self.assertIn('download linux-source-7.3=7.3.5-1', apt.calls)
        self.assertTrue(any('linux-source-7.3=7.3.4-1~bpo13+1 is no longer offered; taking '
                            'the newest 7.3.x offered, 7.3.5-1' in m for m in self.said),
                        self.said)
        # Later, offline: the tree it took serves, and mpk says which it is.
        offline = FakeApt(offer=[])
        offline.update = lambda: self.fail('no network wanted')
        self.assertEqual(self.fetch(cache, offline), tree)
        self.assertIn('using the cached Linux 7.3.5', self.said[-1])

    def test_pinned_patch_release_gone_never_takes_an_older_release_candidate(self):
        apt = FakeApt(provide=source_deb, offer=['7.3~rc7-1~exp1'], others=[])
        with self.assertRaises(UserError) as cm:
            self.fetch(self.tmp(), apt)
        self.assertIn('nor any other 7.3.x', str(cm.exception))
        self.assertNotIn('download linux-source-7.3=7.3~rc7-1~exp1', apt.calls)

    def test_whole_series_gone_is_one_line_naming_what_is_offered_and_the_pin(self):
        cache = self.tmp()
        apt = FakeApt(provide=source_deb, offer=[], others=['linux-source-7.4=7.4.1-1'])
        with self.assertRaises(UserError) as cm:
            self.fetch(cache, apt)
        msg = str(cm.exception)
        self.assertNotIn('\n', msg)
        self.assertIn('nor any other 7.3.x', msg)
        self.assertIn('offered: linux-source-7.4=7.4.1-1', msg)
        self.assertIn('default ("7.3") set, in tooling/mpk/kernels.json', msg.replace(
            os.path.relpath(debian.KERNELS_FILE), 'tooling/mpk/kernels.json'))

    def test_offline_with_a_cold_cache_is_one_clear_line(self):
        cache = self.tmp()
        apt = debian.Apt(os.path.join(cache, 'apt'), ['trixie-backports'],
                         mirror='file:///nonexistent', log=lambda m: None)
        apt._run = lambda args, cwd=None: subprocess.CompletedProcess(
            args, 100, '', 'W: Some index files failed to download.\n'
            'E: Temporary failure resolving the mirror')
        with self.assertRaises(UserError) as cm:
            self.fetch(cache, apt)
        self.assertEqual(str(cm.exception), 'apt-get update failed (no network?): '
                         'E: Temporary failure resolving the mirror')

    def test_a_download_killed_midway_is_never_taken_for_whole(self):
        cache = self.tmp()

        def half_then_killed(dest, version):
            with open(os.path.join(dest, debian.deb_name('linux-source-7.3', version)), 'wb') as f:
                f.write(b'!<arch>\n half')
            raise KeyboardInterrupt      # the process dies here (SIGKILL leaves the same)
        with self.assertRaises(KeyboardInterrupt):
            self.fetch(cache, FakeApt(provide=half_then_killed))
        downloads = os.path.join(cache, 'downloads')
        self.assertFalse(os.path.exists(os.path.join(
            downloads, debian.deb_name('linux-source-7.3', '7.3.4-1~bpo13+1'))))
        tree = self.fetch(cache, FakeApt(provide=source_deb))
        self.assertIn('SUBLEVEL = 4', read(tree, 'Makefile'))
        self.assertFalse(os.path.exists(os.path.join(downloads, 'partial')))

    def test_a_second_fetch_waits_for_the_first(self):
        cache = self.tmp()
        other = hold_lock(locks.cache_lock(cache, 'fetch'))
        threading.Timer(1.0, other.kill).start()
        tree = self.fetch(cache, FakeApt(provide=source_deb))
        other.wait()
        self.assertTrue(os.path.isfile(os.path.join(tree, 'Makefile')))
        self.assertIn('mpk: waiting: another mpk is downloading or extracting a kernel',
                      self.said)


if __name__ == '__main__':
    unittest.main()


class NewestTest(TempDirs, unittest.TestCase):
    """mpk matrix --newest: the day Debian ships 7.4, no code change, no pin."""

    OFFERED = ['linux-source-7.3=7.3.4-1~bpo13+1', 'linux-source-7.4=7.4.1-1~exp1',
               'linux-source-7.2=7.2.13-1']

    def test_versions_are_ordered_as_dpkg_orders_them(self):
        order = ['7.3~rc7-1~exp1', '7.3-1', '7.3.4-1~bpo13+1', '7.3.4-1', '7.3.4-1+b1',
                 '7.3.4-2', '7.3.5-1~bpo13+1', '7.10.1-1', '1:6.0-1']
        self.assertEqual(sorted(reversed(order), key=debian.version_key), order)
        self.assertEqual(debian.version_key('7.3.4-1'), debian.version_key('7.3.4-01'))
        self.assertEqual(debian.series_of('7.3~rc7-1~exp1'), '7.3')
        self.assertEqual(debian.series_of('6.19.11-1~bpo13+1'), '6.19')

    def test_a_release_candidate_in_experimental_is_not_newer_than_its_release(self):
        apt = FakeApt(others=['linux-source-7.3=7.3~rc7-1~exp1',
                              'linux-source-7.3=7.3.4-1~bpo13+1'])
        self.assertEqual(debian.newest_offered(apt), ('linux-source-7.3', '7.3.4-1~bpo13+1'))
        apt = FakeApt(others=['linux-source-7.4=7.4~rc3-1~exp1',
                              'linux-source-7.3=7.3.4-1~bpo13+1'])
        self.assertEqual(debian.newest_offered(apt), ('linux-source-7.4', '7.4~rc3-1~exp1'))

    def test_the_newest_offered_is_compared_by_version_not_by_text(self):
        apt = FakeApt(others=['linux-source-7.9=7.9.2-1', 'linux-source-7.10=7.10.1-1'])
        self.assertEqual(debian.newest_offered(apt), ('linux-source-7.10', '7.10.1-1'))
        with self.assertRaises(UserError):
            debian.newest_offered(FakeApt(others=[]))

    def test_a_new_series_is_fetched_run_and_each_finding_said_to_pass_or_not(self):
        cache, build = self.tmp(), self.tmp()
        apt = FakeApt(provide=lambda d, v: source_deb(d, v, 'linux-source-7.4'),
                      offer=['7.4.1-1~exp1'], others=self.OFFERED)
        known = runner.load_known('7.3.4')
        f1 = sorted(c for c, ids in known.items() if ids[0].startswith('F1-'))
        f7 = sorted(c for c, ids in known.items() if ids[0].startswith('F7-'))
        run = runner.Summary(passed=len(f1), failed=len(f7), found=True, passing=f1,
                             failing=list(f7))
        said = []

        def prepare(args, fetched, log):
            self.assertIn('PATCHLEVEL = 4', read(fetched, 'Makefile'))
            return targets.Target(tree=fetched, label='linux-7.4.1', version='7.4.1',
                                  arch='um', build_dir=build,
                                  known_bugs=runner.load_known('7.4.1'), cache=cache)
        args = argparse.Namespace(kernel_src=None, arch='um', kernels=None)
        with mock.patch.dict(os.environ, {'MPK_CACHE': cache}), \
                mock.patch.object(targets, 'prepare', side_effect=prepare), \
                mock.patch.object(runner, 'run', return_value=run):
            row, statuses, path = matrix.newest(args, log=said.append, apt=apt)
        self.assertIn('download linux-source-7.4=7.4.1-1~exp1', apt.calls)
        self.assertIn('no 7.4 in kernels.json: a new series', said[0])
        verdicts = {bug.split('-')[0]: verdict for bug, _, _, verdict in statuses}
        self.assertEqual((verdicts['F1'], verdicts['F7']), ('NOW PASSES', 'still red'))
        self.assertEqual((row['kernel'], row['failed']), ('7.4.1', 0))   # F7 known, inherited
        with open(path, encoding='utf-8') as f:
            self.assertEqual(json.load(f)['newest']['version'], '7.4.1-1~exp1')
