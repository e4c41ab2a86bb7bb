"""The grader's side of a worker: one process per submission that runs the learner's code.

The learner's code never runs in the grading process. A `Worker` starts
``python -I -B -c <_bootstrap.py's text>`` in the submission's private copy, under
resource limits, with an empty environment and stdin from /dev/null; requests and
replies travel over two extra pipes as length-prefixed JSON (see _bootstrap.py), and
stdout/stderr go to a file the grader reads back, at most Limits.output_kb per request
(print() output past 8 KB a request is cut by the worker itself, never fatal).
A request that runs past its time limit gets the whole process tree killed; the next
request starts a fresh worker. Not thread-safe: one thread drives one Worker.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import select
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import weakref
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from grader.sandbox import _process, cgroups, confine, probe
from grader.sandbox._bootstrap import (
    HEADER,
    MAX_MESSAGE_BYTES,
    OUTPUT_HEAD_BYTES,
    UNCHANGED,
    ProtocolError,
    ValueRefused,
    decode_value,
    dump_message,
    encode_value,
    load_message,
)
from grader.sandbox.confine import Confinement, Stack
from grader.sandbox.errors import (
    Failure,
    FailureKind,
    StudentCodeError,
    Target,
    failure_message,
    format_traceback,
    innermost_place,
)
from grader.sandbox.limits import Limits
from grader.sandbox.zygote import Zygote, launch_once, launch_spawned, use_spawn

# Not on Windows; the pipes there are not inherited anyway.
O_CLOEXEC = getattr(os, "O_CLOEXEC", 0)

if TYPE_CHECKING:  # grader.places reads grader.results, which reads this package
    from grader.places import Places


@dataclass(frozen=True)
class CallResult:
    value: object
    warnings: tuple[str, ...]  # "RuntimeWarning: overflow encountered in exp", ...
    args_after: tuple  # the positional arguments as the call left them
    kwargs_after: dict  # the keyword arguments as the call left them
    duration_s: float  # the round trip, as the grader measured it
    output: str  # what the call printed (at most Limits.output_kb)


HIDDEN_PACKAGE = __name__.partition(".")[0]  # the grader's package: never importable there


@cache
def bootstrap_source() -> str:
    """The worker's program: the text of _bootstrap.py, passed with -c."""
    return Path(__file__).with_name("_bootstrap.py").read_text(encoding="utf-8")


class BudgetSpent(Exception):
    """The submission's time budget (Limits.submission_budget_s) is spent: the request
    was not made. The message names the functions that used the time."""


class _Timeout(Exception):
    pass


class _Undelivered(_Timeout):
    """The worker did not read the request in time (stopped, say): the call never began,
    so the function is not blamed for it."""


class _Died(Exception):
    pass


class _Garbled(Exception):
    pass


