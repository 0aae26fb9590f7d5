"""Charts of the briefings: trends, comparisons, status distributions and trajectories.

Colours, markers, symbols and fonts come from :mod:`congdoan.briefing.theme`, so a status never
depends on colour alone; :mod:`congdoan.briefing.images` makes the embeddable images. Plot
functions take data (and an optional ``ax``), never read files, and return the
:class:`~matplotlib.figure.Figure`, with a text alternative
(:func:`~congdoan.briefing.images.alt_text`) describing what it shows. Axes follow the data (a
value above 100 % keeps its marker), numbers are written the language's way (``18.000``) and
count axes have whole-number ticks. Figures are built without pyplot, so a kernel never shows
them twice; :func:`~congdoan.briefing.images.png` turns one into an embeddable image.
"""

from __future__ import annotations

import html
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, MaxNLocator

from congdoan._compat.matplotlib import clear_axes, keeps_figures
from congdoan.briefing import fmt
from congdoan.briefing.images import agg_canvas, describe, image, panels, png
from congdoan.briefing.theme import INK, PNG_DPI, SERIES_STYLES, apply_theme, status_style
from congdoan.core.periods import parse_period
from congdoan.core.text import first_upper


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


def _number_axis(ax: Axes, axis: str, lang: str, *, whole: bool) -> None:
    """Tick labels the language's way (``18.000``, ``1,25``); ``whole``: whole-number ticks only."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    decimals = 0 if whole else 2
    target.set_major_formatter(FuncFormatter(lambda x, _pos: fmt.number(x, lang, decimals)))
    if whole:
        target.set_major_locator(MaxNLocator(nbins="auto", steps=[1, 2, 2.5, 5, 10],
                                             integer=True))


def _measure_axis(ax: Axes, axis: str, measure: str, lang: str) -> None:
    """Ticks of an axis holding values of ``measure`` (share, count or per_unit)."""
    if measure == "share":
        _share_axis(ax, axis, lang)
    else:
        _number_axis(ax, axis, lang, whole=measure == "count")


def share_limits(values: Any, pad: float = 0.04) -> tuple[float, float]:
    """Axis limits for shares: 0–100 % widened to hold every value (e.g. 105,6 %), padded."""
    finite = np.asarray(values, dtype=float)
    finite = finite[np.isfinite(finite)]
    low = min(0.0, float(finite.min())) if finite.size else 0.0
    high = max(1.0, float(finite.max())) if finite.size else 1.0
    return low - pad / 2 * (high - low), high + pad * (high - low)


def trend(history: pd.DataFrame, *, lang: str = "vi", columns: int = 3,
          ax: Axes | None = None, title: str | None = None) -> Figure:
    """Small multiples, one per indicator: the value over periods, the target dashed.

    Args:
        history: rows with ``label`` (indicator name), ``period``, ``value``, ``target``,
            ``status`` and ``measure``, periods in display order; optional ``provisional``
            (drawn hollow) and ``break_label`` (a dotted line where a series breaks).
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
    return describe(figure, " ".join(
        trend_alt(history[history["label"] == label], lang) for label in labels))


TREND_PANEL_SIZE = (2.4, 2.11)
"""Inches of one trend panel: a third of the A4 text width; axes as tall as a grid row's
(1.34 in), with room for a two-line title above and two-line period labels below."""


def trend_panel(part: pd.DataFrame, *, lang: str = "vi") -> Figure:
    """One indicator's trend (the rows of ``part``, see :func:`trend`) as a figure of its own."""
    labels = list(dict.fromkeys(part["label"]))
    if not labels:
        return empty_figure(fmt.status_label("no_data", lang))
    figure = _trend_panel_figure()
    _draw_trend(part, labels[:1], figure.axes, lang)
    return describe(figure, trend_alt(part, lang))


_TREND_PANEL: list[Figure] = []
"""The trend panel kept by :func:`trend_image` (one figure, drawn again for each indicator)."""

_TREND_BACKGROUNDS: dict[tuple[Any, ...], Any] = {}
"""Pixels of the kept trend panel without its data (frame, grid, ticks and their labels), by
everything that decides them (:func:`_panel_look`); at most :data:`KEPT_BACKGROUNDS`."""

