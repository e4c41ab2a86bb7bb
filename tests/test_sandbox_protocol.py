"""The sandbox's plain-data codec: what it sends, and how strictly the grader reads it."""

from __future__ import annotations

import base64
import io
import json
import math

import numpy as np
import pytest

from grader.sandbox._bootstrap import npy_bytes
from grader.sandbox.protocol import (
    HEADER,
    MAX_MESSAGE_BYTES,
    ProtocolError,
    ValueRefused,
    decode_value,
    dump_message,
    encode_value,
    load_message,
)


def _round_trip(value: object) -> object:
    text = json.dumps(encode_value(value), allow_nan=False)
    return decode_value(json.loads(text))


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _tagged(raw: bytes) -> dict:
    return {"__ndarray__": base64.b64encode(raw).decode("ascii")}


def test_encoding_is_json_without_nan_literals() -> None:
    encoded = encode_value([math.nan, math.inf, -math.inf, 1.0])
    assert json.dumps(encoded, allow_nan=False) == (
        '[{"__float__": "nan"}, {"__float__": "inf"}, {"__float__": "-inf"}, 1.0]'
    )


def test_dicts_keep_non_string_keys_and_order() -> None:
    value = {2.0: "a", "b": 1, None: [], (1, (2, 3)): 0, math.inf: 1}
    assert _round_trip(value) == {2.0: "a", "b": 1, None: [], (1, (2, 3)): 0, math.inf: 1}
    assert list(_round_trip(value)) == [2.0, "b", None, (1, (2, 3)), math.inf]


def test_encoding_is_deterministic_for_recorded_reference_keys() -> None:
    value = ["m", "f", [np.arange(3.0), {"t": 0.5}], {"lr": 2.0}]
    assert json.dumps(encode_value(value), sort_keys=True) == json.dumps(
        encode_value(value), sort_keys=True
    )


def test_subclasses_and_numpy_scalars_become_base_types() -> None:
    class Number(float):
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = float.__hash__

    class Count(int):
        pass

    encoded = encode_value([Number(0.5), Count(3), np.float32(0.25), np.int8(-2), np.bool_(0)])
    assert encoded == [0.5, 3, 0.25, -2, False]
    assert [type(item) for item in encoded] == [float, int, float, int, bool]


def test_object_arrays_are_sent_element_by_element() -> None:
    ragged = np.array([[1, 2], [3]], dtype=object)
    assert _round_trip(ragged) == [[1, 2], [3]]
    with pytest.raises(ValueRefused):
        encode_value(np.array([print], dtype=object))


def test_unsendable_values_are_refused() -> None:
    for value in (print, object(), {1, 2}, iter([1]), b"raw", np.array(["2020"], "M8[D]")):
        with pytest.raises(ValueRefused):
            encode_value(value)
    looped: list = []
    looped.append(looped)
    with pytest.raises(ValueRefused) as deep:
        encode_value(looped)
    assert deep.value.reason == "deep"


@pytest.mark.parametrize(
    "data",
    [
        {"__pickle__": "gASV"},
        {"__float__": "NaN"},
        {"__float__": 1.0},
        {"__ellipsis__": 1},
        {"__dict__": [[1]]},
        {"__dict__": [[[1, {"__ndarray__": ""}], 2]]},
        {"__dict__": {"a": 1}},
        {"a": 1},
        {"__float__": "nan", "__ellipsis__": True},
        {},
        math.nan,
        {"__ndarray__": "not base64!"},
        {"__ndarray__": base64.b64encode(b"\x93NUMPY garbage").decode()},
    ],
)
def test_decoding_refuses_anything_the_encoder_cannot_make(data: object) -> None:
    with pytest.raises(ProtocolError):
        decode_value(data)


def test_arrays_with_objects_or_records_are_refused() -> None:
    record = np.zeros(2, dtype=[("a", "<f8"), ("b", "<i4")])
    with pytest.raises(ProtocolError):
        decode_value(_tagged(_npy(record)))
    with pytest.raises(ProtocolError):
        decode_value(_tagged(_header((1,), "|O") + b"\x00" * 8))


