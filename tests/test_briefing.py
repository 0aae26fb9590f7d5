"""What a briefing shows, on the hand-made tiny district (numbers worked out here)."""

from __future__ import annotations

import math

import pytest

from conftest import tiny_dataset
from congdoan.briefing import content as briefing
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
    assert "Đoàn viên, CNVCLĐ được học tập, quán triệt (8,3%; chỉ tiêu ≥ 37,5%)" in lines[0]
    # the furthest from target comes first: policy 0 of 65 % (gap 100 %) before informed (78 %)
    assert lines[1].startswith("Cần ưu tiên: Công đoàn đề xuất, tham gia xây dựng chính sách;")


def test_rows_of_a_unit_are_the_filtered_table_in_order(ctx: briefing.BriefingContext) -> None:
    table = ctx.table
    keys = set(zip(table["level"].astype(str), table["unit_id"].astype(str), strict=True))
    assert ("cdcs", "A") in keys and ("district", ctx.dataset.district_id) in keys
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
    assert math.isnan(informed["district"])  # only A and B reported in 2023-H1
    assert set(table.columns) == {"label", "target", "unit", "sector", "upper_union", "district"}


def test_breakdown_recomputes_rates_from_sums(ctx: briefing.BriefingContext) -> None:
    out = briefing.breakdown(ctx, "FED", "commune_id")
    row = out[(out["indicator_id"] == "people_informed") & (out["group"] == "C1")].iloc[0]
    assert (row["numerator"], row["denominator"]) == (13, 80)   # A 8/20 + B 5/60
    assert row["value"] == pytest.approx(13 / 80)
    assert row["group_name"] == "Xã Một"
    assert row["status"] == "not_met"


def test_units_below_target_and_status_counts(ctx: briefing.BriefingContext) -> None:
    below = briefing.units_below_target(ctx, "FED")
    assert below.iloc[0]["unit_id"] == "B"
    counts = briefing.status_counts(ctx, "FED")
    informed = counts.loc["Đoàn viên, CNVCLĐ được học tập, quán triệt"]
    assert (informed["met"], informed["not_met"], informed["no_data"]) == (1, 1, 1)


def test_missing_data_names_late_and_missing_reports(ctx: briefing.BriefingContext) -> None:
    card = briefing.union_scorecard(ctx, "C")
    lines = briefing.missing_data(ctx, "C", card, "vi")
    assert lines[0] == "Chưa nhận báo cáo 6 tháng đầu năm 2023 (hạn 10/06/2023)."
    assert "Chưa có số liệu để đánh giá" in lines[-1]
