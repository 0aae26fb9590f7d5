"""A kernel fork server: one process imports what briefings need, then forks ready kernels.

A batch worker's kernel, started the usual way (``python -m ipykernel_launcher -f …``), spends
~1.5 s of CPU importing IPython, pandas, matplotlib, seaborn and congdoan and loading the
period's context, and every worker's kernel does it again. :class:`KernelForkServer` starts one
process that does all of that once; on request it forks a child that becomes an ordinary
ipykernel (``IPKernelApp``) on the connection file jupyter_client wrote: the same kernel a
launch gives, with its modules and caches already in place (ready ~0.25 s after the request,
most of it the kernel application's own set-up). Memory pages the kernels do not change stay
shared with the server.

Used by the local batch only: :class:`congdoan.engine.warm.WarmKernel` with ``fork_server=`` launches
through :func:`launcher` (:func:`congdoan._compat.jupyter_client.launch_through`), which falls
back to the usual launch when the server is gone or refuses. Linux only (abstract Unix socket,
``pidfd``), and only where the ``fork_server`` patch is active (:mod:`congdoan._compat`). This
module imports nothing of Jupyter: the command line starts the server before it knows whether
any briefing needs rendering.

Safety:

- the server stays single-threaded (it imports, runs warm-up code and forks, nothing else), so
  a fork never copies a lock held by another thread; it refuses to fork if a thread appeared;
- the warm-up code's database connections are closed before any fork
  (:func:`congdoan.core.store.dispose_engines`), so no two processes share one;
- requests are accepted only from processes of the same user (``SO_PEERCRED``);
- a forked kernel exits when the worker that asked for it exits, as a launched kernel does
  (ipykernel's parent poller), and when the server (its parent) exits.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from congdoan._compat.ipykernel import forked_kernels, run_exit_functions, run_forked_kernel
from congdoan.engine.heap import paused_collection

log = logging.getLogger(__name__)

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
"""What ipykernel sets ``MPLBACKEND`` to before any user code imports matplotlib."""

DEFAULT_WARMUP = """\
import matplotlib
import matplotlib.pyplot
import pandas
import seaborn
import congdoan
"""
"""Imports every briefing needs (:func:`briefing_warmup` adds the period's context)."""

PRELOAD = """\
import ipykernel.kernelapp
import ipykernel.ipkernel
import ipykernel.zmqshell
import IPython.core.completer
"""
"""What every kernel imports while it sets itself up (before the warm-up code)."""

_HEADER = struct.Struct("!I")
_early: KernelForkServer | None = None


def briefing_warmup(pairs: Iterable[tuple[str, str | None]]) -> str:
    """Warm-up code for briefing kernels: imports, each (period, data) context, one chart.

    The chart makes matplotlib load its fonts before the first briefing.
    """
    lines = [DEFAULT_WARMUP, "from congdoan.briefing import charts, content, display"]
    lines += [f"content.load_context({period!r}, {data!r})" for period, data in pairs]
    lines.append("charts.png(charts.empty_figure('Đã sẵn sàng / ready ≥ ✔'))")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- messages
def _send(sock: socket.socket, message: dict[str, Any]) -> None:
    data = json.dumps(message).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def _receive(sock: socket.socket) -> dict[str, Any]:
    def exactly(size: int) -> bytes:
        chunks, left = [], size
        while left:
            chunk = sock.recv(left)
            if not chunk:
                raise ConnectionError("fork server closed the connection")
            chunks.append(chunk)
            left -= len(chunk)
        return b"".join(chunks)

    (size,) = _HEADER.unpack(exactly(_HEADER.size))
    message: dict[str, Any] = json.loads(exactly(size))
    return message


def _connect(address: str, timeout: float) -> socket.socket:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(address)
    except OSError:
        sock.close()
        raise
    return sock


# ----------------------------------------------------------------------------- client side
class KernelForkServer:
    """Start and own a fork server process (see the module docstring).

    Args:
        warmup: code the server runs after its own imports (e.g. the batch's warm-up: imports,
            the period's context); more can be sent with :meth:`run`.

    Use as a context manager (which starts it unless it runs already), or call :meth:`start`
    and :meth:`close`.

    """

    def __init__(self, warmup: str | None = None) -> None:
        self.warmup = warmup
        self.address = f"\0congdoan-kernels-{os.getpid()}-{secrets.token_hex(8)}"
        self.process: subprocess.Popen[bytes] | None = None
        self._sent: set[str] = set()

    @staticmethod
    def available() -> bool:
        """True where a fork server can work (Linux: abstract sockets and pidfd).

        The ``fork_server`` patch must be active: ``CONGDOAN_FORK_SERVER=0`` (or
        ``CONGDOAN_ACCELERATORS=0``) in the environment turns it off, as does a jupyter_client or
        ipykernel outside its tested range; each kernel is then a new process, as with
        ``--scheduler``.
        """
        return sys.platform == "linux" and hasattr(os, "pidfd_open") and forked_kernels()

    def start(self) -> KernelForkServer:
        """Start the server process; it is ready to take requests at once (they queue)."""
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.address)
            listener.listen(64)
            env = dict(os.environ, MPLBACKEND=INLINE_BACKEND)
            self.process = subprocess.Popen(
                [sys.executable, "-m", "congdoan.engine.forkserver", str(listener.fileno()),
                 str(os.getpid())],
                pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            listener.close()  # the server holds its own copy
        if self.warmup:
            self.run(self.warmup)
        return self

    def run(self, code: str) -> None:
        """Have the server run ``code`` (imports, caches) before the kernels it forks next.

        Code already sent is not sent again (the command line's early warm-up and the batch's
        are often the same text).
        """
        if code in self._sent:
            return
        with _connect(self.address, timeout=10.0) as sock:
            _send(sock, {"op": "run", "code": code})
        self._sent.add(code)

    def close(self) -> None:
        """Stop the server (kernels it forked stop with it)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.process = None

    def __enter__(self) -> KernelForkServer:
        return self if self.process is not None else self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


def start_early(period: str, data: str | None, out: str | Path, *, force: bool = False) -> None:
    """Start the batch's fork server for ``congdoan briefings`` before its heavy imports.

    Called by the command line, with the parsed arguments, before it imports the engine's
    modules (pandas, the data): the server then imports and loads the period's context on the
    other core meanwhile. Nothing is started where :meth:`KernelForkServer.available` says no,
    when a server was already started, or when the outputs look up to date
    (:func:`congdoan.engine.freshness.looks_current`; not with ``force``); :func:`take_early`
    hands the server over. Without ``data`` the context is loaded only once the command knows
    where its data are.
    """
    global _early
    from congdoan.engine.freshness import looks_current

    if _early is not None or not KernelForkServer.available():
        return
    if not force and looks_current(str(out), period, data):
        return  # probably nothing to render: the batch starts a server if the plan shows work
    pairs = [(period, data)] if data else []
    _early = KernelForkServer(briefing_warmup(pairs)).start()


def take_early() -> KernelForkServer | None:
    """The server :func:`start_early` started (once; then None)."""
    global _early
    server, _early = _early, None
    return server


def fork_kernel(address: str, cmd: list[str], env: dict[str, str] | None, cwd: str | None,
                timeout: float = 120.0) -> int:
    """Ask the fork server at ``address`` for a kernel running ``cmd``; return its pid.

    Raises OSError (server gone, timed out) or RuntimeError (it refused the request).
    """
    with _connect(address, timeout) as sock:
        _send(sock, {"op": "fork", "cmd": cmd, "env": env, "cwd": cwd})
        reply = _receive(sock)
    if "pid" not in reply:
        raise RuntimeError(reply.get("error", "fork server refused"))
    return int(reply["pid"])


def launcher(address: str) -> Any:
    """A launcher for :func:`congdoan._compat.jupyter_client.launch_through`.

    ``launch(cmd, env, cwd)`` asks the server at ``address`` for the kernel and returns it as a
    :class:`ForkedKernelProcess`.
    """

    def launch(cmd: list[str], env: dict[str, str] | None, cwd: str | None) -> ForkedKernelProcess:
        return ForkedKernelProcess(fork_kernel(address, cmd, env, cwd))

    return launch


class ForkedKernelProcess:
    """What jupyter_client needs of a ``Popen`` for a kernel the fork server started.

    The kernel is the server's child, not ours: it is watched through a pidfd (its exit
    status is known only to the server, so an exited kernel reports -1).
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None
        self._fd: int | None = os.pidfd_open(pid)

    def poll(self) -> int | None:
        """None while the kernel runs, else its (unknown: -1) return code."""
        if self.returncode is None and self._fd is not None:
            readable, _, _ = select.select([self._fd], [], [], 0)
            if readable:
                self._exited()
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        """Wait until the kernel exits; raise TimeoutError after ``timeout`` seconds."""
        if self.returncode is None and self._fd is not None:
            readable, _, _ = select.select([self._fd], [], [], timeout)
            if not readable:
                raise TimeoutError(f"kernel {self.pid} still running")
            self._exited()
        return self.returncode if self.returncode is not None else -1

    def _exited(self) -> None:
        self.returncode = -1
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def send_signal(self, signum: int) -> None:
        """Send ``signum`` to the kernel (nothing once it has exited)."""
        if self.poll() is None:
            signal.pidfd_send_signal(self._fd, signum)  # type: ignore[arg-type]

    def kill(self) -> None:
        """SIGKILL the kernel."""
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM the kernel."""
        self.send_signal(signal.SIGTERM)


# ----------------------------------------------------------------------------- server side
def _kernel_arguments(cmd: list[str]) -> list[str] | None:
    """The ``IPKernelApp`` arguments of a kernel command this server can run, else None."""
    if len(cmd) < 3 or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        return None
    try:
        same = os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    return cmd[3:] if same else None


def _watch_process(pid: int) -> None:
    """Exit this process when process ``pid`` exits (a daemon thread)."""
    try:
        fd = os.pidfd_open(pid)
    except OSError:
        os._exit(1)

    def wait() -> None:
        select.select([fd], [], [])
        os._exit(1)

    threading.Thread(target=wait, name="congdoan-requester-watch", daemon=True).start()


def _become_kernel(request: dict[str, Any], arguments: list[str], requester: int,
                   sockets: list[socket.socket]) -> None:
    """In the forked child: turn into the kernel the request describes; never returns."""
    code = 1
    try:
        for sock in sockets:
            sock.close()
        os.setsid()  # its own session and process group, as jupyter_client launches kernels
        # the signal dispositions of a new Python process (SIGPIPE stays ignored, as Python
        # sets it at start-up in the server too)
        for signum in (signal.SIGCHLD, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        env = dict(request.get("env") or os.environ)
        env["JPY_PARENT_PID"] = str(os.getppid())  # what a launched kernel's environment says
        os.environ.clear()
        os.environ.update(env)
        if request.get("cwd"):
            os.chdir(request["cwd"])
        _watch_process(requester)  # and with the worker that asked for it
        code = run_forked_kernel(arguments, os.getppid())
    except BaseException:  # noqa: BLE001 - the child must never return into the server
        traceback.print_exc()
    finally:
        try:
            run_exit_functions()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def _run(code: str, namespace: dict[str, Any]) -> None:
    """Run ``code`` with the collector paused, close database connections, freeze what it left.

    Only imports and warm-up code run here, and what they leave lives as long as the server
    and its kernels: collections would walk it for little. It is frozen without one.
    """
    with paused_collection(freeze=True):
        try:
            exec(code, namespace)  # noqa: S102 - code of the batch that started us
        finally:
            store = sys.modules.get("congdoan.core.store")
            if store is not None:
                store.dispose_engines()


def _handle(conn: socket.socket, listener: socket.socket, namespace: dict[str, Any]) -> None:
    requester, uid, _ = struct.unpack("3i", conn.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    if uid != os.getuid():
        return
    conn.settimeout(30.0)
    request = _receive(conn)
    if request.get("op") == "run":
        try:
            _run(request["code"], namespace)
        except Exception:  # noqa: BLE001 - the kernels run it again and report it properly
            log.debug("fork server warm-up failed", exc_info=True)
    elif request.get("op") == "fork":
        arguments = _kernel_arguments(list(request.get("cmd") or []))
        if arguments is None:
            _send(conn, {"error": f"not an ipykernel command: {request.get('cmd')!r}"})
        elif threading.active_count() > 1:
            _send(conn, {"error": "fork server has threads; not forking"})
        else:
            pid = os.fork()
            if pid == 0:
                _become_kernel(request, arguments, requester, [conn, listener])
            _send(conn, {"pid": pid})


def serve(listener: socket.socket, parent: int) -> None:
    """Preload, then answer requests until process ``parent`` exits."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when to stop
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically
    namespace: dict[str, Any] = {"__name__": "__congdoan_fork_server__"}
    _run(PRELOAD, namespace)
    while os.getppid() == parent:
        readable, _, _ = select.select([listener], [], [], 0.5)
        if not readable:
            continue
        conn, _ = listener.accept()
        with conn:
            try:
                _handle(conn, listener, namespace)
            except (OSError, ValueError) as exc:  # a client that went away mid-request
                log.debug("fork server request failed: %s", exc)


def main(argv: list[str] | None = None) -> None:
    """``python -m congdoan.engine.forkserver FD PARENT_PID`` (started by :class:`KernelForkServer`)."""
    fd, parent = (int(x) for x in (argv if argv is not None else sys.argv[1:]))
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts it back in each kernel
    serve(socket.socket(fileno=fd), parent)


__all__ = ["DEFAULT_WARMUP", "INLINE_BACKEND", "PRELOAD", "ForkedKernelProcess", "KernelForkServer",
           "briefing_warmup", "fork_kernel", "serve", "start_early", "take_early"]

if __name__ == "__main__":
    main()
