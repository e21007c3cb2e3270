"""The bubblewrap command line of a worker, and the id maps Proctor writes when it is root.

A worker is one bubblewrap sandbox running Proctor's worker (`_inside.py`),
which runs programs one at a time, each in namespaces of its own (see there).
What a program sees:

- its own PID, mount, IPC and network namespaces, made fresh for its run
  inside the worker's user, PID, network, mount, IPC, UTS and cgroup
  namespaces (`--unshare-all`); the network holds only a loopback interface;
- user 65534 (`nobody`) and group 65534, in a user namespace of its own,
  without capabilities, with `no_new_privs` set, in a new session;
- read-only: `/usr`, the `/bin`, `/sbin` and `/lib*` links (or directories) of
  the host, `/etc/ld.so.cache` and `/etc/localtime`, and the directories of the
  Python that runs Proctor (for example `/root/.pyenv/versions/3.11.7`) — but
  nothing else of `/root`, `/home`, `/etc` or the rest of the host;
- a fresh `/proc` (with `/proc/sys` read-only) and a minimal `/dev`;
- writable: `/sandbox` (the working directory, holding the program as
  `main.py`), `/tmp` and `/dev/shm`, each a size-limited tmpfs made for the run
  and gone with it;
- an environment of `PATH`, `HOME`, `LANG` and `TMPDIR` only.

Which host user a program's 65534 is depends on who runs Proctor. An
ordinary user's bubblewrap maps one user, the worker's 0, onto that user,
and grants the worker capabilities inside its own user namespace only
(`--cap-add ALL`), which it needs to build each run's namespaces; a
program's 65534 then stands for the worker's 0, that is, the ordinary user.
When Proctor runs as root, bubblewrap alone would map the sandbox onto root,
and root is exempt from the process limit and passes every owner permission
check; so Proctor asks bubblewrap to wait (`--userns-block-fd`) while it maps
the namespace's 0 to root (the worker needs it to build the mounts, some of
which lie under `/root`) and 65534 to the host's unprivileged 65534, which
programs then run as. Either way a program holds no privilege on the host.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import sys
from pathlib import Path

SANDBOX_UID = 65534
WORKDIR = "/sandbox"
INSIDE = "/proctor/inside.pyc"
ENV = {"PATH": "/usr/bin:/bin", "HOME": WORKDIR, "LANG": "C.UTF-8", "TMPDIR": "/tmp"}
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_ETC_FILES = ("/etc/ld.so.cache", "/etc/localtime")
_CHILD_PID = re.compile(rb'"child-pid":\s*(\d+)\D')


def find_bwrap() -> str | None:
    return shutil.which("bwrap")


def python_executable() -> str:
    """The interpreter the sandbox runs: the real file behind `sys.executable`."""
    return os.path.realpath(sys.executable)


@functools.cache
def python_dirs() -> tuple[str, ...]:
    """Host directories holding the interpreter and its standard library, outside `/usr`."""
    candidates = {
        os.path.dirname(os.path.dirname(python_executable())),
        os.path.realpath(sys.base_prefix),
        os.path.realpath(sys.base_exec_prefix),
    }
    covered = ["/usr", *(d for d in _SYSTEM_DIRS if os.path.isdir(d) and not os.path.islink(d))]
    dirs: list[str] = []
    for path in sorted(candidates, key=len):
        if path == "/" or any(_within(path, d) for d in covered + dirs):
            continue
        dirs.append(path)
    return tuple(dirs)


def _within(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def command(
    bwrap: str, *, inside_fd: int, control_fd: int, id_map_fds: tuple[int, int] | None
) -> list[str]:
    """The full argv: bubblewrap, its options, then Python serving as a worker.

    `inside_fd` holds the compiled `_inside.py`, which bubblewrap copies in;
    `control_fd` is the worker's end of its control socket. `id_map_fds` (the
    read end of a pipe bubblewrap waits on, and the write end of one it reports
    its child's pid on) is given when Proctor is root and writes the id maps
    itself; see the module docstring.
    """
    argv = [bwrap, "--unshare-all", "--unshare-user", "--die-with-parent", "--new-session"]
    argv += ["--hostname", "sandbox"]
    if id_map_fds is None:
        argv += ["--uid", "0", "--gid", "0", "--cap-add", "ALL"]
    else:
        block_fd, info_fd = id_map_fds
        argv += ["--userns-block-fd", str(block_fd), "--info-fd", str(info_fd)]
    argv += ["--ro-bind", "/usr", "/usr"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            argv += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            argv += ["--ro-bind", path, path]
    for path in python_dirs():
        # bubblewrap would copy the host's modes for the directories above, and /root is 0700.
        for parent in reversed(Path(path).parents[:-1]):
            argv += ["--perms", "0755", "--dir", str(parent)]
        argv += ["--ro-bind", path, path]
    for path in _ETC_FILES:
        argv += ["--ro-bind-try", path, path]
    argv += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", WORKDIR]
    argv += ["--file", str(inside_fd), INSIDE, "--chdir", WORKDIR, "--clearenv"]
    for name, value in ENV.items():
        argv += ["--setenv", name, value]
    worker_uid = "0" if id_map_fds is None else str(SANDBOX_UID)
    argv += [python_executable(), "-I", "-S", "-B", INSIDE, "serve", str(control_fd), worker_uid]
    return argv


def child_pid(info: bytes) -> int | None:
    """The pid bubblewrap reports on `--info-fd`, once enough of its JSON has arrived."""
    match = _CHILD_PID.search(info)
    return int(match.group(1)) if match else None


def write_id_maps(pid: int) -> None:
    """Map the namespace's root to root (for bubblewrap's set-up) and 65534 to 65534."""
    mapping = f"0 0 1\n{SANDBOX_UID} {SANDBOX_UID} 1\n"
    Path(f"/proc/{pid}/uid_map").write_text(mapping)
    Path(f"/proc/{pid}/gid_map").write_text(mapping)
