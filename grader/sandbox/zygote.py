"""The grader's side of the zygote (see _zygote.py): start it, ask it for workers, reap.

A Zygote belongs to whoever made it (a grading process makes one and hands it to its
Workers); it dies with that process. Thread-safe: spawns and reaps are serialized.
"""

from __future__ import annotations

import array
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from functools import cache
from pathlib import Path
from typing import Any

from grader.sandbox import layers
from grader.sandbox._process import CAN_FORK, worker_environment

# What learner files import at the top (ex4, ex6): imported once in the zygote, not in
# every worker. Each is optional; a module missing here is imported by the worker.
PRELOAD = ("sklearn.linear_model", "sklearn.calibration", "sklearn.metrics")
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


class Zygote:
    def __init__(self, bootstrap_source: str, preload: tuple[str, ...] = PRELOAD) -> None:
        if not hasattr(os, "pidfd_open") or not sys.platform.startswith("linux"):
            raise ZygoteError("needs Linux with pidfd_open")
        if not CAN_FORK:
            raise ZygoteError("this Python cannot fork")
        self._lock = threading.Lock()
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
        self.creator = os.getpid()

    def spawn(self, spec: dict[str, Any], fds: tuple[int, int, int, int]) -> int:
        """A new worker tree; returns its launcher's pid (its process group's id)."""
        reply = self._ask(json.dumps(spec).encode(), fds)
        if "pid" not in reply:
            raise ZygoteError(f"the zygote could not start a worker: {reply.get('error')}")
        return int(reply["pid"])

    def reap(self, pid: int) -> None:
        """Let the zygote reap a launcher the grader has killed and will not signal again."""
        with contextlib.suppress(ZygoteError, OSError):
            self._ask(json.dumps({"op": "reap", "pid": pid}).encode(), ())

    def _ask(self, message: bytes, fds: tuple[int, ...]) -> dict:
        if os.getpid() != self.creator:
            raise ZygoteError("a zygote serves only the process that started it")
        with self._lock:
            ancillary = []
            if fds:
                ancillary = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))]
            try:
                self._socket.sendmsg([message], ancillary)
                reply = self._socket.recv(1 << 16)
            except OSError as error:
                raise ZygoteError(f"the zygote is gone ({error})") from None
        if not reply:
            raise ZygoteError("the zygote is gone")
        return json.loads(reply)

    def alive(self) -> bool:
        return self._popen.poll() is None

    def close(self) -> None:
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
    """The zygote of one grading process, started on first use and shared by every copy
    of that process's grading context; None (cold starts) where it cannot run."""

    def __init__(self, bootstrap_source: str, enabled: bool = True) -> None:
        self._bootstrap_source = bootstrap_source
        self.enabled = enabled
        self.problem = ""  # why there is no zygote, once one failed to start
        self._zygote: Zygote | None = None

    def zygote(self) -> Zygote | None:
        if not self.enabled or self.problem:
            return None
        if self._zygote is not None and self._zygote.alive():
            return self._zygote
        try:
            self._zygote = Zygote(self._bootstrap_source)
        except (ZygoteError, OSError) as error:
            self.problem = str(error)
            self._zygote = None
        return self._zygote

    def close(self) -> None:
        if self._zygote is not None:
            self._zygote.close()
            self._zygote = None
