"""The batch engine: every briefing of a period, on warm workers, incrementally.

``congdoan briefings`` plans one job per CĐCS and upper union (:mod:`congdoan.engine.jobs`), drops
the jobs whose outputs are up to date (:mod:`congdoan.engine.manifest`), and hands the rest to a
:class:`~congdoan.engine.jobs.Runner` (:func:`build_briefings`). Every runner drives
:class:`BriefingWorker` objects: :class:`SequentialRunner` one, in this process, jobs in turn;
:class:`PoolRunner`, the fast path and the default:

- ``workers`` long-lived worker processes (default one per core; forked from the command line,
  else spawned). Each holds a :class:`~congdoan.engine.warm.WarmKernel` that has imported pandas,
  seaborn and congdoan and loaded the period's briefing context
  (:func:`congdoan.briefing.content.load_context`) once, and one reused
  :class:`~congdoan.engine.render.Renderer` (HTML writer and WeasyPrint), warmed while the kernel starts.
- Each briefing: the kernel's user state is reset, the notebook is run by papermill in that
  kernel (so the executed notebook is a faithful record of its parameters and outputs), then
  rendered; every file is written to a temporary name and renamed.
- A notebook that raises is reported failed and the kernel kept; a kernel that dies or passes
  the per-briefing ``timeout`` is killed, the briefing reported failed, and a fresh kernel
  started. A worker process that dies is replaced.
- Ctrl-C or SIGTERM stops the workers, removes temporary files and saves the manifest, so the
  next run finishes what is missing; an output exists complete or not at all.

:class:`~congdoan.engine.dask_runner.DaskRunner` runs the same :class:`BriefingWorker` on a Dask
cluster.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from congdoan._compat.jsonschema import skip_iri_grammar
from congdoan.briefing.content import load_dataset
from congdoan.core.dataset import Dataset
from congdoan.core.periods import resolve_period
from congdoan.engine.forkserver import KernelForkServer, briefing_warmup, take_early
from congdoan.engine.freshness import looks_current
from congdoan.engine.heap import freeze_heap, paused_collection
from congdoan.engine.index import write_index
from congdoan.engine.jobs import (
    FORMATS,
    BriefingJob,
    JobResult,
    ResultHook,
    Runner,
    RunStats,
    WorkerSpec,
    audit_record,
    check_parameters,
    check_request,
    plan_jobs,
    render_job,
)
from congdoan.engine.manifest import (
    Manifest,
    code_fingerprint,
    data_fingerprints,
    file_fingerprint,
    job_key,
    parameters_fingerprint,
    stack_fingerprint,
)
from congdoan.engine.render import Renderer, write_atomic
from congdoan.exceptions import Location, ParameterError, RenderError

if TYPE_CHECKING:  # imported by the workers that use them (papermill, nbformat, jupyter_client)
    from congdoan.engine.warm import WarmKernel

log = logging.getLogger(__name__)

TEMP_PATTERNS = (".*.tmp",)
"""Temporary files: :func:`congdoan.engine.render.write_atomic`'s ``.<name>.<random>.tmp``."""


