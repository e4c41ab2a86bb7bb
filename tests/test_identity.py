"""One identity for a learner (grader/identity.py): names made safe never take another
entry's name, one matcher for every name in the instructor's files, exports that never
hand a renamed or ambiguous submission's score to a student silently; and nothing raw
reaches the terminal (grader/terminal_text.py)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import yaml

from grader.classwork.batch import _safe_name
from grader.classwork.classfolder import ClassFolderError, read_class
from grader.classwork.stored import GradingFailure, StoredSubmission, read_adjusted, write_adjusted
from grader.cli import main
from grader.identity import Identity, NameOrigin, assign_identities, match_name, name_key
from grader.terminal_text import EscapingStream, terminal_safe

FIXTURES = Path(__file__).parent / "fixtures"


def _identities(*names: str, existing: tuple[Identity, ...] = ()) -> dict[str, Identity]:
    made = assign_identities([(name, _safe_name(name)) for name in names], existing)
    return {identity.given: identity for identity in made}


# --- the names -----------------------------------------------------------------------------


@pytest.mark.parametrize("order", [(".alice", "alice"), ("alice", ".alice")])
def test_a_name_made_safe_never_takes_a_name_as_handed_in(order) -> None:
    made = _identities(*order)
    assert made["alice"] == Identity("alice", "alice", NameOrigin.AS_GIVEN)
    assert made[".alice"].folder == "alice-2" and made[".alice"].renamed


def test_names_equal_after_case_folding_or_nfkc_are_suffixed_and_marked() -> None:
    fullwidth = "\uff41lice"  # a fullwidth a: the same name after NFKC
    made = _identities("Alice", "alice", fullwidth)
    assert made["Alice"].origin is NameOrigin.AS_GIVEN
    assert (made["alice"].folder, made[fullwidth].folder) == ("alice-2", f"{fullwidth}-3")
    assert made["alice"].origin is made[fullwidth].origin is NameOrigin.SUFFIXED
    assert name_key("ALICE") == name_key(fullwidth) == "alice"


def test_two_entries_of_one_name_keep_it_once() -> None:
    made = assign_identities([("alice", "alice"), ("alice", "alice")])
    assert [i.folder for i in made] == ["alice", "alice-2"]
    assert made[1].origin is NameOrigin.SUFFIXED


def test_a_suffix_never_lands_on_another_entrys_name() -> None:
    made = _identities(".alice", "alice", "alice-2")
    assert made["alice-2"].folder == "alice-2" and not made["alice-2"].renamed
    assert made[".alice"].folder == "alice-3"


def test_folders_already_in_out_keep_their_learner() -> None:
    before = (Identity("alice", "alice"), Identity(".bob", "bob", NameOrigin.MADE_SAFE))
    made = _identities(".alice", ".bob", "Alice", existing=before)
    assert made[".alice"].folder == "alice-2"  # never the graded alice's folder
    assert made[".bob"] == before[1]  # handed in again: the same folder as before
    assert made["Alice"].folder != "alice" and made["Alice"].renamed


def test_the_matcher_says_when_a_name_does_not_mean_one_submission_for_certain() -> None:
    alice = Identity("alice", "alice")
    squatter = Identity(".alice", "alice-2", NameOrigin.SUFFIXED)
    upper = Identity("Bob", "Bob")
    lower = Identity("bob", "bob-2", NameOrigin.SUFFIXED)
    everyone = [alice, squatter, upper, lower]
    assert match_name("alice", everyone).clean
    assert match_name("carol", everyone).identity is None
    renamed = match_name("alice-2", everyone)
    assert renamed.identity == squatter and renamed.exact and not renamed.clean
    assert "handed in as '.alice'" in renamed.problem
    by_given = match_name("bob", everyone)
    assert by_given.identity == lower and not by_given.exact and not by_given.clean
    both = match_name("Bob", everyone)
    assert both.identity == upper and "more than one submission" in both.problem
    folded = match_name("ALICE", [alice])
    assert folded.identity == alice and not folded.exact and "another case" in folded.problem


# --- the terminal ---------------------------------------------------------------------------


def test_control_characters_are_escaped_and_accents_kept() -> None:
    shown = terminal_safe("a\x1b]52;c;aGk=\x07 b\x9b2J\r\u202ez\tñ\n")
    assert shown == "a\\x1b]52;c;aGk=\\x07 b\\x9b2J\\x0d\\u202ez\tñ\n"
    buffer = io.StringIO()
    EscapingStream(buffer).write("x\x1b[2Jy\n")
    assert buffer.getvalue() == "x\\x1b[2Jy\n"


# --- through `grade` of a class folder --------------------------------------------------------


def _build(spec: dict, kit, root: Path) -> Path:
    folder = root / "class"
    for name, files in spec["members"].items():
        (folder / name).mkdir(parents=True)
        for file_name, text in files.items():
            target = folder / name / file_name
            if text == "solution":
                shutil.copyfile(kit.solutions / file_name, target)
            else:
                target.write_text(text, encoding="utf-8")
    return folder


def _canvas(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle))[2:]
    return {row[0] or row[3]: row[5] for row in rows}


@pytest.mark.parametrize("scenario", ["name-squatting", "name-case-collision"])
def test_no_student_gets_a_score_from_a_renamed_or_ambiguous_submission(
    scenario, kit, tmp_path, capsys
) -> None:
    spec = yaml.safe_load((FIXTURES / scenario / "class.yaml").read_text(encoding="utf-8"))
    folder = _build(spec, kit, tmp_path)
    roster = tmp_path / "roster.csv"
    roster.write_text(
        "name,student\n" + "".join(f"{k},{v}\n" for k, v in spec["roster"].items()),
        encoding="utf-8",
    )
    out, canvas = tmp_path / "out", tmp_path / "canvas.csv"
    argv = ["grade", str(folder), "--out", str(out), "--seed", "3"]
    assert main([*argv, "--roster", str(roster), "--canvas", str(canvas)]) == 0
    err = capsys.readouterr().err
    stored = {
        s.identity.given: s for s in (read_adjusted(p.parent) for p in out.glob("*/adjusted.json"))
    }
    assert {given: s.identity.folder for given, s in stored.items()} == spec["folders"]
    scores = {s.identity.given: s.result.score for s in stored.values()}
    solved = max(scores, key=scores.get)
    assert scores[solved] > scores[min(scores, key=scores.get)]  # one of them did the work
    cells = _canvas(canvas)
    for who, expected in spec["canvas"].items():
        if expected == "empty":
            assert cells[who] == "", cells
            assert f"{who}: score left empty" in err
        else:
            assert float(cells[who]) == pytest.approx(scores["alice"])
    # Every class view names the folders, each once: no learner's row was taken over.
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as handle:
        names = [row["name"] for row in csv.DictReader(handle)]
    assert sorted(names) == sorted(spec["folders"].values())


def test_a_submission_named_with_esc_and_bel_reaches_the_terminal_escaped(
    kit, tmp_path, capsys
) -> None:
    name = "evil\x1b]52;c;aGk=\x07\x1b[2J"
    folder = tmp_path / "class" / name
    folder.mkdir(parents=True)
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", folder / "ex7_diagnosis.py")
    (tmp_path / "class" / "plain").mkdir()
    shutil.copyfile(
        kit.solutions / "ex7_diagnosis.py", tmp_path / "class" / "plain" / "ex7_diagnosis.py"
    )
    assert main(["grade", str(tmp_path / "class"), "--out", str(tmp_path / "out")]) == 0
    said = capsys.readouterr()
    for stream in (said.out, said.err):
        assert "\x1b" not in stream and "\x07" not in stream
    assert "evil\\x1b]52;c;aGk=\\x07\\x1b[2J is graded as" in said.err


# --- the stored model -------------------------------------------------------------------------


def test_the_class_views_read_the_typed_record_never_results_json(kit, tmp_path) -> None:
    out = tmp_path / "out"
    failed = StoredSubmission(
        Identity(".carol", "carol", NameOrigin.MADE_SAFE),
        failure=GradingFailure("Traceback ...", "9.9", "2024-01-01T00:00:00+00:00", 100.0),
    )
    (out / "carol").mkdir(parents=True)
    write_adjusted(failed, out / "carol")
    assert read_adjusted(out / "carol") == failed  # a failed grading is a typed record too
    # Gradescope's export beside it is never read back: garbage there changes nothing.
    (out / "carol" / "results.json").write_text(json.dumps({"score": 99}), encoding="utf-8")
    (view,) = read_class(out)
    assert view.score == 0.0 and view.max_score == 100.0 and view.tests == ()
    assert view.grader_errors == ("Traceback ...",) and view.who == failed.identity


def test_a_folder_holding_only_results_json_is_refused_with_one_line(kit, tmp_path, capsys) -> None:
    out = tmp_path / "out"
    (out / "old").mkdir(parents=True)
    (out / "old" / "results.json").write_text('{"score": 3, "tests": []}', encoding="utf-8")
    with pytest.raises(ClassFolderError, match="grade --force"):
        read_class(out)
    learner = tmp_path / "new"
    learner.mkdir()
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", learner / "ex7_diagnosis.py")
    assert main(["grade", str(learner), "--out", str(out)]) == 2  # before any grading
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "older grader (old)" in err[0] and not (out / "new").exists()
