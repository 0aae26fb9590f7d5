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

A list in the officer's own layout (:mod:`congdoan.intake.own_layout`: any workbook or CSV with
a row of headers) is taken when an :class:`~congdoan.intake.own_layout.OwnLayout` is given: it
is read once before anything is kept, so that a header the program cannot map (or an
organisation start it needs) stops the import with nothing kept, the fix being an option as
often as an edit; then as above. A dry run reads and compares, and keeps and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.registry_changes import RegistryChanges, plan_changes
from congdoan.core.registry_store import apply_changes, find_import, registry_state
from congdoan.exceptions import CongdoanError, Location, ParameterError
from congdoan.intake.list_import import (
    ListStatus,
    accepted_report,
    quarantine,
    receive,
    unreadable,
)
from congdoan.intake.own_headers import Mapping
from congdoan.intake.own_layout import OwnLayout, OwnListFile, is_template, read_own_list
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    Problem,
    counts_said,
    has_errors,
    limit_problem,
    load_intake_settings,
    report_words,
)
from congdoan.intake.units import (
    COMMUNES_SHEET,
    UNITS_SHEET,
    UNITS_TEMPLATE,
    UPPERS_SHEET,
    UnitsFile,
    read_units_file,
)

log = logging.getLogger(__name__)

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

COUNTED_WORDS: dict[str, tuple[str, str]] = {"founded": ("thành lập mới", "newly founded")}
"""Events named otherwise where an import counts them: "CĐCS thành lập mới: 4" is not read as
the CĐCS whose founding day the list gives (a first list's warning counts those without one)."""

NAMED_AT_MOST = 5
"""Communes added by an import are named when there are at most this many."""

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
    status: ListStatus
    problems: list[Problem] = field(default_factory=list)
    events: pd.DataFrame = field(default_factory=pd.DataFrame)
    report_path: Path | None = None
    import_id: int | None = None
    mapping: Mapping | None = None
    """How a list in the officer's own layout was read (None: the template)."""
    dry_run: bool = False
    """True when nothing was kept or written: the status is what an import would do."""

    def summary(self, lang: str = "vi", organisation: str | None = None,
                report: bool = True) -> str:
        """One line for the screen, then one per kind of event and what it is about.

        ("CĐCS thành lập: 4", "xã/phường thêm vào danh mục: 3".) The events of the upper union
        ``organisation`` (the workspace's own, entered with its first list) are not counted;
        ``report`` False leaves out the line naming the problem report (every problem shown).
        """
        vi = lang == "vi"
        words = {"accepted": ("ĐÃ NHẬN", "ACCEPTED"), "rejected": ("BỊ TỪ CHỐI", "REJECTED"),
                 "duplicate": ("ĐÃ CÓ (bỏ qua)", "ALREADY IMPORTED (skipped)")}[self.status]
        if self.dry_run:
            words = {"accepted": ("SẼ NHẬN (chạy thử, không ghi gì)",
                                  "WOULD BE ACCEPTED (dry run, nothing written)"),
                     "rejected": ("SẼ BỊ TỪ CHỐI (chạy thử, không ghi gì)",
                                  "WOULD BE REJECTED (dry run, nothing written)")}[self.status]
        events = self.events
        if len(events) and organisation is not None:
            events = events[~((events["entity"] == "upper")
                              & (events["entity_id"] == organisation))]
        # the events are counted by kind on the lines below; the header says only the problems
        counts = counts_said(self.problems, "vi" if vi else "en")
        lines = [f"{words[0] if vi else words[1]}: {self.path.name}{counts}"]
        if len(events):
            which = 0 if vi else 1
            order = {entity: i for i, entity in enumerate(ENTITY_WORDS)}
            pairs = list(zip(events["entity"].astype(str), events["event"].astype(str),
                             strict=True))
            for entity, event in sorted(dict.fromkeys(pairs), key=lambda p: order[p[0]]):
                words = COUNTED_WORDS.get(event, EVENT_WORDS[event])
                these = events[(events["entity"] == entity) & (events["event"] == event)]
                days = _days(these["on_date"], vi) if event == "founded" else ""
                # communes are few, and their names tell which (the former ones of a merger)
                names = sorted(str(n) for n in these["new_value"].dropna()) \
                    if entity == "commune" and event == "added" else []
                named = f" ({', '.join(names)})" if 0 < len(names) <= NAMED_AT_MOST else ""
                lines.append(f"   {ENTITY_WORDS[entity][which]} {words[which]}{days}: "
                             f"{len(these)}{named}")
        if self.report_path is not None and report:
            lines.append(f"   {report_words(self.problems, 'vi' if vi else 'en')}: "
                         f"{self.report_path}")
        return "\n".join(lines)


def _days(dates: pd.Series, vi: bool) -> str:
    """When events happened, to tell them from others counted beside them.

    `` ngày 01/07/2025``, `` từ 01/07/2025 đến 15/08/2025``; "" when none is dated.
    """
    known = pd.to_datetime(dates, errors="coerce").dropna()
    if known.empty:
        return ""
    first, last = f"{known.min():%d/%m/%Y}", f"{known.max():%d/%m/%Y}"
    if first == last:
        return f" ngày {first}" if vi else f" on {first}"
    return f" từ {first} đến {last}" if vi else f" from {first} to {last}"


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


