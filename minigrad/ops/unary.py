"""Elementwise functions of one tensor. Derivatives that are functions of the
output (exp, tanh, sigmoid, sqrt) reuse `out`."""
import numpy as np

from ..registry import primitive, value


def _mask(condition, like):
    """A constant 0/1 array of `like`'s dtype: the derivative of a piecewise op."""
    return np.asarray(condition).astype(like.dtype)


@primitive("exp")
def exp(x):
    return np.exp(x)


@exp.defvjp
def exp_vjp(g, out, wanted, x):
    return (g * out,)


@primitive("log")
def log(x):
    return np.log(x)


@log.defvjp
def log_vjp(g, out, wanted, x):
    return (g / x,)


@primitive("sqrt")
def sqrt(x):
    return np.sqrt(x)


@sqrt.defvjp
def sqrt_vjp(g, out, wanted, x):
    return (g / (out * 2),)


@primitive("abs")
def abs(x):
    return np.abs(x)


@abs.defvjp
def abs_vjp(g, out, wanted, x):
    return (g * np.sign(value(x)),)


@primitive("sin")
def sin(x):
    return np.sin(x)


@sin.defvjp
def sin_vjp(g, out, wanted, x):
    return (g * cos(x),)


@primitive("cos")
def cos(x):
    return np.cos(x)


@cos.defvjp
def cos_vjp(g, out, wanted, x):
    return (-(g * sin(x)),)


@primitive("tanh")
def tanh(x):
    return np.tanh(x)


@tanh.defvjp
def tanh_vjp(g, out, wanted, x):
    return (g * (1 - out * out),)


def _sigmoid_numpy(x):
    # exp(-|x|) never overflows; pick the form that stays accurate on each side
    e = np.exp(-np.abs(x))
    result = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
    # an integer input gives a float result (the engine picks the default dtype)
    return result.astype(x.dtype, copy=False) if x.dtype.kind == "f" else result


@primitive("sigmoid")
def sigmoid(x):
    if x.dtype.kind == "f" and x.size <= 65536:
        with np.errstate(over="ignore"):
            return 1 / (1 + np.exp(-x))
    return _sigmoid_numpy(x)


@sigmoid.defvjp
def sigmoid_vjp(g, out, wanted, x):
    return (g * (out * (1 - out)),)


@primitive("relu")
def relu(x):
    return np.maximum(x, 0)


@relu.defvjp
def relu_vjp(g, out, wanted, x):
    return (g * _mask(value(x) > 0, x),)


@primitive("leaky_relu")
def leaky_relu(x, negative_slope=0.01):
    return np.where(x > 0, x, x * negative_slope)


@leaky_relu.defvjp
def leaky_relu_vjp(g, out, wanted, x, negative_slope=0.01):
    slope = np.where(value(x) > 0, 1.0, negative_slope).astype(x.dtype)
    return (g * slope,)


@primitive("softplus")
def softplus(x, beta=1, threshold=None):
    """log(1 + e^(beta x)) / beta; x itself where beta x > threshold (None: nowhere)."""
    scaled = x if beta == 1 else x * beta
    result = np.logaddexp(0, scaled)
    if beta != 1:
        result = result / beta
    if threshold is not None:
        result = np.where(scaled > threshold, x, result)
    return result.astype(x.dtype, copy=False) if x.dtype.kind == "f" else result


@softplus.defvjp
def softplus_vjp(g, out, wanted, x, beta=1, threshold=None):
    slope = sigmoid(x if beta == 1 else x * beta)
    if threshold is not None:
        linear = _mask(value(x) * beta > threshold, x)
        slope = slope * (1 - linear) + linear
    return (g * slope,)


@primitive("clip")
def clip(x, min=None, max=None):
    return np.clip(x, min, max)


@clip.defvjp
def clip_vjp(g, out, wanted, x, min=None, max=None):
    inside = np.ones(x.shape, dtype=bool)
    if min is not None:
        inside &= value(x) >= min
    if max is not None:
        inside &= value(x) <= max
    return (g * _mask(inside, x),)


@primitive("cast", explicit_dtype=True)
def cast(x, dtype):
    return x.astype(dtype)


@cast.defvjp
def cast_vjp(g, out, wanted, x, dtype):
    return (cast(g, dtype=x.dtype),)


@primitive("clone")
def clone(x):
    return np.array(x, copy=True)


@clone.defvjp
def clone_vjp(g, out, wanted, x):
    return (g,)
