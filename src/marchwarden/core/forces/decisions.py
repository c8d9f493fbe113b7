"""Decisions of the forces registry: pure functions that check a change and return its
event (which knows its audit record, ``core/forces/events.py``)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from marchwarden.core.forces.events import (
    MemberChanged,
    MemberRegistered,
    UnitCreated,
    UnitPositionUpdated,
    UnitStatusChanged,
    UnitUpdated,
)
from marchwarden.core.forces.status import change_status

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.forces.model import MemberRecord, NewUnit, Unit
    from marchwarden.core.forces.status import UnitStatus


def _unit(unit: Unit) -> dict[str, Any]:
    """The fields every unit event carries (who may see it)."""
    return {
        "unit_id": unit.id,
        "region": unit.region,
        "agency_id": unit.agency_id,
        "path": unit.path,
    }


def decide_unit_status(
    unit: Unit, new: UnitStatus, note: str, *, own_command: bool = False
) -> UnitStatusChanged:
    """A unit's CAD status moves to ``new`` (``status.py`` says which moves exist)."""
    change_status(unit.status, new)
    return UnitStatusChanged(
        **_unit(unit),
        status=new.value,
        previous=unit.status.value,
        availability=new.availability.value,
        note=note,
        own_command=own_command,
    )


def unit_created(unit_id: int, path: str, new: NewUnit) -> UnitCreated:
    return UnitCreated(
        unit_id=unit_id,
        region=new.region,
        agency_id=new.agency_id,
        path=path,
        code=new.code,
        name=new.name,
        category=new.category,
        parent_id=new.parent_id,
        home=(new.home_lon, new.home_lat),
        status=new.status.value,
    )


def unit_updated(unit: Unit, diff: dict[str, list[Any]]) -> UnitUpdated:
    """``diff``: each changed field as [before, after]."""
    return UnitUpdated(**_unit(unit), changes={k: v[1] for k, v in diff.items()}, diff=diff)


def position_reported(
    unit: Unit, lon: float, lat: float, *, at: datetime, source: str, latest: bool
) -> UnitPositionUpdated:
    """``latest``: newer than every known position (only then is it published)."""
    return UnitPositionUpdated(
        **_unit(unit), lon=lon, lat=lat, at=at.isoformat(), source=source, latest=latest
    )


def member_registered(unit: Unit, member_id: int, record: MemberRecord) -> MemberRegistered:
    return MemberRegistered(
        **_unit(unit),
        member_id=member_id,
        callsign=record.callsign,
        external_id=record.external_id,
        unit_code=unit.code,
    )


def records_added(unit: Unit, member_id: int, callsign: str, record: MemberRecord) -> MemberChanged:
    """Training, qualification and fitness records added to a member (``record``)."""
    kinds = (
        ("trainings", record.trainings),
        ("qualifications", record.qualifications),
        ("fitness", record.fitness),
    )
    return MemberChanged(
        **_unit(unit),
        member_id=member_id,
        callsign=callsign,
        fields=tuple(name for name, items in kinds if items),
        added={name: [dataclasses.asdict(x) for x in items] for name, items in kinds if items},
    )
