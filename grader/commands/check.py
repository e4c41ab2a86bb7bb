"""`check [FOLDER] [--report-dir DIR]`: a learner's self-check of the visible checks.

Needs no solutions/. Besides the per-check text it prints `Points X/Y` on a line of its
own (the form GitHub Classroom reads from a job's log). With --report-dir it also writes
report.md, report.html and results.json there. Inside a GitHub Actions job it appends the
Markdown report to the job summary ($GITHUB_STEP_SUMMARY) and sets the step outputs
`points` and `max-points` ($GITHUB_OUTPUT).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from grader.checks.catalog import Category
from grader.paths import KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.render._shared import points_text
from grader.render.terminal import render_self_check
from grader.results import GradedSubmission
from grader.sandbox.isolation import announce

#: Environment variables of a GitHub Actions runner that `check` honours when set.
STEP_SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
STEP_OUTPUT_ENV = "GITHUB_OUTPUT"


def points_line(result: GradedSubmission) -> str:
    """`Points 42.5/60`: GitHub Classroom's form of a score."""
    return f"Points {points_text(result.score)}/{points_text(result.max_score)}"


def check_command(
    kit: KitPaths, folder: Path, report_dir: Path | None = None, isolation: str = "best"
) -> int:
    options = GradingOptions(
        kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0, isolation=isolation
    )
    context = GradingContext.build(options)
    announce(isolation)
    result = grade_submission(folder, context)
    print(render_self_check(result), end="")
    if report_dir is not None:
        from grader.render import write_submission_reports

        write_submission_reports(result, report_dir)
        print(f"Reports written to {report_dir}")
    _github_actions(result, report_dir)
    print(points_line(result), flush=True)
    return 0


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
