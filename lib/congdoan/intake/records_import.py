"""``congdoan records import``: a records book into the database, all of it or nothing.

The book is read and checked by :func:`congdoan.intake.records.read_records_file`; the rules
are a units list's (:mod:`congdoan.intake.unit_import`): the file is kept in the workspace's
content-addressed store, then accepted whole (its rows upserted by key in ONE transaction, with
a ``records_imports`` row) or rejected whole (the database unchanged; the file quarantined with
its error report). Importing a file already seen (same SHA-256) does nothing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.schema import schema
from congdoan.intake.list_import import (
    ListStatus,
    accepted_report,
    quarantine,
    receive,
    unreadable,
)
from congdoan.intake.problems import Problem, counts_said, has_errors, report_words
from congdoan.intake.records import (
    RECORDS_TEMPLATE,
    SHEET_WORDS,
    TABLE_OF,
    RecordsFile,
    read_book,
    read_records_file,
)

log = logging.getLogger(__name__)

Outcome = Literal["added", "changed", "unchanged"]
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "added": ("thêm", "added"), "changed": ("sửa", "changed"), "unchanged": ("không đổi",
                                                                          "unchanged")}


def outcomes(frame: pd.DataFrame, stored: pd.DataFrame, table: str) -> list[Outcome]:
    """For each row of ``frame``: added, changed or unchanged against the ``stored`` table."""
    columns = schema().tables[table]
    keys = [c.name for c in columns.primary_key.columns]
    before = {tuple(r[k] for k in keys): r for r in store.records(stored, columns)}
    out: list[Outcome] = []
    for row in store.records(frame, columns):
        old = before.get(tuple(row[k] for k in keys))
        out.append("added" if old is None else "unchanged" if old == row else "changed")
    return out


# ----------------------------------------------------------------------------- importing
@dataclass
class RecordsImportResult:
    """What happened to one records book: per sheet, how many rows were added, changed, kept."""

    path: Path
    sha256: str
    status: ListStatus
    problems: list[Problem] = field(default_factory=list)
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    report_path: Path | None = None
    import_id: int | None = None

    def summary(self, lang: str = "vi") -> str:
        """One line for the screen, then one per sheet (added, changed, unchanged)."""
        vi = lang == "vi"
        which = 0 if vi else 1
        words = {"accepted": ("ĐÃ NHẬN", "ACCEPTED"), "rejected": ("BỊ TỪ CHỐI", "REJECTED"),
                 "duplicate": ("ĐÃ CÓ (bỏ qua)", "ALREADY IMPORTED (skipped)")}[self.status]
        counts = counts_said(self.problems, "vi" if vi else "en")
        lines = [f"{words[which]}: {self.path.name}{counts}"]
        for sheet, n in self.counts.items():
            shown = ", ".join(f"{OUTCOME_WORDS[k][which]} {n.get(k, 0)}" for k in OUTCOME_WORDS)
            lines.append(f"   {SHEET_WORDS[sheet][which]}: {shown}")
        if self.report_path is not None:
            lines.append(f"   {report_words(self.problems, 'vi' if vi else 'en')}: "
                         f"{self.report_path}")
        return "\n".join(lines)


def _find_import(sha: str, url: str) -> bool:
    table = schema().tables["records_imports"]
    with store.get_engine(url).connect() as conn:
        return conn.execute(sa.select(table.c.import_id).where(table.c.sha256 == sha)).first() \
            is not None


def _frame(parsed: RecordsFile, sheet: str) -> pd.DataFrame:
    """The rows of ``sheet`` as read (the frame of its table)."""
    frame: pd.DataFrame = getattr(parsed, TABLE_OF[sheet])
    return frame


def _apply(record: dict[str, Any], parsed: RecordsFile, counts: dict[str, dict[str, int]],
           url: str) -> int:
    """Upsert both tables and record the import, in ONE transaction; returns its id."""
    totals = {k: sum(n.get(k, 0) for n in counts.values()) for k in OUTCOME_WORDS}
    with store.get_engine(url).begin() as conn:
        key = conn.execute(sa.insert(schema().tables["records_imports"]).values(
            **record, n_added=totals["added"], n_changed=totals["changed"],
            n_unchanged=totals["unchanged"])).inserted_primary_key
        assert key is not None
        for sheet, table in TABLE_OF.items():
            store.upsert_frame(conn, table, _frame(parsed, sheet))
    return int(key[0])


def import_records(path: Path, url: str | None = None, store_dir: Path | None = None, *,
                   submitted_by: str | None = None, today: dt.date | None = None,
                   lang: str = "vi") -> RecordsImportResult:
    """Keep, check and apply (or quarantine) one records book; see the module's rules.

    Importing a file already seen (same SHA-256, accepted or quarantined) does nothing.
    """
    received = receive(path, url, store_dir, seen=_find_import, template=RECORDS_TEMPLATE,
                       submitted_by=submitted_by, today=today)
    if received.duplicate:
        return RecordsImportResult(path=received.path, sha256=received.sha256,
                                   status="duplicate")
    url = url or store.default_url()
    parsed: RecordsFile | None = None
    problems = list(received.too_big)
    if not problems:
        try:
            parsed = read_records_file(received.name, received.stored.read_bytes(),
                                       received.settings, received.today, read_book(url))
            problems = list(parsed.problems)
        except Exception as exc:  # noqa: BLE001 - one file, one outcome, never a traceback
            log.debug("reading %s failed", received.name, exc_info=True)
            problems = [unreadable(received.name, exc,
                                   f"tệp .xlsx tạo từ mẫu ({RECORDS_TEMPLATE})",
                                   f"an .xlsx made from the template ({RECORDS_TEMPLATE})")]
    if parsed is not None and parsed.readable and not has_errors(problems):
        book = read_book(url)
        counts = {sheet: dict(Counter[str](outcomes(frame, getattr(book, TABLE_OF[sheet]),
                                                     TABLE_OF[sheet])))
                  for sheet, frame in ((s, _frame(parsed, s)) for s in TABLE_OF)}
        try:
            import_id = _apply(received.record, parsed, counts, url)
        except sa.exc.IntegrityError as exc:
            problems.append(Problem(file=received.name,
                                    message_vi=f"Cơ sở dữ liệu từ chối sổ: {exc.orig}",
                                    message_en=f"The database refused the book: {exc.orig}"))
        else:
            return RecordsImportResult(path=received.path, sha256=received.sha256,
                                       status="accepted", problems=problems, counts=counts,
                                       report_path=accepted_report(received, problems, lang),
                                       import_id=import_id)
    kept = quarantine(received, "records", problems, lang)
    return RecordsImportResult(path=received.path, sha256=received.sha256, status="rejected",
                               problems=problems, report_path=kept.report_path)
