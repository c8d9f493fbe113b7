"""Field reports over the API: idempotent submission, correlation, the verification queue
(claims that two officers can never both win, on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any

import pytest

from marchwarden.core.incidents.model import (
    AdmiraltyRating,
    ReportSourceKind,
)
from marchwarden.core.incidents.records import Report
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import reports
from marchwarden.services.stream import may_see
from tests.integration.command_support import (
    GRAYVORON,
    KOZINKA,
    SUDZHA,
    assert_problem,
    at,
    build_world,
    counts,
    new_key,
    open_incident,
    race,
    report_body,
    submit,
)

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.core.clock import FixedClock
    from marchwarden.services.context import Services
    from tests.integration.command_support import World


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def principal(services: Services, username: str) -> Any:
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username(username)
    assert user is not None
    return user.principal()


# --------------------------------------------------------------------------- idempotency


def test_same_key_same_body_returns_the_original_and_stores_nothing(
    client: TestClient, services: Services, world: World, clock: FixedClock
) -> None:
    key = new_key()
    first = submit(client, world.h("reporter"), key)
    assert first.status_code == 201, first.text
    assert "idempotent-replayed" not in first.headers
    stored = counts(services)
    clock.advance(timedelta(minutes=3))  # a retry after a lost reply, some time later
    # the same report, keys in another order and the time written differently
    body = report_body(observed_at="2026-11-26T14:30:00+03:00")
    second = client.post(
        "/api/v1/reports",
        json=dict(reversed(list(body.items()))),
        headers=world.h("reporter") | {"Idempotency-Key": key},
    )
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert counts(services) == stored


def test_same_key_different_body_is_409_and_stores_nothing(
    client: TestClient, services: Services, world: World
) -> None:
    key = new_key()
    first = submit(client, world.h("reporter"), key)
    stored = counts(services)
    other = submit(client, world.h("reporter"), key, text="Explosions near Kozinka")
    body = assert_problem(other, 409, "idempotency-key-reused", "different report")
    assert body["original_report_id"] == first.json()["id"]
    assert counts(services) == stored
    # the original is still what the key replays
    again = submit(client, world.h("reporter"), key)
    assert again.status_code == 201 and again.json() == first.json()


def test_keys_belong_to_their_user(client: TestClient, services: Services, world: World) -> None:
    key = new_key()
    mine = submit(client, world.h("reporter"), key)
    theirs = submit(client, world.h("hq"), key, text="Something else entirely")
    assert mine.status_code == theirs.status_code == 201
    assert mine.json()["id"] != theirs.json()["id"]
    assert counts(services)[0] == 2


@pytest.mark.parametrize("key", [None, "", "with space", "x" * 256])
def test_a_missing_or_malformed_key_is_refused(
    client: TestClient, services: Services, world: World, key: str | None
) -> None:
    before = counts(services)
    headers = world.h("reporter") | ({} if key is None else {"Idempotency-Key": key})
    reply = client.post("/api/v1/reports", json=report_body(), headers=headers)
    assert_problem(reply, 422, "idempotency-key-invalid", "Idempotency-Key")
    assert counts(services) == before


def test_concurrent_retries_with_one_key_store_one_report(services: Services, world: World) -> None:
    """Eight copies of one submission at once (a client retrying over a flaky link)."""
    actor = principal(services, "reporter")
    new = reports.NewReport(
        source_kind=ReportSourceKind.VOLUNTEER,
        observed_at=services.clock.now() - timedelta(minutes=5),
        position=GRAYVORON,
        uncertainty_m=50,
        incident_type=IncidentType.GUNFIRE,
        text="Gunfire",
        rating=AdmiraltyRating.parse("C3"),
        reporter="Sokol-7",
    )
    outcomes = race(
        *(partial(reports.submit_report, services, actor, new, idempotency_key="dup-1"),) * 8
    )
    results = [r for r in outcomes if isinstance(r, reports.Submission)]
    assert len(results) == 8, outcomes
    assert len({r.receipt["id"] for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert counts(services)[0] == 1


@pytest.mark.parametrize(
    ("overrides", "status", "type_suffix", "detail"),
    [
        ({"rating": "G7"}, 422, "invalid-admiralty-rating", "letter A-F"),
        ({"observed_at": "2026-11-26T13:00:00Z"}, 422, "invalid", "in the future"),
        ({"observed_at": "2026-11-26T11:00:00"}, 422, "validation-error", "timezone"),
        ({"incident_type": "alien_landing"}, 422, "validation-error", "body.incident_type"),
        ({"position": {"lon": 200, "lat": 50}}, 422, "validation-error", "body.position.lon"),
        ({"source_kind": "rumour"}, 422, "validation-error", "body.source_kind"),
        ({"reporter": "   "}, 422, "invalid", "reporter"),
        ({"secret": 1}, 422, "validation-error", "body.secret: unknown field"),
    ],
)
def test_bad_reports_get_problems_and_change_nothing(
    client: TestClient,
    services: Services,
    world: World,
    overrides: dict[str, Any],
    status: int,
    type_suffix: str,
    detail: str,
) -> None:
    before = counts(services)
    reply = submit(client, world.h("reporter"), new_key(), **overrides)
    assert_problem(reply, status, type_suffix, detail)
    assert counts(services) == before


# --------------------------------------------------------------------------- correlation


def test_correlation_suggests_the_incident_and_flags_duplicates(
    client: TestClient, world: World
) -> None:
    hq = world.h("hq")
    first = submit(client, world.h("reporter"), new_key()).json()
    client.post(f"/api/v1/reports/{first['id']}/claim", headers=hq)
    opened = client.post(
        f"/api/v1/reports/{first['id']}/open-incident",
        json={"name": "Grayvoron incursion", "incident_type": "cross_border_incursion"},
        headers=hq,
    )
    assert opened.status_code == 201, opened.text
    incident_id = opened.json()["incident"]["id"]
    # the same sighting from another villager, 600 m away, ten minutes later
    dup = submit(
        client,
        world.h("reporter"),
        new_key(),
        position={"lon": GRAYVORON[0] + 0.008, "lat": GRAYVORON[1]},
        observed_at="2026-11-26T11:40:00Z",
        text="Armoured vehicles crossing the border near Grayvoron, gunfire",
        rating="C3",
        reporter="public hotline",
        source_kind="public",
    ).json()
    seen = client.get(f"/api/v1/reports/{dup['id']}", headers=hq).json()
    (match,) = seen["suggestions"]["matches"]
    assert match["incident_id"] == incident_id
    assert match["reasons"][0].endswith("km from incident 'Grayvoron incursion'")
    assert "compatible type: gunfire ~ cross-border incursion" in match["reasons"]
    # the same reasons as codes and what they say, stored with the report
    coded = match["coded_reasons"]
    assert [r["code"] for r in coded] == ["distance", "after_last_report", "compatible_type"]
    assert coded[0]["params"] == {
        "km": match["reasons"][0].split(" km")[0],
        "incident": "Grayvoron incursion",
    }
    assert coded[2]["params"] == {"type": "gunfire", "incident_type": "cross_border_incursion"}
    (flag,) = seen["suggestions"]["duplicates"]
    assert flag["report_id"] == first["id"] and flag["incident_id"] == incident_id
    assert any(r.startswith("text ") and r.endswith("% similar") for r in flag["reasons"])
    assert [r["code"] for r in flag["coded_reasons"]] == [
        "same_type",
        "distance_from_report",
        "after_report",
        "text_similar",
    ]
    assert flag["coded_reasons"][2]["params"] == {"gap_seconds": "600", "report": str(first["id"])}
    assert seen["likely_duplicate"] is True
    assert seen["current_suggestions"]["matches"][0]["incident_id"] == incident_id
    # a drone attack over Kozinka: near, but not a compatible type
    drone = submit(
        client,
        world.h("hq"),
        new_key(),
        incident_type="sabotage_of_infrastructure",
        position=at(KOZINKA),
        text="Power line down",
    ).json()
    suggestions = client.get(f"/api/v1/reports/{drone['id']}", headers=hq).json()["suggestions"]
    assert suggestions["matches"] == [] and suggestions["duplicates"] == []
    (miss,) = suggestions["misses"]
    assert "is not compatible with cross-border incursion" in " ".join(miss["reasons"])
    assert [r["code"] for r in miss["coded_reasons"]] == ["type_incompatible"]
    # gunfire in Kursk region, 90 km away: beyond the distance limit
    far = submit(client, world.h("hq"), new_key(), position=at(SUDZHA)).json()
    far_view = client.get(f"/api/v1/reports/{far['id']}", headers=hq).json()
    assert far_view["region"] == "RU-KRS"
    assert "beyond the 10 km limit" in far_view["suggestions"]["misses"][0]["reasons"][0]
    too_far = far_view["suggestions"]["misses"][0]["coded_reasons"][0]
    assert too_far["code"] == "too_far" and too_far["params"]["limit_km"] == "10"


def test_correlation_limits_come_from_the_settings(
    client: TestClient, services: Services, world: World
) -> None:
    services.settings.correlation_max_distance_km = 200.0
    incident = open_incident(client, world.h("hq"))
    far = submit(client, world.h("hq"), new_key(), position=at(SUDZHA)).json()
    view = reports.get_report(services, principal(services, "hq"), far["id"])
    assert view.live is not None
    assert [m.incident_id for m in view.live.matches] == [incident["id"]]


# --------------------------------------------------------------------------- the queue


def test_claims_keep_two_officers_off_one_report(
    client: TestClient, world: World, clock: FixedClock, services: Services
) -> None:
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    incident = open_incident(client, world.h("hq"))
    claimed = client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq"))
    assert claimed.status_code == 200
    assert claimed.json()["claim"]["by"] == "hq" and claimed.json()["claim"]["active"]
    body = assert_problem(
        client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq2")),
        409,
        "report-claimed",
        "claimed by hq until",
    )
    assert body["claimed_by"] == "hq"
    assert body["seconds_left"] == services.settings.report_claim_ttl_seconds
    clock.advance(timedelta(seconds=90))
    later = client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq2")).json()
    assert later["seconds_left"] == services.settings.report_claim_ttl_seconds - 90
    for action, payload in (
        ("attach", {"incident_id": incident["id"]}),
        ("reject", {"reason": "duplicate"}),
        ("open-incident", {"name": "Mine now"}),
    ):
        assert_problem(
            client.post(f"/api/v1/reports/{rid}/{action}", json=payload, headers=world.h("hq2")),
            409,
            "report-claimed",
        )
    # the claim expires; the other officer takes it over, the first can no longer decide
    clock.advance(timedelta(seconds=services.settings.report_claim_ttl_seconds))
    assert client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq2")).status_code == 200
    assert_problem(
        client.post(
            f"/api/v1/reports/{rid}/attach",
            json={"incident_id": incident["id"]},
            headers=world.h("hq"),
        ),
        409,
        "report-claimed",
        "claimed by hq2",
    )
    attached = client.post(
        f"/api/v1/reports/{rid}/attach",
        json={"incident_id": incident["id"], "note": "matches the border service's sighting"},
        headers=world.h("hq2"),
    )
    assert attached.status_code == 200, attached.text
    assert attached.json()["report"]["status"] == "attached"
    assert attached.json()["report"]["decided_by"] == "hq2"
    assert attached.json()["incident"]["report_count"] == 1
    # decided: nobody claims or decides it again
    assert_problem(
        client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq")),
        409,
        "report-already-decided",
        "already attached by hq2",
    )


def test_deciding_needs_a_claim_of_ones_own(
    client: TestClient, world: World, clock: FixedClock, services: Services
) -> None:
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    assert_problem(
        client.post(f"/api/v1/reports/{rid}/reject", json={"reason": "x"}, headers=world.h("hq")),
        409,
        "report-not-claimed",
        "claim report",
    )
    client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq"))
    clock.advance(timedelta(seconds=services.settings.report_claim_ttl_seconds + 1))
    expired = assert_problem(
        client.post(f"/api/v1/reports/{rid}/reject", json={"reason": "x"}, headers=world.h("hq")),
        409,
        "report-claim-expired",
        "ran out",
    )
    assert expired["claim_expires_at"]
    # releasing a claim that ran out says the same; another officer never gets that code
    assert_problem(
        client.post(f"/api/v1/reports/{rid}/release", headers=world.h("hq")),
        409,
        "report-claim-expired",
    )
    assert_problem(
        client.post(f"/api/v1/reports/{rid}/reject", json={"reason": "x"}, headers=world.h("hq2")),
        409,
        "report-not-claimed",
    )
    client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq"))
    released = client.post(f"/api/v1/reports/{rid}/release", headers=world.h("hq"))
    assert released.status_code == 200 and released.json()["claim"] is None
    assert client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq2")).status_code == 200
    rejected = client.post(
        f"/api/v1/reports/{rid}/reject",
        json={"reason": "a hunting party, confirmed by police"},
        headers=world.h("hq2"),
    )
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["decision_note"] == "a hunting party, confirmed by police"


def test_the_claim_says_the_seconds_left_by_the_server_clock(
    client: TestClient, world: World, clock: FixedClock, services: Services
) -> None:
    ttl = services.settings.report_claim_ttl_seconds
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    claim = client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq")).json()["claim"]
    assert claim["seconds_left"] == ttl and claim["active"]
    clock.advance(timedelta(seconds=ttl // 3, milliseconds=400))
    claim = client.get(f"/api/v1/reports/{rid}", headers=world.h("hq")).json()["claim"]
    assert claim["seconds_left"] == ttl - ttl // 3 - 1  # whole seconds, rounded down
    listed = client.get("/api/v1/reports", headers=world.h("hq2")).json()["items"]
    assert [r["claim"]["seconds_left"] for r in listed if r["id"] == rid] == [claim["seconds_left"]]
    clock.advance(timedelta(seconds=ttl))
    claim = client.get(f"/api/v1/reports/{rid}", headers=world.h("hq")).json()["claim"]
    assert claim == claim | {"seconds_left": 0, "active": False}


def _listed(client: TestClient, headers: dict[str, str], order: str, limit: int) -> list[int]:
    """Every report id of the list in ``order``, page by page."""
    ids: list[int] = []
    params: dict[str, Any] = {"order": order, "limit": limit}
    for _ in range(50):
        reply = client.get("/api/v1/reports", params=params, headers=headers)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        ids += [r["id"] for r in page["items"]]
        assert page["next_after_id"] is None  # id paging is for the id order only
        if page["next_cursor"] is None:
            return ids
        params["cursor"] = page["next_cursor"]
    raise AssertionError("the pages never ended")


def test_reports_are_listed_in_the_order_asked_for_page_by_page(
    client: TestClient, world: World, clock: FixedClock
) -> None:
    # (observed minutes before 12:00, rating); received one minute apart, in this order
    made = [(50, "C3"), (10, "A2"), (30, "A1"), (10, "F6"), (40, "A2"), (20, "B1"), (10, "A2")]
    ids: list[int] = []
    for n, (minutes, rating) in enumerate(made):
        observed = clock.now() - timedelta(minutes=minutes + n)
        reply = submit(
            client,
            world.h("reporter"),
            new_key(),
            observed_at=observed.isoformat(),
            rating=rating,
            text=f"report {n}",
        )
        assert reply.status_code == 201, reply.text
        ids.append(reply.json()["id"])
        clock.advance(timedelta(minutes=1))
    got = {
        r["id"]: r
        for r in client.get("/api/v1/reports", headers=world.h("hq")).json()["items"]
        if r["id"] in ids
    }
    assert len(got) == len(made)
    newest = sorted(ids, key=lambda i: (got[i]["observed_at"], i), reverse=True)
    reliable = sorted(
        ids,
        key=lambda i: (
            got[i]["rating"][0],
            got[i]["rating"][1],
            -datetime.fromisoformat(got[i]["observed_at"]).timestamp(),
            -i,
        ),
    )
    received = sorted(ids, key=lambda i: (got[i]["received_at"], i))
    assert newest != received and reliable not in (newest, received)
    hq = world.h("hq")
    for order, expected in (("newest", newest), ("reliability", reliable), ("received", received)):
        for limit in (1, 2, 3, 100):
            listed = [i for i in _listed(client, hq, order, limit) if i in ids]
            assert listed == expected, (order, limit)
    # a cursor is only good for the order that made it
    first = client.get("/api/v1/reports", params={"order": "newest", "limit": 1}, headers=hq)
    cursor = first.json()["next_cursor"]
    for params in (
        {"order": "received", "cursor": cursor},
        {"order": "newest", "cursor": "not-a-cursor"},
        {"cursor": cursor},
    ):
        assert_problem(
            client.get("/api/v1/reports", params=params, headers=hq), 422, "report-cursor-invalid"
        )
    assert client.get("/api/v1/reports", params={"order": "oldest"}, headers=hq).status_code == 422
    # without an order: id order, paged by after_id as before (and by the cursor too)
    page = client.get("/api/v1/reports", params={"limit": 2}, headers=hq).json()
    assert page["next_after_id"] == page["items"][-1]["id"] and page["next_cursor"]
    by_cursor = client.get(
        "/api/v1/reports", params={"limit": 2, "cursor": page["next_cursor"]}, headers=hq
    ).json()
    by_after = client.get(
        "/api/v1/reports", params={"limit": 2, "after_id": page["next_after_id"]}, headers=hq
    ).json()
    assert by_cursor["items"] == by_after["items"] and by_after["items"]


def test_attaching_to_a_closed_incident_is_refused(client: TestClient, world: World) -> None:
    hq = world.h("hq")
    incident = open_incident(client, hq)
    iid = incident["id"]
    client.post(
        f"/api/v1/incidents/{iid}/transition", json={"to": "rejected", "reason": "hoax"}, headers=hq
    )
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    client.post(f"/api/v1/reports/{rid}/claim", headers=hq)
    assert_problem(
        client.post(f"/api/v1/reports/{rid}/attach", json={"incident_id": iid}, headers=hq),
        409,
        "conflict",
        "open a new incident",
    )
    refused = client.post(f"/api/v1/reports/{rid}/attach", json={"incident_id": iid}, headers=hq)
    assert (refused.json()["code"], refused.json()["params"]) == (
        "incident.closed",
        {"incident": str(iid), "state": "rejected", "then": "open_new_incident"},
    )
    assert client.get(f"/api/v1/reports/{rid}", headers=hq).json()["status"] == "pending"


@pytest.mark.parametrize("rounds", [12])
def test_two_officers_claiming_at_once_never_both_win(
    services: Services, world: World, rounds: int
) -> None:
    """Threads against the real store: each round two officers claim the same fresh report
    at the same moment; exactly one wins, the other is told who holds it."""
    officers = [principal(services, "hq"), principal(services, "hq2")]
    reporter = principal(services, "reporter")
    for n in range(rounds):
        new = reports.NewReport(
            source_kind=ReportSourceKind.POLICE,
            observed_at=services.clock.now() - timedelta(minutes=1),
            position=KOZINKA,
            uncertainty_m=10,
            incident_type=IncidentType.EXPLOSION,
            text=f"explosion {n}",
            rating=AdmiraltyRating.parse("A2"),
            reporter="patrol",
        )
        rid = reports.submit_report(services, reporter, new, idempotency_key=f"r{n}").receipt["id"]
        outcomes = race(*(partial(reports.claim_report, services, o, rid) for o in officers))
        won = [o.username for o, r in zip(officers, outcomes, strict=True) if isinstance(r, Report)]
        lost = [r for r in outcomes if isinstance(r, reports.ReportClaimedByOther)]
        assert len(won) == 1 and len(lost) == 1, outcomes
        assert lost[0].extra["claimed_by"] == won[0]
        stored = reports.get_report(services, officers[0], rid).report
        assert stored.claimed_by == won[0]


def test_two_officers_deciding_at_once_never_both_succeed(
    services: Services, world: World, clock: FixedClock
) -> None:
    """A stale claim: the first officer's claim expired and the second took the report over;
    both then decide at the same moment. Only the live claim's holder gets through."""
    hq, hq2 = principal(services, "hq"), principal(services, "hq2")
    reporter = principal(services, "reporter")
    for n in range(8):
        new = reports.NewReport(
            source_kind=ReportSourceKind.SENSOR,
            observed_at=services.clock.now(),
            position=GRAYVORON,
            uncertainty_m=500,
            incident_type=IncidentType.AIRSPACE_VIOLATION,
            text=f"radar track {n}",
            rating=AdmiraltyRating.parse("B3"),
            reporter="radar post 4",
        )
        rid = reports.submit_report(services, reporter, new, idempotency_key=f"d{n}").receipt["id"]
        reports.claim_report(services, hq, rid)
        clock.advance(timedelta(seconds=services.settings.report_claim_ttl_seconds))
        reports.claim_report(services, hq2, rid)
        outcomes = race(
            *(partial(reports.reject_report, services, o, rid, "a bird flock") for o in (hq, hq2))
        )
        done = [
            o.username for o, r in zip((hq, hq2), outcomes, strict=True) if isinstance(r, Report)
        ]
        refused = [r for r in outcomes if not isinstance(r, Report)]
        assert done == ["hq2"]
        # refused either way round: claimed by the other, or already decided by them
        assert len(refused) == 1, refused
        assert isinstance(
            refused[0], reports.ReportClaimedByOther | reports.ReportAlreadyDecided
        ), refused


