"""The transform that turns solutions/ into exercises/, and exercises/ being current."""

from __future__ import annotations

import ast
import textwrap

import pytest

from grader.authoring.stubs import (
    MarkerError,
    make_stub,
    stale_exercises,
    stub_tree,
    write_exercises,
)


def _stub(source: str) -> str:
    return make_stub(textwrap.dedent(source), "demo.py")


def test_solution_block_becomes_not_implemented_naming_the_function():
    stub = _stub(
        '''
        def area(r):
            """Docstring stays."""
            # TODO: pi r squared.
            # BEGIN SOLUTION
            return 3.14159 * r * r
            # END SOLUTION
        '''
    )
    assert "3.14159" not in stub
    assert '"""Docstring stays."""' in stub
    assert "# TODO: pi r squared." in stub
    assert '    raise NotImplementedError("area() is not written yet' in stub
    namespace: dict = {}
    exec(compile(stub, "demo.py", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="area"):
        namespace["area"](1.0)


def test_marked_assignment_keeps_its_target_and_loses_its_value():
    stub = _stub(
        """
        ANSWER = 0.6931  # SOLUTION
        GIVEN = [1, 2]
        TYPED: float = 2.5  # SOLUTION
        """
    )
    assert "ANSWER = ...\n" in stub
    assert "TYPED: float = ...\n" in stub
    assert "GIVEN = [1, 2]" in stub
    assert "0.6931" not in stub and "2.5" not in stub and "SOLUTION" not in stub


def test_marked_parenthesized_multiline_value_is_removed_whole():
    stub = _stub(
        """
        WHY = (  # SOLUTION
            "first line of the answer "
            "second line"
        )
        AFTER = 1
        """
    )
    assert stub.strip().splitlines() == ["WHY = ...", "AFTER = 1"]


def test_marked_dict_entries_keep_their_keys():
    stub = _stub(
        """
        ANSWERS = {
            "Q1": "B",  # SOLUTION
            -4.0: 0.018,  # SOLUTION
            "given": 3,
        }
        """
    )
    assert '"Q1": ...,' in stub
    assert "-4.0: ...," in stub
    assert '"given": 3,' in stub
    assert '"B"' not in stub and "0.018" not in stub


def test_marker_inside_a_string_is_not_a_marker():
    source = 'TEXT = "x  # SOLUTION"\n'
    assert make_stub(source) == source


def test_file_without_markers_is_copied_verbatim():
    source = "import numpy as np\n\n\ndef f(x):\n    return np.ones(3) * x\n"
    assert make_stub(source) == source


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "never closed"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "without a # BEGIN SOLUTION"),
        (
            "def f():\n    # BEGIN SOLUTION\n    # BEGIN SOLUTION\n    return 1\n"
            "    # END SOLUTION\n    # END SOLUTION\n",
            "nested",
        ),
        (
            "def f():\n    # BEGIN SOLUTION\n    return 1\n# END SOLUTION\n",
            "not indented like",
        ),
        ("x = 1  # BEGIN SOLUTION\n", "stand alone"),
        ("print(1)  # SOLUTION\n", "neither an assignment nor a dict entry"),
        ("D = {\n    'a': [1,\n          2],  # SOLUTION\n}\n", "neither"),
    ],
    ids=[
        "unclosed",
        "stray-end",
        "nested",
        "misindented-end",
        "inline-begin",
        "not-assignment",
        "multiline-dict-value",
    ],
)
def test_malformed_markers_fail_loudly_with_file_and_line(source: str, problem: str):
    with pytest.raises(MarkerError, match=problem) as caught:
        make_stub(source, "broken.py")
    assert str(caught.value).startswith("broken.py:")
    assert caught.value.line >= 1


def test_a_stub_that_would_not_parse_is_refused():
    source = "def f():\n    # BEGIN SOLUTION\n    return 1\n    # END SOLUTION\n  x = 1\n"
    with pytest.raises(MarkerError):
        make_stub(source, "bad.py")


def test_every_stub_keeps_the_solutions_public_names_and_signatures(kit):
    for relative, content in stub_tree(kit.solutions).items():
        if relative.suffix != ".py":
            continue
        solution = ast.parse((kit.solutions / relative).read_text(encoding="utf-8"))
        stub = ast.parse(content.decode("utf-8"))
        assert _public_api(stub) == _public_api(solution), relative
        assert ast.get_docstring(stub) == ast.get_docstring(solution), relative


def test_every_stub_function_raises_and_points_to_a_todo(kit):
    for relative, content in stub_tree(kit.solutions).items():
        text = content.decode("utf-8")
        if relative.suffix != ".py" or "NotImplementedError" not in text:
            continue
        for function in ast.walk(ast.parse(text)):
            if isinstance(function, ast.FunctionDef) and not function.name.startswith("_"):
                body = ast.get_source_segment(text, function) or ""
                assert "# TODO" in body, f"{relative}:{function.name} has no TODO"
                assert "NotImplementedError" in body, f"{relative}:{function.name} keeps code"


def test_exercises_folder_is_exactly_what_the_transform_makes_today(kit):
    problems = stale_exercises(kit.solutions, kit.exercises)
    assert not problems, "exercises/ is stale; run `python -m grader build`:\n" + "\n".join(
        problems
    )


def test_write_exercises_removes_strays_and_stale_check_sees_edits(tmp_path):
    solutions = tmp_path / "solutions"
    (solutions / "data").mkdir(parents=True)
    (solutions / "a.py").write_text("X = 1  # SOLUTION\n")
    (solutions / "data" / "d.csv").write_text("a,b\n1,2\n")
    exercises = tmp_path / "exercises"
    (exercises).mkdir()
    (exercises / "stray.py").write_text("old\n")

    write_exercises(solutions, exercises)

    assert (exercises / "a.py").read_text() == "X = ...\n"
    assert (exercises / "data" / "d.csv").read_text() == "a,b\n1,2\n"
    assert not (exercises / "stray.py").exists()
    assert stale_exercises(solutions, exercises) == []

    (exercises / "a.py").write_text("X = 2\n")
    assert stale_exercises(solutions, exercises) == ["out of date: a.py"]


def test_a_marker_error_leaves_exercises_untouched(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    (solutions / "a.py").write_text("def f():\n    # BEGIN SOLUTION\n    return 1\n")
    exercises = tmp_path / "exercises"
    exercises.mkdir()
    (exercises / "a.py").write_text("kept\n")
    with pytest.raises(MarkerError):
        write_exercises(solutions, exercises)
    assert (exercises / "a.py").read_text() == "kept\n"


def _public_api(tree: ast.Module) -> list[str]:
    names = []
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            names.append(f"def {node.name}({ast.unparse(node.args)})")
        elif isinstance(node, ast.Assign):
            names += [ast.unparse(target) for target in node.targets]
        elif isinstance(node, ast.AnnAssign):
            names.append(ast.unparse(node.target))
    return names
