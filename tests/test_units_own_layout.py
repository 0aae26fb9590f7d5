"""Units lists in the officer's own layout: a real workbook made with openpyxl, as an officer keeps it.

The story (worked by hand): the commune union of Tân Hòa, formed on 1/7/2025, keeps its CĐCS in
its own workbook — two title rows (one merged), a header row on row 4 ("STT", "Tên công đoàn cơ
sở", "Loại hình đơn vị" in words, communes and upper unions by name), a row of column numbers,
five CĐCS without codes and a total row. Imported with
``--start 01/07/2025``, the CĐCS get CDCS-001 … CDCS-005 in row order; the two former communes
and the education union get codes made from their names; the commune union is the organisation
itself (its own row on the template's CapTren). A second version of the list spells the first
name with other accents and adds a sixth CĐCS: only that one is founded.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from congdoan.cli import main
from congdoan.core import store
from congdoan.core.registry import FOUNDED_UNKNOWN, registry_at
from congdoan.core.registry_store import registry_events, registry_state
from congdoan.core.workspace import Organisation, Workspace, init_workspace
from congdoan.intake.own_codes import code_from_name, upper_key, upper_kind
from congdoan.intake.own_headers import fold, parse_columns
from congdoan.intake.own_layout import OwnLayout, sector_code
from congdoan.intake.unit_import import import_units
from congdoan.intake.units import FIRST_ROW
from test_units import dump

D = dt.date
ORG = Organisation(id="CD-XA-TH", name="Công đoàn xã Tân Hòa", kind="commune")
EDU = "CD-NGANH-GIAO-DUC-XA-TAN-HOA"
OLD_TH, OLD_PM = "XA-TAN-HOA-CU", "XA-PHU-MY-CU"
TODAY = D(2026, 1, 15)

HEADER = ["STT", "Tên công đoàn cơ sở", "Loại hình đơn vị", "Xã, phường", "Trực thuộc",
          "Ngày thành lập", "Mã số thuế", "Tổng số CNVCLĐ", "Số đoàn viên", "Ghi chú"]
ROWS: list[list[Any]] = [
    ["Trường Mầm non Tân Hòa", "Hành chính sự nghiệp", "Xã Tân Hòa (cũ)",
     "Công đoàn ngành Giáo dục xã Tân Hòa", dt.datetime(2005, 9, 5), None, 40, 38, None],
    ["Công ty TNHH May\nTân Hòa", "Doanh nghiệp ngoài nhà nước", "Xã Tân Hòa (cũ)",
     "Công đoàn xã Tân Hòa", "12/03/2018", "0101234567", 250, 180, None],
    ["Công ty CP Gạch Phú Mỹ", "Tư nhân", "Xã Phú Mỹ (cũ)", "Công đoàn xã Tân Hòa",
     dt.datetime(2016, 1, 1), None, 60, 45, "chưa rõ ngày thành lập"],
    ["Chi nhánh Điện lực Tân Hòa", "Doanh nghiệp nhà nước", "Xã Phú Mỹ (cũ)", None,
     dt.datetime(2010, 1, 1), "0100100079-012", 30, 30, None],
    ["Công ty TNHH Điện tử Sao Mai", "FDI", "xã phú mỹ (cũ)", "Công đoàn xã Tân Hòa",
     dt.datetime(2025, 8, 15), "0109876543", 500, 300, "mới thành lập"],
]
"""The five CĐCS, on rows 6 to 10 (row 5 numbers the columns)."""

NEW_ROW = ["Công ty CP Thực phẩm Minh Long", "Ngoài nhà nước", "Xã Tân Hòa (cũ)",
           "Công đoàn xã Tân Hòa", dt.datetime(2026, 1, 10), None, 35, 20, None]


def officer_workbook(path: Path, rows: list[list[Any]], header: list[str] = HEADER) -> Path:
    """The officer's own workbook: titles, a merged title cell, STT, a numbering row, a total."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Danh sách"
    ws["A1"] = "CÔNG ĐOÀN XÃ TÂN HÒA"
    ws["A2"] = "DANH SÁCH CÔNG ĐOÀN CƠ SỞ TRỰC THUỘC (đến 30/11/2025)"
    ws.merge_cells("A2:J2")
    ws.append([])
    ws.append(header)
    ws.append([f"({n})" for n in range(1, len(header) + 1)])
    for number, row in enumerate(rows, start=1):
        ws.append([number, *row])
    ws.append([None, "Tổng cộng", None, None, None, None, None,
               sum(r[6] for r in rows), sum(r[7] for r in rows)])
    wb.save(path)
    return path


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "tanhoa", ORG)


