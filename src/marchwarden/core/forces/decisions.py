"""Decisions of the forces registry: pure functions that check a change and return its
event (which knows its audit record, ``core/forces/events.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.forces.events import UnitStatusChanged
from marchwarden.core.forces.status import change_status

if TYPE_CHECKING:
    from marchwarden.core.forces.model import Unit
    from marchwarden.core.forces.status import UnitStatus


def decide_unit_status(
    unit: Unit, new: UnitStatus, note: str, *, own_command: bool = False
) -> UnitStatusChanged:
    """A unit's CAD status moves to ``new`` (``status.py`` says which moves exist)."""
    change_status(unit.status, new)
    return UnitStatusChanged(
        unit_id=unit.id,
        region=unit.region,
        agency_id=unit.agency_id,
        path=unit.path,
        status=new.value,
        previous=unit.status.value,
        availability=new.availability.value,
        note=note,
        own_command=own_command,
    )
