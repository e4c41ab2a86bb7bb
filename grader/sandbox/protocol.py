"""Plain-data values and framed messages between the grader and a learner worker.

Self-contained on purpose (standard library and NumPy only): its source is also sent
into the worker as part of the bootstrap. Nothing here pickles or evaluates: arrays
travel as .npy bytes loaded with allow_pickle=False, everything else as JSON.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
import struct

import numpy as np

HEADER = struct.Struct(">Q")
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


class ProtocolError(ValueError):
    """A message that is not what the protocol allows."""


class UnencodableValue(TypeError):
    """A value that is not a number, string, list, dict or array."""


def encode_value(value, coerce=False):
    """Plain JSON-ready data for a value. With coerce (in the worker), subclasses of
    float, int, str and ndarray become their base type, so their methods never travel."""
    if value is None or type(value) is bool:
        return value
    if value is Ellipsis:
        return {"__ellipsis__": True}
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        number = float(value)
        if math.isfinite(number):
            return number
        return {"__float__": "nan" if math.isnan(number) else ("inf" if number > 0 else "-inf")}
    if isinstance(value, str):
        return str(value)
    if isinstance(value, np.ndarray):
        array = np.asarray(value)
        if array.dtype.kind not in "biuf":
            raise UnencodableValue(f"an array of {array.dtype}")
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        return {"__ndarray__": base64.b64encode(buffer.getvalue()).decode("ascii")}
    if isinstance(value, (list, tuple)):
        return [encode_value(item, coerce) for item in value]
    if isinstance(value, dict):
        return {"__dict__": [[encode_value(k, coerce), encode_value(v, coerce)]
                             for k, v in value.items()]}
    if coerce and not callable(value):
        try:
            array = np.asarray(value)
        except Exception:  # noqa: BLE001 - any failure means "not array-like"
            array = None
        if array is not None and array.dtype.kind in "biuf":
            return encode_value(array)
    raise UnencodableValue(type(value).__name__)


def decode_value(data, depth=0):
    """The value of encode_value's output; strict: anything unexpected is a ProtocolError."""
    if depth > 50:
        raise ProtocolError("nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        if isinstance(data, float) and not math.isfinite(data):
            raise ProtocolError("a bare non-finite number")
        return data
    if isinstance(data, list):
        return [decode_value(item, depth + 1) for item in data]
    if isinstance(data, dict) and len(data) == 1:
        ((tag, payload),) = data.items()
        if tag == "__ellipsis__" and payload is True:
            return Ellipsis
        if tag == "__float__" and payload in ("nan", "inf", "-inf"):
            return float(payload)
        if tag == "__ndarray__" and isinstance(payload, str):
            try:
                array = np.load(io.BytesIO(base64.b64decode(payload, validate=True)),
                                allow_pickle=False)
            except Exception as error:  # noqa: BLE001 - any malformed payload
                raise ProtocolError(f"a malformed array ({error})") from None
            if not isinstance(array, np.ndarray) or array.dtype.kind not in "biuf":
                raise ProtocolError("an array of an unexpected type")
            return array
        if tag == "__dict__" and isinstance(payload, list):
            result = {}
            for pair in payload:
                if not isinstance(pair, list) or len(pair) != 2:
                    raise ProtocolError("a malformed dict entry")
                key = decode_value(pair[0], depth + 1)
                if not isinstance(key, (str, int, float, bool)) and key is not None:
                    raise ProtocolError("an unhashable dict key")
                result[key] = decode_value(pair[1], depth + 1)
            return result
    raise ProtocolError("an unknown value")


def write_message(fd, message):
    payload = json.dumps(message, allow_nan=False, separators=(",", ":")).encode("utf-8")
    data = HEADER.pack(len(payload)) + payload
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def read_exactly(fd, size):
    """Exactly size bytes, or None at end of file."""
    chunks, missing = [], size
    while missing:
        chunk = os.read(fd, min(missing, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def read_message(fd):
    """The next message, or None at end of file."""
    header = read_exactly(fd, HEADER.size)
    if header is None:
        return None
    (size,) = HEADER.unpack(header)
    if size > MAX_MESSAGE_BYTES:
        raise ProtocolError("a message larger than the limit")
    payload = read_exactly(fd, size)
    if payload is None:
        return None
    try:
        return json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise ProtocolError("a message that is not JSON") from None
