"""Submissions as they really arrive (issue 11): layouts, classes, encodings, notebooks and
noisy code. Each input of the issue is a scenario in tests/fixtures/<scenario>/ (its
arrives.yaml says how it is built; a class.yaml makes it a class folder), graded with the
marks a user expects: a correct submission earns 100 whatever its packaging."""

from __future__ import annotations

import csv
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import build_submission, hostile_spec

from grader.authoring.notebooks import module_to_notebook
from grader.cli import main
from grader.paths import EXERCISE_FILES, EXERCISE_ORDER, KitPaths
from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission
from grader.pipeline.layout import (
    MAX_FILES,
    Entry,
    Listing,
    Placement,
    SubmissionError,
    decide,
    find_layout,
)
from grader.pipeline.load import load_submission
from grader.pipeline.members import find_submissions
from grader.pipeline.notebooks import convert_notebook, places
from grader.pipeline.run import learner_message
from grader.places import CodeCell, NotebookCells, Places
from grader.results import Status
from grader.sandbox import FailureKind, StudentCodeError
from grader.source_text import SourceDecodeError, decode_source

FIXTURES = Path(__file__).parent / "fixtures"
SEED = 7
WANTED = frozenset(EXERCISE_FILES)

#: scenario -> what the learner must read among the submission's notices (each fragment
#: of a tuple in some notice): where the files were found and what was skipped
ARRIVALS = {
    "zip-with-folder-in-folder": (
        "Graded the files inside 'hw1/hw1'.",
        "never graded: '.DS_Store' (1 file), '__MACOSX/' (1 file).",
    ),
    "cloned-repository-exercises-folder": (
        "Graded the files inside 'exercises'; not graded, outside it: 3 files (1 .md, "
        "1 .toml, 1 .yml): 'README.md', 'pyproject.toml', '.github/workflows/grade.yml'."
    ),
    "venv-handed-in-by-mistake": "Skipped venv/ (250 files)",
    "utf8-bom-from-windows-editor": None,
    "coding-line-latin-1": None,
    "cp1252-comment": None,  # Python reads it (the byte is in a comment): no note
    "notebooks-instead-of-py": "IPython line(s) of logistic_scratch.ipynb (code cell 1: %matplo",
    "prints-20-mb-at-import": "19.5 MB importing logistic_scratch.py",
    "zip-inside-the-submission": "Graded the files inside 'work.zip'",
    "crlf-script-code-at-import-relative-data": None,
}


@pytest.fixture(scope="module")
def context() -> GradingContext:
    return GradingContext.build(GradingOptions(kit_root=KitPaths.discover().root, base_seed=SEED))


# --- each input of the issue, end to end ---------------------------------------------------


@pytest.mark.parametrize("scenario", sorted(ARRIVALS))
def test_a_correct_submission_earns_100_however_it_arrives(scenario, context, kit, tmp_path):
    submission = build_submission(FIXTURES / scenario, kit, tmp_path)
    result = grade_submission(submission, context, name=scenario)
    failing = {i.outcome.check_id: i.outcome.message for i in result.checks if i.points == 0}
    assert result.score == pytest.approx(100), failing
    expected = ARRIVALS[scenario]
    if expected:
        for fragment in (expected,) if isinstance(expected, str) else expected:
            assert any(fragment in notice for notice in result.notices), result.notices
    else:
        assert result.notices == ()


def test_every_arrival_scenario_is_listed():
    described = {p.parent.name for p in FIXTURES.glob("*/arrives.yaml")}
    assert described <= set(ARRIVALS)


