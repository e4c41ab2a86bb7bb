"""Stage "render": a graded result into the files learners, instructors and Gradescope read.

One module per format (gradescope, markdown, html, terminal, the notebook's check);
the results themselves know nothing of formats. The class's views are in
grader/classwork/.
"""

from __future__ import annotations

from pathlib import Path

from grader.files import atomic_write_text, dumps_strict
from grader.render.fallback import REPORT_HTML, REPORT_MD, RESULTS_JSON
from grader.render.gradescope import to_gradescope
from grader.render.html import render_html
from grader.render.markdown import render_markdown
from grader.results import GradedSubmission


def write_submission_reports(result: GradedSubmission, folder: Path) -> dict[str, Path]:
    """Write results.json, report.html and report.md into folder (created if needed).

    All three are rendered before any is written: a renderer bug raises before a file is
    touched, and the batch's fallback then writes a consistent set instead of a mix.
    """
    folder = Path(folder)
    texts = {
        RESULTS_JSON: dumps_strict(to_gradescope(result)),
        REPORT_HTML: render_html(result),
        REPORT_MD: render_markdown(result),
    }
    folder.mkdir(parents=True, exist_ok=True)
    paths = {}
    for file_name, text in texts.items():
        paths[file_name] = folder / file_name
        atomic_write_text(paths[file_name], text)
    return paths


__all__ = ["write_submission_reports"]
