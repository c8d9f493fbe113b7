"""``marchwarden whatif``: the what-if and the release analysis as tables that fit an
80-column terminal, as JSON (the API's schema) or as CSV for analysts."""

from __future__ import annotations

import csv
import io
from enum import StrEnum
from typing import TYPE_CHECKING

from marchwarden.core.authority.release import (
    DEFAULT_AGENCIES,
    Objective,
    ReleaseQuestion,
    Target,
)
from marchwarden.core.errors import Invalid
from marchwarden.entrypoints.api.schemas.release import release_out
from marchwarden.entrypoints.cli_tables import table as cli_table
from marchwarden.entrypoints.cli_words import _, number, short
from marchwarden.services import release as release_service

if TYPE_CHECKING:
    from datetime import datetime

    from rich.console import Console

    from marchwarden.core.access.model import Principal
    from marchwarden.entrypoints.api.schemas.release import GainOut, ReleaseOut
    from marchwarden.services.authority import WhatIfReport
    from marchwarden.services.context import Services


class OutputFormat(StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


# --------------------------------------------------------------------------- what-if


def print_whatif(console: Console, report: WhatIfReport) -> None:
    proposed = ", ".join(report.proposed)
    table = cli_table(
        _("cli.whatif.col.power"),
        _("cli.whatif.col.region"),
        _("cli.whatif.col.members"),
        _("cli.whatif.col.units"),
        _("cli.whatif.col.unitsGaining"),
        title=_("cli.whatif.title", acts=proposed),
    )
    for change in report.whatif.changes:
        for r in change.regions:
            if not r.changed:
                continue
            gaining = ", ".join(report.units[int(u)].code for u in r.units_gaining[:6])
            more = len(r.units_gaining) - 6
            table.add_row(
                change.power,
                r.region,
                f"{number(r.members_before)} → {number(r.members_after)}",
                f"{number(r.units_before)} → {number(r.units_after)}",
                gaining + (f" +{more}" if more > 0 else ""),
            )
    console.print(table)
    cov = report.coverage
    considered = cov.before.covered_count + len(cov.before.uncovered)
    units, people = _("cli.whatif.col.units"), _("cli.whatif.col.people")
    cover = cli_table(
        "",
        units,
        _("cli.whatif.col.settlements"),
        people,
        title=_(
            "cli.whatif.coverageTitle",
            band=short(report.border_band_km),
            minutes=short(report.coverage_minutes),
            power=report.coverage_power,
        ),
        right=(units, people),
    )
    cover.add_row(
        _("cli.whatif.inForce"),
        number(cov.before.responder_count),
        _("cli.whatif.nOf", n=number(cov.before.covered_count), of=number(considered)),
        number(cov.before.covered_population),
    )
    cover.add_row(
        "+ " + proposed,
        number(cov.after.responder_count),
        _("cli.whatif.nOf", n=number(cov.after.covered_count), of=number(considered)),
        number(cov.after.covered_population),
    )
    console.print(cover)
    console.print(_("cli.whatif.travel", model=cov.travel_model))
    if cov.gained:
        towns = ", ".join(f"{s.name} ({number(s.population)})" for s in cov.gained)
        console.print(_("cli.whatif.gained", towns=towns))


def whatif_csv(report: WhatIfReport) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "power",
            "region",
            "members_before",
            "members_after",
            "units_before",
            "units_after",
            "units_gaining",
            "units_losing",
        ]
    )
    for change in report.whatif.changes:
        for r in change.regions:
            if not r.changed:
                continue
            w.writerow(
                [
                    change.power,
                    r.region,
                    r.members_before,
                    r.members_after,
                    r.units_before,
                    r.units_after,
                    " ".join(report.units[int(u)].code for u in r.units_gaining),
                    " ".join(report.units[int(u)].code for u in r.units_losing),
                ]
            )
    return buf.getvalue()


# --------------------------------------------------------------------------- release


def _method(method: str, objective: float, bound: float) -> str:
    if method == "greedy":
        return _("cli.release.greedy", bound=short(bound))
    return _("cli.release.optimal") if method == "optimal" else method


def _gain_cell(g: GainOut | None) -> str:
    if g is None or g.members == 0:
        return "–"
    return f"+{number(g.members)} ({number(g.units)})"


