"""API schemas of field reports: submission, the verification queue, correlation, decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import AwareDatetime, Field

from marchwarden.core.incidents.correlation import CorrelationResult
from marchwarden.core.incidents.model import ReportSourceKind, Severity
from marchwarden.core.incidents.records import (
    Report,
    ReportStatus,
)
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.entrypoints.api.schemas.base import Note, Schema, Text
from marchwarden.entrypoints.api.schemas.incidents import IncidentOut
from marchwarden.entrypoints.api.schemas.places import GeometryIn, PointIn, PointOut
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services.reports import correlation_json


class ReportIn(Schema):
    source_kind: ReportSourceKind
    observed_at: AwareDatetime
    position: PointIn
    uncertainty_m: float = Field(
        default=0.0, ge=0, le=100_000, description="radius of the position's uncertainty"
    )
    incident_type: IncidentType
    text: Text = ""
    rating: str = Field(
        min_length=2,
        max_length=4,
        description="Admiralty code: source reliability A-F and information credibility 1-6",
        examples=["B2"],
    )
    reporter: str = Field(min_length=1, max_length=200, description="who observed it")


class ReportReceiptOut(Schema):
    """What the submitter gets; a retry with the same Idempotency-Key gets it again."""

    id: int
    status: ReportStatus
    received_at: datetime
    region: str | None
    source_kind: ReportSourceKind
    observed_at: datetime
    position: PointOut
    uncertainty_m: float
    incident_type: IncidentType
    rating: str
    reporter: str
    text: str


class CodedReasonOut(Schema):
    """A reason with a stable ``code`` and what it says (``params``), beside the English
    sentence in ``reasons`` at the same place (codes: ``core/incidents/correlation.py``'s
    ``CodedReason``)."""

    code: str
    params: dict[str, str]


class IncidentMatchOut(Schema):
    incident_id: int
    incident_name: str
    score: float
    distance_km: float
    time_gap_seconds: int
    same_type: bool
    reasons: list[str]
    #: the same reasons with their codes (empty for suggestions stored before they had them)
    coded_reasons: list[CodedReasonOut] = Field(default_factory=list)


class DuplicateOut(Schema):
    report_id: int
    incident_id: int | None
    similarity: float
    distance_km: float
    time_gap_seconds: int
    reasons: list[str]
    coded_reasons: list[CodedReasonOut] = Field(default_factory=list)


class MissOut(Schema):
    incident_id: int
    incident_name: str
    distance_km: float
    reasons: list[str]
    coded_reasons: list[CodedReasonOut] = Field(default_factory=list)


class SuggestionsOut(Schema):
    """Incidents the report may belong to (best first), likely duplicates, and the
    nearest open incidents it was not matched to, each with its reasons."""

    matches: list[IncidentMatchOut]
    duplicates: list[DuplicateOut]
    misses: list[MissOut]

    @classmethod
    def of(cls, data: dict[str, Any]) -> SuggestionsOut:
        return cls.model_validate(
            {
                "matches": data.get("matches", []),
                "duplicates": data.get("duplicates", []),
                "misses": data.get("misses", []),
            }
        )

    @classmethod
    def of_result(cls, result: CorrelationResult) -> SuggestionsOut:
        return cls.of(correlation_json(result))


class ClaimOut(Schema):
    by: str
    until: datetime
    active: bool
    seconds_left: int = Field(
        description="whole seconds until the claim runs out, by the server's clock when the "
        "reply was made (0 once it has run out): count down from this, not from ``until``, "
        "so that a client whose clock is off still shows the right time left"
    )

    @classmethod
    def of(cls, by: str, until: datetime, now: datetime) -> ClaimOut:
        left = max(0, int((until - now).total_seconds()))
        return cls(by=by, until=until, active=until > now, seconds_left=left)


class ReportOut(Schema):
    id: int
    status: ReportStatus
    source_kind: ReportSourceKind
    observed_at: datetime
    received_at: datetime
    position: PointOut
    uncertainty_m: float
    incident_type: IncidentType
    incident_type_label: str
    text: str
    rating: str
    rating_meaning: str
    reporter: str
    submitted_by: str
    region: str | None
    incident_id: int | None
    claim: ClaimOut | None
    decided_by: str | None
    decided_at: datetime | None
    decision_note: str
    likely_duplicate: bool
    suggestions: SuggestionsOut = Field(description="correlation when the report came in")

    @classmethod
    def of(cls, r: Report, now: datetime) -> ReportOut:
        claim = None
        if r.claimed_by is not None and r.claim_expires_at is not None:
            claim = ClaimOut.of(r.claimed_by, r.claim_expires_at, now)
        suggestions = SuggestionsOut.of(dict(r.correlation))
        return cls(
            id=r.id,
            status=r.status,
            source_kind=r.source_kind,
            observed_at=r.observed_at,
            received_at=r.received_at,
            position=PointOut(lon=r.position[0], lat=r.position[1]),
            uncertainty_m=r.uncertainty_m,
            incident_type=r.incident_type,
            incident_type_label=r.incident_type.label,
            text=r.text,
            rating=r.rating.code,
            rating_meaning=r.rating.describe(),
            reporter=r.reporter,
            submitted_by=r.submitted_by,
            region=r.region,
            incident_id=r.incident_id,
            claim=claim,
            decided_by=r.decided_by,
            decided_at=r.decided_at,
            decision_note=r.decision_note,
            likely_duplicate=bool(suggestions.duplicates),
            suggestions=suggestions,
        )


class ReportDetailOut(ReportOut):
    current_suggestions: SuggestionsOut | None = Field(
        description="correlation against the incidents and reports as they are now "
        "(pending reports only)"
    )


class ReportPage(Schema):
    items: list[ReportOut]
    next_after_id: int | None = Field(
        description="id order (no ``order``): pass as ``after_id`` for the next page"
    )
    next_cursor: str | None = Field(
        description="any order: pass as ``cursor`` (with the same ``order``) for the next page"
    )


class AttachIn(Schema):
    incident_id: Id
    note: Note = ""


class RejectIn(Schema):
    reason: str = Field(min_length=1, max_length=2000)


class OpenIncidentIn(Schema):
    """Open an incident from a claimed report; type and place default to the report's."""

    name: str = Field(min_length=1, max_length=200)
    incident_type: IncidentType | None = None
    severity: Severity = Severity.UNKNOWN
    place: GeometryIn | None = None
    radius_km: float | None = Field(default=None, ge=0, le=500)
    description: Text = ""
    lead_agency_id: Id | None = None
    supporting_agency_ids: list[Id] = Field(default_factory=list, max_length=50)
    note: Note = ""


class ReportDecisionOut(Schema):
    report: ReportOut
    incident: IncidentOut
