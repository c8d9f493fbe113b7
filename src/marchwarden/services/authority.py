"""The legal-authority engine over the registry: powers of members and units, what-if.

The registry and the law are read once into a snapshot (the unit tree and a columnar
member table) and reused until any event is committed; evaluation itself is pure
(``core/authority``).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from marchwarden import geodata
from marchwarden.core.access.policy import Action, decide
from marchwarden.core.authority.evaluation import (
    ApplicableLaw,
    BatchAuthority,
    MemberAuthority,
    UnitAuthority,
    evaluate_member,
    evaluate_table,
)
from marchwarden.core.authority.model import (
    POWER_CATALOGUE,
    ActStatus,
    MemberTable,
    UnitTree,
)
from marchwarden.core.authority.whatif import WhatIf, compare
from marchwarden.core.errors import Invalid, NotFound
from marchwarden.core.forces.facts import member_facts, member_table, unit_facts
from marchwarden.core.forces.strength import stand_ins
from marchwarden.core.geo.coverage import CoverageComparison, ResponderPoint, compare_coverage
from marchwarden.core.geo.distance import TravelModel
from marchwarden.services.context import authorise, authorise_role

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import Principal
    from marchwarden.core.authority.model import ActivationOrder, LegalAct
    from marchwarden.core.forces.model import Unit
    from marchwarden.services.context import Services


@dataclass(frozen=True)
class Snapshot:
    version: int
    units: dict[int, Unit]
    tree: UnitTree
    table: MemberTable
    acts: tuple[LegalAct, ...]


@dataclass
class LegalSnapshots:
    """The legal engine's read model of one store: the registry and the law as a
    snapshot, and the evaluations made on it, kept until an event changes what they
    depend on. Built by the composition root (``bootstrap.py``), carried on
    ``Services.law``; it goes with its store."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    snapshot: Snapshot | None = None
    batches: dict[tuple[int, datetime, tuple[str, ...]], BatchAuthority] = field(
        default_factory=dict
    )


def _cache(svc: Services) -> LegalSnapshots:
    return svc.law


#: events that change what the legal engine sees; a unit's status or position does not
#: (the what-if reads current positions itself), nor do reports, incidents or tasks
_RELEVANT = frozenset(
    {
        "AgencyCreated",
        "UnitCreated",
        "UnitUpdated",
        "MemberRegistered",
        "MemberChanged",
        "RosterImported",
        "LegalActRecorded",
        "LegalActStatusChanged",
        "ActivationOrderIssued",
    }
)


def snapshot(svc: Services) -> Snapshot:
    """The registry and law as the legal engine sees them, rebuilt after a change to them.

    ``version`` is the newest event id checked; newer events are looked at by type, so
    a stream of reports or status changes does not force a rebuild."""
    cache = _cache(svc)
    with svc.db.unit_of_work(write=False) as uow:
        current = cache.snapshot
        if current is not None:
            newer = uow.events.types_after(current.version)
            if not newer:
                return current
            if not any(kind in _RELEVANT for _, kind in newer):
                moved = Snapshot(
                    newer[-1][0], current.units, current.tree, current.table, current.acts
                )
                with cache.lock:
                    if cache.snapshot is current:
                        cache.snapshot = moved
                        cache.batches = {
                            (moved.version, *k[1:]): v
                            for k, v in cache.batches.items()
                            if k[0] == current.version
                        }
                return moved
        version = uow.events.last_id()
        units_list = uow.forces.units()
        orders = uow.forces.orders()
        member_rows, trainings, quals, fitness = uow.forces.authority_rows()
        acts = tuple(uow.forces.acts())
    units = {u.id: u for u in units_list}
    by_unit: dict[int, list[ActivationOrder]] = {}
    for o in orders:
        by_unit.setdefault(o.unit_id, []).append(o.order)
    tree = UnitTree(unit_facts(u, by_unit.get(u.id, ())) for u in units_list)
    rows = [(str(m.id), int(m.unit_id)) for m in member_rows]
    rows += standin_members(units_list, [m.unit_id for m in member_rows])
    table = member_table(tree, rows, trainings, quals, fitness)
    snap = Snapshot(version, units, tree, table, acts)
    with cache.lock:
        if cache.snapshot is None or cache.snapshot.version <= version:
            cache.snapshot = snap
            cache.batches.clear()
    return snap


