"""class.md: the class report as GitHub-flavoured Markdown (a CI job summary, a wiki page).

Every value is escaped like report.md's (names come from learners' file names); only the
filters here produce Markdown.
"""

from __future__ import annotations

import re

from grader.checks.misconceptions import CATALOG
from grader.classwork.class_isolation import isolation_notices
from grader.classwork.class_json import pending_count, reason_groups
from grader.classwork.class_summary import ClassSummary
from grader.numbers import points_text
from grader.render.markdown import Markdown, code_span, finalize_markdown
from grader.render.view_model import template_environment

TEMPLATE = "class.md.j2"


def _block(text: str) -> Markdown:
    """A fenced code block whose fence is longer than any backtick run inside."""
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return Markdown(f"{fence}python\n{text}\n{fence}")


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def render_class_markdown(summary: ClassSummary, generated: str = "") -> str:
    """class.md for `summary`, in class.html's order: the learners' table, needs attention
    by reason kind, the manual items' pending counts, how the class answered (quiz letters,
    common wrong hand-worked values), then scores, checks, misconceptions, similar pairs,
    isolation and seeds. `generated` is a line saying when and from what."""
    environment = template_environment(finalize=finalize_markdown)
    environment.filters.update(
        code=code_span,
        block=_block,
        points=points_text,
        ratio=_ratio,
        percent=_percent,
        pending=pending_count,
    )
    return environment.get_template(TEMPLATE).render(
        s=summary,
        generated=generated,
        notices=isolation_notices(summary),
        attention=reason_groups(summary),
        titles={key: entry.title for key, entry in CATALOG.items()},
    )


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


__all__ = ["render_class_markdown"]
