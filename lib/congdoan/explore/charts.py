"""The explorer's charts, written directly as inline SVG (text kept as text, drawn by the browser).

:data:`PANELS` names the four panels of :class:`congdoan.explore.explorer.Explorer`: the
selection against its target over time (:func:`trend_svg`), the distribution across CĐCS
(:func:`distribution_svg`) and the breakdowns by sector and by commune (:func:`breakdown_svg`).
Each takes data and returns an ``<svg>`` element as text, with ``role="img"``, an
``aria-label`` that says what it shows and a ``<title>``.

Why not matplotlib: the explorer redraws up to four panels after each control change, and the
whole update (kernel, transport, browser) has to stay within an officer's patience. Drawing and
saving a matplotlib figure per panel would be most of an update; writing the same few shapes as
SVG text is a small part of it. The colours, markers and symbols of each status still come from
:mod:`congdoan.briefing.charts` (the one module that owns the palette), numbers from
:mod:`congdoan.briefing.fmt`.

Rules shared with the briefings' charts: the axes follow the data (a value above 100 % or below
zero stays in view), numbers carry Vietnamese separators, count axes have whole-number ticks,
the target is called "Mục tiêu", and a status is never shown by colour alone (marker and
symbol too).
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from congdoan.briefing import fmt, theme
from congdoan.core.plan import Indicator

__all__ = [
    "PANELS", "PanelData", "breakdown_svg", "distribution_svg", "nice_ticks", "panel_svg",
    "trend_svg",
]

PANELS = ("trend", "distribution", "sector", "commune")
"""The four charts of the explorer."""

WIDTH = 560
"""Width of every panel's drawing (SVG user units; the page scales it to its column)."""

FONT = 11
"""Text size of labels and ticks (user units)."""

TARGET_LABEL = "Mục tiêu"
"""Legend and line label of the target."""

_SERIES = theme.SERIES_STYLES["unit"][0]
_MUTED = "#6b6b6b"


