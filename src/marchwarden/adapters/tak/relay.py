"""Device-to-device traffic across gateways: several ``marchwarden tak serve`` processes
on one NATS relay each other's raw CoT.

Every frame a gateway relays to its own devices (a device's SA, GeoChat, markers,
``<marti><dest>`` messages, deletions) is also published on ``marchwarden.tak.relay``
with the origin gateway's id, what the sender's traffic counts as for access (its
account's unit; nothing for a device no account vouches for) and the sender's uid. Every
other gateway hands it to ``TakServer.remote_frame``, which applies the same visibility
rule and no-echo rule as for a local sender. A gateway skips its own messages (and NATS
does not send them back: ``no_echo``).

Nothing here is stored: a gateway that is down or cut off from NATS misses what was sent
meanwhile, as a device that was offline does (the latest positions are replayed when a
device joins, from what this gateway has seen). NATS is trusted as the bus is: whoever may
publish there may speak for any device.

Publishing is batched: frames relayed in one turn of the event loop go out in one write.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import nats

from marchwarden.core.access.model import Resource

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("marchwarden.tak")

SUBJECT = "marchwarden.tak.relay"


@dataclass(frozen=True, slots=True)
class RemoteFrame:
    """A frame relayed by another gateway."""

    origin: str
    frame: bytes
    sender: Resource | None
    anonymous: bool
    sender_uid: str | None


def encode(
    origin: str, frame: bytes, sender: Resource | None, anonymous: bool, sender_uid: str | None
) -> bytes:
    """One JSON line (origin, sender, uid), then the frame's XML as sent."""
    head = {
        "o": origin,
        "a": anonymous,
        "u": sender_uid,
        "r": None if sender is None else _resource_json(sender),
    }
    return json.dumps(head, separators=(",", ":")).encode() + b"\n" + frame


def decode(data: bytes) -> RemoteFrame:
    """The inverse of ``encode``; ``ValueError`` on anything else."""
    head_bytes, sep, frame = data.partition(b"\n")
    if not sep or not frame:
        raise ValueError("no frame after the header")
    try:
        head = json.loads(head_bytes)
        origin = str(head["o"])
        uid = head.get("u")
        r = head.get("r")
        sender = None if r is None else _resource_from_json(r)
        return RemoteFrame(
            origin, frame, sender, bool(head["a"]), None if uid is None else str(uid)
        )
    except (KeyError, TypeError, AttributeError, json.JSONDecodeError) as exc:
        raise ValueError(f"bad relay header: {exc}") from exc


def _resource_json(r: Resource) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "region": r.region,
        "agencies": sorted(r.agencies),
        "unit_paths": sorted(r.unit_paths),
        "owner_id": r.owner_id,
        "extra": [list(pair) for pair in r.extra],
    }


def _resource_from_json(d: dict[str, Any]) -> Resource:
    region = d.get("region")
    owner = d.get("owner_id")
    return Resource(
        kind=str(d["kind"]),
        region=None if region is None else str(region),
        agencies=frozenset(int(a) for a in d.get("agencies", ())),
        unit_paths=frozenset(str(p) for p in d.get("unit_paths", ())),
        owner_id=None if owner is None else int(owner),
        extra=tuple((str(k), str(v)) for k, v in d.get("extra", ())),
    )


class NatsRelay:
    """Publishes this gateway's relayed frames and receives the other gateways'."""

    def __init__(self, url: str, subject: str = SUBJECT) -> None:
        self.url = url
        self.subject = subject
        self.origin = uuid.uuid4().hex
        self.published = 0
        self.received = 0
        self.bad = 0
        self._nc: Any = None
        self._pending: list[bytes] = []
        self._flushing = False
        self._tasks: set[asyncio.Task[Any]] = set()

    async def start(self, on_frame: Callable[[RemoteFrame], None]) -> None:
        self._nc = await nats.connect(
            self.url,
            name="marchwarden-tak-relay",
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            no_echo=True,
        )

        async def handler(msg: Any) -> None:
            try:
                remote = decode(msg.data)
            except ValueError as exc:
                self.bad += 1
                log.warning("tak relay: dropped a malformed message on %s: %s", self.subject, exc)
                return
            if remote.origin == self.origin:
                return
            self.received += 1
            on_frame(remote)

        await self._nc.subscribe(self.subject, cb=handler, pending_msgs_limit=1_000_000)
        await self._nc.flush()
        log.info("tak relay: gateway %s on %s", self.origin, self.subject)

    def publish(
        self, frame: bytes, sender: Resource | None, anonymous: bool, sender_uid: str | None
    ) -> None:
        """Queue a frame for the other gateways (sent at the end of this loop turn)."""
        if self._nc is None:
            return
        self._pending.append(encode(self.origin, frame, sender, anonymous, sender_uid))
        if not self._flushing:
            self._flushing = True
            task = asyncio.get_running_loop().create_task(self._send())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _send(self) -> None:
        try:
            while self._pending and self._nc is not None:
                batch, self._pending = self._pending, []
                for data in batch:
                    await self._nc.publish(self.subject, data)
                self.published += len(batch)
        except Exception:
            log.exception("tak relay: could not publish to %s", self.url)
            self._pending.clear()
        finally:
            self._flushing = False

    async def stop(self) -> None:
        nc, self._nc = self._nc, None
        if nc is not None:
            with contextlib.suppress(Exception):
                await nc.drain()
