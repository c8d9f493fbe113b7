"""The decisions of unified command on incidents and reports: pure functions that enforce
the invariants and return the domain events (which carry their audit record and timeline
entry, ``core/incidents/events.py``). The services load, authorise, call these, save and
``uow.record`` the events.

The rules that live here, each in one function:

- a closed (or rejected) incident takes nothing more — no report, task, tasking or change
  of command: :func:`check_takes_more`;
- an incident with unfinished tasks cannot be closed or rejected: :func:`check_may_end`;
- the lead agency of an incident is not also one of its supporting agencies:
  :func:`check_command`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.incidents import events as ev
from marchwarden.core.incidents import lifecycle
from marchwarden.core.incidents.casualties import CasualtyCategory
from marchwarden.core.incidents.place import IncidentPlace

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable, Mapping, Sequence
    from datetime import datetime

    from marchwarden.core.incidents.casualties import CasualtyTotals, CasualtyUpdate
    from marchwarden.core.incidents.correlation import CorrelationResult
    from marchwarden.core.incidents.model import IncidentState, Severity
    from marchwarden.core.incidents.records import (
        AffectedSettlement,
        AgencyRef,
        Incident,
        Report,
    )
    from marchwarden.core.incidents.taxonomy import IncidentType


# --------------------------------------------------------------------------- the rules


#: what a closed incident's refusal ends with, by its code (``then`` of ``incident.closed``)
CLOSED_THEN = {
    "no_new_tasks": "it takes no new tasks",
    "command_final": "its command is final",
    "open_new_incident": "open a new incident from the report instead",
    "no_tasking": "it takes no tasking",
}


def check_takes_more(incident: Incident, then: str) -> None:
    """A closed or rejected incident takes nothing more: every command that adds to an
    incident (a report, a task, a tasking, a change of its command) asks this first.
    ``then`` (a key of ``CLOSED_THEN``) says what the caller should do instead (it ends the
    message; message ``incident.closed``: incident, state, then)."""
    if not incident.state.is_open:
        raise Conflict(
            f"incident {incident.id} is {incident.state.value}; {CLOSED_THEN[then]}",
            message="incident.closed",
            params={"incident": incident.id, "state": incident.state.value, "then": then},
        )


def check_may_end(
    incident: Incident, to: IncidentState, unfinished_task_ids: Sequence[int]
) -> None:
    """Closing or rejecting an incident needs every task on it completed or cancelled
    first, so that no unit is left committed to an incident nobody works on."""
    if to.is_terminal and unfinished_task_ids:
        ids = ", ".join(str(i) for i in unfinished_task_ids)
        raise Conflict(
            f"incident {incident.id} still has unfinished tasks ({ids}); complete or "
            f"cancel them before it is {to.value}",
            extra={"unfinished_tasks": list(unfinished_task_ids)},
            message="incident.unfinished_tasks",
            params={"incident": incident.id, "tasks": ids, "to": to.value},
        )


def command_agencies(lead: int | None, supporting: Iterable[int]) -> set[int]:
    """Every agency a unified command names (to look up before :func:`check_command`)."""
    return set(supporting) | ({lead} if lead is not None else set())


def check_command(
    lead: int | None, supporting: Iterable[int], known: Collection[int]
) -> tuple[int, ...]:
    """The supporting agencies, sorted and without repeats; the lead is not one of them,
    and every agency named is one of ``known``."""
    support = tuple(sorted(set(supporting)))
    if lead is not None and lead in support:
        raise Invalid.said(
            "incident.agency_cannot_both_lead",
            "agency {lead} cannot be both the lead and a supporting agency",
            lead=lead,
        )
    missing = sorted(command_agencies(lead, support) - set(known))
    if missing:
        raise Invalid.said(
            "incident.no_agencies",
            "no agency with id {ids}",
            ids=", ".join(str(m) for m in missing),
        )
    return support


# --------------------------------------------------------------------------- helpers


def event_base(incident: Incident) -> dict[str, Any]:
    """The fields every incident event carries (who may see it)."""
    return {
        "incident_id": incident.id,
        "region": incident.region,
        "agencies": tuple(sorted(incident.command_agencies)),
    }


def place_fields(place: IncidentPlace) -> dict[str, Any]:
    """What an incident event says of a place: GeoJSON, and the reference point."""
    return {"place": place.to_geojson(), "lon": place.reference[0], "lat": place.reference[1]}


def command_text(
    agencies: Mapping[int, AgencyRef], lead: int | None, support: Sequence[int]
) -> str:
    def name(i: int) -> str:
        a = agencies.get(i)
        return f"{a.name} ({a.code})" if a else f"agency {i}"

    lead_text = name(lead) if lead is not None else "none"
    support_text = ", ".join(name(i) for i in support) or "none"
    return f"lead {lead_text}; supporting {support_text}"


def command_names(
    agencies: Mapping[int, AgencyRef], lead: int | None, support: Sequence[int], prefix: str = ""
) -> dict[str, Any]:
    """The command in names for a timeline entry's data ("Name (CODE)"; None: no lead)."""

    def name(i: int) -> str:
        a = agencies.get(i)
        return f"{a.name} ({a.code})" if a else str(i)

    return {
        f"{prefix}lead": name(lead) if lead is not None else None,
        f"{prefix}supporting": [name(i) for i in support],
    }


