"""Readers of submitted files: Excel forms, bulk sheets and CSV into :class:`ParsedFile` objects.

Each reader keeps where every value came from (sheet and cell, or CSV row), never evaluates a
formula (it is flagged), and bounds its work by the file's :class:`~congdoan.intake.problems.Budget`:
a workbook is read by the cells it really holds, never by the size its ``<dimension>`` claims,
and reading stops at the first limit passed (rows, columns, filled cells, unpacked size, time)
with a problem that names the limit. A file that cannot be read at all becomes an error of the
file (corrupt, password-protected, an old ``.xls``, an undecodable or malformed CSV), never an
exception.
"""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

from congdoan.core.activities import activity_fields, activity_key
from congdoan.core.plan import load_elements
from congdoan.intake.cells import Cell, ParsedFile, RawReport, is_blank, nfc, unprotected
from congdoan.intake.forms import (
    ACTIVITY_COLUMNS,
    ACTIVITY_HEADER,
    BULK_FIRST_ROW,
    BULK_IDENTITY,
    BULK_KEY_ROW,
    BULK_PERIOD_CELL,
    BULK_SHEET,
    BULK_VERSION_CELL,
    FORM_CELLS,
    FORM_FIELD_COL,
    FORM_HEADER_ROW,
    FORM_SHEET,
    FORM_VALUE_COL,
)
from congdoan.intake.problems import Budget, LimitExceeded, Problem, has_errors, limit_problem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
"""First bytes of an OLE2 compound file: an Excel 97-2003 workbook, or an encrypted .xlsx."""

ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
"""Name of the stream that holds an encrypted workbook inside its OLE2 container."""

CSV_DELIMITERS = (",", ";", "\t")
"""Delimiters a CSV may use; the one of its header line is detected (Excel writes ';' in some
locales)."""

def _from_template(template: str) -> tuple[str, str]:
    """What a workbook is expected to be (Vietnamese, English): made by ``template``."""
    return (f"tệp .xlsx tạo từ mẫu ({template})", f"an .xlsx made from the template ({template})")


def _file_problem(name: str, vi: str, en: str, value: Any = None,
                  expected: tuple[str, str] | None = None,
                  template: str = "congdoan template") -> Problem:
    expected = expected or _from_template(template)
    return Problem(file=name, message_vi=vi, message_en=en, value=value,
                   expected=expected[0], expected_en=expected[1])


# ----------------------------------------------------------------------------- workbooks
def sheet_grid(ws: Any, budget: Budget) -> dict[tuple[int, int], tuple[Any, bool]]:
    """``(value, is_formula)`` of every non-empty cell of a worksheet, by (row, column).

    Only values are kept (openpyxl's cell objects cost far more), within the budget: rows,
    columns and filled cells past their limits, or time, raise
    :class:`~congdoan.intake.validation.LimitExceeded`.

    The worksheet's declared ``<dimension>`` is ignored (a tiny file can claim A1:XFD1048576):
    rows are as long as their last cell and stop at the last row present.
    """
    ws.reset_dimensions()
    settings = budget.settings
    cells: dict[tuple[int, int], tuple[Any, bool]] = {}
    for r, row in enumerate(ws.iter_rows(), start=1):
        if r > settings.max_rows:
            budget.check("max_rows", r, sheet=ws.title, row=r)
        if len(row) > settings.max_columns:
            budget.check("max_columns", len(row), sheet=ws.title, row=r)
        for c, cell in enumerate(row, start=1):
            value = getattr(cell, "value", None)
            if value is not None:
                cells[(r, c)] = (value, getattr(cell, "data_type", None) == "f")
        if len(cells) > settings.max_cells:
            budget.check("max_cells", len(cells), sheet=ws.title, row=r)
        if r % 256 == 0:
            budget.check_time()
    return cells


def grid_cell(grid: dict[tuple[int, int], tuple[Any, bool]], sheet: str, row: int,
              col: int) -> Cell:
    """The cell at (``row``, ``col``) of a :func:`sheet_grid`, located.

    The protective ``'`` of an export is undone (:func:`~congdoan.intake.validation.unprotected`).
    """
    from openpyxl.utils import get_column_letter

    raw, formula = grid.get((row, col), (None, False))
    value = None if raw is None else unprotected(raw)
    return Cell(value=value, sheet=sheet, ref=f"{get_column_letter(col)}{row}", is_formula=formula)


