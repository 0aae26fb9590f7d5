"""The command line contract: `congdoan indicators` and `congdoan demo`."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from congdoan.cli import main

CONTRACT = ["unit_id", "unit_name", "level", "period", "indicator_id", "clause", "numerator",
            "denominator", "value", "target", "status"]


def test_indicators_csv_to_a_file(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ind.csv"
    code = main(["indicators", "--period", "2025", "--data", str(demo_dir), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, dtype={"clause": str})
    assert CONTRACT == [c for c in table.columns if c in CONTRACT]
    assert {"cdcs", "sector", "commune", "upper_union", "district"} <= set(table["level"])
    assert set(table["period"].astype(str)) == {"2025"}
    # every clause of the plan appears in the output
    clauses = {c for cl in table["clause"] for c in str(cl).replace("–", ",").split(",")}
    assert {"1.1", "1.5", "1.8", "2.1", "2.2", "2.3"} <= clauses | {"2.2", "2.3"}
    # after 1/7/2025 no CĐCS is under the dissolved district federation
    assert "LDLD-GIALAM" not in set(table.loc[table["level"] == "upper_union", "unit_id"])


def test_indicators_to_stdout_with_one_level(demo_dir: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["indicators", "--period", "2025-H1", "--level", "upper_union",
                 "--data", str(demo_dir)])
    assert code == 0
    table = pd.read_csv(io.StringIO(capsys.readouterr().out))
    assert set(table["level"]) == {"upper_union"}
    assert set(table["unit_id"]) == {"LDLD-GIALAM"}   # 31/5/2025: still the district federation


def test_bad_period_is_a_clear_error(demo_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicators", "--period", "2019", "--data", str(demo_dir)]) == 2
    err = capsys.readouterr().err
    assert "2019" in err and "Kỳ báo cáo nằm ngoài dữ liệu" in err and "2026-H1" in err
    assert main(["--lang", "en", "indicators", "--period", "2023-H7", "--data", str(demo_dir)]) == 2
    assert "Malformed period id" in capsys.readouterr().err


def test_console_script_runs_demo_then_indicators(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("congdoan")
    demo = tmp_path / "demo"
    subprocess.run([str(exe), "demo", "--out", str(demo)], check=True, capture_output=True)
    done = subprocess.run([str(exe), "indicators", "--period", "latest", "--level", "district",
                           "--data", str(demo)], check=True, capture_output=True, text=True)
    table = pd.read_csv(io.StringIO(done.stdout))
    assert set(table["period"].astype(str)) == {"2026-H1"}
    assert len(table) == len(set(table["indicator_id"]))  # one district row per indicator
