"""Decisions of the forces registry: pure functions that check a change and return its
event (which knows its audit record, ``core/forces/events.py``)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from marchwarden.core.errors import Invalid
from marchwarden.core.forces.events import (
    MemberChanged,
    MemberRegistered,
    RosterImported,
    UnitCreated,
    UnitPositionUpdated,
    UnitStatusChanged,
    UnitUpdated,
)
from marchwarden.core.forces.model import check_point, check_readiness
from marchwarden.core.forces.status import change_status

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from marchwarden.core.forces.model import Fitness, MemberRecord, NewUnit, Qualification, Unit
    from marchwarden.core.forces.status import UnitStatus


#: clocks of field devices drift: a position up to this far in the future is accepted
POSITION_CLOCK_SKEW = timedelta(minutes=5)


def check_position_time(when: datetime, now: datetime) -> datetime:
    """A position is of a moment not (much) in the future."""
    if when > now + POSITION_CLOCK_SKEW:
        raise Invalid.said(
            "forces.position_cannot_reported_future", "a position cannot be reported for the future"
        )
    return when


def check_accuracy(accuracy_m: float | None) -> None:
    """A device's stated accuracy is 0 to 100 km."""
    if accuracy_m is not None and not 0 <= accuracy_m <= 100_000:
        raise Invalid.said(
            "forces.position_accuracy_metres", "a position's accuracy is 0 to 100,000 metres"
        )


def check_parent(parent: Unit, agency_id: int) -> None:
    """A sub-unit belongs to its parent's agency."""
    if parent.agency_id != agency_id:
        raise Invalid.said(
            "forces.parent_unit_belongs_another",
            "the parent unit {code} belongs to another agency",
            code=parent.code,
        )


def check_new_records(qualifications: Sequence[Qualification], fitness: Sequence[Fitness]) -> None:
    """A qualification expires after it was issued; a fitness finding is valid after the
    examination."""
    for q in qualifications:
        if q.expires_on is not None and q.expires_on <= q.issued_on:
            raise Invalid.said(
                "forces.expires_before_was_issued",
                "{kind} expires on or before it was issued",
                kind=q.kind,
            )
    for f in fitness:
        if f.valid_until is not None and f.valid_until <= f.examined_on:
            raise Invalid.said(
                "forces.fitness_valid_until_after",
                "fitness valid-until must be after the examination",
            )


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


#: what an edit of a unit may change
EDITABLE = (
    "name",
    "category",
    "home_lon",
    "home_lat",
    "capabilities",
    "readiness",
    "declared_strength",
)


def check_unit_changes(changes: Mapping[str, Any]) -> None:
    """Only the editable fields, and a readiness on the registry's scale."""
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise Invalid.said(
            "forces.these_fields_cannot_changed",
            "these fields cannot be changed: {known}",
            known=", ".join(sorted(unknown)),
        )
    if "readiness" in changes:
        check_readiness(int(changes["readiness"]))


def decide_unit_update(
    unit: Unit, changes: Mapping[str, Any]
) -> tuple[dict[str, Any], UnitUpdated | None]:
    """The values to store and the event (None: nothing changes); the home base must be
    a valid point."""
    lon = changes.get("home_lon", unit.home_lon)
    lat = changes.get("home_lat", unit.home_lat)
    check_point(lon, lat, "home base")
    values = {k: (list(v) if k == "capabilities" else v) for k, v in changes.items()}
    before = {
        k: (list(getattr(unit, k)) if k == "capabilities" else getattr(unit, k)) for k in values
    }
    diff = {k: [before[k], values[k]] for k in values if before[k] != values[k]}
    if not diff:
        return values, None
    event = UnitUpdated(**_unit(unit), changes={k: v[1] for k, v in diff.items()}, diff=diff)
    return values, event


def position_reported(
    unit: Unit,
    lon: float,
    lat: float,
    *,
    at: datetime,
    source: str,
    latest: bool,
    accuracy_m: float | None = None,
) -> UnitPositionUpdated:
    """``latest``: newer than every known position (only then is it published);
    ``accuracy_m``: the device's stated accuracy, 0 to 100 km."""
    check_accuracy(accuracy_m)
    return UnitPositionUpdated(
        **_unit(unit),
        lon=lon,
        lat=lat,
        at=at.isoformat(),
        source=source,
        latest=latest,
        accuracy_m=accuracy_m,
    )


def member_registered(unit: Unit, member_id: int, record: MemberRecord) -> MemberRegistered:
    return MemberRegistered(
        **_unit(unit),
        member_id=member_id,
        callsign=record.callsign,
        external_id=record.external_id,
        unit_code=unit.code,
    )


def _plain(record: Any) -> dict[str, Any]:
    """A record's fields for the audit trail, dates as ISO text (what the hash chain has
    always seen of them; the JSON column takes no date)."""
    return {
        k: v.isoformat() if isinstance(v, date) else v
        for k, v in dataclasses.asdict(record).items()
    }


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
        added={name: [_plain(x) for x in items] for name, items in kinds if items},
    )


def roster_imported(
    index: Mapping[str, tuple[int, str, str, int]],
    new: Sequence[tuple[MemberRecord, int]],
    changed: Sequence[tuple[int, MemberRecord, int]],
    *,
    unchanged: int,
) -> RosterImported:
    """A roster import: ``index`` gives each unit code's (id, path, region, agency id);
    the event is seen by whoever may read members of the units it touched."""
    touched = {index[r.unit_code] for r, _ in new} | {index[r.unit_code] for _, r, _ in changed}
    return RosterImported(
        created=len(new),
        updated=len(changed),
        unchanged=unchanged,
        regions=tuple(sorted({t[2] for t in touched})),
        agencies=tuple(sorted({t[3] for t in touched})),
        unit_paths=tuple(sorted({t[1] for t in touched})),
        created_ids=tuple(r.external_id for r, _ in new),
        updated_ids=tuple(r.external_id for _, r, _ in changed),
    )
