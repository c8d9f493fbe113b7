"""A timeline entry's line in the reader's language, for the printable sitrep's "what
happened": the same catalogue keys and the same rules as the page's ``timelinewords.js``
(written from the entry's ``data``; in English, and for an entry without the data its line
needs, the line the server stored)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from marchwarden.i18n import Catalogue

#: the values with a catalogue key of their own (``<prefix>.<value>``)
_TASK_STEPS = frozenset({"accepted", "open", "en_route", "on_scene", "completed", "cancelled"})
_FIELDS = frozenset({"name", "description", "incident_type", "severity"})


class TimelineWords:
    """``line(kind, data, text, task_id)`` for one reader: ``c`` their catalogue, ``when`` how
    a moment is printed."""

    def __init__(self, c: Catalogue, when: Callable[[datetime], str]) -> None:
        self.c = c
        self.when = when

    # ------------------------------------------------------------------ words
    def label(self, key: str, fallback: str) -> str:
        return self.c(key) if self.c.has(key) else fallback

    def code(self, value: object) -> str:
        """An enum value in words ("on_scene" → "на месте")."""
        text = str(value or "")
        return self.label(f"code.{text}", text.replace("_", " "))

    def kind_of(self, value: object) -> str:
        text = str(value or "")
        return self.label(f"incidentType.{text}", text.replace("_", " "))

    def power(self, value: object) -> str:
        text = str(value or "")
        return self.label(f"power.{text}", text.replace("_", " "))

    def n(self, value: object) -> str:
        number = float(str(value or 0))
        return self.c.number(number, 0 if number.is_integer() else 1)

    def moment(self, iso: object) -> str:
        try:
            return self.when(datetime.fromisoformat(str(iso)))
        except ValueError:
            return str(iso)

    def command(self, lead: object, supporting: object) -> str:
        none = self.c("incident.none")
        others = ", ".join(str(s) for s in supporting) if isinstance(supporting, list) else ""
        return self.c("incident.tl.commandWords", lead=lead or none, supporting=others or none)

    @staticmethod
    def with_note(text: str, note: object) -> str:
        return f"{text}: {note}" if note else text

    # ------------------------------------------------------------------ lines
    def line(self, kind: str, data: Mapping[str, Any], text: str, task_id: int | None) -> str:
        if self.c.code == "en" and kind != "log":
            return text
        said = getattr(self, f"_{kind}", None)
        written = said(data, task_id) if said is not None else None
        return written if written is not None else text

    def _opened(self, d: Mapping[str, Any], _: int | None) -> str | None:
        command = d.get("command")
        if not d.get("incident_type") or not isinstance(command, dict):
            return None
        point = {"lat": self.c.number(d["lat"], 4), "lon": self.c.number(d["lon"], 4)}
        place = (
            self.c("incident.placeArea", **point)
            if d.get("place_type") == "Polygon"
            else self.c("incident.placePoint", **point)
        )
        origin = self.c("incident.tl.fromReport", id=d["report_id"]) if d.get("report_id") else ""
        return self.c(
            "incident.tl.opened",
            **{"from": origin},
            type=self.kind_of(d["incident_type"]),
            severity=self.code(d.get("severity")),
            place=place,
            n=self.n(d.get("settlements")),
            people=self.n(d.get("people")),
            km=self.n(d.get("radius_km")),
            command=self.command(command.get("lead"), command.get("supporting")),
        )

    def _command_changed(self, d: Mapping[str, Any], _: int | None) -> str | None:
        if "lead" not in d or "previous_lead" not in d:
            return None
        return self.c(
            "incident.tl.command",
            now=self.command(d["lead"], d.get("supporting")),
            before=self.command(d["previous_lead"], d.get("previous_supporting")),
        )

    def _state_changed(self, d: Mapping[str, Any], _: int | None) -> str | None:
        if not d.get("from") or not d.get("to"):
            return None
        line = self.c("incident.tl.state", **{"from": self.code(d["from"])}, to=self.code(d["to"]))
        return self.with_note(line, d.get("reason"))

    def _updated(self, d: Mapping[str, Any], _: int | None) -> str | None:
        changes = d.get("changes")
        if not isinstance(changes, dict) or not changes:
            return None
        parts = []
        for key, value in changes.items():
            if key == "place":
                parts.append(self.c("incident.tl.placeMoved"))
                continue
            field = self.c(f"incident.tl.field.{key}") if key in _FIELDS else key.replace("_", " ")
            if isinstance(value, list) and len(value) == 2:
                parts.append(f"{field} {self._shown(key, value[0])} → {self._shown(key, value[1])}")
            else:
                parts.append(f"{field} {self._shown(key, value)}")
        return self.c("incident.tl.updated", changes="; ".join(parts))

    def _shown(self, key: str, value: object) -> str:
        if key == "severity":
            return self.code(value)
        return self.kind_of(value) if key == "incident_type" else str(value)

    def _casualties(self, d: Mapping[str, Any], _: int | None) -> str | None:
        counts, totals = d.get("counts"), d.get("totals")
        if not isinstance(counts, dict) or not isinstance(totals, dict) or not d.get("as_of"):
            return None

        def listed(figures: dict[str, Any]) -> str:
            return ", ".join(f"{self.code(k)} {self.n(v)}" for k, v in figures.items())

        source = self.c("incident.tl.source", source=d["source"]) if d.get("source") else ""
        return self.c(
            "incident.tl.casualties",
            at=self.moment(d["as_of"]),
            counts=listed(counts),
            source=source,
            totals=listed(totals),
        )

    def _task_created(self, d: Mapping[str, Any], task_id: int | None) -> str | None:
        if not d.get("title") or not d.get("priority"):
            return None
        needs = ", ".join(self.power(p) for p in d.get("required_powers") or [])
        return self.c(
            "incident.tl.taskCreated",
            id=task_id,
            priority=self.code(d["priority"]),
            title=d["title"],
            needs=needs or self.c("incident.tl.noPower"),
        )

    def _task_assigned(self, d: Mapping[str, Any], task_id: int | None) -> str | None:
        if not d.get("unit"):
            return None
        line = self.c(
            "incident.tl.taskAssigned", id=task_id, unit=d["unit"], agency=d.get("agency") or ""
        )
        grants = d.get("granted_powers") or {}
        if grants:
            powers = ", ".join(f"{self.power(p)} ({law})" for p, law in grants.items())
            line += self.c("incident.tl.powers", powers=powers)
        return self.with_note(line, d.get("note"))

    def _task_status(self, d: Mapping[str, Any], task_id: int | None) -> str | None:
        if "unit" not in d or not d.get("to"):
            return None
        to = str(d["to"])
        step = self.c(f"incident.tl.step.{to}") if to in _TASK_STEPS else self.code(to)
        line = self.c("incident.tl.taskStep", id=task_id, step=step)
        if d["unit"]:
            line += self.c("incident.tl.byUnit", unit=d["unit"])
        if d.get("unit_status"):
            line += self.c("incident.tl.unitStatus", status=self.code(d["unit_status"]))
        return self.with_note(line, d.get("note"))

    def _task_refused(self, d: Mapping[str, Any], task_id: int | None) -> str | None:
        if not d.get("unit") or "missing_powers" not in d:
            return None
        return self.c(
            "incident.tl.taskRefused",
            id=task_id,
            unit=d["unit"],
            code=d.get("unit_code") or "",
            powers=", ".join(self.power(p) for p in d["missing_powers"]) or "—",
        )

    def _report_attached(self, d: Mapping[str, Any], _: int | None) -> str | None:
        if not d.get("report_id") or not d.get("incident_type") or not d.get("observed_at"):
            return None
        source = str(d.get("source_kind") or "")
        line = self.c(
            "incident.tl.reportAttached",
            id=d["report_id"],
            type=self.kind_of(d["incident_type"]).lower(),
            rating=d.get("rating") or "",
            source=self.label(f"source.{source}", source.replace("_", " ")).lower(),
            at=self.moment(d["observed_at"]),
        )
        return self.with_note(line, d.get("note"))

    def _alert(self, d: Mapping[str, Any], _: int | None) -> str | None:
        step = d.get("step")
        if step in ("drafted", "revised"):
            if d.get("settlements") is None or d.get("population") is None:
                return None
            return self.c(
                "incident.tl.alertDrafted",
                id=d.get("alert_id"),
                step=self.c(f"incident.tl.alert.{step}"),
                event=d.get("event") or "",
                severity=self.code(str(d.get("severity") or "").lower()),
                instruction=self.code(d.get("instruction")),
                area=d.get("area") or "",
                n=self.n(d["settlements"]),
                people=self.n(d["population"]),
            )
        if step == "approved":
            return self.c("incident.tl.alertApproved", id=d.get("alert_id"), by=d.get("by") or "")
        if step in ("published", "updated"):
            return self.c(
                "incident.tl.alertPublished",
                id=d.get("alert_id"),
                step=self.c(f"incident.tl.alert.{step}"),
                cap=d.get("identifier") or "",
            )
        if step == "cancelled":
            return self.c(
                "incident.tl.alertCancelled", id=d.get("alert_id"), cap=d.get("identifier") or ""
            )
        if step == "evacuation_ordered":
            return self.c(
                "incident.tl.evacuationOrdered",
                kind=self.code(d.get("order_kind")),
                area=d.get("area") or "",
                n=self.n(d.get("to_move")),
            )
        if step == "evacuation_progressed":
            return self.c(
                "incident.tl.evacuationProgressed",
                id=d.get("evacuation_order"),
                state=self.code(d.get("state")),
                moved=self.n(d.get("moved")),
                n=self.n(d.get("to_move")),
            )
        return None

    def _log(self, d: Mapping[str, Any], _: int | None) -> str | None:
        note = d.get("note")
        if not isinstance(note, str):
            return None
        return self.c("incident.tl.logUnit", note=note, unit=d["unit"]) if d.get("unit") else note
