"""Public alerts: preview an area, draft (by hand or from an incident), revise, approve,
publish (XSD-validated CAP; deliveries queued in the same transaction), cancel; read
them, the CAP documents and the feed.

Each command: load, authorise (``core/access/policy.py``), decide (``core/alerts``), save,
``uow.record(actor, events, at=now)``, commit. A document that fails the OASIS schema is
refused before anything is written."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from marchwarden import geodata
from marchwarden.core.access.policy import Action, decide_alert_read, decide_in_regions, denied
from marchwarden.core.alerts import imported, workflow
from marchwarden.core.alerts.areas import AreaContext, resolve_area
from marchwarden.core.alerts.cap import compose
from marchwarden.core.alerts.compose import from_incident
from marchwarden.core.alerts.errors import CapImportRejected
from marchwarden.core.alerts.feeds import FeedRules
from marchwarden.core.alerts.model import Alert, AlertState, CapSeverity
from marchwarden.core.errors import NotFound
from marchwarden.services.context import authorise

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.alerts.areas import AreaSpec, ResolvedArea
    from marchwarden.core.alerts.model import AlertContent, Instruction
    from marchwarden.services.civil_ports import FeedRow, StoredMessage
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork


@cache
def _context(max_vertices: int) -> AreaContext:
    return AreaContext(geodata.regions(), geodata.settlements(), max_vertices=max_vertices)


def area_context(svc: Services) -> AreaContext:
    return _context(svc.settings.alert_max_vertices)


def rule(svc: Services) -> workflow.ApprovalRule:
    return workflow.ApprovalRule(
        frozenset(CapSeverity(s) for s in svc.settings.alert_second_person_severities)
    )


def _may(actor: Principal, action: Action, regions: frozenset[str]) -> None:
    decision = decide_in_regions(actor, action, "alert", regions)
    if not decision.allowed:
        raise denied(decision)


def _get(uow: UnitOfWork, alert_id: int, *, for_update: bool = False) -> Alert:
    alert = uow.alerts.get(alert_id, for_update=for_update)
    if alert is None:
        raise NotFound.with_id("alert", alert_id)
    return alert


@dataclass(frozen=True, slots=True)
class AlertView:
    alert: Alert
    geometry: dict[str, Any]
    needs_second_person: bool
    deliveries: dict[str, int]
    base_url: str
    #: whether the caller may approve it now (a badge on the Alerts board waits on it)
    may_approve: bool = False


def _may_approve(actor: Principal, alert: Alert, r: workflow.ApprovalRule) -> bool:
    """The policy lets the caller approve in every region of the area and the workflow
    lets this person approve this alert now (a draft; not the drafter's own when a second
    person is needed)."""
    return (
        workflow.approvable_by(alert, actor, r)
        and decide_in_regions(actor, Action.ALERT_APPROVE, "alert", alert.area.regions).allowed
    )


def _view(svc: Services, uow: UnitOfWork, alert: Alert, actor: Principal) -> AlertView:
    counts = uow.webhooks.status_counts([alert.id]).get(alert.id, {})
    r = rule(svc)
    return AlertView(
        alert,
        uow.alerts.geometry(alert.id),
        r.needs_second_person(alert.content.severity),
        counts,
        svc.settings.public_base_url,
        _may_approve(actor, alert, r),
    )


# --------------------------------------------------------------------------- commands


def preview(svc: Services, actor: Principal, spec: AreaSpec) -> ResolvedArea:
    """Validate an area and say what it covers, before anything is drafted."""
    area = resolve_area(spec, area_context(svc))
    _may(actor, Action.ALERT_DRAFT, area.regions)
    return area


def draft(svc: Services, actor: Principal, content: AlertContent) -> AlertView:
    now = svc.clock.now()
    area = resolve_area(content.area, area_context(svc))
    _may(actor, Action.ALERT_DRAFT, area.regions)
    summary = workflow.check_draft(content, area, now)
    with svc.db.unit_of_work() as uow:
        if content.incident_id is not None and uow.incidents.get(content.incident_id) is None:
            raise NotFound.with_id("incident", content.incident_id)
        new = Alert(0, AlertState.DRAFT, content, summary, actor.username, actor.user_id, now)
        alert_id = uow.alerts.add(new, area.geojson(), now)
        alert = _get(uow, alert_id)
        uow.record(actor, workflow.drafted(alert), at=now)
        view = _view(svc, uow, alert, actor)
        uow.commit()
    return view


def draft_from_incident(
    svc: Services,
    actor: Principal,
    incident_id: int,
    instruction: Instruction,
    area: AreaSpec | None = None,
    languages: tuple[str, ...] = ("ru", "en"),
) -> AlertView:
    """Compose from the incident (event, severity, certainty and area from it); the
    incident's timeline records the draft."""
    with svc.db.unit_of_work(write=False) as uow:
        incident = uow.incidents.get(incident_id)
    if incident is None:
        raise NotFound.with_id("incident", incident_id)
    authorise(actor, Action.INCIDENT_READ, incident.resource())
    spec = area or None
    described = resolve_area(spec, area_context(svc)) if spec else None
    content = from_incident(
        incident,
        instruction=instruction,
        now=svc.clock.now(),
        area=spec,
        area_description=described.description if described else "",
        languages=languages,
    )
    return draft(svc, actor, content)


