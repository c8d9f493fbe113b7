"""Declared strength counts as stand-in members: one function for the what-if and the
scenario (core/forces/strength.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from marchwarden.core.forces.model import Unit
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.forces.strength import stand_ins
from marchwarden.services.authority import standin_members


def test_a_declaration_includes_its_sub_units_at_every_depth() -> None:
    # R declares 100; its child C declares nothing; C's child G declares 30; no one
    # registered: G's 30 are part of R's 100, so R gets 70 and the tree 100 in all
    tree = [("R", None, 100), ("C", "R", None), ("G", "C", 30)]
    counts = stand_ins(tree, {})
    assert counts == {"G": 30, "R": 70}
    assert sum(counts.values()) == 100


def test_registered_members_and_sub_units_cover_a_declaration() -> None:
    tree = [("R", None, 100), ("A", "R", 40), ("B", "R", None)]
    counts = stand_ins(tree, {"A": 50, "B": 5, "R": 10})
    # A is over its declaration (no stand-ins); R: 100 - (50 + 5 + 10) = 35
    assert counts == {"R": 35}


def test_a_declaration_smaller_than_the_roster_adds_nobody() -> None:
    assert stand_ins([(1, None, 3)], {1: 5}) == {}
    assert stand_ins([(1, None, None)], {}) == {}


def _unit(uid: int, parent: int | None, declared: int | None) -> Unit:
    return Unit(
        id=uid,
        code=f"U{uid}",
        name=f"unit {uid}",
        agency_id=1,
        agency_kind="army",
        parent_id=parent,
        path=f"/{uid}/",
        category="army_battalion",
        region="RU-BEL",
        home_lon=36.0,
        home_lat=50.5,
        capabilities=(),
        readiness=3,
        status=UnitStatus.AVAILABLE,
        status_since=datetime(2026, 1, 1, tzinfo=UTC),
        declared_strength=declared,
    )


def test_the_what_if_counts_the_same_stand_ins() -> None:
    rows = standin_members([_unit(1, None, 100), _unit(2, 1, None), _unit(3, 2, 30)], [])
    assert len(rows) == 100
    assert sum(1 for _, uid in rows if uid == 3) == 30
    assert len({member for member, _ in rows}) == 100
