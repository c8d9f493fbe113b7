"""A real server process (``marchwarden serve`` on uvicorn), on SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx
import pytest

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

ADMIN_PASSWORD = "e2e-admin-password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _listening_sockets(port: int) -> set[str] | None:
    """The inodes of the TCP sockets listening on ``port`` (None: no /proc to read)."""
    found: set[str] = set()
    read = False
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table, encoding="ascii") as fh:
                lines = fh.read().splitlines()[1:]
        except OSError:
            continue
        read = True
        for line in lines:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:  # 0A: LISTEN
                found.add(inode)
    return found if read else None


def listens_on(pid: int, port: int) -> bool | None:
    """Whether process ``pid`` holds a socket listening on ``port`` (None: cannot tell).

    A free port is picked before the server starts, so another test's server (another
    xdist worker's) can take it in between; its ``/readyz`` would then answer for ours."""
    sockets = _listening_sockets(port)
    if sockets is None:
        return None
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        with contextlib.suppress(OSError):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:[") and target[8:-1] in sockets:
                return True
    return False


@dataclass
class Server:
    env: dict[str, str]
    log_path: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    _log: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def cli(self, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "marchwarden", *args],
            input=stdin,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "marchwarden", "serve", "--port", str(self.port)],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = self.log_path.read_text()
                if "address already in use" in log.lower():
                    # another test's server took the port first: start again on another
                    self._log.close()
                    self.port = free_port()
                    self.start()
                    return
                raise RuntimeError(f"server exited: {log[-3000:]}")
            try:
                ready = httpx.get(self.url + "/readyz", timeout=1).status_code == 200
            except httpx.HTTPError:
                ready = False
            # ready, and it is this process that answers (not another on the same port)
            if ready and listens_on(self.proc.pid, self.port) is not False:
                return
            time.sleep(0.1)
        raise RuntimeError("server did not become ready in 60 s")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        proc.send_signal(sig)
        try:
            return proc.wait(timeout=45)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
        finally:
            if self._log is not None:
                self._log.close()
                self._log = None

    def login(self, username: str, password: str) -> str:
        reply = httpx.post(
            self.url + "/api/v1/auth/login",
            json={"username": username, "password": password},
            timeout=10,
        )
        assert reply.status_code == 200, reply.text
        return str(reply.json()["access_token"])


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[Server]:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": database_url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "MARCHWARDEN_LOGIN_LOCK_SECONDS": "3",
            "MARCHWARDEN_LOGIN_LOCK_AFTER": "6",
            "MARCHWARDEN_LOGIN_SLOWDOWN_AFTER": "3",
        }
    )
    srv = Server(env=env, log_path=tmp_path / "server.log")
    made = srv.cli(
        "users", "add", "admin", "--role", "admin", "--password-stdin", stdin=ADMIN_PASSWORD + "\n"
    )
    assert made.returncode == 0, made.stdout + made.stderr
    srv.start()
    yield srv
    srv.stop()


@contextmanager
def two_api_servers(tmp_path: Path, nats_url: str) -> Iterator[tuple[Server, Server]]:
    """Two API processes on one fresh PostgreSQL database, sharing the NATS server at
    ``nats_url``; an admin exists. Both are stopped and the database dropped at the end."""
    from tests.conftest import _pg_url, drop_pg_database, pg_database

    name = pg_database()
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "test-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": _pg_url(name),
            "MARCHWARDEN_BUS": "nats",
            "MARCHWARDEN_NATS_URL": nats_url,
            # the stream must come over the bus, not from the store's polling
            "MARCHWARDEN_STREAM_POLL_SECONDS": "60",
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
        }
    )
    a, b = (
        Server(
            env=env | {"MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / f"{n}.anchor")},
            log_path=tmp_path / f"{n}.log",
        )
        for n in ("a", "b")
    )
    try:
        made = a.cli(
            "users",
            "add",
            "admin",
            "--role",
            "admin",
            "--password-stdin",
            stdin=ADMIN_PASSWORD + "\n",
        )
        assert made.returncode == 0, made.stderr
        a.start()
        b.start()
        yield a, b
    finally:
        a.stop()
        b.stop()
        drop_pg_database(name)
