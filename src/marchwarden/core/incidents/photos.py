"""What a field report's photo must be, and what of it is kept.

- **Type by content**, never by name or declared type: JPEG, PNG or WebP as the decoder
  reads it; anything else is refused (415 ``photo-not-an-image``).
- **Size**: at most the configured bytes as uploaded (413 ``photo-too-large``) and at
  most ``MAX_PIXELS`` decoded (a "decompression bomb" is refused as not an image).
- **Metadata**: the stored photo is re-encoded from its pixels, so EXIF (device make and
  model, serial numbers, times, GPS), XMP and comments are all dropped. The photo's own
  GPS position is kept — as the photo record's ``lon``/``lat``, never inside the file —
  only when the reporter chose to keep it.
- Photos larger than the configured side are scaled down (aspect kept); the orientation
  the camera recorded is applied first, so nothing appears sideways once EXIF is gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING

from marchwarden.core.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Mapping

#: decoder format name → the media type the photo is stored and served as
PHOTO_TYPES: Mapping[str, str] = MappingProxyType(
    {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
)
#: at most 40 megapixels decoded
MAX_PIXELS = 40_000_000


class PhotoTooLarge(DomainError):
    code = "photo-too-large"
    kind = "too_large"
    title = "Photo too large"


class PhotoNotAnImage(DomainError):
    code = "photo-not-an-image"
    kind = "unsupported_media"
    title = "Not a photo this server accepts"


@dataclass(frozen=True, slots=True)
class PhotoFacts:
    """What the decoder read from an upload (before anything is kept)."""

    format: str | None
    width: int
    height: int
    gps: tuple[float, float] | None  # (lon, lat)


def check_photo(size_bytes: int, max_bytes: int, facts: PhotoFacts | None) -> str:
    """The media type to store the photo as; raises when the photo is refused."""
    if size_bytes > max_bytes:
        raise PhotoTooLarge.said(
            "photo.too_large",
            "the photo is {size} bytes; at most {most} bytes are accepted",
            size=f"{size_bytes:,}",
            most=f"{max_bytes:,}",
            extra={"max_bytes": max_bytes},
        )
    if size_bytes == 0:
        raise PhotoNotAnImage.said("photo.upload_empty", "the upload is empty")
    fmt = facts.format if facts is not None else None
    if facts is None or fmt is None or fmt not in PHOTO_TYPES:
        found = "unreadable content" if fmt is None else f"a {fmt} image"
        names = ", ".join(PHOTO_TYPES)
        raise PhotoNotAnImage.said(
            "photo.upload_photo",
            "the upload is {found}, not a photo ({names})",
            found=found,
            names=names,
        )
    if facts.width * facts.height > MAX_PIXELS:
        raise PhotoNotAnImage.said(
            "photo.photo_pixels_most_pixels",
            "the photo is {width} x {height} pixels; at most {most} pixels are accepted",
            width=facts.width,
            height=facts.height,
            most=format(MAX_PIXELS, ","),
        )
    return PHOTO_TYPES[fmt]


def kept_position(facts: PhotoFacts, keep: bool) -> tuple[float, float] | None:
    """The photo's own GPS position, kept only when the reporter chose to keep it."""
    return facts.gps if keep else None
