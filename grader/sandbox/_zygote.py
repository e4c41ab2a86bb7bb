"""The zygote: a warm process that forks fresh workers, so none pays Python's, NumPy's and
scikit-learn's start-up (about 1.2 s a submission).

Run as ``python -I -B -c <this file's text> CONTROL_FD BOOTSTRAP_SOURCE PRELOAD``, standard
library only. It runs the worker's program text (_bootstrap.py) without starting its loop,
imports the modules in PRELOAD (comma-separated; scikit-learn's, typically), then serves
spawn requests from the grader on CONTROL_FD, a Unix socket: a JSON request with four file
descriptors attached (the worker's request and response pipes, its output file and a
status pipe), answered with the new process's pid.

Each spawn forks a launcher L, which (when confined) unshares mount, network and PID
namespaces and forks G, the new PID namespace's init, which sets up the mounts and forks
W, the worker: W drops every capability and privilege, applies the limits, and runs the
worker loop with everything already imported. G writes W's wait status and CPU time to
the status pipe when W ends, then exits; so does L. The grader kills the whole tree by
L's process group, the pids cgroup and (when confined) the PID namespace. The zygote
itself never runs learner code and holds no secrets; it reaps L only when the grader says
so, so that L's pid cannot be reused while the grader may still signal it.
"""

import array
import ctypes
import json
import os
import resource
import signal
import socket
import subprocess
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWNET = 0x40000000
CLONE_NEWPID = 0x20000000
PR_SET_PDEATHSIG = 1
PR_CAPBSET_DROP = 24
PR_SET_CHILD_SUBREAPER = 36
PR_SET_NO_NEW_PRIVS = 38
CAPABILITY_VERSION_3 = 0x20080522
MAX_FDS = 4

LIBC = ctypes.CDLL(None, use_errno=True)


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [
        ("effective", ctypes.c_uint32),
        ("permitted", ctypes.c_uint32),
        ("inheritable", ctypes.c_uint32),
    ]


def _check(result, what):
    if result != 0:
        error = ctypes.get_errno()
        raise OSError(error, f"{what}: {os.strerror(error)}")


def _drop_privileges():
    """No capability can come back: the bounding set, then the sets themselves."""
    for capability in range(64):
        if LIBC.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == 22:  # EINVAL: past the last capability
                break
            if os.geteuid() == 0:
                raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")
            break  # not root: there was nothing to drop
    header = _CapHeader(CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _check(LIBC.capset(ctypes.byref(header), data), "capset")
    _check(LIBC.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


def _worker(spec, fds, run_worker):
    """In W: become the worker and never return."""
    request_fd, response_fd, output_fd, status_fd = fds
    os.close(status_fd)  # only G may report W's end
    os.chdir(spec["cwd"])
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(output_fd, 1)
    os.dup2(output_fd, 2)
    for fd in (devnull, output_fd):
        if fd > 2:
            os.close(fd)
    keep = {0, 1, 2, request_fd, response_fd}
    for name in os.listdir("/proc/self/fd"):
        fd = int(name)
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    os.environ.clear()
    os.environ.update(spec["env"])
    for which, soft, hard in spec["rlimits"]:
        resource.setrlimit(which, (soft, hard))
    if not spec["confined"]:
        # Orphans of the learner's children stay below the worker, where the grader
        # finds and kills them (a confined worker has its PID namespace for that).
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    _drop_privileges()
    run_worker([str(request_fd), str(response_fd), spec["hidden_package"]])
    os._exit(0)


def _namespace_init(spec, fds, run_worker):
    """In G: mounts (when confined), then W; report W's end; never return."""
    status_fd = fds[3]
    if spec["confined"]:
        setup = subprocess.run(
            ["/bin/sh", "-c", spec["setup"], "grader-sandbox", *spec["setup_args"]],
            cwd=spec["workdir"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        )
        if setup.returncode != 0:
            os.write(fds[2], b"sandbox setup failed: " + setup.stderr[-2000:])
            os._exit(70)
    worker = os.fork()
    if worker == 0:
        try:
            _worker(spec, fds, run_worker)
        finally:
            os._exit(71)
    for fd in fds[:3]:
        os.close(fd)
    while True:
        try:
            pid, status, usage = os.wait4(-1, 0)
        except ChildProcessError:
            os._exit(72)
        except InterruptedError:
            continue
        if pid == worker:
            break  # the namespace's other orphans die with it when G exits
    message = json.dumps({"status": status, "cpu_s": usage.ru_utime + usage.ru_stime})
    try:
        os.write(status_fd, message.encode())
    except OSError:
        pass
    os._exit(0)


def _launcher(spec, fds, run_worker):
    """In L: a new session, the cgroup, the namespaces, then G; never return."""
    os.setsid()
    for procs in spec["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    if spec["confined"]:
        _check(LIBC.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
    init = os.fork()
    if init == 0:
        try:
            _namespace_init(spec, fds, run_worker)
        finally:
            os._exit(73)
    for fd in fds:
        os.close(fd)
    while True:
        try:
            _, status = os.waitpid(init, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _receive(control):
    fds = array.array("i")
    message, ancillary, _, _ = control.recvmsg(1 << 20, socket.CMSG_SPACE(MAX_FDS * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return message, list(fds)


def serve(control, run_worker):
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # zombies wait for "reap"
    while True:
        message, fds = _receive(control)
        if not message:
            return  # the grader has gone
        request = json.loads(message)
        if request.get("op") == "reap":
            try:
                os.waitpid(request["pid"], 0)
            except ChildProcessError:
                pass
            control.sendall(b"{}")
            continue
        if len(fds) != MAX_FDS:
            for fd in fds:
                os.close(fd)
            control.sendall(json.dumps({"error": "expected four descriptors"}).encode())
            continue
        try:
            pid = os.fork()
        except OSError as error:
            for fd in fds:
                os.close(fd)
            control.sendall(json.dumps({"error": str(error)}).encode())
            continue
        if pid == 0:
            try:
                control.close()
                _launcher(request, fds, run_worker)
            except BaseException as error:
                try:
                    os.write(fds[2], f"sandbox launch failed: {error!r}".encode())
                finally:
                    os._exit(74)
        for fd in fds:
            os.close(fd)
        control.sendall(json.dumps({"pid": pid}).encode())


def zygote_main(argv):
    control = socket.socket(fileno=int(argv[0]))
    LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # never outlive the grader
    worker_program = {"__name__": "grader_sandbox_worker"}
    exec(compile(argv[1], "<grader worker>", "exec"), worker_program)
    for name in filter(None, argv[2].split(",")):
        try:
            __import__(name)
        except Exception:
            pass
    control.sendall(b'{"ready": true}')
    serve(control, worker_program["main"])
    os._exit(0)


if __name__ == "__main__":
    zygote_main(sys.argv[1:])
