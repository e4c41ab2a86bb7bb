"""Which isolation this machine gives: each level's stack tried for real, once per process.

Levels, strongest first (`LEVELS`):

    namespaces  a new root from an allow-list in mount, network and PID namespaces (as
                root, or through a user namespace), plus Landlock and seccomp where the
                kernel has them, and never the host's root
    landlock    no namespaces (a container, user namespaces refused): Landlock limits
                what can be opened and connected to, seccomp what can be called
    process     a separate, limited process only (macOS, old kernels); on a system
                without fork (Windows) each worker is started afresh (spawn)

Each trial launches a real worker tree through the same launcher the grader uses
(zygote.launch_once) with a probe program in place of the worker loop, which asserts
what the level promises: a hidden file is neither there nor readable, /etc/shadow is out
of reach, no TCP, the uid is not 0. A layer that fails its trial is left out of the stack
and the reason is kept for the report.
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass, replace
from pathlib import Path

from grader.sandbox import _process, confine
from grader.sandbox.confine import Stack
from grader.sandbox.layers import landlock, privileges, syscalls
from grader.sandbox.limits import Limits
from grader.sandbox.zygote import launch_once

LEVELS = ("namespaces", "landlock", "process")
_UNREACHABLE = "Python or its packages lie where uid 65534 cannot read them"
_UNMAPPED = "uid 65534 does not exist in this user namespace (a container mapping one uid)"
TRIAL_TIMEOUT_S = 60.0

# Run as the worker, in its folder; SECRET is a file it must not read, SHADOW a host file.
_PROBE = r"""
import os, socket, sys
want = {want!r}
def fail(why):
    sys.stderr.write(why + "\n")
    os._exit(9)
def readable(path):
    try:
        with open(path, "rb") as handle:
            handle.read(1)
        return True
    except OSError:
        return False
if want["files"] and readable({secret!r}):
    fail("a hidden file was readable")
if want["files"] and os.path.exists("/etc/shadow") and readable("/etc/shadow"):
    fail("/etc/shadow was readable")
if want["namespaces"] and os.getcwd() != {workdir!r}:
    fail("the new root is not in place")
if want["drop_uid"] and os.getuid() == 0:
    fail("still uid 0")
if want["tcp"]:
    try:
        socket.create_connection(("127.0.0.1", 9), timeout=1).close()
    except OSError:
        pass
    else:
        fail("a TCP connection went through")
    if want["seccomp"]:
        try:
            socket.socket(socket.AF_INET, socket.SOCK_DGRAM).close()
        except OSError:
            pass
        else:
            fail("seccomp let an Internet socket through")
with open("probe-written", "w") as handle:
    handle.write("ok")
