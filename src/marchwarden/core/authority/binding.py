"""What stands in the way: the conditions that keep members from a power, and what
meeting each one would bring.

Over the members who do **not** hold a power under a set of acts (usually the acts in
force plus a proposed act) but whom a counting grant of it names (category and region),
the legal engine's own conditions are checked one by one: a member *would gain* the power
if one condition were met when every other condition of some grant of the power already
holds for them. Counted per condition and per battalion (the root unit of the member's
unit tree), with the units that would then hold the power (a unit holds it when enough
members of its subtree do, as in :mod:`~marchwarden.core.authority.evaluation`).

:func:`with_activations` adds hypothetical activation orders to a member table, so that a
what-if can be run "as if battalions 3 and 5 were activated".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marchwarden.core.authority.errors import UnknownUnitError
from marchwarden.core.authority.evaluation import _ColumnEvaluator
from marchwarden.core.authority.model import (
    ActivationOrder,
    Condition,
    FitCondition,
    MemberTable,
    QualificationCondition,
    TrainingCondition,
    UnitFacts,
    UnitTree,
)

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from marchwarden.core.authority.evaluation import BatchAuthority

HYPOTHETICAL_ORDER = "what-if activation"


def condition_kind(cond: Condition) -> str:
    """``unit_activated``, ``qualification``, ``training`` or ``fit``."""
    if isinstance(cond, QualificationCondition):
        return "qualification"
    if isinstance(cond, TrainingCondition):
        return "training"
    if isinstance(cond, FitCondition):
        return "fit"
    return "unit_activated"


def condition_text(cond: Condition) -> str:
    """What meeting the condition takes, in words."""
    if isinstance(cond, QualificationCondition):
        return f"a valid {cond.kind} qualification"
    if isinstance(cond, TrainingCondition):
        return f"the {cond.programme} training completed"
    if isinstance(cond, FitCondition):
        return "a valid fitness record"
    return "the unit activated"


@dataclass(frozen=True, slots=True)
class Gain:
    """Meeting one condition (in one battalion, or everywhere): who would gain the power."""

    condition: Condition
    members: int
    units: tuple[str, ...]

    @property
    def kind(self) -> str:
        return condition_kind(self.condition)

    @property
    def label(self) -> str:
        return self.condition.describe()


@dataclass(frozen=True, slots=True)
class BattalionConditions:
    """One battalion: its members who do not hold the power and the gain per condition."""

    unit_id: str
    name: str
    members_without: int
    gains: tuple[Gain, ...]

    def gain(self, kind: str) -> Gain | None:
        return next((g for g in self.gains if g.kind == kind), None)


@dataclass(frozen=True, slots=True)
class BindingConditions:
    power: str
    proposed: tuple[str, ...]
    #: members a counting grant of the power names (category and region)
    members_named: int
    members_holding: int
    members_without: int
    #: per condition, across all battalions (most members first)
    totals: tuple[Gain, ...]
    #: per battalion with members without the power (most gained by one condition first)
    battalions: tuple[BattalionConditions, ...]


def _roots(tree: UnitTree) -> npt.NDArray[np.int64]:
    parent = tree.parent_index
    root = np.arange(len(tree), dtype=np.int64)
    for k in range(len(tree)):  # parents come first in tree order
        if parent[k] >= 0:
            root[k] = root[parent[k]]
    return root


def binding_conditions(result: BatchAuthority, power: str) -> BindingConditions:
    """Aggregate the conditions that keep members from ``power`` under ``result``'s law."""
    table = result.table
    tree = table.units
    law = result.law
    ev = _ColumnEvaluator(table, law.at)
    n = len(table)
    held = result.member_held.get(power, np.zeros(n, dtype=np.bool_))
    unit_held = result.unit_held.get(power, np.zeros(len(tree), dtype=np.bool_))
    named = np.zeros(n, dtype=np.bool_)
    # per grant: the members it names, its condition masks, and its min members
    grants: list[tuple[npt.NDArray[np.bool_], list[tuple[Condition, npt.NDArray[np.bool_]]], int]]
    grants = []
    conditions: list[Condition] = []
    for grant, standing in law.grants_for(power):
        if not standing.in_effect:
            continue
        base = ev.category(grant.categories).copy()
        if standing.act.regions is not None:
            base &= ev.region(standing.act.regions)
        named |= base
        masks = [(c, ev.condition(c)) for c in grant.conditions]
        grants.append((base, masks, grant.min_members))
        conditions.extend(c for c in grant.conditions if c not in conditions)
    without = named & ~held
    would: dict[Condition, npt.NDArray[np.bool_]] = {}
    # per condition and grant: the members who would then hold through that grant
    per_grant: dict[Condition, list[npt.NDArray[np.bool_]]] = {}
    for cond in conditions:
        total = np.zeros(n, dtype=np.bool_)
        gm: list[npt.NDArray[np.bool_]] = []
        for base, masks, _ in grants:
            if all(c != cond for c, _ in masks):
                gm.append(np.zeros(n, dtype=np.bool_))
                continue
            others = base.copy()
            for c, m in masks:
                if c != cond:
                    others &= m
            gm.append(others & without)
            total |= others & without
        would[cond] = total
        per_grant[cond] = gm
    root = _roots(tree)
    member_root = root[table.unit_index]
    n_units = len(tree)

    def units_gained(cond: Condition, rows: npt.NDArray[np.bool_]) -> tuple[str, ...]:
        if not rows.any():
            return ()
        now_held = np.zeros(n_units, dtype=np.bool_)
        for (base, masks, min_members), extra in zip(grants, per_grant[cond], strict=True):
            holding = base.copy()
            for _, m in masks:
                holding &= m
            holding |= extra & rows
            direct = np.bincount(table.unit_index[holding], minlength=n_units).astype(np.int64)
            now_held |= tree.subtree_totals(direct) >= min_members
        ids = tree.unit_ids
        return tuple(ids[k] for k in np.flatnonzero(now_held & ~unit_held).tolist())

    everyone = np.ones(n, dtype=np.bool_)
    totals = tuple(
        sorted(
            (Gain(c, int(would[c].sum()), units_gained(c, everyone)) for c in conditions),
            key=lambda g: (-g.members, -len(g.units), g.label),
        )
    )
    battalions: list[BattalionConditions] = []
    for r in sorted(set(member_root[without].tolist())):
        inside = member_root == r
        gains = tuple(
            Gain(c, int((would[c] & inside).sum()), units_gained(c, inside)) for c in conditions
        )
        unit = tree.at_index(r)
        battalions.append(
            BattalionConditions(
                unit_id=unit.unit_id,
                name=unit.display_name,
                members_without=int((without & inside).sum()),
                gains=gains,
            )
        )
    battalions.sort(
        key=lambda b: (
            -max((g.members for g in b.gains), default=0),
            -b.members_without,
            b.unit_id,
        )
    )
    return BindingConditions(
        power=power,
        proposed=law.proposed,
        members_named=int(named.sum()),
        members_holding=int((named & held).sum()),
        members_without=int(without.sum()),
        totals=totals,
        battalions=tuple(battalions),
    )


