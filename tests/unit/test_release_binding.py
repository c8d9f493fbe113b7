"""What stands in the way: per condition and per battalion, who would gain the power."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from marchwarden.core.authority import (
    ActivationOrder,
    ApplicableLaw,
    FitnessRecord,
    MemberFacts,
    MemberTable,
    QualificationRecord,
    TrainingRecord,
    UnitFacts,
    UnitTree,
    UnknownUnitError,
    evaluate_table,
    utc_day,
)
from marchwarden.core.authority.binding import binding_conditions, with_activations
from marchwarden.core.authority.demo_law import demo_law

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
VOL = "volunteer_self_defence"
ACTIVE = (ActivationOrder(utc_day(date(2026, 11, 20))),)


def ready(member_id: str, unit_id: str, region: str = "RU-BEL") -> MemberFacts:
    return MemberFacts(
        member_id,
        unit_id,
        region,
        VOL,
        "company",
        qualifications=(
            QualificationRecord("firearms", utc_day(date(2025, 1, 1)), utc_day(date(2027, 3, 1))),
        ),
        trainings=(TrainingRecord("self_defence_programme", utc_day(date(2026, 2, 1))),),
        fitness=(FitnessRecord(utc_day(date(2026, 1, 1))),),
    )


def tree() -> UnitTree:
    return UnitTree(
        [
            UnitFacts("b1", None, VOL, "battalion", "RU-BEL", "1st Battalion", ACTIVE),
            UnitFacts("b1-c1", "b1", VOL, "company", "RU-BEL", "1st Company"),
            UnitFacts("b2", None, VOL, "battalion", "RU-BEL", "2nd Battalion"),
            UnitFacts("b3", None, VOL, "battalion", "RU-BEL", "3rd Battalion", ACTIVE),
            UnitFacts("vor", None, VOL, "battalion", "RU-VOR", "Voronezh Battalion"),
            UnitFacts("army", None, "army", "battalion", "RU-BEL", "Garrison"),
        ]
    )


def members() -> list[MemberFacts]:
    out: list[MemberFacts] = []
    # 1st Battalion (activated): 8 ready in its company (it holds), 2 without firearms,
    # 1 without a fitness record
    out += [ready(f"b1-{i}", "b1-c1") for i in range(8)]
    out += [replace(ready(f"b1-nq{i}", "b1-c1"), qualifications=()) for i in range(2)]
    out += [replace(ready("b1-nf", "b1-c1"), fitness=())]
    # 2nd Battalion: 8 ready, not activated
    out += [ready(f"b2-{i}", "b2") for i in range(8)]
    # 3rd Battalion (activated): 7 ready and 1 whose firearms qualification expired
    out += [ready(f"b3-{i}", "b3") for i in range(7)]
    expired = QualificationRecord("firearms", utc_day(date(2024, 1, 1)), utc_day(date(2025, 1, 1)))
    out += [replace(ready("b3-x", "b3"), qualifications=(expired,))]
    # Voronezh: not a border region, the act does not name them
    out += [ready(f"vor-{i}", "vor", "RU-VOR") for i in range(8)]
    out += [MemberFacts(f"army{i}", "army", "RU-BEL", "army") for i in range(8)]
    return out


def test_gains_per_condition_and_battalion_by_hand() -> None:
    table = MemberTable.from_facts(members(), tree())
    result = evaluate_table(table, ApplicableLaw(demo_law(), NOW, ("LSD-2023",)), NOW)
    b = binding_conditions(result, "armed_response")
    # volunteers of the border regions (27) and the army (8) are named by some grant
    assert b.members_named == 8 + 3 + 8 + 8 + 8
    # members hold the power one by one (a unit needs eight): the ready ones and the army
    assert b.members_holding == 8 + 7 + 8
    assert b.members_without == 3 + 8 + 1
    totals = {g.kind: (g.members, g.units) for g in b.totals}
    assert totals["unit_activated"] == (8, ("b2",))
    assert totals["qualification"] == (3, ("b3",))  # 2 missing + 1 expired; b3 reaches 8
    assert totals["fit"] == (1, ())  # b1 already holds
    assert totals["training"] == (0, ())
    assert [g.kind for g in b.totals][:2] == ["unit_activated", "qualification"]
    by_id = {bt.unit_id: bt for bt in b.battalions}
    assert set(by_id) == {"b1", "b2", "b3"}
    b2 = by_id["b2"]
    assert b2.name == "2nd Battalion" and b2.members_without == 8
    gain = b2.gain("unit_activated")
    assert gain is not None and gain.members == 8 and gain.units == ("b2",)
    b1q = by_id["b1"].gain("qualification")
    assert b1q is not None and b1q.members == 2 and b1q.units == ()
    assert b.battalions[0].unit_id == "b2"  # the largest single gain first


def test_activating_a_battalion_gives_what_the_gain_said() -> None:
    table = MemberTable.from_facts(members(), tree())
    law = ApplicableLaw(demo_law(), NOW, ("LSD-2023",))
    plain = evaluate_table(table, law, NOW)
    active = evaluate_table(with_activations(table, ["b2"], NOW), law, NOW)
    assert "b2" not in plain.units_holding("armed_response")
    assert "b2" in active.units_holding("armed_response")
    gained = active.count_members("armed_response") - plain.count_members("armed_response")
    assert gained == 8
    after = binding_conditions(active, "armed_response")
    assert {bt.unit_id for bt in after.battalions} == {"b1", "b3"}
    with pytest.raises(UnknownUnitError):
        with_activations(table, ["nope"], NOW)
    assert with_activations(table, [], NOW) is table
