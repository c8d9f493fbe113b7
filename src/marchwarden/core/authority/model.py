"""The law and the facts it is applied to.

The law: a :class:`LegalAct` has a status, an effective period ``[from, to)``, the regions
it applies to and its :class:`Grant` clauses. A grant gives one *power* (a data code from
:data:`POWER_CATALOGUE` or any other string) to members of forces of some
:class:`Category` (an agency kind or a unit category) under :data:`Condition` s, and says
how many qualifying members (``min_members``) a unit needs to hold the power as a unit.

The facts: snapshots independent of any ORM. :class:`MemberFacts` for one person,
:class:`UnitFacts` arranged in a :class:`UnitTree`, and :class:`MemberTable`, the same
member facts encoded once as numpy columns for evaluating large populations.

Time
----
Every moment is a timezone-aware UTC ``datetime``. Periods are half-open ``[from, to)``:
a qualification, fitness record, activation order or act is valid at ``t`` when
``from <= t < to`` (``to=None`` means open-ended), so an expiry moment is already
outside. A calendar date stands for midnight UTC at its start (:func:`utc_day`): a
firearms qualification "valid until 2027-03-01" has ``expires_on=utc_day(2027-03-01)``
and is no longer valid at ``2027-03-01T00:00Z``; a training "completed on 2026-01-15"
counts from ``2026-01-15T00:00Z``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from marchwarden.core.authority.errors import (
    InvalidFactsError,
    InvalidLawError,
    InvalidUnitTreeError,
    UnknownMemberError,
    UnknownUnitError,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator, Mapping, Sequence

# --------------------------------------------------------------------------- powers

#: The powers the demo law speaks of, with a human label. Powers are data: the engine
#: evaluates any power code that a grant names, catalogued here or not.
POWER_CATALOGUE: Mapping[str, str] = {
    "observe_report": "Observe and report",
    "patrol_unarmed": "Patrol unarmed",
    "checkpoint": "Staff a checkpoint",
    "evacuation_assist": "Assist an evacuation",
    "first_aid": "Give first aid",
    "detain": "Detain a person",
    "carry_weapons": "Carry and use weapons",
    "armed_response": "Armed response to an attack",
}

#: Agency kinds known to the demo. Like powers, these are data codes; any string works.
AGENCY_KINDS: tuple[str, ...] = (
    "army",
    "border_service",
    "national_guard",
    "police",
    "emergency_service",
    "volunteer_self_defence",
    "other",
)


def power_label(power: str) -> str:
    """The human label of a power; the code itself when it is not catalogued."""
    return POWER_CATALOGUE.get(power, power)


# --------------------------------------------------------------------------- time

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
#: The end of an open-ended period in the columnar encoding (microseconds since epoch).
NO_END_US: int = int(np.iinfo(np.int64).max)


def utc_day(day: date) -> datetime:
    """Midnight UTC at the start of ``day`` — how a calendar date becomes a moment."""
    return datetime.combine(day, time(0, 0), tzinfo=UTC)


def as_utc(value: datetime, what: str = "moment") -> datetime:
    """Check that ``value`` is an aware ``datetime`` and return it in UTC."""
    if not isinstance(value, datetime):
        raise InvalidFactsError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise InvalidFactsError(f"{what} must be timezone-aware: {value.isoformat()}")
    return value.astimezone(UTC)


def to_epoch_us(value: datetime) -> int:
    """Microseconds since 1970-01-01T00:00Z (exact, no float rounding)."""
    return (as_utc(value) - EPOCH) // _MICROSECOND


def format_moment(value: datetime) -> str:
    """``2027-03-01`` for a midnight UTC, ``2027-03-01T12:30Z`` otherwise."""
    v = value.astimezone(UTC)
    if v.time() == time(0, 0):
        return v.date().isoformat()
    if v.second == 0 and v.microsecond == 0:
        return v.strftime("%Y-%m-%dT%H:%MZ")
    return (
        v.strftime("%Y-%m-%dT%H:%M:%S")
        + ("" if v.microsecond == 0 else f".{v.microsecond:06d}")
        + "Z"
    )


def _within(start: datetime, end: datetime | None, at: datetime) -> bool:
    return start <= at and (end is None or at < end)


def _check_period(
    start: datetime, end: datetime | None, what: str
) -> tuple[datetime, datetime | None]:
    s = as_utc(start, f"{what} start")
    e = None if end is None else as_utc(end, f"{what} end")
    return s, e


# --------------------------------------------------------------------------- the law


class ActStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    IN_FORCE = "in_force"
    REPEALED = "repealed"


class CategoryAxis(StrEnum):
    """What a grant's category is matched against."""

    AGENCY_KIND = "agency_kind"
    UNIT_CATEGORY = "unit_category"


