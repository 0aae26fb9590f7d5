"""The records book: the enterprise registry and the upper unions' yearly records, nothing lost.

``congdoan records template`` writes the book (:mod:`congdoan.intake.records_template`);
``congdoan records import FILE`` reads it back here. Two sheets, laid out as the units list
(:mod:`congdoan.intake.units`: labels, a key row, data from its first row) and read by the same
code within the limits of ``params/intake.yaml``:

- :data:`ENTERPRISES_SHEET` ("DoanhNghiep"): one row per enterprise (table ``enterprises``),
  keyed by its tax code;
- :data:`RECORDS_SHEET` ("CapTren"): one row per upper union and year (table
  ``upper_records``): rating, audited, workers without a union reached.

Every cell is checked against the registry as stored (communes, CĐCS, upper unions): an unknown
code, a CĐCS linked to two enterprises or of sector HCSN, a closing day before the opening day,
a year outside the upper union's life … each is a problem located at its cell. The file is kept
in the workspace's store, then accepted or rejected *whole* as a units list is
(:mod:`congdoan.intake.unit_import`): accepted, its rows are upserted (enterprises by tax code,
records by upper union and year) in ONE transaction with the import's record
(``records_imports``); rejected, the database is unchanged and the file is quarantined with its
error report. Rows of the database that the file does not list are left as they are.
"""

from __future__ import annotations

import datetime as dt
import logging
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
import sqlalchemy as sa

from congdoan.core import store
from congdoan.core.plan import DataElements, load_elements
from congdoan.core.schema import schema
from congdoan.intake.cells import Cell, is_blank
from congdoan.intake.forms import safe_file_stem
from congdoan.intake.ingest import (
    _quarantine,
    _quarantined,
    _stored_copy,
    _write_problem_report,
    sha256_of,
)
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    LimitExceeded,
    Problem,
    has_errors,
    limit_problem,
    load_intake_settings,
)
from congdoan.intake.readers import open_workbook, sheet_grid, unreadable_workbook
from congdoan.intake.units import Column, ListFile, ListReader, column_elements, sheet_cells

log = logging.getLogger(__name__)

ENTERPRISES_SHEET, RECORDS_SHEET, LISTS_SHEET = "DoanhNghiep", "CapTren", "DanhMuc"
RECORDS_TEMPLATE = "congdoan records template"
"""The command that writes the records book (named in messages)."""
RECORDS_FILE = "SoTheoDoi.xlsx"
"""File name of the book in the workspace's output folder."""

TABLE_OF = {ENTERPRISES_SHEET: "enterprises", RECORDS_SHEET: "upper_records"}
"""The database table each sheet fills."""

ENTERPRISE_COLUMNS = (
    Column("enterprise_id", "Mã số thuế doanh nghiệp", "Enterprise tax code", "tax_code", True,
           18),
    Column("name", "Tên doanh nghiệp", "Enterprise name", "text", True, 44),
    Column("commune_id", "Mã xã, phường", "Commune or ward code", "code", True),
    Column("ownership", "Loại hình (DNNN, NNN)", "Ownership (DNNN, NNN)", "choice", True, 14,
           ("DNNN", "NNN")),
    Column("workers", "Số công nhân, lao động", "Workers", "count"),
    Column("opened", "Ngày bắt đầu hoạt động", "Opening date", "date"),
    Column("closed", "Ngày ngừng hoạt động", "Closing date", "date"),
    Column("unit_id", "Mã CĐCS của doanh nghiệp (trống: chưa có CĐCS)",
           "Code of its CĐCS (blank: none)", "code", width=22),
)
"""Columns of sheet DoanhNghiep, in order (table ``enterprises``)."""


def record_columns(elements: DataElements | None = None) -> tuple[Column, ...]:
    """Columns of sheet CapTren, in order; the ratings are the register's (``upper_elements``)."""
    elements = elements or load_elements()
    rating = next(e for e in elements.upper_elements if e.name == "rating")
    return (
        Column("upper_id", "Mã công đoàn cấp trên", "Upper union code", "code", True, 20),
        Column("year", "Năm", "Year", "count", True, 10),
        Column("rating", "Xếp loại", "Rating", "choice", width=30,
               choices=tuple(rating.values or ())),
        Column("audited", "Được kiểm tra, quyết toán tài chính (Có/Không)", "Audited",
               "yes_no", width=20),
        Column("nonunion_workers_reached",
               "Người lao động nơi chưa có công đoàn được tiếp cận, tập hợp",
               "Workers without a union reached", "count", width=24),
    )


