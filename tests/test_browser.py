"""Real browser: JupyterLab headless + Debian Chromium driven by Playwright.

* ``make lab`` starts JupyterLab from the project's environment on the notebooks folder.
* explore.ipynb runs in JupyterLab; changing a control changes the chart and the table.
* explore.ipynb executed with papermill and exported with ``congdoan.explore.widget_html`` opens from
  file:// with every other request refused, and draws its saved controls, charts and table.
* A rendered briefing HTML (when the briefings modules exist) opens from file:// with no console
  error, no network request and Vietnamese text.

Skipped only when /usr/bin/chromium is missing outside CI (``CI=true`` makes it a failure).
"""

from __future__ import annotations

import hashlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from congdoan.core.paths import NOTEBOOKS_DIR, PROJECT_ROOT
from congdoan.core.plan import load_register

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
JUPYTER = Path(sys.executable).parent / "jupyter"

if not CHROMIUM.exists() and os.environ.get("CI") != "true":
    pytest.skip("Debian Chromium (/usr/bin/chromium) is not installed", allow_module_level=True)

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_status(port: int, token: str, process: subprocess.Popen[bytes],
                 timeout: float = 90) -> bytes:
    """GET /api/status with the token until it answers (bounded)."""
    url = f"http://127.0.0.1:{port}/api/status"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {process.returncode}")
        request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
        try:
            with urllib.request.urlopen(request, timeout=5) as answer:
                body: bytes = answer.read()
                return body
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"JupyterLab did not answer on port {port} within {timeout} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop the process group started for a server, escalating after a bounded wait."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def _env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update({"JUPYTERLAB_WORKSPACES_DIR": str(tmp / "workspaces"),
                "JUPYTER_RUNTIME_DIR": str(tmp / "runtime"), "MPLBACKEND": "Agg",
                "CONGDOAN_OUTPUT": str(tmp / "output")})
    return env


