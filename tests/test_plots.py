"""The report's plots: the figures stage (learner and reference series) and the SVG renderer."""

from __future__ import annotations

import html
import math
import re
import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.checks.framework import Learner
from grader.checks.reference import SolutionReference
from grader.paths import KitPaths
from grader.pipeline import figures as stage
from grader.render import plots
from grader.render.html import render_html
from grader.results import (
    FeedbackFigures,
    Figure,
    FigureKind,
    GradedSubmission,
    Isolation,
    Series,
)
from grader.sandbox import FailureKind, Limits, StudentCodeError, Worker
from grader.tickets import TicketData

BROKEN = {
    # appended to the solutions: the later definition wins
    "logistic_scratch.py": """

def roc_points(y, p, thresholds):
    raise RuntimeError("<script>alert('roc')</script>")


def reliability_bins(y, p, n_bins=5):
    return [float("nan")] * n_bins, [0.5] * n_bins, [1] * n_bins
""",
    "ex2_learning_rate.py": """

def loss_history(X, y, lr, epochs, l2=0.0):
    if lr > 1:
        return [0.69, 0.5]  # the wrong length
    while True:  # and an endless loop below 2/L
        pass
""",
}


@pytest.fixture(scope="module")
def reference(kit: KitPaths) -> SolutionReference:
    return SolutionReference(kit.solutions)


@pytest.fixture(scope="module")
def tickets(kit: KitPaths) -> TicketData:
    return TicketData.load(kit.solutions / "tickets.py")


def _submission(kit: KitPaths, folder: Path, appended: dict[str, str]) -> Path:
    folder.mkdir()
    for path in kit.solutions.glob("*.py"):
        shutil.copyfile(path, folder / path.name)
    for name, text in appended.items():
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.write(text)
    return folder


def _collect(folder: Path, reference: Any, tickets: TicketData) -> FeedbackFigures:
    # A plain limited process (no namespaces): what matters here is the proxy's data.
    with Worker(folder, Limits(call_timeout_s=1.0), None) as worker:
        return stage.collect_figures(Learner(worker, folder), reference, tickets)


@pytest.fixture(scope="module")
def solution_figures(kit, reference, tickets, tmp_path_factory) -> FeedbackFigures:
    folder = _submission(kit, tmp_path_factory.mktemp("solutions") / "sol", {})
    return _collect(folder, reference, tickets)


@pytest.fixture(scope="module")
def broken_figures(kit, reference, tickets, tmp_path_factory) -> FeedbackFigures:
    folder = _submission(kit, tmp_path_factory.mktemp("broken") / "broken", BROKEN)
    return _collect(folder, reference, tickets)


def _figure(figures: FeedbackFigures, kind: FigureKind) -> Figure:
    (figure,) = [figure for figure in figures.figures if figure.kind is kind]
    return figure


def _pair(figure: Figure, label: str | None = None) -> tuple[Series, Series]:
    mine = [s for s in figure.series if label is None or s.label == label]
    (yours,) = [s for s in mine if s.from_learner]
    (theirs,) = [s for s in mine if not s.from_learner]
    return yours, theirs


def result_with(figures: FeedbackFigures, **changes: Any) -> GradedSubmission:
    result = GradedSubmission(
        name="learner",
        score=42.0,
        max_score=100.0,
        checks=(),
        criteria=(),
        seed=7,
        isolation=Isolation("process", ("a worker process per submission",)),
        grader_version="test",
        graded_at="2025-01-01T00:00:00+00:00",
        duration_s=1.0,
        figures=figures,
    )
    return replace(result, **changes)


# --- the figures stage --------------------------------------------------------------------


def test_solutions_give_every_series(solution_figures: FeedbackFigures) -> None:
    kinds = [figure.kind for figure in solution_figures.figures]
    assert kinds == [FigureKind.ROC, FigureKind.RELIABILITY, FigureKind.LOSS]
    for figure in solution_figures.figures:
        assert figure.notes == ()
        for yours, theirs in [_pair(figure, label) for label in {s.label for s in figure.series}]:
            assert yours.x == theirs.x and yours.y == theirs.y
            assert yours.summary == theirs.summary


