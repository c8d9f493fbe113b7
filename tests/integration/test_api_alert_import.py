"""Importing another authority's alerts: a file or a feed URL; validated, deduplicated,
Update and Cancel applied through references; malformed documents rejected with the
reason and nothing changed."""

from __future__ import annotations

import ssl
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from marchwarden.adapters.cap import fetch as capfetch
from marchwarden.adapters.db import civil_tables as c
from marchwarden.core.alerts.errors import CapImportRejected, FeedUrlRefused
from marchwarden.core.alerts.feeds import FeedRules
from tests.conftest import make_settings
from tests.integration.alert_support import alert_users
from tests.integration.command_support import assert_problem, sql_store

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

SENDER = "warnings@neighbour-authority.example"
XML = {"Content-Type": "application/cap+xml"}


def cap(identifier: str, msg_type: str = "Alert", references: str = "", **kw: str) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    headline = kw.get("headline", "Drone threat: take cover")
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{SENDER}</sender>
  <sent>2026-11-26T11:00:00+03:00</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {refs}
  <info>
    <language>ru-RU</language>
    <category>Safety</category>
    <event>Drone threat</event>
    <responseType>Shelter</responseType>
    <urgency>Immediate</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <expires>2026-11-26T23:00:00+03:00</expires>
    <headline>{headline}</headline>
    <area>
      <areaDesc>Shebekino district</areaDesc>
      <circle>50.41,36.89 8</circle>
    </area>
  </info>
