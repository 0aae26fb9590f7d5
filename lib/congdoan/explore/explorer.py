"""Interactive exploration in JupyterLab: ipywidgets controls linked to charts and tables.

:class:`Explorer` builds the controls (indicator, period and trend range, upper union, sector,
commune, CĐCS), a reset and an up button, a drill-down list, the four chart panels of
:mod:`congdoan.explore.charts`, the table being viewed (:mod:`congdoan.explore.tables`), the
section III activity figures of the scope, and CSV/Excel exports.

Every change goes through :meth:`Explorer.show`: the scope is kept where it still exists
(:func:`congdoan.explore.scope.keep_scope`, with a notice for what is not), then the view is
rebuilt from the indicator history computed once (:func:`congdoan.explore.views.cached_history`)
and only the panels whose content changed are redrawn. While it works the explorer carries the
CSS class ``congdoan-busy`` (the page dims the view and says "Đang cập nhật…").

Tests and benchmarks drive it without a browser: set a control's ``value`` and read
:attr:`Explorer.view`, :attr:`Explorer.charts` (SVG text) or :attr:`Explorer.table`.
"""

from __future__ import annotations

import html
import os
import re
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import ipywidgets as widgets
import pandas as pd

from congdoan.briefing import charts as palette
from congdoan.briefing import fmt
from congdoan.core.activities import period_activities
from congdoan.core.dataset import Dataset
from congdoan.core.periods import parse_period, resolve_period
from congdoan.core.plan import Indicator, PlanRegister, load_register
from congdoan.core.workspace import active_workspace
from congdoan.engine.heap import freeze_heap
from congdoan.exceptions import Location, ParameterError
from congdoan.explore.charts import PANELS, PanelData, panel_svg
from congdoan.explore.collation import vi_sort_key
from congdoan.explore.groups import GroupFigures
from congdoan.explore.scope import Notice, ScopeOptions, keep_scope, scope_options
from congdoan.explore.tables import TABLE_CSS, activities_html, export_view, table_html
from congdoan.explore.views import (
    BY_COLUMN,
    HistoryIndex,
    Selection,
    cached_history,
    current_view,
    drill_into,
    drill_up,
    filter_view,
    name_lookup,
    scope_activities,
    scope_name,
    views_at_once,
)

ALL = ""
"""Value of the 'all' choice of a dropdown."""

__all__ = ["ALL", "EXPLORER_CSS", "Explorer", "export_link"]

EXPLORER_CSS = """
.congdoan-explorer { width: 100%; max-width: 1500px; box-sizing: border-box; }
.congdoan-explorer .widget-gridbox > .widget-inline-hbox { width: auto; min-width: 0;
  margin: 2px 0; }
.congdoan-explorer .widget-dropdown > select { min-width: 0; flex: 1 1 auto; }
.congdoan-explorer .congdoan-wide { grid-column: 1 / -1; }
@media (max-width: 600px) {
  .congdoan-explorer .widget-gridbox .widget-label { width: 88px !important; }
}
.congdoan-explorer .widget-readout { max-width: none; min-width: 7em; overflow: visible; }
.congdoan-explorer .congdoan-chart { display: block; width: 100%; height: auto; }
.congdoan-explorer .congdoan-panel { min-width: 0; }
.congdoan-explorer .congdoan-status { min-height: 1.4em; color: #444; font-weight: bold; }
.congdoan-explorer.congdoan-busy { cursor: progress; }
.congdoan-explorer.congdoan-busy .congdoan-status::before { content: ""; display: inline-block;
  width: 0.9em; height: 0.9em; margin-right: 0.4em; vertical-align: -2px; border-radius: 50%;
  border: 2px solid #bbb; border-top-color: #0072b2; animation: congdoan-spin 0.8s linear infinite; }
.congdoan-explorer.congdoan-busy .congdoan-status::after { content: "Đang cập nhật…"; }
@keyframes congdoan-spin { to { transform: rotate(360deg); } }
.congdoan-explorer .congdoan-dims { transition: opacity 0.12s 0.08s; }
.congdoan-explorer.congdoan-busy .congdoan-dims { opacity: 0.45; }
.congdoan-explorer .congdoan-notice { background: #fff8e1; border-left: 4px solid #b26a00;
  padding: 4px 8px; margin: 4px 0; }
.congdoan-explorer .congdoan-notice i { color: #555; }
.congdoan-explorer h4 { margin: 12px 0 4px; }
.congdoan-explorer .widget-html-content { line-height: 1.45; }
table.congdoan-view tbody tr:first-child { font-weight: bold; background: #fafafa; }
table.congdoan-activities tbody tr:first-child { font-weight: normal; background: none; }
table.congdoan-activities tbody tr:last-child { font-weight: bold; background: #fafafa; }
"""
"""Style of the explorer: grids that fit 1024 px to wide screens, the busy state, the tables."""

