"""Stage "upstream": a failed check that may come from a failed logistic_scratch function
says so.

ex2, ex3, ex5 and ex6 build on the learner's own logistic_scratch.py. When one of its
functions fails its own checks, the later exercises that use it fail too, and the
learner should hear where to start. Which functions an exercise uses is read from the
learner's file (its imports, parsed, never run); which functions failed, from the
learner calls each failed logistic_scratch check made.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from grader.checks.dependencies import CORE_MODULE, core_names_used
from grader.results import CheckOutcome, Status


def failed_core_functions(outcomes: list[CheckOutcome]) -> dict[str, list[str]]:
    """ "logistic_scratch.f" -> the ids of failed logistic_scratch checks that called f."""
    failed: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.exercise != CORE_MODULE or outcome.status is not Status.FAILED:
            continue
        for called in outcome.learner_calls:
            if called.startswith(f"{CORE_MODULE}."):
                failed.setdefault(called, []).append(outcome.check_id)
    return failed


def note_upstream_failures(
    outcomes: list[CheckOutcome], sources: Mapping[str, str | None]
) -> list[CheckOutcome]:
    """Each failed check of another exercise whose file uses a failed logistic_scratch
    function gets `upstream_failures` and a sentence saying where to start.

    `sources` maps an exercise stem to the learner's file text (None when missing)."""
    failed = failed_core_functions(outcomes)
    if not failed:
        return outcomes
    uses = {stem: core_names_used(text) for stem, text in sources.items()}
    noted = []
    for outcome in outcomes:
        suspects = sorted(uses.get(outcome.exercise, set()) & set(failed))
        if outcome.exercise == CORE_MODULE or outcome.status is not Status.FAILED or not suspects:
            noted.append(outcome)
            continue
        checks = sorted({check for name in suspects for check in failed[name]})
        names = ", ".join(f"{name.split('.')[-1]}()" for name in suspects)
        note = (
            f"This may not be this exercise's fault: {outcome.exercise}.py uses {names} from "
            f"{CORE_MODULE}.py, which failed its own checks ({', '.join(checks)}). Fix "
            f"{CORE_MODULE}.py first; this check may pass once it does."
        )
        message = f"{outcome.message}\n{note}" if outcome.message else note
        noted.append(
            dataclasses.replace(outcome, message=message, upstream_failures=tuple(suspects))
        )
    return noted
