"""The demo-forces generator: determinism, the counts the scenario demands, geography,
consistency of codes and records, and the law applied to the generated forces."""

from __future__ import annotations

import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from marchwarden import geodata
from marchwarden.core.access.model import ScopeKind
from marchwarden.core.authority import (
    MemberTable,
    evaluate_member,
    evaluate_table,
    evaluate_unit,
    utc_day,
)
from marchwarden.core.authority.demo_law import demo_law
from marchwarden.core.forces.status import Availability, UnitStatus
from marchwarden.core.geo.areas import distance_to_lines_km
from marchwarden.scenario.generate import (
    ACTIVATED_BATTALION,
    generate,
    summarize,
    to_authority_facts,
)
from marchwarden.scenario.model import CAPABILITIES, SCENARIO_AGENCY_KINDS, UNIT_CATEGORIES

if TYPE_CHECKING:
    from collections.abc import Callable

    from marchwarden.core.authority import BatchAuthority
    from marchwarden.scenario.model import MemberSpec, ScenarioData, UnitSpec

AS_OF = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
VOL = "volunteer_self_defence"
BORDER_REGIONS = ("RU-BEL", "RU-KRS", "RU-BRY")


@pytest.fixture(scope="module")
def data() -> ScenarioData:
    return generate(2024, as_of=AS_OF)


@pytest.fixture(scope="module")
def in_force(data: ScenarioData) -> BatchAuthority:
    members, tree = to_authority_facts(data)
    return evaluate_table(MemberTable.from_facts(members, tree), data.acts, AS_OF)


@pytest.fixture(scope="module")
def with_lsd(data: ScenarioData) -> BatchAuthority:
    members, tree = to_authority_facts(data)
    table = MemberTable.from_facts(members, tree)
    return evaluate_table(table, data.acts, AS_OF, with_proposed=["LSD-2023"])


def units_by_code(data: ScenarioData) -> dict[str, UnitSpec]:
    return {u.code: u for u in data.units}


def agency_kind(data: ScenarioData) -> dict[str, str]:
    return {a.code: a.kind for a in data.agencies}


def root_of(units: dict[str, UnitSpec], code: str) -> str:
    while (parent := units[code].parent_code) is not None:
        code = parent
    return code


def volunteer_units(data: ScenarioData, region: str, category: str) -> list[UnitSpec]:
    kinds = agency_kind(data)
    return [
        u
        for u in data.units
        if kinds[u.agency_code] == VOL and u.region == region and u.category == category
    ]


def members_in_region(data: ScenarioData, region: str, kind: str) -> int:
    units = units_by_code(data)
    kinds = agency_kind(data)
    return sum(
        1
        for m in data.members
        if units[m.unit_code].region == region and kinds[units[m.unit_code].agency_code] == kind
    )


def is_valid(issued: date, expires: date | None, day: date) -> bool:
    return issued <= day and (expires is None or day < expires)


# --------------------------------------------------------------------- determinism


def test_same_seed_gives_equal_data(data: ScenarioData) -> None:
    again = generate(2024, as_of=AS_OF)
    assert again == data
    assert again.members[:50] == data.members[:50]


def test_different_seed_gives_different_data(data: ScenarioData) -> None:
    other = generate(2025, as_of=AS_OF)
    assert other != data
    assert [m.family_name for m in other.members[:100]] != [
        m.family_name for m in data.members[:100]
    ]
    assert [(u.home_lon, u.home_lat) for u in other.units] != [
        (u.home_lon, u.home_lat) for u in data.units
    ]


def test_as_of_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        generate(2024, as_of=datetime(2026, 11, 26, 12, 0))  # noqa: DTZ001 - the point


def test_as_of_is_kept_in_utc(data: ScenarioData) -> None:
    assert data.as_of == AS_OF
    moscow = timezone(timedelta(hours=3))
    same = generate(2024, as_of=AS_OF.astimezone(moscow))
    assert same.as_of.tzinfo is UTC
    assert same == data


