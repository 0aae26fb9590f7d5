"""Charts of the briefings; the one module that owns the theme, the status palette and fonts.

The status palette is the Okabe–Ito colour-blind-safe set, and every status also has a marker
shape and a text symbol, so a status never depends on colour alone. Plot functions take data
(and an optional ``ax``), never read files, and return the :class:`~matplotlib.figure.Figure`.
Figures are built without pyplot, so a kernel never shows them twice; :func:`png` turns one into
an embeddable image.
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from congdoan._compat.matplotlib import clear_axes, keep_text_bitmaps, keeps_figures
from congdoan.briefing import fmt
from congdoan.core.periods import parse_period

FONT_FAMILY = ["DejaVu Sans", "Noto Sans", "sans-serif"]
"""Fonts that cover Vietnamese (DejaVu Sans ships with matplotlib)."""

PNG_DPI = 150
"""Resolution of the embedded chart images (sharp on A4 at full text width)."""

INK = "#222222"
GRID = "#d9d9d9"


@dataclass(frozen=True)
class StatusStyle:
    """How a status is drawn: colour (Okabe–Ito), marker shape and text symbol."""

    colour: str
    marker: str
    symbol: str


STATUS_STYLES: dict[str, StatusStyle] = {
    "met": StatusStyle("#009E73", "o", "✔"),
    "achieved": StatusStyle("#009E73", "o", "✔"),
    "on_track": StatusStyle("#0072B2", "^", "▲"),
    "acceleration_needed": StatusStyle("#E69F00", "D", "◆"),
    "limited_progress": StatusStyle("#D55E00", "v", "▼"),
    "not_met": StatusStyle("#D55E00", "X", "✘"),
    "moving_away": StatusStyle("#CC79A7", "X", "✘"),
    "no_data": StatusStyle("#7f7f7f", "s", "?"),
    "not_applicable": StatusStyle("#bbbbbb", "_", "–"),
    "on_time": StatusStyle("#009E73", "o", "✔"),
    "late": StatusStyle("#E69F00", "D", "◆"),
    "missing": StatusStyle("#D55E00", "X", "✘"),
}
"""Colour, marker and symbol of every status."""

SERIES_STYLES: dict[str, tuple[str, str]] = {
    "unit": ("#0072B2", "o"),
    "sector": ("#E69F00", "s"),
    "upper_union": ("#009E73", "D"),
    "district": ("#555555", "^"),
}
"""Colour and marker of the comparison series (this union, its sector, its upper union …)."""


def status_style(status: Any) -> StatusStyle:
    """Style of ``status`` (unknown → the no-data style)."""
    return STATUS_STYLES.get(str(status), STATUS_STYLES["no_data"])


def apply_theme() -> None:
    """Set the seaborn/matplotlib theme used by every chart (idempotent)."""
    sns.set_theme(context="paper", style="whitegrid", font=FONT_FAMILY[0], rc={
        "font.family": "sans-serif",
        # DejaVu Sans alone: it covers Vietnamese and the status symbols, and a fallback list
        # makes matplotlib lay out every text with several fonts (~10 % of the drawing time)
        "font.sans-serif": FONT_FAMILY[:1],
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "axes.titlesize": 9,
        "axes.titleweight": "bold",
        "axes.labelsize": 8,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "legend.fontsize": 7.5,
        "grid.color": GRID,
        "figure.dpi": 100,
        "savefig.dpi": PNG_DPI,
    })


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    apply_theme()
    if ax is not None:
        figure = ax.get_figure()
        assert isinstance(figure, Figure)
        return figure, ax
    figure = Figure(figsize=size, layout="constrained")
    return figure, figure.add_subplot()


def _share_axis(ax: Axes, axis: str, lang: str) -> None:
    formatter = FuncFormatter(lambda x, _pos: fmt.percent(x, lang, decimals=0))
    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(formatter)


def _agg_canvas(figure: Figure) -> Any:
    """The figure's Agg canvas, made once and then kept with the figure.

    Its renderer is kept too (while the size and resolution stay), and with it matplotlib's
    cache of text sizes, which is keyed by renderer: a kept trend grid, or a comparison chart
    whose margins were measured, is drawn without measuring its texts again. A new canvas per
    drawing would also leave one dead cache entry per text behind (up to 4096), which every
    full garbage collection of the kernel then walks.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = figure.canvas
    return canvas if isinstance(canvas, FigureCanvasAgg) else FigureCanvasAgg(figure)


