"""What-if: the acts in force beside the acts in force plus LSD-2023."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from marchwarden.core.authority import (
    ActivationOrder,
    ActNotProposedError,
    FitnessRecord,
    InvalidFactsError,
    InvalidMomentError,
    MemberFacts,
    MemberTable,
    QualificationRecord,
    TrainingRecord,
    UnitFacts,
    UnitTree,
    compare,
    evaluate_table,
    evaluate_unit,
    utc_day,
    what_if,
)
from marchwarden.core.authority.demo_law import demo_law

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
VOL = "volunteer_self_defence"


def day(y: int, m: int, d: int) -> datetime:
    return utc_day(date(y, m, d))


ACTIVE = (ActivationOrder(day(2026, 11, 20)),)


def tree() -> UnitTree:
    return UnitTree(
        [
            UnitFacts("bel-bn2", None, VOL, "battalion", "RU-BEL", "2nd Battalion", ACTIVE),
            UnitFacts("bel-bn2-c1", "bel-bn2", VOL, "company", "RU-BEL", "1st Company"),
            UnitFacts("bel-bn2-c2", "bel-bn2", VOL, "company", "RU-BEL", "2nd Company"),
            UnitFacts("bel-bn2-c3", "bel-bn2", VOL, "company", "RU-BEL", "3rd Company"),
            UnitFacts("krs-bn1", None, VOL, "battalion", "RU-KRS", "Kursk Battalion", ACTIVE),
            UnitFacts("bry-bn1", None, VOL, "battalion", "RU-BRY", "Bryansk Battalion"),
            UnitFacts("vor-bn1", None, VOL, "battalion", "RU-VOR", "Voronezh Battalion", ACTIVE),
            UnitFacts("bel-army", None, "army", "battalion", "RU-BEL", "Garrison"),
        ]
    )


def armed_ready(member_id: str, unit_id: str, region: str) -> MemberFacts:
    return MemberFacts(
        member_id,
        unit_id,
        region,
        VOL,
        "company",
        qualifications=(QualificationRecord("firearms", day(2025, 1, 1), day(2027, 3, 1)),),
        trainings=(
            TrainingRecord("basic", day(2025, 12, 1)),
            TrainingRecord("self_defence_programme", day(2026, 2, 1)),
        ),
        fitness=(FitnessRecord(day(2026, 1, 1)),),
    )


def unarmed(member_id: str, unit_id: str, region: str) -> MemberFacts:
    return MemberFacts(member_id, unit_id, region, VOL, "company")


def population() -> list[MemberFacts]:
    members: list[MemberFacts] = []
    # 2nd Battalion: 6 + 3 ready in companies 1 and 2 (9 >= 8), 4 unarmed in company 3
    members += [armed_ready(f"bel-a{i}", "bel-bn2-c1", "RU-BEL") for i in range(6)]
    members += [armed_ready(f"bel-b{i}", "bel-bn2-c2", "RU-BEL") for i in range(3)]
    members += [unarmed(f"bel-u{i}", "bel-bn2-c3", "RU-BEL") for i in range(4)]
    # Kursk: 5 ready, activated: members gain, the unit gains carry_weapons, not armed_response
    members += [armed_ready(f"krs-a{i}", "krs-bn1", "RU-KRS") for i in range(5)]
    # Bryansk: 9 ready but the battalion is not activated: nobody gains
    members += [armed_ready(f"bry-a{i}", "bry-bn1", "RU-BRY") for i in range(9)]
    # Voronezh: ready and activated, but LSD-2023 does not apply there
    members += [armed_ready(f"vor-a{i}", "vor-bn1", "RU-VOR") for i in range(9)]
    # the army garrison holds its powers either way
    members += [MemberFacts(f"army{i}", "bel-army", "RU-BEL", "army") for i in range(8)]
    return members


def test_what_if_lsd_2023_gains_per_region_members_and_units() -> None:
    members = population()
    result = what_if(MemberTable.from_facts(members, tree()), demo_law(), NOW, ["LSD-2023"])
    assert result.proposed == ("LSD-2023",)
    assert result.at == NOW
    assert result.powers_changed == ("carry_weapons", "armed_response")

    carry = result.change("carry_weapons")
    assert [r.region for r in carry.regions if r.changed] == ["RU-BEL", "RU-KRS"]
    bel = carry.region("RU-BEL")
    assert bel is not None
    assert set(bel.members_gaining) == {f"bel-a{i}" for i in range(6)} | {
        f"bel-b{i}" for i in range(3)
    }
    assert set(bel.units_gaining) == {"bel-bn2", "bel-bn2-c1", "bel-bn2-c2"}
    assert (bel.members_before, bel.members_after) == (8, 17)  # the 8 soldiers hold it anyway
    assert (bel.units_before, bel.units_after) == (1, 4)
    krs = carry.region("RU-KRS")
    assert krs is not None
    assert set(krs.members_gaining) == {f"krs-a{i}" for i in range(5)}
    assert krs.units_gaining == ("krs-bn1",)
    assert carry.members_gained == 14
    assert carry.units_gained == 4
    assert carry.members_lost == 0
    assert carry.units_lost == 0
    assert carry.region("RU-BRY") is None  # nobody holds it there, before or after
    assert carry.region("RU-VOR") is None

    armed = result.change("armed_response")
    assert armed.units_gained == 1
    bel_armed = armed.region("RU-BEL")
    assert bel_armed is not None
    assert bel_armed.units_gaining == ("bel-bn2",)
    assert (bel_armed.units_before, bel_armed.units_after) == (1, 2)
    krs_armed = armed.region("RU-KRS")
    assert krs_armed is not None
    assert krs_armed.members_gained == 5
    assert krs_armed.units_gaining == ()

    assert not result.change("observe_report").changed
    assert result.change("observe_report").region("RU-BRY") is not None


def test_what_if_exposes_the_held_powers_of_every_unit_under_each_set() -> None:
    members = population()
    units = tree()
    result = what_if(MemberTable.from_facts(members, units), demo_law(), NOW, ["LSD-2023"])
    assert result.units_holding_before("armed_response") == ("bel-army",)
    assert set(result.units_holding_after("armed_response")) == {"bel-army", "bel-bn2"}
    before = result.unit_powers_before()
    after = result.unit_powers_after()
    assert set(before) == set(units.unit_ids)
    assert before["bel-army"] == after["bel-army"] == {"carry_weapons", "armed_response"}
    assert after["bel-bn2"] - before["bel-bn2"] == {"carry_weapons", "armed_response"}
    assert before["bry-bn1"] == after["bry-bn1"]
    # the per-unit sets agree with evaluating each unit on its own
    for unit_id in units.unit_ids:
        assert (
            after[unit_id]
            == evaluate_unit(
                unit_id, members, units, demo_law(), NOW, with_proposed=["LSD-2023"]
            ).powers
        )
        assert before[unit_id] == evaluate_unit(unit_id, members, units, demo_law(), NOW).powers


def test_losses_are_reported_when_comparing_the_other_way() -> None:
    table = MemberTable.from_facts(population(), tree())
    baseline = evaluate_table(table, demo_law(), NOW)
    scenario = evaluate_table(table, demo_law(), NOW, with_proposed=["LSD-2023"])
    reverse = compare(scenario, baseline)
    armed = reverse.change("armed_response")
    assert armed.units_lost == 1
    assert armed.members_lost == 14
    assert armed.members_gained == 0
    bel = armed.region("RU-BEL")
    assert bel is not None
    assert bel.units_losing == ("bel-bn2",)


def test_the_moment_changes_the_answer() -> None:
    table = MemberTable.from_facts(population(), tree())
    before_activation = what_if(table, demo_law(), day(2026, 11, 19), ["LSD-2023"])
    assert not before_activation.change("carry_weapons").changed
    at_expiry = what_if(table, demo_law(), day(2027, 3, 1), ["LSD-2023"])
    assert not at_expiry.change("carry_weapons").changed
    just_before = what_if(
        table, demo_law(), day(2027, 3, 1) - timedelta(microseconds=1), ["LSD-2023"]
    )
    assert just_before.change("carry_weapons").members_gained == 14


def test_what_if_rejects_bad_comparisons() -> None:
    units = tree()
    table = MemberTable.from_facts(population(), units)
    other = MemberTable.from_facts(population(), units)
    with pytest.raises(InvalidFactsError):
        compare(evaluate_table(table, demo_law(), NOW), evaluate_table(other, demo_law(), NOW))
    with pytest.raises(InvalidMomentError):
        compare(
            evaluate_table(table, demo_law(), NOW),
            evaluate_table(table, demo_law(), NOW + timedelta(hours=1)),
        )
    with pytest.raises(ActNotProposedError):
        what_if(table, demo_law(), NOW, ["SEC-1996"])
    empty = what_if(table, demo_law(), NOW, [])
    assert empty.powers_changed == ()
    assert empty.change("no_such_power").regions == ()
