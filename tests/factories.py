"""Builders of test data through the public services (never by writing rows directly)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.access.model import Role, Scope, User
from marchwarden.services import accounts

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services

PASSWORD = "correct-horse-battery"


def make_user(
    svc: Services, username: str, role: Role = Role.ADMIN, scope: Scope | None = None
) -> User:
    return accounts.create_user(
        svc,
        None,
        username=username,
        display_name=username,
        password=PASSWORD,
        role=role,
        scope=scope or Scope.all(),
    )


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    reply = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert reply.status_code == 200, reply.text
    return {"Authorization": f"Bearer {reply.json()['access_token']}"}


def make_forces(svc: Services) -> dict[str, int]:
    """A small registry: Belgorod volunteers (battalion → two companies), a Kursk volunteer
    battalion, a Belgorod army unit; and the demo law. Returns ids by short name."""
    from datetime import timedelta

    from marchwarden.core.authority.demo_law import demo_law
    from marchwarden.core.forces.model import NewUnit
    from marchwarden.services import forces, law

    ids: dict[str, int] = {}
    ids["bel_vsd"] = forces.create_agency(
        svc,
        None,
        code="BEL-VSD",
        name="Belgorod volunteers",
        kind="volunteer_self_defence",
        region="RU-BEL",
    ).id
    ids["krs_vsd"] = forces.create_agency(
        svc,
        None,
        code="KRS-VSD",
        name="Kursk volunteers",
        kind="volunteer_self_defence",
        region="RU-KRS",
    ).id
    ids["army"] = forces.create_agency(
        svc, None, code="ARMY", name="Army", kind="army", region=None
    ).id

    def unit(
        key: str,
        code: str,
        agency: str,
        region: str,
        lon: float,
        lat: float,
        parent: str | None = None,
        category: str = "battalion",
    ) -> None:
        ids[key] = forces.create_unit(
            svc,
            None,
            NewUnit(
                code=code,
                name=code,
                agency_id=ids[agency],
                parent_id=None if parent is None else ids[parent],
                category=category,
                region=region,
                home_lon=lon,
                home_lat=lat,
                capabilities=("observation",),
            ),
        ).id

    unit("bn2", "BEL-2BN", "bel_vsd", "RU-BEL", 35.45, 50.48)
    unit("co1", "BEL-2BN-1", "bel_vsd", "RU-BEL", 35.47, 50.49, "bn2", "company")
    unit("co2", "BEL-2BN-2", "bel_vsd", "RU-BEL", 35.40, 50.45, "bn2", "company")
    unit("krs_bn", "KRS-1BN", "krs_vsd", "RU-KRS", 35.9, 51.2)
    unit("army_bel", "ARMY-BEL-1", "army", "RU-BEL", 36.58, 50.6, category="garrison")
    for act in demo_law():
        law.record_act(svc, None, act)
    now = svc.clock.now()
    law.issue_activation_order(
        svc,
        None,
        unit_id=ids["bn2"],
        reference="ORD-1",
        valid_from=now - timedelta(days=6),
        valid_to=None,
    )
    return ids


ROSTER_HEADER = (
    "external_id,unit_code,callsign,given_name,family_name,date_of_birth,phone,"
    "trainings,qualifications,fitness\n"
)


def volunteer_row(
    n: int,
    unit_code: str = "BEL-2BN-1",
    *,
    firearms_until: str = "2027-03-01",
    fit_until: str = "2027-06-01",
) -> str:
    return (
        f"V{n:04d},{unit_code},Sokol-{n},Ivan,Petrov,1990-05-0{1 + n % 9},"
        f"+7 900 000-00-{n % 100:02d},"
        f"basic:2025-12-01:40;self_defence_programme:2026-03-01:80,"
        f"firearms:2025-06-01:{firearms_until};first_aid:2025-01-10:,"
        f"2026-01-15:{fit_until}:fit\n"
    )
