"""Hash chain over audit records, and its verification. Pure.

Each record's hash is SHA-256 over a canonical JSON array of its own fields and its
predecessor's hash, so changing any field of any record, removing one, or moving one
changes the hashes that follow. The newest records are protected by an *anchor* kept
outside the table (sequence number and hash of the head when it was written): removing
records from the end leaves the table shorter than the anchor says.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import Enum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

GENESIS_HASH = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One audit record as stored."""

    seq: int
    at: datetime
    actor_id: int | None
    actor_name: str
    command: str
    target_type: str
    target_id: str | None
    changes: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Anchor:
    seq: int
    hash: str


#: the types ``plain`` passes through as they are (exact types: a ``StrEnum`` member is
#: a ``str`` too, but goes to its value)
_SCALARS = frozenset({str, int, float, bool, type(None)})


def plain(value: Any) -> Any:
    """``value`` as plain JSON (dicts with string keys, lists, str, int, float, bool,
    None), the one form an audit record's changes and an event's payload are stored in.

    Dates and times become ISO 8601 text, enums their value, tuples and sets lists; any
    other type is refused with ``TypeError`` here — at the one place a record is written,
    never later in the store's JSON encoder after the change was made.

    Runs for every record and event written (on the ingest path too): the common shapes,
    scalars and dicts and lists of them, take a fast path by exact type; the rest goes to
    ``_plain_other``."""
    kind = type(value)
    if kind in _SCALARS:
        return value
    if kind is dict:
        out = {}
        for k, v in value.items():
            out[k if type(k) is str else _plain_key(k)] = v if type(v) in _SCALARS else plain(v)
        return out
    if kind is list or kind is tuple:
        return [v if type(v) in _SCALARS else plain(v) for v in value]
    return _plain_other(value)


def _plain_key(key: Any) -> str:
    if isinstance(key, Enum):
        key = key.value
    if not isinstance(key, (str, int)) or isinstance(key, bool):
        raise TypeError(f"audit/event key {key!r} is not a string")
    return str(key)


def _plain_other(value: Any) -> Any:
    if isinstance(value, Enum):  # a StrEnum or IntEnum too: its plain value
        return plain(value.value)
    if isinstance(value, (str, bool, int, float)):  # subclasses of the plain types
        return value
    if isinstance(value, dict):
        return {_plain_key(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return items if isinstance(value, (list, tuple)) else sorted(items, key=repr)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not plain JSON: {value!r}"[:200])


def canonical_changes(changes: Mapping[str, Any]) -> str:
    return json.dumps(changes, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def compute_hash(
    *,
    seq: int,
    at: datetime,
    actor_id: int | None,
    actor_name: str,
    command: str,
    target_type: str,
    target_id: str | None,
    changes: Mapping[str, Any],
    prev_hash: str,
) -> str:
    payload = json.dumps(
        [
            seq,
            at.isoformat(timespec="microseconds"),
            actor_id,
            actor_name,
            command,
            target_type,
            target_id,
            canonical_changes(changes),
            prev_hash,
        ],
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def entry_hash(entry: AuditEntry) -> str:
    return compute_hash(
        seq=entry.seq,
        at=entry.at,
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        command=entry.command,
        target_type=entry.target_type,
        target_id=entry.target_id,
        changes=entry.changes,
        prev_hash=entry.prev_hash,
    )


@dataclass(frozen=True, slots=True)
class VerifyResult:
    ok: bool
    checked: int
    head_seq: int
    #: the first record found wrong (altered, out of place) or missing
    first_bad_seq: int | None = None
    problem: str | None = None
    anchor_checked: bool = False


def verify_chain(entries: Iterable[AuditEntry], anchor: Anchor | None) -> VerifyResult:
    """Walk the records in ``seq`` order (as stored) and name the first that is wrong.

    ``entries`` must be given ordered by ``seq``; records are numbered 1, 2, 3, ...
    """
    expected_seq = 1
    prev_hash = GENESIS_HASH
    checked = 0
    head = 0
    for entry in entries:
        if entry.seq != expected_seq:
            if entry.seq > expected_seq:
                missing = (
                    f"record {expected_seq}"
                    if entry.seq == expected_seq + 1
                    else f"records {expected_seq}-{entry.seq - 1}"
                )
                return VerifyResult(
                    False,
                    checked,
                    head,
                    expected_seq,
                    f"{missing} removed (next present record is {entry.seq})",
                )
            return VerifyResult(
                False,
                checked,
                head,
                entry.seq,
                f"record {entry.seq} out of order (expected {expected_seq})",
            )
        if entry.prev_hash != prev_hash:
            return VerifyResult(
                False,
                checked,
                head,
                entry.seq,
                f"record {entry.seq} does not follow record {entry.seq - 1}: its predecessor "
                "hash does not match (records reordered, or the predecessor was replaced)",
            )
        recomputed = entry_hash(entry)
        if recomputed != entry.hash:
            return VerifyResult(
                False,
                checked,
                head,
                entry.seq,
                f"record {entry.seq} altered: its content does not match its hash",
            )
        if anchor is not None and entry.seq == anchor.seq and entry.hash != anchor.hash:
            return VerifyResult(
                False,
                checked,
                head,
                entry.seq,
                f"record {entry.seq} differs from the anchored head: the chain was rewritten "
                f"from record {entry.seq} or earlier",
            )
        prev_hash = entry.hash
        head = entry.seq
        checked += 1
        expected_seq += 1
    if anchor is not None and head < anchor.seq:
        first = head + 1
        missing = f"record {first}" if first == anchor.seq else f"records {first}-{anchor.seq}"
        return VerifyResult(
            False,
            checked,
            head,
            first,
            f"{missing} removed from the end (the anchor records head {anchor.seq})",
            anchor_checked=True,
        )
    return VerifyResult(True, checked, head, anchor_checked=anchor is not None)