# --------------------------------------------------------------------------- access


def test_scope_of_reading_and_triage(client: TestClient, services: Services, world: World) -> None:
    bel = submit(client, world.h("reporter"), new_key()).json()["id"]
    krs = submit(client, world.h("hq"), new_key(), position=at(SUDZHA)).json()["id"]
    # the field reporter submits but does not read the queue
    assert_problem(client.get("/api/v1/reports", headers=world.h("reporter")), 403, "forbidden")
    assert_problem(
        client.get(f"/api/v1/reports/{bel}", headers=world.h("reporter")), 403, "forbidden"
    )
    kursk = client.get("/api/v1/reports?status=pending", headers=world.h("kursk")).json()
    assert [r["id"] for r in kursk["items"]] == [krs]
    assert_problem(
        client.post(f"/api/v1/reports/{bel}/claim", headers=world.h("kursk")),
        403,
        "forbidden",
        "outside the caller's scope",
    )
    assert (
        client.post(f"/api/v1/reports/{bel}/claim", headers=world.h("belgorod")).status_code == 200
    )
    everything = client.get("/api/v1/reports", headers=world.h("hq")).json()["items"]
    assert {r["id"] for r in everything} == {bel, krs}
    # the live stream: the Kursk coordinator never sees the Belgorod report's events
    with services.db.unit_of_work(write=False) as uow:
        stored = [e for e in uow.events.after(0, 10_000) if e.type.startswith("Report")]
    bel_events = [e for e in stored if e.payload["report_id"] == bel]
    assert {e.type for e in bel_events} == {"ReportSubmitted", "ReportClaimed"}
    assert all(may_see(principal(services, "belgorod"), e) for e in bel_events)
    assert not any(may_see(principal(services, "kursk"), e) for e in bel_events)
    assert "text" not in bel_events[0].payload  # no free text travels in events


