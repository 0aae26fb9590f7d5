"""Where congdoan's own files are, and the parameters folder in force.

The packaged defaults (the plan register template and settings, the notebooks) are read through
:mod:`importlib.resources`, so an installed wheel finds them as a source tree does. A workspace
(:mod:`congdoan.core.workspace`) puts its own ``params/`` in force with :func:`set_params_dir`.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

DEFAULTS_DIR = Path(str(files("congdoan") / "defaults"))
"""Packaged defaults: ``params/`` (template of a plan and settings) and ``notebooks/``."""

DEFAULT_PARAMS_DIR = DEFAULTS_DIR / "params"
"""The packaged plan register and settings, copied into each new workspace."""

NOTEBOOKS_DIR = DEFAULTS_DIR / "notebooks"
"""The parameterised notebooks (briefings, exploration, data quality)."""

_params_dir: Path | None = None


def set_params_dir(folder: Path | None) -> None:
    """Put ``folder``'s plan register and settings in force (None: the packaged defaults)."""
    global _params_dir
    _params_dir = None if folder is None else Path(folder)


def params_dir() -> Path:
    """The parameters folder in force.

    The folder set by :func:`set_params_dir` (the activated workspace's), else the ``params``
    folder of the workspace named by ``$CONGDOAN_WORKSPACE`` (kernels and workers started by a
    command), else the packaged defaults (library use outside any workspace).
    """
    if _params_dir is not None:
        return _params_dir
    named = os.environ.get("CONGDOAN_WORKSPACE")
    return Path(named) / "params" if named else DEFAULT_PARAMS_DIR
