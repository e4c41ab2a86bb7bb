"""Fair marks (issue 10): the same code gets the same points whatever the seed, nothing is
earned for nothing, and the right function is blamed.

The proof runs many gradings, so it runs the check functions in this process against the
kit's own fixtures (tests/inprocess.py), not through pytest and a sandboxed worker:

- every correct, mistake and misconception fixture gets identical hidden-check verdicts
  (status and misconception tags) at 20 seeds. Only the hidden checks draw data; the visible
  ones are seed-free and pinned by the golden files. Only the hidden checks of the files a
  fixture changes, and of the files that import those, are run: the others run the
  solutions' code, which the solutions' own row proves at the same 20 seeds. The seed loop
  is the outer one, so the reference answers of a seed are computed once for all fixtures;
- a handful of full gradings (sandboxed worker, pytest) at other seeds give exactly what
  the golden files pin at seed 7: the in-process runs stand for the real ones;
- generated trivial implementations of every learner function (constant 0, constant 1,
  NaN of the right shape, None, the input echoed back, a random array) fail every check that
  calls that function, hidden ones at every seed;
- the inputs quoted in the issue, each with its verdict and message.
"""

from __future__ import annotations

import ast
import json
import shutil
import textwrap
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest
from conftest import golden_outcomes, golden_summary
from inprocess import InProcessGrader, Verdict

from grader.checks.catalog import Category
from grader.checks.dependencies import learner_functions_used
from grader.checks.expect import expect_close
from grader.checks.framework import CheckFailure, Learner
from grader.checks.reference import SolutionReference
from grader.paths import EXERCISE_FILES
from grader.render.view_model import explain_misconception
from grader.samples import Sample, compose_sample
from grader.source_text import LearnerSources
from grader.tickets import TicketData

FIXTURES = Path(__file__).parent / "fixtures"
SEEDS = range(20)
KINDS = ("zero", "one", "nan", "none", "echo", "random")
FAIR_FIXTURES = sorted(
    path.name
    for path in FIXTURES.iterdir()
    if path.name.startswith(("correct-", "mistake-", "misconception-"))
)


@pytest.fixture(scope="module")
def grader(kit) -> InProcessGrader:
    reference = SolutionReference(kit.solutions)
    return InProcessGrader(kit, reference, TicketData.load(kit.solutions / "tickets.py"))


@pytest.fixture(scope="module")
def folders(kit, tmp_path_factory) -> dict[str, Path]:
    """Every fair-marks fixture as a submission folder, and the solutions."""
    root = tmp_path_factory.mktemp("fair")
    found = {"solutions": kit.solutions}
    for name in FAIR_FIXTURES:
        scenario = FIXTURES / name
        if (scenario / "sample.yaml").exists():
            found[name] = compose_sample(Sample.read(scenario), kit.solutions, root / name)
        else:
            found[name] = scenario
    return found


def _changed_functions(folder: Path, solutions: Path) -> set[str]:
    """ "module.function" of every learner function whose text differs from the solutions'
    (all of a file's functions when anything else in it differs, or it is missing)."""
    changed: set[str] = set()
    for file_name in sorted(EXERCISE_FILES):
        stem = Path(file_name).stem
        mine, theirs = _parts(folder / file_name), _parts(solutions / file_name)
        if mine is None or mine[""] != theirs[""]:
            changed.update(f"{stem}.{name}" for name in theirs if name)
            continue
        changed.update(
            f"{stem}.{name}"
            for name in set(mine) | set(theirs)
            if mine.get(name) != theirs.get(name)
        )
    return changed


def _parts(path: Path) -> dict[str, str] | None:
    """function name -> its text; "" -> everything else in the file."""
    text = _text(path)
    if text is None:
        return None
    tree = ast.parse(text)
    parts = {"": ""}
    for node in tree.body:
        segment = ast.get_source_segment(text, node) or ""
        if isinstance(node, ast.FunctionDef):
            parts[node.name] = segment
        else:
            parts[""] += segment + "\n"
    return parts


def _reach(folder: Path, call: str) -> set[str]:
    """The call and every learner function it uses (same file, or logistic_scratch)."""
    module, function = call.split(".")
    texts = {
        f"{name}.py": text
        for name in {module, "logistic_scratch"}
        if (text := _text(folder / f"{name}.py")) is not None
    }
    used = learner_functions_used(LearnerSources.of_texts(texts), module, function)
    return {call, *(used or ())}


