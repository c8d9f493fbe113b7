"""The release analysis (issue 16): which army and national-guard units the proposed act
frees while every settlement keeps today's armed-response coverage.

    .venv/bin/python bench/bench_release.py [--units 10000] [--seed 7]

1. The demo (221 units, 4,010 members, 49 border settlements) in SQLite, through the
   service: cold (registry snapshot read from the store) and warm; with LSD-2023, and
   with LSD-2023 plus two activation orders.
2. A synthetic world through the pure core: ``--units`` units scattered over the three
   border regions' extent x every bundled settlement (1,207), solved by MILP (HiGHS) with
   its time limit, then by the greedy fallback for comparison; the optimality status and
   the bound are printed.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import describe_machine
from marchwarden import geodata
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.core.authority.release import (
    Objective,
    ReleaseAnalysis,
    ReleaseQuestion,
    Responder,
    analyse_release,
)
from marchwarden.core.geo.distance import TravelModel
from marchwarden.scenario.generate import generate
from marchwarden.scenario.loader import load_forces
from marchwarden.services import authority, release
from marchwarden.settings import Settings

#: the agencies of units holding armed response: mostly army and national guard (the
#: candidates), a few border-service units (they stay), volunteers (they hold it only
#: with the act)
if TYPE_CHECKING:
    from marchwarden.core.geo.model import Settlement

KINDS = ("army", "national_guard", "border_service", "volunteer_self_defence")
WEIGHTS = (50, 40, 2, 8)


def demo() -> None:
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'demo.db'}"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        svc = build_services(
            Settings(_env_file=None, database_url=url, audit_anchor_path=str(Path(d) / "a"))
        )
        data = generate(2024, as_of=svc.clock.now())
        load_forces(svc, data)
        who = Principal(0, "bench", Role.ANALYST, Scope.all())
        at = svc.clock.now()
        ids = release.resolve_units(svc, ("BEL-VSD-3BN", "BEL-VSD-5BN"))
        cold, warm, activated = [], [], []
        for _ in range(3):
            authority._cache(svc).snapshot = None
            t0 = time.perf_counter()
            report = release.release(svc, who, proposed=("LSD-2023",), at=at)
            cold.append(time.perf_counter() - t0)
        for _ in range(10):
            t0 = time.perf_counter()
            release.release(svc, who, proposed=("LSD-2023",), at=at)
            warm.append(time.perf_counter() - t0)
        for _ in range(5):
            t0 = time.perf_counter()
            more = release.release(svc, who, proposed=("LSD-2023",), at=at, activate=ids)
            activated.append(time.perf_counter() - t0)
        a, b = report.analysis, more.analysis
        print(
            f"demo: {len(data.units)} units, {len(data.members)} members, "
            f"{len(a.settlements)} border settlements, {len(a.covered_today)} covered today"
        )
        print(
            f"  + LSD-2023: keep {len(a.before.kept)} -> {len(a.after.kept)} of "
            f"{len(a.after.candidates)} army/guard units ({a.after.method}), "
            f"freed {len(a.freed)}"
        )
        print(
            f"  + LSD-2023 + activate 3rd and 5th Belgorod battalions: keep "
            f"{len(b.after.kept)} ({b.after.method}), freed {len(b.freed)} "
            f"({b.freed_people} people)"
        )
        print(
            f"  cold (snapshot read + evaluations + analysis): median "
            f"{statistics.median(cold) * 1000:.0f} ms, max {max(cold) * 1000:.0f} ms"
        )
        print(
            f"  warm (snapshot and evaluations cached): median "
            f"{statistics.median(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms"
        )
        print(
            f"  with activation orders (re-evaluates the law): median "
            f"{statistics.median(activated) * 1000:.0f} ms, max {max(activated) * 1000:.0f} ms"
        )
        svc.db.engine.dispose()


def synthetic(n_units: int, seed: int) -> None:
    towns = geodata.settlements()
    lon0 = min(s.lon for s in towns)
    lat0 = min(s.lat for s in towns)
    lon1 = max(s.lon for s in towns)
    lat1 = max(s.lat for s in towns)
    rng = random.Random(seed)
    # units where people live: each near a settlement drawn at random, up to 40 km away
    units = [
        Responder(
            str(k + 1),
            rng.choices(KINDS, weights=WEIGHTS)[0],
            *_near(rng, towns[rng.randrange(len(towns))], (lon0, lat0, lon1, lat1)),
            rng.randint(8, 600),
            rng.randint(1, 4),
        )
        for k in range(n_units)
    ]
    before = [u for u in units if u.agency_kind != "volunteer_self_defence"]
    travel = TravelModel()

    def run(question: ReleaseQuestion) -> tuple[float, ReleaseAnalysis]:
        t0 = time.perf_counter()
        result = analyse_release(towns, before, units, travel, 30.0, question)
        return time.perf_counter() - t0, result

    print(
        f"synthetic: {n_units:,} units (seed {seed}) x {len(towns):,} settlements "
        f"(all bundled), 30 min at {travel.describe()}"
    )
    for label, question in (
        ("MILP (HiGHS, 3 s limit per solve)", ReleaseQuestion()),
        ("greedy only", ReleaseQuestion(solver="greedy")),
        ("MILP, cost = people", ReleaseQuestion(objective=Objective.PEOPLE)),
        ("fallback path (MILP limit 0.05 s)", ReleaseQuestion(time_limit_s=0.05)),
    ):
        seconds, r = run(question)
        print(
            f"  {label}: {seconds:.2f} s; {len(r.covered_today):,} covered today; "
            f"keep {r.before.objective:g} -> {r.after.objective:g} "
            f"({r.before.method}/{r.after.method}, bounds {r.before.bound:g}/{r.after.bound:g}); "
            f"candidates {len(r.after.candidates):,}; freed {len(r.freed):,}"
        )


def _near(
    rng: random.Random, town: Settlement, box: tuple[float, float, float, float]
) -> tuple[float, float]:
    lon = min(box[2], max(box[0], town.lon + rng.uniform(-0.55, 0.55)))
    lat = min(box[3], max(box[1], town.lat + rng.uniform(-0.35, 0.35)))
    return lon, lat


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    demo()
    synthetic(args.units, args.seed)


if __name__ == "__main__":
    main()
