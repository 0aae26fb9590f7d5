"""The records book: the enterprise registry and the upper unions' yearly records, nothing lost.

``congdoan records template`` writes the book (:mod:`congdoan.intake.records_template`);
``congdoan records import FILE`` reads it back here. Three sheets, laid out as the units list
(:mod:`congdoan.intake.units`: labels, a key row, data from its first row) and read by the same
code within the limits of ``params/intake.yaml``:

- :data:`ENTERPRISES_SHEET` ("DoanhNghiep"): one row per enterprise (table ``enterprises``),
  keyed by its tax code;
- :data:`RECORDS_SHEET` ("CapTren"): one row per upper union and year (table
  ``upper_records``): rating, audited, workers without a union reached;
- :data:`AREAS_SHEET` ("DiaBan"): the communes each upper union covers, dated (table ``areas``:
  enterprises without a CĐCS are counted under the upper union of their commune, clause 2.3).

Every cell is checked against the registry as stored (communes, CĐCS, upper unions): an unknown
code, a CĐCS linked to two enterprises or of sector HCSN, a closing day before the opening day,
a year outside the upper union's life, a commune covered by two upper unions on one day … each
is a problem located at its cell. The file is kept in the workspace's store, then accepted or
rejected *whole* as a units list is (:mod:`congdoan.intake.unit_import`): accepted, its rows are
upserted (enterprises by tax code, records by upper union and year, areas by commune, upper
union and start) in ONE transaction with the import's record (``records_imports``,
:mod:`congdoan.intake.records_import`); rejected, the database is unchanged and the file is
quarantined with its error report. Rows of the database that the file does not list are left as
they are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from congdoan.core import store
from congdoan.core.plan import DataElements, load_elements
from congdoan.intake.cells import Cell, is_blank
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    LimitExceeded,
    Problem,
    has_errors,
)
from congdoan.intake.units import (
    Column,
    ListFile,
    ListReader,
    column_elements,
    list_workbook_cells,
)

ENTERPRISES_SHEET, RECORDS_SHEET, AREAS_SHEET = "DoanhNghiep", "CapTren", "DiaBan"
LISTS_SHEET = "DanhMuc"
RECORDS_TEMPLATE = "congdoan records template"
"""The command that writes the records book (named in messages)."""
RECORDS_FILE = "SoTheoDoi.xlsx"
"""File name of the book in the workspace's output folder."""

TABLE_OF = {ENTERPRISES_SHEET: "enterprises", RECORDS_SHEET: "upper_records",
            AREAS_SHEET: "areas"}
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

AREA_COLUMNS = (
    Column("commune_id", "Mã xã, phường", "Commune or ward code", "code", True),
    Column("upper_id", "Mã công đoàn cấp trên phụ trách địa bàn", "Upper union covering it",
           "code", True, 22),
    Column("valid_from", "Từ ngày", "From", "date", True),
    Column("valid_to", "Đến ngày (trống: đến nay)", "Until (blank: still)", "date", width=18),
)
"""Columns of sheet DiaBan, in order (table ``areas``)."""


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


SHEET_WORDS = {ENTERPRISES_SHEET: ("Doanh nghiệp", "Enterprises"),
               RECORDS_SHEET: ("Công đoàn cấp trên theo năm", "Upper unions by year"),
               AREAS_SHEET: ("Địa bàn", "Areas")}


@dataclass
class RecordsBook:
    """What the records book is checked against and prefilled with (frames as stored)."""

    communes: pd.DataFrame
    units: pd.DataFrame
    upper_unions: pd.DataFrame
    enterprises: pd.DataFrame
    upper_records: pd.DataFrame
    areas: pd.DataFrame


def read_book(url: str | None = None) -> RecordsBook:
    """The registry tables and the three record tables as stored in the database at ``url``."""
    return RecordsBook(**{name: store.read_table(name, url) for name in (
        "communes", "units", "upper_unions", "enterprises", "upper_records", "areas")})


@dataclass(kw_only=True)
class RecordsFile(ListFile):
    """A records book once read and checked: its tables (valid rows only) and problems."""

    enterprises: pd.DataFrame
    upper_records: pd.DataFrame
    areas: pd.DataFrame