def test_roc_runs_from_one_one_to_zero_zero(solution_figures: FeedbackFigures) -> None:
    yours, _ = _pair(_figure(solution_figures, FigureKind.ROC))
    assert len(yours.x) == len(stage.ROC_THRESHOLDS) == len(yours.y)
    assert (yours.x[0], yours.y[0]) == (1.0, 1.0)  # t = 0: everything predicted positive
    assert (yours.x[-1], yours.y[-1]) == (0.0, 0.0)  # t = 1: nothing
    assert np.all(np.diff(yours.x) <= 0) and np.all(np.diff(yours.y) <= 0)
    assert yours.summary is not None and 0.75 < yours.summary < 0.95


def test_reliability_bins_lie_in_the_unit_square(solution_figures: FeedbackFigures) -> None:
    yours, _ = _pair(_figure(solution_figures, FigureKind.RELIABILITY))
    assert 1 <= len(yours.x) <= stage.RELIABILITY_BINS and len(yours.x) == len(yours.y)
    assert all(0 <= v <= 1 for v in (*yours.x, *yours.y))
    assert list(yours.x) == sorted(yours.x)
    assert yours.summary is not None and 0 <= yours.summary < 0.1


def test_loss_curves_at_lr_2_and_below_the_bound(solution_figures: FeedbackFigures) -> None:
    figure = _figure(solution_figures, FigureKind.LOSS)
    assert figure.lr_bound == pytest.approx(0.2281, abs=1e-3)
    wild, _ = _pair(figure, "lr = 2.0")
    calm, _ = _pair(figure, "lr = 0.2")
    assert 0.2 < figure.lr_bound < 2.0
    for series in (wild, calm):
        assert len(series.y) == stage.LOSS_EPOCHS
        assert series.y[0] == pytest.approx(math.log(2))
    assert max(wild.y) > 5  # the swing the chapter describes
    assert np.all(np.diff(calm.y) <= 1e-12)  # below 2/L the loss never rises


def test_only_data_the_learner_has_is_used(reference, tickets, tmp_path) -> None:
    """The queue and the eight tickets, never held-out draws."""
    seen: list[np.ndarray] = []

    def note(args: tuple) -> None:
        seen.extend(a for a in args if isinstance(a, np.ndarray) and a.ndim == 2)

    class Recording:
        def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
            note(args)
            return reference.call(module, function, *args, **kwargs)

        def get(self, module: str, name: str) -> Any:
            return reference.get(module, name)

    class NoLearner:
        limits = Limits()

        def call(self, module, function, *args, timeout_s=None, **kwargs):
            note(args)
            raise StudentCodeError(FailureKind.MISSING_NAME, f"{function} is missing")

        def given_up(self) -> set[str]:
            return set()

    figures = stage.collect_figures(Learner(NoLearner(), tmp_path), Recording(), tickets)
    assert len(figures.figures) == 3
    assert all(not s.from_learner for figure in figures.figures for s in figure.series)
    assert seen
    for X in seen:  # every design matrix is the queue's or the eight tickets'
        assert np.array_equal(X, tickets.queue_X) or np.array_equal(X, tickets.eight_X)


def test_a_broken_learner_gets_the_reference_and_notes(broken_figures: FeedbackFigures) -> None:
    roc = _figure(broken_figures, FigureKind.ROC)
    assert [s.from_learner for s in roc.series] == [False]
    assert roc.notes == ("Your ROC curve is not shown: roc_points() raised an exception.",)
    reliability = _figure(broken_figures, FigureKind.RELIABILITY)
    assert [s.from_learner for s in reliability.series] == [False]
    assert "NaN or infinite" in reliability.notes[0]
    loss = _figure(broken_figures, FigureKind.LOSS)
    assert [s.from_learner for s in loss.series] == [False, False]
    assert "returned shape (2,), not (200,)" in loss.notes[0]
    assert "loss_history() ran out of time" in loss.notes[1]


def test_a_collector_bug_costs_only_the_figures(monkeypatch, reference, tickets) -> None:
    def broken(*args: Any) -> FeedbackFigures:
        raise ZeroDivisionError("a bug in the figures stage")

    monkeypatch.setattr(stage, "collect_figures", broken)
    collector = stage.FigureCollector(reference, tickets)
    collector(learner=None)  # type: ignore[arg-type]
    assert collector.figures == FeedbackFigures()
    assert "ZeroDivisionError" in collector.problems[0]


# --- the renderer -------------------------------------------------------------------------


