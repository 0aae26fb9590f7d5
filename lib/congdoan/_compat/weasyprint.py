"""WeasyPrint: a lean user-agent style sheet, PNG rows copied as they are, no library search.

Three patches of :data:`congdoan._compat.PATCHES`, each applied only where
:func:`congdoan._compat.active` says so:

- ``lean_user_agent`` (:func:`html_class`): WeasyPrint's user-agent style sheet gives a style to
  ``::marker``, ``::footnote-call``, ``::footnote-marker``, ``::note-call``, ``::note-marker``
  and ``::note-callback`` of every element, so it computes six pseudo-element styles per element
  (1,548 of the 1,681 styles of a union briefing) that only list items, footnotes and notes can
  use. The lean sheet applies the marker rule to ``li`` only and leaves the footnote and note
  rules out: a briefing's HTML has no footnote, no note, and lists only as ``ul``/``ol`` of
  ``li``. A WeasyPrint whose sheet reads otherwise keeps its own.
- ``png_rows`` (:func:`copy_png_rows`): WeasyPrint decodes every PNG and compresses it again to
  take the rows from a PNG it wrote itself. For an opaque 8-bit PNG (what
  :func:`congdoan.briefing.images.png` writes) the original rows are the same stream.
- ``library_search`` (:func:`import_weasyprint`): WeasyPrint opens each C library it uses
  (GLib, Pango, HarfBuzz, fontconfig) by trying a list of names in turn, and cffi hands every
  name that does not load to ``ctypes.util.find_library``, which on Linux runs ``gcc`` and ``ld``
  to search: about twenty runs per process. On Linux the list's ``libX.so.N`` names load
  directly, so the search is skipped while WeasyPrint is imported; should that import fail, it
  is retried with the search.
"""

from __future__ import annotations

import io
import re
import sys
from functools import lru_cache
from typing import Any

from congdoan._compat import active


def import_weasyprint() -> None:
    """Import WeasyPrint (without ctypes' library search where ``library_search`` is active)."""
    if "weasyprint" in sys.modules:
        return
    if not sys.platform.startswith("linux") or not active("library_search"):
        import weasyprint  # noqa: F401
        return
    import ctypes.util

    original = ctypes.util.find_library
    ctypes.util.find_library = lambda name: None
    try:
        import weasyprint  # noqa: F401, F811
    except OSError:  # a library only the search finds: import again, searching
        for name in [m for m in sys.modules if m.split(".")[0] == "weasyprint"]:
            del sys.modules[name]
        ctypes.util.find_library = original
        import weasyprint  # noqa: F401, F811
    finally:
        ctypes.util.find_library = original


def png_rows(data: bytes) -> bytes | None:
    """The compressed rows (joined IDAT chunks) of an 8-bit, non-interlaced RGB or grey PNG.

    These are exactly the ``/FlateDecode`` + PNG-predictor stream a PDF image needs, so they can
    be copied into the PDF as they are. None for any other PNG (palette, alpha, 16-bit,
    interlaced) or for data that is not a well-formed PNG.
    """
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    depth, colour, interlace = data[24], data[25], data[28]
    if depth != 8 or colour not in (0, 2) or interlace != 0:
        return None
    rows, at = [], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        kind = data[at + 4:at + 8]
        if kind == b"IDAT":
            rows.append(data[at + 8:at + 8 + length])
        elif kind in (b"tRNS", b"PLTE"):
            return None
        elif kind == b"IEND":
            return b"".join(rows) or None
        at += 12 + length
    return None


_ORIGINAL = "congdoan_original"
"""Attribute of the installed replacement that holds WeasyPrint's own ``_get_png_data``."""


def copy_png_rows() -> None:
    """Install (``png_rows`` active) or remove the copying of opaque 8-bit PNG rows.

    Any other image, or a WeasyPrint without the internal method, goes the usual way.
    """
    from weasyprint.images import RasterImage

    current = vars(RasterImage).get("_get_png_data")
    current = getattr(current, "__func__", current)
    installed = getattr(current, _ORIGINAL, None)
    if not active("png_rows"):
        if installed is not None:
            RasterImage._get_png_data = staticmethod(installed)
        return
    if current is None or installed is not None:
        return

    def get_png_data(pillow_image: Any) -> bytes:
        source = getattr(pillow_image, "fp", None)
        if getattr(pillow_image, "format", None) == "PNG" and isinstance(source, io.BytesIO):
            rows = png_rows(source.getvalue())
            if rows is not None:
                return rows
        data: bytes = current(pillow_image)
        return data

    setattr(get_png_data, _ORIGINAL, current)
    RasterImage._get_png_data = staticmethod(get_png_data)


UNUSED_PSEUDO_RULES = re.compile(r"\n::(?:footnote|note)-[a-z]+ \{[^}]*\}")
"""WeasyPrint's user-agent rules for footnotes and notes, which briefings never have."""


def html_class() -> type:
    """``weasyprint.HTML``, or its lean subclass where ``lean_user_agent`` is active."""
    from weasyprint import HTML

    return _lean_html() if active("lean_user_agent") else HTML


@lru_cache(maxsize=1)
def _lean_html() -> type:
    """WeasyPrint's ``HTML`` with a user-agent style sheet that styles no unused pseudo-element.

    The sheet is WeasyPrint's own ``css/html5_ua.css`` with the footnote and note rules left out
    and ``::marker`` on ``li`` only; when the file does not read as expected (another
    WeasyPrint), ``HTML`` itself is returned.
    """
    from importlib.resources import files

    import weasyprint.css
    from weasyprint import CSS, HTML
    from weasyprint.css.counters import CounterStyle

    own = (files(weasyprint.css) / "html5_ua.css").read_text("utf-8")
    text, notes = UNUSED_PSEUDO_RULES.subn("", own.replace("\n::marker {", "\nli::marker {"))
    if notes != 5 or "\nli::marker {" not in text or "\n::" in text:
        return HTML
    # the sheet's @counter-style rules are WeasyPrint's own, already in its counter styles
    sheet = CSS(string=text, counter_style=CounterStyle())

    class LeanHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[object]:
            return super()._ua_stylesheets(forms) if forms else [sheet]

    return LeanHTML


__all__ = ["UNUSED_PSEUDO_RULES", "copy_png_rows", "html_class", "import_weasyprint", "png_rows"]
