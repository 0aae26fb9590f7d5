"""The indicator engine: numerator, denominator, value, target and status per unit and indicator.

For every (unit or group, period, indicator) of the plan register.

Pure functions: a :class:`~congdoan.core.dataset.Dataset` and a period in, one long DataFrame out
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

import numpy as np
import pandas as pd

from congdoan.core.dataset import Dataset
from congdoan.core.openings import opening_stocks, with_openings
from congdoan.core.periods import Period, analysis_periods, load_settings, parse_period
from congdoan.core.plan import (
    RATINGS_GOOD,
    DataElements,
    Indicator,
    PlanRegister,
    load_elements,
    load_register,
)
from congdoan.core.populations import population_rows
from congdoan.core.registry import SECTOR_NAMES, area_upper_at, period_units
from congdoan.exceptions import PeriodError

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
    report for each sub-period at whose cut-off it was in the data (active, and under a parent:
    :func:`~congdoan.core.registry.data_start`). Flows need every expected
    sub-period (else NaN: no data); stocks take the cut-off sub-period; 'any' is 1 when held in
    any sub-period; 'last' takes the last reported value. ``reported`` is True when every
    expected sub-period has a report. Before a unit's first report its opening balance, if any,
    gives its stocks (members, workers), marked ``opening`` (:mod:`congdoan.core.openings`).
    """
    elements = elements or load_elements()
    units = period_units(dataset, period.cut_off)
    base = units[["unit_id", "name", "sector", "commune_id", "parent_id", "founded"]].rename(
        columns={"name": "unit_name"}
    )
    subs = [parse_period(s) for s in period.sub_periods]
    expected = pd.concat(
        [
            units.loc[units["since"] <= pd.Timestamp(sub.cut_off), ["unit_id"]].assign(
                period=sub.id, order=i
            )
            for i, sub in enumerate(subs)
        ],
        ignore_index=True,
    )
    names = [e.name for e in elements.elements]
    prepared = dataset.memo(("reports", tuple(names)), lambda: _prepare_reports(dataset, elements))
    reports = prepared[prepared["period"].isin(period.sub_periods)]
    rows = expected.merge(reports.assign(present=1), on=["unit_id", "period"], how="left")
    rows = rows.sort_values(["unit_id", "order"], kind="stable")
    by_agg: dict[str, list[str]] = {}
    for element in elements.elements:
        by_agg.setdefault(element.aggregation, []).append(element.name)
    grouped = rows.groupby("unit_id", sort=False)
    out = pd.DataFrame({"n_expected": grouped.size(), "n_present": grouped["present"].count()})
    complete = out["n_present"] == out["n_expected"]
    parts = [out]
    if by_agg.get("stock"):
        last_sub = rows[rows["order"] == len(subs) - 1].set_index("unit_id")
        parts.append(last_sub[by_agg["stock"]].reindex(out.index))
    if by_agg.get("last"):
        parts.append(grouped[by_agg["last"]].last())
    if by_agg.get("flow"):
        summed = rows[by_agg["flow"]].groupby(rows["unit_id"], sort=False).sum(min_count=1)
        parts.append(summed.where(complete, axis=0))
    if by_agg.get("any"):
        held = rows[by_agg["any"]].groupby(rows["unit_id"], sort=False).max()
        parts.append(held.where(held.eq(1) | complete.to_numpy()[:, None]))
    out = pd.concat(parts, axis=1)
    out.index.name = "unit_id"
    frame = base.merge(out.reset_index(), on="unit_id", how="left")
    frame["reported"] = frame["n_present"].fillna(0) == frame["n_expected"].fillna(1)
    frame = with_openings(frame, opening_stocks(dataset, period))
    return _derive(frame, period)


def _prepare_reports(dataset: Dataset, elements: DataElements) -> pd.DataFrame:
    """Reports with one row per (unit, sub-period) and numeric elements as numbers, once."""
    names = [e.name for e in elements.elements]
    reports = dataset.reports[["unit_id", "period", *names]].drop_duplicates(
        ["unit_id", "period"], keep="last").copy()
    for element in elements.elements:
        if element.kind != "category":
            reports[element.name] = pd.to_numeric(reports[element.name], errors="coerce")
    return reports


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


