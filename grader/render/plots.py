"""The report's plots: FeedbackFigures -> inline SVG drawn by matplotlib, and words for each.

The SVG comes only from numbers and from labels written here; it is stripped of its XML
prologue, metadata and comments (no URL, no external resource), its ids are made unique
per plot so that several can share one page, and it is marked safe for Jinja only after
that. Output is deterministic: matplotlib's defaults, a fixed hash salt, no date, glyphs
drawn as paths (no fonts needed). Each plot also gets a sentence that says what it shows,
so that the report reads as well without the pictures.
"""

from __future__ import annotations

import html
import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from markupsafe import Markup

from grader.results import CheckOutcome, FeedbackFigures, Figure, FigureKind, Series, Status

if TYPE_CHECKING:
    from matplotlib.axes import Axes

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
    svg: Markup | None  # None when matplotlib could not draw it


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
        except Exception:  # no matplotlib, or a drawing bug: the words still stand
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
    failed = [o for o in outcomes if o.status is Status.FAILED and not o.manual]
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
    """matplotlib's SVG text for one figure, the same bytes for the same numbers."""
    import matplotlib
    from matplotlib.figure import Figure as MplFigure

    with matplotlib.rc_context():
        matplotlib.rcdefaults()  # nobody's matplotlibrc or style changes the report
        matplotlib.rcParams.update(
            {
                "svg.fonttype": "path",  # glyphs as paths: no font needed to view it
                "svg.hashsalt": f"logreg-kit-{figure.kind.value}",
                "font.size": 10,
                "axes.spines.top": False,
                "axes.spines.right": False,
            }
        )
        wide = figure.kind is FigureKind.LOSS
        canvas = MplFigure(figsize=(7.5, 4.8) if wide else (5.0, 4.6))
        # Fixed margins: a layout engine would double the drawing time. The loss plot keeps
        # room below the axes for its legend, which must not hide the curves.
        if wide:
            canvas.subplots_adjust(left=0.09, right=0.98, bottom=0.30, top=0.93)
        else:
            canvas.subplots_adjust(left=0.14, right=0.97, bottom=0.11, top=0.93)
        axes = canvas.subplots()
        {
            FigureKind.ROC: _draw_roc,
            FigureKind.RELIABILITY: _draw_reliability,
            FigureKind.LOSS: _draw_loss,
        }[figure.kind](axes, figure)
        buffer = io.StringIO()
        canvas.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


def _draw_roc(axes: Axes, figure: Figure) -> None:
    axes.plot([0, 1], [0, 1], linestyle=":", color="#8c959f", linewidth=1, label="chance")
    for series in _reference_first(figure.series):
        auc = "" if series.summary is None else f" (AUC {series.summary:.3f})"
        axes.plot(series.x, series.y, label=_who(series) + auc, **_style(series))
    _unit_square(axes, "false positive rate (FPR)", "true positive rate (TPR)")
    axes.set_title("ROC curve, ticket queue")
    axes.legend(loc="lower right", frameon=False)


def _draw_reliability(axes: Axes, figure: Figure) -> None:
    axes.plot([0, 1], [0, 1], linestyle=":", color="#8c959f", linewidth=1, label="calibrated")
    for series in _reference_first(figure.series):
        ece = "" if series.summary is None else f" (ECE {series.summary:.3f})"
        marker = {"marker": "o", "markersize": 5} if series.from_learner else {"marker": "s"}
        if not series.from_learner:
            marker.update(markersize=9, markerfacecolor="none", markeredgewidth=1.5)
        axes.plot(series.x, series.y, label=_who(series) + ece, **_style(series), **marker)
    _unit_square(axes, "mean predicted probability in the bin", "fraction escalated in the bin")
    axes.set_title("Reliability diagram, ticket queue, 10 bins")
    axes.legend(loc="upper left", frameon=False)


def _draw_loss(axes: Axes, figure: Figure) -> None:
    labels = list(dict.fromkeys(series.label for series in figure.series))
    positive = all(min(series.y) > 0 for series in figure.series)
    for series in _reference_first(figure.series):
        colour = RATE_COLOURS[labels.index(series.label) % len(RATE_COLOURS)]
        style = _style(series)
        style["color"] = colour
        side = _side(series.label, figure.lr_bound).replace(" the bound", " 2/L").strip()
        side = f" ({side})" if side else ""
        axes.plot(series.x, series.y, label=f"{_who(series)}, {series.label}{side}", **style)
    if positive:
        axes.set_yscale("log")
    axes.set_xlabel("step (epoch)")
    axes.set_ylabel("log-loss" + (" (log scale)" if positive else ""))
    bound = figure.lr_bound
    title = "Loss on the eight tickets"
    if bound is not None:
        title += f"; bound 2/L = {bound:.3f}"
    axes.set_title(title)
    axes.grid(True, color="#eaeef2", linewidth=0.8)
    # Below the axes, outside every curve (the lr = 2.0 curves fill the upper right).
    axes.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), frameon=False, ncols=2)


def _reference_first(series: Sequence[Series]) -> list[Series]:
    """The reference drawn first (a wide pale band), the learner's line on top of it."""
    return sorted(series, key=lambda item: item.from_learner)


def _who(series: Series) -> str:
    return "yours" if series.from_learner else "reference"


def _style(series: Series) -> dict:
    if series.from_learner:
        return {"color": YOURS, "linewidth": 1.6, "alpha": 1.0, "zorder": 3}
    return {"color": REFERENCE, "linewidth": 5.0, "alpha": 0.45, "zorder": 2}


def _unit_square(axes: Axes, xlabel: str, ylabel: str) -> None:
    axes.set_xlim(-0.02, 1.02)
    axes.set_ylim(-0.02, 1.02)
    axes.set_aspect("equal")
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.grid(True, color="#eaeef2", linewidth=0.8)


# --- inlining ----------------------------------------------------------------------------------

_PROLOGUE = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)
_COMMENT = re.compile(r"<!--.*?-->\s*", re.DOTALL)
_NAMESPACES = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_REFERENCE = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(svg: str, element_id: str, title: str) -> str:
    """matplotlib's SVG document as an element of an HTML page, titled for screen readers.

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
