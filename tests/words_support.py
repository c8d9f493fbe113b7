"""What a problem's words are checked against: the page's catalogues. A problem with a
``code`` (and each item of its ``errors`` with one) must have the code's sentence in every
language, and its English ``detail`` must be that sentence filled from its ``params``."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import marchwarden

WEB = Path(marchwarden.__file__).parent / "web"
FIELD = re.compile(r"\{(\w+)\}")


@cache
def catalogue(code: str) -> dict[str, str]:
    data: dict[str, str] = json.loads((WEB / "i18n" / f"{code}.json").read_text("utf-8"))
    return data


@cache
def handled_by_page() -> frozenset[str]:
    """Codes the page words by a case of its own (api.js: detailWords), not ``error.*``."""
    text = (WEB / "api.js").read_text("utf-8")
    return frozenset(re.findall(r"case '([a-z_]+\.[\w.]+)':", text)) - {"roster.invalid"}


def fill(template: str, params: dict[str, str]) -> str:
    return FIELD.sub(lambda m: params[m.group(1)], template)


def _worded(code: str, params: Any) -> str:
    """The English sentence of ``code`` with ``params``; fails when a language lacks it."""
    key = f"error.{code}"
    for lang in ("en", "ru"):
        assert key in catalogue(lang), f"{lang} has no {key}"
    assert isinstance(params, dict), params
    assert set(FIELD.findall(catalogue("en")[key])) <= set(params), (key, params)
    return fill(catalogue("en")[key], params)


def check_words(body: dict[str, Any]) -> None:
    code = body.get("code")
    if isinstance(code, str) and code not in handled_by_page():
        english = _worded(code, body.get("params"))
        assert str(body["detail"]).startswith(english), (body["detail"], english)
    for item in body.get("errors") or []:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            english = _worded(item["code"], item.get("params"))
            if "reason" in item:  # a roster line's; a field's message is pydantic's own
                assert item["reason"] == english, (item, english)
