"""The release analysis on small worlds whose answers are known by hand.

Settlements and units lie on one parallel (50° N), placed by their distance in km east
of a reference point; the travel model is straight line at 60 km/h with no detour and
the budget 10 min, so a unit reaches what lies within 10 km of it.
"""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import sparse

from marchwarden.core.authority.release import (
    Method,
    Objective,
    ReleaseQuestion,
    Responder,
    Target,
    analyse_release,
    reach_matrix,
    solve_cover,
)
from marchwarden.core.errors import Invalid
from marchwarden.core.geo.distance import EARTH_RADIUS_KM, TravelModel
from marchwarden.core.geo.model import Settlement

TRAVEL = TravelModel(speed_kmh=60.0, detour_factor=1.0)
BUDGET = 10.0
LAT = 50.0
KM_PER_DEG_LON = math.pi / 180 * EARTH_RADIUS_KM * math.cos(math.radians(LAT))


def town(sid: int, km: float, population: int = 1000) -> Settlement:
    return Settlement(sid, f"S{sid}", population, "RU-BEL", "RU", 36.0 + km / KM_PER_DEG_LON, LAT)


def unit(
    uid: int, km: float, kind: str = "army", people: int = 10, readiness: int = 3
) -> Responder:
    return Responder(str(uid), kind, 36.0 + km / KM_PER_DEG_LON, LAT, people, readiness)


# three settlements a (0 km), b (8 km), c (16 km)
TOWNS = [town(1, 0.0), town(2, 8.0), town(3, 16.0)]
# U1 at 8 km reaches a, b, c; U2 at 4 km reaches a, b; U3 at 20 km reaches c; U4 at -5 km a
BIG = unit(1, 8.0, people=4)
PAIR = unit(2, 4.0, people=2)
RIGHT = unit(3, 20.0, people=3)
LEFT = unit(4, -5.0, people=5)
FOUR = [BIG, PAIR, RIGHT, LEFT]


def test_reach_matches_the_distances_by_hand() -> None:
    reach = reach_matrix(TOWNS, FOUR, TRAVEL, BUDGET).toarray()
    assert reach.tolist() == [
        [True, True, False, True],
        [True, True, False, False],
        [True, False, True, False],
    ]


def test_one_unit_covering_all_is_kept_and_three_are_released() -> None:
    a = analyse_release(TOWNS, FOUR, FOUR, TRAVEL, BUDGET)
    assert a.covered_today == (1, 2, 3)
    plan = a.before
    assert plan.method is Method.OPTIMAL
    assert plan.kept_ids == ("1",)
    assert plan.kept[0].settlements == (1, 2, 3) == plan.kept[0].only
    assert plan.released == ("2", "3", "4")
    assert plan.released_people == 2 + 3 + 5
    assert plan.objective == plan.bound == 1
    assert a.freed == ()  # the same responders before and after: the act frees nothing


def test_greedy_is_worse_than_the_optimum_when_people_are_the_cost() -> None:
    # costs 4 (all three), 2 (a, b), 3 (c), 5 (a): greedy takes the best ratio first,
    # U2 (2 settlements for 2 people), then U3 for c: 5 people; the optimum keeps U1: 4
    question = ReleaseQuestion(objective=Objective.PEOPLE)
    exact = analyse_release(TOWNS, FOUR, FOUR, TRAVEL, BUDGET, question)
    assert exact.before.method is Method.OPTIMAL
    assert exact.before.kept_ids == ("1",) and exact.before.objective == 4
    greedy_q = ReleaseQuestion(objective=Objective.PEOPLE, solver="greedy")
    greedy = analyse_release(TOWNS, FOUR, FOUR, TRAVEL, BUDGET, greedy_q)
    assert greedy.before.method is Method.GREEDY
    assert greedy.before.kept_ids == ("2", "3")
    assert greedy.before.objective == 5
    # the LP relaxation's bound: no cover costs less than the optimum, 4
    assert greedy.before.bound == 4
    assert greedy.before.bound <= exact.before.objective < greedy.before.objective


