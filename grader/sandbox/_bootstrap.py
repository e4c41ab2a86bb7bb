"""The worker's side of the sandbox, and the plain-data codec both sides share.

This file is run in the worker as ``python -I -B -c <this file's text>``: the parent reads
the text and passes it, so the grader package is never on the worker's path. It must
therefore stay self-contained: the standard library and NumPy only, no grader imports.
The parent imports it too, for the codec and the framing (``if __name__ == "__main__"``
guards the worker loop).

Values cross the boundary as JSON with a few tagged forms, never pickle:
``{"__float__": "nan"|"inf"|"-inf"}``, ``{"__dict__": [[key, value], ...]}``,
``{"__ndarray__": <base64 of np.save bytes, allow_pickle=False>}`` and
``{"__ellipsis__": true}``. Messages are framed as an 8-byte big-endian length and UTF-8
JSON.
"""

from __future__ import annotations

import base64
import binascii
import builtins
import contextlib
import errno
import faulthandler
import functools
import importlib
import importlib.abc
import importlib.machinery
import io
import json
import linecache  # noqa: F401  (preloaded: traceback uses it lazily, see main)
import math
import operator
import os
import re
import struct
import sys
import time
import tokenize  # noqa: F401  (preloaded: linecache uses it lazily, see main)
import traceback
import warnings
from typing import Any, ClassVar

try:
    import fcntl
except ImportError:  # Windows: the channel stays where it is, not inheritable
    fcntl = None  # type: ignore[assignment]

import numpy as np
import numpy.lib.format as npy_format

HEADER = struct.Struct(">Q")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
# Arrays are base64 in JSON (4/3 larger) next to args_after: keep headroom below the cap.
MAX_ARRAY_BYTES = MAX_MESSAGE_BYTES // 2
MAX_DEPTH = 64
# JSON values per message (counted as commas and opening brackets, which bounds them from
# above): a flood of tiny values just under the 64 MB cap parses to about 1.5 GB of Python
# objects in the grading process; this many take at most about 0.1 GB. An array is one
# value (a base64 string), so honest results stay far below it.
MAX_VALUES = 1_000_000
MAX_NDIM = 32
ARRAY_KINDS = "biufcUS"  # bool, ints, floats, complex, text: no objects, records or dates
_NONFINITE = {"nan": math.nan, "inf": math.inf, "-inf": -math.inf}
_NPY_MAGIC = b"\x93NUMPY\x01\x00"
_NPY_HEADER = re.compile(
    rb"\{'descr': '([<>|=][biufcUS][0-9]{1,9})', 'fortran_order': (True|False), "
    rb"'shape': \(((?:[0-9]{1,19}, )*(?:[0-9]{1,19},?)?)\), \} *\n"
)

# Short strings the worker sends about failures; the parent truncates again anyway.
MAX_TEXT = 2000
MAX_WARNINGS = 100
MAX_FRAMES = 8


class ValueRefused(Exception):
    """A value that cannot be sent as plain data; `reason` is "type", "large" or "deep"."""

    def __init__(self, reason: str, type_name: str = "", nested: bool = False) -> None:
        super().__init__(reason, type_name)
        self.reason = reason
        self.type_name = type_name
        self.nested = nested


class ProtocolError(Exception):
    """Data from the other side that does not follow the protocol."""


# --- encoding: Python value -> JSON-ready plain data ----------------------------------------


def encode_value(value: Any, _depth: int = 0) -> Any:
    """Plain JSON-ready data for `value`; raises ValueRefused for anything else.

    Subclasses of float, int, str, list, tuple and dict become their base type, so no
    method of the learner's class (a lying __eq__, say) reaches the grader.
    """
    kind = type(value)
    if value is None or kind is bool or kind is str:
        return value
    if kind is int:
        return value
    if kind is float:
        return value if math.isfinite(value) else {"__float__": _float_tag(value)}
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if _depth >= MAX_DEPTH:
        raise ValueRefused("deep", kind.__name__)
    if kind is list or kind is tuple:
        return [encode_value(item, _depth + 1) for item in value]
    if kind is dict:
        return _encode_dict(value, _depth)
    if isinstance(value, np.ndarray):
        return _encode_array(value, _depth)
    if isinstance(value, np.generic):
        return _encode_numpy_scalar(value, _depth)
    return _encode_other(value, _depth)


def _float_tag(value: float) -> str:
    if math.isnan(value):
        return "nan"
    return "inf" if value > 0 else "-inf"


def _encode_dict(value: dict, depth: int) -> dict:
    items = []
    for key, item in dict.items(value):
        items.append([_encode_key(key, depth + 1), encode_value(item, depth + 1)])
    return {"__dict__": items}


