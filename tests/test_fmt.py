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
