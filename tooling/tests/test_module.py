"""mpk module: the initramfs it packs and the load reports it reads, without a kernel."""
import unittest

import fakes  # noqa: F401  (puts the mpk package on the path)
from mpk import module


def unpack(archive):
    """[(name, mode, data)] of a newc cpio archive."""
    out, pos = [], 0
    while True:
        assert archive[pos:pos + 6] == b'070701'
        fields = [int(archive[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        namesize, filesize, mode = fields[11], fields[6], fields[1]
        name = archive[pos + 110:pos + 110 + namesize - 1].decode()
        pos += 110 + namesize
        pos += -pos % 4
        data = archive[pos:pos + filesize]
        pos += filesize
        pos += -pos % 4
        if name == 'TRAILER!!!':
            return out
        out.append((name, mode, data))


class InitramfsTest(unittest.TestCase):

    def test_the_archive_holds_each_file_aligned_as_the_kernel_reads_it(self):
        files = [('init', 0o100755, b'\x7fELF' + b'x' * 5), ('m.ko', 0o100644, b'ko')]
        archive = module.cpio_newc(files)
        self.assertEqual(unpack(archive), files)
        self.assertEqual(len(archive) % 4, 0)


CONSOLE = """\
KTAP version 1
1..0
KTAP version 1
1..1
    KTAP version 1
    # Subtest: mmap_prepare_compat
    ok 1 a
ok 1 mmap_prepare_compat
[    2.0] KTAP version 1
[    2.0] 1..1
[    2.0] not ok 1 mmap_prepare_compat
mpk-init: load 1: 0, unload: 0
mpk-init: load 2: 0, unload: -1
"""


class ReportsTest(unittest.TestCase):

    def test_each_load_is_a_top_level_report_with_a_plan(self):
        parts = module.reports(CONSOLE)
        self.assertEqual(len(parts), 2)
        self.assertEqual(parts[0][:2], ['KTAP version 1', '1..1'])
        self.assertEqual(parts[0][-1], 'ok 1 mmap_prepare_compat')
        self.assertEqual(parts[1], ['[    2.0] KTAP version 1', '[    2.0] 1..1',
                                    '[    2.0] not ok 1 mmap_prepare_compat'])

    def test_no_report_without_a_plan(self):
        self.assertEqual(module.reports('KTAP version 1\n1..0\n'), [])

    def test_what_init_printed(self):
        self.assertEqual(module.init_results(CONSOLE), [(1, 0, 0), (2, 0, -1)])


if __name__ == '__main__':
    unittest.main()