def test_every_decision_is_audited(client: TestClient, services: Services, world: World) -> None:
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    client.post(f"/api/v1/reports/{rid}/claim", headers=world.h("hq"))
    client.post(
        f"/api/v1/reports/{rid}/open-incident", json={"name": "Raid"}, headers=world.h("hq")
    )
    with services.db.unit_of_work(write=False) as uow:
        entries = uow.audit.page(target_type="report", target_id=str(rid))
    assert [(e.command, e.actor_name) for e in entries] == [
        ("report.submit", "reporter"),
        ("report.claim", "hq"),
        ("report.open_incident", "hq"),
    ]
    assert entries[0].changes["request_sha256"]


def test_an_attached_reports_timeline_entry_says_what_its_line_says(
    client: TestClient, world: World
) -> None:
    hq = world.h("hq")
    iid = open_incident(client, hq)["id"]
    rid = submit(client, world.h("reporter"), new_key()).json()["id"]
    client.post(f"/api/v1/reports/{rid}/claim", headers=hq)
    body = {"incident_id": iid, "note": "same column"}
    attached = client.post(f"/api/v1/reports/{rid}/attach", json=body, headers=hq)
    assert attached.status_code == 200, attached.text
    items = client.get(f"/api/v1/incidents/{iid}/timeline", headers=hq).json()["items"]
    (entry,) = [e for e in items if e["kind"] == "report_attached"]
    assert entry["text"].startswith(f"Verified report {rid} (gunfire, ")
    assert entry["text"].endswith(": same column")
    report = client.get(f"/api/v1/reports/{rid}", headers=hq).json()
    assert entry["data"] == {
        "report_id": rid,
        "incident_type": report["incident_type"],
        "rating": report["rating"],
        "source_kind": report["source_kind"],
        "observed_at": entry["data"]["observed_at"],
        "note": "same column",
    }
    assert entry["data"]["observed_at"][:19] == report["observed_at"][:19]
