"""Judgement of summed rows: annual status, milestones reached or not, pace on the road ahead.

Pure functions: rows of summed numerators and denominators (as
:func:`congdoan.core.indicators.aggregate` returns them) in, the same rows with value, target,
status, gap, coverage and pace out. The rules (``docs/method.md`` states them for officers):

* **Annual targets**: met when the value reaches the target (``≥``, or ``>`` for a strict one;
  an "about" target within its tolerance); ``gap`` is what is missing to the target.
* **A milestone whose year has come** (the period ends in or after it) is ``achieved`` or
  ``not_achieved`` with its gap: never judged by pace.
* **A milestone ahead** is judged by the *linear pace* from the row's baseline: the required pace
  ``(milestone − baseline) ÷ (milestone year − baseline year)`` against the actual pace
  ``(value − baseline) ÷ (time − baseline year)``; their ratio gives on track /
  acceleration needed / limited progress / moving away (thresholds in the register's
  ``method``). Counts may use Open SDG's compound annual growth rate instead
  (``method.count_pace: compound``). Without a baseline, or with fewer annual values than
  ``method.min_annual_points``, the status is ``insufficient_history`` and no pace or projection
  is given. Projections of shares of units or people are bounded to [0, 1], counts and money
  to ≥ 0.
* **Coverage**: reports received ÷ reports expected; below ``method.coverage_threshold`` the row
  is ``provisional`` (tạm tính).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from congdoan.core.periods import Period, parse_period
from congdoan.core.plan import Indicator, Method, PlanRegister, load_elements, load_register

LEVEL_RANK = {"cdcs": 0, "sector": 1, "commune": 1, "group": 1, "upper_union": 2, "organisation": 3}
"""How high a level is; a target judged at level L applies to rows of rank ≥ rank(L)."""

JUDGED_RANK = {"cdcs": 0, "upper_union": 2, "organisation": 3}

STATUSES_ANNUAL = ("met", "not_met", "no_data", "not_applicable")
STATUSES_MILESTONE = ("achieved", "not_achieved", "on_track", "acceleration_needed",
                      "limited_progress", "moving_away", "insufficient_history", "no_data",
                      "not_applicable")


EPS = 1e-9


def period_time(period: Period) -> float:
    """The period's place on the year scale of the milestones (2025-H1 → 2024.5, 2025 → 2025)."""
    return period.year - (0.5 if period.half == 1 else 0.0)


def indicator_table(indicators: Sequence[Indicator], period: Period,
                    method: Method) -> pd.DataFrame:
    """Per indicator code: how its rows are judged in ``period``."""
    money = {e.name for e in load_elements().elements if e.kind == "vnd"}
    records = []
    for ind in indicators:
        scale = period.year_fraction if ind.prorate else 1.0
        chosen = ind.milestone_for(period.year)
        rule = ind.target if ind.target is not None else (chosen[1] if chosen else None)
        records.append({
            "indicator_id": ind.id, "clause": ind.clause, "kind": ind.kind, "measure": ind.measure,
            "judged_rank": JUDGED_RANK[ind.level],
            "skip": ind.year_only and not period.is_year,
            "t_min": ind.target.min * scale if ind.target else np.nan,
            "t_max": ind.target.max * scale if ind.target and ind.target.max is not None
            else np.nan,
            "strict": bool(rule and rule.strict),
            "tolerance": rule.tolerance_or(method.about_tolerance) if rule else 0.0,
            "ms_year": float(chosen[0]) if chosen else np.nan,
            "ms_value": chosen[1].value if chosen else np.nan,
            "compound": ind.measure == "count" and method.count_pace == "compound",
            # a share of units or people lies in [0, 1]; money against budget may exceed it
            "bounded": ind.measure == "share" and ind.denominator not in money,
        })
    return pd.DataFrame.from_records(records)