def _header(shape: tuple[int, ...], descr: str = "<f8") -> bytes:
    buffer = io.BytesIO()
    header = {"descr": descr, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(buffer, header)
    return buffer.getvalue()


def test_a_forged_array_shape_allocates_nothing() -> None:
    # A header promising 80 TB over 16 bytes of data is refused before NumPy reads it.
    with pytest.raises(ProtocolError):
        decode_value(_tagged(_header((10**13,)) + b"\x00" * 16))
    raw = _npy(np.zeros(2))
    for data in (raw[:-8], raw + b"\x00" * 8, _header((-1,)) + b"", _header((2,), "|O") + raw):
        with pytest.raises(ProtocolError):
            decode_value(_tagged(data))
    assert decode_value(_tagged(_header((2,)) + b"\x00" * 16)).tolist() == [0.0, 0.0]


def test_frames_are_length_prefixed_ascii_json() -> None:
    frame = dump_message({"ok": True, "value": "é"})
    (length,) = HEADER.unpack(frame[: HEADER.size])
    assert length == len(frame) - HEADER.size
    assert frame[HEADER.size :].isascii()
    assert load_message(frame[HEADER.size :]) == {"ok": True, "value": "é"}


@pytest.mark.parametrize(
    "body",
    [b"", b"{", b"NaN", b'{"x": Infinity}', b"\xff\xfe", b"[" * 100_000, b"1" * 5000],
)
def test_unreadable_bodies_raise_protocol_errors(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        load_message(body)


def test_lone_surrogates_are_replaced() -> None:
    text = decode_value(json.loads('"a\\ud800b"'))
    assert text == "a\ufffdb" or text == "a?b"
    text.encode("utf-8")


def test_message_limit_is_64_mib() -> None:
    assert MAX_MESSAGE_BYTES == 64 * 1024 * 1024


@pytest.mark.parametrize(
    "array",
    [np.zeros((155, 3)), np.array(1.0), np.array([True]), np.array(["ab"]), np.zeros((1,) * 20)],
    ids=lambda array: f"{array.dtype}-{array.ndim}d",
)
def test_arrays_are_written_as_np_save_writes_them(array: np.ndarray) -> None:
    assert npy_bytes(array) == _npy(array)
    assert npy_bytes(np.asfortranarray(array)) == _npy(np.ascontiguousarray(array))


def test_other_npy_headers_are_read_by_numpys_own_reader() -> None:
    buffer = io.BytesIO()
    np.lib.format.write_array_header_2_0(
        buffer, {"shape": (2,), "fortran_order": False, "descr": "<i8"}
    )
    got = decode_value(_tagged(buffer.getvalue() + np.array([4, 5]).tobytes()))
    assert got.tolist() == [4, 5] and got.dtype == np.int64
    fortran = decode_value(_tagged(_npy(np.asfortranarray(np.arange(6.0).reshape(2, 3)))))
    assert fortran.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]]


def test_an_array_of_item_size_zero_is_a_protocol_error() -> None:
    # NumPy itself raises ValueError for it: a forged reply must never be the grader's error.
    raw = npy_bytes(np.zeros(3, dtype="S1")).replace(b"'|S1'", b"'|S0'")
    with pytest.raises(ProtocolError):
        decode_value(_tagged(raw))


def test_a_flood_of_tiny_values_is_refused_before_parsing() -> None:
    from grader.sandbox.protocol import MAX_VALUES

    body = b"[" + b"0," * MAX_VALUES + b"0]"
    with pytest.raises(ProtocolError, match="values"):
        load_message(body)
    assert load_message(b"[" + b"0," * (MAX_VALUES // 2) + b"0]")[0] == 0


def test_a_worker_that_does_not_start_once_is_started_again(tmp_path, monkeypatch) -> None:
    """A worker start refused by the machine (seen under load: four checks of a correct
    submission were grader errors) is retried once before the grader gives up."""
    from grader.sandbox import worker as worker_module
    from grader.sandbox.limits import Limits
    from grader.sandbox.worker import Worker

    (tmp_path / "m.py").write_text("def f():\n    return 41 + 1\n", encoding="utf-8")
    real = worker_module._Process.receive
    refused = []

    def first_start_dies(self, deadline):
        if not refused:
            refused.append(True)
            raise worker_module._Died()
        return real(self, deadline)

    monkeypatch.setattr(worker_module._Process, "receive", first_start_dies)
    with Worker(tmp_path, Limits(call_timeout_s=5), None) as worker:
        assert worker.call("m", "f").value == 42
    assert refused == [True]
