"""Making tensors: `tensor`, constructors, and the seedable random generator."""
import operator

import numpy as np

from .dtypes import NUMBER_KINDS, get_default_dtype, resolve
from .source import warn_at_user_line
from .tensor import Tensor

_GENERATOR = [np.random.default_rng(0)]


def manual_seed(seed):
    """Seed minigrad's random generator (randn, rand, init, dropout).

    `seed` is an int in [-2**63, 2**64), the range torch.manual_seed takes. A negative
    seed is read modulo 2**64, as torch reads it: manual_seed(-1) and
    manual_seed(2**64 - 1) give the same numbers.
    """
    _GENERATOR[0] = np.random.default_rng(as_seed(seed))
    return _GENERATOR[0]


SEED_RANGE = (-2**63, 2**64)


def as_seed(seed, owner="manual_seed"):
    """The non-negative seed numpy is given for `seed` (see `manual_seed`); TypeError
    unless it is an integer, ValueError outside SEED_RANGE. The messages start with
    `owner` (none if None)."""
    name = f"{owner}: seed" if owner else "seed"
    try:
        value = operator.index(seed)
    except TypeError:
        raise TypeError(f"{name} must be an int, got {type(seed).__name__}") from None
    low, high = SEED_RANGE
    if not low <= value < high:
        raise ValueError(f"{name} must be in [-2**63, 2**64), as torch.manual_seed's, "
                         f"got {value}")
    return value % 2**64


def generator():
    """The numpy Generator behind minigrad's random functions."""
    return _GENERATOR[0]


def to_array(data, dtype=None):
    """Copy `data` into a fresh numpy array; Python floats become the default dtype."""
    dtype = resolve(dtype, "tensor")
    if isinstance(data, Tensor):
        data = data.data
    if isinstance(data, (np.ndarray, np.generic)):  # numpy scalars too: 0-d data is one
        array = np.array(data, dtype=dtype, copy=True)
    else:
        try:
            array = np.array(data, dtype=dtype)
        except ValueError as exc:
            raise ValueError(f"tensor: {_ragged(data) or exc}") from exc
        if dtype is None and array.dtype == np.float64:
            array = array.astype(get_default_dtype())
    if array.dtype.kind not in NUMBER_KINDS:
        raise TypeError(f"tensor: cannot make a tensor from {type(data).__name__} data of "
                        f"dtype {array.dtype} ({_NOT_NUMBERS.get(array.dtype.kind, 'no numbers')}"
                        f"); tensors hold bool, int, float or complex numbers")
    return as_tensor_data(array)


def as_tensor_data(array):
    """`array` in the form a Tensor's `.data` takes: 0-d data is kept as a numpy
    scalar (scalar arithmetic on it is ~10x faster than on a 0-d array, which is what
    makes the scalar engine fast), any other array as it is."""
    return array[()] if array.ndim == 0 else array


_NOT_NUMBERS = {"U": "str", "S": "bytes", "O": "Python objects", "M": "datetimes",
                "m": "timedeltas"}


def _ragged(rows):
    """Where nested sequences first differ in length, in PyTorch's words, or None."""
    level, dim = [rows], 0
    while level:
        level = [r.data if isinstance(r, Tensor) else r for r in level]
        lengths = [len(r) if _is_sequence(r) else None for r in level]
        for n in lengths:
            if n != lengths[0]:
                return (f"rows have different lengths: expected {_entry(lengths[0])} at dim "
                        f"{dim}, got {_entry(n)}; pad them to one length first (e.g. with "
                        f"minigrad.data.pad_sequences)")
        level = [item for r in level if _is_sequence(r) for item in r]
        dim += 1
    return None


def _is_sequence(row):
    return isinstance(row, (list, tuple)) or isinstance(row, np.ndarray) and row.ndim > 0


