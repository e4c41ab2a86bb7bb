"""Linux namespaces around a worker, where the kernel allows them.

A confined worker gets new mount, network and PID namespaces and, inside them, a new root
file system built from an allow-list (`shown_paths`): the system's programs and
libraries, Python and its packages, read-only; fresh private tmpfs on /tmp, /var/tmp and
/dev/shm; its own proc; and its private copy of the submission, writable, at
/tmp/submission. Nothing else exists there: not the kit (solutions, grader, rubric), not
the output folder, not the other submissions, not even as a name in /proc/self/mountinfo.
A path to hide that lies inside a shown one (a kit inside a virtual environment, say) is
covered with an empty folder. The worker then runs with no capabilities, so none of this
can be undone, and the network namespace has only a loopback that is down.

Nothing here is invented: unshare, mount, pivot_root and setpriv are util-linux's (the
zygote does the same with the same system calls). `probe()` tries it all once; where
anything fails, the worker runs as a plain limited process and the report says what is
missing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.sandbox import _process
from grader.sandbox.limits import Limits

WORKDIR = "/tmp/submission"  # where the learner's code sees its folder
SCRATCH_SIZE_MB = 64  # each private tmpfs (charged to the worker's memory cgroup)
# Shown read-only besides Python's own folders, where they exist.
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/dev")

# Run inside the new namespaces, in the submission's private copy:
# $1 = an empty folder for the new root, $2 = how many paths to show, then those paths,
# then how many paths to hide, then those.
MOUNTS = r"""
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --make-rprivate /
root=$1; shift
mount -t tmpfs -o size=1m,mode=0755 newroot "$root"
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -e "$1" ]; then
    mkdir -p "$root$1"
    mount --rbind "$1" "$root$1"
    mount -o remount,bind,ro "$root$1"
  fi
  shift; count=$((count - 1))
done
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -d "$root$1" ]; then
    mount -t tmpfs -o ro,nosuid,nodev,noexec,size=4k,mode=0555 hidden "$root$1"
  elif [ -e "$root$1" ]; then
    mount --bind -o ro /dev/null "$root$1"
  fi
  shift; count=$((count - 1))
done
for place in /tmp /var/tmp /dev/shm; do
  mkdir -p "$root$place"
  mount -t tmpfs -o nosuid,nodev,size=__SIZE__m,mode=1777 scratch "$root$place"
done
mkdir -m 0700 "$root__WORKDIR__"
mount --bind . "$root__WORKDIR__"
mount -o remount,bind,rw "$root__WORKDIR__"
mkdir -p "$root/proc"
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
cd "$root"
mkdir .old
pivot_root . .old
umount -l /.old
rmdir /.old
mount -o remount,bind,ro /
cd __WORKDIR__
""".replace("__SIZE__", str(SCRATCH_SIZE_MB)).replace("__WORKDIR__", WORKDIR)
# A worker started by unshare(1) (no zygote): the mounts, then the command after the paths.
# pid 1 of the namespace is this shell, never the worker: the kernel ignores signals a
# process in the namespace sends to its init, and the learner's own os.kill(os.getpid(), ...)
# must behave as anywhere else. A worker killed by signal N shows as exit status 128 + N.
SETUP = (
    MOUNTS
    + """set +e
