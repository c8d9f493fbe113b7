"""Start and stop the TAK gateway: inside ``marchwarden serve`` (given the API's stream
hub) or as its own process (``marchwarden tak serve``, with a hub and bus of its own)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import signal
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import uvicorn

from marchwarden.adapters.tak.ca import CaError, CertificateAuthority, fingerprint_of_der
from marchwarden.adapters.tak.relay import NatsRelay, RemoteFrame
from marchwarden.adapters.tak.server import TakServer
from marchwarden.entrypoints.tak.bridge import TakBridge
from marchwarden.entrypoints.tak.enrol import create_enrol_app
from marchwarden.services import accounts
from marchwarden.services import tak as tak_service

if TYPE_CHECKING:
    import ssl

    from marchwarden.core.tak.access import Identity
    from marchwarden.services.context import Services
    from marchwarden.services.stream import StreamHub
    from marchwarden.settings import Settings

log = logging.getLogger("marchwarden.tak")


@dataclass
class Gateway:
    server: TakServer
    bridge: TakBridge
    ports: dict[str, int] = field(default_factory=dict)
    enrol: uvicorn.Server | None = None
    enrol_socket: socket.socket | None = None
    relay: NatsRelay | None = None

    async def stop(self) -> None:
        stats = dataclasses.asdict(self.server.stats)
        if self.relay is not None:
            stats["relay_published"] = self.relay.published
            stats["relay_received"] = self.relay.received
        log.info("tak gateway stopping", extra={"stats": stats})
        if self.relay is not None:
            await self.relay.stop()
        if self.enrol is not None:
            self.enrol.should_exit = True
            with contextlib.suppress(Exception):
                await self.enrol.shutdown(
                    sockets=[self.enrol_socket] if self.enrol_socket else None
                )
        await self.server.close()
        await self.bridge.stop()


async def start_gateway(services: Services, hub: StreamHub) -> Gateway:
    s = services.settings
    anonymous = await hub.run_io(tak_service.anonymous_identity, services)

    async def identify(der: bytes) -> Identity | None:
        return await hub.run_io(tak_service.identify, services, fingerprint_of_der(der))

    server = TakServer(
        identify=identify,
        anonymous_identity=anonymous,
        max_frame=s.tak_max_frame_bytes,
        max_rate=s.tak_client_max_rate,
        queue_limit=s.tak_queue_limit,
    )
    bridge = TakBridge(services, server, hub)
    server.on_event = bridge.on_event
    server.on_join = bridge.on_join
    await bridge.start()
    gateway = Gateway(server, bridge)
    if s.bus == "nats":
        gateway.relay = await _start_relay(server, s.nats_url, s.tak_relay_subject)
    if s.tak_tcp_port is not None:
        await _listen(gateway, "tcp", s.tak_host, s.tak_tcp_port)
    ca: CertificateAuthority | None = None
    if s.tak_tls_port is not None or s.tak_enrol_port is not None:
        try:
            ca = CertificateAuthority.load(s.tak_ca_dir)
        except CaError as exc:
            log.warning("tak: TLS and enrolment are off: %s", exc)
    if ca is not None and s.tak_tls_port is not None:
        await _listen(gateway, "tls", s.tak_host, s.tak_tls_port, ca.server_context())
    if ca is not None and s.tak_enrol_port is not None:
        try:
            await _start_enrolment(gateway, services, ca, s.tak_host, s.tak_enrol_port)
        except OSError as exc:
            log.error("tak: enrolment is off: port %d: %s", s.tak_enrol_port, exc)
    log.info("tak gateway started", extra={"ports": dict(gateway.ports)})
    return gateway


async def _start_relay(server: TakServer, url: str, subject: str) -> NatsRelay:
    """Device-to-device traffic through the other gateways on this NATS."""
    relay = NatsRelay(url, subject)

    def on_frame(remote: RemoteFrame) -> None:
        server.remote_frame(remote.frame, remote.sender, remote.anonymous, remote.sender_uid)

    await relay.start(on_frame)
    server.peers = relay.publish
    return relay


async def _listen(
    gateway: Gateway, name: str, host: str, port: int, tls: ssl.SSLContext | None = None
) -> None:
    """Listen on one port; a port already taken is logged and left off (the API and the
    gateway's other ports go on)."""
    try:
        gateway.ports[name] = await gateway.server.listen(host, port, tls=tls)
    except OSError as exc:
        log.error("tak: %s is off: port %d: %s", name, port, exc)


async def _start_enrolment(
    gateway: Gateway, services: Services, ca: CertificateAuthority, host: str, port: int
) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    config = uvicorn.Config(
        create_enrol_app(services, ca),
        lifespan="off",
        log_config=None,
        access_log=False,
        ssl_certfile=str(ca.directory / "server.pem"),
        ssl_keyfile=str(ca.directory / "server.key"),
    )
    config.load()
    server = uvicorn.Server(config)
    server.lifespan = config.lifespan_class(config)  # what Server._serve would set
    await server.startup(sockets=[sock])
    gateway.enrol = server
    gateway.enrol_socket = sock
    gateway.ports["enrol"] = int(sock.getsockname()[1])
    log.info("tak: certificate enrolment on https://%s:%d", host, gateway.ports["enrol"])


async def run_standalone(settings: Settings) -> None:
    """``marchwarden tak serve``: the gateway with a hub and bus of its own, until SIGTERM."""
    from marchwarden.bootstrap import build_bus, build_services
    from marchwarden.services.stream import StreamHub

    services = build_services(settings)
    hub = StreamHub(
        services.db,
        poll_seconds=settings.stream_poll_seconds,
        interval_seconds=settings.stream_interval_seconds,
    )
    bus = build_bus(settings)
    services.db.on_events_committed(bus.publish)
    hub.listeners.append(lambda batch: accounts.forget_on_events(services, batch))
    await hub.start()
    await bus.start(hub.notify)
    gateway = await start_gateway(services, hub)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print("tak gateway ready " + json.dumps(gateway.ports), flush=True)
    try:
        await stop.wait()
    finally:
        await gateway.stop()
        await bus.stop()
        await hub.stop()
        await asyncio.to_thread(services.db.close)
        services.db.flush_anchor()
        services.db.engine.dispose()
        log.info("tak gateway stopped")
