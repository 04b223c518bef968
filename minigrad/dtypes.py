"""The default floating dtype (float32, as in PyTorch) and dtype name handling."""
import difflib

import numpy as np

_DEFAULT = [np.dtype(np.float32)]

float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
float16 = np.dtype(np.float16)
int64 = np.dtype(np.int64)
int32 = np.dtype(np.int32)
bool_ = np.dtype(np.bool_)


def set_default_dtype(dtype):
    """Set the dtype of tensors made from Python floats (float32 or float64)."""
    dtype = resolve(dtype, "set_default_dtype")
    if dtype is None or dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are supported, got {dtype}")
    _DEFAULT[0] = dtype


def get_default_dtype():
    return _DEFAULT[0]


NUMBER_KINDS = "biufc"  # numpy dtype kinds: bool, int, unsigned int, float, complex
_NAMES = ("bool", "int8", "int16", "int32", "int64", "uint8", "float16", "float32", "float64",
          "complex64", "complex128")


def resolve(dtype, fn):
    """`dtype` (a name, a numpy type or dtype, or None) as a numpy dtype of numbers.

    Args:
        fn: the public function given `dtype`, named in the error for a bad one.
    """
    if dtype is None:
        return None
    try:
        resolved = np.dtype(dtype)
    except (TypeError, ValueError) as exc:
        close = difflib.get_close_matches(str(dtype), _NAMES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else f"; use one of {', '.join(_NAMES)}"
        raise TypeError(f"{fn}: dtype={dtype!r} is not a dtype{hint}") from exc
    if resolved.kind not in NUMBER_KINDS:
        raise TypeError(f"{fn}: dtype={dtype!r} ({resolved}) does not hold numbers; tensors "
                        f"hold bool, int, float or complex numbers")
    return resolved
