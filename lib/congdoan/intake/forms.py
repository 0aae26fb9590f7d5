"""Excel report forms: one workbook per CĐCS and a bulk sheet (one row per CĐCS) for district staff.

The layout is derived from ``params/data_elements.yaml`` (fields, units, plan clauses) and the
plan register (which indicators each field serves), so a new data element appears in the forms
without code changes. Identity cells are prefilled and locked (sheet protection); value cells
are open and carry Excel data validation (dropdowns for yes/no, ratings and agreement grades;
whole numbers ≥ 0). Every form states its version (:data:`FORM_CELLS` ``form_version``), which
:mod:`congdoan.intake.ingest` checks.

``congdoan template --period P [--union ID ...] [--out DIR]`` writes them.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from congdoan.core.dataset import Dataset
from congdoan.core.periods import Period, due_date, parse_period
from congdoan.core.plan import DataElement, load_elements, load_register
from congdoan.core.registry import units_in_period
from congdoan.exceptions import PeriodError
from congdoan.intake.validation import CATEGORY_LABELS, form_version, load_intake_settings, safe_text

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
    "form_version": "Phiên bản mẫu / form version",
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
FORM_FIELD_COL, FORM_VALUE_COL = 2, 6

BULK_VERSION_CELL, BULK_PERIOD_CELL = "B2", "B3"
BULK_LABEL_ROW, BULK_KEY_ROW, BULK_FIRST_ROW = 5, 6, 7
BULK_IDENTITY = ("unit_id", "unit_name", "submitted_on")

_TITLE = "BÁO CÁO KẾT QUẢ THỰC HIỆN NGHỊ QUYẾT 02-NQ/TW CỦA CÔNG ĐOÀN CƠ SỞ"
_LOCKED_FILL = PatternFill("solid", fgColor="E7E6E6")
_OPEN_FILL = PatternFill("solid", fgColor="FFF2CC")
_BOLD = Font(bold=True)
_OPEN = Protection(locked=False)
_FIXED_TIME = (2020, 1, 1, 0, 0, 0)

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


def clauses_served(element: DataElement) -> str:
    """The plan clauses of the indicators that read ``element`` (its own clause first)."""
    clauses = [element.clause]
    for ind in load_register().indicators:
        if element.name in (ind.numerator, ind.denominator):
            clauses.extend(c for c in ind.all_clauses if c not in clauses)
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


def _validation(element: DataElement) -> DataValidation:
    settings = load_intake_settings()
    if element.kind == "bool":
        dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    elif element.kind == "category":
        labels = CATEGORY_LABELS.get(element.name, {})
        options = ",".join(labels.get(v, v) for v in element.values or ())
        dv = DataValidation(type="list", formula1=f'"{options}"', allow_blank=True)
    else:
        top = settings.max_vnd if element.kind == "vnd" else settings.max_people
        dv = DataValidation(type="whole", operator="between", formula1="0", formula2=str(top),
                            allow_blank=True)
    dv.error = "Giá trị không hợp lệ / invalid value"
    dv.errorTitle = element.label_vi[:32]
    dv.showErrorMessage = True
    return dv


def field_validation(element: DataElement) -> DataValidation:
    """The Excel data validation of a field of ``element``'s kind, as in the report forms."""
    return _validation(element)


def style_header(cell: Any) -> None:
    """Give ``cell`` the forms' look of a header or prefilled cell (bold, grey, locked)."""
    cell.font, cell.fill = _BOLD, _LOCKED_FILL


def style_open(cell: Any) -> None:
    """Give ``cell`` the forms' look of a cell to fill (yellow, unlocked on a protected sheet)."""
    cell.fill, cell.protection = _OPEN_FILL, _OPEN


