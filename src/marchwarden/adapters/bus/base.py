"""The event bus port: after a commit, tell every API process that events were stored.

The bus carries only "events up to id N are committed"; readers fetch the events
themselves from the store, in id order, so nothing depends on the bus's own ordering
or delivery guarantees — a lost notification is made good by the hub's periodic poll.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from collections.abc import Callable


class EventBus(Protocol):
    async def start(self, on_notify: Callable[[int], None]) -> None: ...

    def publish(self, max_event_id: int) -> None:
        """Thread-safe; called after a commit, from any thread."""

    async def stop(self) -> None: ...
