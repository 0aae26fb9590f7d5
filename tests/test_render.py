"""Renderer: self-contained HTML without code or network references, A4 PDF with Vietnamese."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from congdoan.briefing import charts
from congdoan.engine.render import Renderer, write_atomic

URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(https?:|//)""", re.IGNORECASE)


def _notebook() -> nbformat.NotebookNode:
    figure = charts.empty_figure("Biểu đồ")
    png = __import__("base64").b64encode(charts.png(figure, dpi=50)).decode()
    code = new_code_cell("secret_code_marker = 1\nprint('x')", outputs=[
        new_output("display_data", data={
            "text/html": "<h1>Công đoàn cơ sở Thuận An</h1><p>Tỷ lệ: 72,5%</p>",
            "text/plain": "<HTML>"}),
        new_output("display_data", data={"image/png": png, "text/plain": "<Image>"}),
        new_output("stream", name="stderr", text="WARNING stderr_marker\n"),
    ])
    return new_notebook(cells=[new_markdown_cell("# markdown_marker"), code],
                        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                 "language": "python"}})


def test_html_is_self_contained_without_code() -> None:
    page = Renderer().html(_notebook(), title="Thử <nghiệm>")
    assert "secret_code_marker" not in page and "markdown_marker" not in page
    assert "stderr_marker" not in page
    assert "In&nbsp;[" not in page and "Out[" not in page
    assert "<title>Thử &lt;nghiệm&gt;</title>" in page
    assert 'src="data:image/png;base64,' in page
    assert not URL_ATTR.search(page), URL_ATTR.search(page)
    assert "<script" not in page.lower()  # no require.js, MathJax or widget loader
    assert "Công đoàn cơ sở Thuận An" in page


def test_pdf_is_a4_with_page_numbers_and_vietnamese_text() -> None:
    renderer = Renderer()
    data = renderer.pdf(_notebook(), title="Báo cáo thử", lang="vi")
    reader = PdfReader(io.BytesIO(data))
    page = reader.pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)
    text = page.extract_text()
    assert unicodedata.is_normalized("NFC", text)
    assert "Công đoàn cơ sở Thuận An" in text
    assert "72,5%" in text
    assert "Trang 1/1" in text
    assert "secret_code_marker" not in text
    fonts = {str(f) for p in reader.pages for f in (p["/Resources"]["/Font"].values())}
    assert fonts  # fonts are embedded (as subsets)
    for ref in page["/Resources"]["/Font"].values():
        descriptor = ref.get_object()["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    # the second PDF reuses the renderer's set-up and gives the English page word
    assert "Page 1/1" in PdfReader(io.BytesIO(renderer.pdf(_notebook(), lang="en"))).pages[0] \
        .extract_text()


def test_write_atomic_replaces_whole_file(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "a.html"
    write_atomic(target, "cũ")
    write_atomic(target, "mới")
    assert target.read_text(encoding="utf-8") == "mới"
    assert [p.name for p in target.parent.iterdir()] == ["a.html"]  # no temp file left
    write_atomic(target, b"\x00\x01")
    assert target.read_bytes() == b"\x00\x01"


def test_warm_renders_a_small_pdf_and_pdf_of_takes_any_document() -> None:
    renderer = Renderer()
    renderer.warm()
    data = renderer.pdf_of(renderer.document("<p>Công đoàn cơ sở ≥ 70%</p>", "Thử"), "Thử")
    text = PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert data[:5] == b"%PDF-" and "Công đoàn cơ sở" in unicodedata.normalize("NFC", text)
