"""``congdoan units template``: the units list to fill, as a workbook like the report forms.

The layout is :mod:`congdoan.intake.units`' (sheets, columns, key row); the look, dropdowns and
checks are the report forms' (:mod:`congdoan.intake.forms`). The list is prefilled with the
registry as it stands, so that an officer edits it and imports it back: only the differences
become events.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from congdoan.core.registry import RegistryState, name_history
from congdoan.core.registry_changes import as_records
from congdoan.core.workspace import Organisation
from congdoan.intake.forms import field_validation, guide_sheet, style_header, style_open
from congdoan.intake.problems import safe_text
from congdoan.intake.units import (
    COMMUNES_SHEET,
    FIRST_DAY,
    FIRST_ROW,
    KEY_ROW,
    LABEL_ROW,
    NOTE_ROW,
    SHEETS,
    TITLE_ROW,
    UNITS_SHEET,
    UPPER_KIND_LABELS,
    UPPERS_SHEET,
    Column,
    column_elements,
)

BLANK_ROWS = 500
"""Empty rows with dropdowns and checks below the prefilled ones."""

ORGANISATION_KINDS = {"commune": "commune_union", "industry": "industry_union",
                      "district": "district_federation"}
"""Kind of upper union a workspace's organisation is, when it can be the parent of CĐCS."""

TITLES = {
    UNITS_SHEET: "DANH SÁCH CÔNG ĐOÀN CƠ SỞ",
    UPPERS_SHEET: "DANH SÁCH CÔNG ĐOÀN CẤP TRÊN (TRỰC TIẾP CƠ SỞ VÀ CÁC CẤP Ở TRÊN)",
    COMMUNES_SHEET: "DANH SÁCH XÃ, PHƯỜNG",
}
"""Title (row 1) of each sheet."""

GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN DANH SÁCH CÔNG ĐOÀN CƠ SỞ",
    "1. Trang CDCS: mỗi CĐCS một dòng. Mã CĐCS do công đoàn cấp trên đặt (chữ không dấu, số, "
    "'-', '_', '.'), không đổi về sau.",
    "2. Khu vực: HCSN (cơ quan hành chính, đơn vị sự nghiệp), DNNN (doanh nghiệp nhà nước), "
    "NNN (doanh nghiệp ngoài nhà nước).",
    "3. Mã xã, phường và mã công đoàn cấp trên: chọn trong danh sách thả xuống; danh sách lấy từ "
    "trang XaPhuong và trang CapTren (thêm dòng ở đó trước).",
    "4. Ngày ghi dd/mm/yyyy. 'Trực thuộc từ ngày': ngày CĐCS về công đoàn cấp trên này (để trống "
    "= ngày thành lập, hoặc ngày cấp trên thành lập nếu muộn hơn). Ngày thành lập 01/01/1900: "
    "không rõ ngày (CĐCS đã có trước khi tổ chức bắt đầu); biết ngày thì ghi đè.",
    "5. Khi CĐCS chuyển sang cấp trên khác hoặc đổi tên: sửa cột đó và ghi ngày có hiệu lực vào "
    "'Trực thuộc từ ngày'. Khi giải thể: ghi ngày giải thể. Lịch sử được giữ lại.",
    "6. Đơn vị được NSNN bảo đảm toàn bộ chi thường xuyên: chọn Có cho cơ quan hành chính, đơn vị "
    "sự nghiệp do ngân sách nhà nước bảo đảm toàn bộ chi thường xuyên (các đơn vị này ngừng thu "
    "đoàn phí từ ngày ghi trong params/rates.yaml: dự toán không tính đoàn phí); để trống = Không.",
    "7. Số CNVCLĐ và đoàn viên đầu kỳ: số tại ngày CĐCS về công đoàn cấp trên này (số dư đầu kỳ); "
    "dùng cho các kỳ trước báo cáo đầu tiên. Để trống nếu chưa có.",
    "8. Trang CapTren: các công đoàn cấp trên trực tiếp của CĐCS, với ngày thành lập. Một công "
    "đoàn cấp trên thuộc một công đoàn cấp trên khác (ví dụ công đoàn tổng công ty thuộc công đoàn "
    "ngành): ghi mã công đoàn đó vào cột 'Mã công đoàn cấp trên của công đoàn này' (để trống = "
    "trực thuộc tổ chức); khi chuyển, sửa mã và ghi ngày chuyển vào 'Trực thuộc từ ngày'. Trang "
    "XaPhuong: các xã, phường.",
    "9. Không đổi tên trang, không sửa dòng mã trường (dòng 5). Nhập lại tệp đã sửa: chỉ các "
    "thay đổi được ghi, thành sự kiện có ngày (congdoan units history).",
    "",
    "Instructions (English): one CĐCS per row; choose sector, commune and upper union from the "
    "dropdowns; dates dd/mm/yyyy; for a move or a rename, change the cell and put the day it "
    "takes effect in 'since'; to dissolve, give the dissolution date; 'budget_funded': Có for an "
    "agency or public unit fully funded by the state budget (no member dues from the date in "
    "params/rates.yaml); an upper union under another one names it in 'parent_id' (blank: "
    "directly under the organisation), a move with its day in 'parent_since'; see docs/units.md.",
)