def png(figure: Figure, dpi: int = PNG_DPI) -> bytes:
    """The figure as PNG bytes (RGB when the figure is opaque, as every chart here is).

    An opaque chart is stored without an alpha channel: the same pixels, a smaller file, and
    WeasyPrint need not split off and re-compress an alpha mask for each image of a PDF. Texts
    are drawn from kept glyph bitmaps (:func:`_draw_text_kept`).
    """
    canvas = _agg_canvas(figure)
    screen_dpi = figure.dpi
    figure.set_dpi(dpi)
    try:
        keep_text_bitmaps(canvas.get_renderer())  # the renderer canvas.draw() uses
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        pixels = rgba[..., :3] if rgba[..., 3].min() == 255 else rgba
        return encode_png(pixels, dpi)
    finally:
        figure.set_dpi(screen_dpi)


def encode_png(pixels: np.ndarray, dpi: int = PNG_DPI, level: int = 3) -> bytes:
    """An 8-bit RGB (height × width × 3) or RGBA (× 4) array as a PNG file.

    Every row is stored unfiltered and zlib-compressed at ``level``. Pillow's encoder picks a
    PNG filter row by row: for these flat-coloured charts it took 1.5–2.5 times as long
    (10–15 ms a chart, measured side by side) for a file about 10 % smaller.
    """
    height, width, channels = pixels.shape
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None"
    target = rows[:, 1:].reshape(height, width, channels)
    for channel in range(channels):  # one channel at a time: ~5x faster than all at once
        target[..., channel] = pixels[..., channel]

    def chunk(kind: bytes, data: bytes) -> bytes:
        # the CRC runs on kind, then data: no joined copy of the image data for it
        return (struct.pack("!I", len(data)) + kind + data
                + struct.pack("!I", zlib.crc32(data, zlib.crc32(kind))))

    per_metre = round(dpi / 0.0254)
    colour = {3: 2, 4: 6}[channels]  # truecolour, truecolour with alpha
    return b"".join([
        b"\x89PNG\r\n\x1a\n",
        chunk(b"IHDR", struct.pack("!IIBBBBB", width, height, 8, colour, 0, 0, 0)),
        chunk(b"pHYs", struct.pack("!IIB", per_metre, per_metre, 1)),
        chunk(b"IDAT", zlib.compress(rows.data, level)),  # the array's buffer, not a bytes copy
        chunk(b"IEND", b""),
    ])


def image(figure: Figure, dpi: int = PNG_DPI) -> Any:
    """An IPython image of the figure (embedded as PNG in notebooks and their HTML)."""
    from IPython.display import Image

    return Image(data=png(figure, dpi), format="png")


def trend(history: pd.DataFrame, *, lang: str = "vi", columns: int = 3,
          ax: Axes | None = None, title: str | None = None) -> Figure:
    """Small multiples, one per indicator: the value over periods, the target dashed.

    Args:
        history: rows with ``label`` (indicator name), ``period``, ``value``, ``target``,
            ``status`` and ``measure``, periods in display order.
        lang: language of axis labels.
        columns: panels per row.
        ax: ignored unless ``history`` holds a single indicator (then drawn on ``ax``).
        title: figure title.

    """
    labels = list(dict.fromkeys(history["label"]))
    if not labels:
        return empty_figure(fmt.status_label("no_data", lang))
    if len(labels) == 1 and ax is not None:
        figure, axes_list = _new_axes(ax, (3, 2))[0], [ax]
    else:
        apply_theme()
        figure = _trend_grid(int(np.ceil(len(labels) / columns)), columns)
        axes_list = figure.axes
    _draw_trend(history, labels, axes_list, lang)
    if title:
        figure.suptitle(title, x=0.01, ha="left", fontsize=9, fontweight="bold")
    return figure


_TREND_GRIDS: dict[tuple[int, int], Figure] = {}
"""Empty trend grids kept by (rows, columns) for :func:`trend_image`."""


