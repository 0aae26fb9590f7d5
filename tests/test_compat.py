"""Declared upstream patches: the table, the switches and ranges, and each patch's proof that
the output is the same with it as without it."""

from __future__ import annotations

import ast
import asyncio
import base64
import io
import re
import sys
from pathlib import Path
from queue import Empty
from typing import Any

import numpy as np
import pytest

from conftest import Patches, comparison_series, fresh_python, pdf_content, trend_histories
from congdoan import _compat
from congdoan._compat import PATCHES, active, in_range, installed_version, table
from congdoan.briefing import charts, images, theme
from congdoan.engine.render import Renderer

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout's root (tests run from a source tree)."""

LIB = PROJECT_ROOT / "lib" / "congdoan"


# ----------------------------------------------------------------------------- the table
def test_docs_compat_holds_the_table_of_every_patch() -> None:
    text = (PROJECT_ROOT / "docs" / "compat.md").read_text(encoding="utf-8")
    assert table() in text, "docs/compat.md is out of date: python -m congdoan._compat"
    assert len(PATCHES) == table().count("\n") - 2


def test_every_patch_names_a_proving_test_that_exists_and_a_module_that_uses_it() -> None:
    for patch in PATCHES.values():
        path, _, name = patch.test.partition("::")
        tree = ast.parse((PROJECT_ROOT / path).read_text(encoding="utf-8"))
        tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in tests, patch.test
        module = (LIB / "_compat" / f"{patch.module}.py").read_text(encoding="utf-8")
        assert f'"{patch.name}"' in module, (patch.name, patch.module)
        assert all(_compat._release(low) < _compat._release(high)
                   for _, low, high in patch.tested), patch.name