@dataclass(frozen=True, slots=True)
class Located:
    """Where a place lies: its region and the home settlements within the radius."""

    region: str | None
    affected: tuple[AffectedSettlement, ...]

    @property
    def population(self) -> int:
        return sum(s.population for s in self.affected)


# --------------------------------------------------------------------------- opening


@dataclass(frozen=True, slots=True)
class Opening:
    """What an incident is opened with, checked."""

    name: str
    incident_type: IncidentType
    place: IncidentPlace
    radius_km: float


def decide_opening(
    name: str,
    incident_type: IncidentType | None,
    place: IncidentPlace | None,
    radius_km: float,
    from_report: Report | None = None,
) -> Opening:
    """An incident needs a name, a type and a place; opened from a report, the report
    gives its type and its point unless stated."""
    name = name.strip()
    if not name:
        raise Invalid.said("incident.incident_needs_name", "an incident needs a name")
    if from_report is not None:
        incident_type = incident_type or from_report.incident_type
        place = place or IncidentPlace.point(*from_report.position)
    if incident_type is None:
        raise Invalid.said("incident.incident_needs_type", "an incident needs a type")
    if place is None:
        raise Invalid.said(
            "incident.incident_needs_place_geojson",
            "an incident needs a place (a GeoJSON Point or Polygon)",
        )
    return Opening(name, incident_type, place, radius_km)


def opened(
    incident: Incident, agencies: Mapping[int, AgencyRef], from_report: Report | None
) -> ev.IncidentOpened:
    """The event of an incident just stored."""
    origin = f" from report {from_report.id}" if from_report else ""
    text = (
        f"Incident opened{origin}: {incident.incident_type.label}, severity "
        f"{incident.severity.value}, {incident.place.describe()}, {len(incident.affected)} "
        f"settlements ({incident.affected_population} people) within "
        f"{incident.radius_km:g} km; unified command: "
        + command_text(agencies, incident.lead_agency_id, incident.supporting_agency_ids)
    )
    return ev.IncidentOpened(
        **event_base(incident),
        name=incident.name,
        incident_type=incident.incident_type.value,
        severity=incident.severity.value,
        state=incident.state.value,
        **place_fields(incident.place),
        radius_km=incident.radius_km,
        affected_population=incident.affected_population,
        lead_agency_id=incident.lead_agency_id,
        supporting_agency_ids=incident.supporting_agency_ids,
        from_report_id=from_report.id if from_report else None,
        text=text,
        settlements=len(incident.affected),
        command=command_names(agencies, incident.lead_agency_id, incident.supporting_agency_ids),
    )


# --------------------------------------------------------------------------- changes


@dataclass(frozen=True, slots=True)
class IncidentChanges:
    """A partial update; None means "leave as is"."""

    name: str | None = None
    description: str | None = None
    incident_type: IncidentType | None = None
    severity: Severity | None = None
    place: IncidentPlace | None = None
    radius_km: float | None = None

    def moves(self, incident: Incident) -> bool:
        """Whether the place or the radius changes (then the caller locates it anew)."""
        place = self.place or incident.place
        radius = incident.radius_km if self.radius_km is None else self.radius_km
        return place != incident.place or radius != incident.radius_km


