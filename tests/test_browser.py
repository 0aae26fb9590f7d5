"""Real browser: JupyterLab headless + Debian Chromium driven by Playwright.

* ``make lab`` starts JupyterLab in a workspace.
* explore.ipynb runs in JupyterLab on a copy of the demo workspace (its server root, as
  ``congdoan lab`` serves it): a control change shows the busy state, then new charts and a
  Vietnamese table; a CĐCS chosen in 2024-H1 stays chosen in 2026-H1 under its new upper union,
  with a notice; an export is written under the file browser's root and linked; at 1024 px no
  control or readout is cut.
* explore.ipynb executed and exported by ``congdoan explore-html --run`` opens from file:// with
  every other request refused, says it is a snapshot, and draws its locked controls, charts and
  table.
* A rendered briefing HTML opens from file:// with no console error, no network request and
  Vietnamese text.

The JupyterLab and Chromium plumbing is :mod:`congdoan.explore.browser` (shared with
``benchmarks/bench_explore_browser.py``). Skipped only when /usr/bin/chromium is missing outside
CI (``CI=true`` makes it a failure).
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.plan import load_register
from congdoan.explore.browser import (
    CHROMIUM,
    Lab,
    chromium,
    control,
    free_port,
    lab_env,
    lab_server,
    open_explorer,
    stop_process_group,
    timed_change,
    wait_for_lab,
)
from congdoan.explore.widget_html import prepare_notebook

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout's root (tests run from a source tree)."""