def guide_sheet(wb: Workbook, lines: Sequence[str] = GUIDE_LINES) -> None:
    """Add the protected instructions sheet (:data:`GUIDE_SHEET`) with ``lines``."""
    ws = wb.create_sheet(GUIDE_SHEET)
    for i, line in enumerate(lines, start=1):
        ws.cell(row=i, column=1, value=line).font = _BOLD if i == 1 else Font()
    ws.column_dimensions["A"].width = 140
    ws.protection.sheet = True


def _guide(wb: Workbook) -> None:
    guide_sheet(wb)


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
    return {
        "form_version": form_version(),
        "unit_id": unit["unit_id"], "unit_name": unit["name"], "sector": unit["sector"],
        "upper_union": upper_name, "period": period.id,
        "cut_off": period.cut_off.strftime("%d/%m/%Y"),
        "due": due_date(period).strftime("%d/%m/%Y"),
    }


def unit_form(unit: pd.Series, upper_name: str, period: Period,
              values: dict[str, Any] | None = None) -> Workbook:
    """The form of one CĐCS for ``period`` (``values``: answers to prefill, for the demo)."""
    values = values or {}
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = FORM_SHEET
    ws["A1"] = _TITLE
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"] = plan_line()
    identity = _identity_rows(unit, upper_name, period)
    for key, ref in FORM_CELLS.items():
        row = int(ref[1:])
        ws.cell(row=row, column=1, value=FORM_LABELS[key]).font = _BOLD
        cell = ws[ref]
        if key in identity:
            cell.value = safe_text(identity[key])
            cell.fill = _LOCKED_FILL
        else:
            cell.value = safe_text(values.get(key))
            cell.fill, cell.protection = _OPEN_FILL, _OPEN
    for col, title in enumerate(FORM_COLUMNS, start=1):
        head = ws.cell(row=FORM_HEADER_ROW, column=col, value=title)
        head.font, head.fill = _BOLD, _LOCKED_FILL
    eligible = pd.Timestamp(unit["founded"]) <= (
        pd.Timestamp(period.cut_off) - pd.DateOffset(months=12))
    validations: dict[str, DataValidation] = {}
    for i, element in enumerate(load_elements().elements, start=1):
        row = FORM_HEADER_ROW + i
        for col, text in enumerate((i, element.name, element.label_vi, element.unit,
                                    clauses_served(element)), start=1):
            ws.cell(row=row, column=col, value=text)
        cell = ws.cell(row=row, column=FORM_VALUE_COL)
        closed = (element.year_only and period.half == 1) or (
            element.name == "rating" and not eligible)
        if closed:
            cell.fill = _LOCKED_FILL
            note = ("Chỉ báo cáo cuối năm (kỳ H2) – để trống" if element.year_only
                    and period.half == 1 else "CĐCS chưa đủ 12 tháng hoạt động – để trống")
            ws.cell(row=row, column=7, value=note)
            continue
        cell.value = display_value(element, values.get(element.name))
        cell.fill, cell.protection = _OPEN_FILL, _OPEN
        key = element.name if element.kind == "category" else element.kind
        if key not in validations:
            validations[key] = _validation(element)
            ws.add_data_validation(validations[key])
        validations[key].add(cell)
    date_dv = DataValidation(type="date", operator="greaterThan", formula1="36526",
                             allow_blank=True)
    ws.add_data_validation(date_dv)
    date_dv.add(ws[FORM_CELLS["submitted_on"]])
    for letter, width in zip("ABCDEFG", (34, 26, 70, 12, 14, 22, 36), strict=True):
        ws.column_dimensions[letter].width = width
    for row_cells in ws.iter_rows(min_row=FORM_HEADER_ROW, max_col=7):
        for c in row_cells:
            c.alignment = Alignment(wrap_text=True, vertical="top")
    ws.protection.sheet = True
    ws.freeze_panes = f"A{FORM_HEADER_ROW + 1}"
    _guide(wb)
    return wb


