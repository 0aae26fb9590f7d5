"""Completeness and timeliness of CĐCS reports for a period.

Derived from ``reports.csv``: a report counts as on time when ``submitted_on`` is on or before
:func:`congdoan.periods.due_date` of its half-year sub-period. A small, replaceable function:
the intake may later record receipt dates of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from congdoan.dataset import Dataset
from congdoan.periods import Period, due_date, parse_period
from congdoan.registry import active_units

STATUS_COLUMNS = ("unit_id", "sub_period", "due", "submitted_on", "status")


def reporting_status(dataset: Dataset, period: Period, unit_ids: Sequence[str]) -> pd.DataFrame:
    """One row per (CĐCS, sub-period) the CĐCS had to report for.

    A CĐCS must report for each sub-period of ``period`` at whose cut-off it was active.

    Returns:
        unit_id, sub_period, due (date), submitted_on (Timestamp or NaT), status
        ('on_time' | 'late' | 'missing').

    """
    units = dataset.units[dataset.units["unit_id"].isin(list(unit_ids))]
    reports = dataset.reports[["unit_id", "period", "submitted_on"]]
    parts: list[pd.DataFrame] = []
    for sub_id in period.sub_periods:
        sub = parse_period(sub_id)
        expected = active_units(units, sub.cut_off)[["unit_id"]].copy()
        expected["sub_period"] = sub_id
        expected["due"] = pd.Timestamp(due_date(sub))
        parts.append(expected)
    if not parts:
        return pd.DataFrame(columns=list(STATUS_COLUMNS))
    frame = pd.concat(parts, ignore_index=True)
    merged = frame.merge(reports.rename(columns={"period": "sub_period"}),
                         on=["unit_id", "sub_period"], how="left")
    merged = merged.drop_duplicates(["unit_id", "sub_period"], keep="first")
    submitted = pd.to_datetime(merged["submitted_on"])
    merged["submitted_on"] = submitted
    merged["status"] = "missing"
    received = submitted.notna()
    merged.loc[received & (submitted <= merged["due"]), "status"] = "on_time"
    merged.loc[received & (submitted > merged["due"]), "status"] = "late"
    return merged[list(STATUS_COLUMNS)].sort_values(["sub_period", "unit_id"]).reset_index(drop=True)


def reporting_summary(status: pd.DataFrame) -> pd.DataFrame:
    """Counts and rates of reports per sub-period and in total.

    Columns: expected, received, on_time, late, missing reports, completeness (received /
    expected) and timeliness (on time / expected).

    The last row (``sub_period`` = 'total') sums the others.
    """
    counts = pd.crosstab(status["sub_period"], status["status"])
    for col in ("on_time", "late", "missing"):
        if col not in counts.columns:
            counts[col] = 0
    counts = counts[["on_time", "late", "missing"]]
    counts.loc["total"] = counts.sum()
    out = counts.reset_index().rename(columns={"index": "sub_period"})
    out.columns.name = None
    out["expected"] = out["on_time"] + out["late"] + out["missing"]
    out["received"] = out["on_time"] + out["late"]
    expected = out["expected"].where(out["expected"] > 0)
    out["completeness"] = out["received"] / expected
    out["timeliness"] = out["on_time"] / expected
    return out[["sub_period", "expected", "received", "on_time", "late", "missing",
                "completeness", "timeliness"]]
