"""The public face of alerts: every CAP message at ``/cap/{identifier}.xml`` and the Atom
feed of current public alerts at ``/cap/feed.atom``. Readable without an account (only
scope Public); a Restricted or Private document needs a bearer token the policy allows."""

from __future__ import annotations

from email.utils import format_datetime, parsedate_to_datetime

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from marchwarden.adapters.cap import atom
from marchwarden.adapters.cap.xml import CAP_MEDIA_TYPE
from marchwarden.core.access.model import Principal
from marchwarden.entrypoints.api.deps import ServicesDep
from marchwarden.services import accounts, alerts
from marchwarden.services.context import Services

router = APIRouter(tags=["cap"])

FEED_PATH = "/cap/feed.atom"


async def _optional_principal(request: Request, services: Services) -> Principal | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await run_in_threadpool(accounts.authenticate, services, token.strip())


@router.get(FEED_PATH, response_class=Response)
def feed(request: Request, services: ServicesDep) -> Response:
    """Atom: one entry per current public alert, linking its newest CAP document."""
    etag, changed = alerts.feed_version(services)
    headers = {"ETag": etag, "Cache-Control": "no-cache"}
    if changed is not None:
        headers["Last-Modified"] = format_datetime(changed, usegmt=True)
    if etag in [t.strip() for t in request.headers.get("if-none-match", "").split(",")]:
        return Response(status_code=304, headers=headers)
    since = request.headers.get("if-modified-since")
    if since and changed is not None and "if-none-match" not in request.headers:
        try:
            if changed.replace(microsecond=0) <= parsedate_to_datetime(since):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            pass
    base = services.settings.public_base_url
    s = services.settings
    entries = [
        atom.FeedEntry(
            identifier=msg.identifier,
            title=alert.content.texts[0].headline,
            summary=f"{alert.content.event} — {alert.area.description}",
            updated=msg.sent,
            author=s.cap_sender_name,
            cap_url=f"{base}/cap/{msg.identifier}.xml",
            event=alert.content.event,
            severity=alert.content.severity.value,
            expires=alert.content.expires,
        )
        for alert, msg in alerts.feed_entries(services)
    ]
    body = atom.feed(
        feed_id=f"{base}{FEED_PATH}",
        title=s.cap_sender_name,
        self_url=f"{base}{FEED_PATH}",
        updated=changed or services.clock.now(),
        entries=entries,
    )
    return Response(body, media_type=atom.ATOM_MEDIA_TYPE, headers=headers)


@router.get("/cap/{identifier}.xml", response_class=Response)
async def document(identifier: str, request: Request, services: ServicesDep) -> Response:
    """A CAP 1.2 message exactly as published."""
    principal = await _optional_principal(request, services)
    found = await run_in_threadpool(alerts.document, services, principal, identifier)
    return Response(
        found.document.encode("utf-8"),
        media_type=CAP_MEDIA_TYPE,
        headers={"Cache-Control": "public, max-age=60", "ETag": f'"{found.identifier}"'},
    )