def _encode_key(key: Any, depth: int) -> Any:
    encoded = encode_value(key, depth)
    if not _is_key(encoded):
        raise ValueRefused("type", type(key).__name__, nested=True)
    return encoded


def _is_key(encoded: Any) -> bool:
    # Keys must decode to something hashable: scalars, strings, or tuples of them.
    if encoded is None or type(encoded) in (bool, int, float, str):
        return True
    if type(encoded) is dict:
        return "__float__" in encoded or "__ellipsis__" in encoded
    if type(encoded) is list:
        return all(_is_key(item) for item in encoded)
    return False


def _encode_array(value: np.ndarray, depth: int) -> Any:
    array = np.asarray(value)  # drops ndarray subclasses (matrix, masked) and their methods
    if array.dtype.kind == "O":
        # Ragged or mixed results: send their elements, each checked like any value.
        return encode_value(array.tolist(), depth + 1)
    if array.dtype.kind not in ARRAY_KINDS or array.dtype.fields is not None:
        raise ValueRefused("type", f"array of {array.dtype}", nested=depth > 0)
    if array.nbytes > MAX_ARRAY_BYTES:
        raise ValueRefused("large", "array")
    return {"__ndarray__": base64.b64encode(npy_bytes(array)).decode("ascii")}


def npy_bytes(array: np.ndarray) -> bytes:
    """The .npy file np.save(allow_pickle=False) writes for a C-ordered copy of `array`.

    Written here rather than by np.save: 3x faster for small arrays, and the same bytes
    whatever the NumPy version, so hashes of encoded arguments stay stable.
    """
    data = array if array.flags.c_contiguous else array.copy(order="C")  # keeps 0-d shapes
    header = f"{{'descr': {data.dtype.str!r}, 'fortran_order': False, 'shape': {data.shape!r}, }}"
    if data.shape:  # numpy's room for the first axis to grow to 21 digits in place
        header += " " * (21 - len(str(data.shape[0])))
    padding = -(len(_NPY_MAGIC) + 2 + len(header) + 1) % 64  # numpy aligns data to 64 bytes
    text = (header + " " * padding + "\n").encode("latin1")
    return _NPY_MAGIC + len(text).to_bytes(2, "little") + text + data.tobytes()


def _encode_numpy_scalar(value: np.generic, depth: int) -> Any:
    item = value.item()
    if type(item) in (bool, int, float, str):
        return encode_value(item, depth)
    # complex, longdouble, bytes, dates: as a 0-d array, which keeps or refuses the dtype.
    return _encode_array(np.asarray(value), depth)


def _encode_other(value: Any, depth: int) -> Any:
    # bool cannot be subclassed; the order below puts numbers before containers.
    if isinstance(value, float):
        return encode_value(float.__float__(value), depth)
    if isinstance(value, int):
        return int.__int__(value)
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, dict):
        return _encode_dict(dict(dict.items(value)), depth)
    if isinstance(value, (list, tuple)):
        return [encode_value(item, depth + 1) for item in list(value)]
    if isinstance(value, complex):
        return _encode_array(np.asarray(complex.__complex__(value)), depth)
    try:
        array = np.asarray(value)
    except Exception:
        raise ValueRefused("type", type(value).__name__, nested=depth > 0) from None
    if array.dtype.kind not in "biufc":
        raise ValueRefused("type", type(value).__name__, nested=depth > 0)
    return _encode_array(array, depth)


# --- decoding: plain data -> Python value, strictly ---------------------------------------


def decode_value(data: Any, _depth: int = 0) -> Any:
    """The value `data` encodes; raises ProtocolError on anything the encoder cannot make."""
    kind = type(data)
    if data is None or kind is bool or kind is int:
        return data
    if kind is float:
        if not math.isfinite(data):
            raise ProtocolError("a bare non-finite float")
        return data
    if kind is str:
        return _clean_text(data)
    if _depth >= MAX_DEPTH + 2:
        raise ProtocolError("nested too deeply")
    if kind is list:
        return [decode_value(item, _depth + 1) for item in data]
    if kind is not dict or len(data) != 1:
        raise ProtocolError(f"unexpected {kind.__name__}")
    ((tag, payload),) = data.items()
    if tag == "__float__":
        if type(payload) is not str or payload not in _NONFINITE:
            raise ProtocolError("bad __float__")
        return _NONFINITE[payload]
    if tag == "__ellipsis__":
        if payload is not True:
            raise ProtocolError("bad __ellipsis__")
        return Ellipsis
    if tag == "__dict__":
        return _decode_dict(payload, _depth)
    if tag == "__ndarray__":
        if type(payload) is not str:
            raise ProtocolError("bad __ndarray__")
        return decode_array(payload)
    raise ProtocolError(f"unknown tag {str(tag)[:40]!r}")