def _hand_in_as(folder: Path, how: dict) -> None:
    """A member's files as a learner's tools left them (class.yaml member keys):
    `notebooks` turns the named .py files into notebooks, with `outputs_mb` of plot output
    in each (generated here: too big for the repository) and `kernel` as their kernel's
    language; `copies` adds copies under other names; `rename` renames files last."""
    for name in how.get("notebooks") or []:
        path = folder / name
        document = json.loads(module_to_notebook(path.read_text(encoding="utf-8")))
        if how.get("kernel"):
            document["metadata"]["kernelspec"] = {
                "name": how["kernel"]["name"],
                "display_name": how["kernel"]["language"],
                "language": how["kernel"]["language"],
            }
        if how.get("outputs_mb"):
            code = next(cell for cell in document["cells"] if cell["cell_type"] == "code")
            picture = "A" * (how["outputs_mb"] * 2**20)  # a base64 PNG, as Jupyter keeps it
            code["outputs"] = [
                {"output_type": "display_data", "data": {"image/png": picture}, "metadata": {}}
            ]
        path.with_suffix(".ipynb").write_text(json.dumps(document), encoding="utf-8")
        path.unlink()
    for name, other in (how.get("copies") or {}).items():
        shutil.copyfile(folder / name, folder / other)
    for name, other in (how.get("rename") or {}).items():
        (folder / name).rename(folder / other)