def print_release(console: Console, out: ReleaseOut) -> None:
    names = {s.id: s.name for s in out.settlements}
    law = " + ".join((_("cli.whatif.inForce"), *out.proposed))
    head = _(
        "cli.release.head",
        power=out.power,
        minutes=short(out.minutes),
        band=short(out.border_band_km),
        agencies=", ".join(out.agencies),
        objective=out.objective,
        target=out.target,
    )
    console.print(f"[bold]{_('cli.release.title')}[/bold]: {head}", highlight=False)
    if out.activate:
        activated = ", ".join(u.code for u in out.activate)
        console.print(_("cli.release.activated", units=activated), highlight=False)
    today = _(
        "cli.release.today",
        n=number(out.covered_today),
        of=number(out.settlements_considered),
        people=number(out.covered_today_population),
        gaps=number(len(out.uncovered_either_way)),
    )
    console.print(today, highlight=False)
    kept_h, released_h, people_h = (
        _(f"cli.release.col.{c}") for c in ("kept", "released", "people")
    )
    plans = cli_table(
        _("cli.release.col.law"),
        kept_h,
        released_h,
        people_h,
        _("cli.release.col.answer"),
        right=(kept_h, released_h, people_h),
    )
    for plan in (out.before, out.after):
        plans.add_row(
            plan.label,
            number(len(plan.kept)),
            number(len(plan.released)),
            number(plan.released_people),
            _method(plan.method, plan.objective, plan.bound),
        )
    console.print(plans)
    if out.freed:
        freed = ", ".join(f"{u.code} ({number(u.people)})" for u in out.freed)
        line = _("cli.release.freed", law=law, units=freed, people=number(out.freed_people))
        console.print(line, highlight=False)
    else:
        console.print(_("cli.release.freedNone", law=law), highlight=False)
    if out.after.kept:
        kept = cli_table(
            _("cli.release.col.unit"),
            people_h,
            _("cli.release.col.keepsCovered"),
            title=_("cli.release.mustStay", plan=out.after.label),
            right=(people_h,),
        )
        for k in out.after.kept:
            only = set(k.only)
            towns = ", ".join(names[s] + ("*" if s in only else "") for s in k.settlements)
            kept.add_row(k.unit.code, number(k.unit.people), towns)
        console.print(kept)
        console.print(_("cli.release.onlyOne"), highlight=False)
    if out.uncovered_either_way:
        gaps = ", ".join(names[s] for s in out.uncovered_either_way)
        console.print(_("cli.release.noneReaches", towns=gaps), highlight=False)
    b = out.binding
    if b.battalions:
        cols = [
            _(f"cli.release.col.{c}") for c in ("without", "activate", "qualif", "training", "fit")
        ]
        stand = cli_table(
            _("cli.release.col.battalion"),
            *cols,
            title=_("cli.release.inTheWay", n=number(b.members_without), power=b.power),
            right=tuple(cols),
        )
        for bt in b.battalions:
            by_kind = {g.kind: g for g in bt.gains}
            stand.add_row(
                bt.name,
                number(bt.members_without),
                _gain_cell(by_kind.get("unit_activated")),
                _gain_cell(by_kind.get("qualification")),
                _gain_cell(by_kind.get("training")),
                _gain_cell(by_kind.get("fit")),
            )
        console.print(stand)
        best = next((bt for bt in b.battalions if bt.gains), None)
        top = max(best.gains, key=lambda g: g.members) if best is not None else None
        if best is not None and top is not None and top.members:
            example = _(
                "cli.release.example",
                needs=top.needs,
                name=best.name,
                id=best.id,
                members=number(top.members),
                units=number(top.units),
                power=b.power,
            )
            console.print(example, highlight=False)


def release_csv(out: ReleaseOut) -> str:
    """One row per unit of the named agencies holding the power, under either law."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(
        [
            "unit_id",
            "code",
            "name",
            "region",
            "agency_kind",
            "people",
            "readiness",
            "in_force",
            "with_proposed",
            "freed",
            "settlements_kept_covered",
        ]
    )
    rows: dict[int, list[object]] = {}

    def state(plan_kept: set[int], plan_released: set[int], uid: int) -> str:
        if uid in plan_kept:
            return "kept"
        return "released" if uid in plan_released else "-"

    units = {u.unit.id: u.unit for u in (*out.before.kept, *out.after.kept)}
    units.update({u.id: u for u in (*out.before.released, *out.after.released)})
    kb = {k.unit.id for k in out.before.kept}
    rb = {u.id for u in out.before.released}
    ka = {k.unit.id: k for k in out.after.kept}
    ra = {u.id for u in out.after.released}
    freed = {u.id for u in out.freed}
    names = {s.id: s.name for s in out.settlements}
    for uid in sorted(units):
        u = units[uid]
        kept = ka.get(uid)
        rows[uid] = [
            u.id,
            u.code,
            u.name,
            u.region,
            u.agency_kind,
            u.people,
            u.readiness,
            state(kb, rb, uid),
            state(set(ka), ra, uid),
            "yes" if uid in freed else "no",
            "" if kept is None else "; ".join(names[s] for s in kept.settlements),
        ]
    w.writerows(rows.values())
    return buf.getvalue()


def run_release(
    svc: Services,
    operator: Principal,
    console: Console,
    *,
    proposed: tuple[str, ...],
    power: str,
    minutes: float,
    band_km: float,
    activate: tuple[str, ...],
    agencies: tuple[str, ...],
    objective: str,
    target: str,
    fmt: OutputFormat,
    at: datetime,
) -> str | None:
    """Run the release analysis; print the tables, or return the JSON or CSV text."""
    if not proposed and not activate:
        raise Invalid.said(
            "cli.name_proposed_act_unit",
            "name a proposed act (--with) or a unit to activate (--activate)",
        )
    try:
        question = ReleaseQuestion(
            agencies=frozenset(agencies) if agencies else DEFAULT_AGENCIES,
            objective=Objective(objective),
            target=Target(target),
        )
    except ValueError as exc:
        raise Invalid.said(
            "cli.objective_units_people_readiness",
            "--objective is units, people or readiness and --target settlements or population, "
            "not {objective} / {target}",
            objective=repr(objective),
            target=repr(target),
        ) from exc
    report = release_service.release(
        svc,
        operator,
        proposed=proposed,
        activate=release_service.resolve_units(svc, activate),
        at=at,
        power=power,
        minutes=minutes,
        border_band_km=band_km,
        question=question,
    )
    out = release_out(report)
    if fmt is OutputFormat.JSON:
        return out.model_dump_json(indent=2) + "\n"
    if fmt is OutputFormat.CSV:
        return release_csv(out)
    print_release(console, out)
    return None