@dataclass(frozen=True, slots=True, order=True)
class Category:
    """A category of forces a grant applies to: an agency kind or a unit category."""

    axis: CategoryAxis
    code: str

    def describe(self) -> str:
        return f"{self.axis.value}({self.code})"

    def matches(self, agency_kind: str, unit_category: str | None) -> bool:
        if self.axis is CategoryAxis.AGENCY_KIND:
            return self.code == agency_kind
        return unit_category is not None and self.code == unit_category


def agency_kinds(*codes: str) -> frozenset[Category]:
    """Categories for the given agency kinds, e.g. ``agency_kinds("army", "police")``."""
    return frozenset(Category(CategoryAxis.AGENCY_KIND, c) for c in codes)


def unit_categories(*codes: str) -> frozenset[Category]:
    """Categories for the given unit categories."""
    return frozenset(Category(CategoryAxis.UNIT_CATEGORY, c) for c in codes)


@dataclass(frozen=True, slots=True)
class QualificationCondition:
    """A qualification of this kind, issued <= t < expires."""

    kind: str

    def describe(self) -> str:
        return f"qualification({self.kind})"


@dataclass(frozen=True, slots=True)
class TrainingCondition:
    """This training programme completed on or before t."""

    programme: str

    def describe(self) -> str:
        return f"training({self.programme})"


@dataclass(frozen=True, slots=True)
class FitCondition:
    """A medical-fitness record valid at t."""

    def describe(self) -> str:
        return "fit"


@dataclass(frozen=True, slots=True)
class UnitActivatedCondition:
    """The member's unit, or one of its ancestors, is under an activation order at t."""

    def describe(self) -> str:
        return "unit_activated"


Condition = QualificationCondition | TrainingCondition | FitCondition | UnitActivatedCondition

#: (act reference, clause, power): identifies a grant among all acts.
GrantKey = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Grant:
    """One clause of an act: *act*, *clause* grants *power* to *categories* under
    *conditions*; a unit holds the power through this grant when at least
    ``min_members`` of its members (sub-units included) hold it through this grant."""

    act: str
    clause: str
    power: str
    categories: frozenset[Category]
    conditions: tuple[Condition, ...] = ()
    min_members: int = 1

    def __post_init__(self) -> None:
        where = f"{self.act} {self.clause}"
        if not self.act or not self.clause:
            raise InvalidLawError.said(
                "act.grant_needs_act_reference", "a grant needs an act reference and a clause"
            )
        if not self.power:
            raise InvalidLawError.said(
                "act.grant_needs_power", "{where}: a grant needs a power", where=where
            )
        if not self.categories:
            raise InvalidLawError.said(
                "act.grant_needs_least_one",
                "{where}: a grant needs at least one category",
                where=where,
            )
        if not all(isinstance(c, Category) for c in self.categories):
            raise InvalidLawError.said(
                "act.bad_categories", "{where}: categories must be Category values", where=where
            )
        if isinstance(self.min_members, bool) or not isinstance(self.min_members, int):
            raise InvalidLawError.said(
                "act.min_members_integer", "{where}: min_members must be an integer", where=where
            )
        if self.min_members < 1:
            raise InvalidLawError.said(
                "act.min_members_least", "{where}: min_members must be at least 1", where=where
            )
        if len(set(self.conditions)) != len(self.conditions):
            raise InvalidLawError.said(
                "act.condition_repeated", "{where}: a condition is repeated", where=where
            )

    @property
    def key(self) -> GrantKey:
        return (self.act, self.clause, self.power)

    @property
    def label(self) -> str:
        """``LSD-2023 c.2``."""
        return f"{self.act} {self.clause}"

    def applies_to(self, agency_kind: str, unit_category: str | None) -> Category | None:
        """The first (sorted) category of this grant that the member falls in, if any."""
        for category in sorted(self.categories):
            if category.matches(agency_kind, unit_category):
                return category
        return None

    def describe(self) -> str:
        cats = ", ".join(c.code for c in sorted(self.categories))
        conds = ", ".join(c.describe() for c in self.conditions)
        text = f"{self.label}: {self.power} -> {cats}"
        if conds:
            text += f" [{conds}]"
        return f"{text} n={self.min_members}"


