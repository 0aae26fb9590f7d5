"""Completeness and timeliness of CĐCS reports for a period.

Derived from ``reports.csv``: a report counts as on time when ``submitted_on`` is on or before
:func:`congdoan.core.periods.due_date` of its half-year sub-period. A small, replaceable function:
the intake may later record receipt dates of its own.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from congdoan.core.completeness import expected_reports
from congdoan.core.dataset import Dataset
from congdoan.core.periods import Period

STATUS_COLUMNS = ("unit_id", "sub_period", "due", "submitted_on", "status")


def reporting_status(dataset: Dataset, period: Period, unit_ids: Sequence[str]) -> pd.DataFrame:
    """One row per (CĐCS, sub-period) the CĐCS had to report for.

    A CĐCS must report for each sub-period of ``period`` at whose cut-off it was active (the
    rule of :func:`congdoan.core.completeness.expected_reports`, which this reads).

    Returns:
        unit_id, sub_period, due (date), submitted_on (Timestamp or NaT), status
        ('on_time' | 'late' | 'missing').

    """
    rows = expected_reports(dataset, period.id)
    rows = rows[rows["unit_id"].isin(list(unit_ids))].rename(
        columns={"period": "sub_period", "due_date": "due"})
    rows["submitted_on"] = pd.to_datetime(rows["submitted_on"])
    rows["status"] = np.select([rows["on_time"], rows["received"]], ["on_time", "late"],
                               default="missing")
    if rows.empty:
        return pd.DataFrame(columns=list(STATUS_COLUMNS))
    return rows[list(STATUS_COLUMNS)].sort_values(["sub_period", "unit_id"]).reset_index(drop=True)


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
