"""Two mpk processes on one cache: the second waits (runs, fetches) or refuses (mutate)."""
import os
import threading
import time
import unittest

from fakes import TempDirs, hold_lock
from mpk import locks
from mpk.errors import UserError


class LocksTest(TempDirs, unittest.TestCase):

    def test_a_second_user_of_a_build_directory_waits_and_says_why(self):
        path = locks.cache_lock(self.tmp(), '/cache/build/linux-7.3.4-um')
        other = hold_lock(path)
        said = []
        threading.Timer(1.0, other.kill).start()
        t0 = time.monotonic()
        locks.acquire(path, why='another mpk run is using build', log=said.append)
        self.addCleanup(locks.release, path)
        other.wait()
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        self.assertEqual(said, ['mpk: waiting: another mpk run is using build'])

    def test_without_wait_a_held_lock_is_refused_in_one_line(self):
        path = locks.cache_lock(self.tmp(), 'fetch')
        other = hold_lock(path)
        self.addCleanup(other.wait)
        self.addCleanup(other.kill)
        with self.assertRaises(UserError) as cm:
            locks.acquire(path, wait=False, why='another mpk command is using it')
        self.assertEqual(str(cm.exception), 'another mpk command is using it; wait for it')

    def test_one_process_can_go_from_shared_to_exclusive_and_back(self):
        tree = self.tmp()
        locks.acquire(tree, exclusive=False)
        self.addCleanup(locks.release, tree)
        locks.acquire(tree, exclusive=True, wait=False)
        locks.acquire(tree, exclusive=False)
        other = hold_lock(tree, exclusive=False)      # shared again: others may build
        other.kill()
        other.wait()

    def test_lock_files_live_in_the_cache_not_in_the_tree(self):
        cache = self.tmp()
        path = locks.cache_lock(cache, '/some/build')
        self.assertTrue(path.startswith(os.path.join(cache, 'locks') + os.sep))


if __name__ == '__main__':
    unittest.main()