@dataclass(frozen=True, slots=True)
class LegalAct:
    """A legal act. ``effective_to`` is exclusive; ``regions=None`` means everywhere.

    An act in force needs ``effective_from``; a draft or proposed act may leave it
    ``None`` ("from the day it passes").
    """

    id: str
    reference: str
    title: str
    status: ActStatus
    effective_from: datetime | None
    effective_to: datetime | None = None
    regions: frozenset[str] | None = None
    grants: tuple[Grant, ...] = ()

    def __post_init__(self) -> None:
        ref = self.reference or "?"
        if not self.reference:
            raise InvalidLawError.said(
                "act.legal_act_needs_reference", "a legal act needs a reference"
            )
        if not isinstance(self.status, ActStatus):
            raise InvalidLawError.said(
                "act.bad_status", "{ref}: status must be an ActStatus", ref=ref
            )
        try:
            start = None if self.effective_from is None else as_utc(self.effective_from)
            end = None if self.effective_to is None else as_utc(self.effective_to)
        except InvalidFactsError as exc:
            raise InvalidLawError.said(
                "act.bad_dates", "{ref}: {message}", ref=ref, message=exc.message
            ) from exc
        if self.status in (ActStatus.IN_FORCE, ActStatus.REPEALED) and start is None:
            raise InvalidLawError.said(
                "act.act_needs_effective_from",
                "{ref}: an act {status} needs effective_from",
                ref=ref,
                status=self.status.value,
            )
        if start is not None and end is not None and end <= start:
            raise InvalidLawError.said(
                "act.effective_after_effective_from",
                "{ref}: effective_to must be after effective_from",
                ref=ref,
            )
        if self.regions is not None and not self.regions:
            raise InvalidLawError.said(
                "act.regions_none_everywhere_non",
                "{ref}: regions must be None (everywhere) or non-empty",
                ref=ref,
            )
        seen: set[tuple[str, str]] = set()
        for grant in self.grants:
            if grant.act != self.reference:
                raise InvalidLawError.said(
                    "act.grant_names_act",
                    "{ref}: grant {label} names act '{act}', not '{reference}'",
                    ref=ref,
                    label=grant.label,
                    act=grant.act,
                    reference=self.reference,
                )
            if (grant.clause, grant.power) in seen:
                raise InvalidLawError.said(
                    "act.grants_twice",
                    "{ref}: {clause} grants {power} twice",
                    ref=ref,
                    clause=grant.clause,
                    power=grant.power,
                )
            seen.add((grant.clause, grant.power))
        object.__setattr__(self, "effective_from", start)
        object.__setattr__(self, "effective_to", end)
        if self.regions is not None:
            object.__setattr__(self, "regions", frozenset(self.regions))
        object.__setattr__(self, "grants", tuple(self.grants))

    def applies_in(self, region: str) -> bool:
        return self.regions is None or region in self.regions


# --------------------------------------------------------------------------- facts


