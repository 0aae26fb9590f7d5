"""The runner interface: the sequential, pool and Dask runners give the same results."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from congdoan.engine.batch import PoolRunner, SequentialRunner, warmup_code
from congdoan.engine.dask_runner import DaskRunner
from congdoan.engine.jobs import BriefingJob, JobResult, Runner, WorkerSpec, plan_jobs

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    from distributed import LocalCluster

    with LocalCluster(processes=True, n_workers=1, threads_per_worker=1,
                      dashboard_address=":0") as cluster:  # a free port: never 8787 in use
        yield cluster.scheduler_address


def two_unions_and_a_failure(demo, demo_dir: Path) -> list[BriefingJob]:  # type: ignore[no-untyped-def]
    """CĐCS-0001's and CĐCS-0002's 2025 briefings, and a notebook that raises."""
    jobs = plan_jobs(demo, "2025", ["CDCS-0001", "CDCS-0002"], [], "vi", str(demo_dir))
    broken = BriefingJob(kind="union", unit_id="R", period="2025", title="R",
                         notebook=FIXTURES / "nb_raise.ipynb", parameters={"unit_id": "R"})
    return [*jobs, broken]


def outcome(results: list[JobResult], out: Path) -> list[tuple[str, str, list[str]]]:
    """What a run gave, comparable between runners: id, status, files (relative to ``out``)."""
    return [(r.id, r.status, sorted(p.relative_to(out).as_posix() for p in r.outputs.values()))
            for r in results]


def watched_run(runner: Runner, jobs: list[BriefingJob], out: Path,
                ) -> tuple[list[JobResult], list[str], list[bool]]:
    """``runner``'s results, the ids its progress hook saw, and, for each call of its
    ``prepare``, whether no job had finished yet."""
    briefings = [j for j in jobs if "data" in j.parameters]  # the warm-up loads their data
    spec = WorkerSpec(out_dir=out, formats=("html",), warmup=warmup_code(briefings),
                      cwd=Path.cwd())
    seen: list[str] = []
    prepared: list[bool] = []
    results = runner.run(jobs, spec, on_result=lambda r: seen.append(r.id),
                         prepare=lambda: prepared.append(not seen))
    return results, seen, prepared


@pytest.mark.slow
def test_the_three_runners_give_the_same_results(demo, demo_dir: Path, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                 scheduler: str) -> None:
    jobs = two_unions_and_a_failure(demo, demo_dir)
    runners: dict[str, Runner] = {"sequential": SequentialRunner(), "pool": PoolRunner(2),
                                  "dask": DaskRunner(scheduler)}
    found = {}
    for name, runner in runners.items():
        out = tmp_path / name
        results, seen, prepared = watched_run(runner, jobs, out)
        assert prepared == [True], name  # once, before any job finished
        assert sorted(seen) == sorted(j.slug for j in jobs), name  # progress: once per job
        found[name] = outcome(results, out)
        page = (out / "2025" / "union-CDCS-0002.html").read_text(encoding="utf-8")
        assert page.rstrip().endswith("</html>") and jobs[1].title in page, name
    assert found["sequential"] == [
        ("union-CDCS-0001", "ok", ["2025/notebooks/union-CDCS-0001.ipynb", "2025/union-CDCS-0001.html"]),
        ("union-CDCS-0002", "ok", ["2025/notebooks/union-CDCS-0002.ipynb", "2025/union-CDCS-0002.html"]),
        ("union-R", "failed", ["2025/notebooks/union-R.ipynb"]),
    ]
    assert found["pool"] == found["sequential"]
    assert found["dask"] == found["sequential"]


def test_a_failing_prepare_runs_nothing(tmp_path: Path) -> None:
    job = BriefingJob(kind="union", unit_id="A", period="2025", title="A",
                      notebook=FIXTURES / "nb_state.ipynb", parameters={"unit_id": "A"})

    def refuse() -> None:
        raise ValueError("bad parameters")

    for runner in (SequentialRunner(), DaskRunner("tcp://127.0.0.1:9")):
        with pytest.raises(ValueError, match="bad parameters"):
            runner.run([job], WorkerSpec(out_dir=tmp_path), prepare=refuse)
    assert not tmp_path.joinpath("2025").exists()


def test_the_command_line_picks_the_runner_from_its_options() -> None:
    from congdoan.cli import build_parser
    from congdoan.cli.briefings import RUNNERS, runner_name

    def chosen(*words: str) -> Runner:
        args = build_parser("briefings").parse_args(["briefings", "--period", "2025", *words])
        return RUNNERS[runner_name(args)](args)

    assert isinstance(chosen("--workers", "0"), SequentialRunner)
    pool = chosen("--workers", "3")
    assert isinstance(pool, PoolRunner) and pool.workers == 3
    assert isinstance(chosen(), PoolRunner)
    dask = chosen("--scheduler", "tcp://h:8786", "--workers", "0")
    assert isinstance(dask, DaskRunner) and dask.scheduler == "tcp://h:8786"
