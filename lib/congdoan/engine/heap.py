"""Keeping a long-lived process's heap out of the garbage collector's way.

A process that loads much once and then works for long (an explorer's kernel, the batch's
fork server, a batch worker) pays for every full collection by walking all it loaded.
:func:`freeze_heap` moves what is alive now out of those passes (:func:`gc.freeze`); a
collection then walks only what was made since. Frozen objects that later become garbage are
not reclaimed until the heap is unfrozen.

:func:`paused_collection` runs a block with the cyclic collector off and switches it back on
when the block ends, however it ends; it is the one way congdoan pauses the collector. A
start-up (imports, the period's context, the first layouts) finds almost no garbage, yet the
collector's passes walk an ever larger heap; ``freeze=True`` then freezes what the start-up
made, without a collection (its few thousand garbage objects are frozen with the rest, which
costs less than one collection of the whole heap). Memory is still freed by reference counting
meanwhile; only cyclic garbage waits. No process is forked inside a pause (a child would
inherit the collector switched off).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def freeze_heap(*, release: bool = False) -> None:
    """Collect garbage once (unless the collector is paused), then freeze every live object.

    ``release`` unfreezes what an earlier call froze first, so that its garbage is collected
    too (an explorer made again in the same session). Without it, objects frozen earlier stay
    frozen and are not walked: a process forked from a frozen one keeps them so, and their
    memory pages stay shared with its parent (a collection writes to every object it walks).
    """
    if release:
        gc.unfreeze()
    if gc.isenabled():
        gc.collect()
    gc.freeze()


@contextmanager
def paused_collection(*, freeze: bool = False) -> Iterator[None]:
    """Run a block with the cyclic garbage collector paused; switch it back on after it.

    ``freeze``: freeze every live object when the block ends, without a collection (a
    start-up). Inside a pause that is already running (nested blocks) the collector stays
    paused; a freeze still happens.
    """
    running = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if freeze:
            gc.freeze()
        if running:
            gc.enable()


__all__ = ["freeze_heap", "paused_collection"]