def default_workers() -> int:
    """One worker per core available to this process."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ----------------------------------------------------------------------------- one worker
def warm_contexts(jobs: Iterable[BriefingJob]) -> list[tuple[str, str | None]]:
    """The (period, data) briefing contexts of ``jobs``, each once."""
    return sorted({(str(j.parameters.get("period", j.period)), j.parameters.get("data"))
                   for j in jobs}, key=repr)


def warmup_code(jobs: Iterable[BriefingJob]) -> str:
    """Warm-up for briefing jobs: imports, the context of each (period, data) they use, a chart."""
    return briefing_warmup(warm_contexts(jobs))


AUDIT_FOLDER = "notebooks"
"""Folder, inside each period's, of the executed notebooks: beside the HTML and PDF an officer
shares, they would be files to skip."""


def audit_path(job: BriefingJob, out_dir: Path) -> Path:
    """Where the executed notebook of ``job`` is kept (its audit record)."""
    return Path(out_dir) / job.period / AUDIT_FOLDER / f"{job.slug}.ipynb"


class BriefingWorker:
    """A warm kernel and a reused renderer that turn jobs into files, one at a time."""

    def __init__(self, spec: WorkerSpec) -> None:
        from congdoan.engine.warm import WarmKernel

        self.spec = spec
        self.kernel: WarmKernel = WarmKernel(spec.warmup or briefing_warmup([]), cwd=spec.cwd,
                                              fork_server=spec.fork_server)
        self._renderer: Renderer | None = None

    def start(self) -> None:
        """Start and warm the kernel; meanwhile build and warm the renderer.

        The kernel spends its start mostly in its own process (imports, the period's context),
        so this process warms WeasyPrint (imports, fonts, a first small PDF) and imports
        papermill at the same time; a worker forked from a batch process that warmed them
        (:func:`_warm_parent`) finds both done. What the worker then holds is frozen
        (:func:`~congdoan.engine.heap.freeze_heap`): objects that its full collections, due
        every few PDFs, would otherwise walk each time. In a
        Dask worker this freezes that process's other objects of the moment too.
        """
        self.spec.out_dir.mkdir(parents=True, exist_ok=True)
        failure: list[BaseException] = []

        def warm_renderer() -> None:
            from congdoan.engine.warm import import_papermill

            try:
                self.renderer.warm()
                import_papermill()  # papermill and nbformat, imported while the kernel boots
            except BaseException as exc:  # noqa: BLE001 - raised below, in this thread
                failure.append(exc)

        thread = threading.Thread(target=warm_renderer, name="congdoan-renderer", daemon=True)
        thread.start()
        try:
            self.kernel.start()
        finally:
            thread.join()
        if failure:
            raise failure[0]
        freeze_heap()

    def close(self) -> None:
        """Stop the kernel."""
        self.kernel.kill()
        self.kernel.shutdown()

    @property
    def renderer(self) -> Renderer:
        """The worker's renderer, then reused.

        The one the batch process warmed before forking this worker, else one made now.
        """
        if self._renderer is None:
            self._renderer = _warm_renderer or Renderer()
        return self._renderer

    def run(self, job: BriefingJob) -> JobResult:
        """Execute and render ``job``; a failure of the briefing is returned, never raised.

        The executed notebook is written (atomically) also when a cell failed, as the record
        of what went wrong.
        """
        import nbformat

        began = time.perf_counter()
        outcome = self.kernel.execute(Path(job.notebook), job.parameters,
                                      timeout=self.spec.timeout)
        outputs: dict[str, Path] = {}
        if outcome.nb is not None:
            outputs["ipynb"] = write_atomic(audit_path(job, self.spec.out_dir),
                                            nbformat.writes(audit_record(outcome.nb)))
        if outcome.error is not None or outcome.nb is None:
            return JobResult(job, "failed", outcome.error or "no notebook", outputs,
                             time.perf_counter() - began)
        try:
            outputs.update(render_job(outcome.nb, job, self.spec.out_dir, self.spec.formats,
                                      self.renderer))
        except Exception as exc:  # noqa: BLE001 - a rendering failure fails this briefing only
            return JobResult(job, "failed", f"render: {type(exc).__name__}: {exc}", outputs,
                             time.perf_counter() - began)
        return JobResult(job, "ok", "", outputs, time.perf_counter() - began)


class SequentialRunner:
    """One :class:`BriefingWorker` in this process, jobs in turn (``--workers 0``).

    No worker process and no fork server: the simplest way to run, e.g. to follow a briefing
    in a debugger. A job whose worker raises (a kernel that cannot restart) is reported
    failed and the next one runs.
    """

    warm_here = False

    def __init__(self) -> None:
        self.stats = RunStats()

    def run(self, jobs: Sequence[BriefingJob], spec: WorkerSpec, *,
            on_result: ResultHook | None = None,
            prepare: Callable[[], None] | None = None) -> list[JobResult]:
        """Run ``jobs`` one after the other (see :meth:`congdoan.engine.jobs.Runner.run`)."""
        if prepare is not None:
            prepare()
        if not jobs:
            return []
        worker = BriefingWorker(spec)
        self.stats = RunStats(workers=1, worker_starts=1)
        results: list[JobResult] = []
        try:
            worker.start()
            for job in jobs:
                try:
                    result = worker.run(job)
                except Exception as exc:  # noqa: BLE001 - kernel trouble fails this job only
                    result = JobResult(job, "failed", f"{type(exc).__name__}: {exc}")
                results.append(result)
                if on_result is not None:
                    on_result(result)
        finally:
            worker.close()
        return results


# ----------------------------------------------------------------------------- worker process
def _watch_parent(parent: int, worker: BriefingWorker) -> None:
    """Exit (killing the kernel) when the batch process is gone, e.g. after ``kill -9``."""
    while True:
        time.sleep(0.2)
        if os.getppid() != parent:
            worker.kernel.kill()
            os._exit(1)


def _worker_main(spec: WorkerSpec, tasks: Any, results: Any, parent: int) -> None:
    """Body of a worker process: start a warm worker, then run jobs until a ``None`` arrives."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch process decides when to stop
    skip_iri_grammar()
    worker = BriefingWorker(spec)

    def on_term(signum: int, frame: Any) -> None:
        worker.kernel.kill()
        os._exit(128 + signum)

    signal.signal(signal.SIGTERM, on_term)
    threading.Thread(target=_watch_parent, args=(parent, worker), daemon=True).start()
    try:
        worker.start()
    except Exception as exc:  # noqa: BLE001 - reported to the batch process
        results.put(("dead", os.getpid(), f"{type(exc).__name__}: {exc}"))
        worker.close()
        return
    results.put(("ready", os.getpid(), None))
    while True:
        item = tasks.get()
        if item is None or os.getppid() != parent:  # no new briefing once the batch is gone
            break
        index, job = item
        results.put(("start", os.getpid(), index))
        results.put(("done", os.getpid(), (index, worker.run(job))))
    worker.close()


@dataclass
class _Slot:
    process: Any
    current: int | None = None
    ready: bool = False


def _tree_rss_mb() -> float:
    """Resident memory of this process and all its descendants (kernels included), in MB."""
    try:
        import psutil
    except ModuleNotFoundError:  # pragma: no cover
        return 0.0
    me = psutil.Process()
    total = 0
    for proc in [me, *me.children(recursive=True)]:
        try:
            total += proc.memory_info().rss
        except psutil.Error:
            continue
    return total / 2**20


def _start_method() -> str:
    """How worker processes are started: ``fork`` from a single-threaded process on Linux.

    A forked worker inherits the modules this process imported (pandas, congdoan) instead of
    importing them again. Forking a process that runs other threads
    (a test runner, a notebook, Dask) can copy a lock that another thread holds, so there,
    and on other systems, workers are spawned fresh.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


_warm_renderer: Renderer | None = None
"""The renderer :func:`_warm_parent` warmed; forked workers inherit it, already warm."""


def _warm_parent(notebooks: Iterable[Path] = ()) -> None:
    """Import papermill, look up the kernel spec and warm a renderer here, before workers fork.

    Every forked worker inherits the imports and the warmed renderer (WeasyPrint's libraries,
    fonts, first layouts) instead of paying for them itself, and
    inherits them frozen (:func:`~congdoan.engine.heap.freeze_heap`, once here rather than in each
    worker; their pages then also stay shared with this process). Each of ``notebooks`` is
    read once too: nbformat compiles its schema validator at the first read, which each
    worker's first briefing would otherwise pay.
    None of it starts a thread, so the workers are still forked from a single-threaded process.
    Done once per process.
    """
    global _warm_renderer
    import nbformat

    from congdoan.engine.warm import import_papermill, warm_kernel_spec

    if _warm_renderer is not None and _warm_renderer.warmed:
        return
    _warm_renderer = Renderer()
    _warm_renderer.warm()
    import_papermill()
    warm_kernel_spec()
    for notebook in notebooks:
        nbformat.read(notebook, as_version=4)
    freeze_heap()


class PoolRunner:
    """Warm worker processes, each a :class:`BriefingWorker`: the fast path (the default).

    ``workers`` processes (default: one per core, never more than jobs), forked from this
    process when it runs a single thread (else spawned), their kernels from the batch's fork
    server (:attr:`WorkerSpec.fork_server`). A worker process that dies has its current
    briefing reported failed and is replaced while jobs remain.
    """

    warm_here = True

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers
        self.stats = RunStats()

    def run(self, jobs: Sequence[BriefingJob], spec: WorkerSpec, *,
            on_result: ResultHook | None = None,
            prepare: Callable[[], None] | None = None) -> list[JobResult]:
        """Run ``jobs`` on the pool (see :meth:`congdoan.engine.jobs.Runner.run`).

        ``prepare()`` runs after the workers were started (they warm up meanwhile); if it
        raises, the workers are stopped and nothing is run.

        Raises:
            RenderError: a worker could not start its kernel, or every worker stopped.

        """
        self.stats = RunStats()
        if not jobs:
            if prepare is not None:
                prepare()
            return []
        return _run_pool(jobs, spec, self.workers, on_result, self.stats, prepare)


def _run_pool(jobs: Sequence[BriefingJob], spec: WorkerSpec, workers: int | None,
              on_result: ResultHook | None, stats: RunStats,
              prepare: Callable[[], None] | None) -> list[JobResult]:
    results: list[JobResult | None] = [None] * len(jobs)
    count = max(1, min(workers or default_workers(), len(jobs)))
    stats.workers = count
    if _start_method() == "fork":
        _warm_parent({Path(job.notebook) for job in jobs})
    ctx: Any = mp.get_context(_start_method())  # asked again: still no thread after warming
    task_q: Any = ctx.Queue()
    result_q: Any = ctx.Queue()
    slots: dict[int, _Slot] = {}

    def spawn() -> None:
        proc = ctx.Process(target=_worker_main, args=(spec, task_q, result_q, os.getpid()),
                           daemon=True, name="congdoan-worker")
        proc.start()
        assert proc.pid is not None
        slots[proc.pid] = _Slot(proc)
        stats.worker_starts += 1

    def finish(index: int, result: JobResult) -> int:
        """Record a result once (a late message of a dead worker is ignored); 1 if recorded."""
        if results[index] is not None:
            return 0
        results[index] = result
        if on_result is not None:
            on_result(result)
        return 1

    done = 0
    last_sample = 0.0
    try:
        for _ in range(count):
            spawn()
        if prepare is not None:
            prepare()
        for index, job in enumerate(jobs):
            task_q.put((index, job))
        for _ in range(count):
            task_q.put(None)
        while done < len(jobs):
            try:
                kind, pid, payload = result_q.get(timeout=0.5)
            except queue.Empty:
                kind, pid, payload = "tick", 0, None
            slot_of = slots.get(pid)  # None: a late message of a worker already replaced
            if kind == "start" and slot_of is not None:
                slot_of.current = payload
            elif kind == "done":
                index, result = payload
                if slot_of is not None:
                    slot_of.current = None
                done += finish(index, result)
            elif kind == "ready" and slot_of is not None:
                slot_of.ready = True
            elif kind == "dead":
                raise RenderError("Không khởi động được kernel của worker.",
                                  "A worker could not start its kernel.", value=payload)
            now = time.monotonic()
            if now - last_sample > 1.0:
                last_sample = now
                stats.peak_rss_mb = max(stats.peak_rss_mb, _tree_rss_mb())
            for pid_, slot in list(slots.items()):
                if slot.process.is_alive() or slot.process.exitcode == 0:
                    continue
                del slots[pid_]
                if not slot.ready:
                    raise RenderError(
                        "Worker dừng trước khi sẵn sàng (lỗi khởi động).",
                        "A worker exited before it was ready (start-up failure).",
                        value=slot.process.exitcode)
                if slot.current is not None:  # the job it was running is lost: report it
                    done += finish(slot.current, JobResult(
                        jobs[slot.current], "failed",
                        f"Worker chết (mã {slot.process.exitcode}) / worker died"))
                if done < len(jobs):
                    stats.replaced_workers += 1
                    spawn()
                    task_q.put(None)
            if not slots and done < len(jobs):
                raise RenderError("Mọi worker đã dừng.", "All workers stopped.")
    finally:
        for slot in slots.values():
            if slot.process.is_alive():
                slot.process.terminate()  # SIGTERM: the worker kills its kernel and exits
        for slot in slots.values():
            slot.process.join(timeout=10)
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join()
        task_q.cancel_join_thread()
        result_q.cancel_join_thread()
    return [r for r in results if r is not None]


# ----------------------------------------------------------------------------- files
def remove_temporaries(out_dir: Path) -> list[Path]:
    """Delete temporary files an interrupted run left in ``out_dir``; return them."""
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    found = [p for pattern in TEMP_PATTERNS for p in out_dir.rglob(pattern) if p.is_file()]
    for path in found:
        path.unlink(missing_ok=True)
    return found


def install_sigterm() -> Callable[[], None]:
    """Turn SIGTERM into KeyboardInterrupt (so clean-up runs); returns a function to undo it."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)

    def restore() -> None:
        signal.signal(signal.SIGTERM, previous)

    return restore


def progress(done: int, total: int, result: JobResult) -> None:
    """Print one line per finished briefing to standard error."""
    mark = "ok " if result.ok else "LỖI"
    tail = "" if result.ok else f" — {result.error}"
    print(f"[{done}/{total}] {mark} {result.job.slug} ({result.seconds:.1f} s){tail}",
          file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- the batch
@dataclass
class BatchRun:
    """Outcome of :func:`build_briefings`.

    Attributes:
        results: every planned briefing, in the plan's order (up-to-date ones ``unchanged``,
            with their existing files).
        out_dir: the output folder; ``index`` its index page.
        seconds: wall time of the whole run.
        stats: the runner's figures.

    """

    results: list[JobResult]
    out_dir: Path
    index: Path | None = None
    seconds: float = 0.0
    stats: RunStats = field(default_factory=RunStats)

    @property
    def failed(self) -> list[JobResult]:
        """Results of the briefings that failed."""
        return [r for r in self.results if r.status == "failed"]

    @property
    def rendered(self) -> list[str]:
        """Ids of the briefings run in this run (ok or failed)."""
        return [r.id for r in self.results if r.status != "unchanged"]

    @property
    def skipped(self) -> list[str]:
        """Ids of the briefings already up to date."""
        return [r.id for r in self.results if r.status == "unchanged"]


def plan_keys(jobs: Sequence[BriefingJob], dataset: Dataset, period: str,
              formats: Sequence[str]) -> dict[str, dict[str, str]]:
    """The manifest parts (notebook, code, stack, parameters, data) of each job, by slug."""
    code = code_fingerprint()
    stack = stack_fingerprint()
    data = data_fingerprints(dataset, period)
    notebooks = {nb: file_fingerprint(nb) for nb in {Path(j.notebook) for j in jobs}}
    return {
        job.slug: {
            "notebook": notebooks[Path(job.notebook)], "code": code, "stack": stack,
            "parameters": parameters_fingerprint(job.parameters, formats=sorted(formats),
                                                 title=job.title),
            "data": data.get(job.unit_id, "-"),
        } for job in jobs
    }


def build_briefings(period: str, *, unions: Sequence[str] | None = None,
                    uppers: Sequence[str] | None = None, formats: Sequence[str] = FORMATS,
                    out: Path | None = None, data: str | None = None,
                    lang: str = "vi", runner: Runner | None = None, force: bool = False,
                    timeout: float = 600.0, progress_lines: bool = True) -> BatchRun:
    """Produce the briefings of ``period`` that are missing or out of date.

    Args:
        period: ``YYYY``, ``YYYY-H1``, ``YYYY-H2`` or ``latest``.
        unions: only these CĐCS (with ``uppers`` None: no upper-union briefing).
        uppers: only these upper unions or the organisation id (default with ``unions`` None:
            every CĐCS, every upper union and the organisation).
        formats: ``html`` and/or ``pdf``.
        out: output folder (``<out>/<period>/<slug>.*``, ``index.html``, ``.manifest.json``).
        data: data folder or URL (None: the database of the workspace in force).
        lang: language of the briefings.
        runner: what runs the briefings (default: a :class:`PoolRunner` of one worker per core).
        force: render every briefing, up to date or not.
        timeout: seconds allowed per briefing before its kernel is killed.
        progress_lines: print one line per finished briefing (:func:`progress`).

    Raises:
        ParameterError: a bad format, language, period or unit, before anything runs.

    """
    began = time.perf_counter()
    runner = runner if runner is not None else PoolRunner()
    out, data = check_request(formats, lang, out, data)
    if timeout <= 0:
        raise ParameterError("Thời gian chờ phải dương.", "Timeout must be positive.",
                             location=Location(field="--timeout"), value=timeout,
                             expected="số giây > 0")
    # Local runs take their kernels from one fork server: it imports what kernels need while
    # this process reads the data and plans, and is stopped at once if nothing is to be done.
    # When the outputs look current it is started only once the plan shows work (freshness).
    local = runner.warm_here and KernelForkServer.available()
    with contextlib.ExitStack() as stack:  # the server is stopped on any exit
        server = take_early()  # started by the command line before its imports
        if server is None and local and (force or not looks_current(out, period, data)):
            server = KernelForkServer()
        if server is not None:
            stack.enter_context(server)  # started here unless the command line did
        # the start-up (data, plan, the workers' inheritance) runs with the collector paused
        # and is frozen at its end, without a collection; the briefings run with it on
        with paused_collection(freeze=True):
            dataset = load_dataset(data)
            resolved = resolve_period(period, dataset)
            jobs = plan_jobs(dataset, resolved, unions, uppers, lang, data)
            remove_temporaries(out)
            manifest = Manifest.load(out, rebuild=force)  # --force rebuilds a damaged one
            parts = plan_keys(jobs, dataset, resolved, formats)
            keys = {slug: job_key(p) for slug, p in parts.items()}
            todo = [j for j in jobs if force or not manifest.is_current(j.slug, keys[j.slug])]

            def check_all() -> None:
                for job in todo:
                    check_parameters(job, dataset)

            todo.sort(key=lambda j: j.kind != "upper")  # the long upper-union briefings first
            done: dict[str, JobResult] = {}
            for job in jobs:
                if job not in todo:
                    entry = manifest.entries[job.slug]
                    done[job.slug] = JobResult(job, "unchanged", outputs={
                        Path(name).suffix.lstrip("."): out / name for name in entry.outputs})

            def on_result(result: JobResult) -> None:
                job = result.job
                done[job.slug] = result
                if result.ok:
                    manifest.record(job.slug, keys[job.slug], result.outputs.values(),
                                    parts[job.slug])
                else:
                    manifest.forget(job.slug)
                manifest.save()
                if progress_lines:
                    progress(len(done) - (len(jobs) - len(todo)), len(todo), result)

            spec = WorkerSpec(out_dir=out.resolve(), formats=tuple(formats), timeout=timeout,
                              warmup=warmup_code(todo) if todo else None, cwd=Path.cwd())
            if server is None and local and todo:  # the outputs looked current, but are not
                server = stack.enter_context(KernelForkServer())
            if server is not None and spec.warmup:
                server.warm(warm_contexts(todo))  # the period's context, once for every kernel
                spec = replace(spec, fork_server=server.address)
            elif server is not None:
                server.close()
            if todo and runner.warm_here and _start_method() == "fork":
                _warm_parent({Path(job.notebook) for job in todo})  # what the workers inherit
        restore = install_sigterm()
        try:
            if todo:  # the parameters are checked first (in the pool: as the workers warm up)
                runner.run(todo, spec, on_result=on_result, prepare=check_all)
        finally:
            restore()
            manifest.save()
            remove_temporaries(out)
        results = [done[j.slug] for j in jobs if j.slug in done]
        run = BatchRun(results=results, out_dir=out, stats=runner.stats)
        run.index = write_index(results, out)
        run.seconds = time.perf_counter() - began
        return run


__all__ = [
    "BatchRun", "BriefingWorker", "PoolRunner", "SequentialRunner",
    "AUDIT_FOLDER", "audit_path", "build_briefings", "default_workers", "install_sigterm",
    "plan_keys", "remove_temporaries", "warm_contexts", "warmup_code",
]