def test_make_lab_starts_jupyterlab_on_the_notebooks(tmp_path: Path) -> None:
    port, token = _free_port(), secrets.token_hex(16)
    args = f"--no-browser --port={port} --ServerApp.port_retries=0 --IdentityProvider.token={token}"
    process = subprocess.Popen(
        ["make", "-o", ".venv/.installed-stamp", "lab", f"LAB_ARGS={args}"], cwd=PROJECT_ROOT,
        env=_env(tmp_path), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True)
    try:
        status = _wait_status(port, token, process)
        assert b"started" in status
        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/contents",
                                         headers={"Authorization": f"token {token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            listing = answer.read().decode()
        assert "explore.ipynb" in listing and "data_quality.ipynb" in listing
        # the token is required
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/contents", timeout=10)
    finally:
        _stop(process)
    assert process.returncode is not None


@pytest.fixture()
def lab(tmp_path: Path, demo_dir: Path) -> Iterator[tuple[str, Path]]:
    """JupyterLab on a copy of explore.ipynb; the demo reached through CONGDOAN_DATA."""
    root = tmp_path / "lab"
    root.mkdir()
    shutil.copy(NOTEBOOKS_DIR / "explore.ipynb", root / "explore.ipynb")
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo").symlink_to(demo_dir)          # the params pointer: data/demo → the demo
    env = _env(tmp_path) | {"CONGDOAN_DATA": str(data)}
    port, token = _free_port(), secrets.token_hex(16)
    with (tmp_path / "lab.log").open("wb") as log:
        process = subprocess.Popen(
            [str(JUPYTER), "lab", "--no-browser", f"--port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            _wait_status(port, token, process)
            yield f"http://127.0.0.1:{port}/lab/tree/explore.ipynb?token={token}", tmp_path
        finally:
            _stop(process)


@pytest.fixture()
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS,
                                      timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


def _image_sources(page: Any) -> str:
    """The charts' image sources (blob or data URLs), joined."""
    sources: str = page.evaluate(
        "() => Array.from(document.querySelectorAll('.widget-image'), i => i.src).join()")
    return sources


def _image_digest(page: Any) -> str:
    """SHA-256 of the four charts' bytes, read from their blob/data URLs inside the page."""
    data = page.evaluate(
        """async () => {
            const out = [];
            for (const img of document.querySelectorAll('.widget-image')) {
                const buffer = await (await fetch(img.src)).arrayBuffer();
                out.push(...new Uint8Array(buffer));
            }
            return out;
        }""")
    return hashlib.sha256(bytes(data)).hexdigest()


def _table_text(page: Any) -> str:
    text: str = page.locator("table.congdoan-view").inner_text()
    return text


def test_explore_notebook_in_jupyterlab(lab: tuple[str, Path], browser: Any) -> None:
    url, tmp = lab
    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
    try:
        page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=120_000)
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.locator(".lm-Menu-item:not(.lm-mod-disabled)",
                     has_text="Run All Cells").first.click()
        page.locator(".widget-image").first.wait_for(timeout=240_000)
    except Exception:
        page.screenshot(path=str(tmp / "explore_failed.png"))
        raise
    page.locator("table.congdoan-view").wait_for()
    no_news = page.get_by_role("button", name="No", exact=True)
    if no_news.count():
        no_news.first.click()
    before_image, before_table = _image_digest(page), _table_text(page)
    before_sources = _image_sources(page)
    assert "Huyện Gia Lâm" in before_table and "1.1" in before_table
    page.screenshot(path=str(tmp / "explore_before.png"), full_page=False)

    # change the indicator, then the sector: each time the table and the chart change
    informed = load_register().get("people_informed")
    for label, choice in (("Chỉ tiêu", f"{informed.clause} · {informed.name_vi}"),
                          ("Khu vực", "Doanh nghiệp ngoài nhà nước")):
        page.get_by_label(label, exact=True).select_option(label=choice)
        page.wait_for_function(
            "(old) => { const t = document.querySelector('table.congdoan-view');"
            " return t && t.innerText !== old; }", arg=before_table, timeout=60_000)
        after_table = _table_text(page)
        page.wait_for_function(  # the charts are replaced: new image sources
            "(old) => Array.from(document.querySelectorAll('.widget-image'), i => i.src).join()"
            " !== old", arg=before_sources, timeout=60_000)
        after_image = _image_digest(page)
        before_sources = _image_sources(page)
        assert after_image != before_image, label
        assert after_table != before_table, label
        before_image, before_table = after_image, after_table
    assert "1.3" in before_table                      # people_informed serves clause 1.3
    assert "Doanh nghiệp ngoài nhà nước" in page.locator(".widget-html").first.inner_text()
    page.locator(".widget-image").first.scroll_into_view_if_needed()
    shot = tmp / "explore.png"
    page.screenshot(path=str(shot), full_page=False)
    assert shot.stat().st_size > 20_000
    page.close()


def test_exported_explore_html_draws_the_last_view_offline(browser: Any, demo_dir: Path,
                                                          tmp_path: Path) -> None:
    import papermill as pm

    from congdoan.explore.widget_html import export_html, external_references

    executed = tmp_path / "explore.ipynb"
    pm.execute_notebook(
        str(NOTEBOOKS_DIR / "explore.ipynb"), str(executed), cwd=str(tmp_path),
        progress_bar=False, kernel_name="python3",
        parameters={"data": str(demo_dir), "period": "2024", "indicator": "people_informed",
                    "upper_union": "LDLD-GIALAM", "sector": "NNN"})
    html = export_html(executed, tmp_path / "explore.html")
    assert external_references(html.read_text(encoding="utf-8")) == []

    page = browser.new_page(viewport={"width": 1400, "height": 1300})
    errors: list[str] = []
    refused: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))

    def offline(route: Any) -> None:
        # blob: URLs are the chart images the page makes from its own saved bytes
        if route.request.url.startswith(("file:", "data:", "blob:")):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    page.goto(html.as_uri(), wait_until="load")
    page.locator("table.congdoan-view").first.wait_for(timeout=30_000)
    page.wait_for_function(
        "() => { const i = [...document.querySelectorAll('.widget-image')];"
        " return i.length === 4 && i.every(x => x.complete && x.naturalWidth > 0); }",
        timeout=30_000)
    chosen = page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('.widget-dropdown')].map(d =>"
        " { const s = d.querySelector('select'); return [d.querySelector('label').innerText,"
        " s.options[s.selectedIndex]?.text.replace(/\\u00a0/g, ' ')]; }))")
    informed = load_register().get("people_informed")
    assert chosen["Chỉ tiêu"] == f"{informed.clause} · {informed.name_vi}"
    assert chosen["Kỳ"].endswith("(2024)")
    assert chosen["Công đoàn cấp trên"] == "Liên đoàn Lao động huyện Gia Lâm"
    assert chosen["Khu vực"] == "Doanh nghiệp ngoài nhà nước"
    table = _table_text(page)
    assert "Liên đoàn Lao động huyện Gia Lâm · Doanh nghiệp ngoài nhà nước" in table
    assert informed.clause in table
    shot = tmp_path / "explore_offline.png"
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert errors == []
    assert refused == []
    assert shot.stat().st_size > 50_000


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
