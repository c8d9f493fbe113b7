"""The TAK gateway's API: a GeoChat from the headquarters to a unit's devices."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field

from marchwarden.core.tak.chat import MAX_CHAT_CHARS
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import tak

router = APIRouter(tags=["tak"])


class TakChatIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=MAX_CHAT_CHARS)


@router.post("/units/{unit_id}/tak-chat", status_code=status.HTTP_202_ACCEPTED)
def send_chat(
    unit_id: Id, body: TakChatIn, principal: CurrentPrincipal, services: ServicesDep
) -> dict[str, str]:
    """Send a GeoChat from the HQ to the TAK devices bound to the unit (committed; every
    gateway delivers it to the unit's connected devices). Who may task the unit may."""
    tak.send_chat(services, principal, unit_id, body.text)
    return {"status": "sent"}
