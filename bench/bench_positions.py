"""Positions at volume (issue 15): devices report unit positions at a sustained total rate,
over HTTP or over TAK, into real ``marchwarden serve`` processes, while live subscribers
measure how fast the positions reach them.

    .venv/bin/python bench/bench_positions.py --transport http --store sqlite
    .venv/bin/python bench/bench_positions.py --transport tak --store sqlite
    .venv/bin/python bench/bench_positions.py --transport http --store postgres
    .venv/bin/python bench/bench_positions.py --transport http --store postgres --processes 2
    (--rate 1000 --seconds 20 --devices 1000 --subscribers 1000 --tak-receivers 10
     --connections 200 --subscriber-processes 2 --tak-interval 5
     --ws-compression on|off --stream-interval 0.1: the servers' settings;
     --subscriber-client light|websockets; --stream-form full|compact)

The world: one agency and ``--devices`` units (one device per unit), made in the store
through the services before the load starts. ``--processes 2`` runs two ``serve``
processes on PostgreSQL + NATS (so does ``--store postgres`` with one); the load and the
subscribers are spread over them alternately.

- **HTTP**: ``--connections`` keep-alive connections (a minimal HTTP/1.1 client on raw
  asyncio streams, as ``bench_ingest.py``) post ``POST /api/v1/units/{id}/positions`` on a
  fixed schedule that makes ``--rate`` positions/s in all, each device in turn; each
  position's ``at`` is its send time. A connection whose reply is late sends its next one
  at once, so the rate achieved says whether the server kept up.
- **TAK**: each device is its own TLS connection to the gateway inside ``serve``
  (``MARCHWARDEN_TAK_ENABLED``), with its own certificate bound to its own account, scoped
  to its unit (docs/tak.md: how a device counts as a unit); it sends CoT SA whose ``time``
  is its send time. The gateway writes at most one position per unit per
  ``--tak-interval`` seconds (``TAK_POSITION_INTERVAL_SECONDS``). ``--tak-receivers`` HQ
  accounts' devices receive the other devices' SA relayed (latency per SA).

Subscribers: ``--subscribers`` WebSocket connections to ``/api/v1/stream`` of an HQ account
(they may see every unit), in ``--subscriber-processes`` processes. Every
``--latency-sample``-th one parses every message with the ``websockets`` client; the others
only count the position events, by default with a minimal reader
(``--subscriber-client light``, ``bench/_wscount.py``: no JSON, inflating
permessage-deflate when the server accepts it, so the server's work is the same), so that
the benchmark's own clients take less of the 2 cores the server needs. For each
``UnitPositionUpdated`` the latency is receive time minus the position's ``at`` (the send
time; both wall clock of this machine). Delivered % = deliveries / (positions stored in
the window × subscribers). At the end: every acknowledged position is in the store,
each unit's latest position in the store is its newest sent, and how many subscribers
hold every unit's latest position. Server CPU (per process, over the window) and peak RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import re
import resource
import ssl
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import orjson
import sqlalchemy as sa
import websockets

from bench._machine import describe_machine
from bench._server import (
    PIDS,
    cpu_seconds,
    database,
    free_port,
    further_server,
    read_reply,
    server,
    token,
)
from bench._wscount import CountingSocket, connect_counting

HQ_USER = "bench-hq"
DEVICE_PASSWORD = "bench-device-password-1"  # noqa: S105 - throwaway benchmark accounts
#: latency histogram: 1 ms bins up to 30 s
BINS = 30_000


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def pct(hist: list[int], p: float) -> float:
    total = sum(hist)
    if not total:
        return float("nan")
    want = p / 100 * total
    seen = 0
    for ms, n in enumerate(hist):
        seen += n
        if seen >= want:
            return float(ms)
    return float(BINS)


def record(hist: list[int], seconds: float) -> None:
    hist[min(BINS - 1, max(0, int(seconds * 1000)))] += 1


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


# --------------------------------------------------------------------------- the world


def settings_for(url: str, folder: Path) -> Any:
    from marchwarden.settings import Settings

    return Settings(
        environment="test",
        database_url=url,
        secret_key="bench-secret-" + "x" * 32,
        audit_anchor_path=str(folder / "audit.anchor"),
    )


def make_world(
    url: str, folder: Path, devices: int, tak: bool, receivers: int = 0
) -> tuple[list[int], list[Path]]:
    """The units (one per device), an HQ account for the subscribers; for TAK one account
    per device scoped to its unit, with a client certificate. Returns the unit ids and,
    for TAK, each device's folder (cert.pem, key.pem)."""
    from marchwarden.adapters.tak.ca import CertificateAuthority
    from marchwarden.bootstrap import build_services
    from marchwarden.core.access.model import Role, Scope
    from marchwarden.core.forces.model import NewUnit
    from marchwarden.services import accounts, forces, tak_certs

    svc = build_services(settings_for(url, folder))
    try:
        agency = forces.create_agency(
            svc, None, code="BENCH", name="Bench volunteers", kind="volunteer_self_defence",
            region="RU-BEL",
        )  # fmt: skip
        ids = [
            forces.create_unit(
                svc,
                None,
                NewUnit(
                    code=f"B{i:05d}",
                    name=f"Bench team {i}",
                    agency_id=agency.id,
                    parent_id=None,
                    category="team",
                    region="RU-BEL",
                    home_lon=36.0 + (i % 100) * 0.01,
                    home_lat=50.5 + (i // 100) * 0.01,
                ),
            ).id
            for i in range(devices)
        ]
        accounts.create_user(
            svc, None, username=HQ_USER, display_name="HQ", password=DEVICE_PASSWORD,
            role=Role.HQ_COMMANDER, scope=Scope.all(),
        )  # fmt: skip
        dirs: list[Path] = []
        if tak:
            ca = CertificateAuthority.load(folder / "tak-ca")
            names = [f"dev{i:05d}" for i in range(devices)] + [
                f"hqrx{k:03d}" for k in range(receivers)
            ]
            for n, name in enumerate(names):
                if n < devices:
                    path = accounts.unit_path(svc, ids[n])
                    role, scope = Role.UNIT_COMMANDER, Scope.of_unit(ids[n], path)
                else:
                    role, scope = Role.HQ_COMMANDER, Scope.all()
                accounts.create_user(
                    svc, None, username=name, display_name=name, password=DEVICE_PASSWORD,
                    role=role, scope=scope,
                )  # fmt: skip
                key_pem, issued = tak_certs.issue_client(svc, ca, name)
                d = folder / "devices" / name
                d.mkdir(parents=True)
                (d / "key.pem").write_bytes(key_pem)
                (d / "cert.pem").write_text(issued.pem)
                dirs.append(d)
        return ids, dirs
    finally:
        svc.db.engine.dispose()


def stored_facts(url: str, folder: Path, t0: float, t1: float) -> tuple[int, dict[int, str]]:
    """Positions stored with a time in [t0, t1], and each unit's latest position time."""
    from marchwarden.adapters.db import tables as t
    from marchwarden.bootstrap import build_services

    svc = build_services(settings_for(url, folder))
    try:
        with svc.db.engine.connect() as conn:
            p = t.unit_positions
            count = conn.execute(
                sa.select(sa.func.count())
                .select_from(p)
                .where(p.c.at >= datetime.fromtimestamp(t0, UTC))
                .where(p.c.at <= datetime.fromtimestamp(t1, UTC))
            ).scalar_one()
            rows = conn.execute(
                sa.select(t.units.c.id, t.units.c.position_at).where(
                    t.units.c.position_at.is_not(None)
                )
            ).all()
        return int(count), {int(r.id): r.position_at.isoformat() for r in rows}
    finally:
        svc.db.engine.dispose()


# --------------------------------------------------------------------------- subscribers


def _subscriber_process(
    urls: list[tuple[str, bool]],
    window: Any,
    ready: Any,
    stop: Any,
    latest_file: str,
    q: Any,
    light: bool,
    deflate: bool,
    compact: bool,
) -> None:
    """``urls``: (stream URL, sampled?). A sampled subscriber parses every message (latency
    of each position, the newest of each unit) with the ``websockets`` client; the others
    count position events only — ``light``: with the minimal counting reader
    (``bench/_wscount.py``), else with ``websockets`` too. ``deflate``: offer
    permessage-deflate (``websockets`` always offers it). ``compact``: the stream carries
    each position as the row ``[id, unit_id, lon, lat, at]`` (``&compact=1``); the
    counters count rows by their end, ``"]`` (only positions flow during the load)."""
    hist = [0] * BINS
    # sampled subscribers' message bytes and the positions in them
    counts = {"in_window": 0, "all": 0, "closed": 0, "sampled": 0, "bytes": 0, "positions": 0}
    seen: list[dict[int, str]] = [{} for _ in urls]
    marker_text = '"]' if compact else '"UnitPositionUpdated"'
    marker = marker_text.encode()

    async def main() -> None:
        sockets: list[Any] = []
        for url, sampled in urls:
            if light and not sampled:
                sockets.append(await connect_counting(url, marker, counts, deflate=deflate))
                continue
            sockets.append(
                await websockets.connect(url, max_queue=None, ping_interval=None, max_size=None)
            )

        async def listen(k: int, ws: Any, sampled: bool) -> None:
            mine = seen[k]
            try:
                async for raw in ws:
                    if not sampled:
                        counts["all"] += raw.count(marker_text)
                        continue
                    now = time.time()
                    counts["bytes"] += len(raw.encode())
                    for msg in orjson.loads(raw):
                        if isinstance(msg, list):  # a compact row
                            _, unit, _, _, at = msg
                        elif msg["type"] == "UnitPositionUpdated":
                            at, unit = msg["data"]["at"], int(msg["data"]["unit_id"])
                        else:
                            continue
                        if at > mine.get(unit, ""):
                            mine[unit] = at
                        counts["all"] += 1
                        counts["positions"] += 1
                        sent = datetime.fromisoformat(at).timestamp()
                        if window[0] <= sent <= window[1]:
                            counts["in_window"] += 1
                            record(hist, now - sent)
            except websockets.ConnectionClosed:
                counts["closed"] += 1

        tasks = [
            asyncio.create_task(listen(k, ws, urls[k][1]))
            for k, ws in enumerate(sockets)
            if not isinstance(ws, CountingSocket)
        ]
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()
        for ws in sockets:
            if isinstance(ws, CountingSocket):
                ws.close()
                continue
            with contextlib.suppress(Exception):
                await ws.close()

    asyncio.run(main())
    latest = {int(k): v for k, v in json.loads(Path(latest_file).read_text()).items()}
    sampled = [mine for (_, on), mine in zip(urls, seen, strict=True) if on]
    holding = sum(1 for mine in sampled if all(mine.get(u) == at for u, at in latest.items()))
    counts["sampled"] = len(sampled)
    q.put({"hist": hist, "holding": holding, "cpu": time.process_time(), **counts})


# --------------------------------------------------------------------------- HTTP devices


async def _http_connection(
    base: str, tok: str, units: list[int], c: int, conns: int, rate: float, t0: float,
    t1: float, out: dict[str, Any],
) -> None:  # fmt: skip
    url = urlsplit(base)
    host, port = str(url.hostname), int(url.port or 80)
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"Host: {host}:{port}\r\nAuthorization: Bearer {tok}\r\nContent-Type: application/json\r\n"
    )
    j = 0
    try:
        while True:
            slot = j * conns + c
            due = t0 + slot / rate
            if due > t1 or time.time() > t1:
                return
            wait = due - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            unit = units[slot % len(units)]
            sent = time.time()
            if sent > t1:  # woke after the window: every position sent is in it
                return
            at = iso(sent)
            lon = 36.0 + (slot % 997) * 0.0001
            body = json.dumps({"lon": lon, "lat": 50.5, "at": at}).encode()
            writer.write(
                (
                    f"POST /api/v1/units/{unit}/positions HTTP/1.1\r\n{head}"
                    f"Content-Length: {len(body)}\r\n\r\n"
                ).encode()
                + body
            )
            status, _ = await read_reply(reader)
            record(out["hist"], time.time() - sent)
            if status == 200:
                out["acked"] += 1
                if at > out["latest"].get(unit, ""):
                    out["latest"][unit] = at
            else:
                out["errors"][status] = out["errors"].get(status, 0) + 1
            j += 1
    finally:
        writer.close()


