"""Issue 23: the class view an instructor opens first.

A class of a dozen varied learners (correct, mistaken in different answers, empty, a
syntax error, one weak, distinct quiz answers and explanations) graded once, with the
manual item worth 4 points: class.html opens with the learners' table linked to every
report, the weak learner needs attention, manual.html shows every explanation and its
overrides skeleton regrades as is, the quiz distribution is shown; the page's size and
height, and axe-core in headless Chromium (skipped only where Chromium is missing).
"""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grader.classwork.class_html import render_class_html
from grader.classwork.class_summary import summarize_class
from grader.classwork.manual_html import overrides_skeleton
from grader.classwork.similarity import find_similar
from grader.cli import main

MANUAL = "check_why_lr_2_misbehaves"
ANSWER_FILES = (
    "logistic_scratch.py",
    "ex1_hand_gradient.py",
    "ex2_learning_rate.py",
    "ex4_manual_ece.py",
)
QUIZ = "ex7_diagnosis.py"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def _copy(kit, folder: Path, name: str, edits: tuple[tuple[str, str], ...] = ()) -> None:
    text = (kit.solutions / name).read_text(encoding="utf-8")
    for old, new in edits:
        assert old in text, (name, old)
        text = text.replace(old, new)
    (folder / name).write_text(text, encoding="utf-8")


def _letter(question: str, letter: str) -> tuple[str, str]:
    key = {"Q1": "B", "Q2": "C", "Q3": "B", "Q5": "B"}[question]
    return (f'"{question}": "{key}",', f'"{question}": "{letter}",')


def _why(text: str) -> tuple[str, str]:
    start = '"2.0 is about nine times the bound 2/L = 0.228, so early steps overshoot the "'
    return (start, repr(text) + "\n    " + start)


# name -> (file -> edits); every learner writes the answer files, most the quiz too
LEARNERS: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "ada": {},
    "ben": {QUIZ: (_letter("Q1", "A"),), "ex2_learning_rate.py": (_why("Ben says: too big. "),)},
    "cleo": {QUIZ: (_letter("Q1", "A"), _letter("Q2", "D"))},
    "dev": {"ex4_manual_ece.py": (("HAND_ECE = 0.018901", "HAND_ECE = 0.1375"),)},
    "eli": {"ex4_manual_ece.py": (("HAND_ECE = 0.018901", "HAND_ECE = 0.1375"),)},
    "fay": {
        "ex1_hand_gradient.py": (
            ("T4_GRADIENT_AT_ZERO = [-0.5, -1.75, -3.0]", "T4_GRADIENT_AT_ZERO = [0.5, 1.75, 3.0]"),
        )
    },
    "gus": {QUIZ: (_letter("Q5", "D"),), "ex2_learning_rate.py": (_why("Gus: it overshoots. "),)},
    "hal": {QUIZ: (_letter("Q3", "C"),)},
    "ivy": {
        "ex2_learning_rate.py": (('LR_2_BEHAVIOUR = "oscillates"', 'LR_2_BEHAVIOUR = "diverges"'),)
    },
    "jon": {QUIZ: (_letter("Q1", "A"), _letter("Q5", "A"))},
}
WEAK = "kim"  # the quiz alone, half of it wrong
EMPTY = "lou"  # a folder with no exercise file
BROKEN = "max"  # the quiz with a syntax error


@pytest.fixture(scope="module")
def graded(kit, tmp_path_factory):
    """The class graded into OUT by `grade --jobs 2 --no-similarity`, under a kit whose
    rubric gives the manual item 4 of the diagnosis criterion's points."""
    root = tmp_path_factory.mktemp("class23")
    kit_root = root / "kit"
    kit_root.mkdir()
    for part in ("solutions", "exercises"):
        (kit_root / part).symlink_to(kit.solutions.parent / part)
    raw = yaml.safe_load(kit.rubric.read_text(encoding="utf-8"))
    diagnosis = next(c for c in raw["criteria"] if c["id"] == "diagnosis")
    diagnosis["checks"][MANUAL] = 4
    raw["attention"] = {"low_score_fraction": 0.2}
    (kit_root / "rubric.yaml").write_text(yaml.safe_dump(raw), encoding="utf-8")
    learners = root / "learners"
    for name, edits in LEARNERS.items():
        folder = learners / name
        folder.mkdir(parents=True)
        for file_name in (*ANSWER_FILES, QUIZ):
            _copy(kit, folder, file_name, edits.get(file_name, ()))
    (learners / WEAK).mkdir()
    _copy(kit, learners / WEAK, QUIZ, tuple(_letter(q, "A") for q in ("Q1", "Q2", "Q3")))
    (learners / EMPTY).mkdir()
    (learners / EMPTY / "notes.txt").write_text("forgot\n", encoding="utf-8")
    (learners / BROKEN).mkdir()
    _copy(kit, learners / BROKEN, QUIZ, (("ANSWERS = {", "ANSWERS = {{"),))
    out = root / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_KIT_ROOT", str(kit_root))
        argv = ["grade", *sorted(str(p) for p in learners.iterdir()), "--out", str(out)]
        assert main([*argv, "--jobs", "2", "--no-similarity", "--seed", "3"]) == 0
    return kit_root, out


