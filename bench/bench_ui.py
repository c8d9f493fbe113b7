"""The common operating picture in Chromium with 5,000 units: time to the first full render
and the rate of live updates the page keeps up with.

    .venv/bin/python bench/bench_ui.py [--units 5000] [--rates 25,50,100,150,200,300] [--seconds 6]

A real ``marchwarden serve`` on SQLite (durability FULL, the default; ``--sqlite-synchronous
NORMAL`` to compare) with N units in the three
border regions (21 agencies of every kind; no members: strength is declared), signed in as
an admin in headless Chromium (Debian's, /usr/bin/chromium) at 1366×768.

1. First render: from the sign-in form's submit to the ``marchwarden:units-drawn``
   performance mark (units.js: the first frame with every unit drawn; the map and its
   geodata are in by then), in fresh browser contexts.
2. Live updates through the server: client threads post status changes and positions at a
   fixed total rate through the API; the page records, per stream event, the server's time
   stamp and the moment the frame that drew it ended. Lag = frame end − event time stamp
   (both clocks are this machine's). The page keeps up at a rate when every change is drawn
   and the 95th percentile lag stays under 1 s. The server's own write rate caps this part.
3. Live updates the page alone keeps up with: made-up UnitStatusChanged events fed to the
   page's event dispatcher (the Events log and the Units board see them as from the
   stream) at rising rates, to find the page's limit apart from the server's.

1,000 incidents on the map are not part of the figures: this build has no incidents layer
on the map yet (the incidents API and board are still being written), so the script says
so instead of inventing them.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import describe_machine
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.forces.model import NewUnit
from marchwarden.core.forces.status import UnitStatus
from marchwarden.services import forces
from marchwarden.settings import Settings

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway benchmark account
CHROMIUM = os.environ.get("MARCHWARDEN_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1366, "height": 768}
KINDS = (
    "army",
    "border_service",
    "national_guard",
    "police",
    "emergency_service",
    "volunteer_self_defence",
    "other",
)
#: rough boxes (lon, lat) inside Bryansk, Kursk and Belgorod regions
REGIONS = {
    "RU-BRY": (32.2, 52.2, 34.8, 53.6),
    "RU-KRS": (34.6, 51.2, 37.4, 52.2),
    "RU-BEL": (35.6, 50.3, 38.3, 51.0),
}


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Registry:
    unit_ids: list[int]
    homes: dict[int, tuple[float, float]]
    status: dict[int, str]
    seconds: float


def build_registry(env: dict[str, str], n_units: int, seed: int = 7) -> Registry:
    """N units through the services (audited, with events, as the API would write them)."""
    url = env["MARCHWARDEN_DATABASE_URL"]
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    svc = build_services(
        Settings(
            _env_file=None, database_url=url, audit_anchor_path=env["MARCHWARDEN_AUDIT_ANCHOR_PATH"]
        )
    )
    rng = random.Random(seed)
    started = time.perf_counter()
    agencies: list[tuple[int, str]] = []
    for region in REGIONS:
        for kind in KINDS:
            code = f"{region[3:]}-{kind.upper()[:6]}"
            made = forces.create_agency(
                svc, None, code=code, name=f"{region} {kind}", kind=kind, region=region
            )
            agencies.append((made.id, region))
    ids: list[int] = []
    homes: dict[int, tuple[float, float]] = {}
    status: dict[int, str] = {}
    statuses = [UnitStatus.AVAILABLE] * 7 + [UnitStatus.ASSIGNED] * 2 + [UnitStatus.OFF_DUTY]
    for i in range(n_units):
        agency_id, region = agencies[i % len(agencies)]
        x0, y0, x1, y1 = REGIONS[region]
        lon, lat = round(rng.uniform(x0, x1), 5), round(rng.uniform(y0, y1), 5)
        unit = forces.create_unit(
            svc,
            None,
            NewUnit(
                code=f"U{i:05d}",
                name=f"Unit {i:05d}",
                agency_id=agency_id,
                parent_id=None,
                category="platoon",
                region=region,
                home_lon=lon,
                home_lat=lat,
                capabilities=("patrol",),
                readiness=rng.randint(1, 4),
                status=rng.choice(statuses),
                declared_strength=rng.randint(8, 40),
            ),
        )
        ids.append(unit.id)
        homes[unit.id] = (lon, lat)
        status[unit.id] = unit.status.value
    svc.db.engine.dispose()
    return Registry(ids, homes, status, time.perf_counter() - started)


class ServerProcess:
    def __init__(self, env: dict[str, str], folder: Path) -> None:
        self.env = env
        self.folder = folder
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        made = subprocess.run(
            [
                *(sys.executable, "-m", "marchwarden", "users", "add", "bench"),
                *("--role", "admin", "--password-stdin"),
            ],
            input=PASSWORD + "\n",
            env=self.env,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise RuntimeError(made.stderr)
        self.log = open(self.folder / "server.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "marchwarden", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.url + "/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                raise RuntimeError("the server did not start; see " + str(self.log.name))
            time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=60)
        self.log.close()

    def token(self) -> str:
        reply = httpx.post(
            self.url + "/api/v1/auth/login",
            json={"username": "bench", "password": PASSWORD},
            timeout=30,
        )
        reply.raise_for_status()
        return str(reply.json()["access_token"])


def sign_in(page: Page, url: str) -> None:
    page.goto(url + "/")
    page.wait_for_selector("#signin-form")
    page.fill("#signin-username", "bench")
    page.fill("#signin-password", PASSWORD)


def wait_for(page: Page, script: str, arg: Any = None, timeout_s: float = 60) -> Any:
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(script, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(script)
        time.sleep(0.02)


FIRST_RENDER = """() => {
  const mark = performance.getEntriesByName('marchwarden:units-drawn')[0];
  if (!mark) return null;
  const units = performance.getEntriesByType('resource')
    .find(r => r.name.endsWith('/api/v1/units'));
  const s = window.marchwarden.units.stats;
  return { total: mark.startTime - window.__submitAt, units: mark.detail.units,
           fetch: units ? units.responseEnd - units.startTime : null,
           fetchStart: units ? units.startTime - window.__submitAt : null,
           bytes: units ? units.encodedBodySize : null, frameMs: s.firstFrameMs ?? s.lastFrameMs };
}"""


def first_render(browser: Browser, url: str, expected: int) -> dict[str, float]:
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        sign_in(page, url)
        page.evaluate(
            "() => document.querySelector('#signin-form').addEventListener('submit', "
            "() => { window.__submitAt = performance.now(); }, { capture: true })"
        )
        page.click("#signin-submit")
        found: dict[str, float] = wait_for(page, FIRST_RENDER)
        if found["units"] != expected:
            raise AssertionError(f"drew {found['units']} units, expected {expected}")
        return found
    finally:
        context.close()


REDRAW = """async (n) => {
  const layer = window.marchwarden.units.layer();
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    layer._drawNow();
    times.push(performance.now() - t);
    await new Promise(r => requestAnimationFrame(r));
  }
  return times;
}"""


def post_updates(
    url: str,
    token: str,
    reg: Registry,
    rate: float,
    seconds: float,
    threads: int,
    rng: random.Random,
) -> tuple[int, int, float]:
    """Post status changes and positions (half each) at ``rate`` per second in total."""
    per_thread = rate / threads
    count = int(rate * seconds)
    done = [0] * threads
    failed = [0] * threads
    movable = [u for u in reg.unit_ids if reg.status[u] in ("available", "out_of_service")]
    shares = [movable[k::threads] for k in range(threads)]
    seeds = [rng.random() for _ in range(threads)]
    start = time.monotonic() + 0.2

    def work(k: int) -> None:
        mine = shares[k]
        local = random.Random(seeds[k])
        n = count // threads + (1 if k < count % threads else 0)
        with httpx.Client(
            base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=60
        ) as client:
            for i in range(n):
                due = start + (i + k / threads) / per_thread
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                unit = mine[(i // 2) % len(mine)]
                if i % 2 == 0:
                    new = "out_of_service" if reg.status[unit] == "available" else "available"
                    reply = client.post(f"/units/{unit}/status", json={"status": new})
                    if reply.status_code == 200:
                        reg.status[unit] = new
                else:
                    lon, lat = reg.homes[unit]
                    reply = client.post(
                        f"/units/{unit}/positions",
                        json={
                            "lon": lon + local.uniform(-0.02, 0.02),
                            "lat": lat + local.uniform(-0.02, 0.02),
                        },
                    )
                if reply.status_code == 200:
                    done[k] += 1
                else:
                    failed[k] += 1

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.monotonic() - start
    return sum(done), sum(failed), elapsed


STATS = """() => { const s = window.marchwarden.units.stats;
  return { frames: s.frames, partialFrames: s.partialFrames, drawMs: s.drawMs,
           now: performance.now() }; }"""

LAGS_SINCE = """(since) => window.marchwarden.units.timings
  .filter(t => t.event > since)
  .map(t => [t.drawn - t.at, t.received - t.at, t.drawn - t.received])"""


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def live_through_server(
    page: Page,
    server: ServerProcess,
    reg: Registry,
    rates: list[float],
    seconds: float,
    threads: int,
) -> list[dict[str, float]]:
    token = server.token()
    rng = random.Random(11)
    rows = []
    for rate in rates:
        since = httpx.get(
            server.url + "/api/v1/stream/position",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
        ).json()["last_event_id"]
        before = page.evaluate(STATS)
        done, failed, elapsed = post_updates(server.url, token, reg, rate, seconds, threads, rng)
        finished = time.monotonic()
        lags: list[list[float]] = []
        while time.monotonic() - finished < 15:
            lags = page.evaluate(LAGS_SINCE, since)
            if len(lags) >= done:
                break
            time.sleep(0.1)
        settle = time.monotonic() - finished
        total = [x[0] for x in lags]
        stream = [x[1] for x in lags]
        after = page.evaluate(STATS)
        frames = after["frames"] - before["frames"]
        partial = after["partialFrames"] - before["partialFrames"]
        busy = (after["drawMs"] - before["drawMs"]) / (after["now"] - before["now"])
        rows.append(
            {
                "rate": rate,
                "posted": done,
                "failed": failed,
                "achieved": done / elapsed,
                "drawn": len(lags),
                "p50": pct(total, 50),
                "p95": pct(total, 95),
                "max": max(total) if total else float("nan"),
                "stream_p50": pct(stream, 50),
                "frames": frames,
                "partial": partial,
                "busy": busy,
                "settle": settle,
            }
        )
        print(
            f"  asked {rate:>5.0f}/s: posted {done} ({done / elapsed:.0f}/s, {failed} failed); "
            f"drawn {len(lags)}; lag commit→frame p50 {pct(total, 50):.0f} ms, "
            f"p95 {pct(total, 95):.0f} ms, max {rows[-1]['max']:.0f} ms "
            f"(stream delivery p50 {pct(stream, 50):.0f} ms); {frames} frames "
            f"({partial} partial), drawing {busy:.1%} of the time",
            flush=True,
        )
        if done / elapsed < 0.8 * rate:
            print("  (the server could not take more: stopping the server-side part here)")
            break
    return rows


INJECT = """async ([rate, seconds, ids]) => {
  const u = window.marchwarden.units;
  const before = u.timings.length;
  const s0 = { frames: u.stats.frames, partial: u.stats.partialFrames, ms: u.stats.drawMs };
  const total = Math.round(rate * seconds);
  const t0 = performance.now();
  let sent = 0;
  let id = 1e12;
  const state = new Map();
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) {
        const unit = ids[sent % ids.length];
        const off = state.get(unit) === 'available';
        const status = off ? 'out_of_service' : 'available';
        state.set(unit, status);
        u.inject({ id: id + sent, type: 'UnitStatusChanged',
                   at: new Date(performance.timeOrigin + performance.now()).toISOString(),
                   data: { unit_id: unit, status, availability: off ? 'unavailable' : 'available',
                           previous: off ? 'available' : 'out_of_service', note: '' } });
        sent += 1;
      }
      if (sent >= total) resolve(); else setTimeout(tick, 4);
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  const busy = (u.stats.drawMs - s0.ms) / (elapsed * 1000);
  const frames = u.stats.frames - s0.frames;
  const partial = u.stats.partialFrames - s0.partial;
  await new Promise(r => setTimeout(r, 1500));
  const lags = u.timings.slice(before).map(t => t.drawn - t.received);
  return { sent, elapsed, drawn: lags.length, lags, busy, frames, partial };
}"""


def live_in_page(
    page: Page, ids: list[int], rates: list[float], seconds: float
) -> list[dict[str, float]]:
    rows = []
    for rate in rates:
        got: dict[str, Any] = page.evaluate(INJECT, [rate, seconds, ids[:2000]])
        lags = [float(x) for x in got["lags"]]
        achieved = got["sent"] / got["elapsed"]
        row = {
            "rate": rate,
            "achieved": achieved,
            "drawn": got["drawn"],
            "sent": got["sent"],
            "p50": pct(lags, 50),
            "p95": pct(lags, 95),
            "max": max(lags) if lags else float("nan"),
            "busy": float(got["busy"]),
        }
        rows.append(row)
        print(
            f"  fed {rate:>6.0f}/s: {got['sent']} events in {got['elapsed']:.1f} s "
            f"({achieved:.0f}/s); drawn {got['drawn']}; lag event→frame p50 {row['p50']:.0f} ms, "
            f"p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms; {got['frames']} frames "
            f"({got['partial']} partial), drawing {row['busy']:.1%} of the time",
            flush=True,
        )
        if achieved < 0.9 * rate or row["p95"] > 1000:
            break
    return rows


def keeps_up(row: dict[str, float], asked: str = "posted") -> bool:
    return row["drawn"] >= row[asked] and row["p95"] < 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--renders", type=int, default=5)
    parser.add_argument("--rates", default="25,50,100,150,200,300")
    parser.add_argument("--page-rates", default="100,250,500,1000,2000,4000")
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument(
        "--sqlite-synchronous",
        choices=["FULL", "NORMAL"],
        default="FULL",
        help="the server's SQLite durability (MARCHWARDEN_SQLITE_SYNCHRONOUS)",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    page_rates = [float(r) for r in args.page_rates.split(",")]

    print(f"machine: {describe_machine()}")
    print(f"browser: {CHROMIUM} (headless, software rendering), viewport 1366x768")
    print(f"server: marchwarden serve on SQLite, synchronous={args.sqlite_synchronous}")
    print(
        "incidents: none drawn — 1,000 incidents on the map are not measured: this build has "
        "no incidents layer yet"
    )
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(os.environ)
        env.update(
            {
                "MARCHWARDEN_ENVIRONMENT": "test",
                "MARCHWARDEN_SECRET_KEY": "bench-secret-" + "x" * 32,
                "MARCHWARDEN_DATABASE_URL": f"sqlite:///{folder / 'bench.db'}",
                "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(folder / "audit.anchor"),
                "MARCHWARDEN_LOG_LEVEL": "WARNING",
                "MARCHWARDEN_LOGIN_SLOWDOWN_AFTER": "1000",
                "MARCHWARDEN_LOGIN_LOCK_AFTER": "1000",
                "MARCHWARDEN_SQLITE_SYNCHRONOUS": args.sqlite_synchronous,
            }
        )
        reg = build_registry(env, args.units)
        print(f"registry: {len(reg.unit_ids)} units, 21 agencies, made in {reg.seconds:.1f} s")
        with ServerProcess(env, folder) as server, sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=CHROMIUM,
                args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
                headless=True,
            )
            try:
                print(f"browser version: Chromium {browser.version}")
                print(
                    f"first render, sign-in to all {args.units} units drawn ({args.renders} runs):"
                )
                renders = [
                    first_render(browser, server.url, args.units) for _ in range(args.renders)
                ]
                for r in renders:
                    print(
                        f"  {r['total']:.0f} ms (GET /units: {r['bytes'] / 1e6:.1f} MB in "
                        f"{r['fetch']:.0f} ms, from {r['fetchStart']:.0f} ms; first frame "
                        f"{r['frameMs']:.1f} ms)"
                    )
                totals = [r["total"] for r in renders]
                print(
                    f"first render: median {statistics.median(totals):.0f} ms, "
                    f"max {max(totals):.0f} ms (aim < 2000 ms)"
                )

                context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
                page = context.new_page()
                sign_in(page, server.url)
                page.click("#signin-submit")
                wait_for(
                    page, "() => performance.getEntriesByName('marchwarden:units-drawn').length"
                )
                wait_for(
                    page, "() => document.querySelector('#connection').dataset.state === 'live'"
                )
                frames = page.evaluate(REDRAW, 30)
                print(
                    f"one frame of {args.units} units (whole view): median "
                    f"{statistics.median(frames):.1f} ms, max {max(frames):.1f} ms"
                )

                print(
                    f"live updates through the server ({args.threads} client threads, "
                    f"{args.seconds:.0f} s per rate; half status changes, half positions):"
                )
                server_rows = live_through_server(
                    page, server, reg, rates, args.seconds, args.threads
                )
                print("live updates fed to the page alone (UnitStatusChanged, 6 s per rate):")
                page_rows = live_in_page(page, reg.unit_ids, page_rates, args.seconds)
                context.close()
            finally:
                browser.close()

    kept = [r for r in server_rows if keeps_up(r)]
    best_server = max(kept, key=lambda r: r["achieved"]) if kept else None
    best_page = max((r["achieved"] for r in page_rows if keeps_up(r, "sent")), default=0.0)
    through = (
        f"through the server: all of the {best_server['achieved']:.0f} updates/s it committed "
        f"(asked {best_server['rate']:.0f}/s) drawn, lag p95 {best_server['p95']:.0f} ms"
        if best_server
        else "through the server: did not keep up at any rate"
    )
    print(
        f"summary: first render median {statistics.median(totals):.0f} ms (aim < 2000); "
        f"{through}; the page alone keeps up with {best_page:.0f} events/s (aim: 100/s)"
    )


if __name__ == "__main__":
    main()
