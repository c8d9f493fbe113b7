"""Evacuation orders: per settlement or area, linked to an incident and its alert;
recommended or mandatory; ordered → in progress → complete, or lifted (from ordered or
in progress); people to move, moved, remaining; assembly points."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from marchwarden.core.access.model import Resource
from marchwarden.core.access.policy import Action
from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.events import AuditFacts, DomainEvent, TimelineFacts

if TYPE_CHECKING:
    from marchwarden.core.alerts.areas import AreaSpec


class OrderKind(StrEnum):
    RECOMMENDED = "recommended"
    MANDATORY = "mandatory"


class OrderState(StrEnum):
    ORDERED = "ordered"
    IN_PROGRESS = "in_progress"
    COMPLETE = "complete"
    LIFTED = "lifted"


_STEPS: dict[OrderState, frozenset[OrderState]] = {
    OrderState.ORDERED: frozenset({OrderState.IN_PROGRESS, OrderState.LIFTED}),
    OrderState.IN_PROGRESS: frozenset({OrderState.COMPLETE, OrderState.LIFTED}),
    OrderState.COMPLETE: frozenset({OrderState.LIFTED}),
    OrderState.LIFTED: frozenset(),
}


class IllegalEvacuationStep(Conflict):
    code = "illegal-evacuation-step"
    title = "The evacuation order is not in a state that allows this"


class InvalidEvacuation(Invalid):
    code = "invalid-evacuation-order"


@dataclass(frozen=True, slots=True)
class AssemblyPoint:
    name: str
    lon: float
    lat: float


@dataclass(frozen=True, slots=True)
class EvacuationOrder:
    id: int
    incident_id: int | None
    alert_id: int | None
    kind: OrderKind
    state: OrderState
    area: AreaSpec
    description: str
    regions: frozenset[str]
    settlement_ids: tuple[int, ...]
    to_move: int
    moved: int
    assembly_points: tuple[AssemblyPoint, ...]
    created_by: str

    @property
    def remaining(self) -> int:
        return max(self.to_move - self.moved, 0)

    def resource(self) -> Resource:
        only = next(iter(self.regions)) if len(self.regions) == 1 else None
        return Resource("evacuation", region=only)


@dataclasses.dataclass(frozen=True, kw_only=True)
class _OrderEvent(DomainEvent):
    read_action = Action.INCIDENT_READ
    order_id: int
    incident_id: int | None
    regions: tuple[str, ...]
    kind: str
    state: str
    to_move: int
    moved: int

    def resource(self) -> Resource:
        only = self.regions[0] if len(self.regions) == 1 else None
        return Resource("evacuation", region=only)

    def _note(self, text: str, step: str, **facts: object) -> TimelineFacts | None:
        """The incident's timeline entry: the English line, and what it says (``step``:
        ordered, progressed; the order's kind, state and counts) for a reader in another
        language."""
        if self.incident_id is None:
            return None
        data = {
            "evacuation_order": self.order_id,
            "step": step,
            "order_kind": self.kind,
            "state": self.state,
            "to_move": self.to_move,
            "moved": self.moved,
        } | facts
        return TimelineFacts(self.incident_id, "alert", text, data=data)


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvacuationOrdered(_OrderEvent):
    area: str
    alert_id: int | None

    def audit(self) -> AuditFacts:
        return AuditFacts(
            "evacuation.order",
            "evacuation_order",
            self.order_id,
            {
                "kind": self.kind,
                "area": self.area,
                "to_move": self.to_move,
                "alert_id": self.alert_id,
                "regions": list(self.regions),
            },
        )

    def timeline(self) -> TimelineFacts | None:
        return self._note(
            f"Evacuation ({self.kind}) ordered for {self.area}: {self.to_move:,} people to move",
            "evacuation_ordered",
            area=self.area,
        )


@dataclasses.dataclass(frozen=True, kw_only=True)
class EvacuationProgressed(_OrderEvent):
    previous: str

    def audit(self) -> AuditFacts:
        return AuditFacts(
            "evacuation.progress",
            "evacuation_order",
            self.order_id,
            {"state": [self.previous, self.state], "moved": self.moved},
        )

    def timeline(self) -> TimelineFacts | None:
        if self.state == self.previous:
            return None
        return self._note(
            f"Evacuation order #{self.order_id}: {self.state.replace('_', ' ')} "
            f"({self.moved:,} of {self.to_move:,} moved)",
            "evacuation_progressed",
            previous=self.previous,
        )


def check_new(to_move: int, points: tuple[AssemblyPoint, ...]) -> None:
    if to_move < 0:
        raise InvalidEvacuation.said("evacuation.to_move_negative", "to_move must be >= 0")
    for p in points:
        if not (-180 <= p.lon <= 180 and -90 <= p.lat <= 90) or not p.name.strip():
            raise InvalidEvacuation.said(
                "evacuation.assembly_point_needs_name",
                "assembly point '{name}' needs a name and a position",
                name=p.name,
            )


def ordered(order: EvacuationOrder) -> list[DomainEvent]:
    return [
        EvacuationOrdered(
            order_id=order.id,
            incident_id=order.incident_id,
            regions=tuple(sorted(order.regions)),
            kind=order.kind.value,
            state=order.state.value,
            to_move=order.to_move,
            moved=order.moved,
            area=order.description,
            alert_id=order.alert_id,
        )
    ]


def progress(
    order: EvacuationOrder, *, state: OrderState | None, moved: int | None
) -> tuple[EvacuationOrder, list[DomainEvent]]:
    """A step (``state``) and/or the count of people moved so far (absolute)."""
    target = state or order.state
    if target is not order.state and target not in _STEPS[order.state]:
        allowed = ", ".join(sorted(s.value for s in _STEPS[order.state])) or "none"
        raise IllegalEvacuationStep.said(
            "evacuation.illegal_step",
            "cannot go from {state} to {target}; allowed: {allowed}",
            state=order.state.value,
            target=target.value,
            allowed=allowed,
        )
    if order.state is OrderState.LIFTED:
        raise IllegalEvacuationStep.said("evacuation.order_lifted", "the order is lifted")
    count = order.moved if moved is None else moved
    if not 0 <= count <= order.to_move:
        raise InvalidEvacuation.said(
            "evacuation.moved_between_people_move",
            "moved must be between 0 and {to_move} (people to move)",
            to_move=order.to_move,
        )
    if moved is not None and target is OrderState.ORDERED and count > 0:
        target = OrderState.IN_PROGRESS
    after = dataclasses.replace(order, state=target, moved=count)
    event = EvacuationProgressed(
        order_id=order.id,
        incident_id=order.incident_id,
        regions=tuple(sorted(order.regions)),
        kind=order.kind.value,
        state=target.value,
        to_move=order.to_move,
        moved=count,
        previous=order.state.value,
    )
    return after, [event]


@dataclass(frozen=True, slots=True)
class Displacement:
    """People displaced in a scope: by the evacuation orders in force (not lifted) that
    touch it, and in its shelters."""

    scope: str
    orders: int
    to_move: int
    moved: int
    remaining: int
    sheltered: int
    shelter_capacity: int


def displacement(
    scope: str,
    orders: list[EvacuationOrder],
    shelters: list[tuple[str | None, int, int]],
) -> Displacement:
    """``orders`` already chosen for the scope; ``shelters``: (region, occupancy,
    capacity) of the scope's shelters."""
    live = [o for o in orders if o.state is not OrderState.LIFTED]
    return Displacement(
        scope=scope,
        orders=len(live),
        to_move=sum(o.to_move for o in live),
        moved=sum(o.moved for o in live),
        remaining=sum(o.remaining for o in live),
        sheltered=sum(occ for _, occ, _ in shelters),
        shelter_capacity=sum(cap for _, _, cap in shelters),
    )