def _build_class(scenario: Path, kit: KitPaths, tmp_path: Path) -> tuple[Path, dict]:
    spec = yaml.safe_load((scenario / "class.yaml").read_text(encoding="utf-8"))
    folder = tmp_path / "class"
    folder.mkdir()
    for name, how in spec["members"].items():
        work = tmp_path / "work" / Path(name).stem
        target = work / how["under"] if how.get("under") else work
        target.mkdir(parents=True)
        for file_name in EXERCISE_ORDER:
            shutil.copyfile(kit.solutions / file_name, target / file_name)
        _hand_in_as(target, how)
        if how.get("readme"):
            (work / "README.md").write_text("# my repository\n", encoding="utf-8")
        if name.endswith(".zip"):
            with zipfile.ZipFile(folder / name, "w") as archive:
                for path in sorted(work.rglob("*")):
                    archive.write(path, path.relative_to(work).as_posix())
        elif how.get("symlink"):
            (folder / name).symlink_to(work, target_is_directory=True)
        else:
            shutil.move(str(work), folder / name)
    for name, text in (spec.get("files") or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder, spec


#: The class scenarios this test grades: those saying the scores (or the exit) to expect;
#: the identity scenarios (name squatting) say folders and Canvas cells instead, and
#: tests/test_identity.py grades them.
CLASSES = sorted(
    path.parent.name
    for path in FIXTURES.glob("*/class.yaml")
    if {"expected", "exit"} & set(yaml.safe_load(path.read_text(encoding="utf-8")))
)


def _kit_with_late_policy(kit: KitPaths, policy: dict, tmp_path: Path) -> Path:
    """A copy of the kit whose rubric.yaml has `policy` as its late_policy."""
    root = tmp_path / "kit"
    # A venv inside the clone (.venv) is never copied: it is huge.
    skipped = shutil.ignore_patterns(".git", "*.egg-info", ".venv", "venv", "__pycache__")
    shutil.copytree(kit.root, root, ignore=skipped)
    rubric = yaml.safe_load((root / "rubric.yaml").read_text(encoding="utf-8"))
    rubric["late_policy"] = policy
    (root / "rubric.yaml").write_text(yaml.safe_dump(rubric), encoding="utf-8")
    return root


@pytest.mark.parametrize("scenario", CLASSES)
def test_every_learner_of_a_class_is_graded(scenario, kit, tmp_path, capsys, monkeypatch):
    """class.yaml: members, loose files, `args` for grade, a `late_policy` for rubric.yaml
    and `timestamps`; the gradebook's `expected` scores and `late_days`, the lines `said`
    on stderr, or the `exit` status and the one-line `error`."""
    folder, spec = _build_class(FIXTURES / scenario, kit, tmp_path)
    out = folder / spec["out"] if spec.get("out") else tmp_path / "out"
    out.mkdir()  # already there, inside the class: still never a learner
    old_results = [] if spec.get("alone") else ["old-results"]  # `alone`: nothing beside
    for name in old_results:
        (folder / name).mkdir()
        (folder / name / "gradebook.csv").write_text("name,score\n", encoding="utf-8")
    args = ["grade", str(folder), "--out", str(out), "--seed", "3", "--jobs", "1"]
    args += spec.get("args", [])
    if spec.get("late_policy"):
        root = _kit_with_late_policy(kit, spec["late_policy"], tmp_path)
        monkeypatch.setenv("GRADER_KIT_ROOT", str(root))
    if spec.get("timestamps"):
        times = tmp_path / "times.csv"
        rows = "".join(f"{name},{stamp}\n" for name, stamp in spec["timestamps"].items())
        times.write_text("name,submitted_at\n" + rows, encoding="utf-8")
        args += ["--timestamps", str(times)]
    code = main(args)
    said = capsys.readouterr().err
    if spec.get("exit"):
        assert code == spec["exit"]
        assert said.strip().splitlines() == [f"error: {spec['error']}"] or (
            said.count("\n") == 1 and spec["error"] in said
        ), said
        return
    assert code == 0, said
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as handle:
        table = list(csv.DictReader(handle))
    rows = {row["name"]: float(row["score"]) for row in table}
    assert rows == pytest.approx(spec["expected"]), sorted(rows.items())
    for name, days in (spec.get("late_days") or {}).items():
        assert {row["name"]: row["late_days"] for row in table}[name] == str(days)
    for name in [*spec.get("skipped", []), *old_results]:
        assert f"skipped {folder / name}:" in said
    if spec.get("out"):
        assert f"skipped {out}: the output folder" in said
    for text in spec.get("said", []):
        assert text in said, said
    for name, texts in (spec.get("notes") or {}).items():
        feedback = (out / name / "results.json").read_text(encoding="utf-8")
        for text in texts:
            assert json.dumps(text)[1:-1] in feedback, (name, text)


# --- the layout rule alone -----------------------------------------------------------------


def _listing(*paths: str) -> Listing:
    return Listing(tuple(Entry(path, path, 10) for path in paths))


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        (["logistic_scratch.py", "hw1/ex1_hand_gradient.py"], (Placement.TOP, "", "")),
        (["a/b/c/ex7_diagnosis.py", "a/notes.txt"], (Placement.FOLDER, "a/b/c", "")),
        (["README.md", "exercises/ex5_label_flip.py"], (Placement.EXERCISES, "exercises", "")),
        (["repo/README.md", "repo/exercises/ex5_label_flip.ipynb"],
         (Placement.EXERCISES, "repo/exercises", "")),
        (["hw/work.zip", "hw/notes.txt"], (Placement.NOWHERE, "", "hw/work.zip")),
        # a folder beside zips is a class, never one learner's folder
        (["learner1/logistic_scratch.py", "learner2.zip"], (Placement.NOWHERE, "", "")),
        (["alice/logistic_scratch.py", "bob/logistic_scratch.py"], (Placement.NOWHERE, "", "")),
        (["my_code.py"], (Placement.NOWHERE, "", "")),
    ],
)  # fmt: skip
def test_the_rule_on_names(paths, expected):
    assert decide(_listing(*paths), WANTED) == expected


def test_an_empty_folder_counts_at_its_level(tmp_path):
    listing = Listing((Entry("alice/ex7_diagnosis.py", "alice/ex7_diagnosis.py", 1),), (), ())
    assert decide(listing, WANTED)[0] is Placement.FOLDER
    with_bob = Listing(listing.files, folders=("alice", "bob"))
    assert decide(with_bob, WANTED) == (Placement.NOWHERE, "", "")
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("alice/ex7_diagnosis.py", "ANSWERS = {}\n")
        handle.writestr("bob/", "")
        handle.writestr("venv/", "")
        handle.writestr("venv/pyvenv.cfg", "")
    assert find_layout(archive, WANTED).placement is Placement.NOWHERE
    (tmp_path / "bob").mkdir()
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "ex7_diagnosis.py").write_text("ANSWERS = {}\n")
    (tmp_path / "a.zip").unlink()
    assert [path.name for path in find_submissions([tmp_path]).paths] == ["alice", "bob"]


