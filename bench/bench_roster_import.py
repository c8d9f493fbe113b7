"""Roster CSV import of 100,000 members into a fresh store (SQLite; PostgreSQL too when
MARCHWARDEN_BENCH_PG is set, e.g. postgresql://root@127.0.0.1:5432/test).

    .venv/bin/python bench/bench_roster_import.py [--members 100000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg

from bench._machine import describe_machine
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.forces.model import NewUnit
from marchwarden.services import forces, roster
from marchwarden.settings import Settings

HEADER = (
    "external_id,unit_code,callsign,given_name,family_name,date_of_birth,phone,"
    "trainings,qualifications,fitness\n"
)


def make_csv(n: int, units: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    rows = [HEADER]
    for i in range(n):
        quals = []
        if rng.random() < 0.3:
            quals.append(f"firearms:2025-0{rng.randint(1, 9)}-01:2027-0{rng.randint(1, 9)}-01")
        if rng.random() < 0.4:
            quals.append("first_aid:2025-01-10:")
        rows.append(
            f"M{i:07d},U{i % units:03d},cs{i},Ivan,Petrov,1990-05-{1 + i % 28:02d},"
            f"+7 900 000-00-{i % 100:02d},basic:2025-12-01:40;self_defence_programme:"
            f"2026-03-01:80,{';'.join(quals)},2026-01-15:2027-01-15:fit\n"
        )
    return "".join(rows)


def run(url: str, text: str, units: int, tmp: Path) -> tuple[float, float]:
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    settings = Settings(
        _env_file=None,
        database_url=url,
        audit_anchor_path=str(tmp / f"{uuid.uuid4().hex}.anchor"),
    )
    svc = build_services(settings)
    agency = forces.create_agency(
        svc, None, code="VSD", name="Volunteers", kind="volunteer_self_defence", region="RU-BEL"
    ).id
    for u in range(units):
        forces.create_unit(
            svc,
            None,
            NewUnit(
                code=f"U{u:03d}",
                name=f"Unit {u}",
                agency_id=agency,
                parent_id=None,
                category="company",
                region="RU-BEL",
                home_lon=36.5,
                home_lat=50.6,
            ),
        )
    started = time.perf_counter()
    result = roster.import_roster(svc, None, text)
    first = time.perf_counter() - started
    assert result.created == text.count("\n") - 1
    started = time.perf_counter()
    again = roster.import_roster(svc, None, text)
    second = time.perf_counter() - started
    assert again.unchanged == result.created
    svc.db.engine.dispose()
    return first, second


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--units", type=int, default=50)
    args = parser.parse_args()
    print(f"machine: {describe_machine()}")
    text = make_csv(args.members, args.units)
    print(f"roster: {args.members:,} members, {len(text) / 1e6:.1f} MB of CSV")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        stores = [("sqlite", f"sqlite:///{tmp / 'bench.db'}")]
        pg = os.environ.get("MARCHWARDEN_BENCH_PG")
        dbname = f"mw_bench_{uuid.uuid4().hex[:8]}"
        if pg:
            with psycopg.connect(pg, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dbname}"')
            stores.append(("postgresql", pg.rsplit("/", 1)[0] + "/" + dbname))
        try:
            for name, url in stores:
                first, second = run(url, text, args.units, tmp)
                print(
                    f"{name:10s} import {first:6.2f} s ({args.members / first:,.0f} members/s)"
                    f"; re-import (no change) {second:6.2f} s"
                )
        finally:
            if pg:
                with psycopg.connect(pg, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dbname}" WITH (FORCE)')


if __name__ == "__main__":
    main()
