"""manual.html: grading the instructor-graded items in one place.

For every manual item the rubric gives points (check_why_lr_2_misbehaves: the learner's
explanation of why lr = 2.0 misbehaves), every learner's answer beside their name and a
ready overrides.yaml skeleton: one entry per learner still pending, `points:` left blank.
`regrade --overrides` reads an entry with blank points as "not graded yet" and skips it,
so the skeleton can be filled in a few entries at a time.
"""

from __future__ import annotations

import yaml

from grader.classwork.class_html import report_href
from grader.classwork.class_summary import ClassSummary, ManualItem
from grader.numbers import points_text
from grader.render.view_model import template_environment

TEMPLATE = "manual.html.j2"


def overrides_skeleton(item: ManualItem) -> str:
    """overrides.yaml entries for `item`, one per learner not graded yet, points blank.

    Names are written as YAML scalars (quoted where YAML needs it), so any folder name
    reads back as itself."""
    lines = [
        f"# {item.check_id}: 0 to {points_text(item.max_points)} points each. Fill in points;",
        "# entries whose points are left blank are skipped (still pending) by regrade.",
    ]
    for answer in item.answers:
        if answer.points is not None:
            continue
        name = yaml.safe_dump(answer.name, default_style=None, allow_unicode=True)
        name = name.removesuffix("\n...\n").strip()
        lines += [
            f"- submission: {name}",
            f"  check: {item.check_id}",
            "  points:",
            "  comment: ''",
        ]
    return "\n".join(lines) + "\n"


def render_manual_html(summary: ClassSummary, generated: str = "") -> str:
    """manual.html for the summary's manual items that have points in the rubric."""
    environment = template_environment(autoescape=True)
    environment.filters.update(points=points_text, report_href=_manual_href)
    items = [item for item in summary.manual if item.max_points > 0]
    return environment.get_template(TEMPLATE).render(
        items=[(item, overrides_skeleton(item)) for item in items],
        generated=generated,
    )


def _manual_href(name: str) -> str:
    return report_href(name)


__all__ = ["overrides_skeleton", "render_manual_html"]