def test_litter_is_skipped_before_the_limits_and_said(tmp_path):
    folder = tmp_path / "sub"
    (folder / "myenv" / "lib").mkdir(parents=True)
    (folder / "myenv" / "pyvenv.cfg").write_text("home = /usr\n")
    for n in range(MAX_FILES + 20):
        (folder / "myenv" / "lib" / f"m{n}.py").write_text("")
    for name in ("__pycache__", ".git", "node_modules", ".ipynb_checkpoints"):
        (folder / name).mkdir()
        (folder / name / "x").write_text("")
    (folder / ".DS_Store").write_text("")
    (folder / "logistic_scratch.py").write_text("X = 1\n")
    layout = find_layout(folder, WANTED)
    assert [entry.path for entry in layout.files] == ["logistic_scratch.py"]
    assert dict(layout.skipped)["myenv"] == MAX_FILES + 21
    notices = " ".join(layout.notices())
    assert "Skipped myenv/ (221 files)" in notices and "node_modules/ (1 files)" in notices
    # OS litter in one short line of its own; the caches every run makes are not said
    assert "never graded: '.DS_Store' (1 file)." in notices
    assert "__pycache__" not in notices and ".git" not in notices


def test_files_one_folder_up_are_named_as_not_graded(tmp_path):
    """deep/hw1/{README.md, src/*.py}: the note names README.md, not only where it graded."""
    src = tmp_path / "deep" / "hw1" / "src"
    src.mkdir(parents=True)
    (src / "logistic_scratch.py").write_text("X = 1\n")
    (src / "helpers.py").write_text("")
    (tmp_path / "deep" / "hw1" / "README.md").write_text("# hw1\n")
    layout = find_layout(tmp_path / "deep", WANTED)
    assert layout.notices() == (
        "Graded the files inside 'hw1/src'; not graded, outside it: 1 .md file: 'hw1/README.md'.",
    )
    assert sorted(e.path for e in layout.files) == ["helpers.py", "logistic_scratch.py"]


def test_what_was_left_out_is_counted_by_kind_and_names_are_capped(tmp_path):
    hw1 = tmp_path / "sub" / "hw1"
    (hw1 / "src").mkdir(parents=True)
    (hw1 / "src" / "ex7_diagnosis.py").write_text("ANSWERS = {}\n")
    for n in range(40):
        (hw1 / f"plot{n:02d}.png").write_bytes(b"png")
    (hw1 / "LICENSE").write_text("")
    (hw1 / "notes.md").write_text("")
    notices = find_layout(tmp_path / "sub", WANTED).notices()
    assert notices == (
        "Graded the files inside 'hw1/src'; not graded, outside it: 42 files (40 .png, 1 .md, "
        "1 without a suffix): 'hw1/LICENSE', 'hw1/notes.md', 'hw1/plot00.png' and 39 more.",
    )


def test_a_finder_zip_says_the_os_litter_it_left_out(tmp_path):
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as handle:
        handle.writestr("logistic_scratch.py", "X = 1\n")
        handle.writestr(".DS_Store", "finder")
        handle.writestr("data/.DS_Store", "finder")
        handle.writestr("__MACOSX/._logistic_scratch.py", "fork")
        handle.writestr("__MACOSX/data/._x", "fork")
        handle.writestr("__MACOSX/._data", "fork")
        handle.writestr("._notes.txt", "fork")  # a resource fork outside __MACOSX
    layout = find_layout(archive, WANTED)
    assert [entry.path for entry in layout.files] == ["logistic_scratch.py"]
    assert layout.notices() == (
        "Left out what the operating system adds, never graded: '__MACOSX/' (3 files), "
        "'.DS_Store' (2 files), macOS resource forks '._*' (1 file).",
    )