def trend_image(history: pd.DataFrame, *, lang: str = "vi", columns: int = 3) -> Any:
    """``image(trend(history))``, drawn on a grid kept from the previous call.

    The picture is the same as :func:`trend` draws; creating the panels and their ticks is
    about half of a fresh trend chart's cost, and a batch draws one per briefing. The grid
    never leaves this function (only the PNG does), so no caller holds a figure that a later
    call redraws. Where the ``kept_figures`` patch is off (:mod:`congdoan._compat`), a new
    trend chart is drawn.
    """
    labels = list(dict.fromkeys(history["label"]))
    if not labels:
        return image(empty_figure(fmt.status_label("no_data", lang)))
    if not keeps_figures():
        return image(trend(history, lang=lang, columns=columns))
    apply_theme()
    rows = int(np.ceil(len(labels) / columns))
    figure = _TREND_GRIDS.get((rows, columns))
    if figure is None:
        figure = _TREND_GRIDS[(rows, columns)] = _trend_grid(rows, columns)
    for axis in figure.axes:
        clear_axes(axis)
    _draw_trend(history, labels, figure.axes, lang)
    return image(figure)


def _trend_grid(rows: int, columns: int) -> Figure:
    """An empty grid of trend panels with fixed margins."""
    height = 1.9 * rows + 0.42
    # a fixed grid: the constrained-layout solver costs ~0.5 s on 6–9 panels; the bottom
    # margin holds a two-line period label (see _period_tick)
    figure = Figure(figsize=(7.2, height))
    figure.subplots(rows, columns, squeeze=False, gridspec_kw={
        "left": 0.07, "right": 0.98, "top": 1 - 0.42 / height, "bottom": 0.42 / height,
        "wspace": 0.32, "hspace": 0.85 / 1.45})
    for axis in figure.axes:
        # the panels have no axis labels: placed at fixed points, they are not placed at each
        # drawing by measuring every tick label again (~12 ms a grid; the same pixels)
        axis.xaxis.set_label_coords(0.5, 0.0)
        axis.yaxis.set_label_coords(0.0, 0.5)
    return figure


HALF_TICKS: dict[str, tuple[str, str]] = {"vi": ("6T đầu", "6T cuối"), "en": ("H1", "H2")}
"""Second line of a half-year's period label on a trend axis (first half, second half)."""


def _period_tick(period_id: str, lang: str, *, one_line: bool = False) -> str:
    """Label of a period on a trend axis: the year; a half-year adds which half below it.

    ``'2026-H1'`` in full is as wide as two year labels and ran into its neighbour ("2025");
    as ``'2026'`` over ``'6T đầu'`` it takes one year's width. ``one_line`` (slanted labels)
    puts both parts on one line.
    """
    period = parse_period(period_id)
    if period.half is None:
        return str(period.year)
    between = " " if one_line else "\n"
    return f"{period.year}{between}{HALF_TICKS[lang][period.half - 1]}"


def _draw_trend(history: pd.DataFrame, labels: list[str], axes_list: list[Axes],
                lang: str) -> None:
    """One panel per label on ``axes_list``; panels left over are hidden."""
    for extra in axes_list[len(labels):]:
        extra.set_visible(False)
    for axis, label in zip(axes_list, labels, strict=False):
        part = history[history["label"] == label]
        periods = list(part["period"])
        x = np.arange(len(periods))
        axis.plot(x, part["value"].astype(float), color=SERIES_STYLES["unit"][0], lw=1.5,
                  zorder=2)
        values = part["value"].astype(float).to_numpy()
        statuses = part["status"].to_numpy()
        for status in dict.fromkeys(statuses):
            at = (statuses == status) & ~np.isnan(values)
            if at.any():
                style = status_style(status)
                axis.plot(x[at], values[at], ls="none", marker=style.marker, color=style.colour,
                          ms=5.3, zorder=3, mec="white", mew=0.5)
        if part["target"].notna().any():
            axis.step(x, part["target"].astype(float), where="mid", color=INK, lw=0.9,
                      ls="--", zorder=1)
        slanted = len(periods) > 6
        axis.set_xticks(x, [_period_tick(p, lang, one_line=slanted) for p in periods],
                        rotation=45 if slanted else 0, ha="right" if slanted else "center")
        # y given: matplotlib then skips measuring every tick label to place the title
        # (~30 ms a panel); the place is the same, as no tick label or offset is above the axes
        axis.set_title(_wrap(label, 30), loc="left", fontsize=7.5, y=1.0)
        if part["measure"].iloc[0] == "share":
            _share_axis(axis, "y", lang)
            top = max(1.0, float(np.nanmax(part[["value", "target"]].astype(float).to_numpy(),
                                           initial=0)))
            axis.set_ylim(0, top * 1.05)
        else:
            axis.yaxis.get_major_formatter().set_useOffset(False)  # type: ignore[attr-defined]
        axis.margins(x=0.08)


