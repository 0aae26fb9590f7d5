"""congdoan.core.judgement on hand-made summed rows: annual status, milestones due, pace ahead.

Each indicator here is written in the test (not read from the plan), so every expected figure
follows from the numbers on the page and the rules of ``docs/method.md`` (§4, §5): the plan's
baseline year is 2021 and its projection years 2025 and 2030.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from congdoan.core.judgement import judge, judge_periods, period_time
from congdoan.core.periods import parse_period
from congdoan.core.plan import Indicator, Method, PlanRegister, load_register


def _indicator(**fields: Any) -> Indicator:
    base: dict[str, Any] = {
        "id": "probe", "clause": "9.9", "wording_vi": "thử", "name_vi": "thử",
        "name_en": "probe", "population": "all", "level": "cdcs"}
    return Indicator(**{**base, **fields})


def _share(**target: Any) -> Indicator:
    """An annual share of workers who are members, judged at every level."""
    return _indicator(kind="annual", numerator="members", denominator="workers",
                      measure="share", target=target)


def _count_milestone(value: float, year: int = 2025, **extra: Any) -> Indicator:
    """A count of members with one milestone, judged for the organisation."""
    return _indicator(kind="milestone", numerator="members", denominator=None, measure="count",
                      level="organisation",
                      milestones={year: {"value": value, "clause": "9.9", **extra}})


def _row(numerator: float | None, denominator: float | None = None, *, level: str = "cdcs",
         unit: str = "U", expected: int = 1, reported: int = 1) -> dict[str, Any]:
    return {"unit_id": unit, "level": level, "numerator": numerator,
            "denominator": denominator, "units_expected": expected, "units_reported": reported}


def _judge(ind: Indicator, period: str, *rows: dict[str, Any],
           baseline: dict[str, float] | None = None,
           method: Method | None = None) -> pd.DataFrame:
    register = load_register()
    if method is not None:
        register = PlanRegister(plan=register.plan, indicators=register.indicators, method=method)
    return judge(ind, parse_period(period), pd.DataFrame(list(rows)),
                 pd.Series(baseline) if baseline is not None else None, register)


def _one(ind: Indicator, period: str, row: dict[str, Any], **kw: Any) -> pd.Series:
    out = _judge(ind, period, row, **kw)
    assert len(out) == 1
    return out.iloc[0]


# ---------------------------------------------------------------- annual targets (§4)
@pytest.mark.parametrize(("members", "status", "gap"), [
    (7, "met", 0.0),      # 7 of 10 = 70 % against ≥ 70 %
    (6, "not_met", 0.1),  # 60 %: 10 points short
    (9, "met", 0.0),      # above the target: no negative gap
])
def test_an_annual_share_is_met_from_its_target_with_the_gap_missing(members: int, status: str,
                                                                     gap: float) -> None:
    row = _one(_share(min=0.7), "2024", _row(members, 10))
    assert row["value"] == pytest.approx(members / 10)
    assert row["target"] == pytest.approx(0.7)
    assert row["status"] == status
    assert row["gap"] == pytest.approx(gap)


def test_a_strict_target_needs_more_than_its_value() -> None:
    # "trên 70 %": 7 of 10 is exactly 70 %, not above it; 8 of 10 is
    assert _one(_share(min=0.7, strict=True), "2024", _row(7, 10))["status"] == "not_met"
    assert _one(_share(min=0.7, strict=True), "2024", _row(8, 10))["status"] == "met"


def test_a_range_is_met_from_its_minimum_and_carries_its_maximum() -> None:
    count = _indicator(kind="annual", numerator="members", denominator=None, measure="count",
                       target={"min": 600, "max": 700})
    low, inside = _judge(count, "2024", _row(599, unit="A"), _row(650, unit="B")).itertuples()
    assert (low.status, low.gap, low.target_max) == ("not_met", 1, 700)
    assert (inside.status, inside.gap) == ("met", 0)
    # a count has no denominator in the output, whatever the row carried
    assert pd.isna(inside.denominator)


def test_a_prorated_count_in_a_half_year_is_judged_against_half_the_annual_target() -> None:
    count = _indicator(kind="annual", numerator="members", denominator=None, measure="count",
                       prorate=True, target={"min": 10})
    # 2024-H1 is half a reporting year: target 10 × 0.5 = 5; 5 meets it, 4 misses by 1
    met, short = _judge(count, "2024-H1", _row(5, unit="A"), _row(4, unit="B")).itertuples()
    assert (met.target, met.status) == (5, "met")
    assert (short.target, short.status, short.gap) == (5, "not_met", 1)
    # the year: the whole target
    assert _one(count, "2024", _row(5))["target"] == 10


def test_no_report_is_no_data_and_nothing_to_count_is_not_applicable() -> None:
    out = _judge(_share(min=0.7), "2024",
                 _row(None, None, unit="silent", reported=0),  # no report: no value
                 _row(0, 0, unit="empty"))                      # reported, no worker to count
    assert list(out["status"]) == ["no_data", "not_applicable"]


def test_rows_the_target_does_not_apply_to_are_not_applicable_without_target_or_gap() -> None:
    year_only = _indicator(kind="annual", numerator="members", denominator="workers",
                           measure="share", year_only=True, target={"min": 0.7})
    # a yearly-only line in a half year; a row with no CĐCS expected; a CĐCS row of a target set
    # for the organisation
    rows = [
        _one(year_only, "2024-H1", _row(1, 10)),
        _one(_share(min=0.7), "2024", _row(1, 10, expected=0, reported=0)),
        _one(_indicator(kind="annual", numerator="members", denominator="workers",
                        measure="share", level="organisation", target={"min": 0.7}),
             "2024", _row(1, 10, level="cdcs")),
    ]
    for row in rows:
        assert row["status"] == "not_applicable"
        assert pd.isna(row["target"]) and pd.isna(row["gap"])
    # the same year-only line in the year is judged (1 of 10 against 70 %)
    assert _one(year_only, "2024", _row(1, 10))["status"] == "not_met"


def test_a_figure_below_the_coverage_threshold_is_provisional() -> None:
    # coverage = reported ÷ expected against 0.9: 8 of 10 (0.8) provisional, 9 of 10 not
    out = _judge(_share(min=0.7), "2024", _row(7, 10, unit="A", expected=10, reported=8),
                 _row(7, 10, unit="B", expected=10, reported=9))
    assert list(out["coverage"]) == [pytest.approx(0.8), pytest.approx(0.9)]
    assert list(out["provisional"]) == [True, False]


# ---------------------------------------------------------------- milestones due (§5)
@pytest.mark.parametrize(("members", "status", "gap"), [
    (17820, "achieved", 180),      # "khoảng 18.000": 18,000 − 1 % = 17,820 reaches it
    (17819, "not_achieved", 181),  # one member below the tolerance
    (18000, "achieved", 0),
])
def test_a_due_about_milestone_is_reached_within_the_default_tolerance(members: int, status: str,
                                                                       gap: int) -> None:
    row = _one(_count_milestone(18000, 2023, about=True), "2023",
               _row(members, level="organisation"), baseline={"U": 16000})
    assert row["due"] and row["milestone_year"] == 2023
    assert (row["status"], row["gap"]) == (status, gap)
    assert row["tolerance"] == pytest.approx(0.01)


def test_a_milestone_states_its_own_tolerance_and_without_about_there_is_none() -> None:
    # tolerance 2 %: 18,000 × 0.98 = 17,640 reaches it
    own = _count_milestone(18000, 2023, about=True, tolerance=0.02)
    assert _one(own, "2023", _row(17640, level="organisation"))["status"] == "achieved"
    assert _one(own, "2023", _row(17639, level="organisation"))["status"] == "not_achieved"
    # not "about": 17,999 is one short
    plain = _one(_count_milestone(18000, 2023), "2023", _row(17999, level="organisation"))
    assert (plain["status"], plain["gap"], plain["tolerance"]) == ("not_achieved", 1, 0)


def test_an_overdue_milestone_is_still_judged_reached_or_not_never_by_pace() -> None:
    # 2026 is after the last milestone (2025): it stays the milestone, due; a pace far ahead
    # (baseline 1,000 in 2021, 1,900 in 2026: 180 a year against 250) does not decide
    row = _one(_count_milestone(2000), "2026", _row(1900, level="organisation"),
               baseline={"U": 1000})
    assert row["due"] and row["milestone_year"] == 2025
    assert (row["status"], row["gap"]) == ("not_achieved", 100)


# ---------------------------------------------------------------- milestones ahead: pace (§5)
# Baseline 1,000 members in 2021, milestone 2,000 in 2025: required (2000 − 1000) ÷ 4 = 250 a
# year. In 2023 (two years on) the actual pace is (value − 1000) ÷ 2; ratio = actual ÷ 250.
@pytest.mark.parametrize(("members", "ratio", "status"), [
    (1475, 0.95, "on_track"),                # 237.5 ÷ 250 = 0.95, the threshold itself
    (1474, 0.948, "acceleration_needed"),    # 237 ÷ 250
    (1300, 0.60, "acceleration_needed"),     # 150 ÷ 250, the lower threshold itself
    (1299, 0.598, "limited_progress"),       # 149.5 ÷ 250
    (1000, 0.0, "limited_progress"),         # no progress, no loss
    (999, -0.002, "moving_away"),            # −0.5 ÷ 250
])
def test_a_milestone_ahead_is_judged_by_the_ratio_of_actual_to_required_pace(
        members: int, ratio: float, status: str) -> None:
    row = _one(_count_milestone(2000), "2023", _row(members, level="organisation"),
               baseline={"U": 1000})
    assert not row["due"]
    assert row["required_pace"] == pytest.approx(250)
    assert row["actual_pace"] == pytest.approx((members - 1000) / 2)
    assert row["pace_ratio"] == pytest.approx(ratio)
    assert row["status"] == status
    assert row["pace_method"] == "linear"


def test_a_first_half_sits_half_a_year_before_its_year() -> None:
    # 2023-H1 lies at 2022.5: 1.5 years after the baseline; 1,375 gives 375 ÷ 1.5 = 250 a year
    assert period_time(parse_period("2023-H1")) == 2022.5
    assert period_time(parse_period("2023-H2")) == 2023
    row = _one(_count_milestone(2000), "2023-H1", _row(1375, level="organisation"),
               baseline={"U": 1000})
    assert row["actual_pace"] == pytest.approx(250)
    assert row["status"] == "on_track"


def test_projections_follow_the_actual_pace_and_none_is_made_for_a_year_past() -> None:
    # 1,475 in 2023 at 237.5 a year: 2025 → 1,475 + 2 × 237.5 = 1,950; 2030 → + 7 × 237.5
    row = _one(_count_milestone(2000), "2023", _row(1475, level="organisation"),
               baseline={"U": 1000})
    assert row["projection_2025"] == pytest.approx(1950)
    assert row["projection_2030"] == pytest.approx(3137.5)
    # in 2026 the year 2025 is past: no projection for it
    late = _one(_count_milestone(2000, 2030), "2026", _row(2000, level="organisation"),
                baseline={"U": 1000})
    assert pd.isna(late["projection_2025"])
    assert late["projection_2030"] == pytest.approx(2000 + 4 * 200)  # 1,000 in 5 years


def test_a_share_projection_is_bounded_to_one_and_a_count_to_zero() -> None:
    share = _indicator(kind="milestone", numerator="members", denominator="workers",
                       measure="share", level="organisation",
                       milestones={2030: {"value": 1.0, "clause": "9.9"}})
    # 50 % in 2021, 90 % in 2023: 20 points a year; 2030 would be 230 %: bounded to 100 %
    up = _one(share, "2023", _row(9, 10, level="organisation"), baseline={"U": 0.5})
    assert up["projection_2030"] == 1.0
    # a count falling 400 a year from 1,000: 2030 would be −1,800: bounded to 0
    down = _one(_count_milestone(2000, 2030), "2023", _row(200, level="organisation"),
                baseline={"U": 1000})
    assert down["status"] == "moving_away" and down["projection_2030"] == 0


def test_a_milestone_reached_ahead_of_its_year_is_achieved() -> None:
    row = _one(_count_milestone(2000), "2023", _row(2100, level="organisation"),
               baseline={"U": 1000})
    assert not row["due"] and (row["status"], row["gap"]) == ("achieved", 0)


def test_a_baseline_above_the_milestone_lost_since_is_moving_away() -> None:
    # required (2000 − 2500) ÷ 4 < 0: no pace can be asked, and 1,900 misses the milestone
    row = _one(_count_milestone(2000), "2023", _row(1900, level="organisation"),
               baseline={"U": 2500})
    assert row["status"] == "moving_away"
    assert pd.isna(row["pace_ratio"])


# ---------------------------------------------------------------- not enough history (§5)
def test_without_a_year_since_the_baseline_there_is_no_pace_and_no_projection() -> None:
    # 2022-H1 lies at 2021.5: half a year after the baseline, one annual value only
    row = _one(_count_milestone(2000), "2022-H1", _row(1400, level="organisation"),
               baseline={"U": 1000})
    assert row["status"] == "insufficient_history"
    for column in ("required_pace", "actual_pace", "pace_ratio", "projection_2025"):
        assert pd.isna(row[column]), column


def test_without_a_baseline_there_is_no_pace() -> None:
    row = _one(_count_milestone(2000), "2023", _row(1400, level="organisation"))
    assert row["status"] == "insufficient_history" and pd.isna(row["baseline_value"])
    # a unit the baseline does not name has none either
    other = _one(_count_milestone(2000), "2023", _row(1400, level="organisation"),
                 baseline={"elsewhere": 1000})
    assert other["status"] == "insufficient_history"


def test_more_annual_points_required_delay_the_pace() -> None:
    # min_annual_points 3: time − baseline year must reach 2; 2022 (one year on) is too early,
    # 2023 is judged (1,475: on track as above)
    method = Method(min_annual_points=3)
    early = _one(_count_milestone(2000), "2022", _row(1400, level="organisation"),
                 baseline={"U": 1000}, method=method)
    assert early["status"] == "insufficient_history"
    on = _one(_count_milestone(2000), "2023", _row(1475, level="organisation"),
              baseline={"U": 1000}, method=method)
    assert on["status"] == "on_track"


def test_thresholds_come_from_the_method() -> None:
    # ratio 0.948 (1,474 as above) is on track when on_track is 0.9
    row = _one(_count_milestone(2000), "2023", _row(1474, level="organisation"),
               baseline={"U": 1000}, method=Method(on_track=0.9, acceleration_needed=0.5))
    assert row["status"] == "on_track"


def test_compound_pace_for_counts_is_the_growth_rate() -> None:
    # baseline 1,000 in 2021, milestone 1,464.1 in 2025: required 1.4641^(1/4) − 1 = 10 % a
    # year; 1,210 in 2023: 1.21^(1/2) − 1 = 10 % a year: ratio 1, on track; 2025 projection
    # 1,210 × 1.1² = 1,464.1. The linear pace on the same figures: required 116.025 a year,
    # actual 105: ratio 0.905, acceleration needed.
    compound = _one(_count_milestone(1464.1), "2023", _row(1210, level="organisation"),
                    baseline={"U": 1000}, method=Method(count_pace="compound"))
    assert compound["pace_method"] == "compound"
    assert compound["required_pace"] == pytest.approx(0.1)
    assert compound["actual_pace"] == pytest.approx(0.1)
    assert compound["status"] == "on_track"
    assert compound["projection_2025"] == pytest.approx(1464.1)
    linear = _one(_count_milestone(1464.1), "2023", _row(1210, level="organisation"),
                  baseline={"U": 1000})
    assert linear["pace_ratio"] == pytest.approx(105 / 116.025)
    assert linear["status"] == "acceleration_needed"


def test_judging_periods_at_once_places_each_row_at_its_own_period() -> None:
    # the same 1,375 in 2023-H1 (1.5 years on: 250 a year, on track) and in 2023 (2 years on:
    # 187.5 a year, ratio 0.75, acceleration needed)
    part = pd.DataFrame([{**_row(1375, level="organisation"), "period": p}
                         for p in ("2023-H1", "2023")])
    out = judge_periods(_count_milestone(2000), part, pd.Series({"U": 1000.0}), load_register())
    assert list(out["status"]) == ["on_track", "acceleration_needed"]
    assert list(out["period"]) == ["2023-H1", "2023"]