Status = Literal["accepted", "rejected", "duplicate"]
Outcome = Literal["added", "changed", "unchanged"]
OUTCOME_WORDS: dict[str, tuple[str, str]] = {
    "added": ("thêm", "added"), "changed": ("sửa", "changed"), "unchanged": ("không đổi",
                                                                          "unchanged")}
SHEET_WORDS = {ENTERPRISES_SHEET: ("Doanh nghiệp", "Enterprises"),
               RECORDS_SHEET: ("Công đoàn cấp trên theo năm", "Upper unions by year")}


@dataclass
class RecordsBook:
    """What the records book is checked against and prefilled with (frames as stored)."""

    communes: pd.DataFrame
    units: pd.DataFrame
    upper_unions: pd.DataFrame
    enterprises: pd.DataFrame
    upper_records: pd.DataFrame


def read_book(url: str | None = None) -> RecordsBook:
    """The registry tables and the two record tables as stored in the database at ``url``."""
    return RecordsBook(**{name: store.read_table(name, url) for name in (
        "communes", "units", "upper_unions", "enterprises", "upper_records")})


@dataclass(kw_only=True)
class RecordsFile(ListFile):
    """A records book once read and checked: its two tables (valid rows only) and problems."""

    enterprises: pd.DataFrame
    upper_records: pd.DataFrame


# ----------------------------------------------------------------------------- reading
def _cells(parsed: RecordsFile, data: bytes, budget: Budget, columns: dict[str, tuple[Column, ...]]
           ) -> dict[str, list[dict[str, Cell]]]:
    """The data rows of each sheet present, read within ``budget``."""
    workbook, refused = open_workbook(parsed.name, data, budget)
    if refused is not None:
        parsed.problems.append(refused)
        return {}
    try:
        if not set(columns) & set(workbook.sheetnames):
            parsed.problems.append(Problem(
                file=parsed.name, message_vi=f"Không có trang '{ENTERPRISES_SHEET}' hay "
                f"'{RECORDS_SHEET}'.", message_en=f"No sheet '{ENTERPRISES_SHEET}' or "
                f"'{RECORDS_SHEET}'.", value=list(workbook.sheetnames),
                expected=f"mẫu / the template: {RECORDS_TEMPLATE}"))
            return {}
        return {sheet: sheet_cells(parsed, sheet, sheet_grid(workbook[sheet], budget), cols)
                for sheet, cols in columns.items() if sheet in workbook.sheetnames}
    except LimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - truncated parts surface while iterating
        parsed.problems.append(unreadable_workbook(parsed.name, exc, RECORDS_TEMPLATE))
        return {}
    finally:
        workbook.close()


def _rows(reader: ListReader, sheet: str, columns: tuple[Column, ...],
          rows: Iterable[dict[str, Cell]]) -> Iterable[tuple[dict[str, Any], dict[str, Cell]]]:
    """Each non-blank row converted (values None where blank or wrong), with its cells."""
    elements = column_elements(columns)
    for number, cells in enumerate(rows, start=1):
        if number % 256 == 0:
            reader.budget.check_time()
        if all(is_blank(c.value) for c in cells.values()):
            continue
        record = {c.key: reader.value(c, cells.get(c.key, Cell(None, sheet)), elements)
                  for c in columns}
        if all(record[c.key] is not None for c in columns if c.required):
            yield record, cells


