"""Arithmetic: + - * / ** and negation, broadcasting like numpy."""
import numpy as np

from ..registry import primitive, wants


@primitive("add")
def add(x, y):
    return x + y


@add.defvjp
def add_vjp(g, out, x, y):
    return g, g


@primitive("sub")
def sub(x, y):
    return x - y


@sub.defvjp
def sub_vjp(g, out, x, y):
    return g, (-g if wants(1) else None)


@primitive("mul")
def mul(x, y):
    return x * y


@mul.defvjp
def mul_vjp(g, out, x, y):
    return (g * y if wants(0) else None), (g * x if wants(1) else None)


@primitive("div")
def div(x, y):
    return x / y


@div.defvjp
def div_vjp(g, out, x, y):
    gx = g / y if wants(0) else None
    gy = -(g * x) / (y * y) if wants(1) else None
    return gx, gy


@primitive("neg")
def neg(x):
    return -x


@neg.defvjp
def neg_vjp(g, out, x):
    return (-g,)


@primitive("pow")
def pow(x, y):
    return np.power(x, y)


@pow.defvjp
def pow_vjp(g, out, x, y):
    gx = g * y * x ** (y - 1) if wants(0) else None
    gy = g * out * log_for_pow(x) if wants(1) else None
    return gx, gy


def log_for_pow(x):
    from .unary import log
    return log(x)


@primitive("pow_const")
def pow_const(x, exponent):
    return np.power(x, exponent)


@pow_const.defvjp
def pow_const_vjp(g, out, x, exponent):
    if exponent == 2:
        return (g * (x * 2),)
    if exponent == 1:
        return (g,)
    return (g * (x ** (exponent - 1) * exponent),)
