"""Vietnamese (and English) formatting of numbers, percentages, dates, lists and labels.

Everything goes through :mod:`babel` (CLDR data), never hand-rolled string code: in Vietnamese a
share is ``72,5%``, a count ``18.000 đoàn viên``, a date ``30/11/2025``; in English ``72.5%``,
``18,000 members``, ``30/11/2025``. Missing values (None, NaN, NA) are shown as an em dash.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_EVEN, Decimal
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
    "not_achieved": {"vi": "Không đạt mốc", "en": "Milestone missed"},
    "insufficient_history": {"vi": "Chưa đủ dữ liệu", "en": "Not enough data yet"},
    "on_time": {"vi": "Đúng hạn", "en": "On time"},
    "late": {"vi": "Nộp muộn", "en": "Late"},
    "missing": {"vi": "Chưa nộp", "en": "Missing"},
}
"""Words for every status of the indicator table and of report timeliness."""

PROVISIONAL = {"vi": "tạm tính", "en": "provisional"}
"""Said of a figure whose coverage of expected reports is below the register's threshold."""

DECIMALS = {"share": 1, "per_unit": 2, "count": 0}
"""Decimals an indicator value is shown with (a share in percentage points)."""

EXTRA_DECIMALS = 3
"""At most this many more decimals are shown when rounding would hide a value's side of its target."""

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


def is_set(flag: Any) -> bool:
    """A flag of a frame's cell (numpy booleans too): True only when set; missing is not."""
    return not is_missing(flag) and bool(flag)


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
    x = _no_negative_zero(round(float(value), max(decimals, 0)))
    return _decimal(x, _pattern(decimals, optional), check_lang(lang))


def _no_negative_zero(x: float) -> float:
    """``x`` with −0.0 made 0.0 (a rounded −0.00004 must not print as "−0")."""
    return 0.0 if x == 0 else x


def percent(value: Any, lang: str = "vi", decimals: int = 1) -> str:
    """A share (0.725) as a percentage: ``72,5%`` (vi), ``72.5%`` (en); ``100%`` without decimals."""
    if is_missing(value):
        return MISSING
    x = _no_negative_zero(round(float(value), max(decimals, 0) + 2))
    return _percent(x, _pattern(decimals, True) + "%", check_lang(lang))


# babel parses the pattern and looks up the locale on every call; chart axes format
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


def value(measure: str, val: Any, lang: str = "vi", target: Any = None) -> str:
    """An indicator value by its measure: share → ``72,5%``, count → ``640``, per unit → ``1,25``.

    With ``target``, the value never reads as being on the other side of it, or on it when it is
    not: 0.99996 against 100 % shows ``99,996%`` (up to :data:`EXTRA_DECIMALS` more decimals),
    and ``< 100%`` when even those would round to the target.
    """
    if is_missing(val):
        return MISSING
    decimals = DECIMALS.get(measure, 0)
    if not is_missing(target):
        # compared as babel rounds: the decimal of the shortest repr, half to even
        scale = 2 if measure == "share" else 0
        x = Decimal(str(float(val))).scaleb(scale)
        goal = Decimal(str(float(target))).scaleb(scale)
        side = (x > goal) - (x < goal)
        for extra in range(EXTRA_DECIMALS + 1):
            shown = x.quantize(Decimal(1).scaleb(-(decimals + extra)), rounding=ROUND_HALF_EVEN)
            if (shown > goal) - (shown < goal) == side:
                return _by_measure(measure, val, lang, decimals + extra)
        return f"{'<' if side < 0 else '>'} {_by_measure(measure, target, lang, decimals)}"
    return _by_measure(measure, val, lang, decimals)


def _by_measure(measure: str, val: Any, lang: str, decimals: int) -> str:
    if measure == "share":
        return percent(val, lang, decimals)
    return number(val, lang, decimals=decimals)


def gap(measure: str, missing: Any, unit: str = "", lang: str = "vi") -> str:
    """What is missing to a target: ``thiếu 44 đoàn viên``, ``thiếu 3,2 điểm %``; empty when none."""
    if is_missing(missing) or float(missing) <= 0:
        return ""
    vi = lang == "vi"
    if measure == "share":
        amount = f"{number(float(missing) * 100, lang, decimals=1)} {'điểm %' if vi else 'pp'}"
    elif unit:
        amount = count(missing, unit, lang) if float(missing) == round(float(missing)) else \
            f"{number(missing, lang, decimals=2)} {UNIT_WORDS.get(unit, {}).get(lang, unit)}"
    else:
        amount = number(missing, lang, decimals=DECIMALS.get(measure, 0))
    return f"{'thiếu' if vi else 'short by'} {amount}"


def tolerance(measure: str, target_value: Any, relative: Any, lang: str = "vi") -> str:
    """An "about" target's tolerance: ``khoảng 18.000 (± 1%, đạt từ 17.820)``; empty when none."""
    if is_missing(relative) or float(relative) <= 0 or is_missing(target_value):
        return ""
    low = float(target_value) * (1 - float(relative))
    return (f"± {percent(relative, lang, 1)}, "
            f"{'đạt từ' if lang == 'vi' else 'reached from'} {value(measure, low, lang)}")


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
    scale, decimals = (100.0, 1) if measure == "share" else (1.0, DECIMALS.get(measure, 0))
    x = round(float(val) * scale, decimals)  # the sign of what is shown, never "−0"
    sign = "+" if x > 0 else ("−" if x < 0 else "±")
    shown = number(abs(x), lang, decimals=decimals)
    return f"{sign}{shown} {'điểm %' if lang == 'vi' else 'pp'}" if measure == "share" else \
        f"{sign}{shown}"
