"""``marchwarden replay``: the two-day border raid (scenario.md, "Events" 1-6) played
through the public HTTP API of a running server, in compressed time.

The raid is **data**: :data:`RAID` is a list of :class:`Step` s, each a scenario-time
offset from the start of day 1, the demo account that acts, and what it does. The
runner (:func:`run_replay`) signs the accounts in, then plays the steps against a base
URL with httpx, sleeping between steps so that ``speed`` scenario seconds pass per real
second (``speed=None``: no sleeping at all, for tests). Everything goes through the
same endpoints the web UI uses, so a client watching ``/api/v1/stream`` sees the raid
unfold. Nothing in the script names a database id: incidents, reports, tasks and units
are referred to by keys of the script, and units are chosen at run time from the
server's recommendations.

**Time.** Day 1 is the day before yesterday in the HQ's time zone (``GET /config``);
the scenario starts at :data:`DAY1_START` local time on day 1. A report's
``observed_at`` is its scenario time, so the correlation windows (duplicates within
30 min, incidents within 6 h of their reports) work on the scenario's own clock; the
whole script lies within two days of that start, so no report is ever "in the future".
On a server with a **scenario clock** (``marchwarden demo --replay``, or ``demo
--scenario-clock`` for a replay run from outside) the runner, as the ``admin`` account,
sets the server's clock to each step's scenario time before the step
(``PUT /api/v1/scenario/clock``), so every timeline entry, audit record and status change
carries scenario time; at the end (or when the replay stops) it hands the clock back to
the wall clock. On any other server (or one whose clock is already past the start)
every other action is stamped by the server when it happens, in real time; its scenario
time is printed and, where it matters, written into the note.

**The end.** The raid incident is closed on day 2; the drone incident stays open
(contained) with its cordon on scene and a search team en route, so a newcomer who
signs in after the replay finds a live picture.

**Alerts.** On day 1 the duty officer composes the public alert from the incident (CAP
1.2; the Belgorod coordinator approves it as the second person, the duty officer
publishes it), orders the evacuation of Kozinka and Grayvoron and checks the evacuees
into the shelters of Belgorod; on day 2 the alert is updated, then cancelled and the
evacuation order lifted.

Any reply other than the one a step expects stops the replay with the problem+json
(:class:`ReplayError`).
"""

from __future__ import annotations

import contextlib
import json
import math
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from typing import TYPE_CHECKING, Any, Literal
from zoneinfo import ZoneInfo

import httpx

from marchwarden import geodata
from marchwarden.i18n import catalogue

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from marchwarden.i18n import Catalogue

API = "/api/v1"
DEMO_PASSWORD = "marchwarden-demo"  # noqa: S105 - the demo accounts' published password
#: the scenario starts at this local time (HQ time zone) on day 1
DAY1_START = dtime(5, 40)
#: on a scenario clock the demo forces are loaded this long before the raid's start
LOAD_LEAD = timedelta(minutes=40)
#: day 1 is this many days before the HQ's current local date
DAY1_DAYS_AGO = 2
#: default speed: scenario seconds per real second (the two days take about 2.5 minutes)
DEFAULT_SPEED = 900.0
#: the actor of a step done by whoever answers for the unit a task was given to
RESPONDER = "<responder>"
#: the account that moves the server's scenario clock (``/scenario/clock``, admin only)
CLOCK_ACCOUNT = "admin"
#: the public feed of the server's current alerts (docs/alerts.md)
FEED_PATH = "/cap/feed.atom"
#: how long an updated alert runs from the update on
ALERT_UPDATE_LIFETIME = timedelta(hours=8)
_KM_PER_DEG_LAT = 111.32


# --------------------------------------------------------------------------- places


@dataclass(frozen=True, slots=True)
class Near:
    """A point ``east_km`` / ``north_km`` from a settlement of the bundled geodata."""

    settlement: str
    east_km: float = 0.0
    north_km: float = 0.0
    region: str = "RU-BEL"

    def lonlat(self) -> tuple[float, float]:
        for s in geodata.settlements():
            if s.name == self.settlement and s.region == self.region:
                dlat = self.north_km / _KM_PER_DEG_LAT
                dlon = self.east_km / (_KM_PER_DEG_LAT * math.cos(math.radians(s.lat)))
                return (round(s.lon + dlon, 5), round(s.lat + dlat, 5))
        raise LookupError(f"no settlement {self.settlement!r} in {self.region}")

    def describe(self) -> str:
        parts = []
        if self.north_km:
            parts.append(f"{abs(self.north_km):g} km {'N' if self.north_km > 0 else 'S'}")
        if self.east_km:
            parts.append(f"{abs(self.east_km):g} km {'E' if self.east_km > 0 else 'W'}")
        return f"{' '.join(parts)} of {self.settlement}" if parts else self.settlement


# --------------------------------------------------------------------------- actions


@dataclass(frozen=True, slots=True)
class SubmitReport:
    """``POST /reports``; ``observed_at`` is the step's scenario time."""

    key: str
    place: Near
    incident_type: str
    source_kind: str
    rating: str
    text: str
    reporter: str
    uncertainty_m: float = 200.0


@dataclass(frozen=True, slots=True)
class OpenIncident:
    """Claim report ``report`` and open incident ``key`` from it."""

    report: str
    key: str
    name: str
    incident_type: str
    severity: str
    description: str = ""


@dataclass(frozen=True, slots=True)
class Correlate:
    """Attach every pending report of the replay that the server now suggests for the
    incident (a match, or a likely duplicate of one of its reports); leave the others."""

    incident: str


@dataclass(frozen=True, slots=True)
class RejectReport:
    report: str
    reason: str


@dataclass(frozen=True, slots=True)
class Transition:
    incident: str
    to: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class SetCommand:
    """The unified command, agencies named by code."""

    incident: str
    lead: str
    supporting: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """A timeline entry. ``{affected}`` in the text becomes the incident's affected
    settlements; ``decision`` marks an HQ decision that will be an alert one day."""

    incident: str
    text: str
    decision: bool = False
    task: str | None = None
    """The entry is about the unit of this task."""


@dataclass(frozen=True, slots=True)
class IssueAlert:
    """Compose a public alert from the incident, approved by ``approver`` (the second
    person) and published by the step's actor."""

    key: str
    incident: str
    instruction: str
    approver: str


@dataclass(frozen=True, slots=True)
class UpdateAlert:
    """Revise a published alert (instruction, a sentence added to every description),
    approved by ``approver`` and published as a CAP Update."""

    key: str
    instruction: str
    note: str
    approver: str


@dataclass(frozen=True, slots=True)
class CancelAlert:
    key: str


@dataclass(frozen=True, slots=True)
class OrderEvacuation:
    key: str
    incident: str
    alert: str
    settlements: tuple[str, ...]
    assembly: Near
    kind: str = "mandatory"


@dataclass(frozen=True, slots=True)
class ProgressEvacuation:
    """``moved``: the share (0..1) of the people to move who have left."""

    key: str
    state: str | None = None
    moved: float | None = None


@dataclass(frozen=True, slots=True)
class ShelterEvacuees:
    """Check ``people`` evacuees of a settlement into the nearest shelters with room."""

    settlement: str
    people: int


@dataclass(frozen=True, slots=True)
class CreateTask:
    key: str
    incident: str
    title: str
    powers: tuple[str, ...] = ()
    capabilities: tuple[str, ...] = ()
    priority: str = "normal"
    place: Near | None = None
    description: str = ""


