"""Fault tests against real processes (issue 15, the reliability suite).

- **A full disk under the SQLite store**: the database lives on a small tmpfs that is
  filled up while a real server takes reports. Writes are refused cleanly (503
  problem+json with Retry-After, never a 500), reads keep working, and once space is
  freed writes succeed again by themselves; every acknowledged report is stored, the
  file passes SQLite's integrity check and the audit chain verifies.

Needs root to mount a tmpfs (CI runs as root); without it the test is skipped with the
reason, except under CI, where that is a failure.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.conftest import IN_CI
from tests.e2e.conftest import ADMIN_PASSWORD, Server

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

pytestmark = pytest.mark.e2e


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    volume = tmp_path / "volume"
    volume.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(volume)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        reason = f"cannot mount a tmpfs: {mounted.stderr.strip()}"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    try:
        yield volume
    finally:
        subprocess.run(["umount", "-l", str(volume)], check=False)


def _report(n: int) -> dict[str, Any]:
    return {
        "source_kind": "volunteer",
        "observed_at": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
        "position": {"lon": 35.5, "lat": 50.4 + n * 0.0001},
        "uncertainty_m": 100,
        "incident_type": "gunfire",
        "text": f"full disk report {n} " + "x" * 400,
        "rating": "B2",
        "reporter": "Sokol-1",
    }


def _fill(path: Path) -> None:
    with open(path, "wb") as filler:
        with contextlib.suppress(OSError):
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        with contextlib.suppress(OSError):
            os.fsync(filler.fileno())


def test_full_disk_refuses_writes_cleanly_and_recovers(small_volume: Path, tmp_path: Path) -> None:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": f"sqlite:///{small_volume / 'marchwarden.db'}",
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
        }
    )
    server = Server(env=env, log_path=tmp_path / "server.log")
    made = server.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    server.start()
    try:
        auth = {"Authorization": f"Bearer {server.login('admin', ADMIN_PASSWORD)}"}
        acknowledged: dict[str, int] = {}
        statuses: list[int] = []
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            for n in range(20):  # room left: these are stored
                reply = http.post(
                    "/api/v1/reports", json=_report(n), headers={"Idempotency-Key": f"k{n}"}
                )
                assert reply.status_code == 201, reply.text
                acknowledged[f"k{n}"] = reply.json()["id"]
            filler = small_volume / "filler"
            _fill(filler)
            for n in range(20, 400):
                reply = http.post(
                    "/api/v1/reports", json=_report(n), headers={"Idempotency-Key": f"k{n}"}
                )
                statuses.append(reply.status_code)
                if reply.status_code == 201:
                    acknowledged[f"k{n}"] = reply.json()["id"]
                    continue
                assert reply.status_code == 503, reply.text
                assert reply.headers["content-type"].startswith("application/problem+json")
                assert reply.headers["retry-after"]
                if statuses.count(503) >= 5:
                    break
            assert 503 in statuses, "the disk never filled up"
            assert 500 not in statuses
            # reads keep working while the disk is full
            assert http.get("/api/v1/reports", params={"limit": 5}).status_code == 200
            filler.unlink()
            # space again: writes succeed by themselves
            recovered = http.post(
                "/api/v1/reports", json=_report(999), headers={"Idempotency-Key": "after"}
            )
            assert recovered.status_code == 201, recovered.text
            acknowledged["after"] = recovered.json()["id"]
            stored = {
                r["id"] for r in http.get("/api/v1/reports", params={"limit": 1000}).json()["items"]
            }
            assert set(acknowledged.values()) <= stored
            verify = http.get("/api/v1/audit/verify").json()
            assert verify["ok"], verify
    finally:
        server.stop()
    with contextlib.closing(sqlite3.connect(small_volume / "marchwarden.db")) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
