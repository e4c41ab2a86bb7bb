"""A learner's walkthrough, replayed: the release bundle, `check` on the golden scenarios
(an untouched stub, one typical mistake, a syntax error, an endless loop).

Everything runs inside a bundle made by `release` in a temporary folder, from inside it,
so that its own grader package (no solutions, no variant code) is the one that runs.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import golden_outcomes, visible_checks_of

from grader.commands.release import write_release
from grader.paths import KitPaths
from grader.samples import Sample, compose_sample

FIXTURES = Path(__file__).parent / "fixtures"
ENV = {"PATH": "/usr/bin:/bin"}
TIMEOUT_S = 300


@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("walkthrough") / "bundle"
    write_release(KitPaths.discover(), out)
    # The endless loop costs a few time limits: keep them short here.
    rubric = out / "rubric.yaml"
    raw = yaml.safe_load(rubric.read_text(encoding="utf-8"))
    raw.setdefault("limits", {})["call_timeout_s"] = 1.5
    rubric.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return out


def _scenario(name: str, tmp_path: Path) -> Path:
    sample = Sample.read(FIXTURES / name)
    return compose_sample(sample, KitPaths.discover().solutions, tmp_path / name)


def _check(bundle: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "grader", "check", *args],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=TIMEOUT_S,
        check=False,
        cwd=bundle,
    )


def test_an_untouched_stub_is_said_in_a_few_lines(bundle: Path) -> None:
    done = _check(bundle, "exercises")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) < 25, done.stdout
    assert "not written yet" in done.stdout
    # one cause said once: no upstream paragraph, no repeated stub sentence per check
    assert "may not be this exercise's fault" not in done.stdout
    assert "(this part is not written yet)" not in done.stdout
    assert done.stdout.count("sigmoid()") == 1  # said once, in its file's line
    assert "note:" not in done.stdout  # the stubs' own data files are not "replaced"
    assert "Fix first: write add_intercept() in logistic_scratch.py" in done.stdout
    assert "RLIMIT" not in done.stdout and "cgroup" not in done.stdout
    assert lines[-1].startswith("Points 0/")


def test_one_mistake_is_named_as_a_misconception(bundle: Path, tmp_path: Path) -> None:
    done = _check(bundle, str(_scenario("mistake-strict-threshold", tmp_path)))
    assert done.returncode == 0, done.stderr
    assert "Recognized mistake M09: p > t instead of p >= t." in done.stdout
    assert "Fix first: predict_with_threshold() in logistic_scratch.py" in done.stdout
    assert "M09" in done.stdout.split("Fix first:")[1].splitlines()[0]
    # the later exercise built on it says so once (its CAUSE block, no NOTE repeating
    # it), not under each of its checks
    later = done.stdout.split("ex3_threshold_sweep.py:", 1)[1].split("\nex4_", 1)[0]
    assert later.count("fix predict_with_threshold() first") == 1, later
    assert "NOTE" not in later


def test_a_syntax_error_is_noted_once_per_file_and_its_checks_not_run(
    bundle: Path, tmp_path: Path
) -> None:
    done = _check(bundle, str(_scenario("syntax-error", tmp_path)))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    notes = [line for line in text.splitlines() if "syntax error on line 31" in line]
    sections = [line for line in text.splitlines() if re.match(r"\w+\.py: ", line)]
    assert len(notes) <= len(sections) + 1  # at most once per file, and in "Fix first"
    count = visible_checks_of("logistic_scratch")
    assert text.splitlines()[2].startswith(f"logistic_scratch.py: 0 of {count}")
    assert "NOT RUN logistic_scratch.py has a syntax error on line 31" in text
    assert "Fix first: logistic_scratch.py has a syntax error on line 31" in text


def test_an_endless_loop_streams_and_writes_the_report(bundle: Path, tmp_path: Path) -> None:
    report = tmp_path / "report"
    done = _check(bundle, str(_scenario("infinite-loop", tmp_path)), "--report-dir", str(report))
    assert done.returncode == 0, done.stderr
    assert "fit_logistic() did not return within 1.5 s" in done.stdout
    assert f"open {report / 'report.html'} in a browser" in done.stdout
    assert len(done.stdout.splitlines()) < 25, done.stdout
    page = (report / "report.html").read_text(encoding="utf-8")
    assert 'class="fix-first"' in page and "fit_logistic()" in page
    assert "Your code ran in a sandbox" in page or "Your code ran in a separate" in page


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["exercises/logistic_scratch.py"], "is a file; check takes the folder"),
        (["exercises", "--report-dir", "README.md"], "is a file, not a folder"),
        (["no/such/folder"], "no such folder"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(bundle: Path, argv, message) -> None:
    done = _check(bundle, *argv)
    assert done.returncode == 2
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_the_learners_help_lists_only_what_the_bundle_runs(bundle: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "grader", "--help"],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=TIMEOUT_S,
        check=False,
        cwd=bundle,
    )
    assert done.returncode == 0
    assert "check" in done.stdout
    for command in ("grade", "release", "validate", "gradescope", "demo", "build"):
        assert re.search(rf"^\s+{command}\b", done.stdout, re.MULTILINE) is None, command


# Each golden misconception scenario, graded by the bundle's own grader in one process:
# the visible checks must name what the kit's grader names (tests/fixtures/*/expected.json).
_GRADE_ALL = """
import json, sys
from pathlib import Path
from grader.checks.catalog import Category
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
kit = KitPaths.discover()
options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0)
context = GradingContext.build(options)
found = {}
for folder in sys.argv[1:]:
    result = grade_submission(Path(folder), context)
    found[Path(folder).name] = {
        item.outcome.check_id: list(item.outcome.misconceptions) for item in result.checks
    }
print(json.dumps(found))
"""


def test_the_bundle_names_every_misconception_the_visible_checks_can_show(
    bundle: Path, tmp_path: Path
) -> None:
    names = sorted(p.name for p in FIXTURES.glob("misconception-M*") if p.is_dir())
    assert len(names) == 23
    # and the typical mistakes, where a check blames a wrong function it builds on (its
    # probes need the reference's answers on their tiny inputs, recorded at release)
    names += sorted(p.name for p in FIXTURES.glob("mistake-*") if p.is_dir())
    folders = [str(_scenario(name, tmp_path)) for name in names]
    done = subprocess.run(
        [sys.executable, "-c", _GRADE_ALL, *folders],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=TIMEOUT_S,
        check=False,
        cwd=bundle,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout)
    named = set()
    for name in names:
        expected = golden_outcomes(FIXTURES / name)
        for check_id, got in found[name].items():
            assert got == expected[check_id]["misconceptions"], (name, check_id)
            named.update(got)
    # the self-check now names mistakes at all (the old stand-in named none)
    assert len(named) >= 15, sorted(named)