def _field_changes(
    incident: Incident, changes: IncidentChanges
) -> tuple[dict[str, Any], dict[str, Any]]:
    values: dict[str, Any] = {}
    diff: dict[str, Any] = {}
    if changes.name is not None and changes.name.strip() != incident.name:
        if not changes.name.strip():
            raise Invalid.said("incident.incident_needs_name", "an incident needs a name")
        values["name"] = changes.name.strip()
        diff["name"] = [incident.name, values["name"]]
    if changes.description is not None and changes.description.strip() != incident.description:
        values["description"] = changes.description.strip()
        diff["description"] = "changed"
    if changes.incident_type is not None and changes.incident_type is not incident.incident_type:
        values["incident_type"] = changes.incident_type
        diff["incident_type"] = [incident.incident_type.value, changes.incident_type.value]
    if changes.severity is not None and changes.severity is not incident.severity:
        values["severity"] = changes.severity
        diff["severity"] = [incident.severity.value, changes.severity.value]
    return values, diff


def decide_update(
    incident: Incident, changes: IncidentChanges, located: Located | None
) -> tuple[dict[str, Any], ev.IncidentUpdated | None]:
    """The column values to store and the event (None: nothing changes). ``located``:
    where the new place lies, when ``changes.moves(incident)``."""
    values, diff = _field_changes(incident, changes)
    place = changes.place or incident.place
    radius = incident.radius_km if changes.radius_km is None else changes.radius_km
    if located is not None:
        if located.region != incident.region:
            values["region"] = located.region
            diff["region"] = [incident.region, located.region]
        values.update(
            place=place,
            radius_km=radius,
            affected=located.affected,
            affected_population=located.population,
        )
        if place != incident.place:
            diff["place"] = place.to_geojson()
        if radius != incident.radius_km:
            diff["radius_km"] = [incident.radius_km, radius]
        diff["affected_population"] = [incident.affected_population, located.population]
    if not values:
        return values, None
    base = event_base(incident) | {"region": values.get("region", incident.region)}
    event = ev.IncidentUpdated(
        **base, changes=diff, **(place_fields(place) if "place" in diff else {})
    )
    return values, event


def decide_transition(
    incident: Incident,
    to: IncidentState,
    *,
    at: datetime,
    reason: str,
    unfinished_task_ids: Sequence[int],
) -> ev.IncidentStateChanged:
    """One lifecycle step (``lifecycle.py``), refused while tasks are unfinished."""
    step = lifecycle.transition(incident.state, to, at=at, reason=reason)
    check_may_end(incident, to, unfinished_task_ids)
    return ev.IncidentStateChanged(
        **event_base(incident), state=to.value, previous=incident.state.value, reason=step.reason
    )


def decide_command(
    incident: Incident,
    lead: int | None,
    supporting: Iterable[int],
    agencies: Mapping[int, AgencyRef],
) -> ev.UnifiedCommandChanged | None:
    """A new unified command (None: the same as now). ``agencies``: the agencies of the
    old and the new command that exist."""
    check_takes_more(incident, "command_final")
    support = check_command(lead, supporting, agencies)
    if lead == incident.lead_agency_id and support == incident.supporting_agency_ids:
        return None
    before = command_text(agencies, incident.lead_agency_id, incident.supporting_agency_ids)
    after = sorted(({lead} if lead is not None else set()) | set(support))
    return ev.UnifiedCommandChanged(
        **event_base(incident) | {"agencies": tuple(after)},
        lead_agency_id=lead,
        supporting_agency_ids=support,
        previous_lead_agency_id=incident.lead_agency_id,
        previous_supporting_agency_ids=incident.supporting_agency_ids,
        text=f"Unified command: {command_text(agencies, lead, support)} (was {before})",
        command=command_names(agencies, lead, support)
        | command_names(
            agencies, incident.lead_agency_id, incident.supporting_agency_ids, "previous_"
        ),
    )


