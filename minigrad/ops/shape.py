"""Shape ops: reshape, permute, expand, and the generic reduction of a broadcast
gradient back to an input's shape (`sum_to`)."""
import numpy as np

from ..registry import primitive


def wrap_dim(op, dim, shape, extra=0):
    """`dim` as an index in 0..ndim-1 (0..ndim for `extra=1`: unsqueeze's new dim).

    Out of range raises IndexError naming the op and the shape, as PyTorch does, rather
    than wrapping modulo ndim onto another dim. A 0-d tensor takes dims 0 and -1.
    """
    size = max(len(shape) + extra, 1)
    if not -size <= dim < size:
        raise IndexError(f"{op}: dimension {dim} is out of range for a tensor of shape "
                         f"{tuple(shape)} (expected to be in range of [{-size}, {size - 1}])")
    return int(dim) % size


@primitive("reshape")
def reshape(x, shape):
    return np.reshape(x, shape)


@reshape.defexplain
def reshape_explain(x, shape):
    return f"cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {shape}"


@reshape.defvjp
def reshape_vjp(g, out, wanted, x, shape):
    return (reshape(g, shape=x.shape),)


@primitive("permute")
def permute(x, dims):
    return np.transpose(x, dims)


@permute.defvjp
def permute_vjp(g, out, wanted, x, dims):
    return (permute(g, dims=tuple(np.argsort(dims))),)


@primitive("expand")
def expand(x, shape):
    return np.broadcast_to(x, shape)


@expand.defexplain
def expand_explain(x, shape):
    return f"cannot broadcast shape {x.shape} to {tuple(shape)}"


@expand.defvjp
def expand_vjp(g, out, wanted, x, shape):
    return (sum_to(g, x.shape),)


@primitive("sum_to")
def sum_to_prim(x, shape):
    return _sum_to_numpy(x, shape)


@sum_to_prim.defvjp
def sum_to_vjp(g, out, wanted, x, shape):
    return (expand(g, shape=x.shape),)


def _reduced_axes(from_shape, to_shape):
    lead = len(from_shape) - len(to_shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, n in enumerate(to_shape) if n == 1 and from_shape[lead + i] != 1)
    return axes, lead


def _sum_to_numpy(x, shape):
    axes, lead = _reduced_axes(x.shape, shape)
    summed = np.sum(x, axis=axes, keepdims=True) if axes else x
    return summed.reshape(shape) if summed.shape != tuple(shape) else summed


def sum_to(g, shape):
    """Reduce a gradient of a broadcast result back to an input of `shape`.

    This is the one place where broadcasting is undone: the engine calls it on
    every gradient whose shape differs from its input's.
    """
    if g.shape == tuple(shape):
        return g
    return sum_to_prim(g, shape=tuple(shape))