def own(**options: Any) -> OwnLayout:
    return OwnLayout(organisation=ORG, **options)


def first_import(ws: Workspace) -> Any:
    path = officer_workbook(ws.inbox / "DanhSach_CDCS.xlsx", ROWS)
    result = import_units(path, ws.database_url, today=TODAY, own=own(start=D(2025, 7, 1)))
    assert result.status == "accepted", [p.render() for p in result.problems]
    return result


def events(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(e, i, ev, "" if pd.isna(d) else f"{d:%Y-%m-%d}")
            for e, i, ev, d in frame[["entity", "entity_id", "event", "on_date"]].itertuples(
                index=False)}


# ----------------------------------------------------------------------------- words
def test_names_and_words_are_compared_without_accents_case_and_punctuation() -> None:
    assert fold("Trường Mầm Non Tân Hoà") == fold("TRƯỜNG MẦM NON TÂN HÒA") == \
        "truong mam non tan hoa"
    assert fold("Xã, phường") == fold("Xã/phường") == "xa phuong"
    assert [sector_code(w) for w in ("Hành chính sự nghiệp", "cơ quan", "Doanh nghiệp Nhà nước",
                                     "Ngoài nhà nước", "Có vốn đầu tư nước ngoài", "FDI",
                                     "Tư nhân", "hcsn", "Hộ kinh doanh")] == \
        ["HCSN", "HCSN", "DNNN", "NNN", "NNN", "NNN", "NNN", "HCSN", None]
    assert [upper_kind(n) for n in ("Công đoàn ngành Giáo dục", "CĐ phường Một",
                                    "LĐLĐ huyện X", "Công đoàn Tổng công ty May")] \
        == ["industry_union", "commune_union", "district_federation", None]
    assert upper_key("CĐ xã Tân Hòa") == upper_key("Công đoàn xã Tân Hoà")
    taken = {"XA-TAN-HOA"}
    assert code_from_name("Xã Tân Hòa", taken) == "XA-TAN-HOA-2"  # the first is taken
    assert code_from_name("Công đoàn ngành Y tế", taken) == "CD-NGANH-Y-TE"
    assert parse_columns(["Tên doanh nghiệp=name", "Ghi chú=-", "MST DN=Mã số thuế"]) == (
        ("Tên doanh nghiệp", "name"), ("Ghi chú", "-"), ("MST DN", "tax_code"))
    from congdoan.intake.own_headers import _field_of

    assert [_field_of(h, {}) for h in ("Trực thuộc từ", "Trực thuộc từ ngày", "Về trực thuộc "
                                       "từ ngày", "Trực thuộc")] == ["since"] * 3 + ["upper"]


