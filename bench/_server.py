"""A real Marchwarden server process for benchmarks (SQLite in a temporary folder, or a
fresh PostgreSQL database)."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import psycopg

if TYPE_CHECKING:
    import asyncio
    from collections.abc import Iterator

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway benchmark account
#: base URL → process id of the servers started here (to read their CPU time)
PIDS: dict[str, int] = {}


async def read_reply(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """The status and body of one HTTP/1.1 reply with a Content-Length (the benchmarks'
    minimal keep-alive client on raw asyncio streams)."""
    raw_head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in raw_head.split(b"\r\n"):
        if line[:15].lower() == b"content-length:":
            length = int(line[15:])
    return int(raw_head[9:12]), await reader.readexactly(length)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(proc: subprocess.Popen[bytes], url: str, seconds: float = 60) -> None:
    """Poll ``url`` until it answers 200; fail if the process exits or time runs out."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            raise RuntimeError(f"server did not start ({url})")
        time.sleep(0.1)


@contextmanager
def database(store: str, folder: Path) -> Iterator[str]:
    if store == "sqlite":
        yield f"sqlite:///{folder / 'bench.db'}"
        return
    admin = os.environ.get("MARCHWARDEN_BENCH_PG", "postgresql://root@127.0.0.1:5432/test")
    name = f"mw_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def server_env(url: str, folder: Path, **extra_env: str) -> dict[str, str]:
    """The environment of a benchmark server on ``url`` (its files in ``folder``)."""
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": "bench-secret-" + "x" * 32,
            "MARCHWARDEN_DATABASE_URL": url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(folder / "audit.anchor"),
            "MARCHWARDEN_LOG_LEVEL": "WARNING",
            "MARCHWARDEN_LOGIN_SLOWDOWN_AFTER": "1000",
            "MARCHWARDEN_LOGIN_LOCK_AFTER": "1000",
            **extra_env,
        }
    )
    return env


def server(url: str, folder: Path, **extra_env: str) -> contextlib.AbstractContextManager[str]:
    """Start ``marchwarden serve`` and yield its base URL; an admin ``bench`` exists."""
    return _serve(url, folder, True, extra_env)


def further_server(
    url: str, folder: Path, **extra_env: str
) -> contextlib.AbstractContextManager[str]:
    """Another ``serve`` process on a store that ``server`` has set up already."""
    return _serve(url, folder, False, extra_env)


@contextmanager
def servers(url: str, folder: Path, count: int, **extra_env: str) -> Iterator[list[str]]:
    """``count`` ``marchwarden serve`` processes on one store, each on its own port (give
    them a shared bus, ``MARCHWARDEN_BUS=nats``, for the live stream); yields their base
    URLs. The first is started by ``server`` (it adds the ``bench`` admin)."""
    with contextlib.ExitStack() as stack:
        bases = [stack.enter_context(server(url, folder, **extra_env))]
        for _ in range(1, count):
            bases.append(stack.enter_context(further_server(url, folder, **extra_env)))
        yield bases


@contextmanager
def _serve(url: str, folder: Path, add_admin: bool, extra_env: dict[str, str]) -> Iterator[str]:
    env = server_env(url, folder, **extra_env)
    if add_admin:
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "marchwarden",
                "users",
                "add",
                "bench",
                "--role",
                "admin",
                "--password-stdin",
            ],
            input=PASSWORD + "\n",
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise RuntimeError(made.stderr)
    port = free_port()
    log_path = folder / f"server-{port}.log"
    log = open(log_path, "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "marchwarden", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    PIDS[base] = proc.pid
    try:
        try:
            wait_until_up(proc, base + "/readyz", seconds=300)  # a loaded machine starts slowly
        except RuntimeError as exc:
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{exc}; the server's log ends:\n{tail}") from None
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)
        log.close()


def token(base: str) -> str:
    reply = httpx.post(
        base + "/api/v1/auth/login", json={"username": "bench", "password": PASSWORD}, timeout=30
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


# --------------------------------------------------------------------------- the baseline


def bare_app() -> Any:
    """The yardstick: a bare FastAPI endpoint that commits one SQLite row per request
    (WAL, ``synchronous=FULL``), no validation, access control, audit or events. Started
    by ``bare_server`` as ``uvicorn --factory bench._server:bare_app``."""
    import sqlite3
    import threading

    from fastapi import FastAPI
    from fastapi.responses import JSONResponse

    path = os.environ["BENCH_BARE_DB"]
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT)")
    setup.close()
    local = threading.local()
    lock = threading.Lock()
    app = FastAPI()

    def conn() -> sqlite3.Connection:
        c: sqlite3.Connection | None = getattr(local, "conn", None)
        if c is None:
            c = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            c.execute("PRAGMA synchronous=FULL")
            local.conn = c
        return c

    @app.post("/rows", response_model=None, status_code=201)
    def add(body: dict[str, Any]) -> JSONResponse:
        c = conn()
        with lock:
            c.execute("BEGIN IMMEDIATE")
            rid = c.execute("INSERT INTO rows (body) VALUES (?)", (str(body),)).lastrowid
            c.execute("COMMIT")
        return JSONResponse({"id": rid}, status_code=201)

    @app.get("/ping", response_model=None)
    def ping() -> dict[str, str]:
        return {"ok": "yes"}

    return app


@contextmanager
def bare_server(folder: Path) -> Iterator[str]:
    env = dict(os.environ, BENCH_BARE_DB=str(folder / "bare.db"))
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[1])])
    port = free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "bench._server:bare_app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    PIDS[base] = proc.pid
    try:
        wait_until_up(proc, base + "/ping")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        fields = fh.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
