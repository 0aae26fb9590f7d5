"""``congdoan plan template``: the plan register as a workbook to edit, like the units list.

The layout is :mod:`congdoan.intake.plan_sheet`'s (sheets, rows, keyed columns); the look,
protection, dropdowns and A4 print set-up are the report forms'
(:mod:`congdoan.intake.forms`). Cells that do not apply to a line (the milestone years of an
annual line, the annual target of a milestone line) are grey and locked. While the plan is the
template (:attr:`~congdoan.core.plan.PlanIdentity.is_template`), its count targets (the demo
district's scale) are orange (:data:`REVIEW_FILL`), for each union to set its own.
"""

from __future__ import annotations

from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from congdoan.core.plan import POPULATION_SECTORS, Activity, PlanRegister
from congdoan.intake.forms import fit_rows, guide_sheet, print_setup, style_header, style_open
from congdoan.intake.plan_programmes import NEW_PROGRAMME_ROWS, PROGRAMME_COLUMNS, PROGRAMMES_SHEET
from congdoan.intake.plan_sheet import (
    IDENTITY_FIELDS,
    NEW_MARK,
    NEW_ROWS,
    PLAN_SHEET,
    POPULATION_WORDS,
    READING_WORDS,
    TARGETS_SHEET,
    VERSION_KEY,
    Column,
    applies,
    sheet_years,
    shown_identity,
    shown_indicator,
    target_columns,
)
from congdoan.intake.problems import safe_text
from congdoan.intake.units import FIRST_ROW, KEY_ROW, LABEL_ROW, NOTE_ROW, TITLE_ROW

