"""What a run comes to: passed, failed with the exception's last line, exit codes."""

from __future__ import annotations

from proctor.sandbox import Sandbox


async def test_a_program_that_exits_cleanly_passes(sandbox: Sandbox) -> None:
    result = await sandbox.run("print('hello')")
    assert (result.status, result.detail, result.exit_code) == ("passed", "", 0)
    assert (result.stdout, result.stderr) == ("hello\n", "")
    assert 0 < result.duration < 5


async def test_a_failing_assertion_fails_with_its_message(sandbox: Sandbox) -> None:
    result = await sandbox.run(
        "def add(a, b):\n    return a - b\n\nassert add(1, 2) == 3, 'expected 3'\n"
    )
    assert (result.status, result.exit_code) == ("failed", 1)
    assert result.detail == "AssertionError: expected 3"


async def test_the_traceback_starts_at_the_program(sandbox: Sandbox) -> None:
    result = await sandbox.run("x = 1\nraise ValueError('bad value')\n")
    assert result.detail == "ValueError: bad value"
    assert result.stderr.startswith("Traceback (most recent call last):\n")
    assert 'File "/sandbox/main.py", line 2, in <module>' in result.stderr
    assert "proctor" not in result.stderr


async def test_an_exception_of_the_programs_own_class_is_named_as_python_names_it(
    sandbox: Sandbox,
) -> None:
    result = await sandbox.run("class Oops(Exception):\n    pass\n\nraise Oops('x')\n")
    assert (result.status, result.detail) == ("failed", "Oops: x")


async def test_a_syntax_error_fails(sandbox: Sandbox) -> None:
    result = await sandbox.run("def f(:\n    pass\n")
    assert result.status == "failed"
    assert result.detail.startswith("SyntaxError:")


async def test_a_nonzero_exit_code_fails(sandbox: Sandbox) -> None:
    result = await sandbox.run("import sys\nprint('partial')\nsys.exit(3)\n")
    assert (result.status, result.detail, result.exit_code) == ("failed", "exit code 3", 3)
    assert result.stdout == "partial\n"


async def test_sys_exit_with_a_message_prints_it_and_fails(sandbox: Sandbox) -> None:
    result = await sandbox.run("import sys\nsys.exit('giving up')\n")
    assert (result.status, result.exit_code, result.stderr) == ("failed", 1, "giving up\n")


async def test_stdin_is_empty(sandbox: Sandbox) -> None:
    result = await sandbox.run("print(input())")
    assert (result.status, result.detail) == ("failed", "EOFError: EOF when reading a line")


async def test_the_standard_library_is_available(sandbox: Sandbox) -> None:
    program = (
        "import sqlite3, zlib, json, typing, decimal, csv\n"
        "db = sqlite3.connect(':memory:')\n"
        "assert db.execute('select 1 + 1').fetchone() == (2,)\n"
        "assert zlib.decompress(zlib.compress(b'x' * 100)) == b'x' * 100\n"
    )
    assert (await sandbox.run(program)).status == "passed"


async def test_programs_may_use_subprocesses_and_multiprocessing(sandbox: Sandbox) -> None:
    program = (
        "import multiprocessing, subprocess\n"
        "assert subprocess.run(['echo', 'hi'], capture_output=True).stdout == b'hi\\n'\n"
        "if __name__ == '__main__':\n"
        "    with multiprocessing.Pool(2) as pool:\n"
        "        assert pool.map(abs, [-1, -2]) == [1, 2]\n"
    )
    result = await sandbox.run(program)
    assert result.status == "passed", result.stderr


async def test_atexit_handlers_and_threads_finish_as_in_python(sandbox: Sandbox) -> None:
    program = (
        "import atexit, threading, time\n"
        "atexit.register(lambda: print('atexit'))\n"
        "threading.Thread(target=lambda: (time.sleep(0.1), print('thread'))).start()\n"
    )
    result = await sandbox.run(program)
    assert (result.status, result.stdout) == ("passed", "thread\natexit\n")