def _clean_text(text: str) -> str:
    # JSON may carry lone surrogates, which cannot be written as UTF-8 later.
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _decode_dict(payload: Any, depth: int) -> dict:
    if type(payload) is not list:
        raise ProtocolError("bad __dict__")
    result = {}
    for pair in payload:
        if type(pair) is not list or len(pair) != 2:
            raise ProtocolError("bad __dict__ item")
        key = _hashable(decode_value(pair[0], depth + 1))
        result[key] = decode_value(pair[1], depth + 1)
    return result


def _hashable(key: Any) -> Any:
    if key is None or type(key) in (bool, int, float, str) or key is Ellipsis:
        return key
    if type(key) is list:
        return tuple(_hashable(item) for item in key)
    raise ProtocolError("a dict key that is not a scalar, a string or a tuple")


def decode_array(payload: str) -> np.ndarray:
    """An array from base64 .npy bytes, checked before NumPy reads it, without pickle.

    Raises ProtocolError for anything wrong, whatever NumPy itself would raise (a dtype of
    item size 0, say): the bytes come from the learner's side.
    """
    try:
        return _decode_array(payload)
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError(f"unreadable array ({type(error).__name__})") from None


def _decode_array(payload: str) -> np.ndarray:
    try:
        raw = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError):
        raise ProtocolError("bad base64 in __ndarray__") from None
    parsed = _parse_npy_header(raw)
    if parsed is not None:
        shape, fortran, dtype, offset = parsed
    else:
        shape, fortran, dtype, offset = _parse_npy_header_slowly(raw)
    # Check the header's promises against the bytes, so a forged shape allocates nothing.
    if dtype.hasobject or dtype.fields is not None or dtype.kind not in ARRAY_KINDS:
        raise ProtocolError(f"refused array dtype {dtype}")
    if len(shape) > MAX_NDIM or any(type(n) is not int or n < 0 for n in shape):
        raise ProtocolError("bad array shape")
    count = math.prod(shape)
    if dtype.itemsize == 0:  # "|S0": NumPy cannot view bytes as it
        raise ProtocolError(f"refused array dtype {dtype}")
    if count * dtype.itemsize != len(raw) - offset:
        raise ProtocolError("array data does not match its header")
    # What np.load(allow_pickle=False) does once the header is read, without a second
    # parse of the header; copied, so that it is writable and owns its memory.
    flat = np.frombuffer(raw, dtype=dtype, count=count, offset=offset)
    if fortran:
        return flat.reshape(shape[::-1]).transpose().copy(order="K")
    return flat.reshape(shape).copy()


def _parse_npy_header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int] | None:
    """The header np.save writes for plain dtypes, read by a strict pattern; None when
    it does not match (then NumPy's own reader decides)."""
    if not raw.startswith(_NPY_MAGIC) or len(raw) < 10:
        return None
    end = 10 + int.from_bytes(raw[8:10], "little")
    match = _NPY_HEADER.fullmatch(raw[10:end])
    if match is None:
        return None
    try:
        dtype = np.dtype(match[1].decode("ascii"))
    except TypeError:
        raise ProtocolError("bad array dtype") from None
    shape = tuple(int(part) for part in match[3].split(b",") if part.strip())
    return shape, match[2] == b"True", dtype, end


def _parse_npy_header_slowly(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    stream = io.BytesIO(raw)
    try:
        version = npy_format.read_magic(stream)
        if version == (1, 0):
            shape, fortran, dtype = npy_format.read_array_header_1_0(stream)
        elif version == (2, 0):
            shape, fortran, dtype = npy_format.read_array_header_2_0(stream)
        else:
            raise ProtocolError(f"unsupported .npy version {version}")
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError(f"bad .npy header ({type(error).__name__})") from None
    if type(shape) is not tuple or type(fortran) is not bool:
        raise ProtocolError("bad .npy header")
    return shape, fortran, dtype, stream.tell()


# --- framing ---------------------------------------------------------------------------


def dump_message(message: Any) -> bytes:
    """One frame: 8-byte big-endian length, then the JSON text (ASCII, so valid UTF-8)."""
    body = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("ascii")
    return HEADER.pack(len(body)) + body


def _reject_constant(name: str) -> Any:
    raise ProtocolError(f"JSON constant {name} is not allowed")


def count_values(body: bytes) -> int:
    """An upper bound of the JSON values in `body` (each but the first follows a comma or
    opens a container); C-speed, before anything is parsed."""
    return body.count(b",") + body.count(b"[") + body.count(b"{") + 1


def load_message(body: bytes) -> Any:
    """Parse one frame's body; any malformation, and more than MAX_VALUES values, raises
    ProtocolError (never another exception: the body may be forged)."""
    if count_values(body) > MAX_VALUES:
        raise ProtocolError(f"a message of more than {MAX_VALUES} values")
    try:
        return json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except ProtocolError:
        raise
    except Exception as error:
        raise ProtocolError(f"unreadable JSON ({type(error).__name__})") from None


def _read_exactly(fd: int, count: int) -> bytes:
    chunks, missing = [], count
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


# --- the worker ----------------------------------------------------------------------------


class _HidePackage(importlib.abc.MetaPathFinder):
    """Refuses imports of the grader's own package, which may be pip-installed (its
    answer files must not be importable); a learner's file of that name still loads."""

    def __init__(self, package: str, root: str) -> None:
        self.package = package
        self.root = root

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if fullname.partition(".")[0] != self.package:
            return None
        base = os.path.join(self.root, self.package)
        if os.path.isfile(base + ".py") or os.path.isdir(base):
            return None
        raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)


