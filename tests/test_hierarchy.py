"""A hierarchy deeper than upper union → CĐCS: every level sums every CĐCS below it, once.

The organisation CITY → industry union IND → group union GRP (under IND until 30/6/2025, then
directly under the organisation) → CĐCS A, B; IND also holds CĐCS D directly; commune union
XA → CĐCS C. Every number below is worked out by hand in the comments.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import pytest

from conftest import frame, pick
from congdoan.briefing.content import BriefingContext, member_rows, upper_identity
from congdoan.briefing.display import title_block
from congdoan.core.completeness import completeness
from congdoan.core.dataset import Dataset
from congdoan.core.groups import Scope
from congdoan.core.indicators import compute_indicators
from congdoan.core.periods import parse_period
from congdoan.core.registry import unit_subtree, upper_chains
from congdoan.engine.jobs import plan_jobs
from congdoan.engine.manifest import upper_fingerprints


def _report(unit: str, period: str, **values: float) -> dict[str, Any]:
    return {"unit_id": unit, "period": period, "submitted_on": "2025-06-05", **values}


MEMBERS = {"A": 100, "B": 60, "C": 40, "D": 30}
WORKERS = {"A": 200, "B": 100, "C": 50, "D": 60}
HARDSHIP_H1 = {"A": (4, 3), "B": (6, 1), "C": (2, 2), "D": (2, 1)}  # in hardship, visited
D_MOVES_INTO_GRP = [("IND", "2015-01-01", "2025-02-28"), ("GRP", "2025-03-01", None)]
"""D's parent links when it moves from IND itself to GRP (then under IND) on 1/3/2025."""


def nested_dataset(d_links: list[tuple[str, str, str | None]] | None = None) -> Dataset:
    """The four-level city (see the module's docstring).

    Members: A 100, B 60, C 40, D 30 on 30/11/2024 and 31/5/2025; A admits 10 in 2025-H2 (110).
    2025-H1: policy proposals from A and C; in hardship / visited: A 4/3, B 6/1, C 2/2, D 2/1.
    ``d_links``: D's parent links (parent, from, to); default IND throughout.
    """
    units = [{"unit_id": u, "name": f"CĐCS {u}", "sector": "NNN" if u != "C" else "HCSN",
              "commune_id": "C1", "founded": "2015-01-01"} for u in "ABCD"]
    links = [{"unit_id": u, "parent_id": p, "valid_from": "2015-01-01", "valid_to": None}
             for u, p in (("A", "GRP"), ("B", "GRP"), ("C", "XA"))]
    links += [{"unit_id": "D", "parent_id": p, "valid_from": f, "valid_to": t}
              for p, f, t in (d_links or [("IND", "2015-01-01", None)])]
    reports = [_report(u, "2024-H2", members=m, workers=WORKERS[u]) for u, m in MEMBERS.items()]
    reports += [_report(u, "2025-H1", members=m, workers=WORKERS[u], members_admitted=0,
                        members_left=0, policy_proposal=int(u in "AC"),
                        members_in_hardship=HARDSHIP_H1[u][0],
                        members_hardship_visited=HARDSHIP_H1[u][1])
                for u, m in MEMBERS.items()]
    reports += [_report(u, "2025-H2", members=m + (10 if u == "A" else 0), workers=WORKERS[u],
                        members_admitted=10 if u == "A" else 0, members_left=0,
                        policy_proposal=0, members_in_hardship=0, members_hardship_visited=0)
                for u, m in MEMBERS.items()]
    uppers = [("IND", "Công đoàn ngành Dệt may", "industry_union"),
              ("GRP", "Công đoàn Tổng công ty May", "industry_union"),
              ("XA", "Công đoàn phường Một", "commune_union")]
    return Dataset(
        meta={"organisation_id": "CITY", "organisation_name": "LĐLĐ thành phố Thử"},
        communes=frame("communes", [{"commune_id": "C1", "name": "Phường Một"}]),
        upper_unions=frame("upper_unions", [
            {"upper_id": i, "name": n, "kind": k, "direct": 1, "valid_from": "2000-01-01"}
            for i, n, k in uppers]),
        upper_links=frame("upper_links", [{"upper_id": "GRP", "parent_id": "IND",
                                           "valid_from": "2000-01-01",
                                           "valid_to": "2025-06-30"}]),
        areas=frame("areas", [{"commune_id": "C1", "upper_id": "XA",
                               "valid_from": "2000-01-01"}]),
        units=frame("units", units), links=frame("links", links),
        enterprises=frame("enterprises", []), reports=frame("reports", reports),
        upper_records=frame("upper_records", [
            {"upper_id": i, "year": 2025, "audited": a} for i, a in
            (("IND", 1), ("GRP", 0), ("XA", 1))]),
        activities=frame("activities", []),
    )


