"""The package's layout: layers import one way, nothing imports the command line, no circles."""

from __future__ import annotations

import ast
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
