"""Systems without fork, fcntl or resource (Windows): workers are started afresh at the
process level (zygote.launch_spawned), the same worker loop and protocol as after a fork.

The self-check runs in a Python whose startup (a sitecustomize first on PYTHONPATH) makes
`fcntl` and `resource` unimportable and deletes `os.fork`: the points must equal a normal
run's, with no traceback. Windows itself is not available here; this is its stand-in.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from grader.paths import KitPaths
from grader.samples import Sample, compose_sample
from grader.sandbox import FailureKind, Limits, StudentCodeError, Worker, zygote

FIXTURES = Path(__file__).parent / "fixtures"

# Runs before the grader is imported: what a Windows Python lacks, taken away.
NO_FORK_SITE = """\
import os, sys
sys.modules["fcntl"] = None
sys.modules["resource"] = None
del os.fork
"""


def _check(folder: Path, kit: KitPaths, site: Path | None) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    if site is not None:
        env["PYTHONPATH"] = str(site)
    return subprocess.run(
        [sys.executable, "-m", "grader", "check", str(folder)],
        capture_output=True,
        text=True,
        env=env,
        cwd=kit.root,
        timeout=600,
        check=False,
    )


def _points(done: subprocess.CompletedProcess) -> str:
    found = re.search(r"^Points ([\d.]+/[\d.]+)$", done.stdout, re.MULTILINE)
    assert found, done.stdout[-2000:] + done.stderr[-2000:]
    return found.group(1)


@pytest.fixture(scope="module")
def no_fork_site(tmp_path_factory) -> Path:
    site = tmp_path_factory.mktemp("no-fork-site")
    (site / "sitecustomize.py").write_text(NO_FORK_SITE, encoding="utf-8")
    return site


@pytest.mark.parametrize("sample", ["correct", "mistake-ex3-costs-exchanged"])
def test_the_self_check_without_fork_gives_the_same_points(kit, tmp_path, no_fork_site, sample):
    if sample == "correct":
        folder = compose_sample(
            Sample("correct", tmp_path / "none", "", "solutions"), kit.solutions, tmp_path / "s"
        )
    else:
        folder = compose_sample(Sample.read(FIXTURES / sample), kit.solutions, tmp_path / "s")
    spawned = _check(folder, kit, no_fork_site)
    assert spawned.returncode == 0, spawned.stderr[-3000:]
    assert "Traceback" not in spawned.stdout + spawned.stderr
    normal = _check(folder, kit, None)
    assert _points(spawned) == _points(normal)
    if sample == "correct":
        points, most = _points(spawned).split("/")
        assert points == most
    else:
        assert _points(spawned).split("/")[0] != _points(spawned).split("/")[1]


def test_the_shim_really_takes_fork_away(no_fork_site) -> None:
    probe = "import os, importlib.util as u; print(hasattr(os, 'fork'));" + (
        "from grader.sandbox import _process; print(_process.CAN_FORK, _process.resource)"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(no_fork_site), "PATH": os.environ.get("PATH", "")},
        timeout=120,
        check=True,
    )
    assert done.stdout.split() == ["False", "False", "None"], done.stdout + done.stderr


HANGS = """\
import subprocess, sys, time

def hang():
    # A child that would outlive its parent, then the worker itself hangs.
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    with open("child.pid", "w") as handle:
        handle.write(str(child.pid))
    while True:
        time.sleep(0.01)

