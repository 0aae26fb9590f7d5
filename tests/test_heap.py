"""freeze_heap: what is alive is kept out of full collections; release lets frozen garbage go;
a paused start-up is frozen without a collection; collected_after: one young collection after a
burst, none during it."""

from __future__ import annotations

import gc
import weakref

from conftest import collections_seen
from congdoan.engine.heap import collected_after, freeze_heap, pause_collection, resume_collection


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


def test_a_paused_start_up_is_frozen_without_a_collection() -> None:
    """While paused, freeze_heap freezes garbage too (no full pass) and leaves it paused."""
    was = gc.isenabled()
    try:
        pause_collection()
        node = Node()
        node.me = node  # type: ignore[attr-defined]
        gone = weakref.ref(node)
        del node
        passes = sum(s["collections"] for s in gc.get_stats())
        freeze_heap()
        assert gone() is not None  # frozen with the rest, not collected
        assert sum(s["collections"] for s in gc.get_stats()) == passes
        assert not gc.isenabled()
        resume_collection()
        assert gc.isenabled()
        freeze_heap(release=True)  # a collector that is on collects first, as before
        assert gone() is None
    finally:
        gc.unfreeze()
        if was:
            gc.enable()


def test_a_burst_is_collected_once_after_it_and_not_during_it() -> None:
    try:
        with collections_seen() as collections:
            with collected_after():
                assert not gc.isenabled()
                cycles = [Node() for _ in range(5000)]  # far past the young threshold
                for node in cycles:
                    node.me = node  # type: ignore[attr-defined]
                gone = weakref.ref(cycles[0])
                del cycles, node
                assert collections == [] and gone() is not None
            assert gc.isenabled() and collections == [0] and gone() is None

            collections.clear()
            pause_collection()  # a start-up's pause is left as it is, and nothing is collected
            with collected_after():
                assert not gc.isenabled()
            assert not gc.isenabled() and collections == []
    finally:
        resume_collection()
