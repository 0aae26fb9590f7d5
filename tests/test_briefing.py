"""What a briefing shows, on the hand-made tiny district (numbers worked out here)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_dataset
from congdoan.briefing import content as briefing
from congdoan.briefing import display as view
from congdoan.core.dataset import Dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.periods import parse_period
from congdoan.exceptions import ParameterError


def _context(ds: Dataset, period: str) -> briefing.BriefingContext:
    table = compute_indicators(ds, period)
    return briefing.BriefingContext(dataset=ds, period=parse_period(period), table=table,
                                    history=table, trend_periods=(period,), available=(period,))


def _reports() -> list[dict[str, object]]:
    # A (HCSN): informed 8 of 20 workers; B (NNN): 5 of 60; C (NNN): 30 of 40, half-year 2023-H1
    # (target 75 % × 0.5 = 37,5 %). A is on time (5/6), B late (20/6), C did not report.
    return [
        {"unit_id": "A", "period": "2023-H1", "submitted_on": "2023-06-05", "workers": 20,
         "members": 18, "people_informed": 8, "policy_proposal": 1},
        {"unit_id": "B", "period": "2023-H1", "submitted_on": "2023-06-20", "workers": 60,
         "members": 50, "people_informed": 5, "policy_proposal": 0},
        {"unit_id": "C", "period": "2023-H2", "submitted_on": "2023-12-01", "workers": 40,
         "members": 30, "people_informed": 30, "policy_proposal": 1},
    ]


@pytest.fixture()
def ctx() -> briefing.BriefingContext:
    return _context(tiny_dataset(reports=_reports()), "2023-H1")


def test_union_scorecard_and_narrative(ctx: briefing.BriefingContext) -> None:
    card = briefing.union_scorecard(ctx, "B").set_index("indicator_id")
    assert card.loc["people_informed", "value"] == pytest.approx(5 / 60)
    assert card.loc["people_informed", "target"] == pytest.approx(0.375)
    assert card.loc["people_informed", "status"] == "not_met"
    assert card.loc["policy_proposal", "status"] == "not_met"
    lines = briefing.narrative(card.reset_index(), "vi")
    assert lines[0].startswith("Chỉ tiêu chưa đạt: ")
    assert ("Đoàn viên, CNVCLĐ được học tập, quán triệt (8,3%; chỉ tiêu ≥ 37,5%; "
            "thiếu 29,2 điểm %)") in lines[0]
    # the furthest from target comes first: policy 0 of 65 % (gap 100 %) before informed (78 %)
    assert lines[1].startswith("Cần ưu tiên: Công đoàn đề xuất, tham gia xây dựng chính sách;")
    # a CĐCS's own yes/no is said as its answer, without a gap in points; people stay shares
    assert (card.loc["policy_proposal", "answer"], card.loc["people_informed", "answer"]) == (
        "Không", "")
    assert briefing.union_scorecard(ctx, "A").set_index("indicator_id").loc[
        "policy_proposal", "answer"] == "Có"
    assert "điểm %" not in card.loc["policy_proposal", "note"]
    page = view.scorecard(card.reset_index(), "vi").data
    assert page.count('data-label="Thực hiện">Không<') == 1


def test_rows_of_a_unit_are_the_filtered_table_in_order(ctx: briefing.BriefingContext) -> None:
    table = ctx.table
    keys = set(zip(table["level"].astype(str), table["unit_id"].astype(str), strict=True))
    assert ("cdcs", "A") in keys and ("organisation", ctx.dataset.organisation_id) in keys
    for level, unit in [*keys, ("cdcs", "no-such-union"), ("sector", "A")]:
        expected = table[(table["level"] == level) & (table["unit_id"].astype(str) == unit)]
        got = ctx.rows(level, unit)
        assert got.equals(expected) and list(got.index) == list(expected.index), (level, unit)
        assert ctx.rows(level, unit, history=True).equals(expected)  # history is table here
    assert ctx.rows("cdcs", "no-such-union").empty
    assert list(ctx.rows("cdcs", "no-such-union").columns) == list(table.columns)


def test_unknown_union_is_a_parameter_error(ctx: briefing.BriefingContext) -> None:
    with pytest.raises(ParameterError, match="NOPE"):
        briefing.union_identity(ctx, "NOPE")


def test_comparison_uses_aggregates_and_suppresses_small_ones(
        ctx: briefing.BriefingContext) -> None:
    table = briefing.comparison_table(ctx, "A").set_index("indicator_id")
    informed = table.loc["people_informed"]
    assert informed["unit"] == pytest.approx(8 / 20)
    # sector HCSN and the federation have < 3 reporting units → not shown
    assert math.isnan(informed["sector"])
    assert math.isnan(informed["upper_union"])
    assert math.isnan(informed["organisation"])  # only A and B reported in 2023-H1
    assert set(table.columns) == {"label", "target", "unit", "sector", "upper_union", "organisation"}


def test_an_aggregate_of_this_cdcs_and_two_others_is_not_shown_to_it() -> None:
    """With A, B and C all reporting, the organisation's share less A's own would be B's and
    C's together: A's briefing must not show it (three *others* are needed)."""
    third = {"unit_id": "C", "period": "2023-H1", "submitted_on": "2023-06-01", "workers": 40,
             "members": 30, "people_informed": 10, "policy_proposal": 1}
    ctx = _context(tiny_dataset(reports=[*_reports(), third]), "2023-H1")
    whole = ctx.rows("organisation", ctx.dataset.organisation_id).set_index("indicator_id")
    assert whole.loc["people_informed", "units_reported"] == 3  # A, B and C
    table = briefing.comparison_table(ctx, "A").set_index("indicator_id")
    assert table.loc["people_informed", "unit"] == pytest.approx(8 / 20)
    assert table[["sector", "upper_union", "organisation"]].isna().all().all()


def test_a_cdcs_directly_under_the_organisation_is_compared_with_it_once() -> None:
    """A ward union's CĐCS are directly under the ward itself: its upper union is the
    organisation, and the chart's key named the ward twice."""
    ds = tiny_dataset(reports=_reports())
    ds.meta = {**ds.meta, "organisation_id": "FED", "organisation_name": "LĐLĐ huyện Tí Hon"}
    table = briefing.comparison_table(_context(ds, "2023-H1"), "A")
    assert "upper_union" not in table.columns
    assert {"sector", "organisation"} <= set(table.columns)
    assert list(table.attrs["series_names"].values()).count("LĐLĐ huyện Tí Hon") == 1


