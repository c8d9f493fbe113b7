"""Every sentence the server can send a reader in another language has its words in both
catalogues: each coded error (``Worded.said``/``said``: a message code and the English
template it fills), each ``message=`` code given by hand, each request-validation error
type. And the errors raised without a code are counted per module, so that none is added
unnoticed (issue 13: the count only goes down)."""

from __future__ import annotations

import ast
import importlib
import pkgutil
from collections import Counter
from pathlib import Path

import marchwarden
from marchwarden.core.errors import Worded
from marchwarden.entrypoints.api.errors import VALIDATION_PARAMS
from tests.words_support import FIELD, catalogue, handled_by_page

SRC = Path(marchwarden.__file__).parent

#: raise sites of a coded error class that give no code yet, per module (the errors of
#: inner consistency — arrays, programming mistakes — among them); lower a figure when
#: you code a site, never raise one
UNCODED: dict[str, int] = {
    "core/authority/binding.py": 1,
    "core/authority/evaluation.py": 3,
    "core/authority/model.py": 23,
    "core/authority/whatif.py": 2,
    "core/dispatch/tasking.py": 1,
    "core/forces/status.py": 1,
    "core/incidents/lifecycle.py": 1,
    "services/accounts.py": 1,
    "services/roster.py": 3,
    "services/tak.py": 1,
}


def sources() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text("utf-8"))) for p in sorted(SRC.rglob("*.py"))]


def said_calls() -> list[tuple[str, str, str, set[str]]]:
    """(where, code, template, params) of every said(...) call with literal code and text."""
    found = []
    for path, tree in sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else None
            if isinstance(node.func, ast.Attribute):
                name = node.func.attr
            code = node.args[0] if node.args else None
            if name != "said" or not (isinstance(code, ast.Constant) and code.value):
                continue  # the definitions, which pass their own arguments on
            text = node.args[1]
            where = f"{path.name}:{node.lineno}"
            assert isinstance(text, ast.Constant), f"{where}: said() takes a literal template"
            keys = {k.arg for k in node.keywords if k.arg and k.arg != "extra"}
            found.append((where, str(code.value), str(text.value), keys))
    return found


def test_every_coded_error_has_its_english_and_russian_with_the_same_fields() -> None:
    en, ru = catalogue("en"), catalogue("ru")
    calls = said_calls()
    assert len(calls) > 100, "the walk finds the coded errors"
    problems: list[str] = []
    templates: dict[str, str] = {}
    for where, code, template, keys in calls:
        key = f"error.{code}"
        if templates.setdefault(code, template) != template:
            problems.append(f"{where}: {code} has two templates")
        if set(FIELD.findall(template)) != keys:
            problems.append(f"{where}: {code}: params {sorted(keys)} fill {template!r}")
        if en.get(key) != template:
            problems.append(f"{where}: en {key} is {en.get(key)!r}, not {template!r}")
        if key not in ru or set(FIELD.findall(ru[key])) != keys:
            problems.append(f"{where}: ru {key} missing or with other fields")
    assert problems == []


def test_every_code_given_by_hand_is_worded() -> None:
    en, ru, page = catalogue("en"), catalogue("ru"), handled_by_page()
    missing = []
    for path, tree in sources():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            for k in node.keywords:
                if k.arg == "message" and isinstance(k.value, ast.Constant):
                    code = str(k.value.value)
                    if code not in page and not (f"error.{code}" in en and f"error.{code}" in ru):
                        missing.append(f"{path.name}:{node.lineno}: {code}")
    assert missing == []


def test_every_validation_error_type_is_worded_with_its_params() -> None:
    en, ru = catalogue("en"), catalogue("ru")
    for kind, params in [*VALIDATION_PARAMS.items(), ("other", ("message",))]:
        key = f"error.validation.{kind}"
        assert set(FIELD.findall(en[key])) == set(params), key
        assert set(FIELD.findall(ru[key])) == set(params), key


def coded_classes() -> set[str]:
    for info in pkgutil.walk_packages([str(SRC)], "marchwarden."):
        skip = ("__main__", ".web", ".databuild", ".migrations")
        if any(part in info.name for part in skip):
            continue
        importlib.import_module(info.name)
    seen: set[str] = set()
    todo = [Worded]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__name__ not in seen:
                seen.add(sub.__name__)
                todo.append(sub)
    return seen


def uncoded_raises() -> Counter[str]:
    names = coded_classes()
    counts: Counter[str] = Counter()
    for path, tree in sources():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in names and not any(k.arg == "message" for k in node.exc.keywords):
                counts[str(path.relative_to(SRC))] += 1
    return counts


def test_no_new_error_without_a_code() -> None:
    counts = uncoded_raises()
    grown = {
        module: (n, UNCODED.get(module, 0))
        for module, n in counts.items()
        if n > UNCODED.get(module, 0)
    }
    assert grown == {}, "code these errors with .said(...) (module: (now, allowed))"
    assert {m: n for m, n in UNCODED.items() if counts.get(m, 0) < n} == {}, (
        "fewer uncoded errors than recorded: lower UNCODED"
    )