class _Process:
    """One live worker process and the grader's ends of its pipes."""

    def __init__(
        self,
        submission_dir: Path,
        output_path: Path,
        limits: Limits,
        confinement: Confinement | None,
        zygote: Zygote | None,
        new_root: Path,
        scratch: Path,
    ) -> None:
        stack = (confinement.stack if confinement else None) or probe.best().stack
        if confinement is None:
            stack = Stack("process")
        assert stack is not None
        self.stack = stack
        self.confined = stack.namespaces
        hidden = confinement.hidden if confinement else ()
        self.cgroup: cgroups.WorkerCgroup | None = None
        self.zygote = zygote
        self.popen: subprocess.Popen | None = None
        # Started afresh, without fork (Windows): the worker is this process's own child.
        self.spawned = use_spawn()
        # A zygote's launchers come with their cgroup, made ahead (Zygote.launch).
        if (zygote is None or self.spawned) and cgroups.available():
            with contextlib.suppress(OSError):
                self.cgroup = cgroups.WorkerCgroup(limits)
        request_read, self.request_fd = os.pipe()
        self.response_fd, response_write = os.pipe()
        output_fd = os.open(output_path, os.O_WRONLY | os.O_APPEND | O_CLOEXEC)
        self.status_fd, status_write = os.pipe()
        fds = (request_read, response_write, output_fd, status_write)
        try:
            confine.hand_over(submission_dir, stack)
            confine.hand_over(scratch, stack)
            spec = confine.launch_spec(stack, submission_dir, scratch, new_root, hidden, limits)
            spec["cgroup_procs"] = self.cgroup.procs if self.cgroup else []
            spec["hidden_package"] = HIDDEN_PACKAGE
            if self.spawned:
                spec["memory_bytes"] = limits.memory_mb << 20  # the job object's, on Windows
                self.popen = launch_spawned(spec, fds, bootstrap_source())
                self.pid = self.popen.pid
            elif zygote is not None:
                self.pid, self.cgroup = zygote.launch(spec, fds, limits)
            else:
                self.popen = launch_once(spec, fds, bootstrap_source())
                self.pid = self.popen.pid
        except BaseException:
            for fd in (self.request_fd, self.response_fd, self.status_fd):
                os.close(fd)
            if self.cgroup is not None:
                self.cgroup.remove()
            raise
        finally:
            for fd in fds:
                os.close(fd)
        # Where pipes cannot be polled (Windows), the pipes stay blocking and threads do the
        # blocking reads and writes (_Pipes): os.set_blocking on a pipe needs Python 3.12
        # there, and a loop of short sleeps would add its step to every call.
        self.pipes: _Pipes | None = None
        if hasattr(select, "poll"):
            os.set_blocking(self.request_fd, False)
            os.set_blocking(self.response_fd, False)
        else:
            self.pipes = _Pipes(self.response_fd)
        try:
            self.pidfd: int | None = os.pidfd_open(self.pid)
        except (AttributeError, OSError):
            self.pidfd = None  # older kernels: poll in short steps and ask waitid
        self.imported: set[str] = set()
        self.stopped: set[int] | None = None  # the pids stop() killed, not yet waited for
        self.memory_exceeded = False  # the memory cgroup refused an allocation
        self.ready = False  # the worker said it is ready
        self.status: int | None = None
        self.cpu_s = 0.0

    # Talking -------------------------------------------------------------------------------

    def exchange(self, frame: bytes, deadline: float) -> Any:
        self._send(frame, deadline)
        return self.receive(deadline)

    def _send(self, frame: bytes, deadline: float) -> None:
        if self.pipes is not None:
            event = self.pipes.write(self.request_fd, frame, deadline, self._exited)
            if event == "closed":  # the worker's end is closed: it died, or its code closed it
                self._closed_channel(deadline)
            if event == "died":
                raise _Died
            if event == "timeout":
                raise _Undelivered
            return
        view = memoryview(frame)
        while view:
            try:
                view = view[os.write(self.request_fd, view) :]
                continue
            except BlockingIOError:
                pass
            except OSError:  # the worker's end is closed: it died, or its code closed it
                self._closed_channel(deadline)
            event = self._wait(self.request_fd, select.POLLOUT, deadline)
            if event == "died":
                raise _Died
            if event == "timeout":  # a full pipe the worker does not read (it is stopped)
                raise _Undelivered

    def receive(self, deadline: float) -> Any:
        buffer = bytearray()
        length = None
        while True:
            if self.pipes is not None:
                chunk = self.pipes.take()
            else:
                try:
                    chunk = os.read(self.response_fd, 1 << 20)
                except BlockingIOError:
                    chunk = None
            if chunk == b"":
                self._closed_channel(deadline)
            if chunk:
                buffer += chunk
                if length is None and len(buffer) >= HEADER.size:
                    (length,) = HEADER.unpack_from(buffer)
                    if length > MAX_MESSAGE_BYTES:
                        raise _Garbled(f"a reply of {length} bytes, over the 64 MB limit")
                if length is not None and len(buffer) >= HEADER.size + length:
                    if len(buffer) > HEADER.size + length:
                        raise _Garbled("unexpected data after the reply")
                    try:
                        return load_message(bytes(buffer[HEADER.size :]))
                    except ProtocolError as error:
                        raise _Garbled(str(error)) from None
                continue  # drain what is there before waiting again
            event = self._wait(self.response_fd, select.POLLIN, deadline)
            if event == "timeout":
                if buffer:
                    raise _Garbled("an incomplete reply")
                raise _Timeout
            if event == "died" and not self.readable():
                raise _Died

    def _closed_channel(self, deadline: float) -> None:
        # The worker's end closed: it died (normally), or its code closed the channel.
        if self._wait(None, 0, deadline) == "died":
            raise _Died
        raise _Garbled("the channel was closed")

    def readable(self) -> bool:
        if self.pipes is not None:
            return self.pipes.has_data()
        poller = select.poll()
        poller.register(self.response_fd, select.POLLIN)
        return any(mask & select.POLLIN for _, mask in poller.poll(0))

    def _wait(self, fd: int | None, mask: int, deadline: float) -> str:
        """Wait for `fd` to be ready, the worker to die, or the deadline: "ready",
        "died" or "timeout"."""
        if self.pipes is not None:
            return self.pipes.wait(fd == self.response_fd, deadline, self._exited)
        poller = select.poll()
        if fd is not None:
            poller.register(fd, mask)
        if self.pidfd is not None:
            poller.register(self.pidfd, select.POLLIN)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            step = remaining if self.pidfd is not None else min(remaining, 0.05)
            events = poller.poll(max(1, int(step * 1000) + 1))
            if any(ready == self.pidfd for ready, _ in events) or self._exited():
                return "died"
            if events:
                return "ready"

    def _exited(self) -> bool:
        if self.pidfd is not None:
            return False  # the pidfd says so itself
        if self.popen is not None and (self.spawned or not hasattr(os, "waitid")):
            return self.popen.poll() is not None  # reaps it: _reap reads the returncode
        try:
            info = os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        except ChildProcessError:
            return True
        return info is not None

    # Ending --------------------------------------------------------------------------------

    def stop(self) -> None:
        """Kill the worker and everything it started, without waiting for them to die:
        none of them runs any code of its own after this. end() does the rest."""
        if self.status is None and self.stopped is None:
            if self.popen is not None and getattr(self.popen, "job", None) is not None:
                from grader.sandbox import winjob

                winjob.kill(self.popen.job)  # type: ignore[attr-defined]
            if self.popen is not None and self.popen.returncode is not None:
                self.stopped = set()  # already reaped: its pid may be another's by now
            else:
                # The cgroup lists every process of the tree (the pids one holds all).
                listed = (
                    self.cgroup.members
                    if self.cgroup and "pids" in self.cgroup.controllers
                    else None
                )
                self.stopped = _process.stop_tree(self.pid, listed)

    def end(self) -> None:
        """Kill the worker and everything it started; reap it; close the pipes."""
        if self.status is None:
            # The tree is killed before the worker is reaped: until then its pid, group and
            # session cannot be reused by another process.
            self.stop()
            _process.wait_dead(self.stopped or set())
            self._reap()
        if self.cgroup is not None:
            self.cgroup.remove()
            self.memory_exceeded = self.cgroup.memory_exceeded
            self.cgroup = None
        if self.pipes is not None:
            # The worker tree is dead: its end of the pipe is closed, the reader sees the
            # end of it. Only then is the descriptor closed (never read once reused).
            self.pipes.close()
        for fd in (self.request_fd, self.response_fd, self.pidfd):
            if fd is not None:
                with contextlib.suppress(OSError):
                    os.close(fd)
        self.pidfd = None

    def _reap(self) -> None:
        # The worker's init wrote the worker's wait status before it exited; nothing there
        # means the tree was killed (a timeout, or the end of the submission).
        if self.spawned and self.popen is not None:
            # The worker is our own child: its end is our wait's, there is no init to say it.
            self._reap_spawned(self.popen)
            return
        if self.popen is not None:
            status = 0
            with contextlib.suppress(ChildProcessError):
                _, status = os.waitpid(self.pid, 0)
            # Tell Popen, so that it never waits for (or signals) a pid that may be reused.
            self.popen.returncode = os.waitstatus_to_exitcode(status)
        report = b""
        if self.status_fd is not None:
            with contextlib.suppress(OSError):
                report = os.read(self.status_fd, 4096)
            os.close(self.status_fd)
            self.status_fd = None
        self.status = signal.SIGKILL
        with contextlib.suppress(ValueError, TypeError, AttributeError):
            parsed = json.loads(report)
            self.status, self.cpu_s = int(parsed["status"]), float(parsed["cpu_s"])
        if self.zygote is not None:
            self.zygote.reap(self.pid)
            self.zygote.prepare_next()

    def _reap_spawned(self, popen: subprocess.Popen) -> None:
        if self.status_fd is not None:
            os.close(self.status_fd)  # unused: nobody holds its other end
            self.status_fd = None
        code = popen.returncode
        if code is None and hasattr(os, "wait4"):
            # ImportError: os.wait4 builds its usage from the `resource` module.
            with contextlib.suppress(ChildProcessError, ImportError):
                _, status, usage = os.wait4(self.pid, 0)
                popen.returncode = os.waitstatus_to_exitcode(status)
                self.cpu_s = usage.ru_utime + usage.ru_stime
                code = popen.returncode
        if code is None:
            code = popen.wait()
        # As a wait status, the form the forked path reports: a signal below zero.
        self.status = _wait_status(code)

    @property
    def exit_code(self) -> int | None:
        return None if self.status is None else _exit_code(self.status)