def test_breakdown_recomputes_rates_from_sums(ctx: briefing.BriefingContext) -> None:
    out = briefing.breakdown(ctx, "FED", "commune_id")
    row = out[(out["indicator_id"] == "people_informed") & (out["group"] == "C1")].iloc[0]
    assert (row["numerator"], row["denominator"]) == (13, 80)   # A 8/20 + B 5/60
    assert row["value"] == pytest.approx(13 / 80)
    assert row["group_name"] == "Xã Một"
    assert row["status"] == "not_met"
    # milestones are judged by their pace (section 1), not against their value here
    kinds = {briefing.indicator(str(i)).kind for i in out["indicator_id"]}
    assert kinds == {"annual"} and "cba_coverage" not in set(out["indicator_id"])
    # coverage as in section 1: reports received of those expected in the group
    assert (row["coverage"], bool(row["provisional"])) == (1.0, False)  # A and B both reported
    year = briefing.breakdown(_context(tiny_dataset(reports=_reports()), "2023"), "FED",
                              "commune_id").set_index(["indicator_id", "group"])
    # the year: A and B sent their first half only (2 of the 4 reports expected in C1)
    assert year.loc[("policy_proposal", "C1"), "coverage"] == 0.5
    assert bool(year.loc[("policy_proposal", "C1"), "provisional"])
    assert not bool(year.loc[("people_informed", "C2"), "provisional"])


def test_units_below_target_and_status_counts(ctx: briefing.BriefingContext) -> None:
    below = briefing.units_below_target(ctx, "FED")
    assert below.iloc[0]["unit_id"] == "B"
    counts = briefing.status_counts(ctx, "FED")
    informed = counts.loc["Đoàn viên, CNVCLĐ được học tập, quán triệt"]
    assert (informed["met"], informed["not_met"], informed["no_data"]) == (1, 1, 1)
    # a milestone line says its year (the milestone judged in 2023-H1 is the 2023 one)
    assert "Doanh nghiệp có công đoàn ký kết TƯLĐTT (mốc 2023)" in counts.index
    assert counts.index.is_unique


def test_missing_data_names_late_and_missing_reports(ctx: briefing.BriefingContext) -> None:
    card = briefing.union_scorecard(ctx, "C")
    lines = briefing.missing_data(ctx, "C", card, "vi")
    assert lines[0] == "Chưa nhận báo cáo 6 tháng 2023-H1 (hạn 10/06/2023)."
    assert "Chưa có số liệu để đánh giá" in lines[-1]


