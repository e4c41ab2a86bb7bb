"""The expected values and the known wrong ones: from the kit's own code, or replayed.

When grading, the reference solutions run here in the grading process (trusted code) and
never in a learner's worker; so do the known wrong variants (grader/checks/variants.py,
what each misconception returns), which checks get as the `variants` fixture, from the
reference (`Reference.variants`). A learner's self-check has neither: the visible checks'
expected values and every variant's value on the same inputs were recorded when the
bundle was released, and are replayed. Answer and hidden checks never run there, so
nothing of theirs is recorded.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import inspect
import json
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from grader.checks.framework import CheckSkipped
from grader.sandbox.protocol import decode_value, encode_value


class SolutionReference:
    """Calls into the reference solutions, loaded from a solutions folder."""

    CACHE_SIZE = 256  # answers kept: a batch asks the same visible questions every time

    def __init__(self, solutions_dir: Path) -> None:
        self.solutions_dir = solutions_dir.resolve()
        self._modules: dict[str, ModuleType] = {}
        self._answers: OrderedDict[bytes, Any] = OrderedDict()
        self._importing = threading.Lock()  # preload's thread and the checks' calls

    def module(self, name: str) -> ModuleType:
        with self._importing:
            if name not in self._modules:
                self._modules[name] = self._import(name)
            return self._modules[name]

    def preload(self) -> threading.Thread:
        """Import every solution module in a background thread, so that scikit-learn's
        import (about 1 s) overlaps the sandbox's start-up instead of delaying the first
        submission's checks. A module that fails to import here fails again, in its
        check, when it is asked for."""

        def load() -> None:
            for path in sorted(self.solutions_dir.glob("*.py")):
                with contextlib.suppress(Exception):
                    self.module(path.stem)

        thread = threading.Thread(target=load, name="reference-preload", daemon=True)
        thread.start()
        return thread

    def _import(self, name: str) -> ModuleType:
        # The solutions import each other by their bare names, as learners' files do.
        loaded = sys.modules.get(name)
        if loaded is not None:
            if Path(getattr(loaded, "__file__", "")).resolve().parent != self.solutions_dir:
                raise RuntimeError(f"a module named {name!r} from elsewhere is already loaded")
            return loaded
        sys.path.insert(0, str(self.solutions_dir))
        try:
            return importlib.import_module(name)
        finally:
            sys.path.remove(str(self.solutions_dir))

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        """The reference's answer, remembered (by the hash of the call) for later
        submissions; every caller gets its own copy."""
        try:
            key: bytes | None = _answer_key(module, function, args, kwargs)
        except TypeError:  # arguments that are not plain data: not cached
            key = None
        if key is not None and key in self._answers:
            self._answers.move_to_end(key)
            return copy.deepcopy(self._answers[key])
        # Copies, so that the reference cannot disturb the arguments a check reuses.
        target = getattr(self.module(module), function)
        value = target(*copy.deepcopy(args), **copy.deepcopy(kwargs))
        if key is not None:
            self._answers[key] = copy.deepcopy(value)
            while len(self._answers) > self.CACHE_SIZE:
                self._answers.popitem(last=False)
        return value

    def get(self, module: str, name: str) -> Any:
        return copy.deepcopy(getattr(self.module(module), name))

    @property
    def variants(self) -> ModuleType:
        """The known wrong variants' own code (never in a learner's bundle)."""
        from grader.checks import variants

        return variants


def call_key(module: str, function: str, args: tuple, kwargs: dict) -> str:
    """A stable key for one reference call: the hash of its plain-data encoding."""
    payload = json.dumps(
        encode_value([module, function, list(args), kwargs]), sort_keys=True, allow_nan=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


#: The key part that keeps the variants' recorded calls apart from the reference's.
VARIANTS = "variants"
#: In a variants recording: name -> "dict" or "value", what a variant gives when nothing
#: was recorded for an input ({} or None: "no variant").
KINDS = "__kinds__"


def variant_names(module: ModuleType) -> tuple[str, ...]:
    """Every public function of a variants module: each one is recorded, none is listed."""
    return tuple(
        name
        for name, value in vars(module).items()
        if inspect.isfunction(value) and value.__module__ == module.__name__ and name[0] != "_"
    )


def _kind(function: Callable[..., Any]) -> str:
    returns = inspect.signature(function).return_annotation
    return "dict" if returns in (dict, "dict") or str(returns).startswith("dict") else "value"


class RecordingVariants:
    """The variants' own code, keeping every value it gives (key -> encoded value)."""

    def __init__(self, inner: ModuleType) -> None:
        self.inner = inner
        names = variant_names(inner)
        self.recorded: dict[str, Any] = {KINDS: {n: _kind(getattr(inner, n)) for n in names}}

    def __getattr__(self, name: str) -> Callable[..., Any]:
        function = getattr(self.inner, name)

        def record(*args: Any, **kwargs: Any) -> Any:
            try:  # the key of the inputs as given, before anything could change them
                key: str | None = call_key(VARIANTS, name, args, kwargs)
            except (TypeError, ValueError):
                key = None
            value = function(*args, **kwargs)
            if key is not None:
                with contextlib.suppress(TypeError, ValueError):
                    self.recorded[key] = encode_value(value)
            return value

        return record

    def dump(self, path: Path) -> None:
        _dump(self.recorded, path)


