"""The ports of the service layer: what a handler needs from a store (``Store``, its
``UnitOfWork`` and the repositories on it), and the rows that cross it. The adapters
(``adapters/db/``) implement them; services import nothing from the adapters
(``tests/unit/test_layering.py``), and the unit tests of handlers pass a fake unit of
work (``tests/unit/fakes.py``).

The repository protocols list what the handlers call; ``adapters/db/*_repo.py`` and
``repositories.py`` say how (and mypy checks that the adapters fit).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, Protocol, Self, TypeAlias, TypeVar

import orjson

from marchwarden.core.incidents.model import IncidentState

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
    from contextlib import AbstractContextManager
    from datetime import datetime
    from pathlib import Path
    from types import TracebackType

    from sqlalchemy.engine import Engine

    from marchwarden.core.access.model import Principal, Role, Scope, User
    from marchwarden.core.access.throttle import FailureRecord
    from marchwarden.core.audit.chain import Anchor, AuditEntry
    from marchwarden.core.authority.model import ActivationOrder, ActStatus, LegalAct
    from marchwarden.core.dispatch.model import TaskRequirements
    from marchwarden.core.dispatch.tasking import TaskPriority, TaskStatus
    from marchwarden.core.events import DomainEvent
    from marchwarden.core.forces.model import (
        Agency,
        Fitness,
        Member,
        MemberRecord,
        NewUnit,
        Qualification,
        Training,
        Unit,
    )
    from marchwarden.core.forces.status import UnitStatus
    from marchwarden.core.incidents.casualties import CasualtyUpdate
    from marchwarden.core.incidents.correlation import ReportSummary
    from marchwarden.core.incidents.decisions import Located, Opening
    from marchwarden.core.incidents.model import (
        AdmiraltyRating,
        LonLat,
        ReportSourceKind,
        Severity,
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
    from marchwarden.services.civil_ports import Alerts, Evacuations, Shelters, Webhooks
    from marchwarden.services.field_ports import FieldReads, Photos
    from marchwarden.services.tak_ports import TakCerts


#: a report's duplicate check, as ``Reports.duplicate_candidates`` takes it: (type,
#: observed since, observed until, near (lon, lat), within km); a group-commit job names
#: it so that its batch reads every job's candidates at once
DuplicateQuery: TypeAlias = "tuple[IncidentType, datetime, datetime, tuple[float, float], float]"


#: ``UnitOfWork.memo`` key of the open incidents as correlation sees them (a list of
#: ``IncidentSummary`` in incident id order, each with its reports' positions): read once
#: per transaction by ``services/reports.py``, or ahead by the group writer's batch with
#: its other reads (PostgreSQL: ``SqlUnitOfWork.begin_batch``)
OPEN_INCIDENTS_MEMO = "reports.open_incidents"


class RetryJob(Exception):
    """Raised by a group-commit job that lost a race it resolves by running again (e.g. a
    key inserted meanwhile by another process's transaction)."""


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class StoredReply:
    request_hash: str
    status_code: int
    response: dict[str, Any]
    created_at: datetime


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

    @classmethod
    def of(
        cls,
        opening: Opening,
        spec: Any,
        where: Located,
        support: tuple[int, ...],
        from_report: Report | None,
    ) -> NewIncidentRow:
        """The row of an incident opened as decided (``core/incidents/decisions.py``);
        ``spec``: its description, severity and lead agency (``IncidentSpec``)."""
        return cls(
            name=opening.name,
            description=spec.description.strip(),
            incident_type=opening.incident_type,
            severity=spec.severity,
            state=IncidentState.REPORTED,
            region=where.region,
            place=opening.place,
            radius_km=opening.radius_km,
            affected=where.affected,
            affected_population=where.population,
            lead_agency_id=spec.lead_agency_id,
            supporting_agency_ids=support,
            first_report_at=from_report.observed_at if from_report else None,
            opened_from_report_id=from_report.id if from_report else None,
        )


@dataclass(frozen=True, slots=True)
class NewTaskRow:
    incident_id: int
    title: str
    description: str
    requirements: TaskRequirements
    position: LonLat
    priority: TaskPriority
    needed_by: datetime | None

    @classmethod
    def of(
        cls,
        incident_id: int,
        title: str,
        spec: Any,
        requirements: TaskRequirements,
        position: LonLat,
    ) -> NewTaskRow:
        """``spec``: the description, priority and deadline (``TaskSpec``)."""
        return cls(
            incident_id=incident_id,
            title=title,
            description=spec.description.strip(),
            requirements=requirements,
            position=position,
            priority=spec.priority,
            needed_by=spec.needed_by,
        )


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_id: int
    user: User
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredEvent:
    id: int
    at: datetime
    type: str
    payload: dict[str, Any]
    read_action: str
    resource: dict[str, Any]

    @cached_property
    def message_json(self) -> str:
        """The stream message ``{"id", "type", "at", "data"}`` as JSON text, made once
        per event however many subscribers it goes to."""
        return orjson.dumps(
            {"id": self.id, "type": self.type, "at": self.at.isoformat(), "data": self.payload},
            default=str,
        ).decode()

    @cached_property
    def position_row_json(self) -> str:
        """A unit position (``UnitPositionUpdated``) as the row of a compact batched
        stream, ``[id, unit_id, lon, lat, at]`` (``at``: the position's own time, as its
        message's ``data.at``), as JSON text, made once per event."""
        p = self.payload
        return orjson.dumps([self.id, p["unit_id"], p["lon"], p["lat"], p["at"]]).decode()


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    status: str
    previous: str | None
    by_user: str
    note: str


@dataclass(frozen=True, slots=True)
class Position:
    at: datetime
    lon: float
    lat: float
    source: str
    accuracy_m: float | None = None


@dataclass(frozen=True, slots=True)
class StoredOrder:
    id: int
    unit_id: int
    order: ActivationOrder
    issued_by: str
    issued_at: datetime


# --------------------------------------------------------------------------- repositories


class Users(Protocol):
    """What handlers need of ``UserRepository`` (``adapters/db/repositories.py``)."""

    def add(
        self,
        *,
        username: str,
        display_name: str,
        password_hash: str,
        role: Role,
        scope: Scope,
        created_at: datetime,
    ) -> int: ...

    def get(self, user_id: int) -> User | None: ...

    def by_username(self, username: str) -> User | None: ...

    def list(self) -> list[User]: ...

    def count(self) -> int: ...

    def set_disabled(self, user_id: int, at: datetime) -> None: ...

    def set_language(self, user_id: int, language: str | None) -> None: ...


class Tokens(Protocol):
    """What handlers need of ``TokenRepository`` (``adapters/db/repositories.py``)."""

    def add(
        self, *, token_hash: str, user_id: int, created_at: datetime, expires_at: datetime
    ) -> int: ...

    def find(self, token_hash: str) -> TokenRow | None: ...

    def revoke(self, token_hash: str, at: datetime) -> None: ...

    def revoke_all_for(self, user_id: int, at: datetime) -> None: ...


class LoginFailures(Protocol):
    """What handlers need of ``LoginFailureRepository`` (``adapters/db/repositories.py``)."""

    def lock(self, keys: Sequence[str]) -> None:
        """Hold these keys until the transaction ends (a login's throttle check and the
        counting of its attempt are one step, however many come at once)."""
        ...

    def get(self, key: str) -> FailureRecord | None: ...

    def put(self, record: FailureRecord) -> None: ...

    def clear(self, keys: Sequence[str]) -> None: ...


class AuditLog(Protocol):
    """What handlers need of ``AuditRepository`` (``adapters/db/repositories.py``)."""

    def iterate(self, batch: int = 5000) -> Iterator[AuditEntry]: ...

    def page(
        self,
        *,
        actor: str | None = None,
        target_type: str | None = None,
        target_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_seq: int | None = None,
        limit: int = 100,
        command: str | None = None,
    ) -> list[AuditEntry]:
        """Records in seq order; ``command`` is exact, or a prefix when it ends in ``*``."""
        ...

    def count(self) -> int: ...


class EventLog(Protocol):
    """What handlers need of ``EventRepository`` (``adapters/db/repositories.py``)."""

    def add(
        self,
        *,
        at: datetime,
        type: str,
        payload: dict[str, Any],
        read_action: str,
        resource: dict[str, Any],
    ) -> int: ...

    def after(self, event_id: int, limit: int = 1000) -> list[StoredEvent]: ...

    def types_after(self, event_id: int) -> list[tuple[int, str]]: ...

    def last_id(self) -> int: ...

    def count(self) -> int: ...


class IdempotencyKeys(Protocol):
    """What handlers need of ``IdempotencyRepository`` (``adapters/db/idempotency_repo.py``)."""

    def preload(self, wanted: Collection[tuple[int, str, str]]) -> None: ...

    def get(self, user_id: int, operation: str, key: str) -> StoredReply | None: ...

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
    ) -> int | None: ...


