"""No plan, place or milestone year is written into the library or the notebooks; no timing
into its docstrings and comments.

Every label that names the plan, the organisation or a milestone year is derived from the plan
register and the workspace; only docstrings (which describe the demo as an example) and the demo
itself (``congdoan.demo``, ``congdoan demo``) may name them.

Docstrings and comments state contracts: a timing or memory figure there is stale the day it
lands, so figures live in ``docs/performance.md`` with the commit and machine they hold for.
"""

from __future__ import annotations

import ast
import io
import json
import re
import tokenize
from pathlib import Path

import congdoan
from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.core.plan import load_register

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout's root (tests run from a source tree)."""

PACKAGE = Path(congdoan.__file__).parent
DEMO_PARTS = (PACKAGE / "demo", PACKAGE / "cli" / "demo.py")
WORDS = re.compile(r"41b|Gia Lâm|huyện|thị trấn", re.IGNORECASE)
YEARS = {2023, 2025, 2030, 2045}
ALLOWED = {("core/workspace.py", "Liên đoàn Lao động quận, huyện"),
           ("intake/own_headers.py", "Xã, phường, thị trấn")}  # an old list's header
"""Literals that name a kind of organisation, not a place or a plan."""
YEAR = re.compile(r"(?<!\d)(" + "|".join(map(str, sorted(YEARS))) + r")(?!\d)")


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    # attribute docstrings: a string statement right after an assignment
    for node in ast.walk(tree):
        for field in ("body", "orelse"):
            stmts = getattr(node, field, None)
            if isinstance(stmts, list):
                for before, after in zip(stmts, stmts[1:], strict=False):
                    if isinstance(before, (ast.Assign, ast.AnnAssign)) and \
                            isinstance(after, ast.Expr) and isinstance(after.value, ast.Constant):
                        found.add(id(after.value))
    return found


def literals_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string or number literal in ``source`` naming a plan, a place or a
    milestone year (docstrings excepted)."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    bad = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) not in skip:
            value = node.value
            if isinstance(value, str) and (WORDS.search(value) or YEAR.search(value)):
                bad.append((node.lineno, value))
            elif isinstance(value, int) and not isinstance(value, bool) and value in YEARS:
                bad.append((node.lineno, str(value)))
    return bad


def test_the_milestone_years_checked_are_the_demo_plan_s() -> None:
    assert set(load_register().milestone_years) == YEARS


def test_the_check_finds_what_it_looks_for() -> None:
    assert literals_in('x = "Kế hoạch 41b"\ny = 2030\n"""doc 2025"""\n') == [
        (1, "Kế hoạch 41b"), (2, "2030")]
    assert literals_in('def f():\n    """Gia Lâm, 2025."""\n    return "ok"\n') == []


def test_no_plan_place_or_milestone_year_in_the_library() -> None:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if any(path == part or part in path.parents for part in DEMO_PARTS):
            continue
        for line, text in literals_in(path.read_text(encoding="utf-8")):
            if (str(path.relative_to(PACKAGE)), text) in ALLOWED:
                continue
            found.append(f"{path.relative_to(PACKAGE)}:{line}: {text[:60]!r}")
    assert not found, "\n".join(found)


def test_no_plan_place_or_milestone_year_in_the_notebooks() -> None:
    found = []
    for path in sorted(NOTEBOOKS_DIR.glob("*.ipynb")):
        for i, cell in enumerate(json.loads(path.read_text(encoding="utf-8"))["cells"]):
            text = "".join(cell["source"])
            if cell["cell_type"] == "code":
                found += [f"{path.name} cell {i}: {t[:60]!r}" for _, t in literals_in(text)]
                comments = "\n".join(line for line in text.splitlines() if "#" in line)
                if WORDS.search(comments):
                    found.append(f"{path.name} cell {i} (comment): {comments[:60]!r}")
            elif WORDS.search(text) or YEAR.search(text):
                found.append(f"{path.name} cell {i} (markdown): {text[:60]!r}")
    assert not found, "\n".join(found)


def test_templates_name_no_plan_or_place() -> None:
    for path in sorted((PACKAGE / "templates").iterdir()):
        assert not WORDS.search(path.read_text(encoding="utf-8")), path.name
    assert PROJECT_ROOT.is_dir()


NUMBER = r"(?<![\w.,])\d+(?:[.,]\d+)?\s?"
TIMING = re.compile(
    NUMBER + r"(?:ms|µs|s|secs?|seconds?|minutes?|giây|phút|[KMG]i?B|kB)(?!\w)"
    + "|" + NUMBER + r"×(?!\s?\d)"  # "5× faster", not "5 × 10ⁿ"
    + "|" + NUMBER + r"(?:x|times)\s+(?:faster|slower|cheaper|quicker|as long)",
    re.IGNORECASE)
"""A figure of time, memory or speed-up: ``~40 ms``, ``0.2 s``, ``≈ 2 MB``, ``5x faster``.

Byte limits are contracts, written as a constant in bytes (``MAX_REQUEST``), which this does
not match; a deadline names its constant (``REQUEST_TIMEOUT`` seconds)."""
TIMING_ALLOWED: set[tuple[str, str]] = set()
"""(module, matched text) pairs that state a contract with a unit; none at present."""


def timings_in(source: str) -> list[tuple[int, str]]:
    """(line, figure) of every timing figure in ``source``'s docstrings and comments."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and id(node) in docstrings and isinstance(node.value, str):
            for match in TIMING.finditer(node.value):
                found.append((node.lineno + node.value.count("\n", 0, match.start()), match[0]))
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.COMMENT:
            found += [(token.start[0], match[0]) for match in TIMING.finditer(token.string)]
    return sorted(found)


def test_the_timing_check_finds_what_it_looks_for() -> None:
    source = ('"""Takes ~40 ms; keeps ≈ 2 MB."""\n'
              'x = 1  # ~5x faster, 1.5–2.5 times as long, 0.2 s, 30.5× the naive route\n'
              'y = "0.5 s"\n'
              'def f():\n    """Steps of 2.5 or 5 × 10ⁿ; 72,5%; 2023-H1s; 3 lines; 8 bytes."""\n')
    assert timings_in(source) == sorted([(1, "40 ms"), (1, "2 MB"), (2, "5x faster"),
                                         (2, "2.5 times as long"), (2, "0.2 s"), (2, "30.5×")])


def test_no_timing_in_the_library_s_docstrings_or_comments() -> None:
    found = [f"{path.relative_to(PACKAGE)}:{line}: {text!r}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for line, text in timings_in(path.read_text(encoding="utf-8"))
             if (str(path.relative_to(PACKAGE)), text) not in TIMING_ALLOWED]
    assert not found, "timings belong in docs/performance.md:\n" + "\n".join(found)
