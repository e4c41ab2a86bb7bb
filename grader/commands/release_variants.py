"""What every known wrong variant returns on the visible checks' fixed inputs, recorded at
`release` so that a learner's self-check can name misconceptions without their code.

The kit's grader/checks/variants.py computes known mistakes with code close to the
solutions, so the bundle never holds it. While `release` runs the visible checks on the
solutions (to record their expected values), each variant function is wrapped here: its
arguments' key and its value are kept. The bundle's stand-in variants.py
(release_assets/variants.py) answers from that recording, keyed the same way as the
replayed reference, and says "no variant" for any input it was not recorded on.
"""

from __future__ import annotations

import contextlib
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from grader.checks import variants
from grader.checks.reference import call_key
from grader.sandbox.protocol import encode_value

#: The bundle's recording, beside visible_expected.json.
VARIANTS_RECORDING = "visible_variants.json"
#: The key's "module" part, so these keys never meet the reference's.
MODULE = "variants"
#: Variants that read the learner's own result ship as they are (release_assets/variants.py).
SHIPPED_AS_IS = ("zero_division_nan",)
#: The key under which the recording says what a variant gives when nothing matches.
KINDS = "__kinds__"


def recorded_names() -> tuple[str, ...]:
    """Every public variant function of grader/checks/variants.py but those shipped as
    they are: a new variant is recorded without touching this file."""
    return tuple(
        name
        for name, value in vars(variants).items()
        if inspect.isfunction(value)
        and value.__module__ == variants.__name__
        and not name.startswith("_")
        and name not in SHIPPED_AS_IS
    )


def _kind(function: Callable[..., Any]) -> str:
    """ "dict" for a variant that answers {name: value, ...}, else "value"."""
    returns = inspect.signature(function).return_annotation
    return "dict" if returns in (dict, "dict") or str(returns).startswith("dict") else "value"


@contextlib.contextmanager
def recording_variants() -> Iterator[dict[str, Any]]:
    """While in force, every call of a recorded variant is kept: key -> encoded value."""
    originals = {name: getattr(variants, name) for name in recorded_names()}
    recorded: dict[str, Any] = {KINDS: {name: _kind(f) for name, f in originals.items()}}

    def recorder(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def record(*args: Any, **kwargs: Any) -> Any:
            try:  # the key of the inputs as given, before anything could change them
                key: str | None = call_key(MODULE, name, args, kwargs)
            except (TypeError, ValueError):
                key = None
            value = function(*args, **kwargs)
            if key is not None:
                with contextlib.suppress(TypeError, ValueError):
                    recorded[key] = encode_value(value)
            return value

        return record

    for name, function in originals.items():
        setattr(variants, name, recorder(name, function))
    try:
        yield recorded
    finally:
        for name, function in originals.items():
            setattr(variants, name, function)


def dump_variants(recorded: dict[str, Any], path: Path) -> None:
    path.write_text(
        json.dumps(recorded, sort_keys=True, indent=0, allow_nan=False) + "\n", encoding="utf-8"
    )
