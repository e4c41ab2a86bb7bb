"""The shipped data: current with its generator, the contract's eight tickets, a useful queue."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from conftest import EIGHT_X_RAW, EIGHT_Y

from grader.datasets import (
    EIGHT_TICKETS_CSV,
    TICKET_QUEUE_CSV,
    make_ticket_queue,
    write_shipped_data,
)
from grader.paths import KitPaths

REBUILD = "run `python -m grader build` to regenerate it"
QUEUE_THRESHOLDS = np.round(np.arange(0.05, 0.96, 0.05), 2)


def _loader(kit: KitPaths) -> ModuleType:
    """solutions/tickets.py, loaded under a private name."""
    spec = importlib.util.spec_from_file_location("_shipped_tickets", kit.solutions / "tickets.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def loader(kit: KitPaths) -> ModuleType:
    return _loader(kit)


@pytest.fixture(scope="module")
def queue_fit() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(y, p, w) of a converged unpenalized fit on the shipped queue."""
    from ex2_learning_rate import stable_lr_bound
    from logistic_scratch import add_intercept, fit_logistic, predict_proba

    X_raw, y = _loader(KitPaths.discover()).load_ticket_queue()
    X = add_intercept(X_raw)
    w = fit_logistic(X, y, lr=stable_lr_bound(X) / 2, epochs=20_000)
    return y, predict_proba(X, w), w


# --- the files ------------------------------------------------------------------------


def test_shipped_csvs_are_what_the_generator_writes(kit: KitPaths, tmp_path: Path) -> None:
    fresh = write_shipped_data(tmp_path)
    assert sorted(path.name for path in fresh) == sorted([EIGHT_TICKETS_CSV, TICKET_QUEUE_CSV])
    for path in fresh:
        shipped = kit.shipped_data / path.name
        assert shipped.is_file(), f"{shipped} is missing: {REBUILD}"
        assert shipped.read_bytes() == path.read_bytes(), f"{shipped} is out of date: {REBUILD}"


def test_write_shipped_data_is_byte_for_byte_repeatable(tmp_path: Path) -> None:
    first = [path.read_bytes() for path in write_shipped_data(tmp_path / "a")]
    second = [path.read_bytes() for path in write_shipped_data(tmp_path / "b")]
    assert first == second
    for content in first:
        assert b"\r" not in content and content.endswith(b"\n")
        assert b"-0.0" not in content


def test_csv_headers_and_ids(kit: KitPaths) -> None:
    eight = (kit.shipped_data / EIGHT_TICKETS_CSV).read_text(encoding="utf-8").splitlines()
    queue = (kit.shipped_data / TICKET_QUEUE_CSV).read_text(encoding="utf-8").splitlines()
    for lines in (eight, queue):
        assert lines[0] == "ticket,length,frustration,escalated"
    assert [line.split(",")[0] for line in eight[1:]] == [f"T{i}" for i in range(1, 9)]
    ids = [line.split(",")[0] for line in queue[1:]]
    assert ids[:3] == ["Q001", "Q002", "Q003"]
    assert ids == [f"Q{i:03d}" for i in range(1, len(ids) + 1)]


# --- the loader -----------------------------------------------------------------------


def test_eight_tickets_are_the_contracts(loader: ModuleType) -> None:
    X_raw, y = loader.load_eight_tickets()
    np.testing.assert_array_equal(X_raw, EIGHT_X_RAW)
    np.testing.assert_array_equal(y, EIGHT_Y)


@pytest.mark.parametrize("function", ["load_eight_tickets", "load_ticket_queue"])
def test_loader_types_shapes_and_fresh_arrays(loader: ModuleType, function: str) -> None:
    X_raw, y = getattr(loader, function)()
    assert X_raw.dtype == np.float64 and X_raw.ndim == 2 and X_raw.shape[1] == 2
    assert np.issubdtype(y.dtype, np.integer) and y.shape == (X_raw.shape[0],)
    assert set(np.unique(y)) == {0, 1}
    X_raw[:] = -1.0  # a learner scribbling on the arrays must not change the next load
    y[:] = 7
    X_again, y_again = getattr(loader, function)()
    assert X_again.min() >= 0.0 and set(np.unique(y_again)) == {0, 1}


