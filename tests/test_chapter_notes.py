"""docs/chapter-notes.md: current with the solutions and data, and saying the checked facts."""

from __future__ import annotations

import sys

import pytest

from grader.authoring.notes import chapter_facts, fixed, gap_bound, render_chapter_notes
from grader.paths import KitPaths

NOTES = "chapter-notes.md"


@pytest.fixture(scope="module")
def page(kit: KitPaths) -> str:
    return render_chapter_notes(kit)


def test_docs_page_is_current(kit: KitPaths, page: str) -> None:
    path = kit.docs / NOTES
    assert path.is_file(), f"{path} is missing: run `python -m grader build`"
    assert path.read_text(encoding="utf-8") == page, (
        f"{path} is out of date with the solutions or the data: run `python -m grader build`"
    )


def test_rendering_is_deterministic_and_leaves_the_import_state(kit: KitPaths, page: str) -> None:
    import logistic_scratch  # the conftest's copy, by its learner name

    before = list(sys.path)
    assert render_chapter_notes(kit) == page
    assert sys.path == before
    assert sys.modules["logistic_scratch"] is logistic_scratch
    assert "\r" not in page and page.endswith("\n") and not page.endswith("\n\n")


def test_page_states_the_contracts_facts(page: str) -> None:
    for fact in (
        "x1 + x2 = 8.5",
        "4-bin ECE = **0.0189**",
        "2/L = **0.228**",
        "AUC = **1.0000**",
        "[-63.73, 2.25, 12.40]",  # scikit-learn with C=np.inf
        "TP=4 FP=0 FN=0 TN=4",
        "they do not all lie in (0.1, 0.9)",
        "`classify_run` says **oscillates**",
        "Highest value 10.0930, at epoch 3",
        "So the AUC stays 1.0000",
        "length alone splits them",
    ):
        assert fact in page, f"the page should say {fact!r}"


def test_page_has_no_unformatted_numbers(page: str) -> None:
    assert "nan" not in page.lower().split()
    assert "-0.0 " not in page and "np.float64" not in page and "array(" not in page


def test_facts_on_the_queue(kit: KitPaths) -> None:
    q = chapter_facts(kit)["queue"]
    assert 0.15 <= q["prevalence"] <= 0.25
    assert 0.75 < q["auc"] < 0.95
    assert q["min_cost"]["t"] != q["best_f1"]["t"]
    assert len(q["reliability"]["rows"]) == 10
    rows = q["reliability"]["rows"]
    assert sum(row["count"] for row in rows) == q["n"]
    # The table's bins are the solution's: their weighted gaps add up to its ECE.
    table_ece = sum(row["count"] / q["n"] * row["gap"] for row in rows if row["count"])
    assert table_ece == pytest.approx(q["reliability"]["ece"], abs=1e-12)


def test_number_formats() -> None:
    assert fixed(-0.00001, 3) == "0.000"
    assert fixed(2.0, 1) == "2.0"
    assert fixed(0.0189005, 4) == "0.0189"
    assert gap_bound(7.5e-9) == "1e-6"
    assert gap_bound(3e-12) == "1e-9"
    assert gap_bound(0.5) == "0.5000"