def test_files_beside_an_inner_zip_are_named_as_not_graded(tmp_path):
    folder = tmp_path / "bob"
    folder.mkdir()
    with zipfile.ZipFile(folder / "work.zip", "w") as handle:
        handle.writestr("logistic_scratch.py", "X = 1\n")
        handle.writestr("old/draft.py", "")
    (folder / "readme.txt").write_text("see the zip")
    layout = find_layout(folder, WANTED)
    assert layout.notices() == (
        "Graded the files inside 'work.zip'; not graded, outside it: 1 .txt file: 'readme.txt'.",
    )
    assert sorted(e.path for e in layout.files) == ["logistic_scratch.py", "old/draft.py"]


def test_a_submission_graded_at_its_top_says_nothing_was_outside(tmp_path):
    (tmp_path / "sub" / "data").mkdir(parents=True)
    (tmp_path / "sub" / "logistic_scratch.py").write_text("X = 1\n")
    (tmp_path / "sub" / "README.md").write_text("")
    (tmp_path / "sub" / "data" / "x.csv").write_text("")
    assert find_layout(tmp_path / "sub", WANTED).notices() == ()


def test_a_limit_still_exceeded_keeps_the_exercise_files(tmp_path, kit):
    folder = tmp_path / "sub"
    (folder / "data").mkdir(parents=True)
    for n in range(MAX_FILES + 1):
        (folder / "data" / f"plot{n}.png").write_bytes(b"png")
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", folder / "ex7_diagnosis.py")
    loaded = load_submission(folder, kit.exercises, set(EXERCISE_FILES))
    try:
        assert loaded.files == ["ex7_diagnosis.py"]
        assert any(f"has more than {MAX_FILES} files" in n for n in loaded.notices)
        assert (loaded.workdir / "ex7_diagnosis.py").read_bytes() == (
            kit.solutions / "ex7_diagnosis.py"
        ).read_bytes()
    finally:
        loaded.close()


def test_when_nothing_is_found_the_notice_says_what_and_where(tmp_path):
    folder = tmp_path / "sub"
    (folder / "week1").mkdir(parents=True)
    (folder / "week2").mkdir()
    (folder / "week1" / "logistic.py").write_text("")
    (folder / "week2" / "notes.txt").write_text("")
    (notice,) = find_layout(folder, WANTED).notices()
    assert notice.startswith("No exercise file was found")
    assert "in exercises/ or in one inner .zip" in notice and "It holds week1/logistic.py" in notice


def test_a_symlink_given_or_in_a_class_is_followed_but_never_inside(tmp_path, kit):
    real = tmp_path / "store" / "12345"
    real.mkdir(parents=True)
    shutil.copyfile(kit.solutions / "ex7_diagnosis.py", real / "ex7_diagnosis.py")
    (real / "linked.py").symlink_to(kit.solutions / "logistic_scratch.py")
    link = tmp_path / "alice"
    link.symlink_to(real, target_is_directory=True)
    loaded = load_submission(link, None, set(EXERCISE_FILES))
    try:
        assert loaded.name == "alice" and loaded.files == ["ex7_diagnosis.py"]
        assert any("linked.py: a symbolic link" in notice for notice in loaded.notices)
    finally:
        loaded.close()
    course = tmp_path / "course"
    course.mkdir()
    (course / "alice").symlink_to(real, target_is_directory=True)
    (course / "bob.zip").write_bytes(b"")
    (course / "gone").symlink_to(tmp_path / "nowhere")
    found = find_submissions([course])
    assert [path.name for path in found.paths] == ["alice", "bob.zip"]
    assert found.skipped_lines() == [f"skipped {course / 'gone'}: a symbolic link to nothing"]


