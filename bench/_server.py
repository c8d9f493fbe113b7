"""A real Marchwarden server process for benchmarks (SQLite in a temporary folder, or a
fresh PostgreSQL database)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from typing import TYPE_CHECKING

import httpx
import psycopg

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

PASSWORD = "bench-password-1"  # noqa: S105 - a throwaway benchmark account


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


@contextmanager
def server(url: str, folder: Path, **extra_env: str) -> Iterator[str]:
    """Start ``marchwarden serve`` and yield its base URL; an admin ``bench`` exists."""
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
    log = open(folder / "server.log", "ab")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(
        [sys.executable, "-m", "marchwarden", "serve", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("server did not start")
            time.sleep(0.1)
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
