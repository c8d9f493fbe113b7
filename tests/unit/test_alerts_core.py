"""Pure rules of alerts, shelters and evacuation orders; CAP XML written and read back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from marchwarden import geodata
from marchwarden.adapters.cap import xml as capxml
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.access.policy import Action, decide_alert_read, decide_in_regions
from marchwarden.core.alerts import workflow
from marchwarden.core.alerts.areas import AreaContext, AreaKind, AreaSpec, resolve_area
from marchwarden.core.alerts.cap import compose
from marchwarden.core.alerts.errors import (
    CapImportRejected,
    CapSchemaViolation,
    IllegalAlertStep,
    InvalidAlert,
    InvalidAlertArea,
    SecondPersonRequired,
)
from marchwarden.core.alerts.model import (
    Alert,
    AlertContent,
    AlertState,
    CapSeverity,
    Category,
    Certainty,
    InfoText,
    Instruction,
    MsgType,
    Urgency,
)
from marchwarden.core.civil import evacuation as ev
from marchwarden.core.civil.model import Shelter, ShelterFull, ShelterStatus, check_in, check_out
from marchwarden.core.geo.distance import TravelModel

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
RING = ((35.55, 50.42), (35.75, 50.42), (35.75, 50.52), (35.55, 50.52), (35.55, 50.42))
DRAFTER = Principal(1, "duty1", Role.HQ_COMMANDER, Scope.all())
SECOND = Principal(2, "duty2", Role.HQ_COMMANDER, Scope.all())


@pytest.fixture(scope="module")
def ctx() -> AreaContext:
    return AreaContext(geodata.regions(), geodata.settlements(), max_vertices=50)


def content(severity: CapSeverity = CapSeverity.SEVERE, **kw: object) -> AlertContent:
    base = AlertContent(
        event="Incursion",
        category=Category.SECURITY,
        urgency=Urgency.IMMEDIATE,
        severity=severity,
        certainty=Certainty.OBSERVED,
        instruction=Instruction.SHELTER_IN_PLACE,
        texts=(InfoText("ru", "Укройтесь", "", ""), InfoText("en", "Take shelter", "", "")),
        area=AreaSpec(AreaKind.POLYGON, ring=RING),
        expires=NOW + timedelta(hours=6),
    )
    return dataclasses.replace(base, **kw)  # type: ignore[arg-type]


def test_area_rules(ctx: AreaContext) -> None:
    found = resolve_area(AreaSpec(AreaKind.POLYGON, ring=RING), ctx)
    assert {"Grayvoron", "Kozinka"} <= {s.name for s in found.settlements}
    assert found.regions == {"RU-BEL"}  # the part over the state border alerts nobody here
    assert found.polygons[0][0] == (50.42, 35.55)  # CAP order: lat,lon
    with pytest.raises(InvalidAlertArea, match="not closed"):
        resolve_area(AreaSpec(AreaKind.POLYGON, ring=RING[:-1]), ctx)
    bowtie = ((35.55, 50.42), (35.75, 50.52), (35.75, 50.42), (35.55, 50.52), (35.55, 50.42))
    with pytest.raises(InvalidAlertArea, match="crosses itself"):
        resolve_area(AreaSpec(AreaKind.POLYGON, ring=bowtie), ctx)
    far = ((10.0, 50.0), (10.1, 50.0), (10.1, 50.1), (10.0, 50.0))
    with pytest.raises(InvalidAlertArea, match="outside the coverage"):
        resolve_area(AreaSpec(AreaKind.POLYGON, ring=far), ctx)
    many = tuple((35.5 + i * 0.001, 50.4 + 0.001 * (i % 2)) for i in range(60))
    with pytest.raises(InvalidAlertArea, match="at most 50"):
        resolve_area(AreaSpec(AreaKind.POLYGON, ring=(*many, many[0])), ctx)
    region = resolve_area(AreaSpec(AreaKind.REGION, region="RU-BEL"), ctx)
    assert all(len(p) - 1 <= 50 for p in region.polygons)
    assert region.population == sum(
        s.population for s in geodata.settlements() if s.region == "RU-BEL"
    )
    with pytest.raises(InvalidAlertArea, match="radius_km"):
        resolve_area(AreaSpec(AreaKind.CIRCLE, center=(35.66, 50.48), radius_km=500), ctx)


def _draft(ctx: AreaContext, c: AlertContent) -> Alert:
    area = resolve_area(c.area, ctx)
    return Alert(7, AlertState.DRAFT, c, workflow.check_draft(c, area, NOW), "duty1", 1, NOW)


def _publish(alert: Alert, n: int, cancel: bool = False) -> Alert:
    header = workflow.next_header(
        alert,
        identifier=f"MW-{n}",
        sender="hq@x.example",
        sender_name="HQ",
        sent=NOW + timedelta(minutes=n),
        web="http://x",
        cancel=cancel,
    )
    after, events = (
        workflow.cancel(alert, header) if cancel else workflow.publish(alert, header, NOW)
    )
    assert events[0].audit() is not None
    return after


def test_workflow_second_person_and_references(ctx: AreaContext) -> None:
    alert = _draft(ctx, content())
    # what the Alerts board's badge counts: drafts this person's approval would pass
    assert not workflow.approvable_by(alert, DRAFTER, workflow.ApprovalRule())
    assert workflow.approvable_by(alert, SECOND, workflow.ApprovalRule())
    with pytest.raises(SecondPersonRequired):
        workflow.approve(alert, DRAFTER, workflow.ApprovalRule())
    with pytest.raises(IllegalAlertStep):
        _publish(alert, 1)
    alert, _ = workflow.approve(alert, SECOND, workflow.ApprovalRule())
    assert not workflow.approvable_by(alert, SECOND, workflow.ApprovalRule())  # not a draft
    alert = _publish(alert, 1)
    assert alert.live and alert.messages[-1].msg_type is MsgType.ALERT
    # a Minor alert may be approved by its drafter
    minor = _draft(ctx, content(CapSeverity.MINOR))
    assert workflow.approvable_by(minor, DRAFTER, workflow.ApprovalRule())
    assert workflow.approve(minor, DRAFTER, workflow.ApprovalRule())[0].state is AlertState.APPROVED
    # revise → approve → publish: an Update referencing the Alert
    alert, _ = workflow.revise(
        alert,
        SECOND,
        content(instruction=Instruction.EVACUATE),
        resolve_area(content().area, ctx),
        NOW,
    )
    assert alert.state is AlertState.DRAFT and alert.live  # the Alert stays current
    alert, _ = workflow.approve(alert, DRAFTER, workflow.ApprovalRule())
    alert = _publish(alert, 2)
    assert alert.messages[-1].msg_type is MsgType.UPDATE
    cancelled = _publish(alert, 3, cancel=True)
    header = workflow.next_header(
        cancelled, identifier="x", sender="s", sender_name="n", sent=NOW, web="w", cancel=True
    )
    assert [r.identifier for r in header.references] == ["MW-1", "MW-2", "MW-3"]
    with pytest.raises(IllegalAlertStep):
        workflow.cancel(cancelled, header)
    with pytest.raises(InvalidAlert, match="not in the future"):
        content(expires=NOW).check(NOW)
    with pytest.raises(InvalidAlert, match="two info blocks"):
        content(texts=(InfoText("en", "a", "", ""), InfoText("EN", "b", "", ""))).check(NOW)


def test_cap_document_round_trip_and_safe_reading(ctx: AreaContext) -> None:
    c = content()
    area = resolve_area(c.area, ctx)
    alert = _draft(ctx, c)
    header = workflow.next_header(
        alert,
        identifier="MW-1",
        sender="hq@x.example",
        sender_name="HQ",
        sent=NOW,
        web="http://x/cap/MW-1.xml",
    )
    data = capxml.build(compose(c, area, header))
    capxml.validate(data)
    doc = capxml.parse_untrusted(data)
    assert doc.identifier == "MW-1" and [i.language for i in doc.infos] == ["ru", "en"]
    assert doc.infos[0].areas[0].polygons[0][0] == (50.42, 35.55)
    with pytest.raises(CapSchemaViolation, match="msgType"):
        capxml.validate(data.replace(b"<msgType>Alert</msgType>", b"<msgType>Alarm</msgType>"))
    bomb = b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "y">]><alert>&x;</alert>'
    with pytest.raises(CapImportRejected, match="DOCTYPE"):
        capxml.parse_untrusted(bomb)
    with pytest.raises(CapImportRejected, match="at most 100"):
        capxml.parse_untrusted(data, max_bytes=100)


def test_access_by_region() -> None:
    bel = Principal(3, "bel", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
    assert decide_in_regions(bel, Action.ALERT_PUBLISH, "alert", frozenset({"RU-BEL"}))
    assert not decide_in_regions(
        bel, Action.ALERT_PUBLISH, "alert", frozenset({"RU-BEL", "RU-KRS"})
    )
    assert not decide_in_regions(bel, Action.ALERT_PUBLISH, "alert", frozenset())
    analyst = Principal(4, "an", Role.ANALYST, Scope.all())
    assert not decide_in_regions(analyst, Action.ALERT_APPROVE, "alert", frozenset({"RU-BEL"}))
    regions = frozenset({"RU-BEL"})
    assert decide_alert_read(analyst, "Restricted", regions, published=True)
    assert not decide_alert_read(analyst, "Private", regions, published=True)
    assert not decide_alert_read(analyst, "Public", regions, published=False)  # a draft


def test_shelter_capacity_and_evacuation_steps() -> None:
    def shelter(i: int, lon: float, cap: int, occ: int = 0) -> Shelter:
        return Shelter(
            i, f"S{i}", "RU-BEL", lon, 50.6, "", cap, occ, frozenset(), ShelterStatus.OPEN
        )

    opened = Shelter.new(
        "S9", 36.5, 50.6, address="", capacity=10, occupancy=10, services=frozenset({"beds"})
    )
    assert opened.status is ShelterStatus.FULL and opened.room == 0
    full = shelter(1, 36.58, 100, 95)
    near, far = shelter(2, 36.60, 50), shelter(3, 37.5, 500)
    tiny = shelter(4, 36.59, 3)
    with pytest.raises(ShelterFull, match="nearest with room: S2") as caught:
        check_in(full, 10, [full, near, far, tiny], TravelModel())
    assert [a["id"] for a in caught.value.extra["alternatives"]] == [2, 3]
    after, events = check_in(full, 5, [], TravelModel())
    assert after.status is ShelterStatus.FULL and events[0].audit() is not None
    assert check_out(after, 5)[0].status is ShelterStatus.OPEN

    order = ev.EvacuationOrder(
        1,
        9,
        None,
        ev.OrderKind.MANDATORY,
        ev.OrderState.ORDERED,
        AreaSpec(AreaKind.REGION, region="RU-BEL"),
        "x",
        frozenset({"RU-BEL"}),
        (),
        100,
        0,
        (),
        "hq",
    )
    moving, _ = ev.progress(order, state=None, moved=30)
    assert moving.state is ev.OrderState.IN_PROGRESS and moving.remaining == 70
    with pytest.raises(ev.IllegalEvacuationStep):
        ev.progress(moving, state=ev.OrderState.ORDERED, moved=None)
    with pytest.raises(ev.InvalidEvacuation):
        ev.progress(moving, state=None, moved=101)
    lifted, events = ev.progress(moving, state=ev.OrderState.LIFTED, moved=None)
    assert events[0].timeline() is not None
    with pytest.raises(ev.IllegalEvacuationStep):
        ev.progress(lifted, state=None, moved=50)
