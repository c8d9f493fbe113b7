"""Report ingest over HTTP into a real server process, and live fan-out to WebSocket
subscribers; and the same client against a bare endpoint, for the ratio.

    .venv/bin/python bench/bench_ingest.py [--stores sqlite,postgresql] [--seconds 20]
        [--connections 32] [--client-processes 1] [--subscribers 100,1000]
        [--subscriber-processes 2] [--no-baseline] [--processes 1,2] [--bus nats]

Ingest: ``--connections`` keep-alive connections post reports (each with its own
Idempotency-Key) as fast as the server acknowledges them for ``--seconds``; reports/s,
p50/p99 latency, and a check that *every* acknowledged report is in the store (all pages
of ``GET /api/v1/reports``). The load comes from ``--client-processes`` separate
processes with a minimal HTTP/1.1 client (raw asyncio streams: a request is one write, a
reply is parsed by Content-Length), not httpx, so that the client costs little; it still
runs on the same 2 cores as the server. The CPU seconds of the server and of the clients
are printed, so the share of each is visible.

Several server processes (``--processes 1,2``: each count in turn, per store, back to
back): N ``marchwarden serve`` processes on one store, each on its own port, sharing the
bus (``--bus``; NATS by default as soon as a count is over 1, at
``MARCHWARDEN_BENCH_NATS`` or nats://127.0.0.1:4222, for every count of the run so that
they compare); the client spreads its connections over them (connection k to process
k mod N), as a load balancer in front would. The machine's CPU use over the run (all
processes: servers, database, clients; from /proc/stat) is printed with the figures.

Baseline (unless ``--no-baseline``): the same client against a bare FastAPI endpoint that
commits one SQLite row per request (WAL, ``synchronous=FULL``, see
``bench/_server.py: bare_app``) — the ceiling this machine puts on any durable HTTP write.

``--gc-probe``: the server also records every full (oldest-generation) garbage
collection (``bench/gcprobe/sitecustomize.py`` on its ``PYTHONPATH``); the number of them
during the ingest run and their durations are printed — the pauses behind the latency tail
that ``entrypoints/api/heap.py`` removes.

Fan-out: N subscribers on /api/v1/stream, spread over ``--subscriber-processes``
processes; reports posted at a steady rate; for each, the time from its 2xx to its
ReportSubmitted event at every subscriber (p50/p99; CLOCK_MONOTONIC, the same in every
process).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing as mp
import os
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


import httpx
import websockets

from bench._machine import describe_machine
from bench._server import PIDS, bare_server, cpu_seconds, database, read_reply, servers, token


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
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def load_avg() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


# --------------------------------------------------------------------------- the client


async def _post_loop(
    host: str, port: int, path: str, tok: str, stop: float, k: int, out: dict[str, Any]
) -> None:
    reader, writer = await asyncio.open_connection(host, port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Bearer {tok}\r\n"
        "Content-Type: application/json\r\n"
    )
    i = 0
    try:
        while time.monotonic() < stop:
            body = json.dumps(report_body(k * 1_000_000 + i)).encode()
            request = (
                head + f"Idempotency-Key: {uuid.uuid4().hex}\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body
            t0 = time.monotonic()
            writer.write(request)
            status, reply = await read_reply(reader)
            if status == 201:
                out["latencies"].append(time.monotonic() - t0)
                out["ids"].append(int(json.loads(reply)["id"]))
            else:
                out["errors"] += 1
            i += 1
    finally:
        writer.close()


def _client_process(
    bases: list[str],
    path: str,
    tok: str,
    start: float,
    seconds: float,
    connections: int,
    k0: int,
    q: Any,
) -> None:
    urls = [urlsplit(base) for base in bases]
    out: dict[str, Any] = {"latencies": [], "ids": [], "errors": 0}

    async def main() -> None:
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        stop = time.monotonic() + seconds
        await asyncio.gather(
            *(
                _post_loop(
                    str(urls[(k0 + k) % len(urls)].hostname),
                    int(urls[(k0 + k) % len(urls)].port or 80),
                    path,
                    tok,
                    stop,
                    k0 + k,
                    out,
                )
                for k in range(connections)
            )
        )

    asyncio.run(main())
    out["cpu"] = time.process_time()
    q.put(out)


def machine_cpu() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs so far (Linux /proc/stat)."""
    with open("/proc/stat", encoding="ascii") as fh:
        fields = [int(x) for x in fh.readline().split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return sum(fields) - idle, sum(fields)


def ingest(
    bases: str | list[str], tok: str, seconds: float, connections: int, processes: int, path: str
) -> dict[str, Any]:
    """Post for ``seconds`` over ``connections`` spread over ``bases`` (server processes)
    from ``processes`` client processes."""
    bases = [bases] if isinstance(bases, str) else bases
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    start = time.monotonic() + 3.0  # spawned interpreters start up first
    per = [
        connections // processes + (1 if n < connections % processes else 0)
        for n in range(processes)
    ]
    procs = [
        ctx.Process(
            target=_client_process,
            args=(bases, path, tok, start, seconds, c, sum(per[:n]), q),
        )
        for n, c in enumerate(per)
    ]
    for proc in procs:
        proc.start()
    time.sleep(max(0.0, start - time.monotonic()))
    server_cpu0 = sum(cpu_seconds(PIDS[base]) for base in bases)
    busy0, total0 = machine_cpu()
    results = [q.get() for _ in procs]
    server_cpu = sum(cpu_seconds(PIDS[base]) for base in bases) - server_cpu0
    busy1, total1 = machine_cpu()
    for proc in procs:
        proc.join()
    latencies = [x for r in results for x in r["latencies"]]
    ids = [x for r in results for x in r["ids"]]
    return {
        "count": len(ids),
        "ids": ids,
        "rate": len(ids) / seconds,
        "p50_ms": pct(latencies, 50) * 1000,
        "p99_ms": pct(latencies, 99) * 1000,
        "errors": sum(r["errors"] for r in results),
        "client_cpu": sum(r["cpu"] for r in results),
        "server_cpu": server_cpu,
        "machine_busy": (busy1 - busy0) / max(1, total1 - total0),
    }


def missing_in_store(base: str, tok: str, ids: list[int]) -> int:
    """How many acknowledged reports are not in the store (all of them are checked)."""
    stored: set[int] = set()
    after = 0
    with httpx.Client(base_url=base, timeout=60, headers={"Authorization": f"Bearer {tok}"}) as c:
        while True:
            page = c.get("/api/v1/reports", params={"after_id": after, "limit": 1000}).json()
            stored.update(int(r["id"]) for r in page["items"])
            if page["next_after_id"] is None:
                break
            after = page["next_after_id"]
    return len(set(ids) - stored)


# --------------------------------------------------------------------------- fan-out


def _subscriber_process(ws_url: str, n: int, expected: int, ready: Any, q: Any) -> None:
    arrivals: dict[int, list[float]] = {}

    async def main() -> None:
        sockets = [
            await websockets.connect(ws_url, max_queue=None, ping_interval=None) for _ in range(n)
        ]
        seen = 0
        done = asyncio.Event()

        async def listen(ws: websockets.ClientConnection) -> None:
            nonlocal seen
            async for raw in ws:
                now = time.monotonic()
                msg = json.loads(raw)
                if msg["type"] != "ReportSubmitted":
                    continue
                arrivals.setdefault(int(msg["data"]["report_id"]), []).append(now)
                seen += 1
                if seen >= n * expected:
                    done.set()

        tasks = [asyncio.create_task(listen(ws)) for ws in sockets]
        ready.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), 60 + expected)
        for task in tasks:
            task.cancel()
        for ws in sockets:
            await ws.close()

    asyncio.run(main())
    q.put(arrivals)