def _ref(ref: str) -> tuple[int, int]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    letters, row = coordinate_from_string(ref)
    return row, column_index_from_string(letters)


def _not_a_workbook(name: str, data: bytes, template: str) -> Problem | None:
    """The error of a file that is no .xlsx at all (encrypted, an old .xls), else None."""
    if not data.startswith(OLE_MAGIC):
        return None
    if ENCRYPTED_STREAM in data:
        return _file_problem(
            name, "Tệp Excel được đặt mật khẩu (mã hóa) nên không đọc được. Hãy bỏ mật khẩu "
            "(File > Info > Protect Workbook > Encrypt with Password: để trống) rồi gửi lại.",
            "The workbook is password-protected (encrypted) and cannot be read. Remove the "
            "password (File > Info > Protect Workbook > Encrypt with Password: empty) and resend.",
            expected=("tệp .xlsx không đặt mật khẩu", "an .xlsx without a password"))
    return _file_problem(
        name, f"Tệp là bảng tính Excel 97-2003 (.xls) được đổi đuôi thành .xlsx. Hãy dùng mẫu "
        f".xlsx ({template}).", "The file is an Excel 97-2003 (.xls) workbook renamed to "
        f".xlsx. Use the .xlsx template ({template}).", template=template)


def _cause(exc: BaseException) -> str:
    """The name of the first error behind ``exc`` (e.g. EntitiesForbidden behind a ValueError)."""
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return type(exc).__name__


def unreadable_workbook(name: str, exc: BaseException, template: str) -> Problem:
    """The error of a workbook that openpyxl cannot open or read through (``exc``)."""
    kind = _cause(exc)
    return _file_problem(
        name, f"Tệp Excel bị hỏng hoặc không đọc được ({kind}). Hãy lưu lại tệp bằng Excel và "
        "gửi lại.", f"The Excel file is corrupt or unreadable ({kind}). Save it again from "
        "Excel and resend.", template=template)


def open_workbook(name: str, data: bytes, budget: Budget) -> tuple[Any, Problem | None]:
    """``data`` opened read-only (formulas kept, never run), or the file's problem.

    ``(workbook, None)``, or ``(None, problem)`` for a file that is no workbook (an encrypted
    .xlsx, an old .xls, not a zip), that unpacks to more than ``max_unpacked_mb`` or that
    openpyxl refuses.

    The caller closes the workbook, and reads its sheets with :func:`sheet_grid` within the
    same budget; a failure while reading is :func:`unreadable_workbook`.
    """
    from openpyxl import load_workbook

    refused = _not_a_workbook(name, data, budget.template)
    if refused is not None:
        return None, refused
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > budget.settings.max_unpacked_mb * 2**20:
            return None, limit_problem(name, "max_unpacked_mb", budget.settings,
                                       f"{unpacked / 2**20:.0f} MB", template=budget.template)
        return load_workbook(io.BytesIO(data), read_only=True, data_only=False), None
    except Exception as exc:  # noqa: BLE001 - any failure of a corrupt file is reported
        return None, unreadable_workbook(name, exc, budget.template)


def read_xlsx(name: str, data: bytes, budget: Budget) -> ParsedFile:
    """Read an individual form or a bulk sheet (values only; formulas are flagged, never run)."""
    parsed = ParsedFile(name=name, layout="form")
    workbook, refused = open_workbook(name, data, budget)
    if refused is not None:
        parsed.problems.append(refused)
        return parsed
    try:
        if FORM_SHEET in workbook.sheetnames:
            _read_form(parsed, workbook[FORM_SHEET], budget)
        elif BULK_SHEET in workbook.sheetnames:
            parsed.layout = "bulk"
            _read_bulk(parsed, workbook[BULK_SHEET], budget)
        else:
            parsed.problems.append(_file_problem(
                name, "Không tìm thấy trang báo cáo trong tệp.", "No report sheet in the workbook.",
                value=list(workbook.sheetnames),
                expected=(f"trang '{FORM_SHEET}' (mẫu từng CĐCS) hoặc '{BULK_SHEET}' (tổng hợp)",
                          f"a sheet '{FORM_SHEET}' (one CĐCS) or '{BULK_SHEET}' (bulk)")))
    except LimitExceeded:
        raise
    except Exception as exc:  # noqa: BLE001 - truncated parts surface while iterating
        parsed.problems.append(unreadable_workbook(name, exc, budget.template))
        parsed.reports.clear()
    finally:
        workbook.close()
    return parsed