#: casualty figures may be dated a little in the future (clock skew of field devices)
CASUALTY_CLOCK_SKEW = timedelta(minutes=5)


def check_casualty_time(as_of: datetime, now: datetime) -> datetime:
    """Casualty figures are as of a moment not (much) in the future."""
    if as_of > now + CASUALTY_CLOCK_SKEW:
        raise Invalid.said(
            "incident.casualty_figures_cannot_dated",
            "casualty figures cannot be dated in the future ({as_of})",
            as_of=as_of.isoformat(),
        )
    return as_of


def casualties_recorded(
    incident: Incident, update: CasualtyUpdate, totals: CasualtyTotals
) -> ev.CasualtiesRecorded:
    source = f" (source: {update.source})" if update.source else ""
    return ev.CasualtiesRecorded(
        **event_base(incident),
        as_of=update.at,
        counts={c.value: n for c, n in update.counts.items()},
        totals={c.value: n for c, n in totals.counts.items()},
        source=update.source,
        reported_totals={
            c.value: totals.counts[c] for c in CasualtyCategory if c in totals.reported
        },
        text=(
            f"Casualties as of {update.at.isoformat()}: {update.describe()}{source}; "
            f"now {totals.describe()}"
        ),
    )


def logged(incident: Incident, entry_id: int, unit_id: int | None) -> ev.IncidentLogged:
    return ev.IncidentLogged(**event_base(incident), entry_id=entry_id, unit_id=unit_id)


# --------------------------------------------------------------------------- reports


def submitted(
    report: Report, *, key: str, digest: str, correlation: CorrelationResult
) -> ev.ReportSubmitted:
    """The event of a report just stored, with what correlation suggested."""
    return ev.ReportSubmitted(
        report_id=report.id,
        region=report.region,
        incident_type=report.incident_type.value,
        source_kind=report.source_kind.value,
        rating=report.rating.code,
        observed_at=report.observed_at,
        lon=report.position[0],
        lat=report.position[1],
        uncertainty_m=report.uncertainty_m,
        suggested_incidents=tuple(m.incident_id for m in correlation.matches),
        likely_duplicate_of=tuple(d.report_id for d in correlation.duplicates),
        idempotency_key=key,
        request_sha256=digest,
    )


def report_line(report: Report) -> str:
    return (
        f"report {report.id} ({report.incident_type.label.lower()}, "
        f"{report.rating.code}, {report.source_kind.value}, observed "
        f"{report.observed_at.isoformat()})"
    )


def decide_attach(report: Report, incident: Incident, *, by: str, note: str) -> ev.ReportAttached:
    """A report verified as part of an open incident."""
    check_takes_more(incident, "open_new_incident")
    return ev.ReportAttached(
        report_id=report.id,
        region=report.region,
        incident_id=incident.id,
        by=by,
        opened_incident=False,
        text=f"Verified {report_line(report)}" + (f": {note}" if note else ""),
        line={
            "incident_type": report.incident_type.value,
            "rating": report.rating.code,
            "source_kind": report.source_kind.value,
            "observed_at": report.observed_at.isoformat(),
            "note": note,
        },
    )


def attached_opening(report: Report, incident: Incident, *, by: str) -> ev.ReportAttached:
    """A report verified by opening a new incident from it."""
    return ev.ReportAttached(
        report_id=report.id,
        region=report.region,
        incident_id=incident.id,
        by=by,
        opened_incident=True,
        incident_name=incident.name,
        incident_type=incident.incident_type.value,
    )


def rejected(report: Report, *, by: str, reason: str) -> ev.ReportRejected:
    reason = reason.strip()
    if not reason:
        raise Invalid("rejecting a report needs a reason", message="report.reason_needed")
    return ev.ReportRejected(report_id=report.id, region=report.region, by=by, reason=reason)


def claimed(report: Report, *, by: str, until: datetime) -> ev.ReportClaimed:
    return ev.ReportClaimed(report_id=report.id, region=report.region, by=by, until=until)


def released(report: Report, *, by: str) -> ev.ReportReleased:
    return ev.ReportReleased(report_id=report.id, region=report.region, by=by)
