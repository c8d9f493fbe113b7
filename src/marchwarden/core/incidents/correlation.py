"""Correlating a new report with open incidents, and flagging duplicate reports.

**Matching.** A report may belong to an incident when all of these hold:

- the incident is open (not closed, not rejected);
- their types are compatible (``taxonomy.are_compatible``: the same type, or types of a
  common family — a gunfire report may belong to a cross-border incursion);
- the report is at most ``max_distance_km`` from the incident — from its position or
  from the nearest of its reports' positions, since an incursion moves;
- the report's time is within ``time_window`` of the incident's reporting period
  ``[first_report_at, last_report_at]``: the gap is 0 inside the period, else the time
  before the first or after the last report. A report that arrives late (poor
  connectivity) but was observed during the period still matches.

Both limits are inclusive. Matches are scored in [0, 1]::

    score = 0.45 x (1 - distance / max_distance)
          + 0.35 x (1 - gap / window)
          + 0.20 x (1 if the same type, 0.5 if only compatible)

and ranked by score (highest first), then distance, then incident id. Each match says
why in words ("3.2 km from incident 'Grayvoron raid'", "40 min after its last report",
"compatible type: gunfire ~ cross-border incursion"); each incident not matched says
every reason it was not.

**Duplicates.** A report is a likely duplicate of an earlier one when they have the same
type, are at most ``duplicate_distance_km`` apart and ``duplicate_window`` apart in time
(either way), and their texts are similar: token Jaccard similarity (casefolded
``\\w+`` tokens) of at least ``duplicate_text_similarity``. Two texts without any token
have similarity 0, so empty reports are never flagged on text alone. A flag is advice to
the duty officer; nothing is merged or dropped here.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from marchwarden.core.clock import ensure_utc
from marchwarden.core.geo.distance import haversine_km
from marchwarden.core.incidents.errors import InvalidCorrelationSettings, InvalidReportingPeriod
from marchwarden.core.incidents.model import IncidentState, LonLat, check_position
from marchwarden.core.incidents.taxonomy import IncidentType, are_compatible

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

SPATIAL_WEIGHT = 0.45
TEMPORAL_WEIGHT = 0.35
TYPE_WEIGHT = 0.20
COMPATIBLE_TYPE_SCORE = 0.5


@dataclass(frozen=True, slots=True)
class CorrelationSettings:
    max_distance_km: float = 10.0
    time_window: timedelta = timedelta(hours=6)
    duplicate_distance_km: float = 1.0
    duplicate_window: timedelta = timedelta(minutes=30)
    duplicate_text_similarity: float = 0.5

    def __post_init__(self) -> None:
        def bad(message: str) -> InvalidCorrelationSettings:
            return InvalidCorrelationSettings(f"correlation settings: {message}")

        if not (math.isfinite(self.max_distance_km) and self.max_distance_km > 0):
            raise bad(f"max_distance_km must be a positive number, got {self.max_distance_km}")
        if self.time_window <= timedelta(0):
            raise bad(f"time_window must be positive, got {self.time_window}")
        if not (math.isfinite(self.duplicate_distance_km) and self.duplicate_distance_km >= 0):
            raise bad(
                "duplicate_distance_km must be a non-negative number, "
                f"got {self.duplicate_distance_km}"
            )
        if self.duplicate_window < timedelta(0):
            raise bad(f"duplicate_window must not be negative, got {self.duplicate_window}")
        if not 0 < self.duplicate_text_similarity <= 1:
            raise bad(
                f"duplicate_text_similarity must be in (0, 1], got {self.duplicate_text_similarity}"
            )


@dataclass(frozen=True, slots=True)
class ReportSummary:
    """What correlation needs to know about a report (the new one or an earlier one)."""

    report_id: int
    incident_type: IncidentType
    position: LonLat
    observed_at: datetime
    text: str = ""
    incident_id: int | None = None
    """The incident an earlier report was attached to, if any."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", check_position(self.position, "report position"))
        object.__setattr__(self, "observed_at", ensure_utc(self.observed_at))


@dataclass(frozen=True, slots=True)
class IncidentSummary:
    """What correlation needs to know about an incident."""

    incident_id: int
    name: str
    incident_type: IncidentType
    state: IncidentState
    position: LonLat
    first_report_at: datetime
    last_report_at: datetime
    report_positions: tuple[LonLat, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "position", check_position(self.position, "incident position"))
        object.__setattr__(
            self,
            "report_positions",
            tuple(check_position(p, "incident report position") for p in self.report_positions),
        )
        first = ensure_utc(self.first_report_at)
        last = ensure_utc(self.last_report_at)
        if last < first:
            raise InvalidReportingPeriod.said(
                "incident.incident_last_report_before",
                "incident {incident_id}: last_report_at is before first_report_at",
                incident_id=self.incident_id,
            )
        object.__setattr__(self, "first_report_at", first)
        object.__setattr__(self, "last_report_at", last)