def _names() -> list[str]:
    return sorted([*LEARNERS, WEAK, EMPTY, BROKEN])


def test_class_html_opens_with_the_learners_table_linked_to_every_report(graded) -> None:
    _, out = graded
    page = (out / "class.html").read_text(encoding="utf-8")
    body = page[page.index("<main>") :]
    # the learners' table comes before any other table or section
    assert body.index('id="learners"') < body.index("<table") < body.index('id="attention"')
    table = body[body.index('id="learners-table"') : body.index("</table>")]
    for name in _names():
        assert f'<a href="{name}/report.html">{name}</a>' in table
        assert (out / name / "report.html").is_file()
    assert table.count("<tr>") == len(_names()) + 1  # the header and one row each
    assert "<button" in table and "<script>" in page  # sortable, readable without
    row = lambda name: re.search(rf'<tr><td><a href="{name}/.*?</tr>', table).group(0)  # noqa: E731
    assert "empty" in row(EMPTY) and "does not run" in row(BROKEN)
    assert "manual item pending" in row("ada") and "low score" in row(WEAK)


def test_the_weak_learner_needs_attention_and_the_terminal_names_them(graded, capsys) -> None:
    _, out = graded
    page = html.unescape((out / "class.html").read_text(encoding="utf-8"))
    attention = page[page.index('id="attention"') : page.index('id="answers"')]
    assert f'<a href="{WEAK}/report.html">{WEAK}</a>: low score' in attention
    assert "read the failed checks in the report" in attention
    assert f'<a href="{EMPTY}/report.html">{EMPTY}</a>: empty' in attention
    assert "syntax error" in attention


