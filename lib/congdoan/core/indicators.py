"""The indicator engine: numerator, denominator, value, target and status per unit and indicator.

For every (unit or group, period, indicator) of the plan register.

Pure functions: a :class:`~congdoan.core.dataset.Dataset` and a period in, one long DataFrame out
(:data:`OUTPUT_COLUMNS`). Rates are always recomputed from summed numerators and denominators at
each level — never an average of percentages.

Steps:
1. :func:`unit_frame` — one row per CĐCS expected in the period, report elements combined over
   the period's half-year sub-periods (stock at the cut-off, carried forward when the report is
   missing; flows summed; people counted year to date; events 'any'), plus derived elements
   (``units``, ``member_change``, ``new_unit``, ``rated_good`` …). Reports that break a rule of
   :mod:`congdoan.core.checks` are left out.
2. :func:`congdoan.core.populations.population_rows` — per unit and indicator, the numerator
   and denominator.
3. :func:`aggregate` — sums per group (sector, commune, upper union, organisation, named groups);
   an upper union sums every CĐCS below it at the cut-off, at any depth (:func:`lift_to_bodies`);
   changes (member growth, new CĐCS) are summed from their parts (:mod:`congdoan.core.changes`).
4. :mod:`congdoan.core.judgement` — annual status (met / not_met / no_data / not_applicable);
   milestones due are achieved / not_achieved with their gap, milestones ahead are judged by the
   linear pace from the row's baseline (on_track / acceleration_needed / limited_progress /
   moving_away / insufficient_history); coverage and provisional figures. See docs/method.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from functools import partial

import numpy as np
import pandas as pd

from congdoan.core.changes import (
    GROSS_PARTS,
    PARTS,
    carried_elements,
    change_rows,
    has_opening,
    start_sub_period,
    stocks_at,
)
from congdoan.core.dataset import Dataset, engine_reports
from congdoan.core.groups import (
    GroupDefinition,
    Scope,
    crosses_upper_unions,
    group_masks,
    groups_key,
)
from congdoan.core.judgement import (
    STATUSES_ANNUAL,
    STATUSES_MILESTONE,
    indicator_table,
    judge,
    judge_periods,
    judge_rows,
)
from congdoan.core.openings import opening_stocks, start_balances, with_openings
from congdoan.core.periods import Period, analysis_periods, parse_period
from congdoan.core.plan import (
    CHANGE_ELEMENTS,
    POPULATION_SECTORS,
    RATINGS_GOOD,
    DataElements,
    Indicator,
    PlanRegister,
    load_elements,
    load_register,
)
from congdoan.core.populations import population_rows
from congdoan.core.registry import SECTOR_NAMES, Chains, bodies_of, dataset_chains, period_units
from congdoan.exceptions import PeriodError

LEVELS = ("cdcs", "sector", "commune", "upper_union", "organisation", "group")
"""Levels of the output; ``group`` rows come from named groups."""

OUTPUT_COLUMNS = (
    "unit_id", "unit_name", "level", "period", "indicator_id", "clause", "kind", "measure",
    "numerator", "denominator", "value", "target", "target_max", "status",
    "units_expected", "units_reported", "milestone_year", "baseline_value", "required_pace",
    "actual_pace", "pace_ratio", "parent_id", "upper_chain", "sector",
    "commune_id",
    # added by the rules of docs/method.md
    "due", "gap", "tolerance", "baseline_year", "pace_method", "coverage", "provisional",
    "carried_forward", "change_net", "change_gross", *(f"part_{p}" for p in PARTS),
)
"""Columns of the engine's output table (what briefings and widgets read), but for the
projections: :func:`output_columns` adds one ``projection_YYYY`` per year of the register's
``plan.projection_years``.

