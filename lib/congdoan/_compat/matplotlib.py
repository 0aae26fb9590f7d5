"""matplotlib: texts drawn from kept glyph bitmaps; kept figures cleared for a redraw.

Three patches of :data:`congdoan._compat.PATCHES`:

- ``text_bitmaps`` (:func:`keep_text_bitmaps`, matplotlib 3.10): Agg lays out and
  rasterises a text at the origin (FreeType's ``set_text`` and ``draw_glyphs_to_bitmap``) and
  then copies the bitmap to its place, turned and coloured there. The bitmap depends only on the
  text, the font files, the size, the resolution and the rendering flags, so it is kept by those
  and copied again the next time: the tick labels, panel titles, indicator names and legend
  that most briefings share are not rasterised again. A copy of 3.10's ``RendererAgg.draw_text``.
- ``glyph_bitmaps`` (the same function, matplotlib 3.11): 3.11 lays a text out with libraqm
  (``FT2Font._layout``) and renders each glyph at its place, turned and at its sub-pixel offset
  (``RendererAgg._draw_text_glyphs_and_boxes``). The layout depends only on the text, the fonts,
  the size, the resolution, the flags, the font features and the language, and a glyph's bitmap
  only on its font, size, index, angle, flags and the sub-pixel part of its place, so both are
  kept by those: a text drawn again is neither laid out nor rasterised again, only copied.
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
    """``RendererAgg.draw_text`` (matplotlib 3.10), keeping each text's glyph bitmap.

    The pixels are the same as matplotlib's own (tested). Math text is left to matplotlib.
    """
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import fontManager

    if ismath:
        RendererAgg.draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
        return
    flags, antialiased = get_hinting_flag(), gc.get_antialiased()
    manager: Any = fontManager  # typed differently from one matplotlib to the next
    files = manager._find_fonts_by_props(prop)
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


_LAYOUTS: dict[tuple[Any, ...], tuple[Any, ...]] = {}
"""Laid-out texts (see :func:`draw_glyphs_kept`): the layout items of ``FT2Font._layout``."""

_GLYPHS: dict[tuple[Any, ...], tuple[np.ndarray, int, int]] = {}
"""Rendered glyphs (see :func:`draw_glyphs_kept`): bitmap, left and top in whole pixels from the
whole-pixel part of the glyph's place."""

GLYPHS_MAX = 65536
"""At most this many kept glyph bitmaps (and laid-out texts); the caches are emptied when full."""


def draw_glyphs_kept(renderer: Any, gc: Any, x: float, y: float, s: str, prop: Any,
                     angle: float, ismath: Any = False, mtext: Any = None) -> None:
    """``RendererAgg.draw_text`` (matplotlib 3.11), keeping each layout and glyph bitmap.

    The places of the glyphs are computed as matplotlib computes them (in 1/64 pixel, from the
    same expression), so the pixels are matplotlib's own (tested). Math text is left to
    matplotlib.
    """
    from matplotlib import rcParams
    from matplotlib.backends.backend_agg import RendererAgg, get_hinting_flag
    from matplotlib.font_manager import fontManager
    from matplotlib.ft2font import RenderMode  # type: ignore[attr-defined]  # (3.11 on)

    if ismath:
        RendererAgg.draw_text(renderer, gc, x, y, s, prop, angle, ismath, mtext)
        return
    flags, antialiased = get_hinting_flag(), gc.get_antialiased()
    features = mtext.get_fontfeatures() if mtext is not None else None
    language = mtext.get_language() if mtext is not None else None
    size = prop.get_size_in_points()
    manager: Any = fontManager  # typed differently from one matplotlib to the next
    files = tuple(manager._find_fonts_by_props(prop))
    layout_key = (s, files, size, renderer.dpi, flags, features, language,
                  rcParams["text.hinting_factor"], rcParams["text.kerning_factor"])
    items = _LAYOUTS.get(layout_key)
    if items is None:
        if len(_LAYOUTS) >= GLYPHS_MAX:
            _LAYOUTS.clear()
        items = _LAYOUTS[layout_key] = tuple(renderer._prepare_font(prop)._layout(
            s, flags=flags, features=features, language=language))
    cos_a, sin_a = cos(radians(angle)), sin(radians(angle))
    height = renderer.height
    turn = (0x10000 * np.array([[cos_a, -sin_a], [sin_a, cos_a]])
            @ [[1, 0], [0, 1]]).round().astype(int)
    mode = RenderMode.NORMAL if antialiased else RenderMode.MONO
    for item in items:
        dx, dy = item.x, item.y
        # matplotlib's own expression of the glyph's place, in 1/64 pixel
        at_x = round(0x40 * (x + dx * cos_a - dy * sin_a))
        at_y = round(0x40 * (height - y + dx * sin_a + dy * cos_a))
        whole_x, part_x = divmod(at_x, 0x40)
        whole_y, part_y = divmod(at_y, 0x40)
        font = item.ft_object
        key = (font, size, renderer.dpi, item.glyph_index, angle, flags, antialiased,
               part_x, part_y)
        kept = _GLYPHS.get(key)
        if kept is None:
            font.set_size(size, renderer.dpi)
            font._set_transform(turn, [part_x, part_y])
            bitmap = font._render_glyph(item.glyph_index, flags, mode)
            buffer = np.array(bitmap.buffer)
            if not antialiased:
                buffer *= 0xff
            if len(_GLYPHS) >= GLYPHS_MAX:
                _GLYPHS.clear()
            kept = _GLYPHS[key] = (buffer, bitmap.left, bitmap.top)
        buffer, left, top = kept
        # draw_text_image's y is downwards and the bitmap's bottom side
        renderer._renderer.draw_text_image(
            buffer, left + whole_x, int(height) - (top + whole_y) + buffer.shape[0], 0, gc)


def keep_text_bitmaps(renderer: Any) -> None:
    """Have this Agg ``renderer`` draw texts as the text and glyph bitmap patches say.

    Where one is active, with :func:`draw_text_kept` (3.10) or :func:`draw_glyphs_kept`
    (3.11); where neither is, with matplotlib's own ``draw_text`` (undone if set before).
    """
    kept = (draw_text_kept if active("text_bitmaps")
            else draw_glyphs_kept if active("glyph_bitmaps") else None)
    if kept is not None:
        current = vars(renderer).get("draw_text")
        if getattr(current, "__func__", None) is not kept:
            renderer.draw_text = MethodType(kept, renderer)
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
    """How many text and glyph bitmaps are kept now (for tests and figures)."""
    return len(_TEXT_BITMAPS) + len(_GLYPHS)


def forget_text_bitmaps() -> None:
    """Drop every kept text bitmap, glyph bitmap and layout."""
    _TEXT_BITMAPS.clear()
    _GLYPHS.clear()
    _LAYOUTS.clear()


__all__ = ["GLYPHS_MAX", "TEXT_BITMAPS_MAX", "clear_axes", "draw_glyphs_kept", "draw_text_kept",
           "forget_text_bitmaps",
           "keep_text_bitmaps", "keeps_figures", "text_bitmaps_kept"]
