"""Answer checks of ex7_diagnosis.py: one check per question."""

from __future__ import annotations

from grader.checks.expect import normalized_word
from grader.checks.framework import CheckFailure

MODULE = "ex7_diagnosis"
LETTERS = ("a", "b", "c", "d")


def _expect_letter(learner, reference, question: str) -> None:
    answers = learner.get(MODULE, "ANSWERS")
    if not isinstance(answers, dict):
        raise CheckFailure('ANSWERS should be a dict {"Q1": "A", ...}; keep its keys.')
    letter = normalized_word(answers.get(question))
    # the letter as given, for the class's answer distribution (class.html)
    learner.record_answer(letter.upper() if letter in LETTERS else repr(answers.get(question)))
    if letter not in LETTERS:
        raise CheckFailure(
            f"ANSWERS[{question!r}] should be one letter A, B, C or D; replace `...`."
        )
    if letter != normalized_word(reference.get(MODULE, "ANSWERS")[question]):
        raise CheckFailure(
            f"ANSWERS[{question!r}] = {letter.upper()!r} is not the best answer. "
            "Reread the question against the chapter's symptom -> cause -> fix."
        )


def check_diagnosis_q1_overconfidence(learner, reference):
    """Q1: good ranking, poor calibration."""
    _expect_letter(learner, reference, "Q1")


def check_diagnosis_q2_threshold_mismatch(learner, reference):
    """Q2: the default threshold on imbalanced tickets."""
    _expect_letter(learner, reference, "Q2")


def check_diagnosis_q3_operating_point_by_cost(learner, reference):
    """Q3: the cost-optimal threshold."""
    _expect_letter(learner, reference, "Q3")


def check_diagnosis_q4_sklearn_mismatch(learner, reference):
    """Q4: weights that disagree with scikit-learn."""
    _expect_letter(learner, reference, "Q4")


def check_diagnosis_q5_learning_rate(learner, reference):
    """Q5: a loss that jumps up and swings."""
    _expect_letter(learner, reference, "Q5")


def check_diagnosis_q6_recall_at_threshold(learner, reference):
    """Q6: recall when every urgent ticket gets 0.3."""
    _expect_letter(learner, reference, "Q6")


def check_diagnosis_q7_interpreting_ece(learner, reference):
    """Q7: what ECE measures."""
    _expect_letter(learner, reference, "Q7")


def check_diagnosis_q8_accuracy_on_imbalance(learner, reference):
    """Q8: accuracy on a 5 % escalation queue."""
    _expect_letter(learner, reference, "Q8")
