"""The grader's side of a learner worker: start it limited, talk to it, kill it whole.

One worker per submission, reused across that submission's calls and started afresh after
it dies. Limits come from rlimits set before the worker starts; the wall-clock limit per
call is enforced from here with SIGKILL of the worker's whole process group. Where the
kernel allows it, the worker also runs in its own PID and network namespaces (util-linux
`unshare`), so that no process it starts survives it and it has no network.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from enum import Enum
from functools import cache
from pathlib import Path
from typing import Any

from grader.results import Isolation
from grader.sandbox.protocol import (
    ProtocolError,
    decode_value,
    encode_value,
    read_message,
    write_message,
)

_HERE = Path(__file__).resolve().parent
PASSED_THROUGH_ENV = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
QUIET_ENV = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}
IMPORT_TIMEOUT_FACTOR = 2.0  # importing numpy and sklearn takes a while on a cold cache


@dataclass(frozen=True)
class Limits:
    """Limits on a learner worker; rubric.yaml's `limits:` section sets them."""

    call_timeout_s: float = 10.0
    memory_mb: int = 2048
    cpu_s: int = 300
    file_size_mb: int = 16
    processes: int = 256
    open_files: int = 256
    output_kb: int = 64


class FailureKind(str, Enum):
    MISSING_MODULE = "missing_module"
    SYNTAX_ERROR = "syntax_error"
    IMPORT_ERROR = "import_error"
    EXCEPTION = "exception"
    TIMEOUT = "timeout"
    CRASHED = "crashed"
    EXITED = "exited"
    MEMORY = "memory"
    CPU_LIMIT = "cpu_limit"
    FILE_SIZE = "file_size"
    BAD_RETURN = "bad_return"
    MISSING_NAME = "missing_name"
    PROTOCOL = "protocol"


class StudentCodeError(Exception):
    """The learner's code failed; learner_message says how, in the learner's terms."""

    def __init__(
        self,
        kind: FailureKind,
        learner_message: str,
        output: str = "",
        exception_type: str = "",
        traceback: str = "",
    ) -> None:
        super().__init__(learner_message)
        self.kind = kind
        self.learner_message = learner_message
        self.output = output
        self.exception_type = exception_type
        self.traceback = traceback


@dataclass(frozen=True)
class CallResult:
    value: Any
    warnings: tuple[str, ...] = ()
    args_after: tuple = ()
    kwargs_after: dict = field(default_factory=dict)
    duration_s: float = 0.0
    output: str = ""


@cache
def _bootstrap_source() -> str:
    return (_HERE / "protocol.py").read_text() + "\n" + (_HERE / "worker_main.py").read_text()


