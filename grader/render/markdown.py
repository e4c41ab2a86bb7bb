"""report.md: the report as GitHub-flavoured Markdown, e.g. for a GitHub job summary.

Markdown has no autoescape, so this renderer builds one: every value a template prints is
escaped unless a filter here already produced Markdown. Learner text (messages, notices,
the submission's name) therefore always renders literally.
"""

from __future__ import annotations

import functools
from typing import Any

from jinja2 import Environment

from grader.render.view_model import (
    MisconceptionView,
    build_view,
    markdown_escape,
    template_environment,
)
from grader.results import GradedSubmission

TEMPLATE = "report.md.j2"


class Markdown(str):
    """Text that is already Markdown: printed as it is."""


def finalize_markdown(value: Any) -> str:
    # Runs on every {{ ... }}: the Markdown counterpart of HTML autoescape.
    if isinstance(value, Markdown):
        return value
    return markdown_escape("" if value is None else str(value))


def code_span(text: str) -> Markdown:
    """An inline code span (identifiers, file names); safe in a table cell too."""
    fence = "``" if "`" in text else "`"
    padded = f" {text} " if fence == "``" else text
    return Markdown(f"{fence}{padded}{fence}".replace("|", "\\|"))


def _quote(text: str, indent: int = 0) -> Markdown:
    """A block quote that keeps the message's line breaks and leading spaces."""
    prefix = " " * indent + ">"
    lines = text.strip("\n").splitlines() or [""]
    out = []
    for index, line in enumerate(lines):
        stripped = line.lstrip(" ")
        # Leading spaces would turn into a code block; non-breaking spaces keep alignment.
        body = "&nbsp;" * (len(line) - len(stripped)) + markdown_escape(stripped.rstrip())
        last = index == len(lines) - 1 or not lines[index + 1].strip()
        hard_break = "" if last or not body else "  "  # two spaces: a line break in the quote
        out.append(f"{prefix} {body}{hard_break}" if body else prefix)
    return Markdown("\n".join(out))


def _mistake(view: MisconceptionView, indent: int = 0) -> Markdown:
    """A misconception's explanation, symptom -> cause -> fix, as a block quote."""
    heading = f"Recognized mistake {view.misconception_id}"
    if not view.title:
        return Markdown(f"{' ' * indent}> **{markdown_escape(heading)}.**")
    parts = [
        f"**{markdown_escape(f'{heading}: {view.title}.')}**",
        f"*Symptom:* {markdown_escape(view.symptom)}.",
        f"*Cause:* {markdown_escape(view.cause)}.",
        f"*Fix:* {markdown_escape(view.fix)}.",
    ]
    return Markdown(f"{' ' * indent}> " + " ".join(parts))


@functools.cache  # one per process: compiling the template costs 20 ms a report
def _environment() -> Environment:
    env = template_environment(autoescape=False, finalize=finalize_markdown)
    env.filters.update(code=code_span, quote=_quote, mistake=_mistake)
    return env


def render_markdown(result: GradedSubmission, detail: bool = False) -> str:
    """The learner's report as Markdown; `detail` adds the isolation in full (instructors)."""
    return _environment().get_template(TEMPLATE).render(view=build_view(result), detail=detail)


__all__ = ["render_markdown"]
