"""Linux namespaces and a pids cgroup around a worker, where the kernel allows them.

A confined worker starts as
``unshare --pid --net --mount ... sh -c SETUP ... setpriv --bounding-set -all python ...``:
- PID namespace: the worker sees only its own processes, and when it ends the kernel
  kills every process left in the namespace (double-forked, setsid'd, SIGTERM-ignoring);
- network namespace: no interface but a loopback that is down;
- mount namespace: every mount read-only; the kit, the output folder and the other
  submissions under an empty read-only tmpfs; fresh, private tmpfs on /tmp, /var/tmp and
  /dev/shm; the submission's private copy bound at /tmp/submission, the one place the
  learner's code can write to (and it is thrown away);
- no capabilities: the learner's code cannot undo any of this (umount needs CAP_SYS_ADMIN);
- a pids cgroup caps the number of processes (RLIMIT_NPROC does not bind root).
Nothing here is invented: unshare, mount and setpriv are util-linux's. `probe()` tries it
all once; where anything fails, the worker runs as a plain limited process and the report
says what is missing.
"""

from __future__ import annotations

import contextlib
import functools
import os
import secrets
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader.sandbox import _process
from grader.sandbox.limits import Limits

WORKDIR = "/tmp/submission"  # where the learner's code sees its folder
SCRATCH_SIZE_MB = 64  # each private tmpfs
PIDS_ROOT = Path("/sys/fs/cgroup/pids")  # cgroup v1's pids controller, where mounted

