"""``congdoan units import``: a units list into the registry, nothing lost.

The same rules as report intake (:mod:`congdoan.intake.ingest`): the file is first kept in the
workspace's content-addressed store (``store/files/ab/abcd….xlsx``); it is then accepted or
rejected *whole*:

- accepted: its differences from the registry are written as dated events in ONE transaction
  (:func:`congdoan.core.registry_store.apply_changes`), with the import's record (file name,
  hash, who, when);
- rejected (a bad value, a duplicate code, an unknown reference, a change without its date …):
  the database is left unchanged; the file is copied to ``store/quarantine/`` with its error
  report (``.loi.txt`` in Vietnamese or English, ``.loi.csv``, ``.json``).

Importing a file already seen (same SHA-256) does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.registry_changes import RegistryChanges, plan_changes
from congdoan.core.registry_store import apply_changes, find_import, registry_state
from congdoan.intake.list_import import (
    Received,
    accepted_report,
    quarantine,
    receive,
    unreadable,
)
from congdoan.intake.problems import Problem, has_errors
from congdoan.intake.units import (
    COMMUNES_SHEET,
    UNITS_SHEET,
    UNITS_TEMPLATE,
    UPPERS_SHEET,
    UnitsFile,
    read_units_file,
)

log = logging.getLogger(__name__)

Status = Literal["accepted", "rejected", "duplicate"]

EVENT_WORDS: dict[str, tuple[str, str]] = {
    "founded": ("thành lập", "founded"),
    "joined": ("về trực thuộc", "joined"),
    "dissolved": ("giải thể", "dissolved"),
    "moved": ("chuyển cấp trên", "moved"),
    "renamed": ("đổi tên", "renamed"),
    "corrected": ("sửa thông tin", "corrected"),
    "added": ("thêm vào danh mục", "added"),
}
"""Vietnamese and English words for each registry event."""

ENTITY_WORDS: dict[str, tuple[str, str]] = {
    "cdcs": ("CĐCS", "CĐCS"), "upper": ("cấp trên", "upper union"),
    "commune": ("xã/phường", "commune"),
}
"""Vietnamese and English words for what a registry event is about."""

_SHEET_OF = {"cdcs": UNITS_SHEET, "upper": UPPERS_SHEET, "commune": COMMUNES_SHEET}


@dataclass
class UnitImportResult:
    """What happened to one units list."""

    path: Path
    sha256: str
    status: Status
    problems: list[Problem] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_path: Path | None = None
    import_id: int | None = None

    def summary(self, lang: str = "vi") -> str:
        """One line for the screen, then one per event kind."""
        vi = lang == "vi"
        words = {"accepted": ("ĐÃ NHẬN", "ACCEPTED"), "rejected": ("BỊ TỪ CHỐI", "REJECTED"),
                 "duplicate": ("ĐÃ CÓ (bỏ qua)", "ALREADY IMPORTED (skipped)")}[self.status]
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        counts = (f"{len(self.events)} sự kiện, {errors} lỗi, {warnings} cảnh báo" if vi else
                  f"{len(self.events)} events, {errors} errors, {warnings} warnings")
        lines = [f"{words[0] if vi else words[1]}: {self.path.name} ({counts})"]
        if len(self.events):
            for event, n in self.events.groupby("event", sort=False).size().items():
                word = EVENT_WORDS[str(event)][0 if vi else 1]
                lines.append(f"   {word}: {n}")
        if self.report_path is not None:
            lines.append(("   báo cáo lỗi: " if vi else "   error report: ") + str(self.report_path))
        return "\n".join(lines)


def _conflict_problems(parsed: UnitsFile, changes: RegistryChanges) -> list[Problem]:
    """The planner's conflicts as problems located in the file."""
    out = []
    for c in changes.conflicts:
        sheet = _SHEET_OF[c.entity]
        where = parsed.locate(sheet, c.entity_id, c.field) if (sheet, c.entity_id) in \
            parsed.rows else {}
        out.append(Problem(file=parsed.name, message_vi=c.message_vi, message_en=c.message_en,
                           severity=c.severity, value=c.value, expected=c.expected, **where))
    return out


def _read(received: Received) -> tuple[UnitsFile | None, list[Problem]]:
    """The stored copy read and validated; whatever a hostile file does is its problem."""
    try:
        parsed = read_units_file(received.name, received.stored.read_bytes(), received.settings,
                                 received.today)
    except Exception as exc:  # noqa: BLE001 - one file, one outcome, never a traceback
        log.debug("reading %s failed", received.name, exc_info=True)
        return None, [unreadable(
            received.name, exc, f"tệp .xlsx tạo từ mẫu ({UNITS_TEMPLATE}) hoặc CSV UTF-8",
            f"an .xlsx made from the template ({UNITS_TEMPLATE}), or a UTF-8 CSV")]
    return parsed, list(parsed.problems)


def import_units(path: Path, url: str | None = None, store_dir: Path | None = None, *,
                 submitted_by: str | None = None, today: dt.date | None = None,
                 lang: str = "vi") -> UnitImportResult:
    """Keep, validate and apply (or quarantine) one units list; see the module's rules."""
    received = receive(path, url, store_dir, seen=find_import, template=UNITS_TEMPLATE,
                       submitted_by=submitted_by, today=today)
    if received.duplicate:
        return UnitImportResult(path=received.path, sha256=received.sha256, status="duplicate")
    url = url or store.default_url()
    changes: RegistryChanges | None = None
    n_units = 0
    problems = list(received.too_big)
    if not problems:
        parsed, problems = _read(received)
        if parsed is not None and parsed.readable:
            changes = plan_changes(registry_state(url), parsed.units, parsed.uppers,
                                   parsed.communes, received.today)
            problems += _conflict_problems(parsed, changes)
            n_units = len(parsed.units)
    if changes is not None and not has_errors(problems):
        try:
            import_id = apply_changes({**received.record, "n_units": n_units}, changes, url)
        except sa.exc.IntegrityError as exc:
            problems.append(Problem(file=received.name,
                                    message_vi=f"Cơ sở dữ liệu từ chối danh sách: {exc.orig}",
                                    message_en=f"The database refused the list: {exc.orig}"))
        else:
            return UnitImportResult(path=received.path, sha256=received.sha256,
                                    status="accepted", problems=problems, events=changes.events,
                                    report_path=accepted_report(received, problems, lang),
                                    import_id=import_id)
    kept = quarantine(received, "units", problems, lang)
    return UnitImportResult(path=received.path, sha256=received.sha256, status="rejected",
                            problems=problems, report_path=kept.report_path)
