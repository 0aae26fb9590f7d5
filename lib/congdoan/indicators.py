"""The indicator engine: numerator, denominator, value, target and status per unit and indicator.

For every (unit or group, period, indicator) of the plan register.

Pure functions: a :class:`~congdoan.dataset.Dataset` and a period in, one long DataFrame out
(:data:`OUTPUT_COLUMNS`). Rates are always recomputed from summed numerators and denominators at
each level — never an average of percentages.

Steps:
1. :func:`unit_frame` — one row per CĐCS expected in the period, report elements combined over
   the period's half-year sub-periods (stock at the cut-off, flows summed, events 'any'),
   plus derived elements (``units``, ``net_members``, ``new_unit``, ``rated_good`` …).
2. :func:`unit_values` — per unit and indicator, the numerator and denominator.
3. :func:`aggregate` — sums per group (sector, commune, upper union, district, named groups).
4. :func:`judge` — annual status (met / not_met / no_data / not_applicable) or milestone progress
   by the Open SDG method (achieved / on_track / acceleration_needed / limited_progress /
   moving_away), keeping baseline, required and actual pace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from congdoan.dataset import Dataset
from congdoan.exceptions import PeriodError
from congdoan.periods import Period, load_settings, parse_period
from congdoan.plan import (
    POPULATION_SECTORS,
    RATINGS_GOOD,
    DataElements,
    Indicator,
    PlanRegister,
    load_elements,
    load_register,
)
from congdoan.registry import (
    SECTOR_NAMES,
    area_upper_at,
    enterprises_at,
    parents_at,
    units_in_period,
    upper_unions_at,
)

LEVELS = ("cdcs", "sector", "commune", "upper_union", "district", "group")
"""Levels of the output; ``group`` rows come from named groups."""

LEVEL_RANK = {"cdcs": 0, "sector": 1, "commune": 1, "group": 1, "upper_union": 2, "district": 3}
"""How high a level is; a target judged at level L applies to rows of rank ≥ rank(L)."""

JUDGED_RANK = {"cdcs": 0, "upper_union": 2, "district": 3}

STATUSES_ANNUAL = ("met", "not_met", "no_data", "not_applicable")
STATUSES_MILESTONE = ("achieved", "on_track", "acceleration_needed", "limited_progress",
                      "moving_away", "no_data", "not_applicable")

OUTPUT_COLUMNS = (
    "unit_id", "unit_name", "level", "period", "indicator_id", "clause", "kind", "measure",
    "numerator", "denominator", "value", "target", "target_max", "status",
    "units_expected", "units_reported", "milestone_year", "baseline_value", "required_pace",
    "actual_pace", "pace_ratio", "projection_2025", "projection_2030", "parent_id", "sector",
    "commune_id",
)
"""Columns of the engine's output table (what briefings and widgets read)."""

_EPS = 1e-9


# ----------------------------------------------------------------------------- 1. unit frame
def unit_frame(dataset: Dataset, period: Period, elements: DataElements | None = None) -> pd.DataFrame:
    """One row per CĐCS expected in ``period`` with its report elements combined.

    A unit is expected when active at the period's cut-off; within the period it is expected to
    report for each sub-period at whose cut-off it was active. Flows need every expected
    sub-period (else NaN: no data); stocks take the cut-off sub-period; 'any' is 1 when held in
    any sub-period; 'last' takes the last reported value. ``reported`` is True when every
    expected sub-period has a report.
    """
    elements = elements or load_elements()
    units = units_in_period(dataset.units, dataset.links, period.cut_off)
    base = units[["unit_id", "name", "sector", "commune_id", "parent_id", "founded"]].rename(
        columns={"name": "unit_name"}
    )
    subs = [parse_period(s) for s in period.sub_periods]
    expected = pd.concat(
        [
            units.loc[units["founded"] <= pd.Timestamp(sub.cut_off), ["unit_id"]].assign(
                period=sub.id, order=i
            )
            for i, sub in enumerate(subs)
        ],
        ignore_index=True,
    )
    names = [e.name for e in elements.elements]
    reports = dataset.reports.loc[
        dataset.reports["period"].isin(period.sub_periods), ["unit_id", "period", *names]
    ].drop_duplicates(["unit_id", "period"], keep="last")
    rows = expected.merge(reports.assign(present=1), on=["unit_id", "period"], how="left")
    rows = rows.sort_values(["unit_id", "order"], kind="stable")
    grouped = rows.groupby("unit_id", sort=False)
    out = pd.DataFrame(index=pd.Index(grouped.size().index, name="unit_id"))
    out["n_expected"] = grouped.size()
    out["n_present"] = grouped["present"].count()
    complete = out["n_present"] == out["n_expected"]
    last_sub = rows[rows["order"] == len(subs) - 1].set_index("unit_id")
    for element in elements.elements:
        col = element.name
        if element.aggregation == "stock":
            out[col] = last_sub[col].reindex(out.index)
        elif element.aggregation == "last":
            out[col] = grouped[col].last()
        else:
            values = pd.to_numeric(rows[col], errors="coerce")
            by_unit = values.groupby(rows["unit_id"], sort=False)
            if element.aggregation == "flow":
                out[col] = by_unit.sum(min_count=1).where(complete)
            else:  # any
                held = by_unit.max()
                out[col] = held.where(complete | (held == 1))
    frame = base.merge(out.reset_index(), on="unit_id", how="left")
    frame["reported"] = frame["n_present"].fillna(0) == frame["n_expected"].fillna(1)
    return _derive(frame, period)


