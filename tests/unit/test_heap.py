"""The server settles its heap once started (``entrypoints/api/heap.py``)."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

import pytest

from marchwarden.entrypoints.api import heap

if TYPE_CHECKING:
    from collections.abc import Iterator


@pytest.fixture
def restored_gc() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


@pytest.mark.usefixtures("restored_gc")
def test_settle_freezes_what_is_alive_and_raises_the_thresholds() -> None:
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    heap.settle()
    assert gc.get_freeze_count() > 10_000  # modules, geodata, ...: everything alive
    assert gc.get_threshold() == heap.THRESHOLDS


@pytest.mark.usefixtures("restored_gc")
def test_garbage_made_after_settling_is_still_collected() -> None:
    heap.settle()

    class Node:
        def __init__(self) -> None:
            self.me = self

    Node()  # a cycle, unreachable at once
    assert gc.collect() >= 1
