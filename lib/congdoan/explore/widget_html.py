"""Executed notebooks with widgets as one HTML file that shows the saved view offline.

An executed ``explore.ipynb`` keeps its widgets' last state (controls, the four chart images, the
table) in ``metadata.widgets``. nbconvert's HTML export embeds that state but draws it only after
fetching the widget manager (``@jupyter-widgets/html-manager``) and require.js from CDNs: offline
the page shows nothing where the explorer was. :func:`notebook_html` uses JupyterLab's template
without any CDN reference and inlines the widget manager (vendored in
``congdoan/assets/html-manager-embed.js``), so the file opens from disk with no network at all.

The page is a snapshot of one view, and says so: a banner at the top names the choices the view
was made with and says that the controls are locked (no kernel computes a new view offline); the
saved controls are disabled; cells tagged ``congdoan-live`` (how to use the live explorer) are
left out; ``<html lang="vi">`` and the notebook's first heading as the title.

:func:`run_notebook` executes a notebook with parameters for such a page (papermill's parameter
cell, nbclient with the widget state stored). It leaves papermill's command out on purpose: after
the last cell papermill asks the kernel for its info and shuts it down at once, and the interrupt
that jupyter_client sends before every shutdown can land while the kernel still answers, which
ipykernel then logs as "KeyboardInterrupt caught in kernel." although all went well.

The vendored manager is ``@jupyter-widgets/html-manager`` 1.0.9 (its ``dist/embed.js``, the
1.0.x line that matches ipywidgets 8), unchanged; its licence and bundled notices are in
``html-manager-LICENSE.txt`` next to it. To refresh it::

    npm pack @jupyter-widgets/html-manager@1 && tar xzf jupyter-widgets-html-manager-*.tgz
    cp package/dist/embed.js lib/congdoan/assets/html-manager-embed.js
    # then update HTML_MANAGER_VERSION / HTML_MANAGER_SHA256 and html-manager-LICENSE.txt

Command line: ``congdoan explore-html EXECUTED.ipynb OUT.html``, or
``congdoan explore-html notebooks/explore.ipynb OUT.html --run -p period 2024`` to execute first.
"""

from __future__ import annotations

import copy
import hashlib
import html
import os
import re
from collections.abc import Mapping
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from congdoan.exceptions import Location, RenderError

HTML_MANAGER_VERSION = "1.0.9"
"""Version of the vendored ``@jupyter-widgets/html-manager`` (npm)."""

HTML_MANAGER_SHA256 = "84e9791624513447f71bfd3f7fa671885c79ed7fd89b0d72f14a0b937a79a6a9"
"""SHA-256 of the vendored ``dist/embed.js``, byte for byte as published on npm."""

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
"""Key of the saved widget state in ``metadata.widgets``."""

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
"""Output type that shows a widget (by its model id)."""

LIVE_TAG = "congdoan-live"
"""Tag of the cells that only make sense with a kernel (left out of the offline page)."""

_PACKAGE = files("congdoan")
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S*\s*$")
_EXTERNAL = re.compile(r"""\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//[^"'\s>]*""", re.IGNORECASE)


@lru_cache(maxsize=1)
def widget_manager_js() -> str:
    """The vendored widget manager, ready to inline in a ``<script>`` element.

    Its source-map comment is dropped (the map is not shipped; a browser's developer tools
    would ask for it) and any ``</script`` is escaped so it cannot end the element early.
    """
    raw = (_PACKAGE / "assets" / "html-manager-embed.js").read_bytes()
    if hashlib.sha256(raw).hexdigest() != HTML_MANAGER_SHA256:
        raise RenderError(
            "Tệp assets/html-manager-embed.js đã bị thay đổi hoặc hỏng.",
            "assets/html-manager-embed.js is modified or damaged.",
            location=Location(file="congdoan/assets/html-manager-embed.js"),
            expected=f"@jupyter-widgets/html-manager {HTML_MANAGER_VERSION} dist/embed.js "
                     f"(sha256 {HTML_MANAGER_SHA256[:12]}…)")
    return _SOURCE_MAP.sub("\n", raw.decode("utf-8")).replace("</script", "<\\/script")


def _exporter(show_code: bool) -> HTMLExporter:
    from traitlets.config import Config

    return HTMLExporter(
        template_name="lab", template_file="widget_html.html.j2",
        extra_template_paths=[str(_PACKAGE / "templates")], embed_images=True,
        exclude_input=not show_code, exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code, language_code="vi",
        config=Config({"TagRemovePreprocessor": {"enabled": True,
                                                 "remove_cell_tags": {LIVE_TAG}}}),
    )