def test_the_chain_above_an_upper_union_follows_its_dated_parent() -> None:
    ds = nested_dataset()
    before = upper_chains(ds.upper_unions, ds.upper_links, dt.date(2025, 5, 31))
    after = upper_chains(ds.upper_unions, ds.upper_links, dt.date(2025, 11, 30))
    assert before == {"IND": ("IND",), "GRP": ("GRP", "IND"), "XA": ("XA",)}
    assert after["GRP"] == ("GRP",)
    assert unit_subtree(ds.links, "IND", dt.date(2025, 5, 31), ds.upper_links) == ["A", "B", "D"]
    assert unit_subtree(ds.links, "IND", dt.date(2025, 11, 30), ds.upper_links) == ["D"]


def test_a_cycle_in_the_data_never_counts_a_union_twice() -> None:
    ds = nested_dataset()
    cyclic = frame("upper_links", [
        {"upper_id": "GRP", "parent_id": "IND", "valid_from": "2000-01-01"},
        {"upper_id": "IND", "parent_id": "GRP", "valid_from": "2000-01-01"}])
    chains = upper_chains(ds.upper_unions, cyclic, dt.date(2025, 5, 31))
    assert chains["GRP"] == ("GRP", "IND") and chains["IND"] == ("IND", "GRP")


def test_every_level_sums_every_cdcs_below_it_once() -> None:
    out = compute_indicators(nested_dataset(), "2025-H1",
                             indicator_ids=["total_members", "hardship_visited"])
    members = out[out["indicator_id"] == "total_members"]
    # GRP: A 100 + B 60; IND: GRP's 160 + D 30 (A and B once, not twice); XA: C 40
    assert pick(members, level="upper_union", unit_id="GRP")["value"] == 160
    ind = pick(members, level="upper_union", unit_id="IND")
    assert ind["value"] == 190 and ind["units_expected"] == 3
    assert pick(members, level="upper_union", unit_id="XA")["value"] == 40
    top = pick(members, level="organisation")
    assert top["value"] == 230 and top["units_expected"] == 4
    hardship = out[out["indicator_id"] == "hardship_visited"]
    # shares from summed numerators and denominators: GRP (3 + 1) / (4 + 6) = 0.4 (the mean of
    # A's 0.75 and B's 0.17 would be 0.46); IND (3 + 1 + 1) / (4 + 6 + 2) = 5/12; all 7/14
    assert pick(hardship, level="upper_union", unit_id="GRP")["value"] == pytest.approx(0.4)
    assert pick(hardship, level="upper_union", unit_id="IND")["value"] == pytest.approx(5 / 12)
    assert pick(hardship, level="organisation")["value"] == pytest.approx(0.5)


