"""`regrade OUT [--overrides F] [--timestamps F]`: re-apply the instructor's overrides and
the late policy to the graded results in OUT, without running any learner code, and
rebuild every report and export (seconds for a class). Without --overrides or
--timestamps, the files last applied to OUT (kept there) are applied again
(grader/classwork/remembered.py).

Each OUT/NAME/automatic.json (written by `grade`) holds the automatic result; it is
re-scored with the current rubric.yaml (weights, criteria's and manual items' points,
total) and the new adjustments replace the old ones. A rubric that changed what grading
runs (a check added or removed, other limits) is refused in one line, before any file
changes: only `grade --force` can follow it. A folder without automatic.json (a result
written by an older grader, or a grading that failed) is left as it is, with a line
saying so.
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from grader.classwork.batch import readjust_stored
from grader.classwork.classfolder import class_lock, result_folders
from grader.classwork.remembered import recall, remember
from grader.classwork.stored import StoredResultError, read_automatic, stored_identities
from grader.classwork.views import ViewRequest, rebuild_views, summary_lines
from grader.instructor.preflight import PreflightError, check_out_folder
from grader.instructor.rubric import Rubric
from grader.numbers import two_decimals
from grader.paths import KitPaths
from grader.pipeline.grade import GradingOptions
from grader.pipeline.score import RubricChangedError, rescore, rubric_changes
from grader.results import GradedSubmission


@dataclasses.dataclass(frozen=True)
class RegradeRequest:
    out: Path
    overrides: Path | None = None
    timestamps: Path | None = None
    junit: Path | None = None
    canvas: Path | None = None
    roster: Path | None = None
    similarity: bool = True
    canvas_assignment: str | None = None  # "HW3 (12345)": the Canvas export's column


def regrade_command(kit: KitPaths, request: RegradeRequest) -> int:
    """Readjust every stored result in OUT; one-line errors raise before any file changes."""
    from grader.checks.catalog import discover_checks
    from grader.commands.grade import checked_exports, read_instructor_inputs
    from grader.instructor.rubric import load_rubric

    if not request.out.is_dir():
        raise PreflightError(f"{request.out}: no such folder of graded results")
    folders = result_folders(request.out)
    if not folders:
        raise PreflightError(f"{request.out}: holds no results.json to regrade")
    check_out_folder(request.out, option="")  # the reports there are rewritten
    exports = checked_exports(
        request.out, request.junit, request.canvas, request.roster, request.canvas_assignment
    )
    rubric = load_rubric(kit.rubric, discover_checks())
    names = stored_identities(request.out)
    recalled = recall(request.out, request.overrides, request.timestamps)
    inputs = read_instructor_inputs(
        GradingOptions(kit_root=kit.root),
        rubric,
        names,
        recalled.overrides,
        recalled.timestamps,
        exports.roster,
    )
    for line in (*recalled.notes, *exports.notes, *inputs.warnings):
        print(line, file=sys.stderr)
    changed = 0
    with class_lock(request.out):  # no other run rewrites these folders meanwhile
        # Every stored result re-scored first: a rubric that changed what grading runs
        # stops the regrade before any file changes, never half of a class re-scored.
        rescored = _rescored_all(request.out, folders, rubric)
        remember(
            request.out,
            request.overrides,
            request.timestamps,
            no_overrides=not inputs.options.overrides,
            exports=exports,
        )
        for folder in folders:
            automatic = rescored.get(folder.name)
            if automatic is None:
                print(
                    f"warning: {folder.name}: no automatic.json (graded by an older grader, or "
                    "its grading failed); left as it is: grade it again with --force",
                    file=sys.stderr,
                )
                continue
            result = readjust_stored(folder, inputs.options, rubric, automatic)
            changed += 1
            print(
                f"{folder.name}: {two_decimals(result.score)}/{result.max_score:g}",
                file=sys.stderr,
            )
    views = rebuild_views(
        request.out,
        ViewRequest(
            late_policy=rubric.late_policy is not None,
            junit=exports.junit,
            canvas=exports.canvas,
            canvas_assignment=exports.canvas_assignment,
            roster=inputs.roster,
            similarity=request.similarity,
            stub_folder=kit.exercises,
            solutions_folder=kit.solutions,
            low_score_fraction=rubric.low_score_fraction,
        ),
    )
    for line in views.problems:
        print(line, file=sys.stderr)
    print(f"regraded {changed} of {len(folders)} submission(s) in {request.out}")
    for line in summary_lines(views.summary):
        print(line)
    print("wrote: " + ", ".join(str(path) for path in views.written))
    return 0


def _rescored_all(out: Path, folders: list[Path], rubric: Rubric) -> dict[str, GradedSubmission]:
    """Each folder's stored automatic result re-scored with `rubric`, by folder name (a
    folder without a usable automatic.json left out). Raises RubricChangedError, one line
    for the whole class: what changed (the changes each result lists, in order of first
    appearance), for how many results, and that `grade --force` is needed."""
    rescored: dict[str, GradedSubmission] = {}
    changes: dict[str, None] = {}  # ordered, once each
    refused = 0
    for folder in folders:
        try:
            automatic = read_automatic(folder)
        except StoredResultError:
            continue
        found = rubric_changes(automatic, rubric)
        if found:
            refused += 1
            changes.update(dict.fromkeys(found))
            continue
        rescored[folder.name] = rescore(automatic, rubric)
    if refused:
        raise RubricChangedError(
            f"rubric.yaml changed what grading runs since {out} was graded "
            f"({'; '.join(changes)}), for {refused} of {len(folders)} submission(s): "
            "a regrade cannot follow it without running their code; grade them again "
            "with `grade --force`"
        )
    return rescored
