"""The explorer in a real browser: JupyterLab started on a folder, Chromium driven by Playwright.

Used by the browser tests (``tests/test_browser.py``) and the browser benchmark
(``benchmarks/bench_explore_browser.py``), so both measure the same thing the same way:

* :func:`lab_server` starts ``jupyter lab`` on a folder with a fresh token and stops it;
* :func:`congdoan.explore.widget_html.prepare_notebook` writes ``explore.ipynb`` with its
  parameters injected (papermill's cell), ready to run in JupyterLab;
* :func:`chromium` launches Debian's Chromium (Playwright's own browsers are not used);
* :func:`open_explorer` opens the notebook, runs every cell and waits for the explorer;
* :func:`timed_change` picks an option of one of the explorer's dropdowns and returns the time
  from the browser's ``change`` event to the updated view (see :data:`WATCH_JS`).

Playwright is a development dependency: it is imported inside the functions that need it.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium."""

CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run")
"""Arguments for a headless Chromium on a shared machine without network."""

WATCH_JS = """
() => {
  // Times of the explorer's updates, in the page's clock (performance.now()).
  // start: the 'change' event of a control; busy: the explorer shows its busy state;
  // done: the busy state is cleared and every chart image has loaded, one frame later
  // (after the browser has painted the updated view).
  if (window.__congdoan) return;
  const watch = window.__congdoan = {start: null, busy: null, done: null, changes: 0};
  const root = () => document.querySelector('.congdoan-explorer');
  document.addEventListener('change', (event) => {
    if (event.target.closest && event.target.closest('.congdoan-explorer')) {
      watch.start = performance.now(); watch.busy = null; watch.done = null;
      watch.changes += 1;
    }
  }, true);
  const settled = () => {
    const box = root();
    if (!box || box.classList.contains('congdoan-busy')) return false;
    return [...box.querySelectorAll('img')].every((img) => img.complete);
  };
  const check = () => {
    if (watch.start === null || watch.done !== null) return;
    const box = root();
    if (box && box.classList.contains('congdoan-busy') && watch.busy === null) {
      watch.busy = performance.now();
    }
    if (watch.busy !== null && settled()) {
      requestAnimationFrame(() => requestAnimationFrame(() => {
        if (watch.done === null && settled()) watch.done = performance.now();
      }));
    }
  };
  new MutationObserver(check).observe(document.body, {subtree: true, childList: true,
                                                     attributes: true,
                                                     attributeFilter: ['class', 'src']});
  document.addEventListener('load', check, true);
}
"""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: its address, token and log file."""

    port: int
    token: str
    log: Path

    def url(self, notebook: str) -> str:
        """Address of ``notebook`` (relative to the server's root) in JupyterLab."""
        return f"http://127.0.0.1:{self.port}/lab/tree/{notebook}?token={self.token}"

    def api(self, path: str) -> bytes:
        """GET ``/api/<path>`` with the token."""
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}/api/{path}",
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=10) as answer:
            body: bytes = answer.read()
            return body


def wait_for_lab(lab: Lab, process: subprocess.Popen[bytes], timeout: float = 120) -> bytes:
    """Poll ``/api/status`` until the server answers (bounded; fails if the process exits)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {process.returncode}; see {lab.log}")
        try:
            return lab.api("status")
        except (OSError, urllib.error.URLError):
            time.sleep(0.5)
    raise RuntimeError(f"JupyterLab did not answer on port {lab.port} within {timeout} s")


def stop_process_group(process: subprocess.Popen[bytes]) -> None:
    """Stop a server started in its own session, escalating after a bounded wait."""
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def lab_env(work: Path) -> dict[str, str]:
    """The environment, with JupyterLab's own state (layouts, runtime files) under ``work``."""
    return dict(os.environ) | {"JUPYTERLAB_WORKSPACES_DIR": str(work / "workspaces"),
                               "JUPYTER_RUNTIME_DIR": str(work / "runtime"), "MPLBACKEND": "Agg"}


@contextmanager
def lab_server(root: Path, work: Path, env: Mapping[str, str] | None = None) -> Iterator[Lab]:
    """JupyterLab serving ``root``; its workspaces, runtime files and log under ``work``.

    The server runs in its own session and is stopped (with its kernels) on exit.
    """
    work.mkdir(parents=True, exist_ok=True)
    environ = lab_env(work) | dict(env or {})
    lab = Lab(free_port(), secrets.token_hex(16), work / "lab.log")
    jupyter = Path(sys.executable).parent / "jupyter"
    with lab.log.open("wb") as log:
        process = subprocess.Popen(
            [str(jupyter), "lab", "--no-browser", f"--port={lab.port}",
             "--ServerApp.port_retries=0", f"--IdentityProvider.token={lab.token}",
             f"--ServerApp.root_dir={root}",
             *(["--allow-root"] if os.geteuid() == 0 else [])],
            env=environ, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_lab(lab, process)
        yield lab
    finally:
        stop_process_group(process)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright (a Browser), closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS),
                                     timeout=60_000)
        try:
            yield browser
        finally:
            browser.close()


def open_explorer(page: Any, url: str, *, timeout_ms: float = 240_000) -> None:
    """Open the notebook at ``url``, run all its cells and wait until the explorer is shown."""
    page.goto(url)
    page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=timeout_ms)
    page.locator(".jp-StatusBar-TextItem", has_text="Idle").first.wait_for(timeout=timeout_ms)
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-item:not(.lm-mod-disabled)", has_text="Run All Cells").first.click()
    error = '[data-mime-type="application/vnd.jupyter.error"]'
    page.wait_for_function(
        f"() => document.querySelector('.congdoan-explorer .congdoan-chart')"
        f" || document.querySelector('{error}')", timeout=timeout_ms)
    if page.locator(error).count():
        raise RuntimeError("explore.ipynb failed in JupyterLab:\n"
                           + page.locator(error).first.inner_text())
    page.wait_for_function(
        "() => { const b = document.querySelector('.congdoan-explorer');"
        " return b && !b.classList.contains('congdoan-busy'); }", timeout=timeout_ms)
    no_news = page.get_by_role("button", name="No", exact=True)
    if no_news.count():
        no_news.first.click()
    page.evaluate(WATCH_JS)


def control(page: Any, label: str) -> Any:
    """The ``<select>`` of the explorer's dropdown whose description is ``label``."""
    return page.locator(".congdoan-explorer").get_by_label(label, exact=True)


@dataclass(frozen=True)
class Timing:
    """One control change seen in the browser (milliseconds from the ``change`` event)."""

    busy_ms: float
    """Until the busy state was shown."""
    done_ms: float
    """Until the updated view was painted."""


def timed_change(page: Any, label: str, *, value: str | None = None,
                 option: str | None = None, timeout_ms: float = 60_000) -> Timing:
    """Choose ``value`` (or the option labelled ``option``) in dropdown ``label``; time it."""
    before = page.evaluate("() => window.__congdoan.changes")
    select = control(page, label)
    if value is not None:
        select.select_option(value=value)
    else:
        select.select_option(label=option)
    page.wait_for_function(
        "(n) => window.__congdoan.changes > n && window.__congdoan.done !== null",
        arg=before, timeout=timeout_ms)
    watch = page.evaluate("() => window.__congdoan")
    return Timing(busy_ms=watch["busy"] - watch["start"], done_ms=watch["done"] - watch["start"])
