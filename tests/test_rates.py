"""Dated finance rates: member dues fall from 1 % to 0.5 % on 1/7/2025, and stop on 1/6/2025
in units fully funded by the state budget."""

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


def test_budget_funded_units_pay_dues_before_june_2025_and_none_after() -> None:
    rates = load_rates()
    assert rates.on("member_dues", dt.date(2025, 5, 31), budget_funded=True) == 0.01
    assert rates.on("member_dues", dt.date(2025, 6, 1), budget_funded=True) == 0.0
    assert rates.on("member_dues", dt.date(2025, 7, 1), budget_funded=True) == 0.0  # not 0.5 %
    assert rates.on("union_levy", dt.date(2025, 7, 1), budget_funded=True) == 0.02  # levy stays
    wage_fund, member_wages = 1_000_000_000, 400_000_000
    h1 = dt.date(2024, 12, 1), dt.date(2025, 5, 31)  # 182 days, all before the stop
    h2 = dt.date(2025, 6, 1), dt.date(2025, 11, 30)
    year = dt.date(2024, 12, 1), dt.date(2025, 11, 30)  # 365 days, 182 of them before
    assert finance_budget(wage_fund, member_wages, *h1, budget_funded=True) == pytest.approx(
        20_000_000 + 4_000_000)
    assert finance_budget(wage_fund, member_wages, *h2, budget_funded=True) == pytest.approx(
        20_000_000)
    assert finance_budget(wage_fund, member_wages, *year, budget_funded=True) == pytest.approx(
        20_000_000 + 182 / 365 * 4_000_000)
    # the same unit not budget-funded: June at 1 %, then 0.5 %
    assert finance_budget(wage_fund, member_wages, *h2) == pytest.approx(
        20_000_000 + (30 * 0.01 + 153 * 0.005) / 183 * 400_000_000)

