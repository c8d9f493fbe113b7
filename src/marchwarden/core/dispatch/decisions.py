"""The decisions of tasking: pure functions that enforce a task's invariants and return its
events (``core/incidents/events.py``: each knows its audit record and timeline entry).

- creating a task: it has a title, and the incident takes it (``check_takes_more``);
- assigning: the incident takes tasking, the task may move to ``assigned``, and the unit
  is eligible (``eligibility.py``) — an ineligible unit is refused with every reason;
- moving a task one step (:func:`decide_move`): the lifecycle (``tasking.py``) and the
  status its unit takes with it;
- setting a unit's status by hand (:func:`decide_unit_status_set`): the steps its task
  takes with it. Both directions are the one rule of ``coupling.py``.

Who may do each is the policy's (``core/access/policy.py``: ``may_task_unit``,
``may_move_task``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from marchwarden.core.authority.model import power_label
from marchwarden.core.dispatch.coupling import couple
from marchwarden.core.dispatch.eligibility import ReasonCode
from marchwarden.core.dispatch.tasking import TaskStatus, check_task_transition
from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.forces.decisions import decide_unit_status
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.incidents import events as ev
from marchwarden.core.incidents.decisions import check_takes_more, event_base

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from marchwarden.core.access.policy import TaskRelation
    from marchwarden.core.authority.evaluation import Reason, UnitAuthority
    from marchwarden.core.dispatch.eligibility import Eligibility, IneligibilityReason
    from marchwarden.core.forces.events import UnitStatusChanged
    from marchwarden.core.forces.model import Unit
    from marchwarden.core.incidents.records import Incident, Task, UnitRef


class UnitNotEligible(Conflict):
    code = "unit-not-eligible"
    title = "The unit may not be given this task"


def task_event_base(incident: Incident, task_id: int, unit: UnitRef | None) -> dict[str, Any]:
    """The fields every task event carries (who may see it: the incident's readers, and
    the tasked unit's agency and subtree)."""
    return {
        **event_base(incident),
        "task_id": task_id,
        "unit_id": unit.id if unit else None,
        "unit_agency_id": unit.agency_id if unit else None,
        "unit_path": unit.path if unit else None,
    }


def refusal_event(
    incident: Incident, task: Task, unit: UnitRef, refused: UnitNotEligible
) -> ev.TaskAssignmentRefused:
    """A refused assignment as an event (on the timeline and in the audit trail): the
    unit, its missing powers, and the reasons in words."""
    extra = refused.extra or {}
    missing = extra.get("missing_powers", [])
    reasons = [r["message"] for r in extra.get("reasons", []) if r.get("message")]
    coded = [
        {"code": r["code"], "params": r.get("params", {})}
        for r in extra.get("reasons", [])
        if r.get("code") != ReasonCode.MISSING_POWER.value
    ]
    for m in missing:
        reasons += [f"{m['label']}: {why}" for why in m["reasons"]]
        coded += m.get("coded_reasons", [])
    return ev.TaskAssignmentRefused(
        **task_event_base(incident, task.id, unit),
        unit_code=unit.code,
        unit_name=unit.name,
        missing_powers=tuple(m["power"] for m in missing),
        reasons=tuple(reasons),
        coded_reasons=tuple(coded),
    )


# --------------------------------------------------------------------------- create


def task_title(title: str) -> str:
    """What is to be done, stripped; a task needs one."""
    title = title.strip()
    if not title:
        raise Invalid("a task needs a title (what is to be done)", message="task.title_needed")
    return title


def task_created(incident: Incident, task: Task) -> ev.TaskCreated:
    """The event of a task just stored on ``incident`` (which took it:
    ``check_takes_more``)."""
    needs = task.requirements
    return ev.TaskCreated(
        **task_event_base(incident, task.id, None),
        title=task.title,
        priority=task.priority.value,
        required_powers=tuple(sorted(needs.required_powers)),
        required_capabilities=tuple(sorted(needs.required_capabilities)),
        lon=task.position[0],
        lat=task.position[1],
        minimum_readiness=needs.minimum_readiness,
    )


# --------------------------------------------------------------------------- assign


def granted_text(auth: UnitAuthority | None, power: str) -> str:
    """The law that grants ``power`` to the unit ("PO-2014 art. 5; …"), or ""."""
    if auth is None:
        return ""
    for held in auth.held:
        if held.power == power:
            return "; ".join(f"{c.act} {c.clause}" for c in held.via if c.met)
    return ""


def _reason_json(reason: IneligibilityReason) -> dict[str, Any]:
    return {
        "code": reason.code.value,
        "message": reason.message,
        "subject": reason.subject,
        "detail": reason.detail,
        "params": dict(reason.params),
    }


def law_reason_json(reason: Reason, power: str) -> dict[str, Any]:
    """One of the law's reasons for a power not held, with its code and what it says."""
    return {
        "code": reason.code.value,
        "power": power,
        "act": reason.act,
        "clause": reason.clause,
        "text": reason.text,
        "params": dict(reason.params),
    }


def not_eligible(
    task: Task, unit: UnitRef, reasons: Sequence[IneligibilityReason], auth: UnitAuthority | None
) -> UnitNotEligible:
    """The refusal of an ineligible unit, with every reason and the legal engine's
    explanation for each missing power."""
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
                "coded_reasons": [law_reason_json(r, power) for r in auth.reason_facts(power)]
                if auth
                else [],
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


def decide_assign(
    task: Task,
    incident: Incident,
    unit: UnitRef,
    *,
    eligibility: Eligibility,
    auth: UnitAuthority | None,
    scope: str,
    note: str,
) -> ev.TaskAssigned:
    """Give an open task to an eligible unit. ``scope``: why the caller may task it (the
    policy's ``may_task_unit``)."""
    check_takes_more(incident, "no_tasking")
    check_task_transition(task.status, TaskStatus.ASSIGNED)
    if not eligibility.eligible:
        raise not_eligible(task, unit, eligibility.reasons, auth)
    grants = {p: granted_text(auth, p) for p in sorted(task.requirements.required_powers)}
    powers = ", ".join(f"{p} ({g})" for p, g in grants.items())
    note = note.strip()
    return ev.TaskAssigned(
        **task_event_base(incident, task.id, unit),
        previous=task.status.value,
        granted_powers=grants,
        scope=scope,
        unit_name=unit.name,
        agency_code=unit.agency_code,
        note=note,
        text=(
            f"Task {task.id} assigned to {unit.name} ({unit.agency_code})"
            + (f"; powers: {powers}" if grants else "")
            + (f": {note}" if note else "")
        ),
    )


# --------------------------------------------------------------------------- one step

_VERBS: Mapping[TaskStatus, str] = {
    TaskStatus.ACCEPTED: "accepted",
    TaskStatus.OPEN: "declined",
    TaskStatus.EN_ROUTE: "en route",
    TaskStatus.ON_SCENE: "on scene",
    TaskStatus.COMPLETED: "completed; unit released",
    TaskStatus.CANCELLED: "cancelled",
}


def check_answerable(task: Task, unit: UnitRef | None, relation: TaskRelation) -> None:
    """A step only the tasked unit answers for needs a unit on the task."""
    from marchwarden.core.access.policy import TaskRelation

    if relation is TaskRelation.UNIT and unit is None:
        raise Conflict.said(
            "task.task_no_unit_answer", "task {id} has no unit to answer for it", id=task.id
        )


@dataclass(frozen=True, slots=True)
class TaskMove:
    """One step of a task, decided: the task's new columns, the status its unit takes
    (None: the unit's status stays), and the event."""

    status: TaskStatus
    unit_id: int | None
    assigned_at: Any
    ended: bool
    unit_status: UnitStatus | None
    unit_note: str
    event: ev.TaskStatusChanged


def decide_move(
    task: Task,
    incident: Incident,
    unit: UnitRef | None,
    to: TaskStatus,
    *,
    note: str,
    release_to: UnitStatus = UnitStatus.AVAILABLE,
) -> TaskMove:
    """One step of a task's lifecycle, and its unit's status with it. Declining (assigned
    → open) takes the unit off the task."""
    # the one unit/task rule (coupling.py): checks the step, says what the unit becomes
    coupled = couple(
        unit.status if unit is not None else None, task.status, task_to=to, release_to=release_to
    )
    declined = task.status is TaskStatus.ASSIGNED and to is TaskStatus.OPEN
    who = f" by {unit.name}" if unit is not None and to is not TaskStatus.CANCELLED else ""
    event = ev.TaskStatusChanged(
        **task_event_base(incident, task.id, unit),
        status=to.value,
        previous=task.status.value,
        note=note,
        text=f"Task {task.id} {_VERBS.get(to, to.value)}{who}" + (f": {note}" if note else ""),
        unit_name=unit.name if unit is not None and who else "",
    )
    return TaskMove(
        status=to,
        unit_id=None if declined else task.unit_id,
        assigned_at=None if declined else task.assigned_at,
        ended=to.is_terminal,
        unit_status=coupled.unit_status,
        unit_note=f"task {task.id}: {to.value}" + (f": {note}" if note else ""),
        event=event,
    )


# --------------------------------------------------------------------------- unit status


@dataclass(frozen=True, slots=True)
class UnitStatusSet:
    """A unit's status set by hand, decided with the task holding the unit: the unit's
    event (its ``unit.status`` record names the task's steps), the steps the task takes
    (empty: none), and an event per step (a timeline entry each, no record of their own)."""

    unit_event: UnitStatusChanged
    task_steps: tuple[TaskStatus, ...]
    task_events: tuple[ev.TaskStatusChanged, ...]


def decide_unit_status_set(
    unit: Unit,
    new: UnitStatus,
    note: str,
    *,
    task: Task | None,
    incident: Incident | None,
    ref: UnitRef | None,
) -> UnitStatusSet:
    """``unit`` set to ``new`` by hand while ``task`` (None: none) holds it. The unit
    moving en route / on scene takes its task along, releasing it on scene completes the
    task, and a change that would leave the task without its unit is refused
    (``UnitHeldByTask``) — ``coupling.py``. ``incident`` and ``ref`` (the unit as tasking
    sees it): the task's, needed when it has one."""
    coupled = couple(
        unit.status, task.status if task else None, unit_to=new, task_id=task.id if task else None
    )
    changed = decide_unit_status(unit, new, note, own_command=True)
    if task is None or not coupled.task_steps:
        return UnitStatusSet(changed, (), ())
    if incident is None:
        raise Invalid.said("task.task_needs_incident", "task {id} needs its incident", id=task.id)
    events = []
    previous = task.status
    for step in coupled.task_steps:
        text = f"Task {task.id} {_VERBS[step]} by {unit.name} (unit status {new.value})"
        events.append(
            ev.TaskStatusChanged(
                **task_event_base(incident, task.id, ref),
                status=step.value,
                previous=previous.value,
                note=note,
                text=text + (f": {note}" if note else ""),
                unit_name=unit.name,
                unit_status=new.value,
                by_unit_status=True,
            )
        )
        previous = step
    steps = tuple(s.value for s in coupled.task_steps)
    changed = replace(changed, task_id=task.id, task_steps=steps)
    return UnitStatusSet(changed, coupled.task_steps, tuple(events))