@dataclass(frozen=True, slots=True)
class Pick:
    """Which recommended unit to take: the first eligible one (by ETA) of this agency
    (code) or agency kind, whose code starts with ``code_prefix``; ``responder`` is the
    demo account that answers for it (accepts, reports status)."""

    responder: str
    agency: str | None = None
    agency_kind: str | None = None
    code_prefix: str = ""

    def fits(self, unit: dict[str, Any], kinds: dict[int, str]) -> bool:
        if self.agency is not None and unit["agency_code"] != self.agency:
            return False
        if self.agency_kind is not None and kinds.get(unit["agency_id"]) != self.agency_kind:
            return False
        return str(unit["code"]).startswith(self.code_prefix)

    def describe(self) -> str:
        what = self.agency or self.agency_kind or "any agency"
        return what + (f" ({self.code_prefix}*)" if self.code_prefix else "")


@dataclass(frozen=True, slots=True)
class Assign:
    """Assign the top recommended eligible unit fitting the first :class:`Pick` that
    finds one."""

    task: str
    prefer: tuple[Pick, ...]


@dataclass(frozen=True, slots=True)
class RefusedAssign:
    """Try to give the task to the nearest unit of ``agency_kind`` that the server lists
    as lacking a required power: the server must refuse (409 ``unit-not-eligible``), and
    the unit's status must not change."""

    task: str
    agency_kind: str


TaskMove = Literal["accept", "en_route", "on_scene", "released"]


@dataclass(frozen=True, slots=True)
class Respond:
    """The unit answers: accept, en route, on scene (and reports its position at the
    task's place), released (back to ``release_to``)."""

    task: str
    move: TaskMove
    note: str = ""
    release_to: str = "available"


@dataclass(frozen=True, slots=True)
class CancelTask:
    task: str
    reason: str


@dataclass(frozen=True, slots=True)
class Casualties:
    """Absolute figures (not increments) for the categories named."""

    incident: str
    counts: tuple[tuple[str, int], ...]
    source: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Sitreps:
    """Fetch the situation reports of the incidents and of the region, print a summary."""

    incidents: tuple[str, ...]
    region: str


Action = (
    SubmitReport
    | OpenIncident
    | Correlate
    | RejectReport
    | Transition
    | SetCommand
    | LogEntry
    | CreateTask
    | Assign
    | RefusedAssign
    | Respond
    | CancelTask
    | Casualties
    | Sitreps
    | IssueAlert
    | UpdateAlert
    | CancelAlert
    | OrderEvacuation
    | ProgressEvacuation
    | ShelterEvacuees
)


@dataclass(frozen=True, slots=True)
class Step:
    at: timedelta
    """Scenario time since the start (:data:`DAY1_START` on day 1)."""
    actor: str
    action: Action


def _t(day: int, hhmm: str) -> timedelta:
    """Scenario offset of ``hh:mm`` local time on ``day`` (1 or 2)."""
    h, m = (int(x) for x in hhmm.split(":"))
    start = timedelta(hours=DAY1_START.hour, minutes=DAY1_START.minute)
    return timedelta(days=day - 1, hours=h, minutes=m) - start


# --------------------------------------------------------------------------- the script

RAID_INCIDENT = "raid"
DRONE_INCIDENT = "drones"
_BN = "BEL-VSD-2BN"  # the activated 2nd battalion (Grayvoron district)
_VOLUNTEERS = (Pick("cmdr-bel-2bn", agency_kind="volunteer_self_defence", code_prefix=_BN),)
_ARMED_BACKUP = (
    Pick("liaison-army", agency="ARMY"),
    Pick("liaison-bel-bs", agency="BEL-BS"),
)
_COMMAND = ("ARMY", "BEL-NG", "BEL-POL", "BEL-EMS", "BEL-VSD")
#: the drone incident's units answer through the regional coordinator
_DEPOT_CORDON = (
    Pick("belgorod", agency="BEL-POL"),
    Pick("belgorod", agency="BEL-NG"),
    Pick("belgorod"),
)
_DEPOT_SEARCH = (Pick("belgorod", agency="BEL-EMS"), Pick("belgorod"))

