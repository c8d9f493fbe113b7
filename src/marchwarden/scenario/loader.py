"""``marchwarden demo``: load the border-raid scenario into the configured store.

Everything is written through the public services (so it is audited and emits events
like any other change): agencies, units, the roster (one CSV import), activation orders,
the law, and the demo accounts. Loading into a store that already has forces loads only
what is missing (accounts), so ``demo`` can be run again on the same database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role, Scope, ScopeKind
from marchwarden.core.civil.model import Shelter
from marchwarden.core.forces.model import (
    Fitness,
    MemberRecord,
    NewUnit,
    PersonalData,
    Qualification,
    Training,
)
from marchwarden.core.forces.roster import format_roster
from marchwarden.scenario.generate import generate
from marchwarden.services import accounts, forces, law, roster, shelters

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from marchwarden.core.clock import Clock
    from marchwarden.scenario.model import ScenarioData, UserSpec
    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

DEMO_PASSWORD = "marchwarden-demo"  # noqa: S105 - printed to the operator; demo only

#: (username, display name, role, scope) of the demo accounts not tied to forces
DEMO_ACCOUNTS: tuple[tuple[str, str, Role, Scope], ...] = (
    ("admin", "Demo administrator", Role.ADMIN, Scope.all()),
    ("hq", "HQ duty officer", Role.HQ_COMMANDER, Scope.all()),
    (
        "belgorod",
        "Belgorod regional coordinator",
        Role.REGIONAL_COORDINATOR,
        Scope.of_regions("RU-BEL"),
    ),
    ("kursk", "Kursk regional coordinator", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS")),
    ("analyst", "Legal analyst", Role.ANALYST, Scope.all()),
    ("auditor", "Auditor", Role.AUDITOR, Scope.all()),
    ("reporter", "Field reporter (Belgorod)", Role.FIELD_REPORTER, Scope.of_regions("RU-BEL")),
)


def _scope(svc: Services, spec: UserSpec) -> Scope:
    if spec.scope_kind is ScopeKind.REGIONS:
        return Scope.of_regions(*sorted(spec.scope_regions))
    if spec.scope_kind is ScopeKind.ALL:
        return Scope.all()
    with svc.db.unit_of_work(write=False) as uow:
        if spec.scope_kind is ScopeKind.AGENCY:
            agency = uow.forces.agency_by_code(str(spec.scope_code))
            assert agency is not None, spec
            return Scope.of_agency(agency.id)
        unit = uow.forces.unit_by_code(str(spec.scope_code))
        assert unit is not None, spec
        return Scope.of_unit(unit.id, unit.path)


def ensure_accounts(
    svc: Services, data: ScenarioData | None = None
) -> list[tuple[str, str, str, str]]:
    """Create the demo accounts that do not exist yet; return the printable list."""
    wanted: list[tuple[str, str, Role, Scope]] = list(DEMO_ACCOUNTS)
    if data is not None:
        wanted += [(u.username, u.display_name, u.role, _scope(svc, u)) for u in data.users]
    with svc.db.unit_of_work(write=False) as uow:
        existing = {u.username for u in uow.users.list()}
    rows = []
    for username, name, role, scope in wanted:
        if username not in existing:
            accounts.create_user(
                svc,
                None,
                username=username,
                display_name=name,
                password=DEMO_PASSWORD,
                role=role,
                scope=scope,
            )
        rows.append((username, DEMO_PASSWORD, role.value, scope.describe()))
    return rows


def member_records(data: ScenarioData) -> list[MemberRecord]:
    return [
        MemberRecord(
            external_id=m.external_id,
            unit_code=m.unit_code,
            callsign=m.callsign,
            personal=PersonalData(m.given_name, m.family_name, m.date_of_birth, m.phone),
            trainings=tuple(Training(t.programme, t.completed_on, t.hours) for t in m.trainings),
            qualifications=tuple(
                Qualification(q.kind, q.issued_on, q.expires_on) for q in m.qualifications
            ),
            fitness=tuple(Fitness(f.examined_on, f.valid_until, f.fit) for f in m.fitness),
        )
        for m in data.members
    ]


def load_forces(svc: Services, data: ScenarioData) -> bool:
    """Write agencies, units, roster, law and orders. False if forces were there already."""
    with svc.db.unit_of_work(write=False) as uow:
        if uow.forces.agencies():
            return False
    agency_ids = {}
    for a in data.agencies:
        agency_ids[a.code] = forces.create_agency(
            svc, None, code=a.code, name=a.name, kind=a.kind, region=a.region
        ).id
    unit_ids: dict[str, int] = {}
    for u in data.units:  # parents come before their children
        unit = forces.create_unit(
            svc,
            None,
            NewUnit(
                code=u.code,
                name=u.name,
                agency_id=agency_ids[u.agency_code],
                parent_id=None if u.parent_code is None else unit_ids[u.parent_code],
                category=u.category,
                region=u.region,
                home_lon=u.home_lon,
                home_lat=u.home_lat,
                capabilities=u.capabilities,
                readiness=u.readiness,
                status=u.status,
                declared_strength=u.declared_strength,
            ),
        )
        unit_ids[u.code] = unit.id
        if u.position is not None:
            forces.report_position(
                svc, None, unit.id, lon=u.position[0], lat=u.position[1], source="demo"
            )
    roster.import_roster(svc, None, format_roster(member_records(data)))
    for act in data.acts:
        law.record_act(svc, None, act)
    for o in data.activation_orders:
        law.issue_activation_order(
            svc,
            None,
            unit_id=unit_ids[o.unit_code],
            reference=o.reference,
            valid_from=o.valid_from,
            valid_to=o.valid_to,
        )
    return True


@dataclass(frozen=True, slots=True)
class DemoLoad:
    accounts: list[tuple[str, str, str, str]]
    """(username, password, role, scope) of each demo account."""
    loaded: bool
    """False when the store held the forces already (kept as they were)."""


#: the demo's shelters: (name, lon, lat, address, capacity, services)
DEMO_SHELTERS: tuple[tuple[str, float, float, str, int, tuple[str, ...]], ...] = (
    (
        "Borisovka school no. 1",
        36.0195,
        50.6010,
        "Borisovka, Pervomayskaya 40",
        150,
        ("beds", "food", "heating"),
    ),
    (
        "Belgorod Energomash sports palace",
        36.5760,
        50.5855,
        "Belgorod, Khmelnitskogo 137",
        400,
        ("beds", "food", "heating", "accessible", "medical"),
    ),
    (
        "Belgorod State University hostel",
        36.5925,
        50.5940,
        "Belgorod, Pobedy 85",
        250,
        ("beds", "food", "heating", "accessible"),
    ),
    (
        "Belgorod Arena",
        36.5540,
        50.6160,
        "Belgorod, Bogdana Khmelnitskogo 200",
        600,
        ("beds", "food", "heating", "pets"),
    ),
    (
        "Stary Oskol ice palace",
        37.8500,
        51.2980,
        "Stary Oskol, Lebedinets 1",
        300,
        ("beds", "food", "heating", "medical"),
    ),
)


def load_shelters(svc: Services) -> int:
    """Register the demo shelters unless the registry has some already."""
    with svc.db.unit_of_work(write=False) as uow:
        if uow.shelters.all():
            return 0
    for name, lon, lat, address, capacity, services in DEMO_SHELTERS:
        shelters.register(
            svc,
            None,
            Shelter.new(
                name,
                lon,
                lat,
                address=address,
                capacity=capacity,
                occupancy=0,
                services=frozenset(services),
            ),
        )
    return len(DEMO_SHELTERS)


def load_demo(
    settings: Settings,
    *,
    seed: int,
    console: Console,
    as_of: datetime | None = None,
    clock: Clock | None = None,
) -> DemoLoad:
    """Load the demo forces and accounts; ``clock`` stamps what is written (the
    scenario's clock when the demo runs on it), ``as_of`` defaults to its time."""
    svc = build_services(settings, clock=clock)
    try:
        data = generate(seed, as_of=as_of or svc.clock.now())
        with console.status("loading the border-raid scenario"):
            loaded = load_forces(svc, data)
            rows = ensure_accounts(svc, data)
            load_shelters(svc)
        if loaded:
            console.print(
                f"loaded {len(data.agencies)} agencies, {len(data.units)} units, "
                f"{len(data.members)} members, {len(data.acts)} legal acts"
            )
        else:
            console.print("forces already loaded; kept as they are")
    finally:
        svc.db.engine.dispose()
    return DemoLoad(rows, loaded)
