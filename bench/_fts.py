"""FreeTAKServer 2.2.1 beside the gateway, for bench_tak.py ``--peer fts``.

Nothing of FreeTAKServer is in the repository: it is installed from PyPI at bench time
into a throwaway venv outside it (``$MARCHWARDEN_BENCH_CACHE`` or the user's cache
folder, ``marchwarden-bench/fts-2.2.1``), with the pins it needs
(``opentelemetry-sdk==1.24.0 opentelemetry-api==1.24.0``).

Each case runs in ``unshare --mount --net`` (root needed):

- a private network namespace with only loopback up: FreeTAKServer's 0.0.0.0 binds (HTTP
  API 19023, 8080, 8443, 8089, …) reach nothing else, and the generator (takbench) runs in
  the same namespace, against 127.0.0.1:8087;
- a private mount namespace: a tmpfs over ``/opt`` (FreeTAKServer writes under
  ``/opt/fts``) and an overlay over the venv whose writable layer is on that tmpfs. It
  keeps state and logs inside its own install (e.g. digitalpy's
  ``core/IAM/persistence/connections.json``) and slows down as they grow: with the
  overlay every case starts from the installed packages exactly as installed, and
  whatever it wrote is gone when the namespace ends.

Its whole process group is stopped after each case.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

VERSION = "2.2.1"
PINS = ("opentelemetry-sdk==1.24.0", "opentelemetry-api==1.24.0")
PORT = 8087


class FtsUnavailable(RuntimeError):
    """FreeTAKServer could not be installed or started here (the message says why)."""


def cache_dir() -> Path:
    base = os.environ.get("MARCHWARDEN_BENCH_CACHE") or os.environ.get("XDG_CACHE_HOME")
    root = Path(base) if base else Path.home() / ".cache"
    return root / "marchwarden-bench" / f"fts-{VERSION}"


def ensure_installed() -> Path:
    """The venv with FreeTAKServer installed (installed now if it is not)."""
    if os.geteuid() != 0 or shutil.which("unshare") is None or shutil.which("ip") is None:
        raise FtsUnavailable("needs root, unshare and ip (private mount and network namespaces)")
    folder = cache_dir()
    venv = folder / "venv"
    marker = folder / "installed"
    if marker.exists():
        return venv
    folder.mkdir(parents=True, exist_ok=True)
    python = shutil.which("python3.11") or shutil.which("python3") or sys.executable
    steps = [
        [python, "-m", "venv", "--clear", str(venv)],
        [str(venv / "bin" / "pip"), "install", "-q", f"FreeTAKServer=={VERSION}", *PINS],
    ]
    for step in steps:
        done = subprocess.run(step, capture_output=True, text=True, check=False, timeout=1800)
        if done.returncode != 0:
            raise FtsUnavailable(f"{' '.join(step[:3])}… failed: {done.stderr.strip()[-1500:]}")
    marker.write_text(f"FreeTAKServer=={VERSION} {' '.join(PINS)}\n")
    return venv


_SCRIPT = r"""
set -eu
ip link set lo up
mount -t tmpfs tmpfs /opt
mkdir -p /opt/fts /opt/.ov/upper /opt/.ov/work
mount -t overlay overlay -o "lowerdir=$VENV,upperdir=/opt/.ov/upper,workdir=/opt/.ov/work" "$VENV"
cd /opt/fts
FTS_FIRST_START=false setsid "$VENV/bin/python" -m FreeTAKServer.controllers.services.FTS \
    -CoTIP 127.0.0.1 -CoTPort 8087 > "$LOG" 2>&1 &
FTS=$!
up=""
for _ in $(seq 1 120); do
    sleep 0.5
    if ! kill -0 "$FTS" 2>/dev/null; then break; fi
    if (exec 3<>/dev/tcp/127.0.0.1/8087) 2>/dev/null; then up=1; break; fi
done
rc=0
if [ -n "$up" ]; then
    sleep "${FTS_WARMUP:-5}"  # its other services finish starting after the CoT port opens
    "$BENCH_PYTHON" "$@" --monitor "gw=$FTS" > /dev/null || rc=$?
else
    echo "FreeTAKServer did not open 127.0.0.1:8087 in 60 s" >&2
    rc=97
fi
kill -TERM -- "-$FTS" 2>/dev/null || true
sleep 2
kill -KILL -- "-$FTS" 2>/dev/null || true
wait "$FTS" 2>/dev/null || true
exit $rc
"""


def run_case(venv: Path, args: list[str], out: Path, log: Path, timeout: float) -> dict[str, Any]:
    """Start a fresh FreeTAKServer in its namespaces, run takbench (``args``, without
    ``--monitor``) against it there, stop it; the generator's figures."""
    env = dict(os.environ, VENV=str(venv), LOG=str(log), BENCH_PYTHON=sys.executable)
    done = subprocess.run(
        ["unshare", "--mount", "--net", "bash", "-c", _SCRIPT, "fts-bench", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if done.returncode != 0 or not out.exists():
        tail = log.read_text(errors="replace")[-1500:] if log.exists() else ""
        raise FtsUnavailable(
            f"FreeTAKServer case failed (exit {done.returncode}): {done.stderr.strip()[-800:]}"
            f"\n--- its log ---\n{tail}"
        )
    result: dict[str, Any] = json.loads(out.read_text())
    return result
