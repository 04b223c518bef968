"""Gradient clipping: `clip_grad_norm_` and `clip_grad_value_` (as torch.nn.utils)."""
import numpy as np

from ...dtypes import get_default_dtype
from ...tensor import Tensor


def _with_grads(parameters):
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale all gradients together so that their joint norm is at most `max_norm`.

    total = (sum_p ||g_p||_q^q)^(1/q)  (q = norm_type; max_p max|g_p| for q = inf).
    If total > max_norm, each g_p becomes g_p * max_norm / (total + 1e-6). As in torch
    (unless error_if_nonfinite), a NaN total makes every gradient NaN, and an infinite
    one zeroes the finite entries (an infinite entry times 0 is NaN).

    Returns:
        total, the norm before clipping, as a 0-d tensor of the gradients' dtype (their
        promoted dtype if they differ; the default dtype if there are none), as in
        torch. It is computed in float64, then rounded.
    """
    params = _with_grads(parameters)
    norm_type = float(norm_type)
    if not params:
        return Tensor._constant(get_default_dtype().type(0.0))
    dtype = np.result_type(*(p.grad.data.dtype for p in params))
    grads = [p.grad.data.astype(np.float64) for p in params]
    if norm_type == np.inf:  # (np.max, not max(): a NaN wherever it is gives NaN)
        total = float(np.max([np.max(np.abs(g)) if g.size else 0.0 for g in grads]))
    else:
        norms = [np.linalg.norm(g.ravel(), ord=norm_type) for g in grads]
        total = float(np.linalg.norm(np.asarray(norms), ord=norm_type))
    if error_if_nonfinite and not np.isfinite(total):
        raise RuntimeError(f"the total norm of order {norm_type} of the gradients is "
                           f"non-finite ({total}), so it cannot be clipped; pass "
                           f"error_if_nonfinite=False to scale them anyway")
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0 or np.isnan(coefficient):  # torch scales by min(coefficient, 1)
        for p in params:
            # a fresh Tensor and array per parameter: nothing shared gets scaled twice
            with np.errstate(invalid="ignore"):
                scaled = (p.grad.data * coefficient).astype(p.grad.data.dtype)
            p.grad = Tensor._constant(scaled)
    with np.errstate(over="ignore"):  # beyond float16's range: inf, as torch's
        return Tensor._constant(dtype.type(total))


def clip_grad_value_(parameters, clip_value):
    """Clamp every gradient entry into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    for p in _with_grads(parameters):
        p.grad = Tensor._constant(np.clip(p.grad.data, -clip_value, clip_value))
