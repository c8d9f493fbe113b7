"""The border raid's replay script (``scenario/replay.py``) as data: pure checks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations, pairwise
from typing import cast
from zoneinfo import ZoneInfo

import pytest

from marchwarden import geodata
from marchwarden.core.geo.distance import haversine_km
from marchwarden.core.incidents.correlation import CorrelationSettings, text_similarity
from marchwarden.core.incidents.model import ReportSourceKind, Severity
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.scenario import loader
from marchwarden.scenario.generate import DEMO_USERS
from marchwarden.scenario.replay import (
    DAY1_START,
    DEMO_PASSWORD,
    DRONE_INCIDENT,
    RAID,
    RAID_INCIDENT,
    RESPONDER,
    Assign,
    CancelAlert,
    CancelTask,
    Casualties,
    Correlate,
    CreateTask,
    IssueAlert,
    LogEntry,
    Near,
    OpenIncident,
    OrderEvacuation,
    RefusedAssign,
    RejectReport,
    Respond,
    SetCommand,
    ShelterEvacuees,
    Sitreps,
    Step,
    SubmitReport,
    Transition,
    UpdateAlert,
    parse_speed,
    scenario_start,
)

DEMO_USERNAMES = {a[0] for a in loader.DEMO_ACCOUNTS} | {u.username for u in DEMO_USERS}
MOSCOW = ZoneInfo("Europe/Moscow")


def _reports() -> list[tuple[Step, SubmitReport]]:
    return [(s, s.action) for s in RAID if isinstance(s.action, SubmitReport)]


def test_steps_are_in_time_order_within_two_days() -> None:
    offsets = [s.at for s in RAID]
    assert offsets == sorted(offsets)
    assert offsets[0] == timedelta(0)
    start = timedelta(hours=DAY1_START.hour, minutes=DAY1_START.minute)
    # everything happens on day 1 or day 2 (local), so it lies before "today"
    assert start + offsets[-1] < timedelta(days=2)
    assert start + offsets[-1] >= timedelta(days=1)  # there is a day 2


@pytest.mark.parametrize(
    "now",
    [
        datetime(2026, 3, 1, 0, 0, 1, tzinfo=MOSCOW),
        datetime(2026, 11, 26, 23, 5, tzinfo=UTC),
        datetime(2026, 6, 30, 5, 39, tzinfo=MOSCOW),
    ],
)
def test_scenario_times_are_never_in_the_future(now: datetime) -> None:
    start = scenario_start(now, MOSCOW)
    local = start.astimezone(MOSCOW)
    assert (local.hour, local.minute) == (DAY1_START.hour, DAY1_START.minute)
    assert (now.astimezone(MOSCOW).date() - local.date()).days == 2
    assert start + RAID[-1].at < now


def test_every_actor_is_a_demo_account() -> None:
    for step in RAID:
        if step.actor == RESPONDER:
            assert isinstance(step.action, Respond), step
        else:
            assert step.actor in DEMO_USERNAMES, step
    picks = [p for s in RAID if isinstance(s.action, Assign) for p in s.action.prefer]
    assert picks
    for pick in picks:
        assert pick.responder in DEMO_USERNAMES, pick
    assert DEMO_PASSWORD == loader.DEMO_PASSWORD


def test_every_key_is_defined_before_it_is_used() -> None:
    reports: set[str] = set()
    incidents: set[str] = set()
    tasks: set[str] = set()
    assigned: set[str] = set()
    for step in RAID:
        a = step.action
        if isinstance(a, SubmitReport):
            assert a.key not in reports
            reports.add(a.key)
        elif isinstance(a, OpenIncident):
            assert a.report in reports and a.key not in incidents
            incidents.add(a.key)
        elif isinstance(a, RejectReport):
            assert a.report in reports
        elif isinstance(a, Correlate | Transition | SetCommand | Casualties):
            assert a.incident in incidents
        elif isinstance(a, LogEntry):
            assert a.incident in incidents
            assert a.task is None or a.task in assigned
        elif isinstance(a, CreateTask):
            assert a.incident in incidents and a.key not in tasks
            tasks.add(a.key)
        elif isinstance(a, Assign):
            assert a.task in tasks and a.task not in assigned
            assigned.add(a.task)
        elif isinstance(a, RefusedAssign):
            assert a.task in tasks and a.task not in assigned
        elif isinstance(a, Respond | CancelTask):
            assert a.task in assigned
        elif isinstance(a, Sitreps):
            assert set(a.incidents) <= incidents
    assert incidents == {RAID_INCIDENT, DRONE_INCIDENT}


def test_values_are_ones_the_api_accepts() -> None:
    for _, r in _reports():
        IncidentType(r.incident_type)
        ReportSourceKind(r.source_kind)
        assert r.rating[0] in "ABCDEF" and r.rating[1:] in {"1", "2", "3", "4", "5", "6"}
    for step in RAID:
        if isinstance(step.action, OpenIncident):
            IncidentType(step.action.incident_type)
            Severity(step.action.severity)


def test_reports_come_from_the_border_villages_with_differing_reliability() -> None:
    reports = _reports()
    for _, r in reports:
        lon, lat = r.place.lonlat()
        assert geodata.region_code_at(lon, lat) == "RU-BEL", r
    raid_area = [r for _, r in reports if r.place.settlement in {"Grayvoron", "Kozinka"}]
    assert {r.place.settlement for r in raid_area} == {"Grayvoron", "Kozinka"}
    ratings = {r.rating for _, r in reports}
    assert len(ratings) >= 5 and "A2" in ratings and "C3" in ratings
    assert any(r.startswith("F") for r in ratings)  # an unreliable one, rejected
    rejected = {s.action.report for s in RAID if isinstance(s.action, RejectReport)}
    assert {r.key for _, r in reports if r.rating.startswith("F")} == rejected


def test_some_reports_are_duplicates_by_the_servers_rule() -> None:
    rule = CorrelationSettings()
    pairs = []
    for (s1, r1), (s2, r2) in combinations(_reports(), 2):
        (lon1, lat1), (lon2, lat2) = r1.place.lonlat(), r2.place.lonlat()
        if (
            r1.incident_type == r2.incident_type
            and haversine_km(lon1, lat1, lon2, lat2) <= rule.duplicate_distance_km
            and abs(s2.at - s1.at) <= rule.duplicate_window
            and text_similarity(r1.text, r2.text) >= rule.duplicate_text_similarity
        ):
            pairs.append((r1.key, r2.key))
    assert ("kozinka-gunfire", "kozinka-gunfire-again") in pairs


def test_each_incidents_reports_stay_within_the_correlation_window() -> None:
    """A report matches an incident only within 6 h of its reporting period."""
    window = CorrelationSettings().time_window
    for area in ({"Grayvoron", "Kozinka"}, {"Shebekino"}):
        times = [s.at for s, r in _reports() if r.place.settlement in area and r.rating[0] != "F"]
        assert len(times) >= 2
        assert all(b - a < window for a, b in pairwise(times))


def test_the_raid_runs_its_whole_lifecycle() -> None:
    raid_states = [
        s.action.to
        for s in RAID
        if isinstance(s.action, Transition) and s.action.incident == RAID_INCIDENT
    ]
    assert raid_states == ["verified", "active", "contained", "closed"]
    commands = [
        s.action
        for s in RAID
        if isinstance(s.action, SetCommand) and s.action.incident == RAID_INCIDENT
    ]
    assert commands and all(c.lead not in c.supporting for c in commands)
    decisions = [s.action for s in RAID if isinstance(s.action, LogEntry) and s.action.decision]
    assert len(decisions) >= 3  # alert issued, updated, cancelled
    assert any("{affected}" in d.text for d in decisions)
    # the public alert: issued on day 1 (a second person approves), updated, cancelled
    alert_steps = [
        (s.at.days, type(s.action).__name__)
        for s in RAID
        if isinstance(s.action, IssueAlert | UpdateAlert | CancelAlert)
    ]
    assert alert_steps == [(0, "IssueAlert"), (1, "UpdateAlert"), (1, "CancelAlert")]
    issue = next(s for s in RAID if isinstance(s.action, IssueAlert))
    assert issue.actor != cast("IssueAlert", issue.action).approver
    orders = [s.action for s in RAID if isinstance(s.action, OrderEvacuation)]
    assert orders and set(orders[0].settlements) == {"Kozinka", "Grayvoron"}
    assert sum(s.action.people for s in RAID if isinstance(s.action, ShelterEvacuees)) > 0
    killed = [
        dict(s.action.counts)
        for s in RAID
        if isinstance(s.action, Casualties) and s.action.incident == RAID_INCIDENT
    ]
    assert killed[-1].get("civilian_killed", 0) >= 1
    assert killed[-1].get("civilian_wounded", 0) >= 2


def test_tasks_refusal_and_release() -> None:
    created = {s.action.key: s.action for s in RAID if isinstance(s.action, CreateTask)}
    refused = [s.action for s in RAID if isinstance(s.action, RefusedAssign)]
    assert len(refused) == 1
    assert refused[0].agency_kind == "volunteer_self_defence"
    assert "armed_response" in created[refused[0].task].powers
    assigns = {s.action.task: s.action for s in RAID if isinstance(s.action, Assign)}
    armed = [k for k, t in created.items() if "armed_response" in t.powers]
    for key in armed:  # armed tasks go only to the security forces
        for pick in assigns[key].prefer:
            assert pick.agency in {"ARMY", "BEL-BS", "BEL-NG"}, pick
    volunteer_tasks = [
        k
        for k, a in assigns.items()
        if any(p.agency_kind == "volunteer_self_defence" for p in a.prefer)
    ]
    assert {p for k in volunteer_tasks for p in created[k].powers} >= {
        "evacuation_assist",
        "checkpoint",
        "observe_report",
    }
    closed_at = next(
        s.at
        for s in RAID
        if isinstance(s.action, Transition)
        and s.action.incident == RAID_INCIDENT
        and s.action.to == "closed"
    )
    order = ["accept", "en_route", "on_scene", "released"]
    for key in (k for k in assigns if created[k].incident == RAID_INCIDENT):
        moves = [s for s in RAID if isinstance(s.action, Respond) and s.action.task == key]
        names = [s.action.move for s in moves if isinstance(s.action, Respond)]
        cancelled = [s for s in RAID if isinstance(s.action, CancelTask) and s.action.task == key]
        if cancelled:
            assert names == order[: len(names)] and "released" not in names
            assert cancelled[0].at < closed_at
        else:
            assert names == order, key
            assert moves[-1].at < closed_at


def test_near_offsets_and_unknown_places() -> None:
    lon, lat = Near("Grayvoron").lonlat()
    east = Near("Grayvoron", east_km=2.0).lonlat()
    south = Near("Grayvoron", north_km=-3.0).lonlat()
    assert haversine_km(lon, lat, *east) == pytest.approx(2.0, rel=0.01)
    assert haversine_km(lon, lat, *south) == pytest.approx(3.0, rel=0.01)
    assert south[1] < lat and east[0] > lon
    with pytest.raises(LookupError):
        Near("Atlantis").lonlat()


@pytest.mark.parametrize(("text", "value"), [("max", None), ("MAX", None), ("60", 60.0)])
def test_parse_speed(text: str, value: float | None) -> None:
    assert parse_speed(text) == value


@pytest.mark.parametrize("text", ["0", "-5", "nan", "inf", "fast"])
def test_parse_speed_refuses_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="positive number or 'max'"):
        parse_speed(text)


def test_the_drone_incident_is_left_open_with_its_tasks_in_progress() -> None:
    states = [
        s.action.to
        for s in RAID
        if isinstance(s.action, Transition) and s.action.incident == DRONE_INCIDENT
    ]
    assert states and "closed" not in states and states[-1] in {"active", "contained"}
    tasks = [
        s.action.key
        for s in RAID
        if isinstance(s.action, CreateTask) and s.action.incident == DRONE_INCIDENT
    ]
    last: dict[str, str] = {}
    for s in RAID:
        if isinstance(s.action, Respond) and s.action.task in tasks:
            last[s.action.task] = s.action.move
        assert not (isinstance(s.action, CancelTask) and s.action.task in tasks)
    assert set(last) == set(tasks)
    assert {"on_scene", "en_route"} <= set(last.values()) <= {"accept", "en_route", "on_scene"}