def test_single_never_expands_a_class(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b.zip").write_bytes(b"")
    assert find_submissions([tmp_path], single=True).paths == (tmp_path,)
    assert len(find_submissions([tmp_path]).paths) == 2


def test_an_unreadable_zip_still_says_so(tmp_path):
    fake = tmp_path / "x.zip"
    fake.write_bytes(b"PK not really")
    with pytest.raises(SubmissionError, match="not a readable"):
        find_layout(fake, WANTED)


# --- text decoded as Python decodes source -------------------------------------------------


def test_bom_crlf_and_coding_lines_decode_as_python_does():
    assert decode_source(b"\xef\xbb\xbfX = 1\r\nY = 2\r\n", "a.py") == "X = 1\nY = 2\n"
    latin = "# -*- coding: latin-1 -*-\nS = 'é'\n".encode("latin-1")
    assert decode_source(latin, "a.py").endswith("S = 'é'\n")


def test_an_undecodable_file_is_named_with_its_line_and_byte():
    with pytest.raises(SourceDecodeError) as raised:
        decode_source("A = 1\nB = 'dé'\n".encode("cp1252"), "ex4_manual_ece.py")
    message = raised.value.learner_message
    assert message.startswith("ex4_manual_ece.py cannot be read as UTF-8 text: line 2")
    assert "0xE9" in message and "missing" not in message
    with pytest.raises(SourceDecodeError, match="unknown encoding"):
        decode_source(b"# coding: klingon\nX = 1\n", "a.py")


def test_the_from_scratch_check_reads_a_bom_file(context, kit, tmp_path):
    folder = tmp_path / "bom"
    folder.mkdir()
    data = (kit.solutions / "logistic_scratch.py").read_bytes()
    (folder / "logistic_scratch.py").write_bytes(b"\xef\xbb\xbf" + data)
    result = grade_submission(folder, context)
    by_id = {item.outcome.check_id: item.outcome for item in result.checks}
    assert by_id["check_scratch_imports_numpy_only"].status is Status.PASSED


# --- notebooks -----------------------------------------------------------------------------


def _notebook(*cells: tuple[str, str]) -> bytes:
    return json.dumps(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": kind, "metadata": {}, "source": text, "id": f"c{n}"}
                | ({"outputs": [], "execution_count": None} if kind == "code" else {})
                for n, (kind, text) in enumerate(cells)
            ],
        }
    ).encode()


def test_magics_and_shell_escapes_are_dropped_line_for_line():
    data = _notebook(
        ("markdown", "# Notes"),
        ("code", "%matplotlib inline\nimport numpy as np\n!pip install numpy"),
        ("code", "def f(x):\n    %timeit x\n    return x\nfiles = !ls\nnp.mean?"),
        ("code", "%%bash\necho hi"),
        ("code", '%%time\nT = """\n%not a magic\n"""'),
    )
    converted = convert_notebook(data, "m.ipynb")
    compile(converted.source, "m.py", "exec")  # plain Python now
    # Cells are counted among the code cells (Jupyter numbers none; markdown is not code).
    assert [cell.position for cell, _ in converted.dropped] == [1, 1, 2, 2, 2, 3, 4]
    assert "%not a magic" in converted.source  # inside a string: kept
    # code cell 2 starts after cell 1's 3 lines and a blank
    cell, line = converted.cell_map.locate(5)
    assert (cell.position, line, cell.start) == (2, 1, "def f(x):")
    notice = converted.notices()[0]
    assert "Left out 7 IPython line(s) of m.ipynb" in notice
    assert "(code cell 1: %matplotlib inline; code cell 1: !pip install numpy;" in notice