RAID: tuple[Step, ...] = (
    # --- 1. day 1 morning: reports from the border villages
    Step(
        _t(1, "05:40"),
        "cmdr-bel-2bn",
        SubmitReport(
            "kozinka-gunfire",
            Near("Kozinka", -0.4, -1.2),
            "gunfire",
            "volunteer",
            "B2",
            "Heavy gunfire south of Kozinka near the border crossing, bursts of automatic fire",
            "Observation post, 2nd Company, 2nd Battalion",
        ),
    ),
    Step(
        _t(1, "05:47"),
        "liaison-bel-bs",
        SubmitReport(
            "kozinka-armour",
            Near("Kozinka", -1.5, -1.8),
            "cross_border_incursion",
            "tak",
            "A2",
            "Armoured vehicles crossing the state border south-west of Kozinka: at least "
            "three APCs and a tank, infantry dismounting",
            "Kozinka border outpost",
            uncertainty_m=500.0,
        ),
    ),
    Step(
        _t(1, "05:52"),
        "reporter",
        SubmitReport(
            "kozinka-gunfire-again",
            Near("Kozinka", -0.2, -1.0),
            "gunfire",
            "public",
            "C3",
            "Heavy gunfire south of Kozinka near the border crossing, automatic fire",
            "Resident of Kozinka (telephone)",
            uncertainty_m=1000.0,
        ),
    ),
    Step(
        _t(1, "06:05"),
        "reporter",
        SubmitReport(
            "grayvoron-column",
            Near("Grayvoron", -1.8, -1.6),
            "cross_border_incursion",
            "public",
            "C3",
            "Armoured column on the road from the border towards Grayvoron, smoke over the "
            "southern outskirts",
            "Resident of Grayvoron",
            uncertainty_m=1500.0,
        ),
    ),
    Step(
        _t(1, "06:10"),
        "reporter",
        SubmitReport(
            "borisovka-rumour",
            Near("Borisovka"),
            "cross_border_incursion",
            "open_source",
            "F6",
            "Tanks in the centre of Borisovka (unverified social-media post)",
            "Messenger channel",
            uncertainty_m=3000.0,
        ),
    ),
    Step(
        _t(1, "06:12"),
        "belgorod",
        SubmitReport(
            "grayvoron-police",
            Near("Grayvoron", 0.3, -0.6),
            "gunfire",
            "police",
            "B2",
            "Exchange of fire at the southern entrance to Grayvoron; the patrol pulled back",
            "Grayvoron district police patrol",
        ),
    ),
    # --- 2. HQ correlates, verifies, names the unified command
    Step(
        _t(1, "06:20"),
        "hq",
        OpenIncident(
            "kozinka-gunfire",
            RAID_INCIDENT,
            "Cross-border incursion: Kozinka and Grayvoron",
            "cross_border_incursion",
            "severe",
            "Armed group with armour crossed the state border south of Kozinka.",
        ),
    ),
    Step(_t(1, "06:22"), "hq", Correlate(RAID_INCIDENT)),
    Step(
        _t(1, "06:25"),
        "hq",
        RejectReport(
            "borisovka-rumour",
            "F6 social-media post, 27 km from the fighting; police in Borisovka see no tanks",
        ),
    ),
    Step(
        _t(1, "06:30"),
        "hq",
        Transition(RAID_INCIDENT, "verified", "Confirmed by the Kozinka outpost (A2) and police"),
    ),
    Step(
        _t(1, "06:32"),
        "hq",
        SetCommand(RAID_INCIDENT, "BEL-BS", _COMMAND),
    ),
    Step(_t(1, "06:35"), "hq", Transition(RAID_INCIDENT, "active", "Fighting under way")),
    # --- 3. public alert, evacuation, shelters
    Step(
        _t(1, "06:40"),
        "hq",
        LogEntry(
            RAID_INCIDENT,
            "HQ decision: public alert (take shelter, stay off the border roads) for the "
            "settlements within 15 km: {affected}",
            decision=True,
        ),
    ),
    Step(
        _t(1, "06:42"),
        "hq",
        IssueAlert("raid-alert", RAID_INCIDENT, "shelter_in_place", approver="belgorod"),
    ),
    Step(
        _t(1, "06:45"),
        "hq",
        OrderEvacuation(
            "kozinka",
            RAID_INCIDENT,
            "raid-alert",
            ("Kozinka", "Grayvoron"),
            Near("Grayvoron", 3.0, 4.0),
        ),
    ),
    # --- 5. drone attacks elsewhere in the region
    Step(
        _t(1, "06:50"),
        "reporter",
        SubmitReport(
            "shebekino-drone",
            Near("Shebekino", 1.5, 0.5),
            "drone_attack",
            "public",
            "C3",
            "Drone struck the fuel depot on the eastern edge of Shebekino, large fire",
            "Resident of Shebekino",
            uncertainty_m=800.0,
        ),
    ),
    Step(
        _t(1, "06:56"),
        "belgorod",
        SubmitReport(
            "shebekino-drone-police",
            Near("Shebekino", 1.3, 0.4),
            "drone_attack",
            "police",
            "B2",
            "Drone hit the fuel depot in Shebekino; fire brigade called, one person injured",
            "Shebekino district police",
        ),
    ),
    # --- 4. tasking: armed response to the security forces, support to volunteers
    Step(
        _t(1, "07:00"),
        "hq",
        CreateTask(
            "bs-repel",
            RAID_INCIDENT,
            "Armed response: stop the incursion south of Kozinka",
            powers=("armed_response",),
            capabilities=("infantry",),
            priority="urgent",
            place=Near("Kozinka", -1.0, -1.5),
        ),
    ),
    Step(
        _t(1, "07:02"),
        "hq",
        Assign("bs-repel", (Pick("liaison-bel-bs", agency="BEL-BS"), *_ARMED_BACKUP)),
    ),
    Step(_t(1, "07:04"), RESPONDER, Respond("bs-repel", "accept")),
    Step(
        _t(1, "07:05"),
        "hq",
        CreateTask(
            "army-block",
            RAID_INCIDENT,
            "Armed response: block the armoured column on the Grayvoron road",
            powers=("armed_response",),
            capabilities=("armoured",),
            priority="urgent",
            place=Near("Grayvoron", -1.5, -1.5),
        ),
    ),
    Step(_t(1, "07:07"), "hq", Assign("army-block", _ARMED_BACKUP)),
    Step(_t(1, "07:09"), RESPONDER, Respond("bs-repel", "en_route")),
    Step(_t(1, "07:10"), RESPONDER, Respond("army-block", "accept")),
    Step(
        _t(1, "07:12"),
        "hq",
        CreateTask(
            "cordon",
            RAID_INCIDENT,
            "Armed response: cordon the southern edge of Grayvoron",
            powers=("armed_response",),
            priority="high",
            place=Near("Grayvoron", 0.0, -1.0),
        ),
    ),
    Step(_t(1, "07:13"), "hq", RefusedAssign("cordon", "volunteer_self_defence")),
    Step(
        _t(1, "07:15"),
        "hq",
        Assign("cordon", (Pick("belgorod", agency="BEL-NG"), *_ARMED_BACKUP)),
    ),
    Step(_t(1, "07:17"), RESPONDER, Respond("army-block", "en_route")),
    Step(_t(1, "07:18"), RESPONDER, Respond("cordon", "accept")),
    Step(
        _t(1, "07:20"),
        "hq",
        CreateTask(
            "evacuation",
            RAID_INCIDENT,
            "Evacuation support: move the residents of Kozinka to Borisovka",
            powers=("evacuation_assist",),
            priority="urgent",
            place=Near("Kozinka"),
        ),
    ),
    Step(_t(1, "07:21"), "hq", Assign("evacuation", _VOLUNTEERS)),
    Step(
        _t(1, "07:24"),
        "hq",
        CreateTask(
            "checkpoint",
            RAID_INCIDENT,
            "Checkpoint on the Grayvoron-Borisovka road, alongside the police",
            powers=("checkpoint",),
            priority="high",
            place=Near("Grayvoron", 2.5, 2.0),
        ),
    ),
    Step(_t(1, "07:25"), "hq", Assign("checkpoint", _VOLUNTEERS)),
    Step(
        _t(1, "07:27"),
        "hq",
        CreateTask(
            "observation",
            RAID_INCIDENT,
            "Observation post on the heights at Golovchino",
            powers=("observe_report",),
            place=Near("Golovchino", 0.0, -1.0),
        ),
    ),
    Step(_t(1, "07:28"), "hq", Assign("observation", _VOLUNTEERS)),
    Step(_t(1, "07:30"), RESPONDER, Respond("evacuation", "accept")),
    Step(_t(1, "07:31"), RESPONDER, Respond("checkpoint", "accept")),
    Step(_t(1, "07:32"), RESPONDER, Respond("observation", "accept")),
    Step(_t(1, "07:34"), RESPONDER, Respond("cordon", "en_route")),
    Step(_t(1, "07:35"), RESPONDER, Respond("evacuation", "en_route")),
    Step(_t(1, "07:36"), RESPONDER, Respond("checkpoint", "en_route")),
    Step(_t(1, "07:37"), RESPONDER, Respond("observation", "en_route")),
    # the drone attacks become their own incident
    Step(
        _t(1, "07:40"),
        "hq",
        OpenIncident(
            "shebekino-drone",
            DRONE_INCIDENT,
            "Drone attack on the Shebekino fuel depot",
            "drone_attack",
            "moderate",
        ),
    ),
    Step(_t(1, "07:41"), "hq", Correlate(DRONE_INCIDENT)),
    Step(_t(1, "07:43"), "hq", Transition(DRONE_INCIDENT, "verified", "Police on site")),
    Step(_t(1, "07:44"), "hq", SetCommand(DRONE_INCIDENT, "BEL-EMS", ("BEL-POL",))),
    Step(_t(1, "07:45"), "hq", Transition(DRONE_INCIDENT, "active", "Fire at the depot")),
    Step(
        _t(1, "07:46"),
        "hq",
        CreateTask(
            "depot-cordon",
            DRONE_INCIDENT,
            "Cordon the fuel depot and keep the Shebekino road clear for the fire teams",
            powers=("checkpoint",),
            priority="high",
            place=Near("Shebekino", 1.2, 0.6),
        ),
    ),
    Step(_t(1, "07:47"), "hq", Assign("depot-cordon", _DEPOT_CORDON)),
    Step(_t(1, "07:48"), RESPONDER, Respond("depot-cordon", "accept")),
    Step(_t(1, "07:50"), RESPONDER, Respond("evacuation", "on_scene")),
    Step(_t(1, "07:52"), RESPONDER, Respond("depot-cordon", "en_route")),
    Step(_t(1, "07:55"), RESPONDER, Respond("checkpoint", "on_scene")),
    Step(_t(1, "08:05"), RESPONDER, Respond("bs-repel", "on_scene")),
    Step(_t(1, "08:08"), RESPONDER, Respond("depot-cordon", "on_scene")),
    Step(_t(1, "08:10"), RESPONDER, Respond("observation", "on_scene")),
    Step(_t(1, "08:40"), RESPONDER, Respond("cordon", "on_scene")),
    Step(_t(1, "09:00"), "belgorod", ProgressEvacuation("kozinka", moved=0.4)),
    Step(_t(1, "09:20"), RESPONDER, Respond("army-block", "on_scene")),
    Step(
        _t(1, "09:30"),
        "hq",
        SetCommand(RAID_INCIDENT, "ARMY", ("BEL-BS", *_COMMAND[1:])),
    ),
    Step(
        _t(1, "09:31"),
        "hq",
        LogEntry(RAID_INCIDENT, "Lead passes to the army: armoured units engaged at Grayvoron"),
    ),
    Step(
        _t(1, "10:30"),
        "liaison-bel-bs",
        SubmitReport(
            "kozinka-pushed-back",
            Near("Kozinka", -1.2, -2.0),
            "gunfire",
            "tak",
            "A1",
            "Enemy group pushed back towards the border south of Kozinka; fire continues",
            "Kozinka border outpost",
        ),
    ),
    Step(_t(1, "10:35"), "hq", Correlate(RAID_INCIDENT)),
    Step(_t(1, "11:00"), "belgorod", ShelterEvacuees("Grayvoron", 450)),
    Step(
        _t(1, "12:00"),
        "hq",
        LogEntry(
            RAID_INCIDENT,
            "Evacuation of Kozinka complete: residents taken to the Borisovka shelter",
            task="evacuation",
        ),
    ),
    Step(
        _t(1, "12:30"),
        "reporter",
        SubmitReport(
            "shebekino-second-drone",
            Near("Shebekino", 0.8, -0.3),
            "drone_attack",
            "public",
            "C2",
            "A second drone shot down over Shebekino, debris on a house roof",
            "Resident of Shebekino",
            uncertainty_m=800.0,
        ),
    ),
    Step(_t(1, "12:35"), "hq", Correlate(DRONE_INCIDENT)),
    Step(_t(1, "14:00"), "belgorod", ShelterEvacuees("Kozinka", 380)),
    Step(
        _t(1, "16:00"),
        "cmdr-bel-2bn",
        SubmitReport(
            "grayvoron-evening",
            Near("Grayvoron", -0.8, -1.9),
            "gunfire",
            "volunteer",
            "B3",
            "Sporadic gunfire south-west of Grayvoron, army armour holding the road",
            "Checkpoint, 2nd Battalion",
        ),
    ),
    Step(_t(1, "16:00"), "belgorod", ProgressEvacuation("kozinka", moved=0.85)),
    Step(_t(1, "16:05"), "hq", Correlate(RAID_INCIDENT)),
    Step(
        _t(1, "17:00"),
        "hq",
        Casualties(
            RAID_INCIDENT,
            (("civilian_wounded", 3), ("personnel_wounded", 1)),
            "Grayvoron district hospital",
            "Preliminary figures, day 1 17:00",
        ),
    ),
    Step(
        _t(1, "18:00"),
        "hq",
        Casualties(
            DRONE_INCIDENT,
            (("civilian_wounded", 1),),
            "Shebekino district hospital",
            "Depot worker with burns",
        ),
    ),
    Step(_t(1, "18:30"), "hq", Transition(DRONE_INCIDENT, "contained", "Fire put out")),
    Step(
        _t(1, "21:30"),
        "liaison-bel-bs",
        SubmitReport(
            "kozinka-night",
            Near("Kozinka", -1.0, -2.2),
            "gunfire",
            "tak",
            "A2",
            "Sporadic fire at the border line south of Kozinka through the evening",
            "Kozinka border outpost",
        ),
    ),
    Step(_t(1, "21:35"), "hq", Correlate(RAID_INCIDENT)),
    # --- 6. day 2: containment, casualties, release, closure
    Step(
        _t(2, "03:00"),
        "liaison-bel-bs",
        SubmitReport(
            "kozinka-withdrawal",
            Near("Kozinka", -1.5, -2.5),
            "cross_border_incursion",
            "tak",
            "A1",
            "The armed group withdrew across the border; no movement on the line since 02:30",
            "Kozinka border outpost",
        ),
    ),
    Step(_t(2, "03:05"), "hq", Correlate(RAID_INCIDENT)),
    Step(
        _t(2, "06:00"),
        "hq",
        LogEntry(
            DRONE_INCIDENT,
            "Depot still smouldering: the fire team stays on watch and the cordon stays "
            "until the depot is made safe",
        ),
    ),
    Step(
        _t(2, "07:00"),
        "hq",
        Transition(RAID_INCIDENT, "contained", "Armed group withdrew; border line restored"),
    ),
    Step(
        _t(2, "07:10"),
        "hq",
        LogEntry(
            RAID_INCIDENT,
            "HQ decision: public alert updated: the fighting has stopped; the evacuation "
            "order for Kozinka stays in force while the village is searched",
            decision=True,
        ),
    ),
    Step(
        _t(2, "07:15"),
        "hq",
        UpdateAlert(
            "raid-alert",
            "avoid_area",
            "The fighting has stopped; stay away from Kozinka while it is searched.",
            approver="belgorod",
        ),
    ),
    Step(_t(2, "07:20"), "belgorod", ProgressEvacuation("kozinka", "complete", 1.0)),
    Step(
        _t(2, "09:00"),
        "hq",
        Casualties(
            RAID_INCIDENT,
            (("civilian_killed", 1), ("civilian_wounded", 5), ("personnel_wounded", 2)),
            "Regional health ministry",
            "Figures as of day 2 09:00: one resident of Kozinka killed by shellfire",
        ),
    ),
    Step(
        _t(2, "09:30"),
        "hq",
        CancelTask("observation", "Observation post no longer needed: the line is quiet"),
    ),
    Step(
        _t(2, "10:00"),
        RESPONDER,
        Respond("bs-repel", "released", "Outpost back on the border line", "available"),
    ),
    Step(
        _t(2, "10:30"),
        RESPONDER,
        Respond("army-block", "released", "Returning to garrison", "returning"),
    ),
    Step(
        _t(2, "11:00"),
        RESPONDER,
        Respond("cordon", "released", "Cordon lifted", "returning"),
    ),
    Step(
        _t(2, "12:00"),
        RESPONDER,
        Respond("checkpoint", "released", "Checkpoint handed to the police"),
    ),
    Step(
        _t(2, "13:00"),
        "hq",
        LogEntry(
            RAID_INCIDENT,
            "HQ decision: public alert cancelled; evacuation order lifted, residents may "
            "return to Kozinka; the Borisovka shelter closes tonight",
            decision=True,
        ),
    ),
    Step(_t(2, "13:05"), "hq", CancelAlert("raid-alert")),
    Step(_t(2, "13:10"), "hq", ProgressEvacuation("kozinka", "lifted")),
    Step(
        _t(2, "15:00"),
        RESPONDER,
        Respond("evacuation", "released", "Residents returned home"),
    ),
    Step(
        _t(2, "16:00"),
        "hq",
        Transition(RAID_INCIDENT, "closed", "Incursion repelled; all tasks completed"),
    ),
    # the drone incident stays open: its cordon on scene, a search team on its way
    Step(
        _t(2, "16:05"),
        "hq",
        CreateTask(
            "depot-search",
            DRONE_INCIDENT,
            "Search the houses next to the depot hit by debris",
            capabilities=("search_rescue",),
            place=Near("Shebekino", 1.0, 0.2),
        ),
    ),
    Step(_t(2, "16:07"), "hq", Assign("depot-search", _DEPOT_SEARCH)),
    Step(_t(2, "16:10"), RESPONDER, Respond("depot-search", "accept")),
    Step(_t(2, "16:20"), RESPONDER, Respond("depot-search", "en_route")),
    Step(_t(2, "16:30"), "hq", Sitreps((RAID_INCIDENT, DRONE_INCIDENT), "RU-BEL")),
)