def test_generating_is_fast() -> None:
    geodata.border_settlements(40.0)  # the bundled geodata is read once per process
    start = time.perf_counter()
    generate(7, as_of=AS_OF)
    assert time.perf_counter() - start < 2.0


# --------------------------------------------------------------------- counts


@pytest.mark.parametrize("seed", [2024, 1, 99])
def test_belgorod_has_seven_battalions_of_almost_3000(seed: int) -> None:
    d = data_for(seed)
    battalions = volunteer_units(d, "RU-BEL", "battalion")
    assert len(battalions) == 7
    total = members_in_region(d, "RU-BEL", VOL)
    assert 2800 <= total < 3000
    units = units_by_code(d)
    per_battalion = Counter(
        root_of(units, m.unit_code)
        for m in d.members
        if units[m.unit_code].agency_code == "BEL-VSD"
    )
    assert set(per_battalion) == {b.code for b in battalions}
    assert sum(per_battalion.values()) == total
    assert all(200 <= n <= 700 for n in per_battalion.values())


_CACHE: dict[int, ScenarioData] = {}


def data_for(seed: int) -> ScenarioData:
    if seed not in _CACHE:
        _CACHE[seed] = generate(seed, as_of=AS_OF)
    return _CACHE[seed]


@pytest.mark.parametrize("seed", [2024, 1, 99])
def test_battalions_have_companies_of_platoons(seed: int) -> None:
    d = data_for(seed)
    children: dict[str, list[UnitSpec]] = {}
    for u in d.units:
        if u.parent_code is not None:
            children.setdefault(u.parent_code, []).append(u)
    for region in BORDER_REGIONS:
        for bn in volunteer_units(d, region, "battalion"):
            assert bn.parent_code is None
            companies = children[bn.code]
            assert {c.category for c in companies} == {"company"}
            low, high = (3, 4) if region == "RU-BEL" else (2, 3)
            assert low <= len(companies) <= high, bn.code
            for co in companies:
                platoons = children[co.code]
                assert {p.category for p in platoons} == {"platoon"}
                assert 2 <= len(platoons) <= 4, co.code
                assert all(p.code not in children for p in platoons)


@pytest.mark.parametrize("seed", [2024, 1, 99])
def test_kursk_and_bryansk_have_smaller_volunteer_forces(seed: int) -> None:
    d = data_for(seed)
    belgorod = members_in_region(d, "RU-BEL", VOL)
    for region in ("RU-KRS", "RU-BRY"):
        assert len(volunteer_units(d, region, "battalion")) == 2
        n = members_in_region(d, region, VOL)
        assert 200 <= n < 1000
        assert n < belgorod / 3


def test_every_region_has_every_agency_kind(data: ScenarioData) -> None:
    kinds_by_region = {
        region: Counter(a.kind for a in data.agencies if a.region == region)
        for region in BORDER_REGIONS
    }
    regional = [k for k in SCENARIO_AGENCY_KINDS if k != "army"]
    for region, kinds in kinds_by_region.items():
        assert kinds == Counter(regional), region
    armies = [a for a in data.agencies if a.kind == "army"]
    assert [(a.code, a.region) for a in armies] == [("ARMY", None)]
    assert {u.region for u in data.units if u.agency_code == "ARMY"} == set(BORDER_REGIONS)
    assert {a.name for a in data.agencies if a.kind == VOL} == {
        "Belgorod Region Self-Defence",
        "Kursk Region Self-Defence",
        "Bryansk Region Self-Defence",
    }
    units = data.units
    for region in BORDER_REGIONS:
        for kind in SCENARIO_AGENCY_KINDS:
            n = sum(
                1 for u in units if u.region == region and agency_kind(data)[u.agency_code] == kind
            )
            assert n >= 3, (region, kind)


