"""Report-to-incident correlation, duplicate flagging, and the incident taxonomy."""

from __future__ import annotations

import itertools
import math
from datetime import UTC, datetime, timedelta

import pytest

from marchwarden.core.geo.distance import haversine_km
from marchwarden.core.incidents.correlation import (
    COMPATIBLE_TYPE_SCORE,
    SPATIAL_WEIGHT,
    TEMPORAL_WEIGHT,
    TYPE_WEIGHT,
    CorrelationSettings,
    IncidentSummary,
    ReportSummary,
    correlate,
    find_duplicates,
    format_duration,
    match_incidents,
    text_similarity,
)
from marchwarden.core.incidents.errors import (
    InvalidCorrelationSettings,
    InvalidPosition,
    InvalidReportingPeriod,
    UnknownIncidentType,
)
from marchwarden.core.incidents.model import IncidentState
from marchwarden.core.incidents.taxonomy import (
    ACLED_SUB_EVENT_TYPES,
    INCIDENT_TYPES,
    AcledEventType,
    AcledPair,
    AcledSubEventType,
    IncidentType,
    are_compatible,
    incident_types_for_acled,
    parse_incident_type,
)

T = IncidentType
T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
GRAYVORON = (35.676, 50.478)
KOZINKA = (35.545, 50.493)


def incident(
    incident_id: int = 1,
    *,
    name: str = "Grayvoron raid",
    kind: IncidentType = T.CROSS_BORDER_INCURSION,
    state: IncidentState = IncidentState.ACTIVE,
    position: tuple[float, float] = GRAYVORON,
    first: datetime = T0,
    last: datetime = T0 + timedelta(hours=1),
    report_positions: tuple[tuple[float, float], ...] = (),
) -> IncidentSummary:
    return IncidentSummary(incident_id, name, kind, state, position, first, last, report_positions)


def report(
    report_id: int = 100,
    *,
    kind: IncidentType = T.GUNFIRE,
    position: tuple[float, float] = GRAYVORON,
    at: datetime = T0 + timedelta(hours=1, minutes=40),
    text: str = "",
    incident_id: int | None = None,
) -> ReportSummary:
    return ReportSummary(report_id, kind, position, at, text, incident_id)


def north_of(point: tuple[float, float], km: float) -> tuple[float, float]:
    """A point ``km`` due north (along the meridian) of ``point``."""
    return (point[0], point[1] + math.degrees(km / 6371.0088))


# --------------------------------------------------------------------------- taxonomy


def test_acled_has_6_event_types_and_25_sub_event_types() -> None:
    assert len(AcledEventType) == 6
    assert len(AcledSubEventType) == 25
    listed = [s for subs in ACLED_SUB_EVENT_TYPES.values() for s in subs]
    assert sorted(listed) == sorted(AcledSubEventType)


def test_every_acled_sub_event_has_exactly_one_own_incident_type() -> None:
    own = [info for info in INCIDENT_TYPES.values() if not info.border_specific]
    assert len(own) == 25
    assert {info.acled.sub_event_type for info in own} == set(AcledSubEventType)
    for info in own:
        assert info.acled.sub_event_type in ACLED_SUB_EVENT_TYPES[info.acled.event_type]


@pytest.mark.parametrize(
    ("kind", "event", "sub"),
    [
        (T.CROSS_BORDER_INCURSION, "Battles", "Armed clash"),
        (T.GUNFIRE, "Battles", "Armed clash"),
        (T.SHELLING, "Explosions/Remote violence", "Shelling/artillery/missile attack"),
        (T.DRONE_ATTACK, "Explosions/Remote violence", "Air/drone strike"),
        (T.EXPLOSION, "Explosions/Remote violence", "Shelling/artillery/missile attack"),
        (T.UNEXPLODED_ORDNANCE, "Strategic developments", "Disrupted weapons use"),
        (T.SABOTAGE_OF_INFRASTRUCTURE, "Strategic developments", "Looting/property destruction"),
        (T.AIRSPACE_VIOLATION, "Strategic developments", "Other"),
        (T.ATTACK_ON_CIVILIANS, "Violence against civilians", "Attack"),
    ],
)
def test_acled_export_pairs(kind: IncidentType, event: str, sub: str) -> None:
    assert kind.acled.event_type.value == event
    assert kind.acled.sub_event_type.value == sub
    assert kind.acled.describe() == f"{event} / {sub}"


