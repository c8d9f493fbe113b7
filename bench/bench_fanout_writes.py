"""What one stream message costs the server to write, by its size: the floor under the
live stream's fan-out (issue 15, docs/benchmarks.md "Positions").

The server writes each message to each subscriber's socket (uvloop, as ``serve`` runs):
with 1,000 subscribers and the hub's 10 wake-ups a second that is 10,000 writes a second
whatever the position rate. Here one uvloop process holds ``--subscribers`` loopback TCP
connections whose other ends are read by ``--readers`` processes (each an asyncio
protocol that drops what arrives, as the benchmarks' light subscribers), and writes one
message of each ``--sizes`` to every connection, ``--rounds`` times, a round every 100 ms
(the hub's pace). It prints the writer's CPU time per write (user + system: a loopback
write also runs the receiving side's TCP and wakes its reader) and per byte.

    .venv/bin/python bench/bench_fanout_writes.py [--subscribers 1000] [--readers 2]
        [--sizes 100,6000,20000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing as mp
import socket
import sys
import time
from pathlib import Path
from typing import Any

_ROOT = Path(__file__).resolve().parent.parent
for _p in (str(_ROOT / "src"), str(_ROOT)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import uvloop  # noqa: E402

from bench._machine import describe_machine  # noqa: E402


class _Drop(asyncio.Protocol):
    def data_received(self, data: bytes) -> None:
        pass


def _reader(port: int, n: int, ready: Any, stop: Any) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        for _ in range(n):
            await loop.create_connection(_Drop, "127.0.0.1", port)
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.1)

    uvloop.run(main())


async def _measure(subscribers: int, readers: int, size: int, rounds: int) -> tuple[float, int]:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(subscribers + 16)
    listener.setblocking(False)
    port = listener.getsockname()[1]
    ctx = mp.get_context("spawn")
    stop = ctx.Event()
    shares = [subscribers // readers + (k < subscribers % readers) for k in range(readers)]
    readies = [ctx.Event() for _ in shares]
    procs = [
        ctx.Process(target=_reader, args=(port, n, ready, stop), daemon=True)
        for n, ready in zip(shares, readies, strict=True)
    ]
    for proc in procs:
        proc.start()
    loop = asyncio.get_running_loop()
    transports: list[asyncio.Transport] = []
    for _ in range(subscribers):
        conn, _ = await loop.sock_accept(listener)
        transport, _ = await loop.connect_accepted_socket(_Drop, conn)
        transports.append(transport)
    for ready in readies:
        await asyncio.to_thread(ready.wait)
    message = b"x" * size
    writes = 0
    cpu = 0.0
    for _ in range(rounds):
        started = time.process_time()
        for transport in transports:
            transport.write(message)
        cpu += time.process_time() - started
        writes += len(transports)
        await asyncio.sleep(0.1)
    stop.set()
    for transport in transports:
        transport.close()
    listener.close()
    for proc in procs:
        proc.join(5)
    return cpu, writes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--readers", type=int, default=2, help="reading processes")
    ap.add_argument("--sizes", default="100,6000,20000", help="message sizes, bytes")
    ap.add_argument("--rounds", type=int, default=50)
    args = ap.parse_args()
    print(describe_machine())
    print(
        f"{args.subscribers} loopback subscribers read by {args.readers} processes; "
        f"{args.rounds} rounds of one write each, every 100 ms"
    )
    for size in (int(s) for s in args.sizes.split(",")):
        cpu, writes = uvloop.run(_measure(args.subscribers, args.readers, size, args.rounds))
        per_write = cpu / writes * 1e6
        print(
            f"  {size:>6} bytes: {per_write:.1f} µs of the writer's CPU per write "
            f"({per_write * 1000 / size:.2f} ns/byte; {writes} writes); at 10 writes/s to "
            f"each of {args.subscribers}: {per_write * 10 * args.subscribers / 1e4:.0f} % "
            "of a core"
        )


if __name__ == "__main__":
    main()
