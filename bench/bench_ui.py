"""The common operating picture in Chromium with 5,000 units: time to the first full render
and the rate of live updates the page keeps up with.

    .venv/bin/python bench/bench_ui.py [--units 5000] [--incidents 1000]
        [--rates 25,50,100,150,200,300] [--seconds 6] [--render-only]
        [--baseline REF [--rounds 4] [--baseline-server]]

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

4. With N incidents as well (``--incidents``, default 1,000; made through the API before
   the first render: every category of the taxonomy, every severity, a fifth over an
   area drawn as a polygon, two thirds moved on through the lifecycle): the first render
   waits for both ``marchwarden:units-drawn`` and ``marchwarden:incidents-drawn``
   (incidents.js: the first frame with every shown incident drawn); one frame of the
   incidents layer; live incident changes (severity changes through the API, and made-up
   IncidentStateChanged events fed to the page alone), commit/event → frame.

5. Panning and zooming, measured in the page: stepwise (each move without animation, then
   the time to the end of the next frame) and as frame times (requestAnimationFrame
   deltas: p50, p95, fps) while the map is dragged with the mouse at zoom 8 and 11 and
   while it zooms 6 → 12 → 6 with Leaflet's animation (each step waits, before the next,
   until the layers have drawn the new zoom: map.js `settling()`).

``--baseline REF`` compares the UI at git revision REF (its ``src/marchwarden/web``) with
the working tree's on the same server, data and browser: ``--rounds`` rounds, the order of
the two swapped each round, each a first render and the moves of part 5 in a fresh
context; the machine's load average is printed before and after. With
``--baseline-server`` the "before" pages talk to REF's server as well (its ``src/``, started
on a copy of the same database), so that a change of the server is measured too.
"""

from __future__ import annotations

import argparse
import mimetypes
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

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
    from playwright.sync_api import Browser, BrowserContext, Page, Route

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


INCIDENT_TYPES = (
    "armed_clash",
    "shelling_artillery_missile_attack",
    "air_drone_strike",
    "attack_on_civilians",
    "peaceful_protest",
    "mob_violence",
    "arrests",
    "cross_border_incursion",
    "sabotage_of_infrastructure",
    "airspace_violation",
)
SEVERITIES = ("unknown", "minor", "moderate", "severe", "extreme")
#: the lifecycle steps each incident is taken through (a third stay reported)
PATHS = (
    (),
    ("verified",),
    ("verified", "active"),
    ("verified", "active", "contained"),
    ("verified", "closed"),
    ("rejected",),
)


