"""softmax, log_softmax and logsumexp, shifted by the max so that large inputs stay finite."""
import numpy as np

from ..registry import primitive
from .reductions import _grad_back_to, sum


@primitive("logsumexp")
def logsumexp(x, axis=-1, keepdims=False):
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    result = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return result if keepdims else np.squeeze(result, axis=axis)


@logsumexp.defvjp
def logsumexp_vjp(g, out, x, axis=-1, keepdims=False):
    return (_grad_back_to(g, x, axis, keepdims) * softmax(x, axis=axis),)


@primitive("softmax")
def softmax(x, axis=-1):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


@softmax.defvjp
def softmax_vjp(g, out, x, axis=-1):
    return (out * (g - sum(g * out, axis=axis, keepdims=True)),)


@primitive("log_softmax")
def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@log_softmax.defvjp
def log_softmax_vjp(g, out, x, axis=-1):
    from .unary import exp
    return (g - exp(out) * sum(g, axis=axis, keepdims=True),)
