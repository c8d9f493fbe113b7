"""Public alerts: compose, preview, approve, publish, update, cancel (``/api/v1/alerts``)."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Request, status
from starlette.concurrency import run_in_threadpool

from marchwarden.core.access.policy import Action
from marchwarden.core.alerts.templates import TEMPLATES
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.alerts import (
    AlertIn,
    AlertOut,
    AlertPage,
    AreaIn,
    DeliveryOut,
    FromIncidentIn,
    ImportFeedIn,
    ImportOut,
    PreviewOut,
    SubscriptionIn,
    SubscriptionOut,
)
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import alerts, webhooks
from marchwarden.services.civil_ports import Subscription
from marchwarden.services.context import authorise, authorise_role

router = APIRouter(tags=["alerts"])


@router.get("/alerts/templates", response_model=dict[str, dict[str, str]])
def templates(principal: CurrentPrincipal) -> dict[str, dict[str, str]]:
    """The instruction templates per instruction and language (``{area}`` is replaced by
    the area's description when composing)."""
    authorise(principal, Action.ALERT_READ)
    return {kind.value: dict(texts) for kind, texts in TEMPLATES.items()}


@router.post("/alerts/preview", response_model=PreviewOut)
def preview(body: AreaIn, principal: CurrentPrincipal, services: ServicesDep) -> PreviewOut:
    """Validate an area and return the settlements and population inside it."""
    return PreviewOut.of(alerts.preview(services, principal, body.spec()))


@router.post(
    "/alerts/import",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {"content": {"application/cap+xml": {"schema": {"type": "string"}}}}
    },
)
async def import_document(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> ImportOut:
    """Import another authority's CAP 1.2 document (the request body, as XML): validated
    against the schema, deduplicated by sender + identifier, an Update or Cancel applied
    to the alert its references name. A malformed one is a 422 with the reason."""
    data = await request.body()
    result = await run_in_threadpool(alerts.import_document, services, principal, data)
    return ImportOut(**dataclasses.asdict(result))


@router.post("/alerts/import-feed", response_model=list[ImportOut])
def import_feed(
    body: ImportFeedIn, principal: CurrentPrincipal, services: ServicesDep
) -> list[ImportOut]:
    """Import every CAP document an Atom feed links to (each reported on its own)."""
    return [
        ImportOut(**dataclasses.asdict(r))
        for r in alerts.import_feed(services, principal, body.url)
    ]


@router.post("/alerts", response_model=AlertOut, status_code=status.HTTP_201_CREATED)
def draft(body: AlertIn, principal: CurrentPrincipal, services: ServicesDep) -> AlertOut:
    """Compose an alert by hand (state ``draft``)."""
    view = alerts.draft(services, principal, body.content())
    return AlertOut.of(view, services.clock.now())


@router.post(
    "/incidents/{incident_id}/alerts",
    response_model=AlertOut,
    status_code=status.HTTP_201_CREATED,
)
def draft_from_incident(
    incident_id: Id, body: FromIncidentIn, principal: CurrentPrincipal, services: ServicesDep
) -> AlertOut:
    """Compose from an incident: event, severity, certainty and area filled in from it,
    texts from the instruction templates (edit them with PUT before approving)."""
    view = alerts.draft_from_incident(
        services,
        principal,
        incident_id,
        body.instruction,
        body.area.spec() if body.area else None,
        tuple(body.languages),
    )
    return AlertOut.of(view, services.clock.now())


@router.get("/alerts", response_model=AlertPage)
def list_alerts(
    principal: CurrentPrincipal, services: ServicesDep, live: bool = False
) -> AlertPage:
    # a role that reads no alert at all gets 403, not an empty list (policy.API_OPERATIONS)
    authorise_role(principal, Action.ALERT_READ)
    items = alerts.list_alerts(services, principal, live_only=live)
    now = services.clock.now()
    return AlertPage(items=[AlertOut.of(v, now) for v in items])


@router.get("/alerts/{alert_id}", response_model=AlertOut)
def get_alert(alert_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> AlertOut:
    return AlertOut.of(alerts.get(services, principal, alert_id), services.clock.now())


@router.put("/alerts/{alert_id}", response_model=AlertOut)
def revise(
    alert_id: Id, body: AlertIn, principal: CurrentPrincipal, services: ServicesDep
) -> AlertOut:
    """New content: the alert is a draft again (a published one is then approved and
    published as an Update)."""
    view = alerts.revise(services, principal, alert_id, body.content())
    return AlertOut.of(view, services.clock.now())


@router.post("/alerts/{alert_id}/approve", response_model=AlertOut)
def approve(alert_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> AlertOut:
    """Approve a draft; Extreme and Severe alerts (configurable) need a second person."""
    return AlertOut.of(alerts.approve(services, principal, alert_id), services.clock.now())


@router.post("/alerts/{alert_id}/publish", response_model=AlertOut)
def publish(alert_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> AlertOut:
    """Publish an approved alert (CAP Alert, or Update after a revision); the document
    is validated against the OASIS CAP 1.2 schema first."""
    return AlertOut.of(alerts.publish(services, principal, alert_id), services.clock.now())


@router.post("/alerts/{alert_id}/cancel", response_model=AlertOut)
def cancel(alert_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> AlertOut:
    """Publish a CAP Cancel referencing every earlier message; the alert leaves the feed."""
    return AlertOut.of(alerts.cancel(services, principal, alert_id), services.clock.now())


@router.get("/alerts/{alert_id}/deliveries", response_model=list[DeliveryOut])
def deliveries(
    alert_id: Id, principal: CurrentPrincipal, services: ServicesDep
) -> list[DeliveryOut]:
    """The webhook delivery log of every message of the alert."""
    return [
        DeliveryOut(
            id=d.id,
            identifier=d.identifier,
            msg_type=d.msg_type,
            subscription_id=d.subscription_id,
            subscriber=d.subscriber,
            status=d.status,
            attempts=d.attempts,
            last_status=d.last_status,
            last_error=d.last_error,
            last_attempt_at=d.last_attempt_at,
            delivered_at=d.delivered_at,
        )
        for d in alerts.deliveries(services, principal, alert_id)
    ]


@router.post("/webhooks", response_model=SubscriptionOut, status_code=status.HTTP_201_CREATED)
def subscribe(
    body: SubscriptionIn, principal: CurrentPrincipal, services: ServicesDep
) -> SubscriptionOut:
    """Subscribe a URL to every published CAP message of the given regions (none: all),
    signed with HMAC-SHA256 over ``<timestamp>.<body>`` with ``secret``."""
    sub = webhooks.subscribe(
        services,
        principal,
        name=body.name,
        url=body.url,
        secret=body.secret,
        regions=body.regions,
    )
    return _sub(sub)


@router.get("/webhooks", response_model=list[SubscriptionOut])
def subscriptions(principal: CurrentPrincipal, services: ServicesDep) -> list[SubscriptionOut]:
    return [_sub(s) for s in webhooks.list_subscriptions(services, principal)]


def _sub(s: Subscription) -> SubscriptionOut:
    return SubscriptionOut(
        id=s.id,
        name=s.name,
        url=s.url,
        regions=list(s.regions),
        active=s.active,
        failing=s.failing,
        consecutive_failures=s.consecutive_failures,
        created_by=s.created_by,
        created_at=s.created_at,
    )