def test_border_specific_types() -> None:
    border = {t.code for t in IncidentType if t.border_specific}
    assert {
        "cross_border_incursion",
        "sabotage_of_infrastructure",
        "airspace_violation",
        "unexploded_ordnance",
        "drone_attack",
        "shelling",
    } <= border


def test_every_type_has_label_and_unique_stable_code() -> None:
    assert set(INCIDENT_TYPES) == set(IncidentType)
    codes = [t.code for t in IncidentType]
    assert len(codes) == len(set(codes))
    for t in IncidentType:
        assert t.label
        assert t.info.code == t.code
        assert parse_incident_type(t.code) is t


def test_acled_pair_must_be_consistent() -> None:
    with pytest.raises(ValueError, match="does not belong"):
        AcledPair(AcledEventType.RIOTS, AcledSubEventType.ARMED_CLASH)


def test_incident_types_for_acled_lists_own_type_first() -> None:
    pair = AcledPair(AcledEventType.BATTLES, AcledSubEventType.ARMED_CLASH)
    found = incident_types_for_acled(pair)
    assert found[0] is T.ARMED_CLASH
    assert set(found) == {T.ARMED_CLASH, T.CROSS_BORDER_INCURSION, T.GUNFIRE}


def test_unknown_type_names_known_codes() -> None:
    with pytest.raises(UnknownIncidentType, match="unknown incident type 'alien_landing'") as e:
        parse_incident_type("alien_landing")
    assert "cross_border_incursion" in e.value.message


def test_compatibility_is_reflexive_and_symmetric() -> None:
    for a, b in itertools.product(IncidentType, IncidentType):
        assert are_compatible(a, b) == are_compatible(b, a)
        assert a.is_compatible_with(b) == are_compatible(a, b)
    for a in IncidentType:
        assert are_compatible(a, a)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (T.GUNFIRE, T.CROSS_BORDER_INCURSION, True),
        (T.ARMED_CLASH, T.CROSS_BORDER_INCURSION, True),
        (T.EXPLOSION, T.CROSS_BORDER_INCURSION, True),
        (T.DRONE_ATTACK, T.AIR_DRONE_STRIKE, True),
        (T.AIRSPACE_VIOLATION, T.DRONE_ATTACK, True),
        (T.SABOTAGE_OF_INFRASTRUCTURE, T.REMOTE_EXPLOSIVE_LANDMINE_IED, True),
        (T.DRONE_ATTACK, T.CROSS_BORDER_INCURSION, False),
        (T.PEACEFUL_PROTEST, T.CROSS_BORDER_INCURSION, False),
        (T.AGREEMENT, T.ARRESTS, False),
    ],
)
def test_compatibility_examples(a: IncidentType, b: IncidentType, expected: bool) -> None:
    assert are_compatible(a, b) is expected