def fanout(
    base: str, tok: str, subscribers: int, reports: int, rate: float, processes: int
) -> dict[str, float]:
    ws_url = base.replace("http://", "ws://") + f"/api/v1/stream?token={tok}"
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    per = [
        subscribers // processes + (1 if n < subscribers % processes else 0)
        for n in range(processes)
    ]
    readies = [ctx.Event() for _ in per]
    procs = [
        ctx.Process(target=_subscriber_process, args=(ws_url, n, reports, ready, q))
        for n, ready in zip(per, readies, strict=True)
        if n
    ]
    for proc in procs:
        proc.start()
    for ready in readies[: len(procs)]:
        ready.wait(120)
    acked: dict[int, float] = {}
    with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {tok}"}) as c:
        for i in range(reports):
            t0 = time.monotonic()
            reply = c.post(
                "/api/v1/reports",
                json=report_body(i),
                headers={"Idempotency-Key": uuid.uuid4().hex},
            )
            reply.raise_for_status()
            acked[int(reply.json()["id"])] = time.monotonic()
            time.sleep(max(0.0, 1 / rate - (time.monotonic() - t0)))
    arrivals: dict[int, list[float]] = {}
    for _ in procs:
        for rid, times in q.get().items():
            arrivals.setdefault(rid, []).extend(times)
    for proc in procs:
        proc.join()
    delays = [max(0.0, t - t_ack) for rid, t_ack in acked.items() for t in arrivals.get(rid, [])]
    return {
        "delivered": len(delays),
        "expected": subscribers * reports,
        "p50_ms": pct(delays, 50) * 1000,
        "p99_ms": pct(delays, 99) * 1000,
    }


# --------------------------------------------------------------------------- main