# ----------------------------------------------------------------------------- first import
def test_an_officers_own_workbook_becomes_the_registry_with_codes_in_row_order(
        ws: Workspace) -> None:
    result = first_import(ws)
    # what happened, said per kind of thing: 4 + 1 CĐCS, the organisation and the education
    # union, the two former communes
    assert result.summary().splitlines()[1:] == [
        "   CĐCS về trực thuộc: 4", "   CĐCS thành lập mới ngày 15/08/2025: 1",
        "   cấp trên thành lập mới ngày 01/07/2025: 2",
        "   xã/phường thêm vào danh mục: 2 (Xã Phú Mỹ (cũ), Xã Tân Hòa (cũ))"]  # which: named
    mapping = result.mapping
    assert (mapping.sheet, mapping.header_row) == ("Danh sách", 4)
    assert {c.letter: c.field for c in mapping.columns} == {
        "A": "-", "B": "name", "C": "sector", "D": "commune", "E": "upper", "F": "founded",
        "G": "tax_code", "H": "workers", "I": "members", "J": "-"}
    assert [c.header for c in mapping.columns if not c.known] == ["Ghi chú"]
    frame = registry_at(registry_state(ws.database_url), D(2025, 12, 1)).set_index("unit_id")
    assert frame.index.tolist() == ["CDCS-001", "CDCS-002", "CDCS-003", "CDCS-004", "CDCS-005"]
    assert frame["name"].tolist() == [" ".join(r[0].split()) for r in ROWS]  # a line break typed
    assert frame["sector"].tolist() == ["HCSN", "NNN", "NNN", "DNNN", "NNN"]
    assert frame["commune_id"].tolist() == [OLD_TH, OLD_TH, OLD_PM, OLD_PM, OLD_PM]
    # the blank upper union of row 9 is the organisation itself, as the named one of rows 7, 8, 10
    assert frame["upper_id"].tolist() == [EDU, ORG.id, ORG.id, ORG.id, ORG.id]
    assert [f"{d:%d/%m/%Y}" for d in frame["founded"]] == [
        "05/09/2005", "12/03/2018", "01/01/2016", "01/01/2010", "15/08/2025"]
    assert events(result.events) == {
        ("commune", OLD_TH, "added", ""), ("commune", OLD_PM, "added", ""),
        ("upper", ORG.id, "founded", "2025-07-01"), ("upper", EDU, "founded", "2025-07-01"),
        ("cdcs", "CDCS-001", "joined", "2025-07-01"), ("cdcs", "CDCS-002", "joined", "2025-07-01"),
        ("cdcs", "CDCS-003", "joined", "2025-07-01"),  # older than the union: from its start
        ("cdcs", "CDCS-004", "joined", "2025-07-01"),
        ("cdcs", "CDCS-005", "founded", "2025-08-15")}
    uppers = store.read_table("upper_unions", ws.database_url).set_index("upper_id")
    assert uppers.loc[ORG.id, "kind"] == "commune_union"
    assert uppers.loc[EDU, ["name", "kind"]].tolist() == [
        "Công đoàn ngành Giáo dục xã Tân Hòa", "industry_union"]
    communes = store.read_table("communes", ws.database_url).set_index("commune_id")["name"]
    assert communes.to_dict() == {OLD_TH: "Xã Tân Hòa (cũ)", OLD_PM: "Xã Phú Mỹ (cũ)"}
    units = store.read_table("units", ws.database_url).set_index("unit_id")
    assert units.loc["CDCS-004", "enterprise_id"] == "0100100079-012"
    openings = store.read_table("openings", ws.database_url).set_index("unit_id")
    assert openings.loc["CDCS-005", ["workers", "members"]].tolist() == [500, 300]
    assert not [p for p in result.problems if p.severity == "error"]


def test_the_first_list_takes_a_cdcs_without_founding_day_as_there_before_the_start(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    """No day is made up: the CĐCS of the organisation's first list without one is "không rõ",
    taken as there before the start — not new in 2025 (its members are no growth), old enough
    to be rated — and said so in one warning naming the cells."""
    rows = [list(r) for r in ROWS]
    rows[2][4] = None  # Công ty CP Gạch Phú Mỹ, row 8
    path = officer_workbook(ws.inbox / "thieu_ngay.xlsx", rows)
    result = import_units(path, ws.database_url, today=TODAY, own=own(start=D(2025, 7, 1)))
    assert result.status == "accepted"
    [said] = [p for p in result.problems if "ngày thành lập" in p.message_vi]
    assert (said.severity, said.value) == ("warning", None)
    assert said.message_vi.startswith("1 CĐCS không có ngày thành lập (ô F8 Công ty CP Gạch Phú "
                                      "Mỹ): coi như có "
                                      "trước 01/07/2025 (đủ 12 tháng để xếp loại")
    state = registry_state(ws.database_url)
    gach = state.units.set_index("name").loc["Công ty CP Gạch Phú Mỹ"]
    assert pd.Timestamp(gach["founded"]) == pd.Timestamp(FOUNDED_UNKNOWN)
    uid = str(gach["unit_id"])
    assert (("cdcs", uid, "joined", "2025-07-01") in events(result.events)
            and not any(e[1] == uid and e[2] == "founded" for e in events(result.events)))
    assert main(["-w", str(ws.root), "units", "list", "--at", "30/11/2025"]) == 0
    listed = [line for line in capsys.readouterr().out.splitlines() if uid in line]
    assert len(listed) == 1 and "không rõ" in listed[0] and "1900" not in listed[0]
    # its year-report form asks for its rating (12 months old), as that of a CĐCS of 2016 does,
    # and not that of the CĐCS founded on 15/08/2025
    assert main(["-w", str(ws.root), "template", "--period", "2025-H2"]) == 0
    forms = ws.output_dir / "forms" / "2025-H2"

    def rating_open(code: str) -> bool:
        [path] = forms.glob(f"{code}_2025-H2_*.xlsx")  # named for its CĐCS too
        sheet = load_workbook(path)["BaoCao"]
        row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 2).value == "rating")
        return not sheet.cell(row, 6).protection.locked
    young = str(state.units.set_index("name").loc["Công ty TNHH Điện tử Sao Mai", "unit_id"])
    assert rating_open(uid) and not rating_open(young)


