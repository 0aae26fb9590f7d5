"""Stocks at a cut-off (carried forward when a report is missing) and changes over a period.

Pure functions over a :class:`~congdoan.core.dataset.Dataset`.

* :func:`stocks_at` — each CĐCS active at a sub-period's cut-off with its last reported stocks
  (members, workers …: the elements marked ``carry_forward``) and the sub-period they come from,
  so a CĐCS that missed a report keeps its last figures, marked as carried forward.
* :func:`change_rows` — the change of a stock (members, or the number of CĐCS) over a period,
  split into parts that add up to it for every body: members admitted and left, and the
  members (or CĐCS) gained with CĐCS founded or moved in and lost with CĐCS dissolved or moved
  out; ``other`` is what the reports do not explain (stocks that do not follow from the flows,
  carried-forward stocks). For a body B::

      stock at the end (units under B then) − stock at the start (units under B then)
        = admitted − left + founded − dissolved + moved_in − moved_out + other

  "Under B" is at any depth (:func:`congdoan.core.registry.upper_chains`): each row's
  ``bodies`` are the upper unions it counts for. A CĐCS moves out of the upper unions above it
  at the start that are not above it at the end, and into those above it at the end only: a
  move between two CĐCS-holding unions below B, or of a whole upper union with its CĐCS from one
  place below B to another, is no move for B.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from congdoan.core.dataset import Dataset, engine_reports
from congdoan.core.openings import start_balances
from congdoan.core.periods import Period, parse_period, period_of_date
from congdoan.core.plan import CHANGE_ELEMENTS, DataElements, load_elements
from congdoan.core.registry import (
    active_units,
    bodies_of,
    dataset_chains,
    period_units,
    valid_on,
)

PARTS = ("admitted", "left", "founded", "dissolved", "moved_in", "moved_out", "other")
"""Parts of a change, in the order they are shown."""

GROSS_PARTS = ("admitted", "founded")
"""Parts that make the gross reading: who joined (members admitted, CĐCS founded)."""

CHANGE_COLUMNS = ("unit_id", "unit_name", "sector", "commune_id", "parent_id", "bodies",
                  "unit_row", "part", "members", "units")
"""Columns of :func:`change_rows`; ``members`` and ``units`` are the part's amounts (signed);
``bodies`` the upper unions the part counts for (a tuple)."""


def carried_elements(elements: DataElements | None = None) -> list[str]:
    """The stocks kept at their last reported value when a report is missing."""
    return [e.name for e in (elements or load_elements()).elements if e.carry_forward]


def stocks_at(dataset: Dataset, sub_period: str,
              elements: DataElements | None = None) -> pd.DataFrame:
    """Carried stocks of every CĐCS active at ``sub_period``'s cut-off, indexed by unit_id.

    Columns: each carry-forward element and ``stock_period``, the sub-period of the report the
    values come from (before ``sub_period`` when carried forward). A CĐCS that has never
    reported has no row. Computed once per dataset and sub-period.
    """
    names = carried_elements(elements)

    def make() -> pd.DataFrame:
        reports = engine_reports(dataset, elements)
        known = reports.loc[reports["period"] <= sub_period, ["unit_id", "period", *names]]
        last = known.sort_values(["unit_id", "period"], kind="stable").drop_duplicates(
            "unit_id", keep="last")
        active = period_units(dataset, parse_period(sub_period).cut_off)["unit_id"]
        last = last[last["unit_id"].isin(active)].set_index("unit_id")
        return last.rename(columns={"period": "stock_period"})

    return dataset.memo(("stocks_at", sub_period, tuple(names)), make)


def start_sub_period(period: Period) -> str:
    """The sub-period whose cut-off is the day before ``period`` starts (its opening stocks)."""
    return period_of_date(period.start - dt.timedelta(days=1))


def has_opening(dataset: Dataset, period: Period) -> bool:
    """True when the data reaches back to ``period``'s opening stocks."""
    first = dataset.reports["period"].dropna().min()
    return bool(isinstance(first, str) and first <= start_sub_period(period))


