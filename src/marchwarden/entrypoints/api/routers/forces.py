"""The forces registry: agencies, units, status, positions, members, roster CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse, Response

from marchwarden.core.errors import Invalid
from marchwarden.core.forces import model as fm
from marchwarden.entrypoints.api.deps import CurrentPrincipal, ServicesDep
from marchwarden.entrypoints.api.schemas.forces import (
    AgencyIn,
    AgencyOut,
    ImportOut,
    MemberIn,
    MemberOut,
    MemberRecordsIn,
    PositionIn,
    PositionOut,
    StatusChangeOut,
    StatusIn,
    UnitIn,
    UnitOut,
    UnitPatch,
    unit_json,
    units_json,
)
from marchwarden.entrypoints.api.schemas.types import Cursor, Id
from marchwarden.services import forces, roster

router = APIRouter(tags=["forces"])
#: the position reports alone: the second-hottest path (devices report every few seconds),
#: included right after the reports in ``app.py`` so that a request tries few routes
positions_router = APIRouter(tags=["forces"])


@router.get("/agencies", response_model=list[AgencyOut])
def list_agencies(principal: CurrentPrincipal, services: ServicesDep) -> list[AgencyOut]:
    return [AgencyOut.of(a) for a in forces.list_agencies(services, principal)]


@router.post("/agencies", response_model=AgencyOut, status_code=status.HTTP_201_CREATED)
def create_agency(body: AgencyIn, principal: CurrentPrincipal, services: ServicesDep) -> AgencyOut:
    return AgencyOut.of(
        forces.create_agency(
            services, principal, code=body.code, name=body.name, kind=body.kind, region=body.region
        )
    )


@router.get("/units", response_model=list[UnitOut])
def list_units(
    principal: CurrentPrincipal,
    services: ServicesDep,
    region: Annotated[str | None, Query(max_length=16)] = None,
    agency_id: Annotated[Id | None, Query()] = None,
) -> Response:
    """Units the caller may see, in tree order (by materialised path)."""
    units = forces.list_units(services, principal, region=region, agency_id=agency_id)
    return Response(units_json(units), media_type="application/json")


@router.post("/units", response_model=UnitOut, status_code=status.HTTP_201_CREATED)
def create_unit(body: UnitIn, principal: CurrentPrincipal, services: ServicesDep) -> UnitOut:
    new = fm.NewUnit(
        code=body.code,
        name=body.name,
        agency_id=body.agency_id,
        parent_id=body.parent_id,
        category=body.category,
        region=body.region,
        home_lon=body.home.lon,
        home_lat=body.home.lat,
        capabilities=tuple(body.capabilities),
        readiness=body.readiness,
        status=body.status,
        declared_strength=body.declared_strength,
    )
    return UnitOut.of(forces.create_unit(services, principal, new))


@router.get("/units/{unit_id}", response_model=UnitOut)
def get_unit(unit_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> UnitOut:
    return UnitOut.of(forces.get_unit(services, principal, unit_id))


@router.patch("/units/{unit_id}", response_model=UnitOut)
def update_unit(
    unit_id: Id, body: UnitPatch, principal: CurrentPrincipal, services: ServicesDep
) -> UnitOut:
    changes: dict[str, Any] = {}
    for name in body.model_fields_set:
        value = getattr(body, name)
        if name == "home":
            if value is None:
                raise Invalid.said("forces.home_cannot_removed", "home cannot be removed")
            changes["home_lon"], changes["home_lat"] = value.lon, value.lat
        elif value is None and name != "declared_strength":
            raise Invalid.said("forces.cannot_null", "{name} cannot be null", name=name)
        else:
            changes[name] = value
    return UnitOut.of(forces.update_unit(services, principal, unit_id, changes))


@router.post("/units/{unit_id}/status", response_model=UnitOut)
def change_status(
    unit_id: Id, body: StatusIn, principal: CurrentPrincipal, services: ServicesDep
) -> UnitOut:
    return UnitOut.of(
        forces.change_unit_status(services, principal, unit_id, body.status, body.note)
    )


@router.get("/units/{unit_id}/status-history", response_model=list[StatusChangeOut])
def status_history(
    unit_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[StatusChangeOut]:
    return [
        StatusChangeOut(
            at=c.at, status=c.status, previous=c.previous, by_user=c.by_user, note=c.note
        )
        for c in forces.status_history(services, principal, unit_id, limit)
    ]


@positions_router.post("/units/{unit_id}/positions", response_model=UnitOut)
async def report_position(
    unit_id: Id, body: PositionIn, principal: CurrentPrincipal, services: ServicesDep
) -> Response:
    """Automatic vehicle location: the latest position is kept on the unit, and a bounded
    history (the newest 500). A 200 means the position is committed.

    Runs in the event loop: the position waits for the group writer's commit, together
    with the others arriving at that moment (``adapters/db/group_commit.py``). The reply
    is written as ``units_json`` writes a unit (the same bytes as ``UnitOut``; no model
    built and checked for each of the thousands of positions a minute)."""
    position = forces.NewPosition(
        lon=body.lon, lat=body.lat, at=body.at, source=body.source, accuracy_m=body.accuracy_m
    )
    unit = await forces.report_position_async(services, principal, unit_id, position)
    return Response(unit_json(unit), media_type="application/json")


@router.get("/units/{unit_id}/positions", response_model=list[PositionOut])
def positions(
    unit_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[PositionOut]:
    return [
        PositionOut(at=p.at, lon=p.lon, lat=p.lat, source=p.source, accuracy_m=p.accuracy_m)
        for p in forces.positions(services, principal, unit_id, limit)
    ]


@router.get("/units/{unit_id}/members", response_model=list[MemberOut])
def list_members(
    unit_id: Id,
    principal: CurrentPrincipal,
    services: ServicesDep,
    subunits: bool = True,
    after_id: Annotated[Cursor, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[MemberOut]:
    """Members of a unit (and its sub-units), paged by id. Personal data only for callers
    with need to know."""
    return [
        MemberOut.of(v)
        for v in forces.list_members(
            services, principal, unit_id, subunits=subunits, after_id=after_id, limit=limit
        )
    ]


@router.post("/members", response_model=MemberOut, status_code=status.HTTP_201_CREATED)
def register_member(
    body: MemberIn, principal: CurrentPrincipal, services: ServicesDep
) -> MemberOut:
    record = fm.MemberRecord(
        external_id=body.external_id,
        unit_code=body.unit_code,
        callsign=body.callsign,
        personal=fm.PersonalData(body.given_name, body.family_name, body.date_of_birth, body.phone),
        trainings=tuple(fm.Training(t.programme, t.completed_on, t.hours) for t in body.trainings),
        qualifications=tuple(
            fm.Qualification(q.kind, q.issued_on, q.expires_on) for q in body.qualifications
        ),
        fitness=tuple(fm.Fitness(f.examined_on, f.valid_until, f.fit) for f in body.fitness),
    )
    return MemberOut.of(forces.register_member(services, principal, record))


@router.get("/members/{member_id}", response_model=MemberOut)
def get_member(member_id: Id, principal: CurrentPrincipal, services: ServicesDep) -> MemberOut:
    return MemberOut.of(forces.get_member(services, principal, member_id))


@router.post("/members/{member_id}/records", response_model=MemberOut)
def add_records(
    member_id: Id, body: MemberRecordsIn, principal: CurrentPrincipal, services: ServicesDep
) -> MemberOut:
    """Add training records, qualifications or fitness examinations to a member."""
    return MemberOut.of(
        forces.add_member_records(
            services,
            principal,
            member_id,
            trainings=tuple(
                fm.Training(t.programme, t.completed_on, t.hours) for t in body.trainings
            ),
            qualifications=tuple(
                fm.Qualification(q.kind, q.issued_on, q.expires_on) for q in body.qualifications
            ),
            fitness=tuple(fm.Fitness(f.examined_on, f.valid_until, f.fit) for f in body.fitness),
        )
    )


@router.post(
    "/roster/import",
    response_model=ImportOut,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True}
    },
)
async def import_roster(
    request: Request, principal: CurrentPrincipal, services: ServicesDep
) -> ImportOut:
    """Import a roster CSV (body ``text/csv``, UTF-8). All or nothing; see docs/roster.md."""
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype not in ("text/csv", "text/plain"):
        raise Invalid.said(
            "forces.send_roster_content_type", "send the roster as 'Content-Type: text/csv'"
        )
    raw = await request.body()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Invalid.said(
            "forces.file_utf_byte", "the file is not UTF-8 (byte {start})", start=exc.start
        ) from exc
    from starlette.concurrency import run_in_threadpool

    result = await run_in_threadpool(roster.import_roster, services, principal, text)
    return ImportOut(created=result.created, updated=result.updated, unchanged=result.unchanged)


class CSVResponse(PlainTextResponse):
    media_type = "text/csv"


@router.get("/roster/export", response_class=CSVResponse)
def export_roster(
    principal: CurrentPrincipal,
    services: ServicesDep,
    unit_id: Annotated[Id | None, Query()] = None,
) -> PlainTextResponse:
    """The roster as CSV (the import format), for one unit's subtree or everything in
    the caller's scope."""
    text = roster.export_roster(services, principal, unit_id)
    return CSVResponse(
        text,
        headers={"Content-Disposition": 'attachment; filename="roster.csv"'},
    )
