"""Tensor's operators and methods, each a thin call of a primitive or composite."""
import numpy as np

from .. import tensor as tensor_module
from ..registry import NO_ATTRS, apply
from ..tensor import Tensor
from . import arithmetic as A
from . import indexing, joining, linalg, reductions, selection, shape, unary
from . import softmax_family as softmax


def _pow(x, exponent):
    if isinstance(exponent, np.number):
        exponent = exponent.item()  # a numpy scalar exponent acts like a Python number
    if isinstance(exponent, (int, float)) and not isinstance(exponent, bool):
        return apply(A.pow_const, (x,), {"exponent": exponent})
    return apply(A.pow, (x, exponent), {})


def _rpow(x, base):
    return apply(A.pow, (base, x), {})


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


def _permute(x, *dims):
    if len(dims) == 1 and isinstance(dims[0], (tuple, list)):
        dims = tuple(dims[0])
    dims = tuple(int(d) % max(x.ndim, 1) for d in dims)
    if sorted(dims) != list(range(x.ndim)):
        raise ValueError(f"permute: {dims} is not a permutation of the {x.ndim} dims of {x.shape}")
    return shape.permute(x, dims=dims)


def _transpose(x, dim0=-2, dim1=-1):
    if x.ndim < 2:
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
    """`value` where `mask` is True, x elsewhere (mask broadcasts to x's shape)."""
    return selection.where(mask, value, x)


def _T(x):
    return shape.permute(x, dims=tuple(reversed(range(x.ndim)))) if x.ndim >= 2 else x


