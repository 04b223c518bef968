"""Indexing (`x[idx]`, a gather) and its adjoint, the scatter-add of a gradient.

Indices may be ints, slices, None, Ellipsis, bool masks and integer arrays;
repeated integer indices receive the sum of their gradients. Ints mixed with
arrays are read as PyTorch reads them (see `IntsFirst`).
"""
import numpy as np

from ..registry import primitive
from ..tensor import Tensor


def normalize_index(index):
    """Turn Tensors and lists inside an index into numpy arrays; keep the rest as is."""
    kind = type(index)
    if kind is int or kind is slice:
        return index
    if kind is tuple:
        for part in index:  # a plain loop: this runs for every x[..., a:b]
            if type(part) not in _BASIC:
                return _ints_first(tuple(normalize_index(i) for i in index))
        return index
    if isinstance(index, Tensor):
        return index.data
    if kind is list:
        return np.asarray(index)
    return index


_BASIC = {int, slice, type(None), type(Ellipsis)}


class IntsFirst(tuple):
    """A tuple index mixing ints with arrays, read as PyTorch reads it: the ints select
    first (basic indexing, `select`), then the rest gathers from what is left (`gather`).

    numpy takes the ints as arrays too, and when an int or a slice lies between the
    arrays it moves the gathered dims to the front: (4, 2, 3)[1, :, [0, 0, 2]] has shape
    (3, 2) in numpy and (2, 3) in PyTorch. The tuple itself is the user's index.
    """

    def __new__(cls, index):
        self = super().__new__(cls, index)
        select, gather = [], []
        for part in index:
            if _is_int(part):
                select.append(int(part))
            elif part is None:
                gather.append(part)
            elif part is Ellipsis:
                select.append(part)
                gather.append(part)
            else:  # a slice or an array: keep its dims (as many as a bool mask has)
                mask = isinstance(part, np.ndarray) and part.dtype == bool
                select.extend([slice(None)] * (part.ndim if mask else 1))
                gather.append(part)
        self.select, self.gather = tuple(select), tuple(gather)
        return self


def _is_int(part):
    """An int, or a 0-d integer array (a 0-d integer Tensor indexes as an int in PyTorch)."""
    if isinstance(part, np.ndarray):
        return part.ndim == 0 and part.dtype.kind in "iu"
    return isinstance(part, (int, np.integer)) and not isinstance(part, bool)


def _ints_first(index):
    """`index`, as an `IntsFirst` when it mixes ints with arrays of one or more dims."""
    arrays = any(isinstance(p, np.ndarray) and p.ndim > 0 for p in index)
    return IntsFirst(index) if arrays and any(_is_int(p) for p in index) else index


def has_advanced(index):
    """Does the index hold an integer/bool array (a gather, with possible repeats)?"""
    if type(index) is tuple:
        for part in index:
            if isinstance(part, np.ndarray):
                return True
        return False
    return isinstance(index, np.ndarray)


@primitive("getitem")
def getitem(x, index):
    if type(index) is IntsFirst:
        return np.asarray(x[index.select][index.gather])
    return np.asarray(x[index])


@getitem.defexplain
def getitem_explain(x, index):
    for part in index if isinstance(index, tuple) else (index,):
        if part is None or part is Ellipsis or isinstance(part, slice):
            continue
        dtype = np.asarray(part).dtype
        if dtype.kind not in "iub":
            got = f"an array of {dtype}" if isinstance(part, np.ndarray) else \
                f"{part!r} ({type(part).__name__})"
            return (f"indices must be integers, slices, None, Ellipsis, or integer or bool "
                    f"arrays, got {got}")
    return f"index {index!r} does not fit a tensor of shape {x.shape}"


@getitem.defvjp
def getitem_vjp(g, out, wanted, x, index):
    return (scatter_add(g, index=index, shape=x.shape),)


@getitem.defvjp_into
def getitem_vjp_into(buffer, g, index):
    """The same VJP, added into an existing gradient array in place (no full-size zeros)."""
    scatter_add_into(buffer, index, g)


def scatter_add_into(buffer, index, g):
    """buffer[index] += g, where repeated integer indices each add their share."""
    if type(index) is IntsFirst:
        # the ints (and slices) select a view of buffer: the adds below land in buffer
        buffer, index = buffer[index.select], index.gather
    if has_advanced(index):
        np.add.at(buffer, index, g)
    else:
        buffer[index] += g


@getitem.defvjp_gather
def getitem_vjp_gather(parts, x):
    gradients = [g for g, _ in parts]
    return scatter_add_many(*gradients, indexes=tuple(attrs["index"] for _, attrs in parts),
                            shape=x.shape)


@primitive("scatter_add_many")
def scatter_add_many(*gradients, indexes, shape):
    """zeros(shape) with each gradients[k] added at indexes[k]."""
    result = np.zeros(shape, dtype=np.result_type(*gradients))
    for g, index in zip(gradients, indexes):
        scatter_add_into(result, index, g)
    return result


@scatter_add_many.defvjp
def scatter_add_many_vjp(gg, out, wanted, *gradients, indexes, shape):
    return tuple(getitem(gg, index=index) if wanted_k else None
                 for index, wanted_k in zip(indexes, wanted))


@primitive("scatter_add")
def scatter_add(g, index, shape):
    result = np.zeros(shape, dtype=g.dtype)
    scatter_add_into(result, index, g)
    return result


@scatter_add.defvjp
def scatter_add_vjp(gg, out, wanted, g, index, shape):
    return (getitem(gg, index=index),)
