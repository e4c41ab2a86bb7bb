"""Shared fixtures: the kit's paths and the solutions importable by their learner names."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from grader.paths import KitPaths

KIT = KitPaths.discover()

# The solutions import each other by their bare learner names (from logistic_scratch
# import ...), exactly as a submission does, so their folder goes on sys.path.
if str(KIT.solutions) not in sys.path:
    sys.path.insert(0, str(KIT.solutions))

# The contract's eight tickets, written out here so the shipped data is tested against them.
EIGHT_X_RAW = np.array(
    [[1.0, 1.0], [1.5, 2.0], [2.0, 3.0], [3.5, 6.0], [4.0, 7.0], [4.5, 5.0], [2.8, 4.0], [3.2, 8.0]]
)
EIGHT_Y = np.array([0, 0, 0, 1, 1, 1, 0, 1])


@pytest.fixture(scope="session")
def kit() -> KitPaths:
    return KIT


@pytest.fixture(scope="session")
def zygote():
    """One warm worker zygote for the sandbox tests (grader/sandbox/zygote.py)."""
    from grader.sandbox.worker import bootstrap_source
    from grader.sandbox.zygote import Zygote

    with Zygote(bootstrap_source()) as started:
        yield started


@pytest.fixture(params=["spawned", "forked-from-zygote"])
def launcher(request: pytest.FixtureRequest):
    """Sandbox tests run both ways a worker starts: a fresh interpreter, or a fork of the
    warm zygote (what the grader uses)."""
    return request.getfixturevalue("zygote") if request.param == "forked-from-zygote" else None


@pytest.fixture()
def eight_tickets() -> tuple[np.ndarray, np.ndarray]:
    """(X_raw, y) of the contract, fresh copies for every test."""
    return EIGHT_X_RAW.copy(), EIGHT_Y.copy()


@pytest.fixture()
def chapter(eight_tickets):
    """The chapter model: fit_logistic(X, y, lr=0.8, epochs=2000) on the eight tickets,
    as (X, y, w, p)."""
    import logistic_scratch

    X_raw, y = eight_tickets
    X = logistic_scratch.add_intercept(X_raw)
    w = logistic_scratch.fit_logistic(X, y, lr=0.8, epochs=2000)
    return X, y, w, logistic_scratch.predict_proba(X, w)


# --- hostile scenarios: tests/fixtures/<scenario>/hostile.yaml (see test_hostile.py) -------

HOSTILE_FILE = "hostile.yaml"
#: An honest scenario's way of arriving (a zip of a folder, notebooks, a BOM...): the same
#: building keys as hostile.yaml, without its invariants (tests/test_submission_layouts.py).
ARRIVES_FILE = "arrives.yaml"


def hostile_spec(scenario, file_name: str = HOSTILE_FILE) -> dict:
    """The scenario's hostile.yaml (or `file_name`) as a mapping ({} when it has none)."""
    import yaml

    path = scenario / file_name
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def hostile_places(kit_root, tmp_path, marker: str = "") -> dict[str, str]:
    """What {kit}, {tmp}, ... stand for in hostile.yaml; machine paths never go in the repo."""
    import os
    import tempfile
    from pathlib import Path

    return {
        "kit": str(kit_root),
        "tmp": tempfile.gettempdir(),
        "home": str(Path.home()),
        "cwd": os.getcwd(),
        "submission_parent": str(tmp_path),
        "out": str(tmp_path / "out"),
        "marker": marker,
    }


