"""`grade SUBMISSION... --out DIR [--jobs N] [--seed N] [instructor options]`."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from grader.instructor.late import load_timestamps
from grader.instructor.overrides import check_submissions, load_overrides
from grader.paths import KitPaths
from grader.pipeline.batch import grade_batch, plan_batch
from grader.pipeline.grade import GradingContext, GradingOptions
from grader.pipeline.members import find_submissions
from grader.render.canvas import load_roster, write_canvas
from grader.render.junit import write_junit


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
    single: bool = False  # every path is one submission: never expanded as a class


def grade_command(kit: KitPaths, submissions: list[Path], request: GradeRequest) -> int:
    """Grade; raises the instructor files' errors (one line each) before grading starts."""
    options = GradingOptions(kit_root=kit.root, base_seed=request.seed)
    context = GradingContext.build(options)  # a broken rubric or kit stops here
    found = find_submissions(submissions, out=request.out, single=request.single)
    for line in found.skipped_lines():
        print(f"note: {line}", file=sys.stderr)
    sources = list(found.paths)
    names = [item.name for item in plan_batch(sources)]
    if request.overrides:
        overrides = load_overrides(request.overrides, context.rubric)
        check_submissions(overrides, names)
        options = dataclasses.replace(options, overrides=overrides)
    if request.timestamps:
        options = dataclasses.replace(options, submitted_at=load_timestamps(request.timestamps))
    roster = load_roster(request.roster) if request.roster else None
    outcomes = grade_batch(sources, request.out, options, jobs=request.jobs)
    errors = sum(1 for outcome in outcomes if outcome.grader_error)
    if request.junit:
        write_junit([(o.item.name, request.out / o.item.name) for o in outcomes], request.junit)
    if request.canvas:
        write_canvas([o.row for o in outcomes], request.canvas, roster)
    print(
        f"graded {len(outcomes)} submission(s) into {request.out}"
        + (f"; {errors} had a grader error" if errors else "")
    )
    return 0