``upper_chain``: for a CĐCS row, its parent and the upper unions above it at the cut-off,
nearest first, joined by "/" ("GRP/IND"); for an upper union row, itself and those above it (so
a CĐCS is inside upper union U when U is one of its chain: :func:`in_chain`); NA on other levels
(a named group is no body of the hierarchy).
``due``: a milestone whose year has come (judged reached or not, never by pace); ``gap``: what
is missing to the target (0 when reached); ``tolerance``: relative tolerance of an "about"
target; ``baseline_year``: the year of the row's baseline (the plan's, or the first full year of
a body founded later); ``pace_method``: linear or compound; ``coverage``: reports received ÷
expected; ``provisional``: coverage below the register's threshold (tạm tính);
``carried_forward``: CĐCS whose stocks are carried from an earlier report (not counted as
reported). For changes (member growth, new CĐCS): ``change_net`` (end − start),
``change_gross`` (admitted, founded) and the ``part_*`` that add up to the net change
(:data:`congdoan.core.changes.PARTS`); the numerator is the register's reading.
"""


# ----------------------------------------------------------------------------- 1. unit frame
def unit_frame(dataset: Dataset, period: Period, elements: DataElements | None = None) -> pd.DataFrame:
    """One row per CĐCS expected in ``period`` with its report elements combined.

    A unit is expected when active at the period's cut-off; within the period it is expected to
    report for each sub-period at whose cut-off it was in the data (active, and under a parent:
    :func:`~congdoan.core.registry.data_start`). Flows need every expected
    sub-period (else NaN: no data); stocks take the cut-off sub-period (carried forward from the
    last report when it is missing, marked ``carried``); people counted year to date ('ytd')
    take the cut-off report (:func:`_year_to_date`); 'any' is 1 when held in
    any sub-period; 'last' takes the last reported value. ``reported`` is True when every
    expected sub-period has a report. Before a unit's first report its opening balance, if any,
    gives its stocks (members, workers), marked ``opening`` (:mod:`congdoan.core.openings`).
    Computed once per dataset and period: the frame is shared, read it and never change it in
    place.
    """
    elements = elements or load_elements()
    key = ("unit_frame", period.id, tuple(e.name for e in elements.elements))
    return dataset.memo(key, lambda: _unit_frame(dataset, period, elements))


def _unit_frame(dataset: Dataset, period: Period, elements: DataElements) -> pd.DataFrame:
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
    prepared = engine_reports(dataset, elements)
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
    last_sub = rows[rows["order"] == len(subs) - 1].set_index("unit_id")
    if by_agg.get("stock"):
        parts.append(last_sub[by_agg["stock"]].reindex(out.index))
    if by_agg.get("ytd"):
        founded = units.set_index("unit_id")["founded"]
        parts.append(_year_to_date(prepared, period, last_sub[by_agg["ytd"]],
                                   founded).reindex(out.index))
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
    _carry_forward(dataset, period, frame, elements)
    frame = with_openings(frame, opening_stocks(dataset, period))
    return _derive(frame, period)


def _year_to_date(reports: pd.DataFrame, period: Period, at_cut_off: pd.DataFrame,
                  founded: pd.Series) -> pd.DataFrame:
    """People counted once in ``period`` from year-to-date counts (indexed by unit_id).

    A year and its first half read the report at the period's cut-off (the year report counts
    the year to date: never the sum of the halves). The second half alone is derived: year to
    date less the first half (the people first reached in the second half); both reports are
    needed, except from a CĐCS founded after the first half's cut-off (it had reached nobody).
    """
    if period.half != 2:
        return at_cut_off
    first_half = parse_period(f"{period.year}-H1")
    first = reports[reports["period"] == first_half.id].set_index("unit_id")
    earlier = first[list(at_cut_off.columns)].reindex(at_cut_off.index)
    newer = founded.reindex(at_cut_off.index) > pd.Timestamp(first_half.cut_off)
    earlier[newer.to_numpy()] = 0.0
    return (at_cut_off - earlier).clip(lower=0)


def _carry_forward(dataset: Dataset, period: Period, frame: pd.DataFrame,
                   elements: DataElements) -> None:
    """Fill the carried stocks of CĐCS without a report at the cut-off; add opening stocks.

    ``carried`` marks a CĐCS whose stocks at the cut-off come from an earlier report,
    ``stock_reported`` one whose stocks at the cut-off come from its report then;
    ``members_start`` is the members at the period's start (the previous cut-off), itself
    carried forward when that report is missing; when the data begin inside the period, the
    CĐCS's opening balance (:func:`~congdoan.core.openings.start_balances`), else NaN.
    ``opening_known`` says whether a CĐCS's start is known (a CĐCS founded in the period
    starts from nothing).
    """
    names = carried_elements(elements)
    closing = stocks_at(dataset, period.sub_periods[-1], elements).reindex(frame["unit_id"])
    frame["carried"] = (closing["stock_period"].notna()
                        & (closing["stock_period"] != period.sub_periods[-1])).to_numpy()
    frame["stock_reported"] = closing["stock_period"].eq(period.sub_periods[-1]).fillna(
        False).to_numpy(dtype=bool)
    for name in names:
        frame[name] = frame[name].where(~frame["carried"], closing[name].to_numpy())
    frame["opening_known"] = has_opening(dataset, period)
    if frame["opening_known"].all():
        start = start_sub_period(period)
        opening = stocks_at(dataset, start, elements).reindex(frame["unit_id"])
        frame["members_start"] = opening["members"].to_numpy()
        frame["carried_start"] = (opening["stock_period"].notna()
                                  & (opening["stock_period"] != start)).to_numpy()
    else:  # the data begin inside the period: from the opening balances, where there are
        balances = start_balances(dataset, period)
        frame["members_start"] = frame["unit_id"].map(balances["members"]).to_numpy(dtype="float64")
        frame["opening_known"] = frame["unit_id"].isin(balances.index) \
            | (frame["founded"] >= pd.Timestamp(period.start))
        frame["carried_start"] = False


def _derive(frame: pd.DataFrame, period: Period) -> pd.DataFrame:
    """Add derived elements computed from reports and the registry."""
    frame["units"] = 1.0
    frame["net_members"] = frame["members_admitted"] - frame["members_left"]
    founded = frame["founded"]
    frame["new_unit"] = (
        (founded >= pd.Timestamp(period.start)) & (founded <= pd.Timestamp(period.cut_off))
    ).astype("float64")
    # a CĐCS's own change: its members now less at the start (all of them when founded since)
    frame["member_change"] = (frame["members"] - frame["members_start"].where(
        frame["new_unit"] == 0, 0.0)).where(frame["opening_known"])
    frame["unit_change"] = frame["new_unit"]
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
def _sum(ind: np.ndarray, keys: pd.Series, num: np.ndarray, den: np.ndarray,
         carried: np.ndarray | None = None, expected: np.ndarray | None = None) -> pd.DataFrame:
    """Numerator and denominator summed per (indicator code, key); NaN when no unit has data.

    ``units_expected`` counts the rows ``expected`` (all by default); ``units_reported`` those
    of them with data that are not ``carried`` (forward from an earlier report);
    ``carried_forward`` those that are. Uses integer codes and ``np.bincount``: one pass
    whatever the number of indicators.
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
    wanted = np.ones(len(combo)) if expected is None else expected[ok]
    n_expected = np.bincount(combo, weights=wanted, minlength=len(size))[present]
    n_counted = np.bincount(combo, weights=has_num * wanted, minlength=len(size))[present]
    weights = np.zeros(len(combo)) if carried is None else carried[ok] * has_num * wanted
    n_carried = np.bincount(combo, weights=weights, minlength=len(size))[present]
    return pd.DataFrame({
        "ind": present // n_keys,
        "unit_id": np.asarray(uniques, dtype=object)[present % n_keys] if len(uniques) else [],
        "numerator": np.where(n_num > 0, s_num, np.nan),
        "denominator": np.where(n_den > 0, s_den, np.nan),
        "units_expected": n_expected,
        "units_reported": n_counted - n_carried,
        "carried_forward": n_carried,
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
    carried = rows["carried"].to_numpy(dtype="float64") if "carried" in rows else None
    expected = rows["expected"].to_numpy(dtype="float64") if "expected" in rows else None
    out = _sum(ind, keys, rows["num"].to_numpy(dtype="float64"),
               rows["den"].to_numpy(dtype="float64"), carried, expected)
    out["unit_name"] = [names.get(key, key) for key in out["unit_id"]]
    out["level"] = level
    return out


def lift_to_bodies(rows: pd.DataFrame, chains: Chains) -> tuple[pd.DataFrame, pd.Series]:
    """``rows`` repeated once for every upper union each counts for, with that union's id.

    A row counts for the upper unions of its ``bodies`` column (a tuple) when it has one, else
    for its ``parent_id`` and every upper union above it (``chains``,
    :func:`~congdoan.core.registry.upper_chains`): so an upper union sums every CĐCS below it,
    at any depth, each once. Without nesting the rows come back as they are, keyed by
    ``parent_id``.
    """
    if "bodies" not in rows and all(len(chain) == 1 for chain in chains.values()):
        return rows, rows["parent_id"]
    bodies = rows["bodies"] if "bodies" in rows else bodies_of(rows["parent_id"], chains)
    lengths = np.fromiter((len(b) for b in bodies), dtype="int64", count=len(bodies))
    lifted = rows.iloc[np.repeat(np.arange(len(rows)), lengths)].reset_index(drop=True)
    keys = pd.Series([body for chain in bodies for body in chain], index=lifted.index,
                     dtype=object)
    return lifted, keys


def _aggregate_levels(dataset: Dataset, rows: pd.DataFrame, codes: Sequence[int],
                      levels: Sequence[str],
                      groups: Mapping[str, GroupDefinition] | None,
                      cut_off: dt.date) -> pd.DataFrame:
    """Every requested level of ``rows`` (a population frame) in one frame.

    Upper unions are summed at any depth by the hierarchy at ``cut_off`` (:func:`lift_to_bodies`),
    and so are the scopes of named groups that choose an upper union.
    """
    upper_names = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["name"],
                           strict=True))
    commune_names = dict(zip(dataset.communes["commune_id"], dataset.communes["name"], strict=True))
    sector_names = {k: v["vi"] for k, v in SECTOR_NAMES.items()}
    parts: list[pd.DataFrame] = []
    if "cdcs" in levels:
        cdcs = rows[rows["unit_row"].astype(bool)].rename(columns={"num": "numerator", "den": "denominator"})
        carried = (cdcs["carried"].astype("float64") if "carried" in cdcs
                   else pd.Series(0.0, index=cdcs.index))
        wanted = (cdcs["expected"].astype("float64") if "expected" in cdcs
                  else pd.Series(1.0, index=cdcs.index))
        has_data = cdcs["numerator"].notna().astype("float64") * wanted
        parts.append(cdcs.drop(columns=["carried", "expected"], errors="ignore").assign(
            level="cdcs", units_expected=wanted, units_reported=has_data * (1 - carried),
            carried_forward=has_data * carried))
    for level, column, names in (("sector", "sector", sector_names),
                                 ("commune", "commune_id", commune_names)):
        if level in levels:
            parts.append(aggregate(rows, rows[column], level, names))
    chains = dataset_chains(dataset, cut_off)
    if "upper_union" in levels:
        lifted, keys = lift_to_bodies(rows, chains)
        parts.append(aggregate(lifted, keys, "upper_union", upper_names))
    if "organisation" in levels:
        top = aggregate(rows, pd.Series(dataset.organisation_id, index=rows.index), "organisation",
                        {dataset.organisation_id: dataset.organisation_name})
        # one organisation row per indicator, even when its population is empty
        empty = pd.DataFrame({"ind": [c for c in codes if c not in set(top["ind"])]})
        empty = empty.assign(unit_id=dataset.organisation_id, unit_name=dataset.organisation_name,
                             level="organisation", numerator=np.nan, denominator=np.nan,
                             units_expected=0.0, units_reported=0.0, carried_forward=0.0)
        parts.extend([top, empty])
    if groups and "group" in levels:
        parts.append(_aggregate_groups(rows, groups, chains))
    parts = [p for p in parts if len(p)]
    if not parts:
        return pd.DataFrame(columns=["ind", "unit_id", "unit_name", "level", "numerator",
                                     "denominator", "units_expected", "units_reported",
                                     "carried_forward"])
    return pd.concat(parts, ignore_index=True)


