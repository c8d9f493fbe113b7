"""Splitting a TCP byte stream into CoT XML frames.

TAK streaming has no length prefix: an event ends at ``</event>``. A frame starts at
``<?xml`` or ``<event``; bytes before that (keep-alive newlines, garbage) are dropped.
A frame may arrive across many reads. A frame longer than ``max_frame`` bytes is never
buffered whole: the splitter reports an overflow and the connection is closed (there is
no way to find the next frame boundary safely in a stream that does not end the frame).
"""

from __future__ import annotations

_END = b"</event>"
_STARTS = (b"<?xml", b"<event")


class FrameOverflow(Exception):
    """A frame grew past the limit without ending."""


class XmlFrameSplitter:
    def __init__(self, max_frame: int = 262_144) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()
        #: bytes dropped as garbage between frames
        self.garbage = 0

    def feed(self, data: bytes) -> list[bytes]:
        """The complete frames ``data`` finishes, in order; keeps the rest for next time.
        Raises ``FrameOverflow`` when an unfinished frame exceeds ``max_frame``."""
        buf = self._buf
        # search for the end only in what can contain it: the new bytes and the 7 before
        search_from = max(0, len(buf) - len(_END) + 1)
        buf += data
        frames: list[bytes] = []
        while True:
            end = buf.find(_END, search_from)
            if end < 0:
                break
            stop = end + len(_END)
            start = self._frame_start(buf, stop)
            if start is None:
                self.garbage += stop
            else:
                self.garbage += start
                if stop - start > self.max_frame:
                    del buf[:]
                    raise FrameOverflow(f"a frame of {stop - start} bytes")
                frames.append(bytes(buf[start:stop]))
            del buf[:stop]
            search_from = 0
        self._trim()
        if len(self._buf) > self.max_frame:
            size = len(self._buf)
            del self._buf[:]
            raise FrameOverflow(f"an unfinished frame of more than {size} bytes")
        return frames

    @staticmethod
    def _frame_start(buf: bytearray, stop: int) -> int | None:
        """Where the frame ending at ``stop`` begins: its ``<?xml`` or ``<event``."""
        found = [i for i in (buf.find(s, 0, stop) for s in _STARTS) if i >= 0]
        return min(found) if found else None

    def _trim(self) -> None:
        """Drop leading garbage of the unfinished rest (up to the next ``<``)."""
        buf = self._buf
        if not buf:
            return
        i = buf.find(b"<")
        if i < 0:
            self.garbage += len(buf)
            del buf[:]
        elif i > 0:
            self.garbage += i
            del buf[:i]

    @property
    def pending(self) -> int:
        return len(self._buf)
