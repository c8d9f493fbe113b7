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

**Speed.** Recommendations run on the dispatch board (``services/dispatch_board.py``), a
read model the composition root builds per store and refreshes from the events committed
since; assignment checks the unit again, against the store and the law at the exact
moment, inside its transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import (
    Action,
    TaskRelation,
    decide,
    may_move_task,
    may_task_unit,
)
from marchwarden.core.dispatch.decisions import (
    UnitNotEligible as UnitNotEligible,  # the API and tests import it from here
)
from marchwarden.core.dispatch.decisions import (
    check_answerable,
    decide_assign,
    decide_move,
    granted_text,
    refusal_event,
    task_created,
    task_title,
)
from marchwarden.core.dispatch.eligibility import (
    IneligibilityReason,
    ReasonCode,
    assess_eligibility,
)
from marchwarden.core.dispatch.model import PositionSource, TaskRequirements
from marchwarden.core.dispatch.ranking import (
    DEFAULT_INELIGIBLE_LIMIT,
    DEFAULT_INELIGIBLE_RADIUS_KM,
    DEFAULT_LIMIT,
)
from marchwarden.core.dispatch.tasking import (
    TaskPriority,
    TaskStatus,
)
from marchwarden.core.errors import Invalid, NotFound
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.geo.distance import TravelModel
from marchwarden.core.incidents.decisions import check_takes_more
from marchwarden.core.incidents.model import check_position
from marchwarden.services import authority
from marchwarden.services.context import allowed, authorise, authorise_role
from marchwarden.services.dispatch_board import candidate, refresh, scoped_board
from marchwarden.services.forces import apply_unit_status
from marchwarden.services.incidents import get_incident_row, read_resource
from marchwarden.services.ports import NewTaskRow

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.evaluation import UnitAuthority
    from marchwarden.core.dispatch.ranking import Recommendation
    from marchwarden.core.events import DomainEvent
    from marchwarden.core.incidents.model import LonLat
    from marchwarden.core.incidents.records import Incident, Task, UnitRef
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork

log = logging.getLogger("marchwarden.tasks")

#: readiness 3 is "ready" on the registry's scale (1 not ready … 4 fully ready)
DEFAULT_MINIMUM_READINESS = 3
MAX_RECOMMEND_LIMIT = 100


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

    def requirements(self) -> TaskRequirements:
        return TaskRequirements(
            frozenset(self.required_powers),
            frozenset(self.required_capabilities),
            self.minimum_readiness,
        )


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
    max_eta_minutes: float | None = None
    beyond_eta_count: int = 0


# --------------------------------------------------------------------------- helpers


def _unit_or_invalid(uow: UnitOfWork, unit_id: int, *, for_update: bool = False) -> UnitRef:
    unit = uow.tasks.unit(unit_id, for_update=for_update)
    if unit is None:
        raise NotFound.with_id("unit", unit_id)
    return unit


def _task_or_404(uow: UnitOfWork, task_id: int, *, for_update: bool = False) -> Task:
    task = uow.tasks.get(task_id, for_update=for_update)
    if task is None:
        raise NotFound.with_id("task", task_id)
    return task


# --------------------------------------------------------------------------- commands


def create_task(svc: Services, actor: Principal, incident_id: int, spec: TaskSpec) -> TaskView:
    title = task_title(spec.title)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        incident = get_incident_row(uow, incident_id, for_update=True)
        authorise(actor, Action.TASK_CREATE, incident.resource())
        check_takes_more(incident, "no_new_tasks")
        position = incident.place.reference
        if spec.position is not None:
            position = check_position(spec.position, "task position")
        new = NewTaskRow.of(incident_id, title, spec, spec.requirements(), position)
        task = _task_or_404(uow, uow.tasks.add(new, created_by=actor.username, at=now))
        uow.record(actor, [task_created(incident, task)], at=now)
        uow.commit()
    return TaskView(task, incident, None)


def _task_read_resource(uow: UnitOfWork, incident: Incident, unit: UnitRef | None) -> Resource:
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
        raise Invalid.said("task.limit", "limit must be 1 to {most}", most=MAX_RECOMMEND_LIMIT)
    if not 0 <= ineligible_radius_km <= 500:
        raise Invalid.said("task.radius", "the radius for ineligible units must be 0 to 500 km")
    now = svc.clock.now()
    b = svc.board
    with svc.db.unit_of_work(write=False) as uow:
        task = _task_or_404(uow, task_id)
        incident = get_incident_row(uow, task.incident_id)
        authorise(actor, Action.TASK_ASSIGN, incident.resource())
        with b.lock:
            refresh(svc, uow, b, now, task.requirements.required_powers)
            board, allowed = scoped_board(b, actor, incident)
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
        max_eta_minutes=svc.settings.recommend_max_eta_minutes or None,
    )
    ranked, near = _explained(task, result, units, auths)
    return RecommendationView(
        task=task,
        incident=incident,
        law_at=law_at,
        travel_model=result.travel_model,
        ranked=ranked,
        eligible_count=result.eligible_count,
        ineligible_nearby=near,
        ineligible_nearby_count=result.ineligible_nearby_count,
        ineligible_radius_km=ineligible_radius_km,
        eligible_without_position=result.eligible_without_position,
        units_considered=len(board),
        scope_note=_scope_note(actor, everywhere=allowed is None),
        max_eta_minutes=result.max_eta_minutes,
        beyond_eta_count=result.beyond_eta_count,
    )


