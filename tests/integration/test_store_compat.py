"""A store written by the code of commit bd98b8a (before commands were decided in the
core and recorded from their events) still migrates, verifies and takes new commands; and
the same commands on today's code write the same audit trail, timeline and events.

The fixture (tests/fixtures/store_bd98b8a/, how it was made in its README.md) holds the
SQLite store and its audit anchor after ``commands.run`` on that commit.
"""

from __future__ import annotations

import gzip
import json
import shutil
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import sqlalchemy as sa

from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.clock import FixedClock
from marchwarden.core.forces.model import Fitness, Qualification
from marchwarden.core.incidents.model import IncidentState
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import audit, forces, incidents
from tests.fixtures.store_bd98b8a import commands

if TYPE_CHECKING:
    from collections.abc import Iterator

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

FIXTURE = Path(commands.__file__).parent
HQ = Principal(user_id=2, username="hq", role=Role.HQ_COMMANDER, scope=Scope.all())
ADMIN = Principal(user_id=1, username="admin", role=Role.ADMIN, scope=Scope.all())

AUDIT = "SELECT seq, at, actor_name, command, target_type, target_id, changes, hash FROM audit_log"
TIMELINE = "SELECT id, kind, actor_name, unit_id, task_id, text, data FROM incident_timeline"
EVENTS = "SELECT id, type, payload, read_action, resource FROM events"


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def unpack(to: Path) -> Path:
    with gzip.open(FIXTURE / "store.db.gz") as packed, to.open("wb") as out:
        shutil.copyfileobj(packed, out)
    return to


def fixture_rows(db: Path, query: str, json_columns: tuple[int, ...]) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db)
    try:
        return _normal(conn.execute(query + " ORDER BY 1").fetchall(), json_columns)
    finally:
        conn.close()


def _normal(rows: Any, json_columns: tuple[int, ...]) -> list[tuple[Any, ...]]:
    out = []
    for row in rows:
        values = list(row)
        for i in json_columns:
            values[i] = _json(values[i])
        out.append(tuple(values))
    return out


def store_rows(svc: Services, query: str, json_columns: tuple[int, ...]) -> list[tuple[Any, ...]]:
    with svc.db.engine.connect() as conn:
        rows = conn.execute(sa.text(query + " ORDER BY 1")).all()
    return _normal(rows, json_columns)


@pytest.fixture
def old_store(tmp_path: Path, settings: Settings) -> Iterator[Services]:
    """The fixture's store, unpacked and migrated to head by today's code."""
    db = unpack(tmp_path / "old.db")
    anchor = tmp_path / "old.anchor"
    shutil.copy(FIXTURE / "audit-anchor.json", anchor)
    old = commands.settings_for(f"sqlite:///{db}", anchor)
    svc = build_services(old, clock=FixedClock(commands.START))
    upgrade(svc.db.engine)
    yield svc
    svc.db.close()
    svc.db.engine.dispose()


def _verified(svc: Services) -> audit.Verification:
    found = audit.verify(svc)
    assert found.result.ok, found.result.problem
    assert found.result.anchor_checked, found.anchor_note
    return found


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_store_of_bd98b8a_migrates_verifies_and_takes_new_commands(
    old_store: Services,
) -> None:
    before = _verified(old_store)
    assert before.result.checked == 57
    svc = old_store
    member = forces.get_member(svc, ADMIN, 4)
    today = commands.START.date()
    forces.add_member_records(
        svc,
        ADMIN,
        member.member.id,
        qualifications=(Qualification("driver", today, None),),
        fitness=(Fitness(today, today.replace(year=today.year + 1)),),
    )
    view = incidents.create_incident(
        svc,
        HQ,
        incidents.IncidentSpec(
            name="After the upgrade",
            incident_type=IncidentType.GUNFIRE,
            place=IncidentPlace.point(35.46, 50.47),
        ),
    )
    incidents.change_state(svc, HQ, view.incident.id, IncidentState.REJECTED, "a test")
    svc.db.flush_anchor()
    after = _verified(svc)
    assert after.result.checked == 57 + 3
    rows = store_rows(svc, AUDIT, (6,))
    assert [r[3] for r in rows[-3:]] == ["member.records", "incident.open", "incident.transition"]
    added = rows[-3][6]["added"]
    assert added["fitness"][0]["examined_on"] == today.isoformat()


def _as_before(data: Any, before: Any) -> Any:
    """A timeline entry's data cut to the keys it had before: since issue 13 entries carry
    more (the unit's name, the task's title, …: what the page writes the line from), but
    every key the old code wrote keeps its value."""
    if not isinstance(data, dict) or not isinstance(before, dict):
        return data
    return {k: data[k] for k in before if k in data}


def test_the_same_commands_write_the_same_audit_trail_timeline_and_events(
    settings: Settings, tmp_path: Path
) -> None:
    """On both stores: today's code, given the commands the fixture was made with on
    bd98b8a, writes audit records with the same commands, targets and ``changes`` (so
    the same hashes), the same timeline entries and the same events."""
    clock = FixedClock(commands.START)
    svc = build_services(settings, clock=clock)
    fixture = unpack(tmp_path / "fixture.db")
    try:
        commands.run(svc, clock)
        for query, json_columns in ((AUDIT, (6,)), (TIMELINE, (6,)), (EVENTS, (2, 4))):
            old = fixture_rows(fixture, query, json_columns)
            new = store_rows(svc, query, json_columns)
            if query is AUDIT:  # `at` as the driver gives it back; the hash covers it
                old = [r[:1] + r[2:] for r in old]
                new = [r[:1] + r[2:] for r in new]
            if query is TIMELINE and len(new) == len(old):  # data may gain keys, not change one
                new = [(*r[:6], _as_before(r[6], w[6])) for r, w in zip(new, old, strict=True)]
            assert len(new) == len(old)
            for was, now in zip(old, new, strict=True):
                assert now == was
    finally:
        svc.db.close()
        svc.db.engine.dispose()
