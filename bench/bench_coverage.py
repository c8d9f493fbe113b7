"""Coverage of all bundled settlements by 100 / 1,000 / 10,000 generated responder points.

Run: ``.venv/bin/python bench/bench_coverage.py``. Responder points are drawn uniformly (seeded)
inside the bundled regions; the figures are the best and median of several runs of
``coverage`` (nearest responder for every settlement, then the time budget) and of
``compare_coverage`` (two coverage runs and the difference).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

# Runnable as a script from the repository root, installed or not.
_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench._machine import describe_machine  # noqa: E402
from marchwarden import geodata  # noqa: E402
from marchwarden.core.geo.coverage import (  # noqa: E402
    ResponderPoint,
    compare_coverage,
    coverage,
)
from marchwarden.core.geo.distance import TravelModel  # noqa: E402
from marchwarden.core.geo.model import region_codes_at  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

SIZES = (100, 1_000, 10_000)
REPEATS = 7
BUDGET_MINUTES = 30.0


def generate_points(n: int, seed: int) -> list[ResponderPoint]:
    """``n`` points uniformly inside the bundled regions (rejection sampling)."""
    rng = random.Random(seed)
    regions = geodata.regions()
    lon0 = min(r.bounds[0] for r in regions)
    lat0 = min(r.bounds[1] for r in regions)
    lon1 = max(r.bounds[2] for r in regions)
    lat1 = max(r.bounds[3] for r in regions)
    points: list[ResponderPoint] = []
    while len(points) < n:
        lons = [rng.uniform(lon0, lon1) for _ in range(n)]
        lats = [rng.uniform(lat0, lat1) for _ in range(n)]
        codes = region_codes_at(regions, lons, lats)
        for lon, lat, code in zip(lons, lats, codes, strict=True):
            if code is not None and len(points) < n:
                points.append(ResponderPoint(f"unit-{len(points)}", lon, lat))
    return points


def timed(fn: Callable[[], object]) -> tuple[float, float]:
    """(best, median) wall time in milliseconds over REPEATS runs, after one warm-up."""
    fn()
    runs = []
    for _ in range(REPEATS):
        t0 = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - t0) * 1000.0)
    return min(runs), statistics.median(runs)


def main() -> None:
    t0 = time.perf_counter()
    settlements = geodata.settlements()
    geodata.regions()
    load_ms = (time.perf_counter() - t0) * 1000.0
    t0 = time.perf_counter()
    border = geodata.state_border()
    border_ms = (time.perf_counter() - t0) * 1000.0
    t0 = time.perf_counter()
    in_band = geodata.border_settlements()
    band_ms = (time.perf_counter() - t0) * 1000.0
    travel = TravelModel()
    population = sum(s.population for s in settlements)

    print("bench_coverage — coverage of all bundled settlements")
    print(f"machine: {describe_machine()}")
    print(f"travel model: {travel.describe()}; budget {BUDGET_MINUTES:g} min")
    print(f"settlements: {len(settlements)} (population {population:,})")
    print(
        f"load regions+settlements {load_ms:.1f} ms; derive state border {border_ms:.1f} ms "
        f"({border.length_km:.1f} km); border settlements within {in_band.within_km:g} km "
        f"{band_ms:.1f} ms ({in_band.count}, population {in_band.population:,})"
    )
    print(f"timings: best / median of {REPEATS} runs after a warm-up")
    header = (
        f"{'units':>7} {'covered':>8} {'covered pop.':>13} "
        f"{'coverage ms':>17} {'compare ms':>17} {'pairs/s (best)':>15}"
    )
    print(header)
    for n in SIZES:
        units = generate_points(n, seed=n)
        moved = generate_points(n, seed=n + 1)
        result = coverage(settlements, units, travel, BUDGET_MINUTES)
        best, median = timed(partial(coverage, settlements, units, travel, BUDGET_MINUTES))
        cbest, cmedian = timed(
            partial(compare_coverage, units, moved, settlements, travel, BUDGET_MINUTES)
        )
        pairs_per_s = len(settlements) * n / (best / 1000.0)
        print(
            f"{n:>7,} {result.covered_count:>8} {result.covered_population:>13,} "
            f"{best:>8.2f} / {median:>6.2f} {cbest:>8.2f} / {cmedian:>6.2f} {pairs_per_s:>15.3g}"
        )


if __name__ == "__main__":
    main()
