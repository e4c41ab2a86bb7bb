"""Stage "upstream": a failed check that may come from a failed logistic_scratch function
is marked so (the renderers say it once per exercise).

ex2, ex3, ex5 and ex6 build on the learner's own logistic_scratch.py. When one of its
functions fails its own checks, the later exercises that use it fail too, and the
learner should hear where to start. Which functions an exercise uses is read from the
learner's file (its imports, parsed, never run); which functions failed, from the
learner calls each failed logistic_scratch check made.

Inside logistic_scratch.py too: a failed check of fit_logistic whose fit_logistic calls
the learner's own gradient, when gradient failed its own checks, names gradient. (The
checks themselves already probe such functions and say so in their message; this stage
records the suspects for every report and adds the sentence where a check did not.)
"""

from __future__ import annotations

import dataclasses

from grader.checks.dependencies import (
    CORE_MODULE,
    in_module,
    learner_functions_reached,
    learner_functions_used,
)
from grader.results import CheckOutcome, Status
from grader.source_text import LearnerSources


def failed_core_functions(outcomes: list[CheckOutcome]) -> dict[str, list[str]]:
    """ "logistic_scratch.f" -> the ids of failed logistic_scratch checks of f (judged
    wrong: a function not written yet is said once, by its own note).

    A check is one function's only when it called no other logistic_scratch function: a
    held-out check of reliability_bins and expected_calibration_error together cannot say
    which was wrong (crediting both blamed a right one), and a check that blamed another
    function (`blamed`: the from-scratch rule on a failing sigmoid) is that function's."""
    failed: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.exercise != CORE_MODULE or outcome.status is not Status.FAILED:
            continue
        if outcome.blamed:
            continue
        prefix = f"{CORE_MODULE}."
        called = [c for c in dict.fromkeys(outcome.learner_calls) if c.startswith(prefix)]
        if len(called) == 1:
            failed.setdefault(called[0], []).append(outcome.check_id)
    return failed


def note_upstream_failures(
    outcomes: list[CheckOutcome], sources: LearnerSources
) -> list[CheckOutcome]:
    """Each failed check of another exercise whose file uses a failed logistic_scratch
    function gets `upstream_failures`; a check failed by a cause of its own (a stub, a
    broken file) does not: that cause is what to fix.

    `sources`: the learner's files as read at load; what each exercise uses is
    grader/checks/dependencies.py's one answer."""
    failed = failed_core_functions(outcomes)
    if not failed:
        return outcomes
    exercises = {outcome.exercise for outcome in outcomes if outcome.exercise != CORE_MODULE}
    uses = {stem: learner_functions_reached(sources, stem) for stem in exercises}
    noted = []
    for outcome in outcomes:
        if outcome.exercise == CORE_MODULE:
            noted.append(_note_same_file(outcome, failed, sources))
            continue
        suspects = sorted(uses.get(outcome.exercise, set()) & set(failed))
        # A skipped check's own function is not written or its file did not import: that
        # cause is what to fix. A check that called no function (a constant answered by
        # hand) cannot be spoiled by one.
        if outcome.status is not Status.FAILED or not outcome.learner_calls or not suspects:
            noted.append(outcome)
            continue
        # Said once per exercise by the renderers (upstream_sentence); here only where:
        # the suspects and, inside logistic_scratch.py, the first failed function they use.
        where = sorted(set(suspects) | _first_in_chain(suspects, failed, sources))
        noted.append(dataclasses.replace(outcome, upstream_failures=tuple(where)))
    return noted


def upstream_sentence(outcome: CheckOutcome, outcomes: list[CheckOutcome]) -> str:
    """Where to start instead, for a check with upstream failures ("" without): the
    functions of logistic_scratch.py it depends on and the first check each failed."""
    if not outcome.upstream_failures or outcome.exercise == CORE_MODULE:
        return ""  # inside logistic_scratch.py the check's own message says it
    failed = failed_core_functions(outcomes)
    parts = []
    for name in outcome.upstream_failures:
        checks = failed.get(name, [])
        first = f" (it failed {checks[0]})" if checks else ""
        parts.append(f"{name.split('.')[-1]}(){first}")
    # Each file named as the learner has it (a notebook's checks know theirs).
    core = next((o.file for o in outcomes if o.exercise == CORE_MODULE), f"{CORE_MODULE}.py")
    return (
        f"{outcome.file} uses {', '.join(parts)} from {core}: fix "
        f"{'that' if len(parts) == 1 else 'those'} first; these checks may pass once "
        f"{'it does' if len(parts) == 1 else 'they do'}."
    )


def _core_uses(sources: LearnerSources, function: str) -> list[str]:
    """The logistic_scratch functions that its `function` uses, nearest first."""
    return in_module(learner_functions_used(sources, CORE_MODULE, function), CORE_MODULE)


def _first_in_chain(
    suspects: list[str], failed: dict[str, list[str]], sources: LearnerSources
) -> set[str]:
    """The failed logistic_scratch functions the suspects use in turn: where to start."""
    return {
        f"{CORE_MODULE}.{name}"
        for suspect in suspects
        for name in _core_uses(sources, suspect.split(".", 1)[1])
        if f"{CORE_MODULE}.{name}" in failed
    }


def _note_same_file(
    outcome: CheckOutcome, failed: dict[str, list[str]], sources: LearnerSources
) -> CheckOutcome:
    """A failed logistic_scratch check whose functions use other functions of the file
    that failed checks of their own (not this one)."""
    if outcome.status is not Status.FAILED:
        return outcome
    own = [call for call in outcome.learner_calls if call.startswith(f"{CORE_MODULE}.")]
    suspects: set[str] = set()
    for call in own:
        for name in _core_uses(sources, call.split(".", 1)[1]):
            qualified = f"{CORE_MODULE}.{name}"
            others = [check for check in failed.get(qualified, []) if check != outcome.check_id]
            if qualified not in own and others:
                suspects.add(qualified)
    if not suspects:
        return outcome
    names = ", ".join(f"{name.split('.')[-1]}()" for name in sorted(suspects))
    message = outcome.message
    if not outcome.blamed:  # the check did not already blame them as it ran
        checks = sorted({c for name in suspects for c in failed[name] if c != outcome.check_id})
        note = (
            f"This may not be this function's fault: it uses {names}, which failed its own "
            f"checks ({', '.join(checks)}). Fix that first; this check may pass once it does."
        )
        message = f"{message}\n{note}" if message else note
    return dataclasses.replace(outcome, message=message, upstream_failures=tuple(sorted(suspects)))