@cache
def namespaces_available() -> bool:
    """Whether `unshare` may give the worker PID and network namespaces here."""
    try:
        probe = subprocess.run(
            ["unshare", "--pid", "--fork", "--kill-child", "--net", "true"],
            capture_output=True, timeout=10, check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return probe.returncode == 0


def isolation_report() -> Isolation:
    """What keeps learner code apart on this machine, as stated in every report."""
    in_force = [
        "separate worker process per submission (python -I, empty environment, stdin "
        "from /dev/null)",
        "wall-clock limit per call, enforced by SIGKILL of the whole process group",
        "limits on memory, CPU time, file size, open files and processes",
        "values returned as plain data (JSON and .npy, never pickle)",
        "a private copy of the submission as the working folder",
    ]
    missing = ["a mount namespace hiding the kit's files (solutions/, the grader)"]
    if sys.platform.startswith("linux") and namespaces_available():
        in_force.append("PID namespace: every process the worker starts dies with it")
        in_force.append("network namespace: no network")
        level = "process+namespaces"
    else:
        missing += ["PID namespace", "network namespace (the worker may reach the network)"]
        level = "process"
    if os.geteuid() == 0:
        missing.append("an unprivileged user (workers run as root; the process limit is "
                       "not enforced for root)")
    return Isolation(level=level, in_force=tuple(in_force), missing=tuple(missing))


class Worker:
    """A learner worker for one submission folder; a context manager."""

    def __init__(self, submission_dir: Path, limits: Limits | None = None) -> None:
        self.submission_dir = Path(submission_dir)
        self.limits = limits or Limits()
        self.time_in_student_code_s = 0.0
        self._process: subprocess.Popen | None = None
        self._requests = self._replies = -1
        self._imported: set[str] = set()
        self._broken: dict[str, StudentCodeError] = {}
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-worker-"))
        self._output_path = self._scratch / "output.txt"

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- the calls a check makes --------------------------------------------------------

    def import_module(self, module: str) -> None:
        if module in self._broken:
            raise self._broken[module]
        if module in self._imported:
            return
        timeout = self.limits.call_timeout_s * IMPORT_TIMEOUT_FACTOR
        try:
            self._exchange({"op": "import", "module": module}, timeout, f"importing {module}.py")
        except StudentCodeError as error:
            self._broken[module] = error  # the next request fails fast, at no cost
            raise
        self._imported.add(module)

    def call(
        self, module: str, function: str, *args: Any, timeout_s: float | None = None,
        **kwargs: Any,
    ) -> CallResult:
        self.import_module(module)
        request = {
            "op": "call", "module": module, "name": function,
            "args": encode_value(list(args)), "kwargs": encode_value(dict(kwargs)),
        }
        timeout = timeout_s or self.limits.call_timeout_s
        started = time.perf_counter()
        try:
            reply, output = self._exchange(request, timeout, f"{function}()")
        finally:
            self.time_in_student_code_s += time.perf_counter() - started
        try:
            args_after = decode_value(reply["args_after"])
            kwargs_after = decode_value(reply["kwargs_after"])
            return CallResult(
                value=decode_value(reply["value"]),
                warnings=tuple(str(w) for w in reply.get("warnings", []))[:20],
                args_after=tuple(args_after) if isinstance(args_after, list) else (),
                kwargs_after=kwargs_after if isinstance(kwargs_after, dict) else {},
                duration_s=float(reply.get("duration", 0.0)),
                output=output,
            )
        except (ProtocolError, KeyError, TypeError, ValueError) as error:
            raise StudentCodeError(
                FailureKind.PROTOCOL, f"{function}() gave an answer the grader cannot read "
                f"({error})", output) from None

    def get(self, module: str, name: str) -> Any:
        self.import_module(module)
        reply, output = self._exchange(
            {"op": "get", "module": module, "name": name}, self.limits.call_timeout_s, name
        )
        try:
            return decode_value(reply["value"])
        except (ProtocolError, KeyError) as error:
            raise StudentCodeError(
                FailureKind.PROTOCOL, f"{name} cannot be read by the grader ({error})", output
            ) from None

    def close(self) -> None:
        self._stop()
        with contextlib.suppress(OSError):
            self._output_path.unlink(missing_ok=True)
            self._scratch.rmdir()

    # -- the worker process -------------------------------------------------------------

    def _start(self) -> None:
        request_read, request_write = os.pipe()
        reply_read, reply_write = os.pipe()
        command = [sys.executable, "-I", "-c", _bootstrap_source(),
                   str(request_read), str(reply_write)]
        if sys.platform.startswith("linux") and namespaces_available():
            command = ["unshare", "--pid", "--fork", "--kill-child", "--net", *command]
        environment = {key: os.environ[key] for key in PASSED_THROUGH_ENV if key in os.environ}
        environment.update(QUIET_ENV)
        with open(self._output_path, "ab") as output:
            self._process = subprocess.Popen(
                command, cwd=self.submission_dir, env=environment, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, pass_fds=(request_read, reply_write),
                start_new_session=True, preexec_fn=self._apply_limits,
            )
        os.close(request_read)
        os.close(reply_write)
        self._requests, self._replies = request_write, reply_read
        self._imported.clear()

    def _apply_limits(self) -> None:  # runs in the child, between fork and exec
        limits = self.limits
        mb = 1024 * 1024
        for name, value in (
            (resource.RLIMIT_AS, limits.memory_mb * mb),
            (resource.RLIMIT_CPU, limits.cpu_s),
            (resource.RLIMIT_FSIZE, limits.file_size_mb * mb),
            (resource.RLIMIT_NPROC, limits.processes),
            (resource.RLIMIT_NOFILE, limits.open_files),
            (resource.RLIMIT_CORE, 0),
        ):
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(name, (value, value))

    def _stop(self) -> None:
        process = self._process
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=10)
        for fd in (self._requests, self._replies):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._process = None

    def _exchange(self, request: dict, timeout: float, what: str) -> tuple[dict, str]:
        if self._process is None:
            self._start()
        offset = self._output_size()
        try:
            write_message(self._requests, request)
        except OSError:
            pass  # the worker is gone; reading its reply below tells how
        reply = self._read_reply(timeout)
        output = self._read_output(offset)
        if isinstance(reply, StudentCodeError):
            reply.output = output
            reply.learner_message = reply.learner_message.replace("{what}", what)
            raise reply
        if not isinstance(reply, dict) or not isinstance(reply.get("ok"), bool):
            self._stop()
            raise StudentCodeError(
                FailureKind.PROTOCOL, f"the worker's answer to {what} was garbled (did the code "
                "write to the grader's pipe?)", output)
        if not reply["ok"]:
            raise self._failure_from(reply, output)
        return reply, output

    def _read_reply(self, timeout: float) -> dict | StudentCodeError:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._stop()
                return StudentCodeError(
                    FailureKind.TIMEOUT, f"{{what}} did not finish within {timeout:g} s (the "
                    "time limit per call): look for an endless loop or far too many steps")
            ready, _, _ = select.select([self._replies], [], [], left)
            if not ready:
                continue
            try:
                reply = read_message(self._replies)
            except (ProtocolError, OSError) as error:
                self._stop()
                return StudentCodeError(FailureKind.PROTOCOL, f"{{what}}: garbled answer ({error})")
            if reply is None:
                return self._death()
            return reply

    def _death(self) -> StudentCodeError:
        process = self._process
        code = process.wait(timeout=10) if process else None
        self._stop()
        if code is not None and code < 0:
            number = -code
            if number == signal.SIGXCPU:
                return StudentCodeError(
                    FailureKind.CPU_LIMIT,
                    f"{{what}} used up the CPU-time limit ({self.limits.cpu_s} s)")
            if number == signal.SIGXFSZ:
                return StudentCodeError(
                    FailureKind.FILE_SIZE, f"{{what}} wrote more than the file-size limit "
                    f"({self.limits.file_size_mb} MB; printing counts)")
            name = signal.Signals(number).name if number in signal.valid_signals() else number
            return StudentCodeError(FailureKind.CRASHED, f"the process crashed ({name}) while "
                                    "running {what}")
        return StudentCodeError(
            FailureKind.EXITED, f"the process ended (exit status {code}) while running {{what}}"
            ": do not call exit() or os._exit() in your code")

    def _failure_from(self, reply: dict, output: str) -> StudentCodeError:
        try:
            kind = FailureKind(reply.get("kind"))
        except ValueError:
            kind = FailureKind.PROTOCOL
        message = str(reply.get("message", "failed"))[:2000]
        if kind is FailureKind.MEMORY:
            message += f" (limit {self.limits.memory_mb} MB)"
        trace = str(reply.get("traceback", ""))[:3000]
        if trace:
            message += "\n" + trace
        return StudentCodeError(kind, message, output, str(reply.get("exception_type", ""))[:100],
                                trace)

    def _output_size(self) -> int:
        try:
            return self._output_path.stat().st_size
        except OSError:
            return 0

    def _read_output(self, offset: int) -> str:
        limit = self.limits.output_kb * 1024
        try:
            with open(self._output_path, "rb") as output:
                output.seek(offset)
                data = output.read(limit + 1)
        except OSError:
            return ""
        text = data[:limit].decode("utf-8", errors="replace")
        return text + ("\n[output cut at the limit]" if len(data) > limit else "")
