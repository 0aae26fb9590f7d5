"""Periods and union cut-offs (31/5 and 30/11)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from congdoan.core.dataset import COLUMNS, Dataset, empty_table
from congdoan.core.periods import (
    analysis_periods,
    due_date,
    latest_period,
    parse_period,
    period_of_date,
    resolve_period,
    sub_periods_between,
)
from congdoan.exceptions import ParameterError, PeriodError


def reporting(*sub_periods: str | None) -> Dataset:
    """A dataset with one report in each of ``sub_periods`` (None: a report without a period)."""
    tables = {name: empty_table(name) for name in COLUMNS}
    tables["reports"] = pd.DataFrame({"unit_id": [f"CDCS-{i}" for i in range(len(sub_periods))],
                                      "period": list(sub_periods)})
    return Dataset(**tables)


def test_cut_offs_and_spans() -> None:
    h1 = parse_period("2023-H1")
    assert (h1.start, h1.cut_off) == (dt.date(2022, 12, 1), dt.date(2023, 5, 31))
    h2 = parse_period("2023-H2")
    assert (h2.start, h2.cut_off) == (dt.date(2023, 6, 1), dt.date(2023, 11, 30))
    year = parse_period("2023")
    assert (year.start, year.cut_off) == (dt.date(2022, 12, 1), dt.date(2023, 11, 30))
    assert year.sub_periods == ("2023-H1", "2023-H2")
    assert h1.label() == "6 tháng đầu năm 2023" and year.label("en") == "Year 2023"
    assert due_date(h1) == dt.date(2023, 6, 10)


@pytest.mark.parametrize("bad", ["2023-H3", "23", "2023H1", "", "năm 2023"])
def test_malformed_period_is_refused(bad: str) -> None:
    with pytest.raises(PeriodError):
        parse_period(bad)


def test_period_of_date() -> None:
    assert period_of_date(dt.date(2022, 12, 1)) == "2023-H1"
    assert period_of_date(dt.date(2023, 5, 31)) == "2023-H1"
    assert period_of_date(dt.date(2023, 6, 1)) == "2023-H2"
    assert period_of_date(dt.date(2023, 11, 30)) == "2023-H2"


def test_available_and_latest_periods() -> None:
    subs = sub_periods_between(2025, "2026-H1")
    assert subs == ["2025-H1", "2025-H2", "2026-H1"]
    assert analysis_periods(subs) == ["2025-H1", "2025-H2", "2025", "2026-H1"]
    assert latest_period(reporting(*subs), today=dt.date(2026, 11, 25)) == "2026-H1"
    assert latest_period(reporting(*subs), today=dt.date(2026, 5, 1)) == "2025"


def test_latest_is_the_last_period_that_is_over_and_has_data() -> None:
    # reports of 2025-H1 to 2026-H1 and two early (or mistyped) ones for the running 2026-H2
    data = reporting("2025-H2", "2025-H1", "2026-H1", "2026-H2", "2026-H2", None)
    in_august = dt.date(2026, 8, 1)
    assert latest_period(data, today=in_august) == "2026-H1"  # not the last with any report
    assert latest_period(data, today=dt.date(2026, 11, 30)) == "2026-H1"  # the cut-off day
    assert latest_period(data, today=dt.date(2026, 12, 1)) == "2026"  # the year, not its H2
    # a period that is over but holds no report is passed over
    gap = reporting("2025-H1", "2026-H1")
    assert latest_period(gap, today=dt.date(2026, 12, 15)) == "2026-H1"
    assert latest_period(gap, today=dt.date(2026, 5, 1)) == "2025-H1"
    with pytest.raises(PeriodError, match="kết thúc"):
        latest_period(reporting("2026-H2"), today=in_august)
    with pytest.raises(PeriodError):
        latest_period(reporting(), today=in_august)


def test_resolve_period_checks_an_id_against_the_data() -> None:
    data = reporting("2025-H1", "2025-H2", "2026-H1")
    today = dt.date(2026, 12, 15)
    assert resolve_period("latest", data, today) == latest_period(data, today) == "2026-H1"
    assert resolve_period(" 2025 ", data) == "2025"
    with pytest.raises(ParameterError, match="2026-H2") as outside:
        resolve_period("2026-H2", data)
    assert "2025-H1, 2025-H2, 2025, 2026-H1" in outside.value.render("vi")
    with pytest.raises(PeriodError):
        resolve_period("2026-H3", data)


def test_a_year_whose_data_begin_with_its_second_half_is_available() -> None:
    # a union formed mid-2025: its first year is its second half
    assert analysis_periods(["2025-H2", "2026-H1", "2026-H2"]) == [
        "2025-H2", "2025", "2026-H1", "2026-H2", "2026"]
    # a missing first half later on is a gap, not a start: that year is not available
    assert analysis_periods(["2025-H1", "2025-H2", "2026-H2"]) == [
        "2025-H1", "2025-H2", "2025", "2026-H2"]
    assert latest_period(reporting("2025-H2"), today=dt.date(2026, 1, 15)) == "2025"


def test_a_label_says_from_when_a_body_began_inside_the_period() -> None:
    year = parse_period("2025")
    assert year.label("vi", dt.date(2025, 7, 1)) == "Năm 2025 — từ 01/07/2025"
    assert year.label("en", dt.date(2025, 7, 1)) == "Year 2025 — from 01/07/2025"
    assert year.label("vi", dt.date(2024, 12, 1)) == "Năm 2025"  # the period's own first day
    assert parse_period("2025-H1").label("vi", dt.date(2025, 7, 1)) == "6 tháng đầu năm 2025"
