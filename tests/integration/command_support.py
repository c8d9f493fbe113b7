"""Shared set-up of the unified-command API tests: forces, users, reports, incidents."""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.adapters.db.uow import Database
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.forces.model import NewUnit
from marchwarden.services import forces
from tests.factories import login, make_forces, make_user
from tests.words_support import check_words

if TYPE_CHECKING:
    from collections.abc import Callable

    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

PROBLEM = "application/problem+json"
#: the FixedClock's default "now" is 2026-11-26T12:00Z; reports are observed before it
OBSERVED = "2026-11-26T11:30:00Z"
GRAYVORON = (35.66, 50.48)
KOZINKA = (35.60, 50.46)
SUDZHA = (35.27, 51.19)
#: an area round Grayvoron and Kozinka (a closed ring, lon/lat)
GRAYVORON_AREA = [[35.55, 50.42], [35.75, 50.42], [35.75, 50.52], [35.55, 50.52], [35.55, 50.42]]


def polygon(ring: list[list[float]]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [ring]}


_keys = itertools.count(1)


def new_key() -> str:
    return f"key-{next(_keys)}"


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_kind": "volunteer",
        "observed_at": OBSERVED,
        "position": {"lon": GRAYVORON[0], "lat": GRAYVORON[1]},
        "uncertainty_m": 200,
        "incident_type": "gunfire",
        "text": "Gunfire and armoured vehicles crossing the border near Grayvoron",
        "rating": "B2",
        "reporter": "Sokol-1",
    }
    body.update(overrides)
    return body


def at(lon_lat: tuple[float, float]) -> dict[str, float]:
    return {"lon": lon_lat[0], "lat": lon_lat[1]}


def assert_problem(reply: Any, status: int, type_suffix: str, detail_part: str = "") -> Any:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"].startswith(PROBLEM)
    body = reply.json()
    assert body["status"] == status
    assert body["type"] == f"/problems/{type_suffix}", body
    assert detail_part in body["detail"], body["detail"]
    check_words(body)
    return body


@dataclass
class World:
    """The small registry of ``tests.factories.make_forces`` plus units that hold powers
    (declared strength: stand-in members holding unconditional grants), and users."""

    ids: dict[str, int]
    headers: dict[str, dict[str, str]]

    def h(self, user: str) -> dict[str, str]:
        return self.headers[user]


def build_world(client: TestClient, services: Services) -> World:
    ids = make_forces(services)

    def unit(key: str, code: str, agency: str, region: str, lon: float, lat: float, n: int) -> None:
        ids[key] = forces.create_unit(
            services,
            None,
            NewUnit(
                code=code,
                name=code,
                agency_id=ids[agency],
                parent_id=None,
                category="garrison" if agency == "army" else "company",
                region=region,
                home_lon=lon,
                home_lat=lat,
                capabilities=("vehicles",) if agency == "army" else ("observation",),
                readiness=4 if agency == "army" else 3,
                declared_strength=n,
            ),
        ).id

    # army units hold armed_response (SEC-1996 c.13, 8 members, no conditions)
    unit("army_near", "ARMY-BEL-2", "army", "RU-BEL", 35.75, 50.55, 40)
    unit("army_far", "ARMY-BEL-3", "army", "RU-BEL", 36.60, 50.60, 40)
    unit("army_krs", "ARMY-KRS-1", "army", "RU-KRS", 35.30, 51.20, 40)
    # volunteers by declared strength hold evacuation_assist (PO-2014 c.6, 6 members)
    unit("vol_evac", "BEL-EVAC", "bel_vsd", "RU-BEL", 35.62, 50.47, 20)
    unit("krs_evac", "KRS-EVAC", "krs_vsd", "RU-KRS", 35.28, 51.18, 20)
    users = {
        "hq": (Role.HQ_COMMANDER, Scope.all()),
        "hq2": (Role.HQ_COMMANDER, Scope.all()),
        "belgorod": (Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL")),
        "kursk": (Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS")),
        "reporter": (Role.FIELD_REPORTER, Scope.of_regions("RU-BEL")),
        "auditor": (Role.AUDITOR, Scope.all()),
    }
    for name, (role, scope) in users.items():
        make_user(services, name, role, scope)
    make_user(
        services,
        "evac_cmdr",
        Role.UNIT_COMMANDER,
        Scope.of_unit(ids["vol_evac"], f"/{ids['vol_evac']}/"),
    )
    make_user(services, "army_liaison", Role.AGENCY_LIAISON, Scope.of_agency(ids["army"]))
    headers = {name: login(client, name) for name in [*users, "evac_cmdr", "army_liaison"]}
    return World(ids, headers)


def submit(
    client: TestClient, headers: dict[str, str], key: str | None = None, **overrides: Any
) -> Any:
    extra = {} if key is None else {"Idempotency-Key": key}
    return client.post("/api/v1/reports", json=report_body(**overrides), headers=headers | extra)


def open_incident(
    client: TestClient,
    headers: dict[str, str],
    *,
    name: str = "Grayvoron incursion",
    where: tuple[float, float] = GRAYVORON,
    incident_type: str = "cross_border_incursion",
    **extra: Any,
) -> dict[str, Any]:
    body = {
        "name": name,
        "incident_type": incident_type,
        "severity": "severe",
        "place": {"type": "Point", "coordinates": [where[0], where[1]]},
        **extra,
    }
    reply = client.post("/api/v1/incidents", json=body, headers=headers)
    assert reply.status_code == 201, reply.text
    result: dict[str, Any] = reply.json()
    return result


def sql_store(services: Services) -> Database:
    """The store behind the services' port, as the adapter it is (for tests that look
    at its tables or its group commit)."""
    assert isinstance(services.db, Database)
    return services.db


def counts(services: Services) -> tuple[int, int, int]:
    """(reports, audit records, events) in the store."""
    with sql_store(services).unit_of_work(write=False) as uow:
        reports = uow.conn.execute(sa.select(sa.func.count()).select_from(t.reports)).scalar_one()
        return int(reports), uow.audit.count(), uow.events.count()


def race(*calls: Callable[[], object]) -> list[object]:
    """Run the calls in threads released at the same moment; each one's result or the
    exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    out: list[object] = [None] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        barrier.wait()
        try:
            out[i] = call()
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller
            out[i] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out
