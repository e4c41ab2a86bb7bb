"""The kit's tests and its sandbox hold wherever the virtual environment is: inside the
clone (`.venv`, where the README's newcomer and .ci/run put it), beside it, under /tmp.

The worker is shown its Python environment, so the environment's path is in the worker's
/proc/self/mountinfo and sys.prefix; inside the clone that path names the kit's folder.
Feedback names the environment `<python>` wherever it is (no venv is built here: the
environment's paths are what decide, and they are set for the test)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from grader.sandbox import confine
from grader.sandbox.worker import _scrub_pairs


@pytest.fixture()
def environment_at(monkeypatch):
    """Pretend this Python's environment is at a given folder (its cached paths redone)."""

    def place(folder: Path) -> None:
        monkeypatch.setattr(sys, "prefix", str(folder))
        monkeypatch.setattr(sys, "exec_prefix", str(folder))
        confine.environment_paths.cache_clear()

    yield place
    confine.environment_paths.cache_clear()


def _scrubbed(text: str, submission: Path, scratch: Path) -> str:
    for needle, replacement in _scrub_pairs(submission, scratch):
        text = text.replace(needle, replacement)
    return text


def test_a_venv_inside_the_kit_and_one_under_tmp_read_the_same(environment_at, tmp_path):
    kit = tmp_path / "clone"
    places = {"inside the clone": kit / ".venv", "under /tmp": Path("/tmp/kit-ci-venv.Ab12Cd")}
    shown = {}
    for where, venv in places.items():
        environment_at(venv)
        # What reads-mountinfo's learner code raises: the mount points it found.
        message = f"MOUNTS /usr {venv} {venv}/lib/python3.11/site-packages /etc/hosts"
        shown[where] = _scrubbed(message, tmp_path / "sub", tmp_path / "scratch")
        assert str(venv) not in shown[where]
        assert str(kit) not in shown[where]
    assert shown["inside the clone"] == shown["under /tmp"]
    assert (
        shown["under /tmp"]
        == "MOUNTS /usr <python> <python>/lib/python3.11/site-packages /etc/hosts"
    )


def test_the_system_python_is_never_scrubbed(environment_at, tmp_path):
    environment_at(Path("/usr"))
    assert confine.environment_paths() == ()
    text = "File /usr/lib/python3/dist-packages/numpy/core.py"
    assert _scrubbed(text, tmp_path / "sub", tmp_path / "scratch") == text
