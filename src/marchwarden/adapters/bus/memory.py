"""The in-process bus: one API process, notifications through its event loop."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


class InProcessBus:
    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self._on_notify: Callable[[int], None] | None = None

    async def start(self, on_notify: Callable[[int], None]) -> None:
        self._loop = asyncio.get_running_loop()
        self._on_notify = on_notify

    def publish(self, max_event_id: int) -> None:
        loop, callback = self._loop, self._on_notify
        if loop is None or callback is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            callback(max_event_id)
        else:
            loop.call_soon_threadsafe(callback, max_event_id)

    async def stop(self) -> None:
        self._loop = None
        self._on_notify = None
