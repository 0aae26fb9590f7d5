"""Explore: pure views on a hand-made district, then the widgets driven by setting their values.

The tiny district (tests/conftest.py): A (HCSN, commune C1), B (NNN, C1), C (NNN, C2), all under
the federation FED until 30/6/2025 and the commune union XA after.
Reports (both halves of 2021 and 2023, each half the same; people informed are counted from
the start of the year, so the year report gives twice the six-month figure):
    A: workers 20, people_informed 8      → year: 16 of 20
    B: workers 60, people_informed 5      → year: 10 of 60; collective agreement from 2023
    C: workers 40, people_informed 20     → year: 40 of 40; no collective agreement
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import frame, tiny_dataset
from congdoan.core.dataset import Dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.plan import load_register
from congdoan.exceptions import CongdoanError, ParameterError
from congdoan.explore.explorer import ALL, Explorer, export_link
from congdoan.explore.groups import GroupFigures
from congdoan.explore.tables import export_view, format_view, safe_cells, table_html
from congdoan.explore.views import (
    HistoryIndex,
    Selection,
    breakdown,
    build_history,
    current_view,
    drill_into,
    drill_up,
    drilldown,
    filter_view,
    name_lookup,
    scope_trend,
)


def _reports() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for year in (2021, 2023):
        for half in ("H1", "H2"):
            period = f"{year}-{half}"
            day = f"{year}-06-05" if half == "H1" else f"{year}-12-05"
            to_date = 1 if half == "H1" else 2
            rows += [
                {"unit_id": "A", "period": period, "submitted_on": day, "workers": 20,
                 "people_informed": 8 * to_date},
                {"unit_id": "B", "period": period, "submitted_on": day, "workers": 60,
                 "people_informed": 5 * to_date, "cba_signed": 1 if year == 2023 else 0},
                {"unit_id": "C", "period": period, "submitted_on": day, "workers": 40,
                 "people_informed": 20 * to_date, "cba_signed": 0},
            ]
    return rows


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    return tiny_dataset(reports=_reports())


@pytest.fixture(scope="module")
def index(tiny: Dataset) -> HistoryIndex:
    return HistoryIndex(build_history(tiny), load_register())


@pytest.fixture(scope="module")
def names(tiny: Dataset) -> dict[str, str]:
    return name_lookup(tiny)


@pytest.fixture(scope="module")
def figures(tiny: Dataset) -> GroupFigures:
    return GroupFigures(tiny, load_register())


def _one(frame: pd.DataFrame, **where: object) -> pd.Series:
    mask = pd.Series(True, index=frame.index)
    for key, value in where.items():
        mask &= frame[key] == value
    assert mask.sum() == 1, (where, frame)
    return frame[mask].iloc[0]


INFORMED = Selection("people_informed", "2023")


def test_history_holds_every_analysis_period(index: HistoryIndex) -> None:
    assert index.periods == ["2021-H1", "2021-H2", "2021", "2023-H1", "2023-H2", "2023"]
    rows = index.rows("people_informed")
    assert set(rows["level"]) == {"cdcs", "sector", "commune", "upper_union", "organisation"}
    with pytest.raises(ParameterError, match="peple_informed"):
        index.rows("peple_informed")


def test_filter_view_keeps_the_cdcs_in_scope(index: HistoryIndex) -> None:
    rows = index.rows("people_informed")
    assert sorted(filter_view(rows, INFORMED)["unit_id"]) == ["A", "B", "C"]
    nnn_c1 = filter_view(rows, replace(INFORMED, sector="NNN", commune="C1"))
    assert list(nnn_c1["unit_id"]) == ["B"]
    assert nnn_c1.iloc[0]["numerator"] == 10 and nnn_c1.iloc[0]["denominator"] == 60
    # the ignore argument drops one filter (to compare a sector with the others)
    assert sorted(filter_view(rows, replace(INFORMED, sector="NNN"), ignore=("sector",))[
        "unit_id"]) == ["A", "B", "C"]


def test_trend_of_one_engine_row_reads_the_engine(index: HistoryIndex,
                                                  names: dict[str, str],
                                                  figures: GroupFigures) -> None:
    trend = scope_trend(index.rows("people_informed"), INFORMED, figures, names)
    assert list(trend["period"]) == ["2021", "2023"]        # years, since 2023 is a year
    district = _one(trend, period="2023")
    assert (district["level"], district["unit_id"]) == ("organisation", "TINY")
    assert district["numerator"] == 66 and district["denominator"] == 120  # 16 + 10 + 40
    assert district["value"] == pytest.approx(0.55) and district["status"] == "not_met"
    halves = scope_trend(index.rows("people_informed"), replace(INFORMED, period="2023-H1"),
                         figures, names)
    assert list(halves["period"]) == ["2021-H1", "2023-H1"]     # first halves with first halves
    # half-year target of a pro-rated share: 75 % / 2
    assert _one(halves, period="2023-H1")["target"] == pytest.approx(0.375)
    assert _one(halves, period="2023-H1")["value"] == pytest.approx(33 / 120)


def test_combined_scope_is_summed_from_its_cdcs_and_judged(index: HistoryIndex,
                                                            names: dict[str, str],
                                                            figures: GroupFigures) -> None:
    sel = replace(INFORMED, upper_union="FED", sector="NNN")
    row = _one(scope_trend(index.rows("people_informed"), sel, figures, names),
               period="2023")
    # B 10 of 60 and C 40 of 40 → 50 of 100
    assert (row["numerator"], row["denominator"], row["value"]) == (50, 100, 0.5)
    assert row["target"] == 0.75 and row["status"] == "not_met"
    assert row["units_expected"] == 2 and row["units_reported"] == 2
    assert row["unit_name"] == "LĐLĐ huyện Tí Hon · Doanh nghiệp ngoài nhà nước"
    # the same numbers as the engine's own sector row (all NNN units are under FED in 2023)
    engine = compute_indicators(tiny_dataset(reports=_reports()), "2023",
                                indicator_ids=["people_informed"])
    sector = _one(engine, level="sector", unit_id="NNN")
    assert (sector["numerator"], sector["denominator"]) == (50, 100)


def test_milestone_pace_of_a_combined_scope(index: HistoryIndex, names: dict[str, str],
                                            figures: GroupFigures) -> None:
    # cba_coverage (enterprises: B and C). 2021: 0 of 2 signed; 2023: B signed → 1 of 2.
    # Milestone 75 % at 2023 from the 2021 baseline 0: required 0.375 a year;
    # actual (0.5 − 0) / 2 years = 0.25 a year → ratio 2/3; but 2023 is the milestone's year:
    # it is judged reached or not (not reached, 25 points short), never by pace.
    sel = Selection("cba_coverage", "2023", upper_union="FED", sector="NNN")
    row = _one(scope_trend(index.rows("cba_coverage"), sel, figures, names),
               period="2023")
    assert row["value"] == 0.5 and row["baseline_value"] == 0
    assert row["required_pace"] == pytest.approx(0.375)
    assert row["actual_pace"] == pytest.approx(0.25)
    assert row["pace_ratio"] == pytest.approx(2 / 3)
    assert row["status"] == "not_achieved" and row["gap"] == pytest.approx(0.25)
    # by commune: C1 holds B (1 of 1: achieved), C2 holds C (0 of 1: not achieved)
    by_commune = breakdown(index.rows("cba_coverage"), sel, "commune", figures, names)
    assert _one(by_commune, unit_id="C1")["status"] == "achieved"
    assert _one(by_commune, unit_id="C2")["status"] == "not_achieved"


def test_views_at_once_judge_as_one_by_one(index: HistoryIndex, names: dict[str, str],
                                           figures: GroupFigures) -> None:
    from congdoan.explore.views import scope_row, views_at_once

    for indicator in ("people_informed", "cba_coverage"):      # annual and milestone
        rows = index.rows(indicator)
        sel = Selection(indicator, "2023", upper_union="FED", sector="NNN")
        together = views_at_once(rows, sel, figures, names, ["trend", "own", "sector",
                                                              "commune"])
        pd.testing.assert_frame_equal(together["trend"],
                                      scope_trend(rows, sel, figures, names), check_like=True)
        own = scope_row(rows, sel, figures, names)
        assert own is not None
        pd.testing.assert_series_equal(together["own"].iloc[0].sort_index(), own.sort_index(),
                                       check_names=False)
        for by in ("sector", "commune"):
            pd.testing.assert_frame_equal(together[by], breakdown(rows, sel, by, figures, names),
                                          check_like=True)
    # the numbers themselves: FED's NNN units B (10 of 60) and C (40 of 40) in 2023
    trend = views_at_once(index.rows("people_informed"), Selection(
        "people_informed", "2023", upper_union="FED", sector="NNN"), figures, names,
        ["trend"])["trend"]
    assert _one(trend, period="2023")["value"] == pytest.approx(0.5)


def test_breakdown_ignores_its_own_filter(index: HistoryIndex, names: dict[str, str],
                                          figures: GroupFigures) -> None:
    rows = index.rows("people_informed")
    sel = replace(INFORMED, upper_union="FED", sector="NNN")
    by_sector = breakdown(rows, sel, "sector", figures, names)
    assert list(by_sector["unit_id"]) == ["HCSN", "NNN"]
    assert _one(by_sector, unit_id="HCSN")["value"] == pytest.approx(16 / 20)
    assert _one(by_sector, unit_id="HCSN")["status"] == "met"
    by_commune = breakdown(rows, sel, "commune", figures, names)
    assert _one(by_commune, unit_id="C1")["value"] == pytest.approx(10 / 60)  # B only
    assert _one(by_commune, unit_id="C2")["value"] == pytest.approx(1.0)      # C
    with pytest.raises(ParameterError, match="province"):
        breakdown(rows, sel, "province", figures, names)


def test_drilldown_goes_upper_union_sector_commune_cdcs(index: HistoryIndex,
                                                        names: dict[str, str],
                                                        figures: GroupFigures) -> None:
    rows = index.rows("people_informed")
    sel = INFORMED
    assert list(drilldown(rows, sel, figures, names)["unit_id"]) == ["FED"]
    sel = drill_into(sel, "upper_union", "FED")
    assert list(drilldown(rows, sel, figures, names)["unit_id"]) == ["HCSN", "NNN"]
    sel = drill_into(sel, "sector", "NNN")
    communes = drilldown(rows, sel, figures, names)
    assert list(communes["unit_id"]) == ["C1", "C2"]
    sel = drill_into(sel, "commune", "C1")
    units = drilldown(rows, sel, figures, names)
    assert list(units["unit_id"]) == ["B"] and units.iloc[0]["level"] == "cdcs"
    sel = drill_into(sel, "cdcs", "B")
    assert list(drilldown(rows, sel, figures, names)["unit_id"]) == ["B"]
    assert drill_up(sel) == replace(sel, unit=None)
    assert drill_up(drill_up(drill_up(drill_up(sel)))) == INFORMED
    # after 1/7/2025 the commune union XA would be the upper union: not in 2023
    assert "XA" not in set(filter_view(rows, INFORMED)["parent_id"])


def test_current_view_shows_clause_numerator_and_denominator(index: HistoryIndex,
                                                              names: dict[str, str],
                                                              figures: GroupFigures) -> None:
    view = current_view(index.rows("people_informed"), replace(INFORMED, upper_union="FED"),
                        figures, names)
    assert list(view["unit_id"]) == ["FED", "HCSN", "NNN"]
    assert set(view["clause"]) == {"1.3"}
    assert list(view["numerator"]) == [66, 16, 50]
    assert list(view["denominator"]) == [120, 20, 100]
    assert list(view["status"]) == ["not_met", "met", "not_met"]


def test_safe_cells_prefix_formula_like_text_only() -> None:
    frame = pd.DataFrame({"unit_name": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)",
                                        "Công ty A", None],
                          "value": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]})
    safe = safe_cells(frame)
    assert list(safe["unit_name"][:5]) == ["'=HYPERLINK(\"x\")", "'+1", "'-2", "'@SUM(A1)",
                                           "Công ty A"]
    assert pd.isna(safe["unit_name"][5])
    assert safe["value"][0] == -1.5  # a negative number stays a number


def _fed_view(index: HistoryIndex, names: dict[str, str],
              figures: GroupFigures) -> pd.DataFrame:
    return current_view(index.rows("people_informed"), replace(INFORMED, upper_union="FED"),
                        figures, names)


def test_the_table_speaks_vietnamese(index: HistoryIndex, names: dict[str, str],
                                      figures: GroupFigures) -> None:
    ind = load_register().get("people_informed")
    shown = format_view(_fed_view(index, names, figures), ind, child_level="sector")
    assert list(shown.columns[:4]) == ["Cấp", "Đơn vị", "Mã đơn vị", "Kỳ"]
    first, hcsn = shown.iloc[0], shown.iloc[1]
    # FED: 66 of 120 = 55 % against 75 %; HCSN (A): 16 of 20 = 80 %
    assert (first["Cấp"], first["Tử số"], first["Mẫu số"]) == ("Công đoàn cấp trên", "66", "120")
    assert (first["Giá trị"], first["Mục tiêu"], first["Đánh giá"]) == ("55%", "75%", "Chưa đạt")
    assert (hcsn["Cấp"], hcsn["Đơn vị"], hcsn["Giá trị"], hcsn["Đánh giá"]) == (
        "Khu vực", "Khu vực hành chính sự nghiệp", "80%", "Đạt")
    assert first["Kỳ"] == "Năm 2023" and first["Điều khoản"] == "1.3"
    page = table_html(_fed_view(index, names, figures), ind, "sector")
    assert "<th" in page and "Mục tiêu" in page and "not_met" not in page and "0.55" not in page
    assert "✘</span> Chưa đạt" in page            # the symbol beside the word, not colour alone


def test_the_table_never_shows_a_value_on_the_wrong_side_of_its_target(
        index: HistoryIndex, names: dict[str, str], figures: GroupFigures) -> None:
    ind = load_register().get("people_informed")
    view = _fed_view(index, names, figures).iloc[:2].copy()
    # 0,74996 against 75 % is not met: "75%" beside "Chưa đạt" would contradict it
    view["value"], view["target"], view["status"] = [0.74996, 0.75], 0.75, ["not_met", "met"]
    shown = format_view(view, ind, child_level="sector")
    assert list(shown["Giá trị"]) == ["74,996%", "75%"]
    assert list(shown["Đánh giá"]) == ["Chưa đạt", "Đạt"]


def test_export_writes_vietnamese_csv_and_excel(index: HistoryIndex, names: dict[str, str],
                                                figures: GroupFigures, tmp_path: Path) -> None:
    ind = load_register().get("people_informed")
    view = _fed_view(index, names, figures)
    view.loc[2, "unit_name"] = "=HYPERLINK(\"x\")"      # a hostile name
    csv = export_view(view, tmp_path / "v.csv", ind, child_level="sector")
    lines = csv.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("Cấp,Đơn vị,Mã đơn vị,Kỳ,Chỉ tiêu,Điều khoản,Tử số,Mẫu số,Giá trị")
    assert lines[1].startswith("Công đoàn cấp trên,LĐLĐ huyện Tí Hon,FED,Năm 2023,")
    assert lines[1].endswith(",1.3,66,120,55%,75%,Chưa đạt,3,3,0,100%,,")  # no change: no parts
    assert "'=HYPERLINK" in lines[3]
    xlsx = export_view(view, tmp_path / "v.xlsx", ind, child_level="sector",
                       about={"Chỉ tiêu": "=evil()"})
    book = openpyxl.load_workbook(xlsx)
    sheet = book["Bảng"]
    headers = [c.value for c in sheet[1]]
    assert headers[:3] == ["Cấp", "Đơn vị", "Mã đơn vị"] and "Đánh giá" in headers
    value = sheet.cell(row=2, column=headers.index("Giá trị") + 1)
    assert value.value == pytest.approx(0.55) and value.number_format == "0.0%"
    numerator = sheet.cell(row=2, column=headers.index("Tử số") + 1)
    assert numerator.value == 66 and numerator.number_format == "#,##0"
    assert sheet.cell(row=2, column=headers.index("Đánh giá") + 1).value == "Chưa đạt"
    hostile = sheet.cell(row=4, column=2)
    assert hostile.value == "'=HYPERLINK(\"x\")" and hostile.data_type == "s"
    assert book["Lựa chọn"]["B2"].value == "'=evil()"
    assert all(c.font.name for row in sheet.iter_rows() for c in row)
    with pytest.raises(CongdoanError, match=r"\.pdf"):
        export_view(view, tmp_path / "v.pdf", ind)


# ----------------------------------------------------------------------------- widgets
def _svg(explorer: Explorer, name: str) -> str:
    return str(explorer.charts[name].value)


@pytest.fixture()
def explorer(tiny: Dataset, index: HistoryIndex, tmp_path: Path) -> Explorer:
    return Explorer(tiny, period="2023", indicator="people_informed", history=index.history,
                    out_dir=tmp_path)


def test_explorer_starts_on_the_district(explorer: Explorer) -> None:
    assert explorer.selection == Selection("people_informed", "2023", first_year=2021,
                                           last_year=2023)
    assert explorer.view.iloc[0]["level"] == "organisation"
    assert explorer.view.iloc[0]["value"] == pytest.approx(0.55)
    assert [v for _l, v in explorer.upper.options] == [ALL, "FED"]
    assert "Huyện Tí Hon" in explorer.header.value and "55%" in explorer.header.value
    assert "1.3" in explorer.table.value and "Chưa đạt" in explorer.table.value
    for name in ("trend", "distribution", "sector", "commune"):
        svg = _svg(explorer, name)
        assert svg.startswith("<svg") and 'role="img"' in svg and "aria-label=" in svg
    assert explorer.timings["panels_drawn"] == 4
    # text stays text in the SVG: titles and the groups of each breakdown can be read
    assert "Diễn biến so với mục tiêu" in _svg(explorer, "trend")
    assert "Mục tiêu" in _svg(explorer, "trend")
    sector_svg = _svg(explorer, "sector")
    assert "Khu vực hành chính sự nghiệp" in sector_svg
    assert "Doanh nghiệp ngoài nhà nước" in sector_svg
    commune_svg = _svg(explorer, "commune")
    assert "Xã Một" in commune_svg and "Xã Hai" in commune_svg
    assert "3 CĐCS có số liệu" in _svg(explorer, "distribution")
    assert explorer.notices == []


def test_setting_controls_updates_view_table_and_chart(explorer: Explorer) -> None:
    before = {name: panel.value for name, panel in explorer.charts.items()}
    before_table = explorer.table.value
    explorer.upper.value = "FED"
    explorer.sector.value = "NNN"
    assert explorer.selection.sector == "NNN"
    own = explorer.view.iloc[0]
    assert (own["numerator"], own["denominator"], own["value"]) == (50, 100, 0.5)
    # drill rows are the communes of FED's NNN units, by name: "Xã Hai" (C2) before "Xã Một"
    assert list(explorer.view["unit_id"][1:]) == ["C2", "C1"]
    assert [v for _l, v in explorer.commune.options] == [ALL, "C2", "C1"]
    # CĐCS are listed by name: "Công ty CP C" before "Công ty TNHH B"
    assert [v for _l, v in explorer.unit.options] == [ALL, "C", "B"]
    # every panel shows something else: trend and distribution of the new scope, the sector
    # breakdown (NNN outlined), the communes of NNN only
    assert all(explorer.charts[name].value != before[name] for name in before)
    assert "2 CĐCS có số liệu" in _svg(explorer, "distribution")  # B and C
    assert explorer.table.value != before_table
    assert "50%" in explorer.header.value
    assert explorer.last_update_ms > 0


def test_busy_state_while_updating(explorer: Explorer) -> None:
    seen: list[tuple[str, ...]] = []
    explorer.widget.observe(lambda change: seen.append(tuple(change["new"])),
                            names="_dom_classes")
    explorer.sector.value = "NNN"
    assert seen == [("congdoan-explorer", "congdoan-busy"), ("congdoan-explorer",)]
    assert "congdoan-busy" in explorer.widget.children[0].value    # the page styles the state
    assert "Đang cập nhật" in explorer.widget.children[0].value


def test_drill_list_and_up_button(explorer: Explorer) -> None:
    explorer.drill.value = "upper_union|FED"
    assert explorer.selection.upper_union == "FED"
    explorer.drill.value = "sector|NNN"
    explorer.drill.value = "commune|C1"
    assert explorer.selection.commune == "C1"
    assert [v for _l, v in explorer.drill.options] == ["cdcs|B"]
    explorer.drill.value = "cdcs|B"
    assert explorer.selection.unit == "B"
    assert list(explorer.view["unit_id"]) == ["B"]
    assert explorer.view.iloc[0]["value"] == pytest.approx(10 / 60)
    explorer.up.click()
    assert explorer.selection.unit is None and explorer.selection.commune == "C1"


def test_reset_returns_to_the_start(explorer: Explorer) -> None:
    start_table = explorer.table.value
    explorer.indicator.value = "cba_coverage"
    explorer.upper.value = "FED"
    explorer.years.value = (2023, 2023)
    explorer.reset.click()
    assert explorer.selection == explorer.initial == Selection(
        "people_informed", "2023", first_year=2021, last_year=2023)
    assert (explorer.indicator.value, explorer.upper.value) == ("people_informed", ALL)
    assert explorer.years.value == (2021, 2023)
    assert explorer.table.value == start_table


def test_choosing_another_commune_clears_a_cdcs_outside_it(explorer: Explorer) -> None:
    explorer.unit.value = "B"                     # B is in commune C1
    explorer.commune.value = "C2"
    assert explorer.selection.unit is None and explorer.selection.commune == "C2"
    assert "Công ty TNHH B không thuộc Xã Hai" in explorer.notices[0].vi
    assert "Công ty TNHH B không thuộc Xã Hai" in explorer.notice.value


def test_changing_indicator_and_period_changes_the_data(explorer: Explorer) -> None:
    explorer.indicator.value = "cba_coverage"
    assert explorer.view.iloc[0]["value"] == pytest.approx(0.5)   # B of B, C
    explorer.period.value = "2021"
    assert explorer.view.iloc[0]["value"] == 0
    distribution = explorer.charts["distribution"].value
    explorer.years.value = (2023, 2023)
    assert explorer.selection.first_year == 2023
    assert explorer.timings["panels_drawn"] == 1          # only the trend changed
    assert explorer.charts["distribution"].value == distribution
    explorer.years.value = (2021, 2023)                   # back: the cached picture
    assert explorer.timings["panels_drawn"] == 0


def test_export_buttons_write_the_current_view_with_a_link(explorer: Explorer,
                                                          tmp_path: Path) -> None:
    explorer.upper.value = "FED"
    explorer.export_csv.click()
    explorer.export_xlsx.click()
    csv = tmp_path / "people_informed_2023_FED.csv"
    assert csv.exists() and (tmp_path / "people_informed_2023_FED.xlsx").exists()
    exported = pd.read_csv(csv, encoding="utf-8-sig", dtype=str)
    # the selection, then its sectors by name: "Doanh nghiệp …" before "Khu vực …"
    assert list(exported["Tử số"]) == ["66", "50", "16"]
    assert list(exported["Đánh giá"]) == ["Chưa đạt", "Chưa đạt", "Đạt"]
    shown = explorer.links.outputs[-1]["data"]["text/html"]
    assert "people_informed_2023_FED.xlsx" in shown and "people_informed_2023_FED.csv" not in shown


def test_export_link_is_relative_to_the_notebook_folder(tmp_path: Path) -> None:
    # congdoan lab: the notebook in <workspace>/notebooks, exports in <workspace>/output
    link = export_link(tmp_path / "output" / "explore" / "a b.csv", tmp_path / "notebooks")
    assert 'href="../output/explore/a b.csv"' in link and 'download="a b.csv"' in link
    assert str(tmp_path / "output" / "explore" / "a b.csv") in link


def test_exports_default_to_the_workspace_output(tiny: Dataset, index: HistoryIndex) -> None:
    from congdoan.core.workspace import active_workspace

    ex = Explorer(tiny, period="2023", indicator="people_informed", history=index.history)
    path = ex.export(".csv")
    assert path == active_workspace().output_dir / "explore" / "people_informed_2023.csv"
    assert path.exists()


def test_sector_choices_follow_the_indicator_population(explorer: Explorer) -> None:
    assert [v for _l, v in explorer.sector.options] == [ALL, "HCSN", "NNN"]  # A, B, C
    explorer.sector.value = "NNN"
    explorer.indicator.value = "cba_coverage"          # enterprises: NNN only here
    assert [v for _l, v in explorer.sector.options] == [ALL, "NNN"]
    assert explorer.selection.sector == "NNN" and explorer.notices == []
    explorer.indicator.value = "officials_conference_hcsn"
    assert explorer.selection.sector is None            # NNN not in the population: all
    assert "Doanh nghiệp ngoài nhà nước không có" in explorer.notices[0].vi


def test_unknown_period_is_refused(tiny: Dataset, index: HistoryIndex) -> None:
    with pytest.raises(ParameterError, match="2030"):
        Explorer(tiny, period="2030", history=index.history)


# ----------------------------------------------------------------------------- demo
@pytest.fixture(scope="module")
def demo_explorer(demo: Dataset, tmp_path_factory: pytest.TempPathFactory) -> Explorer:
    return Explorer(demo, period="2024", indicator="dialogue_nnn",
                    out_dir=tmp_path_factory.mktemp("explore"))


@pytest.mark.slow
def test_demo_views_agree_with_the_engine(demo: Dataset, demo_explorer: Explorer) -> None:
    ex = demo_explorer
    engine = compute_indicators(demo, "2024", indicator_ids=["dialogue_nnn"])
    district = _one(engine, level="organisation")
    assert ex.view.iloc[0]["numerator"] == district["numerator"]
    uppers = [v for _l, v in ex.upper.options if v]
    assert uppers == ["LDLD-GIALAM"]      # before 1/7/2025: the district federation only
    ex.upper.value = "LDLD-GIALAM"
    ex.sector.value = "NNN"
    nnn = _one(engine, level="sector", unit_id="NNN")
    own = ex.view.iloc[0]
    assert (own["numerator"], own["denominator"]) == (nnn["numerator"], nnn["denominator"])
    communes = ex.view.iloc[1:]
    engine_communes = engine[engine["level"] == "commune"].set_index("unit_id")
    for _, row in communes.iterrows():   # NNN is the only sector of this indicator
        assert row["numerator"] == engine_communes.loc[row["unit_id"], "numerator"]
    assert communes["numerator"].sum() == own["numerator"]
    ex.period.value = "2025"               # after 1/7/2025: commune unions
    assert len([v for _l, v in ex.upper.options if v]) > 1
    assert ex.selection.upper_union is None  # LDLD-GIALAM no longer exists: back to all
    assert ex.selection.sector == "NNN"      # the sector still exists: kept
    assert "Liên đoàn Lao động huyện Gia Lâm không có trong kỳ Năm 2025" in ex.notices[0].vi


@pytest.mark.slow
def test_demo_cdcs_is_kept_when_its_upper_union_changes(demo: Dataset,
                                                        demo_explorer: Explorer) -> None:
    # the path: 2024-H1, the federation, NNN, CDCS-0197; then 2026-H1
    ex = demo_explorer
    ex.reset.click()
    ex.indicator.value = "people_informed"
    ex.period.value = "2024-H1"
    ex.upper.value = "LDLD-GIALAM"
    ex.sector.value = "NNN"
    ex.unit.value = "CDCS-0197"
    ex.period.value = "2026-H1"
    links = demo.links[demo.links["unit_id"] == "CDCS-0197"]
    now = str(links.loc[links["valid_to"].isna(), "parent_id"].iloc[0])   # its commune union
    assert ex.selection.unit == "CDCS-0197" and ex.selection.sector == "NNN"
    assert ex.selection.upper_union == now and ex.upper.value == now
    assert ex.view.iloc[0]["unit_id"] == "CDCS-0197"
    assert "đã chuyển công đoàn cấp trên" in ex.notices[0].vi


def test_explorer_freezes_its_heap_after_releasing_earlier_garbage(
        tiny: Dataset, index: HistoryIndex, tmp_path: Path) -> None:
    import gc
    import weakref

    class Node:
        pass

    garbage = Node()
    garbage.loop = garbage  # type: ignore[attr-defined]  # only a full collection frees it
    gone = weakref.ref(garbage)
    gc.freeze()  # as an explorer made earlier in the session would have left it
    del garbage
    ex = Explorer(tiny, period="2023", history=index.history, out_dir=tmp_path)
    assert gone() is None  # released, not kept frozen
    assert gc.get_freeze_count() > 0  # the explorer's data is out of the full passes
    ex.indicator.value = "people_informed"  # and it still updates
    assert ex.view["indicator_id"].eq("people_informed").all()


# ----------------------------------------------------------------------------- kept scope
def _reports_2023_2025() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for period, day in (("2023-H1", "2023-06-05"), ("2025-H2", "2025-12-05")):
        rows += [{"unit_id": u, "period": period, "submitted_on": day, "workers": 10,
                  "people_informed": 5} for u in ("A", "B", "C")]
    return rows


@pytest.fixture(scope="module")
def moved() -> tuple[Dataset, HistoryIndex]:
    """Units under the federation FED in 2023 and under the commune union XA from 1/7/2025."""
    ds = tiny_dataset(reports=_reports_2023_2025())
    return ds, HistoryIndex(build_history(ds), load_register())


def test_scope_kept_when_the_cdcs_moved_to_another_upper_union(
        moved: tuple[Dataset, HistoryIndex], tmp_path: Path) -> None:
    ds, idx = moved
    ex = Explorer(ds, period="2023-H1", indicator="people_informed", upper_union="FED",
                  sector="NNN", unit="B", history=idx.history, out_dir=tmp_path)
    ex.period.value = "2025-H2"
    assert ex.selection == replace(ex.initial, period="2025-H2", upper_union="XA")
    assert (ex.upper.value, ex.sector.value, ex.unit.value) == ("XA", "NNN", "B")
    assert ex.view.iloc[0]["unit_id"] == "B"
    assert [n.vi for n in ex.notices] == [
        "Trong kỳ 6 tháng cuối năm 2025, Công ty TNHH B thuộc Công đoàn xã Tí Hon (không phải "
        "LĐLĐ huyện Tí Hon): đã chuyển công đoàn cấp trên sang Công đoàn xã Tí Hon."]
    assert "Công đoàn xã Tí Hon" in ex.notice.value
    ex.period.value = "2023-H1"                      # and back: FED again, no loss
    assert (ex.selection.upper_union, ex.selection.unit) == ("FED", "B")


def test_scope_cleared_with_a_notice_when_it_no_longer_exists(
        moved: tuple[Dataset, HistoryIndex], tmp_path: Path) -> None:
    ds, idx = moved
    ex = Explorer(ds, period="2023-H1", indicator="people_informed", upper_union="FED",
                  sector="NNN", commune="C1", history=idx.history, out_dir=tmp_path)
    ex.period.value = "2025-H2"
    # FED is gone; the sector and the commune still exist
    assert (ex.selection.upper_union, ex.selection.sector, ex.selection.commune) == (
        None, "NNN", "C1")
    assert len(ex.notices) == 1 and ex.notices[0].vi.startswith(
        "LĐLĐ huyện Tí Hon không có trong kỳ 6 tháng cuối năm 2025")
    ex.sector.value = "HCSN"                         # A (HCSN) is in C1 too: commune kept
    assert ex.selection.commune == "C1" and ex.notices == []
    ex.period.value = "2023-H1"
    assert ex.notices == [] and ex.selection.sector == "HCSN"


# ----------------------------------------------------------------------------- activities
def test_activity_totals_of_the_scope() -> None:
    from congdoan.explore.views import scope_activities

    # core.activities.period_activities rows: A (HCSN, C1) and B (NNN, C1) under FED, C (NNN, C2)
    rows = pd.DataFrame([
        {"unit_id": "A", "name": "a", "sector": "HCSN", "commune_id": "C1", "parent_id": "FED",
         "programme": "tet_sum_vay", "events": 3, "participants": 50, "support_vnd": 1_500_000},
        {"unit_id": "B", "name": "b", "sector": "NNN", "commune_id": "C1", "parent_id": "FED",
         "programme": "thang_cong_nhan", "events": 1, "participants": 40, "support_vnd": 0},
        {"unit_id": "B", "name": "b", "sector": "NNN", "commune_id": "C1", "parent_id": "FED",
         "programme": "tet_sum_vay", "events": 2, "participants": 10, "support_vnd": 200_000},
        {"unit_id": "C", "name": "c", "sector": "NNN", "commune_id": "C2", "parent_id": "FED",
         "programme": "tet_sum_vay", "events": 5, "participants": 99, "support_vnd": 9},
    ])
    totals = scope_activities(rows, Selection("people_informed", "2023", commune="C1"))
    by = totals.set_index("programme")
    assert list(by.index)[-1] == "total" and by.loc["total", "label"] == "Tổng cộng"
    tet = by.loc["tet_sum_vay"]                       # A and B, not C (commune C2)
    assert (tet["units"], tet["events"], tet["participants"], tet["support_vnd"]) == (
        2, 5, 60, 1_700_000)
    assert by.loc["sang_kien", "events"] == 0
    total = by.loc["total"]                           # A and B, each counted once
    assert (total["units"], total["events"], total["participants"], total["support_vnd"]) == (
        2, 6, 100, 1_700_000)
    nnn = scope_activities(rows, Selection("people_informed", "2023", sector="NNN"))
    assert nnn.set_index("programme").loc["total", "units"] == 2     # B and C


def test_explorer_shows_the_activities_of_its_scope(tiny: Dataset, index: HistoryIndex,
                                                   tmp_path: Path) -> None:
    ds = replace(tiny, activities=frame("activities", [
        {"unit_id": "A", "period": "2023-H1", "programme": "tet_sum_vay", "events": 2,
         "participants": 1200, "support_vnd": 2_500_000},
        {"unit_id": "B", "period": "2023-H2", "programme": "tet_sum_vay", "events": 1,
         "participants": 10, "support_vnd": 100_000}]))
    ex = Explorer(ds, period="2023", indicator="people_informed", history=index.history,
                  out_dir=tmp_path)
    assert "Tết Sum vầy" in ex.activity_table.value
    assert "2.600.000" in ex.activity_table.value and "1.210" in ex.activity_table.value
    ex.sector.value = "NNN"                                  # B only
    tet = ex.activities.set_index("programme").loc["tet_sum_vay"]
    assert (tet["events"], tet["support_vnd"]) == (1, 100_000)
    assert "2.600.000" not in ex.activity_table.value


# ----------------------------------------------------------------------------- collation
def test_vietnamese_alphabetical_order() -> None:
    from congdoan.explore.collation import vi_sorted

    names = ["Xã Yên Viên", "Xã Đông Dư", "Xã Dương Xá", "Thị trấn Trâu Quỳ", "Xã Ăn",
             "Xã An", "Xã Ấp", "Xã Bát Tràng", "Xã Ơn", "Xã Ông", "Xã Ô"]
    assert vi_sorted(names) == [
        "Thị trấn Trâu Quỳ", "Xã An", "Xã Ăn", "Xã Ấp", "Xã Bát Tràng", "Xã Dương Xá",
        "Xã Đông Dư", "Xã Ô", "Xã Ông", "Xã Ơn", "Xã Yên Viên"]
    # tones only break ties: a, à, ả, ã, á, ạ
    assert vi_sorted(["ạ", "á", "ã", "ả", "à", "a"]) == ["a", "à", "ả", "ã", "á", "ạ"]


# ----------------------------------------------------------------------------- charts
def test_nice_ticks() -> None:
    from congdoan.explore.charts import nice_ticks

    assert nice_ticks(0, 1) == [0, 0.25, 0.5, 0.75, 1.0]
    assert nice_ticks(0, 1.056) == [0, 0.5, 1.0, 1.5]          # 105,6 % stays on the axis
    assert nice_ticks(0, 3, integer=True) == [0, 1, 2, 3]      # never 2.5 for counts
    assert nice_ticks(-40, 650, integer=True) == [-200, 0, 200, 400, 600, 800]


def test_charts_follow_the_data() -> None:
    from congdoan.explore.charts import breakdown_svg, trend_svg

    register = load_register()
    share, count = register.get("finance_collection"), register.get("new_cdcs")
    trend = pd.DataFrame({"period": ["2023", "2024"], "value": [0.9, 1.056],
                          "target": [1.0, 1.0], "status": ["not_met", "met"]})
    svg = trend_svg(trend, share)
    assert "105,6%" in svg and ">150%<" in svg               # the point and an axis above it
    rows = pd.DataFrame({"unit_id": ["a", "b"], "unit_name": ["Xã Một", "Xã Hai"],
                         "value": [2500.0, 3.0], "target": [np.nan, np.nan],
                         "status": ["no_data", "no_data"]})
    bars = breakdown_svg(rows, count, title="Theo xã")
    assert ">2.500 ○<" in bars and ">1.000<" in bars          # thousands separators
    assert not re.search(r">\d+,\d+<", bars)                 # whole-number ticks for counts


def test_charts_mark_a_provisional_figure_and_keep_it_on_its_side_of_the_target() -> None:
    from congdoan.explore.charts import breakdown_svg, trend_svg

    share = load_register().get("finance_collection")
    trend = pd.DataFrame({"period": ["2023", "2024"], "value": [0.99996, 1.056],
                          "target": [1.0, 1.0], "status": ["not_met", "met"],
                          "provisional": [False, True]})
    svg = trend_svg(trend, share)
    assert "2023: 99,996% (Chưa đạt)" in svg                  # never "100%" beside "Chưa đạt"
    assert "2024: 105,6% (Đạt, tạm tính)" in svg              # said in the chart's text
    assert svg.count('fill="white" stroke=') == 2             # the point and its legend key
    rows = trend.assign(unit_id=["a", "b"], unit_name=["Xã Một", "Xã Hai"])
    bars = breakdown_svg(rows, share, title="Theo xã")
    assert "99,996% ✘" in bars and "(tạm tính)" in bars


def test_a_change_lists_its_parts_in_the_table(index: HistoryIndex, names: dict[str, str],
                                               figures: GroupFigures) -> None:
    growth = load_register().get("member_growth")
    view = _fed_view(index, names, figures).iloc[:1].copy()
    # 47 admitted − 32 left + 25 founded − 30 dissolved = +10 (gross: 47 + 25 = 72)
    parts = {"admitted": 47, "left": -32, "founded": 25, "dissolved": -30, "moved_in": np.nan,
             "moved_out": np.nan, "other": 0}
    view = view.assign(**{f"part_{p}": v for p, v in parts.items()}, change_net=10,
                       change_gross=72)
    shown = format_view(view, growth)
    assert shown["Thành phần của thay đổi"].iloc[0] == (
        "kết nạp +47; giảm −32; thành lập mới +25; giải thể −30 (tăng thuần +10, tổng tăng +72)")
    # one part in: the gross reading is that part, not said again
    one = view.assign(part_founded=np.nan, part_dissolved=np.nan, change_net=15, change_gross=47)
    assert format_view(one, growth)["Thành phần của thay đổi"].iloc[0] == (
        "kết nạp +47; giảm −32 (tăng thuần +15)")
    assert "Thành phần của thay đổi" in table_html(view, growth)
    assert "Thành phần của thay đổi" not in table_html(view, load_register().get("people_informed"))