class Reports(Protocol):
    """What handlers need of ``ReportRepository`` (``adapters/db/report_repo.py``)."""

    def add(
        self,
        new: NewReportRow,
        *,
        submitted_by_id: int | None,
        submitted_by: str,
        received_at: datetime,
        correlation: dict[str, Any],
    ) -> int: ...

    def get(self, report_id: int, *, for_update: bool = False) -> Report | None: ...

    def find(
        self,
        *,
        status: ReportStatus | None = None,
        regions: Collection[str] | None = None,
        incident_id: int | None = None,
        limit: int = 100,
        order: str = "id",
        after_key: Sequence[Any] | None = None,
    ) -> list[Report]: ...

    def duplicate_candidates(
        self,
        incident_type: IncidentType,
        since: datetime,
        until: datetime,
        *,
        near: tuple[float, float],
        within_km: float,
    ) -> list[ReportSummary]: ...

    def positions_by_incident(self, incident_ids: Iterable[int]) -> dict[int, list[LonLat]]: ...

    def count_by_incident(self, incident_id: int) -> int: ...

    def claim(
        self, report_id: int, *, user_id: int, username: str, now: datetime, until: datetime
    ) -> bool: ...

    def release(self, report_id: int, *, user_id: int, now: datetime) -> bool: ...

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
    ) -> bool: ...


