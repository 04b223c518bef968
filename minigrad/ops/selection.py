"""Elementwise selection: maximum, minimum, where; and comparisons (no gradient)."""
import numpy as np

from ..registry import primitive, value, wants


def _share(condition, tie, like):
    """Weights of the first operand: 1 where chosen, 0.5 on ties (as PyTorch)."""
    return condition.astype(like.dtype) + 0.5 * tie.astype(like.dtype)


@primitive("maximum")
def maximum(x, y):
    return np.maximum(x, y)


@maximum.defvjp
def maximum_vjp(g, out, x, y):
    share_x = _share(value(x) > value(y), value(x) == value(y), out)
    return g * share_x, g * (1 - share_x)


@primitive("minimum")
def minimum(x, y):
    return np.minimum(x, y)


@minimum.defvjp
def minimum_vjp(g, out, x, y):
    share_x = _share(value(x) < value(y), value(x) == value(y), out)
    return g * share_x, g * (1 - share_x)


@primitive("where")
def where(condition, x, y):
    return np.where(condition, x, y)


@where.defvjp
def where_vjp(g, out, condition, x, y):
    chosen = np.asarray(value(condition)).astype(g.dtype)
    return None, (g * chosen if wants(1) else None), \
        (g * (1 - chosen) if wants(2) else None)


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
