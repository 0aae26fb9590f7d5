"""Vietnamese (and English) formatting of numbers, percentages, dates, lists and labels.

Everything goes through :mod:`babel` (CLDR data), never hand-rolled string code: in Vietnamese a
share is ``72,5%``, a count ``18.000 đoàn viên``, a date ``30/11/2025``; in English ``72.5%``,
``18,000 members``, ``30/11/2025``. Missing values (None, NaN, NA) are shown as an em dash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

import pandas as pd
from babel.dates import format_date
from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from congdoan.exceptions import ParameterError

LANGS = ("vi", "en")
"""Languages a briefing can be written in."""

MISSING = "—"
"""Shown where there is no value."""

STATUS_LABELS: dict[str, dict[str, str]] = {
    "met": {"vi": "Đạt", "en": "Met"},
    "not_met": {"vi": "Chưa đạt", "en": "Not met"},
    "no_data": {"vi": "Chưa có số liệu", "en": "No data"},
    "not_applicable": {"vi": "Không áp dụng", "en": "Not applicable"},
    "achieved": {"vi": "Đã đạt mốc", "en": "Achieved"},
    "on_track": {"vi": "Đúng tiến độ", "en": "On track"},
    "acceleration_needed": {"vi": "Cần tăng tốc", "en": "Acceleration needed"},
    "limited_progress": {"vi": "Tiến bộ hạn chế", "en": "Limited progress"},
    "moving_away": {"vi": "Đi ngược mục tiêu", "en": "Moving away"},
    "on_time": {"vi": "Đúng hạn", "en": "On time"},
    "late": {"vi": "Nộp muộn", "en": "Late"},
    "missing": {"vi": "Chưa nộp", "en": "Missing"},
}
"""Words for every status of the indicator table and of report timeliness."""

UNIT_WORDS: dict[str, dict[str, str]] = {
    "đoàn viên": {"vi": "đoàn viên", "en": "members"},
    "người": {"vi": "người", "en": "people"},
    "CĐCS": {"vi": "CĐCS", "en": "grassroots unions"},
    "vụ việc": {"vi": "vụ việc", "en": "cases"},
    "đồng": {"vi": "đồng", "en": "VND"},
    "báo cáo": {"vi": "báo cáo", "en": "reports"},
}
"""Units of counted things, by their Vietnamese name (as in ``data_elements.yaml``)."""


def check_lang(lang: str) -> str:
    """Return ``lang`` when it is 'vi' or 'en', else raise a ParameterError."""
    if lang not in LANGS:
        raise ParameterError("Ngôn ngữ không hỗ trợ.", "Unsupported language.",
                             location=None, value=lang, expected="'vi' hoặc 'en'")
    return lang


def is_missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _pattern(decimals: int, optional: bool) -> str:
    if decimals <= 0:
        return "#,##0"
    return "#,##0." + ("#" if optional else "0") * decimals


def number(value: Any, lang: str = "vi", decimals: int = 0, *, optional: bool = True) -> str:
    """A number with the language's grouping and decimal signs: ``18.000``, ``1,5``.

    Args:
        value: the number (missing → em dash).
        lang: 'vi' or 'en'.
        decimals: at most this many decimals.
        optional: drop trailing zero decimals (``2`` rather than ``2,0``).

    """
    if is_missing(value):
        return MISSING
    x = float(value)
    if decimals <= 0:
        x = round(x)
    return _decimal(x, _pattern(decimals, optional), check_lang(lang))


def percent(value: Any, lang: str = "vi", decimals: int = 1) -> str:
    """A share (0.725) as a percentage: ``72,5%`` (vi), ``72.5%`` (en); ``100%`` without decimals."""
    if is_missing(value):
        return MISSING
    return _percent(float(value), _pattern(decimals, True) + "%", check_lang(lang))


# babel parses the pattern and looks up the locale on every call (~0.1 ms); chart axes format
# the same few tick values hundreds of times per briefing, so the results are kept.
@lru_cache(maxsize=4096)
def _decimal(x: float, pattern: str, lang: str) -> str:
    return format_decimal(x, format=pattern, locale=lang)


@lru_cache(maxsize=4096)
def _percent(x: float, pattern: str, lang: str) -> str:
    return format_percent(x, format=pattern, locale=lang)


def count(value: Any, unit: str, lang: str = "vi") -> str:
    """A whole count with its unit word: ``18.000 đoàn viên`` / ``18,000 members``."""
    if is_missing(value):
        return MISSING
    word = UNIT_WORDS.get(unit, {}).get(lang, unit)
    return f"{number(value, lang)} {word}"


def date(value: dt.date | pd.Timestamp | str | None, lang: str = "vi") -> str:
    """A day as ``30/11/2025`` (both languages use day/month/year here)."""
    if value is None or is_missing(value):
        return MISSING
    day = pd.Timestamp(value).date()
    return format_date(day, "dd/MM/yyyy", locale=check_lang(lang))


def word_list(items: Iterable[str], lang: str = "vi") -> str:
    """Join words the language's way: ``a, b và c`` / ``a, b, and c``."""
    items = [str(i) for i in items]
    if not items:
        return ""
    return format_list(items, locale=check_lang(lang))


def status_label(status: Any, lang: str = "vi") -> str:
    """Word for an indicator or timeliness status (unknown status → itself)."""
    if is_missing(status):
        return MISSING
    return STATUS_LABELS.get(str(status), {}).get(check_lang(lang), str(status))


def value(measure: str, val: Any, lang: str = "vi") -> str:
    """An indicator value by its measure: share → ``72,5%``, count → ``640``, per unit → ``1,25``."""
    if measure == "share":
        return percent(val, lang)
    if measure == "per_unit":
        return number(val, lang, decimals=2)
    return number(val, lang)


def target(measure: str, minimum: Any, maximum: Any = None, strict: bool = False,
           lang: str = "vi") -> str:
    """A target as read in the plan: ``≥ 70%``, ``> 85%``, ``600–700``; missing → em dash."""
    if is_missing(minimum):
        return MISSING
    low = value(measure, minimum, lang)
    if not is_missing(maximum):
        return f"{low}–{value(measure, maximum, lang)}"
    return f"{'>' if strict else '≥'} {low}"


def signed(val: Any, measure: str, lang: str = "vi") -> str:
    """A change with its sign: ``+3,2 điểm %`` for shares, ``+120`` for counts (pace per year)."""
    if is_missing(val):
        return MISSING
    x = float(val)
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    if measure == "share":
        points = number(abs(x) * 100, lang, decimals=1)
        return f"{sign}{points} {'điểm %' if lang == 'vi' else 'pp'}"
    return f"{sign}{number(abs(x), lang, decimals=2 if measure == 'per_unit' else 0)}"