class _Pipes:
    """The grader's ends of a worker's pipes where they cannot be polled (Windows):
    a thread reads the reply pipe into a queue as data comes, and each request is written
    by a thread of its own, so that a worker that never reads cannot block the grader
    past the deadline. The descriptors stay blocking (no os.set_blocking).

    Waits are on these threads' events; the worker's death is looked at every STEP_S
    (it has no descriptor to wait on there)."""

    STEP_S = 0.05

    def __init__(self, response_fd: int) -> None:
        self._fd = response_fd
        self._chunks: list[bytes] = []
        self._arrived = threading.Condition()
        self._ended = False  # the reader saw the end of the pipe (or could not read)
        self._closing = False
        self._reader = threading.Thread(target=self._read, name="worker-replies", daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while not self._closing:  # never a read of the descriptor once it may be reused
            try:
                chunk = os.read(self._fd, 1 << 20)
            except OSError:
                chunk = b""
            with self._arrived:
                if chunk:
                    self._chunks.append(chunk)
                else:
                    self._ended = True
                self._arrived.notify_all()
            if not chunk:
                return

    def take(self) -> bytes | None:
        """What has arrived (joined), b"" once the pipe has ended and nothing is left,
        None when nothing is there yet."""
        with self._arrived:
            if self._chunks:
                chunk, self._chunks = b"".join(self._chunks), []
                return chunk
            return b"" if self._ended else None

    def has_data(self) -> bool:
        with self._arrived:
            return bool(self._chunks)

    def wait(self, for_reply: bool, deadline: float, exited: Any) -> str:
        """ "ready" (a reply chunk or the pipe's end is there, when for_reply), "died" or
        "timeout"."""
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            with self._arrived:
                if for_reply and (self._chunks or self._ended):
                    return "ready"
                self._arrived.wait(min(remaining, self.STEP_S))
                if for_reply and (self._chunks or self._ended):
                    return "ready"
            if exited():
                return "died"

    def write(self, fd: int, frame: bytes, deadline: float, exited: Any) -> str:
        """Write all of frame: "ready" when written, "closed" when the worker's end is
        closed, "died" when it exited first, "timeout" at the deadline (the writer thread
        then ends when the worker is killed: its write fails on the closed pipe)."""
        failed: list[OSError] = []

        def write_all() -> None:
            view = memoryview(frame)
            try:
                while view:
                    view = view[os.write(fd, view) :]
            except OSError as error:  # the worker's end is closed
                failed.append(error)

        writer = threading.Thread(target=write_all, name="worker-request", daemon=True)
        writer.start()
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return "timeout"
            writer.join(min(remaining, self.STEP_S))
            if not writer.is_alive():
                return "closed" if failed else "ready"
            if exited():
                return "died"

    def close(self, timeout_s: float = 5.0) -> None:
        """Wait for the reader to see the pipe's end (the worker tree is dead by now)."""
        self._closing = True
        self._reader.join(timeout_s)


class _Holder:
    """The Worker's live processes, one per lane, reachable from its finalizer without the
    Worker: `process` runs every module but the from-scratch ones, `from_scratch` those
    (a process that never had scikit-learn or SciPy loaded)."""

    def __init__(self) -> None:
        self.process: _Process | None = None
        self.from_scratch: _Process | None = None
        self.creator = os.getpid()

    def get(self, from_scratch: bool) -> _Process | None:
        return self.from_scratch if from_scratch else self.process

    def put(self, from_scratch: bool, process: _Process | None) -> None:
        if from_scratch:
            self.from_scratch = process
        else:
            self.process = process

    def live(self) -> list[_Process]:
        return [process for process in (self.process, self.from_scratch) if process is not None]


def _finalize(holder: _Holder, scratch: Path) -> None:
    if os.getpid() != holder.creator:
        return  # a forked copy of the grader: the worker is not this process's to kill
    for process in holder.live():
        process.end()
    holder.process = holder.from_scratch = None
    shutil.rmtree(scratch, ignore_errors=True)


class Worker:
    """Runs one submission's code in a worker process, one request at a time.

    Import failures are remembered per module: later requests that need the module fail
    at once with the same error. After a crash, a timeout, an exit or a memory failure the
    next request starts a fresh worker (importing again what it needs).
    """

    # Per function: after its first timeout (its worker already killed and replaced) later
    # calls fail at once, so a hanging function costs a submission one time limit.
    MAX_TIMEOUTS = 1
    STARTUP_TIMEOUT_S = 60.0  # Python and NumPy starting; not the learner's time
    START_ATTEMPTS = 2  # a worker that does not start is started once more
    # An import may load scikit-learn from a cold disk cache under a busy batch (about 1 s
    # warm): it gets twice the limit per call.
    IMPORT_TIMEOUT_FACTOR = 2.0

    def __init__(
        self,
        submission_dir: Path,
        limits: Limits = Limits(),  # noqa: B008
        confinement: Confinement | None = Confinement(),  # noqa: B008
        zygote: Zygote | None = None,
        from_scratch: tuple[str, ...] = (),
        places: Places | None = None,
        from_scratch_zygote: Zygote | None = None,
    ) -> None:
        """confinement=None: a plain limited process, without namespaces. With a zygote,
        each worker process is forked from it, warm, instead of started afresh. `places`
        says the submission's files as the learner has them (a notebook's cells) in every
        failure sentence.

        from_scratch: modules whose import and calls run in a worker process of their own,
        one that never had scikit-learn or SciPy loaded (forked from from_scratch_zygote,
        which preloads neither, or else started afresh; never from `zygote`), where their
        import is refused (_bootstrap._Fence). Nothing of them is in its memory for the
        code to find by other means (the garbage collector's objects, the frames of the
        worker's own loop, another file's globals). What a call reached is kept in
        `from_scratch_reached` ("module.function" -> what). Other files that import such a
        module run it in the main worker, as they run themselves."""
        folder = Path(submission_dir)
        if not folder.is_dir():
            raise ValueError(f"not a folder: {folder}")
        self.submission_dir = folder.resolve()
        self.limits = limits
        self.confinement = confinement
        self.zygote = zygote
        self.from_scratch_zygote = from_scratch_zygote
        if places is None:
            from grader.places import NO_NOTEBOOKS as places
        self.places = places
        self.time_in_student_code_s = 0.0
        self.printed_size = ""  # the last request's, where its output was cut ("19.5 MB")
        self.from_scratch = tuple(from_scratch)
        self.from_scratch_reached: dict[str, tuple[str, ...]] = {}
        # Wall clock of every request, by what it ran ("fit_logistic()", "importing x.py"):
        # the submission's time budget, and what to name when it is spent.
        self.time_used_s = 0.0
        self.time_by_request: dict[str, float] = {}
        self.restarts = 0  # workers started after the first
        # "importing x.py" / "x.f()" -> bytes printed, where the worker cut the output
        self.printed_too_much: dict[str, int] = {}
        self._scratch = Path(tempfile.mkdtemp(prefix="grader-sandbox-"))
        self._output_path = self._scratch / "output.txt"
        self._new_root = self._scratch / "root"  # a mount point, inside the namespaces only
        self._new_root.mkdir()
        self._tmp = self._scratch / "tmp"  # the learner's TMPDIR without namespaces
        self._tmp.mkdir()
        self._output_fd = os.open(
            self._output_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC | O_CLOEXEC, 0o600
        )
        self._holder = _Holder()
        self._import_failures: dict[str, StudentCodeError] = {}
        self._timeouts: dict[tuple[str, str], list[StudentCodeError]] = {}
        self._undelivered = False  # the last request timed out before the worker read it
        self._next_id = 0
        self._started: set[bool] = set()  # the lanes (from scratch or not) started once
        self._closed = False
        self._paths = _scrub_pairs(self.submission_dir, self._scratch)
        self._finalizer = weakref.finalize(self, _finalize, self._holder, self._scratch)

    # Public ----------------------------------------------------------------------------

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def budget_spent(self) -> str | None:
        """None while the time budget lasts; once spent, the sentence that says so, naming
        the three requests that used most of it."""
        budget = self.limits.submission_budget_s
        if self.time_used_s < budget:
            return None
        most = sorted(self.time_by_request.items(), key=lambda item: -item[1])[:3]
        named = ", ".join(f"{what} {seconds:.1f} s" for what, seconds in most)
        return (
            f"not run: time budget spent (your code used the submission's {budget:g} s; "
            f"most of it: {named})"
        )

    def _check_budget(self) -> None:
        spent = self.budget_spent()
        if spent is not None:
            raise BudgetSpent(spent)

    def import_module(self, module: str) -> None:
        """Import `module` in the worker; raises StudentCodeError when that fails, and
        BudgetSpent when the submission's time budget is spent."""
        self._check_open()
        failed = self._import_failures.get(module)
        if failed is not None:
            raise failed.copy()
        lane = module in self.from_scratch
        process = self._holder.get(lane)
        if process is not None and module in process.imported:
            return
        self._check_budget()
        try:
            self._request(
                {"op": "import", "module": module},
                Target("import", module),
                self.limits.call_timeout_s * self.IMPORT_TIMEOUT_FACTOR,
            )
        except StudentCodeError as error:
            self._import_failures[module] = error.copy()
            raise
        process = self._holder.get(lane)
        if process is not None:
            process.imported.add(module)

    def call(
        self,
        module: str,
        function: str,
        /,
        *args: Any,
        timeout_s: float | None = None,
        **kwargs: Any,
    ) -> CallResult:
        """Call module.function(*args, **kwargs) in the worker; raises StudentCodeError.

        A function that has already run out of time (MAX_TIMEOUTS times) is not called
        again: each later call fails at once, so that a hanging function costs a
        submission one time limit, not one per check. The limit stays per call: slow but
        honest code that returns within it is never cut short."""
        timed_out = self._timeouts.get((module, function), [])
        if len(timed_out) >= self.MAX_TIMEOUTS:  # before importing: no worker started for it
            first = timed_out[0]
            raise StudentCodeError(
                FailureKind.TIMEOUT,
                f"{first.learner_message} in an earlier check, so it is not called again",
                "",
            )
        self.import_module(module)
        self._check_budget()
        request = {
            "op": "call",
            "module": module,
            "name": function,
            "args": _encode_argument(list(args)),
            "kwargs": _encode_argument(kwargs),
        }
        started = time.perf_counter()
        self._undelivered = False
        try:
            response, output = self._request(
                request,
                Target("call", module, function),
                timeout_s,
                expect_value=True,
                arguments=(args, kwargs),
            )
        except StudentCodeError as error:
            # Given up on only after the per-call limit itself ran out: a shorter limit (a
            # probe's tiny inputs) says nothing of "the time limit per call" to quote later.
            shortened = timeout_s is not None and timeout_s < self.limits.call_timeout_s
            if error.kind is FailureKind.TIMEOUT and not self._undelivered and not shortened:
                self._timeouts.setdefault((module, function), []).append(error.copy())
            raise
        elapsed = time.perf_counter() - started
        value, warnings, args_after, kwargs_after = response
        return CallResult(value, warnings, tuple(args_after), kwargs_after, elapsed, output)

    def given_up(self) -> set[str]:
        """ "module.function" of every function that is no longer called (it timed out)."""
        return {
            f"{module}.{function}"
            for (module, function), errors in self._timeouts.items()
            if len(errors) >= self.MAX_TIMEOUTS
        }

    def get(self, module: str, name: str) -> object:
        """The value of a module attribute (a hand-worked constant, say)."""
        self.import_module(module)
        self._check_budget()
        (value, *_), _ = self._request(
            {"op": "get", "module": module, "name": name},
            Target("get", module, name),
            expect_value=True,
        )
        return value

    def close(self) -> None:
        """Kill the worker and every process it started; remove the grader's temp files."""
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            os.close(self._output_fd)
        self._finalizer()

    def close_soon(self) -> threading.Thread | None:
        """close(), its waiting in a thread: the worker and everything it started are
        killed before this returns (none of their code runs after it); the thread then
        waits for them to die, reaps them and removes the temporary files, while the
        caller goes on. Returns the thread (join it), or None if already closed."""
        if self._closed:
            return None
        self._closed = True
        with contextlib.suppress(OSError):
            os.close(self._output_fd)
        for process in self._holder.live():
            process.stop()
        # Not a daemon: the interpreter waits for it at exit, so nothing is left behind.
        thread = threading.Thread(target=self._finalizer, name="worker-close")
        thread.start()
        return thread

    # Requests --------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("this Worker is closed")

    def _request(
        self,
        message: dict,
        target: Target,
        timeout_s: float | None = None,
        expect_value: bool = False,
        arguments: tuple[tuple, dict] = ((), {}),
    ) -> tuple[Any, str]:
        """The reply's values and what the request printed. `arguments`: a call's positional
        and keyword arguments (what an argument the call left unchanged reads as after it)."""
        timeout = self.limits.call_timeout_s if timeout_s is None else float(timeout_s)
        if not timeout > 0:
            raise ValueError("timeout_s must be above 0")
        lane = message.get("module") in self.from_scratch
        process = self._process(lane)
        if process.ready and process.readable():
            # Bytes nobody asked for (learner code writing to the reply channel after its
            # reply): they would garble this request's reply. Start afresh instead.
            self._end_process(lane)
            process = self._process(lane)
        self._next_id += 1
        message["id"] = self._next_id
        if lane:
            message["from_scratch"] = True
        frame = dump_message(message)
        if len(frame) - HEADER.size > MAX_MESSAGE_BYTES:
            raise ValueError("the request's arguments are over the 64 MB message limit")
        sent = time.perf_counter()
        try:
            reply = self._exchange(process, frame, timeout, target, sent)
        except _Timeout as timed_out:
            failure = Failure(FailureKind.TIMEOUT, timeout_s=timeout)
            self.time_in_student_code_s += time.perf_counter() - sent
            self._end_process(lane)
            self._undelivered = isinstance(timed_out, _Undelivered)
        except _Died:
            self.time_in_student_code_s += time.perf_counter() - sent
            self._end_process(lane)
            failure = self._death(process)
        except _Garbled as garbled:
            self._end_process(lane)
            failure = Failure(FailureKind.PROTOCOL, detail=str(garbled))
        else:
            failure = None
            self.time_in_student_code_s += _reported_duration(reply, timeout)
            self._note_printed(reply, target)
            self._note_reached(reply, target)
            try:
                result = self._parse(reply, expect_value, arguments)
            except ProtocolError as error:
                failure = Failure(FailureKind.PROTOCOL, detail=str(error))
            except Exception as error:
                # The reply may be forged by the learner's code: whatever decoding it
                # raises is a reply the grader cannot read, charged to the learner, never
                # the grader's own error.
                failure = Failure(
                    FailureKind.PROTOCOL, detail=f"an unreadable reply ({type(error).__name__})"
                )
            else:
                if isinstance(result, Failure):
                    failure = result
                else:
                    return result, self._take_output()
            if failure.kind.taints_worker:
                self._end_process(lane)
        raise self._error(failure, target)

    def _exchange(
        self, process: _Process, frame: bytes, timeout: float, target: Target, sent: float
    ) -> Any:
        # The round trip, whatever its ending, counts against the time budget.
        try:
            return process.exchange(frame, time.monotonic() + timeout)
        finally:
            used = time.perf_counter() - sent
            self.time_used_s += used
            key = target.subject
            self.time_by_request[key] = self.time_by_request.get(key, 0.0) + used

    def prestart(self) -> None:
        """Start the worker processes now, without waiting for them: their start-up
        (Python, NumPy, the namespaces) then overlaps whatever the caller does next. The
        from-scratch modules' own process only where one of their files is there."""
        self._check_open()
        lanes = [False]
        if any((self.submission_dir / f"{name}.py").is_file() for name in self.from_scratch):
            lanes.insert(0, True)  # its checks come first
        for lane in lanes:
            if self._holder.get(lane) is None:
                self._spawn(lane)

    def _spawn(self, from_scratch: bool) -> _Process:
        if from_scratch in self._started:
            self.restarts += 1
        self._started.add(from_scratch)
        os.ftruncate(self._output_fd, 0)
        # Never the main zygote for from-scratch code: scikit-learn is loaded there; nor
        # scikit-learn's and SciPy's files (where the level can hide them).
        zygote = self.from_scratch_zygote if from_scratch else self.zygote
        confinement = self.confinement
        if from_scratch and confinement is not None:
            confinement = confine.from_scratch(confinement)
        process = _Process(
            self.submission_dir,
            self._output_path,
            self.limits,
            confinement,
            zygote,
            self._new_root,
            self._tmp,
        )
        self._holder.put(from_scratch, process)
        return process

    def _process(self, from_scratch: bool) -> _Process:
        process = self._holder.get(from_scratch)
        if process is not None and process.ready:
            return process
        # A worker that fails to start before any learner code ran is the machine's doing
        # (a fork refused under load, say): started once more before the grader gives up.
        for attempt in range(self.START_ATTEMPTS):
            if process is None:
                process = self._spawn(from_scratch)
            try:
                ready = process.receive(time.monotonic() + self.STARTUP_TIMEOUT_S)
                if ready != {"ready": True}:
                    raise _Garbled("no ready message")
            except (_Timeout, _Died, _Garbled) as error:
                self._end_process(from_scratch)
                output = self._take_output()
                if attempt + 1 < self.START_ATTEMPTS:
                    process = None
                    continue
                raise RuntimeError(
                    f"the sandbox worker did not start ({type(error).__name__.strip('_')}, "
                    f"exit status {process.exit_code}, {self.START_ATTEMPTS} tries): "
                    f"{output[-2000:]}"
                ) from None
            process.ready = True
            return process
        raise AssertionError("unreachable")  # the loop returns or raises

    def _end_process(self, from_scratch: bool) -> None:
        process = self._holder.get(from_scratch)
        self._holder.put(from_scratch, None)
        if process is not None:
            process.end()

    def _death(self, process: _Process) -> Failure:
        status = process.status or 0
        if os.name == "posix" and os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            cpu_spent = process.cpu_s >= self.limits.cpu_s - 0.5
            if number == signal.SIGXCPU or (number == signal.SIGKILL and cpu_spent):
                return Failure(FailureKind.CPU_LIMIT)
            if number == signal.SIGXFSZ:
                return Failure(FailureKind.FILE_SIZE)
            if number == signal.SIGKILL and process.memory_exceeded:
                return Failure(FailureKind.MEMORY)  # the memory cgroup's OOM killer
            return Failure(FailureKind.CRASHED, signal=number)
        return Failure(FailureKind.EXITED, exit_code=status >> 8 & 0xFF)

    def _parse(
        self, reply: Any, expect_value: bool, arguments: tuple[tuple, dict]
    ) -> tuple | Failure | None:
        if type(reply) is not dict or reply.get("id") != self._next_id:
            raise ProtocolError("a reply that does not answer the request")
        if reply.get("ok") is True:
            if not expect_value:
                return None
            return _values(reply, arguments)
        if reply.get("ok") is not False:
            raise ProtocolError("a reply without a status")
        return _failure_from(reply)

    def _error(self, failure: Failure, target: Target) -> StudentCodeError:
        file, line, function = innermost_place(failure)
        # The sentence without the exception's text too, for checks on held-out data.
        textless = dataclasses.replace(failure, message="")
        return StudentCodeError(
            failure.kind,
            self._scrub(failure_message(failure, target, self.limits, self.places)),
            self._take_output(),
            exception_type=failure.exception_type,
            traceback=self._scrub(format_traceback(failure, self.places))
            if failure.exception_type
            else "",
            at_import=target.op == "import",
            file=self._scrub(file),
            line=line,
            function=function,
            without_values=self._scrub(failure_message(textless, target, self.limits, self.places)),
            printed_size=self.printed_size,  # set by _take_output above
        )

    # Output ----------------------------------------------------------------------------

    def _note_printed(self, reply: Any, target: Target) -> None:
        # The worker cut this request's output (it keeps the first and last 8 KB): only
        # for the learner's notice; a forged count costs nothing but that notice.
        printed = reply.get("printed_bytes") if type(reply) is dict else None
        if type(printed) is int and printed > 0:
            target = target.as_seen(self.places)
            what = f"{target.doing} ({target.file})" if target.op == "call" else target.doing
            self.printed_too_much[what] = max(printed, self.printed_too_much.get(what, 0))

    def _note_reached(self, reply: Any, target: Target) -> None:
        # What a from-scratch call reached (scikit-learn, SciPy), for the rule's check.
        if target.module not in self.from_scratch or type(reply) is not dict:
            return
        reached = reply.get("reached")
        if type(reached) is list and reached:
            names = tuple(self._scrub(str(name))[:200] for name in reached[:10])
            key = f"{target.module}.{target.name}" if target.name else target.module
            self.from_scratch_reached[key] = names

    def _take_output(self) -> str:
        """What the request printed (head and tail beyond output_kb); then start afresh.

        The worker writes with O_APPEND, so emptying the file here lets every request
        start at offset 0, and the file-size limit counts one request's output only.
        """
        fd = self._output_fd
        self.printed_size = ""  # how much it printed, where the output was cut
        try:
            size = os.fstat(fd).st_size
            if size == 0:
                return ""
            cap = max(1, self.limits.output_kb) * 1024
            if size <= cap:
                data = os.pread(fd, size, 0)
            else:
                data, self.printed_size = _cut(fd, size, cap // 2)
            os.ftruncate(fd, 0)
        except OSError:
            return ""
        return self._scrub(data.decode("utf-8", "replace"))

    def _scrub(self, text: str) -> str:
        # The learner sees paths relative to the submission, never the grader's temp paths;
        # and control characters as escapes, never raw (a terminal title, a NUL, colours).
        for needle, replacement in self._paths:
            if needle in text:
                text = text.replace(needle, replacement)
        return _CONTROL.sub(lambda found: f"\\x{ord(found.group()):02x}", text)


def _wait_status(code: int) -> int:
    """A wait status for Popen's returncode (-N for signal N); Windows' code as an exit."""
    if os.name == "posix":
        return -code & 0x7F if code < 0 else (code & 0xFF) << 8
    return (code & 0xFF) << 8


def _exit_code(status: int) -> int:
    if hasattr(os, "waitstatus_to_exitcode") and os.name == "posix":
        return os.waitstatus_to_exitcode(status)
    return status >> 8


# Every C0 and C1 control character but tab and newline, and DEL.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# The note the worker writes where it cut a request's output (_bootstrap._OutputBudget).
_WORKER_CUT = re.compile(
    rb"\n\[\.\.\. your code printed ([0-9.]+ [KMG]B|[0-9]+ bytes); the first and last "
    rb"[0-9]+ KB are shown \.\.\.\]\n"
)


def _cut(fd: int, size: int, half: int) -> tuple[bytes, str]:
    """The first and last `half` bytes of the output file with a note between them, and
    how much was printed ("19.5 MB"): the worker's own note, when it cut the output
    already, keeps its count of what was printed."""
    start = os.pread(fd, min(size, OUTPUT_HEAD_BYTES + 256), 0)
    found = _WORKER_CUT.search(start)
    if found is None:
        cut = f"\n[... {size - 2 * half} bytes of output left out ...]\n".encode()
        return os.pread(fd, half, 0) + cut + os.pread(fd, half, size - half), ""
    shown = f"{half // 1024} KB" if half >= 1024 else f"{half} bytes"
    printed = found[1].decode()
    note = f"\n[... your code printed {printed}; the first and last {shown} are shown ...]\n"
    tail_start = max(found.end(), size - half)
    tail = os.pread(fd, size - tail_start, tail_start)
    return start[: min(found.start(), half)] + note.encode() + tail, printed


def _scrub_pairs(submission: Path, scratch: Path) -> list[tuple[str, str]]:
    pairs = [(confine.WORKDIR + os.sep, ""), (confine.WORKDIR, ".")]
    # The Python environment is shown to the worker: its path (inside the kit's checkout,
    # say) is named the same way wherever it is.
    pairs += [(path, "<python>") for path in confine.environment_paths()]
    for folder, name in ((submission, ""), (scratch, "<grader>/")):
        for spelling in {str(folder), os.path.realpath(folder)}:
            pairs.append((spelling + os.sep, name))
            pairs.append((spelling, name.rstrip("/") or "."))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def _reported_duration(reply: Any, timeout: float) -> float:
    """The time the worker says the learner's code took (an import or a call); only
    bookkeeping for the benchmark, never used in grading, so a forged value harms no one."""
    duration = reply.get("duration_s") if type(reply) is dict else None
    if type(duration) is float and 0.0 <= duration <= timeout:
        return duration
    return 0.0


def _encode_argument(value: Any) -> Any:
    try:
        return encode_value(value)
    except ValueRefused as refused:
        raise TypeError(f"cannot send a {refused.type_name} to the worker") from None


def _values(reply: dict, arguments: tuple[tuple, dict]) -> tuple[Any, tuple[str, ...], list, dict]:
    value = decode_value(reply.get("value"))
    if "warnings" not in reply:  # a "get" reply: the value only
        return value, (), [], {}
    warnings = reply.get("warnings")
    if type(warnings) is not list or not all(type(text) is str for text in warnings):
        raise ProtocolError("bad warnings")
    args, kwargs = arguments
    encoded_args = reply.get("args_after")
    encoded_kwargs = reply.get("kwargs_after")
    if (
        type(encoded_args) is not list
        or len(encoded_args) != len(args)
        or type(encoded_kwargs) is not dict
        or type(encoded_kwargs.get("__dict__")) is not list
        or len(encoded_kwargs["__dict__"]) != len(kwargs)
    ):
        raise ProtocolError("bad arguments after the call")
    args_after = [_argument_after(item, arg) for item, arg in zip(encoded_args, args, strict=True)]
    kwargs_after = {}
    for pair in encoded_kwargs["__dict__"]:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str:
            raise ProtocolError("bad arguments after the call")
        if pair[0] not in kwargs:
            raise ProtocolError("bad arguments after the call")
        kwargs_after[pair[0]] = _argument_after(pair[1], kwargs[pair[0]])
    return value, tuple(text[:500] for text in warnings[:100]), args_after, kwargs_after


def _argument_after(encoded: Any, sent: Any) -> Any:
    """An argument as the call left it: the very object sent where the worker says the
    call left it unchanged (_bootstrap.UNCHANGED)."""
    return sent if encoded == UNCHANGED else decode_value(encoded)


def _text(reply: dict, key: str, limit: int = 2000) -> str:
    value = reply.get(key, "")
    if type(value) is not str:
        raise ProtocolError(f"bad {key}")
    return decode_value(value)[:limit]


def _failure_from(reply: dict) -> Failure:
    try:
        kind = FailureKind[reply.get("kind")]  # type: ignore[misc]
    except (KeyError, TypeError):
        raise ProtocolError("an unknown failure kind") from None
    if not kind.reported_by_worker:
        raise ProtocolError("a failure kind the worker cannot know")
    frames = reply.get("frames", [])
    if type(frames) is not list:
        raise ProtocolError("bad frames")
    checked = []
    for frame in frames[-8:]:
        if (
            type(frame) is not list
            or len(frame) != 4
            or type(frame[1]) is not int
            or not all(type(part) is str for part in (frame[0], frame[2], frame[3]))
        ):
            raise ProtocolError("bad frame")
        checked.append((frame[0][:300], frame[1], frame[2][:200], frame[3][:200]))
    line = reply.get("line", 0)
    if type(line) is not int:
        raise ProtocolError("bad line")
    return Failure(
        kind,
        detail=_text(reply, "detail", 200),
        exception_type=_text(reply, "exception_type", 200),
        message=_text(reply, "message"),
        frames=tuple(checked),
        file=_text(reply, "file", 300),
        line=line,
        type_name=_text(reply, "type_name", 200),
    )
