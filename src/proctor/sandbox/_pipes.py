"""File descriptors of one run, and reading its output within bounds.

Output is read as it comes. The first `output_bytes` of each stream are kept;
the rest is read and dropped, so a program that prints a lot is not blocked
by a full pipe. A program that writes more than `file_size_mb` to stdout and
stderr together is stopped, as a file of that size would be refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import os

from proctor.sandbox._limits import Limits


class Descriptors:
    """The descriptors Proctor opens for one run or worker; each closed exactly once."""

    def __init__(self) -> None:
        self._open: set[int] = set()

    def pipe(self, *, blocking_read: bool = False) -> tuple[int, int]:
        """A pipe; its read end never blocks unless `blocking_read` (a child reads it)."""
        read_end, write_end = os.pipe2(os.O_CLOEXEC)
        self._open |= {read_end, write_end}
        os.set_blocking(read_end, blocking_read)
        return read_end, write_end

    def memfd(self, name: str, data: bytes) -> int:
        """An anonymous in-memory file holding `data`, positioned at its start."""
        fd = os.memfd_create(name)
        self._open.add(fd)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.lseek(fd, 0, os.SEEK_SET)
        return fd

    def release(self, fd: int) -> int:
        """Hand `fd` over to another owner (such as an asyncio transport)."""
        self._open.remove(fd)
        return fd

    def close(self, *fds: int) -> None:
        for fd in fds:
            if fd in self._open:
                self._open.remove(fd)
                os.close(fd)

    def __enter__(self) -> Descriptors:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close(*list(self._open))


def read_available(fd: int, limit: int = 64 * 1024) -> bytes:
    """What a non-blocking pipe holds now, up to `limit` bytes."""
    chunks, size = [], 0
    while size < limit:
        try:
            chunk = os.read(fd, limit - size)
        except BlockingIOError:
            break
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)


class Output:
    """The kept head of stdout (stream 1) and stderr (stream 2), and what was dropped."""

    def __init__(self, loop: asyncio.AbstractEventLoop, limits: Limits):
        self.keep = limits.output_bytes
        self.ceiling = limits.file_size_mb * 1024 * 1024
        self.kept = {1: bytearray(), 2: bytearray()}
        self.dropped = {1: 0, 2: 0}
        self.total = 0
        self.overflowed: asyncio.Future[None] = loop.create_future()
        self.closed = {1: loop.create_future(), 2: loop.create_future()}

    def received(self, stream: int, data: bytes) -> None:
        kept = self.kept[stream]
        room = max(self.keep - len(kept), 0)
        kept += data[:room]
        self.dropped[stream] += max(len(data) - room, 0)
        self.total += len(data)
        if self.total > self.ceiling and not self.overflowed.done():
            self.overflowed.set_result(None)

    def lost(self, stream: int) -> None:
        if not self.closed[stream].done():
            self.closed[stream].set_result(None)

    async def drained(self, seconds: float) -> None:
        """Wait until both streams are closed, or `seconds` have passed."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await asyncio.gather(*self.closed.values())


class StreamReader(asyncio.Protocol):
    """Feeds one pipe into an `Output`."""

    def __init__(self, output: Output, stream: int):
        self.output = output
        self.stream = stream

    def data_received(self, data: bytes) -> None:
        self.output.received(self.stream, data)

    def eof_received(self) -> bool | None:
        self.output.lost(self.stream)
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.output.lost(self.stream)