KEPT_BACKGROUNDS = 16
"""Backgrounds kept by :func:`trend_image`: the panels of a briefing share a few looks (the
periods shown, a share's 0–100 % scale), and each look is the same for every CĐCS."""


def trend_image(history: pd.DataFrame, *, lang: str = "vi") -> Any:
    """The trend as :func:`panels`: one image per indicator, each with its text alternative.

    Each panel is the picture :func:`trend_panel` draws, drawn on one figure kept from call to
    call: creating the axes and their ticks is about half of a fresh panel's cost, and a batch
    draws six per briefing. The figure never leaves this function (only the PNGs do).
    """
    labels = list(dict.fromkeys(history["label"]))
    if not labels:
        return image(empty_figure(fmt.status_label("no_data", lang)))
    periods = list(dict.fromkeys(history.dropna(subset=["value"])["period"].astype(str)))
    if len(periods) == 1:  # one dot a panel says nothing the scorecard does not: say why
        from IPython.display import HTML

        text = _WORDS["one_period"][lang].format(period=parse_period(periods[0]).label(lang))
        return HTML(f'<p class="cd-note">{html.escape(text)}</p>')
    if not keeps_figures():  # the kept_figures switch off: each panel on a figure of its own
        return panels([(png(trend_panel(part, lang=lang)), trend_alt(part, lang))
                       for part in (history[history["label"] == label] for label in labels)],
                      _WORDS["trend"][lang])
    apply_theme()
    if not _TREND_PANEL:
        _TREND_PANEL.append(_trend_panel_figure())
    figure = _TREND_PANEL[0]
    pictures = []
    for label in labels:
        part = history[history["label"] == label]
        clear_axes(figure.axes[0])
        _draw_trend(part, [label], figure.axes, lang)
        pictures.append((_panel_png(figure, figure.axes[0]), trend_alt(part, lang)))
    return panels(pictures, _WORDS["trend"][lang])


def _panel_png(figure: Figure, axis: Axes) -> bytes:
    """``png(figure)`` of the kept trend panel, its background drawn once per look.

    What does not depend on the values (the axes' frame, grid, ticks and their labels) is the
    same for every panel of one look (:func:`_panel_look`): it is drawn once and kept as pixels
    (Agg's ``copy_from_bbox``); each panel restores it and draws its own artists over it, in
    the order a full drawing would. Every artist of a panel lies above the background
    (:func:`_draw_trend` gives them a z-order above the frame's), so the pixels are those of
    a full drawing.
    """
    data = {*axis.lines, *axis.collections, *axis.patches, *axis.texts}
    # the panel's artists and titles, in the order Axes.draw takes them
    own = [a for a in axis.get_children() if (a in data or isinstance(a, Text)) and a.get_visible()]

    def draw(canvas: Any) -> None:
        key = _panel_look(figure, axis)
        background = _TREND_BACKGROUNDS.get(key)
        if background is None:
            for artist in own:
                artist.set_visible(False)
            canvas.draw()
            for artist in own:
                artist.set_visible(True)
            background = canvas.copy_from_bbox(figure.bbox)
            if len(_TREND_BACKGROUNDS) >= KEPT_BACKGROUNDS:
                _TREND_BACKGROUNDS.clear()
            _TREND_BACKGROUNDS[key] = background
        else:
            canvas.restore_region(background)
        for artist in sorted(own, key=lambda a: a.get_zorder()):  # stable, as Axes.draw sorts
            axis.draw_artist(artist)

    return png(figure, draw=draw)


def _panel_look(figure: Figure, axis: Axes) -> tuple[Any, ...]:
    """Everything the background of a trend panel depends on: size, resolution, limits, ticks.

    The tick labels are compared as drawn (text, rotation, alignment), so a panel of counts
    and one of shares, or two sets of periods, never share a background.
    """
    def ticks(which: Any) -> tuple[Any, ...]:
        return (tuple(which.get_majorticklocs()),
                tuple((t.get_text(), t.get_rotation(), t.get_horizontalalignment())
                      for t in which.get_majorticklabels()))

    return (tuple(figure.get_size_inches()), figure.dpi, axis.get_xlim(), axis.get_ylim(),
            ticks(axis.xaxis), ticks(axis.yaxis))


