"""``python -m congdoan._compat [--write FILE]``: the table of declared patches, which are active.

With ``--write docs/compat.md`` the table in that file (the lines from ``| patch |`` to the
table's end) is replaced by the registry's; otherwise it is printed with the active patches.
"""

from __future__ import annotations

import sys
from pathlib import Path

from congdoan._compat import report, table


def write(path: Path) -> None:
    """Replace the patch table in ``path`` by :func:`congdoan._compat.table`."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("| patch |"))
    end = next((i for i in range(start, len(lines)) if not lines[i].startswith("|")), len(lines))
    path.write_text("".join(lines[:start]) + table() + "".join(lines[end:]), encoding="utf-8")


if sys.argv[1:2] == ["--write"] and len(sys.argv) == 3:
    write(Path(sys.argv[2]))
else:
    print(table())
    print(report())