def with_activations(table: MemberTable, unit_ids: Iterable[str], at: datetime) -> MemberTable:
    """The same members, as if each unit in ``unit_ids`` had an activation order from
    ``at`` with no end (its sub-units with it)."""
    wanted = set(unit_ids)
    tree = table.units
    for uid in sorted(wanted):
        if uid not in tree:
            raise UnknownUnitError(f"unknown unit {uid!r}")
    if not wanted:
        return table
    order = ActivationOrder(valid_from=at, valid_to=None, reference=HYPOTHETICAL_ORDER)
    units = [
        UnitFacts(
            unit_id=u.unit_id,
            parent_id=u.parent_id,
            agency_kind=u.agency_kind,
            category=u.category,
            region=u.region,
            name=u.name,
            activation_orders=(*u.activation_orders, order)
            if u.unit_id in wanted
            else u.activation_orders,
        )
        for u in tree
    ]
    new_tree = UnitTree(units)
    if new_tree.unit_ids != tree.unit_ids:  # pragma: no cover - tree order is kept
        raise AssertionError("the unit tree changed order")
    return MemberTable(
        units=new_tree,
        member_ids=table.member_ids,
        unit_index=table.unit_index,
        regions=table.regions,
        region_code=table.region_code,
        agency_kinds=table.agency_kinds,
        agency_code=table.agency_code,
        unit_categories=table.unit_categories,
        category_code=table.category_code,
        qualifications=table.qualifications,
        trainings=table.trainings,
        fitness=table.fitness,
    )