# Packages a from-scratch file may not reach (a request with "from_scratch": true).
FENCED_PACKAGES = frozenset({"sklearn", "scipy"})
FROM_SCRATCH_MESSAGE = (
    "it reached {reached}; this file is written from scratch: NumPy and the standard "
    "library only, no scikit-learn or SciPy"
)
_REACHED: list[str] = []  # what fenced code reached, since the fence went up


def _fenced_name(name: Any) -> bool:
    return type(name) is str and name.partition(".")[0] in FENCED_PACKAGES


# What _fenced_name accepts, as one C-level test per name: the package itself, or a
# name that starts with "package." (a fence sieves about 1,200 names, twice).
_FENCED_PREFIXES = tuple(sorted(f"{package}." for package in FENCED_PACKAGES))


def _fenced_names() -> list[str]:
    """The names in sys.modules that _fenced_name accepts, in one cheap pass."""
    return [
        name
        for name in list(sys.modules)
        if type(name) is str and (name in FENCED_PACKAGES or name.startswith(_FENCED_PREFIXES))
    ]


def fenced_package_roots() -> list[tuple[str, str]]:
    """(package, folder) of each fenced package as installed for this Python, found
    without importing it (the grader hides these folders from the from-scratch worker)."""
    roots = []
    for package in sorted(FENCED_PACKAGES):
        spec = importlib.machinery.PathFinder.find_spec(package)
        roots += [(package, root) for root in (spec and spec.submodule_search_locations) or ()]
    return roots


@functools.cache
def installed_fenced_names() -> tuple[str, ...]:
    """The module names of the fenced packages as installed, read from their folders
    without importing them (their test suites left out): where none of them is loaded (the
    from-scratch file's own worker), a tripwire stands for each while a fence is up, so
    that a look into sys.modules["sklearn.metrics"] is noted as it is where they are
    loaded. Found once per process (the zygote finds them before it forks)."""
    names = []
    for package, root in fenced_package_roots():
        for folder, folders, files in os.walk(root):
            folders[:] = sorted(
                name
                for name in folders
                if name.isidentifier()
                and name != "tests"
                and os.path.isfile(os.path.join(folder, name, "__init__.py"))
            )
            inside = os.path.relpath(folder, root)
            prefix = package if inside == "." else f"{package}.{inside.replace(os.sep, '.')}"
            names.append(prefix)
            for file in sorted(files):
                stem = file.partition(".")[0]
                if file.endswith((".py", ".so", ".pyd")) and stem.isidentifier():
                    names.append(f"{prefix}.{stem}")
    return tuple(name for name in dict.fromkeys(names) if not name.endswith(".__init__"))


def warm_up() -> None:
    """Called by a zygote before it forks: what every worker would otherwise do first."""
    if not _fenced_names():  # the from-scratch zygote: nothing fenced loaded
        installed_fenced_names()


class _Tripwire:
    """Stands in sys.modules for a hidden scikit-learn or SciPy module while a fenced
    request runs: `import` hands it out, any use of it (an attribute, a from-import) is
    refused and noted. A reference saved at import time stays a tripwire for good."""

    def __init__(self, name: str) -> None:
        object.__setattr__(self, "_tripwire_name", name)

    def __getattr__(self, attribute: str) -> Any:
        name = object.__getattribute__(self, "_tripwire_name")
        # The import machinery asks for __spec__ or __path__: the module itself was reached.
        _REACHED.append(name if attribute.startswith("__") else f"{name}.{attribute}"[:200])
        raise ImportError(f"{name} cannot be used here (the from-scratch rule)")

    def __setattr__(self, attribute: str, value: Any) -> None:
        self.__getattr__(attribute)

    def __repr__(self) -> str:
        return f"<module {object.__getattribute__(self, '_tripwire_name')!r} (not available)>"


