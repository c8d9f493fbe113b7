"""The TAK gateway's starting picture holds the current alerts and the evacuation orders
not lifted, read from the real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Role, Scope
from marchwarden.core.alerts.areas import AreaKind, AreaSpec
from marchwarden.core.alerts.model import (
    AlertContent,
    CapSeverity,
    Category,
    Certainty,
    InfoText,
    Instruction,
    Urgency,
)
from marchwarden.core.civil.evacuation import OrderKind, OrderState
from marchwarden.core.tak import shapes
from marchwarden.services import alerts, evacuation
from marchwarden.services import tak as tak_service
from tests.conftest import make_settings
from tests.factories import make_forces, make_user

if TYPE_CHECKING:
    from pathlib import Path

RING = ((35.55, 50.42), (35.75, 50.42), (35.75, 50.52), (35.55, 50.52), (35.55, 50.42))


def test_the_starting_picture_has_current_alerts_and_orders_not_lifted(
    database_url: str, tmp_path: Path
) -> None:
    svc = build_services(make_settings(database_url, tmp_path))
    try:
        make_forces(svc)
        hq = make_user(svc, "hq", Role.HQ_COMMANDER, Scope.all()).principal()

        def publish(event: str, area: AreaSpec) -> int:
            content = AlertContent(
                event=event,
                category=Category.SECURITY,
                urgency=Urgency.IMMEDIATE,
                severity=CapSeverity.MODERATE,
                certainty=Certainty.OBSERVED,
                instruction=Instruction.SHELTER_IN_PLACE,
                texts=(InfoText("en", f"{event} headline", "", ""),),
                area=area,
                expires=svc.clock.now() + timedelta(hours=6),
            )
            alert_id = alerts.draft(svc, hq, content).alert.id
            alerts.approve(svc, hq, alert_id)
            alerts.publish(svc, hq, alert_id)
            return alert_id

        drawn = publish("Incursion", AreaSpec(AreaKind.POLYGON, ring=RING))
        circle = publish("Shelling", AreaSpec(AreaKind.CIRCLE, center=(36.9, 50.41), radius_km=3))
        cancelled = publish("Drone", AreaSpec(AreaKind.POLYGON, ring=RING))
        alerts.cancel(svc, hq, cancelled)

        def order() -> int:
            return evacuation.order(
                svc,
                hq,
                area=AreaSpec(AreaKind.POLYGON, ring=RING),
                kind=OrderKind.MANDATORY,
                incident_id=None,
                alert_id=None,
                to_move=500,
                assembly_points=(),
            ).id

        kept, lifted = order(), order()
        evacuation.progress(svc, hq, lifted, state=OrderState.LIFTED, moved=None)

        state = tak_service.current_picture(svc)
        by_id = {a.id: a for a in state.alerts}
        assert set(by_id) == {drawn, circle}
        assert by_id[circle].circle == shapes.Circle(36.9, 50.41, 3.0)
        assert shapes.rings_of(by_id[drawn].geometry)[0][0] == (35.55, 50.42)
        assert by_id[drawn].regions == frozenset({"RU-BEL"})
        assert [o.id for o in state.orders] == [kept]
        stale = tak_service.alert_shape(svc, cancelled)
        assert stale is not None and shapes.alert_gone(stale, svc.clock.now())
        gone = tak_service.order_shape(svc, lifted)
        assert gone is not None and shapes.order_gone(gone)
        assert tak_service.alert_shape(svc, 999_999) is None
    finally:
        svc.db.engine.dispose()
