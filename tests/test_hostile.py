"""Hostile submissions: what the grader must hold whatever the learner's code does.

Every tests/fixtures/<scenario>/ with a hostile.yaml is graded end to end (the golden test
grades it too and pins each check's outcome). hostile.yaml states the scenario's
invariants, so that no scenario is special-cased here:

    fails: [check ids]        exactly these fail, every other check passes
    targets: [module.function or module]
                              every check that calls one of these fails: no point is won by
                              the hostile code (a cross-check of `fails`)
    marker: text              processes whose argv or name holds it must all be gone after
                              grading; files of that name must exist nowhere the hostile
                              code guessed (the standard places below, the grader's scratch)
    guessed_paths: [...]      more places that must not exist afterwards ({kit}, {tmp},
                              {home}, {cwd}, {submission_parent}, {out}, {marker} expanded)
    listener: {ports: [lo, hi], unix: name}
                              listeners the test opens; none may be reached
    forbidden_output: [...]   text the feedback must never hold (it would mean a leak)
    secret_paths: [...]       paths the feedback must never show
    max_results_kb: n         results.json stays below this (default 256)
    symlinks / zip / raw_files / reencode
                              how the submission is built (conftest.build_submission)

Beyond these, every scenario's results are strict JSON, no check is a grader error, the
input is unchanged (test_golden._grade checks it) and grading ends in bounded time.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import tempfile
import time
from pathlib import Path

import pytest
from conftest import HOSTILE_FILE, build_submission, golden_outcomes, hostile_places, hostile_spec
from test_golden import FIXTURES, _digest, _grade

from grader.cli import main as grader_main
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions
from grader.render import write_submission_reports
from grader.render.gradescope import to_gradescope
from grader.results import Status
from grader.samples import SAMPLE_FILE

HOSTILE = sorted(path.name for path in FIXTURES.iterdir() if (path / HOSTILE_FILE).exists())
#: Where hostile code writes its marker file whatever the scenario (expanded per test).
STANDARD_PLACES = (
    "{tmp}/{marker}",
    "/var/tmp/{marker}",
    "/dev/shm/{marker}",
    "/{marker}",
    "{home}/{marker}",
    "{cwd}/{marker}",
    "{kit}/{marker}",
    "{submission_parent}/{marker}",
    "{submission_parent}/{scenario}/{marker}",
    "{out}/{marker}",
)
MAX_SECONDS = 30.0  # a stall, not a speed target: each scenario takes a few seconds


@pytest.fixture(scope="module")
def base_context() -> GradingContext:
    context = GradingContext.build(GradingOptions(kit_root=KitPaths.discover().root, base_seed=7))
    yield context
    context.warm.close()


# --- what is left behind -------------------------------------------------------------------


def marked_processes(marker: str) -> dict[int, str]:
    """pid -> command line of every process whose argv or name holds `marker`."""
    found = {}
    needle = marker.encode()
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
            with open(f"/proc/{entry}/comm", "rb") as handle:
                comm = handle.read()
            with open(f"/proc/{entry}/stat", "rb") as handle:
                state = handle.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state != b"Z" and (needle in cmdline or needle in comm):
            found[int(entry)] = (cmdline or comm).replace(b"\0", b" ").decode(errors="replace")
    return found


def assert_no_survivors(marker: str) -> None:
    deadline = time.monotonic() + 3.0  # a dying PID namespace takes a moment
    while (left := marked_processes(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # clean up before failing: they must not outlive the test run
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert not left, f"processes left running after grading: {left}"


def leftover_files(paths: list[Path]) -> list[Path]:
    """Those of `paths` that exist now; removed, so that a failure leaves no litter."""
    found = [path for path in paths if path.is_symlink() or path.exists()]
    for path in found:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()
    return found


def scratch_litter(marker: str) -> list[Path]:
    """Files named `marker` in the grader's temporary folders: its scratch was not removed."""
    tmp = Path(tempfile.gettempdir())
    found = []
    for folder in tmp.glob("grader-*"):
        with contextlib.suppress(OSError):
            found += [path for path in folder.rglob(marker)]
    return found


