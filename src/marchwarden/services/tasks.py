"""Tasking and dispatch: tasks on incidents, recommendations, assignment and the task's
lifecycle (``core/dispatch/tasking.py``), which moves the unit's CAD status along.

**Eligible** (``core/dispatch/eligibility.py``): the unit holds every power the task
requires under the law in force (``services/authority.py``), has every required
capability, its readiness is at least the task's minimum (default 3, "ready"), and its
status means available. Assigning an ineligible unit is refused with every reason,
including the legal engine's own explanation for each missing power.

**Scope rule for tasking** (docs/security.md): a caller may task a unit for an incident
when (1) the incident is inside the caller's scope for ``task.assign``, and (2) the unit
is inside the caller's scope too, *or* the unit's agency is part of the incident's
unified command (its lead or a supporting agency). Joining an incident's unified command
is how an agency puts its units at that incident's disposal: a Kursk coordinator cannot
task a Belgorod unit unless the incident's unified command includes the Belgorod unit's
agency. Recommendations list only the units the caller could task.

**Speed.** Recommendations run on a :class:`DispatchBoard` (numpy columns over every
unit) kept per store in this process. It is refreshed from the events committed since it
was built: unit status and position changes update single rows; anything that may change
powers (the law, members, activation orders, units created or edited) rebuilds it. The
law is evaluated for the board at the start of the current minute; assignment checks the
unit again, against the store and the law at the exact moment, inside its transaction.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from marchwarden.adapters.db.command_repo import NewTaskRow
from marchwarden.core.access.model import Resource, Scope, ScopeKind
from marchwarden.core.access.policy import Action, decide
from marchwarden.core.authority.model import POWER_CATALOGUE, power_label
from marchwarden.core.dispatch.eligibility import (
    IneligibilityReason,
    ReasonCode,
    assess_eligibility,
)
from marchwarden.core.dispatch.model import PositionSource, TaskRequirements, UnitCandidate
from marchwarden.core.dispatch.ranking import (
    DEFAULT_INELIGIBLE_LIMIT,
    DEFAULT_INELIGIBLE_RADIUS_KM,
    DEFAULT_LIMIT,
    DispatchBoard,
)
from marchwarden.core.dispatch.tasking import (
    TaskPriority,
    TaskStatus,
    check_task_transition,
    unit_status_after,
)
from marchwarden.core.errors import Conflict, Forbidden, Invalid, NotFound
from marchwarden.core.events import DomainEvent
from marchwarden.core.forces.status import Availability, UnitStatus
from marchwarden.core.geo.distance import TravelModel
from marchwarden.core.incidents import events as ev
from marchwarden.core.incidents.model import check_position
from marchwarden.core.incidents.records import Incident, Task, TimelineKind, UnitRef
from marchwarden.services import authority
from marchwarden.services.context import PerStore, authorise, authorise_role
from marchwarden.services.forces import apply_unit_status
from marchwarden.services.incidents import event_base, get_incident_row, read_resource

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import datetime

    from marchwarden.adapters.db.uow import SqlUnitOfWork
    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.evaluation import UnitAuthority
    from marchwarden.core.incidents.model import LonLat
    from marchwarden.services.context import Services

log = logging.getLogger("marchwarden.tasks")

#: readiness 3 is "ready" on the registry's scale (1 not ready … 4 fully ready)
DEFAULT_MINIMUM_READINESS = 3
MAX_RECOMMEND_LIMIT = 100


class UnitNotEligible(Conflict):
    code = "unit-not-eligible"
    title = "The unit may not be given this task"


@dataclass(frozen=True, slots=True)
class TaskSpec:
    title: str
    description: str = ""
    required_powers: frozenset[str] = frozenset()
    required_capabilities: frozenset[str] = frozenset()
    minimum_readiness: int = DEFAULT_MINIMUM_READINESS
    position: LonLat | None = None
    priority: TaskPriority = TaskPriority.NORMAL
    needed_by: datetime | None = None


@dataclass(frozen=True, slots=True)
class TaskView:
    task: Task
    incident: Incident
    unit: UnitRef | None


@dataclass(frozen=True, slots=True)
class RankedView:
    rank: int
    unit: UnitRef
    distance_km: float
    eta_minutes: float
    position_source: PositionSource
    granted_powers: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class IneligibleView:
    unit: UnitRef
    distance_km: float
    position_source: PositionSource
    reasons: tuple[IneligibilityReason, ...]


@dataclass(frozen=True, slots=True)
class RecommendationView:
    task: Task
    incident: Incident
    law_at: datetime
    travel_model: str
    ranked: tuple[RankedView, ...]
    eligible_count: int
    ineligible_nearby: tuple[IneligibleView, ...]
    ineligible_nearby_count: int
    ineligible_radius_km: float
    eligible_without_position: tuple[int, ...]
    units_considered: int
    scope_note: str


# --------------------------------------------------------------------------- helpers


def _unit_or_invalid(uow: SqlUnitOfWork, unit_id: int, *, for_update: bool = False) -> UnitRef:
    unit = uow.tasks.unit(unit_id, for_update=for_update)
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}")
    return unit


def _task_or_404(uow: SqlUnitOfWork, task_id: int, *, for_update: bool = False) -> Task:
    task = uow.tasks.get(task_id, for_update=for_update)
    if task is None:
        raise NotFound(f"no task with id {task_id}")
    return task


def _task_event(incident: Incident, task: Task, unit: UnitRef | None) -> dict[str, Any]:
    return {
        **event_base(incident),
        "task_id": task.id,
        "unit_id": unit.id if unit else None,
        "unit_agency_id": unit.agency_id if unit else None,
        "unit_path": unit.path if unit else None,
    }


def may_task_unit(actor: Principal, incident: Incident, unit: UnitRef) -> tuple[bool, str]:
    """The scope rule for tasking (module docstring), with the reason."""
    if decide(actor, Action.TASK_ASSIGN, unit.resource()).allowed:
        return True, f"unit {unit.code} is inside the caller's scope"
    if unit.agency_id in incident.command_agencies:
        return True, (
            f"unit {unit.code}'s agency {unit.agency_code} is part of incident "
            f"{incident.id}'s unified command"
        )
    return False, (
        f"unit {unit.code} ({unit.region}, {unit.agency_name}) is outside the caller's scope "
        f"({actor.scope.describe()}) and its agency {unit.agency_code} is not part of "
        f"incident {incident.id}'s unified command"
    )


def _granted_text(auth: UnitAuthority | None, power: str) -> str:
    if auth is None:
        return ""
    for held in auth.held:
        if held.power == power:
            return "; ".join(f"{c.act} {c.clause}" for c in held.via if c.met)
    return ""


def _refusal_text(auth: UnitAuthority | None, power: str) -> str:
    if auth is None:
        return ""
    return "; ".join(auth.reasons(power))


def _candidate(
    unit: UnitRef,
    powers: Iterable[str],
    auth: UnitAuthority | None = None,
    required: Iterable[str] = (),
) -> UnitCandidate:
    """A unit as dispatch sees it; with ``auth``, the legal texts for ``required`` powers."""
    held = set(powers)
    return UnitCandidate(
        unit_id=unit.id,
        name=unit.name,
        status=unit.status,
        readiness=unit.readiness,
        capabilities=unit.capabilities,
        powers={p: _granted_text(auth, p) for p in held},
        power_refusals={p: _refusal_text(auth, p) for p in required if p not in held},
        position=unit.position,
        home_base=unit.home,
    )


def _reason_json(reason: IneligibilityReason) -> dict[str, Any]:
    return {
        "code": reason.code.value,
        "message": reason.message,
        "subject": reason.subject,
        "detail": reason.detail,
    }


# --------------------------------------------------------------------------- the board


#: event types that change nothing a recommendation depends on
_HARMLESS_EVENTS: frozenset[str] = frozenset(
    {
        "UserCreated",
        "UserDisabled",
        "AgencyCreated",
        *(
            name
            for name, obj in vars(ev).items()
            if isinstance(obj, type)
            and issubclass(obj, DomainEvent)
            and obj.__module__ == ev.__name__
        ),
    }
)
#: event types that change one unit's row but not its powers
_UNIT_ROW_EVENTS: frozenset[str] = frozenset({"UnitStatusChanged", "UnitPositionUpdated"})
#: more events than this since the last refresh: rebuild rather than replay them
_REPLAY_LIMIT = 2000
_SCOPED_BOARDS = 32

ScopeKey = tuple[Scope, frozenset[int]]


@dataclass
class _Board:
    lock: threading.Lock = field(default_factory=threading.Lock)
    law_at: datetime | None = None
    ticking: bool = False
    last_event_id: int = -1
    authorities: Mapping[int, UnitAuthority] = field(default_factory=dict)
    holdings: dict[str, frozenset[int]] = field(default_factory=dict)
    units: dict[int, UnitRef] = field(default_factory=dict)
    board: DispatchBoard = field(default_factory=lambda: DispatchBoard(()))
    scoped: OrderedDict[ScopeKey, tuple[frozenset[int], DispatchBoard]] = field(
        default_factory=OrderedDict
    )


_boards: PerStore[_Board] = PerStore(_Board)


def _board_for(svc: Services) -> _Board:
    return _boards.of(svc.db)


def _minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _holdings(
    auth: Mapping[int, UnitAuthority], powers: Iterable[str]
) -> dict[str, frozenset[int]]:
    holding = getattr(auth, "holding", None)
    out: dict[str, frozenset[int]] = {}
    for power in powers:
        if holding is not None:
            out[power] = frozenset(holding(power))
        else:
            out[power] = frozenset(u for u, a in auth.items() if a.holds(power))
    return out


def _powers_of(unit_id: int, holdings: Mapping[str, frozenset[int]]) -> list[str]:
    return [p for p, ids in holdings.items() if unit_id in ids]


def _rebuild(
    svc: Services, uow: SqlUnitOfWork, b: _Board, law_at: datetime, powers: Iterable[str]
) -> None:
    # the event id first: anything committed after it is replayed on the next refresh
    last = uow.events.last_id()
    auth = authority.unit_authority_map(svc, law_at)
    holdings = _holdings(auth, powers)
    units = uow.tasks.units()
    b.law_at = law_at
    b.last_event_id = last
    b.authorities = auth
    b.holdings = holdings
    b.units = {u.id: u for u in units}
    b.board = DispatchBoard(_candidate(u, _powers_of(u.id, holdings)) for u in units)
    b.scoped.clear()


def _refresh(
    svc: Services, uow: SqlUnitOfWork, b: _Board, now: datetime, required: Iterable[str]
) -> None:
    """Bring the board up to date with the store and the law (caller holds ``b.lock``).

    Reads go through the caller's read-only unit of work (one snapshot on SQLite)."""
    law_at = _minute(now)
    powers = set(POWER_CATALOGUE) | set(b.holdings) | set(required)
    if b.law_at is None or not powers <= set(b.holdings):
        _rebuild(svc, uow, b, law_at, powers)
        return
    last = uow.events.last_id()
    events = uow.events.after(b.last_event_id, _REPLAY_LIMIT + 1) if last > b.last_event_id else []
    if len(events) > _REPLAY_LIMIT or any(
        e.type not in _HARMLESS_EVENTS and e.type not in _UNIT_ROW_EVENTS for e in events
    ):
        _rebuild(svc, uow, b, law_at, powers)
        return
    changed_ids = {int(e.payload["unit_id"]) for e in events if e.type in _UNIT_ROW_EVENTS}
    if changed_ids:
        changed = uow.tasks.units(changed_ids)
        # copy on write: a recommendation running outside the lock keeps its own view
        b.units = {**b.units, **{u.id: u for u in changed}}
        candidates = [_candidate(u, _powers_of(u.id, b.holdings)) for u in changed]
        b.board = b.board.updated(candidates)
        for key, (ids, scoped) in list(b.scoped.items()):
            mine = [c for c in candidates if c.unit_id in ids]
            if mine:
                b.scoped[key] = (ids, scoped.updated(mine))
    if events:
        b.last_event_id = max(e.id for e in events)
    if b.law_at is not None and law_at > b.law_at and not b.ticking:
        # time moved on: qualifications expire, acts take effect, so powers may change.
        # Evaluating the law again takes long with many units: do it beside the request,
        # which is served from the board of the previous minute (assignment checks the law
        # at its exact moment anyway).
        b.ticking = True
        threading.Thread(
            target=_tick, args=(svc, b, law_at, frozenset(b.holdings)), daemon=True
        ).start()


