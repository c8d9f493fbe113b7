"""The forces registry: agencies, units (tree, status, positions), members."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC
from typing import TYPE_CHECKING, Any

from marchwarden.core.access.policy import Action, decide, may_see_personal
from marchwarden.core.dispatch.decisions import decide_unit_status_set
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import Conflict, Invalid, NotFound
from marchwarden.core.forces import model as fm
from marchwarden.core.forces.decisions import (
    check_accuracy,
    check_new_records,
    check_parent,
    check_position_time,
    check_unit_changes,
    decide_unit_status,
    decide_unit_update,
    member_registered,
    position_reported,
    records_added,
    unit_created,
)
from marchwarden.core.forces.events import (
    AgencyCreated,
    UnitStatusChanged,
)
from marchwarden.services.context import authorise, authorise_role
from marchwarden.services.incidents import get_incident_row

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.forces.status import UnitStatus
    from marchwarden.services.context import Services
    from marchwarden.services.ports import Position, StatusChange, UnitOfWork


# --------------------------------------------------------------------------- agencies


def create_agency(
    svc: Services, actor: Principal | None, *, code: str, name: str, kind: str, region: str | None
) -> fm.Agency:
    if actor is not None:
        authorise(actor, Action.AGENCY_WRITE)
    fm.check_agency_kind(kind)
    if not code.strip() or not name.strip():
        raise Invalid.said("forces.agency_needs_code_name", "an agency needs a code and a name")
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if uow.forces.agency_by_code(code) is not None:
            raise Conflict.said(
                "forces.agency_code_already_exists",
                "an agency with code {code} already exists",
                code=repr(code),
            )
        agency_id = uow.forces.add_agency(code=code, name=name, kind=kind, region=region, at=now)
        event = AgencyCreated(agency_id=agency_id, code=code, name=name, kind=kind, region=region)
        uow.record(actor, [event], at=now)
        agency = uow.forces.agency(agency_id)
        uow.commit()
    assert agency is not None
    return agency


def list_agencies(svc: Services, actor: Principal) -> list[fm.Agency]:
    authorise(actor, Action.AGENCY_READ)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.agencies()


# --------------------------------------------------------------------------- units


def _unit_or_404(
    uow: UnitOfWork, unit_id: int, *, for_update: bool = False, counted: bool = False
) -> fm.Unit:
    unit = uow.forces.unit(unit_id, for_update=for_update, counted=counted)
    if unit is None:
        raise NotFound.with_id("unit", unit_id)
    return unit


def create_unit(svc: Services, actor: Principal | None, new: fm.NewUnit) -> fm.Unit:
    fm.check_readiness(new.readiness)
    fm.check_point(new.home_lon, new.home_lat, "home base")
    if not new.code.strip() or not new.name.strip() or not new.category.strip():
        raise Invalid.said(
            "forces.unit_needs_code_name", "a unit needs a code, a name and a category"
        )
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        agency = uow.forces.agency(new.agency_id)
        if agency is None:
            raise Invalid.said(
                "forces.no_agency_id", "no agency with id {agency_id}", agency_id=new.agency_id
            )
        parent_path = None
        if new.parent_id is not None:
            parent = _unit_or_404(uow, new.parent_id)
            check_parent(parent, new.agency_id)
            parent_path = parent.path
        if actor is not None:
            # the new unit must lie inside the caller's scope: its region, agency, subtree
            resource = fm.unit_resource(new.region, new.agency_id, f"{parent_path or '/'}new/")
            authorise(actor, Action.UNIT_WRITE, resource)
        if uow.forces.unit_by_code(new.code) is not None:
            raise Conflict.said(
                "forces.unit_code_already_exists",
                "a unit with code {code} already exists",
                code=repr(new.code),
            )
        unit_id, path = uow.forces.add_unit(new, parent_path=parent_path, at=now)
        uow.forces.set_status(unit_id, new.status, None, by=_by(actor), note="created", at=now)
        uow.record(actor, [unit_created(unit_id, path, new)], at=now)
        unit = _unit_or_404(uow, unit_id, counted=True)
        uow.commit()
    return unit


def _by(actor: Principal | None) -> str:
    return actor.username if actor else "system"


def get_unit(svc: Services, actor: Principal, unit_id: int) -> fm.Unit:
    with svc.db.unit_of_work(write=False) as uow:
        unit = _unit_or_404(uow, unit_id, counted=True)
    authorise(actor, Action.UNIT_READ, unit.resource())
    return unit


def list_units(
    svc: Services, actor: Principal, *, region: str | None = None, agency_id: int | None = None
) -> list[fm.Unit]:
    authorise_role(actor, Action.UNIT_READ)
    with svc.db.unit_of_work(write=False) as uow:
        units = uow.forces.units(region=region, agency_id=agency_id)
    return [u for u in units if decide(actor, Action.UNIT_READ, u.resource()).allowed]


def update_unit(svc: Services, actor: Principal, unit_id: int, changes: dict[str, Any]) -> fm.Unit:
    check_unit_changes(changes)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = _unit_or_404(uow, unit_id, counted=True)
        authorise(actor, Action.UNIT_WRITE, unit.resource())
        values, event = decide_unit_update(unit, changes)
        if event is None:
            return unit
        uow.forces.update_unit(unit_id, values, now)
        uow.record(actor, [event], at=now)
        result = _unit_or_404(uow, unit_id, counted=True)
        uow.commit()
    return result


def apply_unit_status(
    uow: UnitOfWork,
    unit_id: int,
    new: UnitStatus,
    *,
    by: Principal | None,
    note: str,
    at: datetime,
    own_command: bool = False,
) -> UnitStatusChanged:
    """Change a unit's status inside the caller's unit of work (e.g. a task assignment):
    the transition checked by the core, the history written. Returns the event, for the
    caller's ``uow.record`` (``own_command``: the change is the command itself)."""
    unit = _unit_or_404(uow, unit_id, for_update=True)
    event = decide_unit_status(unit, new, note, own_command=own_command)
    uow.forces.set_status(unit_id, new, unit.status, by=_by(by), note=note, at=at)
    return event


