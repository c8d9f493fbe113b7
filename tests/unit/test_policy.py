"""The access-policy matrix: every role and scope kind, allowed and denied."""

from __future__ import annotations

import pytest

from marchwarden.core.access.model import Principal, Resource, Role, Scope
from marchwarden.core.access.policy import (
    GLOBAL_ACTIONS,
    ROLE_ACTIONS,
    Action,
    decide,
    in_scope,
)

BEL_UNIT = Resource(
    "unit", region="RU-BEL", agencies=frozenset({7}), unit_paths=frozenset({"/1/4/"})
)
KRS_UNIT = Resource("unit", region="RU-KRS", agencies=frozenset({8}), unit_paths=frozenset({"/2/"}))
BEL_SUBUNIT = Resource(
    "unit", region="RU-BEL", agencies=frozenset({7}), unit_paths=frozenset({"/1/4/9/"})
)
BEL_OTHER_BRANCH = Resource(
    "unit", region="RU-BEL", agencies=frozenset({7}), unit_paths=frozenset({"/1/5/"})
)
# an incident in Belgorod led by agency 8 and supported by agency 7
BEL_INCIDENT = Resource("incident", region="RU-BEL", agencies=frozenset({8, 7}))


def who(role: Role, scope: Scope) -> Principal:
    return Principal(1, "someone", role, scope)


