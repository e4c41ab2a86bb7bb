"""`check [FOLDER] [--report-dir DIR] [--only EXERCISE]`: a learner's self-check of the
visible checks (with --only, those of one exercise file and no other: its points only).

Needs no solutions/. It streams: a block per exercise file as soon as that file's checks
end, and on a terminal a live line while one call into the learner's code has run for
more than LIVE_AFTER_S. Then what to fix first, and `Points X/Y` on a line of its own (the
form GitHub Classroom reads from a job's log). With --report-dir it also writes report.md,
report.html and results.json there. Inside a GitHub Actions job it appends the Markdown
report to the job summary ($GITHUB_STEP_SUMMARY) and sets the step outputs `points` and
`max-points` ($GITHUB_OUTPUT).
"""

from __future__ import annotations

import dataclasses
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from grader.checks.catalog import Category
from grader.numbers import points_text
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.pipeline.run import Progress
from grader.render.terminal import (
    notices_text,
    render_exercise,
    self_check_footer,
    self_check_grader_errors,
    self_check_header,
)
from grader.results import CheckOutcome, GradedSubmission, NoticeKind
from grader.sandbox.isolation import announce_for_learner
from grader.terminal_text import raw_stream

#: Environment variables of a GitHub Actions runner that `check` honours when set.
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
STEP_OUTPUT_ENV = "GITHUB_OUTPUT"
#: A call running longer than this gets a live line (on a terminal only).
LIVE_AFTER_S = 2.0
TICK_S = 0.5


def _shown(folder: Path) -> str:
    """The folder checked, as the learner can find it: relative to where they are when it
    is below, else in full (`check` with no folder may check the bundle's exercises/)."""
    resolved = folder.resolve()
    try:
        relative = resolved.relative_to(Path.cwd().resolve())
    except ValueError:
        return str(resolved)
    return str(relative) if str(relative) != "." else f"this folder ({resolved.name})"


class CheckArgumentError(ValueError):
    """The folder or the report folder cannot be used; the message is one line."""


def points_line(result: GradedSubmission) -> str:
    """`Points 42.5/60`: GitHub Classroom's form of a score."""
    return f"Points {points_text(result.score)}/{points_text(result.max_score)}"


def exercise_stems() -> tuple[str, ...]:
    """The exercise names `--only` takes: the exercise files' stems, in the chapter's order."""
    from grader.paths import EXERCISE_ORDER

    return tuple(Path(name).stem for name in EXERCISE_ORDER)


def only_exercise(name: str | None) -> str | None:
    """`--only`'s exercise as a stem ("ex3_threshold_sweep.ipynb" -> "ex3_threshold_sweep");
    CheckArgumentError, one line, for a name that is no exercise."""
    if name is None:
        return None
    stem = Path(name).stem
    if stem not in exercise_stems():
        raise CheckArgumentError(
            f"--only {name}: not an exercise; use one of {', '.join(exercise_stems())}"
        )
    return stem


def validate_arguments(folder: Path, report_dir: Path | None) -> None:
    """Raise CheckArgumentError for a folder that is not one, or a report folder that is a
    file, before any grading starts."""
    if not folder.exists():
        raise CheckArgumentError(f"no such folder: {folder}")
    if not folder.is_dir() and folder.suffix.lower() != ".zip":
        parent = folder.parent if str(folder.parent) not in {"", "."} else Path(".")
        raise CheckArgumentError(
            f"{folder} is a file; check takes the folder that holds your exercise files "
            f"(python -m grader check {parent})"
        )
    if report_dir is not None and report_dir.exists() and not report_dir.is_dir():
        raise CheckArgumentError(f"--report-dir {report_dir} is a file, not a folder")


def check_command(
    kit: KitPaths,
    folder: Path,
    report_dir: Path | None = None,
    isolation: str = "best",
    only: str | None = None,
) -> int:
    """The self-check of `folder`: streamed to stdout, reports in report_dir if given.

    only: an exercise's name; its visible checks are then the only ones run, and the
    points are of those checks. Raises CheckArgumentError (one line) for bad arguments."""
    validate_arguments(folder, report_dir)
    exercise = only_exercise(only)
    options = GradingOptions(
        kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0, isolation=isolation
    )
    context = GradingContext.build(options)
    # A self-check is no hand-in: the rubric's late policy (kept in a bundle's rubric.yaml)
    # would take points for the files' dates, unsaid on the terminal's `Points X/Y`.
    context = dataclasses.replace(
        context, rubric=dataclasses.replace(context.rubric, late_policy=None)
    )
    if exercise is not None:
        # The other files' checks are never run (not run and hidden): the point of --only
        # is the time they would take.
        specs = [spec for spec in context.specs if spec.exercise == exercise]
        context = dataclasses.replace(context, specs=specs)
    # The learner's machine: no instructor line (layers, warnings about solutions it does
    # not hold); the footer's one sentence says where the code ran.
    announce_for_learner(isolation)
    out = sys.stdout
    out.write(self_check_header(_shown(folder)))
    out.flush()
    stream = StreamedCheck(out, live=_is_terminal(out))
    with stream.ticking():
        result = grade_submission(folder, context, progress=stream)
    stream.finish(result)
    out.write(answers_left_text(folder, exercise))  # what no visible check runs: ex1, ex4, ex7
    if report_dir is not None:
        from grader.render import write_submission_reports

        try:
            write_submission_reports(result, report_dir)
        except OSError as error:
            raise CheckArgumentError(
                f"could not write the reports to {report_dir}: {error.strerror or error}"
            ) from None
        print(f"Reports written to {report_dir}: open {report_dir / 'report.html'} in a browser")
    if self_check_grader_errors(result):
        # The learner's line is in the footer; the traceback is the instructor's, in
        # results.json (extra_data.grader_errors), never on the learner's screen.
        where = (
            report_dir / "results.json"
            if report_dir is not None
            else "results.json of `check --report-dir DIR`"
        )
        print(f"For your instructor: the grader's details are in {where}")
    _github_actions(result, report_dir)
    print(points_line(result), flush=True)
    return 0


def answers_left_text(folder: Path, exercise: str | None = None) -> str:
    """The hand-worked numbers and quiz answers still `...` or of the wrong form (never
    whether they are right), of `exercise` only when one is named; empty when none, or
    when the folder cannot be read (the self-check has already said why)."""
    from grader.checks.answer_forms import answer_notes, answer_notes_text
    from grader.paths import EXERCISE_FILES
    from grader.pipeline.load import SubmissionError, load_submission

    try:
        loaded = load_submission(folder, None, set(EXERCISE_FILES))
    except (SubmissionError, OSError):
        return ""
    try:
        notes = answer_notes(loaded.workdir)
        if exercise is not None:
            notes = tuple(note for note in notes if note.exercise == exercise)
        return answer_notes_text(notes)
    finally:
        loaded.close()


class StreamedCheck(Progress):
    """Writes each exercise file's block as its checks end, and a live line (on a
    terminal) while a call has run for more than LIVE_AFTER_S.

    `tick` is called every TICK_S by a thread while grading runs; the clock can be
    replaced, so that the live line is tested without waiting."""

    def __init__(
        self, out: TextIO, live: bool, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.out = out
        self.live = live
        self.clock = clock
        self.seen: list[CheckOutcome] = []
        self.written: set[str] = set()
        self._lock = threading.Lock()
        self._running: tuple[str, float] | None = None  # (function, started at)
        self._showing = False

    def call_started(self, module: str, function: str) -> None:
        with self._lock:
            self._running = (function, self.clock())

    def call_ended(self) -> None:
        with self._lock:
            self._running = None
            self._clear()

    def exercise_done(self, outcomes: list[CheckOutcome]) -> None:
        if not outcomes:
            return
        with self._lock:
            self._clear()
            self.seen.extend(outcomes)
            exercise = outcomes[0].exercise
            self.written.add(exercise)
            self.out.write(render_exercise(exercise, outcomes, self.seen))
            self.out.flush()

    def tick(self) -> None:
        with self._lock:
            if not self.live or self._running is None:
                return
            function, started = self._running
            elapsed = self.clock() - started
            if elapsed <= LIVE_AFTER_S:
                return
            # The kit's own cursor control: below the terminal's escaping (the name is
            # one of the chapter's functions, never the learner's text).
            raw_stream(self.out).write(
                f"\r  ... {function}() has been running for {elapsed:.0f} s\x1b[K"
            )
            self.out.flush()
            self._showing = True

    def finish(self, result: GradedSubmission) -> None:
        """The files whose checks did not stream (an unreadable submission), the notes on
        the submission, and the footer."""
        with self._lock:
            self._clear()
        outcomes = [item.outcome for item in result.checks]
        left = [outcome for outcome in outcomes if outcome.exercise not in self.written]
        # Nothing ran (the submission could not be read): its note says why, once.
        said_once = not self.written and len({outcome.message for outcome in left}) == 1
        for exercise in dict.fromkeys(outcome.exercise for outcome in left):
            if not (said_once and NoticeKind.UNREADABLE in result.notice_kinds):
                mine = [outcome for outcome in left if outcome.exercise == exercise]
                self.out.write(render_exercise(exercise, mine, outcomes))
        self.out.write(notices_text(result.notices))
        self.out.write(self_check_footer(result))
        self.out.flush()

    def ticking(self) -> _Ticker:
        return _Ticker(self)

    def _clear(self) -> None:
        if self._showing:
            raw_stream(self.out).write("\r\x1b[K")
            self._showing = False


class _Ticker:
    """A daemon thread calling StreamedCheck.tick while the `with` block runs."""

    def __init__(self, stream: StreamedCheck) -> None:
        self.stream = stream
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="check-live-line", daemon=True)

    def __enter__(self) -> _Ticker:
        if self.stream.live:
            self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        if self.thread.is_alive():
            self.thread.join()

    def _run(self) -> None:
        while not self.stop.wait(TICK_S):
            self.stream.tick()


def _is_terminal(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _github_actions(result: GradedSubmission, report_dir: Path | None) -> None:
    """Append the Markdown report to the job summary and set the step's outputs.

    Only where the runner names the files; a file that cannot be written costs a note on
    stderr, never the self-check itself.
    """
    summary = os.environ.get(STEP_SUMMARY_ENV)
    if summary:
        from grader.render.markdown import render_markdown

        _append(Path(summary), render_markdown(result).rstrip("\n") + "\n\n")
    outputs = os.environ.get(STEP_OUTPUT_ENV)
    if outputs:
        lines = [
            f"points={points_text(result.score)}",
            f"max-points={points_text(result.max_score)}",
        ]
        if report_dir is not None:
            lines.append(f"report-dir={report_dir}")
        _append(Path(outputs), "".join(f"{line}\n" for line in lines))


def _append(path: Path, text: str) -> None:
    try:
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as error:
        print(f"note: could not write {path}: {error.strerror}", file=sys.stderr)
