"""The stream's messages as JSON text: made once per event, the values of its message."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from marchwarden.services.ports import StoredEvent
from marchwarden.services.stream import event_message


def stored(payload: dict[str, object], kind: str = "UnitPositionUpdated") -> StoredEvent:
    return StoredEvent(
        id=41,
        at=datetime(2026, 12, 5, 13, 30, 0, 123456, tzinfo=UTC),
        type=kind,
        payload=payload,
        read_action="unit.read",
        resource={},
    )


def test_a_message_is_its_values_in_compact_utf8_json() -> None:
    ev = stored(
        {
            "unit_id": 7,
            "lon": 36.123457,
            "lat": 50.0,
            "at": "2026-12-05T13:29:59.5+00:00",
            "name": "Белгород «Север»",
            "nested": {"list": [1, 2.5, None, True], "empty": {}},
        }
    )
    text = ev.message_json
    assert json.loads(text) == event_message(ev) == json.loads(json.dumps(event_message(ev)))
    assert "Белгород" in text  # UTF-8, not \\u escapes: a Cyrillic name costs 2 bytes a letter
    assert ", " not in text and ": " not in text  # no padding in what 1,000 subscribers get
    assert ev.message_json is text  # made once


def test_a_position_row_is_its_messages_values() -> None:
    ev = stored({"unit_id": 7, "lon": 36.123457, "lat": 50.0, "at": "2026-12-05T13:29:59+00:00"})
    msg = event_message(ev)
    row = ev.position_row_json
    assert json.loads(row) == [41, 7, 36.123457, 50.0, "2026-12-05T13:29:59+00:00"]
    assert json.loads(row) == [
        msg["id"],
        *(msg["data"][k] for k in ("unit_id", "lon", "lat", "at")),
    ]
    assert len(row) * 3 < len(ev.message_json)
