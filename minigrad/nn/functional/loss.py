"""Loss functions, mirroring torch.nn.functional: cross_entropy, nll_loss, mse_loss,
binary_cross_entropy_with_logits. All work from logits or log-probabilities in a form
that stays finite for inputs of magnitude 1e4.

Shape letters: N batch, C classes, d1..dk extra dimensions (e.g. sequence length L).
"""
import numpy as np

from ...registry import as_tensor_like
from ...roles import mark
from ...source import warn_at_user_line
from ...tensor import Tensor
from .activation import log_softmax

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction):
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _classes_last(input):
    """(N, C, d1..dk) -> (N*d1*..*dk, C); (C,) -> (1, C)."""
    if input.ndim == 1:
        return input.reshape(1, -1)
    if input.ndim > 2:
        input = input.permute((0,) + tuple(range(2, input.ndim)) + (1,))
    return input.reshape(-1, input.shape[-1])


def _target_array(input, target):
    target = np.asarray(target.data if isinstance(target, Tensor) else target)
    expected = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if target.shape != expected:
        raise ValueError(f"nll_loss: expected a target of shape {expected} for an input of shape "
                         f"{input.shape}, got {target.shape}")
    if target.dtype.kind not in "iu":
        raise TypeError(f"target must hold integer class indices, got dtype {target.dtype}")
    return target


def _class_weights(op, weight, num_classes, dtype):
    """`weight` as a (C,) array of `dtype` (None stays None), its length checked."""
    if weight is None:
        return None
    w = np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=dtype)
    if w.shape != (num_classes,):
        raise ValueError(f"{op}: weight should be defined either for all {num_classes} "
                         f"classes or no classes, but got a weight of shape {w.shape}")
    return w


def _picked_weights(target, valid, class_w, dtype):
    """Per-element weight w[target] (1 without `class_w`), 0 where the target is ignored."""
    safe = np.where(valid, target, 0)
    w = np.ones(target.shape, dtype=dtype) if class_w is None else class_w[safe]
    return (w * valid).astype(dtype)


