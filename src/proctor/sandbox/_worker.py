"""A pre-started bubblewrap sandbox that runs programs one at a time.

Starting Python and importing what a program needs is most of the cost of a
run; a worker pays it once. The worker forks each run into namespaces of its
own (see `_inside.py`), so a run still starts from a clean slate.

On a timeout, on too much output, or when the awaiting task is cancelled,
Proctor kills the worker's whole process group: bubblewrap's init dies, and
with it every process in the worker's PID namespace, the run's included. A
new worker takes its place on the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import importlib.util
import marshal
import math
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from proctor.sandbox import _bwrap
from proctor.sandbox._limits import Limits
from proctor.sandbox._pipes import Descriptors, Output, StreamReader, read_available
from proctor.sandbox._result import Finished, Stop

_MB = 1024 * 1024
_START_SECONDS = 60.0  # a loaded machine may need long to start Python and its imports
_DRAIN_SECONDS = 2.0  # after a run ends, how long its pipes may take to close


class WorkerFailed(Exception):
    """A worker could not start; the message carries bubblewrap's or Python's complaint."""


@functools.cache
def inside_pyc() -> bytes:
    """`_inside.py` compiled once, as a `.pyc` file: Python runs it without compiling."""
    source = Path(__file__).with_name("_inside.py").read_text()
    code = compile(source, "<proctor sandbox>", "exec")
    header = importlib.util.MAGIC_NUMBER + bytes(12)  # flags, mtime, size: unchecked for scripts
    return header + marshal.dumps(code)


class Worker:
    """One bubblewrap sandbox serving runs; start it with `Worker.start()`."""

    def __init__(self, process: subprocess.Popen[bytes], control: socket.socket, errors: int):
        self._process = process
        self._control = control
        self._errors = errors
        self.alive = True

    @classmethod
    async def start(cls) -> Worker:
        bwrap = _bwrap.find_bwrap()
        if bwrap is None:
            raise WorkerFailed("bubblewrap is not installed")
        host_end, worker_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        host_end.setblocking(False)
        as_root = os.geteuid() == 0
        with Descriptors() as fds:
            inside_fd = fds.memfd("inside.pyc", inside_pyc())
            errors_r, errors_w = fds.pipe()
            child_side = [worker_end.fileno(), inside_fd, errors_w]
            id_map_fds = None
            if as_root:
                block_r, block_w = fds.pipe(blocking_read=True)  # bubblewrap waits on it
                info_r, info_w = fds.pipe()
                id_map_fds = (block_r, info_w)
                child_side += id_map_fds
            argv = _bwrap.command(
                bwrap, inside_fd=inside_fd, control_fd=worker_end.fileno(), id_map_fds=id_map_fds
            )
            try:
                process = subprocess.Popen(
                    argv,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.DEVNULL,
                    stderr=errors_w,
                    pass_fds=child_side,
                    start_new_session=True,
                )
            except OSError as exc:
                host_end.close()
                raise WorkerFailed(f"bubblewrap did not start: {exc}") from exc
            finally:
                worker_end.close()
            fds.close(*child_side[1:])
            worker = cls(process, host_end, fds.release(errors_r))
            try:
                async with asyncio.timeout(_START_SECONDS):
                    if as_root:
                        await _map_ids(info_r, block_w)
                    ready = await asyncio.get_running_loop().sock_recv(host_end, 64)
            except TimeoutError:
                worker.kill()
                raise WorkerFailed(f"the worker was not ready in {_START_SECONDS:g} s") from None
            except OSError:
                ready = b""
            except BaseException:
                worker.kill()
                raise
        if ready != b"ready":
            complaint = worker.kill()
            raise WorkerFailed(complaint or "the worker exited before it was ready")
        return worker

    async def run(self, source: bytes, limits: Limits) -> Finished:
        """Run one program; the worker is dead afterwards if the run had to be stopped.

        Raises `WorkerFailed` if the worker died before the program started.
        """
        loop = asyncio.get_running_loop()
        start = time.perf_counter()
        output = Output(loop, limits)
        transports: list[asyncio.BaseTransport] = []
        with Descriptors() as fds:
            program_fd = fds.memfd("main.py", source)
            out_r, out_w = fds.pipe()
            err_r, err_w = fds.pipe()
            report_r, report_w = fds.pipe()
            numbers = (math.ceil(limits.cpu_seconds), limits.memory_mb, limits.processes)
            writable = 4 * limits.file_size_mb * _MB
            request = f"run {' '.join(map(str, numbers))} {limits.file_size_mb} {writable}"
            try:
                socket.send_fds(
                    self._control, [request.encode()], [program_fd, out_w, err_w, report_w]
                )
            except OSError as exc:  # it died while idle: the program has not started
                raise WorkerFailed(self.kill() or f"the worker is gone ({exc})") from exc
            fds.close(program_fd, out_w, err_w, report_w)
            try:
                for stream, fd in ((1, out_r), (2, err_r)):
                    pipe = os.fdopen(fds.release(fd), "rb", buffering=0)
                    transport, _ = await loop.connect_read_pipe(
                        functools.partial(StreamReader, output, stream), pipe
                    )
                    transports.append(transport)
                returncode, stopped = await self._outcome(output, limits)
                await output.drained(_DRAIN_SECONDS)
            finally:
                for transport in transports:
                    transport.close()
                if not self.alive:
                    self.kill()
            report = read_available(report_r)
        if stopped == "worker" and not report:  # it died before it took the program
            raise WorkerFailed(self.kill() or "the worker is gone")
        return Finished(
            returncode=returncode,
            stdout=bytes(output.kept[1]),
            stderr=bytes(output.kept[2]),
            dropped=(output.dropped[1], output.dropped[2]),
            stopped=stopped,
            report=report,
            duration=time.perf_counter() - start,
        )

    async def _outcome(self, output: Output, limits: Limits) -> tuple[int | None, Stop | None]:
        loop = asyncio.get_running_loop()
        reply = asyncio.ensure_future(loop.sock_recv(self._control, 64))
        try:
            try:
                async with asyncio.timeout(limits.wall_seconds):
                    await asyncio.wait(
                        [reply, output.overflowed], return_when=asyncio.FIRST_COMPLETED
                    )
            except TimeoutError:
                self.kill()
                return None, "wall"
            if not reply.done():
                self.kill()
                return None, "output"
            try:
                fields = reply.result().split()
            except OSError:  # the worker's end is gone (killed from outside): not the program
                fields = []
            if len(fields) != 2 or fields[0] != b"done":
                self.kill()
                return None, "worker"
            return int(fields[1]), None
        except BaseException:
            self.kill()
            raise
        finally:
            reply.cancel()

    def kill(self) -> str:
        """Kill the worker and everything it runs; returns what it wrote to stderr."""
        self.alive = False
        if self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._process.pid, signal.SIGKILL)
            self._process.wait()
        self._control.close()
        complaint = b""
        if self._errors >= 0:
            complaint = read_available(self._errors)
            os.close(self._errors)
            self._errors = -1
        return complaint.decode("utf-8", "replace").strip()


async def _map_ids(info_r: int, block_w: int) -> None:
    """Write the id maps of bubblewrap's child, then let it go on (see `_bwrap`)."""
    loop = asyncio.get_running_loop()
    found: asyncio.Future[int | None] = loop.create_future()
    received = bytearray()

    def readable() -> None:
        try:
            chunk = os.read(info_r, 4096)
        except BlockingIOError:
            return
        received.extend(chunk)
        pid = _bwrap.child_pid(bytes(received))
        if not found.done() and (pid is not None or not chunk):
            found.set_result(pid)

    loop.add_reader(info_r, readable)
    try:
        child = await found
    finally:
        loop.remove_reader(info_r)
    with contextlib.suppress(OSError):  # bubblewrap died: its stderr says why
        if child is not None:
            _bwrap.write_id_maps(child)
        os.write(block_w, b"1")