_SCOPE_FIELDS = ("upper_union", "sector", "commune", "unit")


class Explorer:
    """Controls, charts and tables for one dataset; every control change updates the view.

    Args:
        dataset: the data (``congdoan.core.sources.open_dataset``).
        period: initial analysis period, or ``'latest'`` (latest complete period).
        indicator: initial indicator id (default the first of the register).
        upper_union, sector, commune, unit: initial scope (None = all); an id that does not
            exist in the period is a ParameterError.
        history: a precomputed history (default :func:`congdoan.explore.views.cached_history`).
        register: the plan register (default ``params/plan.yaml``).
        out_dir: where exports are written (default ``output/explore`` of the workspace in
            force, which ``congdoan lab`` serves: JupyterLab's file browser shows it).

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
        self.figures = GroupFigures(dataset, self.register)
        """The engine's figures of the combined scopes viewed (remembered)."""
        self.out_dir = (Path(out_dir) if out_dir is not None
                        else active_workspace().output_dir / "explore")
        periods = self.index.periods
        start = resolve_period(period, dataset)
        if start not in periods:  # a history given by the caller may hold fewer periods
            raise ParameterError("Kỳ báo cáo nằm ngoài dữ liệu.", "Period outside the data.",
                                 value=period, expected="một trong: " + ", ".join(periods))
        ids = [i.id for i in self.register.indicators if i.id in self.index.by_indicator]
        first = indicator or ids[0]
        self.index.rows(first)  # refuses an unknown id
        years = sorted({int(p[:4]) for p in periods})
        self.view = pd.DataFrame()
        self.activities = pd.DataFrame()
        self.notices: list[Notice] = []
        self.last_update_ms = 0.0
        self.timings: dict[str, float] = {}
        self._quiet = False
        self._drawn = 0
        self._panel_keys: dict[str, tuple[Any, ...]] = {}
        self._cache: OrderedDict[tuple[Any, ...], Any] = OrderedDict()
        self.selection = Selection(first, start, first_year=years[0], last_year=years[-1])
        """What the explorer shows (the controls follow it)."""
        self.initial = self.selection
        """The selection the explorer started with (the reset button returns to it)."""

        style = {"description_width": "135px"}
        # the grid sizes the controls (EXPLORER_CSS): they have no width of their own
        self.indicator = widgets.Dropdown(
            description="Chỉ tiêu", value=first, style=style,
            options=[(f"{i.clause} · {i.name_vi}", i.id) for i in self.register.indicators
                     if i.id in ids])
        self.indicator.add_class("congdoan-wide")
        self.period = widgets.Dropdown(
            description="Kỳ", value=start, style=style,
            options=[(f"{parse_period(p).label()} ({p})", p) for p in periods])
        self.years = widgets.IntRangeSlider(
            description="Diễn biến từ–đến", value=(years[0], years[-1]), min=years[0],
            max=years[-1], style=style)
        self.upper = widgets.Dropdown(description="Công đoàn cấp trên", style=style,
                                      options=[("Toàn địa bàn", ALL)], value=ALL)
        self.sector = widgets.Dropdown(description="Khu vực", style=style,
                                       options=[("Tất cả", ALL)], value=ALL)
        self.commune = widgets.Dropdown(description="Xã, phường", style=style,
                                        options=[("Tất cả", ALL)], value=ALL)
        self.unit = widgets.Dropdown(description="CĐCS", style=style,
                                     options=[("Tất cả", ALL)], value=ALL)
        self.up = widgets.Button(description="Lên một cấp",
                                 tooltip="Bỏ chọn cấp sâu nhất / one level up")
        self.reset = widgets.Button(description="Đặt lại",
                                    tooltip="Về lựa chọn ban đầu / back to the start")
        self.status = widgets.HTML(layout=widgets.Layout(margin="0 0 0 12px"))
        self.status.add_class("congdoan-status")
        self.notice = widgets.HTML()
        self.header = widgets.HTML()
        self.charts = {name: widgets.HTML(layout=widgets.Layout(min_width="0"))
                       for name in PANELS}
        for panel in self.charts.values():
            panel.add_class("congdoan-panel")
        self.table = widgets.HTML()
        self.drill = widgets.Select(description="Xem chi tiết", rows=8, style=style,
                                    layout=widgets.Layout(width="100%", max_width="720px"),
                                    options=[])
        self.export_csv = widgets.Button(description="Xuất CSV")
        self.export_xlsx = widgets.Button(description="Xuất Excel")
        self.links = widgets.Output()
        self.activity_table = widgets.HTML()

        self._field_of = {self.indicator: "indicator_id", self.period: "period",
                          self.years: "years", self.upper: "upper_union",
                          self.sector: "sector", self.commune: "commune", self.unit: "unit"}
        for control in self._field_of:
            control.observe(self._on_change, names="value")
        self.drill.observe(self._on_drill, names="value")
        self.up.on_click(lambda _b: self.show(drill_up(self.selection)))
        self.reset.on_click(lambda _b: self.show(self.initial))
        self.export_csv.on_click(lambda _b: self._export(".csv"))
        self.export_xlsx.on_click(lambda _b: self._export(".xlsx"))
        self.widget = self._layout()
        self.widget.add_class("congdoan-explorer")

        wanted = replace(self.selection, upper_union=upper_union, sector=sector,
                         commune=commune, unit=unit)
        self.show(wanted)
        if self.selection != wanted:
            raise ParameterError(
                "Phạm vi không có trong kỳ báo cáo đã chọn.",
                "Scope not found in the chosen period.", value=scope_name(wanted, {}),
                location=Location(field="upper_union/sector/commune/unit"),
                expected="mã công đoàn cấp trên, khu vực, xã, CĐCS có trong kỳ")
        self.initial = self.selection
        # the explorer's data and the libraries stay for the session; a full collection falls
        # due every few control changes; an explorer made again releases the previous one's
        # frozen objects first
        freeze_heap(release=True)

    def _layout(self) -> widgets.VBox:
        controls = widgets.GridBox(
            [self.indicator, self.period, self.years, self.upper, self.sector, self.commune,
             self.unit],
            layout=widgets.Layout(width="100%", grid_gap="2px 18px",
                                  grid_template_columns="repeat(auto-fit, minmax(min(330px, 100%), 1fr))"))
        panels = widgets.GridBox(
            [self.charts[name] for name in PANELS],
            layout=widgets.Layout(width="100%", grid_gap="6px 18px",
                                  grid_template_columns="repeat(auto-fit, minmax(min(400px, 100%), 1fr))"))
        buttons = widgets.HBox([self.up, self.reset, self.status],
                               layout=widgets.Layout(align_items="center", flex_flow="row wrap"))
        drill = widgets.HBox([self.drill, widgets.VBox([self.export_csv, self.export_xlsx])],
                             layout=widgets.Layout(flex_flow="row wrap", width="100%"))
        results = widgets.VBox([
            self.header, panels,
            widgets.HTML("<h4>Bảng đang xem</h4>"), self.table, drill, self.links,
            widgets.HTML("<h4>Hoạt động theo Phần III của kế hoạch (không có chỉ tiêu số)</h4>"),
            self.activity_table,
        ], layout=widgets.Layout(width="100%"))
        results.add_class("congdoan-dims")
        return widgets.VBox([widgets.HTML(f"<style>{EXPLORER_CSS}{TABLE_CSS}</style>"), controls,
                             buttons,
                             self.notice, results], layout=widgets.Layout(width="100%"))

    # -- changes -----------------------------------------------------------------------------
    @contextmanager
    def _busy(self) -> Iterator[None]:
        """The busy state (CSS class) while the explorer works; controls set without events."""
        self.widget.add_class("congdoan-busy")
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet
            self.widget.remove_class("congdoan-busy")

    def _on_change(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        field, new = self._field_of[change["owner"]], change["new"]
        if field == "years":
            wanted = replace(self.selection, first_year=int(new[0]), last_year=int(new[1]))
        else:
            changed: dict[str, Any] = {field: (new or None) if field in _SCOPE_FIELDS
                                       else str(new)}
            wanted = replace(self.selection, **changed)
        self.show(wanted, follow_unit=field in ("indicator_id", "period"))

    def _on_drill(self, change: Mapping[str, Any]) -> None:
        if self._quiet or not change["new"]:
            return
        level, key = str(change["new"]).split("|", 1)
        self.show(drill_into(self.selection, level, key))

    def show(self, wanted: Selection, *, follow_unit: bool = True) -> None:
        """Show ``wanted``: keep what exists of its scope, set the controls, update the view.

        ``follow_unit``: a chosen CĐCS that moved to another upper union stays chosen (after a
        change of period or indicator); when the analyst chose the upper union, sector or
        commune, a CĐCS outside it is cleared instead. :attr:`notices` say what was not kept.
        """
        start = time.perf_counter()
        with self._busy():
            period_rows = self.index.period_rows(wanted.indicator_id, wanted.period)
            kept, self.notices = keep_scope(
                wanted, period_rows, self.names, follow_unit=follow_unit,
                options=lambda probe: self._options(probe, period_rows))
            self._set_controls(kept, period_rows)
            self.selection = kept
            self._update(start)

    def _memo(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        """``make()`` remembered under ``key`` (the last few thousand results are kept)."""
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        value = make()
        self._cache[key] = value
        if len(self._cache) > 3000:
            self._cache.popitem(last=False)
        return value

    def _options(self, selection: Selection, period_rows: pd.DataFrame) -> ScopeOptions:
        """:func:`scope_options` remembered."""
        sel = selection
        options: ScopeOptions = self._memo(
            ("options", sel.indicator_id, sel.period, sel.upper_union, sel.sector, sel.commune),
            lambda: scope_options(period_rows, selection, self.names))
        return options

    def _set_controls(self, selection: Selection, period_rows: pd.DataFrame) -> None:
        options = self._options(selection, period_rows)
        name = self.names.get
        _set(self.indicator, None, selection.indicator_id)
        _set(self.period, None, selection.period)
        if selection.first_year is not None and selection.last_year is not None:
            self.years.value = (selection.first_year, selection.last_year)
        _set(self.upper, [("Toàn địa bàn", ALL)] + [(name(u, u), u)
                                                     for u in options.upper_unions],
             selection.upper_union)
        _set(self.sector, [("Tất cả", ALL)] + [(name(s, s), s) for s in options.sectors],
             selection.sector)
        _set(self.commune, [("Tất cả", ALL)] + [(name(c, c), c) for c in options.communes],
             selection.commune)
        _set(self.unit, [("Tất cả", ALL)] + [(f"{name(u, u)} ({u})", u) for u in options.units],
             selection.unit)

    # -- update ------------------------------------------------------------------------------
    def update(self) -> None:
        """Recompute the view, the panels and the tables for :attr:`selection`."""
        with self._busy():
            self._update(time.perf_counter())

    def _update(self, start: float) -> None:
        self._drawn = 0
        sel = self.selection
        ind = self.register.get(sel.indicator_id)
        rows = self.index.rows(sel.indicator_id)
        view_key = (sel.indicator_id, sel.period, sel.upper_union, sel.sector, sel.commune,
                    sel.unit)
        level = _drill_level(sel)
        # what must be computed (not remembered), so that its groups are judged in one call
        wanted = []
        if ("view", *view_key) not in self._cache:
            wanted += ["own"] + ([] if sel.depth == "cdcs" else [level])
        for name in ("trend", "sector", "commune"):
            key = self._panel_key(name, sel, None)
            if self._panel_keys.get(name) != key and key not in self._cache:
                wanted.append(name)
        frames = self._frames(rows, sel, list(dict.fromkeys(wanted)))
        self.view = self._memo(("view", *view_key), lambda: current_view(
            rows, sel, self.figures, self.names, own=frames["own"],
            children=None if sel.depth == "cdcs" else by_name(frames[level])))
        views_done = time.perf_counter()
        own_target = self.view["target"].iloc[0] if len(self.view) else float("nan")
        target = None if pd.isna(own_target) else float(own_target)
        for name in PANELS:
            self._update_panel(name, rows, ind, sel, target, frames)
        plot_done = time.perf_counter()
        self.notice.value = "".join(
            f'<div class="congdoan-notice" role="status">{html.escape(n.vi)} '
            f"<i>/ {html.escape(n.en)}</i></div>" for n in self.notices)
        self.header.value = self._header_html(ind, sel)
        self.table.value = self._memo(("table", *view_key),
                                      lambda: table_html(self.view, ind, level))
        self._fill_drill(sel, ind)
        self.activities = self._activities(sel)
        self.activity_table.value = activities_html(self.activities)
        end = time.perf_counter()
        self.timings = {"views_ms": (views_done - start) * 1000,
                        "figure_ms": (plot_done - views_done) * 1000,
                        "panels_drawn": float(self._drawn),
                        "total_ms": (end - start) * 1000}
        self.last_update_ms = self.timings["total_ms"]

    def _frame_key(self, selection: Selection, name: str) -> tuple[Any, ...]:
        """What frame ``name`` of :func:`views_at_once` depends on."""
        sel = selection
        if name == "trend":
            return ("frame", name, sel.indicator_id, sel.period[4:], sel.upper_union,
                    sel.sector, sel.commune, sel.unit, sel.first_year, sel.last_year)
        if name == "own":
            return ("frame", name, sel.indicator_id, sel.period, sel.upper_union, sel.sector,
                    sel.commune, sel.unit)
        ignored = BY_COLUMN[name]
        filters = tuple(sorted((c, v) for c, v in sel.filters.items()
                               if c not in (ignored, "unit_id")))
        return ("frame", name, sel.indicator_id, sel.period, filters)

    def _frames(self, rows: pd.DataFrame, selection: Selection,
                wanted: list[str]) -> dict[str, pd.DataFrame]:
        """Frames of :func:`views_at_once`, remembered; the missing ones computed together."""
        keys = {name: self._frame_key(selection, name) for name in wanted}
        missing = [name for name in wanted if keys[name] not in self._cache]
        computed = (views_at_once(rows, selection, self.figures, self.names, missing)
                    if missing else {})
        return {name: self._memo(keys[name], partial(computed.__getitem__, name))
                for name in wanted}

    def _panel_key(self, name: str, selection: Selection, target: float | None) -> tuple[Any, ...]:
        """What panel ``name`` shows; the same key means the same picture."""
        sel = selection
        if name == "distribution":
            return (name, sel.indicator_id, sel.period, sel.upper_union, sel.sector,
                    sel.commune, sel.unit, target)
        return ("panel", *self._frame_key(sel, name)[1:],
                sel.sector if name == "sector" else sel.commune)

    def _update_panel(self, name: str, rows: pd.DataFrame, ind: Indicator, selection: Selection,
                      target: float | None, frames: Mapping[str, pd.DataFrame]) -> None:
        key = self._panel_key(name, selection, target)
        if self._panel_keys.get(name) == key:
            return

        def draw() -> str:
            self._drawn += 1
            if name == "distribution":
                data = PanelData(filter_view(rows, replace(selection, unit=None)),
                                 highlight=selection.unit, target=target)
            else:
                highlight = {"sector": selection.sector, "commune": selection.commune}
                data = PanelData(frames[name], highlight=highlight.get(name))
            return panel_svg(name, data, ind)

        self.charts[name].value = self._memo(key, draw)
        self._panel_keys[name] = key

    def _activities(self, selection: Selection) -> pd.DataFrame:
        """Section III totals of the CĐCS in scope (all CĐCS, whatever the indicator)."""
        rows = self._memo(("activities", selection.period),
                          lambda: period_activities(self.dataset, selection.period))
        frame: pd.DataFrame = self._memo(
            ("activity totals", selection.period, *sorted(selection.filters.items())),
            lambda: scope_activities(rows, selection))
        return frame

    def _header_html(self, ind: Indicator, selection: Selection) -> str:
        own = self.view.iloc[0] if len(self.view) else None
        period = parse_period(selection.period)
        lines = [
            f"<h3 style='margin:6px 0 2px'>{html.escape(ind.clause)} · "
            f"{html.escape(ind.name_vi)}</h3>",
            f"<div><i>Kế hoạch: “{html.escape(ind.wording_vi)}”</i></div>",
            f"<div><b>{html.escape(scope_name(selection, self.names))}</b> — "
            f"{html.escape(period.label())} (số liệu đến {fmt.date(period.cut_off)})</div>",
        ]
        if own is not None:
            style = palette.status_style(own["status"])
            lines.append(
                f"<div>Tử số {fmt.number(own['numerator'])} / mẫu số "
                f"{fmt.number(own['denominator'])} = <b>{fmt.value(ind.measure, own['value'])}"
                f"</b>; mục tiêu {fmt.value(ind.measure, own['target'])}; "
                f"<span style='color:{style.colour}' aria-hidden='true'>{style.symbol}</span> "
                f"<b>{html.escape(fmt.status_label(own['status']))}</b>{_coverage_note(own)}"
                "</div>")
        return "".join(lines)

    def _fill_drill(self, selection: Selection, ind: Indicator) -> None:
        rows = self.view.iloc[1:] if selection.depth != "cdcs" else self.view.iloc[0:0]
        level = _drill_level(selection)
        options = [(f"{r.unit_name} — {fmt.value(ind.measure, r.value)} "
                    f"{palette.status_style(r.status).symbol}", f"{level}|{r.unit_id}")
                   for r in rows.itertuples()]
        quiet, self._quiet = self._quiet, True
        try:
            if list(self.drill.options) != options:
                self.drill.options = options
            self.drill.value = None
        finally:
            self._quiet = quiet

    # -- export ------------------------------------------------------------------------------
    def export(self, suffix: str = ".csv") -> Path:
        """Write the current view to :attr:`out_dir` as CSV or Excel; returns the file."""
        selection = self.selection
        ind = self.register.get(selection.indicator_id)
        stem = "_".join(p for p in (ind.id, selection.period, selection.upper_union,
                                    selection.sector, selection.commune, selection.unit) if p)
        path = self.out_dir / (re.sub(r"[^A-Za-z0-9_-]", "-", stem) + suffix)
        about = {"Chỉ tiêu": f"{ind.clause} · {ind.name_vi}", "Kế hoạch": ind.wording_vi,
                 "Kỳ": parse_period(selection.period).label(),
                 "Phạm vi": scope_name(selection, self.names)}
        return export_view(self.view, path, ind, child_level=_drill_level(selection),
                           about=about)

    def _export(self, suffix: str) -> None:
        path = self.export(suffix)
        # an output (not an HTML widget) so that JupyterLab resolves the relative link
        link = export_link(path)
        self.links.outputs = ({"output_type": "display_data", "metadata": {},
                               "data": {"text/html": link, "text/plain": str(path)}},)

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def export_link(path: Path, folder: Path | None = None) -> str:
    """HTML saying where an export was written, with a link to it.

    The link is relative to ``folder`` (default: the working folder, which in JupyterLab is the
    notebook's folder): JupyterLab resolves a notebook output's relative links from the
    notebook's folder within its file browser, and serves the file from there.
    """
    folder = Path.cwd() if folder is None else folder
    shown = f"<code>{html.escape(str(path))}</code>"
    try:
        relative = Path(os.path.relpath(path.resolve(), folder.resolve())).as_posix()
    except ValueError:  # another drive: no relative link
        return f"Đã xuất / exported: {shown}"
    return (f'Đã xuất / exported: <a href="{html.escape(relative, quote=True)}" '
            f'download="{html.escape(path.name, quote=True)}" target="_blank">'
            f"{html.escape(path.name)}</a> ({shown})")


def by_name(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` in Vietnamese alphabetical order of ``unit_name``."""
    order = sorted(range(len(frame)), key=lambda i: vi_sort_key(frame["unit_name"].iloc[i]))
    return frame.iloc[order].reset_index(drop=True)


def _coverage_note(own: pd.Series) -> str:
    """'; tạm tính: đã nhận 67% báo cáo' after a provisional figure, else nothing."""
    if not bool(own.get("provisional", False)):
        return ""
    return (f"; <b>{fmt.PROVISIONAL['vi']}</b>: đã nhận {fmt.percent(own['coverage'])} báo cáo "
            f"({fmt.number(own['units_reported'])}/{fmt.number(own['units_expected'])} CĐCS)")


def _drill_level(selection: Selection) -> str:
    depth = selection.depth
    order = ("organisation", "upper_union", "sector", "commune", "cdcs")
    return order[min(order.index(depth) + 1, len(order) - 1)]


def _set(dropdown: widgets.Dropdown, options: list[tuple[str, str]] | None,
         value: str | None) -> None:
    """Set a dropdown's choices (when given and changed) and value in one message."""
    with dropdown.hold_sync():
        if options is not None and list(dropdown.options) != options:
            dropdown.options = options
        wanted = ALL if value is None else value
        if dropdown.value != wanted:
            dropdown.value = wanted