def test_a_refused_report_is_named_in_missing_data() -> None:
    reports = [{"unit_id": "B", "period": "2023-H1", "submitted_on": "2023-06-05",
                "legal_cases_need": 1, "legal_cases_represented": 2}]
    ctx = _context(tiny_dataset(reports=reports), "2023-H1")
    lines = briefing.missing_data(ctx, "B", briefing.union_scorecard(ctx, "B"), "vi")
    assert ("Báo cáo 6 tháng 2023-H1 không được tính vì mâu thuẫn: 'Số vụ việc có đại diện "
            "công đoàn tham gia' (2) không được lớn hơn") in lines[0]


def test_finance_lines_note_the_breaks_and_trends_mark_them() -> None:
    from congdoan.briefing import charts

    reports = [{"unit_id": "A", "period": p, "submitted_on": "2025-12-05",
                "finance_budget_vnd": 100, "finance_collected_vnd": 100}
               for p in ("2024-H1", "2024-H2", "2025-H1", "2025-H2")]
    ds = tiny_dataset(reports=reports)
    tables = {p: compute_indicators(ds, p) for p in ("2024", "2025")}
    ctx = briefing.BriefingContext(dataset=ds, period=parse_period("2025"), table=tables["2025"],
                                   history=pd.concat(tables.values(), ignore_index=True),
                                   trend_periods=("2024", "2025"), available=("2024", "2025"))
    scored = briefing.union_scorecard(ctx, "A")
    card = scored.set_index("indicator_id")
    # the line gives the dates; what changed is said once, below the table
    assert card.loc["finance_collection", "note"].endswith(
        "chuỗi số liệu thay đổi từ 01/06/2025, 01/07/2025 (xem dưới bảng)")
    assert "chuỗi" not in card.loc["people_informed", "note"]
    assert len(scored.attrs["series_breaks"]) == 2
    assert scored.attrs["series_breaks"][1] == (
        "từ 01/07/2025 đoàn phí giảm từ 1% xuống 0,5% tiền lương (Luật Công đoàn 2024)")
    table = view.scorecard(scored, "vi").data
    below = table.split("</table>", 1)[1]
    assert below.count("đoàn phí giảm từ 1% xuống 0,5%") == 1
    assert below.startswith('<p class="cd-note">Chuỗi số liệu thay đổi: từ 01/06/2025 ngừng thu')
    assert "đoàn phí giảm" not in table.split("</table>", 1)[0]
    history = briefing.history_rows(ctx, "A", "cdcs", ["finance_collection"])
    assert list(history["break_label"]) == ["", "01/06/2025, 01/07/2025"]
    figure = charts.trend(history)
    panel = figure.axes[0]
    assert any(line.get_linestyle() == ":" and line.get_xdata()[0] == 0.5 for line in panel.lines)
    assert any("01/07/2025" in text.get_text() for text in panel.texts)
    # the break falls in the last period shown: its dates are written left of the line, whole
    from congdoan.briefing.images import agg_canvas

    alone = charts.trend_panel(history)  # as a briefing shows it: a panel of its own
    renderer = agg_canvas(alone).get_renderer()
    assert alone.axes[0].texts
    for text in alone.axes[0].texts:
        box = text.get_window_extent(renderer)
        assert 0 <= box.x0 and box.x1 <= alone.bbox.x1, text.get_text()


def test_provisional_points_are_drawn_hollow() -> None:
    from congdoan.briefing import charts

    history = pd.DataFrame({"indicator_id": "x", "label": "X", "period": ["2024", "2025"],
                            "measure": "share", "value": [0.5, 0.6], "target": 0.7,
                            "status": "not_met", "provisional": [False, True],
                            "break_label": ""})
    panel = charts.trend(history).axes[0]
    faces = {tuple(line.get_xdata()): line.get_markerfacecolor() for line in panel.lines
             if line.get_marker() not in (None, "None", "")}
    assert faces[(1,)] == "white" and faces[(0,)] != "white"


