"""The ASGI application factory. Resources open in the lifespan, never at import."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import APIRouter, FastAPI

from marchwarden import __version__
from marchwarden.bootstrap import build_bus, build_services
from marchwarden.core.clock import Clock
from marchwarden.entrypoints.api import errors, heap, openapi, web, ws
from marchwarden.entrypoints.api.middleware import AccessLogMiddleware, RequestGuardMiddleware
from marchwarden.entrypoints.api.routers import (
    accounts,
    audit,
    config,
    forces,
    geo,
    health,
    incidents,
    law,
    reports,
    sitreps,
    tasks,
)
from marchwarden.services import accounts as accounts_service
from marchwarden.services.stream import StreamHub
from marchwarden.settings import Settings

log = logging.getLogger("marchwarden.api")

API_PREFIX = "/api/v1"


def create_app(
    settings: Settings | None = None, *, clock: Clock | None = None, settle_heap: bool = False
) -> FastAPI:
    """``settle_heap``: freeze what start-up leaves alive out of the collector's way
    (``heap.settle``; for the server process, not for tests that build many apps)."""
    settings = settings or Settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, clock=clock)
        await asyncio.to_thread(services.db.revocations.start_listening)
        hub = StreamHub(services.db, poll_seconds=settings.stream_poll_seconds)
        bus = build_bus(settings)
        services.db.on_events_committed(bus.publish)
        hub.listeners.append(partial(accounts_service.forget_on_events, services))
        hub.listeners.append(hub.close_disabled)
        await hub.start()
        await bus.start(hub.notify)
        app.state.services = services
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
    app.add_middleware(AccessLogMiddleware)

    api = APIRouter(prefix=API_PREFIX)
    # report ingest is the hottest path: its routes are tried first (routes are matched
    # in order, and each route tried costs; no path of another router overlaps these)
    api.include_router(reports.router)
    api.include_router(accounts.router)
    api.include_router(config.router)
    api.include_router(audit.router)
    api.include_router(geo.router)
    api.include_router(forces.router)
    api.include_router(law.router)
    api.include_router(incidents.router)
    api.include_router(tasks.router)
    api.include_router(sitreps.router)
    api.include_router(ws.router)
    app.include_router(api)
    app.include_router(health.router)
    web.install(app)
    openapi.install(app)
    return app