class _Checker:
    """The registry checks of the rows of one book; each problem at its cell."""

    def __init__(self, reader: ListReader, book: RecordsBook) -> None:
        self.add = reader.out.add
        self.parsed = reader.parsed
        self.today = reader.today
        self.book = book
        self.communes = set(book.communes["commune_id"].astype(str))
        self.sectors = dict(zip(book.units["unit_id"].astype(str),
                                book.units["sector"].astype(str), strict=True))
        self.uppers = book.upper_unions.set_index("upper_id")

    def enterprises(self, rows: Iterable[tuple[dict[str, Any], dict[str, Cell]]]
                    ) -> list[dict[str, Any]]:
        """The valid enterprise rows; a tax code or a CĐCS listed twice is a problem."""
        kept: list[dict[str, Any]] = []
        listed: dict[str, int | None] = {}
        linked: dict[str, tuple[str, int | None]] = {}
        rows = list(rows)
        in_file = {str(r["enterprise_id"]) for r, _ in rows}
        stored = self.book.enterprises
        for eid, uid in zip(stored["enterprise_id"], stored["unit_id"], strict=True):
            if isinstance(uid, str) and str(eid) not in in_file:
                linked[uid] = (str(eid), None)
        for record, cells in rows:
            eid, row = str(record["enterprise_id"]), cells["enterprise_id"].row
            ok = True
            if eid in listed:
                self.add(cells["enterprise_id"], "enterprise_id", "Mã số thuế bị lặp.",
                         "Duplicate tax code.", value=eid,
                         expected=f"mỗi doanh nghiệp một dòng (đã có ở dòng {listed[eid]})",
                         expected_en=f"one row per enterprise (already on row {listed[eid]})")
                continue
            listed[eid] = row
            self.parsed.rows[(ENTERPRISES_SHEET, eid)] = row or 0
            if record["commune_id"] not in self.communes:
                self.add(cells["commune_id"], "commune_id", "Mã xã, phường không có trong danh "
                         "mục.", "Unknown commune or ward code.", value=record["commune_id"],
                         expected=f"một mã trong trang {LISTS_SHEET} (congdoan units import)",
                         expected_en=f"a code of sheet {LISTS_SHEET} (congdoan units import)")
                ok = False
            opened, closed = record["opened"], record["closed"]
            if opened is not None and closed is not None and closed < opened:
                self.add(cells["closed"], "closed", "Ngày ngừng hoạt động trước ngày bắt đầu.",
                         "The closing date is before the opening date.",
                         value=f"{closed:%d/%m/%Y}", expected=f"≥ {opened:%d/%m/%Y}")
                ok = False
            ok = self._unit(record, cells, linked) and ok
            if ok:
                kept.append(record)
        return kept

    def _unit(self, record: dict[str, Any], cells: dict[str, Cell],
              linked: dict[str, tuple[str, int | None]]) -> bool:
        uid = record["unit_id"]
        if uid is None:
            return True
        cell = cells["unit_id"]
        if uid not in self.sectors:
            self.add(cell, "unit_id", "Mã CĐCS không có trong danh mục.", "Unknown CĐCS code.",
                     value=uid, expected=f"một mã trong trang {LISTS_SHEET}, hoặc để trống",
                     expected_en=f"a code of sheet {LISTS_SHEET}, or blank")
            return False
        if self.sectors[uid] == "HCSN":
            self.add(cell, "unit_id", "CĐCS này thuộc khu vực HCSN, không phải của doanh "
                     "nghiệp.", "This CĐCS is of sector HCSN, not an enterprise's.", value=uid,
                     expected="CĐCS khu vực DNNN hoặc NNN",
                     expected_en="a CĐCS of sector DNNN or NNN")
            return False
        if uid in linked:
            other, row = linked[uid]
            where = f"dòng {row}" if row is not None else "đã lưu / stored"
            self.add(cell, "unit_id", "CĐCS này đã gắn với một doanh nghiệp khác.",
                     "This CĐCS is already linked to another enterprise.", value=uid,
                     expected=f"mỗi CĐCS một doanh nghiệp ({other}, {where})",
                     expected_en=f"one enterprise per CĐCS ({other}, "
                     f"{'row ' + str(row) if row is not None else 'stored'})")
            return False
        linked[uid] = (str(record["enterprise_id"]), cell.row)
        return True

    def upper_records(self, rows: Iterable[tuple[dict[str, Any], dict[str, Cell]]]
                      ) -> list[dict[str, Any]]:
        """The valid record rows with something recorded; a (union, year) twice is a problem."""
        kept: list[dict[str, Any]] = []
        listed: dict[tuple[str, int], int | None] = {}
        for record, cells in rows:
            upper, year = str(record["upper_id"]), int(record["year"])
            if upper not in self.uppers.index:
                self.add(cells["upper_id"], "upper_id", "Mã công đoàn cấp trên không có trong "
                         "danh mục.", "Unknown upper union code.", value=upper,
                         expected=f"một mã trong trang {LISTS_SHEET} (congdoan units import)",
                         expected_en=f"a code of sheet {LISTS_SHEET} (congdoan units import)")
                continue
            first, last = self._years(upper)
            if not first <= year <= last:
                self.add(cells["year"], "year", "Năm nằm ngoài thời gian hoạt động của công "
                         "đoàn cấp trên này (hoặc sau năm nay).", "The year is outside this "
                         "upper union's life (or after this year).", value=year,
                         expected=f"{first}–{last}")
                continue
            if (upper, year) in listed:
                self.add(cells["year"], "year", "Công đoàn cấp trên và năm này bị lặp.",
                         "This upper union and year are listed twice.", value=year,
                         expected=f"một dòng mỗi năm (đã có ở dòng {listed[(upper, year)]})",
                         expected_en=f"one row a year (already on row {listed[(upper, year)]})")
                continue
            listed[(upper, year)] = cells["year"].row
            self.parsed.rows[(RECORDS_SHEET, f"{upper}/{year}")] = cells["year"].row or 0
            if any(record[k] is not None for k in ("rating", "audited",
                                                    "nonunion_workers_reached")):
                kept.append(record)
        return kept

    def _years(self, upper: str) -> tuple[int, int]:
        """First and last year an upper union's records can be for (never after this year)."""
        start: Any = self.uppers.loc[upper, "valid_from"]
        end: Any = self.uppers.loc[upper, "valid_to"]
        last = self.today.year if pd.isna(end) else min(pd.Timestamp(end).year, self.today.year)
        return pd.Timestamp(start).year, last


