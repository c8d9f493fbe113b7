"""The incident and task handlers over a fake unit of work (tests/unit/fakes.py): the
decisions they take and the events they record, without a database or HTTP."""

from __future__ import annotations

import pytest

from marchwarden.core.dispatch.tasking import TaskStatus
from marchwarden.core.errors import Conflict, Invalid
from marchwarden.core.incidents import events as ev
from marchwarden.core.incidents.model import IncidentState, Severity
from marchwarden.core.incidents.place import IncidentPlace
from marchwarden.core.incidents.taxonomy import IncidentType
from marchwarden.services import incidents, tasks
from tests.unit.fakes import HQ, fake_services, incident_state

SPEC = incidents.IncidentSpec(
    name="Shots near the crossing",
    incident_type=IncidentType.GUNFIRE,
    severity=Severity.MODERATE,
    place=IncidentPlace.point(35.46, 50.47),
    lead_agency_id=1,
)


def test_opening_an_incident_records_one_event_with_its_audit_and_timeline() -> None:
    svc, store = fake_services()
    view = incidents.create_incident(svc, HQ, SPEC)
    assert view.incident.state is IncidentState.REPORTED
    (event,) = store.committed
    assert isinstance(event, ev.IncidentOpened)
    facts = event.audit()
    assert facts is not None and facts.command == "incident.open"
    assert set(facts.changes) == {
        "name",
        "type",
        "severity",
        "region",
        "lead_agency_id",
        "supporting_agency_ids",
    }
    note = event.timeline()
    assert note is not None and note.kind == "opened"
    assert "lead Belgorod volunteers (BEL-VSD)" in note.text


def test_a_lead_agency_cannot_also_support_and_nothing_is_recorded() -> None:
    svc, store = fake_services()
    spec = incidents.IncidentSpec(
        name="x",
        incident_type=IncidentType.GUNFIRE,
        place=IncidentPlace.point(35.46, 50.47),
        lead_agency_id=1,
        supporting_agency_ids=(1,),
    )
    with pytest.raises(Invalid, match="both the lead and a supporting agency"):
        incidents.create_incident(svc, HQ, spec)
    assert store.committed == [] and store.incidents.rows == {}


def test_closing_with_an_unfinished_task_is_refused_and_changes_nothing() -> None:
    svc, store = fake_services()
    incident_id = incidents.create_incident(svc, HQ, SPEC).incident.id
    for step in (IncidentState.VERIFIED, IncidentState.ACTIVE, IncidentState.CONTAINED):
        incidents.change_state(svc, HQ, incident_id, step)
    task = tasks.create_task(svc, HQ, incident_id, tasks.TaskSpec(title="Cordon")).task
    before = list(store.committed)
    with pytest.raises(Conflict, match=r"unfinished tasks \(1\)") as refused:
        incidents.change_state(svc, HQ, incident_id, IncidentState.CLOSED)
    assert refused.value.extra == {"unfinished_tasks": [task.id]}
    assert store.committed == before
    assert incident_state(store, incident_id) is IncidentState.CONTAINED

    tasks.cancel(svc, HQ, task.id, reason="not needed")
    incidents.change_state(svc, HQ, incident_id, IncidentState.CLOSED)
    changed = store.committed[-1]
    assert isinstance(changed, ev.IncidentStateChanged)
    facts = changed.audit()
    assert facts.command == "incident.transition"
    assert facts.changes == {"state": ["contained", "closed"], "reason": ""}


def test_a_closed_incident_takes_no_task_and_no_change_of_command() -> None:
    svc, store = fake_services()
    incident_id = incidents.create_incident(svc, HQ, SPEC).incident.id
    incidents.change_state(svc, HQ, incident_id, IncidentState.REJECTED, reason="a hoax")
    before = list(store.committed)
    with pytest.raises(Conflict, match="it takes no new tasks"):
        tasks.create_task(svc, HQ, incident_id, tasks.TaskSpec(title="Look"))
    with pytest.raises(Conflict, match="its command is final"):
        incidents.set_command(svc, HQ, incident_id, lead_agency_id=2, supporting_agency_ids=())
    assert store.committed == before and store.tasks.rows == {}


def test_a_task_step_records_its_audit_command_and_timeline_entry() -> None:
    svc, store = fake_services()
    incident_id = incidents.create_incident(svc, HQ, SPEC).incident.id
    task = tasks.create_task(svc, HQ, incident_id, tasks.TaskSpec(title="Cordon")).task
    created = store.committed[-1]
    assert isinstance(created, ev.TaskCreated)
    assert created.audit().changes["minimum_readiness"] == 3
    assert "minimum_readiness" not in created.payload()  # record-only: not published
    view = tasks.cancel(svc, HQ, task.id, reason="not needed")
    assert view.task.status is TaskStatus.CANCELLED
    cancelled = store.committed[-1]
    assert isinstance(cancelled, ev.TaskStatusChanged)
    facts = cancelled.audit()
    assert facts is not None
    assert facts.command == "task.cancelled"
    assert facts.changes == {"status": ["open", "cancelled"], "unit_id": None, "note": "not needed"}
    note = cancelled.timeline()
    assert note.text == f"Task {task.id} cancelled: not needed"


def test_a_task_without_a_unit_has_no_one_to_answer_for_it() -> None:
    svc, store = fake_services()
    incident_id = incidents.create_incident(svc, HQ, SPEC).incident.id
    task = tasks.create_task(svc, HQ, incident_id, tasks.TaskSpec(title="Cordon")).task
    before = list(store.committed)
    with pytest.raises(Conflict, match="has no unit to answer for it"):
        tasks.respond(svc, HQ, task.id, accept=True)
    assert store.committed == before
