"""The proofreader the golden tests run on every rendered message (tests/proofreading.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from proofreading import proofread, unchanged_file_notes


@pytest.mark.parametrize(
    "text",
    [
        "expected_cost(y, p, 0.3): expected 4518., got 4620.. A missed urgent ticket",
        "sweep: expected an array of shape (60,), got an array of shape (60,); 3 differ",
        "expected [0, 1], got [0, 1]. Fix it.",
        "It failed:. Try again",
    ],
)
def test_what_the_issue_found_is_caught(text: str) -> None:
    assert proofread([text])


@pytest.mark.parametrize(
    "text",
    [
        "expected 4518, got 4620. A missed urgent ticket is a false negative.",
        "ANSWERS is still `...`: replace it with your answer.",
        "expected [0, 1, 1], got [0, 0, 1]. Use p >= t.",
        "gradient(X, y, w=[-1.0, 0.3, 0.2]): expected shape (3,), got shape (2,). Fix.",
        "20 of 28 values differ, the first at index (0, 1): expected 0.239852, got 0.259109.",
        "Refused zip entry '../../hx-zip-climb': it leaves the folder.",
    ],
)
def test_good_text_passes(text: str) -> None:
    assert proofread([text]) == []


def test_a_note_about_an_unchanged_file_is_caught(tmp_path: Path) -> None:
    kit, mine = tmp_path / "kit", tmp_path / "mine"
    for folder, text in ((kit, "same\n"), (mine, "same\n")):
        (folder / "data").mkdir(parents=True)
        (folder / "data" / "a.csv").write_text(text)
    (kit / "tickets.py").write_text("kit\n")
    (mine / "tickets.py").write_text("changed\n")
    notices = [
        f"Your {Path('data') / 'a.csv'} was replaced by the kit's copy.",
        "Your tickets.py was replaced by the kit's copy.",
    ]
    assert unchanged_file_notes(notices, mine, kit) == [
        f"a note about a file the learner did not change: {notices[0]}"
    ]
