#!/usr/bin/env python3
# Copied unchanged from the takbench load generator (see bench/bench_tak.py and
# docs/benchmarks.md) so that the gateway is measured with the same instrument as
# FreeTAKServer; kept verbatim, hence excluded from ruff and mypy in pyproject.toml.
"""takbench: load generator for TAK servers relaying plain-XML CoT over TCP streaming.

N sender clients each send position CoT events (a-f-G-U-C, one uid per sender) at a fixed
total rate (or as fast as possible with --rate 0); M receiver clients count what they get.
Every client first sends its own SA (like ATAK does), optionally after --sa-delay seconds
(OpenTAKServer needs ~1 s, see README). Each bench event carries "<remarks>tb RUN SENDER SEQ TS</remarks>";
the receiver matches that text anywhere in the event (FTS moves remarks into a detail attribute),
so latency = receive time - TS (same host clock).

Everything is bounded: connect phase, settle, readiness probe (--ready-timeout), send phase
(--duration), drain (--drain); then the script closes all sockets and exits.

Resource monitor (--monitor label=PID ...) samples /proc for each PID *and all its descendants*:
sum RSS, sum PSS (smaps_rollup), and CPU seconds (including exited descendants' last-seen CPU).

Python >= 3.8, stdlib only. Example:
  python3 bench.py --port 8087 --senders 10 --receivers 10 --rate 200 --duration 20 \
      --monitor fts=$(cat fts.pid) --json-out results/fts_lat.json
"""
import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import resource
import socket
import sys
import time

PAGE = os.sysconf("SC_PAGE_SIZE")
TCK = os.sysconf("SC_CLK_TCK")


# ----------------------------------------------------------------------------- CoT
def _iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 1000:03d}Z"


def sa_event(uid, callsign, lat, lon, hae=12.0, remarks=None, stale_s=120):
    now = dt.datetime.now(dt.timezone.utc)
    t = _iso(now)
    st = _iso(now + dt.timedelta(seconds=stale_s))
    rem = f"<remarks>{remarks}</remarks>" if remarks else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<event version="2.0" uid="{uid}" type="a-f-G-U-C" time="{t}" start="{t}" stale="{st}" how="m-g">'
        f'<point lat="{lat:.7f}" lon="{lon:.7f}" hae="{hae:.1f}" ce="9.9" le="9999999.0"/>'
        f'<detail><contact callsign="{callsign}" endpoint="*:-1:stcp"/>'
        f'<__group name="Cyan" role="Team Member"/>'
        f'<takv device="takbench" platform="takbench" os="linux" version="1.0"/>'
        f'<track course="90.0" speed="1.5"/>{rem}</detail></event>'
    ).encode()


END = b"</event>"
TB_RE = re.compile(rb"tb (\w+) (\d+) (\d+) (\d+\.\d+)")


# ------------------------------------------------------------------------- monitor
def _all_stat():
    """pid -> (ppid, utime+stime ticks, rss pages)"""
    out = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as f:
                s = f.read()
        except OSError:
            continue
        r = s.rfind(b")")
        fields = s[r + 2:].split()
        # fields[0]=state, [1]=ppid, [11]=utime, [12]=stime, [21]=rss
        out[int(d)] = (int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[21]))
    return out


def _tree(root, stats):
    kids = {}
    for pid, (ppid, _, _) in stats.items():
        kids.setdefault(ppid, []).append(pid)
    res, stack = [], [root]
    while stack:
        p = stack.pop()
        if p in stats:
            res.append(p)
            stack.extend(kids.get(p, []))
    return res


