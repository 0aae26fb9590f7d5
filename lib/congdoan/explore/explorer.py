"""Interactive exploration in JupyterLab: ipywidgets controls linked to charts and tables.

:class:`Explorer` builds the controls (upper union, period and trend range, sector, commune,
CĐCS, indicator), a drill-down list and export buttons. Every change rebuilds the view from the
indicator history computed once (:func:`congdoan.explore.views.cached_history`) with the pure functions
of :mod:`congdoan.explore.views`, redraws the charts whose data changed (the panels of
:mod:`congdoan.explore.charts`: the indicator against its target over time, the distribution across
CĐCS, breakdowns by sector and by commune; each is cached by what it shows) and the table (clause,
numerator, denominator, value, target, status).

Tests and benchmarks drive it without a browser: set a control's ``value`` and read
:attr:`Explorer.view`, :attr:`Explorer.charts` (SVG bytes) or :attr:`Explorer.table`.
"""

from __future__ import annotations

import html
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import numpy as np
import pandas as pd

from congdoan.briefing import charts, fmt
from congdoan.core.dataset import Dataset
from congdoan.core.periods import latest_complete_period, parse_period
from congdoan.core.plan import SECTORS, Indicator, PlanRegister, load_register
from congdoan.core.workspace import active_workspace
from congdoan.engine.heap import freeze_heap
from congdoan.exceptions import Location, ParameterError
from congdoan.explore.charts import (
    PANELS,
    breakdown_plot,
    distribution_plot,
    draw_panel,
    figure_svg,
    new_panel_figure,
    trend_plot,
)
from congdoan.explore.views import (
    LEVEL_LABELS,
    VIEW_LABELS_VI,
    HistoryIndex,
    Selection,
    breakdown,
    cached_history,
    current_view,
    drill_into,
    drill_up,
    drilldown,
    export_view,
    filter_view,
    name_lookup,
    scope_name,
    scope_trend,
)

ALL = ""
"""Value of the 'all' choice of a dropdown."""

__all__ = [
    "ALL", "Explorer", "breakdown_plot", "distribution_plot", "drilldown", "filter_view",
    "draw_panel", "trend_plot",
]


