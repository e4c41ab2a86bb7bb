"""The Linux namespaces and the pids cgroup around a worker (grader/sandbox/layers/).

Every test runs at the namespaces level twice: as the probe found it (as root: plain
namespaces and a uid drop to 65534) and through a user namespace (what a grader that is
not root gets; forced here, so that CI as root exercises that path too), each with
Landlock and seccomp where the kernel has them. Skipped, with the probe's reason, where
the kernel does not allow namespaces; the report then says so (test_sandbox.py pins the
process-level protections every platform has, test_sandbox_layers.py the Landlock level).
Each test states what learner code must not be able to do, and tries it.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import textwrap
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from grader.sandbox import (
    FailureKind,
    Limits,
    StudentCodeError,
    Worker,
    cgroups,
    confine,
    isolation_report,
    probe,
)
from grader.sandbox.confine import Confinement, Stack
from grader.sandbox.zygote import Zygote

FOUND = probe.finding("namespaces")
pytestmark = pytest.mark.skipif(
    FOUND.stack is None, reason=f"namespaces unavailable here: {FOUND.reason}"
)
STACKS = {"as-probed": FOUND.stack}
if FOUND.stack is not None and not FOUND.stack.user_namespace:
    # A uid drop needs uids mapped: through a user namespace the worker keeps the
    # grader's own (unprivileged, outside root) uid.
    STACKS["user-namespace"] = dataclasses.replace(FOUND.stack, user_namespace=True, drop_uid=False)
FAST = Limits(call_timeout_s=3.0, memory_mb=1024, cpu_s=60, processes=32)

Submit = Callable[..., Worker]


@pytest.fixture(params=sorted(STACKS))
def stack(request: pytest.FixtureRequest) -> Stack:
    return STACKS[request.param]


@pytest.fixture()
def submit(tmp_path: Path, launcher: Zygote | None, stack: Stack) -> Iterator[Submit]:
    workers: list[Worker] = []
    folder = tmp_path / "submission"
    folder.mkdir()

    def make(hidden: tuple[Path, ...] = (), limits: Limits = FAST, **files: str) -> Worker:
        for name, source in files.items():
            (folder / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
        worker = Worker(folder, limits, Confinement(hidden, stack), zygote=launcher)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.close()


def _processes_with(marker: str) -> list[int]:
    """Host pids whose command line holds `marker`."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            except OSError:
                continue
            if marker.encode() in cmdline:
                found.append(int(entry))
    return found


def test_the_learner_sees_its_folder_at_a_fixed_place(submit: Submit) -> None:
    worker = submit(
        m="""
        import os, sys
        def where():
            return [os.getcwd(), sys.path[0], sorted(os.listdir("."))]
        """
    )
    assert worker.call("m", "where").value == [confine.WORKDIR, confine.WORKDIR, ["m.py"]]


def test_hidden_folders_are_empty_and_cannot_be_uncovered(submit: Submit, tmp_path) -> None:
    secret = tmp_path / "kit" / "solutions"
    secret.mkdir(parents=True)
    (secret / "logistic_scratch.py").write_text("ANSWER = 42\n")
    worker = submit(
        hidden=(tmp_path / "kit",),
        m="""
        import os, subprocess
        def look(path):
            return os.path.exists(path)
        def uncover(path):
            done = subprocess.run(["umount", path], capture_output=True)
            return [done.returncode, os.path.exists(os.path.join(path, "solutions"))]
        def capabilities():
            status = open("/proc/self/status").read()
            return status.split("CapEff:")[1].split()[0]
        """,
    )
    assert worker.call("m", "look", str(secret / "logistic_scratch.py")).value is False
    returncode, visible = worker.call("m", "uncover", str(tmp_path / "kit")).value
    assert returncode != 0 and visible is False
    assert int(worker.call("m", "capabilities").value, 16) == 0


def test_writes_outside_the_private_copy_go_nowhere(submit: Submit, tmp_path) -> None:
    marker = f"grader-test-{uuid.uuid4().hex}"
    targets = [tmp_path / marker, Path("/tmp") / marker, Path("/var/tmp") / marker]
    worker = submit(
        m="""
        def write(paths):
            results = []
            for path in paths:
                try:
                    with open(path, "w") as handle:
                        handle.write("x")
                    results.append("written")
                except OSError as error:
                    results.append(type(error).__name__)
            return results
        """
    )
    results = worker.call("m", "write", [str(path) for path in targets]).value
    worker.close()
    assert not any(path.exists() for path in targets), results