class _Wires:
    """The tripwires of the last fence, by name, made once and reused while the fenced
    names stay the same (they hold nothing but their name)."""

    names: ClassVar[list[str]] = []
    by_name: ClassVar[dict[str, _Tripwire]] = {}
    values: ClassVar[list[_Tripwire]] = []

    @classmethod
    def of(cls, names: list[str]) -> dict[str, _Tripwire]:
        if names != cls.names:  # a list of the same strings compares at C speed
            known = cls.by_name
            cls.by_name = {name: known.get(name) or _Tripwire(name) for name in names}
            cls.names, cls.values = names, list(cls.by_name.values())
        return cls.by_name


class _FenceFinder(importlib.abc.MetaPathFinder):
    """Refuses every import of scikit-learn and SciPy, noting it (a computed name too)."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> None:
        if _fenced_name(fullname):
            _REACHED.append(f"import {fullname}"[:200])
            raise ModuleNotFoundError(f"No module named {fullname!r}", name=fullname)
        return None


class _Fence:
    """scikit-learn and SciPy out of reach for the code run inside: their modules replaced
    by tripwires in sys.modules (the installed names too, where they are not loaded), their
    import refused; the loaded ones put back for other requests, which may use them.

    The grader sends every from-scratch request to a worker of its own that never loaded
    them (worker.Worker), where the fence stays up: a fence alone cannot hide modules that
    are in the process's memory. Elsewhere it stays up from one fenced request to the next
    and comes down before a request that is not fenced. Checking it after a request
    compares sys.modules with how the fence left it, at C speed."""

    def __init__(self) -> None:
        self.up = False
        self._finder = _FenceFinder()
        self._saved: dict[str, Any] = {}
        self._names: list[str] = []
        self._keys: list[Any] = []  # sys.modules as the fence left it: keys, values
        self._values: list[Any] = []

    @contextlib.contextmanager
    def request(self) -> Any:
        """Around one fenced request. Yields the list of what was reached, complete once
        the block ends (a real module that got into sys.modules anyway included: the
        fence then comes down, taking it out)."""
        if not self.up:
            self._raise()
        meta_path = sys.meta_path
        if not meta_path or meta_path[0] is not self._finder:  # taken out by the last one
            with contextlib.suppress(ValueError):
                meta_path.remove(self._finder)
            meta_path.insert(0, self._finder)
        reached: list[str] = []
        del _REACHED[:]
        try:
            yield reached
        finally:
            got_in = [] if self._unchanged() else self.lower()
            reached.extend(dict.fromkeys([*_REACHED, *got_in]))
            del _REACHED[:]

    def _raise(self) -> None:
        modules = sys.modules
        loaded = _fenced_names()
        self._saved = dict(zip(loaded, map(modules.__getitem__, loaded), strict=True))
        # Names not loaded get a tripwire too (all of them, in the from-scratch worker).
        names = loaded + [name for name in installed_fenced_names() if name not in self._saved]
        self._names = names
        modules.update(_Wires.of(names))  # type: ignore[arg-type]
        self._keys, self._values = list(modules), list(modules.values())
        self.up = True

    def _unchanged(self) -> bool:
        # Identity, never ==: an object put there could say it equals anything. The same
        # keys, in the same order, with the same values: nothing got in, nothing left.
        modules = sys.modules
        return (
            len(modules) == len(self._keys)
            and all(map(operator.is_, modules, self._keys))
            and all(map(operator.is_, modules.values(), self._values))
        )

    def lower(self) -> list[str]:
        """Put the real modules back; return what got into sys.modules under a fenced name
        other than our tripwires ("sys.modules['sklearn']"), which is taken out."""
        got_in: list[str] = []
        if not self.up:
            return got_in
        self.up = False
        modules = sys.modules
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(self._finder)
        after = _fenced_names()
        changed = after != self._names or not all(
            map(operator.is_, map(modules.__getitem__, after), _Wires.values)
        )
        wires = _Wires.by_name
        for name in after:
            # Something other than our tripwires is noted; what was not loaded before (a
            # tripwire of a name not loaded, or what got in) is taken out, and the real
            # modules are put back just below.
            if changed and modules[name] is not wires.get(name):
                got_in.append(f"sys.modules[{name!r}]"[:200])
            if name not in self._saved:
                del modules[name]
        modules.update(self._saved)
        self._saved, self._keys, self._values = {}, [], []
        return got_in


class _Session:
    """Handles requests one by one; modules stay imported between them."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.modules: dict[str, Any] = {}
        self.fence = _Fence()

    # Requests -------------------------------------------------------------------------

    def handle(self, request: Any) -> dict:
        if type(request) is not dict or type(request.get("op")) is not str:
            return {"ok": False, "kind": "PROTOCOL", "detail": "bad request"}
        op = request["op"]
        module_name = request.get("module")
        if type(module_name) is not str:
            return {"ok": False, "kind": "PROTOCOL", "detail": "bad module name"}
        if request.get("from_scratch") is not True:
            self.fence.lower()
            return self._handle(op, module_name, request)
        with self.fence.request() as reached:
            response = self._handle(op, module_name, request)
        if reached:  # whatever the code did with it, the answer does not count
            shown = ", ".join(reached[:3])
            response = {
                "ok": False,
                "kind": "IMPORT_ERROR" if op == "import" else "EXCEPTION",
                "exception_type": "ImportError",
                "message": FROM_SCRATCH_MESSAGE.format(reached=shown),
                "frames": [],
                "reached": reached[:10],
            }
        return response

    def _handle(self, op: str, module_name: str, request: dict) -> dict:
        started = time.perf_counter()
        failure, module = self._import(module_name)
        if failure is not None or op == "import":
            # The module's own code ran: the learner's time, not the grader's.
            return failure or {"ok": True, "duration_s": time.perf_counter() - started}
        name = request.get("name")
        if type(name) is not str:
            return {"ok": False, "kind": "PROTOCOL", "detail": "bad name"}
        if op == "call":
            return self._call(module, name, request.get("args"), request.get("kwargs"))
        if op == "get":
            return self._get(module, name)
        return {"ok": False, "kind": "PROTOCOL", "detail": f"unknown op {op[:40]!r}"}

    def _import(self, name: str) -> tuple[dict | None, Any]:
        if name in self.modules:
            return None, self.modules[name]
        parts = name.split(".")
        if not all(part.isidentifier() for part in parts):
            return {"ok": False, "kind": "MISSING_MODULE"}, None
        base = os.path.join(self.root, *parts)
        if not (os.path.isfile(base + ".py") or os.path.isfile(os.path.join(base, "__init__.py"))):
            return {"ok": False, "kind": "MISSING_MODULE"}, None
        try:
            module = importlib.import_module(name)
        except BaseException as error:  # the learner's code: anything may come out
            return self._failure(error, import_time=True), None
        if not self._inside(getattr(module, "__file__", None) or ""):
            return {"ok": False, "kind": "IMPORT_ERROR", "detail": "shadowed"}, None
        self.modules[name] = module
        return None, module

    def _call(self, module: Any, name: str, sent_args: Any, sent_kwargs: Any) -> dict:
        function, failure = self._lookup(module, name)
        if failure is not None:
            return failure
        if not callable(function):
            return {"ok": False, "kind": "MISSING_NAME", "type_name": _type_name(function)}
        try:
            args = decode_value(sent_args)
            kwargs = decode_value(sent_kwargs)
            if type(args) is not list or type(kwargs) is not dict:
                raise ProtocolError("bad arguments")
        except ProtocolError as error:
            return {"ok": False, "kind": "PROTOCOL", "detail": str(error)}
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            started = time.perf_counter()
            try:
                value = function(*args, **kwargs)
            except BaseException as error:
                return self._failure(error, import_time=False)
            duration = time.perf_counter() - started
        try:
            encoded = encode_value(value)
        except ValueRefused as refused:
            return _refusal(refused)
        except BaseException as error:  # a learner's __array__ or __iter__ may raise
            return self._failure(error, import_time=False, while_returning=True)
        del value
        return {
            "ok": True,
            "value": encoded,
            "warnings": _warning_texts(caught),
            "args_after": list(map(_argument_after, args, sent_args)),
            "kwargs_after": {
                "__dict__": [
                    [key, _argument_after(item, sent)]
                    for (key, item), (_, sent) in zip(
                        kwargs.items(), sent_kwargs["__dict__"], strict=False
                    )
                ]
            },
            "duration_s": duration,
        }

    def _get(self, module: Any, name: str) -> dict:
        value, failure = self._lookup(module, name)
        if failure is not None:
            return failure
        try:
            return {"ok": True, "value": encode_value(value)}
        except ValueRefused as refused:
            return _refusal(refused)
        except BaseException as error:
            return self._failure(error, import_time=False, while_returning=True)

    def _lookup(self, module: Any, name: str) -> tuple[Any, dict | None]:
        try:
            return getattr(module, name), None
        except AttributeError:
            return None, {"ok": False, "kind": "MISSING_NAME"}
        except BaseException as error:  # a module-level __getattr__ is learner code too
            return None, self._failure(error, import_time=False)

    # Failures ---------------------------------------------------------------------------

    def _failure(
        self, error: BaseException, import_time: bool, while_returning: bool = False
    ) -> dict:
        if isinstance(error, SystemExit):
            return {"ok": False, "kind": "EXITED", "detail": "SystemExit"}
        if isinstance(error, MemoryError):
            return {"ok": False, "kind": "MEMORY"}
        if _file_too_large(error):
            return {"ok": False, "kind": "FILE_SIZE"}
        failure: dict[str, Any] = {
            "ok": False,
            "kind": "IMPORT_ERROR" if import_time else "EXCEPTION",
            "exception_type": type(error).__name__[:200],
            "message": _safe_text(error),
            "frames": self._frames(error),
        }
        if while_returning:
            failure["detail"] = "while_returning"
        if isinstance(error, SyntaxError):
            filename = self._relative(str(getattr(error, "filename", "") or ""))
            if filename:
                failure.update(
                    kind="SYNTAX_ERROR",
                    file=filename,
                    line=error.lineno if type(error.lineno) is int else 0,
                    message=str(error.msg)[:MAX_TEXT],
                )
        error.__traceback__ = None  # frees the learner's frames (a MemoryError's big locals)
        return failure

    def _frames(self, error: BaseException) -> list:
        try:
            summary = traceback.extract_tb(error.__traceback__)
        except Exception:
            return []
        frames = []
        for frame in summary:
            relative = self._relative(frame.filename)
            if relative:
                line = (frame.line or "").strip()[:200]
                frames.append([relative, frame.lineno or 0, str(frame.name)[:200], line])
        return frames[-MAX_FRAMES:]

    def _inside(self, filename: str) -> bool:
        return bool(self._relative(filename))

    def _relative(self, filename: str) -> str:
        """The path relative to the submission, or "" for a file outside it."""
        if not filename or filename.startswith("<"):
            return ""
        path = os.path.realpath(os.path.join(self.root, filename))
        if not path.startswith(self.root + os.sep):
            return ""
        return os.path.relpath(path, self.root)