def read_records_file(name: str, data: bytes, settings: IntakeSettings, today: dt.date,
                      book: RecordsBook, elements: DataElements | None = None) -> RecordsFile:
    """Read and check a records book (``.xlsx`` from the template) against ``book``.

    Pure but for parsing bytes. Every problem is located (file, sheet, cell, field) with the
    value found and what is expected, in Vietnamese and English; past a limit of
    ``params/intake.yaml`` the one problem names the limit.
    """
    columns = {ENTERPRISES_SHEET: ENTERPRISE_COLUMNS, RECORDS_SHEET: record_columns(elements)}
    parsed = RecordsFile(name=name, enterprises=pd.DataFrame(), upper_records=pd.DataFrame())
    budget = Budget(name, settings, template=RECORDS_TEMPLATE)
    if Path(name).suffix.lower() != ".xlsx":
        parsed.problems.append(Problem(
            file=name, message_vi="Định dạng tệp không được hỗ trợ.",
            message_en="Unsupported file type.", value=Path(name).suffix or "(không có đuôi)",
            expected=f".xlsx ({RECORDS_TEMPLATE})"))
        return parsed
    try:
        raw = _cells(parsed, data, budget, columns)
        reader = ListReader(parsed, budget, today)
        checker = _Checker(reader, book)
        frames = {
            ENTERPRISES_SHEET: checker.enterprises(_rows(
                reader, ENTERPRISES_SHEET, columns[ENTERPRISES_SHEET],
                raw.get(ENTERPRISES_SHEET, []))),
            RECORDS_SHEET: checker.upper_records(_rows(
                reader, RECORDS_SHEET, columns[RECORDS_SHEET], raw.get(RECORDS_SHEET, [])))}
    except LimitExceeded as exc:
        parsed.problems = [exc.problem]
        return parsed
    parsed.problems.extend(reader.out.closed())
    parsed.enterprises, parsed.upper_records = (
        pd.DataFrame(frames[sheet], columns=[c.key for c in columns[sheet]]) for sheet in columns)
    parsed.readable = bool(raw)
    if raw and not any(frames.values()) and not has_errors(parsed.problems):
        parsed.problems.append(Problem(
            file=name, message_vi="Sổ trống: không có dòng nào để ghi.",
            message_en="The book is empty: no row to record.",
            expected="ít nhất một dòng / at least one row"))
    return parsed


# ----------------------------------------------------------------------------- comparing
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
    status: Status
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
        errors = sum(p.severity == "error" for p in self.problems)
        warnings = len(self.problems) - errors
        counts = (f"{errors} lỗi, {warnings} cảnh báo" if vi else
                  f"{errors} errors, {warnings} warnings")
        lines = [f"{words[which]}: {self.path.name} ({counts})"]
        for sheet, n in self.counts.items():
            shown = ", ".join(f"{OUTCOME_WORDS[k][which]} {n.get(k, 0)}" for k in OUTCOME_WORDS)
            lines.append(f"   {SHEET_WORDS[sheet][which]}: {shown}")
        if self.report_path is not None:
            lines.append(("   báo cáo lỗi: " if vi else "   error report: ") + str(self.report_path))
        return "\n".join(lines)