@dataclass(frozen=True, slots=True)
class CodedReason:
    """One reason of a match, a miss or a duplicate with a stable ``code`` and what it
    says (``params``), beside its English sentence, for a reader in another language.

    Codes: ``distance`` (km, incident), ``before_first_report`` / ``after_last_report``
    (gap_seconds), ``during_reporting``, ``same_type`` (type), ``compatible_type`` (type,
    incident_type), ``incident_closed`` (incident, state), ``type_incompatible`` (type,
    incident_type), ``too_far`` (km, incident, limit_km), ``outside_window`` (relation:
    before / after, gap_seconds, window_seconds), ``distance_from_report`` (km, report),
    ``after_report`` / ``before_report`` / ``same_time_as_report`` (gap_seconds, report),
    ``text_similar`` (percent)."""

    code: str
    params: tuple[tuple[str, str], ...] = ()


def _coded(code: str, **params: object) -> CodedReason:
    return CodedReason(code, tuple((k, str(v)) for k, v in params.items()))


@dataclass(frozen=True, slots=True)
class IncidentMatch:
    incident_id: int
    incident_name: str
    score: float
    distance_km: float
    time_gap: timedelta
    same_type: bool
    reasons: tuple[str, ...]
    coded_reasons: tuple[CodedReason, ...] = ()

    def describe(self) -> str:
        return ", ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class IncidentMiss:
    """An incident considered and not matched, with every reason."""

    incident_id: int
    incident_name: str
    distance_km: float
    reasons: tuple[str, ...]
    coded_reasons: tuple[CodedReason, ...] = ()

    def describe(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class DuplicateFlag:
    report_id: int
    """The earlier report the new one likely duplicates."""
    incident_id: int | None
    similarity: float
    distance_km: float
    time_gap: timedelta
    reasons: tuple[str, ...]
    coded_reasons: tuple[CodedReason, ...] = ()

    def describe(self) -> str:
        return ", ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class CorrelationResult:
    matches: tuple[IncidentMatch, ...]
    misses: tuple[IncidentMiss, ...]
    duplicates: tuple[DuplicateFlag, ...]

    @property
    def best(self) -> IncidentMatch | None:
        return self.matches[0] if self.matches else None

    @property
    def is_likely_duplicate(self) -> bool:
        return bool(self.duplicates)


# --------------------------------------------------------------------------- wording


def format_duration(delta: timedelta) -> str:
    """``"45 s"``, ``"40 min"``, ``"2 h 5 min"``, ``"1 d 3 h"`` (absolute value)."""
    seconds = round(abs(delta.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def _limit_km(value: float) -> str:
    return f"{value:g} km"


# --------------------------------------------------------------------------- matching


def _distance_to_incident(report: ReportSummary, incident: IncidentSummary) -> float:
    lon, lat = report.position
    return min(
        haversine_km(lon, lat, p[0], p[1]) for p in (incident.position, *incident.report_positions)
    )


def _time_relation(
    report: ReportSummary, incident: IncidentSummary
) -> tuple[timedelta, str, CodedReason]:
    at = report.observed_at
    if at < incident.first_report_at:
        gap = incident.first_report_at - at
        seconds = round(gap.total_seconds())
        text = f"{format_duration(gap)} before its first report"
        return gap, text, _coded("before_first_report", gap_seconds=seconds)
    if at > incident.last_report_at:
        gap = at - incident.last_report_at
        seconds = round(gap.total_seconds())
        text = f"{format_duration(gap)} after its last report"
        return gap, text, _coded("after_last_report", gap_seconds=seconds)
    return timedelta(0), "during its reporting period", _coded("during_reporting")


def _type_phrase(report_type: IncidentType, incident_type: IncidentType) -> tuple[str, CodedReason]:
    if report_type is incident_type:
        return f"same type: {report_type.label.lower()}", _coded("same_type", type=report_type)
    return (
        f"compatible type: {report_type.label.lower()} ~ {incident_type.label.lower()}",
        _coded("compatible_type", type=report_type, incident_type=incident_type),
    )


def match_incidents(
    report: ReportSummary,
    incidents: Iterable[IncidentSummary],
    settings: CorrelationSettings | None = None,
) -> tuple[tuple[IncidentMatch, ...], tuple[IncidentMiss, ...]]:
    """Open incidents this report may belong to (best first), and those it may not."""
    settings = settings or CorrelationSettings()
    window_s = settings.time_window.total_seconds()
    matches: list[IncidentMatch] = []
    misses: list[IncidentMiss] = []
    for incident in incidents:
        distance = _distance_to_incident(report, incident)
        gap, when, when_coded = _time_relation(report, incident)
        compatible = are_compatible(report.incident_type, incident.incident_type)
        name = incident.name
        failures: list[str] = []
        coded: list[CodedReason] = []
        if not incident.state.is_open:
            failures.append(f"incident '{name}' is {incident.state.value}")
            coded.append(_coded("incident_closed", incident=name, state=incident.state))
        if not compatible:
            failures.append(
                f"type {report.incident_type.label.lower()} is not compatible with "
                f"{incident.incident_type.label.lower()}"
            )
            coded.append(
                _coded(
                    "type_incompatible",
                    type=report.incident_type,
                    incident_type=incident.incident_type,
                )
            )
        if distance > settings.max_distance_km:
            failures.append(
                f"{distance:.2f} km from incident '{name}', beyond the "
                f"{_limit_km(settings.max_distance_km)} limit"
            )
            coded.append(
                _coded(
                    "too_far",
                    km=f"{distance:.2f}",
                    incident=name,
                    limit_km=f"{settings.max_distance_km:g}",
                )
            )
        if gap > settings.time_window:
            failures.append(f"{when}, beyond the {format_duration(settings.time_window)} window")
            coded.append(
                _coded(
                    "outside_window",
                    relation="before" if when_coded.code == "before_first_report" else "after",
                    gap_seconds=round(gap.total_seconds()),
                    window_seconds=round(settings.time_window.total_seconds()),
                )
            )
        if failures:
            misses.append(
                IncidentMiss(incident.incident_id, name, distance, tuple(failures), tuple(coded))
            )
            continue
        same_type = report.incident_type is incident.incident_type
        score = (
            SPATIAL_WEIGHT * (1.0 - distance / settings.max_distance_km)
            + TEMPORAL_WEIGHT * (1.0 - gap.total_seconds() / window_s)
            + TYPE_WEIGHT * (1.0 if same_type else COMPATIBLE_TYPE_SCORE)
        )
        kind, kind_coded = _type_phrase(report.incident_type, incident.incident_type)
        reasons = (f"{distance:.1f} km from incident '{name}'", when, kind)
        coded_reasons = (
            _coded("distance", km=f"{distance:.1f}", incident=name),
            when_coded,
            kind_coded,
        )
        matches.append(
            IncidentMatch(
                incident.incident_id,
                name,
                round(score, 4),
                distance,
                gap,
                same_type,
                reasons,
                coded_reasons,
            )
        )
    matches.sort(key=lambda m: (-m.score, m.distance_km, m.incident_id))
    misses.sort(key=lambda m: (m.distance_km, m.incident_id))
    return tuple(matches), tuple(misses)


# --------------------------------------------------------------------------- duplicates

_TOKEN_RE = re.compile(r"\w+")


def tokens(text: str) -> frozenset[str]:
    return frozenset(_TOKEN_RE.findall(text.casefold()))


def text_similarity(a: str, b: str) -> float:
    """Token Jaccard similarity in [0, 1]; 0 when neither text has a token."""
    ta, tb = tokens(a), tokens(b)
    union = ta | tb
    if not union:
        return 0.0
    return len(ta & tb) / len(union)


def find_duplicates(
    report: ReportSummary,
    earlier_reports: Iterable[ReportSummary],
    settings: CorrelationSettings | None = None,
) -> tuple[DuplicateFlag, ...]:
    """Earlier reports this one likely duplicates, most similar first."""
    settings = settings or CorrelationSettings()
    lon, lat = report.position
    report_tokens = tokens(report.text)
    flags: list[DuplicateFlag] = []
    for other in earlier_reports:
        if other.report_id == report.report_id or other.incident_type is not report.incident_type:
            continue
        signed_gap = report.observed_at - other.observed_at
        gap = abs(signed_gap)
        if gap > settings.duplicate_window:
            continue
        distance = haversine_km(lon, lat, other.position[0], other.position[1])
        if distance > settings.duplicate_distance_km:
            continue
        other_tokens = tokens(other.text)
        union = report_tokens | other_tokens
        similarity = len(report_tokens & other_tokens) / len(union) if union else 0.0
        if similarity < settings.duplicate_text_similarity:
            continue
        if signed_gap > timedelta(0):
            when = f"{format_duration(gap)} after report {other.report_id}"
            relation = "after_report"
        elif signed_gap < timedelta(0):
            when = f"{format_duration(gap)} before report {other.report_id}"
            relation = "before_report"
        else:
            when = f"at the same time as report {other.report_id}"
            relation = "same_time_as_report"
        reasons = (
            f"same type: {report.incident_type.label.lower()}",
            f"{distance:.2f} km from report {other.report_id}",
            when,
            f"text {similarity:.0%} similar",
        )
        coded = (
            _coded("same_type", type=report.incident_type),
            _coded("distance_from_report", km=f"{distance:.2f}", report=other.report_id),
            _coded(relation, gap_seconds=round(gap.total_seconds()), report=other.report_id),
            _coded("text_similar", percent=f"{similarity:.0%}".rstrip("%")),
        )
        flags.append(
            DuplicateFlag(
                other.report_id,
                other.incident_id,
                round(similarity, 4),
                distance,
                gap,
                reasons,
                coded,
            )
        )
    flags.sort(key=lambda f: (-f.similarity, f.distance_km, f.time_gap, f.report_id))
    return tuple(flags)


def correlate(
    report: ReportSummary,
    incidents: Iterable[IncidentSummary],
    earlier_reports: Iterable[ReportSummary] = (),
    settings: CorrelationSettings | None = None,
) -> CorrelationResult:
    """Match ``report`` to incidents and flag it if it duplicates an earlier report."""
    settings = settings or CorrelationSettings()
    matches, misses = match_incidents(report, incidents, settings)
    duplicates = find_duplicates(report, earlier_reports, settings)
    return CorrelationResult(matches, misses, duplicates)