class Incidents(Protocol):
    """What handlers need of ``IncidentRepository`` (``adapters/db/incident_repo.py``)."""

    def add(self, new: NewIncidentRow, *, created_by: str, at: datetime) -> int: ...

    def get(self, incident_id: int, *, for_update: bool = False) -> Incident | None: ...

    def find(
        self,
        *,
        states: Collection[IncidentState] | None = None,
        regions: Collection[str] | None = None,
        created_before: datetime | None = None,
        after_id: int | None = None,
        limit: int | None = 100,
    ) -> list[Incident]: ...

    def update(self, incident_id: int, values: dict[str, Any], *, at: datetime) -> None: ...

    def widen_reporting_period(self, incident_id: int, observed_at: datetime) -> None: ...

    def set_supporting(self, incident_id: int, agency_ids: Iterable[int]) -> None: ...

    def agencies(self, agency_ids: Iterable[int]) -> dict[int, AgencyRef]: ...

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
    ) -> int: ...

    def timeline(
        self,
        *,
        incident_id: int | None = None,
        unit_id: int | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        after_id: int | None = None,
        limit: int | None = 1000,
    ) -> list[TimelineEntry]: ...

    def add_casualties(
        self, incident_id: int, update: CasualtyUpdate, *, recorded_by: str, recorded_at: datetime
    ) -> int: ...

    def casualties(self, incident_id: int) -> list[tuple[CasualtyUpdate, str, datetime]]: ...


class Tasks(Protocol):
    """What handlers need of ``TaskRepository`` (``adapters/db/task_repo.py``)."""

    def add(self, new: NewTaskRow, *, created_by: str, at: datetime) -> int: ...

    def get(self, task_id: int, *, for_update: bool = False) -> Task | None: ...

    def find(
        self,
        *,
        incident_ids: Collection[int] | None = None,
        statuses: Collection[TaskStatus] | None = None,
        unit_id: int | None = None,
        after_id: int | None = None,
        limit: int | None = None,
    ) -> list[Task]: ...

    def set_status(
        self,
        task_id: int,
        status: TaskStatus,
        *,
        at: datetime,
        unit_id: int | None,
        assigned_at: datetime | None,
        ended_at: datetime | None,
    ) -> None: ...

    def unit(self, unit_id: int, *, for_update: bool = False) -> UnitRef | None: ...

    def units(self, unit_ids: Iterable[int] | None = None) -> list[UnitRef]: ...