def test_an_upper_union_moved_away_takes_its_cdcs_with_it() -> None:
    out = compute_indicators(nested_dataset(), "2025",
                             indicator_ids=["total_members", "member_growth"],
                             levels=["upper_union", "organisation"])
    members = out[out["indicator_id"] == "total_members"]
    # on 30/11/2025 GRP is directly under the organisation: IND keeps D only
    assert pick(members, level="upper_union", unit_id="IND")["value"] == 30
    assert pick(members, level="upper_union", unit_id="GRP")["value"] == 170
    assert pick(members, level="organisation")["value"] == 240
    growth = out[out["indicator_id"] == "member_growth"]
    # IND: 190 on 30/11/2024 (A, B through GRP, D), 30 now: A's 100 and B's 60 moved out
    ind = pick(growth, level="upper_union", unit_id="IND")
    assert ind["value"] == -160 and ind["part_moved_out"] == -160
    assert math.isnan(ind["part_moved_in"]) and ind["part_admitted"] == 0
    # GRP kept A and B: no move, A's 10 admitted
    grp = pick(growth, level="upper_union", unit_id="GRP")
    assert grp["value"] == 10 and grp["part_admitted"] == 10
    assert math.isnan(grp["part_moved_out"]) and math.isnan(grp["part_moved_in"])
    top = pick(growth, level="organisation")
    assert top["value"] == 10 and math.isnan(top["part_moved_out"])


def test_a_move_between_two_unions_below_a_body_is_no_move_for_it() -> None:
    ds = nested_dataset(d_links=D_MOVES_INTO_GRP)
    out = compute_indicators(ds, "2025-H1", indicator_ids=["member_growth"],
                             levels=["upper_union"])
    ind = pick(out, unit_id="IND")
    assert ind["value"] == 0
    assert math.isnan(ind["part_moved_in"]) and math.isnan(ind["part_moved_out"])
    grp = pick(out, unit_id="GRP")
    assert grp["value"] == 30 and grp["part_moved_in"] == 30


def test_upper_union_populations_keep_their_meaning() -> None:
    out = compute_indicators(nested_dataset(), "2025", indicator_ids=["upper_audited"],
                             levels=["upper_union", "organisation"])
    # three upper unions directly above CĐCS, each once: IND and XA audited
    top = pick(out, level="organisation")
    assert (top["numerator"], top["denominator"]) == (2, 3)
    assert pick(out, level="upper_union", unit_id="GRP")["value"] == 0


def _context(ds: Dataset, period: str) -> BriefingContext:
    table = compute_indicators(ds, period)
    return BriefingContext(dataset=ds, period=parse_period(period), table=table, history=table,
                           trend_periods=(period,), available=(period,))


def test_a_nested_upper_union_briefing_lists_its_cdcs_and_names_its_parent() -> None:
    ctx = _context(nested_dataset(), "2025-H1")
    grp = upper_identity(ctx, "GRP")
    assert (grp.upper_id, grp.upper_name, grp.units) == ("IND", "Công đoàn ngành Dệt may", 2)
    assert "Công đoàn ngành Dệt may" in str(title_block(grp).data)
    ind = upper_identity(ctx, "IND")
    assert ind.upper_id is None and ind.units == 3
    assert sorted(member_rows(ctx, "IND")["unit_id"].unique()) == ["A", "B", "D"]
    assert sorted(member_rows(ctx, "GRP")["unit_id"].unique()) == ["A", "B"]


def test_every_upper_union_gets_a_briefing_and_counts_its_reports() -> None:
    ds = nested_dataset()
    uppers = [j.unit_id for j in plan_jobs(ds, "2025-H1") if j.kind == "upper"]
    assert sorted(uppers) == ["CITY", "GRP", "IND", "XA"]
    table = completeness(ds, "2025-H1", today=dt.date(2026, 1, 1)).set_index("upper_id")
    # one sub-period: IND expects A, B (through GRP) and D; every report came
    assert table.loc["IND", "expected"] == 3 and table.loc["GRP", "expected"] == 2
    assert table.loc["CITY", "expected"] == 4


