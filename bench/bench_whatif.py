"""The demo's what-if (acts in force vs + LSD-2023, coverage of border settlements):
cold (snapshot of the registry built from the store) and warm (snapshot cached).

    .venv/bin/python bench/bench_whatif.py
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._machine import describe_machine
from marchwarden.adapters.db.engine import create_engine
from marchwarden.adapters.db.migrate import upgrade
from marchwarden.bootstrap import build_services
from marchwarden.core.access.model import Principal, Role, Scope
from marchwarden.scenario.generate import generate
from marchwarden.scenario.loader import load_forces
from marchwarden.services import authority
from marchwarden.settings import Settings


def main() -> None:
    print(f"machine: {describe_machine()}")
    with tempfile.TemporaryDirectory() as d:
        url = f"sqlite:///{Path(d) / 'demo.db'}"
        engine = create_engine(url)
        upgrade(engine)
        engine.dispose()
        svc = build_services(
            Settings(
                _env_file=None,
                database_url=url,
                audit_anchor_path=str(Path(d) / "a.anchor"),
            )
        )
        data = generate(2024, as_of=svc.clock.now())
        load_forces(svc, data)
        who = Principal(0, "bench", Role.ANALYST, Scope.all())
        at = svc.clock.now()
        cold, warm = [], []
        for _ in range(5):
            authority._cache(svc).snapshot = None
            t0 = time.perf_counter()
            report = authority.what_if(svc, who, proposed=("LSD-2023",), at=at)
            cold.append(time.perf_counter() - t0)
        for i in range(20):
            t0 = time.perf_counter()
            authority.what_if(svc, who, proposed=("LSD-2023",), at=at, minutes=30 + i)
            warm.append(time.perf_counter() - t0)
        cov = report.coverage
        print(
            f"demo: {len(data.units)} units, {len(data.members)} members; "
            f"coverage {cov.before.covered_count}->{cov.after.covered_count} settlements"
        )
        print(
            f"what-if cold (registry read + evaluate + coverage): median "
            f"{statistics.median(cold) * 1000:.0f} ms, max {max(cold) * 1000:.0f} ms"
        )
        print(
            f"what-if warm (snapshot cached; evaluation cached per moment): median "
            f"{statistics.median(warm) * 1000:.1f} ms, max {max(warm) * 1000:.1f} ms"
        )
        svc.db.engine.dispose()


if __name__ == "__main__":
    main()