# ----------------------------------------------------------------------------- 2. aggregation
def _sum(ind: np.ndarray, keys: pd.Series, num: np.ndarray, den: np.ndarray) -> pd.DataFrame:
    """Numerator and denominator summed per (indicator code, key); NaN when no unit has data.

    Uses integer codes and ``np.bincount``: one pass whatever the number of indicators.
    """
    codes, uniques = pd.factorize(keys, sort=True)
    ok = codes >= 0
    n_keys = max(len(uniques), 1)
    combo = ind[ok].astype("int64") * n_keys + codes[ok]
    num, den = num[ok], den[ok]
    size = np.bincount(combo)
    present = np.flatnonzero(size)
    has_num, has_den = ~np.isnan(num), ~np.isnan(den)
    n_num = np.bincount(combo, weights=has_num, minlength=len(size))[present]
    n_den = np.bincount(combo, weights=has_den, minlength=len(size))[present]
    s_num = np.bincount(combo, weights=np.where(has_num, num, 0.0), minlength=len(size))[present]
    s_den = np.bincount(combo, weights=np.where(has_den, den, 0.0), minlength=len(size))[present]
    return pd.DataFrame({
        "ind": present // n_keys,
        "unit_id": np.asarray(uniques, dtype=object)[present % n_keys] if len(uniques) else [],
        "numerator": np.where(n_num > 0, s_num, np.nan),
        "denominator": np.where(n_den > 0, s_den, np.nan),
        "units_expected": size[present].astype("float64"),
        "units_reported": n_num,
    })


def aggregate(rows: pd.DataFrame, keys: pd.Series, level: str,
              names: Mapping[str, str]) -> pd.DataFrame:
    """Sum numerators and denominators of ``rows`` per indicator and group key.

    Args:
        rows: population rows (``ind`` optional) with ``num`` and ``den`` (NaN = no data).
        keys: group key of each row (same index as ``rows``); rows with a missing key are dropped.
        level: the level name written to the output.
        names: display name of each group key.

    Returns:
        ind, unit_id, unit_name, level, numerator, denominator, units_expected, units_reported.

    """
    ind = rows["ind"].to_numpy() if "ind" in rows else np.zeros(len(rows), dtype="int64")
    out = _sum(ind, keys, rows["num"].to_numpy(dtype="float64"),
               rows["den"].to_numpy(dtype="float64"))
    out["unit_name"] = [names.get(key, key) for key in out["unit_id"]]
    out["level"] = level
    return out


def _aggregate_levels(dataset: Dataset, rows: pd.DataFrame, codes: Sequence[int],
                      levels: Sequence[str],
                      groups: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    """Every requested level of ``rows`` (a population frame) in one frame."""
    upper_names = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["name"],
                           strict=True))
    commune_names = dict(zip(dataset.communes["commune_id"], dataset.communes["name"], strict=True))
    sector_names = {k: v["vi"] for k, v in SECTOR_NAMES.items()}
    parts: list[pd.DataFrame] = []
    if "cdcs" in levels:
        cdcs = rows[rows["unit_row"]].rename(columns={"num": "numerator", "den": "denominator"})
        parts.append(cdcs.assign(level="cdcs", units_expected=1.0,
                                 units_reported=cdcs["numerator"].notna().astype("float64")))
    for level, column, names in (("sector", "sector", sector_names),
                                 ("commune", "commune_id", commune_names),
                                 ("upper_union", "parent_id", upper_names)):
        if level in levels:
            parts.append(aggregate(rows, rows[column], level, names))
    if "district" in levels:
        district = aggregate(rows, pd.Series(dataset.district_id, index=rows.index), "district",
                             {dataset.district_id: dataset.district_name})
        # one district row per indicator, even when its population is empty
        empty = pd.DataFrame({"ind": [c for c in codes if c not in set(district["ind"])]})
        empty = empty.assign(unit_id=dataset.district_id, unit_name=dataset.district_name,
                             level="district", numerator=np.nan, denominator=np.nan,
                             units_expected=0.0, units_reported=0.0)
        parts.extend([district, empty])
    if groups and "group" in levels:
        unit_rows = rows[rows["unit_row"]]
        for name, members in groups.items():
            subset = unit_rows[unit_rows["unit_id"].isin(list(members))]
            parts.append(aggregate(subset, pd.Series(name, index=subset.index), "group", {}))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["ind", "unit_id", "unit_name", "level", "numerator",
                                     "denominator", "units_expected", "units_reported"])
    return pd.concat(parts, ignore_index=True)


