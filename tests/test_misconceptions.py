"""Misconceptions M01-M23 (contract section 4): each is recognized from a submission that
makes that one mistake, explained as symptom -> cause -> fix, and never claimed of a
correct submission."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from grader.checks.misconceptions import CATALOG
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission

FIXTURES = Path(__file__).parent / "fixtures"
CONTRACT_IDS = [f"M{number:02d}" for number in range(1, 24)]


def test_the_catalog_is_the_contracts_list_each_with_symptom_cause_and_fix() -> None:
    assert sorted(CATALOG) == CONTRACT_IDS
    for entry in CATALOG.values():
        assert entry.symptom.strip() and entry.cause.strip() and entry.fix.strip()


@pytest.mark.parametrize("misconception", CONTRACT_IDS)
def test_each_misconception_has_a_fixture_that_is_recognized(misconception: str) -> None:
    """The golden test grades each fixture and pins its expected.json; here: that file
    tags the fixture's own misconception on a failed check."""
    folders = sorted(FIXTURES.glob(f"misconception-{misconception}-*"))
    assert len(folders) == 1, f"one fixture folder misconception-{misconception}-<what>"
    expected = json.loads((folders[0] / "expected.json").read_text())
    tagged = [
        check
        for check, outcome in expected.items()
        if misconception in outcome["misconceptions"] and outcome["status"] == "failed"
    ]
    assert tagged, f"{folders[0].name}: no failed check is tagged {misconception}"


@pytest.mark.parametrize(
    ("submission", "seed"),
    [("solutions", 11), ("solutions", 12), ("correct-loops-and-lists", 11)],
)
def test_correct_submissions_are_never_tagged(kit, submission, seed) -> None:
    folder = kit.solutions if submission == "solutions" else FIXTURES / submission
    context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=seed))
    result = grade_submission(folder, context, name=submission)
    tagged = {
        item.outcome.check_id: item.outcome.misconceptions
        for item in result.checks
        if item.outcome.misconceptions
    }
    assert not tagged
    assert result.score == pytest.approx(result.max_score)
