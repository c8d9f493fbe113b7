"""Forces and law in and out of the store. Never commits."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import UTC
from typing import TYPE_CHECKING, Any, TypeVar

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from marchwarden.adapters.db import tables as t
from marchwarden.core.authority.model import (
    ActivationOrder,
    ActStatus,
    Category,
    CategoryAxis,
    Condition,
    FitCondition,
    Grant,
    LegalAct,
    QualificationCondition,
    TrainingCondition,
    UnitActivatedCondition,
)
from marchwarden.core.forces.model import (
    POSITION_HISTORY_LIMIT,
    Agency,
    Fitness,
    Member,
    MemberRecord,
    NewUnit,
    PersonalData,
    Qualification,
    Training,
    Unit,
    child_path,
)
from marchwarden.core.forces.status import UnitStatus
from marchwarden.services.ports import Position, StatusChange, StoredOrder

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

_T = TypeVar("_T")


def condition_to_json(cond: Condition) -> dict[str, str]:
    if isinstance(cond, QualificationCondition):
        return {"kind": "qualification", "value": cond.kind}
    if isinstance(cond, TrainingCondition):
        return {"kind": "training", "value": cond.programme}
    if isinstance(cond, FitCondition):
        return {"kind": "fit"}
    return {"kind": "unit_activated"}


def condition_from_json(data: dict[str, Any]) -> Condition:
    kind = data.get("kind")
    if kind == "qualification":
        return QualificationCondition(str(data["value"]))
    if kind == "training":
        return TrainingCondition(str(data["value"]))
    if kind == "fit":
        return FitCondition()
    if kind == "unit_activated":
        return UnitActivatedCondition()
    raise ValueError(f"unknown condition kind {kind!r}")


def _unit_columns() -> list[Any]:
    """What ``_unit`` reads: not the row's own time stamps, whose conversion (a string
    parsed per value on SQLite) was a fifth of reading the 5,000 units of ``GET /units``."""
    kept = [c for c in t.units.c if c.name not in ("created_at", "updated_at")]
    return [*kept, t.agencies.c.kind.label("agency_kind")]


def _unit(row: Any, registered: int | None = None) -> Unit:
    return Unit(
        id=row.id,
        code=row.code,
        name=row.name,
        agency_id=row.agency_id,
        agency_kind=row.agency_kind,
        parent_id=row.parent_id,
        path=row.path,
        category=row.category,
        region=row.region,
        home_lon=row.home_lon,
        home_lat=row.home_lat,
        capabilities=tuple(row.capabilities or ()),
        readiness=row.readiness,
        status=UnitStatus(row.status),
        status_since=row.status_since,
        declared_strength=row.declared_strength,
        position_lon=row.position_lon,
        position_lat=row.position_lat,
        position_at=row.position_at,
        registered_members=registered,
    )


def _prefix_pattern(path: str) -> str:
    """The LIKE pattern of "starts with ``path``", escaped with "/" as
    ``startswith(autoescape=True)`` does (a statement built once takes it as a parameter)."""
    escaped = path.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return escaped + "%"


# Statements of the hot paths (a unit read, a position stored: thousands a second from
# devices), built once: SQLAlchemy memoises a statement's cache key on the object, so a
# statement reused with parameters skips building the query and hashing its structure,
# which cost more CPU than SQLite's execution of it.
_P = t.unit_positions
_UNIT_BY_ID = (
    sa.select(*_unit_columns())
    .join(t.agencies, t.agencies.c.id == t.units.c.agency_id)
    .where(t.units.c.id == sa.bindparam("unit_id"))
)
_UNIT_BY_ID_FOR_UPDATE = _UNIT_BY_ID.with_for_update(of=t.units)
_SUBUNITS = t.units.alias("subunits")
#: the unit with its subtree's registered members in one statement (one round trip on
#: PostgreSQL instead of two): a path is ids and slashes (``child_path``), so it is its
#: own LIKE prefix, with nothing to escape
_UNIT_COUNTED_BY_ID = _UNIT_BY_ID.add_columns(
    sa.select(sa.func.count())
    .select_from(t.members)
    .join(_SUBUNITS, _SUBUNITS.c.id == t.members.c.unit_id)
    .where(_SUBUNITS.c.path.like(t.units.c.path.concat("%")))
    .scalar_subquery()
    .label("registered_in_subtree")
)
_REGISTERED_UNDER = (
    sa.select(sa.func.count())
    .select_from(t.members)
    .join(t.units, t.units.c.id == t.members.c.unit_id)
    .where(t.units.c.path.like(sa.bindparam("pattern"), escape="/"))
)
_UNITS_COUNTED_MANY = (
    sa.select(*_UNIT_COUNTED_BY_ID.selected_columns)
    .join_from(t.units, t.agencies, t.agencies.c.id == t.units.c.agency_id)
    .where(t.units.c.id.in_(sa.bindparam("unit_ids", expanding=True)))
)
_INSERT_POSITION = _P.insert()
_MOVE_LATEST = (
    t.units.update()
    .where(
        t.units.c.id == sa.bindparam("p_unit"),
        sa.or_(t.units.c.position_at.is_(None), t.units.c.position_at <= sa.bindparam("p_at")),
    )
    .values(
        position_lon=sa.bindparam("p_lon"),
        position_lat=sa.bindparam("p_lat"),
        position_at=sa.bindparam("p_at"),
    )
)
_HISTORY_CUTOFF = (
    sa.select(_P.c.id, _P.c.at)
    .where(_P.c.unit_id == sa.bindparam("p_unit"))
    .order_by(_P.c.at.desc(), _P.c.id.desc())
    .offset(sa.bindparam("p_keep", type_=sa.Integer))
    .limit(1)
)
#: PostgreSQL: the oldest position to keep of each of many units, in one statement
_HISTORY_CUTOFFS = sa.text(
    "SELECT u.unit_id, c.id, c.at FROM unnest(:ids) AS u(unit_id) CROSS JOIN LATERAL "
    "(SELECT id, at FROM unit_positions WHERE unit_id = u.unit_id "
    "ORDER BY at DESC, id DESC OFFSET :keep LIMIT 1) AS c"
).bindparams(
    sa.bindparam("ids", type_=postgresql.ARRAY(sa.Integer)),
    sa.bindparam("keep", type_=sa.Integer),
)
_PRUNE_HISTORY = _P.delete().where(
    _P.c.unit_id == sa.bindparam("p_unit"),
    sa.or_(
        _P.c.at < sa.bindparam("p_keep_at"),
        sa.and_(_P.c.at == sa.bindparam("p_keep_at"), _P.c.id <= sa.bindparam("p_cutoff")),
    ),
)


class ForcesRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn
        #: PostgreSQL group commit (``batch``): units read for the batch, positions kept
        self._batching = False
        self._units: dict[int, Unit] = {}
        self._kept_positions: list[dict[str, Any]] = []
        self._kept_latest: dict[int, dict[str, Any]] = {}

    # -- a group commit's batch (PostgreSQL) -------------------------------------------
    def batch(self) -> None:
        """From now on, in this transaction, positions are kept in memory and written by
        ``flush`` in a few statements for the whole batch (on PostgreSQL each statement is
        a round trip, and the group writer holds the journal lock meanwhile: every round
        trip of a position was time no other writer could commit). The units read by
        ``preload_units`` answer ``unit`` without a statement, with the latest positions
        kept so far; whether a position is its unit's newest is decided against them,
        which is what the store would say: with the journal lock held no other writer
        stores a position until this transaction commits."""
        self._batching = True

    def preload_units(self, unit_ids: Sequence[int]) -> None:
        """Read the units (counted) of a batch's positions in one statement."""
        if not self._batching or not unit_ids:
            return
        rows = self.conn.execute(_UNITS_COUNTED_MANY, {"unit_ids": sorted(set(unit_ids))})
        for row in rows:
            self._units[row.id] = _unit(row, int(row.registered_in_subtree))

    def flush(self) -> None:
        """Write the positions kept since ``batch``: the history rows in one statement,
        the units' new latest positions in one, then each touched unit's history cut to
        the newest ``POSITION_HISTORY_LIMIT`` (one read for all, one delete)."""
        kept, latest = self._kept_positions, self._kept_latest
        if not kept:
            return
        self._kept_positions, self._kept_latest = [], {}
        execute = self.conn.execute
        execute(_INSERT_POSITION, kept)
        if latest:
            execute(_MOVE_LATEST, list(latest.values()))
        touched = sorted({row["unit_id"] for row in kept})
        cutoffs = execute(_HISTORY_CUTOFFS, {"ids": touched, "keep": POSITION_HISTORY_LIMIT})
        prune = [{"p_unit": r.unit_id, "p_keep_at": r.at, "p_cutoff": r.id} for r in cutoffs]
        if prune:
            execute(_PRUNE_HISTORY, prune)

    def _forget(self, unit_id: int) -> None:
        """A unit written otherwise in this transaction: read it from the store again."""
        self._units.pop(unit_id, None)

    # -- agencies --------------------------------------------------------------------
    def add_agency(
        self, *, code: str, name: str, kind: str, region: str | None, at: datetime
    ) -> int:
        res = self.conn.execute(
            t.agencies.insert().values(
                code=code, name=name, kind=kind, region=region, created_at=at
            )
        )
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    @staticmethod
    def _agency(row: Any) -> Agency:
        return Agency(row.id, row.code, row.name, row.kind, row.region)

    def agencies(self) -> list[Agency]:
        rows = self.conn.execute(sa.select(t.agencies).order_by(t.agencies.c.id)).all()
        return [self._agency(r) for r in rows]

    def agency(self, agency_id: int) -> Agency | None:
        row = self.conn.execute(sa.select(t.agencies).where(t.agencies.c.id == agency_id)).first()
        return None if row is None else self._agency(row)

    def agency_by_code(self, code: str) -> Agency | None:
        row = self.conn.execute(sa.select(t.agencies).where(t.agencies.c.code == code)).first()
        return None if row is None else self._agency(row)

    # -- units -----------------------------------------------------------------------
    def add_unit(self, new: NewUnit, *, parent_path: str | None, at: datetime) -> tuple[int, str]:
        res = self.conn.execute(
            t.units.insert().values(
                code=new.code,
                name=new.name,
                agency_id=new.agency_id,
                parent_id=new.parent_id,
                path=f"/pending/{new.code}/",
                category=new.category,
                region=new.region,
                home_lon=new.home_lon,
                home_lat=new.home_lat,
                capabilities=list(new.capabilities),
                readiness=new.readiness,
                status=new.status.value,
                status_since=at,
                declared_strength=new.declared_strength,
                created_at=at,
                updated_at=at,
            )
        )
        unit_id = int(res.inserted_primary_key[0])  # type: ignore[index]
        path = child_path(parent_path, unit_id)
        self.conn.execute(t.units.update().where(t.units.c.id == unit_id).values(path=path))
        return unit_id, path

    def _units_query(self) -> sa.Select[Any]:
        return sa.select(*_unit_columns()).join(t.agencies, t.agencies.c.id == t.units.c.agency_id)

    def unit(self, unit_id: int, *, for_update: bool = False, counted: bool = True) -> Unit | None:
        """The unit; ``counted`` adds the registered members of its subtree (a query)."""
        cached = self._units.get(unit_id)
        if cached is not None and not for_update:
            return cached if counted else replace(cached, registered_members=None)
        if for_update and self.conn.dialect.name == "postgresql":
            q = _UNIT_BY_ID_FOR_UPDATE
        else:
            q = _UNIT_COUNTED_BY_ID if counted else _UNIT_BY_ID
        row = self.conn.execute(q, {"unit_id": unit_id}).first()
        if row is None:
            return None
        if not counted:
            return _unit(row)
        if q is _UNIT_COUNTED_BY_ID:
            return _unit(row, int(row.registered_in_subtree))
        return _unit(row, self.registered_in_subtree(row.path))

    def unit_by_code(self, code: str) -> Unit | None:
        row = self.conn.execute(self._units_query().where(t.units.c.code == code)).first()
        return None if row is None else _unit(row)

    def units(
        self,
        *,
        region: str | None = None,
        agency_id: int | None = None,
        under_path: str | None = None,
    ) -> list[Unit]:
        self.flush()
        q = self._units_query()
        if region is not None:
            q = q.where(t.units.c.region == region)
        if agency_id is not None:
            q = q.where(t.units.c.agency_id == agency_id)
        if under_path is not None:
            q = q.where(t.units.c.path.startswith(under_path, autoescape=True))
        rows = self.conn.execute(q.order_by(t.units.c.path)).all()
        counts = self.member_counts()
        totals = subtree_totals([(r.path, counts.get(r.id, 0)) for r in rows])
        return [_unit(r, totals.get(r.path)) for r in rows]

    def unit_index(self) -> dict[str, tuple[int, str, str, int]]:
        """code -> (id, path, region, agency id) for every unit."""
        rows = self.conn.execute(
            sa.select(
                t.units.c.code, t.units.c.id, t.units.c.path, t.units.c.region, t.units.c.agency_id
            )
        ).all()
        return {r.code: (r.id, r.path, r.region, r.agency_id) for r in rows}

    def member_counts(self) -> dict[int, int]:
        rows = self.conn.execute(
            sa.select(t.members.c.unit_id, sa.func.count()).group_by(t.members.c.unit_id)
        ).all()
        return {int(u): int(n) for u, n in rows}

    def registered_in_subtree(self, path: str) -> int:
        pattern = {"pattern": _prefix_pattern(path)}
        return int(self.conn.execute(_REGISTERED_UNDER, pattern).scalar_one())

    def update_unit(self, unit_id: int, values: dict[str, Any], at: datetime) -> None:
        self._forget(unit_id)
        self.conn.execute(
            t.units.update().where(t.units.c.id == unit_id).values(**values, updated_at=at)
        )

    def set_status(
        self,
        unit_id: int,
        status: UnitStatus,
        previous: UnitStatus | None,
        *,
        by: str,
        note: str,
        at: datetime,
    ) -> None:
        self._forget(unit_id)
        self.conn.execute(
            t.units.update()
            .where(t.units.c.id == unit_id)
            .values(status=status.value, status_since=at, updated_at=at)
        )
        self.conn.execute(
            t.unit_status_history.insert().values(
                unit_id=unit_id,
                at=at,
                status=status.value,
                previous=None if previous is None else previous.value,
                by_user=by,
                note=note,
            )
        )

    def status_history(self, unit_id: int, limit: int = 100) -> list[StatusChange]:
        rows = self._newest_of_unit(t.unit_status_history, unit_id, limit)
        return [StatusChange(r.at, r.status, r.previous, r.by_user, r.note) for r in rows]

    def add_position(
        self,
        unit_id: int,
        lon: float,
        lat: float,
        *,
        at: datetime,
        source: str,
        accuracy_m: float | None = None,
    ) -> bool:
        """Store a position; the unit's latest moves only if this one is newer.

        Returns whether it became the latest. History beyond the limit is pruned."""
        row = {
            "unit_id": unit_id,
            "at": at,
            "lon": lon,
            "lat": lat,
            "source": source,
            "accuracy_m": accuracy_m,
        }
        unit = self._units.get(unit_id) if self._batching else None
        if unit is not None:
            at = row["at"] = at.astimezone(UTC)
            self._kept_positions.append(row)
            if unit.position_at is not None and unit.position_at > at:
                return False
            self._units[unit_id] = replace(unit, position_lon=lon, position_lat=lat, position_at=at)
            self._kept_latest[unit_id] = {"p_unit": unit_id, "p_at": at, "p_lon": lon, "p_lat": lat}
            return True
        execute = self.conn.execute
        execute(_INSERT_POSITION, row)
        moved = execute(
            _MOVE_LATEST, {"p_unit": unit_id, "p_at": at, "p_lon": lon, "p_lat": lat}
        ).rowcount
        cutoff = execute(
            _HISTORY_CUTOFF, {"p_unit": unit_id, "p_keep": POSITION_HISTORY_LIMIT}
        ).first()
        if cutoff is not None:
            execute(
                _PRUNE_HISTORY,
                {"p_unit": unit_id, "p_keep_at": cutoff.at, "p_cutoff": cutoff.id},
            )
        return bool(moved)

    def positions(self, unit_id: int, limit: int = 100) -> list[Position]:
        self.flush()
        rows = self._newest_of_unit(t.unit_positions, unit_id, limit)
        return [Position(r.at, r.lon, r.lat, r.source, r.accuracy_m) for r in rows]

    def _newest_of_unit(self, table: sa.Table, unit_id: int, limit: int) -> Sequence[sa.Row[Any]]:
        """A unit's rows of a history table, newest first (by time, then id)."""
        return self.conn.execute(
            sa.select(table)
            .where(table.c.unit_id == unit_id)
            .order_by(table.c.at.desc(), table.c.id.desc())
            .limit(limit)
        ).all()

    # -- members ---------------------------------------------------------------------
    def _records(
        self, member_ids: Sequence[int]
    ) -> tuple[dict[int, list[Training]], dict[int, list[Qualification]], dict[int, list[Fitness]]]:
        trainings: dict[int, list[Training]] = defaultdict(list)
        quals: dict[int, list[Qualification]] = defaultdict(list)
        fitness: dict[int, list[Fitness]] = defaultdict(list)
        for chunk in _chunks(member_ids, 5000):
            for r in self.conn.execute(
                sa.select(t.member_trainings).where(t.member_trainings.c.member_id.in_(chunk))
            ):
                trainings[r.member_id].append(Training(r.programme, r.completed_on, r.hours))
            for r in self.conn.execute(
                sa.select(t.member_qualifications).where(
                    t.member_qualifications.c.member_id.in_(chunk)
                )
            ):
                quals[r.member_id].append(Qualification(r.kind, r.issued_on, r.expires_on))
            for r in self.conn.execute(
                sa.select(t.member_fitness).where(t.member_fitness.c.member_id.in_(chunk))
            ):
                fitness[r.member_id].append(Fitness(r.examined_on, r.valid_until, r.fit))
        return trainings, quals, fitness

    def _members(self, rows: Sequence[Any]) -> list[Member]:
        tr, qu, fi = self._records([r.id for r in rows])
        out = []
        for r in rows:
            rec = MemberRecord(
                external_id=r.external_id,
                unit_code="",
                callsign=r.callsign,
                personal=PersonalData(r.given_name, r.family_name, r.date_of_birth, r.phone),
                trainings=tuple(tr.get(r.id, ())),
                qualifications=tuple(qu.get(r.id, ())),
                fitness=tuple(fi.get(r.id, ())),
            ).normalised()
            out.append(
                Member(
                    r.id,
                    r.external_id,
                    r.unit_id,
                    r.callsign,
                    rec.personal,
                    rec.trainings,
                    rec.qualifications,
                    rec.fitness,
                )
            )
        return out

    def member(self, member_id: int) -> Member | None:
        row = self.conn.execute(sa.select(t.members).where(t.members.c.id == member_id)).first()
        return None if row is None else self._members([row])[0]

    def members(
        self,
        *,
        under_path: str | None = None,
        unit_id: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Member]:
        q = sa.select(t.members).where(t.members.c.id > after_id)
        if unit_id is not None:
            q = q.where(t.members.c.unit_id == unit_id)
        if under_path is not None:
            q = q.join(t.units, t.units.c.id == t.members.c.unit_id).where(
                t.units.c.path.startswith(under_path, autoescape=True)
            )
        rows = self.conn.execute(q.order_by(t.members.c.id).limit(limit)).all()
        return self._members(rows)

    def roster(self, *, under_path: str | None = None) -> list[MemberRecord]:
        """Every member (of a subtree) as roster records, ordered by external id.

        Records are read with one joined query per table (no long IN lists), so that a
        full roster reads at the same speed whatever the planner's statistics."""
        q = sa.select(t.members, t.units.c.code.label("unit_code")).join(
            t.units, t.units.c.id == t.members.c.unit_id
        )
        if under_path is not None:
            q = q.where(t.units.c.path.startswith(under_path, autoescape=True))
        rows = self.conn.execute(q.order_by(t.members.c.external_id)).all()
        tr, qu, fi = self._records_under(under_path)
        return [
            MemberRecord(
                external_id=r.external_id,
                unit_code=r.unit_code,
                callsign=r.callsign,
                personal=PersonalData(r.given_name, r.family_name, r.date_of_birth, r.phone),
                trainings=tuple(tr.get(r.id, ())),
                qualifications=tuple(qu.get(r.id, ())),
                fitness=tuple(fi.get(r.id, ())),
            ).normalised()
            for r in rows
        ]

    def _records_under(
        self, under_path: str | None
    ) -> tuple[dict[int, list[Training]], dict[int, list[Qualification]], dict[int, list[Fitness]]]:
        def scoped(table: sa.Table) -> sa.Select[Any]:
            q = sa.select(table)
            if under_path is not None:
                q = (
                    q.join(t.members, t.members.c.id == table.c.member_id)
                    .join(t.units, t.units.c.id == t.members.c.unit_id)
                    .where(t.units.c.path.startswith(under_path, autoescape=True))
                )
            return q

        trainings: dict[int, list[Training]] = defaultdict(list)
        quals: dict[int, list[Qualification]] = defaultdict(list)
        fitness: dict[int, list[Fitness]] = defaultdict(list)
        for r in self.conn.execute(scoped(t.member_trainings)):
            trainings[r.member_id].append(Training(r.programme, r.completed_on, r.hours))
        for r in self.conn.execute(scoped(t.member_qualifications)):
            quals[r.member_id].append(Qualification(r.kind, r.issued_on, r.expires_on))
        for r in self.conn.execute(scoped(t.member_fitness)):
            fitness[r.member_id].append(Fitness(r.examined_on, r.valid_until, r.fit))
        return trainings, quals, fitness

    def existing_by_external_id(self, external_ids: Iterable[str]) -> dict[str, tuple[int, int]]:
        """external id -> (member id, unit id) for those that exist."""
        out: dict[str, tuple[int, int]] = {}
        m = t.members
        for chunk in _chunks(list(external_ids), 5000):
            if self.conn.dialect.name == "postgresql":
                # one array parameter: PostgreSQL hashes it (a list of 5,000 separate
                # parameters is compared one by one per row: seconds per chunk)
                cond = m.c.external_id == sa.any_(
                    sa.bindparam("ids", list(chunk), type_=postgresql.ARRAY(sa.String))
                )
            else:
                cond = m.c.external_id.in_(chunk)
            for r in self.conn.execute(sa.select(m.c.external_id, m.c.id, m.c.unit_id).where(cond)):
                out[r.external_id] = (r.id, r.unit_id)
        return out

    def analyze(self) -> None:
        """Refresh the planner's statistics after a bulk change (PostgreSQL)."""
        if self.conn.dialect.name == "postgresql":
            for table in ("members", "member_trainings", "member_qualifications", "member_fitness"):
                self.conn.exec_driver_sql(f"ANALYZE {table}")

    def insert_members(
        self, rows: Sequence[tuple[MemberRecord, int]], at: datetime
    ) -> dict[str, int]:
        """Insert members with their records; returns external id -> member id."""
        if not rows:
            return {}
        ids: dict[str, int] = {}
        for chunk in _chunks(list(rows), 2000):
            result = self.conn.execute(
                t.members.insert().returning(t.members.c.id, t.members.c.external_id),
                [
                    {
                        "external_id": r.external_id,
                        "unit_id": unit_id,
                        "callsign": r.callsign,
                        "given_name": r.personal.given_name,
                        "family_name": r.personal.family_name,
                        "date_of_birth": r.personal.date_of_birth,
                        "phone": r.personal.phone,
                        "created_at": at,
                        "updated_at": at,
                    }
                    for r, unit_id in chunk
                ],
            )
            for member_id, ext in result.all():
                ids[ext] = int(member_id)
        self.insert_records([(ids[r.external_id], r) for r, _ in rows])
        return ids

    def insert_records(self, rows: Sequence[tuple[int, MemberRecord]]) -> None:
        trainings = [
            {
                "member_id": m,
                "programme": x.programme,
                "completed_on": x.completed_on,
                "hours": x.hours,
            }
            for m, r in rows
            for x in r.trainings
        ]
        quals = [
            {"member_id": m, "kind": x.kind, "issued_on": x.issued_on, "expires_on": x.expires_on}
            for m, r in rows
            for x in r.qualifications
        ]
        fitness = [
            {
                "member_id": m,
                "examined_on": x.examined_on,
                "valid_until": x.valid_until,
                "fit": x.fit,
            }
            for m, r in rows
            for x in r.fitness
        ]
        batches: tuple[tuple[sa.Table, list[dict[str, Any]]], ...] = (
            (t.member_trainings, trainings),
            (t.member_qualifications, quals),
            (t.member_fitness, fitness),
        )
        for table, values in batches:
            for chunk in _chunks(values, 5000):
                self.conn.execute(table.insert(), chunk)

    def update_members(self, rows: Sequence[tuple[int, MemberRecord, int]], at: datetime) -> None:
        """Replace members (id, record, unit id) and their records wholesale."""
        if not rows:
            return
        m = t.members
        stmt = (
            m.update()
            .where(m.c.id == sa.bindparam("b_id"))
            .values(
                unit_id=sa.bindparam("b_unit"),
                callsign=sa.bindparam("b_callsign"),
                given_name=sa.bindparam("b_given"),
                family_name=sa.bindparam("b_family"),
                date_of_birth=sa.bindparam("b_dob"),
                phone=sa.bindparam("b_phone"),
                updated_at=at,
            )
        )
        for chunk in _chunks(list(rows), 2000):
            self.conn.execute(
                stmt,
                [
                    {
                        "b_id": mid,
                        "b_unit": unit_id,
                        "b_callsign": r.callsign,
                        "b_given": r.personal.given_name,
                        "b_family": r.personal.family_name,
                        "b_dob": r.personal.date_of_birth,
                        "b_phone": r.personal.phone,
                    }
                    for mid, r, unit_id in chunk
                ],
            )
            ids = [mid for mid, _, _ in chunk]
            for table in (t.member_trainings, t.member_qualifications, t.member_fitness):
                self.conn.execute(table.delete().where(table.c.member_id.in_(ids)))
        self.insert_records([(mid, r) for mid, r, _ in rows])

    # -- law -------------------------------------------------------------------------
    def add_act(self, act: LegalAct, at: datetime) -> int:
        res = self.conn.execute(
            t.legal_acts.insert().values(
                reference=act.reference,
                title=act.title,
                status=act.status.value,
                effective_from=act.effective_from,
                effective_to=act.effective_to,
                regions=None if act.regions is None else sorted(act.regions),
                created_at=at,
                updated_at=at,
            )
        )
        act_id = int(res.inserted_primary_key[0])  # type: ignore[index]
        if act.grants:
            self.conn.execute(
                t.grants.insert(),
                [
                    {
                        "act_id": act_id,
                        "clause": g.clause,
                        "power": g.power,
                        "categories": [
                            {"axis": c.axis.value, "code": c.code} for c in sorted(g.categories)
                        ],
                        "conditions": [condition_to_json(c) for c in g.conditions],
                        "min_members": g.min_members,
                    }
                    for g in act.grants
                ],
            )
        return act_id

    def acts(self) -> list[LegalAct]:
        acts = self.conn.execute(sa.select(t.legal_acts).order_by(t.legal_acts.c.id)).all()
        grants = self.conn.execute(sa.select(t.grants).order_by(t.grants.c.id)).all()
        by_act: dict[int, list[Any]] = defaultdict(list)
        for g in grants:
            by_act[g.act_id].append(g)
        out = []
        for a in acts:
            out.append(
                LegalAct(
                    id=str(a.id),
                    reference=a.reference,
                    title=a.title,
                    status=ActStatus(a.status),
                    effective_from=a.effective_from,
                    effective_to=a.effective_to,
                    regions=None if a.regions is None else frozenset(a.regions),
                    grants=tuple(
                        Grant(
                            act=a.reference,
                            clause=g.clause,
                            power=g.power,
                            categories=frozenset(
                                Category(CategoryAxis(c["axis"]), c["code"]) for c in g.categories
                            ),
                            conditions=tuple(condition_from_json(c) for c in g.conditions),
                            min_members=g.min_members,
                        )
                        for g in by_act[a.id]
                    ),
                )
            )
        return out

    def act_id(self, reference: str) -> int | None:
        value = self.conn.execute(
            sa.select(t.legal_acts.c.id).where(t.legal_acts.c.reference == reference)
        ).scalar_one_or_none()
        return None if value is None else int(value)

    def set_act_status(
        self,
        reference: str,
        *,
        status: ActStatus,
        effective_from: datetime | None,
        effective_to: datetime | None,
        at: datetime,
    ) -> None:
        self.conn.execute(
            t.legal_acts.update()
            .where(t.legal_acts.c.reference == reference)
            .values(
                status=status.value,
                effective_from=effective_from,
                effective_to=effective_to,
                updated_at=at,
            )
        )

    def add_order(
        self,
        *,
        unit_id: int,
        reference: str,
        issued_by: str,
        issued_at: datetime,
        valid_from: datetime,
        valid_to: datetime | None,
    ) -> int:
        res = self.conn.execute(
            t.activation_orders.insert().values(
                unit_id=unit_id,
                reference=reference,
                issued_by=issued_by,
                issued_at=issued_at,
                valid_from=valid_from,
                valid_to=valid_to,
            )
        )
        return int(res.inserted_primary_key[0])  # type: ignore[index]

    def orders(self, unit_id: int | None = None) -> list[StoredOrder]:
        o = t.activation_orders
        q = sa.select(o).order_by(o.c.id)
        if unit_id is not None:
            q = q.where(o.c.unit_id == unit_id)
        return [
            StoredOrder(
                r.id,
                r.unit_id,
                ActivationOrder(r.valid_from, r.valid_to, r.reference),
                r.issued_by,
                r.issued_at,
            )
            for r in self.conn.execute(q)
        ]

    def end_order(self, order_id: int, at: datetime) -> None:
        o = t.activation_orders
        self.conn.execute(o.update().where(o.c.id == order_id).values(valid_to=at))

    # -- facts for the legal engine ----------------------------------------------------
    def authority_rows(
        self,
    ) -> tuple[
        list[Any],
        dict[int, list[Training]],
        dict[int, list[Qualification]],
        dict[int, list[Fitness]],
    ]:
        """(member id, unit id) rows and every member's records, for the legal engine."""
        members = self.conn.execute(
            sa.select(t.members.c.id, t.members.c.unit_id).order_by(t.members.c.id)
        ).all()
        trainings, quals, fitness = self._records_under(None)
        return list(members), trainings, quals, fitness


def subtree_totals(paths_counts: Sequence[tuple[str, int]]) -> dict[str, int]:
    """Per path: the count of itself plus every path below it."""
    totals: dict[str, int] = defaultdict(int)
    for path, count in paths_counts:
        if not count:
            continue
        parts = path.strip("/").split("/")
        for i in range(1, len(parts) + 1):
            totals["/" + "/".join(parts[:i]) + "/"] += count
    return {p: totals.get(p, 0) for p, _ in paths_counts}


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