GUIDE_LINES = (
    "HƯỚNG DẪN SỬA KẾ HOẠCH (SỔ CHỈ TIÊU) BẰNG EXCEL",
    "1. Trang KeHoach: số hiệu, ngày ban hành (dd/mm/yyyy), cơ quan ban hành, tên kế hoạch, "
    "nghị quyết thực hiện, năm gốc và các năm dự báo (nhiều năm: cách nhau bởi dấu phẩy). Chỉ sửa cột "
    "giá trị (màu vàng).",
    "2. Trang ChiTieu: mỗi chỉ tiêu một dòng. Sửa điều khoản, tên, nội dung, chỉ tiêu năm (từ, "
    "đến), các giá trị mốc, \"trên\", \"khoảng\". Tỷ lệ ghi theo phần trăm: gõ 70 hoặc 70% "
    "(ô đã định dạng %). Số lượng ghi số nguyên.",
    "3. Chỉ tiêu năm: 'từ' là mức phải đạt; 'đến' chỉ khi kế hoạch ghi một khoảng (vd. 600 - 700); "
    "'Trên' = Có khi kế hoạch ghi \"trên\" (phải vượt hẳn mức đó).",
    "4. Chỉ tiêu mốc: sửa giá trị ở cột năm mốc. Xóa trống một ô để bỏ mốc đó (chỉ tiêu phải "
    "còn ít nhất một mốc); điền vào ô trống để thêm mốc năm đó (cùng \"khoảng\" và sai số của "
    "dòng). Cần cột năm khác (tổ chức thành lập sau, kế hoạch có mốc 2028, 2035…): sửa ô 'Các năm "
    "mốc' ở trang KeHoach (mỗi năm sau năm gốc, đến 2100), nhập tệp, tạo lại mẫu (congdoan plan "
    "template) rồi điền cột năm mới. Cảnh báo (không phải lỗi) khi mốc sau thấp hơn mốc trước.",
    "5. 'Khoảng' = Có khi kế hoạch ghi \"khoảng\": đạt khi trong sai số (cột sai số, để trống = "
    "mặc định của params/plan.yaml).",
    "6. Bỏ một chỉ tiêu: chọn Không ở cột 'Giữ'. Điều khoản không còn chỉ tiêu nào được bỏ khỏi "
    "kế hoạch; các câu hỏi của mẫu báo cáo chỉ phục vụ chỉ tiêu hay điều khoản bị bỏ cũng được "
    "bỏ khỏi params/data_elements.yaml.",
    f"6b. Thêm chỉ tiêu: dùng các dòng {NEW_MARK} ở cuối trang. Chọn ở cột 'Như chỉ tiêu' mã của "
    "một dòng có cùng cách tính (cùng câu hỏi báo cáo); ghi điều khoản, tên, (nội dung), rồi "
    "hoặc chỉ tiêu năm (cột 'từ'), hoặc giá trị các mốc — không cả hai. Ví dụ: chỉ tiêu năm cho "
    "TƯLĐTT (dòng mẫu chỉ có mốc): Như chỉ tiêu = cba_coverage, từ = 55. Cột 'Khu vực' chọn CĐCS "
    "được tính (vd. một chỉ tiêu chung cho mọi doanh nghiệp thay cho hai dòng DNNN và ngoài nhà "
    "nước: thêm một dòng Khu vực = Doanh nghiệp, bỏ hai dòng kia). Ở dòng mới, tỷ lệ gõ 70 hoặc "
    "70%. Chỉ tiêu cần câu hỏi báo cáo mới: sửa params/plan.yaml và params/data_elements.yaml "
    "(docs/plan-register.md).",
    "7. Không đổi tên trang, không sửa dòng mã trường (dòng 5) và cột mã chỉ tiêu. Nhập lại: "
    "congdoan plan import TỆP. Nếu có ô sai, không gì thay đổi và thông báo nêu rõ ô.",
    "8. Ô màu cam (khi kế hoạch còn là mẫu): chỉ tiêu số lượng của kế hoạch mẫu, theo quy mô của "
    "tổ chức mẫu (số đoàn viên, số CĐCS mới…): ghi số của kế hoạch tổ chức mình.",
    "",
    "Instructions (English): sheet KeHoach holds the plan's identity (number, date dd/mm/yyyy, "
    "issuing body, title, the resolution, baseline year, projection years); sheet ChiTieu one "
    "line per indicator: edit its clause, name, wording, annual target (from, to, 'trên' = "
    "strictly above), milestone values (clear a cell to remove that milestone, a line keeps at "
    "least one; type into an empty one to add it), 'khoảng' (about) and its tolerance. Other "
    "milestone years (a union formed later, a plan with 2028, 2035 …): edit 'Các năm mốc' in "
    "sheet KeHoach, import, make the template again and fill the new columns. Shares are "
    "percents (type 70 or 70%). 'Giữ' = Không drops the line; a clause left without lines "
    "leaves the plan with the report questions that only served it. Orange cells (while the "
    "plan is the template): the template's counts, at the demo's scale: set your own. "
    f"New lines: the rows {NEW_MARK} at the end; 'Như chỉ tiêu' names a line computed the same "
    "way, then a clause, a name and either an annual target or milestones; 'Khu vực' chooses "
    "which CĐCS count. A line needing a new report question: edit params/plan.yaml. Import with "
    "`congdoan plan import FILE`: a wrong cell changes nothing and is named.",
)


REVIEW_FILL = PatternFill("solid", fgColor="F8CBAD")
"""Fill of a count target of the template plan: the demo's scale, to be set by each union."""


def _validation(kind: str, share: bool, ids: str = "") -> DataValidation:
    if kind == "yes_no":
        dv = DataValidation(type="list", formula1='"Có,Không"', allow_blank=True)
    elif kind == "population":
        words = ",".join(POPULATION_WORDS[k] for k in POPULATION_SECTORS)
        dv = DataValidation(type="list", formula1=f'"{words}"', allow_blank=True)
    elif kind == "reading":
        dv = DataValidation(type="list", formula1=f'"{",".join(READING_WORDS.values())}"',
                            allow_blank=True)
    elif kind == "based_on":
        dv = DataValidation(type="list", formula1=ids, allow_blank=True)
    elif share or kind == "percent":
        dv = DataValidation(type="decimal", operator="between", formula1="0", formula2="1",
                            allow_blank=True)
    else:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True)
    dv.error = ("Tỷ lệ từ 0 % đến 100 % / a share from 0 to 100 %" if share or kind == "percent"
                else "Giá trị không hợp lệ / invalid value")
    dv.errorTitle = "Ô này"
    dv.showErrorMessage = True
    return dv