def _models(nb: nbformat.NotebookNode) -> dict[str, Any]:
    state: dict[str, Any] = nb["metadata"]["widgets"][WIDGET_STATE]["state"]
    return state


def _shown_models(nb: nbformat.NotebookNode) -> list[dict[str, Any]]:
    """The saved models that the notebook's outputs show, in the order they appear on the page."""
    models = _models(nb)
    roots = [o["data"][WIDGET_VIEW]["model_id"] for c in nb.cells if c.cell_type == "code"
             for o in c.get("outputs", []) if WIDGET_VIEW in o.get("data", {})]
    seen: list[dict[str, Any]] = []
    visited: set[str] = set()

    def walk(model_id: str) -> None:
        if model_id in visited or model_id not in models:
            return
        visited.add(model_id)
        seen.append(models[model_id])
        for child in models[model_id].get("state", {}).get("children", []):
            walk(str(child).removeprefix("IPY_MODEL_"))

    for root in roots:
        walk(root)
    return seen


def chosen_values(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """(description, shown value) of every dropdown and range slider on the page, in order."""
    out = []
    for model in _shown_models(nb):
        state = model.get("state", {})
        label = str(state.get("description", "")).strip()
        if not label:
            continue
        if model.get("model_name") == "DropdownModel" and state.get("index") is not None:
            out.append((label, str(state["_options_labels"][state["index"]])))
        elif model.get("model_name") == "IntRangeSliderModel":
            low, high = state["value"]
            out.append((label, f"{low}–{high}"))
    return out


def snapshot_state(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` whose saved controls are disabled (nothing answers them offline)."""
    out = copy.deepcopy(nb)
    for model in _models(out).values():
        if "disabled" in model.get("state", {}):
            model["state"]["disabled"] = True
    return out


def snapshot_banner(nb: nbformat.NotebookNode) -> str:
    """HTML that says the page is a snapshot of one view, and which."""
    chosen = "".join(f"<li><b>{html.escape(label)}:</b> {html.escape(value)}</li>"
                     for label, value in chosen_values(nb))
    return (
        '<aside class="congdoan-snapshot" role="note">'
        "<p><b>Bản chụp một lựa chọn, không phải trang tương tác.</b> Trang này mở được không cần "
        "mạng và không có Jupyter: các ô chọn và nút bị khóa, biểu đồ và bảng là của lựa chọn "
        "dưới đây. Muốn xem lựa chọn khác, mở sổ tay trong JupyterLab.</p>"
        f"<ul>{chosen}</ul>"
        "<p><i>A snapshot of one view: the controls are locked (no kernel offline); open the "
        "notebook in JupyterLab to explore.</i></p></aside>")


def notebook_title(nb: nbformat.NotebookNode, fallback: str) -> str:
    """The text of the notebook's first heading (its first Markdown line starting with ``#``)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return fallback


def has_widget_state(nb: nbformat.NotebookNode) -> bool:
    """Whether ``nb`` carries saved widget models (executed with the state stored)."""
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state")
    return bool(state)


def notebook_html(nb: nbformat.NotebookNode, *, title: str = "", show_code: bool = False) -> str:
    """A self-contained HTML page of an executed notebook, its widgets drawn from the saved state.

    No element refers to anything outside the file (no CDN script, style sheet or font). The
    page is a snapshot (see the module docstring): banner, disabled controls, no live-only
    cells. Code cells are hidden unless ``show_code``. A notebook without saved widget state is
    a RenderError: the page would show nothing where the widgets were.
    """
    if not has_widget_state(nb):
        raise RenderError(
            "Sổ tay chưa lưu trạng thái widget: hãy chạy bằng papermill/nbclient (lưu trạng thái "
            "mặc định) hoặc bật 'Save Widget State Automatically' trong JupyterLab rồi lưu lại.",
            "The notebook has no saved widget state: execute it with papermill/nbclient (which "
            "store it by default) or enable 'Save Widget State Automatically' in JupyterLab and "
            "save it again.",
            location=Location(file=title or None, field="metadata.widgets"),
            expected=WIDGET_STATE)
    name = notebook_title(nb, title or "congdoan")
    resources = {"metadata": {"name": f"{name} — bản chụp"},
                 "widget_manager_js": widget_manager_js(), "snapshot_banner": snapshot_banner(nb)}
    body, _resources = _exporter(show_code).from_notebook_node(snapshot_state(nb),
                                                                resources=resources)
    return body


def external_references(page: str) -> list[str]:
    """The ``src``/``href`` values of ``page`` that point outside it (http, https, ``//host``)."""
    return [m.group(0) for m in _EXTERNAL.finditer(page)]


def export_html(notebook: Path | str, out: Path | str, *, show_code: bool = False) -> Path:
    """Write the executed ``notebook`` as a self-contained HTML page to ``out``; returns it."""
    from congdoan.engine.render import write_atomic

    notebook = Path(notebook)
    try:
        nb = nbformat.read(notebook, as_version=4)
    except (OSError, ValueError) as exc:  # missing file, not JSON, not a notebook
        raise RenderError(f"Không đọc được sổ tay: {exc}", f"Cannot read the notebook: {exc}",
                          location=Location(file=str(notebook)),
                          expected="tệp .ipynb đã chạy / an executed .ipynb") from exc
    return write_atomic(Path(out), notebook_html(nb, title=notebook.stem, show_code=show_code))


def prepare_notebook(source: Path | str, out: Path | str,
                     parameters: Mapping[str, Any] | None = None) -> Path:
    """``source`` with ``parameters`` injected after its parameters cell, not executed."""
    import papermill as pm

    Path(out).parent.mkdir(parents=True, exist_ok=True)
    try:
        pm.execute_notebook(str(source), str(out), parameters=dict(parameters or {}),
                            prepare_only=True, progress_bar=False, log_output=False)
    except (OSError, ValueError) as exc:
        raise RenderError(f"Không đọc được sổ tay: {exc}", f"Cannot read the notebook: {exc}",
                          location=Location(file=str(source))) from exc
    return Path(out)


def run_notebook(source: Path | str, executed: Path | str,
                 parameters: Mapping[str, Any] | None = None, *, timeout: int = 600) -> Path:
    """Execute ``source`` with ``parameters`` (papermill's injected cell) into ``executed``.

    The kernel runs in the folder of ``executed``; the widget state is stored in the result. A
    failing cell, a kernel that dies or does not start, and a cell over ``timeout`` seconds are
    a RenderError (the partly executed notebook is written anyway). What the kernel process
    writes to its own standard error outside the cells (its cells' output is in the notebook)
    is kept out of the terminal: quoted in the error when the run fails, dropped when it ends
    well, where it can only be the process's own noise at exit (libzmq's
    ``Assertion failed: pfd.revents & POLLIN`` as a context closes is one).
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    executed = Path(executed)
    nb = nbformat.read(prepare_notebook(source, executed, parameters), as_version=4)
    import tempfile

    from traitlets.config import Config

    with tempfile.TemporaryDirectory(prefix="congdoan-kernel-") as sockets, \
            tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace") as kernel_err:
        # IPC sockets (files under an absolute path) rather than TCP on a machine that has them:
        # the kernel then has no plain-text-transport warning to print
        config = Config({"KernelManager": {"transport": "ipc",
                                           "ip": str(Path(sockets) / "kernel")}}
                        if os.name == "posix" else {})
        client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                store_widget_state=True, config=config,
                                resources={"metadata": {"path": str(executed.parent.resolve())}})
        try:
            # the kernel and its client started first, by nbclient's public steps: a kernel that
            # dies on starting is then an error here, before nbclient registers its clean-up for
            # the end of the process (which would fail on the manager it has dropped)
            client.km = client.create_kernel_manager()
            client.start_new_kernel(stderr=kernel_err)
            client.start_new_kernel_client()
            client.execute()
        except CellExecutionError as exc:
            error = f"{exc.ename}: {exc.evalue}"
            raise RenderError(f"Sổ tay chạy lỗi: {error}", f"The notebook failed: {error}",
                              location=Location(file=str(executed))) from exc
        except (CellTimeoutError, DeadKernelError, RuntimeError) as exc:
            said = _tail(kernel_err)
            raise RenderError(
                "Nhân Python (kernel) của sổ tay dừng hoặc không trả lời: "
                f"{type(exc).__name__}: {exc}" + (f"; kernel in ra: {said}" if said else ""),
                f"The notebook's kernel died or did not answer: {type(exc).__name__}: {exc}"
                + (f"; the kernel printed: {said}" if said else ""),
                location=Location(file=str(executed))) from exc
        finally:
            nbformat.write(nb, executed)
    return executed


def _tail(stream: Any, lines: int = 20) -> str:
    """The last ``lines`` lines ``stream`` holds (a file written by another process), on one line."""
    stream.flush()
    stream.seek(0)
    return " ⏎ ".join(stream.read().strip().splitlines()[-lines:])
