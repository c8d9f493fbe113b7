"""The rules that moved into the core, each in one function (issue 10)."""

from __future__ import annotations

import pytest

from marchwarden.core.access.model import Principal, Resource, Role, Scope
from marchwarden.core.access.policy import TaskRelation, may_move_task
from marchwarden.core.authority.decisions import ACT_TRANSITIONS, check_act_transition
from marchwarden.core.authority.model import ActStatus
from marchwarden.core.errors import Conflict

BEL = Principal(2, "belgorod", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-BEL"))
CMDR = Principal(3, "cmdr", Role.UNIT_COMMANDER, Scope.of_unit(4, "/1/4/"))
KRS = Principal(4, "kursk", Role.REGIONAL_COORDINATOR, Scope.of_regions("RU-KRS"))
IN_BEL = Resource("incident", region="RU-BEL")
IN_KRS = Resource("incident", region="RU-KRS")
MY_UNIT = Resource(
    "unit", region="RU-BEL", agencies=frozenset({1}), unit_paths=frozenset({"/1/4/"})
)


def test_the_act_lifecycle() -> None:
    assert ACT_TRANSITIONS[ActStatus.REPEALED] == ()
    check_act_transition(ActStatus.PROPOSED, ActStatus.DRAFT)
    with pytest.raises(Conflict, match="allowed from in_force: repealed") as refused:
        check_act_transition(ActStatus.IN_FORCE, ActStatus.DRAFT)
    assert refused.value.extra == {"allowed": ["repealed"]}


@pytest.mark.parametrize(
    ("who", "relation", "incident", "unit", "allowed"),
    [
        (CMDR, TaskRelation.UNIT, IN_BEL, MY_UNIT, True),  # the unit answers
        (KRS, TaskRelation.UNIT, IN_KRS, MY_UNIT, False),  # not for a unit outside its scope
        (KRS, TaskRelation.UNIT_OR_COMMAND, IN_KRS, MY_UNIT, True),  # but as the command
        (BEL, TaskRelation.UNIT_OR_COMMAND, IN_BEL, MY_UNIT, True),
        (CMDR, TaskRelation.UNIT_OR_COMMAND, IN_KRS, MY_UNIT, True),
        (BEL, TaskRelation.UNIT_OR_COMMAND, IN_KRS, None, False),
        (CMDR, TaskRelation.COMMAND, IN_BEL, MY_UNIT, False),  # cancelling is the command's
        (BEL, TaskRelation.COMMAND, IN_BEL, MY_UNIT, True),
        (CMDR, TaskRelation.UNIT, IN_BEL, None, False),
    ],
)
def test_who_may_move_a_task(
    who: Principal,
    relation: TaskRelation,
    incident: Resource,
    unit: Resource | None,
    allowed: bool,
) -> None:
    decision = may_move_task(who, relation, incident=incident, unit=unit)
    assert decision.allowed is allowed, decision.reason
