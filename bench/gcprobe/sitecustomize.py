"""The garbage-collection probe of ``bench/bench_ingest.py --gc-probe``.

Python imports ``sitecustomize`` at start-up when it is on ``PYTHONPATH``; the benchmark
puts this folder there for its server process only, with ``MARCHWARDEN_BENCH_GC_PROBE``
naming a folder. In a ``marchwarden serve`` process each full (oldest-generation)
collection is then written to ``<folder>/gc-<pid>.txt`` as one line: the wall-clock time it
ended (seconds since the epoch) and how long it took (ms). Any other process is left alone.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from typing import Any

_FOLDER = os.environ.get("MARCHWARDEN_BENCH_GC_PROBE", "")
_started: list[float] = []


def _probe(phase: str, info: dict[str, Any]) -> None:
    if info["generation"] != 2 or "serve" not in sys.argv:
        return
    if phase == "start":
        _started[:] = [time.perf_counter()]
    elif _started:
        took_ms = (time.perf_counter() - _started[0]) * 1000
        path = os.path.join(_FOLDER, f"gc-{os.getpid()}.txt")
        with open(path, "a", encoding="utf-8") as out:
            out.write(f"{time.time():.3f} {took_ms:.2f}\n")


if _FOLDER:
    gc.callbacks.append(_probe)
