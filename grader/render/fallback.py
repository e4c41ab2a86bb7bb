"""The last resort of a batch: a submission whose grading crashed still gets its three files.

Deliberately free of templates and of the result types, so that a bug in the pipeline or
in the other renderers cannot also break this path. The learner reads only that the
grader failed; the traceback goes to results.json's extra_data, for the instructor.
"""

from __future__ import annotations

import html
import math
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from grader import __version__
from grader.files import atomic_write_text, dumps_strict
from grader.render.view_model import markdown_escape

RESULTS_JSON = "results.json"
REPORT_HTML = "report.html"
REPORT_MD = "report.md"

FALLBACK_TEXT = (
    "The grader failed on this submission. This is not your fault: your instructor has been "
    "told and will regrade it."
)


def fallback_document(name: str, detail: str, max_score: float = 0.0) -> dict[str, Any]:
    """A valid Gradescope results.json with score 0 and no tests."""
    maximum = round(float(max_score), 4) if math.isfinite(max_score) else 0.0
    return {
        "score": 0.0,
        "max_score": maximum,
        "execution_time": 0.0,
        "output": f"{FALLBACK_TEXT}\nGrader version: {__version__}",
        "output_format": "text",
        "test_output_format": "text",
        "visibility": "visible",
        "stdout_visibility": "hidden",
        "tests": [],
        "extra_data": {
            "submission": name,
            "grader_version": __version__,
            "graded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "grader_errors": [detail[-4000:]],
        },
    }


def write_fallback_results(folder: Path, name: str, detail: str, max_score: float = 0.0) -> None:
    """Write results.json, report.md and report.html saying that grading failed."""
    folder = Path(folder)
    atomic_write_text(
        folder / RESULTS_JSON, dumps_strict(fallback_document(name, detail, max_score))
    )
    # The name comes from a file name the learner chose: escaped in both formats.
    md_name = markdown_escape(name)
    atomic_write_text(
        folder / REPORT_MD,
        f"# Grading report: {md_name}\n\n{FALLBACK_TEXT}\n\nGrader {__version__}\n",
    )
    title = html.escape(f"Grading report: {name}")
    atomic_write_text(
        folder / REPORT_HTML,
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n</head>\n<body>\n<main>\n<h1>{title}</h1>\n"
        f"<p>{html.escape(FALLBACK_TEXT)}</p>\n<p>Grader {html.escape(__version__)}</p>\n"
        "</main>\n</body>\n</html>\n",
    )


__all__ = ["FALLBACK_TEXT", "fallback_document", "write_fallback_results"]
