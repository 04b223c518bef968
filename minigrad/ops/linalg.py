"""Matrix products: `x @ y` for 1-D, 2-D and batched operands (numpy.matmul rules)."""
import numpy as np

from ..registry import primitive
from .shape import permute, reshape, sum_to


@primitive("matmul")
def matmul(x, y):
    if x.ndim > 2 and y.ndim == 2:
        # a stack of rows times one matrix is one big GEMM: much faster than a loop
        return (np.reshape(x, (-1, x.shape[-1])) @ y).reshape(x.shape[:-1] + (y.shape[1],))
    return np.matmul(x, y)


@matmul.defexplain
def matmul_explain(x, y):
    if x.ndim == 0 or y.ndim == 0:
        return f"{x.shape} @ {y.shape}: both operands need at least one dimension"
    inner_x = x.shape[-1]
    inner_y = y.shape[-2] if y.ndim > 1 else y.shape[0]
    if inner_x != inner_y:
        return f"{x.shape} @ {y.shape}: inner dimensions {inner_x} and {inner_y} differ"
    return f"{x.shape} @ {y.shape}: batch dimensions {x.shape[:-2]} and {y.shape[:-2]} " \
           f"do not broadcast"


def swap_last(t):
    """Transpose the last two axes (a free view when t is a plain array)."""
    if isinstance(t, np.ndarray):
        return t.swapaxes(-1, -2)
    dims = tuple(range(t.ndim - 2)) + (t.ndim - 1, t.ndim - 2)
    return permute(t, dims=dims)


@matmul.defvjp
def matmul_vjp(g, out, wanted, x, y):
    if x.ndim > 2 and y.ndim == 2:
        # y is shared by every matrix of the stack: its gradient is one GEMM over
        # all rows, not a stack of products summed afterwards
        gx = matmul(g, swap_last(y)) if wanted[0] else None
        rows = int(np.prod(x.shape[:-1]))
        gy = matmul(swap_last(reshape(x, shape=(rows, x.shape[-1]))),
                    reshape(g, shape=(rows, g.shape[-1]))) if wanted[1] else None
        return gx, gy
    if x.ndim >= 2 and y.ndim >= 2:
        gx = matmul(g, swap_last(y)) if wanted[0] else None
        gy = matmul(swap_last(x), g) if wanted[1] else None
        return gx, gy
    # promote 1-D operands to matrices as numpy does; undo it on the way back
    x2 = reshape(x, shape=(1,) + x.shape) if x.ndim == 1 else x
    y2 = reshape(y, shape=y.shape + (1,)) if y.ndim == 1 else y
    out2_shape = np.broadcast_shapes(x2.shape[:-2], y2.shape[:-2]) + (x2.shape[-2], y2.shape[-1])
    g2 = reshape(g, shape=out2_shape)
    gx = gy = None
    if wanted[0]:
        gx = reshape(sum_to(matmul(g2, swap_last(y2)), x2.shape), shape=x.shape)
    if wanted[1]:
        gy = reshape(sum_to(matmul(swap_last(x2), g2), y2.shape), shape=y.shape)
    return gx, gy