def comparison(table: pd.DataFrame, *, lang: str = "vi", ax: Axes | None = None,
               title: str | None = None) -> Figure:
    """Dot plot of shares: this union against aggregates (sector, upper union, district).

    Args:
        table: one row per indicator with ``label``, ``target`` and one column per series
            among :data:`SERIES_STYLES` (shares; NaN = not shown), plus ``series_names``
            in ``table.attrs`` mapping series → legend text.
        lang: language of labels.
        ax: axes to draw on (default a new figure).
        title: chart title.

    """
    if table.empty:
        return empty_figure(fmt.status_label("no_data", lang))
    if ax is None:
        figure = _comparison_figure(len(table))
        axis = figure.axes[0]
    else:
        figure, axis = _new_axes(ax, (7.2, 2.0))
    _draw_comparison(table, figure, axis, lang, title, fit=ax is None)
    return figure


_COMPARISON_FIGURES: dict[int, Figure] = {}
"""Comparison figures kept by number of rows for :func:`comparison_image` (at most 8: each
keeps its renderer's pixel buffer, ≈ 2 MB; the demo district's CĐCS need 4 sizes)."""


def comparison_image(table: pd.DataFrame, *, lang: str = "vi") -> Any:
    """``image(comparison(table))``, drawn on a figure kept from a previous call.

    The picture is the same as :func:`comparison` draws. A kept figure keeps its axes and
    ticks (about a third of a fresh chart's cost) and its Agg renderer, and with it
    matplotlib's cache of text sizes: the indicator labels, legend and percentages that most
    CĐCS share are not measured again. As with :func:`trend_image`, the figure never leaves
    this function, and where the ``kept_figures`` patch is off a new chart is drawn.
    """
    if table.empty:
        return image(empty_figure(fmt.status_label("no_data", lang)))
    if not keeps_figures():
        return image(comparison(table, lang=lang))
    apply_theme()  # as for a fresh chart: the legend made below reads the theme's sizes
    figure = _COMPARISON_FIGURES.get(len(table))
    if figure is None:
        if len(_COMPARISON_FIGURES) >= 8:
            _COMPARISON_FIGURES.clear()
        figure = _COMPARISON_FIGURES[len(table)] = _comparison_figure(len(table))
    for legend in figure.legends:
        legend.remove()
    clear_axes(figure.axes[0])
    _draw_comparison(table, figure, figure.axes[0], lang, None, fit=True)
    return image(figure)


def _comparison_figure(rows: int) -> Figure:
    """An empty comparison figure for ``rows`` indicators (a fixed layout, see _fit_margins)."""
    apply_theme()
    figure = Figure(figsize=(7.2, 0.34 * max(rows, 2) + 0.9))
    figure.add_subplot()
    return figure


def _draw_comparison(table: pd.DataFrame, figure: Figure, axis: Axes, lang: str,
                     title: str | None, *, fit: bool) -> None:
    """The comparison dot plot on ``axis``; ``fit``: a figure of its own, margins fitted."""
    names: dict[str, str] = table.attrs.get("series_names", {})
    series = [s for s in SERIES_STYLES if s in table.columns]
    y = np.arange(len(table))[::-1]
    for i, name in enumerate(series):
        colour, marker = SERIES_STYLES[name]
        offset = (i - (len(series) - 1) / 2) * 0.12
        axis.scatter(table[name].astype(float), y + offset, color=colour, marker=marker,
                     s=30 if name == "unit" else 22, label=names.get(name, name), zorder=3,
                     edgecolor="white", linewidth=0.4)
    targets = table["target"].astype(float)
    axis.scatter(targets, y, marker="|", color=INK, s=160, label=_TARGET_WORD[lang], zorder=2)
    axis.set_yticks(y, [_wrap(str(v), 44) for v in table["label"]])
    _share_axis(axis, "x", lang)
    axis.set_xlim(-0.02, 1.04)
    handles, texts = axis.get_legend_handles_labels()
    legend = figure.legend(handles, texts, loc="lower center" if fit
                           else "outside lower center", ncol=min(3, len(series) + 1),
                           frameon=False, handletextpad=0.3, columnspacing=1.2)
    if title:
        axis.set_title(title, loc="left", y=1.0)
    if fit:
        _fit_margins(figure, axis, legend)