def _read_form(parsed: ParsedFile, ws: Any, budget: Budget) -> None:
    grid = sheet_grid(ws, budget)
    at = {key: grid_cell(grid, FORM_SHEET, *_ref(ref)) for key, ref in FORM_CELLS.items()}
    parsed.form_version = at["form_version"]
    by = at["submitted_by"]
    if by.is_formula:
        parsed.problems.append(Problem(
            file=parsed.name, sheet=FORM_SHEET, cell=by.ref, field="submitted_by",
            message_vi="Ô chứa công thức, không phải giá trị. Hãy nhập trực tiếp giá trị.",
            message_en="The cell holds a formula, not a value. Type the value itself.",
            value=by.value, expected="họ tên, chức vụ nhập trực tiếp",
            expected_en="a typed name and position"))
    elif not is_blank(by.value):
        parsed.submitted_by = str(nfc(by.value))
    names = {e.name for e in load_elements().elements}
    programmes = {a.name for a in load_elements().activities}
    values: dict[str, Cell] = {}
    activities: dict[str, Cell] | None = None
    last_row = max((r for r, _ in grid), default=0)
    for row in range(FORM_HEADER_ROW + 1, last_row + 1):
        key = grid_cell(grid, FORM_SHEET, row, FORM_FIELD_COL)
        if is_blank(key.value):
            continue
        name = str(nfc(key.value))
        if name == ACTIVITY_HEADER:  # the section III table begins
            activities = {}
            continue
        if activities is not None and name in programmes:
            for measure, col in ACTIVITY_COLUMNS.items():
                activities[activity_key(name, measure)] = grid_cell(grid, FORM_SHEET, row, col)
            continue
        parsed.fields.append(name)
        if name not in names:
            parsed.problems.append(Problem(
                file=parsed.name, sheet=FORM_SHEET, cell=key.ref, field=name,
                message_vi="Mã trường lạ: mẫu đã bị sửa.", message_en="Unknown field: the form "
                "was altered.", value=name, expected="mẫu gốc (congdoan template)",
                expected_en="the original form (congdoan template)"))
            continue
        values[name] = grid_cell(grid, FORM_SHEET, row, FORM_VALUE_COL)
    parsed.reports.append(RawReport(unit_id=at["unit_id"], period=at["period"], values=values,
                                    submitted_on=at["submitted_on"], unit_name=at["unit_name"],
                                    activities=activities))


def _read_bulk(parsed: ParsedFile, ws: Any, budget: Budget) -> None:
    grid = sheet_grid(ws, budget)
    parsed.form_version = grid_cell(grid, BULK_SHEET, *_ref(BULK_VERSION_CELL))
    period = grid_cell(grid, BULK_SHEET, *_ref(BULK_PERIOD_CELL))
    last_col = max((c for _, c in grid), default=0)
    keys = {col: str(nfc(grid_cell(grid, BULK_SHEET, BULK_KEY_ROW, col).value))
            for col in range(1, last_col + 1)
            if not is_blank(grid_cell(grid, BULK_SHEET, BULK_KEY_ROW, col).value)}
    _check_columns(parsed, list(keys.values()), sheet=BULK_SHEET, row=BULK_KEY_ROW)
    figures = activity_fields()
    parsed.fields = [k for k in keys.values() if k not in BULK_IDENTITY and k not in figures]
    last_row = max((r for r, _ in grid), default=0)
    for row in range(BULK_FIRST_ROW, last_row + 1):
        cells = {key: grid_cell(grid, BULK_SHEET, row, col) for col, key in keys.items()}
        _add_row(parsed, cells, period, row_number=None)


