"""A warm Jupyter kernel: started once, reused for many papermill runs.

Starting a kernel and importing pandas, seaborn and congdoan is most of a cold briefing's work;
a kernel that already holds them runs the notebook alone. :class:`WarmKernel`
keeps one kernel alive, runs set-up code once (:meth:`WarmKernel.start`), and before each
notebook clears user state (``%reset -f``, open matplotlib figures, the execution counter) so
that every run starts from the same clean namespace while imported modules and process caches
(e.g. :func:`congdoan.briefing.content.load_context`) survive.

Each notebook is still executed by papermill (``execute_notebook(..., km=...)``): the executed
notebook carries its injected parameters and every output, as a cold run would. Where the
``warm_engine`` patch is active (:mod:`congdoan._compat.papermill`) papermill runs it on the
kernel's long-lived client; otherwise papermill's own engine opens a client per notebook, which
is closed after the run (papermill leaves it open, which leaks sockets and a heartbeat thread
per notebook).

A run that exceeds its timeout has its kernel killed (the whole process group); a kernel that
died or was killed is replaced by a fresh, warmed one before the next run.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.session import new_id
from jupyter_core.utils import run_sync

from congdoan._compat.ipykernel import kernel_arguments
from congdoan._compat.jupyter_client import launch_through, until_ready
from congdoan._compat.papermill import engine_arguments, engine_name
from congdoan.engine.forkserver import DEFAULT_WARMUP
from congdoan.exceptions import RenderError

if TYPE_CHECKING:
    import nbformat

FREEZE_CODE = "__import__('gc').freeze()"
"""Run after the warm-up: what it loaded (modules, the period's context) is moved out of the
garbage collector's sight. ``%reset -f`` runs a full collection each time, which otherwise walks
every object of pandas, matplotlib and the context; frozen objects are never collected, and
they live as long as the kernel anyway.

Each reset freezes again what survived it: the kept trend grids, matplotlib's caches. Without
that, those grow with every briefing and so does each reset's collection. A frozen object that
later becomes garbage (a line of a kept grid, say) is only reclaimed when the kernel unfreezes;
:meth:`WarmKernel.reset` does so every :data:`UNFREEZE_EVERY` runs, so what a kernel holds
frozen is bounded."""

RESET_CODE = """\
import matplotlib.pyplot as _congdoan_plt
_congdoan_plt.close("all")
del _congdoan_plt
get_ipython().reset(new_session=False)
get_ipython().execution_count = 1
""" + FREEZE_CODE + "\n"
"""Code run before each notebook: close figures, drop user variables, restart numbering.

``reset(new_session=False)`` is what ``%reset -f`` does, without the magic's second full
garbage collection (the reset's own output-cache flush already ran one). What survives that
collection is then frozen (see :data:`FREEZE_CODE`), so the next reset's collection walks only
what the next notebook made."""

KERNEL_SETUP_CODE = "__import__('congdoan._compat.ipykernel')._compat.ipykernel.skip_empty_flushes()\n"
"""Run once in each warm kernel: flushing empty output streams costs no thread round trip where
the ``quiet_flush`` patch is active (:func:`congdoan._compat.ipykernel.skip_empty_flushes`)."""

KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
"""Command-line options of every warm kernel: no history database (it would refuse the
execution counter being reset to 1). The active patches add theirs
(:func:`congdoan._compat.ipykernel.kernel_arguments`)."""

UNFREEZE_EVERY = 100
"""Every this many notebook runs, a reset first unfreezes everything, so that its collection
reclaims what became garbage while frozen (one collection of all objects)."""

UNFREEZE_CODE = "__import__('gc').unfreeze()\n"
"""What a reset runs first every :data:`UNFREEZE_EVERY` runs."""

log = logging.getLogger(__name__)


SOCKET_PREFIX = "congdoan-kernel-"
"""Name of a warm kernel's private socket folder in the temporary directory, followed by the
pid of the process that owns the kernel (see :func:`remove_stale_socket_dirs`)."""

DEFAULT_KERNEL = "python3"
"""Jupyter kernel spec of the warm kernels (the ipykernel of this environment)."""


def warm_kernel_spec(kernel_name: str = DEFAULT_KERNEL) -> None:
    """Look up the kernel spec ``kernel_name`` once in this process.

    jupyter_client finds the native kernel through ``ipykernel.kernelspec``, which imports
    IPython and pygments; done in the batch process before its workers are forked, no worker
    imports them again while its kernel starts.
    """
    from jupyter_client.kernelspec import KernelSpecManager

    KernelSpecManager().get_kernel_spec(kernel_name)


def remove_stale_socket_dirs(root: str | None = None) -> list[Path]:
    """Remove socket folders of warm kernels whose owning process is gone; return them.

    A worker that is killed (``kill -9``) cannot remove its kernel's socket folder, and the
    kernel, which exits with it, does not either. The folder name carries the owner's pid: a
    folder of this user whose owner no longer runs is left over. Folders of running processes
    (another batch of the same user) and of other users are not touched.
    """
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(f"{SOCKET_PREFIX}*-*"):
        owner = folder.name[len(SOCKET_PREFIX):].split("-", 1)[0]
        try:
            if not owner.isdigit() or folder.lstat().st_uid != os.getuid():
                continue
            os.kill(int(owner), 0)
        except ProcessLookupError:  # the owner is gone
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
        except OSError:  # running under another user, or the folder just went
            continue
    return removed


def import_papermill() -> None:
    """Import papermill's executor and register the engine the warm kernels use.

    Done while a worker's kernel boots (and in the batch process before it forks its workers),
    so that no briefing pays for it.
    """
    import papermill.execute  # noqa: F401

    engine_name()


class RemembersClients:
    """A jupyter_client kernel manager (mixed in before it) for a kernel several clients use.

    Each client it makes gets a session of its own (the same key, another id): jupyter_client
    gives every client of a manager the manager's session, whose id is the client's identity
    on the kernel's shell socket, and a second client with the same identity gets no replies.
    It remembers the clients it makes: papermill's own engine opens one per notebook on a
    kernel it does not own and leaves it open; :meth:`close_clients` closes them.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.made_clients: list[Any] = []

    def client(self, **kwargs: Any) -> Any:
        """A new client of this kernel, with a session of its own (remembered)."""
        session = self.session.clone()  # type: ignore[attr-defined]
        session.session = new_id()
        made = super().client(session=session, **kwargs)  # type: ignore[misc]
        self.made_clients.append(made)
        return made

    def close_clients(self, keep: Any = None) -> None:
        """Stop the channels of every client made so far but ``keep``."""
        for made in self.made_clients:
            if made is not keep:
                made.stop_channels()
        self.made_clients = [keep] if keep is not None else []


class WarmKernelManager(RemembersClients, AsyncKernelManager):
    """The async kernel manager of a warm kernel (:class:`RemembersClients`)."""


@dataclass
class RunOutcome:
    """What one notebook run gave.

    Attributes:
        nb: the executed notebook (also when a cell raised; None when nothing ran).
        error: None on success, else a one-line description (Vietnamese / English).
        seconds: wall time of the run, reset included.
        restarted: True when the kernel was killed or died and has been replaced.

    """

    nb: nbformat.NotebookNode | None
    error: str | None
    seconds: float
    restarted: bool = False


class WarmKernel:
    """One long-lived kernel for many papermill runs.

    Args:
        warmup: code run once after each kernel start (imports, caches).
        kernel_name: Jupyter kernel spec to start.
        cwd: working directory of the kernel.
        startup_timeout: seconds allowed for the kernel to start and run ``warmup``.
        fork_server: address of a :class:`~congdoan.engine.forkserver.KernelForkServer` to take the
            kernel from (already imported and warmed); None, or a server that is gone, starts
            a new kernel process.

    """

    def __init__(self, warmup: str = DEFAULT_WARMUP, *, kernel_name: str = DEFAULT_KERNEL,
                 cwd: Path | None = None, startup_timeout: float = 120.0,
                 fork_server: str | None = None) -> None:
        self.warmup = warmup
        self.fork_server = fork_server
        self.kernel_name = kernel_name
        self.cwd = cwd
        self.startup_timeout = startup_timeout
        self.km: WarmKernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self._sockets: str | None = None
        self.starts = 0
        self.runs = 0  # notebook runs in the current kernel

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the kernel and run the warm-up code.

        A start that fails, or times out (``startup_timeout``), leaves nothing behind: the
        kernel is killed and its socket folder and connection file are removed before the
        error is raised.
        """
        try:
            self._start()
        except BaseException:
            self.kill()
            self.shutdown()
            raise

    def _start(self) -> None:
        # Unix sockets in a private folder rather than TCP on localhost: no other user can
        # reach them, messages cost less, and ipykernel no longer warns about plain TCP.
        # The connection file (it holds the key that signs every message) goes in the same
        # folder, so it goes with the kernel: removed when the kernel is shut down or killed,
        # and by remove_stale_socket_dirs after a kill -9, never left in the temporary folder.
        transport: dict[str, str] = {}
        if os.name == "posix":
            remove_stale_socket_dirs()  # left by kernels of a worker that was killed
            self._sockets = tempfile.mkdtemp(prefix=f"{SOCKET_PREFIX}{os.getpid()}-")
            transport = {"transport": "ipc", "ip": os.path.join(self._sockets, "k"),
                         "connection_file": os.path.join(self._sockets, "kernel.json")}
        km = WarmKernelManager(kernel_name=self.kernel_name, **transport)
        self.km = km  # from here on, shutdown() stops whatever of the kernel has started
        if self.fork_server:
            from congdoan.engine.forkserver import launcher

            launch_through(km, launcher(self.fork_server))
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernel's own inline backend, as in a cold run
        run_sync(km.start_kernel)(
            cwd=str(self.cwd) if self.cwd else None, env=env,
            extra_arguments=[*KERNEL_ARGUMENTS, *kernel_arguments()],
        )
        kc = km.client()
        kc.allow_stdin = False
        # The channels connect before the new kernel has bound its sockets; zmq then waits
        # its default reconnect interval before trying again. A short interval instead.
        kc.context.setsockopt(zmq.RECONNECT_IVL, 10)
        self.kc = kc
        kc.start_channels()
        self.starts += 1
        self.runs = 0
        run_sync(until_ready)(kc, self.startup_timeout)
        self.run_code(self.warmup, timeout=self.startup_timeout)
        self.run_code(KERNEL_SETUP_CODE + FREEZE_CODE)

    def shutdown(self) -> None:
        """Stop the kernel (immediately); its socket folder and connection file go in any case."""
        kc, km, self.kc, self.km = self.kc, self.km, None, None
        try:
            if kc is not None:
                kc.stop_channels()
            if km is not None:
                try:
                    run_sync(km.shutdown_kernel)(now=True)
                except Exception as exc:  # noqa: BLE001 - a dead kernel may refuse a clean stop
                    log.debug("kernel shutdown: %s", exc)
                    km.cleanup_connection_file()  # where it is not in the socket folder
        finally:
            self._remove_sockets()

    def restart(self) -> None:
        """Replace the kernel with a fresh, warmed one."""
        self.kill()
        self.shutdown()
        self.start()

    @property
    def pid(self) -> int | None:
        """Process id of the kernel (None when not started)."""
        process = getattr(getattr(self.km, "provisioner", None), "process", None)
        return getattr(process, "pid", None)

    def kill(self) -> None:
        """Kill the kernel's whole process group at once (it runs in its own session).

        Its socket files go too: a killed kernel cannot remove them, and this is often the last
        thing a stopping worker does.
        """
        pid = self.pid
        if pid is not None:
            try:
                os.killpg(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self._remove_sockets()

    def _remove_sockets(self) -> None:
        """Remove the kernel's socket folder (a killed kernel cannot remove its files)."""
        if self._sockets is not None:
            shutil.rmtree(self._sockets, ignore_errors=True)
            self._sockets = None

    def is_alive(self) -> bool:
        """True when the kernel process is running."""
        return self.km is not None and bool(run_sync(self.km.is_alive)())

    # ------------------------------------------------------------------ running code
    def run_code(self, code: str, timeout: float = 60.0) -> None:
        """Run ``code`` in the kernel outside any notebook; raise RenderError if it fails."""
        if self.kc is None:
            raise RenderError("Kernel chưa được khởi động.", "Kernel not started.")
        reply = run_sync(self.kc.execute_interactive)(
            code, timeout=timeout, store_history=False, allow_stdin=False,
            output_hook=lambda msg: None,
        )
        content = reply["content"]
        if content.get("status") != "ok":
            raise RenderError(
                f"Mã khởi động kernel lỗi: {content.get('ename')}: {content.get('evalue')}",
                f"Kernel set-up code failed: {content.get('ename')}: {content.get('evalue')}",
                value=code.splitlines()[0] if code else "",
            )

    def reset(self) -> None:
        """Clear user state: figures, user variables, execution counter."""
        self.runs += 1
        unfreeze = UNFREEZE_CODE if self.runs % UNFREEZE_EVERY == 0 else ""
        self.run_code(unfreeze + RESET_CODE)

    def execute(self, notebook: Path | nbformat.NotebookNode, parameters: Mapping[str, Any],
                *, timeout: float = 600.0) -> RunOutcome:
        """Run ``notebook`` with ``parameters`` in this kernel through papermill.

        The kernel is reset first; the run is bounded by ``timeout`` seconds (reset included),
        after which the kernel is killed. A killed or dead kernel is replaced before returning.
        """
        from papermill.exceptions import PapermillExecutionError
        from papermill.execute import execute_notebook

        began = time.perf_counter()
        if self.km is None or not self.is_alive():
            self.shutdown()
            self.start()
        fired = threading.Event()

        def on_timeout() -> None:
            fired.set()
            self.kill()

        watchdog = threading.Timer(timeout, on_timeout)
        watchdog.daemon = True
        watchdog.start()
        nb: nbformat.NotebookNode | None = None
        error: str | None = None
        ran: list[nbformat.NotebookNode] = []  # the notebook as run, also when a cell raised
        assert self.km is not None
        km = self.km
        try:
            self.reset()
            nb = execute_notebook(
                notebook, None, parameters=dict(parameters), km=km, kernel_name=self.kernel_name,
                progress_bar=False, request_save_on_cell_execute=False,
                **engine_arguments(self.kc, ran.append),
            )
        except PapermillExecutionError as exc:
            nb = ran[-1] if ran else None
            error = f"Ô {exc.cell_index} lỗi / cell {exc.cell_index} raised: {exc.ename}: {exc.evalue}"
        except Exception as exc:  # noqa: BLE001 - any kernel failure is this briefing's failure
            nb = ran[-1] if ran else None
            error = f"{type(exc).__name__}: {exc}"
        finally:
            watchdog.cancel()
            km.close_clients(keep=self.kc)
        restarted = False
        if fired.is_set():
            error = (f"Quá thời gian {timeout:g} giây, kernel đã bị dừng / "
                     f"timed out after {timeout:g} s, kernel killed")
        if fired.is_set() or not self.is_alive():
            if error is None:
                error = "Kernel đã chết / kernel died"
            self.restart()
            restarted = True
        return RunOutcome(nb=nb, error=error, seconds=time.perf_counter() - began,
                          restarted=restarted)


__all__ = ["DEFAULT_WARMUP", "FREEZE_CODE", "KERNEL_ARGUMENTS", "KERNEL_SETUP_CODE",
           "RESET_CODE", "UNFREEZE_CODE", "UNFREEZE_EVERY", "RunOutcome", "WarmKernel",
           "RemembersClients", "WarmKernelManager", "import_papermill"]