#: the power an evacuation-assistance task needs (the law grants it, e.g. PO-2014 c.6)
EVACUATION_POWER = "evacuation_assist"


@dataclass(frozen=True, slots=True)
class TaskRequest:
    title: str
    description: str
    required_powers: frozenset[str]
    position: tuple[float, float] | None


def task_request(order: EvacuationOrder) -> TaskRequest:
    """What an evacuation-assistance task for ``order`` asks for (title, description,
    power, place); only for an order of an incident that is still being carried out."""
    if order.incident_id is None:
        raise InvalidEvacuation.said(
            "evacuation.order_names_no_incident",
            "the order names no incident; tasks belong to an incident",
        )
    if order.state in (OrderState.COMPLETE, OrderState.LIFTED):
        raise IllegalEvacuationStep.said(
            "evacuation.order_needs_no_more",
            "the order is {state}; it needs no more help",
            state=order.state.value,
        )
    points = "; ".join(p.name for p in order.assembly_points) or "none named"
    first = order.assembly_points[0] if order.assembly_points else None
    return TaskRequest(
        title=f"Evacuation assistance: {order.description}"[:200],
        description=(
            f"Evacuation order #{order.id} ({order.kind.value}): {order.remaining:,} of "
            f"{order.to_move:,} people still to move; assembly points: {points}"
        ),
        required_powers=frozenset({EVACUATION_POWER}),
        position=(first.lon, first.lat) if first else None,
    )
