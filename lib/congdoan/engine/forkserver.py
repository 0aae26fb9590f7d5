"""A kernel fork server: one process imports what briefings need, then forks ready kernels.

A batch worker's kernel, started the usual way (``python -m ipykernel_launcher -f …``), spends
most of its start importing IPython, pandas, matplotlib, seaborn and congdoan and loading the
period's context, and every worker's kernel does it again. :class:`KernelForkServer` starts one
process that does all of that once; on request it forks a child that becomes an ordinary
ipykernel (``IPKernelApp``) on the connection file jupyter_client wrote: the same kernel a
launch gives, with its modules and caches already in place (what remains is the kernel
application's own set-up). Memory pages the kernels do not change stay shared with the server.
This module is the client side and the message format; the server process runs
:mod:`congdoan.engine.kernelfork`.

Used by the local batch only: :class:`congdoan.engine.warm.WarmKernel` with ``fork_server=`` launches
through :func:`launcher` (:func:`congdoan._compat.jupyter_client.launch_through`), which falls
back to the usual launch when the server is gone or refuses. Linux only (abstract Unix socket,
``pidfd``), and only where the ``fork_server`` patch is active (:mod:`congdoan._compat`). This
module imports nothing of Jupyter: the command line starts the server before it knows whether
any briefing needs rendering.

What it accepts — a fixed set of operations, never code. A request is one JSON object of at
most :data:`MAX_REQUEST` bytes (after a 4-byte length), from a process of the same user
(``SO_PEERCRED``), within :data:`REQUEST_TIMEOUT` seconds of connecting:

- ``{"op": "warm", "contexts": [[PERIOD, DATA], ...]}``: import :data:`WARM_MODULES` and load
  each briefing context (:func:`congdoan.briefing.content.load_context`): PERIOD ``YYYY``,
  ``YYYY-H1``, ``YYYY-H2`` or ``latest``; DATA null or a folder or database URL (text); at most
  :data:`MAX_CONTEXTS` pairs. No reply.
- ``{"op": "fork", "cmd": [...], "env": {...}, "cwd": ...}``: fork a kernel. ``cmd`` must be
  this server's own interpreter, ``-m ipykernel_launcher``, ``-f`` with a connection file (a
  regular ``.json`` file of this user), and nothing else than the options of
  :data:`KERNEL_ARGUMENTS`; ``env`` text to text (the kernel's environment, as a launch gives
  it); ``cwd`` null or an existing folder. Reply ``{"pid": N}``.
- ``{"op": "status"}``: reply ``{"pid", "gc_enabled", "contexts"}`` (what it has loaded).

Anything else (not JSON, not an object, an unknown operation, an argument of another shape, a
request too large or too slow) is answered ``{"error": "..."}`` where a reply is expected, and
the server goes on serving; its running kernels are not touched.

Safety:

- the server stays single-threaded (it imports, warms and forks, nothing else), so a fork never
  copies a lock held by another thread; it refuses to fork if a thread appeared;
- the warm-up's database connections are closed before any fork
  (:func:`congdoan.core.store.dispose_engines`), so no two processes share one;
- a forked kernel exits when the worker that asked for it exits, as a launched kernel does
  (ipykernel's parent poller), and when the server (its parent) exits.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import select
import signal
import socket
import struct
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from congdoan._compat.ipykernel import (
    PATCH_ARGUMENTS,
    forked_kernels,
)

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

PRELOAD_MODULES = ("ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
                   "IPython.core.completer")
"""What every kernel imports while it sets itself up: the server imports it at start."""

WARM_MODULES = ("matplotlib", "matplotlib.pyplot", "pandas", "seaborn", "congdoan",
                "congdoan.briefing.charts", "congdoan.briefing.content",
                "congdoan.briefing.display")
"""What the ``warm`` operation imports (the modules of :data:`DEFAULT_WARMUP` and the briefing's)."""

KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False", *PATCH_ARGUMENTS)
"""Command-line options of every warm kernel (the only options a ``fork`` request may carry).

- No history database: it would refuse the execution counter being reset to 1.
- No sleep before each execute reply (one per cell): ipykernel sleeps there in case a client
  reads the reply before the outputs that precede it; papermill (nbclient) collects a cell's
  outputs until the kernel reports idle, which comes after them all on the same channel."""

MAX_REQUEST = 1 << 20
"""Largest request accepted, in bytes."""

REQUEST_TIMEOUT = 10.0
"""Seconds a connection may take to send its request before the server drops it."""

MAX_CONTEXTS = 64
"""Most (period, data) pairs one ``warm`` request may load."""

PERIOD_RE = re.compile(r"^(\d{4}(-H[12])?|latest)$")
"""A period a ``warm`` request may name."""

OPERATIONS = ("warm", "fork", "status")


class RequestError(ValueError):
    """A request the server refuses: malformed, an unknown operation, an argument of another shape."""


_HEADER = struct.Struct("!I")
_early: KernelForkServer | None = None


def check_contexts(raw: object) -> list[tuple[str, str | None]]:
    """The (period, data) pairs of a ``warm`` request; :class:`RequestError` if malformed."""
    if not isinstance(raw, list) or len(raw) > MAX_CONTEXTS:
        raise RequestError(f"contexts: a list of at most {MAX_CONTEXTS} pairs expected")
    pairs: list[tuple[str, str | None]] = []
    for pair in raw:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise RequestError("contexts: each item must be [period, data]")
        period, data = pair
        if not isinstance(period, str) or not PERIOD_RE.match(period):
            raise RequestError(f"contexts: bad period {period!r:.40}")
        if data is not None and (not isinstance(data, str) or not data or "\0" in data
                                 or len(data) > 4096):
            raise RequestError(f"contexts: bad data {data!r:.40}")
        pairs.append((period, data))
    return pairs


def briefing_warmup(pairs: Iterable[tuple[str, str | None]]) -> str:
    """Warm-up code for briefing kernels: imports, each (period, data) context, one chart.

    The chart makes matplotlib load its fonts before the first briefing.
    """
    lines = [DEFAULT_WARMUP, "from congdoan.briefing import charts, content, display, images"]
    lines += [f"content.load_context({period!r}, {data!r})" for period, data in pairs]
    lines.append("images.png(charts.empty_figure('Đã sẵn sàng / ready ≥ ✔'))")
    return "\n".join(lines) + "\n"


# ----------------------------------------------------------------------------- messages
def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    """Send one message: a 4-byte length, then the message as JSON."""
    data = json.dumps(message).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive_message(sock: socket.socket) -> dict[str, Any]:
    """Read one message (a JSON object of at most :data:`MAX_REQUEST` bytes).

    Raises:
        RequestError: too large, not JSON, or not an object.
        ConnectionError: the other side closed the connection first.

    """
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
    if size > MAX_REQUEST:
        raise RequestError(f"message of {size} bytes (at most {MAX_REQUEST})")
    try:
        message = json.loads(exactly(size))
    except ValueError as exc:
        raise RequestError(f"not JSON: {exc}") from exc
    if not isinstance(message, dict):
        raise RequestError(f"a {type(message).__name__}, not an object")
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
        contexts: (period, data) briefing contexts the server loads after its own imports; an
            empty list has it import the briefing modules only; None (the default) nothing
            until :meth:`warm` is called.

    Use as a context manager (which starts it unless it runs already), or call :meth:`start`
    and :meth:`close`.

    """

    def __init__(self, contexts: Iterable[tuple[str, str | None]] | None = None) -> None:
        self.contexts = (None if contexts is None
                         else check_contexts([list(pair) for pair in contexts]))
        self.address = f"\0congdoan-kernels-{os.getpid()}-{secrets.token_hex(8)}"
        self.process: subprocess.Popen[bytes] | None = None
        self._sent: set[tuple[str, str | None]] = set()
        self._warmed = False

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
                [sys.executable, "-m", "congdoan.engine.kernelfork", str(listener.fileno()),
                 str(os.getpid())],
                pass_fds=(listener.fileno(),), stdin=subprocess.DEVNULL, env=env)
        finally:
            listener.close()  # the server holds its own copy
        if self.contexts is not None:
            self.warm(self.contexts)
        return self

    def warm(self, contexts: Iterable[tuple[str, str | None]]) -> None:
        """Have the server import the briefing modules and load ``contexts`` before it forks.

        Sent once per context (the command line's early start and the batch often ask for the
        same); an empty list still has the modules imported. The server does not answer.
        """
        pairs = [pair for pair in check_contexts([list(p) for p in contexts])
                 if pair not in self._sent]
        if not pairs and self._warmed:
            return
        with _connect(self.address, timeout=10.0) as sock:
            send_message(sock, {"op": "warm", "contexts": [list(pair) for pair in pairs]})
        self._sent.update(pairs)
        self._warmed = True

    def status(self, timeout: float = 120.0) -> dict[str, Any]:
        """The server's own account: its pid, whether it collects garbage, what it has loaded.

        Answered after the requests sent before it (they are served in order).
        """
        return request(self.address, {"op": "status"}, timeout)

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
    try:
        contexts = check_contexts([[period, data]] if data else [])
    except RequestError:
        contexts = []  # a bad --period: the batch says so once it has parsed it
    _early = KernelForkServer(contexts).start()


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
    reply = request(address, {"op": "fork", "cmd": cmd, "env": env, "cwd": cwd}, timeout)
    return int(reply["pid"])


def request(address: str, message: dict[str, Any], timeout: float = 120.0) -> dict[str, Any]:
    """Send ``message`` to the fork server at ``address`` and return its reply.

    Raises OSError (server gone, timed out) or RuntimeError (it refused the request).
    """
    with _connect(address, timeout) as sock:
        send_message(sock, message)
        try:
            reply = receive_message(sock)
        except RequestError as exc:
            raise RuntimeError(f"fork server replied with a malformed message: {exc}") from exc
    if "error" in reply:
        raise RuntimeError(str(reply["error"]))
    return reply


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


__all__ = ["DEFAULT_WARMUP", "INLINE_BACKEND", "KERNEL_ARGUMENTS", "MAX_REQUEST", "OPERATIONS",
           "PRELOAD_MODULES", "WARM_MODULES", "ForkedKernelProcess", "KernelForkServer",
           "RequestError", "briefing_warmup", "check_contexts", "fork_kernel", "receive_message",
           "request", "send_message", "start_early", "take_early"]

