"""The composition root: builds the services from settings. Nothing else wires things up."""

from __future__ import annotations

from typing import TYPE_CHECKING

from marchwarden.adapters.background import run_beside
from marchwarden.adapters.bus.memory import InProcessBus
from marchwarden.adapters.bus.nats import NatsBus
from marchwarden.adapters.cap.codec import LxmlCapDocuments
from marchwarden.adapters.db.anchor import FileAnchor
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.uow import Database
from marchwarden.adapters.images import PillowImages
from marchwarden.adapters.mbtiles import MBTiles
from marchwarden.adapters.passwords import Argon2Passwords
from marchwarden.core.clock import Clock, SystemClock
from marchwarden.services.alerts import FeedCache
from marchwarden.services.authority import LegalSnapshots
from marchwarden.services.context import Services
from marchwarden.services.delivery import DeliveryWorker
from marchwarden.services.dispatch_board import RecommendationBoard

if TYPE_CHECKING:
    from marchwarden.adapters.bus.base import EventBus
    from marchwarden.settings import Settings


def build_services(settings: Settings, *, clock: Clock | None = None) -> Services:
    engine = create_engine(settings.database_url, sqlite_synchronous=settings.sqlite_synchronous)
    db = Database(engine, FileAnchor(settings.audit_anchor_path))
    return Services(
        settings=settings,
        db=db,
        clock=clock or SystemClock(),
        passwords=Argon2Passwords(
            time_cost=settings.argon2_time_cost,
            memory_cost=settings.argon2_memory_kib,
            concurrency=settings.password_hash_concurrency,
            queue=settings.password_hash_queue,
            wait_seconds=settings.password_hash_wait_seconds,
        ),
        basemap=MBTiles(settings.basemap) if settings.basemap else None,
        law=LegalSnapshots(),
        board=RecommendationBoard(run_beside=run_beside),
        cap=LxmlCapDocuments(),
        feeds=FeedCache(),
        images=PillowImages(),
    )


def build_bus(settings: Settings) -> EventBus:
    if settings.bus == "nats":
        return NatsBus(settings.nats_url)
    return InProcessBus()


def build_delivery_worker(services: Services) -> DeliveryWorker:
    """The webhook delivery worker; the app's lifespan starts it and wakes it after each
    commit."""
    worker = DeliveryWorker(services)
    services.db.on_events_committed(worker.wake)
    return worker
