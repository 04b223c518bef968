"""Arithmetic: + - * / ** and negation, broadcasting like numpy."""
import numpy as np

from ..registry import primitive, value


@primitive("add")
def add(x, y):
    return x + y


@add.defvjp
def add_vjp(g, out, wanted, x, y):
    return (g if wanted[0] else None), (g if wanted[1] else None)


@primitive("sub")
def sub(x, y):
    return x - y


@sub.defvjp
def sub_vjp(g, out, wanted, x, y):
    return (g if wanted[0] else None), (-g if wanted[1] else None)


@primitive("mul")
def mul(x, y):
    return x * y


@mul.defvjp
def mul_vjp(g, out, wanted, x, y):
    return (g * y if wanted[0] else None), (g * x if wanted[1] else None)


@primitive("div")
def div(x, y):
    return x / y


@div.defvjp
def div_vjp(g, out, wanted, x, y):
    gx = g / y if wanted[0] else None
    gy = -(g * x) / (y * y) if wanted[1] else None
    return gx, gy


@primitive("neg")
def neg(x):
    return -x


@neg.defvjp
def neg_vjp(g, out, wanted, x):
    return (-g,)


@primitive("pow")
def pow(x, y):
    return np.power(x, y)


@pow.defvjp
def pow_vjp(g, out, wanted, x, y):
    # where the formulas read 0 * inf, PyTorch's gradients are 0: for x where y == 0
    # (x ** -1 at x = 0), for y where x == 0 and y >= 0 (log 0). The base is replaced
    # by 1 there, so no inf or NaN is made even in between (detect_anomaly).
    from .selection import where
    from .unary import log
    gx = gy = None
    if wanted[0]:
        zero_exponent = value(y) == 0
        base = where(zero_exponent, 1.0, x) if np.any(zero_exponent) else x
        gx = g * y * base ** (y - 1)
    if wanted[1]:
        zero_base = (value(x) == 0) & (value(y) >= 0)
        gy = g * out * log(where(zero_base, 1.0, x) if np.any(zero_base) else x)
    return gx, gy


@primitive("pow_const")
def pow_const(x, exponent):
    return np.power(x, exponent)


@pow_const.defvjp
def pow_const_vjp(g, out, wanted, x, exponent):
    if exponent == 0:
        return (g * 0,)  # as PyTorch, also at x = 0 (where x ** -1 * 0 would be NaN)
    if exponent == 2:
        return (g * (x * 2),)
    if exponent == 1:
        return (g,)
    return (g * (x ** (exponent - 1) * exponent),)
