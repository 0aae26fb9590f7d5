"""Print pip constraints that pin every runtime dependency of pyproject.toml to its floor.

``make test-floors`` installs congdoan with these constraints into ``.venv-floors`` and runs the
tests there, so that each floor ``pkg>=X`` in pyproject.toml is a version the suite passed on.
A pin names the package without its extras, as a constraints file must (``psycopg[binary]>=3.1.4``
pins ``psycopg==3.1.4``; the extra's packages follow from the requirement itself).
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

FLOOR = re.compile(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?>=([0-9][0-9A-Za-z.]*)$")


def floors(pyproject: Path) -> list[str]:
    """``name==floor`` for each runtime dependency; an error for one without a floor."""
    deps = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["dependencies"]
    pins = []
    for dep in deps:
        match = FLOOR.match(dep.replace(" ", ""))
        if match is None:
            raise SystemExit(f"{pyproject}: dependency {dep!r} has no single floor (name>=X)")
        pins.append(f"{match[1]}=={match[3]}")
    return pins


if __name__ == "__main__":
    root = Path(__file__).resolve().parent.parent
    sys.stdout.write("".join(f"{pin}\n" for pin in floors(root / "pyproject.toml")))
