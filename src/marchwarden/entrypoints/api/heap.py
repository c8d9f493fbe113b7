"""The server process's garbage collector, settled once it has started.

What a long-running server holds from start-up on — the geodata and its GEOS geometries,
the law, SQLAlchemy's tables and compiled statements, pydantic's validators, every module
— is some 160,000 objects that live as long as the process. CPython's collector visits all
of them in each full (oldest-generation) collection. In a 20 s burst of reports
(``bench/bench_ingest.py --gc-probe``) the server made 32 full collections of 77–98 ms
each, 2.9 s in all, and the p99 was 124 ms; settled, none, and a p99 of 41 ms
(docs/benchmarks.md).

So, once the server is up: warm the caches every request reads, collect once, and move
everything still alive to the permanent generation (``gc.freeze``, the remedy the
``gc`` documentation gives for long-lived servers), where no collection looks at it; and
collect the young generation less often, since a request allocates thousands of
short-lived objects that reference counting frees anyway. Garbage made after start-up is
still collected as before. Only ``marchwarden serve`` does this, not the test process
that builds many apps.
"""

from __future__ import annotations

import gc
import logging

from marchwarden import geodata

log = logging.getLogger("marchwarden.api")

#: collection thresholds after start-up (CPython's defaults: 700, 10, 10)
THRESHOLDS = (10_000, 20, 20)


def settle() -> None:
    geodata.warm()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
    log.info(
        "heap settled",
        extra={"frozen_objects": gc.get_freeze_count(), "gc_thresholds": list(THRESHOLDS)},
    )
