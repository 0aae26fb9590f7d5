"""Completeness and timeliness of reporting: expected vs received vs on time.

A CĐCS is expected to report for a half-year sub-period when it is active at the sub-period's
cut-off; it counts under the upper union it belongs to at that cut-off and under every upper union
above that one then (:func:`congdoan.core.registry.upper_chains`). A report is on time when
``submitted_on`` ≤ :func:`congdoan.core.periods.due_date` (cut-off + ``due_days_after_cut_off`` of
``params/periods.yaml``). A year period sums its two halves (unit-reports).

Pure: a :class:`~congdoan.core.dataset.Dataset` and a period in, a DataFrame out.
``congdoan completeness --period P`` prints it.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from congdoan.core.dataset import Dataset
from congdoan.core.periods import due_date, parse_period
from congdoan.core.registry import bodies_of, dataset_chains, period_units

COMPLETENESS_COLUMNS = (
    "level", "upper_id", "upper_name", "period", "due_date", "expected", "received", "on_time",
    "late", "missing", "received_share", "on_time_share", "due_passed",
)
"""Columns of :func:`completeness` (shares are fractions of ``expected``)."""


def expected_reports(dataset: Dataset, period_id: str) -> pd.DataFrame:
    """One row per expected (CĐCS, sub-period): parent then, received and on-time flags.

    ``bodies``: the upper unions the report counts for (its parent and those above it then).

    Computed once per dataset and period (every briefing of a batch reads it); the frame is
    shared: filter it, never change it in place.
    """
    return dataset.memo(("expected_reports", period_id),
                        lambda: _expected_reports(dataset, period_id))


def _expected_reports(dataset: Dataset, period_id: str) -> pd.DataFrame:
    period = parse_period(period_id)
    parts: list[pd.DataFrame] = []
    for sub_id in period.sub_periods:
        sub = parse_period(sub_id)
        units = period_units(dataset, sub.cut_off)
        due = pd.Timestamp(due_date(sub))
        got = dataset.reports.loc[dataset.reports["period"] == sub_id, ["unit_id", "submitted_on"]]
        got = got.drop_duplicates("unit_id", keep="last")
        rows = units[["unit_id", "parent_id"]].merge(got, on="unit_id", how="left")
        rows["bodies"] = bodies_of(rows["parent_id"], dataset_chains(dataset, sub.cut_off))
        rows["period"] = sub_id
        rows["due_date"] = due
        rows["received"] = rows["submitted_on"].notna()
        rows["on_time"] = rows["received"] & (pd.to_datetime(rows["submitted_on"]) <= due)
        parts.append(rows)
    return pd.concat(parts, ignore_index=True)


def completeness(dataset: Dataset, period_id: str, today: dt.date | None = None) -> pd.DataFrame:
    """Expected, received and on-time reports per upper union and for the whole organisation.

    An upper union counts the reports of its CĐCS at any depth.
    """
    today = today or dt.date.today()
    period = parse_period(period_id)
    rows = expected_reports(dataset, period_id)
    names = dataset.upper_unions.set_index("upper_id")["name"]
    due = due_date(parse_period(period.sub_periods[-1]))

    def summarise(frame: pd.DataFrame) -> dict[str, float]:
        expected = len(frame)
        received = int(frame["received"].sum())
        on_time = int(frame["on_time"].sum())
        return {"expected": expected, "received": received, "on_time": on_time,
                "late": received - on_time, "missing": expected - received,
                "received_share": received / expected if expected else float("nan"),
                "on_time_share": on_time / expected if expected else float("nan")}

    out = [{"level": "upper_union", "upper_id": upper, "upper_name": names.get(upper, upper),
            **summarise(part)} for upper, part in rows.explode("bodies").groupby("bodies",
                                                                                  sort=True)]
    out.append({"level": "organisation", "upper_id": dataset.organisation_id,
                "upper_name": dataset.organisation_name, **summarise(rows)})
    table = pd.DataFrame(out)
    table["period"] = period.id
    table["due_date"] = pd.Timestamp(due)
    table["due_passed"] = due < today
    return table[list(COMPLETENESS_COLUMNS)]