# ----------------------------------------------------------------------------- reading
def _without_records_sheets(columns: dict[str, tuple[Column, ...]]
                            ) -> Callable[[str, list[str]], Problem | None]:
    def missing(name: str, sheetnames: list[str]) -> Problem | None:
        if set(columns) & set(sheetnames):
            return None
        return Problem(file=name, message_vi="Không có trang nào của sổ theo dõi.",
                       message_en="None of the records book's sheets.", value=sheetnames,
                       expected=f"mẫu / the template: {RECORDS_TEMPLATE}")
    return missing


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

    def areas(self, rows: Iterable[tuple[dict[str, Any], dict[str, Cell]]]
              ) -> list[dict[str, Any]]:
        """The valid area rows; a commune under two upper unions on one day is a problem."""
        kept: list[dict[str, Any]] = []
        spans: dict[str, list[tuple[pd.Timestamp, pd.Timestamp, str]]] = {}
        rows = list(rows)
        in_file = {(r["commune_id"], r["upper_id"], r["valid_from"]) for r, _ in rows}
        for rec in self.book.areas.to_dict("records"):
            start = pd.Timestamp(rec["valid_from"])
            if (rec["commune_id"], rec["upper_id"], start) not in in_file:
                end = pd.Timestamp.max if pd.isna(rec["valid_to"]) else pd.Timestamp(
                    rec["valid_to"])
                spans.setdefault(str(rec["commune_id"]), []).append(
                    (start, end, f"{rec['upper_id']} ({start:%d/%m/%Y}, đã lưu / stored)"))
        for record, cells in rows:
            commune, upper = str(record["commune_id"]), str(record["upper_id"])
            start, end = record["valid_from"], record["valid_to"]
            ok = True
            if commune not in self.communes:
                self.add(cells["commune_id"], "commune_id", "Mã xã, phường không có trong danh "
                         "mục.", "Unknown commune or ward code.", value=commune,
                         expected=f"một mã trong trang {LISTS_SHEET} (congdoan units import)",
                         expected_en=f"a code of sheet {LISTS_SHEET} (congdoan units import)")
                ok = False
            if upper not in self.uppers.index:
                self.add(cells["upper_id"], "upper_id", "Mã công đoàn cấp trên không có trong "
                         "danh mục.", "Unknown upper union code.", value=upper,
                         expected=f"một mã trong trang {LISTS_SHEET} (congdoan units import)",
                         expected_en=f"a code of sheet {LISTS_SHEET} (congdoan units import)")
                ok = False
            if end is not None and end < start:
                self.add(cells["valid_to"], "valid_to", "'Đến ngày' trước 'Từ ngày'.",
                         "'Until' is before 'From'.", value=f"{end:%d/%m/%Y}",
                         expected=f"≥ {start:%d/%m/%Y}")
                continue
            last = pd.Timestamp.max if end is None else end
            clash = next((who for s, e, who in spans.get(commune, []) if s <= last and start <= e),
                         None)
            if clash is not None:
                self.add(cells["valid_from"], "valid_from", "Xã, phường này đã thuộc địa bàn "
                         "của một công đoàn cấp trên khác (hoặc dòng khác) trong thời gian này.",
                         "This commune is already covered by another upper union (or row) over "
                         "these days.", value=f"{start:%d/%m/%Y}",
                         expected=f"không trùng thời gian với {clash}",
                         expected_en=f"no days in common with {clash}")
                ok = False
            row = cells["commune_id"].row
            spans.setdefault(commune, []).append((start, last, f"{upper} (dòng/row {row})"))
            if ok:
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
    columns = {ENTERPRISES_SHEET: ENTERPRISE_COLUMNS, RECORDS_SHEET: record_columns(elements),
               AREAS_SHEET: AREA_COLUMNS}
    parsed = RecordsFile(name=name, enterprises=pd.DataFrame(), upper_records=pd.DataFrame(),
                         areas=pd.DataFrame())
    budget = Budget(name, settings, template=RECORDS_TEMPLATE)
    if Path(name).suffix.lower() != ".xlsx":
        parsed.problems.append(Problem(
            file=name, message_vi="Định dạng tệp không được hỗ trợ.",
            message_en="Unsupported file type.", value=Path(name).suffix or "(không có đuôi)",
            expected=f".xlsx ({RECORDS_TEMPLATE})"))
        return parsed
    try:
        raw = list_workbook_cells(parsed, data, budget, columns, _without_records_sheets(columns),
                                  RECORDS_TEMPLATE)
        reader = ListReader(parsed, budget, today)
        checker = _Checker(reader, book)
        checks = {ENTERPRISES_SHEET: checker.enterprises, RECORDS_SHEET: checker.upper_records,
                  AREAS_SHEET: checker.areas}
        frames = {sheet: check(_rows(reader, sheet, columns[sheet], raw.get(sheet, [])))
                  for sheet, check in checks.items()}
    except LimitExceeded as exc:
        parsed.problems = [exc.problem]
        return parsed
    parsed.problems.extend(reader.out.closed())
    parsed.enterprises, parsed.upper_records, parsed.areas = (
        pd.DataFrame(frames[sheet], columns=[c.key for c in columns[sheet]]) for sheet in columns)
    parsed.readable = bool(raw)
    if raw and not any(frames.values()) and not has_errors(parsed.problems):
        parsed.problems.append(Problem(
            file=name, message_vi="Sổ trống: không có dòng nào để ghi.",
            message_en="The book is empty: no row to record.",
            expected="ít nhất một dòng / at least one row"))
    return parsed
