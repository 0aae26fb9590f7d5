"""Indicator engine on hand-made fixtures; every expected number is worked out here."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import pick, tiny_dataset
from congdoan.core.indicators import compute_indicators, output_columns, unit_frame
from congdoan.core.periods import parse_period
from congdoan.exceptions import PeriodError


def _report(unit: str, period: str, **values: float) -> dict[str, object]:
    return {"unit_id": unit, "period": period, "submitted_on": "2023-06-05", **values}


def test_stock_takes_cut_off_value_and_flow_sums_halves() -> None:
    ds = tiny_dataset(reports=[
        _report("A", "2023-H1", members=10, workers=20, members_admitted=3, members_left=1),
        _report("A", "2023-H2", members=12, workers=21, members_admitted=4, members_left=0),
    ])
    year = unit_frame(ds, parse_period("2023")).set_index("unit_id")
    assert year.loc["A", "members"] == 12          # stock: value at 30/11
    assert year.loc["A", "workers"] == 21
    assert year.loc["A", "members_admitted"] == 7  # flow: 3 + 4
    assert year.loc["A", "net_members"] == 6       # (3 + 4) − (1 + 0)
    half = unit_frame(ds, parse_period("2023-H1")).set_index("unit_id")
    assert half.loc["A", "members"] == 10
    assert half.loc["A", "members_admitted"] == 3


def test_flow_with_a_missing_half_is_no_data_but_any_event_counts() -> None:
    ds = tiny_dataset(reports=[
        _report("B", "2023-H1", members_admitted=5, dialogue_held=1),
        # no 2023-H2 report from B
    ])
    year = unit_frame(ds, parse_period("2023")).set_index("unit_id")
    assert math.isnan(year.loc["B", "members_admitted"])  # half the year is unknown
    assert year.loc["B", "dialogue_held"] == 1            # held in H1: held in the year
    assert not year.loc["B", "reported"]


def test_rates_are_recomputed_from_sums_not_averaged() -> None:
    # A (HCSN, C1): 16 of 20 workers informed in the year = 80 %; B (NNN, C1): 10 of 60 = 16.7 %
    # (the year report counts the year to date: 8 by 31/5, 16 by 30/11 for A)
    reports = []
    for half, a, b in (("2023-H1", 8, 5), ("2023-H2", 16, 10)):
        reports.append(_report("A", half, workers=20, people_informed=a))
        reports.append(_report("B", half, workers=60, people_informed=b))
    out = compute_indicators(tiny_dataset(reports=reports), "2023",
                             indicator_ids=["people_informed"])
    commune = pick(out, level="commune", unit_id="C1")
    assert commune["numerator"] == 26 and commune["denominator"] == 80
    assert commune["value"] == pytest.approx(26 / 80)          # 0.325
    assert commune["value"] != pytest.approx((0.8 + 10 / 60) / 2)  # not the mean, 0.483
    assert commune["status"] == "not_met"                      # target 75 %
    assert pick(out, level="cdcs", unit_id="A")["status"] == "met"
    # C sent nothing: no data for C, and the district counts 2 of 3 units
    assert pick(out, level="cdcs", unit_id="C")["status"] == "no_data"
    district = pick(out, level="organisation", unit_id="TINY")
    assert (district["units_expected"], district["units_reported"]) == (3, 2)


def test_annual_statuses_met_not_met_no_data_not_applicable() -> None:
    reports = []
    for half in ("2023-H1", "2023-H2"):
        reports.append(_report("A", half, members_in_hardship=2, members_hardship_visited=2))
        reports.append(_report("B", half, members_in_hardship=2, members_hardship_visited=1))
        reports.append(_report("C", half, members_in_hardship=0, members_hardship_visited=0))
    out = compute_indicators(tiny_dataset(reports=reports), "2023", levels=["cdcs", "organisation"],
                             indicator_ids=["hardship_visited"])
    assert pick(out, unit_id="A")["status"] == "met"            # 4 of 4
    assert pick(out, unit_id="B")["status"] == "not_met"        # 2 of 4
    assert pick(out, unit_id="C")["status"] == "not_applicable"  # nobody in hardship
    district = pick(out, level="organisation")
    assert district["value"] == pytest.approx(6 / 8)
    # no report at all from anybody for 2023-H1 … but the period exists through A's report
    sparse = compute_indicators(
        tiny_dataset(reports=[_report("A", "2023-H1", members_in_hardship=1,
                                      members_hardship_visited=1)]),
        "2023-H1", levels=["cdcs"], indicator_ids=["hardship_visited"])
    assert pick(sparse, unit_id="B")["status"] == "no_data"


def test_half_year_prorates_counts_and_skips_year_only() -> None:
    reports = [_report(u, "2023-H1", party_introduced=1, members_admitted=0, members_left=0,
                       members=10, rating=None) for u in ("A", "B", "C")]
    reports += [_report(u, "2022-H2", members=10) for u in ("A", "B", "C")]  # opening stocks
    out = compute_indicators(tiny_dataset(reports=reports), "2023-H1",
                             indicator_ids=["party_introductions", "member_growth",
                                            "rated_good_state"])
    party = pick(out, level="organisation", indicator_id="party_introductions")
    assert party["value"] == 1.0 and party["target"] == 0.5 and party["status"] == "met"
    growth = pick(out, level="organisation", indicator_id="member_growth")
    assert growth["target"] == 300 and growth["target_max"] == 350   # 600–700 halved
    assert growth["status"] == "not_met"
    rated = pick(out, level="organisation", indicator_id="rated_good_state")
    assert rated["status"] == "not_applicable"                        # ratings are yearly


def test_count_targets_are_judged_only_for_the_district() -> None:
    # A and B: 100 members on 30/11/2022, 450 on 31/5/2023, 800 on 30/11/2023; C stays at 50
    reports = [_report(u, h, members_admitted=400, members_left=50, members=m)
               for u in ("A", "B") for h, m in (("2023-H1", 450), ("2023-H2", 800))]
    reports += [_report(u, "2022-H2", members=100) for u in ("A", "B")]
    reports += [_report("C", h, members_admitted=0, members_left=0, members=50)
                for h in ("2022-H2", "2023-H1", "2023-H2")]
    out = compute_indicators(tiny_dataset(reports=reports), "2023",
                             indicator_ids=["member_growth"])
    district = pick(out, level="organisation")
    assert district["value"] == 1400 and district["status"] == "met"  # (400−50) × 4
    commune = pick(out, level="commune", unit_id="C1")
    assert commune["value"] == 1400 and commune["status"] == "not_applicable"
    assert math.isnan(commune["target"])


def test_rating_share_counts_only_units_active_twelve_months() -> None:
    units = [
        {"unit_id": "A", "name": "A", "sector": "HCSN", "commune_id": "C1", "founded": "2015-01-01"},
        {"unit_id": "D", "name": "D", "sector": "DNNN", "commune_id": "C1", "founded": "2015-01-01"},
        {"unit_id": "N", "name": "N", "sector": "HCSN", "commune_id": "C2", "founded": "2023-03-01"},
    ]
    reports = [_report("A", "2023-H2", rating="tot"), _report("D", "2023-H2", rating="hoan_thanh"),
               _report("N", "2023-H2", rating=None)]
    reports += [_report(u, "2023-H1") for u in ("A", "D")]
    out = compute_indicators(tiny_dataset(units=units, reports=reports), "2023",
                             indicator_ids=["rated_good_state"])
    sector = pick(out, level="organisation")
    assert (sector["numerator"], sector["denominator"]) == (1, 2)  # N (8 months) not counted
    assert sector["status"] == "not_met"                             # 50 % < 80 %
    # nor expected to report one: A and D expected, both reported (N's report does not count
    # for the rating, reported or not: its briefing says not applicable)
    assert (sector["units_expected"], sector["units_reported"]) == (2, 2)
    assert sector["coverage"] == 1.0 and not sector["provisional"]
    n = pick(out, level="cdcs", unit_id="N")
    assert (n["units_expected"], n["units_reported"], n["status"]) == (0, 0, "not_applicable")
    silent = compute_indicators(tiny_dataset(units=units, reports=reports[:2] + reports[3:]),
                                "2023", indicator_ids=["rated_good_state"])
    assert pick(silent, level="organisation")["units_expected"] == 2


def _members_history(values: dict[str, int]) -> list[dict[str, object]]:
    rows = []
    for year, members in values.items():
        rows.append(_report("A", f"{year}-H1", members=members, workers=30000))
        rows.append(_report("A", f"{year}-H2", members=members, workers=30000))
    return rows


@pytest.mark.parametrize(
    ("members_2022", "status", "ratio"),
    [
        (18100, "achieved", None),
        (17200, "on_track", 1.2),              # (17200−16000)/1 ÷ (18000−16000)/2 = 1200/1000
        (16950, "on_track", 0.95),             # exactly 95 %
        (16700, "acceleration_needed", 0.7),
        (16300, "limited_progress", 0.3),
        (16000, "limited_progress", 0.0),
        (15800, "moving_away", -0.2),
    ],
)
def test_linear_pace_progress_statuses(members_2022: int, status: str, ratio: float | None) -> None:
    ds = tiny_dataset(reports=_members_history({"2021": 16000, "2022": members_2022}))
    out = compute_indicators(ds, "2022", levels=["organisation"], indicator_ids=["total_members"])
    row = pick(out, level="organisation")
    assert row["status"] == status
    assert row["baseline_value"] == 16000 and row["target"] == 18000
    assert row["milestone_year"] == 2023
    assert row["required_pace"] == pytest.approx(1000)   # 2000 members in 2 years
    assert row["actual_pace"] == pytest.approx(members_2022 - 16000)
    if ratio is not None:
        assert row["pace_ratio"] == pytest.approx(ratio)
    assert row["projection_2025"] == pytest.approx(members_2022 + 3 * (members_2022 - 16000))


def test_milestone_already_met_at_baseline_then_lost_is_moving_away() -> None:
    # 17,700 is below 18,000 − 1 % (17,820): not reached, and lower than at the baseline
    ds = tiny_dataset(reports=_members_history({"2021": 18500, "2022": 17700}))
    row = pick(compute_indicators(ds, "2022", levels=["organisation"],
                                  indicator_ids=["total_members"]), level="organisation")
    assert row["status"] == "moving_away"


def test_next_milestone_is_chosen_and_strict_targets_need_more() -> None:
    # cba_coverage: 2025 → 80 %, 2030 → more than 85 %
    units = [{"unit_id": f"E{i}", "name": f"Công ty {i}", "sector": "NNN", "commune_id": "C1",
              "founded": "2015-01-01"} for i in range(20)]
    reports = []
    for year, signed in (("2021", 10), ("2026", 17)):   # 50 % → 85 %
        for half in ("H1", "H2"):
            for i in range(20):
                reports.append(_report(f"E{i}", f"{year}-{half}", cba_signed=int(i < signed)))
    out = compute_indicators(tiny_dataset(units=units, reports=reports), "2026",
                             levels=["organisation"], indicator_ids=["cba_coverage"])
    row = pick(out, level="organisation")
    assert row["milestone_year"] == 2030 and row["target"] == 0.85
    assert row["status"] != "achieved"                   # 85 % is not "more than 85 %"
    # required (0.85 − 0.5)/9 per year; actual (0.85 − 0.5)/5: ahead of pace
    assert row["required_pace"] == pytest.approx(0.35 / 9)
    assert row["actual_pace"] == pytest.approx(0.35 / 5)
    assert row["status"] == "on_track"


def test_unit_moving_to_commune_union_on_1_july_2025() -> None:
    reports = [_report("A", h, members=10, workers=10) for h in ("2025-H1", "2025-H2")]
    reports += [_report(u, h, members=5, workers=10) for u in ("B", "C")
                for h in ("2025-H1", "2025-H2")]
    ds = tiny_dataset(reports=reports)
    half = compute_indicators(ds, "2025-H1", levels=["cdcs", "upper_union"],
                              indicator_ids=["total_members"])
    assert pick(half, level="cdcs", unit_id="A")["parent_id"] == "FED"
    assert pick(half, level="upper_union", unit_id="FED")["value"] == 20
    assert "XA" not in set(half.loc[half["level"] == "upper_union", "unit_id"])
    year = compute_indicators(ds, "2025", levels=["cdcs", "upper_union"],
                              indicator_ids=["total_members"])
    assert pick(year, level="cdcs", unit_id="A")["parent_id"] == "XA"
    assert pick(year, level="upper_union", unit_id="XA")["value"] == 20
    assert "FED" not in set(year.loc[year["level"] == "upper_union", "unit_id"])


def test_upper_union_records_judge_rating_and_audits() -> None:
    ds = tiny_dataset(
        reports=[_report("A", h) for h in ("2024-H1", "2024-H2", "2025-H1", "2025-H2")],
        upper_records=[
            {"upper_id": "FED", "year": 2024, "rating": "tot", "audited": 1},
            {"upper_id": "XA", "year": 2025, "rating": "hoan_thanh", "audited": 0},
        ])
    out24 = compute_indicators(ds, "2024", indicator_ids=["district_rating", "upper_audited"])
    assert pick(out24, level="upper_union", indicator_id="district_rating")["status"] == "met"
    assert pick(out24, level="organisation", indicator_id="upper_audited")["value"] == 1.0
    out25 = compute_indicators(ds, "2025", indicator_ids=["district_rating", "upper_audited"])
    # the district federation no longer exists: nothing to judge for clause 1.7's first line
    assert (out25["indicator_id"] == "district_rating").sum() == 1
    gone = pick(out25, indicator_id="district_rating")
    assert gone["level"] == "organisation" and gone["units_expected"] == 0
    assert gone["status"] == "not_applicable"
    assert pick(out25, level="upper_union", indicator_id="upper_audited")["status"] == "not_met"


def test_enterprise_coverage_from_the_registry() -> None:
    enterprises = [
        {"enterprise_id": "E-B", "name": "B", "commune_id": "C1", "ownership": "NNN",
         "workers": 120, "opened": "2010-01-01", "unit_id": "B"},
        {"enterprise_id": "E-C", "name": "C", "commune_id": "C2", "ownership": "NNN",
         "workers": 30, "opened": "2010-01-01", "unit_id": "C"},
        {"enterprise_id": "E-X", "name": "X", "commune_id": "C2", "ownership": "NNN",
         "workers": 40, "opened": "2010-01-01"},
        {"enterprise_id": "E-S", "name": "S", "commune_id": "C2", "ownership": "NNN",
         "workers": 10, "opened": "2010-01-01"},   # under 25 workers: not counted
    ]
    ds = tiny_dataset(enterprises=enterprises,
                      reports=[_report("A", h) for h in ("2021-H1", "2021-H2", "2024-H1",
                                                         "2024-H2")])
    out = compute_indicators(ds, "2024", indicator_ids=["enterprise_coverage"])
    district = pick(out, level="organisation")
    assert (district["numerator"], district["denominator"]) == (2, 3)
    assert pick(out, level="commune", unit_id="C2")["value"] == pytest.approx(0.5)
    assert not (out["level"] == "cdcs").any()


def test_output_has_the_contract_columns_and_unknown_period_is_refused() -> None:
    ds = tiny_dataset(reports=[_report("A", "2023-H1", members=1)])
    out = compute_indicators(ds, "2023-H1")
    assert list(out.columns) == list(output_columns())
    assert {"cdcs", "sector", "commune", "upper_union", "organisation"} <= set(out["level"])
    with pytest.raises(PeriodError) as err:
        compute_indicators(ds, "2019")
    assert "2023-H1" in str(err.value)
    with pytest.raises(PeriodError):
        compute_indicators(ds, "2023-H3")


def test_named_groups_are_aggregated() -> None:
    reports = [_report(u, "2023-H1", workers=w, members=m)
               for u, w, m in (("A", 10, 5), ("B", 30, 30), ("C", 60, 15))]
    out = compute_indicators(tiny_dataset(reports=reports), "2023-H1",
                             groups={"Cụm Ninh Hiệp": ["B", "C"]}, levels=["group"],
                             indicator_ids=["member_share_unionised"])
    row = pick(out, level="group")
    assert row["unit_id"] == "Cụm Ninh Hiệp"
    assert row["value"] == pytest.approx(45 / 90)
    assert isinstance(out, pd.DataFrame)


def test_replacing_a_table_is_never_served_from_the_cache() -> None:
    reports = [_report("A", h, members=10) for h in ("2023-H1", "2023-H2")]
    ds = tiny_dataset(reports=reports)
    first = compute_indicators(ds, "2023", levels=["organisation"], indicator_ids=["total_members"])
    assert pick(first, level="organisation")["value"] == 10
    ds.reports = ds.reports.assign(members=ds.reports["members"] * 2)
    second = compute_indicators(ds, "2023", levels=["organisation"], indicator_ids=["total_members"])
    assert pick(second, level="organisation")["value"] == 20


def test_judge_periods_equals_judging_each_period_apart() -> None:
    from congdoan.core.indicators import judge, judge_periods
    from congdoan.core.plan import load_register

    register = load_register()
    members, dialogue = register.get("total_members"), register.get("dialogue_nnn")
    # 16,000 members in 2021; 17,200 in 2022: pace (17200−16000)/1 ÷ (18000−16000)/2 = 1.2;
    # 18,100 in 2023 reaches the milestone
    part = pd.DataFrame({
        "unit_id": ["X", "X", "X"], "level": ["organisation"] * 3,
        "period": ["2022", "2023", "2024-H1"], "numerator": [17200, 18100, 18300],
        "denominator": [0, 0, 0], "units_expected": [3, 3, 3], "units_reported": [3, 3, 3],
    })
    baseline = pd.Series({"X": 16000.0})
    together = judge_periods(members, part, baseline)
    assert list(together["period"]) == ["2022", "2023", "2024-H1"]
    assert list(together["status"][:2]) == ["on_track", "achieved"]
    assert together["pace_ratio"].iloc[0] == pytest.approx(1.2)
    assert together["actual_pace"].iloc[0] == pytest.approx(1200)
    # 2024-H1 lies at 2023.5 on the milestone scale: 2,300 members in 2.5 years
    assert together["actual_pace"].iloc[2] == pytest.approx(2300 / 2.5)
    for i, period in enumerate(part["period"]):
        alone = judge(members, parse_period(period), part.iloc[[i]].reset_index(drop=True),
                      baseline)
        for col in ("value", "target", "status", "baseline_value", "required_pace",
                    "actual_pace", "pace_ratio", "projection_2025", "projection_2030"):
            assert together[col].iloc[i] == alone[col].iloc[0] or (
                pd.isna(together[col].iloc[i]) and pd.isna(alone[col].iloc[0])), (period, col)
    # an annual share: the half year judges the same yes/no events against the same target
    shares = part.assign(numerator=[7, 6, 3], denominator=[10, 10, 10])
    judged = judge_periods(dialogue, shares)
    assert list(judged["value"]) == [0.7, 0.6, 0.3]
    assert list(judged["status"]) == ["met", "not_met", "not_met"]