def _derive(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Add derived elements computed from reports and the registry."""
    frame["units"] = 1.0
    frame["net_members"] = frame["members_admitted"] - frame["members_left"]
    founded = frame["founded"]
    frame["new_unit"] = (
        (founded >= pd.Timestamp(period.start)) & (founded <= pd.Timestamp(period.cut_off))
    ).astype("float64")
    eligible_day = pd.Timestamp(period.cut_off) - pd.DateOffset(months=12)
    frame["rating_eligible"] = (founded <= eligible_day).astype("float64")
    rating = frame["rating"].astype("string")
    good = rating.isin(RATINGS_GOOD).astype("float64").where(rating.notna())
    # units active < 12 months are not rated: 0 of 0; an eligible unit without a rating: no data
    frame["rated_good"] = good.where(frame["rating_eligible"] == 1, 0.0)
    signed = pd.to_numeric(frame["cba_signed"], errors="coerce")
    grade_good = frame["cba_grade"].astype("string").isin(("A", "B")).astype("float64")
    frame["cba_b_or_better"] = (signed * grade_good).where(signed.notna())
    return frame


# ----------------------------------------------------------------------------- 2. unit values
@dataclass(frozen=True)
class _Population:
    """Rows of one indicator's population with numerator and denominator columns."""

    rows: pd.DataFrame  # unit_id, unit_name, sector, commune_id, parent_id, num, den


def _report_population(frame: pd.DataFrame, ind: Indicator) -> _Population:
    sectors = POPULATION_SECTORS[ind.population]
    rows = frame[frame["sector"].isin(sectors)]
    num = pd.to_numeric(rows[ind.numerator], errors="coerce")
    den = pd.Series(1.0, index=rows.index) if ind.denominator is None else pd.to_numeric(
        rows[ind.denominator], errors="coerce")
    valid = num.notna() & den.notna()
    keep = rows[["unit_id", "unit_name", "sector", "commune_id", "parent_id"]].copy()
    keep["num"] = num.where(valid)
    keep["den"] = den.where(valid)
    return _Population(keep)


def _upper_population(dataset: Dataset, period: Period, ind: Indicator) -> _Population:
    """Population of upper unions (district federation, upper unions directly above CĐCS)."""
    uppers = upper_unions_at(dataset.upper_unions, period.cut_off)
    if ind.population == "district_federation":
        uppers = uppers[uppers["kind"] == "district_federation"]
    else:
        uppers = uppers[pd.to_numeric(uppers["direct"]) == 1]
    records = dataset.upper_records[dataset.upper_records["year"].astype(int) == period.year]
    rows = uppers[["upper_id", "name"]].merge(records, on="upper_id", how="left")
    rows["rated_good"] = rows["rating"].astype("string").isin(RATINGS_GOOD).astype("float64").where(
        rows["rating"].notna())
    rows["audited"] = pd.to_numeric(rows["audited"], errors="coerce")
    rows["units"] = 1.0
    num = pd.to_numeric(rows[ind.numerator], errors="coerce")
    den = pd.to_numeric(rows[ind.denominator], errors="coerce") if ind.denominator else 1.0
    valid = num.notna()
    keep = pd.DataFrame({
        "unit_id": rows["upper_id"], "unit_name": rows["name"], "sector": pd.NA,
        "commune_id": pd.NA, "parent_id": rows["upper_id"],
        "num": num.where(valid), "den": pd.Series(den, index=rows.index).where(valid),
    })
    return _Population(keep)


def _enterprise_population(dataset: Dataset, period: Period, ind: Indicator) -> _Population:
    """Population from the enterprise registry (clause 2.2 and 2.3)."""
    ents = enterprises_at(dataset.enterprises, dataset.units, period.cut_off)
    uppers = area_upper_at(dataset.areas, period.cut_off)
    ents = ents.assign(parent_id=ents["commune_id"].map(uppers),
                       sector=ents["ownership"], workers=pd.to_numeric(ents["workers"]))
    if ind.population == "enterprises_25":
        rows = ents[ents["workers"] >= 25]
        keep = rows[["enterprise_id", "name", "sector", "commune_id", "parent_id"]].rename(
            columns={"enterprise_id": "unit_id", "name": "unit_name"})
        keep["num"] = rows["unionised"].astype("float64")
        keep["den"] = 1.0
        return _Population(keep)
    # nonunion_enterprises: workers reached (upper union records) over workers without a union
    rows = ents[ents["unionised"] == 0]
    workers = rows.groupby("parent_id")["workers"].sum()
    records = dataset.upper_records[dataset.upper_records["year"].astype(int) == period.year]
    reached = pd.to_numeric(records.set_index("upper_id")["nonunion_workers_reached"],
                            errors="coerce")
    current = upper_unions_at(dataset.upper_unions, period.cut_off).set_index("upper_id")
    ids = workers.index.intersection(current.index)
    num = reached.reindex(ids)
    keep = pd.DataFrame({
        "unit_id": ids, "unit_name": current.loc[ids, "name"].to_numpy(), "sector": pd.NA,
        "commune_id": pd.NA, "parent_id": ids,
        "num": num.to_numpy(), "den": workers.reindex(ids).where(num.notna()).to_numpy(),
    })
    return _Population(keep)


def population(dataset: Dataset, period: Period, frame: pd.DataFrame, ind: Indicator) -> pd.DataFrame:
    """Rows of ``ind``'s population with ``num`` and ``den`` (NaN where no data)."""
    if ind.population in POPULATION_SECTORS:
        return _report_population(frame, ind).rows
    if ind.population in ("district_federation", "upper_direct"):
        return _upper_population(dataset, period, ind).rows
    return _enterprise_population(dataset, period, ind).rows


# ----------------------------------------------------------------------------- 3. aggregation
def aggregate(rows: pd.DataFrame, keys: pd.Series, level: str,
              names: Mapping[str, str]) -> pd.DataFrame:
    """Sum numerators and denominators of ``rows`` per group key.

    Args:
        rows: population rows with ``num`` and ``den`` (NaN = no data).
        keys: group key of each row (same index as ``rows``); NaN keys are dropped.
        level: the level name written to the output.
        names: display name of each group key.

    Returns:
        unit_id, unit_name, level, numerator, denominator, units_expected, units_reported.

    """
    data = pd.DataFrame({"key": keys, "num": rows["num"], "den": rows["den"]}).dropna(
        subset=["key"])
    grouped = data.groupby("key", sort=True)
    out = pd.DataFrame({
        "numerator": grouped["num"].sum(min_count=1),
        "denominator": grouped["den"].sum(min_count=1),
        "units_expected": grouped.size().astype("float64"),
        "units_reported": grouped["num"].count().astype("float64"),
    })
    out.index.name = "unit_id"
    out = out.reset_index()
    if out.empty and level == "district":  # always one district row, even with no population
        out = pd.DataFrame({"unit_id": list(names), "numerator": np.nan, "denominator": np.nan,
                            "units_expected": 0.0, "units_reported": 0.0})
    out["unit_name"] = [names.get(key, key) for key in out["unit_id"]]
    out["level"] = level
    return out


def _levels_for(dataset: Dataset, rows: pd.DataFrame, levels: Sequence[str],
                groups: Mapping[str, Sequence[str]] | None, unit_rows: bool) -> list[pd.DataFrame]:
    """Output parts for each requested level; ``unit_rows`` when rows are CĐCS (not registry)."""
    upper_names = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["name"],
                           strict=True))
    commune_names = dict(zip(dataset.communes["commune_id"], dataset.communes["name"], strict=True))
    parts: list[pd.DataFrame] = []
    if unit_rows and "cdcs" in levels:
        cdcs = rows.rename(columns={"num": "numerator", "den": "denominator"})
        cdcs = cdcs.assign(level="cdcs", units_expected=1.0,
                           units_reported=cdcs["numerator"].notna().astype("float64"))
        parts.append(cdcs)
    if "sector" in levels and rows["sector"].notna().any():
        parts.append(aggregate(rows, rows["sector"], "sector",
                               {k: v["vi"] for k, v in SECTOR_NAMES.items()}))
    if "commune" in levels and rows["commune_id"].notna().any():
        parts.append(aggregate(rows, rows["commune_id"], "commune", commune_names))
    if "upper_union" in levels:
        parts.append(aggregate(rows, rows["parent_id"], "upper_union", upper_names))
    if "district" in levels:
        key = pd.Series(dataset.district_id, index=rows.index)
        parts.append(aggregate(rows, key, "district", {dataset.district_id: dataset.district_name}))
    if groups and "group" in levels and unit_rows:
        for name, members in groups.items():
            subset = rows[rows["unit_id"].isin(members)]
            parts.append(aggregate(subset, pd.Series(name, index=subset.index), "group", {}))
    return parts


