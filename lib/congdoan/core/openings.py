"""Opening balances: the stocks of a CĐCS before its first report.

A union that takes over CĐCS (a commune union formed on 1/7/2025, a CĐCS founded mid-year)
knows their members and workers on the day they enter its data, before any report: the units
list carries them (``congdoan units import``, table ``openings``: unit_id, as_of, members,
workers). Until a CĐCS's first report, its opening balance stands in for its stocks, so stocks
exist from the first period; from its first report on, reports alone count.

Pure functions over a :class:`~congdoan.core.dataset.Dataset`.
"""

from __future__ import annotations

import pandas as pd

from congdoan.core.dataset import Dataset
from congdoan.core.periods import Period

OPENING_ELEMENTS = ("members", "workers")
"""The stocks an opening balance gives (data elements of the report)."""


def opening_stocks(dataset: Dataset, period: Period) -> pd.DataFrame:
    """Opening balances standing in for stocks at ``period``'s cut-off, indexed by unit_id.

    One row per CĐCS whose opening balance is dated on or before the cut-off and that has no
    report for any sub-period up to the period's last; columns :data:`OPENING_ELEMENTS` and
    ``as_of``. Computed once per dataset and period.
    """
    def make() -> pd.DataFrame:
        openings = dataset.openings
        last_sub = period.sub_periods[-1]
        reported = set(dataset.reports.loc[dataset.reports["period"] <= last_sub, "unit_id"])
        due = pd.to_datetime(openings["as_of"]) <= pd.Timestamp(period.cut_off)
        rows = openings[due & ~openings["unit_id"].isin(reported)]
        rows = rows.drop_duplicates("unit_id", keep="last").set_index("unit_id")
        out = rows[["as_of"]].copy()
        for name in OPENING_ELEMENTS:
            out[name] = pd.to_numeric(rows[name], errors="coerce")
        return out

    return dataset.memo(("opening_stocks", period.id), make)


def start_balances(dataset: Dataset, period: Period) -> pd.DataFrame:
    """Members at the start of each CĐCS's data inside ``period``, from its opening balance.

    For a body whose data begin inside the period (a union formed mid-year, its CĐCS entered
    with opening balances): the members of each opening balance dated from the day before the
    period starts to its cut-off (a CĐCS's earliest such balance: where its data begin),
    indexed by unit_id;
    column ``members``; missing figures are left out. The change in members over such a period is counted from
    these balances (:func:`congdoan.core.changes.change_rows`).
    """
    def make() -> pd.DataFrame:
        openings = dataset.openings
        day = pd.to_datetime(openings["as_of"])
        inside = (day >= pd.Timestamp(period.start) - pd.Timedelta(days=1)) \
            & (day <= pd.Timestamp(period.cut_off))
        rows = openings[inside].assign(_day=day[inside]).sort_values(["unit_id", "_day"])
        members = pd.to_numeric(rows["members"], errors="coerce")
        out = members.groupby(rows["unit_id"], sort=True).first().dropna()
        return out.astype("float64").to_frame("members")

    return dataset.memo(("start_balances", period.id), make)


def with_openings(frame: pd.DataFrame, openings: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (one row per CĐCS) with the opening balances of ``openings`` as its stocks.

    Adds ``opening``: True on the rows whose stocks come from an opening balance; their
    :data:`OPENING_ELEMENTS` are replaced by it (a missing figure stays missing).
    """
    out = frame.copy()
    out["opening"] = out["unit_id"].isin(openings.index)
    for name in OPENING_ELEMENTS:
        out[name] = pd.to_numeric(out[name], errors="coerce").where(
            ~out["opening"], out["unit_id"].map(openings[name]))
    return out
