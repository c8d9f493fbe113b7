"""What the browser UI needs: the HQ's settings (before sign-in) and the stream position
to subscribe from after loading a snapshot."""

from __future__ import annotations

from fastapi import APIRouter

from marchwarden import __version__
from marchwarden.core.access.policy import Action
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.services.context import authorise

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
