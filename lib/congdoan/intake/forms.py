"""Excel report forms: one workbook per CĐCS and a bulk sheet (one row per CĐCS) for the upper union's staff.

The layout is derived from ``params/data_elements.yaml`` (fields, units, plan clauses) and the
plan register (which indicators each field serves), so a new data element appears in the forms
without code changes. Identity cells are prefilled and locked (sheet protection); value cells
are open, and each carries its own Excel data validation (:mod:`congdoan.intake.entry`): a
dropdown for yes/no, ratings and agreement grades, a whole number in range (and no larger than
the field it must not exceed, e.g. women members ≤ members), a date for the day of sending;
with a Vietnamese hint shown when the cell is selected and a Vietnamese message naming the
field when an entry is refused. The same hints are printed beside each field. Every style
names its font (:data:`FONT_NAME`, which covers Vietnamese), the field codes the reader needs
are in a hidden column (or row), and the individual form is set up to print on A4 landscape,
one page wide and at most two pages tall, its header row repeated. Every form states its
version (:data:`FORM_CELLS` ``form_version``), which :mod:`congdoan.intake.ingest` checks.

``congdoan template --period P [--union ID ...] [--out DIR]`` writes them.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from congdoan.core.activities import MEASURE_WORDS, activity_fields, activity_key
from congdoan.core.dataset import Dataset
from congdoan.core.paths import DEFAULT_PARAMS_DIR
from congdoan.core.periods import Period, due_date, parse_period
from congdoan.core.plan import (
    POPULATION_SECTORS,
    DataElement,
    elements_read,
    load_elements,
    load_register,
    load_sectors_asked,
    report_rules,
)
from congdoan.core.registry import SECTOR_NAMES, units_in_period
from congdoan.exceptions import PeriodError
from congdoan.intake import entry
from congdoan.intake.cells import CATEGORY_LABELS, parse_day
from congdoan.intake.entry import date_validation, field_hint, not_above
from congdoan.intake.problems import safe_text
from congdoan.intake.validation import form_version

FORM_SHEET = "BaoCao"
BULK_SHEET = "TongHop"
GUIDE_SHEET = "HuongDan"

FORM_CELLS: dict[str, str] = {
    "form_version": "C4", "unit_id": "C5", "unit_name": "C6", "sector": "C7",
    "upper_union": "C8", "period": "C9", "cut_off": "C10", "due": "C11",
    "submitted_on": "C12", "submitted_by": "C13",
}
"""Identity cells of the individual form (value column C, label in column A)."""

FORM_LABELS: dict[str, str] = {
    "form_version": "Phiên bản mẫu",
    "unit_id": "Mã CĐCS",
    "unit_name": "Tên công đoàn cơ sở",
    "sector": "Khu vực",
    "upper_union": "Công đoàn cấp trên trực tiếp",
    "period": "Kỳ báo cáo",
    "cut_off": "Ngày chốt số liệu",
    "due": "Hạn gửi báo cáo",
    "submitted_on": "Ngày gửi báo cáo (dd/mm/yyyy)",
    "submitted_by": "Người lập báo cáo (họ tên, chức vụ)",
}
FORM_HEADER_ROW = 15
"""Header row of the field table; fields start on the next row."""
FORM_COLUMNS = ("STT", "Mã trường", "Chỉ tiêu", "Đơn vị tính", "Điều khoản kế hoạch",
                "Giá trị", "Ghi chú")
FORM_FIELD_COL, FORM_VALUE_COL, FORM_NOTE_COL = 2, 6, 7
FORM_WIDTHS = (28, 20, 50, 10, 12, 16, 34)
"""Column widths A–G of the individual form (B, the field codes, is hidden)."""

BULK_VERSION_CELL, BULK_PERIOD_CELL = "B2", "B3"
BULK_LABEL_ROW, BULK_KEY_ROW, BULK_FIRST_ROW = 5, 6, 7
BULK_IDENTITY = ("unit_id", "unit_name", "submitted_on")

_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN NGHỊ QUYẾT 02-NQ/TW CỦA CÔNG ĐOÀN CƠ SỞ"
FONT_NAME = "Times New Roman"
"""The font of every cell: the usual font of Vietnamese official documents, with every
Vietnamese letter (LibreOffice uses the metric-compatible Liberation Serif, which has them)."""

_LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
_OPEN_FILL = PatternFill("solid", fgColor="FFF2CC")
_FONT = Font(name=FONT_NAME, size=11)
_BOLD = Font(name=FONT_NAME, size=11, bold=True)
_TITLE_FONT = Font(name=FONT_NAME, size=13, bold=True)
_NOTE_FONT = Font(name=FONT_NAME, size=10, italic=True, color="404040")
_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(wrap_text=True, vertical="top")
_OPEN = Protection(locked=False)
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)
DATE_FORMAT = "dd/mm/yyyy"

GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN BÁO CÁO",
    "1. Chỉ điền vào các ô màu vàng. Các ô màu xám (mã, tên, kỳ báo cáo) đã điền sẵn và bị khóa.",
    "2. Số người, số vụ việc, số tiền (đồng): nhập số nguyên ≥ 0, không nhập chữ, không nhập công thức.",
    "3. Các câu hỏi Có/Không và xếp loại: chọn trong danh sách thả xuống.",
    "4. Số đoàn viên nữ ≤ số đoàn viên ≤ tổng số CNVCLĐ; số đoàn viên học nâng cao tay nghề ≤ số "
    "đoàn viên; số được thăm hỏi ≤ số có hoàn cảnh khó khăn; số vụ việc có công đoàn tham gia ≤ "
    "số vụ việc có nhu cầu.",
    "5. Chỉ xếp loại TƯLĐTT khi đã có thỏa ước còn hiệu lực.",
    "6. Xếp loại CĐCS chỉ điền trong báo cáo năm (kỳ H2) và chỉ khi CĐCS đã hoạt động đủ 12 tháng "
    "tại ngày chốt số liệu.",
    "7. Không đổi tên trang, không chèn hoặc xóa dòng, cột. Gửi lại tệp đã sửa nếu có sai sót: "
    "bản gửi sau sẽ thay bản trước (bản trước vẫn được lưu).",
    "",
    "Instructions (English): fill the yellow cells only; whole numbers ≥ 0, no text and no "
    "formulas; choose yes/no and ratings from the dropdowns; do not rename sheets or insert rows.",
)



ACTIVITY_HEADER = "programme"
"""The hidden code on the header row of the form's activities table (column B)."""

