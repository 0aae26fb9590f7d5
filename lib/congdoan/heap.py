"""Keeping a long-lived process's heap out of the garbage collector's full passes.

A process that loads much once and then works for long (an explorer's kernel, the batch's
fork server, a batch worker) pays for every full collection by walking all it loaded: tens of
milliseconds each, due every few updates or PDFs. :func:`freeze_heap` moves what is alive now
out of those passes (:func:`gc.freeze`); a collection then walks only what was made since.
Frozen objects that later become garbage are not reclaimed until the heap is unfrozen.
"""

from __future__ import annotations

import gc


def freeze_heap(*, release: bool = False) -> None:
    """Collect garbage once, then freeze every object that is alive now.

    ``release`` unfreezes what an earlier call froze first, so that its garbage is collected
    too (an explorer made again in the same session). Without it, objects frozen earlier stay
    frozen and are not walked: a process forked from a frozen one keeps them so, and their
    memory pages stay shared with its parent (a collection writes to every object it walks).
    """
    if release:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


__all__ = ["freeze_heap"]
