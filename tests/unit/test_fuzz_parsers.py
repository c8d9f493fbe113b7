"""Hypothesis fuzzing of the pure parsers of untrusted input (issue 15, the reliability
suite): whatever they are given, they answer with a result or their own error, never
another exception, and a file with any error yields no records at all."""

from __future__ import annotations

import base64
import json
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marchwarden.core.forces.roster import COLUMNS, neutralise, parse_roster, restore
from marchwarden.core.incidents.correlation import text_similarity

GOOD_ROW = (
    "V0001,BEL-2BN-1,Sokol-1,Ivan,Petrov,1990-05-01,+7 900 000-00-01,"
    "basic:2025-12-01:40,firearms:2025-06-01:2027-03-01,2026-01-15:2027-06-01:fit"
)
HEADER = ",".join(COLUMNS)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))


def _parse(text: str) -> None:
    parsed = parse_roster(
        text, today=date(2026, 11, 26), unit_exists=lambda code: code == "BEL-2BN-1"
    )
    assert parsed.ok == (not parsed.errors)
    if parsed.errors:
        assert parsed.records == ()
        for error in parsed.errors:
            assert error.line >= 1 and error.column and error.reason
    else:
        assert all(r.unit_code == "BEL-2BN-1" for r in parsed.records)


@FUZZ
@given(st.text())
def test_any_text_parses_to_records_or_errors(text: str) -> None:
    _parse(text)


@FUZZ
@given(
    cells=st.lists(
        st.one_of(
            st.text(max_size=30),
            st.sampled_from(["", "2026-13-01", "x:y:z", ";;", '"', "\r\n", "=1+1", "\ufeff"]),
        ),
        min_size=1,
        max_size=14,
    ),
    header=st.booleans(),
)
def test_mangled_rows_under_a_real_header(cells: list[str], header: bool) -> None:
    row = ",".join(cells)
    _parse((HEADER + "\n" if header else "") + GOOD_ROW + "\n" + row + "\n")


@FUZZ
@given(st.data())
def test_one_cell_replaced_in_a_good_row(data: st.DataObject) -> None:
    cells = GOOD_ROW.split(",")
    i = data.draw(st.integers(0, len(cells) - 1))
    cells[i] = data.draw(st.text(max_size=40))
    _parse(HEADER + "\n" + ",".join(cells) + "\n")


@FUZZ
@given(st.text())
def test_neutralise_round_trips_anything(value: str) -> None:
    assert restore(neutralise(value)) == value


@FUZZ
@given(st.text(max_size=200), st.text(max_size=200))
def test_text_similarity_is_a_bounded_number(a: str, b: str) -> None:
    assert 0.0 <= text_similarity(a, b) <= 1.0


@FUZZ
@given(
    st.one_of(
        st.text(max_size=80),
        st.builds(
            lambda v: base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("="),
            st.recursive(
                st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
                lambda inner: st.lists(inner, max_size=4),
                max_leaves=8,
            ),
        ),
    ),
    st.sampled_from(["id", "newest", "reliability", "received"]),
)
def test_report_cursors_parse_or_are_refused(cursor: str, order: str) -> None:
    from marchwarden.services.ports import REPORT_ORDERS
    from marchwarden.services.reports import ReportCursorInvalid, parse_report_cursor

    if order not in REPORT_ORDERS:
        return
    try:
        key = parse_report_cursor(order, cursor)
    except ReportCursorInvalid:
        return
    assert isinstance(key, tuple) and len(key) == len(REPORT_ORDERS[order])