HQ = who(Role.HQ_COMMANDER, Scope.all())
ADMIN = who(Role.ADMIN, Scope.all())
BEL_COORD = who(Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
KRS_COORD = who(Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
LIAISON_7 = who(Role.AGENCY_LIAISON, Scope.of_agency(7))
LIAISON_9 = who(Role.AGENCY_LIAISON, Scope.of_agency(9))
UNIT_CMDR = who(Role.UNIT_COMMANDER, Scope.of_unit(4, "/1/4/"))
PERSONNEL = who(Role.PERSONNEL_OFFICER, Scope.of_unit(4, "/1/4/"))
REPORTER = who(Role.FIELD_REPORTER, Scope.of_regions("RU-BEL"))
ANALYST = who(Role.ANALYST, Scope.all())
AUDITOR = who(Role.AUDITOR, Scope.all())


@pytest.mark.parametrize(
    ("principal", "action", "resource", "allowed"),
    [
        # HQ commands everywhere but sees no personal data and manages no users
        (HQ, Action.TASK_ASSIGN, BEL_UNIT, True),
        (HQ, Action.TASK_ASSIGN, KRS_UNIT, True),
        (HQ, Action.MEMBER_READ_PERSONAL, BEL_UNIT, False),
        (HQ, Action.USER_MANAGE, None, False),
        (HQ, Action.AUDIT_READ, None, False),
        # regional coordinators: their region only (cross-region denial)
        (BEL_COORD, Action.UNIT_STATUS, BEL_UNIT, True),
        (BEL_COORD, Action.UNIT_STATUS, KRS_UNIT, False),
        (KRS_COORD, Action.UNIT_WRITE, BEL_UNIT, False),
        (KRS_COORD, Action.TASK_ASSIGN, BEL_UNIT, False),
        (KRS_COORD, Action.INCIDENT_READ, BEL_INCIDENT, False),
        (BEL_COORD, Action.INCIDENT_WRITE, BEL_INCIDENT, True),
        (BEL_COORD, Action.AGENCY_WRITE, None, False),
        (BEL_COORD, Action.TASK_ASSIGN, None, False),  # scoped action needs a resource
        # agency liaisons: their agency only (cross-agency denial)
        (LIAISON_7, Action.UNIT_STATUS, BEL_UNIT, True),
        (LIAISON_9, Action.UNIT_STATUS, BEL_UNIT, False),
        (LIAISON_7, Action.TASK_RESPOND, BEL_SUBUNIT, True),
        (LIAISON_7, Action.TASK_ASSIGN, BEL_UNIT, False),
        (LIAISON_7, Action.INCIDENT_READ, BEL_INCIDENT, True),
        (LIAISON_9, Action.INCIDENT_READ, BEL_INCIDENT, False),
        # unit commanders: their subtree, personal data included
        (UNIT_CMDR, Action.MEMBER_READ_PERSONAL, BEL_UNIT, True),
        (UNIT_CMDR, Action.MEMBER_READ_PERSONAL, BEL_SUBUNIT, True),
        (UNIT_CMDR, Action.MEMBER_READ_PERSONAL, BEL_OTHER_BRANCH, False),
        (UNIT_CMDR, Action.ROSTER_IMPORT, BEL_SUBUNIT, True),
        (UNIT_CMDR, Action.TASK_ASSIGN, BEL_UNIT, False),
        # personnel officers: personal data in scope, no command
        (PERSONNEL, Action.MEMBER_READ_PERSONAL, BEL_SUBUNIT, True),
        (PERSONNEL, Action.MEMBER_READ_PERSONAL, KRS_UNIT, False),
        (PERSONNEL, Action.UNIT_STATUS, BEL_UNIT, False),
        (PERSONNEL, Action.INCIDENT_READ, BEL_INCIDENT, False),
        # field reporters submit anywhere, read in scope, command nothing
        (REPORTER, Action.REPORT_SUBMIT, None, True),
        (REPORTER, Action.INCIDENT_READ, BEL_INCIDENT, True),
        (REPORTER, Action.UNIT_READ, BEL_UNIT, False),
        (REPORTER, Action.MEMBER_READ, BEL_UNIT, False),
        # analysts read and run what-ifs; no command, no personal data
        (ANALYST, Action.WHATIF_RUN, None, True),
        (ANALYST, Action.LAW_WRITE, None, True),
        (ANALYST, Action.TASK_ASSIGN, BEL_UNIT, False),
        (ANALYST, Action.MEMBER_READ_PERSONAL, BEL_UNIT, False),
        # the release analysis: a scoped account sees only its regions' units in it
        (BEL_COORD, Action.RELEASE_UNIT_VIEW, BEL_UNIT, True),
        (BEL_COORD, Action.RELEASE_UNIT_VIEW, KRS_UNIT, False),
        (KRS_COORD, Action.RELEASE_UNIT_VIEW, KRS_UNIT, True),
        (ANALYST, Action.RELEASE_UNIT_VIEW, KRS_UNIT, True),
        (HQ, Action.RELEASE_UNIT_VIEW, BEL_UNIT, True),
        (LIAISON_7, Action.RELEASE_UNIT_VIEW, BEL_UNIT, False),
        (AUDITOR, Action.RELEASE_UNIT_VIEW, BEL_UNIT, False),
        # auditors read the audit trail and nothing operational
        (AUDITOR, Action.AUDIT_READ, None, True),
        (AUDITOR, Action.INCIDENT_READ, BEL_INCIDENT, False),
        (AUDITOR, Action.STREAM_SUBSCRIBE, None, False),
        # admins may do everything
        (ADMIN, Action.USER_MANAGE, None, True),
        (ADMIN, Action.MEMBER_READ_PERSONAL, KRS_UNIT, True),
    ],
)
def test_matrix(
    principal: Principal, action: Action, resource: Resource | None, allowed: bool
) -> None:
    decision = decide(principal, action, resource)
    assert decision.allowed is allowed, decision.reason
    assert decision.reason


@pytest.mark.parametrize("role", list(Role))
def test_every_role_is_denied_what_it_was_not_granted(role: Role) -> None:
    p = who(role, Scope.all())
    for action in Action:
        decision = decide(p, action, BEL_UNIT)
        assert decision.allowed is (action in ROLE_ACTIONS[role]), (role, action)


def test_unknown_role_is_denied_everything() -> None:
    p = Principal(1, "x", "nobody", Scope.all())  # type: ignore[arg-type]
    assert not any(decide(p, a, BEL_UNIT).allowed for a in Action)


def test_denial_reasons_name_the_scope() -> None:
    decision = decide(KRS_COORD, Action.UNIT_WRITE, BEL_UNIT)
    assert "outside the caller's scope" in decision.reason
    assert "RU-KRS" in decision.reason


def test_scope_edges() -> None:
    # a resource with no region is outside every regions scope
    assert not in_scope(Scope.of_regions("RU-BEL"), Resource("unit"))
    # unit path prefixes are whole segments: /1/4/ does not contain /1/41/
    assert not in_scope(
        Scope.of_unit(4, "/1/4/"), Resource("unit", unit_paths=frozenset({"/1/41/"}))
    )
    assert in_scope(Scope.all(), Resource("anything"))
    assert Action.REPORT_SUBMIT in GLOBAL_ACTIONS


def test_a_report_is_routed_to_the_region_where_it_lies_whatever_the_reporters_scope() -> None:
    from marchwarden.core.access.model import Principal, Role, Scope
    from marchwarden.core.access.policy import route_report

    reporter = Principal(1, "reporter", Role.FIELD_REPORTER, Scope.of_regions("RU-BEL"))
    inside = route_report(reporter, "RU-BEL")
    across = route_report(reporter, "RU-KRS")
    nowhere = route_report(reporter, None)
    assert (inside.region, across.region, nowhere.region) == ("RU-BEL", "RU-KRS", None)
    assert "inside the reporter's scope" in inside.reason
    assert "outside the reporter's scope" in across.reason and "routed to RU-KRS" in across.reason
    assert "all-regions scope" in nowhere.reason