def _check_columns(parsed: ParsedFile, keys: list[str], sheet: str | None, row: int) -> None:
    known = ({e.name for e in load_elements().elements} | set(BULK_IDENTITY) | {"period"}
             | set(activity_fields()))
    unknown = [k for k in keys if k not in known]
    required = ["unit_id", *(e.name for e in load_elements().elements)]
    missing = [k for k in required if k not in keys]
    twice = sorted({k for k in keys if keys.count(k) > 1})
    if twice:
        parsed.problems.append(Problem(
            file=parsed.name, sheet=sheet, row=row, field="header",
            message_vi="Dòng tiêu đề có cột lặp lại: không biết đọc giá trị nào.",
            message_en="The header row repeats a column: which value to read is unclear.",
            value=twice, expected="mỗi mã trường một cột", expected_en="one column per field"))
    if unknown or missing:
        parsed.problems.append(Problem(
            file=parsed.name, sheet=sheet, row=row, field="header",
            message_vi="Dòng tiêu đề có cột lạ hoặc thiếu cột.",
            message_en="The header row has unknown or missing columns.",
            value={"lạ/unknown": unknown, "thiếu/missing": missing},
            expected="đúng các mã trường của mẫu tổng hợp",
            expected_en="exactly the field codes of the bulk form"))


def _add_row(parsed: ParsedFile, cells: dict[str, Cell], period: Cell | None,
             row_number: int | None) -> None:
    names = {e.name for e in load_elements().elements}
    figures = activity_fields()
    unit = cells.get("unit_id", Cell(None))
    filled = [c for k, c in cells.items() if k in names and not is_blank(c.value)]
    if is_blank(unit.value) and not filled:
        return  # an empty row, or a CĐCS that has not reported
    if not filled and not any(c.is_formula for c in cells.values()):
        return  # a prefilled row left blank: not reported in this file
    activities = {k: c for k, c in cells.items() if k in figures}
    parsed.reports.append(RawReport(
        unit_id=unit, period=period or cells.get("period", Cell(None, row=row_number)),
        values={k: c for k, c in cells.items() if k in names},
        submitted_on=cells.get("submitted_on"), unit_name=cells.get("unit_name"),
        activities=activities or None))


# ----------------------------------------------------------------------------- CSV
def decode_csv(name: str, data: bytes) -> tuple[str | None, list[Problem]]:
    """Text of a CSV: UTF-8 (with or without BOM), UTF-16 with its BOM, else Windows-1258.

    UTF-16 is what Excel's 'Unicode text' writes (tab-delimited); Windows-1258 is read with a
    warning, converted to Unicode NFC.
    """
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return unicodedata.normalize("NFC", data.decode("utf-16")), []
        except UnicodeDecodeError:
            pass  # not UTF-16 after all: tried as the others below
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError:
        pass
    try:
        text = unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError as exc:
        return None, [Problem(
            file=name, message_vi="Tệp CSV không đọc được theo UTF-8 hay Windows-1258.",
            message_en="The CSV is neither UTF-8 nor Windows-1258.",
            value=f"byte {data[exc.start:exc.start + 1]!r} @ {exc.start}",
            expected="CSV UTF-8 (Excel: 'CSV UTF-8 (Comma delimited)')",
            expected_en="a UTF-8 CSV (Excel: 'CSV UTF-8 (Comma delimited)')")]
    return text, [Problem(
        file=name, severity="warning",
        message_vi="Tệp CSV mã hóa Windows-1258 (không phải UTF-8); đã chuyển sang Unicode NFC.",
        message_en="The CSV is encoded in Windows-1258, not UTF-8; converted to Unicode NFC.",
        expected="CSV UTF-8", expected_en="a UTF-8 CSV")]


def csv_delimiter(text: str) -> str:
    """The delimiter of a CSV: the one of :data:`CSV_DELIMITERS` most frequent in its first line."""
    first = text.split("\n", 1)[0]
    return max(CSV_DELIMITERS, key=lambda d: (first.count(d), d == ","))


