"""Combined scopes (one sector inside one upper union …): the engine's rules, and the explorer's
figures equal to the engine's.

A hand-made district of two upper unions, U1 and U2, in force all along:
    A  NNN  commune C1  under U1                     members 100 → 104 (+6 −2) → 110 (+8 −2)
    B  NNN  C1          under U1, dissolved 31/8/2023: 40 → 40 → gone with its 40 members
    C  NNN  C2          under U1, then U2 from 1/7/2023: 60 → 62 (+2) → 65 (+3)
    D  NNN  C2          under U2, no report for 2023-H2: 50 → 50 → 50 carried forward
    E  HCSN C1          under U1                     30 → 30 → 31 (+1)
    F  NNN  C1          under U2, founded 1/3/2023:        20 (+20) → 25 (+5)
Stocks on 30/11/2021 and 30/11/2022 are those of A–E at the start (2021 is the plan's baseline
year). People informed are counted from the start of the year (the H2 report: year to date).
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import frame, pick
from congdoan.core.dataset import Dataset
from congdoan.core.groups import Scope
from congdoan.core.indicators import compute_indicators, group_indicators
from congdoan.core.plan import load_register
from congdoan.explore.explorer import Explorer
from congdoan.explore.groups import GroupFigures
from congdoan.explore.tables import table_html
from congdoan.explore.views import (
    HistoryIndex,
    Selection,
    build_history,
    current_view,
    name_lookup,
    views_at_once,
)

UNITS = [
    ("A", "NNN", "C1", "2015-01-01", None),
    ("B", "NNN", "C1", "2015-01-01", "2023-08-31"),
    ("C", "NNN", "C2", "2015-01-01", None),
    ("D", "NNN", "C2", "2015-01-01", None),
    ("E", "HCSN", "C1", "2015-01-01", None),
    ("F", "NNN", "C1", "2023-03-01", None),
]
LINKS = [("A", "U1", "2015-01-01", None), ("B", "U1", "2015-01-01", "2023-08-31"),
         ("C", "U1", "2015-01-01", "2023-06-30"), ("C", "U2", "2023-07-01", None),
         ("D", "U2", "2015-01-01", None), ("E", "U1", "2015-01-01", None),
         ("F", "U2", "2023-03-01", None)]
# (unit, period) → members, admitted, left, people informed (year to date)
REPORTS = {
    **{(u, p): (m, 0, 0, m // 2) for p in ("2021-H1", "2021-H2", "2022-H2")
       for u, m in (("A", 100), ("B", 40), ("C", 60), ("D", 50), ("E", 30))},
    ("A", "2023-H1"): (104, 6, 2, 40), ("B", "2023-H1"): (40, 0, 0, 10),
    ("C", "2023-H1"): (62, 2, 0, 20), ("D", "2023-H1"): (50, 0, 0, 25),
    ("E", "2023-H1"): (30, 0, 0, 30), ("F", "2023-H1"): (20, 20, 0, 5),
    ("A", "2023-H2"): (110, 8, 2, 90), ("C", "2023-H2"): (65, 3, 0, 50),
    ("E", "2023-H2"): (31, 1, 0, 31), ("F", "2023-H2"): (25, 5, 0, 20),
}


def two_unions() -> Dataset:
    """The district of the module docstring."""
    reports = [{"unit_id": u, "period": p, "submitted_on": "2023-06-05", "members": m,
                "members_admitted": a, "members_left": left, "workers": m + 10,
                "people_informed": informed}
               for (u, p), (m, a, left, informed) in REPORTS.items()]
    return Dataset(
        meta={"organisation_id": "HAI", "organisation_name": "Huyện Hai Liên đoàn"},
        communes=frame("communes", [{"commune_id": "C1", "name": "Xã Một"},
                                    {"commune_id": "C2", "name": "Xã Hai"}]),
        upper_unions=frame("upper_unions", [
            {"upper_id": "U1", "name": "LĐLĐ Một", "kind": "district_federation", "direct": 1,
             "valid_from": "2000-01-01"},
            {"upper_id": "U2", "name": "Công đoàn xã Hai", "kind": "commune_union", "direct": 1,
             "valid_from": "2000-01-01"}]),
        areas=frame("areas", [{"commune_id": "C1", "upper_id": "U1", "valid_from": "2000-01-01"},
                              {"commune_id": "C2", "upper_id": "U2",
                               "valid_from": "2000-01-01"}]),
        units=frame("units", [{"unit_id": u, "name": f"CĐCS {u}", "sector": s, "commune_id": c,
                               "founded": f, "dissolved": d} for u, s, c, f, d in UNITS]),
        links=frame("links", [{"unit_id": u, "parent_id": p, "valid_from": f, "valid_to": t}
                              for u, p, f, t in LINKS]),
        enterprises=frame("enterprises", []),
        reports=frame("reports", reports),
        upper_records=frame("upper_records", []),
        activities=frame("activities", []),
    )


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return two_unions()


def _group(dataset: Dataset, period: str, scope: Scope, indicator: str) -> pd.Series:
    out = compute_indicators(dataset, period, levels=("group",), groups={"g": scope},
                             indicator_ids=[indicator])
    assert len(out) == 1, out
    return out.iloc[0]


# ----------------------------------------------------------------------------- the engine
def test_a_scope_loses_dissolved_and_moved_out_cdcs(dataset: Dataset) -> None:
    row = _group(dataset, "2023", Scope(upper_union="U1", sector="NNN"), "member_growth")
    # start: A 100 + B 40 + C 60 = 200; end: A 110 → −90 =
    # admitted 14 − left 4 − B dissolved 40 − C moved out 60
    assert row["value"] == -90 and row["change_net"] == -90
    assert (row["part_admitted"], row["part_left"]) == (14, -4)
    assert (row["part_dissolved"], row["part_moved_out"]) == (-40, -60)
    assert math.isnan(row["part_moved_in"]) and math.isnan(row["part_founded"])  # none
    assert row["part_other"] == 0


def test_a_scope_gains_founded_and_moved_in_cdcs(dataset: Dataset) -> None:
    row = _group(dataset, "2023", Scope(upper_union="U2", sector="NNN"), "member_growth")
    # start: D 50; end: C 65 + D 50 (carried) + F 25 = 140 → +90 =
    # C moved in 60 + C admitted 5 (3 + 2) + F founded 25 (D's year is incomplete: no flows)
    assert row["value"] == 90
    assert (row["part_moved_in"], row["part_admitted"], row["part_founded"]) == (60, 5, 25)
    # without an upper union, C's move is inside the scope: no move, its own change counts
    inside = _group(dataset, "2023", Scope(sector="NNN", commune="C2"), "member_growth")
    assert inside["value"] == 5 and math.isnan(inside["part_moved_in"])   # 115 − 110


def test_a_scope_carries_a_missing_report_forward_and_says_so(dataset: Dataset) -> None:
    row = _group(dataset, "2023", Scope(upper_union="U2", sector="NNN"), "total_members")
    assert row["value"] == 140                         # D's 50 of 31/5 kept
    assert (row["units_expected"], row["units_reported"], row["carried_forward"]) == (3, 2, 1)
    assert row["coverage"] == pytest.approx(2 / 3)
    # its baseline: the scope as it was in 2021 (D alone under U2 then), 50 members
    assert row["baseline_value"] == 50 and row["baseline_year"] == 2021
    # a line judged at this level (members of workers, in enterprises) is 'tạm tính':
    # 140 of C 75 + D 60 (carried) + F 35 workers, 2 of 3 reports < 90 %
    share = _group(dataset, "2023", Scope(upper_union="U2", sector="NNN"),
                   "member_share_unionised")
    assert (share["numerator"], share["denominator"]) == (140, 170)
    assert share["carried_forward"] == 1 and share["provisional"]


def test_a_scope_of_one_level_gives_that_levels_figures(dataset: Dataset) -> None:
    """Scope(upper_union=U) is the engine's row of U, Scope(sector=S) that of S … (all figures
    but the target and status of lines the plan sets above them)."""
    for period in ("2021", "2023-H1", "2023-H2", "2023"):
        engine = compute_indicators(dataset, period, levels=("upper_union", "sector", "commune"))
        scopes = {f"{level}|{key}": Scope(**{field: key})
                  for level, field in (("upper_union", "upper_union"), ("sector", "sector"),
                                       ("commune", "commune"))
                  for key in engine.loc[engine["level"] == level, "unit_id"].unique()}
        groups = compute_indicators(dataset, period, levels=("group",), groups=scopes)
        level_key = groups["unit_id"].str.split("|", expand=True)
        groups = groups.assign(level=level_key[0], unit_id=level_key[1])
        keys = ["level", "unit_id", "indicator_id"]
        merged = engine.merge(groups, on=keys, suffixes=("", "_g"), validate="1:1")
        assert len(merged) == len(engine) == len(groups)
        for col in ("numerator", "denominator", "value", "units_expected", "units_reported",
                    "carried_forward", "coverage", "provisional", "baseline_value",
                    "change_net", "change_gross", "part_moved_in", "part_dissolved"):
            _same(merged[col], merged[f"{col}_g"], f"{period} {col}")


def test_group_indicators_equal_compute_indicators(dataset: Dataset) -> None:
    requests = {"2023": {"a": Scope("U1", "NNN"), "b": ["C", "D", "F"]},
                "2023-H2": {"a": Scope(sector="NNN", commune="C2")},
                "2021": {"c": Scope("U2")}}
    ids = ["member_growth", "total_members", "people_informed", "new_cdcs"]
    together = group_indicators(dataset, requests, ids)
    for period, groups in requests.items():
        alone = compute_indicators(dataset, period, levels=("group",), groups=groups,
                                   indicator_ids=ids)
        mine = together[together["period"] == period].reset_index(drop=True)
        pd.testing.assert_frame_equal(mine, alone)


# ----------------------------------------------------------------------------- the explorer
FIGURES = ("numerator", "denominator", "value", "target", "status", "units_expected",
           "units_reported", "carried_forward", "coverage", "provisional", "gap",
           "baseline_value", "pace_ratio", "change_net", "change_gross", "part_admitted",
           "part_left", "part_founded", "part_dissolved", "part_moved_in", "part_moved_out",
           "part_other")
"""What the explorer shows or exports of a row, and what it rests on."""


def _same(shown: pd.Series, engine: pd.Series, what: str) -> None:
    both = pd.DataFrame({"shown": shown.to_numpy(), "engine": engine.to_numpy()})
    for a, b in both.itertuples(index=False):
        if pd.isna(a) or pd.isna(b):
            assert pd.isna(a) and pd.isna(b), (what, a, b)
        elif isinstance(a, str) or isinstance(b, str):
            assert a == b, (what, a, b)
        else:
            assert float(a) == pytest.approx(float(b)), (what, a, b)


@pytest.mark.parametrize("indicator", ["member_growth", "total_members", "people_informed",
                                       "new_cdcs", "member_share_unionised"])
@pytest.mark.slow
def test_the_explorers_combined_scopes_are_the_engines(dataset: Dataset, indicator: str) -> None:
    """Every combined scope on screen (own row, trend, breakdowns) against
    compute_indicators(groups=…): a scope that lost a dissolved CĐCS and one moved out (U1 ·
    NNN), one that gained a moved-in and a founded CĐCS and carries a missing report forward
    (U2 · NNN), one that a move does not cross (NNN · Xã Hai)."""
    register = load_register()
    rows = HistoryIndex(build_history(dataset), register).rows(indicator)
    figures, names = GroupFigures(dataset, register), name_lookup(dataset)
    checked = 0
    for period in ("2023", "2023-H2", "2023-H1"):
        for chosen in (dict(upper_union="U1", sector="NNN"), dict(upper_union="U2", sector="NNN"),
                       dict(sector="NNN", commune="C2"), dict(upper_union="U2")):
            sel = Selection(indicator, period, **chosen)  # type: ignore[arg-type]
            views = views_at_once(rows, sel, figures, names, ["trend", "own", "sector",
                                                              "commune"])
            for name, view in views.items():
                for shown in view[view["level"] == "group"].itertuples():
                    scope = _scope_of(sel, name, str(shown.unit_id))
                    engine = _group(dataset, str(shown.period), scope, indicator)
                    row = pd.Series(shown._asdict())
                    _same(row[list(FIGURES)], engine[list(FIGURES)],
                          f"{indicator} {period} {chosen} {name} {shown.unit_id}")
                    checked += 1
    assert checked >= 20


def _scope_of(sel: Selection, view: str, key: str) -> Scope:
    """The scope behind a group row of view ``view`` of ``sel``."""
    scope = Scope(sel.upper_union, sel.sector, sel.commune)
    return scope if view in ("trend", "own") else replace(scope, **{view: key})


def test_the_table_shows_coverage_and_provisional_figures(dataset: Dataset) -> None:
    register = load_register()
    rows = HistoryIndex(build_history(dataset), register).rows("member_share_unionised")
    sel = Selection("member_share_unionised", "2023", upper_union="U2", sector="NNN")
    view = current_view(rows, sel, GroupFigures(dataset, register), name_lookup(dataset))
    own = view.iloc[0]
    assert (own["level"], own["numerator"], own["units_reported"], own["units_expected"]) == (
        "group", 140, 2, 3)
    assert own["coverage"] == pytest.approx(2 / 3) and own["provisional"]
    page = table_html(view, register.get("member_share_unionised"), "commune")
    assert "82,4% (tạm tính)" in page and "66,7%" in page and "Tỷ lệ báo cáo" in page
    # Xã Một (F alone, reported) is not provisional; Xã Hai (C, and D carried forward) is
    c1, c2 = pick(view, unit_id="C1"), pick(view, unit_id="C2")
    assert (c1["numerator"], c1["coverage"], c1["provisional"]) == (25, 1, False)
    assert (c2["numerator"], c2["carried_forward"], c2["provisional"]) == (115, 1, True)
    assert np.isclose(c2["coverage"], 0.5)


def test_the_explorer_shows_a_provisional_combined_scope(dataset: Dataset, tmp_path: Path) -> None:
    ex = Explorer(dataset, period="2023", indicator="member_share_unionised", upper_union="U2",
                  sector="NNN", out_dir=tmp_path)
    engine = _group(dataset, "2023", Scope("U2", "NNN"), "member_share_unionised")
    own = ex.view.iloc[0]
    _same(own[["numerator", "denominator", "value", "units_reported", "coverage", "provisional"]],
          engine[["numerator", "denominator", "value", "units_reported", "coverage",
                  "provisional"]], "explorer's own row")
    assert "82,4% (tạm tính)" in str(ex.table.value)
    assert "tạm tính</b>: đã nhận 66,7% báo cáo (2/3 CĐCS)" in str(ex.header.value)