def test_the_root_file_system_is_read_only(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def write_root():
            try:
                open("/grader-test-file", "w")
            except OSError as error:
                return error.errno
            os.remove("/grader-test-file")
            return 0
        """
    )
    assert worker.call("m", "write_root").value == 30  # EROFS


def test_no_network_not_even_the_local_listener(submit: Submit) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        listener.setblocking(False)
        port = listener.getsockname()[1]
        worker = submit(
            m="""
            import socket
            def connect(port):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                except OSError as error:
                    return type(error).__name__
                return "connected"
            """
        )
        assert worker.call("m", "connect", port).value != "connected"
        with pytest.raises(BlockingIOError):
            listener.accept()


def test_only_its_own_processes_are_visible(submit: Submit) -> None:
    worker = submit(
        m="""
        import os
        def pids():
            return sorted(int(entry) for entry in os.listdir("/proc") if entry.isdigit())
        """
    )
    pids = worker.call("m", "pids").value
    assert len(pids) <= 4 and max(pids) < 100  # the namespace's init, the worker, ...


def test_a_double_forked_setsid_process_dies_with_the_worker(submit: Submit) -> None:
    marker = f"grader-test-{uuid.uuid4().hex}"
    worker = submit(
        m="""
        import os, signal, subprocess, sys, time
        def escape(marker):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    signal.signal(signal.SIGTERM, signal.SIG_IGN)
                    os.execv(sys.executable, [sys.executable, "-c",
                             "import signal, time; signal.signal(signal.SIGTERM, "
                             "signal.SIG_IGN); time.sleep(600)", marker])
                os._exit(0)
            os.wait()
            time.sleep(0.3)
            return True
        """
    )
    assert worker.call("m", "escape", marker).value is True
    assert _processes_with(marker), "the escaped process should be running before close"
    worker.close()
    assert _processes_with(marker) == []


def test_signals_the_worker_sends_itself_still_work(submit: Submit) -> None:
    worker = submit(
        m="""
        import os, signal
        def crash():
            os.kill(os.getpid(), signal.SIGSEGV)
        def fine():
            return 1
        """
    )
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "crash")
    assert caught.value.kind is FailureKind.CRASHED
    assert worker.call("m", "fine").value == 1


@pytest.mark.skipif("pids" not in cgroups.available(), reason="no writable pids cgroup here")
def test_a_fork_storm_meets_the_process_limit(submit: Submit) -> None:
    worker = submit(
        limits=Limits(call_timeout_s=5.0, memory_mb=1024, cpu_s=60, processes=12),
        m="""
        import os, time
        def storm():
            started = 0
            for _ in range(200):
                try:
                    pid = os.fork()
                except OSError:
                    break
                if pid == 0:
                    time.sleep(600)
                    os._exit(0)
                started += 1
            return started
        """,
    )
    started = worker.call("m", "storm").value
    assert started < 12


def test_a_timeout_in_a_confined_worker_is_reported_and_recovered(submit: Submit) -> None:
    worker = submit(
        limits=Limits(call_timeout_s=0.5, memory_mb=1024, cpu_s=60),
        m="""
        def spin():
            while True:
                pass
        def fine():
            return 2
        """,
    )
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "spin")
    assert caught.value.kind is FailureKind.TIMEOUT
    assert worker.call("m", "fine").value == 2


def test_the_report_names_the_namespaces_in_force(stack: Stack) -> None:
    report = isolation_report(Limits(), Confinement(stack=stack))
    assert report.level == "namespaces"
    in_force = " ".join(report.in_force)
    for namespace in ("network namespace", "mount, network and PID namespaces", "PID namespace"):
        assert namespace in in_force
    assert not any("namespace" in item for item in report.missing)
    assert (
        report.summary == "Your code ran in a sandbox without network, with a 10 s limit per call."
    )


@pytest.mark.skipif("pids" not in cgroups.available(), reason="no writable pids cgroup here")
def test_the_learner_is_told_which_limit_stopped_the_code(submit: Submit) -> None:
    worker = submit(
        limits=Limits(call_timeout_s=5.0, memory_mb=1024, cpu_s=60, processes=8),
        m="""
        import os, socket, time
        def storm():
            while True:
                if os.fork() == 0:
                    time.sleep(600)
        def call_home():
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        """,
    )
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "storm")
    assert "the process limit: at most 8 processes" in caught.value.learner_message
    with pytest.raises(StudentCodeError) as caught:
        worker.call("m", "call_home")
    assert "no network" in caught.value.learner_message


def test_hidden_paths_are_not_even_named_in_the_mount_table(submit: Submit, tmp_path) -> None:
    kit = tmp_path / "kit"
    kit.mkdir()
    worker = submit(
        hidden=(kit,),
        m="""
        def table():
            return open("/proc/self/mountinfo").read()
        """,
    )
    table = worker.call("m", "table").value
    assert str(kit) not in table and str(tmp_path / "submission") not in table.split()[4::10]


def test_the_private_copy_is_writable(submit: Submit) -> None:
    worker = submit(
        m="""
        def write():
            with open("scratch.txt", "w") as handle:
                handle.write("notes")
            return open("scratch.txt").read()
        """
    )
    assert worker.call("m", "write").value == "notes"


@pytest.mark.skipif("memory" not in cgroups.available(), reason="no writable memory cgroup here")
def test_memory_is_limited_for_the_whole_process_tree(submit: Submit) -> None:
    worker = submit(
        limits=Limits(call_timeout_s=8.0, memory_mb=600, cpu_s=60, processes=16),
        m="""
        import os, time
        import numpy as np
        def hold_in_children():
            readers = []
            for _ in range(4):
                read, write = os.pipe()
                pid = os.fork()
                if pid == 0:
                    try:
                        block = np.ones(25 << 20)  # 200 MB, touched
                        os.write(write, b"1")
                        time.sleep(1.0)
                    finally:
                        os._exit(0)
                os.close(write)
                readers.append((pid, read))
            held = 0  # children that allocated and survived: all held their 200 MB at once
            for pid, read in readers:
                reported = os.read(read, 1) == b"1"
                held += reported and os.WIFEXITED(os.waitpid(pid, 0)[1])
            return held * 200
        """,
    )
    try:
        held = worker.call("m", "hold_in_children").value
    except StudentCodeError as error:  # the OOM killer may pick the worker itself
        assert error.kind is FailureKind.MEMORY
    else:
        assert held <= 600