def _aggregate_groups(rows: pd.DataFrame, groups: Mapping[str, GroupDefinition],
                      chains: Chains) -> pd.DataFrame:
    """The rows of every named group (:func:`~congdoan.core.groups.group_masks`) summed at once.

    ``chains``: the hierarchy of upper unions the rows count in (a scope's upper union holds the
    CĐCS below it at any depth).

    A row may count for several groups; the groups come out in the order given.
    """
    picks = [np.flatnonzero(mask) for mask in group_masks(rows, groups, chains)]
    take = np.concatenate(picks)
    keys = np.repeat(np.arange(len(picks)), [len(p) for p in picks])
    ind = rows["ind"].to_numpy() if "ind" in rows else np.zeros(len(rows), dtype="int64")
    carried = rows["carried"].to_numpy(dtype="float64")[take] if "carried" in rows else None
    expected = rows["expected"].to_numpy(dtype="float64")[take] if "expected" in rows else None
    out = _sum(ind[take], pd.Series(keys), rows["num"].to_numpy(dtype="float64")[take],
               rows["den"].to_numpy(dtype="float64")[take], carried, expected)
    names = np.asarray(list(groups), dtype=object)[out["unit_id"].to_numpy(dtype="int64")]
    return out.assign(unit_id=names, unit_name=names, level="group")


