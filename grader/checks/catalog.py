"""The list of checks, read from the check modules without running any of them."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

import grader.checks
from grader.paths import EXERCISE_ORDER

CHECK_PREFIX = "check_"


class Category(str, Enum):
    """Who may see a check; also its folder under grader/checks/."""

    VISIBLE = "visible"
    ANSWERS = "answers"
    HIDDEN = "hidden"


@dataclass(frozen=True)
class CheckSpec:
    check_id: str
    exercise: str  # the exercise file's stem: the check module's name
    category: Category
    manual: bool
    summary: str  # the first line of the check's docstring: what it checks

    @property
    def hidden(self) -> bool:
        return self.category is Category.HIDDEN


def category_folder(category: Category) -> Path:
    return Path(grader.checks.__file__).parent / category.value


def discover_checks(categories: tuple[Category, ...] = tuple(Category)) -> list[CheckSpec]:
    """Every check of the given categories: by exercise in the chapter's order, then by
    category (visible, answers, hidden), then in definition order."""
    specs = []
    for category in categories:
        package = f"grader.checks.{category.value}"
        for info in sorted(pkgutil.iter_modules([str(category_folder(category))])):
            module = importlib.import_module(f"{package}.{info.name}")
            functions = [
                value
                for name, value in vars(module).items()
                if name.startswith(CHECK_PREFIX) and inspect.isfunction(value)
            ]
            for function in sorted(
                functions, key=lambda f: inspect.unwrap(f).__code__.co_firstlineno
            ):
                specs.append(
                    CheckSpec(
                        check_id=function.__name__,
                        exercise=info.name,
                        category=category,
                        manual=bool(getattr(function, "manual", False)),
                        summary=(inspect.getdoc(function) or "").split("\n")[0],
                    )
                )
    exercises = [name.removesuffix(".py") for name in EXERCISE_ORDER]
    return sorted(specs, key=lambda spec: (exercises.index(spec.exercise), category_rank(spec)))


def category_rank(spec: CheckSpec) -> int:
    return list(Category).index(spec.category)
