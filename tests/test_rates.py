"""Dated finance rates: member dues fall from 1 % to 0.5 % on 1/7/2025."""

from __future__ import annotations

import datetime as dt

import pytest

from congdoan.core.rates import finance_budget, load_rates


def test_rate_on_a_day() -> None:
    rates = load_rates()
    assert rates.on("member_dues", dt.date(2025, 6, 30)) == 0.01
    assert rates.on("member_dues", dt.date(2025, 7, 1)) == 0.005
    assert rates.on("union_levy", dt.date(2025, 7, 1)) == 0.02


def test_half_year_straddling_the_change_is_day_weighted() -> None:
    rates = load_rates()
    start, end = dt.date(2025, 6, 1), dt.date(2025, 11, 30)   # 183 days, 30 of them in June
    expected = (30 * 0.01 + 153 * 0.005) / 183
    assert rates.average("member_dues", start, end) == pytest.approx(expected)
    budget = finance_budget(1_000_000_000, 400_000_000, start, end)
    assert budget == pytest.approx(0.02 * 1_000_000_000 + expected * 400_000_000)


def test_breaks_of_the_finance_series_are_dated() -> None:
    rates = load_rates()
    year_2025 = rates.breaks_of("finance_collection", dt.date(2024, 12, 1), dt.date(2025, 11, 30))
    assert [b.date for b in year_2025] == [dt.date(2025, 6, 1), dt.date(2025, 7, 1)]
    assert "0,5%" in year_2025[1].label_vi
    assert rates.breaks_of("finance_collection", dt.date(2024, 12, 1), dt.date(2025, 5, 31)) == []
    assert rates.breaks_of("people_informed", dt.date(2024, 12, 1), dt.date(2025, 11, 30)) == []