def test_messages_point_to_the_notebook_cell(context, kit, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    data = _notebook(("code", "import numpy as np"), ("code", "def sigmoid(z):\n    return 1 /"))
    (folder / "logistic_scratch.ipynb").write_bytes(data)
    result = grade_submission(folder, context)
    messages = [item.outcome.message for item in result.checks]
    said = 'logistic_scratch.ipynb has a syntax error in code cell 2 ("def sigmoid(z):"), line 2'
    assert any(said in m for m in messages), messages[:2]


def test_a_notebook_that_calls_display_grades_like_its_py(context, kit, tmp_path):
    """display() is IPython's; a correct notebook that calls it still earns its points, and
    a notebook that breaks at import is located by cell, in the note about the file too."""
    solved = (kit.solutions / "logistic_scratch.py").read_text(encoding="utf-8")
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "logistic_scratch.ipynb").write_bytes(
        _notebook(("code", solved), ("code", "display(sigmoid(0.0))"))
    )
    result = grade_submission(folder, context)
    core = [i.outcome for i in result.checks if i.outcome.exercise == "logistic_scratch"]
    assert core and all(outcome.status is Status.PASSED for outcome in core)
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "logistic_scratch.ipynb").write_bytes(
        _notebook(("code", "import numpy as np"), ("code", "undefined_name + 1"))
    )
    result = grade_submission(broken, context)
    texts = [i.outcome.message + (i.outcome.cause.detail if i.outcome.cause else "")
             for i in result.checks if i.outcome.exercise == "logistic_scratch"]  # fmt: skip
    assert any('code cell 2 ("undefined_name + 1"), line 1' in text for text in texts), texts[:2]
    assert not any("logistic_scratch.py, line" in text for text in texts)


def test_places_say_a_notebook_cell_as_jupyter_shows_it_and_leave_other_files_alone():
    """A cell with a unique In [n] is said by it; without one, by its place among the code
    cells and its first line; a .py the learner handed in keeps Python's own words."""
    cells = (
        CodeCell(1, 1, 1, run_count=4, start="import numpy as np"),
        CodeCell(2, 3, 2, start="def f():"),
    )
    said = Places((NotebookCells("m.ipynb", "m.py", cells),))
    assert said.at("m.py", 1) == "m.ipynb, cell In [4], line 1"
    assert said.at("m.py", 4) == 'm.ipynb, code cell 2 ("def f():"), line 2'
    assert said.at("other.py", 4) == "other.py, line 4"
    assert said.file("m.py") == "m.ipynb" and said.file("other.py") == "other.py"
    assert said.frame("m.py", 4, "f") == '  m.ipynb, code cell 2 ("def f():"), line 2, in f'
    assert said.frame("other.py", 4, "g") == '  File "other.py", line 4, in g'
    where = said.where("m.py", 4, "f")
    assert (where.module, where.line, where.cell, where.cell_line) == ("m", 4, 2, 2)


def test_in_n_is_used_only_where_the_notebook_shows_it_once(tmp_path):
    data = json.loads(_notebook(("code", "a = 1"), ("code", "b = 2"), ("code", "c = 3")))
    for cell, count in zip(data["cells"], (7, 7, 9), strict=True):
        cell["execution_count"] = count  # run out of order: In [7] twice
    converted = convert_notebook(json.dumps(data).encode(), "m.ipynb")
    said = places([converted])
    assert said.at("m.py", 1) == 'm.ipynb, code cell 1 ("a = 1"), line 1'
    assert said.at("m.py", 5) == "m.ipynb, cell In [9], line 1"


def test_an_unreadable_notebook_is_said_not_missing(context, tmp_path):
    folder = tmp_path / "nb"
    folder.mkdir()
    (folder / "ex7_diagnosis.ipynb").write_text("{not json", encoding="utf-8")
    result = grade_submission(folder, context)
    assert any(
        "ex7_diagnosis.ipynb is not a readable Jupyter notebook" in n for n in result.notices
    )
    # and its checks say so too, never that a .py the learner does not have is missing
    mine = [i.outcome for i in result.checks if i.outcome.exercise == "ex7_diagnosis"]
    assert mine and all("ex7_diagnosis.py is missing" not in o.message for o in mine)
    assert all(
        "ex7_diagnosis.ipynb is not a readable" in (o.cause.detail if o.cause else o.message)
        for o in mine
    )


def test_a_py_beside_its_notebook_wins_and_says_so(tmp_path):
    (tmp_path / "ex7_diagnosis.py").write_text("ANSWERS = {}\n")
    (tmp_path / "ex7_diagnosis.ipynb").write_bytes(_notebook(("code", "ANSWERS = None")))
    layout = find_layout(tmp_path, WANTED)
    assert layout.notebooks == ()
    assert "ex7_diagnosis.ipynb was not graded: ex7_diagnosis.py beside it was." in layout.notices()