def _pss_kb(pid):
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class Monitor:
    def __init__(self, targets, interval=0.5, pss_every=4):
        self.targets = targets  # label -> root pid
        self.interval = interval
        self.pss_every = pss_every
        self.cpu_seen = {lab: {} for lab in targets}  # label -> pid -> last ticks
        self.peak_rss = {lab: 0 for lab in targets}
        self.peak_pss = {lab: 0 for lab in targets}
        self.peak_procs = {lab: 0 for lab in targets}
        self.marks = {}
        self._n = 0
        self.running = True

    def sample(self):
        stats = _all_stat()
        self._n += 1
        do_pss = (self._n - 1) % self.pss_every == 0
        for lab, root in self.targets.items():
            pids = _tree(root, stats)
            rss = sum(stats[p][2] for p in pids) * PAGE
            self.peak_rss[lab] = max(self.peak_rss[lab], rss)
            self.peak_procs[lab] = max(self.peak_procs[lab], len(pids))
            for p in pids:
                self.cpu_seen[lab][p] = stats[p][1]
            if do_pss:
                pss = sum(_pss_kb(p) for p in pids) * 1024
                self.peak_pss[lab] = max(self.peak_pss[lab], pss)

    def cpu_ticks(self, lab):
        return sum(self.cpu_seen[lab].values())

    def mark(self, name):
        self.sample()
        self.marks[name] = (time.time(), {lab: self.cpu_ticks(lab) for lab in self.targets})

    def cpu_between(self, a, b):
        ta, ca = self.marks[a]
        tb, cb = self.marks[b]
        el = max(tb - ta, 1e-9)
        return {lab: {"cpu_s": (cb[lab] - ca[lab]) / TCK, "cpu_pct_of_one_core": 100.0 * (cb[lab] - ca[lab]) / TCK / el}
                for lab in self.targets}

    async def run(self):
        while self.running:
            try:
                self.sample()
            except Exception as e:  # never kill the bench because of /proc races
                print("monitor error", e, file=sys.stderr)
            await asyncio.sleep(self.interval)


# -------------------------------------------------------------------------- clients
class Stats:
    def __init__(self):
        self.t_start = None  # measurement window
        self.t_end = None
        self.lat = []  # seconds, messages sent inside the window
        self.lat_cap = 3_000_000
        self.recv_in_window = 0  # deliveries of window-sent msgs received inside window
        self.recv_window_msgs_total = 0  # deliveries of window-sent msgs received at any time
        self.recv_total_bytes = 0
        self.recv_other = 0  # non-bench or other-run events
        self.recv_ready = 0
        self.echo_to_sender = 0
        self.sent_window = 0
        self.sent_total = 0
        self.per_receiver = {}


async def client_reader(reader, role, idx, run_id, st, ready_sets, n_senders):
    buf = b""
    seen_ready = ready_sets.get(idx) if role == "R" else None
    while True:
        try:
            data = await reader.read(262144)
        except (ConnectionError, OSError):
            return
        if not data:
            return
        now = time.time()
        st.recv_total_bytes += len(data)
        buf += data
        while True:
            i = buf.find(END)
            if i < 0:
                break
            msg = buf[:i + 8]
            buf = buf[i + 8:]
            m = TB_RE.search(msg)
            if not m or m.group(1).decode() != run_id:
                st.recv_other += 1
                continue
            sender = int(m.group(2))
            seq = int(m.group(3))
            ts = float(m.group(4))
            if role == "S":
                if sender == idx:
                    st.echo_to_sender += 1
                continue
            if seq == 0:  # readiness probe
                st.recv_ready += 1
                seen_ready.add(sender)
                continue
            in_win = st.t_start is not None and ts >= st.t_start and (st.t_end is None or ts <= st.t_end)
            if in_win:
                st.recv_window_msgs_total += 1
                st.per_receiver[idx] = st.per_receiver.get(idx, 0) + 1
                if st.t_end is None or now <= st.t_end:
                    st.recv_in_window += 1
                if len(st.lat) < st.lat_cap:
                    st.lat.append(now - ts)


async def open_client(args, role, idx, run_id, st, ready_sets, n_senders, conns):
    for attempt in range(5):
        try:
            r, w = await asyncio.wait_for(asyncio.open_connection(args.host, args.port), 10)
            break
        except (OSError, asyncio.TimeoutError):
            await asyncio.sleep(0.5)
    else:
        return None
    s = w.get_extra_info("socket")
    try:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:
        pass
    task = asyncio.create_task(client_reader(r, role, idx, run_id, st, ready_sets, n_senders))
    uid = f"tb-{run_id}-{role}{idx}"
    call = f"TB{run_id}-{role}{idx}"  # unique per run: OTS has UNIQUE(euds.callsign) bound to the first uid
    lat = 37.70 + random.random() * 0.1
    lon = -122.50 + random.random() * 0.1

    async def first_sa():
        await asyncio.sleep(args.sa_delay)
        w.write(sa_event(uid, call, lat, lon))
        await w.drain()

    sa_task = asyncio.create_task(first_sa())
    c = {"r": r, "w": w, "task": task, "uid": uid, "call": call, "lat": lat, "lon": lon, "sa": sa_task}
    conns.append(c)
    return c


