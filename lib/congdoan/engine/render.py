"""Rendering executed briefing notebooks to self-contained HTML and A4 PDF.

A :class:`Renderer` builds its WeasyPrint font set-up once and is reused for every briefing of a
batch. The HTML holds the notebook's outputs only (no code, no markdown, no prompts, no stderr),
each output in its richest form (HTML, SVG inline, PNG/JPEG as a data URI, else escaped text),
and no network reference at all (no CDN script, font or style sheet): it opens offline. It is
written directly rather than through nbconvert's exporter (whose template, notebook validation
and HTML re-parsing are work repeated for the same fragment). The PDF is made by
WeasyPrint from the same HTML with an A4 print style sheet, page numbers ("Trang N/M") and
fonts that cover Vietnamese (Noto Sans / DejaVu Sans, embedded as subsets).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from congdoan._compat.weasyprint import copy_png_rows, html_class, import_weasyprint
from congdoan.briefing import SCREEN_ONLY
from congdoan.exceptions import Location, RenderError

if TYPE_CHECKING:  # only for annotations: importing this module does not import nbformat
    import nbformat

TEMPLATES = files("congdoan") / "templates"
PAGE_WORDS = {"vi": "Trang", "en": "Page"}
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif")


def _text(value: object) -> str:
    """A notebook text field (a string or a list of lines) as one string."""
    return "".join(value) if isinstance(value, list) else str(value)


def _image(mime: str, data: str, metadata: dict[str, object]) -> str:
    """An ``<img>`` of the base64 ``data``, with the width/height and ``alt`` the output gave.

    The text alternative is the output's ``alt`` metadata, as IPython's ``Image(alt=…)``
    records it (empty when there is none).
    """
    size = ""
    for key in ("width", "height"):
        value = metadata.get(key)
        if isinstance(value, (int, float)):
            size += f' {key}="{int(value)}"'
    alt = metadata.get("alt")
    text = html.escape(alt, quote=True) if isinstance(alt, str) else ""
    return f'<img src="data:{mime};base64,{"".join(data.split())}" alt="{text}"{size}>'


def output_html(output: nbformat.NotebookNode) -> str:
    """One cell output as HTML: its richest form, stderr and unknown types dropped."""
    kind = output.get("output_type")
    if kind == "stream":
        if output.get("name") == "stderr":
            return ""
        return f'<pre class="cd-stream">{html.escape(_text(output.get("text", "")))}</pre>'
    if kind == "error":
        trace = ANSI_ESCAPE.sub("", "\n".join(output.get("traceback", [])))
        return f'<pre class="cd-error">{html.escape(trace)}</pre>'
    bundle = output.get("data", {})
    if "text/html" in bundle:
        return _text(bundle["text/html"])
    if "image/svg+xml" in bundle:
        return _text(bundle["image/svg+xml"])
    for mime in IMAGE_TYPES:
        if mime in bundle:
            return _image(mime, _text(bundle[mime]), output.get("metadata", {}).get(mime, {}))
    if "text/plain" in bundle:
        return f'<pre class="cd-text">{html.escape(_text(bundle["text/plain"]))}</pre>'
    return ""


_SCREEN_ONLY = re.compile(re.escape(SCREEN_ONLY[0]) + ".*?" + re.escape(SCREEN_ONLY[1]), re.S)
"""A fragment only the screen shows (see :data:`congdoan.briefing.SCREEN_ONLY`)."""

DATA_URI = re.compile(r'src="data:(image/[a-z+.-]+);base64,([A-Za-z0-9+/=\s]+)"')
IMAGE_SCHEME = "congdoan-image"


def _images_by_reference(page: str) -> tuple[str, list[tuple[str, str]]]:
    """``page`` with each base64 image replaced by a short ``congdoan-image:N`` reference.

    WeasyPrint's HTML parser reads a data URI character by character; the images are handed
    over through :func:`_image_fetcher` instead, and the PDF shows the same pixels.
    """
    images: list[tuple[str, str]] = []

    def refer(match: re.Match[str]) -> str:
        images.append((match[1], match[2]))
        return f'src="{IMAGE_SCHEME}:{len(images) - 1}"'

    return DATA_URI.sub(refer, page), images


def _image_fetcher(images: list[tuple[str, str]]) -> object:
    """A WeasyPrint URL fetcher that serves ``images`` and the data: scheme, nothing else.

    The PDF is made without any network or file access, whatever the notebook's HTML holds.
    """
    import base64

    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ImageFetcher(URLFetcher):
        def fetch(self, url: str, headers: object = None) -> object:
            if url.startswith(f"{IMAGE_SCHEME}:"):
                mime, data = images[int(url.split(":", 1)[1])]
                return URLFetcherResponse(url, body=base64.b64decode(data),
                                          headers={"Content-Type": mime})
            return super().fetch(url, headers)

    return ImageFetcher(allowed_protocols=["data", IMAGE_SCHEME])


def _css_string(text: str) -> str:
    """``text`` as a CSS string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


