"""The explorer's charts: the four panels of :class:`congdoan.explore.explorer.Explorer` as SVG.

:data:`PANELS` names them: the indicator against its target over time (:func:`trend_plot`), the
distribution across CĐCS (:func:`distribution_plot`) and the breakdowns by sector and by commune
(:func:`breakdown_plot`). The explorer keeps one figure per panel (:func:`new_panel_figure`),
redraws it in place (:func:`draw_panel`) and shows its SVG bytes (:func:`figure_svg`). Each plot
function also works alone: pass data (and an optional ``ax``), get a Figure.

Drawn with plain Axes calls under the seaborn theme of :mod:`congdoan.briefing.charts` (seaborn's own
plotting functions cost ~50–100 ms each, too slow for a 200 ms update); fixed margins instead of
constrained layout for the same reason.
"""

from __future__ import annotations

import io

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, ScalarFormatter

from congdoan.briefing import charts, fmt
from congdoan.core.plan import Indicator
from congdoan.explore.views import Selection

__all__ = [
    "PANELS", "breakdown_plot", "distribution_plot", "draw_panel", "figure_svg",
    "new_panel_figure", "trend_plot",
]


def _axis(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is not None:
        figure = ax.get_figure()
        assert isinstance(figure, Figure)
        return figure, ax
    charts.apply_theme()
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _percent_axis(ax: Axes, ind: Indicator, axis: str) -> None:
    if ind.measure == "share":
        formatter = FuncFormatter(lambda x, _pos: fmt.percent(x, decimals=0))
        (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _reset(ax: Axes) -> None:
    """Empty an axes for reuse without ``ax.clear()`` (which rebuilds every tick: slow)."""
    for artist in [*ax.lines, *ax.patches, *ax.collections, *ax.texts]:
        artist.remove()
    if ax.legend_ is not None:
        ax.legend_.remove()
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_locator(MaxNLocator(nbins=5))
        axis.set_major_formatter(ScalarFormatter())
    ax.tick_params(axis="both", labelrotation=0, labelsize=7.5)
    ax.set_xlabel("")
    ax.set_ylabel("")


def _no_data(ax: Axes, title: str) -> None:
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_title(title, loc="left", y=1.01)
    ax.text(0.5, 0.5, fmt.status_label("no_data"), ha="center", va="center",
            transform=ax.transAxes, color=charts.INK)
    ax.set_xticks([])
    ax.set_yticks([])


def trend_plot(trend: pd.DataFrame, ind: Indicator, *, ax: Axes | None = None,
               title: str = "Diễn biến so với chỉ tiêu") -> Figure:
    """The selection's value by period (marker = status) against its target (dashed)."""
    figure, ax = _axis(ax, (5.5, 3))
    values = pd.to_numeric(trend["value"], errors="coerce").to_numpy(dtype=float)
    if trend.empty or np.isnan(values).all():
        _no_data(ax, title)
        return figure
    x = np.arange(len(trend))
    ax.plot(x, values, color=charts.SERIES_STYLES["unit"][0], lw=1.6, label="Thực hiện",
            zorder=2)
    for status in pd.unique(trend["status"]):
        style = charts.status_style(status)
        mask = (trend["status"] == status).to_numpy() & ~np.isnan(values)
        ax.scatter(x[mask], values[mask], marker=style.marker, color=style.colour, s=46,
                   zorder=3, edgecolor="white" if style.marker not in "_|x+" else None,
                   linewidth=0.6,
                   label=f"{style.symbol} {fmt.status_label(status)}")
    targets = pd.to_numeric(trend["target"], errors="coerce").to_numpy(dtype=float)
    if not np.isnan(targets).all():
        ax.step(x, targets, where="mid", color=charts.INK, lw=1, ls="--", label="Chỉ tiêu")
    ax.set_xlim(-0.5, len(x) - 0.5)
    many = len(x) > 6
    ax.set_xticks(x, list(trend["period"]), rotation=40 if many else 0,
                  ha="right" if many else "center", fontsize=6.5 if many else 7.5)
    _percent_axis(ax, ind, "y")
    top = float(np.nanmax(np.r_[values, targets, 0]))
    ax.set_ylim(0, (max(1.0, top) if ind.measure == "share" else max(top, 1.0)) * 1.08)
    ax.legend(loc="lower right", frameon=True, framealpha=0.9, fontsize=6.5, ncol=2)
    ax.set_title(title, loc="left", y=1.01)
    return figure


def distribution_plot(cdcs: pd.DataFrame, ind: Indicator, target: float | None, *,
                      ax: Axes | None = None, title: str = "Phân bố giữa các CĐCS",
                      highlight: str | None = None) -> Figure:
    """Histogram of the CĐCS' values (those with data), the target and the chosen CĐCS."""
    figure, ax = _axis(ax, (5.5, 3))
    values = pd.to_numeric(cdcs["value"], errors="coerce").dropna().to_numpy(dtype=float)
    if len(values) == 0:
        _no_data(ax, title)
        return figure
    top = max(1.0, float(values.max())) if ind.measure == "share" else float(values.max())
    edges = np.linspace(0, top, 11) if ind.measure == "share" or top > 20 else np.arange(
        -0.5, top + 1.5)
    counts, _edges, _bars = ax.hist(values, bins=[float(e) for e in edges],
                                    color=charts.SERIES_STYLES["unit"][0], edgecolor="white")
    if target is not None and not np.isnan(target):
        ax.axvline(target, color=charts.INK, ls="--", lw=1, label="Chỉ tiêu")
    chosen = cdcs.loc[cdcs["unit_id"] == highlight, "value"] if highlight else cdcs["value"][:0]
    if len(chosen) and pd.notna(chosen.iloc[0]):
        ax.axvline(float(chosen.iloc[0]), color=charts.STATUS_STYLES["acceleration_needed"].colour,
                   lw=2.5, label=_short(str(cdcs.loc[chosen.index[0], "unit_name"])))
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", frameon=False, fontsize=6.5)
    ax.set_xlim(float(edges[0]), float(edges[-1]))
    ax.set_ylim(0, max(float(np.max(counts)), 1.0) * 1.1)
    _percent_axis(ax, ind, "x")
    ax.set_ylabel("Số CĐCS")
    ax.set_title(f"{title} ({fmt.number(len(values))} CĐCS có số liệu)", loc="left", y=1.01)
    return figure


def breakdown_plot(rows: pd.DataFrame, ind: Indicator, *, highlight: str | None = None,
                   ax: Axes | None = None, title: str = "", limit: int = 15) -> Figure:
    """Horizontal bars, one per group (lowest ``limit`` values), coloured by status.

    The chosen group (``highlight``) is outlined; the target is a dashed line.
    """
    figure, ax = _axis(ax, (5.5, 3))
    data = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce")).dropna(
        subset=["value"])
    if data.empty:
        _no_data(ax, title)
        return figure
    data = data.sort_values("value", ascending=False).tail(limit)
    y = np.arange(len(data))
    chosen = data["unit_id"].astype(str).eq(highlight or "\0").to_numpy()
    ax.barh(y, data["value"].to_numpy(dtype=float),
            color=[charts.status_style(s).colour for s in data["status"]],
            edgecolor=np.where(chosen, charts.INK, "white"), linewidth=np.where(chosen, 2, 0.5))
    ax.set_yticks(y, [_short(str(n)) for n in data["unit_name"]],
                  fontsize=6.5 if len(data) > 10 else 7.5)
    targets = pd.to_numeric(data["target"], errors="coerce").dropna()
    if not targets.empty:
        ax.axvline(float(targets.iloc[0]), color=charts.INK, ls="--", lw=1)
    top = max(float(data["value"].max()), float(targets.max()) if not targets.empty else 0.0)
    ax.set_xlim(0, max(top, 1e-9) * 1.05)
    ax.set_ylim(-0.6, max(len(data), 3) - 0.4)
    _percent_axis(ax, ind, "x")
    ax.set_title(title + (f" ({limit} thấp nhất)" if len(rows) > limit else ""), loc="left", y=1.01)
    return figure


def _short(name: str, width: int = 30) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


PANELS = ("trend", "distribution", "sector", "commune")
"""The four charts of the explorer, each its own image (only changed ones are redrawn)."""


def new_panel_figure(name: str = "trend") -> Figure:
    """An empty one-panel figure with fixed margins (cheap to redraw).

    Bar panels leave room for the group names on the left.
    """
    charts.apply_theme()
    figure = Figure(figsize=(5.5, 3.5))
    bars = name in ("sector", "commune")
    ax = figure.subplots(gridspec_kw={"left": 0.36 if bars else 0.12, "right": 0.97,
                                      "top": 0.9, "bottom": 0.17})
    # no tick marks (the theme hides them anyway) and no grid along the bars: fewer artists
    ax.tick_params(bottom=False, left=False, top=False, right=False)
    if bars:
        ax.yaxis.grid(False)
    return figure


def draw_panel(name: str, figure: Figure, data: pd.DataFrame, ind: Indicator,
               selection: Selection, target: float | None = None) -> Figure:
    """Draw panel ``name`` (one of :data:`PANELS`) on a reused figure and return it."""
    ax = figure.axes[0]
    _reset(ax)
    if name == "trend":
        trend_plot(data, ind, ax=ax)
    elif name == "distribution":
        distribution_plot(data, ind, target, ax=ax, highlight=selection.unit)
    elif name == "sector":
        breakdown_plot(data, ind, highlight=selection.sector, ax=ax, title="Theo khu vực")
    else:
        breakdown_plot(data, ind, highlight=selection.commune, ax=ax, title="Theo xã, thị trấn")
    return figure


def figure_svg(figure: Figure) -> bytes:
    """SVG bytes of ``figure``, its text kept as text.

    No glyph rasterising makes it ~40 % faster than PNG; it is crisp at any zoom and the browser
    draws the Vietnamese text with its own fonts.
    """
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "congdoan"}):
        figure.savefig(buffer, format="svg")
    return buffer.getvalue()
