"""Benchmark: every power for 1,000,000 generated members under two act sets.

Generates (seeded numpy) a unit tree of battalions -> companies -> platoons in four
regions (three border regions and one other) for six agency kinds, and 1,000,000
members with firearms / first-aid qualifications, basic / self-defence training and
fitness records, some expired, some renewed. Then evaluates the demo law at
2026-11-26T12:00Z under the acts in force and under in force + LSD-2023, and compares
the two (what-if). Target: both evaluations in under 5 s on one core, under 1 GB.

Run: ``.venv/bin/python bench/bench_authority.py [members]``
"""

from __future__ import annotations

import gc
import resource
import sys
import time
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path

_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import numpy as np  # noqa: E402
import numpy.typing as npt  # noqa: E402

from bench._machine import describe_machine  # noqa: E402
from marchwarden.core.authority import (  # noqa: E402
    ActivationOrder,
    MemberTable,
    RecordColumns,
    UnitFacts,
    UnitTree,
    compare,
    evaluate_table,
    to_epoch_us,
)
from marchwarden.core.authority.demo_law import demo_law  # noqa: E402

AT = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
DAY_US = 86_400 * 1_000_000
REGIONS = ("RU-BEL", "RU-KRS", "RU-BRY", "RU-VOR")
AGENCIES = (
    ("volunteer_self_defence", 0.55),
    ("army", 0.15),
    ("border_service", 0.08),
    ("national_guard", 0.08),
    ("police", 0.10),
    ("emergency_service", 0.04),
)
PLATOON_SIZE = 30
COMPANY_PLATOONS = 3
BATTALION_COMPANIES = 4


def build_units(
    n_members: int, rng: np.random.Generator
) -> tuple[UnitTree, list[int], list[float]]:
    """The unit tree; the tree indices of all platoons and each platoon's share of members."""
    at_us = to_epoch_us(AT)
    units: list[UnitFacts] = []
    platoons: list[str] = []
    weights: list[float] = []
    per_battalion = PLATOON_SIZE * COMPANY_PLATOONS * BATTALION_COMPANIES
    for agency, share in AGENCIES:
        for region in REGIONS:
            n_bn = max(1, round(n_members * share / len(REGIONS) / per_battalion))
            for b in range(n_bn):
                bid = f"{region}/{agency}/bn{b}"
                orders: tuple[ActivationOrder, ...] = ()
                roll = rng.random()
                if roll < 0.4:  # activated a week ago, open-ended
                    orders = (ActivationOrder(_dt(at_us - 6 * DAY_US)),)
                elif roll < 0.5:  # an order that already ended
                    orders = (ActivationOrder(_dt(at_us - 60 * DAY_US), _dt(at_us - 30 * DAY_US)),)
                units.append(
                    UnitFacts(bid, None, agency, "battalion", region, f"Battalion {b}", orders)
                )
                for c in range(BATTALION_COMPANIES):
                    cid = f"{bid}/co{c}"
                    c_orders: tuple[ActivationOrder, ...] = ()
                    if rng.random() < 0.1:  # a company activated on its own
                        c_orders = (ActivationOrder(_dt(at_us - DAY_US), _dt(at_us + 30 * DAY_US)),)
                    units.append(UnitFacts(cid, bid, agency, "company", region, "", c_orders))
                    for p in range(COMPANY_PLATOONS):
                        pid = f"{cid}/pl{p}"
                        units.append(UnitFacts(pid, cid, agency, "platoon", region))
                        platoons.append(pid)
                        weights.append(share / n_bn)
    tree = UnitTree(units)
    return tree, [tree.index_of(p) for p in platoons], weights


def _dt(us: int) -> datetime:
    return datetime.fromtimestamp(us / 1_000_000, tz=UTC)


