from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

from marchwarden.core.audit.chain import (
    GENESIS_HASH,
    Anchor,
    AuditEntry,
    compute_hash,
    verify_chain,
)

T0 = datetime(2026, 11, 26, 12, tzinfo=UTC)


def chain(n: int) -> list[AuditEntry]:
    out: list[AuditEntry] = []
    prev = GENESIS_HASH
    for i in range(1, n + 1):
        fields = {
            "seq": i,
            "at": T0 + timedelta(seconds=i),
            "actor_id": 1,
            "actor_name": "hq",
            "command": "unit.status",
            "target_type": "unit",
            "target_id": str(i),
            "changes": {"status": ["available", "assigned"]},
            "prev_hash": prev,
        }
        digest = compute_hash(**fields)  # type: ignore[arg-type]
        out.append(AuditEntry(**fields, hash=digest))  # type: ignore[arg-type]
        prev = digest
    return out


def head(entries: list[AuditEntry]) -> Anchor:
    return Anchor(entries[-1].seq, entries[-1].hash)


def test_intact_chain_verifies() -> None:
    entries = chain(5)
    result = verify_chain(entries, head(entries))
    assert result.ok and result.checked == 5 and result.head_seq == 5


def test_altered_record_is_named() -> None:
    entries = chain(5)
    anchor = head(entries)
    entries[2] = dataclasses.replace(entries[2], changes={"status": ["available", "on_scene"]})
    result = verify_chain(entries, anchor)
    assert not result.ok and result.first_bad_seq == 3
    assert "altered" in (result.problem or "")


def test_removed_record_is_named() -> None:
    entries = chain(5)
    anchor = head(entries)
    del entries[1]
    result = verify_chain(entries, anchor)
    assert not result.ok and result.first_bad_seq == 2
    assert "removed" in (result.problem or "")


def test_reordered_records_are_named() -> None:
    entries = chain(5)
    anchor = head(entries)
    # swap contents of records 2 and 3 but keep the sequence numbers in place
    a, b = entries[1], entries[2]
    entries[1] = dataclasses.replace(b, seq=2)
    entries[2] = dataclasses.replace(a, seq=3)
    result = verify_chain(entries, anchor)
    assert not result.ok and result.first_bad_seq == 2


def test_removed_newest_records_detected_by_the_anchor() -> None:
    entries = chain(5)
    anchor = head(entries)
    result = verify_chain(entries[:3], anchor)
    assert not result.ok and result.first_bad_seq == 4
    assert "records 4-5 removed from the end" in (result.problem or "")


def test_rewritten_tail_detected_by_the_anchor() -> None:
    entries = chain(5)
    anchor = Anchor(5, "f" * 64)
    result = verify_chain(entries, anchor)
    assert not result.ok and result.first_bad_seq == 5


def test_without_anchor_tail_truncation_is_not_detectable() -> None:
    entries = chain(5)
    assert verify_chain(entries[:3], None).ok


def test_plain_makes_dates_enums_and_sets_json_and_refuses_the_rest() -> None:
    import datetime as dt
    import enum

    import pytest

    from marchwarden.core.audit.chain import plain

    class Colour(enum.StrEnum):
        RED = "red"

    value = {
        "on": dt.date(2026, 10, 1),
        "at": dt.datetime(2026, 10, 1, 12, 0, tzinfo=dt.UTC),
        "colour": Colour.RED,
        "tags": frozenset({"b", "a"}),
        "pair": (1, 2.5),
        Colour.RED: None,
    }
    assert plain(value) == {
        "on": "2026-10-01",
        "at": "2026-10-01T12:00:00+00:00",
        "colour": "red",
        "tags": ["a", "b"],
        "pair": [1, 2.5],
        "red": None,
    }
    with pytest.raises(TypeError, match="not plain JSON"):
        plain({"x": object()})
    with pytest.raises(TypeError, match="not a string"):
        plain({(1, 2): "tuple key"})