def test_the_report_shows_three_titled_svg_plots(solution_figures: FeedbackFigures) -> None:
    page = render_html(result_with(solution_figures))
    svgs = re.findall(r"<svg\b[^>]*>\s*<title id=\"([^\"]+)\">([^<]+)</title>", page)
    assert [title for _, title in svgs] == list(plots.TITLES.values())
    assert page.count("<svg") == 3 and page.count('role="img"') == 3
    assert all(f'aria-labelledby="{title_id}"' in page for title_id, _ in svgs)
    words = html.unescape(page)
    assert "Your ROC curve (AUC 0.838) beside the reference's (AUC 0.838)" in words
    assert "Your reliability diagram (ECE 0.030" in words
    assert "At lr = 2.0, above the bound, yours and the reference's both go" in words
    assert "with the bound 2/L = 0.228" in words


def test_the_report_stays_self_contained(solution_figures: FeedbackFigures) -> None:
    page = render_html(result_with(solution_figures))
    # Not even the SVG namespace URIs: inline in HTML the parser supplies them.
    assert "http://" not in page and "https://" not in page
    assert "<script" not in page and "<image" not in page and "<link" not in page
    assert "<metadata" not in page and "<?xml" not in page and "<!DOCTYPE svg" not in page
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "an id is used twice in the page"
    for target in re.findall(r'(?:href="#|url\(#)([^")]+)', page):
        assert target in ids


def test_rendering_is_deterministic(solution_figures: FeedbackFigures) -> None:
    result = result_with(solution_figures)
    assert render_html(result) == render_html(result)
    figure = solution_figures.figures[0]
    assert plots.draw_svg(figure) == plots.draw_svg(figure)


def test_a_broken_learner_still_gets_the_reference_plots(broken_figures: FeedbackFigures) -> None:
    page = render_html(result_with(broken_figures))
    assert page.count("<svg") == 3
    words = html.unescape(page)
    assert "The reference's ROC curve (AUC 0.838)" in words and "yours is not shown" in words
    assert "Your ROC curve is not shown: roc_points() raised an exception." in words
    assert "alert('roc')" not in words  # the learner's exception text is not repeated


def test_notes_are_escaped_and_a_failed_drawing_keeps_the_words(
    solution_figures: FeedbackFigures, monkeypatch
) -> None:
    roc = replace(solution_figures.figures[0], notes=("<b>note</b>",))

    def no_matplotlib(figure: Figure) -> str:
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(plots, "draw_svg", no_matplotlib)
    page = render_html(result_with(FeedbackFigures((roc,))))
    assert "<svg" not in page and "&lt;b&gt;note&lt;/b&gt;" in page
    assert plots.NOT_DRAWN in html.unescape(page)
    assert "Your ROC curve (AUC 0.838)" in html.unescape(page)


def test_no_figures_no_plot_section() -> None:
    page = render_html(result_with(FeedbackFigures()))
    assert "<svg" not in page and "plots-heading" not in page


def test_grading_puts_the_figures_in_the_result(kit: KitPaths, tmp_path: Path) -> None:
    from grader.checks.catalog import Category
    from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission

    folder = _submission(kit, tmp_path / "sol", {})
    options = GradingOptions(kit_root=kit.root, categories=(Category.VISIBLE,), base_seed=0)
    result = grade_submission(folder, GradingContext.build(options))
    assert result.grader_errors == ()
    kinds = [figure.kind for figure in result.figures.figures]
    assert kinds == [FigureKind.ROC, FigureKind.RELIABILITY, FigureKind.LOSS]
    assert all(len(figure.series) in (2, 4) for figure in result.figures.figures)


def _shifted_loss(figures: FeedbackFigures, label: str) -> Figure:
    """The loss figure with the learner's curve at `label` moved off the reference's."""
    loss = _figure(figures, FigureKind.LOSS)
    series = tuple(
        replace(item, y=tuple(v * 1.5 for v in item.y))
        if item.from_learner and item.label == label
        else item
        for item in loss.series
    )
    return replace(loss, series=series)