class Renderer:
    """Converts executed notebooks to HTML and PDF; create once, reuse for many notebooks."""

    def __init__(self) -> None:
        self.css = (TEMPLATES / "briefing.css").read_text(encoding="utf-8")
        self.phone_css = (TEMPLATES / "briefing_phone.css").read_text(encoding="utf-8")
        self._font_config: object | None = None
        self._page_css: dict[tuple[str, str], object] = {}
        self.warmed = False

    # ------------------------------------------------------------------ HTML
    def body(self, nb: nbformat.NotebookNode) -> str:
        """The notebook's outputs as an HTML fragment (no code, no stderr, no prompts).

        One ``<div class="cd-cell">`` per code cell that shows something; markdown and raw
        cells are left out.
        """
        parts = []
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            shown = [part for part in map(output_html, cell.get("outputs", [])) if part]
            if shown:
                parts.append('<div class="cd-cell">\n' + "\n".join(shown) + "\n</div>")
        return "\n".join(parts)

    def html(self, nb: nbformat.NotebookNode, title: str = "", lang: str = "vi") -> str:
        """A complete, self-contained HTML document of the notebook's outputs."""
        return self.document(self.body(nb), title, lang)

    def document(self, body: str, title: str = "", lang: str = "vi") -> str:
        """A complete HTML document around the fragment ``body``, with the briefing style.

        The phone layout is a style element for screens only, which print (and WeasyPrint,
        whose media is print) skips without reading it.
        """
        return (
            f'<!DOCTYPE html>\n<html lang="{html.escape(lang)}">\n<head>\n<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>\n{self.css}\n</style>\n"
            f'<style media="screen">\n{self.phone_css}\n</style>\n</head>\n'
            f"<body>\n{body}\n</body>\n</html>\n"
        )

    # ------------------------------------------------------------------ PDF
    def _weasy(self, title: str, lang: str) -> tuple[object, object]:
        import_weasyprint()
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        copy_png_rows()  # installed or removed as its switch says (congdoan._compat)
        if self._font_config is None:
            self._font_config = FontConfiguration()
        key = (lang, title)
        if key not in self._page_css:
            if len(self._page_css) > 64:
                self._page_css.clear()
            page = (
                "@page { size: A4; margin: 14mm 12mm 16mm 12mm;"
                f" @bottom-left {{ content: {_css_string(title)}; font-size: 7.5pt; color: #777; }}"
                f' @bottom-right {{ content: "{PAGE_WORDS.get(lang, "Trang")} " counter(page) "/"'
                ' counter(pages); font-size: 7.5pt; color: #777; } }'
                " body { max-width: none; padding: 0; }"
            )
            self._page_css[key] = CSS(string=page, font_config=self._font_config)
        return self._page_css[key], self._font_config

    def pdf(self, nb: nbformat.NotebookNode, title: str = "", lang: str = "vi") -> bytes:
        """An A4 PDF of the notebook's outputs, with page numbers and embedded fonts."""
        return self.pdf_of(self.html(nb, title, lang), title, lang)

    def warm(self) -> None:
        """Make one small PDF (Vietnamese text, a table, a PNG) and throw it away.

        A process's first PDF also pays for importing WeasyPrint, loading fonts and the
        first layouts; a batch worker does it while its kernel starts. Done once per
        renderer.
        """
        if self.warmed:
            return
        import base64

        pixel = base64.b64encode(_WARM_PNG).decode()
        body = ('<div class="cd-cell"><h2>Đoàn viên công đoàn</h2><table><tr><th>Chỉ tiêu</th>'
                '<td>≥ 70,5% ✔</td></tr></table>'
                f'<img src="data:image/png;base64,{pixel}" alt=""></div>')
        self.pdf_of(self.document(body, "warm-up"), "warm-up")
        self.warmed = True

    def pdf_of(self, document: str, title: str = "", lang: str = "vi") -> bytes:
        """An A4 PDF of the HTML ``document`` (page numbers, embedded fonts, no network).

        Fragments marked screen-only (:data:`congdoan.briefing.SCREEN_ONLY`) are left out.
        """
        page_css, font_config = self._weasy(title, lang)  # imports WeasyPrint
        try:
            page, images = _images_by_reference(_SCREEN_ONLY.sub("", document))
            parsed = html_class()(string=page, base_url=None, url_fetcher=_image_fetcher(images))
            data: bytes = parsed.write_pdf(stylesheets=[page_css], font_config=font_config)
        except Exception as exc:  # WeasyPrint raises many kinds; name the document
            raise RenderError(f"Không tạo được PDF: {exc}", f"PDF rendering failed: {exc}",
                              location=Location(file=title or None)) from exc
        return data


