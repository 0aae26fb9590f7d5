"""ipykernel: quiet flushes and no execute sleep in batch kernels; a forked child as a kernel.

Patches of :data:`congdoan._compat.PATCHES`:

- ``quiet_flush`` (:func:`skip_empty_flushes`): ipykernel flushes the kernel's ``sys.stdout`` and
  ``sys.stderr`` four times per cell (twice after handling each shell message, twice before
  each execute reply) and once more before each display. Every flush hands two callbacks to
  the kernel's I/O thread and waits for it, even when nothing was written. A batch notebook
  prints little, so a flush with nothing written since the last one returns at once; one with
  something written flushes as before, so stream output keeps its place before the displays
  and the reply that follow it.
- ``execute_sleep`` (:func:`kernel_arguments`): no sleep before each execute reply (ipykernel
  sleeps there in case a client reads the reply before the outputs that precede it; papermill
  collects a cell's outputs until the kernel reports idle, which comes after them all on the
  same channel).
- ``fork_server`` (:func:`run_forked_kernel`, with :mod:`congdoan._compat.jupyter_client`): a
  child forked from the batch's fork server becomes the ipykernel a launch would have started.

Run in batch kernels only, never in an analyst's kernel. Imports only ``sys``, ``typing`` and
:mod:`congdoan._compat` at module level: a kernel loads it for next to nothing.
"""

from __future__ import annotations

import sys
from typing import Any

from congdoan._compat import active

_MARK = "_congdoan_skips_empty"


def skip_empty_flushes() -> bool:
    """Make ipykernel's ``OutStream.flush`` return at once when nothing is waiting to be sent.

    "Nothing waiting" is ipykernel's own bookkeeping: a write (from this process or a child)
    sets ``_flush_pending`` or ``_subprocess_flush_pending`` until the I/O thread's flush
    takes the buffer. Returns True when installed (or already installed); False when
    ``quiet_flush`` is not active, this is not an ipykernel process or its streams lack those
    flags, in which case nothing is changed.
    """
    if not active("quiet_flush"):
        return False
    try:
        from ipykernel.iostream import OutStream
    except ImportError:
        return False
    if getattr(OutStream.flush, _MARK, False):
        return True
    flags = ("_flush_pending", "_subprocess_flush_pending")
    streams = [s for s in (sys.stdout, sys.stderr) if isinstance(s, OutStream)]
    if not streams or not all(hasattr(s, f) for s in streams for f in flags):
        return False
    original = OutStream.flush

    def flush(self: Any) -> None:
        if self._flush_pending or self._subprocess_flush_pending:
            original(self)

    setattr(flush, _MARK, True)
    flush.__doc__ = original.__doc__
    OutStream.flush = flush  # type: ignore[method-assign]
    return True


PATCH_ARGUMENTS = ("--IPythonKernel._execute_sleep=0",)
"""Every command-line option a patch may give a batch kernel (the fork server accepts them)."""


def kernel_arguments() -> list[str]:
    """Command-line options for a batch kernel that the active patches ask for."""
    return list(PATCH_ARGUMENTS) if active("execute_sleep") else []


def forked_kernels() -> bool:
    """True where the ``fork_server`` patch is active: batch kernels may be forked."""
    return active("fork_server")


def run_forked_kernel(arguments: list[str], parent: int) -> int:
    """In a child forked from the fork server: run the ipykernel ``arguments`` describe.

    As ``python -m ipykernel_launcher ARGUMENTS`` would, with two differences: the kernel's
    parent (whose exit ends it) is given as ``parent_handle`` (ipykernel reads
    ``JPY_PARENT_PID`` when it is imported, here in the server), and debugpy is marked absent (a
    batch kernel is never debugged; ipykernel then reports no debugger, as where debugpy is not
    installed). Returns the exit code; the caller ends the process.
    """
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    import ipykernel_launcher  # noqa: F401 - what the command would have run

    arguments = [*arguments, f"--IPKernelApp.parent_handle={parent}"]
    sys.argv = [ipykernel_launcher.__file__, *arguments]
    from ipykernel.kernelapp import IPKernelApp

    try:
        IPKernelApp.launch_instance(argv=arguments)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def run_exit_functions() -> None:
    """Run the functions registered with :mod:`atexit` (``atexit._run_exitfuncs``).

    A forked kernel ends with ``os._exit`` (it must never return into the fork server's code),
    which skips them; a launched kernel runs them as its interpreter exits.
    """
    import atexit

    atexit._run_exitfuncs()


__all__ = ["forked_kernels", "kernel_arguments", "run_exit_functions", "run_forked_kernel",
           "skip_empty_flushes"]
