"""The audit chain's head, anchored in a file outside the database it protects."""

from __future__ import annotations

import fcntl
import json
import os
from pathlib import Path

from marchwarden.core.audit.chain import Anchor


class FileAnchor:
    """Keeps ``{"instance": I, "seq": N, "hash": H}`` of the newest audit record in a file.

    ``instance`` identifies the database (a random id made by its first migration), so an
    anchor left over from another database is recognised as such and not compared.

    Written after every commit that appended audit records; only ever moves forward, so
    several processes sharing one file cannot move it back. Written with an atomic rename.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def read(self) -> tuple[str, Anchor] | None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return str(data["instance"]), Anchor(seq=int(data["seq"]), hash=str(data["hash"]))

    def advance(self, instance: str, anchor: Anchor) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+", encoding="utf-8") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            current = self.read()
            if current is not None and current[0] == instance and current[1].seq >= anchor.seq:
                return
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.tmp")
            tmp.write_text(
                json.dumps({"instance": instance, "seq": anchor.seq, "hash": anchor.hash}),
                encoding="utf-8",
            )
            os.replace(tmp, self.path)

    def reset(self) -> None:
        """Forget the anchor (a new, empty database)."""
        self.path.unlink(missing_ok=True)