# ----------------------------------------------------------------------------- public API
def output_columns(register: PlanRegister | None = None) -> tuple[str, ...]:
    """:data:`OUTPUT_COLUMNS` with the register's projection columns after ``pace_ratio``."""
    register = register or load_register()
    at = OUTPUT_COLUMNS.index("pace_ratio") + 1
    projections = tuple(f"projection_{y}" for y in register.plan.projection_years)
    return OUTPUT_COLUMNS[:at] + projections + OUTPUT_COLUMNS[at:]


def compute_indicators(
    dataset: Dataset,
    period: str | Period,
    *,
    levels: Sequence[str] = LEVELS,
    groups: Mapping[str, GroupDefinition] | None = None,
    register: PlanRegister | None = None,
    indicator_ids: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Compute every indicator of the plan register for ``period``.

    Args:
        dataset: registry and reports.
        period: ``'2023'``, ``'2023-H1'`` … or a :class:`~congdoan.core.periods.Period`.
        levels: which levels to output (default all of :data:`LEVELS`).
        groups: named groups (level ``group``): CĐCS ids, e.g. an industry cluster, or a
            :class:`~congdoan.core.groups.Scope` such as one sector inside one upper union.
        register: the plan register (default ``params/plan.yaml``).
        indicator_ids: restrict to these indicators.

    Returns:
        One row per (unit or group, indicator) with :func:`output_columns`.

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
    rows = _population(dataset, per, coded, register)
    summed, baseline = _summed(dataset, per, rows, coded, levels, groups, register)
    method = register.method
    result = judge_rows(summed, indicator_table(indicators, per, method), per, baseline, method,
                        register.plan.projection_years)
    result["upper_chain"] = upper_chain_text(result, dataset_chains(dataset, per.cut_off))
    return _in_output_order(result, register)


def group_indicators(dataset: Dataset, requests: Mapping[str, Mapping[str, GroupDefinition]],
                     indicator_ids: Sequence[str],
                     register: PlanRegister | None = None) -> pd.DataFrame:
    """Named groups in several periods at once: ``requests`` maps a period to its groups.

    The same rows as :func:`compute_indicators` with ``levels=("group",)``, the period's groups
    and ``indicator_ids``, stacked period after period, in one judgement: for views that ask
    for many small groups (the explorer's trends and breakdowns of a chosen scope). When a name
    means the same group in every period, the baselines of all the groups are computed once for
    all periods.
    """
    register = register or load_register()
    indicators = [register.get(i) for i in indicator_ids]
    coded = list(enumerate(indicators))
    every: dict[str, GroupDefinition] = {}
    for groups in requests.values():
        every.update(groups)
    meanings = {key for groups in requests.values() for key in groups_key(groups)}
    shared = every if len(meanings) == len(every) else None  # else: a name, several groups
    years: dict[tuple[object, ...], pd.DataFrame] = {}  # values per year, for this call only
    parts, baselines, tables = [], [], []
    for n, (period, groups) in enumerate(requests.items()):
        per = parse_period(period)
        check_period(dataset, per)
        rows = _population(dataset, per, coded, register)
        summed, baseline = _summed(dataset, per, rows, coded, ("group",), groups, register,
                                   shared, years)
        offset = n * len(coded)  # one code per (period, indicator)
        parts.append(summed.assign(ind=summed["ind"] + offset, period=per.id))
        if baseline is not None:
            baselines.append(baseline.assign(ind=baseline["ind"] + offset))
        tables.append(indicator_table(indicators, per, register.method))
    if not parts:
        return pd.DataFrame(columns=list(output_columns(register)))
    result = judge_rows(pd.concat(parts, ignore_index=True), pd.concat(tables, ignore_index=True),
                        None, pd.concat(baselines, ignore_index=True) if baselines else None,
                        register.method, register.plan.projection_years)
    return _in_output_order(result, register)


def _population(dataset: Dataset, per: Period, coded: Sequence[tuple[int, Indicator]],
                register: PlanRegister) -> pd.DataFrame:
    """:func:`population_rows` of ``coded``, taken from those of every indicator of ``register``.

    The rows of every indicator are computed once per dataset, period and register, so that
    the explorer's groups (one indicator at a time) reuse what its history computed; the rows
    of ``coded`` are kept too.
    """
    everything = list(enumerate(register.indicators))
    rows = dataset.memo(("population_rows", per.id, tuple(i.id for _c, i in everything)),
                        partial(_population_of, dataset, per, everything))
    if [(c, i.id) for c, i in coded] == [(c, i.id) for c, i in everything]:
        return rows
    position = {ind.id: c for c, ind in everything}
    code_of = {position[ind.id]: c for c, ind in coded}

    def mine() -> pd.DataFrame:
        taken = rows[rows["ind"].isin(list(code_of))]
        return taken.assign(ind=taken["ind"].map(code_of).astype("int64")).reset_index(drop=True)

    return dataset.memo(("population_rows", per.id, tuple((c, i.id) for c, i in coded)), mine)


def _population_of(dataset: Dataset, per: Period,
                   coded: Sequence[tuple[int, Indicator]]) -> pd.DataFrame:
    return population_rows(dataset, per, unit_frame(dataset, per), coded)


def _summed(dataset: Dataset, per: Period, rows: pd.DataFrame,
            coded: Sequence[tuple[int, Indicator]], levels: Sequence[str],
            groups: Mapping[str, GroupDefinition] | None, register: PlanRegister,
            baseline_groups: Mapping[str, GroupDefinition] | None = None,
            years: dict[tuple[object, ...], pd.DataFrame] | None = None,
            ) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The summed rows of ``levels`` (changes with their parts) and their milestone baselines.

    ``rows``: the population rows of ``coded`` in ``per``; ``baseline_groups``: groups whose
    baselines to compute (default ``groups``; more do no harm); ``years``: where the values
    per year of groups are kept (see :func:`_year_values`).
    """
    summed = _aggregate_levels(dataset, rows, [c for c, _ in coded], levels, groups, per.cut_off)
    changes = [(c, i) for c, i in coded if i.numerator in CHANGE_ELEMENTS]
    if changes:
        summed = _with_change_parts(summed, dataset, per, unit_frame(dataset, per), changes,
                                    levels, groups)
    milestones = [(c, i) for c, i in coded if i.kind == "milestone"]
    baseline = (_baselines(dataset, per, milestones, levels, baseline_groups or groups, register,
                           years) if milestones else None)
    return summed, baseline


def _in_output_order(result: pd.DataFrame, register: PlanRegister) -> pd.DataFrame:
    """Judged rows with :func:`output_columns`, by indicator code (stable)."""
    columns = output_columns(register)
    for col in columns:
        if col not in result.columns:
            result[col] = pd.NA
    order = result.sort_values(["ind"], kind="stable").index
    return result.loc[order, list(columns)].reset_index(drop=True)


def upper_chain_text(rows: pd.DataFrame, chains: Chains) -> pd.Series:
    """The ``upper_chain`` of each output row (see :data:`OUTPUT_COLUMNS`); NA on other levels."""
    parents = rows["parent_id"] if "parent_id" in rows else pd.Series(pd.NA, index=rows.index)
    key = parents.where(rows["level"].eq("cdcs"),
                        rows["unit_id"].where(rows["level"].eq("upper_union")))
    text = pd.Series(["/".join(chain) if chain else pd.NA for chain in bodies_of(key, chains)],
                     index=rows.index, dtype=object)
    return text


def in_chain(chain: pd.Series, upper_id: str) -> pd.Series:
    """Mask of the rows whose ``upper_chain`` holds ``upper_id`` (inside that upper union)."""
    padded = "/" + chain.astype("string").fillna("") + "/"
    mask: pd.Series = padded.str.contains(f"/{upper_id}/", regex=False).astype(bool)
    return mask


def _with_change_parts(summed: pd.DataFrame, dataset: Dataset, period: Period,
                       frame: pd.DataFrame, changes: Sequence[tuple[int, Indicator]],
                       levels: Sequence[str],
                       groups: Mapping[str, GroupDefinition] | None) -> pd.DataFrame:
    """``summed`` with the parts of each change indicator, and its numerator by its reading.

    A body's net change counts the CĐCS it lost (dissolved, moved out) as well as those it has:
    it is the sum of the parts (:mod:`congdoan.core.changes`), not of its CĐCS' own changes.
    Moves count for upper unions and for groups that cross them
    (:func:`~congdoan.core.groups.crosses_upper_unions`); elsewhere they are moves inside the body.
    ``frame`` is the unit frame of ``period``; its change rows are computed once per dataset.
    """
    n_parts = len(PARTS)

    def make_long() -> pd.DataFrame:
        rows = dataset.memo(("change_rows", period.id),
                            lambda: change_rows(dataset, period, frame))
        pieces = []
        for code, ind in changes:
            own = rows[rows["sector"].isin(POPULATION_SECTORS[ind.population])]
            part = own["part"].map({p: i for i, p in enumerate(PARTS)}).to_numpy()
            pieces.append(own.assign(ind=code * n_parts + part,
                                     num=own[CHANGE_ELEMENTS[ind.numerator]], den=np.nan,
                                     carried=0.0))
        return pd.concat(pieces, ignore_index=True)

    long = dataset.memo(("change_parts", period.id, tuple((c, i.id) for c, i in changes)),
                        make_long)
    parts = _aggregate_levels(dataset, long, [], levels, groups, period.cut_off)
    code = parts["ind"].to_numpy(dtype="int64")
    # each part's row of ``summed``: the same indicator, level and body
    target = pd.MultiIndex.from_arrays([summed["ind"].to_numpy(dtype="int64"),
                                        summed["level"].to_numpy(dtype=object),
                                        summed["unit_id"].astype(str).to_numpy(dtype=object)])
    source = pd.MultiIndex.from_arrays([code // n_parts, parts["level"].to_numpy(dtype=object),
                                        parts["unit_id"].astype(str).to_numpy(dtype=object)])
    at = target.get_indexer(source)
    found = at >= 0
    values = np.full((len(summed), n_parts), np.nan)
    values[at[found], (code % n_parts)[found]] = parts["numerator"].to_numpy(dtype="float64")[found]
    crossing = [name for name, d in (groups or {}).items() if crosses_upper_unions(d)]
    level = summed["level"].to_numpy(dtype=object)
    internal = (level != "upper_union") & ~(
        (level == "group") & summed["unit_id"].isin(crossing).to_numpy(dtype=bool))
    moves = [PARTS.index("moved_in"), PARTS.index("moved_out")]
    values[np.ix_(internal, moves)] = np.nan  # moves within the body
    gross = values[:, [PARTS.index(p) for p in GROSS_PARTS]]
    out = summed.copy()
    for i, name in enumerate(PARTS):
        out[f"part_{name}"] = values[:, i]
    out["change_net"] = np.where(~np.isnan(values).all(axis=1), np.nansum(values, axis=1),
                                 np.nan)
    out["change_gross"] = np.where(~np.isnan(gross).all(axis=1), np.nansum(gross, axis=1),
                                   np.nan)
    # a CĐCS without a report of its stock at the cut-off (none in the period, or its stock
    # carried from an earlier one or from its opening balance): its own change is unknown (a
    # body counts it as carried, its stock unchanged, and says so; one whose CĐCS all are
    # carried knows no change)
    if "stock_reported" in frame:
        silent = ~frame["stock_reported"].astype(bool)
        unknown = (out["level"].eq("cdcs")
                   & out["unit_id"].isin(frame.loc[silent, "unit_id"]))
        if "units_reported" in out:  # a body none of whose CĐCS reported: no change is known
            unknown |= out["units_reported"].eq(0) & out["carried_forward"].gt(0)
        out.loc[unknown, ["change_net", "change_gross",
                          *(f"part_{p}" for p in PARTS)]] = np.nan
    for code_, ind in changes:
        mine = (out["ind"] == code_).to_numpy()
        reading = "change_net" if ind.reading == "net" else "change_gross"
        out.loc[mine, "numerator"] = out.loc[mine, reading]
    return out


BASELINE_COLUMNS = ("ind", "level", "unit_id", "baseline_value", "baseline_year")


def _baselines(dataset: Dataset, period: Period, coded: Sequence[tuple[int, Indicator]],
               levels: Sequence[str], groups: Mapping[str, GroupDefinition] | None,
               register: PlanRegister,
               kept: dict[tuple[object, ...], pd.DataFrame] | None = None) -> pd.DataFrame:
    """The baseline of every body for the milestone indicators ``coded``: one rule at every level.

    A body's baseline is its value in the plan's baseline year (from its year report, whether
    or not the year's first half was reported) over the units it had then (its
    composition at the baseline date: an upper union's CĐCS by their parent link then, its
    enterprises by its area then; a scope's CĐCS as they were then). A body with no value then —
    a CĐCS or an upper union founded later (or a scope of one), or a group without units then —
    takes its first *full* reporting year (in existence
    from the year's first day) with a value, up to ``period``'s year. So the same body has the
    same baseline in every period. Values per year are computed once per dataset.
    """
    first = register.plan.baseline_year
    present = set(dataset.reports["period"].dropna().unique())
    # a year with its year report; the baseline year's may be the only half an organisation
    # formed in it has (its year from the day it began)
    years = [y for y in range(first, period.year + 1)
             if f"{y}-H2" in present and (y == first or f"{y}-H1" in present)]
    frames = [_year_values(dataset, year, coded, levels, groups, register, kept)
              for year in years]
    if not frames:
        return pd.DataFrame(columns=list(BASELINE_COLUMNS))
    stacked = pd.concat(frames, ignore_index=True)
    stacked = stacked[stacked["baseline_value"].notna()
                      & (stacked["full_year"] | (stacked["baseline_year"] == first))]
    chosen = stacked.drop_duplicates(["ind", "level", "unit_id"], keep="first")
    return chosen[list(BASELINE_COLUMNS)].reset_index(drop=True)


def _year_values(dataset: Dataset, year: int, coded: Sequence[tuple[int, Indicator]],
                 levels: Sequence[str], groups: Mapping[str, GroupDefinition] | None,
                 register: PlanRegister,
                 kept: dict[tuple[object, ...], pd.DataFrame] | None = None) -> pd.DataFrame:
    """Values of ``coded`` in reporting ``year`` at ``levels``.

    ``full_year`` says whether the body existed from the year's first day (CĐCS founded, upper
    union formed — for a scope, its upper union —, by then). Without groups the values are
    memoised per dataset; with groups (as many as an explorer's clicks) they are kept in
    ``kept`` when given, else computed each time. The year's population rows are memoised
    apart (:func:`_population`), so that new groups only sum them again.
    """
    coding = tuple((c, i.id) for c, i in coded)
    key = ("year_values", year, coding, tuple(levels), groups_key(groups))

    def make() -> pd.DataFrame:
        per = parse_period(str(year))
        rows = _population(dataset, per, coded, register)
        summed = _aggregate_levels(dataset, rows, [c for c, _ in coded], levels, groups,
                                   per.cut_off)
        num = summed["numerator"].to_numpy(dtype="float64")
        den = summed["denominator"].to_numpy(dtype="float64")
        counts = [c for c, i in coded if i.measure == "count"]
        is_count = np.isin(summed["ind"].to_numpy(dtype="int64"), counts)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.where(is_count, num, np.where(den > 0, num / den, np.nan))
        unit_ids = summed["unit_id"].astype(str).to_numpy(dtype=object)
        level = summed["level"].to_numpy(dtype=object)
        # since when each body exists: a CĐCS founded, an upper union (a scope's) formed
        formed = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["valid_from"],
                          strict=True))
        known: dict[str, object] = {}
        if (level == "cdcs").any():
            known.update(zip(dataset.units["unit_id"], dataset.units["founded"], strict=True))
        kind_of = {"upper_union": formed,
                   "group": {name: formed.get(d.upper_union) for name, d in (groups or {}).items()
                             if isinstance(d, Scope) and d.upper_union is not None},
                   "cdcs": known}
        since = pd.to_datetime(pd.Series(
            [kind_of.get(lv, {}).get(u) for lv, u in zip(level, unit_ids, strict=True)],
            dtype=object))
        return pd.DataFrame({
            "ind": summed["ind"].to_numpy(), "level": level, "unit_id": unit_ids,
            "baseline_value": value, "baseline_year": float(year),
            "full_year": (since.isna() | (since <= pd.Timestamp(per.start))).to_numpy(),
        })

    if not groups:
        return dataset.memo(key, make)
    if kept is None:
        return make()
    if key not in kept:
        kept[key] = make()
    return kept[key]


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
    "LEVELS", "OUTPUT_COLUMNS", "output_columns", "STATUSES_ANNUAL", "STATUSES_MILESTONE", "aggregate",
    "check_period", "compute_indicators", "group_indicators", "indicator_history", "judge",
    "judge_periods",
    "population_rows",
    "unit_frame",
]