def test_other_agencies_declare_strength(data: ScenarioData) -> None:
    kinds = agency_kind(data)
    registered = Counter(m.unit_code for m in data.members)
    children: dict[str, list[str]] = {}
    for u in data.units:
        if u.parent_code is not None:
            children.setdefault(u.parent_code, []).append(u.code)

    def roster(code: str) -> int:
        return registered[code] + sum(roster(c) for c in children.get(code, ()))

    for u in data.units:
        if kinds[u.agency_code] == VOL:
            assert u.declared_strength is None
            continue
        if u.declared_strength is None:  # strength is the registered roster
            assert roster(u.code) > 0, u.code
            continue
        assert u.declared_strength > 0
        below = sum(
            roster(c) if (s := units_by_code(data)[c].declared_strength) is None else s
            for c in children.get(u.code, ())
        )
        assert u.declared_strength > below, u.code
    # registered rosters outside the volunteers stay small: the demo loads quickly
    outside = sum(
        1 for m in data.members if kinds[units_by_code(data)[m.unit_code].agency_code] != VOL
    )
    assert 0 < outside < 500


# --------------------------------------------------------------------- geography


def test_every_home_and_position_is_inside_its_region(data: ScenarioData) -> None:
    outside = [
        u.code for u in data.units if geodata.region_code_at(u.home_lon, u.home_lat) != u.region
    ]
    assert outside == []
    away = [u for u in data.units if u.position is not None]
    assert away
    for u in away:
        assert u.position is not None
        assert geodata.region_code_at(*u.position) == u.region, u.code
        assert u.position != (u.home_lon, u.home_lat)
        assert u.status in {UnitStatus.EN_ROUTE, UnitStatus.ON_SCENE, UnitStatus.RETURNING}


def test_belgorod_volunteers_are_based_in_the_border_districts(data: ScenarioData) -> None:
    units = volunteer_units(data, "RU-BEL", "battalion")
    units += volunteer_units(data, "RU-BEL", "company")
    units += volunteer_units(data, "RU-BEL", "platoon")
    lines = geodata.state_border().lines()
    km = distance_to_lines_km([u.home_lon for u in units], [u.home_lat for u in units], lines)
    assert float(km.max()) <= 45.0  # settlements within 40 km, jittered a few km
    # spread along the border, not piled on one village
    assert len({(round(u.home_lon, 2), round(u.home_lat, 2)) for u in units}) > 50
    lons = [u.home_lon for u in units]
    assert max(lons) - min(lons) > 2.5  # from Krasnaya Yaruga to Roven'ki


def test_grayvoron_battalion_is_near_grayvoron(data: ScenarioData) -> None:
    grayvoron = next(
        s for s in geodata.settlements() if s.region == "RU-BEL" and s.name == "Grayvoron"
    )
    bn = units_by_code(data)[ACTIVATED_BATTALION]
    assert "Grayvoron" in bn.name
    assert abs(bn.home_lon - grayvoron.lon) < 0.05
    assert abs(bn.home_lat - grayvoron.lat) < 0.05


# --------------------------------------------------------------------- consistency


def test_codes_are_unique_and_the_tree_is_sound(data: ScenarioData) -> None:
    agency_codes = [a.code for a in data.agencies]
    unit_codes = [u.code for u in data.units]
    assert len(set(agency_codes)) == len(agency_codes)
    assert len(set(unit_codes)) == len(unit_codes)
    units = units_by_code(data)
    seen: set[str] = set()
    for u in data.units:
        assert u.agency_code in agency_codes
        assert u.category in UNIT_CATEGORIES
        assert set(u.capabilities) <= set(CAPABILITIES)
        assert u.capabilities
        assert list(u.capabilities) == sorted(u.capabilities)
        assert 1 <= u.readiness <= 4
        assert isinstance(u.status, UnitStatus)
        if u.parent_code is not None:
            parent = units[u.parent_code]
            assert parent.agency_code == u.agency_code, u.code
            assert parent.region == u.region, u.code
            assert u.parent_code in seen, f"{u.code} comes before its parent"
        seen.add(u.code)


