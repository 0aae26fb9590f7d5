"""The package's layout: layers import one way, nothing imports the command line, no circles."""

from __future__ import annotations

import ast
import functools
import io
import re
import tokenize
from collections import Counter
from pathlib import Path

import congdoan

PACKAGE = Path(congdoan.__file__).parent

LAYERS = {
    "exceptions": 0, "_compat": 0, "defaults": 0, "core": 1, "intake": 2, "demo": 3, "briefing": 3,
    "engine": 4, "explore": 5, "cli": 6,
}
"""Each area's rank: a module may import only areas of a lower or equal rank (its own area
included); ``cli`` alone sits on top, so no library module imports it."""


def _area(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(path: Path) -> list[tuple[str, bool]]:
    """``(module, at_top_level)`` of every ``congdoan`` import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("congdoan"):
            names = [f"{node.module}.{a.name}" for a in node.names]
            found += [(n, id(node) in top) for n in names]
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in top) for a in node.names if a.name.startswith("congdoan")]
    return found


def _modules() -> dict[str, Path]:
    out = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def test_every_module_belongs_to_a_known_area():
    unknown = {m for m in _modules() if m != "congdoan" and _area(m) not in LAYERS}
    assert not unknown


def test_layers_import_downwards_only_and_nothing_imports_the_command_line():
    wrong = []
    for module, path in _modules().items():
        if module == "congdoan":
            continue
        mine = LAYERS[_area(module)]
        for target, _top in _imports(path):
            area = _area(target)
            if area in LAYERS and LAYERS[area] > mine:
                wrong.append(f"{module} -> {target}")
    assert not wrong, wrong


def test_no_import_circles_between_modules():
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {m: {t for n, top in _imports(p) if top and (t := resolve(n)) and t != m}
             for m, p in modules.items()}
    # a package's __init__ importing its own modules is not a circle
    graph = {m: {t for t in ts if not t.startswith(m + ".")} for m, ts in graph.items()}
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                cycles.append([*stack[stack.index(nxt):], nxt])
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node, [node])
    assert not cycles, cycles


def test_command_registration_is_a_table_not_an_import_side_effect():
    from congdoan.cli import COMMANDS

    assert all(target.startswith("congdoan.cli.") for target in COMMANDS.values())
    library = [m for m, p in _modules().items() if _area(m) != "cli"
               and "def register_cli" in p.read_text(encoding="utf-8")]
    assert not library


# ----------------------------------------------------------------------------- a test file each
TESTS = Path(__file__).parent

MIN_CODE_LINES = 30
"""Modules with fewer lines of code (docstrings, comments and blank lines left out) need no test
file of their own: below this they are a re-export, a table of constants or a thin argument
parser (``cli/common``, ``cli/forms``, ``core/paths``, ``_compat/jsonschema`` …) whose every
line runs in the tests of the modules that use them. ``__main__`` modules only call ``main``.
A package's ``__init__`` is held to the rule like any module when it holds logic
(``congdoan._compat``, ``congdoan.cli``)."""

TESTED_IN: dict[str, tuple[str, ...]] = {
    "congdoan.briefing.content": ("test_briefing.py", "test_display.py"),
    "congdoan.cli.explore_html": ("test_notebooks_explore.py", "test_browser.py"),
    "congdoan.core.registry_store": ("test_units.py",),
    "congdoan.intake.records_import": ("test_records.py",),
    "congdoan.intake.records_template": ("test_records.py",),
    "congdoan.intake.plan_programmes": ("test_plan_sheet.py",),
    "congdoan.demo.synthetic": ("test_demo.py",),
    "congdoan.engine.jobs": ("test_batch.py", "test_briefings.py", "test_index.py"),
    "congdoan.engine.kernelfork": ("test_forkserver.py",),
    "congdoan.briefing.images": ("test_charts.py", "test_compat.py"),
    "congdoan.briefing.theme": ("test_charts.py", "test_compat.py"),
    "congdoan.core.schema": ("test_store.py", "test_ingest.py"),
    "congdoan.intake.cells": ("test_validation.py",),
    "congdoan.intake.problems": ("test_validation.py", "test_hostile.py"),
    "congdoan.explore.charts": ("test_explore.py",),
    "congdoan.explore.collation": ("test_explore.py",),
    "congdoan.explore.explorer": ("test_explore.py",),
    "congdoan.explore.quality_view": ("test_quality.py",),
    "congdoan.explore.tables": ("test_explore.py",),
    "congdoan.explore.views": ("test_explore.py", "test_quality.py"),
    "congdoan.intake.entry": ("test_forms.py",),
    "congdoan.intake.readers": ("test_hostile.py",),
    "congdoan.intake.unit_import": ("test_units.py", "test_units_own_layout.py"),
    "congdoan.intake.own_layout": ("test_units_own_layout.py",),
    "congdoan.intake.own_headers": ("test_units_own_layout.py",),
    "congdoan.intake.own_codes": ("test_units_own_layout.py",),
    "congdoan.intake.units_template": ("test_units.py",),
    "congdoan.intake.plan_template": ("test_plan_sheet.py",),
    "congdoan.intake.plan_import": ("test_plan_sheet.py",),
    "congdoan.cli.plan": ("test_plan_sheet.py",),
}
"""Modules tested in files not named after them: module → the test files (each must import or
name the module, so an entry cannot outlive the tests it points at). The ``_compat`` modules
are tested where :data:`congdoan._compat.PATCHES` says each patch is proved."""

UNTESTED: dict[str, str] = {
    "congdoan.core.registry_changes": "reached through `congdoan units import` "
                                      "(tests/test_units.py), which never names it",
}
"""Modules with logic that no test file names yet: the debt, each with where it is reached.
An entry must go once a test file names the module."""


def _code_lines(path: Path) -> int:
    """Lines holding code: not blank, not only a comment, not part of a docstring."""
    text = path.read_text(encoding="utf-8")
    strings = set()
    for node in ast.walk(ast.parse(text)):
        if (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
                and isinstance(node.value.value, str)):
            strings |= set(range(node.lineno, (node.end_lineno or node.lineno) + 1))
    code = set()
    skip = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENDMARKER}
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.type not in skip:
            code |= set(range(token.start[0], token.end[0] + 1))
    return len(code - strings)


@functools.lru_cache(maxsize=1)
def _with_logic() -> dict[str, Path]:
    """The modules held to a test file: every one with logic (see :data:`MIN_CODE_LINES`)."""
    return {m: p for m, p in _modules().items()
            if m != "congdoan" and p.stem != "__main__" and _code_lines(p) >= MIN_CODE_LINES}


def _own_test(module: str) -> Path:
    return TESTS / f"test_{module.rpartition('.')[2].lstrip('_')}.py"


@functools.cache
def _mentions(test: Path) -> tuple[frozenset[str], str, frozenset[str]]:
    """What ``test`` refers to: the ``congdoan`` names it imports, its text, and the strings it
    passes in a list or a call (the words of a command line)."""
    text = test.read_text(encoding="utf-8")
    words = set()
    for node in ast.walk(ast.parse(text)):
        args = (node.elts if isinstance(node, (ast.List, ast.Tuple))
                else node.args if isinstance(node, ast.Call) else [])
        words |= {a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)}
    return frozenset(n for n, _top in _imports(test)), text, frozenset(words)


def _names(test: Path, module: str, modules: dict[str, Path]) -> bool:
    """True when ``test`` imports ``module`` (or a name from it), writes its dotted name, or
    (a command-line module) passes one of its commands in a list or a call
    (``main(["template", …])``, ``run(tmp_path, "init", …)``)."""
    from congdoan.cli import COMMANDS

    def resolve(name: str) -> str:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name

    imported, text, words = _mentions(test)
    return (any(resolve(name) == module for name in imported)
            or re.search(rf"{re.escape(module)}(?![\w.])", text) is not None
            or any(c in words for c, m in COMMANDS.items() if m == module))


def _compat_proofs() -> dict[str, set[str]]:
    """``congdoan._compat.X`` → the test files proving its patches."""
    from congdoan._compat import PATCHES

    proofs: dict[str, set[str]] = {}
    for patch in PATCHES.values():
        proofs.setdefault(f"congdoan._compat.{patch.module}", set()).add(
            Path(patch.test.partition("::")[0]).name)
    return proofs


def _tested_where(module: str, modules: dict[str, Path], stems: Counter[str]) -> list[str]:
    """Why ``module`` counts as tested (empty: it does not)."""
    own = _own_test(module)
    # a file named after two modules (cli/forms, intake/forms) stands for those it names
    if own.exists() and (stems[own.name] == 1 or _names(own, module, modules)):
        return [own.name]
    if module in TESTED_IN:
        return list(TESTED_IN[module])
    return sorted(_compat_proofs().get(module, ()))


def test_every_module_with_logic_has_a_test_file() -> None:
    modules = _modules()
    subject = _with_logic()
    stems = Counter(_own_test(m).name for m in subject)
    untested = sorted(m for m in subject if not _tested_where(m, modules, stems)
                      and m not in UNTESTED)
    assert not untested, f"add tests/test_<module>.py or an entry in TESTED_IN: {untested}"


def test_the_table_of_tests_elsewhere_points_at_files_that_name_their_module() -> None:
    modules = _modules()
    subject = _with_logic()
    stems = Counter(_own_test(m).name for m in subject)
    stale = []
    for module, files in TESTED_IN.items():
        if module not in modules:
            stale.append(f"{module}: no such module")
        for name in files:
            test = TESTS / name
            if not test.exists() or not _names(test, module, modules):
                stale.append(f"{module}: {name} does not import or name it")
        own = _own_test(module)
        if own.exists() and (stems[own.name] == 1 or _names(own, module, modules)):
            stale.append(f"{module}: has {own.name} of its own, the entry can go")
    for module in UNTESTED:
        if module not in subject:
            stale.append(f"{module}: no such module with logic")
        elif module in TESTED_IN or _tested_where(module, modules, stems):
            stale.append(f"{module}: tested now, remove it from UNTESTED")
        elif any(_names(t, module, modules) for t in sorted(TESTS.glob("test_*.py"))
                 if t.name != Path(__file__).name):
            stale.append(f"{module}: a test names it now; list it in TESTED_IN")
    assert not stale, stale