def trend_alt(part: pd.DataFrame, lang: str = "vi") -> str:
    """Text alternative of one indicator's trend: its values by period, target, last status."""
    if part.empty:
        return ""
    measure = str(part["measure"].iloc[0])
    values = "; ".join(f"{parse_period(str(p)).label(lang)}: {fmt.value(measure, v, lang)}"
                       for p, v in zip(part["period"], part["value"], strict=True))
    text = f"{part['label'].iloc[0]}. {values}."
    targets = part["target"].dropna()
    if not targets.empty:
        text += f" {_TARGET_WORD[lang]}: {fmt.value(measure, targets.iloc[-1], lang)}."
    return text + f" {fmt.status_label(part['status'].iloc[-1], lang)}."


def _trend_grid(rows: int, columns: int) -> Figure:
    """An empty grid of trend panels with fixed margins."""
    height = 1.9 * rows + 0.42
    # a fixed grid rather than the constrained-layout solver, slow on many panels; the bottom
    # margin holds a two-line period label (see _period_tick)
    figure = Figure(figsize=(7.2, height))
    figure.subplots(rows, columns, squeeze=False, gridspec_kw={
        "left": 0.07, "right": 0.98, "top": 1 - 0.42 / height, "bottom": 0.42 / height,
        "wspace": 0.32, "hspace": 0.85 / 1.45})
    _fixed_axis_labels(figure)
    return figure


def _trend_panel_figure() -> Figure:
    """An empty trend panel with fixed margins (those of a panel of :func:`_trend_grid`)."""
    apply_theme()
    width, height = TREND_PANEL_SIZE
    figure = Figure(figsize=TREND_PANEL_SIZE)
    figure.subplots_adjust(left=0.5 / width, right=1 - 0.08 / width, top=1 - 0.4 / height,
                           bottom=0.37 / height)
    figure.add_subplot()
    _fixed_axis_labels(figure)
    return figure


def _fixed_axis_labels(figure: Figure) -> None:
    """Place the (empty) axis labels of every panel at fixed points.

    The panels have no axis labels: placed at fixed points, they are not placed at each drawing
    by measuring every tick label again (the same pixels).
    """
    for axis in figure.axes:
        axis.xaxis.set_label_coords(0.5, 0.0)
        axis.yaxis.set_label_coords(0.0, 0.5)


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
        # every artist of a panel lies above its frame (spines: z-order 2.5): see _panel_png
        axis.plot(x, part["value"].astype(float), color=SERIES_STYLES["unit"][0], lw=1.5,
                  zorder=2.7)
        values = part["value"].astype(float).to_numpy()
        statuses = part["status"].to_numpy()
        # provisional figures (coverage below the threshold) are drawn hollow
        hollow = (part["provisional"].to_numpy(dtype=bool) if "provisional" in part
                  else np.zeros(len(part), bool))
        for status in dict.fromkeys(statuses):
            for empty in (False, True):
                at = (statuses == status) & ~np.isnan(values) & (hollow == empty)
                if at.any():
                    style = status_style(status)
                    axis.plot(x[at], values[at], ls="none", marker=style.marker,
                              color=style.colour, ms=5.3, zorder=3,
                              mec=style.colour if empty else "white", mew=1.0 if empty else 0.5,
                              mfc="white" if empty else style.colour)
        # a break of the series (params/rates.yaml): a dotted line before the period it falls in
        for at in (np.flatnonzero(part["break_label"].astype(bool).to_numpy())
                   if "break_label" in part else ()):
            axis.axvline(at - 0.5, color=INK, ls=":", lw=0.8, zorder=2.6)
            # the date beside the line, on the side with room (left of a break in the last
            # period: on its right it would run off the panel)
            last = at >= len(periods) - 1
            axis.annotate(str(part["break_label"].iloc[at]).replace(", ", "\n"), (at - 0.5, 1.0),
                          xycoords=("data", "axes fraction"), xytext=(-2 if last else 2, -2),
                          textcoords="offset points", fontsize=5.5, va="top",
                          ha="right" if last else "left", color=INK, zorder=3)
        if part["target"].notna().any():
            axis.step(x, part["target"].astype(float), where="mid", color=INK, lw=0.9,
                      ls="--", zorder=2.6)
        slanted = len(periods) > 6
        axis.set_xticks(x, [_period_tick(p, lang, one_line=slanted) for p in periods],
                        rotation=45 if slanted else 0, ha="right" if slanted else "center")
        # y given: matplotlib then skips measuring every tick label to place the title;
        # the place is the same, as no tick label or offset is above the axes
        axis.set_title(_wrap(label, 30, max_lines=2), loc="left", fontsize=7.5, y=1.0)
        measure = str(part["measure"].iloc[0])
        _measure_axis(axis, "y", measure, lang)
        if measure == "share":
            top = max(1.0, float(np.nanmax(part[["value", "target"]].astype(float).to_numpy(),
                                           initial=0)))
            axis.set_ylim(0, top * 1.05)
        axis.margins(x=0.08)


