"""Task eligibility (every reason) and the ranking of units by ETA."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest

from marchwarden.core.dispatch.eligibility import (
    NO_GRANT_KNOWN,
    ReasonCode,
    assess_eligibility,
)
from marchwarden.core.dispatch.errors import (
    DispatchError,
    DuplicateUnit,
    InvalidRecommendationRequest,
    InvalidTaskPosition,
    InvalidTaskRequirements,
    InvalidUnitPosition,
)
from marchwarden.core.dispatch.model import PositionSource, TaskRequirements, UnitCandidate
from marchwarden.core.dispatch.ranking import DispatchBoard, recommend_units
from marchwarden.core.forces.status import UnitStatus
from marchwarden.core.geo.distance import TravelModel, haversine_km

GRAYVORON = (35.676, 50.478)
KM_PER_DEG_LAT = math.pi * 6371.0088 / 180.0

ARMED = TaskRequirements(frozenset({"armed_response"}), frozenset({"vehicles"}), 2)
NOT_GRANTED = "armed_response: not granted to volunteer_self_defence by any act in force"


def north(km: float, of: tuple[float, float] = GRAYVORON) -> tuple[float, float]:
    return (of[0], of[1] + km / KM_PER_DEG_LAT)


def unit(
    unit_id: int,
    *,
    name: str | None = None,
    status: UnitStatus = UnitStatus.AVAILABLE,
    readiness: int = 3,
    capabilities: frozenset[str] = frozenset({"vehicles"}),
    powers: dict[str, str] | None = None,
    refusals: dict[str, str] | None = None,
    position: tuple[float, float] | None = None,
    home_base: tuple[float, float] | None = GRAYVORON,
) -> UnitCandidate:
    return UnitCandidate(
        unit_id=unit_id,
        name=name or f"Unit {unit_id}",
        status=status,
        readiness=readiness,
        capabilities=capabilities,
        powers={"armed_response": "SEC-1996 c.13"} if powers is None else powers,
        power_refusals=refusals or {},
        position=position,
        home_base=home_base,
    )


# --------------------------------------------------------------------------- model


def test_requirements_validation() -> None:
    with pytest.raises(InvalidTaskRequirements, match="must not be negative"):
        TaskRequirements(minimum_readiness=-1)
    with pytest.raises(InvalidTaskRequirements, match="not one string"):
        TaskRequirements(required_powers="armed_response")  # type: ignore[arg-type]
    with pytest.raises(InvalidTaskRequirements, match="empty names"):
        TaskRequirements(required_capabilities=frozenset({" "}))


@pytest.mark.parametrize(
    ("field", "value"),
    [("position", (200.0, 50.0)), ("home_base", (35.0, -91.0)), ("position", (math.nan, 1.0))],
)
def test_unit_positions_are_validated(field: str, value: tuple[float, float]) -> None:
    kwargs: dict[str, object] = {field: value}
    with pytest.raises(InvalidUnitPosition, match="not a valid"):
        UnitCandidate(1, "U", UnitStatus.AVAILABLE, 1, **kwargs)  # type: ignore[arg-type]


def test_origin_prefers_current_position() -> None:
    here = north(3.0)
    assert unit(1, position=here).origin == (here, PositionSource.CURRENT)
    assert unit(1).origin == (GRAYVORON, PositionSource.HOME_BASE)
    assert unit(1, home_base=None).origin is None


# --------------------------------------------------------------------------- eligibility


def test_eligible_unit_lists_granting_acts() -> None:
    result = assess_eligibility(ARMED, unit(1))
    assert result.eligible
    assert result.reasons == ()
    assert dict(result.granted_powers) == {"armed_response": "SEC-1996 c.13"}
    assert result.describe() == "eligible"


@pytest.mark.parametrize(
    "status",
    [
        UnitStatus.ASSIGNED,
        UnitStatus.EN_ROUTE,
        UnitStatus.ON_SCENE,
        UnitStatus.OUT_OF_SERVICE,
        UnitStatus.OFF_DUTY,
    ],
)
def test_status_not_available(status: UnitStatus) -> None:
    result = assess_eligibility(ARMED, unit(1, status=status))
    [reason] = result.reasons
    assert reason.code is ReasonCode.STATUS_NOT_AVAILABLE
    assert reason.message == f"status {status.describe()} is not available for tasking"


def test_returning_unit_is_available() -> None:
    assert assess_eligibility(ARMED, unit(1, status=UnitStatus.RETURNING)).eligible


def test_missing_power_passes_legal_engine_text_through() -> None:
    volunteers = unit(
        1, powers={"patrol_unarmed": "PO-2014 c.4"}, refusals={"armed_response": NOT_GRANTED}
    )
    [reason] = assess_eligibility(ARMED, volunteers).reasons
    assert reason.code is ReasonCode.MISSING_POWER
    assert reason.subject == "armed_response"
    assert reason.detail == NOT_GRANTED
    assert reason.message == f"lacks power {NOT_GRANTED}"


def test_missing_power_text_without_power_prefix_and_without_any_text() -> None:
    task = TaskRequirements(frozenset({"detain", "carry_weapons"}))
    result = assess_eligibility(
        task, unit(1, powers={}, refusals={"carry_weapons": "LSD-2023 c.2: unit not activated"})
    )
    assert [r.message for r in result.reasons] == [
        "lacks power carry_weapons: LSD-2023 c.2: unit not activated",
        f"lacks power detain: {NO_GRANT_KNOWN}",
    ]


def test_missing_capability_and_low_readiness() -> None:
    task = TaskRequirements(frozenset(), frozenset({"medical", "vehicles", "boats"}), 3)
    result = assess_eligibility(task, unit(1, readiness=1))
    assert [(r.code, r.subject) for r in result.reasons] == [
        (ReasonCode.MISSING_CAPABILITY, "boats"),
        (ReasonCode.MISSING_CAPABILITY, "medical"),
        (ReasonCode.READINESS_TOO_LOW, None),
    ]
    assert result.reasons[2].message == "readiness 1 is below the required 3"
    assert assess_eligibility(TaskRequirements(minimum_readiness=1), unit(1, readiness=1)).eligible


def test_every_reason_at_once_in_stable_order() -> None:
    result = assess_eligibility(
        ARMED,
        unit(
            1,
            status=UnitStatus.OFF_DUTY,
            readiness=0,
            capabilities=frozenset(),
            powers={},
            refusals={"armed_response": NOT_GRANTED},
        ),
    )
    assert [r.code for r in result.reasons] == [
        ReasonCode.STATUS_NOT_AVAILABLE,
        ReasonCode.MISSING_POWER,
        ReasonCode.MISSING_CAPABILITY,
        ReasonCode.READINESS_TOO_LOW,
    ]
    assert not result.eligible
    assert result.describe().startswith("not eligible: status off duty (unavailable)")


# --------------------------------------------------------------------------- ranking


def test_ranked_by_eta_with_travel_model() -> None:
    units = [
        unit(1, home_base=north(20)),
        unit(2, home_base=north(5)),
        unit(3, home_base=north(12)),
    ]
    travel = TravelModel(speed_kmh=40, detour_factor=1.5)
    result = recommend_units(units, ARMED, GRAYVORON, travel=travel)
    assert [r.unit_id for r in result.ranked] == [2, 3, 1]
    assert [r.rank for r in result.ranked] == [1, 2, 3]
    for ranked, km in zip(result.ranked, (5, 12, 20), strict=True):
        assert ranked.distance_km == pytest.approx(km, abs=1e-6)
        assert ranked.eta_minutes == pytest.approx(travel.minutes(km), abs=1e-6)
        assert ranked.position_source is PositionSource.HOME_BASE
    assert result.travel_model == travel.describe()
    assert result.eligible_count == 3
    assert result.ranked[0].describe() == (
        "1. Unit 2: 5.0 km from its home base, ETA 11 min; holds armed_response (SEC-1996 c.13)"
    )


def test_eta_from_current_position_over_home_base() -> None:
    moved = unit(1, position=north(2), home_base=north(30))
    at_base = unit(2, home_base=north(10))
    result = recommend_units([at_base, moved], ARMED, GRAYVORON)
    assert [r.unit_id for r in result.ranked] == [1, 2]
    assert result.ranked[0].position_source is PositionSource.CURRENT
    assert result.ranked[0].distance_km == pytest.approx(2.0, abs=1e-6)


def test_ties_broken_by_readiness_then_unit_id() -> None:
    same_base = north(8)
    units = [
        unit(30, readiness=3, home_base=same_base),
        unit(10, readiness=3, home_base=same_base),
        unit(20, readiness=4, home_base=same_base),
        unit(5, readiness=2, home_base=same_base),
    ]
    ids = [r.unit_id for r in recommend_units(units, ARMED, GRAYVORON).ranked]
    assert ids == [20, 10, 30, 5]
    shuffled = list(reversed(units))
    assert [r.unit_id for r in recommend_units(shuffled, ARMED, GRAYVORON).ranked] == ids


def test_ties_within_a_metre_count_as_ties() -> None:
    a = unit(2, home_base=north(8.0))
    b = unit(1, home_base=north(8.0003))  # 30 cm further, lower id
    assert [r.unit_id for r in recommend_units([a, b], ARMED, GRAYVORON).ranked] == [1, 2]


def test_limit_keeps_ties_at_the_cut_deterministic() -> None:
    units = [unit(i, readiness=3, home_base=north(4)) for i in (9, 4, 7, 2)] + [
        unit(1, home_base=north(1))
    ]
    result = recommend_units(units, ARMED, GRAYVORON, limit=3)
    assert [r.unit_id for r in result.ranked] == [1, 2, 4]
    assert result.eligible_count == 5


def test_ineligible_within_radius_listed_with_reasons() -> None:
    volunteers = unit(
        5,
        name="2nd Battalion",
        powers={"patrol_unarmed": "PO-2014 c.4"},
        refusals={"armed_response": NOT_GRANTED},
        home_base=north(3),
    )
    busy = unit(6, status=UnitStatus.ON_SCENE, home_base=north(6))
    far = unit(7, status=UnitStatus.OFF_DUTY, home_base=north(40))
    army = unit(8, home_base=north(30))
    result = recommend_units([volunteers, busy, far, army], ARMED, GRAYVORON)
    assert [r.unit_id for r in result.ranked] == [8]
    assert [u.unit_id for u in result.ineligible_nearby] == [5, 6]
    assert result.ineligible_nearby_count == 2
    assert result.ineligible_nearby[0].reasons[0].message == f"lacks power {NOT_GRANTED}"
    assert (
        result.ineligible_nearby[0].describe()
        == f"2nd Battalion (3.0 km): lacks power {NOT_GRANTED}"
    )
    assert result.ineligible_nearby[1].reasons[0].code is ReasonCode.STATUS_NOT_AVAILABLE


def test_ineligible_radius_boundary_and_limit() -> None:
    edge = north(10)
    at_edge = unit(1, status=UnitStatus.OFF_DUTY, home_base=edge)
    exact = haversine_km(edge[0], edge[1], *GRAYVORON)
    board = DispatchBoard([at_edge])
    assert board.recommend(ARMED, GRAYVORON, ineligible_radius_km=exact).ineligible_nearby
    below = math.nextafter(exact, 0.0)
    assert board.recommend(ARMED, GRAYVORON, ineligible_radius_km=below).ineligible_nearby == ()

    many = DispatchBoard(
        [unit(i, status=UnitStatus.OFF_DUTY, home_base=north(i)) for i in range(1, 8)]
    )
    result = many.recommend(ARMED, GRAYVORON, ineligible_limit=3)
    assert [u.unit_id for u in result.ineligible_nearby] == [1, 2, 3]
    assert result.ineligible_nearby_count == 7
    assert many.recommend(ARMED, GRAYVORON, ineligible_limit=0).ineligible_nearby == ()


def test_eligible_units_without_any_position_are_listed_apart() -> None:
    result = recommend_units([unit(3, home_base=None), unit(2)], ARMED, GRAYVORON)
    assert [r.unit_id for r in result.ranked] == [2]
    assert result.eligible_without_position == (3,)


def test_unknown_requirement_makes_everyone_ineligible() -> None:
    task = TaskRequirements(frozenset({"levitate"}))
    result = recommend_units([unit(1), unit(2)], task, GRAYVORON)
    assert result.ranked == ()
    assert {u.reasons[0].subject for u in result.ineligible_nearby} == {"levitate"}


def test_request_validation() -> None:
    board = DispatchBoard([unit(1)])
    with pytest.raises(InvalidTaskPosition):
        board.recommend(ARMED, (35.0, 91.0))
    with pytest.raises(InvalidRecommendationRequest, match="limit must be at least 1"):
        board.recommend(ARMED, GRAYVORON, limit=0)
    with pytest.raises(InvalidRecommendationRequest, match="ineligible_limit"):
        board.recommend(ARMED, GRAYVORON, ineligible_limit=-1)
    with pytest.raises(InvalidRecommendationRequest, match="ineligible_radius_km"):
        board.recommend(ARMED, GRAYVORON, ineligible_radius_km=math.nan)
    with pytest.raises(DuplicateUnit, match="unit 1 appears more than once") as e:
        DispatchBoard([unit(1), unit(1)])
    assert isinstance(e.value, DispatchError)
    assert e.value.code == "duplicate-unit"


# ------------------------------------------------- the vectorised board agrees with the rules

POWERS = ("observe_report", "checkpoint", "first_aid", "carry_weapons", "armed_response")
CAPS = ("vehicles", "medical", "boats")


def random_units(rng: random.Random, n: int) -> list[UnitCandidate]:
    units = []
    for i in range(n):
        held = rng.sample(POWERS, rng.randint(0, len(POWERS)))
        base = (rng.uniform(35.0, 36.5), rng.uniform(50.2, 51.0))
        units.append(
            UnitCandidate(
                unit_id=rng.randint(1, 10**6) * 1000 + i,
                name=f"U{i}",
                status=rng.choice(list(UnitStatus)),
                readiness=rng.randint(0, 4),
                capabilities=frozenset(rng.sample(CAPS, rng.randint(0, len(CAPS)))),
                powers=dict.fromkeys(held, "ACT c.1"),
                position=None if rng.random() < 0.5 else (base[0] + 0.01, base[1]),
                home_base=None if rng.random() < 0.05 else base,
            )
        )
    return units


def random_task(rng: random.Random) -> TaskRequirements:
    return TaskRequirements(
        frozenset(rng.sample(POWERS, rng.randint(0, 2))),
        frozenset(rng.sample(CAPS, rng.randint(0, 2))),
        rng.randint(0, 4),
    )


def reference_ranking(
    units: list[UnitCandidate], task: TaskRequirements, target: tuple[float, float]
) -> list[int]:
    rows = []
    for u in units:
        origin = u.origin
        if assess_eligibility(task, u).eligible and origin is not None:
            km = haversine_km(origin[0][0], origin[0][1], *target)
            rows.append((round(km * 1000), -u.readiness, u.unit_id))
    return [row[2] for row in sorted(rows)]


@pytest.mark.parametrize("seed", range(5))
def test_board_agrees_with_per_unit_rules(seed: int) -> None:
    rng = random.Random(seed)
    units = random_units(rng, 400)
    board = DispatchBoard(units)
    target = (rng.uniform(35.0, 36.5), rng.uniform(50.2, 51.0))
    for _ in range(10):
        task = random_task(rng)
        mask = board.eligible_mask(task)
        assert mask.tolist() == [assess_eligibility(task, u).eligible for u in units]
        result = board.recommend(task, target, limit=len(units))
        assert [r.unit_id for r in result.ranked] == reference_ranking(units, task, target)


def test_board_distances_match_haversine() -> None:
    units = random_units(random.Random(42), 200)
    board = DispatchBoard(units)
    distances = board.distances_km(GRAYVORON)
    for u, d in zip(units, distances.tolist(), strict=True):
        origin = u.origin
        if origin is None:
            assert math.isnan(d)
        else:
            assert d == pytest.approx(haversine_km(*origin[0], *GRAYVORON), rel=1e-12, abs=1e-9)


def test_updated_board_equals_a_fresh_one() -> None:
    rng = random.Random(7)
    units = random_units(rng, 300)
    board = DispatchBoard(units)
    changed = [
        UnitCandidate(
            u.unit_id,
            u.name,
            rng.choice(list(UnitStatus)),
            rng.randint(0, 4),
            frozenset(rng.sample(CAPS, rng.randint(0, 3))),
            dict.fromkeys(rng.sample(POWERS, rng.randint(0, 3)), "ACT c.9"),
            position=(36.0, 50.5) if rng.random() < 0.5 else None,
            home_base=u.home_base,
        )
        for u in rng.sample(units, 60)
    ]
    updated = board.updated(changed)
    by_id = {u.unit_id: u for u in units} | {u.unit_id: u for u in changed}
    fresh = DispatchBoard(by_id.values())
    target = (35.8, 50.6)
    for _ in range(10):
        task = random_task(rng)
        assert np.array_equal(updated.eligible_mask(task), fresh.eligible_mask(task))
        assert updated.recommend(task, target, limit=50) == fresh.recommend(task, target, limit=50)
    # the original board is untouched
    original = DispatchBoard(units)
    task = random_task(rng)
    assert board.recommend(task, target) == original.recommend(task, target)


def test_updated_with_a_new_unit_adds_it() -> None:
    board = DispatchBoard([unit(1, home_base=north(5))])
    bigger = board.updated([unit(2, home_base=north(1))])
    assert len(bigger) == 2
    assert [r.unit_id for r in bigger.recommend(ARMED, GRAYVORON).ranked] == [2, 1]
    assert len(board) == 1


def test_units_beyond_the_eta_cut_off_are_left_out_and_counted() -> None:
    units = [
        unit(1, home_base=north(20)),
        unit(2, home_base=north(5)),
        unit(3, home_base=north(90)),
    ]
    travel = TravelModel(speed_kmh=60, detour_factor=1.0)  # a km a minute
    board = DispatchBoard(units)
    result = board.recommend(ARMED, GRAYVORON, travel=travel, max_eta_minutes=30)
    assert [r.unit_id for r in result.ranked] == [2, 1]
    assert (result.eligible_count, result.beyond_eta_count) == (3, 1)
    assert result.max_eta_minutes == 30
    every = board.recommend(ARMED, GRAYVORON, travel=travel)
    assert [r.unit_id for r in every.ranked] == [2, 1, 3] and every.beyond_eta_count == 0
    with pytest.raises(InvalidRecommendationRequest, match="max_eta_minutes"):
        board.recommend(ARMED, GRAYVORON, max_eta_minutes=0)
