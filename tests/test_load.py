"""Stage "load": a private copy of regular files, never a change to the submission."""

from __future__ import annotations

import hashlib
import os
import zipfile
from pathlib import Path

import pytest

from grader.paths import EXERCISE_FILES
from grader.pipeline.load import SubmissionError, load_submission, submission_name


def _tree_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        digest.update(str(path.relative_to(folder)).encode())
        if path.is_file() and not path.is_symlink():
            digest.update(path.read_bytes())
    return digest.hexdigest()


@pytest.fixture()
def support(tmp_path) -> Path:
    folder = tmp_path / "support"
    (folder / "data").mkdir(parents=True)
    (folder / "tickets.py").write_text("KIT = True\n")
    (folder / "data" / "eight_tickets.csv").write_text("kit\n")
    (folder / "logistic_scratch.py").write_text("STUB = True\n")  # an exercise: never laid
    return folder


def test_folder_is_copied_with_kit_support_files_and_left_unchanged(tmp_path, support):
    submission = tmp_path / "alice smith é"
    submission.mkdir()
    (submission / "logistic_scratch.py").write_text("MINE = 1\n")
    (submission / "tickets.py").write_text("HACKED = True\n")
    before = _tree_digest(submission)
    loaded = load_submission(submission, support, set(EXERCISE_FILES))
    try:
        assert loaded.name == "alice smith é"
        assert (loaded.workdir / "logistic_scratch.py").read_text() == "MINE = 1\n"
        assert (loaded.workdir / "tickets.py").read_text() == "KIT = True\n"
        assert (loaded.workdir / "data" / "eight_tickets.csv").exists()
        assert any("replaced by the kit's copy" in n for n in loaded.notices)
        assert loaded.workdir.resolve() != submission.resolve()
    finally:
        loaded.close()
    assert _tree_digest(submission) == before
    assert not loaded.workdir.exists()


def test_an_unchanged_copy_of_a_kit_file_gets_no_note(tmp_path, support):
    submission = tmp_path / "stubs"
    (submission / "data").mkdir(parents=True)
    (submission / "logistic_scratch.py").write_text("MINE = 1\n")
    (submission / "tickets.py").write_text("KIT = True\n")  # the kit's own bytes
    (submission / "data" / "eight_tickets.csv").write_text("changed\n")
    loaded = load_submission(submission, support, set(EXERCISE_FILES))
    try:
        assert loaded.notices == [
            f"Your {Path('data') / 'eight_tickets.csv'} was replaced by the kit's copy."
        ]
    finally:
        loaded.close()


def test_symlinks_are_refused_not_followed(tmp_path, support):
    secret = tmp_path / "secret.py"
    secret.write_text("ANSWER = 42\n")
    submission = tmp_path / "sub"
    submission.mkdir()
    (submission / "ex7_diagnosis.py").write_text("ANSWERS = {}\n")
    os.symlink(secret, submission / "logistic_scratch.py")
    os.symlink(tmp_path, submission / "up")
    loaded = load_submission(submission, support, set(EXERCISE_FILES))
    try:
        assert not (loaded.workdir / "logistic_scratch.py").exists()
        assert not (loaded.workdir / "up").exists()
        assert any("symbolic link" in n for n in loaded.notices)
    finally:
        loaded.close()


def test_zip_entries_that_leave_the_folder_are_refused(tmp_path, support):
    archive = tmp_path / "bob.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("logistic_scratch.py", "OK = 1\n")
        zf.writestr("../escape.py", "BAD = 1\n")
        zf.writestr("/abs/escape.py", "BAD = 1\n")
        zf.writestr("..\\win.py", "BAD = 1\n")
    loaded = load_submission(archive, support, set(EXERCISE_FILES))
    try:
        assert loaded.name == "bob"
        assert loaded.files == ["logistic_scratch.py"]
        assert sum("leaves the folder" in n for n in loaded.notices) == 3
        assert not (tmp_path / "escape.py").exists()
        assert not list(loaded.workdir.parent.parent.glob("escape.py"))
    finally:
        loaded.close()


def test_a_single_inner_folder_is_graded(tmp_path, support):
    archive = tmp_path / "carol.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("carol-work/ex1_hand_gradient.py", "X = 1\n")
        zf.writestr("carol-work/notes.txt", "hi\n")
    loaded = load_submission(archive, support, set(EXERCISE_FILES))
    try:
        assert (loaded.workdir / "ex1_hand_gradient.py").exists()
        assert "ex1_hand_gradient.py" in loaded.files
    finally:
        loaded.close()


def test_unreadable_inputs_raise_submission_error(tmp_path, support):
    fake = tmp_path / "fake.zip"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(SubmissionError, match=r"not a readable \.zip"):
        load_submission(fake, support, set(EXERCISE_FILES))
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(SubmissionError, match=r"neither a folder nor a \.zip"):
        load_submission(other, support, set(EXERCISE_FILES))


def test_a_zip_bomb_beyond_the_size_limit_is_left_out_alone(tmp_path, support):
    """A file over the limit is never extracted, and costs only its own checks: the rest
    of the submission is graded, and its checks say why instead of "missing"."""
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("logistic_scratch.py", b"#" * (60 * 1024 * 1024))
        zf.writestr("ex1_hand_gradient.py", "ANSWERS = {}\n")
    loaded = load_submission(archive, support, set(EXERCISE_FILES))
    try:
        assert not (loaded.workdir / "logistic_scratch.py").exists()
        assert (loaded.workdir / "ex1_hand_gradient.py").exists()
        why = loaded.unreadable_notebooks["logistic_scratch.py"]
        assert why.startswith("logistic_scratch.py (60 MB) is larger than the grader reads")
        assert why in loaded.notices
    finally:
        loaded.close()


def test_an_empty_folder_says_so(tmp_path, support):
    empty = tmp_path / "empty"
    empty.mkdir()
    loaded = load_submission(empty, support, set(EXERCISE_FILES))
    try:
        assert any("No exercise file" in n for n in loaded.notices)
    finally:
        loaded.close()


def test_submission_name_is_folder_name_or_zip_stem(tmp_path):
    (tmp_path / "dave.zip").write_bytes(b"")
    assert submission_name(tmp_path / "dave.zip") == "dave"
    assert submission_name(tmp_path / "eve") == "eve"
