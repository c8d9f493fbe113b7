"""Report ingest over HTTP into a real server process, and live fan-out to WebSocket
subscribers.

    .venv/bin/python bench/bench_ingest.py [--stores sqlite,postgresql] [--seconds 20]
        [--connections 32] [--subscribers 100,1000]

Ingest: ``--connections`` clients post reports (each with its own Idempotency-Key) as fast
as the server acknowledges them for ``--seconds``; reports/s, p50/p99 latency, and a
check that every acknowledged report is in the store. Fan-out: N subscribers on
/api/v1/stream; reports posted at a steady rate; for each, the time from its 2xx to its
ReportSubmitted event at every subscriber (p50/p99). The clients run in this process,
on the same 2 cores as the server: the figures include their cost.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


import httpx
import websockets

from bench._machine import describe_machine
from bench._server import database, server, token


def report_body(i: int) -> dict[str, object]:
    return {
        "source_kind": "volunteer",
        "observed_at": datetime.now(UTC).isoformat(),
        "position": {"lon": 35.4 + (i % 100) * 0.01, "lat": 50.5 + (i % 37) * 0.01},
        "incident_type": "gunfire",
        "text": f"bench report {i}: shots heard near the crossing",
        "rating": "B2",
        "reporter": "bench",
    }


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def ingest(base: str, tok: str, seconds: float, connections: int) -> dict[str, float]:
    latencies: list[float] = []
    acknowledged: list[int] = []
    errors = 0
    stop = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(
        base_url=base, limits=limits, timeout=30, headers={"Authorization": f"Bearer {tok}"}
    ) as client:

        async def worker(k: int) -> None:
            nonlocal errors
            i = 0
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                reply = await client.post(
                    "/api/v1/reports",
                    json=report_body(k * 1_000_000 + i),
                    headers={"Idempotency-Key": uuid.uuid4().hex},
                )
                if reply.status_code == 201:
                    latencies.append(time.perf_counter() - t0)
                    acknowledged.append(int(reply.json()["id"]))
                else:
                    errors += 1
                i += 1

        started = time.monotonic()
        await asyncio.gather(*(worker(k) for k in range(connections)))
        elapsed = time.monotonic() - started
        # durability: every acknowledged id is readable
        missing = 0
        for rid in acknowledged[:: max(1, len(acknowledged) // 200)]:
            if (await client.get(f"/api/v1/reports/{rid}")).status_code != 200:
                missing += 1
        listed = await client.get("/api/v1/reports", params={"limit": 1})
        del listed
    return {
        "count": len(acknowledged),
        "rate": len(acknowledged) / elapsed,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "errors": errors,
        "missing_in_sample": missing,
    }


async def fanout(
    base: str, tok: str, subscribers: int, reports: int, rate: float
) -> dict[str, float]:
    ws_url = base.replace("http://", "ws://") + f"/api/v1/stream?token={tok}"
    acked: dict[int, float] = {}
    delays: list[float] = []
    seen = 0
    sockets = []
    for _ in range(subscribers):
        sockets.append(await websockets.connect(ws_url, max_queue=None, ping_interval=None))
    done = asyncio.Event()
    arrivals: dict[int, list[float]] = {}

    async def listen(ws: websockets.ClientConnection) -> None:
        nonlocal seen
        async for raw in ws:
            now = time.perf_counter()
            msg = json.loads(raw)
            if msg["type"] != "ReportSubmitted":
                continue
            arrivals.setdefault(int(msg["data"]["report_id"]), []).append(now)
            seen += 1
            if seen >= subscribers * reports:
                done.set()

    listeners = [asyncio.create_task(listen(ws)) for ws in sockets]
    async with httpx.AsyncClient(
        base_url=base, timeout=30, headers={"Authorization": f"Bearer {tok}"}
    ) as client:
        for i in range(reports):
            t0 = time.perf_counter()
            reply = await client.post(
                "/api/v1/reports",
                json=report_body(i),
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            reply.raise_for_status()
            acked[int(reply.json()["id"])] = time.perf_counter()
            await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - t0)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 60)
    for rid, t_ack in acked.items():
        for t in arrivals.get(rid, []):
            delays.append(max(0.0, t - t_ack))
    for task in listeners:
        task.cancel()
    for ws in sockets:
        await ws.close()
    expected = subscribers * reports
    return {
        "delivered": len(delays),
        "expected": expected,
        "p50_ms": pct(delays, 50) * 1000 if delays else float("nan"),
        "p99_ms": pct(delays, 99) * 1000 if delays else float("nan"),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--subscribers", default="100,1000")
    parser.add_argument("--fanout-reports", type=int, default=50)
    parser.add_argument("--fanout-rate", type=float, default=10)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    for store in args.stores.split(","):
        with (
            tempfile.TemporaryDirectory() as d,
            database(store, Path(d)) as url,
            server(url, Path(d)) as base,
        ):
            tok = token(base)
            r = asyncio.run(ingest(base, tok, args.seconds, args.connections))
            print(
                f"{store:10s} ingest: {r['count']:.0f} reports in {args.seconds:g} s with "
                f"{args.connections} connections = {r['rate']:.0f} reports/s; "
                f"p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; errors {r['errors']:.0f}; "
                f"acknowledged but missing (sample of 200): {r['missing_in_sample']:.0f}"
            )
            for n in (int(x) for x in args.subscribers.split(",")):
                f = asyncio.run(fanout(base, tok, n, args.fanout_reports, args.fanout_rate))
                print(
                    f"{store:10s} fan-out to {n} subscribers: {f['delivered']:.0f}/"
                    f"{f['expected']:.0f} delivered; 2xx-to-event p50 {f['p50_ms']:.1f} ms, "
                    f"p99 {f['p99_ms']:.1f} ms"
                )


if __name__ == "__main__":
    main()
