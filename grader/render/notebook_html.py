"""The inline HTML of the notebook self-check (grader/notebook.py's `NotebookCheck`).

The terminal's text line for line, PASS and FAIL lines coloured, under a line with the
points and the recognized mistakes. Autoescaped: learner messages are only ever text.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from jinja2 import Environment

from grader.numbers import points_text
from grader.render.view_model import template_environment

if TYPE_CHECKING:
    from grader.notebook import NotebookCheck

TEMPLATE = "notebook_check.html.j2"
_COLOURS = {"PASS": "#1a7f37", "FAIL": "#cf222e", "ERROR": "#cf222e", "TODO": "#9a6700"}


@dataclass(frozen=True)
class _Line:
    text: str
    colour: str


@functools.cache
def _environment() -> Environment:
    return template_environment(autoescape=True)


def render_notebook_check(result: NotebookCheck) -> str:
    """An HTML fragment (no page) for Jupyter's rich display."""
    lines = [
        _Line(line, _COLOURS.get(line.strip().split(" ", 1)[0], "inherit"))
        for line in result.text.rstrip("\n").splitlines()
    ]
    return (
        _environment()
        .get_template(TEMPLATE)
        .render(
            exercise=result.exercise,
            points=points_text(result.points),
            max_points=points_text(result.max_points),
            full=result.max_points > 0 and result.points >= result.max_points,
            misconceptions=list(result.misconceptions),
            stale=list(result.stale),
            lines=lines,
        )
    )
