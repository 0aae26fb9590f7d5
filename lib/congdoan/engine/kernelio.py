"""Output streams of a batch kernel: no round trip to the I/O thread to flush nothing.

ipykernel flushes the kernel's ``sys.stdout`` and ``sys.stderr`` four times per cell (twice
after handling each shell message, twice before each execute reply) and once more before each
display. Every flush hands two callbacks to the kernel's I/O thread and waits for it, even when
nothing was written: about 1 ms of thread switching each, 40–50 flushes per briefing. A batch
notebook prints little, so :func:`skip_empty_flushes` makes a flush with nothing written since
the last one return at once; one with something written flushes as before, so stream output
keeps its place before the displays and the reply that follow it.

Run in warm batch kernels only (:meth:`congdoan.engine.warm.WarmKernel.start`), never in an analyst's
kernel. Imports only ``sys`` and ``typing`` at module level: a kernel loads it for next to nothing.
"""

from __future__ import annotations

import sys
from typing import Any

_MARK = "_congdoan_skips_empty"


def skip_empty_flushes() -> bool:
    """Make ipykernel's ``OutStream.flush`` return at once when nothing is waiting to be sent.

    "Nothing waiting" is ipykernel's own bookkeeping: a write (from this process or a child)
    sets ``_flush_pending`` or ``_subprocess_flush_pending`` until the I/O thread's flush
    takes the buffer. Returns True when installed (or already installed); False when this is
    not an ipykernel process or its streams lack those flags (another ipykernel design), in
    which case nothing is changed.
    """
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


__all__ = ["skip_empty_flushes"]
