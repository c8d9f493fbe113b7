"""The demo's figures for the release analysis, computed again here from the scenario
data with none of the engine's code: who holds armed response (SEC-1996 c.13 and
LSD-2023 c.3 read by hand), which settlements each unit reaches (math.haversine), the
fewest army and national-guard units that keep today's coverage (by enumeration), and
what activating each volunteer battalion would bring (the members' records).

The demo is loaded on SQLite only: its 4,000 members take long to load on PostgreSQL, and
the API tests on both stores are in test_api_release.py.
"""

from __future__ import annotations

import itertools
import math
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pytest
from fastapi.testclient import TestClient

from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role
from marchwarden.core.clock import FixedClock
from marchwarden.core.geo.distance import TravelModel
from marchwarden.entrypoints.api.app import create_app
from marchwarden.geodata import border_settlements
from marchwarden.scenario.generate import generate
from marchwarden.scenario.loader import load_forces
from tests.conftest import make_settings
from tests.factories import login, make_user

if TYPE_CHECKING:
    from collections.abc import Iterator

    from marchwarden.scenario.model import MemberSpec, ScenarioData, UnitSpec

AS_OF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
BORDER = {"RU-BEL", "RU-KRS", "RU-BRY"}
CANDIDATES = {"army", "national_guard"}
SECURITY = {"army", "border_service", "national_guard"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ScenarioData, TestClient]]:
    tmp = tmp_path_factory.mktemp("demo")
    url = f"sqlite:///{tmp / 'demo.db'}"
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = make_settings(url, tmp)
    clock = FixedClock(AS_OF)
    data = generate(2024, as_of=AS_OF)
    svc = build_services(settings, clock=clock)
    load_forces(svc, data)
    make_user(svc, "analyst", Role.ANALYST)
    svc.db.engine.dispose()
    with TestClient(create_app(settings, clock=clock)) as client:
        yield data, client


# --------------------------------------------------------------------------- by hand


def _ok_day(start: date, end: date | None, day: date) -> bool:
    return start <= day and (end is None or day < end)


def armed_ready(m: MemberSpec, day: date) -> bool:
    """LSD-2023's record conditions: programme completed, firearms valid, fit."""
    trained = any(
        t.programme == "self_defence_programme" and t.completed_on <= day for t in m.trainings
    )
    firearms = any(
        q.kind == "firearms" and _ok_day(q.issued_on, q.expires_on, day) for q in m.qualifications
    )
    exams = [f for f in m.fitness if f.examined_on <= day]
    latest = max(exams, key=lambda f: f.examined_on) if exams else None
    fit = latest is not None and latest.fit and _ok_day(latest.examined_on, latest.valid_until, day)
    return trained and firearms and fit


class World:
    def __init__(self, data: ScenarioData, activate: frozenset[str] = frozenset()) -> None:
        self.data = data
        self.units = {u.code: u for u in data.units}
        self.kind = {a.code: a.kind for a in data.agencies}
        self.children: dict[str | None, list[str]] = {}
        for u in data.units:
            self.children.setdefault(u.parent_code, []).append(u.code)
        active = {
            o.unit_code
            for o in data.activation_orders
            if o.valid_from <= AS_OF and (o.valid_to is None or o.valid_to > AS_OF)
        } | activate
        self.members: dict[str, list[MemberSpec]] = {}
        for m in data.members:
            self.members.setdefault(m.unit_code, []).append(m)
        self.active = {c for c in self.units if any(a in active for a in self.chain(c))}

    def chain(self, code: str) -> list[str]:
        out = []
        cur: str | None = code
        while cur is not None:
            out.append(cur)
            cur = self.units[cur].parent_code
        return out

    def subtree(self, code: str) -> list[str]:
        out = [code]
        for c in self.children.get(code, ()):
            out += self.subtree(c)
        return out

    def agency_kind(self, u: UnitSpec) -> str:
        return self.kind[u.agency_code]

    def people(self, code: str) -> int:
        registered = sum(len(self.members.get(c, ())) for c in self.subtree(code))
        return max(self.units[code].declared_strength or 0, registered)

    def holds(self, code: str, with_act: bool) -> bool:
        u = self.units[code]
        kind = self.agency_kind(u)
        if kind in SECURITY:  # SEC-1996 c.13: no conditions, 8 members
            return self.people(code) >= 8
        if kind != "volunteer_self_defence" or not with_act or u.region not in BORDER:
            return False
        ready = sum(
            1
            for c in self.subtree(code)
            if c in self.active
            for m in self.members.get(c, ())
            if armed_ready(m, AS_OF.date())
        )
        return ready >= 8  # LSD-2023 c.3

    def where(self, code: str) -> tuple[float, float]:
        u = self.units[code]
        return u.position if u.position is not None else (u.home_lon, u.home_lat)


