"""Photos of field reports: upload (raw image body), list, fetch."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.base import Schema
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import photos
from marchwarden.services.field_ports import PhotoRow

router = APIRouter(tags=["reports"])


class PhotoOut(Schema):
    id: int
    report_id: int
    url: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    sha256: str = ""
    lon: float | None
    lat: float | None
    uploaded_by: str
    created_at: datetime

    @classmethod
    def of(cls, p: PhotoRow) -> PhotoOut:
        return cls(
            id=p.id,
            report_id=p.report_id,
            url=f"/api/v1/photos/{p.id}",
            content_type=p.content_type,
            width=p.width,
            height=p.height,
            size_bytes=p.size_bytes,
            sha256=p.sha256,
            lon=p.lon,
            lat=p.lat,
            uploaded_by=p.uploaded_by,
            created_at=p.created_at,
        )


@router.post(
    "/reports/{report_id}/photos",
    response_model=PhotoOut,
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                t: {"schema": {"type": "string", "format": "binary"}}
                for t in ("image/jpeg", "image/png", "image/webp")
            },
        }
    },
)
async def add_photo(
    report_id: Id,
    request: Request,
    response: Response,
    principal: CurrentPrincipal,
    services: ServicesDep,
    keep_position: Annotated[
        bool, Query(description="keep the photo's own GPS position (off: stripped)")
    ] = False,
) -> PhotoOut:
    """A photo for a report, the image itself as the body. Its type is read from its
    content (JPEG, PNG, WebP; else 415 ``photo-not-an-image``), its size is limited (413
    ``photo-too-large``), and every metadata (EXIF: device, times, GPS) is stripped; the
    GPS position is kept as the photo's ``lon``/``lat`` only with ``keep_position=true``.
    The same photo again returns the stored one (200) and changes nothing."""
    data = await request.body()
    added = await run_in_threadpool(
        photos.add_photo, services, principal, report_id, data, keep_position=keep_position
    )
    if not added.created:
        response.status_code = 200
    return PhotoOut.of(added.photo)


@router.get("/reports/{report_id}/photos", response_model=list[PhotoOut])
def list_photos(
    report_id: Id, principal: CurrentPrincipal, services: ServicesDep
) -> list[PhotoOut]:
    return [PhotoOut.of(p) for p in photos.list_photos(services, principal, report_id)]


@router.get("/photos/{photo_id}", response_class=Response)
def get_photo(photo_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    """The stored photo (re-encoded, without metadata)."""
    row, data = photos.get_photo(services, principal, photo_id)
    return Response(
        content=data,
        media_type=row.content_type,
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )
