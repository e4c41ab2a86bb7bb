"""`grade SUBMISSION... --out DIR [--jobs N] [--seed N] [instructor options]`.

OUT is the class's folder: after the run (an interrupted one too) every view in it is
rebuilt from every results.json there, so runs into the same OUT add up. Without
--overrides or --timestamps, the files last applied to OUT are applied again
(grader/classwork/remembered.py).
"""

from __future__ import annotations

import dataclasses
import signal
import sys
from collections.abc import Iterable
from pathlib import Path

from grader.classwork.batch import BatchInterrupted, grade_batch, plan_batch
from grader.classwork.classfolder import refuse_older_folders
from grader.classwork.progress import Progress
from grader.classwork.remembered import RecalledExports, recall, recall_exports, remember
from grader.classwork.stored import stored_identities
from grader.classwork.views import ViewRequest, rebuild_views, summary_lines
from grader.identity import Identity
from grader.instructor.late import load_timestamps
from grader.instructor.overrides import check_submissions, load_overrides
from grader.instructor.preflight import check_out_folder, check_output_file, unmatched
from grader.instructor.roster import Student, load_roster
from grader.instructor.rubric import Rubric
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions
from grader.pipeline.members import find_submissions
from grader.sandbox.isolation import announce


@dataclasses.dataclass(frozen=True)
class GradeRequest:
    """What `grade` was asked for, beyond the submissions."""

    out: Path
    jobs: int = 1
    seed: int | None = None
    overrides: Path | None = None
    timestamps: Path | None = None
    junit: Path | None = None
    canvas: Path | None = None
    roster: Path | None = None
    canvas_assignment: str | None = None  # "HW3 (12345)": the Canvas export's column
    isolation: str = "best"  # a level of grader/sandbox/probe.py, or the strongest
    force: bool = False  # grade again even where the inputs are unchanged
    similarity: bool = True  # search for similar submissions
    single: bool = False  # every path is one submission: never expanded as a class
    as_class: bool = False  # every folder given is a class: each entry a learner (--class)


@dataclasses.dataclass(frozen=True)
class InstructorInputs:
    """The instructor's files, read and checked against the names before any grading."""

    options: GradingOptions
    roster: dict[str, Student] | None
    warnings: tuple[str, ...]


def read_instructor_inputs(
    options: GradingOptions,
    rubric: Rubric,
    names: list[str] | list[Identity],
    overrides: Path | None,
    timestamps: Path | None,
    roster: Path | None = None,
    graded: Iterable[str] | None = None,
) -> InstructorInputs:
    """Read overrides, timestamps and roster; raise their one-line errors, and return a
    warning per name that matches no submission (or submission no roster row names), and,
    under a late policy, per submission of `graded` (default: `names`) that the
    timestamps leave out (its newest file's time decides its lateness). `names` are the
    submissions' folder names or identities (grader/identity.py: matched as such)."""
    identities = [n if isinstance(n, Identity) else Identity(n, n) for n in names]
    names = [identity.folder for identity in identities]
    warnings: list[str] = []
    if overrides:
        loaded = load_overrides(overrides, rubric)
        check_submissions(loaded, identities)
        options = dataclasses.replace(options, overrides=loaded)
    if timestamps:
        pairs = load_timestamps(timestamps, rubric.late_policy)
        warnings += unmatched((n for n, _ in pairs), identities, str(timestamps), "submission")
        if rubric.late_policy is not None:
            stamped = {name for name, _ in pairs}
            warnings += [
                f"warning: {timestamps}: no row for '{name}': its hand-in time is its newest file's"
                for name in (names if graded is None else graded)
                if name not in stamped
            ]
        options = dataclasses.replace(options, submitted_at=pairs)
    students = load_roster(roster) if roster else None
    if students is not None:
        warnings += unmatched(students, identities, str(roster), "submission")
        warnings += unmatched(names, students, "roster", f"row of {roster}")
    return InstructorInputs(options, students, tuple(warnings))


