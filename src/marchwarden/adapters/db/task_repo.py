"""Tasks, and units as tasking sees them, in and out of the store. Never commits."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.core.dispatch.model import TaskRequirements
from marchwarden.core.dispatch.tasking import TaskPriority, TaskStatus
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents.records import (
    Task,
    UnitRef,
)

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

    from marchwarden.services.ports import (
        NewTaskRow,
    )

from marchwarden.adapters.db._rows import _one, _pk

# --------------------------------------------------------------------------- tasks and units


def _task(row: Any) -> Task:
    return Task(
        id=int(row.id),
        incident_id=int(row.incident_id),
        title=row.title,
        description=row.description,
        requirements=TaskRequirements(
            frozenset(row.required_powers),
            frozenset(row.required_capabilities),
            int(row.minimum_readiness),
        ),
        position=(float(row.lon), float(row.lat)),
        priority=TaskPriority(row.priority),
        needed_by=row.needed_by,
        status=TaskStatus(row.status),
        status_since=row.status_since,
        unit_id=row.unit_id,
        assigned_at=row.assigned_at,
        ended_at=row.ended_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def _unit_select() -> sa.Select[Any]:
    u, a = t.units, t.agencies
    return sa.select(
        u.c.id,
        u.c.code,
        u.c.name,
        u.c.agency_id,
        a.c.code.label("agency_code"),
        a.c.name.label("agency_name"),
        a.c.kind.label("agency_kind"),
        u.c.path,
        u.c.category,
        u.c.region,
        u.c.status,
        u.c.readiness,
        u.c.capabilities,
        u.c.home_lon,
        u.c.home_lat,
        u.c.position_lon,
        u.c.position_lat,
    ).join(a, a.c.id == u.c.agency_id)


def _unit(row: Any) -> UnitRef:
    position = None
    if row.position_lon is not None and row.position_lat is not None:
        position = (float(row.position_lon), float(row.position_lat))
    return UnitRef(
        id=int(row.id),
        code=row.code,
        name=row.name,
        agency_id=int(row.agency_id),
        agency_code=row.agency_code,
        agency_name=row.agency_name,
        agency_kind=row.agency_kind,
        path=row.path,
        category=row.category,
        region=row.region,
        status=UnitStatus(row.status),
        readiness=int(row.readiness),
        capabilities=frozenset(row.capabilities or ()),
        home=(float(row.home_lon), float(row.home_lat)),
        position=position,
    )


class TaskRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(self, new: NewTaskRow, *, created_by: str, at: datetime) -> int:
        req = new.requirements
        result = self.conn.execute(
            t.tasks.insert().values(
                incident_id=new.incident_id,
                title=new.title,
                description=new.description,
                required_powers=sorted(req.required_powers),
                required_capabilities=sorted(req.required_capabilities),
                minimum_readiness=req.minimum_readiness,
                lon=new.position[0],
                lat=new.position[1],
                priority=new.priority.value,
                needed_by=new.needed_by,
                status=TaskStatus.OPEN.value,
                status_since=at,
                created_by=created_by,
                created_at=at,
            )
        )
        return _pk(result)

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None:
        q = sa.select(t.tasks).where(t.tasks.c.id == task_id)
        row = _one(self.conn, q, for_update=for_update)
        return None if row is None else _task(row)

    def find(
        self,
        *,
        incident_ids: Collection[int] | None = None,
        statuses: Collection[TaskStatus] | None = None,
        unit_id: int | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[Task]:
        k = t.tasks
        q = sa.select(k)
        if incident_ids is not None:
            q = q.where(k.c.incident_id.in_(sorted(incident_ids)))
        if statuses is not None:
            q = q.where(k.c.status.in_(sorted(s.value for s in statuses)))
        if unit_id is not None:
            q = q.where(k.c.unit_id == unit_id)
        if after_id is not None:
            q = q.where(k.c.id > after_id)
        q = q.order_by(k.c.id)
        if limit is not None:
            q = q.limit(limit)
        return [_task(r) for r in self.conn.execute(q).all()]

    def set_status(
        self,
        task_id: int,
        status: TaskStatus,
        *,
        at: datetime,
        unit_id: int | None,
        assigned_at: datetime | None,
        ended_at: datetime | None,
    ) -> None:
        self.conn.execute(
            t.tasks.update()
            .where(t.tasks.c.id == task_id)
            .values(
                status=status.value,
                status_since=at,
                unit_id=unit_id,
                assigned_at=assigned_at,
                ended_at=ended_at,
            )
        )

    # -- units (read from the forces registry's tables) ---------------------------------

    def unit(self, unit_id: int, *, for_update: bool = False) -> UnitRef | None:
        q = _unit_select().where(t.units.c.id == unit_id)
        row = _one(self.conn, q, for_update=t.units if for_update else False)
        return None if row is None else _unit(row)

    def units(self, unit_ids: Iterable[int] | None = None) -> list[UnitRef]:
        q = _unit_select()
        if unit_ids is not None:
            ids = sorted(set(unit_ids))
            if not ids:
                return []
            q = q.where(t.units.c.id.in_(ids))
        return [_unit(r) for r in self.conn.execute(q.order_by(t.units.c.id)).all()]