_WARM_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000002000000020802000000fdd49a73"
    "0000001649444154789c63fcffff3f030303130303030303030024060301fc35de9b"
    "0000000049454e44ae426082")
"""A 2x2 RGB PNG (what :func:`congdoan.briefing.images.png` writes, in small) for :meth:`Renderer.warm`."""


def vietnamese_fonts() -> list[str] | None:
    """Families of the installed fonts that cover Vietnamese (fontconfig's ``fc-list :lang=vi``).

    None when fontconfig's command is not there to ask (the PDF is then made without checking).
    """
    command = shutil.which("fc-list")
    if command is None:
        return None
    found = subprocess.run([command, ":lang=vi", "family"], capture_output=True, text=True,
                           check=False)
    return sorted({line.split(",")[0].strip() for line in found.stdout.splitlines()
                   if line.strip()})


def check_fonts(formats: Sequence[str]) -> None:
    """Refuse to make PDFs where no installed font covers Vietnamese.

    Without one, WeasyPrint would draw every accented letter as an empty box, silently.

    Raises:
        RenderError: ``"pdf"`` is asked for and fontconfig lists no Vietnamese font.

    """
    if "pdf" in formats and vietnamese_fonts() == []:
        raise RenderError(
            "Máy chưa có phông chữ tiếng Việt nên không tạo được PDF (chữ có dấu sẽ thành ô "
            "trống). Hãy cài một phông, ví dụ gói fonts-dejavu-core hoặc fonts-noto-core, hoặc "
            "chỉ tạo HTML (--format html).",
            "No installed font covers Vietnamese, so no PDF can be made (accented letters would "
            "be empty boxes). Install one, e.g. the package fonts-dejavu-core or "
            "fonts-noto-core, or make HTML only (--format html).",
            location=Location(field="--format"), value="pdf",
            expected="một phông có tiếng Việt (fc-list :lang=vi)",
            expected_en="a font covering Vietnamese (fc-list :lang=vi)")


def write_atomic(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace.

    A reader never sees a half-written file; text is written as UTF-8.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode("utf-8") if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        mask = os.umask(0)
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
