"""Dispatch recommendation latency over 10,000 units.

Run: ``.venv/bin/python bench/bench_dispatch.py [units]``. Prints the time to build a
``DispatchBoard``, to recommend on a prepared board (the per-call figure), to build and
recommend in one call, and a pure-Python baseline (assess every unit + haversine + sort),
and the machine.
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

# Runnable as a script from the repository root, installed or not.
_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

from bench._machine import describe_machine  # noqa: E402
from marchwarden.core.dispatch.eligibility import assess_eligibility  # noqa: E402
from marchwarden.core.dispatch.model import TaskRequirements, UnitCandidate  # noqa: E402
from marchwarden.core.dispatch.ranking import DispatchBoard, recommend_units  # noqa: E402
from marchwarden.core.forces.status import UnitStatus  # noqa: E402
from marchwarden.core.geo.distance import TravelModel, haversine_km  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable

POWERS = (
    "observe_report",
    "patrol_unarmed",
    "checkpoint",
    "evacuation_assist",
    "first_aid",
    "detain",
    "carry_weapons",
    "armed_response",
)
CAPABILITIES = ("vehicles", "medical", "drone_observation", "engineering", "armour", "boats")
STATUS_WEIGHTS = (
    (UnitStatus.AVAILABLE, 70),
    (UnitStatus.ASSIGNED, 6),
    (UnitStatus.EN_ROUTE, 5),
    (UnitStatus.ON_SCENE, 6),
    (UnitStatus.RETURNING, 4),
    (UnitStatus.OUT_OF_SERVICE, 5),
    (UnitStatus.OFF_DUTY, 4),
)


def make_units(n: int, rng: random.Random) -> list[UnitCandidate]:
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    units = []
    for i in range(n):
        held = rng.sample(POWERS, rng.randint(1, len(POWERS)))
        base = (rng.uniform(34.5, 38.5), rng.uniform(50.0, 53.0))
        moved = rng.random() < 0.3
        units.append(
            UnitCandidate(
                unit_id=i + 1,
                name=f"Unit {i + 1}",
                status=rng.choices(statuses, weights)[0],
                readiness=rng.randint(0, 4),
                capabilities=frozenset(rng.sample(CAPABILITIES, rng.randint(0, 3))),
                powers=dict.fromkeys(held, "BENCH-1 c.1"),
                power_refusals={p: f"{p}: not granted" for p in POWERS if p not in held},
                position=(base[0] + rng.uniform(-0.2, 0.2), base[1] + rng.uniform(-0.1, 0.1))
                if moved
                else None,
                home_base=base,
            )
        )
    return units


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    return samples


def summary(samples: list[float]) -> str:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return (
        f"median {statistics.median(ordered):.3f} ms, p95 {p95:.3f} ms, "
        f"min {ordered[0]:.3f} ms (n={len(ordered)})"
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    rng = random.Random(20261126)
    units = make_units(n, rng)
    travel = TravelModel()
    targets = [(rng.uniform(35.0, 38.0), rng.uniform(50.3, 52.7)) for _ in range(200)]
    tasks = [
        TaskRequirements(frozenset({"armed_response"}), frozenset({"vehicles"}), 2),
        TaskRequirements(frozenset({"evacuation_assist"}), frozenset(), 1),
        TaskRequirements(frozenset({"first_aid", "checkpoint"}), frozenset({"medical"}), 0),
        TaskRequirements(),
    ]

    build = timed(lambda: DispatchBoard(units), 10)
    board = DispatchBoard(units)
    i = 0

    def one_recommendation() -> None:
        nonlocal i
        board.recommend(tasks[i % len(tasks)], targets[i % len(targets)], travel=travel)
        i += 1

    for _ in range(50):  # warm-up
        one_recommendation()
    per_call = timed(one_recommendation, 1000)
    moved = [
        UnitCandidate(
            u.unit_id,
            u.name,
            UnitStatus.EN_ROUTE,
            u.readiness,
            u.capabilities,
            u.powers,
            u.power_refusals,
            position=(37.0, 51.0),
            home_base=u.home_base,
        )
        for u in units[:1]
    ]
    update_one = timed(lambda: board.updated(moved), 100)
    one_shot = timed(lambda: recommend_units(units, tasks[0], targets[0], travel=travel), 10)

    def pure_python() -> None:
        task, (lon, lat) = tasks[0], targets[0]
        rows = []
        for u in units:
            if assess_eligibility(task, u).eligible and u.origin is not None:
                (ulon, ulat), _ = u.origin
                rows.append((round(haversine_km(ulon, ulat, lon, lat), 3), -u.readiness, u.unit_id))
        rows.sort()

    baseline = timed(pure_python, 10)

    print(f"dispatch recommendation over {n} units")
    print(f"  build DispatchBoard          : {summary(build)}")
    print(f"  recommend on prepared board  : {summary(per_call)}")
    print(f"  board.updated(one unit)      : {summary(update_one)}")
    print(f"  build + recommend (one shot) : {summary(one_shot)}")
    print(f"  pure-Python baseline (no lists of reasons): {summary(baseline)}")
    print(f"machine: {describe_machine()}")


if __name__ == "__main__":
    main()