def test_yearly_indicators_trend_over_full_years_only() -> None:
    assert briefing.yearly_only("people_informed")          # a flow: people informed in a year
    assert briefing.yearly_only("dialogue_nnn")             # an event held in the year
    assert briefing.yearly_only("member_growth")            # the year's change in members
    assert not briefing.yearly_only("member_share_unionised")  # a stock at the cut-off
    assert not briefing.yearly_only("cba_coverage")
    reports = [{"unit_id": "B", "period": p, "submitted_on": day, "workers": 60, "members": 50,
                "people_informed": 20}
               for p, day in (("2023-H1", "2023-06-05"), ("2023-H2", "2023-12-05"),
                              ("2024-H1", "2024-06-05"))]
    ds = tiny_dataset(reports=reports)
    tables = {p: compute_indicators(ds, p) for p in ("2023", "2024-H1")}
    ctx = briefing.BriefingContext(
        dataset=ds, period=parse_period("2024-H1"), table=tables["2024-H1"],
        history=pd.concat(tables.values(), ignore_index=True), trend_periods=tuple(tables),
        available=tuple(tables))
    rows = briefing.history_rows(ctx, "B", "cdcs", ["people_informed", "member_share_unionised"])
    periods = rows.groupby("indicator_id")["period"].apply(list).to_dict()
    assert periods == {"people_informed": ["2023"],  # H1 2024 (20) left out
                       "member_share_unionised": ["2023", "2024-H1"]}
    # the year report counts people year to date: 20 distinct people of 60 in 2023
    assert rows.set_index(["indicator_id", "period"]).loc[
        ("people_informed", "2023"), "value"] == pytest.approx(20 / 60)


def test_activities_of_a_union_are_its_own_and_of_an_upper_union_its_unions() -> None:
    from conftest import frame

    ds = tiny_dataset(reports=_reports())
    ds.activities = frame("activities", [
        {"unit_id": "A", "period": "2023-H1", "programme": "tet_sum_vay", "events": 1,
         "participants": 12, "support_vnd": 6_000_000},
        {"unit_id": "B", "period": "2023-H1", "programme": "tet_sum_vay", "events": 2,
         "participants": 50, "support_vnd": 10_000_000},
        {"unit_id": "B", "period": "2023-H1", "programme": "thi_tho_gioi", "events": 1,
         "participants": 8, "support_vnd": 4_000_000},
    ])
    ctx = _context(ds, "2023-H1")
    own = briefing.unit_activities(ctx, "A", "cdcs").set_index("programme")
    assert own.loc["tet_sum_vay", ["events", "participants", "support_vnd"]].tolist() == [
        1, 12, 6_000_000]
    assert own["events"].sum() == 1  # never B's figures
    upper = briefing.unit_activities(ctx, "FED", "upper_union").set_index("programme")
    assert upper.loc["tet_sum_vay", ["units", "events", "participants"]].tolist() == [2, 3, 62]
    assert upper.loc["thi_tho_gioi", "support_vnd"] == 4_000_000
    district = briefing.unit_activities(ctx, ds.organisation_id, "organisation")
    assert district["support_vnd"].sum() == 20_000_000


def test_the_conclusions_say_a_cdcs_answer_and_a_provisional_figure_as_such() -> None:
    base = {"measure": "share", "target": 0.6, "target_max": np.nan, "strict": False,
            "kind": "annual", "milestone_year": np.nan, "tolerance": 0.0, "unit_word": "",
            "status": "not_met"}
    card = pd.DataFrame([
        {**base, "label": "Đối thoại", "value": 0.0, "gap": 0.6, "answer": "Không",
         "provisional": False},
        {**base, "label": "Thỏa ước", "value": 0.5, "gap": 0.1, "answer": "",
         "provisional": np.bool_(True)}])
    first = briefing.narrative(card, "vi")[0]
    assert first == ("Chỉ tiêu chưa đạt: Đối thoại (Không; chỉ tiêu ≥ 60%); Thỏa ước (50%; "
                     "chỉ tiêu ≥ 60%; thiếu 10 điểm %; tạm tính).")


def test_a_title_states_members_and_workers_at_the_cut_off(
        ctx: briefing.BriefingContext) -> None:
    union = briefing.union_identity(ctx, "A")
    assert (union.members, union.workers, union.stock_units) == (18, 20, 1)
    assert briefing.union_identity(ctx, "C").members is None  # C has not reported by 2023-H1
    whole = briefing.upper_identity(ctx, ctx.dataset.organisation_id)
    assert (whole.members, whole.workers, whole.stock_units, whole.units) == (68, 80, 2, 3)
    block = view.title_block(whole, "vi").data
    assert "Đoàn viên / CNVCLĐ</th><td>68 / 80 (theo báo cáo của 2/3 CĐCS)" in block
    assert "Đoàn viên / CNVCLĐ</th><td>18 / 20<" in view.title_block(union, "vi").data
    assert "Đoàn viên" not in view.title_block(briefing.union_identity(ctx, "C"), "vi").data
    # at the year's cut-off, A and B carry their first half forward and C has reported
    year = briefing.upper_identity(_context(tiny_dataset(reports=_reports()), "2023"),
                                   ctx.dataset.organisation_id)
    assert (year.members, year.workers, year.stock_units) == (98, 120, 3)