def test_members_are_unique_and_well_formed(data: ScenarioData) -> None:
    units = units_by_code(data)
    for attr in ("external_id", "callsign", "phone"):
        values = [getattr(m, attr) for m in data.members]
        assert len(set(values)) == len(values), attr
    phone = re.compile(r"^\+7 9\d\d \d\d\d-\d\d-\d\d$")
    today = AS_OF.date()
    for m in data.members:
        assert m.unit_code in units
        assert phone.match(m.phone), m.phone
        assert m.given_name
        assert m.family_name
        assert m.given_name.isascii()
        age = (today - m.date_of_birth).days / 365.25
        assert 18 <= age <= 64, m.external_id
        of_age = m.date_of_birth + timedelta(days=round(18 * 365.25))
        for q in m.qualifications:
            assert of_age <= q.issued_on <= today, (m.external_id, q)
            assert q.expires_on is None or q.expires_on > q.issued_on
        for t in m.trainings:
            assert t.completed_on < today
            assert t.hours > 0
        for f in m.fitness:
            assert f.examined_on < today
            assert f.valid_until is None or f.valid_until > f.examined_on


def test_volunteer_records_vary_as_the_scenario_says(data: ScenarioData) -> None:
    units = units_by_code(data)
    kinds = agency_kind(data)
    volunteers = [m for m in data.members if kinds[units[m.unit_code].agency_code] == VOL]
    today = AS_OF.date()
    n = len(volunteers)

    def share(pred: Callable[[MemberSpec], bool]) -> float:
        return sum(1 for m in volunteers if pred(m)) / n

    def trained(programme: str) -> Callable[[MemberSpec], bool]:
        return lambda m: any(t.programme == programme for t in m.trainings)

    def holds(kind: str, valid: bool) -> Callable[[MemberSpec], bool]:
        return lambda m: any(
            q.kind == kind and is_valid(q.issued_on, q.expires_on, today) == valid
            for q in m.qualifications
        )

    assert share(trained("basic")) > 0.75  # most
    assert 0.25 < share(trained("self_defence_programme")) < 0.6  # a good part
    for kind in ("firearms", "first_aid", "driver", "medic", "drone_operator"):
        assert 0.0 < share(holds(kind, True)) < 0.5, kind  # a minority
    assert share(holds("firearms", False)) > 0.01  # some expired
    assert share(holds("first_aid", False)) > 0.01
    expired_fitness = sum(
        1
        for m in volunteers
        if m.fitness and all(not is_valid(f.examined_on, f.valid_until, today) for f in m.fitness)
    )
    assert expired_fitness > 0.05 * n
    assert any(not f.fit for m in volunteers for f in m.fitness)
    # training since the previous November
    start = date(2025, 11, 1)
    for m in volunteers:
        for t in m.trainings:
            if t.programme in {"basic", "self_defence_programme"}:
                assert start <= t.completed_on < today
        done = {t.programme: t.completed_on for t in m.trainings}
        if "self_defence_programme" in done:
            assert done["basic"] <= done["self_defence_programme"]


def test_training_follows_as_of() -> None:
    as_of = datetime(2025, 6, 10, 9, 0, tzinfo=UTC)
    d = generate(3, as_of=as_of)
    basics = [t.completed_on for m in d.members for t in m.trainings if t.programme == "basic"]
    assert basics
    assert min(basics) >= date(2024, 11, 1)
    assert max(basics) < as_of.date()
    assert d.activation_orders[0].valid_from == utc_day(date(2025, 6, 4))


