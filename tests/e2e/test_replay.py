"""End-to-end: ``marchwarden demo --replay`` plays the border raid through the HTTP API of
a real server process, and a WebSocket client on ``/api/v1/stream`` sees it unfold."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import httpx
import pytest
import websockets

from marchwarden.i18n import catalogue
from marchwarden.scenario.replay import (
    DAY1_START,
    DEMO_PASSWORD,
    DRONE_INCIDENT,
    LOAD_LEAD,
    RAID,
    RAID_INCIDENT,
    Assign,
    CreateTask,
    OpenIncident,
    ReplayResult,
    SubmitReport,
    run_replay,
)
from tests.e2e.conftest import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e

API = "/api/v1"
RAID_REPORTS = sum(isinstance(s.action, SubmitReport) for s in RAID)
TASK_INCIDENT = {s.action.key: s.action.incident for s in RAID if isinstance(s.action, CreateTask)}
ASSIGNMENTS = {
    incident: sum(
        isinstance(s.action, Assign) and TASK_INCIDENT[s.action.task] == incident for s in RAID
    )
    for incident in (RAID_INCIDENT, DRONE_INCIDENT)
}
REFUSAL_RE = re.compile(r"task (\d+) to volunteer unit (\S+)\? REFUSED -> 409 (\S+)")
Event = dict[str, Any]


@dataclass
class DemoServer:
    url: str
    ws_url: str
    log_path: Path
    cli_replay_last_event: int
    """The stream position once the replay started by ``demo --replay`` was over."""

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def headers(self, username: str = "hq") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(username)}"}

    def token(self, username: str = "hq") -> str:
        reply = httpx.post(
            self.url + API + "/auth/login",
            json={"username": username, "password": DEMO_PASSWORD},
            timeout=30,
        )
        assert reply.status_code == 200, reply.text
        return str(reply.json()["access_token"])

    def get(self, path: str) -> Any:
        reply = httpx.get(self.url + API + path, headers=self.headers(), timeout=30)
        assert reply.status_code == 200, reply.text
        return reply.json()


def _digest(log: str) -> str:
    """The server's errors (with their tracebacks) and the replay's own lines."""
    errors = [line[-6000:] for line in log.splitlines() if '"level": "error"' in line]
    mine = [line for line in log.splitlines() if not line.startswith("{")]
    return "\n".join(errors[-2:] + mine[-40:])


def _wait_for(proc: subprocess.Popen[bytes], log_path: Path, text: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        log = log_path.read_text(encoding="utf-8", errors="replace")
        if text in log:
            return
        if "replay stopped" in log or "replay not started" in log or proc.poll() is not None:
            raise AssertionError(f"the demo replay failed:\n{_digest(log)}")
        time.sleep(0.2)
    raise AssertionError(f"no {text!r} after {seconds:g} s:\n{_digest(log_path.read_text())}")


@contextlib.contextmanager
def run_demo(tmp: Path, *flags: str, ready: str) -> Iterator[DemoServer]:
    """``marchwarden demo --port N *flags`` on a fresh SQLite store in ``tmp``, from the
    moment its log says ``ready``."""
    port = free_port()
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": f"sqlite:///{tmp / 'demo.db'}",
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "COLUMNS": "200",
            "MARCHWARDEN_TAK_ENABLED": "false",  # no fixed TAK ports in tests
        }
    )
    log_path = tmp / "demo.log"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "marchwarden", "demo", "--port", str(port), *flags],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for(proc, log_path, ready, 90)
        if "--replay" not in flags:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2).status_code == 200:
                        break
                time.sleep(0.2)
        yield DemoServer(f"http://127.0.0.1:{port}", f"ws://127.0.0.1:{port}", log_path, 0)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """``marchwarden demo --replay --speed max`` on a fresh SQLite store, run until its
    replay is over."""
    tmp = tmp_path_factory.mktemp("demo")
    with run_demo(tmp, "--replay", "--speed", "max", ready="the raid is over") as server:
        server.cli_replay_last_event = int(server.get("/stream/position")["last_event_id"])
        yield server


# --------------------------------------------------------------------------- stream


async def _read(ws: Any, events: list[Event]) -> None:
    while True:
        events.append(json.loads(await ws.recv()))


async def _until(events: list[Event], last_id: int, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not events or events[-1]["id"] < last_id:
        if time.monotonic() > deadline:
            got = events[-1]["id"] if events else None
            raise AssertionError(f"stream stopped at event {got}, expected up to {last_id}")
        await asyncio.sleep(0.05)


def stream_events(server: DemoServer, after: int, until: int) -> list[Event]:
    """The events ``after < id <= until`` as the stream sends them (resumed)."""

    async def run() -> list[Event]:
        events: list[Event] = []
        url = f"{server.ws_url}{API}/stream?token={server.token()}&last_event_id={after}"
        async with websockets.connect(url, max_size=None, open_timeout=60) as ws:
            reader = asyncio.create_task(_read(ws, events))
            try:
                await _until(events, until)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        return [e for e in events if e["id"] <= until]

    return asyncio.run(run())


def of(events: list[Event], kind: str, **data: Any) -> list[Event]:
    return [
        e
        for e in events
        if e["type"] == kind and all(e["data"].get(k) == v for k, v in data.items())
    ]


def check_raid(events: list[Event], raid_id: int, drone_id: int) -> None:
    """What the stream must show of one replay of the raid."""
    ids = [e["id"] for e in events]
    assert ids == sorted(set(ids))
    assert len(of(events, "ReportSubmitted")) == RAID_REPORTS
    opened = of(events, "IncidentOpened", incident_type="cross_border_incursion")
    assert [e["data"]["incident_id"] for e in opened] == [raid_id]
    drones = of(events, "IncidentOpened", incident_type="drone_attack")
    assert [e["data"]["incident_id"] for e in drones] == [drone_id]
    assert drone_id != raid_id
    # correlated reports (matches and the duplicate) were attached to the one incident
    assert len(of(events, "ReportAttached", incident_id=raid_id, opened_incident=False)) >= 5
    assert len(of(events, "ReportRejected")) == 1
    states = [e["data"]["state"] for e in of(events, "IncidentStateChanged", incident_id=raid_id)]
    assert states == ["verified", "active", "contained", "closed"]
    commands = of(events, "UnifiedCommandChanged", incident_id=raid_id)
    assert commands and commands[0]["data"]["lead_agency_id"] is not None
    assert len(commands[0]["data"]["supporting_agency_ids"]) >= 3
    assigned = of(events, "TaskAssigned", incident_id=raid_id)
    assert len(assigned) == ASSIGNMENTS[RAID_INCIDENT]
    drone_assigned = of(events, "TaskAssigned", incident_id=drone_id)
    assert len(drone_assigned) == ASSIGNMENTS[DRONE_INCIDENT] >= 2
    statuses = {e["data"]["status"] for e in of(events, "TaskStatusChanged", incident_id=raid_id)}
    assert {"accepted", "en_route", "on_scene", "completed", "cancelled"} <= statuses
    casualties = of(events, "CasualtiesRecorded", incident_id=raid_id)
    assert casualties and casualties[-1]["data"]["totals"]["civilian_killed"] >= 1
    assert casualties[-1]["data"]["totals"]["civilian_wounded"] >= 2
    drone_states = [
        e["data"]["state"] for e in of(events, "IncidentStateChanged", incident_id=drone_id)
    ]
    # the drone incident is left open (contained), for the newcomer's live picture
    assert drone_states == ["verified", "active", "contained"]


def check_refusal(
    server: DemoServer, events: list[Event], task_id: int, unit_id: int, before: str
) -> None:
    """The refused assignment changed nothing: the unit's status is what it was, its status
    history never mentions the task, and the task went to another unit."""
    assert not of(events, "TaskAssigned", task_id=task_id, unit_id=unit_id)
    assert [e["data"]["unit_id"] for e in of(events, "TaskAssigned", task_id=task_id)] != []
    unit = server.get(f"/units/{unit_id}")
    assert unit["agency_kind"] == "volunteer_self_defence"
    assert unit["status"] == before
    history = server.get(f"/units/{unit_id}/status-history")
    assert not [h for h in history if re.search(rf"\btask {task_id}\b", h["note"])]


def check_sitrep(server: DemoServer, raid_id: int) -> None:
    sitrep = server.get(f"/sitreps/incidents/{raid_id}")
    assert sitrep["incident"]["state"] == "closed"
    assert sitrep["casualties"]["civilian_killed"] >= 1
    assert sitrep["command"]["lead"] is not None
    assert sitrep["units_deployed"]


# --------------------------------------------------------------------------- tests


def test_demo_replay_flag_plays_the_raid_through_the_api(demo: DemoServer) -> None:
    log = demo.log()
    # each step printed one line; the refusal with the law's reasons
    refusal = REFUSAL_RE.search(log)
    assert refusal is not None, log[-4000:]
    task_id, unit_code, problem_type = int(refusal[1]), refusal[2], refusal[3]
    assert problem_type.endswith("unit-not-eligible")
    assert "missing power armed_response" in log
    assert "LSD-2023 c.3: act is proposed, not in force" in log
    assert f"{unit_code} status before available, after available" in log
    assert "sitrep incident" in log and "sitrep region RU-BEL" in log

    events = stream_events(demo, 0, demo.cli_replay_last_event)
    raid = of(events, "IncidentOpened", incident_type="cross_border_incursion")
    drone = of(events, "IncidentOpened", incident_type="drone_attack")
    assert len(raid) == 1 and len(drone) == 1
    raid_id, drone_id = raid[0]["data"]["incident_id"], drone[0]["data"]["incident_id"]
    check_raid(events, raid_id, drone_id)
    units = {u["code"]: u["id"] for u in demo.get("/units")}
    check_refusal(demo, events, task_id, units[unit_code], "available")
    check_sitrep(demo, raid_id)
    check_alert_and_shelters(demo, raid_id)


def check_alert_and_shelters(demo: DemoServer, raid_id: int) -> None:
    """The raid's public alert: Alert, Update, Cancel (references to every earlier
    message), out of the feed; the evacuation order lifted; Belgorod's shelters hold
    evacuees."""
    alerts = [a for a in demo.get("/alerts")["items"] if a["incident_id"] == raid_id]
    assert len(alerts) == 1
    alert = alerts[0]
    assert [m["msg_type"] for m in alert["messages"]] == ["Alert", "Update", "Cancel"]
    assert alert["state"] == "cancelled" and alert["approved_by"] == "belgorod"
    feed = httpx.get(demo.url + "/cap/feed.atom", timeout=10)
    assert feed.status_code == 200
    assert alert["messages"][0]["identifier"].encode() not in feed.content
    orders = [o for o in demo.get("/evacuation-orders") if o["incident_id"] == raid_id]
    assert [o["state"] for o in orders] == ["lifted"]
    assert {"Kozinka", "Grayvoron"} <= set(orders[0]["description"].split(", "))
    belgorod = [s for s in demo.get("/shelters") if s["name"].startswith("Belgorod")]
    assert sum(s["occupancy"] for s in belgorod) > 0


def _scenario_window(log: str) -> tuple[datetime, datetime]:
    """The scenario's start and last step (UTC) from the replay's first line, which must
    say that the server runs on the scenario clock."""
    found = re.search(
        r"scenario day 1 = (\d{4}-\d{2}-\d{2}) \(([^)]+)\); the server runs on the "
        r"scenario clock",
        log,
    )
    assert found is not None, log[:3000]
    tz = ZoneInfo(found[2])
    start = datetime.combine(date.fromisoformat(found[1]), DAY1_START, tzinfo=tz).astimezone(UTC)
    return start, start + RAID[-1].at


def _times(items: list[dict[str, Any]]) -> list[datetime]:
    return [datetime.fromisoformat(i["at"]) for i in items]


def test_the_replay_runs_on_the_scenario_clock_and_leaves_the_drones_open(
    demo: DemoServer,
) -> None:
    start, end = _scenario_window(demo.log())
    events = stream_events(demo, 0, demo.cli_replay_last_event)
    raid_id = of(events, "IncidentOpened", incident_type="cross_border_incursion")[0]["data"][
        "incident_id"
    ]
    drone_id = of(events, "IncidentOpened", incident_type="drone_attack")[0]["data"]["incident_id"]
    # the stream's events (the demo's load, then the raid) carry scenario time, in order;
    # the clock's own moves are events too, the last one handing it back to the wall clock
    moves = [e for e in events if e["type"] == "ScenarioClockMoved"]
    assert moves and moves[-1]["data"]["released"] is True
    assert events[-1] == moves[-1]
    stamped = _times([e for e in events if e["type"] != "ScenarioClockMoved"])
    assert stamped == sorted(stamped)
    assert start - LOAD_LEAD <= stamped[0] and stamped[-1] <= end
    # every timeline entry is stamped with its step's scenario time, in order, over two days
    opened_at = {s.action.key: start + s.at for s in RAID if isinstance(s.action, OpenIncident)}
    for key, iid in ((RAID_INCIDENT, raid_id), (DRONE_INCIDENT, drone_id)):
        times = _times(demo.get(f"/incidents/{iid}/timeline")["items"])
        assert times == sorted(times)
        assert times[0] == opened_at[key] and times[-1] <= end
    raid_times = _times(demo.get(f"/incidents/{raid_id}/timeline")["items"])
    assert raid_times[-1] - raid_times[0] > timedelta(hours=24)
    # reports observed before the incident opened come before it (not after "Opened")
    incident = demo.get(f"/incidents/{raid_id}")
    assert datetime.fromisoformat(incident["created_at"]) == opened_at[RAID_INCIDENT]
    assert start <= datetime.fromisoformat(incident["first_report_at"]) <= opened_at["raid"]
    # the audit trail, too: in sequence order its times never go back
    auditor = {"Authorization": f"Bearer {demo.token('auditor')}"}
    audit = httpx.get(
        demo.url + API + "/audit",
        params={"since": start.isoformat(), "limit": 1000},
        headers=auditor,
        timeout=30,
    ).json()["items"]
    audit_times = _times(sorted(audit, key=lambda a: a["seq"]))
    assert len(audit) > len(RAID) and audit_times == sorted(audit_times)
    moves = [a for a in audit if a["command"] == "scenario.clock.set"]
    assert moves and {a["actor_name"] for a in moves} == {"admin"}
    # the drone incident is still open, its tasks in progress
    drone = demo.get(f"/incidents/{drone_id}")
    assert drone["state"] == "contained"
    tasks = httpx.get(
        demo.url + API + "/tasks",
        params={"incident_id": drone_id},
        headers=demo.headers(),
        timeout=30,
    ).json()
    assert {"on_scene", "en_route"} <= {t["status"] for t in tasks}
    # and the clock was handed back to the wall clock
    admin = {"Authorization": f"Bearer {demo.token('admin')}"}
    clock = httpx.get(demo.url + API + "/scenario/clock", headers=admin, timeout=30).json()
    assert clock["released"] is True
    assert abs(datetime.fromisoformat(clock["now"]) - datetime.now(UTC)) < timedelta(minutes=5)
    hq_clock = httpx.get(demo.url + API + "/scenario/clock", headers=demo.headers(), timeout=30)
    assert hq_clock.status_code == 403


def test_replay_unfolds_live_on_the_stream(demo: DemoServer) -> None:
    start = int(demo.get("/stream/position")["last_event_id"])
    url = f"{demo.ws_url}{API}/stream?token={demo.token()}&last_event_id={start}"
    lines: list[str] = []

    async def run() -> tuple[ReplayResult, list[Event], int]:
        events: list[Event] = []
        async with websockets.connect(url, max_size=None, open_timeout=60) as ws:
            reader = asyncio.create_task(_read(ws, events))
            try:
                result = await asyncio.to_thread(run_replay, demo.url, speed=None, out=lines.append)
                seen_during = len(events)
                end = int((await asyncio.to_thread(demo.get, "/stream/position"))["last_event_id"])
                await _until(events, end)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
        return result, [e for e in events if e["id"] <= end], seen_during

    result, events, seen_during = asyncio.run(run())
    # the client saw the raid while it was being played, not only afterwards
    assert seen_during > len(events) // 2
    raid_id = result.incidents[RAID_INCIDENT]
    check_raid(events, raid_id, result.incidents[DRONE_INCIDENT])
    assert {e["data"]["report_id"] for e in of(events, "ReportSubmitted")} == set(
        result.reports.values()
    )
    assert len(result.refusals) == 1
    refused = result.refusals[0]
    assert refused.problem["status"] == 409
    assert [m["power"] for m in refused.problem["missing_powers"]] == ["armed_response"]
    assert refused.status_before == refused.status_after
    check_refusal(demo, events, refused.task_id, refused.unit_id, refused.status_before)
    check_sitrep(demo, raid_id)
    check_alert_and_shelters(demo, raid_id)
    assert result.sitreps["RU-BEL"]["casualties"]["civilian_killed"] >= 1
    assert len(lines) >= len(RAID)


def test_a_replay_from_outside_drives_a_demo_on_the_scenario_clock(tmp_path: Path) -> None:
    """``demo --scenario-clock`` (no --replay) stands at the raid's eve until a replay run
    from outside (``marchwarden replay``) moves it; a plain ``demo`` has no such clock.
    This replay speaks Russian (the command line's catalogue, as ``--lang ru`` gives it)."""
    with run_demo(tmp_path, "--scenario-clock", ready="runs on the scenario's clock") as server:
        admin = {"Authorization": f"Bearer {server.token('admin')}"}
        before = httpx.get(server.url + API + "/scenario/clock", headers=admin, timeout=30)
        assert before.status_code == 200 and before.json()["released"] is False
        lines: list[str] = []
        result = run_replay(server.url, speed=None, out=lines.append, words=catalogue("ru"))
        assert "сервер идёт по сценарным часам" in lines[0], lines[0]
        assert any("донесение" in line and "присоединено к инциденту" in line for line in lines)
        assert any("ОТКАЗ -> 409" in line for line in lines)
        assert lines[-1].startswith("проигрывание закончено за ")
        raid_id = result.incidents[RAID_INCIDENT]
        times = _times(server.get(f"/incidents/{raid_id}/timeline")["items"])
        assert times == sorted(times) and times[0] == result.start + next(
            s.at
            for s in RAID
            if isinstance(s.action, OpenIncident) and s.action.key == RAID_INCIDENT
        )
    plain_dir = tmp_path / "plain"
    plain_dir.mkdir()
    with run_demo(
        plain_dir,
        ready="Demo accounts",
    ) as plain:
        admin = {"Authorization": f"Bearer {plain.token('admin')}"}
        assert httpx.get(plain.url + API + "/scenario/clock", headers=admin).status_code == 404