def _entry(length):
    return "a number" if length is None else f"a sequence of length {length}"


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf tensor holding a copy of `data`.

    Python floats give the default dtype (float32 unless `set_default_dtype`),
    Python ints give int64, bools give bool; numpy arrays keep their dtype.
    """
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


def as_tensor(data, dtype=None):
    """`data` as a tensor, copying only when it must, as torch.as_tensor.

    A Tensor of the dtype asked for is returned as it is (another dtype: converted,
    in the graph). A numpy array of that dtype becomes a leaf sharing its memory
    (writes to one show in the other), except a 0-d one: 0-d data is a numpy scalar
    (see `as_tensor_data`), so it is copied. Anything else is copied as by `tensor`.
    """
    dtype = resolve(dtype, "as_tensor")
    if isinstance(data, Tensor):
        return data if dtype is None or dtype == data.dtype else data.astype(dtype)
    if isinstance(data, np.ndarray) and data.ndim and (dtype is None or dtype == data.dtype):
        return from_numpy(data)
    return Tensor(data, dtype=dtype)


def from_numpy(ndarray):
    """A leaf tensor sharing `ndarray`'s memory and dtype, as torch.from_numpy: writes to
    one show in the other. A 0-d array is copied (0-d data is a numpy scalar)."""
    if not isinstance(ndarray, np.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(ndarray).__name__}; "
                        f"use mg.tensor or mg.as_tensor for other data")
    if ndarray.dtype.kind not in NUMBER_KINDS:
        raise TypeError(f"from_numpy: cannot share a numpy array of dtype {ndarray.dtype}; "
                        f"tensors hold bool, int, float or complex numbers")
    if not ndarray.flags.writeable:
        warn_at_user_line("from_numpy: the given numpy array is not writable; in-place "
                          "changes to the tensor (an optimizer step) will fail. Copy the "
                          "array first (np.array(a)) or use mg.tensor, which copies")
    return _leaf(as_tensor_data(ndarray), False)


def _shape(shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _float(dtype, fn):
    return resolve(dtype, fn) or get_default_dtype()


def _leaf(array, requires_grad):
    t = Tensor._constant(array)
    t._leaf_init(requires_grad)
    return t


def zeros(*shape, dtype=None, requires_grad=False):
    return _leaf(np.zeros(_shape(shape), dtype=_float(dtype, "zeros")), requires_grad)


def empty(*shape, dtype=None, requires_grad=False):
    """A tensor of the given shape whose values are whatever memory held (as torch.empty)."""
    return _leaf(np.empty(_shape(shape), dtype=_float(dtype, "empty")), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _leaf(np.ones(_shape(shape), dtype=_float(dtype, "ones")), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    if dtype is None and isinstance(fill_value, (bool, int)) and not isinstance(fill_value, float):
        dtype = np.bool_ if isinstance(fill_value, bool) else np.int64
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return _leaf(np.full(shape, fill_value, dtype=_float(dtype, "full")), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _leaf(np.zeros(t.shape, dtype=resolve(dtype, "zeros_like") or t.dtype), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _leaf(np.ones(t.shape, dtype=resolve(dtype, "ones_like") or t.dtype), requires_grad)


def arange(start, end=None, step=1, dtype=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    values = np.arange(start, end, step)
    if dtype is None and values.dtype.kind == "f":
        dtype = get_default_dtype()
    return _leaf(values.astype(resolve(dtype, "arange") or values.dtype), requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False):
    return _leaf(np.linspace(start, end, steps).astype(_float(dtype, "linspace")), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _leaf(np.eye(n, m, dtype=_float(dtype, "eye")), requires_grad)


def randn(*shape, dtype=None, requires_grad=False):
    values = generator().standard_normal(_shape(shape))
    return _leaf(values.astype(_float(dtype, "randn")), requires_grad)


def rand(*shape, dtype=None, requires_grad=False):
    return _leaf(generator().random(_shape(shape)).astype(_float(dtype, "rand")), requires_grad)


def randint(*args, size=None, dtype=np.int64):
    """Integers drawn uniformly from [low, high), as torch.randint:

    randint(high, size), randint(low, high, size), or size= as a keyword.
    """
    if size is None and args:
        *args, size = args
    if size is None or len(args) not in (1, 2):
        raise TypeError("randint: expected randint(high, size) or randint(low, high, size), "
                        f"got {len(args) + (size is not None)} arguments")
    low, high = (0, args[0]) if len(args) == 1 else args
    size = (size,) if isinstance(size, int) else tuple(size)
    values = generator().integers(low, high, size=size)
    return _leaf(values.astype(resolve(dtype, "randint") or np.int64), False)
