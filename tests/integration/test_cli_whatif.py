"""``marchwarden whatif`` (and ``--release``) on both stores: 80-column tables, JSON and
CSV; and every command run where no store exists says what is missing."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from marchwarden.entrypoints.cli import app
from tests.integration.test_api_release import release_world

if TYPE_CHECKING:
    from pathlib import Path

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings

AT = "2026-11-26T12:00:00+00:00"  # the services fixture's clock


def env_for(settings: Settings, columns: int = 80) -> dict[str, str]:
    return {
        "MARCHWARDEN_DATABASE_URL": settings.database_url,
        "MARCHWARDEN_AUDIT_ANCHOR_PATH": settings.audit_anchor_path,
        "MARCHWARDEN_ENVIRONMENT": "test",
        "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
        "COLUMNS": str(columns),
    }


@pytest.fixture
def world(services: Services, settings: Settings) -> dict[str, str]:
    release_world(services)
    return env_for(settings)


def run(env: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["whatif", "--at", AT, *args], env=env)
    return result.exit_code, result.output


def test_tables_fit_80_columns_and_nothing_is_cut(world: dict[str, str]) -> None:
    for args in (("--with", "LSD-2023"), ("--with", "LSD-2023", "--release")):
        code, out = run(world, *args)
        assert code == 0, out
        assert "…" not in out
        assert max(len(line) for line in out.splitlines()) <= 80
    _, plain = run(world, "--with", "LSD-2023")
    assert "carry_weapons" in plain and "armed_response" in plain
    code, out = run(world, "--with", "LSD-2023", "--release")
    assert "freed by acts in force + LSD-2023: ARMY-BEL-1 (10)" in out
    assert "KRS-1BN" in out  # what stands in the way, by battalion
    assert "+8 (1)" in out  # activating the Kursk battalion: 8 members, 1 unit


def test_users_list_fits_80_columns(world: dict[str, str], services: Services) -> None:
    from marchwarden.core.access.model import Role, Scope
    from tests.factories import make_user

    make_user(services, "liaison-bel-border-service", Role.REGIONAL_COORDINATOR, Scope.all())
    result = CliRunner().invoke(app, ["users", "list"], env=world)
    assert result.exit_code == 0, result.output
    assert "…" not in result.output
    assert max(len(line) for line in result.output.splitlines()) <= 80
    # folded onto a second line, not cut: the pieces of the username and role are all there
    rows = [
        line for line in result.output.splitlines() if "liaison" in line or "der-service" in line
    ]
    assert len(rows) >= 2
    assert "regional_coord" in rows[0] and "nator" in rows[1]


def test_release_as_json_and_csv(world: dict[str, str]) -> None:
    code, out = run(world, "--with", "LSD-2023", "--release", "--format", "json")
    assert code == 0, out
    body = json.loads(out)
    assert [u["code"] for u in body["freed"]] == ["ARMY-BEL-1"]
    assert body["after"]["method"] == "optimal"
    code, out = run(world, "--with", "LSD-2023", "--release", "--format", "csv")
    assert code == 0, out
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO(out))}
    assert set(rows) == {"ARMY-BEL-1", "NG-KRS-1", "ARMY-BRY-1"}
    assert rows["ARMY-BEL-1"]["in_force"] == "kept"
    assert rows["ARMY-BEL-1"]["with_proposed"] == "released"
    assert rows["ARMY-BEL-1"]["freed"] == "yes"
    assert rows["NG-KRS-1"]["freed"] == "no" and rows["NG-KRS-1"]["settlements_kept_covered"]
    code, out = run(world, "--with", "LSD-2023", "--format", "csv")
    assert code == 0 and out.startswith("power,region,members_before")
    code, out = run(world, "--with", "LSD-2023", "--format", "json")
    assert code == 0 and json.loads(out)["proposed"] == ["LSD-2023"]


def test_release_with_an_activation_by_code(world: dict[str, str]) -> None:
    code, out = run(
        world, "--with", "LSD-2023", "--release", "--activate", "KRS-1BN", "--format", "json"
    )
    assert code == 0, out
    body = json.loads(out)
    assert sorted(u["code"] for u in body["freed"]) == ["ARMY-BEL-1", "NG-KRS-1"]
    code, out = run(world, "--with", "LSD-2023", "--release", "--activate", "NOPE")
    assert code == 1 and "no unit 'NOPE'" in out
    code, out = run(world, "--with", "LSD-2023", "--activate", "KRS-1BN")
    assert code == 2 and "need --release" in out
    code, out = run(world, "--with", "LSD-2023", "--release", "--format", "xml")
    assert code == 2 and "--format must be" in out
    code, out = run(world, "--with", "LSD-2023", "--release", "--objective", "cheap")
    assert code == 1 and "--objective is units, people or readiness" in out


@pytest.mark.parametrize(
    "command",
    [
        ["whatif", "--with", "LSD-2023"],
        ["whatif", "--with", "LSD-2023", "--release"],
        ["users", "list"],
        ["audit", "verify"],
        ["roster", "export"],
    ],
)
def test_every_command_without_a_store_says_how_to_make_one(
    tmp_path: Path, command: list[str]
) -> None:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}",
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "anchor"),
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "COLUMNS": "200",
        }
    )
    done = subprocess.run(
        [sys.executable, "-c", "from marchwarden.entrypoints.cli import main; main()", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "has no Marchwarden tables" in done.stderr
    assert "marchwarden db upgrade" in done.stderr and "marchwarden demo" in done.stderr


def test_an_admin_sets_an_accounts_language_and_messages_follow_lang(
    world: dict[str, str], services: Services
) -> None:
    from marchwarden.core.access.model import Role, Scope
    from tests.factories import make_user

    make_user(services, "duty-officer", Role.HQ_COMMANDER, Scope.all())
    bad = CliRunner().invoke(app, ["users", "language", "duty-officer", "xx"], env=world)
    assert bad.exit_code == 1 and "unknown language 'xx'" in bad.output
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username("duty-officer")
        assert user is not None and user.language is None
    ok = CliRunner().invoke(
        app, ["--lang", "ru", "users", "language", "duty-officer", "ru"], env=world
    )
    assert ok.exit_code == 0, ok.output
    assert "язык пользователя duty-officer: ru" in ok.output
    with services.db.unit_of_work(write=False) as uow:
        user = uow.users.by_username("duty-officer")
        assert user is not None and user.language == "ru"
    # MARCHWARDEN_LANG when there is no --lang; the table's headings follow it
    listed = CliRunner().invoke(app, ["users", "list"], env=world | {"MARCHWARDEN_LANG": "ru"})
    assert "состояние" in listed.output and "активна" in listed.output
    english = CliRunner().invoke(app, ["users", "list"], env=world | {"LANG": "C.UTF-8"})
    assert "state" in english.output and "active" in english.output


def test_whatif_speaks_the_language_of_lang(world: dict[str, str]) -> None:
    """``--lang ru``: the what-if's and the release analysis's tables, lines and errors in
    Russian (still 80 columns); the same run without it stays English."""

    def ru(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(app, ["--lang", "ru", "whatif", "--at", AT, *args], env=world)
        return result.exit_code, result.output

    code, out = ru("--with", "LSD-2023")
    assert code == 0, out
    assert "Что если: действующие акты + LSD-2023" in out
    assert "Приграничные населённые пункты" in out and "модель перемещения" in out
    assert "What-if" not in out and "travel model" not in out
    code, out = ru("--with", "LSD-2023", "--release")
    assert code == 0, out
    assert "Анализ высвобождения" in out
    assert "высвобождает действующие акты + LSD-2023: ARMY-BEL-1 (10)" in out
    assert "Что мешает" in out and "+8 (1)" in out
    assert "freed by" not in out and "Release analysis" not in out
    assert max(len(line) for line in out.splitlines()) <= 80
    code, out = ru("--with", "LSD-2023", "--format", "yaml")
    assert code == 2 and "--format: table, json или csv, а не 'yaml'" in out
    code, out = run(world, "--with", "LSD-2023", "--release")
    assert "Release analysis" in out and "Анализ" not in out
