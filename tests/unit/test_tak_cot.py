"""CoT parsing, framing (Hypothesis-fuzzed), TAK protocol v1 framing, symbols, access."""

from __future__ import annotations

import contextlib
import itertools
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from marchwarden.adapters.tak.cotxml import parse_event
from marchwarden.adapters.tak.framing import FrameOverflow, XmlFrameSplitter
from marchwarden.adapters.tak.proto import ProtoFrameSplitter, to_proto, xml_from_proto
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.forces.model import unit_resource
from marchwarden.core.tak import cot
from marchwarden.core.tak.access import may_receive_from
from marchwarden.core.tak.symbols import unit_type

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)

SA = (
    b'<?xml version="1.0"?><event version="2.0" uid="A-1" type="a-f-G-U-C" how="m-g" '
    b'time="2026-12-05T12:00:00Z" start="2026-12-05T12:00:00Z" stale="2026-12-05T12:05:00Z">'
    b'<point lat="50.6" lon="36.6" hae="0" ce="10" le="10"/><detail><contact callsign="ALPHA"/>'
    b'<marti><dest callsign="BRAVO"/><dest uid="C-1"/></marti><remarks> hi </remarks></detail>'
    b"</event>"
)


def test_parse_reads_what_routing_and_the_bridge_need() -> None:
    ev = parse_event(SA)
    assert (ev.uid, ev.type, ev.callsign, ev.remarks) == ("A-1", "a-f-G-U-C", "ALPHA", "hi")
    assert (ev.lat, ev.lon, ev.ce) == (50.6, 36.6, 10.0)
    assert ev.dest_callsigns == ("BRAVO",) and ev.dest_uids == ("C-1",)
    assert ev.is_position and ev.is_directed and not ev.is_chat
    assert ev.stale == datetime(2026, 12, 5, 12, 5, tzinfo=UTC)


@pytest.mark.parametrize(
    ("frame", "why"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "b">]><event uid="x" type="a"/>', "markup declarations"),
        (b"<event uid='x' type='a'><unclosed></event>", "malformed XML"),
        (b"<other uid='x' type='a'/>", "not <event>"),
        (b"<event type='a'/>", "uid"),
        (b"<event uid='x'/>", "type"),
        (b"<event uid='x' type='a'><point lat='91' lon='0'/></event>", "lat must be"),
        (b"<event uid='x' type='a'><point lat='nan' lon='0'/></event>", "finite"),
        (b"<event uid='x' type='a' time='yesterday'/>", "ISO 8601"),
        (b'<event uid="x" type="a"><detail>&ext;</detail></event>', "malformed XML"),
    ],
)
def test_bad_frames_are_refused_with_the_reason(frame: bytes, why: str) -> None:
    with pytest.raises(cot.CotError, match=why):
        parse_event(frame)


def test_built_events_parse_back() -> None:
    chat = cot.geochat(
        message_id="m1",
        sender_uid="hq",
        sender_callsign="HQ",
        to_uid="A-1",
        to_callsign="ALPHA",
        text="go <now> & report",
        now=NOW,
    )
    ev = parse_event(chat)
    assert ev.is_chat and ev.chat is not None and ev.chat.text == "go <now> & report"
    assert ev.dest_callsigns == ("ALPHA",)
    assert parse_event(cot.pong(NOW)).type == cot.PONG
    assert parse_event(cot.delete("mw.unit.1", NOW)).type == "t-x-d-d"


def test_splitter_handles_partial_frames_and_garbage() -> None:
    s = XmlFrameSplitter()
    assert s.feed(b"junk\n" + SA[:3]) == []
    assert s.feed(SA[3:40]) == []  # an event split mid-attribute
    frames = s.feed(SA[40:] + b"\r\n  " + SA + b"<ev")
    assert frames == [SA, SA]
    assert s.pending == 3
    assert s.garbage == len(b"junk\n") + len(b"\r\n  ")


def test_splitter_refuses_an_endless_frame() -> None:
    s = XmlFrameSplitter(max_frame=1024)
    with pytest.raises(FrameOverflow):
        s.feed(b"<event uid='x' type='a'>" + b"A" * 2000)
    assert s.pending == 0  # and it can go on (the server closes the connection anyway)


@settings(max_examples=300, deadline=None)
@given(
    chunks=st.lists(st.integers(min_value=1, max_value=97), min_size=1, max_size=40),
    garbage=st.lists(st.binary(max_size=30).filter(lambda b: b"<" not in b), max_size=4),
    count=st.integers(min_value=1, max_value=4),
)
def test_fuzz_any_split_and_garbage_yields_the_same_frames(
    chunks: list[int], garbage: list[bytes], count: int
) -> None:
    stream = b"".join((garbage[i] if i < len(garbage) else b"") + SA for i in range(count))
    s = XmlFrameSplitter()
    out: list[bytes] = []
    pos = 0
    i = 0
    while pos < len(stream):
        step = chunks[i % len(chunks)]
        out += s.feed(stream[pos : pos + step])
        pos += step
        i += 1
    assert out == [SA] * count
    assert all(parse_event(f).uid == "A-1" for f in out)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=600), cuts=st.lists(st.integers(0, 600), max_size=6))
def test_fuzz_arbitrary_bytes_never_crash_the_splitter_or_parser(
    data: bytes, cuts: list[int]
) -> None:
    s = XmlFrameSplitter(max_frame=256)
    bounds = sorted({0, len(data), *(c for c in cuts if c < len(data))})
    for a, b in itertools.pairwise(bounds):
        try:
            frames = s.feed(data[a:b])
        except FrameOverflow:
            continue
        for f in frames:
            assert f.endswith(b"</event>") and len(f) <= 256
            with contextlib.suppress(cot.CotError):
                parse_event(f)


def test_protocol_v1_frames_round_trip() -> None:
    frame = to_proto(SA)
    assert frame[0] == 0xBF
    s = ProtoFrameSplitter()
    payloads = s.feed(frame[:3]) + s.feed(frame[3:] + frame)
    assert len(payloads) == 2
    back = parse_event(xml_from_proto(payloads[0]))
    assert (back.uid, back.type, back.callsign, back.lat) == ("A-1", "a-f-G-U-C", "ALPHA", 50.6)
    with pytest.raises(FrameOverflow):
        ProtoFrameSplitter().feed(b"<event")


def test_unit_types_follow_the_agency_and_the_2525_function() -> None:
    assert unit_type("army", "company") == "a-f-G-U-C"
    assert unit_type("army", "armoured") == "a-f-G-U-C-A"
    assert unit_type("border_service", "outpost") == "a-f-G-U-U-L-B"
    assert unit_type("something new", "x") == "a-f-G-U"


def test_who_receives_another_devices_traffic() -> None:
    kursk = Principal(1, "k", Role.UNIT_COMMANDER, Scope.of_regions("RU-KRS"))
    belgorod_unit = unit_resource("RU-BEL", 2, "/5/")
    kursk_unit = unit_resource("RU-KRS", 3, "/6/")
    assert may_receive_from(kursk, kursk_unit)
    assert not may_receive_from(kursk, belgorod_unit)
    assert not may_receive_from(kursk, None)  # anonymous devices: not to a scoped account
    assert may_receive_from(None, None)
    assert not may_receive_from(None, kursk_unit)  # an account's device: not to anonymous
