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


# --------------------------------------------------------------------------- PostgreSQL restart


def _pg_bin() -> str | None:
    """The newest installed PostgreSQL's bin directory (Debian layout), if any."""
    root = "/usr/lib/postgresql"
    if not os.path.isdir(root):
        return None
    for version in sorted(os.listdir(root), key=lambda v: (len(v), v), reverse=True):
        path = os.path.join(root, version, "bin")
        if os.path.exists(os.path.join(path, "initdb")):
            return path
    return None


PG_BIN = _pg_bin()


class PrivatePostgres:
    """A PostgreSQL cluster of this test's own (never the shared one), run as the
    ``postgres`` OS user on a free port, so that it may be stopped and started."""

    def __init__(self) -> None:
        import shutil
        import tempfile

        from tests.e2e.conftest import free_port

        self.port = free_port()
        self.dir = tempfile.mkdtemp(prefix="mw-pg-")
        shutil.chown(self.dir, "postgres", "postgres")
        self.data = os.path.join(self.dir, "data")
        self.log = os.path.join(self.dir, "log")
        self._as_postgres(f"{PG_BIN}/initdb", "-D", self.data, "-A", "trust", "-U", "postgres")

    def _as_postgres(self, *args: str) -> None:
        done = subprocess.run(
            ["runuser", "-u", "postgres", "--", *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr

    def start(self) -> None:
        opts = f"-p {self.port} -c listen_addresses=127.0.0.1 -k {self.dir}"
        self._as_postgres(
            f"{PG_BIN}/pg_ctl", "-D", self.data, "-l", self.log, "-o", opts, "-w", "start"
        )

    def stop(self) -> None:
        self._as_postgres(f"{PG_BIN}/pg_ctl", "-D", self.data, "-m", "fast", "-w", "stop")

    def url(self, db: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{db}"

    def remove(self) -> None:
        import shutil

        with contextlib.suppress(AssertionError):
            self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def private_pg() -> Iterator[PrivatePostgres]:
    import pwd

    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pwd_missing = True
    else:
        pwd_missing = False
    if PG_BIN is None or pwd_missing or os.geteuid() != 0:
        reason = "a private PostgreSQL cluster needs its binaries, the postgres user and root"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)
    pg = PrivatePostgres()
    pg.start()
    try:
        yield pg
    finally:
        pg.remove()


def test_postgres_restart_under_load_is_503_then_recovers_with_nothing_lost(
    private_pg: PrivatePostgres, tmp_path: Path
) -> None:
    import threading
    import time

    import psycopg

    with psycopg.connect(private_pg.url("postgres"), autocommit=True) as conn:
        conn.execute("CREATE DATABASE mw")
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": private_pg.url("mw"),
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
    acknowledged: dict[str, int] = {}
    statuses: list[tuple[str, int]] = []  # (phase, status)
    phase = "before"
    lock = threading.Lock()
    stop = threading.Event()
    bad: list[str] = []
    try:
        auth = {"Authorization": f"Bearer {server.login('admin', ADMIN_PASSWORD)}"}

        def writer(k: int) -> None:
            n = 0
            with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
                while not stop.is_set():
                    key = f"w{k}-{n}"
                    reply = http.post(
                        "/api/v1/reports", json=_report(n), headers={"Idempotency-Key": key}
                    )
                    with lock:
                        statuses.append((phase, reply.status_code))
                        if reply.status_code == 201:
                            acknowledged[key] = reply.json()["id"]
                        elif reply.status_code != 503 or not reply.headers[
                            "content-type"
                        ].startswith("application/problem+json"):
                            bad.append(f"{phase} {reply.status_code} {reply.text[:300]}")
                    n += 1
                    if reply.status_code == 503:
                        time.sleep(0.05)

        threads = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
        for th in threads:
            th.start()
        deadline = time.monotonic() + 60
        while len(acknowledged) < 40 and time.monotonic() < deadline:
            time.sleep(0.01)
        private_pg.stop()
        phase = "down"
        time.sleep(2.0)
        phase = "restarting"
        private_pg.start()
        phase = "up"
        before_up = len(acknowledged)
        deadline = time.monotonic() + 60
        while len(acknowledged) < before_up + 40 and time.monotonic() < deadline:
            time.sleep(0.05)
        stop.set()
        for th in threads:
            th.join(timeout=60)
        assert bad == [], bad[:10]
        assert any(p == "down" and s == 503 for p, s in statuses), "no request met the outage"
        assert len(acknowledged) >= before_up + 40, "writes did not recover by themselves"
        with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
            stored: set[int] = set()
            after = 0
            while True:
                page = http.get("/api/v1/reports", params={"after_id": after, "limit": 1000})
                body = page.json()
                stored |= {r["id"] for r in body["items"]}
                if body["next_after_id"] is None:
                    break
                after = body["next_after_id"]
            assert set(acknowledged.values()) <= stored, "an acknowledged report was lost"
            assert len(set(acknowledged.values())) == len(acknowledged)
            verify = http.get("/api/v1/audit/verify").json()
            assert verify["ok"], verify
    finally:
        stop.set()
        server.stop()


# --------------------------------------------------------------------------- NATS restart


def test_nats_restart_loses_and_doubles_no_event_on_any_subscriber(tmp_path: Path) -> None:
    """Two API processes on PostgreSQL and a private NATS server (never the shared one),
    the hubs' store poll set to a minute: only the bus can deliver quickly. Events are
    committed through A before, during and after a NATS restart; B's stream subscriber
    gets every one, in order, once — those committed during the outage too (B reads the
    store after its reconnect)."""
    import asyncio
    import json
    import shutil
    import signal
    import time

    import websockets

    from tests.e2e.conftest import free_port, two_api_servers

    nats_bin = shutil.which("nats-server")
    if nats_bin is None:
        if IN_CI:
            pytest.fail("nats-server is not installed")
        pytest.skip("nats-server is not installed")
    port = free_port()

    def start_nats() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(
            [nats_bin, "-a", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError):
                import socket

                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                return proc
            time.sleep(0.05)
        raise RuntimeError("nats-server did not start")

    nats = start_nats()
    try:
        with two_api_servers(tmp_path, f"nats://127.0.0.1:{port}") as (a, b):
            token = a.login("admin", ADMIN_PASSWORD)
            auth = {"Authorization": f"Bearer {token}"}

            def create(n: int) -> None:
                reply = httpx.post(
                    a.url + "/api/v1/users",
                    headers=auth,
                    json={
                        "username": f"u{n}",
                        "password": "a-long-password",
                        "role": "analyst",
                        "scope": {"kind": "all"},
                    },
                    timeout=30,
                )
                assert reply.status_code == 201, reply.text

            async def scenario() -> list[str]:
                nonlocal nats
                got: list[str] = []
                async with websockets.connect(f"{b.ws_url}/api/v1/stream?token={token}") as ws:

                    async def receive(n: int, timeout: float) -> None:
                        while len(got) < n:
                            msg = json.loads(await asyncio.wait_for(ws.recv(), timeout))
                            got.append(msg["data"]["username"])

                    for n in range(3):
                        await asyncio.to_thread(create, n)
                    await receive(3, 10)
                    nats.send_signal(signal.SIGKILL)
                    nats.wait()
                    for n in range(3, 6):  # committed while the bus is down
                        await asyncio.to_thread(create, n)
                    nats = await asyncio.to_thread(start_nats)
                    await receive(6, 15)  # well before the minute-long poll
                    for n in range(6, 9):
                        await asyncio.to_thread(create, n)
                    await receive(9, 10)
                    with contextlib.suppress(TimeoutError):  # nothing more, nothing twice
                        got.append(
                            json.loads(await asyncio.wait_for(ws.recv(), 1.5))["data"]["username"]
                        )
                return got

            got = asyncio.run(scenario())
            assert got == [f"u{n}" for n in range(9)]
    finally:
        nats.kill()  # the one started last (the scenario restarts it)
        nats.wait()