def _type_name(value: Any) -> str:
    try:
        return type(value).__name__[:200]
    except Exception:
        return "object"


def _refusal(refused: ValueRefused) -> dict:
    if refused.reason == "large":
        return {"ok": False, "kind": "BAD_RETURN", "detail": "large"}
    if refused.reason == "deep":
        return {"ok": False, "kind": "BAD_RETURN", "detail": "deep"}
    return {
        "ok": False,
        "kind": "BAD_RETURN",
        "detail": "nested" if refused.nested else "type",
        "type_name": refused.type_name[:200],
    }


# An argument the call left as it came: sent back as this tag, not again in full (the
# grader has it; decoding it again cost more than the call itself for small arrays).
UNCHANGED = {"__unchanged__": True}


def _argument_after(value: Any, sent: Any) -> Any:
    encoded = _encode_or_none(value)
    return UNCHANGED if encoded == sent else encoded


def _encode_or_none(value: Any) -> Any:
    # An argument the call turned into something unsendable reads as None: "changed".
    try:
        return encode_value(value)
    except BaseException:
        return None


def _warning_texts(caught: list) -> list[str]:
    texts = []
    for record in caught[:MAX_WARNINGS]:
        try:
            texts.append(f"{record.category.__name__}: {record.message}"[:500])
        except Exception:
            texts.append("Warning: (a warning that could not be shown)")
    return texts


