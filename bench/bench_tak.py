"""The TAK gateway under load: ``takbench`` (bench/takbench.py, the generator the
FreeTAKServer figures were taken with) against a fresh ``marchwarden tak serve``.

    .venv/bin/python bench/bench_tak.py --case 10x10@20
    .venv/bin/python bench/bench_tak.py --case 10x10@200
    .venv/bin/python bench/bench_tak.py --case 50x50@50
    .venv/bin/python bench/bench_tak.py --case 10x10@0      # flood: the saturation point
    .venv/bin/python bench/bench_tak.py --idle 1000         # idle connections: CPU, PSS
    (--store postgres: PostgreSQL + NATS instead of SQLite; --duration: seconds per case)

Each case starts a fresh gateway (plain TCP, anonymous devices, no per-device rate limit
so the relay itself is measured), runs the generator with ``--monitor`` on the gateway,
prints the generator's figures and the machine, and stops the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import describe_machine
from bench._server import database, free_port

HERE = Path(__file__).parent
PAGE = os.sysconf("SC_PAGE_SIZE")
TICK = os.sysconf("SC_CLK_TCK")


def start_gateway(url: str, folder: Path, port: int, store: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "development",
            "MARCHWARDEN_DATABASE_URL": url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(folder / "audit.anchor"),
            "MARCHWARDEN_TAK_TCP_PORT": str(port),
            "MARCHWARDEN_TAK_TLS_PORT": "0",
            "MARCHWARDEN_TAK_ENROL_PORT": "0",
            "MARCHWARDEN_TAK_CA_DIR": str(folder / "no-ca"),
            "MARCHWARDEN_TAK_CLIENT_MAX_RATE": "0",
            "MARCHWARDEN_LOG_LEVEL": "INFO",
        }
    )
    if store == "postgres":
        env["MARCHWARDEN_BUS"] = "nats"
    log = open(folder / "gateway.log", "ab")  # noqa: SIM115 - lives as long as the process
    proc = subprocess.Popen(
        [sys.executable, "-m", "marchwarden", "tak", "serve"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    while "tak gateway ready" not in (folder / "gateway.log").read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError((folder / "gateway.log").read_text()[-2000:])
        time.sleep(0.1)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def run_case(
    port: int, pid: int, senders: int, receivers: int, rate: float, duration: float, out: Path
) -> dict[str, Any]:
    subprocess.run(
        [
            sys.executable,
            str(HERE / "takbench.py"),
            "--port",
            str(port),
            "--senders",
            str(senders),
            "--receivers",
            str(receivers),
            "--rate",
            str(rate),
            "--duration",
            str(duration),
            "--drain",
            "5",
            "--settle",
            "1",
            "--monitor",
            f"gw={pid}",
            "--json-out",
            str(out),
        ],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def _pss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        if line.startswith("Pss:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def idle(port: int, pid: int, n: int, seconds: float) -> dict[str, float]:
    conns = []
    for i in range(n):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
        writer.write(
            f'<event version="2.0" uid="idle-{i}" type="a-f-G-U-C" how="m-g" time="{now}" '
            f'start="{now}" stale="{stale}"><point lat="50.5" lon="36.5" hae="0" ce="10" '
            f'le="10"/><detail><contact callsign="IDLE{i}"/></detail></event>'.encode()
        )
        conns.append((reader, writer))

    # every new device gets every earlier device's SA (n²/2 messages): read them all, and
    # start measuring once nothing has arrived for 3 s
    last = [time.monotonic()]

    async def drain(r: asyncio.StreamReader) -> None:
        while await r.read(1 << 16):
            last[0] = time.monotonic()

    drains = [asyncio.create_task(drain(r)) for r, _ in conns]
    deadline = time.monotonic() + 120
    while time.monotonic() - last[0] < 3 and time.monotonic() < deadline:
        await asyncio.sleep(0.5)
    t0, c0 = time.monotonic(), _cpu_ticks(pid)
    await asyncio.sleep(seconds)
    t1, c1 = time.monotonic(), _cpu_ticks(pid)
    pss = _pss_mb(pid)
    for _, w in conns:
        w.close()
    for d in drains:
        d.cancel()
    return {
        "connections": n,
        "cpu_pct_of_one_core": round(100 * (c1 - c0) / TICK / (t1 - t0), 2),
        "pss_mb": round(pss, 1),
        "seconds": seconds,
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--case", default="10x10@20", help="SENDERSxRECEIVERS@RATE (RATE 0: flood)")
    ap.add_argument("--idle", type=int, default=0, help="measure N idle connections instead")
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    print(f"machine: {describe_machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with database(args.store, folder) as url:
            port = free_port()
            proc = start_gateway(url, folder, port, args.store)
            try:
                if args.idle:
                    res = asyncio.run(idle(port, proc.pid, args.idle, args.duration))
                    print(f"idle ({args.store}): {json.dumps(res)}")
                    return
                shape, rate = args.case.split("@")
                senders, receivers = (int(x) for x in shape.split("x"))
                r = run_case(
                    port,
                    proc.pid,
                    senders,
                    receivers,
                    float(rate),
                    args.duration,
                    folder / "out.json",
                )
                lat = r["latency_ms"]
                assert isinstance(lat, dict)
                cpu = r.get("server_cpu_window", {})
                pss = r.get("server_peak_pss_mb", {})
                print(
                    f"{args.case} ({args.store}, {args.duration:g} s): sent {r['sent']} "
                    f"({r['sent_rate']}/s), delivered {r['delivered_after_drain']}/"
                    f"{r['expected_deliveries']} = {100 * float(r['delivery_ratio'] or 0):.2f} %, "
                    f"{r['deliveries_per_s_in_window']} deliveries/s, latency p50 {lat['p50']} "
                    f"p99 {lat['p99']} max {lat['max']} ms, echo {r['echo_to_sender']}, "
                    f"gateway CPU {cpu.get('gw', {}).get('cpu_pct_of_one_core')} % of a core, "
                    f"PSS {pss.get('gw')} MB"
                )
            finally:
                stop(proc)
                for line in (folder / "gateway.log").read_text(errors="replace").splitlines():
                    if "tak gateway stopping" in line:
                        print("gateway counters: " + json.dumps(json.loads(line).get("stats")))


if __name__ == "__main__":
    main()