# --- listeners ------------------------------------------------------------------------------


class Listeners:
    """A TCP and a UDP socket on a free port of [lo, hi] on 127.0.0.1, an abstract Unix
    socket and one in the temporary folder: whatever reaches any of them is recorded."""

    def __init__(self, ports: list[int], unix: str, tmp: str) -> None:
        self.sockets: list[socket.socket] = []
        for port in range(ports[0], ports[1] + 1):
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                tcp.bind(("127.0.0.1", port))
                udp.bind(("127.0.0.1", port))
            except OSError:
                tcp.close()
                udp.close()
                continue
            tcp.listen(8)
            self.sockets += [tcp, udp]
            break
        assert self.sockets, f"no free port in {ports}"
        self.path = Path(tmp) / f"{unix}.sock"
        self.path.unlink(missing_ok=True)
        for address in ("\0" + unix, str(self.path)):
            server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            server.bind(address)
            server.listen(8)
            self.sockets.append(server)
        for server in self.sockets:
            server.setblocking(False)

    def received(self) -> list[str]:
        got = []
        for server in self.sockets:
            with contextlib.suppress(BlockingIOError):
                if server.type == socket.SOCK_DGRAM:
                    data = server.recv(4096)
                    got.append(f"a datagram {data[:40]!r}")
                else:
                    connection, _ = server.accept()
                    connection.close()
                    got.append(f"a connection to {server.getsockname()!r}")
        return got

    def close(self) -> None:
        for server in self.sockets:
            server.close()
        self.path.unlink(missing_ok=True)


# --- the scenarios --------------------------------------------------------------------------


def _touches(calls: tuple[str, ...], targets: list[str]) -> bool:
    return any(
        call == target or call.startswith(f"{target}.") for call in calls for target in targets
    )


@pytest.mark.parametrize("scenario", HOSTILE)
def test_hostile_scenario(scenario: str, base_context: GradingContext, tmp_path: Path):
    skip_where_uncontained(scenario, base_context)
    run_scenario(scenario, base_context, tmp_path)


def skip_where_uncontained(scenario: str, context: GradingContext) -> None:
    needs = hostile_spec(FIXTURES / scenario).get("needs_isolation")
    if needs and context.stack.level == "process":
        # Marked, not silent: the process level has no file-system, network or PID
        # barrier, and running the attack would let it write into the checkout.
        pytest.skip(f"needs isolation ({needs}): the process level does not contain it")


# Scenarios that attack the isolation itself (hostile.yaml `needs_isolation:`), and those
# that act where the sandbox cannot stop them (`every_level: true`: the reply channel, the
# held-out data, the from-scratch rule, the time budget), which must hold at each level;
# the others attack the grader's comparisons, which do not depend on the level.
ESCAPES = [
    scenario
    for scenario in HOSTILE
    if hostile_spec(FIXTURES / scenario).get("needs_isolation")
    or hostile_spec(FIXTURES / scenario).get("every_level")
]


def _level_contexts() -> dict[str, GradingContext | str]:
    """Every level this machine gives, forced through the same option as `--isolation`,
    and the namespaces level through a user namespace (what a grader that is not root
    gets); a level the machine lacks maps to the reason."""
    from grader.sandbox import probe

    levels: dict[str, GradingContext | str] = {}
    for level in probe.LEVELS:
        found = probe.finding(level)
        levels[level] = found.reason if found.stack is None else level
    found = probe.finding("namespaces")
    if found.stack is not None and not found.stack.user_namespace:
        levels["namespaces-through-user-namespace"] = "namespaces-userns"
    return levels


LEVELS = _level_contexts()


