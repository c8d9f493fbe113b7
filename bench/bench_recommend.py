"""Recommendation latency through the service, over 10,000 units in a real store.

Run: ``.venv/bin/python bench/bench_recommend.py [units]``. Builds a SQLite store in a
temporary directory with the demo law and ``units`` units in the three border regions
(army units declare their strength, so the legal engine gives them armed response),
opens an incident with tasks, then times ``services.tasks.recommend``:

- cold: the first call (reads every unit, evaluates the law, builds the board);
- warm: repeated calls for varied tasks (no change in between) — the figure that must
  stay under 10 ms at p99;
- after a unit's status changed (the board replays the event and updates one row);
- a regional coordinator's first and later calls (a board of the units in scope);
- through the HTTP API (TestClient: routing, auth and JSON included).

Prints the figures and the machine.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

# Runnable as a script from the repository root, installed or not.
_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench._machine import describe_machine  # noqa: E402
from marchwarden.adapters.db.engine import create_engine  # noqa: E402
from marchwarden.adapters.db.migrate import upgrade  # noqa: E402
from marchwarden.bootstrap import build_services  # noqa: E402
from marchwarden.core.access.model import Role, Scope  # noqa: E402
from marchwarden.core.authority.demo_law import demo_law  # noqa: E402
from marchwarden.core.clock import FixedClock  # noqa: E402
from marchwarden.core.forces.model import NewUnit  # noqa: E402
from marchwarden.core.forces.status import UnitStatus  # noqa: E402
from marchwarden.core.incidents.model import Severity  # noqa: E402
from marchwarden.core.incidents.place import IncidentPlace  # noqa: E402
from marchwarden.core.incidents.taxonomy import IncidentType  # noqa: E402
from marchwarden.services import accounts, forces, incidents, law, tasks  # noqa: E402
from marchwarden.settings import Settings  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

    from marchwarden.core.access.model import Principal
    from marchwarden.services.context import Services

REGIONS = {"RU-BEL": (35.3, 38.3, 50.2, 51.4), "RU-KRS": (34.2, 38.4, 51.0, 52.4)}
PASSWORD = "bench-password"  # noqa: S105 - a throwaway store
KINDS = ("army", "border_service", "national_guard", "police", "volunteer_self_defence")


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pct(p: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * p))]

    return (
        f"median {statistics.median(ordered):.2f} ms, p95 {pct(0.95):.2f} ms, "
        f"p99 {pct(0.99):.2f} ms, max {ordered[-1]:.2f} ms (n={len(ordered)})"
    )


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000.0)
    return out


def populate(svc: Services, n: int, rng: random.Random) -> list[int]:
    agencies: dict[tuple[str, str], int] = {}
    for region in REGIONS:
        for kind in KINDS:
            agencies[(region, kind)] = forces.create_agency(
                svc,
                None,
                code=f"{kind[:6].upper()}-{region}",
                name=f"{kind} {region}",
                kind=kind,
                region=region,
            ).id
    ids = []
    for i in range(n):
        region = rng.choice(list(REGIONS))
        kind = rng.choice(KINDS)
        lon0, lon1, lat0, lat1 = REGIONS[region]
        armed = kind in ("army", "border_service", "national_guard")
        ids.append(
            forces.create_unit(
                svc,
                None,
                NewUnit(
                    code=f"U{i:05d}",
                    name=f"Unit {i}",
                    agency_id=agencies[(region, kind)],
                    parent_id=None,
                    category="company",
                    region=region,
                    home_lon=rng.uniform(lon0, lon1),
                    home_lat=rng.uniform(lat0, lat1),
                    capabilities=tuple(rng.sample(("vehicles", "medical", "drones"), 1)),
                    readiness=rng.randint(2, 4),
                    status=rng.choice([UnitStatus.AVAILABLE] * 8 + [UnitStatus.OFF_DUTY]),
                    declared_strength=rng.choice((8, 10, 20)) if armed else 6,
                ),
            ).id
        )
    for act in demo_law():
        law.record_act(svc, None, act)
    return ids


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(20261126)
    tmp = Path(tempfile.mkdtemp(prefix="mw-bench-recommend-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(
        _env_file=None,
        environment="test",
        database_url=url,
        audit_anchor_path=str(tmp / "audit.anchor"),
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        secret_key="bench-" + "x" * 40,
    )
    clock = FixedClock()
    svc = build_services(settings, clock=clock)
    started = time.perf_counter()
    unit_ids = populate(svc, n, rng)
    print(f"store with {n} units built in {time.perf_counter() - started:.1f} s ({url})")

    def user(name: str, role: Role, scope: Scope) -> Principal:
        return accounts.create_user(
            svc,
            None,
            username=name,
            display_name=name,
            password=PASSWORD,
            role=role,
            scope=scope,
        ).principal()

    hq = user("hq", Role.HQ_COMMANDER, Scope.all())
    kursk = user("kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
    incident = incidents.create_incident(
        svc,
        hq,
        incidents.IncidentSpec(
            name="bench",
            incident_type=IncidentType.CROSS_BORDER_INCURSION,
            severity=Severity.SEVERE,
            place=IncidentPlace.point(35.66, 50.48),
        ),
    ).incident
    specs = [
        tasks.TaskSpec(
            title="armed",
            required_powers=frozenset({"armed_response"}),
            required_capabilities=frozenset({"vehicles"}),
        ),
        tasks.TaskSpec(title="evacuation", required_powers=frozenset({"evacuation_assist"})),
        tasks.TaskSpec(title="detain", required_powers=frozenset({"detain"})),
        tasks.TaskSpec(title="anyone", minimum_readiness=0),
    ]
    task_ids = []
    for k in range(40):
        spec = specs[k % len(specs)]
        where = (rng.uniform(35.0, 38.0), rng.uniform(50.3, 52.2))
        task_ids.append(
            tasks.create_task(
                svc,
                hq,
                incident.id,
                tasks.TaskSpec(
                    title=spec.title,
                    required_powers=spec.required_powers,
                    required_capabilities=spec.required_capabilities,
                    minimum_readiness=spec.minimum_readiness,
                    position=where,
                ),
            ).task.id
        )
    kursk_incident = incidents.create_incident(
        svc,
        kursk,
        incidents.IncidentSpec(
            name="bench kursk",
            incident_type=IncidentType.SHELLING,
            place=IncidentPlace.point(35.27, 51.19),
        ),
    ).incident
    kursk_task = tasks.create_task(
        svc,
        kursk,
        kursk_incident.id,
        tasks.TaskSpec(title="evac", required_powers=frozenset({"evacuation_assist"})),
    ).task.id

    i = 0

    def one() -> None:
        nonlocal i
        tasks.recommend(svc, hq, task_ids[i % len(task_ids)])
        i += 1

    cold = timed(one, 1)
    for _ in range(20):
        one()
    warm = timed(one, 2000)
    sample = tasks.recommend(svc, hq, task_ids[0])

    def change_then_recommend() -> float:
        unit = rng.choice(unit_ids)
        with svc.db.unit_of_work(write=False) as uow:
            current = uow.tasks.unit(unit)
        assert current is not None
        new = (
            UnitStatus.OUT_OF_SERVICE
            if current.status is UnitStatus.AVAILABLE
            else (UnitStatus.AVAILABLE)
        )
        forces.change_unit_status(svc, None, unit, new, "bench")
        start = time.perf_counter()
        one()
        return (time.perf_counter() - start) * 1000.0

    after_change = [change_then_recommend() for _ in range(200)]

    def assign_once() -> float:
        spec = specs[1]  # an evacuation task where the last one was
        task = tasks.create_task(
            svc,
            hq,
            incident.id,
            tasks.TaskSpec(title=spec.title, required_powers=spec.required_powers),
        ).task.id
        unit = tasks.recommend(svc, hq, task).ranked[0].unit.id
        start = time.perf_counter()
        tasks.assign(svc, hq, task, unit)
        took = (time.perf_counter() - start) * 1000.0
        tasks.cancel(svc, hq, task, reason="bench")
        return took

    assigned = [assign_once() for _ in range(20)]
    scoped_first = timed(lambda: tasks.recommend(svc, kursk, kursk_task), 1)
    scoped = timed(lambda: tasks.recommend(svc, kursk, kursk_task), 500)

    from fastapi.testclient import TestClient

    from marchwarden.entrypoints.api.app import create_app

    with TestClient(create_app(settings, clock=clock)) as client:
        token = client.post(
            "/api/v1/auth/login", json={"username": "hq", "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        j = 0

        def over_http() -> None:
            nonlocal j
            reply = client.get(
                f"/api/v1/tasks/{task_ids[j % len(task_ids)]}/recommendations", headers=headers
            )
            assert reply.status_code == 200, reply.text
            j += 1

        for _ in range(20):
            over_http()
        http = timed(over_http, 500)
    svc.db.engine.dispose()

    print(f"recommendation over {n} units ({sample.units_considered} on the HQ board):")
    print(f"  cold (read units, evaluate law, build board): {cold[0]:.1f} ms")
    print(f"  warm, HQ (all units):                         {summary(warm)}")
    print(f"  right after a unit status change:             {summary(after_change)}")
    print(f"  assignment (law evaluated at that moment):  {summary(assigned)}")
    print(f"  regional coordinator, first call:             {scoped_first[0]:.1f} ms")
    print(f"  regional coordinator, later calls:            {summary(scoped)}")
    print(f"  HTTP GET /tasks/{{id}}/recommendations:         {summary(http)}")
    print(
        f"  e.g. task '{sample.task.title}': {sample.eligible_count} eligible, top "
        f"{sample.ranked[0].unit.name if sample.ranked else '-'}, "
        f"{sample.ineligible_nearby_count} ineligible within {sample.ineligible_radius_km:g} km"
    )
    print(f"machine: {describe_machine()}")


if __name__ == "__main__":
    main()
