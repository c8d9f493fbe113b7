"""Repositories of unified command: idempotency keys, reports, incidents, tasks.

They never commit. Two guards live here because they must hold on SQLite and PostgreSQL
alike, under concurrent writers:

- ``IdempotencyRepository.add`` inserts the key with ``ON CONFLICT DO NOTHING``: when
  another transaction holds (or committed) the same key, the unique constraint refuses
  it, nothing is stored and the caller reads the winner's reply instead.
- ``ReportRepository.claim`` and ``.decide`` are conditional UPDATEs (``WHERE
  claimed_by_id IS NULL OR claim_expires_at <= now``…); exactly one of two concurrent
  officers gets a row count of 1. On PostgreSQL the loser's UPDATE waits for the winner's
  row lock and then re-checks the condition against the committed row; on SQLite writers
  are serialised by ``BEGIN IMMEDIATE``.

Rows that a command reads and then changes are read ``FOR UPDATE`` (a no-op on SQLite,
whose write transactions are serial anyway).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from marchwarden.adapters.db import tables as t
from marchwarden.core.dispatch.model import TaskRequirements
from marchwarden.core.dispatch.tasking import TaskPriority, TaskStatus
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents.casualties import CasualtyCategory, CasualtyUpdate
from marchwarden.core.incidents.correlation import ReportSummary
from marchwarden.core.incidents.model import (
    AdmiraltyRating,
    IncidentState,
    InformationCredibility,
    ReportSourceKind,
    Severity,
    SourceReliability,
)
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.records import (
    AffectedSettlement,
    AgencyRef,
    Incident,
    Report,
    ReportStatus,
    Task,
    TimelineEntry,
    TimelineKind,
    UnitRef,
)
from marchwarden.core.incidents.taxonomy import IncidentType

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Sequence
    from datetime import datetime

    from marchwarden.core.incidents.model import LonLat


def _pk(result: sa.CursorResult[Any]) -> int:
    pk = result.inserted_primary_key
    assert pk is not None
    return int(pk[0])


def _one(conn: sa.Connection, query: sa.Select[Any], *, for_update: Any = False) -> Any:
    """The first row of ``query`` (None if none), read ``FOR UPDATE`` when asked (True, or
    the table to lock when the query joins several)."""
    if for_update is True:
        query = query.with_for_update()
    elif for_update is not False:
        query = query.with_for_update(of=for_update)
    return conn.execute(query).first()


# --------------------------------------------------------------------------- idempotency


@dataclass(frozen=True, slots=True)
class StoredReply:
    request_hash: str
    status_code: int
    response: dict[str, Any]
    created_at: datetime


_KEYS = t.idempotency_keys
_KEY_GET = sa.select(_KEYS).where(
    _KEYS.c.user_id == sa.bindparam("user_id"),
    _KEYS.c.operation == sa.bindparam("operation"),
    _KEYS.c.key == sa.bindparam("key"),
)
_KEY_ADD = {
    dialect: insert(_KEYS)
    .on_conflict_do_nothing(index_elements=[_KEYS.c.user_id, _KEYS.c.operation, _KEYS.c.key])
    .returning(_KEYS.c.id)
    for dialect, insert in (("sqlite", sqlite_insert), ("postgresql", pg_insert))
}


_KEYS_PRESENT = sa.select(_KEYS.c.user_id, _KEYS.c.operation, _KEYS.c.key).where(
    _KEYS.c.user_id.in_(sa.bindparam("user_ids", expanding=True)),
    _KEYS.c.operation.in_(sa.bindparam("operations", expanding=True)),
    _KEYS.c.key.in_(sa.bindparam("keys", expanding=True)),
)


class IdempotencyRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        #: keys known not to be stored (``preload``); ``get`` answers them without a read
        self._absent: set[tuple[int, str, str]] = set()

    def preload(self, wanted: Collection[tuple[int, str, str]]) -> None:
        """Look up many (user id, operation, key) at once: those not stored are then
        answered by ``get`` without a statement each (a group-commit batch does this).

        Only for a transaction that holds the write lock from before this read (SQLite)
        or that resolves a key inserted meanwhile by another transaction when ``add``
        refuses it (both stores: ``add`` returns None, the caller runs again without the
        preload); ``add`` forgets the key it inserts."""
        if not wanted:
            return
        rows = self.conn.execute(
            _KEYS_PRESENT,
            {
                "user_ids": sorted({w[0] for w in wanted}),
                "operations": sorted({w[1] for w in wanted}),
                "keys": sorted({w[2] for w in wanted}),
            },
        ).all()
        present = {(int(r.user_id), str(r.operation), str(r.key)) for r in rows}
        self._absent = set(wanted) - present

    def get(self, user_id: int, operation: str, key: str) -> StoredReply | None:
        if (user_id, operation, key) in self._absent:
            return None
        row = self.conn.execute(
            _KEY_GET, {"user_id": user_id, "operation": operation, "key": key}
        ).first()
        if row is None:
            return None
        return StoredReply(
            row.request_hash, int(row.status_code), dict(row.response), row.created_at
        )

    def add(
        self,
        *,
        user_id: int,
        operation: str,
        key: str,
        request_hash: str,
        status_code: int,
        response: dict[str, Any],
        at: datetime,
    ) -> int | None:
        """Store the key with its reply; None (and nothing stored) when the key is taken.

        ``INSERT … ON CONFLICT DO NOTHING``: on PostgreSQL a concurrent transaction
        inserting the same key makes this wait until that one commits or rolls back; then
        the key is refused (or inserted). No error, so the transaction goes on.
        """
        self._absent.discard((user_id, operation, key))
        row = self.conn.execute(
            _KEY_ADD[self.conn.dialect.name],
            {
                "user_id": user_id,
                "operation": operation,
                "key": key,
                "request_hash": request_hash,
                "status_code": status_code,
                "response": response,
                "created_at": at,
            },
        ).first()
        return None if row is None else int(row[0])


# --------------------------------------------------------------------------- reports


#: report list orders: (column, descending) pairs, the id last so that the key is unique
REPORT_ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "id": (("id", False),),
    # newest observed first
    "newest": (("observed_at", True), ("id", True)),
    # the source's reliability (A best), then the information's credibility (1 best)
    "reliability": (
        ("reliability", False),
        ("credibility", False),
        ("observed_at", True),
        ("id", True),
    ),
    # waiting longest first
    "received": (("received_at", False), ("id", False)),
}


def report_order_key(order: str, report: Report) -> tuple[Any, ...]:
    """The values ``order`` sorts ``report`` by (what ``find(after_key=...)`` takes)."""
    values = {
        "id": report.id,
        "observed_at": report.observed_at,
        "received_at": report.received_at,
        "reliability": report.rating.reliability.value,
        "credibility": int(report.rating.credibility.value),
    }
    return tuple(values[name] for name, _ in REPORT_ORDERS[order])


def _report(row: Any) -> Report:
    return Report(
        id=int(row.id),
        source_kind=ReportSourceKind(row.source_kind),
        observed_at=row.observed_at,
        received_at=row.received_at,
        position=(float(row.lon), float(row.lat)),
        uncertainty_m=float(row.uncertainty_m),
        incident_type=IncidentType(row.incident_type),
        text=row.text,
        rating=AdmiraltyRating(
            SourceReliability(row.reliability), InformationCredibility(int(row.credibility))
        ),
        reporter=row.reporter,
        submitted_by=row.submitted_by,
        region=row.region,
        status=ReportStatus(row.status),
        incident_id=row.incident_id,
        claimed_by_id=row.claimed_by_id,
        claimed_by=row.claimed_by,
        claim_expires_at=row.claim_expires_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
        correlation=dict(row.correlation or {}),
    )


@dataclass(frozen=True, slots=True)
class NewReportRow:
    """A report to store (``services/reports.py: NewReport`` is this, as submitted, with
    its idempotency hash; the region is filled in from the position)."""

    source_kind: ReportSourceKind
    observed_at: datetime
    position: LonLat
    uncertainty_m: float
    incident_type: IncidentType
    text: str
    rating: AdmiraltyRating
    reporter: str
    region: str | None = None


_REPORTS = t.reports
_REPORT_INSERT = _REPORTS.insert()
_DUPLICATE_CANDIDATES = (
    sa.select(
        _REPORTS.c.id,
        _REPORTS.c.lon,
        _REPORTS.c.lat,
        _REPORTS.c.observed_at,
        _REPORTS.c.text,
        _REPORTS.c.incident_id,
    )
    .where(
        _REPORTS.c.incident_type == sa.bindparam("incident_type"),
        _REPORTS.c.observed_at >= sa.bindparam("since"),
        _REPORTS.c.observed_at <= sa.bindparam("until"),
        _REPORTS.c.lat.between(sa.bindparam("lat_min"), sa.bindparam("lat_max")),
        _REPORTS.c.lon.between(sa.bindparam("lon_min"), sa.bindparam("lon_max")),
    )
    .order_by(_REPORTS.c.id)
)


class ReportRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def add(
        self,
        new: NewReportRow,
        *,
        submitted_by_id: int | None,
        submitted_by: str,
        received_at: datetime,
        correlation: dict[str, Any],
    ) -> int:
        result = self.conn.execute(
            _REPORT_INSERT,
            {
                "source_kind": new.source_kind.value,
                "observed_at": new.observed_at,
                "received_at": received_at,
                "lon": new.position[0],
                "lat": new.position[1],
                "uncertainty_m": new.uncertainty_m,
                "incident_type": new.incident_type.value,
                "text": new.text,
                "reliability": new.rating.reliability.value,
                "credibility": int(new.rating.credibility),
                "reporter": new.reporter,
                "submitted_by_id": submitted_by_id,
                "submitted_by": submitted_by,
                "region": new.region,
                "status": ReportStatus.PENDING.value,
                "decision_note": "",
                "correlation": correlation,
            },
        )
        return _pk(result)

    def get(self, report_id: int, *, for_update: bool = False) -> Report | None:
        q = sa.select(t.reports).where(t.reports.c.id == report_id)
        row = _one(self.conn, q, for_update=for_update)
        return None if row is None else _report(row)

    def find(
        self,
        *,
        status: ReportStatus | None = None,
        regions: Collection[str] | None = None,
        incident_id: int | None = None,
        limit: int = 100,
        order: str = "id",
        after_key: Sequence[Any] | None = None,
    ) -> list[Report]:
        """Reports in ``order`` (a key of ``REPORT_ORDERS``), after ``after_key`` (the
        order's key of the last report of the previous page, see ``report_order_key``):
        keyset paging, nothing skipped or repeated."""
        r = t.reports
        q = sa.select(r)
        if status is not None:
            q = q.where(r.c.status == status.value)
        if regions is not None:
            q = q.where(r.c.region.in_(sorted(regions)))
        if incident_id is not None:
            q = q.where(r.c.incident_id == incident_id)
        keys = REPORT_ORDERS[order]
        if after_key is not None:
            # (k1, k2, ...) strictly after the cursor, each key in its own direction
            ors = []
            for n, (name, descending) in enumerate(keys):
                col = r.c[name]
                tie = [r.c[keys[m][0]] == after_key[m] for m in range(n)]
                beyond = col < after_key[n] if descending else col > after_key[n]
                ors.append(sa.and_(*tie, beyond))
            q = q.where(sa.or_(*ors))
        q = q.order_by(*(r.c[name].desc() if d else r.c[name] for name, d in keys))
        rows = self.conn.execute(q.limit(limit)).all()
        return [_report(row) for row in rows]

    def duplicate_candidates(
        self,
        incident_type: IncidentType,
        since: datetime,
        until: datetime,
        *,
        near: tuple[float, float],
        within_km: float,
    ) -> list[ReportSummary]:
        """Reports of one type observed in ``[since, until]`` inside a box around
        ``near`` that contains every point within ``within_km`` (the exact distance is the
        caller's; the box keeps the read small however many reports the window holds)."""
        lon, lat = near
        dlat = within_km / 110.0 * 1.05 + 1e-6
        dlon = within_km / (111.32 * max(0.01, math.cos(math.radians(lat)))) * 1.05 + 1e-6
        rows = self.conn.execute(
            _DUPLICATE_CANDIDATES,
            {
                "incident_type": incident_type.value,
                "since": since,
                "until": until,
                "lat_min": lat - dlat,
                "lat_max": lat + dlat,
                "lon_min": lon - dlon,
                "lon_max": lon + dlon,
            },
        ).all()
        return [
            ReportSummary(
                report_id=int(row.id),
                incident_type=incident_type,
                position=(float(row.lon), float(row.lat)),
                observed_at=row.observed_at,
                text=row.text,
                incident_id=row.incident_id,
            )
            for row in rows
        ]

    def positions_by_incident(self, incident_ids: Iterable[int]) -> dict[int, list[LonLat]]:
        ids = sorted(set(incident_ids))
        out: dict[int, list[LonLat]] = {i: [] for i in ids}
        if not ids:
            return out
        r = t.reports
        rows = self.conn.execute(
            sa.select(r.c.incident_id, r.c.lon, r.c.lat)
            .where(r.c.incident_id.in_(ids))
            .order_by(r.c.id)
        ).all()
        for row in rows:
            out[int(row.incident_id)].append((float(row.lon), float(row.lat)))
        return out

    def count_by_incident(self, incident_id: int) -> int:
        r = t.reports
        return int(
            self.conn.execute(
                sa.select(sa.func.count()).select_from(r).where(r.c.incident_id == incident_id)
            ).scalar_one()
        )

    def claim(
        self, report_id: int, *, user_id: int, username: str, now: datetime, until: datetime
    ) -> bool:
        """Claim a pending report unless someone else holds a live claim. True when won."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                sa.or_(
                    r.c.claimed_by_id.is_(None),
                    r.c.claim_expires_at <= now,
                    r.c.claimed_by_id == user_id,
                ),
            )
            .values(
                claimed_by_id=user_id, claimed_by=username, claimed_at=now, claim_expires_at=until
            )
        )
        return result.rowcount == 1

    def release(self, report_id: int, *, user_id: int, now: datetime) -> bool:
        """Give up one's own live claim. True when there was one."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                r.c.claimed_by_id == user_id,
                r.c.claim_expires_at > now,
            )
            .values(claimed_by_id=None, claimed_by=None, claimed_at=None, claim_expires_at=None)
        )
        return result.rowcount == 1

    def decide(
        self,
        report_id: int,
        *,
        user_id: int,
        username: str,
        now: datetime,
        status: ReportStatus,
        incident_id: int | None,
        note: str,
    ) -> bool:
        """Attach or reject a pending report, only under the caller's live claim."""
        r = t.reports
        result = self.conn.execute(
            r.update()
            .where(
                r.c.id == report_id,
                r.c.status == ReportStatus.PENDING.value,
                r.c.claimed_by_id == user_id,
                r.c.claim_expires_at > now,
            )
            .values(
                status=status.value,
                incident_id=incident_id,
                decided_by=username,
                decided_at=now,
                decision_note=note,
                claimed_by_id=None,
                claimed_by=None,
                claimed_at=None,
                claim_expires_at=None,
            )
        )
        return result.rowcount == 1


# --------------------------------------------------------------------------- incidents


def _place(data: dict[str, Any]) -> IncidentPlace:
    return IncidentPlace.from_geojson(data)


@dataclass(frozen=True, slots=True)
class NewIncidentRow:
    name: str
    description: str
    incident_type: IncidentType
    severity: Severity
    state: IncidentState
    region: str | None
    place: IncidentPlace
    radius_km: float
    affected: tuple[AffectedSettlement, ...]
    affected_population: int
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    first_report_at: datetime | None
    opened_from_report_id: int | None


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


# --------------------------------------------------------------------------- tasks and units


@dataclass(frozen=True, slots=True)
class NewTaskRow:
    incident_id: int
    title: str
    description: str
    requirements: TaskRequirements
    position: LonLat
    priority: TaskPriority
    needed_by: datetime | None


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
