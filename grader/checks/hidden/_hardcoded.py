"""Answers hard-coded for the data the learner has seen (misconception M19).

A hidden check that fails compares the learner's held-out result with what the reference
returns on the inputs the learner has seen: every call the visible checks made in this
grading (recorded by the learner proxy, framework.Learner.seen, so a new visible check
needs no entry here) and the inputs the chapter itself works through
(grader/chapter.py, chapter_worked_calls). A match means the function gave back one of
those answers whatever it was given. This never fires on a correct function: its held-out
result is the held-out answer, and then the check has passed. Outputs from a handful of
values (words, a threshold from a short list) are left out by the checks, where a wrong
result could match by chance. The answers are callables, computed only when a check fails.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import Any

from grader.chapter import chapter_worked_calls
from grader.checks.framework import Learner, SeenCall
from grader.checks.reference import _answer_key, call_key

M19 = "M19"


def answers(
    reference: Any,
    learner: Learner,
    module: str,
    function: str,
    pick: Callable[[Any], Any] | None = None,
) -> dict[str, Callable[[], Any]]:
    """Variants "M19#k": the reference's answers to the seen calls of module.function
    (each once), each passed through `pick` (a part of a tuple or dict) if given."""
    return {
        f"{M19}#{index}": partial(_answer, reference, call, pick)
        for index, call in enumerate(seen_calls(learner, module, function))
    }


def seen_calls(learner: Learner, module: str, function: str) -> list[SeenCall]:
    """The calls of module.function whose answers the learner may have seen, without
    repeats: the visible checks' calls in this grading, then the chapter's worked ones."""
    # Every hidden check asks (about 70 a grading, 60 us each: the chapter's arrays made
    # and the seen calls sieved): kept for the grading's list of seen calls as long as it
    # has not grown. The calls are only read (the reference copies what it is given).
    seen, size = _SEEN["seen"], _SEEN["size"]
    if seen is not learner.seen or size != len(learner.seen):
        _SEEN.update(seen=learner.seen, size=len(learner.seen), calls={})
    calls = _SEEN["calls"]
    if (module, function) not in calls:
        calls[(module, function)] = _seen_calls(learner, module, function)
    return list(calls[(module, function)])


#: seen_calls' answers for one list of seen calls (a grading's) at one length.
_SEEN: dict[str, Any] = {"seen": None, "size": -1, "calls": {}}


def _seen_calls(learner: Learner, module: str, function: str) -> list[SeenCall]:
    chapter = [
        (SeenCall(*call), key)
        for call, key in zip(chapter_worked_calls(), _chapter_keys(), strict=True)
        if call[0] == module
    ]
    unique: dict[str, SeenCall] = {}
    for call in learner.seen:
        if call.function == function:
            unique.setdefault(_key(call) or f"#{len(unique)}", call)
    for call, key in chapter:
        if call.function == function:
            unique.setdefault(key or f"#{len(unique)}", call)
    return list(unique.values())


# A seen call's key (JSON and SHA-256 of its arguments, 50 us) is made once per grading
# (seen_calls sieves each function's calls once) and, for the same arguments (the visible
# inputs, the same in every grading), once per process: kept by the arguments' types and
# bytes (reference._answer_key, a tenth of the cost; equal bytes are equal values, so
# equal keys), dropped wholesale past _KEYS_KEPT. No call is kept (the arrays it holds).
_BY_CONTENT: dict[bytes, str | None] = {}
_KEYS_KEPT = 4096


def _key(call: SeenCall) -> str | None:
    """call_key of one seen call, None for inputs the key cannot read."""
    try:
        content: bytes | None = _answer_key(call.module, call.function, call.args, call.kwargs)
    except TypeError:
        content = None
    if content is not None and content in _BY_CONTENT:
        return _BY_CONTENT[content]
    key: str | None
    try:
        key = call_key(call.module, call.function, call.args, call.kwargs)
    except (TypeError, ValueError):
        key = None
    if content is not None:
        if len(_BY_CONTENT) >= _KEYS_KEPT:
            _BY_CONTENT.clear()
        _BY_CONTENT[content] = key
    return key


@functools.cache
def _chapter_keys() -> tuple[str | None, ...]:
    """The keys of chapter_worked_calls(), in its order: the chapter's values never change."""
    return tuple(_key(SeenCall(*call)) for call in chapter_worked_calls())


def _answer(reference: Any, call: SeenCall, pick: Callable[[Any], Any] | None) -> Any:
    """The reference's answer, or None (matches nothing) where the seen call was one the
    function must refuse: a visible check of an error (roc_auc on labels of one class)."""
    try:
        value = reference.call(call.module, call.function, *call.args, **call.kwargs)
    except Exception:  # the reference's own error, asked for on purpose by a visible check
        return None
    return pick(value) if pick is not None else value
