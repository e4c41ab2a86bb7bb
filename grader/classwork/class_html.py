"""class.html: the class report as one self-contained page (inline SVG, no URL; one small
inline script sorts the learners' table, and the page reads the same without it).

It opens with what an instructor asks first: the learners' table (each name linking to
NAME/report.html), who needs attention and why, then how the class answered.

The plots (score distribution, each check's difficulty against its discrimination) are
drawn by grader/render/chart.py like the learner report's and inlined the same way; every
plot is also told in words and tables, so the page reads as well without them.
"""

from __future__ import annotations

from urllib.parse import quote

from markupsafe import Markup

from grader.checks.misconceptions import CATALOG
from grader.classwork.class_isolation import isolation_notices
from grader.classwork.class_summary import (
    EASY,
    HARD,
    WEAK,
    CheckStatistics,
    ClassSummary,
    ReasonKind,
)
from grader.numbers import points_text
from grader.render.chart import Bar, Chart, Line, Marker, render_chart
from grader.render.plots import inline_svg
from grader.render.view_model import template_environment

TEMPLATE = "class.html.j2"
# Canvas and margins as the learner report's square plots; blue, red, grey as there.
_CANVAS = {"width_in": 6.5, "height_in": 3.4, "box": (0.13, 0.97, 0.16, 0.93), "title": ""}
BLUE, RED, GREY = "#0969da", "#cf222e", "#6e7781"


def _svg(chart: Chart, element_id: str, title: str) -> Markup | None:
    """The chart as inline SVG (grader/render/chart.py), titled for screen readers."""
    try:
        return Markup(inline_svg(render_chart(chart), element_id, title))
    except Exception:  # a drawing bug: the tables still say it all
        return None


def _histogram(summary: ClassSummary) -> Chart:
    bars = tuple(Bar(b.low, b.high, b.count, BLUE) for b in summary.distribution)
    return Chart(
        **_CANVAS,
        xlabel="score (points)",
        ylabel="submissions",
        lines=(),
        bars=bars,
        xlim=(0.0, summary.max_score or 1.0),
        integer_y=True,
        grid_colour=None,
    )


def _items(summary: ClassSummary) -> Chart:
    points = [c for c in summary.checks if c.discrimination is not None]
    flagged = [c for c in points if c.flags]
    fine = [c for c in points if not c.flags]
    thresholds = [Line((x, x), (-1.02, 1.02), GREY, 0.8, dashed=True) for x in (HARD, EASY)] + [
        Line((-0.02, 1.02), (WEAK, WEAK), GREY, 0.8, dashed=True)
    ]
    dots = _scatter(fine, BLUE, Marker("circle", 4.2, edge_width=0.0))
    crosses = _scatter(flagged, RED, Marker("x", 4.9, edge_width=1.5))
    return Chart(
        **_CANVAS,
        xlabel="difficulty p (pass rate)",
        ylabel="discrimination r",
        lines=(dots, crosses, *thresholds),
        xlim=(-0.02, 1.02),
        ylim=(-1.02, 1.02),
        grid_colour=None,
    )


def report_href(name: str) -> str:
    """The relative link from OUT/class.html to OUT/NAME/report.html (the name quoted)."""
    return quote(name, safe="", errors="surrogateescape") + "/report.html"


def attention_by_reason(summary: ClassSummary) -> list[tuple[str, list[tuple[str, str]]]]:
    """Needs attention grouped by reason: (the reason's kind, e.g. "low score", [(name,
    the whole reason)]), kinds in the order they first appear, bookkeeping kinds last."""
    groups: dict[ReasonKind, list[tuple[str, str]]] = {}
    for item in summary.attention:
        for kind, reason in zip(item.kinds, item.reasons, strict=True):
            groups.setdefault(kind, []).append((item.name, reason))
    # what needs a look first; bookkeeping (pending manual items, lateness, overrides) last
    ordered = sorted(groups.items(), key=lambda group: group[0].bookkeeping)
    return [(kind.value, entries) for kind, entries in ordered]


def _scatter(checks: list[CheckStatistics], colour: str, marker: Marker) -> Line:
    """One marker per check at (difficulty, discrimination), no line between them."""
    return Line(
        tuple(c.difficulty for c in checks),
        tuple(c.discrimination or 0.0 for c in checks),
        colour,
        0.0,
        marker=marker,
    )


def render_class_html(summary: ClassSummary, generated: str = "") -> str:
    """class.html for `summary`; `generated` is a line saying when and from what."""
    environment = template_environment(autoescape=True)
    environment.filters.update(
        points=points_text, ratio=_ratio, percent=_percent, report_href=report_href
    )
    histogram = _svg(_histogram(summary), "plot-scores", "Distribution of the scores")
    items = _svg(_items(summary), "plot-items", "Difficulty and discrimination of each check")
    return environment.get_template(TEMPLATE).render(
        s=summary,
        generated=generated,
        histogram=histogram,
        items=items,
        notices=isolation_notices(summary),
        attention=attention_by_reason(summary),
        titles={key: entry.title for key, entry in CATALOG.items()},
        manual_page=any(item.max_points > 0 for item in summary.manual),
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


__all__ = ["attention_by_reason", "render_class_html", "report_href"]
