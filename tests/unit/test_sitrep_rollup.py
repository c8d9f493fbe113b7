"""The sitrep roll-ups (core/civil/rollup.py): pure, no I/O."""

from __future__ import annotations

import dataclasses

from marchwarden.core.alerts.areas import AreaKind, AreaSpec
from marchwarden.core.civil import evacuation as ev
from marchwarden.core.civil.rollup import (
    IncidentCasualties,
    casualty_rollup,
    incident_displacement,
    regions_displacement,
)
from marchwarden.core.incidents.casualties import CasualtyCategory as C


def _order(
    oid: int, incident: int | None, regions: set[str], to_move: int, moved: int
) -> ev.EvacuationOrder:
    return ev.EvacuationOrder(
        oid,
        incident,
        None,
        ev.OrderKind.MANDATORY,
        ev.OrderState.IN_PROGRESS,
        AreaSpec(AreaKind.REGION, region=sorted(regions)[0]),
        "x",
        frozenset(regions),
        (),
        to_move,
        moved,
        (),
        "hq",
    )


def test_casualties_add_up_once_per_incident_largest_toll_first() -> None:
    a = IncidentCasualties(1, "A", "RU-BEL", {C.CIVILIAN_WOUNDED: 5}, {C.CIVILIAN_WOUNDED: 2})
    b = IncidentCasualties(2, "B", "RU-KRS", {C.CIVILIAN_KILLED: 1, C.CIVILIAN_WOUNDED: 1}, {})
    r = casualty_rollup([a, b, a])
    assert [i.incident_id for i in r.by_incident] == [2, 1]
    assert r.totals[C.CIVILIAN_WOUNDED] == 6 and r.totals[C.CIVILIAN_KILLED] == 1
    assert r.totals[C.PERSONNEL_MISSING] == 0
    assert r.change[C.CIVILIAN_WOUNDED] == 2


def test_displacement_counts_orders_in_force_once_and_the_scope_shelters() -> None:
    both = _order(1, 7, {"RU-BEL", "RU-KRS"}, 100, 40)
    bel = _order(2, 8, {"RU-BEL"}, 50, 50)
    lifted = dataclasses.replace(_order(3, 7, {"RU-BEL"}, 999, 0), state=ev.OrderState.LIFTED)
    shelters = [("RU-BEL", 10, 100), ("RU-KRS", 5, 20), ("RU-BRY", 7, 7)]
    orders = [both, bel, lifted]
    d = regions_displacement("all", ["RU-BEL", "RU-KRS"], orders, shelters)
    assert (d.orders, d.to_move, d.moved, d.remaining) == (2, 150, 90, 60)
    assert (d.sheltered, d.shelter_capacity) == (15, 120)
    k = regions_displacement("RU-KRS", ["RU-KRS"], orders, shelters)
    assert (k.orders, k.remaining, k.sheltered) == (1, 60, 5)
    i = incident_displacement(7, "RU-BRY", orders, shelters)
    assert (i.scope, i.orders, i.to_move, i.sheltered, i.shelter_capacity) == (
        "incident 7",
        1,
        100,
        22,
        127,
    )