def test_release_notebooks_writes_stubs_check_can_grade(kit, tmp_path):
    out = tmp_path / "bundle"
    assert main(["release", str(out), "--notebooks"]) == 0
    exercises = out / "exercises"
    assert sorted(p.name for p in exercises.glob("*.ipynb")) == sorted(
        Path(name).with_suffix(".ipynb").name for name in EXERCISE_ORDER
    )
    assert not any((exercises / name).exists() for name in EXERCISE_ORDER)
    notebook = json.loads((exercises / "ex2_learning_rate.ipynb").read_text(encoding="utf-8"))
    markdown = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "markdown"]
    assert any("**To do** in `classify_run()`" in text for text in markdown)
    code = "".join("".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code")
    assert "# TODO" not in code

    # From inside the bundle, its own grader (no solutions, no hidden checks) runs.
    def check() -> str:
        done = subprocess.run(
            [sys.executable, "-m", "grader", "check", str(exercises)],
            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=300,
            check=False, cwd=out,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    stubs = check()
    assert "not written yet" in stubs and "No exercise file" not in stubs
    # The learner has notebooks only: the TODO to start with is named by its cell as
    # Jupyter shows it (a fresh notebook has no In [n]: its place among the code cells and
    # its first line), and every heading names the notebook.
    assert re.search(
        r"Fix first: write add_intercept\(\) in logistic_scratch\.ipynb \(see its TODO, "
        r'code cell \d+ \("def add_intercept\(X_raw\):"\), line \d+\)',
        stubs,
    ), stubs
    assert "logistic_scratch.ipynb: not started" in stubs and ".py:" not in stubs
    # A learner who fills in the notebook sees its checks pass.
    solved = module_to_notebook((kit.solutions / "logistic_scratch.py").read_text("utf-8"))
    (exercises / "logistic_scratch.ipynb").write_text(solved, encoding="utf-8")
    assert re.search(r"logistic_scratch\.ipynb: all \d+ checks pass", check())


def test_arrives_specs_never_claim_hostile_invariants():
    for path in FIXTURES.glob("*/arrives.yaml"):
        assert not {"fails", "targets", "marker"} & set(hostile_spec(path.parent, path.name))


def test_a_failing_call_says_how_much_it_printed():
    output = "0 x\n[... your code printed 19.1 MB; the first and last 8 KB are shown ...]\nend\n"
    error = StudentCodeError(
        FailureKind.EXCEPTION, "f() raised ValueError: bad", output, printed_size="19.1 MB"
    )
    message = learner_message(error)
    assert message.startswith("f() raised ValueError: bad\nYour code printed 19.1 MB (the end")
    assert message.endswith("end")


def test_a_class_with_a_folder_and_other_archives_keeps_every_learner(kit, tmp_path) -> None:
    """bob/ beside alice.tar.gz and carol.tar is a class of three (not bob's submission
    named after the class); the archives the grader does not open get a row and a notice."""
    import tarfile

    learners = tmp_path / "class4"
    (learners / "bob").mkdir(parents=True)
    for path in kit.solutions.glob("*.py"):
        if path.name != "tickets.py":
            (learners / "bob" / path.name).write_bytes(path.read_bytes())
    for name, mode in (("alice.tar.gz", "w:gz"), ("carol.tar", "w")):
        with tarfile.open(learners / name, mode) as archive:
            archive.add(learners / "bob", arcname="work")
    out = tmp_path / "out"
    assert main(["grade", str(learners), "--out", str(out), "--no-similarity"]) == 0
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as handle:
        rows = {row["name"]: float(row["score"]) for row in csv.DictReader(handle)}
    assert rows == {"alice": 0.0, "bob": pytest.approx(100), "carol": 0.0}
    notice = json.loads((out / "alice" / "results.json").read_text(encoding="utf-8"))["output"]
    assert "an archive the grader does not open: hand in a folder or a .zip" in notice
