"""A units list in the officer's own layout: any workbook (or CSV) with a row of headers.

An officer's list of CĐCS is rarely our template (:mod:`congdoan.intake.units`): a title above
it, a header row somewhere in the first rows, "STT", names with their accents, the sector in
words ("Doanh nghiệp ngoài nhà nước"), the commune and the upper union by name, no codes. This
module reads such a list into the frames the template's reader makes, so that it is checked and
applied by the same rules (:mod:`congdoan.intake.unit_import`):

- the header row is the row, within the first :data:`HEADER_ROWS` rows of the first sheet that
  has one (or of the sheet named), that names the most fields, the CĐCS's name among them;
- a column is mapped by its header, compared without accents, case and punctuation with the
  words of :data:`FIELDS` (a part in brackets aside); ``--column "HEADER=field"`` maps one it
  does not know; the others are listed as ignored, never guessed;
- each value is converted and checked as in the template (:class:`~congdoan.intake.units.ListReader`),
  the sector also from its words (:data:`SECTOR_WORDS`); then :mod:`congdoan.intake.own_codes`
  gives codes to the CĐCS, communes and upper unions, which the list names but does not code.

A header that cannot be mapped raises :class:`~congdoan.exceptions.DataError` (an unknown
``--column`` or ``--sheet``: :class:`~congdoan.exceptions.ParameterError`): the fix may be an
option rather than an edit of the file, so nothing about the file is kept. Every problem of a
value is a located :class:`~congdoan.intake.problems.Problem`, as in the template.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string

from congdoan.core.registry import RegistryState
from congdoan.core.registry_changes import COMMUNE_FIELDS, UNIT_FIELDS, UPPER_FIELDS
from congdoan.core.workspace import Organisation
from congdoan.exceptions import DataError, Location, ParameterError
from congdoan.intake.cells import Cell, is_blank
from congdoan.intake.own_codes import OwnRow, fold, give_codes
from congdoan.intake.problems import Budget, IntakeSettings, LimitExceeded, Problem
from congdoan.intake.readers import (
    csv_delimiter,
    csv_rows,
    decode_csv,
    open_workbook,
    sheet_grid,
    unreadable_workbook,
)
from congdoan.intake.units import (
    COMMUNES_SHEET,
    KEY_ROW,
    UNITS_SHEET,
    UNITS_TEMPLATE,
    UPPERS_SHEET,
    Column,
    Kind,
    ListReader,
    UnitsFile,
    column_elements,
)

HEADER_ROWS = 15
"""The header row is looked for in the first rows of a sheet, at most this many."""

Grid = dict[tuple[int, int], tuple[Any, bool]]


@dataclass(frozen=True)
class Field:
    """A field of an own-layout list: the template column it fills and the headers naming it."""

    key: str
    """The template's field key (:data:`~congdoan.intake.units.UNIT_COLUMNS`) it fills."""
    label_vi: str
    label_en: str
    kind: Kind
    headers: tuple[str, ...]
    required: bool = False