def _read(name: str, data: bytes, settings: IntakeSettings, today: dt.date, url: str,
          own: OwnLayout | None, on_mapping: Callable[[Mapping], None] | None = None
          ) -> tuple[UnitsFile | None, list[Problem]]:
    """A list read and validated; whatever a hostile file does is its problem.

    With ``own``, a file that is not the template is read in the officer's own layout; a
    header that cannot be mapped raises (:func:`~congdoan.intake.own_layout.read_own_list`).
    """
    template = own is None or is_template(name, data, Budget(name, settings,
                                                             template=UNITS_TEMPLATE))
    if template and own is not None and (own.columns or own.sheet):
        raise ParameterError("Tệp theo mẫu của congdoan: --column và --sheet chỉ dùng cho danh "
                             "sách trình bày riêng.", "The file is congdoan's template: "
                             "--column and --sheet are for a list in its own layout.",
                             location=Location(file=name), expected="bỏ --column, --sheet / "
                             "drop --column, --sheet")
    try:
        if own is not None and not template:
            parsed: UnitsFile = read_own_list(name, data, settings, today, registry_state(url),
                                              own, on_mapping)
        else:
            parsed = read_units_file(name, data, settings, today)
    except CongdoanError:
        raise
    except Exception as exc:  # noqa: BLE001 - one file, one outcome, never a traceback
        log.debug("reading %s failed", name, exc_info=True)
        return None, [unreadable(
            name, exc, f"tệp .xlsx tạo từ mẫu ({UNITS_TEMPLATE}) hoặc CSV UTF-8",
            f"an .xlsx made from the template ({UNITS_TEMPLATE}), or a UTF-8 CSV")]
    return parsed, list(parsed.problems)


def _plan(parsed: UnitsFile | None, url: str, today: dt.date
          ) -> tuple[RegistryChanges | None, list[Problem]]:
    """The changes a readable list makes, and its conflicts as located problems."""
    if parsed is None or not parsed.readable:
        return None, []
    changes = plan_changes(registry_state(url), parsed.units, parsed.uppers, parsed.communes,
                           today)
    return changes, _conflict_problems(parsed, changes)


def _mapping_of(parsed: UnitsFile | None) -> Mapping | None:
    return parsed.mapping if isinstance(parsed, OwnListFile) else None


def import_units(path: Path, url: str | None = None, store_dir: Path | None = None, *,
                 submitted_by: str | None = None, today: dt.date | None = None,
                 lang: str = "vi", own: OwnLayout | None = None, dry_run: bool = False,
                 on_mapping: Callable[[Mapping], None] | None = None) -> UnitImportResult:
    """Keep, validate and apply (or quarantine) one units list; see the module's rules.

    ``own``: how to read a list that is not the template (None: only the template is read).
    ``dry_run``: read and compare only; the result's status is what the import would do.
    ``on_mapping`` is told how an own-layout list is read, before anything is kept or applied.

    Raises:
        CongdoanError: an own-layout list whose header cannot be mapped, or that needs the
            organisation's start (``own.start``); nothing is kept.

    """
    path = Path(path)
    url = url or store.default_url()
    today = today or dt.date.today()
    settings = load_intake_settings()
    name = unicodedata.normalize("NFC", path.name)
    size = path.stat().st_size
    too_big = [limit_problem(name, "max_file_mb", settings, f"{size / 2**20:.1f} MB",
                             template=UNITS_TEMPLATE)] if size > settings.max_file_mb * 2**20 else []
    if (dry_run or own is not None) and not too_big:  # read before anything is kept
        parsed, problems = _read(name, path.read_bytes(), settings, today, url, own, on_mapping)
    else:
        parsed, problems = None, list(too_big)
    if dry_run:
        planned, conflicts = _plan(parsed, url, today)
        problems += conflicts
        return UnitImportResult(
            path=path, sha256="", problems=problems, mapping=_mapping_of(parsed), dry_run=True,
            status="rejected" if planned is None or has_errors(problems) else "accepted",
            events=planned.events if planned is not None else pd.DataFrame())
    received = receive(path, url, store_dir, seen=find_import, template=UNITS_TEMPLATE,
                       submitted_by=submitted_by, today=today)
    if received.duplicate:
        return UnitImportResult(path=received.path, sha256=received.sha256, status="duplicate")
    changes: RegistryChanges | None = None
    n_units = 0
    problems = list(received.too_big)
    parsed = None
    if not problems:
        parsed, problems = _read(received.name, received.stored.read_bytes(), received.settings,
                                 received.today, url, own)
        changes, conflicts = _plan(parsed, url, received.today)
        problems += conflicts
        n_units = 0 if parsed is None else len(parsed.units)
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
                                    import_id=import_id, mapping=_mapping_of(parsed))
    kept = quarantine(received, "units", problems, lang)
    return UnitImportResult(path=received.path, sha256=received.sha256, status="rejected",
                            problems=problems, report_path=kept.report_path,
                            mapping=_mapping_of(parsed))