def test_the_loss_caption_names_the_failed_check_behind_a_different_curve(
    solution_figures: FeedbackFigures,
) -> None:
    from grader.render.plots import explanation
    from grader.results import CheckOutcome, Status

    loss = _figure(solution_figures, FigureKind.LOSS)
    assert explanation(loss, ()) == ""  # the same curves: nothing to explain
    shifted = _shifted_loss(solution_figures, "lr = 0.2")
    failed = CheckOutcome(
        "check_loss_history_stable",
        "ex2_learning_rate",
        Status.FAILED,
        learner_calls=("ex2_learning_rate.loss_history",),
    )
    gradient = CheckOutcome(
        "check_gradient_values",
        "logistic_scratch",
        Status.FAILED,
        learner_calls=("logistic_scratch.gradient",),
    )
    text = explanation(shifted, [failed])
    assert text == (
        "Your curve differs from the reference's at lr = 0.2: the failed check "
        "check_loss_history_stable (loss_history()) explains it."
    )
    # a failed core function comes first: it is what to fix
    assert "check_gradient_values (gradient())" in explanation(shifted, [failed, gradient])
    assert "no failed check explains it" in explanation(shifted, [])
    # above 2/L two correct codes drift apart: not called a mistake
    wild = explanation(_shifted_loss(solution_figures, "lr = 2.0"), [])
    assert "above the bound" in wild and "no failed check points to a mistake" in wild
    views = plots.plot_views(FeedbackFigures((shifted,)), [failed])
    assert views[0].description.endswith("check_loss_history_stable (loss_history()) explains it.")


# --- the chart itself ------------------------------------------------------------------------


def _chart(**changes: Any):
    from grader.render.chart import Chart, Line

    chart = Chart(
        width_in=7.5,
        height_in=4.8,
        box=(0.09, 0.98, 0.30, 0.93),
        title="Loss <b>",
        xlabel="step",
        ylabel="loss",
        lines=(Line(tuple(range(200)), tuple(0.7 * 0.99**k for k in range(200)), "#0969da", 1.6),),
    )
    return replace(chart, **changes)


def test_a_chart_has_nice_ticks_and_decades_on_a_log_axis() -> None:
    from grader.render.chart import render_chart

    linear = render_chart(_chart())
    labels = re.findall(r'text-anchor="middle">([^<]+)</text>', linear)
    assert labels[:9] == ["0", "25", "50", "75", "100", "125", "150", "175", "200"]
    assert "Loss &lt;b&gt;" in linear and "<b>" not in linear  # every text escaped
    logged = render_chart(_chart(log_y=True))
    assert re.findall(r">10<tspan[^>]*>([^<]+)</tspan>", logged) == ["\u22121"]  # 0.094..0.7


def test_a_chart_leaves_out_points_it_cannot_draw() -> None:
    from grader.render.chart import Line, render_chart

    line = Line((0.0, 1.0, 2.0, 3.0), (1.0, float("nan"), -1.0, 2.0), "#0969da", 1.6)
    svg = render_chart(_chart(lines=(line,), log_y=True))
    (points,) = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(points.split()) == 2  # NaN and, on a log axis, -1 are not drawn
    assert "nan" not in svg.lower() and "inf" not in svg.lower()


def test_a_histogram_chart_has_bars_from_zero_and_whole_number_ticks() -> None:
    from grader.render.chart import Bar, render_chart

    bars = (Bar(0.0, 50.0, 1, "#0969da"), Bar(50.0, 100.0, 3, "#0969da"))
    svg = render_chart(_chart(lines=(), bars=bars, xlim=(0.0, 100.0), integer_y=True))
    assert svg.count("<rect") == 2 + 3  # the canvas, the plot area, the clip; two bars
    found = re.findall(r'<g id="patch_\d+"><rect [^>]*y="([^"]+)" [^>]*height="([^"]+)"', svg)
    (_, one), (_, three) = [(float(y), float(h)) for y, h in found[2:]]  # canvas, area first
    assert three == pytest.approx(3 * one, abs=0.02)  # both bars stand on the same 0
    assert sum(float(v) for v in found[2]) == pytest.approx(sum(float(v) for v in found[3]))
    ticks = re.findall(r'text-anchor="end">([^<]+)</text>', svg)
    assert ticks == ["0", "1", "2", "3"]


def test_the_roc_legend_sits_outside_the_plot_area(solution_figures: FeedbackFigures) -> None:
    # A swapped curve (scores reversed, AUC below 0.5) runs through the lower right: a
    # legend anywhere inside the plot area would hide part of some possible curve.
    import re

    svg = plots.draw_svg(_figure(solution_figures, FigureKind.ROC))
    area = re.search(r'<g id="patch_2"><rect x="[\d.]+" y="([\d.]+)" width="[\d.]+" '
                     r'height="([\d.]+)"', svg)  # fmt: skip
    assert area is not None
    bottom = float(area[1]) + float(area[2])
    legend = svg.split('<g id="legend_1">', 1)[1].split("</g>", 1)[0]
    rows = [float(y) for y in re.findall(r'<line x1="[\d.]+" y1="([\d.]+)"', legend)]
    assert len(rows) == 3 and min(rows) > bottom  # chance, yours, the reference's
