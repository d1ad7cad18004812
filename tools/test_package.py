"""Tests of tools/package.py's zip and manifest step (the compile step is cargo's): the same
binary zipped twice, however the build left it, gives the same bytes, and the manifest's
hashes are the zip's. Run with `python3 -m unittest discover -s tools -p 'test_*.py'`."""

import hashlib
import os
import tempfile
import unittest
import zipfile
from pathlib import Path

import package

BINARY = b"\x7fELF" + bytes(range(256)) * 64


def built_zip(path: Path, date_time: tuple, mode: int, names: list[str]) -> None:
    """A zip as a build tool might leave it: its own timestamps, modes and entry order
    (mode is bootstrap's; other entries are group-writable, as a umask may leave them)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=date_time)
            info.external_attr = (mode if name == "bootstrap" else 0o100664) << 16
            archive.writestr(info, BINARY if name == "bootstrap" else name.encode())


def rezipped(source: Path, target: Path, epoch: int) -> bytes:
    with zipfile.ZipFile(source) as built:
        entries = {i.filename: (built.read(i), i.external_attr >> 16) for i in built.infolist()}
    package.write_reproducible_zip(target, entries, epoch, compresslevel=9)
    return target.read_bytes()


class ReproducibleZip(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = Path(tempfile.mkdtemp())

    def test_the_same_binary_built_twice_gives_the_same_bytes(self) -> None:
        built_zip(self.dir / "first.zip", (2026, 12, 7, 21, 0, 0), 0o100775, ["bootstrap", "LICENSE"])
        built_zip(self.dir / "second.zip", (2026, 12, 8, 9, 30, 12), 0o100755, ["LICENSE", "bootstrap"])
        self.assertNotEqual((self.dir / "first.zip").read_bytes(), (self.dir / "second.zip").read_bytes())

        first = rezipped(self.dir / "first.zip", self.dir / "a.zip", 1796323161)
        second = rezipped(self.dir / "second.zip", self.dir / "b.zip", 1796323161)

        self.assertEqual(first, second)

    def test_entries_carry_the_epoch_a_fixed_mode_and_name_order(self) -> None:
        built_zip(self.dir / "built.zip", (2026, 12, 7, 21, 0, 1), 0o100700, ["bootstrap", "LICENSE"])

        rezipped(self.dir / "built.zip", self.dir / "out.zip", 1796323161)

        with zipfile.ZipFile(self.dir / "out.zip") as archive:
            infos = archive.infolist()
            self.assertEqual([i.filename for i in infos], ["LICENSE", "bootstrap"])
            # 1796323161 is 2026-12-03T18:39:21Z; zip times have two-second steps.
            self.assertEqual({i.date_time for i in infos}, {(2026, 12, 3, 18, 39, 20)})
            self.assertEqual({i.filename: i.external_attr >> 16 for i in infos}, {"LICENSE": 0o100644, "bootstrap": 0o100755})
            self.assertEqual(archive.read("bootstrap"), BINARY)

    def test_another_epoch_gives_other_bytes(self) -> None:
        built_zip(self.dir / "built.zip", (2026, 12, 7, 21, 0, 0), 0o100755, ["bootstrap"])

        first = rezipped(self.dir / "built.zip", self.dir / "a.zip", 1796323161)
        later = rezipped(self.dir / "built.zip", self.dir / "b.zip", 1796323161 + 86400)

        self.assertNotEqual(first, later)

    def test_the_epoch_comes_from_source_date_epoch(self) -> None:
        os.environ["SOURCE_DATE_EPOCH"] = "1700000000"
        try:
            self.assertEqual(package.source_date_epoch(), 1700000000)
        finally:
            del os.environ["SOURCE_DATE_EPOCH"]

    def test_the_manifest_records_the_zips_sha256(self) -> None:
        built_zip(self.dir / "built.zip", (2026, 12, 7, 21, 0, 0), 0o100755, ["bootstrap"])
        data = rezipped(self.dir / "built.zip", self.dir / "users-api.zip", 1796323161)

        entry = package.manifest_entry(self.dir / "users-api.zip")

        self.assertEqual(entry["zip"], "users-api.zip")
        self.assertEqual(entry["sha256"], hashlib.sha256(data).hexdigest())
        self.assertEqual(entry["size"], len(data))


if __name__ == "__main__":
    unittest.main()