_MARGINS: dict[tuple[Any, ...], tuple[float, float, float, float]] = {}
"""Measured margins of :func:`_fit_margins`, by everything that decides them."""


def _fit_margins(figure: Figure, axis: Axes, legend: Any) -> None:
    """Place ``axis`` so that its y labels, x labels, title and the figure legend below fit.

    The sizes are measured once with the Agg renderer (whose text layouts are cached for the
    drawing); this is ~5x cheaper than the constrained-layout solver for the same result. The
    measures depend only on the texts and the figure size, which most CĐCS of one sector and
    upper union share, so they are kept (:data:`_MARGINS`) and measured once per layout.
    """
    width, height = figure.get_size_inches()
    # the legend's column count follows from its number of entries, part of the key
    key = (float(width), float(height), tuple(t.get_text() for t in axis.get_yticklabels()),
           axis.get_title(loc="left"), tuple(t.get_text() for t in legend.get_texts()))
    if key not in _MARGINS:
        if len(_MARGINS) > 1024:
            _MARGINS.clear()
        _MARGINS[key] = _measure_margins(figure, axis, legend)
    left, bottom, top, below = _MARGINS[key]
    pad = 0.06  # inches between the pieces and around the figure
    figure.subplots_adjust(left=(left + pad) / width, right=1 - 0.1 / width,
                           bottom=(below + bottom + 2 * pad) / height,
                           top=1 - (max(top, 0.08) + pad) / height)
    legend.set_bbox_to_anchor((0.5, pad / height), transform=figure.transFigure)


def _measure_margins(figure: Figure, axis: Axes, legend: Any) -> tuple[float, float, float, float]:
    """Inches by which the tick labels and title stick out of ``axis``, and the legend height.

    Returns (left, bottom, top, below).
    """
    # measured at the PNG resolution: hinted text is relatively narrower at lower resolutions
    screen_dpi, dpi = figure.dpi, PNG_DPI
    figure.set_dpi(dpi)
    try:
        renderer = _agg_canvas(figure).get_renderer()
        box = axis.bbox  # what the tick labels and title stick out of, in pixels
        ticks_y = axis.yaxis.get_tightbbox(renderer)
        ticks_x = axis.xaxis.get_tightbbox(renderer)
        left = (box.x0 - ticks_y.x0) / dpi if ticks_y is not None else 0.0
        bottom = (box.y0 - ticks_x.y0) / dpi if ticks_x is not None else 0.0
        top = (axis.title.get_window_extent(renderer).y1 - box.y1) / dpi if axis.get_title(
            loc="left") else 0.0
        below = legend.get_window_extent(renderer).height / dpi
    finally:
        figure.set_dpi(screen_dpi)
    return left, bottom, top, below


def status_distribution(counts: pd.DataFrame, *, lang: str = "vi", ax: Axes | None = None,
                        title: str | None = None) -> Figure:
    """Stacked bars: per indicator, how many CĐCS are in each status (counts written in bars).

    Args:
        counts: index = indicator label, columns = statuses, values = numbers of CĐCS.
        lang: language of labels.
        ax: axes to draw on (default a new figure).
        title: chart title.

    """
    figure, axis = _new_axes(ax, (7.2, 0.3 * max(len(counts), 2) + 0.9))
    if counts.empty:
        return empty_figure(fmt.status_label("no_data", lang))
    y = np.arange(len(counts))[::-1]
    left = np.zeros(len(counts))
    hatches = {"not_met": "////", "no_data": "....", "moving_away": "xxxx",
               "limited_progress": "\\\\\\\\"}
    for status in counts.columns:
        widths = counts[status].to_numpy(dtype=float)
        style = status_style(status)
        bars = axis.barh(y, widths, left=left, color=style.colour, edgecolor="white",
                         hatch=hatches.get(str(status)), linewidth=0.5,
                         label=f"{style.symbol} {fmt.status_label(status, lang)}")
        for bar, width in zip(bars, widths, strict=True):
            if width >= 1 and bar.get_width() >= counts.to_numpy().sum(axis=1).max() * 0.04:
                axis.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2,
                          fmt.number(width, lang), ha="center", va="center", fontsize=6.5,
                          color="white" if status != "not_applicable" else INK,
                          fontweight="bold")
        left += widths
    axis.set_yticks(y, [_wrap(str(v), 44) for v in counts.index])
    axis.set_xlabel(fmt.UNIT_WORDS["CĐCS"][lang])
    handles, texts = axis.get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncol=min(4, len(counts.columns)),
                  frameon=False)
    if title:
        axis.set_title(title, loc="left")
    return figure