def _tick(svc: Services, b: _Board, law_at: datetime, powers: frozenset[str]) -> None:
    try:
        auth = authority.unit_authority_map(svc, law_at)
        holdings = _holdings(auth, powers)
        with b.lock:
            if b.law_at is None or b.law_at >= law_at or set(b.holdings) != powers:
                return  # rebuilt meanwhile
            b.law_at = law_at
            b.authorities = auth
            if holdings != b.holdings:
                b.holdings = holdings
                b.board = DispatchBoard(
                    _candidate(u, _powers_of(u.id, holdings)) for u in b.units.values()
                )
                b.scoped.clear()
    except Exception:  # the next request tries again
        log.exception("could not evaluate the law for the dispatch board")
    finally:
        b.ticking = False


def _scoped_board(
    b: _Board, actor: Principal, incident: Incident
) -> tuple[DispatchBoard, frozenset[int] | None]:
    if actor.scope.kind is ScopeKind.ALL:
        return b.board, None
    key: ScopeKey = (actor.scope, incident.command_agencies)
    found = b.scoped.get(key)
    if found is not None:
        b.scoped.move_to_end(key)
        return found[1], found[0]
    ids = frozenset(uid for uid, u in b.units.items() if may_task_unit(actor, incident, u)[0])
    units = b.board.units
    board = DispatchBoard(c for c in units if c.unit_id in ids)
    b.scoped[key] = (ids, board)
    while len(b.scoped) > _SCOPED_BOARDS:
        b.scoped.popitem(last=False)
    return board, ids


