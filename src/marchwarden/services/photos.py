"""Photos of field reports: checked by content, re-encoded without metadata, stored in
the database (so every API node serves them). Rules: ``core/incidents/photos.py``; who
may add them: ``core/access/policy.py: may_attach_photo``.

Adding the same photo (same bytes) to a report again returns the stored one and changes
nothing, so a phone that retries an upload never doubles it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from marchwarden.core.access.policy import Action, may_attach_photo
from marchwarden.core.errors import NotFound
from marchwarden.core.incidents.events import ReportPhotoAdded
from marchwarden.core.incidents.photos import check_photo, kept_position
from marchwarden.services.context import allowed, authorise
from marchwarden.services.field_ports import PhotoRow

if TYPE_CHECKING:
    from marchwarden.core.access.model import Principal
    from marchwarden.core.incidents.records import Report
    from marchwarden.services.context import Services
    from marchwarden.services.ports import UnitOfWork


@dataclass(frozen=True, slots=True)
class Added:
    photo: PhotoRow
    created: bool


def _report(uow: UnitOfWork, report_id: int) -> Report:
    report = uow.reports.get(report_id)
    if report is None:
        raise NotFound.with_id("report", report_id)
    return report


def add_photo(
    svc: Services, actor: Principal, report_id: int, data: bytes, *, keep_position: bool
) -> Added:
    s = svc.settings
    facts = None if len(data) > s.photo_max_bytes else svc.images.inspect(data)
    content_type = check_photo(len(data), s.photo_max_bytes, facts)
    assert facts is not None and facts.format is not None
    cleaned, width, height = svc.images.clean(data, facts.format, s.photo_max_side_px)
    digest = hashlib.sha256(data).hexdigest()
    position = kept_position(facts, keep_position)
    now = svc.clock.now()
    with svc.db.unit_of_work() as uow:
        report = _report(uow, report_id)
        allowed(may_attach_photo(actor, report.resource(), report.submitted_by))
        existing = uow.photos.by_sha(report_id, digest)
        if existing is not None:
            return Added(existing, created=False)
        row = PhotoRow(
            id=0,
            report_id=report_id,
            sha256=digest,
            content_type=content_type,
            width=width,
            height=height,
            size_bytes=len(cleaned),
            lon=position[0] if position else None,
            lat=position[1] if position else None,
            uploaded_by=actor.username,
            created_at=now,
        )
        photo_id = uow.photos.add(row, cleaned)
        event = ReportPhotoAdded(
            report_id=report_id,
            region=report.region,
            photo_id=photo_id,
            sha256=digest,
            content_type=content_type,
            size_bytes=len(cleaned),
            position_kept=position is not None,
        )
        uow.record(actor, [event], at=now)
        uow.commit()
    return Added(replace(row, id=photo_id), created=True)


def list_photos(svc: Services, actor: Principal, report_id: int) -> list[PhotoRow]:
    with svc.db.unit_of_work(write=False) as uow:
        report = _report(uow, report_id)
        authorise(actor, Action.REPORT_READ, report.resource())
        return uow.photos.of_report(report_id)


def get_photo(svc: Services, actor: Principal, photo_id: int) -> tuple[PhotoRow, bytes]:
    with svc.db.unit_of_work(write=False) as uow:
        found = uow.photos.get(photo_id)
        if found is None:
            raise NotFound.with_id("photo", photo_id)
        report = _report(uow, found[0].report_id)
        if found[0].uploaded_by != actor.username:
            authorise(actor, Action.REPORT_READ, report.resource())
        return found
