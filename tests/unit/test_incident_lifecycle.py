"""Incident lifecycle (every transition), Admiralty rating, severity, casualty history."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest

from marchwarden.core.incidents.casualties import (
    CasualtyCategory,
    CasualtyGroup,
    CasualtyOutcome,
    CasualtyRecord,
    CasualtyUpdate,
)
from marchwarden.core.incidents.errors import (
    IllegalIncidentTransition,
    IncidentError,
    InvalidAdmiraltyRating,
    InvalidCasualtyUpdate,
    TransitionReasonRequired,
)
from marchwarden.core.incidents.lifecycle import (
    allowed_transitions,
    can_transition,
    check_transition,
    transition,
)
from marchwarden.core.incidents.model import (
    AdmiraltyRating,
    IncidentState,
    InformationCredibility,
    ReportSourceKind,
    Severity,
    SourceReliability,
)

S = IncidentState
T0 = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)

# The specification, written out independently of the module's table.
EXPECTED: dict[IncidentState, list[IncidentState]] = {
    S.REPORTED: [S.VERIFIED, S.REJECTED],
    S.VERIFIED: [S.ACTIVE, S.CLOSED],
    S.ACTIVE: [S.CONTAINED],
    S.CONTAINED: [S.CLOSED, S.ACTIVE],
    S.CLOSED: [],
    S.REJECTED: [],
}
PAIRS = list(itertools.product(IncidentState, IncidentState))
LEGAL = [(a, b) for a, b in PAIRS if b in EXPECTED[a]]
ILLEGAL = [(a, b) for a, b in PAIRS if b not in EXPECTED[a]]


# --------------------------------------------------------------------------- lifecycle


def test_specification_covers_every_state() -> None:
    assert set(EXPECTED) == set(IncidentState)
    assert len(LEGAL) == 7
    assert len(ILLEGAL) == 29


@pytest.mark.parametrize(("current", "requested"), LEGAL)
def test_legal_transition(current: IncidentState, requested: IncidentState) -> None:
    assert can_transition(current, requested)
    check_transition(current, requested)
    change = transition(current, requested, at=T0, reason="duty officer decision")
    assert change.from_state is current
    assert change.to_state is requested
    assert change.at == T0
    assert change.reason == "duty officer decision"


@pytest.mark.parametrize(("current", "requested"), ILLEGAL)
def test_illegal_transition_names_allowed(current: IncidentState, requested: IncidentState) -> None:
    assert not can_transition(current, requested)
    allowed = ", ".join(s.value for s in EXPECTED[current]) or "none"
    expected = (
        f"cannot go from {current.value} to {requested.value}; "
        f"allowed from {current.value}: {allowed}"
    )
    with pytest.raises(IllegalIncidentTransition) as caught:
        transition(current, requested, at=T0, reason="x")
    assert str(caught.value) == expected
    assert caught.value.message == expected
    assert caught.value.code == "illegal-incident-transition"
    assert caught.value.allowed == tuple(s.value for s in EXPECTED[current])
    assert isinstance(caught.value, IncidentError)


def test_example_message_from_closed() -> None:
    with pytest.raises(
        IllegalIncidentTransition,
        match=r"^cannot go from closed to active; allowed from closed: none$",
    ):
        check_transition(S.CLOSED, S.ACTIVE)


def test_allowed_transitions_in_lifecycle_order() -> None:
    for state in IncidentState:
        assert list(allowed_transitions(state)) == EXPECTED[state]


def test_full_happy_path_with_flare_up() -> None:
    path = [S.REPORTED, S.VERIFIED, S.ACTIVE, S.CONTAINED, S.ACTIVE, S.CONTAINED, S.CLOSED]
    changes = [
        transition(a, b, at=T0 + timedelta(hours=i))
        for i, (a, b) in enumerate(itertools.pairwise(path))
    ]
    assert [c.to_state for c in changes] == path[1:]
    assert changes[-1].describe() == "contained → closed"


def test_rejection_needs_a_reason() -> None:
    with pytest.raises(TransitionReasonRequired, match="from reported to rejected needs a reason"):
        transition(S.REPORTED, S.REJECTED, at=T0, reason="   ")
    change = transition(S.REPORTED, S.REJECTED, at=T0, reason=" hoax, source E5 ")
    assert change.reason == "hoax, source E5"
    assert change.describe() == "reported → rejected: hoax, source E5"


def test_transition_time_is_utc_and_must_be_aware() -> None:
    moscow = timezone(timedelta(hours=3))
    change = transition(S.REPORTED, S.VERIFIED, at=datetime(2026, 11, 26, 9, 0, tzinfo=moscow))
    assert change.at == T0
    assert change.at.tzinfo is UTC
    with pytest.raises(ValueError, match="timezone-aware"):
        transition(S.REPORTED, S.VERIFIED, at=datetime(2026, 11, 26, 6, 0))  # noqa: DTZ001


def test_open_and_terminal_states() -> None:
    assert {s for s in IncidentState if s.is_open} == {
        S.REPORTED,
        S.VERIFIED,
        S.ACTIVE,
        S.CONTAINED,
    }
    for state in IncidentState:
        assert state.is_terminal == (not EXPECTED[state])


# --------------------------------------------------------------------------- Admiralty

RELIABILITY_LETTERS = "ABCDEF"
CREDIBILITY_DIGITS = "123456"


@pytest.mark.parametrize("code", [r + c for r in RELIABILITY_LETTERS for c in CREDIBILITY_DIGITS])
def test_every_admiralty_code_parses_and_round_trips(code: str) -> None:
    rating = AdmiraltyRating.parse(code)
    assert rating.reliability is SourceReliability(code[0])
    assert rating.credibility is InformationCredibility(int(code[1]))
    assert rating.code == code
    assert str(rating) == code
    assert AdmiraltyRating.parse(code.lower()) == rating
    assert AdmiraltyRating.parse(f"  {code} ") == rating
    assert rating.is_judged == (code[0] != "F" and code[1] != "6")


@pytest.mark.parametrize("text", ["", "G2", "A7", "A0", "B22", "2B", "B-2", "BB", "B", "2"])
def test_invalid_admiralty_codes(text: str) -> None:
    with pytest.raises(InvalidAdmiraltyRating, match="letter A-F followed by a digit 1-6") as e:
        AdmiraltyRating.parse(text)
    assert e.value.code == "invalid-admiralty-rating"
    assert repr(text) in e.value.message


def test_admiralty_describe() -> None:
    assert (
        AdmiraltyRating.parse("B2").describe()
        == "B2: usually reliable source, information probably true"
    )
    assert (
        AdmiraltyRating.parse("F6").describe()
        == "F6: reliability cannot be judged, credibility cannot be judged"
    )
    assert AdmiraltyRating.parse("E5").describe() == "E5: unreliable source, information improbable"


def test_source_kinds_and_severity() -> None:
    assert {k.value for k in ReportSourceKind} == {
        "volunteer",
        "police",
        "public",
        "sensor",
        "open_source",
        "tak",
    }
    ordered = sorted(Severity, key=lambda s: s.rank)
    assert [s.cap_value for s in ordered] == ["Unknown", "Minor", "Moderate", "Severe", "Extreme"]


# --------------------------------------------------------------------------- casualties

CK = CasualtyCategory.CIVILIAN_KILLED
CW = CasualtyCategory.CIVILIAN_WOUNDED
CM = CasualtyCategory.CIVILIAN_MISSING
PK = CasualtyCategory.PERSONNEL_KILLED
PW = CasualtyCategory.PERSONNEL_WOUNDED


def test_casualty_categories_are_group_by_outcome() -> None:
    assert len(CasualtyCategory) == 6
    for group, outcome in itertools.product(CasualtyGroup, CasualtyOutcome):
        category = CasualtyCategory.of(group, outcome)
        assert category.group is group
        assert category.outcome is outcome


def test_updates_are_absolute_and_unnamed_categories_keep_their_figure() -> None:
    record = (
        CasualtyRecord()
        .record(CasualtyUpdate(T0, {CK: 1, CW: 3}))
        .record(CasualtyUpdate(T0 + timedelta(hours=2), {CW: 5, PW: 2}))
    )
    totals = record.totals()
    assert totals[CK] == 1
    assert totals[CW] == 5  # 5, not 3 + 5: absolute counts
    assert totals[PW] == 2
    assert totals.killed == 1
    assert totals.wounded == 7
    assert totals.missing == 0
    assert totals.by_group(CasualtyGroup.CIVILIAN) == 6
    assert totals.total == 8
    assert totals.reported == frozenset({CK, CW, PW})
    assert totals.last_update_at == T0 + timedelta(hours=2)
    assert totals.describe() == "1 civilian killed, 5 civilians wounded, 2 personnel wounded"
    assert len(record.updates) == 2  # the history is kept


def test_resending_an_update_changes_nothing() -> None:
    update = CasualtyUpdate(T0, {CK: 1, CW: 4})
    once = CasualtyRecord().record(update)
    twice = once.record(update)
    assert once.totals().counts == twice.totals().counts


def test_correction_may_lower_a_count() -> None:
    record = CasualtyRecord.of(
        [
            CasualtyUpdate(T0, {CM: 4}),
            CasualtyUpdate(T0 + timedelta(hours=5), {CM: 1}, note="three found at the shelter"),
        ]
    )
    assert record.totals()[CM] == 1


def test_late_update_does_not_override_a_newer_figure() -> None:
    record = CasualtyRecord.of(
        [
            CasualtyUpdate(T0 + timedelta(hours=3), {CW: 6}),
            CasualtyUpdate(T0 + timedelta(hours=1), {CW: 2, PK: 1}),  # arrives late
        ]
    )
    totals = record.totals()
    assert totals[CW] == 6
    assert totals[PK] == 1
    assert totals.last_update_at == T0 + timedelta(hours=3)


def test_same_time_later_recorded_wins() -> None:
    record = CasualtyRecord.of([CasualtyUpdate(T0, {CK: 1}), CasualtyUpdate(T0, {CK: 2})])
    assert record.totals()[CK] == 2


def test_totals_as_of_a_past_moment_inclusive() -> None:
    record = CasualtyRecord.of(
        [
            CasualtyUpdate(T0, {CK: 1}),
            CasualtyUpdate(T0 + timedelta(days=1), {CK: 2, CW: 5}),
        ]
    )
    assert record.totals(as_of=T0 - timedelta(seconds=1)).describe() == "no casualties reported"
    assert record.totals(as_of=T0)[CK] == 1
    assert record.totals(as_of=T0 + timedelta(hours=23))[CW] == 0
    assert record.totals(as_of=T0 + timedelta(days=1))[CW] == 5


def test_reported_zero_differs_from_not_reported() -> None:
    totals = CasualtyRecord().record(CasualtyUpdate(T0, {PK: 0})).totals()
    assert totals[PK] == 0
    assert totals[CK] == 0
    assert PK in totals.reported
    assert CK not in totals.reported
    assert totals.describe() == "0 personnel killed"


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({}, "at least one count"),
        ({CK: -1}, "civilian_killed: count must not be negative"),
        ({CK: True}, "civilian_killed: count must be a whole number"),
        ({CK: 1.5}, "civilian_killed: count must be a whole number"),
        ({"civilian_eaten": 1}, "unknown casualty category 'civilian_eaten'"),
    ],
)
def test_invalid_casualty_updates(counts: dict[object, object], message: str) -> None:
    with pytest.raises(InvalidCasualtyUpdate, match=message):
        CasualtyUpdate(T0, counts)  # type: ignore[arg-type]


def test_casualty_update_time_must_be_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        CasualtyUpdate(datetime(2026, 11, 26), {CK: 1})  # noqa: DTZ001


def test_casualty_update_accepts_category_codes_and_is_hashable() -> None:
    update = CasualtyUpdate(T0, {"civilian_killed": 1})  # type: ignore[dict-item]
    assert update.counts == {CK: 1}
    assert hash(update) == hash(CasualtyUpdate(T0, {CK: 1}))
    assert update.describe() == "1 civilian killed"