def csv_rows(name: str, data: bytes, budget: Budget
             ) -> tuple[list[list[str]] | None, str, list[Problem]]:
    """The rows of a CSV as text, its delimiter and the problems of reading it.

    The text is :func:`decode_csv`'s; the delimiter (comma, semicolon or tab) is that of the
    header line, another than the comma named in a warning. Rows and columns past their limits,
    or time, raise :class:`~congdoan.intake.validation.LimitExceeded`. Rows are None when the
    file cannot be read (undecodable, or malformed: an over-long cell, an unclosed quote), with
    the error among the problems.
    """
    text, problems = decode_csv(name, data)
    if text is None:
        return None, ",", problems
    delimiter = csv_delimiter(text)
    shown = {"\t": "Tab", ";": ";", ",": ","}[delimiter]
    if delimiter != ",":
        problems.append(Problem(
            file=name, row=1, severity="warning",
            message_vi=f"Tệp CSV dùng dấu phân cách '{shown}' thay cho dấu phẩy; đã đọc theo "
            f"dấu '{shown}'.", message_en=f"The CSV is delimited by '{shown}' rather than "
            f"commas; it was read with '{shown}'.", expected="CSV phân cách bằng dấu phẩy",
            expected_en="a comma-delimited CSV"))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[str]] = []
    try:
        for number, values in enumerate(reader, start=1):
            budget.check("max_rows", number, row=number)
            budget.check("max_columns", len(values), row=number)
            rows.append(values)
            if number % 256 == 0:
                budget.check_time()
    except csv.Error as exc:
        problems.append(Problem(
            file=name, row=reader.line_num,
            message_vi=f"Tệp CSV sai cấu trúc (dấu phân cách '{shown}'): {exc}. Kiểm tra ô quá "
            "dài hoặc dấu ngoặc kép không đóng.",
            message_en=f"Malformed CSV (delimiter '{shown}'): {exc}. Look for an over-long cell "
            "or an unclosed quote.",
            expected=f"mỗi ô ≤ {csv.field_size_limit():,} ký tự".replace(",", "."),
            expected_en=f"cells of ≤ {csv.field_size_limit():,} characters"))
        return None, delimiter, problems
    return rows, delimiter, problems


def read_csv(name: str, data: bytes, budget: Budget) -> ParsedFile:
    """Read a CSV with a header of field names (unit_id, period, submitted_on, elements).

    The delimiter (comma, semicolon or tab) is that of the header line (:func:`csv_rows`).
    """
    parsed = ParsedFile(name=name, layout="csv")
    rows, delimiter, problems = csv_rows(name, data, budget)
    parsed.problems.extend(problems)
    if not rows:
        return parsed
    header = [str(nfc(h)) for h in rows[0]]
    _check_columns(parsed, header, sheet=None, row=1)
    if "period" not in header:
        parsed.problems.append(Problem(
            file=name, row=1, field="period", message_vi="Thiếu cột kỳ báo cáo 'period'.",
            message_en="Missing column 'period'.", expected="cột 'period' (YYYY-H1/H2)",
            expected_en="a column 'period' (YYYY-H1/H2)"))
    if has_errors(parsed.problems):
        if delimiter == "," and len(header) == 1:
            parsed.problems.append(Problem(
                file=name, row=1, message_vi="Dòng tiêu đề không có dấu phân cách nào.",
                message_en="The header line holds no delimiter.", value=header[0][:80],
                expected="các cột phân cách bằng dấu phẩy (hoặc ';', Tab)",
                expected_en="columns separated by commas (or ';', Tab)"))
        return parsed
    for number, values in enumerate(rows[1:], start=2):
        if len(values) != len(header) and any(v.strip() for v in values):
            parsed.problems.append(Problem(
                file=name, row=number, message_vi="Số ô của dòng khác số cột tiêu đề.",
                message_en="The row has a different number of cells than the header.",
                value=len(values), expected=f"{len(header)} ô", expected_en=f"{len(header)} cells"))
            continue
        cells = {key: Cell(value=v, row=number, from_text_file=True)
                 for key, v in zip(header, values, strict=False)}
        _add_row(parsed, cells, None, row_number=number)
    return parsed


def read_input(name: str, data: bytes, budget: Budget) -> ParsedFile:
    """Dispatch on the file's suffix; a limit passed is the file's problem (never raised)."""
    suffix = Path(name).suffix.lower()
    try:
        if suffix == ".xlsx":
            return read_xlsx(name, data, budget)
        if suffix == ".csv":
            return read_csv(name, data, budget)
    except LimitExceeded as exc:
        return ParsedFile(name=name, layout="bulk" if suffix == ".xlsx" else "csv",
                          problems=[exc.problem])
    parsed = ParsedFile(name=name, layout="csv")
    parsed.problems.append(_file_problem(
        name, "Định dạng tệp không được hỗ trợ.", "Unsupported file type.",
        value=suffix or "(không có đuôi / no suffix)",
        expected=(".xlsx (mẫu báo cáo) hoặc .csv (UTF-8)", ".xlsx (the form) or .csv (UTF-8)")))
    return parsed
