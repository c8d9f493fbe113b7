"""Incidents, their unified command, casualties and timeline in and out of the store.
Never commits. Rows that a command reads and then changes are read ``FOR UPDATE`` (a
no-op on SQLite, whose write transactions are serial anyway).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from marchwarden.adapters.db import tables as t
from marchwarden.core.incidents.casualties import CasualtyCategory, CasualtyUpdate
from marchwarden.core.incidents.model import (
    IncidentState,
    Severity,
)
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.records import (
    AffectedSettlement,
    AgencyRef,
    Incident,
    TimelineEntry,
    TimelineKind,
    incident_summary,
)
from marchwarden.core.incidents.taxonomy import IncidentType

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

    from marchwarden.core.incidents.correlation import IncidentSummary
    from marchwarden.core.incidents.model import LonLat
    from marchwarden.services.ports import (
        NewIncidentRow,
    )

from marchwarden.adapters.db._rows import _one, _pk

# --------------------------------------------------------------------------- incidents


def _place(data: dict[str, Any]) -> IncidentPlace:
    return IncidentPlace.from_geojson(data)


#: the open incidents as correlation sees them, and their reports' positions, as psycopg
#: runs them in one round trip with the group writer's other reads
#: (``SqlUnitOfWork.begin_batch``; PostgreSQL): the columns ``Incident.summary`` uses,
#: in ``find``'s order, and the positions in ``Reports.positions_by_incident``'s (the
#: open incidents' ids found by a subquery, so that neither read waits for the other)
_OPEN_SUMMARIES_SQL = (
    "SELECT id, name, incident_type, state, place, first_report_at, last_report_at, "
    "created_at FROM incidents WHERE state = ANY(%(states)s) ORDER BY id"
)
_OPEN_POSITIONS_SQL = (
    "SELECT incident_id, lon, lat FROM reports WHERE incident_id = ANY(ARRAY("
    "SELECT id FROM incidents WHERE state = ANY(%(states)s))) ORDER BY id"
)
_OPEN_STATES = {"states": sorted(s.value for s in IncidentState if s.is_open)}


def _affected_json(affected: Iterable[AffectedSettlement]) -> list[dict[str, Any]]:
    return [
        {"id": s.id, "name": s.name, "region": s.region, "population": s.population}
        for s in affected
    ]


class IncidentRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def _supporting(self, incident_ids: Collection[int]) -> dict[int, tuple[int, ...]]:
        out: dict[int, list[int]] = {i: [] for i in incident_ids}
        if not incident_ids:
            return {}
        a = t.incident_agencies
        rows = self.conn.execute(
            sa.select(a.c.incident_id, a.c.agency_id)
            .where(a.c.incident_id.in_(sorted(incident_ids)))
            .order_by(a.c.incident_id, a.c.agency_id)
        ).all()
        for row in rows:
            out[int(row.incident_id)].append(int(row.agency_id))
        return {k: tuple(v) for k, v in out.items()}

    @staticmethod
    def _incident(row: Any, supporting: tuple[int, ...]) -> Incident:
        return Incident(
            id=int(row.id),
            name=row.name,
            description=row.description,
            incident_type=IncidentType(row.incident_type),
            severity=Severity(row.severity),
            state=IncidentState(row.state),
            state_since=row.state_since,
            region=row.region,
            place=_place(row.place),
            radius_km=float(row.radius_km),
            affected=tuple(
                AffectedSettlement(
                    int(s["id"]), str(s["name"]), str(s["region"]), int(s["population"])
                )
                for s in row.affected
            ),
            affected_population=int(row.affected_population),
            lead_agency_id=row.lead_agency_id,
            supporting_agency_ids=supporting,
            first_report_at=row.first_report_at,
            last_report_at=row.last_report_at,
            opened_from_report_id=row.opened_from_report_id,
            created_by=row.created_by,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )

    def _many(self, rows: Iterable[Any]) -> list[Incident]:
        rows = list(rows)
        supporting = self._supporting([int(r.id) for r in rows])
        return [self._incident(r, supporting.get(int(r.id), ())) for r in rows]

    def add(self, new: NewIncidentRow, *, created_by: str, at: datetime) -> int:
        result = self.conn.execute(
            t.incidents.insert().values(
                name=new.name,
                description=new.description,
                incident_type=new.incident_type.value,
                severity=new.severity.value,
                state=new.state.value,
                state_since=at,
                region=new.region,
                place=new.place.to_geojson(),
                lon=new.place.reference[0],
                lat=new.place.reference[1],
                radius_km=new.radius_km,
                affected=_affected_json(new.affected),
                affected_population=new.affected_population,
                lead_agency_id=new.lead_agency_id,
                first_report_at=new.first_report_at,
                last_report_at=new.first_report_at,
                opened_from_report_id=new.opened_from_report_id,
                created_by=created_by,
                created_at=at,
                updated_at=at,
            )
        )
        incident_id = _pk(result)
        self.set_supporting(incident_id, new.supporting_agency_ids)
        return incident_id

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None:
        q = sa.select(t.incidents).where(t.incidents.c.id == incident_id)
        row = _one(self.conn, q, for_update=for_update)
        if row is None:
            return None
        return self._incident(row, self._supporting([incident_id]).get(incident_id, ()))

    def find(
        self,
        *,
        states: Collection[IncidentState] | None = None,
        regions: Collection[str] | None = None,
        created_before: datetime | None = None,
        after_id: int | None = None,
        limit: int | None = 100,
    ) -> list[Incident]:
        i = t.incidents
        q = sa.select(i)
        if states is not None:
            q = q.where(i.c.state.in_(sorted(s.value for s in states)))
        if regions is not None:
            q = q.where(i.c.region.in_(sorted(regions)))
        if created_before is not None:
            q = q.where(i.c.created_at < created_before)
        if after_id is not None:
            q = q.where(i.c.id > after_id)
        q = q.order_by(i.c.id)
        if limit is not None:
            q = q.limit(limit)
        return self._many(self.conn.execute(q).all())

    @staticmethod
    def open_summaries_reads() -> list[tuple[str, dict[str, Any]]]:
        """The reads of the open incidents' summaries (``open_summaries`` builds them) as
        psycopg runs them: ``find(states=<open>, limit=None)`` and
        ``Reports.positions_by_incident`` of those incidents in two statements that need
        not wait for each other's result (PostgreSQL)."""
        return [(_OPEN_SUMMARIES_SQL, _OPEN_STATES), (_OPEN_POSITIONS_SQL, _OPEN_STATES)]

    @staticmethod
    def open_summaries(incidents: Iterable[Any], positions: Iterable[Any]) -> list[IncidentSummary]:
        """The rows of ``open_summaries_reads`` as ``Incident.summary`` of each incident
        ``find`` gives, with its reports' positions: the same summaries, in the same order.
        (Each read has its own snapshot, as each statement of the SQLAlchemy path has;
        the journal lock, taken before both, keeps other writers from committing between
        them.)"""
        by_incident: dict[int, list[LonLat]] = {}
        for row in positions:
            by_incident.setdefault(int(row.incident_id), []).append(
                (float(row.lon), float(row.lat))
            )
        return [
            incident_summary(
                incident_id=int(row.id),
                name=row.name,
                incident_type=IncidentType(row.incident_type),
                state=IncidentState(row.state),
                position=_place(row.place).reference,
                first_report_at=row.first_report_at,
                last_report_at=row.last_report_at,
                created_at=row.created_at,
                report_positions=tuple(by_incident.get(int(row.id), ())),
            )
            for row in incidents
        ]

    def update(self, incident_id: int, values: dict[str, Any], *, at: datetime) -> None:
        values = dict(values)
        if "place" in values:
            place: IncidentPlace = values.pop("place")
            values.update(place=place.to_geojson(), lon=place.reference[0], lat=place.reference[1])
        if "affected" in values:
            values["affected"] = _affected_json(values["affected"])
        for key in ("severity", "state", "incident_type"):
            if key in values:
                values[key] = str(values[key])
        self.conn.execute(
            t.incidents.update()
            .where(t.incidents.c.id == incident_id)
            .values(**values, updated_at=at)
        )

    def widen_reporting_period(self, incident_id: int, observed_at: datetime) -> None:
        """Stretch ``[first_report_at, last_report_at]`` to include ``observed_at``."""
        i = t.incidents
        self.conn.execute(
            i.update()
            .where(i.c.id == incident_id)
            .values(
                first_report_at=sa.case(
                    (
                        sa.or_(i.c.first_report_at.is_(None), i.c.first_report_at > observed_at),
                        observed_at,
                    ),
                    else_=i.c.first_report_at,
                ),
                last_report_at=sa.case(
                    (
                        sa.or_(i.c.last_report_at.is_(None), i.c.last_report_at < observed_at),
                        observed_at,
                    ),
                    else_=i.c.last_report_at,
                ),
            )
        )

    def set_supporting(self, incident_id: int, agency_ids: Iterable[int]) -> None:
        a = t.incident_agencies
        self.conn.execute(a.delete().where(a.c.incident_id == incident_id))
        rows = [{"incident_id": incident_id, "agency_id": i} for i in sorted(set(agency_ids))]
        if rows:
            self.conn.execute(a.insert(), rows)

    # -- agencies -------------------------------------------------------------------

    def agencies(self, agency_ids: Iterable[int]) -> dict[int, AgencyRef]:
        ids = sorted(set(agency_ids))
        if not ids:
            return {}
        a = t.agencies
        rows = self.conn.execute(sa.select(a).where(a.c.id.in_(ids))).all()
        return {int(r.id): AgencyRef(int(r.id), r.code, r.name, r.kind, r.region) for r in rows}

    # -- timeline (append-only) -------------------------------------------------------

    def add_timeline(
        self,
        incident_id: int,
        *,
        at: datetime,
        kind: TimelineKind,
        actor_name: str,
        text: str,
        unit_id: int | None = None,
        task_id: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> int:
        result = self.conn.execute(
            t.incident_timeline.insert().values(
                incident_id=incident_id,
                at=at,
                kind=kind.value,
                actor_name=actor_name,
                unit_id=unit_id,
                task_id=task_id,
                text=text[:4000],
                data=data or {},
            )
        )
        return _pk(result)

    @staticmethod
    def _entry(row: Any) -> TimelineEntry:
        return TimelineEntry(
            id=int(row.id),
            incident_id=int(row.incident_id),
            at=row.at,
            kind=TimelineKind(row.kind),
            actor_name=row.actor_name,
            unit_id=row.unit_id,
            task_id=row.task_id,
            text=row.text,
            data=dict(row.data or {}),
        )

    def timeline(
        self,
        *,
        incident_id: int | None = None,
        unit_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        limit: int | None = 1000,
    ) -> list[TimelineEntry]:
        e = t.incident_timeline
        q = sa.select(e)
        if incident_id is not None:
            q = q.where(e.c.incident_id == incident_id)
        if unit_id is not None:
            q = q.where(e.c.unit_id == unit_id)
        if since is not None:
            q = q.where(e.c.at >= since)
        if until is not None:
            q = q.where(e.c.at < until)
        if after_id is not None:
            q = q.where(e.c.id > after_id)
        q = q.order_by(e.c.id)
        if limit is not None:
            q = q.limit(limit)
        return [self._entry(r) for r in self.conn.execute(q).all()]

    # -- casualties -------------------------------------------------------------------

    def add_casualties(
        self, incident_id: int, update: CasualtyUpdate, *, recorded_by: str, recorded_at: datetime
    ) -> int:
        result = self.conn.execute(
            t.casualty_updates.insert().values(
                incident_id=incident_id,
                at=update.at,
                counts={c.value: n for c, n in update.counts.items()},
                source=update.source,
                note=update.note,
                recorded_by=recorded_by,
                recorded_at=recorded_at,
            )
        )
        return _pk(result)

    def casualties(self, incident_id: int) -> list[tuple[CasualtyUpdate, str, datetime]]:
        """The updates in the order they were recorded, with who recorded them and when."""
        c = t.casualty_updates
        rows = self.conn.execute(
            sa.select(c).where(c.c.incident_id == incident_id).order_by(c.c.id)
        ).all()
        return [
            (
                CasualtyUpdate(
                    at=r.at,
                    counts={CasualtyCategory(k): int(v) for k, v in r.counts.items()},
                    source=r.source,
                    note=r.note,
                ),
                r.recorded_by,
                r.recorded_at,
            )
            for r in rows
        ]