def haversine(a: tuple[float, float], b: tuple[float, float]) -> float:
    p1, p2 = math.radians(a[1]), math.radians(b[1])
    h = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(b[0] - a[0]) / 2) ** 2
    )
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


def reach(world: World, code: str) -> set[int]:
    travel = TravelModel()
    at = world.where(code)
    return {
        s.id
        for s in border_settlements(30.0).settlements
        if haversine(at, (s.lon, s.lat)) * travel.detour_factor / travel.speed_kmh * 60 <= 30.0
    }


def fewest(world: World, holders: list[str], today: set[int]) -> tuple[int, int]:
    """(units of the army and guard that must stay, candidates), by enumeration."""
    cands = [c for c in holders if world.agency_kind(world.units[c]) in CANDIDATES]
    others = set().union(*(reach(world, c) for c in holders if c not in cands))
    need = today - others
    reaches = {c: reach(world, c) & need for c in cands}
    useful = [c for c in cands if reaches[c]]
    for k in range(len(useful) + 1):
        for combo in itertools.combinations(useful, k):
            if need <= set().union(set(), *(reaches[c] for c in combo)):
                return k, len(cands)
    raise AssertionError("today's coverage cannot be kept")


def release(client: TestClient, query: str) -> dict[str, Any]:
    reply = client.get(f"/api/v1/whatif/release?{query}", headers=login(client, "analyst"))
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


# --------------------------------------------------------------------------- the figures


def test_the_demo_release_figures(demo: tuple[ScenarioData, TestClient]) -> None:
    data, client = demo
    world = World(data)
    before = [c for c in world.units if world.holds(c, with_act=False)]
    after = [c for c in world.units if world.holds(c, with_act=True)]
    today = set().union(*(reach(world, c) for c in before))
    with_act = set().union(*(reach(world, c) for c in after))
    body = release(client, "with=LSD-2023")
    assert body["covered_today"] == len(today)
    assert body["settlements_considered"] == len(border_settlements(30.0).settlements)
    assert len(body["uncovered_either_way"]) == body["settlements_considered"] - len(
        today | with_act
    )
    kept_before, cands_before = fewest(world, before, today)
    kept_after, cands_after = fewest(world, after, today)
    assert len(body["before"]["kept"]) == kept_before
    assert len(body["after"]["kept"]) == kept_after
    assert len(body["before"]["released"]) == cands_before - kept_before
    assert len(body["after"]["released"]) == cands_after - kept_after
    assert len(body["freed"]) == max(0, kept_before - kept_after)
    assert body["before"]["method"] == body["after"]["method"] == "optimal"
    # the what-if's own figures: coverage before and after the act
    whatif = client.get("/api/v1/whatif?with=LSD-2023", headers=login(client, "analyst")).json()
    assert whatif["coverage"]["covered_before"] == len(today)
    assert whatif["coverage"]["covered_after"] == len(today | with_act)


def test_what_activating_each_battalion_brings(demo: tuple[ScenarioData, TestClient]) -> None:
    data, client = demo
    world = World(data)
    day = AS_OF.date()
    body = release(client, "with=LSD-2023")
    by_code = {b["code"]: b for b in body["binding"]["battalions"]}
    roots = [
        u.code
        for u in data.units
        if u.parent_code is None
        and world.agency_kind(u) == "volunteer_self_defence"
        and u.region in BORDER
    ]
    checked = 0
    for code in roots:
        members = [m for c in world.subtree(code) for m in world.members.get(c, ())]
        if code in world.active:
            continue
        ready = sum(1 for m in members if armed_ready(m, day))
        gains = {g["kind"]: g for g in by_code[code]["gains"]}
        assert gains["unit_activated"]["members"] == ready, code
        assert by_code[code]["members_without"] == len(members)
        checked += 1
    assert checked >= 5
    # activating the two battalions with most to gain: their units then hold the power
    top = sorted(
        (b for b in body["binding"]["battalions"] if b["code"] in roots),
        key=lambda b: -next(g["members"] for g in b["gains"] if g["kind"] == "unit_activated"),
    )[:2]
    chosen = frozenset(b["code"] for b in top)
    activated = World(data, chosen)
    after = [c for c in activated.units if activated.holds(c, with_act=True)]
    before = [c for c in world.units if world.holds(c, with_act=False)]
    today = set().union(*(reach(world, c) for c in before))
    kept_after, _ = fewest(activated, after, today)
    query = "with=LSD-2023&" + "&".join(f"activate={b['id']}" for b in top)
    more = release(client, query)
    assert sorted(u["code"] for u in more["activate"]) == sorted(chosen)
    assert len(more["after"]["kept"]) == kept_after
    assert not any(
        g["kind"] == "unit_activated" and g["members"]
        for b in more["binding"]["battalions"]
        if b["code"] in chosen
        for g in b["gains"]
    )
