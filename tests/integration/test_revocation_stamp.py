"""The SQLite revocation signal (``adapters/db/revocations.py: StampCounter``) on a real
file, bumped by another process: every reader that mapped the file sees the change at
once, without a system call; a file of the first format (dots appended) goes on counting.
The whole path, CLI to server, is ``tests/e2e/test_security.py``."""

from __future__ import annotations

import subprocess
import sys
from typing import TYPE_CHECKING

from marchwarden.adapters.db.revocations import StampCounter

if TYPE_CHECKING:
    from pathlib import Path

BUMP = "import sys; from marchwarden.adapters.db.revocations import StampCounter as S; "
BUMP += "S(sys.argv[1]).bump()"


def test_a_bump_by_another_process_is_seen_by_every_mapped_reader(tmp_path: Path) -> None:
    path = str(tmp_path / "store.db-revoked")
    first, second = StampCounter(path), StampCounter(path)
    seen = (first.read(), second.read())  # both map the file (made here, count 0)
    assert seen == (0, 0)
    subprocess.run([sys.executable, "-c", BUMP, path], check=True, timeout=60)
    assert (first.read(), second.read()) == (1, 1)
    second.bump()
    assert first.read() == 2
    first.close()  # a closed reader maps the file again
    assert first.read() == 2


def test_a_stamp_file_of_the_first_format_counts_on(tmp_path: Path) -> None:
    path = tmp_path / "store.db-revoked"
    path.write_bytes(b"." * 3)  # three revocations written the first way
    stamp = StampCounter(str(path))
    before = stamp.read()  # grown to eight bytes: some count
    stamp.bump()
    assert stamp.read() == before + 1
