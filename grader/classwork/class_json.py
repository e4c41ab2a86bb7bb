"""class.json: the class summary as plain JSON (for scripts; the same numbers as class.md).

Every field of ClassSummary is a key of the document, as to_plain writes it (tuples as
lists, enums as their values, floats rounded to 4 decimals, NaN as null); a script can
rely on these, among them:

- `learners`: one object per submission in name order: `name`, `score` and `max_score`
  (points), `criteria` (points per entry of the top-level `criteria`, in its order; null
  where the criterion is absent), `days_late`, `flags` (words of `learner_flags`, in
  its order).
- `attention`: one object per submission that needs a person: `name`, `reasons` (each
  says what to look at) and `kinds` (`kinds[i]` is the ReasonKind value of `reasons[i]`).
- `quiz`: per question `check_id`, `question` ("Q1"), `key` (the reference's letter, ""
  when unknown), `letters` (`letter`, `count`, `key`: A to D always, then anything else
  given), `answered`.
- `hand`: per hand-worked check some learner got wrong: `check_id`, `exercise`, `wrong`
  (`text`, `count`, `misconceptions`: most given first, at most five) and `failed`.
- `manual`: per instructor-graded item `check_id`, `exercise`, `criterion`, `max_points`,
  `answers` (`name`, `answer`, `points`: null while pending).

Added here (the summary has them only implicitly):

- `misconceptions[i].count`: how many submissions made it.
- `manual[i].pending` and `manual[i].graded`: answers awaiting the instructor (only
  where the item has points) and answers with points (the instructor's, or 0 where the
  exercise file was not handed in).
- `attention_by_reason`: needs attention grouped by reason kind, in class.html's order
  (what needs a look first, bookkeeping last): `kind` (a ReasonKind value, e.g. "low
  score"), `bookkeeping` (true: nothing is wrong, a person only has something to do or to
  know), `count`, `entries` (`name`, `reason`).
- `learner_flags`: every word a learner's `flags` may hold, in the table's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from grader.classwork.class_html import attention_by_reason
from grader.classwork.class_summary import FLAGS, ClassSummary, ManualItem, ReasonKind
from grader.classwork.stored import to_plain
from grader.files import dumps_strict


@dataclass(frozen=True)
class ReasonEntry:
    name: str  # the submission's name
    reason: str  # the whole reason, saying what to look at


@dataclass(frozen=True)
class ReasonGroup:
    """The submissions needing attention for one kind of reason (class.json's
    `attention_by_reason`)."""

    kind: ReasonKind
    bookkeeping: bool
    count: int  # len(entries)
    entries: tuple[ReasonEntry, ...]


def reason_groups(summary: ClassSummary) -> tuple[ReasonGroup, ...]:
    """Needs attention by reason kind, in class.html's order (bookkeeping last)."""
    groups = []
    for value, entries in attention_by_reason(summary):
        kind = ReasonKind(value)
        groups.append(
            ReasonGroup(
                kind,
                kind.bookkeeping,
                len(entries),
                tuple(ReasonEntry(name, reason) for name, reason in entries),
            )
        )
    return tuple(groups)


def pending_count(item: ManualItem) -> int:
    """Answers still awaiting the instructor: none where the item has no points."""
    if item.max_points <= 0:
        return 0
    return sum(1 for answer in item.answers if answer.points is None)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    if isinstance(value, list):
        return [_finite(item) for item in value]
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    return value


def render_class_json(summary: ClassSummary) -> str:
    """The summary's every field, numbers rounded to 4 decimals, NaN written as null, and
    the keys the module's docstring lists as added."""
    document = _finite(to_plain(summary))
    for item, misconception in zip(document["misconceptions"], summary.misconceptions, strict=True):
        item["count"] = misconception.count
    for item, manual in zip(document["manual"], summary.manual, strict=True):
        item["pending"] = pending_count(manual)
        item["graded"] = sum(1 for answer in manual.answers if answer.points is not None)
    document["attention_by_reason"] = to_plain(reason_groups(summary))
    document["learner_flags"] = list(FLAGS)
    return dumps_strict(document)


__all__ = ["ReasonEntry", "ReasonGroup", "pending_count", "reason_groups", "render_class_json"]
