"""Executed notebooks with widgets as one HTML file that shows the saved view offline.

An executed ``explore.ipynb`` keeps its widgets' last state (controls, the four chart images, the
table) in ``metadata.widgets``. nbconvert's HTML export embeds that state but draws it only after
fetching the widget manager (``@jupyter-widgets/html-manager``) and require.js from CDNs: offline
the page shows nothing where the explorer was. :func:`notebook_html` uses JupyterLab's template
without any CDN reference and inlines the widget manager (vendored in
``congdoan/assets/html-manager-embed.js``), so the file opens from disk with no network at all.

The widgets are drawn as saved; changing a control in the page does not recompute anything (no
kernel).

The vendored manager is ``@jupyter-widgets/html-manager`` 1.0.9 (its ``dist/embed.js``, the
1.0.x line that matches ipywidgets 8), unchanged; its licence and bundled notices are in
``html-manager-LICENSE.txt`` next to it. To refresh it::

    npm pack @jupyter-widgets/html-manager@1 && tar xzf jupyter-widgets-html-manager-*.tgz
    cp package/dist/embed.js lib/congdoan/assets/html-manager-embed.js
    # then update HTML_MANAGER_VERSION / HTML_MANAGER_SHA256 and html-manager-LICENSE.txt

Command line: ``congdoan explore-html EXECUTED.ipynb OUT.html``.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from importlib.resources import files
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter

from congdoan.exceptions import Location, RenderError

HTML_MANAGER_VERSION = "1.0.9"
"""Version of the vendored ``@jupyter-widgets/html-manager`` (npm)."""

HTML_MANAGER_SHA256 = "84e9791624513447f71bfd3f7fa671885c79ed7fd89b0d72f14a0b937a79a6a9"
"""SHA-256 of the vendored ``dist/embed.js``, byte for byte as published on npm."""

WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
"""Key of the saved widget state in ``metadata.widgets``."""

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
    return HTMLExporter(
        template_name="lab", template_file="widget_html.html.j2",
        extra_template_paths=[str(_PACKAGE / "templates")], embed_images=True,
        exclude_input=not show_code, exclude_input_prompt=not show_code,
        exclude_output_prompt=not show_code,
    )


def has_widget_state(nb: nbformat.NotebookNode) -> bool:
    """Whether ``nb`` carries saved widget models (executed with the state stored)."""
    state = nb.get("metadata", {}).get("widgets", {}).get(WIDGET_STATE, {}).get("state")
    return bool(state)


def notebook_html(nb: nbformat.NotebookNode, *, title: str = "", show_code: bool = False) -> str:
    """A self-contained HTML page of an executed notebook, its widgets drawn from the saved state.

    No element refers to anything outside the file (no CDN script, style sheet or font). Code
    cells are hidden unless ``show_code``. A notebook without saved widget state is a
    RenderError: the page would show nothing where the widgets were.
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
    resources = {"metadata": {"name": title or "congdoan"},
                 "widget_manager_js": widget_manager_js()}
    body, _resources = _exporter(show_code).from_notebook_node(nb, resources=resources)
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
