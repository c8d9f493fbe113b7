"""Pure ASGI middleware: request ids and access logs; the request guard (body size limit,
text that no store keeps)."""

from __future__ import annotations

import itertools
import json
import logging
import re
import time
import uuid
from typing import Any
from urllib.parse import unquote

from starlette.middleware.gzip import GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("marchwarden.access")

#: request ids: a random prefix per process and a counter (unique, 32 hex digits like a
#: UUID's, without a getrandom system call per request)
_ID_PREFIX = uuid.uuid4().hex[:22]
_ids = itertools.count(1)


class AccessLogMiddleware:
    """One JSON log line per request: request id, method, path (never the query string,
    which may carry a stream token), user, status, duration. Sets ``X-Request-ID``."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        request_id = ""
        for name, value in scope.get("headers", []):
            if name == b"x-request-id":
                request_id = value.decode("latin-1")[:64]
                break
        request_id = request_id or f"{_ID_PREFIX}{next(_ids):010x}"
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        started = time.perf_counter()
        status = 0

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message["headers"] = headers
            elif message["type"] == "websocket.accept":
                status = 101
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method", "WS"),
                    "path": scope.get("path"),
                    "user": state.get("username"),
                    "status": status or 500,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                    "client": (scope.get("client") or ("", 0))[0],
                },
            )


class RequestGuardMiddleware:
    """What every request must satisfy before any route sees it, refused with problem+json:

    - **size**: bodies over ``limit`` bytes (``upload_limit`` on paths ending ``/import``
      or ``/photos``)
      get 413, by Content-Length or while the body streams in (chunked bodies too);
    - **text both stores keep**: a NUL character or a lone UTF-16 surrogate in the path,
      the query string, a header, or a text body (raw, or as a JSON ``\\u`` escape; not
      a body declared ``image/*`` or ``application/octet-stream``) gets 422.
      SQLite stored NUL and PostgreSQL refused it with a 500; neither is ever data here.

    The body is read whole before the route runs (the routes read it whole anyway; it is
    bounded by the limit) and handed on unchanged."""

    def __init__(self, app: ASGIApp, *, limit: int, upload_limit: int) -> None:
        self.app = app
        self.limit = limit
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        where = _bad_text_outside_body(scope)
        if where is not None:
            await _refuse_text(scope, receive, send, where)
            return
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope.get("path", "")
        limit = self.upload_limit if path.endswith(("/import", "/photos")) else self.limit
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > limit or declared < 0:
                    await _too_large(send, limit)
                    return
        chunks: list[bytes] = []
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            received += len(chunk)
            if received > limit:
                await _too_large(send, limit)
                return
            if chunk:
                chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = chunks[0] if len(chunks) == 1 else b"".join(chunks)
        if _is_text(scope) and _has_bad_text(body):
            await _problem(send, 422, "invalid-text", "Text no store keeps", _TEXT_DETAIL % "body")
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


_TEXT_DETAIL = (
    "the request %s contains a NUL character (U+0000) or a lone UTF-16 surrogate, "
    "which no text field accepts; remove it"
)
#: a JSON escape of NUL or of a surrogate (the candidates; ``_has_bad_text`` decides)
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


#: bodies that are binary data, not text (photos): their bytes are checked by their parser
_BINARY_TYPES = (b"image/", b"application/octet-stream")


def _is_text(scope: Scope) -> bool:
    """Whether the body is text (JSON, CSV, XML, forms): anything but a declared binary
    type. A NUL byte is data in a JPEG, never in text."""
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return not value.lower().startswith(_BINARY_TYPES)
    return True


def _bad_string(text: str) -> bool:
    if "\x00" in text:
        return True
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return True
    return False


def _has_bad_text(body: bytes) -> bool:
    """Whether the body carries NUL or a lone surrogate: raw, or as JSON escapes (decoded
    to tell ``\\u0000`` from an escaped backslash followed by ``u0000``, and a lone
    surrogate from a valid pair)."""
    if b"\x00" in body:
        return True
    if _SUSPECT_ESCAPE.search(body) is None:
        return False
    try:
        decoded = json.loads(body)
    except ValueError:
        return False  # not JSON: the route's own parser reports it
    stack: list[Any] = [decoded]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _bad_string(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


def _bad_text_outside_body(scope: Scope) -> str | None:
    """Where a NUL or lone surrogate sits outside the body: path, query or a header."""
    if _bad_string(scope.get("path", "")):
        return "path"
    query: bytes = scope.get("query_string", b"")
    if query and (b"%00" in query or b"\x00" in query or (b"%" in query and _bad_query(query))):
        return "query string"
    for name, value in scope.get("headers", []):
        if b"\x00" in value:
            return "header " + bytes(name).decode("latin-1")
    return None


def _bad_query(query: bytes) -> bool:
    text = query.decode("latin-1")
    return any(_bad_string(unquote(v, errors="surrogatepass")) for v in text.split("&"))


async def _refuse_text(scope: Scope, receive: Receive, send: Send, where: str) -> None:
    if scope["type"] == "websocket":
        # a WebSocket is refused as ws.py documents: accepted, then closed with the code
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        await send({"type": "websocket.close", "code": 4400, "reason": f"bad text in the {where}"})
        return
    await _problem(send, 422, "invalid-text", "Text no store keeps", _TEXT_DETAIL % where)


async def _too_large(send: Send, limit: int) -> None:
    await _problem(
        send,
        413,
        "body-too-large",
        "Request body too large",
        f"the request body is larger than the limit of {limit} bytes",
    )


async def _problem(send: Send, status: int, code: str, title: str, detail: str) -> None:
    body: dict[str, Any] = {
        "type": "/problems/" + code,
        "title": title,
        "status": status,
        "detail": detail,
    }
    raw = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(raw)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": raw})


class CompressedReadsMiddleware:
    """Starlette's ``GZipMiddleware`` for the replies to reads (GET, HEAD) only: the large
    replies are reads (the unit and incident lists, the geodata, the page's modules), while
    the replies to writes are small and their path is the hottest (report ingest), so
    writes skip the middleware's work altogether. Bodies of 128 KiB and more are compressed
    in a worker thread (Starlette's choice), off the event loop."""

    def __init__(self, app: ASGIApp, *, level: int, minimum_size: int = 1024) -> None:
        self.app = app
        self.gzip = GZipMiddleware(app, minimum_size=minimum_size, compresslevel=level)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD"):
            await self.gzip(scope, receive, send)
        else:
            await self.app(scope, receive, send)
