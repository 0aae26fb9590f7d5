"""Ad-hoc groups of CĐCS (e.g. one sector inside one upper union) summed and judged together.

The engine's history holds rows for the organisation, each upper union, sector, commune and CĐCS;
a combination of filters is summed here from its CĐCS' numerators and denominators and judged by
:func:`congdoan.core.judgement.judge_periods`, so it follows the engine's rules.

Judging costs mostly per call, not per row (a table of 16 rows and one of 350 take about the
same), and one explorer update needs several groups (the trend of the selection, its breakdown
by sector, by commune …). :func:`judge_groups` therefore judges any number of groups
(:class:`Group`) in a single call, keeping each group's rows apart.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from congdoan.core.judgement import judge_periods
from congdoan.core.plan import Indicator, PlanRegister

GROUP_COLUMNS = ("unit_id", "unit_name", "level", "period", "numerator", "denominator", "value",
                 "target", "status", "units_expected", "units_reported")
"""Columns every judged group has (an empty group has only these)."""

_TAG = "\x1f"


def sum_by(cdcs: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Numerator and denominator summed per key, as :func:`congdoan.core.indicators.aggregate` does."""
    grouped = cdcs.groupby(list(keys), sort=True)
    out = pd.DataFrame({
        "numerator": grouped["numerator"].sum(min_count=1),
        "denominator": grouped["denominator"].sum(min_count=1),
        "units_expected": grouped.size().astype("float64"),
        "units_reported": grouped["numerator"].count().astype("float64"),
    })
    return out.reset_index()


def group_values(ind: Indicator, summed: pd.DataFrame) -> pd.Series:
    """The indicator's value of summed rows: the count itself, or numerator / denominator."""
    num, den = summed["numerator"], summed["denominator"]
    if ind.measure == "count":
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        return (num / den).where(den > 0)


@dataclass(frozen=True)
class Group:
    """CĐCS rows to sum per period (and ``key``) and judge.

    Attributes:
        cdcs: the CĐCS rows (one indicator; one or several periods).
        key: column splitting them into groups (e.g. ``sector``), or None for one group.
        scope_id: unit id of the single group when ``key`` is None.
        scope_name: its display name.
        baseline: the rows of the baseline period inside the same scope (milestones), or None.

    """

    cdcs: pd.DataFrame
    key: str | None
    scope_id: str
    scope_name: str
    baseline: pd.DataFrame | None = None


def _prepared(ind: Indicator, group: Group, tag: str) -> tuple[pd.DataFrame, pd.Series | None]:
    """The group's summed rows and baseline values, unit ids prefixed with ``tag``."""
    keys = ["period"] if group.key is None else ["period", group.key]
    summed = sum_by(group.cdcs, keys)
    ids = (summed[group.key].astype(str) if group.key is not None
           else pd.Series([group.scope_id] * len(summed), dtype=object))
    summed["unit_id"] = (tag + ids).to_numpy()
    summed["level"] = "group"
    if group.baseline is None:
        return summed, None
    base = sum_by(group.baseline, [group.key] if group.key is not None else ["period"])
    base_ids = (base[group.key].astype(str) if group.key is not None
                else pd.Series([group.scope_id] * len(base), dtype=object))
    return summed, pd.Series(group_values(ind, base).to_numpy(),
                             index=(tag + base_ids).to_numpy())


def judge_groups(ind: Indicator, groups: Sequence[Group], names: Mapping[str, str],
                 register: PlanRegister | None = None) -> list[pd.DataFrame]:
    """Each group summed and judged, in one call of the engine's judge (see the module docstring).

    Returns one frame per group: the engine's columns (value, target, status, pace …), level
    ``group``, ``unit_id`` the key's value (or the scope's id) and ``unit_name`` its name.
    """
    parts: list[pd.DataFrame] = []
    baselines: list[pd.Series] = []
    for i, group in enumerate(groups):
        summed, baseline = _prepared(ind, group, f"{i}{_TAG}")
        parts.append(summed)
        if baseline is not None:
            baselines.append(baseline)
    combined = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    if combined.empty:
        return [pd.DataFrame(columns=list(GROUP_COLUMNS)) for _ in groups]
    # periods in order of first appearance, as a group-by would give them
    periods = combined["period"].astype(str)
    first = {p: i for i, p in enumerate(dict.fromkeys(periods))}
    order = np.argsort(periods.map(first).to_numpy(), kind="stable")
    judged = judge_periods(ind, combined.iloc[order].reset_index(drop=True),
                           pd.concat(baselines) if baselines else None, register)
    tags = judged["unit_id"].astype(str).str.split(_TAG, n=1, expand=True)
    keys = {g.key for g in groups if g.key is not None}
    out = []
    for i, group in enumerate(groups):
        # each group's rows, without the other groups' key columns
        # (and without the engine's code of the period in this call)
        mine = judged[tags[0] == str(i)].drop(columns=[*(keys - {group.key}), "ind"],
                                              errors="ignore")
        mine["unit_id"] = tags.loc[mine.index, 1].to_numpy()
        mine["unit_name"] = ([names.get(k, k) for k in mine["unit_id"]] if group.key is not None
                             else group.scope_name)
        out.append(mine.reset_index(drop=True) if len(mine)
                   else pd.DataFrame(columns=list(GROUP_COLUMNS)))
    return out
