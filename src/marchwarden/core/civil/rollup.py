"""Roll-ups the situation reports carry: casualties per incident added up over a region
or over all the border regions (with the per-incident breakdown), and displacement (the
evacuation orders in force and the shelters) for an incident, a region or a set of
regions. Pure: the caller has already chosen what the reader may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from marchwarden.core.civil.evacuation import Displacement, EvacuationOrder, displacement
from marchwarden.core.incidents.casualties import CasualtyCategory

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence


@dataclass(frozen=True, slots=True)
class IncidentCasualties:
    incident_id: int
    name: str
    region: str | None
    counts: Mapping[CasualtyCategory, int]
    change: Mapping[CasualtyCategory, int]


@dataclass(frozen=True, slots=True)
class CasualtyRollup:
    totals: Mapping[CasualtyCategory, int]
    change: Mapping[CasualtyCategory, int]
    by_incident: tuple[IncidentCasualties, ...]
    """Largest toll first (killed, then wounded, then missing), then by incident id."""


def _toll(i: IncidentCasualties) -> tuple[int, int, int, int]:
    def total(kind: str) -> int:
        return sum(n for c, n in i.counts.items() if c.value.endswith(kind))

    return (-total("killed"), -total("wounded"), -total("missing"), i.incident_id)


def casualty_rollup(parts: Iterable[IncidentCasualties]) -> CasualtyRollup:
    """Each incident counted once (its figures are already absolute, see
    ``core/incidents/casualties.py``); the totals are the sums per category."""
    unique = {p.incident_id: p for p in parts}
    ordered = tuple(sorted(unique.values(), key=_toll))
    return CasualtyRollup(
        totals={c: sum(p.counts.get(c, 0) for p in ordered) for c in CasualtyCategory},
        change={c: sum(p.change.get(c, 0) for p in ordered) for c in CasualtyCategory},
        by_incident=ordered,
    )


Shelter = tuple[str | None, int, int]
"""(region, occupancy, capacity) of a shelter."""


def incident_displacement(
    incident_id: int,
    incident_region: str | None,
    orders: Sequence[EvacuationOrder],
    shelters: Sequence[Shelter],
) -> Displacement:
    """The incident's orders; the shelters of the incident's region and of the regions
    its orders touch (where its people go)."""
    mine = [o for o in orders if o.incident_id == incident_id]
    regions = {r for o in mine for r in o.regions} | (
        {incident_region} if incident_region else set()
    )
    return displacement(f"incident {incident_id}", mine, [s for s in shelters if s[0] in regions])


def regions_displacement(
    scope: str,
    regions: Collection[str],
    orders: Sequence[EvacuationOrder],
    shelters: Sequence[Shelter],
) -> Displacement:
    """The orders that touch any of ``regions`` (an order over two of them counted
    once) and the shelters in them."""
    wanted = set(regions)
    return displacement(
        scope,
        [o for o in orders if o.regions & wanted],
        [s for s in shelters if s[0] in wanted],
    )