@pytest.fixture(scope="module", params=sorted(LEVELS))
def level_context(request: pytest.FixtureRequest) -> GradingContext:
    chosen = LEVELS[request.param]
    if chosen not in ("namespaces", "landlock", "process", "namespaces-userns"):
        pytest.skip(f"isolation level {request.param} is not available here: {chosen}")
    level = "namespaces" if chosen == "namespaces-userns" else chosen
    options = GradingOptions(kit_root=KitPaths.discover().root, base_seed=7, isolation=level)
    context = GradingContext.build(options)
    if chosen == "namespaces-userns":
        stack = dataclasses.replace(context.stack, user_namespace=True, drop_uid=False)
        context = dataclasses.replace(context, stack=stack)
    yield context
    context.warm.close()


@pytest.mark.parametrize("scenario", ESCAPES)
def test_escape_attempts_are_contained_at_every_level(
    scenario: str, level_context: GradingContext, tmp_path: Path
):
    skip_where_uncontained(scenario, level_context)
    run_scenario(scenario, level_context, tmp_path)


def run_scenario(scenario: str, base_context: GradingContext, tmp_path: Path) -> None:
    spec = hostile_spec(FIXTURES / scenario)
    marker = spec.get("marker", "")
    places = {**hostile_places(base_context.kit.root, tmp_path, marker), "scenario": scenario}
    composed = (FIXTURES / scenario / SAMPLE_FILE).exists()  # else graded in place
    places["submission"] = str(tmp_path / scenario if composed else FIXTURES / scenario)
    out = Path(places["out"])
    out.mkdir()
    # The output folder is a private path, as in a batch: hidden from the learner's code.
    options = dataclasses.replace(base_context.options, private_paths=(out,))
    context = dataclasses.replace(base_context, options=options)
    guessed = []
    if marker:
        templates = [*STANDARD_PLACES, *spec.get("guessed_paths", [])]
        guessed = [Path(template.format(**places)) for template in templates]
    already_there = {path for path in guessed if path.exists()}
    guessed = [path for path in guessed if path not in already_there]
    listeners = None
    if spec.get("listener"):
        listener = spec["listener"]
        listeners = Listeners(listener["ports"], listener["unix"], places["tmp"])
    try:
        started = time.monotonic()
        result = _grade(scenario, context, tmp_path)  # asserts the input is unchanged
        elapsed = time.monotonic() - started
        reached = listeners.received() if listeners else []
    finally:
        if listeners:
            listeners.close()
    try:
        statuses = {item.outcome.check_id: item.outcome.status for item in result.checks}
        errors = [check for check, status in statuses.items() if status is Status.ERROR]
        details = [i.outcome.grader_error[-1500:] for i in result.checks if i.outcome.grader_error]
        assert not errors, f"grader errors on {errors}: {result.grader_errors} {details[:1]}"
        failed = {check for check, status in statuses.items() if status.earns_nothing}
        expected = set(spec["fails"])
        assert failed == expected, (
            f"points won that the honest part did not earn: {sorted(expected - failed)}; "
            f"honest checks that failed: {sorted(failed - expected)}"
        )
        won = [
            item.outcome.check_id
            for item in result.checks
            if _touches(item.outcome.learner_calls, spec.get("targets", []))
            and not item.outcome.status.earns_nothing
        ]
        assert not won, f"checks of the hostile functions that did not fail: {won}"
        assert result.score < result.max_score

        # Strict JSON, whatever came back; and the reports render and stay small.
        feedback = to_gradescope(result)
        assert json.loads(json.dumps(feedback, allow_nan=False))["max_score"] == 100
        written = write_submission_reports(result, out / result.name)
        results_text = (out / result.name / "results.json").read_text(encoding="utf-8")
        json.loads(results_text, parse_constant=lambda name: pytest.fail(f"JSON has {name}"))
        assert len(results_text) <= spec.get("max_results_kb", 256) * 1024
        shown = results_text + "".join(
            path.read_text(encoding="utf-8", errors="replace") for path in written.values()
        )
        for text in spec.get("forbidden_output", []):
            assert text not in shown, f"the feedback holds {text!r}"
        for template in spec.get("secret_paths", []):
            secret = template.format(**places)
            assert secret not in shown, f"the feedback shows the hidden path {secret}"
        assert not reached, f"the learner's code reached the test's listeners: {reached}"
        assert elapsed < MAX_SECONDS, f"grading took {elapsed:.1f} s"
    finally:
        if marker:
            assert_no_survivors(marker)
            outside = leftover_files(guessed)
            assert not outside, f"files written outside the worker's scratch: {outside}"
            litter = scratch_litter(marker)
            assert not litter, f"the grader's scratch was not removed: {litter[:5]}"


