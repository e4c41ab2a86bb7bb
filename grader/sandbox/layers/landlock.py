"""The Landlock LSM: a process restricts itself and all it starts, without root and
without namespaces, inside containers too (standard library only: see layers/__init__.py).

Linux >= 5.13. What can be restricted grows with the ABI version the kernel reports
(Documentation/userspace-api/landlock.rst): 1 the file system, 2 renames across folders
(REFER), 3 truncate, 4 TCP bind and connect, 5 device ioctls, 6 abstract Unix sockets and
signals outside the process's own domain. Everything the ABI knows is handled (denied)
and only the rules below are allowed, so a newer kernel never loosens the sandbox.
The three system calls have no wrapper in glibc or Python; their numbers are the same
on every architecture (444-446).
"""

from __future__ import annotations

import ctypes
import os
import sys

CREATE_RULESET = 444
ADD_RULE = 445
RESTRICT_SELF = 446
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1

EXECUTE = 1 << 0
WRITE_FILE = 1 << 1
READ_FILE = 1 << 2
READ_DIR = 1 << 3
REMOVE_DIR = 1 << 4
REMOVE_FILE = 1 << 5
MAKE_CHAR = 1 << 6
MAKE_DIR = 1 << 7
MAKE_REG = 1 << 8
MAKE_SOCK = 1 << 9
MAKE_FIFO = 1 << 10
MAKE_BLOCK = 1 << 11
MAKE_SYM = 1 << 12
REFER = 1 << 13  # ABI 2
TRUNCATE = 1 << 14  # ABI 3
IOCTL_DEV = 1 << 15  # ABI 5
NET_BIND_TCP = 1 << 0  # ABI 4
NET_CONNECT_TCP = 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET = 1 << 0  # ABI 6
SCOPE_SIGNAL = 1 << 1  # ABI 6

_FS_BY_ABI = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 5: (1 << 16) - 1}
READ = EXECUTE | READ_FILE | READ_DIR
FILE_ONLY = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # rights a file rule may hold

_LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None  # Windows: unused
if _LIBC is not None:
    _LIBC.syscall.restype = ctypes.c_long


class _RulesetAttr(ctypes.Structure):
    _fields_ = [
        ("handled_access_fs", ctypes.c_uint64),
        ("handled_access_net", ctypes.c_uint64),
        ("scoped", ctypes.c_uint64),
    ]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def abi_version() -> int:
    """The kernel's Landlock ABI version; 0 where there is none (old kernel, LSM not
    enabled, or a seccomp profile that refuses the call)."""
    if not sys.platform.startswith("linux"):
        return 0  # the system call numbers mean something else elsewhere
    version = _LIBC.syscall(CREATE_RULESET, None, ctypes.c_size_t(0), CREATE_RULESET_VERSION)
    return max(int(version), 0)


def handled_fs(abi: int) -> int:
    """Every file-system right the given ABI knows."""
    return _FS_BY_ABI[max(key for key in _FS_BY_ABI if key <= abi)]


def restrict(
    read: list[str],
    write: list[str],
    read_files: list[str] = (),  # type: ignore[assignment]
    deny_tcp: bool = True,
    scope: bool = True,
) -> int:
    """Restrict this process and its future children for good: read and execute beneath
    `read` (folders or files), everything beneath `write`, nothing else; with ABI >= 4 no
    TCP bind or connect (`deny_tcp`), with ABI >= 6 no signal and no abstract Unix socket
    outside this process's domain (`scope`). Paths that do not exist are skipped. Needs
    no_new_privs first. Returns the ABI version applied; raises OSError where Landlock is
    unavailable or a call fails."""
    abi = abi_version()
    if abi < 1:
        raise OSError(95, "Landlock is not available")
    fs = handled_fs(abi)
    attr = _RulesetAttr(fs, 0, 0)
    size = 8
    if abi >= 4:
        attr.handled_access_net = (NET_BIND_TCP | NET_CONNECT_TCP) if deny_tcp else 0
        size = 16
    if abi >= 6:
        attr.scoped = (SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL) if scope else 0
        size = 24
    ruleset = _LIBC.syscall(CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(size), 0)
    if ruleset < 0:
        error = ctypes.get_errno()
        raise OSError(error, f"landlock_create_ruleset: {os.strerror(error)}")
    try:
        for paths, rights in ((read, READ), (read_files, READ), (write, fs)):
            for path in paths:
                _allow(int(ruleset), path, rights & fs)
        if _LIBC.syscall(RESTRICT_SELF, int(ruleset), 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"landlock_restrict_self: {os.strerror(error)}")
    finally:
        os.close(int(ruleset))
    return abi


def _allow(ruleset: int, path: str, rights: int) -> None:
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return  # gone, or not ours to see: nothing to allow
    try:
        if not os.path.isdir(path):
            rights &= FILE_ONLY
        rule = _PathBeneath(rights, fd)
        if _LIBC.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, ctypes.byref(rule), 0) != 0:
            error = ctypes.get_errno()
            raise OSError(error, f"landlock_add_rule {path}: {os.strerror(error)}")
    finally:
        os.close(fd)
