"""The ASGI application factory. Resources open in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from marchwarden import __version__
from marchwarden.adapters.clock import ScenarioClock
from marchwarden.bootstrap import build_bus, build_delivery_worker, build_services
from marchwarden.core.clock import Clock
from marchwarden.entrypoints.api import errors, heap, openapi, web, ws
from marchwarden.entrypoints.api.middleware import (
    AccessLogMiddleware,
    CompressedReadsMiddleware,
    RequestGuardMiddleware,
)
from marchwarden.entrypoints.api.routers import (
    accounts,
    alerts,
    audit,
    basemap,
    cap,
    civil,
    config,
    field,
    forces,
    geo,
    health,
    incidents,
    law,
    photos,
    release,
    reports,
    scenario,
    sitreps,
    tak,
    tasks,
)
from marchwarden.services import accounts as accounts_service
from marchwarden.services.stream import StreamHub
from marchwarden.settings import Settings

log = logging.getLogger("marchwarden.api")

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None,
    *,
    clock: Clock | None = None,
    settle_heap: bool = False,
    scenario_clock: ScenarioClock | None = None,
) -> FastAPI:
    """``settle_heap``: freeze what start-up leaves alive out of the collector's way
    (``heap.settle``; for the server process, not for tests that build many apps).
    ``scenario_clock`` (``marchwarden demo`` only): the server runs on it and offers
    ``/api/v1/scenario/clock`` to move it; without it that path does not exist."""
    settings = settings or Settings()
    if scenario_clock is not None:
        clock = scenario_clock

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, clock=clock)
        await asyncio.to_thread(services.db.revocations.start_listening)
        hub = StreamHub(
            services.db,
            poll_seconds=settings.stream_poll_seconds,
            interval_seconds=settings.stream_interval_seconds,
        )
        bus = build_bus(settings)
        services.db.on_events_committed(bus.publish)
        hub.listeners.append(partial(accounts_service.forget_on_events, services))
        hub.listeners.append(hub.close_disabled)
        await hub.start()
        await bus.start(hub.notify)
        delivery = build_delivery_worker(services)
        await delivery.start()
        gateway = None
        if settings.tak_enabled:  # the TAK gateway in this process (docs/tak.md)
            from marchwarden.entrypoints.tak.gateway import start_gateway

            gateway = await start_gateway(services, hub)
        app.state.services = services
        app.state.delivery = delivery
        app.state.hub = hub
        app.state.bus = bus
        if settle_heap:
            heap.settle()
        log.info(
            "marchwarden started",
            extra={"store": services.db.engine.dialect.name, "bus": settings.bus},
        )
        try:
            yield
        finally:
            if gateway is not None:
                await gateway.stop()
            await delivery.stop()
            await bus.stop()
            await hub.stop()
            await asyncio.to_thread(services.db.revocations.stop_listening)
            await asyncio.to_thread(services.db.close)  # queued reports commit first
            services.db.flush_anchor()
            services.db.engine.dispose()
            log.info("marchwarden stopped")

    app = FastAPI(
        title="Marchwarden",
        version=__version__,
        summary="Coordination headquarters for border regions",
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    errors.install(app)
    app.add_middleware(
        RequestGuardMiddleware,
        limit=settings.max_body_bytes,
        upload_limit=settings.max_upload_bytes,
    )
    if settings.gzip_level:
        app.add_middleware(CompressedReadsMiddleware, level=settings.gzip_level)
    app.add_middleware(AccessLogMiddleware)

    # each router is included in the app itself under the prefix, not under one /api/v1
    # router: FastAPI checks, for every request, the version of every router below the
    # one it matches, so a nested /api/v1 router with 19 routers in it cost 41 such
    # checks a report (now 2; issue 10). Report ingest is the hottest path: its routes
    # are tried first (routes are matched in order, and each route tried costs; no path
    # of another router overlaps these), then the positions devices report (35 routes
    # were tried before it)
    api_routers = [
        reports.router,
        forces.positions_router,
        accounts.router,
        config.router,
        audit.router,
        geo.router,
        basemap.router,
        forces.router,
        release.router,  # /whatif/release before law's /whatif
        law.router,
        incidents.router,
        tasks.router,
        field.router,
        photos.router,
        sitreps.router,
        alerts.router,
        civil.router,
        tak.router,
        ws.router,
    ]
    if scenario_clock is not None:
        app.state.scenario_clock = scenario_clock
        api_routers.append(scenario.router)
    for router in api_routers:
        app.include_router(router, prefix=API_PREFIX)
    app.include_router(health.router)
    app.include_router(cap.router)
    web.install(app)
    openapi.install(app)
    return app
