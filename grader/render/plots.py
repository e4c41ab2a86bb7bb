"""The report's plots: FeedbackFigures -> inline SVG line charts, and words for each.

The SVG comes only from numbers and from labels written here, laid out by
grader/render/chart.py and written by its Jinja2 template (autoescaped; matplotlib cost
0.1 s a plot, a third of a correct submission's grading overhead). It is stripped of its
XML prologue, metadata and comments (no URL, no external resource), its ids are made
unique per plot so that several can share one page, and it is marked safe for Jinja only
after that. Output is deterministic: no date, no random ids. Each plot also gets a
sentence that says what it shows, so that the report reads as well without the pictures.
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from markupsafe import Markup

from grader.render.chart import Chart, Line, Marker, render_chart
from grader.results import CheckOutcome, FeedbackFigures, Figure, FigureKind, Series

TITLES = {
    FigureKind.ROC: "ROC curve on the ticket queue",
    FigureKind.RELIABILITY: "Reliability diagram on the ticket queue",
    FigureKind.LOSS: "Loss per step on the eight tickets",
}
YOURS, REFERENCE = "#0969da", "#6e7781"  # blue; grey
RATE_COLOURS = ("#bc4c00", "#0969da")  # orange, blue: the loss curves at each step size
NOT_DRAWN = "The plot could not be drawn; the sentence above says what it would show."
#: The learner functions a figure's curves come from, the core ones first (dependency order):
#: a failed check that called one of them explains a curve that differs.
DRAWN_FROM = {
    FigureKind.ROC: ("logistic_scratch.roc_points", "logistic_scratch.roc_auc"),
    FigureKind.RELIABILITY: (
        "logistic_scratch.reliability_bins",
        "logistic_scratch.expected_calibration_error",
    ),
    FigureKind.LOSS: (
        "logistic_scratch.sigmoid",
        "logistic_scratch.log_loss",
        "logistic_scratch.gradient",
        "logistic_scratch.predict_proba",
        "ex2_learning_rate.loss_history",
    ),
}


@dataclass(frozen=True)
class PlotView:
    """One plot as the HTML template lays it out."""

    element_id: str  # unique in the page, e.g. "plot-roc"
    title: str
    description: str  # the plot in words: the alt text, shown under it
    notes: tuple[str, ...]  # grader-written: which series are missing and why
    svg: Markup | None  # None when it could not be drawn


def plot_views(
    figures: FeedbackFigures, outcomes: Sequence[CheckOutcome] = ()
) -> tuple[PlotView, ...]:
    """Each figure drawn and put in words; `outcomes` (the checks) name the failed check
    that explains a curve of the learner's that differs from the reference's."""
    views = []
    for figure in figures.figures:
        element_id = f"plot-{figure.kind.value}"
        title = TITLES[figure.kind]
        notes = figure.notes
        try:
            svg: Markup | None = Markup(inline_svg(draw_svg(figure), element_id, title))
        except Exception:  # a drawing bug: the words still stand
            svg, notes = None, (*notes, NOT_DRAWN)
        words = describe(figure)
        explained = explanation(figure, outcomes)
        views.append(PlotView(element_id, title, f"{words} {explained}".strip(), notes, svg))
    return tuple(views)


def explanation(figure: Figure, outcomes: Sequence[CheckOutcome]) -> str:
    """Where the learner's curve differs from the reference's: which failed check explains
    it ("" where the curves agree, or where the learner has none)."""
    differing = []
    for label in dict.fromkeys(series.label for series in figure.series):
        yours = _pick(figure.series, True, label)
        reference = _pick(figure.series, False, label)
        if yours and reference:
            gap = _largest_gap(yours, reference)
            if gap is None or gap > 1e-6 * max(1.0, max(abs(v) for v in reference.y)):
                differing.append(label)
    if not differing:
        return ""
    where = "" if figure.kind is not FigureKind.LOSS else f" at {' and '.join(differing)}"
    drawn_from = DRAWN_FROM[figure.kind]
    failed = [o for o in outcomes if o.status.earns_nothing and not o.manual]
    for function in drawn_from:
        culprit = next((o for o in failed if function in o.learner_calls), None)
        if culprit is not None:
            name = function.split(".")[-1]
            return (
                f"Your curve differs from the reference's{where}: the failed check "
                f"{culprit.check_id} ({name}()) explains it."
            )
    above = [
        label for label in differing if _side(label, figure.lr_bound).strip() == "above the bound"
    ]
    if figure.kind is FigureKind.LOSS and above == differing:
        return (
            f"Your curve differs from the reference's{where}, above the bound: there small "
            "differences in rounding grow, and no failed check points to a mistake."
        )
    return f"Your curve differs from the reference's{where}; no failed check explains it."


# --- words ----------------------------------------------------------------------------------


def describe(figure: Figure) -> str:
    """The plot in a sentence or two, numbers included."""
    if figure.kind is FigureKind.LOSS:
        return _describe_loss(figure)
    if figure.kind is FigureKind.ROC:
        what, summary, where = "ROC curve", "AUC", "on the shipped ticket queue"
    else:
        what, summary, where = "reliability diagram", "ECE", "on the shipped ticket queue"
    yours, reference = _pick(figure.series, True), _pick(figure.series, False)

    def part(series: Series) -> str:
        value = "not available" if series.summary is None else f"{series.summary:.3f}"
        bins = f", {len(series.x)} non-empty bins" if figure.kind is FigureKind.RELIABILITY else ""
        return f"{summary} {value}{bins}"

    where += ", scored with the probabilities of a model the reference fitted to it"
    if yours and reference:
        text = f"Your {what} ({part(yours)}) beside the reference's ({part(reference)}), {where}."
        text += " " + _agreement(_largest_gap(yours, reference))
    elif reference:
        text = f"The reference's {what} ({part(reference)}), {where}; yours is not shown."
    elif yours:
        text = f"Your {what} ({part(yours)}), {where}; the reference's is not available here."
    else:
        text = f"No {what} is available."
    if figure.kind is FigureKind.RELIABILITY:
        text += " Points on the diagonal are perfectly calibrated."
    return text


def _agreement(gap: float | None) -> str:
    if gap is None:
        return "Yours differs from the reference's."
    if gap < 1e-6:
        return "Yours lies on the reference's."
    return f"Yours differs from the reference's by up to {gap:.3g}."


def _describe_loss(figure: Figure) -> str:
    bound = figure.lr_bound
    sentences = ["Log-loss at each step of gradient descent from w = 0 on the eight tickets"]
    sentences[0] += f", with the bound 2/L = {bound:.3f}." if bound is not None else "."
    for label in dict.fromkeys(series.label for series in figure.series):
        yours = _pick(figure.series, True, label)
        reference = _pick(figure.series, False, label)
        if yours and reference and _largest_gap(yours, reference) == 0.0:
            what = f"yours and the reference's both {_trajectory(yours.y, plural=True)}"
        else:
            parts = [f"yours {_trajectory(yours.y)}"] if yours else []
            parts += [f"the reference's {_trajectory(reference.y)}"] if reference else []
            what = " and ".join(parts)
        sentences.append(f"At {label}{_side(label, bound, ',')} {what}.")
    return " ".join(sentences)


def _trajectory(values: Sequence[float], plural: bool = False) -> str:
    first, last = values[0], values[-1]
    s = "" if plural else "s"
    if not any(b > a + 1e-12 for a, b in itertools.pairwise(values)):
        return f"fall{s} from {first:.3g} to {last:.3g} in {len(values)} steps"
    return (
        f"go{'' if plural else 'es'} from {first:.3g} as high as {max(values):.3g} and "
        f"end{s} at {last:.3g} after {len(values)} steps"
    )


def _side(label: str, bound: float | None, comma: str = "") -> str:
    """ ", above the bound," for a step size above 2/L, "" when that cannot be said."""
    match = re.fullmatch(r"lr = ([0-9.]+)", label)
    if bound is None or match is None:
        return ""
    return f"{comma} {'above' if float(match.group(1)) > bound else 'below'} the bound{comma}"


def _pick(series: Sequence[Series], from_learner: bool, label: str | None = None) -> Series | None:
    for item in series:
        if item.from_learner == from_learner and (label is None or item.label == label):
            return item
    return None


def _largest_gap(a: Series, b: Series) -> float | None:
    if len(a.x) != len(b.x):
        return None
    return float(max(np.max(np.abs(np.subtract(a.x, b.x))), np.max(np.abs(np.subtract(a.y, b.y)))))


# --- drawing ----------------------------------------------------------------------------------


def draw_svg(figure: Figure) -> str:
    """The SVG text for one figure (grader/render/chart.py), the same bytes for the same
    numbers."""
    return render_chart(
        {
            FigureKind.ROC: _roc_chart,
            FigureKind.RELIABILITY: _reliability_chart,
            FigureKind.LOSS: _loss_chart,
        }[figure.kind](figure)
    )


# Fixed margins (fractions of the canvas); the loss plot keeps room below the axes for its
# legend, which must not hide the curves.
_SQUARE = {"width_in": 5.0, "height_in": 4.6, "box": (0.14, 0.97, 0.11, 0.93)}
_WIDE = {"width_in": 7.5, "height_in": 4.8, "box": (0.09, 0.98, 0.30, 0.93)}
# The ROC plot's legend goes under the axes: a swapped curve (AUC below 0.5) runs through
# the lower right, where a legend inside would hide it.
_ROC = {"width_in": 5.0, "height_in": 5.6, "box": (0.14, 0.97, 0.25, 0.94)}
_DIAGONAL = {"x": (0, 1), "y": (0, 1), "colour": "#8c959f", "width": 1.0, "dotted": True}


def _roc_chart(figure: Figure) -> Chart:
    lines = [Line(**_DIAGONAL, label="chance")]
    for series in _reference_first(figure.series):
        auc = "" if series.summary is None else f" (AUC {series.summary:.3f})"
        lines.append(Line(series.x, series.y, label=_who(series) + auc, **_style(series)))
    return Chart(
        **_ROC,
        title="ROC curve, ticket queue",
        xlabel="false positive rate (FPR)",
        ylabel="true positive rate (TPR)",
        lines=tuple(lines),
        unit_square=True,
        legend="below",  # outside the square: no curve runs there, swapped or not
    )


def _reliability_chart(figure: Figure) -> Chart:
    lines = [Line(**_DIAGONAL, label="calibrated")]
    for series in _reference_first(figure.series):
        ece = "" if series.summary is None else f" (ECE {series.summary:.3f})"
        marker = (
            Marker("circle", 5.0)
            if series.from_learner
            else Marker("square", 9.0, filled=False, edge_width=1.5)
        )
        lines.append(
            Line(series.x, series.y, label=_who(series) + ece, marker=marker, **_style(series))
        )
    return Chart(
        **_SQUARE,
        title="Reliability diagram, ticket queue, 10 bins",
        xlabel="mean predicted probability in the bin",
        ylabel="fraction escalated in the bin",
        lines=tuple(lines),
        unit_square=True,
        legend="upper left",
    )


def _loss_chart(figure: Figure) -> Chart:
    labels = list(dict.fromkeys(series.label for series in figure.series))
    positive = all(min(series.y, default=1.0) > 0 for series in figure.series)
    lines = []
    for series in _reference_first(figure.series):
        style = _style(series)
        style["colour"] = RATE_COLOURS[labels.index(series.label) % len(RATE_COLOURS)]
        side = _side(series.label, figure.lr_bound).replace(" the bound", " 2/L").strip()
        side = f" ({side})" if side else ""
        lines.append(
            Line(series.x, series.y, label=f"{_who(series)}, {series.label}{side}", **style)
        )
    title = "Loss on the eight tickets"
    if figure.lr_bound is not None:
        title += f"; bound 2/L = {figure.lr_bound:.3f}"
    return Chart(
        **_WIDE,
        title=title,
        xlabel="step (epoch)",
        ylabel="log-loss" + (" (log scale)" if positive else ""),
        lines=tuple(lines),
        log_y=positive,
        legend="below",  # outside every curve (the lr = 2.0 curves fill the upper right)
        legend_columns=2,
    )


def _reference_first(series: Sequence[Series]) -> list[Series]:
    """The reference drawn first (a wide pale band), the learner's line on top of it."""
    return sorted(series, key=lambda item: item.from_learner)