# --------------------------------------------------------------------------- commands


def create_task(svc: Services, actor: Principal, incident_id: int, spec: TaskSpec) -> TaskView:
    title = spec.title.strip()
    if not title:
        raise Invalid("a task needs a title (what is to be done)")
    requirements = TaskRequirements(
        frozenset(spec.required_powers),
        frozenset(spec.required_capabilities),
        spec.minimum_readiness,
    )
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.TASK_CREATE, incident.resource())
        if not incident.state.is_open:
            raise Conflict(
                f"incident {incident_id} is {incident.state.value}; it takes no new tasks"
            )
        position = (
            check_position(spec.position, "task position")
            if spec.position is not None
            else incident.place.reference
        )
        task_id = uow.tasks.add(
            NewTaskRow(
                incident_id=incident_id,
                title=title,
                description=spec.description.strip(),
                requirements=requirements,
                position=position,
                priority=spec.priority,
                needed_by=spec.needed_by,
            ),
            created_by=actor.username,
            at=now,
        )
        task = _task_or_404(uow, task_id)
        needs = ", ".join(sorted(requirements.required_powers)) or "no particular power"
        uow.incidents.add_timeline(
            incident_id,
            at=now,
            kind=TimelineKind.TASK_CREATED,
            actor_name=actor.username,
            task_id=task_id,
            text=f"Task {task_id} ({spec.priority.value}): {title}; needs {needs}",
            data={
                "required_powers": sorted(requirements.required_powers),
                "required_capabilities": sorted(requirements.required_capabilities),
            },
        )
        uow.record(
            actor=actor,
            command="task.create",
            target_type="task",
            target_id=task_id,
            changes={
                "incident_id": incident_id,
                "title": title,
                "required_powers": sorted(requirements.required_powers),
                "required_capabilities": sorted(requirements.required_capabilities),
                "minimum_readiness": requirements.minimum_readiness,
                "priority": spec.priority.value,
            },
            events=[
                ev.TaskCreated(
                    **_task_event(incident, task, None),
                    title=title,
                    priority=spec.priority.value,
                    required_powers=tuple(sorted(requirements.required_powers)),
                    required_capabilities=tuple(sorted(requirements.required_capabilities)),
                    lon=position[0],
                    lat=position[1],
                )
            ],
            at=now,
        )
        uow.commit()
    return TaskView(task, incident, None)