def test_a_change_below_a_nested_union_changes_the_fingerprints_above_it() -> None:
    ds = nested_dataset()
    before = upper_fingerprints(ds, "2025-H1")
    changed = nested_dataset()
    reports = changed.reports.copy()
    reports.loc[(reports["unit_id"] == "A") & (reports["period"] == "2025-H1"), "members"] = 101
    changed.reports = reports
    after = upper_fingerprints(changed, "2025-H1")
    assert after["GRP"] != before["GRP"] and after["IND"] != before["IND"]
    assert after["XA"] == before["XA"]
    # a record of GRP's own (audited) is part of IND's slice while GRP is under IND
    records = ds.upper_records.copy()
    records.loc[records["upper_id"] == "GRP", "audited"] = 1
    changed = nested_dataset()
    changed.upper_records = records
    assert upper_fingerprints(changed, "2025-H1")["IND"] != before["IND"]
    assert upper_fingerprints(changed, "2025")["IND"] == upper_fingerprints(ds, "2025")["IND"]


def test_the_explorer_scope_of_an_upper_union_holds_its_cdcs_at_any_depth() -> None:
    from congdoan.core.plan import load_register
    from congdoan.explore.groups import GroupFigures
    from congdoan.explore.views import HISTORY_LEVELS, Selection, breakdown, filter_view

    ds = nested_dataset()
    rows = compute_indicators(ds, "2025-H1", levels=HISTORY_LEVELS)
    members = rows[rows["indicator_id"] == "total_members"]
    assert pick(members, level="cdcs", unit_id="A")["upper_chain"] == "GRP/IND"
    chosen = Selection("total_members", "2025-H1", upper_union="IND")
    assert sorted(filter_view(members, chosen)["unit_id"]) == ["A", "B", "D"]
    # upper unions side by side within a sector: IND sums A, B (through GRP) and D
    names = {"IND": "IND", "GRP": "GRP", "XA": "XA"}
    split = breakdown(members, Selection("total_members", "2025-H1", sector="NNN"),
                      "upper_union", GroupFigures(ds, load_register()), names).set_index("unit_id")
    assert split.loc["IND", "value"] == 190 and split.loc["GRP", "value"] == 160
    assert "XA" not in split.index  # C is HCSN


@pytest.mark.parametrize(("period", "d_links", "members", "growth", "moved_out"), [
    # IND holds A 100 + B 60 (through GRP) + D 30 on 31/5/2025; nothing moved out of it
    ("2025-H1", None, 190, 0, math.nan),
    # on 30/11/2025 only D 30: GRP left IND with A 100 and B 60
    ("2025", None, 30, -160, -160),
    # D's move from IND itself to GRP below it is no move for IND
    ("2025-H1", D_MOVES_INTO_GRP, 190, 0, math.nan)])
def test_a_scope_of_an_upper_union_is_the_engines_row_at_any_depth(
        period: str, d_links: list[tuple[str, str, str | None]] | None, members: float,
        growth: float, moved_out: float) -> None:
    out = compute_indicators(nested_dataset(d_links), period,
                             indicator_ids=["total_members", "member_growth"],
                             levels=["upper_union", "group"],
                             groups={"ind": Scope(upper_union="IND"),
                                     "ind_nnn": Scope(upper_union="IND", sector="NNN")})
    for indicator, columns in (("total_members", ["value", "units_expected"]),
                               ("member_growth", ["value", "part_admitted", "part_moved_in",
                                                  "part_moved_out"])):
        rows = out[out["indicator_id"] == indicator]
        engine = pick(rows, level="upper_union", unit_id="IND")
        for name in ("ind", "ind_nnn"):  # A, B and D are all NNN: the same CĐCS
            scope = pick(rows, level="group", unit_id=name)
            for column in columns:
                assert scope[column] == pytest.approx(engine[column], nan_ok=True), (
                    indicator, name, column)
    scope = pick(out[out["indicator_id"] == "total_members"], level="group", unit_id="ind")
    assert scope["value"] == members
    scope = pick(out[out["indicator_id"] == "member_growth"], level="group", unit_id="ind")
    assert scope["value"] == growth
    assert scope["part_moved_out"] == pytest.approx(moved_out, nan_ok=True)
