"""The CoT streaming server: plain TCP (8087) and TLS with client certificates (8089).

One asyncio ``Protocol`` per connection, no task and no timer per connection (1,000 idle
connections cost nothing but their sockets). What the server does with each frame:

- ``t-x-c-t`` (ping): answered with ``t-x-c-t-r`` to the sender only.
- a position (``a-…`` with a contact callsign): remembered as the sender's latest SA
  (replayed to every client that joins later, until its stale time) and relayed.
- ``<marti><dest callsign|uid>``: delivered only to the named clients.
- anything else (GeoChat ``b-t-f``, markers, ``t-x-d-d`` disconnect): relayed to the
  others; ``t-x-d-d`` from a client about itself also forgets its SA.
- never back to the sender.

Who receives another device's traffic is decided by ``core/tak/access.py`` (the same
policy as the WebSocket stream). Everything a client sends is also handed to
``on_event`` (the bridge to Marchwarden's store, ``entrypoints/tak/bridge.py``), and every
relayed frame to ``peers`` (the other gateways, ``adapters/tak/relay.py``); their frames
come back through ``remote_frame`` and are delivered by the same rules.

**Bad input.** A frame with a DOCTYPE/ENTITY, malformed XML or no usable event is
dropped and logged with the peer (counted in ``stats.bad_frames``); the connection stays.
A frame longer than ``max_frame`` closes the connection (the stream cannot be resynchronised
safely). More than ``max_rate`` frames/s (burst ``2 × max_rate``) from one client: the
excess is dropped and counted (``stats.flood_dropped``).

**Slow clients.** Writes go to the socket's buffer until it reaches its high-water mark;
then the client's queue holds up to ``queue_limit`` messages. When the queue is full the
oldest *position update* in it is dropped (counted in ``dropped_positions``); chat,
tasks, markers and deletions are never dropped — a client whose queue is full of those
is disconnected as too slow (``stats.slow_disconnects``), and catches up from the
replayed picture when it reconnects.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import re
import socket
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import IntEnum
from typing import TYPE_CHECKING, Any, cast

from marchwarden.adapters.tak.cotxml import parse_event
from marchwarden.adapters.tak.framing import FrameOverflow, XmlFrameSplitter
from marchwarden.adapters.tak.proto import ProtoFrameSplitter, to_proto, xml_from_proto
from marchwarden.core.tak import cot
from marchwarden.core.tak.access import Identity, may_receive_from

if TYPE_CHECKING:
    import ssl
    from collections.abc import Awaitable, Callable, Iterable

    from marchwarden.core.access.model import Principal, Resource

log = logging.getLogger("marchwarden.tak")

#: a ``t-x-takp-q`` asking for TAK protocol version 1
_WANTS_V1 = re.compile(rb"<TakRequest\b[^>]*\bversion=[\"']1[\"']")


class Kind(IntEnum):
    """What a message is, for the drop policy: only positions may be dropped."""

    POSITION = 1
    OTHER = 2


@dataclass(slots=True)
class Out:
    """A message to send: its XML, and its TAK protocol v1 frame made on first need."""

    xml: bytes
    kind: Kind
    _proto: bytes | None = None

    def proto(self) -> bytes:
        if self._proto is None:
            self._proto = to_proto(self.xml)
        return self._proto


ANONYMOUS = Identity()


@dataclass
class Stats:
    connections: int = 0
    frames_in: int = 0
    bad_frames: int = 0
    oversized: int = 0
    flood_dropped: int = 0
    dropped_positions: int = 0
    slow_disconnects: int = 0
    refused: int = 0
    delivered: int = 0
    remote_in: int = 0
    remote_bad: int = 0


@dataclass(slots=True)
class _Sa:
    out: Out
    sender: Resource | None
    anonymous: bool
    stale: float


class TakClient(asyncio.Protocol):
    def __init__(self, server: TakServer, tls: bool) -> None:
        self.server = server
        self.id = next(server._ids)
        self.tls = tls
        self.peer = "?"
        self.transport: asyncio.Transport | None = None
        self.identity: Identity | None = None  # None until known (TLS: looked up)
        self.uid: str | None = None
        self.callsign: str | None = None
        self.splitter: XmlFrameSplitter | ProtoFrameSplitter = XmlFrameSplitter(server.max_frame)
        self.proto = False
        self._early: list[bytes] = []
        self.queue: deque[Out] = deque()
        self.paused = False
        self.closed = False
        self.dropped_positions = 0
        self._tokens = float(server.max_rate * 2)
        self._refill = time.monotonic()
        self._flood_logged = 0.0

    # -- asyncio.Protocol ------------------------------------------------------------
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # a uvloop transport is not an asyncio.Transport subclass, but has its methods
        self.transport = cast("asyncio.Transport", transport)
        peer = transport.get_extra_info("peername")
        self.peer = f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) else str(peer)
        self.transport.set_write_buffer_limits(high=self.server.write_high_water)
        _keepalive(transport.get_extra_info("socket"))
        self.server.stats.connections += 1
        if not self.tls:
            self._identified(self.server.anonymous_identity)
            return
        der = None
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            der = ssl_object.getpeercert(binary_form=True)
        task = asyncio.get_running_loop().create_task(self._identify(der))
        self.server._tasks.add(task)
        task.add_done_callback(self.server._tasks.discard)

    async def _identify(self, der: bytes | None) -> None:
        try:
            identity = None if der is None else await self.server.identify(der)
        except Exception:
            log.exception("tak: could not identify %s", self.peer)
            identity = None
        if identity is None:
            self.server.stats.refused += 1
            log.warning(
                "tak: refused %s: no valid certificate bound to an active account", self.peer
            )
            self.close()
            return
        self._identified(identity)
        early, self._early = self._early, []
        for data in early:
            self.data_received(data)

    def _identified(self, identity: Identity) -> None:
        self.identity = identity
        self.server.clients.add(self)
        self.server._joined(self)

    def data_received(self, data: bytes) -> None:
        if self.closed:
            return
        if self.identity is None:
            self._early.append(data)
            if sum(len(d) for d in self._early) > self.server.max_frame:
                self.close()
            return
        try:
            frames = self.splitter.feed(data)
        except FrameOverflow as exc:
            self.server.stats.oversized += 1
            log.warning(
                "tak: closing %s: %s over the %d-byte limit", self.peer, exc, self.server.max_frame
            )
            self.close()
            return
        for frame in frames:
            if self.gone:
                return
            if not self._take_token():
                continue
            self.server._frame(self, frame)

    def _take_token(self) -> bool:
        rate = self.server.max_rate
        if rate <= 0:
            return True
        now = time.monotonic()
        self._tokens = min(rate * 2.0, self._tokens + (now - self._refill) * rate)
        self._refill = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        self.server.stats.flood_dropped += 1
        if now - self._flood_logged > 10.0:
            self._flood_logged = now
            log.warning("tak: %s sends more than %d frames/s; dropping the excess", self.peer, rate)
        return False

    @property
    def gone(self) -> bool:
        return self.closed

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.queue.clear()
        self.server._left(self)

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        queue = self.queue
        while queue and not self.paused and not self.closed:
            self._write(queue.popleft())

    # -- sending ---------------------------------------------------------------------
    def _write(self, out: Out) -> None:
        assert self.transport is not None
        self.transport.write(out.proto() if self.proto else out.xml)
        self.server.stats.delivered += 1

    def send(self, out: Out) -> None:
        if self.closed:
            return
        if not self.paused and not self.queue:
            self._write(out)
            return
        if len(self.queue) >= self.server.queue_limit and not self._drop_a_position():
            self.server.stats.slow_disconnects += 1
            log.warning(
                "tak: disconnecting %s: its queue is full of messages that are "
                "never dropped (chat, tasks)",
                self.peer,
            )
            self.close()
            return
        self.queue.append(out)

    def _drop_a_position(self) -> bool:
        for i, queued in enumerate(self.queue):
            if queued.kind is Kind.POSITION:
                del self.queue[i]
                self.dropped_positions += 1
                self.server.stats.dropped_positions += 1
                return True
        return False

    def switch_to_proto(self) -> None:
        """TAK protocol v1 from now on, both ways."""
        self.proto = True
        self.splitter = ProtoFrameSplitter(self.server.max_frame)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class TakServer:
    def __init__(
        self,
        *,
        identify: Callable[[bytes], Awaitable[Identity | None]] | None = None,
        on_event: Callable[[TakClient, cot.CotEvent, Out], None] | None = None,
        on_join: Callable[[TakClient], None] | None = None,
        anonymous_identity: Identity = ANONYMOUS,
        max_frame: int = 262_144,
        max_rate: int = 200,
        queue_limit: int = 2_000,
        write_high_water: int = 256 * 1024,
        offer_protocol: bool = True,
    ) -> None:
        self.identify = identify or _refuse
        self.on_event = on_event
        self.on_join = on_join
        #: other gateways (``adapters/tak/relay.py``): every relayed frame is also given here
        self.peers: Callable[[bytes, Resource | None, bool, str | None], None] | None = None
        self.anonymous_identity = anonymous_identity
        self.max_frame = max_frame
        self.max_rate = max_rate
        self.queue_limit = queue_limit
        self.write_high_water = write_high_water
        self.offer_protocol = offer_protocol
        self.clients: set[TakClient] = set()
        self.sa: dict[str, _Sa] = {}
        self.stats = Stats()
        self._ids = itertools.count(1)
        self._servers: list[asyncio.Server] = []
        self._tasks: set[asyncio.Task[Any]] = set()

    async def listen(self, host: str, port: int, *, tls: ssl.SSLContext | None = None) -> int:
        """Start listening; returns the bound port (``port`` 0: a free one)."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: TakClient(self, tls is not None), host, port, ssl=tls, backlog=1024
        )
        self._servers.append(server)
        bound: int = server.sockets[0].getsockname()[1]
        log.info("tak: listening on %s:%d (%s)", host, bound, "tls" if tls else "tcp")
        return bound

    async def close(self) -> None:
        for server in self._servers:
            server.close()
        for client in list(self.clients):
            client.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 2.0)
        for task in list(self._tasks):
            task.cancel()

    # -- membership ----------------------------------------------------------------------
    def _joined(self, client: TakClient) -> None:
        now = datetime.now(UTC)
        if self.offer_protocol:
            client.send(Out(cot.protocol_support(now), Kind.OTHER))
        ident = client.identity
        receiver = ident.principal if ident else None
        wall = time.time()
        for uid, entry in list(self.sa.items()):
            if entry.stale < wall:
                del self.sa[uid]
            elif self._visible(receiver, entry.sender, entry.anonymous):
                client.send(entry.out)
        if self.on_join is not None:
            self.on_join(client)

    def _left(self, client: TakClient) -> None:
        if client not in self.clients:
            return
        self.clients.discard(client)
        log.info(
            "tak: %s (%s) disconnected; %d position updates were dropped for it",
            client.peer,
            client.callsign or "no callsign",
            client.dropped_positions,
        )

    @staticmethod
    def _visible(receiver: Principal | None, sender: Resource | None, anonymous: bool) -> bool:
        return may_receive_from(receiver, None if anonymous else sender)

    # -- inbound -------------------------------------------------------------------------
    def _frame(self, client: TakClient, frame: bytes) -> None:
        self.stats.frames_in += 1
        try:
            if client.proto:
                frame = xml_from_proto(frame)
            event = parse_event(frame)
        except (cot.CotError, ValueError) as exc:
            self.stats.bad_frames += 1
            log.warning("tak: dropped a frame from %s: %s", client.peer, exc)
            return
        now = datetime.now(UTC)
        if event.is_ping:
            client.send(Out(cot.pong(now), Kind.OTHER))
            return
        if event.type == cot.PROTO_QUERY:
            self._protocol_request(client, frame, now)
            return
        out = Out(frame, Kind.POSITION if event.is_position else Kind.OTHER)
        if event.is_position:
            self._remember_sa(client, event, out)
        elif event.is_disconnect and client.uid is not None and event.uid == client.uid:
            self.sa.pop(client.uid, None)
        self.relay(client, event, out)
        if self.on_event is not None:
            try:
                self.on_event(client, event, out)
            except Exception:
                log.exception("tak: the bridge failed on an event from %s", client.peer)

    def _protocol_request(self, client: TakClient, frame: bytes, now: datetime) -> None:
        ok = _WANTS_V1.search(frame) is not None
        client.send(Out(cot.protocol_response(now, ok), Kind.OTHER))
        if ok:
            client.switch_to_proto()

    def _remember_sa(self, client: TakClient, event: cot.CotEvent, out: Out) -> None:
        if client.uid is None or client.uid == event.uid:
            client.uid = event.uid
            client.callsign = event.callsign
        stale = event.stale.timestamp() if event.stale else time.time() + 300
        ident = client.identity or ANONYMOUS
        self.sa[event.uid] = _Sa(out, ident.resource, ident.principal is None, stale)

    def relay(self, sender: TakClient, event: cot.CotEvent, out: Out) -> None:
        """Send a client's event to the others that may receive it (never back), here and
        through the other gateways."""
        ident = sender.identity or ANONYMOUS
        anonymous = ident.principal is None
        self._deliver(sender, None, event, out, ident.resource, anonymous)
        if self.peers is not None:
            self.peers(out.xml, ident.resource, anonymous, sender.uid)

    def remote_frame(
        self, frame: bytes, sender: Resource | None, anonymous: bool, sender_uid: str | None
    ) -> None:
        """A frame another gateway's device sent: the same rules as for a device here
        (remembered as an SA, forgotten on its ``t-x-d-d``; directed or to all allowed;
        never to a device with the sender's uid). Not handed to the bridge: the origin
        gateway did that."""
        self.stats.remote_in += 1
        try:
            event = parse_event(frame)
        except (cot.CotError, ValueError) as exc:
            self.stats.remote_bad += 1
            log.warning("tak: dropped a frame from another gateway: %s", exc)
            return
        if event.is_ping or event.type == cot.PROTO_QUERY:
            return
        out = Out(frame, Kind.POSITION if event.is_position else Kind.OTHER)
        if event.is_position:
            stale = event.stale.timestamp() if event.stale else time.time() + 300
            self.sa[event.uid] = _Sa(out, sender, anonymous, stale)
        elif event.is_disconnect and sender_uid is not None and event.uid == sender_uid:
            self.sa.pop(sender_uid, None)
        self._deliver(None, sender_uid, event, out, sender, anonymous)

    def _deliver(
        self,
        sender: TakClient | None,
        sender_uid: str | None,
        event: cot.CotEvent,
        out: Out,
        resource: Resource | None,
        anonymous: bool,
    ) -> None:
        targets: Iterable[TakClient] = self.clients
        if event.is_directed:
            targets = self.addressed(event.dest_callsigns, event.dest_uids)
        for client in targets:
            if client is sender or client.closed:
                continue
            if sender_uid is not None and client.uid == sender_uid:
                continue
            receiver = client.identity.principal if client.identity else None
            if self._visible(receiver, resource, anonymous):
                client.send(out)

    def addressed(self, callsigns: Iterable[str], uids: Iterable[str]) -> list[TakClient]:
        names = set(callsigns)
        ids = set(uids)
        return [c for c in self.clients if c.callsign in names or c.uid in ids]

    # -- outbound from the bridge ----------------------------------------------------------
    def publish(self, out: Out, may_see: Callable[[Principal], bool]) -> None:
        """Send a message of Marchwarden's to every bound client whose account may see it."""
        seen: dict[tuple[Any, Any], bool] = {}
        for client in self.clients:
            ident = client.identity
            if client.closed or ident is None or ident.principal is None:
                continue
            p = ident.principal
            key = (p.role, p.scope)
            ok = seen.get(key)
            if ok is None:
                ok = seen[key] = may_see(p)
            if ok:
                client.send(out)

    def cut(self, *, user_id: int | None = None, cert_serial: str | None = None) -> int:
        """Close the connections of an account or of one certificate; how many."""
        n = 0
        for client in list(self.clients):
            ident = client.identity
            if ident is None:
                continue
            if (user_id is not None and ident.user_id == user_id) or (
                cert_serial is not None and ident.cert_serial == cert_serial
            ):
                log.info(
                    "tak: cutting %s (user %s, certificate %s)",
                    client.peer,
                    ident.user_id,
                    ident.cert_serial,
                )
                client.close()
                n += 1
        return n


async def _refuse(der: bytes) -> Identity | None:
    return None


def _keepalive(sock: socket.socket | None) -> None:
    """TCP keepalive (the kernel's, no timer of ours): a phone that vanished without a FIN
    (out of coverage, battery) is noticed after about 2 minutes of silence and dropped."""
    if sock is None:
        return
    with contextlib.suppress(OSError, AttributeError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 60)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 15)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4)