def make_incidents(url: str, token: str, n: int, threads: int, seed: int = 13) -> list[int]:
    """N incidents through the API (as an officer would make them), moved on through
    the lifecycle; returns their ids."""
    rng = random.Random(seed)
    regions = list(REGIONS.values())
    specs = []
    for i in range(n):
        x0, y0, x1, y1 = regions[i % len(regions)]
        lon, lat = round(rng.uniform(x0, x1), 5), round(rng.uniform(y0, y1), 5)
        if i % 5 == 0:
            d = rng.uniform(0.02, 0.08)
            ring = [[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d]]
            place: dict[str, Any] = {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}
        else:
            place = {"type": "Point", "coordinates": [lon, lat]}
        path = PATHS[0] if i % 3 == 0 else rng.choice(PATHS[1:])
        body = {
            "name": f"Incident {i:04d}",
            "incident_type": INCIDENT_TYPES[i % len(INCIDENT_TYPES)],
            "severity": rng.choice(SEVERITIES),
            "place": place,
        }
        specs.append((body, path))
    ids: list[int] = []
    lock = threading.Lock()
    headers = {"Authorization": f"Bearer {token}"}

    def work(k: int) -> None:
        with httpx.Client(base_url=url + "/api/v1", headers=headers, timeout=60) as client:
            for body, path in specs[k::threads]:
                made = client.post("/incidents", json=body)
                made.raise_for_status()
                incident_id = int(made.json()["id"])
                for step in path:
                    reason = "bench" if step == "rejected" else ""
                    client.post(
                        f"/incidents/{incident_id}/transition", json={"to": step, "reason": reason}
                    ).raise_for_status()
                with lock:
                    ids.append(incident_id)

    workers = [threading.Thread(target=work, args=(k,)) for k in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if len(ids) != n:
        raise RuntimeError(f"made {len(ids)} incidents of {n}")
    return sorted(ids)


class ServerProcess:
    def __init__(self, env: dict[str, str], folder: Path, *, add_user: bool = True) -> None:
        self.env = env
        self.folder = folder
        self.add_user = add_user
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> ServerProcess:
        made = (
            subprocess.run(
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
            if self.add_user
            else None
        )
        if made is not None and made.returncode != 0:
            raise RuntimeError(made.stderr)
        self.log = open(self.folder / "server.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "marchwarden", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 180  # a loaded machine starts it slowly
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


FIRST_RENDER = """(incidents) => {
  const mark = performance.getEntriesByName('marchwarden:units-drawn')[0];
  if (!mark) return null;
  const im = performance.getEntriesByName('marchwarden:incidents-drawn')[0];
  if (incidents && !im) return null;
  const is = window.marchwarden.incidents?.stats;
  const list = performance.getEntriesByType('resource')
    .filter(r => r.name.includes('/api/v1/incidents?'));
  const units = performance.getEntriesByType('resource')
    .find(r => r.name.endsWith('/api/v1/units'));
  const s = window.marchwarden.units.stats;
  return { total: mark.startTime - window.__submitAt, units: mark.detail.units,
           fetch: units ? units.responseEnd - units.startTime : null,
           fetchStart: units ? units.startTime - window.__submitAt : null,
           bytes: units ? units.encodedBodySize : null, frameMs: s.firstFrameMs ?? s.lastFrameMs,
           unitsAt: mark.startTime - window.__submitAt,
           incidentsAt: im ? im.startTime - window.__submitAt : null,
           shownIncidents: im ? im.detail.incidents : 0,
           incidentFrameMs: is ? is.firstFrameMs : null,
           incidentsFetch: list.length ? Math.max(...list.map(r => r.responseEnd))
             - Math.min(...list.map(r => r.startTime)) : null,
           incidentsBytes: list.reduce((n, r) => n + r.encodedBodySize, 0) };
}"""


def new_context(browser: Browser, web: Path | None = None) -> BrowserContext:
    """A fresh browser context; with ``web``, the page and its modules (``/`` and ``/ui/``)
    come from that folder instead of the server's (to compare two versions of the UI
    against the same server, data and browser, in alternation)."""
    context = browser.new_context(viewport=VIEWPORT)  # type: ignore[arg-type]
    if web is not None:
        folder = web

        def serve(route: Route) -> None:
            path = urlsplit(route.request.url).path
            name = "index.html" if path == "/" else path.removeprefix("/ui/")
            file = folder / name
            if not file.is_file():
                route.fulfill(status=404)
                return
            kind = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
            if file.suffix == ".js":
                kind = "text/javascript"
            route.fulfill(status=200, body=file.read_bytes(), content_type=kind)

        context.route(lambda url: urlsplit(url).path == "/", serve)
        context.route("**/ui/**", serve)
    return context


def first_render(
    browser: Browser, url: str, expected: int, incidents: int = 0, web: Path | None = None
) -> dict[str, float]:
    context = new_context(browser, web)
    try:
        page = context.new_page()
        sign_in(page, url)
        page.evaluate(
            "() => document.querySelector('#signin-form').addEventListener('submit', "
            "() => { window.__submitAt = performance.now(); }, { capture: true })"
        )
        page.click("#signin-submit")
        found: dict[str, float] = wait_for(page, FIRST_RENDER, incidents)
        if found["units"] != expected:
            raise AssertionError(f"drew {found['units']} units, expected {expected}")
        if incidents:
            found["total"] = max(found["unitsAt"], found["incidentsAt"])
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


REDRAW_INCIDENTS = """async (n) => {
  const layer = window.marchwarden.incidents.layer();
  const times = [];
  for (let i = 0; i < n; i += 1) {
    const t = performance.now();
    layer._drawNow();
    times.push(performance.now() - t);
    await new Promise(r => requestAnimationFrame(r));
  }
  return times;
}"""

#: panning and zooming measured in the page: each step moves the view without animation
#: (zoom 6 to 12 over the border regions, then 24 pans of 240 px at zoom 8 and at zoom 11)
#: and waits for the next animation frame; the time from the move to that frame's end is
#: the frame time a user feels (Leaflet's move plus both canvas layers' redraws, grouping
#: at low zoom and callsigns at high zoom included).
PAN_ZOOM = """async () => {
  const map = window.marchwarden.map.getMap();
  const frame = () => new Promise(r => requestAnimationFrame(() => r()));
  const centre = [50.7, 36.2];
  const zooms = {};
  for (const z of [6, 7, 8, 9, 10, 11, 12]) {
    const times = [];
    for (let i = 0; i < 5; i += 1) {
      const t = performance.now();
      map.setView([centre[0] + 0.01 * i, centre[1]], z, {animate: false});
      await frame();
      times.push(performance.now() - t);
    }
    zooms[z] = times;
  }
  const pans = {};
  for (const z of [8, 11]) {
    map.setView(centre, z, {animate: false});
    await frame();
    const times = [];
    for (let i = 0; i < 24; i += 1) {
      const t = performance.now();
      map.panBy([i % 2 ? -240 : 240, 0], {animate: false});
      await frame();
      times.push(performance.now() - t);
    }
    pans[z] = times;
  }
  return {zooms, pans, clustered: window.marchwarden.units.look?.() ?? null};
}"""

#: frame times as the page feels them: a requestAnimationFrame loop records the time
#: between frames (rAF deltas) while the view is moved the way a user moves it —
#: panning by dragging the map with the mouse (Playwright's real input events; Leaflet moves
#: the panes while dragging and the layers redraw when the drag ends, inertia included),
#: zooming with the zoom animation (map.zoomIn / zoomOut, as the + and − buttons do).
FRAMES_START = """() => {
  const rec = { deltas: [], last: null, on: true };
  window.__frames = rec;
  const tick = (t) => {
    if (!rec.on) return;
    if (rec.last !== null) rec.deltas.push(t - rec.last);
    rec.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""

FRAMES_STOP = """() => { window.__frames.on = false; return window.__frames.deltas; }"""

SET_VIEW = """async ([z, lat, lon]) => {
  const map = window.marchwarden.map.getMap();
  map.setView([lat, lon], z, {animate: false});
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
}"""

#: each step waits for the end of the zoom, two frames, and then for whatever the layers
#: still draw in the frames after an animated zoom (map.js `settling`, afterzoom.js; a UI
#: without it draws everything at the zoom's end), so that every level is drawn whole
ZOOMS = """async () => {
  const m = window.marchwarden.map;
  const map = m.getMap();
  const settled = () => new Promise((resolve) => {
    const check = () => (m.settling?.() ? requestAnimationFrame(check) : resolve());
    check();
  });
  const step = (dir) => new Promise((resolve) => {
    map.once('zoomend', () => requestAnimationFrame(() => requestAnimationFrame(resolve)));
    if (dir > 0) map.zoomIn(1); else map.zoomOut(1);
  }).then(settled);
  for (let z = 6; z < 12; z += 1) await step(+1);
  for (let z = 12; z > 6; z -= 1) await step(-1);
}"""


def frame_summary(deltas: list[float]) -> dict[str, float]:
    total = sum(deltas)
    return {
        "frames": len(deltas),
        "p50": pct(deltas, 50),
        "p95": pct(deltas, 95),
        "max": max(deltas) if deltas else float("nan"),
        "fps": len(deltas) / (total / 1000) if total else float("nan"),
    }


def frames_while_panning(page: Page, zoom: int) -> dict[str, float]:
    """Drag the map 4 times 480 px each way at `zoom` (30 mouse moves a drag)."""
    page.evaluate(SET_VIEW, [zoom, 50.7, 36.2])
    box = page.locator("#map").bounding_box()
    assert box is not None
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(FRAMES_START)
    for k in range(8):
        sign = 1 if k % 2 == 0 else -1
        page.mouse.move(cx - sign * 240, cy)
        page.mouse.down()
        page.mouse.move(cx + sign * 240, cy + 20 * sign, steps=30)
        page.mouse.up()
    page.wait_for_timeout(600)  # the inertia's glide and the redraw at its end
    return frame_summary(page.evaluate(FRAMES_STOP))


def frames_while_zooming(page: Page) -> dict[str, float]:
    """Zoom in from 6 to 12 and out again, one animated level at a time."""
    page.evaluate(SET_VIEW, [6, 50.7, 36.2])
    page.evaluate(FRAMES_START)
    page.evaluate(ZOOMS)
    return frame_summary(page.evaluate(FRAMES_STOP))


def frames_line(name: str, f: dict[str, float]) -> str:
    return (
        f"{name}: {f['frames']:.0f} frames, frame time p50 {f['p50']:.1f} ms, "
        f"p95 {f['p95']:.1f} ms, max {f['max']:.0f} ms; {f['fps']:.0f} fps"
    )


INCIDENT_LAGS_SINCE = """(since) => window.marchwarden.incidents.timings
  .filter(t => t.event > since && t.event < 1e12)
  .map(t => [t.drawn - t.at, t.received - t.at])"""


def patch_severities(
    url: str,
    headers: dict[str, str],
    plan: list[tuple[int, str]],
    started: float,
    rate: float,
    first: int,
    step: int,
    lock: threading.Lock,
    counts: list[int],
) -> None:
    """One client thread: its share of the plan, each change at its due time."""
    with httpx.Client(base_url=url + "/api/v1", headers=headers, timeout=60) as client:
        for n, (incident_id, severity) in enumerate(plan):
            wait = started + (first + n * step) / rate - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            ok = client.patch(f"/incidents/{incident_id}", json={"severity": severity})
            with lock:
                counts[0 if ok.status_code == 200 else 1] += 1


def incidents_through_server(
    page: Page,
    url: str,
    token: str,
    shown: list[dict[str, Any]],
    rates: list[float],
    seconds: float,
) -> list[dict[str, float]]:
    """Severity changes (PATCH) at a fixed rate from 4 threads; commit → frame lag."""
    rows = []
    current = {int(i["id"]): str(i["severity"]) for i in shown}
    ids = list(current)
    rng = random.Random(17)
    headers = {"Authorization": f"Bearer {token}"}
    for rate in rates:
        since = httpx.get(url + "/api/v1/stream/position", headers=headers, timeout=30).json()[
            "last_event_id"
        ]
        total = int(rate * seconds)
        plan = []
        for _ in range(total):
            # always a real change (the same severity again is no change and no event)
            incident_id = rng.choice(ids)
            severity = rng.choice([x for x in SEVERITIES if x != current[incident_id]])
            current[incident_id] = severity
            plan.append((incident_id, severity))
        started = time.monotonic()
        counts = [0, 0]
        lock = threading.Lock()

        workers = [
            threading.Thread(
                target=patch_severities,
                args=(url, headers, plan[k::4], started, rate, k, 4, lock, counts),
            )
            for k in range(4)
        ]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        elapsed = time.monotonic() - started
        done, failed = counts
        finished = time.monotonic()
        lags: list[list[float]] = []
        while time.monotonic() - finished < 15:
            lags = page.evaluate(INCIDENT_LAGS_SINCE, since)
            if len(lags) >= done:
                break
            time.sleep(0.1)
        total_lag = [x[0] for x in lags]
        row = {
            "rate": rate,
            "posted": done,
            "failed": failed,
            "achieved": done / elapsed,
            "drawn": len(lags),
            "p50": pct(total_lag, 50),
            "p95": pct(total_lag, 95),
            "max": max(total_lag) if total_lag else float("nan"),
        }
        rows.append(row)
        print(
            f"  asked {rate:>5.0f}/s: changed {done} ({row['achieved']:.0f}/s, {failed} failed); "
            f"drawn {len(lags)}; lag commit→frame p50 {row['p50']:.0f} ms, "
            f"p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms",
            flush=True,
        )
    return rows


INJECT_INCIDENTS = """async ([rate, seconds, ids]) => {
  const m = window.marchwarden;
  // this run's events, by time received (the page keeps a bounded list of timings, so
  // an index taken before the run may point past entries dropped from its front)
  const since = performance.timeOrigin + performance.now();
  const s0 = { frames: m.incidents.stats.frames, ms: m.incidents.stats.drawMs };
  const total = Math.round(rate * seconds);
  const { emit } = await import('/ui/events.js');
  const t0 = performance.now();
  let sent = 0;
  const id = 2e12;
  const order = ['verified', 'active', 'contained'];
  await new Promise((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due) {
        const incident = ids[sent % ids.length];
        const state = order[Math.floor(sent / ids.length) % order.length];
        emit({ id: id + sent, type: 'IncidentStateChanged',
               at: new Date(performance.timeOrigin + performance.now()).toISOString(),
               data: { incident_id: incident, region: null, agencies: [], state,
                       previous: 'reported' } });
        sent += 1;
      }
      if (sent >= total) resolve(); else setTimeout(tick, 4);
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  const busy = (m.incidents.stats.drawMs - s0.ms) / (elapsed * 1000);
  const frames = m.incidents.stats.frames - s0.frames;
  await new Promise(r => setTimeout(r, 1500));
  const lags = m.incidents.timings.filter(t => t.received >= since).map(t => t.drawn - t.received);
  return { sent, elapsed, drawn: lags.length, lags, busy, frames };
}"""


def incidents_in_page(
    page: Page, ids: list[int], rates: list[float], seconds: float
) -> list[dict[str, float]]:
    rows = []
    for rate in rates:
        got: dict[str, Any] = page.evaluate(INJECT_INCIDENTS, [rate, seconds, ids])
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
            f"p95 {row['p95']:.0f} ms, max {row['max']:.0f} ms; {got['frames']} frames, "
            f"drawing {row['busy']:.1%} of the time",
            flush=True,
        )
        if achieved < 0.9 * rate or row["p95"] > 1000:
            break
    return rows


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
  const since = performance.timeOrigin + performance.now();  // see INJECT_INCIDENTS
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
  const lags = u.timings.filter(t => t.received >= since).map(t => t.drawn - t.received);
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


def baseline_web(ref: str, into: Path, what: str = "src/marchwarden/web") -> Path:
    """The UI's folder (src/marchwarden/web) as it is at git revision ``ref``; with ``what``
    "src", the whole of its ``src/`` (server and UI) is unpacked into ``into``."""
    root = Path(__file__).resolve().parents[1]
    archive = subprocess.run(
        ["git", "-C", str(root), "archive", ref, what], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "src" / "marchwarden" / "web"


def baseline_server_env(ref: str, env: dict[str, str], folder: Path) -> tuple[dict[str, str], Path]:
    """What REF's server needs to run beside the working tree's: its ``src/`` first on the
    path (with the working tree's vendored libraries, which are generated, not committed)
    and a copy of the benchmark's database and audit anchor. Returns its environment and
    its UI's folder."""
    into = folder / "baseline"
    into.mkdir()
    web = baseline_web(ref, into, "src")
    here = Path(__file__).resolve().parents[1] / "src" / "marchwarden" / "web" / "vendor"
    shutil.copytree(here, web / "vendor", dirs_exist_ok=True)
    anchor = Path(env["MARCHWARDEN_AUDIT_ANCHOR_PATH"])
    if anchor.exists():
        shutil.copy(anchor, into / anchor.name)
    store = env["MARCHWARDEN_DATABASE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(store) as source, sqlite3.connect(into / "bench.db") as copy:
        source.backup(copy)
    baseline = dict(env)
    baseline.update(
        {
            "PYTHONPATH": str(into / "src"),
            "MARCHWARDEN_DATABASE_URL": f"sqlite:///{into / 'bench.db'}",
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(into / anchor.name),
        }
    )
    return baseline, web


def reply_costs(url: str, token: str, path: str = "/api/v1/units", n: int = 7) -> str:
    """The server's time for a reply as JSON and gzipped (request sent → body read, on this
    machine's loopback: the median of ``n`` each, alternated), and the bytes of each."""
    times: dict[str, list[float]] = {"identity": [], "gzip": []}
    size: dict[str, int] = {}
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(n):
            for encoding in times:
                headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": encoding}
                started = time.perf_counter()
                with client.stream("GET", path, headers=headers) as reply:
                    size[encoding] = len(b"".join(reply.iter_raw()))
                times[encoding].append(1000 * (time.perf_counter() - started))
    return (
        f"GET {path}: {size['identity'] / 1e6:.2f} MB as JSON in "
        f"{statistics.median(times['identity']):.0f} ms, {size['gzip'] / 1e6:.2f} MB gzipped in "
        f"{statistics.median(times['gzip']):.0f} ms (medians of {n}, alternated)"
    )


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} (1 / 5 / 15 min)"


def moves_in(browser: Browser, url: str, web: Path) -> dict[str, Any]:
    """Signed in on a fresh page of the UI in ``web``: the stepwise moves (PAN_ZOOM), then
    the frame times while dragging at zoom 8 and 11 and while zooming."""
    context = new_context(browser, web)
    try:
        page = context.new_page()
        sign_in(page, url)
        page.click("#signin-submit")
        wait_for(page, "() => performance.getEntriesByName('marchwarden:units-drawn').length")
        wait_for(page, "() => performance.getEntriesByName('marchwarden:incidents-drawn').length")
        page.wait_for_timeout(500)
        steps = page.evaluate(PAN_ZOOM)
        return {
            "zoom steps": [t for times in steps["zooms"].values() for t in times],
            "pan steps z8": steps["pans"]["8"],
            "pan steps z11": steps["pans"]["11"],
            "drag z8": frames_while_panning(page, 8),
            "drag z11": frames_while_panning(page, 11),
            "zoom anim": frames_while_zooming(page),
        }
    finally:
        context.close()


def compare_versions(
    browser: Browser, units: int, incidents: int, rounds: int, arms: dict[str, tuple[str, Path]]
) -> None:
    """Each version in turn (the order swapped every round), on the same data: ``arms``
    names each version's server (its URL) and UI (its folder)."""
    names = list(arms)
    renders: dict[str, list[float]] = {n: [] for n in names}
    moves: dict[str, list[dict[str, Any]]] = {n: [] for n in names}
    print(f"comparing {' and '.join(names)}, {rounds} rounds in alternation; {load_average()}")
    for k in range(rounds):
        for name in names if k % 2 == 0 else names[::-1]:
            url, web = arms[name]
            r = first_render(browser, url, units, incidents, web)
            renders[name].append(r["total"])
            print(f"  round {k + 1} {name}: first render {r['total']:.0f} ms", flush=True)
            moves[name].append(moves_in(browser, url, web))
    print(f"done; {load_average()}")
    for name in names:
        got = moves[name]
        totals = renders[name]
        print(
            f"{name}: first render median {statistics.median(totals):.0f} ms "
            f"({min(totals):.0f}–{max(totals):.0f})"
        )
        for key in ("zoom steps", "pan steps z8", "pan steps z11"):
            times = [t for m in got for t in m[key]]
            med = statistics.median(times)
            print(
                f"  {key} (move → end of next frame): median {med:.1f} ms "
                f"(~{min(60.0, 1000 / med):.0f} fps), p95 {pct(times, 95):.1f} ms"
            )
        for key in ("drag z8", "drag z11", "zoom anim"):
            for m in got:
                print("  " + frames_line(key, m[key]))


def compare(
    args: argparse.Namespace,
    env: dict[str, str],
    folder: Path,
    server: ServerProcess,
    browser: Browser,
) -> None:
    """--baseline: REF's UI (and with --baseline-server its server) against the working tree's."""
    here = Path(__file__).resolve().parents[1] / "src" / "marchwarden" / "web"
    before = f"before ({args.baseline})"
    after = "after (working tree)"
    if not args.baseline_server:
        arms = {
            before: (server.url, baseline_web(args.baseline, folder)),
            after: (server.url, here),
        }
        compare_versions(browser, args.units, args.incidents, args.rounds, arms)
        return
    baseline_env, web = baseline_server_env(args.baseline, env, folder)
    with ServerProcess(baseline_env, folder / "baseline", add_user=False) as old:
        print(f"the before pages talk to {args.baseline}'s server (a copy of the database)")
        arms = {before: (old.url, web), after: (server.url, here)}
        compare_versions(browser, args.units, args.incidents, args.rounds, arms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--units", type=int, default=5000)
    parser.add_argument("--incidents", type=int, default=1000)
    parser.add_argument("--incident-rates", default="10,25,50")
    parser.add_argument("--incident-page-rates", default="100,250,500,1000,2000")
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
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="compare the UI at git revision REF with the working tree's, in alternation "
        "(first render, stepwise moves, frame times while dragging and zooming), then stop",
    )
    parser.add_argument("--rounds", type=int, default=4, help="rounds of --baseline")
    parser.add_argument(
        "--baseline-server",
        action="store_true",
        help="with --baseline: the before pages talk to REF's server (its src/, on a copy of "
        "the database), not to the working tree's",
    )
    parser.add_argument(
        "--render-only",
        action="store_true",
        help="first render, one frame, and panning/zooming only (no live updates)",
    )
    args = parser.parse_args()
    rates = [float(r) for r in args.rates.split(",")]
    page_rates = [float(r) for r in args.page_rates.split(",")]
    incident_rows: list[dict[str, float]] = []

    print(f"machine: {describe_machine()}")
    print(f"browser: {CHROMIUM} (headless, software rendering), viewport 1366x768")
    print(f"server: marchwarden serve on SQLite, synchronous={args.sqlite_synchronous}")
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
                started = time.perf_counter()
                incident_ids = make_incidents(
                    server.url, server.token(), args.incidents, args.threads
                )
                shown = httpx.get(
                    server.url + "/api/v1/incidents?open=true&limit=1000",
                    headers={"Authorization": f"Bearer {server.token()}"},
                    timeout=60,
                ).json()["items"]
                print(
                    f"incidents: {len(incident_ids)} made through the API in "
                    f"{time.perf_counter() - started:.1f} s ({len(shown)} open, shown on the map "
                    "by default; closed and rejected are hidden unless asked for)"
                )
                print(
                    "the reply the first render waits for most: "
                    + reply_costs(server.url, server.token())
                )
                if args.baseline:
                    compare(args, env, folder, server, browser)
                    return
                print(
                    f"first render, sign-in to all {args.units} units and the "
                    f"{len(shown)} open incidents drawn ({args.renders} runs):"
                )
                renders = [
                    first_render(browser, server.url, args.units, args.incidents)
                    for _ in range(args.renders)
                ]
                for r in renders:
                    incidents_part = (
                        f"; incidents drawn at {r['incidentsAt']:.0f} ms ({r['shownIncidents']}; "
                        f"GET /incidents: {r['incidentsBytes'] / 1e6:.2f} MB in "
                        f"{r['incidentsFetch']:.0f} ms; first frame {r['incidentFrameMs']:.1f} ms)"
                        if args.incidents
                        else ""
                    )
                    print(
                        f"  {r['total']:.0f} ms (units drawn at {r['unitsAt']:.0f} ms; "
                        f"GET /units: {r['bytes'] / 1e6:.1f} MB in "
                        f"{r['fetch']:.0f} ms, from {r['fetchStart']:.0f} ms; first frame "
                        f"{r['frameMs']:.1f} ms{incidents_part})"
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

                if args.incidents:
                    wait_for(
                        page,
                        "() => performance.getEntriesByName('marchwarden:incidents-drawn').length",
                    )
                moves = page.evaluate(PAN_ZOOM)
                print("panning and zooming (move to the end of the next frame; grouping on):")
                for z, times in moves["zooms"].items():
                    print(
                        f"  zoom to {z}: median {statistics.median(times):.1f} ms, "
                        f"max {max(times):.1f} ms"
                    )
                for z, times in moves["pans"].items():
                    med = statistics.median(times)
                    print(
                        f"  pan 240 px at zoom {z}: median {med:.1f} ms "
                        f"(~{min(60.0, 1000 / med):.0f} fps), p95 {pct(times, 95):.1f} ms"
                    )
                print("frame times in the page (rAF deltas) while dragging and zooming:")
                for z in (8, 11):
                    print("  " + frames_line(f"drag at zoom {z}", frames_while_panning(page, z)))
                print("  " + frames_line("zoom 6 → 12 → 6, animated", frames_while_zooming(page)))
                if args.render_only:
                    context.close()
                    return
                if args.incidents:
                    frames = page.evaluate(REDRAW_INCIDENTS, 30)
                    print(
                        f"one frame of the {len(shown)} open incidents (whole view): median "
                        f"{statistics.median(frames):.1f} ms, max {max(frames):.1f} ms"
                    )
                    open_ids = [int(i["id"]) for i in shown]
                    print("live incident changes through the server (severity, 4 threads):")
                    incidents_through_server(
                        page,
                        server.url,
                        server.token(),
                        shown,
                        [float(r) for r in args.incident_rates.split(",")],
                        args.seconds,
                    )
                    print("live incident changes fed to the page alone (IncidentStateChanged):")
                    incident_rows = incidents_in_page(
                        page,
                        open_ids,
                        [float(r) for r in args.incident_page_rates.split(",")],
                        args.seconds,
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
    best_incidents = max((r["achieved"] for r in incident_rows if keeps_up(r, "sent")), default=0.0)
    print(
        f"summary: {args.units} units and {args.incidents} incidents; first render median "
        f"{statistics.median(totals):.0f} ms (aim < 2000); {through}; the page alone keeps up "
        f"with {best_page:.0f} unit events/s (aim: 100/s) and {best_incidents:.0f} incident "
        "events/s"
    )


if __name__ == "__main__":
    main()
