"""report.html: one self-contained page (inline CSS, no scripts, no external resources).

Jinja2's autoescape is on: learner messages may hold anything, <script> included, and are
only ever shown as text. The plots are inline SVG drawn from numbers by our own template
(grader/render/plots.py); only that SVG is marked safe. A Content-Security-Policy in the
page forbids scripts and remote loads as a second line of defence.
"""

from __future__ import annotations

import functools

from jinja2 import Environment

from grader.render.plots import plot_views
from grader.render.view_model import build_view, template_environment
from grader.results import GradedSubmission

TEMPLATE = "report.html.j2"


@functools.cache  # one per process: compiling the template costs 20 ms a report
def _environment() -> Environment:
    return template_environment(autoescape=True)


def render_html(result: GradedSubmission, detail: bool = False) -> str:
    """The learner's report as a standalone HTML page.

    "About this run" is one plain sentence about the sandbox; `detail` (for an instructor)
    adds what was in force and what was missing, the seed, version and timing."""
    env = _environment()
    outcomes = [item.outcome for item in result.checks]
    return env.get_template(TEMPLATE).render(
        view=build_view(result), plots=plot_views(result.figures, outcomes), detail=detail
    )


__all__ = ["render_html"]
