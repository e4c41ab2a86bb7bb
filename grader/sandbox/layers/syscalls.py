"""A seccomp filter against the system calls that leave a sandbox or reach out of it
(standard library plus libseccomp through `pyseccomp`: see layers/__init__.py).

Everything is allowed but:
- new sockets of the Unix, Internet, packet and netlink families (socketpair stays, for
  Python's multiprocessing; a named Unix socket in a shared folder would reach whoever
  listens there, which Landlock does not cover);
- ptrace, and reading or writing another process's memory;
- mount, unmount, pivot_root, chroot, and new namespaces: unshare, setns, clone with a
  CLONE_NEW* flag; clone3, whose flags a filter cannot read, answers ENOSYS so that libc
  falls back to clone, as Docker's and Chromium's filters do;
- bpf, perf_event_open, userfaultfd, io_uring, the kernel keyring, kernel modules.
Refused calls fail with EPERM (EAFNOSUPPORT for sockets), never kill: the learner's code
gets an ordinary OSError that the grader can name.
"""

from __future__ import annotations

import errno
import socket

DENIED = (
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "unshare",
    "setns",
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "keyctl",
    "add_key",
    "request_key",
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "open_by_handle_at",
    "fsopen",
    "fsmount",
    "move_mount",
    "open_tree",
)
SOCKET_FAMILIES = (
    getattr(socket, "AF_UNIX", 1),
    socket.AF_INET,
    socket.AF_INET6,
    17,
    16,
)  # PACKET, NETLINK
NAMESPACE_FLAGS = (
    0x00020000,  # CLONE_NEWNS
    0x02000000,  # CLONE_NEWCGROUP
    0x04000000,  # CLONE_NEWUTS
    0x08000000,  # CLONE_NEWIPC
    0x10000000,  # CLONE_NEWUSER
    0x20000000,  # CLONE_NEWPID
    0x40000000,  # CLONE_NEWNET
)


def available() -> str:
    """'' where a filter can be built here, else why not (no libseccomp, not Linux)."""
    try:
        import pyseccomp  # noqa: F401
    except Exception as error:  # ImportError, or RuntimeError: no libseccomp.so
        return f"libseccomp is not available ({error})"
    return ""


def install() -> None:
    """Load the filter into this process (and all it starts); needs no_new_privs first.
    Raises OSError or RuntimeError where it cannot."""
    _filter().load()


def prepare() -> None:
    """Build the filter now, where it is cheap to keep: the zygote builds it once before
    its forks (about 2 ms), each worker then only loads it. Never raises: install() says
    what is wrong."""
    try:
        _filter()
    except Exception:
        pass


_BUILT: list = []  # the filter, once built (a libseccomp context: fork copies it)


def _filter():
    if _BUILT:
        return _BUILT[0]
    import pyseccomp as seccomp

    refused = seccomp.ERRNO(errno.EPERM)
    rules = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    for name in DENIED:
        try:
            rules.add_rule(refused, name)
        except (OSError, RuntimeError, ValueError):
            continue  # a call this architecture or libseccomp does not know
    for family in SOCKET_FAMILIES:
        rules.add_rule(
            seccomp.ERRNO(errno.EAFNOSUPPORT), "socket", seccomp.Arg(0, seccomp.EQ, family)
        )
    for flag in NAMESPACE_FLAGS:
        rules.add_rule(refused, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    rules.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    _BUILT.append(rules)
    return rules