# --------------------------------------------------------------------------- the runner


class ReplayError(RuntimeError):
    """A step got a reply it did not expect (``problem`` is its problem+json body, or
    the text of the reply)."""

    def __init__(self, message: str, problem: Any = None) -> None:
        super().__init__(message)
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Refusal:
    task_id: int
    unit_id: int
    unit_code: str
    status_before: str
    status_after: str
    problem: dict[str, Any]


@dataclass
class ReplayResult:
    start: datetime
    """Scenario start (day 1, :data:`DAY1_START` local), UTC."""
    reports: dict[str, int] = field(default_factory=dict)
    incidents: dict[str, int] = field(default_factory=dict)
    tasks: dict[str, int] = field(default_factory=dict)
    task_units: dict[str, int] = field(default_factory=dict)
    responders: dict[str, str] = field(default_factory=dict)
    refusals: list[Refusal] = field(default_factory=list)
    decided: set[int] = field(default_factory=set)
    sitreps: dict[str, dict[str, Any]] = field(default_factory=dict)
    alerts: dict[str, int] = field(default_factory=dict)
    evacuations: dict[str, int] = field(default_factory=dict)
    lines: list[str] = field(default_factory=list)


def scenario_start(now: datetime, tz: ZoneInfo) -> datetime:
    """Day 1 :data:`DAY1_START`, :data:`DAY1_DAYS_AGO` days before ``now``'s local date."""
    day: date = now.astimezone(tz).date() - timedelta(days=DAY1_DAYS_AGO)
    return datetime.combine(day, DAY1_START, tzinfo=tz).astimezone(UTC)


