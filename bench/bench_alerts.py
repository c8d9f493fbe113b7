"""Public alerts: area validation, publication, the feed, webhook delivery.

Run: ``.venv/bin/python bench/bench_alerts.py`` (SQLite; about 40 s). Prints:

1. a 500-vertex polygon round Grayvoron: validation (closed, simple, inside the
   coverage) + the settlements and population inside — median and p99 of 300 runs;
2. publishing an approved alert (the CAP document built, validated against the OASIS
   XSD, stored, deliveries queued, audited) — median and p99 of 100, in-process; and the
   XML build + XSD validation alone;
3. the Atom feed with 1,000 current alerts from a real server process
   (``marchwarden serve``): requests/s with 8 client threads for 5 s, without and with a
   matching ``If-None-Match``;
4. webhook delivery of one alert to 100 subscribers on 127.0.0.1, 10 of them failing
   (HTTP 500): time from the publication's commit until every healthy one has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# Runnable as a script from the repository root, installed or not.
_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import httpx  # noqa: E402

from bench._machine import describe_machine  # noqa: E402
from bench._server import server as bench_server  # noqa: E402
from marchwarden.adapters.cap import xml as capxml  # noqa: E402
from marchwarden.adapters.db.migrate import upgrade  # noqa: E402
from marchwarden.bootstrap import build_services  # noqa: E402
from marchwarden.core.access.model import Principal, Role, Scope  # noqa: E402
from marchwarden.core.alerts.areas import AreaKind, AreaSpec, resolve_area  # noqa: E402
from marchwarden.core.alerts.cap import MessageHeader, compose  # noqa: E402
from marchwarden.core.alerts.model import (  # noqa: E402
    Alert,
    AlertContent,
    AlertMessage,
    AlertState,
    CapSeverity,
    Category,
    Certainty,
    InfoText,
    Instruction,
    MsgType,
    Urgency,
)
from marchwarden.core.alerts.workflow import summary  # noqa: E402
from marchwarden.services import alerts, webhooks  # noqa: E402
from marchwarden.services.delivery import DeliveryWorker  # noqa: E402
from marchwarden.settings import Settings  # noqa: E402

HQ = Principal(1, "bench-hq", Role.HQ_COMMANDER, Scope.all())
HQ2 = Principal(2, "bench-hq2", Role.HQ_COMMANDER, Scope.all())


def ms(values: list[float]) -> str:
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, math.ceil(0.99 * len(ordered)) - 1)]
    return f"median {statistics.median(ordered):.2f} ms, p99 {p99:.2f} ms (n={len(values)})"


def star(n: int = 500, lon: float = 35.75, lat: float = 50.55, r_km: float = 14.0) -> AreaSpec:
    """A closed, simple 500-vertex ring (a wobbly circle) round Grayvoron."""
    ring = []
    for i in range(n):
        a = 2 * math.pi * i / n
        r = r_km * (1 + 0.15 * math.sin(7 * a))
        ring.append(
            (
                lon + r / (111.32 * math.cos(math.radians(lat))) * math.sin(a),
                lat + r / 111.32 * math.cos(a),
            )
        )
    ring.append(ring[0])
    return AreaSpec(AreaKind.POLYGON, ring=tuple(ring))


def content(area: AreaSpec, expires: datetime) -> AlertContent:
    return AlertContent(
        event="Cross-border incursion",
        category=Category.SECURITY,
        urgency=Urgency.IMMEDIATE,
        severity=CapSeverity.SEVERE,
        certainty=Certainty.OBSERVED,
        instruction=Instruction.SHELTER_IN_PLACE,
        texts=(
            InfoText("ru", "Вторжение: укройтесь", "Бой у границы", "Укройтесь"),
            InfoText("en", "Incursion: take shelter", "Fighting at the border", "Take shelter"),
        ),
        area=area,
        expires=expires,
    )


def bench_area(settings: Settings) -> None:
    svc = build_services(settings)
    ctx = alerts.area_context(svc)
    spec = star()
    found = resolve_area(spec, ctx)
    runs = []
    for _ in range(300):
        t0 = time.perf_counter()
        resolve_area(spec, ctx)
        runs.append((time.perf_counter() - t0) * 1000)
    print(
        f"1. 500-vertex polygon: validation + settlements + population: {ms(runs)}; "
        f"{len(found.settlements)} settlements, {found.population:,} people"
    )
    svc.db.engine.dispose()


def make_users(svc: Any) -> None:
    from marchwarden.core.errors import Conflict
    from marchwarden.services import accounts

    for p in (HQ, HQ2):
        with contextlib.suppress(Conflict):  # made by an earlier part of the run
            accounts.create_user(
                svc,
                None,
                username=p.username,
                display_name=p.username,
                password="x" * 16,
                role=p.role,
                scope=p.scope,
            )


def bench_publish(settings: Settings) -> None:
    svc = build_services(settings)
    make_users(svc)
    expires = datetime.now(UTC) + timedelta(hours=6)
    runs = []
    for _ in range(100):
        aid = alerts.draft(svc, HQ, content(star(60), expires)).alert.id
        alerts.approve(svc, HQ2, aid)
        t0 = time.perf_counter()
        alerts.publish(svc, HQ, aid)
        runs.append((time.perf_counter() - t0) * 1000)
    print(f"2. publish one approved alert (CAP built, XSD-validated, stored, audited): {ms(runs)}")
    area = resolve_area(star(), alerts.area_context(svc))
    header = MessageHeader(
        "X-1",
        "a@b.example",
        "HQ",
        datetime.now(UTC).replace(microsecond=0),
        MsgType.ALERT,
        (),
        "http://x/cap/X-1.xml",
    )
    xml_runs = []
    for _ in range(200):
        t0 = time.perf_counter()
        capxml.validate(capxml.build(compose(content(star(), expires), area, header)))
        xml_runs.append((time.perf_counter() - t0) * 1000)
    print(f"   of which building + XSD-validating a 500-vertex document: {ms(xml_runs)}")
    svc.db.engine.dispose()


def seed_feed(settings: Settings, n: int) -> None:
    """``n`` current public alerts, written straight through the repository (one
    transaction), each with a real, valid CAP document."""
    svc = build_services(settings)
    now = datetime.now(UTC).replace(microsecond=0)
    spec = AreaSpec(AreaKind.CIRCLE, center=(35.66, 50.48), radius_km=10)
    area = resolve_area(spec, alerts.area_context(svc))
    c = content(spec, now + timedelta(hours=12))
    with svc.db.unit_of_work() as uow:
        for i in range(n):
            header = MessageHeader(
                f"B-{i}",
                "bench@hq.example",
                "HQ",
                now,
                MsgType.ALERT,
                (),
                f"http://x/cap/B-{i}.xml",
            )
            doc = capxml.build(compose(c, area, header))
            message = AlertMessage(header.identifier, header.sender, now, MsgType.ALERT)
            alert = Alert(
                0, AlertState.PUBLISHED, c, summary(area), "bench", 1, now, messages=(message,)
            )
            aid = uow.alerts.add(alert, area.geojson(), now)
            uow.alerts.add_message(aid, message, doc, now)
        uow.commit()
    svc.db.engine.dispose()


def hammer(
    url: str, headers: dict[str, str], seconds: float, threads: int = 8
) -> tuple[float, int]:
    count = [0] * threads
    status: set[int] = set()
    stop = time.monotonic() + seconds

    def worker(k: int) -> None:
        with httpx.Client(timeout=30) as client:
            while time.monotonic() < stop:
                reply = client.get(url, headers=headers)
                status.add(reply.status_code)
                count[k] += 1

    ts = [threading.Thread(target=worker, args=(k,)) for k in range(threads)]
    t0 = time.monotonic()
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(status) == 1, status
    return sum(count) / (time.monotonic() - t0), status.pop()


def bench_feed(settings: Settings, folder: Path) -> None:
    seed_feed(settings, 1000)
    with bench_server(settings.database_url, folder) as base:
        url = base + "/cap/feed.atom"
        first = httpx.get(url, timeout=30)
        entries = first.text.count("<entry>")
        etag = first.headers["etag"]
        full, s1 = hammer(url, {}, 5.0)
        cached, s2 = hammer(url, {"If-None-Match": etag}, 5.0)
    print(
        f"3. feed of {entries} current alerts ({len(first.content) / 1024:.0f} KiB): "
        f"{full:.0f} req/s (HTTP {s1}); with a matching ETag {cached:.0f} req/s (HTTP {s2})"
    )


class Receivers:
    """One real HTTP server on 127.0.0.1 standing in for every subscriber: /ok/<n>
    answers 204 and records the arrival time, /fail/<n> answers 500."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                ok = self.path.startswith("/ok/")
                if ok:
                    outer.arrived.setdefault(self.path, time.perf_counter())
                self.send_response(204 if ok else 500)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        class Server(ThreadingHTTPServer):
            request_queue_size = 256  # 100 subscribers connect at once
            daemon_threads = True

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


