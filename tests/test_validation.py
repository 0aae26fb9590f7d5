"""Validation rules, pure: hand-built raw reports in, problems out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
import pytest

from congdoan.core.plan import load_elements, register_version
from congdoan.intake.cells import Cell, ParsedFile, RawReport, _Collector, convert
from congdoan.intake.problems import Problem, load_intake_settings, safe_text
from congdoan.intake.validation import (
    Context,
    form_version,
    modified_z,
    validate_reports,
    validate_submission,
)

SETTINGS = load_intake_settings()
ELEMENTS = load_elements().by_name()
UNITS = pd.DataFrame({
    "unit_id": ["A"], "name": ["Trường Mầm non A"],
    "founded": pd.to_datetime(["2015-01-01"]), "dissolved": pd.to_datetime([None]),
})


def report(period: str = "2023-H1", **values: Any) -> RawReport:
    base: dict[str, Any] = {e.name: {"int": 5, "vnd": 10**9, "bool": 1}.get(e.kind)
                            for e in ELEMENTS.values()}
    base.update(workers=40, members=30, women_members=12)
    base.update(values)
    cells = {name: Cell(v, sheet="S", ref=f"F{i}") for i, (name, v) in enumerate(base.items(), 16)}
    return RawReport(unit_id=Cell("A", sheet="S", ref="C5"), period=Cell(period, ref="C9"),
                     values=cells)


def check(*reports: RawReport, history: pd.DataFrame | None = None,
          version: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    parsed = ParsedFile(name="f.xlsx", layout="form", reports=list(reports),
                        form_version=Cell(version or form_version(SETTINGS), ref="C4"))
    ctx = Context(units=UNITS, today=dt.date(2024, 1, 15), settings=SETTINGS, history=history)
    return validate_reports(parsed, ctx)


def test_modified_z_hand_worked() -> None:
    # median 11, absolute deviations 1,1,0,2,2 → MAD 1; z(20) = 0.6745 × 9 / 1
    assert modified_z(20, pd.Series([10, 12, 11, 13, 9]).to_numpy(float)) == pytest.approx(6.0705)
    assert modified_z(20, pd.Series([7, 7, 7, 7]).to_numpy(float)) is None


def history(workers: list[int]) -> pd.DataFrame:
    periods = ["2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1"][: len(workers)]
    return pd.DataFrame({"unit_id": "A", "period": periods, "workers": workers,
                         "members": [30] * len(workers)})


def test_outlier_is_a_warning_not_an_error() -> None:
    rows, problems = check(report("2023-H2", workers=80), history=history([40, 42, 41, 43, 39]))
    assert len(rows) == 1 and rows.loc[0, "workers"] == 80
    (warning,) = problems
    assert warning.severity == "warning" and warning.field == "workers" and warning.cell == "F16"
    assert "trung vị 41" in warning.message_vi and "z cải biên 26.3" in warning.message_vi


def test_small_moves_and_short_histories_are_not_outliers() -> None:
    assert check(report("2023-H2", workers=44), history=history([40, 42, 41, 43, 39]))[1] == []
    assert check(report("2023-H2", workers=400), history=history([40, 42, 41]))[1] == []


def test_clean_report_converts_every_kind() -> None:
    rows, problems = check(report("2023-H2", dialogue_held="Không", rating="hoàn thành tốt nhiệm vụ",
                                  cba_signed="Có", cba_grade="b", workers="1 234"))
    assert [p.severity for p in problems] == ["warning"]  # number typed as text
    row = rows.iloc[0]
    assert (row["dialogue_held"], row["rating"], row["cba_signed"], row["cba_grade"]) == (
        0, "tot", 1, "B")
    assert row["workers"] == 1234 and row["submitted_on"] == dt.date(2024, 1, 15)


@pytest.mark.parametrize("values, field, fragment", [
    ({"women_members": 31}, "women_members", "(31) không được lớn hơn 'Số đoàn viên công đoàn' (30)"),
    ({"members": 41, "women_members": 1}, "members", "(41) không được lớn hơn"),
    ({"members_upskilled": 31}, "members_upskilled", "(31)"),
    ({"members_hardship_visited": 6}, "members_hardship_visited", "(6)"),
    ({"legal_cases_represented": 6}, "legal_cases_represented", "(6)"),
    # every reported numerator of a share is at most its denominator
    ({"people_informed": 41}, "people_informed", "(41) không được lớn hơn 'Tổng số công nhân"),
    ({"people_culture_sport": 41}, "people_culture_sport", "(41)"),
    ({"members_partner_benefits": 31}, "members_partner_benefits", "(31)"),
    ({"womens_committee_eligible": 0}, "womens_committee", "'Đủ điều kiện thành lập"),
    ({"cba_signed": 0, "cba_grade": "A"}, "cba_grade", "dòng thỏa ước ghi Có"),
])
def test_each_cross_field_rule(values: dict[str, Any], field: str, fragment: str) -> None:
    _, problems = check(report(**values))
    (problem,) = problems
    assert problem.severity == "error" and problem.field == field
    assert fragment in problem.message_vi


def test_form_version_and_duplicates() -> None:
    _, problems = check(report(), report(), version="1.0")
    assert [(p.field, p.cell) for p in problems] == [("form_version", "C4"), ("unit_id", "C5")]
    assert problems[0].value == "1.0" and problems[0].expected == form_version(SETTINGS)


def _other_register(fields: list[str]) -> tuple[pd.DataFrame, list[Problem]]:
    """A form made under another register version, listing ``fields``."""
    parsed = ParsedFile(name="f.xlsx", layout="form", reports=[report()],
                        form_version=Cell(f"{SETTINGS.form_version}+0123456789ab", ref="C4"),
                        fields=fields)
    ctx = Context(units=UNITS, today=dt.date(2024, 1, 15), settings=SETTINGS)
    return validate_reports(parsed, ctx)


def test_a_form_of_another_register_says_which_fields_differ() -> None:
    names = [e.name for e in load_elements().elements]
    _, problems = _other_register([*names[1:], "old_field"])
    (problem,) = [p for p in problems if p.field == "form_version"]
    assert problem.severity == "error" and problem.cell == "C4"
    assert f"thêm trường {names[0]}" in problem.message_vi
    assert "bỏ trường old_field" in problem.message_vi
    assert "0123456789ab" in problem.message_vi and register_version() in problem.message_vi
    assert f"fields added: {names[0]}" in problem.message_en


def test_a_form_of_another_register_with_the_same_fields_is_accepted_with_a_warning() -> None:
    rows, problems = _other_register([e.name for e in load_elements().elements])
    (problem,) = [p for p in problems if p.field == "form_version"]
    assert problem.severity == "warning" and "không đổi" in problem.message_vi
    assert not [p for p in problems if p.severity == "error"] and len(rows) == 1


def test_render_vi_and_en() -> None:
    problem = Problem(file="a.xlsx", sheet="BaoCao", cell="F17", field="members", value="x",
                      expected="số nguyên", message_vi="Phải là số.", message_en="Must be a number.")
    assert problem.render("vi") == ("[LỖI] tệp 'a.xlsx', trang 'BaoCao', ô F17, trường 'members': "
                                    "Phải là số; giá trị 'x'; cần số nguyên")
    assert problem.render("en").startswith("[ERROR] file 'a.xlsx', sheet 'BaoCao', cell F17")


def test_safe_text_for_spreadsheets() -> None:
    assert [safe_text(v) for v in ("=1+2", "+84", "-5", "@SUM(A1)", "Hà Nội", 5)] == [
        "'=1+2", "'+84", "'-5", "'@SUM(A1)", "Hà Nội", 5]


def test_text_cells_from_csv_are_read_without_warning() -> None:
    out = _Collector("f.csv")
    assert convert(ELEMENTS["workers"], Cell("40", row=2, from_text_file=True), out, SETTINGS) == 40
    assert out.problems == []
    assert convert(ELEMENTS["workers"], Cell(True, row=2), out, SETTINGS) is None
    assert out.problems[0].row == 2 and "phải là số" in out.problems[0].message_vi


def test_a_year_report_counting_fewer_people_than_its_first_half_is_warned() -> None:
    past = pd.DataFrame({"unit_id": "A", "period": ["2023-H1"], "workers": [40], "members": [30],
                         "people_informed": [20]})
    rows, problems = check(report("2023-H2", people_informed=15), history=past)
    (warning,) = problems
    assert warning.severity == "warning" and warning.field == "people_informed"
    assert "nhỏ hơn số đã báo cáo 6 tháng đầu năm (20)" in warning.message_vi
    assert len(rows) == 1  # accepted: a warning, not an error
    assert check(report("2023-H2", people_informed=25), history=past)[1] == []


def test_section_iii_activities_are_whole_numbers_and_need_an_activity_held() -> None:
    cells = {"tet_sum_vay.events": Cell(2, sheet="S", ref="E46"),
             "tet_sum_vay.participants": Cell(30, sheet="S", ref="F46"),
             "tet_sum_vay.support_vnd": Cell("1500000", sheet="S", ref="G46"),
             "thang_cong_nhan.events": Cell(None, sheet="S", ref="E49"),
             "thang_cong_nhan.participants": Cell(5, sheet="S", ref="F49"),
             "sang_kien.events": Cell("ba", sheet="S", ref="E52"),
             "thi_tho_gioi.events": Cell(-1, sheet="S", ref="E51")}
    raw = report()
    raw.activities = cells
    parsed = ParsedFile(name="f.xlsx", layout="form", reports=[raw],
                        form_version=Cell(form_version(SETTINGS), ref="C4"))
    ctx = Context(units=UNITS, today=dt.date(2024, 1, 15), settings=SETTINGS)
    found = validate_submission(parsed, ctx)
    errors = {p.cell: p for p in found.problems if p.severity == "error"}
    assert set(errors) == {"E49", "E52", "E51"}
    assert "số hoạt động bằng 0" in errors["E49"].message_vi
    assert errors["E49"].field == "thang_cong_nhan.events"
    assert "Tháng Công nhân" in errors["E49"].message_vi
    assert errors["E52"].field == "sang_kien.events" and errors["E52"].value == "ba"
    assert found.activities is not None
    assert found.activities.to_dict("records") == [
        {"unit_id": "A", "period": "2023-H1", "programme": "tet_sum_vay", "events": 2,
         "participants": 30, "support_vnd": 1_500_000}]
    # a file without the section: nothing to say about activities
    assert validate_submission(ParsedFile(name="f.xlsx", layout="form", reports=[report()],
                                          form_version=Cell(form_version(SETTINGS), ref="C4")),
                               ctx).activities is None
