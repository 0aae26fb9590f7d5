"""congdoan.core.ownerfiles: owner-only modes whatever the umask, files whole or not at all."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from congdoan.core.ownerfiles import (
    FILE_MODE,
    FOLDER_MODE,
    copy_private,
    create_private,
    private_dir,
    remove_stale_temporaries,
    write_private,
)

UMASKS = (0o000, 0o022, 0o277)
"""Open to all; the usual; one that takes the owner's own write and execute bits."""


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=UMASKS, ids=lambda m: f"umask{m:03o}")
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """The process umask set for the test (restored after it)."""
    before = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(before)


def test_the_modes_are_owner_only() -> None:
    assert (FILE_MODE, FOLDER_MODE) == (0o600, 0o700)


def test_private_dir_makes_every_missing_folder_0700(tmp_path: Path, umask: int) -> None:
    deep = tmp_path / "store" / "2025" / "06"
    assert private_dir(deep) == deep
    for folder in (tmp_path / "store", tmp_path / "store" / "2025", deep):
        assert _mode(folder) == 0o700, (folder, oct(umask))


def test_private_dir_leaves_an_existing_folder_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    private_dir(shared / "own")
    assert _mode(shared) == 0o755
    assert _mode(shared / "own") == 0o700


def test_create_private_makes_an_empty_0600_file_once(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "congdoan.sqlite"
    assert create_private(path) is True
    assert _mode(path) == 0o600 and path.read_bytes() == b""
    path.write_bytes(b"kept")
    assert create_private(path) is False
    assert path.read_bytes() == b"kept"


def test_write_private_writes_0600_and_replaces(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "quarantine" / "bao-cao.xlsx"  # the folder is made too, 0700
    assert write_private(path, "Đoàn viên") is True
    assert path.read_bytes() == "Đoàn viên".encode()
    assert _mode(path) == 0o600 and _mode(path.parent) == 0o700
    assert write_private(path, b"\x00\x01") is True
    assert path.read_bytes() == b"\x00\x01"
    assert _mode(path) == 0o600


def test_an_exclusive_write_keeps_the_first_file(tmp_path: Path) -> None:
    path = tmp_path / "first.txt"
    assert write_private(path, "first", exclusive=True) is True
    assert write_private(path, "second", exclusive=True) is False
    assert path.read_text(encoding="utf-8") == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["first.txt"]  # no temporary left


def test_a_copy_is_0600_and_an_existing_copy_is_kept(tmp_path: Path, umask: int) -> None:
    source = tmp_path / "source.xlsx"
    source.write_bytes(b"x" * (3 << 20))  # more than one chunk of the copy
    source.chmod(0o644)
    copy = copy_private(source, tmp_path / "store" / "abc.xlsx")
    assert copy.read_bytes() == source.read_bytes() and _mode(copy) == 0o600
    source.write_bytes(b"changed")
    assert copy_private(source, copy) == copy
    assert copy.read_bytes() == b"x" * (3 << 20)


def test_a_failed_write_leaves_neither_the_file_nor_a_temporary(tmp_path: Path) -> None:
    path = tmp_path / "out" / "copy.xlsx"
    with pytest.raises(FileNotFoundError):
        write_private(path, b"", source=tmp_path / "missing.xlsx")
    assert list(path.parent.iterdir()) == []
    # a replacement that fails leaves the old file whole
    write_private(path, b"old")
    with pytest.raises(FileNotFoundError):
        write_private(path, b"", source=tmp_path / "missing.xlsx")
    assert [p.name for p in path.parent.iterdir()] == ["copy.xlsx"]
    assert path.read_bytes() == b"old"


def _gone_pid() -> int:
    """The id of a process that has exited (and been reaped)."""
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)
    return int(child.stdout)


def test_only_the_temporaries_of_writers_that_are_gone_are_removed(tmp_path: Path) -> None:
    gone, alive = _gone_pid(), os.getpid()
    nested = tmp_path / "2025"
    nested.mkdir()
    stale = [tmp_path / f".a.xlsx.{gone}.0badf00d.part", nested / f".b.xlsx.{gone}.deadbeef.part"]
    kept = [tmp_path / f".c.xlsx.{alive}.01234567.part",  # a writer still at work
            tmp_path / ".d.xlsx.nopid.01234567.part",     # not one of ours
            tmp_path / f"e.xlsx.{gone}.0badf00d.part",    # not hidden: not a temporary
            tmp_path / "f.xlsx"]
    for path in stale + kept:
        path.write_bytes(b"")
    assert sorted(remove_stale_temporaries(tmp_path)) == sorted(stale)
    assert all(not p.exists() for p in stale) and all(p.exists() for p in kept)


def test_a_missing_folder_has_no_temporaries(tmp_path: Path) -> None:
    assert remove_stale_temporaries(tmp_path / "missing") == []
