"""softmax, log_softmax and logsumexp, shifted by the max so that large inputs stay finite."""
import numpy as np

from ..registry import primitive, value
from .reductions import _grad_back_to, sum


def _peak(x, axis):
    """The shift that keeps exp(x - peak) finite and exact, per row along `axis` (kept
    as a size-1 axis): the row's max; where that max is +inf, the max of the row's
    finite entries (so they keep a finite exp, which the inf outweighs to exactly 0,
    as in PyTorch); 0 where neither is finite (rows of -inf or NaN stay what they are,
    where x - max would make them NaN). Only rows holding inf or NaN pay the second pass."""
    peak = np.max(x, axis=axis, keepdims=True)
    if not np.isfinite(peak).all():
        finite_max = np.max(np.where(np.isfinite(x), x, -np.inf), axis=axis, keepdims=True)
        peak = np.where(np.isposinf(peak), finite_max, peak)
        peak = np.where(np.isfinite(peak), peak, 0).astype(x.dtype)
    return peak


@primitive("logsumexp")
def logsumexp(x, axis=-1, keepdims=False):
    """log(sum(exp(x))) along `axis`, as torch.logsumexp: a row holding +inf gives +inf,
    one of only -inf gives -inf (log 0), one holding NaN gives NaN; no numpy warnings."""
    with np.errstate(divide="ignore", invalid="ignore"):
        peak = _peak(x, axis)
        result = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return result if keepdims else np.squeeze(result, axis=axis)


@logsumexp.defvjp
def logsumexp_vjp(g, out, wanted, x, axis=-1, keepdims=False):
    """g * softmax(x), shifted by `_peak`: a row holding +inf gets NaN at its inf
    entries (inf / inf) and exactly 0 at the others, as PyTorch's exp(x - out) gives
    (a softmax shifted by the max would make the whole row NaN); a row of -inf is 0/0,
    NaN, as in PyTorch. Shifting by an entry of x, not by out, keeps float32's
    precision at |x| = 1e4, where out is rounded."""
    from .unary import exp
    with np.errstate(invalid="ignore"):
        weights = exp(x - _peak(value(x), axis))
        weights = weights / sum(weights, axis=axis, keepdims=True)
        return (_grad_back_to(g, x, axis, keepdims) * weights,)


@primitive("softmax")
def softmax(x, axis=-1):
    shifted = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return shifted / np.sum(shifted, axis=axis, keepdims=True)


@softmax.defvjp
def softmax_vjp(g, out, wanted, x, axis=-1):
    return (out * (g - sum(g * out, axis=axis, keepdims=True)),)


@primitive("log_softmax")
def log_softmax(x, axis=-1):
    shifted = x - np.max(x, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


@log_softmax.defvjp
def log_softmax_vjp(g, out, wanted, x, axis=-1):
    from .unary import exp
    return (g - exp(out) * sum(g, axis=axis, keepdims=True),)
