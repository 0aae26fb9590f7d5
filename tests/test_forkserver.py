"""The kernel fork server (client: congdoan.engine.forkserver; server process:
congdoan.engine.kernelfork): kernels forked warm, fallbacks, lifetimes, early start."""

from __future__ import annotations

import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import exits_within
from congdoan.cli import build_parser
from congdoan.cli.briefings import early_start
from congdoan.core.workspace import find_workspace
from congdoan.engine import forkserver
from congdoan.engine.forkserver import KernelForkServer, fork_kernel, request
from congdoan.engine.warm import SOCKET_PREFIX, WarmKernel, remove_stale_socket_dirs

pytestmark = pytest.mark.skipif(sys.platform != "linux" or not hasattr(os, "pidfd_open"),
                                reason="Linux only")


@pytest.fixture(scope="module")
def server() -> Iterator[KernelForkServer]:
    with KernelForkServer([]) as started:
        yield started


@pytest.mark.slow
def test_forked_kernel_has_the_warm_up_imported_before_running_it(
        server: KernelForkServer, tmp_path: Path) -> None:
    kernel = WarmKernel("x = 1", fork_server=server.address)  # warm-up imports nothing
    kernel.start()
    try:
        assert server.process is not None
        kernel.run_code(f"import os, sys; assert os.getppid() == {server.process.pid}")
        # seaborn came with the server (the kernel's own warm-up never imported it)
        kernel.run_code("assert 'seaborn' in sys.modules and 'congdoan.briefing.charts' in sys.modules")
        # it is an ordinary kernel otherwise: its own session, the inline backend, cwd on path
        kernel.run_code(f"assert os.getsid(0) == os.getpid() == {kernel.pid}")
        kernel.run_code("import matplotlib; assert 'inline' in matplotlib.get_backend()")
        kernel.run_code("assert '' in sys.path or os.getcwd() in sys.path")
        # the signal dispositions of a new Python process, not the server's
        kernel.run_code("import signal as s; assert s.getsignal(s.SIGPIPE) == s.SIG_IGN "
                        "and s.getsignal(s.SIGCHLD) == s.SIG_DFL")
        # and its garbage collector on, while the server, which only imports, keeps it paused
        kernel.run_code("import gc; assert gc.isenabled()")
        # no debugger: debugpy is not imported, and ipykernel says it has none
        kernel.run_code("assert sys.modules.get('debugpy') is None")
    finally:
        kernel.kill()
        kernel.shutdown()
    assert server.status()["gc_enabled"] is False


@pytest.mark.slow
def test_a_kernel_starts_afresh_when_the_server_is_gone() -> None:
    gone = KernelForkServer()  # never started: nobody listens at its address
    kernel = WarmKernel("x = 1", fork_server=gone.address)
    kernel.start()
    try:
        kernel.run_code(f"import os; assert os.getppid() == {os.getpid()}")  # launched by us
    finally:
        kernel.kill()
        kernel.shutdown()


def test_server_forks_only_ipykernel_commands(server: KernelForkServer) -> None:
    with pytest.raises(RuntimeError, match="not an ipykernel command"):
        fork_kernel(server.address, ["/bin/sh", "-c", "touch /tmp/nope"], None, None)
    with pytest.raises(RuntimeError, match="not an ipykernel command"):  # another interpreter
        fork_kernel(server.address, ["/usr/bin/env", "-m", "ipykernel_launcher"], None, None)


