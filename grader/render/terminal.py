"""Plain-text rendering for a terminal: the learner's self-check, file by file.

Each exercise file is one block, written as soon as its checks end (`check` streams them):
a count, then each cause once: a file that does not parse (its checks not run), a
function not written yet (its checks under it), a failed check with its message, and
failed core functions the file builds on.
"""

from __future__ import annotations

from collections.abc import Sequence

from grader.checks.misconceptions import CATALOG
from grader.render.view_model import (
    PRINTED_HEADING,
    ExerciseView,
    exercise_view,
    fix_order,
    sandbox_sentence,
)
from grader.results import CheckOutcome, GradedSubmission, NoticeKind, Status

MARKS = {
    "passed": "PASS",
    "failed": "FAIL",
    "error": "ERROR",
    "review": "REVIEW",
    "not-run": "SKIP",
}
INDENT, DEEPER = "  ", "        "


def self_check_header(name: str) -> str:
    return f"Self-check of {name} (visible checks only)\n\n"


def render_exercise(
    exercise: str, outcomes: Sequence[CheckOutcome], everything: Sequence[CheckOutcome] = ()
) -> str:
    """One exercise file's block. `everything`: all outcomes so far (for upstream notes)."""
    return "\n".join(_block(exercise_view(exercise, outcomes, everything))) + "\n"


def _block(view: ExerciseView) -> list[str]:
    name = view.file
    if view.untouched:
        functions = ", ".join(stub.function for stub in view.stubs)
        waiting = sum(len(stub.check_ids) for stub in view.stubs)
        checks = "check waits" if waiting == 1 else "checks wait"
        return [f"{name}: not started: {functions} not written yet ({waiting} {checks})"]
    if view.total and view.passed == view.total and not view.stubs:
        lines = [
            f"{name}: {'the check passes' if view.total == 1 else f'all {view.total} checks pass'}"
        ]
    else:
        passes = "check passes" if view.total == 1 else "checks pass"
        lines = [f"{name}: {view.passed} of {view.total} {passes}"]
    if view.file_note:
        not_run = [c.check_id for c in view.checks if c.kind == "not-run" and not c.message]
        lines.append(f"{INDENT}NOT RUN {view.file_note}")
        lines.append(f"{DEEPER}{', '.join(not_run)}")
    for stub in view.stubs:
        lines.append(f"{INDENT}TODO  {stub.function} is not written yet ({stub.where})")
        lines.append(f"{DEEPER}{', '.join(stub.check_ids)}")
    for check in view.checks:
        if check.kind == "passed" or (check.kind == "not-run" and not check.message):
            continue  # a broken file's checks: listed under its note
        lines.append(f"{INDENT}{MARKS[check.kind]:<5} {check.check_id}")
        # A grader error is the grader's, said once under the count (self_check_footer).
        if check.kind not in ("review", "error"):
            lines += [f"{DEEPER}{line}" for line in check.message.splitlines()]
        if check.cause_anchor:  # one cause of several checks: said once, under CAUSE
            lines.append(f"{DEEPER}Why: a function it uses is wrong (CAUSE below).")
        if check.printed:
            lines.append(f"{DEEPER}{PRINTED_HEADING}")
            lines += [f"{DEEPER}| {line}" for line in check.printed.splitlines()]
        for mistake in check.misconceptions:
            entry = CATALOG.get(mistake.misconception_id)
            if entry:
                lines.append(
                    f"{DEEPER}Recognized mistake {entry.misconception_id}: {entry.title}. "
                    f"Fix: {entry.fix}."
                )
    if view.upstream_note:
        lines.append(f"{INDENT}NOTE  {view.upstream_note}")
    lines += _cause_lines(view)
    return lines


def _cause_lines(view: ExerciseView) -> list[str]:
    """Each wrong function several failed checks build on, once, with its boxes once."""
    lines = []
    for cause in view.causes:
        lines.append(f"{INDENT}CAUSE {cause.sentence}")
        lines += [
            f"{DEEPER}{_mistake_line(mistake.misconception_id)}" for mistake in cause.misconceptions
        ]
    return [line for line in lines if line.strip()]


def _mistake_line(misconception_id: str) -> str:
    entry = CATALOG.get(misconception_id)
    if not entry:
        return ""
    return f"Recognized mistake {entry.misconception_id}: {entry.title}. Fix: {entry.fix}."


def self_check_footer(result: GradedSubmission) -> str:
    """The count, what to fix first, and the one sentence about the sandbox."""
    automatic = [item.outcome for item in result.checks if not item.outcome.manual]
    passed = sum(1 for outcome in automatic if outcome.status is Status.PASSED)
    order = fix_order([item.outcome for item in result.checks])
    first = order[0][0] if order else ""
    messages = {item.outcome.message for item in result.checks}
    if len(messages) == 1 and NoticeKind.UNREADABLE in result.notice_kinds:  # nothing ran
        first, order = messages.pop(), ()
    lines = [""]
    if first:
        lines.append(f"Fix first: {first}")
        lines += [f"Then:      {sentence}" for sentence, _ in order[1:]]
    lines.append(
        f"{passed} of {len(automatic)} visible checks pass. Answers worked by hand, the quiz "
        "and the checks on held-out data are graded when you submit."
    )
    failed = self_check_grader_errors(result)
    if failed:
        lines.append(grader_failed_line(failed))
    lines.append(sandbox_sentence(result.isolation))
    return "\n".join(lines) + "\n"


def self_check_grader_errors(result: GradedSubmission) -> int:
    """How many checks the grader itself failed on (their points are 0, not the learner's
    doing); the detail is the instructor's (results.json's grader errors)."""
    return sum(1 for item in result.checks if item.outcome.status is Status.ERROR)


def grader_failed_line(count: int) -> str:
    """The learner's one line about grader failures in a self-check (nobody has been told
    on a learner's own machine: the learner tells the instructor)."""
    checks = "check" if count == 1 else "checks"
    return f"The grader itself failed on {count} {checks}: not your fault; tell your instructor."


def render_self_check(result: GradedSubmission) -> str:
    """The whole self-check at once: header, notes, a block per file, footer."""
    outcomes = [item.outcome for item in result.checks]
    text = self_check_header(result.name) + notices_text(result.notices)
    by_exercise: dict[str, list[CheckOutcome]] = {}
    for outcome in outcomes:
        by_exercise.setdefault(outcome.exercise, []).append(outcome)
    for exercise, mine in by_exercise.items():
        text += render_exercise(exercise, mine, outcomes)
    return text + self_check_footer(result)


def notices_text(notices: Sequence[str]) -> str:
    return "".join(f"note: {notice}\n" for notice in notices)
