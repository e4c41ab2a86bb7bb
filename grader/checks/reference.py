"""The expected values: from the reference solutions, or replayed from a recording.

When grading, the reference solutions run here in the grading process (trusted code) and
never in a learner's worker. A learner's self-check has no solutions: the visible checks'
expected values were recorded from the solutions when the bundle was released, and are
replayed. Answer and hidden checks never run there, so nothing of theirs is recorded.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import json
import sys
import threading
from collections import OrderedDict
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


def call_key(module: str, function: str, args: tuple, kwargs: dict) -> str:
    """A stable key for one reference call: the hash of its plain-data encoding."""
    payload = json.dumps(
        encode_value([module, function, list(args), kwargs]), sort_keys=True, allow_nan=False
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


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
    """Answers from the solutions and keeps every answer, to be replayed later."""

    def __init__(self, inner: SolutionReference) -> None:
        self.inner = inner
        self.recorded: dict[str, Any] = {}

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        value = self.inner.call(module, function, *args, **kwargs)
        self.recorded[call_key(module, function, args, kwargs)] = encode_value(value)
        return value

    def get(self, module: str, name: str) -> Any:
        value = self.inner.get(module, name)
        self.recorded[call_key(module, name, (), {})] = encode_value(value)
        return value

    def dump(self, path: Path) -> None:
        path.write_text(
            json.dumps(self.recorded, sort_keys=True, indent=0, allow_nan=False) + "\n",
            encoding="utf-8",
        )


class ReplayReference:
    """Answers from a recording; a call that was not recorded skips its check."""

    def __init__(self, recording: dict[str, Any]) -> None:
        self.recording = recording

    @classmethod
    def load(cls, path: Path) -> ReplayReference:
        return cls(json.loads(path.read_text(encoding="utf-8")))

    def call(self, module: str, function: str, *args: Any, **kwargs: Any) -> Any:
        return self._lookup(call_key(module, function, args, kwargs))

    def get(self, module: str, name: str) -> Any:
        return self._lookup(call_key(module, name, (), {}))

    def _lookup(self, key: str) -> Any:
        if key not in self.recording:
            raise CheckSkipped("needs the reference solutions: graded when you submit")
        return decode_value(self.recording[key])
