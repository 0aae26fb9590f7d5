"""A warm kernel leaves nothing behind: not after a run that timed out, not after a failed start.

Its connection file holds the key that signs every message to the kernel; it lives in the
kernel's private socket folder, which must go with the kernel on every way out.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from congdoan.engine.warm import SOCKET_PREFIX, WarmKernel
from congdoan.exceptions import RenderError

FIXTURES = Path(__file__).parent / "fixtures"
WAIT_FOREVER = "__import__('threading').Event().wait()"
"""Warm-up code that never finishes (an event nobody sets)."""


@pytest.fixture
def sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A temporary directory of this test's own, where the kernels make their socket folders
    (short, for the sockets' path length limit)."""
    folder = Path(tempfile.mkdtemp(prefix="cd-"))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    yield folder
    shutil.rmtree(folder)


def _kernels() -> set[int]:
    """Process ids of this process's running (not zombie) descendants."""
    return {p.pid for p in psutil.Process().children(recursive=True)
            if p.status() != psutil.STATUS_ZOMBIE}


@pytest.mark.slow
@pytest.mark.parametrize("warmup, error", [
    ("raise ValueError('warm-up failed')", (RenderError,)),  # the warm-up raises
    # the start times out: the warm-up's reply (or, on a slow machine, the kernel's first one)
    (WAIT_FOREVER, (TimeoutError, RuntimeError)),
])
def test_a_failed_start_leaves_no_kernel_and_no_connection_file(
        sockets: Path, warmup: str, error: tuple[type[Exception], ...]) -> None:
    before = _kernels()
    kernel = WarmKernel(warmup, startup_timeout=10)
    with pytest.raises(error):
        kernel.start()
    assert list(sockets.iterdir()) == []  # no socket folder, no kernel.json
    assert _kernels() <= before  # the kernel process is gone
    assert kernel.km is None and kernel.kc is None


@pytest.mark.slow
def test_a_timed_out_run_removes_the_killed_kernel_s_connection_file(sockets: Path) -> None:
    kernel = WarmKernel("x = 1")
    kernel.start()
    try:
        assert kernel.km is not None
        first = Path(kernel.km.connection_file)
        assert first.is_file() and first.parent.name.startswith(SOCKET_PREFIX)
        hung = kernel.execute(FIXTURES / "nb_sleep.ipynb", {"seconds": 120}, timeout=3)
        assert hung.restarted and hung.error is not None and "timed out" in hung.error
        assert not first.exists() and not first.parent.exists()
        assert kernel.km is not None
        second = Path(kernel.km.connection_file)
        assert second.is_file()
        assert [p.name for p in sockets.iterdir()] == [second.parent.name]  # the new one only
    finally:
        kernel.kill()
        kernel.shutdown()
    assert list(sockets.iterdir()) == []
