"""CAD unit statuses: availability meaning and every transition, legal and illegal."""

from __future__ import annotations

import itertools

import pytest

from marchwarden.core.forces.status import (
    Availability,
    IllegalStatusTransition,
    UnitStatus,
    UnitStatusError,
    allowed_next_statuses,
    can_change_status,
    change_status,
)

S = UnitStatus

# The specification, written out independently of the module's table.
EXPECTED_NEXT: dict[UnitStatus, set[UnitStatus]] = {
    S.AVAILABLE: {S.ASSIGNED, S.EN_ROUTE, S.OUT_OF_SERVICE, S.OFF_DUTY},
    S.ASSIGNED: {S.EN_ROUTE, S.ON_SCENE, S.AVAILABLE, S.OUT_OF_SERVICE},
    S.EN_ROUTE: {S.ON_SCENE, S.ASSIGNED, S.AVAILABLE, S.OUT_OF_SERVICE},
    S.ON_SCENE: {S.RETURNING, S.AVAILABLE, S.OUT_OF_SERVICE},
    S.RETURNING: {S.AVAILABLE, S.ASSIGNED, S.EN_ROUTE, S.OUT_OF_SERVICE},
    S.OUT_OF_SERVICE: {S.AVAILABLE, S.OFF_DUTY},
    S.OFF_DUTY: {S.AVAILABLE, S.OUT_OF_SERVICE},
}

EXPECTED_AVAILABILITY: dict[UnitStatus, Availability] = {
    S.AVAILABLE: Availability.AVAILABLE,
    S.ASSIGNED: Availability.COMMITTED,
    S.EN_ROUTE: Availability.COMMITTED,
    S.ON_SCENE: Availability.COMMITTED,
    S.RETURNING: Availability.AVAILABLE,
    S.OUT_OF_SERVICE: Availability.UNAVAILABLE,
    S.OFF_DUTY: Availability.UNAVAILABLE,
}

ALL_PAIRS = list(itertools.product(UnitStatus, UnitStatus))
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in EXPECTED_NEXT[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in EXPECTED_NEXT[a]]


def test_every_status_is_specified() -> None:
    assert set(EXPECTED_NEXT) == set(UnitStatus)
    assert set(EXPECTED_AVAILABILITY) == set(UnitStatus)
    assert len(LEGAL) + len(ILLEGAL) == 49


@pytest.mark.parametrize("status", list(UnitStatus))
def test_availability_meaning(status: UnitStatus) -> None:
    assert status.availability is EXPECTED_AVAILABILITY[status]
    assert status.is_available == (EXPECTED_AVAILABILITY[status] is Availability.AVAILABLE)


@pytest.mark.parametrize(("current", "requested"), LEGAL)
def test_legal_transition(current: UnitStatus, requested: UnitStatus) -> None:
    assert can_change_status(current, requested)
    assert change_status(current, requested) is requested


@pytest.mark.parametrize(("current", "requested"), ILLEGAL)
def test_illegal_transition_names_allowed_next(current: UnitStatus, requested: UnitStatus) -> None:
    assert not can_change_status(current, requested)
    with pytest.raises(IllegalStatusTransition) as caught:
        change_status(current, requested)
    error = caught.value
    assert isinstance(error, UnitStatusError)
    assert error.code == "illegal-status-transition"
    assert error.current is current
    assert error.requested is requested
    assert set(error.allowed) == EXPECTED_NEXT[current]
    message = str(error)
    assert message.startswith(
        f"cannot change unit status from {current.value} to {requested.value}; "
        f"allowed from {current.value}: "
    )
    named = message.rsplit(": ", 1)[1].split(", ")
    assert set(named) == {s.value for s in EXPECTED_NEXT[current]}


def test_allowed_next_statuses_matches_specification() -> None:
    for status in UnitStatus:
        assert set(allowed_next_statuses(status)) == EXPECTED_NEXT[status]


def test_no_status_changes_to_itself() -> None:
    for status in UnitStatus:
        with pytest.raises(IllegalStatusTransition):
            change_status(status, status)


def test_committed_unit_cannot_go_off_duty_directly() -> None:
    with pytest.raises(IllegalStatusTransition, match="allowed from on_scene: returning"):
        change_status(S.ON_SCENE, S.OFF_DUTY)


def test_describe() -> None:
    assert S.ON_SCENE.describe() == "on scene (committed)"
    assert S.OFF_DUTY.describe() == "off duty (unavailable)"
    assert S.RETURNING.describe() == "returning (available)"
