"""The field page's server side: /field/ with its CSP, the service worker, the manifest,
and the offline libraries (Workbox, idb) served from /vendor/, nothing from elsewhere."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from marchwarden.entrypoints.api.web import FIELD_DIR, VENDOR_DIR

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


def test_the_field_page_its_worker_and_manifest_come_from_the_server(client: TestClient) -> None:
    moved = client.get("/field", follow_redirects=False)
    assert moved.status_code == 308 and moved.headers["location"] == "/field/"
    page = client.get("/field/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced and all(ref.startswith("/") for ref in referenced), referenced
    worker = client.get("/field/sw.js")
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert "importScripts('/vendor/workbox/workbox-sw.js')" in worker.text
    assert "modulePathPrefix: '/vendor/workbox/'" in worker.text  # never Workbox's CDN
    manifest = client.get("/field/manifest.webmanifest")
    assert manifest.headers["content-type"].startswith("application/manifest+json")
    assert manifest.json()["scope"] == "/field/" and manifest.json()["display"] == "standalone"
    for name in sorted(p.name for p in FIELD_DIR.glob("*.js")):
        module = client.get(f"/field/{name}")
        assert module.status_code == 200, name
        for spec in re.findall(r"""(?:import|from)\s*\(?\s*['"]([^'"]+)['"]""", module.text):
            assert spec.startswith(("/field/", "/vendor/", "/ui/")), (name, spec)


def test_workbox_and_idb_are_vendored(client: TestClient) -> None:
    for path in (
        "workbox/workbox-sw.js",
        "workbox/workbox-core.prod.js",
        "workbox/workbox-routing.prod.js",
        "workbox/workbox-strategies.prod.js",
        "idb/index.js",
    ):
        assert (VENDOR_DIR / path).is_file(), f"run `make setup` to vendor {path}"
        assert client.get(f"/vendor/{path}").status_code == 200, path
