"""class.html: the class report as one self-contained page (inline SVG, no script, no URL).

The plots (score distribution, each check's difficulty against its discrimination) are
drawn by matplotlib like the learner report's and inlined the same way; every plot is
also told in words and tables, so the page reads as well without them.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING

from markupsafe import Markup

from grader.pipeline.class_summary import EASY, HARD, WEAK, ClassSummary
from grader.render._shared import points_text, template_environment
from grader.render.class_isolation import isolation_notices
from grader.render.plots import inline_svg

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Draw = Callable[["Axes"], None]

TEMPLATE = "class.html.j2"


def _svg(draw: Draw, element_id: str, title: str, salt: str) -> Markup | None:
    """Draw with matplotlib's defaults (deterministic bytes) and inline the SVG."""
    try:
        import matplotlib
        from matplotlib.figure import Figure

        with matplotlib.rc_context():
            matplotlib.rcdefaults()
            matplotlib.rcParams.update(
                {
                    "svg.fonttype": "path",
                    "svg.hashsalt": f"logreg-kit-class-{salt}",
                    "font.size": 10,
                    "axes.spines.top": False,
                    "axes.spines.right": False,
                }
            )
            canvas = Figure(figsize=(6.5, 3.4))
            canvas.subplots_adjust(left=0.13, right=0.97, bottom=0.16, top=0.93)
            draw(canvas.subplots())
            buffer = io.StringIO()
            canvas.savefig(buffer, format="svg", metadata={"Date": None})
        return Markup(inline_svg(buffer.getvalue(), element_id, title))
    except Exception:  # no matplotlib, or a drawing bug: the tables still say it all
        return None


def _histogram(summary: ClassSummary) -> Draw:
    def draw(axes: Axes) -> None:
        bins = summary.distribution
        axes.bar(
            [b.low for b in bins],
            [b.count for b in bins],
            width=[b.high - b.low for b in bins],
            align="edge",
            color="#0969da",
            edgecolor="white",
        )
        axes.set_xlim(0, summary.max_score or 1)
        axes.set_xlabel("score (points)")
        axes.set_ylabel("submissions")
        axes.yaxis.get_major_locator().set_params(integer=True)

    return draw


def _items(summary: ClassSummary) -> Draw:
    def draw(axes: Axes) -> None:
        points = [c for c in summary.checks if c.discrimination is not None]
        flagged = [c for c in points if c.flags]
        fine = [c for c in points if not c.flags]
        axes.scatter(
            [c.difficulty for c in fine], [c.discrimination for c in fine], color="#0969da", s=18
        )
        axes.scatter(
            [c.difficulty for c in flagged],
            [c.discrimination for c in flagged],
            color="#cf222e",
            marker="x",
            s=24,
        )
        for x in (HARD, EASY):
            axes.axvline(x, color="#6e7781", linewidth=0.8, linestyle="--")
        axes.axhline(WEAK, color="#6e7781", linewidth=0.8, linestyle="--")
        axes.set_xlim(-0.02, 1.02)
        axes.set_ylim(-1.02, 1.02)
        axes.set_xlabel("difficulty p (pass rate)")
        axes.set_ylabel("discrimination r")

    return draw


def render_class_html(summary: ClassSummary, generated: str = "") -> str:
    environment = template_environment(autoescape=True)
    environment.filters.update(points=points_text, ratio=_ratio, percent=_percent)
    histogram = _svg(_histogram(summary), "plot-scores", "Distribution of the scores", "scores")
    items = _svg(
        _items(summary), "plot-items", "Difficulty and discrimination of each check", "items"
    )
    return environment.get_template(TEMPLATE).render(
        s=summary,
        generated=generated,
        histogram=histogram,
        items=items,
        notices=isolation_notices(summary),
    )


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %"


__all__ = ["render_class_html"]
