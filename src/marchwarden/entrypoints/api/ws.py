"""``/api/v1/stream``: the live event stream over WebSocket.

Authenticate with ``?token=<bearer token>`` (browsers cannot set headers on a WebSocket).
Resume with ``?last_event_id=N``: every event after N that the caller may see is sent
first, in order, then live events. Each message is a JSON object
``{"id": N, "type": "...", "at": "...", "data": {...}}``. With ``?batch=1`` each message is
instead a JSON array of such objects, every event waiting at that moment, oldest first,
and of a unit's positions waiting only its newest (``UnitPositionUpdated``; the history
is in the store): a consumer of many unit positions, such as a map of thousands of
devices, gets one message per wake-up instead of one per event. With ``?batch=1&compact=1``
each unit position in that array is the row ``[id, unit_id, lon, lat, at]`` (``at``: the
position's own time, the message's ``data.at``) instead of its object, a quarter of the
bytes; every other event stays an object. Close codes: 4401 bad or expired token (or the
account was disabled), 4403 role may not subscribe, 4400 a bad ``last_event_id`` (or a
NUL in the query, or ``compact`` without ``batch``), 4408 the client fell too far behind
(reconnect with its last event id). Refusals come after the handshake: the socket is accepted, then
closed with the code.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from marchwarden.core.access.policy import Action, decide
from marchwarden.core.errors import Unauthenticated
from marchwarden.entrypoints.api.schemas.types import MAX_ID
from marchwarden.services import accounts
from marchwarden.services.context import Services
from marchwarden.services.stream import StreamHub

router = APIRouter()

RECHECK_SECONDS = 30.0
#: the most events in one message of a batched stream
BATCH_MOST = 5000


@router.websocket("/stream")
async def stream(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    hub: StreamHub = websocket.app.state.hub
    token = websocket.query_params.get("token", "")
    raw_last = websocket.query_params.get("last_event_id")
    batched = websocket.query_params.get("batch") in ("1", "true")
    compact = websocket.query_params.get("compact") in ("1", "true")
    # every refusal is a close with the documented code after the handshake (a close
    # before it would be an HTTP 403 that a browser cannot tell apart)
    await websocket.accept()
    try:
        principal = await hub.run_io(accounts.authenticate, services, token)
    except Unauthenticated as exc:
        await websocket.close(code=4401, reason=exc.detail[:120])
        return
    websocket.state.username = principal.username
    if not decide(principal, Action.STREAM_SUBSCRIBE).allowed:
        await websocket.close(code=4403, reason="this role may not subscribe to the stream")
        return
    if compact and not batched:
        await websocket.close(code=4400, reason="compact=1 needs batch=1")
        return
    last_event_id: int | None = None
    if raw_last not in (None, ""):
        try:
            last_event_id = int(str(raw_last))
            if not 0 <= last_event_id <= MAX_ID:
                raise ValueError
        except ValueError:
            await websocket.close(
                code=4400, reason=f"last_event_id must be a whole number from 0 to {MAX_ID}"
            )
            return
    sub = await hub.subscribe(principal, last_event_id)
    catch_up = asyncio.create_task(hub.catch_up(sub))

    async def still_valid() -> None:
        while True:
            await asyncio.sleep(RECHECK_SECONDS)
            try:
                await hub.run_io(accounts.authenticate, services, token)
            except Unauthenticated:
                sub.close()
                return

    checker = asyncio.create_task(still_valid())

    async def drain_incoming() -> None:
        # the client sends nothing we act on; reading notices a disconnect
        with contextlib.suppress(WebSocketDisconnect, RuntimeError):
            while True:
                await websocket.receive_text()
        sub.close()

    reader = asyncio.create_task(drain_incoming())
    try:
        # no per-message timer or task: one future per wake-up, then every waiting event
        send = websocket.send_text
        while True:
            await sub.wait()
            if sub.closed:
                break
            if sub.overflowed:
                await websocket.close(code=4408, reason="fell behind; reconnect with last_event_id")
                return
            if batched:
                # built once for every subscriber that was handed the same events
                await send(sub.take_batch(BATCH_MOST, compact=compact))
                continue
            for item in sub.take():
                # serialised once per event, not once per subscriber
                await send(item.message_json)
        if checker.done() or sub.revoked:
            with contextlib.suppress(RuntimeError):
                await websocket.close(code=4401, reason="the token is no longer valid")
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sub)
        for task in (catch_up, checker, reader):
            task.cancel()