def _pace(value: pd.Series, base: pd.Series, target: pd.Series, elapsed: np.ndarray,
          span: pd.Series, compound: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Required and actual pace per year: linear (units per year) or compound (growth rate)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        linear_required: pd.Series = (target - base) / np.where(span > 0, span, np.nan)
        linear_actual: pd.Series = (value - base) / np.where(elapsed > 0, elapsed, np.nan)
        positive = (base > 0) & (value > 0)
        growth_required = np.power(target / base.where(positive), 1 / span.where(span > 0)) - 1
        growth_actual = np.power(value / base.where(positive), 1 / np.where(elapsed > 0, elapsed,
                                                                            np.nan)) - 1
    required = np.where(compound, growth_required, linear_required)
    actual = np.where(compound, growth_actual, linear_actual)
    return np.asarray(required, dtype="float64"), np.asarray(actual, dtype="float64")


def judge_rows(part: pd.DataFrame, table: pd.DataFrame, period: Period | None,
               baseline: pd.DataFrame | None, method: Method,
               projection_years: Sequence[int] = ()) -> pd.DataFrame:
    """Value, target, status, gap, coverage and pace of summed rows ``part``.

    Milestone rows get a ``projection_YYYY`` column for each of ``projection_years`` (the
    register's ``plan.projection_years``).

    ``part`` has ``ind`` (codes into ``table``), unit_id, level, numerator, denominator,
    units_expected and units_reported. ``baseline`` has ind, level, unit_id, baseline_value and
    baseline_year. ``period`` None: each row is judged at the period of its ``period`` column
    (``table`` then has one code per indicator and period).
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
    target = pd.Series(np.where(milestone, spec["ms_value"], spec["t_min"]).astype("float64"),
                       index=out.index)
    tolerance = spec["tolerance"].to_numpy(dtype="float64")
    reached_from = target * (1 - tolerance)
    out["target"] = target
    out["target_max"] = np.where(milestone, np.nan, spec["t_max"])
    met = np.where(strict, value > reached_from + EPS, value >= reached_from - EPS)
    out["gap"] = (target - value).clip(lower=0)
    out["tolerance"] = tolerance
    reported = out["units_reported"].to_numpy() > 0
    # nothing to count (no case, no eligible unit) is not applicable; no report is no data
    empty = den.eq(0).to_numpy() & reported & ~is_count
    missing = value.isna().to_numpy() & ~empty
    annual = np.select([missing, empty, met], ["no_data", "not_applicable", "met"],
                       default="not_met")
    if period is None:
        times = {p: period_time(parse_period(p)) for p in out["period"].astype(str).unique()}
        t: float | np.ndarray = out["period"].astype(str).map(times).to_numpy(dtype=float)
    else:
        t = period_time(period)
    t_arr = np.broadcast_to(np.asarray(t, dtype="float64"), (len(out),))
    base = pd.Series(np.nan, index=out.index)
    base_year = pd.Series(np.nan, index=out.index)
    if baseline is not None and len(baseline):
        keyed = baseline.set_index(["ind", "level", "unit_id"])
        keys = pd.MultiIndex.from_arrays([out["ind"], out["level"], out["unit_id"].astype(str)])
        found = keyed.reindex(keys)
        base = pd.Series(found["baseline_value"].to_numpy(dtype="float64"), index=out.index)
        base_year = pd.Series(found["baseline_year"].to_numpy(dtype="float64"), index=out.index)
    due = milestone & (t_arr >= spec["ms_year"].to_numpy(dtype="float64") - EPS)
    elapsed = t_arr - base_year.to_numpy()
    enough = base.notna().to_numpy() & (elapsed >= method.min_annual_points - 1 - EPS)
    required, actual = _pace(value, base, spec["ms_value"], elapsed,
                             spec["ms_year"] - base_year, spec["compound"].to_numpy(dtype=bool))
    required = np.where(enough, required, np.nan)
    actual = np.where(enough, actual, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        pace = np.where(required > EPS, actual / required, np.nan)
    progress = np.select(
        [missing, empty, due & met, due, met, ~enough, ~(required > EPS),
         pace >= method.on_track, pace >= method.acceleration_needed, pace >= 0],
        ["no_data", "not_applicable", "achieved", "not_achieved", "achieved",
         "insufficient_history", "moving_away", "on_track", "acceleration_needed",
         "limited_progress"],
        default="moving_away")
    out["status"] = np.where(milestone, progress, annual)
    bounded = spec["bounded"].to_numpy(dtype=bool)
    compound = spec["compound"].to_numpy(dtype=bool)
    columns: dict[str, object] = {
        "milestone_year": spec["ms_year"], "baseline_value": base, "baseline_year": base_year,
        "required_pace": required, "actual_pace": actual, "pace_ratio": pace,
    }
    for year in projection_years:
        ahead = year - t_arr
        with np.errstate(invalid="ignore", over="ignore"):
            projected = np.where(compound, value * np.power(1 + actual, ahead),
                                 value + actual * ahead)
        projected = np.where(bounded, np.clip(projected, 0.0, 1.0), np.maximum(projected, 0.0))
        columns[f"projection_{year}"] = np.where(ahead >= 0, projected, np.nan)
    for col, values in columns.items():
        out[col] = np.where(milestone, values, np.nan)  # type: ignore[call-overload]
    out["due"] = due
    out["pace_method"] = pd.Series(np.where(compound, "compound", "linear"),
                                   index=out.index).where(milestone)
    expected = out["units_expected"].to_numpy(dtype="float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = np.where(expected > 0, out["units_reported"] / expected, np.nan)
    out["provisional"] = out["coverage"].to_numpy() < method.coverage_threshold - EPS
    # not judged here: yearly-only lines in a half year, empty populations, levels below the
    # level at which the plan sets the target
    rank = out["level"].map(LEVEL_RANK).to_numpy()
    judged = spec["judged_rank"].to_numpy()
    below = (rank < judged) | ((judged == 3) & (rank < 3))
    unjudged = spec["skip"].to_numpy(dtype=bool) | (expected == 0) | below
    out.loc[unjudged, ["target", "target_max", "gap"]] = np.nan
    out.loc[unjudged, "status"] = "not_applicable"
    out.loc[unjudged, "due"] = False
    # only a figure can be provisional
    out["provisional"] = out["provisional"] & value.notna() & out["status"].ne("not_applicable")
    for col in ("indicator_id", "clause", "kind", "measure"):
        out[col] = spec[col].to_numpy()
    if period is not None:
        out["period"] = period.id
    return out


def _baseline_rows(part: pd.DataFrame, baseline: pd.Series | None,
                   year: int) -> pd.DataFrame | None:
    """``baseline`` (unit_id → value in the baseline ``year``) as rows of ``part``'s codes."""
    if baseline is None:
        return None
    unit_ids = part["unit_id"].astype(str)
    return part[["ind", "level", "unit_id"]].assign(
        unit_id=unit_ids, baseline_value=unit_ids.map(baseline).astype("float64"),
        baseline_year=float(year))


def judge(ind: Indicator, period: Period, part: pd.DataFrame,
          baseline: pd.Series | None = None, register: PlanRegister | None = None) -> pd.DataFrame:
    """Value, target, status and pace (milestones) of summed rows of one indicator.

    ``part`` holds unit_id, level, numerator, denominator, units_expected and units_reported
    (as :func:`congdoan.core.indicators.aggregate` returns); ``baseline`` maps unit_id to the
    value in the plan's baseline year; ``register`` (default: the one in force) gives the method
    and the baseline year. See :func:`judge_periods` for rows of several periods.
    """
    register = register or load_register()
    part = part.assign(ind=0)
    return judge_rows(part, indicator_table([ind], period, register.method), period,
                      _baseline_rows(part, baseline, register.plan.baseline_year),
                      register.method, register.plan.projection_years)


def judge_periods(ind: Indicator, part: pd.DataFrame, baseline: pd.Series | None = None,
                  register: PlanRegister | None = None) -> pd.DataFrame:
    """:func:`judge` for rows of several periods at once (``part`` has a ``period`` column).

    The same result as judging each period's rows apart, in one pass (an explorer trend
    judges up to 16 periods after every control change).
    """
    register = register or load_register()
    ids = part["period"].astype(str)
    periods = list(dict.fromkeys(ids))
    table = pd.concat([indicator_table([ind], parse_period(p), register.method)
                       for p in periods], ignore_index=True)
    part = part.assign(ind=ids.map({p: i for i, p in enumerate(periods)}).to_numpy())
    return judge_rows(part, table, None,
                      _baseline_rows(part, baseline, register.plan.baseline_year),
                      register.method, register.plan.projection_years)
