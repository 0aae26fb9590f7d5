"""Renderer: self-contained HTML without code or network references, A4 PDF with Vietnamese."""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output
from pypdf import PdfReader

from congdoan.briefing import charts, images
from congdoan.engine.render import Renderer, write_atomic

URL_ATTR = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(https?:|//)""", re.IGNORECASE)


def _notebook() -> nbformat.NotebookNode:
    figure = charts.empty_figure("Biểu đồ")
    png = __import__("base64").b64encode(images.png(figure, dpi=50)).decode()
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


def test_an_images_text_alternative_becomes_its_alt() -> None:
    from IPython.core.formatters import format_display_data

    figure = charts.empty_figure("Chưa có số liệu")
    data, metadata = format_display_data(images.image(figure, dpi=50, alt='Tỷ lệ "đạt" < 70%'))
    cell = new_code_cell("x", outputs=[new_output("display_data", data=data,
                                                  metadata=metadata)])
    page = Renderer().body(new_notebook(cells=[cell]))
    assert 'alt="Tỷ lệ &quot;đạt&quot; &lt; 70%"' in page  # escaped, never breaks the tag
    assert 'alt=""' in Renderer().body(_notebook())  # an image without one: empty, not absent


def test_pdf_leaves_out_what_only_the_screen_shows() -> None:
    from congdoan.briefing import SCREEN_ONLY

    start, end = SCREEN_ONLY
    body = (f"<p>Trước</p>{start}<p>Chỉ màn hình một</p>{end}<p>Giữa</p>"
            f"{start}<p>Chỉ màn hình hai</p>{end}<p>Sau</p>")
    renderer = Renderer()
    text = PdfReader(io.BytesIO(renderer.pdf_of(renderer.document(body)))).pages[0].extract_text()
    assert "Trước" in text and "Giữa" in text and "Sau" in text
    assert "màn hình" not in text


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


def test_no_vietnamese_font_stops_a_pdf_batch_before_anything_is_written(
        monkeypatch: pytest.MonkeyPatch, demo_dir: Path, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from congdoan.cli import main
    from congdoan.engine import render

    monkeypatch.setattr(render, "vietnamese_fonts", lambda: [])
    out = tmp_path / "out"
    words = ["briefings", "--period", "2025", "--union", "CDCS-0001", "--data", str(demo_dir),
             "--out", str(out), "--workers", "0"]
    assert main(["--lang", "en", *words]) == 2
    err = capsys.readouterr().err
    assert "No installed font covers Vietnamese" in err and "fonts-dejavu-core" in err
    assert "phông" not in err  # English throughout
    assert main(words) == 2 and "chưa có phông chữ tiếng Việt" in capsys.readouterr().err
    assert not out.exists()  # nothing half-written
    render.check_fonts(["html"])  # HTML needs no font of the machine's
    monkeypatch.setattr(render, "vietnamese_fonts", lambda: None)  # fontconfig not there to ask
    render.check_fonts(["pdf"])


@pytest.mark.slow
def test_the_comparisons_key_is_printed_on_the_page_of_its_chart() -> None:
    """Wherever the comparison falls on a page, its key (text) and its chart (an image) are
    printed together: a key was left alone at the foot of a page, its chart on the next."""
    from congdoan.briefing import display as view
    from test_display import _comparison_table

    renderer = Renderer()
    block = view.comparison(_comparison_table()).data
    for lines in range(25, 75):  # the block starts lower and lower on the first page
        filler = "".join(f"<p>Dòng {n}</p>" for n in range(lines))
        reader = PdfReader(io.BytesIO(renderer.pdf_of(renderer.document(filler + block), "Thử")))
        [page] = [p for p in reader.pages if "CĐCS này" in p.extract_text()]
        assert b" Do" in page.get_contents().get_data(), lines  # the page paints the chart
