"""The roster CSV: parse and validate a whole file before anything is written. Pure.

Columns (header row required, any order, UTF-8)::

    external_id, unit_code, callsign, given_name, family_name, date_of_birth, phone,
    trainings, qualifications, fitness

- ``date_of_birth``: ``YYYY-MM-DD`` or empty.
- ``trainings``: ``programme:completed_on:hours`` items separated by ``;``
  (``basic:2025-12-01:40;self_defence_programme:2026-03-02:80``).
- ``qualifications``: ``kind:issued_on:expires_on`` items (expires_on may be empty:
  ``firearms:2025-06-01:2027-03-01;driver:2019-04-10:``).
- ``fitness``: ``examined_on:valid_until:fit|unfit`` items (``2026-01-15:2027-01-15:fit``).

Errors name the file's line (the header is line 1), the column and the reason.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from marchwarden.core.errors import Said, said
from marchwarden.core.forces.model import (
    Fitness,
    MemberRecord,
    PersonalData,
    Qualification,
    Training,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

COLUMNS: tuple[str, ...] = (
    "external_id",
    "unit_code",
    "callsign",
    "given_name",
    "family_name",
    "date_of_birth",
    "phone",
    "trainings",
    "qualifications",
    "fitness",
)
REQUIRED = ("external_id", "unit_code", "callsign", "given_name", "family_name")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$")
PHONE_RE = re.compile(r"^[+0-9][0-9 ()-]{3,30}$")
WORD_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
MAX_ERRORS = 1000


@dataclass(frozen=True, slots=True)
class RosterError:
    line: int
    column: str
    #: the reason, with its message code and params (the catalogue's ``error.roster.*``)
    said: Said

    @property
    def reason(self) -> str:
        return self.said.text

    def describe(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


@dataclass(frozen=True, slots=True)
class ParsedRoster:
    records: tuple[MemberRecord, ...]
    errors: tuple[RosterError, ...]
    #: line of each record, by external id
    lines: Mapping[str, int]

    @property
    def ok(self) -> bool:
        return not self.errors


class _RowError(Exception):
    def __init__(self, column: str, reason: Said) -> None:
        super().__init__(reason.text)
        self.column = column
        self.reason = reason


def _not_csv(exc: csv.Error) -> Said:
    return said("roster.not_csv", "not valid CSV: {error}", error=exc)


def _date(text: str, column: str, what: str = "date") -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _RowError(
            column,
            said(
                "roster.not_a_date",
                "{what} '{value}' is not a date YYYY-MM-DD",
                what=what,
                value=text,
            ),
        ) from None


def _items(text: str, column: str, parts: int, shape: str) -> list[list[str]]:
    out = []
    for raw in text.split(";"):
        raw = raw.strip()
        if not raw:
            continue
        bits = [b.strip() for b in raw.split(":")]
        if len(bits) != parts:
            raise _RowError(
                column,
                said(
                    "roster.item_shape",
                    "item '{value}' must look like {shape}",
                    value=raw,
                    shape=shape,
                ),
            )
        out.append(bits)
    return out


def _word(text: str, column: str, what: str) -> str:
    if not WORD_RE.match(text):
        raise _RowError(
            column,
            said(
                "roster.not_a_word",
                "{what} '{value}' must be lower-case letters, digits and '_'",
                what=what,
                value=text,
            ),
        )
    return text


def _trainings(text: str) -> tuple[Training, ...]:
    out = []
    for programme, completed, hours in _items(text, "trainings", 3, "programme:YYYY-MM-DD:hours"):
        try:
            h = float(hours) if hours else 0.0
        except ValueError:
            raise _RowError(
                "trainings",
                said("roster.hours_nan", "hours '{value}' is not a number", value=hours),
            ) from None
        if h < 0 or h > 10000:
            raise _RowError(
                "trainings",
                said(
                    "roster.hours_range", "hours '{value}' must be between 0 and 10000", value=hours
                ),
            )
        out.append(
            Training(
                _word(programme, "trainings", "programme"),
                _date(completed, "trainings", "completion date"),
                h,
            )
        )
    return tuple(out)


def _qualifications(text: str) -> tuple[Qualification, ...]:
    out = []
    for kind, issued, expires in _items(
        text, "qualifications", 3, "kind:issued YYYY-MM-DD:expires YYYY-MM-DD or empty"
    ):
        i = _date(issued, "qualifications", "issue date")
        e = _date(expires, "qualifications", "expiry date") if expires else None
        if e is not None and e <= i:
            raise _RowError(
                "qualifications",
                said(
                    "roster.expires_before_issue",
                    "{kind} expires {expires} on or before it was issued {issued}",
                    kind=kind,
                    expires=e,
                    issued=i,
                ),
            )
        out.append(Qualification(_word(kind, "qualifications", "kind"), i, e))
    return tuple(out)


def _fitness(text: str) -> tuple[Fitness, ...]:
    out = []
    for examined, until, verdict in _items(
        text, "fitness", 3, "examined YYYY-MM-DD:valid until:fit|unfit"
    ):
        ex = _date(examined, "fitness", "examination date")
        vu = _date(until, "fitness", "valid-until date") if until else None
        if vu is not None and vu <= ex:
            raise _RowError(
                "fitness",
                said(
                    "roster.valid_before_exam",
                    "valid until {until} is not after the examination {examined}",
                    until=vu,
                    examined=ex,
                ),
            )
        if verdict not in ("fit", "unfit"):
            raise _RowError(
                "fitness",
                said("roster.verdict", "verdict '{value}' must be 'fit' or 'unfit'", value=verdict),
            )
        out.append(Fitness(ex, vu, verdict == "fit"))
    return tuple(out)


def _record(row: Mapping[str, str], today: date) -> MemberRecord:
    for col in REQUIRED:
        if not row.get(col, "").strip():
            raise _RowError(col, said("roster.required", "is required"))
    external_id = row["external_id"].strip()
    if not CODE_RE.match(external_id):
        raise _RowError(
            "external_id",
            said(
                "roster.bad_external_id",
                "'{value}' must be 1-64 letters, digits or ._:/-",
                value=external_id,
            ),
        )
    unit_code = row["unit_code"].strip()
    if not CODE_RE.match(unit_code):
        raise _RowError(
            "unit_code",
            said("roster.bad_unit_code", "'{value}' is not a unit code", value=unit_code),
        )
    dob_text = row.get("date_of_birth", "").strip()
    dob = _date(dob_text, "date_of_birth", "date of birth") if dob_text else None
    if dob is not None and not (date(1900, 1, 1) <= dob <= today):
        raise _RowError(
            "date_of_birth",
            said("roster.implausible_birth", "{value} is not a plausible date of birth", value=dob),
        )
    phone = row.get("phone", "").strip()
    if phone and not PHONE_RE.match(phone):
        raise _RowError(
            "phone", said("roster.bad_phone", "'{value}' is not a phone number", value=phone)
        )
    for col in ("callsign", "given_name", "family_name"):
        if len(row[col].strip()) > 100:
            raise _RowError(col, said("roster.too_long", "is longer than 100 characters"))
    return MemberRecord(
        external_id=external_id,
        unit_code=unit_code,
        callsign=row["callsign"].strip(),
        personal=PersonalData(row["given_name"].strip(), row["family_name"].strip(), dob, phone),
        trainings=_trainings(row.get("trainings", "")),
        qualifications=_qualifications(row.get("qualifications", "")),
        fitness=_fitness(row.get("fitness", "")),
    ).normalised()


def parse_roster(
    text: str,
    *,
    today: date,
    unit_exists: Callable[[str], bool],
    progress: Callable[[int], None] | None = None,
) -> ParsedRoster:
    """Parse and validate the whole file. ``records`` is empty when there is any error."""
    errors: list[RosterError] = []
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(text.splitlines(keepends=True), strict=True)
    try:
        header = reader.fieldnames
    except csv.Error as exc:
        return ParsedRoster((), (RosterError(1, "(header)", _not_csv(exc)),), {})
    if not header:
        empty = said("roster.empty", "the file is empty")
        return ParsedRoster((), (RosterError(1, "(header)", empty),), {})
    names = [h.strip() for h in header]
    unknown = [h for h in names if h not in COLUMNS]
    missing = [c for c in REQUIRED if c not in names]
    dupes = sorted({h for h in names if names.count(h) > 1})
    for h in unknown:
        errors.append(
            RosterError(
                1,
                h or "(unnamed column)",
                said(
                    "roster.unknown_column",
                    "unknown column (expected: {columns})",
                    columns=", ".join(COLUMNS),
                ),
            )
        )
    for c in missing:
        errors.append(
            RosterError(1, c, said("roster.missing_column", "required column is missing"))
        )
    for d in dupes:
        twice = said("roster.column_twice", "column appears more than once")
        errors.append(RosterError(1, d or "(unnamed column)", twice))
    if errors:
        return ParsedRoster((), tuple(errors), {})
    reader.fieldnames = names
    records: list[MemberRecord] = []
    lines: dict[str, int] = {}
    line = 1
    try:
        for n, row in enumerate(reader, 1):
            line = reader.line_num
            if progress is not None and n % 5000 == 0:
                progress(n)
            if None in row:
                more = said("roster.more_fields", "more fields than the header has")
                errors.append(RosterError(line, "(row)", more))
                continue
            if any(v is None for v in row.values()):
                fewer = said("roster.fewer_fields", "fewer fields than the header has")
                errors.append(RosterError(line, "(row)", fewer))
                continue
            try:
                record = _record({k: restore(v) for k, v in row.items()}, today)
            except _RowError as exc:
                errors.append(RosterError(line, exc.column, exc.reason))
            else:
                if record.external_id in lines:
                    errors.append(
                        RosterError(
                            line,
                            "external_id",
                            said(
                                "roster.duplicate_id",
                                "'{value}' already appears on line {line}",
                                value=record.external_id,
                                line=lines[record.external_id],
                            ),
                        )
                    )
                elif not unit_exists(record.unit_code):
                    lines[record.external_id] = line
                    errors.append(
                        RosterError(
                            line,
                            "unit_code",
                            said(
                                "roster.no_unit",
                                "no unit with code '{value}'",
                                value=record.unit_code,
                            ),
                        )
                    )
                else:
                    lines[record.external_id] = line
                    records.append(record)
            if len(errors) >= MAX_ERRORS:
                break
    except csv.Error as exc:
        errors.append(RosterError(line + 1, "(row)", _not_csv(exc)))
    if errors:
        return ParsedRoster((), tuple(errors), {})
    return ParsedRoster(tuple(records), (), lines)


def _join(items: Iterable[str]) -> str:
    return ";".join(items)


#: a cell that a spreadsheet would evaluate as a formula starts with one of these
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """A cell made safe to open in a spreadsheet ("CSV injection"): one starting with a
    formula character (or with the apostrophe that marks it) gets a leading apostrophe.
    ``restore`` undoes it on import, so an export re-imports to the same values."""
    return "'" + cell if cell.startswith(FORMULA_START) or cell.startswith("'") else cell


def restore(cell: str) -> str:
    """The value ``neutralise`` was given."""
    if cell.startswith("'") and (cell[1:].startswith(FORMULA_START) or cell[1:2] == "'"):
        return cell[1:]
    return cell


def format_roster(records: Iterable[MemberRecord]) -> str:
    """The CSV text of a roster, in the format ``parse_roster`` reads, every cell
    neutralised against spreadsheet formulas (``neutralise``)."""
    out = _Sink()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for r in records:
        p = r.personal
        writer.writerow(
            neutralise(cell)
            for cell in [
                r.external_id,
                r.unit_code,
                r.callsign,
                p.given_name,
                p.family_name,
                p.date_of_birth.isoformat() if p.date_of_birth else "",
                p.phone,
                _join(
                    f"{t.programme}:{t.completed_on.isoformat()}:{t.hours:g}" for t in r.trainings
                ),
                _join(
                    f"{q.kind}:{q.issued_on.isoformat()}:"
                    f"{q.expires_on.isoformat() if q.expires_on else ''}"
                    for q in r.qualifications
                ),
                _join(
                    f"{f.examined_on.isoformat()}:"
                    f"{f.valid_until.isoformat() if f.valid_until else ''}:"
                    f"{'fit' if f.fit else 'unfit'}"
                    for f in r.fitness
                ),
            ]
        )
    return "".join(out.parts)


class _Sink:
    """Collects what the csv writer writes (no I/O)."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)