def bulk_form(rows: pd.DataFrame, period: Period) -> Workbook:
    """The bulk sheet: one row per CĐCS (``rows``: unit_id, name and optional answers)."""
    elements = load_elements().elements
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = BULK_SHEET
    ws["A1"] = _TITLE + " – BẢNG TỔNG HỢP"
    ws["A1"].font = Font(bold=True, size=13)
    ws["A2"], ws[BULK_VERSION_CELL] = FORM_LABELS["form_version"], form_version()
    ws["A3"], ws[BULK_PERIOD_CELL] = FORM_LABELS["period"], period.id
    ws["C3"] = f"Chốt số liệu {period.cut_off:%d/%m/%Y}, hạn gửi {due_date(period):%d/%m/%Y}"
    labels = ["Mã CĐCS", "Tên công đoàn cơ sở", "Ngày gửi báo cáo (dd/mm/yyyy)"] + [
        f"{e.label_vi} ({e.unit}; KH {clauses_served(e)})" for e in elements]
    keys = [*BULK_IDENTITY, *(e.name for e in elements)]
    for col, (label, key) in enumerate(zip(labels, keys, strict=True), start=1):
        head = ws.cell(row=BULK_LABEL_ROW, column=col, value=label)
        head.font, head.fill = _BOLD, _LOCKED_FILL
        head.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=BULK_KEY_ROW, column=col, value=key).fill = _LOCKED_FILL
        ws.column_dimensions[get_column_letter(col)].width = 40 if col == 2 else 16
    ws.row_dimensions[BULK_LABEL_ROW].height = 90
    last = BULK_FIRST_ROW + max(len(rows), 1) - 1
    for col, element in enumerate(elements, start=len(BULK_IDENTITY) + 1):
        if element.year_only and period.half == 1:
            continue
        dv = _validation(element)
        ws.add_data_validation(dv)
        letter = get_column_letter(col)
        dv.add(f"{letter}{BULK_FIRST_ROW}:{letter}{last}")
    for r, record in enumerate(rows.to_dict("records"), start=BULK_FIRST_ROW):
        ws.cell(row=r, column=1, value=safe_text(record["unit_id"])).fill = _LOCKED_FILL
        ws.cell(row=r, column=2, value=safe_text(record["name"])).fill = _LOCKED_FILL
        submitted = record.get("submitted_on")
        day = ws.cell(row=r, column=3, value=None if pd.isna(submitted) else
                      pd.Timestamp(submitted).strftime("%d/%m/%Y"))
        day.protection = _OPEN
        for col, element in enumerate(elements, start=len(BULK_IDENTITY) + 1):
            cell = ws.cell(row=r, column=col, value=display_value(element, record.get(element.name)))
            if not (element.year_only and period.half == 1):
                cell.protection = _OPEN
    ws.freeze_panes = ws.cell(row=BULK_FIRST_ROW, column=3)
    ws.protection.sheet = True
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


def write_templates(dataset: Dataset, period_id: str, out: Path,
                    unions: Sequence[str] | None = None, bulk: bool = True) -> list[Path]:
    """Write one form per CĐCS (and the bulk sheet) for ``period_id`` into ``out/period``."""
    period = parse_period(period_id)
    if period.half is None:
        raise PeriodError("Mẫu báo cáo lập cho từng kỳ 6 tháng (YYYY-H1 hoặc YYYY-H2).",
                          "Forms are made for a half-year period (YYYY-H1 or YYYY-H2).",
                          value=period_id, expected="YYYY-H1 | YYYY-H2")
    units = expected_units(dataset, period, unions)
    folder = Path(out) / period.id
    written: list[Path] = []
    for _, unit in units.iterrows():
        path = folder / f"{safe_file_stem(str(unit['unit_id']))}_{period.id}.xlsx"
        save_workbook(unit_form(unit, str(unit["upper_name"]), period), path)
        written.append(path)
    if bulk:
        path = folder / f"TongHop_{period.id}.xlsx"
        save_workbook(bulk_form(units[["unit_id", "name"]], period), path)
        written.append(path)
    return written
