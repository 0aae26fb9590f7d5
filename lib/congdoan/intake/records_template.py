"""``congdoan records template``: the records book to fill, prefilled with what is stored.

Sheets: DoanhNghiep (one row per enterprise of the registry), CapTren (one row per upper union
and year: the records stored, then a row for this year for each upper union open now that has
none), DiaBan (the communes each upper union covers, dated), DanhMuc (the codes of communes,
CĐCS and upper unions of the registry, which the dropdowns list; not read back) and HuongDan
(instructions, Vietnamese then English). The look, dropdowns and checks are the units list's
(:func:`congdoan.intake.units_template.list_sheet`).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.worksheet.datavalidation import DataValidation

from congdoan.core.plan import DataElements
from congdoan.core.registry_changes import as_records
from congdoan.core.workspace import Organisation
from congdoan.intake.cells import CATEGORY_LABELS
from congdoan.intake.forms import guide_sheet, style_header
from congdoan.intake.records import (
    AREA_COLUMNS,
    AREAS_SHEET,
    ENTERPRISE_COLUMNS,
    ENTERPRISES_SHEET,
    LISTS_SHEET,
    RECORDS_SHEET,
    RecordsBook,
    record_columns,
)
from congdoan.intake.units import FIRST_ROW, KEY_ROW, LABEL_ROW, Column
from congdoan.intake.units_template import ValidationOf, column_validation, list_sheet

LISTS: dict[str, tuple[str, str, str]] = {
    "commune_id": ("communes", "A", "Mã xã, phường"),
    "unit_id": ("units", "B", "Mã CĐCS (khu vực DNNN, NNN)"),
    "upper_id": ("upper_unions", "C", "Mã công đoàn cấp trên"),
}
"""Code column → (registry table, column of sheet DanhMuc, label) of the dropdown it takes."""

GUIDE_LINES = (
    "HƯỚNG DẪN ĐIỀN SỔ THEO DÕI DOANH NGHIỆP VÀ CÔNG ĐOÀN CẤP TRÊN",
    "1. Trang DoanhNghiep: mỗi doanh nghiệp trên địa bàn một dòng (nguồn: cơ quan thuế, BHXH), kể "
    "cả doanh nghiệp chưa có công đoàn. Mã số thuế là khóa: không sửa mã của một dòng đã có.",
    "2. Mã xã, phường và mã CĐCS: chọn trong danh sách thả xuống (trang DanhMuc, lấy từ danh mục "
    "đã nhập bằng 'congdoan units import'). Mã CĐCS để trống khi doanh nghiệp chưa có CĐCS; mỗi "
    "CĐCS chỉ gắn với một doanh nghiệp, và không phải CĐCS khu vực HCSN.",
    "3. Số công nhân, lao động: số nguyên ≥ 0 (chỉ tiêu 2.2 đếm doanh nghiệp từ 25 lao động). "
    "Ngày dd/mm/yyyy; ngày ngừng hoạt động không trước ngày bắt đầu.",
    "4. Trang CapTren: mỗi công đoàn cấp trên và mỗi năm một dòng: xếp loại (chỉ tiêu 1.7), được "
    "kiểm tra, quyết toán tài chính (Có/Không, chỉ tiêu 1.8), số người lao động nơi chưa có công "
    "đoàn được tiếp cận, tập hợp (chỉ tiêu 2.3). Dòng không ghi gì ngoài mã và năm được bỏ qua.",
    "5. Trang DiaBan: xã, phường mỗi công đoàn cấp trên phụ trách, từ ngày nào (đến ngày nào); "
    "người lao động ở doanh nghiệp chưa có CĐCS được tính cho công đoàn cấp trên phụ trách xã "
    "của doanh nghiệp (mẫu số chỉ tiêu 2.3). Một xã chỉ thuộc một cấp trên tại một ngày.",
    "6. Không đổi tên trang, không sửa dòng mã trường (dòng 5). Nhập: congdoan records import "
    "TỆP. Tệp có lỗi bị từ chối cả tệp, không ghi gì; các dòng đã lưu mà tệp không liệt kê được "
    "giữ nguyên.",
    "",
    "Instructions (English): sheet DoanhNghiep lists every enterprise of the area, keyed by its tax "
    "code, with its commune, ownership (DNNN state-owned, NNN other), workers, opening and closing "
    "dates and its CĐCS (blank: none; one enterprise per CĐCS, never an HCSN one); sheet CapTren "
    "holds one row per upper union and year: rating (clause 1.7), audited yes/no (1.8), workers "
    "without a union reached (2.3). Choose codes from the dropdowns (sheet DanhMuc, from the "
    "registry). Import with 'congdoan records import FILE': a file with any error is refused "
    "whole and nothing changes; stored rows the file does not list are kept. Sheet DiaBan: the "
    "communes each upper union covers, dated (one upper union per commune on a day): workers of "
    "enterprises without a CĐCS count under it (clause 2.3). See docs/data.md.",
)


def _lists_sheet(wb: Workbook, book: RecordsBook) -> dict[str, int]:
    """Sheet DanhMuc with the registry's codes (and names); the number of codes of each list."""
    ws = wb.create_sheet(LISTS_SHEET)
    ws.cell(row=1, column=1, value="DANH MỤC MÃ (từ danh mục CĐCS; không sửa ở đây)")
    sizes = {}
    for key, (table, letter, label) in LISTS.items():
        frame = getattr(book, table)
        if key == "unit_id":
            frame = frame[frame["sector"] != "HCSN"]
        codes = sorted(frame[key].astype(str))
        col = ord(letter) - ord("A") + 1
        style_header(ws.cell(row=LABEL_ROW, column=col, value=label))
        style_header(ws.cell(row=KEY_ROW, column=col, value=key))
        for row, code in enumerate(codes, start=FIRST_ROW):
            ws.cell(row=row, column=col, value=code)
        ws.column_dimensions[letter].width = 24
        sizes[key] = len(codes)
    ws.protection.sheet = True
    return sizes