ACTIVITY_TITLE = ("III. HOẠT ĐỘNG THEO CÁC CHƯƠNG TRÌNH (mục III của kế hoạch): điền các chương "
                  "trình đã tổ chức trong kỳ; để trống chương trình không tổ chức.")
ACTIVITY_COLUMNS = {"events": 5, "participants": 6, "support_vnd": 7}
"""Column of each figure of a programme in the form's activities table (E, F, G)."""


def clauses_served(element: DataElement) -> str:
    """The plan clauses of the indicators that read ``element`` (or derive from it), else its own.

    The lines that read a question say which clauses it serves, as the plan numbers them now
    (a line renumbered by ``plan import`` takes its questions with it); its own clause comes
    first when one of them still has it. A question no line reads (the workers, the wage fund)
    shows its own clause under the packaged plan, whose numbering it was written in, and none
    under a union's own plan (where "1.3" would name another target).
    """
    register = load_register()
    clauses: list[str] = []
    for ind in register.indicators:
        if ind.population not in POPULATION_SECTORS:
            continue  # counted from the registry and records, not from CĐCS reports
        if element.name in elements_read(ind.numerator, ind.denominator):
            clauses.extend(c for c in ind.all_clauses if c not in clauses)
    if not clauses and register.plan.number != load_register(DEFAULT_PARAMS_DIR).plan.number:
        return ""
    if element.clause in clauses or not clauses:
        clauses = [element.clause, *(c for c in clauses if c != element.clause)]
    return ", ".join(clauses)


