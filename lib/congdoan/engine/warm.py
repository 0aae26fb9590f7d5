"""A warm Jupyter kernel: started once, reused for many papermill runs.

Starting a kernel and importing pandas, seaborn and congdoan costs seconds; running a briefing
notebook in a kernel that already holds them costs a fraction of that. :class:`WarmKernel`
keeps one kernel alive, runs set-up code once (:meth:`WarmKernel.start`), and before each
notebook clears user state (``%reset -f``, open matplotlib figures, the execution counter) so
that every run starts from the same clean namespace while imported modules and process caches
(e.g. :func:`congdoan.briefing.content.load_context`) survive.

Each notebook is still executed by papermill (``execute_notebook(..., km=...)``): the executed
notebook carries its injected parameters and every output, as a cold run would. The engine
:func:`warm_engine` (registered with papermill as ``congdoan-warm``) is papermill's nbclient
engine with two changes for a kernel it does not own: it reuses the kernel's long-lived client
(``kc=``) instead of opening a new one per notebook (each new client waits ~0.2 s for the
kernel to be ready), and otherwise closes the client it opened after the run (papermill leaves
it open, which leaks sockets and a heartbeat thread per notebook).

A run that exceeds its timeout has its kernel killed (the whole process group); a kernel that
died or was killed is replaced by a fresh, warmed one before the next run.
"""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import zmq
from jupyter_client.asynchronous.client import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from jupyter_core.utils import run_sync
from traitlets import Unicode

from congdoan.engine.forkserver import DEFAULT_WARMUP, KERNEL_ARGUMENTS
from congdoan.exceptions import RenderError

if TYPE_CHECKING:
    import nbformat

ENGINE_NAME = "congdoan-warm"
"""Name of the engine :func:`warm_engine` registers in papermill's engine registry."""

FREEZE_CODE = "__import__('gc').freeze()"
"""Run after the warm-up: what it loaded (modules, the period's context) is moved out of the
garbage collector's sight. ``%reset -f`` runs a full collection each time, which otherwise walks
every object of pandas, matplotlib and the context (~0.15 s per briefing); frozen objects are
never collected, and they live as long as the kernel anyway.

Each reset freezes again what survived it: the kept trend grids, matplotlib's caches. Without
that, those grow by a few hundred objects per briefing and each reset's collection costs
15–40 ms and rising. A frozen object that later becomes garbage (a line of a kept grid, say)
is only reclaimed when the kernel unfreezes; :meth:`WarmKernel.reset` does so every
:data:`UNFREEZE_EVERY` runs (measured: ~16 KB per briefing would otherwise stay)."""

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

KERNEL_SETUP_CODE = "__import__('congdoan.engine.kernelio').engine.kernelio.skip_empty_flushes()\n"
"""Run once in each warm kernel: flushing empty output streams costs no thread round trip
(:func:`congdoan.engine.kernelio.skip_empty_flushes`)."""

UNFREEZE_EVERY = 100
"""Every this many notebook runs, a reset first unfreezes everything, so that its collection
reclaims what became garbage while frozen (one collection of all objects, ~0.1 s)."""

UNFREEZE_CODE = "__import__('gc').unfreeze()\n"
"""What a reset runs first every :data:`UNFREEZE_EVERY` runs."""

_local = threading.local()
log = logging.getLogger(__name__)


SOCKET_PREFIX = "congdoan-kernel-"
"""Name of a warm kernel's private socket folder in the temporary directory, followed by the
pid of the process that owns the kernel (see :func:`remove_stale_socket_dirs`)."""

DEFAULT_KERNEL = "python3"
"""Jupyter kernel spec of the warm kernels (the ipykernel of this environment)."""


