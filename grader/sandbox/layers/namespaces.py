"""New mount, network and PID namespaces for a worker tree, as root or through a user
namespace (standard library only: see layers/__init__.py).

As root the launcher unshares the three namespaces directly. Any other user first needs a
user namespace (unprivileged user namespaces: Linux >= 3.8, unless a sysctl or AppArmor
refuses them): the launcher becomes uid 0 *inside* it, mapped to its own uid outside, with
`setgroups` denied (user_namespaces(7)); the namespaces it creates with it belong to that
user namespace, so the mounts that follow need no privilege on the host. The process
keeps the host's uid for every file it touches: it is never the host's root.
"""

from __future__ import annotations

import ctypes
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None  # Windows: unused


def _unshare(flags: int) -> None:
    if _LIBC.unshare(flags) != 0:
        error = ctypes.get_errno()
        hint = ""
        if error == 28 and flags & CLONE_NEWUSER:  # ENOSPC: the per-user namespace limit
            hint = " (user namespaces are limited: see /proc/sys/user/max_user_namespaces)"
        elif error == 1:  # EPERM
            hint = " (a container's seccomp profile or an AppArmor rule refuses namespaces)"
        raise OSError(error, f"unshare: {os.strerror(error)}{hint}")


def _write(path: str, text: str) -> None:
    with open(path, "wb") as handle:  # bytes: no codec to import
        handle.write(text.encode())


def enter(user_namespace: bool) -> None:
    """Unshare mount, network and PID namespaces (the PID one applies to the children the
    caller forks next), inside a new user namespace when asked. Raises OSError where the
    kernel refuses."""
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID
    if not user_namespace:
        _unshare(flags)
        return
    uid, gid = os.geteuid(), os.getegid()
    _unshare(flags | CLONE_NEWUSER)
    # The maps must be written before anything else happens in the namespace; a process
    # without CAP_SETGID outside may write gid_map only once setgroups is denied.
    _write("/proc/self/setgroups", "deny")
    _write("/proc/self/uid_map", f"0 {uid} 1\n")
    _write("/proc/self/gid_map", f"0 {gid} 1\n")
