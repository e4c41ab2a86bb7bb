"""What kept learner code apart from the grader, stated honestly in every report."""

from __future__ import annotations

import os

from grader.results import Isolation
from grader.sandbox import _process
from grader.sandbox.limits import Limits


def isolation_report(limits: Limits | None = None) -> Isolation:
    """The protections a Worker has in force on this machine, and those it lacks.

    Level "process": a separate, limited process; no namespaces yet.
    """
    limits = limits or Limits()
    root = os.geteuid() == 0
    in_force = [
        "a separate worker process per submission, run as `python -I` in a private copy of "
        "the submission: no PYTHONPATH, no user site, the grader's package not importable",
        "an empty environment (thread counts and locale only) and stdin from /dev/null",
        "values come back as plain data (JSON and .npy without pickle); nothing the learner's "
        "code returns is unpickled or evaluated",
        f"a wall-clock limit of {limits.call_timeout_s:g} s per call, enforced with SIGKILL",
        "the worker's process group and every process below it are killed after a timeout, a "
        "crash, and when the submission is done",
        f"resource limits: {limits.memory_mb} MB of address space, {limits.cpu_s} s of CPU, "
        f"files and output up to {limits.file_size_mb} MB, {limits.open_files} open files, "
        f"{limits.processes} processes, no core dumps",
    ]
    if _process.PRCTL is not None:
        in_force.append("no new privileges: setuid programs gain nothing")
    missing = [
        "network namespace: the learner's code can reach the network",
        "mount namespace: the learner's code can read any file the grader can, including "
        "solutions/ and other submissions",
        "PID namespace: the learner's code can see other processes (and their command "
        "lines); a process that leaves the worker's session and outlives the worker itself "
        "is not found and killed",
    ]
    if root:
        missing.append(
            "unprivileged user: the learner's code runs as root, which may raise its own "
            "resource limits; the process limit (RLIMIT_NPROC) is not enforced for root"
        )
    else:
        missing.append(
            "a separate user: the learner's code runs as the grader's user and can write "
            "wherever the grader can"
        )
    return Isolation(level="process", in_force=tuple(in_force), missing=tuple(missing))