def _who(series: Series) -> str:
    return "yours" if series.from_learner else "reference"


def _style(series: Series) -> dict:
    """The learner's line thin and solid on top; the reference a wide pale band below."""
    if series.from_learner:
        return {"colour": YOURS, "width": 1.6}
    return {"colour": REFERENCE, "width": 5.0, "opacity": 0.45}


# --- inlining ----------------------------------------------------------------------------------

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(svg: str, element_id: str, title: str) -> str:
    """An SVG document as an element of an HTML page, titled for screen readers.

    Inline in HTML the parser supplies the SVG and XLink namespaces, so the declarations
    (the page's only URLs) go; every id gets the plot's prefix so that two plots in one
    page never share one.
    """
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _COMMENT.sub("", _METADATA.sub("", svg))
    ids = set(_ID.findall(svg))
    svg = _ID.sub(lambda match: f'id="{element_id}-{match.group(1)}"', svg)
    svg = _REFERENCE.sub(
        lambda match: (
            match.group(1) + element_id + "-" + match.group(2)
            if match.group(2) in ids
            else match.group(0)
        ),
        svg,
    )
    head, rest = svg.split(">", 1)
    head = _NAMESPACES.sub("", head)
    title_id = f"{element_id}-title"
    return (
        f'{head} role="img" aria-labelledby="{title_id}" '
        f'aria-label="{html.escape(title, quote=True)}">'
        f'\n<title id="{title_id}">{html.escape(title)}</title>{rest}'
    ).strip() + "\n"


__all__ = ["PlotView", "describe", "draw_svg", "inline_svg", "plot_views"]