def test_a_line_read_from_a_category_says_what_the_cdcs_answered() -> None:
    """'Rated well' is read from the rating: beside A's "Không", the rating it reported."""
    rated = {"unit_id": "A", "period": "2023-H2", "submitted_on": "2023-12-01", "workers": 20,
             "members": 18, "rating": "hoan_thanh"}
    card = briefing.union_scorecard(_context(tiny_dataset(reports=[*_reports(), rated]), "2023"),
                                    "A").set_index("indicator_id")
    row = card.loc["rated_good_state"]
    assert (row["answer"], row["said"], row["status"]) == ("Không", "Hoàn thành nhiệm vụ",
                                                           "not_met")
    assert row["note"] == "CĐCS báo cáo: Hoàn thành nhiệm vụ"
    assert card.loc["people_informed", "said"] == ""  # a count question: nothing to add
    first = briefing.narrative(card.reset_index(), "vi")[0]
    assert "(Không — Hoàn thành nhiệm vụ; chỉ tiêu" in first


def test_a_milestone_line_named_as_an_annual_line_is_told_apart_in_the_trend(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A ward's plan: agreements 55 % a year and 70 % by 2030, two lines of one name; the trend
    draws a panel per name, and drew the two as one (two points, both "2025")."""
    from congdoan.core.plan import load_register
    register = load_register()
    annual = register.get("dialogue_nnn")
    twin = annual.model_copy(update={"id": "dialogue_nnn_2030", "kind": "milestone", "target": None,
                                     "milestones": register.get("cba_coverage").milestones})
    patched = register.model_copy(update={"indicators": (*register.indicators, twin)})
    monkeypatch.setattr(briefing, "load_register", lambda *a, **k: patched)
    monkeypatch.setattr(briefing, "indicator", lambda i: patched.get(i))
    assert briefing.distinct_label("dialogue_nnn") == annual.name_vi
    assert briefing.distinct_label("dialogue_nnn_2030") == f"Mốc: {annual.name_vi}"
    assert briefing.distinct_label("cba_coverage") == register.get("cba_coverage").name_vi


def test_a_rating_line_that_does_not_apply_says_why() -> None:
    """B founded on 1/3/2023 has not had 12 months at the 2023 year's cut-off: no rating."""
    ds = tiny_dataset(reports=_reports())
    ds.units.loc[ds.units["unit_id"] == "B", "founded"] = pd.Timestamp("2023-03-01")
    card = briefing.union_scorecard(_context(ds, "2023"), "B").set_index("indicator_id")
    row = card.loc["rated_good_nonstate"]
    assert (row["status"], row["note"]) == ("not_applicable",
                                            "CĐCS chưa đủ 12 tháng hoạt động để xếp loại")
    old = briefing.union_scorecard(_context(tiny_dataset(reports=_reports()), "2023"), "B")
    assert "12 tháng" not in " ".join(old["note"])  # founded in 2015: nothing of the kind


def test_a_provisional_line_says_how_many_reports_of_how_many(
        ctx: briefing.BriefingContext) -> None:
    """A and B of the three CĐCS reported in 2023-H1; the unionised share counts enterprises
    only (B of B and C): each line says its own count, not a bare share that seems to differ."""
    card = briefing.scorecard(ctx, ctx.dataset.organisation_id, "organisation").set_index(
        "indicator_id")
    assert card.loc["people_informed", "note"].endswith(
        "tạm tính: đã nhận 2/3 báo cáo (66,7%)")
    assert card.loc["member_share_unionised", "note"] == "tạm tính: đã nhận 1/2 báo cáo (50%)"


def test_a_cdcs_with_nothing_judged_is_not_told_it_met_everything() -> None:
    card = pd.DataFrame({"label": ["A", "B"], "status": ["no_data", "not_applicable"]})
    assert briefing.narrative(card, "vi") == [
        "Chưa đánh giá được chỉ tiêu nào: chưa có số liệu (xem mục số liệu còn thiếu)."]
