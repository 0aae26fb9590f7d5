"""The rules of docs/method.md on hand-worked fixtures: milestones due, tolerance, gaps,
baselines, history."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import pytest

from conftest import pick, tiny_dataset
from congdoan.core.indicators import compute_indicators
from congdoan.core.paths import DEFAULT_PARAMS_DIR as PARAMS_DIR
from congdoan.core.plan import load_register


def _report(unit: str, period: str, **values: float) -> dict[str, object]:
    return {"unit_id": unit, "period": period, "submitted_on": "2023-06-05", **values}


def _members(values: dict[str, int]) -> list[dict[str, object]]:
    """Unit A holding ``members`` at each half's cut-off (key: sub-period)."""
    return [_report("A", half, members=members, workers=30000)
            for half, members in values.items()]


# ---------------------------------------------------------------- milestones due and overdue
@pytest.mark.parametrize(("members", "status", "gap"), [
    (17956, "achieved", 44),       # "khoảng 18.000": within 1 % (from 17,820)
    (17820, "achieved", 180),      # exactly 18,000 − 1 %
    (17819, "not_achieved", 181),  # one member short of the tolerance
    (18200, "achieved", 0),
])
def test_an_overdue_milestone_is_reached_or_not_with_its_gap(members: int, status: str,
                                                               gap: int) -> None:
    # total members: "khoảng 18.000" due 2023; in 2025-H1 the milestone is overdue
    ds = tiny_dataset(reports=_members({"2021-H1": 16000, "2021-H2": 16000, "2025-H1": members}))
    row = pick(compute_indicators(ds, "2025-H1", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert row["due"] and row["milestone_year"] == 2023
    assert row["status"] == status
    assert row["gap"] == gap
    assert row["tolerance"] == pytest.approx(0.01)
    # the pace is still shown, but it does not decide: 1,956 in 3.5 years is ahead of 1,000/year
    assert row["actual_pace"] == pytest.approx((members - 16000) / 3.5)


def test_a_milestone_ahead_is_judged_by_pace_and_the_same_value_due_is_not() -> None:
    # 2023-H1 lies at 2022.5, before the 2023 milestone: 17,000 after 1.5 years of a 2-year road
    # (required 1,000/year, actual 1,000/1.5 = 667/year: ratio 0.67, acceleration needed)
    ds = tiny_dataset(reports=_members({"2021-H1": 16000, "2021-H2": 16000, "2023-H1": 17000,
                                        "2023-H2": 17000}))
    ahead = pick(compute_indicators(ds, "2023-H1", levels=["organisation"],
                                    indicator_ids=["total_members"]), level="organisation")
    assert not ahead["due"] and ahead["status"] == "acceleration_needed"
    assert ahead["pace_ratio"] == pytest.approx((1000 / 1.5) / 1000)
    due = pick(compute_indicators(ds, "2023", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert due["due"] and due["status"] == "not_achieved" and due["gap"] == 1000


def test_annual_targets_carry_their_gap() -> None:
    # hardship visited: 3 of 4 against 100 %: 25 points short; 4 of 4: no gap
    reports = [_report("A", h, members_in_hardship=2, members_hardship_visited=v)
               for h, v in (("2023-H1", 1), ("2023-H2", 2))]
    row = pick(compute_indicators(tiny_dataset(reports=reports), "2023", levels=["cdcs"],
                                  indicator_ids=["hardship_visited"]), unit_id="A")
    assert row["status"] == "not_met" and row["gap"] == pytest.approx(0.25)


# ---------------------------------------------------------------- baselines and history
UNITS = [
    {"unit_id": "B", "name": "Công ty B", "sector": "NNN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "C", "name": "Công ty C", "sector": "NNN", "commune_id": "C2",
     "founded": "2015-01-01"},
    {"unit_id": "D", "name": "Công ty D", "sector": "NNN", "commune_id": "C2",
     "founded": "2022-03-01"},   # after the baseline: 2022 is not a full year, 2023 is
    {"unit_id": "E", "name": "Công ty E", "sector": "NNN", "commune_id": "C1",
     "founded": "2015-01-01", "dissolved": "2023-12-31"},
]

# legal cases needing help and those represented, per half: (need, represented)
CASES = {
    "B": {"2021": (2, 1), "2022": (2, 1), "2023": (2, 1), "2024": (2, 1), "2025": (2, 1)},
    "C": {"2021": (2, 2), "2022": (2, 2), "2023": (2, 2), "2024": (2, 2), "2025": (2, 2)},
    "D": {"2022": (2, 0), "2023": (2, 1), "2024": (5, 3), "2025": (5, 3)},
    "E": {"2021": (1, 0), "2022": (1, 0), "2023": (1, 0)},
}


def _cases_dataset() -> object:
    reports = [_report(unit, f"{year}-{half}", legal_cases_need=need,
                       legal_cases_represented=rep)
               for unit, years in CASES.items() for year, (need, rep) in years.items()
               for half in ("H1", "H2")]
    return tiny_dataset(units=UNITS, reports=reports)


def test_one_baseline_rule_the_federation_and_the_district_agree() -> None:
    # 2021: B 2 of 4, C 4 of 4, E 0 of 2: 6 of 10 for the district and for the federation, which
    # held all three then. Under the old rule the federation took today's CĐCS (B, C, D): 6 of 8.
    ds = _cases_dataset()
    for period in ("2022", "2023", "2024", "2025-H1"):
        out = compute_indicators(ds, period, levels=["upper_union", "organisation"],
                                 indicator_ids=["legal_representation"])
        for level in ("upper_union", "organisation"):
            row = pick(out, level=level)
            assert row["baseline_value"] == pytest.approx(0.6), (period, level)
            assert row["baseline_year"] == 2021


def test_a_cdcs_founded_after_the_baseline_uses_its_first_full_year() -> None:
    ds = _cases_dataset()
    # 2024: D's baseline is 2023 (2 of 4 = 50 %); 2024 gives 6 of 10 = 60 %. Milestone 2025:
    # 70 %. Required (0.70 − 0.50) / 2 = 0.10 a year; actual (0.60 − 0.50) / 1 = 0.10: on track
    row = pick(compute_indicators(ds, "2024", levels=["cdcs"],
                                  indicator_ids=["legal_representation"]), unit_id="D")
    assert (row["baseline_year"], row["baseline_value"]) == (2023, pytest.approx(0.5))
    assert row["required_pace"] == pytest.approx(0.1)
    assert row["actual_pace"] == pytest.approx(0.1)
    assert row["status"] == "on_track"
    # 2024-H1 lies half a year after D's baseline: one annual value only, no pace yet
    half = pick(compute_indicators(ds, "2024-H1", levels=["cdcs"],
                                   indicator_ids=["legal_representation"]), unit_id="D")
    assert half["value"] == pytest.approx(0.6) and half["status"] == "insufficient_history"
    assert math.isnan(half["actual_pace"]) and math.isnan(half["projection_2030"])
    # 2022: D has a value but no full year yet: never "no data" beside a value
    young = pick(compute_indicators(ds, "2022", levels=["cdcs"],
                                    indicator_ids=["legal_representation"]), unit_id="D")
    assert young["value"] == 0 and young["status"] == "insufficient_history"
    assert math.isnan(young["baseline_value"])


def test_an_upper_union_formed_after_the_baseline_has_no_borrowed_baseline() -> None:
    # XA was formed on 1/7/2025: 2025 is not a full year for it; its 2025 milestone is due and
    # judged on the value alone (B 2/4, C 4/4, D 6/10: 12 of 18 = 66.7 % < 70 %)
    out = compute_indicators(_cases_dataset(), "2025", levels=["upper_union"],
                             indicator_ids=["legal_representation"])
    row = pick(out, unit_id="XA")
    assert math.isnan(row["baseline_value"])
    assert row["due"] and row["status"] == "not_achieved"
    assert row["gap"] == pytest.approx(0.7 - 12 / 18)


def test_the_baseline_year_counts_from_its_year_report_alone() -> None:
    # an organisation whose first report is the baseline year's year report (H2, no H1): its
    # baseline is that report's value (16,000), not the next full year's (17,000)
    ds = tiny_dataset(reports=_members({"2021-H2": 16000, "2022-H1": 16500, "2022-H2": 17000}))
    row = pick(compute_indicators(ds, "2022", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert (row["baseline_year"], row["baseline_value"]) == (2021, 16000)
    # a later year without its first half is no baseline: it stays the first year with both
    later = tiny_dataset(reports=_members({"2022-H2": 17000, "2023-H1": 17500, "2023-H2": 18000}))
    row = pick(compute_indicators(later, "2023", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert (row["baseline_year"], row["baseline_value"]) == (2023, 18000)


def test_pace_needs_two_annual_points() -> None:
    # 2021 baseline 16,000; 2022-H1 (2021.5) alone would annualise half a year: not shown
    ds = tiny_dataset(reports=_members({"2021-H1": 16000, "2021-H2": 16000, "2022-H1": 17500}))
    row = pick(compute_indicators(ds, "2022-H1", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert row["status"] == "insufficient_history"
    assert math.isnan(row["pace_ratio"]) and math.isnan(row["projection_2030"])


def test_projections_of_shares_stay_within_0_and_1() -> None:
    # legal representation: C alone, 10 % in 2021, 90 % in 2022: +80 points a year would
    # project 90 % + 8 × 80 % for 2030
    reports = [_report("C", f"{y}-{h}", legal_cases_need=10, legal_cases_represented=r)
               for y, r in (("2021", 1), ("2022", 9)) for h in ("H1", "H2")]
    row = pick(compute_indicators(tiny_dataset(reports=reports), "2022", levels=["cdcs"],
                                  indicator_ids=["legal_representation"]), unit_id="C")
    assert row["projection_2030"] == 1.0 and row["projection_2025"] == 1.0
    # money against budget may exceed 100 %: 100 % in 2021, 120 % in 2022 → 180 % in 2025
    money = [_report("C", f"{y}-{h}", finance_budget_vnd=100, finance_collected_vnd=c)
             for y, c in (("2021", 100), ("2022", 120)) for h in ("H1", "H2")]
    row = pick(compute_indicators(tiny_dataset(reports=money), "2022", levels=["cdcs"],
                                  indicator_ids=["finance_collection_milestone"]), unit_id="C")
    assert row["value"] == pytest.approx(1.2) and row["projection_2025"] == pytest.approx(1.8)


# ---------------------------------------------------------------- people counted once a year
def test_people_reached_in_both_halves_are_counted_once() -> None:
    # A (20 workers): 10 informed by 31/5; 14 by 30/11 in the year report (6 of the first 10
    # again, 4 new). Adding the halves gave 24 of 20 = 120 %.
    # D (founded 1/7): 5 of 10 workers by 30/11.
    units = [{"unit_id": "A", "name": "A", "sector": "HCSN", "commune_id": "C1",
              "founded": "2015-01-01"},
             {"unit_id": "D", "name": "D", "sector": "NNN", "commune_id": "C1",
              "founded": "2023-07-01"}]
    reports = [_report("A", "2023-H1", workers=20, people_informed=10),
               _report("A", "2023-H2", workers=20, people_informed=14),
               _report("D", "2023-H2", workers=10, people_informed=5)]
    ds = tiny_dataset(units=units, reports=reports)
    year = compute_indicators(ds, "2023", indicator_ids=["people_informed"])
    a = pick(year, level="cdcs", unit_id="A")
    assert (a["numerator"], a["denominator"], a["value"]) == (14, 20, pytest.approx(0.7))
    assert pick(year, level="organisation")["value"] == pytest.approx(19 / 30)
    # the first half alone: the six-month report; the second half alone: the people first
    # reached after 31/5 (14 − 10 for A; all 5 for D, founded after 31/5)
    first = compute_indicators(ds, "2023-H1", indicator_ids=["people_informed"])
    assert pick(first, level="cdcs", unit_id="A")["numerator"] == 10
    second = compute_indicators(ds, "2023-H2", indicator_ids=["people_informed"])
    assert pick(second, level="cdcs", unit_id="A")["numerator"] == 4
    assert pick(second, level="cdcs", unit_id="D")["numerator"] == 5
    assert pick(second, level="organisation")["numerator"] == 9
    # a year without its year report has no year figure, whatever the six-month report said
    alone = tiny_dataset(units=units[:1], reports=reports[:1] + [
        _report("A", "2023-H2", workers=20)])
    assert pick(compute_indicators(alone, "2023", indicator_ids=["people_informed"]),
                level="cdcs", unit_id="A")["status"] == "no_data"


def test_counts_may_use_open_sdgs_compound_growth(tmp_path: Path) -> None:
    # method.count_pace: compound. 16,000 (2021) → 17,000 (2022), milestone 18,000 in 2023:
    # required (18000/16000)^(1/2) − 1 = 6.066 % a year, actual 17000/16000 − 1 = 6.25 %:
    # ratio 1.0303, on track; projection 2025 = 17,000 × 1.0625³
    params = tmp_path / "params"
    shutil.copytree(PARAMS_DIR, params)
    plan = params / "plan.yaml"
    plan.write_text(plan.read_text(encoding="utf-8").replace(
        "count_pace: linear", "count_pace: compound"), encoding="utf-8")
    register = load_register(params)
    assert register.method.count_pace == "compound"
    ds = tiny_dataset(reports=_members({"2021-H1": 16000, "2021-H2": 16000, "2022-H1": 16500,
                                        "2022-H2": 17000}))
    row = pick(compute_indicators(ds, "2022", levels=["organisation"], register=register,
                                  indicator_ids=["total_members"]), level="organisation")
    assert row["pace_method"] == "compound"
    assert row["required_pace"] == pytest.approx((18000 / 16000) ** 0.5 - 1)
    assert row["actual_pace"] == pytest.approx(0.0625)
    assert row["pace_ratio"] == pytest.approx(0.0625 / ((18000 / 16000) ** 0.5 - 1))
    assert row["status"] == "on_track"
    assert row["projection_2025"] == pytest.approx(17000 * 1.0625 ** 3)
    # the same data with the linear pace: 1,000 a year required, 1,000 actual
    linear = pick(compute_indicators(ds, "2022", levels=["organisation"],
                                     indicator_ids=["total_members"]), level="organisation")
    assert linear["pace_method"] == "linear" and linear["pace_ratio"] == pytest.approx(1.0)
