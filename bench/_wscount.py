"""A minimal WebSocket reader for benchmarks: connects, then only counts how often a
marker occurs in the messages it receives (no JSON parsing, one ``asyncio.Protocol``
per connection), so that a thousand subscribers cost the benchmark machine little of
what the server under test needs. It is not a general client: it reads what a server
sends (unmasked frames, RFC 6455), answers pings, and inflates permessage-deflate
(RFC 7692) when the server accepts the offer, so that the server does the same work as
for a browser. Bench use only; tests use real clients (websockets, Playwright).
"""

from __future__ import annotations

import asyncio
import base64
import os
import struct
import zlib
from urllib.parse import urlsplit

_TAIL = b"\x00\x00\xff\xff"


class HandshakeFailed(RuntimeError):
    pass


class CountingSocket(asyncio.Protocol):
    """Counts ``marker`` in every text message; ``closed`` once the server closes."""

    def __init__(self, marker: bytes, counts: dict[str, int]) -> None:
        self.marker = marker
        self.counts = counts
        self.buf = bytearray()
        self.handshaken: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.transport: asyncio.Transport | None = None
        self.inflate: zlib._Decompress | None = None
        self.fresh_context = False
        self.parts: list[bytes] = []
        self.compressed = False
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.handshaken.done():
            self.handshaken.set_exception(HandshakeFailed(f"connection lost: {exc}"))
        if not self.closed:
            self.closed = True
            self.counts["closed"] += 1

    def data_received(self, data: bytes) -> None:
        self.buf += data
        if not self.handshaken.done():
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            del self.buf[: end + 4]
            if not head.startswith("HTTP/1.1 101"):
                self.handshaken.set_exception(HandshakeFailed(head.split("\r\n", 1)[0]))
                return
            extensions = [
                line.split(":", 1)[1].strip().lower()
                for line in head.split("\r\n")[1:]
                if line.lower().startswith("sec-websocket-extensions:")
            ]
            if any(e.startswith("permessage-deflate") for e in extensions):
                self.inflate = zlib.decompressobj(-15)
                self.fresh_context = any("server_no_context_takeover" in e for e in extensions)
            self.handshaken.set_result(None)
        self._frames()

    def _frames(self) -> None:
        buf = self.buf
        while len(buf) >= 2:
            b0, b1 = buf[0], buf[1]
            n = b1 & 0x7F
            at = 2
            if n == 126:
                if len(buf) < 4:
                    return
                n = struct.unpack_from("!H", buf, 2)[0]
                at = 4
            elif n == 127:
                if len(buf) < 10:
                    return
                n = struct.unpack_from("!Q", buf, 2)[0]
                at = 10
            if b1 & 0x80:  # a server never masks; skip the key if one did
                at += 4
            if len(buf) < at + n:
                return
            payload = bytes(buf[at : at + n])
            del buf[: at + n]
            self._frame(b0, payload)

    def _frame(self, b0: int, payload: bytes) -> None:
        opcode = b0 & 0x0F
        if opcode == 0x9:  # ping: answer with a masked pong of the same payload
            self._send(0xA, payload)
            return
        if opcode == 0x8:
            self.closed = True
            self.counts["closed"] += 1
            if self.transport is not None:
                self.transport.close()
            return
        if opcode in (0x1, 0x2):
            self.parts = [payload]
            self.compressed = bool(b0 & 0x40)
        elif opcode == 0x0:
            self.parts.append(payload)
        else:
            return
        if not b0 & 0x80:  # not the last fragment yet
            return
        message = b"".join(self.parts)
        self.parts = []
        if self.compressed and self.inflate is not None:
            if self.fresh_context:
                self.inflate = zlib.decompressobj(-15)
            message = self.inflate.decompress(message + _TAIL)
        self.counts["all"] += message.count(self.marker)

    def close(self) -> None:
        """Close from this side (not counted as closed by the server)."""
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(bytes([0x80 | opcode, 0x80 | len(payload)]) + mask + masked)


async def connect_counting(
    url: str, marker: bytes, counts: dict[str, int], *, deflate: bool = True
) -> CountingSocket:
    """Open ``url`` (ws://host:port/path?query) and count ``marker`` in what arrives."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    key = base64.b64encode(os.urandom(16)).decode()
    loop = asyncio.get_running_loop()
    _, proto = await loop.create_connection(lambda: CountingSocket(marker, counts), host, port)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    offer = "Sec-WebSocket-Extensions: permessage-deflate\r\n" if deflate else ""
    assert proto.transport is not None
    proto.transport.write(
        (
            f"GET {target} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            f"Sec-WebSocket-Version: 13\r\n{offer}\r\n"
        ).encode()
    )
    await proto.handshaken
    return proto