# Run inside the new namespaces: $1 = how many paths to hide, then the paths.
MOUNTS = r"""
set -eu
PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount --make-rprivate /
mount -t proc proc /proc
mount -o remount,bind,ro /
while read -r _ _ _ _ point _; do
  case "$point" in
    /|/proc|/proc/*) ;;
    *'\'*) ;;
    *) mount -o remount,bind,ro "$point" 2>/dev/null || true ;;
  esac
done < /proc/self/mountinfo
count=$1; shift
while [ "$count" -gt 0 ]; do
  if [ -d "$1" ]; then
    mount -t tmpfs -o ro,nosuid,nodev,noexec,size=4k,mode=0555 hidden "$1"
  elif [ -e "$1" ]; then
    mount --bind -o ro /dev/null "$1"
  fi
  shift; count=$((count - 1))
done
for place in /var/tmp /dev/shm /tmp; do
  if [ -d "$place" ]; then
    mount -t tmpfs -o nosuid,nodev,size=__SIZE__m,mode=1777 scratch "$place"
  fi
done
mkdir -m 0700 __WORKDIR__
mount --no-canonicalize --bind . __WORKDIR__
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
    """What a worker must not see, and whether to try namespaces at all."""

    hidden: tuple[Path, ...] = ()
    namespaces: bool = True


@dataclass(frozen=True)
class Support:
    """What this machine allows, found once by trying it."""

    namespaces: bool
    pids_cgroup: bool
    reason: str = ""  # why namespaces are not available


def _tool(name: str) -> str | None:
    return shutil.which(name, path="/usr/bin:/bin:/usr/sbin:/sbin")


@functools.cache
def probe() -> Support:
    """Try the real setup once, on a throwaway folder, and remember the answer."""
    pids = _pids_cgroup_works()
    if not sys.platform.startswith("linux"):
        return Support(False, pids, f"not Linux ({sys.platform})")
    missing = [name for name in ("unshare", "setpriv", "mount", "sh") if _tool(name) is None]
    if missing:
        return Support(False, pids, f"{', '.join(missing)} not installed")
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as folder:
        hidden = Path(folder) / "hidden"
        hidden.mkdir()
        (hidden / "secret").write_text("x")
        check = (
            "import os, socket\n"
            f"assert not os.path.exists({str(hidden / 'secret')!r})\n"
            f"assert os.getcwd() == {WORKDIR!r}\n"
            "try:\n"
            "    socket.create_connection(('127.0.0.1', 9), timeout=1)\n"
            "except OSError:\n"
            "    pass\n"
            "else:\n"
            "    raise SystemExit(9)\n"
        )
        try:
            done = subprocess.run(
                [*command_prefix([hidden]), sys.executable, "-I", "-S", "-c", check],
                cwd=folder,
                capture_output=True,
                timeout=30,
                env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin"},
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            return Support(False, pids, f"unshare failed ({error})")
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        return Support(False, pids, f"unshare failed: {detail[-1] if detail else done.returncode}")
    return Support(True, pids)


def command_prefix(hidden: Sequence[Path]) -> list[str]:
    """The words before `python ...` that start it confined, hiding `hidden`."""
    return [
        _tool("unshare") or "unshare",
        "--pid",
        "--fork",
        "--kill-child",
        "--net",
        "--mount",
        "--mount-proc",
        "--propagation",
        "private",
        "--",
        _tool("sh") or "/bin/sh",
        "-c",
        SETUP,
        "grader-sandbox",
        str(len(hidden)),
        *(str(path) for path in hidden),
    ]


def hideable(paths: Iterable[Path], workdir: Path) -> tuple[Path, ...]:
    """The paths to cover so that `paths` are hidden without hiding Python itself or the
    worker's folder.

    A path that holds the interpreter, its libraries or the submission's copy (a kit with
    its virtual environment inside, say) is replaced by its other entries, level by level;
    a top-level folder such as / or /tmp is never covered whole.
    """
    needed = [Path(sys.executable).resolve(), workdir.resolve()]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        needed.append(Path(prefix).resolve())
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        with contextlib.suppress(KeyError):
            needed.append(Path(sysconfig.get_paths()[key]).resolve())
    kept: list[Path] = []
    for path in paths:
        for part in _cover(path.resolve(), needed):
            if part not in kept:
                kept.append(part)
    return tuple(kept)


def _cover(path: Path, needed: list[Path]) -> Iterable[Path]:
    if not path.exists() or any(path == item for item in needed):
        return
    if not any(path in item.parents for item in needed):
        yield path
        return
    if len(path.parts) <= 2:
        return  # /, /tmp, /home: too broad to replace entry by entry
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return
    for entry in entries:
        yield from _cover(entry, needed)


def zygote_spec(
    workdir: Path, hidden: Sequence[Path], limits: Limits, confined: bool
) -> dict[str, Any]:
    """What the zygote needs to start one worker (see _zygote.py), as plain data."""
    return {
        "confined": confined,
        "workdir": str(workdir),
        "cwd": WORKDIR if confined else str(workdir),
        "setup": MOUNTS,
        "setup_args": [str(len(hidden)), *(str(path) for path in hidden)],
        "env": _process.worker_environment(),
        "rlimits": [[which, soft, hard] for which, (soft, hard) in _process.rlimits(limits)],
    }


def exit_status(status: int, confined: bool) -> int:
    """The worker's own wait status: a confined worker's signal death is 128 + N."""
    if confined and os.WIFEXITED(status) and 128 < os.WEXITSTATUS(status) < 128 + 65:
        number = os.WEXITSTATUS(status) - 128
        return number  # a wait status "killed by signal number" (no core dump bit)
    return status


# --- the pids cgroup ---------------------------------------------------------------------


def _pids_cgroup_works() -> bool:
    if os.geteuid() != 0 or not (PIDS_ROOT / "cgroup.procs").exists():
        return False
    try:
        group = PidsCgroup(8)
    except OSError:
        return False
    group.remove()
    return True


class PidsCgroup:
    """A cgroup v1 pids group: at most `limit` processes, and a list of all of them."""

    def __init__(self, limit: int) -> None:
        self.path = PIDS_ROOT / f"grader-{os.getpid()}-{secrets.token_hex(4)}"
        self.path.mkdir()
        try:
            (self.path / "pids.max").write_text(str(limit))
        except OSError:
            self.path.rmdir()
            raise
        self.procs = str(self.path / "cgroup.procs")

    def join_from_child(self) -> None:
        """Called in the child between fork and exec: move it (and its future children)."""
        with open(self.procs, "w") as handle:
            handle.write(str(os.getpid()))

    def members(self) -> set[int]:
        try:
            text = Path(self.procs).read_text()
        except OSError:
            return set()
        return {int(word) for word in text.split()}

    def remove(self) -> None:
        """Kill whatever is left in the group, then remove it."""
        deadline = time.monotonic() + 5.0
        while True:
            for pid in self.members():
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
            try:
                self.path.rmdir()
                return
            except FileNotFoundError:
                return
            except OSError:
                if time.monotonic() > deadline:
                    return  # left for the machine's owner; never block grading on it
                time.sleep(0.005)