env -u PWD -u OLDPWD setpriv --bounding-set -all --inh-caps -all --no-new-privs -- "$@"
exit $?
"""
)


@dataclass(frozen=True)
class Confinement:
    """What a worker must not see, and whether to try namespaces at all.

    Only what `shown_paths()` lists exists in a confined worker; `hidden` matters where
    it lies inside one of those (it is then covered with an empty folder)."""

    hidden: tuple[Path, ...] = ()
    namespaces: bool = True


@dataclass(frozen=True)
class Support:
    """What this machine allows, found once by trying it."""

    namespaces: bool
    reason: str = ""  # why namespaces are not available


def _tool(name: str) -> str | None:
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


@functools.cache
def shown_paths() -> tuple[str, ...]:
    """What a confined worker sees (read-only): the system and this Python, nothing else."""
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
    return tuple(paths)


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


@functools.cache
def probe() -> Support:
    """Try the real setup once, on a throwaway folder, and remember the answer."""
    if not sys.platform.startswith("linux"):
        return Support(False, f"not Linux ({sys.platform})")
    needed = ("unshare", "setpriv", "mount", "umount", "pivot_root", "sh")
    missing = [name for name in needed if _tool(name) is None]
    if missing:
        return Support(False, f"{', '.join(missing)} not installed")
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as folder:
        kit = Path(folder) / "kit"
        kit.mkdir()
        (kit / "secret").write_text("x")
        (Path(folder) / "root").mkdir()
        check = (
            "import os, socket\n"
            f"assert not os.path.exists({str(kit / 'secret')!r})\n"
            f"assert {str(kit)!r} not in open('/proc/self/mountinfo').read()\n"
            f"assert os.getcwd() == {WORKDIR!r}\n"
            "try:\n"
            "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
            "except OSError:\n"
            "    pass\n"
            "else:\n"
            "    raise SystemExit(9)\n"
        )
        work = Path(folder) / "work"
        work.mkdir()
        try:
            done = subprocess.run(
                [
                    *command_prefix(Path(folder) / "root", ()),
                    sys.executable,
                    "-I",
                    "-S",
                    "-c",
                    check,
                ],
                cwd=work,
                capture_output=True,
                timeout=30,
                env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return Support(False, f"unshare failed ({error})")
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return Support(False, f"unshare failed: {detail[-1] if detail else done.returncode}")
    return Support(True)


def mount_arguments(new_root: Path, hidden: Sequence[Path]) -> list[str]:
    """MOUNTS's arguments: the new root's folder, the paths to show, the paths to hide."""
    shown = shown_paths()
    covered = [str(path) for path in hidden if any(_within(str(path), s) for s in shown)]
    return [str(new_root), str(len(shown)), *shown, str(len(covered)), *covered]


def command_prefix(new_root: Path, hidden: Sequence[Path]) -> list[str]:
    """The words before `python ...` that start it confined (see SETUP)."""
    return [
        _tool("unshare") or "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--net",
        "--mount",
        "--propagation",
        "private",
        "--",
        _tool("sh") or "/bin/sh",
        "-c",
        SETUP,
        "grader-sandbox",
        *mount_arguments(new_root, hidden),
    ]


def hideable(paths: Iterable[Path], workdir: Path) -> tuple[Path, ...]:
    """The paths to hide, resolved, without the worker's own folder or its ancestors."""
    work = workdir.resolve()
    kept: list[Path] = []
    for path in paths:
        resolved = path.resolve()
        if resolved == work or resolved in work.parents or resolved in kept:
            continue
        kept.append(resolved)
    return tuple(kept)


def zygote_spec(
    workdir: Path, new_root: Path, hidden: Sequence[Path], limits: Limits, confined: bool
) -> dict[str, Any]:
    """What the zygote needs to start one worker (see _zygote.py), as plain data."""
    return {
        "confined": confined,
        "workdir": str(workdir),
        "cwd": WORKDIR if confined else str(workdir),
        "setup": MOUNTS,
        "setup_args": mount_arguments(new_root, hidden),
        "env": _process.worker_environment(),
        "rlimits": [[which, soft, hard] for which, (soft, hard) in _process.rlimits(limits)],
    }


def exit_status(status: int, confined: bool) -> int:
    """The worker's own wait status: a confined worker's signal death is 128 + N."""
    if confined and os.WIFEXITED(status) and 128 < os.WEXITSTATUS(status) < 128 + 65:
        number = os.WEXITSTATUS(status) - 128
        return number  # a wait status "killed by signal number" (no core dump bit)
    return status