class ReplayVariants:
    """The variants' values from a recording: an input it was not recorded on gets "no
    variant" ({} or None), so the self-check names a misconception only as grading would."""

    def __init__(self, recording: dict[str, Any]) -> None:
        self.recording = recording

    @classmethod
    def load(cls, path: Path) -> ReplayVariants:
        try:
            return cls(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):  # no recording: no misconception is named
            return cls({})

    def __getattr__(self, name: str) -> Callable[..., Any]:
        kinds = self.recording.get(KINDS, {})
        if name not in kinds:
            raise AttributeError(name)
        empty: Any = {} if kinds[name] == "dict" else None

        def lookup(*args: Any, **kwargs: Any) -> Any:
            try:
                key = call_key(VARIANTS, name, args, kwargs)
            except (TypeError, ValueError):
                return empty
            if key not in self.recording:
                return empty
            return decode_value(self.recording[key])

        return lookup


def _dump(recorded: dict[str, Any], path: Path) -> None:
    path.write_text(
        json.dumps(recorded, sort_keys=True, indent=0, allow_nan=False) + "\n", encoding="utf-8"
    )


def _answer_key(module: str, function: str, args: tuple, kwargs: dict) -> bytes:
    """The key of one call in SolutionReference's cache: a hash of the arguments' types
    and bytes (arrays hashed as they are in memory, not encoded as for the protocol, as
    call_key does: a fifth of the reference's time). TypeError for what it does not know."""
    digest = hashlib.sha256()
    _feed(digest, (module, function, args, kwargs))
    return digest.digest()


def _feed(digest: Any, value: Any) -> None:
    kind = type(value)
    if kind is np.ndarray:
        if value.dtype.hasobject:
            raise TypeError("an array of objects")
        digest.update(f"a{value.dtype.str}{value.shape}|".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif kind is list or kind is tuple:
        digest.update(f"{kind.__name__}{len(value)}|".encode())
        for item in value:
            _feed(digest, item)
    elif kind is dict:
        digest.update(f"dict{len(value)}|".encode())
        for key, item in value.items():
            _feed(digest, key)
            _feed(digest, item)
    elif kind is str:
        encoded = value.encode("utf-8", "surrogatepass")
        digest.update(f"str{len(encoded)}|".encode())
        digest.update(encoded)
    elif kind in (int, float, bool, type(None)) or (
        isinstance(value, np.generic) and not isinstance(value, (np.object_, np.void))
    ):
        # repr tells every float apart (and -0.0 from 0.0); the type name, 1 from 1.0.
        digest.update(f"{kind.__name__}:{value!r}|".encode())
    else:
        raise TypeError(f"a {kind.__name__}")


class RecordingReference:
    """Answers from the solutions and keeps every answer, to be replayed later; so do its
    variants."""

    def __init__(self, inner: SolutionReference) -> None:
        self.inner = inner
        self.recorded: dict[str, Any] = {}
        self.variants = RecordingVariants(inner.variants)

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        value = self.inner.call(module, function, *args, **kwargs)
        self.recorded[call_key(module, function, args, kwargs)] = encode_value(value)
        return value

    def get(self, module: str, name: str) -> Any:
        value = self.inner.get(module, name)
        self.recorded[call_key(module, name, (), {})] = encode_value(value)
        return value

    def dump(self, path: Path, variants_path: Path) -> None:
        _dump(self.recorded, path)
        self.variants.dump(variants_path)


class ReplayReference:
    """Answers from a recording; a call that was not recorded skips its check."""

    def __init__(self, recording: dict[str, Any], variants: ReplayVariants) -> None:
        self.recording = recording
        self.variants = variants

    @classmethod
    def load(cls, path: Path, variants_path: Path) -> ReplayReference:
        recording = json.loads(path.read_text(encoding="utf-8"))
        return cls(recording, ReplayVariants.load(variants_path))

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._lookup(call_key(module, function, args, kwargs))

    def get(self, module: str, name: str) -> Any:
        return self._lookup(call_key(module, name, (), {}))

    def _lookup(self, key: str) -> Any:
        if key not in self.recording:
            raise CheckSkipped("needs the reference solutions: graded when you submit")
        return decode_value(self.recording[key])