def parse_speed(text: str) -> float | None:
    """``max`` (None: no waiting) or a positive number of scenario seconds per second."""
    if text.strip().lower() == "max":
        return None
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"speed must be a positive number or 'max', not {text!r}")
    return value


def _problem(reply: httpx.Response) -> Any:
    try:
        return reply.json()
    except ValueError:
        return reply.text[:2000]


def format_problem(problem: Any) -> str:
    """A problem+json body as printed when the replay stops: a summary line, then the body."""
    if isinstance(problem, dict):
        head = f"{problem.get('status')} {problem.get('type')}: {problem.get('detail')}"
        return head + "\n" + json.dumps(problem, indent=2, ensure_ascii=False, default=str)
    return str(problem)


class _Runner:
    def __init__(
        self,
        client: httpx.Client,
        *,
        password: str,
        out: Callable[[str], None],
        start: datetime,
        tz: ZoneInfo,
        words: Catalogue,
    ) -> None:
        self.client = client
        self.password = password
        self.out = out
        self._ = words
        self.tz = tz
        self.run_id = uuid.uuid4().hex[:12]
        self.tokens: dict[str, str] = {}
        self.result = ReplayResult(start=start)
        self.agencies: dict[str, dict[str, Any]] = {}
        self.kinds: dict[int, str] = {}
        self.step: Step | None = None
        #: the server's time while the replay drives its scenario clock (None: the wall's)
        self.server_now: datetime | None = None

    # -- plumbing
    def clock(self, step: Step) -> str:
        at = (self.result.start + step.at).astimezone(self.tz)
        day = (at.date() - self.result.start.astimezone(self.tz).date()).days + 1
        return f"D{day} {at:%H:%M}"

    def say(self, step: Step, actor: str, text: str) -> None:
        line = f"{self.clock(step)}  {actor:<14}  {text}"
        self.result.lines.append(line)
        self.out(line)

    def token(self, username: str) -> str:
        if username not in self.tokens:
            try:
                reply = self.client.post(
                    API + "/auth/login", json={"username": username, "password": self.password}
                )
            except httpx.HTTPError as exc:
                raise ReplayError(f"cannot sign in as {username}: {exc}") from exc
            if reply.status_code != 200:
                raise ReplayError(
                    f"cannot sign in as {username}: HTTP {reply.status_code}", _problem(reply)
                )
            self.tokens[username] = str(reply.json()["access_token"])
        return self.tokens[username]

    def call(
        self,
        actor: str,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        expect: Sequence[int] = (200, 201),
    ) -> httpx.Response:
        for attempt in (1, 2):
            hdrs = {"Authorization": f"Bearer {self.token(actor)}", **(headers or {})}
            try:
                reply = self.client.request(
                    method, API + path, json=json, params=params, headers=hdrs
                )
            except httpx.HTTPError as exc:
                raise ReplayError(f"{actor}: {method} {path} failed: {exc}") from exc
            if reply.status_code != 401 or attempt == 2:
                break
            # the token ran out (on the scenario clock a day passes in minutes): sign in again
            del self.tokens[actor]
        if reply.status_code not in expect:
            where = f"{self.clock(self.step)} " if self.step else ""
            raise ReplayError(
                f"{where}{actor}: {method} {path} -> HTTP {reply.status_code} "
                f"(expected {', '.join(map(str, expect))})",
                _problem(reply),
            )
        return reply

    # -- the scenario clock (only a `marchwarden demo` server has one)
    def scenario_clock(self, start: datetime) -> bool:
        """Whether the server offers a scenario clock this replay can drive: one that
        stands no later than the scenario's start (a server that already played the raid
        has moved on; the replay then runs on the server's own clock)."""
        reply = self.call(CLOCK_ACCOUNT, "GET", "/scenario/clock", expect=(200, 403, 404))
        if reply.status_code != 200:
            return False
        now = datetime.fromisoformat(reply.json()["now"])
        if now > start:
            shown = now.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
            self.out(self._("cli.replay.clockPast", at=shown))
            return False
        return True

    def set_clock(self, at: datetime) -> None:
        self.call(CLOCK_ACCOUNT, "PUT", "/scenario/clock", json={"at": at.isoformat()})

    def release_clock(self) -> None:
        reply = self.call(CLOCK_ACCOUNT, "POST", "/scenario/clock/release")
        now = datetime.fromisoformat(reply.json()["now"]).astimezone(self.tz)
        self.out(self._("cli.replay.clockBack", at=f"{now:%Y-%m-%d %H:%M}"))

    def incident_id(self, key: str) -> int:
        return self.result.incidents[key]

    def task_id(self, key: str) -> int:
        return self.result.tasks[key]

    # -- set-up
    def prepare(self) -> None:
        for a in self.call("hq", "GET", "/agencies").json():
            self.agencies[str(a["code"])] = a
            self.kinds[int(a["id"])] = str(a["kind"])

    def agency_id(self, code: str) -> int:
        try:
            return int(self.agencies[code]["id"])
        except KeyError:
            raise ReplayError(f"the server has no agency {code} (is the demo loaded?)") from None

    # -- actions
    def run(self, step: Step) -> None:
        self.step = step
        a = step.action
        match a:
            case SubmitReport():
                self.submit_report(step, a)
            case OpenIncident():
                self.open_incident(step, a)
            case Correlate():
                self.correlate(step, a)
            case RejectReport():
                self.reject_report(step, a)
            case Transition():
                self.transition(step, a)
            case SetCommand():
                self.set_command(step, a)
            case LogEntry():
                self.log_entry(step, a)
            case CreateTask():
                self.create_task(step, a)
            case Assign():
                self.assign(step, a)
            case RefusedAssign():
                self.refused_assign(step, a)
            case Respond():
                self.respond(step, a)
            case CancelTask():
                self.cancel_task(step, a)
            case Casualties():
                self.casualties(step, a)
            case Sitreps():
                self.sitreps(step, a)
            case IssueAlert():
                self.issue_alert(step, a)
            case UpdateAlert():
                self.update_alert(step, a)
            case CancelAlert():
                self.cancel_alert(step, a)
            case OrderEvacuation():
                self.order_evacuation(step, a)
            case ProgressEvacuation():
                self.progress_evacuation(step, a)
            case ShelterEvacuees():
                self.shelter_evacuees(step, a)

    def submit_report(self, step: Step, a: SubmitReport) -> None:
        lon, lat = a.place.lonlat()
        observed = self.result.start + step.at
        reply = self.call(
            step.actor,
            "POST",
            "/reports",
            json={
                "source_kind": a.source_kind,
                "observed_at": observed.isoformat(),
                "position": {"lon": lon, "lat": lat},
                "uncertainty_m": a.uncertainty_m,
                "incident_type": a.incident_type,
                "text": a.text,
                "rating": a.rating,
                "reporter": a.reporter,
            },
            headers={"Idempotency-Key": f"replay-{self.run_id}-{a.key}"},
            expect=(201,),
        )
        rid = int(reply.json()["id"])
        self.result.reports[a.key] = rid
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.report",
                id=rid,
                type=a.incident_type,
                place=a.place.describe(),
                rating=a.rating,
                source=a.source_kind,
            ),
        )

    def open_incident(self, step: Step, a: OpenIncident) -> None:
        rid = self.result.reports[a.report]
        self.call(step.actor, "POST", f"/reports/{rid}/claim")
        reply = self.call(
            step.actor,
            "POST",
            f"/reports/{rid}/open-incident",
            json={
                "name": a.name,
                "incident_type": a.incident_type,
                "severity": a.severity,
                "description": a.description,
                "note": "opened by the duty officer from the first report",
            },
            expect=(201,),
        )
        inc = reply.json()["incident"]
        self.result.incidents[a.key] = int(inc["id"])
        self.result.decided.add(rid)
        affected = inc["affected"]
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.opened",
                report=rid,
                id=inc["id"],
                name=a.name,
                state=inc["state"],
                n=self._.number(affected["settlement_count"]),
                people=self._.number(affected["population"]),
                km=f"{affected['radius_km']:g}",
            ),
        )

    def correlate(self, step: Step, a: Correlate) -> None:
        iid = self.incident_id(a.incident)
        attached = 0
        for rid in self.result.reports.values():
            if rid in self.result.decided:
                continue
            report = self.call(step.actor, "GET", f"/reports/{rid}").json()
            if report["status"] != "pending":
                self.result.decided.add(rid)
                continue
            current = report.get("current_suggestions") or report["suggestions"]
            match = next((m for m in current["matches"] if m["incident_id"] == iid), None)
            if match is None:
                continue
            mine = set(self.result.reports.values())
            dups = [d["report_id"] for d in current["duplicates"] if d["report_id"] in mine]
            note = "; ".join(match["reasons"])
            if dups:
                note += self._("cli.replay.duplicate", ids=", ".join(map(str, dups)))
            self.call(step.actor, "POST", f"/reports/{rid}/claim")
            self.call(
                step.actor,
                "POST",
                f"/reports/{rid}/attach",
                json={"incident_id": iid, "note": note},
            )
            self.result.decided.add(rid)
            attached += 1
            self.say(
                step,
                step.actor,
                self._(
                    "cli.replay.attached",
                    id=rid,
                    rating=report["rating"],
                    incident=iid,
                    note=note,
                ),
            )
        if not attached:
            self.say(step, step.actor, self._("cli.replay.noMatch", id=iid))

    def reject_report(self, step: Step, a: RejectReport) -> None:
        rid = self.result.reports[a.report]
        self.call(step.actor, "POST", f"/reports/{rid}/claim")
        self.call(step.actor, "POST", f"/reports/{rid}/reject", json={"reason": a.reason})
        self.result.decided.add(rid)
        self.say(step, step.actor, self._("cli.replay.rejected", id=rid, reason=a.reason))

    def transition(self, step: Step, a: Transition) -> None:
        iid = self.incident_id(a.incident)
        reply = self.call(
            step.actor,
            "POST",
            f"/incidents/{iid}/transition",
            json={"to": a.to, "reason": a.reason},
        )
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.transition",
                id=iid,
                state=reply.json()["state"],
                reason=f" ({a.reason})" if a.reason else "",
            ),
        )

    def set_command(self, step: Step, a: SetCommand) -> None:
        iid = self.incident_id(a.incident)
        self.call(
            step.actor,
            "PUT",
            f"/incidents/{iid}/command",
            json={
                "lead_agency_id": self.agency_id(a.lead),
                "supporting_agency_ids": [self.agency_id(c) for c in a.supporting],
            },
        )
        self.say(
            step,
            step.actor,
            self._("cli.replay.command", id=iid, lead=a.lead, supporting=", ".join(a.supporting)),
        )

    def log_entry(self, step: Step, a: LogEntry) -> None:
        iid = self.incident_id(a.incident)
        text = a.text
        if "{affected}" in text:
            inc = self.call(step.actor, "GET", f"/incidents/{iid}").json()
            names = ", ".join(
                f"{s['name']} ({s['population']:,})" for s in inc["affected"]["settlements"]
            )
            text = text.replace("{affected}", names or "none")
        body: dict[str, Any] = {"text": text}
        if a.task is not None:
            body["unit_id"] = self.result.task_units[a.task]
        self.call(step.actor, "POST", f"/incidents/{iid}/log", json=body, expect=(201,))
        self.say(step, step.actor, self._("cli.replay.log", id=iid, text=text))

    def _approve_publish(self, step: Step, aid: int, approver: str) -> dict[str, Any]:
        self.call(approver, "POST", f"/alerts/{aid}/approve", expect=(200,))
        alert: dict[str, Any] = self.call(
            step.actor, "POST", f"/alerts/{aid}/publish", expect=(200,)
        ).json()
        return alert

    def issue_alert(self, step: Step, a: IssueAlert) -> None:
        iid = self.incident_id(a.incident)
        draft = self.call(
            step.actor,
            "POST",
            f"/incidents/{iid}/alerts",
            json={"instruction": a.instruction},
            expect=(201,),
        ).json()
        self.result.alerts[a.key] = aid = int(draft["id"])
        alert = self._approve_publish(step, aid, a.approver)
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.alert",
                id=aid,
                event=alert["event"],
                severity=alert["severity"],
                area=alert["area_description"],
                people=self._.number(alert["population"]),
                approver=a.approver,
                cap=alert["messages"][-1]["identifier"],
            ),
        )

    def update_alert(self, step: Step, a: UpdateAlert) -> None:
        aid = self.result.alerts[a.key]
        cur = self.call(step.actor, "GET", f"/alerts/{aid}").json()
        body = {
            k: cur[k]
            for k in (
                "event",
                "category",
                "urgency",
                "severity",
                "certainty",
                "area",
                "expires",
                "scope",
                "status",
                "incident_id",
            )
        }
        body["instruction"] = a.instruction
        # an update is a new message: it lasts as long from now as the first one did
        now = self.server_now or datetime.now(UTC)
        if datetime.fromisoformat(cur["expires"]) <= now + ALERT_UPDATE_LIFETIME:
            body["expires"] = (now + ALERT_UPDATE_LIFETIME).isoformat()
        body["infos"] = [
            info | {"description": f"{info['description']} {a.note}".strip()}
            for info in cur["infos"]
        ]
        self.call(step.actor, "PUT", f"/alerts/{aid}", json=body, expect=(200,))
        alert = self._approve_publish(step, aid, a.approver)
        m = alert["messages"][-1]
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.alertUpdated",
                id=aid,
                type=m["msg_type"],
                cap=m["identifier"],
                instruction=a.instruction.replace("_", " "),
            ),
        )

    def cancel_alert(self, step: Step, a: CancelAlert) -> None:
        aid = self.result.alerts[a.key]
        alert = self.call(step.actor, "POST", f"/alerts/{aid}/cancel", expect=(200,)).json()
        m = alert["messages"][-1]
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.alertCancelled",
                id=aid,
                type=m["msg_type"],
                cap=m["identifier"],
                n=len(alert["messages"]) - 1,
            ),
        )

    def order_evacuation(self, step: Step, a: OrderEvacuation) -> None:
        ids = [
            s.id for s in geodata.settlements() if s.name in a.settlements and s.region == "RU-BEL"
        ]
        lon, lat = a.assembly.lonlat()
        order = self.call(
            step.actor,
            "POST",
            "/evacuation-orders",
            json={
                "area": {"kind": "settlements", "settlement_ids": ids},
                "kind": a.kind,
                "incident_id": self.incident_id(a.incident),
                "alert_id": self.result.alerts[a.alert],
                "assembly_points": [{"name": a.assembly.describe(), "lon": lon, "lat": lat}],
            },
            expect=(201,),
        ).json()
        self.result.evacuations[a.key] = int(order["id"])
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.evacuation",
                id=order["id"],
                kind=a.kind,
                area=order["description"],
                people=self._.number(order["to_move"]),
            ),
        )

    def progress_evacuation(self, step: Step, a: ProgressEvacuation) -> None:
        oid = self.result.evacuations[a.key]
        body: dict[str, Any] = {}
        if a.state is not None:
            body["state"] = a.state
        if a.moved is not None:
            cur = next(
                o
                for o in self.call(step.actor, "GET", "/evacuation-orders").json()
                if o["id"] == oid
            )
            body["moved"] = round(cur["to_move"] * a.moved)
        order = self.call(step.actor, "PATCH", f"/evacuation-orders/{oid}", json=body).json()
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.evacuationProgress",
                id=oid,
                state=order["state"],
                moved=self._.number(order["moved"]),
                remaining=self._.number(order["remaining"]),
            ),
        )

    def shelter_evacuees(self, step: Step, a: ShelterEvacuees) -> None:
        place = next(
            s for s in geodata.settlements() if s.name == a.settlement and s.region == "RU-BEL"
        )
        left = a.people
        placed = []
        while left > 0:
            options = self.call(step.actor, "GET", f"/settlements/{place.id}/shelters").json()
            if not options["options"]:
                raise ReplayError(f"no shelter has room for the people of {a.settlement}")
            best = options["options"][0]["shelter"]
            n = min(left, int(best["room"]))
            self.call(
                step.actor,
                "POST",
                f"/shelters/{best['id']}/check-in",
                json={"people": n},
                expect=(200,),
            )
            placed.append(self._("cli.replay.placed", n=self._.number(n), shelter=best["name"]))
            left -= n
        line = self._("cli.replay.sheltered", settlement=a.settlement, placed="; ".join(placed))
        self.say(step, step.actor, line)

    def create_task(self, step: Step, a: CreateTask) -> None:
        iid = self.incident_id(a.incident)
        body: dict[str, Any] = {
            "title": a.title,
            "description": a.description,
            "required_powers": list(a.powers),
            "required_capabilities": list(a.capabilities),
            "priority": a.priority,
        }
        if a.place is not None:
            lon, lat = a.place.lonlat()
            body["position"] = {"lon": lon, "lat": lat}
        reply = self.call(step.actor, "POST", f"/incidents/{iid}/tasks", json=body, expect=(201,))
        tid = int(reply.json()["id"])
        self.result.tasks[a.key] = tid
        needs = ", ".join(a.powers + a.capabilities) or self._("cli.replay.nothing")
        line = self._("cli.replay.task", id=tid, priority=a.priority, title=a.title, needs=needs)
        self.say(step, step.actor, line)

    def recommendations(self, actor: str, tid: int) -> dict[str, Any]:
        data: dict[str, Any] = self.call(
            actor,
            "GET",
            f"/tasks/{tid}/recommendations",
            params={"limit": 100, "radius_km": 40},
        ).json()
        return data

    def assign(self, step: Step, a: Assign) -> None:
        tid = self.task_id(a.task)
        rec = self.recommendations(step.actor, tid)
        for pick in a.prefer:
            ranked = next((r for r in rec["ranked"] if pick.fits(r["unit"], self.kinds)), None)
            if ranked is not None:
                break
        else:
            wanted = " or ".join(p.describe() for p in a.prefer)
            raise ReplayError(
                f"{self.clock(step)} no eligible unit of {wanted} for task {tid} "
                f"({rec['eligible_count']} eligible units in all)"
            )
        unit = ranked["unit"]
        self.call(step.actor, "POST", f"/tasks/{tid}/assign", json={"unit_id": unit["id"]})
        self.result.task_units[a.task] = int(unit["id"])
        self.result.responders[a.task] = pick.responder
        grants = "; ".join(f"{p}: {g}" for p, g in ranked["granted_powers"].items() if g)
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.assigned",
                id=tid,
                code=unit["code"],
                name=unit["name"],
                rank=ranked["rank"],
                n=rec["eligible_count"],
                eta=f"{ranked['eta_minutes']:g}",
                grants=f"; {grants}" if grants else "",
            ),
        )

    def refused_assign(self, step: Step, a: RefusedAssign) -> None:
        tid = self.task_id(a.task)
        rec = self.recommendations(step.actor, tid)
        candidates = [
            n
            for n in rec["ineligible_nearby"]
            if self.kinds.get(n["unit"]["agency_id"]) == a.agency_kind
            and any(r["code"] == "missing_power" for r in n["reasons"])
        ]
        if not candidates:
            raise ReplayError(f"no {a.agency_kind} unit near task {tid} to ask for it")
        # prefer a unit whose only problem is the law
        candidates.sort(key=lambda n: any(r["code"] != "missing_power" for r in n["reasons"]))
        unit = candidates[0]["unit"]
        uid = int(unit["id"])
        before = str(self.call(step.actor, "GET", f"/units/{uid}").json()["status"])
        reply = self.call(
            step.actor, "POST", f"/tasks/{tid}/assign", json={"unit_id": uid}, expect=(409,)
        )
        problem = reply.json()
        if not str(problem.get("type", "")).endswith("unit-not-eligible"):
            raise ReplayError(f"task {tid}: expected unit-not-eligible", problem)
        after = str(self.call(step.actor, "GET", f"/units/{uid}").json()["status"])
        self.result.refusals.append(Refusal(tid, uid, str(unit["code"]), before, after, problem))
        self.say(
            step,
            step.actor,
            self._("cli.replay.refused", id=tid, code=unit["code"], type=problem["type"]),
        )
        for missing in problem.get("missing_powers", []):
            self.say(
                step,
                "",
                self._(
                    "cli.replay.missingPower",
                    power=missing["power"],
                    label=missing["label"],
                    reasons="; ".join(missing["reasons"]),
                ),
            )
        self.say(
            step, "", self._("cli.replay.statusKept", code=unit["code"], before=before, after=after)
        )
        if before != after:
            raise ReplayError(f"the refused assignment changed {unit['code']}'s status")

    def responder(self, task: str) -> str:
        return self.result.responders[task]

    def where_now(
        self, actor: str, uid: int, task: dict[str, Any], a: Respond
    ) -> tuple[float, float] | None:
        """The position a unit reports (automatic vehicle location) after the move: half
        way from where it is when en route, the task's place on scene, its home base when
        released as available; None when it reports none."""
        place = (float(task["position"]["lon"]), float(task["position"]["lat"]))
        if a.move == "on_scene":
            return place
        if a.move == "en_route" or (a.move == "released" and a.release_to == "available"):
            unit = self.call(actor, "GET", f"/units/{uid}").json()
            home = (float(unit["home"]["lon"]), float(unit["home"]["lat"]))
            if a.move == "released":
                return home
            here = unit["position"] or unit["home"]
            lon, lat = float(here["lon"]), float(here["lat"])
            return (round((lon + place[0]) / 2, 5), round((lat + place[1]) / 2, 5))
        return None

    def respond(self, step: Step, a: Respond) -> None:
        tid = self.task_id(a.task)
        actor = self.responder(a.task) if step.actor == RESPONDER else step.actor
        uid = self.result.task_units[a.task]
        if a.move == "accept":
            reply = self.call(actor, "POST", f"/tasks/{tid}/accept", json={"note": a.note})
        else:
            body: dict[str, Any] = {"status": a.move, "note": a.note}
            if a.move == "released":
                body["release_to"] = a.release_to
            reply = self.call(actor, "POST", f"/tasks/{tid}/status", json=body)
        task = reply.json()
        unit = task["unit"] or {}
        extra = ""
        where = self.where_now(actor, uid, task, a)
        if where is not None:
            lon, lat = where
            self.call(
                actor,
                "POST",
                f"/units/{uid}/positions",
                json={"lon": lon, "lat": lat, "source": "replay"},
            )
            extra = self._("cli.replay.position", lon=f"{lon:.4f}", lat=f"{lat:.4f}")
        self.say(
            step,
            actor,
            self._(
                "cli.replay.step",
                id=tid,
                status=task["status"],
                unit=unit.get("code", uid),
                unit_status=unit.get("status", "?"),
                extra=extra,
                note=f": {a.note}" if a.note else "",
            ),
        )

    def cancel_task(self, step: Step, a: CancelTask) -> None:
        tid = self.task_id(a.task)
        reply = self.call(step.actor, "POST", f"/tasks/{tid}/cancel", json={"reason": a.reason})
        status = reply.json()["status"]
        self.say(
            step, step.actor, self._("cli.replay.cancel", id=tid, status=status, reason=a.reason)
        )

    def casualties(self, step: Step, a: Casualties) -> None:
        iid = self.incident_id(a.incident)
        reply = self.call(
            step.actor,
            "POST",
            f"/incidents/{iid}/casualties",
            json={"counts": dict(a.counts), "source": a.source, "note": a.note},
            expect=(201,),
        )
        summary = reply.json()["totals"]["summary"]
        line = self._("cli.replay.casualties", id=iid, source=a.source, summary=summary)
        self.say(step, step.actor, line)

    def sitreps(self, step: Step, a: Sitreps) -> None:
        for key in a.incidents:
            iid = self.incident_id(key)
            s = self.call(step.actor, "GET", f"/sitreps/incidents/{iid}").json()
            self.result.sitreps[key] = s
            inc = s["incident"]
            lead = s["command"]["lead"]
            deployed = ", ".join(
                f"{d['agency_code']} {d['unit_count']}" for d in s["units_deployed"]
            )
            self.say(
                step,
                step.actor,
                self._(
                    "cli.replay.sitrep",
                    id=iid,
                    name=inc["name"],
                    state=inc["state"],
                    lead=lead["code"] if lead else "-",
                    reports=s["reports_total"],
                    entries=len(s["what_happened"]),
                    casualties=s["casualties"]["summary"],
                    deployed=deployed or "-",
                    n=self._.number(s["affected"]["settlement_count"]),
                    people=self._.number(s["affected"]["population"]),
                ),
            )
        r = self.call(step.actor, "GET", f"/sitreps/regions/{a.region}").json()
        self.result.sitreps[a.region] = r
        figures = ", ".join(f"{k} {v}" for k, v in sorted(r["casualties"].items()) if v)
        self.say(
            step,
            step.actor,
            self._(
                "cli.replay.regionSitrep",
                region=a.region,
                name=r["region_name"],
                incidents=r["incident_count"],
                casualties=figures or self._("cli.replay.none"),
                units=sum(d["unit_count"] for d in r["units_deployed"]),
                tasks=r["open_tasks"],
            ),
        )


