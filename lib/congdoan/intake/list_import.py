"""What every list import shares (a units list, a records book): the file kept, then one outcome.

The steps around a list's own reading and writing (:mod:`congdoan.intake.unit_import`,
:mod:`congdoan.intake.records_import`), with report intake's rules
(:mod:`congdoan.intake.ingest`): :func:`receive` keeps the file in the workspace's
content-addressed store, says whether it was seen already and whether it is over the size
limit; :func:`unreadable` is the problem of a file whose reading failed in any way;
:func:`accepted_report` writes the warnings of an accepted file; :func:`quarantine` keeps a
rejected one with its error report.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from congdoan.core import store
from congdoan.intake.forms import safe_file_stem
from congdoan.intake.ingest import (
    IngestResult,
    _quarantine,
    _quarantined,
    _stored_copy,
    _write_problem_report,
    sha256_of,
)
from congdoan.intake.problems import IntakeSettings, Problem, limit_problem, load_intake_settings

ListStatus = Literal["accepted", "rejected", "duplicate"]
"""What became of a list or book handed in: taken in, refused, or the same file again."""


@dataclass(frozen=True)
class Received:
    """A list file kept in the store, before it is read."""

    path: Path
    name: str
    """The file's name (Unicode NFC), as messages give it."""
    sha256: str
    stored: Path
    """Its copy in the store, which is what is read."""
    store_dir: Path
    settings: IntakeSettings
    today: dt.date
    record: dict[str, Any]
    """The import's record: hash, names, arrival, sender."""
    too_big: list[Problem]
    """The size limit's problem, or nothing: a file over it is not read."""
    duplicate: bool = False
    """Imported or quarantined before: nothing else is done (nothing is stored again)."""


def receive(path: Path, url: str | None, store_dir: Path | None, *,
            seen: Callable[[str, str], object], template: str,
            submitted_by: str | None = None, today: dt.date | None = None) -> Received:
    """Keep ``path`` in the store, unless it was imported or quarantined before (``duplicate``).

    ``seen(sha256, url)`` tells an import of the same content already recorded; ``template``
    is the command that writes the list's template (named in the size limit's advice).
    """
    url = url or store.default_url()
    folder = Path(store_dir) if store_dir else store.default_store_dir(url)
    settings = load_intake_settings()
    path = Path(path)
    name = unicodedata.normalize("NFC", path.name)
    sha = sha256_of(path)
    duplicate = bool(seen(sha, url) or _quarantined(folder, sha))
    stored = path if duplicate else _stored_copy(folder, path, sha)
    size = path.stat().st_size
    too_big = [limit_problem(name, "max_file_mb", settings, f"{size / 2**20:.1f} MB",
                             template=template)] \
        if size > settings.max_file_mb * 2**20 and not duplicate else []
    return Received(path=path, name=name, sha256=sha, stored=stored, store_dir=folder,
                    settings=settings, today=today or dt.date.today(),
                    record={"sha256": sha, "original_name": name, "stored_path": str(stored),
                            "received_at": store.now(), "submitted_by": submitted_by},
                    too_big=too_big, duplicate=duplicate)


def unreadable(name: str, exc: BaseException, expected: str, expected_en: str) -> Problem:
    """The one problem of a file whose reading failed (never a traceback)."""
    return Problem(
        file=name, message_vi=f"Không đọc được tệp ({type(exc).__name__}: {exc}); tệp bị từ "
        "chối, không ghi gì.", message_en=f"The file could not be read ({type(exc).__name__}: "
        f"{exc}); it was rejected, nothing was written.", expected=expected,
        expected_en=expected_en)


def accepted_report(received: Received, problems: list[Problem], lang: str) -> Path | None:
    """The report of an accepted file's warnings (None when it has none)."""
    if not problems:
        return None
    base = received.store_dir / "reports" / \
        f"{received.sha256[:16]}_{safe_file_stem(received.name)}"
    base.parent.mkdir(parents=True, exist_ok=True)
    return _write_problem_report(base, problems, lang,
                                 [received.name, f"sha256 {received.sha256}"])


def quarantine(received: Received, layout: str, problems: list[Problem],
               lang: str) -> IngestResult:
    """Keep a rejected file in the quarantine with its error report."""
    return _quarantine(received.path, received.name, received.sha256, received.stored,
                       received.store_dir, {**received.record, "layout": layout}, problems,
                       lang)