FIELDS: dict[str, Field] = {
    "code": Field("unit_id", "mã CĐCS", "CĐCS code", "code",
                  ("Mã", "Mã CĐCS", "Mã đơn vị", "Mã công đoàn cơ sở", "Mã số CĐCS")),
    "name": Field("name", "tên CĐCS", "CĐCS name", "text",
                  ("Tên CĐCS", "Tên công đoàn cơ sở", "Tên đơn vị", "Tên công đoàn", "Tên",
                   "Công đoàn cơ sở", "CĐCS", "Tên CĐCS, đơn vị"), True),
    "sector": Field("sector", "khu vực", "sector", "text",
                    ("Khu vực", "Loại hình", "Loại hình đơn vị", "Loại hình doanh nghiệp",
                     "Loại hình CĐCS", "Khối", "Khu vực, loại hình"), True),
    "commune": Field("commune_id", "xã, phường", "commune or ward", "text",
                     ("Xã, phường", "Xã/phường", "Địa bàn", "Xã", "Phường", "Xã, phường, thị trấn",
                      "Tên xã, phường", "Địa bàn xã, phường", "Xã, phường, đặc khu"), True),
    "upper": Field("upper_id", "công đoàn cấp trên", "upper union", "text",
                   ("Công đoàn cấp trên", "Trực thuộc", "Cấp trên trực tiếp", "Cấp trên",
                    "Công đoàn cấp trên trực tiếp", "Công đoàn cấp trên trực tiếp cơ sở",
                    "Đơn vị cấp trên", "Tên công đoàn cấp trên")),
    "founded": Field("founded", "ngày thành lập", "founding date", "date",
                     ("Ngày thành lập", "Thành lập", "Ngày thành lập CĐCS",
                      "Ngày thành lập công đoàn", "Ngày thành lập công đoàn cơ sở")),
    "dissolved": Field("dissolved", "ngày giải thể", "dissolution date", "date",
                       ("Ngày giải thể", "Giải thể")),
    "since": Field("since", "trực thuộc từ ngày", "since (day of a move or a rename)", "date",
                   ("Trực thuộc từ ngày", "Từ ngày", "Ngày hiệu lực")),
    "tax_code": Field("enterprise_id", "mã số thuế", "tax code", "tax_code",
                      ("Mã số thuế", "MST", "Mã số thuế đơn vị", "Mã số doanh nghiệp",
                       "Mã số thuế đơn vị sử dụng lao động")),
    "workers": Field("opening_workers", "số CNVCLĐ", "workers", "count",
                     ("Số CNVCLĐ", "Tổng số CNVCLĐ", "Số lao động", "Số CNLĐ", "CNVCLĐ",
                      "Tổng số lao động", "Số người lao động", "Số CNVCLĐ đầu kỳ", "Lao động")),
    "members": Field("opening_members", "số đoàn viên", "members", "count",
                     ("Số đoàn viên", "Đoàn viên", "Tổng số đoàn viên", "Số đoàn viên đầu kỳ",
                      "Số ĐV", "Số đoàn viên công đoàn")),
}
"""The fields a list in the officer's own layout may have, by the name ``--column`` gives."""

IGNORE = "-"
"""The field of a column to ignore (``--column "Ghi chú=-"``)."""

IGNORED_HEADERS = ("STT", "TT", "Số TT", "Số thứ tự")
"""Headers ignored without a word (a row number)."""

SECTOR_WORDS: dict[str, tuple[str, ...]] = {
    "HCSN": ("HCSN", "Hành chính sự nghiệp", "Khu vực hành chính sự nghiệp", "Cơ quan",
             "Cơ quan hành chính", "Cơ quan, đơn vị", "Đơn vị sự nghiệp", "Hành chính",
             "Sự nghiệp", "Cơ quan hành chính sự nghiệp", "Cơ quan nhà nước",
             "Đơn vị hành chính sự nghiệp", "Cơ quan, đơn vị hành chính sự nghiệp", "Khu vực HCSN"),
    "DNNN": ("DNNN", "Doanh nghiệp nhà nước", "DN nhà nước", "Công ty nhà nước",
             "Doanh nghiệp vốn nhà nước", "Khu vực DNNN"),
    "NNN": ("NNN", "Ngoài nhà nước", "Doanh nghiệp ngoài nhà nước", "DN ngoài nhà nước",
            "Khu vực ngoài nhà nước", "Doanh nghiệp ngoài khu vực nhà nước", "Ngoài quốc doanh",
            "FDI", "DN FDI", "Doanh nghiệp FDI", "Có vốn đầu tư nước ngoài", "Vốn đầu tư nước ngoài",
            "Doanh nghiệp có vốn đầu tư nước ngoài", "Tư nhân", "Doanh nghiệp tư nhân",
            "DN tư nhân", "Dân doanh", "Hợp tác xã", "HTX", "Khu vực NNN"),
}
"""Words an officer writes for each sector, compared as :func:`fold` makes them."""

