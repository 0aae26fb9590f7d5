"""Widget HTML export on a hand-made notebook: one slider and its saved state, no kernel.

The real explorer, executed and opened offline in Chromium, is in tests/test_browser.py.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from importlib.resources import files
from pathlib import Path

import ipywidgets as widgets
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from congdoan.cli import main
from congdoan.exceptions import RenderError
from congdoan.explore.widget_html import (
    HTML_MANAGER_SHA256,
    WIDGET_STATE,
    export_html,
    external_references,
    has_widget_state,
    notebook_html,
    widget_manager_js,
)

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _notebook(with_state: bool = True) -> nbformat.NotebookNode:
    slider = widgets.IntSlider(value=7, description="Số CĐCS")
    period = widgets.Dropdown(options=[("Năm 2023", "2023"), ("Năm 2024", "2024")],
                              value="2024", description="Kỳ")
    box = widgets.VBox([period, slider])
    view = {"version_major": 2, "version_minor": 0, "model_id": box.model_id}
    output = new_output("display_data", data={"text/plain": "VBox()", WIDGET_VIEW: view})
    live = new_markdown_cell("Đổi kỳ: biểu đồ cập nhật ngay.")
    live.metadata["tags"] = ["congdoan-live"]
    nb = new_notebook(cells=[new_markdown_cell("# Khám phá thử\n\nMột sổ tay nhỏ."), live,
                             new_code_cell("box", outputs=[output], execution_count=1)])
    if with_state:
        nb.metadata["widgets"] = {WIDGET_STATE: widgets.Widget.get_manager_state(
            widgets=[box, period, slider])}
    for widget in (box, period, slider):
        widget.close()
    return nb


def test_the_vendored_manager_is_the_published_file_with_its_licence() -> None:
    assets = files("congdoan") / "assets"
    raw = (assets / "html-manager-embed.js").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == HTML_MANAGER_SHA256
    licence = (assets / "html-manager-LICENSE.txt").read_text(encoding="utf-8")
    assert "Project Jupyter Contributors" in licence and "jQuery" in licence
    script = widget_manager_js()
    assert "</script" not in script and "sourceMappingURL=embed.js.map" not in script
    assert 'script[type="application/vnd.jupyter.widget-state+json"]' in script


def test_page_inlines_the_manager_and_refers_to_nothing_outside() -> None:
    nb = _notebook()
    page = notebook_html(nb, title="thử")
    assert external_references(page) == []
    assert not re.search(r"<script[^>]*\bsrc=(?![\"']?data:)", page)   # only the data: stub
    assert "require.js" not in page and "text/x-mathjax-config" not in page
    assert widget_manager_js() in page
    model_id = nb.cells[2].outputs[0]["data"][WIDGET_VIEW]["model_id"]
    assert f'<script type="{WIDGET_STATE}">' in page and model_id in page
    assert ">box<" not in page                          # code hidden unless asked
    assert "box" in notebook_html(nb, show_code=True).split("<main>", 1)[1]


def test_page_says_it_is_a_snapshot_in_vietnamese() -> None:
    page = notebook_html(_notebook(), title="thử")
    assert '<html lang="vi">' in page
    assert "<title>Khám phá thử — bản chụp</title>" in page       # the notebook's heading
    banner = page.split('<aside class="congdoan-snapshot"', 1)[1].split("</aside>", 1)[0]
    assert "Bản chụp một lựa chọn" in banner and "<b>Kỳ:</b> Năm 2024" in banner
    assert "biểu đồ cập nhật ngay" not in page           # the live-only cell is left out
    state = json.loads(page.split(f'<script type="{WIDGET_STATE}">', 1)[1].split("</script>")[0])
    controls = [m["state"] for m in state["state"].values()
                if m["model_name"] in ("DropdownModel", "IntSliderModel")]
    assert len(controls) == 2 and all(c["disabled"] for c in controls)


def test_external_references_finds_cdn_links() -> None:
    page = ('<script src="https://cdn.example/x.js"></script><link href=//fonts.example/f>'
            '<img src="data:image/png;base64,AA"><a href="#top">')
    assert external_references(page) == ['src="https://cdn.example/x.js',
                                         "href=//fonts.example/f"]


def test_a_notebook_without_widget_state_is_an_error(tmp_path: Path) -> None:
    nb = _notebook(with_state=False)
    assert not has_widget_state(nb)
    with pytest.raises(RenderError, match="trạng thái widget"):
        notebook_html(nb)
    with pytest.raises(RenderError, match="Không đọc được"):
        export_html(tmp_path / "missing.ipynb", tmp_path / "out.html")


def test_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = tmp_path / "explore.ipynb"
    nbformat.write(_notebook(), source)
    out = tmp_path / "html" / "explore.html"
    assert main(["explore-html", str(source), str(out)]) == 0
    assert "Đã ghi" in capsys.readouterr().out
    assert external_references(out.read_text(encoding="utf-8")) == []
    nbformat.write(_notebook(with_state=False), source)
    assert main(["explore-html", str(source), str(out)]) == 2
    assert "trạng thái widget" in capsys.readouterr().err


def _kernel_spec(folder: Path, code: str) -> None:
    """A kernel named python3 (found before the installed one) that runs ``code`` first."""
    spec = folder / "kernels" / "python3"
    spec.mkdir(parents=True)
    launch = (f"{code}\nimport sys\nfrom ipykernel.kernelapp import launch_new_instance\n"
              "sys.argv[0] = 'kernel'\nlaunch_new_instance()")
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", launch, "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python"}), encoding="utf-8")


@pytest.mark.slow
def test_what_the_kernel_process_prints_stays_off_the_terminal_unless_it_fails(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capfd: pytest.CaptureFixture[str]) -> None:
    # a kernel process that writes to its own standard error outside any cell, as libzmq's
    # assertion at a context's close does: a run that ends well does not show it ...
    from congdoan.explore.widget_html import run_notebook

    source = tmp_path / "nb.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 6 * 7\nx")]), source)
    noisy, dying = tmp_path / "noisy", tmp_path / "dying"
    _kernel_spec(noisy, "import os\nos.write(2, b'Assertion failed: noise (src/x.cpp:1)\\n')")
    monkeypatch.setenv("JUPYTER_PATH", str(noisy))
    executed = run_notebook(source, tmp_path / "out" / "nb.ipynb")
    assert nbformat.read(executed, as_version=4).cells[0].outputs[0]["data"]["text/plain"] == "42"
    assert "noise" not in capfd.readouterr().err
    # ... and a kernel that dies is an error that quotes it, the notebook written as it stands
    _kernel_spec(dying, "import os, sys\nos.write(2, b'cannot start: no memory\\n')\nsys.exit(3)")
    monkeypatch.setenv("JUPYTER_PATH", str(dying))
    with pytest.raises(RenderError, match="kernel in ra: cannot start: no memory"):
        run_notebook(source, tmp_path / "out" / "nb2.ipynb")
    assert (tmp_path / "out" / "nb2.ipynb").exists()
    assert "cannot start" not in capfd.readouterr().err
