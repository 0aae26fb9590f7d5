"""Every use congdoan makes of another package's internals, declared in one place.

The batch's speed-ups ("accelerators") that reach into a private name, copy an upstream
function or change how an upstream package behaves live in this subpackage, one module per
upstream package (:mod:`~congdoan._compat.matplotlib`, :mod:`~congdoan._compat.weasyprint`,
:mod:`~congdoan._compat.ipykernel`, :mod:`~congdoan._compat.jupyter_client`,
:mod:`~congdoan._compat.papermill`, :mod:`~congdoan._compat.jsonschema`), and each is listed in
:data:`PATCHES`: the upstream package, what it changes, the versions it was tested on, its switch,
what happens without it and the test that proves the output unchanged. ``docs/compat.md`` is
that table (``python -m congdoan._compat`` prints it).

A patch is applied only where :func:`active` says so: accelerators on (``CONGDOAN_ACCELERATORS``
is not ``0``), its own switch on (``CONGDOAN_<NAME>``, e.g. ``CONGDOAN_TEXT_BITMAPS=0`` turns
the text bitmaps off) and every upstream package it touches installed in its tested range.
Otherwise the code takes the plain upstream path, which gives the same output more slowly.

This module imports only the standard library's lightest modules: the command line consults
it before its heavy imports.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import lru_cache

ACCELERATORS = "CONGDOAN_ACCELERATORS"
"""The one setting that turns every patch off (``CONGDOAN_ACCELERATORS=0``)."""

OFF = frozenset({"0", "no", "false", "off"})
"""Values of a switch that mean off (case-insensitive); anything else, or no value, means on."""


@dataclass(frozen=True)
class Patch:
    """One declared patch of upstream internals.

    Attributes:
        name: short identifier; its switch is ``CONGDOAN_<NAME>`` (upper case).
        tested: ``(distribution, lowest version tested, first version not tested)`` for every
            upstream package whose internals it uses; the patch is active inside all of them.
        changes: what it changes (and which private names or copied code it uses).
        fallback: what runs instead when it is off or outside its range.
        test: the test that proves the output is the same with and without it.
        module: where it lives in :mod:`congdoan._compat`.

    """

    name: str
    tested: tuple[tuple[str, str, str], ...]
    changes: str
    fallback: str
    test: str
    module: str

    @property
    def switch(self) -> str:
        """The environment variable that turns this patch off when set to ``0``."""
        return f"CONGDOAN_{self.name.upper()}"

    @property
    def upstream(self) -> str:
        """The upstream packages it touches, comma-separated."""
        return ", ".join(dist for dist, _, _ in self.tested)

    def ranges(self) -> str:
        """The tested ranges as ``dist >=low, <high`` joined by ``; ``."""
        return "; ".join(f"{dist} >={low}, <{high}" for dist, low, high in self.tested)


PATCHES: dict[str, Patch] = {p.name: p for p in (
    Patch(
        "text_bitmaps", (("matplotlib", "3.10", "3.11"),),
        "Agg draws each chart text from a glyph bitmap kept per (text, font files, size, dpi, "
        "hinting) instead of rasterising it again: a copy of `RendererAgg.draw_text` (3.10) "
        "using `FontManager._find_fonts_by_props`, `RendererAgg._prepare_font` and "
        "`RendererAgg._renderer.draw_text_image`. matplotlib 3.11 lays text out anew (libraqm): "
        "there `glyph_bitmaps` takes over.",
        "matplotlib's own `RendererAgg.draw_text`",
        "tests/test_compat.py::test_kept_text_bitmaps_give_matplotlibs_own_pixels",
        "matplotlib"),
    Patch(
        "glyph_bitmaps", (("matplotlib", "3.11", "3.12"),),
        "Agg draws each chart text from a layout and glyph bitmaps kept per (text, fonts, size, "
        "dpi, flags, features, language) and per (font, size, glyph, angle, sub-pixel offset) "
        "instead of laying out and rendering them again: a copy of 3.11's `RendererAgg.draw_text` "
        "and `_draw_text_glyphs_and_boxes` using `RendererAgg._prepare_font`, "
        "`FT2Font._layout`, `FT2Font._set_transform`, `FT2Font._render_glyph` and "
        "`RendererAgg._renderer.draw_text_image`.",
        "matplotlib's own `RendererAgg.draw_text`",
        "tests/test_compat.py::test_kept_text_bitmaps_give_matplotlibs_own_pixels",
        "matplotlib"),
    Patch(
        "kept_figures", (("matplotlib", "3.10", "3.12"),),
        "`charts.trend_image` and `charts.comparison_png` redraw a figure kept per layout "
        "after clearing its axes (artists removed, `Axes.ignore_existing_data_limits`, "
        "locators and formatters reset) instead of building a new one; it relies on a cleared "
        "axes drawing as a new one does. A trend panel's background (frame, grid, ticks, "
        "labels) is kept as pixels per look (Agg's `copy_from_bbox` / `restore_region`) and "
        "each panel draws its own artists over it with `Axes.draw_artist`: it relies on every "
        "panel artist lying above the frame (z-order > 2.5) and on `Axes.draw` drawing its "
        "children in a stable z-order sort.",
        "a new figure per chart (`charts.trend`, `charts.comparison`)",
        "tests/test_compat.py::test_kept_figures_draw_what_new_figures_draw",
        "matplotlib"),
    Patch(
        "lean_user_agent", (("weasyprint", "70", "71"),),
        "PDFs are laid out with WeasyPrint's user-agent style sheet without its footnote and "
        "note rules and with `::marker` on `li` only (overrides the private "
        "`HTML._ua_stylesheets`; reads `weasyprint/css/html5_ua.css`), so that six pseudo-element "
        "styles per element are not computed.",
        "`weasyprint.HTML` with its own style sheet",
        "tests/test_compat.py::test_lean_user_agent_sheet_gives_the_same_pdf_content",
        "weasyprint"),
    Patch(
        "png_rows", (("weasyprint", "68", "71"),),
        "An opaque 8-bit PNG's compressed rows are copied into the PDF as they are (replaces "
        "the private `RasterImage._get_png_data`, which decodes and compresses every PNG "
        "again); any other image goes WeasyPrint's way.",
        "WeasyPrint decodes and re-compresses each PNG",
        "tests/test_compat.py::test_copied_png_rows_give_the_same_pdf_content",
        "weasyprint"),
    Patch(
        "library_search", (("weasyprint", "68", "71"),),
        "WeasyPrint is imported with `ctypes.util.find_library` answering None (Linux), so that "
        "cffi opens the `libX.so.N` names WeasyPrint lists without running gcc and ld to search "
        "for the names that do not load; on an import error it imports again, searching.",
        "WeasyPrint's own library search",
        "tests/test_compat.py::test_weasyprint_is_imported_without_searching_for_libraries",
        "weasyprint"),
    Patch(
        "quiet_flush", (("ipykernel", "6.29", "7.5"),),
        "In warm batch kernels, `OutStream.flush` returns at once when ipykernel's private "
        "`_flush_pending` and `_subprocess_flush_pending` say nothing is waiting (no round trip "
        "to the I/O thread); a flush with output waiting runs as before.",
        "ipykernel's own `OutStream.flush`",
        "tests/test_compat.py::test_quiet_flush_keeps_outputs_in_their_order",
        "ipykernel"),
    Patch(
        "execute_sleep", (("ipykernel", "6.29", "7.5"),),
        "Warm batch kernels start with `--IPythonKernel._execute_sleep=0` (a private trait): no "
        "0.5 ms sleep before each execute reply; papermill reads a cell's outputs until the "
        "kernel reports idle, which comes after them on the same channel.",
        "ipykernel's default sleep",
        "tests/test_batch.py::test_warm_briefing_equals_cold_briefing",
        "ipykernel"),
    Patch(
        "fork_server", (("jupyter_client", "8.6", "8.11"), ("ipykernel", "6.29", "7.5")),
        "Batch kernels are forks of one process that imported what briefings need: the kernel "
        "manager is given, before its start, a `LocalProvisioner` subclass that asks the fork "
        "server and sets the provisioner's `process`, `pid`, `pgid` and `cwd` as a launch "
        "would; the forked child becomes an `IPKernelApp` (its parent given as "
        "`parent_handle`, debugpy marked absent, `atexit._run_exitfuncs` before `os._exit`).",
        "each kernel launched as a new process by jupyter_client",
        "tests/test_batch.py::test_warm_briefing_equals_cold_briefing",
        "ipykernel"),
    Patch(
        "kernel_ready", (("jupyter_client", "8.6", "8.11"),),
        "A new kernel is ready at the idle status of its `kernel_info` reply or its "
        "`iopub_welcome` instead of after 0.2 s of iopub silence (`wait_for_ready`); uses the "
        "client's private `_handle_kernel_info_reply` and `_async_is_alive`.",
        "`KernelClient.wait_for_ready`",
        "tests/test_compat.py::test_kernel_ready_asks_again_when_iopub_connects_late",
        "jupyter_client"),
    Patch(
        "warm_engine", (("papermill", "2.6", "2.8"),),
        "A papermill engine (`congdoan-warm`) whose `execute_managed_notebook` is a copy of "
        "`NBClientEngine`'s that reuses the warm kernel's long-lived client (`kc=`) instead of "
        "opening one per notebook, using `papermill.utils.merge_kwargs`/`remove_args`.",
        "papermill's own nbclient engine on the warm kernel, one client per notebook "
        "(closed after it)",
        "tests/test_batch.py::test_warm_briefing_equals_cold_briefing",
        "papermill"),
    Patch(
        "iri_grammar", (("jsonschema", "4.26", "5"),),
        "congdoan's own processes (the command line, batch workers; never a user's kernel) "
        "mark `rfc3987_syntax` absent before nbformat imports jsonschema, whose IRI format "
        "checker would compile a Lark grammar at import; notebooks never use the `iri` formats.",
        "jsonschema imports `rfc3987_syntax` (when installed)",
        "tests/test_compat.py::test_notebooks_are_validated_without_the_iri_grammar",
        "jsonschema"),
)}
"""Every declared patch, by name (the table of ``docs/compat.md``)."""


def _release(version: str) -> tuple[int, ...]:
    """The release numbers at the start of ``version`` (``'3.10.9'`` -> ``(3, 10, 9)``)."""
    found = re.match(r"\d+(?:\.\d+)*", version.strip())
    return tuple(int(part) for part in found.group().split(".")) if found else ()


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


@lru_cache(maxsize=64)
def installed_version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None when it is not installed.

    Read from the name of its ``.dist-info`` folder on ``sys.path`` (importing
    ``importlib.metadata`` costs more than the rest of the command line's start-up); where no
    such folder is found, :func:`importlib.metadata.version` answers.
    """
    wanted = _normalised(distribution)
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            stem, dot, suffix = name.rpartition(".")
            if dot and suffix == "dist-info" and "-" in stem:
                dist, _, version = stem.partition("-")
                if _normalised(dist) == wanted:
                    return version
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as metadata_version

    try:
        return metadata_version(distribution)
    except PackageNotFoundError:
        return None


