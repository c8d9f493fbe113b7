"""Remove duplicate records from the bundled ``settlements.geojson`` (in place).

    python -m marchwarden.databuild.settlements [--dry-run]

The rule (``marchwarden.core.geo.dedupe``): same normalised name within 6 km is one
place; the record with the largest population is kept. Idempotent: a second run drops
nothing.
"""

from __future__ import annotations

import argparse
import sys
from importlib import resources
from pathlib import Path

import orjson

from marchwarden.core.geo.dedupe import DUPLICATE_WITHIN_KM, duplicate_groups
from marchwarden.core.geo.model import settlements_from_geojson
from marchwarden.geodata import DATA_PACKAGE, SETTLEMENTS_FILE


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)
    path = Path(str(resources.files(DATA_PACKAGE).joinpath(SETTLEMENTS_FILE)))
    doc = orjson.loads(path.read_bytes())
    groups = duplicate_groups(settlements_from_geojson(doc), DUPLICATE_WITHIN_KM)
    drop = {s.id for g in groups for s in g[1:]}
    for g in groups:
        kept, rest = g[0], g[1:]
        gone = ", ".join(f"{s.name} ({s.id}, {s.population:,})" for s in rest)
        sys.stdout.write(f"keep {kept.name} ({kept.id}, {kept.population:,}); drop {gone}\n")
    before = len(doc["features"])
    doc["features"] = [f for f in doc["features"] if f["properties"]["geonameid"] not in drop]
    sys.stdout.write(f"{before} settlements, {len(drop)} duplicates, {len(doc['features'])} kept\n")
    if not args.dry_run and drop:
        path.write_bytes(orjson.dumps(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
