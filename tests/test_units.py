"""Units lists: real workbooks from the template, filled with openpyxl, imported into a workspace.

The story (worked by hand): the commune union of Tân Hòa is formed on 1/7/2025 with two upper
unions (itself, and the education union) over three CĐCS — A (a school founded 2005) and B (a
garment firm founded 2018) that it takes over on 1/7/2025, and C founded that day. A second
list then founds D (10/1/2026), dissolves C (31/12/2025), moves A to the commune union
(1/1/2026) and renames B (15/2/2026).
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook

from congdoan.cli import main
from congdoan.core import store
from congdoan.core.registry import registry_at
from congdoan.core.registry_store import registry_events, registry_state
from congdoan.core.workspace import Organisation, Workspace, init_workspace
from congdoan.intake.forms import save_workbook
from congdoan.intake.unit_import import import_units
from congdoan.intake.units import FIRST_ROW, KEY_ROW
from congdoan.intake.units_template import units_workbook

D = dt.date
ORG = Organisation(id="CD-XA-TH", name="Công đoàn xã Tân Hòa", kind="commune")
EDU = "CD-NGANH-GD"

FIRST_LIST = {
    "CapTren": [
        {"upper_id": "CD-XA-TH", "kind": "Công đoàn xã/phường/đặc khu", "valid_from": D(2025, 7, 1)},
        {"upper_id": EDU, "name": "Công đoàn ngành Giáo dục xã Tân Hòa", "kind": "Công đoàn ngành",
         "valid_from": D(2025, 7, 1)},
    ],
    "XaPhuong": [{"commune_id": "X1", "name": "Xã Tân Hòa (cũ)"},
                 {"commune_id": "X2", "name": "Xã Phú Mỹ (cũ)"}],
    "CDCS": [
        {"unit_id": "A", "name": "Trường Mầm non Tân Hòa", "sector": "HCSN", "commune_id": "X1",
         "upper_id": EDU, "founded": D(2005, 9, 5), "opening_workers": 40, "opening_members": 38},
        {"unit_id": "B", "name": "Công ty TNHH May Tân Hòa", "sector": "NNN", "commune_id": "X1",
         "upper_id": "CD-XA-TH", "founded": D(2018, 3, 12), "enterprise_id": "0101234567",
         "opening_workers": 250, "opening_members": 180},
        {"unit_id": "C", "name": "Công ty CP Gạch Phú Mỹ", "sector": "NNN", "commune_id": "X2",
         "upper_id": "CD-XA-TH", "founded": D(2025, 7, 1), "opening_workers": 60,
         "opening_members": 45},
    ],
}

SECOND_LIST = {"CDCS": [
    {"unit_id": "A", "upper_id": "CD-XA-TH", "since": D(2026, 1, 1)},
    {"unit_id": "B", "name": "Công ty TNHH May mặc Tân Hòa", "since": D(2026, 2, 15)},
    {"unit_id": "C", "dissolved": D(2025, 12, 31)},
    {"unit_id": "D", "name": "Công ty TNHH Cơ khí Minh", "sector": "NNN", "commune_id": "X2",
     "upper_id": "CD-XA-TH", "founded": D(2026, 1, 10), "opening_workers": 30,
     "opening_members": 12},
]}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "tanhoa", ORG)


def template(ws: Workspace, name: str = "template.xlsx") -> Path:
    """The units list as ``congdoan units template`` writes it (prefilled with the registry)."""
    path = ws.root / "output" / name
    save_workbook(units_workbook(registry_state(ws.database_url), ws.organisation), path)
    return path


def fill(source: Path, target: Path, sheets: dict[str, list[dict[str, Any]]]) -> Path:
    """Write rows into the sheets of a units workbook, as an officer would in Excel.

    A row whose code is already in the sheet is edited in place; any other goes on the first
    empty row.
    """
    wb = load_workbook(source)
    for sheet, rows in sheets.items():
        sh = wb[sheet]
        keys = {c.value: c.column for c in sh[KEY_ROW] if c.value}
        code_key = next(iter(keys))
        for rec in rows:
            row = FIRST_ROW
            while sh.cell(row=row, column=1).value not in (None, rec.get(code_key)):
                row += 1
            for key, value in rec.items():
                sh.cell(row=row, column=keys[key], value=value)
    wb.save(target)
    return target


def first_import(ws: Workspace) -> None:
    path = fill(template(ws), ws.inbox / "danh_sach_1.xlsx", FIRST_LIST)
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]


def events(frame: pd.DataFrame) -> set[tuple[str, str, str, str]]:
    return {(e, i, ev, "" if pd.isna(d) else f"{d:%Y-%m-%d}")
            for e, i, ev, d in frame[["entity", "entity_id", "event", "on_date"]].itertuples(
                index=False)}


def standing(ws: Workspace, day: dt.date) -> dict[str, tuple[str, str]]:
    """Code → (name, upper union) of the CĐCS in the registry on ``day``."""
    frame = registry_at(registry_state(ws.database_url), day)
    return {r.unit_id: (r.name, r.upper_id) for r in frame.itertuples()}


def dump(ws: Workspace) -> list[str]:
    connection = sqlite3.connect(ws.root / "congdoan.sqlite")
    try:
        return list(connection.iterdump())
    finally:
        connection.close()


# ----------------------------------------------------------------------------- tests
def test_the_template_has_the_forms_dropdowns_and_the_organisation_as_upper_union(
        ws: Workspace) -> None:
    wb = load_workbook(template(ws))
    assert wb.sheetnames == ["CDCS", "CapTren", "XaPhuong", "HuongDan"]
    cdcs = wb["CDCS"]
    keys = [c.value for c in cdcs[KEY_ROW] if c.value]
    assert keys == ["unit_id", "name", "sector", "commune_id", "upper_id", "founded", "dissolved",
                    "since", "enterprise_id", "budget_funded", "opening_workers", "opening_members"]
    rules = {str(dv.sqref).split(":")[0]: dv for dv in cdcs.data_validations.dataValidation}
    assert rules["C6"].formula1 == '"HCSN,DNNN,NNN"'
    assert rules["D6"].formula1.startswith("=XaPhuong!$A$6")
    assert rules["E6"].formula1.startswith("=CapTren!$A$6")
    assert rules["F6"].type == "date"
    assert rules["J6"].formula1 == '"Có,Không"'
    assert (rules["K6"].type, rules["K6"].formula1) == ("whole", "0")
    assert cdcs.protection.sheet and not cdcs["A6"].protection.locked
    # every cell to fill looks the same (the named style), and keeps its column's number format
    last = cdcs.max_row
    for cell in (cdcs["A6"], cdcs[f"L{last}"], cdcs["F6"], cdcs[f"F{last}"]):
        assert (cell.style, cell.fill.fgColor.rgb, cell.font.sz) == ("Ô cần điền", "00FFF2CC", 11)
        assert not cell.protection.locked
    assert (cdcs["F6"].number_format, cdcs["A6"].number_format) == ("DD/MM/YYYY", "@")
    assert cdcs["A4"].protection.locked and cdcs["A4"].style == "Normal"  # a label is not open
    assert [c.value for c in wb["CapTren"][FIRST_ROW][:3]] == [
        "CD-XA-TH", "Công đoàn xã Tân Hòa", "Công đoàn xã/phường/đặc khu"]


def test_a_first_list_founds_and_takes_over_units_from_their_day(ws: Workspace) -> None:
    first_import(ws)
    assert events(registry_events(ws.database_url)) == {
        ("commune", "X1", "added", ""), ("commune", "X2", "added", ""),
        ("upper", "CD-XA-TH", "founded", "2025-07-01"), ("upper", EDU, "founded", "2025-07-01"),
        # A and B existed before the commune union: they come under it on its first day
        ("cdcs", "A", "joined", "2025-07-01"), ("cdcs", "B", "joined", "2025-07-01"),
        ("cdcs", "C", "founded", "2025-07-01"),
    }
    assert standing(ws, D(2025, 6, 30)) == {}
    assert standing(ws, D(2025, 7, 1)) == {
        "A": ("Trường Mầm non Tân Hòa", EDU), "B": ("Công ty TNHH May Tân Hòa", "CD-XA-TH"),
        "C": ("Công ty CP Gạch Phú Mỹ", "CD-XA-TH")}
    openings = store.read_table("openings", ws.database_url).set_index("unit_id")
    assert openings.loc["B", ["members", "workers"]].tolist() == [180, 250]
    assert str(openings.loc["A", "as_of"]) == "2025-07-01"  # the day A enters the data
    uppers = store.read_table("upper_unions", ws.database_url).set_index("upper_id")
    assert uppers.loc[EDU, "kind"] == "industry_union" and uppers["direct"].tolist() == [1, 1]


def test_a_second_list_applies_dated_events_and_keeps_the_history(ws: Workspace) -> None:
    first_import(ws)
    unchanged = import_units(template(ws, "unchanged.xlsx"), ws.database_url, today=D(2026, 2, 1))
    assert unchanged.status == "accepted" and unchanged.events.empty  # the list as it stands
    path = fill(template(ws), ws.inbox / "danh_sach_2.xlsx", SECOND_LIST)
    result = import_units(path, ws.database_url, today=D(2026, 3, 1))
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {
        ("cdcs", "A", "moved", "2026-01-01"), ("cdcs", "B", "renamed", "2026-02-15"),
        ("cdcs", "C", "dissolved", "2025-12-31"), ("cdcs", "D", "founded", "2026-01-10")}
    moved = result.events.set_index("entity_id").loc["A"]
    assert (moved["old_value"], moved["new_value"]) == (EDU, "CD-XA-TH")
    old_b, new_b = "Công ty TNHH May Tân Hòa", "Công ty TNHH May mặc Tân Hòa"
    # before and after each dated event
    assert standing(ws, D(2025, 12, 31)) == {
        "A": ("Trường Mầm non Tân Hòa", EDU), "B": (old_b, "CD-XA-TH"),
        "C": ("Công ty CP Gạch Phú Mỹ", "CD-XA-TH")}  # dissolved on its last day
    assert standing(ws, D(2026, 1, 1)) == {
        "A": ("Trường Mầm non Tân Hòa", "CD-XA-TH"), "B": (old_b, "CD-XA-TH")}
    assert set(standing(ws, D(2026, 1, 9))) == {"A", "B"}
    assert set(standing(ws, D(2026, 1, 10))) == {"A", "B", "D"}  # D founded that day
    assert standing(ws, D(2026, 2, 14))["B"] == (old_b, "CD-XA-TH")
    assert standing(ws, D(2026, 2, 15)) == {
        "A": ("Trường Mầm non Tân Hòa", "CD-XA-TH"), "B": (new_b, "CD-XA-TH"),
        "D": ("Công ty TNHH Cơ khí Minh", "CD-XA-TH")}
    links = store.read_table("links", ws.database_url)
    a = links[links["unit_id"] == "A"].sort_values("valid_from")
    assert [(p, str(f), str(t)) for p, f, t in a[["parent_id", "valid_from", "valid_to"]].itertuples(
        index=False)] == [(EDU, "2025-07-01", "2025-12-31"), ("CD-XA-TH", "2026-01-01", "None")]
    # the same list again is recognised and changes nothing
    assert import_units(path, ws.database_url, today=D(2026, 3, 1)).status == "duplicate"


def test_a_founding_day_corrected_to_before_the_upper_union_keeps_it_from_its_first_day(
        ws: Workspace) -> None:
    """C was listed as founded with the commune union (01/07/2025, say for want of its date);
    its real founding day, 2019, is earlier than the union: it came under it on 01/07/2025."""
    first_import(ws)
    path = fill(template(ws), ws.inbox / "danh_sach_2.xlsx",
                {"CDCS": [{"unit_id": "C", "founded": D(2019, 4, 2)}]})
    result = import_units(path, ws.database_url, today=D(2026, 3, 1))
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {("cdcs", "C", "corrected", "")}
    units = store.read_table("units", ws.database_url).set_index("unit_id")
    assert str(units.loc["C", "founded"]) == "2019-04-02"
    links = store.read_table("links", ws.database_url)
    c = links[links["unit_id"] == "C"]
    assert [(p, str(f)) for p, f in c[["parent_id", "valid_from"]].itertuples(index=False)] == [
        ("CD-XA-TH", "2025-07-01")]
    assert "C" not in standing(ws, D(2025, 6, 30)) and "C" in standing(ws, D(2025, 7, 1))


def test_units_list_at_a_date_on_the_command_line(ws: Workspace,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    first_import(ws)
    fill(template(ws), ws.inbox / "danh_sach_2.xlsx", SECOND_LIST)
    assert main(["-w", str(ws.root), "units", "import", str(ws.inbox / "danh_sach_2.xlsx")]) == 0
    assert "chuyển cấp trên: 1" in capsys.readouterr().out
    assert main(["-w", str(ws.root), "units", "list", "--at", "14/02/2026"]) == 0
    shown = capsys.readouterr().out.splitlines()
    assert shown[0].split()[:3] == ["Mã", "CĐCS", "Tên"] and len(shown) == 4  # A, B, D
    assert "Công ty TNHH May Tân Hòa" in shown[2]
    out = ws.root / "output" / "ds.csv"
    assert main(["-w", str(ws.root), "units", "list", "--at", "2026-02-15", "--out", str(out)]) == 0
    listed = pd.read_csv(out, encoding="utf-8-sig", dtype=str)
    assert listed["Tên CĐCS"].tolist() == ["Trường Mầm non Tân Hòa", "Công ty TNHH May mặc Tân Hòa",
                                           "Công ty TNHH Cơ khí Minh"]
    assert listed["Trực thuộc từ"].tolist() == ["01/01/2026", "01/07/2025", "10/01/2026"]
    assert main(["-w", str(ws.root), "units", "history", "B"]) == 0
    assert "đổi tên" in capsys.readouterr().out
    # the field changed, named as the list's column names it
    history = ws.root / "output" / "ls.csv"
    assert main(["-w", str(ws.root), "units", "history", "--out", str(history)]) == 0
    events_shown = pd.read_csv(history, encoding="utf-8-sig", dtype=str).set_index(
        ["Mã", "Sự kiện"])["Trường"]
    assert events_shown[("B", "đổi tên")] == "Tên công đoàn cơ sở"
    assert events_shown[("A", "chuyển cấp trên")] == "Mã công đoàn cấp trên trực tiếp"


def test_a_bad_list_is_rejected_whole_with_located_messages(ws: Workspace) -> None:
    first_import(ws)
    before = dump(ws)
    bad = fill(template(ws), ws.inbox / "sai.xlsx", {"CDCS": [
        {"unit_id": "E", "name": "Công ty E", "sector": "XYZ", "commune_id": "X2",
         "upper_id": "CD-XA-TH", "founded": "31/02/2025"},
        {"unit_id": "F", "name": "Công ty F", "sector": "NNN", "commune_id": "X2",
         "upper_id": "CD-XA-TH", "founded": D(2025, 8, 1)},
    ]})
    wb = load_workbook(bad)
    sheet = wb["CDCS"]
    for column in range(1, 13):  # F's row (10) is followed by a copy of A's row (6)
        sheet.cell(row=11, column=column, value=sheet.cell(row=6, column=column).value)
    wb.save(bad)
    result = import_units(bad, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "rejected"
    assert dump(ws) == before  # the database is unchanged, byte for byte
    errors = {(p.sheet, p.cell, p.field, p.value) for p in result.problems if p.severity == "error"}
    assert errors == {("CDCS", "C9", "sector", "XYZ"), ("CDCS", "F9", "founded", "31/02/2025"),
                      ("CDCS", "A11", "unit_id", "A")}
    assert result.report_path is not None
    quarantined = result.report_path.parent / result.report_path.name.removesuffix(".loi.txt")
    assert quarantined.read_bytes() == bad.read_bytes()
    text = result.report_path.read_text(encoding="utf-8")
    assert "tệp 'sai.xlsx', trang 'CDCS', ô C9, trường 'sector'" in text
    assert "cần HCSN, DNNN, NNN" in text
    # the same problems in English
    english = fill(bad, ws.inbox / "wrong.xlsx", {"CDCS": [{"unit_id": "F", "name": "Công ty F2"}]})
    result = import_units(english, ws.database_url, today=D(2026, 1, 15), lang="en")
    assert result.status == "rejected" and dump(ws) == before
    text = result.report_path.read_text(encoding="utf-8") if result.report_path else ""
    assert "file 'wrong.xlsx', sheet 'CDCS', cell F9, field 'founded': 'Founding date' is not a " \
           "valid date" in text


def test_a_move_without_its_date_is_an_error_at_the_since_cell(ws: Workspace) -> None:
    first_import(ws)
    before = dump(ws)
    path = fill(template(ws), ws.inbox / "chuyen.xlsx",
                {"CDCS": [{"unit_id": "A", "upper_id": "CD-XA-TH"}]})  # 'since' still 01/07/2025
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "rejected" and dump(ws) == before
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert (problem.sheet, problem.cell, problem.field) == ("CDCS", "H6", "since")
    assert problem.expected == "> 01/07/2025"


def test_a_csv_list_names_its_row_and_needs_known_upper_unions(ws: Workspace) -> None:
    first_import(ws)
    header = "unit_id,name,sector,commune_id,upper_id,founded,opening_members,opening_workers"
    good = ws.inbox / "moi.csv"
    good.write_text(header + "\nG,Công ty G,DNNN,X1,CD-XA-TH,2025-09-01,20,25\n", encoding="utf-8")
    result = import_units(good, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted" and events(result.events) == {
        ("cdcs", "G", "founded", "2025-09-01")}
    bad = ws.inbox / "sai.csv"
    bad.write_text(header + ",enterprise_id\nH,Công ty H,DNNN,X1,CD-KHONG-CO,01/09/2025,,,"
                   "\nI,Công ty I,NNN,X1,CD-XA-TH,01/09/2025,,,DN-12\n", encoding="utf-8")
    result = import_units(bad, ws.database_url, today=D(2026, 1, 15))
    problem, tax = [p for p in result.problems if p.severity == "error"]
    assert (problem.row, problem.field, problem.value) == (2, "upper_id", "CD-KHONG-CO")
    assert (tax.row, tax.field, tax.value) == (3, "enterprise_id", "DN-12")
    assert problem.render().startswith("[LỖI] tệp 'sai.csv', dòng 2, trường 'upper_id'")
    [note] = [p for p in result.problems if p.severity == "warning"]  # A, B, C, G not listed
    assert note.value == "A, B, C, G" and note.row is None


# ----------------------------------------------------------------------------- first period
def report_values(**override: Any) -> dict[str, Any]:
    """A year report (H2) that passes every rule: 5 of everything, 1 bn đồng, all events held."""
    from congdoan.core.plan import load_elements

    values: dict[str, Any] = {e.name: {"int": 5, "vnd": 10**9, "bool": 1}.get(e.kind)
                              for e in load_elements().elements}
    values.update(women_members=3, submitted_on="05/12/2025", **override)
    return values


def h2_reports(ws: Workspace) -> None:
    """The 2025-H2 reports of A (40 workers, 30 members) and B (240, 170); C has not reported."""
    from congdoan.core.periods import parse_period
    from congdoan.intake.forms import bulk_form
    from congdoan.intake.ingest import ingest

    rows = pd.DataFrame([
        report_values(unit_id="A", name="Trường Mầm non Tân Hòa", workers=40, members=30),
        report_values(unit_id="B", name="Công ty TNHH May Tân Hòa", workers=240, members=170)])
    path = ws.inbox / "TongHop_2025-H2.xlsx"
    save_workbook(bulk_form(rows, parse_period("2025-H2")), path)
    [result] = ingest([path], ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]


def test_opening_balances_are_the_stocks_before_the_first_report(ws: Workspace) -> None:
    from congdoan.core.indicators import compute_indicators, unit_frame
    from congdoan.core.periods import parse_period

    first_import(ws)
    h2_reports(ws)
    dataset = store.load_dataset(ws.database_url)
    frame = unit_frame(dataset, parse_period("2025-H2")).set_index("unit_id")
    assert frame.loc["C", ["members", "workers", "opening"]].tolist() == [45, 60, True]
    assert frame.loc["A", ["members", "workers", "opening"]].tolist() == [30, 40, False]
    table = compute_indicators(dataset, "2025-H2", levels=("cdcs", "organisation"))
    members = table[table["indicator_id"] == "total_members"].set_index("unit_id")["value"]
    assert members.to_dict() == {"A": 30, "B": 170, "C": 45, "organisation": 30 + 170 + 45}
    share = table[(table["indicator_id"] == "member_share_unionised")
                  & (table["level"] == "organisation")].iloc[0]
    assert (share["numerator"], share["denominator"]) == (170 + 45, 240 + 60)  # enterprises B, C


def test_a_union_formed_mid_year_gets_its_year_from_the_half_it_has(ws: Workspace) -> None:
    from congdoan.briefing.content import load_context, union_identity, upper_identity
    from congdoan.core.indicators import compute_indicators
    from congdoan.core.workspace import activate

    first_import(ws)
    h2_reports(ws)
    activate(ws)
    dataset = store.load_dataset(ws.database_url)
    year = compute_indicators(dataset, "2025", levels=("cdcs", "organisation"))
    informed = year[year["indicator_id"] == "people_informed"].set_index("unit_id")
    # A's year is its second half alone: 5 people informed of 40 workers, complete, not 'no data'
    assert informed.loc["A", ["numerator", "denominator", "units_reported"]].tolist() == [5, 40, 1]
    ctx = load_context("latest", ws.database_url)
    assert ctx.period.id == "2025"
    assert union_identity(ctx, "C").period_label == "Năm 2025 — từ 01/07/2025"
    assert upper_identity(ctx, ORG.id, "en").period_label == "Year 2025 — from 01/07/2025"


def test_an_upper_union_dissolved_with_cdcs_still_under_it_is_refused(ws: Workspace) -> None:
    first_import(ws)
    before = dump(ws)
    path = fill(template(ws), ws.inbox / "giai_the.xlsx",
                {"CapTren": [{"upper_id": EDU, "valid_to": D(2025, 12, 31)}]})
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "rejected" and dump(ws) == before
    [problem] = [p for p in result.problems if p.severity == "error"]
    # the upper unions are listed by code: EDU is on the first row
    assert (problem.sheet, problem.cell, problem.field) == ("CapTren", "E6", "valid_to")
    assert problem.message_vi.startswith(f"CĐCS A trực thuộc {EDU} ngoài thời gian tồn tại")
    # moving A out first, in the same list, makes the dissolution valid
    path = fill(path, ws.inbox / "giai_the_2.xlsx",
                {"CDCS": [{"unit_id": "A", "upper_id": "CD-XA-TH", "since": D(2026, 1, 1)}]})
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {("upper", EDU, "dissolved", "2025-12-31"),
                                     ("cdcs", "A", "moved", "2026-01-01")}


@pytest.mark.slow
def test_the_year_briefing_of_a_cdcs_founded_mid_year_is_rendered_and_labelled(
        ws: Workspace) -> None:
    first_import(ws)
    h2_reports(ws)
    out = ws.root / "output" / "briefings"
    code = main(["-w", str(ws.root), "briefings", "--period", "2025", "--union", "C",
                 "--upper", EDU, "--format", "html", "--workers", "0"])
    assert code == 0
    for page in ("union-C.html", f"upper-{EDU}.html"):
        assert "Năm 2025 — từ 01/07/2025" in (out / "2025" / page).read_text(encoding="utf-8")


def test_budget_funding_is_a_yes_no_column_stored_in_the_registry(ws: Workspace) -> None:
    """A (a school, HCSN) is marked fully funded by the state budget; B (a firm) cannot be."""
    first_import(ws)  # the column left blank: no unit is budget-funded
    assert store.read_table("units", ws.database_url)["budget_funded"].tolist() == [0, 0, 0]
    path = fill(template(ws), ws.inbox / "nsnn.xlsx",
                {"CDCS": [{"unit_id": "A", "budget_funded": "Có"}]})
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]
    [event] = result.events.itertuples()
    assert (event.entity_id, event.event, event.field, event.old_value, event.new_value) == (
        "A", "corrected", "budget_funded", "0", "1")  # undated, like the sector
    units = store.load_dataset(ws.database_url).units.set_index("unit_id")
    assert units["budget_funded"].to_dict() == {"A": 1, "B": 0, "C": 0}
    cdcs = load_workbook(template(ws))["CDCS"]
    assert [cdcs[f"J{row}"].value for row in (6, 7, 8)] == ["Có", "Không", "Không"]
    before = dump(ws)
    bad = fill(template(ws), ws.inbox / "nsnn_sai.xlsx",
               {"CDCS": [{"unit_id": "B", "budget_funded": "Có"}]})
    result = import_units(bad, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "rejected" and dump(ws) == before
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert (problem.sheet, problem.cell, problem.field) == ("CDCS", "J7", "budget_funded")
    assert "khu vực HCSN" in problem.render()


# ----------------------------------------------------------------------------- nested upper unions
CITY = Organisation(id="LDLD-TP", name="LĐLĐ thành phố Thử", kind="city")

NESTED_LIST = {
    "CapTren": [
        {"upper_id": "IND", "name": "Công đoàn ngành Dệt may", "kind": "Công đoàn ngành",
         "valid_from": D(2020, 1, 1)},
        {"upper_id": "GRP", "name": "Công đoàn Tổng công ty May", "kind": "Công đoàn ngành",
         "valid_from": D(2020, 1, 1), "parent_id": "IND"},
        {"upper_id": "XA", "name": "Công đoàn phường Một", "kind": "Công đoàn xã/phường/đặc khu",
         "valid_from": D(2025, 7, 1)},
    ],
    "XaPhuong": [{"commune_id": "P1", "name": "Phường Một"}],
    "CDCS": [
        {"unit_id": u, "name": f"Công ty {u}", "sector": "NNN", "commune_id": "P1",
         "upper_id": parent, "founded": founded}
        for u, parent, founded in (("A", "GRP", D(2020, 1, 1)), ("B", "GRP", D(2020, 1, 1)),
                                   ("C", "XA", D(2025, 7, 1)))
    ],
}


@pytest.fixture
def city(tmp_path: Path) -> Workspace:
    ws = init_workspace(tmp_path / "city", CITY)
    path = fill(template(ws), ws.inbox / "ds.xlsx", NESTED_LIST)
    result = import_units(path, ws.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert ("upper", "GRP", "joined", "2020-01-01") in events(result.events)
    return ws


def test_an_upper_union_under_another_and_its_dated_move(
        city: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    state = registry_state(city.database_url)
    assert state.upper_links[["upper_id", "parent_id"]].values.tolist() == [["GRP", "IND"]]
    # the template shows the parent; a later list moves GRP directly under the city on 1/7/2025
    moved = fill(template(city), city.inbox / "ds2.xlsx", {"CapTren": [
        {"upper_id": "GRP", "parent_id": "", "parent_since": D(2025, 7, 1)}]})
    assert load_workbook(template(city))["CapTren"]["F6"].value == "IND"
    result = import_units(moved, city.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]
    assert events(result.events) == {("upper", "GRP", "moved", "2025-07-01")}
    [event] = registry_events(city.database_url, "GRP").query("event == 'moved'").itertuples()
    assert event.old_value == "IND" and pd.isna(event.new_value)  # now under the organisation
    for day, parent in (("30/06/2025", "IND"), ("01/07/2025", "")):
        assert main(["-w", str(city.root), "units", "list", "--uppers", "--at", day]) == 0
        grp = next(line for line in capsys.readouterr().out.splitlines()
                   if line.split()[:1] == ["GRP"])
        assert ("Công đoàn ngành Dệt may" in grp) == bool(parent)
    # the engine reads it: GRP's CĐCS are IND's before the move only
    from congdoan.core.registry import unit_subtree

    links = store.read_table("links", city.database_url)
    links[["valid_from", "valid_to"]] = links[["valid_from", "valid_to"]].apply(pd.to_datetime)
    nesting = registry_state(city.database_url).upper_links
    assert unit_subtree(links, "IND", D(2025, 6, 30), nesting) == ["A", "B"]
    assert unit_subtree(links, "IND", D(2025, 7, 1), nesting) == []


def test_a_loop_of_upper_unions_is_refused_where_it_is_made(city: Workspace) -> None:
    before = dump(city)
    loop = fill(template(city), city.inbox / "vong.xlsx", {"CapTren": [
        {"upper_id": "IND", "parent_id": "GRP", "parent_since": D(2024, 1, 1)}]})
    result = import_units(loop, city.database_url, today=D(2026, 1, 15))
    assert result.status == "rejected" and dump(city) == before
    [problem] = [p for p in result.problems if p.severity == "error"]
    # IND's row (7: GRP, IND, XA by code) and its column 'parent_id' (F)
    assert (problem.sheet, problem.cell, problem.field) == ("CapTren", "F7", "parent_id")
    assert problem.value == "GRP → IND → GRP"
    assert "Vòng lặp cấp trên: GRP → IND → GRP (từ ngày 01/01/2024)" in problem.render()
    assert "A loop of upper unions" in problem.render("en")
    # an unknown parent is named at its cell too
    unknown = fill(template(city), city.inbox / "la.xlsx", {"CapTren": [
        {"upper_id": "XA", "parent_id": "KHONG-CO", "parent_since": D(2025, 8, 1)}]})
    result = import_units(unknown, city.database_url, today=D(2026, 1, 15))
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert (problem.cell, problem.value) == ("F8", "KHONG-CO") and dump(city) == before
    # IND cannot end while GRP is still under it: the error is at IND's end date (row 7, E)
    ended = fill(template(city), city.inbox / "giai_the.xlsx", {"CapTren": [
        {"upper_id": "IND", "valid_to": D(2024, 12, 31)}]})
    result = import_units(ended, city.database_url, today=D(2026, 1, 15))
    [problem] = [p for p in result.problems if p.severity == "error"]
    assert (problem.cell, problem.field) == ("E7", "valid_to") and dump(city) == before
    assert problem.message_vi.startswith("Công đoàn GRP trực thuộc IND ngoài thời gian tồn tại")


@pytest.mark.slow
def test_a_nested_upper_union_gets_its_own_briefing(city: Workspace) -> None:
    from congdoan.core.periods import parse_period
    from congdoan.intake.forms import bulk_form
    from congdoan.intake.ingest import ingest

    rows = pd.DataFrame([report_values(unit_id=u, name=f"Công ty {u}", workers=w, members=m)
                         for u, w, m in (("A", 200, 100), ("B", 100, 60), ("C", 50, 40))])
    path = city.inbox / "TongHop_2025-H2.xlsx"
    save_workbook(bulk_form(rows, parse_period("2025-H2")), path)
    [result] = ingest([path], city.database_url, today=D(2026, 1, 15))
    assert result.status == "accepted", [p.render() for p in result.problems]
    code = main(["-w", str(city.root), "briefings", "--period", "2025-H2", "--upper", "GRP",
                 "--upper", "IND", "--format", "html", "--workers", "0"])
    assert code == 0
    out = city.root / "output" / "briefings" / "2025-H2"
    grp = (out / "upper-GRP.html").read_text(encoding="utf-8")
    # GRP names the union above it and lists its CĐCS; IND, above GRP, lists GRP's CĐCS
    assert "Công đoàn ngành Dệt may" in grp
    ind = (out / "upper-IND.html").read_text(encoding="utf-8")
    for page in (grp, ind):
        assert "Công ty A" in page and "Công ty B" in page and "Công ty C" not in page