def _task_read_resource(uow: SqlUnitOfWork, incident: Incident, unit: UnitRef | None) -> Resource:
    base = read_resource(uow, incident)
    if unit is None:
        return base
    return Resource(
        "task",
        region=base.region,
        agencies=base.agencies | {unit.agency_id},
        unit_paths=base.unit_paths | {unit.path},
    )


def get_task(svc: Services, actor: Principal, task_id: int) -> TaskView:
    with svc.db.unit_of_work(write=False) as uow:
        task = _task_or_404(uow, task_id)
        incident = get_incident_row(uow, task.incident_id)
        unit = uow.tasks.unit(task.unit_id) if task.unit_id else None
        authorise(actor, Action.INCIDENT_READ, _task_read_resource(uow, incident, unit))
    return TaskView(task, incident, unit)


def list_tasks(
    svc: Services,
    actor: Principal,
    *,
    incident_id: int | None = None,
    statuses: Iterable[TaskStatus] | None = None,
    unit_id: int | None = None,
) -> list[TaskView]:
    """Tasks the caller may read (those of incidents it may read, or of its own units)."""
    authorise_role(actor, Action.INCIDENT_READ)
    wanted = frozenset(statuses) if statuses is not None else None
    out: list[TaskView] = []
    with svc.db.unit_of_work(write=False) as uow:
        tasks = uow.tasks.find(
            incident_ids=[incident_id] if incident_id is not None else None,
            statuses=wanted,
            unit_id=unit_id,
        )
        incidents: dict[int, Incident] = {}
        units = {u.id: u for u in uow.tasks.units(k.unit_id for k in tasks if k.unit_id)}
        resources: dict[int, Resource] = {}
        for task in tasks:
            incident = incidents.get(task.incident_id)
            if incident is None:
                incident = incidents[task.incident_id] = get_incident_row(uow, task.incident_id)
            unit = units.get(task.unit_id) if task.unit_id else None
            if task.incident_id not in resources:
                resources[task.incident_id] = read_resource(uow, incident)
            base = resources[task.incident_id]
            resource = base
            if unit is not None:
                resource = Resource(
                    "task",
                    region=base.region,
                    agencies=base.agencies | {unit.agency_id},
                    unit_paths=base.unit_paths | {unit.path},
                )
            if decide(actor, Action.INCIDENT_READ, resource).allowed:
                out.append(TaskView(task, incident, unit))
    if not out and incident_id is not None:
        _check_incident_readable(svc, actor, incident_id)
    return out