def run_replay(
    base_url: str,
    *,
    speed: float | None = DEFAULT_SPEED,
    out: Callable[[str], None] = print,
    password: str = DEMO_PASSWORD,
    script: Sequence[Step] = RAID,
    client: httpx.Client | None = None,
    words: Catalogue | None = None,
) -> ReplayResult:
    """Play ``script`` against the server at ``base_url``; ``speed`` scenario seconds
    per real second, or None for as fast as the server answers. ``words``: the language
    of the messages around the run (the command line's; default English).

    Raises :class:`ReplayError` on the first unexpected reply."""
    _ = words or catalogue(None)
    own = client is None
    http = client or httpx.Client(base_url=base_url.rstrip("/"), timeout=60.0)
    try:
        try:
            config = http.get(API + "/config")
        except httpx.HTTPError as exc:
            raise ReplayError(f"cannot reach {base_url}: {exc}") from exc
        if config.status_code != 200:
            raise ReplayError(f"GET {API}/config -> HTTP {config.status_code}", _problem(config))
        tz = ZoneInfo(str(config.json()["hq_timezone"]))
        start = scenario_start(datetime.now(UTC), tz)
        runner = _Runner(http, password=password, out=out, start=start, tz=tz, words=_)
        runner.prepare()
        drive = runner.scenario_clock(start)
        pace = _("cli.replay.asFast") if speed is None else f"x{speed:g}"
        stamps = _("cli.replay.onClock") if drive else _("cli.replay.offClock")
        day = f"{start.astimezone(tz):%Y-%m-%d}"
        out(_("cli.replay.start", url=base_url, pace=pace, day=day, zone=tz.key, stamps=stamps))
        out(_("cli.replay.feed", url=f"{base_url.rstrip('/')}{FEED_PATH}"))
        began = time.monotonic()
        try:
            for step in script:
                if speed is not None:
                    due = began + step.at.total_seconds() / speed
                    pause = due - time.monotonic()
                    if pause > 0:
                        time.sleep(pause)
                if drive:
                    runner.set_clock(start + step.at)
                    runner.server_now = start + step.at
                runner.run(step)
        except BaseException:
            if drive:  # never leave the server standing in the past
                with contextlib.suppress(ReplayError):
                    runner.release_clock()
            raise
        if drive:
            runner.release_clock()
        out(_("cli.replay.finished", seconds=_.number(time.monotonic() - began, 1)))
        return runner.result
    finally:
        if own:
            http.close()
