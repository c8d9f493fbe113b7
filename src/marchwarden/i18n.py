"""The server's words in the reader's language: the sitrep and the command line's messages.

One catalogue per language, shared with the page: ``web/i18n/<code>.json`` (key → string
with ``{name}`` placeholders). English holds every key and is the fallback of a key a
language lacks. Which language: ``core.language`` (a user's setting, else ``--lang``,
``MARCHWARDEN_LANG`` or ``LANG`` at the command line, else English).
"""

from __future__ import annotations

import json
import os
import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING

from marchwarden.core import language as languages

if TYPE_CHECKING:
    from datetime import datetime

_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@cache
def _strings(code: str) -> dict[str, str]:
    path = resources.files("marchwarden").joinpath("web", "i18n", f"{code}.json")
    data: dict[str, str] = json.loads(path.read_text(encoding="utf-8"))
    return data


class Catalogue:
    """The strings of one language, English behind them."""

    def __init__(self, code: str) -> None:
        self.code = code if code in languages.LANGUAGES else languages.DEFAULT
        self._own = _strings(self.code)
        self._english = _strings(languages.DEFAULT)

    @property
    def locale(self) -> str:
        return "ru_RU" if self.code == "ru" else "en_GB"

    def __call__(self, key: str, /, **params: object) -> str:
        text = self._own.get(key) or self._english.get(key)
        if text is None:
            raise KeyError(f"no string {key!r} in the catalogue")
        return _PLACEHOLDER.sub(
            lambda m: str(params[m.group(1)]) if m.group(1) in params else m.group(0), text
        )

    def has(self, key: str) -> bool:
        return key in self._english

    def number(self, n: float, decimals: int = 0) -> str:
        """Grouped digits: "95,596" in English, "95 596" in Russian (a no-break space, as
        the page's Intl writes it)."""
        text = f"{n:,.{decimals}f}"
        if self.code == "ru":
            text = text.replace(",", "\u00a0").replace(".", ",")
        return text

    def date_time(self, at: datetime) -> str:
        """One date style for print: "5 Dec 2026, 14:32 MSK" / "5 дек. 2026, 14:32 MSK"."""
        month = self(f"month.short.{at.month}")
        zone = at.tzname() or "UTC"
        return f"{at.day} {month} {at.year}, {at:%H:%M} {zone}"


def catalogue(code: str | None) -> Catalogue:
    return Catalogue(code or languages.DEFAULT)


def command_line_language(explicit: str | None = None) -> str:
    """``--lang``, else MARCHWARDEN_LANG, else LANG / LC_ALL / LC_MESSAGES, else English."""
    env = os.environ
    return languages.choose(
        explicit,
        env.get("MARCHWARDEN_LANG"),
        env.get("LC_ALL"),
        env.get("LC_MESSAGES"),
        env.get("LANG"),
    )