def _check_incident_readable(svc: Services, actor: Principal, incident_id: int) -> None:
    with svc.db.unit_of_work(write=False) as uow:
        incident = get_incident_row(uow, incident_id)
        authorise(actor, Action.INCIDENT_READ, read_resource(uow, incident))


def recommend(
    svc: Services,
    actor: Principal,
    task_id: int,
    *,
    limit: int = DEFAULT_LIMIT,
    ineligible_radius_km: float = DEFAULT_INELIGIBLE_RADIUS_KM,
    ineligible_limit: int = DEFAULT_INELIGIBLE_LIMIT,
    travel: TravelModel | None = None,
) -> RecommendationView:
    """The eligible units the caller could task, nearest (by ETA) first, and the ineligible
    units nearby with every reason."""
    if not 1 <= limit <= MAX_RECOMMEND_LIMIT:
        raise Invalid(f"limit must be 1 to {MAX_RECOMMEND_LIMIT}")
    if not 0 <= ineligible_radius_km <= 500:
        raise Invalid("the radius for ineligible units must be 0 to 500 km")
    now = svc.clock.now()
    b = _board_for(svc)
    with svc.db.unit_of_work(write=False) as uow:
        task = _task_or_404(uow, task_id)
        incident = get_incident_row(uow, task.incident_id)
        authorise(actor, Action.TASK_ASSIGN, incident.resource())
        with b.lock:
            _refresh(svc, uow, b, now, task.requirements.required_powers)
            board, allowed = _scoped_board(b, actor, incident)
            units = b.units
            auths = b.authorities
            law_at = b.law_at
    assert law_at is not None
    travel = travel or TravelModel()
    result = board.recommend(
        task.requirements,
        task.position,
        travel=travel,
        limit=limit,
        ineligible_radius_km=ineligible_radius_km,
        ineligible_limit=ineligible_limit,
    )
    required = task.requirements.required_powers
    ranked = []
    for r in result.ranked:
        auth = auths.get(r.unit_id)
        ranked.append(
            RankedView(
                rank=r.rank,
                unit=units[r.unit_id],
                distance_km=r.distance_km,
                eta_minutes=r.eta_minutes,
                position_source=r.position_source,
                granted_powers={p: _granted_text(auth, p) for p in sorted(required)},
            )
        )
    near = []
    for n in result.ineligible_nearby:
        unit = units[n.unit_id]
        reasons = n.reasons
        if any(x.code is ReasonCode.MISSING_POWER for x in reasons):
            # the board knows only yes/no per power: ask the legal engine why not
            held = [p for p in required if p not in {x.subject for x in reasons}]
            candidate = _candidate(unit, held, auths.get(unit.id), required)
            reasons = assess_eligibility(task.requirements, candidate).reasons
        near.append(IneligibleView(unit, n.distance_km, n.position_source, reasons))
    if allowed is None:
        note = "every unit (the caller's scope covers all regions)"
    else:
        note = (
            f"units inside the caller's scope ({actor.scope.describe()}) and units of the "
            "agencies in the incident's unified command"
        )
    return RecommendationView(
        task=task,
        incident=incident,
        law_at=law_at,
        travel_model=result.travel_model,
        ranked=tuple(ranked),
        eligible_count=result.eligible_count,
        ineligible_nearby=tuple(near),
        ineligible_nearby_count=result.ineligible_nearby_count,
        ineligible_radius_km=ineligible_radius_km,
        eligible_without_position=result.eligible_without_position,
        units_considered=len(board),
        scope_note=note,
    )


