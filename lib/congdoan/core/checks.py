"""The rules every CĐCS report satisfies, checked on a table of reports: one validation path.

Intake (:mod:`congdoan.intake.validation`) checks each submitted cell against these rules and
refuses the file with the cell's location; the database checks the "at most" rules again. Data
that reaches the engine another way — a CSV folder, a dataset built in memory — is checked here,
row by row, before the engine reads it (:func:`congdoan.core.dataset.engine_reports`): a report
that breaks a rule is left out of the figures, as if it had not come (its CĐCS then keeps its
last stocks, marked as carried forward), and is listed by :func:`report_problems` with the
file's row, the field, the value and what is expected.

The rules: numbers are whole and ≥ 0, yes/no fields 0 or 1, categories from their list; every
"at most" rule (:func:`congdoan.core.plan.report_rules`: women members ≤ members ≤ workers,
every reported numerator of a share ≤ its denominator …); an agreement is graded only when one
is in force; a rating only in the year report and only for a CĐCS active 12 months at the
cut-off; the CĐCS is in the registry and active in the period, and the period is a half year.
A blank value is no data, not a contradiction.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from congdoan.core.periods import PeriodSettings, load_settings, parse_period
from congdoan.core.plan import AtMost, DataElements, load_elements, load_register, report_rules

PROBLEM_COLUMNS = ("unit_id", "period", "row", "field", "value", "expected", "rule",
                   "message_vi", "message_en")
"""Columns of :func:`report_problems`; ``row`` is the line of ``reports.csv`` (header = 1)."""


def at_most_message(rule: AtMost, value: Any, limit_value: Any,
                    elements: DataElements | None = None) -> tuple[str, str]:
    """The Vietnamese and English message of a broken "at most" rule (the same everywhere)."""
    by_name = (elements or load_elements()).by_name()
    small, big = by_name[rule.field], by_name[rule.limit]
    return (f"'{small.label_vi}' ({value}) không được lớn hơn '{big.label_vi}' ({limit_value}).",
            f"'{small.label_en}' ({value}) cannot exceed '{big.label_en}' ({limit_value}).")


GRADE_MESSAGE = ("Chỉ xếp loại TƯLĐTT khi đã có thỏa ước còn hiệu lực (dòng thỏa ước ghi Có).",
                 "An agreement is graded only when one is in force (its line answered yes).")
GRADE_EXPECTED = "để trống, hoặc dòng thỏa ước ghi Có"
"""What a grade without an agreement should be (said in words, not field codes)."""
RATING_H1_MESSAGE = ("Xếp loại chỉ báo cáo trong báo cáo năm (kỳ H2).",
                     "The rating is reported in the year report (H2) only.")
RATING_YOUNG_MESSAGE = (
    "CĐCS hoạt động chưa đủ 12 tháng tại ngày chốt nên chưa được xếp loại.",
    "The CĐCS had not been active 12 months at the cut-off: it is not rated.")


def report_problems(reports: pd.DataFrame, units: pd.DataFrame,
                    elements: DataElements | None = None,
                    settings: PeriodSettings | None = None) -> pd.DataFrame:
    """Every rule a table of reports breaks, one row per (report, field, rule).

    Args:
        reports: the reports table (``reports.csv`` columns), values as read.
        units: the registry (unit_id, founded, dissolved).
        elements: the data elements (default ``params/data_elements.yaml``).
        settings: the period settings (default ``params/periods.yaml``).

    Returns:
        :data:`PROBLEM_COLUMNS`, in the order of the reports.

    """
    elements = elements or load_elements()
    settings = settings or load_settings()
    found: list[pd.DataFrame] = []
    index = reports.index

    def flag(mask: pd.Series | np.ndarray, field: str, value: pd.Series, expected: str,
             rule: str, vi: str | pd.Series, en: str | pd.Series) -> None:
        mask = pd.Series(np.asarray(mask, dtype=bool), index=index)
        if mask.any():
            found.append(pd.DataFrame({
                "unit_id": reports.loc[mask, "unit_id"], "period": reports.loc[mask, "period"],
                "field": field, "value": value[mask].astype(object), "expected": expected,
                "rule": rule,
                "message_vi": vi[mask] if isinstance(vi, pd.Series) else vi,
                "message_en": en[mask] if isinstance(en, pd.Series) else en}))

    numbers: dict[str, pd.Series] = {}
    for element in elements.elements:
        raw = reports[element.name]
        blank = raw.isna()
        if not pd.api.types.is_numeric_dtype(raw):
            blank |= raw.astype("string").str.strip().eq("").fillna(False)
        if element.kind == "category":
            bad = ~blank & ~raw.astype("string").isin(list(element.values or ()))
            flag(bad, element.name, raw, ", ".join(element.values or ()), "category",
                 f"Giá trị không có trong danh sách của '{element.label_vi}'.",
                 f"Value not in the list for '{element.label_en}'.")
            continue
        number = pd.to_numeric(raw, errors="coerce")
        numbers[element.name] = number
        whole = number.notna() & (number == np.round(number)) & (number >= 0)
        if element.kind == "bool":
            whole &= number.isin((0, 1))
        expected = "0 hoặc 1 (Có/Không)" if element.kind == "bool" else "số nguyên ≥ 0"
        flag(~blank & ~whole, element.name, raw, expected, "number",
             f"'{element.label_vi}' phải là {expected}.",
             f"'{element.label_en}' must be {'0 or 1' if element.kind == 'bool' else 'a whole number ≥ 0'}.")
    for rule in report_rules(load_register(), elements):
        a, b = numbers[rule.field], numbers[rule.limit]
        broken = a > b
        if broken.any():
            messages = [at_most_message(rule, x, y, elements) for x, y in
                        zip(a[broken].astype("Int64"), b[broken].astype("Int64"), strict=True)]
            where = a.index[broken]
            vi = pd.Series([m[0] for m in messages], index=where).reindex(index)
            en = pd.Series([m[1] for m in messages], index=where).reindex(index)
            flag(broken, rule.field, a, f"≤ {rule.limit}", f"{rule.field}_le_{rule.limit}", vi, en)
    if "cba_grade" in reports and "cba_signed" in numbers:
        graded = reports["cba_grade"].notna() & numbers["cba_signed"].ne(1)
        flag(graded, "cba_grade", reports["cba_grade"], GRADE_EXPECTED,
             "grade_needs_agreement", *GRADE_MESSAGE)
    _registry_rules(reports, units, settings, flag)
    if not found:
        return pd.DataFrame(columns=list(PROBLEM_COLUMNS))
    out = pd.concat(found)
    out["row"] = out.index.to_numpy() + 2 if isinstance(index, pd.RangeIndex) else pd.NA
    out = out.sort_index(kind="stable").reset_index(drop=True)
    return out[list(PROBLEM_COLUMNS)]


def _registry_rules(reports: pd.DataFrame, units: pd.DataFrame, settings: PeriodSettings,
                    flag: Any) -> None:
    """Rules against the registry and the periods: known CĐCS, half year, active, rated."""
    text = reports["period"].astype("string")
    year = pd.to_numeric(text.str[:4], errors="coerce")
    valid = (text.str.fullmatch(r"\d{4}-H[12]").fillna(False) & year.ge(settings.first_year)
             ).astype(bool)
    flag(~valid, "period", reports["period"], "YYYY-H1 hoặc YYYY-H2", "period",
         "Kỳ báo cáo không hợp lệ.", "Invalid report period.")
    registry = units.set_index("unit_id")
    known = reports["unit_id"].isin(registry.index)
    flag(~known, "unit_id", reports["unit_id"], "mã trong danh mục CĐCS", "unit",
         "Mã CĐCS không có trong danh mục.", "Unknown CĐCS code (not in the registry).")
    ok = valid & known
    if not ok.any():
        return
    periods = {p: parse_period(p, settings) for p in text[ok].unique()}
    start = pd.to_datetime(text.map({p: per.start for p, per in periods.items()}))
    cut_off = pd.to_datetime(text.map({p: per.cut_off for p, per in periods.items()}))
    founded = pd.to_datetime(reports["unit_id"].map(registry["founded"]))
    dissolved = pd.to_datetime(reports["unit_id"].map(registry["dissolved"]))
    inactive = ok & ((founded > cut_off) | (dissolved < start))
    flag(inactive, "unit_id", reports["unit_id"], "hoạt động trong kỳ", "active",
         "CĐCS không hoạt động trong kỳ này (chưa thành lập hoặc đã giải thể).",
         "The CĐCS was not active in this period (not yet founded or dissolved).")
    if "rating" in reports:
        rated = ok & reports["rating"].notna()
        flag(rated & text.str.endswith("H1").fillna(False), "rating", reports["rating"],
             "để trống trong báo cáo 6 tháng", "rating_in_year_report", *RATING_H1_MESSAGE)
        young = rated & text.str.endswith("H2").fillna(False) & (
            founded > cut_off - pd.DateOffset(months=12))
        flag(young, "rating", reports["rating"], "để trống", "rating_needs_12_months",
             *RATING_YOUNG_MESSAGE)
