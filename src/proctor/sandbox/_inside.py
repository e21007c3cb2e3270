"""Code that runs inside the sandbox: Proctor's worker, each run's init, and the launcher.

The host never imports this module. Under bubblewrap it is compiled once,
copied into the sandbox and started as a long-lived worker:

    python -I -S -B /proctor/inside.pyc serve CONTROL_FD WORKER_UID

The worker imports the modules programs commonly need, says `ready` on the
control socket (a SOCK_SEQPACKET pair with the host), then serves one run at
a time. A request is `run CPU MEMORY_MB PROCESSES FILE_SIZE_MB WRITABLE_BYTES`
with four descriptors: the program's source, its stdout, its stderr and its
report pipe. For each, the worker forks the run's init into a new PID
namespace; the init takes new mount, IPC and network namespaces, mounts a
fresh /proc, fresh tmpfs on /sandbox, /tmp and /dev/shm, makes the rest
read-only, brings up the loopback, and forks the program's process. That
process sets the limits, becomes 65534 in a user namespace of its own with no
capabilities, and runs the program; the init waits for it, and when the init
exits the kernel kills whatever the program left behind. The worker answers
`done CODE`: the program's exit code, or 128 + N if signal N killed it.

So nothing a program does outlives its run or reaches the next one: its
processes, files, IPC objects, sockets and keyrings are all gone. What runs
share is the worker's memory image (the same imported modules, copied on
fork) and so Python's string-hash seed.

Without isolation the host runs this file's source once per program instead:

    python -I -S -B -c SOURCE once REPORT_FD PROGRAM CPU MEMORY_MB PROCESSES FILE_SIZE_MB

In both cases the launcher tells the host what happened on the report pipe,
one tab-separated line per fact, written only by the program's first process
(never by processes it forks):

    started <pid>                 limits set, privileges dropped, program next
    raised <kind> <last line>     the program raised; kind is one of KINDS
    exit <code>                   the exit code the launcher is about to use
"""

import posix  # built in: importing `os` costs a millisecond before the program starts
import sys

# raised: an ordinary exception. The others name the limit the program ran into.
KINDS = ("raised", "memory", "file_size", "disk", "processes", "sandbox")
PROGRAM = "/sandbox/main.py"
UID = 65534
# Audit events that create a process: an EAGAIN right after one is the process limit.
SPAWN_EVENTS = frozenset(
    {"os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.system", "subprocess.Popen"}
)
EFBIG, ENOSPC, EDQUOT, EAGAIN = 27, 28, 122, 11
# Imported once by the worker, so that programs do not pay for them on every run.
PRELOAD = (
    "bisect collections dataclasses decimal fractions functools hashlib heapq itertools "
    "json math operator random re statistics string typing"
)

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWUSER = 0x20000, 0x8000000, 0x10000000
CLONE_NEWPID, CLONE_NEWNET = 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_DUMPABLE, PR_CAPBSET_DROP = 4, 24
CAPABILITY_VERSION_3 = 0x20080522
SIOCSIFFLAGS, IFF_UP, IFF_LOOPBACK, IFF_RUNNING = 0x8914, 0x1, 0x8, 0x40


# --- The launcher: limits, privileges, then the program as `python PROGRAM` runs it.


def report(fd, pid, *fields):
    if posix.getpid() != pid:
        return
    line = "\t".join(str(f).replace("\n", " ").replace("\t", " ") for f in fields)
    try:  # noqa: SIM105 - contextlib would be one more import before the program
        posix.write(fd, (line[:4000] + "\n").encode("utf-8", "replace"))
    except OSError:
        pass  # the program closed or replaced the descriptor: the exit code still tells


def set_limits(cpu_seconds, memory_mb, processes, file_size_mb):
    import resource

    mb = 1024 * 1024
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # SIGXCPU at the soft limit tells a CPU timeout apart; SIGKILL one second later.
    resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_mb * mb, memory_mb * mb))
    resource.setrlimit(resource.RLIMIT_FSIZE, (file_size_mb * mb, file_size_mb * mb))
    resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))


def kind_of(exc, last_event):
    if isinstance(exc, MemoryError):
        return "memory"
    if isinstance(exc, OSError):
        if exc.errno == EFBIG:
            return "file_size"
        if exc.errno in (ENOSPC, EDQUOT):
            return "disk"
        if exc.errno == EAGAIN and last_event in SPAWN_EVENTS:
            return "processes"
    if isinstance(exc, RuntimeError) and str(exc) == "can't start new thread":
        return "processes"
    return "raised"