def change_rows(dataset: Dataset, period: Period, frame: pd.DataFrame) -> pd.DataFrame:
    """The parts of the change in members and in CĐCS over ``period``, one row per unit and part.

    Args:
        dataset: registry and reports.
        period: the period.
        frame: the unit frame of ``period`` (:func:`congdoan.core.indicators.unit_frame`): the
            CĐCS active at its cut-off with their parent then, ``members`` (carried forward),
            ``members_start``, ``members_admitted``, ``members_left`` and ``opening_known``.

    Returns:
        :data:`CHANGE_COLUMNS`. A row's ``parent_id`` is the body it counts for: a CĐCS that
        moved gives ``moved_out`` under its parent at the start and ``moved_in`` under its
        parent at the end (rows with ``unit_row`` False, which sum to nothing over sectors,
        communes and named groups). Member amounts are NaN where a stock is unknown.

    """
    keep = ["unit_id", "unit_name", "sector", "commune_id", "parent_id"]
    end = frame[keep + ["members", "members_start", "members_admitted", "members_left",
                        "founded"]].set_index("unit_id")
    start_day = period.start - dt.timedelta(days=1)
    start_units = _units_on(dataset, start_day)
    begin: pd.Timestamp | None = None
    start_chains, end_chains = dataset_chains(dataset, start_day), dataset_chains(dataset,
                                                                                  period.cut_off)
    end["bodies"] = bodies_of(end["parent_id"], end_chains)
    known = has_opening(dataset, period)
    opening = stocks_at(dataset, start_sub_period(period)) if known else None
    if not known and "opening_known" in frame:
        # the data begin inside the period: a change is told only when every CĐCS's start is
        # known, from its opening balance (or its founding in the period)
        balances = start_balances(dataset, period)
        gone_ids = start_units.index.difference(pd.Index(frame["unit_id"]))
        known = bool(len(frame)) and bool(frame["opening_known"].all()) \
            and bool(gone_ids.isin(balances.index).all())
        opening = balances if known else None
        begin = _data_begin(dataset, period)
    in_start = end.index.isin(start_units.index)
    if begin is not None:  # formed on the day the data begin, with its balance then: a start
        founded_then = pd.to_datetime(end["founded"]) <= begin
        in_start |= (founded_then & end.index.isin(balances.index)).to_numpy()
    parts: list[pd.DataFrame] = []

    def add(rows: pd.DataFrame, part: str, members: object, units: float,
            unit_row: bool = True, parent: object = None,
            bodies: pd.Series | None = None) -> None:
        if len(rows):
            out = rows.reset_index()[keep].copy()
            if parent is not None:
                out["parent_id"] = np.asarray(parent, dtype=object)
            out["bodies"] = (rows["bodies"] if bodies is None else bodies).to_numpy()
            out["unit_row"] = unit_row
            out["part"] = part
            out["members"] = np.asarray(members, dtype="float64")
            out["units"] = units
            parts.append(out)

    # CĐCS active at both ends: admitted, left and what the flows do not explain
    both = end[in_start]
    change = both["members"] - both["members_start"]
    admitted = both["members_admitted"].fillna(0).where(change.notna())
    left = both["members_left"].fillna(0).where(change.notna())
    add(both, "admitted", admitted, 0.0)
    add(both, "left", -left, 0.0)
    add(both, "other", change - admitted + left, 0.0)
    start_parent = start_units["parent_id"].reindex(both.index)
    before = bodies_of(start_parent, start_chains)
    if begin is not None:  # data beginning inside the period: the start is where they begin
        start_parent = _units_on(dataset, begin.date())["parent_id"].reindex(both.index)
        before = bodies_of(start_parent, dataset_chains(dataset, begin.date()))
    after = both["bodies"]
    # no parent on one side counts too; a body above the CĐCS at both ends sees no move
    moving = pd.Series([set(b) != set(a) for b, a in zip(before, after, strict=True)],
                       index=both.index, dtype=bool)
    moved = both[moving.to_numpy()]
    left_bodies = pd.Series([tuple(x for x in b if x not in a) for b, a in
                             zip(before[moving], after[moving], strict=True)], dtype=object)
    joined_bodies = pd.Series([tuple(x for x in a if x not in b) for b, a in
                               zip(before[moving], after[moving], strict=True)], dtype=object)
    add(moved, "moved_out", -moved["members_start"], -1.0, unit_row=False,
        parent=start_parent.reindex(moved.index), bodies=left_bodies)
    add(moved, "moved_in", moved["members_start"], 1.0, unit_row=False, bodies=joined_bodies)
    # CĐCS founded in the period (not active at its start): all their members are gained
    new = end[~in_start]
    add(new, "founded", new["members"], 1.0)
    # CĐCS active at the start and not at the end: their members at the start are lost
    gone = start_units[~start_units.index.isin(end.index)].rename(columns={"name": "unit_name"})
    if len(gone):
        gone = gone.assign(bodies=bodies_of(gone["parent_id"], start_chains))
        lost = opening["members"].reindex(gone.index) if opening is not None else np.nan
        add(gone, "dissolved", -lost, -1.0)
    if not parts:
        return pd.DataFrame(columns=list(CHANGE_COLUMNS))
    out = pd.concat(parts, ignore_index=True)[list(CHANGE_COLUMNS)]
    if not known:  # no opening stocks: no change in members can be told, only in CĐCS
        out["members"] = np.nan
    return out


def _data_begin(dataset: Dataset, period: Period) -> pd.Timestamp | None:
    """The day the data begin inside ``period``: its earliest opening balance dated there.

    A CĐCS founded on or before that day with a balance (a union formed on 1/7/2025 and the
    CĐCS formed with it) is part of the start, like those taken over: counted from its balance.
    """
    day = pd.to_datetime(dataset.openings["as_of"])
    inside = day[(day >= pd.Timestamp(period.start) - pd.Timedelta(days=1))
                 & (day <= pd.Timestamp(period.cut_off))]
    return None if inside.empty else pd.Timestamp(inside.min())


def _units_on(dataset: Dataset, day: dt.date) -> pd.DataFrame:
    """CĐCS active on ``day`` (indexed by unit_id) with their parent then (NaN when no link).

    Unlike :func:`congdoan.core.registry.period_units`, a missing link is not an error here:
    the day may lie before the hierarchy was recorded (a union formed later).
    """
    units = active_units(dataset.units, day)
    links = dataset.links[valid_on(dataset.links, day)].drop_duplicates("unit_id", keep="last")
    parents = links.set_index("unit_id")["parent_id"]
    out = units.set_index("unit_id")[["name", "sector", "commune_id"]]
    return out.assign(parent_id=parents.reindex(out.index))


__all__ = ["CHANGE_COLUMNS", "CHANGE_ELEMENTS", "GROSS_PARTS", "PARTS", "carried_elements",
           "change_rows", "has_opening", "start_sub_period", "stocks_at"]