def test_a_later_list_refuses_a_new_cdcs_without_founding_day_at_its_cell(
        ws: Workspace) -> None:
    """No founding day is made up for a CĐCS new to the registry: with the list's day as one, an
    old CĐCS would count as founded then; with none, a new one would count as old."""
    first_import(ws)
    before = registry_state(ws.database_url).units
    path = officer_workbook(ws.inbox / "thieu_ngay.xlsx",
                            [*ROWS, [*NEW_ROW[:4], None, *NEW_ROW[5:]]])
    result = import_units(path, ws.database_url, today=TODAY, own=own())
    assert result.status == "rejected"
    [missing] = [p for p in result.problems if p.severity == "error"]
    assert (missing.cell, missing.field, missing.value) == (
        "F11", "Ngày thành lập", "(trống) — Công ty CP Thực phẩm Minh Long")
    assert "01/01 của năm thành lập" in missing.expected
    pd.testing.assert_frame_equal(registry_state(ws.database_url).units, before)  # unchanged
    assert f"   báo cáo lỗi: {result.report_path}" in result.summary()



def test_the_command_prints_the_mapping_and_writes_the_list_in_the_template(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = officer_workbook(ws.inbox / "DanhSach_CDCS.xlsx", ROWS)
    code = main(["-w", str(ws.root), "units", "import", str(path), "--start", "01/07/2025"])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    mapping = lines.index(next(line for line in lines if line.startswith("Danh sách riêng")))
    assert lines[mapping].startswith("Danh sách riêng (trang 'Danh sách', tiêu đề dòng 4), cột "
                                     "đã đọc: B tên CĐCS; C khu vực (loại hình); ")
    assert "   bỏ qua: A \"STT\", J \"Ghi chú\" (đọc sai: --column, xem --help)" in lines
    assert mapping < lines.index(next(line for line in lines if line.startswith("ĐÃ NHẬN")))
    # the list back in the template, with the codes given, to edit next time
    written = ws.output_dir / "DanhSachCDCS.xlsx"
    assert f"→ {written} (lần sau: sửa tệp này rồi nhập lại)" in out
    wb = load_workbook(written)
    cdcs = wb["CDCS"]
    assert [[cdcs.cell(row=r, column=c).value for c in (1, 2, 3, 4, 5)]
            for r in range(FIRST_ROW, FIRST_ROW + 5)] == [
        ["CDCS-001", "Trường Mầm non Tân Hòa", "HCSN", OLD_TH, EDU],
        ["CDCS-002", "Công ty TNHH May Tân Hòa", "NNN", OLD_TH, ORG.id],
        ["CDCS-003", "Công ty CP Gạch Phú Mỹ", "NNN", OLD_PM, ORG.id],
        ["CDCS-004", "Chi nhánh Điện lực Tân Hòa", "DNNN", OLD_PM, ORG.id],
        ["CDCS-005", "Công ty TNHH Điện tử Sao Mai", "NNN", OLD_PM, ORG.id]]
    assert [c.value for c in wb["CapTren"][FIRST_ROW + 1][:4]] == [
        ORG.id, ORG.name, "Công đoàn xã/phường/đặc khu", dt.datetime(2025, 7, 1)]
    # importing that file back changes nothing; options of an own layout do not apply to it
    again = import_units(written, ws.database_url, today=TODAY, own=own())
    assert again.status == "accepted" and again.events.empty and again.mapping is None
    assert main(["-w", str(ws.root), "units", "import", str(written), "--column", "Mã=code"]) == 2
    assert "--column và --sheet chỉ dùng cho danh sách trình bày riêng" in capsys.readouterr().err


# ----------------------------------------------------------------------------- second import
def test_a_second_version_of_the_list_matches_by_name_and_founds_only_the_new_row(
        ws: Workspace) -> None:
    first_import(ws)
    rows = [["Trường Mầm Non Tân Hoà", *ROWS[0][1:]], *ROWS[1:], NEW_ROW]
    path = officer_workbook(ws.inbox / "DanhSach_CDCS_2.xlsx", rows)
    result = import_units(path, ws.database_url, today=TODAY, own=own())  # start: registry's
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {("cdcs", "CDCS-006", "founded", "2026-01-10")}
    frame = registry_at(registry_state(ws.database_url), TODAY).set_index("unit_id")
    assert frame.loc["CDCS-001", "name"] == "Trường Mầm non Tân Hòa"  # the registry's spelling
    assert frame.loc["CDCS-006", ["name", "sector", "commune_id", "upper_id"]].tolist() == [
        "Công ty CP Thực phẩm Minh Long", "NNN", OLD_TH, ORG.id]
    [kept] = [p for p in result.problems if p.cell == "B6"]
    assert kept.severity == "warning" and kept.expected == "Trường Mầm non Tân Hòa"
    assert len(registry_events(ws.database_url)) == 10  # 9 of the first list, 1 now
    # an accepted list's report holds its warnings: it is not called an error report
    assert f"   các cảnh báo: {result.report_path}" in result.summary()
    assert "lỗi:" not in result.summary() and "   warnings: " in result.summary("en")


def test_a_bad_row_is_refused_at_its_cell_and_nothing_changes(ws: Workspace) -> None:
    first_import(ws)
    before = dump(ws)
    rows = [*ROWS[:2], [ROWS[2][0], None, *ROWS[2][2:]], [ROWS[3][0], "Hộ kinh doanh",
                                                          *ROWS[3][2:]], ROWS[4], [None, *NEW_ROW[1:]]]
    bad = officer_workbook(ws.inbox / "DanhSach_sai.xlsx", rows)
    result = import_units(bad, ws.database_url, today=TODAY, own=own())
    assert result.status == "rejected" and dump(ws) == before
    errors = {(p.sheet, p.cell, p.field, p.value) for p in result.problems if p.severity == "error"}
    assert errors == {("Danh sách", "C8", "Loại hình đơn vị", None),
                      ("Danh sách", "C9", "Loại hình đơn vị", "Hộ kinh doanh"),
                      ("Danh sách", "B11", "Tên công đoàn cơ sở", None)}
    assert result.report_path is not None
    text = result.report_path.read_text(encoding="utf-8")
    assert "tệp 'DanhSach_sai.xlsx', trang 'Danh sách', ô C9, trường 'Loại hình đơn vị': Không " \
           "rõ khu vực 'Hộ kinh doanh'" in text
    assert "cần HCSN, DNNN, NNN hoặc: Hành chính sự nghiệp" in text
    assert "ô C8, trường 'Loại hình đơn vị': Thiếu 'Loại hình đơn vị' (bắt buộc)" in text


# ----------------------------------------------------------------------------- options
def test_an_unknown_header_stops_with_nothing_kept_until_column_maps_it(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    header = ["STT", "Tên doanh nghiệp, đơn vị", "Khu vực", "Địa bàn", "Thành lập", "MST"]
    rows = [[r[0], r[1], r[2], r[4], r[5]] for r in ROWS[1:3]]
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(header)
    for n, row in enumerate(rows, start=1):
        sheet.append([n, *row])
    path = ws.inbox / "ds.xlsx"
    wb.save(path)
    argv = ["-w", str(ws.root), "units", "import", str(path), "--start", "01/07/2025"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "Không thấy dòng tiêu đề" in err and "--column" in err
    assert not (ws.store_dir / "quarantine").exists() and registry_state(
        ws.database_url).units.empty  # nothing kept: the same file may come back with an option
    assert main([*argv, "--column", "Tên doanh nghiệp, đơn vị=name"]) == 0
    out = capsys.readouterr().out
    assert "cột đã đọc: B tên CĐCS" in out
    frame = registry_at(registry_state(ws.database_url), TODAY)
    assert frame["unit_id"].tolist() == ["CDCS-001", "CDCS-002"]
    assert frame["upper_id"].tolist() == [ORG.id, ORG.id]  # no upper-union column
    assert "không có cột công đoàn cấp trên" in out


def test_a_group_header_over_two_columns_is_read_with_the_row_under_it(ws: Workspace) -> None:
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.append(["DANH SÁCH CĐCS"])
    sheet.append(["STT", "Tên CĐCS", "Khu vực", "Xã/phường", "Số lượng", None, "Ghi chú",
                  "Thành lập"])
    sheet.merge_cells("E2:F2")
    sheet.append([None, None, None, None, "CNVCLĐ", "Đoàn viên", None, None])
    sheet.append([1, "Công ty TNHH May Tân Hòa", "NNN", "Xã Tân Hòa (cũ)", 250, 180, None,
                  dt.datetime(2025, 9, 1)])
    path = ws.inbox / "hai_dong.xlsx"
    wb.save(path)
    result = import_units(path, ws.database_url, today=TODAY, own=own(start=D(2025, 7, 1)),
                          dry_run=True)
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert (result.mapping.header_row, result.mapping.header_rows) == (2, 2)
    assert {c.letter: c.field for c in result.mapping.columns} == {
        "A": "-", "B": "name", "C": "sector", "D": "commune", "E": "workers", "F": "members",
        "G": "-", "H": "founded"}
    assert "tiêu đề dòng 2–3" in result.mapping.describe()[0]
    assert events(result.events) == {
        ("commune", OLD_TH, "added", ""), ("upper", ORG.id, "founded", "2025-07-01"),
        ("cdcs", "CDCS-001", "founded", "2025-09-01")}


def test_a_first_list_without_the_organisations_start_asks_for_it(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    path = officer_workbook(ws.inbox / "DanhSach_CDCS.xlsx", ROWS)
    assert main(["-w", str(ws.root), "units", "import", str(path)]) == 2
    captured = capsys.readouterr()
    assert "cột đã đọc:" in captured.out  # the mapping is shown first
    assert "Chưa biết ngày bắt đầu hoạt động của tổ chức Công đoàn xã Tân Hòa" in captured.err
    assert "cần --start dd/mm/yyyy" in captured.err
    assert not (ws.store_dir / "quarantine").exists()
    assert first_import(ws).status == "accepted"  # the same file, with the start


def test_a_cdcs_found_by_its_tax_code_under_a_new_name_is_renamed_from_its_day(
        ws: Workspace) -> None:
    first_import(ws)
    renamed = "Công ty TNHH May mặc Xuất khẩu Tân Hòa"
    rows = [[*r, None] for r in ROWS]
    rows[1] = [renamed, *ROWS[1][1:], None]
    path = officer_workbook(ws.inbox / "ds_ten.xlsx", rows, [*HEADER, "Từ ngày"])
    undated = import_units(path, ws.database_url, today=TODAY, own=own())
    [error] = [p for p in undated.problems if p.severity == "error"]
    assert (error.cell, error.field, error.expected) == ("K7", "Từ ngày", "> 01/07/2025")
    rows[1][-1] = "01/01/2026"
    path = officer_workbook(ws.inbox / "ds_ten_2.xlsx", rows, [*HEADER, "Từ ngày"])
    result = import_units(path, ws.database_url, today=TODAY, own=own())
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {("cdcs", "CDCS-002", "renamed", "2026-01-01")}
    assert registry_at(registry_state(ws.database_url), TODAY).set_index("unit_id").loc[
        "CDCS-002", "name"] == renamed


def test_a_dry_run_shows_the_mapping_and_the_changes_and_writes_nothing(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    first_import(ws)
    before = dump(ws)
    stored = sorted(p.name for p in ws.store_dir.rglob("*"))
    path = officer_workbook(ws.inbox / "DanhSach_CDCS_2.xlsx", [*ROWS, NEW_ROW])
    assert main(["-w", str(ws.root), "units", "import", str(path), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "cột đã đọc:" in out and "SẼ NHẬN (chạy thử, không ghi gì)" in out
    [line] = [line for line in out.splitlines() if "CDCS-006" in line]
    assert line.split()[:5] == ["thành", "lập", "CĐCS", "CDCS-006", "10/01/2026"]
    assert dump(ws) == before and sorted(p.name for p in ws.store_dir.rglob("*")) == stored
    # then the import itself
    assert main(["-w", str(ws.root), "units", "import", str(path)]) == 0
    assert "CDCS-006" in set(registry_state(ws.database_url).units["unit_id"])


def test_a_csv_in_its_own_layout_is_located_by_its_rows(ws: Workspace) -> None:
    first_import(ws)
    path = ws.inbox / "them.csv"
    path.write_text("Danh sách bổ sung\n\nSTT,Tên CĐCS,Khu vực,Xã/phường,Ngày thành lập\n"
                    "1,Công ty TNHH Cơ khí Minh,NNN,Xã Phú Mỹ (cũ),10/01/2026\n"
                    "2,Trường Tiểu học Phú Mỹ,,Xã Phú Mỹ (cũ),01/09/1999\n", encoding="utf-8")
    result = import_units(path, ws.database_url, today=TODAY, own=own())
    assert result.status == "rejected"
    [error] = [p for p in result.problems if p.severity == "error"]
    assert (error.sheet, error.row, error.field) == (None, 5, "Khu vực")


def test_the_list_is_found_on_a_later_sheet_and_an_unknown_kind_is_said_at_its_cell(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    wb = Workbook()
    cover = wb.active
    assert cover is not None
    cover.title = "Bìa"
    cover["A1"] = "BÁO CÁO DANH SÁCH CĐCS NĂM NAY"
    sheet = wb.create_sheet("DS")
    sheet.append(["TT", "Tên đơn vị", "Khu vực", "Địa bàn", "Cấp trên trực tiếp",
                  "Ngày thành lập"])
    sheet.append([1, "Công ty CP May Hưng Yên", "DNNN", "Xã Tân Hòa (cũ)",
                  "Công đoàn Tổng công ty May", dt.datetime(2012, 4, 1)])
    path = ws.inbox / "hai_trang.xlsx"
    wb.save(path)
    result = import_units(path, ws.database_url, today=TODAY, own=own(start=D(2025, 7, 1)),
                          dry_run=True)
    assert result.status == "accepted" and result.mapping.sheet == "DS"
    [kind] = [p for p in result.problems if p.cell == "E2"]
    assert (kind.severity, kind.field, kind.value) == (
        "warning", "Cấp trên trực tiếp", "Công đoàn Tổng công ty May")
    assert "ghi là 'Công đoàn ngành'" in kind.message_vi
    assert ("upper", "CD-TONG-CONG-TY-MAY", "founded", "2025-07-01") in events(result.events)
    argv = ["-w", str(ws.root), "units", "import", str(path), "--start", "01/07/2025"]
    assert main([*argv, "--sheet", "Khác"]) == 2
    assert "Tệp không có trang này" in capsys.readouterr().err


def test_a_cdcs_is_named_in_a_message_without_its_common_prefix_and_cut_at_a_word() -> None:
    from congdoan.intake.own_codes import _short_name

    assert _short_name("Công đoàn Trường THCS Phúc Tân") == "Trường THCS Phúc Tân"
    assert _short_name("CĐ Công ty TNHH In ấn Bao bì Hồng Hà Phát") == "Công ty TNHH In ấn Bao bì Hồng…"
    assert _short_name("Công đoàn") == "Công đoàn"  # nothing but the word: kept