def display_value(element: DataElement, value: Any) -> Any:
    """How a stored value is shown in a form (Có/Không, Vietnamese rating labels)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, str) and element.kind != "category":
        return safe_text(value)
    if element.kind == "bool":
        return "Có" if int(value) == 1 else "Không"
    if element.kind == "category":
        return CATEGORY_LABELS.get(element.name, {}).get(str(value), str(value))
    return int(value)


def _guide(wb: Workbook) -> None:
    guide_sheet(wb, guide_lines())


def guide_lines() -> tuple[str, ...]:
    """:data:`GUIDE_LINES` with rule 4 written from the rules in force.

    The rules between counts of the questions the form asks: a plan that dropped a question
    drops its rule from the instructions too.
    """
    by_name = load_elements().by_name()

    def short(name: str) -> str:
        return by_name[name].label_vi.split(" (")[0]

    rules = [f"{short(r.field)} ≤ {short(r.limit)}"
             for r in report_rules(load_register(), load_elements())
             if r.field in by_name and r.limit in by_name
             and by_name[r.field].kind != "bool"]
    line = "4. " + ("; ".join(rules) + "." if rules else "Không có quy tắc so sánh giữa các ô.")
    return tuple(line if text.startswith("4. ") else text for text in GUIDE_LINES)


def print_setup(ws: Worksheet, *, landscape: bool, last_row: int, last_col: int,
                 tall: int = 0, title_rows: str | None = None,
                 title_cols: str | None = None) -> None:
    """A4 page set-up of ``ws``: one page wide, at most ``tall`` pages tall.

    ``tall`` 0: as many pages as needed. Narrow margins, page numbers in the footer, the given
    rows and columns repeated on every page.
    """
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if landscape else "portrait"
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, tall
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top, ws.page_margins.bottom = 0.5, 0.6
    ws.print_area = f"A1:{get_column_letter(last_col)}{last_row}"
    ws.print_options.horizontalCentered = True
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.font = f"{FONT_NAME},Regular"
    if title_rows:
        ws.print_title_rows = title_rows
    if title_cols:
        ws.print_title_cols = title_cols


def field_validation(element: DataElement, where: str | None = None,
                     bigger_ref: str | None = None) -> DataValidation:
    """:func:`congdoan.intake.entry.field_validation`, titled with ``where`` (default: 'Ô này')."""
    return entry.field_validation(element, where or "Ô này", bigger_ref)


def style_header(cell: Any) -> None:
    """Give ``cell`` the forms' look of a header or prefilled cell (bold, grey, locked)."""
    cell.font, cell.fill = _BOLD, _LOCKED_FILL


OPEN_STYLE = "Ô cần điền"
"""The workbook's named cell style of a cell to fill (shown in Excel's list of cell styles)."""


def style_open(cell: Any) -> None:
    """Give ``cell`` the forms' look of a cell to fill (yellow, unlocked on a protected sheet).

    The look is the workbook's named style :data:`OPEN_STYLE` (added at its first use): a list
    has tens of thousands of such cells, and a named style is given to a cell whole, where its
    font, fill and protection set one by one would each be looked up in the workbook's tables.
    Call it before setting the cell's number format or alignment: it sets the cell's whole look.
    """
    book = cell.parent.parent
    if OPEN_STYLE not in book.named_styles:
        book.add_named_style(NamedStyle(name=OPEN_STYLE, font=_FONT, fill=_OPEN_FILL,
                                        protection=_OPEN))
    cell.style = OPEN_STYLE


def guide_sheet(wb: Workbook, lines: Sequence[str] = GUIDE_LINES) -> None:
    """Add the protected, printable instructions sheet (:data:`GUIDE_SHEET`) with ``lines``."""
    ws = wb.create_sheet(GUIDE_SHEET)
    for i, line in enumerate(lines, start=1):
        cell = ws.cell(row=i, column=1, value=line)
        cell.font, cell.alignment = (_BOLD if i == 1 else _FONT), _WRAP
    ws.column_dimensions["A"].width = 110
    print_setup(ws, landscape=False, last_row=len(lines), last_col=1)
    ws.protection.sheet = True