def test_every_hostile_fixture_is_described():
    assert len(HOSTILE) >= 25
    for scenario in HOSTILE:
        spec = hostile_spec(FIXTURES / scenario)
        assert spec.get("fails"), f"{scenario}: hostile.yaml lists no failing check"
        assert (FIXTURES / scenario / "expected.json").exists(), f"{scenario}: no expected.json"
        golden = golden_outcomes(FIXTURES / scenario)
        failing = {
            check
            for check, outcome in golden.items()
            if outcome["status"] not in ("passed", "review")
        }
        assert failing == set(spec["fails"]), f"{scenario}: expected.json and hostile.yaml differ"


# --- a class at once ------------------------------------------------------------------------


BATCH_HOSTILE = ("double-fork-and-setsid-survivor", "forged-json-guessed-paths")


def test_hostile_and_correct_submissions_in_one_batch(kit, tmp_path):
    """Two hostile submissions and a correct one, graded by `grade --jobs 2`: the correct
    one still earns every point; nothing survives; nothing lands in the output folder but
    the reports."""
    sources = [build_submission(FIXTURES / name, kit, tmp_path / "in") for name in BATCH_HOSTILE]
    correct = tmp_path / "in" / "correct"
    correct.mkdir(parents=True)
    for path in kit.solutions.glob("*.py"):
        if path.name != "tickets.py":
            shutil.copyfile(path, correct / path.name)
    sources.append(correct)
    digests = {source: _digest(source) for source in sources}
    out = tmp_path / "out"
    markers = [hostile_spec(FIXTURES / name).get("marker", "") for name in BATCH_HOSTILE]
    places = hostile_places(kit.root, tmp_path / "in", "")
    guessed = [
        Path(template.format(**{**places, "marker": marker, "out": str(out), "scenario": "x"}))
        for marker in markers
        if marker
        for template in STANDARD_PLACES
    ]
    already_there = {path for path in guessed if path.exists()}
    try:
        code = grader_main(["grade", *map(str, sources), "--out", str(out), "--jobs", "2"])
        assert code == 0
        scores = {
            name: json.loads((out / name / "results.json").read_text())["score"]
            for name in (*BATCH_HOSTILE, "correct")
        }
        assert scores["correct"] == pytest.approx(100)
        assert all(scores[name] < 100 for name in BATCH_HOSTILE), scores
        views = {"gradebook.csv", "class.html", "class.md", "class.json", ".grader.lock"}
        expected = {*views, *BATCH_HOSTILE, "correct"}
        assert {path.name for path in out.iterdir()} == expected
        for name in (*BATCH_HOSTILE, "correct"):
            # the reports, the automatic and adjusted results (for regrade and the class
            # views) and the graded files (for the similarity search), all by the grader
            assert {path.name for path in (out / name).iterdir()} == {
                "results.json",
                "report.html",
                "report.md",
                "automatic.json",
                "adjusted.json",
                "code",
            }
            assert all(p.suffix == ".py" for p in (out / name / "code").iterdir())
        assert all(_digest(source) == digest for source, digest in digests.items())
    finally:
        for marker in filter(None, markers):
            assert_no_survivors(marker)
        outside = leftover_files([path for path in guessed if path not in already_there])
        assert not outside, f"files written outside the workers' scratch: {outside}"
