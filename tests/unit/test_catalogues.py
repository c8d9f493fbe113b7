"""The page's, the sitrep's and the command line's words come from one catalogue per
language (``web/i18n/<code>.json``): every language has every key, every key the code asks
for exists, and the page's modules hold no user-visible English of their own."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import marchwarden
from marchwarden.core.language import LANGUAGES
from marchwarden.i18n import catalogue

WEB = Path(marchwarden.__file__).parent / "web"
SRC = Path(marchwarden.__file__).parent

#: t('key', 'English') / tr('key', "English") in the page's modules
JS_CALL = re.compile(
    r"\b(?:t|tr)\(\s*'([\w.]+)'\s*,\s*(?:'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\")"
)
#: c("key") / self.c("key") / _("key") in the server's Python
PY_CALL = re.compile(r"\b(?:c|_)\(\s*[\"']([a-z][\w]*\.[\w.]+)[\"']")
#: a user-visible literal: el(..., { text: 'Words' }), .textContent = 'Words', title: 'Words',
#: or the words a node, a message line or a fact starts with: append('Now '), fact('Type', …)
JS_LITERAL = re.compile(
    r"(?:\btext:|\.textContent\s*=|\btitle:|\.title\s*=|\bplaceholder:|aria-label',"
    r"|\b(?:replaceChildren|append|announce|setDetailMessage|showListMessage|fact)\("
    r"|\bsetFormError\(\w+,)\s*"
    r"['`\"]([A-Z][a-z][^'`\"]*)['`\"]"
)


#: modules whose words are not yet all in the catalogue: none since issue 13, and it stays so
NOT_YET: frozenset[str] = frozenset()


def strings(code: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((WEB / "i18n" / f"{code}.json").read_text("utf-8"))
    return data


def modules() -> list[Path]:
    return sorted(p for p in [*WEB.glob("*.js"), *WEB.glob("field/*.js")])


@pytest.mark.parametrize("code", sorted(LANGUAGES))
def test_every_language_has_every_key_and_its_placeholders(code: str) -> None:
    english, other = strings("en"), strings(code)
    assert sorted(set(english) - set(other)) == []
    assert sorted(set(other) - set(english)) == []
    for key, text in english.items():
        wanted = set(re.findall(r"\{(\w+)\}", text))
        assert set(re.findall(r"\{(\w+)\}", other[key])) == wanted, key
        assert other[key].strip(), key


def test_every_key_the_page_asks_for_is_in_the_catalogue_with_its_english() -> None:
    english = strings("en")
    missing, differs = [], []
    for path in modules():
        for m in JS_CALL.finditer(path.read_text("utf-8")):
            key, fallback = m.group(1), m.group(2) if m.group(2) is not None else m.group(3)
            fallback = fallback.replace("\\'", "'").replace('\\"', '"')
            if key not in english:
                missing.append(f"{path.name}: {key}")
            elif english[key] != fallback:
                differs.append(f"{path.name}: {key}: {fallback!r} != {english[key]!r}")
    assert missing == []
    assert differs == []


def test_every_key_the_server_asks_for_is_in_the_catalogue() -> None:
    english = strings("en")
    used = {
        m.group(1)
        for path in [
            SRC / "i18n.py",
            SRC / "scenario" / "replay.py",
            *SRC.glob("entrypoints/**/*.py"),
        ]
        for m in PY_CALL.finditer(path.read_text("utf-8"))
    }
    assert used, "the pattern finds the server's calls"
    assert sorted(used - set(english)) == []


#: a placeholder written as a literal, whatever its first letter ("name" was one)
JS_PLACEHOLDER = re.compile(r"\bplaceholder:\s*['`\"]([A-Za-z][^'`\"]*)['`\"]")


def test_the_page_modules_hold_no_english_of_their_own() -> None:
    found = [
        f"{path.relative_to(WEB)}: {m.group(1)!r}"
        for path in modules()
        if str(path.relative_to(WEB)) not in NOT_YET
        for pattern in (JS_LITERAL, JS_PLACEHOLDER)
        for m in pattern.finditer(path.read_text("utf-8"))
    ]
    assert found == []


def test_the_catalogue_formats_numbers_and_dates_for_its_language() -> None:
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    at = datetime(2026, 12, 5, 11, 32, tzinfo=UTC).astimezone(ZoneInfo("Europe/Moscow"))
    assert catalogue("en").number(95596) == "95,596"
    assert catalogue("ru").number(95596) == "95\u00a0596"
    assert catalogue("en").date_time(at) == "5 Dec 2026, 14:32 MSK"
    assert catalogue("ru").date_time(at) == "5 дек. 2026, 14:32 MSK"
    assert catalogue("ru")("sitrep.col.region") == "Регион"
    assert catalogue("xx")("sitrep.col.region") == "Region"


def test_every_bundled_region_has_a_name_in_the_page() -> None:
    """The page shows regions by name (web/regions.js), for every region the server ships."""
    regions = json.loads((SRC / "data" / "regions.geojson").read_text("utf-8"))
    codes = {f["properties"]["iso_3166_2"] for f in regions["features"]}
    table = dict(
        re.findall(r"'([A-Z]{2}-[A-Z0-9]+)': t\('(region\.\w+)'", (WEB / "regions.js").read_text())
    )
    assert set(table) == codes
    english = strings("en")
    assert all(english[key] for key in table.values())


def test_every_event_the_server_emits_has_a_name_in_the_page() -> None:
    """The event log names each event's type in the reader's language (web/eventlog.js):
    every ``DomainEvent`` of the core has its entry, and no entry is for a type that is
    gone."""
    import importlib
    import inspect
    import pkgutil

    import marchwarden.core as core
    from marchwarden.core.events import DomainEvent

    emitted = set()
    for found in pkgutil.walk_packages(core.__path__, "marchwarden.core."):
        module = importlib.import_module(found.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, DomainEvent) and cls is not DomainEvent and name[0] != "_":
                emitted.add(name)
    table = dict(re.findall(r"(\w+): t\('(eventType\.\w+)'", (WEB / "eventlog.js").read_text()))
    assert sorted(set(table) ^ emitted) == []
    assert all(key == f"eventType.{name}" for name, key in table.items())


def test_russian_place_names_are_russian_and_chosen_by_their_sound() -> None:
    """The bundled settlements' ``name_ru`` (databuild/settlement_names.py): Russian letters
    only, and the rule picks the Russian form among GeoNames' unlabelled alternates."""
    from marchwarden.databuild.settlement_names import russian_name

    doc = json.loads((SRC / "data" / "settlements.geojson").read_text("utf-8"))
    named = {f["properties"]["name"]: f["properties"].get("name_ru") for f in doc["features"]}
    assert named["Grayvoron"] == "Грайворон" and named["Kharkiv"] == "Харьков"
    assert sum(1 for v in named.values() if v) > len(named) // 2
    assert all(re.fullmatch(r"[А-Яа-яЁё \-]+", v) for v in named.values() if v)
    # a Kyrgyz, a Bulgarian and a Ukrainian form among the alternates lose to the Russian
    assert russian_name("Konotop", ["Канатып", "Конотоп", "Konotop"]) == ("Конотоп", 1.0)
    chosen = russian_name("Kharkiv", ["Kharkov", "Харків", "Харков", "Харьков"])
    assert chosen is not None and chosen[0] == "Харьков"
    chosen = russian_name("Kursk", ["Курськ", "Курск"])
    assert chosen is not None and chosen[0] == "Курск"
