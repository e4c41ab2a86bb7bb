"""What kept learner code apart from the grader, stated honestly in every report."""

from __future__ import annotations

import os

from grader.results import Isolation
from grader.sandbox import _process, cgroups, confine
from grader.sandbox.confine import Confinement
from grader.sandbox.limits import Limits

LEVEL_NAMESPACES = "namespaces"  # PID, network and mount namespaces, no capabilities
LEVEL_PROCESS = "process"  # a separate, limited process only


def isolation_report(
    limits: Limits | None = None,
    confinement: Confinement | None = Confinement(),  # noqa: B008
    warm: bool = False,
) -> Isolation:
    """The protections a Worker with these settings has in force on this machine, and
    those it lacks. The same probe decides what the Worker does, so the two agree."""
    limits = limits or Limits()
    support = confine.probe()
    namespaces = bool(confinement and confinement.namespaces and support.namespaces)
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
    missing: list[str] = []
    if warm:
        in_force.append(
            "each worker is a fresh fork of a warm process that has loaded NumPy and "
            "scikit-learn and never runs learner code: nothing of one submission reaches another"
        )
    if _process.PRCTL is not None:
        in_force.append("no new privileges: setuid programs gain nothing")
    controllers = cgroups.available()
    if "pids" in controllers:
        in_force.append(f"a pids cgroup: at most {limits.processes} processes, whoever runs them")
    if "memory" in controllers:
        in_force.append(
            f"a memory cgroup: the worker and all its processes together hold at most "
            f"{limits.memory_mb} MB, its private /tmp included"
        )
    else:
        missing.append(
            f"a memory cgroup: the {limits.memory_mb} MB address-space limit holds per "
            "process, so a worker that forks can hold more in all"
        )
    if namespaces:
        in_force += [
            "network namespace: no network at all, not even the machine's own loopback",
            "mount namespace with a new root made of the system's and Python's folders, "
            "read-only: the kit (solutions, grader, rubric), the output folder and the other "
            "submissions are not there at all; /tmp, /var/tmp and /dev/shm are private and "
            "thrown away; the only other writable folder is the submission's private copy",
            "PID namespace: the learner's code sees only its own processes, and all of them "
            "(double-forked, setsid, signal-ignoring) die with the worker",
            "no capabilities: the learner's code cannot remount, unmount or leave any of this",
        ]
    else:
        reason = f" ({support.reason})" if support.reason and confinement else ""
        if confinement is None or not confinement.namespaces:
            reason = " (turned off)"
        missing += [
            f"network namespace{reason}: the learner's code can reach the network",
            "mount namespace: the learner's code can read any file the grader can, including "
            "solutions/ and other submissions, and write wherever the grader can",
            "PID namespace: the learner's code can see other processes (and their command "
            "lines); a process that leaves the worker's session and outlives the worker itself "
            "is not found and killed",
        ]
    if root:
        missing.append(
            "unprivileged user: the learner's code runs as uid 0"
            + (" without capabilities" if namespaces else ", which may raise its own limits")
            + "; the kernel does not apply RLIMIT_NPROC to uid 0"
            + (" (the pids cgroup does)" if "pids" in controllers else "")
        )
    elif not namespaces:
        missing.append(
            "a separate user: the learner's code runs as the grader's user and can write "
            "wherever the grader can"
        )
    return Isolation(
        level=LEVEL_NAMESPACES if namespaces else LEVEL_PROCESS,
        in_force=tuple(in_force),
        missing=tuple(missing),
    )