def print_ingest(label: str, r: dict[str, Any], args: argparse.Namespace, missing: str) -> None:
    print(
        f"{label:10s} ingest: {r['count']:.0f} in {args.seconds:g} s with "
        f"{args.connections} connections ({args.client_processes} client process(es)) = "
        f"{r['rate']:.0f}/s; p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms; "
        f"errors {r['errors']:.0f}; {missing}; CPU s: server {r['server_cpu']:.1f}, "
        f"clients {r['client_cpu']:.1f}; machine CPU busy {r['machine_busy']:.0%}; "
        f"load avg {load_avg()}",
        flush=True,
    )


GC_PROBE = Path(__file__).resolve().parent / "gcprobe"


def gc_probe_env(folder: Path) -> dict[str, str]:
    """The server's environment additions for the GC probe (see the module docstring)."""
    folder.mkdir()
    path = os.pathsep.join(p for p in (str(GC_PROBE), os.environ.get("PYTHONPATH", "")) if p)
    return {"PYTHONPATH": path, "MARCHWARDEN_BENCH_GC_PROBE": str(folder)}


def gc_pauses(folder: Path, began: float, ended: float) -> str:
    """The full collections the probe recorded between ``began`` and ``ended``."""
    took = []
    for f in folder.glob("gc-*.txt"):
        for line in f.read_text(encoding="utf-8").splitlines():
            at, ms = (float(x) for x in line.split())
            if began <= at <= ended:
                took.append(ms)
    if not took:
        return f"full GC collections during the ingest run: 0 (gc probe, {ended - began:.0f} s)"
    return (
        f"full GC collections during the ingest run: {len(took)}, each {min(took):.0f}–"
        f"{max(took):.0f} ms, {sum(took) / 1000:.1f} s in all (gc probe, {ended - began:.0f} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stores", default="sqlite,postgresql")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--client-processes", type=int, default=1)
    parser.add_argument("--subscribers", default="100,1000")
    parser.add_argument("--subscriber-processes", type=int, default=2)
    parser.add_argument("--fanout-reports", type=int, default=50)
    parser.add_argument("--fanout-rate", type=float, default=10)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument(
        "--gc-probe", action="store_true", help="count the server's full GC pauses while ingesting"
    )
    parser.add_argument(
        "--processes", default="1", help="server processes per run, each count in turn: 1,2"
    )
    parser.add_argument(
        "--bus", choices=("memory", "nats"), help="default: nats if a count is over 1"
    )
    args = parser.parse_args()
    counts = [int(x) for x in args.processes.split(",") if x]
    bus = args.bus or ("nats" if max(counts) > 1 else "memory")
    if bus == "memory" and max(counts) > 1:
        parser.error("several server processes need a shared bus: --bus nats")
    bus_env = {"MARCHWARDEN_BUS": bus}
    if bus == "nats":
        bus_env["MARCHWARDEN_NATS_URL"] = os.environ.get(
            "MARCHWARDEN_BENCH_NATS", "nats://127.0.0.1:4222"
        )
    print(f"machine: {describe_machine()}; load avg {load_avg()}", flush=True)
    if not args.no_baseline:
        with tempfile.TemporaryDirectory() as d, bare_server(Path(d)) as base:
            r = ingest(base, "-", args.seconds, args.connections, args.client_processes, "/rows")
            print_ingest("bare", r, args, "bare endpoint: one row committed per request")
    for store, count in [(s, n) for s in args.stores.split(",") if s for n in counts]:
        label = store if len(counts) == 1 else f"{store}×{count}"
        with tempfile.TemporaryDirectory() as d, database(store, Path(d)) as url:
            probe = Path(d) / "gc"
            env = bus_env | (gc_probe_env(probe) if args.gc_probe else {})
            with servers(url, Path(d), count, **env) as bases:
                base = bases[0]
                tok = token(base)
                began = time.time()
                r = ingest(
                    bases,
                    tok,
                    args.seconds,
                    args.connections,
                    args.client_processes,
                    "/api/v1/reports",
                )
                ended = time.time()
                missing = missing_in_store(base, tok, r["ids"])
                print_ingest(label, r, args, f"acknowledged but not in the store: {missing}")
                if args.gc_probe:
                    print(f"{label:10s} {gc_pauses(probe, began, ended)}", flush=True)
                for n in (int(x) for x in args.subscribers.split(",") if x):
                    f = fanout(
                        base,
                        tok,
                        n,
                        args.fanout_reports,
                        args.fanout_rate,
                        args.subscriber_processes,
                    )
                    print(
                        f"{label:10s} fan-out to {n} subscribers: {f['delivered']:.0f}/"
                        f"{f['expected']:.0f} delivered; 2xx-to-event p50 {f['p50_ms']:.1f} ms, "
                        f"p99 {f['p99_ms']:.1f} ms; load avg {load_avg()}",
                        flush=True,
                    )


if __name__ == "__main__":
    main()
