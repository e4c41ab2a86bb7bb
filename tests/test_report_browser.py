"""report.html in a real browser: headless Chromium, offline, loads it with its plots.

Skipped where Chromium is not installed (`apt-get install chromium`; .ci/run tries to).
The report's figures come from the solutions, run here in the test process as the
"learner" (trusted code; the sandbox is tested elsewhere).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from grader.checks.framework import Learner
from grader.checks.reference import SolutionReference
from grader.paths import KitPaths
from grader.pipeline.figures import collect_figures
from grader.render.html import render_html
from grader.render.plots import RATE_COLOURS, YOURS
from grader.results import (
    CheckOutcome,
    CriterionScore,
    FeedbackFigures,
    GradedSubmission,
    Isolation,
    ScoredCheck,
    Status,
)
from grader.sandbox import CallResult, Limits
from grader.tickets import TicketData

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install chromium)"
)
TIMEOUT_S = 120
# Offline: no name resolves, no background traffic; root in a container needs no sandbox.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--enable-logging=stderr",
    "--v=0",
    "--hide-scrollbars",
)


class InProcess:
    """A worker stand-in that answers with the solutions (trusted), as plain data."""

    limits = Limits()

    def __init__(self, solutions: SolutionReference) -> None:
        self.solutions = solutions

    def call(self, module: str, function: str, *args: Any, timeout_s: Any = None, **kwargs: Any):
        value = self.solutions.call(module, function, *args, **kwargs)
        return CallResult(value, (), args, kwargs, 0.0, "")

    def get(self, module: str, name: str) -> object:
        return self.solutions.get(module, name)

    def given_up(self) -> set[str]:
        return set()


def _result(figures: FeedbackFigures) -> GradedSubmission:
    outcomes = (
        CheckOutcome("check_roc_points", "logistic_scratch", Status.PASSED),
        CheckOutcome("check_sigmoid_values", "logistic_scratch", Status.FAILED, message="Not yet."),
    )
    return GradedSubmission(
        name="browser-learner",
        score=42.5,
        max_score=100.0,
        checks=(
            ScoredCheck(outcomes[0], "numpy_implementation", 42.5, 42.5),
            ScoredCheck(outcomes[1], "numpy_implementation", 0.0, 57.5),
        ),
        criteria=(CriterionScore("numpy_implementation", "NumPy implementation", "", 42.5, 100.0),),
        seed=1,
        isolation=Isolation("process", ("a worker process per submission",)),
        grader_version="test",
        graded_at="2025-01-01T00:00:00+00:00",
        duration_s=1.0,
        figures=figures,
    )


@pytest.fixture(scope="module")
def figures(kit: KitPaths) -> FeedbackFigures:
    solutions = SolutionReference(kit.solutions)
    tickets = TicketData.load(kit.solutions / "tickets.py")
    learner = Learner(InProcess(solutions), kit.solutions)
    return collect_figures(learner, solutions, tickets)


def _chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    assert CHROMIUM is not None
    profile.mkdir(parents=True, exist_ok=True)
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *extra, page.as_uri()]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, cwd=profile
    )


def _write(tmp_path: Path, result: GradedSubmission) -> Path:
    page = tmp_path / "report.html"
    page.write_text(render_html(result), encoding="utf-8")
    return page


def _near(image: np.ndarray, colour: str, tolerance: float = 0.06) -> int:
    """How many pixels have (about) this #rrggbb colour."""
    rgb = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    return int(np.sum(np.all(np.abs(image[:, :, :3] - rgb) < tolerance, axis=2)))