class Forces(Protocol):
    """What handlers need of ``ForcesRepository`` (``adapters/db/forces_repo.py``)."""

    def add_agency(
        self, *, code: str, name: str, kind: str, region: str | None, at: datetime
    ) -> int: ...

    def agencies(self) -> list[Agency]: ...

    def agency(self, agency_id: int) -> Agency | None: ...

    def agency_by_code(self, code: str) -> Agency | None: ...

    def add_unit(
        self, new: NewUnit, *, parent_path: str | None, at: datetime
    ) -> tuple[int, str]: ...

    def unit(
        self, unit_id: int, *, for_update: bool = False, counted: bool = True
    ) -> Unit | None: ...

    def unit_by_code(self, code: str) -> Unit | None: ...

    def units(
        self,
        *,
        region: str | None = None,
        agency_id: int | None = None,
        under_path: str | None = None,
    ) -> list[Unit]: ...

    def unit_index(self) -> dict[str, tuple[int, str, str, int]]: ...

    def member_counts(self) -> dict[int, int]: ...

    def registered_in_subtree(self, path: str) -> int: ...

    def update_unit(self, unit_id: int, values: dict[str, Any], at: datetime) -> None: ...

    def set_status(
        self,
        unit_id: int,
        status: UnitStatus,
        previous: UnitStatus | None,
        *,
        by: str,
        note: str,
        at: datetime,
    ) -> None: ...

    def status_history(self, unit_id: int, limit: int = 100) -> list[StatusChange]: ...

    def add_position(
        self,
        unit_id: int,
        lon: float,
        lat: float,
        *,
        at: datetime,
        source: str,
        accuracy_m: float | None = None,
    ) -> bool: ...

    def positions(self, unit_id: int, limit: int = 100) -> list[Position]: ...

    def member(self, member_id: int) -> Member | None: ...

    def members(
        self,
        *,
        under_path: str | None = None,
        unit_id: int | None = None,
        after_id: int = 0,
        limit: int = 100,
    ) -> list[Member]: ...

    def roster(self, *, under_path: str | None = None) -> list[MemberRecord]: ...

    def existing_by_external_id(
        self, external_ids: Iterable[str]
    ) -> dict[str, tuple[int, int]]: ...

    def analyze(self) -> None: ...

    def insert_members(
        self, rows: Sequence[tuple[MemberRecord, int]], at: datetime
    ) -> dict[str, int]: ...

    def insert_records(self, rows: Sequence[tuple[int, MemberRecord]]) -> None: ...

    def update_members(
        self, rows: Sequence[tuple[int, MemberRecord, int]], at: datetime
    ) -> None: ...

    def add_act(self, act: LegalAct, at: datetime) -> int: ...

    def acts(self) -> list[LegalAct]: ...

    def act_id(self, reference: str) -> int | None: ...

    def set_act_status(
        self,
        reference: str,
        *,
        status: ActStatus,
        effective_from: datetime | None,
        effective_to: datetime | None,
        at: datetime,
    ) -> None: ...

    def add_order(
        self,
        *,
        unit_id: int,
        reference: str,
        issued_by: str,
        issued_at: datetime,
        valid_from: datetime,
        valid_to: datetime | None,
    ) -> int: ...

    def orders(self, unit_id: int | None = None) -> list[StoredOrder]: ...

    def end_order(self, order_id: int, at: datetime) -> None: ...

    def authority_rows(
        self,
    ) -> tuple[
        list[Any],
        dict[int, list[Training]],
        dict[int, list[Qualification]],
        dict[int, list[Fitness]],
    ]: ...


# --------------------------------------------------------------------------- unit of work

_T = TypeVar("_T")