def test_manual_html_shows_every_explanation_and_its_skeleton_regrades_as_is(
    graded, capsys
) -> None:
    kit_root, out = graded
    page = html.unescape((out / "manual.html").read_text(encoding="utf-8"))
    assert 'href="manual.html"' in (out / "class.html").read_text(encoding="utf-8")
    assert "4 point(s)" in page
    for name in (*LEARNERS, WEAK):
        assert f'<a href="{name}/report.html">{name}</a>' in page
    assert "Ben says: too big." in page and "Gus: it overshoots." in page
    assert "2.0 is about nine times the bound 2/L" in page  # ada's, the solution's
    skeleton = page[page.index("<pre>") + 5 : page.index("</pre>")]
    entries = yaml.safe_load(skeleton)
    # one entry per learner awaiting review: those without ex2 have nothing to review
    assert {e["submission"] for e in entries} == set(LEARNERS)
    assert all(e["check"] == MANUAL and e["points"] is None for e in entries)
    # filled for two learners, the rest left blank: those two are graded, the rest pending
    entries[0]["points"], entries[1]["points"] = 4, 1.5
    overrides = out.parent / "overrides.yaml"
    overrides.write_text(yaml.safe_dump(entries, sort_keys=False), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GRADER_KIT_ROOT", str(kit_root))
        assert main(["regrade", str(out), "--overrides", str(overrides), "--no-similarity"]) == 0
    text = capsys.readouterr().out
    assert "needs attention:" in text and WEAK in text
    again = html.unescape((out / "manual.html").read_text(encoding="utf-8"))
    assert "4 of 4" in again and "1.5 of 4" in again
    left = yaml.safe_load(again[again.index("<pre>") + 5 : again.index("</pre>")])
    assert len(left) == len(LEARNERS) - 2


def test_the_quiz_distribution_is_shown_with_the_key_marked(graded) -> None:
    _, out = graded
    page = (out / "class.html").read_text(encoding="utf-8")
    answers = page[page.index('id="answers"') : page.index('id="scores"')]
    q1 = re.search(r"<tr><th scope=\"row\">Q1</th>(.*?)</tr>", answers).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", q1)
    # A: ben, cleo, jon, kim; B (the key): the other 7 learners whose quiz was read
    assert cells[0] == "4" and cells[1] == "7 (key)" and cells[4] == "B"
    assert 'class="number popular"' not in q1  # the key is still the most chosen
    assert "HAND_ECE = 0.1375" in answers  # dev's and eli's wrong value, counted twice


def test_a_small_class_page_is_compact(graded) -> None:
    _, out = graded
    assert (out / "class.html").stat().st_size < 300_000


def test_two_hundred_learners_stay_one_page(graded, tmp_path) -> None:
    from grader.classwork.classfolder import read_class

    _, out = graded
    results = read_class(out)
    many = [
        r.__class__(**{**r.__dict__, "name": f"{r.name}-{i:03d}"})
        for i in range(17)
        for r in results
    ][:200]
    page = render_class_html(summarize_class(many))
    assert page.count("/report.html") >= 200 and len(page) < 2_000_000


def test_the_same_similar_pairs_on_every_run(kit, tmp_path) -> None:
    """copydetect hashed with Python's salted hash(): pairs near the threshold changed
    from run to run. Each run here is a fresh interpreter (another PYTHONHASHSEED)."""
    code = {}
    for i in range(4):
        folder = tmp_path / f"s{i}"
        folder.mkdir()
        text = (kit.solutions / "logistic_scratch.py").read_text(encoding="utf-8")
        (folder / "logistic_scratch.py").write_text(text.replace("z", f"z{i}"), encoding="utf-8")
        code[f"s{i}"] = folder
    script = (
        "import sys, pathlib\n"
        "from grader.classwork.similarity import find_similar\n"
        "code = {p.name: p for p in sorted(pathlib.Path(sys.argv[1]).iterdir())}\n"
        "pairs = find_similar(code, pathlib.Path(sys.argv[2]), threshold=0.0, min_tokens=1)\n"
        "print([(p.first, p.second, round(p.similarity, 6), p.shared_tokens) for p in pairs])\n"
    )
    runs = set()
    for seed in ("1", "2", "3"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(tmp_path), str(kit.exercises)],
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        runs.add(done.stdout)
    assert len(runs) == 1, runs
    # and the stub's lines never show in a fragment
    stub = {
        line.strip()
        for line in (kit.exercises / "logistic_scratch.py").read_text().splitlines()
        if line.strip()
    }
    for pair in find_similar(code, kit.exercises, threshold=0.0, min_tokens=1):
        for fragment in pair.fragments:
            assert not {line.strip() for line in fragment.first.splitlines()} & stub


def test_the_skeleton_quotes_names_yaml_would_misread(graded) -> None:
    from grader.classwork.class_summary import ManualAnswer, ManualItem

    item = ManualItem(
        MANUAL,
        "ex2_learning_rate",
        "diagnosis",
        4.0,
        (
            ManualAnswer("123", "", None),
            ManualAnswer("yes", "", None),
            ManualAnswer("a: b", "", None),
        ),
    )
    entries = yaml.safe_load(overrides_skeleton(item))
    assert [e["submission"] for e in entries] == ["123", "yes", "a: b"]


# --- in headless Chromium -------------------------------------------------------------

needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")


def _driver(width: int, height: int):
    webdriver = pytest.importorskip("selenium.webdriver")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--window-size={width},{height}")
    service = webdriver.ChromeService(executable_path=DRIVER) if DRIVER else None
    return webdriver.Chrome(options=options, service=service)


@needs_chromium
def test_class_html_is_under_15000_px_tall_at_1280_px(graded) -> None:
    _, out = graded
    driver = _driver(1280, 900)
    try:
        driver.get((out / "class.html").as_uri())
        height = driver.execute_script("return document.documentElement.scrollHeight")
        # the table sorts by score when its header is clicked
        driver.find_elements("css selector", "#learners-table th button")[1].click()
        first = driver.find_element("css selector", "#learners-table tbody tr td a").text
    finally:
        driver.quit()
    assert height < 15_000
    assert first in (EMPTY, BROKEN)  # a 0, the lowest score


@needs_chromium
@pytest.mark.parametrize("page", ["class.html", "manual.html", "ada/report.html"])
def test_no_serious_or_critical_accessibility_violation(graded, page) -> None:
    axe_module = pytest.importorskip("axe_selenium_python")
    _, out = graded
    driver = _driver(1280, 900)
    try:
        driver.get((out / page).as_uri())
        axe = axe_module.Axe(driver)
        axe.inject()
        found = axe.run()
    finally:
        driver.quit()
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} x{len(v['nodes'])}: {v['nodes'][0]['html'][:120]}"
        for v in found["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, "\n".join(bad)


# --- class.md and class.json hold the same class view -----------------------------------


def _hand_built_summary():
    """A ClassSummary built by hand: three learners, each kind of section filled."""
    from grader.classwork.class_summary import (
        Attention,
        ClassSummary,
        CriterionMean,
        HandAnswers,
        LearnerRow,
        LetterCount,
        ManualAnswer,
        ManualItem,
        QuizQuestion,
        ReasonKind,
        WrongValue,
    )

    return ClassSummary(
        submissions=3,
        max_score=100.0,
        scores=(("ann", 95.0), ("bo|b", 20.0), ("cy", 0.0)),
        mean=38.33,
        median=20.0,
        stdev=40.0,
        distribution=(),
        criteria=(CriterionMean("math", "Hand math", 10.0, 20.0),),
        checks=(),
        reliability=None,
        misconceptions=(),
        attention=(
            Attention(
                "bo|b",
                ("low score: 20 of 100", "manual item pending: check_why (manual.html)"),
                (ReasonKind.LOW_SCORE, ReasonKind.MANUAL_PENDING),
            ),
            Attention("cy", ("empty: no exercise file found",), (ReasonKind.EMPTY,)),
        ),
        isolation=(("landlock", 3),),
        seeds=(("ann", 1), ("bo|b", 2), ("cy", 3)),
        grader_versions=("1.0",),
        similarity_checked=False,
        learners=(
            LearnerRow("ann", 95.0, 100.0, (20.0,), 0, ()),
            LearnerRow("bo|b", 20.0, 100.0, (5.0,), 2, ("manual item pending", "low score")),
            LearnerRow("cy", 0.0, 100.0, (None,), 0, ("empty",)),
        ),
        low_score=50.0,
        quiz=(
            QuizQuestion(
                "check_q1_answer",
                "Q1",
                "B",
                tuple(
                    LetterCount(x, n, x == "B") for x, n in zip("ABCD", (2, 1, 0, 0), strict=True)
                ),
                3,
            ),
        ),
        hand=(
            HandAnswers(
                "check_hand_ece",
                "ex4_manual_ece",
                (WrongValue("HAND_ECE = 0.1375", 2, ("M15",)),),
                2,
            ),
        ),
        manual=(
            ManualItem(
                "check_why",
                "ex2_learning_rate",
                "diagnosis",
                4.0,
                (ManualAnswer("ann", "it overshoots", 3.0), ManualAnswer("bo|b", "", None)),
            ),
            ManualItem("check_unscored", "ex2_learning_rate", "diagnosis", 0.0, ()),
        ),
    )


def test_class_md_holds_the_learners_attention_by_reason_answers_and_pending_items() -> None:
    from grader.classwork.class_markdown import render_class_markdown

    text = render_class_markdown(_hand_built_summary())
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    first = ["Learners", "Needs attention", "Manual grading", "How the class answered"]
    assert sections[:4] == first
    learners = text[text.index("## Learners") : text.index("## Needs attention")]
    assert "| learner | score | math | late days | status |" in learners
    assert "| ann | 95 | 20 | 0 | ok |" in learners
    assert "| bo\\|b | 20 | 5 | 2 | manual item pending, low score |" in learners  # escaped
    assert "| cy | 0 | - | 0 | empty |" in learners
    attention = text[text.index("## Needs attention") : text.index("## Manual grading")]
    # grouped by kind, what needs a look first, the bookkeeping (pending items) last
    groups = re.findall(r"^### (.+)$", attention, flags=re.M)
    assert groups == ["low score (1)", "empty (1)", "manual item pending (1)"]
    assert "- cy: empty: no exercise file found" in attention
    manual = text[text.index("## Manual grading") : text.index("## How the class answered")]
    rows = [line for line in manual.splitlines() if line.startswith("| `check")]
    assert rows == ["| `check_why` | ex2\\_learning\\_rate | 4 | 1 | 1 |"]  # 0 points: not listed
    answers = text[text.index("## How the class answered") : text.index("## Scores")]
    assert "| Q1 | 2 | 1 (key) | 0 | 0 | B | 3 |" in answers
    assert "| `check_hand_ece` | `HAND_ECE = 0.1375` | 2 | M15 (" in answers
    assert "## Needs a human" not in text  # said once, by reason


def test_class_json_has_typed_keys_for_the_class_view() -> None:
    import json

    from grader.classwork.class_json import render_class_json

    document = json.loads(render_class_json(_hand_built_summary()))
    # the summary's own keys are unchanged
    assert document["learners"][1] == {
        "name": "bo|b",
        "score": 20.0,
        "max_score": 100.0,
        "criteria": [5.0],
        "days_late": 2,
        "flags": ["manual item pending", "low score"],
    }
    assert document["attention"][0]["kinds"] == ["low score", "manual item pending"]
    assert document["quiz"][0]["letters"][1] == {"letter": "B", "count": 1, "key": True}
    assert document["hand"][0]["wrong"][0] == {
        "text": "HAND_ECE = 0.1375",
        "count": 2,
        "misconceptions": ["M15"],
    }
    # added: the grouping by reason kind, the pending counts, the flags' vocabulary
    groups = document["attention_by_reason"]
    assert [(g["kind"], g["bookkeeping"], g["count"]) for g in groups] == [
        ("low score", False, 1),
        ("empty", False, 1),
        ("manual item pending", True, 1),
    ]
    assert groups[1]["entries"] == [{"name": "cy", "reason": "empty: no exercise file found"}]
    assert [(m["check_id"], m["pending"], m["graded"]) for m in document["manual"]] == [
        ("check_why", 1, 1),
        ("check_unscored", 0, 0),
    ]
    assert document["learner_flags"][0] == "empty" and "low score" in document["learner_flags"]


def test_class_md_and_json_of_a_graded_class_show_the_same_view(graded) -> None:
    import json

    _, out = graded
    text = (out / "class.md").read_text(encoding="utf-8")
    learners = text[text.index("## Learners") : text.index("## Needs attention")]
    for name in _names():
        assert f"\n| {name} | " in learners
    attention = text[text.index("## Needs attention") : text.index("## How the class answered")]
    low = attention[attention.index("### low score") :]
    assert f"- {WEAK}: low score" in low[: low.index("###", 4)]
    answers = text[text.index("## How the class answered") : text.index("## Scores")]
    assert "| Q1 | 4 | 7 (key) | 0 | 0 | B | 11 |" in answers
    assert "| `HAND_ECE = 0.1375` | 2 |" in answers
    document = json.loads((out / "class.json").read_text(encoding="utf-8"))
    assert [row["name"] for row in document["learners"]] == _names()
    kinds = {g["kind"]: [e["name"] for e in g["entries"]] for g in document["attention_by_reason"]}
    assert WEAK in kinds["low score"] and EMPTY in kinds["empty"]
    assert BROKEN in kinds["syntax error"]
    (manual,) = [m for m in document["manual"] if m["check_id"] == MANUAL]
    # (the manual.html test may have graded two learners already: the module's class is shared)
    waiting = [a["name"] for a in manual["answers"] if a["points"] is None]
    assert manual["pending"] == len(waiting) >= len(LEARNERS) - 2 and manual["max_points"] == 4
    assert manual["graded"] == len(_names()) - len(waiting)
    assert not {WEAK, EMPTY, BROKEN} & set(waiting)  # no ex2 handed in: 0, nothing to read
    row = f"| `{MANUAL}` | ex2\\_learning\\_rate | 4 | {len(waiting)} | {manual['graded']} |"
    assert row in attention
    q1 = next(q for q in document["quiz"] if q["question"] == "Q1")
    assert [(x["letter"], x["count"], x["key"]) for x in q1["letters"]][:2] == [
        ("A", 4, False),
        ("B", 7, True),
    ]
