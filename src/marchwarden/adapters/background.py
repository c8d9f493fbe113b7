"""Work beside a request: a daemon thread per call (the dispatch board's evaluation of
the law when the minute turns). Given to the read models by the composition root, so
that no service module starts a thread of its own."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


def run_beside(fn: Callable[[], None]) -> None:
    """Run ``fn`` in a daemon thread of its own and return at once."""
    threading.Thread(target=fn, name="beside-request", daemon=True).start()
