"""Stage "upstream": a failed check that may come from a failed logistic_scratch function
is marked so (the renderers say it once per exercise).

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
    function gets `upstream_failures`; a check failed by a cause of its own (a stub, a
    broken file) does not: that cause is what to fix.

    `sources` maps an exercise stem to the learner's file text (None when missing)."""
    failed = failed_core_functions(outcomes)
    if not failed:
        return outcomes
    uses = {stem: core_names_used(text) for stem, text in sources.items()}
    noted = []
    for outcome in outcomes:
        suspects = sorted(uses.get(outcome.exercise, set()) & set(failed))
        if (
            outcome.exercise == CORE_MODULE
            or outcome.status is not Status.FAILED
            or outcome.cause is not None
            or not suspects
        ):
            noted.append(outcome)
            continue
        noted.append(dataclasses.replace(outcome, upstream_failures=tuple(suspects)))
    return noted


def upstream_sentence(outcome: CheckOutcome, outcomes: list[CheckOutcome]) -> str:
    """Where to start instead, for a check with upstream failures ("" without): the
    functions of logistic_scratch.py it depends on and the first check each failed."""
    if not outcome.upstream_failures:
        return ""
    failed = failed_core_functions(outcomes)
    parts = []
    for name in outcome.upstream_failures:
        checks = failed.get(name, [])
        first = f" (it failed {checks[0]})" if checks else ""
        parts.append(f"{name.split('.')[-1]}(){first}")
    return (
        f"{outcome.exercise}.py uses {', '.join(parts)} from {CORE_MODULE}.py: fix "
        f"{'that' if len(parts) == 1 else 'those'} first; these checks may pass once "
        f"{'it does' if len(parts) == 1 else 'they do'}."
    )