def comparison(table: pd.DataFrame, *, lang: str = "vi", ax: Axes | None = None,
               title: str | None = None, legend: bool = True) -> Figure:
    """Dot plot of shares: this union against aggregates (sector, upper union, organisation).

    Args:
        table: one row per indicator with ``label``, ``target`` and one column per series
            among :data:`SERIES_STYLES` (shares; NaN = not shown), plus ``series_names``
            in ``table.attrs`` mapping series → legend text.
        lang: language of labels.
        ax: axes to draw on (default a new figure).
        title: chart title.
        legend: draw the key of the symbols below the chart (False: the page writes it as
            text, see :func:`congdoan.briefing.display.comparison`).

    """
    if table.empty:
        return empty_figure(fmt.status_label("no_data", lang))
    if ax is None:
        figure = _comparison_figure(len(table), legend)
        axis = figure.axes[0]
    else:
        figure, axis = _new_axes(ax, (7.2, 2.0))
    _draw_comparison(table, figure, axis, lang, title, fit=ax is None, legend=legend)
    return describe(figure, comparison_alt(table, lang))


_COMPARISON_FIGURES: dict[tuple[int, bool], Figure] = {}
"""Comparison figures kept by number of rows and legend or not for :func:`comparison_png` (at
most 8: each keeps its renderer's pixel buffer; the demo district's CĐCS need 4 sizes)."""


def comparison_png(table: pd.DataFrame, *, lang: str = "vi", legend: bool = True) -> bytes:
    """``png(comparison(table, legend=legend))``, drawn on a figure kept from a previous call.

    The picture is the same as :func:`comparison` draws. A kept figure keeps its axes and
    ticks (about a third of a fresh chart's cost) and its Agg renderer, and with it
    matplotlib's cache of text sizes: the indicator labels, legend and percentages that most
    CĐCS share are not measured again. The figure never leaves this function. Where the
    ``kept_figures`` patch is off (:mod:`congdoan._compat`), a new chart is drawn.
    """
    if table.empty:
        return png(empty_figure(fmt.status_label("no_data", lang)))
    if not keeps_figures():
        return png(comparison(table, lang=lang, legend=legend))
    apply_theme()  # as for a fresh chart: the legend made below reads the theme's sizes
    key = (len(table), legend)
    figure = _COMPARISON_FIGURES.get(key)
    if figure is None:
        if len(_COMPARISON_FIGURES) >= 8:
            _COMPARISON_FIGURES.clear()
        figure = _COMPARISON_FIGURES[key] = _comparison_figure(len(table), legend)
    for old in figure.legends:
        old.remove()
    clear_axes(figure.axes[0])
    _draw_comparison(table, figure, figure.axes[0], lang, None, fit=True, legend=legend)
    return png(figure)


def comparison_alt(table: pd.DataFrame, lang: str = "vi") -> str:
    """Text alternative of a comparison: per indicator, each series' value and the target."""
    names: dict[str, str] = table.attrs.get("series_names", {})
    series = [s for s in SERIES_STYLES if s in table.columns]
    lines = []
    for _, row in table.iterrows():
        values = ", ".join(f"{names.get(s, s)} {fmt.percent(row[s], lang)}" for s in series)
        lines.append(f"{row['label']}: {values}; {_TARGET_WORD[lang].lower()} "
                     f"{fmt.percent(row['target'], lang)}.")
    return " ".join(lines)