def bench_delivery(settings: Settings) -> None:
    svc = build_services(settings)
    make_users(svc)
    receivers = Receivers()
    for i in range(100):
        kind = "fail" if i < 10 else "ok"
        webhooks.subscribe(
            svc, HQ, name=f"s{i}", url=f"{receivers.base}/{kind}/{i}", secret="s" * 20, regions=[]
        )
    aid = alerts.draft(svc, HQ, content(star(60), datetime.now(UTC) + timedelta(hours=6))).alert.id
    alerts.approve(svc, HQ2, aid)

    async def run() -> float:
        worker = DeliveryWorker(svc)
        svc.db.on_events_committed(worker.wake)
        await worker.start()
        t0 = time.perf_counter()
        await asyncio.to_thread(alerts.publish, svc, HQ, aid)
        while len(receivers.arrived) < 90:
            await asyncio.sleep(0.005)
        took = (max(receivers.arrived.values()) - t0) * 1000
        await worker.stop()
        return took

    took = asyncio.run(run())
    print(
        f"4. webhook delivery to 100 subscribers (10 failing): every healthy one had the alert "
        f"{took:.0f} ms after publish was called"
    )
    receivers.httpd.shutdown()
    svc.db.engine.dispose()


def main() -> None:
    print(f"machine: {describe_machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'bench.db'}"
        from marchwarden.adapters.db.engine import create_engine

        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        settings = Settings(
            _env_file=None,
            environment="test",
            database_url=url,
            secret_key="b" * 40,
            audit_anchor_path=str(folder / "audit.anchor"),
            argon2_time_cost=1,
            argon2_memory_kib=1024,
            webhook_poll_seconds=0.05,
        )
        bench_area(settings)
        bench_publish(settings)
        bench_delivery(settings)
        feed_folder = folder / "feed"
        feed_folder.mkdir()
        feed_url = f"sqlite:///{feed_folder / 'feed.db'}"
        feed_settings = settings.model_copy(
            update={"database_url": feed_url, "audit_anchor_path": str(feed_folder / "a")}
        )
        engine = create_engine(feed_url)
        upgrade(engine)
        engine.dispose()
        bench_feed(feed_settings, feed_folder)


if __name__ == "__main__":
    main()
