"""The ports of the service layer: what a handler needs from a store, and the rows that
cross it. The adapters (``adapters/db/``) implement them; services import nothing from the
adapters (``tests/unit/test_layering.py``), and unit tests of handlers pass a fake unit of
work (``tests/unit/fake_uow.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

from marchwarden.core.incidents.model import IncidentState

if TYPE_CHECKING:
    from datetime import datetime

    from marchwarden.core.access.model import User
    from marchwarden.core.authority.model import ActivationOrder
    from marchwarden.core.dispatch.model import TaskRequirements
    from marchwarden.core.dispatch.tasking import TaskPriority
    from marchwarden.core.incidents.decisions import Located, Opening
    from marchwarden.core.incidents.model import (
        AdmiraltyRating,
        LonLat,
        ReportSourceKind,
        Severity,
    )
    from marchwarden.core.incidents.place import IncidentPlace
    from marchwarden.core.incidents.records import AffectedSettlement, Report
    from marchwarden.core.incidents.taxonomy import IncidentType


class RetryJob(Exception):
    """Raised by a group-commit job that lost a race it resolves by running again (e.g. a
    key inserted meanwhile by another process's transaction)."""


# --------------------------------------------------------------------------- rows


@dataclass(frozen=True, slots=True)
class StoredReply:
    request_hash: str
    status_code: int
    response: dict[str, Any]
    created_at: datetime


#: report list orders: (column, descending) pairs, the id last so that the key is unique
REPORT_ORDERS: dict[str, tuple[tuple[str, bool], ...]] = {
    "id": (("id", False),),
    # newest observed first
    "newest": (("observed_at", True), ("id", True)),
    # the source's reliability (A best), then the information's credibility (1 best)
    "reliability": (
        ("reliability", False),
        ("credibility", False),
        ("observed_at", True),
        ("id", True),
    ),
    # waiting longest first
    "received": (("received_at", False), ("id", False)),
}


def report_order_key(order: str, report: Report) -> tuple[Any, ...]:
    """The values ``order`` sorts ``report`` by (what ``find(after_key=...)`` takes)."""
    values = {
        "id": report.id,
        "observed_at": report.observed_at,
        "received_at": report.received_at,
        "reliability": report.rating.reliability.value,
        "credibility": int(report.rating.credibility.value),
    }
    return tuple(values[name] for name, _ in REPORT_ORDERS[order])


@dataclass(frozen=True, slots=True)
class NewReportRow:
    """A report to store (``services/reports.py: NewReport`` is this, as submitted, with
    its idempotency hash; the region is filled in from the position)."""

    source_kind: ReportSourceKind
    observed_at: datetime
    position: LonLat
    uncertainty_m: float
    incident_type: IncidentType
    text: str
    rating: AdmiraltyRating
    reporter: str
    region: str | None = None


@dataclass(frozen=True, slots=True)
class NewIncidentRow:
    name: str
    description: str
    incident_type: IncidentType
    severity: Severity
    state: IncidentState
    region: str | None
    place: IncidentPlace
    radius_km: float
    affected: tuple[AffectedSettlement, ...]
    affected_population: int
    lead_agency_id: int | None
    supporting_agency_ids: tuple[int, ...]
    first_report_at: datetime | None
    opened_from_report_id: int | None

    @classmethod
    def of(
        cls,
        opening: Opening,
        spec: Any,
        where: Located,
        support: tuple[int, ...],
        from_report: Report | None,
    ) -> NewIncidentRow:
        """The row of an incident opened as decided (``core/incidents/decisions.py``);
        ``spec``: its description, severity and lead agency (``IncidentSpec``)."""
        return cls(
            name=opening.name,
            description=spec.description.strip(),
            incident_type=opening.incident_type,
            severity=spec.severity,
            state=IncidentState.REPORTED,
            region=where.region,
            place=opening.place,
            radius_km=opening.radius_km,
            affected=where.affected,
            affected_population=where.population,
            lead_agency_id=spec.lead_agency_id,
            supporting_agency_ids=support,
            first_report_at=from_report.observed_at if from_report else None,
            opened_from_report_id=from_report.id if from_report else None,
        )


@dataclass(frozen=True, slots=True)
class NewTaskRow:
    incident_id: int
    title: str
    description: str
    requirements: TaskRequirements
    position: LonLat
    priority: TaskPriority
    needed_by: datetime | None

    @classmethod
    def of(
        cls,
        incident_id: int,
        title: str,
        spec: Any,
        requirements: TaskRequirements,
        position: LonLat,
    ) -> NewTaskRow:
        """``spec``: the description, priority and deadline (``TaskSpec``)."""
        return cls(
            incident_id=incident_id,
            title=title,
            description=spec.description.strip(),
            requirements=requirements,
            position=position,
            priority=spec.priority,
            needed_by=spec.needed_by,
        )


@dataclass(frozen=True, slots=True)
class TokenRow:
    token_id: int
    user: User
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class StoredEvent:
    id: int
    at: datetime
    type: str
    payload: dict[str, Any]
    read_action: str
    resource: dict[str, Any]

    @cached_property
    def message_json(self) -> str:
        """The stream message ``{"id", "type", "at", "data"}`` as JSON text, made once
        per event however many subscribers it goes to."""
        return json.dumps(
            {"id": self.id, "type": self.type, "at": self.at.isoformat(), "data": self.payload},
            default=str,
        )


@dataclass(frozen=True, slots=True)
class StatusChange:
    at: datetime
    status: str
    previous: str | None
    by_user: str
    note: str


@dataclass(frozen=True, slots=True)
class Position:
    at: datetime
    lon: float
    lat: float
    source: str


@dataclass(frozen=True, slots=True)
class StoredOrder:
    id: int
    unit_id: int
    order: ActivationOrder
    issued_by: str
    issued_at: datetime