def test_a_settlement_nobody_reaches_is_named_and_not_required() -> None:
    towns = [*TOWNS, town(4, 60.0, population=500)]
    volunteers = unit(9, 1.0, kind="volunteer_self_defence")
    a = analyse_release(towns, FOUR, [*FOUR, volunteers], TRAVEL, BUDGET)
    assert a.uncovered_either_way == (4,)
    assert 4 not in a.covered_today
    assert a.covered_today_population == 3000
    # with the volunteers covering a and b, one unit must still keep c (U1 or U3): by
    # unit count the act frees nothing, and the unit kept before is kept
    assert a.before.kept_ids == ("1",)
    assert a.after.kept_ids == ("1",)
    assert a.after.covered_by_others == (1, 2)
    assert a.freed == () and a.recalled == ()
    # by people, U3 (3) now suffices where U1 (4) was needed: U1 is freed, U3 recalled
    q = ReleaseQuestion(objective=Objective.PEOPLE)
    p = analyse_release(towns, FOUR, [*FOUR, volunteers], TRAVEL, BUDGET, q)
    assert p.before.kept_ids == ("1",) and p.after.kept_ids == ("3",)
    assert p.freed == ("1",) and p.recalled == ("3",)
    assert p.after.released_people - p.before.released_people == 4 - 3


def test_volunteers_reaching_every_settlement_free_every_unit() -> None:
    volunteers = unit(9, 8.0, kind="volunteer_self_defence")
    a = analyse_release(TOWNS, FOUR, [*FOUR, volunteers], TRAVEL, BUDGET)
    assert a.after.kept == () and a.after.method is Method.TRIVIAL
    assert a.freed == ("1",) and a.freed_people == 4


def test_an_act_that_adds_no_reach_frees_nothing() -> None:
    far = unit(9, 200.0, kind="volunteer_self_defence")
    a = analyse_release(TOWNS, FOUR, [*FOUR, far], TRAVEL, BUDGET)
    assert a.before.released == a.after.released == ("2", "3", "4")
    assert a.freed == () and a.freed_people == 0
    assert a.gained_by_act == ()


def test_other_agencies_stay_and_only_the_named_ones_are_released() -> None:
    border = unit(5, 8.0, kind="border_service")
    a = analyse_release(TOWNS, [*FOUR, border], [*FOUR, border], TRAVEL, BUDGET)
    assert a.before.candidates == ("1", "2", "3", "4")
    assert a.before.kept == () and a.before.released == ("1", "2", "3", "4")
    assert a.before.method is Method.TRIVIAL
    only_army = ReleaseQuestion(agencies=frozenset({"national_guard"}))
    none = analyse_release(TOWNS, FOUR, FOUR, TRAVEL, BUDGET, only_army)
    assert none.before.candidates == ()
    assert none.before.covered_by_others == (1, 2, 3)


def test_population_target_may_trade_a_small_settlement_for_a_larger_one() -> None:
    towns = [town(1, 0.0, 100), town(2, 30.0, 5000), town(3, 60.0, 2000)]
    army = [unit(1, 0.0), unit(2, 60.0)]  # today: S1 and S3 covered, 2,100 people
    volunteers = unit(9, 30.0, kind="volunteer_self_defence")  # the act adds S2
    by_town = analyse_release(towns, army, [*army, volunteers], TRAVEL, BUDGET)
    assert by_town.after.kept_ids == ("1", "2")  # every settlement covered today stays
    q = ReleaseQuestion(target=Target.POPULATION)
    by_people = analyse_release(towns, army, [*army, volunteers], TRAVEL, BUDGET, q)
    # 5,000 people covered by the volunteers already exceed 2,100: both army units go
    assert by_people.after.kept == () and by_people.after.released == ("1", "2")
    assert by_people.freed == ("1", "2")


def test_population_target_greedy_and_milp_agree_on_a_small_world() -> None:
    # today: S1 (100) by U1, S2 (5,000) by U2, S3 (2,000) by U3; the act's volunteers reach
    # S4 (2,500): keeping the people covered needs U2 only (5,000 + 2,500 >= 7,100)
    towns = [town(1, 0.0, 100), town(2, 30.0, 5000), town(3, 60.0, 2000), town(4, 90.0, 2500)]
    army = [unit(1, 0.0), unit(2, 30.0), unit(3, 60.0)]
    volunteers = unit(9, 90.0, kind="volunteer_self_defence")
    for solver in ("auto", "greedy"):
        q = ReleaseQuestion(target=Target.POPULATION, solver=solver)
        result = analyse_release(towns, army, [*army, volunteers], TRAVEL, BUDGET, q)
        assert result.before.kept_ids == ("1", "2", "3")
        assert result.after.kept_ids == ("2",), solver
        assert result.after.bound <= result.after.objective == 1
        assert result.freed == ("1", "3")


def test_readiness_objective_releases_the_readiest() -> None:
    ready = unit(1, 0.0, readiness=4)
    slow = unit(2, 1.0, readiness=1)
    towns = [town(1, 0.0)]
    a = analyse_release(
        towns,
        [ready, slow],
        [ready, slow],
        TRAVEL,
        BUDGET,
        ReleaseQuestion(objective=Objective.READINESS),
    )
    assert a.before.kept_ids == ("2",) and a.before.released == ("1",)
    ties = analyse_release(towns, [ready, slow], [ready, slow], TRAVEL, BUDGET)
    assert ties.before.kept_ids in {("1",), ("2",)}


