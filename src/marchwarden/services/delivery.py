"""Webhook delivery of published CAP messages.

Publication queues one ``pending`` row per subscriber in its own transaction; this worker
(built by ``bootstrap.build_delivery_worker``, started and stopped by the app's lifespan)
takes the due rows, POSTs each message's CAP XML to its subscriber, signed, and records
the attempt. A failed attempt is retried after ``backoff · 2^(attempt-1)`` seconds up to
``webhook_max_attempts``; then the delivery is ``failed`` and, after
``webhook_failing_after`` such deliveries in a row, the subscriber is marked failing.
Sends run concurrently with a per-request timeout, so a slow or dead subscriber holds up
nobody else. The queue is in the database: a restart loses no delivery (one in flight
when the process dies is sent again: receivers deduplicate by the CAP identifier).

Signature: ``X-Marchwarden-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``
with ``X-Marchwarden-Timestamp: <unix seconds>``; a receiver recomputes it and rejects
old timestamps (replays).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import httpx

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.services.civil_ports import DueDelivery
    from marchwarden.services.context import Services

log = logging.getLogger("marchwarden.delivery")

SIGNATURE_HEADER = "X-Marchwarden-Signature"
TIMESTAMP_HEADER = "X-Marchwarden-Timestamp"


def sign(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


#: after a round that found nothing due, the worker looks again no sooner than this
#: (seconds), however often commits wake it: a published alert's webhooks leave within it
WAKE_GAP = 0.2


class DeliveryWorker:
    def __init__(self, services: Services, *, batch: int = 200) -> None:
        self.svc = services
        self.batch = batch
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._client: httpx.AsyncClient | None = None
        self._stopping = False

    # -- lifecycle (the lifespan calls these) --------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._client = httpx.AsyncClient(
            timeout=self.svc.settings.webhook_timeout_seconds, follow_redirects=False
        )
        self._task = asyncio.create_task(self._run(), name="webhook-delivery")

    async def stop(self) -> None:
        """Let the round under way finish (its store calls run in worker threads: a
        cancelled wait would leave them running while the store closes), then stop.
        A round takes at most the send timeout; past twice that it is cancelled."""
        self._stopping = True
        if self._wake is not None:
            self._wake.set()
        if self._task is not None:
            limit = self.svc.settings.webhook_timeout_seconds * 2 + 5
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                await asyncio.wait_for(self._task, timeout=limit)
        if self._client is not None:
            await self._client.aclose()

    def wake(self, _max_event_id: int = 0) -> None:
        """Called after a commit (from any thread): look at the queue now."""
        if self._loop is not None and self._wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop is closed
                self._loop.call_soon_threadsafe(self._wake.set)

    # -- the loop -------------------------------------------------------------------
    async def _run(self) -> None:
        assert self._wake is not None
        while not self._stopping:
            try:
                sent = await self.run_once()
            except Exception:  # the worker must outlive any one failure
                log.exception("webhook delivery round failed")
                sent = 0
            if sent or self._stopping:
                continue
            self._wake.clear()
            # a burst of commits (reports arriving at hundreds a second) wakes this worker
            # after each one; nothing was due just now, so look again at most every
            # WAKE_GAP seconds: a store read per group commit cost the ingest path ~2 %
            await asyncio.sleep(WAKE_GAP)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._wake.wait(), timeout=self.svc.settings.webhook_poll_seconds
                )

    async def run_once(self) -> int:
        """Send every due delivery once; how many were attempted."""
        due = await asyncio.to_thread(self._claim)
        if not due:
            return 0
        outcomes = await asyncio.gather(*(self._send(d) for d in due))
        await asyncio.to_thread(self._record, list(zip(due, outcomes, strict=True)))
        return len(due)

    def _claim(self) -> list[DueDelivery]:
        """The due rows, leased (``next_attempt_at`` moved past the send's timeout) so that
        a second round does not take them while they are in flight."""
        s = self.svc.settings
        now = self.svc.clock.now()
        with self.svc.db.unit_of_work(write=False) as uow:
            # the common case (nothing due) takes no write lock
            if not uow.webhooks.due(now, 1):
                return []
        lease = now + timedelta(seconds=s.webhook_timeout_seconds * 2 + 5)
        with self.svc.db.unit_of_work() as uow:
            due = uow.webhooks.due(now, self.batch)
            for d in due:
                uow.webhooks.record_attempt(
                    d.id,
                    status="pending",
                    attempts=d.attempts,
                    http_status=None,
                    error=None,
                    next_at=lease,
                    now=now,
                )
            uow.commit()
        return due

    async def _send(self, d: DueDelivery) -> tuple[int | None, str | None]:
        assert self._client is not None
        body = d.document.encode("utf-8")
        stamp = int(self.svc.clock.now().timestamp())
        headers = {
            "Content-Type": "application/cap+xml",
            TIMESTAMP_HEADER: str(stamp),
            SIGNATURE_HEADER: sign(d.secret, stamp, body),
            "X-Marchwarden-Delivery": str(d.id),
            "X-CAP-Identifier": d.identifier,
        }
        try:
            reply = await self._client.post(d.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"[:500]
        if 200 <= reply.status_code < 300:
            return reply.status_code, None
        return reply.status_code, f"HTTP {reply.status_code}"

    def _record(self, results: list[tuple[DueDelivery, tuple[int | None, str | None]]]) -> None:
        s = self.svc.settings
        now = self.svc.clock.now()
        with self.svc.db.unit_of_work() as uow:
            for d, (status, error) in results:
                attempts = d.attempts + 1
                ok = error is None
                gave_up = not ok and attempts >= s.webhook_max_attempts
                state = "delivered" if ok else ("failed" if gave_up else "pending")
                uow.webhooks.record_attempt(
                    d.id,
                    status=state,
                    attempts=attempts,
                    http_status=status,
                    error=error,
                    next_at=self._next(now, attempts),
                    now=now,
                )
                if ok or gave_up:
                    uow.webhooks.subscriber_outcome(
                        d.subscription_id, ok=ok, failing_after=s.webhook_failing_after
                    )
            uow.commit()

    def _next(self, now: datetime, attempts: int) -> datetime:
        delay = self.svc.settings.webhook_backoff_seconds * 2 ** (attempts - 1)
        return now + timedelta(seconds=delay)
