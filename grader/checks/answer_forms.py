"""The form of the answers worked by hand (ex1, ex4) and of the quiz (ex7), for the self-check.

The bundle has no answers: the self-check can only remind the learner of what is still `...`
and say when an answer has the wrong form (not a number, a list of the wrong length, a
letter outside A-D), never whether it is right. The learner's file is read with `ast`
(nothing of it runs here); an answer written as an expression (`1 / (1 + 2.718 ** 4)`)
has a form only running it would tell, so it is left to grading.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

from grader.paths import EXERCISE_FILES

#: What one answer is: "number", ("list", n) for n numbers, ("dict", keys) of numbers,
#: or "letters" (a dict of question -> a letter A-D).
NUMBER = "number"

# Names and forms only: the values are in solutions/ and grader/checks/answers/.
FORMS: dict[str, dict[str, object]] = {
    "ex1_hand_gradient": {
        "SIGMOID_AT": ("dict", 5),
        "T4_LOSS_AT_P_HALF": NUMBER,
        "T4_LOSS_AT_P_082": NUMBER,
        "T4_GRADIENT_AT_ZERO": ("list", 3),
        "THREE_ROW_Z": ("list", 3),
        "THREE_ROW_P": ("list", 3),
        "THREE_ROW_LOSS": NUMBER,
        "THREE_ROW_GRADIENT": ("list", 3),
        "FIRST_BATCH_GRADIENT": ("list", 3),
        "W_AFTER_FIRST_STEP": ("list", 3),
    },
    "ex4_manual_ece": {"HAND_BIN_COUNTS": ("list", 4), "HAND_ECE": NUMBER},
    "ex7_diagnosis": {"ANSWERS": ("letters", 8)},
}
LETTERS = frozenset("ABCD")


@dataclass(frozen=True)
class AnswerNote:
    """One answer still left as `...` (`wrong_form` empty) or written in the wrong form."""

    exercise: str  # e.g. "ex1_hand_gradient"
    name: str  # e.g. "THREE_ROW_Z" or "Q3"
    wrong_form: str = ""  # learner-facing: what it should be and what it is


def answer_notes(folder: Path) -> tuple[AnswerNote, ...]:
    """The answers of the exercise files in `folder` (a graded working copy: .py files,
    notebooks already written as .py) still `...` or of the wrong form. A missing or
    unparsable file gives no note: its checks already say so."""
    notes: list[AnswerNote] = []
    for exercise, forms in FORMS.items():
        path = folder / f"{exercise}.py"
        if f"{exercise}.py" not in EXERCISE_FILES or not path.is_file():
            continue
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except SyntaxError:
            continue
        values = _assignments(tree)
        for name, form in forms.items():
            if name in values:
                notes += _notes_of(exercise, name, form, values[name])
    return tuple(notes)


def answer_notes_text(notes: tuple[AnswerNote, ...]) -> str:
    """The self-check's block: what is still `...`, then answers of the wrong form."""
    if not notes:
        return ""
    lines = []
    left = [note for note in notes if not note.wrong_form]
    if left:
        lines.append("Still `...` (worked by hand and the quiz, graded when you submit):")
        for exercise in dict.fromkeys(note.exercise for note in left):
            names = [note.name for note in left if note.exercise == exercise]
            lines.append(f"  {exercise}: {', '.join(names)}")
    wrong = [note for note in notes if note.wrong_form]
    if wrong:
        lines.append(
            "Answers of the wrong form (whether they are right is graded when you submit):"
        )
        lines += [f"  {note.exercise}: {note.wrong_form}" for note in wrong]
    return "\n" + "\n".join(lines) + "\n"


def _assignments(tree: ast.Module) -> dict[str, ast.expr]:
    """Top-level `NAME = value` (the last one wins, as when the module runs)."""
    values: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    values[target.id] = node.value
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            values[node.target.id] = node.value
    return values


def _is_ellipsis(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is Ellipsis


def _literal(node: ast.expr) -> tuple[bool, object]:
    try:
        return True, ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return False, None  # an expression: its form is known only by running it


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _notes_of(exercise: str, name: str, form: object, node: ast.expr) -> list[AnswerNote]:
    if _is_ellipsis(node):
        return [AnswerNote(exercise, name)]
    if form == NUMBER:
        known, value = _literal(node)
        if known and not _is_number(value):
            return [AnswerNote(exercise, name, f"{name} should be one number, it is {value!r:.40}")]
        return []
    kind, size = form  # type: ignore[misc]
    if kind == "list":
        if isinstance(node, (ast.List, ast.Tuple)):
            if any(_is_ellipsis(item) for item in node.elts):
                return [AnswerNote(exercise, name)]
            if len(node.elts) != size:
                return [
                    AnswerNote(
                        exercise,
                        name,
                        f"{name} should be a list of {size} numbers, it has {len(node.elts)}",
                    )
                ]
            return [
                AnswerNote(exercise, name, f"{name}: entry {i} is not a number")
                for i, item in enumerate(node.elts)
                if _literal(item)[0] and not _is_number(_literal(item)[1])
            ][:1]
        known, value = _literal(node)
        if known:
            return [AnswerNote(exercise, name, f"{name} should be a list of {size} numbers")]
        return []
    if not isinstance(node, ast.Dict):
        return []
    notes = []
    for key, value in zip(node.keys, node.values, strict=True):
        label = _label(key) if kind == "letters" else name
        if _is_ellipsis(value):
            if kind == "letters":
                notes.append(AnswerNote(exercise, label))
            elif not any(note.name == name for note in notes):
                notes.append(AnswerNote(exercise, name))
            continue
        known, literal = _literal(value)
        if not known:
            continue
        if kind == "letters":
            letter = "".join(literal.split()).upper() if isinstance(literal, str) else None
            if letter not in LETTERS:
                notes.append(
                    AnswerNote(
                        exercise, label, f"{label} should be one letter A-D, it is {literal!r:.20}"
                    )
                )
        elif not _is_number(literal):
            notes.append(AnswerNote(exercise, name, f"{name}: each value should be a number"))
    return notes


def _label(key: ast.expr | None) -> str:
    if isinstance(key, ast.Constant):
        return str(key.value)
    return "?"