def test_loader_uses_only_the_standard_library_and_numpy(kit: KitPaths) -> None:
    source = (kit.solutions / "tickets.py").read_text(encoding="utf-8")
    imports = {
        line.split()[1].split(".")[0]
        for line in source.splitlines()
        if line.startswith(("import ", "from "))
    }
    assert imports <= {"__future__", "csv", "pathlib", "numpy"}
    assert "BEGIN SOLUTION" not in source and "# SOLUTION" not in source


def test_loader_queue_equals_the_generator(loader: ModuleType) -> None:
    X_raw, y = loader.load_ticket_queue()
    X_gen, y_gen = make_ticket_queue()
    np.testing.assert_allclose(X_raw, X_gen, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(y, y_gen)


# --- the queue ------------------------------------------------------------------------


def test_queue_size_prevalence_and_ranges(loader: ModuleType) -> None:
    X_raw, y = loader.load_ticket_queue()
    assert 200 <= len(y) <= 800
    assert 0.15 <= y.mean() <= 0.25
    length, frustration = X_raw[:, 0], X_raw[:, 1]
    assert length.min() >= 0.3 and length.max() <= 8.0
    assert frustration.min() >= 0.0 and frustration.max() <= 10.0
    np.testing.assert_allclose(length * 10, np.round(length * 10), atol=1e-9)  # 0.1 steps
    np.testing.assert_allclose(frustration * 2, np.round(frustration * 2), atol=1e-9)  # halves
    assert len(np.unique(length)) > 20 and len(np.unique(frustration)) > 10


def test_queue_classes_overlap(queue_fit, loader: ModuleType) -> None:
    from logistic_scratch import gradient, roc_auc

    y, p, w = queue_fit
    auc = roc_auc(y, p)
    assert 0.75 < auc < 0.95, f"AUC {auc}: the queue should be neither hopeless nor separable"
    X_raw, _ = loader.load_ticket_queue()
    for column in X_raw.T:  # no single feature splits the classes
        assert column[y == 0].max() >= column[y == 1].min()
    # A finite optimum (gradient zero at finite w) means the data are not separable.
    X = np.column_stack([np.ones(len(y)), X_raw])
    assert np.linalg.norm(gradient(X, y, w)) < 1e-8
    assert np.all(np.isfinite(w)) and np.abs(w).max() < 20


def test_queue_best_f1_and_min_cost_thresholds_differ(queue_fit) -> None:
    from ex3_threshold_sweep import best_f1_threshold, min_cost_threshold

    y, p, _ = queue_fit
    best_f1 = best_f1_threshold(y, p, QUEUE_THRESHOLDS)
    min_cost, _ = min_cost_threshold(y, p, QUEUE_THRESHOLDS, cost_fn=120.0, cost_fp=18.0)
    assert min_cost < best_f1


# --- the generator --------------------------------------------------------------------


def test_generator_is_deterministic_for_a_seed() -> None:
    X1, y1 = make_ticket_queue(seed=7)
    X2, y2 = make_ticket_queue(seed=7)
    np.testing.assert_array_equal(X1, X2)
    np.testing.assert_array_equal(y1, y2)


def test_generator_differs_for_another_seed() -> None:
    X1, y1 = make_ticket_queue(seed=7)
    X2, y2 = make_ticket_queue(seed=8)
    assert not np.array_equal(X1, X2)
    assert not np.array_equal(y1, y2)


def test_generator_arguments() -> None:
    X, y = make_ticket_queue(n=123, seed=3)
    assert X.shape == (123, 2) and y.shape == (123,)
    # A shorter queue is the start of a longer one with the same seed.
    X_long, y_long = make_ticket_queue(n=400, seed=3)
    np.testing.assert_array_equal(X, X_long[:123])
    np.testing.assert_array_equal(y, y_long[:123])
    # The intercept moves the prevalence.
    _, y_low = make_ticket_queue(n=2000, seed=3, intercept=-8.0)
    _, y_high = make_ticket_queue(n=2000, seed=3, intercept=-4.5)
    assert y_low.mean() < 0.1 < 0.3 < y_high.mean()
    with pytest.raises(ValueError):
        make_ticket_queue(n=0)


@pytest.mark.parametrize("seed", [0, 1, 2, 3, 4])
def test_other_seeds_give_usable_queues(seed: int) -> None:
    """Hidden checks may draw queues with other seeds: they must look like the shipped one."""
    X, y = make_ticket_queue(seed=seed)
    assert 0.1 <= y.mean() <= 0.3
    assert X[:, 0].min() >= 0.3 and X[:, 0].max() <= 8.0
    assert X[:, 1].min() >= 0.0 and X[:, 1].max() <= 10.0