async def sender_loop(args, c, idx, run_id, st, t_start, t_end, per_sender_rate):
    w = c["w"]
    seq = 1
    lat, lon = c["lat"], c["lon"]
    if per_sender_rate > 0:
        interval = 1.0 / per_sender_rate
        nxt = t_start + random.random() * interval
        while True:
            now = time.time()
            if now >= t_end:
                break
            if nxt > now:
                await asyncio.sleep(nxt - now)
            ts = time.time()
            if ts >= t_end:
                break
            lat += 0.00001
            w.write(sa_event(c["uid"], c["call"], lat, lon, remarks=f"tb {run_id} {idx} {seq} {ts:.6f}"))
            st.sent_window += 1
            seq += 1
            nxt += interval
            if w.transport.get_write_buffer_size() > 1_000_000:
                await w.drain()
    else:  # flood: as fast as the socket accepts
        while time.time() < t_end:
            ts = time.time()
            lat += 0.00001
            w.write(sa_event(c["uid"], c["call"], lat, lon, remarks=f"tb {run_id} {idx} {seq} {ts:.6f}"))
            st.sent_window += 1
            seq += 1
            await w.drain()
            await asyncio.sleep(0)


def pct(sorted_vals, p):
    if not sorted_vals:
        return None
    k = min(len(sorted_vals) - 1, max(0, int(round(p / 100.0 * (len(sorted_vals) - 1)))))
    return sorted_vals[k]