SECTORS_EXPECTED = ("HCSN, DNNN, NNN hoặc: Hành chính sự nghiệp, Cơ quan, Doanh nghiệp nhà nước, "
                    "Ngoài nhà nước, FDI, Có vốn đầu tư nước ngoài, Tư nhân, Hợp tác xã")


def _header_keys(text: Any) -> tuple[str, ...]:
    """The folded header, then without its parts in brackets and stars (when that differs)."""
    whole = fold(text)
    bare = fold(re.sub(r"\([^)]*\)|\[[^\]]*\]|\*", " ", str(text)))
    return (whole,) if bare in ("", whole) else (whole, bare)


_BY_HEADER = {fold(h): name for name, f in FIELDS.items() for h in f.headers}
_ALIASES = {**{f.key: name for name, f in FIELDS.items()}, **{name: name for name in FIELDS},
            IGNORE: IGNORE, "ignore": IGNORE, "bo qua": IGNORE}
_SECTOR_OF = {fold(w): code for code, words in SECTOR_WORDS.items() for w in words}


def field_named(text: str) -> str | None:
    """The field ``--column "HEADER=text"`` names, or None.

    ``text`` is a field (``name``), a template key (``unit_id``), a header the program knows
    ("Tên CĐCS"), or ``-`` to ignore the column.
    """
    word = fold(text)
    return _ALIASES.get(text.strip()) or _ALIASES.get(word.replace(" ", "_")) or \
        _ALIASES.get(word) or _BY_HEADER.get(word)


