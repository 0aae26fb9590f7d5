"""freeze_heap: what is alive is kept out of full collections; release lets frozen garbage go.
paused_collection: no collection inside the block, the collector back on after it however it
ends; a start-up frozen without a collection."""

from __future__ import annotations

import gc
import weakref

import pytest

from conftest import collections_seen
from congdoan.engine.heap import freeze_heap, paused_collection


class Node:
    """A cyclic object: only a collection frees it."""


def _cycles(count: int) -> weakref.ref[Node]:
    """Make ``count`` unreachable cycles; a weak reference to the first."""
    nodes = [Node() for _ in range(count)]
    for node in nodes:
        node.me = node  # type: ignore[attr-defined]
    return weakref.ref(nodes[0])


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


def test_a_start_up_is_frozen_without_a_collection_and_the_collector_comes_back() -> None:
    assert gc.isenabled()
    try:
        with collections_seen() as collections:
            with paused_collection(freeze=True):
                assert not gc.isenabled()
                gone = _cycles(5000)  # far past the young threshold
                freeze_heap()  # inside a pause: frozen, not collected
                assert gone() is not None
            assert collections == [] and gc.isenabled()
        assert gone() is not None  # frozen with the rest, not collected
        freeze_heap(release=True)  # a collector that is on collects first
        assert gone() is None
    finally:
        gc.unfreeze()


def test_a_pause_inside_a_pause_leaves_it_paused_and_collects_nothing() -> None:
    with collections_seen() as collections:
        with paused_collection():
            with paused_collection():
                gone = _cycles(5000)
            assert not gc.isenabled() and collections == [] and gone() is not None
        assert gc.isenabled()


def test_the_collector_comes_back_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError), paused_collection(freeze=True):
        raise RuntimeError("a failing start-up")
    assert gc.isenabled()
    gc.unfreeze()
