"""What the legal engine needs to know about units and members, from registry records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from marchwarden.core.authority.model import (
    NO_END_US,
    FitnessRecord,
    MemberFacts,
    MemberTable,
    QualificationRecord,
    RecordColumns,
    TrainingRecord,
    UnitFacts,
    UnitTree,
    to_epoch_us,
    utc_day,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from datetime import date

    from marchwarden.core.authority.model import ActivationOrder
    from marchwarden.core.forces.model import Fitness, Qualification, Training, Unit


def fit_periods(records: Iterable[Fitness]) -> list[tuple[date, date | None]]:
    """Periods in which a member is medically fit.

    A "fit" examination counts from its date until its ``valid_until`` or the next
    examination, whichever comes first; an "unfit" one ends the previous period."""
    exams = sorted(records, key=lambda f: f.examined_on)
    out: list[tuple[date, date | None]] = []
    for i, exam in enumerate(exams):
        if not exam.fit:
            continue
        end = exam.valid_until
        if i + 1 < len(exams):
            nxt = exams[i + 1].examined_on
            end = nxt if end is None else min(end, nxt)
        if end is None or end > exam.examined_on:
            out.append((exam.examined_on, end))
    return out


def unit_facts(unit: Unit, orders: Sequence[ActivationOrder] = ()) -> UnitFacts:
    return UnitFacts(
        unit_id=str(unit.id),
        parent_id=None if unit.parent_id is None else str(unit.parent_id),
        agency_kind=unit.agency_kind,
        category=unit.category,
        region=unit.region,
        name=unit.name,
        activation_orders=tuple(orders),
    )


def member_facts(
    member_id: int,
    unit: Unit,
    trainings: Iterable[Training],
    qualifications: Iterable[Qualification],
    fitness: Iterable[Fitness],
) -> MemberFacts:
    return MemberFacts(
        member_id=str(member_id),
        unit_id=str(unit.id),
        region=unit.region,
        agency_kind=unit.agency_kind,
        unit_category=unit.category,
        qualifications=tuple(
            QualificationRecord(
                q.kind,
                utc_day(q.issued_on),
                None if q.expires_on is None else utc_day(q.expires_on),
            )
            for q in qualifications
        ),
        trainings=tuple(TrainingRecord(t.programme, utc_day(t.completed_on)) for t in trainings),
        fitness=tuple(
            FitnessRecord(utc_day(start), None if end is None else utc_day(end))
            for start, end in fit_periods(fitness)
        ),
    )


def member_table(
    tree: UnitTree,
    members: Sequence[tuple[str, int]],
    trainings: Mapping[int, Sequence[Training]],
    qualifications: Mapping[int, Sequence[Qualification]],
    fitness: Mapping[int, Sequence[Fitness]],
) -> MemberTable:
    """The columnar member table straight from registry records.

    ``members`` are (member id, unit id) pairs; records are looked up by the numeric id
    in the member id (stand-ins, whose id is not numeric, have none). Same result as
    ``MemberTable.from_facts`` over :func:`member_facts`, without building per-member
    objects: dates repeat, so each is converted once."""
    us: dict[date, int] = {}

    def at_us(day: date) -> int:
        value = us.get(day)
        if value is None:
            value = to_epoch_us(utc_day(day))
            us[day] = value
        return value

    def columns(rows: list[tuple[int, str, int, int]]) -> RecordColumns:
        vocab = tuple(sorted({r[1] for r in rows}))
        pos = {v: k for k, v in enumerate(vocab)}
        return RecordColumns.build(
            vocab,
            np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((pos[r[1]] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)),
            np.fromiter((r[3] for r in rows), dtype=np.int64, count=len(rows)),
        )

    quals: list[tuple[int, str, int, int]] = []
    trains: list[tuple[int, str, int, int]] = []
    fits: list[tuple[int, str, int, int]] = []
    for row, (member_id, _) in enumerate(members):
        if not member_id.isdigit():
            continue
        key = int(member_id)
        for q in qualifications.get(key, ()):
            quals.append(
                (
                    row,
                    q.kind,
                    at_us(q.issued_on),
                    NO_END_US if q.expires_on is None else at_us(q.expires_on),
                )
            )
        for t in trainings.get(key, ()):
            trains.append((row, t.programme, at_us(t.completed_on), NO_END_US))
        for start, end in fit_periods(fitness.get(key, ())):
            fits.append((row, "fit", at_us(start), NO_END_US if end is None else at_us(end)))
    return MemberTable(
        units=tree,
        member_ids=np.array([m for m, _ in members], dtype=object),
        unit_index=np.array([tree.index_of(str(u)) for _, u in members], dtype=np.int64),
        qualifications=columns(quals),
        trainings=columns(trains),
        fitness=columns(fits),
    )