def _safe_text(error: BaseException) -> str:
    try:
        return str(error)[:MAX_TEXT]
    except Exception:
        return "(a message that could not be shown)"


def _file_too_large(error: BaseException | None) -> bool:
    for _ in range(4):  # the error itself, or what it was raised from / while handling
        if error is None:
            return False
        if isinstance(error, OSError) and error.errno == errno.EFBIG:
            return True
        error = error.__cause__ or error.__context__
    return False


def _move_high(fd: int) -> int:
    # Out of the way of code that writes to low descriptors by number; not inheritable,
    # so processes the learner starts never hold the grader's channel open.
    try:
        if fcntl is None:
            raise OSError("no fcntl")
        limit = os.sysconf("SC_OPEN_MAX")
        moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, max(limit - 16, fd))
    except (OSError, ValueError, AttributeError):
        os.set_inheritable(fd, False)
        return fd
    os.close(fd)
    return moved


def _display(*objects: Any, **_options: Any) -> None:
    for item in objects:
        print(repr(item))


def _flush_output() -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()


# What the learner's print() keeps of one request's output: noisy code is not wrong code,
# so output never reaches the file-size limit through sys.stdout or sys.stderr.
OUTPUT_HEAD_BYTES = 8 * 1024
OUTPUT_TAIL_BYTES = 8 * 1024