def _screenshot(tmp_path: Path, page: Path, name: str) -> np.ndarray:
    from matplotlib.image import imread

    shot = tmp_path / name
    done = _chromium(
        page, tmp_path / f"profile-{name}", f"--screenshot={shot}", "--window-size=1200,3000"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Content Security Policy" not in done.stderr, done.stderr[-2000:]
    return imread(shot)


def test_the_page_loads_with_score_and_plots(tmp_path: Path, figures: FeedbackFigures) -> None:
    page = _write(tmp_path, _result(figures))
    done = _chromium(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    assert "Score: 42.5 / 100" in dom
    assert len(re.findall(r"<svg\b[^>]*role=\"img\"", dom)) == 3  # the plots, not icons
    assert dom.count('<title id="plot-') == 3
    assert "Your ROC curve (AUC 0.838)" in dom
    # The page asked for nothing the policy had to block (no remote loads, no scripts).
    assert "Content Security Policy" not in done.stderr, done.stderr[-2000:]


def test_the_plots_are_drawn(tmp_path: Path, figures: FeedbackFigures) -> None:
    with_plots = _screenshot(tmp_path, _write(tmp_path, _result(figures)), "plots.png")
    assert with_plots.shape[:2] == (3000, 1200)
    # The learner's lines: blue (ROC, reliability, lr = 0.2) and orange (lr = 2.0).
    assert _near(with_plots, YOURS) > 300
    assert _near(with_plots, RATE_COLOURS[0]) > 300
    drawn = with_plots[:, :, :3].reshape(-1, 3)
    assert len(np.unique(np.round(drawn * 255).astype(int), axis=0)) > 500  # not blank

    # The same report without figures has none of the plots' colours: the test can tell.
    bare = _screenshot(tmp_path, _write(tmp_path, _result(FeedbackFigures())), "bare.png")
    assert _near(bare, RATE_COLOURS[0]) == 0


# A measuring script, added to a copy of the page for this test only (the report itself has
# no script, and its policy forbids one): bounding boxes and computed colours, as JSON.
MEASURE = """<script>
const box = e => {
  const b = e.getBoundingClientRect();
  return [b.left, b.top, b.right, b.bottom];
};
const style = q => getComputedStyle(document.querySelector(q));
const row = q => [style(q).borderLeftColor, style(q).backgroundColor, style(q + ' .status').color];
const out = {
  passed: row('li.passed'), failed: row('li.failed'),
  icon: box(document.querySelector('li.failed .status svg.icon')),
  legend: box(document.getElementById('plot-loss-legend_1')),
  plot_area: box(document.getElementById('plot-loss-patch_2')),
  curves: [...document.querySelectorAll('#plot-loss-axes_1 > g[id^="plot-loss-line2d"]')].map(box),
};
const pre = document.createElement('pre');
pre.id = 'measured';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>
"""


def _overlap(a: list[float], b: list[float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_overlap_helper_can_fail() -> None:
    assert _overlap([0, 0, 10, 10], [5, 5, 20, 20])
    assert not _overlap([0, 0, 10, 10], [0, 11, 10, 20])


def test_status_colours_differ_and_the_legend_leaves_the_curves_free(
    tmp_path: Path, figures: FeedbackFigures
) -> None:
    import json

    html = render_html(_result(figures))
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", html)
    page = tmp_path / "measured.html"
    page.write_text(html.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
    done = _chromium(page, tmp_path / "profile-measure", "--dump-dom", "--window-size=1200,3000")
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="measured">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found, done.stdout[-2000:]
    measured = json.loads(found.group(1).replace("&quot;", '"'))
    passed, failed = measured["passed"], measured["failed"]
    for index, what in enumerate(("bar", "background", "label")):
        assert passed[index] != failed[index], what
    left, top, right, bottom = measured["icon"]
    assert right - left > 5 and bottom - top > 5  # the icon is drawn, without any font
    curves = measured["curves"]
    assert len(curves) == 4  # yours and the reference's, at two step sizes
    legend = measured["legend"]
    assert legend[2] - legend[0] > 50 and legend[3] - legend[1] > 10
    for curve in curves:
        assert not _overlap(legend, curve), (legend, curve)
    assert not _overlap(legend, measured["plot_area"])
