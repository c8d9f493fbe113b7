"""A real TAK gateway process (``marchwarden tak serve``) and small CoT stream clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import ssl
import subprocess
import sys
import time
import warnings
import xml.etree.ElementTree as ET
from configparser import ConfigParser
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

SECRET = "test-secret-" + "x" * 32


def gateway_env(database_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "MARCHWARDEN_ENVIRONMENT": "test",
            "MARCHWARDEN_SECRET_KEY": SECRET,
            "MARCHWARDEN_DATABASE_URL": database_url,
            "MARCHWARDEN_AUDIT_ANCHOR_PATH": str(tmp_path / "audit.anchor"),
            "MARCHWARDEN_ARGON2_TIME_COST": "1",
            "MARCHWARDEN_ARGON2_MEMORY_KIB": "1024",
            "MARCHWARDEN_TAK_CA_DIR": str(tmp_path / "tak-ca"),
            "MARCHWARDEN_TAK_HOST": "127.0.0.1",
            "MARCHWARDEN_TAK_TCP_PORT": "0",
            "MARCHWARDEN_TAK_TLS_PORT": "0",
            "MARCHWARDEN_TAK_ENROL_PORT": "0",
            "MARCHWARDEN_TAK_POSITION_INTERVAL_SECONDS": "0",
            "MARCHWARDEN_STREAM_POLL_SECONDS": "0.2",
        }
    )
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "marchwarden", *args],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass
class GatewayProcess:
    env: dict[str, str]
    log_path: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    _log: Any = None

    def start(self) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        start = self.log_path.stat().st_size
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "marchwarden", "tak", "serve"],
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gateway exited: {self.log_path.read_text()[-3000:]}")
            text = self.log_path.read_bytes()[start:].decode(errors="replace")
            for line in text.splitlines():
                if line.startswith("tak gateway ready "):
                    self.ports = json.loads(line.removeprefix("tak gateway ready "))
                    return
            time.sleep(0.05)
        raise RuntimeError("gateway did not become ready in 60 s")

    def stop(self) -> int:
        proc, self.proc = self.proc, None
        if proc is None:
            return 0
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait()
        finally:
            if self._log is not None:
                self._log.close()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def sa(
    uid: str, callsign: str, lat: float = 50.6, lon: float = 36.6, *, remarks: str = ""
) -> bytes:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
    rem = f"<remarks>{remarks}</remarks>" if remarks else ""
    return (
        f'<?xml version="1.0"?><event version="2.0" uid="{uid}" type="a-f-G-U-C" how="m-g" '
        f'time="{now}" start="{now}" stale="{stale}"><point lat="{lat}" lon="{lon}" hae="0" '
        f'ce="10" le="10"/><detail><contact callsign="{callsign}"/>{rem}</detail></event>'
    ).encode()


def event(uid: str, typ: str, *, detail: str = "", lat: float = 50.6, lon: float = 36.6) -> bytes:
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    stale = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 120))
    return (
        f'<event version="2.0" uid="{uid}" type="{typ}" how="h-g-i-g-o" time="{now}" '
        f'start="{now}" stale="{stale}"><point lat="{lat}" lon="{lon}" hae="0" ce="10" le="10"/>'
        f"<detail>{detail}</detail></event>"
    ).encode()


class CotClient:
    """A CoT stream client (plain asyncio streams, independent of the server's code)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.buf = b""
        self.events: list[ET.Element] = []

    @classmethod
    async def connect(cls, port: int, tls: ssl.SSLContext | None = None) -> CotClient:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=tls)
        return cls(reader, writer)

    @classmethod
    async def pytak(cls, url: str, **tls: str) -> CotClient:
        """A connection made by pytak itself (``protocol_factory``: tcp:// or tls://)."""
        with warnings.catch_warnings():
            # pytak warns that aiohttp is not installed, and sets deprecated TLS options
            warnings.simplefilter("ignore")
            import pytak

            config = ConfigParser()
            config["t"] = {"COT_URL": url, **tls}
            reader, writer = await pytak.protocol_factory(config["t"])
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def _read_some(self, timeout: float) -> bool:
        try:
            data = await asyncio.wait_for(self.reader.read(65536), timeout)
        except TimeoutError:
            return False
        if not data:
            raise ConnectionError("closed by the server")
        self.buf += data
        while b"</event>" in self.buf:
            frame, _, self.buf = self.buf.partition(b"</event>")
            frame += b"</event>"
            start = frame.find(b"<event")
            self.events.append(ET.fromstring(frame[start:]))  # noqa: S314 - our server's output
        return True

    async def wait_for(self, pred: Any, timeout: float = 5.0) -> ET.Element:
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if pred(ev):
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                got = [(e.get("type"), e.get("uid")) for e in self.events]
                raise AssertionError(f"not received in {timeout} s; got {got}")
            await self._read_some(left)

    async def settle(self, seconds: float = 0.5) -> None:
        """Read whatever arrives within ``seconds``."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await self._read_some(left)

    def uids(self, typ: str | None = None) -> list[str]:
        return [str(e.get("uid")) for e in self.events if typ is None or e.get("type") == typ]

    async def closed_by_server(self, timeout: float = 5.0) -> bool:
        try:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                await self._read_some(deadline - time.monotonic())
        except (ConnectionError, OSError):
            return True
        return False

    async def close(self) -> None:
        self.writer.close()
        with contextlib.suppress(ConnectionError, OSError, ssl.SSLError):
            await self.writer.wait_closed()


def uid_is(uid: str) -> Any:
    return lambda e: e.get("uid") == uid


def type_is(typ: str) -> Any:
    return lambda e: e.get("type") == typ


def at(uid: str, lat: str) -> Any:
    """The event of ``uid`` with its point at latitude ``lat`` (as written)."""

    def pred(e: ET.Element) -> bool:
        point = e.find("point")
        return e.get("uid") == uid and point is not None and point.get("lat") == lat

    return pred


def enrol(enrol_port: int, ca_pem: Path, username: str, password: str, out: Path) -> dict[str, str]:
    """Enrol as ATAK does: a CSR made with ``cryptography``, posted with HTTP basic to
    ``/Marti/api/tls/signClient/v2``; returns pytak's TLS settings for the new certificate."""
    import httpx
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    base = f"https://127.0.0.1:{enrol_port}"
    with httpx.Client(verify=ssl.create_default_context(cafile=str(ca_pem)), timeout=30) as http:
        config = http.get(base + "/Marti/api/tls/config")
        assert config.status_code == 200, config.text
        assert 'name="O"' in config.text
        key = ec.generate_private_key(ec.SECP256R1())
        csr = (
            x509.CertificateSigningRequestBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, username)]))
            .sign(key, hashes.SHA256())
        )
        reply = http.post(
            base + "/Marti/api/tls/signClient/v2",
            params={"clientUid": f"ANDROID-{username}", "version": "4.10"},
            content=csr.public_bytes(serialization.Encoding.PEM),
            auth=(username, password),
        )
    assert reply.status_code == 200, reply.text
    body = reply.json()
    out.mkdir(parents=True, exist_ok=True)
    cert = out / f"{username}.pem"
    key_path = out / f"{username}.key"
    cert.write_text(body["signedCert"])
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    assert body["ca0"].strip() == ca_pem.read_text().strip()
    return {
        "PYTAK_TLS_CLIENT_CERT": str(cert),
        "PYTAK_TLS_CLIENT_KEY": str(key_path),
        "PYTAK_TLS_CLIENT_CAFILE": str(ca_pem),
        "PYTAK_TLS_SERVER_EXPECTED_HOSTNAME": "localhost",
    }
