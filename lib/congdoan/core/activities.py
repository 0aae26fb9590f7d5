"""Section III of the plan: each programme's events, participants and support (pure functions).

The plan's section III lists programmes without numeric targets (Tết Sum vầy, Mái ấm công đoàn,
Tháng Công nhân, thi thợ giỏi, sáng kiến, tư vấn pháp luật …); ``params/data_elements.yaml``
names them (``activities``) and every CĐCS reports, per half-year, for each programme it ran:
the number of activities held (``events``), the participations (``participants``: people
counted once per activity, so they add up over activities and half-years) and the support given
in đồng (``support_vnd``). Stored in the ``activities`` table, one row per (CĐCS, half-year,
programme) with at least one figure.

:func:`period_activities` gives one row per CĐCS and programme for an analysis period (its
half-years summed), with the CĐCS's sector, commune and upper union at the period's cut-off;
:func:`activity_totals` sums such rows per programme (and optionally per group), every
programme listed in the register's order, with its name and clause. Both take and return
DataFrames, nothing else.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd

from congdoan.core.dataset import Dataset
from congdoan.core.periods import Period, parse_period
from congdoan.core.plan import Activity, DataElement, load_elements
from congdoan.core.registry import period_units

MEASURES = ("events", "participants", "support_vnd")
"""The figures reported for each programme."""

MEASURE_WORDS: dict[str, dict[str, str]] = {
    "events": {"vi": "Số hoạt động", "en": "Activities"},
    "participants": {"vi": "Lượt người tham gia", "en": "Participations"},
    "support_vnd": {"vi": "Kinh phí hỗ trợ (đồng)", "en": "Support (VND)"},
}
"""Names of the figures, as forms, briefings and exports show them."""

UNIT_COLUMNS = ("name", "sector", "commune_id", "parent_id")
"""What :func:`period_activities` tells of each CĐCS (at the period's cut-off)."""


def activity_key(programme: str, measure: str) -> str:
    """The field code of one figure of one programme in forms and CSV (``tet_sum_vay.events``)."""
    return f"{programme}.{measure}"


def activity_fields() -> dict[str, DataElement]:
    """Every programme's figures as data elements (code → element), in the register's order.

    So forms and intake treat them as any report field: a whole number ≥ 0 (support in đồng),
    labelled ``Tết Sum vầy: số hoạt động``; optional (blank: the programme was not run).
    """
    return dict(_fields(load_elements().activities))


@lru_cache(maxsize=4)
def _fields(programmes: tuple[Activity, ...]) -> tuple[tuple[str, DataElement], ...]:
    fields: dict[str, DataElement] = {}
    for programme in programmes:
        for measure in MEASURES:
            key = activity_key(programme.name, measure)
            fields[key] = DataElement(
                name=key, kind="vnd" if measure == "support_vnd" else "int", aggregation="flow",
                unit="đồng" if measure == "support_vnd" else ("lượt người" if measure ==
                                                              "participants" else "hoạt động"),
                clause=programme.clause,
                label_vi=f"{programme.label_vi}: {MEASURE_WORDS[measure]['vi'].lower()}",
                label_en=f"{programme.label_en}: {MEASURE_WORDS[measure]['en'].lower()}")
    return tuple(fields.items())


def activities_wide(activities: pd.DataFrame) -> pd.DataFrame:
    """The activities table one row per (unit_id, period), a column per field code.

    As the bulk sheet and CSV hold them (``tet_sum_vay.events`` …); a programme not run is
    empty (NaN).
    """
    long = activities.melt(id_vars=["unit_id", "period", "programme"],
                           value_vars=list(MEASURES), var_name="measure")
    long["field"] = long["programme"].astype(str) + "." + long["measure"]
    wide = long.pivot_table(index=["unit_id", "period"], columns="field", values="value",
                            aggfunc="sum")
    wide.columns.name = None
    return wide.reset_index()


def period_activities(dataset: Dataset, period: Period | str) -> pd.DataFrame:
    """One row per CĐCS active at ``period``'s cut-off and programme it reported in the period.

    Returns:
        unit_id, name, sector, commune_id, parent_id (upper union at the cut-off), programme,
        events, participants, support_vnd (whole numbers; the period's half-years summed).

    """
    per = parse_period(period) if isinstance(period, str) else period
    rows = dataset.activities[dataset.activities["period"].astype(str).isin(per.sub_periods)]
    figures = rows.assign(**{m: pd.to_numeric(rows[m], errors="coerce").fillna(0)
                             for m in MEASURES})
    summed = figures.groupby(["unit_id", "programme"], as_index=False, sort=True)[
        list(MEASURES)].sum()
    units = period_units(dataset, per.cut_off)[["unit_id", *UNIT_COLUMNS]]
    out = units.merge(summed, on="unit_id", how="inner")
    out[list(MEASURES)] = out[list(MEASURES)].astype("int64")
    return out[["unit_id", *UNIT_COLUMNS, "programme", *MEASURES]].reset_index(drop=True)


def activity_totals(rows: pd.DataFrame, by: str | None = None,
                    lang: str = "vi") -> pd.DataFrame:
    """Per programme (and per value of column ``by``, e.g. sector or parent_id): the totals.

    ``rows`` as :func:`period_activities` returns them, possibly filtered (one CĐCS, an upper
    union's CĐCS …). Every programme of the register is listed, in its order, those not run
    with zeros (within each group of ``by``, the groups found in ``rows``).

    Returns:
        [by,] programme, label (in ``lang``), clause, units (CĐCS that held at least one
        activity), events, participants, support_vnd.

    """
    programmes = load_elements().activities
    keys = [by, "programme"] if by else ["programme"]
    held = rows.assign(held=(rows["events"] > 0).astype("int64"))
    totals = held.groupby(keys, as_index=False, sort=False).agg(
        units=("held", "sum"), **{m: (m, "sum") for m in MEASURES})
    grid = pd.DataFrame({"programme": pd.Series([p.name for p in programmes], dtype=object)})
    totals = totals.astype({"programme": object})
    if by:
        groups = pd.DataFrame({by: sorted(rows[by].dropna().unique())})
        grid = groups.merge(grid, how="cross")
    out = grid.merge(totals, on=keys, how="left")
    out[["units", *MEASURES]] = out[["units", *MEASURES]].fillna(0).astype("int64")
    names = {p.name: (p.label_vi if lang == "vi" else p.label_en) for p in programmes}
    clauses = {p.name: p.clause for p in programmes}
    out.insert(len(keys), "label", out["programme"].map(names))
    out.insert(len(keys) + 1, "clause", out["programme"].map(clauses))
    return out.reset_index(drop=True)


__all__ = ["MEASURES", "MEASURE_WORDS", "activities_wide", "activity_fields", "activity_key",
           "activity_totals", "period_activities"]
