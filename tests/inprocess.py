"""Run the checks against a trusted submission inside the test process, without a worker.

The fair-marks tests grade dozens of known submissions (mistake fixtures, generated
trivial implementations) at many seeds; a sandboxed worker per grading would take minutes.
These submissions are the kit's own test fixtures, so running them here is safe. Values
still go through the worker's plain-data encoding, so a check sees what it would see from
a worker. Only what the checks read is imitated: values, warnings, arguments after the
call, and failures as StudentCodeError.
"""

from __future__ import annotations

import contextlib
import copy
import importlib
import inspect
import sys
import traceback
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.checks.catalog import Category, CheckSpec, discover_checks
from grader.checks.framework import RUNNING_CHECK, CheckFailure, CheckSkipped, Learner, seed_for
from grader.paths import EXERCISE_FILES, KitPaths
from grader.sandbox import FailureKind, Limits, StudentCodeError
from grader.sandbox.protocol import decode_value, encode_value
from grader.sandbox.worker import CallResult

LEARNER_MODULES = (*tuple(sorted(Path(name).stem for name in EXERCISE_FILES)), "tickets")


@contextlib.contextmanager
def _own_modules(folder: Path, support: Path) -> Iterator[None]:
    """The learner's bare module names resolve to `folder` (then the kit's support files)
    while importing; sys.modules and sys.path are restored afterwards, so the reference
    solutions keep their own modules."""
    names = set(LEARNER_MODULES) | {path.stem for path in folder.glob("*.py")}
    saved = {name: sys.modules.pop(name) for name in names if name in sys.modules}
    saved_path = list(sys.path)
    sys.path[:0] = [str(folder), str(support)]
    try:
        yield
    finally:
        for name in names:
            sys.modules.pop(name, None)
        sys.modules.update(saved)
        sys.path[:] = saved_path


class InProcessWorker:
    """The Worker protocol the checks use (call, get, given_up, limits), in process."""

    def __init__(self, folder: Path, support: Path) -> None:
        self.limits = Limits()
        self.modules: dict[str, ModuleType | StudentCodeError] = {}
        with _own_modules(folder, support), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for name in LEARNER_MODULES:
                if name == "tickets" or not (folder / f"{name}.py").exists():
                    continue
                try:
                    self.modules[name] = importlib.import_module(name)
                except BaseException as error:
                    self.modules[name] = StudentCodeError(
                        FailureKind.IMPORT_ERROR,
                        f"{name}.py failed to import: {type(error).__name__}: {error}",
                        exception_type=type(error).__name__,
                    )

    def _module(self, module: str) -> ModuleType:
        found = self.modules.get(module)
        if found is None:
            raise StudentCodeError(FailureKind.MISSING_MODULE, f"{module}.py is missing")
        if isinstance(found, StudentCodeError):
            raise found.copy()
        return found

    def call(
        self, module: str, function: str, *args: Any, timeout_s: float | None = None, **kwargs: Any
    ) -> CallResult:
        target = getattr(self._module(module), function, None)
        if not callable(target):
            raise StudentCodeError(FailureKind.MISSING_NAME, f"{module}.{function} is missing")
        args = decode_value(encode_value(list(args)))
        kwargs = decode_value(encode_value(dict(kwargs)))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                value = target(*args, **kwargs)
            except Exception as error:
                text = f"{type(error).__name__}: {error}"
                raise StudentCodeError(
                    FailureKind.EXCEPTION,
                    f"{function}() raised {text}",
                    exception_type=type(error).__name__,
                    traceback=traceback.format_exc(),
                ) from None
        try:
            value = decode_value(encode_value(value))
        except Exception as error:
            raise StudentCodeError(
                FailureKind.BAD_RETURN, f"{function}() returned {type(value).__name__}: {error}"
            ) from None
        texts = tuple(f"{w.category.__name__}: {w.message}" for w in caught)
        return CallResult(
            value=value,
            warnings=texts,
            args_after=tuple(_plain(a) for a in args),
            kwargs_after={key: _plain(item) for key, item in kwargs.items()},
            duration_s=0.0,
            output="",
        )

    def get(self, module: str, name: str) -> object:
        if not hasattr(self._module(module), name):
            raise StudentCodeError(FailureKind.MISSING_NAME, f"{module}.{name} is missing")
        return decode_value(encode_value(copy.deepcopy(getattr(self._module(module), name))))

    def given_up(self) -> set[str]:
        return set()


def _plain(value: Any) -> Any:
    try:
        return decode_value(encode_value(value))
    except Exception:
        return None


@dataclass(frozen=True)
class Verdict:
    """One check's ending: what a golden file pins, plus the message and the calls."""

    status: str  # "passed" or "failed"
    misconceptions: tuple[str, ...]
    message: str
    calls: tuple[str, ...]

    @property
    def key(self) -> tuple[str, tuple[str, ...]]:
        return self.status, self.misconceptions


class InProcessGrader:
    """Runs check functions directly (no pytest, no worker) for many submissions."""

    def __init__(self, kit: KitPaths, reference: Any, tickets: Any) -> None:
        self.kit = kit
        self.reference = reference
        self.tickets = tickets
        self.specs = {spec.check_id: spec for spec in discover_checks()}
        self.functions = {
            spec.check_id: getattr(
                importlib.import_module(f"grader.checks.{spec.category.value}.{spec.exercise}"),
                spec.check_id,
            )
            for spec in self.specs.values()
        }

    def check_ids(self, categories: Iterable[Category], manual: bool = False) -> list[str]:
        wanted = set(categories)
        return [
            spec.check_id
            for spec in self.specs.values()
            if spec.category in wanted and (manual or not spec.manual)
        ]

    def learner(self, folder: Path) -> Learner:
        return Learner(worker=InProcessWorker(folder, self.kit.exercises), submission_dir=folder)

    def run(self, learner: Learner, check_id: str, seed: int) -> Verdict:
        function = self.functions[check_id]
        fixtures = {
            "learner": learner,
            "reference": self.reference,
            "tickets": self.tickets,
            "variants": self.reference.variants,
            "rng": np.random.default_rng(seed_for(seed, check_id)),
        }
        wanted = inspect.signature(function).parameters
        start = len(learner.calls)
        # As the grader's pytest plugin does: the running check, hidden or not.
        running = RUNNING_CHECK.set((check_id, spec_of(self, check_id).hidden))
        try:
            function(**{name: fixtures[name] for name in wanted})
        except CheckFailure as failure:
            return self._verdict("failed", failure.misconceptions, failure.message, learner, start)
        except (StudentCodeError, CheckSkipped) as error:
            return self._verdict("failed", (), str(error), learner, start)
        finally:
            RUNNING_CHECK.reset(running)
        return self._verdict("passed", (), "", learner, start)

    @staticmethod
    def _verdict(status: str, tags: tuple, message: str, learner: Learner, start: int) -> Verdict:
        calls = tuple(dict.fromkeys(learner.calls[start:]))
        return Verdict(status, tuple(tags), message, calls)

    def grade(self, folder: Path, check_ids: Iterable[str], seed: int) -> dict[str, Verdict]:
        learner = self.learner(folder)
        return {check_id: self.run(learner, check_id, seed) for check_id in check_ids}


def spec_of(grader: InProcessGrader, check_id: str) -> CheckSpec:
    return grader.specs[check_id]
