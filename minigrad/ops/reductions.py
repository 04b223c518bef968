"""Reductions over an axis or axes: sum, mean, var, amax, amin; max and min along one axis.

The primitives take numpy's `axis`/`keepdims` (Tensor's methods translate torch's
`dim`/`keepdim`). The VJPs put the reduced axes back (as size-1 axes) and broadcast
the gradient to the input's shape with `expand`.
"""
import builtins
import math
import warnings

import numpy as np

from ..registry import primitive, value
from .indexing import scatter_add
from .shape import expand, reshape


def normalize_axes(axis, ndim):
    """Axis argument -> sorted tuple of non-negative axes (None means all)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    span = builtins.max(ndim, 1)  # a 0-d tensor takes dim 0 or -1 (as torch): no axis
    for a in axes:
        if not -span <= a < span:
            raise ValueError(f"axis {a} is out of range for a tensor of {ndim} dimensions")
    return tuple(sorted({int(a) % span for a in axes})) if ndim else ()


def keepdims_shape(shape, axis):
    axes = normalize_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _grad_back_to(g, x, axis, keepdims):
    """Broadcast a reduced gradient back to x's shape."""
    if not keepdims:
        g = reshape(g, shape=keepdims_shape(x.shape, axis))
    return expand(g, shape=x.shape)


def reduced_count(x, axis):
    """How many elements of x (an array) each result of a reduction over `axis` reads."""
    shape = x.shape
    return math.prod(shape[a] for a in normalize_axes(axis, len(shape)))


def _quietly(reduce, x, **kwargs):
    """`reduce(x, **kwargs)` without numpy's RuntimeWarnings ("Mean of empty slice",
    "Degrees of freedom <= 0"), which name numpy's own files. Only for the degenerate
    cases, whose NaN or inf is the answer (as torch's)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return reduce(x, **kwargs)


@primitive("sum")
def sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


@sum.defvjp
def sum_vjp(g, out, wanted, x, axis=None, keepdims=False):
    return (_grad_back_to(g, x, axis, keepdims),)


@primitive("mean")
def mean(x, axis=None, keepdims=False):
    if x.size:
        return np.mean(x, axis=axis, keepdims=keepdims)
    return _quietly(np.mean, x, axis=axis, keepdims=keepdims)  # NaN, silently (torch)


@mean.defvjp
def mean_vjp(g, out, wanted, x, axis=None, keepdims=False):
    # an empty x has an empty gradient: its count of 0 only needs to not divide by zero
    return (_grad_back_to(g / builtins.max(reduced_count(x, axis), 1), x, axis, keepdims),)


@primitive("var")
def var(x, axis=None, keepdims=False, correction=1):
    """Divides by max(N - correction, 0), N the number of elements reduced; with none
    left (or an empty x) the result is inf, or NaN where x sits at its mean, as in torch
    (x.var() and x.std() give torch's warning: tensor_methods._variance)."""
    if x.size and reduced_count(x, axis) > correction:
        return np.var(x, axis=axis, keepdims=keepdims, ddof=correction)
    return _quietly(np.var, x, axis=axis, keepdims=keepdims, ddof=correction)


@var.defvjp
def var_vjp(g, out, wanted, x, axis=None, keepdims=False, correction=1):
    centred = x - mean(x, axis=axis, keepdims=True)
    g = _grad_back_to(g, x, axis, keepdims)
    dof = reduced_count(x, axis) - correction
    if dof > 0:
        return (g * centred * (2.0 / dof),)
    # no degrees of freedom (the forward is inf, or nan where x sits at its mean): the
    # gradient is infinite, nan where x sits at its mean, with torch's signs (along given
    # axes: the sign of x - mean; over all of x: +)
    steep = np.where(value(centred) == 0, np.nan, np.inf).astype(value(centred).dtype)
    return (g * (steep if axis is None else np.sign(value(centred)) * steep),)


def _tied_vjp(g, out, x, axis, keepdims):
    # ties share the gradient equally, as torch.amax/amin do
    peak = value(out) if keepdims else np.reshape(value(out), keepdims_shape(x.shape, axis))
    hits = (value(x) == peak).astype(x.dtype)
    hits /= hits.sum(axis=normalize_axes(axis, x.ndim), keepdims=True)
    return (_grad_back_to(g, x, axis, keepdims) * hits,)


@primitive("amax")
def amax(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


@amax.defvjp
def amax_vjp(g, out, wanted, x, axis=None, keepdims=False):
    return _tied_vjp(g, out, x, axis, keepdims)


@primitive("amin")
def amin(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


@amin.defvjp
def amin_vjp(g, out, wanted, x, axis=None, keepdims=False):
    return _tied_vjp(g, out, x, axis, keepdims)


def _picked_index(arg, x, axis):
    """Where `arg` (np.argmax / np.argmin) picks x's extremum along the int `axis` (None:
    over all of x): an index tuple of x, each part shaped as the keepdims result."""
    if axis is None:
        return np.unravel_index(arg(x), x.shape)
    picked = arg(x, axis=axis, keepdims=True)
    index = list(np.indices(picked.shape, sparse=True))
    index[axis] = picked
    return tuple(index)


def _picked_vjp(arg, g, x, axis, keepdims):
    # the whole gradient goes to the one entry picked (the first of ties), as torch's
    # max(dim)/min(dim), whose indices name it
    if axis is None or not keepdims:
        g = reshape(g, shape=() if axis is None else keepdims_shape(x.shape, axis))
    return (scatter_add(g, index=_picked_index(arg, value(x), axis), shape=x.shape),)


@primitive("max")
def max(x, axis=None, keepdims=False):
    """The values of x.max(dim): x's largest entry along the int `axis` (None: a 0-d x)."""
    return np.max(x, axis=axis, keepdims=keepdims)


@max.defvjp
def max_vjp(g, out, wanted, x, axis=None, keepdims=False):
    return _picked_vjp(np.argmax, g, x, axis, keepdims)


@primitive("min")
def min(x, axis=None, keepdims=False):
    """The values of x.min(dim): x's smallest entry along the int `axis` (None: a 0-d x)."""
    return np.min(x, axis=axis, keepdims=keepdims)


@min.defvjp
def min_vjp(g, out, wanted, x, axis=None, keepdims=False):
    return _picked_vjp(np.argmin, g, x, axis, keepdims)


@primitive("argmax", differentiable=False)
def argmax(x, axis=None, keepdims=False):
    return np.asarray(np.argmax(x, axis=axis, keepdims=keepdims))


@primitive("argmin", differentiable=False)
def argmin(x, axis=None, keepdims=False):
    return np.asarray(np.argmin(x, axis=axis, keepdims=keepdims))