def _find_import(sha: str, url: str) -> bool:
    table = schema().tables["records_imports"]
    with store.get_engine(url).connect() as conn:
        return conn.execute(sa.select(table.c.import_id).where(table.c.sha256 == sha)).first() \
            is not None


def _apply(record: dict[str, Any], parsed: RecordsFile, counts: dict[str, dict[str, int]],
           url: str) -> int:
    """Upsert both tables and record the import, in ONE transaction; returns its id."""
    totals = {k: sum(n.get(k, 0) for n in counts.values()) for k in OUTCOME_WORDS}
    with store.get_engine(url).begin() as conn:
        key = conn.execute(sa.insert(schema().tables["records_imports"]).values(
            **record, n_added=totals["added"], n_changed=totals["changed"],
            n_unchanged=totals["unchanged"])).inserted_primary_key
        assert key is not None
        store.upsert_frame(conn, "enterprises", parsed.enterprises)
        store.upsert_frame(conn, "upper_records", parsed.upper_records)
    return int(key[0])


def import_records(path: Path, url: str | None = None, store_dir: Path | None = None, *,
                   submitted_by: str | None = None, today: dt.date | None = None,
                   lang: str = "vi") -> RecordsImportResult:
    """Keep, check and apply (or quarantine) one records book; see the module's rules.

    Importing a file already seen (same SHA-256, accepted or quarantined) does nothing.
    """
    url = url or store.default_url()
    store_dir = Path(store_dir) if store_dir else store.default_store_dir(url)
    settings = load_intake_settings()
    today = today or dt.date.today()
    path = Path(path)
    name = unicodedata.normalize("NFC", path.name)
    sha = sha256_of(path)
    if _find_import(sha, url) or _quarantined(store_dir, sha):
        return RecordsImportResult(path=path, sha256=sha, status="duplicate")
    stored = _stored_copy(store_dir, path, sha)
    size = path.stat().st_size
    record = {"sha256": sha, "original_name": name, "stored_path": str(stored),
              "received_at": store.now(), "submitted_by": submitted_by}
    parsed: RecordsFile | None = None
    if size > settings.max_file_mb * 2**20:
        problems = [limit_problem(name, "max_file_mb", settings, f"{size / 2**20:.1f} MB",
                                  template=RECORDS_TEMPLATE)]
    else:
        try:
            parsed = read_records_file(name, stored.read_bytes(), settings, today,
                                       read_book(url))
            problems = list(parsed.problems)
        except Exception as exc:  # noqa: BLE001 - one file, one outcome, never a traceback
            log.debug("reading %s failed", name, exc_info=True)
            problems = [Problem(
                file=name, message_vi=f"Không đọc được tệp ({type(exc).__name__}: {exc}); tệp "
                "bị từ chối, không ghi gì.", message_en=f"The file could not be read "
                f"({type(exc).__name__}: {exc}); it was rejected, nothing was written.",
                expected=f"tệp .xlsx tạo từ mẫu ({RECORDS_TEMPLATE})")]
    if parsed is not None and parsed.readable and not has_errors(problems):
        book = read_book(url)
        counts = {sheet: dict(Counter[str](outcomes(frame, getattr(book, TABLE_OF[sheet]),
                                                     TABLE_OF[sheet])))
                  for sheet, frame in ((ENTERPRISES_SHEET, parsed.enterprises),
                                       (RECORDS_SHEET, parsed.upper_records))}
        try:
            import_id = _apply(record, parsed, counts, url)
        except sa.exc.IntegrityError as exc:
            problems.append(Problem(file=name, message_vi=f"Cơ sở dữ liệu từ chối sổ: {exc.orig}",
                                    message_en=f"The database refused the book: {exc.orig}"))
        else:
            report = None
            if problems:
                base = store_dir / "reports" / f"{sha[:16]}_{safe_file_stem(name)}"
                base.parent.mkdir(parents=True, exist_ok=True)
                report = _write_problem_report(base, problems, lang, [name, f"sha256 {sha}"])
            return RecordsImportResult(path=path, sha256=sha, status="accepted",
                                       problems=problems, counts=counts, report_path=report,
                                       import_id=import_id)
    kept = _quarantine(path, name, sha, stored, store_dir, {**record, "layout": "records"},
                       problems, lang)
    return RecordsImportResult(path=path, sha256=sha, status="rejected", problems=problems,
                               report_path=kept.report_path)
