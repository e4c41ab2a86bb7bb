"""The zygote: a warm process that forks fresh workers, so none pays Python's, NumPy's and
scikit-learn's start-up (about 1.2 s a submission); and the cold launcher, the same code
without the warm-up, for machines or tests without a zygote. One launch path either way.

Run as ``python -I -B -c <this file's text> MODE ...``, standard library only (the layers
arrive as source text, see layers/__init__.py):

    serve CONTROL_FD BOOTSTRAP_SOURCE PRELOAD LAYERS_JSON
        run the worker's program text (_bootstrap.py) without starting its loop, import
        the modules in PRELOAD (comma-separated; scikit-learn's, typically), then serve
        the grader's requests on CONTROL_FD, a Unix socket: {"op": "prepare"} makes a
        launcher ahead of its worker (below), {"op": "reap"} reaps one the grader killed.
    once SPEC_JSON BOOTSTRAP_SOURCE LAYERS_JSON
        become the launcher of one worker tree at once; the spec names the four
        descriptors this process inherited.
    spawn SPEC_JSON BOOTSTRAP_SOURCE LAYERS_JSON
        become the worker W itself, without any fork (Windows, or a Python without
        os.fork; the `process` level only): stdin is the request pipe, stdout the response
        pipe, stderr the output file, the only handles every system passes to a child. The
        grader started it in a new session (POSIX) or job object (Windows) and reads its
        end from its own wait, so there is no G and no status pipe.

A zygote makes each launcher ahead of its worker (request {"op": "prepare"}, answered
with the launcher's pid and, attached, the grader's end of a channel to it): L joins its
cgroup and enters its namespaces, forks G, and G forks W, all while the grader grades
the submission before; then G and W wait. The grader later sends the worker's spec and
its four descriptors on that channel; G builds the new root (pivot_root moves the
waiting W in too) and hands W its spec and descriptors. Moving a process into a cgroup
takes about 10 ms and each fork of the warm zygote about 5 ms: a worker made ahead is
ready about 8 ms after its spec arrives instead of about 25 ms (grader/sandbox/zygote.py
Zygote.launch).

The launcher L starts a new session, joins the worker's cgroups and (at the namespaces
level) unshares mount, network and PID namespaces, through a user namespace where the
grader is not root; it forks G, the new PID namespace's init, which builds the new root
(layers/mounts.py) and forks W, the worker. W applies the limits, becomes an unprivileged
uid where the grader is root, drops every capability, restricts itself with Landlock and
seccomp where the spec says so, and runs the worker loop with everything already
imported. G writes W's wait status and CPU time to the status pipe when W ends, then
exits; so does L. The grader kills the whole tree by L's process group, the pids cgroup
and (with namespaces) the PID namespace. The zygote itself never runs learner code and
holds no secrets; it reaps L only when the grader says so, so that L's pid cannot be
reused while the grader may still signal it.
"""

import array
import ctypes
import json
import os
import signal
import socket
import sys
import types

try:
    import resource
except ImportError:  # Windows: the spec carries no rlimits there
    resource = None

PR_SET_PDEATHSIG = 1
PR_SET_CHILD_SUBREAPER = 36
MAX_FDS = 4

LINUX = sys.platform.startswith("linux")
LIBC = ctypes.CDLL(None, use_errno=True) if os.name == "posix" else None


def _close_all_but(keep):
    """Close every descriptor not in `keep` (/proc on Linux, /dev/fd on macOS)."""
    for folder in ("/proc/self/fd", "/dev/fd"):
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            fd = int(name)
            if fd not in keep:
                try:
                    os.close(fd)
                except OSError:
                    pass
        return
    for fd in range(3, 4096):
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def load_layers(sources_json):
    """The layer modules from their source text: name -> module."""
    layers = {}
    for name, source in json.loads(sources_json).items():
        module = types.ModuleType(f"grader_sandbox_layer_{name}")
        exec(compile(source, f"<grader layer {name}>", "exec"), module.__dict__)
        layers[name] = module
    return layers


