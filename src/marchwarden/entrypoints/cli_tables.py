"""Tables of the ``marchwarden`` command that stay readable in an 80-column terminal:
light borders and cells that fold onto the next line instead of being cut with "…"."""

from __future__ import annotations

from rich import box
from rich.table import Table


def table(*columns: str, title: str | None = None, right: tuple[str, ...] = ()) -> Table:
    """A table with ``columns``; those named in ``right`` are right-aligned (numbers)."""
    t = Table(title=title, box=box.SIMPLE_HEAD, title_justify="left", pad_edge=False)
    for col in columns:
        t.add_column(col, overflow="fold", justify="right" if col in right else "left")
    return t
