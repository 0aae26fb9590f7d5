"""Properties of the rules on generated districts (hypothesis): whatever is reported, no share
of units or people leaves [0, 100 %] at any level, and a year never adds its halves."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import tiny_dataset
from congdoan.core.dataset import Dataset, engine_reports
from congdoan.core.indicators import compute_indicators
from congdoan.core.plan import load_elements, load_register

pytestmark = pytest.mark.slow  # many generated districts: the full suite only

SUB_PERIODS = ("2021-H1", "2021-H2", "2022-H1", "2022-H2", "2023-H1", "2023-H2")
PERIODS = ("2022-H1", "2022-H2", "2023")
MONEY = {i.id for i in load_register().indicators
         if i.denominator and load_elements().by_name().get(i.denominator) is not None
         and load_elements().by_name()[i.denominator].kind == "vnd"}
"""Shares of money against budget: these may exceed 100 %."""

PEOPLE = [e.name for e in load_elements().elements if e.aggregation == "ytd"]

small = st.integers(min_value=0, max_value=60)


@st.composite
def districts(draw: st.DrawFn) -> Dataset:
    """2–6 CĐCS (some founded or dissolved on the way) and reports with any values at all:
    numerators above their denominators, contradictions and missing reports included."""
    n = draw(st.integers(min_value=2, max_value=6))
    units = []
    for i in range(n):
        founded = draw(st.sampled_from(["2015-01-01", "2021-03-01", "2022-08-01", "2023-01-15"]))
        dissolved = draw(st.sampled_from([None, None, None, "2022-09-30", "2023-08-31"]))
        if dissolved is not None and dissolved < founded:
            dissolved = None
        units.append({"unit_id": f"U{i}", "name": f"CĐCS {i}",
                      "sector": draw(st.sampled_from(["HCSN", "DNNN", "NNN"])),
                      "commune_id": draw(st.sampled_from(["C1", "C2"])),
                      "founded": founded, "dissolved": dissolved})
    elements = load_elements().elements
    reports: list[dict[str, Any]] = []
    for unit in units:
        for sub in SUB_PERIODS:
            if not draw(st.booleans()) and draw(st.booleans()):
                continue  # a missing report, one in four
            row: dict[str, Any] = {"unit_id": unit["unit_id"], "period": sub,
                                   "submitted_on": "2024-01-01"}
            for element in elements:
                if element.kind == "bool":
                    row[element.name] = draw(st.integers(min_value=0, max_value=1))
                elif element.kind in ("int", "vnd"):
                    row[element.name] = draw(small)
            reports.append(row)
    return tiny_dataset(units=units, reports=reports)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_every_share_of_units_or_people_stays_within_0_and_1(ds: Dataset) -> None:
    present = set(ds.reports["period"])
    for period in PERIODS:
        needed = {period} if "-" in period else {f"{period}-H1", f"{period}-H2"}
        if not needed <= present:
            continue
        out = compute_indicators(ds, period)
        shares = out[(out["measure"] == "share") & ~out["indicator_id"].isin(MONEY)]
        values = shares["value"].dropna()
        assert ((values >= 0) & (values <= 1 + 1e-12)).all(), shares[values > 1]
        for col in ("projection_2025", "projection_2030"):
            projected = shares[col].dropna()
            assert ((projected >= 0) & (projected <= 1 + 1e-12)).all()
        assert (out["units_reported"].dropna() >= 0).all()
        coverage = out["coverage"].dropna()
        assert ((coverage >= 0) & (coverage <= 1)).all()


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(districts())
def test_a_year_never_adds_its_halves(ds: Dataset) -> None:
    present = set(ds.reports["period"])
    if not {"2023-H1", "2023-H2"} <= present:
        return
    out = compute_indicators(ds, "2023", levels=["cdcs", "organisation"])
    kept = engine_reports(ds)
    year_report = kept[kept["period"] == "2023-H2"].set_index("unit_id")
    for ind in load_register().indicators:
        if ind.numerator not in PEOPLE:
            continue
        rows = out[(out["indicator_id"] == ind.id) & (out["level"] == "cdcs")]
        for _, row in rows.dropna(subset=["numerator"]).iterrows():
            # a CĐCS's year is its year report's count to date, never H1 + H2
            assert row["numerator"] == year_report.loc[row["unit_id"], ind.numerator]
        district = out[(out["indicator_id"] == ind.id) & (out["level"] == "organisation")].iloc[0]
        if not np.isnan(district["numerator"]):
            assert district["numerator"] == rows["numerator"].sum()
        halves = pd.concat([compute_indicators(ds, h, levels=["cdcs"], indicator_ids=[ind.id])
                            for h in ("2023-H1", "2023-H2")])
        both = halves.groupby("unit_id")["numerator"].sum(min_count=2)
        # the halves add up to the year: the second half alone is derived from the year report
        for _, row in rows.dropna(subset=["numerator"]).iterrows():
            if not np.isnan(both.get(row["unit_id"], np.nan)):
                first = halves[(halves["unit_id"] == row["unit_id"])]["numerator"].iloc[0]
                assert both[row["unit_id"]] == max(row["numerator"], first)
