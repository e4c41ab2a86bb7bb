"""A worker's environment and limits, and killing everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable

from grader.sandbox.limits import Limits

try:
    import resource
except ImportError:  # Windows (and Pythons built without it): no rlimits, said in the report
    resource = None  # type: ignore[assignment]

#: Whether this Python can fork. Without fork (Windows) every worker is started afresh
#: (zygote.launch_spawned) at the process level; with it, through the launcher's forks.
CAN_FORK = hasattr(os, "fork")

# The worker's whole environment. Under -I the interpreter itself ignores PYTHON*
# variables (the worker applies their effect itself); they stay for processes it starts.
BASE_ENVIRONMENT = {
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "LC_ALL": "C.UTF-8",
    "PYTHONIOENCODING": "utf-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}
# Some OpenBLAS builds crash without these on this kind of machine: passed on when set.
# Windows' Python cannot start without SYSTEMROOT (its random source and DLLs need it).
COPIED_FROM_PARENT = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE", "SYSTEMROOT")


def worker_environment() -> dict[str, str]:
    env = dict(BASE_ENVIRONMENT)
    for name in COPIED_FROM_PARENT:
        if name in os.environ:
            env[name] = os.environ[name]
    return env


def rlimits(limits: Limits) -> list[tuple[int, tuple[int, int]]]:
    """(resource, (soft, hard)) pairs, never above the grader's own hard limits; none
    where the system has no `resource` module (Windows: a job object holds the memory)."""
    if resource is None:
        return []
    wanted = [
        (resource.RLIMIT_AS, limits.memory_mb << 20, limits.memory_mb << 20),
        # The soft limit sends SIGXCPU; the hard one, a little later, SIGKILL.
        (resource.RLIMIT_CPU, limits.cpu_s, limits.cpu_s + 2),
        (resource.RLIMIT_FSIZE, limits.file_size_mb << 20, limits.file_size_mb << 20),
        (resource.RLIMIT_NPROC, limits.processes, limits.processes),
        (resource.RLIMIT_NOFILE, limits.open_files, limits.open_files),
        (resource.RLIMIT_CORE, 0, 0),
    ]
    result = []
    for which, soft, hard in wanted:
        _, current_hard = resource.getrlimit(which)
        if current_hard != resource.RLIM_INFINITY:
            hard = min(hard, current_hard)
            soft = min(soft, hard)
        result.append((which, (soft, hard)))
    return result


# --- finding and killing ---------------------------------------------------------------


def process_table() -> dict[int, tuple[int, int, int]]:
    """pid -> (ppid, process group, session) of every process /proc shows."""
    table = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return table
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # "pid (comm) state ppid pgrp session ..."; comm may hold spaces and parentheses.
        fields = stat[stat.rfind(b")") + 2 :].split()
        with contextlib.suppress(ValueError, IndexError):
            table[int(entry)] = (int(fields[1]), int(fields[2]), int(fields[3]))
    return table


def _members(root: int, table: dict[int, tuple[int, int, int]]) -> set[int]:
    """The root's descendants, and whatever is still in its process group or session."""
    children: dict[int, list[int]] = {}
    found = set()
    for pid, (ppid, pgrp, session) in table.items():
        children.setdefault(ppid, []).append(pid)
        if root in (pgrp, session):
            found.add(pid)
    # Walk below the root and below every member of its group or session: the launcher's
    # children share its session, and their children may not.
    stack = [root, *found]
    while stack:
        for child in children.get(stack.pop(), ()):
            if child not in found:
                found.add(child)
                stack.append(child)
    found.discard(os.getpid())  # never the grader, whatever /proc says
    return found


def _signal(pid: int, number: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError, OSError):
        os.kill(pid, number)


def kill_tree(root: int) -> None:
    """SIGKILL the worker `root`, its process group and every descendant, and wait until
    they are dead (see stop_tree)."""
    wait_dead(stop_tree(root))


def stop_tree(root: int, members: Callable[[], set[int]] | None = None) -> set[int]:
    """SIGKILL the worker `root`, its process group and every descendant, without waiting
    for them to die; returns their pids, for wait_dead. Once this returns, none of them
    runs another instruction of its own (stopped, then killed).

    Freeze first (SIGSTOP) and look again until no new process appears, so nothing can
    fork its way out between the look and the kill. The worker is a child subreaper, so
    descendants that double-forked or called setsid are still below it while it lives.
    `members`, where the tree has a cgroup, lists its processes (none can leave it):
    looked at instead of the whole process table (1 ms or more a look, twice a worker).
    """
    if not hasattr(os, "killpg"):  # Windows: the worker's job object ends the whole tree
        _signal(root, signal.SIGTERM)  # TerminateProcess, for a worker outside any job
        return {root}
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root, signal.SIGSTOP)
    _signal(root, signal.SIGSTOP)
    frozen = {root}
    for _ in range(1000):  # ends when a pass finds nothing new; bounded all the same
        listed = members() if members is not None else set()
        if not listed:  # no cgroup, or it cannot be read: the process table, then
            listed = _members(root, process_table())
        new = listed - frozen
        if not new:
            break
        for pid in new:
            _signal(pid, signal.SIGSTOP)
        frozen |= new
    for pid in frozen:
        _signal(pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(root, signal.SIGKILL)
    return frozen


def wait_dead(pids: set[int], timeout_s: float = 5.0) -> None:
    """Wait (at most timeout_s) until every one of pids is gone or a zombie."""
    # SIGKILL takes effect when the process next runs: wait, so that "closed" means dead.
    deadline = time.monotonic() + timeout_s
    pending = set(pids)
    while pending and time.monotonic() < deadline:
        pending = {pid for pid in pending if _running(pid)}
        if pending:
            time.sleep(0.001)


def _running(pid: int) -> bool:
    """True unless the process is gone or a zombie (dead, waiting to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


def descendants(root: int) -> list[int]:
    """Every live process below `root` (children before grandchildren), from /proc."""
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _) in process_table().items():
        children.setdefault(ppid, []).append(pid)
    found, queue = [], [root]
    while queue:
        for child in children.get(queue.pop(0), []):
            found.append(child)
            queue.append(child)
    return found