def test_most_units_are_available_some_committed(data: ScenarioData) -> None:
    statuses = Counter(u.status.availability for u in data.units)
    assert statuses[Availability.AVAILABLE] > 0.7 * len(data.units)
    assert statuses[Availability.COMMITTED] > 0
    assert statuses[Availability.UNAVAILABLE] > 0
    assert any(u.status is UnitStatus.OUT_OF_SERVICE for u in data.units)
    at_base_committed = [
        u for u in data.units if u.status is UnitStatus.ASSIGNED and u.position is None
    ]
    assert at_base_committed


def test_users_name_existing_agencies_and_units(data: ScenarioData) -> None:
    by_name = {u.username: u for u in data.users}
    assert {"liaison-bel-bs", "cmdr-bel-2bn", "personnel-bel"} <= set(by_name)
    agencies = {a.code for a in data.agencies}
    units = units_by_code(data)
    for user in data.users:
        if user.scope_kind is ScopeKind.AGENCY:
            assert user.scope_code in agencies
        elif user.scope_kind is ScopeKind.UNIT:
            assert user.scope_code in units
    assert by_name["liaison-bel-bs"].scope_code == "BEL-BS"
    assert by_name["cmdr-bel-2bn"].scope_kind is ScopeKind.UNIT
    assert by_name["cmdr-bel-2bn"].scope_code == ACTIVATED_BATTALION
    assert by_name["personnel-bel"].scope_code == "BEL-VSD"


def test_acts_are_the_demo_law(data: ScenarioData) -> None:
    assert data.acts == demo_law()


# --------------------------------------------------------------------- activation and law


def test_second_battalion_is_activated_at_as_of(data: ScenarioData) -> None:
    members, tree = to_authority_facts(data)
    active = tree.activated_mask(AS_OF)
    activated = {tree.at_index(k).unit_id for k, on in enumerate(active.tolist()) if on}
    units = units_by_code(data)
    assert activated == {u for u in units if root_of(units, u) == ACTIVATED_BATTALION}
    assert summarize(data).activated_units == (ACTIVATED_BATTALION,)
    order = tree.activation_at(ACTIVATED_BATTALION, AS_OF)
    assert order is not None
    assert order.order.valid_from == utc_day(date(2026, 11, 20))
    assert tree.activation_at(ACTIVATED_BATTALION, utc_day(date(2026, 11, 19))) is None
    assert members


def test_under_the_law_in_force_no_volunteer_is_armed(
    data: ScenarioData, in_force: BatchAuthority
) -> None:
    table = in_force.table
    vol = in_force.table.agency_kinds.index(VOL)
    is_volunteer = table.agency_code == vol
    assert int(is_volunteer.sum()) > 3000
    for power in ("carry_weapons", "armed_response"):
        assert not (in_force.member_held[power] & is_volunteer).any()
        kinds = agency_kind(data)
        units = units_by_code(data)
        assert all(kinds[units[u].agency_code] != VOL for u in in_force.units_holding(power))
    # yet they hold the unarmed powers
    assert in_force.count_members("patrol_unarmed") > 2500
    assert ACTIVATED_BATTALION in in_force.units_holding("checkpoint")
    refusal = in_force.unit_authority(ACTIVATED_BATTALION).reasons("armed_response")
    assert any("not granted to volunteer_self_defence" in r for r in refusal)


