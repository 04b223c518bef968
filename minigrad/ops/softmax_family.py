"""softmax, log_softmax and logsumexp, shifted by the max so that large inputs stay finite."""
import numpy as np

from ..registry import primitive, value
from .reductions import _grad_back_to, sum


def _finite_peak(x, axis):
    """The max of `x` along `axis` (kept as a size-1 axis), 0 where that max is not
    finite: the shift that keeps exp from overflowing and keeps inf and NaN rows
    what they are (a -inf or inf peak would make x - peak NaN)."""
    peak = np.max(x, axis=axis, keepdims=True)
    return np.where(np.isfinite(peak), peak, 0).astype(x.dtype)


@primitive("logsumexp")
def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along `axis`, as torch.logsumexp: a row holding +inf gives +inf,
    one of only -inf gives -inf (log 0), one holding NaN gives NaN; no numpy warnings."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        peak = _finite_peak(x, axis)
        result = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return result if keepdims else np.squeeze(result, axis=axis)


@logsumexp.defvjp
def logsumexp_vjp(g, out, x, axis=-1, keepdims=False):
    """g * exp(x - logsumexp(x)), PyTorch's formula, so that a row holding +inf gets
    NaN at its inf entries and exactly 0 elsewhere, as in PyTorch (a softmax would
    make the whole row NaN). Both terms are shifted by the forward's peak, which
    cancels, so float32 keeps a softmax's precision at |x| = 1e4 (x - out would lose
    it in the rounding of out)."""
    from .unary import exp, log
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        shifted = x - _finite_peak(value(x), axis)
        weights = exp(shifted - log(sum(exp(shifted), axis=axis, keepdims=True)))
        return (_grad_back_to(g, x, axis, keepdims) * weights,)


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
