"""Completeness and timeliness: a hand-made district whose counts are worked out below."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from conftest import pick, tiny_dataset
from congdoan.cli import main
from congdoan.core.completeness import completeness
from congdoan.core.dataset import Dataset, write_dataset

UNITS = [
    {"unit_id": u, "name": f"CĐCS {u}", "sector": "HCSN", "commune_id": "C1",
     "founded": "2015-01-01"} for u in ("A", "B", "C")
] + [{"unit_id": "D", "name": "CĐCS D", "sector": "NNN", "commune_id": "C2",
      "founded": "2023-07-01"}]


def district() -> Dataset:
    # due dates: 2023-H1 → 10/06/2023, 2023-H2 → 10/12/2023 (cut-off + 10 days)
    return tiny_dataset(units=UNITS, reports=[
        {"unit_id": "A", "period": "2023-H1", "submitted_on": "2023-06-05"},  # on time
        {"unit_id": "B", "period": "2023-H1", "submitted_on": "2023-06-20"},  # late
        # C: nothing for 2023-H1; D not yet founded at 31/5/2023 (not expected)
        {"unit_id": "A", "period": "2023-H2", "submitted_on": "2023-12-01"},  # on time
        {"unit_id": "B", "period": "2023-H2", "submitted_on": "2023-12-10"},  # on the due day
        {"unit_id": "C", "period": "2023-H2", "submitted_on": "2023-12-11"},  # one day late
        # D: nothing for 2023-H2
        *({"unit_id": u, "period": "2025-H1", "submitted_on": "2025-06-01"} for u in "ABCD"),
    ])


def test_half_year_counts() -> None:
    table = completeness(district(), "2023-H1", today=dt.date(2024, 1, 1))
    fed = pick(table, upper_id="FED")
    assert (fed["expected"], fed["received"], fed["on_time"], fed["late"], fed["missing"]) == (
        3, 2, 1, 1, 1)
    assert fed["received_share"] == pytest.approx(2 / 3)
    assert fed["on_time_share"] == pytest.approx(1 / 3)
    assert str(fed["due_date"].date()) == "2023-06-10"
    total = pick(table, level="organisation")
    assert (total["upper_id"], total["expected"], total["received"]) == ("TINY", 3, 2)
    assert bool(total["due_passed"])


def test_year_sums_both_halves_and_counts_new_units_from_their_first_cut_off() -> None:
    table = completeness(district(), "2023", today=dt.date(2024, 1, 1))
    total = pick(table, level="organisation")
    # H1: A, B, C expected (3); H2: A, B, C, D (4) → 7 expected, 5 received, 3 on time
    assert (total["expected"], total["received"], total["on_time"], total["late"],
            total["missing"]) == (7, 5, 3, 2, 2)
    assert str(total["due_date"].date()) == "2023-12-10"


def test_units_count_under_the_upper_union_of_each_cut_off() -> None:
    table = completeness(district(), "2025", today=dt.date(2025, 7, 1))
    fed, xa = pick(table, upper_id="FED"), pick(table, upper_id="XA")
    assert (fed["expected"], fed["received"], fed["on_time"]) == (4, 4, 4)  # 2025-H1, cut-off 31/5
    assert (xa["expected"], xa["received"], xa["missing"]) == (4, 0, 4)  # 2025-H2, after 1/7
    assert not bool(pick(table, level="organisation")["due_passed"])  # due 10/12/2025


def test_cli_prints_the_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_dataset(district(), tmp_path / "d")
    assert main(["completeness", "--period", "2023-H1", "--data", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "% đúng hạn" in out and "LĐLĐ huyện Tí Hon" in out and "10/06/2023" in out
    csv = tmp_path / "c.csv"
    assert main(["completeness", "--period", "2023", "--data", str(tmp_path / "d"),
                 "--out", str(csv)]) == 0
    assert csv.read_text(encoding="utf-8").startswith("level,upper_id,upper_name,period")


def test_cli_tells_the_levels_apart_and_names_the_missing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_dataset(district(), tmp_path / "d")
    assert main(["completeness", "--period", "2023-H1", "--data", str(tmp_path / "d")]) == 0
    lines = capsys.readouterr().out.splitlines()
    # one row for the federation (A on time, B late, C missing), one for the whole organisation
    assert lines[1].split()[:3] == ["cấp", "trên", "trực"] and "FED" in lines[1]
    assert lines[2].split()[:3] == ["toàn", "tổ", "chức"] and "TINY" in lines[2]
    assert lines[3].startswith("CĐCS chưa nộp (1): C.") and "--units" in lines[3]


def test_cli_units_lists_each_expected_report(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write_dataset(district(), tmp_path / "d")
    assert main(["completeness", "--period", "2023-H1", "--units",
                 "--data", str(tmp_path / "d")]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines()[1:]]
    # missing first, then late, then on time; the day each was received
    assert [(r[0], r[-2:]) for r in rows] == [
        ("C", ["chưa", "nộp"]), ("B", ["nộp", "muộn"]), ("A", ["đúng", "hạn"])]
    assert "20/06/2023" in rows[1] and "05/06/2023" in rows[2]
    csv = tmp_path / "u.csv"
    assert main(["completeness", "--period", "2023", "--units", "--data", str(tmp_path / "d"),
                 "--out", str(csv)]) == 0
    table = pd.read_csv(csv)
    # 2023: H1 A, B, C expected; H2 A, B, C, D (D founded 1/7/2023): 7 rows
    assert list(table.columns) == ["unit_id", "unit_name", "parent_id", "period", "due_date",
                                   "submitted_on", "status"]
    assert table["status"].value_counts().to_dict() == {"on_time": 3, "late": 2, "missing": 2}
    assert set(table.loc[table["status"] == "missing", "unit_id"]) == {"C", "D"}
    assert table.loc[table["unit_id"] == "D", "unit_name"].tolist() == ["CĐCS D"]
