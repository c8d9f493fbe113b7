"""Evacuation orders: order (per settlement or area, from an incident and its alert),
progress (in progress, people moved, complete) and lift."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marchwarden import geodata
from marchwarden.core.access.policy import Action, decide_in_regions, denied
from marchwarden.core.alerts.areas import resolve_area
from marchwarden.core.civil import evacuation as ev
from marchwarden.core.errors import NotFound
from marchwarden.services import tasks
from marchwarden.services.alerts import area_context

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.core.alerts.areas import AreaSpec
    from marchwarden.core.dispatch.tasking import TaskPriority
    from marchwarden.services.context import Services
    from marchwarden.services.tasks import TaskView


def _may(actor: Principal, action: Action, regions: frozenset[str]) -> None:
    decision = decide_in_regions(actor, action, "evacuation", regions)
    if not decision.allowed:
        raise denied(decision)


def order(
    svc: Services,
    actor: Principal,
    *,
    area: AreaSpec,
    kind: ev.OrderKind,
    incident_id: int | None,
    alert_id: int | None,
    to_move: int | None,
    assembly_points: tuple[ev.AssemblyPoint, ...],
) -> ev.EvacuationOrder:
    resolved = resolve_area(area, area_context(svc))
    _may(actor, Action.EVACUATION_ORDER, resolved.regions)
    people = resolved.population if to_move is None else to_move
    ev.check_new(people, assembly_points)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        if incident_id is not None and uow.incidents.get(incident_id) is None:
            raise NotFound.with_id("incident", incident_id)
        if alert_id is not None and uow.alerts.get(alert_id) is None:
            raise NotFound.with_id("alert", alert_id)
        new = ev.EvacuationOrder(
            0,
            incident_id,
            alert_id,
            kind,
            ev.OrderState.ORDERED,
            area,
            resolved.description,
            resolved.regions,
            tuple(s.id for s in resolved.settlements),
            people,
            0,
            assembly_points,
            actor.username,
        )
        order_id = uow.evacuations.add(new, resolved.geojson(), now)
        created = uow.evacuations.get(order_id)
        assert created is not None
        uow.record(actor, ev.ordered(created), at=now)
        uow.commit()
    return created


def progress(
    svc: Services,
    actor: Principal,
    order_id: int,
    *,
    state: ev.OrderState | None,
    moved: int | None,
) -> ev.EvacuationOrder:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        current = uow.evacuations.get(order_id, for_update=True)
        if current is None:
            raise NotFound.with_id("evacuation order", order_id)
        _may(actor, Action.EVACUATION_ORDER, current.regions)
        after, events = ev.progress(current, state=state, moved=moved)
        uow.evacuations.save(after, now)
        uow.record(actor, events, at=now)
        uow.commit()
    return after


def list_orders(svc: Services, actor: Principal) -> list[tuple[ev.EvacuationOrder, dict[str, Any]]]:
    with svc.db.unit_of_work(write=False) as uow:
        rows = uow.evacuations.all()
    return [
        (o, g)
        for o, g in rows
        if decide_in_regions(actor, Action.INCIDENT_READ, "evacuation", o.regions).allowed
    ]


def displacement(
    svc: Services, actor: Principal, *, incident_id: int | None = None
) -> list[ev.Displacement]:
    """Displacement roll-ups: the incident (if given), each border region, and all border
    regions together — the figures the situation reports carry beside casualties."""
    borders = sorted(geodata.border_region_codes())
    orders = [o for o, _ in list_orders(svc, actor)]
    with svc.db.unit_of_work(write=False) as uow:
        shelters = [(s.region, s.occupancy, s.capacity) for s in uow.shelters.all()]
    out = []
    if incident_id is not None:
        mine = [o for o in orders if o.incident_id == incident_id]
        regions = {r for o in mine for r in o.regions}
        out.append(
            ev.displacement(
                f"incident {incident_id}", mine, [s for s in shelters if s[0] in regions]
            )
        )
    for code in borders:
        out.append(
            ev.displacement(
                code,
                [o for o in orders if code in o.regions],
                [s for s in shelters if s[0] == code],
            )
        )
    out.append(
        ev.displacement(
            "all border regions",
            [o for o in orders if o.regions & set(borders)],
            [s for s in shelters if s[0] in borders],
        )
    )
    return out


def task_for(svc: Services, actor: Principal, order_id: int, priority: TaskPriority) -> TaskView:
    """An evacuation-assistance task on the order's incident, through the ordinary
    tasking (the law decides who may take it: ``evacuation_assist``), placed at the
    first assembly point."""
    with svc.db.unit_of_work(write=False) as uow:
        order = uow.evacuations.get(order_id)
    if order is None:
        raise NotFound.with_id("evacuation order", order_id)
    # authorise before saying anything about the order (the access matrix found the
    # order's state told to callers who may not task in its regions)
    _may(actor, Action.TASK_CREATE, order.regions)
    wanted = ev.task_request(order)
    assert order.incident_id is not None  # task_request refuses an order without one
    spec = tasks.TaskSpec(
        title=wanted.title,
        description=wanted.description,
        required_powers=wanted.required_powers,
        position=wanted.position,
        priority=priority,
    )
    return tasks.create_task(svc, actor, order.incident_id, spec)
