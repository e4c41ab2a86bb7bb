"""What kept learner code apart from the grader, stated honestly in every report.

`isolation_report` describes a worker's stack (confine.Stack) for this machine: the
level, what is in force and what is missing (for the instructor), and one plain sentence
for learners, which never says what their code could reach. `announcement` is the line
`grade`, `check` and the Gradescope run print on stderr before grading.
"""

from __future__ import annotations

import os
import sys

from grader.results import Isolation
from grader.sandbox import _process, cgroups, probe
from grader.sandbox.confine import Confinement, Stack
from grader.sandbox.limits import Limits

LEVEL_NAMESPACES = "namespaces"
LEVEL_LANDLOCK = "landlock"
LEVEL_PROCESS = "process"


def stack_of(confinement: Confinement | None) -> Stack:
    """The stack a Worker with this confinement runs under on this machine."""
    if confinement is None:
        return Stack(LEVEL_PROCESS)
    if confinement.stack is not None:
        return confinement.stack
    stack = probe.best().stack
    assert stack is not None
    return stack


def isolation_report(
    limits: Limits | None = None,
    confinement: Confinement | None = Confinement(),  # noqa: B008
    warm: bool = False,
) -> Isolation:
    """The protections a Worker with these settings has in force on this machine, and
    those it lacks. The same stack decides what the Worker does, so the two agree."""
    limits = limits or Limits()
    stack = stack_of(confinement)
    in_force = [
        "a separate worker process per submission, run as `python -I` in a private copy of "
        "the submission: no PYTHONPATH, no user site, the grader's package not importable",
        "an empty environment (thread counts and locale only) and stdin from /dev/null",
        "values come back as plain data (JSON and .npy without pickle); nothing the learner's "
        "code returns is unpickled or evaluated",
        f"a wall-clock limit of {limits.call_timeout_s:g} s per call, enforced by killing "
        "the worker",
        "the worker's process group and every process below it are killed after a timeout, a "
        "crash, and when the submission is done",
    ]
    missing: list[str] = []
    if _process.resource is not None:
        in_force.append(
            f"resource limits: {limits.memory_mb} MB of address space, {limits.cpu_s} s of "
            f"CPU, files and output up to {limits.file_size_mb} MB, {limits.open_files} open "
            f"files, {limits.processes} processes, no core dumps"
        )
    else:
        missing.append(
            "resource limits (CPU time, file size, open files, processes): this system has "
            "no `resource` module"
        )
    if not _process.CAN_FORK:
        in_force.append("each worker is a fresh interpreter started afresh (no fork here)")
        job = _job_object_problem()
        if job:
            missing.append(f"a memory limit: {job}")
        elif os.name == "nt":
            in_force.append(
                f"a job object: the worker and its processes hold at most {limits.memory_mb} MB "
                "together, and all of them end at once"
            )
    if warm:
        in_force.append(
            "each worker is a fresh fork of a warm process that has loaded NumPy and "
            "scikit-learn and never runs learner code: nothing of one submission reaches another"
        )
    if os.name == "posix" and os.uname().sysname == "Linux":
        in_force.append("no capabilities and no new privileges: setuid programs gain nothing")
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
    in_force_more, missing_more = _layers(stack)
    return Isolation(
        level=stack.level,
        in_force=(*in_force, *in_force_more),
        missing=(*missing, *missing_more),
        summary=learner_sentence(stack, limits),
    )