def test_with_lsd_2023_some_volunteers_and_belgorod_units_gain_armed_response(
    data: ScenarioData, in_force: BatchAuthority, with_lsd: BatchAuthority
) -> None:
    units = units_by_code(data)
    kinds = agency_kind(data)
    table = with_lsd.table
    vol = table.agency_kinds.index(VOL)
    gained = with_lsd.member_held["carry_weapons"] & (table.agency_code == vol)
    gainers = [table.member_id(k) for k in gained.nonzero()[0].tolist()]
    assert len(gainers) >= 8
    members = {m.external_id: m for m in data.members}
    for member_id in gainers:
        # only members of the activated battalion, each with every condition met
        m = members[member_id]
        assert root_of(units, m.unit_code) == ACTIVATED_BATTALION
        assert any(t.programme == "self_defence_programme" for t in m.trainings)
        assert any(
            q.kind == "firearms" and is_valid(q.issued_on, q.expires_on, AS_OF.date())
            for q in m.qualifications
        )
    armed_units = [
        u for u in with_lsd.units_holding("armed_response") if kinds[units[u].agency_code] == VOL
    ]
    assert ACTIVATED_BATTALION in armed_units
    assert all(units[u].region == "RU-BEL" for u in armed_units)
    counts = with_lsd.unit_authority(ACTIVATED_BATTALION).counts("armed_response")
    assert any(c.act == "LSD-2023" and c.required == 8 and c.members_holding >= 8 for c in counts)
    # the law in force is unchanged for everyone else
    assert set(in_force.units_holding("armed_response")) <= set(
        with_lsd.units_holding("armed_response")
    )


def test_a_trained_volunteer_outside_the_activated_battalion_is_refused_for_activation(
    data: ScenarioData,
) -> None:
    members, tree = to_authority_facts(data)
    units = units_by_code(data)
    today = AS_OF.date()
    candidates = [
        f
        for f, m in zip(members, data.members, strict=True)
        if units[m.unit_code].agency_code == "BEL-VSD"
        and root_of(units, m.unit_code) != ACTIVATED_BATTALION
        and any(t.programme == "self_defence_programme" for t in m.trainings)
        and any(
            q.kind == "firearms" and is_valid(q.issued_on, q.expires_on, today)
            for q in m.qualifications
        )
        and any(f.fit and is_valid(f.examined_on, f.valid_until, today) for f in m.fitness)
    ]
    assert candidates
    answer = evaluate_member(candidates[0], tree, data.acts, AS_OF, with_proposed=["LSD-2023"])
    assert not answer.holds("carry_weapons")
    assert any("unit not activated" in r for r in answer.reasons("carry_weapons"))


def test_declared_strength_can_stand_in_for_a_roster(data: ScenarioData) -> None:
    plain, _ = to_authority_facts(data)
    members, tree = to_authority_facts(data, declared_as_members=True)
    assert members[: len(plain)] == plain
    garrison = next(u for u in data.units if u.code == "ARMY-BEL-GAR")
    inside = set(tree.subtree("ARMY-BEL-GAR"))
    assert sum(1 for m in members if m.unit_id in inside) == garrison.declared_strength
    detachment = units_by_code(data)["BEL-BS-DET"]
    inside = set(tree.subtree("BEL-BS-DET"))
    assert sum(1 for m in members if m.unit_id in inside) == detachment.declared_strength
    # army units hold armed response only once their declared strength counts
    before = evaluate_unit("ARMY-BEL-1MRB", plain, tree, data.acts, AS_OF)
    after = evaluate_unit("ARMY-BEL-1MRB", members, tree, data.acts, AS_OF)
    assert not before.holds("armed_response")
    assert after.holds("armed_response")


# --------------------------------------------------------------------- summary


def test_summary_counts_add_up(data: ScenarioData) -> None:
    s = summarize(data)
    assert s.members == len(data.members)
    assert s.units == len(data.units)
    assert s.agencies == len(data.agencies)
    for counts in (s.members_by_region, s.members_by_agency):
        assert sum(n for _, n in counts) == s.members
    for counts in (s.units_by_category, s.units_by_agency, s.units_by_status):
        assert sum(n for _, n in counts) == s.units
    assert dict(s.volunteer_battalions_by_region) == {"RU-BEL": 7, "RU-KRS": 2, "RU-BRY": 2}
    assert dict(s.members_by_agency)["BEL-VSD"] == members_in_region(data, "RU-BEL", VOL)
    text = "\n".join(s.lines())
    assert "RU-BEL" in text
    assert f"{s.members:,}" in text
