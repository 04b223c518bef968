"""Elementwise selection: maximum, minimum, clamp to tensor bounds, where; and
comparisons, logical and bitwise ops (no gradient)."""
import numpy as np

from ..registry import primitive, value


def _share(condition, tie, like):
    """Weights of the first operand: 1 where chosen, 0.5 on ties (as PyTorch)."""
    return condition.astype(like.dtype) + 0.5 * tie.astype(like.dtype)


def _shared(g, wanted, share_x):
    """The gradients of maximum / minimum's operands, x getting `share_x` of g."""
    return (g * share_x if wanted[0] else None), (g * (1 - share_x) if wanted[1] else None)


@primitive("maximum")
def maximum(x, y):
    return np.maximum(x, y)


@maximum.defvjp
def maximum_vjp(g, out, wanted, x, y):
    return _shared(g, wanted, _share(value(x) > value(y), value(x) == value(y), out))


@primitive("minimum")
def minimum(x, y):
    return np.minimum(x, y)


@minimum.defvjp
def minimum_vjp(g, out, wanted, x, y):
    return _shared(g, wanted, _share(value(x) < value(y), value(x) == value(y), out))


@primitive("clamp")
def clamp(x, *bounds, which="both"):
    """x limited to tensor bounds (broadcast with x): max(x, low), then min(., high).

    `which` names the bounds given: "min", "max" or "both" (low, high). Where low > high
    the result is high, as in PyTorch.
    """
    low, high = _bounds(bounds, which)
    out = x if low is None else np.maximum(x, low)
    return out if high is None else np.minimum(out, high)


def _bounds(bounds, which):
    if which == "both":
        return bounds
    return (bounds[0], None) if which == "min" else (None, bounds[0])


@clamp.defvjp
def clamp_vjp(g, out, wanted, x, *bounds, which="both"):
    """PyTorch's choice at ties: x gets the gradient where low <= x <= high; low where
    x < low < high; high where x > high or high < low."""
    xv = value(x)
    low, high = _bounds(tuple(value(b) for b in bounds), which)
    inside = np.ones(np.shape(value(out)), dtype=bool)
    grads = []
    if low is not None:
        inside &= xv >= low
        below = xv < low if high is None else (xv < low) & (low < high)
        grads.append(g * below.astype(g.dtype) if wanted[1] else None)
    if high is not None:
        inside &= xv <= high
        above = xv > high if low is None else (xv > high) | (high < low)
        grads.append(g * above.astype(g.dtype) if wanted[len(grads) + 1] else None)
    return (g * inside.astype(g.dtype) if wanted[0] else None, *grads)


@primitive("where")
def where(condition, x, y):
    return np.where(condition, x, y)


@where.defvjp
def where_vjp(g, out, wanted, condition, x, y):
    chosen = np.asarray(value(condition)).astype(g.dtype)
    return None, (g * chosen if wanted[1] else None), \
        (g * (1 - chosen) if wanted[2] else None)


def _comparison(name, fn):
    return primitive(name, differentiable=False)(fn)


eq = _comparison("eq", np.equal)
ne = _comparison("ne", np.not_equal)
lt = _comparison("lt", np.less)
le = _comparison("le", np.less_equal)
gt = _comparison("gt", np.greater)
ge = _comparison("ge", np.greater_equal)
logical_not = _comparison("logical_not", np.logical_not)
logical_and = _comparison("logical_and", np.logical_and)
logical_or = _comparison("logical_or", np.logical_or)
# ~, &, |, ^ as in PyTorch: bitwise on integer tensors, logical on bool ones
bitwise_not = _comparison("bitwise_not", np.invert)
bitwise_and = _comparison("bitwise_and", np.bitwise_and)
bitwise_or = _comparison("bitwise_or", np.bitwise_or)
bitwise_xor = _comparison("bitwise_xor", np.bitwise_xor)
