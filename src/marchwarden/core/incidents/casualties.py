"""Casualty figures of an incident: a history of updates, and totals derived from it.

**Updates carry absolute counts, not deltas.** An update says "as of ``at``, civilians
killed: 1, civilians wounded: 5" — the current figure for each category it names, as
situation reports state them. Categories it does not name keep their earlier figure.
Absolute counts make a repeated or re-sent update harmless, let a later update correct
an earlier one (a count may go down: the missing are found, a wounded person was
counted twice), and make every past report reproducible from the history.

The current figure of a category is the one from the latest update that names it,
latest by ``at``; updates with the same ``at`` are taken in the order they were
recorded (the later-recorded wins). An update that arrives late (its ``at`` earlier than
one already recorded) therefore does not overwrite a newer figure. ``totals(as_of=t)``
gives the figures as they stood at ``t``.

A category never named is *not reported* — different from a reported zero; both are
shown as 0 in the counts, and ``CasualtyTotals.reported`` tells them apart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.clock import ensure_utc
from marchwarden.core.incidents.errors import InvalidCasualtyUpdate

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime


class CasualtyOutcome(StrEnum):
    KILLED = "killed"
    WOUNDED = "wounded"
    MISSING = "missing"


class CasualtyGroup(StrEnum):
    CIVILIAN = "civilian"
    PERSONNEL = "personnel"


class CasualtyCategory(StrEnum):
    """Group x outcome, e.g. ``civilian_killed``."""

    CIVILIAN_KILLED = "civilian_killed"
    CIVILIAN_WOUNDED = "civilian_wounded"
    CIVILIAN_MISSING = "civilian_missing"
    PERSONNEL_KILLED = "personnel_killed"
    PERSONNEL_WOUNDED = "personnel_wounded"
    PERSONNEL_MISSING = "personnel_missing"

    @property
    def group(self) -> CasualtyGroup:
        return CasualtyGroup(self.value.split("_", 1)[0])

    @property
    def outcome(self) -> CasualtyOutcome:
        return CasualtyOutcome(self.value.split("_", 1)[1])

    @classmethod
    def of(cls, group: CasualtyGroup, outcome: CasualtyOutcome) -> CasualtyCategory:
        return cls(f"{group.value}_{outcome.value}")


_PLURAL = {CasualtyGroup.CIVILIAN: "civilians", CasualtyGroup.PERSONNEL: "personnel"}


def _check_counts(counts: Mapping[CasualtyCategory, int]) -> dict[CasualtyCategory, int]:
    if not counts:
        raise InvalidCasualtyUpdate.said(
            "casualty.casualty_update_give_least", "a casualty update must give at least one count"
        )
    checked: dict[CasualtyCategory, int] = {}
    for key, value in counts.items():
        try:
            category = CasualtyCategory(key)
        except ValueError:
            known = ", ".join(c.value for c in CasualtyCategory)
            raise InvalidCasualtyUpdate.said(
                "casualty.unknown_casualty_category_known",
                "unknown casualty category {key}; known: {known}",
                key=repr(key),
                known=known,
            ) from None
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidCasualtyUpdate.said(
                "casualty.count_whole_number_got",
                "{category}: count must be a whole number, got {value}",
                category=category.value,
                value=repr(value),
            )
        if value < 0:
            raise InvalidCasualtyUpdate.said(
                "casualty.count_negative",
                "{category}: count must not be negative",
                category=category.value,
            )
        checked[category] = value
    return checked


@dataclass(frozen=True, slots=True)
class CasualtyUpdate:
    """Absolute counts, as of ``at``, for the categories named in ``counts``."""

    at: datetime
    counts: Mapping[CasualtyCategory, int]
    source: str = ""
    note: str = ""

    def __post_init__(self) -> None:
        checked = _check_counts(self.counts)
        ordered = {c: checked[c] for c in CasualtyCategory if c in checked}
        object.__setattr__(self, "counts", MappingProxyType(ordered))
        object.__setattr__(self, "at", ensure_utc(self.at))

    def __hash__(self) -> int:
        return hash((self.at, tuple(self.counts.items()), self.source, self.note))

    def describe(self) -> str:
        return describe_counts(self.counts)


def describe_counts(counts: Mapping[CasualtyCategory, int]) -> str:
    """``"1 civilian killed, 5 civilians wounded"``; ``"none"`` when empty."""
    parts = []
    for category in CasualtyCategory:
        if category not in counts:
            continue
        n = counts[category]
        noun = category.group.value if n == 1 else _PLURAL[category.group]
        parts.append(f"{n} {noun} {category.outcome.value}")
    return ", ".join(parts) if parts else "none"


@dataclass(frozen=True, slots=True)
class CasualtyTotals:
    """Current figures derived from the history (see the module docstring)."""

    counts: Mapping[CasualtyCategory, int]
    reported: frozenset[CasualtyCategory]
    last_update_at: datetime | None
    """``at`` of the latest update taken into account; None when there is none."""

    def __hash__(self) -> int:
        return hash((tuple(self.counts.items()), self.reported, self.last_update_at))

    def __getitem__(self, category: CasualtyCategory) -> int:
        return self.counts[category]

    def by_outcome(self, outcome: CasualtyOutcome) -> int:
        return sum(n for c, n in self.counts.items() if c.outcome is outcome)

    def by_group(self, group: CasualtyGroup) -> int:
        return sum(n for c, n in self.counts.items() if c.group is group)

    @property
    def killed(self) -> int:
        return self.by_outcome(CasualtyOutcome.KILLED)

    @property
    def wounded(self) -> int:
        return self.by_outcome(CasualtyOutcome.WOUNDED)

    @property
    def missing(self) -> int:
        return self.by_outcome(CasualtyOutcome.MISSING)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def describe(self) -> str:
        """Reported categories only: ``"1 civilian killed, 0 personnel wounded"``."""
        if not self.reported:
            return "no casualties reported"
        return describe_counts({c: self.counts[c] for c in self.reported})


@dataclass(frozen=True, slots=True)
class CasualtyRecord:
    """The append-only history of an incident's casualty updates."""

    updates: tuple[CasualtyUpdate, ...] = field(default=())

    @classmethod
    def of(cls, updates: Iterable[CasualtyUpdate]) -> CasualtyRecord:
        return cls(tuple(updates))

    def record(self, update: CasualtyUpdate) -> CasualtyRecord:
        """A new record with ``update`` appended (the history is never rewritten)."""
        return CasualtyRecord((*self.updates, update))

    def totals(self, as_of: datetime | None = None) -> CasualtyTotals:
        """Figures as they stand (or stood at ``as_of``, inclusive)."""
        cutoff = ensure_utc(as_of) if as_of is not None else None
        ordered = sorted(enumerate(self.updates), key=lambda iu: (iu[1].at, iu[0]))
        counts = dict.fromkeys(CasualtyCategory, 0)
        reported: set[CasualtyCategory] = set()
        latest: datetime | None = None
        for _, update in ordered:
            if cutoff is not None and update.at > cutoff:
                break
            counts.update(update.counts)
            reported.update(update.counts)
            latest = update.at
        return CasualtyTotals(MappingProxyType(counts), frozenset(reported), latest)
