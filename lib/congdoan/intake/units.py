"""The units list: an Excel workbook (or a CSV) of CĐCS, upper unions and communes.

Layout of the workbook (:mod:`congdoan.intake.units_template` writes it; see docs/units.md):

- sheet :data:`UNITS_SHEET` ("CDCS"): one row per CĐCS (:data:`UNIT_COLUMNS`);
- sheet :data:`UPPERS_SHEET` ("CapTren"): the upper unions the CĐCS are under
  (:data:`UPPER_COLUMNS`); an upper union already in the registry need not be listed again;
- sheet :data:`COMMUNES_SHEET` ("XaPhuong"): the communes and wards (:data:`COMMUNE_COLUMNS`);
- sheet "HuongDan": instructions.

Each sheet has a row of Vietnamese labels (:data:`LABEL_ROW`), a row of field keys
(:data:`KEY_ROW`, what the reader goes by: columns may be moved) and the data from
:data:`FIRST_ROW`. A CSV holds the CĐCS only, with a header row of the same keys; the upper
unions and communes it names must already be in the registry.

Files are read by the report readers (:mod:`congdoan.intake.readers`) within the same limits
(``params/intake.yaml``): a workbook by the cells it holds, never by its declared dimension.
:func:`read_units_file` turns a file into validated frames and located problems (pure but for
parsing bytes); :mod:`congdoan.intake.unit_import` applies them, and
:mod:`congdoan.intake.units_template` writes the workbook.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from openpyxl.utils import get_column_letter

from congdoan.core.plan import SECTORS, DataElement, ElementKind
from congdoan.core.registry_changes import COMMUNE_FIELDS, UNIT_FIELDS, UPPER_LIST_FIELDS
from congdoan.intake.cells import Cell, _Collector, convert, is_blank, nfc, parse_day
from congdoan.intake.problems import (
    Budget,
    IntakeSettings,
    LimitExceeded,
    Problem,
    printable,
)
from congdoan.intake.readers import (
    csv_rows,
    grid_cell,
    open_workbook,
    sheet_grid,
    unreadable_workbook,
)
from congdoan.intake.validation import UNIT_ID_RE

UNITS_SHEET, UPPERS_SHEET, COMMUNES_SHEET = "CDCS", "CapTren", "XaPhuong"
UNITS_TEMPLATE = "congdoan units template"
"""The command that writes the units list (named in messages)."""
TITLE_ROW, NOTE_ROW, LABEL_ROW, KEY_ROW, FIRST_ROW = 1, 2, 4, 5, 6

FIRST_DAY = dt.date(1929, 7, 28)
"""No trade union date can be earlier (the first Vietnamese trade union, 28/7/1929)."""

UPPER_KIND_LABELS: dict[str, str] = {
    "commune_union": "Công đoàn xã/phường/đặc khu",
    "industry_union": "Công đoàn ngành",
    "district_federation": "Liên đoàn Lao động",
}
"""Kinds of upper union as shown in the dropdown (no commas: an Excel list)."""


Kind = Literal["code", "text", "choice", "date", "count", "tax_code", "yes_no"]


@dataclass(frozen=True)
class Column:
    """One column of a sheet of the units list."""

    key: str
    label_vi: str
    label_en: str
    kind: Kind
    required: bool = False
    width: int = 16
    choices: tuple[str, ...] = ()
    refers_to: str | None = None
    """Sheet whose first column lists the allowed codes (a dropdown)."""


UNIT_COLUMNS = (
    Column("unit_id", "Mã CĐCS", "CĐCS code", "code", True),
    Column("name", "Tên công đoàn cơ sở", "CĐCS name", "text", True, 44),
    Column("sector", "Khu vực (HCSN, DNNN, NNN)", "Sector", "choice", True, 14, SECTORS),
    Column("commune_id", "Mã xã, phường", "Commune or ward code", "code", True,
           refers_to=COMMUNES_SHEET),
    Column("upper_id", "Mã công đoàn cấp trên trực tiếp", "Upper union code", "code", True, 20,
           refers_to=UPPERS_SHEET),
    Column("founded", "Ngày thành lập (dd/mm/yyyy)", "Founding date", "date", True),
    Column("dissolved", "Ngày giải thể", "Dissolution date", "date"),
    Column("since", "Trực thuộc từ ngày (ngày chuyển cấp trên hoặc đổi tên)",
           "Since (day of a move or a rename)", "date", width=22),
    Column("enterprise_id", "Mã số thuế đơn vị sử dụng lao động", "Employer's tax code",
           "tax_code", width=18),
    Column("budget_funded", "Đơn vị được NSNN bảo đảm toàn bộ chi thường xuyên (Có/Không)",
           "Fully funded by the state budget", "yes_no", width=22),
    Column("opening_workers", "Số CNVCLĐ đầu kỳ", "Workers at the start", "count"),
    Column("opening_members", "Số đoàn viên đầu kỳ", "Members at the start", "count"),
)
"""Columns of sheet CDCS (and of a CSV), in order."""

UPPER_COLUMNS = (
    Column("upper_id", "Mã công đoàn cấp trên", "Upper union code", "code", True, 20),
    Column("name", "Tên công đoàn cấp trên", "Upper union name", "text", True, 44),
    Column("kind", "Loại", "Kind", "choice", True, 28, tuple(UPPER_KIND_LABELS.values())),
    Column("valid_from", "Ngày thành lập (bắt đầu hoạt động)", "Start date", "date", True, 20),
    Column("valid_to", "Ngày giải thể", "End date", "date"),
    Column("parent_id", "Mã công đoàn cấp trên của công đoàn này (trống: trực thuộc tổ chức)",
           "Code of the upper union above it (blank: directly under the organisation)", "code",
           width=24, refers_to=UPPERS_SHEET),
    Column("parent_since", "Trực thuộc từ ngày (ngày chuyển)", "Under it since (day of a move)",
           "date", width=20),
)
"""Columns of sheet CapTren (the last two optional: a sheet without them leaves every upper
union's parent as it is)."""

COMMUNE_COLUMNS = (
    Column("commune_id", "Mã xã, phường", "Commune or ward code", "code", True, 18),
    Column("name", "Tên xã, phường", "Commune or ward name", "text", True, 44),
)
"""Columns of sheet XaPhuong."""

SHEETS: dict[str, tuple[Column, ...]] = {
    UNITS_SHEET: UNIT_COLUMNS, UPPERS_SHEET: UPPER_COLUMNS, COMMUNES_SHEET: COMMUNE_COLUMNS}
def column_elements(columns: Sequence[Column]) -> dict[str, DataElement]:
    """A data element per count, choice or yes/no column (the forms' checks serve it)."""
    kinds: dict[str, ElementKind] = {"count": "int", "choice": "category", "yes_no": "bool"}
    out = {}
    for column in columns:
        if column.kind in kinds:
            out[column.key] = DataElement(
                name=column.key, kind=kinds[column.kind],
                aggregation="stock", unit="", clause="", label_vi=column.label_vi,
                label_en=column.label_en, values=column.choices or None)
    return out


# ----------------------------------------------------------------------------- reading
@dataclass
class ListFile:
    """A list workbook (or CSV) as read: where each row and column came from, and problems.

    The units list (:class:`UnitsFile`) and the records book (:mod:`congdoan.intake.records`)
    are read by the same code into one of these.
    """

    name: str
    rows: dict[tuple[str, str], int] = field(default_factory=dict)
    """(sheet, code) → the row it was read from."""
    columns: dict[tuple[str, str], str] = field(default_factory=dict)
    """(sheet, field key) → the column letter it was read from ('' in a CSV)."""
    problems: list[Problem] = field(default_factory=list)
    readable: bool = False
    """True when the main sheet (or CSV) could be read: its rows are then checked against the
    registry even if some values are wrong, so that every problem is reported at once."""

    def locate(self, sheet: str, code: str, key: str | None) -> dict[str, Any]:
        """Problem location arguments (sheet, cell or row, field) of a field of a listed row."""
        row = self.rows.get((sheet, code))
        letter = self.columns.get((sheet, key or ""), "")
        csv_file = self.name.lower().endswith(".csv")
        return {"sheet": None if csv_file else sheet, "field": key,
                "cell": f"{letter}{row}" if row is not None and letter else None,
                "row": row if row is not None and not letter else None}


@dataclass(kw_only=True)
class UnitsFile(ListFile):
    """What a units file holds once validated: frames, where each row came from, problems."""

    units: pd.DataFrame
    uppers: pd.DataFrame
    communes: pd.DataFrame


def _without_units_sheet(name: str, sheetnames: list[str]) -> Problem | None:
    if UNITS_SHEET in sheetnames:
        return None
    return Problem(file=name, message_vi=f"Không có trang '{UNITS_SHEET}' (danh sách CĐCS).",
                   message_en=f"No sheet '{UNITS_SHEET}' (the list of CĐCS).", value=sheetnames,
                   expected=f"mẫu / the template: {UNITS_TEMPLATE}")


def list_workbook_cells(parsed: ListFile, data: bytes, budget: Budget,
                        sheets: dict[str, tuple[Column, ...]],
                        missing: Callable[[str, list[str]], Problem | None],
                        template: str) -> dict[str, list[dict[str, Cell]]]:
    """Cells of each sheet's data rows of a list workbook, keyed by field, read within ``budget``.

    The workbook is read as the report forms are (:func:`~congdoan.intake.readers.open_workbook`,
    :func:`~congdoan.intake.readers.sheet_grid`): by the cells it holds. ``missing(file, sheets)``
    is the problem of a workbook without the sheets it needs (None when it has them); one that
    cannot be read is one problem naming ``template``; a limit passed is raised.
    """
    workbook, refused = open_workbook(parsed.name, data, budget)
    if refused is not None:
        parsed.problems.append(refused)
        return {}
    try:
        if (problem := missing(parsed.name, list(workbook.sheetnames))) is not None:
            parsed.problems.append(problem)
            return {}
        return {sheet: sheet_cells(parsed, sheet, sheet_grid(workbook[sheet], budget), columns)
                for sheet, columns in sheets.items() if sheet in workbook.sheetnames}
    except LimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - truncated parts surface while iterating
        parsed.problems.append(unreadable_workbook(parsed.name, exc, template))
        return {}
    finally:
        workbook.close()


def sheet_cells(parsed: ListFile, sheet: str, grid: dict[tuple[int, int], tuple[Any, bool]],
                columns: Sequence[Column]) -> list[dict[str, Cell]]:
    """The data rows of one sheet of a list (its cells keyed by the key row's field keys).

    A key row with unknown, missing or repeated keys is a problem, and no row is read.
    """
    last_col = max((c for r, c in grid if r == KEY_ROW), default=0)
    header = [None if is_blank(v := grid_cell(grid, sheet, KEY_ROW, col).value) else str(nfc(v))
              for col in range(1, last_col + 1)]
    if not _check_header(parsed, sheet, header, KEY_ROW, columns):
        return []
    last_row = max((r for r, _ in grid), default=0)
    return [{key or "": grid_cell(grid, sheet, row, col)
             for col, key in enumerate(header, start=1)}
            for row in range(FIRST_ROW, last_row + 1)]


def _check_header(parsed: ListFile, sheet: str | None, header: list[str | None],
                  row: int, columns: Sequence[Column]) -> bool:
    """Record where each key is; a problem (and False) for unknown or missing keys."""
    keys = [k for k in header if k]
    unknown = [k for k in keys if k not in {c.key for c in columns}]
    missing = [c.key for c in columns if c.required and c.key not in keys]
    doubled = sorted({k for k in keys if keys.count(k) > 1})
    if unknown or missing or doubled:
        parsed.problems.append(Problem(
            file=parsed.name, sheet=sheet, row=row, field="header",
            message_vi="Dòng mã trường có cột lạ, thiếu hoặc lặp cột.",
            message_en="The row of field keys has unknown, missing or repeated columns.",
            value={"lạ/unknown": unknown, "thiếu/missing": missing, "lặp/repeated": doubled},
            expected=", ".join(c.key for c in columns)))
        return False
    for col, key in enumerate(header, start=1):
        if key:
            parsed.columns[(sheet or UNITS_SHEET, key)] = get_column_letter(col) if sheet else ""
    return True


def _raw_csv(name: str, data: bytes, parsed: UnitsFile, budget: Budget
             ) -> dict[str, list[dict[str, Cell]]]:
    """The rows of a CSV list (the CĐCS), keyed by field.

    Read as report CSVs are (:func:`~congdoan.intake.readers.csv_rows`), within ``budget``.
    """
    lines, _, problems = csv_rows(name, data, budget)
    parsed.problems.extend(problems)
    if lines is None:
        return {}
    header = [str(nfc(h)) or None for h in (lines[0] if lines else [])]
    if not _check_header(parsed, None, header, 1, UNIT_COLUMNS):
        return {}
    rows = []
    for number, values in enumerate(lines[1:], start=2):
        rows.append({key or "": Cell(value=value, row=number, from_text_file=True)
                     for key, value in zip(header, values, strict=False)})
    return {UNITS_SHEET: rows}


class ListReader:
    """Converts and checks the cells of one file's rows; collects located problems."""

    def __init__(self, parsed: ListFile, budget: Budget, today: dt.date) -> None:
        self.parsed = parsed
        self.out = _Collector(parsed.name, budget.settings.max_problems)
        self.budget = budget
        self.settings = budget.settings
        self.today = today

    def value(self, column: Column, cell: Cell, elements: dict[str, DataElement]) -> Any:
        """The stored value of ``cell`` (None when blank or wrong, with a problem then)."""
        raw = nfc(cell.value)
        if cell.is_formula:
            self.out.add(cell, column.key, "Ô chứa công thức; hãy nhập giá trị trực tiếp.",
                         "The cell holds a formula; type the value itself.", value=raw)
            return None
        if is_blank(raw):
            if column.required:
                self.out.add(cell, column.key, f"Thiếu '{column.label_vi}' (bắt buộc).",
                             f"'{column.label_en}' is missing (required).",
                             expected="một giá trị / a value")
            return None
        if column.kind in ("count", "choice", "yes_no"):
            element = elements[column.key]
            if column.key == "kind":  # the code itself (commune_union …) is taken too
                raw = UPPER_KIND_LABELS.get(str(raw), raw)
            return convert(element, Cell(raw, cell.sheet, cell.ref, cell.row, False,
                                         cell.from_text_file), self.out, self.settings)
        if column.kind == "date":
            return self._date(column, cell, raw)
        text = str(int(raw)) if isinstance(raw, float) and raw == int(raw) else str(raw)
        if column.kind == "code" and not UNIT_ID_RE.match(text):
            self.out.add(cell, column.key, "Mã không hợp lệ.", "Malformed code.", value=text,
                         expected="A-Z a-z 0-9 - _ . (≤ 40), vd./e.g. CDCS-0001")
            return None
        if column.kind == "tax_code":
            return self._tax_code(column, cell, text)
        if len(text) > 200:
            self.out.add(cell, column.key, "Tên quá dài.", "The name is too long.",
                         value=text[:40] + "…", expected="≤ 200 ký tự / characters")
            return None
        if not text.isprintable():  # a NUL, a line break, a zero-width space …
            self.out.add(cell, column.key, "Tên chứa ký tự điều khiển hoặc ký tự ẩn.",
                         "The name holds a control or invisible character.",
                         value=printable(text), expected="chữ, số, dấu câu trên một dòng",
                         expected_en="letters, digits and punctuation on one line")
            return None
        return text

    def _date(self, column: Column, cell: Cell, raw: Any) -> pd.Timestamp | None:
        day = parse_day(raw)
        if day is None or day < FIRST_DAY or day > self.today:
            self.out.add(cell, column.key, f"'{column.label_vi}' không phải một ngày hợp lệ.",
                         f"'{column.label_en}' is not a valid date.", value=raw,
                         expected=f"dd/mm/yyyy, {FIRST_DAY:%d/%m/%Y} – {self.today:%d/%m/%Y}")
            return None
        return pd.Timestamp(day)

    def _tax_code(self, column: Column, cell: Cell, text: str) -> str | None:
        if re.fullmatch(r"\d{9}", text) and not isinstance(cell.value, str):
            self.out.add(cell, column.key, "Mã số thuế bị Excel bỏ số 0 đầu; đã thêm lại.",
                         "Excel dropped the tax code's leading zero; it was put back.",
                         value=cell.value, expected="nhập dạng văn bản / type it as text",
                         severity="warning")
            text = "0" + text
        if not UNIT_ID_RE.match(text):  # a new or changed one must be a tax code (planner)
            self.out.add(cell, column.key, "Mã số thuế không đúng dạng.", "Malformed tax code.",
                         value=text, expected="0101234567 | 0101234567-001")
            return None
        return text

    def sheet(self, sheet: str, rows: Iterable[dict[str, Cell]]) -> pd.DataFrame:
        """The valid rows of one sheet as a frame; codes unique; problems for the others."""
        columns = SHEETS[sheet]
        elements = column_elements(columns)
        key = columns[0].key
        records: list[dict[str, Any]] = []
        for number, cells in enumerate(rows, start=1):
            if number % 256 == 0:
                self.budget.check_time()
            if all(is_blank(c.value) for c in cells.values()):
                continue
            first = cells[key]
            code = self.value(columns[0], first, elements)
            if code is None:
                continue
            if (sheet, code) in self.parsed.rows:
                self.out.add(first, key, "Mã bị lặp: đã có ở dòng trên.",
                             "Duplicate code: already on a row above.", value=code,
                             expected="mỗi mã một dòng / one row per code")
                continue
            self.parsed.rows[(sheet, code)] = first.row if first.row is not None else \
                int(re.sub(r"\D", "", first.ref or "0"))
            record = {key: code, **{c.key: self.value(c, cells.get(c.key, Cell(None, sheet)),
                                                      elements) for c in columns[1:]}}
            if any(record[c.key] is None for c in columns if c.required):
                continue
            if self._consistent(sheet, cells, record):
                records.append(record)
        fields = {UNITS_SHEET: UNIT_FIELDS, UPPERS_SHEET: UPPER_LIST_FIELDS,
                  COMMUNES_SHEET: COMMUNE_FIELDS}[sheet]
        frame = pd.DataFrame(records, columns=list(fields))
        for column in columns:
            if column.kind == "date":
                frame[column.key] = pd.to_datetime(frame[column.key])
        return frame

    def _consistent(self, sheet: str, cells: dict[str, Cell], record: dict[str, Any]) -> bool:
        start, ends = ("founded", ("dissolved", "since")) if sheet == UNITS_SHEET else \
            ("valid_from", ("valid_to", "parent_since"))
        ok = True
        for end in ends:
            if end in record and record[end] is not None and record.get(start) is not None \
                    and record[end] < record[start]:
                self.out.add(cells.get(end), end, "Ngày này trước ngày thành lập.",
                             "This date is before the founding date.",
                             value=f"{record[end]:%d/%m/%Y}",
                             expected=f"≥ {record[start]:%d/%m/%Y}")
                ok = False
        if sheet == UNITS_SHEET and record.get("since") is not None and \
                record.get("dissolved") is not None and record["since"] > record["dissolved"]:
            self.out.add(cells.get("since"), "since", "'Trực thuộc từ ngày' sau ngày giải thể.",
                         "'Since' is after the dissolution date.",
                         value=f"{record['since']:%d/%m/%Y}",
                         expected=f"≤ {record['dissolved']:%d/%m/%Y}")
            ok = False
        if sheet == UNITS_SHEET and record.get("budget_funded") == 1 and \
                record.get("sector") not in (None, "HCSN"):
            self.out.add(cells.get("budget_funded"), "budget_funded",
                         "Chỉ cơ quan, đơn vị khu vực HCSN mới được NSNN bảo đảm toàn bộ chi "
                         "thường xuyên.", "Only an agency or public unit (sector HCSN) can be "
                         "fully funded by the state budget.", value="Có",
                         expected=f"Không, hoặc khu vực HCSN (đang là {record['sector']})",
                         expected_en=f"'Không', or sector HCSN (it is {record['sector']})")
            ok = False
        if sheet == UNITS_SHEET and record.get("opening_members") is not None and \
                record.get("opening_workers") is not None and \
                record["opening_members"] > record["opening_workers"]:
            self.out.add(cells.get("opening_members"), "opening_members",
                         "Số đoàn viên đầu kỳ lớn hơn số CNVCLĐ đầu kỳ.",
                         "Members at the start exceed workers at the start.",
                         value=record["opening_members"],
                         expected=f"≤ {record['opening_workers']}")
            ok = False
        return ok


def read_units_file(name: str, data: bytes, settings: IntakeSettings,
                    today: dt.date) -> UnitsFile:
    """Read and validate a units list (``.xlsx`` from the template, or ``.csv``).

    Every problem is located (file, sheet, cell or row, field) with the value found and what
    is expected; only the first ``max_problems`` are listed, the rest counted. The file is read
    within the limits of ``params/intake.yaml`` (rows, columns, filled cells, unpacked size,
    time), as report files are: past a limit, its one problem names the limit. Upper-union kinds
    are returned as codes (``commune_union`` …).
    """
    parsed = UnitsFile(name=name, units=pd.DataFrame(columns=list(UNIT_FIELDS)),
                       uppers=pd.DataFrame(columns=list(UPPER_LIST_FIELDS)),
                       communes=pd.DataFrame(columns=list(COMMUNE_FIELDS)))
    budget = Budget(name, settings, template=UNITS_TEMPLATE)
    try:
        return _read_units(parsed, data, budget, today)
    except LimitExceeded as exc:
        parsed.problems = [exc.problem]
        parsed.readable = False
        return parsed


def _read_units(parsed: UnitsFile, data: bytes, budget: Budget, today: dt.date) -> UnitsFile:
    name = parsed.name
    suffix = Path(name).suffix.lower()
    if suffix == ".xlsx":
        raw = list_workbook_cells(parsed, data, budget, SHEETS, _without_units_sheet,
                                  UNITS_TEMPLATE)
    elif suffix == ".csv":
        raw = _raw_csv(name, data, parsed, budget)
    else:
        parsed.problems.append(Problem(
            file=name, message_vi="Định dạng tệp không được hỗ trợ.",
            message_en="Unsupported file type.", value=suffix or "(không có đuôi)",
            expected=f".xlsx ({UNITS_TEMPLATE}) | .csv (UTF-8)"))
        return parsed
    parsed.readable = bool(raw.get(UNITS_SHEET)) or (UNITS_SHEET, "unit_id") in parsed.columns
    reader = ListReader(parsed, budget, today)
    parsed.units = reader.sheet(UNITS_SHEET, raw.get(UNITS_SHEET, []))
    uppers = reader.sheet(UPPERS_SHEET, raw.get(UPPERS_SHEET, []))
    codes = {label: code for code, label in UPPER_KIND_LABELS.items()}
    parsed.uppers = uppers.assign(kind=uppers["kind"].map(codes))
    if (UPPERS_SHEET, "parent_id") not in parsed.columns:  # an older list: parents unchanged
        parsed.uppers = parsed.uppers.drop(columns=["parent_id", "parent_since"])
    parsed.communes = reader.sheet(COMMUNES_SHEET, raw.get(COMMUNES_SHEET, []))
    parsed.problems.extend(reader.out.closed())
    if raw and parsed.units.empty and parsed.uppers.empty and parsed.communes.empty and not \
            any(p.severity == "error" for p in parsed.problems):
        parsed.problems.append(Problem(
            file=name, message_vi="Danh sách trống.", message_en="The list is empty.",
            expected="ít nhất một dòng / at least one row"))
    return parsed
