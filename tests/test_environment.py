"""environment.yml (conda) and pyproject.toml (pip) list the same dependencies."""

from __future__ import annotations

import re
import runpy
import tomllib
from pathlib import Path

import pytest
import yaml

PROJECT_ROOT = Path(__file__).resolve().parents[1]
"""The checkout's root (tests run from a source tree)."""


# conda-forge splits or renames a few PyPI packages
CONDA_NAMES = {"psycopg[binary]": "psycopg", "dask[distributed]": "dask"}


def _name(spec: str) -> str:
    return re.split(r"[<>=!~ ]", spec, maxsplit=1)[0].strip().lower()


def test_environment_yml_lists_every_runtime_dependency() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    for spec in project["project"]["dependencies"]:
        name = _name(spec)
        assert CONDA_NAMES.get(name, name) in conda, f"{name} missing from environment.yml"
    if "dask[distributed]" in {_name(s) for s in project["project"]["dependencies"]}:
        assert "distributed" in conda
    pip_part = [d for d in env["dependencies"] if isinstance(d, dict)]
    assert pip_part and "-e .[dev]" in pip_part[0]["pip"], "dev extras come from pyproject"


def test_versions_agree() -> None:
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    env = yaml.safe_load((PROJECT_ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {_name(d): d for d in env["dependencies"] if isinstance(d, str)}
    for spec in project["project"]["dependencies"]:
        name = _name(spec)
        bound = spec[len(name):].strip()
        conda_spec = conda[CONDA_NAMES.get(name, name)]
        assert bound in conda_spec, f"{name}: pyproject says {bound!r}, conda {conda_spec!r}"


def test_every_package_the_library_imports_is_declared() -> None:
    """Each third-party module imported anywhere in lib/congdoan comes from a distribution
    listed in pyproject's dependencies (or one of their extras), not merely installed as
    another one's dependency."""
    import ast
    import sys
    from importlib.metadata import packages_distributions

    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    declared: set[str] = set()
    for spec in project["project"]["dependencies"]:  # dask[distributed]: dask and distributed
        declared |= {re.sub(r"[-_.]+", "-", part) for part in re.split(r"[\[\],]", _name(spec))
                     if part}
    owners = packages_distributions()
    imported: set[str] = set()
    for path in (PROJECT_ROOT / "lib" / "congdoan").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    third_party = {m for m in imported - set(sys.stdlib_module_names) - {"congdoan", "__future__"}
                   if m != "ipykernel_launcher"}  # ships with ipykernel
    undeclared = {m: owners.get(m) for m in third_party - set(DEV_TOOLING)
                  if not {re.sub(r"[-_.]+", "-", d.lower()) for d in owners.get(m, [])} & declared}
    assert undeclared == {}
    extras = " ".join(project["project"]["optional-dependencies"]["dev"])
    assert all(package in extras for package in DEV_TOOLING)  # each in the dev extra


DEV_TOOLING = {"playwright": "congdoan/explore/browser.py, the real-browser harness of the tests "
                             "and of benchmarks/bench_explore_browser.py (never imported otherwise)"}
"""Packages of the dev extra that a library module imports, and which module (and why)."""


def _floors(pyproject: Path) -> list[str]:
    """What ``.ci/floors.py`` pins for ``pyproject`` (the script is not a module of a package)."""
    floors = runpy.run_path(str(PROJECT_ROOT / ".ci" / "floors.py"))["floors"]
    return list(floors(pyproject))


def test_the_floors_lane_pins_each_runtime_dependency_to_its_bound() -> None:
    """``make test-floors`` installs what ``.ci/floors.py`` prints: each dependency of
    pyproject.toml at exactly its floor, the extra's package pinned with it."""
    pins = _floors(PROJECT_ROOT / "pyproject.toml")
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    deps = project["project"]["dependencies"]
    assert len(pins) == len(deps)
    assert "psycopg==3.1.4" in pins and "matplotlib==3.10.9" in pins
    for pin, dep in zip(pins, deps, strict=True):
        name, version = pin.split("==")
        assert dep.startswith(name) and dep.endswith(f">={version}"), (pin, dep)


def test_a_dependency_without_a_floor_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "pyproject.toml"
    bad.write_text('[project]\ndependencies = ["pandas>=3.0", "numpy"]\n', encoding="utf-8")
    with pytest.raises(SystemExit, match="'numpy' has no single floor"):
        _floors(bad)
