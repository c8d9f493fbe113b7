"""Situation reports (ICS 209-like), per incident, per region and over all the border
regions: JSON, or a printable HTML page (``?format=html``, or ``Accept: text/html``)."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import AwareDatetime

from marchwarden.core.incidents.casualties import CasualtyCategory
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.civil import DisplacementOut
from marchwarden.entrypoints.api.schemas.sitreps import (
    AgencyDeploymentOut,
    BorderSitrepOut,
    IncidentCasualtiesOut,
    IncidentSitrepOut,
    NeedOut,
    RegionSitrepOut,
)
from marchwarden.entrypoints.api.schemas.types import Id
from marchwarden.services import sitreps

router = APIRouter(prefix="/sitreps", tags=["situation reports"])

Format = Annotated[Literal["json", "html"] | None, Query(alias="format")]
Since = Annotated[AwareDatetime | None, Query(description="window start (inclusive)")]
Until = Annotated[AwareDatetime | None, Query(description="window end (exclusive); default now")]

SVG = "image/svg+xml"
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"text/html": {"schema": {"type": "string"}}}},
}


def _wants_html(request: Request, fmt: str | None) -> bool:
    if fmt is not None:
        return fmt == "html"
    accept = request.headers.get("accept", "")
    return "text/html" in accept and "application/json" not in accept


@router.get("/incidents/{incident_id}", response_model=IncidentSitrepOut, responses=_RESPONSES)
def incident_sitrep(
    incident_id: Id,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
) -> Response:
    """One incident over ``[since, until)`` (default: from its opening until now)."""
    report = sitreps.incident_sitrep(services, principal, incident_id, since=since, until=until)
    out = IncidentSitrepOut.of(report)
    if _wants_html(request, fmt):
        svg = sitreps.incident_area_map(report.incident, report.open_tasks)
        return HTMLResponse(_page(f"SITREP — {out.incident.name}", _incident_page(out, svg)))
    return JSONResponse(out.model_dump(mode="json"))


@router.get(
    "/incidents/{incident_id}/map.svg",
    response_class=Response,
    responses={200: {"content": {SVG: {"schema": {"type": "string"}}}}},
)
def incident_map(incident_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> Response:
    """The incident's area as SVG, drawn on the server from the bundled geodata (no
    tiles, so the sitrep prints offline): regions, state border, rivers and lakes,
    settlements (the affected ones marked and named), the place, its affected radius and
    the open tasks' places. The same map is in the HTML sitrep."""
    report = sitreps.incident_sitrep(services, principal, incident_id)
    svg = sitreps.incident_area_map(report.incident, report.open_tasks)
    return Response(svg, media_type=SVG, headers={"Cache-Control": "private, no-cache"})


@router.get("/regions/{region}", response_model=RegionSitrepOut, responses=_RESPONSES)
def region_sitrep(
    region: str,
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
) -> Response:
    """Every incident of a region open at some time in ``[since, until)`` (default: the
    last 24 hours), and the totals."""
    report = sitreps.region_sitrep(services, principal, region, since=since, until=until)
    out = RegionSitrepOut.of(report)
    if _wants_html(request, fmt):
        maps = {
            r.incident.id: sitreps.incident_area_map(r.incident, r.open_tasks)
            for r in report.incidents
        }
        return HTMLResponse(_page(f"SITREP — {out.region_name}", _region_html(out, maps)))
    return JSONResponse(out.model_dump(mode="json"))


@router.get("/border-regions", response_model=BorderSitrepOut, responses=_RESPONSES)
def border_sitrep(
    request: Request,
    principal: CurrentPrincipal,
    services: ServicesDep,
    since: Since = None,
    until: Until = None,
    fmt: Format = None,
) -> Response:
    """Every border region the caller may read (a regional coordinator: its own), over
    ``[since, until)`` (default: the last 24 hours): casualties per region and incident
    and their sum, displacement per region and over them all."""
    out = BorderSitrepOut.of(sitreps.border_sitrep(services, principal, since=since, until=until))
    if _wants_html(request, fmt):
        return HTMLResponse(_page("SITREP — border regions", _border_html(out)))
    return JSONResponse(out.model_dump(mode="json"))


# --------------------------------------------------------------------------- HTML

