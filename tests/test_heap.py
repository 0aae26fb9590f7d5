"""freeze_heap: what is alive is kept out of full collections; release lets frozen garbage go."""

from __future__ import annotations

import gc
import weakref

from congdoan.heap import freeze_heap


class Node:
    """A cyclic object: only a full collection frees it."""


def test_freeze_keeps_earlier_frozen_objects_unless_released() -> None:
    try:
        node = Node()
        node.me = node  # type: ignore[attr-defined]
        gone = weakref.ref(node)
        freeze_heap()
        assert gc.get_freeze_count() > 0 and len(gc.get_objects()) < gc.get_freeze_count()
        del node
        freeze_heap()  # frozen garbage stays: objects frozen earlier are not walked again
        assert gone() is not None
        freeze_heap(release=True)  # unfrozen first, so the cycle is collected
        assert gone() is None
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
