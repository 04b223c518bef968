"""Indexing (`x[idx]`, a gather) and its adjoint, the scatter-add of a gradient.

Indices may be ints, slices, None, Ellipsis, bool masks and integer arrays;
repeated integer indices receive the sum of their gradients.
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
                return tuple(normalize_index(i) for i in index)
        return index
    if isinstance(index, Tensor):
        return index.data
    if kind is list:
        return np.asarray(index)
    return index


_BASIC = {int, slice, type(None), type(Ellipsis)}


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
    return np.asarray(x[index])


@getitem.defexplain
def getitem_explain(x, index):
    return f"index {index!r} does not fit a tensor of shape {x.shape}"


@getitem.defvjp
def getitem_vjp(g, out, x, index):
    return (scatter_add(g, index=index, shape=x.shape),)


@getitem.defvjp_into
def getitem_vjp_into(buffer, g, index):
    """The same VJP, added into an existing gradient array in place (no full-size zeros)."""
    scatter_add_into(buffer, index, g)


def scatter_add_into(buffer, index, g):
    """buffer[index] += g, where repeated integer indices each add their share."""
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
def scatter_add_many_vjp(gg, out, *gradients, indexes, shape):
    return tuple(getitem(gg, index=index) for index in indexes)


@primitive("scatter_add")
def scatter_add(g, index, shape):
    result = np.zeros(shape, dtype=g.dtype)
    scatter_add_into(result, index, g)
    return result


@scatter_add.defvjp
def scatter_add_vjp(gg, out, g, index, shape):
    return (getitem(gg, index=index),)