@dataclass(frozen=True)
class _Box:
    """The plotting area inside a panel."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


def _esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _num(x: float) -> str:
    """A coordinate with at most one decimal (shorter SVG, same picture)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def nice_ticks(low: float, high: float, *, integer: bool = False, count: int = 5) -> list[float]:
    """Round tick values covering ``low``–``high`` (steps of 1, 2, 2.5 or 5 × 10ⁿ).

    With ``integer`` the step is a whole number (counts of units, people, events). The first
    tick is ≤ ``low`` and the last ≥ ``high``.
    """
    if not (math.isfinite(low) and math.isfinite(high)):
        return [0.0, 1.0]
    if high <= low:
        high = low + (1.0 if integer or low == 0 else abs(low) * 0.1)
    raw = (high - low) / max(count - 1, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    if integer:
        step = max(1.0, float(math.ceil(step)))
    first = math.floor(low / step + 1e-9) * step
    last = math.ceil(high / step - 1e-9) * step
    n = int(round((last - first) / step))
    return [round(first + i * step, 12) for i in range(n + 1)]


def _tick_label(measure: str, value: float, ticks: Sequence[float]) -> str:
    if measure == "share":
        fine = len(ticks) > 1 and abs(ticks[1] - ticks[0]) < 0.01
        return fmt.percent(value, decimals=1 if fine else 0)
    decimals = 0 if all(float(t).is_integer() for t in ticks) else 2
    return fmt.number(value, decimals=decimals)


def _is_integer_measure(ind: Indicator) -> bool:
    return ind.measure == "count"


def _svg(height: float, label: str, body: Iterable[str]) -> str:
    """The ``<svg>`` element around ``body``, scaled to its column by the page."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="congdoan-chart" role="img" '
            f'viewBox="0 0 {WIDTH} {_num(height)}" aria-label="{_esc(label)}" '
            f'font-family="inherit" font-size="{FONT}">'
            f"<title>{_esc(label)}</title>{''.join(body)}</svg>")


def _title(text: str) -> str:
    return (f'<text x="8" y="16" font-size="{FONT + 1.5}" font-weight="bold" '
            f'fill="{theme.INK}">{_esc(text)}</text>')


def _text(x: float, y: float, text: str, *, anchor: str = "start", colour: str = theme.INK,
          weight: str = "normal", size: float = FONT, rotate: float = 0,
          halo: bool = False) -> str:
    """A text; ``halo``: a white outline keeps it readable over lines."""
    extra = f' transform="rotate({_num(rotate)} {_num(x)} {_num(y)})"' if rotate else ""
    if halo:
        extra += ' paint-order="stroke" stroke="white" stroke-width="3"'
    if weight != "normal":
        extra += ' font-weight="bold"'
    if size != FONT:
        extra += f' font-size="{_num(size)}"'
    return (f'<text x="{_num(x)}" y="{_num(y)}" text-anchor="{anchor}" fill="{colour}"'
            f"{extra}>{_esc(text)}</text>")


def _line(x1: float, y1: float, x2: float, y2: float, colour: str, *, width: float = 1,
          dash: str = "") -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    return (f'<line x1="{_num(x1)}" y1="{_num(y1)}" x2="{_num(x2)}" y2="{_num(y2)}" '
            f'stroke="{colour}" stroke-width="{_num(width)}"{dashed}/>')


def marker(shape: str, x: float, y: float, colour: str, size: float = 5.5, *,
           hollow: bool = False) -> str:
    """A status marker (the matplotlib shapes of :data:`congdoan.briefing.theme.STATUS_STYLES`).

    ``hollow``: drawn in outline, white inside (a provisional figure, as in the briefings).
    """
    r = size
    edge = 'stroke="white" stroke-width="1"'
    if hollow:
        edge = f'stroke="{colour}" stroke-width="2"'
        colour = "white"
    if shape == "o":
        return f'<circle cx="{_num(x)}" cy="{_num(y)}" r="{_num(r)}" fill="{colour}" {edge}/>'
    if shape == "s":
        return (f'<rect x="{_num(x - r)}" y="{_num(y - r)}" width="{_num(2 * r)}" '
                f'height="{_num(2 * r)}" fill="{colour}" {edge}/>')
    if shape == "_":
        return _line(x - r, y, x + r, y, colour, width=2.5)
    points = {
        "^": [(0, -1.15), (1.05, 0.8), (-1.05, 0.8)],
        "v": [(0, 1.15), (1.05, -0.8), (-1.05, -0.8)],
        "D": [(0, -1.2), (1.0, 0), (0, 1.2), (-1.0, 0)],
        "X": [(-1, -0.6), (-0.6, -1), (0, -0.4), (0.6, -1), (1, -0.6), (0.4, 0), (1, 0.6),
              (0.6, 1), (0, 0.4), (-0.6, 1), (-1, 0.6), (-0.4, 0)],
    }.get(shape, [(0, -1), (1, 0), (0, 1), (-1, 0)])
    path = " ".join(f"{_num(x + px * r)},{_num(y + py * r)}" for px, py in points)
    return f'<polygon points="{path}" fill="{colour}" {edge}/>'


def _grid(box: _Box, ticks: Sequence[float], scale: float, low: float, measure: str, *,
          vertical: bool) -> list[str]:
    """Grid lines and tick labels of the value axis (y when not ``vertical``)."""
    out = []
    for tick in ticks:
        label = _tick_label(measure, tick, ticks)
        if vertical:
            x = box.left + (tick - low) * scale
            out.append(_line(x, box.top, x, box.bottom, theme.GRID))
            out.append(_text(x, box.bottom + 14, label, anchor="middle", colour=_MUTED))
        else:
            y = box.bottom - (tick - low) * scale
            out.append(_line(box.left, y, box.right, y, theme.GRID))
            out.append(_text(box.left - 6, y + 4, label, anchor="end", colour=_MUTED))
    return out


def _legend(items: Sequence[tuple[str, str]], x: float, y: float) -> list[str]:
    """One row of legend entries: (SVG of the key drawn at 0,0, label)."""
    out = []
    for key, label in items:
        out.append(f'<g transform="translate({_num(x + 8)} {_num(y)})">{key}</g>')
        out.append(_text(x + 20, y + 4, label))
        x += 28 + 6.2 * len(label)
    return out


def _values(frame: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)


def _span(*arrays: np.ndarray, floor: float | None = 0.0) -> tuple[float, float]:
    joined = np.concatenate([a[np.isfinite(a)] for a in arrays] or [np.array([])])
    if floor is not None:
        joined = np.append(joined, floor)
    if joined.size == 0:
        return 0.0, 1.0
    return float(joined.min()), float(joined.max())


def _provisional(frame: pd.DataFrame) -> np.ndarray:
    """True on the rows whose figure is provisional (tạm tính: coverage below the threshold)."""
    if "provisional" not in frame:
        return np.zeros(len(frame), dtype=bool)
    return frame["provisional"].astype(object).eq(True).to_numpy(dtype=bool)


def _no_data(title: str, height: float = 300) -> str:
    return _svg(height, f"{title}: {fmt.status_label('no_data')}", [
        _title(title), _text(WIDTH / 2, height / 2, fmt.status_label("no_data"),
                             anchor="middle", colour=_MUTED)])


def _short(name: str, width: int = 30) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"


# ----------------------------------------------------------------------------- panels
def trend_svg(trend: pd.DataFrame, ind: Indicator, *,
              title: str = "Diễn biến so với mục tiêu") -> str:
    """The selection's value by period (marker = status) against its target (dashed steps)."""
    values, targets = _values(trend, "value"), _values(trend, "target")
    if trend.empty or np.isnan(values).all():
        return _no_data(title)
    height = 300.0
    box = _Box(64, 34, WIDTH - 16, height - 74)
    low, high = _span(values, targets, floor=0.0)
    ticks = nice_ticks(low, high, integer=_is_integer_measure(ind))
    low, high = ticks[0], ticks[-1]
    scale = box.height / (high - low)
    periods = [str(p) for p in trend["period"]]
    step = box.width / len(periods)
    xs = [box.left + step * (i + 0.5) for i in range(len(periods))]

    def y_of(v: float) -> float:
        return box.bottom - (v - low) * scale

    body = [_title(title), *_grid(box, ticks, scale, low, ind.measure, vertical=False)]
    many = len(periods) > 8
    for x, period in zip(xs, periods, strict=True):
        if many:
            body.append(_text(x + 3, box.bottom + 12, period, anchor="end", colour=_MUTED,
                              rotate=-40, size=FONT - 1))
        else:
            body.append(_text(x, box.bottom + 16, period, anchor="middle", colour=_MUTED))
    if not np.isnan(targets).all():
        path, pen = [], "M"
        for i, t in enumerate(targets):
            if np.isnan(t):
                pen = "M"
                continue
            x0, x1 = box.left + step * i, box.left + step * (i + 1)
            path.append(f"{pen}{_num(x0)},{_num(y_of(t))} L{_num(x1)},{_num(y_of(t))}")
            pen = "L"
        body.append(f'<path d="{" ".join(path)}" fill="none" stroke="{theme.INK}" '
                    f'stroke-width="1.2" stroke-dasharray="5 3"/>')
    points = [(x, y_of(v)) for x, v in zip(xs, values, strict=True) if np.isfinite(v)]
    if len(points) > 1:
        line = " ".join(f"{_num(x)},{_num(y)}" for x, y in points)
        body.append(f'<polyline points="{line}" fill="none" stroke="{_SERIES}" '
                    'stroke-width="2"/>')
    seen: dict[str, theme.StatusStyle] = {}
    provisional = _provisional(trend)
    for x, v, status, hollow in zip(xs, values, trend["status"], provisional, strict=True):
        if np.isfinite(v):
            style = theme.status_style(status)
            seen.setdefault(str(status), style)
            body.append(marker(style.marker, x, y_of(v), style.colour, hollow=hollow))
    legend = [(_line(-8, 0, 8, 0, _SERIES, width=2), "Thực hiện")]
    if not np.isnan(targets).all():
        legend.append((_line(-8, 0, 8, 0, theme.INK, width=1.2, dash="5 3"), TARGET_LABEL))
    legend += [(marker(style.marker, 0, 0, style.colour), fmt.status_label(status))
               for status, style in seen.items()]
    if provisional.any():
        legend.append((marker("o", 0, 0, _MUTED, hollow=True), fmt.PROVISIONAL["vi"]))
    body += _legend(legend, box.left - 40, height - 14)
    said = "; ".join(
        f"{p}: {fmt.value(ind.measure, v, target=t)} ({fmt.status_label(s)}"
        f"{', ' + fmt.PROVISIONAL['vi'] if hollow else ''})"
        for p, v, t, s, hollow in zip(periods, values, targets, trend["status"], provisional,
                                      strict=True))
    return _svg(height, f"{title}. {said}", body)


def distribution_svg(cdcs: pd.DataFrame, ind: Indicator, target: float | None, *,
                     highlight: str | None = None,
                     title: str = "Phân bố giữa các CĐCS") -> str:
    """Histogram of the CĐCS' values (those with data), the target and the chosen CĐCS."""
    values = _values(cdcs, "value")
    values = values[np.isfinite(values)]
    heading = f"{title} ({fmt.number(len(values))} CĐCS có số liệu)"
    if len(values) == 0:
        return _no_data(heading)
    height = 300.0
    box = _Box(52, 34, WIDTH - 16, height - 58)
    low, high = _span(values, np.array([target if target is not None else np.nan]),
                      floor=0.0 if values.min() >= 0 else None)
    if ind.measure == "share":
        high = max(high, 1.0) if high <= 1.0 else high
    integer = _is_integer_measure(ind) and high - low <= 20
    if integer:
        edges = np.arange(math.floor(low) - 0.5, math.ceil(high) + 1.0)
    else:
        edges = np.linspace(low, high if high > low else low + 1, 11)
    counts, _ = np.histogram(values, bins=edges)
    x_ticks = nice_ticks(float(edges[0]), float(edges[-1]), integer=_is_integer_measure(ind))
    x_low, x_high = min(x_ticks[0], float(edges[0])), max(x_ticks[-1], float(edges[-1]))
    x_scale = box.width / (x_high - x_low)
    y_ticks = nice_ticks(0, float(counts.max()), integer=True)
    y_scale = box.height / y_ticks[-1]
    body = [_title(heading), *_grid(box, y_ticks, y_scale, 0.0, "count", vertical=False)]
    for tick in x_ticks:
        if x_low <= tick <= x_high:
            x = box.left + (tick - x_low) * x_scale
            body.append(_text(x, box.bottom + 15, _tick_label(ind.measure, tick, x_ticks),
                              anchor="middle", colour=_MUTED))
    for n, left, right in zip(counts, edges[:-1], edges[1:], strict=True):
        if n:
            x0 = box.left + (left - x_low) * x_scale
            w = (right - left) * x_scale
            body.append(f'<rect x="{_num(x0 + 0.5)}" y="{_num(box.bottom - n * y_scale)}" '
                        f'width="{_num(max(w - 1, 0.5))}" height="{_num(n * y_scale)}" '
                        f'fill="{_SERIES}"><title>{fmt.number(n)} CĐCS</title></rect>')
    body.append(_text(14, box.top + box.height / 2, "Số CĐCS", anchor="middle",
                      colour=_MUTED, rotate=-90))
    legend = []
    if target is not None and np.isfinite(target):
        x = box.left + (target - x_low) * x_scale
        body.append(_line(x, box.top, x, box.bottom, theme.INK, width=1.2, dash="5 3"))
        legend.append((_line(-8, 0, 8, 0, theme.INK, width=1.2, dash="5 3"), TARGET_LABEL))
    chosen = cdcs[cdcs["unit_id"].astype(str) == highlight] if highlight else cdcs.iloc[0:0]
    if len(chosen) and pd.notna(chosen["value"].iloc[0]):
        colour = theme.status_style(chosen["status"].iloc[0]).colour
        x = box.left + (float(chosen["value"].iloc[0]) - x_low) * x_scale
        body.append(_line(x, box.top, x, box.bottom, colour, width=3))
        legend.append((_line(-8, 0, 8, 0, colour, width=3),
                       _short(str(chosen["unit_name"].iloc[0]), 40)))
    body += _legend(legend, box.left - 40, height - 12)
    said = (f"{heading}: từ {fmt.value(ind.measure, values.min())} đến "
            f"{fmt.value(ind.measure, values.max())}, trung vị "
            f"{fmt.value(ind.measure, float(np.median(values)))}")
    if target is not None and np.isfinite(target):
        said += f"; mục tiêu {fmt.value(ind.measure, target)}"
    return _svg(height, said, body)


def breakdown_svg(rows: pd.DataFrame, ind: Indicator, *, highlight: str | None = None,
                  title: str = "", limit: int = 25) -> str:
    """Horizontal bars, one per group, coloured by status, with the value written at the end.

    The chosen group (``highlight``) is outlined and its name bold; the target is a dashed line.
    More than ``limit`` groups: the lowest shares (or the highest counts) are shown.
    """
    data = rows.assign(value=pd.to_numeric(rows["value"], errors="coerce")).dropna(
        subset=["value"])
    if data.empty:
        return _no_data(title)
    lowest = ind.measure == "share"
    data = data.sort_values("value", ascending=False)
    heading = title
    if len(data) > limit:
        data = data.tail(limit) if lowest else data.head(limit)
        heading += f" ({limit} {'thấp' if lowest else 'cao'} nhất)"
    values = data["value"].to_numpy(dtype=float)
    targets = pd.to_numeric(data["target"], errors="coerce").dropna().to_numpy(dtype=float)
    row_height = 18.0
    height = 34 + max(len(data), 3) * row_height + 34
    names = [_short(str(n), 34) for n in data["unit_name"]]
    # room for the longest name in bold (≈ 0.62 em a character)
    left = min(14 + 0.62 * FONT * max(len(n) for n in names), WIDTH * 0.45)
    fits = int((left - 14) / (0.62 * FONT))
    names = [_short(n, fits) for n in names]
    box = _Box(left, 30, WIDTH - 64, height - 30)
    low, high = _span(values, targets, floor=0.0)
    ticks = nice_ticks(low, high, integer=_is_integer_measure(ind))
    low, high = ticks[0], ticks[-1]
    scale = box.width / (high - low)
    body = [_title(heading), *_grid(box, ticks, scale, low, ind.measure, vertical=True)]
    zero = box.left + (0 - low) * scale
    if len(targets):  # under the bars' value labels
        x = box.left + (float(targets[0]) - low) * scale
        body.append(_line(x, box.top, x, box.bottom - 4, theme.INK, width=1.2, dash="5 3"))
        body.append(_text(x, box.top - 3, TARGET_LABEL, anchor="middle", colour=_MUTED,
                          size=FONT - 1))
    shown_targets = pd.to_numeric(data["target"], errors="coerce").to_numpy(dtype=float)
    provisional = _provisional(data)
    notes = [f" ({fmt.PROVISIONAL['vi']})" if p else "" for p in provisional]
    for i, (name, value, status, unit, goal, note) in enumerate(zip(
            names, values, data["status"], data["unit_id"].astype(str), shown_targets, notes,
            strict=True)):
        y = box.top + 4 + i * row_height
        style = theme.status_style(status)
        chosen = unit == highlight
        x0, x1 = sorted((zero, box.left + (value - low) * scale))
        outline = f' stroke="{theme.INK}" stroke-width="2"' if chosen else ""
        body.append(f'<rect x="{_num(x0)}" y="{_num(y)}" width="{_num(max(x1 - x0, 0.5))}" '
                    f'height="{_num(row_height - 5)}" fill="{style.colour}"{outline}/>')
        body.append(_text(box.left - 6, y + row_height / 2 + 1, name, anchor="end",
                          weight="bold" if chosen else "normal"))
        body.append(_text(x1 + 4, y + row_height / 2 + 1,
                          f"{fmt.value(ind.measure, value, target=goal)} {style.symbol}{note}",
                          weight="bold" if chosen else "normal", halo=True))
    said = "; ".join(f"{n}: {fmt.value(ind.measure, v, target=t)} ({fmt.status_label(s)}){note}"
                     for n, v, t, s, note in zip(names, values, shown_targets, data["status"],
                                                 notes, strict=True))
    return _svg(height, f"{heading}. {said}", body)


@dataclass(frozen=True)
class PanelData:
    """What one panel draws: its rows, and the chosen group or CĐCS to highlight."""

    rows: pd.DataFrame
    highlight: str | None = None
    target: float | None = None


def panel_svg(name: str, data: PanelData, ind: Indicator) -> str:
    """Panel ``name`` (one of :data:`PANELS`) as SVG."""
    if name == "trend":
        return trend_svg(data.rows, ind)
    if name == "distribution":
        return distribution_svg(data.rows, ind, data.target, highlight=data.highlight)
    title = {"sector": "Theo khu vực", "commune": "Theo địa bàn (xã, phường)"}[name]
    return breakdown_svg(data.rows, ind, highlight=data.highlight, title=title)