def _scope_note(actor: Principal, *, everywhere: bool) -> str:
    if everywhere:
        return "every unit (the caller's scope covers all regions)"
    return (
        f"units inside the caller's scope ({actor.scope.describe()}) and units of the "
        "agencies in the incident's unified command"
    )


def _explained(
    task: Task,
    result: Recommendation,
    units: Mapping[int, UnitRef],
    auths: Mapping[int, UnitAuthority],
) -> tuple[tuple[RankedView, ...], tuple[IneligibleView, ...]]:
    """The board's answer with the law's words: the act and clause granting each required
    power to a ranked unit, and every reason an ineligible unit nearby may not go."""
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
                granted_powers={p: granted_text(auth, p) for p in sorted(required)},
            )
        )
    near = []
    for n in result.ineligible_nearby:
        unit = units[n.unit_id]
        reasons = n.reasons
        if any(x.code is ReasonCode.MISSING_POWER for x in reasons):
            # the board knows only yes/no per power: ask the legal engine why not
            held = [p for p in required if p not in {x.subject for x in reasons}]
            seen = candidate(unit, held, auths.get(unit.id), required)
            reasons = assess_eligibility(task.requirements, seen).reasons
        near.append(IneligibleView(unit, n.distance_km, n.position_source, reasons))
    return tuple(ranked), tuple(near)


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
        scope = allowed(may_task_unit(actor, incident, unit))
        required = task.requirements.required_powers
        auth = auths.get(unit_id)
        held = [p for p in required if auth is not None and auth.holds(p)]
        eligibility = assess_eligibility(task.requirements, candidate(unit, held, auth, required))
        try:
            event = decide_assign(
                task, incident, unit, eligibility=eligibility, auth=auth, scope=scope, note=note
            )
        except UnitNotEligible as refused:
            # nothing is written yet: this transaction holds the refusal's record alone
            uow.record(actor, [refusal_event(incident, task, unit, refused)], at=now)
            uow.commit()
            raise
        text = f"task {task.id} ({incident.name}): {task.title}"
        unit_event = apply_unit_status(
            uow, unit_id, UnitStatus.ASSIGNED, by=actor, note=text, at=now
        )
        uow.tasks.set_status(
            task_id, TaskStatus.ASSIGNED, at=now, unit_id=unit_id, assigned_at=now, ended_at=None
        )
        uow.record(actor, [unit_event, event], at=now)
        updated = _task_or_404(uow, task_id)
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
    who_may: TaskRelation,
    release_to: UnitStatus = UnitStatus.AVAILABLE,
) -> TaskView:
    """One step of a task's lifecycle, and the unit's status with it."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        task = _task_or_404(uow, task_id, for_update=True)
        incident = get_incident_row(uow, task.incident_id)
        unit = _unit_or_invalid(uow, task.unit_id, for_update=True) if task.unit_id else None
        check_answerable(task, unit, who_may)
        unit_resource = unit.resource() if unit else None
        allowed(may_move_task(actor, who_may, incident=incident.resource(), unit=unit_resource))
        move = decide_move(task, incident, unit, to, note=note, release_to=release_to)
        events: list[DomainEvent] = []
        if unit is not None and move.unit_status is not None:
            events.append(
                apply_unit_status(
                    uow, unit.id, move.unit_status, by=actor, note=move.unit_note, at=now
                )
            )
        uow.tasks.set_status(
            task_id,
            to,
            at=now,
            unit_id=move.unit_id,
            assigned_at=move.assigned_at,
            ended_at=now if move.ended else None,
        )
        uow.record(actor, [*events, move.event], at=now)
        updated = _task_or_404(uow, task_id)
        unit_after = _unit_or_invalid(uow, unit.id) if unit and move.unit_id else None
        uow.commit()
    return TaskView(updated, incident, unit_after)


def respond(
    svc: Services, actor: Principal, task_id: int, *, accept: bool, note: str = ""
) -> TaskView:
    """The unit's commander (or its agency's liaison) accepts or declines an assignment.

    Declining returns the task to ``open`` and frees the unit."""
    note = note.strip()
    if not accept and not note:
        raise Invalid.said("task.declining_task_needs_reason", "declining a task needs a reason")
    to = TaskStatus.ACCEPTED if accept else TaskStatus.OPEN
    return _move(svc, actor, task_id, to, note=note, who_may=TaskRelation.UNIT)


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
        raise Invalid.said(
            "task.status_update_one",
            "a status update is one of {known}",
            known=", ".join(sorted(s.value for s in REPORTABLE)),
        )
    return _move(
        svc,
        actor,
        task_id,
        status,
        note=note.strip(),
        who_may=TaskRelation.UNIT_OR_COMMAND,
        release_to=release_to,
    )


def cancel(svc: Services, actor: Principal, task_id: int, *, reason: str) -> TaskView:
    reason = reason.strip()
    if not reason:
        raise Invalid.said("task.cancelling_task_needs_reason", "cancelling a task needs a reason")
    return _move(
        svc, actor, task_id, TaskStatus.CANCELLED, note=reason, who_may=TaskRelation.COMMAND
    )