</alert>""".encode()


def _count(services: Services) -> tuple[int, int, int]:
    with sql_store(services).unit_of_work(write=False) as uow:
        a = uow.conn.execute(sa.select(sa.func.count()).select_from(c.alerts)).scalar_one()
        m = uow.conn.execute(sa.select(sa.func.count()).select_from(c.alert_messages)).scalar_one()
        return int(a), int(m), uow.audit.count()


def test_import_alert_update_cancel_and_duplicates(client: TestClient, services: Services) -> None:
    h = alert_users(client, services)
    first = client.post("/api/v1/alerts/import", content=cap("N-1"), headers=h["hq"] | XML)
    assert first.status_code == 200, first.text
    assert first.json()["outcome"] == "created"
    aid = first.json()["alert_id"]
    again = client.post("/api/v1/alerts/import", content=cap("N-1"), headers=h["hq"] | XML)
    assert again.json() == first.json() | {"outcome": "duplicate"}
    alert = client.get(f"/api/v1/alerts/{aid}", headers=h["hq"]).json()
    assert alert["external"] is True and alert["sender"] == SENDER
    assert alert["current"] is True and "Shebekino" in {s["name"] for s in alert["settlements"]}
    assert alert["regions"] == ["RU-BEL"]

    ref1 = f"{SENDER},N-1,2026-11-26T11:00:00+03:00"
    upd = client.post(
        "/api/v1/alerts/import",
        content=cap("N-2", "Update", ref1, headline="Drone threat continues"),
        headers=h["hq"] | XML,
    ).json()
    assert upd["outcome"] == "updated" and upd["alert_id"] == aid
    alert = client.get(f"/api/v1/alerts/{aid}", headers=h["hq"]).json()
    assert alert["infos"][0]["headline"] == "Drone threat continues"
    cancel = client.post(
        "/api/v1/alerts/import",
        content=cap("N-3", "Cancel", f"{ref1} {SENDER},N-2,2026-11-26T11:00:00+03:00"),
        headers=h["hq"] | XML,
    ).json()
    assert cancel["outcome"] == "cancelled" and cancel["alert_id"] == aid
    alert = client.get(f"/api/v1/alerts/{aid}", headers=h["hq"]).json()
    assert alert["state"] == "cancelled" and alert["current"] is False
    assert [m["msg_type"] for m in alert["messages"]] == ["Alert", "Update", "Cancel"]
    # an imported alert is not in this headquarters' own feed
    assert b"N-1" not in client.get("/cap/feed.atom").content


def test_malformed_documents_are_rejected_and_change_nothing(
    client: TestClient, services: Services
) -> None:
    h = alert_users(client, services)
    before = _count(services)
    bomb = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;">]><alert>&lol2;</alert>'
    )
    cases = [
        (b"<alert><identifier>x</alert>", "not well-formed"),
        (bomb, "DOCTYPE"),
        (cap("N-9").replace(b"<scope>Public</scope>", b""), "scope"),
        (cap("N-9").replace(b"Severe", b"Terrible"), "severity"),
        (cap("N-9", "Cancel", f"{SENDER},NOPE,2026-11-26T11:00:00+03:00"), "nothing to cancel"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom"/>', "not a CAP 1.2"),
    ]
    for body, reason in cases:
        reply = client.post("/api/v1/alerts/import", content=body, headers=h["hq"] | XML)
        assert_problem(reply, 422, "cap-import-rejected", reason)
    assert _count(services) == before
    # the server still serves after the entity document
    assert client.get("/cap/feed.atom").status_code == 200
    # a regional coordinator may not import
    reply = client.post("/api/v1/alerts/import", content=cap("N-9"), headers=h["belgorod"] | XML)
    assert_problem(reply, 403, "forbidden", "alert.import")
    assert _count(services) == before


class _Files:
    """Serves ``files`` by path; ``redirects`` answer 302 to their target; every request
    is recorded in ``seen`` (path and Host header)."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.redirects: dict[str, str] = {}
        self.seen: list[tuple[str, str]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                outer.seen.append((self.path, self.headers.get("Host", "")))
                if self.path in outer.redirects:
                    self.send_response(302)
                    self.send_header("Location", outer.redirects[self.path])
                    self.end_headers()
                    return
                body = outer.files.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def srv() -> Iterator[_Files]:
    """A neighbour's feed server on this machine: on the allow-list (``/feeds/``), and its
    loopback address explicitly allowed (``settings`` below)."""
    server = _Files({})
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.fixture
def settings(database_url: str, tmp_path: Path, srv: _Files) -> Settings:
    return make_settings(
        database_url,
        tmp_path,
        alert_feed_allow=[
            srv.base + "/feeds/",
            "http://a..b/",
            "https://" + "a" * 70 + ".example/",
        ],
        alert_feed_private_networks=["127.0.0.0/8"],
    )


def _feed(base: str, names: list[str]) -> bytes:
    entries = "".join(
        f"<entry><id>{n}</id><title>{n}</title><updated>2026-11-26T08:00:00Z</updated>"
        f'<link rel="alternate" type="application/cap+xml" href="{base}/{n}.xml"/></entry>'
        for n in names
    )
    return (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>x</id>'
        f"<title>Neighbour</title><updated>2026-11-26T08:00:00Z</updated>{entries}</feed>"
    ).encode()


def test_import_a_feed_by_url(client: TestClient, services: Services, srv: _Files) -> None:
    h = alert_users(client, services)
    base = srv.base + "/feeds"
    srv.files.update(
        {
            "/feeds/N-1.xml": cap("N-1"),
            "/feeds/bad.xml": b"<alert>",
            "/feeds/feed.atom": _feed(base, ["N-1", "bad"]),
        }
    )
    reply = client.post(
        "/api/v1/alerts/import-feed", json={"url": base + "/feed.atom"}, headers=h["hq"]
    )
    assert reply.status_code == 200, reply.text
    outcomes = [(r["outcome"], r["identifier"]) for r in reply.json()]
    assert outcomes[0] == ("created", "N-1")
    assert outcomes[1][0] == "rejected" and "not well-formed" in reply.json()[1]["reason"]
    again = client.post(
        "/api/v1/alerts/import-feed", json={"url": base + "/feed.atom"}, headers=h["hq"]
    ).json()
    assert again[0]["outcome"] == "duplicate"


def test_a_feed_url_no_client_can_fetch_is_refused_and_changes_nothing(
    client: TestClient, services: Services
) -> None:
    """URLs the fuzzer found (tests/e2e/test_openapi_fuzz.py): a host IDNA cannot encode,
    a bad port, a control character — each was a 500; now the caller's error, 422."""
    h = alert_users(client, services)
    before = _count(services)
    # (the first two are on this module's allow-list, so the fetch itself is tried)
    for url in ("http://a..b/feed", "https://" + "a" * 70 + ".example/"):
        reply = client.post("/api/v1/alerts/import-feed", json={"url": url}, headers=h["hq"])
        assert_problem(reply, 422, "cap-import-rejected", "could not fetch")
    reply = client.post(
        "/api/v1/alerts/import-feed", json={"url": "http://[::1/feed"}, headers=h["hq"]
    )
    assert_problem(reply, 422, "feed-url-refused", "not a valid URL")
    assert _count(services) == before


def test_feed_urls_outside_the_rules_are_refused_and_change_nothing(
    client: TestClient, services: Services, srv: _Files
) -> None:
    """Server-side request forgery (docs/security.md): only URLs under an allow-list
    prefix are fetched, redirects are checked like the first URL, and a linked document
    outside the list is rejected on its own; nothing refused is ever requested."""
    h = alert_users(client, services)
    outside = (
        "<entry><id>s</id><title>s</title><updated>2026-11-26T08:00:00Z</updated>"
        f'<link href="{srv.base}/secret/admin"/></entry></feed>'
    )
    srv.files.update(
        {
            "/secret/admin": b"internal",
            "/feeds/N-5.xml": cap("N-5"),
            "/feeds/mixed.atom": _feed(srv.base + "/feeds", ["N-5"]).replace(
                b"</feed>", outside.encode()
            ),
        }
    )
    srv.redirects["/feeds/moved.atom"] = srv.base + "/secret/admin"
    before = _count(services)
    srv.seen.clear()
    refused = [
        (srv.base + "/secret/admin", "is not under any prefix of MARCHWARDEN_ALERT_FEED_ALLOW"),
        (srv.base + "/feedsX/a", "is not under any prefix"),
        ("http://127.0.0.1:1/feeds/a", "is not under any prefix"),
        (f"http://user@{srv.base.removeprefix('http://')}/feeds/a", "carries credentials"),
        (srv.base + "/feeds/moved.atom", "/secret/admin' is not under any prefix"),
    ]
    for url, reason in refused:
        reply = client.post("/api/v1/alerts/import-feed", json={"url": url}, headers=h["hq"])
        assert_problem(reply, 422, "feed-url-refused", reason)
    assert _count(services) == before
    # only the redirect itself was asked for, never its target
    assert [path for path, _ in srv.seen] == ["/feeds/moved.atom"]
    reply = client.post(
        "/api/v1/alerts/import-feed", json={"url": srv.base + "/feeds/mixed.atom"}, headers=h["hq"]
    )
    assert reply.status_code == 200, reply.text
    results = reply.json()
    assert [r["outcome"] for r in results] == ["created", "rejected"]
    assert "is not under any prefix" in results[1]["reason"]
    assert "/secret/admin" not in [path for path, _ in srv.seen]


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({}, "MARCHWARDEN_ALERT_FEED_ALLOW is empty"),
        ({"alert_feed_allow": ["SERVER/"]}, "MARCHWARDEN_ALERT_FEED_PRIVATE_NETWORKS"),
    ],
    ids=["nothing-allowed-by-default", "loopback-not-explicitly-allowed"],
)
def test_by_default_no_feed_and_no_inside_address_is_fetched(
    database_url: str, tmp_path: Path, srv: _Files, overrides: dict[str, Any], reason: str
) -> None:
    from fastapi.testclient import TestClient

    from marchwarden.bootstrap import build_services
    from marchwarden.core.clock import FixedClock
    from marchwarden.entrypoints.api.app import create_app

    allow = [a.replace("SERVER", srv.base) for a in overrides.get("alert_feed_allow", [])]
    settings = make_settings(database_url, tmp_path, alert_feed_allow=allow)
    services = build_services(settings, clock=FixedClock())
    srv.files["/N-7.xml"] = cap("N-7")
    srv.seen.clear()
    try:
        with TestClient(create_app(settings, clock=FixedClock())) as client:
            h = alert_users(client, services)
            before = _count(services)
            reply = client.post(
                "/api/v1/alerts/import-feed", json={"url": srv.base + "/N-7.xml"}, headers=h["hq"]
            )
            assert_problem(reply, 422, "feed-url-refused", reason)
            assert _count(services) == before
    finally:
        services.db.engine.dispose()
    assert srv.seen == []


