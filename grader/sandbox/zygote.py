"""The grader's side of the zygote (see _zygote.py): start it, ask it for workers, reap.

A Zygote belongs to whoever made it (a grading process makes one and hands it to its
Workers); it dies with that process. Thread-safe: spawns and reaps are serialized.
"""

from __future__ import annotations

import array
import contextlib
import json
import multiprocessing.util
import os
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from grader.sandbox import cgroups, layers
from grader.sandbox._process import CAN_FORK, worker_environment
from grader.sandbox.limits import Limits

# What learner files import at the top (ex4, ex6): imported once in the zygote, not in
# every worker. Each is optional; a module missing here is imported by the worker.
PRELOAD = ("sklearn.linear_model", "sklearn.calibration", "sklearn.metrics")
# The from-scratch file's zygote preloads nothing: its workers hold NumPy (the worker's
# own import) and never scikit-learn or SciPy, not even unreachable in memory.
PRELOAD_FROM_SCRATCH: tuple[str, ...] = ()
READY_TIMEOUT_S = 120.0


class ZygoteError(RuntimeError):
    """The zygote could not start or could not spawn a worker."""


@cache
def zygote_source() -> str:
    return Path(__file__).with_name("_zygote.py").read_text(encoding="utf-8")


def launch_once(
    spec: dict[str, Any], fds: tuple[int, int, int, int], bootstrap_source: str = ""
) -> subprocess.Popen:
    """The cold path: a fresh interpreter that becomes the launcher of one worker tree
    (the same code as a zygote's fork, without the warm-up). Its output goes to fds[2]."""
    spec = {**spec, "fds": list(fds)}
    return subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            zygote_source(),
            "once",
            json.dumps(spec),
            bootstrap_source,
            json.dumps(layers.sources()),
        ],
        env=worker_environment(),
        stdin=subprocess.DEVNULL,
        stdout=fds[2],
        stderr=fds[2],
        pass_fds=fds,
        close_fds=True,
    )


def launch_spawned(
    spec: dict[str, Any], fds: tuple[int, int, int, int], bootstrap_source: str = ""
) -> subprocess.Popen:
    """The launcher for systems without fork: a fresh interpreter that is the worker itself
    (_zygote.py's `spawn` mode, the same _worker and worker loop), at the process level only.

    fds are the same four as for launch_once; the child gets the first three as its stdin,
    stdout and stderr (the only handles Windows passes to a child without Win32 code), and
    the status pipe is unused: the grader is the worker's parent and reads its end from its
    own wait. The worker leads a new session on POSIX, so the tree is killed by its group;
    on Windows it is put in a job object (`popen.job`, see winjob.py) that limits its memory
    and ends every process in it at once.
    """
    if spec.get("namespaces") or spec.get("landlock") or spec.get("seccomp"):
        raise ZygoteError("a worker started afresh runs at the process level only")
    windows = os.name == "nt"
    popen = subprocess.Popen(
        [
            sys.executable,
            "-I",
            "-B",
            "-c",
            zygote_source(),
            "spawn",
            json.dumps(spec),
            bootstrap_source,
            json.dumps(layers.sources()),
        ],
        env=spec["env"],
        cwd=spec["cwd"],
        stdin=fds[0],
        stdout=fds[1],
        stderr=fds[2],
        close_fds=True,
        start_new_session=not windows,
        creationflags=subprocess.CREATE_NEW_PROCESS_GROUP if windows else 0,
    )
    popen.job = None  # type: ignore[attr-defined]
    if windows:
        from grader.sandbox import winjob

        # Before the worker reads its first request: no learner code has run yet.
        popen.job = winjob.confine(popen, spec.get("memory_bytes", 0))  # type: ignore[attr-defined]
    return popen


def use_spawn() -> bool:
    """Whether workers must be started afresh: this Python cannot fork (Windows)."""
    return not CAN_FORK


@dataclass
class _Spare:
    """A launcher made ahead of its worker (_zygote._prepared): it waits on `channel` for
    the worker's spec and descriptors."""

    key: tuple[bool, bool, Limits]  # namespaces, user namespace, limits: what it was made for
    pid: int
    channel: socket.socket
    cgroup: cgroups.WorkerCgroup | None