def parse_columns(values: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The ``--column "HEADER=field"`` options as (header, field) pairs.

    Raises:
        ParameterError: an option without ``=`` or naming no field.

    """
    pairs = []
    for value in values:
        header, sep, name = value.rpartition("=")
        mapped = field_named(name) if sep and header.strip() else None
        if mapped is None:
            raise ParameterError(
                "Tuỳ chọn --column cần dạng \"TIÊU ĐỀ CỘT=trường\".",
                "Option --column needs the form \"COLUMN HEADER=field\".",
                location=Location(field="--column"), value=value,
                expected=", ".join([*FIELDS, IGNORE]))
        pairs.append((header.strip(), mapped))
    return tuple(pairs)


def sector_code(value: Any) -> str | None:
    """HCSN, DNNN or NNN from a sector's code or words ("Ngoài nhà nước", "FDI" …); None if unknown."""
    return _SECTOR_OF.get(fold(value))


@dataclass(frozen=True)
class OwnLayout:
    """How to read a list in the officer's own layout (the options of ``units import``)."""

    organisation: Organisation
    columns: tuple[tuple[str, str], ...] = ()
    """(header, field) pairs given with ``--column``: headers the program does not know."""
    sheet: str | None = None
    start: dt.date | None = None
    """The organisation's start (``--start``), when the registry does not know it yet."""


@dataclass(frozen=True)
class MappedColumn:
    """A column of the officer's list and the field it was read as (``-``: ignored)."""

    letter: str
    header: str
    field: str
    known: bool = True
    """False for a column no header word names (listed as ignored)."""


@dataclass(frozen=True)
class Mapping:
    """Where the header row of an own-layout list is and what each of its columns was read as."""

    sheet: str | None
    header_row: int
    columns: tuple[MappedColumn, ...]
    header_rows: int = 1
    """2 when the row under the header names the columns a merged group header spans."""

    @property
    def used(self) -> dict[str, MappedColumn]:
        """Field → its column."""
        return {c.field: c for c in self.columns if c.field != IGNORE}

    def describe(self, lang: str = "vi") -> list[str]:
        """Lines for the screen: each column read (letter, header → field), then those ignored."""
        vi = lang == "vi"
        where = (f"trang '{self.sheet}', " if vi else f"sheet '{self.sheet}', ") if self.sheet \
            else ""
        rows = f"{self.header_row}" + (f"–{self.header_row + 1}" if self.header_rows > 1 else "")
        lines = [(f"Danh sách theo mẫu riêng: {where}dòng tiêu đề {rows}; cột đã đọc:"
                  if vi else f"A list in its own layout: {where}header row {rows}; "
                  "columns read:")]
        for c in self.columns:
            if c.field != IGNORE:
                f = FIELDS[c.field]
                lines.append(f"   {c.letter:>3}  \"{c.header}\" → {c.field} "
                             f"({f.label_vi if vi else f.label_en})")
        ignored = [f"{c.letter} \"{c.header}\"" for c in self.columns if c.field == IGNORE]
        if ignored:
            lines.append(("   bỏ qua: " if vi else "   ignored: ") + ", ".join(ignored))
        unknown = [c.header for c in self.columns if not c.known]
        if unknown:
            lines.append(("   (cột lạ được bỏ qua; để đọc một cột: --column \"TIÊU ĐỀ=trường\", "
                          "trường là một trong: " if vi else "   (unknown columns are ignored; "
                          "to read one: --column \"HEADER=field\", field one of: ")
                         + ", ".join(FIELDS) + ")")
        if "upper" not in self.used:
            lines.append("   không có cột công đoàn cấp trên: các CĐCS trực thuộc thẳng tổ chức"
                         if vi else "   no upper-union column: the CĐCS are directly under the "
                         "organisation")
        return lines


@dataclass(kw_only=True)
class OwnListFile(UnitsFile):
    """A units list read from the officer's own layout: the template's frames, and its mapping."""

    mapping: Mapping | None = None
    headers: dict[str, str] = field(default_factory=dict)
    """Template field key → the officer's header of the column it was read from."""

    def locate(self, sheet: str, code: str, key: str | None) -> dict[str, Any]:
        """Location of a field of a listed row in the officer's sheet, named by its header.

        Upper unions and communes are located at the first CĐCS row naming them.
        """
        where = super().locate(sheet, code, key)
        sheet_name = self.mapping.sheet if self.mapping else None
        return {**where, "sheet": sheet_name, "field": self.headers.get(key or "", key)}


# ----------------------------------------------------------------------------- reading
def is_template(name: str, data: bytes, budget: Budget) -> bool:
    """True when ``data`` is a list in our template (a key row), not in an own layout.

    A workbook is the template when its sheet ``CDCS`` has ``unit_id`` on the key row; a CSV when
    its first line names ``unit_id``. A file that cannot be opened counts as the template (whose
    reader then says what is wrong with it).
    """
    if Path(name).suffix.lower() == ".csv":
        text, _ = decode_csv(name, data)
        if text is None:
            return True
        first = next(csv.reader([text.split("\n", 1)[0]], delimiter=csv_delimiter(text)), [])
        return "unit_id" in [c.strip() for c in first]
    workbook, refused = open_workbook(name, data, budget)
    if refused is not None:
        return True
    try:
        if UNITS_SHEET not in workbook.sheetnames:
            return False
        rows = workbook[UNITS_SHEET].iter_rows(min_row=KEY_ROW, max_row=KEY_ROW, values_only=True)
        return any(value == "unit_id" for row in rows for value in row)
    except Exception:  # noqa: BLE001 - a broken file is the template reader's to report
        return True
    finally:
        workbook.close()


def _grids(parsed: OwnListFile, data: bytes, budget: Budget,
           sheet: str | None) -> list[tuple[str | None, Grid]]:
    """The grids of the sheets to look for a header in (a CSV is one grid without a sheet)."""
    if Path(parsed.name).suffix.lower() == ".csv":
        lines, _, problems = csv_rows(parsed.name, data, budget)
        parsed.problems.extend(problems)
        return [] if lines is None else [(None, {
            (r, c): (value, False) for r, line in enumerate(lines, start=1)
            for c, value in enumerate(line, start=1) if value.strip()})]
    workbook, refused = open_workbook(parsed.name, data, budget)
    if refused is not None:
        parsed.problems.append(refused)
        return []
    try:
        if sheet is not None and sheet not in workbook.sheetnames:
            raise ParameterError("Tệp không có trang này.", "The file has no such sheet.",
                                 location=Location(file=parsed.name, field="--sheet"),
                                 value=sheet, expected=", ".join(workbook.sheetnames))
        names = [sheet] if sheet is not None else list(workbook.sheetnames)
        return [(name, sheet_grid(workbook[name], budget)) for name in names]
    except (LimitExceeded, ParameterError):
        raise
    except Exception as exc:  # noqa: BLE001 - truncated parts surface while iterating
        parsed.problems.append(unreadable_workbook(parsed.name, exc, UNITS_TEMPLATE))
        return []
    finally:
        workbook.close()


def _field_of(header: Any, extra: dict[str, str]) -> str | None:
    keys = _header_keys(header)
    for table in (extra, _BY_HEADER):
        for key in keys:
            if key in table:
                return table[key]
    return IGNORE if keys[0] in {fold(h) for h in IGNORED_HEADERS} else None


def _headers_in(grid: Grid, row: int) -> dict[int, str]:
    return {c: str(v).strip() for (r, c), (v, _) in sorted(grid.items())
            if r == row and not is_blank(v)}


def find_mapping(name: str, grids: Sequence[tuple[str | None, Grid]],
                 columns: Sequence[tuple[str, str]] = ()) -> Mapping:
    """The header row of the first grid that has one, and what each of its columns is read as.

    The header row is the one of the first :data:`HEADER_ROWS` naming the most fields, the name
    among them and at least two. ``columns``: (header, field) pairs of ``--column``.

    Raises:
        DataError: no header row; a field named by two columns; a required field missing.
        ParameterError: a ``--column`` header that is not in the header row.

    """
    extra = {fold(header): mapped for header, mapped in columns}
    for sheet, grid in grids:
        top = {cell: value for cell, value in grid.items() if cell[0] <= HEADER_ROWS}
        best: tuple[int, int] | None = None
        for row in range(1, HEADER_ROWS + 1):
            fields = {_field_of(h, extra) for h in _headers_in(top, row).values()} - {None, IGNORE}
            if "name" in fields and len(fields) >= 2 and (best is None or len(fields) > best[1]):
                best = (row, len(fields))
        if best is not None:
            headers = _headers_in(top, best[0])
            under = _sub_headers(headers, _headers_in(grid, best[0] + 1), extra)
            return _mapping(name, sheet, best[0], dict(sorted({**headers, **under}.items())),
                            extra, 1 + bool(under))
    raise DataError(
        f"Không thấy dòng tiêu đề (trong {HEADER_ROWS} dòng đầu) có cột tên CĐCS.",
        f"No header row (within the first {HEADER_ROWS} rows) with a column of CĐCS names.",
        location=Location(file=name), value=[s for s, _ in grids if s] or None,
        expected="một dòng tiêu đề như: STT | Tên CĐCS | Khu vực | Xã, phường | … (hoặc "
                 f"--column \"TIÊU ĐỀ=name\"), hoặc mẫu: {UNITS_TEMPLATE}",
        expected_en="a header row such as: STT | Tên CĐCS | Khu vực | Xã, phường | … (or "
                    f"--column \"HEADER=name\"), or the template: {UNITS_TEMPLATE}")


def _sub_headers(headers: dict[int, str], under: dict[int, str],
                 extra: dict[str, str]) -> dict[int, str]:
    """The row under the header when it names columns of a group header (else nothing).

    As in "Số lượng" merged over "Số CNVCLĐ | Số đoàn viên": every cell of the row under is
    text under a header cell that is blank or names no field, and one at least names a field.
    """
    if not under or any(c in headers and _field_of(headers[c], extra) not in (None, IGNORE)
                        for c in under):
        return {}
    if any(re.fullmatch(r"[\d\s.,()]*", text) for text in under.values()):
        return {}
    named = [c for c, text in under.items() if _field_of(text, extra) not in (None, IGNORE)]
    return under if named else {}


def _mapping(name: str, sheet: str | None, row: int, headers: dict[int, str],
             extra: dict[str, str], header_rows: int = 1) -> Mapping:
    found = {fold(h) for h in headers.values()}
    absent = [h for h in extra if h not in found]
    if absent:
        raise ParameterError("Tiêu đề cột của --column không có ở dòng tiêu đề.",
                             "A header given with --column is not on the header row.",
                             location=Location(file=name, sheet=sheet, row=row, field="--column"),
                             value=absent, expected=" | ".join(headers.values()))
    columns = []
    for col, header in headers.items():
        mapped = _field_of(header, extra)
        columns.append(MappedColumn(get_column_letter(col), header, mapped or IGNORE,
                                    known=mapped is not None))
    mapping = Mapping(sheet, row, tuple(columns), header_rows)
    where = Location(file=name, sheet=sheet, row=row)
    used = [c for c in columns if c.field != IGNORE]
    doubled = sorted({c.field for c in used if sum(d.field == c.field for d in used) > 1})
    if doubled:
        raise DataError("Hai cột cùng được đọc thành một trường.",
                        "Two columns are read as the same field.", location=where,
                        value=[f"{c.letter} \"{c.header}\" → {c.field}" for c in used
                               if c.field in doubled],
                        expected="bỏ một cột: --column \"TIÊU ĐỀ=-\"",
                        expected_en="ignore one: --column \"HEADER=-\"")
    missing = [f for f, spec in FIELDS.items() if spec.required and f not in mapping.used]
    if missing:
        raise DataError(
            "Thiếu cột bắt buộc: " + ", ".join(FIELDS[f].label_vi for f in missing) + ".",
            "Required columns missing: " + ", ".join(FIELDS[f].label_en for f in missing) + ".",
            location=where, value=" | ".join(headers.values()),
            expected="; ".join(f"{f}: {FIELDS[f].headers[0]}" for f in missing)
            + "; hoặc --column \"TIÊU ĐỀ=trường\"",
            expected_en="; ".join(f"{f}: {FIELDS[f].headers[0]}" for f in missing)
            + "; or --column \"HEADER=field\"")
    return mapping


def _numbering_row(grid: Grid, row: int) -> bool:
    """True for a row of column numbers under a header: (1) (2) (3), or 1 2 3, or A B C."""
    values = [str(v).strip() for (r, _), (v, _) in grid.items() if r == row and not is_blank(v)]
    return bool(values) and all(re.fullmatch(r"\(?(\d{1,2}|[A-Z])\)?", v) for v in values)


TOTAL_WORDS = ("tong", "tong cong", "cong", "tong so", "tong cong cdcs", "tong so cdcs")
"""A row whose name is one of these (folded) is a total, not a CĐCS."""


def read_rows(parsed: OwnListFile, grid: Grid, mapping: Mapping, reader: ListReader
              ) -> list[OwnRow]:
    """The CĐCS rows under the header, each value converted and checked (problems to ``reader``).

    Blank rows, one row of column numbers right under the header and total rows are skipped.
    A row missing a required value is kept (its problem is recorded) so that every problem of
    the file is reported at once.
    """
    columns = {f: Column(FIELDS[f].key, c.header, c.header, FIELDS[f].kind, FIELDS[f].required)
               for f, c in mapping.used.items()}
    elements = column_elements(list(columns.values()))
    index = {f: column_index_from_string(c.letter) for f, c in mapping.used.items()}
    last = max((r for r, _ in grid), default=0)
    rows: list[OwnRow] = []
    first = mapping.header_row + mapping.header_rows
    first += _numbering_row(grid, first)
    for number in range(first, last + 1):
        if number % 256 == 0:
            reader.budget.check_time()
        cells = {columns[f].key: _cell(grid, mapping.sheet, number, col)
                 for f, col in index.items()}
        if all(is_blank(c.value) for c in cells.values()):
            continue
        if not is_blank(cells["name"].value) and fold(cells["name"].value) in TOTAL_WORDS:
            continue
        values = {columns[f].key: reader.value(columns[f], cells[columns[f].key], elements)
                  for f in columns if f != "sector"}
        values["sector"] = _sector(reader, columns["sector"], cells["sector"], elements)
        rows.append(OwnRow(number, cells, values))
    parsed.readable = True
    return rows


def _cell(grid: Grid, sheet: str | None, row: int, col: int) -> Cell:
    raw, formula = grid.get((row, col), (None, False))
    if sheet is None:  # a CSV: located by its row
        return Cell(value=raw, row=row, from_text_file=True)
    return Cell(value=raw, sheet=sheet, ref=f"{get_column_letter(col)}{row}", is_formula=formula)


def _sector(reader: ListReader, column: Column, cell: Cell, elements: dict[str, Any]) -> Any:
    text = reader.value(column, cell, elements)
    if text is None:
        return None
    code = sector_code(text)
    if code is None:
        reader.out.add(cell, column.key, f"Không rõ khu vực '{text}'.",
                       f"Unknown sector '{text}'.", value=text, expected=SECTORS_EXPECTED)
    return code


def read_own_list(name: str, data: bytes, settings: IntakeSettings, today: dt.date,
                  state: RegistryState, layout: OwnLayout,
                  on_mapping: Callable[[Mapping], None] | None = None) -> OwnListFile:
    """Read, check and code a units list in the officer's own layout (see the module).

    The result has the frames of :func:`~congdoan.intake.units.read_units_file` (codes given by
    :func:`congdoan.intake.own_codes.give_codes`), its :class:`Mapping` and located problems,
    those about the whole file first. ``on_mapping`` is told the mapping as soon as it is found.

    Raises:
        DataError: the header cannot be mapped.
        ParameterError: ``--sheet`` or a ``--column`` header is not in the file; the
            organisation's start is needed and unknown.

    """
    parsed = OwnListFile(name=name, units=pd.DataFrame(columns=list(UNIT_FIELDS)),
                         uppers=pd.DataFrame(columns=list(UPPER_FIELDS)),
                         communes=pd.DataFrame(columns=list(COMMUNE_FIELDS)))
    budget = Budget(name, settings, template=UNITS_TEMPLATE)
    try:
        grids = _grids(parsed, data, budget, layout.sheet)
        if not grids:
            return parsed
        parsed.mapping = find_mapping(name, grids, layout.columns)
        if on_mapping is not None:
            on_mapping(parsed.mapping)
        grid = dict(grids)[parsed.mapping.sheet]
        reader = ListReader(parsed, budget, today)
        rows = read_rows(parsed, grid, parsed.mapping, reader)
    except LimitExceeded as exc:
        parsed.problems = [exc.problem]
        parsed.readable = False
        return parsed
    used = parsed.mapping.used
    parsed.headers = {FIELDS[f].key: c.header for f, c in used.items()}
    coded = give_codes(rows, state, layout.organisation, layout.start, reader.out,
                       parsed.mapping.sheet)
    parsed.units, parsed.uppers, parsed.communes = coded.units, coded.uppers, coded.communes
    parsed.rows = coded.rows
    parsed.problems.extend(replace(p, field=parsed.headers.get(p.field or "", p.field))
                           for p in coded.notes)
    csv_file = parsed.mapping.sheet is None
    for f, c in used.items():
        parsed.columns[(UNITS_SHEET, FIELDS[f].key)] = "" if csv_file else c.letter
    for sheet, f, keys in ((UPPERS_SHEET, "upper", UPPER_FIELDS),
                           (COMMUNES_SHEET, "commune", COMMUNE_FIELDS)):
        for key in keys if f in used else ():
            parsed.columns[(sheet, key)] = "" if csv_file else used[f].letter
    parsed.problems.extend(replace(p, field=parsed.headers.get(p.field or "", p.field))
                           for p in reader.out.closed())
    if not rows and not parsed.problems:
        parsed.problems.append(Problem(
            file=name, message_vi="Danh sách trống.", message_en="The list is empty.",
            sheet=parsed.mapping.sheet, row=parsed.mapping.header_row,
            expected="ít nhất một dòng dưới dòng tiêu đề / at least one row under the header"))
    return parsed