def change_unit_status(
    svc: Services, actor: Principal | None, unit_id: int, status: UnitStatus, note: str = ""
) -> fm.Unit:
    """A unit's status set by hand (Units board, field page), the task holding the unit
    following it by the one rule (``core/dispatch/coupling.py``): one transaction, one
    ``unit.status`` record naming the task's steps, a timeline entry per step."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = _unit_or_404(uow, unit_id, for_update=True)
        if actor is not None:
            authorise(actor, Action.UNIT_STATUS, unit.resource())
        held = uow.tasks.find(unit_id=unit_id, statuses=_HOLDING)
        task = held[0] if held else None
        incident = get_incident_row(uow, task.incident_id) if task else None
        ref = uow.tasks.unit(unit_id) if task else None
        move = decide_unit_status_set(unit, status, note, task=task, incident=incident, ref=ref)
        uow.forces.set_status(unit_id, status, unit.status, by=_by(actor), note=note, at=now)
        for step in move.task_steps:
            assert task is not None
            uow.tasks.set_status(
                task.id,
                step,
                at=now,
                unit_id=unit_id,
                assigned_at=task.assigned_at,
                ended_at=now if step.is_terminal else None,
            )
        uow.record(actor, [move.unit_event, *move.task_events], at=now)
        result = _unit_or_404(uow, unit_id, counted=True)
        uow.commit()
    return result


#: the task statuses in which a task holds its unit
_HOLDING = frozenset(s for s in TaskStatus if s.holds_unit)


@dataclass(frozen=True, slots=True)
class NewPosition:
    """A position a device reports: where, when (None: now), from what, how accurate."""

    lon: float
    lat: float
    at: datetime | None = None
    source: str = "avl"
    #: the device's stated accuracy in metres, when it gave one
    accuracy_m: float | None = None


def report_position(
    svc: Services,
    actor: Principal | None,
    unit_id: int,
    *,
    lon: float,
    lat: float,
    at: datetime | None = None,
    source: str = "avl",
    accuracy_m: float | None = None,
) -> fm.Unit:
    """Automatic vehicle location: a position of a unit at a time (default: now), with the
    device's stated accuracy (metres) when it gave one. Its own transaction (the field
    page's actions store their idempotency key in it)."""
    store = _position_job(svc, actor, unit_id, NewPosition(lon, lat, at, source, accuracy_m))
    with svc.db.unit_of_work() as uow:
        result = store(uow)
        uow.commit()
    return result


async def report_position_async(
    svc: Services, actor: Principal | None, unit_id: int, position: NewPosition
) -> fm.Unit:
    """``report_position`` for the event loop, through the group commit: the positions
    waiting at that moment are committed in one transaction (one fsync for a burst of
    devices instead of one each); the reply still comes only after the commit."""
    job = _position_job(svc, actor, unit_id, position)
    return await svc.db.group_commit.submit_async(job, position_of=unit_id)


def _position_job(
    svc: Services, actor: Principal | None, unit_id: int, p: NewPosition
) -> Callable[[UnitOfWork], fm.Unit]:
    """Check the position here (place, time, accuracy), in the caller's thread; return
    the part that stores it in a write unit of work: the history row (bounded, see
    ``ForcesRepository.add_position``), the unit's latest if newer, the audit record and
    the event."""
    fm.check_point(p.lon, p.lat)
    check_accuracy(p.accuracy_m)
    now = svc.clock.now()
    when = check_position_time(p.at or now, now)

    def store(uow: UnitOfWork) -> fm.Unit:
        unit = _unit_or_404(uow, unit_id, counted=True)
        if actor is not None:
            authorise(actor, Action.UNIT_POSITION, unit.resource())
        latest = uow.forces.add_position(
            unit_id, p.lon, p.lat, at=when, source=p.source, accuracy_m=p.accuracy_m
        )
        event = position_reported(
            unit, p.lon, p.lat, at=when, source=p.source, latest=latest, accuracy_m=p.accuracy_m
        )
        uow.record(actor, [event], at=now)
        if not latest:
            return unit
        # the unit as stored now, without reading it again: only its latest position moved
        return replace(
            unit, position_lon=p.lon, position_lat=p.lat, position_at=when.astimezone(UTC)
        )

    return store