import decimal, json  # the standard library, read after the uid drop and Landlock
import numpy  # the packages too
"""


@dataclass(frozen=True)
class Finding:
    """One level on this machine: the stack it runs with, or why it cannot be had; and
    what was left out of the stack, and why (one line each)."""

    level: str
    stack: Stack | None
    reason: str = ""  # why the level is unavailable
    left_out: tuple[str, ...] = ()  # "seccomp: libseccomp is not available", ...


class IsolationUnavailable(RuntimeError):
    """A level that was asked for by name cannot be had on this machine."""


def trial(stack: Stack) -> str:
    """'' where a worker under `stack` keeps its promises here, else what went wrong."""
    with tempfile.TemporaryDirectory(prefix="grader-probe-") as folder:
        base = Path(folder)
        for name in ("kit", "work", "scratch", "root"):
            (base / name).mkdir()
        secret = base / "kit" / "secret"
        secret.write_text("x")
        work = base / "work"
        try:
            confine.hand_over(work, stack)
            confine.hand_over(base / "scratch", stack)
        except OSError as error:  # uid 65534 unmapped (a user namespace, a container)
            return f"cannot hand the folders to uid 65534 ({error.strerror})"
        want = {
            "files": stack.namespaces or bool(stack.landlock),
            "namespaces": stack.namespaces,
            "drop_uid": stack.drop_uid,
            "tcp": stack.namespaces or stack.landlock >= 4 or stack.seccomp,
            "seccomp": stack.seccomp,
        }
        spec = confine.launch_spec(
            stack, work, base / "scratch", base / "root", (base / "kit",), Limits()
        )
        spec["probe"] = _PROBE.format(want=want, secret=str(secret), workdir=confine.WORKDIR)
        output = base / "output.txt"
        out_fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        status_read, status_write = os.pipe()
        request_read, request_write = os.pipe()
        response_read, response_write = os.pipe()
        try:
            process = launch_once(spec, (request_read, response_write, out_fd, status_write))
        except OSError as error:
            return f"could not start Python ({error})"
        finally:
            for fd in (out_fd, status_write, request_read, response_write):
                os.close(fd)
        try:
            process.wait(TRIAL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            return "the trial did not finish"
        finally:
            report = b""
            try:
                report = os.read(status_read, 4096)
            except OSError:
                pass
            for fd in (status_read, request_write, response_read):
                os.close(fd)
        said = output.read_text(errors="replace").strip().splitlines()
        problem = said[-1] if said else ""
        if not (work / "probe-written").exists() or b'"status": 0' not in report:
            return (problem or f"the trial ended with status {process.returncode}")[:300]
        return ""


def _first_working(candidates: list[tuple[Stack, str]]) -> tuple[Stack | None, list[str]]:
    """The first candidate whose trial passes, and why the ones before it failed."""
    failures: list[str] = []
    for stack, dropped in candidates:
        problem = trial(stack)
        if not problem:
            return stack, failures
        failures.append(f"{dropped or 'as a whole'}: {problem}")
    return None, failures


UID_KEPT = "without a uid drop (learner code stays uid 0, without capabilities)"


def _layers_left_out(full: Stack, chosen: Stack, reasons: dict[str, str]) -> tuple[str, ...]:
    left = []
    if full.landlock and not chosen.landlock:
        left.append(f"without Landlock: {reasons.get('landlock', 'refused')}")
    if full.seccomp != chosen.seccomp:
        left.append(f"without seccomp: {reasons.get('seccomp', 'refused')}")
    if full.drop_uid != chosen.drop_uid:
        left.append(f"{UID_KEPT}: {reasons.get('uid', 'refused')}")
    return tuple(left)


#: Why the levels above `process` need fork (one line, for the announcement).
NO_FORK = "this Python cannot fork: each worker is started afresh, at the process level"


def _find(level: str) -> Finding:
    if not _process.CAN_FORK:  # Windows: the spawn launcher (zygote.launch_spawned) only
        return Finding(level, Stack(level)) if level == "process" else Finding(level, None, NO_FORK)
    if not sys.platform.startswith("linux"):
        if level == "process":
            return Finding(level, Stack(level))
        return Finding(level, None, f"not Linux ({sys.platform})")
    if level == "process":
        # A separate process only; as root, still not the host's root where it can be.
        if os.geteuid() != 0:
            return Finding(level, Stack(level))
        dropped = Stack(level, drop_uid=True)
        if privileges.nobody_is_mapped() and not trial(dropped):
            return Finding(level, dropped)
        why = _UNREACHABLE if privileges.nobody_is_mapped() else _UNMAPPED
        return Finding(level, Stack(level), left_out=(f"{UID_KEPT}: {why}",))
    root = os.geteuid() == 0
    abi = landlock.abi_version()
    seccomp_problem = syscalls.available()
    reasons = {
        "landlock": "the kernel has no Landlock (Linux >= 5.13 with the LSM enabled)",
        "seccomp": seccomp_problem,
        "uid": _UNREACHABLE,
    }
    full = Stack(level, user_namespace=not root, landlock=abi, seccomp=not seccomp_problem)
    full = replace(full, drop_uid=root and privileges.nobody_is_mapped())
    if level == "landlock" and not abi:
        return Finding(level, None, reasons["landlock"])
    # Strongest first: each later candidate leaves one more optional layer out.
    candidates = [(full, "")]
    if full.drop_uid:  # Python unreadable by uid 65534 (a venv made by `mktemp -d`: 0700)
        candidates.append((replace(full, drop_uid=False), "without the uid drop"))
    if full.seccomp:
        candidates += [(replace(stack, seccomp=False), f"{why} without seccomp".strip())
                       for stack, why in list(candidates)]  # fmt: skip
    if full.landlock and level == "namespaces":
        candidates += [(replace(stack, landlock=0), f"{why} without Landlock".strip())
                       for stack, why in list(candidates)]  # fmt: skip
    chosen, failures = _first_working(candidates)
    if chosen is None:
        return Finding(level, None, failures[0].split(": ", 1)[-1] if failures else "refused")
    left_out = _layers_left_out(full, chosen, reasons)
    if root and not chosen.user_namespace and not privileges.nobody_is_mapped():
        left_out += (f"{UID_KEPT}: {_UNMAPPED}",)
    return Finding(level, chosen, left_out=left_out)


@functools.cache
def finding(level: str) -> Finding:
    """One level's finding, tried only when first asked for (then remembered)."""
    return _find(level)


def best() -> Finding:
    """The strongest level this machine gives."""
    for level in LEVELS:
        found = finding(level)
        if found.stack is not None:
            return found
    raise AssertionError("the process level is always available")


def resolve(requested: str) -> Finding:
    """`best`, or the named level; IsolationUnavailable (one line) where it cannot be had."""
    if requested == "best":
        return best()
    if requested not in LEVELS:
        raise IsolationUnavailable(
            f"unknown isolation level {requested!r}: choose one of best, {', '.join(LEVELS)}"
        )
    found = finding(requested)
    if found.stack is None:
        raise IsolationUnavailable(
            f"isolation level {requested!r} is not available on this machine: {found.reason}"
        )
    return found
