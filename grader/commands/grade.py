"""`grade SUBMISSION... --out DIR [--jobs N] [--seed N]`."""

from __future__ import annotations

from pathlib import Path

from grader.paths import KitPaths
from grader.pipeline.batch import grade_batch
from grader.pipeline.grade import GradingContext, GradingOptions


def grade_command(
    kit: KitPaths, submissions: list[Path], out: Path, jobs: int = 1, seed: int | None = None
) -> int:
    options = GradingOptions(kit_root=kit.root, base_seed=seed)
    GradingContext.build(options)  # a broken rubric or kit stops here, before any grading
    outcomes = grade_batch(submissions, out, options, jobs=jobs)
    errors = sum(1 for outcome in outcomes if outcome.grader_error)
    print(
        f"graded {len(outcomes)} submission(s) into {out}"
        + (f"; {errors} had a grader error" if errors else "")
    )
    return 0
