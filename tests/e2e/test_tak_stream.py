"""The TAK gateway's CoT streaming on plain TCP, against a real ``marchwarden tak serve``
process, with pytak and raw stream clients: relay, no echo, ping, late-joiner replay,
directed delivery, GeoChat, disconnect, framing, and bad input."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.tak_support import (
    CotClient,
    GatewayProcess,
    at,
    event,
    gateway_env,
    sa,
    type_is,
    uid_is,
)

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture
def gateway(database_url: str, tmp_path: Path) -> Iterator[GatewayProcess]:
    env = gateway_env(
        database_url,
        tmp_path,
        MARCHWARDEN_TAK_CLIENT_MAX_RATE="50",
        MARCHWARDEN_TAK_MAX_FRAME_BYTES="65536",
    )
    gw = GatewayProcess(env, tmp_path / "gateway.log")
    gw.start()
    yield gw
    gw.stop()


def test_pytak_clients_relay_without_echo_with_ping_and_late_joiner_replay(
    gateway: GatewayProcess,
) -> None:
    url = f"tcp://127.0.0.1:{gateway.ports['tcp']}"

    async def scenario() -> None:
        alpha = await CotClient.pytak(url)
        bravo = await CotClient.pytak(url)
        await alpha.wait_for(type_is("t-x-takp-v"))  # the server offers protocol v1
        await alpha.send(sa("ALPHA-1", "ALPHA", 50.6, 36.6))
        got = await bravo.wait_for(uid_is("ALPHA-1"))
        assert got.find("detail/contact").get("callsign") == "ALPHA"  # type: ignore[union-attr]
        # a ping is answered to the sender only
        await bravo.send(event("takPing", "t-x-c-t"))
        await bravo.wait_for(type_is("t-x-c-t-r"))
        # a late joiner gets every client's latest SA at once
        await alpha.send(sa("ALPHA-1", "ALPHA", 50.7, 36.7))
        await bravo.wait_for(at("ALPHA-1", "50.7"))
        charlie = await CotClient.pytak(url)
        late = await charlie.wait_for(uid_is("ALPHA-1"))
        assert late.find("point").get("lat") == "50.7"  # type: ignore[union-attr]
        await alpha.settle(0.5)
        # never an echo, and nobody else got the ping or its answer
        assert "ALPHA-1" not in alpha.uids()
        assert alpha.uids("t-x-c-t") == [] and alpha.uids("t-x-c-t-r") == []
        for c in (alpha, bravo, charlie):
            await c.close()

    asyncio.run(scenario())


def test_directed_messages_geochat_and_disconnect(gateway: GatewayProcess) -> None:
    port = gateway.ports["tcp"]

    async def scenario() -> None:
        a, b, c = [await CotClient.connect(port) for _ in range(3)]
        await a.send(sa("A", "ALPHA"))
        await b.send(sa("B", "BRAVO"))
        await c.send(sa("C", "CHARLIE"))
        await a.wait_for(uid_is("C"))
        await b.wait_for(uid_is("C"))
        # to BRAVO by callsign: only B gets it
        to_b = '<marti><dest callsign="BRAVO"/></marti><remarks>for bravo</remarks>'
        await a.send(event("marker-1", "b-m-p-s-m", detail=to_b))
        await b.wait_for(uid_is("marker-1"))
        # to C by uid
        await a.send(event("marker-2", "b-m-p-s-m", detail='<marti><dest uid="C"/></marti>'))
        await c.wait_for(uid_is("marker-2"))
        # GeoChat to everyone
        chat = (
            '<__chat chatroom="All Chat Rooms" id="All Chat Rooms" senderCallsign="ALPHA"/>'
            "<remarks>hello all</remarks>"
        )
        await a.send(event("GeoChat.A.All Chat Rooms.1", "b-t-f", detail=chat))
        await b.wait_for(uid_is("GeoChat.A.All Chat Rooms.1"))
        await c.wait_for(uid_is("GeoChat.A.All Chat Rooms.1"))
        await c.settle(0.3)
        assert "marker-1" not in c.uids()
        assert "marker-2" not in b.uids()
        # C leaves with t-x-d-d: the others are told, and a new client gets no SA of C
        await c.send(event("C", "t-x-d-d"))
        await a.wait_for(lambda e: e.get("type") == "t-x-d-d" and e.get("uid") == "C")
        await c.close()
        d = await CotClient.connect(port)
        await d.wait_for(uid_is("B"))
        await d.settle(0.3)
        assert "C" not in d.uids()
        for x in (a, b, d):
            await x.close()

    asyncio.run(scenario())


def test_frames_split_across_writes_and_garbage_between_frames(gateway: GatewayProcess) -> None:
    port = gateway.ports["tcp"]

    async def scenario() -> None:
        a = await CotClient.connect(port)
        b = await CotClient.connect(port)
        frame = sa("SPLIT", "SPLIT")
        for i in range(0, len(frame), 7):  # one event in many TCP writes
            await a.send(frame[i : i + 7])
            await asyncio.sleep(0.002)
        await b.wait_for(uid_is("SPLIT"))
        await a.send(
            b"\n\n garbage <junk/> " + sa("AFTER", "AFTER") + b"\r\n<<>>" + sa("AFTER2", "AFTER2")
        )
        await b.wait_for(uid_is("AFTER"))
        await b.wait_for(uid_is("AFTER2"))
        await a.close()
        await b.close()

    asyncio.run(scenario())


def _entity(i: int) -> bytes:
    ref = f"&lol{i - 1};" if i > 1 else "&lol;"
    return f'<!ENTITY lol{i} "{ref * 10}">'.encode()


def test_bad_xml_is_dropped_and_logged_and_harms_nobody(gateway: GatewayProcess) -> None:
    port = gateway.ports["tcp"]
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        + b"".join(_entity(i) for i in range(1, 10))
        + b']><event version="2.0" uid="LOL" type="a-f-G" how="m-g" time="2026-01-01T00:00:00Z"'
        b' start="2026-01-01T00:00:00Z" stale="2030-01-01T00:00:00Z"><point lat="1" lon="1"/>'
        b"<detail><remarks>&lol9;</remarks></detail></event>"
    )

    async def scenario() -> None:
        bad = await CotClient.connect(port)
        good = await CotClient.connect(port)
        other = await CotClient.connect(port)
        await good.send(sa("GOOD", "GOOD"))
        await other.wait_for(uid_is("GOOD"))
        await bad.send(laughs)
        await bad.send(b"<event uid='x' type='a-f-G'><point lat='1' lon='nope'/></event>")
        await bad.send(b"<event><unclosed></event>")
        await bad.send(b'<event version="2.0" type="a-f-G"></event>')  # no uid
        # the bad client stays connected and the others are unaffected
        await bad.send(sa("BAD-BUT-FINE", "BADFINE"))
        await other.wait_for(uid_is("BAD-BUT-FINE"))
        await good.send(event("takPing", "t-x-c-t"))
        await good.wait_for(type_is("t-x-c-t-r"))
        assert "LOL" not in other.uids() and "x" not in other.uids()
        # an oversized frame closes that connection only
        await bad.send(b'<event uid="big" type="a-f-G"><detail><remarks>' + b"A" * 100_000)
        assert await bad.closed_by_server()
        await good.send(sa("GOOD", "GOOD", 51.0, 37.0))
        await other.wait_for(at("GOOD", "51.0"))
        # a flood from one client: the excess dropped, the others still served
        await bad.close()
        flood = await CotClient.connect(port)
        await flood.send(b"".join(event(f"F{i}", "b-m-p-s-m") for i in range(2000)))
        await other.settle(1.0)
        received = [u for u in other.uids() if u.startswith("F")]
        assert 0 < len(received) < 2000
        await good.send(event("takPing", "t-x-c-t"))
        await good.wait_for(lambda e: e.get("type") == "t-x-c-t-r")
        for c in (good, other, flood):
            await c.close()

    asyncio.run(scenario())
    log = gateway.log()
    assert "markup declarations" in log and "127.0.0.1:" in log
    assert "malformed XML" in log
    assert "over the 65536-byte limit" in log
    assert "frames/s; dropping the excess" in log


def test_tak_protocol_v1_negotiation_with_takproto(gateway: GatewayProcess) -> None:
    import takproto

    port = gateway.ports["tcp"]
    query = event(
        "protouid", "t-x-takp-q", detail='<TakControl><TakRequest version="1"/></TakControl>'
    )

    async def read_proto(reader: asyncio.StreamReader) -> Any:
        magic = await asyncio.wait_for(reader.readexactly(1), 5)
        assert magic == b"\xbf"
        raw = b""
        while True:  # the varint length
            b = await asyncio.wait_for(reader.readexactly(1), 5)
            raw += b
            if not b[0] & 0x80:
                break
        size = sum((byte & 0x7F) << (7 * i) for i, byte in enumerate(raw))
        payload = await asyncio.wait_for(reader.readexactly(size), 5)
        return takproto.parse_proto(bytearray(magic + raw + payload))

    async def scenario() -> None:
        xml = await CotClient.connect(port)
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        proto = CotClient(reader, writer)
        await proto.wait_for(type_is("t-x-takp-v"))
        offer = proto.events[0].find("detail/TakControl/TakProtocolSupport")
        assert offer is not None and offer.get("version") == "1"
        await proto.send(query)
        answer = await proto.wait_for(type_is("t-x-takp-r"))
        assert answer.find("detail/TakControl/TakResponse").get("status") == "true"  # type: ignore[union-attr]
        # from now on, both ways in protobuf
        writer.write(bytes(takproto.xml2proto(sa("PROTO-1", "PROTO"), takproto.TAKProtoVer.STREAM)))
        await writer.drain()
        got = await xml.wait_for(uid_is("PROTO-1"))
        assert got.find("detail/contact").get("callsign") == "PROTO"  # type: ignore[union-attr]
        await xml.send(sa("XML-1", "XMLCLIENT", 50.5, 36.5))
        msg = await read_proto(reader)
        assert msg.cotEvent.uid == "XML-1"
        assert msg.cotEvent.detail.contact.callsign == "XMLCLIENT"
        assert abs(msg.cotEvent.lat - 50.5) < 1e-9
        await xml.close()
        await proto.close()

    asyncio.run(scenario())


def test_a_slow_device_loses_old_positions_never_chat_and_delays_nobody(
    database_url: str, tmp_path: Path
) -> None:
    import json
    import socket

    env = gateway_env(
        database_url,
        tmp_path,
        MARCHWARDEN_TAK_CLIENT_MAX_RATE="0",
        MARCHWARDEN_TAK_QUEUE_LIMIT="200",
    )
    gw = GatewayProcess(env, tmp_path / "gateway.log")
    gw.start()
    port = gw.ports["tcp"]
    padding = "x" * 2000

    async def scenario() -> None:
        sock = socket.socket()
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        sock.connect(("127.0.0.1", port))
        reader, writer = await asyncio.open_connection(sock=sock)
        slow = CotClient(reader, writer)  # reads nothing until the end
        fast = await CotClient.connect(port)
        sender = await CotClient.connect(port)
        chats = 0
        for i in range(4000):
            await sender.send(sa(f"P{i % 50}", f"P{i % 50}", remarks=f"{i} {padding}"))
            if i % 400 == 0:
                chat = f"<__chat chatroom='All' senderCallsign='S'/><remarks>chat {i}</remarks>"
                await sender.send(event(f"GeoChat.S.All.{i}", "b-t-f", detail=chat))
                chats += 1
        await sender.send(event("LAST", "b-m-p-s-m"))
        await fast.wait_for(uid_is("LAST"), timeout=20)  # the fast device is not held up
        await slow.wait_for(uid_is("LAST"), timeout=30)  # the slow one gets there too ...
        got = slow.uids("b-t-f")
        assert len(got) == chats  # ... with every chat message
        positions = len([u for u in slow.uids() if u.startswith("P")])
        assert positions < 4000  # and fewer position updates
        for c in (slow, fast, sender):
            await c.close()

    try:
        asyncio.run(scenario())
    finally:
        gw.stop()
    stats = next(
        json.loads(line)["stats"]
        for line in gw.log().splitlines()
        if "tak gateway stopping" in line
    )
    assert stats["dropped_positions"] > 0 and stats["slow_disconnects"] == 0
