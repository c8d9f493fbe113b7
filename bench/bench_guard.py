"""What the security checks at the edge cost per request, in-process (no I/O but a stat):

    .venv/bin/python bench/bench_guard.py [--n 200000]

- the request guard's text check of a typical report body (``_has_bad_text``) and of its
  path, query and headers (``_bad_text_outside_body``);
- the token cache's revocation check on SQLite (``Revocations.version``: eight bytes
  read from the memory-mapped stamp file; until issue 10, one ``stat`` of it, whose
  real price was not its CPU but the GIL it released on the event loop).

Compare with the server CPU per report of ``bench_ingest.py`` (about 1 ms on this machine).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa

from bench._machine import describe_machine
from marchwarden.adapters.db.revocations import Revocations
from marchwarden.entrypoints.api.middleware import _bad_text_outside_body, _has_bad_text

BODY = json.dumps(
    {
        "source_kind": "volunteer",
        "observed_at": "2026-11-26T11:30:00Z",
        "position": {"lon": 35.66, "lat": 50.48},
        "uncertainty_m": 200,
        "incident_type": "gunfire",
        "text": "Gunfire and armoured vehicles crossing the border near Grayvoron",
        "rating": "B2",
        "reporter": "Sokol-1",
    }
).encode()
SCOPE = {
    "path": "/api/v1/reports",
    "query_string": b"",
    "headers": [
        (b"authorization", b"Bearer mw_" + b"x" * 43),
        (b"content-type", b"application/json"),
        (b"idempotency-key", b"k" * 36),
        (b"content-length", b"%d" % len(BODY)),
    ],
}


def per_call_us(fn: object, n: int) -> float:
    return timeit.timeit(fn, number=n) / n * 1e6  # type: ignore[arg-type]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=200_000)
    n = parser.parse_args().n
    print(f"machine: {describe_machine()}; load avg {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as tmp:
        revocations = Revocations(sa.create_engine(f"sqlite:///{Path(tmp) / 'x.db'}"))
        revocations.after_commit()  # the stamp file exists
        figures = {
            f"body text check (report, {len(BODY)} bytes)": per_call_us(
                lambda: _has_bad_text(BODY), n
            ),
            "path, query and header check": per_call_us(lambda: _bad_text_outside_body(SCOPE), n),
            "revocation version (SQLite, mapped counter)": per_call_us(revocations.version, n),
        }
    for name, us in figures.items():
        print(f"{name}: {us:.2f} µs per request")
    print(f"total: {sum(figures.values()):.2f} µs per request")


if __name__ == "__main__":
    main()
