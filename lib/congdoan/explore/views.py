"""Views for exploring: pure functions over the indicator history (no widgets, no files).

The indicator table of every analysis period is computed once (:func:`build_history`, cached per
dataset by :func:`cached_history`); a change of selection then only filters and sums that table:

* :func:`filter_view` — the CĐCS rows of one indicator and period inside a :class:`Selection`;
* :func:`scope_trend` — the selection's value against its target over the periods;
* :func:`breakdown` / :func:`drilldown` — the selection split by upper union, sector, commune or
  CĐCS (drill-down order: upper union → sector → commune → CĐCS);
* :func:`current_view` — the table on screen (formatted and exported by
  :mod:`congdoan.explore.tables`);
* :func:`scope_activities` — section III activity totals of the CĐCS in scope, by programme.

Ad-hoc groups (e.g. one sector inside one upper union) are scopes that the engine computes by the
rules of its own levels (:class:`congdoan.explore.groups.GroupFigures`, which the views take as
``figures``, with the plan register). The widgets of :mod:`congdoan.explore.explorer` call these
functions.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace

import pandas as pd

from congdoan.core.activities import MEASURES, activity_totals
from congdoan.core.dataset import Dataset
from congdoan.core.groups import Scope
from congdoan.core.indicators import compute_indicators, in_chain
from congdoan.core.periods import analysis_periods, parse_period
from congdoan.core.plan import POPULATION_SECTORS, Indicator, PlanRegister, load_register
from congdoan.core.registry import SECTOR_NAMES
from congdoan.exceptions import DataError, Location, ParameterError
from congdoan.explore.groups import Group, GroupFigures

HISTORY_LEVELS = ("cdcs", "sector", "commune", "upper_union", "organisation")
"""Levels kept in the history (named groups are not needed for exploring)."""

DRILL_ORDER = ("upper_union", "sector", "commune", "cdcs")
"""Drill-down order: from an upper union to its sectors, their communes and their CĐCS."""

LEVEL_LABELS = {
    "organisation": "Toàn địa bàn", "upper_union": "Công đoàn cấp trên", "sector": "Khu vực",
    "commune": "Xã, phường", "cdcs": "CĐCS", "group": "Phạm vi đã chọn",
}
"""Vietnamese names of the levels."""

VIEW_COLUMNS = (
    "level", "unit_id", "unit_name", "period", "indicator_id", "clause", "numerator",
    "denominator", "value", "target", "status", "units_expected", "units_reported",
    "carried_forward", "coverage", "provisional",
)
"""Columns of the exported view (a subset of the engine's output, same names)."""

@dataclass(frozen=True)
class Selection:
    """What the analyst has chosen: one indicator, one period, a scope and a trend range.

    Attributes:
        indicator_id: plan register id.
        period: analysis period id (``2024``, ``2024-H1``, ``2024-H2``).
        upper_union: upper union id, or None for the whole organisation.
        sector: HCSN, DNNN or NNN, or None for all.
        commune: commune id, or None for all.
        unit: CĐCS id, or None for all.
        first_year: first year shown in the trend (None = from the start of the data).
        last_year: last year shown in the trend (None = to the end of the data).

    """

    indicator_id: str
    period: str
    upper_union: str | None = None
    sector: str | None = None
    commune: str | None = None
    unit: str | None = None
    first_year: int | None = None
    last_year: int | None = None

    @property
    def depth(self) -> str:
        """The deepest chosen level: organisation, upper_union, sector, commune or cdcs."""
        for level, value in (("cdcs", self.unit), ("commune", self.commune),
                             ("sector", self.sector), ("upper_union", self.upper_union)):
            if value is not None:
                return level
        return "organisation"

    @property
    def filters(self) -> dict[str, str]:
        """Column of the CĐCS rows → chosen value, for every chosen scope field."""
        pairs = {"parent_id": self.upper_union, "sector": self.sector,
                 "commune_id": self.commune, "unit_id": self.unit}
        return {col: value for col, value in pairs.items() if value is not None}


# ----------------------------------------------------------------------------- history
def build_history(dataset: Dataset, periods: Sequence[str] | None = None,
                  register: PlanRegister | None = None) -> pd.DataFrame:
    """The engine's output (:data:`HISTORY_LEVELS`) for every analysis period, stacked."""
    if periods is None:
        periods = analysis_periods(sorted(dataset.reports["period"].dropna().unique()))
    if not periods:
        raise DataError("Dữ liệu chưa có báo cáo nào.", "The data holds no report.",
                        location=Location(file="reports.csv"))
    frames = [compute_indicators(dataset, p, levels=HISTORY_LEVELS, register=register)
              for p in periods]
    return pd.concat(frames, ignore_index=True)


def sort_periods(periods: Sequence[str]) -> list[str]:
    """Periods by cut-off date; a year comes after its second half."""
    return sorted(periods, key=lambda p: (parse_period(p).cut_off, len(p) == 4))


_HISTORY_CACHE: dict[int, pd.DataFrame] = {}


def cached_history(dataset: Dataset) -> pd.DataFrame:
    """:func:`build_history` computed once per dataset object (dropped with the dataset)."""
    key = id(dataset)
    if key not in _HISTORY_CACHE:
        _HISTORY_CACHE[key] = build_history(dataset)
        weakref.finalize(dataset, _HISTORY_CACHE.pop, key, None)
    return _HISTORY_CACHE[key]


@dataclass
class HistoryIndex:
    """The history split once by indicator, so a view touches only its indicator's rows."""

    history: pd.DataFrame
    register: PlanRegister = field(default_factory=load_register)
    by_indicator: dict[str, pd.DataFrame] = field(init=False)
    by_period: dict[tuple[str, str], pd.DataFrame] = field(init=False)

    def __post_init__(self) -> None:
        """Split the history by indicator, and by indicator and period."""
        self.by_indicator = {str(k): v for k, v in self.history.groupby("indicator_id", sort=False)}
        self.by_period = {(str(i), str(p)): v for (i, p), v in self.history.groupby(
            ["indicator_id", "period"], sort=False)}

    def rows(self, indicator_id: str) -> pd.DataFrame:
        """History rows of one indicator (a ParameterError for an unknown id)."""
        if indicator_id not in self.by_indicator:
            raise ParameterError("Không có chỉ tiêu này.", "Unknown indicator.",
                                 location=Location(field="indicator"), value=indicator_id,
                                 expected=", ".join(self.by_indicator))
        return self.by_indicator[indicator_id]

    def period_rows(self, indicator_id: str, period: str) -> pd.DataFrame:
        """History rows of one indicator in one period (empty when it has none)."""
        rows = self.rows(indicator_id)
        return self.by_period.get((indicator_id, period), rows.iloc[0:0])

    @property
    def periods(self) -> list[str]:
        """Analysis periods of the history, by cut-off."""
        return sort_periods(list(self.history["period"].unique()))


# ----------------------------------------------------------------------------- pure views
def is_report_based(ind: Indicator) -> bool:
    """True when the indicator is summed from CĐCS reports (so any scope can be recomputed)."""
    return ind.population in POPULATION_SECTORS


def filter_view(rows: pd.DataFrame, selection: Selection, *, period: str | None = None,
                ignore: Sequence[str] = ()) -> pd.DataFrame:
    """CĐCS rows of ``rows`` (one indicator's history) inside the selection, for one period.

    Args:
        rows: history rows of the selected indicator (or the whole history).
        selection: the scope; ``indicator_id`` is applied when ``rows`` hold several.
        period: the period (default ``selection.period``); ``"*"`` keeps every period.
        ignore: filter columns to leave out (e.g. ``("sector",)`` to compare sectors).

    """
    mask = rows["level"].eq("cdcs")
    if rows["indicator_id"].nunique() > 1:
        mask &= rows["indicator_id"].eq(selection.indicator_id)
    period = period or selection.period
    if period != "*":
        mask &= rows["period"].eq(period)
    for col, value in selection.filters.items():
        if col not in ignore:
            mask &= under_upper(rows, value) if col == "parent_id" else rows[col].eq(value)
    return rows[mask]


def under_upper(rows: pd.DataFrame, upper_id: str) -> pd.Series:
    """Mask of the CĐCS rows inside upper union ``upper_id``, at any depth (``upper_chain``)."""
    if "upper_chain" not in rows:
        return rows["parent_id"].eq(upper_id)
    return in_chain(rows["upper_chain"], upper_id)


def _scope_level(selection: Selection) -> str:
    """Engine level of the selection's own row (``group`` for a combination of filters)."""
    depth = selection.depth
    if depth in ("cdcs", "organisation"):
        return depth
    chosen = set(selection.filters)
    if chosen == {"parent_id"}:
        return "upper_union"
    if chosen == {"sector"}:
        return "sector"
    if chosen == {"commune_id"}:
        return "commune"
    return "group"


def _group(cdcs: pd.DataFrame, selection: Selection, key: str | None,
           names: Mapping[str, str]) -> Group:
    """The scope of ``selection`` in the periods of ``cdcs`` (its CĐCS rows), split by ``key``.

    Split: one scope per value of ``key`` among ``cdcs`` (for ``parent_id``, every upper union
    in their ``upper_chain``: a scope's upper union holds its CĐCS at any depth). Periods, and
    values, without a CĐCS in the scope have no row (as the engine has no row for a body without
    CĐCS).
    """
    scope = Scope(selection.upper_union, selection.sector, selection.commune)
    periods = tuple(dict.fromkeys(cdcs["period"].astype(str)))
    if key is None:
        return Group(periods, scope, scope_id=_scope_id(selection),
                     scope_name=scope_name(selection, names))
    if key == "parent_id":  # every upper union above the CĐCS, at any depth
        cdcs = by_every_upper(cdcs)
    values = tuple(sorted(cdcs[key].dropna().astype(str).unique()))
    return Group(periods, scope, key, values)


def by_every_upper(cdcs: pd.DataFrame) -> pd.DataFrame:
    """CĐCS rows repeated once per upper union above them (``upper_chain``), as ``parent_id``.

    So that grouping by ``parent_id`` gives every upper union its CĐCS at any depth, each once.
    """
    if "upper_chain" not in cdcs:
        return cdcs
    chains = cdcs["upper_chain"].astype("string").fillna("").str.split("/")
    lifted = cdcs.assign(parent_id=chains).explode("parent_id")
    return lifted[lifted["parent_id"].astype(str) != ""]


def _scope_id(selection: Selection) -> str:
    parts = [selection.upper_union, selection.sector, selection.commune, selection.unit]
    chosen = [p for p in parts if p is not None]
    return "/".join(chosen) if chosen else "organisation"


def scope_name(selection: Selection, names: Mapping[str, str]) -> str:
    """Human name of the selection, e.g. 'Công đoàn phường Đông Dư · Doanh nghiệp nhà nước'."""
    parts = [selection.upper_union, selection.sector, selection.commune, selection.unit]
    chosen = [names.get(p, p) for p in parts if p is not None]
    return " · ".join(chosen) if chosen else names.get("organisation", LEVEL_LABELS["organisation"])


def _engine_rows(rows: pd.DataFrame, level: str, unit_id: str | None) -> pd.DataFrame:
    mask = rows["level"].eq(level)
    if unit_id is not None:
        mask &= rows["unit_id"].eq(unit_id)
    return rows[mask]


def _trend_periods(rows: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Rows of the periods like the selected one within the trend's year range.

    Years, or the same half of each year: a first half is compared with first halves (a second
    half's report counts people from the start of the year, so halves side by side zigzag).
    """
    suffix = selection.period[4:]                     # "", "-H1" or "-H2"
    years = rows["period"].str[:4].astype(int)
    mask = rows["period"].str[4:] == suffix
    if selection.first_year is not None:
        mask &= years >= selection.first_year
    if selection.last_year is not None:
        mask &= years <= selection.last_year
    return rows[mask]


def scope_trend(rows: pd.DataFrame, selection: Selection, figures: GroupFigures,
                names: Mapping[str, str]) -> pd.DataFrame:
    """Value, target and status of the selection for each period of the trend.

    The trend shows the periods like the selected one (years, or the same half of each year)
    within ``first_year``–``last_year``. A selection that is one engine row (the organisation, one upper
    union, sector, commune or CĐCS) reads the engine's rows; a combination (e.g. a sector inside
    an upper union) is a scope computed by the engine (``figures``). Registry-based
    indicators (upper unions, enterprises) are shown at the most specific level the engine has.
    """
    ind = figures.register.get(selection.indicator_id)
    return resolve(ind, [_trend_plan(rows, selection, figures.register, names)], names,
                   figures)[0]


def _trend_plan(rows: pd.DataFrame, selection: Selection, register: PlanRegister,
                names: Mapping[str, str]) -> Plan:
    return _scope_rows(_trend_periods(rows, selection), selection, register, names)


Plan = pd.DataFrame | tuple[Group, Callable[[pd.DataFrame], pd.DataFrame]]
"""A view's rows: ready, or a group still to compute and what to do with its rows."""


def _scope_rows(rows: pd.DataFrame, selection: Selection, register: PlanRegister,
                names: Mapping[str, str]) -> Plan:
    """The selection's row in each period of ``rows``."""
    ind = register.get(selection.indicator_id)
    level = _scope_level(selection)
    if not is_report_based(ind):
        level = _registry_level(selection)
        value = {"organisation": None, "upper_union": selection.upper_union,
                 "sector": selection.sector, "commune": selection.commune}[level]
        return _ordered(_engine_rows(rows, level, value))
    if level != "group":
        value = {"organisation": None, "upper_union": selection.upper_union,
                 "sector": selection.sector, "commune": selection.commune,
                 "cdcs": selection.unit}[level]
        return _ordered(_engine_rows(rows, level, value))
    return _group(filter_view(rows, selection, period="*"), selection, None, names), _ordered


def resolve(ind: Indicator, plans: Sequence[Plan], names: Mapping[str, str],
            figures: GroupFigures) -> list[pd.DataFrame]:
    """The rows of each plan; the groups among them computed together (``figures.judge``)."""
    pending = [(i, p) for i, p in enumerate(plans) if isinstance(p, tuple)]
    judged = figures.judge(ind, [group for _i, (group, _f) in pending], names)
    out = [p if isinstance(p, pd.DataFrame) else pd.DataFrame() for p in plans]
    for (i, (_group, finish)), rows in zip(pending, judged, strict=True):
        out[i] = finish(rows)
    return out


def _registry_level(selection: Selection) -> str:
    for level, value in (("commune", selection.commune), ("sector", selection.sector),
                         ("upper_union", selection.upper_union)):
        if value is not None:
            return level
    return "organisation"


def _ordered(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return frame.reset_index(drop=True)
    order = frame["period"].map(lambda p: (parse_period(p).cut_off, len(p) == 4))
    return frame.assign(_o=order).sort_values(["_o", "unit_id"]).drop(columns="_o").reset_index(
        drop=True)


BY_COLUMN = {"upper_union": "parent_id", "sector": "sector", "commune": "commune_id",
             "cdcs": "unit_id"}
"""Column of the CĐCS rows that holds each drill level's key."""


def breakdown(rows: pd.DataFrame, selection: Selection, by: str, figures: GroupFigures,
              names: Mapping[str, str]) -> pd.DataFrame:
    """The selected period split by ``by`` (upper_union, sector, commune or cdcs).

    The filter on ``by`` itself and the chosen CĐCS are ignored (so one sector is shown among
    the others); the other filters apply. Every group is a scope computed by the engine.
    Registry-based indicators give the engine's rows at level ``by`` (when it has that level).
    """
    ind = figures.register.get(selection.indicator_id)
    return resolve(ind, [_breakdown_plan(rows, selection, by, figures.register, names)], names,
                   figures)[0]


def _by_unit(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values("unit_id").reset_index(drop=True)


def _breakdown_plan(rows: pd.DataFrame, selection: Selection, by: str, register: PlanRegister,
                    names: Mapping[str, str]) -> Plan:
    if by not in BY_COLUMN:
        raise ParameterError("Cấp chi tiết không hợp lệ.", "Unknown breakdown level.",
                             location=Location(field="by"), value=by,
                             expected=", ".join(BY_COLUMN))
    ind = register.get(selection.indicator_id)
    period_rows = rows[rows["period"] == selection.period]
    if not is_report_based(ind):
        return _engine_rows(period_rows, by, None).reset_index(drop=True)
    col = BY_COLUMN[by]
    only = replace(selection, unit=None)
    cdcs = filter_view(period_rows, only, ignore=(col,))
    if by == "cdcs":
        return cdcs.sort_values("unit_name").reset_index(drop=True)
    if not set(only.filters) - {col}:  # the engine has these rows already
        return _by_unit(_engine_rows(period_rows, by, None))
    return _group(cdcs, only, col, names), _by_unit


def views_at_once(rows: pd.DataFrame, selection: Selection, figures: GroupFigures,
                  names: Mapping[str, str], wanted: Sequence[str]) -> dict[str, pd.DataFrame]:
    """Several views of one selection, their groups computed together (one engine call).

    ``wanted``: ``trend`` (:func:`scope_trend`), ``own`` (the selection's rows in its period,
    as :func:`scope_row` reads them) and breakdown levels (:func:`breakdown`).
    """
    register = figures.register
    plans: list[Plan] = []
    for name in wanted:
        if name == "trend":
            plans.append(_trend_plan(rows, selection, register, names))
        elif name == "own":
            plans.append(_scope_rows(rows[rows["period"] == selection.period], selection,
                                     register, names))
        else:
            plans.append(_breakdown_plan(rows, selection, name, register, names))
    ind = register.get(selection.indicator_id)
    return dict(zip(wanted, resolve(ind, plans, names, figures), strict=True))


def drilldown(rows: pd.DataFrame, selection: Selection, figures: GroupFigures,
              names: Mapping[str, str]) -> pd.DataFrame:
    """The next level below the selection: organisation → upper unions → sectors → communes → CĐCS.

    Below a chosen CĐCS there is nothing: its own row is returned.
    """
    depth = selection.depth
    if depth == "cdcs":
        return filter_view(rows, selection).reset_index(drop=True)
    next_level = DRILL_ORDER[0] if depth == "organisation" else DRILL_ORDER[
        DRILL_ORDER.index(depth) + 1]
    return breakdown(rows, selection, next_level, figures, names)


def drill_into(selection: Selection, level: str, key: str) -> Selection:
    """The selection after clicking ``key`` in a drill-down table of ``level``."""
    if level == "upper_union":
        return replace(selection, upper_union=key)
    if level == "sector":
        return replace(selection, sector=key)
    if level == "commune":
        return replace(selection, commune=key)
    if level == "cdcs":
        return replace(selection, unit=key)
    raise ParameterError("Cấp chi tiết không hợp lệ.", "Unknown drill level.",
                         location=Location(field="level"), value=level,
                         expected=", ".join(DRILL_ORDER))


def drill_up(selection: Selection) -> Selection:
    """The selection one level up (the deepest chosen field cleared)."""
    if selection.unit is not None:
        return replace(selection, unit=None)
    if selection.commune is not None:
        return replace(selection, commune=None)
    if selection.sector is not None:
        return replace(selection, sector=None)
    return replace(selection, upper_union=None)


def scope_row(rows: pd.DataFrame, selection: Selection, figures: GroupFigures,
              names: Mapping[str, str]) -> pd.Series | None:
    """The selection's own row for the selected period (None when it has no data)."""
    own = views_at_once(rows, selection, figures, names, ["own"])["own"]
    return None if own.empty else own.iloc[0]


def current_view(rows: pd.DataFrame, selection: Selection, figures: GroupFigures,
                 names: Mapping[str, str], *, children: pd.DataFrame | None = None,
                 own: pd.DataFrame | None = None) -> pd.DataFrame:
    """The table on screen: the selection's own row first, then its drill-down rows.

    ``children`` (the :func:`drilldown`) and ``own`` (the ``own`` rows of
    :func:`views_at_once`) are used when the caller has them already.
    """
    if own is not None:
        own_row = None if own.empty else own.iloc[0]
    else:
        own_row = scope_row(rows, selection, figures, names)
    parts = [] if own_row is None else [own_row.to_frame().T]
    if selection.depth != "cdcs":
        parts.append(drilldown(rows, selection, figures, names) if children is None
                     else children)
    if not parts:
        return pd.DataFrame(columns=list(VIEW_COLUMNS))
    view = pd.concat(parts, ignore_index=True)
    ind = figures.register.get(selection.indicator_id)
    view["indicator_id"] = ind.id
    view["clause"] = ind.clause
    view["period"] = selection.period
    for col in VIEW_COLUMNS:
        if col not in view:
            view[col] = pd.NA
    out = view[list(VIEW_COLUMNS)].copy()
    for col in ("numerator", "denominator", "value", "target", "units_expected", "units_reported",
                "carried_forward", "coverage"):
        out[col] = pd.to_numeric(out[col], errors="coerce")
    out["provisional"] = out["provisional"].astype(object).eq(True)
    return out


# ----------------------------------------------------------------------------- activities
def scope_activities(rows: pd.DataFrame, selection: Selection) -> pd.DataFrame:
    """Section III totals of the CĐCS inside the selection, by programme, with a total row.

    ``rows`` are :func:`congdoan.core.activities.period_activities` of the selected period (each
    CĐCS with its upper union, sector and commune at the cut-off). The totals are
    :func:`congdoan.core.activities.activity_totals`; the last row, 'Tổng cộng', sums them, its
    ``units`` counting each CĐCS that held any activity once.
    """
    mine = rows
    for column, value in selection.filters.items():
        mine = mine[mine[column] == value]
    totals = activity_totals(mine)
    held = mine.loc[mine["events"] > 0, "unit_id"].nunique()
    total = {"programme": "total", "label": "Tổng cộng", "clause": "III", "units": held,
             **{m: int(totals[m].sum()) for m in MEASURES}}
    return pd.concat([totals, pd.DataFrame([total])], ignore_index=True)


# ----------------------------------------------------------------------------- names
def name_lookup(dataset: Dataset) -> dict[str, str]:
    """Display name of every id: organisation, upper unions, communes, sectors and CĐCS."""
    names: dict[str, str] = {"organisation": dataset.organisation_name,
                             dataset.organisation_id: dataset.organisation_name}
    names.update({k: v["vi"] for k, v in SECTOR_NAMES.items()})
    for frame, key in ((dataset.upper_unions, "upper_id"), (dataset.communes, "commune_id"),
                       (dataset.units, "unit_id")):
        names.update(dict(zip(frame[key].astype(str), frame["name"].astype(str), strict=True)))
    return names