def _private_uses(path: Path) -> list[str]:
    """``x._name`` attribute uses in ``path`` (not on self/cls, not dunders, not os._exit)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_")
                and not node.attr.startswith("__")):
            owner = ast.unparse(node.value)
            if owner not in ("self", "cls", "os") and not owner.startswith("self."):
                found.append(f"{path.relative_to(LIB)}:{node.lineno}: {owner}.{node.attr}")
    text = path.read_text(encoding="utf-8")
    found += [f"{path.relative_to(LIB)}: option {m}" for m in re.findall(r"--\w+\._\w+", text)]
    return found


def test_private_names_of_other_packages_are_used_in_congdoan_compat_only() -> None:
    outside = [use for path in sorted(LIB.rglob("*.py")) if "_compat" not in path.parts
               for use in _private_uses(path)]
    allowed = [u for u in outside if "argparse._SubParsersAction" in u  # typing only
               or u.endswith("._repr_html_")]  # IPython's rich display protocol (public)
    assert sorted(set(outside) - set(allowed)) == []
    inside = [use for path in sorted((LIB / "_compat").glob("*.py")) for use in _private_uses(path)]
    assert inside  # where they are
    deciding = [str(path.relative_to(LIB)) for path in sorted(LIB.rglob("*.py"))
                if "_compat" not in path.parts
                and re.search(r"\bactive\(", path.read_text(encoding="utf-8"))]
    assert deciding == []  # whether a patch applies is decided in congdoan._compat too


# ----------------------------------------------------------------------------- switches
def test_one_setting_turns_every_patch_off_and_each_has_its_own_switch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    name = next(n for n in PATCHES if _compat.fits(n))
    monkeypatch.delenv(_compat.ACCELERATORS, raising=False)
    monkeypatch.delenv(PATCHES[name].switch, raising=False)
    assert active(name)
    monkeypatch.setenv(PATCHES[name].switch, "0")
    assert not active(name) and all(active(n) == _compat.fits(n) for n in PATCHES if n != name)
    monkeypatch.setenv(PATCHES[name].switch, "1")
    monkeypatch.setenv(_compat.ACCELERATORS, "0")
    assert not any(active(n) for n in PATCHES)
    monkeypatch.setenv(_compat.ACCELERATORS, "off")
    assert not any(active(n) for n in PATCHES)
    assert "switched off" in _compat.report()


def test_a_patch_is_active_only_inside_its_tested_range(monkeypatch: pytest.MonkeyPatch) -> None:
    assert in_range("3.10.9", "3.9", "3.11") and in_range("3.9", "3.9", "3.11")
    assert not in_range("3.11.0", "3.9", "3.11") and not in_range("3.8.4", "3.9", "3.11")
    assert in_range("70.0", "68", "71") and not in_range("71.0", "68", "71")
    assert in_range("7.4.0rc1", "6.29", "7.5") and not in_range(None, "1", "2")
    monkeypatch.delenv(_compat.ACCELERATORS, raising=False)
    monkeypatch.setitem(PATCHES, "text_bitmaps",
                        _compat.Patch("text_bitmaps", (("matplotlib", "0.1", "0.2"),), "", "", "",
                                      "matplotlib"))
    assert not active("text_bitmaps")
    assert "outside matplotlib >=0.1, <0.2" in _compat.report()


def test_installed_versions_are_read_as_the_package_metadata_says() -> None:
    from importlib.metadata import version

    for dist in ("matplotlib", "weasyprint", "jupyter_client", "jupyter-client", "PyYAML"):
        assert installed_version(dist) == version(dist)
    assert installed_version("no-such-package-here") is None


# ----------------------------------------------------------------------------- matplotlib
def _text_figure() -> Any:
    from matplotlib.figure import Figure

    theme.apply_theme()
    figure = Figure(figsize=(4, 3))
    ax = figure.add_subplot()
    ax.plot([0, 1, 2], [0.2, 0.5, 0.4])
    ax.set_xticks([0, 1, 2], ["Đoàn viên", "Công đoàn\ncơ sở", "≥ 70,5% ✔"], rotation=33)
    ax.set_ylabel("Tỷ lệ (%)", color="#D55E00")
    ax.set_title("Nghị quyết 02-NQ/TW", fontweight="bold", fontsize=11)
    ax.text(0.1, 0.3, "Thỏa ước ▲", rotation=90, antialiased=False)
    ax.text(1.2, 0.25, r"$x^2 + 1$", fontsize=6)  # math text: matplotlib draws it
    ax.text(1.5, 0.45, "5 $ / CĐCS", fontsize=6)
    return figure


@pytest.mark.parametrize("name", ["text_bitmaps", "glyph_bitmaps"])
def test_kept_text_bitmaps_give_matplotlibs_own_pixels(patches: Patches, name: str) -> None:
    """Texts are rasterised once and copied afterwards, pixel for pixel as matplotlib draws
    them: turned, multi-line, bold, large and small, not antialiased, in colour, Vietnamese and
    symbols; math text is left to matplotlib. (One of the two patches fits a given matplotlib.)"""
    from congdoan._compat import matplotlib as patch

    for other in ("text_bitmaps", "glyph_bitmaps"):
        patches.off(other)
    expected = images.png(_text_figure())
    patches.on(name)
    patch.forget_text_bitmaps()
    kept = _text_figure()
    assert images.png(kept) == expected
    entries = patch.text_bitmaps_kept()
    assert entries >= 8  # tick labels, the labels, the title and the texts, kept
    assert images.png(kept) == expected  # the same figure again, every text from the cache
    cache = patch._TEXT_BITMAPS if name == "text_bitmaps" else patch._GLYPHS
    saved = dict(cache)
    for key, (bitmap, *place) in saved.items():  # blanked bitmaps show …
        cache[key] = (np.zeros_like(bitmap), *place)
    assert images.png(kept) != expected  # … that the drawing copies what was kept
    cache.update(saved)
    assert images.png(_text_figure()) == expected  # a new figure, the same texts
    assert patch.text_bitmaps_kept() == entries
    patches.off(name)
    assert images.png(kept) == expected  # switched off on a renderer that had it: undone


_comparison = comparison_series


def test_kept_figures_draw_what_new_figures_draw(patches: Patches) -> None:
    """Each chart drawn on the kept figure the previous one left is the chart a new figure
    draws (and the same as with the patch off)."""
    trends = trend_histories()
    three = {"unit": "CĐCS này", "sector": "Khu vực", "organisation": "Toàn huyện"}
    labels = ["Tỷ lệ đoàn viên được học tập, quán triệt nghị quyết", "Đối thoại", "Hội nghị"]
    comparisons = [
        (_comparison(labels, three, 0.3), "vi"),
        (_comparison(labels, three, 0.6), "vi"),
        (_comparison(labels[:2], {"unit": "This union", "organisation": "District"}, 0.2), "en"),
        (_comparison([*labels, "Thêm một chỉ tiêu"], {"unit": "CĐCS này"}, 0.9), "vi"),
        (_comparison(labels, {"unit": "CĐCS này", "upper_union": "Công đoàn cấp trên"}, 0.1), "vi"),
        (_comparison(labels, three, 0.3), "vi"),  # back to the first: the same picture as then
    ]
    patches.off("kept_figures")
    plain = ([charts.trend_image(case)._repr_html_() for case in trends],
             [charts.comparison_png(case, lang=lang) for case, lang in comparisons])
    patches.on("kept_figures")
    charts._COMPARISON_FIGURES.clear()
    kept = ([charts.trend_image(case)._repr_html_() for case in trends],
            [charts.comparison_png(case, lang=lang) for case, lang in comparisons])
    assert kept == plain
    assert plain[1][0] == plain[1][-1] and plain[1][0] != plain[1][1]
    assert len(charts._COMPARISON_FIGURES) == 3  # one kept figure per number of rows


# ----------------------------------------------------------------------------- weasyprint
def _briefing_like_document(renderer: Renderer) -> str:
    from congdoan.briefing.display import bullets

    png = base64.b64encode(images.png(charts.empty_figure("Biểu đồ"), dpi=50)).decode()
    rows = "".join(f"<tr><th>Chỉ tiêu {i}</th><td>{i * 7},5%</td><td>✔ Đạt</td></tr>"
                   for i in range(1, 40))
    body = (f"<h2>Kết quả</h2><table><thead><tr><th>Chỉ tiêu</th><th>Giá trị</th>"
            f"<th>Đánh giá</th></tr></thead><tbody>{rows}</tbody></table>"
            f"{bullets(['Thiếu báo cáo 6 tháng đầu năm', 'Số đoàn viên ≥ 70%'], 'vi').data}"
            "<ol><li>Một</li><li>Hai</li><li>Ba</li></ol>"
            f'<img src="data:image/png;base64,{png}" alt="">')
    return renderer.document(body, "Thử")


def test_lean_user_agent_sheet_gives_the_same_pdf_content(patches: Patches) -> None:
    """Markers styled on ``li`` only, no footnote or note rules: the same pages (size, text,
    drawing operations, fonts, images) as with WeasyPrint's own style sheet."""
    import weasyprint

    from congdoan._compat.weasyprint import html_class

    renderer = Renderer()
    document = _briefing_like_document(renderer)
    patches.off("lean_user_agent")
    assert html_class() is weasyprint.HTML
    own = pdf_content(renderer.pdf_of(document, "Thử"))
    patches.on("lean_user_agent")
    assert html_class() is not weasyprint.HTML and issubclass(html_class(), weasyprint.HTML)
    lean = pdf_content(renderer.pdf_of(document, "Thử"))
    assert len(own) == 2 and "Chỉ tiêu 39" in own[0]["text"] + own[1]["text"]
    assert "Trang 2/2" in own[1]["text"] and own[0]["drawing"] and own[1]["images"]
    assert lean == own


