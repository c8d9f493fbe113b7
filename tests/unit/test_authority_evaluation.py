"""The legal-authority engine: members, units, the batch path, and the legal model's vectors."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from marchwarden.core.authority import (
    POWER_CATALOGUE,
    ActivationOrder,
    ActNotProposedError,
    ActStatus,
    ApplicableLaw,
    AuthorityError,
    Condition,
    DuplicateActError,
    FitCondition,
    FitnessRecord,
    Grant,
    InvalidFactsError,
    InvalidLawError,
    InvalidMomentError,
    InvalidUnitTreeError,
    LegalAct,
    MemberFacts,
    MemberTable,
    QualificationCondition,
    QualificationRecord,
    ReasonCode,
    TrainingCondition,
    TrainingRecord,
    UnitActivatedCondition,
    UnitFacts,
    UnitTree,
    UnknownActError,
    UnknownMemberError,
    UnknownUnitError,
    agency_kinds,
    evaluate_member,
    evaluate_members,
    evaluate_table,
    evaluate_unit,
    format_moment,
    unit_categories,
    utc_day,
)
from marchwarden.core.authority.demo_law import BORDER_REGIONS, demo_law

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
VOL = "volunteer_self_defence"
LSD = ("LSD-2023",)
IN_FORCE_POWERS = {"observe_report", "patrol_unarmed", "checkpoint", "evacuation_assist"}


def day(y: int, m: int, d: int) -> datetime:
    return utc_day(date(y, m, d))


def demo_tree() -> UnitTree:
    """2nd Battalion (activated from 2026-11-20) with two companies; 3rd Battalion (never
    activated); a Voronezh volunteer battalion (activated, outside the border regions);
    an army battalion."""
    return UnitTree(
        [
            UnitFacts(
                "bn2",
                None,
                VOL,
                "battalion",
                "RU-BEL",
                "2nd Battalion",
                (ActivationOrder(day(2026, 11, 20), None, "HQ order 17"),),
            ),
            UnitFacts("bn2-c1", "bn2", VOL, "company", "RU-BEL", "1st Company"),
            UnitFacts("bn2-c2", "bn2", VOL, "company", "RU-BEL", "2nd Company"),
            UnitFacts("bn3", None, VOL, "battalion", "RU-BEL", "3rd Battalion"),
            UnitFacts(
                "vor-bn",
                None,
                VOL,
                "battalion",
                "RU-VOR",
                "Voronezh Battalion",
                (ActivationOrder(day(2026, 11, 1)),),
            ),
            UnitFacts("army-bn", None, "army", "battalion", "RU-BEL", "Garrison Battalion"),
        ]
    )


def volunteer(
    member_id: str,
    unit_id: str = "bn2-c1",
    *,
    region: str = "RU-BEL",
    firearms_until: datetime | None = None,
    firearms_from: datetime | None = None,
    fit_until: datetime | None = None,
    programme: bool = True,
) -> MemberFacts:
    """V1 by default: basic and self-defence programme done, firearms valid until
    2027-03-01, fit until 2027-06-01."""
    return MemberFacts(
        member_id=member_id,
        unit_id=unit_id,
        region=region,
        agency_kind=VOL,
        unit_category="company" if "-c" in unit_id else "battalion",
        qualifications=(
            QualificationRecord(
                "firearms",
                firearms_from or day(2024, 3, 1),
                firearms_until or day(2027, 3, 1),
            ),
        ),
        trainings=(
            TrainingRecord("basic", day(2025, 12, 10)),
            *((TrainingRecord("self_defence_programme", day(2026, 2, 1)),) if programme else ()),
        ),
        fitness=(FitnessRecord(day(2026, 1, 15), fit_until or day(2027, 6, 1)),),
    )


V1 = volunteer("V1")
V2 = volunteer("V2", firearms_from=day(2023, 10, 1), firearms_until=day(2026, 10, 1))
V3 = volunteer("V3", "bn3")


def soldier(member_id: str, unit_id: str = "army-bn") -> MemberFacts:
    return MemberFacts(member_id, unit_id, "RU-BEL", "army", "battalion")


# --------------------------------------------------------------------------- the test vectors


def test_v1_under_the_acts_in_force_holds_the_volunteer_powers_but_not_weapons() -> None:
    auth = evaluate_member(V1, demo_tree(), demo_law(), NOW)
    assert auth.powers == IN_FORCE_POWERS
    assert "no act in force grants carry_weapons to volunteer_self_defence" in auth.reasons(
        "carry_weapons"
    )
    assert "LSD-2023 c.2: act is proposed, not in force" in auth.reasons("carry_weapons")
    assert auth.acts_in_effect == ("PO-2014", "SEC-1996")
    assert auth.proposed == ()
    held = auth.basis("patrol_unarmed")
    assert held is not None
    assert [(b.act, b.clause) for b in held.bases] == [("PO-2014", "c.4")]
    assert held.bases[0].conditions[0].detail == "training(basic) completed 2025-12-10"


def test_v1_with_lsd_2023_gains_carry_weapons_with_each_condition_explained() -> None:
    auth = evaluate_member(V1, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert auth.powers == IN_FORCE_POWERS | {"carry_weapons", "armed_response"}
    held = auth.basis("carry_weapons")
    assert held is not None
    (basis,) = held.bases
    assert (basis.act, basis.clause, basis.act_title) == (
        "LSD-2023",
        "c.2",
        "Local self-defence units act",
    )
    assert [c.detail for c in basis.conditions] == [
        "training(self_defence_programme) completed 2026-02-01",
        "qualification(firearms) valid until 2027-03-01",
        "fit until 2027-06-01",
        "2nd Battalion activated since 2026-11-20",
    ]
    assert basis.describe().startswith("LSD-2023 c.2: training(self_defence_programme)")
    assert auth.proposed == LSD
    assert auth.acts_in_effect == ("PO-2014", "SEC-1996", "LSD-2023")


def test_v2_with_expired_firearms_does_not_carry_weapons() -> None:
    auth = evaluate_member(V2, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert not auth.holds("carry_weapons")
    assert auth.reasons("carry_weapons") == (
        "LSD-2023 c.2: qualification(firearms) expired 2026-10-01",
    )
    assert auth.powers == IN_FORCE_POWERS


def test_v3_in_a_unit_with_no_activation_order_does_not_carry_weapons() -> None:
    auth = evaluate_member(V3, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert not auth.holds("carry_weapons")
    assert auth.reasons("carry_weapons") == ("LSD-2023 c.2: unit not activated",)


def test_v1_at_the_exact_expiry_moment_does_not_carry_weapons() -> None:
    expiry = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)
    before = evaluate_member(
        V1, demo_tree(), demo_law(), expiry - timedelta(microseconds=1), with_proposed=LSD
    )
    assert before.holds("carry_weapons")
    at_expiry = evaluate_member(V1, demo_tree(), demo_law(), expiry, with_proposed=LSD)
    assert not at_expiry.holds("carry_weapons")
    assert at_expiry.reasons("carry_weapons") == (
        "LSD-2023 c.2: qualification(firearms) expired 2027-03-01",
    )


def test_armed_response_task_for_the_2nd_battalion_under_the_law_in_force_is_refused() -> None:
    members = [volunteer(f"V{i}", "bn2-c1" if i % 2 else "bn2-c2") for i in range(10)]
    unit = evaluate_unit("bn2", members, demo_tree(), demo_law(), NOW)
    assert not unit.holds("armed_response")
    assert unit.reasons("armed_response")[0] == (
        "armed_response: not granted to volunteer_self_defence by any act in force"
    )
    assert unit.members_considered == 10


@pytest.mark.parametrize(("qualified", "held"), [(8, True), (7, False)])
def test_armed_response_for_the_2nd_battalion_with_lsd_2023_needs_eight_members(
    qualified: int, held: bool
) -> None:
    # spread over both companies so that only the battalion, counting its sub-units, has 8
    members = [volunteer(f"Q{i}", "bn2-c1" if i % 2 else "bn2-c2") for i in range(qualified)] + [
        volunteer(f"X{i}", "bn2-c1", firearms_until=day(2026, 10, 1), firearms_from=day(2023, 1, 1))
        for i in range(3)
    ]
    unit = evaluate_unit("bn2", members, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert unit.holds("armed_response") is held
    (count,) = unit.counts("armed_response")
    assert (count.act, count.clause, count.members_holding, count.required) == (
        "LSD-2023",
        "c.3",
        qualified,
        8,
    )
    if held:
        assert unit.reasons("armed_response") == ()
    else:
        assert unit.reasons("armed_response") == (
            "LSD-2023 c.3: 7 of 8 required members hold armed_response",
        )
    company = evaluate_unit("bn2-c1", members, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert not company.holds("armed_response")
    assert company.holds("carry_weapons")


def test_unit_in_another_agency_counts_its_own_grants() -> None:
    soldiers = [soldier(f"S{i}") for i in range(8)]
    unit = evaluate_unit("army-bn", soldiers, demo_tree(), demo_law(), NOW)
    assert unit.powers == {"carry_weapons", "armed_response"}
    (count,) = unit.counts("armed_response")
    assert (count.act, count.clause, count.members_holding) == ("SEC-1996", "c.13", 8)
    few = evaluate_unit("army-bn", soldiers[:5], demo_tree(), demo_law(), NOW)
    assert few.reasons("armed_response") == (
        "SEC-1996 c.13: 5 of 8 required members hold armed_response",
    )
    assert few.reasons("detain") == ("detain: not granted to army by any act in force",)


# --------------------------------------------------------------------------- each condition


def _law_with(*conditions: Condition, power: str = "special") -> tuple[LegalAct, ...]:
    return (
        LegalAct(
            "t",
            "T-1",
            "Test act",
            ActStatus.IN_FORCE,
            day(2020, 1, 1),
            grants=(Grant("T-1", "c.1", power, agency_kinds(VOL), conditions, 1),),
        ),
    )


def _reasons(
    member: MemberFacts, acts: tuple[LegalAct, ...], at: datetime = NOW
) -> tuple[str, ...]:
    auth = evaluate_member(member, demo_tree(), acts, at)
    return auth.reasons("special")


def test_training_condition() -> None:
    acts = _law_with(TrainingCondition("self_defence_programme"))
    assert _reasons(V1, acts) == ()
    assert _reasons(volunteer("N", programme=False), acts) == (
        "T-1 c.1: training(self_defence_programme) not completed",
    )
    # completed on 2026-02-01: counts from midnight UTC of that day
    assert _reasons(V1, acts, day(2026, 2, 1)) == ()
    assert _reasons(V1, acts, day(2026, 2, 1) - timedelta(seconds=1)) == (
        "T-1 c.1: training(self_defence_programme) not completed until 2026-02-01",
    )


def test_qualification_condition() -> None:
    acts = _law_with(QualificationCondition("firearms"))
    assert _reasons(V1, acts) == ()
    no_qual = MemberFacts("N", "bn2-c1", "RU-BEL", VOL)
    assert _reasons(no_qual, acts) == ("T-1 c.1: no qualification(firearms)",)
    future = volunteer("F", firearms_from=day(2026, 12, 1), firearms_until=day(2029, 12, 1))
    assert _reasons(future, acts) == (
        "T-1 c.1: qualification(firearms) not valid before 2026-12-01",
    )
    renewed = MemberFacts(
        "R",
        "bn2-c1",
        "RU-BEL",
        VOL,
        qualifications=(
            QualificationRecord("firearms", day(2023, 1, 1), day(2026, 10, 1)),
            QualificationRecord("firearms", day(2026, 12, 1), day(2029, 12, 1)),
        ),
    )
    assert _reasons(renewed, acts) == (
        "T-1 c.1: qualification(firearms) expired 2026-10-01; renewed from 2026-12-01",
    )
    assert _reasons(renewed, acts, day(2026, 12, 1)) == ()
    no_expiry = MemberFacts(
        "E",
        "bn2-c1",
        "RU-BEL",
        VOL,
        qualifications=(QualificationRecord("firearms", day(2020, 1, 1)),),
    )
    auth = evaluate_member(no_expiry, demo_tree(), acts, NOW)
    held = auth.basis("special")
    assert held is not None
    assert held.bases[0].conditions[0].detail == "qualification(firearms) valid, no expiry"
    # a qualification of another kind does not count
    other = MemberFacts(
        "O",
        "bn2-c1",
        "RU-BEL",
        VOL,
        qualifications=(QualificationRecord("first_aid", day(2020, 1, 1)),),
    )
    assert _reasons(other, acts) == ("T-1 c.1: no qualification(firearms)",)


def test_fit_condition() -> None:
    acts = _law_with(FitCondition())
    assert _reasons(V1, acts) == ()
    unfit = MemberFacts("U", "bn2-c1", "RU-BEL", VOL)
    assert _reasons(unfit, acts) == ("T-1 c.1: not fit: no fitness record",)
    lapsed = volunteer("L", fit_until=day(2026, 9, 1))
    assert _reasons(lapsed, acts) == ("T-1 c.1: not fit: fitness record expired 2026-09-01",)
    assert _reasons(lapsed, acts, day(2026, 9, 1) - timedelta(microseconds=1)) == ()
    assert _reasons(V1, acts, day(2026, 1, 14)) == (
        "T-1 c.1: not fit: fitness record valid only from 2026-01-15",
    )


def test_unit_activated_condition_follows_ancestors_and_order_periods() -> None:
    acts = _law_with(UnitActivatedCondition())
    # 1st Company has no order of its own; its battalion's order activates it
    assert _reasons(V1, acts) == ()
    held = evaluate_member(V1, demo_tree(), acts, NOW).basis("special")
    assert held is not None
    assert held.bases[0].conditions[0].detail == "2nd Battalion activated since 2026-11-20"
    assert _reasons(V1, acts, day(2026, 11, 19)) == (
        "T-1 c.1: unit not activated (activation of 2nd Battalion from 2026-11-20)",
    )
    assert _reasons(V3, acts) == ("T-1 c.1: unit not activated",)
    ended = UnitTree(
        [
            UnitFacts(
                "bn",
                None,
                VOL,
                "battalion",
                "RU-BEL",
                "4th Battalion",
                (ActivationOrder(day(2026, 11, 1), day(2026, 11, 20)),),
            ),
            UnitFacts("pl", "bn", VOL, "platoon", "RU-BEL", "Platoon"),
        ]
    )
    member = MemberFacts("P", "pl", "RU-BEL", VOL)
    during = evaluate_member(member, ended, acts, day(2026, 11, 20) - timedelta(microseconds=1))
    assert during.holds("special")
    (basis,) = during.held[0].bases
    assert basis.conditions[0].detail == "4th Battalion activated since 2026-11-01 until 2026-11-20"
    at_end = evaluate_member(member, ended, acts, day(2026, 11, 20))
    assert at_end.reasons("special") == (
        "T-1 c.1: unit not activated (activation order of 4th Battalion ended 2026-11-20)",
    )


def test_category_by_unit_category_and_any_power_code() -> None:
    medics = LegalAct(
        "m",
        "MED-2020",
        "Medical units act",
        ActStatus.IN_FORCE,
        day(2020, 1, 1),
        grants=(Grant("MED-2020", "c.1", "triage", unit_categories("medical_company"), (), 1),),
    )
    tree = UnitTree(
        [
            UnitFacts("pol", None, "police", "medical_company", "RU-BEL", "Police medics"),
            UnitFacts("pol2", None, "police", "patrol_company", "RU-BEL", "Police patrol"),
        ]
    )
    medic = MemberFacts("M", "pol", "RU-BEL", "police", "medical_company")
    patrol = MemberFacts("P", "pol2", "RU-BEL", "police", "patrol_company")
    acts = (*demo_law(), medics)
    m = evaluate_member(medic, tree, acts, NOW)
    p = evaluate_member(patrol, tree, acts, NOW)
    assert m.powers == {"triage", "carry_weapons", "detain"}
    assert p.powers == {"carry_weapons", "detain"}
    assert p.reasons("triage") == ("no act in force grants triage to police",)
    # every catalogue power is answered, plus powers the acts name
    assert {h.power for h in m.held} | {n.power for n in m.not_held} == set(POWER_CATALOGUE) | {
        "triage"
    }
    triage = m.basis("triage")
    assert triage is not None
    (basis,) = triage.bases
    assert basis.category.code == "medical_company"
    assert basis.describe() == "MED-2020 c.1: granted to medical_company, no conditions"


# --------------------------------------------------------------------------- act status and time


def _detain_act(
    ref: str, status: ActStatus, start: datetime | None, end: datetime | None = None
) -> LegalAct:
    return LegalAct(
        ref.lower(),
        ref,
        f"Act {ref}",
        status,
        start,
        end,
        grants=(Grant(ref, "c.1", "detain", agency_kinds(VOL), (), 1),),
    )


def test_acts_not_yet_in_force_repealed_lapsed_draft_and_proposed_never_grant() -> None:
    acts = (
        _detain_act("FUT-2030", ActStatus.IN_FORCE, day(2030, 1, 1)),
        _detain_act("OLD-2001", ActStatus.REPEALED, day(2001, 1, 1), day(2010, 1, 1)),
        _detain_act("TMP-2020", ActStatus.IN_FORCE, day(2020, 1, 1), day(2025, 1, 1)),
        _detain_act("DRF-2026", ActStatus.DRAFT, None),
        _detain_act("PRP-2026", ActStatus.PROPOSED, None),
    )
    auth = evaluate_member(V1, demo_tree(), acts, NOW)
    assert auth.powers == frozenset()
    assert auth.reasons("detain") == (
        "no act in force grants detain to volunteer_self_defence",
        "FUT-2030 c.1: act not yet in force (effective from 2030-01-01)",
        "OLD-2001 c.1: act repealed (effective until 2010-01-01)",
        "TMP-2020 c.1: act no longer in force (effective until 2025-01-01)",
        "DRF-2026 c.1: act is a draft, not in force",
        "PRP-2026 c.1: act is proposed, not in force",
    )
    not_held = next(n for n in auth.not_held if n.power == "detain")
    assert [r.code for r in not_held.reasons] == [
        ReasonCode.NOT_GRANTED,
        ReasonCode.ACT_NOT_YET_EFFECTIVE,
        ReasonCode.ACT_REPEALED,
        ReasonCode.ACT_NO_LONGER_EFFECTIVE,
        ReasonCode.ACT_NOT_IN_FORCE,
        ReasonCode.ACT_NOT_IN_FORCE,
    ]
    # effective_from is inclusive, effective_to exclusive
    assert evaluate_member(V1, demo_tree(), acts, day(2030, 1, 1)).holds("detain")
    assert evaluate_member(V1, demo_tree(), acts, day(2024, 12, 31)).holds("detain")
    assert not evaluate_member(V1, demo_tree(), acts, day(2025, 1, 1)).holds("detain")
    # a repealed act never grants, even inside its old period
    assert not evaluate_member(V1, demo_tree(), acts[1:2], day(2005, 1, 1)).holds("detain")
    # a proposed act added for a what-if counts from the moment of evaluation
    with_prp = evaluate_member(V1, demo_tree(), acts, NOW, with_proposed=("PRP-2026",))
    assert with_prp.powers == {"detain"}


def test_a_proposed_act_with_a_planned_start_counts_as_passed_at_t_but_keeps_its_end() -> None:
    planned = _detain_act("PRP-2027", ActStatus.PROPOSED, day(2027, 6, 1), day(2028, 1, 1))
    assert evaluate_member(V1, demo_tree(), (planned,), NOW, with_proposed=("PRP-2027",)).holds(
        "detain"
    )
    late = evaluate_member(
        V1, demo_tree(), (planned,), day(2028, 1, 1), with_proposed=("PRP-2027",)
    )
    assert late.reasons("detain") == (
        "no act in force, nor PRP-2027 if passed, grants detain to volunteer_self_defence",
        "PRP-2027 c.1: act no longer in force (effective until 2028-01-01)",
    )


def test_region_restriction_of_lsd_2023() -> None:
    outside = volunteer("VOR1", "vor-bn", region="RU-VOR")
    auth = evaluate_member(outside, demo_tree(), demo_law(), NOW, with_proposed=LSD)
    assert not auth.holds("carry_weapons")
    assert auth.reasons("carry_weapons") == (
        "no act in force, nor LSD-2023 if passed, grants carry_weapons to volunteer_self_defence",
        "LSD-2023 c.2: act does not apply in RU-VOR",
    )
    assert auth.powers == IN_FORCE_POWERS
    unit = evaluate_unit(
        "vor-bn",
        [volunteer(f"VOR{i}", "vor-bn", region="RU-VOR") for i in range(9)],
        demo_tree(),
        demo_law(),
        NOW,
        with_proposed=LSD,
    )
    assert unit.reasons("armed_response") == (
        "armed_response: not granted to volunteer_self_defence by any act in force, "
        "nor by LSD-2023 if passed",
        "LSD-2023 c.3: act does not apply in RU-VOR",
    )
    for region in sorted(BORDER_REGIONS):
        inside = volunteer(f"in-{region}", "bn2-c1", region=region)
        assert evaluate_member(inside, demo_tree(), demo_law(), NOW, with_proposed=LSD).holds(
            "carry_weapons"
        )


def test_demo_law_is_the_legal_model() -> None:
    po, sec, lsd = demo_law()
    assert [(a.reference, a.title, a.status) for a in (po, sec, lsd)] == [
        ("PO-2014", "Public-order volunteers act", ActStatus.IN_FORCE),
        ("SEC-1996", "Security forces act", ActStatus.IN_FORCE),
        ("LSD-2023", "Local self-defence units act", ActStatus.PROPOSED),
    ]
    assert po.effective_from == day(2014, 7, 1)
    assert sec.effective_from == day(1996, 1, 1)
    assert lsd.effective_from is None
    assert lsd.regions == frozenset({"RU-BEL", "RU-KRS", "RU-BRY"})
    assert po.regions is None
    assert sec.regions is None

    def rows(act: LegalAct) -> list[tuple[str, str, list[str], list[str], int]]:
        return [
            (
                g.clause,
                g.power,
                sorted(c.code for c in g.categories),
                [c.describe() for c in g.conditions],
                g.min_members,
            )
            for g in act.grants
        ]

    lsd_conditions = [
        "training(self_defence_programme)",
        "qualification(firearms)",
        "fit",
        "unit_activated",
    ]
    assert rows(po) == [
        ("c.3", "observe_report", [VOL], [], 1),
        ("c.4", "patrol_unarmed", [VOL], ["training(basic)"], 4),
        ("c.5", "checkpoint", [VOL], ["training(basic)"], 4),
        ("c.6", "evacuation_assist", [VOL], [], 6),
        ("c.7", "first_aid", [VOL], ["qualification(first_aid)"], 1),
    ]
    assert rows(sec) == [
        ("c.12", "carry_weapons", ["army", "border_service", "national_guard", "police"], [], 1),
        ("c.13", "armed_response", ["army", "border_service", "national_guard"], [], 8),
        ("c.14", "detain", ["border_service", "national_guard", "police"], [], 1),
    ]
    assert rows(lsd) == [
        ("c.2", "carry_weapons", [VOL], lsd_conditions, 1),
        ("c.3", "armed_response", [VOL], lsd_conditions, 8),
    ]
    assert set(POWER_CATALOGUE) == {
        "observe_report",
        "patrol_unarmed",
        "checkpoint",
        "evacuation_assist",
        "first_aid",
        "detain",
        "carry_weapons",
        "armed_response",
    }


# --------------------------------------------------------------------------- errors


def test_bad_what_if_choices_and_moments_are_rejected() -> None:
    with pytest.raises(UnknownActError) as unknown:
        evaluate_member(V1, demo_tree(), demo_law(), NOW, with_proposed=("XYZ-1",))
    assert unknown.value.code == "unknown_act"
    with pytest.raises(ActNotProposedError) as in_force:
        evaluate_member(V1, demo_tree(), demo_law(), NOW, with_proposed=("PO-2014",))
    assert in_force.value.code == "act_not_proposed"
    with pytest.raises(DuplicateActError):
        evaluate_member(V1, demo_tree(), (*demo_law(), *demo_law()), NOW)
    with pytest.raises(InvalidMomentError) as naive:
        evaluate_member(V1, demo_tree(), demo_law(), datetime(2026, 11, 26))  # noqa: DTZ001
    assert isinstance(naive.value, AuthorityError)
    law = ApplicableLaw(demo_law(), NOW)
    with pytest.raises(InvalidMomentError):
        evaluate_member(V1, demo_tree(), law, NOW + timedelta(days=1))
    assert evaluate_member(V1, demo_tree(), law, NOW).powers == IN_FORCE_POWERS


def test_malformed_law_and_facts_are_rejected() -> None:
    vol = agency_kinds(VOL)
    with pytest.raises(InvalidLawError):
        Grant("A-1", "c.1", "detain", vol, (), 0)
    with pytest.raises(InvalidLawError):
        Grant("A-1", "c.1", "detain", frozenset(), (), 1)
    with pytest.raises(InvalidLawError):
        Grant("A-1", "c.1", "detain", vol, (FitCondition(), FitCondition()), 1)
    with pytest.raises(InvalidLawError):
        LegalAct(
            "a",
            "A-1",
            "A",
            ActStatus.IN_FORCE,
            day(2020, 1, 1),
            grants=(Grant("B-2", "c.1", "x", vol),),
        )
    with pytest.raises(InvalidLawError):
        LegalAct("a", "A-1", "A", ActStatus.IN_FORCE, None)
    with pytest.raises(InvalidLawError):
        LegalAct("a", "A-1", "A", ActStatus.IN_FORCE, day(2020, 1, 1), day(2020, 1, 1))
    with pytest.raises(InvalidLawError):
        LegalAct("a", "A-1", "A", ActStatus.PROPOSED, None, regions=frozenset())
    with pytest.raises(InvalidLawError) as naive_act:
        LegalAct("a", "A-1", "A", ActStatus.IN_FORCE, datetime(2020, 1, 1))  # noqa: DTZ001
    assert naive_act.value.code == "invalid_law"
    with pytest.raises(InvalidFactsError):
        QualificationRecord("firearms", datetime(2020, 1, 1))  # noqa: DTZ001
    with pytest.raises(InvalidUnitTreeError):
        UnitTree(
            [UnitFacts("a", "b", VOL, None, "RU-BEL"), UnitFacts("b", "a", VOL, None, "RU-BEL")]
        )
    with pytest.raises(InvalidUnitTreeError):
        UnitTree([UnitFacts("a", "zz", VOL, None, "RU-BEL")])
    with pytest.raises(InvalidUnitTreeError) as dup:
        UnitTree(
            [UnitFacts("a", None, VOL, None, "RU-BEL"), UnitFacts("a", None, VOL, None, "RU-BEL")]
        )
    assert dup.value.code == "invalid_unit_tree"
    with pytest.raises(UnknownUnitError):
        evaluate_member(MemberFacts("Z", "nowhere", "RU-BEL", VOL), demo_tree(), demo_law(), NOW)
    with pytest.raises(UnknownUnitError):
        evaluate_unit("nowhere", [V1], demo_tree(), demo_law(), NOW)


def test_moments_are_normalised_to_utc_and_formatted() -> None:
    plus3 = datetime(2027, 3, 1, 3, 0, tzinfo=timezone(timedelta(hours=3)))
    rec = QualificationRecord("firearms", day(2020, 1, 1), plus3)
    assert rec.expires_on == datetime(2027, 3, 1, tzinfo=UTC)
    assert rec.expires_on is not None
    assert rec.expires_on.tzinfo is UTC
    assert format_moment(rec.expires_on) == "2027-03-01"
    assert format_moment(datetime(2027, 3, 1, 12, 30, tzinfo=UTC)) == "2027-03-01T12:30Z"
    assert format_moment(datetime(2027, 3, 1, 12, 30, 5, tzinfo=UTC)) == "2027-03-01T12:30:05Z"


# --------------------------------------------------------------------------- batch agreement


def _agreement_law() -> tuple[LegalAct, ...]:
    """The demo law plus acts that exercise every path: unit-category grants, region
    limits, a lapsed act, a repealed act, an act not yet in force."""
    extra = (
        LegalAct(
            "x1",
            "MED-2020",
            "Medical units act",
            ActStatus.IN_FORCE,
            day(2020, 1, 1),
            regions=frozenset({"RU-KRS", "RU-VOR"}),
            grants=(
                Grant(
                    "MED-2020",
                    "c.1",
                    "first_aid",
                    unit_categories("medical"),
                    (QualificationCondition("first_aid"), FitCondition()),
                    2,
                ),
                Grant(
                    "MED-2020",
                    "c.2",
                    "triage",
                    unit_categories("medical") | agency_kinds("police"),
                    (TrainingCondition("basic"),),
                    3,
                ),
            ),
        ),
        _detain_act("TMP-2020", ActStatus.IN_FORCE, day(2020, 1, 1), day(2026, 11, 1)),
        _detain_act("OLD-2001", ActStatus.REPEALED, day(2001, 1, 1)),
        _detain_act("FUT-2027", ActStatus.IN_FORCE, day(2027, 1, 1)),
    )
    return (*demo_law(), *extra)


def _random_population(seed: int, n_members: int) -> tuple[UnitTree, list[MemberFacts]]:
    rng = random.Random(seed)
    regions = ["RU-BEL", "RU-KRS", "RU-BRY", "RU-VOR"]
    kinds = [VOL, VOL, VOL, "army", "police", "border_service", "emergency_service"]
    base = day(2026, 10, 1)

    def moment() -> datetime:
        return base + timedelta(days=rng.randrange(0, 180))

    def period() -> tuple[datetime, datetime | None]:
        start = moment() - timedelta(days=rng.randrange(0, 120))
        end = None if rng.random() < 0.2 else start + timedelta(days=rng.randrange(1, 200))
        return start, end

    units: list[UnitFacts] = []
    for b in range(12):
        kind = rng.choice(kinds)
        region = rng.choice(regions)
        bid = f"b{b}"

        def orders() -> tuple[ActivationOrder, ...]:
            return tuple(ActivationOrder(*period()) for _ in range(rng.choice([0, 0, 1, 2])))

        units.append(UnitFacts(bid, None, kind, "battalion", region, f"Bn {b}", orders()))
        for c in range(rng.randrange(1, 4)):
            cid = f"{bid}c{c}"
            units.append(
                UnitFacts(cid, bid, kind, rng.choice(["company", "medical"]), region, "", orders())
            )
            for p in range(rng.randrange(0, 3)):
                units.append(UnitFacts(f"{cid}p{p}", cid, kind, None, region, "", orders()))
    tree = UnitTree(units)
    members: list[MemberFacts] = []
    for i in range(n_members):
        unit = rng.choice(units)
        quals = tuple(
            QualificationRecord(rng.choice(["firearms", "first_aid"]), *period())
            for _ in range(rng.choice([0, 1, 1, 2, 3]))
        )
        trainings = tuple(
            TrainingRecord(rng.choice(["basic", "self_defence_programme"]), moment())
            for _ in range(rng.choice([0, 1, 2, 2]))
        )
        fitness = tuple(FitnessRecord(*period()) for _ in range(rng.choice([0, 1, 1, 2])))
        members.append(
            MemberFacts(
                f"m{i}",
                unit.unit_id,
                unit.region if rng.random() < 0.9 else rng.choice(regions),
                unit.agency_kind,
                unit.category,
                quals,
                trainings,
                fitness,
            )
        )
    return tree, members


@pytest.mark.parametrize("seed", [7, 2026])
def test_batch_path_agrees_with_member_and_unit_evaluation(seed: int) -> None:
    tree, members = _random_population(seed, 3000)
    table = MemberTable.from_facts(members, tree)
    acts = _agreement_law()
    rng = random.Random(seed)
    moments = [day(2026, 11, 1), day(2027, 1, 1), NOW] + [
        day(2026, 10, 1) + timedelta(days=rng.randrange(0, 200)) for _ in range(2)
    ]
    held_somewhere: set[str] = set()
    for at in moments:
        for proposed in ((), LSD):
            batch = evaluate_table(table, acts, at, with_proposed=proposed)
            law = ApplicableLaw(acts, at, proposed)
            reference = evaluate_members(members, tree, law, at)
            for row, auth in enumerate(reference):
                assert batch.row_powers(row) == auth.powers, (at, proposed, auth.member_id)
                assert batch.row_grants(row) == auth.grant_keys
                held_somewhere |= auth.powers
            for power in batch.powers:
                assert batch.count_members(power) == sum(a.holds(power) for a in reference)
            unit_ids = tree.unit_ids if at == NOW else tree.unit_ids[::5]
            for unit_id in unit_ids:
                assert batch.unit_authority(unit_id) == evaluate_unit(
                    unit_id, members, tree, law, at
                ), (at, proposed, unit_id)
            powers_by_unit = batch.unit_powers()
            for power in batch.powers:
                assert set(batch.units_holding(power)) == {
                    u for u, ps in powers_by_unit.items() if power in ps
                }
    # the random population exercises every power of the law
    assert held_somewhere >= set(POWER_CATALOGUE) | {"triage"}


def test_member_table_from_columns_takes_missing_codes_from_units() -> None:
    tree = demo_tree()
    members = [V1, V2, V3, soldier("S1")]
    from_facts = MemberTable.from_facts(members, tree)
    from_columns = MemberTable(
        units=tree,
        member_ids=np.array(["V1", "V2", "V3", "S1"]),
        unit_index=np.array([tree.index_of(m.unit_id) for m in members]),
        qualifications=from_facts.qualifications,
        trainings=from_facts.trainings,
        fitness=from_facts.fitness,
    )
    assert from_columns.region_of(0) == "RU-BEL"
    assert from_columns.agency_kind_of(3) == "army"
    for table in (from_facts, from_columns):
        batch = evaluate_table(table, demo_law(), NOW, with_proposed=LSD)
        for m in members:
            expected = evaluate_member(m, tree, demo_law(), NOW, with_proposed=LSD).powers
            assert batch.member_powers(m.member_id) == expected
    with pytest.raises(UnknownMemberError):
        from_columns.index_of("nobody")
    with pytest.raises(InvalidFactsError):
        MemberTable(units=tree, member_ids=np.array(["a", "b"]), unit_index=np.array([0]))
    with pytest.raises(InvalidFactsError):
        MemberTable(units=tree, member_ids=np.array(["a"]), unit_index=np.array([len(tree)]))
    with pytest.raises(InvalidFactsError):
        MemberTable.from_facts([V1, V1], tree)