class _OutputBudget:
    """One request's output, shared by stdout and stderr: the first OUTPUT_HEAD_BYTES go
    to the output file as they come; after that only the last OUTPUT_TAIL_BYTES are kept
    (in memory), and written with a note when the request ends."""

    def __init__(self) -> None:
        self.total = 0
        self.tail = bytearray()

    def write(self, fd: int, data: bytes) -> None:
        room = max(0, OUTPUT_HEAD_BYTES - self.total)
        self.total += len(data)
        if room:
            _write_all(fd, data[:room])
            data = data[room:]
        if data:
            self.tail += data[-OUTPUT_TAIL_BYTES:]
            del self.tail[:-OUTPUT_TAIL_BYTES]

    def end_request(self) -> int:
        """Write the kept tail; return the bytes printed when some were left out, else 0."""
        total, tail = self.total, bytes(self.tail)
        self.total, self.tail = 0, bytearray()
        if total <= OUTPUT_HEAD_BYTES:
            return 0
        note = (
            f"\n[... your code printed {_bytes_text(total)}; the first and last "
            f"{OUTPUT_HEAD_BYTES // 1024} KB are shown ...]\n"
        ).encode()
        with contextlib.suppress(OSError):
            _write_all(1, note + tail)
        return total


class _CappedStream(io.RawIOBase):
    """fd 1 or 2 as sys.stdout / sys.stderr write to it, through the request's budget."""

    def __init__(self, fd: int, budget: _OutputBudget) -> None:
        super().__init__()
        self._fd = fd
        self._budget = budget

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def write(self, data: Any) -> int:
        data = bytes(data)
        self._budget.write(self._fd, data)
        return len(data)


def _bytes_text(count: int) -> str:
    for unit, size in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= size:
            return f"{count / size:.1f} {unit}"
    return f"{count} bytes"


_ORIGINAL_STREAMS: list[Any] = []  # kept alive: collecting them would close fds 1 and 2


def _capped_streams() -> _OutputBudget:
    budget = _OutputBudget()
    _ORIGINAL_STREAMS.extend((sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__))
    for name, fd in (("stdout", 1), ("stderr", 2)):
        # Line-buffered, so a call killed on timeout still leaves what it printed.
        stream = io.TextIOWrapper(
            io.BufferedWriter(_CappedStream(fd, budget)),
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)
    return budget


def main(argv: list[str]) -> None:
    request_fd, response_fd = _move_high(int(argv[0])), _move_high(int(argv[1]))
    hidden_package = argv[2]
    root = os.path.realpath(os.getcwd())
    sys.argv = [""]
    sys.dont_write_bytecode = True
    _flush_output()
    budget = _capped_streams()
    faulthandler.enable(file=sys.stderr)
    # Everything the worker uses was imported above, before the learner's folder goes on
    # the path: a learner's json.py or tokenize.py cannot replace it.
    # IPython's display(), which notebooks call and plain Python lacks: it prints (a
    # learner's own display() shadows it).
    builtins.display = _display  # type: ignore[attr-defined]
    sys.path.insert(0, root)
    sys.meta_path.insert(0, _HidePackage(hidden_package, root))
    session = _Session(root)
    try:
        _write_all(response_fd, dump_message({"ready": True}))
        while True:
            header = _read_exactly(request_fd, HEADER.size)
            (length,) = HEADER.unpack(header)
            if length > MAX_MESSAGE_BYTES:
                os._exit(3)
            try:
                request = load_message(_read_exactly(request_fd, length))
            except ProtocolError as error:
                request, response = None, {"ok": False, "kind": "PROTOCOL", "detail": str(error)}
            else:
                response = session.handle(request)
            if type(request) is dict:
                response["id"] = request.get("id")
            _flush_output()
            printed = budget.end_request()
            if printed:
                response["printed_bytes"] = printed
            try:
                frame = dump_message(response)
            except (ValueError, MemoryError):  # an int too long for JSON, say
                frame = dump_message(
                    {"id": response.get("id"), "ok": False, "kind": "BAD_RETURN", "detail": "large"}
                )
            if len(frame) - HEADER.size > MAX_MESSAGE_BYTES or count_values(frame) > MAX_VALUES:
                frame = dump_message(
                    {"id": response.get("id"), "ok": False, "kind": "BAD_RETURN", "detail": "large"}
                )
            del response
            _write_all(response_fd, frame)
    except EOFError:
        os._exit(0)  # the grader closed the channel: done
    except OSError:
        os._exit(3)  # the channel broke (the learner's code closed or replaced it)


if __name__ == "__main__":
    main(sys.argv[1:])