def test_the_fetch_connects_to_the_address_it_checked(srv: _Files) -> None:
    """Resolve, check every address, connect to the checked one (not a second lookup a
    rebinding DNS server could answer differently); the Host header stays the name."""
    port = srv.server.server_address[1]
    srv.files["/feeds/named.xml"] = b"named"
    rules = FeedRules((f"http://feeds.neighbour.example:{port}/feeds/",), ("127.0.0.0/8",))
    lookups: list[str] = []

    def dns(answer: list[str]) -> Callable[[str, int], list[str]]:
        def resolve(host: str, _port: int) -> list[str]:
            lookups.append(host)
            return answer

        return resolve

    url = f"http://feeds.neighbour.example:{port}/feeds/named.xml"
    srv.seen.clear()
    assert capfetch.fetch(url, max_bytes=100, rules=rules, resolver=dns(["127.0.0.1"])) == b"named"
    assert lookups == ["feeds.neighbour.example"]
    assert srv.seen == [("/feeds/named.xml", f"feeds.neighbour.example:{port}")]
    # one inside address among public ones, or a link-local one (cloud metadata): refused
    # before any connection
    for answer in (["93.184.216.34", "10.1.2.3"], ["169.254.169.254"], ["::ffff:10.0.0.1"]):
        with pytest.raises(FeedUrlRefused, match="not a public address"):
            capfetch.fetch(url, max_bytes=100, rules=rules, resolver=dns(answer))
    assert len(srv.seen) == 1


