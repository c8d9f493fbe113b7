"""The refused assignment's event knows its audit record and its timeline entry (issue 13)."""

from __future__ import annotations

from marchwarden.core.incidents.events import TaskAssignmentRefused
from marchwarden.core.incidents.records import TimelineKind


def refused() -> TaskAssignmentRefused:
    return TaskAssignmentRefused(
        incident_id=7,
        region="RU-BEL",
        agencies=(1,),
        task_id=3,
        unit_id=12,
        unit_agency_id=2,
        unit_path="/4/12/",
        unit_code="BEL-2BN",
        unit_name="2nd Battalion",
        missing_powers=("carry_weapons",),
        reasons=("missing power carry_weapons", "Carry and use weapons: not granted"),
    )


def test_audit_names_the_unit_the_missing_powers_and_the_reasons() -> None:
    facts = refused().audit()
    assert facts.command == "task.assign.refused"
    assert (facts.target_type, facts.target_id) == ("task", 3)
    assert facts.changes == {
        "unit_id": 12,
        "unit_code": "BEL-2BN",
        "missing_powers": ["carry_weapons"],
        "reasons": ["missing power carry_weapons", "Carry and use weapons: not granted"],
        "coded_reasons": [],
    }


def test_timeline_entry_says_what_was_refused_and_why() -> None:
    note = refused().timeline()
    assert TimelineKind(note.kind) is TimelineKind.TASK_REFUSED
    assert (note.incident_id, note.unit_id, note.task_id) == (7, 12, 3)
    assert note.text == (
        "Assignment of task 3 to 2nd Battalion (BEL-2BN) refused: missing power "
        "carry_weapons; Carry and use weapons: not granted"
    )
    assert note.data["missing_powers"] == ["carry_weapons"]