def test_copied_png_rows_give_the_same_pdf_content(patches: Patches) -> None:
    from PIL import Image

    from congdoan._compat.weasyprint import png_rows

    chart = images.png(charts.empty_figure("Biểu đồ"), dpi=50)
    assert Image.open(io.BytesIO(chart)).mode == "RGB"  # charts are opaque: no alpha channel
    width, height = Image.open(io.BytesIO(chart)).size
    rows = png_rows(chart)
    assert rows is not None
    assert len(__import__("zlib").decompress(rows)) == height * (1 + 3 * width)
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((4, 4, 4), dtype=np.uint8)).save(buffer, format="png")
    assert png_rows(buffer.getvalue()) is None  # RGBA: WeasyPrint's own way (alpha mask)
    assert png_rows(b"not a png") is None

    renderer = Renderer()
    document = renderer.document(
        f'<p>Biểu đồ</p><img src="data:image/png;base64,{base64.b64encode(chart).decode()}">'
        f'<img src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">')
    patches.off("png_rows")
    plain = pdf_content(renderer.pdf_of(document))
    patches.on("png_rows")
    copied = pdf_content(renderer.pdf_of(document))
    assert copied == plain
    assert [size for size, _, _ in plain[0]["images"]] == [(width, height), (4, 4)]