# ----------------------------------------------------------------------------- 4. judgement
def _annual_status(ind: Indicator, period: Period, out: pd.DataFrame) -> pd.DataFrame:
    assert ind.target is not None
    scale = period.year_fraction if ind.prorate else 1.0
    out["target"] = ind.target.min * scale
    out["target_max"] = ind.target.max * scale if ind.target.max is not None else np.nan
    value = out["value"]
    met = value > out["target"] + _EPS if ind.target.strict else value >= out["target"] - _EPS
    status = np.where(met, "met", "not_met")
    status = np.where(value.isna(), "no_data", status)
    status = np.where(out["denominator"].eq(0) & out["units_reported"].gt(0), "not_applicable", status)
    out["status"] = status
    return out


def _pace(ind: Indicator, period: Period, out: pd.DataFrame, baseline: pd.Series) -> pd.DataFrame:
    chosen = ind.milestone_for(period.year)
    assert chosen is not None
    year, milestone = chosen
    settings = load_settings()
    base_year = settings.baseline_year
    t = period.year - (0.5 if period.half == 1 else 0.0)
    out["target"] = milestone.value
    out["target_max"] = np.nan
    out["milestone_year"] = float(year)
    base = out["unit_id"].map(baseline).astype("float64")
    out["baseline_value"] = base
    value = out["value"]
    required = (milestone.value - base) / (year - base_year)
    elapsed = t - base_year
    actual = (value - base) / elapsed if elapsed > 0 else pd.Series(np.nan, index=out.index)
    out["required_pace"] = required
    out["actual_pace"] = actual
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(required > _EPS, actual / required, np.nan)
    out["pace_ratio"] = ratio
    out["projection_2025"] = value + actual * (2025 - t)
    out["projection_2030"] = value + actual * (2030 - t)
    achieved = value > milestone.value + _EPS if milestone.strict else value >= milestone.value - _EPS
    status = np.select(
        [value.isna(), achieved, elapsed <= 0, base.isna(), required <= _EPS, ratio >= 0.95,
         ratio >= 0.60, ratio >= 0],
        ["no_data", "achieved", "not_applicable", "no_data", "moving_away", "on_track",
         "acceleration_needed", "limited_progress"],
        default="moving_away",
    )
    out["status"] = status
    return out


