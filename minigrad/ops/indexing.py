"""Indexing (`x[idx]`, a gather) and its adjoint, the scatter-add of a gradient.

Indices may be ints, slices, None, Ellipsis, bool masks and integer arrays;
repeated integer indices receive the sum of their gradients.
"""
import numpy as np

from ..registry import primitive


def normalize_index(index):
    """Turn Tensors inside an index into numpy arrays; keep the rest as is."""
    from ..tensor import Tensor
    if isinstance(index, tuple):
        return tuple(normalize_index(i) for i in index)
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, list):
        return np.asarray(index)
    return index


def has_advanced(index):
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, np.ndarray) for p in parts)


@primitive("getitem")
def getitem(x, index):
    return np.asarray(x[index])


@getitem.defexplain
def getitem_explain(x, index):
    return f"index {index!r} does not fit a tensor of shape {x.shape}"


@getitem.defvjp
def getitem_vjp(g, out, x, index):
    return (scatter_add(g, index=index, shape=x.shape),)


@primitive("scatter_add")
def scatter_add(g, index, shape):
    result = np.zeros(shape, dtype=g.dtype)
    if has_advanced(index):
        np.add.at(result, index, g)
    else:
        result[index] = g
    return result


@scatter_add.defvjp
def scatter_add_vjp(gg, out, g, index, shape):
    return (getitem(gg, index=index),)