def _layers(stack: Stack) -> tuple[list[str], list[str]]:
    in_force: list[str] = []
    missing: list[str] = []
    finding = probe.finding(stack.level)
    if stack.namespaces:
        how = "through a user namespace (the grader is not root)" if stack.user_namespace else ""
        in_force += [
            f"mount, network and PID namespaces {how}".strip(),
            "network namespace: no network at all, not even the machine's own loopback",
            "a new root made of the system's and Python's folders, read-only, and of /etc only "
            "what Python reads: the kit (solutions, grader, rubric), the output folder, the "
            "other submissions and the host's secrets are not there at all; /tmp, /var/tmp "
            "and /dev/shm are private and thrown away; the only other writable folder is the "
            "submission's private copy",
            "PID namespace: the learner's code sees only its own processes, and all of them "
            "(double-forked, setsid, signal-ignoring) die with the worker",
        ]
    else:
        reason = probe.finding(LEVEL_NAMESPACES).reason if _linux() else "not Linux"
        missing.append(
            "a network namespace, a mount namespace and a PID namespace"
            + (f" ({reason})" if reason else " (not chosen)")
        )
    if stack.landlock:
        in_force.append(
            f"Landlock (ABI {stack.landlock}): files can be read only in the system's and "
            "Python's folders and written only in the private copy and a private scratch "
            "folder"
            + ("; no TCP bind or connect" if stack.landlock >= 4 else "")
            + ("; no signals or abstract sockets outside the worker" if stack.landlock >= 6 else "")
        )
    elif not stack.namespaces:
        missing.append(
            "a file-system barrier: the learner's code can read any file the grader can, "
            "including solutions/ and other submissions, and write wherever the grader can"
        )
    if stack.seccomp:
        in_force.append(
            "a seccomp filter: no Internet, packet or netlink sockets, no ptrace, mount, "
            "namespaces, bpf, perf_event_open or keyring calls"
        )
    if not stack.namespaces and not (stack.landlock >= 4 or stack.seccomp):
        missing.append("network isolation: the learner's code can reach the network")
    if not stack.namespaces:
        missing.append(
            "a PID namespace: the learner's code can see other processes (and their command "
            "lines); a process that leaves the worker's session and outlives it is found "
            "only while the worker lives"
        )
    root = _linux() and os.geteuid() == 0
    if stack.drop_uid:
        in_force.append("an unprivileged user: the learner's code runs as uid/gid 65534")
    elif stack.user_namespace:
        in_force.append("the grader's own unprivileged uid (uid 0 inside the user namespace only)")
    elif root:
        missing.append(
            "an unprivileged user: the learner's code runs as uid 0 without capabilities; the "
            "kernel does not apply RLIMIT_NPROC to uid 0"
            + (" (the pids cgroup does)" if "pids" in cgroups.available() else "")
        )
    elif not stack.namespaces and not stack.landlock:
        missing.append(
            "a separate user: the learner's code runs as the grader's user and can write "
            "wherever the grader can"
        )
    missing += [item for item in finding.left_out if not item.startswith(probe.UID_KEPT)]
    return in_force, missing


def _linux() -> bool:
    return os.name == "posix" and os.uname().sysname == "Linux"


def _job_object_problem() -> str:
    """Why a worker started afresh has no memory limit here ('' where it has one)."""
    if _process.resource is not None or "memory" in cgroups.available():
        return ""  # RLIMIT_AS set by the worker itself, or the memory cgroup
    if os.name != "nt":
        return "this system has neither the `resource` module nor job objects"
    from grader.sandbox import winjob

    return winjob.available()


def learner_sentence(stack: Stack, limits: Limits) -> str:
    """One plain sentence for learners: what their code ran in, never what it could reach,
    nor how (no layer names); a missing memory limit is said in a few plain words."""
    if stack.namespaces or stack.landlock >= 4 or stack.seccomp:
        where = "a sandbox without network"
    elif stack.landlock:
        where = "a sandbox"
    else:
        where = "a separate process"
    memory = " (no memory limit on this computer)" if _job_object_problem() else ""
    return f"Your code ran in {where}, with a {limits.call_timeout_s:g} s limit per call{memory}."


def announce_for_learner(requested: str) -> None:
    """`check`'s counterpart of announce: the level is resolved (a level this machine cannot
    give is refused in one line) but nothing is printed: the learner's one sentence ends the
    self-check, and the instructor's detail is in results.json (extra_data.isolation)."""
    probe.resolve(requested)


def announce(requested: str) -> None:
    """Print the announcement for the level `requested` resolves to, once, on stderr."""
    print(announcement(probe.resolve(requested), requested), file=sys.stderr, flush=True)


def announcement(found: probe.Finding, requested: str) -> str:
    """What `grade`, `check` and the Gradescope run print on stderr before grading: the
    level in force and, below the strongest this OS could give, what is missing and why."""
    stack = found.stack
    assert stack is not None
    layers = []
    if stack.user_namespace and stack.namespaces:
        layers.append("user namespace")
    if stack.landlock:
        layers.append(f"Landlock ABI {stack.landlock}")
    if stack.seccomp:
        layers.append("seccomp")
    if stack.drop_uid:
        layers.append("uid 65534")
    line = f"isolation: {stack.level}" + (f" ({', '.join(layers)})" if layers else "")
    notes = list(found.left_out)
    if stack.level != probe.LEVELS[0]:
        strongest = probe.finding(probe.LEVELS[0])
        reason = strongest.reason or "not available"
        if requested == "best":
            notes.insert(0, f"namespaces unavailable: {reason}")
        else:
            notes.insert(0, f"chosen with --isolation={requested}")
    if stack.level == LEVEL_PROCESS:
        notes.append(
            "WARNING: learner code can read any file you can (solutions, other submissions) "
            "and reach the network"
        )
    return line + ("; " + "; ".join(notes) if notes else "")
