"""Reductions over an axis or axes: sum, mean, var, max, min.

The VJPs put the reduced axes back (as size-1 axes) and broadcast the gradient
to the input's shape with `expand`.
"""
import builtins

import numpy as np

from ..registry import primitive, value
from .shape import expand, reshape


def normalize_axes(axis, ndim):
    """Axis argument -> sorted tuple of non-negative axes (None means all)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    out = []
    for a in axes:
        if not -ndim <= a < builtins.max(ndim, 1):
            raise ValueError(f"axis {a} is out of range for a tensor of {ndim} dimensions")
        out.append(int(a) % builtins.max(ndim, 1))
    return tuple(sorted(set(out)))


def keepdims_shape(shape, axis):
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _grad_back_to(g, x, axis, keepdims):
    """Broadcast a reduced gradient back to x's shape."""
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(x.shape, axis))
    return expand(g, shape=x.shape)


def _count(x, axis):
    axes = normalize_axes(axis, x.ndim)
    return int(np.prod([x.shape[a] for a in axes])) if axes else 1


@primitive("sum")
def sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


@sum.defvjp
def sum_vjp(g, out, x, axis=None, keepdims=False):
    return (_grad_back_to(g, x, axis, keepdims),)


@primitive("mean")
def mean(x, axis=None, keepdims=False):
    return np.mean(x, axis=axis, keepdims=keepdims)


@mean.defvjp
def mean_vjp(g, out, x, axis=None, keepdims=False):
    return (_grad_back_to(g / _count(x, axis), x, axis, keepdims),)


@primitive("var")
def var(x, axis=None, keepdims=False, correction=1):
    return np.var(x, axis=axis, keepdims=keepdims, ddof=correction)


@var.defvjp
def var_vjp(g, out, x, axis=None, keepdims=False, correction=1):
    centred = x - mean(x, axis=axis, keepdims=True)
    scale = 2.0 / (_count(x, axis) - correction)
    return (_grad_back_to(g, x, axis, keepdims) * centred * scale,)


def _extremum_vjp(g, out, x, axis, keepdims):
    # ties share the gradient equally, as torch.amax/amin do
    peak = value(out) if keepdims else np.reshape(value(out), keepdims_shape(x.shape, axis))
    hits = (value(x) == peak).astype(x.dtype)
    hits /= hits.sum(axis=normalize_axes(axis, x.ndim), keepdims=True)
    return (_grad_back_to(g, x, axis, keepdims) * hits,)


@primitive("max")
def max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


@max.defvjp
def max_vjp(g, out, x, axis=None, keepdims=False):
    return _extremum_vjp(g, out, x, axis, keepdims)


@primitive("min")
def min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


@min.defvjp
def min_vjp(g, out, x, axis=None, keepdims=False):
    return _extremum_vjp(g, out, x, axis, keepdims)


@primitive("argmax", differentiable=False)
def argmax(x, axis=None, keepdims=False):
    return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims))


@primitive("argmin", differentiable=False)
def argmin(x, axis=None, keepdims=False):
    return np.asarray(np.argmin(x, axis=axis, keepdims=keepdims))
