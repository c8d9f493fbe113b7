"""A fake store for unit tests of the handlers (no database, no HTTP), as cosmicpython
does: in-memory repositories with just what the handlers of incidents and tasks call, a
unit of work that keeps what ``record`` was given, and ``Services`` built on them.

The real store is tested against the same ports by the integration tests (both stores).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any, Self, cast

from marchwarden.core.access.model import Principal, Role, Scope, User
from marchwarden.core.clock import FixedClock
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.incidents.records import AgencyRef, Incident, Task, UnitRef
from marchwarden.services.alerts import FeedCache
from marchwarden.services.authority import LegalSnapshots
from marchwarden.services.context import Services
from marchwarden.services.dispatch_board import RecommendationBoard
from marchwarden.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from marchwarden.core.events import DomainEvent
    from marchwarden.core.incidents.model import IncidentState
    from marchwarden.services.civil_ports import CapDocuments
    from marchwarden.services.field_ports import ImageCodec
    from marchwarden.services.ports import (
        NewIncidentRow,
        NewTaskRow,
        PasswordHasher,
        Store,
    )
    from marchwarden.services.tak_ports import TakCertRow

HQ = Principal(user_id=1, username="hq", role=Role.HQ_COMMANDER, scope=Scope.all())
AGENCIES = {
    1: AgencyRef(1, "BEL-VSD", "Belgorod volunteers", "volunteer_self_defence", "RU-BEL"),
    2: AgencyRef(2, "ARMY", "Army", "army", None),
}


class FakeIncidents:
    def __init__(self) -> None:
        self.rows: dict[int, Incident] = {}

    def add(self, new: NewIncidentRow, *, created_by: str, at: datetime) -> int:
        incident_id = len(self.rows) + 1
        self.rows[incident_id] = Incident(
            id=incident_id,
            name=new.name,
            description=new.description,
            incident_type=new.incident_type,
            severity=new.severity,
            state=new.state,
            state_since=at,
            region=new.region,
            place=new.place,
            radius_km=new.radius_km,
            affected=new.affected,
            affected_population=new.affected_population,
            lead_agency_id=new.lead_agency_id,
            supporting_agency_ids=new.supporting_agency_ids,
            first_report_at=new.first_report_at,
            last_report_at=None,
            opened_from_report_id=new.opened_from_report_id,
            created_by=created_by,
            created_at=at,
            updated_at=at,
        )
        return incident_id

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None:
        return self.rows.get(incident_id)

    def update(self, incident_id: int, values: dict[str, Any], *, at: datetime) -> None:
        self.rows[incident_id] = dataclasses.replace(
            self.rows[incident_id], **values, updated_at=at
        )

    def set_supporting(self, incident_id: int, agency_ids: Iterable[int]) -> None:
        self.update(
            incident_id,
            {"supporting_agency_ids": tuple(sorted(set(agency_ids)))},
            at=self.rows[incident_id].updated_at,
        )

    def agencies(self, agency_ids: Iterable[int]) -> dict[int, AgencyRef]:
        return {i: AGENCIES[i] for i in agency_ids if i in AGENCIES}

    def casualties(self, incident_id: int) -> list[Any]:
        return []


class FakeTasks:
    def __init__(self) -> None:
        self.rows: dict[int, Task] = {}
        self.unit_rows: dict[int, UnitRef] = {}

    def add(self, new: NewTaskRow, *, created_by: str, at: datetime) -> int:
        task_id = len(self.rows) + 1
        self.rows[task_id] = Task(
            id=task_id,
            incident_id=new.incident_id,
            title=new.title,
            description=new.description,
            requirements=new.requirements,
            position=new.position,
            priority=new.priority,
            needed_by=new.needed_by,
            status=TaskStatus.OPEN,
            status_since=at,
            unit_id=None,
            assigned_at=None,
            ended_at=None,
            created_by=created_by,
            created_at=at,
        )
        return task_id

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        return self.rows.get(task_id)

    def find(
        self,
        *,
        incident_ids: Sequence[int] | None = None,
        statuses: Any = None,
        unit_id: int | None = None,
    ) -> list[Task]:
        return [
            k for k in self.rows.values() if incident_ids is None or k.incident_id in incident_ids
        ]

    def set_status(self, task_id: int, status: TaskStatus, *, at: datetime, **values: Any) -> None:
        self.rows[task_id] = dataclasses.replace(
            self.rows[task_id], status=status, status_since=at, **values
        )

    def unit(self, unit_id: int, *, for_update: bool = False) -> UnitRef | None:
        return self.unit_rows.get(unit_id)

    def units(self, unit_ids: Iterable[int] | None = None) -> list[UnitRef]:
        wanted = self.unit_rows if unit_ids is None else set(unit_ids)
        return [u for i, u in self.unit_rows.items() if i in wanted]


class FakeReports:
    def count_by_incident(self, incident_id: int) -> int:
        return 0


class FakeUsers:
    def __init__(self) -> None:
        self.rows: dict[int, User] = {}

    def get(self, user_id: int) -> User | None:
        return self.rows.get(user_id)

    def by_username(self, username: str) -> User | None:
        return next((u for u in self.rows.values() if u.username == username), None)


class FakeTakCerts:
    """``services/tak_ports.py: TakCerts`` in memory."""

    def __init__(self) -> None:
        self.rows: dict[str, TakCertRow] = {}

    def add(self, row: TakCertRow) -> None:
        self.rows[row.serial] = row

    def by_fingerprint(self, fingerprint: str) -> TakCertRow | None:
        return next((r for r in self.rows.values() if r.fingerprint == fingerprint), None)

    def by_serial(self, serial: str) -> TakCertRow | None:
        return self.rows.get(serial)

    def of_user(self, user_id: int) -> list[TakCertRow]:
        return [r for r in self.rows.values() if r.user_id == user_id]

    def revoke(self, serial: str, at: datetime, reason: str) -> None:
        self.rows[serial] = dataclasses.replace(
            self.rows[serial], revoked_at=at, revoked_reason=reason
        )


class FakeUnitOfWork:
    """Commits nothing anywhere: keeps what was recorded, and whether it committed."""

    def __init__(self, store: FakeStore) -> None:
        self.store = store
        self.incidents = store.incidents
        self.tasks = store.tasks
        self.reports = store.reports
        self.users = store.users
        self.tak_certs = store.tak_certs
        self.memo: dict[str, Any] = {}
        self.recorded: list[DomainEvent] = []
        self.committed = False

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def record(
        self, actor: Principal | None, events: Sequence[DomainEvent], *, at: datetime
    ) -> int | None:
        self.recorded.extend(events)
        return len(self.recorded)

    def commit(self) -> None:
        self.committed = True
        self.store.committed.extend(self.recorded)

    def rollback(self) -> None:
        self.recorded = []


class FakeStore:
    def __init__(self) -> None:
        self.incidents = FakeIncidents()
        self.tasks = FakeTasks()
        self.reports = FakeReports()
        self.users = FakeUsers()
        self.tak_certs = FakeTakCerts()
        #: every event of every committed unit of work, in order
        self.committed: list[DomainEvent] = []

    def unit_of_work(self, *, write: bool = True) -> FakeUnitOfWork:
        return FakeUnitOfWork(self)


def fake_services() -> tuple[Services, FakeStore]:
    store = FakeStore()
    svc = Services(
        settings=Settings(),
        db=cast("Store", store),
        clock=FixedClock(),
        passwords=cast("PasswordHasher", None),
        law=LegalSnapshots(),
        board=RecommendationBoard(run_beside=lambda fn: None),
        cap=cast("CapDocuments", None),
        feeds=FeedCache(),
        images=cast("ImageCodec", None),
    )
    return svc, store


def incident_state(store: FakeStore, incident_id: int) -> IncidentState:
    return store.incidents.rows[incident_id].state
