"""Reading and re-encoding photos with Pillow (the rules are core/incidents/photos.py)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, ImageOps, UnidentifiedImageError

from marchwarden.core.incidents.photos import MAX_PIXELS, PhotoFacts

_GPS_IFD = 0x8825


def _degrees(value: object, ref: object) -> float | None:
    try:
        d, m, s = (float(x) for x in value)  # type: ignore[attr-defined]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    sign = -1.0 if str(ref).upper() in ("S", "W") else 1.0
    return sign * (d + m / 60 + s / 3600)


def inspect(data: bytes) -> PhotoFacts | None:
    """The format, size and GPS position of an image, or None if it is none."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as img:
                fmt, (w, h) = img.format, img.size
                gps = img.getexif().get_ifd(_GPS_IFD)
                if w * h <= MAX_PIXELS:
                    img.load()  # the whole content must decode, not only the header
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    except Image.DecompressionBombWarning:
        return PhotoFacts(format=None, width=0, height=0, gps=None)
    position = None
    if gps:
        lat = _degrees(gps.get(2), gps.get(1))
        lon = _degrees(gps.get(4), gps.get(3))
        if lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180:
            position = (lon, lat)
    return PhotoFacts(format=fmt, width=w, height=h, gps=position)


def clean(data: bytes, fmt: str, max_side: int) -> tuple[bytes, int, int]:
    """The photo re-encoded from its pixels: upright, at most ``max_side`` pixels on its
    longer side, with no metadata at all. Returns (bytes, width, height)."""
    with Image.open(io.BytesIO(data)) as img:
        upright = ImageOps.exif_transpose(img)
        upright.thumbnail((max_side, max_side))
        if upright.mode not in ("RGB", "RGBA", "L", "LA"):
            alpha = "A" in upright.getbands() or "transparency" in upright.info
            upright = upright.convert("RGBA" if alpha else "RGB")
        if fmt == "JPEG" and upright.mode not in ("RGB", "L"):
            upright = upright.convert("RGB")
        # a new image from the pixels alone: no EXIF, XMP, ICC profile or text survives
        pixels = Image.frombytes(upright.mode, upright.size, upright.tobytes())
        out = io.BytesIO()
        if fmt == "JPEG":
            pixels.save(out, "JPEG", quality=88, optimize=True)
        elif fmt == "PNG":
            pixels.save(out, "PNG", optimize=True)
        else:
            pixels.save(out, "WEBP", quality=88)
        return out.getvalue(), pixels.width, pixels.height


class PillowImages:
    """``services/field_ports.py: ImageCodec`` with Pillow (built in ``bootstrap.py``)."""

    def inspect(self, data: bytes) -> PhotoFacts | None:
        return inspect(data)

    def clean(self, data: bytes, fmt: str, max_side: int) -> tuple[bytes, int, int]:
        return clean(data, fmt, max_side)
