"""Marchwarden's picture as CoT, and the certificate rules (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from marchwarden.adapters.tak.cotxml import parse_event
from marchwarden.core.access.model import Principal, Role, Scope, User
from marchwarden.core.errors import Conflict, Forbidden
from marchwarden.core.tak import certificates, picture

NOW = datetime(2026, 12, 5, 12, 0, tzinfo=UTC)


def test_a_unit_is_its_2525_type_at_its_position_and_goes_stale_when_withdrawn() -> None:
    unit = picture.UnitInfo(
        7, "BEL-OP1", "Grayvoron Outpost", "border_service", "outpost", "available", 35.45, 50.48
    )
    ev = parse_event(picture.unit_event(unit, NOW))
    assert (ev.uid, ev.type, ev.lon, ev.lat) == ("mw.unit.7", "a-f-G-U-U-L-B", 35.45, 50.48)
    assert ev.callsign == "BEL-OP1 Grayvoron Outpost"
    assert ev.stale == NOW + picture.UNIT_STALE
    gone = parse_event(picture.unit_event(unit, NOW, gone=True))
    assert gone.stale == NOW


def test_an_incident_carries_its_state_and_closes_stale() -> None:
    inc = picture.IncidentInfo(
        3, "Shelling <Shebekino>", "shelling", "severe", "active", 36.9, 50.4, 5.0
    )
    ev = parse_event(picture.incident_event(inc, NOW))
    assert ev.uid == "mw.incident.3" and ev.ce == 5000.0
    assert ev.remarks == "Shelling <Shebekino>: shelling, severity severe, active"
    closed = parse_event(
        picture.incident_event(
            picture.IncidentInfo(3, "x", "shelling", "severe", "closed", 36.9, 50.4), NOW
        )
    )
    assert closed.stale == NOW


def test_a_task_is_a_waypoint_and_a_geochat_to_the_unit() -> None:
    task = picture.TaskInfo(5, 3, "Cordon the crossing", "urgent", 35.5, 50.5, "assigned", 7)
    marker = parse_event(picture.task_event(task, NOW))
    assert marker.type == "b-m-p-w" and marker.stale == NOW + picture.TASK_STALE
    chat = parse_event(
        picture.task_chat(
            task, hq_uid="hq", hq_callsign="HQ", to_uid="D-1", to_callsign="OP1", now=NOW
        )
    )
    assert chat.is_chat and chat.dest_callsigns == ("OP1",)
    assert chat.chat is not None and "Cordon the crossing" in chat.chat.text


def _user(role: Role = Role.UNIT_COMMANDER, *, disabled: bool = False) -> User:
    return User(4, "op1", "op1", role, Scope.of_unit(7, "/1/7/"), disabled, NOW)


def test_certificates_only_for_active_accounts_that_may_connect() -> None:
    [issued] = certificates.issue(
        _user(), serial="ab", fingerprint="f", how="enrolment", not_after=NOW + timedelta(days=365)
    )
    facts = issued.audit()
    assert facts is not None and facts.command == "tak.certificate.issue"
    assert facts.changes["serial"] == "ab"
    with pytest.raises(Forbidden, match="disabled"):
        certificates.issue(
            _user(disabled=True), serial="ab", fingerprint="f", how="x", not_after=NOW
        )
    with pytest.raises(Forbidden, match="may not connect"):
        certificates.issue(
            _user(Role.AUDITOR), serial="ab", fingerprint="f", how="x", not_after=NOW
        )


def test_revocation_by_the_owner_or_a_user_manager_once() -> None:
    owner = _user()
    other = Principal(9, "someone", Role.UNIT_COMMANDER, Scope.all())
    admin = Principal(1, "admin", Role.ADMIN, Scope.all())
    assert certificates.revoke(owner.principal(), owner, serial="ab", revoked=False, reason="x")
    assert certificates.revoke(admin, owner, serial="ab", revoked=False, reason="x")
    assert certificates.revoke(None, owner, serial="ab", revoked=False, reason="x")
    with pytest.raises(Forbidden):
        certificates.revoke(other, owner, serial="ab", revoked=False, reason="x")
    with pytest.raises(Conflict):
        certificates.revoke(admin, owner, serial="ab", revoked=True, reason="x")
