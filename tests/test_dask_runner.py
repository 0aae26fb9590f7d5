"""The Dask path: the same warm workers as Dask worker plugins, on a LocalCluster."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import exits_within
from congdoan.engine.batch import build_briefings
from congdoan.engine.dask_runner import DaskRunner
from congdoan.engine.jobs import BriefingJob, WorkerSpec

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    # two threads: the plugin must still drive its one kernel from one thread at a time
    with LocalCluster(processes=True, n_workers=1, threads_per_worker=2,
                      dashboard_address=":0") as cluster:  # a free port: never 8787 in use
        yield cluster.scheduler_address


def job(name: str, slug_id: str, **parameters: object) -> BriefingJob:
    return BriefingJob(kind="union", unit_id=slug_id, period="2025", title=slug_id,
                       notebook=FIXTURES / f"{name}.ipynb", parameters=dict(parameters))


@pytest.mark.slow
def test_dask_workers_keep_a_warm_kernel(scheduler: str, tmp_path: Path) -> None:
    jobs = [job("nb_state", "A", unit_id="A"), job("nb_raise", "R", unit_id="R"),
            job("nb_state", "B", unit_id="B"), job("nb_state", "C", unit_id="C")]
    seen: list[str] = []
    results = DaskRunner(scheduler).run(jobs, WorkerSpec(out_dir=tmp_path, formats=("html",)),
                                        on_result=lambda r: seen.append(r.job.unit_id))
    assert [r.job.unit_id for r in results] == ["A", "R", "B", "C"]
    assert sorted(seen) == ["A", "B", "C", "R"]
    by_id = {r.job.unit_id: r for r in results}
    assert not by_id["R"].ok and "ValueError" in by_id["R"].error
    pids = set()
    for unit in "ABC":
        assert by_id[unit].ok
        page = (tmp_path / "2025" / f"union-{unit}.html").read_text(encoding="utf-8")
        assert f"unit: {unit}" in page and "leaked: False" in page
        pids.add(re.search(r"kernel pid: (\d+)", page).group(1))  # type: ignore[union-attr]
    assert len(pids) == 1  # one Dask worker, one kernel, reused for every briefing
    assert exits_within(int(pids.pop()), 30)  # the plugin is removed: its kernel is stopped


@pytest.mark.slow
def test_briefings_on_a_scheduler(scheduler: str, demo_dir: Path, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from congdoan.engine import batch

    monkeypatch.setattr(batch, "code_fingerprint", lambda: "fixed-code")  # shared tree edits
    run = build_briefings("2025", unions=["CDCS-0003"], formats=("html",), out=tmp_path,
                          data=str(demo_dir), runner=DaskRunner(scheduler), progress_lines=False)
    assert not run.failed and run.rendered == ["union-CDCS-0003"]
    page = (tmp_path / "2025" / "union-CDCS-0003.html").read_text(encoding="utf-8")
    assert page.rstrip().endswith("</html>") and "<img" in page
    again = build_briefings("2025", unions=["CDCS-0003"], formats=("html",), out=tmp_path,
                            data=str(demo_dir), runner=DaskRunner(scheduler),
                            progress_lines=False)
    assert again.rendered == [] and again.skipped == ["union-CDCS-0003"]
    assert [r.status for r in again.results] == ["unchanged"]
