"""The warm batch engine: warm == cold, no state leaks, failure isolation, interruption."""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import nbformat
import papermill
import psutil
import pytest

from conftest import fresh_python
from congdoan.core.paths import NOTEBOOKS_DIR
from congdoan.engine.batch import PoolRunner, audit_path, warm_contexts, warmup_code
from congdoan.engine.forkserver import KernelForkServer
from congdoan.engine.index import RECORD_NAME
from congdoan.engine.jobs import BriefingJob, WorkerSpec, make_job
from congdoan.engine.warm import SOCKET_PREFIX, WarmKernel

FIXTURES = Path(__file__).parent / "fixtures"


def fixture_job(name: str, slug_id: str, **parameters: object) -> BriefingJob:
    return BriefingJob(kind="union", unit_id=slug_id, period="2025", title=slug_id,
                       notebook=FIXTURES / f"{name}.ipynb", parameters=dict(parameters))


def stream_text(nb: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs if o.get("output_type") == "stream")


def normalised(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what legitimately differs between two runs: timings, papermill's bookkeeping and
    the random id papermill gives the injected-parameters cell."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("papermill", None)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.pop("id", None)
    return nb


@pytest.fixture(scope="module")
def fork_server() -> Iterator[KernelForkServer]:
    with KernelForkServer([]) as server:
        yield server


@pytest.fixture(params=["launched", "forked"])
def kernel(request: pytest.FixtureRequest) -> Iterator[WarmKernel]:
    """A warm kernel launched as a new process, and one forked from a fork server."""
    address = None
    if request.param == "forked":
        address = request.getfixturevalue("fork_server").address
    k = WarmKernel(fork_server=address)
    k.start()
    if address is not None:  # it really came from the server
        server = request.getfixturevalue("fork_server")
        k.run_code(f"assert __import__('os').getppid() == {server.process.pid}")
    yield k
    k.kill()
    k.shutdown()


@pytest.mark.slow
def test_no_state_leaks_between_runs(kernel: WarmKernel) -> None:
    first = kernel.execute(FIXTURES / "nb_state.ipynb", {"unit_id": "A"})
    second = kernel.execute(FIXTURES / "nb_state.ipynb", {"unit_id": "B"})
    assert first.error is None and second.error is None
    # the variable the first run defined is absent in the second
    assert "leaked: False" in stream_text(second.nb)
    assert "unit: B" in stream_text(second.nb) and "unit: A" not in stream_text(second.nb)
    # the same kernel process served both runs (it is warm, not restarted) ...
    pids = [re.search(r"kernel pid: (\d+)", stream_text(r.nb)).group(1)  # type: ignore[union-attr]
            for r in (first, second)]
    assert pids[0] == pids[1] == str(kernel.pid)
    # ... and numbering restarts at 1, as in a fresh kernel
    counts = [c.execution_count for c in second.nb.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))
    # papermill's record: the injected parameters are in the executed notebook
    injected = [c for c in second.nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert injected and 'unit_id = "B"' in injected[0].source


@pytest.mark.slow
def test_raise_and_hang_are_isolated(kernel: WarmKernel) -> None:
    raised = kernel.execute(FIXTURES / "nb_raise.ipynb", {"unit_id": "X"})
    assert raised.error is not None and "ValueError" in raised.error and not raised.restarted
    assert raised.nb is not None  # the failed run is still a notebook with its traceback
    assert any(o.get("ename") == "ValueError" for c in raised.nb.cells
               if c.cell_type == "code" for o in c.outputs)
    old_pid = kernel.pid
    hung = kernel.execute(FIXTURES / "nb_sleep.ipynb", {"seconds": 120}, timeout=3)
    assert hung.error is not None and "timed out after 3 s" in hung.error
    assert hung.restarted and kernel.pid != old_pid
    with pytest.raises(ProcessLookupError):
        os.kill(old_pid, 0)  # the hung kernel is gone
    after = kernel.execute(FIXTURES / "nb_state.ipynb", {"unit_id": "C"})
    assert after.error is None and "unit: C" in stream_text(after.nb)


@pytest.mark.slow
def test_pool_reports_failures_and_finishes_the_rest(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # kernel socket folders go to a temporary directory of this test's own (other test runs
    # on the machine make theirs in the usual one); short, for the sockets' path length limit
    sockets = Path(tempfile.mkdtemp(prefix="cd-"))
    monkeypatch.setattr(tempfile, "tempdir", str(sockets))
    jobs = [fixture_job("nb_state", "A", unit_id="A"),
            fixture_job("nb_raise", "R", unit_id="R"),
            fixture_job("nb_sleep", "H", seconds=120),
            fixture_job("nb_state", "B", unit_id="B")]
    spec = WorkerSpec(out_dir=tmp_path, formats=("html",), timeout=10)
    seen: list[str] = []
    results = PoolRunner(workers=1).run(jobs, spec, on_result=lambda r: seen.append(r.job.unit_id))
    # the killed (hung) kernel's and the stopped worker's socket folders are removed
    assert list(sockets.glob(f"{SOCKET_PREFIX}*")) == []
    shutil.rmtree(sockets)
    by_id = {r.job.unit_id: r for r in results}
    assert sorted(seen) == ["A", "B", "H", "R"]
    assert by_id["A"].status == by_id["B"].status == "ok"
    assert by_id["R"].status == "failed" and "ValueError" in by_id["R"].error
    assert by_id["H"].status == "failed" and "timed out" in by_id["H"].error
    html_b = (tmp_path / "2025" / "union-B.html").read_text(encoding="utf-8")
    assert "unit: B" in html_b and "leaked: False" in html_b
    assert not (tmp_path / "2025" / "union-R.html").exists()
    # the failed notebook is kept as the record of what went wrong
    failed = nbformat.read(audit_path(jobs[1], tmp_path), as_version=4)
    assert "hỏng / broken: R" in str(failed.cells)
    assert not list(tmp_path.rglob("*.tmp"))


@pytest.mark.slow
@pytest.mark.parametrize("forked", [False, True], ids=["launched", "forked"])
def test_warm_briefing_equals_cold_briefing(demo_dir: Path, tmp_path: Path,
                                            forked: bool) -> None:
    data = str(demo_dir)
    target = make_job("union", "CDCS-0002", "2025", data=data)
    other = make_job("union", "CDCS-0001", "2025", data=data)
    cold = papermill.execute_notebook(str(target.notebook), None, parameters=target.parameters,
                                      kernel_name="python3", progress_bar=False)
    server = KernelForkServer(warm_contexts([target])).start() if forked else None
    kernel = WarmKernel(warmup_code([target]), fork_server=server.address if server else None)
    kernel.start()
    try:
        kernel.execute(other.notebook, other.parameters)  # the kernel has served someone else
        warm = kernel.execute(target.notebook, target.parameters)
    finally:
        kernel.kill()
        kernel.shutdown()
        if server is not None:
            assert server.process is not None and server.process.poll() is None
            server.close()
    assert warm.error is None and warm.nb is not None
    a, b = normalised(cold), normalised(warm.nb)
    assert len(a.cells) == len(b.cells)
    for cold_cell, warm_cell in zip(a.cells, b.cells, strict=True):
        assert warm_cell.get("execution_count") == cold_cell.get("execution_count")
        assert warm_cell.get("outputs") == cold_cell.get("outputs"), cold_cell.source[:80]
        assert warm_cell == cold_cell, (warm_cell, cold_cell)
    assert a.metadata == b.metadata
    assert a == b
    assert "CDCS-0002" in str(b.cells) or "CĐCS" in str(b.cells)


def _complete(path: Path) -> bool:
    if path.suffix == ".html":
        return path.read_text(encoding="utf-8").rstrip().endswith("</html>")
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return len(PdfReader(path).pages) >= 1
    return bool(nbformat.read(path, as_version=4).cells)


@pytest.mark.slow
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL])
def test_interrupted_batch_leaves_no_partial_file_and_resumes(
        demo_dir: Path, tmp_path: Path, how: signal.Signals) -> None:
    out = tmp_path / "out"
    units = [f"CDCS-{i:04d}" for i in range(1, 7)]
    cmd = [sys.executable, "-m", "congdoan.cli", "briefings", "--period", "2025",
           "--data", str(demo_dir), "--out", str(out), "--workers", "2"]
    for unit in units:
        cmd += ["--union", unit]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    assert proc.stdout is not None
    said = []
    for line in proc.stdout:  # the batch says each finished briefing: wait for the first
        said.append(line)
        if line.startswith("[1/"):
            break
    assert proc.poll() is None, "".join(said)
    workers = psutil.Process(proc.pid).children(recursive=True)  # workers, kernels, server
    os.kill(proc.pid, how)
    proc.wait(timeout=60)
    proc.stdout.close()
    # orphaned workers notice that their parent is gone and exit, their kernels with them
    _, alive = psutil.wait_procs(workers, timeout=60)
    assert not alive, alive
    finals = [p for p in (out / "2025").rglob("*") if p.is_file()
              and not any(part.startswith(".") for part in p.relative_to(out).parts)]
    assert finals and all(_complete(p) for p in finals)
    if how == signal.SIGTERM:  # a clean stop also removes its temporaries
        assert not [p for p in out.rglob(".*") if p.name not in (".manifest.json", RECORD_NAME)]
    done_before = {p.stem for p in (out / "2025").glob("*.pdf")}
    assert len(done_before) < len(units)
    rerun = subprocess.run(cmd, capture_output=True, text=True, timeout=600, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert not [p for p in out.rglob(".*") if p.name not in (".manifest.json", RECORD_NAME)]
    for unit in units:
        for ext in ("html", "pdf"):
            assert _complete(out / "2025" / f"union-{unit}.{ext}")
        assert _complete(out / "2025" / "notebooks" / f"union-{unit}.ipynb")
    match = re.search(r"(\d+) tạo mới / rendered, (\d+) không đổi", rerun.stdout)
    assert match, rerun.stdout
    rendered, kept = int(match[1]), int(match[2])
    assert rendered + kept == len(units) and kept >= len(done_before) - 2


def _one_briefing_by_main(demo_dir: Path, out: Path, *options: str) -> str:
    """A line of code: ``code = main([...])`` rendering CĐCS-0001's 2025 briefing as HTML."""
    words = ["briefings", "--period", "2025", "--union", "CDCS-0001", "--format", "html",
             *options, "--data", str(demo_dir), "--out", str(out)]
    return f"code = main({words!r})\n"


@pytest.mark.slow
def test_command_line_starts_up_without_collections_and_renders_with_them(
        demo_dir: Path, tmp_path: Path) -> None:
    """``congdoan briefings`` reads, plans and warms with the collector paused (not one pass
    from the start of the batch until the workers fork), then its workers, their kernels and
    itself collect again."""
    out = tmp_path / "out"
    code = (
        "import gc, json\n"
        "import congdoan.engine.batch as b\n"
        "from congdoan.cli import main\n"
        "seen = {}\n"
        "passes = lambda: sum(s['collections'] for s in gc.get_stats())\n"
        "build, warm, run = b.build_briefings, b._warm_parent, b.BriefingWorker.run\n"
        "def spy_build(*args, **kwargs):\n"  # the batch's start-up begins
        "    seen['passes'] = passes()\n"
        "    return build(*args, **kwargs)\n"
        "def spy_warm(notebooks=()):\n"  # the first call: in the start-up, before the fork
        "    if 'paused' not in seen:\n"
        "        seen['paused'], seen['passes'] = not gc.isenabled(), passes() - seen['passes']\n"
        "    warm(notebooks)\n"
        "def spy_run(self, job):\n"  # in the forked worker
        "    self.kernel.run_code('assert __import__(\"gc\").isenabled()')\n"
        "    assert gc.isenabled()\n"
        "    return run(self, job)\n"
        "b.build_briefings, b._warm_parent, b.BriefingWorker.run = spy_build, spy_warm, spy_run\n"
        + _one_briefing_by_main(demo_dir, out)
        + "print(json.dumps([code, seen, gc.isenabled()]))\n"
    )
    assert json.loads(fresh_python(code).splitlines()[-1]) == [
        0, {"paused": True, "passes": 0}, True]
    assert (out / "2025" / "union-CDCS-0001.html").exists()


@pytest.mark.slow
@pytest.mark.accelerator("fork_server")
def test_fork_server_is_started_only_when_there_is_something_to_render(
        demo_dir: Path, tmp_path: Path) -> None:
    """A run with nothing to render starts no fork server; one whose outputs look current by
    their file times but lack a briefing still renders it, with a server started late."""
    out = tmp_path / "out"
    code = (
        "import json\n"
        "from congdoan.cli import main\n"
        "from congdoan.engine.forkserver import KernelForkServer\n"
        "starts = []\n"
        "start = KernelForkServer.start\n"
        "KernelForkServer.start = lambda self: (starts.append(1), start(self))[1]\n"
        "counts = []\n"
        "for union in ['CDCS-0001', 'CDCS-0001', 'CDCS-0002']:\n"
        "    starts.clear()\n"
        f"    main(['briefings', '--period', '2025', '--union', union, '--format', 'html',"
        f" '--data', {str(demo_dir)!r}, '--out', {str(out)!r}])\n"
        "    counts.append(len(starts))\n"
        "print(json.dumps(counts))\n"
    )
    assert json.loads(fresh_python(code).splitlines()[-1]) == [1, 0, 1]
    assert {p.name for p in (out / "2025").glob("*.html")} == {
        "union-CDCS-0001.html", "union-CDCS-0002.html"}


@pytest.mark.slow
def test_sequential_runner_renders_with_the_collector_on(demo_dir: Path, tmp_path: Path) -> None:
    """``--workers 0`` renders in the command line's own process: the start-up pause ends first."""
    out = tmp_path / "out"
    code = (
        "import gc, json\n"
        "import os\n"
        "import congdoan.engine.batch as b\n"
        "from congdoan.cli import main\n"
        "seen = []\n"
        "run = b.BriefingWorker.run\n"
        "def spy(self, job):\n"
        "    seen.append([gc.isenabled(), os.getpid() == me])\n"
        "    return run(self, job)\n"
        "me = os.getpid()\n"
        "b.BriefingWorker.run = spy\n"
        + _one_briefing_by_main(demo_dir, out, "--workers", "0")
        + "print(json.dumps([code, seen]))\n"
    )
    assert json.loads(fresh_python(code).splitlines()[-1]) == [0, [[True, True]]]


@pytest.mark.slow
def test_warm_up_heap_is_frozen_and_survives_resets(kernel: WarmKernel) -> None:
    from congdoan.exceptions import RenderError

    frozen = "assert __import__('gc').get_freeze_count() > 10000, 'warm-up not frozen'"
    kernel.run_code(frozen)  # pandas, seaborn, congdoan: out of the collector's sight
    kernel.reset()
    kernel.run_code(frozen)
    with pytest.raises(RenderError):
        kernel.run_code("assert __import__('gc').get_freeze_count() == 0")


@pytest.mark.slow
def test_reset_freezes_survivors_and_reclaims_them_every_so_often(kernel: WarmKernel) -> None:
    """A reset's collection walks only what the last notebook made; what a reset froze and
    later became garbage is reclaimed at the UNFREEZE_EVERY-th reset, not leaked for good."""
    from congdoan.engine.warm import UNFREEZE_EVERY

    kernel.run_code(  # a cycle kept by a cache outside the user's namespace (as a kept grid)
        "import builtins, weakref\n"
        "class Node: pass\n"
        "node = Node(); node.me = node\n"
        "builtins._probe_keep, builtins._probe = node, weakref.ref(node)\n"
        "builtins._probe_many = [[i] for i in range(20000)]\n")
    kernel.reset()  # survivors of the reset's collection are frozen ...
    kernel.run_code("import gc; assert len(gc.get_objects()) < 5000, len(gc.get_objects())")
    kernel.run_code("import builtins; del builtins._probe_keep, builtins._probe_many")
    kernel.reset()  # ... so the cycle, now garbage, stays until an unfreeze
    kernel.run_code("import builtins; assert builtins._probe() is not None")
    kernel.runs = UNFREEZE_EVERY - 1
    kernel.reset()  # this one unfreezes first: the cycle is collected
    kernel.run_code("import builtins; assert builtins._probe() is None, 'frozen garbage kept'")
    kernel.run_code("assert __import__('gc').get_freeze_count() > 10000")  # frozen again


def test_workers_are_forked_only_from_a_single_threaded_process() -> None:
    import threading

    from congdoan.engine.batch import _start_method

    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert _start_method() == "spawn"
    finally:
        stop.set()
        other.join()
    code = "from congdoan.engine.batch import _start_method; print(_start_method())"
    assert fresh_python(code) == ("fork" if sys.platform == "linux" else "spawn")


@pytest.mark.slow
def test_parent_warm_up_leaves_workers_nothing_to_import() -> None:
    """What workers inherit from the batch process: papermill, the kernel spec lookup
    (ipykernel.kernelspec, IPython), a warmed renderer, nbformat's compiled validator for the
    notebook; and still no thread to fork with."""
    notebook = NOTEBOOKS_DIR / "briefing_union.ipynb"
    code = (
        "import sys, threading\n"
        "from congdoan.engine.batch import _warm_parent\n"
        "import congdoan.engine.batch as b\n"
        f"_warm_parent([{str(notebook)!r}])\n"
        "from jupyter_client.manager import AsyncKernelManager\n"
        "before = set(sys.modules)\n"
        "AsyncKernelManager(kernel_name='python3').kernel_spec\n"
        "import congdoan.engine.warm as w\n"
        "w.import_papermill()\n"
        "print(sorted(set(sys.modules) - before), b._warm_renderer.warmed,"
        " threading.active_count(), 'ipykernel.kernelspec' in before)\n"
        "import gc\n"  # and all of it frozen: the workers' full collections skip it
        "print(gc.get_freeze_count() > 100_000, len(gc.get_objects()) < 5_000)\n"
        "from nbformat.validator import validators\n"  # a first briefing's read compiles none
        "from papermill.iorw import load_notebook_node\n"
        "known = len(validators)\n"
        f"load_notebook_node({str(notebook)!r})\n"
        "print(known, len(validators))\n"
    )
    assert fresh_python(code) == "[] True 1 True\nTrue True\n1 1"


@pytest.mark.slow
def test_a_started_worker_freezes_what_it_holds(tmp_path: Path) -> None:
    """A spawned (or Dask) worker warms itself, then freezes its heap as the batch process
    does before forking; its per-briefing full collections then walk only new objects."""
    code = (
        "import gc, sys\n"
        "from pathlib import Path\n"
        "from congdoan.engine.batch import BriefingWorker, WorkerSpec\n"
        f"worker = BriefingWorker(WorkerSpec(out_dir=Path({str(tmp_path)!r})))\n"
        "worker.kernel.start = lambda: None  # the kernel is not what this is about\n"
        "before = gc.get_freeze_count()\n"
        "worker.start()\n"
        "print(before, gc.get_freeze_count() > 100_000, len(gc.get_objects()) < 5_000,"
        " 'weasyprint' in sys.modules)\n"
    )
    assert fresh_python(code) == "0 True True True"


@pytest.mark.slow
def test_kernel_channels_try_to_connect_every_10_ms(fork_server: KernelForkServer) -> None:
    """The client connects before a new kernel has bound its sockets; zmq's default is to try
    again every 100 ms, which delayed each kernel start by 100-200 ms."""
    import zmq

    kernel = WarmKernel("x = 1", fork_server=fork_server.address)
    kernel.start()
    try:
        assert kernel.kc is not None
        for channel in (kernel.kc.shell_channel, kernel.kc.iopub_channel):
            assert channel.socket.getsockopt(zmq.RECONNECT_IVL) == 10
    finally:
        kernel.kill()
        kernel.shutdown()
