"""The field page's commands: the inbox of the units the caller answers for, and the
actions a phone queues while offline (task steps, unit status, unit position), each sent
once with an idempotency key.

**Inbox.** A task is in the caller's inbox while it holds a unit (assigned, accepted, en
route, on scene) and the policy lets the caller ``task.respond`` for that unit
(``core/access/policy.py``); ordered by ``core/dispatch/inbox.py``.

**Idempotent actions.** ``POST /api/v1/field/actions`` carries an ``Idempotency-Key``.
The key is stored per user with the SHA-256 of the action, *in the transaction of the
action itself* (``field_ports.PendingKey``, written by the unit of work's ``commit``):
the step and its key commit together or not at all. The same key again with the same action replays
"applied" (with the task's current state) and changes nothing; with a different action
it is refused (409 ``idempotency-key-reused``). A refused action (e.g. the task was
cancelled meanwhile) stores nothing: the problem+json says why, and sending it again
asks again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.policy import Action, decide
from marchwarden.core.dispatch.coupling import allowed_unit_statuses
from marchwarden.core.dispatch.inbox import INBOX_STATUSES, inbox_order
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import Invalid
from marchwarden.services import tasks
from marchwarden.services.context import authorise
from marchwarden.services.field_ports import PENDING_KEY, IdempotencyKeyTaken, PendingKey
from marchwarden.services.forces import change_unit_status, report_position
from marchwarden.services.incidents import get_incident_row
from marchwarden.services.reports import KEY_RE, IdempotencyKeyInvalid, IdempotencyKeyReused

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.forces.status import UnitStatus
    from marchwarden.core.incidents.records import Task, UnitRef
    from marchwarden.services.context import Services

OPERATION = "field.action"


class FieldActionKind(StrEnum):
    TASK_ACCEPT = "task.accept"
    TASK_DECLINE = "task.decline"
    TASK_EN_ROUTE = "task.en_route"
    TASK_ON_SCENE = "task.on_scene"
    TASK_DONE = "task.done"
    UNIT_STATUS = "unit.status"
    UNIT_POSITION = "unit.position"

    @property
    def on_task(self) -> bool:
        return self.value.startswith("task.")


@dataclass(frozen=True, slots=True)
class FieldAction:
    kind: FieldActionKind
    task_id: int | None = None
    unit_id: int | None = None
    status: UnitStatus | None = None
    note: str = ""
    lon: float | None = None
    lat: float | None = None
    accuracy_m: float | None = None
    at: datetime | None = None

    def request_hash(self) -> str:
        body = {k: v for k, v in asdict(self).items() if v is not None}
        if self.at is not None:
            body["at"] = self.at.isoformat()
        text = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    kind: FieldActionKind
    task_id: int | None
    unit_id: int | None
    replayed: bool


@dataclass(frozen=True, slots=True)
class FieldUnit:
    unit: UnitRef
    active_task_id: int | None
    #: what the unit may be set to now, its task considered (core/dispatch/coupling.py)
    allowed_next: tuple[UnitStatus, ...]


def my_units(svc: Services, actor: Principal) -> list[FieldUnit]:
    """The units whose status the caller may set, each with the task holding it."""
    authorise(actor, Action.FIELD_INBOX)
    with svc.db.unit_of_work(write=False) as uow:
        units = [u for u in uow.tasks.units() if decide(actor, Action.UNIT_STATUS, u.resource())]
        ids = {u.id for u in units}
        active = {
            k.unit_id: k
            for k in uow.tasks.find(statuses=INBOX_STATUSES)
            if k.unit_id is not None and k.unit_id in ids
        }
    out = []
    for u in units:
        task = active.get(u.id)
        allowed = allowed_unit_statuses(u.status, task.status if task else None)
        out.append(FieldUnit(u, task.id if task else None, allowed))
    return out


@dataclass(frozen=True, slots=True)
class InboxTask:
    view: tasks.TaskView
    #: who gave the task to the unit (None: not recorded)
    tasked_by: str | None


def my_tasks(svc: Services, actor: Principal) -> list[InboxTask]:
    """The caller's inbox (module docstring), waiting first, then urgent, then newest."""
    authorise(actor, Action.FIELD_INBOX)
    with svc.db.unit_of_work(write=False) as uow:
        found = uow.tasks.find(statuses=INBOX_STATUSES)
        units = {u.id: u for u in uow.tasks.units(k.unit_id for k in found if k.unit_id)}
        mine: list[Task] = [
            k
            for k in found
            if k.unit_id in units
            and decide(actor, Action.TASK_RESPOND, units[k.unit_id].resource()).allowed
        ]
        incidents = {k.incident_id: get_incident_row(uow, k.incident_id) for k in mine}
        assigners = uow.field.assigners([k.id for k in mine])
    return [
        InboxTask(
            tasks.TaskView(k, incidents[k.incident_id], units[k.unit_id] if k.unit_id else None),
            assigners.get(k.id),
        )
        for k in inbox_order(mine)
    ]


