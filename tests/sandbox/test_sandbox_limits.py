"""Each limit stops a program that breaks it, with the right outcome, and the host is fine.

(The `sandbox` fixture checks the host after each test.)
"""

from __future__ import annotations

import time

from proctor.sandbox import Limits, Sandbox


async def test_an_infinite_loop_times_out_on_cpu_time(sandbox: Sandbox) -> None:
    result = await sandbox.run("while True:\n    pass\n", limits=Limits(cpu_seconds=1))
    assert (result.status, result.exit_code) == ("timeout", None)
    assert result.detail == "CPU-time limit of 1 s exceeded"


async def test_a_loop_that_ignores_sigxcpu_still_times_out(sandbox: Sandbox) -> None:
    program = (
        "import signal\nsignal.signal(signal.SIGXCPU, signal.SIG_IGN)\nwhile True:\n    pass\n"
    )
    result = await sandbox.run(program, limits=Limits(cpu_seconds=1, wall_seconds=5))
    assert result.status == "timeout"
    assert result.detail.startswith("CPU-time limit of 1 s exceeded")


async def test_a_sleeping_program_times_out_on_wall_clock(sandbox: Sandbox) -> None:
    started = time.perf_counter()
    result = await sandbox.run("import time\ntime.sleep(60)\n", limits=Limits(wall_seconds=1))
    assert (result.status, result.detail) == ("timeout", "wall-clock limit of 1 s exceeded")
    assert time.perf_counter() - started < 5


async def test_a_fork_bomb_is_contained(sandbox: Sandbox) -> None:
    bomb = "import os\nwhile True:\n    os.fork()\n"
    result = await sandbox.run(bomb, limits=Limits(wall_seconds=5, processes=16))
    assert result.status in ("error", "timeout")
    assert result.status == "timeout" or result.detail.startswith("process limit of 16 reached")


async def test_a_fork_bomb_that_ignores_failures_is_stopped_by_the_wall_clock(
    sandbox: Sandbox,
) -> None:
    bomb = (
        "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
    )
    result = await sandbox.run(bomb, limits=Limits(wall_seconds=2, processes=16))
    assert result.status == "timeout"


async def test_a_10_gb_allocation_is_an_error(sandbox: Sandbox) -> None:
    result = await sandbox.run("x = bytearray(10 * 1024**3)\n")
    assert result.status == "error"
    assert result.detail == "memory limit of 512 MB exceeded (MemoryError)"


async def test_touching_more_memory_than_allowed_is_an_error(sandbox: Sandbox) -> None:
    program = "chunks = []\nwhile True:\n    chunks.append(bytearray(10**7))\n"
    result = await sandbox.run(program, limits=Limits(memory_mb=200))
    assert result.status == "error"
    assert result.detail.startswith("memory limit of 200 MB exceeded")


async def test_writing_a_1_gb_file_is_an_error(sandbox: Sandbox) -> None:
    program = (
        "with open('big', 'wb') as f:\n    for _ in range(1024):\n        f.write(b'x' * 2**20)\n"
    )
    result = await sandbox.run(program)
    assert result.status == "error"
    assert result.detail.startswith("file-size limit of 16 MB exceeded (OSError: [Errno 27]")


async def test_filling_the_writable_space_with_many_files_is_an_error(sandbox: Sandbox) -> None:
    program = (
        "for i in range(100):\n"
        "    with open(f'/tmp/part{i}', 'wb') as f:\n"
        "        f.write(b'x' * 15 * 2**20)\n"
    )
    result = await sandbox.run(program)
    assert result.status == "error"
    assert result.detail.startswith("writable space of 64 MB used up")


async def test_output_beyond_the_limit_is_dropped(sandbox: Sandbox) -> None:
    result = await sandbox.run("print('x' * 100_000)", limits=Limits(output_bytes=1000))
    assert result.status == "passed"
    assert result.stdout == "x" * 1000 + "\n[Proctor: 99001 more bytes of output dropped]\n"


async def test_flooding_output_is_stopped_and_truncated(sandbox: Sandbox) -> None:
    flood = (
        "import sys\nwhile True:\n    sys.stdout.write('y' * 65536)\n    sys.stderr.write('z')\n"
    )
    result = await sandbox.run(flood, limits=Limits(output_bytes=5000, wall_seconds=10))
    assert (result.status, result.exit_code) == ("error", None)
    assert result.detail == "output exceeded the 16 MB file-size limit"
    assert result.stdout.startswith("y" * 5000 + "\n[Proctor: ")
    assert len(result.stdout) < 5100 and len(result.stderr) < 5100


async def test_too_many_threads_are_refused(sandbox: Sandbox) -> None:
    program = (
        "import threading\n"
        "event = threading.Event()\n"
        "for _ in range(64):\n"
        "    threading.Thread(target=event.wait, daemon=True).start()\n"
    )
    result = await sandbox.run(program, limits=Limits(processes=16))
    assert result.status == "error"
    assert result.detail.startswith("process limit of 16 reached (RuntimeError")


async def test_killing_its_parent_leaves_the_host_fine_and_returns_a_result(
    sandbox: Sandbox,
) -> None:
    program = "import os, signal\nos.kill(os.getppid(), signal.SIGKILL)\nprint('still here')\n"
    result = await sandbox.run(program)
    assert result.status in ("passed", "failed")  # refused (EPERM) or ignored by the run's init
    assert result.duration < 5


async def test_killing_every_process_it_can_leaves_the_host_fine(sandbox: Sandbox) -> None:
    result = await sandbox.run("import os, signal\nos.kill(-1, signal.SIGKILL)\n")
    assert result.status in ("passed", "failed", "error")


async def test_a_program_that_kills_itself_is_an_error(sandbox: Sandbox) -> None:
    result = await sandbox.run("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    assert (result.status, result.detail, result.exit_code) == ("error", "killed by SIGKILL", None)


async def test_the_process_limit_counts_only_the_programs_processes(sandbox: Sandbox) -> None:
    program = (
        "import os, time\n"
        "children = []\n"
        "try:\n"
        "    while True:\n"
        "        pid = os.fork()\n"
        "        if pid == 0:\n"
        "            time.sleep(10)\n"
        "            os._exit(0)\n"
        "        children.append(pid)\n"
        "except BlockingIOError:\n"
        "    print(len(children))\n"
    )
    result = await sandbox.run(program, limits=Limits(processes=5))
    assert (result.status, result.stdout) == ("passed", "4\n")  # itself and four children
