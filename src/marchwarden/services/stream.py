"""The live stream hub: events from the store to WebSocket subscribers, each event only
to those allowed to see it, in id order, with resume from a last event id.

One hub per API process. It keeps ``last_id``, the newest event id it has dispatched.
When the bus says events were committed (or every ``poll_seconds`` anyway, which also
picks up commits made by the CLI or by a process on another bus), it reads the events
after ``last_id`` from the store, in id order, and hands each to the live subscribers
that may see it. It dispatches at most once per ``interval_seconds``
(``MARCHWARDEN_STREAM_INTERVAL_SECONDS``): under load, what commits meanwhile goes out
together, and the subscribers that see the same events share one chunk of them (and, on
a batched stream, one message built once).

A subscriber that connects with a last event id first catches up by reading the store
itself from that id; the moment it has read up to the hub's ``last_id`` it turns live
(check and switch happen with no await between them, so no event falls in between).
Each subscriber keeps a cursor, and an event at or below the cursor is never sent
again: nothing is missed and nothing is sent twice. The store hands out event ids in
commit order (see ``adapters/db/uow.py``), which is what makes "after id N" complete.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from marchwarden.core.access.model import Principal, Resource, Role, Scope
from marchwarden.core.access.policy import Action, decide

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from marchwarden.services.ports import Store, StoredEvent

log = logging.getLogger("marchwarden.stream")

_R = TypeVar("_R")

PAGE = 1000
#: a subscriber with more undelivered events than this is cut off; it reconnects and resumes
MAX_BACKLOG = 20_000


def event_resource(ev: StoredEvent) -> Resource:
    r = ev.resource
    return Resource(
        kind=str(r.get("kind") or ev.type),
        region=r.get("region"),
        agencies=frozenset(int(a) for a in r.get("agencies") or ()),
        unit_paths=frozenset(str(p) for p in r.get("unit_paths") or ()),
    )


def may_see(principal: Principal, ev: StoredEvent) -> bool:
    try:
        action = Action(ev.read_action)
    except ValueError:
        return False
    return decide(principal, action, event_resource(ev)).allowed


#: how many of the newest stored events ``recent_events`` looks through
RECENT_SCAN = 5000


#: the first window ``recent_events`` reads back from the newest event (then twice as many)
RECENT_FIRST_WINDOW = 500


def recent_events(db: Store, principal: Principal, limit: int) -> list[StoredEvent]:
    """The newest ``limit`` events the principal may see (of the last ``RECENT_SCAN``
    stored), oldest first: what the UI's event log shows at sign-in.

    Read backwards from the newest, in windows that double, until ``limit`` are found: a
    reader who sees everything (HQ, an admin) reads one window of 500, not 5,000 events
    (85 ms of the server's time during a sign-in with 5,000 units, docs/benchmarks.md)."""
    found: list[StoredEvent] = []
    with db.unit_of_work(write=False) as uow:
        top = uow.events.last_id()
        floor = max(0, top - RECENT_SCAN)
        window = RECENT_FIRST_WINDOW
        while top > floor and len(found) < limit:
            low = max(floor, top - window)
            stored = uow.events.after(low, limit=top - low)
            found = [ev for ev in stored if ev.id <= top and may_see(principal, ev)] + found
            top, window = low, window * 2
    return found[-limit:]


@dataclass(eq=False)
class Chunk:
    """Events handed to subscribers together, in id order. The hub makes one per group
    of subscribers that see the same events and hands the same chunk to each of them, so
    the message of a batched stream is built once per group, not once per subscriber."""

    events: Sequence[StoredEvent]
    #: its batched messages, full (False) and compact (True), each built on first use
    _messages: dict[bool, str] = field(default_factory=dict)

    def batch_message(self, *, compact: bool = False) -> str:
        """The message of a batched stream: the events as one JSON array, of a unit's
        positions only its newest (built on first use, then shared); ``compact``: each
        position as a row (``batch_message``)."""
        message = self._messages.get(compact)
        if message is None:
            message = self._messages[compact] = batch_message(self.events, compact=compact)
        return message


def batch_message(events: Sequence[StoredEvent], *, compact: bool = False) -> str:
    """A JSON array of the events' messages, less each unit position that a later one of
    the same unit among them supersedes. ``compact``: each unit position is the row
    ``[id, unit_id, lon, lat, at]`` (``StoredEvent.position_row_json``) instead of its
    message, a quarter of the bytes; every other event is its message."""
    text = compact_json if compact else _message_json
    return "[" + ",".join(map(text, newest_positions_only(events))) + "]"


def _message_json(ev: StoredEvent) -> str:
    return ev.message_json


def compact_json(ev: StoredEvent) -> str:
    """An event as a compact batched stream carries it: a unit position as its row, any
    other event as its message."""
    return ev.position_row_json if ev.type == POSITION_EVENT else ev.message_json


@dataclass(eq=False)
class Subscriber:
    """One stream subscriber: the events waiting to be sent, in id order, as the chunks
    the hub handed over.

    The sender (``entrypoints/api/ws.py``) waits on ``wait()``, which costs one future
    per wake-up and no timer; ``offer_chunk`` and ``close`` wake it. A subscriber more
    than ``MAX_BACKLOG`` events behind is marked ``overflowed`` (it is closed with 4408
    and resumes from its last event id)."""

    principal: Principal
    cursor: int
    live: bool = False
    closed: bool = False
    overflowed: bool = False
    #: closed because the account was disabled (the socket closes with 4401)
    revoked: bool = False
    pending: deque[Chunk] = field(default_factory=deque)
    #: events waiting, in all the pending chunks
    backlog: int = 0
    _waiter: asyncio.Future[None] | None = None

    def offer(self, ev: StoredEvent) -> None:
        self.offer_many((ev,))

    def offer_many(self, evs: Sequence[StoredEvent]) -> None:
        """Events in id order, with one wake-up."""
        self.offer_chunk(Chunk(evs))

    def offer_chunk(self, chunk: Chunk) -> None:
        """The hub's dispatch: a chunk (shared with the other subscribers of the group)
        costs each subscriber one call and one wake-up, whatever its size."""
        evs = chunk.events
        if evs and evs[0].id <= self.cursor:
            chunk = Chunk([ev for ev in evs if ev.id > self.cursor])
            evs = chunk.events
        if not evs:
            return
        self.cursor = evs[-1].id
        if self.backlog + len(evs) > MAX_BACKLOG:
            self.overflowed = True
        else:
            self.pending.append(chunk)
            self.backlog += len(evs)
        self._wake()

    def close(self) -> None:
        self.closed = True
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def wait(self) -> None:
        """Return once there is an event to send, or the subscriber is closed or
        overflowed."""
        while not self.pending and not self.closed and not self.overflowed:
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None

    def take(self, most: int = 500, *, newest_positions: bool = False) -> list[StoredEvent]:
        """Up to ``most`` waiting events, oldest first; ``newest_positions``: of a unit's
        positions among them only its newest (the one a map shows)."""
        pending = self.pending
        items: list[StoredEvent] = []
        while pending and len(items) < most:
            chunk = pending.popleft()
            room = most - len(items)
            if len(chunk.events) > room:
                items.extend(chunk.events[:room])
                pending.appendleft(Chunk(chunk.events[room:]))
            else:
                items.extend(chunk.events)
        self.backlog -= len(items)
        return newest_positions_only(items) if newest_positions else items

    def take_batch(self, most: int, *, compact: bool = False) -> str:
        """The next message of a batched stream: up to ``most`` waiting events as one
        JSON array (``batch_message``). When the one chunk waiting holds them all, its
        message, built once for every subscriber it went to."""
        pending = self.pending
        if len(pending) == 1 and len(pending[0].events) <= most:
            chunk = pending.popleft()
            self.backlog -= len(chunk.events)
            return chunk.batch_message(compact=compact)
        return batch_message(self.take(most), compact=compact)


POSITION_EVENT = "UnitPositionUpdated"


def newest_positions_only(items: Sequence[StoredEvent]) -> list[StoredEvent]:
    """The events in order, less each unit position that a later one of the same unit
    among them supersedes (the history stays in the store: ``GET /units/{id}/positions``)."""
    seen: set[object] = set()
    kept: list[StoredEvent] = []
    for ev in reversed(items):
        if ev.type == POSITION_EVENT:
            unit = ev.payload.get("unit_id")
            if unit in seen:
                continue
            seen.add(unit)
        kept.append(ev)
    kept.reverse()
    return kept


class StreamHub:
    def __init__(
        self, db: Store, *, poll_seconds: float = 1.0, interval_seconds: float = 0.0
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.interval_seconds = interval_seconds
        self.last_id = 0
        self.subscribers: set[Subscriber] = set()
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.listeners: list[Callable[[Sequence[StoredEvent]], None]] = []
        self._busy = 0
        self._busy_lock = threading.Lock()

    async def run_io(self, fn: Callable[..., _R], *args: Any) -> _R:
        """Run blocking store work in a thread, counted so that ``stop`` can wait for it
        (a read still running when the engine is disposed would leak its connection)."""

        def counted() -> _R:
            with self._busy_lock:
                self._busy += 1
            try:
                return fn(*args)
            finally:
                with self._busy_lock:
                    self._busy -= 1

        return await asyncio.to_thread(counted)

    async def start(self) -> None:
        self.last_id = await self.run_io(self._read_last_id)
        self._task = asyncio.create_task(self._run(), name="stream-hub")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for sub in list(self.subscribers):
            sub.close()
        self.subscribers.clear()
        for _ in range(500):  # up to 5 s for reads in flight to return their connections
            with self._busy_lock:
                if self._busy == 0:
                    break
            await asyncio.sleep(0.01)

    def notify(self, max_event_id: int) -> None:
        """Called (in the event loop) when the bus says events up to this id are stored."""
        if max_event_id > self.last_id:
            self._wake.set()

    def _read_last_id(self) -> int:
        with self.db.unit_of_work(write=False) as uow:
            return uow.events.last_id()

    def _read_after(self, event_id: int, limit: int = PAGE) -> list[StoredEvent]:
        with self.db.unit_of_work(write=False) as uow:
            return uow.events.after(event_id, limit)

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        dispatched = -self.interval_seconds
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=self.poll_seconds)
            # at most one dispatch per interval: what commits meanwhile goes out together
            # (a quiet stream's event goes at once; a busy one costs each subscriber one
            # wake-up and, batched, one message per interval, not one per commit)
            wait = dispatched + self.interval_seconds - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            self._wake.clear()
            dispatched = loop.time()
            try:
                while True:
                    batch = await self.run_io(self._read_after, self.last_id)
                    if not batch:
                        break
                    self.last_id = batch[-1].id
                    self._dispatch(batch)
                    if len(batch) < PAGE:
                        break
            except Exception:  # keep the hub alive through a store hiccup
                log.exception("stream hub could not read events")
                await asyncio.sleep(self.poll_seconds)

    def _dispatch(self, batch: Sequence[StoredEvent]) -> None:
        for listener in self.listeners:
            try:
                listener(batch)
            except Exception:
                log.exception("stream listener failed")
        live = [s for s in self.subscribers if s.live and not s.closed]
        if not live:
            return
        # the decision depends only on the subscriber's role and scope: decide once per group
        groups: dict[tuple[Role, Scope], list[Subscriber]] = {}
        for sub in live:
            groups.setdefault((sub.principal.role, sub.principal.scope), []).append(sub)
        last = batch[-1].id
        for subs in groups.values():
            chunk = Chunk([ev for ev in batch if may_see(subs[0].principal, ev)])
            for sub in subs:
                sub.offer_chunk(chunk)
                sub.cursor = max(sub.cursor, last)

    async def subscribe(self, principal: Principal, last_event_id: int | None) -> Subscriber:
        """Register a subscriber. With ``last_event_id`` it first receives what it missed."""
        start = self.last_id if last_event_id is None else max(0, last_event_id)
        sub = Subscriber(principal, cursor=start)
        self.subscribers.add(sub)
        if start >= self.last_id:
            sub.live = True
        return sub

    async def catch_up(self, sub: Subscriber) -> None:
        """Read what the subscriber missed from the store, then switch it to live."""
        while not sub.live and not sub.closed:
            batch = await self.run_io(self._read_after, sub.cursor)
            sub.offer_many([ev for ev in batch if may_see(sub.principal, ev)])
            if batch:
                sub.cursor = max(sub.cursor, batch[-1].id)
            if sub.overflowed:
                return
            # no await between this check and the switch: the hub cannot dispatch in between
            if len(batch) < PAGE and sub.cursor >= self.last_id:
                sub.live = True
                return
            if not batch:
                # the store has nothing after the cursor but the hub is ahead (it cannot
                # be, unless events were deleted): wait for the hub rather than spin
                await asyncio.sleep(0.05)

    def close_disabled(self, events: Sequence[StoredEvent]) -> None:
        """A listener: the streams of an account disabled anywhere close at once (a
        stream's token is otherwise re-checked every 30 s)."""
        disabled = {ev.payload.get("user_id") for ev in events if ev.type == "UserDisabled"}
        if not disabled:
            return
        for sub in list(self.subscribers):
            if sub.principal.user_id in disabled:
                sub.revoked = True
                sub.close()

    def unsubscribe(self, sub: Subscriber) -> None:
        sub.close()
        self.subscribers.discard(sub)


def event_message(ev: StoredEvent) -> dict[str, Any]:
    """The message a subscriber receives (``ev.message_json`` is it, serialised once)."""
    return {"id": ev.id, "type": ev.type, "at": ev.at.isoformat(), "data": ev.payload}