@dataclass(frozen=True, slots=True)
class QualificationRecord:
    """A qualification of ``kind``, valid ``issued_on <= t < expires_on``."""

    kind: str
    issued_on: datetime
    expires_on: datetime | None = None

    def __post_init__(self) -> None:
        s, e = _check_period(self.issued_on, self.expires_on, f"qualification({self.kind})")
        object.__setattr__(self, "issued_on", s)
        object.__setattr__(self, "expires_on", e)

    def valid_at(self, at: datetime) -> bool:
        return _within(self.issued_on, self.expires_on, at)


@dataclass(frozen=True, slots=True)
class TrainingRecord:
    """A training programme, completed at ``completed_on`` (counts from then on)."""

    programme: str
    completed_on: datetime

    def __post_init__(self) -> None:
        object.__setattr__(
            self, "completed_on", as_utc(self.completed_on, f"training({self.programme})")
        )


@dataclass(frozen=True, slots=True)
class FitnessRecord:
    """A medical-fitness record, valid ``valid_from <= t < valid_to``."""

    valid_from: datetime
    valid_to: datetime | None = None

    def __post_init__(self) -> None:
        s, e = _check_period(self.valid_from, self.valid_to, "fitness record")
        object.__setattr__(self, "valid_from", s)
        object.__setattr__(self, "valid_to", e)

    def valid_at(self, at: datetime) -> bool:
        return _within(self.valid_from, self.valid_to, at)


@dataclass(frozen=True, slots=True)
class MemberFacts:
    """What the law needs to know about one member, at any moment."""

    member_id: str
    unit_id: str
    region: str
    agency_kind: str
    unit_category: str | None = None
    qualifications: tuple[QualificationRecord, ...] = ()
    trainings: tuple[TrainingRecord, ...] = ()
    fitness: tuple[FitnessRecord, ...] = ()

    def __post_init__(self) -> None:
        if not self.member_id or not self.unit_id:
            raise InvalidFactsError("a member needs a member id and a unit id")
        object.__setattr__(self, "qualifications", tuple(self.qualifications))
        object.__setattr__(self, "trainings", tuple(self.trainings))
        object.__setattr__(self, "fitness", tuple(self.fitness))


@dataclass(frozen=True, slots=True)
class ActivationOrder:
    """An order activating a unit (and its sub-units), valid ``valid_from <= t < valid_to``."""

    valid_from: datetime
    valid_to: datetime | None = None
    reference: str = ""

    def __post_init__(self) -> None:
        s, e = _check_period(self.valid_from, self.valid_to, "activation order")
        object.__setattr__(self, "valid_from", s)
        object.__setattr__(self, "valid_to", e)

    def valid_at(self, at: datetime) -> bool:
        return _within(self.valid_from, self.valid_to, at)


@dataclass(frozen=True, slots=True)
class UnitFacts:
    """One unit of the tree. ``name`` is only used in human text (falls back to the id)."""

    unit_id: str
    parent_id: str | None
    agency_kind: str
    category: str | None
    region: str
    name: str = ""
    activation_orders: tuple[ActivationOrder, ...] = ()

    def __post_init__(self) -> None:
        if not self.unit_id:
            raise InvalidFactsError("a unit needs a unit id")
        object.__setattr__(self, "activation_orders", tuple(self.activation_orders))

    @property
    def display_name(self) -> str:
        return self.name or self.unit_id


@dataclass(frozen=True, slots=True)
class Activation:
    """The order that activates a unit at a moment, and the unit that holds the order."""

    unit: UnitFacts
    order: ActivationOrder


