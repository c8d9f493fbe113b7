"""The NATS bus: several API processes share one NATS server (JetStream not needed for
notifications — the events themselves are in the store)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

import nats

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("marchwarden.bus")

SUBJECT = "marchwarden.events.committed"
#: told to the hub after a reconnect: "events up to any id may be stored" (it reads them)
RECONNECTED = 2**62


class NatsBus:
    def __init__(self, url: str, subject: str = SUBJECT) -> None:
        self.url = url
        self.subject = subject
        self._nc: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self, on_notify: Callable[[int], None]) -> None:
        self._loop = asyncio.get_running_loop()

        async def reconnected() -> None:
            # notifications published while this process was cut off from NATS are gone:
            # have the hub read the store after its last id (the events are all there)
            log.info("bus reconnected to %s; reading what was missed", self.url)
            on_notify(RECONNECTED)

        self._nc = await nats.connect(
            self.url,
            name="marchwarden-api",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            reconnected_cb=reconnected,
        )

        async def handler(msg: Any) -> None:
            try:
                on_notify(int(msg.data.decode("ascii")))
            except ValueError:
                log.warning("dropped a malformed bus message on %s: %r", self.subject, msg.data)

        await self._nc.subscribe(self.subject, cb=handler)
        # the subscription is registered at the server once this round trip returns:
        # a notification published right after start() is not missed
        await self._nc.flush()

    def publish(self, max_event_id: int) -> None:
        loop, nc = self._loop, self._nc
        if loop is None or nc is None or loop.is_closed():
            return
        data = str(max_event_id).encode("ascii")
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            loop.create_task(nc.publish(self.subject, data))
        else:
            asyncio.run_coroutine_threadsafe(nc.publish(self.subject, data), loop)

    async def stop(self) -> None:
        nc, self._nc = self._nc, None
        if nc is not None:
            await nc.drain()