# ----------------------------------------------------------------------------- tables
def view_html(view: pd.DataFrame, ind: Indicator, child_level: str | None = None) -> str:
    """The view as an escaped HTML table with Vietnamese headers and numbers.

    ``child_level`` names the level of the rows after the first (the drill-down rows), which
    the engine may call ``group`` when they combine several filters.
    """
    labels = {**VIEW_LABELS_VI, "units_reported": "Đã báo cáo"}
    head = "".join(f"<th>{html.escape(labels[c])}</th>" for c in (
        "level", "unit_name", "clause", "numerator", "denominator", "value", "target", "status",
        "units_reported"))
    body = []
    for i, (_, r) in enumerate(view.iterrows()):
        style = charts.status_style(r["status"])
        level = child_level if i > 0 and child_level else str(r["level"])
        reported = f"{fmt.number(r['units_reported'])}/{fmt.number(r['units_expected'])}"
        cells = [
            LEVEL_LABELS.get(level, level), str(r["unit_name"]),
            str(r["clause"]), fmt.number(r["numerator"], decimals=0),
            fmt.number(r["denominator"], decimals=0), fmt.value(ind.measure, r["value"]),
            fmt.value(ind.measure, r["target"]),
            f"{style.symbol} {fmt.status_label(r['status'])}", reported,
        ]
        tds = "".join(f"<td>{html.escape(c)}</td>" for c in cells[:7])
        tds += (f'<td style="color:{style.colour};font-weight:bold">{html.escape(cells[7])}</td>'
                f"<td>{html.escape(cells[8])}</td>")
        body.append(f"<tr>{tds}</tr>")
    return (f"<style>{_TABLE_CSS}</style><table class=\"congdoan-view\">"
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


_TABLE_CSS = (
    "table.congdoan-view{border-collapse:collapse;font-size:12px;margin:6px 0}"
    "table.congdoan-view th{background:#f0f0f0;text-align:left;padding:3px 8px;"
    "border-bottom:1px solid #999;white-space:nowrap}"
    "table.congdoan-view td{padding:2px 8px;border-bottom:1px solid #e3e3e3;white-space:nowrap}"
    "table.congdoan-view tbody tr:first-child{font-weight:bold;background:#fafafa}"
    "table.congdoan-view td:nth-child(n+4):nth-child(-n+7){text-align:right}"
)


# ----------------------------------------------------------------------------- widgets
class Explorer:
    """Controls, chart and table for one dataset; every control change updates the view.

    Args:
        dataset: the data (``congdoan.core.sources.open_dataset``).
        period: initial analysis period, or ``'latest'`` (latest complete period).
        indicator: initial indicator id (default the first of the register).
        upper_union, sector, commune, unit: initial scope (None = all); an id that does not
            exist in the period is a ParameterError.
        history: a precomputed history (default :func:`congdoan.explore.views.cached_history`).
        register: the plan register (default ``params/plan.yaml``).
        out_dir: where exports are written (default ``output/explore``).

    """

    def __init__(self, dataset: Dataset, *, period: str = "latest", indicator: str | None = None,
                 upper_union: str | None = None, sector: str | None = None,
                 commune: str | None = None, unit: str | None = None,
                 history: pd.DataFrame | None = None, register: PlanRegister | None = None,
                 out_dir: Path | str | None = None) -> None:
        self.dataset = dataset
        self.register = register or load_register()
        self.index = HistoryIndex(cached_history(dataset) if history is None else history,
                                  self.register)
        self.names = name_lookup(dataset)
        self.out_dir = Path(out_dir) if out_dir is not None else active_workspace().output_dir / "explore"
        periods = self.index.periods
        subs = sorted(dataset.reports["period"].dropna().unique())
        start = latest_complete_period(subs) if period == "latest" else str(period)
        if start not in periods:
            raise ParameterError("Kỳ báo cáo nằm ngoài dữ liệu.", "Period outside the data.",
                                 value=period, expected="một trong: " + ", ".join(periods))
        ids = [i.id for i in self.register.indicators if i.id in self.index.by_indicator]
        first = indicator or ids[0]
        self.index.rows(first)  # refuses an unknown id
        years = sorted({int(p[:4]) for p in periods})
        self.view = pd.DataFrame()
        self.last_update_ms = 0.0
        self.timings: dict[str, float] = {}
        self._busy = False
        self._drawn = 0
        self._figures = {name: new_panel_figure(name) for name in PANELS}
        self._panel_keys: dict[str, tuple[Any, ...]] = {}
        self._chart_cache: OrderedDict[tuple[Any, ...], bytes] = OrderedDict()

        layout = widgets.Layout(width="360px")
        style = {"description_width": "135px"}
        self.indicator = widgets.Dropdown(
            description="Chỉ tiêu", value=first, layout=widgets.Layout(width="740px"), style=style,
            options=[(f"{i.clause} · {i.name_vi}", i.id) for i in self.register.indicators
                     if i.id in ids])
        self.period = widgets.Dropdown(
            description="Kỳ", value=start, layout=layout, style=style,
            options=[(f"{parse_period(p).label()} ({p})", p) for p in periods])
        self.years = widgets.IntRangeSlider(
            description="Diễn biến từ–đến", value=(years[0], years[-1]), min=years[0],
            max=years[-1], layout=layout, style=style)
        self.upper = widgets.Dropdown(description="Công đoàn cấp trên", layout=layout,
                                      style=style, options=[("Toàn địa bàn", ALL)], value=ALL)
        self.sector = widgets.Dropdown(
            description="Khu vực", layout=layout, style=style, value=ALL,
            options=[("Tất cả", ALL)] + [(self.names[s], s) for s in SECTORS])
        self.commune = widgets.Dropdown(description="Xã, thị trấn", layout=layout, style=style,
                                        options=[("Tất cả", ALL)], value=ALL)
        self.unit = widgets.Dropdown(description="CĐCS", layout=layout, style=style,
                                     options=[("Tất cả", ALL)], value=ALL)
        self.drill = widgets.Select(description="Xem chi tiết", rows=8, style=style,
                                    layout=widgets.Layout(width="600px"), options=[])
        self.up = widgets.Button(description="⬆ Lên một cấp", icon="")
        self.export_csv = widgets.Button(description="Xuất CSV")
        self.export_xlsx = widgets.Button(description="Xuất Excel")
        self.header = widgets.HTML()
        self.charts = {name: widgets.Image(format="svg+xml", layout=widgets.Layout(width="49%"))
                       for name in PANELS}
        self.title = widgets.HTML()
        self.table = widgets.HTML()
        self.message = widgets.HTML()

        for control in (self.indicator, self.period, self.years, self.upper, self.sector,
                        self.commune, self.unit):
            control.observe(self._on_change, names="value")
        self.drill.observe(self._on_drill, names="value")
        self.up.on_click(lambda _b: self.set_selection(drill_up(self.selection)))
        self.export_csv.on_click(lambda _b: self._export(".csv"))
        self.export_xlsx.on_click(lambda _b: self._export(".xlsx"))
        self.widget = widgets.VBox([
            self.indicator,
            widgets.HBox([self.period, self.years]),
            widgets.HBox([self.upper, self.sector]),
            widgets.HBox([self.commune, self.unit]),
            self.header, self.title,
            widgets.HBox([self.charts["trend"], self.charts["distribution"]]),
            widgets.HBox([self.charts["sector"], self.charts["commune"]]),
            self.table,
            widgets.HBox([self.drill, widgets.VBox([self.up, self.export_csv, self.export_xlsx])]),
            self.message,
        ])
        self.update()
        if any((upper_union, sector, commune, unit)):
            wanted = replace(self.selection, upper_union=upper_union, sector=sector,
                             commune=commune, unit=unit)
            self.set_selection(wanted)
            if self.selection != wanted:
                raise ParameterError(
                    "Phạm vi không có trong kỳ báo cáo đã chọn.",
                    "Scope not found in the chosen period.", value=scope_name(wanted, {}),
                    location=Location(field="upper_union/sector/commune/unit"),
                    expected="mã công đoàn cấp trên, khu vực, xã, CĐCS có trong kỳ")
        # the explorer's data and the libraries stay for the session; a full collection falls
        # due every few control changes (~60 ms in a kernel holding the demo); an explorer
        # made again releases the previous one's frozen objects first
        freeze_heap(release=True)

    # -- selection ---------------------------------------------------------------------------
    @property
    def selection(self) -> Selection:
        """The selection the controls show now."""
        return Selection(
            indicator_id=str(self.indicator.value), period=str(self.period.value),
            upper_union=self.upper.value or None, sector=self.sector.value or None,
            commune=self.commune.value or None, unit=self.unit.value or None,
            first_year=int(self.years.value[0]), last_year=int(self.years.value[1]),
        )

    def set_selection(self, selection: Selection) -> None:
        """Show ``selection`` (controls set without intermediate updates), then update.

        A scope value not offered in the period (e.g. an upper union that did not exist yet)
        falls back to 'all'.
        """
        self._busy = True
        try:
            self.indicator.value = selection.indicator_id
            self.period.value = selection.period
            if selection.first_year is not None and selection.last_year is not None:
                self.years.value = (selection.first_year, selection.last_year)
            self._refresh_options(selection)
            _choose(self.upper, selection.upper_union)
            _choose(self.sector, selection.sector)
            self._refresh_options(self.selection)
            _choose(self.commune, selection.commune)
            self._refresh_options(self.selection)
            _choose(self.unit, selection.unit)
        finally:
            self._busy = False
        self.update()

    def _on_change(self, _change: Mapping[str, Any]) -> None:
        if not self._busy:
            self.update()

    def _on_drill(self, change: Mapping[str, Any]) -> None:
        if self._busy or not change["new"]:
            return
        level, key = str(change["new"]).split("|", 1)
        self.set_selection(drill_into(self.selection, level, key))

    def _refresh_options(self, selection: Selection) -> None:
        """Choices of upper union, commune and CĐCS that exist in the period and scope."""
        rows = self.index.rows(selection.indicator_id)
        rows = rows[rows["period"] == selection.period]
        cdcs = rows[rows["level"] == "cdcs"]
        uppers = sorted(set(cdcs["parent_id"].dropna().astype(str))
                        | set(rows.loc[rows["level"] == "upper_union", "unit_id"].astype(str)))
        _set_options(self.upper, [("Toàn địa bàn", ALL)] + [(self.names.get(u, u), u)
                                                              for u in uppers])
        in_upper = filter_view(rows, replace(selection, sector=None, commune=None, unit=None))
        present = set(in_upper["sector"].dropna()) | set(
            rows.loc[rows["level"] == "sector", "unit_id"])
        _set_options(self.sector, [("Tất cả", ALL)] + [(self.names[s], s) for s in SECTORS
                                                        if s in present])
        scoped = filter_view(rows, replace(selection, commune=None, unit=None))
        communes = sorted(set(scoped["commune_id"].dropna().astype(str)))
        _set_options(self.commune, [("Tất cả", ALL)] + [(self.names.get(c, c), c)
                                                         for c in communes])
        units = filter_view(rows, replace(selection, unit=None)).sort_values("unit_name")
        _set_options(self.unit, [("Tất cả", ALL)] + [(f"{n} ({u})", u) for u, n in zip(
            units["unit_id"].astype(str), units["unit_name"].astype(str), strict=True)])

    # -- update ------------------------------------------------------------------------------
    def update(self) -> None:
        """Recompute the view, the figure and the table from the controls."""
        start = time.perf_counter()
        self._drawn = 0
        self._busy = True
        try:
            self._refresh_options(self.selection)
        finally:
            self._busy = False
        selection = self.selection
        ind = self.register.get(selection.indicator_id)
        rows = self.index.rows(selection.indicator_id)
        self.view = current_view(rows, selection, self.register, self.names)
        views_done = time.perf_counter()
        own_target = self.view["target"].iloc[0] if len(self.view) else np.nan
        target = None if pd.isna(own_target) else float(own_target)
        for name in PANELS:
            self._update_panel(name, rows, ind, selection, target)
        plot_done = time.perf_counter()
        self.title.value = (f"<b>{html.escape(ind.clause)} · {html.escape(ind.name_vi)} — "
                            f"{html.escape(scope_name(selection, self.names))}</b>")
        self.header.value = self._header_html(ind, selection)
        self.table.value = view_html(self.view, ind, _drill_level(selection))
        self._fill_drill(selection)
        end = time.perf_counter()
        self.timings = {"views_ms": (views_done - start) * 1000,
                        "figure_ms": (plot_done - views_done) * 1000,
                        "panels_drawn": float(self._drawn),
                        "total_ms": (end - start) * 1000}
        self.last_update_ms = self.timings["total_ms"]

    def _panel_key(self, name: str, selection: Selection, target: float | None) -> tuple[Any, ...]:
        """What panel ``name`` shows; the same key means the same picture."""
        sel = selection
        if name == "trend":
            return (name, sel.indicator_id, len(sel.period) == 4, sel.upper_union, sel.sector,
                    sel.commune, sel.unit, sel.first_year, sel.last_year)
        if name == "distribution":
            return (name, sel.indicator_id, sel.period, sel.upper_union, sel.sector,
                    sel.commune, sel.unit, target)
        if name == "sector":
            return (name, sel.indicator_id, sel.period, sel.upper_union, sel.commune, sel.sector)
        return (name, sel.indicator_id, sel.period, sel.upper_union, sel.sector, sel.commune)

    def _update_panel(self, name: str, rows: pd.DataFrame, ind: Indicator,
                      selection: Selection, target: float | None) -> None:
        key = self._panel_key(name, selection, target)
        if self._panel_keys.get(name) == key:
            return
        image = self._chart_cache.get(key)
        if image is None:
            if name == "trend":
                data = scope_trend(rows, selection, self.register, self.names)
            elif name == "distribution":
                data = filter_view(rows, replace(selection, unit=None))
            else:
                data = breakdown(rows, selection, name, self.register, self.names)
            figure = draw_panel(name, self._figures[name], data, ind, selection, target)
            image = figure_svg(figure)
            self._chart_cache[key] = image
            if len(self._chart_cache) > 400:
                self._chart_cache.popitem(last=False)
            self._drawn += 1
        self.charts[name].value = image
        self._panel_keys[name] = key

    def _header_html(self, ind: Indicator, selection: Selection) -> str:
        own = self.view.iloc[0] if len(self.view) else None
        period = parse_period(selection.period)
        lines = [
            f"<h3 style='margin:4px 0'>{html.escape(ind.clause)} · {html.escape(ind.name_vi)}</h3>",
            f"<div><i>Kế hoạch: “{html.escape(ind.wording_vi)}”</i></div>",
            f"<div><b>{html.escape(scope_name(selection, self.names))}</b> — "
            f"{html.escape(period.label())} (số liệu đến {fmt.date(period.cut_off)})</div>",
        ]
        if own is not None:
            style = charts.status_style(own["status"])
            lines.append(
                f"<div>Tử số {fmt.number(own['numerator'])} / mẫu số "
                f"{fmt.number(own['denominator'])} = <b>{fmt.value(ind.measure, own['value'])}"
                f"</b>; chỉ tiêu {fmt.value(ind.measure, own['target'])}; "
                f"<span style='color:{style.colour}'>{style.symbol} "
                f"{html.escape(fmt.status_label(own['status']))}</span></div>")
        return "".join(lines)

    def _fill_drill(self, selection: Selection) -> None:
        self._busy = True
        try:
            rows = self.view.iloc[1:] if selection.depth != "cdcs" else self.view.iloc[0:0]
            level = _drill_level(selection)
            ind = self.register.get(selection.indicator_id)
            options = [(f"{r.unit_name} — {fmt.value(ind.measure, r.value)} "
                        f"{charts.status_style(r.status).symbol}", f"{level}|{r.unit_id}")
                       for r in rows.itertuples()]
            self.drill.options = options
            self.drill.value = None
        finally:
            self._busy = False

    # -- export ------------------------------------------------------------------------------
    def export(self, suffix: str = ".csv") -> Path:
        """Write the current view to ``out_dir`` as CSV or Excel; returns the file."""
        selection = self.selection
        ind = self.register.get(selection.indicator_id)
        stem = "_".join(p for p in (ind.id, selection.period, selection.upper_union,
                                    selection.sector, selection.commune, selection.unit) if p)
        path = self.out_dir / (re.sub(r"[^A-Za-z0-9_-]", "-", stem) + suffix)
        about = {"Chỉ tiêu": f"{ind.clause} · {ind.name_vi}", "Kế hoạch": ind.wording_vi,
                 "Kỳ": parse_period(selection.period).label(),
                 "Phạm vi": scope_name(selection, self.names)}
        return export_view(self.view, path, about=about)

    def _export(self, suffix: str) -> None:
        path = self.export(suffix)
        self.message.value = f"Đã xuất / exported: <code>{html.escape(str(path))}</code>"

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _drill_level(selection: Selection) -> str:
    depth = selection.depth
    order = ("district", "upper_union", "sector", "commune", "cdcs")
    return order[min(order.index(depth) + 1, len(order) - 1)]


def _choose(dropdown: widgets.Dropdown, value: str | None) -> None:
    """Select ``value`` when offered, else 'all'."""
    offered = {v for _label, v in dropdown.options}
    dropdown.value = value if value in offered else ALL


def _set_options(dropdown: widgets.Dropdown, options: list[tuple[str, str]]) -> None:
    """Replace a dropdown's choices, keeping its value when still offered (else 'all')."""
    if list(dropdown.options) == options:
        return
    keep = dropdown.value if dropdown.value in {v for _l, v in options} else ALL
    dropdown.options = options
    dropdown.value = keep
