"""Roster CSV: every kind of bad row rejected with line and column, nothing written on
error, re-import changes nothing; the API and the CLI."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from typer.testing import CliRunner

from marchwarden.core.access.model import Role, Scope
from marchwarden.entrypoints.cli import app
from marchwarden.services import roster
from tests.factories import ROSTER_HEADER, login, make_forces, make_user, volunteer_row

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings


@pytest.fixture
def ids(services: Services) -> dict[str, int]:
    return make_forces(services)


def state(svc: Services) -> tuple[Any, ...]:
    with svc.db.unit_of_work(write=False) as uow:
        return tuple(uow.forces.roster()), uow.audit.count(), uow.events.last_id()


GOOD = ROSTER_HEADER + volunteer_row(1) + volunteer_row(2)


@pytest.mark.parametrize(
    ("row", "column", "reason"),
    [
        ("V9,BEL-2BN-1,c,Ivan,Petrov,1990-02-30,,,,\n", "date_of_birth", "not a date"),
        ("V9,NO-SUCH,c,Ivan,Petrov,,,,,\n", "unit_code", "no unit with code"),
        ("V9,BEL-2BN-1,,Ivan,Petrov,,,,,\n", "callsign", "is required"),
        ("V0001,BEL-2BN-1,c,Ivan,Petrov,,,,,\n", "external_id", "already appears on line 2"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,,basic:2025-01-01,,\n", "trainings", "must look like"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,,basic:2025-01-01:lots,,\n", "trainings", "not a number"),
        (
            "V9,BEL-2BN-1,c,Ivan,Petrov,,,,firearms:2026-01-01:2025-01-01,\n",
            "qualifications",
            "on or before it was issued",
        ),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,,,,2026-01-01::maybe\n", "fitness", "'fit' or 'unfit'"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,call me,,,\n", "phone", "not a phone number"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,2030-01-01,,,,\n", "date_of_birth", "not a plausible"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,,,\n", "(row)", "fewer fields"),
        ("V9,BEL-2BN-1,c,Ivan,Petrov,,,,,,extra\n", "(row)", "more fields"),
        ("bad id!,BEL-2BN-1,c,Ivan,Petrov,,,,,\n", "external_id", "must be 1-64"),
    ],
)
def test_bad_rows_are_named_and_nothing_is_written(
    services: Services, ids: dict[str, int], row: str, column: str, reason: str
) -> None:
    before = state(services)
    with pytest.raises(roster.RosterInvalid) as info:
        roster.import_roster(services, None, GOOD + row)
    errors = info.value.errors
    assert len(errors) == 1, errors
    assert errors[0].line == 4
    assert errors[0].column == column
    assert reason in errors[0].reason
    assert state(services) == before


def test_bad_header(services: Services, ids: dict[str, int]) -> None:
    with pytest.raises(roster.RosterInvalid) as info:
        roster.import_roster(services, None, "external_id,unit,callsign\nV1,X,c\n")
    described = {(e.line, e.column) for e in info.value.errors}
    assert (1, "unit") in described
    assert (1, "unit_code") in described


def test_reimport_is_idempotent_and_changes_are_applied(
    services: Services, ids: dict[str, int]
) -> None:
    first = roster.import_roster(services, None, GOOD)
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    before = state(services)
    again = roster.import_roster(services, None, GOOD)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert state(services) == before  # no write, no audit record, no event
    shuffled = ROSTER_HEADER + volunteer_row(2) + volunteer_row(1)
    assert roster.import_roster(services, None, shuffled).unchanged == 2
    moved = ROSTER_HEADER + volunteer_row(1, "BEL-2BN-2") + volunteer_row(2)
    changed = roster.import_roster(services, None, moved)
    assert (changed.created, changed.updated, changed.unchanged) == (0, 1, 1)
    exported = roster.export_roster(services, None)
    assert roster.import_roster(services, None, exported).unchanged == 2


def test_export_round_trips(services: Services, ids: dict[str, int]) -> None:
    roster.import_roster(services, None, GOOD)
    text = roster.export_roster(services, None)
    assert text.splitlines()[0] == ROSTER_HEADER.strip()
    assert "firearms:2025-06-01:2027-03-01" in text


def test_api_import_scope_and_errors(
    client: TestClient, services: Services, ids: dict[str, int]
) -> None:
    with services.db.unit_of_work(write=False) as uow:
        co1 = uow.forces.unit(ids["co1"])
    assert co1 is not None
    make_user(services, "cmdr", Role.UNIT_COMMANDER, Scope.of_unit(co1.id, co1.path))
    h = login(client, "cmdr") | {"content-type": "text/csv"}
    ok = client.post("/api/v1/roster/import", headers=h, content=GOOD.encode())
    assert ok.status_code == 200, ok.text
    assert ok.json() == {"created": 2, "updated": 0, "unchanged": 0}
    before = state(services)
    outside = ROSTER_HEADER + volunteer_row(5, "BEL-2BN-2")
    denied = client.post("/api/v1/roster/import", headers=h, content=outside.encode())
    assert denied.status_code == 403
    assert "BEL-2BN-2" in denied.json()["detail"]
    bad = client.post(
        "/api/v1/roster/import",
        headers=h,
        content=(GOOD + "V9,BEL-2BN-1,c,Ivan,Petrov,1990-13-01,,,,\n").encode(),
    )
    assert bad.status_code == 422
    problem = bad.json()
    assert problem["type"] == "/problems/roster-invalid"
    assert problem["errors"] == [
        {
            "line": 4,
            "column": "date_of_birth",
            "reason": "date of birth '1990-13-01' is not a date YYYY-MM-DD",
            # what the reason says, for the page to write in the reader's language
            "code": "roster.not_a_date",
            "params": {"what": "date of birth", "value": "1990-13-01"},
        }
    ]
    assert (problem["code"], problem["params"]) == ("roster.invalid", {"count": "1"})
    assert state(services) == before
    exported = client.get("/api/v1/roster/export", headers=login(client, "cmdr"))
    assert exported.status_code == 200
    assert exported.text.count("\n") == 3


def test_cli_import_with_errors_and_progress(
    services: Services, settings: Settings, ids: dict[str, int], tmp_path: Path
) -> None:
    env = {
        "MARCHWARDEN_DATABASE_URL": settings.database_url,
        "MARCHWARDEN_AUDIT_ANCHOR_PATH": settings.audit_anchor_path,
        "MARCHWARDEN_ENVIRONMENT": "test",
        "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
        "COLUMNS": "200",
    }
    bad = tmp_path / "bad.csv"
    bad.write_text(GOOD + "V9,BEL-2BN-1,c,Ivan,Petrov,,,,,2026-01-01::maybe\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["roster", "import", str(bad)], env=env)
    assert result.exit_code == 1
    assert f"{bad}:4: column fitness" in result.output
    assert "nothing was imported" in result.output
    # the same file's errors in Russian: each line's reason from its code and params
    result = CliRunner().invoke(app, ["--lang", "ru", "roster", "import", str(bad)], env=env)
    assert result.exit_code == 1
    assert (
        f"{bad}:4: столбец fitness: заключение «maybe» должно быть «fit» или «unfit»"
        in result.output
    ), result.output
    assert "verdict" not in result.output
    good = tmp_path / "good.csv"
    good.write_text(GOOD, encoding="utf-8")
    result = CliRunner().invoke(app, ["roster", "import", str(good)], env=env)
    assert result.exit_code == 0, result.output
    assert "2 created, 0 updated, 0 unchanged" in result.output