def _comparison_figure(rows: int, legend: bool = True) -> Figure:
    """An empty comparison figure for ``rows`` indicators (margins fitted, see _fit_margins).

    ``legend``: with room for the key below.
    """
    apply_theme()
    figure = Figure(figsize=(7.2, 0.34 * max(rows, 2) + (0.9 if legend else 0.6)))
    figure.add_subplot()
    return figure


def _draw_comparison(table: pd.DataFrame, figure: Figure, axis: Axes, lang: str,
                     title: str | None, *, fit: bool, legend: bool = True) -> None:
    """The comparison dot plot on ``axis``.

    ``fit``: a figure of its own, margins fitted; ``legend``: the key of the symbols below.
    Each series is a line of markers without a line (cheaper to make and draw than a scatter
    collection, for the same marks: a marker ``ms`` points wide is a scatter of ``s = ms²``).
    """
    names: dict[str, str] = table.attrs.get("series_names", {})
    series = [s for s in SERIES_STYLES if s in table.columns]
    y = np.arange(len(table))[::-1]
    for i, name in enumerate(series):
        colour, marker = SERIES_STYLES[name]
        offset = (i - (len(series) - 1) / 2) * 0.12
        axis.plot(table[name].astype(float), y + offset, ls="none", color=colour, marker=marker,
                  ms=np.sqrt(30 if name == "unit" else 22), label=names.get(name, name),
                  zorder=3, mec="white", mew=0.4)
    targets = table["target"].astype(float)
    axis.plot(targets, y, ls="none", marker="|", color=INK, ms=np.sqrt(160),
              label=_TARGET_WORD[lang], zorder=2)
    axis.set_yticks(y, [_wrap(str(v), 44) for v in table["label"]])
    _share_axis(axis, "x", lang)
    axis.set_xlim(*share_limits(table[[*series, "target"]].to_numpy(dtype=float)))
    key = None
    if legend:
        handles, texts = axis.get_legend_handles_labels()
        key = figure.legend(handles, texts, loc="lower center" if fit
                            else "outside lower center", ncol=min(3, len(series) + 1),
                            frameon=False, handletextpad=0.3, columnspacing=1.2)
    if title:
        axis.set_title(title, loc="left", y=1.0)
    if fit:
        _fit_margins(figure, axis, key)


_MARGINS: dict[tuple[Any, ...], tuple[float, float, float, float]] = {}
"""Measured margins of :func:`_fit_margins`, by everything that decides them."""


def _fit_margins(figure: Figure, axis: Axes, legend: Any | None) -> None:
    """Place ``axis`` so that its y labels, x labels, title and the figure legend below fit.

    The sizes are measured once with the Agg renderer (whose text layouts are cached for the
    drawing), for the same result as the constrained-layout solver at less cost. The
    measures depend only on the texts and the figure size, which most CĐCS of one sector and
    upper union share, so they are kept (:data:`_MARGINS`) and measured once per layout.
    """
    width, height = figure.get_size_inches()
    # the legend's column count follows from its number of entries, part of the key
    key = (float(width), float(height), tuple(t.get_text() for t in axis.get_yticklabels()),
           axis.get_title(loc="left"),
           None if legend is None else tuple(t.get_text() for t in legend.get_texts()))
    if key not in _MARGINS:
        if len(_MARGINS) > 1024:
            _MARGINS.clear()
        _MARGINS[key] = _measure_margins(figure, axis, legend)
    left, bottom, top, below = _MARGINS[key]
    pad = 0.06  # inches between the pieces and around the figure
    figure.subplots_adjust(left=(left + pad) / width, right=1 - 0.1 / width,
                           bottom=(below + bottom + 2 * pad) / height,
                           top=1 - (max(top, 0.08) + pad) / height)
    if legend is not None:
        legend.set_bbox_to_anchor((0.5, pad / height), transform=figure.transFigure)


