"""A new root file system for a worker, built from an allow-list (standard library only:
see layers/__init__.py). Runs in the new mount namespace, as the PID namespace's init.

The new root is a small tmpfs holding: private tmpfs on /tmp, /var/tmp and /dev/shm
(mounted first, so that a shown path under /tmp, a virtual environment say, is bound on
top of them and stays visible); every shown path (the system's folders, Python and its
packages), bound read-only wherever it lives; the paths to hide inside those, covered by
an empty read-only tmpfs (a folder) or /dev/null (a file); the submission's private copy,
writable, at WORKDIR; a proc of the new PID namespace. Then pivot_root, the old root
detached, and the new root itself read-only. This is what bubblewrap does, with the same
system calls: a read-only remount keeps the flags the kernel locked on the original mount
(nosuid, nodev, noexec) and only adds MS_RDONLY, so it works inside a user namespace too.
"""

from __future__ import annotations

import ctypes
import os

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
# statvfs's f_flag bits and the mount flags they stand for (the ones a remount must keep)
_KEPT = (
    (os.ST_NOSUID, MS_NOSUID),
    (os.ST_NODEV, MS_NODEV),
    (os.ST_NOEXEC, MS_NOEXEC),
)
SCRATCH_PLACES = ("/tmp", "/var/tmp", "/dev/shm")
PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}  # no libc wrapper for it

_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None  # Windows: unused
_TEXT = ctypes.c_char_p
if _LIBC is not None:
    _LIBC.mount.argtypes = [_TEXT, _TEXT, _TEXT, ctypes.c_ulong, _TEXT]


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _encode(value: str | None) -> bytes | None:
    return None if value is None else os.fsencode(value)


def mount(source: str | None, target: str, kind: str | None, flags: int, data: str = "") -> None:
    options = _encode(data) if data else None
    _check(
        _LIBC.mount(_encode(source), _encode(target), _encode(kind), flags, options),
        f"mount {target}",
    )


def _read_only(target: str) -> None:
    kept = 0
    flags = os.statvfs(target).f_flag
    for bit, mount_flag in _KEPT:
        if flags & bit:
            kept |= mount_flag
    mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _place(target: str, like: str) -> bool:
    """Make a mount point at target of like's kind; False where like is gone."""
    if os.path.isdir(like):
        os.makedirs(target, exist_ok=True)
        return True
    if os.path.lexists(like):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            with open(target, "w"):
                pass
        return True
    return False


def _within(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _scratch(target: str, size_mb: int) -> None:
    os.makedirs(target, exist_ok=True)
    mount("scratch", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,mode=1777")


def build_root(
    new_root: str,
    shown: list[str],
    hidden: list[str],
    workdir: str,
    scratch_mb: int,
) -> None:
    """Build the new root in `new_root` (an empty folder) and pivot into it; the calling
    process's working folder (the submission's private copy) appears at `workdir`, which is
    then the working folder. Raises OSError on the first step that fails."""
    submission = os.getcwd()
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("newroot", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    # Scratch first where no shown path covers it (a shown path under /tmp then stays
    # visible on top of it), last where one does (/dev/shm under a shown /dev).
    covered = [place for place in SCRATCH_PLACES if any(_within(place, path) for path in shown)]
    for place in SCRATCH_PLACES:
        if place not in covered:
            _scratch(new_root + place, scratch_mb)
    for path in shown:
        target = new_root + path
        if not _place(target, path):
            continue
        mount(path, target, None, MS_BIND | MS_REC)
        _read_only(target)
    for path in hidden:
        target = new_root + path
        if os.path.isdir(target):
            mount(
                "hidden",
                target,
                "tmpfs",
                MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                "size=4k,mode=0555",
            )
        elif os.path.lexists(target):
            mount("/dev/null", target, None, MS_BIND)
            _read_only(target)
    for place in covered:
        _scratch(new_root + place, scratch_mb)
    target = new_root + workdir
    os.makedirs(target, mode=0o700, exist_ok=True)
    mount(submission, target, None, MS_BIND | MS_REC)
    os.makedirs(new_root + "/proc", exist_ok=True)
    mount("proc", new_root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.chdir(new_root)
    # pivot_root(".", "."): the old root ends up under the new one, then is detached whole
    # (a user namespace may not unmount the old root's parts one by one).
    number = PIVOT_ROOT.get(os.uname().machine)
    if number is None:
        raise OSError(f"pivot_root: unknown system call number on {os.uname().machine}")
    _check(_LIBC.syscall(number, b".", b"."), "pivot_root")
    _check(_LIBC.umount2(b".", MNT_DETACH), "umount old root")
    os.chdir("/")
    _read_only("/")
    os.chdir(workdir)