def in_range(version: str | None, low: str, high: str) -> bool:
    """True when ``version`` is at least ``low`` and below ``high`` (release numbers only)."""
    if version is None:
        return False
    release = _release(version)
    return _release(low) <= release < _release(high)


def accelerators_on() -> bool:
    """False when ``CONGDOAN_ACCELERATORS=0`` (or no/false/off) turns every patch off."""
    return os.environ.get(ACCELERATORS, "1").strip().lower() not in OFF


def switched_on(name: str) -> bool:
    """True when neither the one setting nor the patch's own switch turns ``name`` off."""
    patch = PATCHES[name]
    return accelerators_on() and os.environ.get(patch.switch, "1").strip().lower() not in OFF


def fits(name: str) -> bool:
    """True when every upstream package ``name`` touches is installed in its tested range."""
    return all(in_range(installed_version(dist), low, high)
               for dist, low, high in PATCHES[name].tested)


def active(name: str) -> bool:
    """True when the patch ``name`` is to be applied here: switched on and in its range."""
    return switched_on(name) and fits(name)


def table() -> str:
    """The patches as the Markdown table of ``docs/compat.md``."""
    lines = ["| patch | upstream | what it changes | tested on | switch (`=0` off) | fallback "
             "| proving test |", "|---|---|---|---|---|---|---|"]
    for patch in PATCHES.values():
        cells = [f"`{patch.name}` ({patch.module})", patch.upstream, patch.changes,
                 patch.ranges(), f"`{patch.switch}`", patch.fallback, f"`{patch.test}`"]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def report() -> str:
    """Which patches are active in this environment, and why not where they are not."""
    lines = []
    for patch in PATCHES.values():
        versions = ", ".join(f"{dist} {installed_version(dist) or 'absent'}"
                             for dist, _, _ in patch.tested)
        if active(patch.name):
            state = "on"
        elif not switched_on(patch.name):
            state = "off (switched off)"
        else:
            state = f"off (outside {patch.ranges()})"
        lines.append(f"{patch.name:16} {state:40} {versions}")
    return "\n".join(lines)


__all__ = ["ACCELERATORS", "PATCHES", "Patch", "accelerators_on", "active", "fits",
           "in_range", "installed_version", "report", "switched_on", "table"]
