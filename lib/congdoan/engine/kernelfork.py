"""The fork server's own process: preload, then fork ready kernels on request.

Started by :class:`~congdoan.engine.forkserver.KernelForkServer` as
``python -m congdoan.engine.kernelfork FD PARENT_PID``; what it accepts, and how it stays safe,
is described in :mod:`congdoan.engine.forkserver`, which also holds the client side and the
message format. :func:`serve` answers requests until the batch process exits; a ``fork``
request's child becomes an ordinary ipykernel (:func:`_become_kernel`).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
import logging
import os
import select
import signal
import socket
import stat
import struct
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

from congdoan._compat.ipykernel import run_exit_functions, run_forked_kernel
from congdoan.engine.forkserver import (
    KERNEL_ARGUMENTS,
    OPERATIONS,
    PRELOAD_MODULES,
    REQUEST_TIMEOUT,
    WARM_MODULES,
    RequestError,
    check_contexts,
    receive_message,
    send_message,
)
from congdoan.engine.heap import freeze_heap

log = logging.getLogger(__name__)


def _kernel_arguments(cmd: object) -> list[str]:
    """The ``IPKernelApp`` arguments of a kernel command this server may run.

    Raises:
        RequestError: anything but this interpreter, ``-m ipykernel_launcher``, ``-f`` with a
            connection file of this user, and options of :data:`KERNEL_ARGUMENTS`.

    """
    if not isinstance(cmd, list) or not all(isinstance(word, str) for word in cmd):
        raise RequestError("cmd: a list of text expected")
    try:
        same = len(cmd) >= 3 and os.path.samefile(cmd[0], sys.executable)
    except OSError:
        same = False
    if not same or cmd[1:3] != ["-m", "ipykernel_launcher"]:
        raise RequestError(f"not an ipykernel command: {cmd!r:.200}")
    arguments, words, connection = cmd[3:], iter(cmd[3:]), None
    for word in words:
        if word == "-f" or word.startswith("--f="):
            connection = next(words, "") if word == "-f" else word[len("--f="):]
        elif word not in KERNEL_ARGUMENTS:
            raise RequestError(f"kernel option not accepted: {word!r:.80}")
    if connection is None:
        raise RequestError("no connection file (-f)")
    try:
        info = os.lstat(connection)
    except OSError as exc:
        raise RequestError(f"connection file: {exc.strerror}") from exc
    if (not connection.endswith(".json") or not stat.S_ISREG(info.st_mode)
            or info.st_uid != os.getuid()):
        raise RequestError("connection file: not a .json file of this user")
    return arguments


def _fork_request(request: dict[str, Any]) -> tuple[list[str], dict[str, str] | None, str | None]:
    """The validated arguments, environment and folder of a ``fork`` request."""
    arguments = _kernel_arguments(request.get("cmd"))
    env, cwd = request.get("env"), request.get("cwd")
    if env is not None and not (isinstance(env, dict) and all(
            isinstance(k, str) and isinstance(v, str) and "\0" not in k + v
            for k, v in env.items())):
        raise RequestError("env: a table of text to text expected")
    if cwd is not None and not (isinstance(cwd, str) and os.path.isdir(cwd)):
        raise RequestError(f"cwd: not an existing folder: {cwd!r:.80}")
    return arguments, env, cwd


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


def _become_kernel(env: dict[str, str] | None, cwd: str | None, arguments: list[str],
                   requester: int, sockets: list[socket.socket]) -> None:
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
        environment = dict(env or os.environ)
        environment["JPY_PARENT_PID"] = str(os.getppid())  # as a launched kernel's says
        os.environ.clear()
        os.environ.update(environment)
        if cwd:
            os.chdir(cwd)
        _watch_process(requester)  # and with the worker that asked for it
        gc.enable()  # the server runs with the collector off (see serve); a kernel does not
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


def _settle() -> None:
    """After importing or warming: close database connections, freeze what is left."""
    store = sys.modules.get("congdoan.core.store")
    if store is not None:
        store.dispose_engines()
    freeze_heap()


def warm_server(contexts: list[tuple[str, str | None]], loaded: list[tuple[str, str | None]]) -> None:
    """The ``warm`` operation: import :data:`WARM_MODULES`, load ``contexts``, draw one chart.

    The chart makes matplotlib load its fonts before the first briefing. A context that fails
    to load is skipped (the kernels load it again and report the failure properly).
    """
    for name in WARM_MODULES:
        importlib.import_module(name)
    from congdoan.briefing import charts, content, images

    for period, data in contexts:
        try:
            content.load_context(period, data)
        except Exception:  # noqa: BLE001 - reported by the briefings themselves
            log.debug("fork server: context %s %s not loaded", period, data, exc_info=True)
        else:
            loaded.append((period, data))
    images.png(charts.empty_figure("Đã sẵn sàng / ready ≥ ✔"))


def _handle(conn: socket.socket, listener: socket.socket,
            loaded: list[tuple[str, str | None]]) -> None:
    """Serve one request (see the module docstring); :class:`RequestError` if it is refused."""
    requester, uid, _ = struct.unpack("3i", conn.getsockopt(
        socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))
    if uid != os.getuid():
        return
    conn.settimeout(REQUEST_TIMEOUT)
    request = receive_message(conn)
    op = request.get("op")
    if op == "warm":
        warm_server(check_contexts(request.get("contexts")), loaded)
        _settle()
    elif op == "status":
        send_message(conn, {"pid": os.getpid(), "gc_enabled": gc.isenabled(),
                     "contexts": [list(pair) for pair in loaded]})
    elif op == "fork":
        arguments, env, cwd = _fork_request(request)
        if threading.active_count() > 1:
            raise RequestError("fork server has threads; not forking")
        pid = os.fork()
        if pid == 0:
            _become_kernel(env, cwd, arguments, requester, [conn, listener])
        send_message(conn, {"pid": pid})
    else:
        raise RequestError(f"unknown operation {op!r:.40}; accepted: {', '.join(OPERATIONS)}")


def serve(listener: socket.socket, parent: int) -> None:
    """Preload, then answer requests until process ``parent`` exits; a bad request is refused."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the batch decides when to stop
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forked kernels are reaped automatically
    # Only imports and warming run here, and what they leave is frozen: collections would
    # walk it and find next to no garbage. Kernels resume it.
    gc.disable()  # for the server's life; each kernel switches it back on
    for name in PRELOAD_MODULES:
        importlib.import_module(name)
    _settle()
    loaded: list[tuple[str, str | None]] = []
    while os.getppid() == parent:
        readable, _, _ = select.select([listener], [], [], 0.5)
        if not readable:
            continue
        conn, _ = listener.accept()
        with conn:
            try:
                _handle(conn, listener, loaded)
            except RequestError as exc:
                log.warning("fork server refused a request: %s", exc)
                with contextlib.suppress(OSError):
                    send_message(conn, {"error": str(exc)})
            except Exception as exc:  # noqa: BLE001 - one request never stops the server
                log.warning("fork server request failed: %s: %s", type(exc).__name__, exc)


def main(argv: list[str] | None = None) -> None:
    """Serve on the listening socket FD until process PARENT_PID exits.

    Run as ``python -m congdoan.engine.kernelfork FD PARENT_PID`` by
    :class:`~congdoan.engine.forkserver.KernelForkServer`.
    """
    fd, parent = (int(x) for x in (argv if argv is not None else sys.argv[1:]))
    if sys.path and (sys.path[0] == "" or Path(sys.path[0]) == Path.cwd()):
        del sys.path[0]  # as ipykernel_launcher does; IPython puts it back in each kernel
    serve(socket.socket(fileno=fd), parent)


__all__ = ["main", "serve", "warm_server"]

if __name__ == "__main__":
    main()