def save_workbook(wb: Workbook, path: Path) -> None:
    """Save ``wb`` byte-identically on re-runs (fixed zip times and document dates)."""
    buffer = io.BytesIO()
    wb.save(buffer)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*",
                              rb"\g<1>2020-01-01T00:00:00Z", data)
            dst.writestr(zipfile.ZipInfo(info.filename, date_time=_FIXED_TIME), data,
                         compress_type=zipfile.ZIP_DEFLATED)


def plan_line() -> str:
    """The line under a form's title naming the plan (from the plan register in force)."""
    return "Theo " + load_register().plan.citation("vi")


def _identity_rows(unit: pd.Series, upper_name: str, period: Period) -> dict[str, Any]:
    sector = str(unit["sector"])
    return {
        "form_version": form_version(),
        "unit_id": unit["unit_id"], "unit_name": unit["name"],
        "sector": SECTOR_NAMES.get(sector, {}).get("vi", sector),
        "upper_union": upper_name, "period": period.id,
        "cut_off": period.cut_off.strftime("%d/%m/%Y"),
        "due": due_date(period).strftime("%d/%m/%Y"),
    }


def _day(value: Any) -> Any:
    """A submission day as a date cell when it reads as one (text otherwise, kept as typed)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    day = parse_day(value.strip() if isinstance(value, str) else value)
    return day if day is not None else safe_text(value)


def _cell(ws: Worksheet, row: int, col: int, value: Any = None, *, font: Font = _FONT,
          fill: PatternFill | None = None, open_: bool = False, box: bool = False) -> Any:
    """Write one cell with its font (always named), and optionally fill, box and unlock it."""
    cell = ws.cell(row=row, column=col, value=value)
    cell.font = font
    if fill is not None:
        cell.fill = fill
    if open_:
        cell.protection = _OPEN
    if box:
        cell.border = _BOX
        cell.alignment = _WRAP
    return cell


LINE_HEIGHT = 15.0
"""Points per line of 11 pt text in a row's height."""


def fit_rows(ws: Worksheet, widths: Sequence[float], first: int, last: int) -> None:
    """Give rows ``first``–``last`` the height their wrapped texts need.

    Excel and LibreOffice do not grow a row for text wrapped in a cell written by a program, so
    the lines are counted here: a column of width *w* (in widths of a digit) holds about 1.2 *w*
    characters of 11 pt Times New Roman a line.
    """
    for row in range(first, last + 1):
        lines = 1
        for col, width in enumerate(widths, start=1):
            value = ws.cell(row=row, column=col).value
            if isinstance(value, str) and width and not ws.column_dimensions[
                    get_column_letter(col)].hidden:
                words, line, count = value.split(), 0, 1
                for word in words:
                    if line and line + 1 + len(word) > 1.2 * width:
                        count, line = count + 1, len(word)
                    else:
                        line += (1 if line else 0) + len(word)
                lines = max(lines, count)
        ws.row_dimensions[row].height = LINE_HEIGHT * lines + 2