# --------------------------------------------------------------------------- wording


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=45), "45 s"),
        (timedelta(minutes=40), "40 min"),
        (timedelta(hours=2, minutes=5), "2 h 5 min"),
        (timedelta(hours=6), "6 h"),
        (timedelta(days=1, hours=3), "1 d 3 h"),
        (timedelta(minutes=-40), "40 min"),
    ],
)
def test_format_duration(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


# --------------------------------------------------------------------------- matching


def test_match_with_human_readable_reasons() -> None:
    where = north_of(GRAYVORON, 3.2)
    matches, misses = match_incidents(report(position=where), [incident()])
    assert misses == ()
    [match] = matches
    assert match.incident_id == 1
    assert match.reasons == (
        "3.2 km from incident 'Grayvoron raid'",
        "40 min after its last report",
        "compatible type: gunfire ~ cross-border incursion",
    )
    assert match.describe() == (
        "3.2 km from incident 'Grayvoron raid', 40 min after its last report, "
        "compatible type: gunfire ~ cross-border incursion"
    )
    assert match.distance_km == pytest.approx(3.2, abs=1e-9)
    assert match.time_gap == timedelta(minutes=40)
    assert not match.same_type
    settings = CorrelationSettings()
    expected = (
        SPATIAL_WEIGHT * (1 - match.distance_km / settings.max_distance_km)
        + TEMPORAL_WEIGHT * (1 - 40 / settings.time_window.total_seconds() * 60)
        + TYPE_WEIGHT * COMPATIBLE_TYPE_SCORE
    )
    assert match.score == pytest.approx(expected, abs=1e-4)


def test_distance_boundary_is_inclusive() -> None:
    where = north_of(GRAYVORON, 7.5)
    exact = haversine_km(*where, *GRAYVORON)
    on_limit = CorrelationSettings(max_distance_km=exact)
    matches, _ = match_incidents(report(position=where), [incident()], on_limit)
    assert [m.incident_id for m in matches] == [1]

    just_inside = CorrelationSettings(max_distance_km=math.nextafter(exact, 0.0))
    matches, misses = match_incidents(report(position=where), [incident()], just_inside)
    assert matches == ()
    [miss] = misses
    assert miss.reasons == ("7.50 km from incident 'Grayvoron raid', beyond the 7.5 km limit",)


def test_distance_beyond_default_limit() -> None:
    near = north_of(GRAYVORON, 9.9)
    far = north_of(GRAYVORON, 10.1)
    assert match_incidents(report(position=near), [incident()])[0]
    assert not match_incidents(report(position=far), [incident()])[0]


def test_time_window_boundary_after_last_report_is_inclusive() -> None:
    settings = CorrelationSettings(time_window=timedelta(hours=2))
    last = T0 + timedelta(hours=1)
    on_edge = report(at=last + timedelta(hours=2))
    past_edge = report(at=last + timedelta(hours=2, seconds=1))
    assert match_incidents(on_edge, [incident()], settings)[0][0].time_gap == timedelta(hours=2)
    matches, misses = match_incidents(past_edge, [incident()], settings)
    assert matches == ()
    assert misses[0].reasons == ("2 h after its last report, beyond the 2 h window",)


def test_time_window_boundary_before_first_report() -> None:
    settings = CorrelationSettings(time_window=timedelta(minutes=30))
    on_edge = report(at=T0 - timedelta(minutes=30))
    past_edge = report(at=T0 - timedelta(minutes=30, seconds=1))
    [match] = match_incidents(on_edge, [incident()], settings)[0]
    assert match.reasons[1] == "30 min before its first report"
    assert match_incidents(past_edge, [incident()], settings)[0] == ()


def test_report_during_reporting_period_has_no_gap() -> None:
    [match] = match_incidents(report(at=T0 + timedelta(minutes=20)), [incident()])[0]
    assert match.time_gap == timedelta(0)
    assert match.reasons[1] == "during its reporting period"


def test_distance_counts_from_nearest_report_of_the_incident() -> None:
    moved_to = north_of(GRAYVORON, 12.0)  # the raid moved north
    far_from_centre = north_of(moved_to, 2.0)
    assert haversine_km(*far_from_centre, *GRAYVORON) > 10.0
    without = incident()
    with_reports = incident(report_positions=(KOZINKA, moved_to))
    assert match_incidents(report(position=far_from_centre), [without])[0] == ()
    [match] = match_incidents(report(position=far_from_centre), [with_reports])[0]
    assert match.distance_km == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("state", [IncidentState.CLOSED, IncidentState.REJECTED])
def test_closed_or_rejected_incidents_never_match(state: IncidentState) -> None:
    matches, misses = match_incidents(report(), [incident(state=state)])
    assert matches == ()
    assert misses[0].reasons == (f"incident 'Grayvoron raid' is {state.value}",)


@pytest.mark.parametrize(
    "state",
    [IncidentState.REPORTED, IncidentState.VERIFIED, IncidentState.ACTIVE, IncidentState.CONTAINED],
)
def test_open_incidents_match(state: IncidentState) -> None:
    assert match_incidents(report(), [incident(state=state)])[0]


def test_incompatible_type_is_a_miss() -> None:
    matches, misses = match_incidents(report(kind=T.DRONE_ATTACK), [incident()])
    assert matches == ()
    assert misses[0].reasons == ("type drone attack is not compatible with cross-border incursion",)


def test_a_miss_lists_every_reason() -> None:
    late_far_wrong = report(
        kind=T.PEACEFUL_PROTEST, position=north_of(GRAYVORON, 30.0), at=T0 + timedelta(days=2)
    )
    [miss] = match_incidents(late_far_wrong, [incident(state=IncidentState.CLOSED)])[1]
    assert len(miss.reasons) == 4
    assert miss.reasons[0] == "incident 'Grayvoron raid' is closed"
    assert miss.reasons[1].startswith("type peaceful protest is not compatible")
    assert miss.reasons[2].startswith("30.00 km from incident")
    assert miss.reasons[3] == "1 d 23 h after its last report, beyond the 6 h window"


def test_candidates_ranked_by_score_with_reasons() -> None:
    same_type_near = incident(1, name="A", kind=T.GUNFIRE)
    compatible_near = incident(2, name="B")
    compatible_far = incident(3, name="C", position=north_of(GRAYVORON, 6.0))
    drone = incident(4, name="D", kind=T.DRONE_ATTACK)
    matches, misses = match_incidents(
        report(), [drone, compatible_far, compatible_near, same_type_near]
    )
    assert [m.incident_id for m in matches] == [1, 2, 3]
    assert matches[0].same_type
    assert matches[0].reasons[2] == "same type: gunfire"
    assert matches[0].score > matches[1].score > matches[2].score
    assert [m.incident_id for m in misses] == [4]


def test_equal_scores_tie_break_on_incident_id() -> None:
    twins = [incident(7, name="X"), incident(3, name="Y"), incident(5, name="Z")]
    matches, _ = match_incidents(report(), twins)
    assert [m.incident_id for m in matches] == [3, 5, 7]


def test_report_position_is_validated() -> None:
    with pytest.raises(InvalidPosition, match=r"latitude 95\.0"):
        report(position=(35.0, 95.0))
    with pytest.raises(InvalidPosition, match="finite"):
        report(position=(math.nan, 50.0))


def test_incident_reporting_period_is_validated() -> None:
    with pytest.raises(InvalidReportingPeriod, match="before first_report_at"):
        incident(first=T0, last=T0 - timedelta(seconds=1))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_distance_km": 0.0},
        {"max_distance_km": math.inf},
        {"time_window": timedelta(0)},
        {"duplicate_distance_km": -1.0},
        {"duplicate_window": timedelta(minutes=-1)},
        {"duplicate_text_similarity": 0.0},
        {"duplicate_text_similarity": 1.5},
    ],
)
def test_invalid_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidCorrelationSettings, match="correlation settings"):
        CorrelationSettings(**kwargs)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- duplicates


