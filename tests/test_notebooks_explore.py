"""Execute explore.ipynb and data_quality.ipynb with papermill on the demo district.

The explorer's widget state must be saved in the executed notebook (nbclient's
``store_widget_state``), so an HTML export shows the last view.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import papermill as pm
import pytest
from nbconvert import HTMLExporter

from congdoan.core.paths import NOTEBOOKS_DIR

pytestmark = pytest.mark.slow

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _run(name: str, out: Path, **parameters: object) -> nbformat.NotebookNode:
    pm.execute_notebook(str(NOTEBOOKS_DIR / name), str(out), parameters=parameters,
                        cwd=str(out.parent), progress_bar=False, kernel_name="python3")
    return nbformat.read(out, as_version=4)


def demo_units(demo_dir: Path) -> str:
    """Number of the federation's NNN CĐCS with a dialogue figure for 2024 (engine's count)."""
    from congdoan.briefing.fmt import number
    from congdoan.core.dataset import read_dataset
    from congdoan.core.indicators import compute_indicators

    table = compute_indicators(read_dataset(demo_dir), "2024", indicator_ids=["dialogue_nnn"],
                               levels=["cdcs"])
    rows = table[(table["parent_id"] == "LDLD-GIALAM") & table["value"].notna()]
    return number(len(rows))


def _models(nb: nbformat.NotebookNode) -> dict[str, dict[str, object]]:
    state: dict[str, dict[str, object]] = nb.metadata["widgets"][WIDGET_STATE]["state"]
    return state


def test_committed_notebooks_are_thin_and_without_outputs() -> None:
    for name in ("explore.ipynb", "data_quality.ipynb"):
        nb = nbformat.read(NOTEBOOKS_DIR / name, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert all(not c.outputs and c.execution_count is None for c in code), name
        assert not any(line.lstrip().startswith(("def ", "class "))
                       for c in code for line in c.source.splitlines()), name
        params = [c for c in code if "parameters" in c.metadata.get("tags", [])]
        assert len(params) == 1 and 'period: str = "latest"' in params[0].source
        # papermill must understand every parameter (it cannot parse "str | None")
        parsed = pm.inspect_notebook(str(NOTEBOOKS_DIR / name))
        assert "data" in parsed and parsed["data"]["inferred_type_name"] == "Optional[str]"
        assert all(p["inferred_type_name"] != "None" for p in parsed.values()), parsed
        assert "widgets" not in nb.metadata


def test_explore_saves_the_last_view_in_the_widget_state(demo_dir: Path, tmp_path: Path) -> None:
    nb = _run("explore.ipynb", tmp_path / "explore.ipynb", data=str(demo_dir), period="2024",
              indicator="dialogue_nnn", upper_union="LDLD-GIALAM", sector="NNN")
    models = _models(nb)
    dropdowns = {m["state"]["description"]: m["state"] for m in models.values()  # type: ignore[index]
                 if m["model_name"] == "DropdownModel"}
    # the controls show the parameters: period 2024, the federation, the non-state sector
    period = dropdowns["Kỳ"]
    assert period["_options_labels"][period["index"]].endswith("(2024)")
    upper = dropdowns["Công đoàn cấp trên"]
    assert upper["_options_labels"][upper["index"]] == "Liên đoàn Lao động huyện Gia Lâm"
    sector = dropdowns["Khu vực"]
    assert sector["_options_labels"][sector["index"]] == "Doanh nghiệp ngoài nhà nước"
    # the charts are in the state as inline SVG, the tables and header as HTML
    html_texts = [m["state"]["value"] for m in models.values()  # type: ignore[index]
                  if m["model_name"] == "HTMLModel"]
    charts = [t for t in html_texts if t.startswith("<svg")]
    assert len(charts) == 4                      # trend, distribution, by sector, by commune
    # the last view is in the pictures: the sectors with the non-state one among them, and the
    # federation's non-state CĐCS (what the distribution counts)
    assert any("Theo khu vực" in svg and "Doanh nghiệp ngoài nhà nước" in svg for svg in charts)
    assert any("Theo địa bàn (xã, phường)" in svg for svg in charts)
    nnn = demo_units(demo_dir)
    assert any(f"({nnn} CĐCS có số liệu)" in svg for svg in charts)
    assert any("1.1 · DN ngoài nhà nước tổ chức đối thoại" in t for t in html_texts)
    table = next(t for t in html_texts if "congdoan-view" in t and "Tử số" in t)
    assert "Mẫu số" in table and "Mục tiêu" in table and "Đánh giá" in table
    assert "Tết Sum vầy" in "".join(html_texts)  # section III activities
    # the widget cell's output points at a model saved in the state
    views = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
             if WIDGET_VIEW in o.get("data", {})]
    assert len(views) == 1 and views[0]["data"][WIDGET_VIEW]["model_id"] in models
    # the HTML export embeds that state (rendered by the widgets' HTML manager)
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert WIDGET_STATE in body and views[0]["data"][WIDGET_VIEW]["model_id"] in body
    embedded = body.split(f'<script type="{WIDGET_STATE}">', 1)[1].split("</script>", 1)[0]
    assert json.loads(embedded)["state"].keys() == models.keys()


def test_explore_html_runs_the_notebook_quietly(demo_dir: Path, tmp_path: Path,
                                               capfd: pytest.CaptureFixture[str]) -> None:
    from congdoan.cli import main
    from congdoan.explore.widget_html import external_references

    out = tmp_path / "out" / "explore.html"
    assert main(["explore-html", str(NOTEBOOKS_DIR / "explore.ipynb"), str(out), "--run",
                 "-p", "data", str(demo_dir), "-p", "period", "2024",
                 "-p", "sector", "DNNN"]) == 0
    printed = capfd.readouterr()
    # the kernel's own output reaches the terminal: nothing but the workspace's name
    assert len(printed.err.splitlines()) == 1 and "KeyboardInterrupt" not in printed.err
    assert printed.out.splitlines() == [f"Đã chạy / executed: {out.with_suffix('.ipynb')}",
                                        f"Đã ghi / written: {out}"]
    page = out.read_text(encoding="utf-8")
    assert external_references(page) == [] and '<html lang="vi">' in page
    assert "<b>Khu vực:</b> Doanh nghiệp nhà nước" in page
    assert "trong lúc tính" not in page                     # the live-only usage cell
    # a scope the period does not have: an error that names it, without a traceback
    assert main(["explore-html", str(NOTEBOOKS_DIR / "explore.ipynb"), str(out), "--run",
                 "-p", "data", str(demo_dir), "-p", "sector", "NNN"]) == 2
    assert "Phạm vi không có trong kỳ báo cáo đã chọn" in capfd.readouterr().err


def test_data_quality_reads_as_a_report(demo_dir: Path, tmp_path: Path) -> None:
    nb = _run("data_quality.ipynb", tmp_path / "data_quality.ipynb", data=str(demo_dir),
              period="2024")
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    models = _models(nb)
    dropdowns = {m["state"]["description"]: m["state"] for m in models.values()  # type: ignore[index]
                 if m["model_name"] == "DropdownModel"}
    assert set(dropdowns) == {"Kỳ", "Công đoàn cấp trên"}          # the report's controls
    period = dropdowns["Kỳ"]
    assert period["_options_labels"][period["index"]] == "Năm 2024 (2024)"
    text = "".join(str(m["state"].get("value", "")) for m in models.values()  # type: ignore[union-attr]
                   if m["model_name"] == "HTMLModel")
    for header in ("Xã, phường", "Phải nộp", "Tỷ lệ đúng hạn", "Tên CĐCS", "Kỳ chưa nộp",
                   "Giá trị báo cáo", "Trung vị của CĐCS"):
        assert f">{header}</th>" in text, header
    for english in ("received_share", "missing_periods", "on_time", "unit_name"):
        assert english not in text
    assert text.count("data:image/png;base64,") == 2                # two heatmaps
    text = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    assert re.search(r">\d{1,3},\d%<", text)                        # shares as 97,5%
    assert re.search(r"\d{1,3}\.\d{3}\.\d{3} đồng", text)            # money with separators
    assert not re.search(r"\de[+-]\d", text) and "0.9" not in text
    # the communes in Vietnamese order: Đ after D
    communes = re.findall(r'<td class="name">(Xã [^<]+)</td>', text)
    first_d = next(i for i, c in enumerate(communes) if c.startswith("Xã D"))
    first_dd = next(i for i, c in enumerate(communes) if c.startswith("Xã Đ"))
    assert first_d < first_dd < next(i for i, c in enumerate(communes) if c.startswith("Xã K"))
    printed = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Thư mục lưu tệp / store:" in printed