@pytest.mark.slow
def test_server_and_its_kernels_stop_with_the_process_that_started_them(
        tmp_path: Path) -> None:
    script = tmp_path / "owner.py"
    script.write_text(
        "import threading\n"
        "from congdoan.engine.forkserver import KernelForkServer\n"
        "from congdoan.engine.warm import WarmKernel\n"
        "server = KernelForkServer().start()\n"
        "kernel = WarmKernel('x = 1', fork_server=server.address)\n"
        "kernel.start()\n"
        "print(server.process.pid, kernel.pid, kernel._sockets, flush=True)\n"
        "threading.Event().wait()\n", encoding="utf-8")
    # its own temporary folder: other batches of this user clean up the shared one meanwhile
    private_tmp = Path(tempfile.mkdtemp(prefix="cdt-"))  # short: Unix socket paths are limited
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                             env={**os.environ, "TMPDIR": str(private_tmp)})
    try:
        assert owner.stdout is not None
        server_text, kernel_text, sockets = owner.stdout.readline().split()
        server_pid, kernel_pid = int(server_text), int(kernel_text)
        os.kill(kernel_pid, 0)  # both alive while their owner runs
        os.kill(server_pid, 0)
    finally:
        owner.kill()  # SIGKILL: no clean-up code runs in the owner
        owner.wait()
        if owner.stdout is not None:
            owner.stdout.close()
    assert exits_within(server_pid, 5), "the fork server outlived its owner"
    assert exits_within(kernel_pid, 5), "the kernel outlived the worker that asked for it"
    assert Path(sockets).parent == private_tmp
    assert (Path(sockets) / "kernel.json").is_file()  # SIGKILL left no chance to remove them …
    assert Path(sockets) in remove_stale_socket_dirs(str(private_tmp))  # … a kernel start does
    assert not Path(sockets).exists()  # the connection file (the signing key) with it
    private_tmp.rmdir()