def _finish(ind: Indicator, period: Period, part: pd.DataFrame,
            baseline: pd.Series | None) -> pd.DataFrame:
    out = part.copy()
    den = out["denominator"]
    if ind.measure == "count":
        out["denominator"] = np.nan
        out["value"] = out["numerator"]
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            out["value"] = (out["numerator"] / den).where(den > 0)
    for col in ("milestone_year", "baseline_value", "required_pace", "actual_pace", "pace_ratio",
                "projection_2025", "projection_2030"):
        out[col] = np.nan
    if ind.year_only and not period.is_year:
        out["target"], out["target_max"], out["status"] = np.nan, np.nan, "not_applicable"
    elif ind.kind == "annual":
        out = _annual_status(ind, period, out)
    else:
        out = _pace(ind, period, out, baseline if baseline is not None else pd.Series(dtype=float))
    out.loc[out["units_expected"] == 0, ["target", "target_max"]] = np.nan
    out.loc[out["units_expected"] == 0, "status"] = "not_applicable"
    judged = JUDGED_RANK[ind.level]
    below = out["level"].map(LEVEL_RANK) < judged
    below |= (judged == 3) & out["level"].isin(("upper_union", "sector", "commune", "group"))
    out.loc[below, ["target", "target_max"]] = np.nan
    out.loc[below, "status"] = "not_applicable"
    out["indicator_id"] = ind.id
    out["clause"] = ind.clause
    out["kind"] = ind.kind
    out["measure"] = ind.measure
    out["period"] = period.id
    return out


