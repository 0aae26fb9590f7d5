"""matplotlib: texts drawn from kept glyph bitmaps; kept figures cleared for a redraw.

Two patches of :data:`congdoan._compat.PATCHES`:

- ``text_bitmaps`` (:func:`keep_text_bitmaps`): Agg lays out and rasterises a text at the
  origin (FreeType's ``set_text`` and ``draw_glyphs_to_bitmap``) and then copies the bitmap to
  its place, turned and coloured there. The bitmap depends only on the text, the font files,
  the size, the resolution and the rendering flags, so it is kept by those and copied again the
  next time: the tick labels, panel titles, indicator names and legend that most briefings share
  are not rasterised again. A copy of matplotlib 3.9–3.10's ``RendererAgg.draw_text``; 3.11 lays
  out and draws glyph by glyph (libraqm), which this does not follow, so it is off there.
- ``kept_figures`` (:func:`clear_axes`): a drawn axes returned to the state it was made in, so
  that a kept figure draws the next chart as a new figure would.
"""

from __future__ import annotations

from math import cos, radians, sin
from types import MethodType
from typing import Any

import numpy as np

from congdoan._compat import active

_TEXT_BITMAPS: dict[tuple[Any, ...], tuple[np.ndarray, float, float, float]] = {}
"""Glyph bitmaps of drawn texts (see :func:`draw_text_kept`): bitmap, descent, x and y offset."""

TEXT_BITMAPS_MAX = 4096
"""At most this many kept text bitmaps (a few KB each); the cache is emptied when full."""


def draw_text_kept(renderer: Any, gc: Any, x: float, y: float, s: str, prop: Any,
                   angle: float, ismath: Any = False, mtext: Any = None) -> None:
    """``RendererAgg.draw_text`` (matplotlib 3.9–3.10), keeping each text's glyph bitmap.

    The pixels are the same as matplotlib's own (tested). Math text is left to matplotlib.
    """
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import fontManager

    if ismath:
        RendererAgg.draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
        return
    flags, antialiased = get_hinting_flag(), gc.get_antialiased()
    files = fontManager._find_fonts_by_props(prop)  # type: ignore[attr-defined]
    key = (s, tuple(files), prop.get_size_in_points(), renderer.dpi, antialiased, flags,
           rcParams["text.hinting_factor"], rcParams["text.kerning_factor"])
    kept = _TEXT_BITMAPS.get(key)
    if kept is None:
        font = renderer._prepare_font(prop)
        font.set_text(s, 0, flags=flags)
        font.draw_glyphs_to_bitmap(antialiased=antialiased)
        x_offset, y_offset = font.get_bitmap_offset()
        if len(_TEXT_BITMAPS) >= TEXT_BITMAPS_MAX:
            _TEXT_BITMAPS.clear()
        kept = _TEXT_BITMAPS[key] = (np.array(font.get_image()), font.get_descent() / 64.0,
                                     x_offset / 64.0, y_offset / 64.0)
    bitmap, descent, x_offset, y_offset = kept
    # as matplotlib does: the descent turned with the text, then rounded to whole pixels
    x = round(x + x_offset + descent * sin(radians(angle)))
    y = round(y + y_offset + descent * cos(radians(angle)))
    renderer._renderer.draw_text_image(bitmap, x, y + 1, angle, gc)


def keep_text_bitmaps(renderer: Any) -> None:
    """Have this Agg ``renderer`` draw texts as the ``text_bitmaps`` patch says.

    Where it is active, with :func:`draw_text_kept`; where it is not, with matplotlib's own
    ``draw_text`` (undone if it was set before).
    """
    if active("text_bitmaps"):
        if "draw_text" not in vars(renderer):
            renderer.draw_text = MethodType(draw_text_kept, renderer)
    elif "draw_text" in vars(renderer):
        del renderer.draw_text


def keeps_figures() -> bool:
    """True where the ``kept_figures`` patch is active: charts may be redrawn on kept figures."""
    return active("kept_figures")


def clear_axes(axis: Any) -> None:
    """Return a drawn axes (a kept trend panel or comparison chart) to its state when made.

    Its lines, collections, patches and texts are removed, its data limits forgotten, its y
    locator and formatter and its left title reset, and it is made visible again.
    """
    from matplotlib.ticker import AutoLocator, ScalarFormatter

    for artist in [*axis.lines, *axis.collections, *axis.patches, *axis.texts]:
        artist.remove()
    axis.relim()
    axis.ignore_existing_data_limits = True
    axis.set_autoscale_on(True)
    axis.yaxis.set_major_locator(AutoLocator())
    axis.yaxis.set_major_formatter(ScalarFormatter())
    axis.set_title("", loc="left")
    axis.set_visible(True)


def text_bitmaps_kept() -> int:
    """How many text bitmaps are kept now (for tests and figures)."""
    return len(_TEXT_BITMAPS)


def forget_text_bitmaps() -> None:
    """Drop every kept text bitmap."""
    _TEXT_BITMAPS.clear()


__all__ = ["TEXT_BITMAPS_MAX", "clear_axes", "draw_text_kept", "forget_text_bitmaps",
           "keep_text_bitmaps", "keeps_figures", "text_bitmaps_kept"]