def column_validation(column: Column, last_row: int) -> DataValidation | None:
    """The dropdown or check of a list column's cells (rows :data:`FIRST_ROW` to ``last_row``)."""
    elements = column_elements([column])
    if column.key in elements:
        return field_validation(elements[column.key])
    if column.refers_to is not None:
        dv = DataValidation(type="list", allow_blank=True,
                            formula1=f"={column.refers_to}!$A${FIRST_ROW}:$A${last_row}")
    elif column.kind == "date":
        dv = DataValidation(type="date", operator="greaterThanOrEqual", allow_blank=True,
                            formula1=str((FIRST_DAY - dt.date(1899, 12, 30)).days))
    elif column.kind in ("code", "text"):
        dv = DataValidation(type="textLength", operator="lessThanOrEqual", allow_blank=True,
                            formula1="40" if column.kind == "code" else "200")
    else:
        return None
    dv.error = "Giá trị không hợp lệ / invalid value"
    dv.errorTitle = column.label_vi[:32]
    dv.showErrorMessage = True
    return dv


ValidationOf = Callable[[Column, int], DataValidation | None]
"""The data validation of a column's cells down to a last row (None: no rule)."""


def list_sheet(wb: Workbook, title: str, heading: str, columns: Sequence[Column],
               rows: list[dict[str, Any]], note: str,
               validation: ValidationOf = column_validation) -> None:
    """Add sheet ``title`` of a list workbook: heading, labels, key row, ``rows``, open rows.

    The first sheet added replaces the workbook's empty default sheet. Cells to fill are
    unlocked on a protected sheet; dates, counts and yes/no values are written as the reader
    reads them back.
    """
    fresh = wb.active is not None and wb.active.title == "Sheet" and wb.active.max_row == 1 \
        and wb.active["A1"].value is None
    ws = wb.active if fresh else wb.create_sheet(title)
    assert ws is not None
    ws.title = title
    ws.cell(row=TITLE_ROW, column=1, value=heading).font = Font(bold=True, size=13)
    ws.cell(row=NOTE_ROW, column=1, value=note)
    last_row = FIRST_ROW + len(rows) + BLANK_ROWS - 1
    for col, column in enumerate(columns, start=1):
        label = ws.cell(row=LABEL_ROW, column=col,
                        value=column.label_vi + (" *" if column.required else ""))
        style_header(label)
        label.alignment = Alignment(wrap_text=True, vertical="top")
        style_header(ws.cell(row=KEY_ROW, column=col, value=column.key))
        letter = get_column_letter(col)
        ws.column_dimensions[letter].width = column.width
        dv = validation(column, last_row)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(f"{letter}{FIRST_ROW}:{letter}{last_row}")
        for row in range(FIRST_ROW, last_row + 1):
            cell = ws.cell(row=row, column=col)
            style_open(cell)
            if column.kind == "date":
                cell.number_format = "DD/MM/YYYY"
            elif column.kind in ("code", "tax_code"):
                cell.number_format = "@"
    for r, record in enumerate(rows, start=FIRST_ROW):
        for col, column in enumerate(columns, start=1):
            value = record.get(column.key)
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                continue
            if column.kind == "date":
                value = pd.Timestamp(value).date()
            elif column.kind == "count":
                value = int(value)
            elif column.kind == "yes_no":
                value = "Có" if int(value) else "Không"
            ws.cell(row=r, column=col, value=safe_text(value))
    ws.row_dimensions[LABEL_ROW].height = 45
    ws.freeze_panes = ws.cell(row=FIRST_ROW, column=3)
    ws.protection.sheet = True


def current_rows(state: RegistryState) -> tuple[list[dict[str, Any]], list[dict[str, Any]],
                                                 list[dict[str, Any]]]:
    """The registry as a units list: CĐCS (as they stand now), upper unions and communes."""
    links = state.links.sort_values(["unit_id", "valid_from"]).drop_duplicates(
        "unit_id", keep="last").set_index("unit_id")
    names = name_history(state.units, state.links, state.names).drop_duplicates(
        "unit_id", keep="last").set_index("unit_id")["name"]
    openings = state.openings.set_index("unit_id")
    units = []
    for rec in as_records(state.units.sort_values("unit_id")):
        uid = rec["unit_id"]
        link = links.loc[uid] if uid in links.index else None
        units.append({
            **rec, "name": names.get(uid, rec["name"]),
            "upper_id": None if link is None else link["parent_id"],
            "since": None if link is None else link["valid_from"],
            "opening_workers": openings["workers"].get(uid),
            "opening_members": openings["members"].get(uid)})
    parents = state.upper_links[state.upper_links["valid_to"].isna()].set_index("upper_id")
    uppers = [{**rec, "kind": UPPER_KIND_LABELS.get(str(rec["kind"]), rec["kind"]),
               "parent_id": parents["parent_id"].get(rec["upper_id"]),
               "parent_since": parents["valid_from"].get(rec["upper_id"])}
              for rec in as_records(state.upper_unions.sort_values("upper_id"))]
    communes = as_records(state.communes.sort_values("commune_id"))
    return units, uppers, communes


def units_workbook(state: RegistryState, organisation: Organisation) -> Workbook:
    """The units list to fill: prefilled with the registry as it stands (empty at first).

    In an empty registry, the organisation is listed as the first upper union (its start date
    to fill) when it can be the direct parent of CĐCS (a commune, ward or industry union, a
    district federation).
    """
    units, uppers, communes = current_rows(state)
    kind = ORGANISATION_KINDS.get(organisation.kind)
    if kind and not uppers:
        uppers.insert(0, {"upper_id": organisation.id, "name": organisation.name,
                          "kind": UPPER_KIND_LABELS[kind]})
    wb = Workbook()
    note = f"{organisation.name} — các cột có dấu * là bắt buộc; không sửa dòng 5 (mã trường)."
    for title, rows in ((UNITS_SHEET, units), (UPPERS_SHEET, uppers), (COMMUNES_SHEET, communes)):
        list_sheet(wb, title, TITLES[title], SHEETS[title], rows, note)
    guide_sheet(wb, GUIDE_LINES)
    return wb
