"""What confines a worker: the stack of layers in force, and the launcher's spec for it.

A `Stack` says which mechanisms (grader/sandbox/layers/) a worker gets; the probe
(probe.py) finds the strongest one this machine gives, once per process. `launch_spec`
turns a stack, the limits and the worker's folders into the plain data the launcher
(_zygote.py, warm or cold) needs.

What a confined worker sees is an allow-list, `shown_paths()`: the system's programs and
libraries, Python and its packages, and of /etc only what Python and its libraries read
(`ETC_SHOWN`: no shadow, no host keys, no machine secrets). With namespaces only these
exist in its new root; with Landlock only these can be opened. A path to hide that lies
inside a shown one (the kit inside a virtual environment, the grader's installed
package) is covered (namespaces) or left out of the rules (Landlock).
"""

from __future__ import annotations

import contextlib
import functools
import os
import site
import sys
import sysconfig
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from grader.sandbox import _process
from grader.sandbox.layers import privileges
from grader.sandbox.limits import Limits

WORKDIR = "/tmp/submission"  # where the learner's code sees its folder, with namespaces
SCRATCH_SIZE_MB = 64  # each private tmpfs (charged to the worker's memory cgroup)
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# What Python, libc and NumPy/SciPy read of /etc; nothing that holds a secret.
ETC_SHOWN = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/nsswitch.conf",
    "/etc/passwd",
    "/etc/group",
    "/etc/hosts",
    "/etc/mime.types",
)
DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# Landlock without namespaces: harmless system facts that libraries read (CPU counts).
HOST_FACTS = ("/proc/cpuinfo", "/proc/meminfo", "/sys/devices/system/cpu")
GRADER_PACKAGE = Path(__file__).resolve().parents[1]  # never readable by learner code


@dataclass(frozen=True)
class Stack:
    """The layers a worker gets. `level` names the strongest file-system barrier:
    "namespaces" (a new root), "landlock" (the LSM only) or "process" (neither)."""

    level: str = "process"
    user_namespace: bool = False  # namespaces made through a user namespace (not root)
    landlock: int = 0  # the Landlock ABI version applied (0: none)
    seccomp: bool = False
    drop_uid: bool = False  # root only: the worker runs as uid/gid 65534

    @property
    def namespaces(self) -> bool:
        return self.level == "namespaces"


@dataclass(frozen=True)
class Confinement:
    """What a worker must not see, and the stack to run it under.

    Only what `shown_paths()` lists is visible to a confined worker; `hidden` matters
    where it lies inside one of those."""

    hidden: tuple[Path, ...] = ()
    stack: Stack | None = None  # None: the strongest this machine gives (probe.best())


