"""The default floating dtype (float32, as in PyTorch) and dtype name handling."""
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
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: only floating dtypes are supported, got {dtype}")
    _DEFAULT[0] = dtype


def get_default_dtype():
    return _DEFAULT[0]


def resolve(dtype):
    return None if dtype is None else np.dtype(dtype)