def last_line(exc):
    """What Python prints as the last line of a traceback, without importing `traceback`."""
    cls = type(exc)
    name = cls.__qualname__
    if cls.__module__ not in ("builtins", "__main__"):
        name = f"{cls.__module__}.{name}"
    try:
        text = str(exc)
    except Exception:
        text = "<exception str() failed>"
    return f"{name}: {text}" if text else name


def exit_code(exc):
    """The exit code `python PROGRAM` gives for `SystemExit(code)`."""
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def launch(fd, program, limits, drop_privileges):
    """Set `limits`, call `drop_privileges`, run `program`; return its exit code."""
    pid = posix.getpid()
    try:
        set_limits(*limits)
        drop_privileges()
    except OSError as exc:
        report(fd, pid, "raised", "sandbox", exc)
        return 125

    last_event = [""]
    sys.addaudithook(lambda event, args: last_event.__setitem__(0, event))
    report(fd, pid, "started", pid)

    module = type(sys)("__main__")
    module.__file__ = program
    sys.modules["__main__"] = module
    sys.argv = [program]
    sys.path.insert(0, program.rpartition("/")[0] or "/")
    try:
        with open(program, "rb") as source:
            code = compile(source.read(), program, "exec")
        exec(code, module.__dict__)
        status = 0
    except SystemExit as exc:
        status = exit_code(exc)
    except BaseException as exc:
        kind = kind_of(exc, last_event[0])  # before printing, which raises audit events
        tb = exc.__traceback__
        # Start the traceback at the program: the launcher's own frame means nothing to it.
        exc.__traceback__ = tb.tb_next if tb is not None else None
        sys.__excepthook__(type(exc), exc, exc.__traceback__)
        report(fd, pid, "raised", kind, last_line(exc))
        status = 1
    report(fd, pid, "exit", status)
    return status


def once(argv):
    """Without isolation: one program, in this process, as the caller's user."""
    fd, program, *limits = argv
    return launch(int(fd), program, [int(n) for n in limits], lambda: None)


# --- The worker: one run at a time, each in namespaces of its own.


class Kernel:
    """The few system calls Python's standard library does not offer (before 3.12)."""

    def __init__(self):
        import ctypes

        self.ctypes = ctypes
        self.libc = ctypes.CDLL(None, use_errno=True)

    def check(self, result, what):
        if result != 0:
            errno = self.ctypes.get_errno()
            raise OSError(errno, f"{what}: {posix.strerror(errno)}")

    def unshare(self, flags):
        self.check(self.libc.unshare(flags), "unshare")

    def setns(self, fd, flags):
        self.check(self.libc.setns(fd, flags), "setns")

    def mount(self, source, target, fstype, flags, data=None):
        args = [s.encode() if s is not None else None for s in (source, target, fstype, data)]
        result = self.libc.mount(args[0], args[1], args[2], self.ctypes.c_ulong(flags), args[3])
        self.check(result, f"mount {target}")

    def prctl(self, option, argument):
        c_ulong = self.ctypes.c_ulong
        result = self.libc.prctl(option, c_ulong(argument), c_ulong(0), c_ulong(0), c_ulong(0))
        self.check(result, "prctl")

    def drop_capabilities(self):
        ctypes = self.ctypes
        with open("/proc/sys/kernel/cap_last_cap") as f:
            last = int(f.read())
        for cap in range(last + 1):
            self.prctl(PR_CAPBSET_DROP, cap)
        header = (ctypes.c_uint32 * 2)(CAPABILITY_VERSION_3, 0)
        data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable: twice, all empty
        self.check(self.libc.capset(header, data), "capset")


def write(path, text):
    with open(path, "w") as f:
        f.write(text)


def become_nobody(kernel, worker_uid):
    """User 65534 in a user namespace of its own, without capabilities.

    `worker_uid` is the worker namespace's user that 65534 stands for: 65534
    itself when Proctor is root, else 0 (the only user an ordinary user's
    bubblewrap maps, standing for that user).
    """
    try:  # noqa: SIM105 - contextlib would be one more import before the program
        posix.setgroups([])
    except PermissionError:
        pass  # an unprivileged bubblewrap already denied setgroups; no groups to drop
    posix.setresgid(worker_uid, worker_uid, worker_uid)
    posix.setresuid(worker_uid, worker_uid, worker_uid)
    # Changing user made the process undumpable, which makes /proc/self root's.
    kernel.prctl(PR_SET_DUMPABLE, 1)
    # Its own user namespace: keyrings and the process count start empty, and no
    # capability it gets there reaches the worker's namespaces.
    kernel.unshare(CLONE_NEWUSER)
    write("/proc/self/setgroups", "deny")
    write("/proc/self/uid_map", f"{UID} {worker_uid} 1")
    write("/proc/self/gid_map", f"{UID} {worker_uid} 1")
    kernel.drop_capabilities()
    if posix.getresuid() != (UID, UID, UID) or posix.getresgid() != (UID, UID, UID):
        raise OSError("the user did not change")
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("Cap") and int(line.split()[1], 16) != 0:
                raise OSError(f"capabilities remain: {line.strip()}")


