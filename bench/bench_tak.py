"""The TAK gateway under load: ``takbench`` (bench/takbench.py, the generator the
FreeTAKServer figures were taken with) against a fresh ``marchwarden tak serve``.

    .venv/bin/python bench/bench_tak.py --case 10x10@20
    .venv/bin/python bench/bench_tak.py --case 10x10@200
    .venv/bin/python bench/bench_tak.py --case 50x50@50
    .venv/bin/python bench/bench_tak.py --case 10x10@0      # flood: the saturation point
    .venv/bin/python bench/bench_tak.py --idle 1000         # idle connections: CPU, PSS
    (--store postgres: PostgreSQL + NATS instead of SQLite; --duration: seconds per case)
    .venv/bin/python bench/bench_tak.py --peer fts          # side by side with FreeTAKServer

``--peer fts`` runs FreeTAKServer 2.2.1 and the gateway (SQLite, and PostgreSQL + NATS)
alternately in one run through the same cases (10x10@20, 10x10@200, 50x50@50), then a
saturation search for each (bench/_fts.py says how FreeTAKServer is installed and
isolated).

Each case starts a fresh gateway (plain TCP, anonymous devices, no per-device rate limit
so the relay itself is measured), runs the generator with ``--monitor`` on the gateway,
prints the generator's figures and the machine, and stops the gateway.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from bench import _fts
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
        # its own relay subject: gateways of other runs on this NATS are not its peers
        env["MARCHWARDEN_TAK_RELAY_SUBJECT"] = f"marchwarden.bench.{os.getpid()}.{port}"
    log = open(folder / "gateway.log", "ab")  # noqa: SIM115 - lives as long as the process
    start = log.tell()
    proc = subprocess.Popen(
        [sys.executable, "-m", "marchwarden", "tak", "serve"], env=env, stdout=log, stderr=log
    )
    deadline = time.monotonic() + 60
    # only this start's lines count (the log is appended to across restarts)
    while "tak gateway ready" not in (text := _read_from(folder / "gateway.log", start)):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(text[-2000:])
        time.sleep(0.1)
    ready = text[text.index("tak gateway ready ") :].split("\n", 1)[0]
    if json.loads(ready.removeprefix("tak gateway ready ")).get("tcp") != port:
        # the port free_port() found was taken meanwhile (by another process on this
        # machine): the generator must not measure whatever listens there
        stop(proc)
        raise PortTaken(port)
    return proc


def _read_from(path: Path, offset: int) -> str:
    with path.open("rb") as fh:
        fh.seek(offset)
        return fh.read().decode(errors="replace")


class PortTaken(RuntimeError):
    pass


def start_gateway_on_a_free_port(
    url: str, folder: Path, store: str
) -> tuple[subprocess.Popen[bytes], int]:
    for _ in range(5):
        port = free_port()
        try:
            return start_gateway(url, folder, port, store), port
        except PortTaken:
            continue
    raise RuntimeError("no free port for the gateway in 5 tries")


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()


def takbench_args(
    port: int,
    pid: int | None,
    senders: int,
    receivers: int,
    rate: float,
    duration: float,
    out: Path,
) -> list[str]:
    return [
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
        # FreeTAKServer accepts connections one by one and reads each one's first SA
        # before the next; clients connecting every 30 ms (takbench's default) are
        # dropped on a loaded machine, so every server gets them every 300 ms
        "--connect-interval",
        "0.3",
        "--json-out",
        str(out),
        *(["--monitor", f"gw={pid}"] if pid is not None else []),
    ]


def run_case(
    port: int, pid: int, senders: int, receivers: int, rate: float, duration: float, out: Path
) -> dict[str, Any]:
    before = _schedstat(pid)
    subprocess.run(
        [sys.executable, *takbench_args(port, pid, senders, receivers, rate, duration, out)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    after = _schedstat(pid)
    result: dict[str, Any] = json.loads(out.read_text())
    # the kernel's own account of the gateway over the whole case: time on a CPU and time
    # runnable but waiting for one (a loaded machine shows up as the second)
    result["gateway_on_cpu_s"] = round((after[0] - before[0]) / 1e9, 3)
    result["gateway_waiting_for_cpu_s"] = round((after[1] - before[1]) / 1e9, 3)
    result["gateway_timeslices"] = after[2] - before[2]
    return result


def _schedstat(pid: int) -> tuple[int, int, int]:
    """/proc/PID/schedstat summed over the process's threads: ns on a CPU, ns runnable
    and waiting on a run queue, timeslices."""
    total = [0, 0, 0]
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError):
            fields = (task / "schedstat").read_text().split()
            for i in range(3):
                total[i] += int(fields[i])
    return total[0], total[1], total[2]


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


CASES = ("10x10@20", "10x10@200", "50x50@50")
#: offered msgs/s (10 senders, 10 receivers) tried in turn until delivery falls below 100 %
LADDER = {
    "fts": (20, 50, 100, 200, 400),
    "ours": (200, 500, 1000, 2000, 4000, 8000),
}


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.2f}/{five:.2f}"


def describe(server: str, case: str, r: dict[str, Any], duration: float) -> str:
    lat = r["latency_ms"]
    cpu = r.get("server_cpu_window", {}).get("gw", {}).get("cpu_pct_of_one_core")
    pss = r.get("server_peak_pss_mb", {}).get("gw")
    return (
        f"{server:>8} {case:>10} ({duration:g} s): sent {r['sent']} ({r['sent_rate']}/s), "
        f"delivered {r['delivered_after_drain']}/{r['expected_deliveries']} = "
        f"{100 * float(r['delivery_ratio'] or 0):.2f} %, "
        f"{r['deliveries_per_s_in_window']} deliveries/s, latency p50 {lat['p50']} "
        f"p99 {lat['p99']} max {lat['max']} ms, echo {r['echo_to_sender']}, "
        f"server CPU {cpu} % of a core, PSS {pss} MB, procs "
        f"{r.get('server_peak_procs', {}).get('gw')}, ready pairs {r['ready_pairs']}/"
        f"{r['ready_pairs_wanted']}, generator CPU {r['loadgen_cpu_pct_of_one_core']} % of a "
        f"core{_sched(r)}; {_load()}"
    )


def _sched(r: dict[str, Any]) -> str:
    if "gateway_on_cpu_s" not in r:
        return ""
    return (
        f", gateway on a CPU {r['gateway_on_cpu_s']} s and waiting for one "
        f"{r['gateway_waiting_for_cpu_s']} s over {r['gateway_timeslices']} timeslices"
    )


def one(server: str, case: str, duration: float, folder: Path, venv: Path | None) -> dict[str, Any]:
    """One case against a fresh server: ``fts``, ``sqlite`` or ``postgres``."""
    shape, rate = case.split("@")
    senders, receivers = (int(x) for x in shape.split("x"))
    out = Path(tempfile.mkdtemp(prefix=f"{server}-out-", dir=folder)) / "out.json"
    if server == "fts":
        assert venv is not None
        args = takbench_args(_fts.PORT, None, senders, receivers, float(rate), duration, out)
        timeout = duration + 240
        return _fts.run_case(venv, args, out, out.with_name("fts.log"), timeout)
    sub = Path(tempfile.mkdtemp(prefix=f"{server}-", dir=folder))
    with database(server, sub) as url:
        proc, port = start_gateway_on_a_free_port(url, sub, server)
        try:
            return run_case(port, proc.pid, senders, receivers, float(rate), duration, out)
        finally:
            stop(proc)


def side_by_side(duration: float, stores: list[str], cases: list[str]) -> None:
    """FreeTAKServer and the gateway alternately, case by case, then the saturation search."""
    try:
        venv: Path | None = _fts.ensure_installed()
        print(f"FreeTAKServer {_fts.VERSION}: {venv}")
    except _fts.FtsUnavailable as exc:
        venv = None
        print(f"FreeTAKServer: BLOCKED, not measured: {exc}")
    servers = (["fts"] if venv is not None else []) + stores
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for case in cases:
            for server in servers:
                _report(server, case, duration, folder, venv)
        for server in servers:
            ladder = LADDER["fts" if server == "fts" else "ours"]
            last_full = None
            for rate in ladder:
                r = _report(server, f"10x10@{rate}", duration, folder, venv)
                if r is None:
                    break
                if float(r["delivery_ratio"] or 0) < 1.0:
                    print(
                        f"saturation {server}: delivery first below 100 % at {rate} msgs/s "
                        f"offered ({r['sent_rate']}/s sent); last at 100 %: {last_full}"
                    )
                    break
                last_full = rate
            else:
                print(f"saturation {server}: 100 % up to {last_full} msgs/s offered (ladder end)")


def _report(
    server: str, case: str, duration: float, folder: Path, venv: Path | None
) -> dict[str, Any] | None:
    try:
        r = one(server, case, duration, folder, venv)
    except (_fts.FtsUnavailable, RuntimeError, subprocess.CalledProcessError) as exc:
        print(f"{server:>8} {case:>10}: FAILED: {exc}")
        return None
    print(describe(server, case, r, duration), flush=True)
    return r


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--case", default="10x10@20", help="SENDERSxRECEIVERS@RATE (RATE 0: flood)")
    ap.add_argument("--idle", type=int, default=0, help="measure N idle connections instead")
    ap.add_argument("--duration", type=float, default=15.0)
    ap.add_argument("--store", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--peer", choices=["fts"], help="run side by side with this server")
    ap.add_argument("--stores", default="sqlite,postgres", help="with --peer: ours on these")
    ap.add_argument(
        "--cases",
        default=",".join(CASES),
        help='with --peer: cases before the saturation ("": none)',
    )
    args = ap.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, 8192)), hard))
    print(f"machine: {describe_machine()}; {_load()}")
    if args.peer:
        side_by_side(args.duration, args.stores.split(","), [c for c in args.cases.split(",") if c])
        return
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        with database(args.store, folder) as url:
            proc, port = start_gateway_on_a_free_port(url, folder, args.store)
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
                    f"PSS {pss.get('gw')} MB{_sched(r)}; {_load()}"
                )
            finally:
                stop(proc)
                for line in (folder / "gateway.log").read_text(errors="replace").splitlines():
                    if "tak gateway stopping" in line:
                        print("gateway counters: " + json.dumps(json.loads(line).get("stats")))


if __name__ == "__main__":
    main()
