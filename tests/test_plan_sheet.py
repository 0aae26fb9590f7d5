"""The plan register edited in Excel: real workbooks from the template, filled with openpyxl as
an officer would in Excel, imported into a workspace's ``params/plan.yaml``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from conftest import one_form, tiny_dataset
from congdoan.cli import main
from congdoan.core.dataset import write_dataset
from congdoan.core.plan import load_elements, load_register, register_version
from congdoan.core.workspace import Organisation, Workspace, init_workspace
from congdoan.intake.forms import save_workbook
from congdoan.intake.plan_import import import_plan_sheet
from congdoan.intake.plan_template import REVIEW_FILL, plan_workbook
from congdoan.intake.problems import load_intake_settings
from congdoan.intake.units import FIRST_ROW, KEY_ROW

ORG = Organisation(id="CD-XA-TH", name="Công đoàn xã Tân Hòa", kind="commune")
Edits = dict[tuple[str, str], Any]
"""(indicator id, or 'plan' for sheet KeHoach; field key) → the value typed in its cell."""


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return init_workspace(tmp_path / "tanhoa", ORG)


def template(ws: Workspace) -> Path:
    """The workbook as ``congdoan plan template`` writes it."""
    path = ws.root / "output" / "KeHoach.xlsx"
    save_workbook(plan_workbook(load_register(ws.params_dir), register_version(ws.params_dir),
                                ORG.name), path)
    return path


def cell_of(wb: Any, line: str, key: str) -> Any:
    """The cell of field ``key`` of ``line`` (an indicator id, or 'plan' for the identity)."""
    if line == "plan":
        sheet = wb["KeHoach"]
        row = next(r for r in range(FIRST_ROW, sheet.max_row + 1)
                   if sheet.cell(row=r, column=2).value == key)
        return sheet.cell(row=row, column=3)
    sheet = wb["ChiTieu"]
    col = next(c.column for c in sheet[KEY_ROW] if c.value == key)
    row = next(r for r in range(FIRST_ROW, sheet.max_row + 1)
               if sheet.cell(row=r, column=1).value == line)
    return sheet.cell(row=row, column=col)


def fill(source: Path, edits: Edits, header: dict[str, str] | None = None) -> Path:
    """Type ``edits`` into a copy of the workbook (``header``: key cells renamed)."""
    wb = load_workbook(source)
    for (line, key), value in edits.items():
        cell_of(wb, line, key).value = value
    for old, new in (header or {}).items():
        next(c for c in wb["ChiTieu"][KEY_ROW] if c.value == old).value = new
    target = source.with_name("KeHoach_da_sua.xlsx")
    wb.save(target)
    return target


def errors(result: Any) -> list[Any]:
    """The errors of an import (warnings about the template's own count targets aside)."""
    return [p for p in result.problems if p.severity == "error"]


def where(wb_path: Path, line: str, key: str) -> str:
    return str(cell_of(load_workbook(wb_path), line, key).coordinate)


def test_the_template_shows_shares_as_percents_with_dropdowns(ws: Workspace) -> None:
    years = load_register(ws.params_dir).milestone_years
    wb = load_workbook(template(ws))
    assert wb.sheetnames == ["KeHoach", "ChiTieu", "HuongDan"]
    share = cell_of(wb, "dialogue_nnn", "min")
    assert (share.value, share.number_format) == (0.7, "0%")
    assert cell_of(wb, "member_growth", "max").value == 700
    assert cell_of(wb, "dialogue_nnn", "keep").value == "Có"
    sheet = wb["ChiTieu"]
    rules = [dv for dv in sheet.data_validations.dataValidation]
    keep = cell_of(wb, "dialogue_nnn", "keep").coordinate
    assert any(dv.formula1 == '"Có,Không"' and keep in dv.sqref for dv in rules)
    assert any(dv.type == "decimal" and dv.formula2 == "1" and share.coordinate in dv.sqref
               for dv in rules)
    assert sheet.page_setup.orientation == "landscape" and sheet.protection.sheet
    assert cell_of(wb, "dialogue_nnn", "id").protection.locked and not share.protection.locked
    assert cell_of(wb, "dialogue_nnn", f"milestone_{years[0]}").protection.locked


def test_importing_the_template_unchanged_changes_nothing(ws: Workspace) -> None:
    plan = ws.params_dir / "plan.yaml"
    before, register = plan.read_bytes(), load_register(ws.params_dir)
    source = template(ws)
    result = import_plan_sheet(source, ws.params_dir, load_intake_settings())
    assert (errors(result), result.changes, result.written) == ([], [], False)
    # the template's count targets, kept as they are, are said at their cells
    kept = {(p.cell, p.value) for p in result.problems if p.severity == "warning"}
    growth = where(source, "member_growth", "min")
    assert growth == "I17" and (growth, "600") in kept
    assert (where(source, "new_cdcs", "min"), "13") in kept
    said = next(p for p in result.problems if p.cell == growth)
    assert said.message_vi.startswith("1.5 Tăng đoàn viên trong năm: còn là số của kế hoạch mẫu")
    assert plan.read_bytes() == before
    assert load_register(ws.params_dir) == register


def test_a_filled_sheet_changes_identity_targets_a_milestone_and_drops_a_clause(
        ws: Workspace) -> None:
    years = load_register(ws.params_dir).milestone_years
    late = years[-2]  # the milestone before the last (cba_coverage has one there)
    path = fill(template(ws), {
        ("plan", "number"): "12/KH-CĐX", ("plan", "date"): dt.datetime(2025, 9, 1),
        ("plan", "issued_by"): "Ban Chấp hành Công đoàn xã Tân Hòa",
        ("dialogue_nnn", "min"): 0.6,           # typed 60 in a cell formatted %
        ("member_growth", "min"): 40, ("member_growth", "max"): 50,
        ("cba_coverage", f"milestone_{late}"): "90 %",
        ("finance_collection", "keep"): "Không", ("finance_disclosure", "keep"): "Không",
        ("upper_audited", "keep"): "Không", ("new_cdcs", "clause"): "1.9"})
    result = import_plan_sheet(path, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written and result.layout_kept
    assert "1.1 dialogue_nnn: min 70 % → 60 %" in result.changes
    assert "1.5 member_growth: max 700 → 50" in result.changes
    warned = [p.message_vi for p in result.problems if p.severity == "warning"]
    assert warned and not [w for w in warned if w.startswith("1.5 Tăng đoàn viên")]  # set now
    register = load_register(ws.params_dir)
    assert register.plan.citation() == ("Kế hoạch số 12/KH-CĐX ngày 01/09/2025 của Ban Chấp "
                                        "hành Công đoàn xã Tân Hòa")
    assert register.get("dialogue_nnn").target.min == 0.6  # type: ignore[union-attr]
    growth = register.get("member_growth").target
    assert growth is not None and (growth.min, growth.max) == (40, 50)
    coverage = register.get("cba_coverage").milestones
    assert coverage is not None and coverage[late].value == 0.9 and coverage[late].strict
    assert register.plan.clauses[:9] == ("1.1", "1.2", "1.3", "1.4", "1.5", "1.6", "1.7", "1.9",
                                         "2.1")  # 1.8 left with its lines, 1.9 came in order
    assert register.get("new_cdcs").clause == "1.9"
    assert not {"finance_collection", "finance_disclosure", "upper_audited"} & {
        i.id for i in register.indicators}
    text = (ws.params_dir / "plan.yaml").read_text(encoding="utf-8")
    assert "# Fields of each indicator" in text and "target: {min: 0.6}" in text


def test_strictly_above_on_a_milestone_line_applies_to_its_milestones(ws: Workspace) -> None:
    """cba_coverage reads "trên 85% (2030)": its sheet line shows "Trên" Có; a plan that says
    "85% (2030)" clears it, for each milestone of the line."""
    register = load_register(ws.params_dir)
    marks = register.get("cba_coverage").milestones
    assert marks is not None and any(m.strict for m in marks.values())
    wb = load_workbook(template(ws))
    assert cell_of(wb, "cba_coverage", "strict").value == "Có"
    result = import_plan_sheet(fill(template(ws), {("cba_coverage", "strict"): "Không"}),
                               ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written
    marks = load_register(ws.params_dir).get("cba_coverage").milestones
    assert marks is not None and not any(m.strict for m in marks.values())
    assert [y for y, m in marks.items()] == sorted(marks)  # every milestone kept


def test_questions_the_engine_reads_stay_when_their_clauses_are_renumbered(
        ws: Workspace) -> None:
    """The officer trial's ward moved member growth to its own clause 2.1 and the CĐCS ratings
    to 2.2: clauses 1.5 and 1.7 were left without lines, and the import took out their
    questions (members admitted and left, the rating), which those lines and the engine still
    read: every later command failed. Now only questions nothing reads go."""
    path = fill(template(ws), {
        ("member_growth", "clause"): "2.1", ("new_cdcs", "clause"): "2.1",
        ("rated_good_state", "clause"): "2.2", ("rated_good_nonstate", "clause"): "2.2",
        ("district_rating", "keep"): "Không", ("party_introductions", "keep"): "Không"})
    result = import_plan_sheet(path, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written
    names = set(load_elements(ws.params_dir).by_name())
    assert {"members_admitted", "members_left", "rating", "members"} <= names
    assert "party_introduced" not in names  # its only line dropped: the question goes
    assert [q.split(":")[0] for q in result.removed_questions] == ["party_introduced"]
    data = ws.root / "data"
    write_dataset(tiny_dataset(reports=[{"unit_id": "A", "period": "2025-H2",
                                         "submitted_on": "2025-12-05", "members": 30,
                                         "members_admitted": 3, "members_left": 1}]), data)
    assert main(["-w", str(ws.root), "indicators", "--period", "2025", "--data", str(data),
                 "--out", str(ws.root / "output" / "ind.csv")]) == 0


def test_a_data_elements_file_without_a_question_the_engine_reads_is_refused_by_name(
        ws: Workspace) -> None:
    from congdoan.exceptions import ConfigError

    path = ws.params_dir / "data_elements.yaml"
    text = path.read_text(encoding="utf-8")
    start = text.index("  - {name: members_admitted")
    end = text.index("  - {name: members_left")
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_register(ws.params_dir)
    assert caught.value.value == ["members_admitted"]
    assert "khôi phục" in caught.value.message_vi


def test_milestones_not_after_a_new_baseline_year_are_said_at_their_cells(
        ws: Workspace) -> None:
    """A union whose plan starts in 2025 sets the baseline year; the template's 2023 and 2025
    milestones it leaves cannot be followed: a warning at each, the plan still written."""
    path = fill(template(ws), {("plan", "baseline_year"): 2025})
    result = import_plan_sheet(path, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written
    early = [p for p in result.problems if "không sau năm gốc" in p.message_vi]
    register = load_register(ws.params_dir)
    expected = {(i.id, y) for i in register.indicators if i.kind == "milestone"
                for y in (i.milestones or {}) if y <= 2025}
    assert len(early) == len(expected) > 0
    assert {p.field for p in early} <= {"milestone_2023", "milestone_2025"}
    said = early[0]
    assert said.severity == "warning" and "không sau năm gốc 2025" in said.message_vi
    assert said.cell is not None and said.sheet == "ChiTieu"


@pytest.mark.parametrize(("line", "key", "typed", "header", "said"), [
    ("dialogue_nnn", "min", "bảy mươi", None, "không phải là số"),
    ("dialogue_nnn", "min", 1.5, None, "'150 %'"),
    ("member_growth", "max", 500, None, "tối đa nhỏ hơn mức tối thiểu"),
    ("dialogue_nnn", "milestone_{late}", 0.5, None, "không áp dụng"),
    ("total_members", "milestone_{first}", None, None, "cần ít nhất một mốc"),
    ("dialogue_nnn", "milestone_{late}", None, {"milestone_{late}": "milestone_2099"},
     "'milestone_2099'"),
])
def test_a_bad_cell_is_refused_at_its_cell_and_nothing_changes(
        ws: Workspace, line: str, key: str, typed: Any, header: dict[str, str] | None,
        said: str) -> None:
    years = load_register(ws.params_dir).milestone_years
    key = key.format(late=years[-2], first=years[0])
    header = {k.format(late=years[-2]): v for k, v in (header or {}).items()}
    plan = ws.params_dir / "plan.yaml"
    before = plan.read_bytes()
    source = template(ws)
    expected_cell = where(source, line, key)
    if header:  # the renamed key cell itself
        expected_cell = expected_cell.rstrip("0123456789") + str(KEY_ROW)
    edits = {("dialogue_nnn", "min"): 0.6, **({} if header else {(line, key): typed})}
    result = import_plan_sheet(fill(source, edits, header), ws.params_dir,
                               load_intake_settings())
    assert not result.written and plan.read_bytes() == before
    located = [p for p in result.problems if p.cell == expected_cell and p.sheet == "ChiTieu"]
    assert located, [p.render() for p in result.problems]
    assert said in located[0].render("vi")


def test_plan_template_and_import_on_the_command_line(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-w", str(ws.root), "plan", "template"]) == 0
    written = ws.root / "output" / "KeHoach.xlsx"
    bad = fill(written, {("dialogue_nnn", "min"): "150 %"})
    assert main(["-w", str(ws.root), "plan", "import", str(bad)]) == 1
    out = capsys.readouterr().out
    assert f"ô {where(written, 'dialogue_nnn', 'min')}" in out and "Không sửa gì" in out
    good = fill(written, {("dialogue_nnn", "min"): "60%"})
    assert main(["-w", str(ws.root), "plan", "import", str(good), "--details"]) == 0
    out = capsys.readouterr().out
    assert "1.1 dialogue_nnn: min 70 % → 60 %" in out
    assert "Đã nhập kế hoạch: " in out
    assert load_register(ws.params_dir).get("dialogue_nnn").target.min == 0.6  # type: ignore[union-attr]
    plan = (ws.params_dir / "plan.yaml").read_bytes()
    assert main(["-w", str(ws.root), "plan", "import", str(good)]) == 0  # the same file: done
    assert "Tệp này đã được nhập" in capsys.readouterr().out
    other = fill(written, {("dialogue_nnn", "min"): "65%"})  # another edit of the old workbook
    assert main(["-w", str(ws.root), "plan", "import", str(other)]) == 1  # made from the old plan
    out = capsys.readouterr().out
    assert "phiên bản khác" in out and "[LỖI]" in out and out.count("[LỖI]") == 1  # said alone
    assert (ws.params_dir / "plan.yaml").read_bytes() == plan


def test_a_workbook_past_the_intake_limits_or_not_a_workbook_changes_nothing(
        ws: Workspace) -> None:
    plan = ws.params_dir / "plan.yaml"
    before = plan.read_bytes()
    few_cells = load_intake_settings().model_copy(update={"max_cells": 50})
    result = import_plan_sheet(template(ws), ws.params_dir, few_cells)
    assert not result.written and "max_cells = 50" in result.problems[0].render("vi")
    renamed = ws.root / "output" / "KeHoach_cu.xlsx"
    renamed.write_bytes(b"not a workbook at all")
    result = import_plan_sheet(renamed, ws.params_dir, load_intake_settings())
    assert not result.written and "không đọc được" in result.problems[0].render("vi")
    assert plan.read_bytes() == before


def test_milestones_are_removed_and_added_in_a_new_year_column(ws: Workspace) -> None:
    # a union whose plan has milestones in 2028: the year first, then a new template
    first = fill(template(ws), {("plan", "milestone_years"): "2028, 2030",
                                ("cba_coverage", "milestone_2023"): None})
    result = import_plan_sheet(first, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written and result.layout_kept
    assert "plan.milestone_years: 2023, 2025, 2030, 2045 → 2028, 2030" in result.changes
    register = load_register(ws.params_dir)
    assert register.plan.milestone_years == (2028, 2030)
    assert sorted(register.get("cba_coverage").milestones or {}) == [2025, 2030, 2045]
    again = template(ws)
    assert cell_of(load_workbook(again), "plan", "milestone_years").value == (
        "2023, 2025, 2028, 2030, 2045")
    result = import_plan_sheet(fill(again, {
        ("total_members", "milestone_2023"): None, ("total_members", "milestone_2028"): 2400,
        ("legal_representation", "milestone_2028"): "75%"}), ws.params_dir,
        load_intake_settings())
    assert errors(result) == [] and result.written and result.layout_kept
    register = load_register(ws.params_dir)
    members = register.get("total_members").milestones or {}
    assert list(members) == [2028]  # the 2023 (demo) milestone gone, "khoảng" kept
    assert (members[2028].value, members[2028].about, members[2028].clause) == (2400, True, "2.1")
    legal = register.get("legal_representation").milestones or {}
    assert list(legal) == [2023, 2025, 2028, 2030, 2045]
    assert (legal[2028].value, legal[2028].clause, legal[2028].about) == (0.75, "2.2", False)
    text = (ws.params_dir / "plan.yaml").read_text(encoding="utf-8")
    assert "# Fields of each indicator" in text and "  milestone_years: [2028, 2030]\n" in text


def test_a_milestone_year_before_the_baseline_is_refused_at_its_cell(ws: Workspace) -> None:
    plan = ws.params_dir / "plan.yaml"
    before = plan.read_bytes()
    source = template(ws)
    result = import_plan_sheet(fill(source, {("plan", "milestone_years"): "2021, 2030"}),
                               ws.params_dir, load_intake_settings())
    assert not result.written and plan.read_bytes() == before
    assert [(p.sheet, p.cell) for p in result.problems] == [
        ("KeHoach", where(source, "plan", "milestone_years"))]
    assert "sau năm gốc (2021)" in result.problems[0].render("vi")


def test_a_later_milestone_below_an_earlier_one_is_a_warning(
        ws: Workspace, capsys: pytest.CaptureFixture[str]) -> None:
    source = template(ws)
    lowered = fill(source, {("cba_coverage", "milestone_2030"): "55 %"})
    assert main(["-w", str(ws.root), "plan", "import", str(lowered)]) == 0
    out = capsys.readouterr().out
    cell = where(source, "cba_coverage", "milestone_2030")
    assert f"ô {cell}" in out and "Mốc năm 2030 (55 %) thấp hơn mốc năm 2025 (80 %)" in out
    assert (load_register(ws.params_dir).get("cba_coverage").milestones or {})[2030].value == 0.55


FINANCE = ["wage_fund_vnd", "member_wages_vnd", "finance_disclosed"]
"""The report questions that only serve clause 1.8 (finance) of the sample plan (the budget and
the amount collected also serve the milestone line finance_collection_milestone, of 2.1)."""
DROP_FINANCE = {("finance_collection", "keep"): "Không", ("finance_disclosure", "keep"): "Không",
                ("upper_audited", "keep"): "Không"}


def test_dropping_a_clause_removes_its_report_questions(
        ws: Workspace, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    elements = ws.params_dir / "data_elements.yaml"
    before = elements.read_text(encoding="utf-8").splitlines()
    path = fill(template(ws), DROP_FINANCE)
    assert main(["-w", str(ws.root), "plan", "import", str(path), "--details"]) == 0
    out = capsys.readouterr().out
    assert "finance_disclosed: Thực hiện công khai tài chính theo quy định" in out
    after = elements.read_text(encoding="utf-8").splitlines()
    gone = [line for line in before if line not in after]
    assert len(gone) == 6 and all(line in before for line in after)  # 2 lines per element
    assert sum(f"name: {n}," in line for n in FINANCE for line in gone) == 3
    names = {e.name for e in load_elements(ws.params_dir).elements}
    assert not names & set(FINANCE) and {"members", "finance_budget_vnd"} <= names
    write_dataset(tiny_dataset(units=[{"unit_id": "A", "name": "Công ty A", "sector": "NNN",
                                       "commune_id": "C1", "founded": "2015-01-01"}]),
                  tmp_path / "data")
    assert main(["-w", str(ws.root), "template", "--period", "2026-H2", "--data",
                 str(tmp_path / "data"), "--out", str(tmp_path / "forms")]) == 0
    form = load_workbook(one_form(tmp_path / "forms" / "2026-H2"))
    asked = " ".join(str(c.value) for sheet in form for row in sheet.iter_rows() for c in row
                     if c.value is not None)
    assert "1.7" in asked and "Dự toán thu, nộp tài chính công đoàn" in asked
    assert "1.8" not in asked and "công khai tài chính" not in asked


def test_a_failed_import_changes_neither_file(ws: Workspace) -> None:
    first = fill(template(ws), {("plan", "milestone_years"): "2028, 2030"})
    assert import_plan_sheet(first, ws.params_dir, load_intake_settings()).written
    files = [ws.params_dir / "plan.yaml", ws.params_dir / "data_elements.yaml"]
    before = [f.read_bytes() for f in files]
    # a baseline after the plan's milestone year 2028, with clause 1.8 dropped: the plan as
    # edited fails its own check, so neither file changes
    path = fill(template(ws), {("plan", "baseline_year"): 2029, **DROP_FINANCE})
    result = import_plan_sheet(path, ws.params_dir, load_intake_settings())
    assert not result.written and "không hợp lệ" in result.problems[-1].render("vi")
    assert "milestone_years" in result.problems[-1].render("en")
    assert [f.read_bytes() for f in files] == before


def test_the_template_plan_marks_its_count_targets_for_review(ws: Workspace) -> None:
    wb = load_workbook(template(ws))
    members = cell_of(wb, "total_members", "milestone_2023")
    assert members.fill.fgColor.rgb.endswith(REVIEW_FILL.fgColor.rgb[-6:])
    assert not cell_of(wb, "dialogue_nnn", "min").fill.fgColor.rgb.endswith("F8CBAD")
    assert "Ô màu cam" in " ".join(str(c.value) for c in wb["HuongDan"]["A"])


def fill_new(source: Path, rows: list[dict[str, Any]], edits: Edits | None = None) -> Path:
    """Type ``rows`` (field key → value) into the rows for new lines, and ``edits``."""
    from congdoan.intake.plan_sheet import NEW_MARK

    path = fill(source, edits or {})
    wb = load_workbook(path)
    sheet = wb["ChiTieu"]
    cols = {c.value: c.column for c in sheet[KEY_ROW]}
    free = [r for r in range(FIRST_ROW, sheet.max_row + 1)
            if sheet.cell(row=r, column=1).value == NEW_MARK]
    for row, values in zip(free, rows, strict=False):
        for key, value in values.items():
            sheet.cell(row=row, column=cols[key]).value = value
    wb.save(path)
    return path


def test_new_lines_copy_the_way_of_computing_of_the_line_they_name(ws: Workspace) -> None:
    # a ward plan: one figure for all enterprises' workers' conferences (instead of DNNN and
    # NNN lines), an annual target for collective agreements (a milestone line in the template)
    # and a 2030 milestone for the officials' conference (an annual line)
    source = template(ws)
    wb = load_workbook(source)
    assert wb["ChiTieu"].cell(row=FIRST_ROW + len(load_register(ws.params_dir).indicators),
                              column=1).value == "(dòng mới)"
    filled = fill_new(source, [
        {"based_on": "workers_conference_dnnn", "clause": "1.2",
         "name_vi": "Doanh nghiệp tổ chức hội nghị người lao động",
         "population": "Doanh nghiệp (DNNN + NNN)", "min": "75"},
        {"based_on": "cba_coverage", "clause": "1.4", "name_vi": "DN ký kết TƯLĐTT",
         "wording_vi": "Phấn đấu 55% doanh nghiệp có tổ chức công đoàn ký kết TƯLĐTT",
         "min": "55%"},
        {"based_on": "officials_conference_hcsn", "clause": "2.1",
         "name_vi": "Cơ quan, đơn vị tổ chức hội nghị CBCCVC (mốc)", "milestone_2030": "100"},
    ], {("workers_conference_dnnn", "keep"): "Không", ("workers_conference_nnn", "keep"): "Không"})
    result = import_plan_sheet(filled, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written and result.layout_kept
    assert "1.2 workers_conference_dnnn_2: thêm dòng / line added (như / as " \
           "workers_conference_dnnn; chỉ tiêu năm / annual 75 %)" in result.changes
    assert "plan.clauses: thêm điều / clause added 1.2" not in result.changes  # 1.2 was there
    register = load_register(ws.params_dir)
    conference = register.get("workers_conference_dnnn_2")
    assert (conference.kind, conference.population, conference.numerator,
            conference.denominator, conference.level) == (
        "annual", "enterprise", "workers_conference_held", "units", "cdcs")
    assert conference.target is not None and conference.target.min == 0.75
    cba = register.get("cba_coverage_2")
    assert (cba.kind, cba.clause, cba.clauses, cba.population, cba.wording_vi) == (
        "annual", "1.4", None, "enterprise",
        "Phấn đấu 55% doanh nghiệp có tổ chức công đoàn ký kết TƯLĐTT")
    officials = register.get("officials_conference_hcsn_2")
    assert officials.kind == "milestone" and officials.target is None
    assert {y: (m.value, m.clause) for y, m in (officials.milestones or {}).items()} == {
        2030: (1.0, "2.1")}
    assert officials.wording_vi == officials.name_vi  # no words typed: the name
    ids = [i.id for i in register.indicators]
    assert "workers_conference_dnnn" not in ids and "workers_conference_nnn" not in ids
    assert ids.index("cba_coverage_2") < ids.index("cba_coverage")  # in clause order
    assert "# Fields of each indicator" in (ws.params_dir / "plan.yaml").read_text("utf-8")
    # the question stays: the new line reads it
    assert "workers_conference_held" in load_elements(ws.params_dir).by_name()
    # judged as the plan says: B held its conference, C did not; A is not an enterprise
    from congdoan.core.indicators import compute_indicators

    data = tiny_dataset(reports=[
        {"unit_id": u, "period": f"2024-{half}", "submitted_on": f"2024-{day}", "members": 20,
         "workers": 25, "workers_conference_held": int(held and half == "H2")}
        for u, held in (("A", True), ("B", True), ("C", False))
        for half, day in (("H1", "06-05"), ("H2", "12-05"))])
    table = compute_indicators(data, "2024", register=register,
                               indicator_ids=["workers_conference_dnnn_2"], levels=["organisation"])
    row = table.iloc[0]
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 0.5)
    # the next template shows the new lines as lines, with their ids
    again = load_workbook(template(ws))
    assert cell_of(again, "cba_coverage_2", "min").value == 0.55
    assert cell_of(again, "workers_conference_dnnn_2", "population").value == (
        "Doanh nghiệp (DNNN + NNN)")


@pytest.mark.parametrize(("row", "key", "said"), [
    ({"clause": "1.4", "name_vi": "X", "min": "50"}, "based_on", "Như chỉ tiêu"),
    ({"based_on": "nope", "clause": "1.4", "name_vi": "X", "min": "50"}, "based_on",
     "Như chỉ tiêu"),
    ({"based_on": "cba_coverage", "clause": "1.4", "name_vi": "X"}, "min",
     "chỉ tiêu năm (cột 'từ') hoặc các mốc"),
    ({"based_on": "cba_coverage", "clause": "1.4", "name_vi": "X", "min": "50",
      "milestone_2030": "60"}, "min", "chỉ một trong hai"),
    ({"based_on": "cba_coverage", "name_vi": "X", "min": "50"}, "clause", "Thiếu 'Điều khoản'"),
    ({"based_on": "cba_coverage", "clause": "1.4", "name_vi": "X", "min": "150"}, "min",
     "0 % đến 100 %"),
    ({"based_on": "upper_audited", "clause": "1.8", "name_vi": "X", "min": "50",
      "population": "HCSN"}, "population", "không tính theo CĐCS"),
    ({"based_on": "cba_coverage", "clause": "1.4", "name_vi": "X", "min": "50",
      "population": "Hợp tác xã"}, "population", "khu vực lạ"),
])
def test_a_wrong_new_line_is_refused_at_its_cell(ws: Workspace, row: dict[str, Any], key: str,
                                                 said: str) -> None:
    plan = ws.params_dir / "plan.yaml"
    before = plan.read_bytes()
    source = template(ws)
    result = import_plan_sheet(fill_new(source, [row]), ws.params_dir, load_intake_settings())
    assert not result.written and plan.read_bytes() == before
    wb = load_workbook(source)
    sheet = wb["ChiTieu"]
    col = next(c.column_letter for c in sheet[KEY_ROW] if c.value == key)
    cell = f"{col}{FIRST_ROW + len(load_register(ws.params_dir).indicators)}"
    located = [p for p in errors(result) if p.cell == cell]
    assert located, [p.render() for p in result.problems]
    assert said in located[0].render("vi")


def test_a_change_is_read_gross_or_net_as_the_sheet_says(ws: Workspace) -> None:
    source = template(ws)
    assert cell_of(load_workbook(source), "member_growth", "reading").value == "thuần"
    refused = import_plan_sheet(fill(source, {("dialogue_nnn", "reading"): "gộp"}),
                                ws.params_dir, load_intake_settings())
    assert not refused.written and errors(refused)[0].cell == where(source, "dialogue_nnn",
                                                                      "reading")
    result = import_plan_sheet(fill(source, {("member_growth", "reading"): "gộp"}),
                               ws.params_dir, load_intake_settings())
    assert errors(result) == [] and "1.5 member_growth: reading thuần → gộp" in result.changes
    assert load_register(ws.params_dir).get("member_growth").reading == "gross"


def test_a_lines_population_can_be_chosen_where_it_counts_cdcs(ws: Workspace) -> None:
    source = template(ws)
    wb = load_workbook(source)
    audited = cell_of(wb, "upper_audited", "population")
    assert audited.protection.locked and audited.value == "Công đoàn cấp trên trực tiếp"
    result = import_plan_sheet(fill(source, {("dialogue_nnn", "population"): "Tất cả CĐCS"}),
                               ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written
    assert "1.1 dialogue_nnn: population Ngoài nhà nước → Tất cả CĐCS" in result.changes
    assert load_register(ws.params_dir).get("dialogue_nnn").population == "all"


def test_a_dropped_lines_own_question_goes_and_a_renumbered_lines_follows_it(
        ws: Workspace, tmp_path: Path) -> None:
    # clause 1.8 keeps other lines: the disclosure line's own question goes all the same; the
    # rating lines, renumbered 2.2 as a ward's plan numbers them, take their question along
    path = fill(template(ws), {("finance_disclosure", "keep"): "Không",
                               ("hardship_visited", "keep"): "Không",
                               ("rated_good_state", "clause"): "2.2",
                               ("rated_good_nonstate", "clause"): "2.2"})
    result = import_plan_sheet(path, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written
    assert [q.split(":")[0] for q in result.removed_questions] == [
        "members_in_hardship", "members_hardship_visited", "finance_disclosed"]
    assert "1.8" in load_register(ws.params_dir).plan.clauses
    write_dataset(tiny_dataset(units=[{"unit_id": "A", "name": "Công ty A", "sector": "NNN",
                                       "commune_id": "C1", "founded": "2015-01-01"}]),
                  tmp_path / "data")
    assert main(["-w", str(ws.root), "template", "--period", "2026-H2", "--data",
                 str(tmp_path / "data"), "--out", str(tmp_path / "forms")]) == 0
    form = load_workbook(one_form(tmp_path / "forms" / "2026-H2"))["BaoCao"]
    rows = {r[1].value: r for r in form.iter_rows() if len(r) > 4}
    assert "finance_disclosed" not in rows
    assert rows["rating"][4].value == "2.2"
    # the instructions no longer ask to check hardship visits against hardship cases
    guide = load_workbook(one_form(tmp_path / "forms" / "2026-H2"))["HuongDan"]
    text = " ".join(str(c.value) for row in guide.iter_rows() for c in row if c.value)
    assert "Số đoàn viên công đoàn ≤ Tổng số" in text and "thăm hỏi" not in text


def test_programmes_are_dropped_renamed_and_added_in_their_sheet(
        ws: Workspace, tmp_path: Path) -> None:
    from congdoan.intake.plan_programmes import PROGRAMMES_SHEET

    source = ws.root / "output" / "KeHoach_ct.xlsx"
    activities = load_elements(ws.params_dir).activities
    save_workbook(plan_workbook(load_register(ws.params_dir), register_version(ws.params_dir),
                                ORG.name, activities=activities), source)
    wb = load_workbook(source)
    sheet = wb[PROGRAMMES_SHEET]
    rows = {sheet.cell(row=r, column=1).value: r for r in range(FIRST_ROW, sheet.max_row + 1)}
    assert len(rows) == len(activities) + 1 and "(dòng mới)" in rows  # 5 new rows, one key
    sheet.cell(row=rows["xe_dua_cong_nhan"], column=4).value = "Không"
    sheet.cell(row=rows["tet_sum_vay"], column=2).value = "Tết Sum vầy phường"
    free = rows["(dòng mới)"]
    sheet.cell(row=free, column=2).value = "Chợ Tết công nhân"
    sheet.cell(row=free, column=3).value = "III.2"
    sheet.cell(row=free + 1, column=2).value = "Thiếu điều khoản"
    wb.save(source)
    elements = ws.params_dir / "data_elements.yaml"
    before = elements.read_bytes()
    refused = import_plan_sheet(source, ws.params_dir, load_intake_settings())
    assert not refused.written and elements.read_bytes() == before
    assert any(p.sheet == PROGRAMMES_SHEET and p.cell == f"C{free + 1}" for p in refused.problems)
    sheet.cell(row=free + 1, column=2).value = None
    wb.save(source)
    result = import_plan_sheet(source, ws.params_dir, load_intake_settings())
    assert errors(result) == [] and result.written and result.layout_kept
    assert "III.4.5 xe_dua_cong_nhan: bỏ chương trình / programme dropped" in result.changes
    assert "III.2 cho_tet_cong_nhan: thêm chương trình / programme added (Chợ Tết công nhân)" \
        in result.changes
    got = {a.name: a for a in load_elements(ws.params_dir).activities}
    assert "xe_dua_cong_nhan" not in got and got["tet_sum_vay"].label_vi == "Tết Sum vầy phường"
    assert (got["cho_tet_cong_nhan"].clause, list(got)[-1]) == ("III.2", "cho_tet_cong_nhan")
    assert "# " in elements.read_text(encoding="utf-8")  # its comments kept
    # the forms ask about the programmes as they now are
    write_dataset(tiny_dataset(), tmp_path / "data")
    assert main(["-w", str(ws.root), "template", "--period", "2026-H2", "--data",
                 str(tmp_path / "data"), "--out", str(tmp_path / "forms")]) == 0
    form = load_workbook(one_form(tmp_path / "forms" / "2026-H2"))["BaoCao"]
    asked = {str(c.value) for row in form.iter_rows() for c in row if c.value}
    assert "Chợ Tết công nhân" in asked and "Xe đưa công nhân về quê đón Tết" not in asked