def trajectory(points: pd.DataFrame, *, lang: str = "vi", columns: int = 3,
               title: str | None = None) -> Figure:
    """Milestone trajectories: actual values by year, milestones, projection to 2030.

    Args:
        points: rows with ``label``, ``measure``, ``year``, ``value`` (actual, may be NaN),
            ``milestone`` (target at that year, NaN elsewhere) and ``projection`` (NaN where
            not projected).
        lang: language of labels.
        columns: panels per row.
        title: figure title.

    """
    labels = list(dict.fromkeys(points["label"]))
    if not labels:
        return empty_figure(fmt.status_label("no_data", lang))
    apply_theme()
    rows = int(np.ceil(len(labels) / columns))
    figure = Figure(figsize=(7.2, 1.9 * rows + 0.5), layout="constrained")
    grid = figure.subplots(rows, columns, squeeze=False)
    for axis in list(grid.ravel())[len(labels):]:
        axis.set_visible(False)
    for axis, label in zip(grid.ravel(), labels, strict=False):
        part = points[points["label"] == label].sort_values("year")
        actual = part.dropna(subset=["value"])
        axis.plot(actual["year"], actual["value"], color=SERIES_STYLES["unit"][0], marker="o",
                  ms=3.5, lw=1.5, label=_WORDS["actual"][lang])
        projected = part.dropna(subset=["projection"])
        if not projected.empty:
            axis.plot(projected["year"], projected["projection"], color=SERIES_STYLES["unit"][0],
                      ls=":", lw=1.3, label=_WORDS["projection"][lang])
        goals = part.dropna(subset=["milestone"])
        axis.scatter(goals["year"], goals["milestone"], marker="*", s=70, color="#E69F00",
                     edgecolor=INK, linewidth=0.4, zorder=4, label=_WORDS["milestone"][lang])
        axis.set_title(_wrap(label, 28), loc="left", fontsize=7.5)
        axis.set_xticks(sorted({int(y) for y in part["year"]} | {2025, 2030}))
        axis.tick_params(axis="x", rotation=45)
        if part["measure"].iloc[0] == "share":
            _share_axis(axis, "y", lang)
            axis.set_ylim(0, 1.05)
    handles, texts = grid.ravel()[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncol=3, frameon=False)
    if title:
        figure.suptitle(title, x=0.01, ha="left", fontsize=9, fontweight="bold")
    return figure


def empty_figure(message: str) -> Figure:
    """A small figure that says there is nothing to draw."""
    apply_theme()
    figure = Figure(figsize=(7.2, 0.6))
    figure.text(0.5, 0.5, message, ha="center", va="center", color=INK)
    return figure


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width)) or text


_TARGET_WORD = {"vi": "Chỉ tiêu", "en": "Target"}
_WORDS = {
    "actual": {"vi": "Thực hiện", "en": "Actual"},
    "projection": {"vi": "Dự báo theo tốc độ hiện tại", "en": "Projection at current pace"},
    "milestone": {"vi": "Mốc kế hoạch", "en": "Plan milestone"},
}

__all__ = [
    "STATUS_STYLES", "SERIES_STYLES", "StatusStyle", "apply_theme", "comparison",
    "comparison_image", "empty_figure",
    "image", "png", "status_distribution", "status_style", "trajectory", "trend", "trend_image",
]
