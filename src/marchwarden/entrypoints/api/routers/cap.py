"""The public face of alerts: every CAP message at ``/cap/{identifier}.xml`` and the Atom
feed of current public alerts at ``/cap/feed.atom``. Readable without an account (only
scope Public); a Restricted or Private document needs a bearer token the policy allows."""

from __future__ import annotations

from datetime import datetime
from email.utils import format_datetime, parsedate_to_datetime
from functools import partial

from fastapi import APIRouter, Request, Response
from starlette.concurrency import run_in_threadpool

from marchwarden.adapters.cap import atom
from marchwarden.adapters.cap.xml import CAP_MEDIA_TYPE
from marchwarden.core.access.model import Principal
from marchwarden.entrypoints.api.deps import ServicesDep
from marchwarden.services import accounts, alerts
from marchwarden.services.civil_ports import FeedRow
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
    if _not_modified(request, etag, changed):
        return Response(status_code=304, headers=headers)
    etag, changed, body = alerts.feed(services, partial(_render, services))
    headers["ETag"] = etag
    return Response(body, media_type=atom.ATOM_MEDIA_TYPE, headers=headers)


def _not_modified(request: Request, etag: str, changed: datetime | None) -> bool:
    match = request.headers.get("if-none-match")
    if match is not None:
        return etag in [t.strip() for t in match.split(",")]
    since = request.headers.get("if-modified-since")
    if not since or changed is None:
        return False
    try:
        return changed.replace(microsecond=0) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def _render(services: Services, rows: list[FeedRow], changed: datetime | None) -> bytes:
    s = services.settings
    base = s.public_base_url
    entries = [
        atom.FeedEntry(
            identifier=r.identifier,
            title=r.headline,
            summary=f"{r.event} — {r.area}",
            updated=r.sent,
            author=s.cap_sender_name,
            cap_url=f"{base}/cap/{r.identifier}.xml",
            event=r.event,
            severity=r.severity,
            expires=r.expires,
        )
        for r in rows
    ]
    return atom.feed(
        feed_id=f"{base}{FEED_PATH}",
        title=s.cap_sender_name,
        self_url=f"{base}{FEED_PATH}",
        updated=changed or services.clock.now(),
        entries=entries,
    )


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