class UnitOfWork(Protocol):
    """One transaction over the store: ``with store.unit_of_work() as uow:`` load through
    the repositories, change, ``uow.record(actor, events, at=now)``, ``uow.commit()``.
    Leaving the block without a commit rolls back."""

    @property
    def users(self) -> Users: ...
    @property
    def tokens(self) -> Tokens: ...
    @property
    def login_failures(self) -> LoginFailures: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def events(self) -> EventLog: ...
    @property
    def idempotency(self) -> IdempotencyKeys: ...
    @property
    def reports(self) -> Reports: ...
    @property
    def incidents(self) -> Incidents: ...
    @property
    def tasks(self) -> Tasks: ...
    @property
    def forces(self) -> Forces: ...
    @property
    def alerts(self) -> Alerts: ...
    @property
    def shelters(self) -> Shelters: ...
    @property
    def evacuations(self) -> Evacuations: ...
    @property
    def webhooks(self) -> Webhooks: ...
    @property
    def tak_certs(self) -> TakCerts:
        """The TAK gateway's client certificates (``services/tak_ports.py``)."""
        ...

    @property
    def photos(self) -> Photos: ...
    @property
    def field(self) -> FieldReads: ...
    @property
    def memo(self) -> dict[str, Any]:
        """Per-transaction memo for a batch of commands (the group commit)."""
        ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def record(
        self, actor: Principal | None, events: Sequence[DomainEvent], *, at: datetime
    ) -> int | None:
        """Write, per event, its audit record, its timeline entry and the event itself
        (the outbox), in this transaction. Returns the last audit seq."""
        ...

    def unit_path(self, unit_id: int) -> str | None: ...
    def tokens_revoked(self) -> None:
        """This transaction revokes tokens: every process on the store learns it by the
        time the commit returns (``adapters/db/revocations.py``)."""
        ...


class GroupCommitter(Protocol):
    """Commands many clients send at once (reports), committed together."""

    def run(
        self,
        fn: Callable[[UnitOfWork], _T],
        *,
        idempotency: tuple[int, str, str] | None = None,
        duplicates: DuplicateQuery | None = None,
    ) -> _T: ...
    def submit_async(
        self,
        fn: Callable[[UnitOfWork], _T],
        *,
        idempotency: tuple[int, str, str] | None = None,
        duplicates: DuplicateQuery | None = None,
        position_of: int | None = None,
    ) -> asyncio.Future[_T]: ...


class AnchorFile(Protocol):
    """The audit chain's head, kept outside the database."""

    @property
    def path(self) -> Path: ...
    def read(self) -> tuple[str, Anchor] | None: ...


class PasswordHasher(Protocol):
    def hash(self, password: str) -> str: ...
    def slot(self) -> AbstractContextManager[None]:
        """Hold one of the bounded password-check slots (``Unavailable`` when busy)."""
        ...

    def verify(self, password_hash: str | None, password: str, *, in_slot: bool = False) -> bool:
        """Whether ``password`` matches (with ``None``: spends the same time, says no);
        ``in_slot``: the caller already holds a slot."""
        ...


class RevocationSignal(Protocol):
    """Token revocations told to every process on the store
    (``adapters/db/revocations.py``)."""

    def version(self) -> object:
        """Changes whenever tokens may have been revoked, by any process."""
        ...

    def start_listening(self) -> None: ...
    def stop_listening(self) -> None: ...


class Store(Protocol):
    """The store the services run on (``adapters/db/uow.py: Database``)."""

    @property
    def engine(self) -> Engine:
        """For administration at the edge (migrations, disposal); never in a handler."""
        ...

    @property
    def is_postgres(self) -> bool: ...
    @property
    def anchor(self) -> AnchorFile: ...
    @property
    def group_commit(self) -> GroupCommitter: ...
    @property
    def revocations(self) -> RevocationSignal: ...
    @property
    def url(self) -> str:
        """The store's address (with any password: a key, never shown)."""
        ...

    def unit_of_work(self, *, write: bool = True) -> UnitOfWork: ...
    def on_events_committed(self, listener: Callable[[int], None]) -> None: ...
    def instance_id(self) -> str: ...
    def ping(self) -> None: ...
    def close(self) -> None: ...
    def flush_anchor(self) -> None: ...


class TileSource(Protocol):
    """A deployment's own offline base map (an MBTiles file, ``adapters/mbtiles.py``)."""

    metadata: dict[str, str]
    format: str

    @property
    def media_type(self) -> str: ...

    def tile(self, z: int, x: int, y: int) -> bytes | None: ...


class MovableClock(Protocol):
    """The demo's scenario clock (``adapters/clock.py: ScenarioClock``): a replay sets it,
    then hands it back to the wall clock."""

    def now(self) -> datetime: ...
    def wall_now(self) -> datetime: ...
    def set(self, at: datetime) -> datetime: ...
    def release(self) -> datetime: ...