def build_submission(scenario, kit, tmp_path):
    """The submission of a fixture folder, made in tmp_path: sample.yaml's edits, then
    hostile.yaml's re-encodings, raw files, appended text (`append`), symbolic links and
    zip; a folder without
    either is graded in place."""
    import os
    import zipfile

    from grader.samples import SAMPLE_FILE, Sample, compose_sample

    spec = {**hostile_spec(scenario), **hostile_spec(scenario, ARRIVES_FILE)}
    if not (scenario / SAMPLE_FILE).exists():
        return scenario  # graded in place: the grader must leave it unchanged
    folder = compose_sample(Sample.read(scenario), kit.solutions, tmp_path / scenario.name)
    (folder / HOSTILE_FILE).unlink(missing_ok=True)
    (folder / ARRIVES_FILE).unlink(missing_ok=True)
    places = hostile_places(kit.root, tmp_path, spec.get("marker", ""))
    for name, encoding in (spec.get("reencode") or {}).items():
        path = folder / name
        path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    for name, content in (spec.get("raw_files") or {}).items():
        (folder / os.fsdecode(bytes.fromhex(name))).write_bytes(bytes.fromhex(content))
    for name, generated in (spec.get("append") or {}).items():
        # Big hostile files are made here, never committed: {file: {text, times}}, with an
        # optional `before` and `after` around the repeated text.
        with (folder / name).open("a", encoding="utf-8") as handle:
            repeated = generated["text"] * generated["times"]
            handle.write(generated.get("before", "") + repeated + generated.get("after", ""))
    for name, target in (spec.get("symlinks") or {}).items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target.format(**places))
    folder = arrange_submission(folder, spec)
    archive = spec.get("zip")
    if archive is None:
        return folder
    rename = archive.get("rename") or {}
    zip_path = tmp_path / f"{scenario.name}.zip"
    with zipfile.ZipFile(zip_path, "w") as handle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                relative = path.relative_to(folder).as_posix()
                # ZipInfo keeps the name as given (ZipFile.write would strip a leading /).
                handle.writestr(zipfile.ZipInfo(rename.get(relative, relative)), path.read_bytes())
        for name, text in (archive.get("extra") or {}).items():
            handle.writestr(zipfile.ZipInfo(name.format(**places)), text)
        for name, target in (archive.get("links") or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = 0o120777 << 16  # a symbolic link, as Info-ZIP stores one
            handle.writestr(info, target.format(**places))
    return zip_path


def arrange_submission(folder, spec: dict):
    """How a submission arrives (hostile.yaml's layout keys, in this order): `crlf` gives
    the named files Windows line endings; `notebooks` turns the named .py files into
    notebooks (`magics` lines first in their first code cell); `under` moves everything
    into that inner folder; `filler` adds generated files ({pattern with {n}: count});
    `inner_zip` zips it all into one .zip of that name inside the submission."""
    import json
    import shutil
    import zipfile

    from grader.authoring.notebooks import module_to_notebook

    for name in spec.get("crlf") or []:
        path = folder / name
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    for name in spec.get("notebooks") or []:
        path = folder / name
        document = json.loads(module_to_notebook(path.read_text(encoding="utf-8")))
        code = next(cell for cell in document["cells"] if cell["cell_type"] == "code")
        code["source"] = [f"{line}\n" for line in spec.get("magics") or []] + code["source"]
        path.with_suffix(".ipynb").write_text(json.dumps(document, indent=1), encoding="utf-8")
        path.unlink()
    under = spec.get("under")
    if under:
        moved = folder.with_name(folder.name + ".arranged")
        folder.rename(moved)
        (folder / under).parent.mkdir(parents=True)
        moved.rename(folder / under)
    for pattern, count in (spec.get("filler") or {}).items():
        for n in range(count):
            path = folder / pattern.format(n=n)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# generated file {n}\n", encoding="utf-8")
    inner = spec.get("inner_zip")
    if inner:
        with zipfile.ZipFile(folder.with_name(inner), "w") as handle:
            for path in sorted(folder.rglob("*")):
                if path.is_file():
                    handle.write(path, path.relative_to(folder).as_posix())
        shutil.rmtree(folder)
        folder.mkdir()
        shutil.move(str(folder.with_name(inner)), folder / inner)
    return folder


# --- the checkout stays as it was ----------------------------------------------------------

_CHECKOUT_BEFORE: dict[str, object] = {}


def _checkout_state() -> tuple[str, frozenset[str]] | None:
    """git's view of the checkout (changed and untracked files, ignored ones too outside
    caches) and every file under solutions/ and exercises/; None outside a git checkout."""
    import subprocess

    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=all", "--ignored"],
            cwd=KIT.root,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if status.returncode != 0:
        return None
    caches = ("__pycache__", ".pytest_cache", ".hypothesis", ".ruff_cache", ".egg-info")
    lines = [
        line for line in status.stdout.splitlines() if not any(cache in line for cache in caches)
    ]
    files = frozenset(
        str(path.relative_to(KIT.root))
        for folder in (KIT.solutions, KIT.exercises)
        for path in folder.rglob("*")
        if "__pycache__" not in path.parts
    )
    return "\n".join(sorted(lines)), files


def pytest_sessionstart(session: pytest.Session) -> None:
    state = _checkout_state()
    if state is not None:
        _CHECKOUT_BEFORE["state"] = state


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Tests write only in their temporary folders: a run that changed the checkout (a
    hostile scenario's file in solutions/, a report at the top) fails, naming the change."""
    before = _CHECKOUT_BEFORE.get("state")
    after = _checkout_state() if before is not None else None
    if before is None or after is None or after == before:
        return
    status_before, files_before = before  # type: ignore[misc]
    status_after, files_after = after
    changed = sorted(set(status_after.splitlines()) - set(status_before.splitlines()))
    changed += sorted(f"new file {name}" for name in files_after - files_before)
    changed += sorted(f"removed {name}" for name in files_before - files_after)
    if not changed:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = "the test run changed the checkout:\n  " + "\n  ".join(changed[:20])
    if reporter is not None:
        reporter.write_line(f"FAILED (checkout changed): {message}", red=True)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


# --- golden files: tests/fixtures/<scenario>/expected.json --------------------------------

GOLDEN_FILE = "expected.json"
PASSED = {"status": "passed", "misconceptions": []}


REVIEW = {"status": "review", "misconceptions": []}


def golden_summary(outcomes) -> dict[str, dict]:
    """What a golden file pins of a result: each check that did not end as it should (its
    status and misconceptions); every check not listed passed, or awaits review where it
    is a manual item. A new check changes no golden file unless a scenario fails it."""
    summary = {}
    for outcome in outcomes:
        entry = {"status": outcome.status.value, "misconceptions": list(outcome.misconceptions)}
        if entry != (REVIEW if outcome.manual else PASSED):
            summary[outcome.check_id] = entry
    return summary


def golden_outcomes(scenario) -> dict[str, dict]:
    """Every check's expected {status, misconceptions} for a scenario folder, from its
    golden file (checks it does not list passed, or await review if manual)."""
    import json

    from grader.checks.catalog import discover_checks

    listed = json.loads((scenario / GOLDEN_FILE).read_text(encoding="utf-8"))
    return {
        spec.check_id: listed.get(spec.check_id, dict(REVIEW if spec.manual else PASSED))
        for spec in discover_checks()
    }


def visible_checks_of(exercise: str) -> int:
    """How many visible checks an exercise file has (tests never pin the count: adding a
    check must not mean editing them)."""
    from grader.checks.catalog import Category, discover_checks

    return sum(1 for spec in discover_checks((Category.VISIBLE,)) if spec.exercise == exercise)
