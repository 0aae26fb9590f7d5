"""Output helpers shared by the commands (``congdoan.cli.common``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from congdoan.cli.common import near, print_problems
from congdoan.intake.problems import Problem


def test_a_path_under_the_current_folder_is_said_from_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert near(tmp_path / "output" / "KeHoach.xlsx") == Path("output/KeHoach.xlsx")
    assert near(Path("output/KeHoach.xlsx")) == Path("output/KeHoach.xlsx")
    elsewhere = tmp_path.parent / "khac" / "KeHoach.xlsx"
    assert near(elsewhere) == elsewhere  # not under it: as given


def test_a_list_file_shows_its_errors_first_then_how_many_more(
        capsys: pytest.CaptureFixture[str]) -> None:
    def problem(n: int, severity: str) -> Problem:
        return Problem(file="ds.xlsx", message_vi=f"sai {n}", message_en=f"wrong {n}",
                       severity=severity, sheet="CDCS", cell=f"B{n}")

    print_problems([problem(1, "warning"), *(problem(n, "error") for n in (2, 3, 4))], 2, "vi")
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(": ", 1)[1] for line in lines[:2]] == ["sai 2", "sai 3"]
    assert lines[2] == "   … 1 dòng nữa trong báo cáo"
    print_problems([problem(1, "warning")], 2, "vi")  # no error: the warnings are shown
    assert "sai 1" in capsys.readouterr().out
