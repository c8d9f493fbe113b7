"""Browser tests: Playwright drives Debian's Chromium (never a downloaded browser) against a
real server process on SQLite.

Without ``/usr/bin/chromium`` the tests are skipped with the reason printed, except under
CI (``CI`` set), where that is a failure. Screenshots go to ``artifacts/screenshots/``.
Every page records each request it makes; a test fails if one went anywhere but the
server (requests elsewhere are also aborted, so none leaves the machine).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

import httpx
import pytest

from tests.e2e.conftest import ADMIN_PASSWORD, Server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from playwright.sync_api import Browser, Page, Playwright, Route, ViewportSize, WebSocket

CHROMIUM = Path(os.environ.get("MARCHWARDEN_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
LEAFLET = REPO / "src" / "marchwarden" / "web" / "vendor" / "leaflet" / "leaflet-src.esm.js"
IN_CI = bool(os.environ.get("CI"))
HD: ViewportSize = {"width": 1366, "height": 768}


def require_browser() -> None:
    if CHROMIUM.exists() or shutil.which(str(CHROMIUM)):
        return
    reason = (
        f"no browser at {CHROMIUM}: the browser tests drive Debian's Chromium "
        "(apt-get install chromium; .ci/run installs it)"
    )
    if IN_CI:
        pytest.fail(f"{reason} — CI must run the browser tests")
    pytest.skip(f"{reason} — browser tests skipped")


def require_leaflet() -> None:
    if not LEAFLET.is_file():
        pytest.fail(f"Leaflet is not installed at {LEAFLET}: run `make setup` (npm ci)")


def server_env(tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": f"sqlite:///{tmp / 'marchwarden.db'}",
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "MARCHWARDEN_HQ_TIMEZONE": "Europe/Moscow",
        }
    )
    return env


def start_server(tmp: Path) -> Server:
    srv = Server(env=server_env(tmp), log_path=tmp / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    return srv


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for a module's tests (they make distinct names, so they do not collide)."""
    require_browser()
    require_leaflet()
    srv = start_server(tmp_path_factory.mktemp("browser-server"))
    yield srv
    srv.stop()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    """A server of the test's own, for tests that stop and restart it."""
    require_browser()
    require_leaflet()
    srv = start_server(tmp_path)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        yield pw


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
    )
    yield chromium
    chromium.close()


@dataclass
class Traffic:
    """What a page asked for: every request and WebSocket, and those that left the server."""

    origin: str
    requests: list[str] = field(default_factory=list)
    websockets: list[str] = field(default_factory=list)
    #: what the page's WebSockets asked for in their queries (the token left out)
    websocket_queries: list[dict[str, str]] = field(default_factory=list)
    #: the text frames the page's WebSockets received
    websocket_frames: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        ws_origin = re.sub(r"^http", "ws", self.origin)
        return [u for u in self.requests if not same_origin(u, self.origin)] + [
            u for u in self.websockets if not same_origin(u, ws_origin)
        ]


def same_origin(url: str, origin: str) -> bool:
    return url == origin or url.startswith(origin + "/")


def open_page(browser: Browser, srv: Server, viewport: ViewportSize = HD) -> tuple[Page, Traffic]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(20_000)
    traffic = Traffic(origin=srv.url)

    def guard(route: Route) -> None:
        if same_origin(route.request.url, srv.url):
            route.continue_()
        else:
            route.abort()

    context.route("**/*", guard)
    page = context.new_page()
    page.on("request", lambda r: traffic.requests.append(r.url))

    def on_websocket(ws: WebSocket) -> None:
        url, _, query = ws.url.partition("?")
        traffic.websockets.append(url)
        asked = dict(parse_qsl(query))
        asked.pop("token", None)
        traffic.websocket_queries.append(asked)
        ws.on(
            "framereceived",
            lambda frame: (
                traffic.websocket_frames.append(frame) if isinstance(frame, str) else None
            ),
        )

    page.on("websocket", on_websocket)
    page.on("pageerror", lambda e: traffic.page_errors.append(str(e)))
    return page, traffic


@pytest.fixture
def open_ui(
    browser: Browser, request: pytest.FixtureRequest
) -> Iterator[Callable[..., tuple[Page, Traffic]]]:
    """Open pages on a server; afterwards check they went nowhere else and threw nothing."""
    opened: list[tuple[Page, Traffic]] = []

    def opener(srv: Server, viewport: ViewportSize = HD) -> tuple[Page, Traffic]:
        page, traffic = open_page(browser, srv, viewport)
        opened.append((page, traffic))
        return page, traffic

    yield opener
    for page, traffic in opened:
        try:
            if not page.is_closed():
                screenshot(page, f"{request.node.name}-end")
        finally:
            page.context.close()
        assert traffic.foreign() == [], f"requests to other hosts: {traffic.foreign()}"
        assert traffic.page_errors == [], f"uncaught errors in the page: {traffic.page_errors}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    path = SCREENSHOTS / f"{safe}.png"
    page.screenshot(path=str(path))
    return path


def set_view(page: Page, lat: float, lon: float, zoom: float) -> None:
    """Move the map without animation and wait for two frames. Nothing comes back from the
    page: a Leaflet map (setView's value) is deeper than Playwright's serialiser follows."""
    page.evaluate(
        """([lat, lon, zoom]) => new Promise((done) => {
            window.marchwarden.map.getMap().setView([lat, lon], zoom, {animate: false});
            requestAnimationFrame(() => requestAnimationFrame(done));
        })""",
        [lat, lon, zoom],
    )


def wait_until(page: Page, script: str, arg: Any = None, timeout_s: float = 20) -> Any:
    """Poll ``script`` (a JavaScript function of ``arg``) until it returns something truthy.

    ``page.wait_for_function`` evaluates strings inside the page, which the page's
    Content-Security-Policy (no 'unsafe-eval') forbids; ``page.evaluate`` is not affected.
    """
    # a Leaflet map or layer (what many of the scripts return) stands for true: it is
    # deeper than Playwright's serialiser follows
    polled = (
        f"async (arg) => {{ const v = await ({script})(arg);"
        " return v && typeof v === 'object' && '_leaflet_id' in v ? true : v; }"
    )
    deadline = time.monotonic() + timeout_s
    while True:
        value = page.evaluate(polled, arg)
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true after {timeout_s} s: {script} ({arg!r})")
        time.sleep(0.05)


def sign_in(
    page: Page, srv: Server, username: str = "admin", password: str = ADMIN_PASSWORD
) -> None:
    page.goto(srv.url + "/")
    page.fill("#signin-username", username)
    page.fill("#signin-password", password)
    page.click("#signin-submit")
    page.wait_for_selector("body[data-ready='true']")


def api_token(srv: Server, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    return srv.login(username, password)


def api_get(srv: Server, token: str, path: str) -> Any:
    reply = httpx.get(
        srv.url + "/api/v1" + path, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert reply.status_code == 200, reply.text
    return reply.json()


def create_user(
    srv: Server,
    token: str,
    username: str,
    role: str = "analyst",
    scope: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A user with the password ``a-long-password`` (scope: all regions unless given)."""
    reply = httpx.post(
        srv.url + "/api/v1/users",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": username,
            "password": "a-long-password",
            "role": role,
            "scope": scope or {"kind": "all"},
        },
        timeout=30,
    )
    assert reply.status_code == 201, reply.text
    body: dict[str, Any] = reply.json()
    return body