_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.4em;
border-bottom: 1px solid #999; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; } .meta { color: #444; }
.incident { page-break-inside: avoid; } @media print { body { margin: 0; max-width: none; } }
figure.area-map { margin: .6em 0; page-break-inside: avoid; } figure.area-map svg {
max-width: 100%; height: auto; border: 1px solid #999; }
figcaption { font-size: .9em; color: #444; }
"""


def _t(value: datetime | None) -> str:
    return "—" if value is None else escape(value.strftime("%Y-%m-%d %H:%M UTC"))


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>"
    )


def _table(headers: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>"
        + "".join(
            f"<td class=n>{cell}</td>" if i in numeric else f"<td>{cell}</td>"
            for i, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _casualty_rows(counts: dict[str, int], change: dict[str, int]) -> list[list[str]]:
    return [
        [escape(c.value.replace("_", " ")), str(counts[c.value]), f"{change[c.value]:+d}"]
        for c in CasualtyCategory
    ]


def _by_incident_html(rows: list[IncidentCasualtiesOut]) -> str:
    cats = list(CasualtyCategory)
    return _table(
        ["Incident", "Region", *(c.value.replace("_", " ") for c in cats)],
        [
            [escape(f"#{i.incident_id} {i.name}"), escape(i.region or "—")]
            + [f"{i.casualties[c.value]} ({i.casualties_change[c.value]:+d})" for c in cats]
            for i in rows
        ],
        frozenset(range(2, 2 + len(cats))),
    )


def _displacement_html(d: DisplacementOut) -> str:
    room = d.shelter_capacity - d.sheltered
    return _table(
        [
            "Orders in force",
            "To move",
            "Moved",
            "Remaining",
            "Sheltered",
            "Shelter capacity",
            "Room",
        ],
        [
            [
                str(d.orders),
                f"{d.to_move:,}",
                f"{d.moved:,}",
                f"{d.remaining:,}",
                f"{d.sheltered:,}",
                f"{d.shelter_capacity:,}",
                f"{room:,}",
            ]
        ],
        frozenset(range(7)),
    )


def _deployed_html(deployed: list[AgencyDeploymentOut]) -> str:
    rows = []
    for d in deployed:
        for u in d.units:
            rows.append(
                [
                    escape(f"{d.agency_name} ({d.agency_code})"),
                    escape(f"{u.unit_name} ({u.unit_code})"),
                    escape(u.unit_status.value.replace("_", " ")),
                    escape(f"#{u.task_id} {u.task_title}"),
                    escape(u.task_status.value.replace("_", " ")),
                    _t(u.assigned_at),
                ]
            )
    return _table(["Agency", "Unit", "Unit status", "Task", "Task status", "Assigned"], rows)


def _needs_html(needs: list[NeedOut]) -> str:
    if not needs:
        return "<p>No unfilled tasks.</p>"
    return "<ul>" + "".join(f"<li>{escape(n.text)}</li>" for n in needs) + "</ul>"


def _map_figure(s: IncidentSitrepOut, svg: str) -> str:
    if not svg:
        return ""
    return (
        f"<figure class=area-map>{svg}<figcaption>The area: the incident (orange), the "
        f"{s.affected.radius_km:g} km affected radius (dashed), affected settlements (dark, "
        "named), open tasks (numbered blue squares, in the order of the table below), rivers "
        "and lakes (GSHHG), the state border (black dashes). Drawn by the server from its "
        "bundled geodata.</figcaption></figure>"
    )


def _incident_html(s: IncidentSitrepOut, level: int, svg: str = "") -> str:
    h, sub = f"h{level}", f"h{level + 1}"
    i = s.incident
    lead = s.command.lead
    support = ", ".join(f"{a.name} ({a.code})" for a in s.command.supporting) or "none"
    parts = [
        f"<div class=incident><{h}>{escape(i.name)} (incident {i.id})</{h}>",
        "<table>",
        f"<tr><th>Type</th><td>{escape(s.incident_type_label)} — ACLED "
        f"{escape(s.acled.event_type)} / {escape(s.acled.sub_event_type)}</td></tr>",
        f"<tr><th>Severity / state</th><td>{escape(i.severity.value)} / "
        f"{escape(i.state.value)}</td></tr>",
        f"<tr><th>Region</th><td>{escape(i.region or 'outside known regions')}</td></tr>",
        f"<tr><th>Location</th><td>{i.reference_point.lat:.4f}N {i.reference_point.lon:.4f}E "
        f"({escape(str(s.place['type']))})</td></tr>",
        f"<tr><th>Lead agency</th><td>{escape(f'{lead.name} ({lead.code})' if lead else 'none')}"
        "</td></tr>",
        f"<tr><th>Supporting</th><td>{escape(support)}</td></tr>",
        f"<tr><th>Reports</th><td>{s.reports_total}</td></tr>",
        "</table>",
        _map_figure(s, svg),
        f"<{sub}>What happened</{sub}>",
        _table(
            ["Time", "What", "By"],
            [[_t(e.at), escape(e.text), escape(e.actor)] for e in s.what_happened],
        ),
        f"<{sub}>Casualties (as of {_t(s.until)}; change in the period)</{sub}>",
        _table(
            ["Category", "Figure", "Change"],
            _casualty_rows(s.casualties.model_dump(), s.casualties_change),
            frozenset({1, 2}),
        ),
        f"<{sub}>Displacement (evacuation orders in force and shelters, as they stand now)</{sub}>",
        _displacement_html(s.displacement),
        f"<{sub}>Affected: {s.affected.settlement_count} settlements, "
        f"{s.affected.population:,} people within {s.affected.radius_km:g} km</{sub}>",
        _table(
            ["Settlement", "Population"],
            [[escape(x.name), f"{x.population:,}"] for x in s.affected.settlements[:25]],
            frozenset({1}),
        ),
        f"<{sub}>Units deployed by agency</{sub}>",
        _deployed_html(s.units_deployed),
        f"<{sub}>Open tasks</{sub}>",
        _table(
            ["Task", "Priority", "Status", "Unit"],
            [
                [
                    escape(f"#{k.id} {k.title}"),
                    escape(k.priority.value),
                    escape(k.status.value.replace("_", " ")),
                    str(k.unit_id or "—"),
                ]
                for k in s.open_tasks
            ],
        ),
        f"<{sub}>Needed</{sub}>",
        _needs_html(s.needs),
        "</div>",
    ]
    return "".join(parts)


def _region_html(s: RegionSitrepOut, maps: dict[int, str]) -> str:
    parts = [
        f"<h1>Situation report — {escape(s.region_name)} ({escape(s.region)})</h1>",
        f"<p class=meta>Period {_t(s.since)} to {_t(s.until)}. Prepared {_t(s.prepared_at)} "
        f"by {escape(s.prepared_by)}. {len(s.incidents)} incidents.</p>",
        "<h2>Casualties (all incidents)</h2>",
        _table(
            ["Category", "Figure", "Change"],
            _casualty_rows(s.casualties, s.casualties_change),
            frozenset({1, 2}),
        ),
        "<h2>Casualties by incident (figure, change in the period)</h2>",
        _by_incident_html(s.casualties_by_incident),
        f"<h2>Displacement in {escape(s.region_name)} (orders in force and shelters, as "
        "they stand now)</h2>",
        _displacement_html(s.displacement),
        f"<h2>Affected: {s.affected_settlement_count} settlements, "
        f"{s.affected_population:,} people</h2>",
        "<h2>Units deployed by agency</h2>",
        _deployed_html(s.units_deployed),
        f"<h2>Open tasks: {s.open_tasks}. Needed</h2>",
        _needs_html(s.needs),
    ]
    parts += [_incident_html(i, 2, maps.get(i.incident.id, "")) for i in s.incidents]
    return "".join(parts)


def _incident_page(s: IncidentSitrepOut, svg: str) -> str:
    return (
        f"<h1>Situation report — {escape(s.incident.name)}</h1>"
        f"<p class=meta>Period {_t(s.since)} to {_t(s.until)}. Prepared {_t(s.prepared_at)} "
        f"by {escape(s.prepared_by)}.</p>" + _incident_html(s, 2, svg)
    )


def _border_html(s: BorderSitrepOut) -> str:
    parts = [
        "<h1>Situation report — all border regions</h1>",
        f"<p class=meta>Period {_t(s.since)} to {_t(s.until)}. Prepared {_t(s.prepared_at)} "
        f"by {escape(s.prepared_by)}. {len(s.regions)} regions, {s.incident_count} "
        "incidents.</p>",
        "<h2>Casualties (all border regions)</h2>",
        _table(
            ["Category", "Figure", "Change"],
            _casualty_rows(s.casualties, s.casualties_change),
            frozenset({1, 2}),
        ),
        "<h2>Casualties by incident (figure, change in the period)</h2>",
        _by_incident_html(s.casualties_by_incident),
        "<h2>Displacement (all border regions; orders in force and shelters, as they stand "
        "now)</h2>",
        _displacement_html(s.displacement),
    ]
    for r in s.regions:
        parts += [
            f"<h2>{escape(r.region_name)} ({escape(r.region)}): {r.incident_count} incidents</h2>",
            _table(
                ["Category", "Figure", "Change"],
                _casualty_rows(r.casualties, r.casualties_change),
                frozenset({1, 2}),
            ),
            _displacement_html(r.displacement),
        ]
    return "".join(parts)
