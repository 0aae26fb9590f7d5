"""Scale-out: run the briefing batch on an existing Dask distributed cluster.

``congdoan briefings --scheduler tcp://HOST:PORT`` runs the batch with a :class:`DaskRunner`,
which sends each briefing to the cluster as one task. A :class:`WarmKernelPlugin` registered on
every Dask worker holds that worker's :class:`~congdoan.engine.batch.BriefingWorker` (warm
kernel and renderer), started on the worker's first briefing and kept for the next ones; all
kernel work of a worker runs on one dedicated thread, so a Dask worker with several threads
still drives its kernel from one place, one briefing at a time. The plugin is removed (and the
kernels stopped) when the batch ends.

The output folder must be reachable at the same path from every Dask worker (a shared file
system): workers write the files, the batch process keeps the manifest. Dask is imported only
here, and this module only for ``--scheduler``: local batches never load it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from congdoan.engine.batch import BriefingWorker
from congdoan.engine.jobs import BriefingJob, JobResult, ResultHook, RunStats, WorkerSpec
from congdoan.exceptions import RenderError

PLUGIN_PREFIX = "congdoan-warm-kernel"


class WarmKernelPlugin(WorkerPlugin):
    """Keeps one warm :class:`~congdoan.engine.batch.BriefingWorker` per Dask worker."""

    def __init__(self, spec: WorkerSpec, name: str = PLUGIN_PREFIX) -> None:
        self.spec = spec
        self.name = name
        self.worker: BriefingWorker | None = None
        self.thread: ThreadPoolExecutor | None = None

    def setup(self, worker: Any) -> None:
        """Called by Dask when the plugin is added: prepare the worker's kernel thread."""
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="congdoan-kernel")

    def teardown(self, worker: Any) -> None:
        """Called by Dask when the plugin is removed or the worker stops: stop the kernel."""
        if self.thread is not None:
            if self.worker is not None:
                self.thread.submit(self.worker.close).result()
            self.thread.shutdown(wait=True)
        self.worker, self.thread = None, None

    def _run(self, job: BriefingJob) -> JobResult:
        if self.worker is None:
            self.worker = BriefingWorker(self.spec)
            self.worker.start()
        return self.worker.run(job)

    def run(self, job: BriefingJob) -> JobResult:
        """Run one briefing on this worker's kernel thread."""
        if self.thread is None:
            self.setup(None)
        assert self.thread is not None
        return self.thread.submit(self._run, job).result()


def run_on_worker(job: BriefingJob, plugin_name: str) -> JobResult:
    """The Dask task: run ``job`` with the warm plugin of the worker executing it."""
    from distributed import get_worker

    plugin = get_worker().plugins[plugin_name]
    assert isinstance(plugin, WarmKernelPlugin)
    return plugin.run(job)


class DaskRunner:
    """The jobs as tasks of the Dask cluster at ``scheduler`` (``tcp://HOST:PORT``).

    The cluster's workers start their own kernels (no fork server, nothing inherited from this
    process); a task lost with its worker fails its briefing only.
    """

    warm_here = False

    def __init__(self, scheduler: str) -> None:
        self.scheduler = scheduler
        self.stats = RunStats()

    def run(self, jobs: Sequence[BriefingJob], spec: WorkerSpec, *,
            on_result: ResultHook | None = None,
            prepare: Callable[[], None] | None = None) -> list[JobResult]:
        """Run ``jobs`` on the cluster (see :meth:`congdoan.engine.jobs.Runner.run`).

        Raises:
            RenderError: the scheduler cannot be reached.

        """
        from distributed import Client, as_completed

        if prepare is not None:
            prepare()
        if not jobs:
            return []
        try:
            client = Client(self.scheduler, timeout="20s")
        except (OSError, TimeoutError) as exc:
            raise RenderError("Không kết nối được bộ lập lịch Dask.",
                              "Cannot reach the Dask scheduler.", value=self.scheduler,
                              expected="tcp://HOST:PORT của một cụm đang chạy") from exc
        name = f"{PLUGIN_PREFIX}-{uuid.uuid4().hex[:8]}"
        results: list[JobResult | None] = [None] * len(jobs)
        try:
            client.register_plugin(WarmKernelPlugin(spec, name), name=name)
            futures = client.map(run_on_worker, list(jobs), plugin_name=name, pure=False,
                                 key=[f"briefing-{job.slug}-{name}" for job in jobs])
            index = {f.key: i for i, f in enumerate(futures)}
            for future in as_completed(futures):
                i = index[future.key]
                try:
                    result: JobResult = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost worker fails its briefing only
                    result = JobResult(jobs[i], "failed", f"dask: {type(exc).__name__}: {exc}")
                results[i] = result
                if on_result is not None:
                    on_result(result)
        finally:
            try:
                client.unregister_worker_plugin(name)
            except Exception:  # noqa: BLE001,S110 - the cluster may be gone already
                pass
            client.close()
        return [r for r in results if r is not None]


__all__ = ["DaskRunner", "WarmKernelPlugin", "run_on_worker"]