def _put(ws: Any, row: int, col: int, value: Any, *, open_cell: bool, share: bool = False,
         kind: str = "text") -> None:
    if isinstance(value, bool):
        value = "Có" if value else "Không"
    elif isinstance(value, tuple):
        value = ("\n" if kind == "lines" else ", ").join(map(str, value))
    cell = ws.cell(row=row, column=col, value=safe_text(value))
    if open_cell:
        style_open(cell)
    else:
        style_header(cell)
    cell.alignment = Alignment(wrap_text=kind in ("text", "lines"), vertical="top")
    if share or kind == "percent":
        cell.number_format = "0%" if value is None or float(value * 100).is_integer() else "0.0##%"
    elif kind == "date":
        cell.number_format = "DD/MM/YYYY"
    elif kind in ("optional_text", "text", "clause", "years", "lines"):
        cell.number_format = "@"


def _header(ws: Any, title: str, note: str, columns: tuple[Column, ...] | None) -> None:
    ws.cell(row=TITLE_ROW, column=1, value=title).font = Font(bold=True, size=13)
    ws.cell(row=NOTE_ROW, column=1, value=note)
    for col, column in enumerate(columns or (), start=1):
        label = ws.cell(row=LABEL_ROW, column=col, value=column.label_vi)
        style_header(label)
        label.alignment = Alignment(wrap_text=True, vertical="top")
        style_header(ws.cell(row=KEY_ROW, column=col, value=column.key))
        ws.column_dimensions[get_column_letter(col)].width = column.width
    ws.row_dimensions[LABEL_ROW].height = 60


def _identity_sheet(ws: Any, register: PlanRegister, version: str, note: str) -> None:
    ws.title = PLAN_SHEET
    heads = (Column("label", "Trường", "Field", "shown", 44), Column("key", "Mã trường", "Key",
             "shown", 18), Column("value", "Giá trị", "Value", "text", 90))
    _header(ws, "KẾ HOẠCH — THÔNG TIN CHUNG", note, heads)
    ws.row_dimensions[LABEL_ROW].height = 20
    shown = shown_identity(register)
    rows = [(f.label_vi, f.key, shown[f.key], f.kind, True) for f in IDENTITY_FIELDS]
    rows.append(("Phiên bản sổ chỉ tiêu (không sửa)", VERSION_KEY, version, "text", False))
    for row, (label, key, value, kind, open_cell) in enumerate(rows, start=FIRST_ROW):
        _put(ws, row, 1, label, open_cell=False)
        _put(ws, row, 2, key, open_cell=False)
        _put(ws, row, 3, value, open_cell=open_cell, kind=kind)
    last = FIRST_ROW + len(rows) - 1
    fit_rows(ws, [c.width for c in heads], FIRST_ROW, last)
    print_setup(ws, landscape=True, last_row=last, last_col=3)
    ws.protection.sheet = True


