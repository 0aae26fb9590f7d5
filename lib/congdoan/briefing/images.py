"""From a chart to an embeddable image: PNG bytes, a notebook image, a block of panels.

Every figure made by :mod:`congdoan.briefing.charts` carries a text alternative
(:func:`describe`, :func:`alt_text`) that travels with its image as the ``alt`` text. Figures
are drawn on a kept Agg canvas and stored as PNG (:func:`png`, :func:`encode_png`).
"""

from __future__ import annotations

import base64
import html
import struct
import zlib
from collections.abc import Callable
from typing import Any
from weakref import WeakKeyDictionary

import numpy as np
from matplotlib.figure import Figure

from congdoan._compat.matplotlib import keep_text_bitmaps
from congdoan.briefing.theme import PNG_DPI

_ALT_TEXTS: WeakKeyDictionary[Figure, str] = WeakKeyDictionary()
"""Text alternative of each figure made here (see :func:`describe`)."""


def describe(figure: Figure, text: str) -> Figure:
    """Record ``text`` as the text alternative of ``figure`` (its ``alt`` when embedded)."""
    _ALT_TEXTS[figure] = text
    return figure


def alt_text(figure: Figure) -> str:
    """The text alternative of a figure made by this module ('' for any other figure)."""
    return _ALT_TEXTS.get(figure, "")


def agg_canvas(figure: Figure) -> Any:
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


def png(figure: Figure, dpi: int = PNG_DPI,
        draw: Callable[[Any], None] | None = None) -> bytes:
    """The figure as PNG bytes (RGB when the figure is opaque, as every chart here is).

    An opaque chart is stored without an alpha channel: the same pixels, a smaller file, and
    WeasyPrint need not split off and re-compress an alpha mask for each image of a PDF. Texts
    are drawn from kept glyph bitmaps (:func:`_draw_text_kept`). ``draw`` (default: the
    canvas's own ``draw``) fills the Agg canvas, at ``dpi``, before its pixels are taken.
    """
    canvas = agg_canvas(figure)
    screen_dpi = figure.dpi
    figure.set_dpi(dpi)
    try:
        keep_text_bitmaps(canvas.get_renderer())  # the renderer every drawing uses
        if draw is None:
            canvas.draw()
        else:
            draw(canvas)
        rgba = np.asarray(canvas.buffer_rgba())
        pixels = rgba[..., :3] if rgba[..., 3].min() == 255 else rgba
        return encode_png(pixels, dpi)
    finally:
        figure.set_dpi(screen_dpi)


def encode_png(pixels: np.ndarray, dpi: int = PNG_DPI, level: int = 3) -> bytes:
    """An 8-bit RGB (height × width × 3) or RGBA (× 4) array as a PNG file.

    Every row is stored unfiltered and zlib-compressed at ``level``: a valid PNG of exactly
    these pixels. (Pillow's encoder picks a PNG filter row by row, which for these
    flat-coloured charts takes longer for a file only a little smaller.)
    """
    height, width, channels = pixels.shape
    rows = np.empty((height, 1 + width * channels), dtype=np.uint8)
    rows[:, 0] = 0  # filter type "None"
    target = rows[:, 1:].reshape(height, width, channels)
    for channel in range(channels):  # one channel at a time: contiguous copies
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


def image(figure: Figure, dpi: int = PNG_DPI, alt: str | None = None) -> Any:
    """An IPython image of the figure (embedded as PNG in notebooks and their HTML).

    ``alt`` (default: the figure's :func:`alt_text`) travels in the output's metadata, and the
    briefing's HTML writes it as the image's ``alt``.
    """
    from IPython.display import Image

    return Image(data=png(figure, dpi), format="png",
                 alt=alt_text(figure) if alt is None else alt)


def panels(pictures: list[tuple[bytes, str]], label: str = "", note: str = "") -> Any:
    """PNG images (each with its text alternative) as one HTML block of panels.

    The page lays the panels out (``.cd-panels`` in the briefing style): three a row on a wide
    page and in print, one a row on a phone, where each is then drawn at a readable size.
    ``note`` (e.g. the key of the lines) is written below them as text.
    """
    from IPython.display import HTML

    images = "".join(
        f'<img class="cd-panel" src="data:image/png;base64,{base64.b64encode(data).decode()}"'
        f' alt="{html.escape(alt, quote=True)}">' for data, alt in pictures)
    name = f' role="group" aria-label="{html.escape(label, quote=True)}"' if label else ""
    key = f'<p class="cd-note">{html.escape(note)}</p>' if note else ""
    return HTML(f'<div class="cd-panels"{name}>{images}</div>{key}')
