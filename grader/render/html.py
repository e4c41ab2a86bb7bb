"""report.html: one self-contained page (inline CSS, no scripts, no external resources).

Jinja2's autoescape is on: learner messages may hold anything, <script> included, and are
only ever shown as text. The plots are inline SVG that matplotlib drew from numbers
(grader/render/plots.py); only that SVG is marked safe. A Content-Security-Policy in the
page forbids scripts and remote loads as a second line of defence.
"""

from __future__ import annotations

from grader.render._shared import build_view, template_environment
from grader.render.plots import plot_views
from grader.results import GradedSubmission

TEMPLATE = "report.html.j2"


def render_html(result: GradedSubmission) -> str:
    """The learner's report as a standalone HTML page."""
    env = template_environment(autoescape=True)
    return env.get_template(TEMPLATE).render(
        view=build_view(result), plots=plot_views(result.figures)
    )


__all__ = ["render_html"]
