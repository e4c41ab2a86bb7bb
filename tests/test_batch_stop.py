"""Ctrl-C and SIGTERM in the middle of a batch, sent by the test to a real `grade` process.

The class: one small submission that finishes, then one whose fit_logistic never returns
(tests/fixtures/infinite-loop). The test waits for the first one's progress line (an
event, not a delay), sends the signal while the second is being graded, and expects: the
exit status of the signal, a gradebook and class report holding what finished, no
temporary folder left, and no process left behind.
"""

from __future__ import annotations

import csv
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import build_submission

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize(("number", "status"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_stops_the_batch_and_keeps_what_finished(kit, tmp_path, number, status) -> None:
    klass = tmp_path / "class"
    (klass / "a_done").mkdir(parents=True)
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", klass / "a_done" / "ex7_diagnosis.py")
    hanging = build_submission(FIXTURES / "infinite-loop", kit, tmp_path / "built")
    shutil.copytree(hanging, klass / "b_hangs", ignore=shutil.ignore_patterns("*.json"))
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "grader", "grade", str(klass), "--out", str(out), "--seed", "2"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=kit.root,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    try:
        seen = []
        for line in process.stderr:  # blocks until the grader says something
            seen.append(line)
            if line.startswith("[1/2] a_done"):
                break
        else:
            pytest.fail("the first submission never finished:\n" + "".join(seen))
        assert (out / "a_done" / "results.json").is_file()
        process.send_signal(number)
        stdout, stderr = process.communicate(timeout=120)  # a guard, not a measurement
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == status, stderr
    assert f"stopped by {signal.Signals(number).name}: 1 of 2" in stderr
    assert "Traceback" not in stderr
    with (out / "gradebook.csv").open(encoding="utf-8-sig", newline="") as handle:
        assert [row["name"] for row in csv.DictReader(handle)] == ["a_done"]
    assert not (out / "b_hangs" / "results.json").exists()
    for name in ("class.html", "class.md", "class.json"):
        assert (out / name).is_file()
    assert list(temporary.iterdir()) == []  # every temporary folder of the batch is gone
    assert "wrote:" in stdout
    assert not _processes_mentioning(str(tmp_path))


def _processes_mentioning(text: str) -> list[int]:
    """Live processes whose command line or working folder names `text`."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace")
            folder = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        if text in command or folder.startswith(text):
            found.append(int(entry))
    return found