class UnitTree:
    """Units with their parent links. Activation of a unit activates its whole subtree.

    Units are kept parents-first (breadth first from the roots, children in the order
    given), and :meth:`index_of` gives each unit's position in that order, which is the
    position used by :class:`MemberTable` and by per-unit arrays.
    """

    __slots__ = ("_children", "_depth", "_index", "_levels", "_parent", "_units")

    def __init__(self, units: Iterable[UnitFacts]) -> None:
        given = list(units)
        by_id: dict[str, UnitFacts] = {}
        for unit in given:
            if unit.unit_id in by_id:
                raise InvalidUnitTreeError(f"unit {unit.unit_id!r} appears twice")
            by_id[unit.unit_id] = unit
        children: dict[str, list[str]] = {u.unit_id: [] for u in given}
        roots: list[str] = []
        for unit in given:
            if unit.parent_id is None:
                roots.append(unit.unit_id)
            elif unit.parent_id not in by_id:
                raise InvalidUnitTreeError(
                    f"unit {unit.unit_id!r} has unknown parent {unit.parent_id!r}"
                )
            else:
                children[unit.parent_id].append(unit.unit_id)
        order: list[str] = list(roots)
        depth: dict[str, int] = dict.fromkeys(roots, 0)
        i = 0
        while i < len(order):
            uid = order[i]
            for child in children[uid]:
                depth[child] = depth[uid] + 1
                order.append(child)
            i += 1
        if len(order) != len(given):
            stuck = sorted(set(by_id) - set(order))
            raise InvalidUnitTreeError(f"units in a parent cycle: {', '.join(stuck[:10])}")
        self._units: tuple[UnitFacts, ...] = tuple(by_id[u] for u in order)
        self._index: dict[str, int] = {u: k for k, u in enumerate(order)}
        self._children: dict[str, tuple[str, ...]] = {k: tuple(v) for k, v in children.items()}
        parent = np.full(len(order), -1, dtype=np.int64)
        for k, unit in enumerate(self._units):
            if unit.parent_id is not None:
                parent[k] = self._index[unit.parent_id]
        self._parent: npt.NDArray[np.int64] = parent
        self._depth: npt.NDArray[np.int64] = np.array([depth[u] for u in order], dtype=np.int64)
        max_depth = int(self._depth.max()) if len(order) else 0
        self._levels: tuple[npt.NDArray[np.int64], ...] = tuple(
            np.flatnonzero(self._depth == d) for d in range(1, max_depth + 1)
        )

    # -- lookup
    def __len__(self) -> int:
        return len(self._units)

    def __iter__(self) -> Iterator[UnitFacts]:
        return iter(self._units)

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._index

    @property
    def unit_ids(self) -> tuple[str, ...]:
        return tuple(u.unit_id for u in self._units)

    @property
    def parent_index(self) -> npt.NDArray[np.int64]:
        """Per unit (in tree order), the index of its parent, or -1 for a root."""
        return self._parent

    def index_of(self, unit_id: str) -> int:
        try:
            return self._index[unit_id]
        except KeyError:
            raise UnknownUnitError(f"unknown unit {unit_id!r}") from None

    def at_index(self, index: int) -> UnitFacts:
        return self._units[index]

    def get(self, unit_id: str) -> UnitFacts:
        return self._units[self.index_of(unit_id)]

    def children(self, unit_id: str) -> tuple[str, ...]:
        self.index_of(unit_id)
        return self._children[unit_id]

    def ancestors(self, unit_id: str) -> tuple[UnitFacts, ...]:
        """The unit itself, then its parent, up to the root."""
        chain: list[UnitFacts] = []
        k = self.index_of(unit_id)
        while k >= 0:
            chain.append(self._units[k])
            k = int(self._parent[k])
        return tuple(chain)

    def subtree(self, unit_id: str) -> tuple[str, ...]:
        """The unit and all its descendants (pre-order)."""
        self.index_of(unit_id)
        out: list[str] = []
        stack = [unit_id]
        while stack:
            uid = stack.pop()
            out.append(uid)
            stack.extend(reversed(self._children[uid]))
        return tuple(out)

    # -- activation
    def activation_at(self, unit_id: str, at: datetime) -> Activation | None:
        """The order activating ``unit_id`` at ``at``: its own first, else the nearest
        ancestor's; among one unit's orders the earliest-starting valid one."""
        for unit in self.ancestors(unit_id):
            valid = [o for o in unit.activation_orders if o.valid_at(at)]
            if valid:
                return Activation(unit, min(valid, key=lambda o: o.valid_from))
        return None

    def activated_mask(self, at: datetime) -> npt.NDArray[np.bool_]:
        """Per unit (tree order): under an activation order at ``at``, own or inherited."""
        active = np.zeros(len(self._units), dtype=np.bool_)
        for k, unit in enumerate(self._units):
            if unit.activation_orders and any(o.valid_at(at) for o in unit.activation_orders):
                active[k] = True
        for level in self._levels:
            active[level] |= active[self._parent[level]]
        return active

    def subtree_totals(self, per_unit: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Sum a per-unit count over each unit's subtree (the unit included)."""
        totals = np.array(per_unit, dtype=np.int64, copy=True)
        if totals.shape != (len(self._units),):
            raise InvalidFactsError("per-unit array has the wrong length")
        for level in reversed(self._levels):
            np.add.at(totals, self._parent[level], totals[level])
        return totals


# --------------------------------------------------------------------------- columns


def _vocabulary(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


def _int_array(values: Any, name: str, n: int | None = None) -> npt.NDArray[np.int64]:
    arr = np.asarray(values)
    if arr.ndim != 1:
        raise InvalidFactsError(f"{name} must be one-dimensional")
    if arr.size and not np.issubdtype(arr.dtype, np.integer):
        raise InvalidFactsError(f"{name} must hold integers")
    if n is not None and arr.shape[0] != n:
        raise InvalidFactsError(f"{name} has {arr.shape[0]} rows, expected {n}")
    return arr.astype(np.int64, copy=False)


def _codes_in_range(
    codes: npt.NDArray[np.int64], size: int, name: str, *, allow_none: bool
) -> None:
    if codes.size == 0:
        return
    low = -1 if allow_none else 0
    if int(codes.min()) < low or int(codes.max()) >= size:
        raise InvalidFactsError(f"{name} has a code outside its vocabulary")


@dataclass(frozen=True, slots=True, eq=False)
class RecordColumns:
    """Dated records of many members (qualifications, trainings or fitness) as columns.

    Row ``r`` says: member ``member[r]`` has a record named ``vocabulary[code[r]]`` valid
    ``start_us[r] <= t < end_us[r]`` (microseconds since epoch; :data:`NO_END_US` for an
    open end). Rows are kept sorted by code so that one name's records are one slice.
    """

    vocabulary: tuple[str, ...]
    member: npt.NDArray[np.int32]
    code: npt.NDArray[np.int32]
    start_us: npt.NDArray[np.int64]
    end_us: npt.NDArray[np.int64]
    offsets: npt.NDArray[np.int64] = field(repr=False)

    @classmethod
    def build(
        cls,
        vocabulary: Sequence[str],
        member: Any,
        code: Any,
        start_us: Any,
        end_us: Any = None,
    ) -> RecordColumns:
        """Build from parallel arrays; ``end_us=None`` means every record is open-ended."""
        vocab = tuple(vocabulary)
        if len(set(vocab)) != len(vocab):
            raise InvalidFactsError("record vocabulary has a repeated name")
        m = _int_array(member, "record member")
        n = m.shape[0]
        c = _int_array(code, "record code", n)
        s = _int_array(start_us, "record start", n)
        e = (
            np.full(n, NO_END_US, dtype=np.int64)
            if end_us is None
            else _int_array(end_us, "record end", n)
        )
        _codes_in_range(c, len(vocab), "record code", allow_none=False)
        if n and int(m.min()) < 0:
            raise InvalidFactsError("record member index is negative")
        order = np.argsort(c, kind="stable")
        c_sorted = c[order]
        offsets = np.searchsorted(c_sorted, np.arange(len(vocab) + 1), side="left").astype(np.int64)
        return cls(
            vocabulary=vocab,
            member=m[order].astype(np.int32),
            code=c_sorted.astype(np.int32),
            start_us=s[order],
            end_us=e[order],
            offsets=offsets,
        )

    @classmethod
    def empty(cls) -> RecordColumns:
        return cls.build((), np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int64))

    def __len__(self) -> int:
        return int(self.member.shape[0])

    def rows_for(self, name: str) -> slice | None:
        """The slice of rows holding records named ``name`` (None when there are none)."""
        try:
            k = self.vocabulary.index(name)
        except ValueError:
            return None
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))

    def members_valid_at(self, name: str, at_us: int, n_members: int) -> npt.NDArray[np.bool_]:
        """Per member: has a record named ``name`` with ``start <= at < end``."""
        out = np.zeros(n_members, dtype=np.bool_)
        rows = self.rows_for(name)
        if rows is None:
            return out
        valid = (self.start_us[rows] <= at_us) & (at_us < self.end_us[rows])
        out[self.member[rows][valid]] = True
        return out