def standin_members(units: list[Unit], member_units: list[int]) -> list[tuple[str, int]]:
    """Anonymous members for declared strength that the roster does not cover
    (``core/forces/strength.py: stand_ins``), as (member id, unit id) rows."""
    registered = Counter(member_units)
    counts = stand_ins(((u.id, u.parent_id, u.declared_strength) for u in units), registered)
    return [(f"standin-{uid}-{k}", uid) for uid, n in counts.items() for k in range(n)]


def _check_proposed(snap: Snapshot, with_proposed: tuple[str, ...]) -> None:
    known = {a.reference: a for a in snap.acts}
    for ref in with_proposed:
        act = known.get(ref)
        if act is None:
            raise Invalid.said("law.no_legal_act", "no legal act {reference}", reference=repr(ref))
        if act.status is not ActStatus.PROPOSED:
            raise Invalid.said(
                "law.proposed_only_proposed_acts",
                "{ref} is {status}, not proposed: only proposed acts can be added to a what-if",
                ref=ref,
                status=act.status.value,
            )


def batch(
    svc: Services, at: datetime, with_proposed: tuple[str, ...] = ()
) -> tuple[Snapshot, BatchAuthority]:
    snap = snapshot(svc)
    _check_proposed(snap, with_proposed)
    cache = _cache(svc)
    key = (snap.version, at, tuple(sorted(with_proposed)))
    with cache.lock:
        found = cache.batches.get(key)
    if found is None:
        found = evaluate_table(snap.table, ApplicableLaw(snap.acts, at, with_proposed), at)
        with cache.lock:
            if len(cache.batches) > 64:
                cache.batches.clear()
            cache.batches[key] = found
    return snap, found


class UnitAuthorities(Mapping[int, UnitAuthority]):
    """Every unit's authority at one moment, computed per unit on first access."""

    def __init__(self, snap: Snapshot, result: BatchAuthority) -> None:
        self._snap = snap
        self._batch = result
        self._done: dict[int, UnitAuthority] = {}

    def __getitem__(self, unit_id: int) -> UnitAuthority:
        if unit_id not in self._snap.units:
            raise KeyError(unit_id)
        found = self._done.get(unit_id)
        if found is None:
            found = self._batch.unit_authority(str(unit_id))
            self._done[unit_id] = found
        return found

    def __iter__(self) -> Iterator[int]:
        return iter(self._snap.units)

    def __len__(self) -> int:
        return len(self._snap.units)

    def holding(self, power: str) -> frozenset[int]:
        """Ids of the units that hold ``power`` (fast: no per-unit reasons)."""
        return frozenset(int(u) for u in self._batch.units_holding(power))


def unit_authority_map(
    svc: Services, at: datetime, with_proposed: tuple[str, ...] = ()
) -> UnitAuthorities:
    snap, result = batch(svc, at, with_proposed)
    return UnitAuthorities(snap, result)


def powers_by_unit(
    svc: Services, actor: Principal, at: datetime, with_proposed: tuple[str, ...] = ()
) -> tuple[tuple[str, ...], dict[int, list[str]]]:
    """The acts in effect and, for every unit the actor may evaluate, the powers it holds
    (without the reasons: those come per unit from :func:`unit_authority`)."""
    authorise_role(actor, Action.AUTHORITY_EVALUATE)
    snap, result = batch(svc, at, with_proposed)
    visible = {
        uid
        for uid, unit in snap.units.items()
        if decide(actor, Action.AUTHORITY_EVALUATE, unit.resource()).allowed
    }
    held: dict[int, list[str]] = {uid: [] for uid in sorted(visible)}
    for power in POWER_CATALOGUE:
        for uid in result.units_holding(power):
            found = held.get(int(uid))
            if found is not None:
                found.append(power)
    return result.law.in_effect, held


def unit_authority(
    svc: Services, actor: Principal, unit_id: int, at: datetime, with_proposed: tuple[str, ...] = ()
) -> tuple[Unit, UnitAuthority]:
    snap, result = batch(svc, at, with_proposed)
    unit = snap.units.get(unit_id)
    if unit is None:
        raise NotFound.with_id("unit", unit_id)
    authorise(actor, Action.AUTHORITY_EVALUATE, unit.resource())
    return unit, result.unit_authority(str(unit_id))