class Zygote:
    def __init__(
        self, bootstrap_source: str, preload: tuple[str, ...] = PRELOAD, wait: bool = True
    ) -> None:
        """Start the zygote, with `preload` imported; ready when this returns, or (wait=
        False) once wait_ready() has returned. Raises ZygoteError."""
        if not hasattr(os, "pidfd_open") or not sys.platform.startswith("linux"):
            raise ZygoteError("needs Linux with pidfd_open")
        if not CAN_FORK:
            raise ZygoteError("this Python cannot fork")
        self._lock = threading.Lock()
        self._spare_lock = threading.Lock()
        self._spare: _Spare | None = None  # the next worker's launcher, made ahead
        self._last_key: tuple[bool, bool, Limits] | None = None
        self._socket, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            self._popen = subprocess.Popen(
                [
                    sys.executable,
                    "-I",
                    "-B",
                    "-c",
                    zygote_source(),
                    "serve",
                    str(theirs.fileno()),
                    bootstrap_source,
                    ",".join(preload),
                    json.dumps(layers.sources()),
                ],
                env=worker_environment(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                start_new_session=True,
            )
        finally:
            theirs.close()
        self.creator = os.getpid()
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait for the zygote's ready message (its imports done). Raises ZygoteError."""
        self._socket.settimeout(READY_TIMEOUT_S)
        try:
            ready = self._socket.recv(1 << 16)
        except OSError as error:
            self.close()
            raise ZygoteError(f"the zygote did not start ({error})") from None
        if json.loads(ready or b"{}").get("ready") is not True:
            self.close()
            raise ZygoteError("the zygote did not start")
        self._socket.settimeout(30.0)

    def launch(
        self, spec: dict[str, Any], fds: tuple[int, int, int, int], limits: Limits
    ) -> tuple[int, cgroups.WorkerCgroup | None]:
        """A new worker tree, from the launcher made ahead for it (prepare_next) when
        there is one, else from one made now: its cgroup joined, its namespaces entered,
        its init and worker forked, all while the previous worker ran (about 16 ms a
        worker, mostly the kernel moving it into the cgroup, and two forks). Returns the
        launcher's pid (its process group's id) and the worker's cgroup (None where there
        are none). Raises ZygoteError."""
        key = (bool(spec["namespaces"]), bool(spec["user_namespace"]), limits)
        with self._spare_lock:
            spare, self._spare = self._spare, None
        if spare is not None and spare.key != key:
            self._discard(spare)
            spare = None
        if spare is None:
            spare = self._prepare(key)
        spec = {**spec, "cgroup_procs": spare.cgroup.procs if spare.cgroup else []}
        ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
        try:
            spare.channel.sendmsg([json.dumps(spec).encode()], ancillary)
        except OSError as error:
            self._discard(spare)
            raise ZygoteError(f"the worker's launcher is gone ({error})") from None
        spare.channel.close()
        self._last_key = key
        return spare.pid, spare.cgroup

    def prepare_next(self) -> None:
        """Make the next worker's launcher now, like the last one launched, unless one is
        ready: called as a worker ends (in a batch, in the thread that cleans up after it,
        while the reports are written). Never raises: without one, the next launch makes
        its own."""
        key = self._last_key
        if key is None or self._spare is not None:
            return
        with contextlib.suppress(ZygoteError, OSError):
            spare = self._prepare(key)
            with self._spare_lock:
                if self._spare is None:
                    self._spare, spare = spare, None
            if spare is not None:  # another thread made one meanwhile
                self._discard(spare)

    def _prepare(self, key: tuple[bool, bool, Limits]) -> _Spare:
        namespaces, user_namespace, limits = key
        cgroup = None
        if cgroups.available():
            with contextlib.suppress(OSError):
                cgroup = cgroups.WorkerCgroup(limits)
        head = {
            "cgroup_procs": cgroup.procs if cgroup else [],
            "namespaces": namespaces,
            "user_namespace": user_namespace,
        }
        try:
            reply, fds = self._ask(json.dumps({"op": "prepare", "head": head}).encode(), ())
            if "pid" not in reply or len(fds) != 1:
                for fd in fds:
                    os.close(fd)
                raise ZygoteError(f"the zygote could not start a worker: {reply.get('error')}")
        except BaseException:
            if cgroup is not None:
                cgroup.remove()
            raise
        return _Spare(key, int(reply["pid"]), socket.socket(fileno=fds[0]), cgroup)

    def _discard(self, spare: _Spare) -> None:
        """End a launcher made ahead and not used. Its init and worker wait on the
        channel: closed, they exit; the launcher is killed and reaped, and its cgroup
        removed (which kills whatever is still in it)."""
        spare.channel.close()
        with contextlib.suppress(OSError):
            os.kill(spare.pid, signal.SIGKILL)
        self.reap(spare.pid)
        if spare.cgroup is not None:
            spare.cgroup.remove()

    def reap(self, pid: int) -> None:
        """Let the zygote reap a launcher the grader has killed and will not signal again."""
        with contextlib.suppress(ZygoteError, OSError):
            self._ask(json.dumps({"op": "reap", "pid": pid}).encode(), ())

    def _ask(self, message: bytes, fds: tuple[int, ...]) -> tuple[dict, list[int]]:
        """The zygote's reply to `message` (with `fds` attached), and the descriptors that
        came with the reply."""
        if os.getpid() != self.creator:
            raise ZygoteError("a zygote serves only the process that started it")
        received = array.array("i")
        with self._lock:
            ancillary = []
            if fds:
                ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
            try:
                self._socket.sendmsg([message], ancillary)
                reply, extra, _, _ = self._socket.recvmsg(
                    1 << 16, socket.CMSG_SPACE(received.itemsize)
                )
            except OSError as error:
                raise ZygoteError(f"the zygote is gone ({error})") from None
        for level, kind, data in extra:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                received.frombytes(data[: len(data) - len(data) % received.itemsize])
        if not reply:
            for fd in received:
                os.close(fd)
            raise ZygoteError("the zygote is gone")
        return json.loads(reply), list(received)

    def alive(self) -> bool:
        return self._popen.poll() is None

    def close(self) -> None:
        with self._spare_lock:
            spare, self._spare = self._spare, None
        if spare is not None:
            self._discard(spare)
        with contextlib.suppress(OSError):
            self._socket.close()
        if self._popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._popen.pid, signal.SIGKILL)
            self._popen.wait()

    def __enter__(self) -> Zygote:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class WarmWorkers:
    """The zygotes of one grading process, started on first use (both at once) and shared
    by every copy of that process's grading context; None (cold starts) where they cannot
    run. The main zygote has scikit-learn loaded (PRELOAD); the from-scratch file's has
    not (PRELOAD_FROM_SCRATCH), so that code run there cannot find it in memory."""

    def __init__(self, bootstrap_source: str, enabled: bool = True) -> None:
        self._bootstrap_source = bootstrap_source
        self.enabled = enabled
        self.problem = ""  # why there is no zygote, once one failed to start
        self._zygotes: dict[str, Zygote] = {}
        self._closes_at_exit = False

    def zygote(self) -> Zygote | None:
        return self._get("main")

    def from_scratch_zygote(self) -> Zygote | None:
        return self._get("from_scratch")

    def _get(self, which: str) -> Zygote | None:
        if not self.enabled or self.problem:
            return None
        zygote = self._zygotes.get(which)
        if zygote is not None and zygote.alive():
            return zygote
        wanted = [name for name in _PRELOADS if which == name or name not in self._zygotes]
        started: dict[str, Zygote] = {}
        try:
            for name in wanted:  # both start at once: their imports overlap
                old = self._zygotes.pop(name, None)
                if old is not None:
                    old.close()
                started[name] = Zygote(self._bootstrap_source, _PRELOADS[name], wait=False)
            for zygote in started.values():
                zygote.wait_ready()
        except (ZygoteError, OSError) as error:
            self.problem = str(error)
            for zygote in started.values():
                zygote.close()
            self.close()
            return None
        self._zygotes.update(started)
        if not self._closes_at_exit:
            # The zygotes hold the next workers' launchers and their cgroups, made ahead:
            # closed as this process exits, a batch's grading process included (those
            # end through os._exit, which skips atexit but not these finalizers).
            multiprocessing.util.Finalize(None, self.close, exitpriority=10)
            self._closes_at_exit = True
        return self._zygotes[which]

    def close(self) -> None:
        zygotes, self._zygotes = self._zygotes, {}
        for zygote in zygotes.values():
            zygote.close()


_PRELOADS = {"main": PRELOAD, "from_scratch": PRELOAD_FROM_SCRATCH}
