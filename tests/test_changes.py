"""Member growth as the change in members, with its parts; carried-forward stocks; coverage.

Every number below is worked out by hand in the comments.
"""

from __future__ import annotations

import math

import pandas as pd
import pytest

from conftest import frame, pick, tiny_dataset
from congdoan.core.dataset import Dataset
from congdoan.core.indicators import compute_indicators


def _report(unit: str, period: str, **values: float) -> dict[str, object]:
    return {"unit_id": unit, "period": period, "submitted_on": "2023-06-05", "workers": 999,
            **values}


UNITS = [
    {"unit_id": "A", "name": "Trường A", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "B", "name": "Công ty B", "sector": "NNN", "commune_id": "C1",
     "founded": "2015-01-01"},
    {"unit_id": "C", "name": "Công ty C", "sector": "NNN", "commune_id": "C2",
     "founded": "2015-01-01"},
    {"unit_id": "D", "name": "Công ty D", "sector": "NNN", "commune_id": "C2",
     "founded": "2023-03-01"},
    {"unit_id": "E", "name": "Trường E", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01", "dissolved": "2023-08-31"},
]


def dissolution_year() -> Dataset:
    """2023: D founded on 1/3, E dissolved on 31/8 with its 30 members, C misses its H2 report.

    Members on 30/11/2022: A 100, B 200, C 50, E 30 (380).
    2023-H1: A 110 (+15 −5), B 190 (+10 −20), C 50, D 20 (+20), E 30.
    2023-H2: A 120 (+12 −2), B 195 (+10 −5), C no report, D 25 (+5); E no longer exists.
    """
    reports = [_report(u, "2022-H2", members=m) for u, m in
               (("A", 100), ("B", 200), ("C", 50), ("E", 30))]
    reports += [_report(u, "2023-H1", members=m, members_admitted=a, members_left=left)
                for u, m, a, left in (("A", 110, 15, 5), ("B", 190, 10, 20), ("C", 50, 0, 0),
                                      ("D", 20, 20, 0), ("E", 30, 0, 0))]
    reports += [_report(u, "2023-H2", members=m, members_admitted=a, members_left=left)
                for u, m, a, left in (("A", 120, 12, 2), ("B", 195, 10, 5), ("D", 25, 5, 0))]
    return tiny_dataset(units=UNITS, reports=reports)


def test_member_growth_is_the_change_in_members_with_its_parts() -> None:
    out = compute_indicators(dissolution_year(), "2023", indicator_ids=["member_growth"])
    district = pick(out, level="organisation")
    # end: A 120 + B 195 + C 50 (carried from 31/5) + D 25 = 390; start 380: +10.
    # parts: admitted 27 + 20 = 47 (C's year is incomplete: none), left 7 + 25 = 32,
    # founded D +25, dissolved E −30, nothing unexplained: 47 − 32 + 25 − 30 = 10.
    # The old rule (admitted − left of CĐCS with both reports) gave 20 − 5 + 25 = 40.
    assert district["value"] == 10 and district["change_net"] == 10
    assert (district["part_admitted"], district["part_left"]) == (47, -32)
    assert (district["part_founded"], district["part_dissolved"]) == (25, -30)
    assert district["part_other"] == 0
    assert math.isnan(district["part_moved_in"])  # moves inside the district are no change
    assert district["change_gross"] == 47 + 25
    assert district["status"] == "not_met"        # 10 < 600
    # commune C1 (A, B and E): 315 at the end, 330 at the start: 47 − 32 − 30 = −15
    commune = pick(out, level="commune", unit_id="C1")
    assert commune["value"] == -15 and commune["part_dissolved"] == -30
    # a CĐCS's own figure: A went from 100 to 120
    assert pick(out, level="cdcs", unit_id="A")["value"] == 20


def test_new_cdcs_net_and_gross_follow_the_registers_reading() -> None:
    out = compute_indicators(dissolution_year(), "2023",
                             indicator_ids=["new_cdcs", "new_cdcs_nonstate"], levels=["organisation"])
    net = pick(out, indicator_id="new_cdcs")          # reading: net
    assert (net["value"], net["change_gross"], net["change_net"]) == (0, 1, 0)  # D in, E out
    assert (net["part_founded"], net["part_dissolved"]) == (1, -1)
    gross = pick(out, indicator_id="new_cdcs_nonstate")  # reading: gross; E was HCSN
    assert (gross["value"], gross["change_net"]) == (1, 1)


def test_a_missing_report_keeps_the_last_stocks_marked_and_lowers_coverage() -> None:
    out = compute_indicators(dissolution_year(), "2023", indicator_ids=["total_members"])
    district = pick(out, level="organisation")
    # C did not report for 2023-H2: its 50 members of 31/5 are carried forward, so the total
    # does not fall to 340 (a "decline" that never happened)
    assert district["value"] == 390
    assert (district["units_reported"], district["carried_forward"]) == (3, 1)
    assert district["coverage"] == pytest.approx(3 / 4)
    assert district["provisional"]                    # 75 % < 90 %
    c = pick(out, level="cdcs", unit_id="C")
    assert c["value"] == 50 and c["carried_forward"] == 1 and c["units_reported"] == 0
    assert not pick(out, level="cdcs", unit_id="A")["provisional"]


def test_a_cdcs_moving_to_a_new_upper_union_brings_its_members() -> None:
    # A, B, C were under the federation on 30/11/2024 and are under XA (formed 1/7/2025) on
    # 30/11/2025; A admitted 5 members in 2025-H2
    reports = [_report(u, p, members=m, members_admitted=a, members_left=0)
               for p, stocks in (("2024-H2", (100, 200, 50)), ("2025-H1", (100, 200, 50)),
                                 ("2025-H2", (105, 200, 50)))
               for u, m, a in zip("ABC", stocks, (5 if p == "2025-H2" else 0, 0, 0),
                                  strict=True)]
    out = compute_indicators(tiny_dataset(reports=reports), "2025",
                             indicator_ids=["member_growth"], levels=["upper_union", "organisation"])
    xa = pick(out, level="upper_union", unit_id="XA")
    assert xa["part_moved_in"] == 350 and xa["part_admitted"] == 5 and xa["value"] == 355
    district = pick(out, level="organisation")
    assert district["value"] == 5 and math.isnan(district["part_moved_in"])


def test_without_opening_stocks_growth_is_no_data() -> None:
    reports = [_report("A", h, members=10, members_admitted=3, members_left=1)
               for h in ("2023-H1", "2023-H2")]
    out = compute_indicators(tiny_dataset(reports=reports), "2023",
                             indicator_ids=["member_growth"], levels=["organisation"])
    assert pick(out, level="organisation")["status"] == "no_data"


def union_formed_mid_year() -> Dataset:
    """A union formed on 1/7/2025 takes over A and B with opening balances; C founded 1/9/2025.

    Opening balances on 1/7/2025: A 30, B 78 members. No report before 2025-H2.
    2025-H2 (year to date from 1/7): A 35 (+6 −1), B 80 (+3 −2), C 10 (+10).
    """
    units = [{**u, "founded": "2015-01-01"} for u in UNITS[:2]]
    units.append({"unit_id": "C", "name": "Công ty C", "sector": "NNN", "commune_id": "C2",
                  "founded": "2025-09-01"})
    reports = [_report(u, "2025-H2", members=m, members_admitted=a, members_left=left)
               for u, m, a, left in (("A", 35, 6, 1), ("B", 80, 3, 2), ("C", 10, 10, 0))]
    ds = tiny_dataset(units=units, reports=reports)
    ds.openings = frame("openings", [
        {"unit_id": "A", "as_of": "2025-07-01", "members": 30, "workers": 40},
        {"unit_id": "B", "as_of": "2025-07-01", "members": 78, "workers": 90}])
    return ds


def test_a_union_formed_mid_year_gets_its_member_growth_from_the_opening_balances() -> None:
    out = compute_indicators(union_formed_mid_year(), "2025", indicator_ids=["member_growth"])
    top = pick(out, level="organisation")
    # end 35 + 80 + 10 = 125, start (1/7/2025) 30 + 78 = 108: +17.
    # parts: founded C +10; A and B: 35 − 30 = 5 and 80 − 78 = 2, of which admitted 6 + 3 = 9,
    # left 1 + 2 = 3, unexplained 7 − 9 + 3 = +1 (B: 78 + 3 − 2 = 79, reports 80).
    assert top["change_net"] == 17 and top["value"] == 17
    assert top["part_founded"] == 10
    assert top["part_admitted"] + top["part_left"] + top["part_other"] == 7
    assert pick(out, level="cdcs", unit_id="A")["change_net"] == 5
    # the commune union XA, formed that day over A and B, counts from the same start: they
    # did not move in during the year (before: +125, of which 108 "moved in", and 3 new CĐCS)
    xa = pick(out, level="upper_union", unit_id="XA")
    assert xa["change_net"] == 17 and xa["part_founded"] == 10
    assert xa["part_moved_in"] in (0, None) or math.isnan(xa["part_moved_in"])
    units = compute_indicators(union_formed_mid_year(), "2025", indicator_ids=["new_cdcs"])
    assert pick(units, level="upper_union", unit_id="XA")["value"] == 1  # C alone


def test_a_cdcs_formed_on_the_day_the_data_begin_is_part_of_the_start() -> None:
    """D was (re)formed on 1/7/2025, the day the union and its data begin, with 20 members
    then: like A and B it is counted from its opening balance, not as founded in the year
    (which made a new commune union's growth the members of every CĐCS formed with it)."""
    ds = union_formed_mid_year()
    ds.units = pd.concat([ds.units, frame("units", [
        {"unit_id": "D", "name": "Văn phòng D", "sector": "HCSN", "commune_id": "C1",
         "founded": "2025-07-01"}])], ignore_index=True)
    ds.links = pd.concat([ds.links, frame("links", [
        {"unit_id": "D", "parent_id": ds.links["parent_id"].iloc[0],
         "valid_from": "2025-07-01"}])], ignore_index=True)
    ds.openings = pd.concat([ds.openings, frame("openings", [
        {"unit_id": "D", "as_of": "2025-07-01", "members": 20, "workers": 25}])],
        ignore_index=True)
    ds.reports = pd.concat([ds.reports, frame("reports", [
        _report("D", "2025-H2", members=22, members_admitted=3, members_left=1)])],
        ignore_index=True)
    out = compute_indicators(ds, "2025", indicator_ids=["member_growth"])
    top = pick(out, level="organisation")
    # end 35 + 80 + 10 + 22 = 147, start (1/7/2025) 30 + 78 + 20 = 128: +19; founded: C alone
    assert top["change_net"] == 19 and top["value"] == 19 and top["part_founded"] == 10
    assert pick(out, level="cdcs", unit_id="D")["change_net"] == 2


def test_a_cdcs_known_by_its_opening_balance_alone_is_not_a_report_received() -> None:
    """B has sent no report: its members are its opening balance (78). The figures stand, but
    B is not counted as reporting: 2 of 3 CĐCS, coverage 2/3, provisional (below the
    register's threshold). Before, B counted as reporting and the growth read as final."""
    ds = union_formed_mid_year()
    ds.reports = ds.reports[ds.reports["unit_id"] != "B"]
    out = compute_indicators(ds, "2025", indicator_ids=["member_growth", "total_members"])
    for indicator in ("member_growth", "total_members"):
        top = pick(out, indicator_id=indicator, level="organisation")
        assert (top["units_reported"], top["units_expected"]) == (2, 3)
        assert top["coverage"] == pytest.approx(2 / 3) and bool(top["provisional"])
    assert pick(out, indicator_id="total_members", level="organisation")["value"] == 35 + 78 + 10
    assert pick(out, indicator_id="member_growth", level="organisation")["value"] == 15  # 5 + 0 + 10
    # B's own growth is not 0: nothing says what it is (its briefing says no data)
    own = pick(out, indicator_id="member_growth", level="cdcs", unit_id="B")
    assert math.isnan(own["value"]) and math.isnan(own["change_net"])
    assert math.isnan(own["change_gross"]) and math.isnan(own["part_other"])
    assert pick(out, indicator_id="member_growth", level="cdcs", unit_id="A")["value"] == 5


def test_a_cdcs_that_missed_its_report_has_no_growth_of_its_own_nor_a_body_of_only_such() -> None:
    # 2023: C (alone in commune C2 with D, founded 1/3) misses its H2 report; its 50 members of
    # 31/5 are carried: 0 change for the bodies above it, which say so; its own is unknown
    ds = dissolution_year()
    ds.reports = ds.reports[ds.reports["unit_id"] != "D"]
    # periods as a database gives them (pandas' string type: a missing one is pd.NA)
    ds.reports = ds.reports.astype({"period": "string", "unit_id": "string"})
    out = compute_indicators(ds, "2023", indicator_ids=["member_growth"])
    assert math.isnan(pick(out, level="cdcs", unit_id="C")["value"])
    c2 = pick(out, level="commune", unit_id="C2")
    assert c2["units_reported"] == 0 and math.isnan(c2["value"])
    top = pick(out, level="organisation")
    assert top["carried_forward"] >= 1 and not math.isnan(top["value"])


def test_without_opening_balances_a_mid_year_start_tells_no_member_growth() -> None:
    ds = union_formed_mid_year()
    ds.openings = ds.openings[ds.openings["unit_id"] == "A"]  # B's start is unknown
    out = compute_indicators(ds, "2025", indicator_ids=["member_growth"])
    assert math.isnan(pick(out, level="organisation")["change_net"])
