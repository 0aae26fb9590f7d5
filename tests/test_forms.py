"""Excel forms: layout, locking, labels and data validation, read back with openpyxl."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from conftest import tiny_dataset
from congdoan.cli import main
from congdoan.core.dataset import write_dataset
from congdoan.core.plan import load_elements, load_register, sectors_asked
from congdoan.intake.entry import field_hint
from congdoan.intake.forms import (
    BULK_SHEET,
    FONT_NAME,
    FORM_CELLS,
    FORM_SHEET,
    GUIDE_SHEET,
    clauses_served,
    form_file_name,
)
from congdoan.intake.validation import form_version

VERSION = form_version()
UNITS = [
    {"unit_id": "A", "name": "=Trường Mầm non A", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "B", "name": "Công ty TNHH B", "sector": "NNN", "commune_id": "C1",
     "founded": "2023-03-01"},
]


@pytest.fixture
def forms(tmp_path: Path) -> Path:
    write_dataset(tiny_dataset(units=UNITS), tmp_path / "data")
    for period in ("2023-H1", "2023-H2"):
        assert main(["template", "--period", period, "--data", str(tmp_path / "data"),
                     "--out", str(tmp_path / "forms")]) == 0
    return tmp_path / "forms"


def validations_of(ws: openpyxl.worksheet.worksheet.Worksheet, ref: str) -> list[str]:
    return [f"{dv.type}:{dv.formula1}:{dv.formula2}" for dv in ws.data_validations.dataValidation
            if ref in dv.sqref]


def test_one_workbook_per_unit_and_a_bulk_sheet(forms: Path) -> None:
    assert sorted(p.name for p in (forms / "2023-H2").iterdir()) == [
        "A_2023-H2_Truong-Mam-non-A.xlsx", "B_2023-H2_Cong-ty-TNHH-B.xlsx", "TongHop_2023-H2.xlsx"]
    # B (founded 1/3/2023) is active at the 2023-H1 cut-off (31/5/2023), so it has a form
    assert (forms / "2023-H1" / "B_2023-H1_Cong-ty-TNHH-B.xlsx").exists()


def test_identity_is_prefilled_and_locked(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    values = {key: ws[ref].value for key, ref in FORM_CELLS.items()}
    assert values["form_version"] == VERSION
    assert values["unit_id"] == "A" and values["period"] == "2023-H1"
    assert values["unit_name"] == "'=Trường Mầm non A"  # exported safely, never a formula
    assert ws[FORM_CELLS["unit_name"]].data_type == "s"
    assert values["cut_off"] == "31/05/2023" and values["due"] == "10/06/2023"
    assert values["upper_union"] == "LĐLĐ huyện Tí Hon"
    assert ws.protection.sheet is True
    assert ws[FORM_CELLS["unit_id"]].protection.locked is True
    assert ws[FORM_CELLS["submitted_on"]].protection.locked is False
    assert ws["F16"].protection.locked is False


def test_every_field_labelled_with_unit_and_clause(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    elements = load_elements().elements
    for i, element in enumerate(elements, start=16):
        assert ws.cell(row=i, column=2).value == element.name
        assert ws.cell(row=i, column=3).value == element.label_vi
        assert ws.cell(row=i, column=4).value == element.unit
        assert str(ws.cell(row=i, column=5).value).startswith(element.clause)
    assert ws["C15"].value == "Chỉ tiêu" and ws["F15"].value == "Giá trị"
    assert clauses_served(load_elements().by_name()["members"]).split(", ")[0] == "1.5"
    assert "1.2" in clauses_served(load_elements().by_name()["members"])  # upskilled / members


def test_data_validation_dropdowns_and_whole_numbers(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    assert validations_of(ws, "F16") == ["whole:0:200000"]  # workers
    assert validations_of(ws, "F22") == ['list:"Có,Không":None']  # officials' conference
    # a dialogue counts in enterprises only (the plan's lines): a school's form does not ask it
    assert validations_of(ws, "F21") == [] and ws["F21"].protection.locked is True
    assert ws["G21"].value == "Không áp dụng cho khu vực của CĐCS – để trống"
    company = openpyxl.load_workbook(forms / "2023-H2" / "B_2023-H2_Cong-ty-TNHH-B.xlsx")[FORM_SHEET]
    assert validations_of(company, "F21") == ['list:"Có,Không":None']
    assert company["F22"].protection.locked is True  # no officials' conference in a company
    (rating,) = validations_of(ws, "F32")
    assert "Hoàn thành xuất sắc nhiệm vụ,Hoàn thành tốt nhiệm vụ" in rating
    (grade,) = [v for e, v in zip(load_elements().elements, range(16, 60), strict=False)
                if e.name == "cba_grade"]
    assert validations_of(company, f"F{grade}") == ['list:"A,B,C,D":None']
    assert validations_of(ws, "F41")[0].startswith("whole:0:10000000000000")  # money


def test_rating_closed_in_h1_and_for_young_unions(forms: Path) -> None:
    h1 = openpyxl.load_workbook(forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    assert h1["F32"].protection.locked is True and "cuối năm" in h1["G32"].value
    young = openpyxl.load_workbook(forms / "2023-H2" / "B_2023-H2_Cong-ty-TNHH-B.xlsx")[FORM_SHEET]
    assert young["F32"].protection.locked is True and "12 tháng" in young["G32"].value
    old = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    assert old["F32"].protection.locked is False


def test_instructions_sheet(forms: Path) -> None:
    wb = openpyxl.load_workbook(forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx")
    assert wb.sheetnames == [FORM_SHEET, GUIDE_SHEET]
    text = " ".join(str(c.value) for c in wb[GUIDE_SHEET]["A"])
    assert "ô màu vàng" in text and "12 tháng" in text and "công thức" in text


def test_bulk_layout(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H1" / "TongHop_2023-H1.xlsx")[BULK_SHEET]
    assert ws["B2"].value == VERSION and ws["B3"].value == "2023-H1"
    keys = [c.value for c in ws[6]]
    assert keys[:4] == ["unit_id", "unit_name", "submitted_on", "workers"]
    assert len(keys) == 3 + len(load_elements().elements) + 3 * len(load_elements().activities)
    assert keys[3 + len(load_elements().elements)] == "tet_sum_vay.events"  # section III after
    assert "(người; KH 1.3" in ws["D5"].value
    assert [ws["A7"].value, ws["A8"].value] == ["A", "B"]
    assert ws["A7"].protection.locked is True and ws["D7"].protection.locked is False
    assert ws.protection.sheet is True
    assert validations_of(ws, "D7") == ["whole:0:200000"]


def test_forms_are_byte_identical_on_rerun(forms: Path, tmp_path: Path) -> None:
    first = (forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx").read_bytes()
    assert main(["template", "--period", "2023-H1", "--data", str(tmp_path / "data"),
                 "--out", str(tmp_path / "again"), "--union", "A", "--no-bulk"]) == 0
    assert sorted(p.name for p in (tmp_path / "again" / "2023-H1").iterdir()) == [
        "A_2023-H1_Truong-Mam-non-A.xlsx"]
    assert (tmp_path / "again" / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx").read_bytes() == first


def test_the_message_counts_forms_and_the_bulk_sheet_apart(
        forms: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["template", "--period", "2023-H1", "--data", str(tmp_path / "data"),
                 "--out", str(tmp_path / "one"), "--union", "A"]) == 0
    out = capsys.readouterr().out  # the summary goes to standard output, as every command's
    assert f"Đã tạo 1 mẫu báo cáo → {tmp_path / 'one' / '2023-H1'}: mỗi CĐCS một tệp" in out
    assert "   TongHop_2023-H1.xlsx: để anh/chị tự nhập báo cáo giấy của nhiều CĐCS" in out
    assert sorted(p.name for p in (tmp_path / "one" / "2023-H1").iterdir()) == [
        "A_2023-H1_Truong-Mam-non-A.xlsx", "TongHop_2023-H1.xlsx"]


def test_unknown_union_or_year_period_is_an_error(forms: Path, tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    data = str(tmp_path / "data")
    assert main(["template", "--period", "2023-H1", "--union", "ZZ", "--data", data,
                 "--out", str(tmp_path / "x")]) == 2
    assert "'ZZ'" in capsys.readouterr().err
    assert main(["template", "--period", "2023", "--data", data, "--out", str(tmp_path / "x")]) == 2
    assert "YYYY-H1" in capsys.readouterr().err


def _field_rows(ws: Worksheet) -> dict[str, int]:
    """Field code (hidden column B) → row, as the reader finds them."""
    return {str(ws.cell(row=r, column=2).value): r
            for r in range(16, 16 + len(load_elements().elements))}


def test_each_field_has_its_own_validation_hint_and_message(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    rows = _field_rows(ws)
    elements = load_elements().elements
    seen_titles = set()
    asked = sectors_asked(load_register(), load_elements())
    elements = tuple(e for e in elements if "HCSN" in asked[e.name])  # A is a school
    for element in elements:
        number = rows[element.name] - 15
        ref = f"F{rows[element.name]}"
        (dv,) = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
        assert str(dv.sqref) == ref  # its own, covering no other cell
        assert dv.showErrorMessage and dv.showInputMessage and dv.errorStyle == "stop"
        assert dv.errorTitle.startswith(f"Mục {number}: ") and len(dv.errorTitle) <= 32
        assert dv.promptTitle.startswith(f"Mục {number}: ") and len(dv.promptTitle) <= 32
        assert len(dv.error) <= 255 and len(dv.prompt) <= 255
        assert element.label_vi[:40] in dv.error and element.label_vi[:40] in dv.prompt
        seen_titles.add(dv.errorTitle)
        assert ws.cell(row=rows[element.name], column=7).value == field_hint(element)
    assert len(seen_titles) == len(elements)
    # a field that must not exceed another is capped at it, once that one is filled
    women = [dv for dv in ws.data_validations.dataValidation
             if f"F{rows['women_members']}" in dv.sqref][0]
    members = f"F{rows['members']}"
    assert (women.type, women.formula1, women.formula2) == (
        "whole", "0", f'IF({members}="",200000,{members})')
    assert "Không lớn hơn: Số đoàn viên công đoàn" in women.prompt


def test_the_sending_day_is_a_date_from_the_periods_start_to_today(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    ref = FORM_CELLS["submitted_on"]
    (dv,) = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert (dv.type, dv.operator, dv.formula1, dv.formula2) == (
        "date", "between", "DATE(2023,6,1)", "TODAY()")
    assert dv.showErrorMessage and "dd/mm/yyyy" in dv.error
    assert ws[ref].number_format == "dd/mm/yyyy"
    bulk = openpyxl.load_workbook(forms / "2023-H1" / "TongHop_2023-H1.xlsx")[BULK_SHEET]
    assert validations_of(bulk, "C7") == ["date:DATE(2022,12,1):TODAY()"]  # H1: 1/12 – 31/5


def test_a_form_prints_on_a4_one_page_wide_with_labels_beside_values(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    setup = ws.page_setup
    assert (int(setup.paperSize), setup.orientation) == (9, "landscape")  # 9: A4
    assert ws.sheet_properties.pageSetUpPr.fitToPage is True
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 2)  # one page wide, ≤ 2 pages tall
    last = 15 + len(load_elements().elements) + 3 + len(load_elements().activities)  # + section III
    assert ws.print_area == f"'{FORM_SHEET}'!$A$1:$G${last}"
    assert ws.print_title_rows == "$15:$15"  # the header row again on page 2
    assert ws.column_dimensions["B"].hidden is True  # the codes are not printed
    assert "&P" in ws.oddFooter.center.text
    guide = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[GUIDE_SHEET]
    assert int(guide.page_setup.paperSize) == 9 and guide.page_setup.fitToWidth == 1


def test_every_written_cell_names_a_font_with_vietnamese(forms: Path) -> None:
    for name in ("A_2023-H2_Truong-Mam-non-A.xlsx", "TongHop_2023-H2.xlsx"):
        wb = openpyxl.load_workbook(forms / "2023-H2" / name)
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    if cell.value is not None or cell.protection.locked is False:
                        assert cell.font.name == FONT_NAME, (name, ws.title, cell.coordinate)


def test_labels_in_vietnamese_sector_named_codes_hidden(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H2" / "A_2023-H2_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    assert ws[FORM_CELLS["sector"]].value == "Khu vực hành chính sự nghiệp"
    assert ws["A4"].value == "Phiên bản mẫu"
    bulk = openpyxl.load_workbook(forms / "2023-H2" / "TongHop_2023-H2.xlsx")[BULK_SHEET]
    assert bulk.row_dimensions[6].hidden is True  # the field codes row
    assert bulk["A2"].value == "Phiên bản mẫu"


def test_section_iii_table_collects_each_programmes_figures(forms: Path) -> None:
    ws = openpyxl.load_workbook(forms / "2023-H1" / "A_2023-H1_Truong-Mam-non-A.xlsx")[FORM_SHEET]
    header = 15 + len(load_elements().elements) + 3
    assert ws.cell(row=header - 1, column=1).value.startswith("III. HOẠT ĐỘNG")
    assert [ws.cell(row=header, column=c).value for c in (2, 3, 5, 6, 7)] == [
        "programme", "Chương trình", "Số hoạt động", "Lượt người tham gia",
        "Kinh phí hỗ trợ (đồng)"]
    programmes = load_elements().activities
    for i, programme in enumerate(programmes, start=1):
        row = header + i
        assert ws.cell(row=row, column=2).value == programme.name
        assert ws.cell(row=row, column=3).value == programme.label_vi
        for col, kind in ((5, "whole:0:200000"), (6, "whole:0:200000"),
                          (7, "whole:0:10000000000000")):
            cell = ws.cell(row=row, column=col)
            assert cell.protection.locked is False
            (dv,) = [dv for dv in ws.data_validations.dataValidation
                     if cell.coordinate in dv.sqref]
            assert f"{dv.type}:{dv.formula1}:{dv.formula2}" == kind
            assert dv.errorTitle.startswith(f"Mục III.{i}: ")
            assert programme.label_vi in dv.error


@pytest.mark.parametrize(("code", "name", "expected"), [
    ("CDCS-014", "Công đoàn Công ty TNHH Thương mại Dịch vụ Hồng Phát",
     "CDCS-014_2025-H2_Cong-ty-TNHH-Thuong-mai-Dich-vu-Hong-Phat.xlsx"),
    ("CDCS-004", "CÔNG ĐOÀN Trường Mầm non Đông Dư", "CDCS-004_2025-H2_Truong-Mam-non-Dong-Du.xlsx"),
    ("../x", "Cty <A>/../b", "x_2025-H2_Cty-A-b.xlsx"),   # never a path, never a markup
    ("A", "", "A_2025-H2.xlsx"),
    # at most 64 characters, cut at the last whole word: "…-Dong-Anh", never "…-Dong-Anh-Ha-N"
    # (a word cut reads as another word)
    ("B", "Công ty Cổ phần Đầu tư Xây dựng và Phát triển Hạ tầng Đông Anh Hà Nội",
     "B_2025-H2_Cong-ty-Co-phan-Dau-tu-Xay-dung-va-Phat-trien-Ha-tang-Dong-Anh.xlsx"),
    ("C", "Công ty TNHH MTV Thoát nước Hà Nội Xí nghiệp số 1 Hoàn Kiếm",
     "C_2025-H2_Cong-ty-TNHH-MTV-Thoat-nuoc-Ha-Noi-Xi-nghiep-so-1-Hoan-Kiem.xlsx"),
    ("D", "cơ quan UBND phường Hồng Hà", "D_2025-H2_Co-quan-UBND-phuong-Hong-Ha.xlsx"),
])
def test_a_form_is_named_for_the_cdcs_it_goes_to(code: str, name: str, expected: str) -> None:
    assert form_file_name(code, name, "2025-H2") == expected