@pytest.mark.slow
def test_weasyprint_is_imported_without_searching_for_libraries(patches: Patches) -> None:
    """WeasyPrint's library names that do not load are not searched for with gcc and ld."""
    if not sys.platform.startswith("linux"):
        pytest.skip("the search is skipped on Linux only")
    patches.on("library_search")
    code = (
        "import ctypes.util, sys\n"
        "calls = []\n"
        "real = ctypes.util.find_library\n"
        "ctypes.util.find_library = lambda name: calls.append(name) or real(name)\n"
        "from congdoan.engine.render import Renderer\n"
        "Renderer().warm()\n"
        "assert 'weasyprint' in sys.modules and ctypes.util.find_library is not real\n"
        "print(len(calls))\n"
    )
    assert fresh_python(code) == "0"
    patches.off("library_search")
    assert int(fresh_python(code)) > 0  # WeasyPrint's own way searches


# ----------------------------------------------------------------------------- ipykernel
def test_quiet_flush_changes_nothing_outside_a_kernel(patches: Patches) -> None:
    from ipykernel.iostream import OutStream

    from congdoan._compat.ipykernel import skip_empty_flushes

    patches.on("quiet_flush")
    before = OutStream.flush
    assert skip_empty_flushes() is False  # pytest's own streams: not ipykernel's
    assert OutStream.flush is before


@pytest.mark.slow
def test_quiet_flush_keeps_outputs_in_their_order(patches: Patches) -> None:
    """In a kernel with the patch, flushing nothing costs no round trip to the I/O thread,
    and each print still comes before the display that follows it (stderr included); the
    outputs are those of a kernel without it."""
    from congdoan.engine.warm import WarmKernel

    check = (
        "import sys\n"
        "calls = []\n"
        "thread = sys.stdout.pub_thread\n"
        "thread.schedule = lambda f: (calls.append(f), type(thread).schedule(thread, f))[1]\n"
        "try:\n"
        "    sys.stdout.flush()\n"
        "    sys.stderr.flush()\n"
        "    empty = len(calls)\n"
        "    sys.stdout.write('x')\n"
        "    sys.stdout.flush()\n"
        "    written = len(calls) - empty\n"
        "finally:\n"
        "    del thread.schedule\n"
        "assert written >= 2, written\n"
        "assert (empty == 0) == {quiet}, empty\n"
    )
    notebook = Path(__file__).parent / "fixtures" / "nb_streams.ipynb"
    outputs = []
    for quiet in (False, True):
        (patches.on if quiet else patches.off)("quiet_flush")
        kernel = WarmKernel("x = 1")
        kernel.start()
        try:
            kernel.run_code(check.format(quiet=quiet))
            run = kernel.execute(notebook, {"unit_id": "B"})
        finally:
            kernel.kill()
            kernel.shutdown()
        assert run.error is None and run.nb is not None
        outputs.append([[(o.output_type, o.get("name"), o.get("text")
                          or o.get("data", {}).get("text/html")
                          or o.get("data", {}).get("text/plain")) for o in cell.outputs]
                        for cell in run.nb.cells if cell.cell_type == "code"
                        and not {"parameters", "injected-parameters"}
                        & set(cell.metadata.get("tags", []))])
    assert outputs[1] == outputs[0] == [
        [("stream", "stdout", "before B\n"), ("display_data", None, "<b>between</b>"),
         ("stream", "stdout", "after B\n"), ("stream", "stderr", "warned B\n"),
         ("display_data", None, "<i>last</i>")],
        [],
        [("stream", "stdout", "end B"), ("execute_result", None, "42")],
    ]