# ----------------------------------------------------------------------------- 3. judgement
def _indicator_table(indicators: Sequence[Indicator], period: Period) -> pd.DataFrame:
    """Per indicator code: how its rows are judged in ``period``."""
    records = []
    for ind in indicators:
        scale = period.year_fraction if ind.prorate else 1.0
        chosen = ind.milestone_for(period.year)
        records.append({
            "indicator_id": ind.id, "clause": ind.clause, "kind": ind.kind, "measure": ind.measure,
            "judged_rank": JUDGED_RANK[ind.level],
            "skip": ind.year_only and not period.is_year,
            "t_min": ind.target.min * scale if ind.target else np.nan,
            "t_max": ind.target.max * scale if ind.target and ind.target.max is not None
            else np.nan,
            "strict": ind.target.strict if ind.target else bool(chosen and chosen[1].strict),
            "ms_year": float(chosen[0]) if chosen else np.nan,
            "ms_value": chosen[1].value if chosen else np.nan,
        })
    return pd.DataFrame.from_records(records)


def _judge_rows(part: pd.DataFrame, table: pd.DataFrame, period: Period | None,
                baseline: pd.DataFrame | None) -> pd.DataFrame:
    """Value, target, status and pace of summed rows ``part`` (with ``ind`` codes into ``table``).

    ``baseline`` has ind, level, unit_id, baseline_value (values at the baseline period).
    ``period`` None: each row is judged at the period of its ``period`` column (``table`` then
    has one code per indicator and period).
    """
    out = part.reset_index(drop=True)
    spec = table.iloc[out["ind"].to_numpy()].reset_index(drop=True)
    num = out["numerator"].astype("float64")
    den = out["denominator"].astype("float64")
    is_count = spec["measure"].eq("count").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(den.to_numpy() > 0, num.to_numpy() / den.to_numpy(), np.nan)
    value = pd.Series(np.where(is_count, num, ratio), index=out.index)
    out["denominator"] = np.where(is_count, np.nan, den)
    out["value"] = value
    milestone = spec["kind"].eq("milestone").to_numpy()
    strict = spec["strict"].to_numpy(dtype=bool)
    target = np.where(milestone, spec["ms_value"], spec["t_min"]).astype("float64")
    out["target"] = target
    out["target_max"] = np.where(milestone, np.nan, spec["t_max"])
    met = np.where(strict, value > target + _EPS, value >= target - _EPS)
    reported = out["units_reported"].to_numpy() > 0
    annual = np.select(
        [value.isna().to_numpy() & ~(den.eq(0).to_numpy() & reported), den.eq(0) & reported, met],
        ["no_data", "not_applicable", "met"], default="not_met")
    # milestones: Open SDG progress from the baseline
    settings = load_settings()
    if period is None:
        times = {p: _time(parse_period(p)) for p in out["period"].astype(str).unique()}
        t: float | np.ndarray = out["period"].astype(str).map(times).to_numpy(dtype=float)
    else:
        t = _time(period)
    elapsed = t - settings.baseline_year
    base = pd.Series(np.nan, index=out.index)
    if baseline is not None and len(baseline):
        keyed = baseline.set_index(["ind", "level", "unit_id"])["baseline_value"]
        keys = pd.MultiIndex.from_arrays([out["ind"], out["level"], out["unit_id"].astype(str)])
        base = pd.Series(keyed.reindex(keys).to_numpy(), index=out.index)
    required = (spec["ms_value"] - base) / (spec["ms_year"] - settings.baseline_year)
    actual: pd.Series = (value - base) / np.where(elapsed > 0, elapsed, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(required > _EPS, actual / required, np.nan)
    progress = np.select(
        [value.isna(), met, elapsed <= 0, base.isna(), required <= _EPS, pace >= 0.95,
         pace >= 0.60, pace >= 0],
        ["no_data", "achieved", "not_applicable", "no_data", "moving_away", "on_track",
         "acceleration_needed", "limited_progress"], default="moving_away")
    out["status"] = np.where(milestone, progress, annual)
    for col, values in (("milestone_year", spec["ms_year"]), ("baseline_value", base),
                        ("required_pace", required), ("actual_pace", actual),
                        ("pace_ratio", pd.Series(pace, index=out.index)),
                        ("projection_2025", value + actual * (2025 - t)),
                        ("projection_2030", value + actual * (2030 - t))):
        out[col] = np.where(milestone, values, np.nan)
    # not judged here: yearly-only lines in a half year, empty populations, levels below the
    # level at which the plan sets the target
    rank = out["level"].map(LEVEL_RANK).to_numpy()
    judged = spec["judged_rank"].to_numpy()
    below = (rank < judged) | ((judged == 3) & (rank < 3))
    unjudged = spec["skip"].to_numpy(dtype=bool) | (out["units_expected"].to_numpy() == 0) | below
    out.loc[unjudged, ["target", "target_max"]] = np.nan
    out.loc[unjudged, "status"] = "not_applicable"
    for col in ("indicator_id", "clause", "kind", "measure"):
        out[col] = spec[col].to_numpy()
    if period is not None:
        out["period"] = period.id
    return out


def _time(period: Period) -> float:
    """The period's place on the year scale of the milestones (2025-H1 → 2024.5)."""
    return period.year - (0.5 if period.half == 1 else 0.0)


def judge(ind: Indicator, period: Period, part: pd.DataFrame,
          baseline: pd.Series | None = None) -> pd.DataFrame:
    """Value, target, status and pace (milestones) of summed rows of one indicator.

    ``part`` holds unit_id, level, numerator, denominator, units_expected and units_reported
    (as :func:`aggregate` returns); ``baseline`` maps unit_id to the value at the baseline period.
    See :func:`judge_periods` for rows of several periods.
    """
    part = part.assign(ind=0)
    return _judge_rows(part, _indicator_table([ind], period), period,
                       _baseline_rows(part, baseline))


def judge_periods(ind: Indicator, part: pd.DataFrame,
                  baseline: pd.Series | None = None) -> pd.DataFrame:
    """:func:`judge` for rows of several periods at once (``part`` has a ``period`` column).

    The same result as judging each period's rows apart, in one pass (an explorer trend
    judges up to 16 periods after every control change).
    """
    ids = part["period"].astype(str)
    periods = list(dict.fromkeys(ids))
    table = pd.concat([_indicator_table([ind], parse_period(p)) for p in periods],
                      ignore_index=True)
    part = part.assign(ind=ids.map({p: i for i, p in enumerate(periods)}).to_numpy())
    return _judge_rows(part, table, None, _baseline_rows(part, baseline))


def _baseline_rows(part: pd.DataFrame, baseline: pd.Series | None) -> pd.DataFrame | None:
    """``baseline`` (unit_id → value) as the ind, level, unit_id, baseline_value rows of ``part``."""
    if baseline is None:
        return None
    unit_ids = part["unit_id"].astype(str)
    return part[["ind", "level", "unit_id"]].assign(
        unit_id=unit_ids, baseline_value=unit_ids.map(baseline).astype("float64"))


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
        period: ``'2023'``, ``'2023-H1'`` … or a :class:`~congdoan.core.periods.Period`.
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
    indicators = [register.get(i) for i in indicator_ids] if indicator_ids \
        else list(register.indicators)
    coded = list(enumerate(indicators))
    frame = unit_frame(dataset, per)
    rows = population_rows(dataset, per, frame, coded)
    summed = _aggregate_levels(dataset, rows, [c for c, _ in coded], levels, groups)
    milestones = [(c, i) for c, i in coded if i.kind == "milestone"]
    baseline = _baseline(dataset, per, rows, milestones, levels, groups) if milestones else None
    result = _judge_rows(summed, _indicator_table(indicators, per), per, baseline)
    for col in OUTPUT_COLUMNS:
        if col not in result.columns:
            result[col] = pd.NA
    order = result.sort_values(["ind"], kind="stable").index
    return result.loc[order, list(OUTPUT_COLUMNS)].reset_index(drop=True)


def _baseline(dataset: Dataset, period: Period, current: pd.DataFrame,
              coded: Sequence[tuple[int, Indicator]], levels: Sequence[str],
              groups: Mapping[str, Sequence[str]] | None) -> pd.DataFrame:
    """Values of milestone indicators at the baseline period, per (ind, level, unit_id).

    Upper unions are compared on constant composition: an upper union's baseline sums the
    baseline rows of the CĐCS (and enterprises) that are under it *now*, so a commune union
    founded in 2025 still has a 2021 baseline. The baseline rows are computed once per dataset.
    """
    base_period = parse_period(str(load_settings().baseline_year))
    if not _has_period(dataset, base_period):
        return pd.DataFrame(columns=["ind", "level", "unit_id", "baseline_value"])
    key = ("baseline_rows", tuple((c, i.id) for c, i in coded))
    base_rows = dataset.memo(key, lambda: population_rows(
        dataset, base_period, unit_frame(dataset, base_period), coded))
    codes = [c for c, _ in coded]
    measure = {c: i.measure for c, i in coded}
    # every level but the upper unions keeps its baseline composition: computed once
    fixed = [lv for lv in levels if lv != "upper_union"]
    parts = [dataset.memo((key, tuple(fixed), tuple((k, tuple(v)) for k, v in
                                                      (groups or {}).items())),
                     lambda: _values(_aggregate_levels(dataset, base_rows, codes, fixed, groups),
                                     measure))]
    if "upper_union" in levels:
        # re-home baseline rows under today's parents (CĐCS by link, enterprises by area)
        parent_now = current[current["unit_row"]].drop_duplicates("unit_id").set_index("unit_id")
        rows = base_rows.copy()
        area_now = area_upper_at(dataset.areas, period.cut_off)
        enterprise = ~rows["unit_row"] & rows["commune_id"].notna()
        rows["parent_id"] = rows["unit_id"].map(parent_now["parent_id"]).where(
            rows["unit_row"], rows["parent_id"])
        rows.loc[enterprise, "parent_id"] = rows.loc[enterprise, "commune_id"].map(area_now)
        parts.append(_values(_aggregate_levels(dataset, rows, codes, ["upper_union"], None),
                             measure))
    return pd.concat(parts, ignore_index=True)


def _values(summed: pd.DataFrame, measure: Mapping[int, str]) -> pd.DataFrame:
    """ind, level, unit_id and the value (count, or numerator ÷ denominator) of summed rows."""
    num, den = summed["numerator"].astype("float64"), summed["denominator"].astype("float64")
    is_count = summed["ind"].map(measure).eq("count")
    value = num.where(is_count, (num / den).where(den > 0))
    return pd.DataFrame({"ind": summed["ind"], "level": summed["level"],
                         "unit_id": summed["unit_id"].astype(str), "baseline_value": value})


def _has_period(dataset: Dataset, period: Period) -> bool:
    return bool(dataset.reports["period"].isin(period.sub_periods).any())


def check_period(dataset: Dataset, period: Period) -> None:
    """Raise a PeriodError naming the available periods when ``period`` has no data."""
    available = analysis_periods(sorted(dataset.reports["period"].dropna().unique()))
    if period.id not in available:
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
    "check_period", "compute_indicators", "indicator_history", "judge", "judge_periods",
    "population_rows",
    "unit_frame",
]
