"""Well-formed requests for every command of the API, for the access matrix
(``test_access_matrix.py``): one factory per ``METHOD /path`` of ``policy.API_OPERATIONS``.

A factory gets the matrix's objects and ``i``: 0 for the thing inside the Belgorod-scoped
accounts' scope, 1 for the one outside it (Kursk). It answers the request's parts: ``url``
when the path names something other than the rule's ``on`` object (else the test fills the
object in), and ``json``, or ``content`` with ``headers``. A command without a factory fails
the matrix test: a new command must say how to send it.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

from tests.factories import PASSWORD, ROSTER_HEADER, volunteer_row
from tests.integration.alert_support import alert_body
from tests.integration.command_support import GRAYVORON, GRAYVORON_AREA, SUDZHA, at, report_body
from tests.integration.test_api_alert_import import cap
from tests.integration.test_api_photos import jpeg

if TYPE_CHECKING:
    from collections.abc import Callable

Objects = dict[str, Any]

_n = itertools.count(1)
#: the places of the two sides: Belgorod (inside) and Kursk (outside)
PLACE = (GRAYVORON, SUDZHA)
REGION = ("RU-BEL", "RU-KRS")
KURSK_AREA = {"kind": "region", "region": "RU-KRS"}
AREA: tuple[dict[str, Any], dict[str, Any]] = (
    {"kind": "polygon", "ring": GRAYVORON_AREA},
    KURSK_AREA,
)


def _unique(prefix: str) -> str:
    return f"{prefix}{next(_n)}"


def _key() -> dict[str, str]:
    return {"Idempotency-Key": _unique("matrix-")}


def _point(i: int) -> dict[str, float]:
    return at(PLACE[i])


def _geometry(i: int) -> dict[str, Any]:
    return {"type": "Point", "coordinates": list(PLACE[i])}


def _unit(o: Objects, i: int) -> int:
    return int(o["unit"][i])


def _unit_code(o: Objects, i: int) -> str:
    return str(o["unit_code"][i])


def _json(body: dict[str, Any]) -> Callable[[Objects, int], dict[str, Any]]:
    return lambda _o, _i: {"json": body}


FACTORIES: dict[str, Callable[[Objects, int], dict[str, Any]]] = {
    # accounts
    "POST /auth/login": lambda o, _i: {"json": {"username": o["spare_user"], "password": PASSWORD}},
    "POST /auth/logout": lambda _o, _i: {},
    "PATCH /auth/me": _json({"language": "ru"}),
    "POST /users": lambda _o, _i: {
        "json": {
            "username": _unique("matrix-user-"),
            "password": PASSWORD,
            "role": "field_reporter",
            "scope": {"kind": "regions", "regions": ["RU-BEL"]},
        }
    },
    "POST /users/{username}/disable": lambda o, _i: {"url": f"/users/{o['spare_user']}/disable"},
    # the field page: a unit's status, on the unit of the side
    "POST /field/actions": lambda o, i: {
        "json": {"kind": "unit.status", "unit_id": _unit(o, i), "status": "available"},
        "headers": _key(),
    },
    "POST /reports/{report_id}/photos": lambda _o, _i: {
        "content": jpeg(),
        "headers": {"Content-Type": "image/jpeg"},
    },
    "POST /units/{unit_id}/tak-chat": _json({"text": "Report your position"}),
    # forces
    "POST /agencies": lambda _o, _i: {
        "json": {"code": _unique("AG"), "name": "Matrix agency", "kind": "volunteer_self_defence"}
    },
    "POST /units": lambda o, i: {
        "json": {
            "code": _unique("MX-"),
            "name": "Matrix platoon",
            "agency_id": o["unit_agency"][i],
            "parent_id": _unit(o, i),
            "category": "platoon",
            "region": REGION[i],
            "home": _point(i),
        }
    },
    "PATCH /units/{unit_id}": _json({"readiness": 3}),
    "POST /units/{unit_id}/status": _json({"status": "available"}),
    "POST /units/{unit_id}/positions": lambda _o, i: {"json": _point(i)},
    "POST /members": lambda o, i: {
        "json": {
            "external_id": _unique("MX-"),
            "unit_code": _unit_code(o, i),
            "callsign": _unique("Matrix-"),
            "given_name": "Ivan",
            "family_name": "Matrixov",
        }
    },
    "POST /members/{member_id}/records": _json({"trainings": []}),
    "POST /roster/import": lambda o, i: {
        "content": (ROSTER_HEADER + volunteer_row(next(_n) + 100, _unit_code(o, i))).encode(),
        "headers": {"Content-Type": "text/csv"},
    },
    # law
    "POST /acts": lambda _o, _i: {"json": {"reference": _unique("MX-ACT-"), "title": "Matrix"}},
    "POST /acts/{reference}/status": lambda _o, _i: {
        "url": "/acts/LSD-2023/status",
        "json": {"status": "proposed"},
    },
    "POST /activation-orders": lambda o, i: {
        "json": {
            "unit_id": _unit(o, i),
            "reference": _unique("ORDER-"),
            "valid_from": "2026-11-26T10:00:00Z",
        }
    },
    # reports
    "POST /reports": lambda _o, i: {"json": report_body(position=_point(i)), "headers": _key()},
    "POST /reports/{report_id}/claim": lambda _o, _i: {},
    "POST /reports/{report_id}/release": lambda _o, _i: {},
    "POST /reports/{report_id}/attach": lambda o, i: {"json": {"incident_id": o["incident"][i]}},
    "POST /reports/{report_id}/open-incident": _json({"name": "Opened by the matrix"}),
    "POST /reports/{report_id}/reject": _json({"reason": "duplicate"}),
    # incidents
    "POST /incidents": lambda _o, i: {
        "json": {"name": "Matrix", "incident_type": "armed_clash", "place": _geometry(i)}
    },
    "PATCH /incidents/{incident_id}": _json({"description": "seen by the matrix"}),
    "POST /incidents/{incident_id}/transition": _json({"to": "verified"}),
    "PUT /incidents/{incident_id}/command": lambda o, i: {
        "json": {"lead_agency_id": o["unit_agency"][i]}
    },
    "POST /incidents/{incident_id}/casualties": _json({"counts": {"civilian_wounded": 1}}),
    "POST /incidents/{incident_id}/log": _json({"text": "Matrix entry"}),
    "POST /incidents/{incident_id}/tasks": _json({"title": "Observe"}),
    # tasks (each side's task is assigned to the side's unit)
    "POST /tasks/{task_id}/assign": lambda o, i: {"json": {"unit_id": _unit(o, i)}},
    "POST /tasks/{task_id}/accept": _json({}),
    "POST /tasks/{task_id}/decline": _json({"reason": "busy"}),
    "POST /tasks/{task_id}/status": _json({"status": "en_route"}),
    "POST /tasks/{task_id}/cancel": _json({"reason": "no longer needed"}),
    # alerts
    "POST /alerts/preview": lambda _o, i: {"json": AREA[i]},
    "POST /alerts/import": lambda _o, _i: {
        "content": cap(_unique("MX-")),
        "headers": {"Content-Type": "application/cap+xml"},
    },
    # refused before any fetch for those who may not import; for the others the URL is
    # outside the (empty) allow-list: 422, never fetched
    "POST /alerts/import-feed": _json({"url": "https://alerts.neighbour.example/feed.atom"}),
    "POST /alerts": lambda _o, i: {"json": alert_body(area=AREA[i])},
    "POST /incidents/{incident_id}/alerts": _json({"instruction": "shelter_in_place"}),
    "PUT /alerts/{alert_id}": lambda _o, i: {"json": alert_body(area=AREA[i])},
    "POST /alerts/{alert_id}/approve": lambda _o, _i: {},
    "POST /alerts/{alert_id}/publish": lambda _o, _i: {},
    "POST /alerts/{alert_id}/cancel": lambda _o, _i: {},
    "POST /webhooks": lambda _o, _i: {
        "json": {
            "name": _unique("matrix-hook-"),
            "url": "https://hooks.example/cap",
            "secret": "s" * 32,
        }
    },
    # shelters and evacuation
    "POST /shelters": lambda _o, i: {
        "json": {"name": _unique("Shelter "), "capacity": 50, **_point(i)}
    },
    "POST /shelters/{shelter_id}/check-in": _json({"people": 1}),
    "POST /shelters/{shelter_id}/check-out": _json({"people": 1}),
    "POST /evacuation-orders": lambda _o, i: {"json": {"area": AREA[i]}},
    "PATCH /evacuation-orders/{order_id}": _json({"moved": 1}),
    "POST /evacuation-orders/{order_id}/tasks": _json({}),
    # the demo's scenario clock (served by ``marchwarden demo`` only; not by the matrix's app)
    "PUT /scenario/clock": _json({"speed": 1}),
    "POST /scenario/clock/release": lambda _o, _i: {},
}
