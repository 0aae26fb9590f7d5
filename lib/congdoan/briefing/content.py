"""What a briefing shows, computed from the indicator table (pure functions, no display).

A briefing notebook calls :func:`load_context` once (cached per process, so a warm kernel loads
the dataset and computes the period's indicator table and the trend history only once) and then
the functions below, which take the context and return DataFrames or short texts.

Per-CĐCS functions never return another named CĐCS's figures: comparisons use the sector, upper
union and district aggregates only, and an aggregate over fewer than :data:`MIN_UNITS_COMPARED`
reporting CĐCS is suppressed (with two units, the aggregate minus one's own would reveal the
other). Upper-union functions may list CĐCS: that briefing is for the upper union's own staff.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd

from congdoan.briefing import fmt
from congdoan.core.activities import activity_totals, period_activities
from congdoan.core.changes import GROSS_PARTS, PARTS, stocks_at
from congdoan.core.dataset import Dataset, report_problems
from congdoan.core.indicators import compute_indicators
from congdoan.core.periods import Period, analysis_periods, parse_period, resolve_period
from congdoan.core.plan import DERIVED_FROM, Indicator, load_elements, load_register
from congdoan.core.rates import Break, load_rates
from congdoan.core.registry import (
    SECTOR_NAMES,
    coverage_start,
    dataset_chains,
    period_units,
    under,
    upper_parent_at,
    upper_unions_at,
)
from congdoan.core.sources import open_dataset
from congdoan.core.text import first_upper
from congdoan.core.timeliness import reporting_status, reporting_summary
from congdoan.exceptions import ParameterError
from congdoan.intake.cells import CATEGORY_LABELS

MIN_UNITS_COMPARED = 3
"""Fewest CĐCS besides the briefing's own that must have reported to an aggregate for a
per-CĐCS briefing to show it."""

JUDGED = ("met", "not_met", "achieved", "not_achieved", "on_track", "acceleration_needed",
          "limited_progress", "moving_away")
"""Statuses that judge a value against a target."""

BAD = ("not_met", "not_achieved", "limited_progress", "moving_away")
"""Statuses that call for action."""

TREND_PANELS = 6
"""Most indicators drawn in a union's trend chart."""


# ----------------------------------------------------------------------------- context
@dataclass(frozen=True)
class BriefingContext:
    """Everything a briefing reads, computed once per (period, data source) and process.

    Attributes:
        dataset: the registry and reports.
        period: the analysis period.
        table: the full indicator table of the period (all levels).
        history: indicator tables of :attr:`trend_periods` stacked (for trends).
        trend_periods: the complete years up to the period, then the period itself.
        available: every analysis period in the data.

    """

    dataset: Dataset
    period: Period
    table: pd.DataFrame
    history: pd.DataFrame
    trend_periods: tuple[str, ...]
    available: tuple[str, ...]

    def rows(self, level: str, unit_id: str, *, history: bool = False) -> pd.DataFrame:
        """The rows of one unit at ``level`` in :attr:`table` (or :attr:`history`), in order.

        The same as filtering the table on ``level`` and ``unit_id`` (as text), but looked up
        in a grouping made on first use (a briefing makes about six such lookups).
        """
        table = self.history if history else self.table
        found = (self._history_positions if history else self._table_positions).get(
            (level, str(unit_id)))
        return table.iloc[found if found is not None else np.empty(0, dtype=np.intp)]

    @cached_property
    def _table_positions(self) -> dict[tuple[str, str], np.ndarray]:
        return _positions(self.table)

    @cached_property
    def _history_positions(self) -> dict[tuple[str, str], np.ndarray]:
        return _positions(self.history)


