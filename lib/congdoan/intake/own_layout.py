"""A units list in the officer's own layout: any workbook (or CSV) with a row of headers.

An officer's list of CĐCS is rarely our template (:mod:`congdoan.intake.units`): a title above
it, a header row somewhere in the first rows, "STT", names with their accents, the sector in
words ("Doanh nghiệp ngoài nhà nước"), the commune and the upper union by name, no codes. This
module reads such a list into the frames the template's reader makes, so that it is checked and
applied by the same rules (:mod:`congdoan.intake.unit_import`):

- the header row and the field of each column are found by :mod:`congdoan.intake.own_headers`
  (Vietnamese header words compared without accents, case and punctuation; ``--column
  "HEADER=field"`` for a header it does not know; the others listed as ignored, never guessed);
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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.utils.cell import column_index_from_string

from congdoan.core.registry import RegistryState
from congdoan.core.registry_changes import COMMUNE_FIELDS, UNIT_FIELDS, UPPER_FIELDS
from congdoan.core.workspace import Organisation
from congdoan.exceptions import Location, ParameterError
from congdoan.intake.cells import Cell, is_blank
from congdoan.intake.own_codes import OwnRow, give_codes
from congdoan.intake.own_headers import FIELDS, Grid, Mapping, find_mapping, fold
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
    ListReader,
    UnitsFile,
    column_elements,
)

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


_SECTOR_OF = {fold(w): code for code, words in SECTOR_WORDS.items() for w in words}


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
    """The cell, its text on one line (a line break typed in a name is a space)."""
    raw, formula = grid.get((row, col), (None, False))
    if isinstance(raw, str) and not formula:
        raw = " ".join(raw.split())
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