def _records(
    rng: np.random.Generator,
    n: int,
    vocabulary: tuple[str, ...],
    spec: list[tuple[int, float, int, int, int | None]],
) -> RecordColumns:
    """spec rows: (code, share of members, earliest start days ago, latest start days ago,
    validity in days or None for open-ended)."""
    at_us = to_epoch_us(AT)
    members: list[npt.NDArray[np.int64]] = []
    codes: list[npt.NDArray[np.int64]] = []
    starts: list[npt.NDArray[np.int64]] = []
    ends: list[npt.NDArray[np.int64]] = []
    for code, share, oldest, newest, days in spec:
        who = np.flatnonzero(rng.random(n) < share).astype(np.int64)
        ago = rng.integers(newest, oldest + 1, size=who.size, dtype=np.int64)
        start = at_us - ago * DAY_US
        end = (
            np.full(who.size, np.iinfo(np.int64).max, dtype=np.int64)
            if days is None
            else start + days * DAY_US
        )
        members.append(who)
        codes.append(np.full(who.size, code, dtype=np.int64))
        starts.append(start)
        ends.append(end)
    return RecordColumns.build(
        vocabulary,
        np.concatenate(members),
        np.concatenate(codes),
        np.concatenate(starts),
        np.concatenate(ends),
    )


def build_table(n: int, seed: int = 20261126) -> MemberTable:
    rng = np.random.default_rng(seed)
    tree, platoon_index, weights = build_units(n, rng)
    p = np.asarray(weights, dtype=np.float64)
    chosen = rng.choice(len(platoon_index), size=n, p=p / p.sum())
    unit_index = np.asarray(platoon_index, dtype=np.int64)[chosen]
    member_ids = np.char.add("M", np.char.zfill(np.arange(n).astype("U7"), 7))
    qualifications = _records(
        rng,
        n,
        ("firearms", "first_aid"),
        [
            (0, 0.35, 1400, -10, 3 * 365),  # firearms: some expired, a few not yet valid
            (0, 0.05, 200, 0, 3 * 365),  # renewals
            (1, 0.25, 1500, 0, 2 * 365),
        ],
    )
    trainings = _records(
        rng,
        n,
        ("basic", "self_defence_programme"),
        [(0, 0.8, 700, 0, None), (1, 0.45, 365, -30, None)],
    )
    fitness = _records(rng, n, ("fit",), [(0, 0.9, 500, 0, 365)])
    return MemberTable(
        units=tree,
        member_ids=member_ids,
        unit_index=unit_index,
        qualifications=qualifications,
        trainings=trainings,
        fitness=fitness,
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    acts = demo_law()
    t0 = time.perf_counter()
    table = build_table(n)
    t_build = time.perf_counter() - t0
    records = len(table.qualifications) + len(table.trainings) + len(table.fitness)
    print(f"machine: {describe_machine()}")
    print(
        f"generated {len(table):,} members, {len(table.units):,} units, {records:,} records "
        f"in {t_build:.2f} s"
    )

    gc.collect()
    t0 = time.perf_counter()
    baseline = evaluate_table(table, acts, AT)
    t1 = time.perf_counter()
    scenario = evaluate_table(table, acts, AT, with_proposed=("LSD-2023",))
    t2 = time.perf_counter()
    change = compare(baseline, scenario)
    t3 = time.perf_counter()
    print(f"evaluate, acts in force:          {t1 - t0:.3f} s")
    print(f"evaluate, in force + LSD-2023:    {t2 - t1:.3f} s")
    print(f"both evaluations:                 {t2 - t0:.3f} s  (target < 5 s)")
    print(f"what-if comparison (ids, regions): {t3 - t2:.3f} s")

    for power in baseline.powers:
        c = change.change(power)
        print(
            f"  {power:<18} members {baseline.count_members(power):>8,} -> "
            f"{scenario.count_members(power):>8,}   units "
            f"{len(baseline.units_holding(power)):>6,} -> {len(scenario.units_holding(power)):>6,}"
            f"   (+{c.members_gained:,} members, +{c.units_gained:,} units)"
        )

    del baseline, scenario, change
    gc.collect()
    tracemalloc.start()
    b = evaluate_table(table, acts, AT)
    s = evaluate_table(table, acts, AT, with_proposed=("LSD-2023",))
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del b, s
    rss_peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(f"peak traced allocation during both evaluations: {traced_peak / 2**20:.1f} MiB")
    print(
        f"peak RSS of the whole process (generation included): {rss_peak_kib / 1024:.1f} MiB "
        "(target < 1 GiB)"
    )


if __name__ == "__main__":
    main()
