"""The bridge between the TAK gateway (``adapters/tak/server.py``) and Marchwarden: the
I/O side of ``services/tak.py``, driving the devices' connections from the stream.

**Out.** The bridge is a listener of the stream hub (``services/stream.py``): every event
committed anywhere (this process, the CLI, another API process or gateway on the same
bus) reaches it in id order. Unit positions and status, incidents and tasks become CoT
(``core/tak/picture.py``) and go to each bound device whose account may see that event,
decided per event exactly as for the WebSocket stream (``stream.may_see``). The latest
item of each uid is kept (the *picture*) and sent to a device when it joins, so a phone
that connects sees the units and incidents at once. A task given to a unit also goes as
a GeoChat message from the HQ to the devices bound to that unit. Published alerts and
evacuation orders are drawn as shapes (``core/tak/shapes.py``): on ``AlertPublished``,
``AlertCancelled``, ``EvacuationOrdered`` and ``EvacuationProgressed`` the bridge reads
the alert or order (its area is not in the event) and sends its shapes to the devices
whose account may read it — an alert by its CAP scope (``policy.decide_alert_read``:
Public to every account with ``alert.read`` in its regions, Restricted and Private only
to those the policy allows), an order as the evacuation list (``incident.read`` in its
regions). A cancelled alert or a lifted order is sent stale and deleted; an alert's
shapes go stale on the device at its expiry by themselves.

**In.** A device bound to a unit (its account's scope is that unit) sends its SA: the
unit's AVL position is updated through ``forces.report_position`` (at most one write per
unit per ``tak_position_interval_seconds``; the newest position wins). A GeoChat to the
HQ (``tak_hq_callsign``) or a marker dropped by the user (hostile ``a-h-…``, spot
``b-m-p-s-…``, casualty ``b-r-f-h-c``) becomes a field report in the verification queue
through ``reports.submit_report_async``, idempotent by the CoT uid (a device resending
the same event makes no second report).

**Cut.** ``UserDisabled`` and ``TakCertificateRevoked`` events close the account's or the
certificate's connections at once in every gateway, and the next connection is refused
(``services/tak.py: identify`` checks the certificate and the account on every connect).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from marchwarden.adapters.tak.cotxml import parse_event
from marchwarden.adapters.tak.server import Kind, Out
from marchwarden.core.access.model import Principal, Resource
from marchwarden.core.access.policy import (
    Action,
    decide,
    decide_alert_read,
    decide_in_regions,
)
from marchwarden.core.errors import DomainError
from marchwarden.core.forces.model import unit_resource
from marchwarden.core.incidents.model import AdmiraltyRating, ReportSourceKind
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.core.tak import cot, picture, shapes
from marchwarden.core.tak.access import may_report, may_report_position
from marchwarden.services import forces, reports
from marchwarden.services import tak as tak_service
from marchwarden.services.stream import event_resource

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from marchwarden.adapters.tak.server import TakClient, TakServer
    from marchwarden.core.forces.model import Unit
    from marchwarden.core.incidents.records import Incident, Task
    from marchwarden.core.tak.access import Identity
    from marchwarden.services.context import Services
    from marchwarden.services.ports import StoredEvent
    from marchwarden.services.stream import StreamHub

log = logging.getLogger("marchwarden.tak.bridge")

HQ_UID = tak_service.HQ_UID
#: CoT types a user drops on the map that Marchwarden takes as a field report
REPORT_TYPE_PREFIXES = ("a-h-", "b-m-p-s-", "b-r-f-h-c")


@dataclass(slots=True)
class _Item:
    out: Out
    action: Action
    resource: Resource
    #: a decision of its own (alerts by their CAP scope) instead of action on resource
    rule: Callable[[Principal], bool] | None = None

    def visible_to(self, principal: Principal) -> bool:
        if self.rule is not None:
            return self.rule(principal)
        return decide(principal, self.action, self.resource).allowed


def alert_rule(alert: shapes.AlertInfo) -> Callable[[Principal], bool]:
    def rule(principal: Principal) -> bool:
        return decide_alert_read(principal, alert.scope, alert.regions, published=True).allowed

    return rule


def order_rule(order: shapes.OrderInfo) -> Callable[[Principal], bool]:
    def rule(principal: Principal) -> bool:
        return decide_in_regions(
            principal, Action.INCIDENT_READ, "evacuation", order.regions
        ).allowed

    return rule


@dataclass(slots=True)
class _Position:
    principal: Principal
    unit_id: int
    lon: float
    lat: float
    at: datetime


def report_type(cot_type: str) -> IncidentType:
    if cot_type.startswith("a-h-"):
        return IncidentType.CROSS_BORDER_INCURSION
    return IncidentType.OTHER_STRATEGIC_DEVELOPMENT


class TakBridge:
    def __init__(self, services: Services, server: TakServer, hub: StreamHub) -> None:
        self.svc = services
        self.server = server
        self.hub = hub
        s = services.settings
        self.hq_callsign = s.tak_hq_callsign
        self.position_interval = s.tak_position_interval_seconds
        self.rating = AdmiraltyRating.parse(s.tak_report_rating)
        self.units: dict[int, picture.UnitInfo] = {}
        self.agency_kinds: dict[int, str] = {}
        self.incidents: dict[int, picture.IncidentInfo] = {}
        self.tasks: dict[int, picture.TaskInfo] = {}
        self.picture: dict[str, _Item] = {}
        #: the shapes' uids of each alert or order (``mw.alert.3`` → its shapes)
        self.zones: dict[str, set[str]] = {}
        self._zone_lock = asyncio.Lock()
        self._positions: dict[int, _Position] = {}
        self._written: dict[int, float] = {}
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._worker: asyncio.Task[None] | None = None
        self.reports_made = 0
        self.positions_written = 0

    # -- life ------------------------------------------------------------------------
    async def start(self) -> None:
        await self.hub.run_io(self._load)
        self.hub.listeners.append(self.on_events)
        self._worker = asyncio.create_task(self._write_positions(), name="tak-avl")

    async def stop(self) -> None:
        with contextlib.suppress(ValueError):
            self.hub.listeners.remove(self.on_events)
        tasks = [t for t in (self._worker, *self._tasks) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def _load(self) -> None:
        """The picture as it stands: every unit with a position, every open incident and
        its unfinished tasks."""
        now = self.svc.clock.now()
        state = tak_service.current_picture(self.svc)
        self.agency_kinds = dict(state.agency_kinds)
        units, incidents, tasks = state.units, state.incidents, state.tasks
        for u in units:
            self.units[u.id] = picture.UnitInfo(
                u.id,
                u.code,
                u.name,
                u.agency_kind,
                u.category,
                u.status.value,
                u.position_lon,
                u.position_lat,
            )
            if u.position_lon is not None and u.status.value not in picture.GONE_UNIT_STATUSES:
                self._set_unit(u.id, u.resource(), now, publish=False)
        for i in incidents:
            lon, lat = i.place.reference
            self.incidents[i.id] = picture.IncidentInfo(
                i.id,
                i.name,
                i.incident_type.value,
                i.severity.value,
                i.state.value,
                lon,
                lat,
                i.radius_km,
            )
            self._put(
                picture.incident_uid(i.id),
                _Item(
                    Out(picture.incident_event(self.incidents[i.id], now), Kind.OTHER),
                    Action.INCIDENT_READ,
                    i.resource(),
                ),
                publish=False,
            )
        self._load_tasks(tasks, {i.id: i for i in incidents}, {u.id: u for u in units}, now)
        for alert in state.alerts:
            self._alert_zone(alert, now, publish=False)
        for order in state.orders:
            self._order_zone(order, now, publish=False)

    def _load_tasks(
        self,
        tasks: Sequence[Task],
        incidents: dict[int, Incident],
        units: dict[int, Unit],
        now: datetime,
    ) -> None:
        for k in tasks:
            incident = incidents[k.incident_id]
            unit = units.get(k.unit_id) if k.unit_id is not None else None
            agencies = set(incident.command_agencies)
            if unit is not None:
                agencies.add(unit.agency_id)
            resource = Resource(
                "task",
                region=incident.region,
                agencies=frozenset(agencies),
                unit_paths=frozenset({unit.path}) if unit is not None else frozenset(),
            )
            info = picture.TaskInfo(
                k.id,
                k.incident_id,
                k.title,
                k.priority.value,
                k.position[0],
                k.position[1],
                k.status.value,
                k.unit_id,
            )
            self.tasks[k.id] = info
            item = _Item(
                Out(picture.task_event(info, now), Kind.OTHER), Action.INCIDENT_READ, resource
            )
            self._put(picture.task_uid(k.id), item, publish=False)

    # -- out -------------------------------------------------------------------------
    def on_join(self, client: TakClient) -> None:
        ident = client.identity
        if ident is None or ident.principal is None:
            return
        principal = ident.principal
        client.send(Out(self._hq_sa(), Kind.POSITION))
        for item in self.picture.values():
            if item.visible_to(principal):
                client.send(item.out)

    def _hq_sa(self) -> bytes:
        now = datetime.now(UTC)
        s = self.svc.settings
        return cot.event_xml(
            uid=HQ_UID,
            type="a-f-G-U-C-H",
            now=now,
            stale=now + timedelta(hours=1),
            lat=s.tak_hq_lat,
            lon=s.tak_hq_lon,
            how="h-g-i-g-o",
            detail=cot.contact(self.hq_callsign) + cot.remarks("Marchwarden headquarters"),
        )

    def _put(self, uid: str, item: _Item, *, publish: bool = True) -> None:
        self.picture[uid] = item
        if publish:
            self.server.publish(item.out, item.visible_to)

    def _gone(self, uid: str, last: _Item) -> None:
        """Send the item stale, then a delete; forget it."""
        self.picture.pop(uid, None)
        self.server.publish(last.out, last.visible_to)
        delete = Out(cot.delete(uid, datetime.now(UTC)), Kind.OTHER)
        self.server.publish(delete, last.visible_to)

    def _set_unit(self, unit_id: int, resource: Resource, now: datetime, *, publish: bool) -> None:
        info = self.units[unit_id]
        if info.lon is None:
            return
        gone = info.status in picture.GONE_UNIT_STATUSES
        item = _Item(
            Out(picture.unit_event(info, now, gone=gone), Kind.POSITION), Action.UNIT_READ, resource
        )
        if gone:
            if info.uid in self.picture:
                self._gone(info.uid, item)
        else:
            self._put(info.uid, item, publish=publish)

    def on_events(self, batch: Sequence[StoredEvent]) -> None:
        """A stream-hub listener (runs in the event loop)."""
        now = datetime.now(UTC)
        for ev in batch:
            handler = self._handlers.get(ev.type)
            if handler is not None:
                try:
                    handler(self, ev, now)
                except Exception:
                    log.exception("tak bridge: could not map event %s (%s)", ev.id, ev.type)

    def _agency_created(self, ev: StoredEvent, now: datetime) -> None:
        self.agency_kinds[int(ev.payload["agency_id"])] = str(ev.payload["kind"])

    def _unit_created(self, ev: StoredEvent, now: datetime) -> None:
        p = ev.payload
        self.units[int(p["unit_id"])] = picture.UnitInfo(
            int(p["unit_id"]),
            str(p["code"]),
            str(p["name"]),
            self.agency_kinds.get(int(p["agency_id"]), "other"),
            str(p["category"]),
            str(p["status"]),
        )

    def _unit_changed(self, ev: StoredEvent, now: datetime) -> None:
        p = ev.payload
        unit_id = int(p["unit_id"])
        info = self.units.get(unit_id)
        if info is None:
            return
        if ev.type == "UnitPositionUpdated":
            info = _replace(info, lon=float(p["lon"]), lat=float(p["lat"]))
        elif ev.type == "UnitStatusChanged":
            info = _replace(info, status=str(p["status"]))
        elif ev.type == "UnitUpdated":
            changes = p.get("changes") or {}
            for key in ("name", "category"):
                if key in changes:
                    value = changes[key]
                    info = _replace(
                        info, **{key: str(value[-1] if isinstance(value, list) else value)}
                    )
        self.units[unit_id] = info
        resource = unit_resource(str(p["region"]), int(p["agency_id"]), str(p["path"]))
        self._set_unit(unit_id, resource, now, publish=True)

    def _incident(self, ev: StoredEvent, now: datetime) -> None:
        p = ev.payload
        incident_id = int(p["incident_id"])
        info = self.incidents.get(incident_id)
        if ev.type == "IncidentOpened":
            info = picture.IncidentInfo(
                incident_id,
                str(p["name"]),
                str(p["incident_type"]),
                str(p["severity"]),
                str(p["state"]),
                float(p["lon"]),
                float(p["lat"]),
                float(p["radius_km"]),
            )
        elif info is None:
            return
        elif ev.type == "IncidentStateChanged":
            info = _replace(info, state=str(p["state"]))
        elif ev.type == "IncidentUpdated":
            changes = p.get("changes") or {}
            for key in ("name", "severity", "incident_type", "radius_km"):
                if key in changes and isinstance(changes[key], list):
                    info = _replace(info, **{key: changes[key][-1]})
            if p.get("lon") is not None and p.get("lat") is not None:
                info = _replace(info, lon=float(p["lon"]), lat=float(p["lat"]))
        self.incidents[incident_id] = info
        uid = picture.incident_uid(incident_id)
        item = _Item(
            Out(picture.incident_event(info, now), Kind.OTHER),
            Action(ev.read_action),
            event_resource(ev),
        )
        if info.state in picture.GONE_INCIDENT_STATES:
            self.incidents.pop(incident_id, None)
            self._gone(uid, item)
        else:
            self._put(uid, item)

    def _task(self, ev: StoredEvent, now: datetime) -> None:
        p = ev.payload
        task_id = int(p["task_id"])
        info = self.tasks.get(task_id)
        unit_id = p.get("unit_id")
        if ev.type == "TaskCreated":
            info = picture.TaskInfo(
                task_id,
                int(p["incident_id"]),
                str(p["title"]),
                str(p["priority"]),
                float(p["lon"]),
                float(p["lat"]),
                "assigned" if unit_id else "open",
                int(unit_id) if unit_id else None,
            )
        elif info is None:
            return
        elif ev.type == "TaskAssigned":
            info = _replace(info, status="assigned", unit_id=int(unit_id) if unit_id else None)
        elif ev.type == "TaskStatusChanged":
            info = _replace(info, status=str(p["status"]))
        self.tasks[task_id] = info
        uid = picture.task_uid(task_id)
        item = _Item(
            Out(picture.task_event(info, now), Kind.OTHER),
            Action(ev.read_action),
            event_resource(ev),
        )
        if info.status in picture.GONE_TASK_STATUSES:
            self.tasks.pop(task_id, None)
            self._gone(uid, item)
            return
        self._put(uid, item)
        if ev.type in ("TaskCreated", "TaskAssigned") and info.unit_id is not None:
            self._chat_to_unit(info, now)

    def _chat_to_unit(self, task: picture.TaskInfo, now: datetime) -> None:
        for client in list(self.server.clients):
            ident = client.identity
            if ident is None or ident.unit_id != task.unit_id or client.uid is None:
                continue
            chat = picture.task_chat(
                task,
                hq_uid=HQ_UID,
                hq_callsign=self.hq_callsign,
                to_uid=client.uid,
                to_callsign=client.callsign or client.uid,
                now=now,
            )
            client.send(Out(chat, Kind.OTHER))

    def _hq_chat(self, ev: StoredEvent, now: datetime) -> None:
        p = ev.payload
        unit_id = int(p["unit_id"])
        for client in list(self.server.clients):
            ident = client.identity
            if ident is None or ident.unit_id != unit_id or client.uid is None:
                continue
            message = cot.geochat(
                message_id=f"hq-{ev.id}",
                sender_uid=HQ_UID,
                sender_callsign=self.hq_callsign,
                to_uid=client.uid,
                to_callsign=client.callsign or client.uid,
                text=f"{p['text']} ({p['sender']})",
                now=now,
            )
            client.send(Out(message, Kind.OTHER))

    # -- alerts and evacuation zones as shapes ----------------------------------------
    def _alert(self, ev: StoredEvent, now: datetime) -> None:
        self._spawn(self._reload_zone(tak_service.alert_shape, int(ev.payload["alert_id"])))

    def _order(self, ev: StoredEvent, now: datetime) -> None:
        self._spawn(self._reload_zone(tak_service.order_shape, int(ev.payload["order_id"])))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reload_zone(self, read: Callable[[Services, int], Any], key: int) -> None:
        """Read the alert or order as it stands now and redraw it (one at a time, so the
        last read wins whatever order the events' reads finish in)."""
        async with self._zone_lock:
            info = await self.hub.run_io(read, self.svc, key)
            now = datetime.now(UTC)
            if isinstance(info, shapes.AlertInfo):
                self._alert_zone(info, now, publish=True)
            elif isinstance(info, shapes.OrderInfo):
                self._order_zone(info, now, publish=True)

    def _alert_zone(self, alert: shapes.AlertInfo, now: datetime, *, publish: bool) -> None:
        gone = shapes.alert_gone(alert, now)
        events = shapes.alert_events(alert, now)
        self._set_zone(shapes.alert_uid(alert.id), events, alert_rule(alert), gone, publish)

    def _order_zone(self, order: shapes.OrderInfo, now: datetime, *, publish: bool) -> None:
        gone = shapes.order_gone(order)
        events = shapes.order_events(order, now)
        self._set_zone(shapes.order_uid(order.id), events, order_rule(order), gone, publish)

    def _set_zone(
        self,
        key: str,
        events: dict[str, bytes],
        rule: Callable[[Principal], bool],
        gone: bool,
        publish: bool,
    ) -> None:
        before = self.zones.pop(key, set())
        for uid in before - set(events):  # a shape the area no longer has
            old = self.picture.pop(uid, None)
            if old is not None:
                delete = Out(cot.delete(uid, datetime.now(UTC)), Kind.OTHER)
                self.server.publish(delete, old.visible_to)
        for uid, xml in events.items():
            item = _Item(Out(xml, Kind.OTHER), Action.ALERT_READ, Resource("zone"), rule)
            if gone:
                if uid in self.picture:
                    self._gone(uid, item)
            else:
                self._put(uid, item, publish=publish)
        if not gone:
            self.zones[key] = set(events)

    def _user_disabled(self, ev: StoredEvent, now: datetime) -> None:
        self.server.cut(user_id=int(ev.payload["user_id"]))

    def _cert_revoked(self, ev: StoredEvent, now: datetime) -> None:
        self.server.cut(cert_serial=str(ev.payload["serial"]))

    _handlers: ClassVar[dict[str, Callable[[TakBridge, StoredEvent, datetime], None]]] = {
        "AgencyCreated": _agency_created,
        "UnitCreated": _unit_created,
        "UnitPositionUpdated": _unit_changed,
        "UnitStatusChanged": _unit_changed,
        "UnitUpdated": _unit_changed,
        "IncidentOpened": _incident,
        "IncidentUpdated": _incident,
        "IncidentStateChanged": _incident,
        "TaskCreated": _task,
        "TaskAssigned": _task,
        "TaskStatusChanged": _task,
        "TakChatSent": _hq_chat,
        "AlertPublished": _alert,
        "AlertCancelled": _alert,
        "EvacuationOrdered": _order,
        "EvacuationProgressed": _order,
        "UserDisabled": _user_disabled,
        "TakCertificateRevoked": _cert_revoked,
    }

    # -- in --------------------------------------------------------------------------
    def on_event(self, client: TakClient, event: cot.CotEvent, out: Out) -> None:
        """A server hook: an event a device sent (already relayed to the other devices)."""
        ident = client.identity
        if ident is None or ident.principal is None:
            return
        if event.is_position and event.uid == client.uid:
            if ident.unit_id is not None and ident.resource is not None:
                self._position(ident, event)
            return
        if self._is_report(event):
            task = asyncio.get_running_loop().create_task(self._report(ident.principal, event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    def _is_report(self, event: cot.CotEvent) -> bool:
        if event.is_chat:
            chat = event.chat
            to_hq = self.hq_callsign in event.dest_callsigns or HQ_UID in event.dest_uids
            return to_hq or (chat is not None and chat.chatroom == self.hq_callsign)
        return event.type.startswith(REPORT_TYPE_PREFIXES)

    def _position(self, ident: Identity, event: cot.CotEvent) -> None:
        assert ident.principal is not None and ident.unit_id is not None
        assert ident.resource is not None
        if not may_report_position(ident.principal, ident.resource):
            return
        at = event.time or datetime.now(UTC)
        self._positions[ident.unit_id] = _Position(
            ident.principal, ident.unit_id, event.lon, event.lat, min(at, datetime.now(UTC))
        )
        self._wake.set()

    async def _write_positions(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            now = time.monotonic()
            due = [
                p
                for p in self._positions.values()
                if now - self._written.get(p.unit_id, -1e9) >= self.position_interval
            ]
            for p in due:
                del self._positions[p.unit_id]
                self._written[p.unit_id] = now
            # all at once: the group commit stores those waiting together in one transaction
            stored = await asyncio.gather(
                *(self._write_position(p) for p in due), return_exceptions=True
            )
            for p, outcome in zip(due, stored, strict=True):
                if isinstance(outcome, DomainError):
                    log.warning("tak: position of unit %d refused: %s", p.unit_id, outcome)
                elif isinstance(outcome, BaseException):
                    log.error(
                        "tak: could not store the position of unit %d",
                        p.unit_id,
                        exc_info=outcome,
                    )
                else:
                    self.positions_written += 1
            if self._positions:
                # some were too soon: look again when the earliest is due
                await asyncio.sleep(min(self.position_interval, 1.0))
                self._wake.set()

    async def _write_position(self, p: _Position) -> None:
        await forces.report_position_async(
            self.svc,
            p.principal,
            p.unit_id,
            forces.NewPosition(lon=p.lon, lat=p.lat, at=p.at, source="tak"),
        )

    async def _report(self, principal: Principal, event: cot.CotEvent) -> None:
        if not may_report(principal):
            log.info("tak: %s may not submit reports; %s not taken", principal.username, event.uid)
            return
        text = (event.chat.text if event.chat else event.remarks) or ""
        who = event.callsign or (event.chat.sender_callsign if event.chat else "") or "TAK device"
        lon, lat = event.lon, event.lat
        if (lon, lat) == (0.0, 0.0) and event.is_chat:
            found = self._device_position(event)
            if found is None:
                log.info("tak: chat %s to the HQ has no position; not taken as a report", event.uid)
                return
            lon, lat = found
        observed = min(event.time or datetime.now(UTC), datetime.now(UTC))
        new = reports.NewReport(
            source_kind=ReportSourceKind.TAK,
            observed_at=observed,
            position=(lon, lat),
            uncertainty_m=min(event.ce if event.ce < 9_999_999 else 100.0, 50_000.0),
            incident_type=report_type(event.type),
            text=(text or f"{event.type} marker from {who}")[:4000],
            rating=self.rating,
            reporter=f"{who} (TAK, {principal.username})",
        )
        try:
            await reports.submit_report_async(
                self.svc, principal, new, idempotency_key=f"cot-{event.uid}"[:200]
            )
            self.reports_made += 1
        except DomainError as exc:
            log.warning("tak: report %s from %s refused: %s", event.uid, principal.username, exc)

    def _device_position(self, event: cot.CotEvent) -> tuple[float, float] | None:
        """Where the device that sent a chat is (its last SA)."""
        sender = event.uid.split(".")[1] if event.uid.startswith("GeoChat.") else None
        entry = self.server.sa.get(sender or "")
        if entry is None:
            return None
        parsed = parse_event(entry.out.xml)
        return parsed.lon, parsed.lat


def _replace(obj: Any, **changes: Any) -> Any:
    return dataclasses.replace(obj, **changes)
