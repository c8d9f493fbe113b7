"""What-if: the acts in force beside the acts in force plus chosen proposed acts.

Per power and per region: which members and which units gain or lose the power. The
held powers of every unit under each set are exposed (:meth:`WhatIf.unit_powers_before`,
:meth:`WhatIf.units_holding_after` …) so that settlement coverage, computed in
``core.geo``, can be compared before and after without moving any unit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from marchwarden.core.authority.errors import InvalidFactsError, InvalidMomentError
from marchwarden.core.authority.evaluation import ApplicableLaw, BatchAuthority, evaluate_table
from marchwarden.core.authority.model import LegalAct, MemberTable, power_label

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime


@dataclass(frozen=True, slots=True)
class RegionPowerChange:
    """In one region, for one power: who gains, who loses, and how many hold it."""

    region: str
    members_gaining: tuple[str, ...]
    members_losing: tuple[str, ...]
    units_gaining: tuple[str, ...]
    units_losing: tuple[str, ...]
    members_before: int
    members_after: int
    units_before: int
    units_after: int

    @property
    def members_gained(self) -> int:
        return len(self.members_gaining)

    @property
    def members_lost(self) -> int:
        return len(self.members_losing)

    @property
    def units_gained(self) -> int:
        return len(self.units_gaining)

    @property
    def units_lost(self) -> int:
        return len(self.units_losing)

    @property
    def changed(self) -> bool:
        return bool(
            self.members_gaining or self.members_losing or self.units_gaining or self.units_losing
        )


@dataclass(frozen=True, slots=True)
class PowerChange:
    """One power across regions (only regions where someone holds or changes it)."""

    power: str
    label: str
    regions: tuple[RegionPowerChange, ...]

    @property
    def members_gained(self) -> int:
        return sum(r.members_gained for r in self.regions)

    @property
    def members_lost(self) -> int:
        return sum(r.members_lost for r in self.regions)

    @property
    def units_gained(self) -> int:
        return sum(r.units_gained for r in self.regions)

    @property
    def units_lost(self) -> int:
        return sum(r.units_lost for r in self.regions)

    @property
    def changed(self) -> bool:
        return any(r.changed for r in self.regions)

    def region(self, region: str) -> RegionPowerChange | None:
        return next((r for r in self.regions if r.region == region), None)


@dataclass(frozen=True, slots=True)
class WhatIf:
    """The comparison. ``baseline``: the acts in force; ``scenario``: plus ``proposed``."""

    at: datetime
    proposed: tuple[str, ...]
    baseline: BatchAuthority
    scenario: BatchAuthority
    changes: tuple[PowerChange, ...]

    def change(self, power: str) -> PowerChange:
        for c in self.changes:
            if c.power == power:
                return c
        return PowerChange(power, power_label(power), ())

    @property
    def powers_changed(self) -> tuple[str, ...]:
        return tuple(c.power for c in self.changes if c.changed)

    def unit_powers_before(self) -> dict[str, frozenset[str]]:
        """Per unit id, the powers the unit holds under the acts in force."""
        return self.baseline.unit_powers()

    def unit_powers_after(self) -> dict[str, frozenset[str]]:
        """Per unit id, the powers the unit holds with the proposed acts added."""
        return self.scenario.unit_powers()

    def units_holding_before(self, power: str) -> tuple[str, ...]:
        return self.baseline.units_holding(power)

    def units_holding_after(self, power: str) -> tuple[str, ...]:
        return self.scenario.units_holding(power)


def _group(
    rows: npt.NDArray[np.intp], region_of_row: npt.NDArray[np.int32], n_regions: int
) -> list[npt.NDArray[np.intp]]:
    """Split row indices by region code (rows keep their order within a region)."""
    if rows.size == 0:
        return [rows] * n_regions
    codes = region_of_row[rows]
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(n_regions + 1))
    return [rows[order[bounds[r] : bounds[r + 1]]] for r in range(n_regions)]


def compare(baseline: BatchAuthority, scenario: BatchAuthority) -> WhatIf:
    """Compare two batch evaluations of the same table at the same moment."""
    if baseline.table is not scenario.table:
        raise InvalidFactsError("a what-if compares two evaluations of the same member table")
    if baseline.at != scenario.at:
        raise InvalidMomentError("a what-if compares two evaluations at the same moment")
    table = baseline.table
    tree = table.units
    regions = sorted(set(table.regions) | {u.region for u in tree})
    rpos = {r: k for k, r in enumerate(regions)}
    member_region = (
        np.array([rpos[r] for r in table.regions], dtype=np.int32)[table.region_code]
        if len(table)
        else np.zeros(0, dtype=np.int32)
    )
    unit_region = np.array([rpos[u.region] for u in tree], dtype=np.int32)
    unit_ids = tree.unit_ids
    n_r = len(regions)
    empty_m = np.zeros(len(table), dtype=np.bool_)
    empty_u = np.zeros(len(tree), dtype=np.bool_)

    def ids_of_members(rows: npt.NDArray[np.intp]) -> tuple[str, ...]:
        return tuple(str(v) for v in table.member_ids[rows].tolist())

    def ids_of_units(rows: npt.NDArray[np.intp]) -> tuple[str, ...]:
        return tuple(unit_ids[k] for k in rows.tolist())

    changes: list[PowerChange] = []
    powers = list(dict.fromkeys((*baseline.powers, *scenario.powers)))
    for power in powers:
        mb = baseline.member_held.get(power, empty_m)
        ma = scenario.member_held.get(power, empty_m)
        ub = baseline.unit_held.get(power, empty_u)
        ua = scenario.unit_held.get(power, empty_u)
        m_gain = _group(np.flatnonzero(ma & ~mb), member_region, n_r)
        m_lose = _group(np.flatnonzero(mb & ~ma), member_region, n_r)
        u_gain = _group(np.flatnonzero(ua & ~ub), unit_region, n_r)
        u_lose = _group(np.flatnonzero(ub & ~ua), unit_region, n_r)
        m_before = np.bincount(member_region[mb], minlength=n_r)
        m_after = np.bincount(member_region[ma], minlength=n_r)
        u_before = np.bincount(unit_region[ub], minlength=n_r)
        u_after = np.bincount(unit_region[ua], minlength=n_r)
        rows: list[RegionPowerChange] = []
        for r, name in enumerate(regions):
            counts = (int(m_before[r]), int(m_after[r]), int(u_before[r]), int(u_after[r]))
            moved = m_gain[r].size + m_lose[r].size + u_gain[r].size + u_lose[r].size
            if not any(counts) and not moved:
                continue
            rows.append(
                RegionPowerChange(
                    region=name,
                    members_gaining=ids_of_members(m_gain[r]),
                    members_losing=ids_of_members(m_lose[r]),
                    units_gaining=ids_of_units(u_gain[r]),
                    units_losing=ids_of_units(u_lose[r]),
                    members_before=counts[0],
                    members_after=counts[1],
                    units_before=counts[2],
                    units_after=counts[3],
                )
            )
        changes.append(PowerChange(power, power_label(power), tuple(rows)))
    return WhatIf(
        at=baseline.at,
        proposed=tuple(p for p in scenario.proposed if p not in baseline.proposed),
        baseline=baseline,
        scenario=scenario,
        changes=tuple(changes),
    )


def what_if(
    members: MemberTable,
    acts: Iterable[LegalAct],
    at: datetime,
    proposed: Iterable[str],
) -> WhatIf:
    """Evaluate ``members`` under the acts in force, and again with ``proposed`` added."""
    all_acts = tuple(acts)
    baseline_law = ApplicableLaw(all_acts, at)
    scenario_law = ApplicableLaw(all_acts, at, proposed)
    return compare(
        evaluate_table(members, baseline_law, at),
        evaluate_table(members, scenario_law, at),
    )
