"""The browser UI's server side: the page, its modules, Leaflet, /config, /stream/position."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fastapi.testclient import TestClient
from starlette.responses import PlainTextResponse

from marchwarden import __version__
from marchwarden.core.access.model import Role
from marchwarden.entrypoints.api.app import create_app
from marchwarden.entrypoints.api.middleware import CompressedReadsMiddleware
from marchwarden.entrypoints.api.web import LEAFLET_MODULE, WEB_DIR
from tests.factories import login, make_user

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings


def test_the_page_and_its_modules_come_from_the_server(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp
    # everything the page names is on this server: no scheme, no other host
    referenced = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert referenced and all(ref.startswith(("/", "#")) for ref in referenced), referenced
    assert client.head("/").status_code == 200

    for name in sorted(p.name for p in WEB_DIR.glob("*.js")):
        module = client.get(f"/ui/{name}")
        assert module.status_code == 200, name
        assert module.headers["content-type"].startswith("text/javascript"), name
        # modules import only each other and /vendor/
        for spec in re.findall(
            r"""(?:\bimport\s*\(\s*|\bimport\s+|\bfrom\s+)['"]([^'"]+)['"]""", module.text
        ):
            assert spec.startswith(("./", "/vendor/")), (name, spec)
    assert client.get("/ui/app.css").headers["content-type"].startswith("text/css")


def test_leaflet_is_served_from_vendor(client: TestClient) -> None:
    assert LEAFLET_MODULE.is_file(), "run `make setup` (npm ci) to install Leaflet"
    module = client.get("/vendor/leaflet/leaflet-src.esm.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    assert module.content == LEAFLET_MODULE.read_bytes()
    assert client.get("/vendor/leaflet/leaflet.css").status_code == 200
    missing = client.get("/vendor/nothing-here.js")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"


def test_api_routes_keep_their_problems(client: TestClient) -> None:
    # serving the UI does not swallow unknown API paths
    unknown = client.post("/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "/problems/not-found"


def test_config_needs_no_sign_in(client: TestClient, settings: Settings) -> None:
    reply = client.get("/api/v1/config")
    assert reply.status_code == 200
    assert reply.json() == {"hq_timezone": settings.hq_timezone, "version": __version__}


def test_stream_position_follows_the_store(client: TestClient, services: Services) -> None:
    assert client.get("/api/v1/stream/position").status_code == 401
    make_user(services, "boss", Role.ADMIN)
    headers = login(client, "boss")
    first = client.get("/api/v1/stream/position", headers=headers).json()["last_event_id"]
    with services.db.unit_of_work(write=False) as uow:
        assert first == uow.events.last_id()
    make_user(services, "another", Role.ANALYST)
    after = client.get("/api/v1/stream/position", headers=headers).json()["last_event_id"]
    assert after > first

    # a role that may not subscribe is not told the position either
    make_user(services, "auditor", Role.AUDITOR)
    denied = client.get("/api/v1/stream/position", headers=login(client, "auditor"))
    assert denied.status_code == 403
    assert denied.json()["type"] == "/problems/forbidden"


def test_large_replies_to_reads_are_gzipped(client: TestClient, services: Services) -> None:
    """A read's reply of 1 KiB or more goes gzipped to a client that accepts it (the same
    JSON once decoded); a small one, or one to a client that does not, goes as it is."""
    make_user(services, "hq", Role.HQ_COMMANDER)
    h = login(client, "hq")
    zipped = client.get("/api/v1/geo/settlements", headers={**h, "Accept-Encoding": "gzip"})
    plain = client.get("/api/v1/geo/settlements", headers={**h, "Accept-Encoding": "identity"})
    assert zipped.headers["content-encoding"] == "gzip"
    assert "content-encoding" not in plain.headers
    assert int(zipped.headers["content-length"]) < len(plain.content) / 4
    assert zipped.json() == plain.json()
    small = client.get("/api/v1/config", headers={"Accept-Encoding": "gzip"})
    assert small.status_code == 200 and "content-encoding" not in small.headers


def test_replies_to_writes_and_a_level_of_0_are_not_gzipped(settings: Settings) -> None:
    """Writes skip the compression (their replies are small, their path the hottest), and
    MARCHWARDEN_GZIP_LEVEL=0 turns it off."""
    big = "x" * 50_000

    async def reply(scope: Scope, receive: Receive, send: Send) -> None:
        await PlainTextResponse(big)(scope, receive, send)

    app = TestClient(CompressedReadsMiddleware(reply, level=1))  # no lifespan: no `with`
    assert app.get("/", headers={"Accept-Encoding": "gzip"}).headers["content-encoding"] == "gzip"
    wrote = app.post("/", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in wrote.headers and wrote.text == big
    with TestClient(create_app(settings.model_copy(update={"gzip_level": 0}))) as plain:
        page = plain.get("/", headers={"Accept-Encoding": "gzip"})
        assert page.status_code == 200 and len(page.content) > 1024
        assert "content-encoding" not in page.headers