def _runner(svc: Services, actor: Principal, a: FieldAction) -> Callable[[], object]:
    def need(value: int | None, what: str) -> int:
        if value is None:
            raise Invalid.said(
                "field.action_needs", "{kind} needs {what}", kind=a.kind.value, what=what
            )
        return value

    k = a.kind
    if k is FieldActionKind.TASK_ACCEPT:
        tid = need(a.task_id, "task_id")
        return lambda: tasks.respond(svc, actor, tid, accept=True, note=a.note)
    if k is FieldActionKind.TASK_DECLINE:
        tid = need(a.task_id, "task_id")
        return lambda: tasks.respond(svc, actor, tid, accept=False, note=a.note)
    if k.on_task:
        step = {
            FieldActionKind.TASK_EN_ROUTE: TaskStatus.EN_ROUTE,
            FieldActionKind.TASK_ON_SCENE: TaskStatus.ON_SCENE,
            FieldActionKind.TASK_DONE: TaskStatus.COMPLETED,
        }[k]
        tid = need(a.task_id, "task_id")
        return lambda: tasks.report_status(svc, actor, tid, step, note=a.note)
    uid = need(a.unit_id, "unit_id")
    if k is FieldActionKind.UNIT_STATUS:
        if a.status is None:
            raise Invalid.said("field.unit_status_needs_status", "unit.status needs status")
        new = a.status
        return lambda: change_unit_status(svc, actor, uid, new, a.note)
    if a.lon is None or a.lat is None:
        raise Invalid.said("field.unit_position_needs_lon", "unit.position needs lon and lat")
    lon, lat = a.lon, a.lat
    return lambda: report_position(
        svc,
        actor,
        uid,
        lon=lon,
        lat=lat,
        at=a.at,
        source="field",
        accuracy_m=a.accuracy_m,
    )


def perform(svc: Services, actor: Principal, action: FieldAction, key: str | None) -> FieldOutcome:
    """Carry out one field action once per idempotency key (module docstring)."""
    if key is None or not KEY_RE.match(key):
        raise IdempotencyKeyInvalid.said(
            "field.send_idempotency_key_header",
            "send an Idempotency-Key header: 1-255 visible ASCII characters, unique per action; a "
            "retry of one action uses the same key",
        )
    digest = action.request_hash()
    replay = _replay(svc, actor, key, digest)
    if replay is not None:
        return replay
    run = _runner(svc, actor, action)
    outcome = FieldOutcome(action.kind, action.task_id, action.unit_id, replayed=False)
    pending = PendingKey(
        user_id=actor.user_id,
        operation=OPERATION,
        key=key,
        request_hash=digest,
        response={"kind": action.kind.value, "task_id": action.task_id, "unit_id": action.unit_id},
        at=svc.clock.now(),
    )
    token = PENDING_KEY.set(pending)
    try:
        run()
    except IdempotencyKeyTaken:
        replay = _replay(svc, actor, key, digest)
        assert replay is not None
        return replay
    except Exception:
        # a retry racing the first request: the first committed the step and its key
        # meanwhile, so this one's step was refused by the state it left: replay it
        replay = _replay(svc, actor, key, digest)
        if replay is not None:
            return replay
        raise
    finally:
        PENDING_KEY.reset(token)
    return outcome


def _replay(svc: Services, actor: Principal, key: str, digest: str) -> FieldOutcome | None:
    with svc.db.unit_of_work(write=False) as uow:
        stored = uow.idempotency.get(actor.user_id, OPERATION, key)
    if stored is None:
        return None
    if stored.request_hash != digest:
        raise IdempotencyKeyReused.said(
            "field.idempotency_key_was_used",
            "the Idempotency-Key {key} was used on {created_at} for a different action; use a new "
            "key for a new action",
            key=repr(key),
            created_at=stored.created_at.isoformat(),
        )
    r: dict[str, Any] = stored.response
    return FieldOutcome(FieldActionKind(r["kind"]), r["task_id"], r["unit_id"], replayed=True)
