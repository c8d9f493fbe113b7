"""The ports of civil protection: what the alert, shelter, evacuation and webhook services
need of the store (repositories, with their row types) and of CAP documents. The
adapters implement them (``adapters/db/*_repo.py``, ``adapters/cap/``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Sequence
    from datetime import datetime

    from marchwarden.core.alerts.cap import CapDocument
    from marchwarden.core.alerts.feeds import FeedRules
    from marchwarden.core.alerts.model import Alert, AlertMessage, AlertState
    from marchwarden.core.civil.evacuation import EvacuationOrder
    from marchwarden.core.civil.model import Shelter


@dataclass(frozen=True, slots=True)
class FeedRow:
    identifier: str
    sent: datetime
    headline: str
    event: str
    severity: str
    area: str
    expires: datetime


@dataclass(frozen=True, slots=True)
class StoredMessage:
    id: int
    alert_id: int
    identifier: str
    sender: str
    sent: datetime
    msg_type: str
    document: str


@dataclass(frozen=True, slots=True)
class Subscription:
    id: int
    name: str
    url: str
    regions: tuple[str, ...]
    active: bool
    failing: bool
    consecutive_failures: int
    created_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class DueDelivery:
    id: int
    subscription_id: int
    url: str
    secret: str
    message_id: int
    identifier: str
    document: str
    attempts: int


@dataclass(frozen=True, slots=True)
class DeliveryRecord:
    id: int
    identifier: str
    msg_type: str
    subscription_id: int
    subscriber: str
    status: str
    attempts: int
    last_status: int | None
    last_error: str | None
    last_attempt_at: datetime | None
    delivered_at: datetime | None


class Alerts(Protocol):
    """The alerts, their CAP messages and the public feed (``adapters/db/alerts_repo.py``)."""

    def add(self, alert: Alert, geometry: dict[str, Any], now: datetime) -> int: ...
    def save(self, alert: Alert, now: datetime, geometry: dict[str, Any] | None = None) -> None: ...
    def add_message(
        self, alert_id: int, message: AlertMessage, document: bytes, now: datetime
    ) -> int: ...
    def get(self, alert_id: int, *, for_update: bool = False) -> Alert | None: ...
    def geometry(self, alert_id: int) -> dict[str, Any]: ...
    def find(
        self,
        *,
        states: set[AlertState] | None = None,
        live_only: bool = False,
        now: datetime | None = None,
        limit: int = 200,
    ) -> list[tuple[Alert, dict[str, Any]]]: ...
    def feed_rows(self, now: datetime) -> list[FeedRow]: ...
    def feed_version(self, now: datetime) -> tuple[int, int, datetime | None, datetime | None]: ...
    def message(self, identifier: str, sender: str | None = None) -> StoredMessage | None: ...
    def message_by_id(self, message_id: int) -> StoredMessage: ...
    def alert_for_refs(self, refs: Sequence[tuple[str, str]]) -> int | None: ...


class Shelters(Protocol):
    """The shelter registry (``adapters/db/shelters_repo.py``)."""

    def add(self, shelter: Shelter, now: datetime) -> int: ...
    def get(self, shelter_id: int, *, for_update: bool = False) -> Shelter | None: ...
    def all(self) -> list[Shelter]: ...
    def save(self, shelter: Shelter, now: datetime) -> None: ...


class Evacuations(Protocol):
    """Evacuation orders (``adapters/db/shelters_repo.py``)."""

    def add(self, order: EvacuationOrder, geometry: dict[str, Any], now: datetime) -> int: ...
    def get(self, order_id: int, *, for_update: bool = False) -> EvacuationOrder | None: ...
    def all(self) -> list[tuple[EvacuationOrder, dict[str, Any]]]: ...
    def save(self, order: EvacuationOrder, now: datetime) -> None: ...


class Webhooks(Protocol):
    """Webhook subscriptions and their delivery queue (``adapters/db/webhooks_repo.py``)."""

    def add(
        self, *, name: str, url: str, secret: str, regions: list[str], by: str, now: datetime
    ) -> int: ...
    def get(self, sub_id: int) -> Subscription | None: ...
    def subscriptions(self) -> list[Subscription]: ...
    def deactivate(self, sub_id: int) -> None: ...
    def enqueue(self, message_id: int, regions: frozenset[str], now: datetime) -> int: ...
    def due(self, now: datetime, limit: int = 100) -> list[DueDelivery]: ...
    def next_due_at(self) -> datetime | None: ...
    def record_attempt(
        self,
        delivery_id: int,
        *,
        status: str,
        attempts: int,
        http_status: int | None,
        error: str | None,
        next_at: datetime,
        now: datetime,
    ) -> None: ...
    def subscriber_outcome(self, sub_id: int, *, ok: bool, failing_after: int) -> None: ...
    def log(self, alert_id: int) -> list[DeliveryRecord]: ...
    def status_counts(self, alert_ids: list[int]) -> dict[int, dict[str, int]]: ...


class CapDocuments(Protocol):
    """CAP 1.2 XML: built and checked against the OASIS schema, untrusted documents parsed
    safely, other authorities' feeds fetched (``adapters/cap/``)."""

    def build(self, doc: CapDocument) -> bytes: ...
    def validate(self, data: bytes) -> None: ...
    def parse_untrusted(self, data: bytes, *, max_bytes: int) -> CapDocument: ...
    def fetch(self, url: str, *, max_bytes: int, rules: FeedRules) -> bytes: ...
    def feed_links(self, data: bytes) -> list[str]: ...