if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian Chromium (/usr/bin/chromium) is not installed", allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_make_lab_starts_jupyterlab_in_the_workspace(tmp_path: Path) -> None:
    from congdoan.core.workspace import Organisation, init_workspace

    ws = init_workspace(tmp_path / "ws", Organisation(id="LAB", name="Công đoàn thử",
                                                      kind="commune"))
    lab = Lab(free_port(), secrets.token_hex(16), tmp_path / "lab.log")
    args = (f"--no-browser --port={lab.port} --ServerApp.port_retries=0 "
            f"--IdentityProvider.token={lab.token}")
    process = subprocess.Popen(
        ["make", "-o", ".venv/.installed-stamp", "-o", "demo", "lab", f"WORKSPACE={ws.root}",
         f"LAB_ARGS={args}"], cwd=PROJECT_ROOT,
        env=lab_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        assert b"started" in wait_for_lab(lab, process)
        listing = lab.api("contents/notebooks").decode()
        assert "explore.ipynb" in listing and "data_quality.ipynb" in listing
        # the token is required
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{lab.port}/api/contents", timeout=10)
    finally:
        stop_process_group(process)
    assert process.returncode is not None


@pytest.fixture()
def explore_lab(tmp_path: Path, demo_workspace: Path) -> Iterator[tuple[Lab, Path]]:
    """JupyterLab serving a copy of the demo workspace, explore.ipynb in its notebooks/."""
    ws = tmp_path / "ws"
    shutil.copytree(demo_workspace, ws)
    prepare_notebook(NOTEBOOKS_DIR / "explore.ipynb", ws / "notebooks" / "explore.ipynb",
                     {"period": "2024-H1", "indicator": "people_informed"})
    with lab_server(ws, tmp_path / "server", {"CONGDOAN_WORKSPACE": str(ws)}) as lab:
        yield lab, ws


@pytest.fixture()
def browser() -> Iterator[Any]:
    with chromium() as running:
        yield running


def _table_text(page: Any) -> str:
    text: str = page.locator(".congdoan-explorer table.congdoan-view").first.inner_text()
    return text


def _charts(page: Any) -> str:
    svg: str = page.evaluate(
        "() => [...document.querySelectorAll('.congdoan-explorer svg.congdoan-chart')]"
        ".map(s => s.outerHTML).join('')")
    return svg


def _choose(page: Any, label: str, text: str) -> Any:
    """Pick the option of dropdown ``label`` whose text contains ``text``; time the update."""
    options: list[str] = control(page, label).evaluate("(s) => [...s.options].map(o => o.value)")
    return timed_change(page, label, value=next(o for o in options if text in o))


def test_explore_notebook_in_jupyterlab(explore_lab: tuple[Lab, Path], browser: Any,
                                        tmp_path: Path) -> None:
    lab, ws = explore_lab
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.set_default_timeout(60_000)
    try:
        open_explorer(page, lab.url("notebooks/explore.ipynb"))
    except Exception:
        page.screenshot(path=str(tmp_path / "explore_failed.png"))
        raise
    before_table, before_charts = _table_text(page), _charts(page)
    assert "Huyện Gia Lâm" in before_table and "1.3" in before_table

    # a change: the busy state shows, then the charts and the table follow
    timing = _choose(page, "Khu vực", "Doanh nghiệp ngoài nhà nước")
    assert 0 <= timing.busy_ms <= timing.done_ms
    table = _table_text(page)
    assert table != before_table and _charts(page) != before_charts
    assert "Doanh nghiệp ngoài nhà nước" in table          # the sector's own row, then communes
    # the table speaks Vietnamese: headers, shares as 76,9%, status words
    for header in ("Đơn vị", "Tử số", "Mẫu số", "Giá trị", "Mục tiêu", "Đánh giá"):
        assert header in table
    assert re.search(r"\d+,\d%", table) and not re.search(r"(?<![\d.])0\.\d{4,}", table)
    assert "not_met" not in table and ("Đạt" in table or "Chưa đạt" in table)

    # the path: the federation, NNN, CDCS-0197 in 2024-H1, then 2026-H1
    _choose(page, "Công đoàn cấp trên", "Liên đoàn Lao động huyện Gia Lâm")
    _choose(page, "CĐCS", "(CDCS-0197)")
    _choose(page, "Kỳ", "(2026-H1)")
    chosen = {label: control(page, label).evaluate("(s) => s.value")
              for label in ("CĐCS", "Công đoàn cấp trên", "Khu vực")}
    assert chosen["CĐCS"].endswith("(CDCS-0197)")
    assert chosen["Khu vực"] == "Doanh nghiệp ngoài nhà nước"
    assert chosen["Công đoàn cấp trên"] != "Liên đoàn Lao động huyện Gia Lâm"
    notice = page.locator(".congdoan-explorer .congdoan-notice").first
    assert notice.is_visible() and "đã chuyển công đoàn cấp trên" in notice.inner_text()
    page.locator(".congdoan-explorer .congdoan-chart").first.scroll_into_view_if_needed()
    page.screenshot(path=str(tmp_path / "explore_kept_scope.png"))

    # an export lands under the server's root (the file browser shows it) with a link
    page.locator(".congdoan-explorer button", has_text="Xuất CSV").click()
    link = page.locator(".congdoan-explorer a[download]").first
    link.wait_for()
    href = link.get_attribute("href")
    assert "/files/output/explore/" in href
    answer = page.request.get(href)
    assert answer.ok and answer.text().lstrip("\ufeff").startswith("Cấp,Đơn vị,")
    assert list((ws / "output" / "explore").glob("people_informed_2026-H1_*CDCS-0197.csv"))
    page.close()


def test_explorer_fits_1024_px(explore_lab: tuple[Lab, Path], browser: Any,
                               tmp_path: Path) -> None:
    lab, _ws = explore_lab
    page = browser.new_page(viewport={"width": 1024, "height": 900})
    page.set_default_timeout(60_000)
    open_explorer(page, lab.url("notebooks/explore.ipynb"))
    _choose(page, "Kỳ", "(2026-H1)")
    _choose(page, "Công đoàn cấp trên", "Bát Tràng")
    page.locator(".congdoan-explorer").evaluate("(e) => e.scrollIntoView()")
    page.screenshot(path=str(tmp_path / "explore_1024.png"))
    page.locator(".congdoan-explorer .congdoan-chart").nth(2).evaluate("(e) => e.scrollIntoView()")
    page.screenshot(path=str(tmp_path / "explore_1024_charts.png"))
    # every select is wide enough for the text it shows (measured in its own font), every
    # readout shows all of its text, and nothing sticks out of the notebook
    cut = page.evaluate(
        """() => {
            const canvas = document.createElement('canvas').getContext('2d');
            const out = [];
            for (const s of document.querySelectorAll('.congdoan-explorer .widget-dropdown select')) {
                const style = getComputedStyle(s);
                canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
                const text = s.options[s.selectedIndex].text;
                const room = s.clientWidth - parseFloat(style.paddingLeft)
                             - parseFloat(style.paddingRight);
                if (canvas.measureText(text).width > room) out.push(text);
            }
            for (const r of document.querySelectorAll('.congdoan-explorer .widget-readout')) {
                if (r.scrollWidth > r.clientWidth + 1) out.push(r.innerText);
            }
            return out;
        }""")
    assert cut == []
    width = page.evaluate("() => document.querySelector('.congdoan-explorer')"
                          ".getBoundingClientRect().right")
    assert width <= 1024
    panels = page.evaluate("() => [...document.querySelectorAll('.congdoan-explorer "
                           "svg.congdoan-chart')].map(s => s.getBoundingClientRect().width)")
    assert len(panels) == 4 and min(panels) > 300
    page.close()


def test_exported_explore_html_is_a_snapshot_offline(browser: Any, demo_workspace: Path,
                                                    tmp_path: Path) -> None:
    from congdoan.cli import main
    from congdoan.explore.widget_html import external_references

    html = tmp_path / "explore.html"
    assert main(["-w", str(demo_workspace), "explore-html", str(NOTEBOOKS_DIR / "explore.ipynb"),
                 str(html), "--run", "-p", "period", "2024", "-p", "indicator",
                 "people_informed", "-p", "upper_union", "LDLD-GIALAM", "-p", "sector",
                 "NNN"]) == 0
    assert external_references(html.read_text(encoding="utf-8")) == []

    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    errors: list[str] = []
    refused: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def offline(route: Any) -> None:
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(html.as_uri(), wait_until="load")
    page.locator("table.congdoan-view").first.wait_for(timeout=30_000)
    assert page.evaluate("() => document.documentElement.lang") == "vi"
    assert page.title().startswith("Khám phá chỉ tiêu")
    banner = page.locator(".congdoan-snapshot").inner_text()
    assert "Bản chụp một lựa chọn" in banner and "Doanh nghiệp ngoài nhà nước" in banner
    assert page.locator("svg.congdoan-chart").count() == 4
    chosen = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.widget-dropdown')].map(d =>"
        " { const s = d.querySelector('select'); return [d.querySelector('label').innerText,"
        " [s.options[s.selectedIndex]?.text.replace(/\\u00a0/g, ' '), s.disabled]]; }))")
    informed = load_register().get("people_informed")
    assert chosen["Chỉ tiêu"] == [f"{informed.clause} · {informed.name_vi}", True]
    assert chosen["Kỳ"][0].endswith("(2024)")
    assert chosen["Công đoàn cấp trên"][0] == "Liên đoàn Lao động huyện Gia Lâm"
    assert all(disabled for _text, disabled in chosen.values())
    assert page.locator("button:not([disabled])").count() == 0
    table = _table_text(page)
    assert "Liên đoàn Lao động huyện Gia Lâm · Doanh nghiệp ngoài nhà nước" in table
    shot = tmp_path / "explore_offline.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert errors == []
    assert refused == []


