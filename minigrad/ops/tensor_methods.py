"""The argument handling of Tensor's methods that take more than operands (reshape's
sizes, a reduction's dim and keepdim, ...): the methods themselves are defined in the
class (tensor.py) and call these."""
from collections import namedtuple

import numpy as np

from ..registry import apply
from ..source import warn_at_user_line
from ..tensor import Tensor
from . import arithmetic as A
from . import indexing, reductions, selection, shape, unary
from . import softmax_family as softmax


def _pow(x, exponent):
    if isinstance(exponent, np.number):
        exponent = exponent.item()  # a numpy scalar exponent acts like a Python number
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        return apply(A.pow_const, (x,), {"exponent": exponent})
    return apply(A.pow, (x, exponent), {})


def _reshape(x, *shape):
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if -1 in shape:
        known = int(np.prod([n for n in shape if n != -1]))
        if shape.count(-1) > 1 or known == 0 or x.data.size % known:
            raise ValueError(f"reshape: cannot reshape a tensor of shape {x.shape} into {shape}")
        shape = tuple(x.data.size // known if n == -1 else n for n in shape)
    if tuple(shape) == x.shape:
        return x
    return shape_reshape(x, shape=tuple(int(n) for n in shape))


shape_reshape = shape.reshape
wrap_dim = shape.wrap_dim


def _permute(x, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    if len(dims) != x.ndim:
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of {x.shape}")
    wrapped = tuple(wrap_dim("permute", d, x.shape) for d in dims)
    if len(set(wrapped)) != x.ndim:
        raise ValueError(f"permute: {dims} repeats a dim of a tensor of shape {x.shape}")
    return shape.permute(x, dims=wrapped)


def _transpose(x, dim0=-2, dim1=-1):
    dim0, dim1 = wrap_dim("transpose", dim0, x.shape), wrap_dim("transpose", dim1, x.shape)
    if dim0 == dim1:
        return x
    dims = list(range(x.ndim))
    dims[dim0], dims[dim1] = dims[dim1], dims[dim0]
    return shape.permute(x, dims=tuple(dims))


def _t(x):
    """x.t(): the transpose of a matrix (vectors and scalars unchanged), as in PyTorch."""
    if x.ndim > 2:
        raise ValueError(f"t: expects a tensor with <= 2 dimensions, got shape {tuple(x.shape)}; "
                         f"use transpose(dim0, dim1) or permute")
    return _transpose(x, 0, 1) if x.ndim == 2 else x


def _masked_fill(x, mask, value):
    """`value` where `mask` is True, x elsewhere (mask broadcasts to x's shape).

    The result keeps x's dtype, as in PyTorch: an integer tensor filled with 1.5 gets 1.
    """
    if isinstance(value, Tensor):
        if value.dtype != x.dtype:
            value = value.astype(x.dtype)
    else:
        value = np.asarray(value, dtype=x.dtype)
    return selection.where(mask, value, x)


def _T(x):
    return shape.permute(x, dims=tuple(reversed(range(x.ndim)))) if x.ndim >= 2 else x


def _mT(x):
    """x.mT: the last two dims swapped; a vector has no such pair (PyTorch raises too)."""
    if x.ndim == 1:
        raise ValueError(f"mT: expects a matrix or a batch of matrices, got shape {x.shape}")
    return _transpose(x, -2, -1) if x.ndim else x


def _expand(x, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - x.ndim
    if lead < 0:
        raise ValueError(f"expand: {len(sizes)} sizes {sizes} for a tensor of shape {x.shape}; "
                         f"give at least one per dim")
    for i, n in enumerate(sizes[:lead]):
        if n < 0:  # -1 keeps an existing dim's size; a new leading dim has none to keep
            raise ValueError(f"expand: size {n} for the new leading dim {i} of {sizes} "
                             f"(tensor of shape {x.shape})")
    sizes = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    if sizes == x.shape:
        return x
    return shape.expand(x, shape=sizes)


def _squeeze(x, dim=None):
    if dim is None:
        new = tuple(n for n in x.shape if n != 1)
    else:
        listed = [wrap_dim("squeeze", d, x.shape)
                  for d in ((dim,) if isinstance(dim, (int, np.integer)) else dim)]
        dims = set(listed)
        if len(dims) != len(listed):
            raise ValueError(f"squeeze: dims {dim} repeat a dim of a tensor of shape {x.shape}")
        new = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return _reshape(x, new)


def _flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (as torch.flatten); a 0-d tensor becomes (1,)."""
    start, end = wrap_dim("flatten", start_dim, x.shape), wrap_dim("flatten", end_dim, x.shape)
    if x.ndim == 0:
        return _reshape(x, (1,))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[start:end + 1]))
    return _reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def _unsqueeze(x, dim):
    dim = wrap_dim("unsqueeze", dim, x.shape, extra=1)
    return _reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def _getitem(x, index):
    return apply(indexing.getitem, (x,), {"index": indexing.normalize_index(index)})


def _reduction(prim):
    def method(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
        if dim is not None:
            axis = dim
        if keepdim is not None:
            keepdims = keepdim
        return prim(x, axis=_reduced_axes(x, axis), keepdims=bool(keepdims))
    method.__name__ = prim.name
    return method


def _reduced_axes(x, dim):
    """A method's dim -> the primitives' (numpy) axis, read as torch reads it: () means
    every dim (numpy: none), and a 0-d tensor reduces over dim 0 or -1 (numpy: 0 at most)."""
    if isinstance(dim, list):
        dim = tuple(dim)
    if dim == ():
        return None
    if x.ndim == 0 and dim is not None:
        return None if all(d in (0, -1) for d in np.atleast_1d(dim)) else dim
    return dim


# x.max(dim) / x.min(dim) return these, as torch.return_types.max / min
MaxResult = namedtuple("max", ["values", "indices"])
MinResult = namedtuple("min", ["values", "indices"])


def _extremum(over_all, along, arg, elementwise, result):
    """x.max() (ties share the gradient), x.max(dim, keepdim) -> (values, indices) (the
    gradient goes to the index returned), x.max(other) (elementwise), as in torch."""
    name = result.__name__

    def method(x, dim=None, keepdim=False, *, axis=None, keepdims=None):
        if isinstance(dim, Tensor):
            return elementwise(x, dim)
        dim = dim if axis is None else axis
        keepdim = bool(keepdim if keepdims is None else keepdims)
        if dim is None:
            return over_all(x, axis=None, keepdims=keepdim)
        if not isinstance(dim, (int, np.integer)):
            raise TypeError(f"{name}(dim): dim must be one int, got {dim!r}; "
                            f"a{name}(dim) reduces over several")
        dim = _reduced_axes(x, dim)
        return result(along(x, axis=dim, keepdims=keepdim), arg(x, axis=dim, keepdims=keepdim))
    method.__name__ = name
    return method


def _var(x, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
         keepdims=None):
    """x.var(dim, unbiased, keepdim, *, correction), as torch: sum((x - mean)^2) over dim
    (None: all of x) divided by N - correction; correction defaults to 1 if unbiased else
    0. `axis`/`keepdims` are numpy's names for dim/keepdim."""
    return _variance("var", x, dim, unbiased, keepdim, correction, axis, keepdims)


def _std(x, dim=None, unbiased=True, keepdim=False, *, correction=None, axis=None,
         keepdims=None):
    """x.std(...): the square root of x.var(...), same arguments."""
    return unary.sqrt(_variance("std", x, dim, unbiased, keepdim, correction, axis, keepdims))


def _variance(name, x, dim, unbiased, keepdim, correction, axis, keepdims):
    """x.var or x.std's variance; with no degrees of freedom left, torch's warning,
    naming `name` and the user's line."""
    if axis is not None:
        dim = axis
    if keepdims is not None:
        keepdim = keepdims
    if correction is None:
        correction = int(unbiased)
    axes = _reduced_axes(x, dim)
    if x.data.size == 0 or reductions.reduced_count(x.data, axes) <= correction:
        warn_at_user_line(f"{name}(): degrees of freedom is <= 0. Correction should be "
                          f"strictly less than the reduction factor (input numel divided by "
                          f"output numel).")
    return reductions.var(x, axis=axes, keepdims=bool(keepdim), correction=correction)


def _norm(x, p=2, dim=None, keepdim=False):
    """The vector p-norm over `dim` (all elements by default), p in {1, 2, inf, "fro"}.

    At a zero vector the 2-norm's gradient is 0 (PyTorch's choice of subgradient), not
    the NaN that sqrt's derivative at 0 would give.
    """
    if p == "fro":  # the Frobenius norm: the 2-norm of all (or of two) dims
        if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) > 2:
            raise ValueError(f"norm: p='fro' takes at most two dims, got dim={dim}")
        p = 2
    axis, keepdims = _reduced_axes(x, dim), bool(keepdim)
    if p == 1:
        return reductions.sum(unary.abs(x), axis=axis, keepdims=keepdims)
    if p == float("inf"):
        return reductions.amax(unary.abs(x), axis=axis, keepdims=keepdims)
    if p != 2:
        raise ValueError(f"norm: p must be 1, 2 or inf (or 'fro'), got {p!r}")
    squares = reductions.sum(x * x, axis=axis, keepdims=keepdims)
    positive = squares > 0
    safe = selection.where(positive, squares, 1.0)  # keeps sqrt's derivative finite at 0
    return selection.where(positive, unary.sqrt(safe), 0.0)


def _softmax_axis(prim):
    def method(x, axis=-1, *, dim=None):
        return prim(x, axis=axis if dim is None else dim)
    method.__name__ = prim.name
    return method


def _logsumexp(x, axis=-1, keepdims=False, *, dim=None, keepdim=None):
    return softmax.logsumexp(x, axis=_reduced_axes(x, axis if dim is None else dim),
                             keepdims=bool(keepdims if keepdim is None else keepdim))


def _argext(prim):
    def method(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return prim(x, axis=axis if dim is None else dim,
                    keepdims=bool(keepdims if keepdim is None else keepdim))
    return method


def _clip(x, min=None, max=None):
    """Limit x to [min, max]; a bound may be a number or a Tensor (broadcast with x), whose
    gradient is where the bound is the value chosen."""
    if not isinstance(min, Tensor) and not isinstance(max, Tensor):
        return unary.clip(x, min=min, max=max)
    if min is None or max is None:
        return selection.clamp(x, max if min is None else min,
                               which="max" if min is None else "min")
    return selection.clamp(x, min, max, which="both")


def _softplus(x, beta=1, threshold=None):
    """log(1 + e^(beta x)) / beta, or x where beta x > threshold. No threshold by default
    (exact for all x; F.softplus uses PyTorch's threshold=20)."""
    attrs = {}
    if beta != 1:
        attrs["beta"] = beta
    if threshold is not None:
        attrs["threshold"] = threshold
    return apply(unary.softplus, (x,), attrs)


def _leaky_relu(x, negative_slope=0.01):
    return unary.leaky_relu(x, negative_slope=negative_slope)


_sum = _reduction(reductions.sum)
_mean = _reduction(reductions.mean)
_amax = _reduction(reductions.amax)
_amin = _reduction(reductions.amin)
_max = _extremum(reductions.amax, reductions.max, reductions.argmax, selection.maximum,
                 MaxResult)
_min = _extremum(reductions.amin, reductions.min, reductions.argmin, selection.minimum,
                 MinResult)
_argmax = _argext(reductions.argmax)
_argmin = _argext(reductions.argmin)
_softmax = _softmax_axis(softmax.softmax)
_log_softmax = _softmax_axis(softmax.log_softmax)