# ----------------------------------------------------------------------------- jupyter_client
def test_kernel_ready_asks_again_when_iopub_connects_late(patches: Patches) -> None:
    """The idle status of the first ``kernel_info`` went out before the client's iopub was
    connected (lost); the kernel's ``iopub_welcome`` says it is connected now, so the client
    asks again at once instead of waiting out a timeout for a status that will not come."""
    from congdoan._compat.jupyter_client import until_ready

    patches.on("kernel_ready")

    class Channel:
        def __init__(self) -> None:
            self.messages: list[dict[str, object]] = []
            self.timeouts = 0

        async def get_msg(self, timeout: float) -> dict[str, object]:
            if not self.messages:
                self.timeouts += 1
                raise Empty
            return self.messages.pop(0)

    def message(kind: str, parent: str, **content: object) -> dict[str, object]:
        return {"msg_type": kind, "parent_header": {"msg_id": parent} if parent else {},
                "content": content}

    class Client:
        def __init__(self) -> None:
            self.shell_channel, self.iopub_channel = Channel(), Channel()
            self.asked: list[str] = []
            self.handled: list[dict[str, object]] = []

        def kernel_info(self) -> str:
            msg_id = f"info-{len(self.asked)}"
            self.asked.append(msg_id)
            self.shell_channel.messages.append(message("kernel_info_reply", msg_id))
            if len(self.asked) == 1:  # its statuses are lost; the welcome comes after them
                self.iopub_channel.messages.append(message("iopub_welcome", "", subscription=""))
            else:
                self.iopub_channel.messages += [
                    message("status", msg_id, execution_state="busy"),
                    message("status", msg_id, execution_state="idle")]
            return msg_id

        def _handle_kernel_info_reply(self, reply: dict[str, object]) -> None:
            self.handled.append(reply)

        async def _async_is_alive(self) -> bool:
            return True

    client = Client()
    asyncio.run(until_ready(client, timeout=30))
    assert client.asked == ["info-0", "info-1"]
    assert client.iopub_channel.timeouts == 0  # no wait for the lost status
    assert [r["parent_header"] for r in client.handled] == [{"msg_id": "info-1"}]


def test_without_kernel_ready_the_client_waits_as_jupyter_client_does(patches: Patches) -> None:
    from congdoan._compat.jupyter_client import until_ready

    patches.off("kernel_ready")
    waited: list[float] = []

    class Client:
        async def wait_for_ready(self, timeout: float) -> None:
            waited.append(timeout)

    asyncio.run(until_ready(Client(), timeout=12))
    assert waited == [12]


# ----------------------------------------------------------------------------- jsonschema
@pytest.mark.slow
def test_notebooks_are_validated_without_the_iri_grammar(patches: Patches) -> None:
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    patches.on("iri_grammar")
    code = ("import sys; from congdoan._compat.jsonschema import skip_iri_grammar; "
            "print(skip_iri_grammar()); import nbformat; "
            "print(sys.modules.get('rfc3987_syntax', 'never') is None)")
    assert fresh_python(code) == "True\nTrue"
    check = ("import sys, nbformat; from congdoan._compat.jsonschema import skip_iri_grammar; "
             "skip_iri_grammar(); nb = nbformat.reads(sys.stdin.read(), as_version=4); "
             "nbformat.validate(nb); nb.cells[0]['outputs'] = 'bad'; "
             "print(nbformat.validator.isvalid(nb))")
    text = nbformat.writes(new_notebook(cells=[new_code_cell("1 + 1")]))
    assert fresh_python(check, stdin=text) == "False"  # still validated as before
    patches.off("iri_grammar")
    assert fresh_python(code).splitlines()[0] == "False"