def _not_eligible(
    task: Task, unit: UnitRef, reasons: Sequence[IneligibilityReason], auth: UnitAuthority | None
) -> UnitNotEligible:
    missing = []
    for reason in reasons:
        if reason.code is not ReasonCode.MISSING_POWER or reason.subject is None:
            continue
        power = reason.subject
        missing.append(
            {
                "power": power,
                "label": power_label(power),
                "reasons": list(auth.reasons(power)) if auth else [reason.detail],
                "counts": [c.describe() for c in auth.counts(power)] if auth else [],
            }
        )
    return UnitNotEligible(
        f"{unit.name} may not be given task {task.id} ({task.title}): "
        + "; ".join(r.message for r in reasons),
        extra={
            "unit_id": unit.id,
            "task_id": task.id,
            "reasons": [_reason_json(r) for r in reasons],
            "missing_powers": missing,
        },
    )


def assign(
    svc: Services, actor: Principal, task_id: int, unit_id: int, *, note: str = ""
) -> TaskView:
    """Give an open task to an eligible unit inside the scope rule; the unit is committed."""
    now = svc.clock.now()
    auths = authority.unit_authority_map(svc, now)
    with svc.db.unit_of_work() as uow:
        task = _task_or_404(uow, task_id, for_update=True)
        incident = get_incident_row(uow, task.incident_id)
        authorise(actor, Action.TASK_ASSIGN, incident.resource())
        unit = _unit_or_invalid(uow, unit_id, for_update=True)
        allowed, why = may_task_unit(actor, incident, unit)
        if not allowed:
            raise Forbidden(why)
        if not incident.state.is_open:
            raise Conflict(f"incident {incident.id} is {incident.state.value}; it takes no tasking")
        check_task_transition(task.status, TaskStatus.ASSIGNED)
        required = task.requirements.required_powers
        auth = auths.get(unit_id)
        held = [p for p in required if auth is not None and auth.holds(p)]
        eligibility = assess_eligibility(task.requirements, _candidate(unit, held, auth, required))
        if not eligibility.eligible:
            raise _not_eligible(task, unit, eligibility.reasons, auth)
        text = f"task {task.id} ({incident.name}): {task.title}"
        apply_unit_status(uow, unit_id, UnitStatus.ASSIGNED, by=actor, note=text, at=now)
        uow.tasks.set_status(
            task_id, TaskStatus.ASSIGNED, at=now, unit_id=unit_id, assigned_at=now, ended_at=None
        )
        updated = _task_or_404(uow, task_id)
        grants = {p: _granted_text(auth, p) for p in sorted(required)}
        uow.incidents.add_timeline(
            incident.id,
            at=now,
            kind=TimelineKind.TASK_ASSIGNED,
            actor_name=actor.username,
            unit_id=unit_id,
            task_id=task_id,
            text=(
                f"Task {task_id} assigned to {unit.name} ({unit.agency_code})"
                + (
                    f"; powers: {', '.join(f'{p} ({g})' for p, g in grants.items())}"
                    if grants
                    else ""
                )
                + (f": {note.strip()}" if note.strip() else "")
            ),
            data={"granted_powers": grants, "scope": why},
        )
        uow.record(
            actor=actor,
            command="task.assign",
            target_type="task",
            target_id=task_id,
            changes={
                "unit_id": unit_id,
                "status": [task.status.value, TaskStatus.ASSIGNED.value],
                "granted_powers": grants,
                "scope": why,
            },
            events=[ev.TaskAssigned(**_task_event(incident, updated, unit))],
            at=now,
        )
        unit_after = _unit_or_invalid(uow, unit_id)
        uow.commit()
    return TaskView(updated, incident, unit_after)


