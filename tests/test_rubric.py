"""rubric.yaml: the kit's own is consistent, and a broken one fails with one clear line."""

from __future__ import annotations

import copy

import pytest
import yaml

from grader.checks.catalog import Category, CheckSpec, discover_checks
from grader.instructor.rubric import RubricError, load_rubric, parse_rubric

SPECS = {
    "check_a": CheckSpec("check_a", "logistic_scratch", Category.VISIBLE, False, ""),
    "check_b": CheckSpec("check_b", "ex1_hand_gradient", Category.ANSWERS, False, ""),
    "check_m": CheckSpec("check_m", "ex2_learning_rate", Category.ANSWERS, True, ""),
}
GOOD = {
    "total_points": 10,
    "criteria": [
        {
            "id": "one",
            "title": "One",
            "description": "d",
            "points": 6,
            "checks": {"check_a": 1, "check_m": 0},
        },
        {"id": "two", "title": "Two", "description": "d", "points": 4, "checks": {"check_b": 2}},
    ],
    "limits": {"call_timeout_s": 3},
}


def test_the_kits_rubric_covers_every_check_and_adds_up_to_100(kit):
    specs = discover_checks()
    rubric = load_rubric(kit.rubric, specs)
    assert rubric.total_points == 100
    assert [c.criterion_id for c in rubric.criteria] == [
        "by_hand",
        "numpy_implementation",
        "diagnosis",
    ]
    listed = {check for c in rubric.criteria for check in c.weights}
    assert listed == {spec.check_id for spec in specs}
    shares = sum(c.check_points(check) for c in rubric.criteria for check in c.weights)
    assert shares == pytest.approx(100)


def test_every_check_id_is_unique_and_named_check(kit):
    ids = [spec.check_id for spec in discover_checks()]
    assert len(ids) == len(set(ids))
    assert all(check_id.startswith("check_") for check_id in ids)


def test_points_are_shared_by_weight():
    rubric = parse_rubric(GOOD, SPECS)
    assert rubric.criteria[0].check_points("check_a") == 6
    assert rubric.criteria[0].check_points("check_m") == 0
    assert rubric.limits.call_timeout_s == 3


def _broken(change) -> dict:
    raw = copy.deepcopy(GOOD)
    change(raw)
    return raw


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda r: r["criteria"][0]["checks"].update(check_zzz=1),
            "criteria[0].checks.check_zzz: no such check",
        ),
        (lambda r: r["criteria"][1].pop("points"), "criteria[1].points: missing"),
        (lambda r: r.update(total_points=99), "total_points: is 99 but the criteria's points"),
        (lambda r: r["criteria"][1]["checks"].update(check_a=1), "already counted"),
        (lambda r: r["criteria"][0]["checks"].update(check_m=7), "points exceed the criterion's 6"),
        (lambda r: r["criteria"][1]["checks"].update(check_b=-1), "must be above 0"),
        (lambda r: r["limits"].update(call_timeout=3), "limits.call_timeout: unknown limit"),
        (lambda r: r["limits"].update(memory_mb="lots"), "limits.memory_mb: must be a number"),
        (lambda r: r.update(extra=1), "extra: unknown key"),
        (lambda r: r["criteria"][0]["checks"].pop("check_a"), "no automatic check carries"),
    ],
    ids=[
        "unknown-check",
        "missing-points",
        "bad-total",
        "check-twice",
        "manual-points-over-the-criterion",
        "negative-weight",
        "unknown-limit",
        "bad-limit",
        "unknown-key",
        "only-manual",
    ],
)
def test_a_broken_rubric_names_the_key_in_one_line(change, expected):
    with pytest.raises(RubricError) as caught:
        parse_rubric(_broken(change), SPECS)
    message = str(caught.value)
    assert expected in message
    assert "\n" not in message and message.startswith("rubric.yaml: ")


def test_a_check_missing_from_the_rubric_is_reported():
    raw = _broken(lambda r: r["criteria"][1]["checks"].update(check_b=1))
    specs = {**SPECS, "check_c": CheckSpec("check_c", "x", Category.HIDDEN, False, "")}
    with pytest.raises(RubricError, match="check 'check_c' is in no criterion"):
        parse_rubric(raw, specs)


def test_invalid_yaml_gives_one_line_with_its_position(tmp_path):
    path = tmp_path / "rubric.yaml"
    path.write_text("total_points: 100\ncriteria: [\n  - {id: x\n", encoding="utf-8")
    with pytest.raises(RubricError, match=r"rubric.yaml: not valid YAML at line \d+"):
        load_rubric(path, SPECS.values())


def test_the_cli_exits_2_with_one_line_for_a_broken_rubric(tmp_path, kit, capsys, monkeypatch):
    import shutil

    from grader.cli import main

    root = tmp_path / "kit"
    # A venv inside the clone (.venv, the README's newcomer) is never copied: it is huge.
    skipped = shutil.ignore_patterns(".git", "*.egg-info", ".venv", "venv")
    shutil.copytree(kit.root, root, ignore=skipped)
    raw = yaml.safe_load((root / "rubric.yaml").read_text())
    raw["criteria"][0]["points"] = 21
    (root / "rubric.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("GRADER_KIT_ROOT", str(root))
    assert main(["grade", str(root / "solutions"), "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: rubric.yaml: total_points") and "\n" not in err
