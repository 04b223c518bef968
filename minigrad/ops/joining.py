"""Joining and splitting: concat, stack (split is a view of slices)."""
import numpy as np

from ..registry import primitive
from ..tensor import Tensor
from .indexing import getitem
from .shape import wrap_dim


def checked_tensors(op, tensors, axis, new_axis=False):
    """The tensors given to concat / stack (`op`), as a tuple, once checked: a non-empty
    sequence, and `axis` in range for them (up to ndim for stack's new axis)."""
    if isinstance(tensors, Tensor) or not hasattr(tensors, "__iter__"):
        raise TypeError(f"{op}: expected a sequence of tensors, got a {type(tensors).__name__}; "
                        f"write {op}([a, b]), not {op}(a, b)")
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    wrap_dim(op, axis, np.shape(tensors[0]), extra=int(new_axis))
    return tensors


@primitive("concat")
def concat(*xs, axis=0):
    return np.concatenate(xs, axis=axis)


@concat.defexplain
def concat_explain(*xs, axis=0):
    return (f"tensors must have the same shape except along axis {axis}; "
            f"got {[tuple(x.shape) for x in xs]}")


@concat.defvjp
def concat_vjp(g, out, wanted, *xs, axis=0):
    grads, start = [], 0
    ax = axis % out.ndim
    for i, x in enumerate(xs):
        stop = start + x.shape[ax]
        index = (slice(None),) * ax + (slice(start, stop),)
        grads.append(getitem(g, index=index) if wanted[i] else None)
        start = stop
    return tuple(grads)


@primitive("stack")
def stack(*xs, axis=0):
    return np.stack(xs, axis=axis)


@stack.defexplain
def stack_explain(*xs, axis=0):
    return f"all tensors must have the same shape; got {[tuple(x.shape) for x in xs]}"


@stack.defvjp
def stack_vjp(g, out, wanted, *xs, axis=0):
    ax = axis % out.ndim
    return tuple(getitem(g, index=(slice(None),) * ax + (i,)) if wanted[i] else None
                 for i in range(len(xs)))


def split(x, split_size_or_sections, axis=0, *, dim=None):
    """Split along `axis` (or `dim`) into chunks of a given size, or of the given sizes
    (as torch.split)."""
    if dim is not None:
        axis = dim
    if x.ndim == 0:
        raise ValueError("split: expects a tensor with at least one dimension, got a 0-d tensor")
    ax = wrap_dim("split", axis, x.shape)
    n = x.shape[ax]
    if isinstance(split_size_or_sections, int):
        if split_size_or_sections < 1:
            raise ValueError(f"split: split_size must be at least 1, got "
                             f"{split_size_or_sections}")
        sizes = [split_size_or_sections] * (n // split_size_or_sections)
        if n % split_size_or_sections:
            sizes.append(n % split_size_or_sections)
    else:
        sizes = list(split_size_or_sections)
        if sum(sizes) != n:
            raise ValueError(f"split: sizes {sizes} do not add up to {n}, the size of axis {axis} "
                             f"of a tensor of shape {x.shape}")
    pieces, start = [], 0
    for size in sizes:
        pieces.append(x[(slice(None),) * ax + (slice(start, start + size),)])
        start += size
    return tuple(pieces)


def chunk(x, chunks, axis=0, *, dim=None):
    """`chunks` pieces of equal size along `axis` (or `dim`), the last one smaller (as torch.chunk)."""
    if dim is not None:
        axis = dim
    if x.ndim == 0:
        raise ValueError("chunk: expects a tensor with at least one dimension, got a 0-d tensor")
    if chunks < 1:
        raise ValueError(f"chunk: chunks must be at least 1, got {chunks}")
    n = x.shape[wrap_dim("chunk", axis, x.shape)]
    size = -(-n // chunks)
    return split(x, size, axis)
