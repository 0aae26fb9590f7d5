"""Project paths, computed once from this file's location (overridable by environment)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[3]
"""The repository root (``lib/congdoan/core/paths.py`` → three levels up)."""

PARAMS_DIR = Path(os.environ.get("CONGDOAN_PARAMS", PROJECT_ROOT / "params"))
"""Validated configuration: plan register, periods, rates, batch definitions."""

DATA_DIR = Path(os.environ.get("CONGDOAN_DATA", PROJECT_ROOT / "data"))
"""Data folder; the demo district lives in ``data/demo``."""

DEMO_DIR = DATA_DIR / "demo"
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"
OUTPUT_DIR = Path(os.environ.get("CONGDOAN_OUTPUT", PROJECT_ROOT / "output"))
"""Generated files (briefings, exports); never committed."""

BRIEFINGS_DIR = OUTPUT_DIR / "briefings"
"""Default output folder of ``congdoan briefings``."""