def _targets_sheet(ws: Any, register: PlanRegister, note: str) -> None:
    columns = target_columns(register)
    _header(ws, "KẾ HOẠCH — CÁC CHỈ TIÊU", note, columns)
    years = sheet_years(register)
    rules: dict[tuple[str, bool], DataValidation] = {}
    for row, ind in enumerate(register.indicators, start=FIRST_ROW):
        shown = shown_indicator(ind, years)
        for col, column in enumerate(columns, start=1):
            share = ind.measure == "share" and column.kind == "value"
            fits = applies(ind, column.key)
            open_cell = fits and column.kind != "shown" and column.key != "id" and not (
                column.key == "clause" and ind.clauses)
            value = shown[column.key] if fits or column.key == "population" else None
            if column.kind == "population":
                value = POPULATION_WORDS[str(value)]
            elif column.kind == "reading" and value is not None:
                value = READING_WORDS[str(value)]
            _put(ws, row, col, value, open_cell=open_cell, share=share, kind=column.kind)
            if (register.plan.is_template and ind.measure == "count" and open_cell
                    and column.kind == "value" and shown[column.key] is not None):
                ws.cell(row=row, column=col).fill = REVIEW_FILL
            if open_cell and column.kind in ("value", "yes_no", "percent", "population",
                                             "reading"):
                dv = rules.setdefault((column.kind, share), _validation(column.kind, share))
                dv.add(f"{get_column_letter(col)}{row}")
    first_new = FIRST_ROW + len(register.indicators)
    last = first_new + NEW_ROWS - 1
    ids = (f"${get_column_letter(1)}${FIRST_ROW}:${get_column_letter(1)}${first_new - 1}")
    rules[("based_on", False)] = _validation("based_on", False, ids)
    for row in range(first_new, last + 1):
        for col, column in enumerate(columns, start=1):
            # the kind of target, and so whether a value is a share, is known once the row is
            # filled: values are typed as text (70 or 70% for a share), read by the line copied
            kind = "text" if column.kind == "value" else column.kind
            _put(ws, row, col, NEW_MARK if column.key == "id" else None,
                 open_cell=column.key not in ("id", "unit"), kind=kind)
            if column.kind in ("yes_no", "percent", "population", "reading") \
                    or column.key == "based_on":
                key = ("based_on", False) if column.key == "based_on" else (column.kind, False)
                dv = rules.setdefault(key, _validation(column.kind, False))
                dv.add(f"{get_column_letter(col)}{row}")
    for dv in rules.values():
        ws.add_data_validation(dv)
    fit_rows(ws, [c.width for c in columns], FIRST_ROW, last)
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=3)
    print_setup(ws, landscape=True, last_row=last, last_col=len(columns),
                title_rows=f"{LABEL_ROW}:{LABEL_ROW}")
    ws.protection.sheet = True


def plan_workbook(register: PlanRegister, version: str, organisation_name: str,
                  source: str | None = None,
                  activities: tuple[Activity, ...] | None = None) -> Workbook:
    """The workbook to edit ``register`` in (``version``: its :func:`register_version`).

    ``source``: the plan document the workbook is filled from (``congdoan plan read``), named in
    its header instead of the register's plan. ``activities``: the programmes the forms ask
    about, in a sheet of their own (:mod:`congdoan.intake.plan_programmes`); None: no sheet.
    """
    wb = Workbook()
    where = (f"điền từ văn bản {source}: kiểm tra rồi nhập" if source
             else register.plan.citation("vi"))
    note = (f"{organisation_name} — {where}; chỉ sửa ô màu vàng, không sửa dòng 5 (mã "
            "trường).")
    ws = wb.active
    assert ws is not None
    _identity_sheet(ws, register, version, note)
    _targets_sheet(wb.create_sheet(TARGETS_SHEET), register, note)
    if activities is not None:
        _programmes_sheet(wb.create_sheet(PROGRAMMES_SHEET), activities, note)
    guide_sheet(wb, GUIDE_LINES)
    return wb


