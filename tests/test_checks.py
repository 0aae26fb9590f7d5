"""One validation path: data from a CSV folder or memory passes the same rules as intake."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from conftest import pick, tiny_dataset
from congdoan.core.checks import report_problems
from congdoan.core.dataset import read_dataset, write_dataset
from congdoan.core.indicators import compute_indicators
from congdoan.exceptions import DataError


def _report(unit: str, period: str, **values: object) -> dict[str, object]:
    return {"unit_id": unit, "period": period, "submitted_on": "2023-06-05", **values}


def _contradiction() -> list[dict[str, object]]:
    """B reports 2 cases represented of 1 needing help in 2023-H1; C 3 of 4; A nothing."""
    return [_report("B", "2023-H1", legal_cases_need=1, legal_cases_represented=2),
            _report("C", "2023-H1", legal_cases_need=4, legal_cases_represented=3)]


def test_a_csv_folder_with_a_contradiction_is_never_silently_computed(tmp_path: Path) -> None:
    write_dataset(tiny_dataset(reports=_contradiction()), tmp_path)
    ds = read_dataset(tmp_path)
    (problem,) = report_problems(ds.reports, ds.units).itertuples()
    assert (problem.unit_id, problem.period, problem.field) == ("B", "2023-H1",
                                                              "legal_cases_represented")
    assert problem.row == 2 and problem.value == 2
    assert "không được lớn hơn" in problem.message_vi
    out = compute_indicators(ds, "2023-H1", indicator_ids=["legal_representation"])
    # B's report is left out (it was 200 %, and made its commune 150 %)
    b = pick(out, level="cdcs", unit_id="B")
    assert b["status"] == "no_data" and math.isnan(b["value"])
    assert pick(out, level="commune", unit_id="C1")["status"] == "no_data"
    district = pick(out, level="organisation")
    assert (district["numerator"], district["denominator"]) == (3, 4)
    with pytest.raises(DataError) as err:
        read_dataset(tmp_path, strict=True)
    text = str(err.value)
    assert "reports.csv" in text and "legal_cases_represented" in text and "2" in text


def test_a_committee_counts_only_where_one_is_eligible() -> None:
    # B: a committee but not eligible (contradiction, left out); C: eligible with a committee.
    # Summed as reported this read 2 committees of 1 eligible CĐCS: 200 %.
    reports = [_report("B", "2023-H1", womens_committee=1, womens_committee_eligible=0),
               _report("C", "2023-H1", womens_committee=1, womens_committee_eligible=1)]
    ds = tiny_dataset(reports=reports)
    assert list(report_problems(ds.reports, ds.units)["field"]) == ["womens_committee"]
    out = compute_indicators(ds, "2023-H1", indicator_ids=["womens_committee_nonstate"])
    district = pick(out, level="organisation")
    assert (district["numerator"], district["denominator"]) == (1, 1)
    assert district["value"] == 1.0


def test_every_rule_of_intake_is_checked_on_a_table() -> None:
    units_young = [{"unit_id": "N", "name": "N", "sector": "NNN", "commune_id": "C1",
                    "founded": "2023-03-01"}]
    ds = tiny_dataset(units=units_young, reports=[
        _report("N", "2023-H1", rating="tot", workers=5, members=6),
        _report("N", "2023-H2", rating="tot", cba_grade="A", cba_signed=0, people_informed=9,
                workers=8, dialogue_held=2),
        _report("X", "2023-H1"),
        _report("N", "2019-H1"),
    ])
    rules = set(zip(*(report_problems(ds.reports, ds.units)[c] for c in ("period", "rule")),
                    strict=True))
    assert rules == {
        ("2023-H1", "members_le_workers"), ("2023-H1", "rating_in_year_report"),
        ("2023-H2", "rating_needs_12_months"), ("2023-H2", "grade_needs_agreement"),
        ("2023-H2", "people_informed_le_workers"), ("2023-H2", "number"),
        ("2023-H1", "unit"), ("2019-H1", "period"),
    }