def _positions(table: pd.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """Row positions (ascending) of each (level, unit id as text) of an indicator table."""
    if table.empty:
        return {}
    groups = table.groupby([table["level"].astype(str), table["unit_id"].astype(str)],
                           sort=False)
    found: dict[tuple[str, str], np.ndarray] = {}
    for key, positions in groups.indices.items():
        pair: tuple[object, object] = key  # type: ignore[assignment]  # grouped by two columns
        found[str(pair[0]), str(pair[1])] = np.asarray(positions)
    return found


@lru_cache(maxsize=4)
def load_dataset(data: str | None = None) -> Dataset:
    """The dataset of ``data`` (folder or URL; None = demo), read once per process."""
    return open_dataset(data)


def trend_periods(period: str, available: list[str]) -> list[str]:
    """Complete years before (or up to) ``period``, then ``period``: like with like for trends."""
    per = parse_period(period)
    years = [p for p in available if len(p) == 4 and int(p) < per.year]
    return years + [per.id]


def load_context(period: str = "latest", data: str | None = None) -> BriefingContext:
    """The briefing context of ``period`` ('latest' allowed) for ``data`` (None = demo)."""
    dataset = load_dataset(data)
    return _context(resolve_period(period, dataset), data)


@lru_cache(maxsize=4)
def _context(period: str, data: str | None) -> BriefingContext:
    dataset = load_dataset(data)
    available = analysis_periods(sorted(dataset.reports["period"].dropna().unique()))
    periods = trend_periods(period, available)
    tables = {p: compute_indicators(dataset, p) for p in periods}
    return BriefingContext(
        dataset=dataset, period=parse_period(period), table=tables[period],
        history=pd.concat(tables.values(), ignore_index=True),
        trend_periods=tuple(periods), available=tuple(available),
    )


def indicator(indicator_id: str) -> Indicator:
    """The plan register's indicator ``indicator_id``."""
    return load_register().get(indicator_id)


def label(indicator_id: str, lang: str = "vi") -> str:
    """Short name of an indicator in ``lang``."""
    ind = indicator(indicator_id)
    return ind.name_vi if lang == "vi" else ind.name_en


def distinct_label(indicator_id: str, lang: str = "vi") -> str:
    """:func:`label`, led by "Mốc:" on a milestone line whose name another line also has.

    A plan may set a yearly target and a milestone for the same measure under one name; a chart
    that draws one panel per name must not draw the two as one.
    """
    name = label(indicator_id, lang)
    if indicator(indicator_id).kind == "milestone" and name in _shared_names(lang):
        return f"{'Mốc' if lang == 'vi' else 'Milestone'}: {name}"  # first: a title may be cut
    return name


_SHARED: dict[tuple[int, str], tuple[object, frozenset[str]]] = {}


def _shared_names(lang: str) -> frozenset[str]:
    """The names more than one line of the register in force has (once per register)."""
    register = load_register()
    hit = _SHARED.get((id(register), lang))
    if hit is None or hit[0] is not register:
        counts = Counter(label(i.id, lang) for i in register.indicators)
        hit = (register, frozenset(n for n, k in counts.items() if k > 1))
        _SHARED[(id(register), lang)] = hit
    return hit[1]


YEARLY_DERIVED = ("net_members", "member_change", "new_unit", "rated_good", "rating_eligible", "audited",
                  "nonunion_workers_reached")
"""Derived and registry numerators that count the events or records of a year."""


def yearly_only(indicator_id: str) -> bool:
    """True when an indicator counts what happens in a year (flows, events held, ratings).

    Its half-year value (six months of events) is not comparable with a year's, so trends
    show its full years only; stocks (members, agreements in force) keep their half-years.
    """
    ind = indicator(indicator_id)
    element = load_elements().by_name().get(ind.numerator)
    if element is None:
        return ind.year_only or ind.numerator in YEARLY_DERIVED
    return ind.year_only or element.year_only or element.aggregation in ("flow", "any", "ytd")


def strict(indicator_id: str, period: Period) -> bool:
    """True when the indicator's target (or current milestone) must be strictly exceeded."""
    ind = indicator(indicator_id)
    if ind.target is not None:
        return ind.target.strict
    chosen = ind.milestone_for(period.year)
    return bool(chosen and chosen[1].strict)


# ----------------------------------------------------------------------------- identity
@dataclass(frozen=True)
class Identity:
    """Who the briefing is about, at the period's cut-off."""

    unit_id: str
    name: str
    level: str
    period_label: str
    cut_off: dt.date
    sector: str | None = None
    sector_name: str | None = None
    commune_id: str | None = None
    commune_name: str | None = None
    upper_id: str | None = None
    upper_name: str | None = None
    units: int = 0
    members: float | None = None
    """Members at the cut-off: the CĐCS's own last report, or the sum over the CĐCS that have
    reported (None when none has, or the register asks no such question)."""
    workers: float | None = None
    """Workers (CNVCLĐ) at the cut-off, as :attr:`members`."""
    stock_units: int = 0
    """How many CĐCS :attr:`members` and :attr:`workers` come from (of :attr:`units`)."""


STOCK_FIELDS = ("members", "workers")
"""The stocks a title block states (report questions of ``data_elements.yaml``)."""


def stocks_of(ctx: BriefingContext, unit_ids: Iterable[str]) -> dict[str, Any]:
    """Members and workers at the cut-off over ``unit_ids``, and how many CĐCS they come from.

    Each CĐCS gives its last report up to the cut-off (carried forward when a half is missing,
    :func:`congdoan.core.changes.stocks_at`); one that has never reported adds nothing, and the
    count says so. A field the register does not ask is None.
    """
    stocks = stocks_at(ctx.dataset, ctx.period.sub_periods[-1])
    mine = stocks[stocks.index.isin(list(unit_ids))]
    out: dict[str, Any] = {"stock_units": len(mine)}
    for name in STOCK_FIELDS:
        known = mine[name].dropna() if name in mine else pd.Series(dtype=float)
        out[name] = float(known.sum()) if len(known) else None
    return out


def _name_maps(dataset: Dataset) -> tuple[dict[str, str], dict[str, str]]:
    communes = dict(zip(dataset.communes["commune_id"], dataset.communes["name"], strict=True))
    uppers = dict(zip(dataset.upper_unions["upper_id"], dataset.upper_unions["name"], strict=True))
    return communes, uppers


def period_label(ctx: BriefingContext, unit_ids: pd.Series | list[str], lang: str = "vi") -> str:
    """The period's label for a body made of the CĐCS ``unit_ids``.

    When the body's data begin inside the period (it began mid-year), the label says from when:
    'Năm 2025 — từ 01/07/2025' (:func:`~congdoan.core.registry.coverage_start`).
    """
    since = coverage_start(ctx.dataset, ctx.period.start, list(unit_ids))
    return ctx.period.label(lang, since)


def union_identity(ctx: BriefingContext, union_id: str, lang: str = "vi") -> Identity:
    """Identity of a CĐCS active in the period; an unknown id is a ParameterError."""
    units = period_units(ctx.dataset, ctx.period.cut_off)
    row = units[units["unit_id"] == union_id]
    if row.empty:
        raise ParameterError(
            "Không có CĐCS này trong kỳ báo cáo.", "No such CĐCS active in the period.",
            location=None, value=union_id,
            expected=f"mã CĐCS hoạt động tại ngày {fmt.date(ctx.period.cut_off)} (units.csv)",
        )
    unit = row.iloc[0]
    communes, uppers = _name_maps(ctx.dataset)
    sector = str(unit["sector"])
    return Identity(
        unit_id=union_id, name=str(unit["name"]), level="cdcs",
        period_label=period_label(ctx, [union_id], lang), cut_off=ctx.period.cut_off,
        sector=sector, sector_name=SECTOR_NAMES.get(sector, {}).get(lang, sector),
        commune_id=str(unit["commune_id"]), commune_name=communes.get(str(unit["commune_id"])),
        upper_id=str(unit["parent_id"]), upper_name=uppers.get(str(unit["parent_id"])), units=1,
        **stocks_of(ctx, [union_id]),
    )


def upper_identity(ctx: BriefingContext, upper_id: str, lang: str = "vi") -> Identity:
    """Identity of an upper union existing at the cut-off, or of the whole organisation."""
    dataset = ctx.dataset
    units = period_units(dataset, ctx.period.cut_off)
    if upper_id == dataset.organisation_id:
        return Identity(unit_id=upper_id, name=dataset.organisation_name, level="organisation",
                        period_label=period_label(ctx, units["unit_id"], lang),
                        cut_off=ctx.period.cut_off, units=len(units),
                        **stocks_of(ctx, units["unit_id"]))
    uppers = upper_unions_at(dataset.upper_unions, ctx.period.cut_off)
    row = uppers[uppers["upper_id"] == upper_id]
    if row.empty:
        raise ParameterError(
            "Không có công đoàn cấp trên này tại ngày chốt số liệu.",
            "No such upper union at the cut-off.", location=None, value=upper_id,
            expected="một trong: " + ", ".join([*uppers["upper_id"], dataset.organisation_id]),
        )
    mine = units.loc[below(ctx, units["parent_id"], upper_id).to_numpy(), "unit_id"]
    parent = upper_parent_at(dataset.upper_links, ctx.period.cut_off).get(upper_id)
    _, names = _name_maps(dataset)
    return Identity(unit_id=upper_id, name=str(row.iloc[0]["name"]), level="upper_union",
                    period_label=period_label(ctx, mine, lang), cut_off=ctx.period.cut_off,
                    upper_id=None if parent is None else str(parent),
                    upper_name=None if parent is None else names.get(str(parent), str(parent)),
                    units=len(mine), **stocks_of(ctx, mine))


def below(ctx: BriefingContext, parent_ids: pd.Series, upper_id: str) -> pd.Series:
    """Mask of the rows whose parent is ``upper_id`` or an upper union below it at the cut-off."""
    return under(parent_ids, upper_id, dataset_chains(ctx.dataset, ctx.period.cut_off))


# ----------------------------------------------------------------------------- scorecards
SCORE_COLUMNS = ("indicator_id", "clause", "label", "kind", "measure", "numerator",
                 "denominator", "value", "target", "target_max", "strict", "status", "note",
                 "milestone_year", "baseline_value", "required_pace", "actual_pace",
                 "pace_ratio", "units_expected",
                 "units_reported", "due", "gap", "tolerance", "baseline_year", "pace_method",
                 "coverage", "provisional", "unit_word", "carried_forward", "change_net",
                 "change_gross", *(f"part_{p}" for p in PARTS))

PART_WORDS: dict[str, dict[str, str]] = {
    "admitted": {"vi": "kết nạp", "en": "admitted"},
    "left": {"vi": "giảm", "en": "left"},
    "founded": {"vi": "thành lập mới", "en": "founded"},
    "dissolved": {"vi": "giải thể", "en": "dissolved"},
    "moved_in": {"vi": "chuyển đến", "en": "moved in"},
    "moved_out": {"vi": "chuyển đi", "en": "moved out"},
    "other": {"vi": "chênh lệch chưa rõ", "en": "unexplained"},
}
"""Words for the parts of a change (member growth, new CĐCS)."""

UNIT_WORDS = {"member_change": "đoàn viên", "unit_change": "CĐCS", "new_unit": "CĐCS",
              "units": "CĐCS"}
"""Unit word of the derived numerators of counts (reported ones take their element's unit)."""


def unit_word(ind: Indicator) -> str:
    """What an indicator counts (``đoàn viên``, ``CĐCS`` …), for gaps and parts."""
    element = load_elements().by_name().get(ind.numerator)
    return element.unit if element is not None else UNIT_WORDS.get(ind.numerator, "")


def _note(ind: Indicator, level: str, period: Period, lang: str, top_name: str) -> str:
    if ind.level != level and (level == "cdcs" or ind.level == "organisation"):
        if ind.level == "organisation":
            return f"Đánh giá cho toàn {top_name}" if lang == "vi" else f"Judged for {top_name}"
        return ("Đánh giá ở cấp công đoàn cấp trên" if lang == "vi"
                else "Judged at upper union level")
    if ind.year_only and not period.is_year:
        return "Chỉ đánh giá cả năm" if lang == "vi" else "Judged on the full year only"
    return ""


def change_text(row: pd.Series, lang: str = "vi") -> str:
    """The parts of a change and its readings in words.

    ``kết nạp +47; giảm −32; … (tăng thuần +10, tổng tăng +72)``. The gross reading (the sum
    of what came in: admitted, founded) is said only when more than one part makes it;
    otherwise it is that part, written just before. Empty for rows that are not changes.
    """
    if fmt.is_missing(row.get("change_net")):
        return ""
    vi = lang == "vi"
    present = [p for p in PARTS
               if not fmt.is_missing(row.get(f"part_{p}")) and row[f"part_{p}"] != 0]
    shown = [f"{PART_WORDS[p][lang]} {fmt.signed(row[f'part_{p}'], 'count', lang)}"
             for p in present]
    readings = [f"{'tăng thuần' if vi else 'net'} {fmt.signed(row['change_net'], 'count', lang)}"]
    if sum(p in GROSS_PARTS for p in present) != 1:
        readings.append(f"{'tổng tăng' if vi else 'gross'} "
                        f"{fmt.signed(row['change_gross'], 'count', lang)}")
    said = ", ".join(readings)
    return f"{'; '.join(shown)} ({said})" if shown else said


def _judged_note(row: pd.Series, lang: str) -> str:
    """What the status alone does not say: the gap, a reached tolerance, provisional coverage.

    A rating line that does not apply to a CĐCS says why: it has not had 12 months.
    """
    vi = lang == "vi"
    parts = [str(row["note"])] if row["note"] else []
    measure = str(row["measure"])
    if (row["status"] == "not_applicable" and not parts and row.get("level") == "cdcs"
            and indicator(str(row["indicator_id"])).denominator == "rating_eligible"):
        parts.append("CĐCS chưa đủ 12 tháng hoạt động để xếp loại" if vi else
                     "the CĐCS has not had 12 months for a rating")
    if row["status"] in ("not_met", "not_achieved", "achieved", "met") and not row.get("answer"):
        short = fmt.gap(measure, row["gap"], str(row["unit_word"]), lang)
        if short and row["status"] in ("achieved", "met"):
            short += " (trong dung sai)" if vi else " (within tolerance)"
        parts.append(short)
    if row.get("said"):
        parts.append(("CĐCS báo cáo: " if vi else "reported: ") + str(row["said"]))
    parts.append(change_text(row, lang))
    if bool(row["provisional"]):
        parts.append(f"{fmt.PROVISIONAL[lang]}: {_received(row, lang)}")
    return "; ".join(p for p in parts if p)


def _received(row: pd.Series, lang: str) -> str:
    """"đã nhận 2/12 báo cáo (16,7%)": the reports received of those the line expects.

    Lines count different CĐCS (a sector's, those old enough to be rated): the counts say
    which, where a share alone (16,7 % here, 14,3 % there) reads as a contradiction.
    """
    share = fmt.percent(row["coverage"], lang)
    got, expected = row.get("units_reported", np.nan), row.get("units_expected", np.nan)
    if fmt.is_missing(got) or fmt.is_missing(expected) or float(expected) <= 0:
        return f"đã nhận {share} báo cáo" if lang == "vi" else f"{share} of reports received"
    of = f"{fmt.number(float(got), lang)}/{fmt.number(float(expected), lang)}"
    return (f"đã nhận {of} báo cáo ({share})" if lang == "vi" else
            f"{of} reports received ({share})")


YES_NO_WORDS = {"vi": ("Không", "Có"), "en": ("No", "Yes")}
"""How a CĐCS's own yes/no answer is shown in place of 0 % or 100 %."""


def _answer(row: pd.Series, counts_cdcs: set[str], lang: str) -> str:
    """A CĐCS's own answer to a line that counts CĐCS ("Có"/"Không"), else empty.

    A share of CĐCS (held a conference, rated well …) is, for one CĐCS, 0 or 1 of 1: said as
    the answer, not as 0 % or 100 % with a gap in points. ``counts_cdcs``: the denominators
    that count CĐCS (``units``, yes/no questions, eligibility).
    """
    if row["measure"] != "share" or row["denominator"] != 1 or row["numerator"] not in (0, 1):
        return ""
    if indicator(str(row["indicator_id"])).denominator not in counts_cdcs:
        return ""
    return YES_NO_WORDS[fmt.check_lang(lang)][int(row["numerator"])]


def _category_said(indicator_id: str, said: dict[str, str]) -> str:
    """What the CĐCS answered to the category a line is read from ("C", "Hoàn thành nhiệm vụ").

    A line the engine derives from a category ("rated well" from the rating, "B or better"
    from the agreement's grade) says, beside "Không", which answer made it so. ``said``:
    category element → the CĐCS's answer (:func:`categories_said`); '' for other lines.
    """
    sources = DERIVED_FROM.get(str(indicator(indicator_id).numerator), ())
    return next((said[e] for e in sources if e in said), "")


def categories_said(ctx: BriefingContext, unit_id: str) -> dict[str, str]:
    """What a CĐCS answered to each category question (rating, agreement grade) in the period.

    Its last answer of the period's half-years (a category's aggregation is its last value).
    """
    names = [e.name for e in load_elements().elements if e.kind == "category"]
    reports = ctx.dataset.reports
    mine = reports[(reports["unit_id"] == unit_id)
                   & reports["period"].isin(ctx.period.sub_periods)].sort_values("period")
    return {name: CATEGORY_LABELS.get(name, {}).get(str(values.iloc[-1]), str(values.iloc[-1]))
            for name in names if name in mine and len(values := mine[name].dropna())}


def scorecard(ctx: BriefingContext, unit_id: str, level: str, lang: str = "vi") -> pd.DataFrame:
    """Every indicator row of one unit (``level`` cdcs, upper_union or organisation) with labels.

    Rows follow the register's order; ``note`` says why a row has no target here; ``answer`` a
    CĐCS's own yes/no to a line that counts CĐCS (:func:`_answer`).
    """
    rows = ctx.rows(level, unit_id).copy()
    order = {ind.id: i for i, ind in enumerate(load_register().indicators)}
    rows["label"] = [label(i, lang) for i in rows["indicator_id"]]
    rows["strict"] = [strict(i, ctx.period) for i in rows["indicator_id"]]
    top = ctx.dataset.organisation_name
    rows["unit_word"] = [unit_word(indicator(i)) for i in rows["indicator_id"]]
    rows["provisional"] = rows["provisional"].astype(object).eq(True)
    counts_cdcs = {"units", "rating_eligible"} | {
        e.name for e in load_elements().elements if e.kind == "bool"}
    rows["answer"] = ([_answer(r, counts_cdcs, lang) for _, r in rows.iterrows()]
                      if len(rows) and level == "cdcs" else "")
    said = categories_said(ctx, unit_id) if level == "cdcs" else {}
    rows["said"] = [_category_said(str(i), said) for i in rows["indicator_id"]]
    rows["note"] = [_note(indicator(i), level, ctx.period, lang, top) for i in rows["indicator_id"]]
    rows["note"] = [_judged_note(r, lang) for _, r in rows.iterrows()] if len(rows) else []
    rows["note"] = ["; ".join(x for x in (note, series_breaks(ctx, str(i), lang)) if x)
                    for note, i in zip(rows["note"], rows["indicator_id"], strict=True)]
    rows = rows.sort_values("indicator_id", key=lambda s: s.map(order))
    projections = [f"projection_{y}" for y in load_register().plan.projection_years]
    card = rows[[*SCORE_COLUMNS, *projections, "answer", "said"]].reset_index(drop=True)
    card.attrs["series_breaks"] = series_break_notes(ctx, card["indicator_id"], lang)
    return card


def union_scorecard(ctx: BriefingContext, union_id: str, lang: str = "vi") -> pd.DataFrame:
    """Scorecard of a CĐCS: every indicator whose population includes it."""
    union_identity(ctx, union_id, lang)
    return scorecard(ctx, union_id, "cdcs", lang)


def summary_counts(card: pd.DataFrame) -> dict[str, int]:
    """How many indicators are judged, met (or achieved/on track), need action, lack data."""
    status = card["status"].astype(str)
    return {
        "judged": int(status.isin(JUDGED).sum()),
        "good": int(status.isin(("met", "achieved", "on_track")).sum()),
        "bad": int(status.isin(BAD + ("acceleration_needed",)).sum()),
        "no_data": int((status == "no_data").sum()),
    }


# ----------------------------------------------------------------------------- trend
def history_rows(ctx: BriefingContext, unit_id: str, level: str,
                 indicator_ids: list[str] | None = None, lang: str = "vi") -> pd.DataFrame:
    """Value, target and status of one unit over :attr:`BriefingContext.trend_periods`.

    A half-year's row of an indicator that counts a year's events (:func:`yearly_only`) is left
    out when full years are there to show: like is compared with like.
    """
    rows = ctx.rows(level, unit_id, history=True)
    if indicator_ids is not None:
        rows = rows[rows["indicator_id"].isin(indicator_ids)]
    halves = rows["period"].astype(str).str.contains("-H", regex=False)
    if halves.any() and not halves.all():
        rows = rows[~(halves & rows["indicator_id"].map(yearly_only).astype(bool))]
    names = {i: distinct_label(str(i), lang) for i in rows["indicator_id"].unique()}
    rows = rows.assign(label=rows["indicator_id"].map(names))
    position = {p: i for i, p in enumerate(ctx.trend_periods)}
    rows = rows.sort_values(["indicator_id", "period"], key=lambda s: s.map(position)
                            if s.name == "period" else s)
    rates = load_rates()
    spans = {p: parse_period(p) for p in ctx.trend_periods}
    rows = rows.assign(
        provisional=rows["provisional"].astype(object).eq(True),
        break_label=[", ".join(fmt.date(b.date, lang) for b in rates.breaks_of(
            str(i), spans[str(p)].start, spans[str(p)].cut_off)) if str(p) in spans else ""
            for i, p in zip(rows["indicator_id"], rows["period"], strict=True)])
    return rows[["indicator_id", "label", "period", "measure", "value", "target", "status",
                 "provisional", "break_label"]]


def series_breaks(ctx: BriefingContext, indicator_id: str, lang: str = "vi") -> str:
    """The breaks of an indicator's series within the trend shown, as a short note ('' when none).

    ``chuỗi số liệu thay đổi từ 01/06/2025, 01/07/2025 (xem dưới bảng)``: the dates only; what
    changed on each is said once below the table (:func:`series_break_notes`).
    """
    found = _breaks_shown(ctx, indicator_id)
    if not found:
        return ""
    dates = ", ".join(fmt.date(b.date, lang) for b in found)
    return (f"chuỗi số liệu thay đổi từ {dates} (xem dưới bảng)" if lang == "vi"
            else f"the series changes from {dates} (see below the table)")


def series_break_notes(ctx: BriefingContext, indicator_ids: Iterable[str],
                       lang: str = "vi") -> list[str]:
    """What changed at each break of these indicators' series, each break once, by date.

    The text of ``params/rates.yaml`` (``từ 01/07/2025 đoàn phí giảm …``).
    """
    found = {b.date: b for i in dict.fromkeys(indicator_ids) for b in _breaks_shown(ctx, str(i))}
    return [b.label_vi if lang == "vi" else b.label_en for _, b in sorted(found.items())]


def _breaks_shown(ctx: BriefingContext, indicator_id: str) -> list[Break]:
    """The breaks of an indicator's series from the first period of the trend to the cut-off."""
    first = parse_period(ctx.trend_periods[0]).start if ctx.trend_periods else ctx.period.start
    return list(load_rates().breaks_of(indicator_id, first, ctx.period.cut_off))


def trend_indicators(card: pd.DataFrame, limit: int = TREND_PANELS) -> list[str]:
    """Indicators to draw: judged ones with a value, those needing action first."""
    judged = card[card["status"].isin(JUDGED) & card["value"].notna()]
    ranked = judged.assign(rank=(~judged["status"].isin(BAD)).astype(int))
    ranked = ranked.sort_values("rank", kind="stable")
    return list(ranked["indicator_id"].head(limit))


# ----------------------------------------------------------------------------- comparison
def comparison_table(ctx: BriefingContext, union_id: str, lang: str = "vi") -> pd.DataFrame:
    """Shares of a CĐCS next to its sector, upper union and organisation aggregates (never a CĐCS).

    An aggregate is left empty unless :data:`MIN_UNITS_COMPARED` CĐCS *other than this one*
    reported to it: with fewer, this CĐCS could take its own answer out of the aggregate and
    read the others' (two "Có" out of three, itself "Không"). A CĐCS directly under the
    organisation has no upper-union column (it would repeat the organisation's).
    """
    who = union_identity(ctx, union_id, lang)
    card = scorecard(ctx, union_id, "cdcs", lang)
    card = card[(card["measure"] == "share") & card["status"].isin(JUDGED + ("no_data",))]
    out = pd.DataFrame({"indicator_id": card["indicator_id"],
                        "label": [distinct_label(str(i), lang) for i in card["indicator_id"]],
                        "target": card["target"], "unit": card["value"]})
    keys = {"sector": who.sector, "upper_union": who.upper_id,
            "organisation": ctx.dataset.organisation_id}
    if str(who.upper_id) == str(ctx.dataset.organisation_id):
        del keys["upper_union"]  # a CĐCS directly under the organisation: one series, not two
    own = card.set_index("indicator_id")["units_reported"].fillna(0)  # 1 where it reported
    for level, key in keys.items():
        agg = ctx.rows(level, str(key))
        others = agg["units_reported"] - agg["indicator_id"].map(own).fillna(0)
        agg = agg[others >= MIN_UNITS_COMPARED]
        out[level] = out["indicator_id"].map(agg.set_index("indicator_id")["value"])
    names = {
        "unit": "CĐCS này" if lang == "vi" else "This union",
        "sector": who.sector_name or "", "upper_union": who.upper_name or "",
        "organisation": ctx.dataset.organisation_name,
    }
    out = out.reset_index(drop=True)
    out.attrs["series_names"] = {k: v for k, v in names.items() if k in out.columns}
    return out


# ----------------------------------------------------------------------------- milestones
def milestone_pace(card: pd.DataFrame) -> pd.DataFrame:
    """Milestone rows with a judgement: baseline, value, milestone, paces and projections."""
    rows = card[(card["kind"] == "milestone") & (card["status"] != "not_applicable")]
    return rows.reset_index(drop=True)


def trajectory_points(ctx: BriefingContext, unit_id: str, level: str,
                      lang: str = "vi") -> pd.DataFrame:
    """Points for :func:`congdoan.briefing.charts.trajectory`: actual by year, milestones, projection."""
    card = milestone_pace(scorecard(ctx, unit_id, level, lang))
    hist = history_rows(ctx, unit_id, level, list(card["indicator_id"]), lang)
    points: list[dict[str, object]] = []
    projection_years = load_register().plan.projection_years
    for _, row in card.iterrows():
        ind = indicator(str(row["indicator_id"]))
        base = {"label": row["label"], "measure": row["measure"]}
        base_year = load_register().plan.baseline_year
        if not fmt.is_missing(row["baseline_value"]):
            points.append({**base, "year": float(base_year), "value": row["baseline_value"]})
        part = hist[hist["indicator_id"] == row["indicator_id"]]
        for _, h in part.iterrows():
            per = parse_period(str(h["period"]))
            t = per.year - (0.5 if per.half == 1 else 0.0)
            if t > base_year or fmt.is_missing(row["baseline_value"]):
                points.append({**base, "year": t, "value": h["value"]})
        now = ctx.period.year - (0.5 if ctx.period.half == 1 else 0.0)
        ahead = [y for y in projection_years if y > now
                 and not fmt.is_missing(row[f"projection_{y}"])]
        if ahead:
            points.append({**base, "year": now, "projection": row["value"]})
            points += [{**base, "year": float(y), "projection": row[f"projection_{y}"]}
                       for y in ahead]
        for year, goal in (ind.milestones or {}).items():
            if not projection_years or year <= max(projection_years):
                points.append({**base, "year": float(year), "milestone": goal.value})
    frame = pd.DataFrame(points, columns=["label", "measure", "year", "value", "milestone",
                                          "projection"])
    for col in ("year", "value", "milestone", "projection"):
        frame[col] = pd.to_numeric(frame[col], errors="coerce")
    return frame


# ----------------------------------------------------------------------------- missing data
def missing_data(ctx: BriefingContext, union_id: str, card: pd.DataFrame,
                 lang: str = "vi") -> list[str]:
    """Sentences naming the reports not received or late and the indicators without data."""
    status = reporting_status(ctx.dataset, ctx.period, [union_id])
    lines: list[str] = []
    for _, row in status.iterrows():
        sub = report_name(str(row["sub_period"]), lang)
        if row["status"] == "missing":
            lines.append(f"Chưa nhận {sub} (hạn {fmt.date(row['due'], lang)})."
                         if lang == "vi" else
                         f"No {sub} received (due {fmt.date(row['due'], lang)}).")
        elif row["status"] == "late":
            lines.append(f"{first_upper(sub)} nộp muộn: "
                         f"{fmt.date(row['submitted_on'], lang)} (hạn "
                         f"{fmt.date(row['due'], lang)})." if lang == "vi" else
                         f"The {sub} was late: {fmt.date(row['submitted_on'], lang)} (due "
                         f"{fmt.date(row['due'], lang)}).")
    broken = report_problems(ctx.dataset)
    broken = broken[(broken["unit_id"].astype(str) == union_id)
                    & broken["period"].isin(ctx.period.sub_periods)]
    for sub_id, part in broken.groupby("period", sort=True):
        sub = report_name(str(sub_id), lang)
        why = "; ".join(part["message_vi" if lang == "vi" else "message_en"].str.rstrip("."))
        lines.append(f"{first_upper(sub)} không được tính vì mâu thuẫn: {why}." if lang == "vi"
                     else f"The {sub} is not counted: it contradicts itself: {why}.")
    lacking = [distinct_label(str(i), lang)
               for i in card.loc[card["status"] == "no_data", "indicator_id"]]
    if lacking:
        lines.append(("Chưa có số liệu để đánh giá: " if lang == "vi" else "No data to judge: ")
                     + "; ".join(lacking) + ".")
    return lines


# ----------------------------------------------------------------------------- narrative
def target_text(row: pd.Series, lang: str = "vi") -> str:
    """A row's target as the plan reads: ``chỉ tiêu ≥ 75%``, ``mốc 2023: khoảng 18.000``."""
    vi = lang == "vi"
    measure = str(row["measure"])
    about = not fmt.is_missing(row.get("tolerance")) and float(row["tolerance"]) > 0
    goal = (f"{'khoảng' if vi else 'about'} {fmt.value(measure, row['target'], lang)}" if about
            else fmt.target(measure, row["target"], row["target_max"], bool(row["strict"]), lang))
    if row["kind"] == "milestone" and not fmt.is_missing(row["milestone_year"]):
        return f"{'mốc' if vi else 'milestone'} {int(row['milestone_year'])}: {goal}"
    return f"{'chỉ tiêu' if vi else 'target'} {goal}"


def _gap(row: pd.Series) -> float:
    value, target = row["value"], row["target"]
    if fmt.is_missing(value) or fmt.is_missing(target) or float(target) == 0:
        return 0.0
    return float((float(target) - float(value)) / abs(float(target)))


def _said(row: pd.Series, lang: str) -> str:
    """A line not met, in brackets: value (a CĐCS's own "Có"/"Không"), target, gap, "tạm tính".

    A CĐCS's yes/no answer has no gap in points: its "Không" against "≥ 60 %" says it all.
    """
    measure = str(row["measure"])
    answer = str(row.get("answer") or "")
    if answer and row.get("said"):
        answer += f" — {row['said']}"
    parts = [answer or fmt.value(measure, row["value"], lang, row["target"]),
             target_text(row, lang)]
    if not answer:
        parts.append(fmt.gap(measure, row["gap"], str(row.get("unit_word", "")), lang))
    if fmt.is_set(row.get("provisional")):
        parts.append(fmt.PROVISIONAL[lang])
    return "; ".join(p for p in parts if p)


def report_name(sub_period: str, lang: str = "vi") -> str:
    """A half-year's report named by the form it comes on.

    ``báo cáo năm 2025-H2`` (the second half's form is the year report), ``báo cáo 6 tháng
    2026-H1``.
    """
    year = parse_period(sub_period).half == 2
    if lang == "vi":
        return f"báo cáo {'năm' if year else '6 tháng'} {sub_period}"
    return f"{'year' if year else 'six-month'} report {sub_period}"


def narrative(card: pd.DataFrame, lang: str = "vi", priorities: int = 3) -> list[str]:
    """The briefing's conclusions: what is not met, what to prioritise, what lacks data.

    Priorities are the not-met indicators furthest from their target (relative gap), then
    milestones moving away or progressing too slowly. With nothing judged (no report, no
    data), one line says so: "nothing not met" and "keep the results" would claim results.
    """
    vi = lang == "vi"
    if summary_counts(card)["judged"] == 0:
        return ["Chưa đánh giá được chỉ tiêu nào: chưa có số liệu (xem mục số liệu còn thiếu)."
                if vi else "No target could be judged: no data yet (see the missing data)."]
    not_met = card[card["status"].isin(("not_met", "not_achieved"))]
    items = [f"{r['label']} ({_said(r, lang)})" for _, r in not_met.iterrows()]
    head = "Chỉ tiêu chưa đạt: " if vi else "Targets not met: "
    lines = [head + ("; ".join(items) if items else ("không có" if vi else "none")) + "."]
    ranked = not_met.assign(gap=not_met.apply(_gap, axis=1)).sort_values("gap", ascending=False)
    slow = card[card["status"].isin(("moving_away", "limited_progress", "acceleration_needed"))]
    slow = slow.assign(gap=slow["status"].map(
        {"moving_away": 3.0, "limited_progress": 2.0, "acceleration_needed": 1.0}))
    chosen = list(ranked["label"].head(priorities))
    chosen += [x for x in slow.sort_values("gap", ascending=False)["label"] if x not in chosen]
    chosen = chosen[:priorities]
    if chosen:
        lines.append(("Cần ưu tiên: " if vi else "Priorities: ") + "; ".join(chosen) + ".")
    else:
        lines.append("Cần ưu tiên: duy trì kết quả đã đạt." if vi else
                     "Priorities: keep the results achieved.")
    counts = summary_counts(card)
    lines.append(f"Đạt hoặc đúng tiến độ {counts['good']}/{counts['judged']} chỉ tiêu được đánh giá."
                  if vi else f"Met or on track: {counts['good']} of {counts['judged']} judged "
                  "targets.")
    return lines


# ----------------------------------------------------------------------------- upper briefing
def member_rows(ctx: BriefingContext, upper_id: str) -> pd.DataFrame:
    """CĐCS rows of the indicator table under ``upper_id``, at any depth (all for the organisation)."""
    rows = ctx.table[ctx.table["level"] == "cdcs"]
    if upper_id != ctx.dataset.organisation_id:
        rows = rows[below(ctx, rows["parent_id"], upper_id).to_numpy()]
    return rows


def breakdown(ctx: BriefingContext, upper_id: str, by: str, lang: str = "vi") -> pd.DataFrame:
    """Annual indicators judged at CĐCS level, per sector or commune within the upper union.

    Milestones are judged by their pace, elsewhere. Rates are recomputed from summed numerators
    and denominators (never averaged).

    Returns:
        indicator_id, label, measure, group, group_name, numerator, denominator, value,
        target, status ('met'/'not_met'/'no_data'), units_reported, coverage (reports received
        ÷ expected in the group), provisional (coverage below the register's threshold, as a
        row of section 1 is).

    """
    if by not in ("sector", "commune_id"):
        raise ParameterError("Cách phân tổ không hợp lệ.", "Unknown breakdown.", location=None,
                             value=by, expected="'sector' hoặc 'commune_id'")
    rows = member_rows(ctx, upper_id)
    # annual lines only: a milestone is judged by its pace (section 1 and the milestones table),
    # which a plain "value ≥ target" here would contradict
    annual = rows["indicator_id"].map(lambda i: indicator(str(i)).kind == "annual").astype(bool)
    judged = rows[rows["target"].notna() & rows["measure"].isin(("share", "per_unit")) & annual]
    grouped = judged.groupby(["indicator_id", by], sort=False)
    out = grouped.agg(numerator=("numerator", lambda s: s.sum(min_count=1)),
                      denominator=("denominator", lambda s: s.sum(min_count=1)),
                      units_reported=("numerator", "count"), target=("target", "first"),
                      measure=("measure", "first"), received=("units_reported", "sum"),
                      expected=("units_expected", "sum")).reset_index()
    out = out.rename(columns={by: "group"})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["coverage"] = (out.pop("received") / out["expected"]).where(out["expected"] > 0)
    out["provisional"] = (out.pop("expected") > 0) & (
        out["coverage"].fillna(0.0) < load_register().method.coverage_threshold - 1e-9)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["value"] = (out["numerator"] / out["denominator"]).where(out["denominator"] > 0)
    strict_flags = out["indicator_id"].map(lambda i: strict(str(i), ctx.period))
    met = np.where(strict_flags, out["value"] > out["target"] + 1e-9,
                   out["value"] >= out["target"] - 1e-9)
    out["status"] = np.where(out["value"].isna(), "no_data", np.where(met, "met", "not_met"))
    communes, _ = _name_maps(ctx.dataset)
    names = ({k: v[lang] for k, v in SECTOR_NAMES.items()} if by == "sector" else communes)
    out["group_name"] = out["group"].astype(str).map(lambda g: names.get(g, g))
    out["label"] = [label(str(i), lang) for i in out["indicator_id"]]
    order = {ind.id: i for i, ind in enumerate(load_register().indicators)}
    out = out.sort_values(["indicator_id", "group_name"],
                          key=lambda s: s.map(order) if s.name == "indicator_id" else s)
    return out.reset_index(drop=True)


STATUS_ORDER = ("met", "achieved", "on_track", "acceleration_needed", "limited_progress",
                "not_met", "not_achieved", "moving_away", "insufficient_history", "no_data")


def status_counts(ctx: BriefingContext, upper_id: str, lang: str = "vi") -> pd.DataFrame:
    """Per indicator judged at CĐCS level, how many CĐCS are in each status (index = label).

    A milestone line's label says its year ("… (mốc 2030)"): a plan may set an annual target
    and a milestone for the same measure, under the same name.
    """
    rows = member_rows(ctx, upper_id)
    rows = rows[rows["status"].isin(STATUS_ORDER)]
    counts = pd.crosstab(rows["indicator_id"], rows["status"])
    order = {ind.id: i for i, ind in enumerate(load_register().indicators)}
    counts = counts.loc[sorted(counts.index, key=lambda i: order.get(str(i), 999))]
    counts = counts[[s for s in STATUS_ORDER if s in counts.columns]]
    years = rows.drop_duplicates("indicator_id").set_index("indicator_id")["milestone_year"]
    milestone = "mốc" if lang == "vi" else "milestone"
    counts.index = [label(str(i), lang) + (
        f" ({milestone} {int(years[i])})" if indicator(str(i)).kind == "milestone"
        and not fmt.is_missing(years.get(i)) else "") for i in counts.index]
    counts.columns.name = None
    return counts


def units_below_target(ctx: BriefingContext, upper_id: str, lang: str = "vi",
                       limit: int = 15) -> pd.DataFrame:
    """CĐCS with the most indicators needing action (for the upper union's own staff).

    Returns:
        unit_id, unit_name, sector, commune, below (number of indicators not met or off pace),
        judged, indicators (their labels, joined), sorted by ``below`` then name.

    """
    rows = member_rows(ctx, upper_id)
    rows = rows[rows["status"].isin(JUDGED)]
    bad = rows[rows["status"].isin(BAD)]
    communes, _ = _name_maps(ctx.dataset)
    out = rows.groupby("unit_id").agg(unit_name=("unit_name", "first"), sector=("sector", "first"),
                                      commune_id=("commune_id", "first"),
                                      judged=("status", "size"))
    out["below"] = bad.groupby("unit_id").size().reindex(out.index).fillna(0).astype(int)
    out["indicators"] = bad.groupby("unit_id")["indicator_id"].agg(
        lambda s: "; ".join(label(str(i), lang) for i in s)).reindex(out.index)
    out["commune"] = out["commune_id"].astype(str).map(lambda c: communes.get(c, c))
    out = out[out["below"] > 0].reset_index().sort_values(["below", "unit_name"],
                                                           ascending=[False, True])
    return out[["unit_id", "unit_name", "sector", "commune", "below", "judged",
                "indicators"]].head(limit).reset_index(drop=True)


def reporting(ctx: BriefingContext, upper_id: str) -> pd.DataFrame:
    """Completeness and timeliness of the reports of the CĐCS under ``upper_id`` in the period."""
    ids = list(member_rows(ctx, upper_id)["unit_id"].astype(str).unique())
    return reporting_summary(reporting_status(ctx.dataset, ctx.period, ids))


def upper_narrative(card: pd.DataFrame, reports: pd.DataFrame, lang: str = "vi") -> list[str]:
    """The upper briefing's conclusions: the union narrative plus reporting completeness."""
    lines = narrative(card, lang)
    if not reports.empty:
        total = reports.iloc[-1]
        lines.append(
            f"Báo cáo: đã nhận {fmt.percent(total['completeness'], lang)}, đúng hạn "
            f"{fmt.percent(total['timeliness'], lang)} số báo cáo phải nộp." if lang == "vi" else
            f"Reports: {fmt.percent(total['completeness'], lang)} received, "
            f"{fmt.percent(total['timeliness'], lang)} on time.")
    return lines


# ----------------------------------------------------------------------------- section III
def unit_activities(ctx: BriefingContext, unit_id: str, level: str,
                    lang: str = "vi") -> pd.DataFrame:
    """Section III of the plan for one unit in the period: per programme, what was done.

    A CĐCS's own figures; an upper union's, summed over its CĐCS at the cut-off, at any depth (``units``:
    how many ran each programme); the whole area's, over every CĐCS. Never another named
    CĐCS's figures. Every programme of the register is listed, those not run with zeros.

    Returns:
        programme, label, clause, units, events, participants, support_vnd
        (:func:`congdoan.core.activities.activity_totals`).

    """
    rows = period_activities(ctx.dataset, ctx.period)
    if level == "cdcs":
        rows = rows[rows["unit_id"].astype(str) == unit_id]
    elif level == "upper_union":
        rows = rows[below(ctx, rows["parent_id"], unit_id).to_numpy()]
    return activity_totals(rows, lang=lang)