def _programmes_sheet(ws: Any, activities: tuple[Activity, ...], note: str) -> None:
    _header(ws, "KẾ HOẠCH — CÁC CHƯƠNG TRÌNH (mục III)", note, PROGRAMME_COLUMNS)
    keep = _validation("yes_no", False)
    rows: list[tuple[str | None, ...]] = [(a.name, a.label_vi, a.clause, "Có")
                                          for a in activities]
    rows += [(NEW_MARK, None, None, None)] * NEW_PROGRAMME_ROWS
    for row, values in enumerate(rows, start=FIRST_ROW):
        for col, (column, value) in enumerate(zip(PROGRAMME_COLUMNS, values, strict=True),
                                              start=1):
            _put(ws, row, col, value, open_cell=column.key != "name", kind=column.kind)
        keep.add(f"{get_column_letter(len(PROGRAMME_COLUMNS))}{row}")
    ws.add_data_validation(keep)
    last = FIRST_ROW + len(rows) - 1
    fit_rows(ws, [c.width for c in PROGRAMME_COLUMNS], FIRST_ROW, last)
    print_setup(ws, landscape=False, last_row=last, last_col=len(PROGRAMME_COLUMNS),
                title_rows=f"{LABEL_ROW}:{LABEL_ROW}")
    ws.protection.sheet = True


def fill_workbook(wb: Workbook, identity: dict[str, Any], lines: dict[tuple[str, str], Any],
                  new_rows: list[dict[str, Any]],
                  programmes: dict[str, bool] | None = None) -> None:
    """Type values into a workbook of :func:`plan_workbook`, as an officer would.

    A line dropped (``keep`` False) is also hidden: the sheet shows the lines the plan keeps
    and adds; the dropped ones are still there, read by the import, for whoever unhides them.

    ``identity``: field key → value of sheet KeHoach; ``lines``: (indicator id, field key) →
    value of sheet ChiTieu (True/False as Có/Không, shares as fractions); ``new_rows``: the
    rows :data:`NEW_MARK` in order, field key → text; ``programmes``: programme code → kept
    (sheet ChuongTrinh). Raises ValueError when there are more new rows than the sheet has.
    """
    plan = wb[PLAN_SHEET]
    keys = {plan.cell(row=r, column=2).value: r for r in range(FIRST_ROW, plan.max_row + 1)}
    for key, value in identity.items():
        plan.cell(row=keys[key], column=3).value = value
    sheet = wb[TARGETS_SHEET]
    cols = {c.value: c.column for c in sheet[KEY_ROW]}
    rows = {sheet.cell(row=r, column=1).value: r for r in range(FIRST_ROW, sheet.max_row + 1)}
    for (line, key), value in lines.items():
        if key == "keep" and value is False:  # dropped: out of sight, still read (unhide to keep)
            sheet.row_dimensions[rows[line]].hidden = True
        if isinstance(value, bool):
            value = "Có" if value else "Không"
        sheet.cell(row=rows[line], column=cols[key]).value = value
    free = [r for r in range(FIRST_ROW, sheet.max_row + 1)
            if sheet.cell(row=r, column=1).value == NEW_MARK]
    if len(new_rows) > len(free):
        raise ValueError(f"{len(new_rows)} new lines, {len(free)} rows")
    for row, values in zip(free, new_rows, strict=False):
        for key, value in values.items():
            sheet.cell(row=row, column=cols[key]).value = value
    if programmes and PROGRAMMES_SHEET in wb.sheetnames:
        ws = wb[PROGRAMMES_SHEET]
        keep = len(PROGRAMME_COLUMNS)
        for r in range(FIRST_ROW, ws.max_row + 1):
            code = ws.cell(row=r, column=1).value
            if code in programmes:
                ws.cell(row=r, column=keep).value = "Có" if programmes[code] else "Không"


def cell_at(wb: Workbook, line: str, key: str) -> str | None:
    """The coordinate (``H17``) of field ``key`` of line ``line`` in sheet ChiTieu, or None."""
    sheet = wb[TARGETS_SHEET]
    col = next((c.column for c in sheet[KEY_ROW] if c.value == key), None)
    row = next((r for r in range(FIRST_ROW, sheet.max_row + 1)
                if sheet.cell(row=r, column=1).value == line), None)
    return None if col is None or row is None else f"{get_column_letter(col)}{row}"
