"""A cheap guess, from file times alone, that a batch's briefings are all up to date.

Which briefings are current is decided by :mod:`congdoan.engine.manifest` from fingerprints of the data,
the code and the parameters, once the data is read and planned. The command line starts the
kernels' fork server before that, so that it imports and loads the period's context on the
other core meanwhile; on a run with nothing to render that server is wasted work that slows
the command (see ``docs/performance.md``). :func:`looks_current` guesses the answer first, from
a handful of file times, so that the server is started only once the plan shows work.

It is only a hint for when to start the server: the plan still decides what is rendered. A
wrong "current" (files copied with older times, a union never rendered, other formats) costs
that run the early start, never a briefing. Imports nothing but the standard library.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from congdoan.core import paths

MANIFEST_NAME = ".manifest.json"
"""File name of the manifest inside a batch's output folder (:mod:`congdoan.engine.manifest`)."""

LIB_DIR = Path(__file__).resolve().parents[1]


def _newest(paths: Iterable[Path]) -> float:
    """The latest modification time among ``paths`` (files only; 0 when there is none)."""
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


def _data_files(data: str) -> list[Path] | None:
    """The files holding ``data`` (None when they cannot be listed, e.g. a server database)."""
    prefix = "sqlite:///"
    if data.startswith(prefix):
        db = Path(data[len(prefix):])
        return [db, db.with_name(db.name + "-wal")] if db.is_file() else None
    if "://" in data:
        return None
    folder = Path(data)
    return list(folder.rglob("*")) if folder.is_dir() else None


def looks_current(out: Path | str, period: str, data: str | None, *,
                  sources: Iterable[Path] | None = None) -> bool:
    """True when ``out``'s manifest is newer than every input and has ``period``'s briefings.

    The inputs are the data's files (``data``: a CSV folder's files, or a SQLite database file
    and its write-ahead log) and ``sources``: by default the library's code, templates and style
    sheets, the parameters in force and the notebooks, which the manifest's keys cover too (it
    also covers the installed versions of the rendering stack, which file times do not show).
    False for ``period`` ``'latest'`` (which period that is, only the data says) and for a
    database that is not a file (no file times to compare).
    """
    manifest = Path(out) / MANIFEST_NAME
    if period == "latest" or data is None or not manifest.is_file():
        return False
    inputs = _data_files(data)
    if inputs is None:
        return False
    if sources is None:
        sources = [*LIB_DIR.rglob("*.py"), *LIB_DIR.glob("templates/*"),
                   *paths.params_dir().glob("*.yaml"), *paths.NOTEBOOKS_DIR.glob("*.ipynb")]
    written = manifest.stat().st_mtime
    if _newest([*inputs, *sources]) >= written:
        return False
    return f'"{period}/' in manifest.read_text(encoding="utf-8")


__all__ = ["MANIFEST_NAME", "looks_current"]
