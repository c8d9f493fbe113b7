"""The ports of the field page (issue 12): report photos, what the inbox reads besides
tasks, the image codec, and the idempotency key a field action commits with.

Like ``ports.py``: the adapters implement them (``adapters/db/photos_repo.py``,
``adapters/db/field_repo.py``, ``adapters/images.py``, ``SqlUnitOfWork.commit``);
the services import nothing from the adapters. The repositories are properties of the
``UnitOfWork`` (``uow.photos``, ``uow.field``); the codec is ``Services.images``, built
in ``bootstrap.py``.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from collections.abc import Collection
    from datetime import datetime

    from marchwarden.core.incidents.photos import PhotoFacts


@dataclass(frozen=True, slots=True)
class PhotoRow:
    """A stored photo's facts (its bytes travel beside it)."""

    id: int
    report_id: int
    sha256: str
    content_type: str
    width: int
    height: int
    size_bytes: int
    lon: float | None
    lat: float | None
    uploaded_by: str
    created_at: datetime


class Photos(Protocol):
    """Photos of field reports, stored in the database (every API node serves them)."""

    def add(self, row: PhotoRow, data: bytes) -> int: ...

    def by_sha(self, report_id: int, sha256: str) -> PhotoRow | None: ...

    def of_report(self, report_id: int) -> list[PhotoRow]: ...

    def get(self, photo_id: int) -> tuple[PhotoRow, bytes] | None: ...


class FieldReads(Protocol):
    """What the field page's inbox reads besides tasks."""

    def assigners(self, task_ids: Collection[int]) -> dict[int, str]:
        """Task id → the user who last assigned it (its ``task_assigned`` timeline entry)."""
        ...


class ImageCodec(Protocol):
    """Reads and re-encodes photos (``adapters/images.py``, Pillow); the rules on what
    is accepted are ``core/incidents/photos.py``."""

    def inspect(self, data: bytes) -> PhotoFacts | None:
        """The format, size and GPS position of an image, or None if it is none."""
        ...

    def clean(self, data: bytes, fmt: str, max_side: int) -> tuple[bytes, int, int]:
        """The photo re-encoded from its pixels alone (upright, at most ``max_side`` on
        its longer side, no metadata): (bytes, width, height)."""
        ...


@dataclass(slots=True)
class PendingKey:
    """An idempotency key to be stored by the next write transaction's commit, in that
    transaction (``services/field.py``): the command and its key commit together or not
    at all, whichever service function the command runs through."""

    user_id: int
    operation: str
    key: str
    request_hash: str
    response: dict[str, Any]
    at: datetime
    stored: bool = False


class IdempotencyKeyTaken(Exception):
    """Another transaction stored the pending key first; this one was rolled back."""


#: set around a command by ``services/field.py``; read by the unit of work's ``commit``
PENDING_KEY: ContextVar[PendingKey | None] = ContextVar("marchwarden_pending_key", default=None)
