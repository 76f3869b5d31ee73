"""Plain data: what a graded run may hand back to the judge, and how two plain values are compared.

Plain values are None, bool, int, float, str, lists of plain values, dicts with str keys, and arrays
encoded as {"__array__": nested list, "dtype": name, "shape": [...]}. Nothing else crosses from a
student's process to the judge, and JSON is the only encoding (no pickle, no objects)."""

import math

import numpy as np

from ..core.checks import check_that

ARRAY = "__array__"
MAX_ITEMS = 1_000_000  # entries of one array; larger answers are refused


def to_plain(value):
    """`value` as plain data (see the module docstring). Raises TypeError for anything else.

    Types are checked exactly, so an object that only pretends to be a number or compares equal to
    everything is refused, not converted."""
    kind = type(value)
    if value is None or kind in (bool, int, str):
        return value
    if kind is float:
        return value if math.isfinite(value) else repr(value)
    if kind in (np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64):
        return value.item()
    if kind in (np.float16, np.float32, np.float64):
        return to_plain(float(value))
    if kind is np.ndarray:
        ok = value.size <= MAX_ITEMS and value.dtype.kind in "biuf"
        check_that(ok, "value", value, f"plain data: a real array of <= {MAX_ITEMS} entries", TypeError)
        data = value.astype(np.float64).tolist() if value.dtype.kind == "f" else value.tolist()
        return {ARRAY: _finite(data), "dtype": str(value.dtype), "shape": list(value.shape)}
    if kind in (list, tuple):
        return [to_plain(v) for v in value]
    if kind is dict and all(type(k) is str for k in value):
        return {k: to_plain(v) for k, v in value.items()}
    raise TypeError(f"value of type {kind.__name__}: expected plain data")


def _finite(data):
    if isinstance(data, list):
        return [_finite(v) for v in data]
    return data if not isinstance(data, float) or math.isfinite(data) else repr(data)


def _show(value) -> str:
    if isinstance(value, dict) and ARRAY in value:
        text = repr(value[ARRAY])
        return text if len(text) <= 120 else text[:117] + "..."
    text = repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def _close(expected: float, got, rtol: float, atol: float) -> bool:
    return type(got) in (int, float) and abs(got - expected) <= atol + rtol * abs(expected)


def difference(expected, got, rtol: float = 1e-9, atol: float = 1e-12):
    """None when `got` matches `expected` (floats within atol + rtol * |expected|, everything else
    exactly, array dtypes by name), else a short text naming the first difference."""
    if isinstance(expected, dict) and ARRAY in expected:
        if not (isinstance(got, dict) and ARRAY in got):
            return f"expected an array {_show(expected)}, got {_show(got)}"
        for key in ("shape", "dtype"):
            if got.get(key) != expected[key]:
                return f"{key}: expected {expected[key]}, got {got.get(key)}"
        return difference(expected[ARRAY], got[ARRAY], rtol, atol) and (
            f"expected {_show(expected)}, got {_show(got)}"
        )
    if isinstance(expected, float):
        return None if _close(expected, got, rtol, atol) else f"expected {expected!r}, got {_show(got)}"
    if isinstance(expected, list):
        if not isinstance(got, list) or len(got) != len(expected):
            return f"expected {_show(expected)}, got {_show(got)}"
        bad = next((d for e, g in zip(expected, got) if (d := difference(e, g, rtol, atol))), None)
        return bad and f"expected {_show(expected)}, got {_show(got)}"
    if isinstance(expected, dict):
        if not isinstance(got, dict):
            return f"expected a dict, got {_show(got)}"
        for key, value in expected.items():
            if key not in got:
                return f"{key}: missing"
            if d := difference(value, got[key], rtol, atol):
                return f"{key}: {d}"
        return None
    return (
        None
        if type(got) is type(expected) and got == expected
        else f"expected {expected!r}, got {_show(got)}"
    )


def array(value, dtypes: str = "biuf", max_items: int = MAX_ITEMS) -> np.ndarray:
    """The ndarray a plain array encodes, checked: a dict with a nested list whose shape and dtype are the
    declared ones, of a dtype kind in `dtypes`, finite. Raises ValueError otherwise (untrusted input)."""
    ok = isinstance(value, dict) and set(value) == {ARRAY, "dtype", "shape"}
    check_that(ok, "value", type(value), "a plain array: a dict of __array__, dtype and shape")
    dtype, shape = np.dtype(str(value["dtype"])), value["shape"]
    ok = isinstance(shape, list) and all(type(n) is int and n >= 0 for n in shape)
    check_that(ok and dtype.kind in dtypes, "dtype, shape", (dtype, shape), f"a dtype kind in {dtypes!r}")
    check_that(math.prod(shape) <= max_items, "shape", shape, f"at most {max_items} entries")
    out = np.array(value[ARRAY], dtype=dtype if dtype.kind != "f" else np.float64)
    ok = list(out.shape) == shape and (out.dtype.kind != "f" or np.all(np.isfinite(out)))
    check_that(ok, "value", out, f"finite data of the declared shape {shape}")
    return out.astype(dtype)
