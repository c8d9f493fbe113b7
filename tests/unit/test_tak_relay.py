"""The envelope gateways relay device frames in (``adapters/tak/relay.py``): what the
sender counts as for access survives the trip exactly; anything else is refused."""

from __future__ import annotations

import pytest

from marchwarden.adapters.tak.relay import decode, encode
from marchwarden.core.access.model import Resource

FRAME = b'<event version="2.0" uid="X" type="b-t-f"><detail/></event>'


def test_the_sender_and_frame_survive_the_trip() -> None:
    unit = Resource(
        "unit",
        region="RU-KRS",
        agencies=frozenset({3, 1}),
        unit_paths=frozenset({"/4/", "/4/7/"}),
        owner_id=9,
        extra=(("a", "b"),),
    )
    got = decode(encode("gw-a", FRAME, unit, False, "ANDROID-1"))
    assert (got.origin, got.frame, got.sender, got.anonymous, got.sender_uid) == (
        "gw-a",
        FRAME,
        unit,
        False,
        "ANDROID-1",
    )
    anon = decode(encode("gw-b", FRAME, None, True, None))
    assert (anon.sender, anon.anonymous, anon.sender_uid) == (None, True, None)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not json\n" + FRAME,
        b'{"o":"gw"}\n' + FRAME,  # no anonymous flag
        b'{"o":"gw","a":false,"r":{"region":"x"}}\n' + FRAME,  # a resource without kind
        b'{"o":"gw","a":true,"r":null}',  # no frame
        b'["o"]\n' + FRAME,
    ],
)
def test_a_malformed_message_is_refused(data: bytes) -> None:
    with pytest.raises(ValueError, match=r"bad relay header|no frame"):
        decode(data)
