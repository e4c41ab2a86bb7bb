"""`validate`: the solutions earn every automatic point, the stubs none, the rubric holds.

Exit status 1 when any of these fails; each problem is printed on a line of its own.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from grader.checks.catalog import discover_checks
from grader.instructor.rubric import RubricError, load_rubric
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.results import GradedSubmission, Status


def validation_problems(kit: KitPaths, seeds: int = 2) -> list[str]:
    """Everything that keeps the kit from being consistent; empty when it is."""
    try:
        load_rubric(kit.rubric, discover_checks())
    except RubricError as error:
        return [str(error)]
    problems = []
    scratch = Path(tempfile.mkdtemp(prefix="grader-validate-"))
    try:
        solutions = scratch / "solutions"
        solutions.mkdir()
        for path in kit.solutions.glob("*.py"):
            shutil.copyfile(path, solutions / path.name)
        for seed in range(seeds):
            context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=seed))
            result = grade_submission(solutions, context)
            problems += _not_full(result, f"solutions (seed {seed})")
        context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=0))
        problems += _not_zero(grade_submission(kit.exercises, context), "exercises (stubs)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return problems


def _not_full(result: GradedSubmission, label: str) -> list[str]:
    problems = [
        f"{label}: {item.outcome.check_id} {item.outcome.status.value}: "
        f"{(item.outcome.grader_error or item.outcome.message).splitlines()[-1]}"
        for item in result.checks
        if item.outcome.status not in (Status.PASSED, Status.REVIEW)
    ]
    # Manual items' own points (rubric.yaml) await an instructor: never automatic.
    automatic = result.max_score - sum(i.max_points for i in result.checks if i.outcome.manual)
    if not problems and abs(result.score - automatic) > 1e-9:
        problems.append(f"{label}: scored {result.score} of {automatic} automatic points")
    return problems


def _not_zero(result: GradedSubmission, label: str) -> list[str]:
    problems = [
        f"{label}: {item.outcome.check_id} passes on a stub"
        for item in result.checks
        if item.outcome.status is Status.PASSED and not item.outcome.manual
    ]
    problems += [
        f"{label}: {item.outcome.check_id} is a grader error: "
        f"{item.outcome.grader_error.splitlines()[-1] if item.outcome.grader_error else ''}"
        for item in result.checks
        if item.outcome.status is Status.ERROR
    ]
    if result.score:
        problems.append(f"{label}: scored {result.score} instead of 0")
    return problems


def validate_command(kit: KitPaths, seeds: int = 2) -> int:
    problems = validation_problems(kit, seeds)
    for line in problems:
        print(line)
    if problems:
        print(f"validate: {len(problems)} problem(s)")
        return 1
    print(
        "validate: the solutions earn every automatic point, the stubs none; "
        "the rubric is consistent"
    )
    return 0