def _expand(x, *sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    lead = len(sizes) - x.ndim
    sizes = tuple(x.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
    if sizes == x.shape:
        return x
    return shape.expand(x, shape=sizes)


def _squeeze(x, dim=None):
    if dim is None:
        new = tuple(n for n in x.shape if n != 1)
    else:
        dims = {d % max(x.ndim, 1) for d in ((dim,) if isinstance(dim, int) else dim)}
        new = tuple(n for i, n in enumerate(x.shape) if not (i in dims and n == 1))
    return _reshape(x, new)


def _flatten(x, start_dim=0, end_dim=-1):
    """Merge dims start_dim..end_dim into one (as torch.flatten); a 0-d tensor becomes (1,)."""
    if x.ndim == 0:
        return _reshape(x, (1,))
    start, end = start_dim % x.ndim, end_dim % x.ndim
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    merged = int(np.prod(x.shape[start:end + 1]))
    return _reshape(x, x.shape[:start] + (merged,) + x.shape[end + 1:])


def _unsqueeze(x, dim):
    dim = dim % (x.ndim + 1)
    return _reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def _getitem(x, index):
    return apply(indexing.getitem, (x,), {"index": indexing.normalize_index(index)})


def _reduction(prim):
    def method(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
        if dim is not None:
            axis = dim
        if keepdim is not None:
            keepdims = keepdim
        return prim(x, axis=_axis_key(axis), keepdims=bool(keepdims))
    method.__name__ = prim.name
    return method


def _axis_key(axis):
    return tuple(axis) if isinstance(axis, list) else axis


def _var(x, axis=None, keepdims=False, correction=1, *, dim=None, keepdim=None, unbiased=None):
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if unbiased is not None:
        correction = int(unbiased)
    return reductions.var(x, axis=_axis_key(axis), keepdims=bool(keepdims), correction=correction)


def _std(x, *args, **kwargs):
    return unary.sqrt(_var(x, *args, **kwargs))


def _norm(x, p=2, dim=None, keepdim=False):
    """The vector p-norm over `dim` (all elements by default), p in {1, 2, inf}.

    At a zero vector the 2-norm's gradient is 0 (PyTorch's choice of subgradient), not
    the NaN that sqrt's derivative at 0 would give.
    """
    axis, keepdims = _axis_key(dim), bool(keepdim)
    if p == 1:
        return reductions.sum(unary.abs(x), axis=axis, keepdims=keepdims)
    if p == float("inf"):
        return reductions.max(unary.abs(x), axis=axis, keepdims=keepdims)
    if p != 2:
        raise ValueError(f"norm: p must be 1, 2 or inf, got {p!r}")
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
    return softmax.logsumexp(x, axis=axis if dim is None else dim,
                             keepdims=bool(keepdims if keepdim is None else keepdim))


def _argext(prim):
    def method(x, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return prim(x, axis=axis if dim is None else dim,
                    keepdims=bool(keepdims if keepdim is None else keepdim))
    return method


def _clip(x, min=None, max=None):
    return unary.clip(x, min=min, max=max)


def _leaky_relu(x, negative_slope=0.01):
    return unary.leaky_relu(x, negative_slope=negative_slope)


def _operator(prim):
    """A method of two arguments (`x * y`, `x.mul(y)`), with no attributes to pass."""
    def method(self, other):
        return apply(prim, (self, other), NO_ATTRS)
    method.__name__ = prim.name
    return method


def _unary_method(prim):
    """A method of one argument (`x.tanh()`), with no attributes to pass."""
    def method(self):
        return apply(prim, (self,), NO_ATTRS)
    method.__name__ = prim.name
    return method


def _reflected(prim):
    def method(self, other):
        return apply(prim, (other, self), NO_ATTRS)
    method.__name__ = "r" + prim.name
    return method


METHODS = {
    "__add__": _operator(A.add), "__radd__": _reflected(A.add),
    "__sub__": _operator(A.sub), "__rsub__": _reflected(A.sub),
    "__mul__": _operator(A.mul), "__rmul__": _reflected(A.mul),
    "__truediv__": _operator(A.div), "__rtruediv__": _reflected(A.div),
    "__pow__": _pow, "__rpow__": _rpow,
    "__neg__": _unary_method(A.neg), "__pos__": lambda x: x,
    "__matmul__": _operator(linalg.matmul), "__rmatmul__": _reflected(linalg.matmul),
    "__abs__": unary.abs,
    "__eq__": selection.eq, "__ne__": selection.ne, "__lt__": selection.lt,
    "__le__": selection.le, "__gt__": selection.gt, "__ge__": selection.ge,
    "__invert__": selection.logical_not,
    "__and__": selection.logical_and, "__or__": selection.logical_or,
    "__getitem__": _getitem,
    "add": _operator(A.add), "sub": _operator(A.sub), "mul": _operator(A.mul),
    "div": _operator(A.div), "neg": _unary_method(A.neg), "pow": _pow,
    "matmul": _operator(linalg.matmul),
    "exp": _unary_method(unary.exp), "log": _unary_method(unary.log),
    "sqrt": _unary_method(unary.sqrt), "abs": _unary_method(unary.abs),
    "tanh": _unary_method(unary.tanh), "sigmoid": _unary_method(unary.sigmoid),
    "relu": _unary_method(unary.relu),
    "leaky_relu": _leaky_relu, "softplus": unary.softplus, "clip": _clip, "clamp": _clip,
    "sum": _reduction(reductions.sum), "mean": _reduction(reductions.mean),
    "max": _reduction(reductions.max), "min": _reduction(reductions.min),
    "amax": _reduction(reductions.max), "amin": _reduction(reductions.min),
    "var": _var, "std": _std, "norm": _norm,
    "argmax": _argext(reductions.argmax), "argmin": _argext(reductions.argmin),
    "softmax": _softmax_axis(softmax.softmax), "log_softmax": _softmax_axis(softmax.log_softmax),
    "logsumexp": _logsumexp,
    "reshape": _reshape, "view": _reshape, "permute": _permute, "transpose": _transpose,
    "expand": _expand, "broadcast_to": _expand, "squeeze": _squeeze, "unsqueeze": _unsqueeze,
    "flatten": _flatten, "t": _t, "masked_fill": _masked_fill,
    "split": joining.split, "chunk": joining.chunk,
    "maximum": selection.maximum, "minimum": selection.minimum,
}

for _name, _fn in METHODS.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(_T)
Tensor.mT = property(lambda x: _transpose(x, -2, -1))

from .. import ops as _ops_package  # noqa: E402

tensor_module._ops = _ops_package