def unit_form(unit: pd.Series, upper_name: str, period: Period,
              values: dict[str, Any] | None = None) -> Workbook:
    """The form of one CĐCS for ``period`` (``values``: answers to prefill, for the demo)."""
    values = values or {}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = FORM_SHEET
    _cell(ws, 1, 1, _TITLE, font=_TITLE_FONT)
    _cell(ws, 2, 1, plan_line())
    identity = _identity_rows(unit, upper_name, period)
    for key, ref in FORM_CELLS.items():
        row = int(ref[1:])
        _cell(ws, row, 1, FORM_LABELS[key], font=_BOLD).alignment = _WRAP
        if key in identity:
            _cell(ws, row, 3, safe_text(identity[key]), fill=_LOCKED_FILL, box=True)
        else:
            value = _day(values.get(key)) if key == "submitted_on" else safe_text(values.get(key))
            _cell(ws, row, 3, value, fill=_OPEN_FILL, open_=True, box=True)
    day = ws[FORM_CELLS["submitted_on"]]
    day.number_format = DATE_FORMAT
    dates = date_validation(period.start)
    ws.add_data_validation(dates)
    dates.add(day)
    for col, title in enumerate(FORM_COLUMNS, start=1):
        _cell(ws, FORM_HEADER_ROW, col, title, font=_BOLD, fill=_LOCKED_FILL, box=True)
    eligible = pd.Timestamp(unit["founded"]) <= (
        pd.Timestamp(period.cut_off) - pd.DateOffset(months=12))
    elements = load_elements().elements
    asked = load_sectors_asked()
    rows = {e.name: FORM_HEADER_ROW + i for i, e in enumerate(elements, start=1)}
    letter = get_column_letter(FORM_VALUE_COL)
    for i, element in enumerate(elements, start=1):
        row = rows[element.name]
        for col, text in enumerate((i, element.name, element.label_vi, element.unit,
                                    clauses_served(element)), start=1):
            _cell(ws, row, col, text, box=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="top")
        other_sector = unit["sector"] not in asked[element.name]
        closed = (element.year_only and period.half == 1) or (
            element.name == "rating" and not eligible) or other_sector
        if closed:
            _cell(ws, row, FORM_VALUE_COL, fill=_LOCKED_FILL, box=True)
            note = ("Không áp dụng cho khu vực của CĐCS – để trống" if other_sector
                    else "Chỉ báo cáo cuối năm (kỳ H2) – để trống" if element.year_only
                    and period.half == 1 else "CĐCS chưa đủ 12 tháng hoạt động – để trống")
            _cell(ws, row, FORM_NOTE_COL, note, font=_NOTE_FONT, box=True)
            continue
        _cell(ws, row, FORM_VALUE_COL, display_value(element, values.get(element.name)),
              fill=_OPEN_FILL, open_=True, box=True)
        _cell(ws, row, FORM_NOTE_COL, field_hint(element), font=_NOTE_FONT, box=True)
        bigger = not_above(element)
        dv = field_validation(element, f"Mục {i}",
                              None if bigger is None else f"{letter}{rows[bigger.name]}")
        ws.add_data_validation(dv)
        dv.add(ws.cell(row=row, column=FORM_VALUE_COL))
    last = _activities_table(ws, FORM_HEADER_ROW + len(elements) + 2, values)
    for col, width in enumerate(FORM_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = width
    ws.column_dimensions[get_column_letter(FORM_FIELD_COL)].hidden = True  # codes, for reading
    fit_rows(ws, FORM_WIDTHS, min(int(ref[1:]) for ref in FORM_CELLS.values()), last)
    ws.protection.sheet = True
    ws.freeze_panes = f"A{FORM_HEADER_ROW + 1}"
    print_setup(ws, landscape=True, last_row=last, last_col=len(FORM_COLUMNS), tall=2,
                 title_rows=f"{FORM_HEADER_ROW}:{FORM_HEADER_ROW}")
    _guide(wb)
    return wb


def _activities_table(ws: Worksheet, top: int, values: dict[str, Any]) -> int:
    """Section III of the form from row ``top``: per programme, its three figures (E, F, G).

    The hidden column B holds :data:`ACTIVITY_HEADER` on the table's header row, then each
    programme's code: what the reader looks for. Returns the table's last row.
    """
    if not load_elements().activities:  # the plan follows no programme: no section III
        return top - 2
    _cell(ws, top, 1, ACTIVITY_TITLE, font=_BOLD)
    header = top + 1
    heads = {1: "STT", FORM_FIELD_COL: ACTIVITY_HEADER, 3: "Chương trình", 4: "Điều khoản"} | {
        col: MEASURE_WORDS[m]["vi"] for m, col in ACTIVITY_COLUMNS.items()}
    for col, title in heads.items():
        _cell(ws, header, col, title, font=_BOLD, fill=_LOCKED_FILL, box=True)
    fields = activity_fields()
    for i, programme in enumerate(load_elements().activities, start=1):
        row = header + i
        for col, text in ((1, f"III.{i}"), (FORM_FIELD_COL, programme.name),
                          (3, programme.label_vi), (4, programme.clause)):
            _cell(ws, row, col, text, box=True)
        ws.cell(row=row, column=1).alignment = Alignment(horizontal="center", vertical="top")
        for measure, col in ACTIVITY_COLUMNS.items():
            key = activity_key(programme.name, measure)
            value = values.get(key)
            shown = None if value is None or pd.isna(value) else int(value)
            _cell(ws, row, col, shown, fill=_OPEN_FILL, open_=True, box=True)
            dv = field_validation(fields[key], f"Mục III.{i}")
            ws.add_data_validation(dv)
            dv.add(ws.cell(row=row, column=col))
    return header + len(load_elements().activities)


def bulk_form(rows: pd.DataFrame, period: Period) -> Workbook:
    """The bulk sheet: one row per CĐCS (``rows``: unit_id, name and optional answers).

    The field codes the reader needs are in a hidden row (:data:`BULK_KEY_ROW`); each field's
    column carries its own validation, hint and message, as in the individual form.
    """
    elements = [*load_elements().elements, *activity_fields().values()]
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = BULK_SHEET
    _cell(ws, 1, 1, _TITLE + " – BẢNG TỔNG HỢP", font=_TITLE_FONT)
    _cell(ws, 2, 1, FORM_LABELS["form_version"])
    _cell(ws, 2, 2, form_version())
    _cell(ws, 3, 1, FORM_LABELS["period"])
    _cell(ws, 3, 2, period.id)
    _cell(ws, 3, 3, f"Chốt số liệu {period.cut_off:%d/%m/%Y}, hạn gửi {due_date(period):%d/%m/%Y}")
    labels = ["Mã CĐCS", "Tên công đoàn cơ sở", "Ngày gửi báo cáo (dd/mm/yyyy)"] + [
        f"{e.label_vi} ({e.unit}; KH {clauses_served(e)})" for e in elements]
    # the programmes of section III follow the fields: three columns each
    keys = [*BULK_IDENTITY, *(e.name for e in elements)]
    columns = {key: col for col, key in enumerate(keys, start=1)}
    for col, (label, key) in enumerate(zip(labels, keys, strict=True), start=1):
        _cell(ws, BULK_LABEL_ROW, col, label, font=_BOLD, fill=_LOCKED_FILL, box=True)
        _cell(ws, BULK_KEY_ROW, col, key, fill=_LOCKED_FILL)
        ws.column_dimensions[get_column_letter(col)].width = 40 if col == 2 else 16
    ws.row_dimensions[BULK_LABEL_ROW].height = 90
    ws.row_dimensions[BULK_KEY_ROW].hidden = True  # the codes, for reading the sheet back
    last = BULK_FIRST_ROW + max(len(rows), 1) - 1
    day = get_column_letter(columns["submitted_on"])
    dates = date_validation(period.start)
    ws.add_data_validation(dates)
    dates.add(f"{day}{BULK_FIRST_ROW}:{day}{last}")
    for element in elements:
        if element.year_only and period.half == 1:
            continue
        letter = get_column_letter(columns[element.name])
        bigger = not_above(element)
        dv = field_validation(element, f"Cột {letter}", None if bigger is None else
                              f"{get_column_letter(columns[bigger.name])}{BULK_FIRST_ROW}")
        ws.add_data_validation(dv)
        dv.add(f"{letter}{BULK_FIRST_ROW}:{letter}{last}")
    for r, record in enumerate(rows.to_dict("records"), start=BULK_FIRST_ROW):
        _cell(ws, r, 1, safe_text(record["unit_id"]), fill=_LOCKED_FILL)
        _cell(ws, r, 2, safe_text(record["name"]), fill=_LOCKED_FILL)
        _cell(ws, r, columns["submitted_on"], _day(record.get("submitted_on")),
              open_=True).number_format = DATE_FORMAT
        for element in elements:
            _cell(ws, r, columns[element.name], display_value(element, record.get(element.name)),
                  open_=not (element.year_only and period.half == 1))
    ws.freeze_panes = ws.cell(row=BULK_FIRST_ROW, column=3)
    ws.protection.sheet = True
    print_setup(ws, landscape=True, last_row=last, last_col=len(keys),
                 title_rows=f"{BULK_LABEL_ROW}:{BULK_LABEL_ROW}", title_cols="A:B")
    ws.page_setup.fitToWidth = 0  # as many pages wide as the fields need; the names repeat
    _guide(wb)
    return wb


def expected_units(dataset: Dataset, period: Period,
                   unions: Sequence[str] | None = None) -> pd.DataFrame:
    """CĐCS that report for ``period`` (active at its cut-off) with their upper union's name."""
    units = units_in_period(dataset.units, dataset.links, period.cut_off)
    names = dataset.upper_unions.set_index("upper_id")["name"]
    units = units.assign(upper_name=units["parent_id"].map(names).fillna(""))
    if unions:
        unknown = sorted(set(unions) - set(units["unit_id"]))
        if unknown:
            raise PeriodError(
                "CĐCS không có trong danh mục hoặc không hoạt động tại ngày chốt của kỳ.",
                "CĐCS not in the registry or not active at the period's cut-off.",
                value=unknown, expected=f"CĐCS hoạt động ngày {period.cut_off:%d/%m/%Y}")
        units = units[units["unit_id"].isin(unions)]
    return units.sort_values("unit_id").reset_index(drop=True)


def safe_file_stem(text: str) -> str:
    """A file name part made of letters, digits, '-', '_' and '.' only (never a path)."""
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", text).strip("._")
    return stem or "unit"


NAME_IN_FILE = 64
"""At most this many characters of a CĐCS's name in its form's file name."""


def form_file_name(unit_id: str, name: str, period_id: str) -> str:
    """``CDCS-014_2025-H2_Cong-ty-TNHH-Hong-Phat.xlsx``: code, period, then the name to send it to.

    The name without its leading "Công đoàn" and accents ("Đ" as "D"), words joined by "-",
    its first letter a capital, cut at the last whole word within :data:`NAME_IN_FILE`
    characters (a word is never cut: "so-1", not "so"); the code first, so that the files sort
    by code.
    """
    name = re.sub(r"^\s*công đoàn\s+", "", name, flags=re.IGNORECASE)
    plain = unicodedata.normalize("NFD", name.replace("Đ", "D").replace("đ", "d"))
    words = re.sub(r"[^A-Za-z0-9]+", "-",
                   "".join(c for c in plain if not unicodedata.combining(c))).strip("-")
    if len(words) > NAME_IN_FILE:
        words = words[:NAME_IN_FILE + 1].rsplit("-", 1)[0] if "-" in words[:NAME_IN_FILE + 1] \
            else words[:NAME_IN_FILE]
    words = words[:1].upper() + words[1:]
    return f"{safe_file_stem(unit_id)}_{period_id}" + (f"_{words}" if words else "") + ".xlsx"


def write_templates(dataset: Dataset, period_id: str, out: Path,
                    unions: Sequence[str] | None = None, bulk: bool = True) -> list[Path]:
    """Write one form per CĐCS (:func:`form_file_name`) and the bulk sheet into ``out/period``."""
    period = parse_period(period_id)
    if period.half is None:
        raise PeriodError("Mẫu báo cáo lập cho từng kỳ 6 tháng (YYYY-H1 hoặc YYYY-H2).",
                          "Forms are made for a half-year period (YYYY-H1 or YYYY-H2).",
                          value=period_id, expected="YYYY-H1 | YYYY-H2")
    units = expected_units(dataset, period, unions)
    folder = Path(out) / period.id
    written: list[Path] = []
    for _, unit in units.iterrows():
        path = folder / form_file_name(str(unit["unit_id"]), str(unit["name"]), period.id)
        save_workbook(unit_form(unit, str(unit["upper_name"]), period), path)
        written.append(path)
    if bulk:
        path = folder / f"TongHop_{period.id}.xlsx"
        save_workbook(bulk_form(units[["unit_id", "name"]], period), path)
        written.append(path)
    return written
