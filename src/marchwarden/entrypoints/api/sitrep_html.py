"""The printable situation report (HTML), in the reader's language.

Every word comes from the catalogue (``marchwarden.i18n``); numbers have the language's
thousands separators; every time is in the HQ's time zone with the zone named, in one date
style ("5 Dec 2026, 14:32 MSK").
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from marchwarden.core.incidents.casualties import CasualtyCategory
from marchwarden.entrypoints.api.timeline_words import TimelineWords

if TYPE_CHECKING:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from marchwarden.entrypoints.api.schemas.civil import DisplacementOut
    from marchwarden.entrypoints.api.schemas.sitreps import (
        AgencyDeploymentOut,
        BorderSitrepOut,
        IncidentCasualtiesOut,
        IncidentSitrepOut,
        NeedOut,
        RegionSitrepOut,
    )
    from marchwarden.i18n import Catalogue

_CSS = """
body { font: 11pt/1.4 system-ui, sans-serif; margin: 2em auto; max-width: 60em; color: #111; }
h1 { font-size: 1.5em; margin-bottom: .2em; } h2 { font-size: 1.15em; margin-top: 1.4em;
border-bottom: 1px solid #999; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; width: 100%; margin: .4em 0; }
th, td { border: 1px solid #bbb; padding: .2em .4em; text-align: left; vertical-align: top; }
th { background: #eee; } td.n { text-align: right; } .meta { color: #444; }
.incident { page-break-inside: avoid; } @media print { body { margin: 0; max-width: none; } }
figure.area-map { margin: .6em 0; page-break-inside: avoid; } figure.area-map svg {
max-width: 100%; height: auto; border: 1px solid #999; }
figcaption { font-size: .9em; color: #444; }
"""


class SitrepHtml:
    """Renders the three sitreps for one reader: ``c`` their catalogue, ``zone`` the HQ's."""

    def __init__(self, c: Catalogue, zone: ZoneInfo) -> None:
        self.c = c
        self.zone = zone
        self.timeline = TimelineWords(c, lambda at: self.c.date_time(at.astimezone(zone)))

    # ------------------------------------------------------------------ pieces
    def time(self, value: datetime | None) -> str:
        return "—" if value is None else escape(self.c.date_time(value.astimezone(self.zone)))

    def n(self, value: float) -> str:
        return self.c.number(value)

    def change(self, value: int) -> str:
        return ("+" if value > 0 else "") + self.c.number(value) if value else "0"

    def code(self, value: str) -> str:
        """An enum value in words ("on_scene" → "on scene" / "на месте")."""
        key = f"code.{value}"
        return escape(self.c(key) if self.c.has(key) else value.replace("_", " "))

    def label(self, kind: str, value: str, english: str) -> str:
        """A catalogue's name for ``value`` (``kind.value``), else the English one given."""
        key = f"{kind}.{value}"
        return self.c(key) if self.c.has(key) else english

    def page(self, title: str, body: str) -> str:
        return (
            f"<!DOCTYPE html><html lang={self.c.code}><head><meta charset=utf-8>"
            f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>{body}</body></html>"
        )

    def table(
        self, headers: list[str], rows: list[list[str]], numeric: frozenset[int] = frozenset()
    ) -> str:
        if not rows:
            return f"<p>{escape(self.c('sitrep.none'))}</p>"
        head = "".join(f"<th>{escape(h)}</th>" for h in headers)
        body = "".join(
            "<tr>"
            + "".join(
                f"<td class=n>{cell}</td>" if i in numeric else f"<td>{cell}</td>"
                for i, cell in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    def casualties(self, counts: dict[str, int], change: dict[str, int]) -> str:
        c = self.c
        rows = [
            [self.code(k.value), self.n(counts[k.value]), self.change(change[k.value])]
            for k in CasualtyCategory
        ]
        headers = [c("sitrep.col.category"), c("sitrep.col.figure"), c("sitrep.col.change")]
        return self.table(headers, rows, frozenset({1, 2}))

    def by_incident(self, rows: list[IncidentCasualtiesOut]) -> str:
        cats = list(CasualtyCategory)
        return self.table(
            [
                self.c("sitrep.col.incident"),
                self.c("sitrep.col.region"),
                *(self.code(k.value) for k in cats),
            ],
            [
                [escape(f"#{i.incident_id} {i.name}"), escape(i.region or "—")]
                + [
                    f"{self.n(i.casualties[k.value])} ({self.change(i.casualties_change[k.value])})"
                    for k in cats
                ]
                for i in rows
            ],
            frozenset(range(2, 2 + len(cats))),
        )

    def displacement(self, d: DisplacementOut) -> str:
        keys = ["orders", "toMove", "moved", "remaining", "sheltered", "capacity", "room"]
        values = [
            d.orders,
            d.to_move,
            d.moved,
            d.remaining,
            d.sheltered,
            d.shelter_capacity,
            d.shelter_capacity - d.sheltered,
        ]
        return self.table(
            [self.c(f"sitrep.displacement.{k}") for k in keys],
            [[self.n(v) for v in values]],
            frozenset(range(7)),
        )

    def deployed(self, deployed: list[AgencyDeploymentOut]) -> str:
        rows = [
            [
                escape(f"{d.agency_name} ({d.agency_code})"),
                escape(f"{u.unit_name} ({u.unit_code})"),
                self.code(u.unit_status.value),
                escape(f"#{u.task_id} {u.task_title}"),
                self.code(u.task_status.value),
                self.time(u.assigned_at),
            ]
            for d in deployed
            for u in d.units
        ]
        keys = ["agency", "unit", "unitStatus", "task", "taskStatus", "assigned"]
        return self.table([self.c(f"sitrep.col.{k}") for k in keys], rows)

    def need(self, n: NeedOut) -> str:
        c = self.c
        wants = []
        if n.required_powers:
            names = ", ".join(
                c(f"power.{p}") if c.has(f"power.{p}") else p for p in n.required_powers
            )
            wants.append(c("sitrep.need.powers", powers=names))
        if n.required_capabilities:
            wants.append(c("sitrep.need.capabilities", caps=", ".join(n.required_capabilities)))
        hours, minutes = divmod(n.open_for_minutes, 60)
        text = c(
            "sitrep.need.task",
            id=n.task_id,
            priority=c(f"code.{n.priority}"),
            title=n.title,
            wants=("; ".join(wants) and c("sitrep.need.with", wants="; ".join(wants))),
            open=c("sitrep.duration", h=hours, m=minutes),
        )
        if n.needed_by is not None:
            text += c("sitrep.need.by", at=self.c.date_time(n.needed_by.astimezone(self.zone)))
        return f"<li>{escape(text)}</li>"

    def needs(self, needs: list[NeedOut]) -> str:
        if not needs:
            return f"<p>{escape(self.c('sitrep.noNeeds'))}</p>"
        return "<ul>" + "".join(self.need(n) for n in needs) + "</ul>"

    def map_figure(self, s: IncidentSitrepOut, svg: str) -> str:
        if not svg:
            return ""
        caption = self.c("sitrep.mapCaption", km=f"{s.affected.radius_km:g}")
        return f"<figure class=area-map>{svg}<figcaption>{escape(caption)}</figcaption></figure>"

    def meta(self, s: IncidentSitrepOut | RegionSitrepOut | BorderSitrepOut) -> str:
        return self.c(
            "sitrep.meta",
            since=self.time(s.since),
            until=self.time(s.until),
            prepared=self.time(s.prepared_at),
            by=escape(s.prepared_by),
        )

    # ------------------------------------------------------------------ the reports
    def incident(self, s: IncidentSitrepOut, level: int, svg: str = "") -> str:
        c, h, sub = self.c, f"h{level}", f"h{level + 1}"
        i, lead = s.incident, s.command.lead
        support = ", ".join(f"{a.name} ({a.code})" for a in s.command.supporting)
        row = "<tr><th>{}</th><td>{}</td></tr>".format
        kind = self.label("incidentType", i.incident_type.value, s.incident_type_label)
        parts = [
            f"<div class=incident><{h}>{escape(c('sitrep.incidentHeading', name=i.name, id=i.id))}"
            f"</{h}><table>",
            row(
                c("sitrep.type"),
                f"{escape(kind)} — ACLED {escape(s.acled.event_type)} / "
                f"{escape(s.acled.sub_event_type)}",
            ),
            row(
                c("sitrep.severityState"),
                f"{self.code(i.severity.value)} / {self.code(i.state.value)}",
            ),
            row(c("sitrep.col.region"), escape(i.region or c("sitrep.outsideRegions"))),
            row(
                c("sitrep.location"),
                f"{i.reference_point.lat:.4f}N {i.reference_point.lon:.4f}E "
                f"({escape(str(s.place['type']))})",
            ),
            row(
                c("sitrep.lead"),
                escape(f"{lead.name} ({lead.code})" if lead else c("sitrep.nobody")),
            ),
            row(c("sitrep.supporting"), escape(support or c("sitrep.nobody"))),
            row(c("sitrep.reports"), self.n(s.reports_total)),
            "</table>",
            self.map_figure(s, svg),
            f"<{sub}>{escape(c('sitrep.whatHappened'))}</{sub}>",
            self.table(
                [c("sitrep.col.time"), c("sitrep.col.what"), c("sitrep.col.by")],
                [
                    [
                        self.time(e.at),
                        escape(self.timeline.line(e.kind, e.data, e.text, e.task_id)),
                        escape(e.actor),
                    ]
                    for e in s.what_happened
                ],
            ),
            f"<{sub}>{c('sitrep.casualtiesAsOf', at=self.time(s.until))}</{sub}>",
            self.casualties(s.casualties.model_dump(), s.casualties_change),
            f"<{sub}>{escape(c('sitrep.displacementNow'))}</{sub}>",
            self.displacement(s.displacement),
            f"<{sub}>"
            + escape(
                c(
                    "sitrep.affected",
                    n=self.n(s.affected.settlement_count),
                    people=self.n(s.affected.population),
                    km=f"{s.affected.radius_km:g}",
                )
            )
            + f"</{sub}>",
            self.table(
                [c("sitrep.col.settlement"), c("sitrep.col.population")],
                [[escape(x.name), self.n(x.population)] for x in s.affected.settlements[:25]],
                frozenset({1}),
            ),
            f"<{sub}>{escape(c('sitrep.unitsDeployed'))}</{sub}>",
            self.deployed(s.units_deployed),
            f"<{sub}>{escape(c('sitrep.openTasks'))}</{sub}>",
            self.table(
                [
                    c("sitrep.col.task"),
                    c("sitrep.col.priority"),
                    c("sitrep.col.status"),
                    c("sitrep.col.unit"),
                ],
                [
                    [
                        escape(f"#{k.id} {k.title}"),
                        self.code(k.priority.value),
                        self.code(k.status.value),
                        str(k.unit_id or "—"),
                    ]
                    for k in s.open_tasks
                ],
            ),
            f"<{sub}>{escape(c('sitrep.needed'))}</{sub}>",
            self.needs(s.needs),
            "</div>",
        ]
        return "".join(parts)

    def incident_page(self, s: IncidentSitrepOut, svg: str) -> str:
        title = self.c("sitrep.title", what=s.incident.name)
        body = f"<h1>{escape(title)}</h1><p class=meta>{self.meta(s)}.</p>" + self.incident(
            s, 2, svg
        )
        return self.page(title, body)

    def region_page(self, s: RegionSitrepOut, maps: dict[int, str]) -> str:
        c = self.c
        title = c("sitrep.title", what=f"{s.region_name} ({s.region})")
        count = c("sitrep.incidentCount", n=len(s.incidents))
        parts = [
            f"<h1>{escape(title)}</h1>",
            f"<p class=meta>{self.meta(s)}. {escape(count)}</p>",
            f"<h2>{escape(c('sitrep.casualtiesAll'))}</h2>",
            self.casualties(s.casualties, s.casualties_change),
            f"<h2>{escape(c('sitrep.casualtiesByIncident'))}</h2>",
            self.by_incident(s.casualties_by_incident),
            f"<h2>{escape(c('sitrep.displacementIn', region=s.region_name))}</h2>",
            self.displacement(s.displacement),
            "<h2>"
            + escape(
                c(
                    "sitrep.affectedRegion",
                    n=self.n(s.affected_settlement_count),
                    people=self.n(s.affected_population),
                )
            )
            + "</h2>",
            f"<h2>{escape(c('sitrep.unitsDeployed'))}</h2>",
            self.deployed(s.units_deployed),
            f"<h2>{escape(c('sitrep.openTasksNeeded', n=s.open_tasks))}</h2>",
            self.needs(s.needs),
        ]
        parts += [self.incident(i, 2, maps.get(i.incident.id, "")) for i in s.incidents]
        return self.page(title, "".join(parts))

    def border_page(self, s: BorderSitrepOut) -> str:
        c = self.c
        title = c("sitrep.title", what=c("sitrep.borderRegions"))
        counts = c("sitrep.regionsIncidents", regions=len(s.regions), incidents=s.incident_count)
        parts = [
            f"<h1>{escape(title)}</h1>",
            f"<p class=meta>{self.meta(s)}. {escape(counts)}</p>",
            f"<h2>{escape(c('sitrep.casualtiesBorder'))}</h2>",
            self.casualties(s.casualties, s.casualties_change),
            f"<h2>{escape(c('sitrep.casualtiesByIncident'))}</h2>",
            self.by_incident(s.casualties_by_incident),
            f"<h2>{escape(c('sitrep.displacementBorder'))}</h2>",
            self.displacement(s.displacement),
        ]
        for r in s.regions:
            heading = c(
                "sitrep.regionHeading", name=r.region_name, code=r.region, n=r.incident_count
            )
            parts += [
                f"<h2>{escape(heading)}</h2>",
                self.casualties(r.casualties, r.casualties_change),
                self.displacement(r.displacement),
            ]
        return self.page(title, "".join(parts))
