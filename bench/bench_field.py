"""The field page: how fast a phone's outbox drains on reconnect, and what the page costs
to load on a slow connection.

    .venv/bin/python bench/bench_field.py [--actions 200] [--profile 3g]

A real ``marchwarden serve`` on SQLite; Debian's headless Chromium as a phone (360 x 800).

1. Reconnect → last acknowledgement: signed in on ``/field/``, the context is set offline
   and N actions are queued through the page's own outbox (``/field/outbox.js``): half
   reports, half unit positions (``POST /api/v1/field/actions``), each with its key. The
   context goes online and the page's 'online' handler drains the outbox, one request at
   a time, in order. Time from the 'online' event to the last item marked accepted
   (measured in the page), and the throughput.
2. Load on a throttled connection (Chromium's network emulation over CDP; ``3g``: 100 ms
   latency, 750 kbit/s down, 250 kbit/s up): the first load of ``/field/`` in a fresh
   context (no cache, no service worker) until the sign-in form shows, then — once the
   service worker is active — a reload, which takes the page's modules and libraries from
   the worker's cache. Time and bytes transferred over the network (CDP
   ``Network.loadingFinished`` encodedDataLength, page and worker).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import describe_machine
from bench._server import PASSWORD, database, server, token

CHROMIUM = os.environ.get("MARCHWARDEN_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 360, "height": 800}
PROFILES = {
    # latency ms, down / up bytes per second (Chrome DevTools' presets)
    "3g": (100, 750 * 1024 // 8, 250 * 1024 // 8),
    "slow3g": (400, 400 * 1024 // 8, 400 * 1024 // 8),
}

QUEUE = """async ({n, unitId}) => {
  const outbox = await import('/field/outbox.js');
  for (let i = 0; i < n; i += 1) {
    if (i % 2 === 0) {
      await outbox.enqueue({kind: 'report', label: `bench report ${i}`, path: '/reports', body: {
        source_kind: 'volunteer', observed_at: new Date().toISOString(),
        position: {lon: 35.6 + i / 10000, lat: 50.45}, uncertainty_m: 50,
        incident_type: 'gunfire', text: `bench report ${i}`, rating: 'F3', reporter: 'bench'}});
    } else {
      await outbox.enqueue({kind: 'action', label: `bench position ${i}`, path: '/field/actions',
        body: {kind: 'unit.position', unit_id: unitId, lon: 35.6, lat: 50.45 + i / 10000,
               accuracy_m: 20}});
    }
  }
  return (await outbox.items()).length;
}"""

DRAINED = """() => new Promise((resolve) => {
  const t0 = performance.now();
  window.dispatchEvent(new Event('online'));
  const check = async () => {
    const outbox = await import('/field/outbox.js');
    const items = await outbox.items();
    if (items.every((i) => i.state === 'accepted' || i.state === 'refused')) {
      const refused = items.filter((i) => i.state === 'refused').length;
      resolve({ms: performance.now() - t0, refused});
    } else setTimeout(check, 25);
  };
  check();
})"""


def setup_unit(base: str, tok: str) -> int:
    h = {"Authorization": f"Bearer {tok}"}
    agency = httpx.post(
        base + "/api/v1/agencies",
        json={"code": "BENCH", "name": "Bench agency", "kind": "volunteer_self_defence"},
        headers=h,
        timeout=30,
    )
    agency.raise_for_status()
    unit = httpx.post(
        base + "/api/v1/units",
        json={
            "code": "BENCH-1",
            "name": "Bench unit",
            "agency_id": agency.json()["id"],
            "category": "company",
            "region": "RU-BEL",
            "home": {"lon": 35.6, "lat": 50.45},
        },
        headers=h,
        timeout=30,
    )
    unit.raise_for_status()
    return int(unit.json()["id"])


def sign_in(page: Any, base: str) -> None:
    page.goto(base + "/field/")
    page.fill("#username", "bench")
    page.fill("#password", PASSWORD)
    page.click("#signin-form button[type=submit]")
    page.wait_for_selector("#tabbar:not([hidden])")


def drain(browser: Any, base: str, unit_id: int, n: int) -> dict[str, float]:
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    sign_in(page, base)
    page.evaluate("() => navigator.serviceWorker.ready")
    context.set_offline(True)
    queued = page.evaluate(QUEUE, {"n": n, "unitId": unit_id})
    assert queued == n, queued
    context.set_offline(False)
    result: dict[str, float] = page.evaluate(DRAINED)
    context.close()
    return result


def load(browser: Any, base: str, profile: str) -> dict[str, float]:
    latency, down, up = PROFILES[profile]
    context = browser.new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {"offline": False, "latency": latency, "downloadThroughput": down, "uploadThroughput": up},
    )
    received = {"bytes": 0}
    cdp.on(
        "Network.loadingFinished",
        lambda e: received.__setitem__("bytes", received["bytes"] + int(e["encodedDataLength"])),
    )
    t0 = time.perf_counter()
    page.goto(base + "/field/")
    page.wait_for_selector("#signin:not([hidden])")
    first_ms = (time.perf_counter() - t0) * 1000
    page.wait_for_load_state("networkidle")
    first_bytes = received["bytes"]
    page.evaluate("() => navigator.serviceWorker.ready")
    page.wait_for_timeout(500)  # the worker's install-time caching is over
    received["bytes"] = 0
    t0 = time.perf_counter()
    page.reload()
    page.wait_for_selector("#signin:not([hidden])")
    reload_ms = (time.perf_counter() - t0) * 1000
    page.wait_for_load_state("networkidle")
    reload_bytes = received["bytes"]
    context.close()
    return {
        "first_ms": first_ms,
        "first_bytes": first_bytes,
        "reload_ms": reload_ms,
        "reload_bytes": reload_bytes,
    }


SHELL = (
    "/field/field.js",
    "/field/outbox.js",
    "/ui/stream.js",
    "/field/field.css",
    "/field/icon.svg",
    "/field/manifest.webmanifest",
    "/vendor/idb/index.js",
    "/vendor/leaflet/leaflet-src.esm.js",
    "/vendor/leaflet/leaflet.css",
    "/vendor/workbox/workbox-sw.js",
    "/vendor/workbox/workbox-core.prod.js",
    "/vendor/workbox/workbox-routing.prod.js",
    "/vendor/workbox/workbox-strategies.prod.js",
)


def shell_bytes(base: str) -> int:
    """What the service worker fetches for itself at install (its requests are not the
    page's, so CDP on the page does not count them)."""
    return sum(len(httpx.get(base + path, timeout=30).content) for path in SHELL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--actions", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="3g")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    print(f"machine: {describe_machine()}")
    with (
        tempfile.TemporaryDirectory() as tmp,
        database("sqlite", Path(tmp)) as url,
        server(url, Path(tmp)) as base,
        sync_playwright() as pw,
    ):
        unit_id = setup_unit(base, token(base))
        worker_kib = shell_bytes(base) / 1024
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        drains = [drain(browser, base, unit_id, args.actions) for _ in range(args.runs)]
        ms = [d["ms"] for d in drains]
        refused = sum(int(d["refused"]) for d in drains)
        print(
            f"reconnect → last of {args.actions} queued actions acknowledged "
            f"(half reports, half positions; {args.runs} runs): median "
            f"{statistics.median(ms):.0f} ms (min {min(ms):.0f}, max {max(ms):.0f}); "
            f"{args.actions / (statistics.median(ms) / 1000):.0f} actions/s; "
            f"refused: {refused}"
        )
        loads = [load(browser, base, args.profile) for _ in range(args.runs)]
        browser.close()
    for key, what in (
        ("first_ms", "first load, ms"),
        ("reload_ms", "reload with the service worker, ms"),
    ):
        values = [x[key] for x in loads]
        print(
            f"{args.profile}: {what}: median {statistics.median(values):.0f} "
            f"(min {min(values):.0f}, max {max(values):.0f})"
        )
    for key, what in (("first_bytes", "first load"), ("reload_bytes", "reload")):
        values = [x[key] for x in loads]
        print(f"{args.profile}: {what}: {statistics.median(values) / 1024:.1f} KiB transferred")
    print(
        f"the service worker's own install-time caching (not in the figures above): "
        f"{worker_kib:.1f} KiB, once"
    )


if __name__ == "__main__":
    main()
