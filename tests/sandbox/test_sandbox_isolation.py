"""What a program can reach: only its own files, no network, no privilege, no other run."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from proctor.sandbox import Sandbox

pytestmark = pytest.mark.usefixtures("isolation")


async def test_a_secret_file_outside_the_working_directory_is_unreadable(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("the answers")
    result = await sandbox.run(f"print(open({str(secret)!r}).read())")
    assert result.status == "failed"
    assert result.detail.startswith("FileNotFoundError")
    assert "the answers" not in result.stdout


async def test_the_hosts_files_are_invisible_but_the_python_install(sandbox: Sandbox) -> None:
    program = (
        "import os, sys\n"
        "print(sorted(os.listdir('/')))\n"
        "assert not os.path.exists('/etc/passwd') and not os.path.exists('/etc/hostname')\n"
        "assert not os.path.exists('/home') or os.listdir('/home') == []\n"
    )
    result = await sandbox.run(program)
    assert result.status == "passed", result.stderr
    listed = set(result.stdout.strip("[]\n").replace("'", "").split(", "))
    system = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc"}
    # plus the top directory of the Python install (root, home or opt, say)
    assert listed - system - {"proctor", "sandbox", "tmp"} <= {"root", "home", "opt"}


async def test_only_the_working_directory_and_tmp_are_writable(sandbox: Sandbox) -> None:
    program = (
        "import os, sys\n"
        "for path in ('/usr/evil', sys.prefix + '/evil', '/proctor/evil', '/evil', '/dev/evil'):\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "    except OSError:\n"
        "        continue\n"
        "    raise AssertionError(f'wrote {path}')\n"
        "for path in ('/sandbox/ok', '/tmp/ok', '/dev/shm/ok'):\n"
        "    open(path, 'w').write('fine')\n"
    )
    result = await sandbox.run(program)
    assert result.status == "passed", result.stderr


async def test_the_program_runs_as_nobody_without_capabilities(sandbox: Sandbox) -> None:
    program = (
        "import os\n"
        "assert (os.getuid(), os.getgid(), os.getgroups()) == (65534, 65534, []), os.getgroups()\n"
        "status = dict(line.split(':', 1) for line in open('/proc/self/status'))\n"
        "for name in ('CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'):\n"
        "    assert int(status[name], 16) == 0, name\n"
        "assert status['NoNewPrivs'].strip() == '1'\n"
        "try:\n"
        "    os.setuid(0)\n"
        "except OSError:\n"
        "    pass\n"
        "else:\n"
        "    raise AssertionError('became root')\n"
    )
    result = await sandbox.run(program)
    assert result.status == "passed", result.stderr


async def test_the_program_sees_only_its_own_processes(sandbox: Sandbox) -> None:
    program = "import os\nprint(sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))\n"
    result = await sandbox.run(program)
    assert (result.status, result.stdout) == ("passed", "[1, 2]\n")


async def test_only_the_loopback_interface_exists(sandbox: Sandbox) -> None:
    program = (
        "import socket\n"
        "print([name for _, name in socket.if_nameindex()])\n"
        "print([line.split(':')[0].strip() for line in open('/proc/net/dev').readlines()[2:]])\n"
    )
    result = await sandbox.run(program)
    assert (result.status, result.stdout) == ("passed", "['lo']\n['lo']\n")


async def test_a_listener_on_the_hosts_loopback_is_unreachable(sandbox: Sandbox) -> None:
    accepted: list[object] = []

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer.get_extra_info("peername"))
        writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, family=socket.AF_INET)
    port = server.sockets[0].getsockname()[1]
    try:
        program = f"import socket\nsocket.create_connection(('127.0.0.1', {port}), timeout=3)\n"
        result = await sandbox.run(program)
    finally:
        server.close()
        await server.wait_closed()
    assert result.status == "failed"
    assert result.detail.startswith("ConnectionRefusedError")
    assert accepted == []


async def test_the_sandboxs_own_loopback_works(sandbox: Sandbox) -> None:
    program = (
        "import socket\n"
        "server = socket.create_server(('127.0.0.1', 0))\n"
        "client = socket.create_connection(server.getsockname())\n"
        "conn, _ = server.accept()\n"
        "client.sendall(b'ping')\n"
        "assert conn.recv(4) == b'ping'\n"
    )
    assert (await sandbox.run(program)).status == "passed"


async def test_nothing_a_run_leaves_behind_reaches_the_next_run(isolation: str) -> None:
    first = (
        "import subprocess, socket\n"
        "for path in ('/sandbox/left', '/tmp/left', '/dev/shm/left'):\n"
        "    open(path, 'w').write('x')\n"
        "subprocess.Popen(['sleep', '60'], start_new_session=True)\n"
        "socket.create_server(('127.0.0.1', 8765))\n"
    )
    second = (
        "import os, socket\n"
        "for path in ('/sandbox/left', '/tmp/left', '/dev/shm/left'):\n"
        "    assert not os.path.exists(path), path\n"
        "assert sorted(int(p) for p in os.listdir('/proc') if p.isdigit()) == [1, 2]\n"
        "socket.create_server(('127.0.0.1', 8765))\n"
    )
    async with Sandbox(workers=1) as box:  # one worker: the second run follows the first in it
        assert (await box.run(first)).status == "passed"
        result = await box.run(second)
    assert result.status == "passed", result.stderr


async def test_each_run_draws_fresh_random_numbers(sandbox: Sandbox) -> None:
    program = "import random\nprint(random.random())"
    results = await asyncio.gather(*(sandbox.run(program) for _ in range(4)))
    assert all(r.status == "passed" for r in results)
    assert len({r.stdout for r in results}) == 4  # random is reseeded for every run