def _move(
    svc: Services,
    actor: Principal,
    task_id: int,
    to: TaskStatus,
    *,
    note: str,
    who_may: str,
    release_to: UnitStatus = UnitStatus.AVAILABLE,
) -> TaskView:
    """One step of a task's lifecycle, and the unit's status with it."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        task = _task_or_404(uow, task_id, for_update=True)
        incident = get_incident_row(uow, task.incident_id)
        unit = _unit_or_invalid(uow, task.unit_id, for_update=True) if task.unit_id else None
        if who_may == "unit":
            if unit is None:
                raise Conflict(f"task {task_id} has no unit to answer for it")
            authorise(actor, Action.TASK_RESPOND, unit.resource())
        elif who_may == "unit_or_command":
            if unit is None or not decide(actor, Action.TASK_RESPOND, unit.resource()).allowed:
                authorise(actor, Action.TASK_ASSIGN, incident.resource())
        else:
            authorise(actor, Action.TASK_ASSIGN, incident.resource())
        check_task_transition(task.status, to)
        target = unit_status_after(to, release_to=release_to)
        if unit is not None and target is not None and unit.status is not target:
            freeing = target.availability is Availability.AVAILABLE
            if not freeing or unit.status.availability is Availability.COMMITTED:
                apply_unit_status(
                    uow,
                    unit.id,
                    target,
                    by=actor,
                    note=f"task {task_id}: {to.value}" + (f": {note}" if note else ""),
                    at=now,
                )
        declined = task.status is TaskStatus.ASSIGNED and to is TaskStatus.OPEN
        uow.tasks.set_status(
            task_id,
            to,
            at=now,
            unit_id=None if declined else task.unit_id,
            assigned_at=None if declined else task.assigned_at,
            ended_at=now if to.is_terminal else None,
        )
        updated = _task_or_404(uow, task_id)
        verb = {
            TaskStatus.ACCEPTED: "accepted",
            TaskStatus.OPEN: "declined",
            TaskStatus.EN_ROUTE: "en route",
            TaskStatus.ON_SCENE: "on scene",
            TaskStatus.COMPLETED: "completed; unit released",
            TaskStatus.CANCELLED: "cancelled",
        }.get(to, to.value)
        who = f" by {unit.name}" if unit is not None and to is not TaskStatus.CANCELLED else ""
        uow.incidents.add_timeline(
            incident.id,
            at=now,
            kind=TimelineKind.TASK_STATUS,
            actor_name=actor.username,
            unit_id=unit.id if unit else None,
            task_id=task_id,
            text=f"Task {task_id} {verb}{who}" + (f": {note}" if note else ""),
            data={"from": task.status.value, "to": to.value},
        )
        uow.record(
            actor=actor,
            command=f"task.{to.value}" if not declined else "task.decline",
            target_type="task",
            target_id=task_id,
            changes={
                "status": [task.status.value, to.value],
                "unit_id": task.unit_id,
                "note": note,
            },
            events=[
                ev.TaskStatusChanged(
                    **_task_event(incident, updated, unit),
                    status=to.value,
                    previous=task.status.value,
                )
            ],
            at=now,
        )
        unit_after = _unit_or_invalid(uow, unit.id) if unit else None
        uow.commit()
    return TaskView(updated, incident, None if declined else unit_after)


def respond(
    svc: Services, actor: Principal, task_id: int, *, accept: bool, note: str = ""
) -> TaskView:
    """The unit's commander (or its agency's liaison) accepts or declines an assignment.

    Declining returns the task to ``open`` and frees the unit."""
    note = note.strip()
    if not accept and not note:
        raise Invalid("declining a task needs a reason")
    to = TaskStatus.ACCEPTED if accept else TaskStatus.OPEN
    return _move(svc, actor, task_id, to, note=note, who_may="unit")


REPORTABLE: frozenset[TaskStatus] = frozenset(
    {TaskStatus.EN_ROUTE, TaskStatus.ON_SCENE, TaskStatus.COMPLETED}
)


def report_status(
    svc: Services,
    actor: Principal,
    task_id: int,
    status: TaskStatus,
    *,
    note: str = "",
    release_to: UnitStatus = UnitStatus.AVAILABLE,
) -> TaskView:
    """En route, on scene, or released (the task completed, the unit freed)."""
    if status not in REPORTABLE:
        raise Invalid(f"a status update is one of {', '.join(sorted(s.value for s in REPORTABLE))}")
    return _move(
        svc,
        actor,
        task_id,
        status,
        note=note.strip(),
        who_may="unit_or_command",
        release_to=release_to,
    )


def cancel(svc: Services, actor: Principal, task_id: int, *, reason: str) -> TaskView:
    reason = reason.strip()
    if not reason:
        raise Invalid("cancelling a task needs a reason")
    return _move(svc, actor, task_id, TaskStatus.CANCELLED, note=reason, who_may="command")