def _http_devices(
    bases: list[str], tok: str, units: list[int], conns: int, rate: float, t0: float,
    t1: float, q: Any,
) -> None:  # fmt: skip
    out: dict[str, Any] = {"hist": [0] * BINS, "acked": 0, "errors": {}, "latest": {}}

    async def main() -> None:
        await asyncio.gather(
            *(
                _http_connection(bases[c % len(bases)], tok, units, c, conns, rate, t0, t1, out)
                for c in range(conns)
            )
        )

    asyncio.run(main())
    out["cpu"] = time.process_time()
    q.put(out)


# --------------------------------------------------------------------------- TAK devices


def _tls(device: Path, ca: Path) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(ca))
    ctx.check_hostname = False
    ctx.load_cert_chain(device / "cert.pem", device / "key.pem")
    return ctx


def cot_time(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sa_event(uid: str, ts: float, lat: float, lon: float) -> bytes:
    now, stale = cot_time(ts), cot_time(ts + 120)
    return (
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" time="{now}" '
        f'start="{now}" stale="{stale}"><point lat="{lat:.6f}" lon="{lon:.6f}" hae="0" '
        f'ce="10" le="10"/><detail><contact callsign="{uid}"/></detail></event>'
    ).encode()


async def _drain(reader: asyncio.StreamReader) -> None:
    with contextlib.suppress(ConnectionError, OSError):
        while await reader.read(1 << 16):
            pass


def _tak_devices(
    ports: list[int], devices: list[Path], ca: Path, rate: float, t0: float, t1: float, q: Any
) -> None:
    out: dict[str, Any] = {"sent": 0, "latest": {}, "per_port": [0] * len(ports), "refused": 0}

    async def main() -> None:
        writers = []
        drains = []
        for i, d in enumerate(devices):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", ports[i % len(ports)], ssl=_tls(d, ca)
            )
            drains.append(asyncio.create_task(_drain(reader)))
            writers.append(writer)
        n = len(devices)
        slot = 0
        while True:
            due = t0 + slot / rate
            if due > t1:
                break
            wait = due - time.time()
            if wait > 0:
                await asyncio.sleep(wait)
            # every slot due by now, in one go (one wake-up per few ms, not one per position)
            now = time.time()
            while t0 + slot / rate <= min(now, t1):
                i = slot % n
                writers[i].write(sa_event(f"dev{i:05d}", now, 50.5, 36.0 + (slot % 997) * 1e-4))
                out["sent"] += 1
                out["per_port"][i % len(ports)] += 1
                out["latest"][i] = now
                slot += 1
        await asyncio.sleep(0.5)
        for w in writers:
            with contextlib.suppress(Exception):
                await w.drain()
        for task in drains:
            task.cancel()

    asyncio.run(main())
    out["cpu"] = time.process_time()
    q.put(out)