async def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8087)
    ap.add_argument("--senders", type=int, default=10)
    ap.add_argument("--receivers", type=int, default=10)
    ap.add_argument("--rate", type=float, default=200.0, help="total offered msgs/s over all senders; 0 = flood")
    ap.add_argument("--duration", type=float, default=20.0)
    ap.add_argument("--sa-delay", type=float, default=1.0, help="seconds between connect and the client's first SA")
    ap.add_argument("--connect-interval", type=float, default=0.03)
    ap.add_argument("--settle", type=float, default=3.0)
    ap.add_argument("--ready-timeout", type=float, default=30.0)
    ap.add_argument("--drain", type=float, default=5.0, help="seconds to keep reading after senders stop")
    ap.add_argument("--monitor", nargs="*", default=[], help="label=PID (PID and its descendants)")
    ap.add_argument("--label", default="")
    ap.add_argument("--json-out", default="")
    args = ap.parse_args()
    for h in (args.host,):
        if not (h.startswith("127.") or h in ("localhost", "::1")):
            sys.exit("refusing non-loopback target")

    run_id = f"{int(time.time()) % 100000}{random.randint(10, 99)}"
    st = Stats()
    conns_s, conns_r = [], []
    ready_sets = {i: set() for i in range(args.receivers)}
    mon = Monitor({k: int(v) for k, v in (x.split("=") for x in args.monitor)})
    mon_task = asyncio.create_task(mon.run()) if mon.targets else None
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t_conn0 = time.time()

    # receivers first (they must be subscribed before senders start), then senders
    for i in range(args.receivers):
        await open_client(args, "R", i, run_id, st, ready_sets, args.senders, conns_r)
        await asyncio.sleep(args.connect_interval)
    for i in range(args.senders):
        await open_client(args, "S", i, run_id, st, ready_sets, args.senders, conns_s)
        await asyncio.sleep(args.connect_interval)
    await asyncio.gather(*(c["sa"] for c in conns_s + conns_r), return_exceptions=True)
    t_conn = time.time() - t_conn0
    await asyncio.sleep(args.settle)

    # readiness probe: every sender sends seq 0; wait until every receiver saw every sender
    t_ready0 = time.time()
    for idx, c in enumerate(conns_s):
        c["w"].write(sa_event(c["uid"], c["call"], c["lat"], c["lon"], remarks=f"tb {run_id} {idx} 0 {time.time():.6f}"))
    want = len(conns_s)
    while time.time() - t_ready0 < args.ready_timeout:
        if all(len(ready_sets[i]) >= want for i in range(len(conns_r))):
            break
        await asyncio.sleep(0.1)
    ready_time = time.time() - t_ready0
    n_ready = sum(1 for i in range(len(conns_r)) if len(ready_sets[i]) >= want)
    pairs_ready = sum(len(ready_sets[i]) for i in range(len(conns_r)))
    await asyncio.sleep(1.0)

    # measurement window
    mon.mark("start")
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    t_start = time.time() + 0.2
    t_end = t_start + args.duration
    st.t_start, st.t_end = t_start, t_end
    per_sender = args.rate / max(1, len(conns_s)) if args.rate > 0 else 0
    await asyncio.gather(*(sender_loop(args, c, i, run_id, st, t_start, t_end, per_sender) for i, c in enumerate(conns_s)))
    await asyncio.sleep(max(0.0, t_end - time.time()))
    mon.mark("end")
    ru2 = resource.getrusage(resource.RUSAGE_SELF)
    recv_at_end = st.recv_window_msgs_total
    # drain
    t_dr = time.time()
    expected = st.sent_window * len(conns_r)
    while time.time() - t_dr < args.drain and st.recv_window_msgs_total < expected:
        await asyncio.sleep(0.1)
    drain_used = time.time() - t_dr
    mon.mark("drained")

    for c in conns_s + conns_r:
        try:
            c["w"].close()
        except Exception:
            pass
    await asyncio.sleep(0.3)
    for c in conns_s + conns_r:
        c["task"].cancel()
    mon.running = False
    if mon_task:
        await asyncio.sleep(0)
        mon_task.cancel()

    lat = sorted(st.lat)
    win = args.duration
    gen_cpu = (ru2.ru_utime + ru2.ru_stime) - (ru1.ru_utime + ru1.ru_stime)
    res = {
        "label": args.label, "port": args.port, "senders": len(conns_s), "receivers": len(conns_r),
        "offered_rate": args.rate, "duration_s": win, "sa_delay_s": args.sa_delay,
        "connect_phase_s": round(t_conn, 2),
        "ready_receivers": n_ready, "ready_pairs": pairs_ready, "ready_pairs_wanted": want * len(conns_r),
        "ready_wait_s": round(ready_time, 2),
        "sent": st.sent_window, "sent_rate": round(st.sent_window / win, 1),
        "expected_deliveries": expected,
        "delivered_in_window": st.recv_in_window,
        "delivered_by_end_of_window": recv_at_end,
        "delivered_after_drain": st.recv_window_msgs_total, "drain_used_s": round(drain_used, 2),
        "delivery_ratio": round(st.recv_window_msgs_total / expected, 4) if expected else None,
        "deliveries_per_s_in_window": round(st.recv_in_window / win, 1),
        "unique_msgs_relayed_per_s": round(st.recv_in_window / win / max(1, len(conns_r)), 1),
        "echo_to_sender": st.echo_to_sender,
        "latency_ms": {k: (round(v * 1000, 2) if v is not None else None) for k, v in (
            ("min", lat[0] if lat else None), ("p50", pct(lat, 50)), ("p90", pct(lat, 90)), ("p95", pct(lat, 95)),
            ("p99", pct(lat, 99)), ("max", lat[-1] if lat else None))},
        "latency_samples": len(lat),
        "loadgen_cpu_pct_of_one_core": round(100 * gen_cpu / win, 1),
        "loadgen_maxrss_mb": round(ru2.ru_maxrss / 1024, 1),
    }
    if mon.targets:
        res["server_cpu_window"] = {k: {kk: round(vv, 2) for kk, vv in v.items()} for k, v in mon.cpu_between("start", "end").items()}
        res["server_peak_rss_mb"] = {k: round(v / 2**20, 1) for k, v in mon.peak_rss.items()}
        res["server_peak_pss_mb"] = {k: round(v / 2**20, 1) for k, v in mon.peak_pss.items()}
        res["server_peak_procs"] = mon.peak_procs
    print(json.dumps(res, indent=1))
    if args.json_out:
        os.makedirs(os.path.dirname(os.path.abspath(args.json_out)), exist_ok=True)
        with open(args.json_out, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    asyncio.run(main())
