"""What the browser UI needs: the HQ's settings (before sign-in) and the stream position
to subscribe from after loading a snapshot."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query

from marchwarden import __version__
from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.services.context import authorise
from marchwarden.services.stream import recent_events

router = APIRouter()


class ConfigOut(Schema):
    #: IANA time zone the UI shows times in (UTC on hover)
    hq_timezone: str
    version: str


class StreamPositionOut(Schema):
    last_event_id: int


@router.get("/config", response_model=ConfigOut, tags=["config"])
def config(services: ServicesDep) -> ConfigOut:
    """The HQ's time zone and the server's version. Needs no sign-in."""
    return ConfigOut(hq_timezone=services.settings.hq_timezone, version=__version__)


@router.get("/stream/position", response_model=StreamPositionOut, tags=["stream"])
def stream_position(principal: CurrentPrincipal, services: ServicesDep) -> StreamPositionOut:
    """The id of the newest stored event. A client that reads a snapshot through the API
    and then opens ``/api/v1/stream?last_event_id=<this>`` misses nothing in between."""
    authorise(principal, Action.STREAM_SUBSCRIBE)
    with services.db.unit_of_work(write=False) as uow:
        return StreamPositionOut(last_event_id=uow.events.last_id())


class RecentEventsOut(Schema):
    #: the stream's messages ``{"id", "type", "at", "data"}``, oldest first
    items: list[dict[str, Any]]
    last_event_id: int


@router.get("/stream/recent", response_model=RecentEventsOut, tags=["stream"])
def stream_recent(
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> RecentEventsOut:
    """The newest events the caller may see, as the stream would have sent them (the UI's
    event log at sign-in), and the stream position they were read at."""
    authorise(principal, Action.STREAM_SUBSCRIBE)
    with services.db.unit_of_work(write=False) as uow:
        last = uow.events.last_id()
    items = [json.loads(ev.message_json) for ev in recent_events(services.db, principal, limit)]
    return RecentEventsOut(items=items, last_event_id=last)