def test_text_similarity_is_token_jaccard() -> None:
    assert text_similarity("Gunfire near the school", "gunfire, near school!") == 3 / 4
    assert text_similarity("", "") == 0.0
    assert text_similarity("tanks", "") == 0.0
    assert text_similarity("Танки у школы", "танки у школы") == 1.0


FIRST = "Heavy gunfire near the school in Grayvoron, armoured vehicles on the road"
SECOND = "heavy gunfire near the school, armoured vehicles on the road to Grayvoron"


def test_duplicate_flagged_with_reasons() -> None:
    earlier = report(1, text=FIRST, at=T0, incident_id=9)
    new = report(2, text=SECOND, at=T0 + timedelta(minutes=6), position=north_of(GRAYVORON, 0.4))
    [flag] = find_duplicates(new, [earlier])
    assert flag.report_id == 1
    assert flag.incident_id == 9
    assert flag.similarity == pytest.approx(text_similarity(FIRST, SECOND), abs=1e-4)
    assert flag.reasons == (
        "same type: gunfire",
        "0.40 km from report 1",
        "6 min after report 1",
        f"text {text_similarity(FIRST, SECOND):.0%} similar",
    )


def test_duplicate_needs_same_type() -> None:
    earlier = report(1, kind=T.CROSS_BORDER_INCURSION, text=FIRST, at=T0)
    assert find_duplicates(report(2, text=FIRST, at=T0), [earlier]) == ()


