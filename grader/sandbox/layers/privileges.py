"""No capabilities, no new privileges, and an unprivileged uid (standard library only:
see layers/__init__.py).

Order matters: the uid drop comes first (setuid from 0 clears the capability sets), then
the bounding set and what is left of the sets, then no_new_privs, which Landlock and
seccomp require of an unprivileged process and which makes setuid programs gain nothing.
"""

from __future__ import annotations

import ctypes
import os

PR_CAPBSET_DROP = 24
PR_SET_NO_NEW_PRIVS = 38
PR_GET_NO_NEW_PRIVS = 39
CAPABILITY_VERSION_3 = 0x20080522
NOBODY = 65534  # the conventional unprivileged uid and gid ("nobody", "nogroup")

_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None  # Windows: unused


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _check(result: int, what: str) -> None:
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def nobody_is_mapped() -> bool:
    """Whether uid and gid 65534 exist in this process's user namespace (inside a user
    namespace or a container that maps one uid only, they do not, and a drop would fail)."""
    for table in ("/proc/self/uid_map", "/proc/self/gid_map"):
        try:
            with open(table, "rb") as handle:
                rows = [line.split() for line in handle.read().splitlines()]
        except OSError:
            return True  # no user namespaces at all: every uid exists
        if not any(int(inside) <= NOBODY < int(inside) + int(count) for inside, _, count in rows):
            return False
    return True


def become(uid: int, gid: int) -> None:
    """Switch to uid/gid for good, with no supplementary groups (needs root)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)


def drop_capabilities() -> None:
    """No capability can come back: the bounding set, then the sets themselves; then
    no_new_privs."""
    for capability in range(64):
        if _LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == 22:  # EINVAL: past the last capability
                break
            # EPERM: no CAP_SETPCAP, so nothing is in the permitted set to drop either
            break
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(_LIBC.capset(ctypes.byref(header), data), "capset")
    _check(_LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def capabilities_left() -> int:
    """The effective capability mask of this process (0 once dropped), from /proc."""
    with open("/proc/self/status", "rb") as handle:  # bytes: no codec to import
        for line in handle:
            if line.startswith(b"CapEff:"):
                return int(line.split()[1], 16)
    return 0
