"""TAK protocol v1 "streaming" framing: ``0xbf``, a varint length, a ``TakMessage``.

``takproto`` supplies the protobuf classes and the XML → protobuf conversion (run only on
XML that ``cotxml.parse_event`` has already accepted). The way back (protobuf →
XML, for the parser and for XML clients) is here: the strongly typed fields become their
XML elements and ``xmlDetail`` is placed inside ``<detail>`` — the result then goes through
the same safe parser as any XML frame.
"""

from __future__ import annotations

from datetime import UTC, datetime
from xml.sax.saxutils import quoteattr

import takproto
from google.protobuf.message import DecodeError
from takproto.proto import TakMessage

from marchwarden.adapters.tak.framing import FrameOverflow

MAGIC = 0xBF


def to_proto(xml: bytes) -> bytes:
    """A v1 stream frame for a CoT XML event."""
    return bytes(takproto.xml2proto(xml, takproto.TAKProtoVer.STREAM))


def _varint(buf: bytearray | bytes, pos: int) -> tuple[int, int] | None:
    """(value, next position), or None when the varint is not complete yet."""
    value = shift = 0
    while pos < len(buf):
        byte = buf[pos]
        value |= (byte & 0x7F) << shift
        pos += 1
        if not byte & 0x80:
            return value, pos
        shift += 7
        if shift > 63:
            raise ValueError("varint longer than 64 bits")
    return None


def encode_varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


class ProtoFrameSplitter:
    """The payloads (``TakMessage`` bytes, magic and length stripped) of a v1 stream."""

    def __init__(self, max_frame: int = 262_144) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        buf = self._buf
        buf += data
        frames: list[bytes] = []
        while buf:
            if buf[0] != MAGIC:
                del buf[:]
                raise FrameOverflow("a TAK protocol v1 frame that does not start with 0xbf")
            try:
                got = _varint(buf, 1)
            except ValueError as exc:
                del buf[:]
                raise FrameOverflow(str(exc)) from None
            if got is None:
                break
            size, start = got
            if size > self.max_frame:
                del buf[:]
                raise FrameOverflow(f"a frame of {size} bytes")
            if len(buf) < start + size:
                break
            frames.append(bytes(buf[start : start + size]))
            del buf[: start + size]
        return frames


def _ms(value: int) -> str:
    return datetime.fromtimestamp(value / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def xml_from_proto(payload: bytes) -> bytes:
    """The CoT XML of a ``TakMessage`` (``ValueError`` when it is not one)."""
    msg = TakMessage()
    try:
        msg.ParseFromString(payload)
    except DecodeError as exc:
        raise ValueError(f"not a TakMessage: {exc}") from None
    if not msg.HasField("cotEvent"):
        raise ValueError("a TakMessage without a cotEvent")
    ev = msg.cotEvent
    d = ev.detail
    parts: list[str] = []
    if d.HasField("contact"):
        endpoint = f" endpoint={quoteattr(d.contact.endpoint)}" if d.contact.endpoint else ""
        parts.append(f"<contact callsign={quoteattr(d.contact.callsign)}{endpoint}/>")
    if d.HasField("group"):
        parts.append(f"<__group name={quoteattr(d.group.name)} role={quoteattr(d.group.role)}/>")
    if d.HasField("status"):
        parts.append(f'<status battery="{int(d.status.battery)}"/>')
    if d.HasField("takv"):
        t = d.takv
        parts.append(
            f"<takv device={quoteattr(t.device)} platform={quoteattr(t.platform)}"
            f" os={quoteattr(t.os)} version={quoteattr(t.version)}/>"
        )
    if d.HasField("track"):
        parts.append(f'<track speed="{d.track.speed!r}" course="{d.track.course!r}"/>')
    if d.HasField("precisionLocation"):
        p = d.precisionLocation
        parts.append(
            f"<precisionlocation geopointsrc={quoteattr(p.geopointsrc)}"
            f" altsrc={quoteattr(p.altsrc)}/>"
        )
    parts.append(d.xmlDetail)
    xml = (
        f'<event version="2.0" uid={quoteattr(ev.uid)} type={quoteattr(ev.type)}'
        f' how={quoteattr(ev.how)} time="{_ms(ev.sendTime)}" start="{_ms(ev.startTime)}"'
        f' stale="{_ms(ev.staleTime)}">'
        f'<point lat="{ev.lat!r}" lon="{ev.lon!r}" hae="{ev.hae!r}" ce="{ev.ce!r}"'
        f' le="{ev.le!r}"/><detail>{"".join(parts)}</detail></event>'
    )
    return xml.encode()