class MemberTable:
    """Member facts encoded once as numpy columns, for evaluating a large population.

    Row ``i`` is one member: ``member_ids[i]``, the unit at ``unit_index[i]`` of
    ``units`` (tree order, see :meth:`UnitTree.index_of`), codes into the ``regions``,
    ``agency_kinds`` and ``unit_categories`` vocabularies (-1 = no unit category), and
    records in three :class:`RecordColumns`. Member ids must be unique.

    Build it with :meth:`from_facts` from :class:`MemberFacts`, or directly from columns
    (the constructor) when the facts already come as arrays. When region, agency-kind or
    unit-category codes are omitted, each member takes them from their unit.
    """

    __slots__ = (
        "_id_index",
        "agency_code",
        "agency_kinds",
        "category_code",
        "fitness",
        "member_ids",
        "qualifications",
        "region_code",
        "regions",
        "trainings",
        "unit_categories",
        "unit_index",
        "units",
    )

    def __init__(
        self,
        *,
        units: UnitTree,
        member_ids: Any,
        unit_index: Any,
        regions: Sequence[str] | None = None,
        region_code: Any = None,
        agency_kinds: Sequence[str] | None = None,
        agency_code: Any = None,
        unit_categories: Sequence[str] | None = None,
        category_code: Any = None,
        qualifications: RecordColumns | None = None,
        trainings: RecordColumns | None = None,
        fitness: RecordColumns | None = None,
    ) -> None:
        ids = np.asarray(member_ids)
        if ids.ndim != 1:
            raise InvalidFactsError("member_ids must be one-dimensional")
        n = int(ids.shape[0])
        uidx = _int_array(unit_index, "unit_index", n)
        _codes_in_range(uidx, len(units), "unit_index", allow_none=False)
        self.units = units
        self.member_ids: npt.NDArray[Any] = ids
        self.unit_index: npt.NDArray[np.int32] = uidx.astype(np.int32)
        unit_list = list(units)

        def from_unit(
            given_vocab: Sequence[str] | None,
            given_codes: Any,
            attr: str,
            name: str,
            *,
            allow_none: bool,
        ) -> tuple[tuple[str, ...], npt.NDArray[np.int32]]:
            if given_codes is not None:
                if given_vocab is None:
                    raise InvalidFactsError(f"{name} codes given without their vocabulary")
                vocab = tuple(given_vocab)
                codes = _int_array(given_codes, name, n)
                _codes_in_range(codes, len(vocab), name, allow_none=allow_none)
                return vocab, codes.astype(np.int32)
            per_unit = [getattr(u, attr) for u in unit_list]
            vocab = (
                tuple(given_vocab)
                if given_vocab is not None
                else _vocabulary(v for v in per_unit if v is not None)
            )
            pos = {v: k for k, v in enumerate(vocab)}
            try:
                unit_codes = np.array(
                    [-1 if v is None else pos[v] for v in per_unit], dtype=np.int32
                )
            except KeyError as exc:
                raise InvalidFactsError(f"{name}: {exc.args[0]!r} not in vocabulary") from None
            if not allow_none and unit_codes.size and int(unit_codes.min()) < 0:
                raise InvalidFactsError(f"{name}: a unit has none")
            return vocab, unit_codes[self.unit_index] if n else np.zeros(0, np.int32)

        self.regions, self.region_code = from_unit(
            regions, region_code, "region", "region", allow_none=False
        )
        self.agency_kinds, self.agency_code = from_unit(
            agency_kinds, agency_code, "agency_kind", "agency kind", allow_none=False
        )
        self.unit_categories, self.category_code = from_unit(
            unit_categories, category_code, "category", "unit category", allow_none=True
        )
        self.qualifications = (
            qualifications if qualifications is not None else RecordColumns.empty()
        )
        self.trainings = trainings if trainings is not None else RecordColumns.empty()
        self.fitness = fitness if fitness is not None else RecordColumns.empty()
        for name, recs in (
            ("qualifications", self.qualifications),
            ("trainings", self.trainings),
            ("fitness", self.fitness),
        ):
            if len(recs) and int(recs.member.max()) >= n:
                raise InvalidFactsError(f"{name} refer to a member row that does not exist")
        self._id_index: dict[str, int] | None = None

    def __len__(self) -> int:
        return int(self.member_ids.shape[0])

    @classmethod
    def from_facts(cls, members: Iterable[MemberFacts], units: UnitTree) -> MemberTable:
        """Encode member facts (a Python loop: fine for thousands, slow for millions)."""
        rows = list(members)
        ids = [m.member_id for m in rows]
        if len(set(ids)) != len(ids):
            raise InvalidFactsError("member ids are not unique")
        regions = _vocabulary(m.region for m in rows)
        kinds = _vocabulary(m.agency_kind for m in rows)
        cats = _vocabulary(m.unit_category for m in rows if m.unit_category is not None)
        rpos = {v: k for k, v in enumerate(regions)}
        kpos = {v: k for k, v in enumerate(kinds)}
        cpos = {v: k for k, v in enumerate(cats)}

        def records(
            spans: Sequence[tuple[int, str, datetime, datetime | None]],
        ) -> RecordColumns:
            vocab = _vocabulary(s[1] for s in spans)
            pos = {v: k for k, v in enumerate(vocab)}
            return RecordColumns.build(
                vocab,
                np.array([s[0] for s in spans], dtype=np.int64),
                np.array([pos[s[1]] for s in spans], dtype=np.int64),
                np.array([to_epoch_us(s[2]) for s in spans], dtype=np.int64),
                np.array(
                    [NO_END_US if s[3] is None else to_epoch_us(s[3]) for s in spans],
                    dtype=np.int64,
                ),
            )

        quals = [
            (i, q.kind, q.issued_on, q.expires_on)
            for i, m in enumerate(rows)
            for q in m.qualifications
        ]
        trains = [
            (i, t.programme, t.completed_on, None) for i, m in enumerate(rows) for t in m.trainings
        ]
        fits = [(i, "fit", f.valid_from, f.valid_to) for i, m in enumerate(rows) for f in m.fitness]
        return cls(
            units=units,
            member_ids=np.array(ids, dtype=object),
            unit_index=np.array([units.index_of(m.unit_id) for m in rows], dtype=np.int64),
            regions=regions,
            region_code=np.array([rpos[m.region] for m in rows], dtype=np.int64),
            agency_kinds=kinds,
            agency_code=np.array([kpos[m.agency_kind] for m in rows], dtype=np.int64),
            unit_categories=cats,
            category_code=np.array(
                [-1 if m.unit_category is None else cpos[m.unit_category] for m in rows],
                dtype=np.int64,
            ),
            qualifications=records(quals),
            trainings=records(trains),
            fitness=records(fits),
        )

    def member_id(self, row: int) -> str:
        return str(self.member_ids[row])

    def index_of(self, member_id: str) -> int:
        """Row of a member id (builds an index on first use)."""
        if self._id_index is None:
            index = {str(v): k for k, v in enumerate(self.member_ids.tolist())}
            if len(index) != len(self):
                raise InvalidFactsError("member ids are not unique")
            self._id_index = index
        try:
            return self._id_index[member_id]
        except KeyError:
            raise UnknownMemberError(f"unknown member {member_id!r}") from None

    def region_of(self, row: int) -> str:
        return self.regions[int(self.region_code[row])]

    def agency_kind_of(self, row: int) -> str:
        return self.agency_kinds[int(self.agency_code[row])]