def _text(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


# --- 1. deterministic coverage ------------------------------------------------------------


def test_every_fixture_gets_the_same_hidden_verdicts_at_20_seeds(grader, folders, kit) -> None:
    learners = {name: grader.learner(folder) for name, folder in folders.items()}
    hidden = grader.check_ids([Category.HIDDEN])
    calls = {check: grader.run(learners["solutions"], check, 0).calls for check in hidden}
    wanted = {"solutions": hidden}
    for name, folder in folders.items():
        if name != "solutions":
            changed = _changed_functions(folder, kit.solutions)
            wanted[name] = [
                check
                for check in hidden
                if any(_reach(folder, call) & changed for call in calls[check])
            ]
    seen: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    for seed in SEEDS:  # outer: a seed's reference answers are computed once, then cached
        for name, learner in learners.items():
            for check in wanted[name]:
                seen[name][check].add(grader.run(learner, check, seed).key)
    varying = {
        name: {check: sorted(keys) for check, keys in checks.items() if len(keys) > 1}
        for name, checks in seen.items()
    }
    assert not {name: checks for name, checks in varying.items() if checks}
    for name in ("solutions", *(n for n in learners if n.startswith("correct-"))):
        failed = {check for check, keys in seen[name].items() if ("passed", ()) not in keys}
        assert not failed, f"{name} fails {failed}"
    assert {check for checks in seen.values() for check in checks} >= set(hidden)


def test_every_mistake_fixture_loses_points_and_every_correct_one_none() -> None:
    """The golden files (seed 7, full pipeline) hold the visible and hidden verdicts; with
    the test above, those are the verdicts at every seed."""
    for name in FAIR_FIXTURES:
        expected = golden_outcomes(FIXTURES / name)
        failed = [check for check, outcome in expected.items() if outcome["status"] == "failed"]
        if name.startswith("correct-"):
            assert not failed, f"{name}: {failed}"
        else:
            assert failed, f"{name} loses no point"


@pytest.mark.parametrize(
    ("scenario", "seed"),
    [
        ("mistake-confusion-sized-by-classes", 1),
        ("mistake-fit-ignores-l2", 2),
        ("correct-loop-reliability-bins", 3),
        ("misconception-M09-strict-threshold", 4),
    ],
)
def test_full_gradings_at_other_seeds_match_the_golden_file(kit, scenario, seed, tmp_path):
    from grader.pipeline.grade import GradingContext, GradingOptions, grade_submission

    folder = compose_sample(Sample.read(FIXTURES / scenario), kit.solutions, tmp_path / scenario)
    context = GradingContext.build(GradingOptions(kit_root=kit.root, base_seed=seed))
    result = grade_submission(folder, context, name=scenario)
    summary = golden_summary(item.outcome for item in result.checks)
    # a grader error says its own detail (instructor-facing), so that a failure here is read
    errors = {
        i.outcome.check_id: i.outcome.grader_error[-600:]
        for i in result.checks
        if i.outcome.grader_error
    }
    expected = json.loads((FIXTURES / scenario / "expected.json").read_text())
    assert summary == expected, (errors, result.grader_errors)


def test_no_probability_sits_one_ulp_from_an_edge_that_floating_point_misses() -> None:
    from grader.checks.hidden import _draw

    assert np.linspace(0, 1, 6)[3] != 3 / 5  # the accident of the issue
    assert _draw.exact_edges(5).tolist() == [0.2, 0.4, 0.8]
    assert _draw.exact_edges(4).tolist() == [0.25, 0.5, 0.75]
    moved = _draw.unambiguous(np.array([np.linspace(0, 1, 6)[3], 0.6, 0.2, 0.0, 1.0]), 5)
    assert moved[0] == pytest.approx(0.5)  # to the centre of its bin, (0.4, 0.6]
    assert moved[1:].tolist() == [0.6, 0.2, 0.0, 1.0]  # every method agrees on these
    rng = np.random.default_rng(0)
    for n_bins in range(2, 13):
        p = _draw.probabilities(rng, 400, n_bins=n_bins)
        ids = _draw.bin_ids(p, n_bins)
        by_fraction = np.searchsorted(np.arange(1, n_bins) / n_bins, p, side="left")
        by_ceil = np.clip(np.ceil(p * n_bins) - 1, 0, n_bins - 1)
        assert (ids == by_fraction).all() and (ids == by_ceil).all()


# --- 2. the false pass and the false fail of the issue ---------------------------------


def _verdicts(grader, folders, name, *checks, seed=0) -> dict[str, Verdict]:
    return grader.grade(folders[name], checks, seed)


def test_best_f1_from_zero_with_a_strict_comparison_fails_and_is_told_why(grader, folders):
    verdicts = _verdicts(
        grader,
        folders,
        "mistake-best-f1-starts-at-zero",
        "check_best_f1_threshold",
        "check_hidden_sweep_and_best_f1",
    )
    visible = verdicts["check_best_f1_threshold"]
    assert visible.status == "failed"
    assert (
        "best_f1_threshold([1, 0], [0.5, 0.2], [0.5, 0.6]) returned 0, which is not one of the "
        "thresholds [0.5, 0.6]" in visible.message
    )
    hidden = verdicts["check_hidden_sweep_and_best_f1"]
    assert hidden.status == "failed"
    assert "not one of the thresholds you were given" in hidden.message
    assert "0.6" not in hidden.message  # hidden checks never show their inputs


def test_the_log1p_loss_at_lr_2_passes_and_a_summed_one_still_fails(kit) -> None:
    """The issue's numbers: a correct log1p loss gives 10.091928 where the reference has
    10.092983 (a saturated probability, sigma(32) on a calm ticket)."""
    from grader.checks.conditioning import loss_history_atol, reference_weights

    tickets = TicketData.load(kit.solutions / "tickets.py")
    X, y = tickets.eight_X, tickets.eight_y
    reference = SolutionReference(kit.solutions)
    expected = reference.call("ex2_learning_rate", "loss_history", X, y, 2.0, 4)
    assert expected[3] == pytest.approx(10.092983, abs=1e-6)
    learner = expected.copy()
    learner[3] = 10.091928
    atol = loss_history_atol(X, y, reference_weights(reference, X, y, 2.0, 4))
    expect_close(learner, expected, what="loss_history", fix="", atol=atol)
    assert atol[:3].max() <= 1e-8  # the first, well-conditioned steps stay tight
    with pytest.raises(CheckFailure):  # the tolerance of before: the false fail
        expect_close(learner, expected, what="loss_history", fix="")
    with pytest.raises(CheckFailure):
        expect_close(expected * 8, expected, what="loss_history", fix="", atol=atol)


def test_log1p_logaddexp_and_loop_bins_earn_every_visible_point(grader, folders) -> None:
    for name in (
        "correct-log1p-log-loss",
        "correct-logaddexp-loss-history",
        "correct-loop-reliability-bins",
    ):
        checks = grader.check_ids([Category.VISIBLE])
        verdicts = grader.grade(folders[name], checks, 0)
        assert {c: v.message for c, v in verdicts.items() if v.status != "passed"} == {}, name


# --- 3. nothing for nothing ---------------------------------------------------------------

TRIVIAL_HELPERS = """

def _trivial_like(value, fill):
    if isinstance(value, dict):
        return {key: _trivial_like(item, fill) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_trivial_like(item, fill) for item in value)
    if isinstance(value, str):
        return fill(())
    return fill(np.shape(np.asarray(value, dtype=float)))
"""


def _trivial_source(source: str, function: str, kind: str) -> str:
    """The module with `function` replaced by a trivial one of that kind."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    first = node.args.args[0].arg
    returns = {
        "zero": "0",
        "one": "1",
        "none": "None",
        "echo": first,
        "nan": f"_trivial_like(_real_{function}(*args, **kwargs), "
        "lambda shape: np.full(shape, np.nan))",
        "random": f"_trivial_like(_real_{function}(*args, **kwargs), "
        "lambda shape: np.random.default_rng(0).random(shape))",
    }[kind]
    lines = source.splitlines()
    head = lines[: node.lineno - 1]
    rest = lines[node.end_lineno :]
    real = "\n".join(lines[node.lineno - 1 : node.end_lineno]).replace(
        f"def {function}(", f"def _real_{function}(", 1
    )
    signature = ", ".join(a.arg for a in node.args.args)
    trivial = textwrap.dedent(
        f"""
        def {function}(*args, **kwargs):
            {signature}, = (list(args) + [None] * 9)[:{len(node.args.args)}]
            return {returns}
        """
    )
    body = "\n".join([*head, real, trivial, *rest])
    if "import numpy as np" not in body:
        body = "import numpy as np\n" + body
    return body + TRIVIAL_HELPERS


def _learner_functions(kit) -> list[tuple[str, str]]:
    found = []
    for file_name in sorted(EXERCISE_FILES):
        tree = ast.parse((kit.solutions / file_name).read_text(encoding="utf-8"))
        found += [
            (Path(file_name).stem, node.name)
            for node in tree.body
            if isinstance(node, ast.FunctionDef) and not node.name.startswith("_")
        ]
    return found


def test_trivial_implementations_earn_nothing_in_their_functions_checks(
    grader, kit, tmp_path
) -> None:
    """Each learner function replaced by a constant 0, a constant 1, NaN of the right shape,
    None, its first input or a random array fails every check that calls it, hidden ones at
    every seed; the solutions pass those same checks (so each check can pass)."""
    checks = grader.check_ids([Category.VISIBLE, Category.HIDDEN])
    solutions = grader.learner(kit.solutions)
    callers: dict[str, list[str]] = defaultdict(list)
    for check in checks:
        verdict = grader.run(solutions, check, 0)
        assert verdict.status == "passed", (check, verdict.message)
        for call in verdict.calls:
            callers[call].append(check)
    learners: dict[tuple[str, str, str], Learner] = {}
    for module, function in _learner_functions(kit):
        assert callers[f"{module}.{function}"], f"no check calls {module}.{function}"
        for kind in KINDS:
            folder = tmp_path / f"{function}-{kind}"
            shutil.copytree(kit.solutions, folder, ignore=shutil.ignore_patterns("__pycache__"))
            path = folder / f"{module}.py"
            path.write_text(_trivial_source(path.read_text(encoding="utf-8"), function, kind))
            learners[(module, function, kind)] = grader.learner(folder)
    earned = defaultdict(set)
    for seed in SEEDS:
        for (module, function, kind), learner in learners.items():
            for check in callers[f"{module}.{function}"]:
                if seed and not grader.specs[check].hidden:
                    continue  # visible checks draw nothing: one run says it all
                if grader.run(learner, check, seed).status == "passed":
                    earned[f"{function}[{kind}]"].add(check)
    assert not earned


# --- 4. blame where the fault is ----------------------------------------------------------


def test_fit_logistic_is_not_told_to_start_from_zeros_when_gradient_lacks_1_over_n(
    grader, folders
) -> None:
    verdicts = _verdicts(
        grader,
        folders,
        "misconception-M06-gradient-without-mean",
        "check_fit_logistic_stable",
        "check_fit_logistic_chapter_model",
        "check_hidden_fit_logistic",
        "check_gradient_values",
    )
    for check in ("check_fit_logistic_stable", "check_hidden_fit_logistic"):
        message = verdicts[check].message
        assert verdicts[check].status == "failed"
        assert "Start from np.zeros" not in message and "Start at zeros" not in message
        assert "fit_logistic() uses your gradient() from this file" in message
        assert "fix gradient() first" in message
    assert verdicts["check_gradient_values"].misconceptions == ("M06",)


def test_roc_points_is_not_told_about_its_axes_when_the_comparison_is_wrong(
    grader, folders
) -> None:
    verdict = _verdicts(grader, folders, "misconception-M09-strict-threshold", "check_roc_points")
    verdict = verdict["check_roc_points"]
    assert verdict.status == "failed" and verdict.misconceptions == ("M09",)
    assert "x is the false-positive rate" not in verdict.message
    assert "fix predict_with_threshold() first" in verdict.message


def test_a_confusion_matrix_sized_by_the_classes_present_is_charged_to_itself(
    grader, folders
) -> None:
    verdicts = _verdicts(
        grader,
        folders,
        "mistake-confusion-sized-by-classes",
        "check_confusion_matrix_layout",
        "check_roc_points",
        "check_hidden_confusion_and_rates",
        "check_hidden_roc",
    )
    assert verdicts["check_confusion_matrix_layout"].status == "failed"
    assert "with y all 0" in verdicts["check_confusion_matrix_layout"].message
    assert "Always 2x2" in verdicts["check_confusion_matrix_layout"].message
    assert verdicts["check_hidden_confusion_and_rates"].status == "failed"
    for check in ("check_roc_points", "check_hidden_roc"):
        assert verdicts[check].status == "failed"
        assert verdicts[check].misconceptions == ()  # not M11: roc_points divides fine
        assert "fix confusion_matrix_at_threshold() first" in verdicts[check].message


def test_a_failed_core_check_names_the_failed_function_it_uses_in_the_same_file() -> None:
    from grader.pipeline.upstream import note_upstream_failures
    from grader.results import CheckOutcome, Status

    source = (
        "def gradient(X, y, w):\n    return X\n\n"
        "def fit_logistic(X, y):\n    return gradient(X, y, 0)\n"
    )
    outcomes = [
        CheckOutcome(
            "check_gradient_values",
            "logistic_scratch",
            Status.FAILED,
            message="wrong gradient",
            learner_calls=("logistic_scratch.gradient",),
        ),
        CheckOutcome(
            "check_fit_logistic_stable",
            "logistic_scratch",
            Status.FAILED,
            message="wrong fit",
            learner_calls=("logistic_scratch.fit_logistic",),
        ),
    ]
    noted = note_upstream_failures(
        outcomes, LearnerSources.of_texts({"logistic_scratch.py": source})
    )
    assert noted[0] == outcomes[0]  # gradient's own failure blames nothing else
    assert noted[1].upstream_failures == ("logistic_scratch.gradient",)
    assert "gradient()" in noted[1].message and "check_gradient_values" in noted[1].message


# --- 5. misconceptions in combination, and M03's np.where -----------------------------


def test_gradient_ascent_without_1_over_n_is_named_m06_and_m07(grader, folders) -> None:
    verdicts = _verdicts(
        grader,
        folders,
        "mistake-gradient-ascent-without-mean",
        "check_gradient_values",
        "check_hidden_gradient",
    )
    assert {v.misconceptions for v in verdicts.values()} == {("M06", "M07")}


def test_roc_points_with_a_strict_comparison_is_m09(grader, folders) -> None:
    from grader.checks import variants

    # The smallest input: roc_points([0, 1], [.5, .5], [.5]) with p > t.
    assert variants.roc_strict(np.array([0, 1]), np.array([0.5, 0.5]), [0.5]) == [(0.0, 0.0)]
    verdicts = _verdicts(
        grader, folders, "mistake-roc-points-strict", "check_roc_points", "check_hidden_roc"
    )
    assert {v.misconceptions for v in verdicts.values()} == {("M09",)}


def test_an_np_where_sigmoid_is_told_that_both_branches_run(grader, folders) -> None:
    verdict = _verdicts(grader, folders, "mistake-sigmoid-np-where", "check_sigmoid_stable")
    verdict = verdict["check_sigmoid_stable"]
    assert verdict.misconceptions == ("M03",)
    assert "evaluates both branches" in verdict.message
    assert "np.exp(-np.abs(z))" in verdict.message


# --- 6. the from-scratch rule -------------------------------------------------------------

MAIN_GUARD = "\nif __name__ == '__main__':\n"
NUMPY_HELPER = "import numpy as np\n\ndef mean(x):\n    return np.mean(x)\n"


@pytest.mark.parametrize(
    ("files", "verdict", "said"),
    [
        ({"my_helpers.py": NUMPY_HELPER, "header": "import my_helpers\n"}, "passed", ""),
        (
            {"my_helpers.py": "import sklearn\n", "header": "from my_helpers import *\n"},
            "failed",
            "logistic_scratch.py imports sklearn through logistic_scratch.py -> my_helpers.py",
        ),
        ({"footer": MAIN_GUARD + "    import tickets\n"}, "passed", ""),
        ({"footer": MAIN_GUARD + "    import scipy\n"}, "passed", ""),
        ({"header": "import tickets\n"}, "passed", ""),
        ({"header": "import scipy.special\n"}, "failed", "logistic_scratch.py imports scipy."),
        ({"header": "", "bom": True}, "passed", ""),
    ],
)
def test_the_from_scratch_rule_judges_third_party_packages_only(
    grader, kit, tmp_path, files, verdict, said
) -> None:
    folder = tmp_path / "submission"
    shutil.copytree(kit.solutions, folder, ignore=shutil.ignore_patterns("__pycache__"))
    scratch = folder / "logistic_scratch.py"
    text = scratch.read_text(encoding="utf-8").replace(
        "import numpy as np\n", "import numpy as np\n" + files.get("header", ""), 1
    )
    text += files.get("footer", "")
    scratch.write_bytes((b"\xef\xbb\xbf" if files.get("bom") else b"") + text.encode("utf-8"))
    for name, content in files.items():
        if name.endswith(".py"):
            (folder / name).write_text(content, encoding="utf-8")
    result = grader.grade(folder, ["check_scratch_imports_numpy_only"], 0)
    outcome = result["check_scratch_imports_numpy_only"]
    assert outcome.status == verdict, outcome.message
    assert said in outcome.message


def test_source_analyses_read_a_file_saved_with_a_bom() -> None:
    ex2 = (
        "\ufefffrom logistic_scratch import gradient\n\n"
        "def f(X, y, w):\n    return gradient(X, y, w)\n"
    )
    core = (
        "\ufeffdef gradient(X, y, w):\n    return X\n\n"
        "def fit(X, y):\n    return gradient(X, y, 0)\n"
    )
    for encoded in (ex2.encode("utf-8"), ex2.encode("utf-8")[3:]):  # with its BOM and without
        sources = LearnerSources.of_texts(
            {"ex2_learning_rate.py": encoded, "logistic_scratch.py": core.encode("utf-8")}
        )
        assert learner_functions_used(sources, "ex2_learning_rate") == (
            "logistic_scratch.gradient",
        )
        assert learner_functions_used(sources, "ex2_learning_rate", "f") == (
            "logistic_scratch.gradient",
        )
        assert learner_functions_used(sources, "logistic_scratch", "fit") == (
            "logistic_scratch.gradient",
        )


# Arguments a learner's function may ignore, falling back to its default: each must cost
# points at every seed (a drawn argument never equals the default, or a case laid down
# whatever the seed uses another value).
IGNORED_ARGUMENTS = [
    ("logistic_scratch", "log_loss", "eps"),
    ("logistic_scratch", "gradient", "l2"),
    ("logistic_scratch", "fit_logistic", "l2"),
    ("logistic_scratch", "fit_logistic", "lr"),
    ("logistic_scratch", "fit_logistic", "epochs"),
    ("logistic_scratch", "reliability_bins", "n_bins"),
    ("logistic_scratch", "expected_calibration_error", "n_bins"),
    ("ex2_learning_rate", "loss_history", "l2"),
    ("ex3_threshold_sweep", "expected_cost", "cost_fn"),
    ("ex3_threshold_sweep", "expected_cost", "cost_fp"),
    ("ex3_threshold_sweep", "min_cost_threshold", "cost_fn"),
    ("ex3_threshold_sweep", "min_cost_threshold", "cost_fp"),
    ("ex4_manual_ece", "sklearn_reliability", "n_bins"),
    ("ex5_label_flip", "label_flip_experiment", "index"),
    ("ex5_label_flip", "label_flip_experiment", "lr"),
    ("ex5_label_flip", "label_flip_experiment", "epochs"),
    ("ex5_label_flip", "label_flip_experiment", "n_bins"),
    ("ex6_sklearn_match", "sklearn_weights", "C"),
]


def _ignoring_source(source: str, function: str, parameter: str) -> str:
    """The module with `function` calling the real one with `parameter` left at its
    default, whatever the caller passed."""
    tree = ast.parse(source)
    node = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == function)
    lines = source.splitlines()
    real = "\n".join(lines[node.lineno - 1 : node.end_lineno]).replace(
        f"def {function}(", f"def _real_{function}(", 1
    )
    wrapper = textwrap.dedent(
        f"""
        def {function}(*args, **kwargs):
            import inspect

            bound = inspect.signature(_real_{function}).bind(*args, **kwargs)
            bound.arguments.pop({parameter!r}, None)
            return _real_{function}(*bound.args, **bound.kwargs)
        """
    )
    return "\n".join([*lines[: node.lineno - 1], real, wrapper, *lines[node.end_lineno :]])


def test_an_ignored_argument_costs_points_at_every_seed(grader, kit, tmp_path) -> None:
    """Each function that ignores one of its arguments (using the default instead) fails
    one of its checks, and each of its hidden checks ends the same way at every seed."""
    checks = grader.check_ids([Category.VISIBLE, Category.HIDDEN])
    solutions = grader.learner(kit.solutions)
    callers: dict[str, list[str]] = defaultdict(list)
    for check in checks:
        for call in grader.run(solutions, check, 0).calls:
            callers[call].append(check)
    learners = {}
    for module, function, parameter in IGNORED_ARGUMENTS:
        folder = tmp_path / f"{function}-{parameter}"
        shutil.copytree(kit.solutions, folder, ignore=shutil.ignore_patterns("__pycache__"))
        path = folder / f"{module}.py"
        path.write_text(_ignoring_source(path.read_text(encoding="utf-8"), function, parameter))
        own = callers[f"{module}.{function}"]
        learners[f"{function}({parameter})"] = (grader.learner(folder), own)
    statuses: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for seed in SEEDS:
        for name, (learner, own) in learners.items():
            for check in own:
                if seed == 0 or grader.specs[check].hidden:  # visible ones draw nothing
                    statuses[name][check].add(grader.run(learner, check, seed).status)
    for name, by_check in statuses.items():
        assert {"failed"} in by_check.values(), f"{name} loses no point"
        varying = [check for check, seen in by_check.items() if len(seen) > 1]
        assert not varying, f"{name}: {varying} depend on the seed"


# --- 7. feedback that names the right cause (issue 24) ------------------------------------

# The table of broken implementations of issue 24, one row per kind: the fixture, a check
# it must fail, the tags that check gets, words its message must hold and words it must
# not (advice that does not apply). Hidden checks end so at every one of 20 seeds.
BROKEN_KINDS = [
    (
        "mistake-fit-stops-early",
        "check_fit_logistic_stable",
        (),
        "the fit stopped before `epochs` steps",
        "Start from np.zeros",
    ),
    ("mistake-fit-stops-early", "check_hidden_fit_logistic", (), "", ""),
    ("mistake-fit-stops-early", "check_hidden_label_flip", (), "", ""),
    ("mistake-classify-run-misses-last-rise", "check_hidden_classify_run", (), "", ""),
    ("mistake-best-f1-strict", "check_hidden_sweep_and_best_f1", ("M09",), "", ""),
    (
        "mistake-best-f1-optimizer",
        "check_best_f1_threshold",
        (),
        "Choose among the thresholds you are given",
        "not the F1",
    ),
    (
        "mistake-best-f1-optimizer",
        "check_hidden_sweep_and_best_f1",
        (),
        "Choose among the thresholds you are given",
        "made-up threshold such as 0",
    ),
    (
        "mistake-loss-history-unclipped",
        "check_loss_history_first_steps_at_lr_2",
        ("M04",),
        "Clip p to [eps, 1 - eps]",
        "Record the loss before each update",
    ),
    (
        "mistake-summed-loss-gradient-without-mean",
        "check_loss_history_stable",
        ("M05", "M06"),
        "fix gradient() and log_loss() first",
        "",
    ),
    ("mistake-fit-hard-coded", "check_hidden_fit_logistic", ("M19",), "", "Start at zeros"),
    ("misconception-M16-edge-in-upper-bin", "check_hidden_calibration", ("M16",), "", ""),
    # A right function on a wrong one of its own file: the failure names that one and gives
    # no advice about its own formula (issue 24, blame inside ex3, ex5 and ex6).
    (
        "mistake-expected-cost-blamed-in-min-cost",
        "check_min_cost_threshold",
        (),
        "uses your expected_cost() from this file, which is wrong",
        "Return a pair (threshold, cost)",
    ),
    ("mistake-expected-cost-blamed-in-min-cost", "check_hidden_costs", (), "expected_cost", ""),
    (
        "mistake-flip-label-blamed",
        "check_label_flip_experiment",
        (),
        "uses your flip_label() from this file, which is wrong",
        "work on a copy",
    ),
    ("mistake-flip-label-blamed", "check_hidden_label_flip", ("M18",), "flip_label()", ""),
    (
        "mistake-l2-for-c-blamed",
        "check_scratch_vs_sklearn_gap",
        (),
        "uses your l2_for_C() from this file, which is wrong",
        "Fit at l2 = l2_for_C(C, n)",
    ),
    ("mistake-l2-for-c-blamed", "check_hidden_l2_for_C", (), "l2_for_C", ""),
    # A wrong function of logistic_scratch.py blamed from another file, hidden checks too.
    (
        "mistake-strict-threshold-said-once",
        "check_hidden_sweep_and_best_f1",
        ("M09",),
        "from logistic_scratch.py, which is wrong",
        "",
    ),
]


@pytest.mark.parametrize(("scenario", "check", "tags", "said", "not_said"), BROKEN_KINDS)
def test_each_broken_kind_gets_its_verdict_tag_and_advice(
    grader, folders, scenario, check, tags, said, not_said
) -> None:
    learner = grader.learner(folders[scenario])
    seeds = SEEDS if grader.specs[check].hidden else [0]
    for seed in seeds:
        verdict = grader.run(learner, check, seed)
        assert verdict.status == "failed", (seed, verdict.message)
        assert verdict.misconceptions == tags, (seed, verdict.message)
        # what the learner reads: the message, then each recognized mistake's box (its
        # fix, said there once; grader/render/view_model.py)
        read = verdict.message + "".join(f"\n{explain_misconception(t)}" for t in tags)
        assert said.lower() in read.lower(), read
        assert not not_said or not_said not in read, read


def test_a_summed_but_clipped_log_loss_is_not_told_to_clip(grader, folders) -> None:
    verdicts = _verdicts(
        grader,
        folders,
        "misconception-M05-log-loss-summed",
        "check_log_loss_clipping",
        "check_log_loss_values",
    )
    assert verdicts["check_log_loss_clipping"].status == "passed"
    assert verdicts["check_log_loss_values"].misconceptions == ("M05",)


def test_the_fixed_calibration_cases_keep_every_wrong_version_apart() -> None:
    """On each case laid down whatever the seed, the ECE of M15, M16 and M17 and the right
    one are pairwise apart, so a learner with one of them is named with that one only."""
    from grader.checks import variants
    from grader.checks.hidden import logistic_scratch as hidden

    reference = SolutionReference(Path(__file__).parents[1] / "solutions")
    for y, p, n_bins in hidden._calibration_cases(np.random.default_rng(0))[:2]:
        found = variants.reliability_variants(y, p, n_bins)
        right = reference.call("logistic_scratch", "reliability_bins", y, p, n_bins=n_bins)
        ece = {key.split("#")[0]: variants.ece_from_bins(bins) for key, bins in found.items()}
        ece["right"] = variants.ece_from_bins(right)
        ece["M15"] = variants.ece_from_bins(right, weighted=False)
        values = sorted(ece.values())
        assert min(np.diff(values)) > 1e-3, ece


def test_advice_from_the_values_when_no_known_mistake_matches() -> None:
    from grader.checks.expect import what_differs

    expected = np.array([0.5, -0.25, 1.0])
    assert "opposite sign" in what_differs(-expected, expected, 1e-6, 1e-9, False)
    assert "8 times" in what_differs(8 * expected, expected, 1e-6, 1e-9, False)
    assert "8 times" not in what_differs(8 * expected, expected, 1e-6, 1e-9, True)
    assert "another order" in what_differs(expected[::-1], expected, 1e-6, 1e-9, False)
    with_nan = np.array([0.5, np.nan, 1.0])
    assert "index 1" in what_differs(with_nan, expected, 1e-6, 1e-9, False)
    assert what_differs(expected + 0.1, expected, 1e-6, 1e-9, False) == ""
    with pytest.raises(CheckFailure) as failure:
        expect_close(-expected, expected, what="x", fix="The check's own hint.")
    assert "opposite sign" in failure.value.message
    assert "The check's own hint." not in failure.value.message
