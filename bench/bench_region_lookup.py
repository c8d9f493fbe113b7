"""The point-in-region lookup every field report takes (``geodata.region_code_at``, the
routing of issue 12): CPU time per call, at a point inside a border region and at one
outside every region.

    .venv/bin/python bench/bench_region_lookup.py [CALLS]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

# Runnable as a script from the repository root, installed or not.
_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench._machine import describe_machine  # noqa: E402
from marchwarden import geodata  # noqa: E402

POINTS = {"Grayvoron (RU-BEL)": (35.47, 50.60), "outside every region": (20.0, 40.0)}


def main() -> None:
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 20_000
    print(describe_machine())
    geodata.region_code_at(0.0, 0.0)  # load the regions first
    for name, (lon, lat) in POINTS.items():
        start = time.process_time()
        for _ in range(calls):
            geodata.region_code_at(lon, lat)
        per_call = (time.process_time() - start) / calls
        found = geodata.region_code_at(lon, lat)
        print(f"{name}: {per_call * 1e6:.2f} µs of CPU a call over {calls} calls -> {found}")


if __name__ == "__main__":
    main()