def warm_kernel_spec(kernel_name: str = DEFAULT_KERNEL) -> None:
    """Look up the kernel spec ``kernel_name`` once in this process.

    jupyter_client finds the native kernel through ``ipykernel.kernelspec``, which imports
    IPython and pygments (~0.1 s); done in the batch process before its workers are forked,
    no worker imports them again while its kernel starts.
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


@lru_cache(maxsize=1)
def warm_engine() -> type:
    """Papermill's nbclient engine for a kernel it does not own, registered as :data:`ENGINE_NAME`.

    Built on first use: papermill (and nbformat) are imported only when a notebook is run, so
    that a worker launches its kernel first and imports them while the kernel boots.
    """
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.utils import merge_kwargs, remove_args

    class WarmEngine(NBClientEngine):
        """nbclient engine that closes its kernel client when it does not own the kernel."""

        @classmethod
        def execute_managed_notebook(
            cls,
            nb_man: Any,
            kernel_name: str,
            log_output: bool = False,
            stdout_file: Any = None,
            stderr_file: Any = None,
            start_timeout: int = 60,
            execution_timeout: int | None = None,
            **kwargs: Any,
        ) -> nbformat.NotebookNode:
            """Execute ``nb_man.nb`` (as ``NBClientEngine.execute_managed_notebook`` does)."""
            kwargs = remove_args(["input_path"], **kwargs)
            safe_kwargs = remove_args(["timeout", "startup_timeout"], **kwargs)
            final_kwargs = merge_kwargs(
                safe_kwargs,
                timeout=execution_timeout if execution_timeout else kwargs.get("timeout"),
                startup_timeout=start_timeout,
                kernel_name=kernel_name,
                log=logging.getLogger("papermill"),
                log_output=log_output,
                stdout_file=stdout_file,
                stderr_file=stderr_file,
            )
            kc = final_kwargs.pop("kc", None)
            client = PapermillNotebookClient(nb_man, **final_kwargs)
            if kc is not None:
                client.kc = kc
            _local.last_nb = nb_man.nb  # kept so that a failed run can still be saved for reading
            try:
                nb: nbformat.NotebookNode = client.execute()
                return nb
            finally:
                if kc is None and not client.owns_km and client.kc is not None:
                    client.kc.stop_channels()

    papermill_engines.register(ENGINE_NAME, WarmEngine)
    return WarmEngine


class ForkProvisioner(LocalProvisioner):
    """jupyter_client's local provisioner, launching through the manager's fork server.

    Any failure of the server (gone, refused, timed out) falls back to the usual launch.
    """

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        """Launch ``cmd`` as a fork of the server, or as a new process if that fails."""
        address = getattr(self.parent, "fork_server", None)
        if address:
            cwd = kwargs.get("cwd")
            try:
                from congdoan.engine.forkserver import ForkedKernelProcess, fork_kernel

                pid = fork_kernel(address, list(cmd), kwargs.get("env"),
                                  str(cwd) if cwd else None)
                # Popen's interface, as far as jupyter_client uses it
                self.process = ForkedKernelProcess(pid)  # type: ignore[assignment]
            except (OSError, RuntimeError, ValueError) as exc:
                log.warning("fork server unavailable (%s); starting the kernel afresh", exc)
            else:
                self.pid = self.pgid = pid  # the kernel leads its own session
                self.cwd = cwd or Path.cwd()
                return self.connection_info
        return await super().launch_kernel(cmd, **kwargs)


class ForkKernelManager(AsyncKernelManager):
    """An async kernel manager whose kernels come from the fork server at ``fork_server``."""

    fork_server = Unicode(None, allow_none=True, help="address of a KernelForkServer")

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", None) or secrets.token_hex(16)
            self.provisioner = ForkProvisioner(kernel_id=self.kernel_id,
                                               kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)


async def _until_ready(kc: AsyncKernelClient, timeout: float) -> None:
    """Wait until the kernel answers ``kernel_info`` and its iopub messages reach us.

    What ``kc.wait_for_ready`` checks, but it then drains iopub until 0.2 s pass in silence;
    this ends at the idle status of the answered request instead (0.2 s less per kernel
    start). An idle status that never arrives means iopub was not connected yet: ask again.
    A kernel that greets each new iopub subscriber (``iopub_welcome``, ipykernel 7) says
    when it is connected: then ask again at once rather than after 0.25 s of waiting for a
    status that was sent before (it was, in about half of the kernel starts of a batch).
    """
    from queue import Empty

    deadline = time.monotonic() + timeout
    while True:
        kc.kernel_info()
        try:
            reply = await kc.shell_channel.get_msg(timeout=1)
        except Empty:
            reply = None
        if reply is not None and reply.get("msg_type") == "kernel_info_reply":
            asked = reply["parent_header"].get("msg_id")
            try:
                while True:
                    msg = await kc.iopub_channel.get_msg(timeout=0.25)
                    if msg["msg_type"] == "iopub_welcome":
                        break  # connected now, maybe after the status was sent: ask again
                    if (msg["parent_header"].get("msg_id") == asked
                            and msg["msg_type"] == "status"
                            and msg["content"].get("execution_state") == "idle"):
                        kc._handle_kernel_info_reply(reply)
                        return
            except Empty:
                pass
        if not await kc._async_is_alive():
            raise RuntimeError("Kernel died before replying to kernel_info")
        if time.monotonic() > deadline:
            raise RuntimeError(f"Kernel didn't respond in {timeout:g} seconds")


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
        self.km: AsyncKernelManager | None = None
        self.kc: AsyncKernelClient | None = None
        self._sockets: str | None = None
        self.starts = 0
        self.runs = 0  # notebook runs in the current kernel

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> None:
        """Start the kernel and run the warm-up code."""
        km: AsyncKernelManager
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
        if self.fork_server:
            km = ForkKernelManager(kernel_name=self.kernel_name, fork_server=self.fork_server,
                                   **transport)
        else:
            km = AsyncKernelManager(kernel_name=self.kernel_name, **transport)
        env = dict(os.environ)
        env.pop("MPLBACKEND", None)  # the kernel's own inline backend, as in a cold run
        run_sync(km.start_kernel)(
            cwd=str(self.cwd) if self.cwd else None, env=env,
            extra_arguments=list(KERNEL_ARGUMENTS),
        )
        kc = km.client()
        kc.allow_stdin = False
        # The channels connect before the new kernel has bound its sockets; zmq then tries
        # again every 100 ms, which cost 100-200 ms of each kernel start. Every 10 ms instead.
        kc.context.setsockopt(zmq.RECONNECT_IVL, 10)
        kc.start_channels()
        self.km, self.kc = km, kc
        self.starts += 1
        self.runs = 0
        run_sync(_until_ready)(kc, self.startup_timeout)
        self.run_code(self.warmup, timeout=self.startup_timeout)
        self.run_code(KERNEL_SETUP_CODE + FREEZE_CODE)

    def shutdown(self) -> None:
        """Stop the kernel (immediately)."""
        if self.kc is not None:
            self.kc.stop_channels()
            self.kc = None
        if self.km is not None:
            try:
                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception as exc:  # noqa: BLE001 - a dead kernel may refuse a clean stop
                log.debug("kernel shutdown: %s", exc)
            self.km = None
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

        warm_engine()
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
        _local.last_nb = None
        try:
            self.reset()
            nb = execute_notebook(
                notebook, None, parameters=dict(parameters), engine_name=ENGINE_NAME,
                km=self.km, kc=self.kc, kernel_name=self.kernel_name, progress_bar=False,
                request_save_on_cell_execute=False,
            )
        except PapermillExecutionError as exc:
            nb = _local.last_nb
            error = f"Ô {exc.cell_index} lỗi / cell {exc.cell_index} raised: {exc.ename}: {exc.evalue}"
        except Exception as exc:  # noqa: BLE001 - any kernel failure is this briefing's failure
            nb = _local.last_nb
            error = f"{type(exc).__name__}: {exc}"
        finally:
            watchdog.cancel()
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


__all__ = ["DEFAULT_WARMUP", "ENGINE_NAME", "FREEZE_CODE", "KERNEL_ARGUMENTS", "KERNEL_SETUP_CODE",
           "RESET_CODE", "UNFREEZE_CODE", "UNFREEZE_EVERY", "ForkKernelManager", "ForkProvisioner",
           "RunOutcome", "WarmKernel", "warm_engine"]
