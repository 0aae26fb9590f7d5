"""A built wheel, installed in a fresh virtual environment, works on its own (issue #18 item 1).

The wheel is built from a copy of the source tree (so no ``build/`` or ``*.egg-info`` lands in
the checkout), must hold every file of ``lib/congdoan`` (the symbolic links ``defaults/params``
and ``defaults/notebooks`` followed), and, installed without ``--editable`` in a new virtual
environment, its ``congdoan`` command makes a demo workspace, takes in one half-year's summary
and renders one CĐCS briefing from a folder outside the checkout with no ``PYTHONPATH``.

The new environment gets the project's dependencies without downloading them again: a ``.pth``
file names this interpreter's ``site-packages`` as a plain path. ``site`` reads ``.pth`` files only
in its own site directories, so the editable install's ``.pth`` there (which points at the
checkout's ``lib/``) is never read; the test checks the package is imported from the new
environment and is the only ``congdoan`` on its ``sys.path``.

Building the wheel needs the build backend (setuptools, from ``[build-system]``) from the package
index, as any wheel build does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from congdoan.core.sources import open_dataset

pytestmark = pytest.mark.slow

CHECKOUT = Path(__file__).resolve().parents[1]
# what the build reads: the metadata, the package, and what its symbolic links point at
SOURCES = ("pyproject.toml", "README.md", "lib", "params", "notebooks")
SKIPPED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info", ".*")
PERIOD = "2024-H2"
UNION = "CDCS-0001"
IMPORTED = ("import congdoan, json, os, sys; print(json.dumps([congdoan.__file__, "
            "[p for p in sys.path if os.path.isdir(os.path.join(p or '.', 'congdoan'))]]))")


def package_files(package: Path) -> set[str]:
    """Every file a wheel of ``package`` must hold, as ``congdoan/...`` names, links followed."""
    found = set()
    for folder, dirs, names in os.walk(package, followlinks=True):
        dirs[:] = [d for d in dirs if d != "__pycache__" and not d.startswith(".")]
        for name in names:
            if not name.startswith(".") and not name.endswith(".pyc"):
                found.add((Path(folder) / name).relative_to(package.parent).as_posix())
    return found


def call(*words: str | Path, cwd: Path | None = None,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``words``; fail the test with their output unless they succeed."""
    done = subprocess.run([str(w) for w in words], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, f"{words}\n{done.stdout}\n{done.stderr}"
    return done


def build_wheel(out: Path) -> Path:
    """Build the wheel from a copy of the checkout's sources; return its path."""
    source = out / "source"
    for name in SOURCES:
        origin = CHECKOUT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, symlinks=True, ignore=SKIPPED)
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, source / name)
    call(sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out / "dist", source)
    (wheel,) = (out / "dist").glob("congdoan-*.whl")
    return wheel


def fresh_environment(root: Path, wheel: Path) -> Path:
    """A new virtual environment with ``wheel`` installed (not editable); return its python."""
    call(sys.executable, "-m", "venv", "--without-pip", root)
    python = root / "bin" / "python"
    env = clean_environ(root)  # a PYTHONPATH naming the checkout would make pip skip the install
    call(sys.executable, "-m", "pip", "--python", python, "install", "--quiet", "--no-deps",
         "--no-index", wheel, env=env)
    site = Path(call(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     env=env).stdout.strip())
    ours = dict.fromkeys(sysconfig.get_paths()[key] for key in ("purelib", "platlib"))
    (site / "project_dependencies.pth").write_text("".join(f"{p}\n" for p in ours),
                                                   encoding="utf-8")
    return python


def clean_environ(venv: Path) -> dict[str, str]:
    """This process's environment without anything that points at the checkout or a workspace."""
    env = {k: v for k, v in os.environ.items()
           if k not in {"PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "CONGDOAN_WORKSPACE"}}
    return env | {"PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}", "MPLBACKEND": "Agg"}


def test_installed_wheel_renders_a_briefing(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path / "build")
    held = {n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("congdoan/")}
    assert held == package_files(CHECKOUT / "lib" / "congdoan")

    venv = tmp_path / "venv"
    python = fresh_environment(venv, wheel)
    env = clean_environ(venv)
    away = tmp_path / "elsewhere"
    away.mkdir()

    def run(*words: str | Path) -> subprocess.CompletedProcess[str]:
        return call(*words, cwd=away, env=env)

    # one congdoan on the new environment's path, the installed one
    module, holders = json.loads(run(python, "-c", IMPORTED).stdout)
    assert Path(module).resolve().is_relative_to(venv.resolve())
    assert len(holders) == 1 and Path(holders[0]).resolve().is_relative_to(venv.resolve())

    congdoan = venv / "bin" / "congdoan"
    run(congdoan, "demo", "ws")
    workspace = away / "ws"
    run(congdoan, "-w", workspace, "ingest", workspace / "inbox" / f"TongHop_{PERIOD}.xlsx")
    run(congdoan, "-w", workspace, "briefings", "--period", PERIOD, "--union", UNION,
        "--format", "html", "--workers", "0")

    page = workspace / "output" / "briefings" / PERIOD / f"union-{UNION}.html"
    units = open_dataset(f"sqlite:///{workspace / 'congdoan.sqlite'}").units
    (name,) = units.loc[units["unit_id"] == UNION, "name"]
    assert f"<title>{name}</title>" in page.read_text(encoding="utf-8")
