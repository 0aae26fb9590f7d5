"""Files and folders that only their owner may read (0600, 0700), written whole or not at all.

The database, the store of submitted files and the quarantine hold members' data: other local
users must not read them, whatever the umask of the process that made them. Every file is
written under a temporary name in its folder and renamed (or linked) into place, so a reader, a
crash or ``kill -9`` never leaves half a file under the final name; a temporary name carries the
writer's pid (:func:`remove_stale_temporaries` removes those of writers that are gone).
"""

from __future__ import annotations

import os
import secrets
import shutil
from pathlib import Path

FILE_MODE = 0o600
FOLDER_MODE = 0o700
TEMP_SUFFIX = ".part"


def private_dir(path: Path) -> Path:
    """Create folder ``path`` (and missing parents) as 0700, whatever the umask; return it.

    Folders that exist already are left as they are.
    """
    path = Path(path)
    missing: list[Path] = []
    folder = path
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for folder in reversed(missing):
        try:
            folder.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made meanwhile by another process
            continue
        os.chmod(folder, FOLDER_MODE)
    return path


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_SUFFIX}")


def _open_private(path: Path) -> int:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    os.fchmod(fd, FILE_MODE)  # the umask could have taken the owner's bits
    return fd


def create_private(path: Path) -> bool:
    """Create ``path`` empty with mode 0600; False when it exists already."""
    try:
        os.close(_open_private(Path(path)))
    except FileExistsError:
        return False
    return True


def _write_temporary(path: Path, data: bytes | None, source: Path | None) -> Path:
    private_dir(path.parent)
    tmp = _temporary(path)
    fd = _open_private(tmp)
    try:
        with os.fdopen(fd, "wb") as handle:
            if source is not None:
                with Path(source).open("rb") as src:
                    shutil.copyfileobj(src, handle, 1 << 20)
            else:
                handle.write(data or b"")
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def write_private(path: Path, data: bytes | str, *, exclusive: bool = False,
                  source: Path | None = None) -> bool:
    """Write ``data`` (text as UTF-8), or a copy of file ``source``, to ``path`` with mode 0600.

    The file appears whole under its name or not at all. With ``exclusive`` an existing file is
    kept and False returned (the first of several writers wins); otherwise it is replaced.
    """
    path = Path(path)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = _write_temporary(path, raw, source)
    try:
        if exclusive:
            try:
                os.link(tmp, path)
            except FileExistsError:
                return False
        else:
            os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return True


def copy_private(source: Path, path: Path) -> Path:
    """Copy ``source`` to ``path`` (0600, whole or not at all) unless ``path`` exists; return it."""
    path = Path(path)
    if not path.exists():
        write_private(path, b"", exclusive=True, source=source)
    return path


def remove_stale_temporaries(folder: Path) -> list[Path]:
    """Remove temporary files of writers that are gone (e.g. killed) under ``folder``."""
    removed: list[Path] = []
    if not Path(folder).is_dir():
        return removed
    for tmp in Path(folder).rglob(f".*{TEMP_SUFFIX}"):
        parts = tmp.name.split(".")
        owner = parts[-3] if len(parts) >= 4 else ""
        if not owner.isdigit():
            continue
        try:
            os.kill(int(owner), 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
            removed.append(tmp)
        except OSError:  # another user's process
            continue
    return removed


__all__ = ["FILE_MODE", "FOLDER_MODE", "copy_private", "create_private", "private_dir",
           "remove_stale_temporaries", "write_private"]