@functools.cache
def shown_paths() -> tuple[str, ...]:
    """What a confined worker may read: the system and this Python, nothing else."""
    paths = [path for path in SYSTEM_PATHS if os.path.lexists(path)]
    python = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix]
    python += [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    with contextlib.suppress(AttributeError):
        python += site.getsitepackages()
    python.append(os.path.dirname(os.path.realpath(sys.executable)))
    for path in python:
        real = os.path.realpath(path)
        if os.path.isdir(real) and not any(_within(real, shown) for shown in paths):
            paths = [shown for shown in paths if not _within(shown, real)] + [real]
    opened = [entry for path in paths for entry in _traversable(path)]
    return tuple(opened) + tuple(path for path in ETC_SHOWN if os.path.lexists(path))


@functools.cache
def environment_paths() -> tuple[str, ...]:
    """The folders of this Python's environment (a virtual environment, a conda env) as
    the worker sees them: shown to it, so their names are in its /proc/self/mountinfo and
    sys.prefix. Wherever the instructor made the environment (inside the kit's checkout,
    under /tmp, elsewhere), feedback names it the same way (worker.py scrubs them); the
    system's own folders (/usr) are never among them. Longest first."""
    found: set[str] = set()
    for path in (sys.prefix, sys.exec_prefix):
        for spelling in (os.path.abspath(path), os.path.realpath(path)):
            if spelling != "/" and not any(_within(spelling, s) for s in SYSTEM_PATHS):
                found.add(spelling.rstrip("/"))
    return tuple(sorted(found, key=lambda path: -len(path)))


def _traversable(path: str) -> list[str]:
    """`path`, or its entries where others may not pass through it (a virtual environment
    made by `mktemp -d` is mode 0700): bound one by one, they sit below fresh folders of
    the new root that uid 65534 can pass through."""
    try:
        if os.stat(path).st_mode & 0o001:
            return [path]
        with os.scandir(path) as entries:
            return [entry.path for entry in entries]
    except OSError:
        return [path]


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@functools.cache
def fenced_package_folders() -> tuple[Path, ...]:
    """The folders of the packages a from-scratch file may not reach (scikit-learn and
    SciPy, _bootstrap.FENCED_PACKAGES), as installed for this Python, found without
    importing them. Hidden from the from-scratch file's worker, where a fence alone would
    not do: the learner's code can take down anything that lives in its own process."""
    from grader.sandbox._bootstrap import fenced_package_roots

    return tuple(Path(root).resolve() for _, root in fenced_package_roots())


def from_scratch(confinement: Confinement) -> Confinement:
    """The from-scratch file's confinement: `confinement` with the fenced packages'
    folders hidden too (at the `namespaces` and `landlock` levels; the `process` level
    hides nothing)."""
    return replace(confinement, hidden=(*confinement.hidden, *fenced_package_folders()))


def hideable(paths: Iterable[Path], workdir: Path) -> tuple[Path, ...]:
    """The paths to hide, resolved, without the worker's own folder or its ancestors;
    the grader's own package always among them."""
    work = workdir.resolve()
    kept: list[Path] = []
    for path in (*paths, GRADER_PACKAGE):
        resolved = path.resolve()
        if resolved == work or resolved in work.parents or resolved in kept:
            continue
        kept.append(resolved)
    return tuple(kept)


def _without(path: str, hidden: Sequence[str]) -> list[str]:
    """`path` as Landlock rules that leave out every hidden path (resolved) inside it: the
    folder itself, or its entries one by one down to the hidden ones. A rule grants what a
    path resolves to, so links are followed here too: a venv's lib64 (a link to lib) would
    otherwise grant lib whole, and a link into a hidden folder that folder."""
    real = os.path.realpath(path)
    if any(_within(real, entry) for entry in hidden):
        return []
    if not any(_within(entry, real) for entry in hidden):
        return [real]
    if not os.path.isdir(real):
        return []
    kept: list[str] = []
    with contextlib.suppress(OSError), os.scandir(real) as entries:
        for entry in entries:
            kept += _without(entry.path, hidden)
    return kept


@functools.lru_cache(maxsize=16)
def _readable(shown: tuple[str, ...], hidden: tuple[str, ...]) -> list[str]:
    # The same few hidden sets for every worker of a grading process (the submission's
    # folder is not among them): the walk of site-packages is done once per set.
    return [rule for path in shown for rule in _without(path, hidden)]


def landlock_rules(stack: Stack, workdir: Path, scratch: Path, hidden: Sequence[Path]) -> dict:
    """What the worker may read and write under Landlock, as the paths it sees them."""
    shown = shown_paths()
    if stack.namespaces:  # the new root holds nothing else; hidden paths are covered
        return {
            "read": [*shown, "/proc"],
            "read_files": [],
            "write": [WORKDIR, "/tmp", "/var/tmp", "/dev/shm", *DEVICES],
        }
    return {
        "read": [*_readable(shown, tuple(str(path) for path in hidden)), *HOST_FACTS],
        "read_files": [],
        "write": [str(workdir), str(scratch), *DEVICES],
    }


def launch_spec(
    stack: Stack,
    workdir: Path,
    scratch: Path,
    new_root: Path,
    hidden: Sequence[Path],
    limits: Limits,
) -> dict[str, Any]:
    """What the launcher (_zygote.py) needs to start one worker under `stack`, as plain
    data. `scratch` is the worker's private temporary folder without namespaces."""
    shown = shown_paths()
    env = _process.worker_environment()
    if not stack.namespaces:
        env["TMPDIR"] = str(scratch)
    return {
        "namespaces": stack.namespaces,
        "user_namespace": stack.user_namespace,
        "workdir": str(workdir),
        "cwd": WORKDIR if stack.namespaces else str(workdir),
        "new_root": str(new_root),
        "shown": [*shown, *(path for path in DEVICES if os.path.exists(path))],
        "hidden": [str(path) for path in hidden if any(_within(str(path), s) for s in shown)],
        "scratch_mb": SCRATCH_SIZE_MB,
        "uid": [privileges.NOBODY, privileges.NOBODY] if stack.drop_uid else None,
        "landlock": landlock_rules(stack, workdir, scratch, hidden) if stack.landlock else None,
        "seccomp": stack.seccomp,
        "env": env,
        "rlimits": [[which, soft, hard] for which, (soft, hard) in _process.rlimits(limits)],
        "cgroup_procs": [],
        "hidden_package": "",
    }


def hand_over(folder: Path, stack: Stack) -> None:
    """Make the worker's own folders its own: with a uid drop, the unprivileged uid owns
    them (recursively) and, without namespaces, can reach them through the grader's
    temporary folders."""
    if not stack.drop_uid:
        return
    for place, _, files in os.walk(folder):
        os.chown(place, privileges.NOBODY, privileges.NOBODY)
        for name in files:
            with contextlib.suppress(OSError):
                os.chown(os.path.join(place, name), privileges.NOBODY, privileges.NOBODY)
    if stack.namespaces:
        return  # the new root shows the folder at WORKDIR, below a private /tmp
    import tempfile

    temporary = Path(tempfile.gettempdir()).resolve()
    for parent in folder.resolve().parents:
        if parent != temporary and temporary not in parent.parents:
            break
        # The temporary folder itself too: a batch's grading process keeps its own (0700).
        # Traversable only (o+x), never listable; /tmp (1777) is left as it is.
        info = parent.stat()
        if info.st_uid == os.geteuid() and not info.st_mode & 0o001:
            os.chmod(parent, info.st_mode | 0o001)
        if parent == temporary:
            break