def status_history(
    svc: Services, actor: Principal, unit_id: int, limit: int = 100
) -> list[StatusChange]:
    unit = get_unit(svc, actor, unit_id)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.status_history(unit.id, limit)


def positions(svc: Services, actor: Principal, unit_id: int, limit: int = 100) -> list[Position]:
    unit = get_unit(svc, actor, unit_id)
    with svc.db.unit_of_work(write=False) as uow:
        return uow.forces.positions(unit.id, limit)


# --------------------------------------------------------------------------- members


@dataclass(frozen=True, slots=True)
class MemberView:
    """A member as one caller may see it: personal data only with need to know."""

    member: fm.Member
    unit: fm.Unit
    personal_visible: bool

    @property
    def personal(self) -> fm.PersonalData | None:
        return self.member.personal if self.personal_visible else None


def _view(actor: Principal, member: fm.Member, unit: fm.Unit) -> MemberView:
    resource = fm.unit_resource(unit.region, unit.agency_id, unit.path, kind="member")
    return MemberView(member, unit, may_see_personal(actor, resource))


def list_members(
    svc: Services,
    actor: Principal,
    unit_id: int,
    *,
    subunits: bool = True,
    after_id: int = 0,
    limit: int = 100,
) -> list[MemberView]:
    with svc.db.unit_of_work(write=False) as uow:
        unit = _unit_or_404(uow, unit_id)
        authorise(actor, Action.MEMBER_READ, unit.resource())
        members = (
            uow.forces.members(under_path=unit.path, after_id=after_id, limit=limit)
            if subunits
            else uow.forces.members(unit_id=unit.id, after_id=after_id, limit=limit)
        )
        units = {u.id: u for u in uow.forces.units(agency_id=unit.agency_id)}
    return [_view(actor, m, units[m.unit_id]) for m in members]


def get_member(svc: Services, actor: Principal, member_id: int) -> MemberView:
    with svc.db.unit_of_work(write=False) as uow:
        member = uow.forces.member(member_id)
        if member is None:
            raise NotFound.with_id("member", member_id)
        unit = _unit_or_404(uow, member.unit_id)
    authorise(actor, Action.MEMBER_READ, unit.resource())
    return _view(actor, member, unit)


def register_member(svc: Services, actor: Principal | None, record: fm.MemberRecord) -> MemberView:
    record = record.normalised()
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = uow.forces.unit_by_code(record.unit_code)
        if unit is None:
            raise Invalid.said(
                "forces.no_unit_code",
                "no unit with code {unit_code}",
                unit_code=repr(record.unit_code),
            )
        if actor is not None:
            authorise(actor, Action.MEMBER_WRITE, unit.resource())
        if uow.forces.existing_by_external_id([record.external_id]):
            raise Conflict.said(
                "forces.member_external_id_already",
                "a member with external id {external_id} already exists",
                external_id=repr(record.external_id),
            )
        ids = uow.forces.insert_members([(record, unit.id)], now)
        member_id = ids[record.external_id]
        uow.record(actor, [member_registered(unit, member_id, record)], at=now)
        member = uow.forces.member(member_id)
        uow.commit()
    assert member is not None
    return MemberView(member, unit, True) if actor is None else _view(actor, member, unit)


def add_member_records(
    svc: Services,
    actor: Principal,
    member_id: int,
    *,
    trainings: tuple[fm.Training, ...] = (),
    qualifications: tuple[fm.Qualification, ...] = (),
    fitness: tuple[fm.Fitness, ...] = (),
) -> MemberView:
    """Add training, qualification or fitness records to a member."""
    check_new_records(qualifications, fitness)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        member = uow.forces.member(member_id)
        if member is None:
            raise NotFound.with_id("member", member_id)
        unit = _unit_or_404(uow, member.unit_id)
        authorise(actor, Action.MEMBER_WRITE, unit.resource())
        record = fm.MemberRecord(
            member.external_id,
            unit.code,
            member.callsign,
            member.personal,
            trainings,
            qualifications,
            fitness,
        )
        uow.forces.insert_records([(member_id, record)])
        event = records_added(unit, member_id, member.callsign, record)
        uow.record(actor, [event], at=now)
        updated = uow.forces.member(member_id)
        uow.commit()
    assert updated is not None
    return _view(actor, updated, unit)