@pytest.mark.accelerator("fork_server")
def test_early_start_only_when_a_local_batch_will_run(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[str] = []

    def fake_start(self: KernelForkServer) -> KernelForkServer:
        started.append(self.contexts)
        return self

    monkeypatch.setattr(KernelForkServer, "start", fake_start)

    def start(*words: str) -> KernelForkServer | None:
        args = build_parser("briefings").parse_args(["briefings", *words])
        args.ws = find_workspace()  # the session's workspace (tests/conftest.py)
        early_start(args)
        return forkserver.take_early()

    for words in (["--period", "2025", "--scheduler", "tcp://h:8786"],
                  ["--period", "2025", "--workers", "0"]):
        assert start(*words) is None, words
    early = start("--period", "2025", "--data", "/d", "--workers", "2")
    assert early is not None and forkserver.take_early() is None  # handed over once
    assert started[-1] == [("2025", "/d")]
    assert start("--period", "latest") is not None  # no --data: the workspace's database
    assert started[-1] == [("latest", find_workspace().database_url)]
    monkeypatch.setenv("CONGDOAN_FORK_SERVER", "0")
    assert start("--period", "2025") is None


@pytest.mark.accelerator("fork_server")
def test_batch_runs_without_fork_server_when_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONGDOAN_FORK_SERVER", "no")
    assert not KernelForkServer.available()
    monkeypatch.delenv("CONGDOAN_FORK_SERVER")
    assert KernelForkServer.available()


def test_only_socket_folders_of_gone_owners_are_removed(tmp_path: Path) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = tmp_path / f"{SOCKET_PREFIX}{gone.pid}-abc"
    mine = tmp_path / f"{SOCKET_PREFIX}{os.getpid()}-def"  # a running batch's kernel
    old_style = tmp_path / f"{SOCKET_PREFIX}xyz"  # no owner in the name: left alone
    other = tmp_path / "something-else-1"
    for folder in (stale, mine, old_style, other):
        folder.mkdir()
        (folder / "k-1").write_text("", encoding="utf-8")
    assert remove_stale_socket_dirs(str(tmp_path)) == [stale]
    assert not stale.exists() and mine.is_dir() and old_style.is_dir() and other.is_dir()
    assert remove_stale_socket_dirs(str(tmp_path)) == []


def test_kernel_socket_folder_names_its_owner() -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    stale = Path(tempfile.gettempdir()) / f"{SOCKET_PREFIX}{gone.pid}-left"
    stale.mkdir()
    kernel = WarmKernel("x = 1")
    kernel.start()
    try:
        assert not stale.exists()  # a kernel start removes what a killed worker left
        assert kernel._sockets is not None
        assert Path(kernel._sockets).name.startswith(f"{SOCKET_PREFIX}{os.getpid()}-")
        assert Path(kernel._sockets) not in remove_stale_socket_dirs()
        assert Path(kernel._sockets).is_dir()  # its owner (this process) runs: kept
    finally:
        kernel.shutdown()


def _raw(server: KernelForkServer, data: bytes) -> dict[str, object]:
    """Send ``data`` as they are to the server; its reply."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(60)
        sock.connect(server.address)
        sock.sendall(data)
        size = struct.unpack("!I", sock.recv(4))[0]
        reply: dict[str, object] = json.loads(sock.recv(size))
    return reply


def _framed(text: str) -> bytes:
    return struct.pack("!I", len(text.encode())) + text.encode()


def test_the_server_runs_no_code_and_survives_malformed_requests(
        server: KernelForkServer, tmp_path: Path) -> None:
    assert server.process is not None
    witness = tmp_path / "ran.txt"
    with pytest.raises(RuntimeError, match="unknown operation 'run'; accepted: warm, fork, status"):
        request(server.address, {"op": "run", "code": f"open({str(witness)!r}, 'w')"})
    for data, words in [
        (_framed("[1, 2, 3]"), "a list, not an object"),
        (_framed("{not json"), "not JSON"),
        (_framed('"fork"'), "a str, not an object"),
        (struct.pack("!I", 2**31), "at most 1048576"),
    ]:
        assert words in str(_raw(server, data)["error"])
    for contexts, words in [("2025", "contexts: a list"),
                            ([["__import__('os')", None]], "bad period"),
                            ([["2025", 7]], "bad data")]:
        with pytest.raises(RuntimeError, match=words):  # refused; the client checks first too
            request(server.address, {"op": "warm", "contexts": contexts})
    exe = sys.executable
    connection = tmp_path / "kernel.json"
    connection.write_text("{}", encoding="utf-8")
    refused = {
        "kernel option not accepted": [exe, "-m", "ipykernel_launcher", "-f", str(connection),
                                       "--IPKernelApp.exec_lines=import os"],
        "no connection file": [exe, "-m", "ipykernel_launcher"],
        "connection file: No such file": [exe, "-m", "ipykernel_launcher", "-f",
                                          str(tmp_path / "none.json")],
        "not a .json file": [exe, "-m", "ipykernel_launcher", "-f", str(tmp_path)],
    }
    for words, cmd in refused.items():
        with pytest.raises(RuntimeError, match=words):
            fork_kernel(server.address, cmd, None, None)
    with pytest.raises(RuntimeError, match="env: a table of text"):
        request(server.address, {"op": "fork", "cmd": [exe, "-m", "ipykernel_launcher", "-f",
                                                       str(connection)], "env": {"A": 1}})
    with pytest.raises(RuntimeError, match="cwd: not an existing folder"):
        fork_kernel(server.address, [exe, "-m", "ipykernel_launcher", "-f", str(connection)],
                    None, str(tmp_path / "nowhere"))
    assert server.status()["pid"] == server.process.pid  # still serving, the same process
    assert not witness.exists()


@pytest.mark.slow
def test_a_malformed_request_leaves_a_running_kernel_alone(server: KernelForkServer) -> None:
    kernel = WarmKernel("x = 1", fork_server=server.address)
    kernel.start()
    try:
        _raw(server, _framed("[1, 2, 3]"))
        _raw(server, _framed("{}"))
        kernel.run_code("assert x == 1")
        assert kernel.is_alive()
    finally:
        kernel.kill()
        kernel.shutdown()


def test_a_kernels_connection_file_goes_with_the_kernel() -> None:
    """The file holding the kernel's signing key is in its private folder, removed with it."""
    for stop in ("shutdown", "kill"):
        kernel = WarmKernel("x = 1")
        kernel.start()
        assert kernel.km is not None and kernel._sockets is not None
        connection = Path(kernel.km.connection_file)
        assert connection.parent == Path(kernel._sockets) and connection.is_file()
        assert oct(Path(kernel._sockets).stat().st_mode & 0o777) == "0o700"
        if stop == "kill":
            kernel.kill()
        kernel.shutdown()
        assert not connection.exists() and not connection.parent.exists(), stop
