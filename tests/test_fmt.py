"""Vietnamese and English formatting through babel."""

from __future__ import annotations

import datetime as dt

import pytest

from congdoan.briefing import fmt
from congdoan.exceptions import ParameterError


def test_vietnamese_numbers_percent_dates() -> None:
    assert fmt.percent(0.725) == "72,5%"
    assert fmt.percent(0.7) == "70%"
    assert fmt.count(18000, "đoàn viên") == "18.000 đoàn viên"
    assert fmt.number(1234567.0) == "1.234.567"
    assert fmt.number(1.25, decimals=2) == "1,25"
    assert fmt.date(dt.date(2025, 11, 30)) == "30/11/2025"


def test_english_numbers_and_words() -> None:
    assert fmt.percent(0.725, "en") == "72.5%"
    assert fmt.count(18000, "đoàn viên", "en") == "18,000 members"
    assert fmt.word_list(["a", "b", "c"], "en") == "a, b, and c"
    assert fmt.word_list(["a", "b", "c"], "vi") == "a, b và c"
    assert fmt.status_label("not_met", "en") == "Not met"
    assert fmt.status_label("not_met", "vi") == "Chưa đạt"


def test_targets_values_and_missing() -> None:
    assert fmt.target("share", 0.7) == "≥ 70%"
    assert fmt.target("share", 0.85, strict=True) == "> 85%"
    assert fmt.target("count", 600, 700) == "600–700"
    assert fmt.value("per_unit", 0.4827) == "0,48"
    assert fmt.value("share", float("nan")) == "—"
    assert fmt.date(None) == "—"
    assert fmt.signed(0.032, "share") == "+3,2 điểm %"
    assert fmt.signed(-120, "count", "en") == "−120"


def test_unknown_language_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="fr"):
        fmt.percent(0.5, "fr")


@pytest.mark.parametrize(("measure", "value", "target", "shown"), [
    ("share", 0.99996, 1.0, "99,996%"),      # never "100%" beside "Chưa đạt"
    ("share", 0.9995, 1.0, "99,95%"),
    ("share", 0.9999999, 1.0, "< 100%"),     # even three more decimals would round to 100 %
    ("share", 0.69996, 0.70, "69,996%"),
    ("share", 0.85004, 0.85, "85,004%"),     # above a strict "> 85 %": visibly above
    ("share", 1.0, 1.0, "100%"),
    ("share", 0.725, 0.75, "72,5%"),         # far from the target: the usual precision
    ("per_unit", 0.99999, 1.0, "0,99999"),
    ("count", 17956, 18000, "17.956"),
])
def test_a_value_is_never_rounded_onto_or_across_its_target(measure: str, value: float,
                                                            target: float, shown: str) -> None:
    assert fmt.value(measure, value, "vi", target) == shown


def test_no_negative_zero() -> None:
    assert fmt.signed(-0.00004, "share") == "±0 điểm %"
    assert fmt.signed(-0.4, "count") == "±0"
    assert fmt.signed(-0.6, "count") == "−1"
    assert fmt.number(-0.4) == "0"
    assert fmt.percent(-0.00004) == "0%"


def test_gaps_and_tolerances() -> None:
    assert fmt.gap("count", 44, "đoàn viên") == "thiếu 44 đoàn viên"
    assert fmt.gap("count", 44, "đoàn viên", "en") == "short by 44 members"
    assert fmt.gap("share", 0.0321) == "thiếu 3,2 điểm %"
    assert fmt.gap("share", 0.0) == ""
    assert fmt.tolerance("count", 18000, 0.01) == "± 1%, đạt từ 17.820"
    assert fmt.tolerance("count", 18000, 0.0) == ""
