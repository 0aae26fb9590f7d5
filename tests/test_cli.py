"""The command line contract: `congdoan indicators` and `congdoan demo`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from conftest import fresh_python
from congdoan.cli import main
from congdoan.core.plan import load_register

CONTRACT = ["unit_id", "unit_name", "level", "period", "indicator_id", "clause", "numerator",
            "denominator", "value", "target", "status"]


def test_indicators_csv_to_a_file(demo_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "ind.csv"
    code = main(["indicators", "--period", "2025", "--data", str(demo_dir), "--out", str(out)])
    assert code == 0
    table = pd.read_csv(out, dtype={"clause": str})
    assert CONTRACT == [c for c in table.columns if c in CONTRACT]
    assert {"cdcs", "sector", "commune", "upper_union", "organisation"} <= set(table["level"])
    # the district's members at the end of 2025: its CĐCS' members (as reported for 2025-H2, or
    # carried forward from their last report), the sum of the CĐCS rows
    reports = pd.read_csv(demo_dir / "reports.csv", dtype={"period": str})
    reported = reports.loc[reports["period"] == "2025-H2", "members"].sum()
    members = table.loc[(table["level"] == "cdcs") & (table["indicator_id"] == "total_members"),
                        "numerator"].sum()
    total = table[(table["level"] == "organisation") & (table["indicator_id"] == "total_members")]
    assert list(total["numerator"]) == [members] and members >= reported > 0
    # every clause of section II of the plan appears in the output
    clauses = {c for cl in table["clause"] for c in str(cl).replace("–", ",").split(",")}
    assert set(load_register().plan.clauses) <= clauses
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


def test_latest_is_one_period_for_indicators_and_briefings(
        demo_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """'latest' names the same period in `congdoan indicators` and in a briefing, and never the
    half-year still running, even when early reports for it are stored."""
    import datetime as dt

    from congdoan.briefing.content import load_context
    from congdoan.core.dataset import read_dataset, write_dataset
    from congdoan.core.periods import parse_period, period_of_date

    dataset = read_dataset(demo_dir)
    running = period_of_date(dt.date.today())
    early = dataset.reports[dataset.reports["period"] == dataset.reports["period"].max()]
    dataset.reports = pd.concat([dataset.reports, early.head(3).assign(period=running)],
                                ignore_index=True)
    data = tmp_path / "data"
    write_dataset(dataset, data)
    assert main(["indicators", "--period", "latest", "--level", "organisation",
                 "--data", str(data)]) == 0
    by_cli = set(pd.read_csv(io.StringIO(capsys.readouterr().out))["period"].astype(str))
    by_briefing = load_context("latest", str(data)).period.id
    assert by_cli == {by_briefing}
    assert by_briefing != running
    assert parse_period(by_briefing).cut_off < dt.date.today()


@pytest.mark.slow
def test_console_script_runs_demo_then_indicators(tmp_path: Path) -> None:
    exe = Path(sys.executable).with_name("congdoan")
    demo = tmp_path / "demo"
    env = {k: v for k, v in os.environ.items() if k != "CONGDOAN_WORKSPACE"}
    subprocess.run([str(exe), "demo", str(demo)], check=True, capture_output=True, env=env)
    from congdoan.core.plan import load_register

    assert load_register(demo / "params").plan.citation() == \
        "Kế hoạch số 41b/KH-LĐLĐ ngày 30/09/2021 của Liên đoàn Lao động huyện Gia Lâm"
    subprocess.run([str(exe), "ingest"], check=True, capture_output=True, cwd=demo, env=env)
    done = subprocess.run([str(exe), "indicators", "--period", "latest", "--level", "organisation"],
                          check=True, capture_output=True, text=True, cwd=demo, env=env)
    table = pd.read_csv(io.StringIO(done.stdout))
    assert set(table["period"].astype(str)) == {"2026-H1"}
    assert len(table) == len(set(table["indicator_id"]))  # one district row per indicator


@pytest.mark.slow
def test_a_command_imports_only_its_own_module() -> None:
    code = ("import sys; from congdoan.cli import build_parser; "
            "build_parser('indicators').parse_args(['indicators', '--period', '2025']); "
            "print(sorted(m for m in ('nbformat', 'papermill', 'nbconvert', 'openpyxl', "
            "'congdoan.engine.jobs', 'congdoan.cli.indicators') if m in sys.modules))")
    assert fresh_python(code) == "['congdoan.cli.indicators']"
    # without a known command every command is offered (e.g. for --help)
    from congdoan.cli import COMMANDS, build_parser

    listed = build_parser().format_help()
    assert all(f"\n    {name} " in listed for name in COMMANDS), listed


@pytest.mark.slow
def test_package_version_is_read_only_when_asked() -> None:
    """The command line reaches the fork server's start without importing importlib.metadata;
    ``congdoan.__version__`` is still the installed version."""
    code = ("import sys, congdoan.cli; before = 'importlib.metadata' in sys.modules; "
            "import congdoan; from importlib.metadata import version; "
            "print(before, congdoan.__version__ == version('congdoan'), "
            "'__version__' in vars(congdoan))")
    assert fresh_python(code) == "False True True"
    import congdoan

    with pytest.raises(AttributeError):
        _ = congdoan.no_such_name  # type: ignore[attr-defined]


@pytest.mark.slow
def test_briefings_command_exits_with_its_code_and_all_it_printed(
        demo_dir: Path, tmp_path: Path) -> None:
    """``congdoan briefings`` (workers, kernels and a fork server behind it) ends with its exit
    code and everything it printed."""
    base = [sys.executable, "-m", "congdoan.cli", "briefings", "--period", "2025",
            "--data", str(demo_dir), "--out", str(tmp_path / "out"), "--format", "html"]
    bad = subprocess.run([*base, "--union", "KHONG-CO"], capture_output=True, text=True,
                         timeout=300, check=False)
    assert bad.returncode == 2 and "KHONG-CO" in bad.stderr
    good = subprocess.run([*base, "--union", "CDCS-0001"], capture_output=True, text=True,
                          timeout=300, check=False)
    assert good.returncode == 0, good.stderr[-2000:]
    assert "1 tạo mới / rendered" in good.stdout and good.stdout.endswith("\n")
    # what the batch was about ('latest' resolved), in words: a year on its H2 form
    assert ("Kỳ / period: 2025 — Năm 2025 (báo cáo năm, mẫu 2025-H2), chốt 30/11/2025\n"
            in good.stdout)
    assert (tmp_path / "out" / "2025" / "union-CDCS-0001.html").is_file()


@pytest.mark.slow
def test_output_to_a_reader_that_went_away_is_no_traceback(demo_workspace: Path) -> None:
    """``congdoan units list | head -1``: the pipe's reader is gone before the command writes."""
    read, write = os.pipe()
    os.close(read)                       # nobody reads: the first write fails (EPIPE)
    env = {k: v for k, v in os.environ.items() if k != "CONGDOAN_WORKSPACE"}
    done = subprocess.run([sys.executable, "-m", "congdoan.cli", "-w", str(demo_workspace),
                           "units", "list"], stdout=write, stderr=subprocess.PIPE, text=True,
                          env=env, check=False)
    os.close(write)
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr, done.stderr
    assert done.returncode == 141
