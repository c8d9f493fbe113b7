"""Declared strength counts as stand-in members. Pure.

A unit may declare its strength instead of registering every member (an army battalion,
say). The legal engine counts its unregistered members as anonymous members with no
records ("stand-ins"): they hold a power only through a grant without conditions, never
one that needs training, a qualification or fitness. The what-if (``services/authority``)
and the scenario's figures (``scenario/generate``) both count them with
:func:`stand_ins`, so they cannot disagree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

K = TypeVar("K")


def stand_ins(
    units: Iterable[tuple[K, K | None, int | None]], registered: Mapping[K, int]
) -> dict[K, int]:
    """How many stand-ins each unit gets: ``units`` are (id, parent id, declared strength
    or None), ``registered`` the registered members per unit id. Units that get none are
    left out.

    A declared strength includes the unit's sub-units, at every depth. A unit's own
    stand-ins are what its declaration leaves uncovered by the members below it — the
    registered ones and the stand-ins of its sub-units — counting a sub-unit that declares
    nothing by what lies below *it*. On the tree R (declares 100) → C (declares nothing)
    → G (declares 30), with no one registered, G gets 30 and R gets 70: 100 in all. R's
    100 already includes G's 30 (G is part of R through C); counting C as empty because
    it declares nothing, and giving R all 100 on top of G's 30 (130, what the scenario
    generator once did), counts G's people twice."""
    children: dict[K | None, list[K]] = {}
    declared: dict[K, int | None] = {}
    for uid, parent, strength in units:
        children.setdefault(parent, []).append(uid)
        declared[uid] = strength
    roots = list(children.get(None, [])) + [
        u for p, kids in children.items() if p is not None and p not in declared for u in kids
    ]
    out: dict[K, int] = {}

    def visit(uid: K) -> int:
        below = sum(visit(c) for c in children.get(uid, ()))
        count = below + registered.get(uid, 0)
        missing = max(0, (declared[uid] or 0) - count)
        if missing:
            out[uid] = missing
        return count + missing

    for root in roots:
        visit(root)
    return out