# ----------------------------------------------------------------------------- public API
def compute_indicators(
    dataset: Dataset,
    period: str | Period,
    *,
    levels: Sequence[str] = LEVELS,
    groups: Mapping[str, Sequence[str]] | None = None,
    register: PlanRegister | None = None,
    indicator_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compute every indicator of the plan register for ``period``.

    Args:
        dataset: registry and reports.
        period: ``'2023'``, ``'2023-H1'`` … or a :class:`~congdoan.periods.Period`.
        levels: which levels to output (default all of :data:`LEVELS`).
        groups: named groups of CĐCS ids (level ``group``), e.g. an industry cluster.
        register: the plan register (default ``params/plan.yaml``).
        indicator_ids: restrict to these indicators.

    Returns:
        One row per (unit or group, indicator) with :data:`OUTPUT_COLUMNS`.

    """
    per = parse_period(period) if isinstance(period, str) else period
    check_period(dataset, per)
    register = register or load_register()
    unknown = [lv for lv in levels if lv not in LEVELS]
    if unknown:
        raise PeriodError("Cấp tổng hợp không hợp lệ.", "Unknown level.", value=unknown,
                          expected=", ".join(LEVELS))
    indicators = [register.get(i) for i in indicator_ids] if indicator_ids else list(register.indicators)
    frame = unit_frame(dataset, per)
    base_frame: pd.DataFrame | None = None
    base_period = parse_period(str(load_settings().baseline_year))
    parts: list[pd.DataFrame] = []
    for ind in indicators:
        rows = population(dataset, per, frame, ind)
        baseline: pd.Series | None = None
        if ind.kind == "milestone":
            if base_frame is None:
                base_frame = unit_frame(dataset, base_period) if _has_period(dataset, base_period) \
                    else frame.iloc[0:0]
            baseline = _baseline_values(dataset, base_period, base_frame, ind, levels, groups)
        for part in _levels_for(dataset, rows, levels, groups, ind.population in POPULATION_SECTORS):
            parts.append(_finish(ind, per, part, baseline))
    if not parts:
        return pd.DataFrame(columns=list(OUTPUT_COLUMNS))
    result = pd.concat(parts, ignore_index=True)
    for col in OUTPUT_COLUMNS:
        if col not in result.columns:
            result[col] = pd.NA
    return result[list(OUTPUT_COLUMNS)]


def _baseline_values(dataset: Dataset, base_period: Period, base_frame: pd.DataFrame,
                     ind: Indicator, levels: Sequence[str],
                     groups: Mapping[str, Sequence[str]] | None) -> pd.Series:
    """Value of ``ind`` at the baseline period for every unit and group id."""
    if base_frame.empty:
        return pd.Series(dtype="float64")
    rows = population(dataset, base_period, base_frame, ind)
    values: list[pd.Series] = []
    for part in _levels_for(dataset, rows, levels, groups, ind.population in POPULATION_SECTORS):
        num, den = part["numerator"], part["denominator"]
        value = num if ind.measure == "count" else (num / den).where(den > 0)
        values.append(pd.Series(value.to_numpy(), index=part["unit_id"].astype(str)))
    joined = pd.concat(values)
    return joined[~joined.index.duplicated(keep="last")]


def _has_period(dataset: Dataset, period: Period) -> bool:
    return bool(dataset.reports["period"].isin(period.sub_periods).any())


def check_period(dataset: Dataset, period: Period) -> None:
    """Raise a PeriodError naming the available periods when ``period`` has no data."""
    if not _has_period(dataset, period) or (
        period.is_year and not set(period.sub_periods) <= set(dataset.reports["period"].unique())
    ):
        from congdoan.periods import analysis_periods

        available = analysis_periods(sorted(dataset.reports["period"].dropna().unique()))
        raise PeriodError(
            "Kỳ báo cáo nằm ngoài dữ liệu.", "Period outside the data.",
            value=period.id, expected="một trong: " + ", ".join(available),
        )


def indicator_history(dataset: Dataset, periods: Sequence[str], **kwargs: object) -> pd.DataFrame:
    """Indicators for several periods, stacked (for trends)."""
    frames = [compute_indicators(dataset, p, **kwargs) for p in periods]  # type: ignore[arg-type]
    return pd.concat(frames, ignore_index=True)


__all__ = [
    "LEVELS", "OUTPUT_COLUMNS", "STATUSES_ANNUAL", "STATUSES_MILESTONE", "aggregate",
    "check_period", "compute_indicators", "indicator_history", "parents_at", "population",
    "unit_frame",
]