def _worker(spec, fds, run_worker, layers):
    """In W: become the worker and never return."""
    request_fd, response_fd, output_fd, status_fd = fds
    if status_fd is not None:
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
    _close_all_but(keep)
    os.environ.clear()
    os.environ.update(spec["env"])
    for which, soft, hard in spec["rlimits"] if resource is not None else ():
        try:
            resource.setrlimit(which, (soft, hard))
        except (ValueError, OSError):
            if LINUX:
                raise
            # macOS refuses some limits (RLIMIT_AS): the others still hold, the report says
    if LINUX and not spec["namespaces"]:
        # Orphans of the learner's children stay below the worker, where the grader
        # finds and kills them (a confined worker has its PID namespace for that).
        LIBC.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    if spec.get("uid") is not None:
        layers["privileges"].become(*spec["uid"])
    if LINUX:
        layers["privileges"].drop_capabilities()
    if spec.get("landlock") is not None:
        rules = spec["landlock"]
        layers["landlock"].restrict(rules["read"], rules["write"], rules["read_files"])
    if spec.get("seccomp"):
        layers["syscalls"].install()
    if spec.get("probe") is not None:
        exec(compile(spec["probe"], "<sandbox probe>", "exec"), {"__name__": "__probe__"})
        os._exit(0)
    run_worker([str(request_fd), str(response_fd), spec["hidden_package"]])
    os._exit(0)


def _namespace_init(spec, fds, run_worker, layers, made_ahead=None):
    """In G: the new root (with namespaces), then W; report W's end; never return.
    `made_ahead`: W already forked (its pid, and the channel on which it waits for its
    spec and descriptors), which this G then hands it, instead of forking W now."""
    status_fd = fds[3]
    os.chdir(spec["workdir"])
    if spec["namespaces"]:
        try:
            layers["mounts"].build_root(
                spec["new_root"], spec["shown"], spec["hidden"], spec["cwd"], spec["scratch_mb"]
            )
        except OSError as error:
            os.write(fds[2], f"sandbox setup failed: {error}".encode())
            os._exit(70)
    if made_ahead is not None:
        worker, channel = made_ahead
        # W's root and cwd were the old root: pivot_root moved it into the new one too.
        channel.sendmsg(
            [json.dumps(spec).encode()],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds[:3]))],
        )
        channel.close()
    else:
        worker = os.fork()
        if worker == 0:
            _become_worker(spec, fds, run_worker, layers)
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


def _become_worker(spec, fds, run_worker, layers):
    """Run the worker and never return; a failure before its loop goes to fd 2 (the
    output file, once _worker has moved it there)."""
    try:
        _worker(spec, fds, run_worker, layers)
    except BaseException as error:
        os.write(2, f"sandbox setup failed: {error!r}".encode())
    finally:
        os._exit(71)


def _launcher(spec, fds, run_worker, layers):
    """In L: a new session, the cgroup, the namespaces, then G; never return."""
    _launcher_head(spec, layers)
    _launcher_tail(spec, fds, run_worker, layers)


def _launcher_head(head, layers):
    """L's first steps, the same for every worker of a grading: a new session, the
    worker's cgroups (moving a process into one takes about 10 ms, mostly waiting), the
    namespaces. `head` holds the spec's cgroup_procs, namespaces and user_namespace."""
    os.setsid()
    for procs in head["cgroup_procs"]:
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    if head["namespaces"]:
        layers["namespaces"].enter(head["user_namespace"])


def _launcher_tail(spec, fds, run_worker, layers):
    """L's last steps, for one worker: fork G, wait for it, exit with its status."""
    init = os.fork()
    if init == 0:
        try:
            _namespace_init(spec, fds, run_worker, layers)
        except BaseException as error:
            os.write(fds[2], f"sandbox setup failed: {error!r}".encode())
        finally:
            os._exit(73)
    for fd in fds:
        os.close(fd)
    _exit_with(init)


