"""Photos of field reports on SQLite and PostgreSQL: type by content, size limit, metadata
stripped (the GPS position kept only by choice, and then outside the file), the same
photo twice stored once, and who may add them."""

from __future__ import annotations

import io
import random
from typing import TYPE_CHECKING, Any

import pytest
from PIL import Image

from tests.conftest import make_settings
from tests.integration.command_support import assert_problem, build_world, counts, new_key, submit

if TYPE_CHECKING:
    from pathlib import Path

    from fastapi.testclient import TestClient

    from marchwarden.services.context import Services
    from marchwarden.settings import Settings
    from tests.integration.command_support import World

MAX_BYTES = 150_000


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return make_settings(database_url, tmp_path, photo_max_bytes=MAX_BYTES)


@pytest.fixture
def world(client: TestClient, services: Services) -> World:
    return build_world(client, services)


def jpeg(size: tuple[int, int] = (64, 48), *, gps: bool = False, noise: bool = False) -> bytes:
    img = Image.new("RGB", size, (200, 30, 30))
    if noise:
        rnd = random.Random(7)
        img = Image.frombytes(
            "RGB", size, bytes(rnd.getrandbits(8) for _ in range(size[0] * size[1] * 3))
        )
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Model X"
    if gps:
        exif[0x8825] = {1: "N", 2: (50.0, 28.0, 48.0), 3: "E", 4: (35.0, 36.0, 0.0)}
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif, quality=95)
    return buf.getvalue()


def report_of(client: TestClient, world: World, user: str = "reporter") -> int:
    reply = submit(client, world.h(user), new_key())
    assert reply.status_code == 201, reply.text
    rid: int = reply.json()["id"]
    return rid


def upload(client: TestClient, h: dict[str, str], rid: int, data: bytes, **query: Any) -> Any:
    return client.post(
        f"/api/v1/reports/{rid}/photos",
        content=data,
        params=query,
        headers=h | {"Content-Type": "image/jpeg"},
    )


def test_a_photo_is_stored_without_its_metadata_and_its_position_only_by_choice(
    client: TestClient, services: Services, world: World
) -> None:
    rid = report_of(client, world)
    h = world.h("reporter")
    data = jpeg(gps=True)
    stripped = upload(client, h, rid, data)
    assert stripped.status_code == 201, stripped.text
    body = stripped.json()
    assert (body["lon"], body["lat"], body["content_type"]) == (None, None, "image/jpeg")
    stored = client.get(body["url"], headers=h)
    assert stored.status_code == 200 and stored.headers["content-type"] == "image/jpeg"
    img = Image.open(io.BytesIO(stored.content))
    assert dict(img.getexif()) == {} and "exif" not in img.info
    assert img.size == (64, 48)
    # the same photo again: the stored one, nothing new
    before = counts(services)
    again = upload(client, h, rid, data)
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert counts(services) == before
    # another photo, the reporter chooses to keep its position
    kept = upload(client, h, rid, jpeg((80, 60), gps=True), keep_position="true")
    assert kept.status_code == 201, kept.text
    assert kept.json()["lon"] == pytest.approx(35.6) and kept.json()["lat"] == pytest.approx(50.48)
    img = Image.open(io.BytesIO(client.get(kept.json()["url"], headers=h).content))
    assert dict(img.getexif()) == {}  # the position is kept beside the file, not in it
    listed = client.get(f"/api/v1/reports/{rid}/photos", headers=world.h("belgorod")).json()
    assert [p["id"] for p in listed] == [body["id"], kept.json()["id"]]


def test_an_oversized_photo_is_refused_and_changes_nothing(
    client: TestClient, services: Services, world: World
) -> None:
    rid = report_of(client, world)
    data = jpeg((400, 400), noise=True)
    assert len(data) > MAX_BYTES
    before = counts(services)
    body = assert_problem(
        upload(client, world.h("reporter"), rid, data), 413, "photo-too-large", "at most 150,000"
    )
    assert body["max_bytes"] == MAX_BYTES
    assert counts(services) == before


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", jpeg()[:300], b""],
    ids=["pdf", "truncated-jpeg", "empty"],
)
def test_content_that_is_not_an_image_is_refused(
    client: TestClient, services: Services, world: World, data: bytes
) -> None:
    rid = report_of(client, world)
    before = counts(services)
    assert_problem(upload(client, world.h("reporter"), rid, data), 415, "photo-not-an-image")
    assert counts(services) == before


def test_only_the_submitter_or_a_duty_officer_adds_photos(client: TestClient, world: World) -> None:
    rid = report_of(client, world)
    assert_problem(upload(client, world.h("kursk"), rid, jpeg()), 403, "forbidden")
    assert upload(client, world.h("belgorod"), rid, jpeg()).status_code == 201
    assert_problem(upload(client, world.h("reporter"), 999_999, jpeg()), 404, "not-found")
