"""Importing another authority's alerts: a file or a feed URL; validated, deduplicated,
Update and Cancel applied through references; malformed documents rejected with the
reason and nothing changed."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import civil_tables as c
from tests.integration.alert_support import alert_users
from tests.integration.command_support import assert_problem, sql_store

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

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
    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        files_ = files

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = files_.get(self.path)
                self.send_response(200 if body is not None else 404)
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


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


def test_import_a_feed_by_url(client: TestClient, services: Services) -> None:
    h = alert_users(client, services)
    files: dict[str, bytes] = {}
    srv = _Files(files)
    try:
        files["/N-1.xml"] = cap("N-1")
        files["/bad.xml"] = b"<alert>"
        files["/feed.atom"] = _feed(srv.base, ["N-1", "bad"])
        reply = client.post(
            "/api/v1/alerts/import-feed", json={"url": srv.base + "/feed.atom"}, headers=h["hq"]
        )
        assert reply.status_code == 200, reply.text
        outcomes = [(r["outcome"], r["identifier"]) for r in reply.json()]
        assert outcomes[0] == ("created", "N-1")
        assert outcomes[1][0] == "rejected" and "not well-formed" in reply.json()[1]["reason"]
        again = client.post(
            "/api/v1/alerts/import-feed", json={"url": srv.base + "/feed.atom"}, headers=h["hq"]
        ).json()
        assert again[0]["outcome"] == "duplicate"
    finally:
        srv.server.shutdown()
        srv.server.server_close()


def test_a_feed_url_no_client_can_fetch_is_refused_and_changes_nothing(
    client: TestClient, services: Services
) -> None:
    """URLs the fuzzer found (tests/e2e/test_openapi_fuzz.py): a host IDNA cannot encode,
    a bad port, a control character — each was a 500; now the caller's error, 422."""
    h = alert_users(client, services)
    before = _count(services)
    for url in ("http://a..b/feed", "https://" + "a" * 70 + ".example/", "http://[::1/feed"):
        reply = client.post("/api/v1/alerts/import-feed", json={"url": url}, headers=h["hq"])
        assert_problem(reply, 422, "cap-import-rejected", "could not fetch")
    assert _count(services) == before
