"""The TAK gateway's commands and reads: a GeoChat from the HQ to a unit's devices, the
picture as it stands when a gateway starts, and who a connecting device is. The I/O
that drives the devices' connections from the stream is ``entrypoints/tak/bridge.py``;
the protocol server is ``adapters/tak/server.py``; the rules are in ``core/tak/``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.access.model import ScopeKind
from marchwarden.core.alerts.areas import AreaKind, AreaSpec
from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import DomainError, NotFound
from marchwarden.core.tak import chat, picture, shapes
from marchwarden.core.tak.access import Identity
from marchwarden.services import tak_certs

if TYPE_CHECKING:
    from typing import Any

    from marchwarden.core.access.model import Principal
    from marchwarden.core.alerts.model import Alert
    from marchwarden.core.civil.evacuation import EvacuationOrder
    from marchwarden.core.forces.model import Unit
    from marchwarden.core.incidents.records import Incident, Task
    from marchwarden.services.context import Services

#: the uid the headquarters has on the TAK network
HQ_UID = "marchwarden-hq"


@dataclass(frozen=True, slots=True)
class PictureState:
    """What a gateway shows devices from the start: the agencies' kinds, every unit,
    the open incidents and their unfinished tasks, the current alerts and the evacuation
    orders not lifted."""

    agency_kinds: dict[int, str]
    units: list[Unit]
    incidents: list[Incident]
    tasks: list[Task]
    alerts: list[shapes.AlertInfo]
    orders: list[shapes.OrderInfo]


def current_picture(svc: Services) -> PictureState:
    with svc.db.unit_of_work(write=False) as uow:
        kinds = {a.id: a.kind for a in uow.forces.agencies()}
        units = uow.forces.units()
        incidents = [i for i in uow.incidents.find(limit=None) if i.state.is_open]
        tasks = uow.tasks.find(
            incident_ids=[i.id for i in incidents],
            statuses=[s for s in TaskStatus if s.value not in picture.GONE_TASK_STATUSES],
        )
        now = svc.clock.now()
        alerts = [
            alert_info(a, g)
            for a, g in uow.alerts.find(live_only=True, now=now, limit=1000)
            if not a.external
        ]
        orders = [order_info(o, g) for o, g in uow.evacuations.all()]
    orders = [o for o in orders if not shapes.order_gone(o)]
    return PictureState(kinds, units, incidents, tasks, alerts, orders)


def _circle(spec: AreaSpec) -> shapes.Circle | None:
    if spec.kind is AreaKind.CIRCLE and spec.center is not None and spec.radius_km:
        return shapes.Circle(spec.center[0], spec.center[1], spec.radius_km)
    return None


def alert_info(alert: Alert, geometry: dict[str, Any]) -> shapes.AlertInfo:
    content = alert.content
    texts = {t.language: t.headline for t in content.texts}
    headline = texts.get("en") or next(iter(texts.values()), "")
    return shapes.AlertInfo(
        alert.id,
        content.event,
        headline,
        content.severity.value,
        content.instruction.value,
        content.scope.value,
        alert.area.regions,
        content.expires,
        alert.live,
        geometry,
        _circle(content.area),
    )


def order_info(order: EvacuationOrder, geometry: dict[str, Any]) -> shapes.OrderInfo:
    return shapes.OrderInfo(
        order.id,
        order.kind.value,
        order.state.value,
        order.description,
        order.regions,
        order.to_move,
        order.moved,
        geometry,
        _circle(order.area),
    )


def alert_shape(svc: Services, alert_id: int) -> shapes.AlertInfo | None:
    """An alert as the TAK bridge draws it (None: no such alert)."""
    with svc.db.unit_of_work(write=False) as uow:
        alert = uow.alerts.get(alert_id)
        if alert is None:
            return None
        return alert_info(alert, uow.alerts.geometry(alert_id))


def order_shape(svc: Services, order_id: int) -> shapes.OrderInfo | None:
    """An evacuation order as the TAK bridge draws it (None: no such order)."""
    with svc.db.unit_of_work(write=False) as uow:
        found = [(o, g) for o, g in uow.evacuations.all() if o.id == order_id]
    return order_info(*found[0]) if found else None


def send_chat(svc: Services, actor: Principal, unit_id: int, text: str) -> None:
    """GeoChat from the HQ to the devices bound to a unit (every gateway delivers it)."""
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        unit = uow.forces.unit(unit_id, counted=False)
        if unit is None:
            raise NotFound.with_id("unit", unit_id)
        events = chat.send_to_unit(
            actor,
            unit_id=unit.id,
            region=unit.region,
            agency_id=unit.agency_id,
            path=unit.path,
            text=text,
        )
        uow.record(actor, events, at=now)
        uow.commit()


def anonymous_identity(svc: Services) -> Identity:
    """What a plain-TCP device is: anonymous, or the account ``tak_anonymous_user``
    names (for a closed network where every device may see what that account sees)."""
    name = svc.settings.tak_anonymous_user
    if not name:
        return Identity()
    with svc.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username(name)
    if user is None or user.disabled:
        raise DomainError(f"tak_anonymous_user {name!r} is not an active account")
    return identity_of(svc, user.principal(), None)


def identity_of(svc: Services, principal: Principal, serial: str | None) -> Identity:
    unit_id = principal.scope.unit_id if principal.scope.kind is ScopeKind.UNIT else None
    resource = None
    if unit_id is not None:
        with svc.db.unit_of_work(write=False) as uow:
            unit = uow.forces.unit(unit_id, counted=False)
        if unit is not None:
            resource = unit.resource()
    return Identity(principal, unit_id, resource, serial)


def identify(svc: Services, fingerprint: str) -> Identity | None:
    """The identity of a TLS client certificate (by its SHA-256 fingerprint): None
    unless it is ours, not revoked, and its account is active and may hold a TAK
    connection."""
    found = tak_certs.principal_of(svc, fingerprint)
    if found is None:
        return None
    principal, serial = found
    return identity_of(svc, principal, serial)
