"""The sandbox's mechanisms, one module each, applied in the launcher and the worker.

Each module here uses the standard library only (plus libseccomp through `pyseccomp`,
where installed) and imports nothing of the grader: the zygote and the cold launcher
load them from their source text (`sources()`), because the grader's package is never
importable where learner code runs. Every module has `apply`-style functions for the
launcher and a cheap `available()` that says whether this machine offers the mechanism;
`grader/sandbox/probe.py` tries the whole stack for real and picks the strongest.

    namespaces   unshare: mount, network and PID namespaces, and a user namespace
                 where the grader is not root (uid/gid maps, setgroups denied)
    mounts       the new root built from an allow-list, pivot_root, read-only
    privileges   no capabilities, no new privileges, an unprivileged uid/gid
    landlock     the file system (and TCP, signals, abstract sockets) restricted by
                 the Landlock LSM, without namespaces or root
    syscalls     a seccomp filter against the system calls that leave a sandbox
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

#: In the order the launcher needs them (later modules never import earlier ones).
MODULES = ("namespaces", "mounts", "privileges", "landlock", "syscalls")


@cache
def sources() -> dict[str, str]:
    """module name -> its source text, for a process that cannot import the grader."""
    folder = Path(__file__).parent
    return {name: (folder / f"{name}.py").read_text(encoding="utf-8") for name in MODULES}