def test_with_the_act_the_units_kept_before_are_preferred() -> None:
    # U1 and U2 both reach S1 only; before, one of them is kept; after, with a volunteer
    # unit reaching nothing new, the same one is kept (nothing is "freed" by a reshuffle)
    towns = [town(1, 0.0)]
    a, b = unit(1, 1.0), unit(2, -1.0)
    v = unit(9, 100.0, kind="volunteer_self_defence")
    result = analyse_release(towns, [a, b], [a, b, v], TRAVEL, BUDGET)
    assert result.after.kept_ids == result.before.kept_ids
    assert result.freed == ()


def _random_world(
    seed: int, n_towns: int, n_units: int
) -> tuple[list[Settlement], list[Responder]]:
    rng = random.Random(seed)
    towns = [town(i + 1, rng.uniform(0, 300), rng.randint(50, 5000)) for i in range(n_towns)]
    kinds = ["army", "national_guard", "border_service", "volunteer_self_defence"]
    units = [
        unit(
            i + 1,
            rng.uniform(-10, 310),
            rng.choices(kinds, weights=(6, 6, 1, 2))[0],
            rng.randint(5, 400),
            rng.randint(1, 4),
        )
        for i in range(n_units)
    ]
    return towns, units


def test_same_data_same_units_whatever_the_input_order() -> None:
    towns, units = _random_world(7, 40, 60)
    before = [u for u in units if u.agency_kind != "volunteer_self_defence"]
    first = analyse_release(towns, before, units, TRAVEL, BUDGET)
    shuffled = list(reversed(units))
    second = analyse_release(
        list(reversed(towns)), list(reversed(before)), shuffled, TRAVEL, BUDGET
    )
    assert first.before == second.before
    assert first.after == second.after
    assert first.freed == second.freed


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_answer_keeps_today_covered_and_the_milp_is_never_worse_than_greedy(
    seed: int,
) -> None:
    towns, units = _random_world(seed, 60, 80)
    before = [u for u in units if u.agency_kind != "volunteer_self_defence"]
    for objective in Objective:
        exact = analyse_release(
            towns, before, units, TRAVEL, BUDGET, ReleaseQuestion(objective=objective)
        )
        greedy = analyse_release(
            towns,
            before,
            units,
            TRAVEL,
            BUDGET,
            ReleaseQuestion(objective=objective, solver="greedy"),
        )
        for result in (exact, greedy):
            for plan, active in ((result.before, before), (result.after, units)):
                stay = [
                    u
                    for u in active
                    if u.agency_kind not in {"army", "national_guard"} or u.unit_id in plan.kept_ids
                ]
                reach = reach_matrix(towns, stay, TRAVEL, BUDGET).toarray().any(axis=1)
                covered = {t.id for t, r in zip(towns, reach, strict=True) if r}
                assert set(result.covered_today) <= covered
        assert exact.before.method is Method.OPTIMAL
        assert exact.before.objective <= greedy.before.objective
        assert greedy.before.bound <= exact.before.objective + 1e-9


def test_solve_cover_rejects_nothing_and_greedy_covers_every_row() -> None:
    a = sparse.csc_array(np.array([[1, 0, 1], [0, 1, 1], [1, 1, 0]], dtype=np.bool_))
    base = np.ones(3)
    pref = np.zeros(3, dtype=np.bool_)
    exact = solve_cover(a, base, pref)
    assert exact.method is Method.OPTIMAL and int(exact.kept.sum()) == 2
    greedy = solve_cover(a, base, pref, solver="greedy")
    assert bool(np.all(a.toarray()[:, greedy.kept].any(axis=1)))
    assert greedy.bound == 2  # LP relaxation: 1.5, rounded up for integer costs


def test_bad_questions_are_refused() -> None:
    with pytest.raises(Invalid, match="at least one agency"):
        ReleaseQuestion(agencies=frozenset())
    with pytest.raises(Invalid, match="time limit"):
        ReleaseQuestion(time_limit_s=0)
    with pytest.raises(Invalid, match="budget"):
        analyse_release(TOWNS, FOUR, FOUR, TRAVEL, 0.0)
    with pytest.raises(Invalid, match="twice"):
        analyse_release(TOWNS, [BIG], [unit(1, 9.0, people=4)], TRAVEL, BUDGET)
