"""looks_current: a guess from file times that a batch has nothing to render."""

from __future__ import annotations

import os
from pathlib import Path

from congdoan.engine.freshness import MANIFEST_NAME, looks_current


def _age(path: Path, seconds_ago: float) -> None:
    """Set ``path``'s modification time ``seconds_ago`` before now."""
    when = path.stat().st_mtime - seconds_ago
    os.utime(path, (when, when))


def _setup(tmp_path: Path) -> tuple[Path, Path, Path]:
    data, code, out = tmp_path / "data", tmp_path / "code.py", tmp_path / "out"
    data.mkdir()
    out.mkdir()
    (data / "reports.csv").write_text("unit_id,period\n")
    code.write_text("x = 1\n")
    (out / MANIFEST_NAME).write_text('{"entries": {"u": {"outputs": ["2025/u.html"]}}}')
    for path in (data / "reports.csv", code):
        _age(path, 60)
    return data, code, out


def test_a_manifest_newer_than_every_input_with_the_period_looks_current(tmp_path: Path) -> None:
    data, code, out = _setup(tmp_path)
    assert looks_current(out, "2025", str(data), sources=[code])


def test_anything_newer_other_periods_or_unknowable_inputs_do_not(tmp_path: Path) -> None:
    data, code, out = _setup(tmp_path)
    assert not looks_current(out, "2026-H1", str(data), sources=[code])  # not rendered yet
    assert not looks_current(out, "2025-H1", str(data), sources=[code])  # "2025/" is not it
    assert not looks_current(out, "latest", str(data), sources=[code])  # only the data knows
    assert not looks_current(out, "2025", "postgresql://host/db", sources=[code])
    assert not looks_current(tmp_path / "elsewhere", "2025", str(data), sources=[code])
    assert not looks_current(out, "2025", str(tmp_path / "no-data"), sources=[code])
    code.touch()  # the code changed after the last run
    assert not looks_current(out, "2025", str(data), sources=[code])
    _age(code, 60)
    (data / "new.csv").write_text("a\n")  # a data file added
    assert not looks_current(out, "2025", str(data), sources=[code])
    _age(data / "new.csv", 60)
    assert looks_current(out, "2025", str(data), sources=[code])
