"""Completeness and timeliness of reports: expected, on time, late, missing, by hand."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import tiny_dataset
from congdoan.core.periods import parse_period
from congdoan.core.timeliness import STATUS_COLUMNS, reporting_status, reporting_summary

# A is on time (5/6), B late (20/6), C reported only for the second half-year
REPORTS = [
    {"unit_id": "A", "period": "2023-H1", "submitted_on": "2023-06-05"},
    {"unit_id": "B", "period": "2023-H1", "submitted_on": "2023-06-20"},
    {"unit_id": "A", "period": "2023-H2", "submitted_on": "2023-12-10"},
    {"unit_id": "C", "period": "2023-H2", "submitted_on": "2023-12-01"},
]


def test_half_year_against_its_due_date() -> None:
    ds = tiny_dataset(reports=REPORTS)
    status = reporting_status(ds, parse_period("2023-H1"), ["A", "B", "C"]).set_index("unit_id")
    assert status.loc["A", "due"] == pd.Timestamp("2023-06-10")  # 31/5 + 10 days
    assert list(status["status"]) == ["on_time", "late", "missing"]
    total = reporting_summary(status.reset_index()).set_index("sub_period").loc["total"]
    assert (total["expected"], total["received"], total["on_time"]) == (3, 2, 1)
    assert total["completeness"] == pytest.approx(2 / 3)
    assert total["timeliness"] == pytest.approx(1 / 3)


def test_a_year_counts_each_half_and_a_union_founded_mid_year_only_after() -> None:
    units = [{"unit_id": "A", "name": "A", "sector": "HCSN", "commune_id": "C1",
              "founded": "2015-01-01"},
             {"unit_id": "B", "name": "B", "sector": "NNN", "commune_id": "C1",
              "founded": "2015-01-01"},
             {"unit_id": "C", "name": "C", "sector": "NNN", "commune_id": "C2",
              "founded": "2023-07-15"}]  # after the first half's cut-off (31/5)
    ds = tiny_dataset(units=units, reports=REPORTS)
    status = reporting_status(ds, parse_period("2023"), ["A", "B", "C"])
    assert list(status.columns) == list(STATUS_COLUMNS)
    assert status[["sub_period", "unit_id", "status"]].values.tolist() == [
        ["2023-H1", "A", "on_time"], ["2023-H1", "B", "late"],
        ["2023-H2", "A", "on_time"], ["2023-H2", "B", "missing"], ["2023-H2", "C", "on_time"]]
    summary = reporting_summary(status).set_index("sub_period")
    assert summary.loc["2023-H2", ["expected", "received", "missing"]].tolist() == [3, 2, 1]
    assert summary.loc["total", "timeliness"] == pytest.approx(3 / 5)
    assert reporting_status(ds, parse_period("2023"), []).empty
