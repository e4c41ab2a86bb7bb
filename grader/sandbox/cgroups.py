"""A cgroup (v1) per worker: all its processes together hold at most `processes` pids and
`memory_mb` of memory (its private tmpfs included), where the machine lets us make one.

RLIMIT_AS and RLIMIT_NPROC are per process and per user (and root ignores the latter): a
worker that forks could multiply its memory, and as root its processes. The groups are
made below the grader's own groups, so whatever limits the machine puts on the grader
still hold. Where cgroups cannot be written (no root, cgroup v2 without delegation), the
worker runs without them and the report says so.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import secrets
import signal
import sys
import time
from pathlib import Path

from grader.sandbox.limits import Limits

V1_ROOT = Path("/sys/fs/cgroup")
CONTROLLERS = ("pids", "memory")


def _own_path(controller: str) -> str | None:
    """The grader's own group of a v1 controller, from /proc/self/cgroup."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return path
    return None


def _base(controller: str) -> Path | None:
    own = _own_path(controller)
    if own is None:
        return None
    base = V1_ROOT / controller / own.lstrip("/")
    return base if (base / "cgroup.procs").exists() else None


@functools.cache
def available() -> tuple[str, ...]:
    """The controllers a worker's group can use here, found by trying once (Linux, as
    root; none elsewhere: Windows has no os.geteuid at all)."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        return ()
    found = []
    for controller in CONTROLLERS:
        base = _base(controller)
        if base is None:
            continue
        trial = base / f"grader-probe-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            trial.mkdir()
        except OSError:
            continue
        with contextlib.suppress(OSError):
            trial.rmdir()
        found.append(controller)
    return tuple(found)


class WorkerCgroup:
    """One group per available controller, with the worker's limits written in."""

    def __init__(self, limits: Limits) -> None:
        name = f"grader-{os.getpid()}-{secrets.token_hex(4)}"
        self.paths: list[Path] = []
        try:
            for controller in available():
                base = _base(controller)
                if base is None:
                    continue
                path = base / name
                path.mkdir()
                self.paths.append(path)
                if controller == "pids":
                    (path / "pids.max").write_text(str(limits.processes))
                else:
                    (path / "memory.limit_in_bytes").write_text(str(limits.memory_mb << 20))
                    swap = path / "memory.memsw.limit_in_bytes"
                    if swap.exists():  # no escape into swap either
                        swap.write_text(str(limits.memory_mb << 20))
        except OSError:
            self.remove()
            raise
        self.procs = [str(path / "cgroup.procs") for path in self.paths]
        self.memory_exceeded = False

    @property
    def controllers(self) -> tuple[str, ...]:
        return tuple(_controller(path) for path in self.paths)

    def join_from_child(self) -> None:
        """Called in a child between fork and exec: move it (and its future children)."""
        for procs in self.procs:
            with open(procs, "w") as handle:
                handle.write(str(os.getpid()))

    def members(self) -> set[int]:
        found: set[int] = set()
        for procs in self.procs:
            with contextlib.suppress(OSError, ValueError):
                found |= {int(word) for word in Path(procs).read_text().split()}
        return found

    def hit_memory_limit(self) -> bool:
        for path in self.paths:
            failures = path / "memory.failcnt"
            with contextlib.suppress(OSError, ValueError):
                if int(failures.read_text()) > 0:
                    return True
        return False

    def remove(self) -> None:
        """Kill whatever is left in the groups, note a memory failure, remove them."""
        self.memory_exceeded = self.memory_exceeded or self.hit_memory_limit()
        deadline = time.monotonic() + 5.0
        for path in self.paths:
            while True:
                with contextlib.suppress(OSError, ValueError):
                    for pid in {int(word) for word in (path / "cgroup.procs").read_text().split()}:
                        with contextlib.suppress(ProcessLookupError, PermissionError):
                            os.kill(pid, signal.SIGKILL)
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        break  # left for the machine's owner; never block grading on it
                    time.sleep(0.005)
        self.paths = []
        self.procs = []


_OURS = re.compile(r"grader-(?P<creator>[0-9]+)-[0-9a-f]+")


def remove_abandoned() -> int:
    """Remove the worker groups whose creator (the grading process named in the group's
    name) is gone: a grading process killed before its clean-up (Ctrl-C stops a batch with
    SIGKILL) cannot remove its groups itself. A group that still holds a process is left
    alone (rmdir refuses it); so is every group of a live creator. Returns how many went."""
    removed = 0
    for controller in available():
        base = _base(controller)
        if base is None:
            continue
        with contextlib.suppress(OSError):
            for entry in base.iterdir():
                found = _OURS.fullmatch(entry.name)
                if found is None or _alive(int(found["creator"])):
                    continue
                with contextlib.suppress(OSError):
                    entry.rmdir()
                    removed += 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # someone else's: alive
    return True


def _controller(path: Path) -> str:
    for controller in CONTROLLERS:
        if (V1_ROOT / controller) in path.parents:
            return controller
    return "?"