def answer():
    print("hello from the worker")
    return 42
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return False
    return stat[stat.rfind(b")") + 2 : stat.rfind(b")") + 3] not in (b"Z", b"X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_spawned_worker_is_cut_at_its_time_limit_with_its_children(tmp_path, monkeypatch):
    monkeypatch.setattr(zygote, "CAN_FORK", False)
    (tmp_path / "hangs.py").write_text(HANGS, encoding="utf-8")
    with Worker(tmp_path, Limits(call_timeout_s=1.0), confinement=None) as worker:
        result = worker.call("hangs", "answer")
        assert result.value == 42 and "hello from the worker" in result.output
        assert worker._holder.process is not None and worker._holder.process.spawned
        started = time.monotonic()
        with pytest.raises(StudentCodeError) as raised:
            worker.call("hangs", "hang")
        assert raised.value.kind is FailureKind.TIMEOUT
        assert time.monotonic() - started < 30  # cut at the limit, not left to hang
        child = int((tmp_path / "child.pid").read_text())
        assert not _alive(child), "the worker's child outlived the timeout"
        # The next call starts a fresh worker, again without fork.
        assert worker.call("hangs", "answer").value == 42
        assert worker.restarts == 1


# --- words for learners ------------------------------------------------------------------

# Sandbox internals, and the instructor's warning about files a learner's bundle lacks.
INTERNALS = re.compile(
    r"landlock|seccomp|\buid\b|namespace|cgroup|solutions|other submissions", re.IGNORECASE
)


def test_a_failing_function_that_prints_shows_its_line_and_no_sandbox_internals(
    kit, tmp_path, capsys
) -> None:
    from grader.cli import main

    folder = compose_sample(
        Sample.read(FIXTURES / "mistake-ex3-costs-exchanged"), kit.solutions, tmp_path / "s"
    )
    path = folder / "ex3_threshold_sweep.py"
    text = path.read_text(encoding="utf-8")
    wrong = "    return float(fn * cost_fp + fp * cost_fn)"
    assert text.count(wrong) == 1
    path.write_text(
        text.replace(wrong, '    print("debug: fn =", fn, "fp =", fp)\n' + wrong), encoding="utf-8"
    )
    report = tmp_path / "report"
    assert main(["check", str(folder), "--report-dir", str(report)]) == 0
    said = capsys.readouterr()
    assert "Your code printed:" in said.out and "| debug: fn = " in said.out, said.out
    assert not INTERNALS.search(said.out + said.err), said.out + said.err
    md = (report / "report.md").read_text(encoding="utf-8")
    html = (report / "report.html").read_text(encoding="utf-8")
    assert "debug: fn =" in md and "debug: fn =" in html
    assert not INTERNALS.search(md) and not INTERNALS.search(html)
    results = json.loads((report / "results.json").read_text(encoding="utf-8"))
    shown = [test for test in results["tests"] if "debug: fn =" in test.get("output", "")]
    assert shown and all(test["status"] == "failed" for test in shown)
    learner_text = results["output"] + "".join(test.get("output", "") for test in results["tests"])
    assert not INTERNALS.search(learner_text)
    # The instructor's detail stays in results.json.
    assert results["extra_data"]["isolation"]["in_force"]
    # Passing checks that print show nothing of it: only failing ones do.
    assert said.out.count("Your code printed:") == len(shown)


# --- a Python whose pipes cannot be polled (Windows) --------------------------------------

NO_POLL = (
    HANGS
    + """

def echo(text):
    return text + text

def quits():
    import os
    os._exit(3)
"""
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_spawned_worker_talks_without_poll_or_set_blocking(tmp_path, monkeypatch):
    """Windows' Python has no select.poll for pipes, and os.set_blocking on a pipe only
    from 3.12: the grader's side then uses blocking pipes read and written by threads
    (worker._Pipes). Both are taken away here, on Linux, as a Python 3.10 on Windows has."""
    import types

    from grader.sandbox import worker as worker_module

    monkeypatch.setattr(zygote, "CAN_FORK", False)
    no_poll = types.SimpleNamespace(POLLIN=1, POLLOUT=4)  # the constants, no poll()
    monkeypatch.setattr(worker_module, "select", no_poll)
    monkeypatch.delattr(os, "set_blocking")
    (tmp_path / "hangs.py").write_text(NO_POLL, encoding="utf-8")
    with Worker(tmp_path, Limits(call_timeout_s=1.0), confinement=None) as worker:
        result = worker.call("hangs", "answer")
        assert result.value == 42 and "hello from the worker" in result.output
        process = worker._holder.process
        assert process is not None and process.spawned and process.pipes is not None
        # A request and a reply each many times a pipe's buffer (64 KB): written and read
        # in pieces by the threads.
        big = "ab" * 300_000
        assert worker.call("hangs", "echo", big).value == big + big
        with pytest.raises(StudentCodeError) as raised:
            worker.call("hangs", "hang")
        assert raised.value.kind is FailureKind.TIMEOUT
        child = int((tmp_path / "child.pid").read_text())
        assert not _alive(child), "the worker's child outlived the timeout"
        with pytest.raises(StudentCodeError) as raised:
            worker.call("hangs", "quits")  # the worker exits mid-call: said, not hung
        assert raised.value.kind is not FailureKind.TIMEOUT
        assert worker.call("hangs", "answer").value == 42  # a fresh worker, again
        assert worker.restarts == 2