def _reduce(losses, denominator, reduction):
    """The reduced loss, marked as a loss (minigrad/roles.py) unless reduction="none"."""
    if reduction == "none":
        return losses
    total = losses.sum()
    if reduction == "sum":
        return mark(total, "loss", "loss")
    if denominator == 0:
        # nothing counted (every target ignored): NaN as in PyTorch, with a zero
        # gradient rather than the NaN of 0 / 0
        return mark(total * 0.0 + float("nan"), "loss", "loss")
    return mark(total / denominator, "loss", "loss")


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """Negative log-likelihood of class indices given log-probabilities.

    l_n = -w[y_n] * input[n, y_n]  (0 where y_n == ignore_index)
    mean: sum_n l_n / sum_n w[y_n] over the targets that are not ignored.

    Args:
        input: (N, C), (N, C, d1..dk) or (C,) log-probabilities.
        target: (N,), (N, d1..dk) or () integer class indices.
        weight: optional (C,) class weights.
    Returns:
        a 0-d tensor, or the target's shape with reduction="none".
    """
    _check_reduction(reduction)
    target = _target_array(input, target)
    rows = _classes_last(input)
    flat = target.reshape(-1)
    valid = flat != ignore_index
    num_classes = rows.shape[-1]
    bad = valid & ((flat < 0) | (flat >= num_classes))
    if bad.any():
        raise IndexError(f"nll_loss: target {flat[bad][0]} is out of bounds for "
                         f"{num_classes} classes")
    class_w = _class_weights("nll_loss", weight, num_classes, input.dtype)
    w = _picked_weights(flat, valid, class_w, input.dtype)
    picked = rows[np.arange(flat.shape[0]), np.where(valid, flat, 0)]
    losses = -picked * Tensor._constant(w)
    if reduction == "none":
        return losses.reshape(target.shape)
    return _reduce(losses, float(w.sum()), reduction)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Cross entropy between softmax(input) over the class axis and the targets.

    With class indices y:  l_n = -w[y_n] log softmax(x_n)[y_n] = w[y_n] (logsumexp(x_n) - x_n[y_n]).
    With label smoothing e, the target distribution is (1 - e) onehot(y) + e / C:
      l_n = (1 - e) nll_n + (e / C) * sum_c -w[c] log p_nc,
    both terms reduced with the same denominator (sum of w[y_n] over non-ignored targets).
    A float `target` of the input's shape is read as class probabilities q:
      l_n = -sum_c w[c] q_nc log p_nc, and "mean" divides by the number of rows.

    Args:
        input: (N, C), (N, C, d1..dk) or (C,) logits.
        target: (N,), (N, d1..dk) or () integer indices, or probabilities shaped as input.
        weight: optional (C,) class weights.
        ignore_index: targets equal to it add nothing and are not counted.
        reduction: "mean" | "sum" | "none".
        label_smoothing: e in [0, 1].
    Returns:
        a 0-d tensor, or (N, d1..dk) with reduction="none".
    """
    _check_reduction(reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"label_smoothing must be in [0, 1], got {label_smoothing}")
    class_axis = 1 if input.ndim >= 2 else 0
    logp = log_softmax(input, dim=class_axis)
    num_classes = input.shape[class_axis]
    class_w = _class_weights("cross_entropy", weight, num_classes, input.dtype)
    if isinstance(target, Tensor) and target.dtype.kind == "f" or \
            isinstance(target, np.ndarray) and target.dtype.kind == "f":
        return _cross_entropy_soft(logp, target, class_w, reduction, label_smoothing)
    nll = nll_loss(logp, target, weight=weight, ignore_index=ignore_index, reduction=reduction)
    if label_smoothing == 0.0:
        return nll
    flat = _target_array(input, target).reshape(-1)
    valid = flat != ignore_index
    rows = _classes_last(logp)
    weighted = rows if class_w is None else rows * Tensor._constant(class_w)
    smooth = -weighted.sum(axis=-1) * Tensor._constant(valid.astype(input.dtype))
    if reduction == "none":
        smooth = smooth.reshape(nll.shape)
    denominator = float(_picked_weights(flat, valid, class_w, input.dtype).sum())
    smooth = _reduce(smooth, denominator, reduction)
    total = nll * (1.0 - label_smoothing) + smooth * (label_smoothing / num_classes)
    return total if reduction == "none" else mark(total, "loss", "loss")


def _cross_entropy_soft(logp, target, class_w, reduction, label_smoothing):
    target = as_tensor_like(target, (logp,))
    if target.shape != logp.shape:
        hint = ""
        if target.shape == logp.shape[:1] + logp.shape[2:]:
            hint = (f"; for class indices pass an integer target (this one has dtype "
                    f"{target.dtype}), e.g. target.astype(np.int64)")
        raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                         f"{logp.shape}, got {target.shape}{hint}")
    class_axis = 1 if logp.ndim >= 2 else 0
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + label_smoothing / logp.shape[class_axis]
    terms = logp * target
    if class_w is not None:
        shape = [1] * logp.ndim
        shape[class_axis] = -1
        terms = terms * Tensor._constant(class_w.reshape(shape))
    losses = -terms.sum(axis=class_axis)
    rows = losses.data.size
    return _reduce(losses, float(rows), reduction)


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: l = (x - y)^2, elementwise, then reduced."""
    _check_reduction(reduction)
    target = as_tensor_like(target, (input,))
    if target.shape != input.shape:  # as PyTorch: broadcasting here is rarely meant
        warn_at_user_line(f"mse_loss: using a target size {target.shape} that is different "
                           f"to the input size {input.shape}; this will likely lead to "
                           f"incorrect results due to broadcasting. Please ensure they "
                           f"have the same size.")
    diff = input - target
    squares = diff * diff
    return _reduce(squares, float(squares.data.size), reduction)


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean",
                                     pos_weight=None):
    """Binary cross entropy of sigmoid(x) against targets y in [0, 1], from logits x.

    l = -w [p y log s(x) + (1 - y) log(1 - s(x))], with s the sigmoid and p = pos_weight,
    computed as  w [(1 - y) x + (1 + (p - 1) y) softplus(-x)],  where
    softplus(z) = log(1 + e^z) is evaluated without overflow, so |x| ~ 1e4 stays finite.

    Args:
        input: logits of any shape; target: same shape; weight: broadcastable to it;
        pos_weight: broadcastable along the last (class) axis.
    """
    _check_reduction(reduction)
    target = as_tensor_like(target, (input,))
    if target.shape != input.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {target.shape} "
                         f"differs from input shape {input.shape}")
    softplus_neg = (-input).softplus()
    if pos_weight is None:
        losses = (1.0 - target) * input + softplus_neg
    else:
        pos_weight = as_tensor_like(pos_weight, (input,))
        losses = (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * softplus_neg
    if weight is not None:
        losses = losses * as_tensor_like(weight, (input,))
    return _reduce(losses, float(losses.data.size), reduction)