def test_duplicate_distance_boundary() -> None:
    where = north_of(GRAYVORON, 0.8)
    exact = haversine_km(*where, *GRAYVORON)
    earlier = report(1, text=FIRST, at=T0)
    new = report(2, text=FIRST, at=T0, position=where)
    assert find_duplicates(new, [earlier], CorrelationSettings(duplicate_distance_km=exact))
    below = CorrelationSettings(duplicate_distance_km=math.nextafter(exact, 0.0))
    assert find_duplicates(new, [earlier], below) == ()


def test_duplicate_window_boundary_either_way() -> None:
    settings = CorrelationSettings(duplicate_window=timedelta(minutes=30))
    earlier = report(1, text=FIRST, at=T0)
    for sign in (1, -1):
        on_edge = report(2, text=FIRST, at=T0 + sign * timedelta(minutes=30))
        past = report(2, text=FIRST, at=T0 + sign * timedelta(minutes=30, seconds=1))
        assert find_duplicates(on_edge, [earlier], settings)
        assert find_duplicates(past, [earlier], settings) == ()
    [flag] = find_duplicates(report(2, text=FIRST, at=T0 - timedelta(minutes=3)), [earlier])
    assert flag.reasons[2] == "3 min before report 1"
    [flag] = find_duplicates(report(2, text=FIRST, at=T0), [earlier])
    assert flag.reasons[2] == "at the same time as report 1"


def test_duplicate_text_threshold_is_inclusive() -> None:
    earlier = report(1, text="tanks crossing border", at=T0)
    half = report(2, text="tanks crossing river", at=T0)  # 2 shared of 4 tokens
    assert text_similarity(earlier.text, half.text) == 0.5
    assert find_duplicates(half, [earlier], CorrelationSettings(duplicate_text_similarity=0.5))
    assert (
        find_duplicates(half, [earlier], CorrelationSettings(duplicate_text_similarity=0.51)) == ()
    )


def test_reports_without_text_are_not_flagged_on_text() -> None:
    assert find_duplicates(report(2, at=T0), [report(1, at=T0)]) == ()


def test_a_report_is_not_its_own_duplicate() -> None:
    same = report(1, text=FIRST, at=T0)
    assert find_duplicates(same, [same]) == ()


def test_duplicates_most_similar_first() -> None:
    exact = report(1, text=SECOND, at=T0)
    close = report(2, text=FIRST, at=T0)
    new = report(3, text=SECOND, at=T0 + timedelta(minutes=1))
    assert [f.report_id for f in find_duplicates(new, [close, exact])] == [1, 2]


def test_correlate_scenario_reports() -> None:
    """Day 1: gunfire reports near Grayvoron join the incursion; a drone attack elsewhere."""
    raid = incident(1, name="Grayvoron raid", last=T0 + timedelta(minutes=30))
    drone_strike = incident(
        2, name="Drone strike, Belgorod", kind=T.DRONE_ATTACK, position=(36.587, 50.595)
    )
    earlier = report(10, text=FIRST, at=T0 + timedelta(minutes=20), incident_id=1)
    new = report(11, text=SECOND, at=T0 + timedelta(minutes=35), position=north_of(GRAYVORON, 0.3))
    result = correlate(new, [drone_strike, raid], [earlier])
    assert result.best is not None
    assert result.best.incident_id == 1
    assert [m.incident_id for m in result.misses] == [2]
    assert result.is_likely_duplicate
    assert result.duplicates[0].incident_id == 1