def checked_exports(
    out: Path,
    junit: Path | None,
    canvas: Path | None,
    roster: Path | None,
    canvas_assignment: str | None = None,
) -> RecalledExports:
    """The exports to write (given, or where OUT's last run wrote them), each checked
    writable, and the Canvas assignment checked, before anything runs (PreflightError,
    CanvasAssignmentError: one line)."""
    exports = recall_exports(out, junit, canvas, roster, canvas_assignment)
    for option, path in (("--junit", exports.junit), ("--canvas", exports.canvas)):
        if path is not None:
            check_output_file(path, option)
    return exports


def grade_command(kit: KitPaths, submissions: list[Path], request: GradeRequest) -> int:
    """Grade; raises the instructor inputs' errors (one line each) before grading starts.

    Returns 0, or 130/143 when Ctrl-C/SIGTERM stopped the batch (the views of what
    finished are written all the same)."""
    check_out_folder(request.out)
    exports = checked_exports(
        request.out, request.junit, request.canvas, request.roster, request.canvas_assignment
    )
    options = GradingOptions(kit_root=kit.root, base_seed=request.seed, isolation=request.isolation)
    context = GradingContext.build(options)  # a broken rubric or kit stops here
    found = find_submissions(
        submissions, out=request.out, single=request.single, as_class=request.as_class
    )
    for line in (*found.readings, *found.skipped_lines()):
        print(f"note: {line}", file=sys.stderr)
    sources = list(found.paths)
    existing = stored_identities(request.out)
    planned = plan_batch(sources, existing)
    batch_names = [item.name for item in planned]
    # Before any grading: a folder no view could read stops here, not after the batch.
    refuse_older_folders(request.out, except_names=batch_names)
    for item in planned:
        if item.renamed:
            print(f"note: {item.renamed}", file=sys.stderr)
    known = [item.who for item in planned] + [
        identity for identity in existing if identity.folder not in batch_names
    ]
    recalled = recall(request.out, request.overrides, request.timestamps)
    inputs = read_instructor_inputs(
        options,
        context.rubric,
        known,
        recalled.overrides,
        recalled.timestamps,
        exports.roster,
        graded=batch_names,
    )
    remember(
        request.out,
        request.overrides,
        request.timestamps,
        no_overrides=not inputs.options.overrides,
        exports=exports,
    )
    announce(request.isolation)  # after the instructor's files: an error there is one line
    for line in (*recalled.notes, *exports.notes, *inputs.warnings):
        print(line, file=sys.stderr)
    progress = Progress(len(sources))
    status = 0
    try:
        outcomes = grade_batch(
            sources,
            request.out,
            inputs.options,
            jobs=request.jobs,
            progress=progress,
            force=request.force,
            rubric=context.rubric,
        )
    except BatchInterrupted as stop:
        progress.close()
        name = signal.Signals(stop.signal_number).name
        print(
            f"stopped by {name}: {stop.finished} of {len(sources)} submission(s) finished; "
            "run the same command again to grade the rest",
            file=sys.stderr,
        )
        outcomes, status = [], stop.exit_status
    finally:
        progress.close()
    views = rebuild_views(
        request.out,
        ViewRequest(
            late_policy=context.rubric.late_policy is not None,
            junit=exports.junit,
            canvas=exports.canvas,
            canvas_assignment=exports.canvas_assignment,
            roster=inputs.roster,
            similarity=request.similarity,
            stub_folder=kit.exercises,
            solutions_folder=kit.solutions,
            low_score_fraction=context.rubric.low_score_fraction,
        ),
    )
    if not status:
        errors = sum(1 for outcome in outcomes if outcome.grader_error)
        skipped = sum(1 for outcome in outcomes if outcome.skipped)
        print(
            f"graded {len(outcomes) - skipped} submission(s) into {request.out}"
            + (f", {skipped} unchanged since their results" if skipped else "")
            + (f"; {errors} had a grader error" if errors else "")
        )
    for line in views.problems:
        print(line, file=sys.stderr)
    for line in summary_lines(views.summary):
        print(line)
    print("wrote: " + ", ".join(str(path) for path in views.written))
    return status
