"""The records book: enterprise registry and upper unions' yearly records, in from Excel.

The story (worked by hand) continues the units list of tests/test_units.py: the commune union of
Tân Hòa (CĐCS A, a school (HCSN); B and C, firms) and its education union, formed on 1/7/2025;
a later units list adds the district federation (LĐLĐ, from 1/7/2025, no CĐCS under it). The
book then lists five enterprises:

=============  ======  =======  ====  ===================
tax code       CĐCS    workers  open  counts for 2.2 (≥ 25 workers, open on 30/11/2025)
=============  ======  =======  ====  ===================
0101234567     B       250      yes   yes, unionised
0109999999     C       60       yes   yes, unionised (C founded 1/7/2025)
0108888888     —       40       yes   yes, no CĐCS
0107777777     —       12       yes   no (under 25)
0106666666     —       80       no    no (closed 31/5/2024)
=============  ======  =======  ====  ===================

so clause 2.2 (enterprise_coverage) for 2025 is 2 / 3. Both communes are the commune union's
area from 1/7/2025; the open enterprises without a CĐCS have 40 + 12 = 52 workers, of whom it
reached 30 in 2025 (clause 2.3, nonunion_workers_reached: 30 / 52). The 2025 records: the LĐLĐ rated
'Hoàn thành tốt nhiệm vụ' (clause 1.7, district_rating: 1 / 1); the commune union audited, the
education union not (clause 1.8, upper_audited over the two unions directly above CĐCS: 1 / 2).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from congdoan.cli import main
from congdoan.core import store
from congdoan.core.indicators import compute_indicators
from congdoan.core.workspace import Workspace, init_workspace
from congdoan.intake.forms import save_workbook
from congdoan.intake.records import read_book
from congdoan.intake.records_import import import_records
from congdoan.intake.records_template import records_workbook
from congdoan.intake.unit_import import import_units
from congdoan.intake.units import FIRST_ROW, KEY_ROW
from test_units import EDU, ORG, dump, fill, first_import, h2_reports, template

pytestmark = pytest.mark.slow  # Excel books read and written: the full suite

D = dt.date
LDLD = "LDLD-TH"
TODAY = D(2026, 1, 15)

ENTERPRISES = [
    {"enterprise_id": "0101234567", "name": "Công ty TNHH May Tân Hòa", "commune_id": "X1",
     "ownership": "NNN", "workers": 250, "opened": D(2018, 3, 12), "unit_id": "B"},
    {"enterprise_id": "0109999999", "name": "Công ty CP Gạch Phú Mỹ", "commune_id": "X2",
     "ownership": "NNN", "workers": 60, "opened": D(2010, 5, 1), "unit_id": "C"},
    {"enterprise_id": "0108888888", "name": "Công ty TNHH Bao bì Xanh", "commune_id": "X2",
     "ownership": "DNNN", "workers": 40, "opened": D(2020, 1, 6)},
    {"enterprise_id": "0107777777", "name": "Công ty TNHH Dịch vụ Lan", "commune_id": "X1",
     "ownership": "NNN", "workers": 12, "opened": D(2021, 9, 1)},
    {"enterprise_id": "0106666666", "name": "Công ty CP Cơ khí Cũ", "commune_id": "X1",
     "ownership": "NNN", "workers": 80, "opened": D(2009, 2, 2), "closed": D(2024, 5, 31)},
]
RECORDS = [
    {"upper_id": "CD-XA-TH", "year": 2025, "rating": "Hoàn thành xuất sắc nhiệm vụ",
     "audited": "Có", "nonunion_workers_reached": 30},
    {"upper_id": EDU, "year": 2025, "audited": "Không"},
    {"upper_id": LDLD, "year": 2025, "rating": "Hoàn thành tốt nhiệm vụ", "audited": "Có"},
]
AREAS = [{"commune_id": "X1", "upper_id": "CD-XA-TH", "valid_from": D(2025, 7, 1)},
         {"commune_id": "X2", "upper_id": "CD-XA-TH", "valid_from": D(2025, 7, 1)}]


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    """Tân Hòa with its units list and the district federation in the registry."""
    ws = init_workspace(tmp_path / "tanhoa", ORG)
    first_import(ws)
    federation = fill(template(ws), ws.inbox / "ldld.xlsx", {"CapTren": [
        {"upper_id": LDLD, "name": "Liên đoàn Lao động khu vực Tân Hòa",
         "kind": "Liên đoàn Lao động", "valid_from": D(2025, 7, 1)}]})
    result = import_units(federation, ws.database_url, today=TODAY)
    assert result.status == "accepted", [p.render() for p in result.problems]
    return ws


def book(ws: Workspace, name: str = "SoTheoDoi.xlsx") -> Path:
    """The records book as ``congdoan records template`` writes it, new rows for 2025."""
    path = ws.root / "output" / name
    save_workbook(records_workbook(read_book(ws.database_url), ws.organisation, 2025), path)
    return path


def filled(ws: Workspace) -> Path:
    return fill(book(ws), ws.inbox / "so_theo_doi.xlsx",
                {"DoanhNghiep": ENTERPRISES, "CapTren": RECORDS, "DiaBan": AREAS})


def sheet_rows(path: Path, sheet: str) -> list[dict[str, Any]]:
    ws = load_workbook(path)[sheet]
    keys = [c.value for c in ws[KEY_ROW]]
    return [dict(zip(keys, (c.value for c in row), strict=True))
            for row in ws.iter_rows(min_row=FIRST_ROW) if row[0].value is not None]


# ----------------------------------------------------------------------------- tests
def test_the_book_lists_the_registry_in_its_dropdowns_and_a_row_per_upper_union(
        ws: Workspace) -> None:
    path = book(ws)
    wb = load_workbook(path)
    assert wb.sheetnames == ["DoanhNghiep", "CapTren", "DiaBan", "DanhMuc", "HuongDan"]
    enterprises = wb["DoanhNghiep"]
    assert [c.value for c in enterprises[KEY_ROW] if c.value] == [
        "enterprise_id", "name", "commune_id", "ownership", "workers", "opened", "closed",
        "unit_id"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in enterprises.data_validations.dataValidation}
    assert rules["C6"].formula1 == "=DanhMuc!$A$6:$A$7"  # communes X1, X2
    assert rules["D6"].formula1 == '"DNNN,NNN"'
    assert (rules["E6"].type, rules["E6"].formula1) == ("whole", "0")
    assert rules["F6"].type == "date"
    assert rules["H6"].formula1 == "=DanhMuc!$B$6:$B$7"  # B and C: A is HCSN
    lists = wb["DanhMuc"]
    assert [lists.cell(row=r, column=2).value for r in (6, 7, 8)] == ["B", "C", None]
    records = wb["CapTren"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in records.data_validations.dataValidation}
    assert rules["A6"].formula1 == "=DanhMuc!$C$6:$C$8"
    assert "Hoàn thành tốt nhiệm vụ" in rules["C6"].formula1
    assert rules["D6"].formula1 == '"Có,Không"'
    # a row to fill for 2025 for each upper union open that year
    assert [(r["upper_id"], r["year"]) for r in sheet_rows(path, "CapTren")] == [
        (EDU, 2025), ("CD-XA-TH", 2025), (LDLD, 2025)]
    guide = [c.value for c in wb["HuongDan"]["A"] if c.value]
    assert guide[0].startswith("HƯỚNG DẪN") and guide[-1].startswith("Instructions (English)")


def test_an_imported_book_fills_the_plan_lines_of_the_registry(ws: Workspace) -> None:
    result = import_records(filled(ws), ws.database_url, today=TODAY)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert result.counts == {"DoanhNghiep": {"added": 5}, "CapTren": {"added": 3},
                             "DiaBan": {"added": 2}}
    stored = store.read_table("enterprises", ws.database_url).set_index("enterprise_id")
    assert stored.loc["0101234567", ["unit_id", "workers"]].tolist() == ["B", 250]
    assert str(stored.loc["0106666666", "closed"]) == "2024-05-31"
    h2_reports(ws)  # the year needs reports to exist
    dataset = store.load_dataset(ws.database_url)
    table = compute_indicators(dataset, "2025", levels=("organisation",), indicator_ids=[
        "enterprise_coverage", "district_rating", "upper_audited", "nonunion_workers_reached"]
    ).set_index("indicator_id")
    assert table.loc["enterprise_coverage", ["numerator", "denominator"]].tolist() == [2, 3]
    assert table.loc["district_rating", ["numerator", "denominator"]].tolist() == [1, 1]
    assert table.loc["upper_audited", ["numerator", "denominator"]].tolist() == [1, 2]
    assert table.loc["nonunion_workers_reached", ["numerator", "denominator"]].tolist() == [30, 52]
    # the book again, as the template now writes it: every row read back unchanged
    again = import_records(book(ws, "again.xlsx"), ws.database_url, today=TODAY)
    assert again.status == "accepted", [p.render() for p in again.problems]
    assert again.counts == {"DoanhNghiep": {"unchanged": 5}, "CapTren": {"unchanged": 3},
                            "DiaBan": {"unchanged": 2}}
    written = sheet_rows(ws.root / "output" / "again.xlsx", "DoanhNghiep")
    assert written[0]["enterprise_id"] == "0101234567" and written[0]["unit_id"] == "B"
    assert sheet_rows(ws.root / "output" / "again.xlsx", "CapTren")[1]["rating"] == \
        "Hoàn thành xuất sắc nhiệm vụ"
    # a change: C's firm grows, the education union gets audited
    changed = fill(book(ws), ws.inbox / "so_2.xlsx", {
        "DoanhNghiep": [{"enterprise_id": "0109999999", "workers": 75}],
        "CapTren": [{"upper_id": EDU, "audited": "Có"}]})
    third = import_records(changed, ws.database_url, today=TODAY)
    assert third.counts == {"DoanhNghiep": {"changed": 1, "unchanged": 4},
                            "CapTren": {"changed": 1, "unchanged": 2},
                            "DiaBan": {"unchanged": 2}}
    assert import_records(changed, ws.database_url, today=TODAY).status == "duplicate"


def test_a_bad_book_is_refused_whole_at_its_cells(ws: Workspace) -> None:
    assert import_records(filled(ws), ws.database_url, today=TODAY).status == "accepted"
    before = dump(ws)
    bad = fill(book(ws), ws.inbox / "sai.xlsx", {
        "DoanhNghiep": [
            {"enterprise_id": "0105555555", "name": "Công ty Mới", "commune_id": "X9",
             "ownership": "NNN", "workers": 30, "unit_id": "A"},            # row 11
            {"enterprise_id": "0104444444", "name": "Công ty Hai", "commune_id": "X1",
             "ownership": "NNN", "opened": D(2024, 1, 1), "closed": D(2023, 1, 1),
             "unit_id": "B"},                                                 # row 12
            {"enterprise_id": "0108888888", "workers": -4}],                 # row 9
        "CapTren": [
            {"upper_id": EDU, "year": 2019},                                  # row 6
            {"upper_id": LDLD, "rating": "Giỏi"},                             # row 8
            {"upper_id": "NOPE", "year": 2025, "audited": "Có"}],            # row 9
        "DiaBan": [
            {"commune_id": "X1", "upper_id": EDU, "valid_from": D(2025, 9, 1)}]})  # row 6
    result = import_records(bad, ws.database_url, today=TODAY)
    assert result.status == "rejected"
    assert dump(ws) == before  # nothing changed
    errors = {(p.sheet, p.cell, p.field) for p in result.problems if p.severity == "error"}
    assert errors == {
        ("DoanhNghiep", "C11", "commune_id"),  # unknown commune
        ("DoanhNghiep", "H11", "unit_id"),     # A is an HCSN unit
        ("DoanhNghiep", "G12", "closed"),      # closed before opened
        ("DoanhNghiep", "H12", "unit_id"),     # B is already 0101234567's CĐCS
        ("DoanhNghiep", "E9", "workers"),      # negative
        ("CapTren", "B6", "year"),             # before the education union began
        ("CapTren", "C8", "rating"),           # not a rating of the register
        ("CapTren", "A9", "upper_id"),         # unknown upper union
        ("DiaBan", "C6", "valid_from"),        # X1 stays the commune union's (stored, open)
    }
    assert result.report_path is not None
    text = result.report_path.read_text(encoding="utf-8")
    assert "tệp 'sai.xlsx', trang 'DoanhNghiep', ô H12, trường 'unit_id'" in text
    quarantined = result.report_path.parent / result.report_path.name.removesuffix(".loi.txt")
    assert quarantined.read_bytes() == bad.read_bytes()


def test_records_template_and_import_on_the_command_line(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-w", str(ws.root), "records", "template", "--year", "2025"]) == 0
    written = ws.root / "output" / "SoTheoDoi.xlsx"
    path = fill(written, ws.inbox / "so.xlsx", {"DoanhNghiep": ENTERPRISES, "CapTren": RECORDS,
                                                "DiaBan": AREAS})
    capsys.readouterr()
    assert main(["-w", str(ws.root), "records", "import", str(path)]) == 0
    out = capsys.readouterr().out
    assert "ĐÃ NHẬN: so.xlsx" in out
    assert "Doanh nghiệp: thêm 5, sửa 0, không đổi 0" in out
    assert "Công đoàn cấp trên theo năm: thêm 3, sửa 0, không đổi 0" in out
    bad = fill(written, ws.inbox / "bad.xlsx", {"DoanhNghiep": [
        {"enterprise_id": "0105555555", "name": "Công ty Mới", "commune_id": "X9",
         "ownership": "NNN"}]})
    assert main(["-w", str(ws.root), "records", "import", str(bad), "--lang", "en"]) == 1
    out = capsys.readouterr().out
    assert "REJECTED: bad.xlsx" in out and "cell C6, field 'commune_id'" in out
    assert len(store.read_table("enterprises", ws.database_url)) == 5
