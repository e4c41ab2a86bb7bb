"""Answer checks of ex2_learning_rate.py."""

from __future__ import annotations

from grader.chapter import CHAPTER_EPOCHS, TROUBLESOME_LR
from grader.checks.expect import normalized_word
from grader.checks.framework import CheckFailure, manual

MODULE = "ex2_learning_rate"
WORDS = ("converges", "oscillates", "diverges")


def check_lr_2_behaviour(learner, reference):
    """LR_2_BEHAVIOUR names what lr = 2.0 does on the eight tickets."""
    got = learner.get(MODULE, "LR_2_BEHAVIOUR")
    learner.record_answer(got if isinstance(got, str) else repr(got))
    word = normalized_word(got)
    if word not in WORDS:
        raise CheckFailure(
            f"LR_2_BEHAVIOUR should be one of {', '.join(WORDS)} (a string); replace `...`."
        )
    if word != normalized_word(reference.get(MODULE, "LR_2_BEHAVIOUR")):
        raise CheckFailure(
            f"LR_2_BEHAVIOUR is '{word}', which is not what classify_run says of "
            f"loss_history(X, y, {TROUBLESOME_LR}, {CHAPTER_EPOCHS}). Look at the first ten "
            "values and at the last."
        )


@manual
def check_why_lr_2_misbehaves(learner):
    """WHY_LR_2_MISBEHAVES: the learner's explanation, for an instructor to read."""
    got = learner.get(MODULE, "WHY_LR_2_MISBEHAVES")
    if isinstance(got, str):  # the text an instructor grades (manual.html)
        learner.record_answer(got.strip())
    if not isinstance(got, str) or len(got.split()) < 3:
        raise CheckFailure(
            "WHY_LR_2_MISBEHAVES is not answered yet: write a sentence or two in your own words."
        )