def _tls_server(tmp_path: Path, name: str) -> tuple[ThreadingHTTPServer, ssl.SSLContext]:
    """An HTTPS server on 127.0.0.1 with a self-signed certificate for ``name``, and a
    client context that trusts only that certificate."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM)
    (tmp_path / "cert.pem").write_bytes(pem)
    (tmp_path / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"over tls to " + self.headers.get("Host", "").encode())

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, ssl.create_default_context(cadata=pem.decode())


def test_over_tls_the_checked_address_is_reached_under_the_host_name(tmp_path: Path) -> None:
    """The connection goes to the address that was checked, and TLS still names and
    verifies the host (SNI), not the address."""
    server, trust = _tls_server(tmp_path, "feeds.neighbour.example")
    port = server.server_address[1]
    try:
        rules = FeedRules((f"https://feeds.neighbour.example:{port}/",), ("127.0.0.0/8",))
        got = capfetch.fetch(
            f"https://feeds.neighbour.example:{port}/feed.atom",
            max_bytes=100,
            rules=rules,
            resolver=lambda _host, _port: ["127.0.0.1"],
            verify=trust,
        )
        assert got == f"over tls to feeds.neighbour.example:{port}".encode()
        # the same server asked for by its address: the certificate does not name it
        by_address = FeedRules((f"https://127.0.0.1:{port}/",), ("127.0.0.0/8",))
        with pytest.raises(CapImportRejected, match="IP address mismatch"):
            capfetch.fetch(
                f"https://127.0.0.1:{port}/feed.atom", max_bytes=100, rules=by_address, verify=trust
            )
    finally:
        server.shutdown()
        server.server_close()
