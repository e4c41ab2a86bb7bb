"""The self-check's reminder of answers worked by hand and quiz answers (issue 20, item 6):
what is still `...`, and answers of the wrong form, never whether they are right."""

from __future__ import annotations

import shutil

from grader.checks.answer_forms import answer_notes, answer_notes_text
from grader.commands.check import answers_left_text


def _folder(kit, tmp_path, edits: dict[str, tuple[str, str]]):
    folder = tmp_path / "work"
    folder.mkdir()
    for stem in ("ex1_hand_gradient", "ex4_manual_ece", "ex7_diagnosis"):
        shutil.copyfile(kit.solutions / f"{stem}.py", folder / f"{stem}.py")
    for stem, (old, new) in edits.items():
        path = folder / f"{stem}.py"
        text = path.read_text(encoding="utf-8")
        assert old in text, old
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_the_stubs_list_every_answer_still_left(kit):
    notes = answer_notes(kit.exercises)
    assert {(n.exercise, n.name) for n in notes if not n.wrong_form} >= {
        ("ex1_hand_gradient", "SIGMOID_AT"),
        ("ex1_hand_gradient", "W_AFTER_FIRST_STEP"),
        ("ex4_manual_ece", "HAND_BIN_COUNTS"),
        ("ex4_manual_ece", "HAND_ECE"),
        ("ex7_diagnosis", "Q1"),
        ("ex7_diagnosis", "Q8"),
    }
    assert len(notes) == 10 + 2 + 8 and not any(n.wrong_form for n in notes)


def test_the_solutions_leave_nothing(kit):
    assert answer_notes(kit.solutions) == ()
    assert answer_notes_text(()) == ""


def test_wrong_forms_are_named_without_saying_what_is_right(kit, tmp_path):
    ex7 = (kit.solutions / "ex7_diagnosis.py").read_text(encoding="utf-8")
    q3 = ex7.split('"Q3": ', 1)[1].split(",", 1)[0]
    folder = _folder(
        kit,
        tmp_path,
        {
            "ex4_manual_ece": ("HAND_BIN_COUNTS = [", "HAND_BIN_COUNTS = [9, "),
            "ex7_diagnosis": (f'"Q3": {q3}', '"Q3": "E"'),
            "ex1_hand_gradient": ("T4_LOSS_AT_P_HALF = ", 'T4_LOSS_AT_P_HALF = "0.69" or '),
        },
    )
    text = answer_notes_text(answer_notes(folder))
    assert "HAND_BIN_COUNTS should be a list of 4 numbers, it has 5" in text
    assert "Q3 should be one letter A-D, it is 'E'" in text
    # An expression's form is known only by running it: left to grading, not guessed.
    assert "T4_LOSS_AT_P_HALF" not in text
    assert "Still `...`" not in text and "right" in text  # "whether they are right ..."


def test_a_notebook_and_an_unreadable_folder(kit, tmp_path):
    from grader.authoring.notebooks import module_to_notebook

    folder = tmp_path / "nb"
    folder.mkdir()
    stub = (kit.exercises / "ex7_diagnosis.py").read_text(encoding="utf-8")
    notebook = module_to_notebook(stub.replace('"Q2": ...', '"Q2": "b"'))
    (folder / "ex7_diagnosis.ipynb").write_text(notebook, encoding="utf-8")
    text = answers_left_text(folder)
    assert "ex7_diagnosis: Q1, Q3, Q4, Q5, Q6, Q7, Q8" in text  # lower case is a letter
    assert answers_left_text(tmp_path / "nowhere") == ""