def revise(svc: Services, actor: Principal, alert_id: int, content: AlertContent) -> AlertView:
    now = svc.clock.now()
    area = resolve_area(content.area, area_context(svc))
    with svc.db.unit_of_work() as uow:
        alert = _get(uow, alert_id, for_update=True)
        _may(actor, Action.ALERT_DRAFT, alert.area.regions | area.regions)
        alert, events = workflow.revise(alert, actor, content, area, now)
        uow.alerts.save(alert, now, area.geojson())
        uow.record(actor, events, at=now)
        view = _view(svc, uow, alert, actor)
        uow.commit()
    return view


def approve(svc: Services, actor: Principal, alert_id: int) -> AlertView:
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        alert = _get(uow, alert_id, for_update=True)
        _may(actor, Action.ALERT_APPROVE, alert.area.regions)
        alert, events = workflow.approve(alert, actor, rule(svc))
        uow.alerts.save(alert, now)
        uow.record(actor, events, at=now)
        view = _view(svc, uow, alert, actor)
        uow.commit()
    return view


def _identifier(svc: Services, alert: Alert) -> str:
    return f"MW-{svc.db.instance_id()[:8]}-{alert.id}-{len(alert.messages) + 1}"


def _issue(svc: Services, actor: Principal, alert_id: int, *, cancel: bool) -> AlertView:
    now = svc.clock.now().replace(microsecond=0)
    s = svc.settings
    with svc.db.unit_of_work() as uow:
        alert = _get(uow, alert_id, for_update=True)
        _may(actor, Action.ALERT_PUBLISH, alert.area.regions)
        identifier = _identifier(svc, alert)
        header = workflow.next_header(
            alert,
            identifier=identifier,
            sender=s.cap_sender,
            sender_name=s.cap_sender_name,
            sent=now,
            web=f"{s.public_base_url}/cap/{identifier}.xml",
            cancel=cancel,
        )
        after, events = (
            workflow.cancel(alert, header) if cancel else workflow.publish(alert, header, now)
        )
        area = resolve_area(alert.content.area, area_context(svc))
        document = svc.cap.build(compose(alert.content, area, header))
        svc.cap.validate(document)  # the schema's own message; nothing is written
        uow.alerts.save(after, now)
        message_id = uow.alerts.add_message(alert.id, after.messages[-1], document, now)
        uow.webhooks.enqueue(message_id, alert.area.regions, now)
        uow.record(actor, events, at=now)
        view = _view(svc, uow, after, actor)
        uow.commit()
    return view


def publish(svc: Services, actor: Principal, alert_id: int) -> AlertView:
    return _issue(svc, actor, alert_id, cancel=False)


def cancel(svc: Services, actor: Principal, alert_id: int) -> AlertView:
    return _issue(svc, actor, alert_id, cancel=True)


# --------------------------------------------------------------------------- reads


def _readable(actor: Principal, alert: Alert) -> bool:
    return decide_alert_read(
        actor, alert.content.scope.value, alert.area.regions, published=bool(alert.messages)
    ).allowed


def get(svc: Services, actor: Principal, alert_id: int) -> AlertView:
    with svc.db.unit_of_work(write=False) as uow:
        alert = _get(uow, alert_id)
        decision = decide_alert_read(
            actor, alert.content.scope.value, alert.area.regions, published=bool(alert.messages)
        )
        if not decision.allowed:
            raise denied(decision)
        return _view(svc, uow, alert, actor)


def list_alerts(
    svc: Services, actor: Principal, *, live_only: bool = False, limit: int = 200
) -> list[AlertView]:
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        rows = uow.alerts.find(live_only=live_only, now=now, limit=limit)
        visible = [(a, g) for a, g in rows if _readable(actor, a)]
        counts = uow.webhooks.status_counts([a.id for a, _ in visible])
    r = rule(svc)
    return [
        AlertView(
            a,
            g,
            r.needs_second_person(a.content.severity),
            counts.get(a.id, {}),
            svc.settings.public_base_url,
            _may_approve(actor, a, r),
        )
        for a, g in visible
    ]


def deliveries(svc: Services, actor: Principal, alert_id: int) -> list[Any]:
    get(svc, actor, alert_id)
    with svc.db.unit_of_work(write=False) as uow:
        return list(uow.webhooks.log(alert_id))


def document(svc: Services, actor: Principal | None, identifier: str) -> StoredMessage:
    """A CAP document of this headquarters by identifier: Public ones for anyone, others
    only for accounts the policy lets read the alert (``NotFound`` for the rest, so an
    unauthorised reader learns nothing)."""
    with svc.db.unit_of_work(write=False) as uow:
        found = uow.alerts.message(identifier, svc.settings.cap_sender)
        if found is None:
            raise NotFound.said(
                "alert.no_cap_message", "no CAP message {identifier}", identifier=identifier
            )
        alert = _get(uow, found.alert_id)
    if alert.content.scope.value != "Public" and (actor is None or not _readable(actor, alert)):
        raise NotFound.said(
            "alert.no_cap_message", "no CAP message {identifier}", identifier=identifier
        )
    return found