def remount_read_only(kernel, path):
    kept = posix.statvfs(path).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)  # same bits
    kernel.mount(None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def prepare_run(kernel, program_fd, writable_bytes):
    """In the run's init: fresh namespaces and file systems, the program in place."""
    import fcntl
    import socket
    import struct

    kernel.unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET)
    kernel.mount(None, "/", None, MS_REC | MS_PRIVATE)
    kernel.mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    for path in ("/proc/sys", "/proc/sysrq-trigger", "/proc/irq", "/proc/bus"):
        try:
            kernel.mount(path, path, None, MS_BIND | MS_REC)
        except FileNotFoundError:
            continue
        remount_read_only(kernel, path)
    for path, mode in (("/sandbox", "0777"), ("/tmp", "1777"), ("/dev/shm", "1777")):
        options = f"size={writable_bytes},mode={mode}"
        kernel.mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, options)
    for path in ("/", "/dev"):
        remount_read_only(kernel, path)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        flags = IFF_UP | IFF_LOOPBACK | IFF_RUNNING
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags))
    with open(PROGRAM, "wb") as target:
        while chunk := posix.read(program_fd, 1 << 20):
            target.write(chunk)
    posix.chdir("/sandbox")


def run_init(kernel, worker_uid, request, fds):
    """PID 1 of the run: prepare, fork the program, reap everything, exit with its code."""
    import signal

    program_fd, out_fd, err_fd, report_fd = fds
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # handlers would let the program signal us
    cpu, memory_mb, processes, file_size_mb, writable_bytes = request
    try:
        prepare_run(kernel, program_fd, writable_bytes)
    except BaseException as exc:
        report(report_fd, posix.getpid(), "raised", "sandbox", f"preparing the run: {exc}")
        return 125
    child = posix.fork()
    if child == 0:
        signal.signal(signal.SIGINT, signal.default_int_handler)
        null = posix.open("/dev/null", posix.O_RDONLY)
        for source, target in ((null, 0), (out_fd, 1), (err_fd, 2), (report_fd, 3)):
            posix.dup2(source, target)
        posix.closerange(4, 1 << 16)
        limits = (cpu, memory_mb, processes, file_size_mb)
        status = launch(3, PROGRAM, limits, lambda: become_nobody(kernel, worker_uid))
        posix._exit(finish(status))
    for fd in fds:
        posix.close(fd)
    while True:
        pid, status = posix.waitpid(-1, 0)
        if pid == child:
            code = posix.waitstatus_to_exitcode(status)
            return code if code >= 0 else 128 - code


def finish(status):
    """What the interpreter does at exit, for a forked program that must not return."""
    try:
        threading = sys.modules.get("threading")
        if threading is not None:
            threading._shutdown()
        import atexit

        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except SystemExit as exc:
        return exit_code(exc)
    except BaseException:
        return 120  # what Python exits with when flushing its streams fails
    return status & 0xFF


def serve(control_fd, worker_uid):
    import socket

    # What each run needs (so that its processes do not load them again), then PRELOAD.
    for name in ("fcntl", "resource", "signal", "struct", *PRELOAD.split()):
        __import__(name)
    kernel = Kernel()
    control = socket.socket(fileno=control_fd)
    own_pid_namespace = posix.open("/proc/self/ns/pid", posix.O_RDONLY | posix.O_CLOEXEC)
    control.send(b"ready")
    while True:
        message, fds, _, _ = socket.recv_fds(control, 256, 4)
        if not message:
            return 0
        request = [int(n) for n in message.split()[1:]]
        kernel.unshare(CLONE_NEWPID)  # the next child is PID 1 of a new namespace
        pid = posix.fork()
        if pid == 0:
            control.close()
            posix.close(own_pid_namespace)
            code = 125
            try:
                code = run_init(kernel, worker_uid, request, fds)
            finally:
                posix._exit(code)
        kernel.setns(own_pid_namespace, CLONE_NEWPID)  # so that the next unshare works
        for fd in fds:
            posix.close(fd)
        _, status = posix.waitpid(pid, 0)
        code = posix.waitstatus_to_exitcode(status)
        control.send(f"done {code if code >= 0 else 128 - code}".encode())


if __name__ == "__main__":
    mode, *arguments = sys.argv[1:]
    if mode == "serve":
        raise SystemExit(serve(int(arguments[0]), int(arguments[1])))
    raise SystemExit(once(arguments))