def _exit_with(init):
    """Wait for G and exit with its status (L's end)."""
    while True:
        try:
            _, status = os.waitpid(init, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


def _prepared(head, channel, run_worker, layers):
    """In a launcher made ahead of its worker: the head and G's fork now (overlapping the
    grader's other work), then G waits on `channel` for the worker's spec and its four
    descriptors and goes on as G; never return. The grader closing the channel first ends
    both. A failure before G is reported once the descriptors are there, as L would have
    reported it."""
    try:
        _launcher_head(head, layers)
        init = os.fork()
    except BaseException as error:
        _report_when_asked(channel, error)
    if init == 0:
        try:
            _prepared_init(channel, run_worker, layers)
        finally:
            os._exit(73)
    channel.close()
    _exit_with(init)


def _prepared_init(channel, run_worker, layers):
    """In G made ahead: fork W now too (each fork of the warm zygote's memory takes about
    5 ms), then wait for the spec and the descriptors and go on as G, handing W its
    own. If the grader closes the channel instead, G exits, and W with it."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    worker = os.fork()
    if worker == 0:
        channel.close()
        ours.close()
        spec, fds = _spec_from(theirs, count=3)
        _become_worker(spec, (*fds, None), run_worker, layers)
    theirs.close()
    spec, fds = _spec_from(channel)
    try:
        _namespace_init(spec, fds, run_worker, layers, made_ahead=(worker, ours))
    except BaseException as error:
        os.write(fds[2], f"sandbox setup failed: {error!r}".encode())


def _report_when_asked(channel, error):
    _, fds = _spec_from(channel)
    said = str(error) if isinstance(error, OSError) else repr(error)
    try:
        os.write(fds[2], f"sandbox launch failed: {said}".encode())
    finally:
        os._exit(74)


def _spec_from(channel, count=MAX_FDS):
    """The worker's spec and `count` descriptors, sent by the grader (or, to W, by G);
    exits quietly when the channel is closed instead (the launcher was not needed)."""
    try:
        message, fds = _receive(channel)
    except OSError:
        os._exit(0)
    channel.close()
    if not message or len(fds) != count:
        os._exit(0)
    return json.loads(message), fds


def _launch(spec, fds, run_worker, layers):
    try:
        _launcher(spec, fds, run_worker, layers)
    except BaseException as error:
        try:
            said = str(error) if isinstance(error, OSError) else repr(error)
            os.write(fds[2], f"sandbox launch failed: {said}".encode())
        finally:
            os._exit(74)


def _receive(control):
    fds = array.array("i")
    message, ancillary, _, _ = control.recvmsg(1 << 20, socket.CMSG_SPACE(MAX_FDS * fds.itemsize))
    for level, kind, data in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
    return message, list(fds)


def serve(control, run_worker, layers):
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
        for fd in fds:
            os.close(fd)  # nothing the zygote is asked for comes with descriptors
        if request.get("op") == "prepare":
            _serve_prepare(control, request["head"], run_worker, layers)
            continue
        control.sendall(json.dumps({"error": "unknown request"}).encode())


def _serve_prepare(control, head, run_worker, layers):
    """A launcher made ahead of its worker (_prepared); the grader gets its pid and, with
    the reply, the launcher's end of a new channel, on which it later sends the spec."""
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    try:
        pid = os.fork()
    except OSError as error:
        ours.close()
        theirs.close()
        control.sendall(json.dumps({"error": str(error)}).encode())
        return
    if pid == 0:
        try:
            control.close()
            theirs.close()
            _prepared(head, ours, run_worker, layers)
        finally:
            os._exit(74)
    ours.close()
    try:
        control.sendmsg(
            [json.dumps({"pid": pid}).encode()],
            [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [theirs.fileno()]))],
        )
    finally:
        theirs.close()


def _worker_program(source):
    program = {"__name__": "grader_sandbox_worker"}
    exec(compile(source, "<grader worker>", "exec"), program)
    return program["main"]


def _prepare(layers):
    # libseccomp is found and loaded here, before any restriction, never in the worker.
    # The filter is built here too, once: each worker only loads it.
    if "syscalls" in layers and not layers["syscalls"].available():
        layers["syscalls"].prepare()


def zygote_main(argv):
    control = socket.socket(fileno=int(argv[0]))
    if LINUX:
        LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)  # never outlive the grader
    run_worker = _worker_program(argv[1])
    layers = load_layers(argv[3])
    _prepare(layers)
    for name in filter(None, argv[2].split(",")):
        try:
            __import__(name)
        except Exception:
            pass
    # What every worker would do first, done once before the forks (the worker program's
    # own globals: run_worker is its main).
    run_worker.__globals__["warm_up"]()
    control.sendall(b'{"ready": true}')
    serve(control, run_worker, layers)
    os._exit(0)


def spawn_main(argv):
    """W started afresh: the same _worker as after the forks, on the standard handles."""
    spec = json.loads(argv[0])
    layers = load_layers(argv[2])
    for procs in spec["cgroup_procs"]:  # where the grader made one (Linux without fork)
        with open(procs, "w") as handle:
            handle.write(str(os.getpid()))
    # The channel moves off 0 and 1, which become /dev/null and the output file.
    fds = (os.dup(0), os.dup(1), 2, None)
    run_worker = _worker_program(argv[1]) if spec.get("probe") is None else None
    _become_worker(spec, fds, run_worker, layers)


def once_main(argv):
    spec = json.loads(argv[0])
    layers = load_layers(argv[2])
    _prepare(layers)
    run_worker = _worker_program(argv[1]) if spec.get("probe") is None else None
    _launch(spec, spec["fds"], run_worker, layers)


if __name__ == "__main__":
    if sys.argv[1] == "once":
        once_main(sys.argv[2:])
    elif sys.argv[1] == "spawn":
        spawn_main(sys.argv[2:])
    else:
        zygote_main(sys.argv[2:])