def _measure_margins(figure: Figure, axis: Axes,
                     legend: Any | None) -> tuple[float, float, float, float]:
    """Inches by which the tick labels and title stick out of ``axis``, and the legend height.

    Returns (left, bottom, top, below); ``below`` is 0 without a legend.
    """
    # measured at the PNG resolution: hinted text is relatively narrower at lower resolutions
    screen_dpi, dpi = figure.dpi, PNG_DPI
    figure.set_dpi(dpi)
    try:
        renderer = agg_canvas(figure).get_renderer()
        box = axis.bbox  # what the tick labels and title stick out of, in pixels
        ticks_y = axis.yaxis.get_tightbbox(renderer)
        ticks_x = axis.xaxis.get_tightbbox(renderer)
        left = (box.x0 - ticks_y.x0) / dpi if ticks_y is not None else 0.0
        bottom = (box.y0 - ticks_x.y0) / dpi if ticks_x is not None else 0.0
        top = (axis.title.get_window_extent(renderer).y1 - box.y1) / dpi if axis.get_title(
            loc="left") else 0.0
        below = legend.get_window_extent(renderer).height / dpi if legend is not None else 0.0
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
                          color="white", fontweight="bold")
        left += widths
    axis.set_yticks(y, [_wrap(str(v), 44) for v in counts.index])
    axis.set_xlabel(fmt.UNIT_WORDS["CĐCS"][lang])
    _number_axis(axis, "x", lang, whole=True)
    handles, texts = axis.get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncol=min(4, len(counts.columns)),
                  frameon=False)
    if title:
        axis.set_title(title, loc="left")
    return describe(figure, distribution_alt(counts, lang))


def distribution_alt(counts: pd.DataFrame, lang: str = "vi") -> str:
    """Text alternative of :func:`status_distribution`: per indicator, CĐCS in each status."""
    unit = fmt.UNIT_WORDS["CĐCS"][lang]
    lines = []
    for label, row in counts.iterrows():
        parts = [f"{fmt.status_label(status, lang)} {fmt.number(n, lang)}"
                 for status, n in row.items() if n]
        lines.append(f"{label} ({unit}): {', '.join(parts)}.")
    return " ".join(lines)


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
        _draw_trajectory(axis, points[points["label"] == label], lang)
    handles, texts = grid.ravel()[0].get_legend_handles_labels()
    figure.legend(handles, texts, loc="outside lower center", ncol=3, frameon=False)
    if title:
        figure.suptitle(title, x=0.01, ha="left", fontsize=9, fontweight="bold")
    return describe(figure, trajectory_alt(points, lang))


def trajectory_image(points: pd.DataFrame, *, lang: str = "vi") -> Any:
    """The trajectories as :func:`panels`: one image per indicator, the legend written below."""
    labels = list(dict.fromkeys(points["label"]))
    if not labels:
        return image(empty_figure(fmt.status_label("no_data", lang)))
    pictures = []
    for label in labels:
        part = points[points["label"] == label]
        figure = _trend_panel_figure()
        _draw_trajectory(figure.axes[0], part, lang)
        pictures.append((png(figure), trajectory_alt(part, lang)))
    return panels(pictures, _WORDS["trajectory"][lang], note=trajectory_key(points, lang))


def trajectory_key(points: pd.DataFrame, lang: str = "vi") -> str:
    """The key under the trajectories, naming only what they draw.

    The actual values are a line where an indicator has two years or more, else dots; the
    projection and the milestones are named when there are some.
    """
    actual = points.dropna(subset=["value"])
    lined = bool(len(actual)) and int(actual.groupby("label").size().max()) > 1
    parts = [_WORDS["key_actual_line" if lined else "key_actual_dots"][lang]]
    if points["projection"].notna().any():
        parts.append(_WORDS["key_projection"][lang])
    if points["milestone"].notna().any():
        parts.append(_WORDS["key_milestone"][lang])
    return first_upper("; ".join(parts) + ".")