_UID = re.compile(rb'uid="(dev\d+)"')
_TIME = re.compile(rb'time="([^"]+)"')


def _tak_receivers(
    ports: list[int], receivers: list[Path], ca: Path, window: Any, ready: Any, stop: Any,
    q: Any,
) -> None:  # fmt: skip
    hist = [0] * BINS
    counts: dict[str, Any] = {"in_window": 0, "picture": 0, "per_port": [0] * len(ports)}

    async def receive(reader: asyncio.StreamReader, port_index: int) -> None:
        buf = b""
        with contextlib.suppress(ConnectionError, OSError, asyncio.IncompleteReadError):
            while data := await reader.read(1 << 16):
                now = time.time()
                buf += data
                *frames, buf = buf.split(b"</event>")
                for frame in frames:
                    if _UID.search(frame) is None:
                        if b'uid="mw.unit.' in frame:
                            counts["picture"] += 1
                        continue
                    m = _TIME.search(frame)
                    if m is None:
                        continue
                    ts = datetime.fromisoformat(m.group(1).decode()).timestamp()
                    if window[0] <= ts <= window[1]:
                        counts["in_window"] += 1
                        counts["per_port"][port_index] += 1
                        record(hist, now - ts)

    async def main() -> None:
        tasks = []
        # held to the end: a StreamWriter no longer referenced closes its connection when
        # collected (the cause of "exactly one receiver's worth" in the first runs)
        writers = []
        for k, d in enumerate(receivers):
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", ports[k % len(ports)], ssl=_tls(d, ca)
            )
            writers.append(writer)
            writer.write(sa_event(f"rx{k:03d}", time.time(), 50.4, 36.4))
            tasks.append(asyncio.create_task(receive(reader, k % len(ports))))
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for task in tasks:
            task.cancel()

    asyncio.run(main())
    q.put({"hist": hist, "cpu": time.process_time(), **counts})