def _briefing_html(demo_dir: Path, out: Path) -> Path:
    """Render one CĐCS briefing as HTML with the briefings colleague's command."""
    env = dict(os.environ) | {"MPLBACKEND": "Agg"}
    from congdoan.core.dataset import read_dataset

    unit = str(read_dataset(demo_dir).units["unit_id"].iloc[0])
    subprocess.run(
        [str(Path(sys.executable).parent / "congdoan"), "briefings", "--period", "2024",
         "--union", unit, "--format", "html", "--out", str(out), "--data", str(demo_dir)],
        check=True, env=env, timeout=600, capture_output=True)
    pages = [p for p in out.rglob("*.html") if p.name != "index.html"]
    assert pages, f"no briefing HTML under {out}"
    return pages[0]


def test_rendered_briefing_is_self_contained(browser: Any, demo_dir: Path,
                                             tmp_path: Path) -> None:
    try:
        import congdoan.engine.jobs  # noqa: F401
        import congdoan.engine.render  # noqa: F401
    except ModuleNotFoundError as exc:
        pytest.skip(f"the briefings issue is not in this build ({exc.name} missing)")
    html = _briefing_html(demo_dir, tmp_path / "briefings")
    page = browser.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.goto(html.as_uri(), wait_until="networkidle")  # loaded, and nothing more requested
    text = page.locator("body").inner_text()
    page.screenshot(path=str(tmp_path / "briefing.png"), full_page=True)
    page.close()
    assert errors == []
    outside = [u for u in requests if not u.startswith(("file://", "data:", "blob:"))]
    assert outside == []
    assert "Chỉ tiêu" in text or "chỉ tiêu" in text
    assert "Công đoàn" in text or "CĐCS" in text


