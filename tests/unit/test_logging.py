from __future__ import annotations

import json
import logging

from marchwarden.logging_setup import JsonFormatter, RedactSecrets


def test_tokens_in_logged_urls_are_masked() -> None:
    record = logging.LogRecord(
        "uvicorn.error",
        logging.INFO,
        __file__,
        1,
        '%s - "WebSocket %s" [accepted]',
        ("127.0.0.1:5000", "/api/v1/stream?token=mw_secretsecret&last_event_id=4"),
        None,
    )
    assert RedactSecrets().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert "mw_secretsecret" not in line["msg"]
    assert "token=***&last_event_id=4" in line["msg"]


def test_lines_without_secrets_are_untouched() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "plain %s", ("text",), None)
    assert RedactSecrets().filter(record)
    assert record.getMessage() == "plain text"
