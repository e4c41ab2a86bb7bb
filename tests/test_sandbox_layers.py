"""Each sandbox layer alone (grader/sandbox/layers/), the probe, and `--isolation`.

A layer restricts the process that applies it for good, so each test applies it in a fresh
interpreter (`_in_child`) and asserts what that child could and could not do. Skipped,
with the reason, where this machine lacks the mechanism.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from grader.cli import main
from grader.sandbox import probe
from grader.sandbox.isolation import announcement
from grader.sandbox.layers import landlock, syscalls

LINUX = sys.platform.startswith("linux")


def _in_child(code: str, cwd: Path) -> dict:
    """Run `code` in a fresh interpreter; it prints one JSON object as its last line."""
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not LINUX or landlock.abi_version() < 1, reason="no Landlock here")
def test_landlock_allows_only_the_listed_folders(tmp_path: Path) -> None:
    (tmp_path / "secret").mkdir()
    (tmp_path / "secret" / "answer.txt").write_text("42")
    (tmp_path / "mine").mkdir()
    result = _in_child(
        f"""
        import ctypes, json, os, sys, sysconfig
        from grader.sandbox.layers import landlock
        ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # no_new_privs
        python = sorted({{sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(
            sys.executable)), sysconfig.get_paths()["stdlib"]}})
        abi = landlock.restrict(python + ["/usr", "/lib", "/lib64"], [{str(tmp_path / "mine")!r}])
        def can(action):
            try:
                action()
                return True
            except OSError:
                return False
        print(json.dumps({{
            "abi": abi,
            "read_secret": can(lambda: open({str(tmp_path / "secret" / "answer.txt")!r}).read()),
            "write_mine": can(lambda: open({str(tmp_path / "mine" / "x")!r}, "w").write("x")),
            "write_beside": can(lambda: open({str(tmp_path / "y")!r}, "w").write("y")),
            "shadow": can(lambda: open("/etc/shadow").read()),
            "stdlib": can(lambda: __import__("decimal")),
        }}))
        """,
        tmp_path,
    )
    assert result["abi"] >= 1
    assert result["write_mine"] and result["stdlib"]
    assert not result["read_secret"] and not result["write_beside"] and not result["shadow"]


@pytest.mark.skipif(not LINUX or landlock.abi_version() < 1, reason="no Landlock here")
def test_a_hidden_folder_stays_hidden_behind_a_link_to_its_parent(tmp_path: Path) -> None:
    # A virtual environment's lib64 is a link to lib: a rule for lib64 granted lib whole,
    # the packages hidden inside it (scikit-learn for the from-scratch file) included.
    from grader.sandbox.confine import _without

    site = tmp_path / "venv" / "lib" / "site-packages"
    (site / "scipy").mkdir(parents=True)
    (site / "scipy" / "special.py").write_text("expit = 1")
    (site / "numpy").mkdir()
    (site / "numpy" / "core.py").write_text("ok = 1")
    (tmp_path / "venv" / "lib64").symlink_to("lib")
    (site / "elsewhere").symlink_to(site / "scipy")
    rules = _without(str(tmp_path / "venv"), [str(site / "scipy")])
    result = _in_child(
        f"""
        import ctypes, json, os, sys, sysconfig
        from grader.sandbox.layers import landlock
        ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)  # no_new_privs
        python = sorted({{sys.prefix, sys.base_prefix, os.path.dirname(os.path.realpath(
            sys.executable)), sysconfig.get_paths()["stdlib"]}})
        landlock.restrict(python + ["/usr", "/lib", "/lib64"] + {rules!r}, [])
        def can(path):
            try:
                open(path).read()
                return True
            except OSError:
                return False
        venv = {str(tmp_path / "venv")!r}
        print(json.dumps({{
            "numpy": can(venv + "/lib64/site-packages/numpy/core.py"),
            "scipy": can(venv + "/lib/site-packages/scipy/special.py"),
            "scipy_by_lib64": can(venv + "/lib64/site-packages/scipy/special.py"),
            "scipy_by_link": can(venv + "/lib/site-packages/elsewhere/special.py"),
        }}))
        """,
        tmp_path,
    )
    assert result["numpy"]
    assert not result["scipy"] and not result["scipy_by_lib64"] and not result["scipy_by_link"]


@pytest.mark.skipif(not LINUX or bool(syscalls.available()), reason="no libseccomp here")
def test_seccomp_refuses_sockets_namespaces_and_ptrace_but_not_fork_or_threads(
    tmp_path: Path,
) -> None:
    result = _in_child(
        """
        import ctypes, json, os, socket, threading
        from grader.sandbox.layers import syscalls
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(38, 1, 0, 0, 0)  # no_new_privs
        syscalls.install()
        def refused(action):
            try:
                action()
                return False
            except OSError:
                return True
        pid = os.fork()
        if pid == 0:
            os._exit(7)
        forked = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 7
        box = []
        thread = threading.Thread(target=lambda: box.append(1))
        thread.start()
        thread.join()
        left, right = socket.socketpair()
        print(json.dumps({
            "inet": refused(lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
            "unix": refused(lambda: socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)),
            "unshare": libc.unshare(0x10000000) != 0,
            "ptrace": libc.ptrace(16, os.getppid(), 0, 0) != 0,
            "forked": forked,
            "thread": box == [1],
            "socketpair": left.fileno() > 0,
        }))
        """,
        tmp_path,
    )
    assert result == {
        "inet": True,
        "unix": True,
        "unshare": True,
        "ptrace": True,
        "forked": True,
        "thread": True,
        "socketpair": True,
    }


@pytest.mark.skipif(not LINUX or os.geteuid() != 0, reason="a uid drop needs root")
def test_privileges_drop_to_nobody_without_capabilities(tmp_path: Path) -> None:
    result = _in_child(
        """
        import json, os
        from grader.sandbox.layers import privileges
        privileges.become(privileges.NOBODY, privileges.NOBODY)
        privileges.drop_capabilities()
        print(json.dumps({"ids": [os.getuid(), os.geteuid(), os.getgid()] + os.getgroups(),
                          "caps": privileges.capabilities_left()}))
        """,
        tmp_path,
    )
    assert result == {"ids": [65534, 65534, 65534], "caps": 0}


def test_the_probe_chooses_an_available_level_and_refuses_unknown_ones() -> None:
    found = probe.best()
    assert found.stack is not None and found.level in probe.LEVELS
    with pytest.raises(probe.IsolationUnavailable, match="unknown isolation level"):
        probe.resolve("chroot")
    line = announcement(probe.resolve("process"), "process")
    assert line.startswith("isolation: process") and "WARNING" in line and "\n" not in line


def test_a_level_the_machine_cannot_give_exits_2_with_one_line(
    monkeypatch: pytest.MonkeyPatch, kit, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    original = probe.finding

    def without_namespaces(level: str) -> probe.Finding:
        if level == "namespaces":
            return probe.Finding(level, None, "unshare: Operation not permitted")
        return original(level)

    monkeypatch.setattr(probe, "finding", without_namespaces)
    submission = tmp_path / "learner"
    submission.mkdir()
    code = main(
        ["grade", str(submission), "--out", str(tmp_path / "out"), "--isolation=namespaces"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert err == (
        "error: isolation level 'namespaces' is not available on this machine: "
        "unshare: Operation not permitted\n"
    )
    assert not (tmp_path / "out").exists()
    # `best` falls back and says why to the instructor, in one line, before grading
    assert main(["grade", str(submission), "--out", str(tmp_path / "graded")]) == 0
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("isolation: ") and "namespaces unavailable: unshare" in first
    # the learner's self-check says none of it (its footer has the one plain sentence)
    assert main(["check", str(submission)]) == 0
    said = capsys.readouterr()
    assert "isolation:" not in said.err and "unshare" not in said.err + said.out


@pytest.mark.skipif(
    not LINUX or bool(syscalls.available()) or landlock.abi_version() < 1,
    reason="needs seccomp and Landlock to stand in for a container",
)
def test_in_a_container_that_refuses_namespaces_landlock_is_best_and_said(
    kit, tmp_path: Path
) -> None:
    """Docker's default seccomp profile refuses unshare and mount: the grader, started
    under such a filter (ours stands in for it), falls to the landlock level, says why on
    stderr, and still grades correct code to full marks."""
    learner = tmp_path / "learner"
    learner.mkdir()
    for path in kit.solutions.glob("*.py"):
        if path.name != "tickets.py":
            (learner / path.name).write_bytes(path.read_bytes())
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                """
                import ctypes, sys
                from grader.sandbox.layers import syscalls
                ctypes.CDLL(None).prctl(38, 1, 0, 0, 0)
                syscalls.install()
                from grader.cli import main
                sys.exit(main(["check", sys.argv[1], "--report-dir", sys.argv[2]]))
                """
            ),
            str(learner),
            str(tmp_path / "report"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    # The learner sees one plain sentence; the level and its layers are for the instructor,
    # in results.json.
    assert "Landlock" not in done.stderr + done.stdout and "isolation:" not in done.stderr
    assert "Your code ran in a sandbox" in done.stdout
    results = json.loads((tmp_path / "report" / "results.json").read_text(encoding="utf-8"))
    assert results["extra_data"]["isolation"]["level"] == "landlock"
    statuses = {test["name"]: test["status"] for test in results["tests"]}
    assert statuses and set(statuses.values()) == {"passed"}, statuses


def _unshare_user() -> list[str] | None:
    """`unshare -U -r`: a user namespace that maps one uid, as a rootless container does."""
    import shutil

    tool = shutil.which("unshare")
    if not LINUX or tool is None:
        return None
    done = subprocess.run([tool, "-U", "-r", "true"], capture_output=True, timeout=30)
    return [tool, "-U", "-r"] if done.returncode == 0 else None


@pytest.mark.skipif(_unshare_user() is None, reason="no unprivileged user namespace here")
def test_in_a_one_uid_user_namespace_grading_works_and_says_uid_0_is_kept(
    kit, tmp_path: Path
) -> None:
    """Inside a user namespace that maps one uid (rootless containers), uid 65534 does not
    exist: the probe leaves the uid drop out and says so, instead of failing to chown."""
    learner = tmp_path / "learner"
    learner.mkdir()
    for path in kit.solutions.glob("*.py"):
        if path.name != "tickets.py":
            (learner / path.name).write_bytes(path.read_bytes())
    out = tmp_path / "graded"
    # `grade`: the instructor's run says the level on stderr (a learner's `check` does not).
    done = subprocess.run(
        [*_unshare_user(), sys.executable, "-m", "grader", "grade", str(learner),
         "--out", str(out)],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert "uid 65534 does not exist in this user namespace" in done.stderr.splitlines()[0]
    results = json.loads((out / "learner" / "results.json").read_text(encoding="utf-8"))
    assert {test["status"] for test in results["tests"]} == {"passed"}
