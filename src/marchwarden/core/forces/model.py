"""The forces registry: agencies, the tree of units, members and their records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from marchwarden.core.access.model import Resource
from marchwarden.core.errors import Invalid
from marchwarden.core.forces.status import UnitStatus

AGENCY_KINDS: tuple[str, ...] = (
    "army",
    "border_service",
    "national_guard",
    "police",
    "emergency_service",
    "volunteer_self_defence",
    "other",
)

#: readiness levels, higher is more ready (cf. ICS resource typing, inverted scale)
READINESS_LEVELS: dict[int, str] = {
    1: "not ready",
    2: "limited",
    3: "ready",
    4: "fully ready",
}

#: how many positions of one unit are kept (automatic vehicle location history)
POSITION_HISTORY_LIMIT = 500


@dataclass(frozen=True, slots=True)
class Agency:
    id: int
    code: str
    name: str
    kind: str
    region: str | None


@dataclass(frozen=True, slots=True)
class Unit:
    id: int
    code: str
    name: str
    agency_id: int
    agency_kind: str
    parent_id: int | None
    path: str
    category: str
    region: str
    home_lon: float
    home_lat: float
    capabilities: tuple[str, ...]
    readiness: int
    status: UnitStatus
    status_since: datetime
    declared_strength: int | None = None
    position_lon: float | None = None
    position_lat: float | None = None
    position_at: datetime | None = None
    #: registered members of the unit and its sub-units (None when not counted)
    registered_members: int | None = None

    @property
    def strength(self) -> int | None:
        """Derived from registered members where there are any, else the declared strength."""
        if self.registered_members:
            return self.registered_members
        return self.declared_strength

    @property
    def depth(self) -> int:
        return self.path.strip("/").count("/")

    def resource(self) -> Resource:
        return unit_resource(self.region, self.agency_id, self.path)


def unit_resource(region: str, agency_id: int, path: str, kind: str = "unit") -> Resource:
    return Resource(
        kind, region=region, agencies=frozenset({agency_id}), unit_paths=frozenset({path})
    )


@dataclass(frozen=True, slots=True)
class Training:
    programme: str
    completed_on: date
    hours: float = 0.0


@dataclass(frozen=True, slots=True)
class Qualification:
    kind: str
    issued_on: date
    expires_on: date | None = None

    def valid_on(self, day: date) -> bool:
        """Held on ``day``: issued on or before it, expiring after it (expiry exclusive)."""
        return self.issued_on <= day and (self.expires_on is None or day < self.expires_on)


@dataclass(frozen=True, slots=True)
class Fitness:
    examined_on: date
    valid_until: date | None
    fit: bool = True


@dataclass(frozen=True, slots=True)
class PersonalData:
    given_name: str
    family_name: str
    date_of_birth: date | None
    phone: str


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    external_id: str
    unit_id: int
    callsign: str
    personal: PersonalData
    trainings: tuple[Training, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    fitness: tuple[Fitness, ...] = ()


@dataclass(frozen=True, slots=True)
class MemberRecord:
    """What a member is made of, without ids: the unit of the roster import."""

    external_id: str
    unit_code: str
    callsign: str
    personal: PersonalData
    trainings: tuple[Training, ...] = ()
    qualifications: tuple[Qualification, ...] = ()
    fitness: tuple[Fitness, ...] = ()

    def normalised(self) -> MemberRecord:
        """Records sorted, so that equal rosters compare equal whatever their order."""
        return MemberRecord(
            external_id=self.external_id,
            unit_code=self.unit_code,
            callsign=self.callsign,
            personal=self.personal,
            trainings=tuple(
                sorted(self.trainings, key=lambda t: (t.programme, t.completed_on, t.hours))
            ),
            qualifications=tuple(
                sorted(
                    self.qualifications,
                    key=lambda q: (q.kind, q.issued_on, q.expires_on or date.max),
                )
            ),
            fitness=tuple(
                sorted(
                    self.fitness, key=lambda f: (f.examined_on, f.valid_until or date.max, f.fit)
                )
            ),
        )


@dataclass(frozen=True, slots=True)
class NewUnit:
    code: str
    name: str
    agency_id: int
    parent_id: int | None
    category: str
    region: str
    home_lon: float
    home_lat: float
    capabilities: tuple[str, ...] = ()
    readiness: int = 3
    status: UnitStatus = UnitStatus.AVAILABLE
    declared_strength: int | None = None


@dataclass(frozen=True, slots=True)
class UnitChanges:
    """Fields of a unit that may be edited (None = unchanged)."""

    name: str | None = None
    category: str | None = None
    home_lon: float | None = None
    home_lat: float | None = None
    capabilities: tuple[str, ...] | None = None
    readiness: int | None = None
    declared_strength: int | None = None
    changed: frozenset[str] = field(default=frozenset())


def check_agency_kind(kind: str) -> None:
    if kind not in AGENCY_KINDS:
        raise Invalid.said(
            "forces.agency_kind_one",
            "agency kind must be one of {known}; not {kind}",
            known=", ".join(AGENCY_KINDS),
            kind=repr(kind),
        )


def check_readiness(level: int) -> None:
    if level not in READINESS_LEVELS:
        raise Invalid.said(
            "forces.readiness_ready_fully_ready",
            "readiness must be 1 (not ready) to 4 (fully ready), not {level}",
            level=level,
        )


def check_point(lon: float, lat: float, what: str = "position") -> None:
    if not (-180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0):
        raise Invalid.said(
            "forces.longitude_latitude",
            "{what} must be longitude -180..180 and latitude -90..90",
            what=what,
        )


def child_path(parent_path: str | None, unit_id: int) -> str:
    return f"{parent_path or '/'}{unit_id}/"
