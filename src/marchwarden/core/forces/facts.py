"""What the legal engine needs to know about units and members, from registry records."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.core.authority.model import (
    FitnessRecord,
    MemberFacts,
    QualificationRecord,
    TrainingRecord,
    UnitFacts,
    utc_day,
)

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
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