@pytest.fixture(scope="module")
def rendered(demo_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CĐCS briefing and an upper union's, as HTML, in one output folder."""
    from congdoan.engine.batch import SequentialRunner, build_briefings

    out = tmp_path_factory.mktemp("phone")
    batch = build_briefings("2025", unions=["CDCS-0001"], uppers=["GIALAM"], formats=("html",),
                            out=out, data=str(demo_dir), runner=SequentialRunner(),
                            progress_lines=False)
    assert not batch.failed, [r.error for r in batch.failed]
    return out


PHONE = {"width": 390, "height": 844}

WIDER_THAN_SCREEN = """(width) => [...document.querySelectorAll('body *')]
    .filter(e => !e.closest('.cd-sr, thead') && e.getClientRects().length)
    .filter(e => e.getBoundingClientRect().right > width + 0.5)
    .map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"""


@pytest.mark.parametrize("slug", ["union-CDCS-0001", "upper-GIALAM"])
def test_briefing_fits_a_phone_without_sideways_scroll(browser: Any, rendered: Path,
                                                       slug: str) -> None:
    page = browser.new_page(viewport=PHONE, device_scale_factor=2)
    page.goto((rendered / "2025" / f"{slug}.html").as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(WIDER_THAN_SCREEN, PHONE["width"]) == []
    # a scorecard row is a card: its name first and bold, every other cell with its heading
    card = page.locator("table.cd-score tbody tr").first
    assert card.evaluate("e => getComputedStyle(e).display") == "flex"
    first = card.locator("td").nth(1)  # the indicator's name, shown first
    assert first.evaluate("e => getComputedStyle(e).order") == "-1"
    labels = card.locator("td").evaluate_all(
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")
    assert '"Mục tiêu"' in labels and '"Đánh giá"' in labels
    assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") >= 15
    # charts: each panel as wide as the screen allows, every image described
    panels = page.locator(".cd-panels img")
    assert panels.count() >= 3
    assert min(panels.evaluate_all("i => i.map(x => x.getBoundingClientRect().width)")) > 330
    assert page.locator("img:not([alt]), img[alt='']").count() == 0
    page.screenshot(path=str(rendered / f"{slug}-390.png"), full_page=True)
    page.close()


def test_briefing_keeps_its_tables_on_a_wide_screen_and_in_print(browser: Any,
                                                                 rendered: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto((rendered / "2025" / "union-CDCS-0001.html").as_uri(), wait_until="load")
    row = page.locator("table.cd-score tbody tr").first
    assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
    tops = page.locator(".cd-panels img").evaluate_all(
        "i => i.map(x => Math.round(x.getBoundingClientRect().top))")
    assert len(set(tops[:3])) == 1  # three panels a row
    assert page.locator(".cd-dots").first.is_visible()
    assert not page.locator(".cd-print img").is_visible()
    page.emulate_media(media="print")  # as WeasyPrint reads it: the comparison as an image
    assert row.evaluate("e => getComputedStyle(e).display") == "table-row"
    assert page.locator(".cd-print img").is_visible()
    assert not page.locator(".cd-dots").first.is_visible()
    page.close()


def test_index_searches_and_filters_on_a_phone(browser: Any, rendered: Path,
                                               tmp_path: Path) -> None:
    from congdoan.engine.index import write_index
    from congdoan.engine.jobs import JobResult, make_job

    # the real batch's index: both briefings, Vietnamese, no sideways scroll
    page = browser.new_page(viewport=PHONE)
    page.goto((rendered / "index.html").as_uri(), wait_until="load")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.locator("#briefings tbody tr").count() == 2
    assert page.locator("text=Toàn địa bàn").first.is_visible()
    page.close()

    # a folder of several briefings: search without accents, filters, reset
    out = tmp_path / "out"
    results = []
    for unit_id, title, upper, sector, ok in (
            ("CDCS-0001", "Trường Mầm non Đặng Xá", "Công đoàn xã Đặng Xá", "HCSN", True),
            ("CDCS-0002", "Công ty TNHH Thuận An", "Công đoàn xã Bát Tràng", "NNN", True),
            ("CDCS-0003", "Công ty CP Đặng Xá Xanh", "Công đoàn xã Đặng Xá", "NNN", False),
            ("CDCS-0004", "Trường Tiểu học Kim Sơn", "Công đoàn xã Bát Tràng", "HCSN", True)):
        job = make_job("union", unit_id, "2025", title=title, facts={
            "level": "cdcs", "upper_id": upper, "upper_name": upper, "sector": sector})
        (out / "2025").mkdir(parents=True, exist_ok=True)
        html = out / "2025" / f"{job.slug}.html"
        if ok:
            html.write_text("x", encoding="utf-8")
        results.append(JobResult(job=job, status="ok" if ok else "failed",
                                 error="" if ok else "hỏng",
                                 outputs={"html": html} if ok else {}))
    write_index(results, out)
    page = browser.new_page(viewport=PHONE)
    page.goto((out / "index.html").as_uri(), wait_until="load")

    def visible() -> list[str]:
        return page.locator("#briefings tbody tr:visible td[data-label='Mã']").all_inner_texts()

    assert visible() == ["CDCS-0001", "CDCS-0002", "CDCS-0003", "CDCS-0004"]  # by code
    page.get_by_label("Tìm theo tên hoặc mã").fill("dang xa")  # typed without accents
    assert visible() == ["CDCS-0001", "CDCS-0003"]
    assert page.locator("#shown").inner_text() == "2"
    page.get_by_label("Khu vực").select_option(label="Doanh nghiệp ngoài nhà nước")
    assert visible() == ["CDCS-0003"]
    page.get_by_role("button", name="Bỏ lọc").click()
    page.wait_for_function("document.getElementById('shown').textContent === '4'")
    page.get_by_label("Tệp báo cáo").select_option(value="failed")
    assert visible() == ["CDCS-0003"]
    page.get_by_label("Tệp báo cáo").select_option(value="")
    page.get_by_label("Công đoàn cấp trên").select_option(label="Công đoàn xã Bát Tràng")
    assert visible() == ["CDCS-0002", "CDCS-0004"]
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert page.evaluate(WIDER_THAN_SCREEN, PHONE["width"]) == []
    page.screenshot(path=str(tmp_path / "index-390.png"), full_page=True)
    page.close()