def feed_version(svc: Services) -> tuple[str, datetime | None]:
    """(ETag, Last-Modified) of the public feed, from one cheap query."""
    now = svc.clock.now()
    with svc.db.unit_of_work(write=False) as uow:
        newest, count, changed, next_expiry = uow.alerts.feed_version(now)
    # an expiry changes the feed without a write: the ETag names the alerts that are
    # current and the earliest expiry among them, so it moves when one leaves
    expiry = next_expiry.isoformat() if next_expiry else "-"
    return f'"{newest}-{count}-{expiry}"', changed


def feed_entries(svc: Services) -> list[FeedRow]:
    with svc.db.unit_of_work(write=False) as uow:
        return uow.alerts.feed_rows(svc.clock.now())


class FeedCache:
    """The newest rendered public feed: (ETag, body). A request whose ETag matches the
    store's current one is answered from it (the feed changes only with a publication, a
    cancellation or an expiry, each of which changes the ETag). One per store, built by
    the composition root and carried on ``Services``."""

    def __init__(self) -> None:
        self.newest: tuple[str, bytes] | None = None


def feed(
    svc: Services, render: Callable[[list[FeedRow], datetime | None], bytes]
) -> tuple[str, datetime | None, bytes]:
    """(ETag, Last-Modified, body) of the public feed; ``render`` makes the body."""
    etag, changed = feed_version(svc)
    found = svc.feeds.newest
    if found is not None and found[0] == etag:
        return etag, changed, found[1]
    body = render(feed_entries(svc), changed)
    svc.feeds.newest = (etag, body)
    return etag, changed, body


# --------------------------------------------------------------------------- import


@dataclass(frozen=True, slots=True)
class ImportResult:
    outcome: str
    """created, updated, cancelled, duplicate, or rejected (with ``reason``)."""
    alert_id: int | None
    sender: str
    identifier: str
    reason: str = ""


def import_document(svc: Services, actor: Principal, data: bytes) -> ImportResult:
    """Import another authority's CAP document: validated, deduplicated by sender and
    identifier, an Update or Cancel applied to the alert its references name."""
    authorise(actor, Action.ALERT_IMPORT)
    doc = svc.cap.parse_untrusted(data, max_bytes=svc.settings.cap_import_max_bytes)
    if doc.sender == svc.settings.cap_sender:
        raise CapImportRejected.said(
            "cap.document_headquarters_own", "the document is this headquarters' own"
        )
    if doc.msg_type not in ("Alert", "Update", "Cancel"):
        raise CapImportRejected.said(
            "cap.msgtype_not_imported", "msgType {kind} is not imported", kind=doc.msg_type
        )
    content, area = imported.read(doc, area_context(svc))
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        known = uow.alerts.message(doc.identifier, doc.sender)
        if known is not None:
            return ImportResult("duplicate", known.alert_id, doc.sender, doc.identifier)
        target = uow.alerts.alert_for_refs([(r.sender, r.identifier) for r in doc.references])
        existing = _get(uow, target, for_update=True) if target is not None else None
        alert = imported.apply(
            existing, doc, content, area, by=actor.username, by_id=actor.user_id, now=now
        )
        if existing is None:
            alert = dataclasses.replace(alert, id=uow.alerts.add(alert, area.geojson(), now))
        else:
            cancelled = alert.state is AlertState.CANCELLED
            uow.alerts.save(alert, now, None if cancelled else area.geojson())
        uow.alerts.add_message(alert.id, alert.messages[-1], data, now)
        uow.record(actor, [imported.imported_event(alert, doc)], at=now)
        uow.commit()
    outcome = {"Alert": "created", "Update": "updated", "Cancel": "cancelled"}[doc.msg_type]
    if existing is None:
        outcome = "created"
    return ImportResult(outcome, alert.id, doc.sender, doc.identifier)


def import_feed(svc: Services, actor: Principal, url: str) -> list[ImportResult]:
    """Import every CAP document an Atom feed links to; each on its own (a malformed one
    is reported as rejected with the reason and changes nothing)."""
    authorise(actor, Action.ALERT_IMPORT)
    limit = svc.settings.cap_import_max_bytes
    rules = FeedRules(
        tuple(svc.settings.alert_feed_allow), tuple(svc.settings.alert_feed_private_networks)
    )
    links = svc.cap.feed_links(svc.cap.fetch(url, max_bytes=limit * 16, rules=rules))
    results = []
    for link in links:
        try:
            results.append(
                import_document(svc, actor, svc.cap.fetch(link, max_bytes=limit, rules=rules))
            )
        except CapImportRejected as exc:
            results.append(ImportResult("rejected", None, "", link, exc.detail))
    return results