def _validation(sizes: dict[str, int]) -> ValidationOf:
    """Dropdowns of the code columns from sheet DanhMuc; the units list's checks elsewhere."""
    def rule(column: Column, last_row: int) -> DataValidation | None:
        if column.key not in LISTS:
            return column_validation(column, last_row)
        letter = LISTS[column.key][1]
        last = FIRST_ROW + max(sizes[column.key], 1) - 1
        dv = DataValidation(type="list", allow_blank=True,
                            formula1=f"={LISTS_SHEET}!${letter}${FIRST_ROW}:${letter}${last}")
        dv.error = "Mã không có trong danh mục / unknown code"
        dv.errorTitle = column.label_vi[:32]
        dv.showErrorMessage = True
        return dv
    return rule


def _record_rows(book: RecordsBook, year: int) -> list[dict[str, Any]]:
    """The stored records (ratings as their labels), then a row for ``year`` of each upper union.

    Only upper unions open in ``year`` with no record for it get one.
    """
    labels = CATEGORY_LABELS.get("rating", {})
    stored = [{**r, "rating": labels.get(r["rating"], r["rating"])
               if isinstance(r["rating"], str) else None}
              for r in as_records(book.upper_records.sort_values(["upper_id", "year"]))]
    have = {(str(r["upper_id"]), int(r["year"])) for r in stored}
    uppers = book.upper_unions
    ends = pd.to_datetime(uppers["valid_to"])
    open_now = uppers[(pd.to_datetime(uppers["valid_from"]).dt.year <= year)
                      & (ends.isna() | (ends.dt.year >= year))]
    new = [{"upper_id": uid, "year": year} for uid in sorted(open_now["upper_id"].astype(str))
           if (uid, year) not in have]
    return stored + new


def records_workbook(book: RecordsBook, organisation: Organisation, year: int,
                     elements: DataElements | None = None) -> Workbook:
    """The records book to fill, prefilled with ``book``.

    An upper union open in ``year`` without a record for it gets a row to fill for that year.
    """
    wb = Workbook()
    sizes = _lists_sheet(wb, book)
    rule = _validation(sizes)
    note = f"{organisation.name} — các cột có dấu * là bắt buộc; không sửa dòng 5 (mã trường)."
    enterprises = as_records(book.enterprises.sort_values("enterprise_id"))
    list_sheet(wb, ENTERPRISES_SHEET, "SỔ THEO DÕI DOANH NGHIỆP TRÊN ĐỊA BÀN", ENTERPRISE_COLUMNS,
               enterprises, note, rule)
    list_sheet(wb, RECORDS_SHEET, "CÔNG ĐOÀN CẤP TRÊN THEO NĂM: XẾP LOẠI, KIỂM TRA TÀI CHÍNH, "
               "TẬP HỢP NGƯỜI LAO ĐỘNG", record_columns(elements), _record_rows(book, year), note,
               rule)
    areas = as_records(book.areas.sort_values(["commune_id", "valid_from"]))
    list_sheet(wb, AREAS_SHEET, "ĐỊA BÀN CỦA CÔNG ĐOÀN CẤP TRÊN (XÃ, PHƯỜNG PHỤ TRÁCH)",
               AREA_COLUMNS, areas, note, rule)
    wb.move_sheet(LISTS_SHEET, offset=2)
    guide_sheet(wb, GUIDE_LINES)
    wb.active = 0
    return wb
