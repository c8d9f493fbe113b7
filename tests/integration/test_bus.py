"""The bus contract, run over every implementation: in-process and NATS.

NATS tests need a server at MARCHWARDEN_TEST_NATS (default nats://127.0.0.1:4222); without
one they are skipped with the reason printed, except under CI, where that fails.
"""

from __future__ import annotations

import asyncio
import os
import threading
from typing import TYPE_CHECKING

import pytest

from marchwarden.adapters.bus.memory import InProcessBus
from marchwarden.adapters.bus.nats import NatsBus

if TYPE_CHECKING:
    from collections.abc import Callable

    from marchwarden.adapters.bus.base import EventBus

NATS_URL = os.environ.get("MARCHWARDEN_TEST_NATS", "nats://127.0.0.1:4222")


async def _nats_reachable() -> str | None:
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(*NATS_URL.removeprefix("nats://").split(":")), 2
        )
    except (OSError, TimeoutError) as exc:
        return f"NATS not reachable at {NATS_URL}: {exc}"
    writer.close()
    del reader
    return None


def make_bus(kind: str, subject: str) -> EventBus:
    if kind == "memory":
        return InProcessBus()
    problem = asyncio.run(_nats_reachable())
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    return NatsBus(NATS_URL, subject=subject)


@pytest.fixture(params=["memory", "nats"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_publish_from_a_worker_thread_reaches_the_listener(kind: str) -> None:
    subject = f"test.{os.getpid()}.{threading.get_ident()}"
    bus = make_bus(kind, subject)

    async def scenario() -> list[int]:
        got: list[int] = []
        done = asyncio.Event()

        def on_notify(event_id: int) -> None:
            got.append(event_id)
            if len(got) == 3:
                done.set()

        await bus.start(on_notify)

        def publish_all() -> None:
            for i in (5, 6, 7):
                bus.publish(i)

        worker = threading.Thread(target=publish_all)
        worker.start()
        await asyncio.wait_for(done.wait(), 5)
        worker.join()
        await bus.stop()
        return got

    assert sorted(asyncio.run(scenario())) == [5, 6, 7]


def test_publish_before_start_and_after_stop_is_harmless(kind: str) -> None:
    bus = make_bus(kind, f"test.idle.{os.getpid()}")
    bus.publish(1)  # nobody listening yet: dropped, no error

    async def scenario() -> None:
        await bus.start(lambda _id: None)
        await bus.stop()
        bus.publish(2)

    asyncio.run(scenario())


def test_nats_reaches_every_process_subscribed() -> None:
    subject = f"test.fanout.{os.getpid()}"
    first = make_bus("nats", subject)
    second = make_bus("nats", subject)

    async def scenario() -> tuple[list[int], list[int]]:
        a: list[int] = []
        b: list[int] = []
        both = asyncio.Event()

        def listener(into: list[int]) -> Callable[[int], None]:
            def on_notify(event_id: int) -> None:
                into.append(event_id)
                if a and b:
                    both.set()

            return on_notify

        await first.start(listener(a))
        await second.start(listener(b))
        try:
            await asyncio.to_thread(first.publish, 42)
            await asyncio.wait_for(both.wait(), 10)
        finally:
            await first.stop()
            await second.stop()
        return a, b

    assert asyncio.run(scenario()) == ([42], [42])
