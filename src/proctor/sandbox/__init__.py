"""Running untrusted, model-written Python: isolated, limited, a few at a time.

    async with Sandbox() as sandbox:
        result = await sandbox.run(program)      # ExecResult(status="passed", ...)

Each program runs under bubblewrap in user, PID, network and mount namespaces
of its own, as an unprivileged user without capabilities, with limits on CPU
time, wall-clock time, memory, processes, file size and output (`Limits`).
`detect_isolation()` says whether that is possible here; without it a
`Sandbox` refuses to run code (`IsolationError`) unless the caller passes
`allow_unisolated=True`.
"""

from proctor.sandbox._isolation import IsolationError, detect_isolation
from proctor.sandbox._limits import Limits
from proctor.sandbox._result import ExecResult
from proctor.sandbox._sandbox import Sandbox

__all__ = ["ExecResult", "IsolationError", "Limits", "Sandbox", "detect_isolation"]