def member_authority(
    svc: Services,
    actor: Principal,
    member_id: int,
    at: datetime,
    with_proposed: tuple[str, ...] = (),
) -> tuple[Unit, MemberAuthority]:
    snap = snapshot(svc)
    _check_proposed(snap, with_proposed)
    with svc.db.unit_of_work(write=False) as uow:
        member = uow.forces.member(member_id)
    if member is None:
        raise NotFound.with_id("member", member_id)
    unit = snap.units[member.unit_id]
    authorise(actor, Action.AUTHORITY_EVALUATE, unit.resource())
    facts = member_facts(member.id, unit, member.trainings, member.qualifications, member.fitness)
    return unit, evaluate_member(facts, snap.tree, snap.acts, at, with_proposed=with_proposed)


# --------------------------------------------------------------------------- what-if


@dataclass(frozen=True)
class WhatIfReport:
    at: datetime
    proposed: tuple[str, ...]
    whatif: WhatIf
    units: dict[int, Unit]
    coverage_power: str
    coverage_minutes: float
    border_band_km: float
    coverage: CoverageComparison
    #: the units the caller may read (``unit.read``): only these are named in the reply;
    #: the counts and the coverage are the law's effect everywhere (policy: SIDE_DOORS)
    visible_units: frozenset[int] = frozenset()


def _responders(units: dict[int, Unit], ids: frozenset[int]) -> list[ResponderPoint]:
    out = []
    for uid in sorted(ids):
        u = units[uid]
        lon = u.position_lon if u.position_lon is not None else u.home_lon
        lat = u.position_lat if u.position_lat is not None else u.home_lat
        out.append(ResponderPoint(str(uid), lon, lat))
    return out


def check_coverage_question(power: str, minutes: float, border_band_km: float) -> None:
    """A coverage question (the what-if's, the release analysis's): a power of the
    catalogue, within 0-1440 minutes, of a border band of 0-500 km."""
    if power not in POWER_CATALOGUE:
        raise Invalid.said(
            "law.unknown_power_one",
            "unknown power {power}; one of {known}",
            power=repr(power),
            known=", ".join(POWER_CATALOGUE),
        )
    if not (0 < minutes <= 24 * 60):
        raise Invalid.said(
            "law.minutes_more_than_most", "minutes must be more than 0 and at most 1440"
        )
    if not (0 < border_band_km <= 500):
        raise Invalid.said(
            "law.border_band_more_than", "border band must be more than 0 and at most 500 km"
        )


def what_if(
    svc: Services,
    actor: Principal,
    *,
    proposed: tuple[str, ...],
    at: datetime,
    power: str = "armed_response",
    minutes: float = 30.0,
    border_band_km: float = 30.0,
    travel: TravelModel | None = None,
) -> WhatIfReport:
    """Acts in force versus acts in force + ``proposed``: who gains or loses which power,
    by region; and the border settlements within ``minutes`` of a unit holding ``power``
    before and after (no unit is moved: units respond from where they are)."""
    authorise(actor, Action.WHATIF_RUN)
    if not proposed:
        raise Invalid.said(
            "law.name_least_one_proposed",
            "name at least one proposed act to compare against the law in force",
        )
    check_coverage_question(power, minutes, border_band_km)
    travel = travel or TravelModel()
    snap, before = batch(svc, at)
    _, after = batch(svc, at, proposed)
    result = compare(before, after)
    before_units = frozenset(int(u) for u in before.units_holding(power))
    after_units = frozenset(int(u) for u in after.units_holding(power))
    settlements = [e.settlement for e in geodata.border_settlements(border_band_km).entries]
    with svc.db.unit_of_work(write=False) as uow:
        now_units = {u.id: u for u in uow.forces.units()}
    cover = compare_coverage(
        _responders(now_units, before_units),
        _responders(now_units, after_units),
        settlements,
        travel,
        minutes,
    )
    return WhatIfReport(
        at=at,
        proposed=proposed,
        whatif=result,
        units=snap.units,
        coverage_power=power,
        coverage_minutes=minutes,
        border_band_km=border_band_km,
        coverage=cover,
        visible_units=frozenset(
            uid
            for uid, unit in snap.units.items()
            if decide(actor, Action.UNIT_READ, unit.resource()).allowed
        ),
    )