# --------------------------------------------------------------------------- main


def split(items: list[Any], parts: int) -> list[list[Any]]:
    return [items[k::parts] for k in range(parts) if items[k::parts]]


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--processes", type=int, choices=[1, 2], default=1)
    ap.add_argument("--transport", choices=["http", "tak"], default="http")
    ap.add_argument("--rate", type=float, default=1000.0, help="positions/s in all")
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--devices", type=int, default=1000)
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--subscriber-processes", type=int, default=2)
    ap.add_argument(
        "--latency-sample", type=int, default=10, help="every Nth subscriber parses everything"
    )
    ap.add_argument(
        "--subscriber-client",
        choices=["light", "websockets"],
        default="light",
        help="what the subscribers that are not sampled use: the minimal counting reader "
        "(bench/_wscount.py) or the websockets library",
    )
    ap.add_argument("--tak-receivers", type=int, default=10)
    ap.add_argument("--tak-interval", type=float, default=5.0)
    ap.add_argument("--connections", type=int, default=200, help="HTTP connections")
    ap.add_argument("--drain", type=float, default=10.0, help="seconds to wait after the load")
    ap.add_argument(
        "--ws-compression",
        choices=["on", "off"],
        default="on",
        help="the servers' MARCHWARDEN_WS_COMPRESSION (permessage-deflate; clients offer it)",
    )
    ap.add_argument(
        "--stream-form",
        choices=["full", "compact"],
        default="full",
        help="the subscribers' stream: ?batch=1 (every event an object) or "
        "?batch=1&compact=1 (each position the row [id, unit_id, lon, lat, at])",
    )
    ap.add_argument(
        "--stream-interval",
        type=float,
        default=0.1,
        help="the servers' MARCHWARDEN_STREAM_INTERVAL_SECONDS",
    )
    args = ap.parse_args()
    if args.processes == 2 and args.store != "postgres":
        ap.error("two processes share PostgreSQL + NATS: add --store postgres")
    if args.tak_receivers > 64:
        ap.error("at most 64 TAK receivers")
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 16384)), hard))
    tak = args.transport == "tak"
    print(f"machine: {describe_machine()}; load avg {load_avg()}", flush=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        database(args.store, Path(tmp)) as url,
        contextlib.ExitStack() as stack,
    ):
        folder = Path(tmp)
        env = {
            "MARCHWARDEN_LOG_LEVEL": "WARNING",
            "MARCHWARDEN_WS_COMPRESSION": str(args.ws_compression == "on").lower(),
            "MARCHWARDEN_STREAM_INTERVAL_SECONDS": str(args.stream_interval),
        }
        if args.store == "postgres":
            env["MARCHWARDEN_BUS"] = "nats"
        tak_ports: list[int] = []
        if tak:
            from marchwarden.adapters.tak.ca import CertificateAuthority

            CertificateAuthority.init(folder / "tak-ca", name="Bench CA", hosts=("127.0.0.1",))
        bases: list[str] = []
        for n in range(args.processes):
            extra = dict(env)
            if tak:
                tak_ports.append(free_port())
                extra.update(
                    MARCHWARDEN_TAK_ENABLED="true",
                    MARCHWARDEN_TAK_TCP_PORT="0",
                    MARCHWARDEN_TAK_TLS_PORT=str(tak_ports[-1]),
                    MARCHWARDEN_TAK_ENROL_PORT="0",
                    MARCHWARDEN_TAK_CA_DIR=str(folder / "tak-ca"),
                    MARCHWARDEN_TAK_POSITION_INTERVAL_SECONDS=str(args.tak_interval),
                )
            start = server if n == 0 else further_server
            bases.append(stack.enter_context(start(url, folder, **extra)))
        made = time.monotonic()
        units, device_dirs = make_world(url, folder, args.devices, tak, args.tak_receivers)
        bound = " with a bound account and certificate each" if tak else ""
        print(
            f"world: {len(units)} units{bound} in {time.monotonic() - made:.0f} s; servers {bases}",
            flush=True,
        )
        time.sleep(2)  # the servers' hubs and gateways take the new units in (1 s poll)
        tok = token(bases[0])
        hq_tok = login(bases[0], HQ_USER)
        ctx = mp.get_context("spawn")
        q = ctx.Queue()
        stop = ctx.Event()
        latest_file = folder / "latest.json"
        compact_query = "&compact=1" if args.stream_form == "compact" else ""
        ws_urls = [
            (
                bases[k % len(bases)].replace("http://", "ws://")
                + f"/api/v1/stream?batch=1{compact_query}&token={hq_tok}",
                k % args.latency_sample == 0,
            )
            for k in range(args.subscribers)
        ]
        groups = split(ws_urls, args.subscriber_processes)
        readies = [ctx.Event() for _ in groups]
        # the window (send times counted) is set once every subscriber is connected
        window = ctx.RawArray("d", [0.0, 0.0])
        subs = [
            ctx.Process(
                target=_subscriber_process,
                args=(
                    g,
                    window,
                    ready,
                    stop,
                    str(latest_file),
                    q,
                    args.subscriber_client == "light",
                    args.ws_compression == "on",
                    args.stream_form == "compact",
                ),
                daemon=True,
            )
            for g, ready in zip(groups, readies, strict=True)
        ]
        receivers: list[Any] = []
        rx_ready = ctx.Event()
        if tak and args.tak_receivers:
            rx = device_dirs[args.devices : args.devices + args.tak_receivers]
            receivers.append(
                ctx.Process(
                    target=_tak_receivers,
                    args=(tak_ports, rx, folder / "tak-ca" / "ca.pem", window, rx_ready, stop, q),
                    daemon=True,
                )
            )
        for p in subs + receivers:
            p.start()
        for ready in readies:
            if not ready.wait(600):
                raise RuntimeError("the subscribers did not connect in time")
        if receivers and not rx_ready.wait(120):
            raise RuntimeError("the TAK receivers did not connect in time")
        t0 = time.time() + 10.0  # the sender process starts meanwhile
        t1 = t0 + args.seconds
        window[0], window[1] = t0, t1
        if tak:
            sender = ctx.Process(
                target=_tak_devices,
                args=(
                    tak_ports,
                    device_dirs[: args.devices],
                    folder / "tak-ca" / "ca.pem",
                    args.rate,
                    t0,
                    t1,
                    q,
                ),
                daemon=True,
            )
        else:
            sender = ctx.Process(
                target=_http_devices,
                args=(bases, tok, units, args.connections, args.rate, t0, t1, q),
                daemon=True,
            )
        sender.start()
        if time.time() > t0:
            print("warning: the sender started after the window opened", flush=True)
        time.sleep(max(0.0, t0 - time.time()))
        pids = [PIDS[b] for b in bases]
        cpu0 = [cpu_seconds(p) for p in pids]
        time.sleep(max(0.0, t1 - time.time()))
        cpu = [cpu_seconds(p) - c for p, c in zip(pids, cpu0, strict=True)]
        load_during = load_avg()
        sent_out = q.get()
        sender.join()
        time.sleep(args.drain + (args.tak_interval if tak else 0.0))
        stored, latest_store = stored_facts(url, folder, t0, t1)
        latest_file.write_text(json.dumps(latest_store))
        stop.set()
        results = [q.get() for _ in subs + receivers]
        for p in subs + receivers:
            p.join()
        ws = [r for r in results if "holding" in r]
        rxs = [r for r in results if "picture" in r]
        ws_hist = [sum(col) for col in zip(*(r["hist"] for r in ws), strict=True)]
        delivered = sum(r["in_window"] for r in ws)
        label = f"{args.transport} · {args.store}{' + NATS' if args.store == 'postgres' else ''}"
        label += f" · {args.processes} process{'es' if args.processes > 1 else ''}"
        print(
            f"{label}: {args.devices} devices, offered {args.rate:g}/s for {args.seconds:g} s; "
            f"WebSocket compression {args.ws_compression}, "
            f"stream interval {args.stream_interval:g} s"
        )
        if tak:
            achieved = sent_out["sent"] / args.seconds
            print(
                f"  sent {sent_out['sent']} SA = {achieved:.0f}/s (per gateway "
                f"{sent_out['per_port']}); stored in the window: {stored} positions "
                f"(≤ one per unit per {args.tak_interval:g} s by design)"
            )
            wanted = {units[int(i)]: iso(ts) for i, ts in sent_out["latest"].items()}
        else:
            achieved = sent_out["acked"] / args.seconds
            print(
                f"  acknowledged {sent_out['acked']} = {achieved:.0f}/s; errors "
                f"{sent_out['errors'] or 0}; reply p50 {pct(sent_out['hist'], 50):.0f} ms, "
                f"p99 {pct(sent_out['hist'], 99):.0f} ms; stored in the window: {stored} "
                f"(acknowledged but not stored: {max(0, sent_out['acked'] - stored)})"
            )
            wanted = {int(u): at for u, at in sent_out["latest"].items()}
        wrong = sum(
            1
            for u, at in wanted.items()
            if latest_store.get(u) is None
            or abs(
                datetime.fromisoformat(latest_store[u]).timestamp()
                - datetime.fromisoformat(at).timestamp()
            )
            > 1e-3
        )
        print(
            f"  units whose stored latest position is not their newest sent: {wrong}/{len(wanted)}"
        )
        sampled = sum(r["sampled"] for r in ws)
        expected = stored * sampled
        print(
            f"  WebSocket (?batch=1{compact_query}): {args.subscribers} subscribers; "
            f"{sampled} sampled: "
            f"{delivered}/{expected} positions of the window = "
            f"{100 * delivered / max(1, expected):.1f} % (the rest superseded by a newer one of "
            f"the same unit in the same message); latency p50 {pct(ws_hist, 50):.0f} ms, p95 "
            f"{pct(ws_hist, 95):.0f} ms, p99 {pct(ws_hist, 99):.0f} ms; holding every unit's "
            f"latest at the end: {sum(r['holding'] for r in ws)}/{sampled}; position events "
            f"received by all: {sum(r['all'] for r in ws)}; closed early "
            f"{sum(r['closed'] for r in ws)}; message bytes per position (sampled) "
            f"{sum(r['bytes'] for r in ws) / max(1, sum(r['positions'] for r in ws)):.0f}"
        )
        for r in rxs:
            want = sum(
                sent_out["per_port"][k] * len(range(k, args.tak_receivers, len(tak_ports)))
                for k in range(len(tak_ports))
            )
            print(
                f"  TAK receivers: {args.tak_receivers} HQ devices, {r['in_window']}/{want} SA "
                f"relayed = {100 * r['in_window'] / max(1, want):.1f} %; latency p50 "
                f"{pct(r['hist'], 50):.0f} ms, p95 {pct(r['hist'], 95):.0f} ms, p99 "
                f"{pct(r['hist'], 99):.0f} ms; unit picture updates {r['picture']}"
            )
        print(
            "  server CPU over the window: "
            + ", ".join(f"{c / args.seconds * 100:.0f} %" for c in cpu)
            + " of a core; peak RSS "
            + ", ".join(f"{peak_rss_mb(p):.0f} MB" for p in pids)
            + f"; client CPU s: senders {sent_out['cpu']:.1f}, subscribers "
            f"{sum(r['cpu'] for r in ws):.1f}; load avg during {load_during}, now {load_avg()}",
            flush=True,
        )


def login(base: str, username: str) -> str:
    import httpx

    reply = httpx.post(
        base + "/api/v1/auth/login",
        json={"username": username, "password": DEVICE_PASSWORD},
        timeout=30,
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


if __name__ == "__main__":
    main()