def _draw_trajectory(axis: Axes, part: pd.DataFrame, lang: str) -> None:
    """One indicator's trajectory on ``axis``: actual by year, projection dotted, milestones."""
    part = part.sort_values("year")
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
    axis.set_title(_wrap(str(part["label"].iloc[0]), 28, max_lines=2), loc="left", fontsize=7.5)
    axis.set_xticks(sorted({int(y) for y in part["year"]}))
    axis.tick_params(axis="x", rotation=45)
    measure = str(part["measure"].iloc[0])
    _measure_axis(axis, "y", measure, lang)
    if measure == "share":
        shown = part[["value", "milestone", "projection"]].to_numpy(dtype=float)
        axis.set_ylim(0, share_limits(shown, pad=0.05)[1])


def trajectory_alt(points: pd.DataFrame, lang: str = "vi") -> str:
    """Text alternative of :func:`trajectory`: per indicator, actual values, milestones, projection."""
    lines = []
    for label, part in points.groupby("label", sort=False):
        measure = str(part["measure"].iloc[0])

        def listed(column: str, part: pd.DataFrame = part, measure: str = measure) -> str:
            rows = part.dropna(subset=[column]).sort_values("year")
            return ", ".join(f"{_year_word(y, lang)} {fmt.value(measure, v, lang)}"
                             for y, v in zip(rows["year"], rows[column], strict=True))

        parts = [f"{_WORDS[k][lang]}: {listed(c)}" for k, c in (
            ("actual", "value"), ("milestone", "milestone"), ("projection", "projection"))
            if part[c].notna().any()]
        lines.append(f"{label}. " + "; ".join(parts) + ".")
    return " ".join(lines)


def _year_word(year: float, lang: str) -> str:
    """A point of a trajectory's time axis: ``2024``, or ``2025 (6T đầu)`` for mid-year."""
    whole = int(np.ceil(year))
    return str(whole) if float(year) == whole else f"{whole} ({HALF_TICKS[lang][0]})"


def empty_figure(message: str) -> Figure:
    """A small figure that says there is nothing to draw."""
    apply_theme()
    figure = Figure(figsize=(7.2, 0.6))
    figure.text(0.5, 0.5, message, ha="center", va="center", color=INK)
    return describe(figure, message)


def _wrap(text: str, width: int, max_lines: int | None = None) -> str:
    """``text`` in lines of at most ``width`` characters; beyond ``max_lines``, cut with "…".

    A panel's title has room for two lines above its frame (its margins are fixed so that every
    panel lines up): a longer name is cut there, and read in full in the table beside it.
    """
    import textwrap

    lines = textwrap.wrap(text, width)
    if max_lines is not None and len(lines) > max_lines:
        lines = textwrap.wrap(text, width, max_lines=max_lines, placeholder=" …")
    return "\n".join(lines) or text


_TARGET_WORD = {"vi": "Mục tiêu", "en": "Target"}
_WORDS = {
    "trend": {"vi": "Diễn biến từng chỉ tiêu qua các kỳ", "en": "Each indicator over the periods"},
    "trajectory": {"vi": "Quỹ đạo từng mốc kế hoạch", "en": "Each milestone's trajectory"},
    "key_actual_line": {"vi": "đường liền: thực hiện", "en": "solid line: actual"},
    "key_actual_dots": {"vi": "chấm tròn: thực hiện", "en": "dots: actual"},
    "key_projection": {"vi": "đường chấm: dự báo theo tốc độ hiện tại",
                       "en": "dotted line: projection at the current pace"},
    "key_milestone": {"vi": "★: mốc kế hoạch", "en": "★: plan milestone"},
    "one_period": {"vi": "Mới có số liệu của một kỳ ({period}): diễn biến có từ kỳ báo cáo sau; "
                         "kết quả kỳ này ở bảng trên.",
                   "en": "Data for one period only ({period}): the trend shows from the next "
                         "report; this period's results are in the table above."},
    "actual": {"vi": "Thực hiện", "en": "Actual"},
    "projection": {"vi": "Dự báo theo tốc độ hiện tại", "en": "Projection at current pace"},
    "milestone": {"vi": "Mốc kế hoạch", "en": "Plan milestone"},
}

__all__ = [
    "comparison", "comparison_alt", "comparison_png", "distribution_alt", "empty_figure",
    "share_limits", "status_distribution", "trajectory", "trajectory_alt", "trajectory_image",
    "trend", "trend_alt", "trend_image", "trend_panel",
]
